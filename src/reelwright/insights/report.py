"""The insights report: PNG charts (matplotlib, Agg, no global pyplot state) and one HTML page.

Charts are drawn from :class:`Findings` alone (the curve, the trend, the shots and the drops travel in
it), so the studio can draw them from the JSON as well.
"""

from __future__ import annotations

import html
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image

from reelwright.documents.base import atomic_write_bytes, atomic_write_text
from reelwright.insights.craft import MEASURES, MIN_EPISODES, OUTCOMES
from reelwright.insights.findings import EpisodeFindings, Findings
from reelwright.insights.suggestions import clock
from reelwright.progress import Progress

__all__ = ["write_charts", "write_report", "retention_chart", "funnel_chart", "craft_chart", "CRAFT_PAIRS"]

SIZE_COLOURS = {"ECU": "#7a0177", "CU": "#c51b8a", "MCU": "#f768a1", "INSERT": "#fbb4b9", "MS": "#41b6c4",
                "2S": "#2c7fb8", "OTS": "#7fcdbb", "POV": "#a1dab4", "WS": "#253494", "EWS": "#081d58"}
# the pairs drawn in the craft chart (all pairs are in the findings and the table)
CRAFT_PAIRS = [("first_line", "retention_3s"), ("hook", "retention_3s"), ("turn_gap", "completion_rate"),
               ("asl", "completion_rate"), ("close_up_share", "completion_rate"), ("length", "completion_rate")]


def _save(fig, path: Path) -> Path:
    buf = BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    buf.seek(0)
    with Image.open(buf) as im:  # a 256-colour palette: charts stay crisp at about a third of the bytes
        small = BytesIO()
        im.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(small, format="PNG", optimize=True)
    atomic_write_bytes(path, small.getvalue())
    return path


def _figure(size: tuple[float, float]):
    """A matplotlib figure (imported here: matplotlib takes a second or more to import, and only charts need it)."""
    from matplotlib.figure import Figure  # noqa: PLC0415 - heavy, only for charts

    return Figure(figsize=size)


