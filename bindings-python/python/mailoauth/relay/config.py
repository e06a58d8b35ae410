"""The relay's configuration file (TOML) and the local passwords (scrypt hashes).

A complete, commented example is ``bindings-python/examples/relay.toml``; the reference is the
README's "Relay" section. Every mistake is a :class:`mailoauth.accounts.ConfigError` naming the
file, the line and the fix. The file never holds a password or a token: users have a
``password_hash`` made by ``mailoauth relay hash-password``, and name an account of the accounts
file (``mailoauth account add``), whose token the relay uses upstream.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from mailoauth.accounts import ConfigError

PROTOCOLS = ("imap", "pop", "smtp")
TLS_MODES = ("none", "starttls", "implicit")
#: The upstream Exchange Online servers (worldwide cloud) and how they do TLS.
DEFAULT_UPSTREAM = {
    "imap": ("outlook.office365.com", 993, "implicit"),
    "pop": ("outlook.office365.com", 995, "implicit"),
    "smtp": ("smtp.office365.com", 587, "starttls"),
}
IMPLICIT_PORTS = {993, 995, 465}
USER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,127}$")

#: scrypt cost (RFC 7914): N = 2**15, r = 8, p = 1 — about 32 MiB and a few tens of ms a check.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_LEN = 32
_MAXMEM = 128 * 1024 * 1024


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """``scrypt$N$r$p$SALT$HASH`` (salt and hash in unpadded base64) of a local password."""
    if not password:
        raise ValueError("the password is empty")
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=SCRYPT_LEN)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


@dataclass(frozen=True)
class PasswordHash:
    """A parsed ``scrypt$...`` hash."""

    n: int
    r: int
    p: int
    salt: bytes
    digest: bytes

    @classmethod
    def parse(cls, text: str) -> "PasswordHash":
        """Parses a hash; ``ValueError`` says what is wrong."""
        parts = text.split("$")
        if len(parts) != 6 or parts[0] != "scrypt":
            raise ValueError("a password hash looks like scrypt$N$r$p$SALT$HASH")
        try:
            n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
            salt, digest = _unb64(parts[4]), _unb64(parts[5])
        except ValueError:
            raise ValueError("the hash's numbers or base64 parts are not valid") from None
        if n < 2**14 or n > 2**20 or n & (n - 1) or not 1 <= r <= 32 or not 1 <= p <= 16:
            raise ValueError("scrypt parameters out of range (N a power of two from 2**14 to 2**20, r 1-32, p 1-16)")
        if len(salt) < 16 or len(digest) < 16:
            raise ValueError("salt and hash must be at least 16 bytes")
        return cls(n, r, p, salt, digest)

    def verify(self, password: str) -> bool:
        """Whether ``password`` matches (constant-time comparison)."""
        got = hashlib.scrypt(password.encode("utf-8"), salt=self.salt, n=self.n, r=self.r, p=self.p,
                             maxmem=_MAXMEM, dklen=len(self.digest))
        return hmac.compare_digest(got, self.digest)

    def __repr__(self) -> str:
        return f"PasswordHash(n={self.n}, r={self.r}, p={self.p}, [redacted])"


@dataclass(frozen=True)
class User:
    """A local user: the name a client logs in with, its password hash, the account used upstream."""

    name: str
    password_hash: PasswordHash = field(repr=False)
    account: str


@dataclass
class Listener:
    """One local port."""

    protocol: str
    address: str
    port: int
    tls: str
    plaintext_login: bool
    upstream_host: str
    upstream_port: int
    upstream_tls: str
    line: Optional[int] = None

    @property
    def name(self) -> str:
        """``imap 127.0.0.1:1143`` for the log."""
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.protocol} {host}:{self.port}"


@dataclass
class RelayConfig:
    """The whole file, validated."""

    path: Path
    hostname: str
    listeners: list[Listener]
    users: dict[str, User]
    accounts_file: Optional[Path]
    cache: Optional[str]
    certificate: Optional[Path]
    key: Optional[Path]
    failure_delay: float = 1.0
    max_failures: int = 10
    failure_window: float = 300.0
    login_timeout: float = 60.0
    upstream_timeout: float = 30.0
    max_sessions: int = 1000
    shutdown_grace: float = 10.0
    upstream_ca_file: Optional[Path] = None


def is_loopback(address: str) -> bool:
    """Whether a listen address is a loopback one (``localhost`` counts)."""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _line(text: str, pattern: str, start: int = 0) -> Optional[int]:
    rx = re.compile(pattern)
    for i, line in enumerate(text.splitlines()[start:], start=start):
        if rx.search(line):
            return i + 1
    return None


def load(path: Path) -> RelayConfig:
    """Reads and validates a relay configuration file."""
    import tomllib

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("the relay configuration file does not exist", path=path,
                          fix="copy bindings-python/examples/relay.toml and edit it") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read the relay configuration: {e}", path=path) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        msg = re.sub(r"\s*[(]at line.*", "", msg)
        raise ConfigError(f"not valid TOML: {msg}", path=path,
                          line=int(m.group(1)) if m else None,
                          fix='strings go in double quotes, listeners are [[listen]] tables, users [users.NAME]') from None
    return parse(doc, text, path)


def parse(doc: dict[str, Any], text: str, path: Path) -> RelayConfig:
    """Validates a parsed document (``text`` for line numbers)."""

    def err(message: str, fix: str = "", line: Optional[int] = None) -> ConfigError:
        return ConfigError(message, path=path, line=line, fix=fix)

    known = {"relay", "tls", "listen", "users"}
    for key in doc:
        if key not in known:
            raise err(f"unknown top-level key {key!r}", "the file has [relay], [tls], [[listen]] and [users.NAME] tables",
                      _line(text, rf"^\s*\[*\s*{re.escape(key)}\b"))
    relay = _table(doc, "relay", err, text)
    tls = _table(doc, "tls", err, text)

    def opt_path(table: dict[str, Any], key: str, where: str) -> Optional[Path]:
        v = table.get(key)
        if v is None:
            return None
        if not isinstance(v, str) or not v:
            raise err(f"{where}.{key} must be a file path (a string)", line=_line(text, rf"^\s*{key}\s*="))
        p = Path(v).expanduser()
        return p if p.is_absolute() else (path.parent / p)

    def opt_store(table: dict[str, Any], key: str, where: str) -> Optional[str]:
        """A token store: a file path (relative to this file) or a store URL (file:, sqlite:, redis://)."""
        from mailoauth import Error
        from mailoauth.stores import parse_store_url

        v = table.get(key)
        if v is None:
            return None
        line = _line(text, rf"^\s*{key}\s*=")
        if not isinstance(v, str) or not v.strip():
            raise err(f"{where}.{key} must be a cache file path or a store URL (file:PATH, sqlite:PATH, redis://HOST:PORT/DB)",
                      line=line)
        try:
            kind, _, _ = parse_store_url(v)
        except Error as e:
            raise err(f"{where}.{key}: {e}", line=line) from None
        if kind == "file" and not v.strip().lower().startswith("file:"):
            p = Path(v.strip()).expanduser()
            return str(p if p.is_absolute() else (path.parent / p))
        return v.strip()

    def number(table: dict[str, Any], key: str, default: float, low: float, high: float, where: str) -> float:
        v = table.get(key, default)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not low <= v <= high:
            raise err(f"{where}.{key} must be a number from {low:g} to {high:g}", line=_line(text, rf"^\s*{key}\s*="))
        return float(v)

    relay_keys = {"hostname", "accounts_file", "cache", "failure_delay", "max_failures", "failure_window", "login_timeout",
                  "upstream_timeout", "max_sessions", "shutdown_grace", "upstream_ca_file"}
    for key in relay:
        if key not in relay_keys:
            raise err(f"unknown key relay.{key}", f"[relay] takes {', '.join(sorted(relay_keys))}", _line(text, rf"^\s*{re.escape(key)}\s*="))
    for key in tls:
        if key not in ("certificate", "key"):
            raise err(f"unknown key tls.{key}", "[tls] takes certificate and key (PEM files)", _line(text, rf"^\s*{re.escape(key)}\s*="))
    hostname = relay.get("hostname", "localhost")
    if not isinstance(hostname, str) or not re.fullmatch(r"[A-Za-z0-9._-]{1,253}", hostname):
        raise err("relay.hostname must be a host name (letters, digits, dots, hyphens)", line=_line(text, r"^\s*hostname\s*="))
    certificate, key_file = opt_path(tls, "certificate", "tls"), opt_path(tls, "key", "tls")
    if (certificate is None) != (key_file is None):
        raise err("[tls] needs both certificate and key", "give the PEM certificate chain and its private key",
                  _line(text, r"^\s*\[tls\]"))

    listeners = _listeners(doc, text, err, certificate is not None)
    users = _users(doc, text, err)
    if not users:
        raise err("no users: the relay would accept no one", "add [users.NAME] with password_hash and account",
                  _line(text, r"^\s*\[users"))
    return RelayConfig(
        path=path, hostname=hostname, listeners=listeners, users=users,
        accounts_file=opt_path(relay, "accounts_file", "relay"), cache=opt_store(relay, "cache", "relay"),
        certificate=certificate, key=key_file,
        failure_delay=number(relay, "failure_delay", 1.0, 0, 30, "relay"),
        max_failures=int(number(relay, "max_failures", 10, 1, 10000, "relay")),
        failure_window=number(relay, "failure_window", 300, 1, 86400, "relay"),
        login_timeout=number(relay, "login_timeout", 60, 1, 3600, "relay"),
        upstream_timeout=number(relay, "upstream_timeout", 30, 1, 600, "relay"),
        max_sessions=int(number(relay, "max_sessions", 1000, 1, 100000, "relay")),
        shutdown_grace=number(relay, "shutdown_grace", 10, 0, 3600, "relay"),
        upstream_ca_file=opt_path(relay, "upstream_ca_file", "relay"),
    )


def _table(doc: dict[str, Any], name: str, err: Any, text: str) -> dict[str, Any]:
    v = doc.get(name, {})
    if not isinstance(v, dict):
        raise err(f"{name} must be a table: [{name}]", line=_line(text, rf"^\s*{name}\s*="))
    return v


def _listeners(doc: dict[str, Any], text: str, err: Any, have_cert: bool) -> list[Listener]:
    raw = doc.get("listen")
    if not isinstance(raw, list) or not raw or not all(isinstance(t, dict) for t in raw):
        raise err("no listeners", 'add at least one [[listen]] table with protocol = "imap", "pop" or "smtp" and a port',
                  _line(text, r"^\s*\[\[?listen"))
    out: list[Listener] = []
    starts = [i for i, line in enumerate(text.splitlines()) if re.match(r"^\s*\[\[\s*listen\s*\]\]", line)]
    keys = {"protocol", "address", "port", "tls", "plaintext_login", "upstream", "upstream_tls"}
    for n, t in enumerate(raw):
        line = starts[n] + 1 if n < len(starts) else None
        where = f"listener #{n + 1}"
        for k in t:
            if k not in keys:
                raise err(f"{where}: unknown key {k!r}", f"[[listen]] takes {', '.join(sorted(keys))}", line)
        protocol = t.get("protocol")
        if protocol not in PROTOCOLS:
            raise err(f"{where}: protocol must be imap, pop or smtp", line=line)
        address = t.get("address", "127.0.0.1")
        if not isinstance(address, str) or not address:
            raise err(f"{where}: address must be an IP address or localhost", line=line)
        port = t.get("port")
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise err(f"{where}: port must be a number from 1 to 65535", line=line)
        tls = t.get("tls", "none")
        if tls not in TLS_MODES:
            raise err(f"{where}: tls must be none, starttls or implicit", line=line)
        if tls != "none" and not have_cert:
            raise err(f"{where}: tls = {tls!r} needs a certificate", "add [tls] certificate = ... and key = ... (PEM)", line)
        loopback = is_loopback(address)
        plaintext = t.get("plaintext_login", loopback)
        if not isinstance(plaintext, bool):
            raise err(f"{where}: plaintext_login must be true or false", line=line)
        if not loopback:
            if tls == "none":
                raise err(f"{where}: {address} is not a loopback address and the listener has no TLS: passwords would "
                          "cross the network in clear", 'set tls = "starttls" or "implicit" with a [tls] certificate, or '
                          'listen on 127.0.0.1', line)
            if plaintext:
                raise err(f"{where}: plaintext_login = true on {address}, which is not a loopback address",
                          "remove plaintext_login: clients on the network must log in over TLS", line)
        default_host, default_port, default_tls = DEFAULT_UPSTREAM[protocol]
        upstream = t.get("upstream", f"{default_host}:{default_port}")
        m = re.fullmatch(r"\[?([A-Za-z0-9._:-]+?)\]?:(\d{1,5})", upstream) if isinstance(upstream, str) else None
        if m is None or not 1 <= int(m.group(2)) <= 65535:
            raise err(f"{where}: upstream must be HOST:PORT", f'for example upstream = "{default_host}:{default_port}"', line)
        up_port = int(m.group(2))
        up_tls = t.get("upstream_tls", "implicit" if up_port in IMPLICIT_PORTS else ("starttls" if up_port in (587, 143, 110) else default_tls))
        if up_tls not in TLS_MODES:
            raise err(f"{where}: upstream_tls must be none, starttls or implicit", line=line)
        out.append(Listener(protocol, address, port, tls, plaintext, m.group(1), up_port, up_tls, line))
    seen: set[tuple[str, int]] = set()
    for li in out:
        if (li.address, li.port) in seen:
            raise err(f"two listeners on {li.address}:{li.port}", "give each listener its own port", li.line)
        seen.add((li.address, li.port))
    return out


def _users(doc: dict[str, Any], text: str, err: Any) -> dict[str, User]:
    raw = doc.get("users", {})
    if not isinstance(raw, dict):
        raise err("users must be tables: [users.NAME]", line=_line(text, r"^\s*users\s*="))
    out: dict[str, User] = {}
    for name, t in raw.items():
        line = _line(text, rf"^\s*\[\s*users\s*\.\s*\"?{re.escape(name)}\"?\s*\]")
        if not isinstance(t, dict):
            raise err(f"users.{name} must be a table", line=line)
        if not USER_RE.match(name):
            raise err(f"user name {name!r}: use letters, digits and . _ @ + -", line=line)
        for k in t:
            if k not in ("password_hash", "account"):
                hint = " (never the password itself: store its hash)" if k in ("password", "secret", "token") else ""
                raise err(f"users.{name}: unknown key {k!r}{hint}", "a user has password_hash and account", line)
        h = t.get("password_hash")
        if not isinstance(h, str):
            raise err(f"users.{name} has no password_hash", "make one: mailoauth relay hash-password", line)
        try:
            ph = PasswordHash.parse(h)
        except ValueError as e:
            raise err(f"users.{name}: password_hash: {e}", "make one: mailoauth relay hash-password", line) from None
        account = t.get("account")
        if not isinstance(account, str) or not account:
            raise err(f"users.{name} has no account", "name an account of the accounts file (mailoauth account list)", line)
        out[name] = User(name, ph, account)
    return out
