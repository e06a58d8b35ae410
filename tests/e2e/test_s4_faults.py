"""Scenario 4: faults — the token endpoint answering 429 with Retry-After, 503 with an HTML body,
malformed JSON or dropping the connection (typed errors, Retry-After honoured, the refresh token
kept); a mail connection dropped mid-AUTH, cut mid-reply or stalled (a clean network_error, no
hang: every read has a timeout); a token that expires during a long session (reconnect with a
fresh token); and the process killed while writing the cache file (old or new token set, never
a partial one)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import mailoauth
from mailoauth import flows
from mailoauth.cache import TokenCache, cache_key
from faults import FaultProxy, FaultyTokenEndpoint
from helpers import IMAP, POP3, SMTP, endpoints, interactive_tokens, public_app, scopes, secret_app

SCENARIO = "scenario 4: faults (token endpoint, mail connection, session expiry, killed cache writer)"

IMAP_SCOPES = scopes("imap")


@pytest.fixture
def user_tokens(stack: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> mailoauth.TokenSet:
    t = interactive_tokens(stack, monkeypatch, "alice@example.test", IMAP_SCOPES)
    assert t.refresh_token is not None
    return t


def seeded_cache(tmp_path: Path, app: flows.App, tokens: mailoauth.TokenSet) -> tuple[TokenCache, str]:
    """A cache holding ``tokens`` as stale (expired access token, live refresh token)."""
    cache = TokenCache(tmp_path / "tokens.json")
    key = cache_key(client_id=app.client_id, token_url=app.resolved_endpoints().token_url, scopes=IMAP_SCOPES, user="alice@example.test")
    stale = json.loads(tokens.to_json())
    stale["expires_at"] = 1
    cache.put(key, stale)
    return cache, key


def cached_refresh_token(cache: TokenCache, key: str) -> str:
    entry = cache.get(key)
    assert entry is not None
    return str(entry["tokens"]["refresh_token"])


def test_429_with_retry_after_is_waited_and_the_refresh_token_kept(stack: dict[str, Any], user_tokens: mailoauth.TokenSet, tmp_path: Path) -> None:
    with FaultyTokenEndpoint(stack["token_url"], [("429", 1)]) as ep:
        app = public_app(stack, ep.token_url)
        cache, key = seeded_cache(tmp_path, app, user_tokens)
        t = flows.get_token(app, flow="refresh", scopes=IMAP_SCOPES, cache=cache, user="alice@example.test")
    assert len(ep.requests) == 2
    (t0, f0), (t1, f1) = ep.requests
    assert t1 - t0 >= 1.0, "Retry-After: 1 was not honoured"
    assert f0["refresh_token"] == f1["refresh_token"] == user_tokens.refresh_token
    assert t.refresh_token not in (None, user_tokens.refresh_token)  # rotated by oidc-provider
    assert cached_refresh_token(cache, key) == t.refresh_token


def test_429_until_attempts_run_out_is_a_typed_error_and_keeps_the_refresh_token(stack: dict[str, Any], user_tokens: mailoauth.TokenSet, tmp_path: Path) -> None:
    with FaultyTokenEndpoint(stack["token_url"], [("429", 1)] * flows.MAX_ATTEMPTS) as ep:
        app = public_app(stack, ep.token_url)
        cache, key = seeded_cache(tmp_path, app, user_tokens)
        with pytest.raises(mailoauth.ServerError) as info:
            flows.get_token(app, flow="refresh", scopes=IMAP_SCOPES, cache=cache, user="alice@example.test")
        e = info.value
        assert (e.status, e.retry_after, e.transient, e.requires_new_sign_in) == (429, 1, True, False)
        assert e.error == "temporarily_unavailable"
        assert len(ep.requests) == flows.MAX_ATTEMPTS
        assert cached_refresh_token(cache, key) == user_tokens.refresh_token
        # Later, the server is back: the kept refresh token still works.
        t = flows.get_token(app, flow="refresh", scopes=IMAP_SCOPES, cache=cache, user="alice@example.test")
    assert t.access_token != user_tokens.access_token


def test_503_with_an_html_body(stack: dict[str, Any], user_tokens: mailoauth.TokenSet, tmp_path: Path) -> None:
    with FaultyTokenEndpoint(stack["token_url"], [("503",)] * flows.MAX_ATTEMPTS + [("503", 1)]) as ep:
        app = public_app(stack, ep.token_url)
        cache, key = seeded_cache(tmp_path, app, user_tokens)
        with pytest.raises(mailoauth.ServerError) as info:
            flows.get_token(app, flow="refresh", scopes=IMAP_SCOPES, cache=cache, user="alice@example.test")
        e = info.value
        assert (e.code, e.status, e.retry_after, e.transient, e.requires_new_sign_in) == ("http_error", 503, None, True, False)
        # Not read as an OAuth error: no `error` field, and the message is the status with the
        # core's bounded, whitespace-collapsed excerpt of the page (core/src/token.rs safe_excerpt).
        assert e.error is None and e.aadsts is None
        assert str(e) == "http error 503: <html><body><h1>503 Service Unavailable</h1></body></html>"
        gaps = [b[0] - a[0] for a, b in zip(ep.requests, ep.requests[1:])]
        assert len(ep.requests) == flows.MAX_ATTEMPTS and gaps[0] >= 1.0 and gaps[1] >= 2.0  # backoff 1 s, 2 s
        assert cached_refresh_token(cache, key) == user_tokens.refresh_token
        # One more 503 (Retry-After: 1), then the real answer.
        t = flows.get_token(app, flow="refresh", scopes=IMAP_SCOPES, cache=cache, user="alice@example.test")
        assert len(ep.requests) == flows.MAX_ATTEMPTS + 2  # the extra 503 was met and waited out
    assert cached_refresh_token(cache, key) == t.refresh_token


def test_malformed_json_is_a_typed_error_without_retry(stack: dict[str, Any]) -> None:
    with FaultyTokenEndpoint(stack["token_url"], [("malformed",)]) as ep:
        with pytest.raises(mailoauth.Error) as info:
            flows.client_credentials(secret_app(stack, ep.token_url))
    assert info.value.code == "malformed" and info.value.transient is False
    assert len(ep.requests) == 1


def test_dropped_token_connection_is_retried(stack: dict[str, Any]) -> None:
    with FaultyTokenEndpoint(stack["token_url"], [("drop",)]) as ep:
        t = flows.client_credentials(secret_app(stack, ep.token_url))
    assert len(ep.requests) == 2 and t.access_token


# ------------------------------------------------------------------------------------------------
# Mail connection faults


def proxied(protocol: str, port: int, timeout: float = 2.0) -> Any:
    if protocol == "imap":
        return IMAP("127.0.0.1", port, timeout=timeout)
    if protocol == "pop":
        return POP3("127.0.0.1", port, timeout=timeout)
    return SMTP("127.0.0.1", port, timeout=timeout)


@pytest.fixture(scope="module")
def app_token(running: Any) -> str:
    return flows.client_credentials(secret_app(running.info)).access_token


@pytest.mark.parametrize("protocol", ["imap", "pop", "smtp"])
@pytest.mark.parametrize("mode", ["drop_mid_auth", "cut_reply", "stall"])
def test_mail_connection_faults_are_clean_network_errors(stack: dict[str, Any], app_token: str, protocol: str, mode: str) -> None:
    upstream = stack["submission" if protocol == "smtp" else protocol]["port"]
    logins: dict[str, Any] = {"imap": mailoauth.imap_login, "pop": mailoauth.pop_login, "smtp": mailoauth.smtp_login}
    login = logins[protocol]
    with FaultProxy(upstream, mode) as proxy:
        conn = proxied(protocol, proxy.port, timeout=2.0)
        started = time.monotonic()
        try:
            with pytest.raises(mailoauth.NetworkError) as info:
                login(conn, stack["clients"]["secret"]["mailbox"], app_token)
        finally:
            try:
                (conn.shutdown if protocol == "imap" else conn.close)()
            except Exception:
                pass
        elapsed = time.monotonic() - started
    assert info.value.code == "network_error" and info.value.transient is True
    assert proxy.events, "the fault was not injected"
    assert elapsed < 5.0, f"took {elapsed:.1f} s: a read without a timeout?"
    if mode == "stall":
        assert elapsed >= 1.5  # it really waited for the 2 s read timeout


# ------------------------------------------------------------------------------------------------
# Token expiry during a long session


def test_session_reconnects_when_the_server_ends_it_for_an_expired_token(stack: dict[str, Any], running: Any) -> None:
    mailbox = stack["clients"]["secret"]["mailbox"]
    asked: list[bool] = []

    def tokens(fresh: bool) -> mailoauth.TokenSet:
        asked.append(fresh)
        return flows.client_credentials(secret_app(stack))

    with FaultProxy(stack["imap"]["port"], "bye_after_login", once=True) as proxy:
        with mailoauth.MailSession("imap", lambda: IMAP("127.0.0.1", proxy.port, timeout=5), mailbox, tokens) as session:
            typ, data = session.run(lambda c: c.list())
            assert typ == "OK" and len(data) == 3
            assert session.logins == 2 and proxy.connections == 2
    assert asked == [False, True]
    assert proxy.events == ["ended the session: AccessTokenExpired"]


def test_session_reconnects_with_a_fresh_token_when_its_token_runs_out(stack: dict[str, Any], running: Any) -> None:
    c = stack["clients"]["secret_short"]
    app = flows.App(client_id=c["client_id"], endpoints=endpoints(stack), client_secret=c["client_secret"])
    issued: list[str] = []

    def tokens(fresh: bool) -> mailoauth.TokenSet:
        t = flows.client_credentials(app)
        issued.append(t.access_token)
        return t

    mark = len(running.log_lines("dovecot"))
    with mailoauth.MailSession("imap", lambda: IMAP("127.0.0.1", stack["imap"]["port"]), c["mailbox"], tokens, margin=1) as session:
        assert session.run(lambda conn: conn.noop())[0] == "OK"
        time.sleep(c["access_ttl"])  # the token is now (about to be) expired
        assert session.run(lambda conn: conn.select("INBOX"))[0] == "OK"
        assert session.logins == 2
    assert len(issued) == 2 and issued[0] != issued[1]
    logins = [line for line in running.log_lines("dovecot", mark) if "imap-login: Info: Login:" in line]
    assert len(logins) == 2, logins


# ------------------------------------------------------------------------------------------------
# kill -9 while writing the cache

WRITER = r"""
import sys, json
from mailoauth.cache import TokenCache
cache = TokenCache(sys.argv[1])
sets = [json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))]
i = 0
print("ready", flush=True)
while True:
    cache.put("k", sets[i % 2])
    i += 1
    print(i, flush=True)