def retention_chart(e: EpisodeFindings, path: Path) -> Path:
    """The retention curve with its drops, turns and the opening/cliffhanger windows; the shots beneath."""
    fig = _figure((10, 5.2))
    gs = fig.add_gridspec(2, 1, height_ratios=[5, 0.8], hspace=0.08)
    ax = fig.add_subplot(gs[0])
    shots_ax = fig.add_subplot(gs[1], sharex=ax)
    curve = np.asarray(e.curve)
    secs = np.arange(len(curve))
    end = max(e.duration or 0.0, len(curve) - 1, 1)
    ax.plot(secs, curve * 100, color="#222", lw=1.8, label="retention")
    if len(e.trend):
        expected = [1.0]
        for i, b in enumerate(e.trend):
            expected.append(curve[i] * (1 - b))
        ax.plot(secs[1:], np.asarray(expected[1:]) * 100, color="#999", lw=1, ls=":", label="trend, second by second")
    ax.axvspan(0, 3, color="#fde0dd", alpha=0.6, lw=0, label="opening (3-s retention)")
    if e.duration:
        ax.axvspan(max(e.duration - 10, 0), e.duration, color="#e0ecf4", alpha=0.7, lw=0, label="cliffhanger window")
    for i, t in enumerate(e.turns):
        ax.axvline(t, color="#31a354", lw=0.9, ls="--", label="turn (sting or reaction)" if i == 0 else None)
    if e.first_line is not None:
        ax.axvline(e.first_line, color="#756bb1", lw=1.2, label=f"first line {e.first_line:.1f} s")
    for d in e.drops:
        y = curve[d.second + 1] * 100 if d.second + 1 < len(curve) else curve[-1] * 100
        ax.annotate(f"{d.shot or clock(d.second)}\n-{d.lost * 100:.1f}%", (d.second + 1, y),
                    xytext=(0, -34), textcoords="offset points", ha="center", fontsize=8, color="#b30000",
                    arrowprops={"arrowstyle": "-|>", "color": "#b30000", "lw": 1})
        ax.plot([d.second + 1], [y], marker="v", color="#b30000", ms=7)
    if e.retention_3s is not None:
        ax.text(3.3, e.retention_3s * 100, f" 3 s: {e.retention_3s * 100:.0f}%", fontsize=8, va="bottom")
    lo = float(curve.min() * 100) if len(curve) else 0.0
    ax.set_ylim(max(lo - 12, 0), 101)
    ax.set_xlim(0, end)
    ax.set_ylabel("viewers still watching (%)")
    title = f"Episode {e.episode}: retention"
    if e.plays:
        title += f" ({e.plays:,.0f} plays)"
    if not e.built:
        title += " - not built: drops by second only"
    ax.set_title(title, loc="left", fontsize=11)
    ax.legend(loc="upper right", fontsize=7, ncol=2, frameon=False)
    ax.tick_params(labelbottom=False)
    ax.grid(alpha=0.25)
    for s in e.shots:
        shots_ax.barh(0, s.end - s.start, left=s.start, height=0.9, color=SIZE_COLOURS.get(s.size, "#bbb"),
                      edgecolor="white", lw=0.6)
        if s.end - s.start >= end / 40:
            shots_ax.text((s.start + s.end) / 2, 0, s.size, ha="center", va="center", fontsize=6, color="white")
    for d in e.drops:
        shots_ax.axvline(d.second + 0.5, color="#b30000", lw=1.2)
    shots_ax.set_yticks([])
    shots_ax.set_xlabel("seconds")
    shots_ax.set_ylim(-0.5, 0.5)
    if not e.shots:
        shots_ax.text(end / 2, 0, "no built timeline: shots unknown", ha="center", va="center", fontsize=8)
    fig.subplots_adjust(left=0.07, right=0.98, top=0.93, bottom=0.1)
    return _save(fig, path)


def funnel_chart(f: Findings, path: Path) -> Path:
    """Plays per episode (share of episode 1) with continuation, and expected payers by paywall position."""
    fig = _figure((10, 6.4))
    ax, pw_ax = fig.subplots(2, 1, gridspec_kw={"hspace": 0.45})
    steps = f.funnel.steps
    eps = [s.episode for s in steps]
    share = [(s.share_of_first or 0) * 100 for s in steps]
    ax.bar(eps, share, color="#6baed6", label="plays, % of episode 1")
    ax.set_ylabel("% of episode 1's plays")
    ax.set_xlabel("episode")
    ax.set_title("Season funnel", loc="left", fontsize=11)
    ax2 = ax.twinx()
    cont = [(s.episode, s.continuation * 100) for s in steps if s.continuation is not None]
    if cont:
        ax2.plot([c[0] for c in cont], [c[1] for c in cont], color="#e6550d", marker="o", ms=3,
                 label="continuation to the next episode, %")
        ax2.set_ylim(min(c[1] for c in cont) - 10, 101)
    ax2.set_ylabel("continuation (%)", color="#e6550d")
    weak = next((c for c in cont if c[0] == f.funnel.weakest), None)
    if weak is not None:
        ax2.annotate(f"weakest: {weak[1]:.0f}%", weak, xytext=(8, -4), textcoords="offset points", fontsize=8,
                     color="#e6550d")
    ax.legend(loc="upper center", fontsize=8, frameon=False)
    ax2.legend(loc="upper right", fontsize=8, frameon=False)
    cands = f.paywall.candidates
    if cands:
        colours = ["#fdae6b" if c.unlock_estimated else "#e6550d" for c in cands]
        pw_ax.bar([c.after for c in cands], [c.payers for c in cands], color=colours)
        if f.paywall.recommended_after is not None:
            pw_ax.axvline(f.paywall.recommended_after, color="#31a354", lw=2,
                          label=f"recommended: after {f.paywall.recommended_after}")
        if f.paywall.planned_after is not None:
            pw_ax.axvline(f.paywall.planned_after, color="#555", lw=1.5, ls="--",
                          label=f"season.yaml: after {f.paywall.planned_after}")
        pw_ax.legend(loc="upper right", fontsize=8, frameon=False)
    else:
        pw_ax.text(0.5, 0.5, "no unlock rates in the metrics: no paywall recommendation", ha="center",
                   transform=pw_ax.transAxes)
    pw_ax.set_title("Expected payers per 1000 viewers of episode 1, by paywall position (light: unlock rate "
                    "estimated)", loc="left", fontsize=10)
    pw_ax.set_xlabel("paywall after episode")
    for a in (ax, pw_ax):
        from matplotlib.ticker import MaxNLocator  # noqa: PLC0415 - heavy, only for charts

        a.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.subplots_adjust(left=0.08, right=0.92, top=0.94, bottom=0.08)
    return _save(fig, path)


