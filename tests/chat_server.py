"""A real OpenAI-compatible chat server on 127.0.0.1 for tests: scripted replies, or a fake writer.

``ChatServer(responder)`` serves ``POST /v1/chat/completions`` on a free port
in a thread. ``responder(request, n)`` returns a :class:`Reply` (status,
JSON or raw body, headers, a delay before answering, or a dropped connection).
:func:`scripted` replays a list of replies; :class:`FakeWriter` answers any
schema the writing stage sends with a valid, deterministic instance.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


@dataclass
class Reply:
    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False  # close the connection without answering


def chat(content: Any, finish_reason: str = "stop", usage: tuple[int, int] = (20, 10), model: str = "test-model"
         ) -> dict:
    if not isinstance(content, str):
        content = json.dumps(content, ensure_ascii=False)
    return {"id": "chatcmpl-test", "object": "chat.completion", "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": finish_reason}],
            "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}}


def scripted(replies: list[Reply]) -> Callable[[dict, int], Reply]:
    """Replay ``replies`` in order; the last one repeats."""

    def respond(request: dict, n: int) -> Reply:
        return replies[min(n, len(replies) - 1)]

    return respond


class ChatServer:
    def __init__(self, responder: Callable[[dict, int], Reply]) -> None:
        self.responder = responder
        self.requests: list[dict] = []
        self.headers: list[dict[str, str]] = []
        self.paths: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    request = json.loads(raw)
                except json.JSONDecodeError:
                    request = {"_raw": raw.decode("utf-8", "replace")}
                with server._lock:
                    n = len(server.requests)
                    server.requests.append(request)
                    server.headers.append(dict(self.headers))
                    server.paths.append(self.path)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    reply = Reply({"error": {"message": f"no route {self.path}"}}, status=404)
                else:
                    reply = server.responder(request, n)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                body = reply.body
                if isinstance(body, (dict, list)):
                    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
                elif isinstance(body, str):
                    data = body.encode("utf-8")
                else:
                    data = body or b""
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> "ChatServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# ---- a fake writer: valid answers for any schema ---------------------------------------------

_EN_NAMES = ["Maya", "Leo Grant", "Vera", "Nina", "Otto", "Iris", "Felix"]
_ZH_NAMES = ["林晚", "顾言", "苏念", "陆沉", "沈清", "傅川", "白露"]
_EN_PLACES = ["Grand Hotel Lobby", "Rooftop Garden", "Old Apartment", "Office Tower"]
_ZH_PLACES = ["豪宅客厅", "酒店大堂", "天台", "公司办公室"]


class FakeWriter:
    """Answers the writing stage's asks with valid JSON built from the schema it was sent."""

    def __init__(self, broken: dict[int, Reply] | None = None) -> None:
        self.count = 0
        self.broken = broken or {}  # request number -> a bad reply to send instead
        self.names = 0
        self.places = 0
        self.lines = 0
        self.must_done = False

    def __call__(self, request: dict, n: int) -> Reply:
        if n in self.broken:
            return self.broken[n]
        fmt = request.get("response_format") or {}
        schema = (fmt.get("json_schema") or {}).get("schema")
        if schema is None:  # JSON mode: the schema is in the system prompt
            schema = json.loads(request["messages"][0]["content"].rsplit("\n", 1)[1])
        zh = "Simplified Chinese" in request["messages"][0]["content"]
        user = request["messages"][-1]["content"]
        self.must_done = False
        return Reply(chat(self.instance(schema, "", zh, user)))

    def instance(self, schema: dict, key: str, zh: bool, user: str) -> Any:
        kind = schema.get("type")
        if "enum" in schema:
            must = re.search(r" (\S+) speaks in this beat", user)
            if key == "speaker" and must and must.group(1) in schema["enum"] and not self.must_done:
                self.must_done = True  # the person the beat needs speaks first
                return must.group(1)
            return schema["enum"][self.lines % len(schema["enum"])] if key == "speaker" else schema["enum"][0]
        if kind == "object":
            out = {}
            for k, sub in schema["properties"].items():
                self.count += 1
                out[k] = self.instance(sub, k, zh, user)
            return out
        if kind == "array":
            n = max(schema.get("minItems", 0), min(schema.get("maxItems", 2), 2))
            return [self.instance(schema["items"], key, zh, user) for _ in range(n)]
        if kind == "integer":
            return schema.get("minimum", 0) + 12
        if kind == "boolean":
            return True
        return self.text(key, zh, user)[: schema.get("maxLength", 200)]

    def text(self, key: str, zh: bool, user: str) -> str:
        if key == "name" and "of a story:" in user:  # names found in a source text
            found = [n for n in re.findall(r"\b[A-Z][a-z]+\b", user.split('"""')[1]) if n not in ("The", "She", "He")]
            self.names += 1
            return found[(self.names - 1) % len(found)] if found else "Anna"
        if key == "name" and "locations" not in user and "Create the" in user:
            taken = re.search(r"already named \(([^)]*)\)", user)
            names = _ZH_NAMES if zh else _EN_NAMES
            for name in names:
                if not taken or name not in taken.group(1):
                    return name
        if key == "name":
            self.places += 1
            places = _ZH_PLACES if zh else _EN_PLACES
            return places[(self.places - 1) % len(places)]
        if key == "text" and "Write beat" in user:
            self.lines += 1
            return (f"第{self.lines}句：你竟然骗了我这么久！" if zh else
                    f"Line {self.lines}: you lied to me about everything, and now you pay!")
        if key == "text":
            return "她当众揭穿了他的秘密" if zh else "She exposes his secret in front of everyone"
        words = {"title": ("契约新娘", "The Contract Bride"), "logline": ("女佣被迫签下契约婚姻，却发现丈夫的秘密",
                 "A maid forced into a contract marriage uncovers her husband's secret"),
                 "period": ("现代", "present day"), "dialect": ("", ""), "summary": ("女主发现了秘密", "She finds out."),
                 "wardrobe": ("灰色呢子大衣", "a grey wool coat"), "job": ("售货员", "shop assistant")}
        if key in words:
            return words[key][0 if zh else 1]
        return "她推开门，愣住了" if zh else "She slams the door and freezes"
