"""The series bible: characters (look and voice), locations, props, wardrobe."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from reelwright.documents.base import Document, Model

__all__ = ["Bible", "Character", "Look", "Voice", "Location", "Prop", "DIALECTS", "dialect_key", "dialect_name"]

# dialect key -> (English name, Chinese name, other spellings a bible may use)
DIALECTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "cantonese": ("Cantonese", "粤语", ("yue", "zh-yue", "粵語", "广东话", "廣東話", "广府话", "白话", "canton")),
    "sichuanese": ("Sichuanese", "四川话", ("sichuan", "四川話", "川话", "川渝话", "成都话", "重庆话", "sichuanhua")),
    "northeastern": ("Northeastern Mandarin", "东北话", ("dongbei", "northeast", "東北話", "东北方言")),
    "shanghainese": ("Shanghainese", "上海话", ("shanghai", "上海話", "沪语", "滬語", "wu", "吴语")),
    "hokkien": ("Hokkien", "闽南话", ("minnan", "闽南语", "閩南語", "台语", "台語", "taiwanese hokkien")),
    "hakka": ("Hakka", "客家话", ("hak", "客家話")),
    "shaanxi": ("Shaanxi", "陕西话", ("陕西話", "关中话", "guanzhong")),
    "henan": ("Henan", "河南话", ("河南話", "zhongyuan")),
    "tianjin": ("Tianjin", "天津话", ("天津話",)),
    "beijing": ("Beijing", "北京话", ("京片子", "北京話", "beijinghua")),
}


def dialect_key(text: str | None) -> str:
    """The dialect's key (``四川话`` -> ``sichuanese``); a name not in :data:`DIALECTS` comes back folded.
    Empty for none (``""``, ``mandarin``, ``普通话``)."""
    t = " ".join((text or "").split()).casefold()
    if t in ("", "mandarin", "standard", "putonghua", "普通话", "普通話", "国语", "國語"):
        return ""
    for key, (en, zh, others) in DIALECTS.items():
        if t in (key, en.casefold(), zh, *(o.casefold() for o in others)):
            return key
    return t


def dialect_name(text: str | None) -> str:
    """How the dialect is named in messages and instructions: ``Sichuanese (四川话)``."""
    key = dialect_key(text)
    if key in DIALECTS:
        en, zh, _ = DIALECTS[key]
        return f"{en} ({zh})"
    return (text or "").strip()


class Look(Model):
    """How the embedded comic renderer draws a character (DiceBear style + seed + fixed options)."""

    style: str = Field("avataaars", description="DiceBear style name")
    seed: str = Field(description="DiceBear seed; the same seed always draws the same face")
    options: dict[str, Any] = Field(default_factory=dict, description="extra DiceBear options (skinColor, top, …)")
    description: str = Field("", description="prose look for image providers: face, hair, build, clothes")


class Voice(Model):
    """How a character sounds. ``provider`` is a speech provider name (``piper``, ``espeak``, …)."""

    provider: str | None = Field(None, description="speech provider; default chosen by the project language")
    voice: str | None = Field(None, description="provider voice/model name (e.g. an espeak variant 'f3')")
    pitch: float = Field(0.0, ge=-12, le=12, description="pitch shift in semitones")
    rate: float = Field(1.0, ge=0.5, le=2.0, description="speaking-rate multiplier")
    reference: str | None = Field(None, description="an audio file of this voice (relative to the project "
                                  "folder) for speech providers that clone; others ignore it")
    dialect: str = Field("", description="the dialect the character speaks (sichuanese, cantonese, northeastern, "
                         "四川话, 粤语, …); empty: the project's language as standard")
    instructions: str = Field("", description="free-text delivery for speech providers that take instructions "
                              "(\"slow, tired, 1980s Chengdu market seller\")")


class Character(Model):
    name: str
    aliases: list[str] = Field(default_factory=list)
    age: int | None = None
    gender: Literal["female", "male", "other", ""] = ""
    description: str = ""
    look: Look
    voice: Voice = Field(default_factory=Voice)
    wardrobe: list[str] = Field(default_factory=list, description="what the character wears (one outfit a line)")
    role: str = Field("", description="story role: protagonist, antagonist, love interest, ally, …")
    goals: list[str] = Field(default_factory=list, description="what the character wants")
    secrets: list[str] = Field(default_factory=list, description="what the character hides")
    relationships: dict[str, str] = Field(default_factory=dict,
                                          description="other character's name → what they are to this one")


class Location(Model):
    name: str
    interior: bool | None = Field(None, description="None: decided from the scene heading")
    description: str = ""
    palette: int = Field(0, description="seed for the procedural background of this location")


class Prop(Model):
    name: str
    description: str = ""


class Bible(Document):
    KIND: ClassVar[str] = "bible"
    VERSION: ClassVar[int] = 1

    title: str = ""
    language: str = "en"
    logline: str = Field("", description="the series in one sentence")
    genre: str = Field("", description="trope or genre: contract marriage, rebirth and revenge, family drama, …")
    tone: str = ""
    period: str = Field("", description="when the story is set (present day, 1980s, Republic era, …)")
    dialect: str = Field("", description="how the characters speak, when not the standard language")
    characters: list[Character] = Field(default_factory=list)
    locations: list[Location] = Field(default_factory=list)
    props: list[Prop] = Field(default_factory=list)

    def character(self, name: str) -> Character | None:
        key = name.casefold()
        for c in self.characters:
            if c.name.casefold() == key or key in (a.casefold() for a in c.aliases):
                return c
        return None

    def location(self, name: str) -> Location | None:
        key = name.casefold()
        return next((loc for loc in self.locations if loc.name.casefold() == key), None)
