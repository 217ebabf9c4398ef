"""The studio's routes: server-rendered pages (each also as JSON), media, edits, builds and approval.

Pages are Jinja2 templates with a little vanilla JavaScript (``static/studio.js``: the storyboard strip kept in
step with the player, the live build view over server-sent events); no build step, nothing fetched from the
internet. Every page answers JSON for ``?format=json`` or ``Accept: application/json``. The studio has no build
logic: edits, builds, takes and approvals are calls to :mod:`reelwright.api`; what the pages show is read from
the project folder (:mod:`reelwright.studio.state`).
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pysubs2
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse,
                                 Response, StreamingResponse)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from reelwright import __version__, api
from reelwright.documents.storyboard import Angle, Move, ShotSize
from reelwright.documents.timeline import Timeline
from reelwright.errors import InputError, ReelwrightError
from reelwright.lockfile import lock_holder
from reelwright.media.thumbs import write_avatar_thumb, write_background_thumb, write_frame_thumb
from reelwright.project.cache import make_key
from reelwright.project.folder import Project, episode_outputs
from reelwright.project.ledger import money
from reelwright.project.review import STATES, video_key
from reelwright.stages.images import generative
from reelwright.studio.jobs import Job, Jobs
from reelwright.studio.security import Guard, safe_file, same_origin
from reelwright.studio.state import ProjectState

__all__ = ["create_app", "Studio", "EXPRESSIONS", "OFFLINE_PROVIDERS"]

EXPRESSIONS = ("neutral", "happy", "sad", "angry", "surprised", "afraid", "cold")
# providers that run on this machine and cost nothing: a build calling only these needs no confirmation
OFFLINE_PROVIDERS = {"speech:piper", "speech:espeak", "image:comic"}
THUMB_WIDTHS = (120, 180, 360)
_PACKAGE = files("reelwright") / "studio"


class PageError(Exception):
    """A page or an action that cannot be served: a status and a message for the person."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _wants_json(request: Request) -> bool:
    return request.query_params.get("format") == "json" or \
        request.headers.get("accept", "").startswith("application/json")


def _seconds(frames: int, fps: int) -> float:
    return round(frames / fps, 3) if fps else 0.0


def _field_of(exc: InputError) -> tuple[str, str]:
    """``("text", "a line … cannot be empty")`` from an InputError whose message starts with ``field:``."""
    message = exc.problems[0].message
    m = re.match(r"^([\w.\-]+|[^\s:]+\.[^\s:]+): (.*)$", message, re.S)
    return (m.group(1), m.group(2)) if m else ("", message)


