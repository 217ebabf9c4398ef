"""A fake ComfyUI on 127.0.0.1 for tests: the parts of its HTTP + websocket API that reelwright uses.

``FakeComfy()`` serves ``POST /prompt``, ``GET /queue``, ``GET /history``, ``GET /history/{id}``, ``GET /view``,
``POST /upload/image`` and the websocket ``GET /ws?clientId=…`` on one port (a small RFC 6455 server on the
standard library's HTTP server, as ComfyUI serves both on one port). A worker thread "runs" queued workflows one
at a time like ComfyUI: it validates the graph on submission (unfilled ``{{placeholders}}``, dangling links,
non-integer sizes and seeds, LoadImage names that were never uploaded → HTTP 400 with ``node_errors``), reports
``execution_start`` / ``executing`` / ``progress`` / ``executed`` / ``execution_success`` / ``executing``
``null`` over the socket, and writes a real PNG of the asked size (SaveImage) or a real H.264 MP4 (SaveVideo,
VHS_VideoCombine) made with PyAV.

Scripting: ``prompt_replies`` (statuses answered to ``/prompt`` before accepting, e.g. ``[429, 500]``),
``prompt_delay`` (queue the job, then answer late: a submission timeout after acceptance), ``fail_node`` (that
node raises: ``execution_error``), ``die_at_step`` (the server goes away mid-job), ``drop_ws_at_step`` (the
socket is cut, the job goes on), ``ignore_prompt_id`` (an older ComfyUI that mints its own ids), ``gate`` (clear
it to hold the worker). :meth:`FakeComfy.restart` starts a new server on the same port, with or without the old
history.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import socket
import struct
import threading
import time
import urllib.parse
import uuid
from email import policy
from email.parser import BytesParser
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
from PIL import Image, PngImagePlugin

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OUTPUT_NODES = {"SaveImage", "PreviewImage", "SaveVideo", "VHS_VideoCombine"}
KNOWN_NODES = OUTPUT_NODES | {
    "CheckpointLoaderSimple", "CLIPTextEncode", "EmptyLatentImage", "EmptySD3LatentImage", "KSampler",
    "VAEDecode", "VAEEncode", "LoadImage", "UNETLoader", "CLIPLoader", "DualCLIPLoader", "VAELoader",
    "CLIPVisionLoader", "CLIPVisionEncode", "WanImageToVideo", "ModelSamplingSD3", "CreateVideo",
    "FluxKontextImageScale", "ReferenceLatent", "FluxGuidance"}
_INTS = {"seed", "width", "height", "steps", "length", "batch_size"}


class _Socket:
    """One websocket connection (server side): text frames out, frames in only to notice a close."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.lock = threading.Lock()

    def send_json(self, message: dict) -> None:
        payload = json.dumps(message).encode()
        n = len(payload)
        head = bytes([0x81]) + (bytes([n]) if n < 126 else
                                bytes([126]) + struct.pack(">H", n) if n < 65536 else
                                bytes([127]) + struct.pack(">Q", n))
        with self.lock:
            try:
                self.sock.sendall(head + payload)
            except OSError:
                pass

    def cut(self) -> None:
        """Drop the connection without a close frame (a proxy timing out, a network blip)."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    @staticmethod
    def read_frame(rfile) -> tuple[int, bytes]:
        head = rfile.read(2)
        if len(head) < 2:
            raise EOFError
        opcode, n = head[0] & 0x0F, head[1] & 0x7F
        if n == 126:
            n = struct.unpack(">H", rfile.read(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", rfile.read(8))[0]
        mask = rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(rfile.read(n)))
        return opcode, data


class FakeComfy:
    def __init__(self, port: int = 0, *, history: dict | None = None, files: dict | None = None,
                 uploads: dict | None = None, step_delay: float = 0.002, ignore_prompt_id: bool = False) -> None:
        self.history: dict[str, dict] = history if history is not None else {}
        self.files: dict[tuple[str, str], bytes] = files if files is not None else {}
        self.uploads: dict[str, bytes] = uploads if uploads is not None else {}
        self.step_delay = step_delay
        self.ignore_prompt_id = ignore_prompt_id
        self.prompt_replies: list[int] = []
        self.prompt_delay = 0.0
        self.fail_node: str | None = None
        self.die_at_step: int | None = None
        self.drop_ws_at_step: int | None = None
        self.gate = threading.Event()
        self.gate.set()
        # what the server saw
        self.prompt_posts: list[dict] = []  # every /prompt body, answered or not
        self.accepted: list[str] = []       # prompt ids queued
        self.requests: list[tuple[str, str]] = []
        self.authorization: list[tuple[str, str | None]] = []  # (path, Authorization header) of each request
        self.ws_clients: list[str] = []
        self.max_in_flight = 0
        self.dead = False
        self._gone = threading.Event()  # set once the port is closed
        self._pending: list[list] = []      # [number, id, graph, extra, outputs]
        self._running: dict[str, list] = {}
        self._sockets: dict[str, _Socket] = {}
        self._number = 0
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
        self._counter = 0
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._serve = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._serve.start()
        self._worker = threading.Thread(target=self._work, daemon=True)
        self._worker.start()

    # ---- life ----------------------------------------------------------------------------------------

    def kill(self) -> None:
        """The server process dies: sockets cut, port closed, the running job never finishes."""
        with self._lock:
            if self.dead:
                self._gone.wait(5)
                return
            self.dead = True
            self._wake.notify_all()
            sockets = list(self._sockets.values())
            self._sockets.clear()
        for ws in sockets:
            ws.cut()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._gone.set()
        self.gate.set()

    close = kill

    def __enter__(self) -> FakeComfy:
        return self

    def __exit__(self, *exc) -> None:
        self.kill()

    @classmethod
    def restart(cls, old: FakeComfy, *, keep_history: bool, finish_running: bool = False, **kw) -> FakeComfy:
        """A new server on ``old``'s port: with its history and files (and, with ``finish_running``, the job
        that was running when it died written as finished), or empty."""
        old.kill()
        if not keep_history:
            return cls(old.port, **kw)
        new = cls(old.port, history=old.history, files=old.files, uploads=old.uploads, **kw)
        if finish_running:
            for item in list(old._running.values()):
                new._execute(item, quiet=True)
        return new

    # ---- the queue -----------------------------------------------------------------------------------

    def queued(self) -> list[str]:
        with self._lock:
            return [item[1] for item in [*self._running.values(), *self._pending]]

    def _enqueue(self, graph: dict, body: dict, outputs: list[str]) -> str:
        with self._lock:
            pid = str(uuid.uuid4()) if self.ignore_prompt_id else str(body.get("prompt_id") or uuid.uuid4())
            extra = dict(body.get("extra_data") or {})
            if "client_id" in body:
                extra["client_id"] = body["client_id"]
            self._pending.append([self._number, pid, graph, extra, outputs])
            self._number += 1
            self.accepted.append(pid)
            self.max_in_flight = max(self.max_in_flight, len(self._pending) + len(self._running))
            self._wake.notify_all()
            return pid

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._pending and not self.dead:
                    self._wake.wait(0.1)
                if self.dead:
                    return
            self.gate.wait()
            with self._lock:
                if self.dead or not self._pending:
                    continue
                item = self._pending.pop(0)
                self._running[item[1]] = item
            self._execute(item)

    def _send(self, client: str | None, kind: str, data: dict) -> None:
        ws = self._sockets.get(client or "")
        if ws is not None:
            ws.send_json({"type": kind, "data": data})

    def _execute(self, item: list, quiet: bool = False) -> None:
        number, pid, graph, extra, outputs = item
        client = None if quiet else extra.get("client_id")
        messages: list[list] = []

        def say(kind: str, data: dict, keep: bool = False) -> None:
            data = {**data, "prompt_id": pid}
            if keep:
                messages.append([kind, {**data, "timestamp": int(time.time() * 1000)}])
            self._send(client, kind, data)

        say("execution_start", {}, keep=True)
        say("execution_cached", {"nodes": []}, keep=True)
        results: dict[str, dict] = {}
        step = 0
        for node_id in _order(graph):
            if self.dead:
                return
            node = graph[node_id]
            say("executing", {"node": node_id, "display_node": node_id})
            if node_id == self.fail_node:
                error = {"node_id": node_id, "node_type": node["class_type"], "executed": list(results),
                         "exception_message": "CUDA out of memory. Tried to allocate 2.00 GiB",
                         "exception_type": "torch.OutOfMemoryError", "traceback": ["  File \"nodes.py\"\n"],
                         "current_inputs": {}, "current_outputs": {}}
                say("execution_error", error, keep=True)
                self._finish(pid, item, {}, "error", messages, client)
                return
            if node["class_type"] == "KSampler":
                steps = max(1, min(int(node["inputs"].get("steps", 4)), 8))
                for value in range(1, steps + 1):
                    step += 1
                    if self.die_at_step is not None and step >= self.die_at_step and not quiet:
                        threading.Thread(target=self.kill, daemon=True).start()
                        return
                    if self.drop_ws_at_step is not None and step == self.drop_ws_at_step and not quiet:
                        with self._lock:
                            sockets, self._sockets = list(self._sockets.values()), {}
                        for ws in sockets:
                            ws.cut()
                    time.sleep(self.step_delay)
                    say("progress", {"value": value, "max": steps, "node": node_id})
            if node["class_type"] in OUTPUT_NODES:
                out = self._output(node_id, graph)
                results[node_id] = out
                say("executed", {"node": node_id, "display_node": node_id, "output": out})
        say("execution_success", {}, keep=True)
        self._finish(pid, item, results, "success", messages, client)

    def _finish(self, pid: str, item: list, results: dict, status: str, messages: list, client: str | None) -> None:
        with self._lock:
            self._running.pop(pid, None)
            self.history[pid] = {"prompt": item, "outputs": results, "meta": {},
                                 "status": {"status_str": status, "completed": status == "success",
                                            "messages": messages}}
        self._send(client, "executing", {"node": None, "prompt_id": pid})

    # ---- what the "models" make ------------------------------------------------------------------------

    def _output(self, node_id: str, graph: dict) -> dict:
        node = graph[node_id]
        prefix = str(node["inputs"].get("filename_prefix", "ComfyUI"))
        sub, _, stem = prefix.rpartition("/")
        with self._lock:
            self._counter += 1
            counter = self._counter
        width, height = _size(graph)
        seed = _find(graph, "KSampler", "seed", 0)
        prompt = " | ".join(str(n["inputs"].get("text", "")) for n in _nodes(graph, "CLIPTextEncode"))
        start = self._loaded_image(graph)
        if node["class_type"] in ("SaveImage", "PreviewImage"):
            name = f"{stem}_{counter:05}_.png"
            kind = "output" if node["class_type"] == "SaveImage" else "temp"
            self.files[(sub, name)] = _png(width, height, seed, prompt, start)
            return {"images": [{"filename": name, "subfolder": sub, "type": kind}]}
        frames = int(_find(graph, "WanImageToVideo", "length", 0) or _find(graph, None, "length", 16))
        fps = float(_find(graph, "CreateVideo", "fps", 0) or node["inputs"].get("frame_rate", 16))
        name = f"{stem}_{counter:05}_.mp4"
        self.files[(sub, name)] = _mp4(width, height, frames, fps, seed, start)
        ref = {"filename": name, "subfolder": sub, "type": "output"}
        if node["class_type"] == "VHS_VideoCombine":
            return {"gifs": [{**ref, "format": "video/h264-mp4", "frame_rate": fps}]}
        return {"images": [ref], "animated": [True]}

    def _loaded_image(self, graph: dict) -> Image.Image | None:
        for node in _nodes(graph, "LoadImage"):
            data = self.uploads.get(str(node["inputs"].get("image")))
            if data:
                return Image.open(io.BytesIO(data)).convert("RGB")
        return None

    # ---- validation (as ComfyUI's validate_prompt answers) -----------------------------------------------

    def _validate(self, graph: Any) -> tuple[int, dict] | None:
        if not isinstance(graph, dict) or not graph:
            return 400, {"error": {"type": "no_prompt", "message": "No prompt provided", "details": "",
                                   "extra_info": {}}, "node_errors": {}}
        for node_id, node in graph.items():
            if node.get("class_type") not in KNOWN_NODES:
                return 400, {"error": {"type": "invalid_prompt", "message": "Cannot execute because node "
                                       f"{node.get('class_type')} does not exist.", "details": f"Node ID '#{node_id}'",
                                       "extra_info": {}}, "node_errors": {}}
        outputs = [n for n, node in graph.items() if node["class_type"] in OUTPUT_NODES]
        if not outputs:
            return 400, {"error": {"type": "prompt_no_outputs", "message": "Prompt has no outputs", "details": "",
                                   "extra_info": {}}, "node_errors": {}}
        node_errors = {}
        for node_id, node in graph.items():
            errors = []
            for name, value in node.get("inputs", {}).items():
                if isinstance(value, list) and len(value) == 2 and isinstance(value[1], int):
                    if str(value[0]) not in graph:
                        errors.append({"type": "required_input_missing", "message": "Required input is missing",
                                       "details": f"{name} links to missing node {value[0]}",
                                       "extra_info": {"input_name": name}})
                elif isinstance(value, str) and "{{" in value:
                    errors.append({"type": "value_not_valid", "message": "Value not in list",
                                   "details": f"{name}: '{value}' not in list", "extra_info": {"input_name": name}})
                elif name in _INTS and (not isinstance(value, int) or isinstance(value, bool)):
                    errors.append({"type": "invalid_input_type", "message": "Failed to convert an input value to "
                                   "a INT value", "details": f"{name}, {value!r}", "extra_info": {"input_name": name}})
            if node["class_type"] == "LoadImage" and node["inputs"].get("image") not in self.uploads:
                errors.append({"type": "custom_validation_failed", "message": "Custom validation failed for node",
                               "details": f"image - Invalid image file: {node['inputs'].get('image')}",
                               "extra_info": {"input_name": "image"}})
            if errors:
                node_errors[node_id] = {"errors": errors, "dependent_outputs": outputs,
                                        "class_type": node["class_type"]}
        if node_errors:
            return 400, {"error": {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed "
                                   "validation", "details": "", "extra_info": {}}, "node_errors": node_errors}
        return None

    # ---- HTTP --------------------------------------------------------------------------------------------

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _reply(self, status: int, body: Any = None, ctype: str = "application/json") -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                server.requests.append(("GET", url.path))
                server.authorization.append((url.path, self.headers.get("Authorization")))
                if url.path == "/ws" and self.headers.get("Upgrade", "").lower() == "websocket":
                    return self._websocket(query.get("clientId") or uuid.uuid4().hex)
                if url.path == "/queue":
                    with server._lock:
                        return self._reply(200, {"queue_running": list(server._running.values()),
                                                 "queue_pending": list(server._pending)})
                if url.path == "/history":
                    with server._lock:
                        items = list(server.history.items())
                    if "max_items" in query:
                        items = items[-int(query["max_items"]):]
                    return self._reply(200, dict(items))
                if url.path.startswith("/history/"):
                    pid = url.path.rsplit("/", 1)[1]
                    with server._lock:
                        entry = server.history.get(pid)
                    return self._reply(200, {pid: entry} if entry is not None else {})
                if url.path == "/view":
                    data = server.files.get((query.get("subfolder", ""), query.get("filename", "")))
                    if data is None or query.get("type", "output") not in ("output", "temp"):
                        return self._reply(404, b"", "text/plain")
                    ctype = "image/png" if query["filename"].endswith(".png") else "video/mp4"
                    return self._reply(200, data, ctype)
                self._reply(404, b"404: Not Found", "text/plain")

            def do_POST(self) -> None:  # noqa: N802
                url = urllib.parse.urlsplit(self.path)
                server.requests.append(("POST", url.path))
                server.authorization.append((url.path, self.headers.get("Authorization")))
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if url.path == "/prompt":
                    return self._prompt(raw)
                if url.path == "/upload/image":
                    return self._upload(raw)
                self._reply(404, b"404: Not Found", "text/plain")

            def _prompt(self, raw: bytes) -> None:
                body = json.loads(raw)
                server.prompt_posts.append(body)
                if server.prompt_replies:
                    status = server.prompt_replies.pop(0)
                    return self._reply(status, {"error": {"message": f"scripted {status}"}})
                problem = server._validate(body.get("prompt"))
                if problem:
                    return self._reply(*problem)
                outputs = [n for n, node in body["prompt"].items() if node["class_type"] in OUTPUT_NODES]
                pid = server._enqueue(body["prompt"], body, outputs)
                if server.prompt_delay:
                    time.sleep(server.prompt_delay)
                self._reply(200, {"prompt_id": pid, "number": len(server.accepted) - 1, "node_errors": {}})

            def _upload(self, raw: bytes) -> None:
                head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
                message = BytesParser(policy=policy.default).parsebytes(head + raw)
                fields, image = {}, None
                for part in message.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    if part.get_filename():
                        image = (part.get_filename(), part.get_payload(decode=True))
                    else:
                        fields[name] = part.get_content().strip()
                if image is None:
                    return self._reply(400, b"", "text/plain")
                name, data = image
                if name in server.uploads and fields.get("overwrite") not in ("true", "1") \
                        and server.uploads[name] != data:
                    stem, dot, ext = name.rpartition(".")
                    name = f"{stem} (1).{ext}"
                server.uploads[name] = data
                self._reply(200, {"name": name, "subfolder": fields.get("subfolder", ""), "type": "input"})

            def _websocket(self, client: str) -> None:
                accept = base64.b64encode(hashlib.sha1((self.headers["Sec-WebSocket-Key"] + _GUID).encode())
                                          .digest()).decode()
                self.send_response(101, "Switching Protocols")
                self.send_header("Upgrade", "websocket")
                self.send_header("Connection", "Upgrade")
                self.send_header("Sec-WebSocket-Accept", accept)
                self.end_headers()
                self.wfile.flush()
                ws = _Socket(self.connection)
                with server._lock:
                    server._sockets[client] = ws
                    server.ws_clients.append(client)
                    remaining = len(server._pending) + len(server._running)
                ws.send_json({"type": "status", "data": {"status": {"exec_info": {"queue_remaining": remaining}},
                                                          "sid": client}})
                try:
                    while True:
                        opcode, data = _Socket.read_frame(self.rfile)
                        if opcode == 0x8:
                            with ws.lock:
                                self.connection.sendall(b"\x88\x00")
                            break
                except (OSError, EOFError, ValueError):
                    pass
                finally:
                    with server._lock:
                        if server._sockets.get(client) is ws:
                            del server._sockets[client]
                    self.close_connection = True

        return Handler


# ---- graph helpers and media ------------------------------------------------------------------------------

def _order(graph: dict) -> list[str]:
    """Node ids, each after the nodes it takes input from."""
    seen: list[str] = []

    def visit(node_id: str) -> None:
        if node_id in seen:
            return
        for value in graph[node_id].get("inputs", {}).values():
            if isinstance(value, list) and len(value) == 2 and str(value[0]) in graph:
                visit(str(value[0]))
        seen.append(node_id)

    for node_id in graph:
        visit(node_id)
    return seen


def _nodes(graph: dict, class_type: str) -> list[dict]:
    return [node for node in graph.values() if node["class_type"] == class_type]


def _find(graph: dict, class_type: str | None, name: str, default: Any) -> Any:
    for node in graph.values():
        if (class_type is None or node["class_type"] == class_type) and name in node.get("inputs", {}):
            return node["inputs"][name]
    return default


def _size(graph: dict) -> tuple[int, int]:
    for kind in ("EmptyLatentImage", "EmptySD3LatentImage", "WanImageToVideo"):
        for node in _nodes(graph, kind):
            return int(node["inputs"]["width"]), int(node["inputs"]["height"])
    return 512, 512


def _color(seed: int) -> tuple[int, int, int]:
    digest = hashlib.sha256(str(seed).encode()).digest()
    return digest[0], digest[1], digest[2]


def _png(width: int, height: int, seed: int, prompt: str, start: Image.Image | None) -> bytes:
    image = Image.new("RGB", (width, height), _color(seed))
    if start is not None:  # the reference shows in the top-left quarter
        image.paste(start.resize((max(1, width // 2), max(1, height // 2))), (0, 0))
    info = PngImagePlugin.PngInfo()
    info.add_text("prompt", prompt)
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _mp4(width: int, height: int, frames: int, fps: float, seed: int, start: Image.Image | None) -> bytes:
    import av

    base = np.array(start.resize((width, height)) if start is not None else Image.new("RGB", (width, height),
                                                                                      _color(seed)))
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1000))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for i in range(frames):
            frame = np.roll(base, i * 2, axis=1)  # the picture pans: a moving clip
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()
