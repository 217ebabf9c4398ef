"""The premise's own people and world, read from its text before anything is invented.

:func:`extract_facts` finds, with patterns, the people a premise or a novel
excerpt names (with their ages — ``Ruth Okafor (61)``, ``小雨（12岁）``,
``34岁的…王秀芬`` —, jobs, genders and relations: ``her grandson Danny``,
``刘建国的儿子刘小军``, ``张磊和妻子李娟``), its places and city, the objects it
names, its period and its dialect. :func:`merge_people` adds what a model found
only where the source text bears it out (the name is in the text, the age is a
number in the text, the job's words are in the text). The bible is built from
these facts; the model invents only what the source leaves open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reelwright.writing.period import Period, dialect_of, period_of

__all__ = ["Person", "SourceFacts", "extract_facts", "merge_people", "merge_facts", "relation_gender"]

_HAN = r"\u4e00-\u9fff"
_SURNAMES_2 = ("欧阳", "司马", "上官", "诸葛", "慕容", "南宫", "东方", "司徒", "皇甫", "令狐", "夏侯", "长孙")
_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
             "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤温霍傅"
             "楚裴季萧柳柯安乔岳秋花常康施牛洪左")
_NAME_CHARS = set(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂兰华红建国文辉力鹏飞鑫波斌宇浩凯健俊帆帅旭宁龙林玲萍燕琳婷雪慧莉"
    "丹梅玉珍凤云莲真环雯璐倩菲欣怡佳琪晶妍茜秋珊莎锦黛青婉娴瑾颖露瑶婵雁蓓仪荷蓉眉君琴蕊薇菁梦岚苑婕馨琰韵园艺卿聪"
    "澜纯毓悦昭冰爽琬茗羽希飘滢馥筠柔竹凝晓欢霄枫芸寒伊亚宜可舒影荔枝妮宝贝初程恒鸿桦剑娇纪灵晴容睿烁唯威韦萱彦雨忠"
    "宗曼紫逸贤蝶菡翠烟永世广志义兴良海山仁贵福生元全胜学祥才发武新利清彬富顺信子昌成康星光天达安岩中茂进有坚彪博"
    "诚先敬震振壮思群豪心邦承乐绍功松善厚庆民友裕河哲江亮政谦亨奇翰朗伯宏言若鸣朋梁栋维启克伦翔泽晨辰士致树炎德泰"
    "盛雄琛钧冠策腾楠榕风航弘沉川砚霆衍迟默峥深屿森禾轩芬朵念清瑶月晚知宁霜楚姜然如梅峰钢铁根柱花香草珠翠凤娥桃杏小大"
    "梨蓝彩春夏冬东西南北仙婷贞淑惠慈巧美艳虹琼莹毅磊晗涵萌甜糖豆丫妞蛋娃虎豹狗牛马羊猫熊兵卫红英雄胜利")
_STOP = set("和与在的带是了把被对向从说着也都就又要会让给跟同及并而为却不没有这那个们她他它岁年月日时里上下来去到过拿出"
            "一二三四五六七八九十百千万两，。、；：！？（）()“”‘’《》")
_ADDRESS = re.compile("大姐|大哥|大爷|大妈|大婶|大嫂|阿姨|师傅|老师|婶|嫂|叔|伯|奶奶|爷爷")
_DOUBLED_WORDS = {"天天", "常常", "慢慢", "刚刚", "渐渐", "人人", "个个", "年年", "处处", "时时", "偷偷", "悄悄", "好好",
                  "轻轻", "静静", "默默", "紧紧", "早早", "久久", "明明", "往往", "恰恰", "稍稍", "统统", "样样", "步步",
                  "声声", "纷纷", "家家", "户户", "日日", "夜夜", "高高", "大大", "小小", "多多", "欢欢", "星星", "妈妈",
                  "爸爸", "哥哥", "姐姐", "弟弟", "妹妹", "奶奶", "爷爷", "婆婆", "公公", "叔叔", "舅舅", "姑姑"}
_COMMON_WORDS = {"高兴", "成功", "文明", "安全", "江湖", "白天", "方向", "金钱", "马上", "林中", "黄金", "龙凤", "宋朝",
                 "唐朝", "明朝", "万一", "时间", "向东", "向西", "向南", "向北", "向前", "小心", "小学", "小区", "小时",
                 "小事", "小姐", "老板", "老师", "老人", "老家", "阿姨", "小孩", "老公", "老婆", "小说", "小伙", "小姑",
                 "老头", "小店", "石头", "方便", "温柔", "温暖", "苏醒", "秦朝", "汤面", "向来", "常常", "安心", "安静",
                 "白色", "金色", "江边", "段时", "程度", "高中", "高考", "高铁", "于是", "余下", "花园", "花钱", "乔迁",
                 "左右", "康复", "施工", "牛肉", "牛奶", "毛衣", "毛巾", "钱包", "夏天", "秋天", "龙门", "武功", "孔明"}

# relation word → gender of the person it names ("" when either)
_REL_ZH = {"妻子": "female", "老婆": "female", "媳妇": "female", "丈夫": "male", "老公": "male", "前夫": "male",
           "前妻": "female", "儿子": "male", "女儿": "female", "继子": "male", "继女": "female", "孙子": "male",
           "孙女": "female", "外孙": "male", "外孙女": "female", "母亲": "female", "妈妈": "female", "父亲": "male",
           "爸爸": "male", "继母": "female", "后妈": "female", "继父": "male", "哥哥": "male", "姐姐": "female",
           "弟弟": "male", "妹妹": "female", "继妹": "female", "继姐": "female", "继兄": "male", "继弟": "male",
           "奶奶": "female", "爷爷": "male", "外婆": "female", "外公": "male", "邻居": "", "同事": "", "师傅": "",
           "徒弟": "", "未婚夫": "male", "未婚妻": "female", "前男友": "male", "前女友": "female", "男友": "male",
           "男朋友": "male", "女友": "female", "女朋友": "female", "闺蜜": "female", "婆婆": "female", "公公": "male",
           "岳母": "female", "岳父": "male", "老板": "", "朋友": "", "好友": "", "仇人": "", "恩人": "", "房东": "",
           "学生": "", "老师": "", "嫂子": "female", "姑姑": "female", "舅舅": "male", "叔叔": "male", "阿姨": "female"}
_REL_EN = {"wife": "female", "husband": "male", "ex-wife": "female", "ex-husband": "male", "son": "male",
           "daughter": "female", "stepson": "male", "stepdaughter": "female", "grandson": "male",
           "granddaughter": "female", "mother": "female", "father": "male", "mum": "female", "mom": "female",
           "dad": "male", "stepmother": "female", "stepfather": "male", "brother": "male", "sister": "female",
           "stepsister": "female", "stepbrother": "male", "half-sister": "female", "half-brother": "male",
           "grandmother": "female", "grandfather": "male", "grandma": "female", "grandpa": "male", "neighbour": "",
           "neighbor": "", "colleague": "", "boss": "", "friend": "", "best friend": "", "fiancé": "male",
           "fiance": "male", "fiancée": "female", "fiancee": "female", "ex-fiancé": "male", "ex-fiance": "male",
           "ex-fiancée": "female", "ex-boyfriend": "male", "ex-girlfriend": "female", "boyfriend": "male",
           "girlfriend": "female", "aunt": "female", "uncle": "male", "nephew": "male", "niece": "female",
           "cousin": "", "landlord": "", "landlady": "female", "mentor": "", "partner": "", "twin": "",
           "rival": "", "lodger": "", "tenant": "", "employer": "", "maid": "female", "nanny": "female"}
_GENDER_WORDS_ZH = {"老板娘": "female", "娘": "female", "女": "female", "她": "female", "他": "male"}
_EN_STOP = {"The", "A", "An", "And", "But", "Or", "When", "After", "Before", "While", "As", "In", "At", "On", "Of",
            "To", "From", "For", "With", "His", "Her", "Their", "He", "She", "They", "It", "This", "That", "These",
            "Those", "One", "Two", "Three", "Every", "Each", "Now", "Then", "Years", "Later", "Meanwhile", "Only",
            "Until", "Once", "If", "What", "Who", "Why", "How", "Where", "There", "Here", "Soon", "Still", "Even",
            "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February",
            "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
            "Christmas", "Easter", "God", "CEO", "I", "We", "You", "My", "Our", "Your", "Episode", "Chapter", "Part",
            "Mum", "Mom", "Dad", "Grandma", "Grandpa", "Sir", "Madam", "Miss", "Mister", "Lord", "Lady", "English",
            "Chinese", "Scots", "Scottish", "British", "American", "Yorkshire", "Southern"}
_TITLES = r"(?:Mr|Mrs|Ms|Miss|Dr|Mx|Aunt|Uncle|Granny|Grandpa|Father|Sister)\.?"
_PLACES_EN = ("noodle shop", "shop", "restaurant", "cafe", "café", "diner", "pub", "bar", "bakery", "house", "flat",
              "apartment", "kitchen", "school", "hospital", "factory", "office", "market", "station", "allotment",
              "garden", "farm", "hotel", "church", "courtyard", "yard", "street", "village", "mansion", "company",
              "warehouse", "garage", "salon", "studio", "theatre", "library", "prison", "palace", "estate", "bridal shop",
              "chapel", "fire station", "depot", "mill", "mine", "harbour", "dock", "workshop", "laundrette", "laundry")
_PLACES_ZH = ("面馆", "饭馆", "餐馆", "茶馆", "饭店", "小卖部", "商店", "杂货铺", "铺子", "车间", "工厂", "厂", "学校", "小学",
              "中学", "医院", "老小区", "小区", "大院", "四合院", "胡同", "弄堂", "菜市场", "市场", "车站", "公司", "办公室",
              "宿舍", "酒店", "村", "巷", "宫", "王府", "侯府", "门派", "筒子楼", "院子", "厨房", "客厅", "婚纱店",
              "理发店", "裁缝铺", "照相馆", "澡堂", "食堂", "学区房")
_OBJECTS_EN = ("watch", "ring", "necklace", "letter", "photo", "photograph", "bicycle", "bike", "key", "keys", "diary",
               "savings book", "bankbook", "pendant", "recipe", "radio", "sewing machine", "suitcase", "will",
               "contract", "locket", "bracelet", "notebook", "guitar", "piano", "violin", "medal", "scarf", "camera",
               "wedding dress", "seeds", "greenhouse", "van", "car", "boat")
_OBJECTS_ZH = ("存折", "玉佩", "手表", "戒指", "项链", "信", "照片", "自行车", "钥匙", "日记", "缝纫机", "收音机", "菜谱",
               "手镯", "遗嘱", "合同", "契约", "婚书", "发簪", "玉镯", "红包", "存款", "房产证", "录音", "婚纱", "二胡", "相机")
_CITIES_ZH = ("成都", "重庆", "北京", "上海", "广州", "深圳", "杭州", "武汉", "西安", "南京", "天津", "沈阳", "哈尔滨", "长沙",
              "苏州", "青岛", "大连", "昆明", "厦门", "香港", "台北", "长春", "郑州", "济南", "福州", "合肥", "南昌", "贵阳",
              "兰州", "乌鲁木齐", "拉萨", "澳门", "宁波", "无锡", "佛山", "东莞", "洛阳", "开封", "扬州", "绍兴")


@dataclass
class Person:
    name: str
    age: int | None = None
    gender: str = ""
    job: str = ""
    relations: dict[str, str] = field(default_factory=dict)  # other's name → what the other is to this one
    aliases: list[str] = field(default_factory=list)
    mentions: int = 0
    first: int = 0


@dataclass
class SourceFacts:
    people: list[Person] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    city: str = ""
    objects: list[str] = field(default_factory=list)
    period: Period = field(default_factory=lambda: period_of(""))
    dialect: str = ""
    language: str = "en"

    def person(self, name: str) -> Person | None:
        key = name.casefold()
        return next((p for p in self.people if p.name.casefold() == key
                     or key in (a.casefold() for a in p.aliases)), None)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.people]


def relation_gender(word: str) -> str:
    return _REL_ZH.get(word, "") or _REL_EN.get(word.casefold(), "")


def _is_zh(text: str) -> bool:
    return len(re.findall(f"[{_HAN}]", text)) > len(re.findall(r"[A-Za-z]", text)) / 3


# ---- Chinese ----------------------------------------------------------------------------------------


def _zh_names(text: str) -> dict[str, int]:
    """Candidate names → first position."""
    found: dict[str, int] = {}
    n = len(text)

    def strong_left(i: int) -> bool:  # the start of a clause, or right after a relation word, an age or a job
        return (i == 0 or not re.match(f"[{_HAN}]", text[i - 1]) or text[i - 1] in "的娘工员师板"
                or any(text.endswith(w, 0, i) for w in _REL_ZH))

    for i in range(n):
        surname = next((s for s in _SURNAMES_2 if text.startswith(s, i)), None) or (
            text[i] if text[i] in _SURNAMES else None)
        cands: list[str] = []
        if surname:
            j = i + len(surname)
            given = ""
            for k in range(j, min(j + 2, n)):
                if text[k] in _NAME_CHARS and text[k] not in _STOP:
                    given += text[k]
                else:
                    break
            if given:
                cands.append(surname + given)
        if surname and (m := _ADDRESS.match(text, i + len(surname))):  # 何大姐, 王师傅, 李婶
            cands.insert(0, surname + m.group(0))
        if text[i] in "小阿老" and i + 1 < n and text[i + 1] in _NAME_CHARS and text[i + 1] not in _STOP \
                and strong_left(i):
            cands.append(text[i:i + 2])
        if i + 1 < n and text[i] == text[i + 1] and text[i] in _NAME_CHARS and text[i] not in _STOP \
                and strong_left(i) and text[i:i + 2] not in _DOUBLED_WORDS:
            cands.append(text[i:i + 2])
        for cand in cands:
            if cand in _COMMON_WORDS:
                continue
            end = i + len(cand)
            right = text[end] if end < n else "。"
            boundary = right in _STOP or not re.match(f"[{_HAN}]", right) or text.count(cand) >= 2 \
                or any(text.startswith(w, end) for w in _REL_ZH) or strong_left(i)
            if boundary:
                found.setdefault(cand, i)
            break
    # a name that is the start of a longer found name is the same person ("刘建" in "刘建国")
    return {k: v for k, v in found.items() if not any(o != k and o.startswith(k) for o in found)}


_REL_ZH_RE = "|".join(sorted(map(re.escape, _REL_ZH), key=len, reverse=True))


def _extract_zh(text: str, facts: SourceFacts) -> None:
    names = _zh_names(text)
    people = {name: Person(name, first=pos, mentions=text.count(name)) for name, pos in names.items()}
    order = sorted(people, key=lambda k: people[k].first)
    alt = "|".join(sorted(map(re.escape, people), key=len, reverse=True)) or "(?!)"
    for name, p in people.items():
        e = re.escape(name)
        if m := re.search(rf"{e}[（(](\d{{1,2}})(?:岁)?[）)]", text) or re.search(rf"{e}[，,](\d{{1,2}})岁", text):
            p.age = int(m.group(1))
        elif (m := re.search(rf"(\d{{1,2}})岁的([{_HAN}]{{0,8}}?){e}", text)) and not any(
                o != name and o in m.group(2) for o in people) and "和" not in m.group(2):
            p.age = int(m.group(1))
            if m.group(2) and not re.fullmatch(_REL_ZH_RE, m.group(2)):
                p.job = re.sub(r"^(?:丧妻|丧夫)的?", "", m.group(2))
        if not p.job and (m := re.search(rf"(?:的|，|^)([{_HAN}]{{2,6}}?)(?<![{_HAN}]的){e}", text)):
            word = m.group(1)
            if re.search(r"(员|师|工|板|娘|生|长|医|夫|匠|贩|警|裁缝|司机|老师|会计|保姆|女佣|总裁)$", word) \
                    and not re.search(_REL_ZH_RE, word):
                p.job = re.sub(r"^(?:的|丧妻的|丧夫的)", "", word)
        if m := re.search(rf"{e}(?:是|，是)(?:一[个名位])?([{_HAN}]{{2,6}}?)(?:[，。]|$)", text):
            if re.search(r"(员|师|工|板|娘|生|长|医|匠|贩|警|裁缝|司机|会计|保姆|女佣|总裁)$", m.group(1)):
                p.job = p.job or m.group(1)
    # relations
    owner_of: dict[str, str] = {}
    for m in re.finditer(rf"(?:({alt})的?|([和与跟同、]))?({_REL_ZH_RE})({alt})", text):
        owner, joiner, word, other = m.group(1), m.group(2), m.group(3), m.group(4)
        if owner is None:
            before = text[:m.start()]
            prev = [n for n in order if n != other and n in before]
            if joiner and prev:  # "A和前夫B": B belongs to whom A belongs to, or to A
                last = max(prev, key=lambda n: before.rfind(n))
                owner = owner_of.get(last, last if before.rstrip("和与跟同、").endswith(last) else None)
            if owner is None:
                sentence_start = max(before.rfind(c) for c in "。；!?！？") + 1
                in_sentence = [n for n in prev if before.rfind(n) >= sentence_start]
                owner = order[0] if not in_sentence else in_sentence[0]
        elif joiner is None and m.group(0).startswith(owner) and not m.group(0)[len(owner):].startswith("的"):
            pass  # "A妻子B" reads as A's wife B as well
        if owner == other or owner not in people:
            continue
        people[owner].relations.setdefault(other, word)
        owner_of.setdefault(other, owner)
        people[other].gender = people[other].gender or _REL_ZH.get(word, "")
        if word in ("妻子", "老婆", "媳妇", "前妻", "未婚妻"):
            people[owner].gender = people[owner].gender or "male"
        elif word in ("丈夫", "老公", "前夫", "未婚夫"):
            people[owner].gender = people[owner].gender or "female"
    for m in re.finditer(rf"(?:嫁给了?|嫁进)[{_HAN}]{{0,8}}?({alt})", text):
        other = m.group(1)
        before = text[:m.start()]
        sentence_start = max(before.rfind(c) for c in "。；!?！？") + 1
        prev = [n for n in order if n != other and before.rfind(n) >= sentence_start]
        if prev:
            owner = prev[0]
            people[owner].relations.setdefault(other, "丈夫")
            people[other].relations.setdefault(owner, "妻子")
            people[other].gender = people[other].gender or "male"
            people[owner].gender = people[owner].gender or "female"
    for p in people.values():
        if not p.gender:
            if p.job.endswith("娘") or re.search(rf"{re.escape(p.name)}[^，。他]{{0,12}}她", text):
                p.gender = "female"
    # inverse relations the other side can take as written ("妻子" ↔ "丈夫")
    inverse = {"妻子": "丈夫", "丈夫": "妻子", "前夫": "前妻", "前妻": "前夫", "未婚夫": "未婚妻", "未婚妻": "未婚夫",
               "邻居": "邻居", "同事": "同事", "朋友": "朋友", "好友": "好友"}
    for p in list(people.values()):
        for other, word in list(p.relations.items()):
            if word in inverse and p.name not in people[other].relations:
                people[other].relations[p.name] = inverse[word]
    facts.people = [people[n] for n in order]
    facts.city = next((c for c in _CITIES_ZH if c in text), "")
    places: list[str] = []
    spans: list[tuple[int, int]] = []
    for word in sorted(_PLACES_ZH, key=len, reverse=True):
        for m in re.finditer(re.escape(word), text):
            if any(a < m.end() and m.start() < b for a, b in spans):
                continue
            spans.append(m.span())
            pre = ""
            k = m.start() - 1
            while k >= 0 and len(pre) < 2 and text[k] not in _STOP and re.match(f"[{_HAN}]", text[k]) \
                    and not any(text[k - len(n) + 1:k + 1] == n for n in people):
                pre = text[k] + pre
                k -= 1
            pre = pre.lstrip("家间座个所栋条")  # 一家裁缝铺 → 裁缝铺
            name = (pre + word) if len(pre + word) <= 6 else word
            if len(name) >= 2 and name not in places and name not in _CITIES_ZH:
                places.append(name)
    facts.places = places[:5]
    facts.objects = [o for o in _OBJECTS_ZH if o in text and not (o == "信" and not re.search(r"[一封那这]封?信|来信|书信|信里", text))]


# ---- English ----------------------------------------------------------------------------------------

_NAME_EN = r"(?:%s\s+)?[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?(?:\s+[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?){0,2}" % _TITLES
_REL_EN_RE = "|".join(sorted(map(re.escape, _REL_EN), key=len, reverse=True))


def _extract_en(text: str, facts: SourceFacts) -> None:
    people: dict[str, Person] = {}
    places: list[str] = []
    for m in re.finditer(_NAME_EN, text):
        raw = m.group(0)
        words = raw.split()
        while words and words[0].rstrip(".") in _EN_STOP and not re.fullmatch(_TITLES, words[0]):
            words = words[1:]
        while words and words[-1] in _EN_STOP:
            words = words[:-1]
        if not words:
            continue
        name = " ".join(words)
        start = m.start() + raw.find(words[0])
        before = text[max(0, start - 12):start].casefold()
        if re.search(r"\b(?:in|at|from|near|to|of|across|outside|inside)\s+(?:the\s+)?$", before):
            if name not in places and not re.fullmatch(_TITLES, words[0]):
                places.append(name)
            continue
        if re.search(r"(?:^|[.!?]\s+)$", text[:start]) and len(words) == 1 and text.count(name) == 1 \
                and not re.search(rf"{re.escape(name)}\s*(?:\(\d|,\s*(?:a|an|the|aged)\b|'s\b)", text):
            continue  # a capitalised sentence opener, not a name
        key = next((k for k in people if name == k or name == k.split()[0] or k == name.split()[0]
                    or (len(name.split()) > 1 and name.split()[-1] == k.split()[-1] and re.fullmatch(
                        _TITLES, k.split()[0]))), None)
        if key is None:
            people[name] = Person(name, first=start, mentions=1)
        else:
            p = people[key]
            p.mentions += 1
            if len(name) > len(p.name) and name.startswith(p.name):  # "Ruth" then "Ruth Okafor"
                p.aliases.append(p.name)
                p.name = name
                people[name] = people.pop(key)
            elif name != p.name and name not in p.aliases:
                p.aliases.append(name)
    by_name = {p.name: p for p in people.values()}
    order = sorted(by_name, key=lambda k: by_name[k].first)

    def spelled(p: Person) -> str:
        return "|".join(sorted({re.escape(p.name), *map(re.escape, p.aliases)}, key=len, reverse=True))

    def owner_before(pos: int, other: str, pronoun: str = "") -> str | None:
        prev = [n for n in order if n != other and by_name[n].first < pos]
        want = {"her": "female", "his": "male"}.get(pronoun.lower(), "")
        if want and any(by_name[n].gender == want for n in prev):
            # "her son": the woman the story is about (named first), not the girl named just before
            return min((n for n in prev if by_name[n].gender == want), key=lambda n: by_name[n].first)
        return max(prev, key=lambda n: by_name[n].first) if prev else None

    for name in order:
        p = by_name[name]
        e = spelled(p)
        if m := re.search(rf"(?:{e})\s*\((\d{{1,2}})\)|(?:{e}),\s*(?:aged\s+)?(\d{{1,2}})\b", text):
            p.age = int(m.group(1) or m.group(2))
        elif m := re.search(rf"(\d{{1,2}})-year-old\s+(?:[a-z-]+\s+){{0,3}}(?:{e})", text):
            p.age = int(m.group(1))
        if m := re.search(rf"(?:{e})(?:\s*\(\d+\))?,\s*(?:a|an|the)\s+((?:[a-z-]+\s+){{0,3}}?[a-z-]+?)"
                          rf"(?=,|\s+in\b|\s+at\b|\s+who\b|\s+from\b|\s+with\b|\.|;|\s+is\b)", text):
            job = m.group(1)
            if job.split()[-1] not in _REL_EN and not job.endswith("'s"):
                p.job = job
        if re.match(r"(?:Mr|Dr)\.?\s", p.name):
            p.gender = "male" if p.name.startswith("Mr") else p.gender
        elif re.match(r"(?:Mrs|Ms|Miss)\.?\s", p.name):
            p.gender = "female"
    for m in re.finditer(rf"\b([Hh]er|[Hh]is|[Tt]heir|(?P<owner>{_NAME_EN})'s)\s+({_REL_EN_RE})\b,?\s+"
                         rf"(?P<other>{_NAME_EN})", text):
        other = _find(by_name, m.group("other"))
        if other is None:
            continue
        owner = _find(by_name, m.group("owner")) if m.group("owner") else owner_before(m.start(), other, m.group(1))
        if owner and owner != other:
            word = m.group(3)
            by_name[owner].relations.setdefault(other, word)
            by_name[other].gender = by_name[other].gender or _REL_EN.get(word.casefold(), "")
            if m.group(1).lower() in ("her", "his") and not by_name[owner].gender:
                by_name[owner].gender = "female" if m.group(1).lower() == "her" else "male"
    for m in re.finditer(rf"(?P<other>{_NAME_EN}),\s+(her|his|their)\s+({_REL_EN_RE})\b", text):
        other = _find(by_name, m.group("other"))
        owner = owner_before(m.start(), other) if other else None
        if other and owner:
            by_name[owner].relations.setdefault(other, m.group(3))
            by_name[other].gender = by_name[other].gender or _REL_EN.get(m.group(3).casefold(), "")
    for m in re.finditer(rf"(?:'s|\b[Tt]he)\s+({_REL_EN_RE}),?\s+(?P<other>{_NAME_EN})", text):  # "the bride's brother, Sam"
        other = _find(by_name, m.group("other"))
        if other:
            by_name[other].gender = by_name[other].gender or _REL_EN.get(m.group(1).casefold(), "")
    for m in re.finditer(rf"\b([Hh]er|[Hh]is)\s+({_REL_EN_RE})\b", text):  # "Her neighbour Mr. Patel, who…" etc.
        after = text[m.end():m.end() + 40]
        who = next((n for n in order if re.match(rf",?\s+(?:{spelled(by_name[n])})\b", after)), None)
        owner = owner_before(m.start(), who, m.group(1)) if who else None
        if who and owner and who not in by_name[owner].relations:
            by_name[owner].relations[who] = m.group(2)
            if not by_name[owner].gender:
                by_name[owner].gender = "female" if m.group(1).lower() == "her" else "male"
    for name in order:  # the first pronoun after a person's first mention, before the next person
        p = by_name[name]
        if p.gender:
            continue
        nxt = min((by_name[o].first for o in order if by_name[o].first > p.first), default=len(text))
        if m := re.search(r"\b(she|her|he|his|him)\b", text[p.first:nxt], re.I):
            p.gender = "female" if m.group(1).lower() in ("she", "her") else "male"
    facts.people = [by_name[n] for n in order]
    low = text.casefold()
    facts.city = places[0] if places else ""
    found = []
    for word in _PLACES_EN:
        for m in re.finditer(rf"\b(?:the|a|an|her|his|their)\s+((?:[a-z-]+\s+)?{re.escape(word)})\b", low):
            phrase = m.group(1)
            if phrase.split()[0] in ("same", "whole", "other", "next", "old") and len(phrase.split()) > 1:
                phrase = word if phrase.split()[0] != "old" else phrase
            if not any(word in f for f in found):
                found.append(phrase)
    facts.places = [p.title() for p in [*found, *[q.casefold() for q in places[1:]]]][:5]
    facts.objects = [o for o in _OBJECTS_EN if re.search(rf"\b{re.escape(o)}s?\b", low)]


def _find(by_name: dict[str, Person], text: str | None) -> str | None:
    if not text:
        return None
    words = [w for w in text.split() if w not in _EN_STOP]
    cand = " ".join(words)
    for name, p in by_name.items():
        if cand == name or cand in p.aliases or (words and words[0] == name.split()[0]):
            return name
    return None


def extract_facts(text: str, lang: str | None = None) -> SourceFacts:
    """People, places, city, objects, period and dialect stated in ``text`` (a premise or a source chunk)."""
    text = (text or "").strip()
    lang = lang or ("zh" if _is_zh(text) else "en")
    facts = SourceFacts(period=period_of(text), dialect=dialect_of(text), language=lang)
    if lang == "zh":
        _extract_zh(text, facts)
    else:
        _extract_en(text, facts)
    return facts


def merge_people(facts: SourceFacts, found: list[dict], text: str) -> list[str]:
    """Add what a model found (``{name, gender, age, job}``) where ``text`` bears it out; returns what was refused."""
    refused = []
    for item in found:
        name = str(item.get("name") or "").strip()
        if not name:
            continue
        if name not in text:
            refused.append(f"{name!r} is not named in the source text")
            continue
        person = facts.person(name) or next((p for p in facts.people if p.name.startswith(name)
                                              or name.startswith(p.name)), None)
        if person is None:
            if facts.language == "zh" and not re.fullmatch(f"[{_HAN}]{{2,4}}", name):
                refused.append(f"{name!r} is not a name")
                continue
            if facts.language != "zh" and not re.fullmatch(r"[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,3}", name):
                refused.append(f"{name!r} is not a name")
                continue
            person = Person(name, first=text.find(name), mentions=text.count(name))
            facts.people.append(person)
            facts.people.sort(key=lambda p: p.first)
        elif len(name) > len(person.name) and name.startswith(person.name):
            person.aliases.append(person.name)
            person.name = name
        age = item.get("age")
        if person.age is None and isinstance(age, int) and age > 0 and re.search(rf"(?<!\d){age}(?!\d)", text):
            person.age = age
        job = str(item.get("job") or "").strip()
        if not person.job and job and job.casefold() in text.casefold():
            person.job = job
        gender = item.get("gender")
        if not person.gender and gender in ("female", "male"):
            person.gender = gender
    return refused


def merge_facts(into: SourceFacts, more: SourceFacts) -> None:
    """Facts from a later chunk of the same source: the same people keep their names, ages and relations."""
    for p in more.people:
        mine = into.person(p.name) or next((q for q in into.people if p.name in q.aliases), None)
        if mine is None:
            p.first += 10_000 * (len(into.people) + 1)
            into.people.append(p)
            continue
        mine.mentions += p.mentions
        mine.age = mine.age or p.age
        mine.job = mine.job or p.job
        mine.gender = mine.gender or p.gender
        for other, word in p.relations.items():
            mine.relations.setdefault(other, word)
    into.places += [x for x in more.places if x not in into.places]
    into.objects += [x for x in more.objects if x not in into.objects]
    into.city = into.city or more.city
    into.dialect = into.dialect or more.dialect
    if into.period.present and not more.period.present:
        into.period = more.period
