"""Fonts, glyph coverage, subtitle wrapping and text layers."""

from __future__ import annotations

import numpy as np
import pytest

from reelwright.media.text import (
    font_path,
    has_glyphs,
    is_cjk,
    load_font,
    missing_glyphs,
    render_text_layer,
    wrap_subtitle,
)

CHINESE = [
    "林晚回来了。",
    "林晚回来了，她站在门口，手里拿着那份被撕碎的合同，一句话也没有说。你以为我会原谅你吗？",
    "三年前你把我赶出这个家的时候，可曾想过今天！我告诉你，这个公司从今天起姓林。",
    "他说：“我用iPhone 15 Pro Max给你发了微信。”好吗？",
    "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十",
]
ENGLISH = [
    "Hello, world!",
    "I never thought you would come back here after everything that happened between us. "
    "Tell me the truth: who signed the contract?",
    "Wait. No. Stop it, please! I said stop.",
    "Pneumonoultramicroscopicsilicovolcanoconiosis is a very long word indeed.",
    "You don't get to walk back into my life, take my company, and call it fate.",
]


def test_font_is_the_simplified_chinese_face() -> None:
    assert font_path().is_file()
    family, _ = load_font(40).getname()
    assert family.endswith("SC")
    bold, regular = load_font(48, 800), load_font(48, 400)
    ink = [np.asarray(f.getmask("林晚 Hello")).sum() for f in (bold, regular)]
    assert ink[0] > ink[1] * 1.2  # the variation axis really makes it bold


def test_glyph_coverage() -> None:
    assert has_glyphs("林晚回来了。Hello, world!")
    for text in CHINESE + ENGLISH + ["「你好」《书》——…？！0123456789 ABC xyz é"]:
        assert has_glyphs(text), missing_glyphs(text)
    assert missing_glyphs("ok \U0001F600") == ["\U0001F600"]  # no emoji in Noto Sans CJK: detected


@pytest.mark.parametrize("text", CHINESE)
def test_wrap_chinese(text: str) -> None:
    cues = wrap_subtitle(text)
    assert cues and all(1 <= len(cue) <= 2 for cue in cues)
    lines = [line for cue in cues for line in cue]
    assert all(0 < len(line) <= 16 for line in lines), lines
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert not any(line[0] in "，。！？、；：”）" for line in lines), lines  # no punctuation opens a line


@pytest.mark.parametrize("text", ENGLISH)
def test_wrap_latin(text: str) -> None:
    cues = wrap_subtitle(text)
    assert cues and all(1 <= len(cue) <= 2 for cue in cues)
    lines = [line for cue in cues for line in cue]
    assert all(0 < len(line) <= 29 for line in lines), lines
    assert " ".join(lines).split() == text.split() or any(len(w) > 29 for w in text.split())
    words = set(text.split())
    for line in lines:  # words are never split unless longer than a line
        for w in line.split():
            assert w in words or any(len(x) > 29 for x in words), (w, lines)


def test_wrap_balances_two_lines() -> None:
    (cue,) = wrap_subtitle("I never thought you would come back here after all.")
    assert len(cue) == 2 and abs(len(cue[0]) - len(cue[1])) <= 8, cue
    (cue,) = wrap_subtitle("你以为我会原谅你吗？三年前你把我赶出家门。")
    assert len(cue) == 2 and abs(len(cue[0]) - len(cue[1])) <= 2, cue


def test_wrap_respects_custom_limits() -> None:
    cues = wrap_subtitle("林晚回来了，她站在门口，一句话也没有说。", max_cjk=8, max_lines=1)
    assert all(len(cue) == 1 and len(cue[0]) <= 8 for cue in cues)
    assert wrap_subtitle("   ") == []
    assert is_cjk("林") and not is_cjk("A")


@pytest.mark.parametrize("style", ["subtitle", "caption", "title"])
def test_text_layer_is_premultiplied_rgba(style: str) -> None:
    layer = render_text_layer(["林晚回来了。", "Hello, world!"], 1080, 60, style=style)  # type: ignore[arg-type]
    assert layer.ndim == 3 and layer.shape[1] == 1080 and layer.shape[2] == 4 and layer.dtype == np.uint8
    alpha = layer[..., 3]
    assert alpha.max() == 255 and (alpha > 0).mean() > 0.02
    assert np.all(layer[..., :3] <= alpha[..., None])  # premultiplied
    assert layer.shape[0] >= 2 * 60


def test_subtitle_is_white_with_a_dark_outline() -> None:
    layer = render_text_layer(["你好 Hello"], 600, 64)
    solid = layer[layer[..., 3] == 255][:, :3].astype(int)
    assert (solid.min(axis=1) > 240).sum() > 200  # white fill
    assert (solid.max(axis=1) < 40).sum() > 200  # dark stroke


def test_too_wide_text_shrinks_instead_of_clipping() -> None:
    layer = render_text_layer(["一二三四五六七八九十一二三四五六"], 400, 64)
    cols = np.nonzero(layer[..., 3].max(axis=0))[0]
    assert cols.min() > 0 and cols.max() < 399
