"""The admin's command line: ``python -m mailoauth`` (also installed as ``mailoauth``).

Every command has ``--help`` with examples, ``--json`` for machine-readable output and ``--debug``
for a traceback. Errors are one line on stderr. Exit codes: 0 success, 1 failure (a check step
failed, the server refused, a bad value), 2 usage error, 5 configuration error (the accounts
file), 130 cancelled (Ctrl-C). ``token --account NAME`` (the mail clients' credential helper)
has its own: 0, 2, 3 sign-in needed, 4 temporary failure, 5 configuration error.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any, Callable, Optional, Sequence, TextIO

import mailoauth
from mailoauth._native import Error

if TYPE_CHECKING:
    import ssl

    from mailoauth import flows

PROG = "mailoauth"
CLOUD_HELP = "global (default), usgov, usgov-dod, china, consumers or hve"

# ------------------------------------------------------------------------------------------------
# Output


class Output:
    """Where a command writes: human lines (with ✓/✗ steps) or one JSON document."""

    def __init__(self, *, as_json: bool, stdout: TextIO, stderr: TextIO) -> None:
        self.as_json = as_json
        self.stdout = stdout
        self.stderr = stderr
        self.doc: dict[str, Any] = {}
        self.steps: list[dict[str, Any]] = []
        self.warnings: list[str] = []
        try:
            "✓✗".encode(getattr(stdout, "encoding", None) or "utf-8")
            unicode = True
        except (UnicodeEncodeError, LookupError):
            unicode = False
        self.ok_mark = "✓" if unicode else "OK"
        self.fail_mark = "✗" if unicode else "FAIL"

    def line(self, text: str = "") -> None:
        """A human line (dropped in JSON mode)."""
        if not self.as_json:
            print(text, file=self.stdout)

    def info(self, text: str) -> None:
        """A progress note on stderr (dropped in JSON mode)."""
        if not self.as_json:
            print(text, file=self.stderr)

    def warn(self, text: str) -> None:
        self.warnings.append(text)
        if not self.as_json:
            print(f"warning: {text}", file=self.stderr)

    def step(self, name: str, ok: bool, detail: str = "", **extra: Any) -> None:
        """One ✓/✗ step of a check."""
        entry: dict[str, Any] = {"step": name, "ok": ok}
        if detail:
            entry["detail"] = detail
        entry.update({k: v for k, v in extra.items() if v is not None})
        self.steps.append(entry)
        if not self.as_json:
            mark = self.ok_mark if ok else self.fail_mark
            print(f"{mark} {name}" + (f": {detail}" if detail else ""), file=self.stdout)

    def finding(self, f: Any, context: str = "token") -> None:
        """One lint finding, marked by its severity: ``error`` fails (✗), ``warning`` (!) and
        ``note`` (i) do not. The JSON step carries ``severity`` and ``fix``."""
        ok = f.severity != "error"
        self.steps.append({"step": f"{context}: {f.code}", "ok": ok, "severity": f.severity, "detail": f.message, "fix": f.fix})
        if not self.as_json:
            mark = {"error": self.fail_mark, "warning": "!", "note": "i"}.get(f.severity, "?")
            print(f"{mark} {f.severity}: {f.code}: {f.message}", file=self.stdout)
            print(f"  fix: {f.fix}", file=self.stdout)

    def config_finding(self, f: Any) -> None:
        """A configuration-lint finding, on stderr with its severity (the request is still sent:
        the server has the last word)."""
        text = f"{f.severity}: {f.code}: {f.message} (fix: {f.fix})"
        self.warnings.append(text)
        self.doc.setdefault("config_findings", []).append(
            {"code": f.code, "severity": f.severity, "message": f.message, "fix": f.fix})
        if not self.as_json:
            print(text, file=self.stderr)

    def diagnosis(self, diagnosis: Any) -> None:
        """Prints a diagnosis (code, cause, fix)."""
        if diagnosis is None:
            return
        self.doc["diagnosis"] = {
            "code": diagnosis.code,
            "cause": diagnosis.cause,
            "fix": diagnosis.fix,
        }
        if not self.as_json:
            print(f"  diagnosis: {diagnosis.code}", file=self.stdout)
            print(f"  cause: {diagnosis.cause}", file=self.stdout)
            print(f"  fix: {diagnosis.fix}", file=self.stdout)

    def finish(self, ok: bool) -> int:
        if self.as_json:
            doc = {"ok": ok, **self.doc}
            if self.steps:
                doc["steps"] = self.steps
            if self.warnings:
                doc["warnings"] = self.warnings
            json.dump(doc, self.stdout, indent=2, sort_keys=False)
            print(file=self.stdout)
        return 0 if ok else 1


class UsageError(Exception):
    """A bad combination of options (exit code 2)."""


# ------------------------------------------------------------------------------------------------
# Shared option helpers


def _resolve_client_id(value: str, out: Output, provider: Optional[str] = "microsoft") -> str:
    """A well-known app name (``thunderbird``) or a client id; warns on retired ids. Microsoft
    client ids are GUIDs; another provider's (``provider`` ``"google"``, or ``None`` for a server
    given by its issuer or endpoints) are free-form."""
    app = mailoauth.lookup_app(value)
    if provider == "custom" and app is None and not _is_guid(value):
        return mailoauth.validate_provider_client_id(value)
    if provider not in ("microsoft", "custom"):
        return mailoauth.validate_provider_client_id(value, provider)
    client_id = app.client_id if app is not None else mailoauth.validate_client_id(value)
    replacement = mailoauth.replacement_for(client_id)
    if replacement is not None and app is not None:
        out.warn(
            f"{client_id} is a retired app id ({app.display_name}): {app.note}; "
            f"use --app {replacement.name}"
        )
    return client_id


def _is_guid(value: str) -> bool:
    try:
        mailoauth.validate_client_id(value)
    except Error:
        return False
    return True


def _entra_rules(args: argparse.Namespace, client_id: str) -> bool:
    """Whether the Entra rules (tenant for app-only, the configuration lint) apply: Microsoft's
    endpoints, or custom ``--token-url`` endpoints used with a GUID client id (a stand-in for
    Entra); never for ``--provider google`` or ``--issuer``."""
    return _provider_of(args) == "microsoft" and (not args.token_url or _is_guid(client_id))


def _read_token(args: argparse.Namespace) -> str:
    """The access token from --token, --token-file, or standard input (--token -)."""
    token: Optional[str] = getattr(args, "token", None)
    token_file: Optional[str] = getattr(args, "token_file", None)
    if token_file:
        with open(token_file, encoding="utf-8") as f:
            token = f.read()
    elif token == "-":
        token = sys.stdin.readline()
    elif token is None:
        env = os.environ.get("MAILOAUTH_TOKEN")
        if env:
            token = env
    if token is None:
        raise UsageError("give the access token: --token TOKEN, --token - (stdin), --token-file FILE or $MAILOAUTH_TOKEN")
    return token.strip()


def _add_token_source(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("access token (one of)")
    g.add_argument("--token", metavar="TOKEN", help="the access token, or - to read one line from stdin")
    g.add_argument("--token-file", metavar="FILE", help="read the access token from FILE")


# ------------------------------------------------------------------------------------------------
# Commands


def cmd_consent_url(args: argparse.Namespace, out: Output) -> int:
    client_id = _resolve_client_id(args.app, out)
    scope = args.scope
    if scope is None and args.protocol:
        scope = mailoauth.admin_consent_scope(args.protocol, cloud=args.cloud)
    url = mailoauth.admin_consent_url(
        tenant=args.tenant,
        client_id=client_id,
        cloud=args.cloud,
        redirect_uri=args.redirect_uri,
        scope=scope,
        state=args.state,
        variant=args.variant,
    )
    out.doc.update({"url": url, "client_id": client_id, "tenant": args.tenant, "variant": args.variant})
    out.line(url)
    return out.finish(True)


def cmd_xoauth2(args: argparse.Namespace, out: Output) -> int:
    value = mailoauth.xoauth2(args.user, _read_token(args))
    out.doc["xoauth2"] = value
    out.line(value)
    return out.finish(True)


def cmd_oauthbearer(args: argparse.Namespace, out: Output) -> int:
    value = mailoauth.oauthbearer(args.user, _read_token(args), host=args.host, port=args.port)
    out.doc["oauthbearer"] = value
    out.line(value)
    return out.finish(True)


# ------------------------------------------------------------------------------------------------
# Tokens: options shared by `token` and `check`


def _read_secret_file(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


#: Why app-only needs one tenant (the core's reason for organizations, in the CLI's words).
APP_ONLY_TENANT = (
    "app-only (client credentials) needs the tenant whose mailboxes the app opens: pass --tenant "
    "<tenant id or verified domain> (e.g. --tenant contoso.onmicrosoft.com); organizations would "
    "give a token for a guessed tenant (usually the app's home tenant), and every login would fail"
)


def _tenant_of(args: argparse.Namespace, app_only: bool) -> str:
    """The tenant: --tenant, or what the cloud implies (consumers), or organizations for
    delegated flows. App-only needs a real one (usage error when missing; the core refuses
    organizations, common and consumers with its reason, as invalid_tenant)."""
    implied = mailoauth.Cloud(args.cloud).implied_tenant
    tenant: Optional[str] = args.tenant
    if implied is not None:
        if tenant is not None and tenant.strip().lower() != implied:
            raise UsageError(
                f"--cloud {args.cloud} is for personal Microsoft accounts, whose tenant is {implied}: leave out --tenant {tenant}"
            )
        tenant = implied
    if app_only:
        if tenant is None:
            raise UsageError(APP_ONLY_TENANT)
        mailoauth.Tenant(tenant).check_client_credentials()
        return tenant
    return tenant if tenant is not None else "organizations"


def _app_from_args(args: argparse.Namespace, out: Output) -> "flows.App":
    from mailoauth import flows

    if args.app is None:
        raise UsageError("give the app: --app NAME-OR-CLIENT-ID")
    provider = _provider_of(args)
    client_id = _resolve_client_id(args.app, out, "custom" if args.token_url else provider)
    secret: Optional[str] = None
    if args.client_secret_file:
        secret = _read_secret_file(args.client_secret_file)
    elif args.client_secret_env:
        secret = os.environ.get(args.client_secret_env)
        if not secret:
            raise UsageError(f"${args.client_secret_env} is empty or not set")
    elif os.environ.get("MAILOAUTH_CLIENT_SECRET"):
        secret = os.environ["MAILOAUTH_CLIENT_SECRET"]
    cert = key = None
    if args.certificate:
        with open(args.certificate, encoding="utf-8") as f:
            cert = f.read()
        key = cert
        if args.private_key:
            with open(args.private_key, encoding="utf-8") as f:
                key = f.read()
    endpoints = None
    client_auth: Optional[str] = getattr(args, "client_auth", None)
    issuer: Optional[str] = getattr(args, "issuer", None)
    if args.token_url:
        endpoints = mailoauth.Endpoints(
            token_url=args.token_url,
            authorize_url=args.authorize_url or "",
            device_authorization_url=args.device_url or "",
            issuer=issuer,
        )
    elif issuer:
        out.info(f"discovering {issuer} ...")
        metadata = flows.discover(issuer)
        endpoints = metadata.endpoints()
        if client_auth is None:
            client_auth = metadata.choose_client_auth(has_secret=secret is not None, has_key=cert is not None)
    elif provider == "google":
        endpoints = mailoauth.google_endpoints()
    if client_auth in ("client_secret_post", "client_secret_basic") and secret is None:
        raise UsageError(f"--client-auth {client_auth} needs a client secret (--client-secret-env or --client-secret-file)")
    if client_auth == "private_key_jwt" and cert is None:
        raise UsageError("--client-auth private_key_jwt needs --certificate (and --private-key)")
    assertion_alg: Optional[str] = getattr(args, "assertion_alg", None)
    include_x5t = bool(getattr(args, "x5t", False))
    if (assertion_alg or include_x5t) and cert is None:
        raise UsageError(f"{'--assertion-alg' if assertion_alg else '--x5t'} shapes a certificate's assertion: give --certificate too")
    if client_auth == "none":
        secret = cert = key = None
    has_credential = secret is not None or cert is not None
    app_only = _flow_name(args, has_credential, provider) == "client_credentials"
    return flows.App(
        client_id=client_id,
        tenant=_tenant_of(args, app_only) if _entra_rules(args, client_id) else (args.tenant or "organizations"),
        cloud=args.cloud,
        endpoints=endpoints,
        client_secret=secret,
        certificate_pem=cert,
        private_key_pem=key,
        provider=provider if provider != "microsoft" else None,
        client_auth=client_auth,
        assertion_alg=assertion_alg or "PS256",
        include_x5t=include_x5t,
    )


def _provider_of(args: argparse.Namespace) -> Optional[str]:
    """``microsoft`` (the default), ``google``, or ``None`` for another server (``--issuer`` or
    ``--token-url``)."""
    provider: Optional[str] = getattr(args, "provider", None)
    issuer = getattr(args, "issuer", None)
    if provider == "google":
        if args.token_url or issuer:
            raise UsageError("--provider google has its own endpoints: leave out --issuer / --token-url")
        return "google"
    if issuer and not args.token_url:
        if provider == "microsoft":
            raise UsageError("--provider microsoft uses the Microsoft endpoints: leave out --issuer")
        return None
    return "microsoft"


def _flow_name(args: argparse.Namespace, has_credential: bool, provider: Optional[str] = "microsoft") -> str:
    """The flow: --flow, or (auto) client credentials with a secret or certificate, else
    interactive (device code over SSH or with --no-browser). Google's installed apps carry a
    secret but sign in interactively (Gmail has no app-only grant, nor a device flow)."""
    from mailoauth import flows

    flow = str(args.flow).replace("-", "_")
    if flow == "auto":
        if provider == "google":
            return "interactive"
        if has_credential:
            return "client_credentials"
        return "device_code" if flows.is_remote_session() or args.no_browser else "interactive"
    return {"device": "device_code", "browser": "interactive", "auth_code": "interactive"}.get(flow, flow)


def _flow_of(args: argparse.Namespace, app: "flows.App") -> str:
    return _flow_name(args, app.client_secret is not None or app.certificate_pem is not None, app.provider or "microsoft")


def _scopes_of(args: argparse.Namespace, app: "flows.App", flow: str, protocols: Sequence[str]) -> list[str]:
    if args.scope:
        return list(args.scope)
    if app.provider == "google":
        return mailoauth.google_scopes()
    if getattr(args, "issuer", None) and not args.token_url:
        raise UsageError("a server found by --issuer has its own scopes: give them with --scope (repeatable)")
    grant = "app" if flow == "client_credentials" else "delegated"
    return app.cloud_object().scopes_for(grant, list(protocols))


def _acquire(args: argparse.Namespace, out: Output, protocols: Sequence[str]) -> tuple[mailoauth.TokenSet, str, "flows.App", list[str]]:
    from mailoauth import flows

    app = _app_from_args(args, out)
    flow = _flow_of(args, app)
    scopes = _scopes_of(args, app, flow, protocols)
    if app.provider == "google" and flow == "device_code":
        mailoauth.check_device_flow("google", scopes)
    if app.provider == "google" and flow == "client_credentials":
        raise UsageError("Google has no client-credentials grant for Gmail: sign in with --flow interactive")
    # The core names the authorization-code flow "auth_code"; the CLI says "interactive". The
    # configuration lint knows Entra: other providers skip it.
    lint = [] if not _entra_rules(args, app.client_id) else mailoauth.lint_config(
        flow={"interactive": "auth_code"}.get(flow, flow), tenant=app.tenant, client_id=app.client_id, client_secret=app.client_secret,
        scopes=scopes, authority=args.token_url, has_certificate=app.certificate_pem is not None,
    )
    for finding in lint:
        out.config_finding(finding)
    from mailoauth.stores import open_store

    cache = None if args.no_cache else open_store(args.cache)
    options: dict[str, Any] = {}
    if flow == "device_code":
        options["out"] = out.stderr
    if flow == "interactive":
        options.update(out=out.stderr, open_browser=not args.no_browser, redirect_host=args.redirect_host, port=args.redirect_port)
        if args.redirect_uri:
            options.update(redirect_uri=args.redirect_uri, read_line=_read_pasted_line)
    tokens = flows.get_token(
        app, flow=flow, scopes=scopes, cache=cache, user=args.user, force=args.force, **options
    )
    return tokens, flow, app, scopes


def _store_location(url: Optional[str]) -> str:
    """Where the tokens of ``--cache`` (a path or store URL) are, for messages."""
    from mailoauth.stores import open_store

    return open_store(url).location


def _when(ts: Optional[int]) -> str:
    if ts is None:
        return "unknown"
    now = int(time.time())
    import datetime

    stamp = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    left = ts - now
    rel = f"in {left // 60} min" if left >= 0 else f"{-left // 60} min ago"
    return f"{stamp} ({rel})"


def _add_app_options(p: argparse.ArgumentParser, *, protocols: bool) -> None:
    g = p.add_argument_group("app and flow")
    g.add_argument("--app", "--client-id", dest="app", metavar="APP", help="application (client) id, or a well-known app name")
    g.add_argument("--tenant", help="tenant id (GUID) or verified domain. Required for app-only (client credentials), "
                   "where organizations, common and consumers are refused (organizations would give a token for a "
                   "guessed tenant); delegated flows default to organizations (consumers with --cloud consumers)")
    g.add_argument("--cloud", default="global", help=CLOUD_HELP + "; consumers means personal Microsoft accounts "
                   "(tenant consumers, named delegated scopes), hve the High Volume Email SMTP host")
    g.add_argument("--flow", default="auto", choices=["auto", "client-credentials", "device", "interactive", "refresh"],
                   help="auto (default): client-credentials with a secret or certificate, else interactive (device over SSH)")
    g.add_argument("--client-secret-env", metavar="VAR", help="read the client secret from $VAR (default: $MAILOAUTH_CLIENT_SECRET when set)")
    g.add_argument("--client-secret-file", metavar="FILE", help="read the client secret from FILE")
    g.add_argument("--certificate", metavar="PEM", help="certificate (PEM) for a client assertion; may hold the key too")
    g.add_argument("--private-key", metavar="PEM", help="private key (PEM) of --certificate, when in its own file")
    g.add_argument("--assertion-alg", choices=["PS256", "RS256"], help="signature algorithm of --certificate's assertion "
                   "(default PS256, what Entra ID wants; RS256 for AD FS and older servers)")
    g.add_argument("--x5t", action="store_true", help="also name the certificate by its SHA-1 thumbprint x5t in the assertion header, beside x5t#S256 "
                   "(AD FS reads only x5t; use with --assertion-alg RS256)")
    if protocols:
        g.add_argument("--protocol", action="append", choices=["imap", "pop", "smtp"], help="protocols to ask delegated scopes for (repeatable; default imap)")
    g.add_argument("--scope", action="append", help="explicit scope (repeatable), overriding the defaults")
    g.add_argument("--user", help="the signed-in user's address (login hint; part of the cache key)")
    g.add_argument("--no-browser", action="store_true", help="print the sign-in URL instead of opening a browser")
    g.add_argument("--redirect-host", default="127.0.0.1", choices=["127.0.0.1", "localhost"],
                   help="host of the loopback redirect URI, as registered on the app (default 127.0.0.1)")
    g.add_argument("--redirect-port", type=int, default=0, help="port of the loopback redirect listener (default: any free port)")
    g.add_argument("--redirect-uri", metavar="URI", help="interactive: any registered redirect URI (e.g. https://localhost); "
                   "no listener: paste the address the browser ends on")
    g.add_argument("--force", action="store_true", help="ignore a cached token")
    c = p.add_argument_group("cache and endpoints")
    c.add_argument("--cache", metavar="STORE", help="token store: a cache file, file:PATH, sqlite:PATH or redis://HOST:PORT/DB "
                   "(default: $MAILOAUTH_CACHE or ~/.cache/mailoauth/tokens.json)")
    c.add_argument("--no-cache", action="store_true", help="neither read nor write the token cache")
    g.add_argument("--provider", choices=["microsoft", "google"], help="microsoft (default) or google (Gmail / Google "
                   "Workspace: its endpoints, scope https://mail.google.com/, browser sign-in with a loopback redirect)")
    g.add_argument("--client-auth", choices=["client_secret_post", "client_secret_basic", "private_key_jwt", "none"],
                   help="how the client authenticates at the token endpoint (default: from --issuer's discovery "
                   "document, else a secret in the form body and a certificate as private_key_jwt)")
    c.add_argument("--issuer", metavar="URL", help="any OAuth 2.0 / OpenID Connect server by its issuer: its endpoints and "
                   "client authentication methods are discovered (RFC 8414 / OpenID Connect Discovery); give --scope too")
    c.add_argument("--token-url", help="a custom token endpoint (any OAuth 2.0 server; http only on loopback)")
    c.add_argument("--authorize-url", help="custom authorize endpoint (with --token-url)")
    c.add_argument("--device-url", help="custom device authorization endpoint (with --token-url)")


def cmd_token(args: argparse.Namespace, out: Output) -> int:
    if args.account is not None:
        return cmd_token_account(args, out)
    if args.config is not None:
        raise UsageError("--config goes with --account NAME")
    protocols = args.protocol or ["imap"]
    tokens, flow, app, scopes = _acquire(args, out, protocols)
    if args.print is not None:
        _print_value(out, args.print, tokens.access_token, tokens.token_type, tokens.expires_at, tokens.scopes(), args.user)
        return 0
    granted = tokens.scopes() or scopes
    out.doc.update({
        "flow": flow,
        "client_id": app.client_id,
        "expires_at": tokens.expires_at,
        "scopes": granted,
        "refresh_token": tokens.refresh_token is not None,
        "cache": None if args.no_cache else _store_location(args.cache),
    })
    if args.show_token:
        out.doc["access_token"] = tokens.access_token
    out.step(f"token acquired ({flow.replace('_', ' ')} flow)", True)
    out.line(f"  expires: {_when(tokens.expires_at)}")
    out.line(f"  scopes: {' '.join(granted)}" + ("" if tokens.scopes() else " (as requested; the server did not list them)"))
    out.line(f"  refresh token: {'yes' if tokens.refresh_token else 'no'}")
    if not args.no_cache:
        out.line(f"  cached in: {out.doc['cache']}")
    if args.show_token:
        out.line(tokens.access_token)
    return out.finish(True)


# ------------------------------------------------------------------------------------------------
# token --account NAME --print ...: the credential helper of mail clients

#: Exit statuses of ``token --account`` (and of the ``account`` commands' configuration errors).
EXIT_OK, EXIT_USAGE, EXIT_SIGN_IN, EXIT_TEMPORARY, EXIT_CONFIG = 0, 2, 3, 4, 5
PRINT_CHOICES = ["access-token", "xoauth2", "oauthbearer", "json"]

#: Server errors that a different configuration fixes (the app, its secret, the tenant, scopes).
_CONFIG_CODES = {"invalid_client", "unauthorized_client", "invalid_scope", "invalid_request", "invalid_input",
                 "invalid_tenant", "invalid_client_id", "unsupported_grant_type", "invalid_target"}


class HelperExit(Exception):
    """Ends ``token --account`` with a status and a message for stderr."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _config_path(args: argparse.Namespace) -> "Optional[Any]":
    from pathlib import Path

    return Path(args.config).expanduser() if getattr(args, "config", None) else None


