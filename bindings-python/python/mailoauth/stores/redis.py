"""The Redis token store (``redis://…``, ``rediss://…``): one store for a fleet of machines.

Needs redis-py: ``pip install 'mailoauth[redis]'``. Keys (``prefix`` defaults to ``mailoauth``;
``H`` is :func:`mailoauth.stores.base.hashed_key` of the entry key, so addresses stay out of the
key space; the braces keep an entry and its lock in one Redis Cluster slot):

- ``<prefix>:{H}:tokens`` — a hash: ``tokens`` = ``TokenSet.to_json`` text (or its sealed
  envelope), ``meta`` = the entry's metadata and original key as JSON, ``saved_at``. It expires
  with the token (``PEXPIREAT``), or :data:`~mailoauth.stores.base.REFRESH_TOKEN_RETENTION` later
  when it holds a refresh token;
- ``<prefix>:{H}:lock`` — the lease: ``SET NX PX`` with a fencing value (``INCR`` of
  ``<prefix>:fence`` plus random bytes); a fenced write and the release compare it in a Lua script,
  so a holder whose lease ran out can neither overwrite the next holder's result nor free its lock;
- ``<prefix>:backoff:<hash of client id and token endpoint>`` — the shared back-off, expiring
  when it ends.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
import urllib.parse
from typing import Any, Iterator, Optional, Union

from mailoauth._native import error_from
from mailoauth.stores.base import (
    LEASE_SECONDS,
    LOCK_TIMEOUT,
    Entry,
    Lease,
    LockTimeout,
    TokenStore,
    dumps_meta,
    hashed_key,
    purge_at,
)
from mailoauth.stores.crypto import Codec, StoreKey

__all__ = ["RedisStore"]

#: Seconds between two tries for a lease held by another worker.
POLL = 0.02

# KEYS[1] tokens hash, KEYS[2] lock; ARGV: fence ('' = unfenced), tokens, meta, saved_at, expire-at ms.
_PUT = """
if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'tokens', ARGV[2], 'meta', ARGV[3], 'saved_at', ARGV[4])
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
return 1
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

# KEYS[1] tokens hash; ARGV[1] the refresh token to match: deletes only if it is still stored.
_DELETE_IF = """
local stored = redis.call('HGET', KEYS[1], 'tokens')
if not stored then return 0 end
local ok, doc = pcall(cjson.decode, stored)
if not ok or type(doc) ~= 'table' or doc['mailoauth_sealed'] then return -1 end
if doc['refresh_token'] ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
"""

