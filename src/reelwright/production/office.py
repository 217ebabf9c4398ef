"""The production office's two commands as Python calls: :func:`breakdown_project` (``reelwright breakdown``)
and :func:`schedule_project` (``reelwright schedule``). They return typed results; the CLI prints them."""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from reelwright.documents.base import atomic_write_text
from reelwright.documents.breakdown import Breakdown
from reelwright.errors import InfeasibleError, Problem, ProviderError
from reelwright.production.breakdown import BreakdownResult, load_breakdown, update_breakdown
from reelwright.production.calendar import write_calendar
from reelwright.production.callsheet import day_plans, write_call_sheets
from reelwright.production.constraints import load_constraints, shoot_dates
from reelwright.production.diagnosis import diagnose, precheck
from reelwright.production.reports import write_dood, write_reports
from reelwright.production.schedule import Schedule, greedy_baseline, make_plan, solve
from reelwright.production.stripboard import write_schedule_csv, write_stripboard
from reelwright.production.validator import Violation, metrics, paid_days, validate
from reelwright.project.folder import Project
from reelwright.providers.registry import get_provider
from reelwright.providers.text import TextProvider

__all__ = ["breakdown_project", "schedule_project", "ScheduleResult", "SCHEDULE_YAML"]

SCHEDULE_YAML = "schedule.yaml"


def breakdown_project(root: str | Path, *, provider: str | None = None, quiet: bool = True
                      ) -> tuple[BreakdownResult, list[Path]]:
    """Write ``breakdown.yaml`` (keeping the producer's edits) and the reports in ``build/breakdown/``."""
    project = Project.load(root)
    helper = None
    if provider:
        helper = get_provider(f"text:{provider}", project.settings.provider_options("text", provider),
                              root=project.root)
        if not isinstance(helper, TextProvider):
            raise ProviderError(f"text:{provider} is not a text provider")
    result = update_breakdown(project, provider=helper, quiet=quiet)
    files = write_reports(result.breakdown, project.build_dir / "breakdown")
    return result, files


@dataclass
class ScheduleResult:
    schedule: Schedule
    breakdown: Breakdown
    files: list[Path]
    metrics: dict[str, float]
    baseline: dict[str, float]
    violations: list[Violation] = field(default_factory=list)

    def summary(self) -> str:
        m, g = self.metrics, self.baseline
        s = self.schedule
        return (f"{len(s.plan.strips)} scenes on {m['shoot_days']} of {len(s.plan.dates)} days "
                f"({s.plan.dates[0]} – {s.plan.dates[-1]}), {s.status.lower()} after {s.seconds:.1f} s: "
                f"{m['company_moves']} company moves, {m['paid_actor_days']} paid actor days "
                f"({m['hold_days']} holds); scenes grouped by location in script order would take "
                f"{g['company_moves']} moves and {g['paid_actor_days']} paid actor days; "
                f"validator: {'no violations' if not self.violations else f'{len(self.violations)} violation(s)'}")


def schedule_project(root: str | Path, *, days: int, start: dt.date, constraints: str | Path | None = None,
                     time_limit: float | None = None, quiet: bool = True) -> ScheduleResult:
    """Schedule the project's breakdown (made first when there is none) and write ``build/schedule/``:
    schedule.csv, stripboard.html, callsheets/dayNN.html, schedule.ics, dood.csv, summary.json.

    Raises :class:`InfeasibleError` naming the actors, days and scenes when no schedule exists."""
    project = Project.load(root)
    breakdown = load_breakdown(project)
    if breakdown is None:
        breakdown = update_breakdown(project, quiet=quiet).breakdown
    path = Path(constraints) if constraints else project.root / SCHEDULE_YAML
    settings = load_constraints(path if constraints or path.exists() else None)
    if days < 1:
        raise InfeasibleError("--days must be at least 1")
    dates = shoot_dates(start, days, settings)
    plan = make_plan(breakdown, dates, settings)
    where = str(path) if path.exists() else None
    found = precheck(plan)
    if found:
        raise InfeasibleError(problems=[Problem(where, None, f"no schedule: {e}") for e in found])
    limit = time_limit or settings.time_limit
    if not quiet:
        print(f"schedule: {len(plan.strips)} scenes, {len(plan.actors)} cast, {len(dates)} days; solving (up to "
              f"{limit:.0f} s on {settings.workers} thread(s))…", file=sys.stderr, flush=True)
    schedule = solve(plan, time_limit=limit)
    if schedule is None:
        reasons = diagnose(plan, seconds=min(60.0, limit))
        raise InfeasibleError(problems=[Problem(where, None, f"no schedule: {e}") for e in reasons])
    violations = validate(plan, schedule.assignment)
    out = project.build_dir / "schedule"
    out.mkdir(parents=True, exist_ok=True)
    title = breakdown.title or project.settings.project.title
    files = [write_schedule_csv(schedule, breakdown, out / "schedule.csv"),
             write_stripboard(schedule, breakdown, out / "stripboard.html", title)]
    files += write_call_sheets(schedule, breakdown, out / "callsheets", title)
    files.append(write_calendar(day_plans(schedule, breakdown), out / "schedule.ics", title, len(dates)))
    work: dict[str, set[int]] = {}
    for sid, d in schedule.assignment.items():
        for a in next(st for st in plan.strips if st.id == sid).cast:
            work.setdefault(a, set()).add(d)
    files.append(write_dood(dict(sorted(work.items())), dates, out, settings.drop_after_days))
    measured = metrics(plan, schedule.assignment)
    baseline = metrics(plan, greedy_baseline(plan))
    summary = {"status": schedule.status, "seconds": round(schedule.seconds, 2), "metrics": measured,
               "baseline": baseline, "violations": [str(v) for v in violations],
               "paid_days": {a: {"worked": w, "paid": p} for a, (w, p) in paid_days(plan, schedule.assignment).items()}}
    atomic_write_text(out / "summary.json", json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    files.append(out / "summary.json")
    return ScheduleResult(schedule, breakdown, files, measured, baseline, violations)
