"""Helpers shared by the tests (no test module imports another): tiny projects, timelines, render specs, and the
scripted translator the localisation and delivery tests use."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from reelwright.project.settings import Settings
from tests.chat_server import Reply, chat

TINY_TOML = """
[project]
title = "Test"
language = "{lang}"

[video]
width = 216
height = 384
fps = 15
preset = "superfast"

[render]
workers = 1
"""



# two scenes, two characters, one line each: the smallest episode a whole build is tested on
TWO_SCENE_SCRIPT = """Title: Test
Episode: 1

INT. KITCHEN - NIGHT

MAYA stares at the envelope.

MAYA
He said he would never come back.

EXT. PARK - DAY

LEO waits by the bench.

LEO
She will come.
"""


def write_tiny_project(root: Path, script: str, name: str = "ep001.fountain", lang: str = "en") -> Path:
    """A small project folder at ``root`` holding one script (216×384 at 15 fps)."""
    (root / "scripts").mkdir(parents=True, exist_ok=True)
    (root / "reelwright.toml").write_text(TINY_TOML.format(lang=lang), encoding="utf-8")
    (root / "scripts" / name).write_text(script, encoding="utf-8")
    return root


def tiny_timeline():
    """Three shots (a dissolve, a push-in, subtitles, lip movement) for render tests."""
    from reelwright.documents.bible import Bible, Character, Look
    from reelwright.documents.storyboard import Shot
    from reelwright.documents.timeline import Cue, Timeline, TimelineShot

    bible = Bible(characters=[Character(name=n, look=Look(seed=n)) for n in ("ANN", "BOB")])
    shots = [
        TimelineShot(shot=Shot(id="s01-01", scene=1, size="WS", subjects=["ANN", "BOB"], location="PARK",
                               interior=False), start=0, frames=12),
        TimelineShot(shot=Shot(id="s01-02", scene=1, size="CU", move="push_in", subjects=["ANN"], speaker="ANN",
                               location="PARK", interior=False), start=12, frames=14, mouth=[3, 4, 2, 5]),
        TimelineShot(shot=Shot(id="s02-01", scene=2, size="WS", subjects=["BOB"], location="OFFICE"),
                     start=26, frames=16, fade_in=4),
    ]
    cues = [Cue(start=13, end=25, text="Hello there,\nBob.", line=0)]
    return Timeline(episode=1, fps=15, width=216, height=384, frames=42, shots=shots, cues=cues), bible


def tiny_specs():
    from reelwright.providers.image_comic import ComicImages
    from reelwright.render.shots import shot_specs

    timeline, bible = tiny_timeline()
    settings = Settings.model_validate({"video": {"width": 216, "height": 384, "fps": 15, "preset": "superfast"}})
    return shot_specs(timeline, bible, settings, ComicImages().identity())


# ---- localisation: two scripts and a translator that answers like a model ----

EN = """Title: The Last Signature
Episode: 1

INT. KITCHEN - NIGHT

MAYA stares at the envelope. She does not open it.

MAYA
He said he would never come back to this house.

LEO
(coldly)
I lied to you, Maya, and I would do it again.

MAYA
(shocked)
Then get out of my kitchen before I call the police.

EXT. PARK - DAY

LEO waits by the bench. He checks his phone.

LEO
She will come. She always does.
"""

ZH = """《替身新娘》
人物小传：
林晚（24）：替姐出嫁的妹妹，倔强聪明。
顾言（29）：顾氏集团总裁，表面冷漠。
林雪（26）：林晚的姐姐，婚礼前夜失踪。

第2集：新婚之夜

2-1 夜 内 婚房
人物：林晚、顾言

△红烛摇曳，林晚攥紧婚纱的裙摆。
顾言：（冷笑）林家送来的新娘，就是你？
林晚：（紧张）我就是林雪。

【字幕：三天前】

2-2 日 外 医院门口
人物：林晚、顾言