def _login_command(args: argparse.Namespace, name: str) -> str:
    config = f" --config {args.config}" if getattr(args, "config", None) else ""
    return f"mailoauth account login {name}{config}"


def _print_value(out: Output, what: str, access_token: str, token_type: str, expires_at: Optional[int], scopes: list[str],
                 user: Optional[str]) -> None:
    """Writes exactly the requested value (and a newline) on stdout, nothing else."""
    if what == "access-token":
        value = access_token
    elif what in ("xoauth2", "oauthbearer"):
        if not user:
            raise HelperExit(EXIT_CONFIG, f"--print {what} needs the login name: set user (or mailbox) in the account")
        value = mailoauth.xoauth2(user, access_token) if what == "xoauth2" else mailoauth.oauthbearer(user, access_token)
    else:
        value = json.dumps({"access_token": access_token, "token_type": token_type, "expires_at": expires_at,
                            "expires_in": None if expires_at is None else max(0, expires_at - int(time.time())),
                            "scopes": scopes, "user": user})
    out.stdout.write(value + "\n")
    out.stdout.flush()


def cmd_token_account(args: argparse.Namespace, out: Output) -> int:
    """The fast, silent path: a cached token that is still good is printed without loading the
    HTTP or mail drivers; else one refresh under the cache's lock. Never prompts."""
    from mailoauth import accounts
    from mailoauth.cache import is_fresh

    given = [o for o, v in (("--app", args.app), ("--tenant", args.tenant), ("--token-url", args.token_url),
                            ("--scope", args.scope), ("--protocol", args.protocol), ("--user", args.user),
                            ("--client-secret-env", args.client_secret_env), ("--client-secret-file", args.client_secret_file),
                            ("--certificate", args.certificate), ("--no-cache", args.no_cache), ("--show-token", args.show_token),
                            ("--redirect-uri", args.redirect_uri), ("--issuer", getattr(args, "issuer", None)),
                            ("--provider", getattr(args, "provider", None)), ("--client-auth", getattr(args, "client_auth", None)),
                            ("--assertion-alg", getattr(args, "assertion_alg", None)), ("--x5t", getattr(args, "x5t", False))) if v]
    if given:
        raise UsageError(f"--account takes its settings from the accounts file: leave out {', '.join(given)} "
                         f"(or change the account: mailoauth account show {args.account})")
    what = args.print or "access-token"
    name = args.account
    stderr = out.stderr
    try:
        account = accounts.get_account(name, _config_path(args))
        cache = account.store(args.cache)
        key = account.cache_key()
        entry = cache.get(key)
        now = int(time.time())
        if entry is not None and not args.force and is_fresh(entry, now):
            _record_fast_path(cache, key, entry, account.fast_path_meta())
            t = entry["tokens"]
            scope = t.get("scope")
            _print_value(out, what, t["access_token"], t.get("token_type") or "Bearer", t.get("expires_at"),
                         scope.split() if isinstance(scope, str) else [], account.login_name)
            return EXIT_OK
        tokens = _helper_slow_path(args, account, cache)
        _print_value(out, what, tokens.access_token, tokens.token_type, tokens.expires_at, tokens.scopes(), account.login_name)
        return EXIT_OK
    except accounts.ConfigError as e:
        print(f"{PROG}: configuration error: {e}", file=stderr)
        return EXIT_CONFIG
    except HelperExit as e:
        print(f"{PROG}: {e}", file=stderr)
        return e.status
    except Error as e:
        return _helper_error(args, name, e, stderr)
    except TimeoutError as e:  # the cache lock (LockTimeout)
        print(f"{PROG}: account {name!r}: temporary failure: {e}; try again", file=stderr)
        return EXIT_TEMPORARY
    except OSError as e:
        print(f"{PROG}: account {name!r}: {e.strerror or e}" + (f": {e.filename}" if e.filename else ""), file=stderr)
        return EXIT_CONFIG


