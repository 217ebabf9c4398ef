"""``reelwright.toml``: project settings, validated with file:line errors."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError, field_validator

from reelwright.documents.base import Model, read_text, validation_problems
from reelwright.errors import ConfigError, Problem

__all__ = ["Settings", "BoardSection", "SoundSection", "ImagesSection", "Price", "load_settings",
           "default_settings_toml", "settings_problems", "media_path_problem", "AUDIO_SUFFIXES", "toml_line"]


class Section(Model):
    """A table of ``reelwright.toml``: strict types (``fps = true`` is an error, not 1 fps)."""

    model_config = ConfigDict(**Model.model_config, strict=True)


class ProjectSection(Section):
    title: str = "Untitled series"
    language: Literal["en", "zh"] = "en"


class VideoSection(Section):
    width: int = Field(1080, ge=64, le=4096, multiple_of=2)
    height: int = Field(1920, ge=64, le=4096, multiple_of=2)
    fps: int = Field(30, ge=1, le=120)
    crf: int = Field(21, ge=0, le=51)
    # ultrafast is left out on purpose: it drops CABAC and 8x8 transforms, so the output is no longer High profile
    preset: Literal["superfast", "veryfast", "faster", "fast", "medium", "slow"] = "veryfast"
    subtitles: bool = Field(True, description="burn subtitles into the episode video")


class AudioSection(Section):
    sample_rate: Literal[44100, 48000] = 48000
    loudness: float = Field(-14.0, ge=-40, le=-5, description="integrated LUFS target")
    true_peak: float = Field(-1.0, ge=-10, le=0, description="true-peak ceiling in dBTP")


class Price(Section):
    """What one provider charges: per call made, plus per second of media returned (speech, clips)."""

    per_call: float = Field(0.0, ge=0)
    per_second: float = Field(0.0, ge=0)


class ProvidersSection(Section):
    speech: str | None = Field(None, description="speech provider; default piper for en, espeak otherwise")
    image: str = Field("comic", description="picture provider: comic (drawn offline in the render workers) or a "
                       "generative one (openai, comfyui, …)")
    video: str = Field("", description="image-to-video provider that turns each shot's still into a clip "
                       "(e.g. comfyui); empty = stills with camera moves")
    text: str = Field("local", description="text provider for writing: local (llama.cpp) or openai (any "
                      "OpenAI-compatible endpoint)")
    options: dict[str, dict[str, Any]] = Field(default_factory=dict, description="options per provider: "
                                               "'kind:name' (e.g. \"image:openai\") first, else by name")
    prices: dict[str, Price] = Field(default_factory=dict, description="'kind:name' → per_call and per_second "
                                     "prices; unnamed providers cost nothing")
    currency: str = Field("USD", description="label for prices and the budget")
    budget: float | None = Field(None, ge=0, description="most money one build command may spend on provider "
                                 "calls; none = no limit")


class ImagesSection(Section):
    """How generated pictures (a generative ``[providers] image``) and clips are asked for."""

    style: str = Field("cinematic still from a vertical short drama, photorealistic, natural light, film grain",
                       description="prefix of every picture prompt")
    negative: str = Field("text, watermark, logo, subtitles, extra fingers, deformed face, blurry",
                          description="negative prompt (for providers that take one)")
    expressions: list[str] = Field(default_factory=lambda: ["happy", "sad", "angry", "surprised"],
                                   description="expressions on each character's reference sheet, beside the "
                                   "front face and the full figure")
    reference_size: int = Field(1024, ge=64, le=4096, description="reference sheet images are this wide (faces "
                                "square, the full figure 3:2 tall)")
    width: int = Field(0, ge=0, le=8192, description="shot still width; 0 = the frame width × the largest "
                       "camera-move margin")
    height: int = Field(0, ge=0, le=8192, description="shot still height; 0 = as width")
    seed: int = Field(0, ge=0, description="mixed into every derived seed; change it to re-roll all pictures "
                      "(seeds chosen by 'reelwright redo' stay)")
    clip_seconds: float = Field(5.0, gt=0, le=60, description="longest clip asked of the video provider; "
                                "longer shots loop or hold the clip")
    clip_fit: Literal["loop", "hold"] = Field("hold", description="a clip shorter than its shot: loop it, or hold "
                                              "its last frame (a longer clip is always trimmed)")
    motion: str = Field("subtle natural motion, breathing, blinking, slight camera drift",
                        description="added to each clip prompt")


class TargetsSection(Section):
    episode_min_seconds: float = Field(45, ge=0)
    episode_max_seconds: float = Field(180, gt=0)
    hook_seconds: float = Field(3.0, gt=0, description="the first cut comes within this many seconds (the hook)")
    first_line_seconds: float = Field(6.0, gt=0, description="the first line of dialogue starts within this")
    turn_seconds: float = Field(15.0, gt=0, description="at most this long between turns (reversals, reveals)")
    cliffhanger_seconds: float = Field(10.0, gt=0, description="the last this-many seconds hold a close-up and "
                                       "a sting")
    subtitle_chars_cjk: int = Field(16, ge=4, le=60, description="characters a subtitle line, CJK text")
    subtitle_chars_latin: int = Field(29, ge=8, le=80, description="characters a subtitle line, Latin text")
    subtitle_lines: int = Field(2, ge=1, le=4, description="lines a subtitle")
    subtitle_min_seconds: float = Field(0.83, ge=0, description="a subtitle stays on screen at least this long")
    reading_cps_cjk: float = Field(9.0, gt=0, description="reading speed limit, CJK characters a second")
    reading_cps_latin: float = Field(17.0, gt=0, description="reading speed limit, Latin characters a second (the "
                                     "built episodes, the self-check and delivered subtitles alike)")
    safe_top: float = Field(0.08, ge=0, le=0.4, description="9:16 safe zone: fraction of the height kept clear "
                            "at the top (platform UI)")
    safe_bottom: float = Field(0.20, ge=0, le=0.4, description="fraction kept clear at the bottom (captions, "
                               "buttons); subtitles sit just above it")
    safe_sides: float = Field(0.04, ge=0, le=0.3, description="fraction of the width kept clear left and right")


class BoardSection(Section):
    """Storyboard and edit rules. Each switch turns one named rule off; the numbers tune them."""

    establishing: bool = Field(True, description="a wide establishing shot opens each scene (after a location "
                               "change a wider one)")
    shot_reverse_shot: bool = Field(True, description="two-person exchanges: over-the-shoulder shots open each "
                                    "speaker's coverage, then singles")
    screen_direction: bool = Field(True, description="the 180° rule: a character keeps their screen side "
                                   "within a scene unless a shot is marked cross: true")
    reactions: bool = Field(True, description="reaction close-ups of the listener on reversals and reveals")
    inserts: bool = Field(True, description="an insert shot for a prop named in an action line")
    cliffhanger: bool = Field(True, description="the episode ends on a close-up of its last line, with a sting")
    close_up_share: bool = Field(True, description="keep close-ups (ECU, CU, MCU, INSERT) between "
                                 "close_up_min and close_up_max of the shots")
    split_long_lines: bool = Field(True, description="a long line is split: the speaker's close-up, then the "
                                   "listener's reaction while the line carries on")
    hook: bool = Field(True, description="open on the episode's most striking shot or line, never a slow wide")
    j_l_cuts: bool = Field(True, description="J/L cuts: a line starts before the cut to its speaker or "
                           "carries over the listener's reaction")
    angles: bool = Field(True, description="low angle on the one in power (cold, angry), high on fear and hurt, "
                         "Dutch on a revealed turn")
    close_up_min: float = Field(0.6, ge=0, le=1)
    close_up_max: float = Field(0.8, ge=0, le=1)
    asl_min: float = Field(1.5, gt=0, description="average shot length, seconds: lower bound")
    asl_max: float = Field(3.0, gt=0, description="average shot length, seconds: upper bound")
    split_seconds: float = Field(2.6, gt=0, description="a line estimated longer than this is split in two shots")
    props: list[str] = Field(default_factory=list, description="more props to insert, beside the bible's")
    common_props: bool = Field(True, description="also recognise common drama props (phone, contract, photo, "
                               "ring, …) when the bible names none")


class SoundSection(Section):
    """Music bed, stings and ambience under the dialogue (synthesised offline unless files are named)."""

    music: bool = Field(True, description="a music bed per scene, by the scene's mood")
    stings: bool = Field(True, description="a sting on reversals, the hook and the cliffhanger")
    ambience: bool = Field(True, description="room tone / street / rain under each scene")
    music_db: float = Field(-9.0, ge=-40, le=0, description="bed level between lines, dB against the dialogue")
    duck_db: float = Field(12.0, ge=0, le=40, description="how far the bed ducks under speech, dB")
    sting_db: float = Field(-4.0, ge=-40, le=6, description="sting level, dB against the dialogue")
    ambience_db: float = Field(-24.0, ge=-60, le=0, description="ambience level, dB against the dialogue")
    moods: dict[str, str] = Field(default_factory=dict, description="mood → a music file of yours (relative to "
                                  "the project), e.g. tense = 'music/tense.wav'")
    sting_file: str | None = Field(None, description="your own sting for reversals")
    cliffhanger_file: str | None = Field(None, description="your own sting for the cliffhanger")
    me_stem: bool = Field(True, description="write the dialogue-free music-and-effects stem epNNN.me.wav")


class WritingSection(Section):
    episodes: int = Field(30, ge=1, le=300, description="episodes in a new season plan")
    target_seconds: int = Field(60, ge=15, le=600, description="target length of each episode")
    paywall_after: int | None = Field(10, ge=1, description="the paywall comes after this episode; none if unset "
                                      "or past the season's end")
    seed: int = Field(0, description="seed for the model; change it to get a different draft")
    retries: int = Field(3, ge=0, le=10, description="new tries for an answer that fails validation")
    chunk_chars: int = Field(3000, ge=500, le=50000, description="a long source text is read in chunks this size")
    genre: str = Field("", description="the genre template (life, romance, revenge, suspense, comedy, historical); "
                       "empty = chosen from the premise")


class RenderSection(Section):
    workers: int = Field(0, ge=0, le=64, description="render processes; 0 = one per two CPU cores")
    threads: int = Field(3, ge=1, le=32, description="x264 threads per shot. A number, not the machine's core "
                         "count: x264's output depends on it, so every machine encodes a shot to the same bytes")
    executor: Literal["local", "ray"] = Field("local", description="where shots render: local processes, or Ray "
                                              "tasks on a cluster (pip install 'reelwright[ray]')")
    address: str = Field("", description="Ray: the cluster to join (ray://head:10001, head:6379, auto); empty or "
                         "local = start a Ray instance on this machine")
    ray_cpus: float = Field(2.0, gt=0, le=64, description="Ray: CPUs reserved for each shot task")
    draft_scale: float = Field(0.5, gt=0.05, le=1.0, description="build --draft: frame size as a share of the "
                               "project's (rounded to even pixels)")
    draft_preset: str = Field("ultrafast", description="build --draft: the x264 preset (a fast one)")


class DeliverySection(Section):
    """What ``reelwright deliver`` and ``reelwright localise`` make for distributors and dubbing markets."""

    languages: list[str] = Field(default_factory=list, description="subtitle languages besides each episode's "
                                 "own, e.g. ['en', 'zh', 'es']")
    dub: list[str] = Field(default_factory=list, description="languages to dub (re-voice) in deliver")
    subtitled: list[str] = Field(default_factory=list, description="more burned-in versions besides the "
                                 "episode's own language")
    card: str = Field("", description="opening card text (e.g. a licence or registration number); empty = none")
    card_seconds: float = Field(2.0, gt=0, le=10, description="how long the opening card shows")
    title: str = Field("", description="title on the covers; empty = the script's title, else [project] title")
    cover_width: int = Field(1080, ge=90, le=4096, multiple_of=2, description="cover width in pixels (9:16 and "
                             "3:4 covers share it)")
    batch: int = Field(8, ge=1, le=50, description="lines per translation request")
    retries: int = Field(3, ge=0, le=10, description="new tries for a translation that fails validation")
    stretch: float = Field(0.15, ge=0, le=0.5, description="dubbing: a line is time-stretched by at most this "
                           "fraction; beyond it the shot is extended")

    @field_validator("languages", "dub", "subtitled")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?", v)]
        if bad:
            raise ValueError(f"bad language code(s) {bad}: expected codes like en, zh, es, pt, id, th, ja, ko")
        return list(dict.fromkeys(value))


class Settings(Section):
    project: ProjectSection = Field(default_factory=ProjectSection)
    video: VideoSection = Field(default_factory=VideoSection)
    audio: AudioSection = Field(default_factory=AudioSection)
    providers: ProvidersSection = Field(default_factory=ProvidersSection)
    targets: TargetsSection = Field(default_factory=TargetsSection)
    render: RenderSection = Field(default_factory=RenderSection)
    writing: WritingSection = Field(default_factory=WritingSection)
    board: BoardSection = Field(default_factory=BoardSection)
    sound: SoundSection = Field(default_factory=SoundSection)
    delivery: DeliverySection = Field(default_factory=DeliverySection)
    images: ImagesSection = Field(default_factory=ImagesSection)

    def speech_for(self, language: str) -> str:
        """The speech provider for a language: the configured one, else piper for English, espeak otherwise."""
        return self.providers.speech or ("piper" if language == "en" else "espeak")

    def provider_options(self, kind: str, name: str) -> dict[str, Any]:
        """Options of provider ``kind:name``: ``[providers.options."kind:name"]``, else
        ``[providers.options.name]``, else none."""
        opts = self.providers.options
        found = opts.get(f"{kind}:{name}")
        if found is None:
            found = opts.get(name)
        return dict(found or {})

    def price(self, spec: str) -> Price:
        """The price of provider ``kind:name`` (``[providers.prices."kind:name"]``; free when unnamed)."""
        return self.providers.prices.get(spec) or Price()


def toml_line(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line of a dotted key path in TOML text."""
    lines = text.splitlines()
    section: list[str] = []
    want = [str(p) for p in loc]
    best = None
    for i, raw in enumerate(lines, 1):
        s = raw.strip()
        m = re.match(r"^\[+\s*([^\]]+?)\s*\]+", s)
        if m:
            section = [p.strip().strip('"') for p in m.group(1).split(".")]
            if section == want[: len(section)] and best is None and len(section) == len(want):
                best = i
            continue
        m = re.match(r'^("?)([A-Za-z0-9_\-]+)\1\s*=', s)
        if m and section + [m.group(2)] == want[: len(section) + 1]:
            return i
        if section and section == want[: len(section)] and best is None:
            best = i
    return best