class Studio:
    """One project's studio: its state reader, its jobs and its secrets."""

    def __init__(self, root: Path, *, token: str | None = None) -> None:
        self.root = Path(root).resolve()
        self.state = ProjectState(self.root)
        self.jobs = Jobs()
        self.token = token
        self.csrf = secrets.token_urlsafe(24)
        self.env = Environment(loader=FileSystemLoader(str(_PACKAGE / "templates")),
                               autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(money=money, quote=quote, version=__version__)
        self.env.filters["clock"] = lambda s: "-" if s is None else f"{int(s) // 60}:{s % 60:04.1f}"

    # ---- helpers -----------------------------------------------------------------------------------
    def project(self) -> Project:
        try:
            return self.state.project()
        except InputError as exc:
            raise PageError(500, f"the project has errors; fix them in the files and reload:\n{exc}") from None

    def media_url(self, path: Path | str | None) -> str | None:
        if path is None:
            return None
        try:
            rel = Path(path).resolve().relative_to(self.root)
        except ValueError:
            return None
        return "/media/" + quote(rel.as_posix())

    def busy(self) -> dict | None:
        """Who holds the project's lock now, when it is not this studio's own job."""
        job = self.jobs.current()
        holder = lock_holder(self.root)
        if holder and job is None:
            return holder
        return None

    def render(self, request: Request, template: str, data: dict, *, status: int = 200, **extra) -> Response:
        if _wants_json(request):
            return JSONResponse(data, status_code=status)
        page = self.env.get_template(template).render(request=request, data=data, csrf=self.csrf, busy=self.busy(),
                                                      job=self.jobs.current(), **extra)
        return HTMLResponse(page, status_code=status)

    async def form(self, request: Request) -> dict[str, str]:
        """The POSTed form after the CSRF checks (the page's token; no other site's Origin)."""
        headers = {k.lower(): v for k, v in request.headers.items()}
        if not same_origin(headers):
            raise PageError(403, "cross-site request refused")
        form = await request.form()
        values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        given = values.pop("csrf", None) or headers.get("x-csrf-token", "")
        if not given or not secrets.compare_digest(given, self.csrf):
            raise PageError(403, "missing or wrong CSRF token: reload the page and try again")
        return values

    def episode_number(self, project: Project, value: str) -> int:
        if not value.isdigit() or int(value) not in project.episodes:
            raise PageError(404, f"no episode {value}")
        return int(value)

    # ---- page data ---------------------------------------------------------------------------------
    def season_data(self) -> dict:
        project = self.project()
        building = self.jobs.building()
        season = self.state.season(project)
        cards = []
        for c in self.state.cards(project, building):
            plan = season.episode(c.number) if season is not None else None
            span = (season.target_seconds if season else 60) or 60
            beats = [{"kind": b.kind, "start": b.start, "end": b.end, "left": round(100 * b.start / span, 1)}
                     for b in plan.beats] if plan else []
            cards.append({
                "number": c.number, "tag": f"ep{c.number:03d}", "title": c.title or (plan.title if plan else ""),
                "state": c.state.state, "css": c.state.state.replace(" ", "-"),
                "seconds": c.seconds, "shots": c.shots, "cost": round(c.cost, 4), "url": f"/episodes/{c.number}",
                "thumb": f"/episodes/{c.number}/frames/{c.thumb_frame}.jpg" if c.thumb_frame is not None else None,
                "checks_ok": c.state.checks_ok, "approved_by": c.state.approval.by if c.state.approval else None,
                "paywall": bool(plan.paywall) if plan else False, "act": plan.act if plan else "",
                "cliffhanger": plan.cliffhanger_strength if plan else None, "beats": beats,
                "target": season.target_seconds if season else None,
                "money": money(c.cost, project.settings.providers.currency) if c.cost else "",
            })
        counts = {s: sum(1 for c in cards if c["state"] == s) for s in STATES}
        return {"title": project.settings.project.title, "root": str(self.root), "episodes": cards,
                "counts": counts, "currency": project.settings.providers.currency,
                "spent": round(sum(c["cost"] for c in cards), 4),
                "paywall_after": season.paywall_after if season else None}

    def _timeline(self, project: Project, number: int) -> Timeline | None:
        return self.state.timeline(project, number)

    def episode_data(self, number: int) -> dict:
        project = self.project()
        src = project.episodes[number]
        timeline = self._timeline(project, number)
        state = self.state.state(project, number, self.jobs.building())
        outs = episode_outputs(project, number)
        fps = timeline.fps if timeline else project.settings.video.fps
        shots = []
        by_line: dict[int, list[str]] = {}
        if timeline is not None:
            for ts in timeline.shots:
                shots.append({"id": ts.shot.id, "start": _seconds(ts.start, fps),
                              "end": _seconds(ts.start + ts.frames, fps), "size": str(ts.shot.size.value
                                                                                      if hasattr(ts.shot.size, "value")
                                                                                      else ts.shot.size),
                              "line": ts.shot.line, "subjects": ts.shot.subjects,
                              "thumb": f"/episodes/{number}/frames/{ts.start + ts.frames // 2}.jpg",
                              "url": f"/episodes/{number}/shots/{quote(ts.shot.id)}"})
                if ts.shot.line is not None:
                    by_line.setdefault(ts.shot.line, []).append(ts.shot.id)
        starts = {s["id"]: s["start"] for s in shots}
        lines = [{"index": i, "character": d.character, "text": d.text, "emotion": d.emotion,
                  "shots": [{"id": sid, "start": starts[sid]} for sid in by_line.get(i, [])]}
                 for i, d in enumerate(src.episode.dialogue())]
        subtitles = []
        if outs["srt"].is_file():
            lang = project.language(number)
            subtitles.append({"lang": lang, "label": f"{lang} (original)", "url": f"/episodes/{number}/subtitles/{lang}.vtt"})
        loc = project.build_dir / "localise"
        if loc.is_dir():
            for folder in sorted(p for p in loc.iterdir() if p.is_dir()):
                if (folder / f"ep{number:03d}.vtt").is_file() and folder.name not in {s["lang"] for s in subtitles}:
                    subtitles.append({"lang": folder.name, "label": folder.name,
                                      "url": f"/episodes/{number}/subtitles/{folder.name}.vtt"})
        check = self.state.check(project, number)
        checks = []
        if check is not None:
            for item in check.items:
                link = None
                text = f"{item.where} {item.value}"
                shot_ids = [t for t in re.findall(r"[\w\-]+", str(item.where)) if t in starts]
                m = re.search(r"\bline (\d+)", text)
                if shot_ids:
                    link = f"/episodes/{number}/shots/{quote(shot_ids[0])}"
                elif m:
                    link = f"#line-{m.group(1)}"
                checks.append({"check": item.check, "ok": item.ok, "hard": item.hard, "value": item.value,
                               "expected": item.expected, "where": item.where, "setting": item.setting,
                               "link": link})
        approval = state.approval
        return {"number": number, "title": src.episode.title or "", "state": state.state,
                "script": str(src.path.relative_to(self.root)), "built": state.built,
                "video": self.media_url(outs["video"]) if outs["video"].is_file() else None,
                "seconds": _seconds(timeline.frames, fps) if timeline else None, "fps": fps,
                "subtitles": subtitles, "shots": shots, "lines": lines, "checks": checks,
                "checks_ok": check.ok if check is not None else None,
                "approval": None if approval is None else {"by": approval.by, "at": approval.at,
                                                           "build": approval.build[:12]},
                "changed_since_approval": state.changed_since_approval,
                "build_key": video_key(self.state.lock(project), number)[:12],
                "prev": max((n for n in project.episodes if n < number), default=None),
                "next": min((n for n in project.episodes if n > number), default=None)}

    def shot_data(self, number: int, shot_id: str) -> dict:
        project = self.project()
        board = api.board(project, number)
        shot = next((s for s in board.shots if s.id == shot_id), None)
        if shot is None:
            raise PageError(404, f"no shot {shot_id} in episode {number}")
        position = board.shots.index(shot) + 1
        timeline = self._timeline(project, number)
        ts = next((t for t in timeline.shots if t.shot.id == shot_id), None) if timeline else None
        fps = timeline.fps if timeline else project.settings.video.fps
        dialogue = project.episodes[number].episode.dialogue()
        line = None
        if shot.line is not None and 0 <= shot.line < len(dialogue):
            d = dialogue[shot.line]
            line = {"index": shot.line, "character": d.character, "text": d.text}
        image = self.state.lock(project).artifacts.get(f"ep{number:03d}/image/{shot.id}")
        gen = generative(project.settings)
        takes = api.takes(project, number, shot.id) if gen else None
        still = image.outputs[0] if image is not None and image.outputs else None
        size = shot.size.value if hasattr(shot.size, "value") else shot.size
        return {
            "episode": number, "id": shot.id, "position": position, "of": len(board.shots),
            "size": size, "move": getattr(shot.move, "value", shot.move), "angle": getattr(shot.angle, "value", shot.angle),
            "subjects": shot.subjects, "speaker": shot.speaker, "expressions": dict(shot.expressions),
            "caption": shot.caption, "text": shot.text, "reason": shot.reason, "line": line,
            "start": _seconds(ts.start, fps) if ts else None, "end": _seconds(ts.start + ts.frames, fps) if ts else None,
            "picture": f"/episodes/{number}/frames/{ts.start + ts.frames // 2}.jpg?w=360" if ts else None,
            "video": self.media_url(episode_outputs(project, number)["video"]) if ts else None,
            "generative": gen, "provider": f"image:{project.settings.providers.image}",
            "prompt": (image.inputs.get("prompt") if image is not None else None),
            "seed": image.seed if image is not None else None,
            "still": self.media_url(still) if still and Path(still).is_file() else None,
            "takes": None if takes is None else {
                "seed": takes.seed, "history": takes.history,
                "candidates": [{"seed": t.seed, "picture": self.media_url(t.path), "current": t.current}
                               for t in takes.candidates]},
            "choices": {"size": [s.value for s in ShotSize], "move": [m.value for m in Move],
                        "angle": [a.value for a in Angle], "expression": list(EXPRESSIONS)},
            "prev": board.shots[position - 2].id if position > 1 else None,
            "next": board.shots[position].id if position < len(board.shots) else None,
        }

    def bible_data(self) -> dict:
        project = self.project()
        samples: dict[str, str] = {}
        for number in project.episodes:
            timeline = self._timeline(project, number)
            for clip in timeline.audio if timeline else []:
                if clip.character not in samples:
                    wav = project.cache_dir / "voice" / clip.key[:2] / f"{clip.key}.wav"
                    if wav.is_file():
                        samples[clip.character] = self.media_url(wav)
        characters = [{"name": c.name, "gender": c.gender, "age": c.age, "description": c.description,
                       "look": c.look.model_dump(mode="json"), "voice": c.voice.model_dump(mode="json"),
                       "picture": f"/bible/characters/{quote(c.name)}/look.png",
                       "sample": samples.get(c.name)} for c in project.bible.characters]
        locations = [{"name": loc.name, "interior": loc.interior, "index": i,
                      "picture": f"/bible/locations/{i}.png"} for i, loc in enumerate(project.bible.locations)]
        return {"characters": characters, "locations": locations}

    def builds_data(self, selected: list[int] | None = None) -> dict:
        project = self.project()
        records = self.state.ledger(project)
        spent = sum(float(r.get("cost") or 0) for r in records if r.get("status") == "ok")
        by_provider: dict[str, dict] = {}
        for r in records:
            row = by_provider.setdefault(str(r.get("provider")), {"calls": 0, "failed": 0, "cost": 0.0})
            if r.get("status") == "ok":
                row["calls"] += 1
                row["cost"] = round(row["cost"] + float(r.get("cost") or 0), 6)
            else:
                row["failed"] += 1
        building = self.jobs.building()
        return {"episodes": [{"number": n, "title": src.episode.title or "",
                              "state": self.state.state(project, n, building).state,
                              "selected": selected is not None and n in selected}
                             for n, src in project.episodes.items()],
                "jobs": [j.as_dict() for j in self.jobs.recent()],
                "ledger": {"spent": round(spent, 6), "currency": project.settings.providers.currency,
                           "calls": len(records), "providers": by_provider,
                           "budget": project.settings.providers.budget}}


# ---- routes ----------------------------------------------------------------------------------------

def _studio(request: Request) -> Studio:
    return request.app.state.studio


async def season_page(request: Request) -> Response:
    s = _studio(request)
    return s.render(request, "season.html", await run_in_threadpool(s.season_data))


async def episode_page(request: Request, errors: dict | None = None, values: dict | None = None,
                       status: int = 200) -> Response:
    s = _studio(request)
    project = s.project()
    number = s.episode_number(project, request.path_params["n"])
    data = await run_in_threadpool(s.episode_data, number)
    return s.render(request, "episode.html", data, status=status, errors=errors or {}, values=values or {})


async def shot_page(request: Request, errors: dict | None = None, values: dict | None = None,
                    status: int = 200) -> Response:
    s = _studio(request)
    project = s.project()
    number = s.episode_number(project, request.path_params["n"])
    data = await run_in_threadpool(s.shot_data, number, request.path_params["shot"])
    return s.render(request, "shot.html", data, status=status, errors=errors or {}, values=values or {})


async def bible_page(request: Request, errors: dict | None = None, values: dict | None = None,
                     status: int = 200) -> Response:
    s = _studio(request)
    return s.render(request, "bible.html", await run_in_threadpool(s.bible_data), status=status,
                    errors=errors or {}, values=values or {})


def _parse_selection(project: Project, raw: list[str]) -> list[int]:
    out = []
    for value in raw:
        if not value.isdigit() or int(value) not in project.episodes:
            raise InputError(f"episodes: no episode {value!r}")
        out.append(int(value))
    if not out:
        raise InputError("episodes: choose at least one episode to build")
    return sorted(set(out))


async def builds_page(request: Request) -> Response:
    s = _studio(request)
    project = s.project()
    selected = sorted({int(v) for raw in request.query_params.getlist("episodes") for v in raw.split(",")
                       if v.strip().isdigit()})
    data = await run_in_threadpool(s.builds_data, selected or None)
    plan = None
    if request.query_params.get("plan") and selected:
        try:
            plan = (await run_in_threadpool(api.plan, project, [n for n in selected if n in project.episodes])).as_dict()
        except ReelwrightError as exc:
            plan = {"error": str(exc)}
    data["plan"] = plan
    data["back"] = _back(request.query_params.get("back"))
    return s.render(request, "builds.html", data, errors={}, values={})


def _back(value: str | None) -> str | None:
    """A return address inside the studio only."""
    if value and re.fullmatch(r"/(episodes/\d+(/shots/[\w.\-]+)?|bible|builds)?", value):
        return value
    return None


def _paid(plan: dict) -> list[str]:
    return [spec for spec, row in plan["providers"].items() if row["calls"] and spec not in OFFLINE_PROVIDERS]


async def start_build(request: Request) -> Response:
    s = _studio(request)
    form = await request.form()
    values = await s.form(request)
    project = s.project()
    try:
        numbers = _parse_selection(project, [str(v) for v in form.getlist("episodes")])
    except InputError as exc:
        data = await run_in_threadpool(s.builds_data, None)
        data.update(plan=None, back=None)
        return s.render(request, "builds.html", data, status=400, errors={"episodes": _field_of(exc)[1]}, values={})
    holder = lock_holder(s.root)
    if holder is not None or s.jobs.current() is not None:
        who = holder or s.jobs.current().as_dict()
        data = await run_in_threadpool(s.builds_data, numbers)
        data.update(plan=None, back=None)
        msg = (f"the project is busy: pid {who.get('pid')} running {who.get('command')!r}" if holder
               else f"a {who['kind']} is running ({who['title']})") + "; wait for it to finish or cancel it"
        return s.render(request, "builds.html", data, status=409, errors={"build": msg}, values={})
    if values.get("confirm") != "yes":
        plan = (await run_in_threadpool(api.plan, project, numbers)).as_dict()
        if _paid(plan):  # calls that cost money or leave the machine: show the estimate and ask first
            data = await run_in_threadpool(s.builds_data, numbers)
            data.update(plan=plan, confirm=numbers, back=None)
            return s.render(request, "builds.html", data, errors={}, values={})
    job = _start_build_job(s, numbers, f"build {', '.join(f'ep{n:03d}' for n in numbers)}")
    if _wants_json(request):
        return JSONResponse(job.as_dict(), status_code=202)
    back = _back(values.get("back"))
    return RedirectResponse(f"/builds?job={job.id}" + (f"&back={quote(back)}" if back else ""), status_code=303)


def _start_build_job(s: Studio, numbers: list[int], title: str) -> Job:
    def work(on_event, cancel):
        report = api.build(s.root, numbers, on_event=on_event, cancel=cancel,
                           command=f"reelwright studio: {title}")
        return report.summary(), {"outputs": report.outputs, "checks_ok": report.checks_ok}

    return s.jobs.start("build", title, numbers, work)


async def cancel_job(request: Request) -> Response:
    s = _studio(request)
    await s.form(request)
    job_id = request.path_params["job"]
    job = s.jobs.get(int(job_id)) if job_id.isdigit() else None
    if job is None:
        raise PageError(404, f"no job {job_id}")
    job.cancel.cancel()
    if _wants_json(request):
        return JSONResponse(job.as_dict())
    return RedirectResponse(f"/builds?job={job.id}", status_code=303)


async def job_events(request: Request) -> Response:
    s = _studio(request)
    job_id = request.path_params["job"]
    job = s.jobs.get(int(job_id)) if job_id.isdigit() else None
    if job is None:
        raise PageError(404, f"no job {job_id}")
    start = int(request.query_params.get("from", "0") or 0)

    async def stream():
        i, idle = start, 0.0
        yield "retry: 1000\n\n"
        while True:
            if i < len(job.events):
                for event in job.events[i:]:
                    yield f"id: {i}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
                    i += 1
                idle = 0.0
            elif not job.running:
                yield f"event: end\ndata: {json.dumps(job.as_dict(), ensure_ascii=False, default=str)}\n\n"
                return
            else:
                await asyncio.sleep(0.2)
                idle += 0.2
                if idle >= 10:
                    yield ": still working\n\n"
                    idle = 0.0

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


async def job_status(request: Request) -> Response:
    s = _studio(request)
    job_id = request.path_params["job"]
    job = s.jobs.get(int(job_id)) if job_id.isdigit() else None
    if job is None:
        raise PageError(404, f"no job {job_id}")
    return JSONResponse(job.as_dict())


# ---- edits ----------------------------------------------------------------------------------------

async def edit_line(request: Request) -> Response:
    s = _studio(request)
    values = await s.form(request)
    project = s.project()
    number = s.episode_number(project, request.path_params["n"])
    index = request.path_params["i"]
    back = _back(values.get("back")) or f"/episodes/{number}"
    if not index.isdigit():
        raise PageError(404, f"no line {index}")
    try:
        await run_in_threadpool(api.change_line, project, number, int(index), values.get("text", ""))
    except InputError as exc:
        errors = {f"line-{index}": _field_of(exc)[1]}
        vals = {f"line-{index}": values.get("text", "")}
        if "/shots/" in back:
            request.path_params["shot"] = back.rsplit("/", 1)[1]
            return await shot_page(request, errors, vals, 400)
        return await episode_page(request, errors, vals, 400)
    return _done(request, back + f"#line-{index}" if "/shots/" not in back else back)


def _done(request: Request, to: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"ok": True, "next": to})
    return RedirectResponse(to, status_code=303)


