"""The live-action production office: breakdowns, continuity, costume and prop plots, day-out-of-days and a
shooting schedule solved with OR-tools CP-SAT, with stripboard, call sheets and a calendar.

Modules, bottom up: ``vocabulary`` (words per language), ``continuity`` (story days, costumes, injuries),
``breakdown`` (scripts → ``breakdown.yaml``), ``reports`` (sheets, plots, lists, DOOD), ``constraints``
(``schedule.yaml``), ``schedule`` (the CP-SAT model), ``validator``, ``diagnosis`` (why no schedule),
``stripboard``, ``callsheet``, ``calendar``, ``synthetic`` (a season for benchmarks), ``office`` (the
two commands).
"""

from reelwright.production.office import SCHEDULE_YAML, ScheduleResult, breakdown_project, schedule_project

__all__ = ["breakdown_project", "schedule_project", "ScheduleResult", "SCHEDULE_YAML"]
