"""Named accounts: ``$XDG_CONFIG_HOME/mailoauth/accounts.toml`` (``--config`` /
``$MAILOAUTH_CONFIG`` override it).

One table per account::

    [accounts.work]
    client_id = "9e5f94bc-e8a4-4e73-b8be-63364c29d753"   # or a well-known app name: thunderbird
    tenant = "contoso.onmicrosoft.com"
    user = "alice@contoso.com"
    protocols = ["imap", "smtp"]

The file holds where to find secrets (``client_secret_env``, ``client_secret_file``,
``certificate`` + ``private_key``), never a secret: a key such as ``client_secret`` or
``refresh_token`` is refused. Every mistake is a :class:`ConfigError` naming the file, the line
and the fix.

Reading uses :mod:`tomllib`. Writing (``mailoauth account add`` / ``remove``) edits the text:
``add`` appends a table at the end, ``remove`` cuts one table (from its header to the next
header) out; comments and the other accounts stay as they are. Only strings and lists of
strings are ever written.

This module is on the fast path of ``mailoauth token --account``: it imports no HTTP or mail
driver (``App`` building, which reads the secrets, imports :mod:`mailoauth.flows` on demand).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Sequence

import mailoauth
from mailoauth.cache import cache_key

if TYPE_CHECKING:
    from mailoauth import flows
    from mailoauth.stores import TokenStore

__all__ = ["Account", "ConfigError", "default_config_path", "load_accounts", "add_account", "remove_account", "toml_string"]

#: The keys of an account table, with what each one takes (for the "unknown key" fix).
KEYS: dict[str, str] = {
    "provider": '"microsoft" (default), "google" (Gmail / Google Workspace) or "custom" (then token_url or issuer is required)',
    "cloud": '"global" (default), "usgov", "usgov-dod", "china", "consumers" or "hve"',
    "tenant": "tenant id (GUID) or verified domain; organizations by default for delegated flows",
    "client_id": "the application (client) id, or a well-known app name (thunderbird)",
    "flow": '"interactive", "device" or "client-credentials" (default: client-credentials with a secret or certificate, else interactive)',
    "user": "the signed-in user's address (delegated): the login name of XOAUTH2/OAUTHBEARER",
    "mailbox": "the mailbox an app-only account logs in to (default: user)",
    "protocols": 'a list of "imap", "pop", "smtp" (default ["imap", "smtp"])',
    "scopes": "explicit scopes (a list of strings), overriding protocols",
    "client_secret_env": "the NAME of an environment variable holding the client secret",
    "client_secret_file": "the path of a file holding the client secret",
    "certificate": "the path of the certificate (PEM) for a client assertion (may hold the key too)",
    "private_key": "the path of the certificate's private key (PEM), when in its own file",
    "redirect_uri": "a registered redirect URI for a paste-back sign-in (e.g. https://localhost)",
    "token_url": "a custom token endpoint (any OAuth 2.0 server)",
    "authorize_url": "a custom authorize endpoint (with token_url)",
    "device_authorization_url": "a custom device authorization endpoint (with token_url)",
    "issuer": "the server's issuer: its endpoints are discovered (RFC 8414 / OpenID Connect) unless token_url is given; the authorize redirect must name it",
    "assertion_alg": 'the signature algorithm of a certificate\'s assertion: "PS256" (default; Entra ID) or "RS256" (AD FS and older servers)',
    "x5t": "true: the assertion also names the certificate by its SHA-1 thumbprint x5t (AD FS reads only that one; default false)",
    "client_auth": '"client_secret_post", "client_secret_basic", "private_key_jwt" or "none" (default: from the discovery document, else a secret in the body)',
    "cache": "the token store: a cache file, file:PATH, sqlite:PATH or redis://HOST:PORT/DB (default: $MAILOAUTH_CACHE or ~/.cache/mailoauth/tokens.json)",
}
LIST_KEYS = {"protocols", "scopes"}
BOOL_KEYS = {"x5t"}
#: Keys that would put a secret into the file: refused with the way to point at one instead.
SECRET_KEYS = {"client_secret", "secret", "password", "refresh_token", "access_token", "token", "private_key_pem"}
FLOWS = {"interactive": "interactive", "browser": "interactive", "auth-code": "interactive", "device": "device_code",
         "device-code": "device_code", "client-credentials": "client_credentials", "app-only": "client_credentials"}
PROTOCOLS = ("imap", "pop", "smtp")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


def default_config_path() -> Path:
    """``$MAILOAUTH_CONFIG``, else ``$XDG_CONFIG_HOME/mailoauth/accounts.toml`` (``~/.config``
    by default; ``%APPDATA%`` on Windows)."""
    explicit = os.environ.get("MAILOAUTH_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "mailoauth" / "accounts.toml"


class SignInRequired(Exception):
    """The account has no usable sign-in in its token store: a person must sign in once
    (``mailoauth account login NAME``). ``error`` is the server's refusal of the cached refresh
    token, or ``None`` when nothing was cached."""

    def __init__(self, message: str, *, account: str, error: Optional[mailoauth.Error] = None) -> None:
        self.account = account
        self.error = error
        super().__init__(message)


class ConfigError(Exception):
    """A mistake in the accounts file (or a secret it points at that cannot be read)."""

    def __init__(self, message: str, *, path: Optional[Path] = None, line: Optional[int] = None, fix: str = "") -> None:
        self.message = message
        self.path = path
        self.line = line
        self.fix = fix
        where = f"{path}:{line}: " if path is not None and line is not None else (f"{path}: " if path is not None else "")
        super().__init__(where + message + (f"\n  fix: {fix}" if fix else ""))


def _table_header_re(name: str) -> re.Pattern[str]:
    quoted = re.escape(name)
    return re.compile(rf'^\s*\[\s*accounts\s*\.\s*(?:{quoted}|"{quoted}"|\'{quoted}\')\s*\]\s*(#.*)?$')


_ANY_HEADER = re.compile(r"^\s*\[")


def _table_span(lines: Sequence[str], name: str) -> Optional[tuple[int, int]]:
    """0-based [start, end) of the lines of ``[accounts.NAME]`` (header to next header)."""
    header = _table_header_re(name)
    for i, line in enumerate(lines):
        if header.match(line):
            j = i + 1
            while j < len(lines) and not _ANY_HEADER.match(lines[j]):
                j += 1
            return i, j
    return None


def _line_of(text: str, name: str, key: Optional[str] = None) -> Optional[int]:
    """The 1-based line of ``key`` in ``[accounts.NAME]`` (or of its header)."""
    lines = text.splitlines()
    span = _table_span(lines, name)
    if span is None:
        return None
    if key is None:
        return span[0] + 1
    key_re = re.compile(rf'^\s*(?:{re.escape(key)}|"{re.escape(key)}")\s*=')
    for i in range(span[0], span[1]):
        if key_re.match(lines[i]):
            return i + 1
    return span[0] + 1


class Account:
    """One account of the file, validated. ``line`` is its header's line."""

    def __init__(self, name: str, table: dict[str, Any], *, path: Path, text: str) -> None:
        self.name = name
        self.path = path
        self.line = _line_of(text, name)
        self.table = table

        def err(key: Optional[str], message: str, fix: str) -> ConfigError:
            return ConfigError(f"account {name!r}: {message}", path=path, line=_line_of(text, name, key), fix=fix)

        for key, value in table.items():
            if key in SECRET_KEYS:
                raise err(key, f"{key} would keep a secret in {path.name}; secrets are never kept in this file",
                          "delete the line and point at the secret instead: client_secret_env = \"VAR\" "
                          "(an environment variable) or client_secret_file = \"PATH\" (a file readable only by you)")
            if key not in KEYS:
                near = [k for k in KEYS if k.split("_")[0] in key or key in k]
                raise err(key, f"unknown key {key!r}",
                          (f"did you mean {near[0]!r}? " if near else "") + "the keys are: " + ", ".join(KEYS))
            if key in BOOL_KEYS:
                if not isinstance(value, bool):
                    raise err(key, f"{key} must be true or false, not {type(value).__name__}", f"write it without quotes: {key} = true")
            elif key in LIST_KEYS:
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise err(key, f"{key} must be a list of strings", f'write it as {key} = ["...", "..."]')
            elif not isinstance(value, str):
                raise err(key, f"{key} must be a string, not {type(value).__name__}", f'write it in quotes: {key} = "..."')

        def get(key: str) -> Optional[str]:
            v = table.get(key)
            return v.strip() if isinstance(v, str) and v.strip() else None

        self.provider = (get("provider") or "microsoft").lower()
        if self.provider == "gmail":
            self.provider = "google"
        if self.provider not in ("microsoft", "google", "custom"):
            raise err("provider", f"unknown provider {self.provider!r}", 'provider = "microsoft" (default), "google", or "custom" with issuer or token_url')
        if self.provider == "microsoft" and get("issuer") and not get("token_url"):
            self.provider = "custom"
        self.cloud = (get("cloud") or "global").lower()
        try:
            cloud_obj = mailoauth.Cloud(self.cloud)
        except mailoauth.Error as e:
            raise err("cloud", f"cloud: {e}", "cloud = " + KEYS["cloud"]) from None
        self.token_url = get("token_url")
        self.authorize_url = get("authorize_url")
        self.device_authorization_url = get("device_authorization_url")
        self.issuer = get("issuer")
        if self.provider == "custom" and not self.token_url and not self.issuer:
            raise err("provider", 'provider = "custom" needs the token endpoint or the issuer', 'add issuer = "https://..." (its endpoints are discovered) or token_url = "https://..." (and authorize_url or device_authorization_url for delegated sign-ins)')
        if self.issuer and not self.token_url:
            try:
                mailoauth.well_known_urls(self.issuer)
            except mailoauth.Error as e:
                raise err("issuer", f"issuer: {e}", 'issuer = "https://..." (https, no query; http only on loopback)') from None
        self.client_auth = get("client_auth")
        if self.client_auth is not None and self.client_auth not in mailoauth.client_auth_methods():
            raise err("client_auth", f"unknown client_auth {self.client_auth!r}", "client_auth = " + KEYS["client_auth"])
        for key in ("authorize_url", "device_authorization_url"):
            if get(key) and not self.token_url:
                raise err(key, f"{key} without token_url", "add token_url (custom endpoints are given together) or delete the line")
        client = get("client_id")
        if client is None:
            raise err(None, "no client_id", 'add client_id = "<application (client) id>" (or a well-known app name such as "thunderbird")')
        try:
            if self.provider == "microsoft":
                app = mailoauth.lookup_app(client)
                self.client_id = app.client_id if app is not None else mailoauth.validate_client_id(client)
            elif self.provider == "custom" and mailoauth.lookup_app(client) is not None:
                self.client_id = mailoauth.lookup_app(client).client_id  # type: ignore[union-attr]
            else:
                self.client_id = mailoauth.validate_provider_client_id(client, "google" if self.provider == "google" else None)
        except mailoauth.Error as e:
            fix = ("client_id is the application (client) id GUID from the app registration, or a well-known app name"
                   if self.provider == "microsoft" else "client_id is the id the server issued for this client")
            raise err("client_id", f"client_id: {e}", fix) from None
        self.client_secret_env = get("client_secret_env")
        self.client_secret_file = get("client_secret_file")
        self.certificate = get("certificate")
        self.private_key = get("private_key")
        if self.client_secret_env and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self.client_secret_env):
            raise err("client_secret_env", f"client_secret_env must name an environment variable, not {self.client_secret_env[:4]}…",
                      'client_secret_env = "MY_APP_SECRET" (then export MY_APP_SECRET=... where the mail client runs)')
        sources = [k for k in ("client_secret_env", "client_secret_file", "certificate") if get(k)]
        if len(sources) > 1:
            raise err(sources[1], f"two client credentials ({' and '.join(sources)})", "keep one of them")
        if self.private_key and not self.certificate:
            raise err("private_key", "private_key without certificate", 'add certificate = "PATH" or delete the line')
        self.assertion_alg = get("assertion_alg")
        if self.assertion_alg is not None:
            if self.assertion_alg.upper() not in ("PS256", "RS256"):
                raise err("assertion_alg", f"unknown assertion_alg {self.assertion_alg!r}", "assertion_alg = " + KEYS["assertion_alg"])
            self.assertion_alg = self.assertion_alg.upper()
        self.x5t = table.get("x5t") is True
        for key in ("assertion_alg", "x5t"):
            if key in table and not self.certificate:
                raise err(key, f"{key} without certificate (it shapes a certificate's assertion)", 'add certificate = "PATH" or delete the line')
        has_credential = bool(sources)
        flow = get("flow")
        if flow is None:
            # Google's installed apps carry a secret but sign in with the browser.
            self.flow = "client_credentials" if has_credential and self.provider != "google" else "interactive"
        else:
            norm = flow.lower().replace("_", "-")
            if norm not in FLOWS:
                raise err("flow", f"unknown flow {flow!r}", "flow = " + KEYS["flow"])
            self.flow = FLOWS[norm]
        if self.client_auth in ("client_secret_post", "client_secret_basic") and not (self.client_secret_env or self.client_secret_file):
            raise err("client_auth", f"client_auth {self.client_auth} needs a client secret", 'add client_secret_env = "VAR" or client_secret_file = "PATH"')
        if self.client_auth == "private_key_jwt" and not self.certificate:
            raise err("client_auth", "client_auth private_key_jwt needs a certificate and its key", 'add certificate = "PATH" (and private_key = "PATH")')
        if self.provider == "google" and self.flow == "client_credentials":
            raise err("flow", "Google has no client-credentials grant for Gmail", 'flow = "interactive" (Gmail accounts sign in with the browser)')
        if self.flow == "client_credentials" and not has_credential:
            raise err("flow", "app-only (client-credentials) needs a client credential",
                      'add client_secret_env = "VAR", client_secret_file = "PATH" or certificate = "PATH"')
        protocols = table.get("protocols") or ["imap", "smtp"]
        bad = [p for p in protocols if p not in PROTOCOLS]
        if bad:
            raise err("protocols", f"unknown protocol {bad[0]!r}", 'protocols = a list of "imap", "pop", "smtp"')
        self.protocols: list[str] = list(protocols)
        self.user = get("user")
        self.mailbox = get("mailbox")
        self.redirect_uri = get("redirect_uri")
        self.cache = get("cache")
        if self.cache:
            from mailoauth.stores import parse_store_url

            try:
                parse_store_url(self.cache)
            except mailoauth.Error as e:
                raise err("cache", str(e), 'cache = "~/.cache/mailoauth/tokens.json", "sqlite:PATH" or "redis://HOST:PORT/DB"') from None
        implied = cloud_obj.implied_tenant
        tenant = get("tenant")
        if implied is not None and tenant is not None and tenant.lower() != implied:
            raise err("tenant", f"cloud {self.cloud!r} is for personal Microsoft accounts, whose tenant is {implied}", "delete the tenant line")
        tenant = implied or tenant
        if self.flow == "client_credentials" and self.provider == "microsoft":
            if tenant is None:
                raise err(None, "app-only needs the tenant whose mailboxes the app opens", 'add tenant = "<tenant id or verified domain>" (e.g. "contoso.onmicrosoft.com")')
            try:
                mailoauth.Tenant(tenant).check_client_credentials()
            except mailoauth.Error as e:
                raise err("tenant", f"tenant: {e}", 'tenant = "<tenant id or verified domain>"') from None
        self.tenant = tenant or "organizations"
        if self.provider == "microsoft" and not self.token_url:
            try:
                mailoauth.Tenant(self.tenant)
            except mailoauth.Error as e:
                raise err("tenant", f"tenant: {e}", 'tenant = "<tenant id (GUID) or verified domain>"') from None
        if self.flow != "client_credentials" and self.user is None:
            raise err(None, "a delegated account needs the signed-in user's address", 'add user = "alice@contoso.com" (the login name of XOAUTH2/OAUTHBEARER)')
        explicit_scopes = table.get("scopes")
        grant = "app" if self.flow == "client_credentials" else "delegated"
        if explicit_scopes:
            self.scopes: list[str] = list(explicit_scopes)
        elif self.provider == "google":
            self.scopes = mailoauth.google_scopes()
        elif self.issuer and not self.token_url:
            raise err(None, "an account discovered from its issuer needs its scopes", 'add scopes = ["..."] (the scopes the server grants for mail)')
        else:
            self.scopes = cloud_obj.scopes_for(grant, self.protocols)
        if self.provider == "google" and self.flow == "device_code":
            try:
                mailoauth.check_device_flow("google", self.scopes)
            except mailoauth.Error as e:
                raise err("flow", str(e), 'flow = "interactive"') from None
        self._discovered: Optional[mailoauth.Endpoints] = None

    # -- derived ----------------------------------------------------------------------------------

    @property
    def grant(self) -> str:
        return "app" if self.flow == "client_credentials" else "delegated"

    @property
    def login_name(self) -> Optional[str]:
        """The ``user=`` of XOAUTH2/OAUTHBEARER: the mailbox (app-only, or a shared one) or the user."""
        return self.mailbox or self.user

    def endpoints(self) -> mailoauth.Endpoints:
        """The endpoints: explicit, Google's, discovered from ``issuer`` (fetched once, on first
        use), or Microsoft's for the tenant and cloud."""
        if self.token_url:
            return mailoauth.Endpoints(token_url=self.token_url, authorize_url=self.authorize_url or "",
                                       device_authorization_url=self.device_authorization_url or "", issuer=self.issuer)
        if self.provider == "google":
            return mailoauth.google_endpoints()
        if self.issuer:
            if self._discovered is None:
                from mailoauth import flows

                self._discovered = flows.discover(self.issuer).endpoints()
            return self._discovered
        return mailoauth.Endpoints.microsoft(mailoauth.Tenant(self.tenant), self.cloud)

    def _key_url(self) -> str:
        """The URL that names the server in the cache key, without any network: the token URL,
        or the issuer of a discovered server."""
        if not self.token_url and self.provider != "google" and self.issuer:
            return self.issuer
        return self.endpoints().token_url

    def cache_key(self) -> str:
        """The token cache key: the same as ``mailoauth token``/``check`` with these settings."""
        return cache_key(client_id=self.client_id, token_url=self._key_url(), scopes=self.scopes,
                         user=self.user if self.grant == "delegated" else None)

    def cache_path(self) -> Optional[Path]:
        """The account's own cache file (``None`` for the default one, or a SQLite/Redis store)."""
        if not self.cache:
            return None
        from mailoauth.stores import parse_store_url

        kind, target, _ = parse_store_url(self.cache)
        return Path(target).expanduser() if kind == "file" else None

    def store(self, override: Optional[str] = None) -> TokenStore:
        """The account's token store (:func:`mailoauth.stores.open_store`): ``override`` (``--cache``),
        else its ``cache`` setting (a file path or a store URL), else the default cache file."""
        from mailoauth.stores import open_store

        return open_store(override or self.cache)

    def token(self, store: Optional[TokenStore] = None, *, force: bool = False) -> mailoauth.TokenSet:
        """A usable token set for this account from ``store`` (default: :meth:`store`), without a
        person: app-only accounts get one from the client-credentials flow, single-flight among
        the store's users; delegated ones get the cached token, refreshed under the store's lease
        when it is about to expire (``force``: refresh anyway).

        Raises :class:`SignInRequired` when a delegated account has no cached sign-in or the
        server refused its refresh token, :class:`mailoauth.Error` for other token-endpoint
        failures (``transient`` tells a temporary one), :class:`ConfigError` for an unreadable
        secret, and ``TimeoutError`` when another process holds the entry's lease too long."""
        from mailoauth import flows

        store = store if store is not None else self.store()
        key = self.cache_key()
        app = self.app()
        meta = {"user": self.user, "flow": self.flow, **self.fast_path_meta()}
        if self.flow == "client_credentials":
            return flows.app_only_cached(app, store, key, scopes=self.scopes, force=force,
                                         metadata={k: v for k, v in meta.items() if v})
        try:
            got = flows.refresh_cached(app, store, key, scopes=self.scopes, force=force, metadata=meta)
        except mailoauth.Error as e:
            if e.requires_new_sign_in:
                raise SignInRequired(f"account {self.name!r} needs a new sign-in: the server refused the cached refresh token ({e})",
                                     account=self.name, error=e) from None
            raise
        if got is None:
            raise SignInRequired(f"account {self.name!r} needs a sign-in: no token is cached for it (in {store.location})",
                                 account=self.name)
        return got

    def fast_path_meta(self) -> dict[str, Any]:
        """What the fast path (:mod:`mailoauth._fast`) checks before it serves a cache entry: the
        account, the accounts file and its fingerprint when this entry was validated, the login
        name."""
        from mailoauth import _fast

        path = os.path.abspath(str(self.path))
        return {"account": self.name, "config_path": path, "config": _fast.fingerprint(path), "login_name": self.login_name}

    def _read_file(self, key: str, value: str) -> str:
        try:
            with open(Path(value).expanduser(), encoding="utf-8") as f:
                return f.read()
        except OSError as e:
            raise ConfigError(f"account {self.name!r}: cannot read {key} {value}: {e.strerror or e}", path=self.path,
                              line=_line_of_file(self.path, self.name, key), fix=f"check the path in {key}, or create the file (readable only by you)") from None

    def client_secret(self) -> Optional[str]:
        if self.client_secret_env:
            value = os.environ.get(self.client_secret_env)
            if not value:
                raise ConfigError(f"account {self.name!r}: ${self.client_secret_env} (client_secret_env) is empty or not set",
                                  path=self.path, line=_line_of_file(self.path, self.name, "client_secret_env"),
                                  fix=f"export {self.client_secret_env}=<the client secret> in the environment the mail client runs in")
            return value.strip()
        if self.client_secret_file:
            value = self._read_file("client_secret_file", self.client_secret_file).strip()
            if not value:
                raise ConfigError(f"account {self.name!r}: {self.client_secret_file} (client_secret_file) is empty", path=self.path,
                                  line=_line_of_file(self.path, self.name, "client_secret_file"), fix="write the client secret into that file")
            return value
        return None

    def app(self) -> "flows.App":
        """The :class:`mailoauth.App` of this account (reads the secret; imports the flows)."""
        from mailoauth import flows

        cert = key = None
        if self.certificate:
            cert = self._read_file("certificate", self.certificate)
            key = self._read_file("private_key", self.private_key) if self.private_key else cert
        endpoints = self.endpoints() if (self.token_url or self.issuer or self.provider == "google") else None
        return flows.App(client_id=self.client_id, tenant=self.tenant, cloud=self.cloud,
                         endpoints=endpoints, client_secret=self.client_secret(), certificate_pem=cert, private_key_pem=key,
                         provider=self.provider if self.provider != "custom" else None, client_auth=self.client_auth,
                         assertion_alg=self.assertion_alg or "PS256", include_x5t=self.x5t)

    def describe(self) -> dict[str, Any]:
        """The settings as ``account show`` prints them (where secrets are, never a secret)."""
        d: dict[str, Any] = {"name": self.name, "provider": self.provider, "cloud": self.cloud, "tenant": self.tenant,
                             "client_id": self.client_id, "flow": self.flow.replace("_", "-").replace("device-code", "device"),
                             "user": self.user, "mailbox": self.mailbox, "protocols": self.protocols, "scopes": self.scopes}
        for k in ("client_secret_env", "client_secret_file", "certificate", "private_key", "redirect_uri", "token_url",
                  "authorize_url", "device_authorization_url", "issuer", "client_auth", "assertion_alg", "x5t", "cache"):
            if getattr(self, k):
                d[k] = getattr(self, k)
        return d