def _record_fast_path(cache: Any, key: str, entry: dict[str, Any], meta: dict[str, Any]) -> None:
    """Adds the fast path's metadata to a fresh entry that lacks it (after an edit of the
    accounts file, or an entry written by ``mailoauth token``/``check``): one write, then the
    next calls are served without the TOML parser."""
    if all(entry.get(k) == v for k, v in meta.items()) or not isinstance(entry["tokens"].get("expires_at"), int):
        return
    try:
        with cache.lock(timeout=2, key=key):
            again = cache.get(key)
            if again is None or again.get("tokens") != entry["tokens"]:
                return
            keep = {k: v for k, v in again.items() if k not in ("tokens", "saved_at")}
            cache.put(key, again["tokens"], **{**keep, **meta})
    except (OSError, TimeoutError, Error):
        pass  # only an optimisation


def _helper_slow_path(args: argparse.Namespace, account: Any, cache: Any) -> mailoauth.TokenSet:
    """A token without a person (:meth:`mailoauth.accounts.Account.token`); a missing or refused
    sign-in becomes the credential helper's exit with the command that fixes it."""
    from mailoauth import accounts

    try:
        return account.token(cache, force=args.force)  # type: ignore[no-any-return]
    except accounts.SignInRequired as e:
        if e.error is not None:
            raise HelperExit(EXIT_SIGN_IN, _sign_in_message(args, account.name, e.error)) from None
        raise HelperExit(EXIT_SIGN_IN, f"{e}.\n  run once, in a terminal: {_login_command(args, account.name)}") from None


def _sign_in_message(args: argparse.Namespace, name: str, e: Error) -> str:
    reason = str(e)
    x = e.explanation
    lines = [f"account {name!r} needs a new sign-in: the server refused the cached refresh token ({reason})"]
    if x is not None and x.known and x.cause:
        lines.append(f"  cause: {x.cause}")
    lines.append(f"  run once, in a terminal: {_login_command(args, name)}")
    return "\n".join(lines)