async def edit_shot(request: Request) -> Response:
    s = _studio(request)
    values = await s.form(request)
    project = s.project()
    number = s.episode_number(project, request.path_params["n"])
    shot_id = request.path_params["shot"]
    changes: dict[str, Any] = {}
    for key in ("size", "move", "angle"):
        if key in values:
            changes[key] = values[key]
    for key, value in values.items():
        if key.startswith("expressions."):
            changes[key] = value
    current = await run_in_threadpool(s.shot_data, number, shot_id)
    changes = {k: v for k, v in changes.items()
               if v != (current["expressions"].get(k.split(".", 1)[1]) if k.startswith("expressions.") else current[k])}
    if changes:
        try:
            await run_in_threadpool(api.change_shot, project, number, shot_id, changes)
        except InputError as exc:
            field, message = _field_of(exc)
            shown = {"size", "move", "angle"} | {f"expressions.{who}" for who in current["subjects"]}
            where = field if field in shown else "shot"
            return await shot_page(request, {where: message if where == field else f"{field}: {message}"}, values,
                                   400)
    return _done(request, f"/episodes/{number}/shots/{quote(shot_id)}")


async def shot_action(request: Request) -> Response:
    """redraw (new seed + rebuild), candidates (N new takes), pick (a take), revert (the previous take)."""
    s = _studio(request)
    values = await s.form(request)
    project = s.project()
    number = s.episode_number(project, request.path_params["n"])
    shot_id = request.path_params["shot"]
    action = request.path_params["action"]
    here = f"/episodes/{number}/shots/{quote(shot_id)}"
    try:
        if action == "pick":
            seed = values.get("seed", "")
            if not seed.isdigit():
                raise InputError("seed: pick one of the candidates")
            await run_in_threadpool(api.pick, project, number, shot_id, int(seed), command="reelwright studio: pick")
            return _done(request, here)
        if action == "revert":
            await run_in_threadpool(api.revert, project, number, shot_id, command="reelwright studio: revert")
            return _done(request, here)
        if action == "candidates":
            count = values.get("count", "")
            if not count.isdigit() or not 1 <= int(count) <= 8:
                raise InputError("count: between 1 and 8 candidates at a time")
            if s.jobs.current() is not None or lock_holder(s.root):
                raise InputError("count: the project is busy with another job; wait for it")
            if not generative(project.settings):
                raise InputError("count: the pictures are drawn by image:comic, which has no randomness; change "
                                 "the shot's size, angle or expression instead")

            def work(on_event, cancel):
                made = api.candidates(s.root, number, shot_id, int(count), on_event=on_event, cancel=cancel,
                                      command="reelwright studio: candidates")
                return f"{len(made)} candidate(s) for ep{number:03d} {shot_id}", None

            job = s.jobs.start("candidates", f"ep{number:03d} {shot_id} × {count}", [], work)
            return _done(request, f"/builds?job={job.id}&back={quote(here)}")
        if action == "redraw":
            if s.jobs.current() is not None or lock_holder(s.root):
                raise InputError("redraw: the project is busy with another job; wait for it")
            await run_in_threadpool(lambda: api.redo_shot(project, number, shot_id, rebuild=False,
                                                          command="reelwright studio: redraw"))
            job = _start_build_job(s, [number], f"redraw ep{number:03d} {shot_id}")
            return _done(request, f"/builds?job={job.id}&back={quote(here)}")
    except InputError as exc:
        field, message = _field_of(exc)
        return await shot_page(request, {field or action: message}, values, 400)
    except ReelwrightError as exc:
        return await shot_page(request, {action: str(exc)}, values, 409)
    raise PageError(404, f"no action {action}")


