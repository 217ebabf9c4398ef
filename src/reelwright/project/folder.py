"""The project folder: settings, bible, scripts, boards; validated up front, saved atomically."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from reelwright.documents.base import (
    atomic_write_text,
    load_document,
    parse_yaml,
    read_text,
    save_document,
)
from reelwright.documents.bible import Bible, Character, Location, Look, Voice
from reelwright.documents.script import Action, Episode, ScriptDocument
from reelwright.documents.storyboard import Storyboard
from reelwright import __version__
from reelwright.errors import ConfigError, InputError, Problem, ReelwrightError
from reelwright.media.avatar import default_look
from reelwright.project.settings import Settings, default_settings_toml, load_settings
from reelwright.project.validation import bible_problems, board_problems, script_problems, settings_music_problems
from reelwright.screenplay import SCRIPT_SUFFIXES, parse_script

__all__ = ["Project", "EpisodeSource", "new_project", "SCRIPT_SUFFIXES", "parse_episode_spec"]

SETTINGS = "reelwright.toml"
BIBLE = "bible.yaml"
LOCK = "reelwright.lock"

# Distinct voices, assigned in bible order so no two characters of a series share one.
# Distinct voices per gender, handed out in bible order so no two characters share one.
EN_VOICES = {
    "female": [(5.0, 1.04), (8.0, 1.0), (3.5, 1.1), (10.0, 1.06)],
    "male": [(-2.5, 0.97), (0.0, 1.0), (-5.0, 0.92), (1.5, 1.08)],
    "": [(2.5, 1.0), (-1.0, 1.05), (6.5, 0.95), (-4.0, 1.0)],
}
ESPEAK_VOICES = {
    "female": ["f2", "f4", "f1", "f5"],
    "male": ["m3", "m1", "m7", "m2"],
    "": ["m4", "f3", "m6", "m5"],
}
_NIGHT = re.compile(r"night|evening|dusk|midnight|夜|晚|黄昏|傍晚|深夜|凌晨", re.I)


@dataclass
class EpisodeSource:
    episode: Episode
    path: Path
    document: ScriptDocument


@dataclass
class Project:
    root: Path
    settings: Settings
    bible: Bible
    episodes: dict[int, EpisodeSource] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # "file:line: message" from the script parsers

    # ---- paths -------------------------------------------------------------------------------
    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    @property
    def cache_dir(self) -> Path:
        return self.build_dir / "cache"

    @property
    def boards_dir(self) -> Path:
        return self.root / "boards"

    @property
    def lock_path(self) -> Path:
        return self.root / LOCK

    def board_path(self, number: int) -> Path:
        return self.boards_dir / f"ep{number:03d}.yaml"

    # ---- loading -----------------------------------------------------------------------------
    @classmethod
    def load(cls, root: str | Path) -> "Project":
        """Load and validate everything; every problem in every file is reported at once."""

        root = Path(root)
        if not (root / SETTINGS).is_file():
            raise ConfigError(f"not a reelwright project (no {SETTINGS}); create one with 'reelwright new {root}'",
                              path=root)
        problems: list[Problem] = []
        settings = Settings()
        bible = Bible(language="en")
        try:
            settings = load_settings(root / SETTINGS, root=root)
            problems += settings_music_problems(settings, root, root / SETTINGS)
        except InputError as exc:
            problems += exc.problems
        if (root / BIBLE).exists() or (root / BIBLE).is_symlink():
            try:
                bible = load_document(root / BIBLE, Bible, root=root)
                if bible.characters:
                    _, node = parse_yaml(read_text(root / BIBLE, root=root), root / BIBLE)
                    problems += bible_problems(bible, root / BIBLE, node)
            except InputError as exc:
                problems += exc.problems
        else:
            bible = Bible(title=settings.project.title, language=settings.project.language)
        episodes: dict[int, EpisodeSource] = {}
        warnings: list[str] = []
        scripts_dir = root / "scripts"
        for path in sorted(scripts_dir.glob("*")) if scripts_dir.is_dir() else []:
            if path.suffix.lower() not in SCRIPT_SUFFIXES or path.name.startswith((".", "~$")):
                continue  # ~$name.docx: the lock file Word keeps beside an open document
            try:
                doc = parse_script(path, root)  # regular files inside the project, lines checked, then parsed
            except InputError as exc:
                problems += exc.problems
                continue
            errors, found = script_problems(doc, path)
            if errors:
                problems += errors
                continue
            warnings += doc.warning_lines() + [str(w) for w in found]
            for ep in doc.episodes:
                if ep.number in episodes:
                    other = episodes[ep.number].path
                    problems.append(Problem(path, ep.line or 1, f"episode {ep.number} is also defined in {other}"))
                    continue
                episodes[ep.number] = EpisodeSource(ep, path, doc)
        project = cls(root, settings, bible, dict(sorted(episodes.items())), warnings)
        checked = _read_checked(project.cache_dir / BOARDS_CHECKED)
        now: dict[str, dict] = {}
        for number in project.episodes:
            board = project.board_path(number)
            if board.exists() or board.is_symlink():
                try:
                    text = read_text(board, root=root)
                    key = project._board_key(number, text)
                    memo = checked.get(board.name)
                    if memo and memo.get("key") == key and _music_state(memo.get("music", {}), root) == memo["music"]:
                        now[board.name] = memo  # these very bytes passed these very checks: not parsed again
                        continue
                    checked_board = project.load_board(number, text=text)
                    music = sorted({sc.music for sc in checked_board.scenes if sc.music and sc.music != "none"})
                    now[board.name] = {"key": key, "music": _music_state(music, root)}
                except InputError as exc:
                    problems += exc.problems
        if problems:
            raise InputError(problems=problems)
        if now != checked:
            _write_checked(project.cache_dir / BOARDS_CHECKED, now)
        return project

    def _board_key(self, number: int, text: str) -> str:
        """What a board's checks depend on: its text, the names it may use, the episode's lines and scenes,
        the frame rate (the shot-length limit) and the program version (the rules)."""
        known = {c.name for c in self.bible.characters}
        episode = self.episodes[number].episode if number in self.episodes else None
        if episode is not None:
            known |= set(episode.characters())
        context = [__version__, number, sorted(known), self.settings.video.fps,
                   len(episode.dialogue()) if episode else None, len(episode.scenes()) if episode else None]
        return hashlib.sha256((json.dumps(context, ensure_ascii=False) + "\0" + text).encode("utf-8")).hexdigest()

    def load_board(self, number: int, *, text: str | None = None) -> Storyboard | None:
        """The user's board for an episode, checked against the bible (unknown characters are errors)."""
        path = self.board_path(number)
        if text is None and not path.exists() and not path.is_symlink():
            return None
        text = read_text(path, root=self.root) if text is None else text
        parsed = parse_yaml(text, path)  # once: the document and its lines
        board = load_document(path, Storyboard, parsed=parsed)
        node = parsed[1]
        known = {c.name for c in self.bible.characters}
        episode = self.episodes[number].episode if number in self.episodes else None
        if episode is not None:
            known |= set(episode.characters())
        problems = board_problems(board, episode, self.settings, path, self.root, node, known)
        if problems:
            raise ConfigError(problems=problems)
        return board

    # ---- bible -------------------------------------------------------------------------------
    def sync_bible(self, *, save: bool = True) -> bool:
        """Add characters and locations the scripts use but the bible lacks; never edit existing ones.

        Returns True when the bible file was written (``save=False``: only ``self.bible`` changes).
        """
        changed = False
        for src in self.episodes.values():
            names = src.episode.characters()
            for bio in src.document.bios:
                if bio.name not in names:
                    names.append(bio.name)
            for name in names:
                full = src.document.aliases.get(name)
                if self.bible.character(name) is None and full:
                    if self.bible.character(full) is None:
                        bio = next((b for b in src.document.bios if b.name == full), None)
                        gender = gender_hint(full, bio.description if bio else "", src.episode)
                        self.bible.characters.append(self._default_character(full, bio, gender))
                    self.bible.character(full).aliases.append(name)  # a wrong link is corrected in bible.yaml
                    changed = True
                if self.bible.character(name) is None:
                    bio = next((b for b in src.document.bios if b.name == name), None)
                    gender = gender_hint(name, bio.description if bio else "", src.episode)
                    self.bible.characters.append(self._default_character(name, bio, gender))
                    changed = True
            for scene in src.episode.scenes():
                loc = location_key(scene.location or scene.text)
                if loc and self.bible.location(loc) is None:
                    interior = None if scene.setting in ("", "INT/EXT") else scene.setting == "INT"
                    self.bible.locations.append(Location(name=loc, interior=interior, palette=stable_int(loc)))
                    changed = True
        if save and (changed or not (self.root / BIBLE).exists()):
            if not self.bible.title:
                self.bible.title = self.settings.project.title
            save_document(self.bible, self.root / BIBLE)
            return True
        return False

    def _default_character(self, name: str, bio=None, gender: str = "") -> Character:
        index = sum(1 for c in self.bible.characters if c.gender == gender)
        if self.settings.speech_for(language_of(name, self.settings.project.language)) == "piper":
            palette = EN_VOICES[gender]
            pitch, rate = palette[index % len(palette)]
            pitch += 1.5 * (index // len(palette))
            voice = Voice(pitch=pitch, rate=rate)
        else:
            palette = ESPEAK_VOICES[gender]
            voice = Voice(voice=palette[index % len(palette)], pitch=2.0 * (index // len(palette)), rate=1.0)
        try:
            options = default_look(name, gender)
        except ImportError:  # drawing module not available: the renderer will fill in defaults
            options = {}
        return Character(
            name=name,
            age=bio.age if bio else None,
            gender=gender,
            description=bio.description if bio else "",
            look=Look(seed=name, options=options),
            voice=voice,
        )

    def language(self, number: int) -> str:
        """An episode's spoken language: a Chinese-format script speaks Chinese, else the project language."""
        src = self.episodes[number]
        return "zh" if src.document.format == "zh" else self.settings.project.language

    def night(self, time: str) -> bool:
        return bool(_NIGHT.search(time or ""))


_FEMALE = re.compile(r"\b(she|her|hers|herself|woman|girl|mother|wife|sister|daughter|miss|mrs)\b|"
                     r"女|妹|姐|妻|母|她|娘|千金|小姐|太太|夫人|闺蜜", re.I)
_MALE = re.compile(r"\b(he|him|his|himself|man|boy|father|husband|brother|son|mr)\b|"
                   r"男|哥|弟|丈夫|父|他|少爷|先生|爸", re.I)


def gender_hint(name: str, description: str, episode: Episode) -> str:
    """"female"/"male"/"" from a bio, or from pronouns right after the name in action lines."""

    def vote(text: str) -> int:
        return len(_FEMALE.findall(text)) - len(_MALE.findall(text))

    score = 3 * vote(description)
    if not score:
        key = name.casefold()
        for el in episode.elements:
            if isinstance(el, Action) and key in el.text.casefold():
                # the first gendered word after the name is the one that refers to it
                after = el.text.casefold().split(key, 1)[1][:160]
                f, m = _FEMALE.search(after), _MALE.search(after)
                if f or m:
                    score += 1 if (f and (not m or f.start() < m.start())) else -1
    return "female" if score > 0 else "male" if score < 0 else ""


def language_of(name: str, default: str) -> str:
    return "zh" if re.search(r"[\u4e00-\u9fff]", name) else default


def location_key(text: str) -> str:
    """The bible name of a scene's location: whitespace folded, trailing dashes dropped."""
    return re.sub(r"\s+", " ", text or "").strip(" -—").strip()


def stable_int(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


BOARDS_CHECKED = "boards-checked.json"  # in build/cache: which board bytes passed the checks, and in what context


def _read_checked(path: Path) -> dict[str, dict]:
    """The boards that passed their checks last time (nothing when the file is missing or not ours)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and all(isinstance(v, dict) and isinstance(v.get("music"), dict)
                                                  for v in data.values()) else {}


def _write_checked(path: Path, data: dict[str, dict]) -> None:
    """Best effort: a project that cannot be written to (read-only, shared) is still checked, only not sped up."""
    if not path.parent.is_dir():
        return
    try:
        atomic_write_text(path, json.dumps(data, sort_keys=True))
    except (OSError, ReelwrightError):
        pass


def _music_state(names: Iterable[str], root: Path) -> dict[str, list[int] | None]:
    """Size and modification time of each music file a board names (None: not there)."""
    out: dict[str, list[int] | None] = {}
    for name in names:
        try:
            st = (root / name).stat()
            out[name] = [st.st_size, st.st_mtime_ns]
        except (OSError, ValueError):
            out[name] = None
    return out


def parse_episode_spec(spec: str | None, available: list[int]) -> list[int]:
    """``"1,3-5"`` → [1, 3, 4, 5] (only those that exist); None → all."""
    if not spec:
        return list(available)
    wanted: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise InputError(f"bad episode list {spec!r}: expected numbers and ranges like 1,3-5")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        wanted.update(range(lo, hi + 1))
    missing = sorted(wanted - set(available))
    if missing:
        raise InputError(f"no script for episode(s) {', '.join(map(str, missing))}; have {available}")
    return sorted(wanted)


def new_project(root: str | Path, language: str = "en", title: str | None = None) -> Path:
    """Scaffold a project folder with settings, an empty bible and a starter script."""
    root = Path(root)
    if (root / SETTINGS).exists():
        raise InputError(f"{root / SETTINGS} already exists; not overwriting a project", path=root / SETTINGS)
    title = title or root.resolve().name.replace("-", " ").title()
    (root / "scripts").mkdir(parents=True, exist_ok=True)
    (root / "boards").mkdir(exist_ok=True)

    atomic_write_text(root / SETTINGS, default_settings_toml(title, language))
    save_document(Bible(title=title, language=language), root / BIBLE)
    starter = _STARTER_ZH if language == "zh" else _STARTER_EN
    name = "ep001.txt" if language == "zh" else "ep001.fountain"
    atomic_write_text(root / "scripts" / name, starter)
    atomic_write_text(root / ".gitignore", "build/\n")
    return root


_STARTER_EN = """Title: My Series
Episode: 1

INT. KITCHEN - NIGHT

MAYA stares at an envelope on the table.

MAYA
(whispering)
He said he would never come back.

LEO
I lied.
"""

_STARTER_ZH = """《我的短剧》

第1集

1-1 夜 内 客厅
人物：林晚、顾言

△林晚盯着桌上的信封。

林晚：（低声）他说过，再也不回来了。
顾言：（冷笑）我骗你的。
"""


def episode_outputs(project: Project, number: int, *, draft: bool = False) -> dict[str, Path]:
    """Where an episode's build outputs go: ``build/``, or ``build/draft/`` for a draft (kept apart, so
    nothing that reads ``build/epNNN.*`` can pick up a draft)."""
    folder = project.build_dir / "draft" if draft else project.build_dir
    stem = folder / f"ep{number:03d}"
    return {"video": stem.with_suffix(".mp4"), "srt": stem.with_suffix(".srt"),
            "timeline": folder / f"ep{number:03d}.timeline.json",
            "me": folder / f"ep{number:03d}.me.wav"}
