"""``image:comfyui`` and ``video:comfyui``: a ComfyUI server's HTTP + websocket API.

A project names an API-format workflow (ComfyUI: *Export (API)*); reelwright fills in the named parameters —
placeholders (string values exactly ``"{{prompt}}"``, ``"{{seed}}"``, …) and/or a ``params`` map
(``{"prompt": "6.inputs.text"}``) — uploads the reference image or the shot's still (``POST /upload/image``),
queues the graph (``POST /prompt``), follows it over the websocket (``/ws``; polling ``/history/{id}`` when the
socket is unavailable or drops) and downloads the outputs (``GET /view``).

Jobs are journalled under the request key *before* they are submitted, with a prompt id chosen here (ComfyUI
accepts a client-chosen ``prompt_id``; older servers mint their own, which is then journalled instead). A re-run
looks a journalled job up first: done → downloaded, still queued or running → followed, failed → reported and
forgotten (the next run submits again), unknown to the server (it restarted without its history) → submitted
again. A submission that times out is resolved by looking the id up, never by posting it again.

Relative workflow paths are resolved against :attr:`ComfyImages.project_root` (the build sets it to the project
folder), else against the current directory.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import threading
import time
import uuid
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from reelwright.errors import ProviderError
from reelwright.providers.base import (
    ClipRequest,
    Generated,
    ImageProvider,
    ImageRequest,
    JobJournal,
    Progress,
    VideoProvider,
)
from reelwright.providers.comfyui_workflow import (
    PARAM_NAME,
    fill_workflow,
    fit_size,
    load_workflow,
    output_files,
    wanted,
)
from reelwright.providers.http import (
    HttpClient,
    HttpError,
    HttpOptions,
    RequestTimeout,
    multipart,
)

__all__ = ["ComfyImages", "ComfyVideo", "ComfyClient", "ComfyOptions", "fill_workflow", "load_workflow"]

log = logging.getLogger(__name__)

_SAMPLES = {"image": "still.json", "video": "image_to_video.json"}
# how we talk to the server (not what it makes): left out of the cache identity


class ComfyOptions(HttpOptions):
    """Options shared by ``image:comfyui`` and ``video:comfyui``."""

    TRANSPORT: ClassVar[frozenset[str]] = HttpOptions.TRANSPORT | {"poll_interval", "job_timeout", "websocket"}

    base_url: str = Field("http://127.0.0.1:8188", description="the ComfyUI server")
    api_key_env: str | None = Field("", description="environment variable holding a key for a ComfyUI behind an "
                                    "authenticating proxy (sent as a Bearer token); empty for none")
    workflow: str | None = Field(None, description="API-format workflow JSON (ComfyUI: Export (API)), relative to "
                                 "the project folder; none = the sample shipped with reelwright")
    params: dict[str, str] = Field(default_factory=dict, description="parameter → 'node.inputs.field' for "
                                   "workflows exported unchanged, e.g. {prompt = \"6.inputs.text\"}; applied "
                                   "besides {{placeholders}}")
    output_node: str | None = Field(None, description="id of the node whose output to download; none = every "
                                    "image/video output of the job (the first one is used)")
    poll_interval: float = Field(1.0, gt=0, le=60, description="seconds between /history polls when the "
                                 "websocket is unavailable")
    job_timeout: float = Field(3600.0, gt=0, description="seconds to wait for one job; it stays journalled, so "
                               "the next run picks it up again")
    websocket: bool = Field(True, description="follow progress over /ws (else poll /history)")
    max_side: int | None = Field(None, ge=64, le=8192, description="scale the requested size down so that its "
                                 "longer side is at most this (the renderer scales the result back)")
    multiple_of: int = Field(8, ge=1, le=256, description="round width and height to a multiple of this")

    @field_validator("params")
    @classmethod
    def _check_params(cls, value: dict[str, str]) -> dict[str, str]:
        for name, path in value.items():
            if not PARAM_NAME.match(name):
                raise ValueError(f"params: unknown parameter {name!r} (known: prompt, negative_prompt, seed, "
                                 "width, height, image, image2…, seconds, frames, fps)")
            parts = path.split(".")
            if len(parts) != 3 or parts[1] != "inputs" or not parts[0] or not parts[2]:
                raise ValueError(f"params.{name}: {path!r} is not 'node.inputs.field' (e.g. \"6.inputs.text\")")
        return value


# ---- the client --------------------------------------------------------------------------------------------

class ComfyClient:
    """One ComfyUI server: upload, submit (journalled), follow, download. Thread-safe."""

    def __init__(self, options: ComfyOptions, *, provider: str, where: str) -> None:
        self.options = options
        self.provider = provider
        self.where = where
        self.http = HttpClient(options, provider=provider, where=where)

    # ---- uploads and downloads ----------------------------------------------------------------------

    def upload(self, path: str | Path) -> str:
        """Upload an input image (content-addressed name, ``overwrite``); the name for a LoadImage input."""
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ProviderError(f"{self.provider}: cannot read the image to upload {path}: {exc.strerror}") from None
        suffix = path.suffix.lower() or ".png"
        name = f"reelwright-{hashlib.sha256(data).hexdigest()[:24]}{suffix}"
        ctype = "image/jpeg" if suffix in (".jpg", ".jpeg") else f"image/{suffix[1:]}"
        body, content_type = multipart({"overwrite": "true", "type": "input"}, {"image": (name, data, ctype)})
        answer = self.http.request("POST", "/upload/image", data=body, content_type=content_type,
                                   not_found=f"is base_url in {self.where} a ComfyUI server?").json()
        try:
            got, sub = str(answer["name"]), str(answer.get("subfolder") or "")
        except (KeyError, TypeError):
            raise ProviderError(f"{self.http.url('/upload/image')} answered without a name: {answer!r:.200}") from None
        return f"{sub}/{got}" if sub else got

    def download(self, ref: dict[str, Any]) -> bytes:
        params = {"filename": ref["filename"], "subfolder": ref.get("subfolder", ""), "type": ref.get("type", "output")}
        return self.http.request("GET", "/view", params=params).body

    # ---- jobs --------------------------------------------------------------------------------------

    def run(self, graph: dict[str, Any], *, key: str, journal: JobJournal, source: str,
            on_progress: Progress | None = None) -> tuple[str, dict[str, Any]]:
        """Run ``graph`` as the job for ``key`` (picking up a journalled one); ``(prompt_id, history entry)``."""
        record = journal.get(key)
        if record and record.get("prompt_id"):
            state, entry, pid = self.lookup(record["prompt_id"])
            if state == "done":
                log.info("%s: job %s for %s already done on the server; downloading", self.provider, pid, key[:12])
                return pid, entry
            if state == "error":
                journal.drop(key)
                raise self._job_error(pid, entry, source)
            if state == "pending":
                record["prompt_id"] = pid
                log.info("%s: following job %s, accepted earlier", self.provider, pid)
                return pid, self._follow(record, key=key, journal=journal, source=source, on_progress=on_progress)
            log.info("%s: job %s is unknown to %s (restarted?); submitting again", self.provider, pid,
                     self.options.base_url)
        record = {"provider": self.provider, "base_url": self.options.base_url, "prompt_id": str(uuid.uuid4()),
                  "client_id": uuid.uuid4().hex, "state": "submitting", "workflow": source}
        ws = self._connect(record["client_id"])  # before submitting, so that no message is missed
        try:
            journal.put(key, record)
            try:
                answer = self.http.request("POST", "/prompt", retry_timeouts=False, json_body={
                    "prompt": graph, "client_id": record["client_id"], "prompt_id": record["prompt_id"],
                    "extra_data": {"reelwright_job": record["prompt_id"]}},
                    not_found=f"is base_url in {self.where} a ComfyUI server?").json()
            except RequestTimeout as exc:
                state, entry, pid = self.lookup(record["prompt_id"])
                if state == "unknown":
                    raise ProviderError(f"{exc}; the server does not know job {record['prompt_id']} yet — the next "
                                        "run looks it up again before submitting anything") from None
                log.info("%s: /prompt timed out but job %s was accepted", self.provider, pid)
                record.update(prompt_id=pid, state="accepted")
                journal.put(key, record)
                if state == "done":
                    return pid, entry
                if state == "error":
                    journal.drop(key)
                    raise self._job_error(pid, entry, source) from None
            except HttpError as exc:
                journal.drop(key)  # rejected: nothing was queued
                if exc.status == 404:
                    raise
                raise self._rejected(exc, source) from None
            else:  # a server older than client-chosen ids answers with its own
                pid = str(answer.get("prompt_id") or record["prompt_id"]) if isinstance(answer, dict) \
                    else record["prompt_id"]
                if isinstance(answer, dict) and answer.get("node_errors"):
                    log.warning("%s: ComfyUI accepted job %s with node errors: %s", self.provider, pid,
                                json.dumps(answer["node_errors"])[:300])
                record.update(prompt_id=pid, state="accepted")
                journal.put(key, record)
            return record["prompt_id"], self._follow(record, key=key, journal=journal, source=source,
                                                     on_progress=on_progress, ws=ws)
        finally:
            _close(ws)

    def lookup(self, prompt_id: str) -> tuple[Literal["done", "error", "pending", "unknown"], dict | None, str]:
        """Where job ``prompt_id`` is: ``(state, history entry, prompt id on the server)``."""
        entry = self._history(prompt_id)
        if entry is not None:
            return _entry_state(entry), entry, prompt_id
        queue = self.http.request("GET", "/queue").json()
        for item in [*(queue.get("queue_running") or []), *(queue.get("queue_pending") or [])] \
                if isinstance(queue, dict) else []:
            if isinstance(item, list) and len(item) > 3:
                extra = item[3] if isinstance(item[3], dict) else {}
                if item[1] == prompt_id or extra.get("reelwright_job") == prompt_id:
                    return "pending", None, str(item[1])
        entry = self._history(prompt_id)  # it may have finished between the two looks
        if entry is not None:
            return _entry_state(entry), entry, prompt_id
        # a server that minted its own id (older ComfyUI): find ours in the extra data of recent history
        recent = self.http.request("GET", "/history", params={"max_items": 64}).json()
        for pid, entry in (recent.items() if isinstance(recent, dict) else []):
            prompt = entry.get("prompt") if isinstance(entry, dict) else None
            if isinstance(prompt, list) and len(prompt) > 3 and isinstance(prompt[3], dict) \
                    and prompt[3].get("reelwright_job") == prompt_id:
                return _entry_state(entry), entry, str(pid)
        return "unknown", None, prompt_id

    def _history(self, prompt_id: str) -> dict | None:
        answer = self.http.request("GET", f"/history/{prompt_id}").json()
        entry = answer.get(prompt_id) if isinstance(answer, dict) else None
        return entry if isinstance(entry, dict) else None

    # ---- following a job ---------------------------------------------------------------------------

    def _connect(self, client_id: str):
        """A websocket to ``/ws`` for ``client_id``, or None (polling) when it cannot be opened."""
        if not self.options.websocket:
            return None
        try:
            import websocket  # websocket-client
        except ImportError:  # pragma: no cover - a dependency; polling still works without it
            log.warning("%s: websocket-client is not installed; polling /history", self.provider)
            return None

        url = self.http.ws_url("/ws", {"clientId": client_id})
        headers = []
        key = self.http.api_key()
        if key:
            headers.append(f"Authorization: Bearer {key}")
        try:
            return websocket.create_connection(url, timeout=min(self.options.timeout, 10.0), header=headers)
        except (OSError, websocket.WebSocketException) as exc:
            log.info("%s: no websocket at %s (%s); polling /history every %g s", self.provider, url, exc,
                     self.options.poll_interval)
            return None

    def _follow(self, record: dict[str, Any], *, key: str, journal: JobJournal, source: str,
                on_progress: Progress | None, ws=None) -> dict[str, Any]:
        pid = record["prompt_id"]
        deadline = time.monotonic() + self.options.job_timeout
        own = ws is None
        if ws is None:
            ws = self._connect(record.get("client_id") or uuid.uuid4().hex)
        try:
            if ws is not None:
                self._watch(ws, pid, on_progress, deadline)
        finally:
            if own:
                _close(ws)
        while True:  # the websocket said done, dropped, or was never there: /history has the final word
            state, entry, pid = self.lookup(pid)
            if state == "done":
                return entry
            if state == "error":
                journal.drop(key)
                raise self._job_error(pid, entry, source)
            if state == "unknown":
                raise ProviderError(f"{self.options.base_url} no longer knows ComfyUI job {pid} (the server "
                                    "restarted?); the next run submits it again")
            if time.monotonic() > deadline:
                raise ProviderError(f"ComfyUI job {pid} did not finish within {self.options.job_timeout:g} s; it "
                                    f"stays queued and the next run follows it (raise job_timeout in {self.where})")
            self.http.sleep(self.options.poll_interval)

    def _watch(self, ws, pid: str, on_progress: Progress | None, deadline: float) -> None:
        """Read ``/ws`` messages until job ``pid`` has finished (or failed), the socket drops, or the deadline;
        checks /history whenever the socket is quiet for a while."""
        import websocket

        quiet = max(self.options.poll_interval * 5, 0.5)
        while time.monotonic() < deadline:
            ws.settimeout(min(quiet, max(deadline - time.monotonic(), 0.01)))
            try:
                raw = ws.recv()
            except websocket.WebSocketTimeoutException:
                state, _, _ = self.lookup(pid)
                if state != "pending":
                    return
                continue
            except (OSError, websocket.WebSocketException) as exc:
                log.info("%s: websocket dropped (%s); polling /history for job %s", self.provider, exc, pid)
                return
            if isinstance(raw, (bytes, bytearray)):
                continue  # binary preview images
            if not raw:  # a close frame
                log.info("%s: websocket closed; polling /history for job %s", self.provider, pid)
                return
            try:
                message = json.loads(raw)
                kind, data = message.get("type"), message.get("data") or {}
            except (json.JSONDecodeError, AttributeError):
                continue
            if data.get("prompt_id") not in (None, pid):
                continue
            if kind == "progress" and on_progress is not None:
                try:
                    on_progress(int(data.get("value", 0)), int(data.get("max", 0)))
                except (TypeError, ValueError):
                    pass
            elif kind == "executing" and data.get("node") is None and data.get("prompt_id") == pid:
                return
            elif kind in ("execution_error", "execution_interrupted") and data.get("prompt_id") == pid:
                return  # the history entry carries the error

    # ---- errors ------------------------------------------------------------------------------------

    def _job_error(self, pid: str, entry: dict | None, source: str) -> ProviderError:
        messages = ((entry or {}).get("status") or {}).get("messages") or []
        for item in messages:
            if isinstance(item, list) and len(item) == 2 and item[0] in ("execution_error", "execution_interrupted"):
                data = item[1] if isinstance(item[1], dict) else {}
                what = (f"{data.get('exception_type', '')}: {data.get('exception_message', '')}".strip(": ")
                        if item[0] == "execution_error" else "interrupted")
                return ProviderError(f"ComfyUI job {pid} failed in node {data.get('node_id')} "
                                     f"({data.get('node_type')}) of {source}: {what.strip()}; the next run submits "
                                     "it again")
        return ProviderError(f"ComfyUI job {pid} ({source}) failed on the server without an error message; the next "
                             "run submits it again")

    def _rejected(self, exc: HttpError, source: str) -> ProviderError:
        body = exc.json()
        if not isinstance(body, dict):
            return ProviderError(f"{exc}; check the workflow {source} and {self.where}")
        error = body.get("error")
        text = error.get("message") if isinstance(error, dict) else str(error or exc.detail)
        if isinstance(error, dict) and error.get("details"):
            text += f" ({error['details']})"
        problems = []
        for node_id, info in (body.get("node_errors") or {}).items():
            info = info if isinstance(info, dict) else {}
            errs = "; ".join(f"{e.get('message', '')}" + (f": {e['details']}" if e.get("details") else "")
                             for e in info.get("errors") or [] if isinstance(e, dict))
            problems.append(f"node {node_id} ({info.get('class_type', '?')}): {errs or 'invalid'}")
        detail = "; ".join(problems) if problems else ""
        return ProviderError(f"ComfyUI at {self.options.base_url} rejected the workflow {source}: {text}"
                             + (f" — {detail}" if detail else "") + " (does the server have these models and "
                             "custom nodes?)")


def _entry_state(entry: dict[str, Any]) -> Literal["done", "error", "pending"]:
    status = entry.get("status") or {}
    if status.get("status_str") == "error":
        return "error"
    if status and status.get("completed") is False and not entry.get("outputs"):
        return "error"
    return "done"


def _close(ws) -> None:
    if ws is not None:
        try:
            ws.close(timeout=0.5)
        except Exception:  # noqa: BLE001 - closing a broken socket
            pass


# ---- the providers -----------------------------------------------------------------------------------------

class _ComfyProvider:
    """What the two providers share: options, the workflow file, the client, the job bound."""

    kind: ClassVar[str]
    name: ClassVar[str] = "comfyui"

    def _setup(self) -> None:
        spec = f"{self.kind}:comfyui"
        self.where = f'[providers.options."{spec}"] in reelwright.toml'
        self.client = ComfyClient(self.options, provider=spec, where=self.where)
        self._jobs = threading.BoundedSemaphore(self.options.concurrency)
        self._graphs: dict[Path, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    @property
    def requests(self) -> int:
        return self.client.http.requests

    def workflow_path(self, which: str = "workflow") -> Path:
        value = getattr(self.options, which)
        if value is None:
            return Path(str(resources.files("reelwright") / "samples" / "comfyui" / _SAMPLES[self.kind]))
        path = Path(value).expanduser()
        if not path.is_absolute():
            path = (Path(self.project_root) if self.project_root is not None else Path.cwd()) / path
        return path

    def workflow(self, which: str = "workflow") -> tuple[Path, dict[str, Any]]:
        path = self.workflow_path(which)
        try:
            mtime = path.stat().st_mtime
        except OSError:
            mtime = -1.0
        with self._lock:
            cached = self._graphs.get(path)
            if cached is None or cached[0] != mtime:
                cached = (mtime, load_workflow(path, self.where))
                self._graphs[path] = cached
        return path, cached[1]

    def identity(self) -> dict[str, Any]:
        ident = super().identity()  # type: ignore[misc]
        opts = ident["options"]
        for which in ("workflow", "reference_workflow"):
            if getattr(self.options, which, None) is not None or which == "workflow":
                path, graph = self.workflow(which)
                opts[f"{which}_sha256"] = hashlib.sha256(json.dumps(graph, sort_keys=True).encode()).hexdigest()
        return ident

    def _generate(self, which: str, values: dict[str, Any], images: list[str], *, key: str,
                  on_progress: Progress | None, kind: Literal["image", "video"]) -> tuple[bytes, str, dict]:
        path, graph = self.workflow(which)
        need = wanted(graph, self.options.params)
        slots = sorted((n for n in need if re.fullmatch(r"image[0-9]*", n)), key=lambda n: int(n[5:] or 1))
        for slot in slots:
            index = int(slot[5:] or 1) - 1
            if index >= len(images):
                raise ProviderError(f"the ComfyUI workflow {path} takes {{{{{slot}}}}} but this request has "
                                    f"{len(images)} image(s); use a workflow without it here ({self.where})")
            values[slot] = self.client.upload(images[index])
        graph = fill_workflow(graph, values, self.options.params, source=str(path), setting=self.where)
        with self._jobs:
            pid, entry = self.client.run(graph, key=key, journal=self.journal, source=str(path),
                                         on_progress=on_progress)
            files = output_files(entry, kind, self.options.output_node, self.where)
            if not files:
                raise ProviderError(f"ComfyUI job {pid} ({path}) produced no {kind} output; add a "
                                    f"{'SaveImage' if kind == 'image' else 'SaveVideo'} node or set output_node in "
                                    f"{self.where}")
            data = self.client.download(files[0])
            self.journal.drop(key)  # finished and fetched: the journal holds jobs in flight only
        if not data:
            raise ProviderError(f"ComfyUI job {pid}: {files[0]['filename']} downloaded empty")
        meta = {"prompt_id": pid, "filename": files[0]["filename"], "node": files[0]["node"],
                "outputs": len(files), "workflow": str(path)}
        return data, Path(files[0]["filename"]).suffix.lower(), meta


class ComfyImages(_ComfyProvider, ImageProvider):
    """``image:comfyui``: pictures from a ComfyUI workflow (txt2img; a reference workflow when the request
    carries reference images)."""

    kind: ClassVar[str] = "image"

    class Options(ComfyOptions):
        reference_workflow: str | None = Field(None, description="workflow used when a request carries reference "
                                               "images ({{image}} = the first, {{image2}} = the second, …); none "
                                               "= workflow, references ignored unless it takes {{image}}")

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self._setup()

    def generate(self, request: ImageRequest, *, key: str, on_progress: Progress | None = None) -> Generated:
        width, height = fit_size(request.width, request.height, self.options.max_side, self.options.multiple_of)
        values: dict[str, Any] = {"prompt": request.prompt, "negative_prompt": request.negative_prompt,
                                  "seed": request.seed, "width": width, "height": height}
        which = "reference_workflow" if request.references and self.options.reference_workflow else "workflow"
        data, suffix, meta = self._generate(which, values, list(request.references), key=key,
                                            on_progress=on_progress, kind="image")
        return Generated(data, suffix or ".png", meta={**meta, "width": width, "height": height})


class ComfyVideo(_ComfyProvider, VideoProvider):
    """``video:comfyui``: a shot's still becomes a clip through an image-to-video workflow."""

    kind: ClassVar[str] = "video"

    class Options(ComfyOptions):
        multiple_of: int = Field(16, ge=1, le=256, description="round width and height to a multiple of this")
        max_side: int | None = Field(832, ge=64, le=8192, description="scale the requested size down so that its "
                                     "longer side is at most this (Wan 2.x 480p: 832); none = as asked")
        frame_step: int = Field(4, ge=1, le=64, description="frames = frame_step × k + 1 (Wan: 4, LTX-Video: 8); "
                                "1 = seconds × fps exactly")

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self._setup()

    def frames(self, seconds: float, fps: int) -> int:
        n = max(1, round(seconds * fps))
        step = self.options.frame_step
        return n if step == 1 else math.ceil(max(n - 1, 0) / step) * step + 1

    def animate(self, request: ClipRequest, *, key: str, on_progress: Progress | None = None) -> Generated:
        width, height = fit_size(request.width, request.height, self.options.max_side, self.options.multiple_of)
        frames = self.frames(request.seconds, request.fps)
        values: dict[str, Any] = {"prompt": request.prompt, "negative_prompt": request.negative_prompt,
                                  "seed": request.seed, "width": width, "height": height, "fps": request.fps,
                                  "frames": frames, "seconds": frames / request.fps}
        data, suffix, meta = self._generate("workflow", values, [request.image], key=key, on_progress=on_progress,
                                            kind="video")
        return Generated(data, suffix or ".mp4", seconds=frames / request.fps,
                         meta={**meta, "width": width, "height": height, "frames": frames})
