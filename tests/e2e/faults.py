"""Fault injection for the end-to-end scenarios: a TCP proxy in front of Dovecot and an HTTP
token endpoint in front of oidc-provider, both on 127.0.0.1 and scripted per test. TEST ONLY.

:class:`FaultProxy` forwards one mail connection at a time to Dovecot, each upstream connection
from its own 127.x.y.z (Dovecot's failed-login penalty is per address). ``mode`` says what to do
once the client sends its AUTH / AUTHENTICATE line:

- ``pass``: nothing, just forward;
- ``drop_mid_auth``: close both sides as soon as the client's AUTH line arrives (not forwarded);
- ``cut_reply``: forward the AUTH line, then send the client only the first half of Dovecot's
  reply line and close;
- ``stall``: forward the AUTH line, then send the client nothing more (and keep it open);
- ``bye_after_login``: forward the login; on the client's NEXT command answer
  ``* BYE Session invalidated - AccessTokenExpired`` (Exchange's words) and close.

:class:`FaultyTokenEndpoint` answers ``POST /token`` from a script of faults (``429`` with a
``Retry-After``, ``503`` with an HTML body, malformed JSON, a dropped connection) and forwards
to oidc-provider's token endpoint once the script is used up (or for ``pass`` entries). Every
request is recorded (time, form) so a test can check waits and what was resent.
"""

from __future__ import annotations

import http.server
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Optional

from helpers import source_address

AUTH_WORDS = (b"AUTHENTICATE ", b"AUTH ")


class FaultProxy:
    MODES = ("pass", "drop_mid_auth", "cut_reply", "stall", "bye_after_login")

    def __init__(self, upstream_port: int, mode: str = "pass", *, once: bool = False) -> None:
        """``once``: only the first connection gets the fault; later ones pass."""
        if mode not in self.MODES:
            raise ValueError(f"mode must be one of {self.MODES}")
        self.upstream_port = upstream_port
        self.mode = mode
        self.once = once
        self.connections = 0
        self.events: list[str] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = int(self._server.getsockname()[1])
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._accept = threading.Thread(target=self._accept_loop, daemon=True)

    def __enter__(self) -> "FaultProxy":
        self._accept.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._accept.join(2)
        for s in self._sockets:
            try:
                s.close()
            except OSError:
                pass
        self._server.close()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            mode = self.mode
            if self.once:
                self.mode = "pass"
            t = threading.Thread(target=self._serve, args=(client, mode), daemon=True)
            t.start()
            self._threads.append(t)

    def _serve(self, client: socket.socket, mode: str) -> None:
        up = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=10, source_address=(source_address(), 0))
        self._sockets += [client, up]
        state = {"auth_seen": False, "logged_in": False, "closed": False}
        lock = threading.Lock()

        def close_all() -> None:
            with lock:
                state["closed"] = True
            for s in (client, up):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                try:
                    s.close()
                except OSError:
                    pass

        def upstream_to_client() -> None:
            buf = b""
            try:
                while not state["closed"]:
                    data = up.recv(65536)
                    if not data:
                        break
                    if state["auth_seen"] and mode == "stall":
                        self.events.append("stalled the reply")
                        continue  # swallow: the client waits for ever (its timeout must fire)
                    if state["auth_seen"] and mode == "cut_reply":
                        buf += data
                        if b"\n" in buf or len(buf) > 8:
                            line = buf.split(b"\n", 1)[0]
                            client.sendall(line[: max(1, len(line) // 2)])
                            self.events.append("cut the reply line")
                            close_all()
                            return
                        continue
                    if state["auth_seen"] and mode == "bye_after_login" and not state["logged_in"]:
                        state["logged_in"] = True
                    client.sendall(data)
            except OSError:
                pass
            if not state["closed"] and mode != "stall":
                close_all()

        threading.Thread(target=upstream_to_client, daemon=True).start()
        pending = b""
        try:
            while not state["closed"]:
                data = client.recv(65536)
                if not data:
                    break
                pending += data
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    line += b"\n"
                    words = line.upper().split(b" ", 2)
                    is_auth = any(line.upper().startswith(w) for w in AUTH_WORDS) or (
                        len(words) > 1 and words[1].startswith(b"AUTHENTICATE"))
                    if is_auth and not state["auth_seen"]:
                        if mode == "drop_mid_auth":
                            self.events.append("dropped the connection mid-AUTH")
                            close_all()
                            return
                        state["auth_seen"] = True
                    elif mode == "bye_after_login" and state["logged_in"]:
                        self.events.append("ended the session: AccessTokenExpired")
                        client.sendall(b"* BYE Session invalidated - AccessTokenExpired\r\n")
                        close_all()
                        return
                    up.sendall(line)
        except OSError:
            pass
        if mode != "stall":
            close_all()


class FaultyTokenEndpoint:
    """``POST /token`` with scripted faults, then oidc-provider's answers."""

    def __init__(self, upstream_token_url: str, script: Optional[list[tuple[Any, ...]]] = None) -> None:
        self.upstream = upstream_token_url
        self.script = list(script or [])
        self.requests: list[tuple[float, dict[str, str]]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.requests.append((time.monotonic(), dict(urllib.parse.parse_qsl(body.decode()))))
                fault = outer.script.pop(0) if outer.script else ("pass",)
                kind = fault[0]
                if kind == "429":
                    self._send(429, b'{"error":"temporarily_unavailable","error_description":"slow down"}',
                               {"Content-Type": "application/json", "Retry-After": str(fault[1])})
                elif kind == "503":
                    headers = {"Content-Type": "text/html"}
                    if len(fault) > 1:
                        headers["Retry-After"] = str(fault[1])
                    self._send(503, b"<html><body><h1>503 Service Unavailable</h1></body></html>", headers)
                elif kind == "malformed":
                    self._send(200, b'{"access_token": "abc", "token_type": "Bearer", ', {"Content-Type": "application/json"})
                elif kind == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                else:
                    req = urllib.request.Request(outer.upstream, data=body, method="POST",
                                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
                    try:
                        with urllib.request.urlopen(req, timeout=10) as r:
                            self._send(r.status, r.read(), {"Content-Type": r.headers.get("Content-Type", "application/json")})
                    except urllib.error.HTTPError as e:
                        self._send(e.code, e.read(), {"Content-Type": e.headers.get("Content-Type", "application/json")})

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self._httpd.server_address[1])
        self.token_url = f"http://127.0.0.1:{self.port}/token"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def __enter__(self) -> "FaultyTokenEndpoint":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