def craft_chart(f: Findings, path: Path) -> Path:
    """Scatter plots of the main craft measures against retention/completion, with rho and its interval."""
    fig = _figure((10, 6.4))
    axes = fig.subplots(2, 3)
    built = [e for e in f.episodes if e.built]
    relations = {(r.measure, r.outcome): r for r in f.craft}
    for ax, (measure, outcome) in zip(axes.ravel(), CRAFT_PAIRS):
        pts = [(e.craft.get(measure), getattr(e, outcome), e.episode) for e in built]
        pts = [p for p in pts if p[0] is not None and p[1] is not None]
        r = relations.get((measure, outcome))
        ax.scatter([p[0] for p in pts], [p[1] * 100 for p in pts], s=18, color="#3182bd")
        for x, y, n in pts if len(pts) <= 12 else []:
            ax.annotate(str(n), (x, y * 100), fontsize=6, xytext=(3, 2), textcoords="offset points")
        if r is not None and r.status != "too few episodes" and r.slope is not None and pts:
            xs = np.linspace(min(p[0] for p in pts), max(p[0] for p in pts), 10)
            ys = np.array([p[1] for p in pts])
            xm = np.array([p[0] for p in pts])
            icpt = float(np.median(ys - r.slope * xm))
            ax.plot(xs, (icpt + r.slope * xs) * 100, color="#e6550d" if r.status == "effect" else "#aaa", lw=1.2)
            sub = f"rho {r.rho:+.2f} [{r.rho_low:+.2f}, {r.rho_high:+.2f}], n={r.n}" + (
                " EFFECT" if r.status == "effect" else "")
        elif r is not None and r.n >= MIN_EPISODES:
            sub = f"the measure or outcome does not vary (n={r.n})"
        else:
            n = r.n if r else len(pts)
            sub = f"too few episodes to say (n={n} < {MIN_EPISODES})"
        ax.set_title(sub, fontsize=7.5)
        ax.set_xlabel(MEASURES[measure], fontsize=8)
        ax.set_ylabel(OUTCOMES[outcome] + " (%)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.25)
    fig.suptitle("Craft against retention (orange line: Theil-Sen slope of an effect)", x=0.01, ha="left",
                 fontsize=11)
    fig.subplots_adjust(left=0.07, right=0.98, top=0.9, bottom=0.09, hspace=0.5, wspace=0.3)
    return _save(fig, path)


def write_charts(findings: Findings, out_dir: Path, *, quiet: bool = True) -> dict[str, Path]:
    """Every chart as PNG in ``out_dir``: ``{"funnel": …, "craft": …, "ep001": …}``."""
    out_dir = Path(out_dir)
    curves = [e for e in findings.episodes if e.curve]
    with Progress("insights charts", len(curves) + 2, enabled=not quiet) as bar:
        out: dict[str, Path] = {"funnel": funnel_chart(findings, out_dir / "funnel.png")}
        bar.advance()
        out["craft"] = craft_chart(findings, out_dir / "craft.png")
        bar.advance()
        for e in curves:
            out[f"ep{e.episode:03d}"] = retention_chart(e, out_dir / f"ep{e.episode:03d}.retention.png")
            bar.advance(note=f"ep{e.episode:03d}")
    return out


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v * 100:.1f}%"


