"""The shoot as an iCalendar file (``schedule.ics``): one event per shoot day from its general call to its
estimated wrap, with the locations and scenes, for any calendar app (written with ``icalendar``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from reelwright.documents.base import atomic_write_bytes
from reelwright.production.callsheet import DayPlan

__all__ = ["write_calendar"]


def write_calendar(plans: list[DayPlan], path: Path, title: str = "", total: int | None = None) -> Path:
    from icalendar import Calendar, Event  # noqa: PLC0415 - only when a calendar is written

    cal = Calendar()
    cal.add("prodid", "-//reelwright//production schedule//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{title} shoot".strip())
    stamp = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)  # fixed: the file changes only when the shoot does
    for p in plans:
        ev = Event()
        ev.add("uid", f"{p.date.isoformat()}-day{p.day + 1}@reelwright")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", p.call)
        ev.add("dtend", max(p.wrap, p.call + dt.timedelta(minutes=30)))
        ev.add("summary", f"{title + ' — ' if title else ''}shoot day {p.day + 1}"
               f"{f' of {total}' if total else ''}: {', '.join(p.locations)}")
        ev.add("location", " → ".join(p.locations))
        ev.add("description", "\n".join(f"{a:%H:%M} {sc.id} {sc.int_ext} {sc.set} {sc.time_of_day} — "
                                        f"{', '.join(c.name for c in sc.cast)}" for sc, a, _ in p.scenes))
        cal.add_component(ev)
    atomic_write_bytes(path, cal.to_ical())
    return path
