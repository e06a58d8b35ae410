"""Token acquisition against a fake token endpoint (http.server on 127.0.0.1)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import threading
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

import mailoauth
from mailoauth import flows
from mailoauth.cache import TokenCache
from servers import HttpServer, Recorded, Reply

CLIENT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
APP_SCOPE = "https://outlook.office365.com/.default"
IMAP_SCOPES = ["https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"]


def token_body(access: str = "at-1", refresh: str | None = None, expires_in: int = 3599) -> dict[str, Any]:
    body: dict[str, Any] = {"token_type": "Bearer", "expires_in": expires_in, "access_token": access}
    if refresh is not None:
        body["refresh_token"] = refresh
    return body


def app_for(srv: HttpServer, **kw: Any) -> flows.App:
    endpoints = mailoauth.Endpoints(
        token_url=f"{srv.base}/token", authorize_url=f"{srv.base}/authorize", device_authorization_url=f"{srv.base}/devicecode"
    )
    return flows.App(client_id=CLIENT, tenant="contoso.onmicrosoft.com", endpoints=endpoints, **kw)


def test_client_credentials_with_secret() -> None:
    with HttpServer({"/token": [Reply(200, token_body())]}) as srv:
        t = mailoauth.client_credentials(app_for(srv, client_secret="s3cr3t"))
    assert t.access_token == "at-1" and t.refresh_token is None
    form = srv.requests[0].form
    assert form == {"grant_type": "client_credentials", "client_id": CLIENT, "scope": APP_SCOPE, "client_secret": "s3cr3t"}
    assert "s3cr3t" not in repr(app_for(srv, client_secret="s3cr3t"))


def test_client_credentials_with_certificate(tls_files: tuple[Path, Path]) -> None:
    cert, key = tls_files
    with HttpServer({"/token": [Reply(200, token_body())]}) as srv:
        app = app_for(srv, certificate_pem=cert.read_text(), private_key_pem=key.read_text())
        mailoauth.client_credentials(app)
        mailoauth.client_credentials(app)
    forms = [r.form for r in srv.requests]
    assert all(f["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" for f in forms)
    assert "client_secret" not in forms[0]
    jwts = [f["client_assertion"] for f in forms]
    assert jwts[0] != jwts[1]  # a fresh assertion (jti) for every request

    def part(jwt: str, i: int) -> Any:
        seg = jwt.split(".")[i]
        return json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))

    header, claims = part(jwts[0], 0), part(jwts[0], 1)
    assert header["alg"] == "PS256" and "x5t#S256" in header
    assert claims["aud"] == f"{srv.base}/token" and claims["iss"] == claims["sub"] == CLIENT
    assert claims["jti"] != part(jwts[1], 1)["jti"]


def test_client_credentials_needs_a_credential() -> None:
    with HttpServer({}) as srv:
        app = app_for(srv)  # outside pytest.raises: a bad App must not pass for the missing credential
        with pytest.raises(mailoauth.InvalidInputError, match="need a client secret or a certificate") as info:
            mailoauth.client_credentials(app)
    assert info.value.code == "invalid_input"
    assert srv.requests == []


def test_server_refusal_is_server_error_with_details() -> None:
    body = {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided.",
            "error_codes": [7000215], "trace_id": "tr-1", "correlation_id": "co-1"}
    with HttpServer({"/token": [Reply(401, body)]}) as srv:
        with pytest.raises(mailoauth.ServerError) as info:
            mailoauth.client_credentials(app_for(srv, client_secret="x"))
    e = info.value
    assert (e.code, e.error, e.aadsts, list(e.error_codes), e.trace_id, e.correlation_id, e.status) == (
        "invalid_client", "invalid_client", 7000215, [7000215], "tr-1", "co-1", 401)
    assert e.transient is False and e.requires_new_sign_in is False
    assert e.explanation is not None and e.explanation.known and "secret" in e.explanation.fix.lower()


def test_throttled_and_non_json_bodies(monkeypatch: pytest.MonkeyPatch) -> None:
    waited: list[float] = []
    monkeypatch.setattr(flows, "_sleep", waited.append)
    with HttpServer({"/token": [Reply(429, "<html>slow down</html>", {"Retry-After": "30"})]}) as srv:
        with pytest.raises(mailoauth.ServerError) as info:
            mailoauth.client_credentials(app_for(srv, client_secret="x"))
    e = info.value
    assert (e.code, e.status, e.retry_after, e.transient) == ("http_error", 429, 30, True)
    assert waited == [30.0] * (flows.MAX_ATTEMPTS - 1)  # Retry-After honoured between the tries


def test_refresh_keeps_rotated_and_old_refresh_tokens() -> None:
    old = mailoauth.TokenSet("at-0", expires_at=1, refresh_token="rt-0", scope="IMAP.AccessAsUser.All")
    with HttpServer({"/token": [Reply(200, token_body("at-1", "rt-1")), Reply(200, token_body("at-2"))]}) as srv:
        app = app_for(srv)
        t1 = mailoauth.refresh(app, old, scopes=IMAP_SCOPES)
        t2 = mailoauth.refresh(app, t1, scopes=IMAP_SCOPES)
    assert (t1.access_token, t1.refresh_token) == ("at-1", "rt-1")
    assert (t2.access_token, t2.refresh_token, t2.scope) == ("at-2", "rt-1", "IMAP.AccessAsUser.All")
    assert srv.requests[0].form["refresh_token"] == "rt-0" and srv.requests[1].form["refresh_token"] == "rt-1"


def cached_app(tmp_path: Path, srv: HttpServer) -> tuple[flows.App, TokenCache, str]:
    from mailoauth.cache import cache_key

    cache = TokenCache(tmp_path / "tokens.json")
    app = app_for(srv)
    key = cache_key(client_id=CLIENT, token_url=f"{srv.base}/token", scopes=IMAP_SCOPES, user="a@b")
    return app, cache, key


def test_get_token_uses_cache_then_refreshes_and_saves_rotation(tmp_path: Path) -> None:
    with HttpServer({"/token": [Reply(200, token_body("at-new", "rt-new"))]}) as srv:
        app, cache, key = cached_app(tmp_path, srv)
        fresh = mailoauth.TokenSet("at-fresh", expires_at=flows._now() + 3600, refresh_token="rt-0")
        cache.put(key, fresh.to_json())
        assert mailoauth.get_token(app, flow="refresh", scopes=IMAP_SCOPES, cache=cache, user="a@b") == fresh
        assert srv.requests == []
        stale = mailoauth.TokenSet("at-old", expires_at=flows._now() + 10, refresh_token="rt-0")
        cache.put(key, stale.to_json())
        t = mailoauth.get_token(app, flow="refresh", scopes=IMAP_SCOPES, cache=cache, user="a@b")
    assert (t.access_token, t.refresh_token) == ("at-new", "rt-new")
    stored = mailoauth.TokenSet.from_json(cache.get_tokens_json(key) or "")
    assert stored.refresh_token == "rt-new"
    assert oct((tmp_path / "tokens.json").stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("reply", [
    Reply(503, "<html>down</html>"),
    Reply(400, {"error": "temporarily_unavailable"}),
    Reply(drop=True),
])
def test_transient_failure_never_deletes_the_refresh_token(tmp_path: Path, reply: Reply, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flows, "_sleep", lambda seconds: None)
    with HttpServer({"/token": [reply]}) as srv:
        app, cache, key = cached_app(tmp_path, srv)
        cache.put(key, mailoauth.TokenSet("at", expires_at=1, refresh_token="rt-keep").to_json())
        with pytest.raises(mailoauth.Error) as info:
            mailoauth.get_token(app, flow="refresh", scopes=IMAP_SCOPES, cache=cache, user="a@b")
    assert info.value.requires_new_sign_in is False
    assert mailoauth.TokenSet.from_json(cache.get_tokens_json(key) or "").refresh_token == "rt-keep"


def test_dead_grant_removes_the_entry(tmp_path: Path) -> None:
    body = {"error": "invalid_grant", "error_description": "AADSTS700082: The refresh token has expired due to inactivity.", "error_codes": [700082]}
    with HttpServer({"/token": [Reply(400, body)]}) as srv:
        app, cache, key = cached_app(tmp_path, srv)
        cache.put(key, mailoauth.TokenSet("at", expires_at=1, refresh_token="rt-dead").to_json())
        with pytest.raises(mailoauth.ServerError) as info:
            mailoauth.get_token(app, flow="refresh", scopes=IMAP_SCOPES, cache=cache, user="a@b")
    assert info.value.requires_new_sign_in is True and info.value.aadsts == 700082
    assert cache.get(key) is None


class FakeClock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.t = 1_800_000_000.0
        monkeypatch.setattr(flows, "_now", lambda: int(self.t))
        monkeypatch.setattr(flows, "_sleep", self.sleep)

    def sleep(self, s: float) -> None:
        self.t += s


def device_routes(polls: list[Reply]) -> dict[str, Any]:
    auth = {"device_code": "dc-1", "user_code": "FWMA4Z4LG", "verification_uri": "https://microsoft.com/devicelogin",
            "expires_in": 900, "interval": 5, "message": "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code FWMA4Z4LG to authenticate."}
    return {"/devicecode": [Reply(200, auth)], "/token": polls}


def test_device_code_polls_with_slow_down_until_token(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock(monkeypatch)
    polls = [Reply(400, {"error": "authorization_pending"}), Reply(400, {"error": "slow_down"}),
             Reply(200, token_body("at-dev", "rt-dev"))]
    out = io.StringIO()
    start = clock.t
    with HttpServer(device_routes(polls)) as srv:
        t = mailoauth.device_code(app_for(srv), scopes=IMAP_SCOPES, out=out)
    assert (t.access_token, t.refresh_token) == ("at-dev", "rt-dev")
    assert "FWMA4Z4LG" in out.getvalue() and "microsoft.com/devicelogin" in out.getvalue()
    assert srv.requests[0].form == {"client_id": CLIENT, "scope": " ".join(IMAP_SCOPES)}
    assert srv.requests[1].form["grant_type"] == "urn:ietf:params:oauth:grant-type:device_code"
    assert srv.requests[1].form["device_code"] == "dc-1"
    assert clock.t - start >= 5 + 5 + 10  # interval, interval, interval + 5 after slow_down


def test_device_code_declined_and_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeClock(monkeypatch)
    for body, code in [({"error": "authorization_declined"}, "authorization_declined"), ({"error": "expired_token"}, "expired_token")]:
        with HttpServer(device_routes([Reply(400, body)])) as srv:
            with pytest.raises(mailoauth.ServerError) as info:
                mailoauth.device_code(app_for(srv), scopes=IMAP_SCOPES, out=io.StringIO())
        assert info.value.code == code


def test_device_code_public_client_flows_off(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeClock(monkeypatch)
    body = {"error": "invalid_client", "error_description": "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", "error_codes": [7000218]}
    with HttpServer({"/devicecode": [Reply(401, body)]}) as srv:
        with pytest.raises(mailoauth.ServerError) as info:
            mailoauth.device_code(app_for(srv), scopes=IMAP_SCOPES, out=io.StringIO())
    assert info.value.aadsts == 7000218


def test_device_code_ctrl_c_stops_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(_: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(flows, "_sleep", interrupt)
    with HttpServer(device_routes([Reply(400, {"error": "authorization_pending"})])) as srv:
        with pytest.raises(KeyboardInterrupt):
            mailoauth.device_code(app_for(srv), scopes=IMAP_SCOPES, out=io.StringIO())
    assert [r.path for r in srv.requests] == ["/devicecode"]


def pkce_checking_token_route(seen: dict[str, Any]) -> Any:
    def route(rec: Recorded) -> Reply:
        form = rec.form
        seen.update(form)
        digest = hashlib.sha256(form["code_verifier"].encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if form.get("code") != "the-code" or challenge != seen.get("challenge"):
            return Reply(400, {"error": "invalid_grant"})
        return Reply(200, token_body("at-int", "rt-int"))
    return route


def fake_browser(seen: dict[str, Any], mangle_state: bool = False) -> Any:
    def open_url(url: str) -> bool:
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        seen["challenge"] = q["code_challenge"]
        seen["authorize"] = q
        state = "forged" if mangle_state else q["state"]
        target = f"{q['redirect_uri']}?code=the-code&state={state}"
        threading.Thread(target=lambda: urllib.request.urlopen(target, timeout=5).read(), daemon=True).start()
        return True
    return open_url


def test_interactive_with_loopback_listener(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(flows, "is_remote_session", lambda: False)
    monkeypatch.setattr(flows.webbrowser, "open", fake_browser(seen))
    with HttpServer({"/token": pkce_checking_token_route(seen)}) as srv:
        t = mailoauth.interactive(app_for(srv), scopes=IMAP_SCOPES, login_hint="a@b", out=io.StringIO(), timeout=10)
    assert (t.access_token, t.refresh_token) == ("at-int", "rt-int")
    q = seen["authorize"]
    assert q["response_type"] == "code" and q["code_challenge_method"] == "S256" and q["login_hint"] == "a@b"
    assert q["redirect_uri"].startswith("http://127.0.0.1:")
    assert seen["redirect_uri"] == q["redirect_uri"] and seen["grant_type"] == "authorization_code"


def test_interactive_refuses_a_forged_state(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(flows, "is_remote_session", lambda: False)
    monkeypatch.setattr(flows.webbrowser, "open", fake_browser(seen, mangle_state=True))
    with HttpServer({"/token": pkce_checking_token_route(seen)}) as srv:
        with pytest.raises(mailoauth.SecurityError) as info:
            mailoauth.interactive(app_for(srv), scopes=IMAP_SCOPES, out=io.StringIO(), timeout=10)
    assert info.value.code == "state_mismatch"
    assert srv.requests == []  # the code was never redeemed


def test_interactive_paste_fallback_over_ssh(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 5000 10.0.0.2 22")
    opened: list[str] = []
    monkeypatch.setattr(flows.webbrowser, "open", lambda url: opened.append(url) or True)
    out = io.StringIO()

    def paste() -> str:
        url = out.getvalue().split("\n")[1].strip()
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        seen["challenge"] = q["code_challenge"]
        return f"  {q['redirect_uri']}?code=the-code&state={q['state']}\n"

    with HttpServer({"/token": pkce_checking_token_route(seen)}) as srv:
        t = mailoauth.interactive(app_for(srv), scopes=IMAP_SCOPES, out=out, read_line=paste, timeout=10)
    assert t.access_token == "at-int" and opened == []
    assert "paste it here" in out.getvalue()


def test_app_tenant_follows_the_cloud() -> None:
    # Personal accounts: the consumers preset implies tenant consumers, and its endpoints use it.
    app = flows.App(client_id=CLIENT, cloud="consumers")
    assert app.tenant == "consumers"
    assert app.resolved_endpoints().token_url == "https://login.microsoftonline.com/consumers/oauth2/v2.0/token"
    # Other clouds keep organizations (delegated sign-ins); an explicit tenant always wins.
    assert flows.App(client_id=CLIENT).tenant == "organizations"
    assert flows.App(client_id=CLIENT, cloud="hve").tenant == "organizations"
    assert flows.App(client_id=CLIENT, cloud="consumers", tenant="contoso.com").tenant == "contoso.com"
