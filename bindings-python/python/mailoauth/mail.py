"""Logs in to IMAP, POP3 and SMTP servers with an OAuth token, over the standard library.

Each function drives the core's state machine (:class:`mailoauth.ImapAuth`,
:class:`mailoauth.PopAuth`, :class:`mailoauth.SmtpAuth`) over an EXISTING connection — an
:class:`imaplib.IMAP4` / :class:`poplib.POP3` / :class:`smtplib.SMTP` object (TLS or not, the
caller decides) or a raw (TLS) socket — and leaves the connection ready for the next command:

>>> import imaplib, mailoauth                                          # doctest: +SKIP
>>> imap = imaplib.IMAP4_SSL("outlook.office365.com")                  # doctest: +SKIP
>>> mailoauth.imap_login(imap, "archive@contoso.com", token)           # doctest: +SKIP
>>> imap.select("INBOX")                                               # doctest: +SKIP

On success they return the :class:`mailoauth.Authenticated` record. When the server refuses, they
raise :class:`mailoauth.AuthenticationError` (code ``rejected``) carrying ``.diagnosis`` (cause
and fix), ``.server_text``, ``.sasl_error``, ``.retry_with_fresh_token`` and, for SMTP,
``.reply_code`` / ``.enhanced_status``. A protocol violation raises
:class:`mailoauth.ProtocolError`; a dropped connection :class:`mailoauth.NetworkError`. All
protocol decisions (mechanism offered?, SASL-IR?, 512-octet rule, parsing replies) are the core's.
"""

from __future__ import annotations

import imaplib
import poplib
import smtplib
import socket
import ssl
from typing import Any, Callable, Optional, Sequence, Union

from mailoauth import _native
from mailoauth._native import (
    Authenticated,
    AuthenticationError,
    Error,
    ImapAuth,
    NetworkError,
    PopAuth,
    SmtpAuth,
    error_from,
)

__all__ = ["imap_login", "pop_login", "smtp_login", "drive", "LineConnection", "SocketLines"]

#: The longest server line accepted (the core's limit too).
MAX_LINE = 64 * 1024

Machine = Union[ImapAuth, PopAuth, SmtpAuth]


class LineConnection:
    """What a state machine needs from a connection: write bytes, read one line."""

    def __init__(self, send: Callable[[bytes], Any], readline: Callable[[], bytes], where: str = "server") -> None:
        self._send = send
        self._readline = readline
        self.where = where

    def send(self, data: bytes) -> None:
        try:
            self._send(data)
        except (OSError, EOFError) as e:
            raise _closed(self.where, e) from None

    def readline(self) -> bytes:
        try:
            line = self._readline()
        except (OSError, EOFError) as e:
            raise _closed(self.where, e) from None
        except (imaplib.IMAP4.error, poplib.error_proto) as e:  # "line too long"
            raise error_from("unexpected_reply", f"{self.where}: {e}") from None
        if not line:
            raise _closed(self.where, "the server closed the connection")
        return line


class SocketLines:
    """Reads lines from a raw (TLS) socket one byte at a time, so no byte after the exchange is
    consumed: the caller keeps using the socket afterwards."""

    def __init__(self, sock: Union[socket.socket, ssl.SSLSocket]) -> None:
        self.sock = sock

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def readline(self) -> bytes:
        buf = bytearray()
        while len(buf) <= MAX_LINE:
            b = self.sock.recv(1)
            if not b:
                return bytes(buf)
            buf += b
            if b == b"\n":
                return bytes(buf)
        raise error_from("unexpected_reply", f"server line longer than {MAX_LINE} bytes")


def _closed(where: str, reason: object) -> NetworkError:
    exc = error_from("network_error", f"connection to {where} broke during authentication: {reason}", transient=True)
    assert isinstance(exc, NetworkError)
    return exc


