"""Token stores (mailoauth.stores): URLs, keys, encryption at rest, and the fleet behaviour —
single flight, kill -9 of a lease holder, shared back-off — with real worker processes against a
real redis-server (Debian's, installed by .ci/install-deps stores; started here on 127.0.0.1 and a
free port) and a counting token endpoint."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

import mailoauth
from mailoauth import flows
from mailoauth.cache import TokenCache, cache_key
from mailoauth.stores import open_store, parse_store_url
from mailoauth.stores.base import LockTimeout, TokenStore, backoff_key, hashed_key
from mailoauth.stores.crypto import StoreKey
from mailoauth.stores.redis import RedisStore
from mailoauth.stores.sqlite import SqliteStore
from servers import HttpServer, Recorded, Reply

WORKER = str(Path(__file__).with_name("store_worker.py"))
CLIENT = "00000000-1111-2222-3333-444444444444"
SCOPES = ["https://outlook.office365.com/.default"]
FLEET = 50

# ------------------------------------------------------------------------------------------------
# A real redis-server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.path.exists(binary):
        pytest.fail("redis-server is not installed: run .ci/install-deps stores (bindings-python/run-tests does)")
    workdir = tmp_path_factory.mktemp("redis")
    port = _free_port()
    proc = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
                             "--dir", str(workdir), "--protected-mode", "yes"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"redis-server did not start on 127.0.0.1:{port}")
            time.sleep(0.05)
    client.close()
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


_db = iter(range(1, 16))


def _fresh_url(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store of ``kind`` (Redis: its own database number, flushed)."""
    if kind == "redis":
        url: str = request.getfixturevalue("redis_url")
        fresh = url.rsplit("/", 1)[0] + f"/{next(_db)}"
        import redis

        redis.Redis.from_url(fresh).flushdb()
        return fresh
    if kind == "sqlite":
        return f"sqlite:{tmp_path / 'tokens.db'}"
    return f"file:{tmp_path / 'tokens.json'}"


