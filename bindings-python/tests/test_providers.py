"""Any OAuth 2.0 provider: discovery, client authentication methods, the Google preset and
Retry-After as an HTTP-date, against local servers on 127.0.0.1."""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json
import ssl
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

import mailoauth
from mailoauth import flows
from servers import HttpServer, Reply
from test_cli import run, run_json

CLIENT = "mail-client"  # a free-form client id, as oidc-provider, Keycloak or Google issue them
SECRET = "pä ss:wörd"


def token_reply(access: str = "at-1", refresh: str | None = None) -> Reply:
    body: dict[str, Any] = {"token_type": "Bearer", "expires_in": 3599, "access_token": access}
    if refresh:
        body["refresh_token"] = refresh
    return Reply(200, body)


def metadata(issuer: str, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "issuer": issuer,
        "token_endpoint": f"{issuer}/token",
        "authorization_endpoint": f"{issuer}/auth",
        "device_authorization_endpoint": f"{issuer}/device",
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
    }
    doc.update(extra)
    return doc


def expected_basic(client_id: str, secret: str) -> str:
    # RFC 6749 section 2.3.1, computed here with the standard library, not the core.
    raw = urllib.parse.quote_plus(client_id) + ":" + urllib.parse.quote_plus(secret)
    return "Basic " + base64.b64encode(raw.encode()).decode()


def test_discover_falls_back_to_rfc_8414_and_checks_the_issuer() -> None:
    holder: dict[str, str] = {}
    with HttpServer({"/realm/.well-known/oauth-authorization-server": [Reply(404, "nope")],
                     "/.well-known/oauth-authorization-server/realm": lambda rec: Reply(200, metadata(holder["issuer"]))}) as srv:
        holder["issuer"] = f"{srv.base}/realm"
        meta = flows.discover(holder["issuer"])
        paths = [r.path for r in srv.requests]
    assert paths == ["/realm/.well-known/openid-configuration", "/.well-known/oauth-authorization-server/realm"]
    assert meta.token_endpoint == f"{holder['issuer']}/token"
    assert meta.choose_client_auth(has_secret=True, has_key=False) == "client_secret_basic"
    assert meta.endpoints().issuer == holder["issuer"]
    with HttpServer({"/.well-known/openid-configuration": [Reply(200, metadata("https://other.example"))]}) as srv:
        with pytest.raises(mailoauth.SecurityError) as info:
            flows.discover(srv.base)
    assert info.value.code == "issuer_mismatch"


def test_every_grant_sends_client_secret_basic() -> None:
    with HttpServer({"/token": [token_reply(refresh="rt-2")]}) as srv:
        endpoints = mailoauth.Endpoints(token_url=f"{srv.base}/token")
        app = flows.App(client_id=CLIENT, endpoints=endpoints, client_secret=SECRET, client_auth="client_secret_basic")
        mailoauth.client_credentials(app, scope="mail")
        mailoauth.refresh(app, mailoauth.TokenSet("old", refresh_token="rt-1"), scopes=["mail"])
    for rec in srv.requests:
        assert rec.headers["Authorization"] == expected_basic(CLIENT, SECRET)
        assert "client_secret" not in rec.form and rec.form["client_id"] == CLIENT


def test_device_flow_carries_the_client_secret() -> None:
    device = {"device_code": "dc", "user_code": "ABCD", "verification_url": "https://www.google.com/device",
              "expires_in": 600, "interval": 1}
    with HttpServer({"/device": [Reply(200, device)], "/token": [token_reply()]}) as srv:
        endpoints = mailoauth.Endpoints(token_url=f"{srv.base}/token", device_authorization_url=f"{srv.base}/device")
        app = flows.App(client_id=CLIENT, endpoints=endpoints, client_secret=SECRET)
        got = mailoauth.device_code(app, scopes=["openid"], on_code=lambda a: None)
    assert got.access_token == "at-1"
    assert [r.form.get("client_secret") for r in srv.requests] == [SECRET, SECRET]


def test_google_device_flow_for_gmail_is_refused_before_any_request() -> None:
    app = flows.App(client_id="1234-abc.apps.googleusercontent.com", provider="google", client_secret="x")
    assert app.resolved_endpoints().token_url == "https://oauth2.googleapis.com/token"
    with pytest.raises(mailoauth.InvalidInputError) as info:
        mailoauth.device_code(app, scopes=mailoauth.google_scopes(), send=lambda r: pytest.fail("sent"))  # type: ignore[arg-type,return-value]
    assert info.value.code == "unsupported_flow"


