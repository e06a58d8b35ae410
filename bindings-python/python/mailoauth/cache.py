"""A token cache file: JSON, mode 0600, written atomically.

Every write goes to a temporary file in the same directory (created 0600), is flushed and
fsync'ed, then ``os.replace``-d over the cache, and the directory is fsync'ed: a crash leaves the
old file or the new one, never half of one. Writers hold an advisory lock (``fcntl.flock`` on
``<file>.lock``) across read-modify-write, so two processes sharing a cache do not lose each
other's entries. A file that is not valid JSON is never overwritten (it may hold the only copy
of a refresh token): loading it raises :class:`mailoauth.InvalidInputError`. A writer killed
between the temporary file and the rename leaves that file behind; the next writer removes it.

Entries are keyed by :func:`cache_key` (client id, token endpoint, scopes, user) and hold the
core's token set as JSON plus a little metadata. The token flows (:mod:`mailoauth.flows`) save a
rotated refresh token as soon as it arrives, and never delete one over a transient failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence, Union

from mailoauth._native import error_from

__all__ = ["TokenCache", "cache_key", "default_cache_path"]

FORMAT_VERSION = 1

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


class TokenCache:
    """A JSON file of token sets. Thread- and process-safe for read-modify-write on POSIX."""

    def __init__(self, path: Optional[PathLike] = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_cache_path()

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
        return entries

    def get(self, key: str) -> Optional[dict[str, Any]]:
        """The entry for ``key`` (``{"tokens": {...}, "saved_at": ..., ...}``), or ``None``."""
        entry = self.entries().get(key)
        return entry if isinstance(entry, dict) else None

    def get_tokens_json(self, key: str) -> Optional[str]:
        """The token set stored under ``key`` as JSON text, or ``None``."""
        entry = self.get(key)
        if entry is None or not isinstance(entry.get("tokens"), dict):
            return None
        return json.dumps(entry["tokens"])

    # -- writing --------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # Windows: no advisory lock
            yield
            return
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._remove_stale_temporaries()
            yield
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _remove_stale_temporaries(self) -> None:
        """Removes the temporary files of writers that died before ``os.replace`` (``kill -9``).

        Called with the lock held: every writer holds it from ``mkstemp`` to ``os.replace``, so a
        temporary file seen now belongs to no live writer. They hold tokens; they must not pile up.
        """
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()

    def _write(self, doc: dict[str, Any]) -> None:
        directory = self.path.parent
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        try:
            if os.name == "posix":
                os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(doc, f, indent=2, sort_keys=True)
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
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

    def put(self, key: str, tokens: Union[str, dict[str, Any]], **metadata: Any) -> None:
        """Stores a token set (JSON text or a dict) under ``key``, replacing the entry."""
        tokens_obj = json.loads(tokens) if isinstance(tokens, str) else dict(tokens)
        with self._locked():
            doc = self._read()
            entry = {k: v for k, v in metadata.items() if v is not None}
            entry["tokens"] = tokens_obj
            entry["saved_at"] = int(time.time())
            doc["entries"][key] = entry
            doc["version"] = FORMAT_VERSION
            self._write(doc)

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