# KEYS[1] back-off key; ARGV[1] until (ms since the epoch): keeps the later of two back-offs.
_BACKOFF = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[1])
return 1
"""


def _redacted(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class RedisStore(TokenStore):
    """Token sets in Redis, shared by every worker on every machine (see the module
    documentation). ``url`` is a redis-py URL (``redis://[[user]:password@]host:port/db``,
    ``rediss://`` for TLS, ``unix://``); ``lease`` the lease length in seconds; ``encryption_key`` seals the
    token sets (:mod:`mailoauth.stores.crypto`)."""

    def __init__(self, url: str, *, prefix: str = "mailoauth", lease: float = LEASE_SECONDS,
                 encryption_key: Optional[StoreKey] = None, client: Any = None) -> None:
        self.url = _redacted(url)
        self.prefix = prefix
        self.lease_seconds = lease
        self._codec = Codec(encryption_key, self.url)
        if client is None:
            try:
                import redis
            except ImportError:
                raise error_from("invalid_input", "the Redis token store needs redis-py: pip install 'mailoauth[redis]'") from None
            client = redis.Redis.from_url(url, socket_timeout=10.0, socket_connect_timeout=10.0)
        self._r = client
        self._put = client.register_script(_PUT)
        self._release = client.register_script(_RELEASE)
        self._extend = client.register_script(_EXTEND)
        self._delete_if = client.register_script(_DELETE_IF)
        self._backoff = client.register_script(_BACKOFF)

    def __repr__(self) -> str:
        return f"RedisStore({self.url!r}, prefix={self.prefix!r})"

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._r.close()

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Runs one Redis command; a connection failure becomes a transient NetworkError."""
        import redis

        try:
            return fn(*args, **kwargs)
        except redis.exceptions.ConnectionError as e:
            raise error_from("network_error", f"cannot reach the Redis token store {self.url} ({what}): {e}",
                             transient=True) from None
        except redis.exceptions.RedisError as e:
            raise error_from("invalid_input", f"the Redis token store {self.url} refused {what}: {e}") from None

    def _keys(self, key: str) -> tuple[str, str]:
        h = hashed_key(key)
        return f"{self.prefix}:{{{h}}}:tokens", f"{self.prefix}:{{{h}}}:lock"

    # -- entries ----------------------------------------------------------------------------------

    def _entry(self, key: Optional[str], fields: dict[bytes, bytes]) -> Optional[Entry]:
        if not fields or b"tokens" not in fields:
            return None
        try:
            tokens = json.loads(fields[b"tokens"])
            meta = json.loads(fields.get(b"meta", b"{}"))
            saved_at = int(fields.get(b"saved_at", b"0"))
        except ValueError:
            raise error_from("invalid_input", f"a token entry in {self.url} is not valid JSON: repair or delete it") from None
        entry: Entry = dict(meta) if isinstance(meta, dict) else {}
        name = key if key is not None else entry.get("key")
        entry.pop("key", None)
        entry["tokens"] = self._codec.decode(str(name), tokens)
        entry["saved_at"] = saved_at
        return entry

    def get(self, key: str) -> Optional[Entry]:
        tokens_key, _ = self._keys(key)
        return self._entry(key, self._call("HGETALL", self._r.hgetall, tokens_key))

    def entries(self) -> dict[str, Entry]:
        out: dict[str, Entry] = {}
        for name in self._call("SCAN", lambda: list(self._r.scan_iter(match=f"{self.prefix}:{{*}}:tokens", count=500))):
            fields = self._call("HGETALL", self._r.hgetall, name)
            try:
                key = json.loads(fields.get(b"meta", b"{}")).get("key")
            except (ValueError, AttributeError):
                key = None
            entry = self._entry(key, fields) if isinstance(key, str) else None
            if entry is not None and isinstance(key, str):
                out[key] = entry
        return out

    def put(self, key: str, tokens: Union[str, dict[str, Any]], *, lease: Optional[Lease] = None, **metadata: Any) -> bool:
        tokens_obj = json.loads(tokens) if isinstance(tokens, str) else dict(tokens)
        stored = self._codec.encode(key, tokens_obj)
        tokens_text = tokens if isinstance(tokens, str) and stored is tokens_obj else json.dumps(stored)
        now = int(time.time())
        lifetime = metadata.get("lifetime")
        until = purge_at(tokens_obj, now, lifetime if isinstance(lifetime, int) and lifetime > 0 else 3600)
        tokens_key, lock_key = self._keys(key)
        fence = lease.fence if lease is not None and lease.fence is not None else ""
        done = self._call("a write", self._put, keys=[tokens_key, lock_key],
                          args=[fence, tokens_text, dumps_meta({**metadata, "key": key}), now, until * 1000])
        return bool(done)

    def delete(self, key: str) -> bool:
        tokens_key, _ = self._keys(key)
        return bool(self._call("DEL", self._r.delete, tokens_key))

    def delete_if(self, key: str, refresh_token: Optional[str]) -> bool:
        tokens_key, _ = self._keys(key)
        done = self._call("a conditional delete", self._delete_if, keys=[tokens_key], args=[refresh_token or ""])
        if done == -1:  # sealed: compare here, then delete only if unchanged (WATCH)
            return self._delete_sealed_if(key, refresh_token)
        return bool(done)

    def _delete_sealed_if(self, key: str, refresh_token: Optional[str]) -> bool:
        import redis

        tokens_key, _ = self._keys(key)
        with self._r.pipeline() as pipe:
            try:
                pipe.watch(tokens_key)
                entry = self._entry(key, pipe.hgetall(tokens_key))
                if entry is None or entry["tokens"].get("refresh_token") != refresh_token:
                    return False
                pipe.multi()
                pipe.delete(tokens_key)
                pipe.execute()
                return True
            except redis.exceptions.WatchError:
                return False  # changed meanwhile: someone saved another refresh token

    # -- leases -----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _lease(self, key: str, timeout: Optional[float]) -> Iterator[Lease]:
        _, lock_key = self._keys(key)
        fence = f"{self._call('INCR', self._r.incr, f'{self.prefix}:fence')}:{secrets.token_hex(8)}"
        ms = max(1, int(self.lease_seconds * 1000))
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._call("SET NX", self._r.set, lock_key, fence, nx=True, px=ms):
            if deadline is not None and time.monotonic() >= deadline:
                raise LockTimeout(f"the Redis token store {self.url} kept an entry locked for {timeout:.0f} s "
                                  "(another worker is refreshing it)")
            time.sleep(POLL)

        def extend(seconds: float) -> bool:
            return bool(self._call("PEXPIRE", self._extend, keys=[lock_key], args=[fence, max(1, int(seconds * 1000))]))

        try:
            yield Lease(key, fence, time.time() + self.lease_seconds, extend, self.lease_seconds)
        finally:
            with contextlib.suppress(Exception):  # an unreachable Redis frees the lease by expiry
                self._release(keys=[lock_key], args=[fence])

    def lock(self, timeout: Optional[float] = LOCK_TIMEOUT, *, key: Optional[str] = None) -> contextlib.AbstractContextManager[Lease]:
        return self._lease(key if key is not None else "", timeout)

    # -- back-off ---------------------------------------------------------------------------------

    def _backoff_key(self, scope: str) -> str:
        return f"{self.prefix}:backoff:{hashed_key(scope)}"

    def get_backoff(self, scope: str) -> Optional[float]:
        raw = self._call("GET", self._r.get, self._backoff_key(scope))
        if raw is None:
            return None
        try:
            until = int(raw) / 1000.0
        except ValueError:
            return None
        return until if until > time.time() else None

    def set_backoff(self, scope: str, until: float) -> None:
        self._call("a back-off", self._backoff, keys=[self._backoff_key(scope)], args=[int(until * 1000)])
