"""imap_login / pop_login / smtp_login over imaplib, poplib, smtplib and raw sockets, against
scripted servers on 127.0.0.1."""

from __future__ import annotations

import imaplib
import poplib
import smtplib
import socket
import ssl
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

import mailoauth
from mailoauth.mail import imap_login, pop_login, smtp_login
from servers import LineServer, tag_of

USER = "someuser@example.com"
TOKEN = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"
B64 = mailoauth.xoauth2(USER, TOKEN)
CAPS = "IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR"


def imap_prelude(caps: str = CAPS) -> list[tuple[str, object]]:
    return [
        ("S", "* OK IMAP4rev1 ready\r\n"),
        ("C", lambda l: l.endswith(" CAPABILITY\r\n")),
        ("S", lambda l: f"* CAPABILITY {caps}\r\n{tag_of(l)} OK CAPABILITY completed.\r\n"),
    ]


def test_imap_login_sasl_ir_then_list() -> None:
    script = imap_prelude() + [
        ("C", lambda l: l.endswith(f" AUTHENTICATE XOAUTH2 {B64}\r\n")),
        ("S", lambda l: f"{tag_of(l)} OK [CAPABILITY IMAP4rev1 IDLE] AUTHENTICATE completed.\r\n"),
        ("C", lambda l: l.endswith(' LIST "" ""\r\n')),
        ("S", lambda l: f'* LIST (\\Noselect) "/" ""\r\n{tag_of(l)} OK LIST completed.\r\n'),
        ("C", lambda l: l.endswith(" LOGOUT\r\n")),
        ("S", lambda l: f"* BYE bye\r\n{tag_of(l)} OK LOGOUT completed.\r\n"),
    ]
    with LineServer(script) as srv:
        imap = imaplib.IMAP4("127.0.0.1", srv.port, timeout=5)
        result = imap_login(imap, USER, TOKEN)
        assert result.server_text.endswith("AUTHENTICATE completed.")
        assert result.capabilities == ["IMAP4rev1", "IDLE"]
        assert imap.state == "AUTH" and imap.capabilities == ("IMAP4REV1", "IDLE")
        typ, data = imap.list('""', '""')
        assert typ == "OK"
        imap.logout()
    assert srv.errors == []


def test_imap_login_two_step_without_sasl_ir() -> None:
    script = imap_prelude("IMAP4rev1 AUTH=XOAUTH2") + [
        ("C", lambda l: l.endswith(" AUTHENTICATE XOAUTH2\r\n")),
        ("S", "+ \r\n"),
        ("C", f"{B64}\r\n"),
        ("S", lambda l: "A OK done\r\n"),
    ]
    # The tag of the last line is the b64 one: answer with the tag of the AUTHENTICATE line.
    tags: list[str] = []
    script[3] = ("C", lambda l: tags.append(tag_of(l)) or l.endswith(" AUTHENTICATE XOAUTH2\r\n"))
    script[6] = ("S", lambda l: f"{tags[0]} OK AUTHENTICATE completed.\r\n")
    with LineServer(script) as srv:
        imap = imaplib.IMAP4("127.0.0.1", srv.port, timeout=5)
        imap_login(imap, USER, TOKEN)
        assert imap.state == "AUTH"
        imap.shutdown()
    assert srv.errors == []


def test_imap_rejection_carries_the_diagnosis() -> None:
    script = imap_prelude() + [
        ("C", None),
        ("S", lambda l: f"{tag_of(l)} NO AUTHENTICATE failed.\r\n"),
    ]
    with LineServer(script) as srv:
        imap = imaplib.IMAP4("127.0.0.1", srv.port, timeout=5)
        with pytest.raises(mailoauth.AuthenticationError) as info:
            imap_login(imap, USER, TOKEN)
        imap.shutdown()
    e = info.value
    assert e.code == "rejected"
    assert e.server_text == "AUTHENTICATE failed."
    assert e.diagnosis is not None and e.diagnosis.code == "auth_failed"
    assert e.diagnosis.fix
    assert TOKEN not in str(e) and B64 not in str(e)
    assert imap.state == "NONAUTH"


