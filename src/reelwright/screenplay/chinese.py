"""The Chinese short-drama script convention: parse to a :class:`ScriptDocument` and write back.

```
《剧名》
大纲：……
人物小传：
林晚（24岁）：……
第1集：标题
1-1 日 内 客厅            (or 第一场 外/日 地点, or 1-1 客厅 日 内)
人物：林晚、顾言
△动作
林晚：（紧张）台词        林晚OS：… / 林晚（VO）：…
王大爷：你咋个还不来嘛？【字幕：你怎么还不来？】   (spoken in dialect; the subtitle in standard Chinese)
【字幕：三天前】  【闪回】 … 【闪回结束】
```

A 【字幕：…】 on a line of its own is on-screen text (a caption); at the end of a dialogue line it is that
line's subtitle in standard written Chinese, while the words before it are what the voice speaks.
"""

from __future__ import annotations

import re
from pathlib import Path

from reelwright.documents.script import (
    Action,
    Bio,
    Caption,
    Centered,
    Dialogue,
    DialoguePart,
    Element,
    Episode,
    Lyrics,
    Marker,
    SceneHeading,
    ScriptDocument,
    Transition,
)
from reelwright.errors import ScriptSyntaxError
from reelwright.screenplay.common import (
    TIMES,
    chinese_number,
    chinese_time,
    english_time,
    episode_number_from_path,
)

__all__ = ["parse_chinese", "write_chinese", "chinese_number", "english_time", "chinese_time"]

_NUM = r"[0-9０-９]+|[零〇一二两三四五六七八九十百千]+"
_EPISODE = re.compile(rf"^第\s*({_NUM})\s*集\s*[：:·\-—–]?\s*(.*?)\s*$")
_SCENE_DASH = re.compile(r"^([0-9]+)\s*[-－—–]\s*([0-9]+)(?![0-9])\s*(.*)$")
_SCENE_NTH = re.compile(rf"^第\s*({_NUM})\s*场\s*(.*)$")
_TITLE = re.compile(r"^《(.+)》$")
_OUTLINE = re.compile(r"^大纲\s*[：:]\s*(.*)$")
_BIOS = re.compile(r"^人物小传\s*[：:]?\s*(.*)$")
_CAST = re.compile(r"^(?:人物|出场人物)\s*[：:]\s*(.*)$")
_ACTION = re.compile(r"^[△▲]\s*(.*)$")
_CAPTION = re.compile(r"^【\s*字幕\s*[：:]\s*(.*?)\s*】$")
_LINE_SUBTITLE = re.compile(r"^(.*?)\s*【\s*字幕\s*[：:]\s*([^【】]*?)\s*】$")
_FLASHBACK_START = re.compile(r"^【\s*闪回(?:开始)?\s*】$")
_FLASHBACK_END = re.compile(r"^【\s*闪回结束\s*】$")
_DIALOGUE = re.compile(r"^(?P<name>[^\s：:（()）△▲【《][^：:（()）【】，。！？,!?]{0,23}?)\s*"
                       r"(?P<ext>(?:[（(][^）)]*[）)]\s*)*)[：:]\s*(?P<rest>.*)$")
_BIO = re.compile(r"^(?P<name>[^\s：:（(][^：:（(]*?)\s*(?:[（(](?P<paren>[^）)]*)[）)])?\s*[：:]\s*(?P<desc>.*)$")
_AGE = re.compile(rf"^({_NUM})\s*岁?$")
_CJK = re.compile(r"[\u3400-\u9fff]")
_SEPARATORS = " \t\u3000/／|"

_SETTINGS = {"内": "INT", "内景": "INT", "外": "EXT", "外景": "EXT", "内外": "INT/EXT", "外内": "INT/EXT"}
_ZH_SETTINGS = {"INT": "内", "EXT": "外", "INT/EXT": "内外", "EST": "外"}
_WORDS = sorted([*TIMES, *_SETTINGS], key=len, reverse=True)
_EXPECTED = "expected time (日/夜/晨/黄昏…) and setting (内/外) before the location, e.g. '1-1 日 内 客厅'"


def _word_at(rest: str, p: int) -> str | None:
    """The known time/setting word at ``p``, when a separator, the end or another word follows it."""
    for w in _WORDS:
        if rest.startswith(w, p):
            q = p + len(w)
            if q == len(rest) or rest[q] in _SEPARATORS or any(rest.startswith(w2, q) for w2 in _WORDS):
                return w
    return None


