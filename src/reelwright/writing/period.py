"""Period and place: when a story is set, what did not exist yet, and what people wore, did and held then.

:func:`period_of` reads a year, a decade or an era from a premise or a bible's
``period`` ("1983年", "the 1980s", "八十年代", "民国", "Victorian", "ancient
palace"). :func:`anachronisms` finds the words in a text for things that did
not exist in that year (mobile phones, WeChat, delivery apps, high-speed
trains, modern job titles), each with the year it appeared and what people used
instead, so a rejected answer can be asked again naming the anachronism. The
era's jobs, props and wardrobe go into the prompts. :data:`DIALECTS` holds the
common words of the dialects a bible may name; :func:`is_garment` tells a
wardrobe entry from a sentence about a favourite colour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reelwright.documents.bible import dialect_key

__all__ = ["Period", "period_of", "anachronisms", "era_details", "DIALECTS", "dialect_of", "dialect_words",
           "is_garment", "PRESENT"]

PRESENT = 2026

# (English words, Chinese words, the year they appeared, what people used before — en, zh)
_THINGS: list[tuple[tuple[str, ...], tuple[str, ...], int, str, str]] = [
    (("smartphone", "smart phone", "iphone", "touchscreen"), ("智能手机", "苹果手机", "触屏"), 2007,
     "a telephone, a letter", "电话、写信"),
    (("mobile phone", "cell phone", "cellphone", "mobile", "my phone", "your phone", "his phone", "her phone",
      "texted", "text message", "texting"), ("手机", "大哥大", "短信", "发消息"), 1995,
     "a landline at home or at a neighbour's, a telephone box, a letter, a telegram",
     "写信、拍电报、去邻居家或传达室打电话"),
    (("wechat", "whatsapp", "instagram", "facebook", "tiktok", "douyin", "weibo", "social media", "followers",
      "selfie", "livestream", "live stream", "hashtag"), ("微信", "朋友圈", "抖音", "微博", "直播", "自拍", "粉丝",
                                                            "点赞", "刷视频", "公众号"), 2009,
     "letters, word of mouth, the noticeboard", "写信、口口相传、单位的黑板报"),
    (("internet", "online", "website", "email", "e-mail", "google", "wifi", "wi-fi", "the app", "an app", "apps",
      "download", "laptop", "qq"), ("上网", "网上", "网络", "网友", "网购", "网吧", "电子邮件", "邮箱", "笔记本电脑",
                                    "下载", "APP", "app", "QQ", "二维码", "扫码"), 1995,
     "the post, the newspaper, the library", "邮局、报纸、广播"),
    (("delivery app", "food delivery", "delivery rider", "uber", "ride-hailing", "doordash", "deliveroo",
      "online shopping", "amazon"), ("外卖员", "外卖小哥", "点外卖", "外卖软件", "外卖平台", "美团", "饿了么", "滴滴",
                                     "打车软件", "淘宝", "支付宝", "网店", "快递员", "快递", "共享单车"), 2003,
     "the shop on the corner, the market, the bus", "街口的小卖部、菜市场、公共汽车"),
    (("high-speed train", "high speed rail", "bullet train", "high-speed rail"), ("高铁", "动车"), 2008,
     "a slow train, a long-distance bus", "绿皮火车、长途汽车"),
    (("influencer", "streamer", "youtuber", "blogger", "vlogger", "product manager", "ux designer", "ui designer",
      "data analyst", "app developer", "content creator", "gig worker", "startup founder"),
     ("网红", "主播", "博主", "产品经理", "UI设计师", "数据分析师", "程序员", "白领", "都市白领", "创业公司",
      "房产中介", "社畜", "打工人", "内卷", "躺平"), 1995,
     "work of the time: a factory worker, a shop assistant, a clerk, a teacher",
     "那时的工作：工人、售货员、会计、老师、个体户"),
    (("credit card", "atm", "cash machine"), ("信用卡", "银行卡", "刷卡", "取款机", "房贷", "学区房"), 1990,
     "cash, a savings book", "现金、存折、粮票"),
    (("television", "tv", "telly"), ("电视", "电视机"), 1950, "the radio, the newspaper", "收音机、报纸"),
    (("telephone", "phone call", "radio", "car", "cars", "taxi", "bus", "train station", "electric light",
      "photograph", "photo", "camera", "cinema", "movie", "wristwatch", "aeroplane", "plane", "gun", "pistol",
      "cigarette"), ("电话", "收音机", "汽车", "出租车", "公交车", "火车站", "电灯", "照片", "相机", "电影", "手表",
                     "飞机", "手枪", "香烟", "钢笔", "公司", "总裁", "经理"), 1880,
     "a messenger, a letter, a carriage, a sedan chair, a lamp, a portrait",
     "信使、书信、马车、轿子、油灯、画像"),
]

# eras: (key, last year, en label, zh label, jobs en, jobs zh, props en, props zh, wardrobe en, wardrobe zh)
_ERAS: list[tuple[str, int, dict[str, list[str] | str]]] = [
    ("ancient", 1839, {
        "label": ("ancient times", "古代"),
        "jobs": (["innkeeper", "scholar", "maid", "guard", "physician", "merchant", "tailor", "blacksmith"],
                 ["掌柜", "书生", "丫鬟", "侍卫", "郎中", "商贩", "绣娘", "铁匠"]),
        "props": (["a jade pendant", "a letter sealed with wax", "an oil lamp", "a fan"],
                  ["玉佩", "书信", "油灯", "折扇", "香囊"]),
        "wardrobe": (["a silk robe", "a cotton tunic", "a cloak", "embroidered shoes"],
                     ["襦裙", "长衫", "布衣", "披风", "绣花鞋"])}),
    ("republic", 1949, {
        "label": ("the Republic era", "民国"),
        "jobs": (["clerk", "rickshaw puller", "teahouse owner", "seamstress", "teacher", "newspaper seller"],
                 ["账房先生", "黄包车夫", "茶馆老板", "裁缝", "教书先生", "报童"]),
        "props": (["a gramophone", "a pocket watch", "a telegram", "a silver dollar"],
                  ["留声机", "怀表", "电报", "银元"]),
        "wardrobe": (["a qipao", "a long scholar's gown", "a tweed suit", "a felt hat"],
                     ["旗袍", "长衫", "中山装", "礼帽"])}),
    ("planned", 1977, {
        "label": ("the 1950s-70s", "五六七十年代"),
        "jobs": (["factory worker", "commune farmer", "barefoot doctor", "soldier", "teacher", "shop assistant"],
                 ["国营厂工人", "公社社员", "赤脚医生", "解放军战士", "民办教师", "供销社售货员"]),
        "props": (["ration coupons", "an enamel mug", "a bicycle", "a thermos flask"],
                  ["粮票", "搪瓷缸", "自行车", "暖水瓶", "语录本"]),
        "wardrobe": (["a blue work jacket", "army-green trousers", "cloth shoes", "a padded cotton coat"],
                     ["蓝色工装", "军绿色外套", "解放鞋", "棉袄"])}),
    ("reform", 1991, {
        "label": ("the 1980s", "八十年代"),
        "jobs": (["fitter", "factory worker", "shop assistant", "bus conductor", "typist", "noodle shop owner",
                  "tailor", "postman", "primary school teacher"],
                 ["钳工", "国营厂工人", "售货员", "公交售票员", "打字员", "面馆老板", "裁缝", "邮递员", "小学老师",
                  "个体户"]),
        "props": (["a sewing machine", "a transistor radio", "a bicycle", "a cassette tape", "an enamel mug",
                   "a thermos flask", "a black-and-white television"],
                  ["缝纫机", "收音机", "自行车", "磁带", "搪瓷缸", "暖水瓶", "蜂窝煤", "粮票"]),
        "wardrobe": (["a polyester shirt", "a floral dress", "a denim jacket", "a knitted vest", "a Mao jacket",
                      "cloth shoes"],
                     ["的确良衬衫", "碎花连衣裙", "蓝色工装", "毛线背心", "中山装", "解放鞋", "喇叭裤"])}),
    ("nineties", 2007, {
        "label": ("the 1990s-2000s", "九十年代"),
        "jobs": (["laid-off worker", "street vendor", "taxi driver", "salesman", "karaoke bar owner"],
                 ["下岗工人", "摆摊小贩", "出租车司机", "推销员", "歌厅老板"]),
        "props": (["a pager", "a VCD player", "a savings book"], ["BP机", "VCD机", "存折", "大哥大"]),
        "wardrobe": (["a shell suit", "a leather jacket", "flared jeans"], ["皮夹克", "喇叭裤", "西装"])}),
    ("present", 9999, {
        "label": ("present day", "现代"),
        "jobs": ([], []), "props": ([], []), "wardrobe": ([], [])}),
]


@dataclass(frozen=True)
class Period:
    """When a story is set: a year (None: today) and the era it falls in."""

    year: int | None
    era: str
    label: str

    @property
    def present(self) -> bool:
        return self.year is None or self.year >= PRESENT - 5


_DECADE_ZH = {"二": 20, "三": 30, "四": 40, "五": 50, "六": 60, "七": 70, "八": 80, "九": 90}
_ERA_WORDS = [
    (1930, ("民国", "旧上海", "republic era", "republican china", "1920s shanghai")),
    (1880, ("victorian", "edwardian")),
    (1300, ("medieval", "middle ages", "knight", "kingdom of")),
    (1700, ("古代", "古装", "王朝", "皇宫", "后宫", "宫斗", "皇帝", "皇后", "太子", "王爷", "将军府", "唐朝", "宋朝", "元朝",
            "明朝", "清朝", "大唐", "大宋", "大明", "修仙", "仙门", "江湖", "侯府", "dynasty", "emperor", "imperial palace",
            "concubine", "cultivation", "immortal sect")),
]


def _era(year: int | None) -> tuple[str, dict]:
    y = year if year is not None else PRESENT
    for key, last, data in _ERAS:
        if y <= last:
            return key, data
    return _ERAS[-1][0], _ERAS[-1][2]


def period_of(*texts: str) -> Period:
    """The period a text states: the first year, decade or era word found (else the present day)."""
    text = " ".join(t for t in texts if t)
    low = text.casefold()
    year: int | None = None
    if m := re.search(r"(?<!\d)(1[6-9]\d\d|20[0-4]\d)(?:\s*年|s\b|(?!\d))", text):
        year = int(m.group(1)) + (5 if m.group(0).endswith("s") else 0)
    elif m := re.search(r"(?<!\d)(\d0)年代|(?:'|’)(\d0)s\b|\bthe (\d0)s\b", text):
        d = int(m.group(1) or m.group(2) or m.group(3))
        year = (1900 if d >= 20 else 2000) + d + 5
    elif m := re.search(r"([二三四五六七八九])十年代", text):
        year = 1900 + _DECADE_ZH[m.group(1)] + 5
    elif m := re.search(r"\bthe (twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)\b", low):
        year = 1900 + 10 * ["twenties", "thirties", "forties", "fifties", "sixties", "seventies", "eighties",
                            "nineties"].index(m.group(1)) + 25
    else:
        for y, words in _ERA_WORDS:
            if any(w in low for w in words):
                year = y
                break
    if year is not None and year >= PRESENT - 5:
        year = None
    key, data = _era(year)
    en, zh = data["label"]
    cjk = bool(re.search(r"[\u3400-\u9fff]", text))
    label = (f"{year}年" if cjk else str(year)) if year and key in ("reform", "nineties", "planned", "republic") \
        else (zh if cjk else en)
    return Period(year, key, label)


def era_details(period: Period, lang: str) -> dict[str, list[str]]:
    """Jobs, props and wardrobe of the period (empty lists for the present day)."""
    _, data = _era(period.year)
    i = 1 if lang == "zh" else 0
    return {k: list(data[k][i]) for k in ("jobs", "props", "wardrobe")}


def _pattern(word: str) -> re.Pattern:
    if re.search(r"[\u3400-\u9fff]", word):
        return re.compile(re.escape(word))
    return re.compile(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", re.I)


_COMPILED = [(tuple(_pattern(w) for w in en + zh), en + zh, since, instead_en, instead_zh)
             for en, zh, since, instead_en, instead_zh in _THINGS]


def anachronisms(text: str, period: Period, lang: str = "en") -> list[str]:
    """Problems for the words in ``text`` naming things that did not exist yet in ``period``."""
    if period.present or not text:
        return []
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    for patterns, words, since, instead_en, instead_zh in _COMPILED:
        if period.year >= since:
            continue
        for pat, word in sorted(zip(patterns, words), key=lambda pw: -len(pw[1])):  # "mobile phone" before "mobile"
            m = pat.search(text)
            if m and not any(a < m.end() and m.start() < b for a, b in spans):
                spans.append(m.span())
                instead = instead_zh if lang == "zh" else instead_en
                out.append(f"{m.group(0)!r} is an anachronism: the story is set in {period.label}, and that did "
                           f"not exist before about {since}; use what people had then ({instead})")
    return out


# ---- dialects --------------------------------------------------------------------------------------

DIALECTS: dict[str, tuple[tuple[str, ...], list[str]]] = {
    # name → (words that name it in a premise, common spoken words to use where natural)
    "四川话": (("四川话", "川话", "成都话", "重庆话", "sichuan dialect", "sichuanese"),
            ["啥子", "要得", "巴适", "莫得", "晓得", "瓜娃子", "老汉儿", "安逸", "摆龙门阵", "哦豁"]),
    "东北话": (("东北话", "northeastern dialect"), ["咋整", "嘎哈", "唠嗑", "贼好", "埋汰", "得劲", "整啥", "老妹儿"]),
    "上海话": (("上海话", "沪语", "shanghainese"), ["侬", "阿拉", "伊", "老灵额", "作啥", "晓得伐"]),
    "北京话": (("北京话", "京片子", "beijing dialect"), ["甭", "倍儿", "局气", "颠儿了", "您呐", "得嘞"]),
    "粤语": (("粤语", "广东话", "cantonese"), ["咩", "唔该", "冇", "佢", "係", "啱"]),
    "Scots": (("scots", "glaswegian", "scottish dialect"), ["aye", "wee", "ken", "bairn", "lass", "dinnae",
                                                           "cannae", "wean"]),
    "Yorkshire": (("yorkshire dialect", "broad yorkshire"), ["nowt", "owt", "aye", "lass", "love", "ey up"]),
    "Southern US": (("southern drawl", "southern dialect"), ["y'all", "fixin' to", "reckon", "ma'am", "holler"]),
}


_BY_KEY = {"sichuanese": "四川话", "northeastern": "东北话", "shanghainese": "上海话", "beijing": "北京话",
           "cantonese": "粤语"}


def dialect_of(text: str) -> str:
    """The dialect a premise says its people speak ("说四川话", "in broad Scots"), else ""."""
    low = (text or "").casefold()
    for name, (names, _) in DIALECTS.items():
        if any(n in low for n in names):
            return name
    return ""


def dialect_words(dialect: str) -> list[str]:
    """Common words of a bible's dialect, by any spelling the bible knows (``四川话``, ``sichuanese``, ``川话``;
    :func:`reelwright.documents.bible.dialect_key`), else []."""
    key = (dialect or "").casefold()
    if not key:
        return []
    name = _BY_KEY.get(dialect_key(dialect))
    if name:
        return DIALECTS[name][1]
    for name, (names, words) in DIALECTS.items():
        if name.casefold() in key or key in name.casefold() or any(n in key for n in names):
            return words
    return []


# ---- wardrobe --------------------------------------------------------------------------------------

_GARMENTS_EN = ("shirt", "blouse", "dress", "skirt", "trousers", "pants", "jeans", "shorts", "coat", "jacket",
                "blazer", "suit", "sweater", "jumper", "cardigan", "hoodie", "vest", "waistcoat", "overalls",
                "dungarees", "uniform", "apron", "scarf", "hat", "cap", "shoes", "boots", "sandals", "trainers",
                "sneakers", "heels", "gown", "robe", "tunic", "cloak", "qipao", "cheongsam", "hanfu", "kimono",
                "tie", "gloves", "socks", "stockings", "tights", "pyjamas", "pajamas", "nightgown", "tracksuit",
                "t-shirt", "tee", "top", "polo", "anorak", "parka", "raincoat", "mac", "shawl", "headscarf",
                "slippers", "belt", "leotard", "overcoat", "smock", "sari", "kilt", "beanie", "bonnet", "veil",
                "tuxedo", "outfit", "clothes", "workwear", "leg warmers", "jumpsuit", "bodice", "corset")
_GARMENTS_ZH = ("衣", "衫", "裙", "裤", "袍", "褂", "袄", "服", "装", "鞋", "靴", "帽", "巾", "袜", "马甲", "背心",
                "夹克", "西服", "旗袍", "围裙", "披风", "斗篷", "外套", "毛衣", "卫衣", "领带", "手套", "襦", "氅",
                "肚兜", "肩", "披肩", "大衣", "风衣", "棉袄", "睡衣", "T恤")
_SENTENCE_EN = re.compile(r"\b(?:is|are|was|were|loves?|likes?|favou?rite|always|never|she|he|they|her|his)\b",
                          re.I)


def is_garment(text: str, lang: str) -> bool:
    """A wardrobe entry names something worn ("a blue Mao jacket", "碎花连衣裙"), not a trait or a sentence."""
    s = (text or "").strip()
    if not s:
        return False
    if lang == "zh" or re.search(r"[\u3400-\u9fff]", s):
        return any(g in s for g in _GARMENTS_ZH) and not re.search(r"[是很最喜欢爱总]", s)
    words = re.findall(r"[a-z'-]+", s.casefold())
    joined = " ".join(words)
    has = any(re.search(rf"\b{re.escape(g)}s?\b", joined) for g in _GARMENTS_EN)
    return has and not _SENTENCE_EN.search(s) and len(words) <= 8
