"""smtplib's debug output (set_debuglevel 1 and 2) never shows the SASL blob (the token)."""

from __future__ import annotations

import smtplib

import pytest

import mailoauth
from mailoauth.mail import redact_auth_line, smtp_login
from servers import LineServer

USER = "someuser@example.com"
TOKEN = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"
B64 = mailoauth.xoauth2(USER, TOKEN)


def greeting(mechs: str = "XOAUTH2 OAUTHBEARER") -> list[tuple[str, object]]:
    return [
        ("S", "220 mail.example.com ESMTP\r\n"),
        ("C", lambda l: l.startswith("ehlo ")),
        ("S", f"250-mail.example.com\r\n250-AUTH {mechs}\r\n250 8BITMIME\r\n"),
    ]


@pytest.mark.parametrize("level", [1, 2])
@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
def test_debug_output_redacts_the_one_line_auth(level: int, mechanism: str, capsys: pytest.CaptureFixture[str]) -> None:
    script = greeting() + [
        ("C", lambda l: l.startswith(f"AUTH {mechanism} ")),
        ("S", "235 2.7.0 Authentication successful\r\n"),
        ("C", "noop\r\n"),
        ("S", "250 2.0.0 OK\r\n"),
    ]
    with LineServer(script) as srv:
        smtp = smtplib.SMTP("127.0.0.1", srv.port, timeout=5)
        smtp.set_debuglevel(level)
        smtp_login(smtp, USER, TOKEN, mechanism=mechanism)
        assert smtp.noop()[0] == 250
        smtp.close()
    assert srv.errors == []
    err = capsys.readouterr().err
    blob = mailoauth.xoauth2(USER, TOKEN) if mechanism == "XOAUTH2" else mailoauth.oauthbearer(USER, TOKEN)
    assert blob not in err and TOKEN not in err and blob[:12] not in err
    assert f"send: b'AUTH {mechanism} [redacted]\\r\\n'" in err
    assert "reply: b'235 2.7.0 Authentication successful\\r\\n'" in err
    assert "send: 'noop\\r\\n'" in err  # smtplib's own debug output still works afterwards
    assert smtp.debuglevel == level


@pytest.mark.parametrize("level", [1, 2])
def test_debug_output_redacts_the_two_step_auth_and_the_error_ack(level: int, capsys: pytest.CaptureFixture[str]) -> None:
    token = "x" * 1200
    b64 = mailoauth.xoauth2(USER, token)
    script = greeting("XOAUTH2") + [
        ("C", "AUTH XOAUTH2\r\n"),
        ("S", "334 \r\n"),
        ("C", f"{b64}\r\n"),
        ("S", "334 eyJzdGF0dXMiOiI0MDEifQ==\r\n"),
        ("C", "\r\n"),
        ("S", "535 5.7.3 Authentication unsuccessful\r\n"),
    ]
    with LineServer(script) as srv:
        smtp = smtplib.SMTP("127.0.0.1", srv.port, timeout=5)
        smtp.set_debuglevel(level)
        with pytest.raises(mailoauth.AuthenticationError):
            smtp_login(smtp, USER, token)
        smtp.close()
    err = capsys.readouterr().err
    assert b64[:12] not in err and token not in err
    assert "send: b'AUTH XOAUTH2\\r\\n'" in err
    assert "send: b'[redacted]\\r\\n'" in err
    assert "send: b'\\r\\n'" in err


def test_redact_auth_line() -> None:
    assert redact_auth_line(b"AUTH XOAUTH2 " + B64.encode() + b"\r\n") == b"AUTH XOAUTH2 [redacted]\r\n"
    assert redact_auth_line(b"AUTH XOAUTH2\r\n") == b"AUTH XOAUTH2\r\n"
    assert redact_auth_line(B64.encode() + b"\r\n") == b"[redacted]\r\n"
    assert redact_auth_line(b"*\r\n") == b"*\r\n"
    assert redact_auth_line(b"\r\n") == b"\r\n"