def _take(word: str, time: list[str], settings: list[str]) -> bool:
    if word in TIMES:
        if time:
            return False
        time.append(word)
    else:
        if word in settings or len(settings) == 2:
            return False
        settings.append(word)
    return True


def _scene_fields(rest: str, path: str | None, line: int, number: str) -> dict:
    """Time, setting and location from what follows the scene number."""
    time: list[str] = []
    settings: list[str] = []
    p = 0
    while True:
        while p < len(rest) and rest[p] in _SEPARATORS:
            p += 1
        w = _word_at(rest, p)
        if not w or not _take(w, time, settings):
            break
        p += len(w)
    location = rest[p:].strip()
    if not time and not settings:  # location first: "1-1 客厅 日 内"
        while (m := re.search(r"[\s/／|]+([^\s/／|]+)$", location)) and m.group(1) in _WORDS:
            if not _take(m.group(1), time, settings):
                break
            location = location[:m.start()].strip()
    tokens = [t for t in re.split(r"[\s/／|]+", location) if t]
    if not tokens:
        raise ScriptSyntaxError(f"scene {number} has no location: {_EXPECTED}", path=path, line=line)
    for k, tok in enumerate(tokens):
        if tok in _WORDS:
            what = f"unknown time/setting word '{tokens[k - 1]}'" if k else f"repeated time/setting word '{tok}'"
            raise ScriptSyntaxError(f"{what} in scene {number}: {_EXPECTED}", path=path, line=line)
    kinds = {_SETTINGS[s] for s in settings}
    setting = "INT/EXT" if len(kinds) > 1 else (kinds.pop() if kinds else "")
    return {"time": time[0] if time else "", "setting": setting, "location": location}


def _scene(s: str, path: str | None, line: int) -> SceneHeading | None:
    m = _SCENE_DASH.match(s)
    if m:
        number, rest = f"{m.group(1)}-{m.group(2)}", m.group(3)
    elif m := _SCENE_NTH.match(s):
        number, rest = str(chinese_number(m.group(1))), m.group(2)
    else:
        return None
    return SceneHeading(text=s, number=number, line=line, **_scene_fields(rest, path, line, number))


def _bio(s: str, line: int) -> Bio | None:
    m = _BIO.match(s)
    if not m:
        return None
    age, extra = None, []
    for part in re.split(r"[，,、;；\s]+", m.group("paren") or ""):
        if part and age is None and (a := _AGE.match(part)):
            age = chinese_number(a.group(1))
        elif part:
            extra.append(part)
    desc = "，".join([*extra, m.group("desc").strip()]) if extra else m.group("desc").strip()
    return Bio(name=m.group("name").strip(), age=age, description=desc, line=line)


def _dialogue(s: str, path: str | None, line: int) -> Dialogue | None:
    m = _DIALOGUE.match(s)
    if not m or m.group("name").strip().isdigit():
        return None
    name = m.group("name").strip()
    exts = [e.strip() for e in re.findall(r"[（(]([^）)]*)[）)]", m.group("ext"))]
    suffix = re.match(r"^(.*[\u3400-\u9fff])(OS|VO)$", name) or re.match(r"^(.*\S)\s+(OS|VO)$", name)
    if suffix:
        name = suffix.group(1).strip()
        exts.insert(0, suffix.group(2))
    rest = m.group("rest")
    em = re.match(r"^[（(]([^）)]*)[）)]\s*(.*)$", rest)
    emotion = (em.group(1).strip() or None) if em else None
    text = (em.group(2) if em else rest).strip()
    subtitle = None
    if sm := _LINE_SUBTITLE.match(text):
        text, subtitle = sm.group(1).strip(), sm.group(2).strip()
        if not subtitle:
            raise ScriptSyntaxError(f"empty subtitle after {name}'s line: expected 台词【字幕：标准台词】",
                                    path=path, line=line)
    if not text:
        raise ScriptSyntaxError(f"dialogue for {name} has no text: expected 角色：（情绪）台词", path=path, line=line)
    return Dialogue(character=name, extensions=exts, emotion=emotion, parts=[DialoguePart(text=text)], line=line,
                    subtitle=subtitle)


_OPEN = {"【": "】", "（": "）", "(": "）"}


