"""A Slack incoming-webhook receiver on 127.0.0.1: real HTTP, readable output, faults on demand."""

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

OK = "ok"
DOWN = "down"
RATE_LIMITED = "rate-limited"
ECHOES_URL = "echoes-url"
MODES = (OK, DOWN, RATE_LIMITED, ECHOES_URL)
TOKEN = "local-webhook-secret-token"


def text_of(blocks: list[dict[str, Any]]) -> list[str]:
    """The human-readable lines of a Block Kit message."""
    lines = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(block["text"]["text"])
        elif kind == "section":
            if block.get("text"):
                lines.append(block["text"]["text"])
            for item in block.get("fields", []):
                label, _, value = item["text"].partition("\n")
                lines.append(f"{label.strip('*')}: {value}")
        elif kind == "context":
            lines.append(" ".join(element.get("text", "") for element in block.get("elements", [])))
        elif kind == "actions":
            lines.append(" | ".join(f"[{e['text']['text']}]" for e in block.get("elements", []) if e.get("url")))
    return lines


@dataclass
class Receiver:
    """Answers 200, or 500 (``down``), or 429 with Retry-After for the first ``rate_limit_count`` requests,
    or 502 with an error page quoting the request URL, webhook token included (``echoes-url``), as some proxies do."""

    mode: str = OK
    rate_limit_count: int = 1
    printer: Callable[[str], None] | None = print
    messages: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"receiver mode {self.mode!r} is not one of {MODES}")
        receiver = self
        self._lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, headers = receiver._answer()
                if status == 200:
                    receiver._accept(json.loads(body or b"{}"))
                payload = {200: b"ok", 429: b"rate_limited", 500: b"internal_error"}.get(status, b"")
                if status == 502:
                    payload = f"<html><h1>502 Bad Gateway</h1>upstream failed for POST http://{self.headers.get('Host')}{self.path}</html>".encode()
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="slack-receiver", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/services/T000LOCAL/B000LOCAL/{TOKEN}"

    def _answer(self) -> tuple[int, dict[str, str]]:
        with self._lock:
            if self.mode == DOWN:
                self.rejected.append(500)
                return 500, {}
            if self.mode == ECHOES_URL:
                self.rejected.append(502)
                return 502, {"Content-Type": "text/html"}
            if self.mode == RATE_LIMITED and self.rate_limit_count > 0:
                self.rate_limit_count -= 1
                self.rejected.append(429)
                return 429, {"Retry-After": "1"}
            return 200, {}

    def _accept(self, message: dict[str, Any]) -> None:
        with self._lock:
            self.messages.append(message)
        if self.printer:
            lines = text_of(message.get("blocks", [])) or [message.get("text", "")]
            self.printer("  ┌ Slack: " + lines[0] + "".join(f"\n  │ {line}" for line in lines[1:]))

    def start(self) -> "Receiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "Receiver":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