@pytest.fixture(params=["redis", "sqlite", "file"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store of each kind."""
    return _fresh_url(request.param, request, tmp_path)


@pytest.fixture(params=["redis", "sqlite"])
def leased_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store with leases (the file store's flock is freed by the kernel at kill -9)."""
    return _fresh_url(request.param, request, tmp_path) + "?lease=2"


# ------------------------------------------------------------------------------------------------
# A counting token endpoint and a fleet of workers


class TokenEndpoint:
    """Answers token requests from a script, counting them (``scripted`` replies first, then a
    fresh token each time: ``at-1``, ``at-2``, ...)."""

    def __init__(self, *scripted: Reply, expires_in: int = 3599, delay: float = 0.3, refresh: Optional[str] = None) -> None:
        self.scripted = list(scripted)
        self.expires_in = expires_in
        self.delay = delay
        self.refresh = refresh
        self.issued = 0
        self.server = HttpServer({"/token": self.answer})

    def answer(self, rec: Recorded) -> Reply:
        if self.scripted:
            return self.scripted.pop(0)
        self.issued += 1
        body: dict[str, Any] = {"token_type": "Bearer", "expires_in": self.expires_in, "access_token": f"at-{self.issued}"}
        if self.refresh is not None:
            body["refresh_token"] = f"{self.refresh}-{self.issued}"
        return Reply(200, body, delay=self.delay)

    @property
    def url(self) -> str:
        return f"{self.server.base}/token"

    @property
    def count(self) -> int:
        return len(self.server.requests)

    def __enter__(self) -> "TokenEndpoint":
        self.server.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.__exit__(*exc)


def run_fleet(store_url: str, token_url: str, tmp_path: Path, n: int = FLEET, flow: str = "client_credentials",
              user: str = "") -> list[dict[str, Any]]:
    """Starts ``n`` worker processes, lets them all ask at once, and returns their results."""
    go = tmp_path / f"go-{time.monotonic_ns()}"
    procs = [subprocess.Popen([sys.executable, WORKER, store_url, token_url, flow, user, str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(n)]
    try:
        for p in procs:
            assert p.stdout is not None
            line = p.stdout.readline()
            assert line.strip() == "ready", f"worker did not start: {line!r} {p.stderr.read() if p.stderr else ''}"
        go.touch()
        results = []
        for p in procs:
            out, err = p.communicate(timeout=180)
            lines = [ln for ln in out.splitlines() if ln.strip()]
            assert lines, f"worker printed nothing (exit {p.returncode}): {err}"
            results.append(json.loads(lines[-1]))
        return results
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def app_for(endpoint: TokenEndpoint) -> flows.App:
    return flows.App(client_id=CLIENT, tenant="contoso.onmicrosoft.com", client_secret="s3cr3t",
                     endpoints=mailoauth.Endpoints(token_url=endpoint.url))


def key_for(endpoint: TokenEndpoint, user: Optional[str] = None) -> str:
    return cache_key(client_id=CLIENT, token_url=endpoint.url, scopes=SCOPES, user=user)


# ------------------------------------------------------------------------------------------------
# Single flight across processes


def test_fifty_workers_make_one_token_request_per_expiry_window(store_url: str, tmp_path: Path) -> None:
    with TokenEndpoint(delay=0.5) as endpoint:
        first = run_fleet(store_url, endpoint.url, tmp_path)
        assert endpoint.count == 1
        assert {r.get("access_token") for r in first} == {"at-1"}, first

        # The window ends: the stored token expires (written as the store would hold it then).
        with open_store(store_url) as store:
            entry = store.get(key_for(endpoint))
            assert entry is not None and entry["tokens"]["access_token"] == "at-1"
            store.put(key_for(endpoint), {**entry["tokens"], "expires_at": int(time.time()) - 1}, lifetime=3599)

        second = run_fleet(store_url, endpoint.url, tmp_path)
        assert endpoint.count == 2
        assert {r.get("access_token") for r in second} == {"at-2"}, second


def test_a_worker_killed_mid_refresh_loses_nothing_and_the_next_proceeds_after_the_lease(
        leased_store_url: str, tmp_path: Path) -> None:
    url = leased_store_url
    user = "someone@contoso.example"
    # The first refresh hangs (the holder is killed in it); the next one answers.
    with TokenEndpoint(Reply(200, {"access_token": "never", "expires_in": 3599}, delay=60), refresh="rt") as endpoint:
        with open_store(url) as store:
            key = key_for(endpoint, user)
            store.put(key, {"access_token": "old", "token_type": "Bearer", "expires_at": int(time.time()) - 10,
                            "refresh_token": "rt-0"}, lifetime=3599, user=user)
        holder = subprocess.Popen([sys.executable, WORKER, url, endpoint.url, "refresh", user],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while endpoint.count < 1:
                assert holder.poll() is None, holder.communicate()
                assert time.monotonic() < deadline, "the holder never asked the token endpoint"
                time.sleep(0.02)
            os.kill(holder.pid, signal.SIGKILL)
            holder.wait()
        finally:
            if holder.poll() is None:
                holder.kill()
        assert endpoint.server.requests[0].form["refresh_token"] == "rt-0"
        with open_store(url) as store:
            entry = store.get(key)
            assert entry is not None and entry["tokens"]["refresh_token"] == "rt-0"  # nothing lost
            with pytest.raises(LockTimeout):  # the dead holder's lease still stands...
                with store.lock(timeout=0, key=key):
                    pass
        results = run_fleet(url, endpoint.url, tmp_path, n=5, flow="refresh", user=user)  # ...until it ends
        assert endpoint.count == 2
        assert endpoint.server.requests[1].form["refresh_token"] == "rt-0"
        assert {r.get("access_token") for r in results} == {"at-1"}, results
        with open_store(url) as store:
            entry = store.get(key)
            assert entry is not None and entry["tokens"]["refresh_token"] == "rt-1"


def test_a_429_with_retry_after_holds_every_worker_back(store_url: str, tmp_path: Path) -> None:
    throttled = Reply(429, {"error": "temporarily_unavailable", "error_description": "AADSTS50196: throttled"},
                      headers={"Retry-After": "120"})
    with TokenEndpoint(throttled) as endpoint:
        results = run_fleet(store_url, endpoint.url, tmp_path)
        assert endpoint.count == 1  # only the first worker asked; the others honoured its back-off
        assert {r.get("error") for r in results} == {"temporarily_unavailable"}, results
        waits = [r["retry_after"] for r in results]
        assert all(isinstance(w, int) and 60 < w <= 120 for w in waits), waits
        with open_store(store_url) as store:
            until = store.get_backoff(backoff_key(CLIENT, endpoint.url))
            assert until is not None and 60 < until - time.time() <= 120


def test_a_short_back_off_is_waited_out_and_the_token_is_shared(store_url: str, tmp_path: Path) -> None:
    # The holder waits out the Retry-After holding the key: its lease (1 s here) is stretched over
    # the wait, so nobody takes the key over and asks again meanwhile.
    url = store_url if store_url.startswith("file:") else store_url + "?lease=1"
    throttled = Reply(503, {"error": "temporarily_unavailable"}, headers={"Retry-After": "3"})
    with TokenEndpoint(throttled) as endpoint:
        results = run_fleet(url, endpoint.url, tmp_path, n=10)
        assert endpoint.count == 2  # the 503, then one successful request after its Retry-After
        assert {r.get("access_token") for r in results} == {"at-1"}, results


# ------------------------------------------------------------------------------------------------
# In one process: leases, fencing, back-off


def _store(kind: str, tmp_path: Path, redis_url: Optional[str] = None, **kw: Any) -> TokenStore:
    if kind == "redis":
        assert redis_url is not None
        import redis

        redis.Redis.from_url(redis_url.rsplit("/", 1)[0] + "/15").flushdb()
        return RedisStore(redis_url.rsplit("/", 1)[0] + "/15", **kw)
    return SqliteStore(tmp_path / "t.db", **kw)


@pytest.mark.parametrize("kind", ["redis", "sqlite"])
def test_a_write_after_the_lease_was_lost_is_refused(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("redis_url") if kind == "redis" else None
    with _store(kind, tmp_path, url, lease=0.3) as store:
        tokens = {"access_token": "a", "token_type": "Bearer", "expires_at": int(time.time()) + 600}
        with store.lock(key="k") as slow:
            time.sleep(0.5)  # the lease runs out
            with store.lock(timeout=5, key="k") as next_holder:
                assert next_holder.fence != slow.fence
                assert store.put("k", {**tokens, "access_token": "new"}, lease=next_holder) is True
                assert store.put("k", tokens, lease=slow) is False  # fenced out
                assert slow.extend(10) is False
        entry = store.get("k")
        assert entry is not None and entry["tokens"]["access_token"] == "new"


@pytest.mark.parametrize("kind", ["redis", "sqlite"])
def test_entries_round_trip_the_core_token_set_json(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("redis_url") if kind == "redis" else None
    tokens = mailoauth.TokenSet("at", expires_at=int(time.time()) + 600, refresh_token="rt", scope="a b")
    with _store(kind, tmp_path, url) as store:
        assert store.put("k|x", tokens.to_json(), user="u@example.com", lifetime=600) is True
        entry = store.get("k|x")
        assert entry is not None and entry["user"] == "u@example.com"
        assert mailoauth.TokenSet.from_json(json.dumps(entry["tokens"])).to_json() == tokens.to_json()
        assert set(store.entries()) == {"k|x"}
        assert store.delete_if("k|x", "other") is False and store.get("k|x") is not None
        assert store.delete_if("k|x", "rt") is True and store.get("k|x") is None


def test_redis_entries_expire_with_the_token_unless_they_hold_a_refresh_token(redis_url: str) -> None:
    import redis

    with RedisStore(redis_url) as store:
        now = int(time.time())
        store.put("app", {"access_token": "a", "token_type": "Bearer", "expires_at": now + 100}, lifetime=100)
        store.put("user", {"access_token": "a", "token_type": "Bearer", "expires_at": now + 100, "refresh_token": "r"},
                  lifetime=100)
        client = redis.Redis.from_url(redis_url)
        app_ttl = client.ttl(f"mailoauth:{{{hashed_key('app')}}}:tokens")
        user_ttl = client.ttl(f"mailoauth:{{{hashed_key('user')}}}:tokens")
        assert 90 <= app_ttl <= 100
        assert user_ttl > 80 * 24 * 3600
        # The stored record is exactly the core's TokenSet JSON.
        raw = client.hget(f"mailoauth:{{{hashed_key('app')}}}:tokens", "tokens")
        assert mailoauth.TokenSet.from_json(raw.decode()).access_token == "a"


def test_a_back_off_in_the_store_stops_get_token_before_any_request(tmp_path: Path) -> None:
    with TokenEndpoint() as endpoint:
        store = SqliteStore(tmp_path / "t.db")
        store.set_backoff(backoff_key(CLIENT, endpoint.url), time.time() + 300)
        with pytest.raises(mailoauth.ServerError) as err:
            flows.get_token(app_for(endpoint), flow="client_credentials", scopes=SCOPES, cache=store)
        assert err.value.code == "temporarily_unavailable" and err.value.transient
        assert err.value.retry_after is not None and 290 < err.value.retry_after <= 300
        assert endpoint.count == 0


def test_get_token_takes_a_store_url(tmp_path: Path) -> None:
    with TokenEndpoint() as endpoint:
        url = f"sqlite:{tmp_path / 'via-url.db'}"
        a = flows.get_token(app_for(endpoint), flow="client_credentials", scopes=SCOPES, cache=url)
        b = flows.get_token(app_for(endpoint), flow="client_credentials", scopes=SCOPES, cache=url)
        assert a.access_token == b.access_token == "at-1" and endpoint.count == 1


# ------------------------------------------------------------------------------------------------
# URLs and keys


@pytest.mark.parametrize("url, expected", [
    ("file:~/t.json", ("file", "~/t.json", {})),
    ("file:///var/lib/t.json", ("file", "/var/lib/t.json", {})),
    ("/var/lib/t.json", ("file", "/var/lib/t.json", {})),
    ("tokens.json", ("file", "tokens.json", {})),
    ("sqlite:/var/lib/t.db?lease=5", ("sqlite", "/var/lib/t.db", {"lease": "5"})),
    ("sqlite:///var/lib/t.db", ("sqlite", "/var/lib/t.db", {})),
    ("redis://h:6379/2?prefix=acme&socket_timeout=3", ("redis", "redis://h:6379/2?socket_timeout=3", {"prefix": "acme"})),
    ("rediss://:pw@h:6380/0?lease=30&key_file=/k", ("redis", "rediss://:pw@h:6380/0", {"lease": "30", "key_file": "/k"})),
])
def test_store_urls(url: str, expected: tuple[str, str, dict[str, str]]) -> None:
    assert parse_store_url(url) == expected


@pytest.mark.parametrize("url, words", [
    ("", "empty"),
    ("memcached://h", "unknown token store"),
    ("sqlite:", "names no file"),
    ("sqlite:/t.db?lease=0", "lease"),
    ("sqlite:/t.db?lease=abc", "lease"),
    ("sqlite:/t.db?colour=red", "unknown token store option"),
    ("file:/t.json?prefix=x", "Redis only"),
    ("file://otherhost/t.json", "local path"),
    ("sqlite:/t.db?lease=1&lease=2", "twice"),
])
def test_bad_store_urls_are_refused_clearly(url: str, words: str) -> None:
    with pytest.raises(mailoauth.InvalidInputError) as err:
        parse_store_url(url)
    assert words in str(err.value)


def test_an_unknown_scheme_error_does_not_show_a_password() -> None:
    with pytest.raises(mailoauth.InvalidInputError) as err:
        parse_store_url("redis+sentinel://:hunter2@h")
    assert "hunter2" not in str(err.value)
    assert "hunter2" not in repr(RedisStore("redis://:hunter2@127.0.0.1:1/0"))


def test_keys_name_tenant_client_scopes_and_user_but_no_secret() -> None:
    a = cache_key(client_id="ABC", token_url="https://login/t1/token", scopes=["b", "a"], user=None)
    assert a == cache_key(client_id="abc", token_url="https://login/t1/token", scopes=["a", "b", "a"], user="")
    assert a != cache_key(client_id="abc", token_url="https://login/t2/token", scopes=["a", "b"])
    assert a != cache_key(client_id="abc", token_url="https://login/t1/token", scopes=["a"])
    assert a != cache_key(client_id="abc", token_url="https://login/t1/token", scopes=["a", "b"], user="u@x")
    assert backoff_key("ABC", "https://login/t1/token") == backoff_key("abc", "https://login/t1/token")
    h = hashed_key(cache_key(client_id="abc", token_url="t", scopes=["a"], user="person@example.com"))
    assert len(h) == 40 and "person" not in h


def test_open_store_kinds(tmp_path: Path, redis_url: str) -> None:
    assert isinstance(open_store(f"file:{tmp_path / 'a.json'}"), TokenCache)
    assert isinstance(open_store(str(tmp_path / "a.json")), TokenCache)
    assert isinstance(open_store(f"sqlite:{tmp_path / 'a.db'}"), SqliteStore)
    r = open_store(redis_url + "?prefix=acme&lease=7")
    assert isinstance(r, RedisStore) and r.prefix == "acme" and r.lease_seconds == 7.0
    s = SqliteStore(tmp_path / "b.db")
    assert open_store(s) is s


def test_a_file_that_is_not_sqlite_is_refused_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    path.write_bytes(b"not a database, but maybe someone's notes" * 100)
    with pytest.raises(mailoauth.InvalidInputError) as err:
        SqliteStore(path).get("k")
    assert "SQLite" in str(err.value)
    assert path.read_bytes().startswith(b"not a database")


# ------------------------------------------------------------------------------------------------
# Encryption at rest


def _key(byte: int = 7) -> str:
    return base64.b64encode(bytes([byte]) * 32).decode()


TOKENS = {"access_token": "secret-at", "token_type": "Bearer", "expires_at": 4102444800, "refresh_token": "secret-rt"}


@pytest.mark.parametrize("kind", ["file", "sqlite"])
def test_sealed_records_hold_no_token_in_clear_and_open_with_the_key(kind: str, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILOAUTH_STORE_KEY", _key())
    url = f"file:{tmp_path / 't.json'}" if kind == "file" else f"sqlite:{tmp_path / 't.db'}"
    with open_store(url) as store:
        store.put("k", TOKENS, lifetime=3600)
        entry = store.get("k")
        assert entry is not None and entry["tokens"] == TOKENS
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert b"secret-at" not in on_disk and b"secret-rt" not in on_disk and b"mailoauth_sealed" in on_disk


@pytest.mark.parametrize("kind", ["file", "sqlite"])
def test_sealed_records_refuse_a_missing_or_wrong_key_and_are_kept(kind: str, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"file:{tmp_path / 't.json'}" if kind == "file" else f"sqlite:{tmp_path / 't.db'}"
    monkeypatch.setenv("MAILOAUTH_STORE_KEY", _key(1))
    with open_store(url) as store:
        store.put("k", TOKENS, lifetime=3600)
    monkeypatch.delenv("MAILOAUTH_STORE_KEY")
    with open_store(url) as store, pytest.raises(mailoauth.InvalidInputError) as err:
        store.get("k")
    assert "encrypted" in str(err.value) and "MAILOAUTH_STORE_KEY" in str(err.value)
    monkeypatch.setenv("MAILOAUTH_STORE_KEY", _key(2))
    with open_store(url) as store, pytest.raises(mailoauth.InvalidInputError) as err:
        store.get("k")
    assert "sealed with key id" in str(err.value)
    with open_store(url) as store, pytest.raises(mailoauth.InvalidInputError):
        store.delete_if("k", "secret-rt")  # never deleted over a record it cannot read
    monkeypatch.setenv("MAILOAUTH_STORE_KEY", _key(1))
    with open_store(url) as store:
        entry = store.get("k")
        assert entry is not None and entry["tokens"]["refresh_token"] == "secret-rt"


def test_a_tampered_or_moved_record_does_not_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILOAUTH_STORE_KEY", _key())
    path = tmp_path / "t.json"
    store = TokenCache(path)
    store.put("a", TOKENS)
    doc = json.loads(path.read_text())
    sealed = doc["entries"]["a"]["tokens"]
    ct = bytearray(base64.b64decode(sealed["ct"]))
    ct[0] ^= 1
    doc["entries"]["b"] = {**doc["entries"]["a"]}  # moved to another key
    doc["entries"]["a"]["tokens"] = {**sealed, "ct": base64.b64encode(bytes(ct)).decode()}
    path.write_text(json.dumps(doc))
    for key in ("a", "b"):
        with pytest.raises(mailoauth.InvalidInputError) as err:
            store.get(key)
        assert "does not open" in str(err.value)


def test_key_errors_are_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mailoauth.stores.crypto import key_from_env, load_key_file

    monkeypatch.setenv("MAILOAUTH_STORE_KEY", "not base64!")
    with pytest.raises(mailoauth.InvalidInputError, match="not base64"):
        key_from_env()
    monkeypatch.setenv("MAILOAUTH_STORE_KEY", base64.b64encode(b"short").decode())
    with pytest.raises(mailoauth.InvalidInputError, match="5 bytes"):
        key_from_env()
    monkeypatch.delenv("MAILOAUTH_STORE_KEY")
    keyfile = tmp_path / "key"
    keyfile.write_text(_key(9) + "\n")
    monkeypatch.setenv("MAILOAUTH_STORE_KEY_FILE", str(keyfile))
    k = key_from_env()
    assert k is not None and k.kid == load_key_file(str(keyfile)).kid
    assert _key(9) not in repr(k) and "kid=" in repr(k)
    with pytest.raises(mailoauth.InvalidInputError, match="cannot read"):
        load_key_file(str(tmp_path / "missing"))
    assert StoreKey(bytes(32), "x").kid != StoreKey(bytes([1]) * 32, "x").kid


def test_stores_load_their_libraries_only_when_used() -> None:
    code = (
        "import sys, mailoauth, mailoauth.flows, mailoauth.cache\n"
        "mailoauth.cache.TokenCache('/nonexistent/t.json')\n"
        "print(','.join(m for m in ('sqlite3', 'redis', 'cryptography', 'mailoauth.stores.sqlite',\n"
        "                           'mailoauth.stores.redis') if m in sys.modules))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILOAUTH_STORE_KEY")}
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env)
    assert out.stdout.strip() == ""


# ------------------------------------------------------------------------------------------------
# Accounts and the credential helper


@pytest.mark.parametrize("kind", ["redis", "sqlite"])
def test_the_credential_helper_uses_the_account_store_single_flight(kind: str, tmp_path: Path,
                                                                   request: pytest.FixtureRequest) -> None:
    from test_helper import USER, Setup, token_reply

    url = _fresh_url(kind, request, tmp_path)
    with HttpServer({"/token": [token_reply("AT-new", "RT-2", delay=0.5)]}) as srv:
        s = Setup(tmp_path, srv, extra=f'cache = "{url}"\n')
        with s.account.store() as store:
            store.put(s.key, mailoauth.TokenSet("AT-old", expires_at=int(time.time()) - 10, refresh_token="RT-1").to_json(),
                      user=USER, lifetime=3600)
        procs = [subprocess.Popen([sys.executable, "-m", "mailoauth", "token", "--account", "t"], env=s.env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(8)]
        outs = [p.communicate(timeout=120) for p in procs]
        assert [o[0] for o in outs] == ["AT-new\n"] * 8, outs
        assert len(srv.requests) == 1 and srv.requests[0].form["refresh_token"] == "RT-1"
        with s.account.store() as store:
            entry = store.get(s.key)
            assert entry is not None and entry["tokens"]["refresh_token"] == "RT-2"
        assert not s.cache_path.exists()  # nothing went to the default file cache


def test_an_account_with_a_bad_store_url_is_a_configuration_error(tmp_path: Path) -> None:
    config = tmp_path / "accounts.toml"
    config.write_text(f'[accounts.t]\nprovider = "custom"\nclient_id = "{CLIENT}"\ntoken_url = "http://127.0.0.1:9/token"\n'
                      'authorize_url = "http://127.0.0.1:9/a"\nuser = "u@example.com"\nprotocols = ["imap"]\n'
                      'cache = "memcached://127.0.0.1"\n')
    r = subprocess.run([sys.executable, "-m", "mailoauth", "token", "--account", "t", "--config", str(config)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 5 and r.stdout == ""  # EXIT_CONFIG
    assert "configuration error" in r.stderr and "unknown token store 'memcached'" in r.stderr


@pytest.mark.parametrize("kind", ["redis", "sqlite", "file"])
def test_threads_sharing_one_store_object_make_one_request(kind: str, tmp_path: Path,
                                                           request: pytest.FixtureRequest) -> None:
    import threading

    with TokenEndpoint(delay=0.3) as endpoint, open_store(_fresh_url(kind, request, tmp_path)) as store:
        got: list[str] = []

        def work() -> None:
            t = flows.get_token(app_for(endpoint), flow="client_credentials", scopes=SCOPES, cache=store)
            got.append(t.access_token)

        threads = [threading.Thread(target=work) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert got == ["at-1"] * 12 and endpoint.count == 1


def test_the_package_names_the_stores() -> None:
    assert mailoauth.open_store is open_store
    assert mailoauth.TokenStore is TokenStore


@pytest.mark.parametrize("left, served", [(200, True), (30, False)])
def test_while_throttled_a_token_that_still_works_is_served(left: int, served: bool, tmp_path: Path) -> None:
    with TokenEndpoint() as endpoint:
        store = SqliteStore(tmp_path / "t.db")
        key = key_for(endpoint)
        store.put(key, {"access_token": "still-good", "token_type": "Bearer", "expires_at": int(time.time()) + left},
                  lifetime=3600)  # due for its early refresh (less than 5 minutes left), not expired
        store.set_backoff(backoff_key(CLIENT, endpoint.url), time.time() + 300)
        if served:
            t = flows.get_token(app_for(endpoint), flow="client_credentials", scopes=SCOPES, cache=store)
            assert t.access_token == "still-good"
        else:
            with pytest.raises(mailoauth.ServerError, match="back off"):
                flows.get_token(app_for(endpoint), flow="client_credentials", scopes=SCOPES, cache=store)
        with pytest.raises(mailoauth.ServerError):  # force: the caller wants a new one
            flows.get_token(app_for(endpoint), flow="client_credentials", scopes=SCOPES, cache=store, force=True)
        assert endpoint.count == 0


def test_a_store_of_another_schema_is_refused(tmp_path: Path) -> None:
    import sqlite3

    SqliteStore(tmp_path / "t.db").get("k")  # creates it
    with sqlite3.connect(tmp_path / "t.db") as db:
        db.execute("UPDATE settings SET value = 99 WHERE name = 'schema'")
    with pytest.raises(mailoauth.InvalidInputError, match="schema 99"):
        SqliteStore(tmp_path / "t.db").get("k")


def test_the_token_command_takes_a_store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_cli import run_json
    from test_cli_flows import TENANT, token_reply

    monkeypatch.setenv("MAILOAUTH_CLIENT_SECRET", "s3cr3t-value")
    monkeypatch.setenv("MAILOAUTH_CACHE", str(tmp_path / "default.json"))
    url = f"sqlite:{tmp_path / 'cli.db'}"
    with HttpServer({"/token": [token_reply()]}) as srv:
        for _ in range(2):
            code, doc = run_json("token", "--app", CLIENT, "--tenant", TENANT, "--token-url", f"{srv.base}/token",
                                 "--cache", url)
            assert code == 0 and doc["cache"] == str(tmp_path / "cli.db"), doc
    assert len(srv.requests) == 1
    assert not (tmp_path / "default.json").exists()
    code, doc = run_json("token", "--app", CLIENT, "--tenant", TENANT, "--cache", "memcached://x")
    assert code != 0 and "unknown token store" in doc["error"]["message"]


@pytest.mark.parametrize("kind", ["redis", "sqlite"])
def test_the_stored_record_is_byte_for_byte_the_core_token_set_json(kind: str, tmp_path: Path,
                                                                     request: pytest.FixtureRequest) -> None:
    import sqlite3

    import redis

    tokens = mailoauth.TokenSet("at", expires_at=int(time.time()) + 600, refresh_token="rt", scope="a b")
    url = _fresh_url(kind, request, tmp_path)
    with open_store(url) as store:
        store.put("k", tokens.to_json(), lifetime=600)
    if kind == "redis":
        raw = redis.Redis.from_url(url).hget(f"mailoauth:{{{hashed_key('k')}}}:tokens", "tokens").decode()
    else:
        with sqlite3.connect(tmp_path / "tokens.db") as db:
            raw = db.execute("SELECT tokens FROM tokens WHERE key = 'k'").fetchone()[0]
    assert raw == tokens.to_json()


def test_an_account_names_its_cache_file_only_for_a_file_store(tmp_path: Path) -> None:
    from mailoauth.accounts import get_account

    config = tmp_path / "accounts.toml"
    base = (f'provider = "custom"\nclient_id = "{CLIENT}"\ntoken_url = "http://127.0.0.1:9/token"\n'
            'authorize_url = "http://127.0.0.1:9/a"\nuser = "u@example.com"\nprotocols = ["imap"]\n')
    config.write_text(f'[accounts.f]\n{base}cache = "file:{tmp_path}/f.json"\n'
                      f'[accounts.s]\n{base}cache = "sqlite:{tmp_path}/s.db"\n[accounts.d]\n{base}')
    assert get_account("f", config).cache_path() == tmp_path / "f.json"
    assert get_account("s", config).cache_path() is None
    assert isinstance(get_account("s", config).store(), SqliteStore)
    assert get_account("d", config).cache_path() is None
    assert isinstance(get_account("d", config).store(), TokenCache)