def _helper_error(args: argparse.Namespace, name: str, e: Error, stderr: TextIO) -> int:
    if e.requires_new_sign_in:
        print(f"{PROG}: {_sign_in_message(args, name, e)}", file=stderr)
        return EXIT_SIGN_IN
    status = e.status or 0
    if e.transient or e.code in ("network_error", "malformed", "unexpected_reply") or status == 429 or status >= 500:
        wait = f" (the server asks to wait {e.retry_after} s)" if e.retry_after else ""
        print(f"{PROG}: account {name!r}: temporary failure, the cached sign-in is kept: {e}{wait}; try again later",
              file=stderr)
        return EXIT_TEMPORARY
    print(f"{PROG}: account {name!r}: configuration error: {e} [{e.code}]", file=stderr)
    x = e.explanation
    if x is not None and x.known:
        print(f"  cause: {x.cause}", file=stderr)
        print(f"  fix: {x.fix}", file=stderr)
    return EXIT_CONFIG


# ------------------------------------------------------------------------------------------------
# connect: a logged-in IMAP/POP3 connection on stdin/stdout (fetchmail's plugin)


def cmd_connect(args: argparse.Namespace, out: Output) -> int:
    """Connects, logs in with the account's token (XOAUTH2 or OAUTHBEARER), then relays the
    session between stdin/stdout and the server, greeting the client as already logged in
    (IMAP ``* PREAUTH``, POP3 ``+OK``). For clients without OAuth, e.g. Debian 12's fetchmail
    6.4 (``plugin "mailoauth connect ..."`` with ``auth ssh``)."""
    from mailoauth import accounts

    name = args.account
    stderr = out.stderr
    try:
        account = accounts.get_account(name, _config_path(args))
        cache = account.store(args.cache)
        tokens = _helper_slow_path(args, account, cache)
        return _relay(args, account, tokens.access_token, stderr)
    except accounts.ConfigError as e:
        print(f"{PROG}: configuration error: {e}", file=stderr)
        return EXIT_CONFIG
    except HelperExit as e:
        print(f"{PROG}: {e}", file=stderr)
        return e.status
    except Error as e:
        if e.code == "rejected":
            print(f"{PROG}: account {name!r}: the server refused the login: {e}", file=stderr)
            if e.diagnosis is not None:
                print(f"  fix: {e.diagnosis.fix}", file=stderr)
            return 1
        return _helper_error(args, name, e, stderr)
    except TimeoutError as e:
        print(f"{PROG}: account {name!r}: temporary failure: {e}; try again", file=stderr)
        return EXIT_TEMPORARY
    except OSError as e:
        print(f"{PROG}: account {name!r}: cannot connect: {e.strerror or e}", file=stderr)
        return EXIT_TEMPORARY


def _relay(args: argparse.Namespace, account: Any, token: str, stderr: TextIO) -> int:
    import socket
    import ssl
    import threading

    from mailoauth.mail import SocketLines, imap_login, pop_login

    protocol = args.protocol_name
    user = account.login_name
    if not user:
        raise HelperExit(EXIT_CONFIG, f"account {account.name!r} has no user or mailbox to log in as")
    default_host, default_port = (mailoauth.google_mail_server(protocol) if account.provider == "google"
                                   else mailoauth.Cloud(account.cloud).mail_server(protocol))
    host = args.host or default_host
    port = args.port or default_port
    raw = socket.create_connection((host, port), timeout=args.timeout)
    sock: Any = raw if args.plain else ssl.create_default_context().wrap_socket(raw, server_hostname=host)
    lines = SocketLines(sock)
    greeting = lines.readline()
    mech = args.mechanism.upper()
    if protocol == "imap":
        if not greeting.startswith(b"* OK"):
            raise error_unexpected(f"IMAP greeting: {greeting[:200]!r}")
        sock.sendall(b"M0 CAPABILITY\r\n")
        caps: list[str] = []
        while True:
            line = lines.readline()
            if not line:
                raise OSError("the server closed the connection")
            if line.upper().startswith(b"* CAPABILITY "):
                caps = line.decode("utf-8", "replace").split()[2:]
            if line.startswith(b"M0 "):
                break
        imap_login(sock, user, token, mechanism=mech, capabilities=caps, tag="M1", host=host, port=port)
        hello = f"* PREAUTH [mailoauth] logged in as {user} ({mech})\r\n"
    else:
        if not greeting.startswith(b"+OK"):
            raise error_unexpected(f"POP3 greeting: {greeting[:200]!r}")
        pop_login(sock, user, token, mechanism=mech, host=host, port=port)
        hello = f"+OK [mailoauth] logged in as {user} ({mech})\r\n"
    print(f"{PROG}: {protocol.upper()} {host}:{port}: logged in as {user} ({mech})", file=stderr, flush=True)
    sock.settimeout(None)
    stdout = sys.stdout.buffer
    stdout.write(hello.encode())
    stdout.flush()

    def upstream() -> None:  # client -> server
        stdin = sys.stdin.buffer
        try:
            while True:
                data = stdin.read1(65536) if hasattr(stdin, "read1") else stdin.read(65536)
                if not data:
                    break
                sock.sendall(data)
        except OSError:
            pass
        finally:
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    threading.Thread(target=upstream, daemon=True).start()
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            stdout.write(data)
            stdout.flush()
    except (OSError, BrokenPipeError):
        pass
    finally:
        sock.close()
    return 0


def error_unexpected(text: str) -> Error:
    from mailoauth._native import error_from

    return error_from("unexpected_reply", text)


# ------------------------------------------------------------------------------------------------
# account add | list | show | remove | login


def _account_settings(args: argparse.Namespace) -> dict[str, Any]:
    if getattr(args, "client_secret", None):
        raise UsageError("secrets are never written to the accounts file: use --client-secret-env VAR or --client-secret-file FILE")
    settings: dict[str, Any] = {
        "provider": "custom" if (args.token_url or args.issuer) else args.provider if args.provider != "microsoft" else None,
        "client_auth": args.client_auth,
        "assertion_alg": args.assertion_alg,
        "x5t": True if args.x5t else None,
        "cloud": args.cloud if args.cloud != "global" else None,
        "tenant": args.tenant, "client_id": args.app, "flow": args.flow, "user": args.user, "mailbox": args.mailbox,
        "protocols": args.protocol, "scopes": args.scope, "client_secret_env": args.client_secret_env,
        "client_secret_file": args.client_secret_file, "certificate": args.certificate, "private_key": args.private_key,
        "redirect_uri": args.redirect_uri, "token_url": args.token_url, "authorize_url": args.authorize_url,
        "device_authorization_url": args.device_url, "issuer": args.issuer, "cache": args.cache,
    }
    for key in ("client_secret_file", "certificate", "private_key", "cache"):
        if settings[key]:
            import os.path

            settings[key] = os.path.abspath(os.path.expanduser(settings[key]))
    return {k: v for k, v in settings.items() if v}


def _cache_status(account: Any, cache_override: Optional[str] = None) -> dict[str, Any]:
    from mailoauth.cache import effective_expiry, is_fresh

    status: dict[str, Any] = {"cache": account.cache or cache_override, "cached": False}
    try:
        cache = account.store(cache_override)
        status["cache"] = cache.location
        entry = cache.get(account.cache_key())
    except Error as e:
        status["cache_error"] = str(e)
        return status
    if entry is not None:
        t = entry.get("tokens") or {}
        status.update({"cached": True, "expires_at": effective_expiry(entry), "fresh": is_fresh(entry, int(time.time())),
                       "refresh_token": bool(t.get("refresh_token")), "saved_at": entry.get("saved_at")})
    return status


def cmd_account(args: argparse.Namespace, out: Output) -> int:
    from mailoauth import accounts

    config = _config_path(args)
    action = args.account_command
    if action == "add":
        path, account = accounts.add_account(args.name, _account_settings(args), config)
        out.doc.update({"added": args.name, "config": str(path), "account": account.describe()})
        out.line(f"{out.ok_mark} account {args.name!r} added to {path}")
        if account.flow == "client_credentials":
            out.line(f"  next: mailoauth token --account {args.name} --print access-token")
        else:
            out.line(f"  next, once, in a terminal: {_login_command(args, args.name)}")
        return out.finish(True)
    if action == "list":
        path, text, tables = accounts.load_accounts(config)
        items = []
        for name in tables:
            try:
                a = accounts.Account(name, tables[name], path=path, text=text)
                items.append({"name": name, "flow": a.describe()["flow"], "user": a.login_name, "client_id": a.client_id})
            except accounts.ConfigError as e:
                items.append({"name": name, "error": str(e)})
        out.doc.update({"config": str(path), "accounts": items})
        for it in items:
            if "error" in it:
                out.line(f"{it['name']}  (broken: {it['error'].splitlines()[0]})")
            else:
                out.line(f"{it['name']}  {it['flow']}  {it['user'] or '-'}  app {it['client_id']}")
        if not items:
            out.info(f"no accounts in {path}")
        return out.finish(all("error" not in it for it in items))
    account = accounts.get_account(args.name, config)
    if action == "show":
        d = account.describe()
        status = _cache_status(account, args.cache if hasattr(args, "cache") else None)
        out.doc.update({"config": str(account.path), "account": d, "token": status})
        out.line(f"[accounts.{account.name}]  ({account.path}:{account.line})")
        for k, v in d.items():
            if k != "name" and v:
                out.line(f"  {k}: {' '.join(v) if isinstance(v, list) else v}")
        if status["cached"]:
            out.line(f"  token: cached in {status['cache']}, expires {_when(status['expires_at'])}"
                     f"{'' if status['fresh'] else ' (will be refreshed)'}; refresh token: {'yes' if status['refresh_token'] else 'no'}")
        else:
            out.line(f"  token: none cached in {status['cache']}" + ("" if account.flow == "client_credentials"
                                                                    else f" (run: {_login_command(args, account.name)})"))
        return out.finish(True)
    if action == "remove":
        cache = account.store()
        accounts.remove_account(args.name, config)
        dropped = cache.delete(account.cache_key()) if not args.keep_tokens else False
        out.doc.update({"removed": args.name, "config": str(account.path), "tokens_removed": dropped})
        out.line(f"{out.ok_mark} account {args.name!r} removed from {account.path}" + (" and its cached tokens deleted" if dropped else ""))
        return out.finish(True)
    # login
    return _account_login(args, out, account)