def test_retry_after_http_date_is_waited(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr(flows, "_sleep", waits.append)
    now = 1_800_000_000
    monkeypatch.setattr(flows, "_now", lambda: now)
    date = email.utils.formatdate(now + 7, usegmt=True)
    with HttpServer({"/token": [Reply(503, "busy", headers={"Retry-After": date}), token_reply()]}) as srv:
        endpoints = mailoauth.Endpoints(token_url=f"{srv.base}/token")
        mailoauth.client_credentials(flows.App(client_id=CLIENT, endpoints=endpoints, client_secret="s"), scope="mail")
    assert waits == [7.0]
    assert mailoauth.HttpResponse(503, b"", headers=[("Retry-After", date)]).retry_after_at(now) == 7
    assert mailoauth.parse_http_date(date, now) == now + 7


def test_python_api_names_the_client_auth_method() -> None:
    req = mailoauth.build_refresh_request(token_url="https://as.example/token", client_id=CLIENT, refresh_token="r",
                                          client_secret=SECRET, client_auth="client_secret_basic")
    assert req.header("authorization") == expected_basic(CLIENT, SECRET)
    with pytest.raises(mailoauth.InvalidInputError):
        mailoauth.build_refresh_request(token_url="https://as.example/token", client_id=CLIENT, refresh_token="r",
                                        client_assertion="a.b.c", client_auth="client_secret_post")
    with pytest.raises(mailoauth.InvalidInputError):
        mailoauth.build_refresh_request(token_url="https://as.example/token", client_id=CLIENT, refresh_token="r",
                                        client_auth="tls_client_auth")  # type: ignore[arg-type]
    assert mailoauth.client_auth_methods() == ["client_secret_post", "client_secret_basic", "private_key_jwt", "none"]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("MY_SECRET", SECRET)
    monkeypatch.setenv("MAILOAUTH_CACHE", str(tmp_path / "tokens.json"))
    return tmp_path


def test_cli_token_by_issuer_with_a_free_form_client_id(env: Path) -> None:
    holder: dict[str, str] = {}
    with HttpServer({"/.well-known/openid-configuration": lambda rec: Reply(200, metadata(holder["issuer"])),
                     "/token": [token_reply()]}) as srv:
        holder["issuer"] = srv.base
        code, doc = run_json("token", "--app", CLIENT, "--issuer", srv.base, "--client-secret-env", "MY_SECRET",
                             "--scope", "mail", "--flow", "client-credentials", "--no-cache")
        token_req = [r for r in srv.requests if r.path == "/token"]
    assert code == 0 and doc["ok"], doc
    assert token_req[0].headers["Authorization"] == expected_basic(CLIENT, SECRET)
    # The same id without a server is a Microsoft one, and must be a GUID.
    code, out, err = run("token", "--app", CLIENT, "--no-cache")
    assert code != 0 and "GUID" in err


def test_cli_google_device_flow_is_refused(env: Path) -> None:
    code, out, err = run("token", "--provider", "google", "--app", "1234-abc.apps.googleusercontent.com",
                         "--client-secret-env", "MY_SECRET", "--flow", "device", "--no-cache")
    assert code != 0 and "does not allow the Gmail scope" in err, err


def test_accounts_file_takes_provider_issuer_and_client_auth(tmp_path: Path) -> None:
    from mailoauth import accounts

    path = tmp_path / "accounts.toml"
    path.write_text(
        '[accounts.gmail]\nprovider = "google"\nclient_id = "1234-abc.apps.googleusercontent.com"\n'
        'client_secret_env = "MY_SECRET"\nuser = "me@gmail.com"\n'
        '[accounts.idp]\nissuer = "https://idp.example/realm"\nclient_id = "mail-client"\nclient_auth = "client_secret_basic"\n'
        'client_secret_env = "MY_SECRET"\nflow = "client-credentials"\nuser = "u@example.org"\nscopes = ["mail"]\n'
    )
    gmail = accounts.get_account("gmail", path)
    assert gmail.flow == "interactive"  # a Google client secret does not make it app-only
    assert gmail.scopes == ["https://mail.google.com/"]
    assert gmail.endpoints().token_url == "https://oauth2.googleapis.com/token"
    idp = accounts.get_account("idp", path)
    assert idp.provider == "custom" and idp.client_auth == "client_secret_basic"
    assert idp.client_id == "mail-client"
    # The cache key needs no network for a discovered server.
    assert idp.cache_key() == accounts.get_account("idp", path).cache_key()
    path.write_text('[accounts.x]\nissuer = "https://idp.example"\nclient_id = "c"\nclient_auth = "tls"\nuser = "u@x.org"\nscopes = ["s"]\n')
    with pytest.raises(accounts.ConfigError, match="unknown client_auth"):
        accounts.get_account("x", path)


# --- AD FS: the SHA-1 thumbprint x5t (issue 18) -------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _assertion_header(form: dict[str, str]) -> dict[str, Any]:
    seg = form["client_assertion"].split(".")[0]
    return json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))