def test_imap_mechanism_not_offered_sends_nothing() -> None:
    with LineServer(imap_prelude("IMAP4rev1 AUTH=PLAIN") + [("CLOSE", None)]) as srv:
        imap = imaplib.IMAP4("127.0.0.1", srv.port, timeout=5)
        with pytest.raises(mailoauth.ProtocolError) as info:
            imap_login(imap, USER, TOKEN)
        imap.shutdown()
    assert info.value.code == "mechanism_not_offered"
    assert len(srv.received) == 1  # CAPABILITY only


def test_imap_connection_dropped_is_network_error() -> None:
    with LineServer(imap_prelude() + [("C", None), ("CLOSE", None)]) as srv:
        imap = imaplib.IMAP4("127.0.0.1", srv.port, timeout=5)
        with pytest.raises(mailoauth.NetworkError) as info:
            imap_login(imap, USER, TOKEN)
    assert info.value.code == "network_error"


def test_imap_raw_socket() -> None:
    script = [
        ("C", f"A7 AUTHENTICATE XOAUTH2 {B64}\r\n"),
        ("S", "A7 OK done\r\n* trailing untagged data stays in the socket\r\n"),
    ]
    with LineServer(script) as srv:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as s:
            result = imap_login(s, USER, TOKEN, capabilities=CAPS.split(), tag="A7")
            assert result.server_text == "done"
            assert s.recv(100).startswith(b"* trailing")
    with socket.socket() as raw:
        with pytest.raises(mailoauth.InvalidInputError, match=r"raw socket needs capabilities="):
            imap_login(raw, USER, TOKEN)


def test_pop_login_two_line_form_then_stat() -> None:
    script = [
        ("S", "+OK POP3 ready\r\n"),
        ("C", "AUTH XOAUTH2\r\n"),
        ("S", "+\r\n"),
        ("C", f"{B64}\r\n"),
        ("S", "+OK User successfully authenticated.\r\n"),
        ("C", "STAT\r\n"),
        ("S", "+OK 2 320\r\n"),
        ("C", "QUIT\r\n"),
        ("S", "+OK bye\r\n"),
    ]
    with LineServer(script) as srv:
        pop = poplib.POP3("127.0.0.1", srv.port, timeout=5)
        result = pop_login(pop, USER, TOKEN)
        assert result.server_text == "User successfully authenticated."
        assert pop.stat() == (2, 320)
        pop.quit()
    assert srv.errors == []


def test_pop_rejection() -> None:
    script = [
        ("S", "+OK POP3 ready\r\n"),
        ("C", "AUTH XOAUTH2\r\n"),
        ("S", "+ \r\n"),
        ("C", None),
        ("S", "-ERR Authentication failure: unknown user name or bad password.\r\n"),
    ]
    with LineServer(script) as srv:
        pop = poplib.POP3("127.0.0.1", srv.port, timeout=5)
        with pytest.raises(mailoauth.AuthenticationError) as info:
            pop_login(pop, USER, TOKEN)
        pop.close()
    assert info.value.diagnosis is not None and info.value.diagnosis.code == "auth_failed"


def smtp_greeting_and_ehlo(keywords: list[str]) -> list[tuple[str, object]]:
    lines = ["250-localhost Hello"] + [f"250-{k}" for k in keywords[:-1]] + [f"250 {keywords[-1]}"]
    return [
        ("S", "220 localhost ESMTP\r\n"),
        ("C", lambda l: l.startswith("ehlo ") or l.startswith("EHLO ")),
        ("S", "\r\n".join(lines) + "\r\n"),
    ]


def test_smtp_login_short_token_one_line_then_noop() -> None:
    script = smtp_greeting_and_ehlo(["SIZE 157286400", "AUTH LOGIN XOAUTH2", "8BITMIME"]) + [
        ("C", f"AUTH XOAUTH2 {B64}\r\n"),
        ("S", "235 2.7.0 Authentication successful\r\n"),
        ("C", "noop\r\n"),
        ("S", "250 2.0.0 OK\r\n"),
        ("C", "quit\r\n"),
        ("S", "221 bye\r\n"),
    ]
    with LineServer(script) as srv:
        smtp = smtplib.SMTP("127.0.0.1", srv.port, timeout=5)
        result = smtp_login(smtp, USER, TOKEN)
        assert result.server_text == "Authentication successful"
        assert smtp.noop()[0] == 250
        smtp.quit()
    assert srv.errors == []