顾言：你姐姐，可没有失踪。
"""

_HAN_POOL = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理"


def _glossary_block(user: str) -> dict[str, str]:
    m = re.search(r"Glossary — use exactly these renderings:\n(.*?)(?:\n\n|$)", user, re.S)
    out = {}
    for row in (m.group(1).splitlines() if m else []):
        a, _, b = row.partition(" = ")
        out[a] = b
    return out


def fake_translate(text: str, lang: str, glossary: dict[str, str], budget: int) -> str:
    """A deterministic stand-in for a translation: glossary renderings kept, other words turned into the
    target's script (Chinese characters for zh; reversed words for a Latin language)."""
    holders = {}
    for i, (a, b) in enumerate(sorted(glossary.items(), key=lambda kv: -len(kv[0]))):
        token = f"\x00{i}\x00"
        text = re.sub(re.escape(a), token, text, flags=re.I) if not re.search(r"[\u4e00-\u9fff]", a) else \
            text.replace(a, token)
        holders[token] = b
    if lang == "Simplified Chinese":
        def word(m):
            h = int(hashlib.md5(m.group(0).lower().encode()).hexdigest(), 16)
            return _HAN_POOL[h % len(_HAN_POOL)] + _HAN_POOL[(h // 7) % len(_HAN_POOL)]
        out = re.sub(r"[A-Za-z']+", word, text).replace(" ", "").replace(",", "，").replace(".", "。")
        out = out.replace("?", "？").replace("!", "！")
    else:
        def rev(m):
            w = m.group(0)
            return w[::-1].lower() + "o" if len(w) > 1 else w
        if re.search(r"[\u4e00-\u9fff]", text):
            from pypinyin import lazy_pinyin

            text = " ".join(lazy_pinyin(text)).replace(" ，", ",").replace(" 。", ".").replace(" ？", "?")
        out = re.sub(r"[A-Za-z']+", rev, text)
        out = re.sub(r"[^\x00-\x7f]", "", out) if lang != "Simplified Chinese" else out
    for token, b in holders.items():
        out = out.replace(token, b)
    out = re.sub(r"\s+", " ", out).strip()
    while len(out) > budget and " " in out:
        out = out.rsplit(" ", 1)[0]
    return out[:budget]


class FakeTranslator:
    """Answers the translation asks like a model would, optionally badly first."""

    def __init__(self, bad: dict[int, str] | None = None, long: str | None = None) -> None:
        self.bad = bad or {}  # request number → "count" | "untranslated" | "glossary"
        self.asked: list[list[str]] = []
        self.long = long

    def __call__(self, request: dict, _n: int) -> Reply:
        n = len(self.asked)
        system = request["messages"][0]["content"]
        user = request["messages"][1]["content"]
        lang = re.search(r" into (.+?)\. Write", system).group(1)
        rows = re.findall(r"^(\d+)\. (?:\[[^\]]*\] )?\(max (\d+) characters\) (.*)$", user, re.M)
        glossary = _glossary_block(user)
        self.asked.append([text for _, _, text in rows])
        answer = {num: fake_translate(text, lang, glossary, int(budget)) for num, budget, text in rows}
        if self.long:
            answer = {k: (self.long[: int(b)] if t.startswith("She will come") else v)
                      for (k, v), (_, b, t) in zip(answer.items(), rows)}
        mode = self.bad.get(n)
        if mode == "count" and len(answer) > 1:
            answer.pop(str(len(answer)))
        elif mode == "untranslated":
            answer = {num: text for num, _, text in rows}
        elif mode == "glossary":
            answer = {k: v.replace("Maya", "Maria").replace("玛雅", "玛丽") for k, v in answer.items()}
        return Reply(chat(answer))


def openai_text_settings(root: Path, url: str) -> None:
    toml = (root / "reelwright.toml").read_text(encoding="utf-8")
    toml = toml.replace("[render]", f'[providers]\ntext = "openai"\n\n[providers.options.openai]\nbase_url = '
                        f'"{url}"\nmodel = "scripted"\napi_key_env = ""\nretries = 0\n\n[render]')
    (root / "reelwright.toml").write_text(toml, encoding="utf-8")


# ---- writing: a project whose text provider is the scripted OpenAI-compatible server ----

WRITING_TOML = """
[project]
title = "Test"
language = "{lang}"

[providers]
text = "openai"

[providers.options.openai]
base_url = "{url}"
model = "fake-model"
api_key_env = ""
backoff = 0.01
max_backoff = 0.02
retries = 2

[writing]
episodes = {episodes}
target_seconds = {seconds}
retries = 2
"""


def writing_toml(lang: str, url: str, episodes: int = 12, seconds: int = 60) -> str:
    """Settings for a writing test: ``text = "openai"`` at ``url``, the ``[writing]`` section last."""
    return WRITING_TOML.format(lang=lang, url=url, episodes=episodes, seconds=seconds)


def with_board(root: Path) -> Path:
    """Give the tiny project its derived board (in boards/ep001.yaml) without building anything."""
    from reelwright.documents.base import save_document
    from reelwright.project.cache import Cache
    from reelwright.project.folder import Project
    from reelwright.stages.board import derive_board

    project = Project.load(root)
    board, _ = derive_board(project, 1, Cache(project.cache_dir, None))
    save_document(board, project.board_path(1))
    return project.board_path(1)


def edit_yaml(path: Path, fn) -> None:
    """Change a YAML file as a user would: load it, let ``fn`` edit the data, write it back."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
