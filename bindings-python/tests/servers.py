"""Local in-process servers for the tests, on 127.0.0.1 only: a scripted token endpoint
(http.server) and scripted line-based mail servers (IMAP, POP3, SMTP) in threads."""

from __future__ import annotations

import http.server
import json
import socket
import socketserver
import ssl
import threading
import time
from typing import Any, Callable, Optional, Union
from urllib.parse import parse_qsl

# ------------------------------------------------------------------------------------------------
# HTTP


class Reply:
    """One scripted HTTP answer."""

    def __init__(self, status: int = 200, body: Union[bytes, str, dict[str, Any]] = b"", headers: Optional[dict[str, str]] = None, delay: float = 0.0, drop: bool = False) -> None:
        if isinstance(body, dict):
            body = json.dumps(body)
            headers = {"Content-Type": "application/json", **(headers or {})}
        self.status = status
        self.body = body.encode() if isinstance(body, str) else body
        self.headers = headers or {}
        self.delay = delay
        self.drop = drop


class Recorded:
    def __init__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


class HttpServer:
    """A token endpoint (or any endpoint) answering from a script, recording every request.

    ``routes`` maps a path to a list of replies (consumed in order; the last one repeats) or to a
    callable ``(Recorded) -> Reply``."""

    def __init__(self, routes: dict[str, Any]) -> None:
        self.routes = {k: (list(v) if isinstance(v, list) else v) for k, v in routes.items()}
        self.requests: list[Recorded] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                rec = Recorded(self.command, self.path, dict(self.headers.items()), body)
                outer.requests.append(rec)
                route = outer.routes.get(path)
                if route is None:
                    reply = Reply(404, "not found")
                elif callable(route):
                    reply = route(rec)
                else:
                    reply = route.pop(0) if len(route) > 1 else route[0]
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = _handle
            do_POST = _handle

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "HttpServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# ------------------------------------------------------------------------------------------------
# Line-based mail servers

# ("S", text, or a function of the last client line returning it) | ("C", expected line, or a
# predicate, or None for any line) | ("DATA", None: every line of an SMTP message up to the lone
# ".") | ("TLS", None) | ("CLOSE", None)
Step = tuple[str, Any]


def tag_of(line: str) -> str:
    """The IMAP tag of a client line."""
    return line.split(" ", 1)[0]


class LineServer:
    """Accepts ONE connection and plays a script of server lines ("S") and expected client lines
    ("C"), recording what the client sent. ``("TLS", None)`` upgrades the connection (STARTTLS)."""

    def __init__(self, script: list[Step], *, tls_context: Optional[ssl.SSLContext] = None, implicit_tls: bool = False, timeout: float = 10.0) -> None:
        self.script = script
        self.tls_context = tls_context
        self.implicit_tls = implicit_tls
        self.timeout = timeout
        self.received: list[str] = []
        self.errors: list[str] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "LineServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.thread.join(self.timeout)
        self.sock.close()

    def _run(self) -> None:
        self.sock.settimeout(self.timeout)
        try:
            conn, _ = self.sock.accept()
        except OSError as e:
            self.errors.append(f"accept: {e}")
            return
        conn.settimeout(self.timeout)
        try:
            if self.implicit_tls and self.tls_context is not None:
                conn = self.tls_context.wrap_socket(conn, server_side=True)
            f = conn.makefile("rb")
            last = ""
            for kind, value in self.script:
                if kind == "S":
                    if callable(value):
                        value = value(last)
                    conn.sendall(value.encode() if isinstance(value, str) else value)
                elif kind == "C":
                    line = f.readline()
                    if not line:
                        self.errors.append(f"client closed, expected {value!r}")
                        return
                    text = line.decode("utf-8", "replace")
                    last = text
                    self.received.append(text)
                    ok = value is None or (value(text) if callable(value) else text == value)
                    if not ok:
                        self.errors.append(f"expected {value!r}, got {text!r}")
                        return
                elif kind == "DATA":
                    while True:
                        line = f.readline()
                        if not line:
                            self.errors.append("client closed in the middle of DATA")
                            return
                        self.received.append(line.decode("utf-8", "replace"))
                        if line == b".\r\n":
                            break
                elif kind == "TLS":
                    assert self.tls_context is not None
                    f.close()
                    conn = self.tls_context.wrap_socket(conn, server_side=True)
                    f = conn.makefile("rb")
                elif kind == "CLOSE":
                    break
            # Drain until the client closes (QUIT/LOGOUT answered by the script already).
        except (OSError, ssl.SSLError) as e:
            self.errors.append(f"{type(e).__name__}: {e}")
        finally:
            try:
                conn.close()
            except OSError:
                pass