def test_smtp_long_token_two_step_and_multiline_refusal() -> None:
    token = "x" * 1200
    b64 = mailoauth.xoauth2(USER, token)
    script = smtp_greeting_and_ehlo(["AUTH LOGIN XOAUTH2"]) + [
        ("C", "AUTH XOAUTH2\r\n"),
        ("S", "334 \r\n"),
        ("C", f"{b64}\r\n"),
        ("S", "535-5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled\r\n"
              "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.\r\n"),
    ]
    with LineServer(script) as srv:
        smtp = smtplib.SMTP("127.0.0.1", srv.port, timeout=5)
        with pytest.raises(mailoauth.AuthenticationError) as info:
            smtp_login(smtp, USER, token)
        smtp.close()
    e = info.value
    assert (e.reply_code, e.enhanced_status) == (535, "5.7.139")
    assert e.diagnosis is not None and e.diagnosis.code == "smtp_auth_disabled"
    # Both places it can be off: the mailbox and the tenant (core/src/diagnose/reply.rs).
    assert "Set-CasMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false" in e.diagnosis.fix
    assert "Set-TransportConfig -SmtpClientAuthenticationDisabled $false" in e.diagnosis.fix
    assert srv.errors == []


def test_smtp_without_xoauth2_is_mechanism_not_offered() -> None:
    with LineServer(smtp_greeting_and_ehlo(["SIZE 1", "STARTTLS"]) + [("CLOSE", None)]) as srv:
        smtp = smtplib.SMTP("127.0.0.1", srv.port, timeout=5)
        with pytest.raises(mailoauth.ProtocolError) as info:
            smtp_login(smtp, USER, TOKEN)
        smtp.close()
    assert info.value.code == "mechanism_not_offered"


def test_smtp_starttls_then_second_ehlo(tls_files: tuple[Path, Path]) -> None:
    cert, key = tls_files
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(cert))
    script = smtp_greeting_and_ehlo(["STARTTLS", "SIZE 1"]) + [
        ("C", "STARTTLS\r\n"),
        ("S", "220 2.0.0 SMTP server ready\r\n"),
        ("TLS", None),
        ("C", lambda l: l.lower().startswith("ehlo ")),
        ("S", "250-localhost\r\n250 AUTH LOGIN XOAUTH2\r\n"),
        ("C", f"AUTH XOAUTH2 {B64}\r\n"),
        ("S", "235 2.7.0 ok\r\n"),
    ]
    with LineServer(script, tls_context=server_ctx) as srv:
        smtp = smtplib.SMTP("127.0.0.1", srv.port, timeout=5)
        smtp.ehlo()
        smtp.starttls(context=client_ctx)
        smtp_login(smtp, USER, TOKEN)
        assert isinstance(smtp.sock, ssl.SSLSocket)
        smtp.close()
    assert srv.errors == []


def test_smtp_delegate_logs_in_as_itself_and_sends_from_the_shared_mailbox() -> None:
    """Over SMTP a shared mailbox cannot be the AUTH identity: user= is the delegate, and the
    shared address goes into MAIL FROM and From: (smtplib's own commands after smtp_login)."""
    delegate, shared = "alice@contoso.com", "info@contoso.com"
    script = smtp_greeting_and_ehlo(["AUTH LOGIN XOAUTH2"]) + [
        ("C", f"AUTH XOAUTH2 {mailoauth.xoauth2(delegate, TOKEN)}\r\n"),
        ("S", "235 2.7.0 Authentication successful\r\n"),
        ("C", f"mail FROM:<{shared}>\r\n"),
        ("S", "250 2.1.0 Sender OK\r\n"),
        ("C", "rcpt TO:<bob@contoso.com>\r\n"),
        ("S", "250 2.1.5 Recipient OK\r\n"),
        ("C", "data\r\n"),
        ("S", "354 Start mail input\r\n"),
        ("DATA", None),
        ("S", "250 2.6.0 Queued mail for delivery\r\n"),
        ("C", "quit\r\n"),
        ("S", "221 bye\r\n"),
    ]
    from email.message import EmailMessage

    with LineServer(script) as srv:
        smtp = smtplib.SMTP("127.0.0.1", srv.port, timeout=5)
        smtp_login(smtp, delegate, TOKEN)
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = shared, "bob@contoso.com", "hello"
        msg.set_content("hi\n")
        assert smtp.send_message(msg) == {}
        smtp.quit()
    assert srv.errors == []
    assert f"From: {shared}\r\n" in srv.received


