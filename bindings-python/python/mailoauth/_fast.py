"""The credential helper's fast path: ``mailoauth token --account NAME [--print WHAT]
[--config FILE]`` answered from the token cache with the standard library's ``os`` and ``json``
only — no argparse, no TOML parser, no pathlib, no HTTP or mail driver.

It serves a cache entry only when that entry was written for this account by the full path
(``account`` and ``config_path`` metadata) while the accounts file had exactly the same
fingerprint (``config`` metadata: inode, size and modification time): any edit of the file sends
the call through the full path, which validates the file again and records the new fingerprint.
Anything it does not serve (another form of the command, a stale or missing token, an account
with its own ``cache`` file) returns ``None`` and the full command line takes over.
"""

from __future__ import annotations

import json
import os
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional, TextIO

# Kept in step with mailoauth.cache (REFRESH_MARGIN, DEFAULT_LIFETIME, is_fresh): the tests
# compare them.
REFRESH_MARGIN = 300
DEFAULT_LIFETIME = 3600
PRINT_CHOICES = ("access-token", "xoauth2", "oauthbearer", "json")


def parse_helper_args(argv: list[str]) -> Optional[dict[str, Optional[str]]]:
    """``{"account", "print", "config"}`` for ``token --account NAME [--print WHAT] [--config
    FILE]`` (any order, ``--opt=value`` too), else ``None``."""
    if not argv or argv[0] != "token":
        return None
    values: dict[str, Optional[str]] = {"--account": None, "--print": None, "--config": None}
    rest = argv[1:]
    i = 0
    while i < len(rest):
        name, eq, value = rest[i].partition("=")
        if name not in values or values[name] is not None:
            return None
        if not eq:
            if i + 1 >= len(rest) or rest[i + 1].startswith("-"):
                return None
            value = rest[i + 1]
            i += 1
        values[name] = value
        i += 1
    if not values["--account"] or (values["--print"] is not None and values["--print"] not in PRINT_CHOICES):
        return None
    return {"account": values["--account"], "print": values["--print"], "config": values["--config"]}


def config_path(explicit: Optional[str] = None) -> str:
    """As :func:`mailoauth.accounts.default_config_path`, as a string."""
    if explicit:
        return os.path.abspath(os.path.expanduser(explicit))
    env = os.environ.get("MAILOAUTH_CONFIG")
    if env:
        return os.path.abspath(os.path.expanduser(env))
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or os.path.join(os.path.expanduser("~"), "AppData", "Roaming")
    else:
        base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.abspath(os.path.join(base, "mailoauth", "accounts.toml"))


def cache_path() -> str:
    """As :func:`mailoauth.cache.default_cache_path`, as a string."""
    env = os.environ.get("MAILOAUTH_CACHE")
    if env:
        return os.path.expanduser(env)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(os.path.expanduser("~"), "AppData", "Local")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "mailoauth", "tokens.json")


def fingerprint(path: str) -> Optional[str]:
    """Inode, size and modification time of the accounts file (``None`` when it is missing)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"


def is_fresh(entry: dict[str, Any], now: int, margin: int = REFRESH_MARGIN) -> bool:
    tokens = entry.get("tokens")
    if not isinstance(tokens, dict):
        return False
    expiry = tokens.get("expires_at")
    if not isinstance(expiry, int) or isinstance(expiry, bool):
        saved_at = entry.get("saved_at")
        if not isinstance(saved_at, int) or isinstance(saved_at, bool):
            return False
        expiry = saved_at + DEFAULT_LIFETIME
    lifetime = entry.get("lifetime")
    if isinstance(lifetime, int) and not isinstance(lifetime, bool) and 0 < lifetime < 4 * margin:
        margin = lifetime // 4
    return bool(expiry - margin > now)


def serve(argv: list[str], stdout: TextIO) -> Optional[int]:
    """Prints the cached value and returns 0, or returns ``None`` (the full path decides)."""
    args = parse_helper_args(argv)
    if args is None:
        return None
    path = config_path(args["config"])
    account = args["account"]
    stamp = fingerprint(path)
    if stamp is None:
        return None
    try:
        with open(cache_path(), "rb") as f:
            doc = json.loads(f.read())
    except (OSError, ValueError):
        return None
    entries = doc.get("entries") if isinstance(doc, dict) else None
    if not isinstance(entries, dict):
        return None
    now = int(time.time())
    for entry in entries.values():
        if (isinstance(entry, dict) and entry.get("account") == account and entry.get("config_path") == path
                and entry.get("config") == stamp and is_fresh(entry, now)):
            tokens = entry["tokens"]
            token = tokens.get("access_token")
            if not isinstance(token, str) or not token:
                return None
            what = args["print"] or "access-token"
            user = entry.get("login_name")
            if what == "access-token":
                value = token
            elif what == "json":
                scope = tokens.get("scope")
                expires_at = tokens.get("expires_at")
                value = json.dumps({"access_token": token, "token_type": tokens.get("token_type") or "Bearer",
                                    "expires_at": expires_at,
                                    "expires_in": max(0, expires_at - now) if isinstance(expires_at, int) else None,
                                    "scopes": scope.split() if isinstance(scope, str) else [], "user": user})
            else:
                if not isinstance(user, str) or not user:
                    return None
                import mailoauth

                value = mailoauth.xoauth2(user, token) if what == "xoauth2" else mailoauth.oauthbearer(user, token)
            stdout.write(value + "\n")
            stdout.flush()
            return 0
    return None