def _account_login(args: argparse.Namespace, out: Output, account: Any) -> int:
    from mailoauth import flows

    app = account.app()
    flow = account.flow
    if args.device:
        flow = "device_code"
    elif args.redirect_uri or args.no_browser:
        flow = "interactive" if flow != "client_credentials" else flow
    cache = account.store()
    options: dict[str, Any] = {}
    if flow == "device_code":
        options["out"] = out.stderr
    elif flow == "interactive":
        redirect_uri = args.redirect_uri or account.redirect_uri
        options.update(out=out.stderr, open_browser=not args.no_browser, redirect_host=args.redirect_host,
                       port=args.redirect_port)
        if redirect_uri:  # paste-back only (the loopback listener also accepts a pasted address)
            options.update(redirect_uri=redirect_uri, read_line=_read_pasted_line)
    # A new sign-in, whatever the cache holds (get_token would refresh a live refresh token).
    user = account.user if account.grant == "delegated" else None
    tokens = flows.bounded(flows.get_token(app, flow=flow, scopes=account.scopes, cache=None, user=user, **options))
    cache.put(account.cache_key(), tokens.to_json(), client_id=app.client_id, token_url=account.endpoints().token_url,
              scopes=account.scopes, user=user, flow=flow, lifetime=flows.lifetime_of(tokens), **account.fast_path_meta())
    out.doc.update({"account": account.name, "flow": flow, "expires_at": tokens.expires_at,
                    "refresh_token": tokens.refresh_token is not None, "cache": cache.location})
    out.step(f"signed in ({flow.replace('_', ' ')} flow) for account {account.name!r}", True)
    out.line(f"  expires: {_when(tokens.expires_at)}; refresh token: {'yes' if tokens.refresh_token else 'no'}")
    out.line(f"  cached in: {cache.location}")
    out.line(f"  mail clients now run: mailoauth token --account {account.name} --print access-token")
    return out.finish(True)


def _read_pasted_line() -> str:
    """The pasted address: one line of standard input (the terminal, or a pipe)."""
    return sys.stdin.readline()


# ------------------------------------------------------------------------------------------------
# check


def _explain_failure(out: Output, step: str, e: Error) -> None:
    diagnosis = e.diagnosis
    explanation = e.explanation
    out.step(step, False, str(e), code=e.code, aadsts=e.aadsts, trace_id=e.trace_id, correlation_id=e.correlation_id)
    if diagnosis is not None:
        out.diagnosis(diagnosis)
    elif explanation is not None and explanation.known:
        out.doc["diagnosis"] = {"code": explanation.error or e.code, "cause": explanation.cause, "fix": explanation.fix}
        out.line(f"  cause: {explanation.cause}")
        out.line(f"  fix: {explanation.fix}")
        if explanation.admin_consent_url:
            out.line(f"  admin consent: {explanation.admin_consent_url}")
    if e.trace_id or e.correlation_id:
        out.line(f"  trace id: {e.trace_id or '-'}  correlation id: {e.correlation_id or '-'}")


def _tls_context(args: argparse.Namespace) -> "ssl.SSLContext":
    import ssl

    ctx = ssl.create_default_context(cafile=args.ca_file) if args.ca_file else ssl.create_default_context()
    return ctx