def _unclosed(s: str) -> str | None:
    """The first bracket (【, （ or ( ) the line opens and does not close, or None. A line is one unit in this
    format: an unclosed 【字幕：… or 林晚：（低声… would otherwise turn into action or spoken words."""
    stack: list[str] = []
    for ch in s:
        if ch in _OPEN:
            stack.append(ch)
        elif ch == "】" and stack and stack[-1] == "【":
            stack.pop()
        elif ch in "）)" and stack and stack[-1] in "（(":
            stack.pop()
    return stack[0] if stack else None


def _is_marker(s: str) -> bool:
    """Lines that end an outline or a 人物小传 block."""
    return bool(_EPISODE.match(s) or _TITLE.match(s) or _OUTLINE.match(s) or _BIOS.match(s) or _CAST.match(s)
                or _ACTION.match(s) or s.startswith("【") or _SCENE_DASH.match(s) or _SCENE_NTH.match(s))


def parse_chinese(text: str, path: str | Path | None = None) -> ScriptDocument:
    """Parse a Chinese short-drama script; one :class:`Episode` per 第N集 marker."""
    where = str(path) if path is not None else None
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    has_markers = any(_EPISODE.match(s.strip()) for s in lines)
    doc = ScriptDocument(format="zh", source=where)
    outline: list[str] = []
    episodes: list[Episode] = []
    ep: Episode | None = None
    state = "start"  # start | outline | bios | body
    flashback: int | None = None

    def close() -> None:
        if ep is not None and flashback is not None:
            raise ScriptSyntaxError(f"flashback opened with 【闪回】 is not closed with 【闪回结束】 before the end of "
                                    f"episode {ep.number}", path=where, line=flashback)

    for no, raw in enumerate(lines, 1):
        s = raw.strip()
        if not s:
            continue
        if (opener := _unclosed(s)) is not None:
            raise ScriptSyntaxError(f"{opener} is not closed on this line: expected {_OPEN[opener]} (e.g. "
                                    "【字幕：三年后】 or 林晚：（低声）台词)", path=where, line=no)
        if m := _EPISODE.match(s):
            close()
            number = chinese_number(m.group(1))
            if other := next((e for e in episodes if e.number == number), None):
                raise ScriptSyntaxError(f"episode {number} is already defined at line {other.line}",
                                        path=where, line=no)
            ep, flashback, state = Episode(number=number, title=m.group(2) or None, line=no), None, "body"
            episodes.append(ep)
            continue
        if ep is None:
            if (m := _TITLE.match(s)) and doc.title is None:
                doc.title, state = m.group(1).strip(), "start"
                continue
            if m := _OUTLINE.match(s):
                outline, state = [m.group(1).strip()], "outline"
                continue
            if m := _BIOS.match(s):
                state = "bios"
                s = m.group(1).strip()
                if not s:
                    continue
            if state == "outline" and not _is_marker(s):
                outline.append(s)
                continue
            if state == "bios" and not _is_marker(s):
                if bio := _bio(s, no):
                    doc.bios.append(bio)
                elif doc.bios:
                    doc.bios[-1].description = "\n".join(filter(None, [doc.bios[-1].description, s]))
                else:
                    raise ScriptSyntaxError("expected a character bio '名字（年龄）：描述' after 人物小传",
                                            path=where, line=no)
                continue
            if has_markers:
                raise ScriptSyntaxError("expected an episode marker such as '第1集' before the script's content "
                                        "(only 《剧名》, 大纲 and 人物小传 may come first)", path=where, line=no)
            ep, state = Episode(number=episode_number_from_path(path) or 1, line=no), "body"
            episodes.append(ep)
        if _OUTLINE.match(s) or _BIOS.match(s):
            raise ScriptSyntaxError("大纲 and 人物小传 belong before the first episode", path=where, line=no)
        els = ep.elements
        if heading := _scene(s, where, no):
            els.append(heading)
        elif m := _CAST.match(s):
            scene = next((e for e in reversed(els) if isinstance(e, SceneHeading)), None)
            if scene is None:
                raise ScriptSyntaxError("人物 line before any scene line: expected a scene line such as "
                                        "'1-1 日 内 客厅' first", path=where, line=no)
            scene.cast = [*scene.cast, *(n for n in re.split(r"[、，,；;\s/]+", m.group(1)) if n)]
        elif m := _ACTION.match(s):
            if m.group(1).strip():
                els.append(Action(text=m.group(1).strip(), line=no))
        elif m := _CAPTION.match(s):
            if not m.group(1):
                raise ScriptSyntaxError("empty caption: expected 【字幕：文字】", path=where, line=no)
            els.append(Caption(text=m.group(1), line=no))
        elif _FLASHBACK_START.match(s):
            if flashback is not None:
                raise ScriptSyntaxError(f"【闪回】 while the flashback opened at line {flashback} is still open: "
                                        "expected 【闪回结束】 first", path=where, line=no)
            flashback = no
            els.append(Marker(kind="flashback_start", line=no))
        elif _FLASHBACK_END.match(s):
            if flashback is None:
                raise ScriptSyntaxError("【闪回结束】 without a 【闪回】 before it", path=where, line=no)
            flashback = None
            els.append(Marker(kind="flashback_end", line=no))
        elif not s.startswith("【") and (d := _dialogue(s, where, no)):
            els.append(d)
        else:
            els.append(Action(text=s, line=no))
    close()
    doc.outline = "\n".join(filter(None, outline)) or None
    doc.episodes = episodes or [Episode(number=episode_number_from_path(path) or 1, line=1)]
    return doc


