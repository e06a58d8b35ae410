"""Retries of the drivers: token requests after a transient failure (Retry-After honoured, the
refresh token kept), one login retry with a fresh token, reconnection when a session's token
expires, and replies cut in the middle of a line."""

from __future__ import annotations

import imaplib
import poplib
from typing import Any

import pytest

import mailoauth
from mailoauth import flows
from mailoauth.mail import MailSession, connect_and_login, pop_login
from servers import HttpServer, LineServer, Reply, tag_of
from test_flows import IMAP_SCOPES, app_for, token_body
from test_mail import B64, CAPS, TOKEN, USER, imap_prelude

CHALLENGE = "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0="  # {"status":"401",...}


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waited: list[float] = []
    monkeypatch.setattr(flows, "_sleep", waited.append)
    return waited


def test_429_retry_after_is_honoured_and_the_refresh_token_resent(sleeps: list[float]) -> None:
    old = mailoauth.TokenSet("at-0", expires_at=1, refresh_token="rt-0")
    throttled = Reply(429, {"error": "temporarily_unavailable"}, {"Retry-After": "7"})
    with HttpServer({"/token": [throttled, Reply(200, token_body("at-1", "rt-1"))]}) as srv:
        t = mailoauth.refresh(app_for(srv), old, scopes=IMAP_SCOPES)
    assert (t.access_token, t.refresh_token) == ("at-1", "rt-1")
    assert sleeps == [7.0]
    assert [r.form["refresh_token"] for r in srv.requests] == ["rt-0", "rt-0"]


def test_transient_failures_are_tried_max_attempts_times(sleeps: list[float]) -> None:
    with HttpServer({"/token": [Reply(503, "<html><body>Service Unavailable</body></html>", {"Content-Type": "text/html"})]}) as srv:
        with pytest.raises(mailoauth.ServerError) as info:
            mailoauth.client_credentials(app_for(srv, client_secret="s"))
    assert (info.value.code, info.value.status, info.value.transient) == ("http_error", 503, True)
    assert len(srv.requests) == flows.MAX_ATTEMPTS
    assert sleeps == [1.0, 2.0]  # no Retry-After: 1 s, then 2 s


def test_a_retry_after_too_long_is_raised_at_once(sleeps: list[float]) -> None:
    with HttpServer({"/token": [Reply(429, "busy", {"Retry-After": str(flows.MAX_RETRY_WAIT + 1)})]}) as srv:
        with pytest.raises(mailoauth.ServerError) as info:
            mailoauth.client_credentials(app_for(srv, client_secret="s"))
    assert info.value.retry_after == flows.MAX_RETRY_WAIT + 1
    assert len(srv.requests) == 1 and sleeps == []


def test_malformed_json_is_not_retried(sleeps: list[float]) -> None:
    with HttpServer({"/token": [Reply(200, b'{"access_token": "x", ', {"Content-Type": "application/json"})]}) as srv:
        with pytest.raises(mailoauth.Error) as info:
            mailoauth.client_credentials(app_for(srv, client_secret="s"))
    assert info.value.code == "malformed"
    assert len(srv.requests) == 1 and sleeps == []


def test_client_assertion_is_signed_afresh_for_each_try(sleeps: list[float], tls_files: Any) -> None:
    cert, key = tls_files
    throttled = Reply(429, "busy", {"Retry-After": "1"})
    with HttpServer({"/token": [throttled, Reply(200, token_body("at-1"))]}) as srv:
        app = app_for(srv, certificate_pem=cert.read_text(), private_key_pem=key.read_text())
        mailoauth.client_credentials(app)
    a1, a2 = (r.form["client_assertion"] for r in srv.requests)
    assert a1 != a2  # a new jti, a new signature


# ------------------------------------------------------------------------------------------------
# Login retry with a fresh token


def rejected_imap() -> list[tuple[str, object]]:
    tag: dict[str, str] = {}

    def auth(line: str) -> bool:
        tag["t"] = tag_of(line)
        return "AUTHENTICATE XOAUTH2" in line

    return imap_prelude() + [
        ("C", auth),
        ("S", f"+ {CHALLENGE}\r\n"),
        ("C", "\r\n"),
        ("S", lambda l: f"{tag['t']} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"),
    ]


def accepted_imap(then: list[tuple[str, object]] | None = None) -> list[tuple[str, object]]:
    return imap_prelude() + [
        ("C", lambda l: "AUTHENTICATE XOAUTH2" in l),
        ("S", lambda l: f"{tag_of(l)} OK Logged in\r\n"),
    ] + (then or [("C", None), ("S", lambda l: f"* BYE\r\n{tag_of(l)} OK bye\r\n")])


def connector(*servers: LineServer) -> Any:
    ports = iter(s.port for s in servers)
    return lambda: imaplib.IMAP4("127.0.0.1", next(ports), timeout=5)


def test_refused_token_is_replaced_once_and_the_login_retried() -> None:
    asked: list[bool] = []

    def token(fresh: bool) -> str:
        asked.append(fresh)
        return "fresh-token" if fresh else "stale-token"

    with LineServer(rejected_imap()) as s1, LineServer(accepted_imap()) as s2:
        conn, result = connect_and_login("imap", connector(s1, s2), USER, token)
        assert result.server_text == "Logged in"
        conn.logout()
    assert asked == [False, True]
    assert "fresh-token" not in "".join(s1.received)
    assert s2.received[1].endswith(mailoauth.xoauth2(USER, "fresh-token") + "\r\n")


