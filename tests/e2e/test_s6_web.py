"""Scenario 6 (web page): the page's PKCE sign-in in Chromium against oidc-provider. The page
(web-demo/dist) is served from the origin the stack allows by CORS and registers as a redirect
URI of the public client (conftest.WEB_ORIGIN); Chromium runs the sign-in (the provider's test
hook completes login and consent), the page redeems the code with its PKCE verifier by a CORS
POST and shows the token set; that access token then logs in to Dovecot over IMAP (XOAUTH2 and
OAUTHBEARER, Python driver) as the signed-in user.

tests/e2e/run builds what this needs first (.ci/install-deps wasm, make web); a missing piece
fails here loudly, it is never skipped."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conftest import WEB_ORIGIN
from helpers import close, login, token_claims

SCENARIO = "scenario 6: the web page's PKCE sign-in in Chromium against oidc-provider"

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).resolve().parent / "web" / "pkce-signin.mjs"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
NEEDED = {
    "the built page (make web)": ROOT / "web-demo" / "dist" / "index.html",
    "playwright-core (npm ci in web-demo, .ci/install-deps wasm)": ROOT / "web-demo" / "node_modules" / "playwright-core",
    "Chromium (.ci/install-deps wasm)": Path(CHROMIUM),
}
USER = "bob@example.test"  # not the hook's default user: the login_hint must reach the provider
IMAP_SCOPE = "https://outlook.office.com/IMAP.AccessAsUser.All"
RUN_TIMEOUT = 120


@pytest.fixture(scope="module", autouse=True)
def _built() -> None:
    missing = [f"{what} ({path})" for what, path in NEEDED.items() if not path.exists()]
    if shutil.which("node") is None:
        missing.append("node")
    if missing:
        pytest.fail("the web page cannot run: " + "; ".join(missing) + " — tests/e2e/run builds it (.ci/install-deps wasm, make web)")


@pytest.fixture(scope="module")
def signed_in(running: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Runs the page's sign-in in Chromium (once per stack); returns the page's outputs and the
    requests it sent."""
    stack = running.info
    tmp_path = tmp_path_factory.mktemp("web")
    assert f"{WEB_ORIGIN}/" in stack["clients"]["public"]["redirect_uris"]
    result = tmp_path / "signin.json"
    env = {
        **os.environ,
        "MAILOAUTH_WEB_PORT": str(urlsplit(WEB_ORIGIN).port),
        "MAILOAUTH_E2E_AUTHORIZE_URL": stack["authorize_url"],
        "MAILOAUTH_E2E_TOKEN_URL": stack["token_url"],
        "MAILOAUTH_E2E_CLIENT_ID": stack["clients"]["public"]["client_id"],
        "MAILOAUTH_E2E_ISSUER": stack["issuer"],
        "MAILOAUTH_E2E_SCOPES": f"openid offline_access {IMAP_SCOPE}",
        "MAILOAUTH_E2E_LOGIN_HINT": USER,
        "NODE_NO_WARNINGS": "1",
    }
    r = subprocess.run(["node", str(DRIVER), str(result)], env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert r.returncode == 0 and result.exists(), f"the Chromium sign-in failed (exit {r.returncode}):\n{r.stdout}\n{r.stderr}"
    print(r.stdout.strip())
    return dict(json.loads(result.read_text()))


def test_web_page_pkce_sign_in_shows_the_token_set(running: Any, stack: dict[str, Any], signed_in: dict[str, Any]) -> None:
    r = signed_in
    assert r["siteUrl"] == f"{WEB_ORIGIN}/"
    assert r["error"] is None, f"the page shows an error: {r['error']}"
    assert r["tokenVisible"], "the token set is shown"
    assert r["tokenType"] == "Bearer"
    assert r["accessToken"], "the access token is shown"
    assert IMAP_SCOPE in r["scope"].split(), r["scope"]
    assert r["refresh"] == "received (kept in memory)", "offline_access gives a refresh token"
    assert urlsplit(r["url"]).query == "", "the code does not stay in the address bar"
    assert r["localStorage"] == {} and r["sessionStorage"] == {}, "nothing stored unless asked; the verifier is dropped"
    assert r["problems"] == [], r["problems"]
    # The browser went through the provider: authorize, the hook's login and consent
    # interactions, then the page's own CORS POST to the token endpoint (preflight allowed).
    paths = [(q["method"], q["path"]) for q in r["requests"]]
    assert ("GET", "/auth") in paths, paths
    assert sum(1 for m, p in paths if m == "GET" and p.startswith("/interaction/")) >= 2, paths  # login, consent
    posts = [q for q in r["requests"] if q["method"] == "POST" and q["path"] == "/token"]
    assert len(posts) == 1, r["requests"]
    assert posts[0]["origin"] == WEB_ORIGIN and posts[0]["status"] == 200, posts
    assert posts[0]["allowOrigin"] == WEB_ORIGIN, f"the provider allows the page's origin by CORS: {posts}"
    # The provider saw a PKCE code redemption of the public client for that user.
    log = "\n".join(running.log_lines("oidc"))
    assert f"interaction login for {USER} (client {stack['clients']['public']['client_id']})" in log, log[-3000:]
    if stack["token_format"] == "jwt":
        claims = token_claims(r["accessToken"])
        assert claims["aud"] == stack["audience"] and claims["email"] == USER, claims


@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
def test_web_page_token_logs_in_to_dovecot_imap(stack: dict[str, Any], signed_in: dict[str, Any], mechanism: str) -> None:
    token = signed_in["accessToken"]
    assert token and signed_in["error"] is None, signed_in["error"]
    conn, _ = login(stack, "imap", USER, token, mechanism)
    try:
        typ, data = conn.list()
        assert typ == "OK", data
        assert any(b"INBOX" in line for line in data if isinstance(line, bytes)), data
    finally:
        close("imap", conn)
