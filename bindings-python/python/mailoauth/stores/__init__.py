"""Token stores: where :func:`mailoauth.get_token` keeps token sets, shared by processes.

===============  ========================================================  =====================
URL              store                                                     for
===============  ========================================================  =====================
``file:PATH``    :class:`mailoauth.TokenCache` — a 0600 JSON file, flock   one user, one machine
``sqlite:PATH``  :class:`~mailoauth.stores.sqlite.SqliteStore` — WAL,      many processes, one host
                 ``BEGIN IMMEDIATE``, lease rows
``redis://…``    :class:`~mailoauth.stores.redis.RedisStore` — leases      many machines
``rediss://…``   with fencing, expiry with the token (``mailoauth[redis]``)
===============  ========================================================  =====================

A bare path is a ``file:`` store. ``PATH`` may start with ``~``; ``file:///abs`` and
``sqlite:///abs`` work too. Options go in the query string: ``lease=SECONDS`` (SQLite, Redis:
how long a killed holder can block a key), ``prefix=NAME`` (Redis key prefix, default
``mailoauth``), ``key_file=PATH`` (encryption key file; else ``$MAILOAUTH_STORE_KEY`` /
``$MAILOAUTH_STORE_KEY_FILE``). Every store implements :class:`TokenStore`; see
:mod:`mailoauth.stores.base` for the single-flight and back-off protocol. The store modules are
imported on first use only: ``sqlite3``, redis-py and ``cryptography`` load only when used.
"""

from __future__ import annotations

import urllib.parse
from typing import Any, Optional, Union

from mailoauth._native import error_from
from mailoauth.stores.base import LockTimeout, TokenStore

__all__ = ["TokenStore", "LockTimeout", "open_store", "parse_store_url"]

SCHEMES = ("file", "sqlite", "redis", "rediss", "unix")
_OPTIONS = {"lease", "prefix", "key_file"}


def parse_store_url(url: str) -> tuple[str, str, dict[str, str]]:
    """``(kind, target, options)`` of a store URL: ``kind`` is ``file``, ``sqlite`` or ``redis``;
    ``target`` the path (file, SQLite) or the URL redis-py gets (our options removed).

    Raises :class:`mailoauth.InvalidInputError` for an unknown scheme, an empty path, an unknown
    or malformed option."""
    text = url.strip()
    if not text:
        raise error_from("invalid_input", "the token store URL is empty (file:PATH, sqlite:PATH, redis://HOST:PORT/DB)")
    scheme, sep, rest = text.partition(":")
    if not sep or len(scheme) == 1 or "/" in scheme or "\\" in scheme:  # a path (or C:\...)
        return "file", text, {}
    scheme = scheme.lower()
    if scheme not in SCHEMES:
        raise error_from("invalid_input", f"unknown token store {scheme!r} in {_redact(text)!r}: "
                                          "use file:PATH, sqlite:PATH, redis://HOST:PORT/DB or rediss://...")
    base, _, query = rest.partition("?")
    options: dict[str, str] = {}
    kept: list[tuple[str, str]] = []
    for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        if name in _OPTIONS:
            if name in options:
                raise error_from("invalid_input", f"the token store option {name!r} is given twice")
            options[name] = value
        elif scheme in ("file", "sqlite"):
            raise error_from("invalid_input", f"unknown token store option {name!r} (known: {', '.join(sorted(_OPTIONS))})")
        else:
            kept.append((name, value))  # redis-py's own (socket_timeout=..., ...)
    if "lease" in options:
        try:
            lease = float(options["lease"])
        except ValueError:
            lease = -1.0
        if not 0.1 <= lease <= 86400:
            raise error_from("invalid_input", f"the token store lease {options['lease']!r} is not a number of seconds "
                                              "between 0.1 and 86400")
    if scheme in ("file", "sqlite"):
        path = base
        if path.startswith("//"):
            parsed = urllib.parse.urlsplit(f"{scheme}:{base}")
            if parsed.netloc not in ("", "localhost"):
                raise error_from("invalid_input", f"the {scheme} store needs a local path, not host {parsed.netloc!r}")
            path = urllib.parse.unquote(parsed.path)
        if not path:
            raise error_from("invalid_input", f"the {scheme} store URL names no file: {scheme}:PATH")
        if "prefix" in options:
            raise error_from("invalid_input", "the token store option 'prefix' is for Redis only")
        return scheme, path, options
    if "key_file" in options and not options["key_file"]:
        raise error_from("invalid_input", "the token store option key_file names no file")
    target = f"{scheme}:{base}" + (f"?{urllib.parse.urlencode(kept)}" if kept else "")
    return "redis", target, options


def _redact(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def open_store(url: Union[str, TokenStore, None], **kwargs: Any) -> TokenStore:
    """The store a URL names (a :class:`TokenStore` is returned as it is; ``None`` is the default
    file cache). ``kwargs`` go to the store's constructor (e.g. ``client=`` for Redis)."""
    if isinstance(url, TokenStore):
        return url
    if url is None:
        from mailoauth.cache import TokenCache

        return TokenCache()
    kind, target, options = parse_store_url(str(url))
    key: Optional[Any] = None
    if "key_file" in options:
        from mailoauth.stores.crypto import load_key_file

        key = load_key_file(options["key_file"])
    if kind == "file":
        from mailoauth.cache import TokenCache

        return TokenCache(target, encryption_key=key)
    if key is None:
        from mailoauth.stores.crypto import key_from_env

        key = key_from_env()
    from mailoauth.stores.base import LEASE_SECONDS

    lease = float(options["lease"]) if "lease" in options else LEASE_SECONDS
    if kind == "sqlite":
        from mailoauth.stores.sqlite import SqliteStore

        return SqliteStore(target, encryption_key=key, lease=lease, **kwargs)
    from mailoauth.stores.redis import RedisStore

    return RedisStore(target, encryption_key=key, lease=lease, prefix=options.get("prefix") or "mailoauth", **kwargs)
