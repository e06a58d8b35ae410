"""`mailoauth connect imap|pop --account NAME`: logs in with the account's token, then relays the
session (fetchmail's plugin), against scripted servers on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mailoauth
from servers import LineServer
from test_helper import USER, Setup

TOKEN = "AT-cached"
B64 = mailoauth.xoauth2(USER, TOKEN)


def connect(s: Setup, protocol: str, port: int, stdin: bytes, *extra: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "mailoauth", "connect", protocol, "--account", "t", "--host", "127.0.0.1",
                           "--port", str(port), "--plain", *extra], input=stdin, capture_output=True, timeout=60, env=s.env)


def test_imap_logs_in_then_relays_with_a_preauth_greeting(tmp_path: Path) -> None:
    s = Setup(tmp_path, None, token_url="http://127.0.0.1:9/token")
    s.seed(TOKEN, expires_in=3600)
    script = [
        ("S", "* OK IMAP4rev1 ready\r\n"),
        ("C", "M0 CAPABILITY\r\n"),
        ("S", "* CAPABILITY IMAP4rev1 AUTH=XOAUTH2 SASL-IR\r\nM0 OK done\r\n"),
        ("C", f"M1 AUTHENTICATE XOAUTH2 {B64}\r\n"),
        ("S", "M1 OK authenticated\r\n"),
        ("C", "a NOOP\r\n"),
        ("S", "a OK NOOP completed\r\n"),
        ("C", "b LOGOUT\r\n"),
        ("S", "* BYE\r\nb OK bye\r\n"),
        ("CLOSE", None),
    ]
    with LineServer(script) as srv:
        r = connect(s, "imap", srv.port, b"a NOOP\r\nb LOGOUT\r\n")
    assert srv.errors == []
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"* PREAUTH [mailoauth] logged in as {USER} (XOAUTH2)\r\na OK NOOP completed\r\n* BYE\r\nb OK bye\r\n".encode()
    assert TOKEN.encode() not in r.stderr and B64.encode() not in r.stderr


def test_pop_logs_in_then_relays(tmp_path: Path) -> None:
    s = Setup(tmp_path, None, token_url="http://127.0.0.1:9/token")
    s.seed(TOKEN, expires_in=3600)
    script = [
        ("S", "+OK POP3 ready\r\n"),
        ("C", "AUTH XOAUTH2\r\n"),
        ("S", "+ \r\n"),
        ("C", f"{B64}\r\n"),
        ("S", "+OK authenticated\r\n"),
        ("C", "STAT\r\n"),
        ("S", "+OK 2 320\r\n"),
        ("CLOSE", None),
    ]
    with LineServer(script) as srv:
        r = connect(s, "pop", srv.port, b"STAT\r\n")
    assert srv.errors == []
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"+OK [mailoauth] logged in as {USER} (XOAUTH2)\r\n+OK 2 320\r\n".encode()


def test_a_refused_login_exits_1_and_a_missing_sign_in_exits_3(tmp_path: Path) -> None:
    s = Setup(tmp_path, None, token_url="http://127.0.0.1:9/token")
    r = connect(s, "imap", 9, b"")
    assert r.returncode == 3 and b"mailoauth account login t" in r.stderr and r.stdout == b""
    s.seed(TOKEN, expires_in=3600)
    script = [
        ("S", "* OK ready\r\n"),
        ("C", "M0 CAPABILITY\r\n"),
        ("S", "* CAPABILITY IMAP4rev1 AUTH=XOAUTH2 SASL-IR\r\nM0 OK done\r\n"),
        ("C", None),
        ("S", "M1 NO [AUTHENTICATIONFAILED] AUTHENTICATE failed.\r\n"),
        ("CLOSE", None),
    ]
    with LineServer(script) as srv:
        r = connect(s, "imap", srv.port, b"")
    assert r.returncode == 1 and b"refused the login" in r.stderr and r.stdout == b""
