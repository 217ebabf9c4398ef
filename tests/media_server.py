"""A fake OpenAI media server on 127.0.0.1 for tests: images (generations, edits, downloads) and speech.

``MediaServer(script)`` serves, on a free port in a thread:

* ``POST /v1/images/generations`` — JSON; answers a real PNG of the asked ``size`` drawn from the prompt and
  ``seed``, as ``b64_json`` or (``response_format: "url"``) a ``url`` served by ``GET /files/<n>.png``;
* ``POST /v1/images/edits`` — multipart; records the uploaded images and pastes the first into the picture
  (``edits=False``: 404, a server without edits);
* ``POST /v1/audio/speech`` — JSON or multipart; a real WAV (or raw PCM) of a tone: :func:`voice_hz` of the
  voice, :func:`speech_seconds` of the text and speed, at 24 kHz.

Every request is recorded (:class:`Seen`). ``script`` maps a request number (0-based, counting every request
the server saw) to a :class:`Reply` to send instead: a status with headers (429 + Retry-After, 500, 401, …),
a ``delay`` (longer than the client's timeout), a dropped connection, or ``die`` (drop it and stop listening);
``fail(seen)`` picks such a reply by the request's content instead (for builds, whose order varies).
A scripted reply with status 200 and no body answers normally after its delay.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import io
import json
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

import numpy as np
from PIL import Image, ImageDraw

try:  # tests/ is a package when it has an __init__.py, else a folder on sys.path
    from tests.chat_server import Reply as _ChatReply
except ImportError:  # pragma: no cover
    from chat_server import Reply as _ChatReply

SPEECH_RATE = 24000


@dataclass
class Reply(_ChatReply):
    die: bool = False  # drop the connection and stop the server (later connections are refused)


@dataclass
class Seen:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any = None
    fields: dict[str, str] = field(default_factory=dict)  # multipart text parts
    files: list[tuple[str, str, bytes]] = field(default_factory=list)  # multipart (name, filename, data)


def error(message: str, status: int, **headers: str) -> Reply:
    return Reply({"error": {"message": message, "type": "test"}}, status=status, headers=headers)


def voice_hz(voice: str) -> float:
    """The tone frequency the fake server speaks ``voice`` at (120-400 Hz)."""
    return 120.0 + zlib.crc32(voice.encode()) % 281


def speech_seconds(text: str, speed: float = 1.0) -> float:
    return round((0.3 + 0.04 * len(text)) / speed * SPEECH_RATE) / SPEECH_RATE


def tone(text: str, voice: str, speed: float = 1.0) -> np.ndarray:
    n = int(round(speech_seconds(text, speed) * SPEECH_RATE))
    t = np.arange(n) / SPEECH_RATE
    x = 0.3 * np.sin(2 * np.pi * voice_hz(voice) * t)
    ramp = min(240, n // 2)
    if ramp:
        x[:ramp] *= np.linspace(0, 1, ramp)
        x[-ramp:] *= np.linspace(1, 0, ramp)
    return np.round(x * 32767).astype("<i2")


def wav_bytes(pcm: np.ndarray, rate: int = SPEECH_RATE, streamed: bool = False) -> bytes:
    """16-bit mono WAV; ``streamed`` writes 0xFFFFFFFF sizes like a server that streams its answer."""
    payload = pcm.astype("<i2").tobytes()
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    riff = 0xFFFFFFFF if streamed else 4 + 8 + len(fmt) + 8 + len(payload)
    size = 0xFFFFFFFF if streamed else len(payload)
    return (b"RIFF" + struct.pack("<I", riff) + b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
            + b"data" + struct.pack("<I", size) + payload)


def draw_png(prompt: str, seed: int, width: int, height: int, reference: bytes | None = None) -> bytes:
    """A deterministic picture of the prompt: a colour field, shapes placed by the seed, the prompt's words, and
    the first reference image pasted in the middle (an "edit")."""
    digest = hashlib.sha256(f"{prompt}|{seed}".encode()).digest()
    img = Image.new("RGB", (width, height), tuple(digest[:3]))
    draw = ImageDraw.Draw(img)
    for i in range(6):
        a, b, c, d = digest[4 + 4 * i: 8 + 4 * i]
        x, y = a * width // 256, b * height // 256
        r = max(8, c * min(width, height) // 1024)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(digest[(i * 3) % 29: (i * 3) % 29 + 3]))
    if reference:
        ref = Image.open(io.BytesIO(reference)).convert("RGB")
        ref.thumbnail((width // 2, height // 2))
        img.paste(ref, ((width - ref.width) // 2, (height - ref.height) // 2))
    draw.multiline_text((12, 12), "\n".join(prompt.split()[:8]), fill=(255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _multipart(content_type: str, raw: bytes) -> tuple[dict[str, str], list[tuple[str, str, bytes]]]:
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
    fields: dict[str, str] = {}
    files: list[tuple[str, str, bytes]] = []
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        if part.get_filename():
            files.append((name, part.get_filename(), data))
        else:
            fields[name] = data.decode("utf-8")
    return fields, files


class MediaServer:
    def __init__(self, script: dict[int, Reply] | None = None, *, edits: bool = True, latency: float = 0.0,
                 url_host: str = "127.0.0.1", streamed_wav: bool = False,
                 fail: Callable[[Seen], Reply | None] | None = None) -> None:
        self.script = dict(script or {})
        self.fail = fail  # by content: a reply to send instead of answering this request, or None
        self.edits = edits
        self.latency = latency  # seconds every answer takes (to see requests overlap)
        self.url_host = url_host  # host named in image URLs (another name for 127.0.0.1 = another origin)
        self.streamed_wav = streamed_wav
        self.requests: list[Seen] = []
        self.files: dict[str, bytes] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.finished = 0  # requests the server finished handling (answered, dropped or failed)
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                server._handle(self, b"")

            def do_POST(self) -> None:  # noqa: N802
                server._handle(self, self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._stopped = False
        self._dying = False  # a ``die`` reply was sent: later requests are dropped unseen until the socket closes

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def paths(self) -> list[str]:
        return [f"{s.method} {s.path}" for s in self.requests]

    def __enter__(self) -> MediaServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self.httpd.shutdown()
        self.httpd.server_close()

    def wait_idle(self, count: int, timeout: float = 10.0) -> None:
        """Wait until the server has finished handling ``count`` requests (a client may give up earlier)."""
        end = time.monotonic() + timeout
        while self.finished < count and time.monotonic() < end:
            time.sleep(0.01)

    # ---- one request -------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler, raw: bytes) -> None:
        if self._dying:  # accepted in the moment before a ``die`` closed the socket: as if refused
            h.close_connection = True
            h.connection.shutdown(2)
            h.connection.close()
            return
        ctype = h.headers.get("Content-Type") or ""
        seen = Seen(h.command, h.path, dict(h.headers))
        if ctype.startswith("application/json"):
            seen.json = json.loads(raw)
        elif ctype.startswith("multipart/form-data"):
            seen.fields, seen.files = _multipart(ctype, raw)
        with self._lock:
            n = len(self.requests)
            self.requests.append(seen)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        answered = False
        try:
            reply = self.script.get(n) or (self.fail(seen) if self.fail else None)
            delay = self.latency + (reply.delay if reply else 0.0)
            if delay:
                time.sleep(delay)
            if reply and (reply.drop or reply.die):
                self._done(answered)
                answered = True
                h.close_connection = True
                h.connection.shutdown(2)
                h.connection.close()
                if reply.die:
                    self._dying = True
                    threading.Thread(target=self.stop, daemon=True).start()
                return
            if reply is None or (reply.status == 200 and reply.body is None):
                reply = self._answer(seen)
            # counted out before the answer is written: a client may send its next request once it has read it
            self._done(answered)
            answered = True
            self._send(h, reply)
        finally:
            self._done(answered)
            with self._lock:
                self.finished += 1

    def _done(self, already: bool) -> None:
        if not already:
            with self._lock:
                self.in_flight -= 1

    def _send(self, h: BaseHTTPRequestHandler, reply: Reply) -> None:
        body = reply.body
        ctype = reply.headers.get("Content-Type", "application/json")
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode("utf-8")
        elif isinstance(body, str):
            data = body.encode("utf-8")
        else:
            data = body or b""
        try:
            h.send_response(reply.status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(data)))
            for k, v in reply.headers.items():
                if k != "Content-Type":
                    h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _answer(self, seen: Seen) -> Reply:
        route = seen.path.split("?")[0].rstrip("/")
        if seen.method == "GET" and route.startswith("/files/"):
            data = self.files.get(route.rsplit("/", 1)[1])
            if data is None:
                return error("no such file", 404)
            return Reply(data, headers={"Content-Type": "image/png"})
        if route == "/v1/images/generations":
            return self._image(seen.json or {})
        if route == "/v1/images/edits":
            if not self.edits:
                return error("Invalid URL (POST /v1/images/edits)", 404)
            images = [f for f in seen.files if f[0] in ("image", "image[]")]
            if not images:
                return error("image is required", 400)
            return self._image(seen.fields, images[0][2])
        if route == "/v1/audio/speech":
            body = seen.json if seen.json is not None else seen.fields
            return self._speech(body)
        return error(f"no route {seen.method} {seen.path}", 404)

    def _image(self, body: dict[str, Any], reference: bytes | None = None) -> Reply:
        size = body.get("size") or "1024x1024"
        width, height = (1024, 1024) if size == "auto" else (int(v) for v in size.split("x"))
        png = draw_png(str(body.get("prompt", "")), int(body.get("seed", 0)), width, height, reference)
        if body.get("response_format") == "url":
            with self._lock:
                name = f"{len(self.files)}.png"
                self.files[name] = png
            item = {"url": f"http://{self.url_host}:{self.port}/files/{name}"}
        else:
            item = {"b64_json": base64.b64encode(png).decode("ascii"), "revised_prompt": body.get("prompt")}
        return Reply({"created": int(time.time()), "data": [item]})

    def _speech(self, body: dict[str, Any]) -> Reply:
        text, voice = str(body.get("input", "")), str(body.get("voice", ""))
        if not text or not voice:
            return error("input and voice are required", 400)
        pcm = tone(text, voice, float(body.get("speed", 1.0)))
        if body.get("response_format") == "pcm":
            return Reply(pcm.tobytes(), headers={"Content-Type": "audio/pcm"})
        return Reply(wav_bytes(pcm, streamed=self.streamed_wav), headers={"Content-Type": "audio/wav"})