# ---- writing -----------------------------------------------------------------------------------


def _scene_line(h: SceneHeading, episode: int, index: int) -> str:
    try:
        same = _scene(h.text, None, 0)
    except ScriptSyntaxError:
        same = None
    if same and all(getattr(same, k) == getattr(h, k) for k in ("number", "time", "setting", "location")):
        return h.text
    number = h.number if h.number and re.fullmatch(r"\d+-\d+", h.number) else f"{episode}-{index}"
    location = h.location or h.text or "场景"
    return " ".join(filter(None, [number, chinese_time(h.time), _ZH_SETTINGS.get(h.setting, ""), location]))


def _dialogue_line(d: Dialogue) -> str:
    exts = list(d.extensions)
    head = d.character
    if exts and exts[0] in ("OS", "VO") and _CJK.search(head[-1:]):
        head += exts.pop(0)
    head += "".join(f"（{e}）" for e in exts)
    parts = list(d.parts)
    emotion = d.emotion
    if parts and parts[0].kind == "parenthetical" and (emotion is None or parts[0].text == emotion):
        emotion = parts.pop(0).text
    pieces = [f"（{p.text}）" if p.kind == "parenthetical" else " ".join(p.text.split()) for p in parts]
    body = " ".join(p for p in pieces if p)
    if d.subtitle:
        body += f"【字幕：{' '.join(d.subtitle.split())}】"
    line = f"{head}：" + (f"（{emotion}）" if emotion else "") + body
    try:
        if _dialogue(line, None, 0):
            return line
    except ScriptSyntaxError:
        pass
    return f"△{line}"  # would not read back as dialogue (no text, odd brackets): keep it as action


def _element_lines(el: Element) -> list[str]:
    if isinstance(el, Dialogue):
        return [_dialogue_line(el)]
    if isinstance(el, (Action, Transition, Centered, Lyrics)):
        return [f"△{s.strip()}" for s in el.text.split("\n") if s.strip()]
    if isinstance(el, Caption):
        return [f"【字幕：{el.text}】"]
    if isinstance(el, Marker):
        return ["【闪回】" if el.kind == "flashback_start" else "【闪回结束】"]
    return []  # page breaks, sections, synopses and notes have no place in this convention


def write_chinese(doc: ScriptDocument) -> str:
    """Write the Chinese short-drama convention (Fountain-only elements are dropped)."""
    out: list[str] = []
    if doc.title:
        out += [f"《{doc.title}》", ""]
    if doc.outline:
        first, *rest = [s.strip() for s in doc.outline.split("\n") if s.strip()] or [""]
        out += [f"大纲：{first}", *rest, ""]
    if doc.bios:
        out.append("人物小传：")
        for b in doc.bios:
            age = f"（{b.age}岁）" if b.age is not None else ""
            first, *rest = [s.strip() for s in b.description.split("\n") if s.strip()] or [""]
            out += [f"{b.name}{age}：{first}", *rest]
        out.append("")
    for ep in doc.episodes:
        out += [f"第{ep.number}集" + (f"：{ep.title}" if ep.title else ""), ""]
        scenes = 0
        for el in ep.elements:
            if isinstance(el, SceneHeading):
                scenes += 1
                if out[-1]:
                    out.append("")
                out.append(_scene_line(el, ep.number, scenes))
                if el.cast:
                    out.append("人物：" + "、".join(el.cast))
            else:
                out += _element_lines(el)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
