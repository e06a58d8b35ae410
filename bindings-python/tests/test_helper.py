"""`mailoauth token --account NAME --print ...`, the mail clients' credential helper, run as real
processes against a local token endpoint: only the value on stdout, the exit statuses
(0 / 2 / 3 / 4 / 5), the fast path without the drivers, one refresh for ten concurrent
processes, and a refresh token another process saved never deleted."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Optional

import pytest

import mailoauth
from mailoauth.accounts import get_account
from mailoauth.cache import TokenCache
from servers import HttpServer, Recorded, Reply

CLIENT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
USER = "alice@example.com"


class Setup:
    def __init__(self, tmp_path: Path, srv: Optional[HttpServer], token_url: Optional[str] = None, extra: str = "") -> None:
        self.config = tmp_path / "accounts.toml"
        self.cache_path = tmp_path / "tokens.json"
        url = token_url or f"{srv.base}/token" if srv else token_url
        authorize = f"{srv.base}/authorize" if srv else "http://127.0.0.1:9/authorize"
        self.config.write_text(
            f'[accounts.t]\nprovider = "custom"\nclient_id = "{CLIENT}"\ntoken_url = "{url}"\n'
            f'authorize_url = "{authorize}"\nuser = "{USER}"\nprotocols = ["imap", "smtp"]\n{extra}')
        self.env = {**os.environ, "MAILOAUTH_CONFIG": str(self.config), "MAILOAUTH_CACHE": str(self.cache_path)}
        self.account = get_account("t", self.config)
        self.cache = TokenCache(self.cache_path)
        self.key = self.account.cache_key()

    def seed(self, access: str = "AT-old", refresh: Optional[str] = "RT-1", expires_in: Optional[int] = -10, **meta: Any) -> None:
        expires_at = None if expires_in is None else int(time.time()) + expires_in
        self.cache.put(self.key, mailoauth.TokenSet(access, expires_at=expires_at, refresh_token=refresh).to_json(), **meta)

    def stored(self) -> Optional[dict[str, Any]]:
        return self.cache.get(self.key)

    def run(self, *args: str, stdin: Any = subprocess.DEVNULL, extra_env: Optional[dict[str, str]] = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "mailoauth", "token", "--account", "t", *args], capture_output=True, text=True,
                              timeout=60, stdin=stdin, env={**self.env, **(extra_env or {})})


def token_reply(access: str = "AT-new", refresh: Optional[str] = "RT-2", expires_in: Optional[int] = 3599, delay: float = 0.0) -> Reply:
    body: dict[str, Any] = {"token_type": "Bearer", "access_token": access, "scope": "imap smtp"}
    if refresh:
        body["refresh_token"] = refresh
    if expires_in is not None:
        body["expires_in"] = expires_in
    return Reply(200, body, delay=delay)


def test_a_cached_token_is_printed_alone_without_a_request(tmp_path: Path) -> None:
    with HttpServer({"/token": [token_reply()]}) as srv:
        s = Setup(tmp_path, srv)
        s.seed("AT-cached", expires_in=3600)
        r = s.run("--print", "access-token")
        assert (r.returncode, r.stdout, r.stderr) == (0, "AT-cached\n", "")
        assert s.run().stdout == "AT-cached\n"  # access-token is the default
        assert s.run("--print", "xoauth2").stdout == mailoauth.xoauth2(USER, "AT-cached") + "\n"
        assert s.run("--print", "oauthbearer").stdout == mailoauth.oauthbearer(USER, "AT-cached") + "\n"
        doc = json.loads(s.run("--print", "json").stdout)
        assert doc["access_token"] == "AT-cached" and doc["user"] == USER and 3500 < doc["expires_in"] <= 3600
        assert "refresh_token" not in doc and "RT-1" not in json.dumps(doc)
    assert srv.requests == []


def _imports(s: Setup) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "mailoauth", "token", "--account", "t", "--print", "access-token"],
                       capture_output=True, text=True, timeout=60, env=s.env, stdin=subprocess.DEVNULL)
    return r, set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", r.stderr, re.M))


HEAVY = {"mailoauth.flows", "mailoauth.http", "mailoauth.mail", "mailoauth.loopback", "ssl", "urllib.request",
         "http.client", "http.server", "smtplib", "imaplib", "poplib", "webbrowser", "secrets"}
#: What the fast path (mailoauth._fast) does without: the accounts file was validated before.
FULL_PATH = {"mailoauth.accounts", "mailoauth.cache", "tomllib", "argparse", "pathlib", "tempfile"}


def test_the_fast_path_loads_no_http_or_mail_driver(tmp_path: Path) -> None:
    s = Setup(tmp_path, None, token_url="http://127.0.0.1:9/token")
    s.seed("AT-cached", expires_in=3600)  # written without the account's metadata (as `mailoauth token` would)
    # 1. The full path validates the accounts file and records it in the entry (no driver).
    r, loaded = _imports(s)
    assert r.returncode == 0 and r.stdout == "AT-cached\n"
    assert "mailoauth.accounts" in loaded and "tomllib" in loaded and loaded & HEAVY == set()
    stored = s.stored()
    assert stored is not None and stored["account"] == "t" and stored["config_path"] == str(s.config)
    # 2. Then the fast path: os + json, the cached value, nothing else.
    r, loaded = _imports(s)
    assert r.returncode == 0 and r.stdout == "AT-cached\n" and "mailoauth._fast" in loaded
    assert loaded & (HEAVY | FULL_PATH) == set(), loaded & (HEAVY | FULL_PATH)
    # 3. An edit of the accounts file sends the next call through the full path again.
    s.config.write_text(s.config.read_text() + "# edited\n")
    r, loaded = _imports(s)
    assert r.stdout == "AT-cached\n" and "tomllib" in loaded
    r, loaded = _imports(s)
    assert r.stdout == "AT-cached\n" and "tomllib" not in loaded
    # 4. A broken edit is reported, not served from the cache.
    s.config.write_text(s.config.read_text() + "user = \n")
    r, loaded = _imports(s)
    assert r.returncode == 5 and r.stdout == "" and "not valid TOML" in r.stderr


def test_the_fast_path_keeps_step_with_the_cache_rules() -> None:
    from mailoauth import _fast, cache

    assert (_fast.REFRESH_MARGIN, _fast.DEFAULT_LIFETIME) == (cache.REFRESH_MARGIN, cache.DEFAULT_LIFETIME)
    now = 1_000_000
    for entry in [{"tokens": {"expires_at": now + 301}}, {"tokens": {"expires_at": now + 300}},
                  {"tokens": {"expires_at": now + 3}, "lifetime": 4}, {"tokens": {"expires_at": now + 1}, "lifetime": 4},
                  {"tokens": {}, "saved_at": now - 3000}, {"tokens": {}, "saved_at": now - 3400}, {"tokens": {}}, {}]:
        assert _fast.is_fresh(entry, now) == cache.is_fresh(entry, now), entry


def test_an_expired_token_is_refreshed_once_and_the_rotation_saved(tmp_path: Path) -> None:
    with HttpServer({"/token": [token_reply()]}) as srv:
        s = Setup(tmp_path, srv)
        s.seed()
        r = s.run()
        assert (r.returncode, r.stdout, r.stderr) == (0, "AT-new\n", "")
        assert s.run().stdout == "AT-new\n"
    assert len(srv.requests) == 1
    form = srv.requests[0].form
    assert form["grant_type"] == "refresh_token" and form["refresh_token"] == "RT-1" and form["client_id"] == CLIENT
    stored = s.stored()
    assert stored is not None and stored["tokens"]["refresh_token"] == "RT-2" and stored["account"] == "t"


def test_ten_concurrent_processes_make_exactly_one_refresh(tmp_path: Path) -> None:
    with HttpServer({"/token": [token_reply("AT-shared", "RT-2", delay=0.5)]}) as srv:
        s = Setup(tmp_path, srv)
        s.seed()
        procs = [subprocess.Popen([sys.executable, "-m", "mailoauth", "token", "--account", "t", "--print", "access-token"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=s.env)
                 for _ in range(10)]
        results = [(p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
        for p in procs:
            p.stdout.close()  # type: ignore[union-attr]
            p.stderr.close()  # type: ignore[union-attr]
    assert results == [(0, "AT-shared\n", "")] * 10
    assert len([r for r in srv.requests if r.path == "/token"]) == 1


def test_a_token_without_expires_in_gets_a_bounded_lifetime(tmp_path: Path) -> None:
    with HttpServer({"/token": [token_reply(expires_in=None)]}) as srv:
        s = Setup(tmp_path, srv)
        s.seed()
        assert s.run().stdout == "AT-new\n"
        stored = s.stored()
        assert stored is not None
        assert abs(stored["tokens"]["expires_at"] - (time.time() + 3600)) < 60
        # An old entry without expires_at: saved_at + an hour, then refreshed.
        s.seed("AT-ancient", expires_in=None)
        entry = json.loads(s.cache_path.read_text())
        entry["entries"][s.key]["saved_at"] -= 7200
        s.cache_path.write_text(json.dumps(entry))
        assert s.run().stdout == "AT-new\n"
    assert len(srv.requests) == 2


def test_a_dead_refresh_token_exits_3_and_says_which_command_to_run(tmp_path: Path) -> None:
    body = {"error": "invalid_grant", "error_description": "AADSTS700082: The refresh token has expired due to inactivity.",
            "error_codes": [700082]}
    with HttpServer({"/token": [Reply(400, body)]}) as srv:
        s = Setup(tmp_path, srv)
        s.seed()
        r = s.run()
    assert r.returncode == 3 and r.stdout == ""
    assert "needs a new sign-in" in r.stderr and "AADSTS700082" in r.stderr
    assert f"run once, in a terminal: mailoauth account login t" in r.stderr
    assert "RT-1" not in r.stderr
    assert s.stored() is None  # the dead refresh token is gone


def test_invalid_grant_never_deletes_a_refresh_token_another_process_saved(tmp_path: Path) -> None:
    """The server refuses RT-1 while another writer (one that does not take the lock) has just
    saved RT-new: the entry is compared before it is deleted, and kept."""
    s: Optional[Setup] = None

    def refuse_after_a_rotation(rec: Recorded) -> Reply:
        assert s is not None
        doc = json.loads(s.cache_path.read_text())
        doc["entries"][s.key]["tokens"].update(access_token="AT-other", refresh_token="RT-new")
        s.cache_path.write_text(json.dumps(doc))
        return Reply(400, {"error": "invalid_grant", "error_description": "AADSTS70043: The refresh token has expired."})

    with HttpServer({"/token": refuse_after_a_rotation}) as srv:
        s = Setup(tmp_path, srv)
        s.seed()
        r = s.run()
    assert r.returncode == 3
    stored = s.stored()
    assert stored is not None and stored["tokens"]["refresh_token"] == "RT-new"


def test_cache_delete_if_compares_the_refresh_token(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "c.json")
    cache.put("k", mailoauth.TokenSet("a", refresh_token="RT-new").to_json())
    assert cache.delete_if("k", "RT-old") is False and cache.get("k") is not None
    assert cache.delete_if("k", "RT-new") is True and cache.get("k") is None
    assert cache.delete_if("k", "RT-new") is False


@pytest.mark.parametrize("reply", [Reply(503, "<html>down</html>", headers={"Retry-After": "0"}),
                                   Reply(429, {"error": "temporarily_unavailable"}, headers={"Retry-After": "0"})])
def test_a_temporary_failure_exits_4_and_keeps_the_cache(tmp_path: Path, reply: Reply) -> None:
    with HttpServer({"/token": [reply]}) as srv:
        s = Setup(tmp_path, srv)
        s.seed()
        before = s.cache_path.read_bytes()
        r = s.run()
    assert r.returncode == 4 and r.stdout == ""
    assert "temporary failure, the cached sign-in is kept" in r.stderr
    assert s.cache_path.read_bytes() == before


def test_an_unreachable_token_endpoint_exits_4(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    s = Setup(tmp_path, None, token_url=f"http://127.0.0.1:{port}/token")
    s.seed()
    r = s.run()
    assert r.returncode == 4 and "cannot reach 127.0.0.1" in r.stderr and r.stdout == ""
    assert s.stored() is not None


def test_a_refused_client_exits_5_with_the_fix(tmp_path: Path) -> None:
    body = {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided.", "error_codes": [7000215]}
    with HttpServer({"/token": [Reply(401, body)]}) as srv:
        s = Setup(tmp_path, srv)
        s.seed()
        r = s.run()
    assert r.returncode == 5 and r.stdout == ""
    assert "configuration error" in r.stderr and "fix:" in r.stderr
    assert s.stored() is not None


def test_no_cached_token_exits_3_without_prompting(tmp_path: Path) -> None:
    s = Setup(tmp_path, None, token_url="http://127.0.0.1:9/token")
    t0 = time.monotonic()
    r = s.run(stdin=subprocess.DEVNULL)
    assert r.returncode == 3 and r.stdout == "" and time.monotonic() - t0 < 20
    assert "no token is cached" in r.stderr and "mailoauth account login t" in r.stderr
    assert "Open this address" not in r.stderr
    r = s.run("--config", str(s.config))
    assert f"mailoauth account login t --config {s.config}" in r.stderr


def test_usage_and_configuration_errors(tmp_path: Path) -> None:
    s = Setup(tmp_path, None, token_url="http://127.0.0.1:9/token")
    r = s.run("--app", CLIENT)
    assert r.returncode == 2 and "leave out --app" in r.stderr and r.stdout == ""
    r = s.run("--print", "password")
    assert r.returncode == 2 and r.stdout == ""
    s.config.write_text(s.config.read_text() + 'client_secret = "hunter2"\n')
    r = s.run()
    assert r.returncode == 5 and f"{s.config}:8:" in r.stderr and "hunter2" not in r.stderr and r.stdout == ""
    r = s.run(extra_env={"MAILOAUTH_CONFIG": str(tmp_path / "missing.toml")})
    assert r.returncode == 5 and "no accounts file" in r.stderr


def test_app_only_account_acquires_once_then_uses_the_cache(tmp_path: Path) -> None:
    with HttpServer({"/token": [token_reply("AT-app", None)]}) as srv:
        s = Setup(tmp_path, srv)
        s.config.write_text(f'[accounts.t]\nprovider = "custom"\nclient_id = "{CLIENT}"\ntoken_url = "{srv.base}/token"\n'
                            'client_secret_env = "T_SECRET"\nmailbox = "archive@example.com"\n')
        r = s.run("--print", "xoauth2", extra_env={"T_SECRET": "s3cr3t"})
        assert r.returncode == 0 and r.stdout == mailoauth.xoauth2("archive@example.com", "AT-app") + "\n", r.stderr
        r = s.run(extra_env={"T_SECRET": "s3cr3t"})
        assert r.stdout == "AT-app\n"
        r = s.run("--force")
        assert r.returncode == 5 and "T_SECRET" in r.stderr  # the secret is needed only to ask
    assert len(srv.requests) == 1 and srv.requests[0].form["client_secret"] == "s3cr3t"
    assert "s3cr3t" not in s.cache_path.read_text() and "s3cr3t" not in s.config.read_text()


def paste_back(p: "subprocess.Popen[str]", redirect: str) -> tuple[str, str]:
    """Waits for the authorize URL on the process's stderr, pastes the redirect with its state."""
    err_lines: list[str] = []

    def read() -> None:
        assert p.stderr is not None
        for line in p.stderr:
            err_lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 30
    url = None
    while url is None and time.monotonic() < deadline:
        url = next((m.group(1) for line in list(err_lines) if (m := re.search(r"^\s+(http://127\.0\.0\.1:\d+/authorize\?\S+)", line))), None)
        time.sleep(0.05)
    assert url is not None, "".join(err_lines)
    state = re.search(r"[?&]state=([^&]+)", url).group(1)  # type: ignore[union-attr]
    out, _ = p.communicate(f"{redirect}?code=the-code&state={state}\n", timeout=30)
    reader.join(5)
    return out, "".join(err_lines) + url


