"""The SQLite token store (``sqlite:PATH``): embedded, for many processes on one host.

The database runs in WAL mode (readers never wait for the writer) with ``synchronous=FULL``;
every change is one ``BEGIN IMMEDIATE`` transaction, so writers queue instead of failing. Tables:

- ``tokens(key, tokens, meta, saved_at, purge_at)``: ``tokens`` is ``TokenSet.to_json`` text
  (or its sealed envelope, :mod:`mailoauth.stores.crypto`), ``meta`` the entry's metadata as JSON;
- ``locks(key, owner, fence, expires_at)``: one row per held lease; a row past ``expires_at`` is
  taken over (a holder killed with ``kill -9`` blocks nobody longer than its lease), ``fence``
  increases with every take-over and a fenced write checks ``owner``;
- ``backoff(scope, until)``: the shared back-off of a token endpoint.

Entries past ``purge_at`` (:func:`mailoauth.stores.base.purge_at`) are removed on writes and not
returned by reads. The file is created 0600 in a 0700 directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sqlite3
import threading
import time
from pathlib import Path
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
    purge_at,
)
from mailoauth.stores.crypto import Codec, StoreKey

__all__ = ["SqliteStore"]

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (key TEXT PRIMARY KEY, tokens TEXT NOT NULL, meta TEXT NOT NULL,
                                   saved_at INTEGER NOT NULL, purge_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS locks (key TEXT PRIMARY KEY, owner TEXT NOT NULL, fence INTEGER NOT NULL,
                                  expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS backoff (scope TEXT PRIMARY KEY, until REAL NOT NULL);
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""

#: Seconds between two tries for a lease held by another process.
POLL = 0.02

#: Seconds a new connection keeps trying to prepare a database another process holds.
PREPARE_TIMEOUT = 30.0


class SqliteStore(TokenStore):
    """Token sets in a SQLite database, shared by the processes of one host (see the module
    documentation). ``lease`` is the lease length in seconds; ``encryption_key`` seals token sets
    (:mod:`mailoauth.stores.crypto`)."""

    def __init__(self, path: Union[str, "os.PathLike[str]"], *, lease: float = LEASE_SECONDS,
                 encryption_key: Optional[StoreKey] = None) -> None:
        self.path = Path(path).expanduser()
        self.url = f"sqlite:{self.path}"
        self.lease_seconds = lease
        self._codec = Codec(encryption_key, str(self.path))
        self._conn: Optional[sqlite3.Connection] = None
        # One connection per store object, shared by its threads one statement or transaction at a time.
        self._mutex = threading.RLock()

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"

    @property
    def location(self) -> str:
        return str(self.path)

    # -- connection -------------------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not self.path.exists() and os.name == "posix":
            with contextlib.suppress(FileExistsError):
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        try:
            conn = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as e:
            raise error_from("invalid_input", f"cannot open the token store {self.path}: {e}") from None
        try:
            self._prepare_retrying(conn)
        except sqlite3.DatabaseError as e:
            conn.close()
            raise error_from("invalid_input", f"the token store {self.path} cannot be used as a SQLite database: {e}") from None
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return conn

    def _prepare_retrying(self, conn: sqlite3.Connection) -> None:
        """:meth:`_prepare`, tried again while another process holds the database: switching a
        new database to WAL takes an exclusive lock without waiting on ``busy_timeout``, so the
        workers of a fleet that create the store at once meet "database is locked" there."""
        deadline = time.monotonic() + PREPARE_TIMEOUT
        while True:
            try:
                self._prepare(conn)
                return
            except sqlite3.OperationalError as e:
                text = str(e).lower()
                if ("locked" not in text and "busy" not in text) or time.monotonic() >= deadline:
                    raise
                time.sleep(POLL * (1 + secrets.randbelow(4)))

    def _prepare(self, conn: sqlite3.Connection) -> None:
        """WAL mode and the schema; each only written when missing (a fleet's workers open the
        store at once: reads do not queue, writes do)."""
        conn.execute("PRAGMA busy_timeout = 30000")
        mode = conn.execute("PRAGMA journal_mode").fetchone()
        if mode is None or str(mode[0]).lower() != "wal":
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
            if mode is None or str(mode[0]).lower() != "wal":
                raise error_from("invalid_input", f"the token store {self.path} cannot use WAL mode (a network file system?)")
        conn.execute("PRAGMA synchronous = FULL")
        version = self._schema_version(conn)
        if version is None:
            with self._write(conn):
                for statement in _SCHEMA.strip().split(";"):
                    if statement.strip():
                        conn.execute(statement)
                if conn.execute("SELECT value FROM settings WHERE name = 'schema'").fetchone() is None:
                    conn.execute("INSERT INTO settings VALUES ('schema', ?), ('fence', 0)", (SCHEMA_VERSION,))
            version = self._schema_version(conn)
        if version != SCHEMA_VERSION:
            raise error_from("invalid_input", f"the token store {self.path} has schema {version}, this mailoauth "
                                              f"knows {SCHEMA_VERSION}: use a matching mailoauth")

    @staticmethod
    def _schema_version(conn: sqlite3.Connection) -> Optional[int]:
        try:
            row = conn.execute("SELECT value FROM settings WHERE name = 'schema'").fetchone()
        except sqlite3.OperationalError:  # no such table: a new database
            return None
        return None if row is None else int(row[0])

    @contextlib.contextmanager
    def _write(self, conn: Optional[sqlite3.Connection] = None) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction (committed, or rolled back on an exception)."""
        with self._mutex:
            db = conn if conn is not None else self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _query(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        """The rows of one read (WAL: it never waits for a writer)."""
        with self._mutex:
            return self._db().execute(sql, args).fetchall()

    def close(self) -> None:
        with self._mutex:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- entries ----------------------------------------------------------------------------------

    def _entry(self, key: str, tokens_text: str, meta_text: str, saved_at: int) -> Entry:
        try:
            tokens = json.loads(tokens_text)
            meta = json.loads(meta_text)
        except ValueError:
            raise error_from("invalid_input", f"the token entry in {self.path} is not valid JSON: repair or delete it "
                                              "(it is never overwritten by a read)") from None
        entry: Entry = dict(meta) if isinstance(meta, dict) else {}
        entry["tokens"] = self._codec.decode(key, tokens)
        entry["saved_at"] = saved_at
        return entry

    def get(self, key: str) -> Optional[Entry]:
        rows = self._query("SELECT tokens, meta, saved_at FROM tokens WHERE key = ? AND purge_at > ?", (key, int(time.time())))
        return self._entry(key, rows[0][0], rows[0][1], rows[0][2]) if rows else None

    def entries(self) -> dict[str, Entry]:
        rows = self._query("SELECT key, tokens, meta, saved_at FROM tokens WHERE purge_at > ?", (int(time.time()),))
        return {r[0]: self._entry(r[0], r[1], r[2], r[3]) for r in rows}

    def put(self, key: str, tokens: Union[str, dict[str, Any]], *, lease: Optional[Lease] = None, **metadata: Any) -> bool:
        tokens_obj = json.loads(tokens) if isinstance(tokens, str) else dict(tokens)
        stored = self._codec.encode(key, tokens_obj)
        tokens_text = tokens if isinstance(tokens, str) and stored is tokens_obj else json.dumps(stored)
        now = int(time.time())
        lifetime = metadata.get("lifetime")
        until = purge_at(tokens_obj, now, lifetime if isinstance(lifetime, int) and lifetime > 0 else 3600)
        with self._write() as db:
            if lease is not None and lease.fence is not None:
                row = db.execute("SELECT owner FROM locks WHERE key = ?", (key,)).fetchone()
                if row is None or row[0] != lease.fence:
                    return False
            db.execute("DELETE FROM tokens WHERE purge_at <= ?", (now,))
            db.execute("INSERT OR REPLACE INTO tokens VALUES (?, ?, ?, ?, ?)",
                       (key, tokens_text, dumps_meta(metadata), now, until))
        return True

    def delete(self, key: str) -> bool:
        with self._write() as db:
            return db.execute("DELETE FROM tokens WHERE key = ?", (key,)).rowcount > 0

    def delete_if(self, key: str, refresh_token: Optional[str]) -> bool:
        with self._write() as db:
            row = db.execute("SELECT tokens, meta, saved_at FROM tokens WHERE key = ?", (key,)).fetchone()
            if row is None:
                return False
            stored = self._entry(key, row[0], row[1], row[2])["tokens"]
            if not isinstance(stored, dict) or stored.get("refresh_token") != refresh_token:
                return False
            db.execute("DELETE FROM tokens WHERE key = ?", (key,))
            return True

    # -- leases -----------------------------------------------------------------------------------

    def _try_acquire(self, key: str) -> Optional[Lease]:
        """The lease on ``key`` if it is free or its holder's lease ran out, else ``None``. The
        fencing value is the store-wide take-over counter plus a random part."""
        now = time.time()
        held = self._query("SELECT expires_at FROM locks WHERE key = ?", (key,))
        if held and held[0][0] > now:
            return None  # held: no write transaction just to learn that
        with self._write() as db:
            row = db.execute("SELECT expires_at FROM locks WHERE key = ?", (key,)).fetchone()
            if row is not None and row[0] > now:
                return None
            db.execute("UPDATE settings SET value = value + 1 WHERE name = 'fence'")
            fence = int(db.execute("SELECT value FROM settings WHERE name = 'fence'").fetchone()[0])
            owner = f"{fence}:{os.getpid()}:{secrets.token_hex(8)}"
            expires = now + self.lease_seconds
            db.execute("INSERT OR REPLACE INTO locks VALUES (?, ?, ?, ?)", (key, owner, fence, expires))
        return Lease(key, owner, expires, lambda seconds: self._extend(key, owner, seconds), self.lease_seconds)

    def _extend(self, key: str, owner: str, seconds: float) -> bool:
        with self._write() as db:
            return db.execute("UPDATE locks SET expires_at = ? WHERE key = ? AND owner = ?",
                              (time.time() + seconds, key, owner)).rowcount > 0

    def _release(self, key: str, owner: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM locks WHERE key = ? AND owner = ?", (key, owner))

    @contextlib.contextmanager
    def _lease(self, key: str, timeout: Optional[float]) -> Iterator[Lease]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            lease = self._try_acquire(key)
            if lease is not None:
                break
            if deadline is not None and time.monotonic() >= deadline:
                raise LockTimeout(f"the token store {self.path} kept {key!r} locked for {timeout:.0f} s "
                                  "(another worker is refreshing it)")
            time.sleep(POLL)
        assert lease.fence is not None
        try:
            yield lease
        finally:
            self._release(key, lease.fence)

    def lock(self, timeout: Optional[float] = LOCK_TIMEOUT, *, key: Optional[str] = None) -> contextlib.AbstractContextManager[Lease]:
        return self._lease(key if key is not None else "", timeout)

    # -- back-off ---------------------------------------------------------------------------------

    def get_backoff(self, scope: str) -> Optional[float]:
        rows = self._query("SELECT until FROM backoff WHERE scope = ?", (scope,))
        return float(rows[0][0]) if rows and rows[0][0] > time.time() else None

    def set_backoff(self, scope: str, until: float) -> None:
        with self._write() as db:
            db.execute("INSERT INTO backoff VALUES (?, ?) ON CONFLICT(scope) DO UPDATE SET until = MAX(until, excluded.until)",
                       (scope, until))
