"""Scenario 3: refusals — an expired token, a revoked token, the wrong user=, the wrong audience
and a token without a mail scope each end in a `rejected` outcome carrying Dovecot's decoded
challenge and a diagnosis; connect_and_login refreshes once and retries when a fresh token can
help (expired, revoked), and the retry cannot mask a refusal a fresh token does not fix."""

from __future__ import annotations

import time
from typing import Any, Callable

import pytest

import mailoauth
from mailoauth import flows
from helpers import Browser, close, connect, endpoints, login, public_app, scopes, secret_app
from mailoauth.mail import connect_and_login

SCENARIO = "scenario 3: refusals (expired, revoked, wrong user, wrong audience, missing scope)"


# Dovecot 2.3's final refusal, as the drivers report it (the tag / -ERR / 535 taken off).
SERVER_TEXT = {"imap": "[AUTHENTICATIONFAILED] Authentication failed.", "pop": "[AUTH] Authentication failed.",
               "smtp": "Authentication failed."}
# Dovecot answers XOAUTH2 with Google's {"status":"401","schemes":"bearer","scope":"mail"} and
# OAUTHBEARER with RFC 7628's {"status":"invalid_token",...}: both mean "this token".
SASL_STATUS = {"XOAUTH2": "401", "OAUTHBEARER": "invalid_token"}


def assert_rejected(e: mailoauth.AuthenticationError, protocol: str, mechanism: str) -> None:
    assert e.code == "rejected"
    assert e.sasl_error is not None, "Dovecot sends an RFC 7628 error challenge; the core decodes it"
    assert e.sasl_error.status == SASL_STATUS[mechanism], e.sasl_error
    assert e.diagnosis is not None and e.diagnosis.code == "auth_failed"
    assert e.diagnosis.cause and e.diagnosis.fix
    assert e.server_text == SERVER_TEXT[protocol], e.server_text
    smtp_reply = (535, "5.7.8") if protocol == "smtp" else (None, None)
    assert (e.reply_code, e.enhanced_status) == smtp_reply


def dovecot_says(running: Any, since: int, text: str) -> bool:
    return any(text in line for line in running.log_lines("dovecot", since))


def token_source(first: str, fresh: Callable[[], str]) -> tuple[Callable[[bool], str], list[bool]]:
    asked: list[bool] = []

    def token(want_fresh: bool) -> str:
        asked.append(want_fresh)
        return fresh() if want_fresh else first

    return token, asked


def short_app(stack: dict[str, Any]) -> flows.App:
    c = stack["clients"]["secret_short"]
    return flows.App(client_id=c["client_id"], endpoints=endpoints(stack), client_secret=c["client_secret"])


@pytest.fixture(scope="module")
def expired_token(running: Any) -> str:
    stack = running.info
    t = flows.client_credentials(short_app(stack))
    assert t.expires_at is not None and t.expires_at - time.time() <= stack["clients"]["secret_short"]["access_ttl"] + 1
    time.sleep(stack["clients"]["secret_short"]["access_ttl"] + 1.5)
    return t.access_token


@pytest.mark.parametrize("protocol", ["imap", "pop", "smtp"])
def test_expired_token_is_rejected_then_a_fresh_one_logs_in(stack: dict[str, Any], running: Any, expired_token: str, protocol: str) -> None:
    mailbox = stack["clients"]["secret_short"]["mailbox"]
    mark = len(running.log_lines("dovecot"))
    with pytest.raises(mailoauth.AuthenticationError) as info:
        login(stack, protocol, mailbox, expired_token)
    assert_rejected(info.value, protocol, "XOAUTH2")
    assert info.value.retry_with_fresh_token is True
    expected = "Token has expired" if stack["token_format"] == "jwt" else "inactive-token@invalid"
    assert dovecot_says(running, mark, expected)
    token, asked = token_source(expired_token, lambda: flows.client_credentials(secret_app(stack)).access_token)
    conn, result = connect_and_login(protocol, lambda: connect(stack, protocol), mailbox, token)
    close(protocol, conn)
    assert asked == [False, True]