AUDIO_SUFFIXES = (".wav", ".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".aif", ".aiff")


def media_path_problem(name: str, root: Path) -> str | None:
    """What is wrong with a music file named in the settings or a board (relative to the project), or None."""
    p = Path(name)
    if p.is_absolute() or ".." in p.parts:
        return f"music file {name!r} must be a path inside the project folder"
    if p.suffix.lower() not in AUDIO_SUFFIXES:
        return f"music file {name!r} is not an audio file (expected one of {', '.join(AUDIO_SUFFIXES)})"
    return None


def settings_problems(settings: Settings) -> list[tuple[tuple[str, ...], str]]:
    """(dotted key, message) for settings whose fields disagree: a minimum over its maximum."""
    out: list[tuple[tuple[str, ...], str]] = []
    t, b = settings.targets, settings.board
    for loc, lo, hi in ((("targets", "episode_min_seconds"), t.episode_min_seconds, t.episode_max_seconds),
                        (("board", "close_up_min"), b.close_up_min, b.close_up_max),
                        (("board", "asl_min"), b.asl_min, b.asl_max)):
        if lo > hi:
            other = loc[1].replace("_min", "_max")
            out.append((loc, f"{loc[0]}.{loc[1]} = {lo:g} is greater than {other} = {hi:g}"))
    return out


def upgrade_settings(data: dict) -> dict:
    """Settings files of older versions, made current (nothing the user set is lost).

    - ``[delivery] reading_cps_latin / reading_cps_cjk`` (a second reading speed, for delivered subtitles only)
      became the one ``[targets]`` reading speed per script; a value set there moves to ``[targets]`` unless
      ``[targets]`` sets its own."""
    delivery = data.get("delivery")
    if isinstance(delivery, dict):
        targets = data.setdefault("targets", {})
        for key in ("reading_cps_latin", "reading_cps_cjk"):
            if key in delivery:
                value = delivery.pop(key)
                if isinstance(targets, dict):
                    targets.setdefault(key, value)
    return data


def load_settings(path: Path, *, root: Path | None = None) -> Settings:
    """``reelwright.toml`` validated: schema, strict types, then the fields that must agree (min ≤ max). Given the
    project ``root``, a settings file that leads outside it is refused."""
    text = read_text(path, root=root)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(f"invalid TOML: {exc}", path=path, line=int(m.group(1)) if m else None) from None
    try:
        settings = Settings.model_validate(upgrade_settings(data))
    except ValidationError as exc:
        raise ConfigError(
            problems=validation_problems(exc, path, line_of=lambda loc: toml_line(text, loc))
        ) from None
    problems = [Problem(path, toml_line(text, loc), msg) for loc, msg in settings_problems(settings)]
    if problems:
        raise ConfigError(problems=problems)
    return settings


def default_settings_toml(title: str, language: str) -> str:
    return f'''# reelwright project settings. Every key is optional; these are the defaults.
[project]
title = "{title}"
language = "{language}"          # en | zh: script format for new scripts, default voices

[video]
width = 1080
height = 1920
fps = 30
crf = 21
preset = "veryfast"
subtitles = true               # burn subtitles in (an .srt is always written beside the video)

[audio]
sample_rate = 48000
loudness = -14.0               # LUFS integrated
true_peak = -1.0               # dBTP ceiling

[providers]
# speech = "piper"             # default: piper for English, espeak for other languages
image = "comic"
text = "local"                 # local (llama.cpp, 'reelwright models install') or openai (any compatible API)
# [providers.options.openai]   # for text = "openai":
# base_url = "https://api.openai.com/v1"
# model = "gpt-4o-mini"
# api_key_env = "OPENAI_API_KEY"   # the variable that holds the key; "" for servers that need none
# image = "openai"             # generated pictures instead of the drawn comic (see docs/production.md)
# video = "comfyui"            # turn each shot's still into a moving clip; empty = stills with camera moves
# budget = 20.0                # most one build command may spend; none = no limit
# currency = "USD"
# [providers.options."image:openai"]   # options for one kind:name, else [providers.options.<name>]
# model = "gpt-image-1"
# [providers.prices."image:openai"]
# per_call = 0.04              # money per call made
# [providers.prices."speech:openai"]
# per_second = 0.0002          # money per second of media returned (speech, clips)

[images]                       # generated pictures: used when [providers] image is not "comic"
# style = "cinematic still from a vertical short drama, photorealistic, natural light, film grain"
# negative = "text, watermark, logo, subtitles, extra fingers, deformed face, blurry"
expressions = ["happy", "sad", "angry", "surprised"]   # on each character's reference sheet
reference_size = 1024
seed = 0                       # change to re-roll every picture (redo's seeds stay)
clip_seconds = 5.0             # longest clip asked of [providers] video
clip_fit = "hold"              # a clip shorter than its shot: "loop" it or "hold" its last frame

[writing]
episodes = 30                  # episodes in a new season plan
target_seconds = 60            # target length of each episode
paywall_after = 10             # the paywall comes after this episode
seed = 0

[targets]
episode_min_seconds = 45
episode_max_seconds = 180

[render]
workers = 0                    # render processes; 0 = one per two CPU cores
threads = 3                    # x264 threads per shot: fixed, so every machine encodes the same bytes
executor = "local"             # local | ray (pip install 'reelwright[ray]'; see docs/scale.md)
address = ""                   # ray: ray://head:10001, head:6379 or auto; "" or "local" = a Ray instance here
ray_cpus = 2.0                 # ray: CPUs reserved for each shot task
draft_scale = 0.5              # build --draft: frame size as a share of the project's
draft_preset = "ultrafast"     # build --draft: the x264 preset

[board]                        # storyboard and edit rules: set one to false to switch it off
establishing = true            # a wide shot opens each scene
shot_reverse_shot = true       # over-the-shoulder shots, then singles, in two-person exchanges
screen_direction = true        # the 180° rule (mark a shot cross: true in boards/ to cross the line)
reactions = true               # listener close-ups on reversals and reveals
inserts = true                 # a close shot of a prop named in an action line
cliffhanger = true             # end on a close-up of the last line, with a sting
close_up_share = true          # close-ups between close_up_min and close_up_max of the shots
split_long_lines = true        # long lines: speaker close-up, then the listener while the line carries on
hook = true                    # open on the most striking shot or line
j_l_cuts = true                # lines start before / carry over the cut
angles = true                  # low angle on power, high on fear, Dutch on a revealed turn
close_up_min = 0.6
close_up_max = 0.8
asl_min = 1.5                  # average shot length, seconds
asl_max = 3.0
# props = ["locket"]           # more props to insert (the bible's props always count)

[sound]
music = true                   # a synthesised bed per scene mood (or your files, below)
stings = true
ambience = true
music_db = -9.0                # bed between lines, dB against the dialogue
duck_db = 12.0                 # ducked this much more under speech
# moods = {{ tense = "music/tense.wav" }}   # your own music per mood: tense, sad, warm, mystery, angry, calm
# sting_file = "music/hit.wav"
me_stem = true                 # write build/epNNN.me.wav, the dialogue-free music-and-effects stem

[delivery]                     # reelwright deliver / localise
languages = []                 # subtitle languages besides each episode's own, e.g. ["en", "zh", "es"]
dub = []                       # languages to dub, e.g. ["es"]
card = ""                      # opening card, e.g. a licence number; empty = none
'''