def test_send_as_refusal_is_diagnosed() -> None:
    line = "550 5.7.60 SMTP; Client does not have permissions to send as this sender"
    script = smtp_greeting_and_ehlo(["AUTH LOGIN XOAUTH2"]) + [
        ("C", f"AUTH XOAUTH2 {B64}\r\n"),
        ("S", "235 2.7.0 Authentication successful\r\n"),
        ("C", "mail FROM:<info@contoso.com>\r\n"),
        ("S", line + "\r\n"),
        ("C", None),  # RSET
        ("S", "250 2.0.0 Resetting\r\n"),
    ]
    with LineServer(script) as srv:
        smtp = smtplib.SMTP("127.0.0.1", srv.port, timeout=5)
        smtp_login(smtp, USER, TOKEN)
        with pytest.raises(smtplib.SMTPSenderRefused) as info:
            smtp.sendmail("info@contoso.com", ["bob@contoso.com"], b"Subject: x\r\n\r\nx\r\n")
        smtp.close()
    refused = f"{info.value.smtp_code} {info.value.smtp_error.decode()}"
    d = mailoauth.diagnose_reply("smtp", refused)
    assert d is not None and d.code == "send_as_denied" and "-AccessRights SendAs" in d.fix
    personal = mailoauth.diagnose_reply("smtp", refused, personal=True)
    assert personal is not None and personal.code == "send_as_denied" and "Personal Microsoft account" in personal.fix


def _jwt(claims: dict[str, object]) -> str:
    import base64
    import json

    def b(o: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b"=").decode()

    return f"{b({'typ': 'JWT', 'alg': 'RS256'})}.{b(claims)}.c2ln"


@pytest.mark.parametrize("how", ["cloud", "tid", "work"])
def test_personal_accounts_get_the_owner_fix(how: str) -> None:
    """cloud="consumers", or a token of the personal-account tenant, gives the owner's fix."""
    tid = mailoauth.CONSUMERS_TENANT_ID if how == "tid" else "11111111-2222-3333-4444-555555555555"
    token = _jwt({"aud": "https://outlook.office.com", "scp": "SMTP.Send", "tid": tid, "upn": USER})
    script = smtp_greeting_and_ehlo(["AUTH LOGIN XOAUTH2"]) + [
        ("C", lambda l: l.startswith("AUTH XOAUTH2")),
        ("S", "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.\r\n"),
    ]
    with LineServer(script) as srv:
        smtp = smtplib.SMTP("127.0.0.1", srv.port, timeout=5)
        with pytest.raises(mailoauth.AuthenticationError) as info:
            smtp_login(smtp, USER, token, cloud="consumers" if how == "cloud" else None)
        smtp.close()
    d = info.value.diagnosis
    assert d is not None and d.code == "smtp_auth_disabled"
    if how == "work":
        assert "Set-CasMailbox" in d.fix and "Personal Microsoft account" not in d.fix
    else:
        assert "Personal Microsoft account" in d.fix and "Set-CasMailbox" not in d.fix
    assert mailoauth.mail.is_personal(token) is (how == "tid")
    assert mailoauth.mail.is_personal("opaque", mailoauth.Cloud("consumers")) is True


def test_connect_and_login_passes_the_cloud() -> None:
    from mailoauth.mail import connect_and_login

    script = smtp_greeting_and_ehlo(["AUTH LOGIN XOAUTH2"]) + [
        ("C", f"AUTH XOAUTH2 {B64}\r\n"),
        ("S", "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.\r\n"),
    ]
    asked: list[bool] = []

    def token(fresh: bool) -> str:
        asked.append(fresh)
        return TOKEN

    with LineServer(script) as srv:
        with pytest.raises(mailoauth.AuthenticationError) as info:
            connect_and_login("smtp", lambda: smtplib.SMTP("127.0.0.1", srv.port, timeout=5), USER, token, cloud="consumers")
    d = info.value.diagnosis
    assert d is not None and d.code == "smtp_auth_disabled" and "Personal Microsoft account" in d.fix
    assert asked == [False]  # no fresh token helps here
