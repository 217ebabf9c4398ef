"""Platform metrics against the built episodes: drops named by shot and line, the funnel, the paywall, and
the edit's craft against retention with honest uncertainty (``reelwright insights``; docs/insights.md).

For a program (the studio, a notebook), :func:`run_insights` (writes to build/insights/ by default):

>>> result = run_insights("my-series", ["retention.csv", "episodes.xlsx"])  # doctest: +SKIP
>>> result.findings.paywall.recommended_after, result.files["html"]  # doctest: +SKIP

``analyse`` returns the :class:`Findings` without writing anything; ``write_report`` / ``write_charts`` draw
them (charts need only the findings, so the JSON is enough to draw them again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reelwright.insights.analysis import analyse, analyse_metrics
from reelwright.insights.findings import Findings
from reelwright.insights.metrics import ALIASES, load_metrics
from reelwright.insights.report import write_charts, write_report
from reelwright.insights.retention import DropRule
from reelwright.project.folder import Project

__all__ = ["run_insights", "InsightsResult", "analyse", "analyse_metrics", "load_metrics", "write_report",
           "write_charts", "Findings", "DropRule", "ALIASES", "default_out_dir"]


@dataclass
class InsightsResult:
    findings: Findings
    files: dict[str, Path] = field(default_factory=dict)


def default_out_dir(project: Project) -> Path:
    return project.build_dir / "insights"


def run_insights(project: Project | str | Path, metrics: list[str | Path], out_dir: str | Path | None = None,
                 *, charts: bool = True, rule: DropRule = DropRule(), quiet: bool = True) -> InsightsResult:
    """Analyse, then write report.html, findings.json and the PNG charts (nothing is written on bad input)."""
    loaded = load_metrics(list(metrics))
    if not isinstance(project, Project):
        project = Project.load(project)
    findings = analyse_metrics(project, loaded, rule)
    out = Path(out_dir) if out_dir is not None else default_out_dir(project)
    return InsightsResult(findings, write_report(findings, out, charts=charts, quiet=quiet))
