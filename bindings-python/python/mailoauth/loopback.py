"""The loopback redirect listener of the interactive sign-in (RFC 8252 section 7.3).

A one-shot :mod:`http.server` on ``127.0.0.1`` (an ephemeral port unless one is given) waits
for the browser's redirect after sign-in and hands back the full redirect URL (query or
``form_post`` body), which the core then checks (state, issuer) and parses. It answers every
redirect with a short page that says whether to go back to the terminal.

Only the request that carries the authorization response (``code`` or ``error``, with ``state``)
completes the sign-in; anything else (``/favicon.ico``, a bare ``GET /``, a port scanner) gets a
404 and the listener keeps waiting. Every connection is served in its own thread with a read
timeout (:data:`CONNECTION_TIMEOUT`), so an idle or half-open connection cannot block it.
"""

from __future__ import annotations

import http.server
import threading
import time
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit

__all__ = ["LoopbackListener", "CONNECTION_TIMEOUT"]

#: Seconds a connection may take to send its request before it is closed.
CONNECTION_TIMEOUT = 10.0

_PAGE = (
    "<!doctype html><meta charset=utf-8><title>mailoauth</title>"
    "<body style='font-family:sans-serif;margin:3em'><h1>{title}</h1><p>{text}</p></body>"
)


class _Server(http.server.ThreadingHTTPServer):
    listener: "LoopbackListener"
    daemon_threads = True
    block_on_close = False


def is_authorization_response(params: str) -> bool:
    """Whether a query (or form body) is an authorization response: ``code`` or ``error``, and
    ``state``."""
    fields = parse_qs(params, keep_blank_values=True)
    return ("code" in fields or "error" in fields) and "state" in fields


class _Handler(http.server.BaseHTTPRequestHandler):
    server: "_Server"
    timeout = CONNECTION_TIMEOUT

    def log_message(self, *args: Any) -> None:  # keep the terminal (and codes) clean
        pass

    def _answer(self, status: int, title: str, text: str) -> None:
        body = _PAGE.format(title=title, text=text).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _capture(self, query: str) -> None:
        if not is_authorization_response(query):
            self._answer(404, "Not found", "This is the mailoauth sign-in listener: it waits for the sign-in's redirect.")
            return
        if self.server.listener.capture(query):
            self._answer(200, "Signed in", "You can close this window and return to the terminal.")
        else:
            self._answer(409, "Already done", "This sign-in is already finished.")

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != self.server.listener.path:
            self._answer(404, "Not found", "This is the mailoauth sign-in listener.")
            return
        self._capture(parts.query)

    def do_POST(self) -> None:  # response_mode=form_post
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if parts.path != self.server.listener.path or length > 1 << 20:
            self._answer(404, "Not found", "This is the mailoauth sign-in listener.")
            return
        self._capture(self.rfile.read(length).decode("utf-8", "replace"))


class LoopbackListener:
    """Listens on ``http://127.0.0.1:<port><path>`` for one redirect.

    Use as a context manager; :attr:`redirect_uri` is what goes into the authorize request
    (register ``http://localhost`` in Entra: any port is accepted for loopback redirect URIs).
    """

    def __init__(self, *, port: int = 0, path: str = "/", host: str = "127.0.0.1", uri_host: Optional[str] = None,
                 connection_timeout: float = CONNECTION_TIMEOUT) -> None:
        """``host`` is the address bound; ``uri_host`` the host written in the redirect URI
        (``localhost`` when the app registration lists ``http://localhost``);
        ``connection_timeout`` the seconds one connection may stay idle."""
        if host not in ("127.0.0.1", "::1", "localhost") or uri_host not in (None, "127.0.0.1", "[::1]", "localhost"):
            raise ValueError("the redirect listener binds to loopback only")
        self.path = path if path.startswith("/") else "/" + path
        self._result: Optional[str] = None
        self._done = threading.Event()
        self._lock = threading.Lock()
        handler = type("_TimedHandler", (_Handler,), {"timeout": connection_timeout})
        self._server = _Server((host, port), handler)
        self._server.listener = self
        self._server.timeout = 0.2
        self.port: int = self._server.server_address[1]
        shown = uri_host or ("[::1]" if host == "::1" else host)
        self.redirect_uri = f"http://{shown}:{self.port}{self.path}"

    def __enter__(self) -> "LoopbackListener":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def capture(self, query: str) -> bool:
        """Records the redirect's parameters (the first authorization response wins)."""
        with self._lock:
            if self._done.is_set():
                return False
            self._result = f"{self.redirect_uri}?{query}" if query else self.redirect_uri
            self._done.set()
            return True

    def close(self) -> None:
        self._server.server_close()

    def wait(self, timeout: Optional[float] = None) -> Optional[str]:
        """Serves until the redirect arrives; returns the full redirect URL, or ``None`` after
        ``timeout`` seconds. Ctrl-C raises KeyboardInterrupt between two polls."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._done.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                return None
            self._server.handle_request()
        return self._result