def test_second_refusal_is_raised() -> None:
    asked: list[bool] = []
    with LineServer(rejected_imap()) as s1, LineServer(rejected_imap()) as s2:
        with pytest.raises(mailoauth.AuthenticationError) as info:
            connect_and_login("imap", connector(s1, s2), USER, lambda f: asked.append(f) or "t")  # type: ignore[func-returns-value]
    assert asked == [False, True]
    assert info.value.retry_with_fresh_token is True


def test_no_retry_when_a_fresh_token_cannot_help() -> None:
    script = imap_prelude() + [
        ("C", lambda l: "AUTHENTICATE XOAUTH2" in l),
        ("S", lambda l: f"{tag_of(l)} NO [UNAVAILABLE] Temporary authentication failure.\r\n"),
    ]
    asked: list[bool] = []
    with LineServer(script) as s1:
        with pytest.raises(mailoauth.AuthenticationError) as info:
            connect_and_login("imap", connector(s1), USER, lambda f: asked.append(f) or TOKEN)  # type: ignore[func-returns-value]
    assert asked == [False]
    assert info.value.retry_with_fresh_token is False


# ------------------------------------------------------------------------------------------------
# Sessions across token expiry


def test_session_reconnects_when_the_server_ends_it_for_an_expired_token() -> None:
    bye = [("C", lambda l: " LIST " in l), ("S", "* BYE Session invalidated - AccessTokenExpired\r\n"), ("CLOSE", None)]
    listed = [("C", lambda l: " LIST " in l), ("S", lambda l: f'* LIST () "/" INBOX\r\n{tag_of(l)} OK LIST done\r\n'),
              ("C", None), ("S", lambda l: f"* BYE\r\n{tag_of(l)} OK bye\r\n")]
    asked: list[bool] = []

    def tokens(fresh: bool) -> mailoauth.TokenSet:
        asked.append(fresh)
        return mailoauth.TokenSet("t2" if fresh else "t1", expires_at=flows._now() + 3600)

    with LineServer(accepted_imap(bye)) as s1, LineServer(accepted_imap(listed)) as s2:
        with MailSession("imap", connector(s1, s2), USER, tokens) as session:
            typ, data = session.run(lambda c: c.list())
            assert typ == "OK" and data == [b'() "/" INBOX']
            assert session.logins == 2
    assert asked == [False, True]


def test_session_reconnects_before_a_command_when_the_token_is_about_to_expire() -> None:
    clock = [1000.0]
    asked: list[bool] = []

    def tokens(fresh: bool) -> mailoauth.TokenSet:
        asked.append(fresh)
        return mailoauth.TokenSet("t", expires_at=int(clock[0]) + 100)

    noop = [("C", lambda l: " NOOP" in l), ("S", lambda l: f"{tag_of(l)} OK NOOP done\r\n"),
            ("C", None), ("S", lambda l: f"* BYE\r\n{tag_of(l)} OK bye\r\n")]
    with LineServer(accepted_imap(noop)) as s1, LineServer(accepted_imap(noop)) as s2:
        with MailSession("imap", connector(s1, s2), USER, tokens, margin=30, now=lambda: clock[0]) as session:
            assert session.run(lambda c: c.noop())[0] == "OK"
            clock[0] += 80  # 20 s left < margin
            assert session.run(lambda c: c.noop())[0] == "OK"
            assert session.logins == 2
    assert asked == [False, True]


def test_session_does_not_hide_other_failures() -> None:
    no = [("C", lambda l: " SELECT " in l), ("S", lambda l: f"{tag_of(l)} NO Mailbox does not exist\r\n"),
          ("C", None), ("S", lambda l: f"* BYE\r\n{tag_of(l)} OK bye\r\n")]

    def select(conn: imaplib.IMAP4) -> None:
        typ, data = conn.select("Nope")
        if typ != "OK":
            raise imaplib.IMAP4.error(data[0])

    with LineServer(accepted_imap(no)) as s1:
        with MailSession("imap", connector(s1), USER, lambda f: mailoauth.TokenSet("t", expires_at=flows._now() + 3600)) as session:
            with pytest.raises(imaplib.IMAP4.error):
                session.run(select)
            assert session.logins == 1


# ------------------------------------------------------------------------------------------------
# Replies cut short


def test_reply_cut_in_the_middle_of_a_line_is_a_network_error() -> None:
    script = [("S", "+OK POP3 ready\r\n"), ("C", "AUTH XOAUTH2\r\n"), ("S", "+\r\n"), ("C", f"{B64}\r\n"),
              ("S", "+OK User succ"), ("CLOSE", None)]
    with LineServer(script) as srv:
        pop = poplib.POP3("127.0.0.1", srv.port, timeout=5)
        with pytest.raises(mailoauth.NetworkError) as info:
            pop_login(pop, USER, TOKEN)
        pop.close()
    assert "middle of a reply line" in str(info.value)


def test_a_silent_server_times_out_as_a_network_error() -> None:
    script = [("S", "+OK POP3 ready\r\n"), ("C", "AUTH XOAUTH2\r\n"), ("C", None)]  # never answers
    with LineServer(script, timeout=3) as srv:
        pop = poplib.POP3("127.0.0.1", srv.port, timeout=0.5)
        with pytest.raises(mailoauth.NetworkError):
            pop_login(pop, USER, TOKEN)
        pop.close()