def drive(machine: Machine, conn: LineConnection) -> Authenticated:
    """Runs a state machine over a connection until it is done.

    Returns the success record; raises the mapped error for a rejection or a protocol error.
    """
    while True:
        action = machine.next_action()
        if action.kind == "send":
            assert action.data is not None
            conn.send(action.data)
        elif action.kind == "need_line":
            machine.receive_line(conn.readline())
        else:
            outcome = action.outcome
            assert outcome is not None
            return outcome_result(outcome, conn.where)


def outcome_result(outcome: _native.AuthOutcome, where: str = "server") -> Authenticated:
    """The success record of an outcome, or raises its error (see the module doc)."""
    if outcome.authenticated is not None:
        return outcome.authenticated
    if outcome.rejection is not None:
        raise rejection_error(outcome.rejection, where)
    error = outcome.error
    if isinstance(error, Error):
        raise error
    raise error_from("unexpected_reply", f"{where}: the exchange ended without an outcome")


def rejection_error(r: _native.Rejection, where: str = "server") -> AuthenticationError:
    """The :class:`AuthenticationError` for a rejection."""
    status = f"{r.status} " if r.status else ""
    message = f"{where} refused the login: {status}{r.server_text}".rstrip()
    if r.diagnosis is not None:
        message += f" (diagnosis: {r.diagnosis.code})"
    exc = error_from(
        "rejected",
        message,
        diagnosis=r.diagnosis,
        server_text=r.server_text,
        sasl_error=r.sasl_error,
        retry_with_fresh_token=r.retry_with_fresh_token,
        reply_code=r.reply_code,
        enhanced_status=r.enhanced_status,
    )
    assert isinstance(exc, AuthenticationError)
    return exc


def _where(conn: Any, default: str) -> str:
    host = getattr(conn, "host", None) or getattr(conn, "_host", None)
    port = getattr(conn, "port", None)
    if isinstance(host, str) and host:
        return f"{host}:{port}" if port else host
    try:
        peer = conn.getpeername()
        return f"{peer[0]}:{peer[1]}"
    except (AttributeError, OSError, TypeError, IndexError):
        return default


# ------------------------------------------------------------------------------------------------
# IMAP


def imap_login(
    conn: Union[imaplib.IMAP4, socket.socket],
    user: str,
    token: str,
    *,
    mechanism: str = "XOAUTH2",
    capabilities: Optional[Sequence[str]] = None,
    tag: Optional[str] = None,
    host: Optional[str] = None,
    port: Optional[int] = None,
) -> Authenticated:
    """AUTHENTICATE over an :class:`imaplib.IMAP4` (or IMAP4_SSL / IMAP4_stream) object, or a raw
    socket (then give ``capabilities`` and optionally ``tag``).

    ``user`` is the mailbox: the signed-in user, a shared mailbox the user may open, or (app-only)
    the target mailbox. ``host`` / ``port`` feed OAUTHBEARER's optional fields. After success an
    imaplib object is in the ``AUTH`` state, with the capabilities the server sent on success.
    """
    if isinstance(conn, imaplib.IMAP4):
        caps = list(capabilities) if capabilities is not None else list(conn.capabilities)
        raw_tag = conn._new_tag()  # registers the tag the way imaplib does for its own commands
        the_tag = tag or raw_tag.decode("ascii")
        where = _where(conn, "IMAP server")
        machine = ImapAuth(user=user, token=token, tag=the_tag, capabilities=caps, mechanism=mechanism, host=host, port=port)
        try:
            result = drive(machine, LineConnection(conn.send, conn.readline, where))
        finally:
            conn.tagged_commands.pop(raw_tag, None)
        conn.state = "AUTH"
        if result.capabilities is not None:
            conn.capabilities = tuple(c.upper() for c in result.capabilities)
        return result
    if capabilities is None:
        raise error_from("invalid_input", "imap_login over a raw socket needs capabilities=[...] (from the CAPABILITY response)")
    lines = SocketLines(conn)
    machine = ImapAuth(user=user, token=token, tag=tag or "A001", capabilities=list(capabilities), mechanism=mechanism, host=host, port=port)
    return drive(machine, LineConnection(lines.send, lines.readline, _where(conn, "IMAP server")))