def _same_address(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


def _plain_user(user: Optional[str]) -> Optional[str]:
    """The address in a token's user claim (``live.com#alice@outlook.com`` gives the address)."""
    if not user:
        return None
    return user.rsplit("#", 1)[-1].strip() or None


def cmd_check(args: argparse.Namespace, out: Output) -> int:
    import imaplib
    import poplib
    import smtplib
    import socket
    import ssl

    from mailoauth.mail import imap_login, pop_login, smtp_login

    protocol = args.protocol_name
    out.doc["protocol"] = protocol
    cloud = mailoauth.Cloud(args.cloud) if isinstance(args.cloud, str) else args.cloud
    # 1. The token.
    flow = "token"
    try:
        if args.token is not None or args.token_file is not None:
            token = _read_token(args)
            claims_grant = args.grant
            flow = "given"
            out.step("token given", True)
        else:
            tokens, flow, app, _ = _acquire(args, out, [protocol])
            token = tokens.access_token
            claims_grant = "app" if flow == "client_credentials" else "delegated"
            out.step(f"token acquired ({flow.replace('_', ' ')} flow)", True, f"expires {_when(tokens.expires_at)}")
    except Error as e:
        _explain_failure(out, "token", e)
        return out.finish(False)
    grant = claims_grant if claims_grant != "auto" else mailoauth.guess_grant(token)
    mailbox = args.mailbox or args.user
    if not mailbox:
        raise UsageError("give the mailbox to log in to: --mailbox ADDRESS (or --user for your own)")
    try:
        claims: Optional[mailoauth.TokenClaims] = mailoauth.token_claims(token)
    except Error:
        claims = None  # an opaque token: the lint says so
    personal = cloud.is_personal or bool(claims and claims.tid and mailoauth.is_personal_tenant_id(claims.tid))
    # SMTP with a delegated token: a shared mailbox cannot be the AUTH identity. Log in as the
    # signed-in user and send from the shared address (MAIL FROM and From:), with Send As.
    login_user, sender = mailbox, mailbox
    signed_in = args.user or _plain_user(claims.user if claims else None)
    if protocol == "smtp" and grant == "delegated" and args.mailbox and signed_in and not _same_address(args.mailbox, signed_in):
        login_user, sender = signed_in, args.mailbox
        send_as = mailoauth.send_as_command(sender, login_user)
        out.doc["shared_mailbox"] = {"login_user": login_user, "sender": sender, "send_as_command": send_as}
        out.line(f"i SMTP: a shared mailbox cannot be an SMTP AUTH identity: logging in as {login_user} (the signed-in user), "
                 f"sending from {sender} (MAIL FROM and From:); {login_user} needs Send As on {sender}:")
        out.line(f"  {send_as}")
    ok = True
    # 2. Lint the token (diagnostic decode only).
    lint_user = (login_user if protocol == "smtp" else args.user) if grant == "delegated" else None
    # The lint knows Microsoft's tokens; another provider's are not judged by it.
    findings = (mailoauth.lint_access_token(token, protocol=protocol, grant=grant, now=int(time.time()), user=lint_user,
                                            cloud=args.cloud).findings
                if _provider_of(args) == "microsoft" else [])
    if not findings and _provider_of(args) == "microsoft":
        out.step(f"token fits {protocol.upper()} ({grant})", True)
    for f in findings:
        out.finding(f)
        if f.severity == "error":
            ok = False
    # 3. Connect.
    host, port = (mailoauth.google_mail_server(protocol) if getattr(args, "provider", None) == "google"
                  else cloud.mail_server(protocol))
    host = args.host or host
    if args.port:
        port = args.port
    elif args.plain and not args.host:
        pass
    where = f"{host}:{port}"
    out.doc["server"] = where
    ctx = None if args.plain else _tls_context(args)
    conn: Any = None
    try:
        if protocol == "imap":
            conn = imaplib.IMAP4(host, port, timeout=args.timeout) if ctx is None else imaplib.IMAP4_SSL(host, port, ssl_context=ctx, timeout=args.timeout)
        elif protocol == "pop":
            conn = poplib.POP3(host, port, timeout=args.timeout) if ctx is None else poplib.POP3_SSL(host, port, context=ctx, timeout=args.timeout)
        else:
            conn = smtplib.SMTP(host, port, timeout=args.timeout)
            conn.ehlo()
            if ctx is not None:
                conn.starttls(context=ctx)
                conn.ehlo()
        tls = ""
        sock = getattr(conn, "sock", None)
        if isinstance(sock, ssl.SSLSocket):
            tls = f" ({sock.version()})"
        elif args.plain:
            tls = " (plain TCP, --plain)"
        out.step(f"connected to {where}{tls}", True)
    except (OSError, imaplib.IMAP4.error, poplib.error_proto, smtplib.SMTPException) as e:
        out.step(f"connect to {where}", False, f"{type(e).__name__}: {e}")
        return out.finish(False)
    try:
        # 4. Authenticate.
        mech = args.mechanism
        login_cloud = "consumers" if personal else None
        try:
            if protocol == "imap":
                imap_login(conn, login_user, token, mechanism=mech, host=host, port=port, cloud=login_cloud)
            elif protocol == "pop":
                pop_login(conn, login_user, token, mechanism=mech, host=host, port=port, cloud=login_cloud)
            else:
                smtp_login(conn, login_user, token, mechanism=mech, host=host, port=port, cloud=login_cloud)
            out.step(f"authenticated as {login_user} ({mech.upper()})", True)
        except Error as e:
            _explain_failure(out, "authenticate", e)
            return out.finish(False)
        # 5. Prove access.
        ok = _prove_access(args, out, protocol, conn, sender, personal=personal) and ok
    finally:
        _close(protocol, conn)
    return out.finish(ok)


def _prove_access(args: argparse.Namespace, out: Output, protocol: str, conn: Any, mailbox: str, *, personal: bool = False) -> bool:
    """IMAP LIST, POP STAT, SMTP NOOP (and --send-test-to, from ``mailbox``: the shared address
    when the login is the delegate's)."""
    import imaplib
    import poplib
    import smtplib

    try:
        if protocol == "imap":
            typ, data = conn.list()
            if typ != "OK":
                raise imaplib.IMAP4.error(" ".join(d.decode(errors="replace") for d in data if isinstance(d, bytes)))
            names = [d for d in data if d]
            out.step(f"listed {len(names)} folders", True)
        elif protocol == "pop":
            count, size = conn.stat()
            out.step(f"mailbox holds {count} messages ({size} bytes)", True)
        else:
            code, msg = conn.noop()
            if code != 250:
                raise smtplib.SMTPResponseException(code, msg)
            out.step("NOOP accepted", True)
            if args.send_test_to:
                from email.message import EmailMessage

                m = EmailMessage()
                m["From"] = mailbox
                m["To"] = args.send_test_to
                m["Subject"] = "mailoauth test message"
                m.set_content("This message was sent by 'mailoauth check smtp' to prove that sending works.\n")
                conn.send_message(m, from_addr=mailbox)
                shared = out.doc.get("shared_mailbox")
                out.step(f"test message sent to {args.send_test_to}" + (f" from {mailbox}" if shared else ""), True)
        return True
    except (imaplib.IMAP4.error, poplib.error_proto, smtplib.SMTPException, OSError) as e:
        text = e.args[0].decode(errors="replace") if e.args and isinstance(e.args[0], bytes) else str(e)
        line = text
        if isinstance(e, smtplib.SMTPResponseException):
            err = e.smtp_error.decode(errors="replace") if isinstance(e.smtp_error, bytes) else str(e.smtp_error)
            text = line = f"{e.smtp_code} {err}"
        elif isinstance(e, smtplib.SMTPRecipientsRefused) and e.recipients:
            rcpt, (code, raw) = next(iter(e.recipients.items()))
            err = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
            line = f"{code} {err}"
            text = f"{rcpt} refused: {line}"
        elif protocol == "imap":
            # imaplib says: "LIST command error: BAD [b'User is authenticated but not connected.']"
            found = re.search(r"\b(BAD|NO) \[b['\"](.*)['\"]\]$", text)
            if found:
                text = f"{found.group(1)} {found.group(2)}"
            line = f"A0 {text}"
        elif protocol == "pop" and not text.startswith("-ERR"):
            line = f"-ERR {text}"
        diagnosis = mailoauth.diagnose_reply(protocol, line, personal=personal)
        out.step("prove access", False, text)
        out.diagnosis(diagnosis)
        return False


def _close(protocol: str, conn: Any) -> None:
    try:
        if protocol == "imap":
            conn.logout()
        elif protocol == "pop":
            conn.quit()
        else:
            conn.quit()
    except Exception:  # the verdict is already out; a failing goodbye changes nothing
        try:
            conn.close() if protocol != "imap" else conn.shutdown()
        except Exception:
            pass


# ------------------------------------------------------------------------------------------------
# explain, runbook


def cmd_explain(args: argparse.Namespace, out: Output) -> int:
    text = " ".join(args.what) if args.what != ["-"] else sys.stdin.read()
    text = text.strip()
    if not text:
        raise UsageError("give something to explain: an AADSTS code, an error body, a server reply line or an access token")
    personal = mailoauth.Cloud(args.cloud).is_personal
    # A diagnosis code of the mail-reply catalogue (send_as_denied, tls_required, ...).
    entry = next((d for d in mailoauth.reply_catalogue() if d.code == text.lower()), None)
    if entry is not None:
        if personal:
            entry = mailoauth.personal_account_diagnosis(entry.code) or entry
        out.line(f"mail server diagnosis: {entry.code}")
        out.diagnosis(entry)
        return out.finish(True)
    x = mailoauth.explain_error_text(text)
    if x is not None:
        out.doc["explanation"] = {k: getattr(x, k) for k in (
            "aadsts", "error", "known", "title", "cause", "fix", "remedy", "trace_id", "correlation_id", "admin_consent_url")}
        title = f"AADSTS{x.aadsts}" if x.aadsts else (x.error or "error")
        out.line(f"{title}: {x.title}")
        out.line(f"  cause: {x.cause}")
        out.line(f"  fix: {x.fix}")
        out.line(f"  remedy: {x.remedy.replace('_', ' ')}")
        if x.admin_consent_url:
            out.line(f"  admin consent: {x.admin_consent_url}")
        if x.trace_id or x.correlation_id:
            out.line(f"  trace id: {x.trace_id or '-'}  correlation id: {x.correlation_id or '-'}")
        return out.finish(x.known)
    if text.startswith("eyJ") and text.count(".") == 2:
        protocol = args.protocol or "imap"
        grant = args.grant if args.grant != "auto" else mailoauth.guess_grant(text)
        lint = mailoauth.lint_access_token(text, protocol=protocol, grant=grant, now=int(time.time()), user=args.user, cloud=args.cloud)
        claims = lint.claims
        if claims is not None:
            out.doc["claims"] = {k: getattr(claims, k) for k in ("aud", "iss", "tid", "appid", "user", "scp", "roles", "exp")}
            out.line(f"access token ({grant}) for {protocol.upper()}:")
            out.line(f"  audience: {' '.join(claims.aud) or '-'}")
            out.line(f"  user: {claims.user or '-'}   app: {claims.appid or '-'}   tenant: {claims.tid or '-'}")
            out.line(f"  scopes: {' '.join(claims.scp) or '-'}   roles: {' '.join(claims.roles) or '-'}")
            out.line(f"  expires: {_when(claims.exp)}")
        out.doc["findings"] = [{"code": f.code, "severity": f.severity, "message": f.message, "fix": f.fix} for f in lint.findings]
        for f in lint.findings:
            out.finding(f)
        if not lint.findings:
            out.step("the token looks right for this login", True)
        return out.finish(not any(f.severity == "error" for f in lint.findings))
    protocols = [args.protocol] if args.protocol else ["imap", "pop", "smtp"]
    for p in protocols:
        d = mailoauth.diagnose_reply(p, text, personal=personal)
        if d is not None:
            out.doc["protocol"] = p
            out.line(f"{p.upper()} reply: {d.code}")
            out.diagnosis(d)
            return out.finish(True)
    out.line("nothing known about this: not an Entra error, an access token, or a server reply in the catalogue")
    return out.finish(False)


def cmd_runbook(args: argparse.Namespace, out: Output) -> int:
    client_id = _resolve_client_id(args.app, out)
    rb = mailoauth.build_runbook(
        tenant=args.tenant, client_id=client_id, service_principal_object_id=args.object_id,
        display_name=args.display_name, mailboxes=args.mailbox or [], protocols=args.protocol or [],
        cloud=args.cloud, send_as=args.send_as, variant=args.variant,
    )
    out.doc["variant"] = args.variant
    out.doc["consent_url"] = rb.consent_url
    out.doc["steps"] = [{"title": s.title, "explanation": s.explanation, "commands": s.commands} for s in rb.steps]
    if not out.as_json:
        print(rb.to_text(), end="", file=out.stdout)
    return out.finish(True)


# ------------------------------------------------------------------------------------------------
# Parser


def _formatter() -> "type[argparse.RawDescriptionHelpFormatter]":
    import argparse

    return argparse.RawDescriptionHelpFormatter


def _common() -> argparse.ArgumentParser:
    import argparse

    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    return p


def build_parser() -> argparse.ArgumentParser:
    import argparse

    _Formatter = _formatter()
    common = _common()
    parser = argparse.ArgumentParser(
        prog=PROG,
        formatter_class=_Formatter,
        parents=[common],
        description="OAuth 2.0 for IMAP, POP and SMTP (Microsoft Exchange Online first): admin "
        "consent links, tokens, SASL strings, login checks with a diagnosis of every failure.",
        epilog="examples:\n"
        "  mailoauth consent-url --tenant contoso.onmicrosoft.com --app thunderbird\n"
        "  mailoauth token --app 6731de76-14a6-49ae-97bc-6eba6914391e --flow device\n"
        "  mailoauth check imap --app 6731de76-14a6-49ae-97bc-6eba6914391e --user alice@contoso.com\n"
        "  mailoauth explain AADSTS7000215\n"
        "  mailoauth explain --protocol smtp '550 5.7.60 SMTP; Client does not have permissions to send as this sender'\n"
        "  mailoauth runbook --tenant contoso.onmicrosoft.com --app 6731de76-... --variant rbac --mailbox info@contoso.com\n"
        "  mailoauth xoauth2 --user alice@contoso.com --token -\n"
        "run 'mailoauth COMMAND --help' for a command's options and examples",
    )
    parser.add_argument("--version", action="version", version=f"mailoauth {mailoauth.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def command(name: str, help: str, examples: str, func: Callable[[argparse.Namespace, Output], int]) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help,
            description=help,
            parents=[common],
            formatter_class=_Formatter,
            epilog="examples:\n" + examples,
        )
        p.set_defaults(func=func)
        return p

    p = command(
        "consent-url",
        "print the admin-consent link for a tenant and an app",
        "  mailoauth consent-url --tenant contoso.onmicrosoft.com --app thunderbird\n"
        "  mailoauth consent-url --tenant 11111111-2222-3333-4444-555555555555 \\\n"
        "      --app aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee --protocol imap --protocol smtp \\\n"
        "      --redirect-uri https://localhost\n"
        "  mailoauth consent-url --tenant contoso.com --app thunderbird --variant legacy --cloud usgov",
        cmd_consent_url,
    )
    p.add_argument("--tenant", required=True, help="tenant id (GUID) or domain, or organizations")
    p.add_argument("--app", "--client-id", dest="app", required=True, metavar="APP",
                   help="a well-known app (thunderbird, apple-mail, gmail-app) or an application (client) id")
    p.add_argument("--cloud", default="global", help=CLOUD_HELP + " (consumers has no administrator to consent: refused)")
    p.add_argument("--variant", default="v2", choices=["v2", "legacy"], help="v2 (default: /v2.0/adminconsent) or legacy (/oauth2/authorize?prompt=admin_consent)")
    p.add_argument("--protocol", action="append", choices=["imap", "pop", "smtp"],
                   help="app-only protocols to consent for (repeatable; default imap and pop)")
    p.add_argument("--scope", help="consent scope, overriding --protocol (v2 only)")
    p.add_argument("--redirect-uri", help="where Entra sends the admin afterwards (must be registered on the app)")
    p.add_argument("--state", help="opaque value echoed back in the redirect")

    p = command(
        "xoauth2",
        "print the SASL XOAUTH2 string (base64) for a mailbox and an access token",
        "  mailoauth xoauth2 --user alice@contoso.com --token-file token.txt\n"
        "  printf '%s\\n' \"$TOKEN\" | mailoauth xoauth2 --user shared@contoso.com --token -",
        cmd_xoauth2,
    )
    p.add_argument("--user", required=True, help="the mailbox to log in to (shared or target mailbox too)")
    _add_token_source(p)

    p = command(
        "oauthbearer",
        "print the SASL OAUTHBEARER string (RFC 7628, base64)",
        "  mailoauth oauthbearer --user alice@example.com --host imap.example.com --port 993 --token -",
        cmd_oauthbearer,
    )
    p.add_argument("--user", required=True, help="the mailbox to log in to")
    p.add_argument("--host", help="the server's host name (optional host= field)")
    p.add_argument("--port", type=int, help="the server's port (optional port= field)")
    _add_token_source(p)

    p = command(
        "token",
        "acquire a token with the chosen flow and cache it; prints expiry and scopes (the token only with --show-token)",
        "  mailoauth token --app 6731de76-14a6-49ae-97bc-6eba6914391e --flow interactive --user alice@contoso.com\n"
        "  mailoauth token --app 6731de76-... --flow device --protocol imap --protocol smtp\n"
        "  MAILOAUTH_CLIENT_SECRET=... mailoauth token --app 6731de76-... --tenant contoso.onmicrosoft.com\n"
        "  mailoauth token --app 6731de76-... --tenant contoso.onmicrosoft.com --certificate app.pem --json\n"
        "  mailoauth token --app 6731de76-... --cloud consumers --flow device --protocol smtp   # Outlook.com\n"
        "  mailoauth token --account work --print access-token          # for msmtp's passwordeval, mbsync's PassCmd\n"
        "  mailoauth token --account work --print xoauth2               # the SASL string\n"
        "app-only (a secret or certificate, or --flow client-credentials) needs --tenant <tenant id or verified domain>:\n"
        "organizations would give a token for a guessed tenant, and common and consumers are refused.\n"
        "with --account: stdout holds only the value; exit status 0 success, 2 usage, 3 sign-in needed (no token\n"
        "cached, or the refresh token is dead: run 'mailoauth account login NAME'), 4 temporary failure (network,\n"
        "429, 5xx: the cached sign-in is kept; try again), 5 configuration error (file, line and fix on stderr).",
        cmd_token,
    )
    _add_app_options(p, protocols=True)
    p.add_argument("--show-token", action="store_true", help="also print the access token")
    h = p.add_argument_group("credential helper (for msmtp, mbsync, neomutt, fetchmail...)")
    h.add_argument("--account", metavar="NAME", help="take the settings of account NAME from the accounts file; never prompts")
    h.add_argument("--print", choices=PRINT_CHOICES, help="print only this on stdout (default with --account: access-token)")
    h.add_argument("--config", metavar="FILE", help="the accounts file (default: $MAILOAUTH_CONFIG or ~/.config/mailoauth/accounts.toml)")

    from mailoauth.relay.cli import add_command as add_relay_command

    add_relay_command(command, common, _Formatter)

    p = command(
        "account",
        "named accounts in the accounts file: add, list, show, remove, login (sign in once)",
        "  mailoauth account add work --app 9e5f94bc-e8a4-4e73-b8be-63364c29d753 --user alice@contoso.com --protocol imap --protocol smtp\n"
        "  mailoauth account login work                        # once: browser (device code over SSH)\n"
        "  mailoauth account login work --redirect-uri https://localhost   # paste the final address back\n"
        "  mailoauth account add archiver --app 6731de76-... --tenant contoso.onmicrosoft.com --client-secret-env ARCHIVER_SECRET --mailbox archive@contoso.com\n"
        "  mailoauth account list\n"
        "  mailoauth account show work\n"
        "  mailoauth account remove work\n"
        "the file: $MAILOAUTH_CONFIG or $XDG_CONFIG_HOME/mailoauth/accounts.toml (--config FILE); it says where secrets\n"
        "are (an environment variable, a file, a certificate), never a secret. Then mail clients run\n"
        "  mailoauth token --account work --print access-token",
        cmd_account,
    )
    asub = p.add_subparsers(dest="account_command", metavar="ACTION")
    asub.required = True

    def action(name: str, help: str) -> argparse.ArgumentParser:
        a = asub.add_parser(name, help=help, description=help, parents=[common], formatter_class=_Formatter)
        a.add_argument("--config", metavar="FILE", help="the accounts file (default: $MAILOAUTH_CONFIG or ~/.config/mailoauth/accounts.toml)")
        return a

    a = action("add", "add an account (appended to the file; comments and other accounts stay)")
    a.add_argument("name", help="the account's name (letters, digits, . _ @ -)")
    a.add_argument("--app", "--client-id", dest="app", required=True, metavar="APP", help="application (client) id, or a well-known app name")
    a.add_argument("--tenant", help="tenant id or verified domain (required for app-only)")
    a.add_argument("--cloud", default="global", help=CLOUD_HELP)
    a.add_argument("--flow", choices=["interactive", "device", "client-credentials"], help="default: client-credentials with a secret or certificate, else interactive")
    a.add_argument("--user", help="the signed-in user's address (delegated)")
    a.add_argument("--mailbox", help="the mailbox to log in to (app-only; default --user)")
    a.add_argument("--protocol", action="append", choices=["imap", "pop", "smtp"], help="repeatable (default imap and smtp)")
    a.add_argument("--scope", action="append", help="explicit scope (repeatable), overriding --protocol")
    a.add_argument("--client-secret-env", metavar="VAR", help="the client secret is in $VAR (the name is stored, not the secret)")
    a.add_argument("--client-secret-file", metavar="FILE", help="the client secret is in FILE")
    a.add_argument("--client-secret", help=argparse.SUPPRESS)
    a.add_argument("--certificate", metavar="PEM", help="certificate (PEM) for a client assertion")
    a.add_argument("--private-key", metavar="PEM", help="its private key (PEM), when in its own file")
    a.add_argument("--assertion-alg", choices=["PS256", "RS256"], help="signature algorithm of the certificate's assertion "
                   "(default PS256; RS256 for AD FS)")
    a.add_argument("--x5t", action="store_true", help="also name the certificate by its SHA-1 thumbprint x5t in the assertion header, beside x5t#S256 "
                   "(AD FS reads only x5t; use with --assertion-alg RS256)")
    a.add_argument("--redirect-uri", metavar="URI", help="a registered redirect URI for a paste-back sign-in (e.g. https://localhost)")
    a.add_argument("--token-url", help="custom token endpoint (any OAuth 2.0 server)")
    a.add_argument("--authorize-url", help="custom authorize endpoint")
    a.add_argument("--device-url", help="custom device authorization endpoint")
    a.add_argument("--issuer", help="the server's issuer: its endpoints are discovered (RFC 8414 / OpenID Connect) "
                   "unless --token-url is given")
    a.add_argument("--provider", choices=["microsoft", "google"], help="microsoft (default) or google (Gmail)")
    a.add_argument("--client-auth", choices=["client_secret_post", "client_secret_basic", "private_key_jwt", "none"],
                   help="how the client authenticates at the token endpoint")
    a.add_argument("--cache", metavar="FILE", help="token cache file for this account")
    action("list", "list the accounts")
    a = action("show", "show an account's settings and its cached token's state (never a secret)")
    a.add_argument("name")
    a = action("remove", "remove an account (and its cached tokens)")
    a.add_argument("name")
    a.add_argument("--keep-tokens", action="store_true", help="leave its cached tokens in the cache")
    a = action("login", "sign in once (browser, device code, or paste-back with --redirect-uri) and cache the tokens")
    a.add_argument("name")
    a.add_argument("--device", action="store_true", help="use the device code flow")
    a.add_argument("--no-browser", action="store_true", help="print the sign-in URL instead of opening a browser")
    a.add_argument("--redirect-uri", metavar="URI", help="any registered redirect URI: paste the address the browser ends on")
    a.add_argument("--redirect-host", default="127.0.0.1", choices=["127.0.0.1", "localhost"], help="host of the loopback redirect URI")
    a.add_argument("--redirect-port", type=int, default=0, help="port of the loopback listener (default: any free port)")

    p = command(
        "connect",
        "log in to IMAP or POP3 with an account's token and relay the session on stdin/stdout (a plugin for clients without OAuth, e.g. fetchmail 6.4)",
        "  mailoauth connect imap --account work                      # imaps to the cloud's server, port 993\n"
        "  mailoauth connect pop --account work --host %h --port %p    # fetchmail: plugin \"mailoauth connect pop --account work --host %h --port %p\"\n"
        "the client sees a logged-in session: IMAP greets with '* PREAUTH', POP3 with '+OK' (tell fetchmail 'auth ssh').\n"
        "exit status as token --account: 3 sign-in needed, 4 temporary failure, 5 configuration error; 1 login refused.",
        cmd_connect,
    )
    p.add_argument("protocol_name", choices=["imap", "pop"], metavar="{imap,pop}", help="the protocol")
    p.add_argument("--account", required=True, metavar="NAME", help="the account (accounts file)")
    p.add_argument("--config", metavar="FILE", help="the accounts file")
    p.add_argument("--cache", metavar="FILE", help=argparse.SUPPRESS)
    p.add_argument("--force", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--host", help="server host (default: the cloud's)")
    p.add_argument("--port", type=int, help="server port (default 993 / 995)")
    p.add_argument("--plain", action="store_true", help="plain TCP without TLS (local tests only)")
    p.add_argument("--mechanism", default="XOAUTH2", choices=["XOAUTH2", "OAUTHBEARER", "xoauth2", "oauthbearer"], help="SASL mechanism (default XOAUTH2)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to connect and log in (default 30)")

    p = command(
        "check",
        "acquire (or reuse) a token, lint it, connect, authenticate and prove access, step by step",
        "  mailoauth check imap --app 6731de76-... --user alice@contoso.com\n"
        "  mailoauth check imap --app 6731de76-... --user alice@contoso.com --mailbox shared@contoso.com\n"
        "  MAILOAUTH_CLIENT_SECRET=... mailoauth check pop --app 6731de76-... --tenant contoso.onmicrosoft.com --mailbox archive@contoso.com\n"
        "  mailoauth check smtp --token-file token.txt --mailbox alice@contoso.com --send-test-to alice@contoso.com\n"
        "  mailoauth check smtp --app 6731de76-... --user alice@contoso.com --mailbox info@contoso.com --send-test-to bob@contoso.com\n"
        "  mailoauth check imap --token - --mailbox u@example.test --host 127.0.0.1 --port 1143 --plain\n"
        "SMTP and a shared mailbox (delegated): a shared mailbox cannot be an SMTP AUTH identity, so the check logs\n"
        "in as the signed-in user (--user, or the token's user) and sends --send-test-to from the shared address\n"
        "(MAIL FROM and From:), which needs Send As (the Add-RecipientPermission line is printed). IMAP and POP log\n"
        "in as the shared mailbox. App-only logs in as --mailbox with every protocol.",
        cmd_check,
    )
    p.add_argument("protocol_name", choices=["imap", "pop", "smtp"], metavar="{imap,pop,smtp}", help="the protocol to check")
    _add_app_options(p, protocols=False)
    g = p.add_argument_group("server and mailbox")
    g.add_argument("--mailbox", help="the mailbox to open: a shared mailbox (delegated; for SMTP the sender, see below) or the target mailbox (app-only); default --user")
    g.add_argument("--host", help="server host (default: the cloud's)")
    g.add_argument("--port", type=int, help="server port (default 993 / 995 / 587)")
    g.add_argument("--plain", action="store_true", help="plain TCP without TLS (local tests only)")
    g.add_argument("--ca-file", metavar="PEM", help="trust this CA (a test server's certificate)")
    g.add_argument("--mechanism", default="XOAUTH2", choices=["XOAUTH2", "OAUTHBEARER", "xoauth2", "oauthbearer"], help="SASL mechanism (default XOAUTH2)")
    g.add_argument("--timeout", type=float, default=30.0, help="seconds per network operation (default 30)")
    g.add_argument("--send-test-to", metavar="ADDRESS", help="SMTP: also send a test message to ADDRESS")
    g.add_argument("--grant", default="auto", choices=["auto", "delegated", "app"], help="with --token: what kind of token it is (default: from its claims)")
    _add_token_source(p)

    p = command(
        "explain",
        "explain an AADSTS code, an error body, a server reply line, or lint an access token",
        "  mailoauth explain AADSTS7000215\n"
        "  mailoauth explain '{\"error\":\"invalid_grant\",\"error_description\":\"AADSTS700082: ...\"}'\n"
        "  mailoauth explain --protocol smtp '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.'\n"
        "  mailoauth explain --protocol smtp '550 5.7.60 SMTP; Client does not have permissions to send as this sender'\n"
        "  mailoauth explain --cloud consumers --protocol smtp '535 5.7.139 ... SmtpClientAuthentication is disabled for the Mailbox.'\n"
        "  mailoauth explain send_as_denied\n"
        "  mailoauth explain --protocol imap --user alice@contoso.com - < token.txt",
        cmd_explain,
    )
    p.add_argument("what", nargs="+", help="the code (AADSTS or a mail diagnosis such as send_as_denied), body, reply line or token (- reads stdin)")
    p.add_argument("--protocol", choices=["imap", "pop", "smtp"], help="the protocol of a reply line or token (default: any / imap)")
    p.add_argument("--grant", default="auto", choices=["auto", "delegated", "app"], help="for a token: delegated or app (default: from its claims)")
    p.add_argument("--user", help="for a delegated token: the address that will log in")
    p.add_argument("--cloud", default="global", help=CLOUD_HELP + " (the accepted token audiences; consumers: the fixes for personal accounts)")

    p = command(
        "runbook",
        "print the filled-in Exchange Online admin steps for app-only access",
        "  mailoauth runbook --tenant contoso.onmicrosoft.com --app 6731de76-14a6-49ae-97bc-6eba6914391e \\\n"
        "      --object-id 11111111-2222-3333-4444-555555555555 --mailbox archive@contoso.com --protocol imap\n"
        "  mailoauth runbook --tenant contoso.onmicrosoft.com --app 6731de76-... --variant rbac --mailbox info@contoso.com\n"
        "  mailoauth runbook --tenant contoso.onmicrosoft.com --app 6731de76-... --variant hve --mailbox alerts@contoso.com\n"
        "variants (SMTP may use any; IMAP and POP only mailbox-permission):\n"
        "  mailbox-permission  Entra application permissions + admin consent, New-ServicePrincipal, Add-MailboxPermission\n"
        "                      (and Add-RecipientPermission SendAs to send)\n"
        "  rbac                App RBAC for SMTP: no Entra permission, New-ManagementScope + New-ManagementRoleAssignment\n"
        "                      -Role 'Application SMTP.SendAsApp' (tokens lack SMTP.SendAsApp: the lint only warns)\n"
        "  hve                 High Volume Email: Entra Mail.Send, Add-HVEAppAccess, host smtp.hve.mx.microsoft,\n"
        "                      internal recipients only",
        cmd_runbook,
    )
    p.add_argument("--tenant", required=True, help="tenant id or verified domain")
    p.add_argument("--app", "--client-id", dest="app", required=True, metavar="APP", help="application (client) id")
    p.add_argument("--object-id", help="the ENTERPRISE APPLICATION's object id (not the app registration's)")
    p.add_argument("--display-name", help="a display name for the service principal")
    p.add_argument("--mailbox", action="append", help="a mailbox the app may open (repeatable)")
    p.add_argument("--protocol", action="append", choices=["imap", "pop", "smtp"],
                   help="protocols the app uses (repeatable; default imap and pop; smtp for --variant rbac and hve)")
    p.add_argument("--cloud", default="global", help=CLOUD_HELP + " (consumers has no app-only access: refused)")
    p.add_argument("--send-as", action="store_true", help="the app also sends as the mailboxes")
    p.add_argument("--variant", default="mailbox-permission", choices=mailoauth.runbook_variants(),
                   help="how the app is authorised: mailbox-permission (default), rbac (App RBAC, SMTP only) or hve (High Volume Email, SMTP only)")

    return parser


def _helper_args(argv: list[str]) -> Optional[Any]:
    """``token --account NAME [--print WHAT] [--config FILE]`` (in any order, ``--opt=value``
    too) as the namespace ``cmd_token_account`` reads, or ``None`` for anything else (argparse
    then parses it, with its usage errors and help). Building the whole parser costs more than
    the rest of a cached helper call."""
    from mailoauth._fast import parse_helper_args

    values = parse_helper_args(argv)
    if values is None:
        return None
    from types import SimpleNamespace

    return SimpleNamespace(
        account=values["account"], print=values["print"], config=values["config"], cache=None, force=False,
        app=None, tenant=None, token_url=None, scope=None, protocol=None, user=None, client_secret_env=None,
        client_secret_file=None, certificate=None, no_cache=False, show_token=False, debug=False, redirect_uri=None,
    )


def main(argv: Optional[Sequence[str]] = None, *, stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None) -> int:
    """Runs the command line; returns the exit code."""
    stdout = stdout if stdout is not None else sys.stdout
    stderr = stderr if stderr is not None else sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    from mailoauth import _fast

    served = _fast.serve(argv, stdout)  # a cached token, recorded for this very accounts file
    if served is not None:
        return served
    fast = _helper_args(argv)
    if fast is not None:  # the credential helper, called on every connection: no argparse
        return cmd_token_account(fast, Output(as_json=False, stdout=stdout, stderr=stderr))  # type: ignore[arg-type]
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version, usage errors
        return int(e.code) if isinstance(e.code, int) else 2
    debug = bool(getattr(args, "debug", False))
    as_json = bool(getattr(args, "json", False))
    out = Output(as_json=as_json, stdout=stdout, stderr=stderr)

    def fail(code: str, message: str, exit_code: int = 1, **extra: Any) -> int:
        if debug:
            import traceback

            traceback.print_exc(file=stderr)
        if as_json:
            err = {"code": code, "message": message, **{k: v for k, v in extra.items() if v is not None}}
            json.dump({"ok": False, **out.doc, **({"steps": out.steps} if out.steps else {}), "error": err}, stdout, indent=2)
            print(file=stdout)
        else:
            print(f"{PROG}: error: {message}" + (f" [{code}]" if code else ""), file=stderr)
        return exit_code

    try:
        result: int = args.func(args, out)
        return result
    except KeyboardInterrupt:
        if not as_json:
            print(file=stderr)
        return fail("cancelled", "cancelled", 130)
    except UsageError as e:
        return fail("usage", str(e), 2)
    except Exception as e:
        from mailoauth.accounts import ConfigError

        if isinstance(e, HelperExit):
            print(f"{PROG}: {e}", file=stderr)
            return e.status
        if isinstance(e, ConfigError):
            if not as_json:
                print(f"{PROG}: configuration error: {e}", file=stderr)
                return 5
            return fail("config", str(e), 5, file=str(e.path) if e.path else None, line=e.line, fix=e.fix or None)
        if not isinstance(e, (Error, BrokenPipeError, OSError)):
            raise
        return _fail_other(e, fail)


def _fail_other(e: BaseException, fail: Callable[..., int]) -> int:
    if isinstance(e, Error):
        return fail(e.code, str(e), 1, aadsts=e.aadsts, trace_id=e.trace_id, correlation_id=e.correlation_id)
    if isinstance(e, BrokenPipeError):
        return 1
    assert isinstance(e, OSError)
    return fail("os_error", f"{e.strerror or e}" + (f": {e.filename}" if e.filename else ""), 1)