def test_token_with_a_registered_redirect_uri_and_paste_back(tmp_path: Path) -> None:
    with HttpServer({"/token": [token_reply("AT-pasted", "RT-p")]}) as srv:
        p = subprocess.Popen([sys.executable, "-m", "mailoauth", "token", "--app", CLIENT, "--flow", "interactive",
                              "--token-url", f"{srv.base}/token", "--authorize-url", f"{srv.base}/authorize",
                              "--redirect-uri", "https://localhost/cb", "--no-cache", "--print", "access-token"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "MAILOAUTH_CACHE": str(tmp_path / "t.json")})
        out, err = paste_back(p, "https://localhost/cb")
    assert p.returncode == 0 and out == "AT-pasted\n", err
    assert "redirect_uri=https%3A%2F%2Flocalhost%2Fcb" in err
    assert srv.requests[0].form["redirect_uri"] == "https://localhost/cb"


def test_login_with_a_registered_redirect_uri_and_paste_back(tmp_path: Path) -> None:
    with HttpServer({"/token": [token_reply("AT-login", "RT-login")]}) as srv:
        s = Setup(tmp_path, srv)
        s.seed()  # a live refresh token: login signs in anyway
        p = subprocess.Popen([sys.executable, "-m", "mailoauth", "account", "login", "t", "--redirect-uri", "https://localhost"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=s.env)
        err_lines: list[str] = []

        def read() -> None:
            assert p.stderr is not None
            for line in p.stderr:
                err_lines.append(line)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        deadline = time.monotonic() + 30
        url = None
        while url is None and time.monotonic() < deadline:
            url = next((m.group(1) for line in list(err_lines) if (m := re.search(r"^\s+(http://127\.0\.0\.1:\d+/authorize\?\S+)", line))), None)
            time.sleep(0.05)
        assert url is not None, "".join(err_lines)
        state = re.search(r"[?&]state=([^&]+)", url).group(1)  # type: ignore[union-attr]
        assert "redirect_uri=https%3A%2F%2Flocalhost" in url
        out, _ = p.communicate(f"https://localhost/?code=the-code&state={state}\n", timeout=30)
        reader.join(5)
    assert p.returncode == 0, out + "".join(err_lines)
    assert "signed in" in out and "AT-login" not in out + "".join(err_lines)
    assert len(srv.requests) == 1
    form = srv.requests[0].form
    assert form["grant_type"] == "authorization_code" and form["code"] == "the-code" and form["redirect_uri"] == "https://localhost" and form["code_verifier"]
    assert s.run().stdout == "AT-login\n"


def test_token_print_without_an_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_cli import run

    monkeypatch.setenv("MAILOAUTH_CLIENT_SECRET", "s3cr3t-value")
    monkeypatch.setenv("MAILOAUTH_CACHE", str(tmp_path / "tokens.json"))
    with HttpServer({"/token": [token_reply("AT-cc", None)]}) as srv:
        args = ["token", "--app", CLIENT, "--tenant", "contoso.onmicrosoft.com", "--token-url", f"{srv.base}/token"]
        assert run(*args, "--print", "access-token") == (0, "AT-cc\n", "")
        assert run(*args, "--print", "xoauth2", "--user", "archive@contoso.com") == (0, mailoauth.xoauth2("archive@contoso.com", "AT-cc") + "\n", "")
        code, out, err = run(*args, "--print", "xoauth2")
        assert code == 5 and out == "" and "needs the login name" in err
        code, out, err = run(*args, "--config", "x.toml")
        assert code == 2 and "--config goes with --account" in err


@pytest.mark.parametrize("argv, fast", [
    (["token", "--account", "w"], True),
    (["token", "--print", "xoauth2", "--account=w", "--config", "c.toml"], True),
    (["token", "--account", "w", "--print", "password"], False),   # argparse says what is wrong
    (["token", "--account", "w", "--force"], False),
    (["token", "--account"], False),
    (["token", "--account", "w", "--account", "v"], False),
    (["token", "--app", "x"], False),
    (["check", "imap", "--account", "w"], False),
])
def test_the_fast_argument_path_takes_only_the_helper_form(argv: list[str], fast: bool) -> None:
    from mailoauth import cli

    ns = cli._helper_args(argv)
    assert (ns is not None) == fast
    if ns is not None:
        full = cli.build_parser().parse_args(argv)
        for name in vars(ns):
            assert getattr(ns, name) == getattr(full, name, False if name == "debug" else None), name
