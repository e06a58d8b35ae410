"""What every token store does: the :class:`TokenStore` interface, leases, keys and back-off.

A store keeps *entries*: the core's :class:`~mailoauth.TokenSet` as JSON (``TokenSet.to_json``,
the same record the Kotlin/Swift and web bindings read and write) plus a little metadata
(``saved_at``, ``lifetime``, who and what it is for). Entries are addressed by
:func:`mailoauth.cache.cache_key` (client id, token endpoint — which names the tenant —, scopes,
user; empty user = app-only): no secret is ever part of a key.

Single flight: :meth:`TokenStore.lock` takes a *lease* on one key (Redis: ``SET NX PX`` with a
fencing value; SQLite: a lock row under ``BEGIN IMMEDIATE``; file: ``flock``). The holder reads
the entry again, refreshes, and writes with :meth:`TokenStore.put` ``(lease=...)``, which is
refused (returns ``False``) when the lease was lost meanwhile; the others wait for the lease
(bounded by ``timeout``) and then read the holder's result. A holder killed with ``kill -9``
blocks nobody past its lease. :func:`mailoauth.flows.get_token` runs this protocol
(:meth:`TokenStore.get_or_refresh`).

Back-off: a token endpoint that answers 429 or 503 gets a shared *back-off* record
(:meth:`TokenStore.set_backoff`, keyed by client id and token endpoint, lasting its
``Retry-After``) that every worker using the store honours before asking again: it waits when the
rest is short (:data:`MAX_BACKOFF_WAIT`), else raises :func:`backoff_error` (a
:class:`mailoauth.ServerError`, code ``temporarily_unavailable``, ``transient``, with
``retry_after``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from typing import Any, Callable, Optional, TypeVar, Union

from mailoauth._native import Error, error_from

__all__ = [
    "TokenStore",
    "Lease",
    "LockTimeout",
    "backoff_key",
    "backoff_error",
    "hashed_key",
    "purge_at",
    "LOCK_TIMEOUT",
    "LEASE_SECONDS",
    "MAX_BACKOFF_WAIT",
    "REFRESH_TOKEN_RETENTION",
]

#: Seconds a worker waits by default for another worker's lease (then :class:`LockTimeout`).
LOCK_TIMEOUT = 120.0

#: Seconds a lease lasts by default (Redis and SQLite): a holder killed mid-refresh blocks the
#: key this long at most. The holder extends it while it waits out a ``Retry-After``.
LEASE_SECONDS = 60.0

#: A shared back-off shorter than this (seconds) is waited out; a longer one raises
#: :func:`backoff_error` at once (the caller decides whether to wait that long).
MAX_BACKOFF_WAIT = 60.0

#: Seconds an entry holding a refresh token is kept after its access token expired (Entra's
#: refresh tokens live 90 days unless used); an entry without one goes when its token expires.
REFRESH_TOKEN_RETENTION = 90 * 24 * 3600


class LockTimeout(TimeoutError):
    """Another process held the lock (or lease) for longer than the timeout."""


class Lease:
    """A held lock on one key: ``fence`` is the value a fenced write is checked against
    (``None`` for the file store, whose ``flock`` cannot be lost while its holder lives)."""

    def __init__(self, key: Optional[str], fence: Optional[str], expires: Optional[float],
                 extend: Optional[Callable[[float], bool]] = None, seconds: float = LEASE_SECONDS) -> None:
        self.key = key
        #: The store's lease length (seconds).
        self.seconds = seconds
        self.fence = fence
        #: Wall-clock time (``time.time()``) the lease ends, ``None`` for no end.
        self.expires = expires
        self._extend = extend

    def extend(self, seconds: float) -> bool:
        """Makes the lease last ``seconds`` from now; ``False`` when it was already lost."""
        if self._extend is None:
            return True
        ok = self._extend(seconds)
        if ok:
            self.expires = time.time() + seconds
        return ok

    def __repr__(self) -> str:
        return f"Lease(key={self.key!r}, fence={self.fence!r})"


def hashed_key(key: str) -> str:
    """A fixed-length name for ``key`` (SHA-256, hex): what Redis key names are made of, so a
    user's address does not appear in the key space."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]


def backoff_key(client_id: str, token_url: str) -> str:
    """The back-off scope: Entra throttles an app per tenant, whatever the scopes or user."""
    return f"{client_id.lower()}|{token_url}"


def purge_at(tokens: dict[str, Any], saved_at: int, lifetime: int) -> int:
    """When an entry may be dropped (epoch seconds): when its access token expires if it holds no
    refresh token (app-only), else :data:`REFRESH_TOKEN_RETENTION` later."""
    expires_at = tokens.get("expires_at")
    expiry = expires_at if isinstance(expires_at, int) and not isinstance(expires_at, bool) else saved_at + lifetime
    if tokens.get("refresh_token"):
        return expiry + REFRESH_TOKEN_RETENTION
    return expiry


def backoff_error(remaining: float, location: str) -> Error:
    """The error a worker gets while a shared back-off lasts longer than it may wait."""
    seconds = max(1, int(remaining + 0.999))
    return error_from(
        "temporarily_unavailable",
        f"the token endpoint asked every worker to back off (429/503 with Retry-After, recorded in {location}): "
        f"try again in {seconds} s",
        transient=True,
        retry_after=seconds,
    )


