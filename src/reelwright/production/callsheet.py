"""Call sheets: for every shoot day, the scenes in order with their times, the locations, each actor's
call (makeup time before their first scene), the costumes and props the day needs, the weather cover and
the next day's schedule. One HTML page per day (``build/schedule/callsheets/day01.html``)."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from pathlib import Path

from reelwright.documents.base import atomic_write_text
from reelwright.documents.breakdown import Breakdown, SceneBreakdown
from reelwright.production.schedule import Schedule

__all__ = ["DayPlan", "day_plans", "write_call_sheets"]


@dataclass
class DayPlan:
    day: int  # 0-based index in the shoot
    date: dt.date
    call: dt.datetime  # general crew call
    scenes: list[tuple[SceneBreakdown, dt.datetime, dt.datetime]]  # scene, start, end
    calls: dict[str, dt.datetime]  # actor → call time
    wrap: dt.datetime

    @property
    def locations(self) -> list[str]:
        return list(dict.fromkeys(sc.location for sc, _, _ in self.scenes))


def day_plans(schedule: Schedule, b: Breakdown) -> list[DayPlan]:
    """Times for each shoot day: general call (early, or the night call on a night-only day), each scene
    after the one before (a company move between locations), actors called makeup_hours before their
    first scene (never before the general call)."""
    s = schedule.plan.settings
    scenes = {sc.id: sc for sc in b.scenes}
    strips = {st.id: st for st in schedule.plan.strips}
    out = []
    for d, ids in sorted(schedule.days.items()):
        date = schedule.plan.dates[d]
        night_only = all(scenes[i].night for i in ids)
        call = dt.datetime.combine(date, s.night_call if night_only else s.early_call)
        t = call + dt.timedelta(hours=s.makeup_hours)
        rows, calls, loc = [], {}, None
        for sid in ids:
            sc = scenes[sid]
            if loc is not None and sc.location != loc:
                t += dt.timedelta(hours=s.move_hours)
            loc = sc.location
            end = t + dt.timedelta(minutes=strips[sid].minutes)
            rows.append((sc, t, end))
            for c in sc.cast:
                calls.setdefault(c.name, max(call, t - dt.timedelta(hours=s.makeup_hours)))
            t = end
        out.append(DayPlan(d, date, call, rows, calls, t))
    return out


_CSS = """body{font-family:Helvetica,Arial,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:24px;font-size:13px;
max-width:900px}table{border-collapse:collapse;width:100%;margin-bottom:14px}td,th{border:1px solid #555;
padding:3px 6px;text-align:left;vertical-align:top}th{background:#eee}h1{margin-bottom:0}.big{font-size:20px}"""


def _page(p: DayPlan, nxt: DayPlan | None, total: int, title: str, cover: list[SceneBreakdown], fps: int) -> str:
    esc = html.escape
    rows = "".join(f"<tr><td>{a:%H:%M}–{e:%H:%M}</td><td>{esc(sc.id)}</td><td>{esc(sc.int_ext)} {esc(sc.set)}</td>"
                   f"<td>{esc(sc.time_of_day)}</td><td>{esc(sc.synopsis)}</td>"
                   f"<td>{esc(', '.join(c.name for c in sc.cast))}</td><td>{sc.frames / fps:.0f} s</td></tr>"
                   for sc, a, e in p.scenes)
    first_scene = {}
    wear: dict[str, list[str]] = {}
    makeup: dict[str, list[str]] = {}
    for sc, _, _ in p.scenes:
        for c in sc.cast:
            first_scene.setdefault(c.name, sc.id)
            if c.costume not in wear.setdefault(c.name, []):
                wear[c.name].append(c.costume)
            for i in c.injuries:
                if i not in makeup.setdefault(c.name, []):
                    makeup[c.name].append(i)
    cast = "".join(f"<tr><td>{esc(n)}</td><td>{t:%H:%M}</td><td>{esc(first_scene[n])}</td>"
                   f"<td>{esc(' → '.join(wear[n]))}</td><td>{esc(', '.join(makeup.get(n, [])))}</td></tr>"
                   for n, t in sorted(p.calls.items(), key=lambda kv: (kv[1], kv[0])))
    props = list(dict.fromkeys(f"{pr.name}{' (hero)' if pr.hero else ''}" for sc, _, _ in p.scenes for pr in sc.props))
    extras = [f"{e.count} × {e.description} ({sc.id})" for sc, _, _ in p.scenes for e in sc.extras]
    dept = [("Props", props), ("Extras", extras),
            ("Set dressing", list(dict.fromkeys(x for sc, _, _ in p.scenes for x in sc.set_dressing))),
            ("Vehicles", list(dict.fromkeys(x for sc, _, _ in p.scenes for x in sc.vehicles))),
            ("Animals", list(dict.fromkeys(x for sc, _, _ in p.scenes for x in sc.animals))),
            ("Special effects", list(dict.fromkeys(x for sc, _, _ in p.scenes for x in sc.sfx))),
            ("Stunts", list(dict.fromkeys(x for sc, _, _ in p.scenes for x in sc.stunts)))]
    depts = "".join(f"<tr><th>{k}</th><td>{esc(', '.join(v) or '—')}</td></tr>" for k, v in dept)
    cover_text = ", ".join(f"{sc.id} ({sc.set})" for sc in cover) or "—"
    ahead = ""
    if nxt is not None:
        ahead = (f"<h2>Next: day {nxt.day + 1}, {nxt.date:%a %Y-%m-%d}, call {nxt.call:%H:%M}</h2><p>"
                 + esc(", ".join(f"{sc.id} {sc.int_ext} {sc.set} {sc.time_of_day}" for sc, _, _ in nxt.scenes))
                 + "</p>")
    return (f"<!doctype html><html><head><meta charset=utf-8><title>Call sheet day {p.day + 1}</title>"
            f"<style>{_CSS}</style></head><body><h1>{esc(title)} — call sheet</h1>"
            f"<p class=big>Day {p.day + 1} of {total} · {p.date:%A %Y-%m-%d} · general call {p.call:%H:%M} · "
            f"estimated wrap {p.wrap:%H:%M}</p><p>Locations, in order: {esc(' → '.join(p.locations))}</p>"
            f"<p>Weather cover (interior): {esc(cover_text)}</p>"
            f"<h2>Scenes</h2><table><tr><th>time</th><th>scene</th><th>set</th><th>D/N</th><th>synopsis</th>"
            f"<th>cast</th><th>screen</th></tr>{rows}</table>"
            f"<h2>Cast</h2><table><tr><th>cast</th><th>call</th><th>first scene</th><th>costume</th>"
            f"<th>makeup / injuries</th></tr>{cast}</table><h2>Departments</h2><table>{depts}</table>{ahead}"
            "</body></html>\n")


def write_call_sheets(schedule: Schedule, b: Breakdown, folder: Path, title: str = "") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("day*.html"):
        old.unlink()
    plans = day_plans(schedule, b)
    out = []
    for i, p in enumerate(plans):
        ext = any(sc.int_ext != "INT" for sc, _, _ in p.scenes)
        cover = [sc for sc, _, _ in p.scenes if sc.int_ext == "INT"] if ext else []
        path = folder / f"day{p.day + 1:02d}.html"
        atomic_write_text(path, _page(p, plans[i + 1] if i + 1 < len(plans) else None, len(schedule.plan.dates),
                                      title, cover, b.fps))
        out.append(path)
    return out