async def edit_character(request: Request) -> Response:
    s = _studio(request)
    values = await s.form(request)
    project = s.project()
    name = request.path_params["name"]
    character = project.bible.character(name)
    if character is None:
        raise PageError(404, f"no character {name}")
    changes: dict[str, Any] = {}
    current = {"description": character.description, "look.description": character.look.description,
               "look.seed": character.look.seed, "voice.voice": character.voice.voice or "",
               "voice.pitch": character.voice.pitch, "voice.rate": character.voice.rate}
    try:
        for key, old in current.items():
            if key not in values:
                continue
            raw = values[key].strip()
            if key in ("voice.pitch", "voice.rate"):
                try:
                    value: Any = float(raw)
                except ValueError:
                    raise InputError(f"{key}: a number, e.g. {old}") from None
            elif key == "voice.voice":
                value = raw or None
            elif key == "look.seed" and not raw:
                raise InputError("look.seed: a seed cannot be empty (it picks the face)")
            else:
                value = raw
            if value != (old if key != "voice.voice" else (old or None)):
                changes[key] = value
        if changes:
            await run_in_threadpool(api.change_character, project, name, changes)
    except InputError as exc:
        field, message = _field_of(exc)
        return await bible_page(request, {f"{name}:{field}": message}, {f"{name}:{k}": v for k, v in values.items()},
                                400)
    return _done(request, f"/bible#c-{quote(name)}")


