"""Scenario 2: the delegated flows against oidc-provider — device code completed by the test
hook while the driver polls; authorization code + PKCE through the loopback redirect listener
(the "browser" is a scripted HTTP client); refresh with rotation saved to the cache file. Each
token then logs in to Dovecot as the signed-in user."""

from __future__ import annotations

import io
import json
import time
from typing import Any

import pytest

import mailoauth
from mailoauth import flows
from helpers import Browser, close, login, public_app, scopes, token_claims

SCENARIO = "scenario 2: device code, auth code + PKCE, refresh rotation"


def sign_in_interactively(monkeypatch: pytest.MonkeyPatch, app: flows.App, user: str, wanted: list[str]) -> tuple[mailoauth.TokenSet, Browser]:
    browser = Browser()
    opened: list[str] = []

    def open_browser(url: str) -> bool:
        opened.append(url)
        browser.in_thread(browser.sign_in, url)
        return True

    monkeypatch.setattr(flows.webbrowser, "open", open_browser)
    monkeypatch.setattr(flows, "is_remote_session", lambda: False)
    tokens = flows.interactive(app, scopes=wanted, login_hint=user, timeout=20, out=io.StringIO())
    assert browser.error is None, browser.error
    assert len(opened) == 1
    assert "code_challenge_method=S256" in opened[0] and "code_challenge=" in opened[0]
    assert browser.visited and browser.visited[-1].startswith("http://127.0.0.1:")  # the loopback listener
    return tokens, browser


def test_auth_code_pkce_through_loopback_then_imap(stack: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    user = "alice@example.test"
    tokens, _ = sign_in_interactively(monkeypatch, public_app(stack), user, scopes("imap", "smtp"))
    assert tokens.refresh_token is not None
    assert set(tokens.scopes()) >= {"https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send"}
    if stack["token_format"] == "jwt":
        claims = token_claims(tokens.access_token)
        assert (claims["aud"], claims["email"], claims["client_id"]) == ("https://outlook.office.com", user, stack["clients"]["public"]["client_id"])
    for mech in ("XOAUTH2", "OAUTHBEARER"):
        conn, _ = login(stack, "imap", user, tokens.access_token, mech)
        try:
            assert conn.select("INBOX")[0] == "OK"
        finally:
            close("imap", conn)


def test_auth_code_declined_is_a_typed_error(stack: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(mailoauth.ServerError) as e:
        sign_in_interactively(monkeypatch, public_app(stack), stack["decline_user"], scopes("imap"))
    # An OAuth error: its code is the server's `error` (either alone could pass a wrong mapping).
    assert (e.value.code, e.value.error) == ("access_denied", "access_denied"), str(e.value)


def test_device_code_completed_while_polling_then_pop(stack: dict[str, Any]) -> None:
    user = stack["default_user"]
    browser = Browser()
    shown: list[mailoauth.DeviceAuthorization] = []

    def on_code(auth: mailoauth.DeviceAuthorization) -> None:
        shown.append(auth)
        assert auth.verification_uri_complete, "oidc-provider sends verification_uri_complete"
        browser.in_thread(browser.confirm_device, auth.verification_uri_complete)

    started = time.monotonic()
    tokens = flows.device_code(public_app(stack), scopes=scopes("pop"), on_code=on_code, out=io.StringIO())
    assert browser.error is None, browser.error
    assert len(shown) == 1 and shown[0].user_code
    assert time.monotonic() - started < 30
    assert tokens.refresh_token is not None
    assert "https://outlook.office.com/POP.AccessAsUser.All" in tokens.scopes()
    conn, _ = login(stack, "pop", user, tokens.access_token, "OAUTHBEARER")
    try:
        assert conn.stat() == (0, 0)
    finally:
        close("pop", conn)


def test_refresh_rotation_saved_to_cache(stack: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    user = "bob@example.test"
    app = public_app(stack)
    wanted = scopes("imap")
    cache = mailoauth.TokenCache(tmp_path / "tokens.json")
    browser = Browser()
    monkeypatch.setattr(flows.webbrowser, "open", lambda url: bool(browser.in_thread(browser.sign_in, url)))
    monkeypatch.setattr(flows, "is_remote_session", lambda: False)
    first = flows.get_token(app, flow="interactive", scopes=wanted, cache=cache, user=user, timeout=20, out=io.StringIO())
    assert browser.error is None
    assert first.refresh_token is not None
    # The cached token is used while fresh: no request at all.
    calls: list[str] = []

    def counting_send(request: mailoauth.HttpRequest) -> mailoauth.HttpResponse:
        calls.append(request.url)
        return mailoauth.http.send(request)

    again = flows.get_token(app, flow="interactive", scopes=wanted, cache=cache, user=user, send=counting_send)
    assert again.access_token == first.access_token and calls == []
    # Forced: a refresh, whose rotated refresh token is in the file at once.
    second = flows.get_token(app, flow="refresh", scopes=wanted, cache=cache, user=user, force=True, send=counting_send)
    assert calls == [stack["token_url"]]
    assert second.access_token != first.access_token
    assert second.refresh_token is not None and second.refresh_token != first.refresh_token
    doc = json.loads((tmp_path / "tokens.json").read_text())
    (entry,) = doc["entries"].values()
    assert entry["tokens"]["refresh_token"] == second.refresh_token
    assert entry["tokens"]["access_token"] == second.access_token
    # The refreshed access token logs in.
    conn, _ = login(stack, "imap", user, second.access_token)
    close("imap", conn)
    # The old refresh token was rotated out: the provider refuses it now (invalid_grant).
    with pytest.raises(mailoauth.ServerError) as e:
        flows.refresh(app, first, scopes=wanted)
    assert (e.value.code, e.value.error, e.value.requires_new_sign_in) == ("invalid_grant", "invalid_grant", True), str(e.value)
