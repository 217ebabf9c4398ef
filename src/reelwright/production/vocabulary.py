"""What a breakdown looks for in action lines, per language: props, vehicles, animals, makeup and
injuries, special effects, stunts, set dressing, costumes and their colours, extras, and the cues that
move the story's clock ("NEXT DAY", "第二天", "三天后").

The bible's props and wardrobe are always looked for as well, and whatever these words miss the producer
adds in ``breakdown.yaml`` (kept on re-runs). English words match as whole words (plurals too), Chinese
words as substrings, the longest match first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Vocabulary", "VOCABULARIES", "vocabulary", "COLOURS", "number_word", "find_terms", "CATEGORIES"]

CATEGORIES = ("props", "set_dressing", "vehicles", "animals", "makeup", "sfx", "stunts")


@dataclass(frozen=True)
class Vocabulary:
    language: str
    props: tuple[str, ...]
    set_dressing: tuple[str, ...]
    vehicles: tuple[str, ...]
    animals: tuple[str, ...]
    makeup: tuple[str, ...]
    sfx: tuple[str, ...]
    stunts: tuple[str, ...]
    garments: tuple[str, ...]
    extras: dict[str, int] = field(default_factory=dict)  # crowd word → default head count
    handling: tuple[str, ...] = ()  # verbs that make a prop a hero prop
    change: tuple[str, ...] = ()  # a costume change in the scene
    heal: tuple[str, ...] = ()  # an injury ends
    injuries: tuple[str, ...] = ()  # makeup that stays on a character until the story heals it


_EN = Vocabulary(
    language="en",
    props=("phone", "cellphone", "smartphone", "contract", "letter", "envelope", "folder", "file", "document",
           "photo", "photograph", "necklace", "bracelet", "key", "keys", "gun", "pistol", "knife", "sword",
           "umbrella", "briefcase", "bag", "handbag", "purse", "wallet", "suitcase", "laptop", "tablet", "notebook",
           "diary", "pen", "card", "business card", "cheque", "cash", "money", "glass", "wine glass", "bottle",
           "cup", "mug", "coffee", "tea", "flowers", "bouquet", "cake", "gift", "box", "pill", "pills", "syringe",
           "newspaper", "book", "camera", "leash", "map", "ticket", "badge", "cigarette", "lighter", "flashlight",
           "torch", "rope", "tray", "plate", "chopsticks", "medal", "usb", "usb drive", "recorder", "headphones",
           "microphone", "mask", "divorce papers", "test results", "pregnancy test", "paternity test",
           "jade pendant", "hairpin", "wristwatch", "wedding ring", "engagement ring", "diamond ring",
           "smart phone"),
    set_dressing=("desk", "chair", "sofa", "couch", "bed", "table", "candle", "candles", "curtain", "curtains",
                  "painting", "portrait", "bookshelf", "lamp", "chandelier", "mirror", "vase", "rug", "carpet",
                  "fireplace", "altar", "coffin", "hospital bed", "monitor", "poster", "bench", "counter", "piano",
                  "tv", "television", "computer", "banner"),
    vehicles=("car", "taxi", "cab", "bus", "truck", "van", "limo", "limousine", "motorcycle", "motorbike",
              "bike", "bicycle", "scooter", "ambulance", "police car", "helicopter", "boat", "yacht", "train",
              "plane", "jet", "sports car", "suv", "tractor", "cart", "carriage", "rickshaw"),
    animals=("dog", "dogs", "puppy", "cat", "kitten", "horse", "bird", "birds", "pigeon", "fish", "snake",
             "chicken", "cow", "pig", "goat", "sheep", "rabbit", "parrot", "mouse", "rat"),
    makeup=("blood", "bleeding", "bloody", "bruise", "bruised", "black eye", "scar", "wound", "wounded", "burn",
            "burned", "scratch", "scratched", "bandage", "bandaged", "sling", "sweat", "dirt", "muddy", "pale",
            "swollen", "torn sleeve", "torn dress", "torn shirt", "ripped shirt", "stain", "stained", "limp",
            "injured", "injury", "wig",
            "beard", "tattoo", "aged", "pregnant", "belly", "plaster cast"),
    sfx=("rain", "raining", "storm", "thunder", "lightning", "snow", "snowing", "fog", "mist", "smoke", "fire",
         "flames", "explosion", "explodes", "sparks", "wind", "gunshot", "breaking glass", "shatters", "flood",
         "hologram", "steam"),
    stunts=("jumps", "leaps", "fight", "fights", "punch", "punches", "slap", "slaps", "kick", "kicks", "shove",
            "shoves", "tackles", "crash", "crashes", "stabs", "chase", "chases", "drowning", "hit by", "collapses",
            "faints", "wrestle", "grabs her throat", "strangles", "dragged", "falls down", "falls to the",
            "falls off", "falls from", "fell from", "trips and falls", "wrestles"),
    garments=("wedding dress", "evening gown", "gown", "dress", "suit", "tuxedo", "sweater", "cardigan",
              "jacket", "leather jacket", "coat", "trench coat", "raincoat", "lab coat", "hoodie", "shirt",
              "t-shirt", "blouse", "skirt", "jeans", "trousers", "pants", "uniform", "school uniform",
              "pajamas", "pyjamas", "robe", "bathrobe", "apron", "scarf", "hat", "cap", "heels", "boots",
              "overalls", "vest", "qipao", "cheongsam", "hanfu", "kimono", "tracksuit", "hospital gown",
              "veil", "tie", "bow tie"),
    extras={"crowd": 20, "crowds": 30, "guests": 12, "passers-by": 6, "passersby": 6, "pedestrians": 6,
            "waiters": 3, "waiter": 1, "waitress": 1, "nurses": 2, "nurse": 1, "guards": 2, "guard": 1,
            "bodyguards": 2, "bodyguard": 1, "reporters": 5, "paparazzi": 5, "customers": 4, "students": 10,
            "employees": 6, "staff": 4, "doctors": 2, "police": 3, "officers": 2, "servants": 3, "maids": 2,
            "onlookers": 8, "audience": 30, "dancers": 6, "villagers": 10, "thugs": 3, "patients": 3,
            "shoppers": 6, "commuters": 8, "drivers": 2, "photographers": 4},
    handling=("holds", "holding", "hold", "clutches", "clutching", "grabs", "picks up", "takes", "hands",
              "gives", "opens", "reads", "throws", "tears", "signs", "slams", "drops", "points", "raises",
              "puts", "shows", "waves", "pulls out", "pours", "drinks", "lights", "stares at", "looks at",
              "checks", "answers", "dials", "types", "leads", "unlocks", "sets", "places", "lays",
              "hides", "pockets", "loads", "aims"),
    change=("changes into", "changed into", "puts on", "now wears", "now in", "changes clothes", "dressed in a new",
            "slips into"),
    heal=("healed", "heals", "bandage off", "removes the bandage", "recovered", "the scar has faded"),
    injuries=("bruise", "bruised", "black eye", "scar", "wound", "wounded", "burn", "burned", "scratch", "scratched",
              "bandage", "bandaged", "plaster cast", "sling", "swollen", "torn sleeve", "limp", "injured", "injury"),
)

_ZH = Vocabulary(
    language="zh",
    props=("手机", "合同", "协议", "离婚协议", "信封", "文件", "文件夹", "照片", "戒指", "项链", "手镯", "玉佩", "手表", "钥匙", "手枪", "匕首", "剑",
           "雨伞", "伞", "公文包", "手提包", "钱包", "行李箱", "电脑", "笔记本", "日记", "笔", "名片", "支票", "银行卡", "现金", "酒杯", "杯子", "红酒",
           "咖啡", "花束", "蛋糕", "礼物", "礼盒", "盒子", "药瓶", "针管", "报纸", "相机", "地图", "车票", "机票", "证件", "工牌", "香烟", "打火机",
           "手电筒", "绳子", "托盘", "碗", "筷子", "奖牌", "U盘", "录音笔", "耳机", "话筒", "面具", "遗嘱", "亲子鉴定", "鉴定报告", "检查单", "孕检单",
           "扇子", "发簪", "红包", "婚书", "结婚证", "离婚证", "户口本", "房产证", "账本", "书信", "背包", "包裹", "鲜花", "白酒", "酒瓶", "药片", "药丸",
           "菜刀", "水果刀", "刀子", "步枪", "书本", "茶杯"),
    set_dressing=("办公桌", "桌子", "椅子", "沙发", "床", "婚床", "餐桌", "红烛", "蜡烛", "窗帘", "油画", "书架", "台灯", "吊灯", "镜子", "花瓶",
                  "地毯", "窗户", "壁炉", "供桌", "灵堂", "棺材", "病床", "监护仪", "海报", "长椅", "吧台", "钢琴", "电视", "横幅", "喜字",
                  "红灯笼", "灯笼", "屏风", "画像"),
    vehicles=("汽车", "轿车", "豪车", "出租车", "公交车", "卡车", "面包车", "跑车", "摩托车", "自行车", "电动车", "救护车", "警车", "直升机", "船",
              "游艇", "火车", "飞机", "马车", "三轮车", "黄包车", "拖拉机"),
    animals=("狗", "小狗", "猫", "小猫", "鸟", "鸽子", "鱼", "蛇", "鸡", "猪", "羊", "兔子", "鹦鹉", "鸭", "老鼠", "马匹", "骏马", "白马",
             "奶牛"),
    makeup=("流血", "鲜血", "血迹", "淤青", "青紫", "伤口", "伤痕", "受伤", "疤", "疤痕", "刀疤", "烫伤", "擦伤", "纱布", "绷带", "石膏", "泪痕",
            "苍白", "红肿", "撕破", "破了", "污渍", "瘸", "假发", "胡子", "纹身", "怀孕", "孕肚", "巴掌印", "吐血", "汗水", "满头大汗", "泥土",
            "满身是泥"),
    sfx=("下雨", "大雨", "暴雨", "闪电", "下雪", "浓烟", "大火", "火焰", "爆炸", "火花", "大风", "枪声", "开枪", "玻璃碎", "碎裂", "洪水", "蒸汽",
         "雨水", "雨夜", "雷声", "打雷", "大雪", "雪花", "大雾", "烟雾", "着火", "火光", "狂风"),
    stunts=("摔倒", "跌倒", "跳下", "跳楼", "打斗", "打架", "厮打", "一拳", "耳光", "巴掌", "踢", "推倒", "车祸", "追赶", "溺水", "晕倒", "昏倒",
            "掐住", "拖走", "摔下", "刺伤"),
    garments=("婚纱", "礼服", "晚礼服", "西装", "西服", "旗袍", "汉服", "毛衣", "外套", "大衣", "风衣", "夹克", "衬衫",
              "连衣裙", "裙子", "短裙", "长裙", "校服", "制服", "工作服", "睡衣", "浴袍", "围裙", "围巾", "帽子",
              "高跟鞋", "靴子", "军装", "中山装", "长衫", "马褂", "病号服", "警服", "白大褂", "卫衣", "T恤", "牛仔裤",
              "运动服", "喜服", "凤冠霞帔", "头纱", "领带", "工装"),
    extras={"众人": 10, "宾客": 12, "客人": 8, "路人": 6, "行人": 6, "服务员": 2, "护士": 2, "保安": 2, "保镖": 2,
            "记者": 5, "顾客": 4, "学生": 10, "员工": 6, "医生": 2, "警察": 3, "佣人": 3, "仆人": 3, "围观群众": 10,
            "观众": 30, "村民": 10, "混混": 3, "病人": 3, "人群": 20, "股东": 6, "董事": 6, "下人": 3, "丫鬟": 2},
    handling=("拿", "拿着", "拿起", "握", "握着", "攥", "攥紧", "抓", "抓起", "递", "递给", "接过", "打开", "翻开", "读",
              "扔", "撕", "签", "摔", "掏出", "举起", "放下", "倒", "喝", "点燃", "看着", "盯着", "亮起", "拨通",
              "牵", "戴上", "摘下", "藏"),
    change=("换上", "换了", "换好", "穿上", "换成", "脱下"),
    heal=("痊愈", "伤好", "拆了纱布", "拆线", "伤已经好了"),
    injuries=("淤青", "青紫", "伤口", "伤痕", "受伤", "疤", "疤痕", "刀疤", "烫伤", "擦伤", "纱布", "绷带", "石膏", "红肿",
              "撕破", "瘸", "巴掌印"),
)

VOCABULARIES = {"en": _EN, "zh": _ZH}

# colour words → #rrggbb (what drawn characters wear); longest names first when matching
COLOURS: dict[str, str] = {
    "black": "#262e33", "white": "#f4f4f4", "grey": "#929598", "gray": "#929598", "red": "#c62828",
    "crimson": "#a4161a", "blue": "#25557c", "navy": "#1f2f4f", "light blue": "#65c9ff", "green": "#2e7d32",
    "olive": "#6b6b2a", "yellow": "#f2c94c", "orange": "#e67e22", "pink": "#f48fb1", "purple": "#8c5a9e",
    "brown": "#795548", "beige": "#d8c3a5", "cream": "#f3ead3", "gold": "#c9a36a", "silver": "#bfc5cc",
    "khaki": "#b5a26a",
    "黑": "#262e33", "白": "#f4f4f4", "灰": "#929598", "红": "#c62828", "大红": "#c62828", "蓝": "#25557c",
    "藏青": "#1f2f4f", "浅蓝": "#65c9ff", "绿": "#2e7d32", "军绿": "#6b6b2a", "黄": "#f2c94c", "橙": "#e67e22",
    "粉": "#f48fb1", "紫": "#8c5a9e", "棕": "#795548", "咖啡": "#795548", "米": "#d8c3a5", "米白": "#f3ead3",
    "金": "#c9a36a", "银": "#bfc5cc", "卡其": "#b5a26a",
}

_EN_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
               "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a few": 3, "several": 4, "a couple of": 2,
               "dozens of": 24, "a dozen": 12, "twenty": 20, "thirty": 30}


def vocabulary(language: str) -> Vocabulary:
    """The vocabulary of ``language`` ("zh…" → Chinese, anything else → English)."""
    return _ZH if language.lower().startswith("zh") else _EN


def number_word(word: str) -> int | None:
    """'three' → 3, '3' → 3, '三' → 3, '十二' → 12; None when it is not a number."""
    w = word.strip().lower()
    if w.isdigit():
        return int(w)
    if w in _EN_NUMBERS:
        return _EN_NUMBERS[w]
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2, "〇": 0, "几": 3}
    if w and all(c in digits or c in "十百" for c in w):
        total, cur = 0, 0
        for c in w:
            if c == "十":
                total += (cur or 1) * 10
                cur = 0
            elif c == "百":
                total += (cur or 1) * 100
                cur = 0
            else:
                cur = digits[c]
        return total + cur
    return None


def _pattern(term: str) -> str:
    if term.isascii():
        return rf"(?<![\w-]){re.escape(term)}(?:s|es)?(?![\w-])"
    return re.escape(term)


def find_terms(text: str, terms: tuple[str, ...] | list[str]) -> list[tuple[int, str]]:
    """``[(position, term)]`` of the terms in ``text``, longest match first, no overlaps, in text order."""
    taken: list[tuple[int, int]] = []
    hits: list[tuple[int, str]] = []
    for term in sorted(set(terms), key=len, reverse=True):
        if not term:
            continue
        for m in re.finditer(_pattern(term), text, re.I):
            if any(m.start() < b and a < m.end() for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            hits.append((m.start(), term))
    return sorted(hits)