async def approve(request: Request) -> Response:
    s = _studio(request)
    values = await s.form(request)
    project = s.project()
    number = s.episode_number(project, request.path_params["n"])
    try:
        if values.get("action") == "unapprove":
            await run_in_threadpool(api.unapprove, project, number)
        else:
            await run_in_threadpool(api.approve, project, number, values.get("who", ""), values.get("note", ""))
    except InputError as exc:
        field, message = _field_of(exc)
        return await episode_page(request, {"who": message}, values, 400)
    return _done(request, f"/episodes/{number}")


# ---- media ----------------------------------------------------------------------------------------

_TYPES = {".mp4": "video/mp4", ".wav": "audio/wav", ".png": "image/png", ".jpg": "image/jpeg",
          ".jpeg": "image/jpeg", ".webp": "image/webp", ".vtt": "text/vtt; charset=utf-8",
          ".srt": "text/plain; charset=utf-8", ".json": "application/json", ".pdf": "application/pdf",
          ".mov": "video/quicktime", ".webm": "video/webm"}


async def media(request: Request) -> Response:
    s = _studio(request)
    raw = request.scope.get("raw_path", b"").decode("latin-1")
    if re.search(r"%2f|%5c|%00", raw, re.I):
        return PlainTextResponse("encoded slashes are not allowed in file paths", status_code=400)
    path = safe_file(s.root, request.path_params["path"])
    if path is None:
        return PlainTextResponse("not found", status_code=404)
    kind = _TYPES.get(path.suffix.lower())
    if kind is None:
        return PlainTextResponse("not a media file", status_code=404)
    return FileResponse(path, media_type=kind, headers={"Cache-Control": "no-cache"})


