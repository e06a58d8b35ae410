"""``mailoauth relay run | check | hash-password``: the command line of the relay.

Exit statuses: 0 success, 1 ``check`` found a problem (an account without a token, an upstream
refusal), 2 usage error, 5 configuration error (file, line and fix on stderr).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from pathlib import Path
from typing import Any, Callable, TextIO

EXAMPLES = (
    "  mailoauth relay hash-password                       # prompts twice, prints scrypt$...\n"
    "  printf '%s\\n' \"$PW\" | mailoauth relay hash-password --stdin\n"
    "  mailoauth relay check --config /etc/mailoauth/relay.toml   # validate, then log in upstream once per account\n"
    "  mailoauth relay run --config /etc/mailoauth/relay.toml     # serve until SIGTERM\n"
    "the configuration (TOML) is documented in bindings-python/examples/relay.toml; accounts come from the\n"
    "accounts file (mailoauth account add / login)."
)


def add_command(command: Callable[..., argparse.ArgumentParser], common: argparse.ArgumentParser,
                formatter: type[argparse.HelpFormatter]) -> None:
    """Adds ``relay`` to the main parser (``command`` is the main parser's factory)."""
    p = command("relay", "a local IMAP/POP3/SMTP relay: clients log in with a password, the relay uses OAuth upstream",
                EXAMPLES, cmd_relay)
    sub = p.add_subparsers(dest="relay_command", metavar="ACTION")
    sub.required = True

    def action(name: str, help: str) -> argparse.ArgumentParser:
        a = sub.add_parser(name, help=help, description=help, parents=[common], formatter_class=formatter)
        return a

    a = action("run", "serve until SIGTERM or Ctrl-C (clean shutdown: clients not logged in get a goodbye)")
    a.add_argument("--config", required=True, metavar="FILE", help="the relay configuration (TOML)")
    a.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"], help="default info")
    a = action("check", "validate the configuration and log in upstream once per account and protocol")
    a.add_argument("--config", required=True, metavar="FILE", help="the relay configuration (TOML)")
    a = action("hash-password", "print the scrypt hash of a local password for password_hash (reads it without echo)")
    a.add_argument("--stdin", action="store_true", help="read the password from the first line of stdin")


def cmd_relay(args: argparse.Namespace, out: Any) -> int:
    """Dispatches ``relay ACTION``."""
    stdout: TextIO = out.stdout
    stderr: TextIO = out.stderr
    if args.relay_command == "hash-password":
        return hash_password(args, stdout, stderr)
    from mailoauth.relay import config as cfg

    conf = cfg.load(Path(args.config).expanduser())
    if args.relay_command == "check":
        import asyncio

        return asyncio.run(check(conf, stdout))
    from mailoauth.relay import server

    handler = logging.StreamHandler(stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s mailoauth relay: %(levelname)s %(message)s"))
    logger = logging.getLogger("mailoauth.relay")
    logger.addHandler(handler)
    logger.setLevel(args.log_level.upper())
    logger.propagate = False
    try:
        return server.run(conf)
    finally:
        logger.removeHandler(handler)


def hash_password(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """``relay hash-password``."""
    from mailoauth.relay.config import hash_password as make

    if args.stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("local password: ", stream=stderr)
        if getpass.getpass("again: ", stream=stderr) != password:
            print("mailoauth: the two passwords differ", file=stderr)
            return 2
    if len(password) < 8:
        print("mailoauth: the password is shorter than 8 characters: choose a longer local password", file=stderr)
        return 2
    print(make(password), file=stdout)
    return 0


async def check(conf: Any, stdout: TextIO) -> int:
    """``relay check``: the file is valid (already), the TLS certificate loads, and every
    account logs in upstream once per listener's upstream. Prints one line per check."""
    import ssl

    from mailoauth._native import AuthenticationError, Error
    from mailoauth.relay import server, upstream

    relay = server.Relay(conf)
    failed = 0
    print(f"configuration {conf.path}: {len(conf.listeners)} listener(s), {len(conf.users)} user(s)", file=stdout)
    try:
        if relay.server_tls() is not None:
            print(f"ok    TLS certificate {conf.certificate}", file=stdout)
    except (OSError, ssl.SSLError) as e:
        print(f"FAIL  TLS certificate {conf.certificate}: {e}", file=stdout)
        failed += 1
    done: set[tuple[str, str, str, int]] = set()
    for user in conf.users.values():
        for li in conf.listeners:
            key = (user.account, li.protocol, li.upstream_host, li.upstream_port)
            if key in done:
                continue
            done.add(key)
            what = f"user {user.name!r} (account {user.account!r}) {li.protocol} {li.upstream_host}:{li.upstream_port}"
            try:
                login_name, token = await relay.tokens.get(user.account)
            except server.TokenProblem as e:
                print(f"FAIL  {what}: no token [{e.refusal.code}]: {e.refusal.detail}", file=stdout)
                failed += 1
                continue
            try:
                conn = await upstream.connect(li.protocol, li.upstream_host, li.upstream_port, li.upstream_tls,
                                              hostname=conf.hostname, timeout=conf.upstream_timeout,
                                              context=relay._upstream_tls)
            except upstream.UpstreamError as e:
                print(f"FAIL  {what}: {e}", file=stdout)
                failed += 1
                continue
            try:
                await upstream.login(conn, login_name, token, timeout=conf.upstream_timeout)
                print(f"ok    {what}: logged in as {login_name}", file=stdout)
            except AuthenticationError as e:
                d = e.diagnosis
                print(f"FAIL  {what}: {e}" + (f"\n      cause: {d.cause}\n      fix: {d.fix}" if d else ""), file=stdout)
                failed += 1
            except (upstream.UpstreamError, Error) as e:
                print(f"FAIL  {what}: {e}", file=stdout)
                failed += 1
            finally:
                conn.close()
    print("relay check: " + ("all good" if not failed else f"{failed} problem(s)"), file=stdout)
    return 0 if not failed else 1
