"""Scenario 1: client credentials (secret, certificate assertion) -> IMAP, POP3 and submission
logins with XOAUTH2 and OAUTHBEARER against Dovecot; IMAP lists folders, POP STAT, a message
sent through submission arrives at the SMTP sink."""

from __future__ import annotations

import email
import time
from typing import Any

import pytest

import mailoauth
from mailoauth import flows
from helpers import cert_app, close, login, secret_app, sink_messages, token_claims, wait_for

SCENARIO = "scenario 1: client credentials -> IMAP/POP3/submission"

MECHANISMS = ["XOAUTH2", "OAUTHBEARER"]


@pytest.fixture(params=["secret", "certificate"])
def app_token(request: pytest.FixtureRequest, stack: dict[str, Any]) -> tuple[str, mailoauth.TokenSet]:
    app = secret_app(stack) if request.param == "secret" else cert_app(stack)
    tokens = flows.client_credentials(app)
    assert tokens.expires_at is not None and tokens.expires_at > time.time() + 600
    return stack["clients"][request.param]["mailbox"], tokens


def test_token_carries_microsoft_audience_and_scope(stack: dict[str, Any], app_token: tuple[str, mailoauth.TokenSet]) -> None:
    mailbox, tokens = app_token
    assert tokens.scopes() == ["https://outlook.office365.com/.default"]
    if stack["token_format"] == "jwt":
        claims = token_claims(tokens.access_token)
        assert claims["aud"] == "https://outlook.office.com"
        assert claims["email"] == mailbox
        assert claims["scope"] == "https://outlook.office365.com/.default"
    else:
        assert tokens.access_token.count(".") == 0  # opaque: Dovecot must introspect it


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_imap_login_and_list(stack: dict[str, Any], app_token: tuple[str, mailoauth.TokenSet], mechanism: str) -> None:
    mailbox, tokens = app_token
    conn, result = login(stack, "imap", mailbox, tokens.access_token, mechanism)
    try:
        assert conn.state == "AUTH"
        assert result.capabilities and "IMAP4REV1" in [c.upper() for c in result.capabilities]
        typ, data = conn.list()
        assert typ == "OK"
        names = sorted(d.decode().rsplit(" ", 1)[-1] for d in data if d)
        assert names == ["Archive", "INBOX", "Sent"]
    finally:
        close("imap", conn)


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_pop_login_and_stat(stack: dict[str, Any], app_token: tuple[str, mailoauth.TokenSet], mechanism: str) -> None:
    mailbox, tokens = app_token
    conn, result = login(stack, "pop", mailbox, tokens.access_token, mechanism)
    try:
        assert result.server_text.startswith("Logged in")
        count, size = conn.stat()
        assert (count, size) == (0, 0)
    finally:
        close("pop", conn)


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_submission_login_and_send(stack: dict[str, Any], app_token: tuple[str, mailoauth.TokenSet], mechanism: str) -> None:
    mailbox, tokens = app_token
    before = len(sink_messages(stack))
    conn, _ = login(stack, "smtp", mailbox, tokens.access_token, mechanism)
    subject = f"e2e {mechanism} {time.monotonic_ns()}"
    try:
        msg = email.message.EmailMessage()
        msg["From"] = mailbox
        msg["To"] = "bob@example.test"
        msg["Subject"] = subject
        msg.set_content("sent through Dovecot submission with an OAuth token\n")
        refused = conn.send_message(msg)
        assert refused == {}
    finally:
        close("smtp", conn)
    files = wait_for(lambda: sink_messages(stack)[before:], what="the message at the SMTP sink")
    got = [email.message_from_bytes(p.read_bytes()) for p in files]
    mine = [m for m in got if m["Subject"] == subject]
    assert len(mine) == 1, [m["Subject"] for m in got]
    assert mine[0]["X-Sink-Mail-From"] == mailbox
    assert mine[0]["X-Sink-Rcpt-To"] == "bob@example.test"


def test_smtp_auth_line_fits_dovecots_limit(stack: dict[str, Any], app_token: tuple[str, mailoauth.TokenSet]) -> None:
    """Dovecot submission refuses AUTH lines over 1030 characters. A JWT's XOAUTH2 string is
    longer, so the core sends AUTH XOAUTH2 alone and the string after the 334 (the two-step
    rule); an opaque token's short string goes on the AUTH line itself."""
    from helpers import connect

    mailbox, tokens = app_token
    one_line = f"AUTH XOAUTH2 {mailoauth.xoauth2(mailbox, tokens.access_token)}"
    conn = connect(stack, "smtp")
    sent: list[bytes] = []
    original = conn.send

    def recording_send(data: Any) -> None:
        sent.append(data if isinstance(data, bytes) else data.encode())
        original(data)

    conn.send = recording_send  # type: ignore[method-assign]
    try:
        mailoauth.smtp_login(conn, mailbox, tokens.access_token)
    finally:
        close("smtp", conn)
    if stack["token_format"] == "jwt":
        assert len(one_line) > 1030
        assert sent[0] == b"AUTH XOAUTH2\r\n"
        raw = connect(stack, "smtp")
        try:
            code, text = raw.docmd(one_line)
            assert code == 500, (code, text)  # what a client without the two-step rule gets
        finally:
            close("smtp", raw)
    else:
        assert len(one_line) < 512
        assert sent[0] == (one_line + "\r\n").encode()