async def subtitles(request: Request) -> Response:
    s = _studio(request)
    project = s.project()
    number = s.episode_number(project, request.path_params["n"])
    lang = request.path_params["lang"]
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?", lang):
        return PlainTextResponse("bad language", status_code=404)
    localised = safe_file(s.root, f"build/localise/{lang}/ep{number:03d}.vtt")
    if localised is not None:
        return FileResponse(localised, media_type="text/vtt; charset=utf-8")
    srt = episode_outputs(project, number)["srt"]
    if lang != project.language(number) or not srt.is_file():
        return PlainTextResponse("no such subtitles", status_code=404)
    text = await run_in_threadpool(lambda: pysubs2.SSAFile.from_string(srt.read_text(encoding="utf-8")).to_string("vtt"))
    return Response(text, media_type="text/vtt; charset=utf-8")


def _thumb_width(request: Request) -> int:
    w = request.query_params.get("w", "180")
    return int(w) if w.isdigit() and int(w) in THUMB_WIDTHS else 180


async def frame_thumb(request: Request) -> Response:
    """A frame of the episode as a JPEG, made once per build of the video (named by its cache key)."""
    s = _studio(request)
    project = s.project()
    number = s.episode_number(project, request.path_params["n"])
    frame = request.path_params["frame"]
    timeline = s.state.timeline(project, number)
    video = episode_outputs(project, number)["video"]
    if not frame.isdigit() or timeline is None or not video.is_file() or int(frame) >= max(timeline.frames, 1):
        return PlainTextResponse("no such frame", status_code=404)
    key = video_key(s.state.lock(project), number)[:16] or f"m{video.stat().st_mtime_ns}"
    width = _thumb_width(request)
    out = project.build_dir / "studio" / "thumbs" / f"ep{number:03d}" / f"{key}-{int(frame)}-{width}.jpg"
    await run_in_threadpool(write_frame_thumb, video, int(frame), out, width)
    return FileResponse(out, media_type="image/jpeg", headers={"Cache-Control": "max-age=86400"})


