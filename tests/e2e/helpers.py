"""Helpers of the end-to-end scenarios: connections with their own source address, a scripted
browser, and small waits. TEST ONLY."""

from __future__ import annotations

import html.parser
import imaplib
import itertools
import json
import poplib
import smtplib
import socket
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any, Callable, Optional

import mailoauth
from mailoauth import flows

TIMEOUT = 10.0

# Dovecot delays logins from an address that failed recently (up to ~15 s): every connection
# of the tests comes from its own 127.x.y.z.
_addresses = itertools.count(1)


def source_address() -> str:
    n = next(_addresses)
    return f"127.{20 + n // 62500 % 200}.{n // 250 % 250}.{n % 250 + 1}"


class IMAP(imaplib.IMAP4):
    """imaplib.IMAP4 from a fresh loopback source address."""

    def __init__(self, host: str, port: int, *, timeout: float = TIMEOUT) -> None:
        self.source = source_address()
        super().__init__(host, port, timeout=timeout)

    def _create_socket(self, timeout: Optional[float]) -> socket.socket:
        return socket.create_connection((self.host, self.port), timeout, source_address=(self.source, 0))


class POP3(poplib.POP3):
    """poplib.POP3 from a fresh loopback source address."""

    def __init__(self, host: str, port: int, *, timeout: float = TIMEOUT) -> None:
        self.source = source_address()
        super().__init__(host, port, timeout=timeout)

    def _create_socket(self, timeout: float) -> socket.socket:
        return socket.create_connection((self.host, self.port), timeout, source_address=(self.source, 0))


def SMTP(host: str, port: int, *, timeout: float = TIMEOUT) -> smtplib.SMTP:
    """smtplib.SMTP from a fresh loopback source address (EHLO already sent)."""
    conn = smtplib.SMTP(host, port, timeout=timeout, source_address=(source_address(), 0))
    conn.ehlo()
    return conn


def connect(stack: dict[str, Any], protocol: str) -> Any:
    server = stack["submission" if protocol == "smtp" else protocol]
    cls = {"imap": IMAP, "pop": POP3, "smtp": SMTP}[protocol]
    return cls(server["host"], server["port"])


def login(stack: dict[str, Any], protocol: str, user: str, token: str, mechanism: str = "XOAUTH2") -> tuple[Any, mailoauth.Authenticated]:
    """Connects and logs in; returns the connection (caller closes) and the success record."""
    conn = connect(stack, protocol)
    server = stack["submission" if protocol == "smtp" else protocol]
    logins: dict[str, Callable[..., mailoauth.Authenticated]] = {
        "imap": mailoauth.imap_login, "pop": mailoauth.pop_login, "smtp": mailoauth.smtp_login}
    fn = logins[protocol]
    try:
        result = fn(conn, user, token, mechanism=mechanism, host=server["host"], port=server["port"])
    except BaseException:
        close(protocol, conn)
        raise
    return conn, result


def close(protocol: str, conn: Any) -> None:
    try:
        if protocol == "imap":
            conn.logout()
        else:
            conn.quit()
    except Exception:
        try:
            (conn.shutdown if protocol == "imap" else conn.close)()
        except Exception:
            pass


def endpoints(stack: dict[str, Any], token_url: Optional[str] = None) -> mailoauth.Endpoints:
    return mailoauth.Endpoints(
        token_url=token_url or stack["token_url"],
        authorize_url=stack["authorize_url"],
        device_authorization_url=stack["device_authorization_url"],
        issuer=stack["issuer"],
    )


def secret_app(stack: dict[str, Any], token_url: Optional[str] = None) -> flows.App:
    c = stack["clients"]["secret"]
    return flows.App(client_id=c["client_id"], endpoints=endpoints(stack, token_url), client_secret=c["client_secret"])


def cert_app(stack: dict[str, Any]) -> flows.App:
    c = stack["clients"]["certificate"]
    return flows.App(
        client_id=c["client_id"], endpoints=endpoints(stack),
        certificate_pem=Path(c["certificate"]).read_text(), private_key_pem=Path(c["private_key"]).read_text(),
    )


def public_app(stack: dict[str, Any], token_url: Optional[str] = None) -> flows.App:
    return flows.App(client_id=stack["clients"]["public"]["client_id"], endpoints=endpoints(stack, token_url))


def scopes(*protocols: str) -> list[str]:
    """The delegated Microsoft scope strings for the protocols (the core's, plus offline_access)."""
    return mailoauth.Cloud("global").delegated_scopes(list(protocols))


# ------------------------------------------------------------------------------------------------
# Scripted browser


class _Forms(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get").lower(), "fields": {}, "id": a.get("id", "")})
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value", "")


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 30  # login, consent and resume hops of oidc-provider


class Browser:
    """A person's browser, scripted: follows redirects (cookies kept), submits the first form of a
    page. The oidc-provider test hook completes login and consent on its own."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), _Redirects())
        self.visited: list[str] = []
        self.error: Optional[BaseException] = None

    def get(self, url: str) -> tuple[str, str]:
        with self.opener.open(url, timeout=TIMEOUT) as r:
            self.visited.append(r.geturl())
            return r.geturl(), r.read().decode("utf-8", "replace")

    def submit_first_form(self, page_url: str, page: str, extra: Optional[dict[str, str]] = None) -> tuple[str, str]:
        parser = _Forms()
        parser.feed(page)
        if not parser.forms:
            raise AssertionError(f"no form on {page_url}: {page[:300]}")
        form = parser.forms[0]
        data = urllib.parse.urlencode({**form["fields"], **(extra or {})}).encode()
        action = urllib.parse.urljoin(page_url, form["action"] or page_url)
        with self.opener.open(urllib.request.Request(action, data=data, method="POST"), timeout=TIMEOUT) as r:
            self.visited.append(r.geturl())
            return r.geturl(), r.read().decode("utf-8", "replace")

    def sign_in(self, url: str) -> None:
        """Opens an authorize URL and follows it to the redirect URI (the loopback listener)."""
        self.get(url)

    def confirm_device(self, verification_uri_complete: str) -> str:
        """Opens the device verification page with the code filled in and confirms it."""
        url, page = self.get(verification_uri_complete)
        url, page = self.submit_first_form(url, page, {"confirm": "yes"})
        return page

    def in_thread(self, fn: Callable[..., Any], *args: Any) -> threading.Thread:
        def run() -> None:
            try:
                fn(*args)
            except BaseException as e:  # reported by the test through .error
                self.error = e

        t = threading.Thread(target=run, daemon=True)
        t.start()
        return t


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = predicate()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def sink_messages(stack: dict[str, Any]) -> list[Path]:
    return sorted(Path(stack["smtp_sink"]["dir"]).glob("*.eml"), key=lambda p: int(p.stem))


def token_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT (no verification: for assertions about what the provider issued)."""
    import base64

    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def interactive_tokens(stack: dict[str, Any], monkeypatch: Any, user: str, wanted: list[str],
                       app: Optional[flows.App] = None) -> mailoauth.TokenSet:
    """A delegated token set from the auth code + PKCE flow, the browser scripted."""
    import io

    browser = Browser()
    monkeypatch.setattr(flows.webbrowser, "open", lambda url: bool(browser.in_thread(browser.sign_in, url)))
    monkeypatch.setattr(flows, "is_remote_session", lambda: False)
    tokens = flows.interactive(app or public_app(stack), scopes=wanted, login_hint=user, timeout=20, out=io.StringIO())
    if browser.error is not None:
        raise AssertionError(f"the scripted browser failed: {browser.error}")
    return tokens