def _line_of_file(path: Path, name: str, key: str) -> Optional[int]:
    try:
        return _line_of(path.read_text(encoding="utf-8"), name, key)
    except OSError:
        return None


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("no accounts file", path=path,
                          fix="add an account: mailoauth account add NAME --app APP --user ADDRESS (or create the file; see mailoauth account --help)") from None
    except OSError as e:
        raise ConfigError(f"cannot read the accounts file: {e.strerror or e}", path=path, fix="check its permissions") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ConfigError("not UTF-8 text", path=path, line=line, fix="save the file as UTF-8") from None


def parse(text: str, path: Path) -> dict[str, Any]:
    """The accounts tables of a file's text (TOML syntax errors become :class:`ConfigError`)."""
    import tomllib

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(m.group(1)) if m else None
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg) + (f" (column {m.group(2)})" if m else "")
        raise ConfigError(f"not valid TOML: {msg}", path=path, line=line,
                          fix='strings go in double quotes (key = "value"), lists in brackets (protocols = ["imap", "smtp"]), tables as [accounts.NAME]') from None
    unknown = [k for k in doc if k != "accounts"]
    if unknown:
        lines = text.splitlines()
        where = next((i + 1 for i, line in enumerate(lines) if re.match(rf"^\s*\[?\s*{re.escape(unknown[0])}\b", line)), None)
        raise ConfigError(f"unexpected {unknown[0]!r} at the top level", path=path, line=where,
                          fix="every account is a table [accounts.NAME] and its keys follow the header")
    accounts = doc.get("accounts", {})
    if not isinstance(accounts, dict):
        raise ConfigError("accounts must be tables", path=path, fix="write each account as [accounts.NAME]")
    for name, table in accounts.items():
        if not isinstance(table, dict):
            raise ConfigError(f"accounts.{name} is not a table", path=path, line=_line_of(text, name),
                              fix=f"write it as a table: [accounts.{name}] followed by its keys")
    return accounts