Entry = dict[str, Any]
T = TypeVar("T")


class TokenStore:
    """The interface of every token store (file, SQLite, Redis): see the module documentation.

    Subclasses implement :meth:`get`, :meth:`put`, :meth:`delete`, :meth:`delete_if`,
    :meth:`entries`, :meth:`lock`, :meth:`get_backoff` and :meth:`set_backoff`; the single-flight
    protocol (:meth:`get_or_refresh`, :meth:`honour_backoff`) is written once, here.
    """

    #: The store's URL (``file:…``, ``sqlite:…``, ``redis://…`` without a password).
    url: str = ""

    @property
    def location(self) -> str:
        """Where the tokens are, for messages (a path, or a URL without password)."""
        return self.url

    # -- the interface ----------------------------------------------------------------------------

    def get(self, key: str) -> Optional[Entry]:
        """The entry for ``key`` (``{"tokens": {...}, "saved_at": ..., ...}``), or ``None``."""
        raise NotImplementedError

    def put(self, key: str, tokens: Union[str, dict[str, Any]], *, lease: Optional[Lease] = None, **metadata: Any) -> bool:
        """Stores a token set (``TokenSet.to_json`` text or its dict) under ``key``, replacing the
        entry. With ``lease``, only while that lease is still held: ``False`` when it was lost
        (another worker took the key over and its result stands)."""
        raise NotImplementedError

    def delete(self, key: str) -> bool:
        """Removes an entry; ``True`` when there was one."""
        raise NotImplementedError

    def delete_if(self, key: str, refresh_token: Optional[str]) -> bool:
        """Removes an entry only if it still holds ``refresh_token`` (the one the server just
        refused): a refresh token another worker saved meanwhile is never deleted."""
        raise NotImplementedError

    def entries(self) -> dict[str, Entry]:
        """Every entry, by key."""
        raise NotImplementedError

    def lock(self, timeout: Optional[float] = LOCK_TIMEOUT, *, key: Optional[str] = None) -> contextlib.AbstractContextManager[Lease]:
        """Holds the lease on ``key`` (the whole store for the file store) for the ``with`` block;
        raises :class:`LockTimeout` after ``timeout`` seconds (``None``: wait for ever)."""
        raise NotImplementedError

    def get_backoff(self, scope: str) -> Optional[float]:
        """Until when (epoch seconds) workers must not ask the token endpoint of ``scope``
        (:func:`backoff_key`), or ``None``."""
        raise NotImplementedError

    def set_backoff(self, scope: str, until: float) -> None:
        """Records that nobody asks the token endpoint of ``scope`` before ``until``."""
        raise NotImplementedError

    def close(self) -> None:
        """Releases connections (a no-op for the file store)."""

    def __enter__(self) -> "TokenStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the protocol, once -----------------------------------------------------------------------

    def honour_backoff(self, scope: Optional[str], max_wait: float = MAX_BACKOFF_WAIT,
                       sleep: Callable[[float], None] = time.sleep) -> None:
        """Waits out a shared back-off of at most ``max_wait`` seconds; raises
        :func:`backoff_error` for a longer one."""
        if scope is None:
            return
        until = self.get_backoff(scope)
        if until is None:
            return
        remaining = until - time.time()
        if remaining <= 0:
            return
        if remaining > max_wait:
            raise backoff_error(remaining, self.location)
        sleep(remaining)

    def get_or_refresh(
        self,
        key: str,
        refresh: Callable[[Optional[Entry], Lease], Optional[T]],
        *,
        usable: Callable[[Optional[Entry], Optional[Entry]], bool],
        backoff_scope: Optional[str] = None,
        timeout: Optional[float] = LOCK_TIMEOUT,
        max_backoff_wait: float = MAX_BACKOFF_WAIT,
    ) -> Union[Entry, T, None]:
        """Single flight: the entry of ``key`` when ``usable(first_read, entry)`` says so, else
        ``refresh(entry, lease)``'s result, run by exactly one worker at a time per key.

        Reads the entry; if unusable, honours the shared back-off, takes the lease, reads again
        (another worker may have refreshed meanwhile: then its result is returned), honours the
        back-off again and calls ``refresh``, which writes its result with ``put(...,
        lease=lease)`` and returns it (``None``: nothing to refresh with). The result is the usable
        entry or what ``refresh`` returned."""
        first = self.get(key)
        if usable(None, first):
            return first
        self.honour_backoff(backoff_scope, max_backoff_wait)
        with self.lock(timeout, key=key) as lease:
            again = self.get(key)
            if usable(first, again):
                return again
            self.honour_backoff(backoff_scope, max_backoff_wait)
            return refresh(again, lease)


def dumps_meta(metadata: dict[str, Any]) -> str:
    """The metadata of an entry as compact JSON (``None`` values left out)."""
    return json.dumps({k: v for k, v in metadata.items() if v is not None and k != "tokens"}, sort_keys=True,
                      separators=(",", ":"))
