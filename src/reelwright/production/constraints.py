"""What a producer tells the scheduler, in ``schedule.yaml``: day capacity, calls and turnaround, actors'
availability, cost and child limits, locations, pinned scenes, and the weights of the objective.

Every key is optional; ``reelwright schedule DIR --constraints schedule.yaml`` reads it, and errors name
the file and line. Dates are ``YYYY-MM-DD``; times ``HH:MM``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import Field, ValidationError, field_validator

from reelwright.documents.base import Model, parse_yaml, read_text, validation_problems
from reelwright.errors import ConfigError

__all__ = ["ScheduleSettings", "ActorTerms", "LocationTerms", "Weights", "load_constraints", "shoot_dates"]


class Window(Model):
    available_from: dt.date | None = Field(None, description="first date they can work")
    available_until: dt.date | None = Field(None, description="last date they can work (a stop date)")
    unavailable: list[dt.date] = Field(default_factory=list, description="dates they cannot work")

    def allows(self, day: dt.date) -> bool:
        if self.available_from and day < self.available_from:
            return False
        if self.available_until and day > self.available_until:
            return False
        return day not in self.unavailable


class ActorTerms(Window):
    cost_per_day: float = Field(1.0, ge=0, description="what a paid day costs (work or hold); weighs hold days")
    child: bool = Field(False, description="a child actor: at most child_hours a day on set, no night scenes "
                        "unless nights: true")
    max_hours: float | None = Field(None, gt=0, description="hours a day on set (default: child_hours for a child)")
    nights: bool | None = Field(None, description="may work night scenes (default: yes, children no)")


class LocationTerms(Window):
    pass


class Weights(Model):
    company_moves: float = Field(100.0, ge=0, description="per company move (a change of location within a day)")
    actor_days: float = Field(10.0, ge=0, description="per paid actor day (times the actor's cost_per_day)")
    shoot_days: float = Field(0.0, ge=0, description="per shoot day used (finish early)")


class ScheduleSettings(Model):
    screen_minutes_per_day: float = Field(12.0, gt=0, description="screen minutes a day can shoot")
    hours_per_day: float = Field(12.0, gt=0, description="shooting hours in a day (moves included)")
    hours_per_screen_minute: float = Field(0.75, gt=0, description="shooting hours per minute of screen time")
    setup_hours: float = Field(0.2, ge=0, description="set-up hours per scene")
    move_hours: float = Field(1.0, ge=0, description="hours a company move costs")
    early_call: dt.time = Field(dt.time(7, 0), description="call time of a day with day scenes")
    night_call: dt.time = Field(dt.time(17, 0), description="call time of a day with only night scenes")
    turnaround_hours: float = Field(12.0, ge=0, description="rest between one day's wrap and the next call")
    makeup_hours: float = Field(1.0, ge=0, description="actors are called this long before their first scene")
    child_hours: float = Field(8.0, gt=0, description="hours a day on set for a child actor")
    weather_cover: bool = Field(True, description="a day with exterior scenes also holds an interior scene to "
                                "move to if the weather turns")
    shoot_weekdays: list[int] = Field(default_factory=lambda: list(range(7)),
                                      description="weekdays that are shoot days (0 = Monday)")
    days_off: list[dt.date] = Field(default_factory=list)
    actors: dict[str, ActorTerms] = Field(default_factory=dict)
    locations: dict[str, LocationTerms] = Field(default_factory=dict)
    pinned: dict[str, int] = Field(default_factory=dict, description="scene id → shoot day number (1-based)")
    drop_after_days: int = Field(0, ge=0, description="day-out-of-days: an actor off this many days or more "
                                 "between work days is dropped (D, unpaid) rather than held; 0 = always held")
    weights: Weights = Field(default_factory=Weights)
    time_limit: float = Field(60.0, gt=0, description="seconds the solver may search")
    workers: int = Field(2, ge=1, le=64, description="solver threads")

    @field_validator("shoot_weekdays")
    @classmethod
    def _weekdays(cls, v: list[int]) -> list[int]:
        if not v or any(d < 0 or d > 6 for d in v):
            raise ValueError("expected weekdays 0 (Monday) … 6 (Sunday)")
        return v

    def actor(self, name: str) -> ActorTerms:
        key = name.casefold()
        return next((t for n, t in self.actors.items() if n.casefold() == key), ActorTerms())

    def location(self, name: str) -> LocationTerms:
        key = name.casefold()
        return next((t for n, t in self.locations.items() if n.casefold() == key), LocationTerms())


def load_constraints(path: Path | None) -> ScheduleSettings:
    """``schedule.yaml`` as settings (defaults when ``path`` is None); errors name file and line."""
    if path is None:
        return ScheduleSettings()
    text = read_text(Path(path))
    data, node = parse_yaml(text, path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping at the top of the schedule constraints", path=path, line=1)
    try:
        return ScheduleSettings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(problems=validation_problems(exc, path, node)) from None


def shoot_dates(start: dt.date, days: int, settings: ScheduleSettings) -> list[dt.date]:
    """The dates of ``days`` shoot days from ``start``, skipping days off and non-shooting weekdays."""
    out, d = [], start
    while len(out) < days:
        if d.weekday() in settings.shoot_weekdays and d not in settings.days_off:
            out.append(d)
        d += dt.timedelta(days=1)
    return out
