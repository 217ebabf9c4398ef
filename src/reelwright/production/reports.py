"""The producer's paperwork from the breakdown: breakdown sheets (CSV and PDF, in the industry's colours),
the costume plot, the props list, the location list, and the day-out-of-days of a schedule.

Colours (the stripboard's too): INT day white, EXT day yellow, INT night blue, EXT night green, dawn and
dusk pink. PDFs are drawn with fpdf2 in Noto Sans CJK (embedded subsets), so Chinese prints everywhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from pathlib import Path

from reelwright.documents.base import atomic_write_bytes, atomic_write_text
from reelwright.documents.breakdown import Breakdown, SceneBreakdown
from reelwright.media.text import FONT_INDEX_SC, font_path
from reelwright.production.continuity import story_order

__all__ = ["strip_colour", "write_breakdown_sheets", "write_costume_plot", "write_props_list",
           "write_location_list", "dood_rows", "write_dood", "write_reports", "SheetPDF", "length_label",
           "COLOUR_KEY", "costume_plot"]

COLOUR_KEY = {("INT", "DAY"): ("white", "#ffffff"), ("EXT", "DAY"): ("yellow", "#fff176"),
              ("INT", "NIGHT"): ("blue", "#90caf9"), ("EXT", "NIGHT"): ("green", "#a5d6a7"),
              ("INT", "DAWN/DUSK"): ("pink", "#f8bbd0"), ("EXT", "DAWN/DUSK"): ("pink", "#f8bbd0")}


def strip_colour(int_ext: str, time_of_day: str, night: bool) -> tuple[str, str]:
    """``(name, #rrggbb)`` of a scene's strip: INT day white, EXT day yellow, INT night blue, EXT night green,
    dawn and dusk pink (INT/EXT counts as EXT)."""
    t = time_of_day.upper()
    when = "NIGHT" if night else "DAWN/DUSK" if any(w in t for w in ("DAWN", "DUSK", "SUNSET", "SUNRISE")) \
        else "DAY"
    return COLOUR_KEY[("INT" if int_ext == "INT" else "EXT", when)]


def length_label(sc: SceneBreakdown, fps: int) -> str:
    """'1 3/8 pp, 42 s' (pages in eighths when known)."""
    secs = f"{sc.frames / fps:.0f} s"
    if sc.eighths is None:
        return secs
    whole, rest = divmod(sc.eighths, 8)
    pages = " ".join(p for p in (str(whole) if whole else "", f"{rest}/8" if rest else "") if p)
    return f"{pages} pp, {secs}"


def _csv(rows: list[list], header: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _cast_cell(sc: SceneBreakdown) -> str:
    out = []
    for c in sc.cast:
        bits = [c.costume] + [f"injury: {i}" for i in c.injuries]
        out.append(f"{c.name}{'' if c.speaking else ' (silent)'} [{'; '.join(b for b in bits if b)}]")
    return "; ".join(out)


SHEET_COLUMNS = ["scene", "episode", "number", "heading", "set", "location", "int_ext", "time_of_day", "story_day",
                 "flashback", "colour", "seconds", "eighths", "cast", "extras", "props", "set_dressing", "vehicles",
                 "animals", "makeup", "sfx", "stunts", "synopsis", "notes", "source"]


# ---- PDF ------------------------------------------------------------------------------------------

class SheetPDF:
    """An A4 PDF in Noto Sans CJK (embedded as a subset, so Chinese and Latin text print the same in every
    viewer), drawn with fpdf2."""

    def __init__(self, title: str, landscape: bool = False) -> None:
        from fpdf import FPDF  # noqa: PLC0415 - only when a PDF is written

        self.pdf = FPDF(orientation="L" if landscape else "P", unit="pt", format="A4")
        self.pdf.set_title(title)
        self.pdf.set_creator("reelwright")
        self.pdf.set_creation_date(dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc))  # same input, same file
        self.pdf.set_auto_page_break(False)
        # the variable font's default instance (instancing it per weight costs minutes and gigabytes);
        # bold is drawn as filled and stroked text
        self.pdf.add_font("noto", "", str(font_path()), collection_font_number=FONT_INDEX_SC)

    def font(self, size: float, bold: bool = False) -> None:
        from fpdf.enums import TextMode  # noqa: PLC0415 - only when a PDF is written

        self.pdf.set_font("noto", "", size)
        self.pdf.text_mode = TextMode.FILL_STROKE if bold else TextMode.FILL
        self.pdf.set_line_width(size * 0.05 if bold else 0.2)

    def text(self, x: float, y: float, text: str, size: float = 9, bold: bool = False, right: bool = False) -> None:
        """Text with its baseline at ``y`` (from the top), starting (or with ``right``, ending) at ``x``."""
        self.font(size, bold)
        if right:
            x -= self.pdf.get_string_width(text)
        self.pdf.text(x, y, text)

    def box(self, x: float, y: float, w: float, h: float, fill: str) -> None:
        self.pdf.set_line_width(0.6)
        self.pdf.set_fill_color(*(int(fill[i:i + 2], 16) for i in (1, 3, 5)))
        self.pdf.set_draw_color(51, 51, 51)
        self.pdf.rect(x, y, w, h, style="DF")

    def wrap(self, text: str, size: float, width: float, bold: bool = False) -> list[str]:
        """Lines of ``text`` no wider than ``width`` (CJK text breaks between any two characters)."""
        self.font(size, bold)
        lines = []
        for para in text.split("\n"):
            latin = all(ord(ch) < 0x2E80 for ch in para)
            words, sep = (para.split(" "), " ") if latin else (list(para), "")
            line = ""
            for w in words:
                trial = f"{line}{sep}{w}" if line else w
                if self.pdf.get_string_width(trial) <= width or not line:
                    line = trial
                else:
                    lines.append(line)
                    line = w
            lines.append(line)
        return lines

    def bytes(self) -> bytes:
        return bytes(self.pdf.output())


def _sheet_page(doc: SheetPDF, b: Breakdown, sc: SceneBreakdown, number: int, total: int) -> None:
    doc.pdf.add_page()
    W, H = doc.pdf.w, doc.pdf.h
    m = 36
    name, colour = strip_colour(sc.int_ext, sc.time_of_day, sc.night)
    doc.box(m, m, W - 2 * m, 64, colour)
    doc.text(m + 10, m + 20, f"BREAKDOWN SHEET  {sc.id}" + (f"  (scene {sc.number})" if sc.number else ""), 14, True)
    doc.text(m + 10, m + 39, f"{sc.int_ext}  {sc.set}  —  {sc.time_of_day}", 13, True)
    doc.text(m + 10, m + 56, f"episode {sc.episode} · story day {sc.story_day}{' (flashback)' if sc.flashback else ''}"
             f" · {length_label(sc, b.fps)} · location: {sc.location} · {name} strip"[:160], 9)
    doc.text(W - m - 8, m + 12, f"{b.title} · sheet {number} of {total}", 8, right=True)
    y = m + 84
    for line in doc.wrap(sc.synopsis or "", 10, W - 2 * m)[:3]:
        doc.text(m, y, line, 10)
        y += 13
    boxes = [("CAST (costume, injuries)", [f"{c.name}{'' if c.speaking else ' (silent)'} — {c.costume}"
                                          + (f" — {', '.join(c.injuries)}" if c.injuries else "")
                                          + (" — CHANGE" if c.change else "") for c in sc.cast]),
             ("EXTRAS", [f"{e.count} × {e.description}" for e in sc.extras]),
             ("PROPS", [f"{p.name}{' (hero)' if p.hero else ''}" for p in sc.props]),
             ("SET DRESSING", sc.set_dressing), ("VEHICLES", sc.vehicles), ("ANIMALS", sc.animals),
             ("MAKEUP / HAIR", sc.makeup), ("SPECIAL EFFECTS", sc.sfx), ("STUNTS", sc.stunts),
             ("NOTES", [n for n in (sc.notes, sc.source) if n])]
    col_w = (W - 2 * m - 12) / 2
    cols = [y + 2, y + 2]
    for title, items in boxes:
        k = 0 if cols[0] <= cols[1] else 1
        x, top = m + k * (col_w + 12), cols[k]
        lines = [ln for it in (items or ["—"]) for ln in doc.wrap(it, 9, col_w - 12)]
        h = 18 + 11 * len(lines) + 4
        if top + h > H - m:
            break
        doc.box(x, top, col_w, h, "#f3f3f3")
        doc.text(x + 6, top + 13, title, 9, True)
        for i, ln in enumerate(lines):
            doc.text(x + 6, top + 26 + 11 * i, ln, 9)
        cols[k] = top + h + 10


def write_breakdown_sheets(b: Breakdown, folder: Path) -> list[Path]:
    """``breakdown.csv`` (a row a scene) and ``breakdown.pdf`` (a sheet a scene, headed in its strip colour)."""
    rows = []
    for sc in b.scenes:
        rows.append([sc.id, sc.episode, sc.number or "", sc.heading, sc.set, sc.location, sc.int_ext, sc.time_of_day,
                     sc.story_day, "yes" if sc.flashback else "", strip_colour(sc.int_ext, sc.time_of_day, sc.night)[0],
                     round(sc.frames / b.fps, 1), sc.eighths or "", _cast_cell(sc),
                     "; ".join(f"{e.count} {e.description}" for e in sc.extras),
                     "; ".join(p.name + (" (hero)" if p.hero else "") for p in sc.props),
                     "; ".join(sc.set_dressing), "; ".join(sc.vehicles), "; ".join(sc.animals), "; ".join(sc.makeup),
                     "; ".join(sc.sfx), "; ".join(sc.stunts), sc.synopsis, sc.notes, sc.source])
    csv_path, pdf_path = folder / "breakdown.csv", folder / "breakdown.pdf"
    atomic_write_text(csv_path, _csv(rows, SHEET_COLUMNS))
    doc = SheetPDF(f"{b.title} — breakdown sheets")
    for i, sc in enumerate(b.scenes, start=1):
        _sheet_page(doc, b, sc, i, len(b.scenes))
    if not b.scenes:
        doc.pdf.add_page()
    atomic_write_bytes(pdf_path, doc.bytes())
    return [csv_path, pdf_path]


# ---- plots and lists ------------------------------------------------------------------------------

def costume_plot(b: Breakdown) -> list[dict]:
    """Character × costume: scenes, episodes, story days, and how many sets to make (one, plus one when a
    stunt is done in it, plus one for each state of damage it is shown in)."""
    plot: dict[tuple[str, str], dict] = {}
    for sc in story_order(b.scenes):
        for c in sc.cast:
            row = plot.setdefault((c.name, c.costume), {"character": c.name, "costume": c.costume, "wears": c.wears,
                                                        "colour": c.colour or "", "scenes": [], "episodes": [],
                                                        "story_days": [], "stunts": False, "damage": set()})
            row["scenes"].append(sc.id)
            if sc.episode not in row["episodes"]:
                row["episodes"].append(sc.episode)
            if sc.story_day not in row["story_days"]:
                row["story_days"].append(sc.story_day)
            row["stunts"] = row["stunts"] or bool(sc.stunts)
            if c.injuries:
                row["damage"].add(tuple(sorted(c.injuries)))
    out = []
    for row in plot.values():
        row["sets"] = 1 + (1 if row["stunts"] else 0) + len(row["damage"])
        out.append(row)
    return sorted(out, key=lambda r: (r["character"], r["story_days"][0], r["costume"]))


def write_costume_plot(b: Breakdown, folder: Path) -> Path:
    rows = [[r["character"], r["costume"], r["colour"], len(r["scenes"]), " ".join(r["scenes"]),
             " ".join(map(str, sorted(r["episodes"]))), " ".join(map(str, r["story_days"])), r["sets"]]
            for r in costume_plot(b)]
    path = folder / "costume_plot.csv"
    atomic_write_text(path, _csv(rows, ["character", "costume", "colour", "scene_count", "scenes", "episodes",
                                        "story_days", "sets_to_make"]))
    return path


def write_props_list(b: Breakdown, folder: Path) -> Path:
    uses: dict[str, list[SceneBreakdown]] = defaultdict(list)
    hero: dict[str, bool] = defaultdict(bool)
    for sc in b.scenes:
        for p in sc.props:
            uses[p.name].append(sc)
            hero[p.name] |= p.hero
    rows = [[name, "hero" if hero[name] else "background", scs[0].id, scs[-1].id, len(scs),
             " ".join(s.id for s in scs), " ".join(sorted({str(s.episode) for s in scs}, key=int))]
            for name, scs in sorted(uses.items(), key=lambda kv: (kv[1][0].episode, kv[1][0].scene, kv[0]))]
    path = folder / "props.csv"
    atomic_write_text(path, _csv(rows, ["prop", "kind", "first_use", "last_use", "scene_count", "scenes", "episodes"]))
    return path


def write_location_list(b: Breakdown, folder: Path) -> Path:
    locs: dict[str, list[SceneBreakdown]] = defaultdict(list)
    for sc in b.scenes:
        locs[sc.location].append(sc)
    rows = []
    for loc, scs in sorted(locs.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        rows.append([loc, "; ".join(dict.fromkeys(s.set for s in scs)), "/".join(sorted({s.int_ext for s in scs})),
                     sum(1 for s in scs if not s.night), sum(1 for s in scs if s.night), len(scs),
                     round(sum(s.frames for s in scs) / b.fps, 1), " ".join(s.id for s in scs)])
    path = folder / "locations.csv"
    atomic_write_text(path, _csv(rows, ["location", "sets", "int_ext", "day_scenes", "night_scenes", "scene_count",
                                        "screen_seconds", "scenes"]))
    return path


def write_reports(b: Breakdown, folder: Path) -> list[Path]:
    """Everything the breakdown alone gives: sheets (CSV, PDF), costume plot, props and locations."""
    folder.mkdir(parents=True, exist_ok=True)
    return [*write_breakdown_sheets(b, folder), write_costume_plot(b, folder), write_props_list(b, folder),
            write_location_list(b, folder)]


# ---- day out of days ------------------------------------------------------------------------------

def dood_rows(cast_days: dict[str, set[int]], days: int, drop_after: int = 0) -> dict[str, list[str]]:
    """The day-out-of-days codes of each actor over ``days`` shoot days: SW start work, W work, WF work finish,
    SWF start-work-finish (one day only), H hold (paid, not working), D dropped (a gap of ``drop_after``
    days or more, unpaid; 0 = never dropped), '' before the start and after the finish."""
    out = {}
    for actor, worked in cast_days.items():
        row = [""] * days
        if not worked:
            out[actor] = row
            continue
        first, last = min(worked), max(worked)
        for d in range(first, last + 1):
            row[d] = "W" if d in worked else "H"
        if drop_after:
            d = first
            while d <= last:
                if row[d] == "H":
                    e = d
                    while row[e] == "H":
                        e += 1
                    if e - d >= drop_after:
                        for k in range(d, e):
                            row[k] = "D"
                    d = e
                else:
                    d += 1
        row[first] = "SWF" if first == last else "SW"
        if last != first:
            row[last] = "WF"
        out[actor] = row
    return out


def write_dood(cast_days: dict[str, set[int]], dates: list, folder: Path, drop_after: int = 0) -> Path:
    rows = []
    codes = dood_rows(cast_days, len(dates), drop_after)
    for actor, row in codes.items():
        work = sum(1 for r in row if r in ("SW", "W", "WF", "SWF"))
        hold = row.count("H")
        drop = row.count("D")
        rows.append([actor, *row, work, hold, drop, work + hold])
    header = ["cast", *[f"day {i + 1} {d:%m-%d}" for i, d in enumerate(dates)], "work", "hold", "drop", "paid"]
    totals = ["TOTAL", *[sum(1 for r in codes.values() if r[i] in ("SW", "W", "WF", "SWF")) for i in range(len(dates))],
              sum(r[-4] for r in rows), sum(r[-3] for r in rows), sum(r[-2] for r in rows), sum(r[-1] for r in rows)]
    path = folder / "dood.csv"
    atomic_write_text(path, _csv([*rows, totals], header))
    return path
