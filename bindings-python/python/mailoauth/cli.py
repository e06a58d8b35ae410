"""The admin's command line: ``python -m mailoauth`` (also installed as ``mailoauth``).

Every command has ``--help`` with examples, ``--json`` for machine-readable output and ``--debug``
for a traceback. Errors are one line on stderr. Exit codes: 0 success, 1 failure (a check step
failed, the server refused, a bad value), 2 usage error, 130 cancelled (Ctrl-C).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from typing import Any, Callable, Optional, Sequence, TextIO

import mailoauth
from mailoauth._native import Error

PROG = "mailoauth"

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
        ascii_only = (getattr(stdout, "encoding", None) or "").lower() not in ("utf-8", "utf8")
        self.ok_mark = "OK" if ascii_only else "✓"
        self.fail_mark = "FAIL" if ascii_only else "✗"

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


def _resolve_client_id(value: str, out: Output) -> str:
    """A well-known app name (``thunderbird``) or a client id; warns on retired ids."""
    app = mailoauth.lookup_app(value)
    client_id = app.client_id if app is not None else mailoauth.validate_client_id(value)
    replacement = mailoauth.replacement_for(client_id)
    if replacement is not None and app is not None:
        out.warn(
            f"{client_id} is a retired app id ({app.display_name}): {app.note}; "
            f"use --app {replacement.name}"
        )
    return client_id


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
# Parser


class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


def _common() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    return p


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog=PROG,
        formatter_class=_Formatter,
        parents=[common],
        description="OAuth 2.0 for IMAP, POP and SMTP (Microsoft Exchange Online first): admin "
        "consent links, tokens, SASL strings, login checks with a diagnosis of every failure.",
        epilog="examples:\n"
        "  mailoauth consent-url --tenant contoso.onmicrosoft.com --app thunderbird\n"
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
    p.add_argument("--cloud", default="global", help="global (default), usgov, usgov-dod or china")
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

    return parser


def main(argv: Optional[Sequence[str]] = None, *, stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None) -> int:
    """Runs the command line; returns the exit code."""
    stdout = stdout if stdout is not None else sys.stdout
    stderr = stderr if stderr is not None else sys.stderr
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
    except Error as e:
        return fail(e.code, str(e), 1, aadsts=e.aadsts, trace_id=e.trace_id, correlation_id=e.correlation_id)
    except BrokenPipeError:
        return 1
    except OSError as e:
        return fail("os_error", f"{e.strerror or e}" + (f": {e.filename}" if e.filename else ""), 1)