# ------------------------------------------------------------------------------------------------
# POP3


def pop_login(
    conn: Union[poplib.POP3, socket.socket],
    user: str,
    token: str,
    *,
    mechanism: str = "XOAUTH2",
    capabilities: Optional[Sequence[str]] = None,
    initial_response: str = "auto",
    host: Optional[str] = None,
    port: Optional[int] = None,
) -> Authenticated:
    """AUTH over a :class:`poplib.POP3` (or POP3_SSL) object, or a raw socket.

    ``capabilities`` are the CAPA lines when known (``conn.capa()`` keys); without them the
    machine does not check that the mechanism is offered. ``initial_response="auto"`` uses the
    two-line form Exchange requires.
    """
    caps = list(capabilities) if capabilities is not None else None
    machine = PopAuth(user=user, token=token, mechanism=mechanism, capabilities=caps, initial_response=initial_response, host=host, port=port)
    if isinstance(conn, poplib.POP3):
        pop = conn

        def readline() -> bytes:
            line: bytes = pop.file.readline(MAX_LINE + 1)
            if len(line) > MAX_LINE:
                raise poplib.error_proto("line too long")
            return line

        return drive(machine, LineConnection(pop.sock.sendall, readline, _where(conn, "POP server")))
    lines = SocketLines(conn)
    return drive(machine, LineConnection(lines.send, lines.readline, _where(conn, "POP server")))


# ------------------------------------------------------------------------------------------------
# SMTP


def smtp_ehlo_keywords(conn: smtplib.SMTP) -> list[str]:
    """The EHLO keyword lines of an smtplib connection (sends EHLO first when needed)."""
    if conn.ehlo_resp is None and conn.helo_resp is None:
        conn.ehlo_or_helo_if_needed()
    if conn.ehlo_resp is None:
        return []
    lines = conn.ehlo_resp.decode("utf-8", "replace").split("\n")
    return [line.strip() for line in lines[1:] if line.strip()]


def smtp_login(
    conn: Union[smtplib.SMTP, socket.socket],
    user: str,
    token: str,
    *,
    mechanism: str = "XOAUTH2",
    ehlo: Optional[Sequence[str]] = None,
    initial_response: str = "auto",
    host: Optional[str] = None,
    port: Optional[int] = None,
) -> Authenticated:
    """AUTH over an :class:`smtplib.SMTP` (or SMTP_SSL) object, or a raw socket (then give
    ``ehlo``: the EHLO keyword lines without ``250-``).

    Call ``conn.starttls()`` first on port 587: Exchange advertises XOAUTH2 only after STARTTLS
    and a second EHLO (sent here when smtplib has not sent it yet).
    """
    if isinstance(conn, smtplib.SMTP):
        keywords = list(ehlo) if ehlo is not None else smtp_ehlo_keywords(conn)
        machine = SmtpAuth(user=user, token=token, ehlo=keywords, mechanism=mechanism, initial_response=initial_response, host=host, port=port)
        smtp = conn

        def readline() -> bytes:
            if smtp.file is None:
                if smtp.sock is None:
                    raise smtplib.SMTPServerDisconnected("not connected")
                smtp.file = smtp.sock.makefile("rb")
            line: bytes = smtp.file.readline(MAX_LINE + 1)
            if len(line) > MAX_LINE:
                raise smtplib.SMTPResponseException(500, b"line too long")
            return line

        return drive(machine, LineConnection(smtp.send, readline, _where(conn, "SMTP server")))
    if ehlo is None:
        raise error_from("invalid_input", "smtp_login over a raw socket needs ehlo=[...] (the EHLO keyword lines)")
    lines = SocketLines(conn)
    machine = SmtpAuth(user=user, token=token, ehlo=list(ehlo), mechanism=mechanism, initial_response=initial_response, host=host, port=port)
    return drive(machine, LineConnection(lines.send, lines.readline, _where(conn, "SMTP server")))
