"""Platform numbers in: CSV, XLSX or JSON, English or Chinese headers, per episode or per episode per second.

Every file is read completely and checked before anything is analysed or written; a value that does not
fit raises :class:`~reelwright.errors.InputError` naming the file, the row and the column (``file:row:
column 'plays': …``; the row is the line of a CSV file, the spreadsheet row of an XLSX file and the line
where the record starts in a JSON file).

Rates (completion, continuation, unlock, retention) are fractions in 0–1. A column is read as percentages
when its header says so (``完播率(%)``, ``retention %``), when a value is written with ``%`` (``"85%"``), or
when any value of that column in that file is above 1 (then all of its values are divided by 100).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from reelwright.documents.base import read_text
from reelwright.errors import InputError, Problem

__all__ = ["ALIASES", "RATE_FIELDS", "EpisodeNumbers", "SeasonMetrics", "load_metrics", "canonical_column"]

# canonical name → accepted headers (compared after lower-casing, dropping units in brackets, spaces → _)
ALIASES: dict[str, tuple[str, ...]] = {
    "episode": ("episode", "ep", "episode_number", "episode_no", "集数", "集", "剧集", "集号", "第几集"),
    "plays": ("plays", "views", "play_count", "starts", "播放量", "播放次数", "播放数", "观看次数"),
    "completion_rate": ("completion_rate", "completion", "complete_rate", "完播率"),
    "next_episode_rate": ("next_episode_rate", "continuation_rate", "continue_rate", "next_rate", "追剧率",
                          "续播率", "追更率"),
    "unlock_rate": ("unlock_rate", "unlock", "pay_rate", "解锁率", "付费率"),
    "avg_watch_seconds": ("avg_watch_seconds", "avg_watch_time", "average_watch_time", "average_watch_seconds",
                          "平均观看时长", "人均观看时长", "平均播放时长"),
    "revenue": ("revenue", "income", "收入", "营收", "充值金额"),
    "second": ("second", "seconds", "sec", "time", "t", "秒", "秒数", "时间", "时间点"),
    "retention": ("retention", "retention_rate", "audience_retention", "留存率", "留存", "观众留存"),
}
RATE_FIELDS = ("completion_rate", "next_episode_rate", "unlock_rate", "retention")
EPISODE_FIELDS = ("plays", "completion_rate", "next_episode_rate", "unlock_rate", "avg_watch_seconds", "revenue")
_LOOKUP = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
_UNIT = re.compile(r"[（(\[【]\s*([^)）\]】]*)\s*[)）\]】]")


def canonical_column(header: str) -> tuple[str | None, bool]:
    """(canonical field or None, whether the header marks percentages)."""
    text = str(header or "").strip().lower()
    percent = "%" in text or "百分比" in text
    text = _UNIT.sub("", text).replace("%", "").strip()
    text = re.sub(r"[\s\-./]+", "_", text).strip("_")
    return _LOOKUP.get(text), percent


@dataclass
class EpisodeNumbers:
    """What the platform says about one episode (any field may be missing)."""

    episode: int
    plays: float | None = None
    completion_rate: float | None = None
    next_episode_rate: float | None = None
    unlock_rate: float | None = None
    avg_watch_seconds: float | None = None
    revenue: float | None = None
    curve: dict[int, float] = field(default_factory=dict, repr=False)

    def retention(self) -> list[float]:
        """The per-second curve as a list from second 0 (gaps filled by the last known value)."""
        if not self.curve:
            return []
        out: list[float] = []
        last = self.curve.get(0, 1.0)
        for s in range(max(self.curve) + 1):
            last = self.curve.get(s, last)
            out.append(last)
        return out


@dataclass
class SeasonMetrics:
    episodes: dict[int, EpisodeNumbers] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def get(self, number: int) -> EpisodeNumbers:
        return self.episodes.setdefault(number, EpisodeNumbers(number))


@dataclass
class _Cell:
    raw: object
    row: int
    column: str  # how the user sees the column: the header (and the letter in a spreadsheet)


@dataclass
class _Table:
    path: str
    columns: dict[str, tuple[str, bool]]  # header → (canonical, percent header)
    rows: list[tuple[int, dict[str, _Cell]]]  # (row number, canonical → cell)
    where: str = ""  # sheet name for spreadsheets


def _err(path: str, row: int | None, column: str | None, message: str) -> InputError:
    col = f"column {column}: " if column else ""
    return InputError(problems=[Problem(path, row, col + message)])


# ---- readers: each returns tables of raw cells --------------------------------------------------------------

def _header_map(path: str, headers: list[object], row: int, letters: bool = False) -> dict[int, tuple[str, str, bool]]:
    """column index → (canonical, user-facing column name, percent)."""
    out: dict[int, tuple[str, str, bool]] = {}
    seen: dict[str, str] = {}
    for i, h in enumerate(headers):
        name, percent = canonical_column(str(h) if h is not None else "")
        label = repr(str(h).strip()) if h is not None else f"#{i + 1}"
        if letters:
            label = f"{_letter(i)} ({str(h).strip() if h is not None else ''})"
        if name is None:
            continue
        if name in seen:
            raise _err(path, row, label, f"means the same as column {seen[name]} ({name}); keep one")
        seen[name] = label
        out[i] = (name, label, percent)
    if "episode" not in seen:
        known = ", ".join(ALIASES["episode"][:3] + ALIASES["episode"][4:6])
        raise _err(path, row, None, f"no episode column in the header (expected one of: {known})")
    return out


def _letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _rows_to_table(path: str, header: list[object], header_row: int, body: list[tuple[int, list[object]]],
                   letters: bool = False, where: str = "") -> _Table:
    cols = _header_map(path, header, header_row, letters)
    rows = []
    for number, values in body:
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        cells = {name: _Cell(values[i] if i < len(values) else None, number, label)
                 for i, (name, label, _pct) in cols.items()}
        rows.append((number, cells))
    return _Table(path, {label: (name, pct) for name, label, pct in cols.values()}, rows, where)


def _read_csv(path: Path) -> list[_Table]:
    text = read_text(path)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    records = []
    try:
        for values in reader:
            records.append((reader.line_num, values))
    except csv.Error as exc:
        raise _err(str(path), reader.line_num, None, f"not a readable CSV file: {exc}") from None
    records = [(n, v) for n, v in records if any(c.strip() for c in v)]
    if not records:
        raise _err(str(path), 1, None, "empty file: expected a header row (episode, plays, …)")
    (hrow, header), body = records[0], records[1:]
    return [_rows_to_table(str(path), header, hrow, body)]


def _read_xlsx(path: Path) -> list[_Table]:
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise _err(str(path), None, None, f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    tables, skipped = [], []
    try:
        for sheet in book.worksheets:
            rows = [(i, list(r)) for i, r in enumerate(sheet.iter_rows(values_only=True), start=1)]
            rows = [(i, r) for i, r in rows if any(v is not None and str(v).strip() for v in r)]
            if not rows:
                continue
            (hrow, header), body = rows[0], rows[1:]
            if not any(canonical_column(str(h))[0] == "episode" for h in header if h is not None):
                skipped.append(sheet.title)
                continue
            tables.append(_rows_to_table(f"{path}[{sheet.title}]", header, hrow, body, letters=True,
                                         where=sheet.title))
    finally:
        book.close()
    if not tables:
        raise _err(str(path), 1, None, "no sheet has an episode column in its first row (expected one of: "
                   + ", ".join(ALIASES["episode"][:6]) + ")")
    return tables


def _json_records(text: str, path: str) -> list[tuple[int, str, object]]:
    """(line, group name, record) of every record: a list of objects, or an object whose values are lists."""
    dec = json.JSONDecoder()

    def line_at(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    def skip(pos: int) -> int:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        return pos

    def read_list(pos: int, group: str) -> tuple[list[tuple[int, str, object]], int]:
        out = []
        pos = skip(pos + 1)
        if pos < len(text) and text[pos] == "]":
            return out, pos + 1
        while True:
            pos = skip(pos)
            value, end = dec.raw_decode(text, pos)
            out.append((line_at(pos), group, value))
            pos = skip(end)
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            if pos < len(text) and text[pos] == "]":
                return out, pos + 1
            raise json.JSONDecodeError("expected ',' or ']'", text, pos)

    try:
        whole = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _err(path, exc.lineno, None, f"invalid JSON: {exc.msg}") from None
    pos = skip(0)
    if isinstance(whole, list):
        return read_list(pos, "")[0]
    if isinstance(whole, dict):
        out = []
        pos += 1
        while True:
            pos = skip(pos)
            if text[pos] == "}":
                break
            key, pos = dec.raw_decode(text, pos)
            pos = skip(pos)
            pos = skip(pos + 1)  # the colon
            if text[pos] == "[":
                found, pos = read_list(pos, str(key))
                out += found
            else:
                _value, pos = dec.raw_decode(text, pos)
            pos = skip(pos)
            if text[pos] == ",":
                pos += 1
        if not out:
            raise _err(path, 1, None, "expected a list of records, or an object whose values are lists of records")
        return out
    raise _err(path, 1, None, "expected a list of records (objects with episode, plays, …)")


def _read_json(path: Path) -> list[_Table]:
    text = read_text(path)
    records = _json_records(text, str(path))
    groups: dict[str, list[tuple[int, dict]]] = {}
    for line, group, rec in records:
        if not isinstance(rec, dict):
            raise _err(str(path), line, None, f"expected an object (a record), got {type(rec).__name__}")
        groups.setdefault(group, []).append((line, rec))
    tables = []
    for group, recs in groups.items():
        header: list[str] = []
        for _line, rec in recs:
            header += [k for k in rec if k not in header]
        if not any(canonical_column(h)[0] == "episode" for h in header):
            raise _err(str(path), recs[0][0], None, "no episode key in the records (expected one of: "
                       + ", ".join(ALIASES["episode"][:6]) + ")")
        body = [(line, [rec.get(h) for h in header]) for line, rec in recs]
        tables.append(_rows_to_table(str(path), header, recs[0][0], body))
    return tables


# ---- values ------------------------------------------------------------------------------------------------

def _number(cell: _Cell, path: str) -> tuple[float, bool] | None:
    """(value, written with %) or None for an empty cell."""
    raw = cell.raw
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise _err(path, cell.row, cell.column, f"expected a number, got {raw!r}")
    if isinstance(raw, (int, float)):
        value, pct = float(raw), False
    else:
        text = str(raw).strip().replace(",", "").replace("，", "").replace("％", "%")
        pct = text.endswith("%")
        text = text.rstrip("%").strip()
        mult = 1.0
        if text and text[-1] in "万w":
            text, mult = text[:-1], 1e4
        elif text and text[-1] in "亿":
            text, mult = text[:-1], 1e8
        try:
            value = float(text) * mult
        except ValueError:
            raise _err(path, cell.row, cell.column, f"expected a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise _err(path, cell.row, cell.column, f"expected a finite number, got {raw!r}")
    return value, pct


def _episode(cell: _Cell, path: str) -> int:
    raw = cell.raw
    text = str(raw).strip() if raw is not None else ""
    m = re.fullmatch(r"(?:ep|episode|第)?\s*0*(\d+)\s*(?:集)?(?:\.0+)?", text, re.I)
    if not m or int(m.group(1)) < 1:
        raise _err(path, cell.row, cell.column, f"expected an episode number (1, ep3, 第3集), got {raw!r}")
    return int(m.group(1))


def _table_values(table: _Table) -> list[tuple[int, dict[str, tuple[float, _Cell]]]]:
    """Rows with numbers parsed and rates turned into fractions (per the rules in the module docstring)."""
    percent_cols = {name for name, pct in table.columns.values() if pct}
    parsed: list[tuple[int, int, dict[str, tuple[float, bool, _Cell]]]] = []
    for number, cells in table.rows:
        ep = _episode(cells["episode"], table.path) if "episode" in cells else None
        values = {}
        for name, cell in cells.items():
            if name == "episode":
                continue
            got = _number(cell, table.path)
            if got is not None:
                values[name] = (got[0], got[1], cell)
        parsed.append((number, ep, values))
    # a rate column is in percent when its header says so or any of its plain numbers exceeds 1
    for name in RATE_FIELDS:
        if any(v[name][0] > 1.0 and not v[name][1] for _n, _e, v in parsed if name in v):
            percent_cols.add(name)
    out = []
    for number, ep, values in parsed:
        row: dict[str, tuple[float, _Cell]] = {}
        for name, (value, pct, cell) in values.items():
            if name in RATE_FIELDS:
                if pct or name in percent_cols:
                    value /= 100.0
                if not 0.0 <= value <= 1.0:
                    raise _err(table.path, cell.row, cell.column,
                               f"a rate must be 0-1 or 0-100%, got {cell.raw!r}")
            elif value < 0:
                raise _err(table.path, cell.row, cell.column, f"must not be negative, got {cell.raw!r}")
            row[name] = (value, cell)
        out.append((ep, row))
    return out


def _merge(metrics: SeasonMetrics, table: _Table) -> None:
    names = {name for name, _pct in table.columns.values()}
    curve = "second" in names
    if curve and "retention" not in names:
        raise _err(table.path, table.rows[0][0] if table.rows else 1, None,
                   "a 'second' column needs a 'retention' (留存率) column beside it")
    if "retention" in names and not curve:
        raise _err(table.path, table.rows[0][0] if table.rows else 1, None,
                   "a 'retention' column needs a 'second' (秒) column beside it (one row per episode per second)")
    if not curve and not names & set(EPISODE_FIELDS):
        raise _err(table.path, 1, None, "no known metric column (expected some of: plays/播放量, "
                   "completion_rate/完播率, next_episode_rate/追剧率, unlock_rate/解锁率, or second/秒 + "
                   "retention/留存率)")
    for ep, row in _table_values(table):
        if ep is None:
            continue
        numbers = metrics.get(ep)
        if curve:
            if "second" not in row or "retention" not in row:
                missing = "second" if "second" not in row else "retention"
                cell = row.get("retention", row.get("second"))
                where = cell[1].row if cell else None
                raise _err(table.path, where, missing, "empty: every curve row needs a second and a retention")
            sec_value, sec_cell = row["second"]
            if abs(sec_value - round(sec_value)) > 1e-6:
                raise _err(table.path, sec_cell.row, sec_cell.column,
                           f"expected whole seconds (0, 1, 2, …), got {sec_cell.raw!r}")
            second = int(round(sec_value))
            if second in numbers.curve:
                raise _err(table.path, sec_cell.row, sec_cell.column,
                           f"episode {ep} second {second} appears twice")
            numbers.curve[second] = row["retention"][0]
        for name in EPISODE_FIELDS:
            if name not in row:
                continue
            value, cell = row[name]
            old = getattr(numbers, name)
            if old is not None and abs(old - value) > 1e-9 * max(1.0, abs(old)):
                raise _err(table.path, cell.row, cell.column,
                           f"episode {ep} has {name} {old:g} in an earlier row or file and {value:g} here")
            setattr(numbers, name, value)


def _json_curves(tables: list[_Table]) -> list[_Table]:
    """JSON records may carry a whole curve: {"episode": 3, "retention": [1.0, 0.93, …]} → one row a second."""
    out = []
    for table in tables:
        lists = [label for label, (name, _p) in table.columns.items() if name == "retention"
                 and any(isinstance(cells.get("retention", _Cell(None, 0, "")).raw, list) for _n, cells in table.rows)]
        if not lists:
            out.append(table)
            continue
        label = lists[0]
        pct = table.columns[label][1]
        ep_label = next(lab for lab, (name, _p) in table.columns.items() if name == "episode")
        flat: list[tuple[int, dict[str, _Cell]]] = []
        for number, cells in table.rows:
            values = cells.get("retention")
            if values is None or not isinstance(values.raw, list):
                raise _err(table.path, number, label, "expected a list of per-second retention values")
            for second, v in enumerate(values.raw):
                flat.append((number, {"episode": cells["episode"], "second": _Cell(second, number, "second"),
                                      "retention": _Cell(v, number, f"{label}[{second}]")}))
        per_episode = _Table(table.path, {k: v for k, v in table.columns.items() if v[0] not in ("retention",)},
                             [(n, {k: c for k, c in cells.items() if k != "retention"}) for n, cells in table.rows])
        if set(n for n, _p in per_episode.columns.values()) & set(EPISODE_FIELDS):
            out.append(per_episode)
        out.append(_Table(table.path, {ep_label: ("episode", False), "second": ("second", False),
                                       label: ("retention", pct)}, flat))
    return out


def load_metrics(paths: list[str | Path]) -> SeasonMetrics:
    """Read every metrics file; raises InputError (file, row, column) on the first value that does not fit."""
    if not paths:
        raise InputError("no metrics file given (--metrics FILE …)")
    metrics = SeasonMetrics()
    for p in paths:
        path = Path(p)
        if not path.is_file():
            raise InputError("file not found" if not path.exists() else "not a file", path=path)
        suffix = path.suffix.lower()
        if suffix in (".csv", ".tsv", ".txt"):
            tables = _read_csv(path)
        elif suffix in (".xlsx", ".xlsm"):
            tables = _read_xlsx(path)
        elif suffix == ".json":
            tables = _json_curves(_read_json(path))
        else:
            raise InputError(f"unknown metrics format {suffix or '(none)'}: expected .csv, .xlsx or .json",
                             path=path)
        for table in tables:
            _merge(metrics, table)
        metrics.files.append(str(path))
    for number, ep in sorted(metrics.episodes.items()):
        if ep.curve and 0 not in ep.curve:
            metrics.notes.append(f"episode {number}: the retention curve has no second 0; it starts at "
                                 f"{min(ep.curve)} s")
    metrics.episodes = dict(sorted(metrics.episodes.items()))
    return metrics
