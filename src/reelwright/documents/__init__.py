"""Typed, versioned documents. Each is a pydantic model saved as plain text in the project."""

from reelwright.documents.approval import Approval, Approvals
from reelwright.documents.base import Document, load_document, save_document, upgrader
from reelwright.documents.bible import Bible, Character, Location, Look, Prop, Voice
from reelwright.documents.breakdown import Breakdown
from reelwright.documents.glossary import Glossary
from reelwright.documents.lock import Lock, LockEntry
from reelwright.documents.script import Episode, ScriptDocument
from reelwright.documents.season import Beat, EpisodePlan, Season
from reelwright.documents.storyboard import Shot, Storyboard
from reelwright.documents.timeline import Timeline

DOCUMENTS: dict[str, type[Document]] = {
    "bible": Bible,
    "breakdown": Breakdown,
    "script": ScriptDocument,
    "season": Season,
    "storyboard": Storyboard,
    "timeline": Timeline,
    "lock": Lock,
    "glossary": Glossary,
    "approvals": Approvals,
}

__all__ = [
    "DOCUMENTS",
    "Approval",
    "Approvals",
    "Beat",
    "Bible",
    "Breakdown",
    "Character",
    "Document",
    "Episode",
    "EpisodePlan",
    "Glossary",
    "Location",
    "Lock",
    "LockEntry",
    "Look",
    "Prop",
    "ScriptDocument",
    "Season",
    "Shot",
    "Storyboard",
    "Timeline",
    "Voice",
    "load_document",
    "save_document",
    "upgrader",
]