def _thumbprints(cert: Path) -> tuple[str, str]:
    """SHA-1 and SHA-256 thumbprints of the certificate, with the standard library (not the core)."""
    der = ssl.PEM_cert_to_DER_cert(cert.read_text())
    return _b64url(hashlib.sha1(der).digest()), _b64url(hashlib.sha256(der).digest())


def test_assertion_names_the_certificate_by_sha1_when_asked(tls_files: tuple[Path, Path]) -> None:
    cert, key = tls_files
    sha1, sha256 = _thumbprints(cert)
    with HttpServer({"/token": [token_reply(), token_reply()]}) as srv:
        endpoints = mailoauth.Endpoints(token_url=f"{srv.base}/token")
        common = dict(client_id=CLIENT, endpoints=endpoints, certificate_pem=cert.read_text(), private_key_pem=key.read_text())
        flows.client_credentials(flows.App(**common, assertion_alg="RS256", include_x5t=True), scope="mail")  # type: ignore[arg-type]
        flows.client_credentials(flows.App(**common), scope="mail")  # type: ignore[arg-type]
        forms = [r.form for r in srv.requests]
    adfs, default = _assertion_header(forms[0]), _assertion_header(forms[1])
    assert adfs == {"alg": "RS256", "typ": "JWT", "x5t#S256": sha256, "x5t": sha1}
    assert default == {"alg": "PS256", "typ": "JWT", "x5t#S256": sha256}
    der = ssl.PEM_cert_to_DER_cert(cert.read_text())
    assert mailoauth._native.x5t_sha1(der) == sha1
    signing = mailoauth._native.build_assertion_signing_input(
        client_id=CLIENT, token_url="https://adfs.contoso.com/adfs/oauth2/token", certificate_der=der,
        jti="j", now=1_800_000_000, include_x5t=True)
    assert json.loads(signing.header_json)["x5t"] == sha1


def test_cli_and_accounts_take_the_assertion_options(env: Path, tls_files: tuple[Path, Path],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from mailoauth import accounts

    cert, key = tls_files
    sha1, _ = _thumbprints(cert)
    with HttpServer({"/token": [token_reply()]}) as srv:
        code, doc = run_json("token", "--app", CLIENT, "--token-url", f"{srv.base}/token", "--certificate", str(cert),
                             "--private-key", str(key), "--assertion-alg", "RS256", "--x5t", "--scope", "mail",
                             "--flow", "client-credentials", "--no-cache")
        forms = [r.form for r in srv.requests]
    assert code == 0 and doc["ok"], doc
    header = _assertion_header(forms[0])
    assert header["alg"] == "RS256" and header["x5t"] == sha1
    # Without a certificate the options mean nothing: refused before any request.
    code, out, err = run("token", "--app", CLIENT, "--token-url", "https://idp.example/token", "--client-secret-env",
                         "MY_SECRET", "--x5t", "--scope", "mail", "--no-cache")
    assert code == 2 and "--x5t" in err and "--certificate" in err, err

    cfg = env / "cfg" / "accounts.toml"
    monkeypatch.setenv("MAILOAUTH_CONFIG", str(cfg))
    code, out, err = run("account", "add", "adfs", "--app", CLIENT, "--token-url", "https://adfs.contoso.com/adfs/oauth2/token",
                         "--certificate", str(cert), "--private-key", str(key), "--assertion-alg", "RS256", "--x5t",
                         "--mailbox", "archive@contoso.com", "--scope", "mail")
    assert code == 0, err
    text = cfg.read_text()
    assert "x5t = true" in text and 'assertion_alg = "RS256"' in text, text
    app = accounts.get_account("adfs", cfg).app()
    assert app.include_x5t is True and app.assertion_alg == "RS256"
    assert accounts.get_account("adfs", cfg).describe()["x5t"] is True

    base = '[accounts.a]\nprovider = "custom"\ntoken_url = "https://adfs.contoso.com/t"\nclient_id = "c"\nmailbox = "m@x.org"\nscopes = ["s"]\n'
    for extra, message in ((f'certificate = "{cert}"\nx5t = "yes"\n', "x5t must be true or false"),
                           ('client_secret_env = "MY_SECRET"\nx5t = true\n', "x5t without certificate"),
                           (f'certificate = "{cert}"\nassertion_alg = "ES256"\n', "unknown assertion_alg")):
        cfg.write_text(base + extra)
        with pytest.raises(accounts.ConfigError, match=message):
            accounts.get_account("a", cfg)