"""


def test_cache_survives_kill_9_during_writes(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    # Large token sets widen the window in which a write is in progress.
    a = {"access_token": "A" * 200_000, "token_type": "Bearer", "expires_at": 1, "refresh_token": "rt-A" + "a" * 50_000}
    b = {"access_token": "B" * 200_000, "token_type": "Bearer", "expires_at": 2, "refresh_token": "rt-B" + "b" * 50_000}
    TokenCache(path).put("k", a)
    files = []
    for name, doc in (("a.json", a), ("b.json", b)):
        (tmp_path / name).write_text(json.dumps(doc))
        files.append(str(tmp_path / name))
    seen: set[str] = set()
    writes = 0
    rng = random.Random(8)
    kills = 30
    for _ in range(kills):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), *files],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.02, 0.4))
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate(timeout=10)
        done = [int(x) for x in out.split() if x.isdigit()]
        writes += max(done) if done else 0
        doc = json.loads(path.read_text())  # never a partial file
        tokens = doc["entries"]["k"]["tokens"]
        assert tokens in (a, b), "the cache holds a mixed or partial token set"
        seen.add(tokens["refresh_token"][:4])
    # Each writer completed some writes and was killed in the middle of a later one (or between).
    assert writes >= kills // 2, f"only {writes} writes completed in {kills} runs: the writers hardly ran"
    assert seen == {"rt-A", "rt-B"}, seen
    # A kill between mkstemp and os.replace leaves a temporary file behind (0600, never the
    # cache); the next write removes such leftovers.
    for p in tmp_path.glob(".tokens.json.*.tmp"):
        assert p.stat().st_mode & 0o777 == 0o600
    TokenCache(path).put("k", a)
    assert list(tmp_path.glob(".tokens.json.*.tmp")) == []
    assert json.loads(path.read_text())["entries"]["k"]["tokens"] == a