def test_revoked_token(stack: dict[str, Any], running: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    user = "alice@example.test"
    browser = Browser()
    monkeypatch.setattr(flows.webbrowser, "open", lambda url: bool(browser.in_thread(browser.sign_in, url)))
    monkeypatch.setattr(flows, "is_remote_session", lambda: False)
    app = public_app(stack)
    tokens = flows.interactive(app, scopes=scopes("imap"), login_hint=user, timeout=20, out=io.StringIO())
    conn, _ = login(stack, "imap", user, tokens.access_token)  # works before the revocation
    close("imap", conn)
    body = f"token={tokens.access_token}&token_type_hint=access_token&client_id={app.client_id}".encode()
    resp = mailoauth.http.send(mailoauth.HttpRequest("POST", stack["revocation_url"], body=body,
                                                     headers=[("Content-Type", "application/x-www-form-urlencoded")]))
    if stack["token_format"] == "jwt":
        # oidc-provider cannot revoke a structured (JWT) access token, and Dovecot's local
        # validation would not ask anyway: the token keeps logging in until it expires. Pinned
        # here so a change in either is noticed.
        assert resp.status == 400 and b"unsupported_token_type" in resp.body
        conn, _ = login(stack, "imap", user, tokens.access_token)
        close("imap", conn)
        return
    assert resp.status == 200
    with pytest.raises(mailoauth.AuthenticationError) as info:
        login(stack, "imap", user, tokens.access_token)
    assert_rejected(info.value, "imap", "XOAUTH2")
    assert info.value.retry_with_fresh_token is True
    # oidc-provider revokes the whole grant with the access token: the one refresh the retry
    # makes fails with a typed "sign in again" error instead of a second login attempt.
    token, asked = token_source(tokens.access_token, lambda: flows.refresh(app, tokens, scopes=scopes("imap")).access_token)
    with pytest.raises(mailoauth.ServerError) as refused:
        connect_and_login("imap", lambda: connect(stack, "imap"), user, token, mechanism="OAUTHBEARER")
    assert asked == [False, True]
    assert refused.value.error == "invalid_grant" and refused.value.requires_new_sign_in is True


def test_wrong_user_is_rejected_and_the_retry_does_not_mask_it(stack: dict[str, Any], running: Any) -> None:
    app_token = flows.client_credentials(secret_app(stack)).access_token  # names archive@example.test
    mark = len(running.log_lines("dovecot"))
    fresh_calls: list[int] = []

    def fresh() -> str:
        fresh_calls.append(1)
        return flows.client_credentials(secret_app(stack)).access_token

    token, asked = token_source(app_token, fresh)
    with pytest.raises(mailoauth.AuthenticationError) as info:
        connect_and_login("imap", lambda: connect(stack, "imap"), "alice@example.test", token)
    assert_rejected(info.value, "imap", "XOAUTH2")
    # Dovecot's challenge is the same 401 for every refusal, so the core cannot tell a wrong user
    # from an expired token: exactly one fresh token is tried, then the refusal is reported.
    assert asked == [False, True] and len(fresh_calls) == 1
    assert dovecot_says(running, mark, "did not match 'archive@example.test'")


def test_wrong_audience_is_rejected(stack: dict[str, Any], running: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    user = "bob@example.test"
    browser = Browser()
    monkeypatch.setattr(flows.webbrowser, "open", lambda url: bool(browser.in_thread(browser.sign_in, url)))
    monkeypatch.setattr(flows, "is_remote_session", lambda: False)
    tokens = flows.interactive(public_app(stack), scopes=["https://graph.microsoft.com/Mail.Read", "offline_access"],
                               login_hint=user, timeout=20, out=io.StringIO())
    assert "https://graph.microsoft.com/Mail.Read" in tokens.scopes()
    mark = len(running.log_lines("dovecot"))
    with pytest.raises(mailoauth.AuthenticationError) as info:
        login(stack, "imap", user, tokens.access_token)
    assert_rejected(info.value, "imap", "XOAUTH2")
    # active_attribute = aud (https://outlook.office.com): Dovecot 2.3.19 refuses another audience
    # as "Provided token is not valid", by introspection and by local validation alike (not as the
    # user mismatch of a token without a mail scope).
    how = "Local validation failed" if stack["token_format"] == "jwt" else "Introspection failed"
    assert dovecot_says(running, mark, f"oauth2 failed: {how}: Provided token is not valid")


def test_token_without_a_mail_scope_is_rejected(stack: dict[str, Any], running: Any) -> None:
    # Client credentials for a scope that is not a mail one (an Exchange resource, wrong role).
    tokens = flows.client_credentials(secret_app(stack), scope="https://outlook.office.com/.default")
    assert tokens.scopes() == ["https://outlook.office.com/.default"]
    mark = len(running.log_lines("dovecot"))
    for protocol in ("imap", "smtp"):
        with pytest.raises(mailoauth.AuthenticationError) as info:
            login(stack, protocol, stack["clients"]["secret"]["mailbox"], tokens.access_token, "OAUTHBEARER")
        assert_rejected(info.value, protocol, "OAUTHBEARER")
    assert dovecot_says(running, mark, "no-mail-scope@invalid")