async def character_picture(request: Request) -> Response:
    s = _studio(request)
    project = s.project()
    character = project.bible.character(request.path_params["name"])
    if character is None:
        return PlainTextResponse("no such character", status_code=404)
    refs = safe_file(s.root, f"build/refs/{character.name}/front.png") if "/" not in character.name else None
    if refs is not None and generative(project.settings):
        return FileResponse(refs, media_type="image/png")
    key = make_key("studio-look", character.look.model_dump(mode="json"))[:24]
    out = project.build_dir / "studio" / "looks" / f"{key}.png"
    await run_in_threadpool(write_avatar_thumb, character.look, out)
    return FileResponse(out, media_type="image/png", headers={"Cache-Control": "no-cache"})


async def location_picture(request: Request) -> Response:
    s = _studio(request)
    project = s.project()
    index = request.path_params["i"]
    if not index.isdigit() or int(index) >= len(project.bible.locations):
        return PlainTextResponse("no such location", status_code=404)
    loc = project.bible.locations[int(index)]
    key = make_key("studio-location", {"location": loc.name, "interior": loc.interior})[:24]
    out = project.build_dir / "studio" / "locations" / f"{key}.png"
    await run_in_threadpool(write_background_thumb, loc.name, bool(loc.interior if loc.interior is not None else True),
                            out)
    return FileResponse(out, media_type="image/png", headers={"Cache-Control": "max-age=86400"})