def _num(v: float | None, fmt: str = "{:,.0f}") -> str:
    return "–" if v is None else fmt.format(v)


def _html(f: Findings, charts: dict[str, Path]) -> str:
    e_ = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>reelwright insights</title><style>"
             "body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;max-width:1040px;margin:2em auto;"
             "padding:0 1em;color:#222}table{border-collapse:collapse;font-size:13px;margin:.5em 0}"
             "td,th{border:1px solid #ddd;padding:3px 7px;text-align:left}th{background:#f3f3f3}"
             "img{max-width:100%}.note{color:#666;font-size:13px}.effect{color:#b30000;font-weight:600}"
             "li{margin:.3em 0}</style></head><body>",
             f"<h1>Insights: {e_(Path(f.project).name)}</h1>",
             f"<p class='note'>Metrics: {e_(', '.join(Path(m).name for m in f.metrics))}. Suggestions are for "
             "the writers; nothing here changes a script or the season plan.</p>"]
    parts.append("<h2>Suggestions</h2><ul>" + "".join(f"<li>{e_(s.text)}</li>" for s in f.suggestions) + "</ul>"
                 if f.suggestions else "<h2>Suggestions</h2><p>None: nothing stands out.</p>")
    pw = f.paywall
    parts.append("<h2>Funnel and paywall</h2>")
    if pw.recommended_after is not None:
        parts.append(f"<p>The paywall would earn most after <b>episode {pw.recommended_after}</b> "
                     f"({pw.payers_recommended:.1f} payers per 1000 viewers of episode 1)"
                     + (f"; season.yaml puts it after episode {pw.planned_after}"
                        + (f" ({pw.payers_planned:.1f}, {pw.gain * 100:+.0f}%)" if pw.gain is not None else "")
                        if pw.planned_after is not None else "") + ".</p>")
    parts.append(f"<p class='note'>Model: {e_(pw.model)}. " + " ".join(e_(n) for n in pw.notes) + "</p>")
    if "funnel" in charts:
        parts.append(f"<img src='{charts['funnel'].name}' alt='season funnel'>")
    parts.append("<table><tr><th>episode</th><th>plays</th><th>% of ep 1</th><th>continuation</th>"
                 "<th>completion</th><th>unlock</th><th>3-s</th><th>30-s</th><th>drops</th></tr>")
    steps = {s.episode: s for s in f.funnel.steps}
    for e in f.episodes:
        s = steps.get(e.episode)
        parts.append(f"<tr><td>{e.episode}</td><td>{_num(e.plays)}</td><td>{_pct(s.share_of_first if s else None)}"
                     f"</td><td>{_pct(s.continuation if s else None)}</td><td>{_pct(e.completion_rate)}</td>"
                     f"<td>{_pct(e.unlock_rate)}</td><td>{_pct(e.retention_3s)}</td><td>{_pct(e.retention_30s)}"
                     f"</td><td>{len(e.drops)}</td></tr>")
    parts.append("</table>")
    parts.append("<h2>Episodes</h2>")
    for e in f.episodes:
        if not e.curve and not e.notes:
            continue
        parts.append(f"<h3>Episode {e.episode}</h3>")
        facts = []
        if e.first_line is not None:
            facts.append(f"first line at {e.first_line:.1f} s")
        if e.hook is not None:
            facts.append(f"hook at {e.hook:.1f} s")
        if e.retention_3s is not None:
            facts.append(f"3-s retention {_pct(e.retention_3s)}")
        if e.retention_30s is not None:
            facts.append(f"30-s retention {_pct(e.retention_30s)}")
        if facts:
            parts.append("<p>" + e_(", ".join(facts)) + "</p>")
        key = f"ep{e.episode:03d}"
        if key in charts:
            parts.append(f"<img src='{charts[key].name}' alt='episode {e.episode} retention'>")
        if e.drops:
            parts.append("<table><tr><th>at</th><th>lost</th><th>shot</th><th>size</th><th>who</th><th>line</th>"
                         "<th>since turn</th><th>where</th></tr>")
            for d in e.drops:
                where = ", ".join(w for w, on in (("opening", d.in_opening), ("cliffhanger", d.in_cliffhanger),
                                                  (f"sting: {d.sting}", bool(d.sting)),
                                                  (f"plan: {d.beat}", bool(d.beat))) if on)
                parts.append(f"<tr><td>{clock(d.second)}</td><td>{_pct(d.lost)}</td><td>{e_(d.shot or '–')}</td>"
                             f"<td>{e_(d.size or '–')}</td><td>{e_(d.speaker or '–')}</td><td>{e_(d.line or '–')}"
                             f"</td><td>{_num(d.seconds_since_turn, '{:.0f} s')}</td><td>{e_(where)}</td></tr>")
            parts.append("</table>")
        elif e.curve:
            parts.append("<p class='note'>No drop steeper than the curve's own trend.</p>")
        for n in e.notes:
            parts.append(f"<p class='note'>{e_(n)}</p>")
    parts.append("<h2>Craft against retention</h2>")
    if "craft" in charts:
        parts.append(f"<img src='{charts['craft'].name}' alt='craft against retention'>")
    parts.append("<table><tr><th>measure</th><th>outcome</th><th>n</th><th>result</th><th>rho [95% CI]</th>"
                 "<th>slope [95% CI]</th><th>p (Holm)</th></tr>")
    for r in f.craft:
        res = {"effect": "<span class='effect'>effect</span>", "no clear effect": "no clear effect",
               "too few episodes": "too few episodes to say"}[r.status]
        if r.status == "no clear effect" and r.rho is None:
            res = "does not vary"
        rho = f"{r.rho:+.2f} [{r.rho_low:+.2f}, {r.rho_high:+.2f}]" if r.rho is not None else "–"
        slope = "–" if r.slope is None else f"{r.slope:+.4f}" + (
            f" [{r.slope_low:+.4f}, {r.slope_high:+.4f}]" if r.slope_low is not None and r.slope_high is not None
            else "")
        p = f"{r.p_adjusted:.3f}" if r.p_adjusted is not None else "–"
        parts.append(f"<tr><td>{e_(MEASURES[r.measure])}</td><td>{e_(OUTCOMES[r.outcome])}</td><td>{r.n}</td>"
                     f"<td>{res}</td><td>{rho}</td><td>{slope}</td><td>{p}</td></tr>")
    parts.append("</table>")
    m = f.method
    parts.append("<h2>Method</h2><ul>"
                 f"<li>Drops: {e_(m.drops)}.</li><li>Craft: {e_(m.craft)}.</li><li>Paywall: {e_(m.paywall)}.</li>"
                 f"<li>Stated false-positive rate: {m.false_positive_rate * 100:.0f}% (a drop in an episode, an "
                 "effect in a season, where nothing is there).</li></ul>")
    if f.notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{e_(n)}</li>" for n in f.notes) + "</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_report(findings: Findings, out_dir: Path, charts: bool = True, *, quiet: bool = True
                 ) -> dict[str, Path]:
    """report.html, findings.json and the charts in ``out_dir``; returns every path written."""
    out_dir = Path(out_dir)
    paths = write_charts(findings, out_dir, quiet=quiet) if charts else {}
    atomic_write_text(out_dir / "findings.json", findings.to_json())
    atomic_write_text(out_dir / "report.html", _html(findings, paths))
    return {**paths, "json": out_dir / "findings.json", "html": out_dir / "report.html"}
