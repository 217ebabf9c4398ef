"""Genre decides the structure: season arcs, beat templates, the cast's roles, and where tropes belong.

Each :class:`Genre` holds, in English and Chinese, what each act of the season
does, the kinds of hook (first 3 s), turn (about every 15 s) and cliffhanger
(last 10 s) its episodes use, the roles its cast is made of and whether the
formula tropes (a villain, a hidden secret, revenge, a public humiliation)
belong in it. :func:`choose_genre` picks one from the premise (or the source
text); ``[writing] genre`` or ``--genre`` overrides it.

The beat texts describe what happens, never how the section must end ("end on
a reversal"): a small model copies an instruction straight into a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reelwright.errors import InputError

__all__ = ["Genre", "GENRE_KEYS", "get_genre", "choose_genre", "genre_from_label"]

Texts = tuple[list[str], list[str]]  # (English, Chinese)


@dataclass(frozen=True)
class Genre:
    key: str
    label: tuple[str, str]
    tone: tuple[str, str]
    keywords: tuple[str, ...]
    roles: tuple[str, ...]  # in the order invented characters fill them (after the source's people)
    required: tuple[str, ...]  # roles a season of this genre needs; invented only when the source has none
    tropes: bool  # whether villains, secrets, revenge and humiliation belong in the genre
    acts: dict[str, tuple[str, str]]
    hooks: Texts
    turns: dict[str, Texts]
    cliffhangers: list[tuple[int, str, str]]  # (from strength, en, zh)
    opponent: str = ""  # the role that appears in strong episodes
    relations: dict[str, tuple[str, str, str, str]] = field(default_factory=dict)  # role → to lead/other, en/zh

    def text(self, lang: str, en: str, zh: str) -> str:
        return zh if lang == "zh" else en

    def hook_kinds(self, lang: str) -> list[str]:
        return self.hooks[1 if lang == "zh" else 0]

    def turn_kinds(self, act: str, lang: str) -> list[str]:
        return self.turns[act][1 if lang == "zh" else 0]

    def cliffhanger_kind(self, strength: int, lang: str) -> str:
        return next(zh if lang == "zh" else en for s, en, zh in reversed(self.cliffhangers) if strength >= s)

    def act_purpose(self, act: str, lang: str) -> str:
        return self.acts[act][1 if lang == "zh" else 0]


_GENRES: dict[str, Genre] = {}


def _add(g: Genre) -> None:
    _GENRES[g.key] = g


_add(Genre(
    key="life", label=("slice of life", "生活"), tone=("warm", "温情"),
    keywords=("family", "grandson", "granddaughter", "grandmother", "grandfather", "daughter", "son", "neighbour",
              "neighbor", "retired", "everyday", "widow", "stepfamily", "blended", "shop", "allotment", "teenager",
              "rent", "school", "家", "女儿", "儿子", "邻居", "日子", "生活", "面馆", "老小区", "母亲", "父亲", "奶奶", "爷爷",
              "孩子", "上小学", "过日子", "年代", "再婚", "丧妻", "丧夫", "继", "存折", "学区"),
    roles=("protagonist", "partner", "family", "neighbour", "friend"),
    required=("protagonist",), tropes=False,
    acts={"setup": ("the household and what each person wants from the others",
                    "这一家人，以及每个人想从别人那里得到什么"),
          "escalation": ("everyday frictions pile up; small kindnesses go unnoticed",
                         "日常的摩擦越积越多，小小的好意没人看见"),
          "midpoint": ("a shared trouble shows what they mean to each other", "一场共同的难事让他们看清彼此的分量"),
          "climax": ("someone says what they have held back; the family finds a new balance",
                     "有人说出了憋在心里的话，一家人找到新的相处方式")},
    hooks=(["an everyday image that raises a question: someone waiting, a bowl left untouched",
            "a small habit that shows who someone is, seen up close",
            "a quiet moment interrupted by one person's arrival",
            "a line that asks something nobody wants to answer"],
           ["一个引人发问的日常画面：有人在等，一碗面没动",
            "一个小习惯，一眼看出这个人是谁",
            "安静的时刻被一个人的到来打破",
            "一句没人愿意回答的问话"]),
    turns={"setup": (["a small misunderstanding over something everyday", "a kindness is offered and refused"],
                     ["一件日常小事引起的误会", "一份好意被拒绝了"]),
           "escalation": (["an old habit gets in the way of someone new", "a worry about money comes out",
                           "someone takes a side, and another is hurt by it"],
                          ["老习惯碍着了新来的人", "钱的担心说出了口", "有人站了队，另一个人因此受了伤"]),
           "midpoint": (["a trouble outside the home brings them together for a moment"],
                        ["家门外的一件难事让他们暂时站到了一起"]),
           "climax": (["someone softens and says what they feel", "an apology, clumsy but meant"],
                      ["有人心软了，说出了心里话", "一句笨拙却真心的道歉"])},
    cliffhangers=[(1, "a question left open: who will give way first", "留下一个问题：谁会先让步"),
                  (6, "an image that says more than words: a coat left out, a door left open",
                   "一个胜过言语的画面：留着的外套，虚掩的门"),
                  (9, "a decision is about to be said aloud; cut before it is", "一个决定就要说出口，在说出之前切断"),
                  (10, "the question the whole family avoided is finally asked", "全家人回避的那个问题终于被问了出来")],
    relations={"partner": ("husband or wife", "husband or wife", "老伴", "老伴"),
               "family": ("family", "family", "家人", "家人"),
               "neighbour": ("neighbour", "neighbour", "邻居", "邻居"), "friend": ("old friend", "old friend", "老朋友",
                                                                               "老朋友")}))

_add(Genre(
    key="romance", label=("romance", "甜宠"), tone=("romantic", "甜宠"),
    keywords=("love", "romance", "fiancé", "fiance", "ex-fiancé", "wedding", "bride", "marry", "marriage", "date",
              "crush", "heart", "kiss", "恋", "爱", "婚", "甜宠", "暗恋", "相亲", "前男友", "前女友", "新娘", "契约"),
    roles=("protagonist", "love interest", "rival", "friend", "family"),
    required=("protagonist", "love interest"), tropes=True, opponent="rival",
    acts={"setup": ("they meet, or meet again, and something sparks against their will",
                    "两人相遇或重逢，火花不由自主地出现"),
          "escalation": ("they are thrown together; a rival and a misunderstanding keep them apart",
                         "两人被迫走近，情敌和误会却把他们隔开"),
          "midpoint": ("a moment of honesty: the feeling is admitted, then doubted", "坦白的一刻：感情承认了，又被怀疑"),
          "climax": ("a choice in front of everyone: love or what is safe", "当众的选择：爱，还是安稳")},
    hooks=(["an unexpected meeting with someone they hoped never to see again",
            "a clumsy collision that ends too close for comfort", "a line that stings, said with a smile"],
           ["意外撞见一个本以为再也不会见到的人", "一次笨拙的碰撞，两人离得太近", "一句带笑却扎心的话"]),
    turns={"setup": (["a spark neither of them wants", "a rule is set between them, and broken at once"],
                     ["谁都不想要的心动", "两人立下规矩，又马上破了"]),
           "escalation": (["jealousy shows before either admits it", "a rival makes a move",
                           "a misunderstanding: a gesture is read the wrong way"],
                          ["嫉妒先于承认露了出来", "情敌出手了", "一个误会：一个举动被看错了意思"]),
           "midpoint": (["one of them almost says it, and the moment is interrupted"], ["有人差点说出口，却被打断了"]),
           "climax": (["a public gesture that cannot be taken back", "the misunderstanding is cleared up"],
                      ["一个当众的、收不回的举动", "误会终于解开"])},
    cliffhangers=[(1, "a look held a second too long", "一个多停了一秒的眼神"),
                  (6, "someone sees them together who should not have", "被不该看到的人看到了"),
                  (9, "a confession begins; cut before the answer", "表白开了头，在回答之前切断"),
                  (10, "the rival announces something that changes everything", "情敌宣布了一件改变一切的事")],
    relations={"love interest": ("love interest", "love interest", "恋人", "恋人"),
               "rival": ("rival", "rival", "情敌", "情敌"), "friend": ("best friend", "best friend", "闺蜜", "闺蜜"),
               "family": ("family", "family", "家人", "家人")}))

_add(Genre(
    key="revenge", label=("rebirth and revenge", "重生复仇"), tone=("tense", "爽快"),
    keywords=("revenge", "avenge", "reborn", "rebirth", "betray", "framed", "villain", "humiliate", "复仇", "重生",
              "报仇", "打脸", "害死", "陷害", "背叛", "逆袭", "夺回"),
    roles=("protagonist", "antagonist", "ally", "love interest", "elder"),
    required=("protagonist", "antagonist"), tropes=True, opponent="antagonist",
    acts={"setup": ("the wrong done to the protagonist and the enemy's face", "主角受的冤屈和仇人的嘴脸"),
          "escalation": ("each episode a scheme exposed, a small victory, a bigger threat",
                         "每集揭穿一个阴谋，赢一小步，危险更大"),
          "midpoint": ("a reversal: the enemy's true plan is revealed", "大反转：仇人真正的计划露了出来"),
          "climax": ("the truth comes out in front of everyone and the debt is paid", "真相当众大白，旧账一笔算清")},
    hooks=(["a public humiliation the protagonist will not forget", "waking up in the past, remembering everything",
            "the enemy's smile at the moment of betrayal", "a threat or an ultimatum"],
           ["一场主角忘不了的当众羞辱", "醒来回到过去，前世的事全都记得", "背叛那一刻仇人的笑", "一句威胁或最后通牒"]),
    turns={"setup": (["the protagonist is wronged again and quietly prepares", "a first clue to the enemy's scheme"],
                     ["主角再次受辱，暗中准备", "仇人阴谋的第一条线索"]),
           "escalation": (["the enemy strikes back and the stakes rise", "an ally wavers or a lie is told",
                           "the protagonist turns the enemy's trap against them"],
                          ["仇人反击，赌注升级", "盟友动摇，或有人撒谎", "主角将计就计，反设圈套"]),
           "midpoint": (["what everyone believed turns out to be false"], ["大家相信的事原来是假的"]),
           "climax": (["the protagonist turns the tables in a confrontation", "secrets come out one after another"],
                      ["主角在对峙中反败为胜", "秘密接连曝光"])},
    cliffhangers=[(1, "a question the viewer wants answered", "一个让人想知道答案的问题"),
                  (6, "a secret is about to be exposed; cut before it is", "秘密即将被揭穿时戛然而止"),
                  (8, "a sudden arrival or a line that changes everything; cut before the reaction",
                   "有人突然出现，或一句话改变一切，在反应之前切断"),
                  (10, "the hidden truth exposed in front of everyone; cut before anyone reacts",
                   "隐藏的真相当众曝光，在任何人反应之前切断")],
    relations={"antagonist": ("enemy", "enemy", "仇人", "仇人"), "ally": ("ally", "ally", "盟友", "盟友"),
               "love interest": ("love interest", "love interest", "恋人", "恋人"),
               "elder": ("family elder", "family's youngest", "长辈", "晚辈")}))

_add(Genre(
    key="suspense", label=("suspense", "悬疑"), tone=("tense", "紧张"),
    keywords=("murder", "missing", "disappear", "detective", "killer", "body", "police", "investigate", "mystery",
              "clue", "失踪", "凶手", "命案", "悬疑", "警察", "侦探", "尸体", "线索", "真相", "案"),
    roles=("protagonist", "suspect", "ally", "witness", "family"),
    required=("protagonist", "suspect"), tropes=True, opponent="suspect",
    acts={"setup": ("the crime or the disappearance, and who could have done it", "案件或失踪，以及谁可能是凶手"),
          "escalation": ("each clue points somewhere new; someone lies", "每条线索指向新的地方，有人在撒谎"),
          "midpoint": ("the main suspect is cleared, or a second victim appears", "头号嫌疑人洗清，或出现第二个受害者"),
          "climax": ("the culprit is named and the motive understood", "凶手被指认，动机水落石出")},
    hooks=(["an object where it should not be", "someone missing from a place they never leave",
            "a scream, then silence"],
           ["一件出现在不该出现地方的东西", "一个从不离开的人不见了", "一声尖叫，然后一片寂静"]),
    turns={"setup": (["a first clue", "an alibi that does not add up"], ["第一条线索", "对不上的不在场证明"]),
           "escalation": (["a witness changes their story", "a clue points at someone close"],
                          ["证人改了口供", "线索指向身边的人"]),
           "midpoint": (["what seemed certain falls apart"], ["看似确定的事崩塌了"]),
           "climax": (["the trap is sprung", "the culprit's slip"], ["圈套收紧", "凶手说漏了嘴"])},
    cliffhangers=[(1, "a detail nobody else noticed", "一个别人都没注意到的细节"),
                  (6, "a door opens on something unseen; cut before it is shown", "门开了，里面的东西还没露出来就切断"),
                  (9, "the culprit is about to be named; cut before the name", "凶手的名字就要说出，在说出之前切断"),
                  (10, "the protagonist finds proof that points at themselves", "主角找到的证据指向了自己")],
    relations={"suspect": ("suspect", "suspect", "嫌疑人", "嫌疑人"), "ally": ("partner", "partner", "搭档", "搭档"),
               "witness": ("witness", "witness", "证人", "证人"), "family": ("family", "family", "家人", "家人")}))

_add(Genre(
    key="comedy", label=("comedy", "喜剧"), tone=("comic", "爆笑"),
    keywords=("comedy", "hilarious", "prank", "mix-up", "mistaken", "disaster", "chaos", "funny", "喜剧", "搞笑",
              "爆笑", "乌龙", "闹剧", "糗"),
    roles=("protagonist", "foil", "friend", "family", "boss"),
    required=("protagonist", "foil"), tropes=False, opponent="foil",
    acts={"setup": ("a simple plan and the person most likely to ruin it", "一个简单的计划，和最可能搞砸它的人"),
          "escalation": ("each fix makes things worse", "每次补救都让事情更糟"),
          "midpoint": ("the lie is nearly discovered", "谎言差点被识破"),
          "climax": ("everything comes out at once, and it turns out fine", "一切同时败露，结果却皆大欢喜")},
    hooks=(["a plan that goes wrong in the first second", "someone caught in an absurd situation"],
           ["计划第一秒就出了岔子", "有人被撞见身处荒唐的处境"]),
    turns={"setup": (["a mix-up", "a white lie to cover it"], ["一个乌龙", "为了掩盖撒了个小谎"]),
           "escalation": (["the lie needs a bigger lie", "the wrong person hears the wrong thing"],
                          ["小谎要靠大谎来圆", "错的人听到了错的话"]),
           "midpoint": (["a near miss"], ["差一点就露馅"]),
           "climax": (["the truth comes out and everyone laughs", "the foil saves the day by accident"],
                      ["真相大白，大家都笑了", "对头无意中救了场"])},
    cliffhangers=[(1, "the worst possible person walks in", "最不该来的人走了进来"),
                  (9, "the lie is about to be exposed", "谎言就要被拆穿")],
    relations={"foil": ("foil", "foil", "冤家", "冤家"), "friend": ("best friend", "best friend", "死党", "死党"),
               "family": ("family", "family", "家人", "家人"), "boss": ("boss", "employee", "老板", "员工")}))

_add(Genre(
    key="historical", label=("historical fantasy", "古装"), tone=("melodramatic", "虐心"),
    keywords=("emperor", "palace", "dynasty", "princess", "prince", "concubine", "sect", "cultivation", "immortal",
              "sword", "kingdom", "皇", "宫", "王朝", "公主", "王爷", "太子", "修仙", "仙", "江湖", "侯府", "嫡女", "庶女",
              "穿越", "古代"),
    roles=("protagonist", "love interest", "antagonist", "ally", "elder"),
    required=("protagonist", "antagonist"), tropes=True, opponent="antagonist",
    acts={"setup": ("the court or the sect, its rules and the protagonist's lowly place", "宫廷或门派的规矩，主角卑微的处境"),
          "escalation": ("intrigue: favour won and lost", "明争暗斗，得宠又失宠"),
          "midpoint": ("a hidden birth or a hidden power is revealed", "隐藏的身世或力量被揭开"),
          "climax": ("a trial, a duel or a decree decides everything", "一场审问、决斗或圣旨决定一切")},
    hooks=(["a decree read aloud that changes a life", "a slap in the palace courtyard", "a blade at a throat"],
           ["一道宣读的圣旨改变了命运", "宫院里的一记耳光", "一把刀架在脖子上"]),
    turns={"setup": (["a rule is broken in front of the powerful", "a token of identity is found"],
                     ["当着权贵的面坏了规矩", "一件信物被找到"]),
           "escalation": (["a rival's trap", "an ally is lost"], ["对手设下圈套", "失去了一个盟友"]),
           "midpoint": (["the protagonist's true birth comes to light"], ["主角的真实身世曝光"]),
           "climax": (["the protagonist turns the court's judgement", "an old vow is kept at a price"],
                      ["主角扭转了朝堂的裁决", "以代价守住一个旧誓"])},
    cliffhangers=[(1, "a secret glance across the hall", "大殿上一个隐秘的眼神"),
                  (6, "a sealed letter is opened; cut before it is read", "密信被拆开，在念出之前切断"),
                  (10, "the emperor's verdict begins; cut before it ends", "皇帝开口宣判，在说完之前切断")],
    relations={"love interest": ("beloved", "beloved", "心上人", "心上人"), "antagonist": ("enemy", "enemy", "死对头",
                                                                                      "死对头"),
               "ally": ("sworn friend", "sworn friend", "知己", "知己"), "elder": ("elder", "junior", "长辈", "晚辈")}))

GENRE_KEYS = tuple(_GENRES)
_LABELS = {**{g.label[0]: k for k, g in _GENRES.items()}, **{g.label[1]: k for k, g in _GENRES.items()},
           "family drama": "life", "家庭伦理": "life", "年代剧": "life", "period drama": "life", "life": "life",
           "生活": "life", "contract marriage": "romance", "契约婚姻": "romance", "rebirth and revenge": "revenge",
           "重生复仇": "revenge", "workplace revenge": "revenge", "职场逆袭": "revenge", "hidden identity": "revenge",
           "隐藏身份": "revenge", "switched at birth": "revenge", "真假千金": "revenge", "underdog rises": "revenge",
           "赘婿逆袭": "revenge", "romance": "romance", "甜宠": "romance"}


def get_genre(key: str) -> Genre:
    g = _GENRES.get(key) or _GENRES.get(genre_from_label(key) or "")
    if g is None:
        raise InputError(f"unknown genre {key!r}: choose one of {', '.join(GENRE_KEYS)}")
    return g


def genre_from_label(label: str) -> str | None:
    """The template key for a genre key or a label a bible may hold ("family drama", "重生复仇"), else None."""
    key = (label or "").strip().casefold()
    if key in _GENRES:
        return key
    return next((v for k, v in _LABELS.items() if k.casefold() == key), None)


def choose_genre(text: str, override: str = "") -> Genre:
    """The genre the premise reads as (keyword evidence, trope genres winning ties); slice of life by default."""
    if override:
        return get_genre(override)
    low = (text or "").casefold()
    scores: dict[str, float] = {}
    for key, g in _GENRES.items():
        score = 0.0
        for word in g.keywords:
            if re.search(r"[\u3400-\u9fff]", word):
                score += low.count(word)
            else:
                score += len(re.findall(rf"\b{re.escape(word)}", low))
        scores[key] = score
    best = max(scores.values())
    if best <= 0:
        return _GENRES["life"]
    # a trope signal is specific ("复仇", "murder"); everyday words are everywhere: the tropes win a close call
    order = ["revenge", "suspense", "historical", "romance", "comedy", "life"]
    weighted = {k: scores[k] * (1.0 if k == "life" else 1.6) for k in scores}
    top = max(weighted.values())
    return _GENRES[next(k for k in order if weighted[k] == top)]
