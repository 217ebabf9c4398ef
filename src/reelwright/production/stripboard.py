"""The stripboard: one coloured strip per scene in shooting order, a black day break after each day
(HTML, printable, and CSV: ``schedule.csv``)."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

from reelwright.documents.base import atomic_write_text
from reelwright.documents.breakdown import Breakdown
from reelwright.production.reports import COLOUR_KEY, strip_colour
from reelwright.production.schedule import Schedule

__all__ = ["write_schedule_csv", "write_stripboard", "SCHEDULE_COLUMNS", "cast_numbers"]

SCHEDULE_COLUMNS = ["day", "date", "episode", "scene", "location", "int_ext", "time_of_day", "cast", "seconds"]


def cast_numbers(b: Breakdown) -> dict[str, int]:
    """Cast ids as on a stripboard: 1 for the character in the most scenes, and so on."""
    count: dict[str, int] = {}
    for sc in b.scenes:
        for c in sc.cast:
            count[c.name] = count.get(c.name, 0) + 1
    return {name: i + 1 for i, name in enumerate(sorted(count, key=lambda n: (-count[n], n)))}


def write_schedule_csv(schedule: Schedule, b: Breakdown, path: Path) -> Path:
    """``day,date,episode,scene,location,int_ext,time_of_day,cast,seconds``: a row a scene in shooting order;
    ``scene`` is the scene id, ``cast`` separated by ``;``, ``seconds`` the scene's length."""
    scenes = {s.id: s for s in b.scenes}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(SCHEDULE_COLUMNS)
    for d, ids in sorted(schedule.days.items()):
        for sid in ids:
            sc = scenes[sid]
            w.writerow([d + 1, schedule.plan.dates[d].isoformat(), sc.episode, sc.id, sc.location, sc.int_ext,
                        sc.time_of_day, ";".join(c.name for c in sc.cast), round(sc.frames / b.fps, 1)])
    atomic_write_text(path, buf.getvalue())
    return path


_CSS = """body{font-family:Helvetica,Arial,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:16px;font-size:12px}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #444;padding:3px 6px;vertical-align:top}
th{background:#222;color:#fff;text-align:left}tr.break td{background:#111;color:#fff;font-weight:bold}
.key span{display:inline-block;padding:2px 8px;border:1px solid #444;margin-right:6px}
@media print{tr{page-break-inside:avoid}}"""


def write_stripboard(schedule: Schedule, b: Breakdown, path: Path, title: str = "") -> Path:
    scenes = {s.id: s for s in b.scenes}
    ids = cast_numbers(b)
    esc = html.escape
    rows = []
    for d, day_ids in sorted(schedule.days.items()):
        for sid in day_ids:
            sc = scenes[sid]
            _, colour = strip_colour(sc.int_ext, sc.time_of_day, sc.night)
            cast = " ".join(str(ids[c.name]) for c in sc.cast)
            rows.append(f'<tr style="background:{colour}"><td>{esc(sc.id)}</td><td>{esc(sc.number or "")}</td>'
                        f'<td>{esc(sc.int_ext)}</td><td>{esc(sc.time_of_day)}</td><td>{esc(sc.set)}<br>'
                        f'<small>{esc(sc.location)}</small></td><td>{esc(sc.synopsis)}</td><td>{esc(cast)}</td>'
                        f'<td>D{sc.story_day}</td><td>{sc.frames / b.fps:.0f} s</td></tr>')
        secs = sum(scenes[s].frames for s in day_ids) / b.fps
        locs = list(dict.fromkeys(scenes[s].location for s in day_ids))
        rows.append(f'<tr class="break"><td colspan="9">END OF DAY {d + 1} — {schedule.plan.dates[d]:%a %Y-%m-%d} — '
                    f'{len(day_ids)} scenes, {secs / 60:.1f} screen minutes, {len(locs)} location(s): '
                    f'{esc(", ".join(locs))}</td></tr>')
    key = "".join(f'<span style="background:{c}">{i} {t.lower()} — {n}</span>'
                  for (i, t), (n, c) in COLOUR_KEY.items() if t != "DAWN/DUSK" or i == "INT")
    legend = " · ".join(f"{n} {esc(name)}" for name, n in sorted(ids.items(), key=lambda kv: kv[1]))
    page = (f"<!doctype html><html><head><meta charset=utf-8><title>{esc(title)} stripboard</title>"
            f"<style>{_CSS}</style></head><body><h1>{esc(title)} — stripboard</h1><p class=key>{key}</p>"
            f"<p>Cast: {legend}</p><table><tr><th>scene</th><th>no.</th><th>I/E</th><th>time</th><th>set / location"
            f"</th><th>synopsis</th><th>cast</th><th>story day</th><th>length</th></tr>{''.join(rows)}</table>"
            "</body></html>\n")
    atomic_write_text(path, page)
    return path
