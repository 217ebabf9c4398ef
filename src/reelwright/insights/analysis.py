"""The whole analysis: metrics + the built timelines + the season plan → :class:`Findings`.

Reads only what the build left in ``build/`` (epNNN.timeline.json) and ``season.yaml``; it never starts a
build. An episode in the metrics that is not built is analysed from its numbers alone and says so.
"""

from __future__ import annotations

from pathlib import Path

from reelwright.documents.base import load_document
from reelwright.documents.season import Season
from reelwright.documents.timeline import Timeline
from reelwright.insights.craft import MIN_EPISODES, craft_of, relate
from reelwright.insights.findings import EpisodeFindings, Findings, Method
from reelwright.insights.funnel import PAYWALL_MODEL, funnel_of, paywall_of
from reelwright.insights.metrics import SeasonMetrics, load_metrics
from reelwright.insights.retention import DropRule, context_of, find_drops, retention_at
from reelwright.insights.suggestions import suggest
from reelwright.project.folder import Project, episode_outputs

__all__ = ["analyse", "analyse_metrics", "CRAFT_METHOD"]

# the season plan `reelwright write` keeps; named here so insights does not depend on the writing package
SEASON = "season.yaml"

CRAFT_METHOD = (f"Spearman rho with a 95% Fisher-z interval (SE sqrt(1.06/(n-3))) and a Theil-Sen slope with its "
                f"95% interval per craft measure x outcome; an effect when the Holm-adjusted p < 0.05 over all "
                f"pairs of the season; 'too few episodes' below {MIN_EPISODES} episodes")


def _season(project: Project) -> Season | None:
    path = project.root / SEASON
    return load_document(path, Season) if path.is_file() else None


def _episode(project: Project, number: int, metrics: SeasonMetrics, season: Season | None, rule: DropRule
             ) -> tuple[EpisodeFindings, dict]:
    numbers = metrics.episodes[number]
    curve = numbers.retention()
    t = project.settings.targets
    timeline_path = episode_outputs(project, number)["timeline"]
    notes: list[str] = []
    context = None
    craft: dict[str, float] = {}
    shots, turns, duration = [], [], None
    if timeline_path.is_file():
        timeline = load_document(timeline_path, Timeline)
        craft, turns = craft_of(project, timeline)
        duration = round(timeline.frames / timeline.fps, 2)
        context = context_of(timeline, turns, season.episode(number) if season else None, t.hook_seconds,
                             t.cliffhanger_seconds)
        shots = context.shots
        if curve and abs(len(curve) - 1 - duration) > 2.0:
            notes.append(f"the retention curve covers {len(curve) - 1} s but the built episode is {duration:g} s: "
                         "was it rebuilt or cut differently after release?")
    else:
        notes.append(f"episode {number} is not built (no {timeline_path.relative_to(project.root)}): drops are "
                     f"given by second only; run 'reelwright build {project.root} --episodes {number}' to name "
                     "them by shot")
    drops, base = find_drops(curve, rule, numbers.plays, context) if curve else ([], [])
    if curve and numbers.plays is not None and numbers.plays < rule.min_viewers:
        notes.append(f"{numbers.plays:,.0f} plays: under {rule.min_viewers:,.0f} viewers a curve is too noisy to "
                     "name drops")
    if curve and numbers.plays is None:
        notes.append("no plays for this episode: the viewer count behind the curve is estimated from its scatter")
    if not curve:
        notes.append("no retention curve in the metrics for this episode")
    found = EpisodeFindings(
        episode=number, built=context is not None, duration=duration, plays=numbers.plays,
        completion_rate=numbers.completion_rate, next_episode_rate=numbers.next_episode_rate,
        unlock_rate=numbers.unlock_rate, retention_3s=retention_at(curve, 3), retention_30s=retention_at(curve, 30),
        first_line=craft.get("first_line"), hook=craft.get("hook"), craft=craft, drops=drops,
        curve=[round(float(v), 5) for v in curve], trend=[round(float(v), 5) for v in base], turns=turns,
        shots=shots, notes=notes)
    row = {**craft, "retention_3s": found.retention_3s, "retention_30s": found.retention_30s,
           "completion_rate": numbers.completion_rate, "next_episode_rate": numbers.next_episode_rate}
    return found, row


def analyse_metrics(project: Project, metrics: SeasonMetrics, rule: DropRule = DropRule()) -> Findings:
    season = _season(project)
    episodes, rows = [], []
    for number in metrics.episodes:
        found, row = _episode(project, number, metrics, season, rule)
        episodes.append(found)
        if found.built:
            rows.append(row)
    notes = list(metrics.notes)
    not_built = [e.episode for e in episodes if not e.built]
    if not_built:
        notes.append(f"{len(not_built)} of {len(episodes)} episode(s) in the metrics are not built: "
                     + ", ".join(str(n) for n in not_built[:12]) + ("…" if len(not_built) > 12 else ""))
    craft = relate(rows)
    if len(rows) < MIN_EPISODES:
        notes.append(f"craft against retention: {len(rows)} built episode(s) with numbers; at least "
                     f"{MIN_EPISODES} are needed to say anything (too few episodes to say)")
    planned = season.paywall_after if season is not None else None
    paywall = paywall_of(metrics, planned)
    funnel = funnel_of(metrics)
    findings = Findings(project=str(project.root), metrics=metrics.files, episodes=episodes, funnel=funnel,
                        paywall=paywall, craft=craft,
                        method=Method(drops=rule.describe(), craft=CRAFT_METHOD, paywall=PAYWALL_MODEL,
                                      min_episodes=MIN_EPISODES, false_positive_rate=rule.false_positive_rate),
                        notes=notes)
    findings.suggestions = suggest(findings, project.settings.targets)
    return findings


def analyse(project: Project | str | Path, metrics: list[str | Path], rule: DropRule = DropRule()) -> Findings:
    """Read the metrics files (all checked first) and analyse them against the project's built episodes."""
    loaded = load_metrics(list(metrics))
    if not isinstance(project, Project):
        project = Project.load(project)
    return analyse_metrics(project, loaded, rule)
