"""A token cache file: JSON, mode 0600, written atomically.

Every write goes to a temporary file in the same directory (created 0600), is flushed and
fsync'ed, then ``os.replace``-d over the cache, and the directory is fsync'ed: a crash leaves the
old file or the new one, never half of one. Writers hold an advisory lock (``fcntl.flock`` on
``<file>.lock``) across read-modify-write, so two processes sharing a cache do not lose each
other's entries; :meth:`TokenCache.lock` holds that lock across a whole refresh (re-read after
taking it), so processes sharing a cache refresh a token once, not once each. A file that is not valid JSON is never overwritten (it may hold the only copy
of a refresh token): loading it raises :class:`mailoauth.InvalidInputError`. A writer killed
between the temporary file and the rename leaves that file behind; the next writer removes it.

Entries are keyed by :func:`cache_key` (client id, token endpoint, scopes, user) and hold the
core's token set as JSON plus a little metadata. :class:`TokenCache` is the file store of
:mod:`mailoauth.stores` (``file:PATH``): with ``$MAILOAUTH_STORE_KEY`` (or a key file) set, the
token sets are sealed with AES-256-GCM (:mod:`mailoauth.stores.crypto`); the shared back-off of a
throttled token endpoint is kept beside the file, in ``<file>.backoff``. The token flows
(:mod:`mailoauth.flows`) save a rotated refresh token as soon as it arrives, and never delete one
over a transient failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence, Union

from mailoauth._native import error_from
from mailoauth.stores.base import Lease, LockTimeout, TokenStore

__all__ = ["TokenCache", "cache_key", "default_cache_path", "LockTimeout", "DEFAULT_LIFETIME", "REFRESH_MARGIN", "effective_expiry", "is_fresh"]

FORMAT_VERSION = 1

#: Seconds an access token is taken to live when the server said nothing (no ``expires_in``):
#: a bounded lifetime, so such a token is refreshed in time instead of being served forever.
DEFAULT_LIFETIME = 3600

#: Refresh (or re-acquire) a cached access token this many seconds before it expires (at most a
#: quarter of its lifetime, so a token that lives a few seconds is still used between refreshes).
REFRESH_MARGIN = 300

#: Seconds :meth:`TokenCache.lock` waits for another process by default.
LOCK_TIMEOUT = 120.0


def effective_expiry(entry: dict[str, Any]) -> Optional[int]:
    """When the access token of a cache entry expires: its ``expires_at``, else (a server that
    sent no ``expires_in``) ``saved_at`` + :data:`DEFAULT_LIFETIME`; ``None`` for a malformed
    entry."""
    tokens = entry.get("tokens")
    if not isinstance(tokens, dict):
        return None
    expires_at = tokens.get("expires_at")
    if isinstance(expires_at, int) and not isinstance(expires_at, bool):
        return expires_at
    saved_at = entry.get("saved_at")
    if isinstance(saved_at, int) and not isinstance(saved_at, bool):
        return saved_at + DEFAULT_LIFETIME
    return None


def is_fresh(entry: Optional[dict[str, Any]], now: int, margin: int = REFRESH_MARGIN) -> bool:
    """Whether a cache entry's access token is good for more than the margin: ``margin``
    seconds, or a quarter of the token's lifetime (the entry's ``lifetime``, recorded by the
    flows when they save a token) when that is less: a server issuing 5-minute tokens does not
    get a refresh on every call."""
    if entry is None:
        return False
    expiry = effective_expiry(entry)
    if expiry is None:
        return False
    lifetime = entry.get("lifetime")
    if isinstance(lifetime, int) and not isinstance(lifetime, bool) and 0 < lifetime < 4 * margin:
        margin = lifetime // 4
    return expiry - margin > now


PathLike = Union[str, "os.PathLike[str]"]


def default_cache_path() -> Path:
    """``$MAILOAUTH_CACHE``, else ``$XDG_CACHE_HOME/mailoauth/tokens.json`` (``~/.cache`` by
    default; ``%LOCALAPPDATA%`` on Windows)."""
    explicit = os.environ.get("MAILOAUTH_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "mailoauth" / "tokens.json"


def cache_key(*, client_id: str, token_url: str, scopes: Sequence[str], user: Optional[str] = None) -> str:
    """The key of one cached token set: who (client, user), where (token endpoint), for what (scopes)."""
    scope_part = " ".join(sorted(set(scopes)))
    return f"{client_id.lower()}|{token_url}|{scope_part}|{(user or '').lower()}"


class TokenCache(TokenStore):
    """A JSON file of token sets (the file store). Thread- and process-safe for read-modify-write
    on POSIX. ``encryption_key`` (a :class:`mailoauth.stores.crypto.StoreKey`) seals the token
    sets; by default it comes from ``$MAILOAUTH_STORE_KEY`` / ``$MAILOAUTH_STORE_KEY_FILE``."""

    def __init__(self, path: Optional[PathLike] = None, *, encryption_key: Any = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_cache_path()
        self.url = f"file:{self.path}"
        self._thread_lock = threading.RLock()
        self._depth = 0
        if encryption_key is None and (os.environ.get("MAILOAUTH_STORE_KEY") or os.environ.get("MAILOAUTH_STORE_KEY_FILE")):
            from mailoauth.stores.crypto import key_from_env

            encryption_key = key_from_env()
        self._key = encryption_key

    @property
    def location(self) -> str:
        return str(self.path)

    def _decode(self, key: str, entry: Any) -> Any:
        """The entry with its token set opened (when sealed)."""
        if not isinstance(entry, dict):
            return entry
        tokens = entry.get("tokens")
        if isinstance(tokens, dict) and "mailoauth_sealed" in tokens:
            from mailoauth.stores.crypto import unseal

            return {**entry, "tokens": unseal(self._key, key, tokens, str(self.path))}
        return entry

    def __repr__(self) -> str:
        return f"TokenCache({str(self.path)!r})"

    # -- reading --------------------------------------------------------------------------------

    def _read(self) -> dict[str, Any]:
        try:
            with open(self.path, "rb") as f:
                st = os.fstat(f.fileno())
                data = f.read()
        except FileNotFoundError:
            return {"version": FORMAT_VERSION, "entries": {}}
        if os.name == "posix" and st.st_mode & 0o077:
            # Someone loosened it: tighten it again (it holds tokens in clear).
            with contextlib.suppress(OSError):
                os.chmod(self.path, 0o600)
        try:
            doc = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise error_from(
                "invalid_input",
                f"the token cache {self.path} is not valid JSON: repair or remove it (it is never overwritten)",
            ) from None
        if not isinstance(doc, dict) or not isinstance(doc.get("entries"), dict):
            raise error_from(
                "invalid_input",
                f"the token cache {self.path} is not a mailoauth cache: repair or remove it",
            )
        return doc

    def entries(self) -> dict[str, dict[str, Any]]:
        """Every entry, by key (each has ``tokens`` and metadata)."""
        entries: dict[str, dict[str, Any]] = self._read()["entries"]
        return {k: self._decode(k, v) for k, v in entries.items()}

    def get(self, key: str) -> Optional[dict[str, Any]]:
        """The entry for ``key`` (``{"tokens": {...}, "saved_at": ..., ...}``), or ``None``."""
        entry = self._read()["entries"].get(key)
        return self._decode(key, entry) if isinstance(entry, dict) else None

    def get_tokens_json(self, key: str) -> Optional[str]:
        """The token set stored under ``key`` as JSON text, or ``None``."""
        entry = self.get(key)
        if entry is None or not isinstance(entry.get("tokens"), dict):
            return None
        return json.dumps(entry["tokens"])

    # -- writing --------------------------------------------------------------------------------

    def lock(self, timeout: Optional[float] = LOCK_TIMEOUT, *, key: Optional[str] = None) -> contextlib.AbstractContextManager[Lease]:
        """Holds the cache's lock (``fcntl.flock`` on ``<file>.lock``; threads of this process
        are serialised too) — the whole file, whatever ``key``. Re-entrant: :meth:`put` and
        :meth:`delete_if` inside it do not lock again. Read the entry again after taking it:
        another process may have refreshed it. The kernel frees the lock of a killed process.

        Raises :class:`LockTimeout` after ``timeout`` seconds (``None``: wait for ever)."""
        return self._flock(timeout, key)

    @contextlib.contextmanager
    def _flock(self, timeout: Optional[float], key: Optional[str]) -> Iterator[Lease]:
        deadline = None if timeout is None else time.monotonic() + timeout
        if not self._thread_lock.acquire(timeout=-1 if timeout is None else max(0.0, timeout)):
            raise LockTimeout(f"the token cache {self.path} stayed locked for {timeout:.0f} s")
        try:
            if self._depth:
                self._depth += 1
                try:
                    yield Lease(key, None, None)
                finally:
                    self._depth -= 1
                return
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            try:
                import fcntl
            except ImportError:  # Windows: no advisory lock
                fcntl = None  # type: ignore[assignment]
            fd = -1
            if fcntl is not None:
                lock_path = self.path.with_name(self.path.name + ".lock")
                fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    while True:
                        try:
                            fcntl.flock(fd, fcntl.LOCK_EX | (fcntl.LOCK_NB if deadline is not None else 0))
                            break
                        except BlockingIOError:
                            if deadline is not None and time.monotonic() >= deadline:
                                raise LockTimeout(
                                    f"the token cache {self.path} stayed locked for {timeout:.0f} s "
                                    "(another mailoauth process is still at work)"
                                ) from None
                            time.sleep(0.02)
                except BaseException:
                    os.close(fd)
                    raise
            self._depth = 1
            try:
                self._remove_stale_temporaries()
                yield Lease(key, None, None)
            finally:
                self._depth = 0
                if fd >= 0:
                    with contextlib.suppress(OSError):
                        fcntl.flock(fd, fcntl.LOCK_UN)  # type: ignore[union-attr]
                    os.close(fd)
        finally:
            self._thread_lock.release()

    def _locked(self) -> Any:
        return self.lock(timeout=None)

    def _remove_stale_temporaries(self) -> None:
        """Removes the temporary files of writers that died before ``os.replace`` (``kill -9``).

        Called with the lock held: every writer holds it from ``mkstemp`` to ``os.replace``, so a
        temporary file seen now belongs to no live writer. They hold tokens; they must not pile up.
        """
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()

    def _write(self, doc: dict[str, Any], target: Optional[Path] = None) -> None:
        import tempfile

        target = target if target is not None else self.path
        directory = target.parent
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        try:
            if os.name == "posix":
                os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(doc, f, indent=2, sort_keys=True)
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        if os.name == "posix":
            with contextlib.suppress(OSError):
                dfd = os.open(directory, os.O_RDONLY)
                try:
                    os.fsync(dfd)
                finally:
                    os.close(dfd)

    def put(self, key: str, tokens: Union[str, dict[str, Any]], *, lease: Optional[Lease] = None, **metadata: Any) -> bool:
        """Stores a token set (JSON text or a dict) under ``key``, replacing the entry (sealed
        when the cache has a key). Always ``True``: a file lock is never lost while held."""
        tokens_obj = json.loads(tokens) if isinstance(tokens, str) else dict(tokens)
        if self._key is not None:
            from mailoauth.stores.crypto import seal

            tokens_obj = seal(self._key, key, json.dumps(tokens_obj, sort_keys=True, separators=(",", ":")))
        with self._locked():
            doc = self._read()
            entry = {k: v for k, v in metadata.items() if v is not None}
            entry["tokens"] = tokens_obj
            entry["saved_at"] = int(time.time())
            doc["entries"][key] = entry
            doc["version"] = FORMAT_VERSION
            self._write(doc)
        return True

    def delete(self, key: str) -> bool:
        """Removes an entry; ``True`` when there was one. Call it only when the core says the
        grant is dead (``requires_new_sign_in``), never over a transient failure."""
        with self._locked():
            doc = self._read()
            if key not in doc["entries"]:
                return False
            del doc["entries"][key]
            self._write(doc)
            return True

    def delete_if(self, key: str, refresh_token: Optional[str]) -> bool:
        """Removes an entry only if it still holds ``refresh_token`` (the one the server just
        refused): a refresh token another process saved meanwhile is never deleted. ``True``
        when the entry was removed."""
        with self._locked():
            doc = self._read()
            entry = self._decode(key, doc["entries"].get(key))
            if not isinstance(entry, dict):
                return False
            tokens = entry.get("tokens")
            stored = tokens.get("refresh_token") if isinstance(tokens, dict) else None
            if stored != refresh_token:
                return False
            del doc["entries"][key]
            self._write(doc)
            return True

    # -- shared back-off ------------------------------------------------------------------------
    # Kept beside the cache in <file>.backoff, so a throttled request never rewrites the tokens.

    def _backoff_path(self) -> Path:
        return self.path.with_name(self.path.name + ".backoff")

    def _read_backoff(self) -> dict[str, float]:
        try:
            with open(self._backoff_path(), "rb") as f:
                stored = json.loads(f.read().decode("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            return {}  # missing or damaged: no back-off (it holds no tokens)
        now = time.time()
        if not isinstance(stored, dict):
            return {}
        return {k: float(v) for k, v in stored.items()
                if isinstance(v, (int, float)) and not isinstance(v, bool) and v > now}

    def get_backoff(self, scope: str) -> Optional[float]:
        """Until when the token endpoint of ``scope`` is not to be asked (``<file>.backoff``)."""
        return self._read_backoff().get(scope)

    def set_backoff(self, scope: str, until: float) -> None:
        """Records a back-off for the token endpoint of ``scope`` (the later one wins)."""
        with self._locked():
            backoff = self._read_backoff()
            backoff[scope] = max(backoff.get(scope, 0.0), until)
            self._write(backoff, self._backoff_path())