# ---- the app ----------------------------------------------------------------------------------------

async def _page_error(request: Request, exc: PageError) -> Response:
    s = _studio(request)
    if _wants_json(request):
        return JSONResponse({"error": exc.message}, status_code=exc.status)
    html = s.env.get_template("error.html").render(request=request, data={"message": exc.message,
                                                                          "status": exc.status},
                                                   csrf=s.csrf, busy=None, job=None)
    return HTMLResponse(html, status_code=exc.status)


async def _not_found(request: Request, exc: Exception) -> Response:
    return await _page_error(request, PageError(getattr(exc, "status_code", 404), getattr(exc, "detail", "not found")))


def create_app(root: str | Path, *, host: str = "127.0.0.1", port: int = 8700, token: str | None = None):
    """The studio as an ASGI app for the project at ``root`` (wrapped in the Host/token guard)."""
    studio = Studio(Path(root), token=token)
    studio.project()  # a broken project is reported at start, not on the first page
    routes = [
        Route("/", season_page),
        Route("/episodes/{n}", episode_page),
        Route("/episodes/{n}/approve", approve, methods=["POST"]),
        Route("/episodes/{n}/lines/{i}", edit_line, methods=["POST"]),
        Route("/episodes/{n}/subtitles/{lang}.vtt", subtitles),
        Route("/episodes/{n}/frames/{frame}.jpg", frame_thumb),
        Route("/episodes/{n}/shots/{shot}", shot_page),
        Route("/episodes/{n}/shots/{shot}", edit_shot, methods=["POST"]),
        Route("/episodes/{n}/shots/{shot}/{action}", shot_action, methods=["POST"]),
        Route("/bible", bible_page),
        Route("/bible/characters/{name}", edit_character, methods=["POST"]),
        Route("/bible/characters/{name}/look.png", character_picture),
        Route("/bible/locations/{i}.png", location_picture),
        Route("/builds", builds_page),
        Route("/builds", start_build, methods=["POST"]),
        Route("/builds/{job}", job_status),
        Route("/builds/{job}/events", job_events),
        Route("/builds/{job}/cancel", cancel_job, methods=["POST"]),
        Route("/media/{path:path}", media),
        Mount("/static", app=StaticFiles(directory=str(_PACKAGE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={PageError: _page_error, 404: _not_found,
                                                       405: _not_found})
    app.state.studio = studio
    return Guard(app, host=host, port=port, token=token)