def load_accounts(path: Optional[Path] = None) -> tuple[Path, str, dict[str, Any]]:
    """``(path, text, {name: table})`` of the accounts file; missing or broken: ConfigError."""
    path = path if path is not None else default_config_path()
    text = _read_text(path)
    return path, text, parse(text, path)


def get_account(name: str, path: Optional[Path] = None) -> Account:
    """The validated account ``name``."""
    path, text, accounts = load_accounts(path)
    if name not in accounts:
        known = ", ".join(sorted(accounts)) or "none"
        raise ConfigError(f"no account {name!r} (accounts: {known})", path=path,
                          fix=f"add it: mailoauth account add {name} --app APP --user ADDRESS, or use one of the names above")
    return Account(name, accounts[name], path=path, text=text)


# ------------------------------------------------------------------------------------------------
# Writing


def toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = ['"']
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return "[" + ", ".join(toml_string(v) for v in value) + "]"
    raise TypeError(f"only strings, booleans and lists of strings are written, not {type(value).__name__}")


def _table_name(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else toml_string(name)


def render_table(name: str, settings: dict[str, Any]) -> str:
    lines = [f"[accounts.{_table_name(name)}]"]
    for key in KEYS:  # a fixed order: the same settings always give the same text
        if settings.get(key) not in (None, [], ""):
            lines.append(f"{key} = {toml_value(settings[key])}")
    return "\n".join(lines) + "\n"


def _write_atomic(path: Path, text: str) -> None:
    import tempfile

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def add_account(name: str, settings: dict[str, Any], path: Optional[Path] = None) -> tuple[Path, Account]:
    """Appends ``[accounts.NAME]`` (validated first; refused when NAME exists). The rest of the
    file is left byte for byte."""
    path = path if path is not None else default_config_path()
    if not NAME_RE.match(name):
        raise ConfigError(f"bad account name {name!r}", fix="use letters, digits and . _ @ - (up to 64), starting with a letter or digit")
    for key in settings:
        if key in SECRET_KEYS or key not in KEYS:
            raise ConfigError(f"{key} cannot be written to the accounts file", path=path)
    try:
        text = _read_text(path)
        existing = parse(text, path)
    except ConfigError as e:
        if e.message != "no accounts file":
            raise
        text, existing = "# mailoauth accounts (see: mailoauth account --help). Secrets are never kept here.\n", {}
    if name in existing:
        raise ConfigError(f"account {name!r} exists already", path=path, line=_line_of(text, name),
                          fix=f"remove it first (mailoauth account remove {name}) or pick another name")
    block = render_table(name, settings)
    new_text = text + ("" if text.endswith("\n") or not text else "\n") + ("\n" if text.strip() else "") + block
    # Validate the result as it will be read (a bad value is refused before anything is written).
    try:
        account = Account(name, parse(new_text, path)[name], path=path, text=new_text)
    except ConfigError as e:  # nothing was written: no line to point at
        raise ConfigError(f"not added: {e.message}", fix=e.fix) from None
    _write_atomic(path, new_text)
    return path, account


def remove_account(name: str, path: Optional[Path] = None) -> Path:
    """Cuts ``[accounts.NAME]`` out of the file (header to the next header); the rest stays."""
    path, text, accounts = load_accounts(path)
    if name not in accounts:
        raise ConfigError(f"no account {name!r}", path=path, fix="mailoauth account list shows the names")
    lines = text.splitlines(keepends=True)
    span = _table_span([line.rstrip("\r\n") for line in lines], name)
    if span is None:  # e.g. written as an inline table: not something this writer edits
        raise ConfigError(f"account {name!r} is not written as a [accounts.{name}] table", path=path,
                          fix="remove it with a text editor")
    start, end = span
    # Keep the comments that introduce the next table; drop trailing blank lines of this one.
    while end > start + 1 and (lines[end - 1].strip() == "" or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    while end < len(lines) and lines[end].strip() == "":
        end += 1
    new_text = "".join(lines[:start] + lines[end:])
    if end >= len(lines):  # the last table: no blank lines left dangling at the end
        new_text = new_text.rstrip("\n") + "\n" if new_text.strip() else ""
    parse(new_text, path)
    _write_atomic(path, new_text)
    return path
