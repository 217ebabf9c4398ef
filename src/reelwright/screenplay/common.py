"""What the screenplay layouts share: episode numbers from file names, Chinese numerals, times of day."""

from __future__ import annotations

import re
from pathlib import Path

_EPISODE_IN_NAME = re.compile(r"(?:^|[^a-z])ep(?:isode)?[\s_.\-]*0*(\d+)", re.IGNORECASE)

# time of day as written -> English (Fountain); the keys are the words a scene line accepts
TIMES = {
    "日": "DAY", "白天": "DAY", "夜": "NIGHT", "夜晚": "NIGHT", "晚上": "NIGHT", "晚": "EVENING", "傍晚": "EVENING",
    "黄昏": "DUSK", "昏": "DUSK", "晨": "MORNING", "早": "MORNING", "清晨": "MORNING", "早晨": "MORNING",
    "早上": "MORNING", "上午": "MORNING", "午": "NOON", "中午": "NOON", "下午": "AFTERNOON", "凌晨": "DAWN",
    "黎明": "DAWN", "深夜": "LATE NIGHT", "午夜": "MIDNIGHT",
}
EN_TIMES = {
    "DAY": "日", "DAYTIME": "日", "NIGHT": "夜", "NIGHTTIME": "夜", "MORNING": "晨", "EVENING": "傍晚", "DUSK": "黄昏",
    "SUNSET": "黄昏", "NOON": "中午", "AFTERNOON": "下午", "DAWN": "黎明", "SUNRISE": "黎明", "LATE NIGHT": "深夜",
    "MIDNIGHT": "午夜",
}

def chinese_number(s: str) -> int:
    """``12``, ``１２``, ``十二``, ``一百零五``, ``一二`` -> int."""
    s = s.strip()
    if s.isdigit():
        return int(s)
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
    units = {"十": 10, "百": 100, "千": 1000}
    if not any(c in units for c in s):
        return int("".join(str(digits[c]) for c in s))
    total = current = 0
    for c in s:
        if c in units:
            total += (current or 1) * units[c]
            current = 0
        else:
            current = digits[c]
    return total + current


def english_time(time: str) -> str:
    """A Chinese time of day in English where known (日 -> DAY), else the word as written."""
    return TIMES.get(time.strip(), time)


def chinese_time(time: str) -> str:
    """An English time of day in Chinese where known (NIGHT -> 夜); '' when there is no equivalent."""
    t = time.strip()
    return t if t in TIMES else EN_TIMES.get(t.upper(), "")


def episode_number_from_path(path: str | Path | None) -> int | None:
    """``ep003.fountain`` -> 3, ``003.txt`` -> 3; None when the name holds no number."""
    if path is None:
        return None
    stem = Path(path).stem
    m = _EPISODE_IN_NAME.search(stem)
    if m:
        return int(m.group(1))
    return int(stem) if stem.isdigit() else None
