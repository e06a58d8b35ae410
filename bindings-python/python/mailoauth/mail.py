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
:class:`mailoauth.ProtocolError`; a dropped connection (also one cut in the middle of a reply
line) or a read that times out :class:`mailoauth.NetworkError` — reads use the connection's own
timeout, so give every connection one. All protocol decisions (mechanism offered?, SASL-IR?,
512-octet rule, parsing replies, whether a fresh token can help, whether a reply means the
session's token expired) are the core's.

A refusal's diagnosis speaks to a tenant administrator, except for personal Microsoft accounts
(Outlook.com, Hotmail): give ``cloud="consumers"`` (or a token whose ``tid`` is the
personal-account tenant, :data:`mailoauth.CONSUMERS_TENANT_ID`) and the fix speaks to the account
owner (the core's ``personal_account_diagnosis``).

Shared mailboxes: over IMAP and POP, log in with the delegate's token and ``user=`` the shared
mailbox. Over SMTP a shared mailbox cannot be the AUTH identity: ``user=`` is the signed-in
delegate (the token's own user), the shared address goes into ``MAIL FROM`` and ``From:``, and
the delegate needs Send As on it (:func:`mailoauth.send_as_command`).

:func:`connect_and_login` adds the one retry a refused token deserves (a fresh token, when the
core says it can help), and :class:`MailSession` keeps a long-running connection logged in across
token expiry (reconnecting with a fresh token).
"""

from __future__ import annotations

import imaplib
import poplib
import smtplib
import socket
import ssl
import time
from typing import Any, Callable, Optional, Sequence, TypeVar, Union

from mailoauth import _native
from mailoauth._native import (
    Authenticated,
    AuthenticationError,
    Cloud,
    Error,
    ImapAuth,
    NetworkError,
    PopAuth,
    SmtpAuth,
    TokenSet,
    diagnose_reply,
    error_from,
    is_personal_tenant_id,
    personal_account_diagnosis,
    token_claims,
)

__all__ = [
    "imap_login", "pop_login", "smtp_login", "connect_and_login", "MailSession",
    "drive", "LineConnection", "SocketLines", "is_personal",
]

#: The longest server line accepted (the core's limit too).
MAX_LINE = 64 * 1024

Machine = Union[ImapAuth, PopAuth, SmtpAuth]
CloudLike = Union[Cloud, str]


def is_personal(token: str, cloud: Optional[CloudLike] = None) -> bool:
    """Whether a login is a personal Microsoft account's (Outlook.com, Hotmail): the cloud is the
    ``consumers`` preset, or the token is a JWT whose ``tid`` is the personal-account tenant."""
    if cloud is not None and (cloud if isinstance(cloud, Cloud) else Cloud(cloud)).is_personal:
        return True
    try:
        tid = token_claims(token).tid
    except Error:  # an opaque token (as personal accounts often get): nothing to read
        return False
    return tid is not None and is_personal_tenant_id(tid)


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
        if not line.endswith(b"\n") and len(line) <= MAX_LINE:
            # readline() stops short of a line end only at end of stream.
            raise _closed(self.where, "the connection closed in the middle of a reply line")
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


def drive(machine: Machine, conn: LineConnection, *, personal: bool = False) -> Authenticated:
    """Runs a state machine over a connection until it is done.

    Returns the success record; raises the mapped error for a rejection or a protocol error
    (with the personal-account fix when ``personal``).
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
            return outcome_result(outcome, conn.where, personal=personal)


def outcome_result(outcome: _native.AuthOutcome, where: str = "server", *, personal: bool = False) -> Authenticated:
    """The success record of an outcome, or raises its error (see the module doc)."""
    if outcome.authenticated is not None:
        return outcome.authenticated
    if outcome.rejection is not None:
        raise rejection_error(outcome.rejection, where, personal=personal)
    error = outcome.error
    if isinstance(error, Error):
        raise error
    raise error_from("unexpected_reply", f"{where}: the exchange ended without an outcome")


def rejection_error(r: _native.Rejection, where: str = "server", *, personal: bool = False) -> AuthenticationError:
    """The :class:`AuthenticationError` for a rejection (the diagnosis with the personal-account
    fix when ``personal``)."""
    status = f"{r.status} " if r.status else ""
    message = f"{where} refused the login: {status}{r.server_text}".rstrip()
    diagnosis = r.diagnosis
    if diagnosis is not None:
        message += f" (diagnosis: {diagnosis.code})"
        if personal:
            diagnosis = personal_account_diagnosis(diagnosis.code) or diagnosis
    exc = error_from(
        "rejected",
        message,
        diagnosis=diagnosis,
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
    cloud: Optional[CloudLike] = None,
) -> Authenticated:
    """AUTHENTICATE over an :class:`imaplib.IMAP4` (or IMAP4_SSL / IMAP4_stream) object, or a raw
    socket (then give ``capabilities`` and optionally ``tag``).

    ``user`` is the mailbox: the signed-in user, a shared mailbox the user may open, or (app-only)
    the target mailbox. ``host`` / ``port`` feed OAUTHBEARER's optional fields. ``cloud`` (or the
    token's ``tid``) marks a personal account, whose refusals get the owner's fix. After success
    an imaplib object is in the ``AUTH`` state, with the capabilities the server sent on success.
    """
    personal = is_personal(token, cloud)
    if isinstance(conn, imaplib.IMAP4):
        caps = list(capabilities) if capabilities is not None else list(conn.capabilities)
        raw_tag = conn._new_tag()  # registers the tag the way imaplib does for its own commands
        the_tag = tag or raw_tag.decode("ascii")
        where = _where(conn, "IMAP server")
        machine = ImapAuth(user=user, token=token, tag=the_tag, capabilities=caps, mechanism=mechanism, host=host, port=port)
        try:
            result = drive(machine, LineConnection(conn.send, conn.readline, where), personal=personal)
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
    return drive(machine, LineConnection(lines.send, lines.readline, _where(conn, "IMAP server")), personal=personal)


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
    cloud: Optional[CloudLike] = None,
) -> Authenticated:
    """AUTH over a :class:`poplib.POP3` (or POP3_SSL) object, or a raw socket.

    ``capabilities`` are the CAPA lines when known (``conn.capa()`` keys); without them the
    machine does not check that the mechanism is offered. ``initial_response="auto"`` uses the
    two-line form Exchange requires. ``user`` is the mailbox (a shared one too), as for IMAP;
    ``cloud`` as for :func:`imap_login`.
    """
    personal = is_personal(token, cloud)
    caps = list(capabilities) if capabilities is not None else None
    machine = PopAuth(user=user, token=token, mechanism=mechanism, capabilities=caps, initial_response=initial_response, host=host, port=port)
    if isinstance(conn, poplib.POP3):
        pop = conn

        def readline() -> bytes:
            line: bytes = pop.file.readline(MAX_LINE + 1)
            if len(line) > MAX_LINE:
                raise poplib.error_proto("line too long")
            return line

        return drive(machine, LineConnection(pop.sock.sendall, readline, _where(conn, "POP server")), personal=personal)
    lines = SocketLines(conn)
    return drive(machine, LineConnection(lines.send, lines.readline, _where(conn, "POP server")), personal=personal)


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


def redact_auth_line(data: bytes) -> bytes:
    """A client line of a SASL exchange as a debug log may show it: ``AUTH XOAUTH2 [redacted]``
    (the mechanism kept, the initial response hidden), a continuation line as ``[redacted]``, an
    empty line or ``*`` (cancel) unchanged."""
    body = data.rstrip(b"\r\n")
    end = data[len(body):]
    if body in (b"", b"*"):
        return data
    words = body.split(b" ", 2)
    if words[0].upper() == b"AUTH":
        return b" ".join(words[:2]) + (b" [redacted]" if len(words) > 2 else b"") + end
    return b"[redacted]" + end


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
    cloud: Optional[CloudLike] = None,
) -> Authenticated:
    """AUTH over an :class:`smtplib.SMTP` (or SMTP_SSL) object, or a raw socket (then give
    ``ehlo``: the EHLO keyword lines without ``250-``).

    Call ``conn.starttls()`` first on port 587: Exchange advertises XOAUTH2 only after STARTTLS
    and a second EHLO (sent here when smtplib has not sent it yet).

    ``user`` must be the token's own user (delegated) or the mailbox the app sends as
    (app-only). A shared mailbox cannot be an SMTP AUTH identity (unlike IMAP and POP, where
    ``user=`` is the shared mailbox): to send as one with a delegated token, log in with
    ``user=`` the signed-in delegate, then put the shared address in ``MAIL FROM`` and ``From:``
    — the login does not fix the sender::

        smtp_login(smtp, "alice@contoso.com", token)          # the delegate
        msg["From"] = "info@contoso.com"                      # the shared mailbox
        smtp.send_message(msg)                                # MAIL FROM:<info@contoso.com>

    The delegate needs Send As on the shared mailbox
    (``mailoauth.send_as_command("info@contoso.com", "alice@contoso.com")`` gives the
    ``Add-RecipientPermission ... -AccessRights SendAs`` line); without it the server refuses the
    message with ``550 5.7.60`` (``diagnose_reply`` says ``send_as_denied``). ``cloud`` as for
    :func:`imap_login`.
    """
    personal = is_personal(token, cloud)
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

        def send(data: bytes) -> None:
            # smtplib's own debug output (set_debuglevel) would print the AUTH line, token and
            # all: print a redacted copy instead and send with the debug output off.
            level = smtp.debuglevel
            if level <= 0:
                smtp.send(data)
                return
            smtp._print_debug("send:", repr(redact_auth_line(data)))  # type: ignore[attr-defined]
            smtp.debuglevel = 0
            try:
                smtp.send(data)
            finally:
                smtp.debuglevel = level

        def debug_readline() -> bytes:
            line = readline()
            if smtp.debuglevel > 0:
                smtp._print_debug("reply:", repr(line))  # type: ignore[attr-defined]
            return line

        return drive(machine, LineConnection(send, debug_readline, _where(conn, "SMTP server")), personal=personal)
    if ehlo is None:
        raise error_from("invalid_input", "smtp_login over a raw socket needs ehlo=[...] (the EHLO keyword lines)")
    lines = SocketLines(conn)
    machine = SmtpAuth(user=user, token=token, ehlo=list(ehlo), mechanism=mechanism, initial_response=initial_response, host=host, port=port)
    return drive(machine, LineConnection(lines.send, lines.readline, _where(conn, "SMTP server")), personal=personal)


# ------------------------------------------------------------------------------------------------
# Retry with a fresh token; sessions that outlive their token

_LOGIN: dict[str, Callable[..., Authenticated]] = {"imap": imap_login, "pop": pop_login, "smtp": smtp_login}
T = TypeVar("T")

#: ``token(fresh)`` gives an access token: any usable one when ``fresh`` is false, a newly
#: acquired one (refresh or re-acquire, bypassing a cache) when true.
TokenSource = Callable[[bool], str]


def _close_quietly(protocol: str, conn: Any) -> None:
    try:
        if protocol == "imap" and isinstance(conn, imaplib.IMAP4):
            conn.shutdown()
        else:
            conn.close()
    except Exception:  # noqa: BLE001 - closing a broken connection may fail in any way
        pass


def connect_and_login(
    protocol: str,
    connect: Callable[[], Any],
    user: str,
    token: TokenSource,
    *,
    mechanism: str = "XOAUTH2",
    host: Optional[str] = None,
    port: Optional[int] = None,
    cloud: Optional[CloudLike] = None,
) -> tuple[Any, Authenticated]:
    """Opens a connection (``connect()``) and logs in with ``token(False)``.

    When the server refuses and the core says a fresh token can help
    (``retry_with_fresh_token``: an expired or revoked token looks like this), the connection is
    closed, ``token(True)`` is asked for a new token and the login is tried ONCE more on a new
    connection. Any other refusal, or a second one, is raised as is. Returns the logged-in
    connection and the success record.

    ``user`` is the mailbox for IMAP and POP (a shared mailbox too, with the delegate's token).
    For SMTP it must be the token's own user (delegated) or the mailbox the app sends as
    (app-only): a shared mailbox cannot be an SMTP AUTH identity, so a delegate logs in as
    itself and sends with the shared address in ``MAIL FROM`` and ``From:``, which needs Send As
    on it (see :func:`smtp_login`). ``cloud="consumers"`` (or a personal-account token) gives
    refusals the account owner's fix.
    """
    if protocol not in _LOGIN:
        raise error_from("invalid_input", f"unknown protocol {protocol!r} (imap, pop or smtp)")
    login = _LOGIN[protocol]
    fresh = False
    while True:
        conn = connect()
        try:
            result = login(conn, user, token(fresh), mechanism=mechanism, host=host, port=port, cloud=cloud)
            return conn, result
        except AuthenticationError as e:
            _close_quietly(protocol, conn)
            if fresh or not e.retry_with_fresh_token:
                raise
            fresh = True
        except BaseException:
            _close_quietly(protocol, conn)
            raise


def _reply_text(protocol: str, exc: BaseException) -> str:
    """The server's words in an exception of imaplib/poplib/smtplib, as a reply line."""
    if isinstance(exc, smtplib.SMTPResponseException):
        err = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {err}"
    arg = exc.args[0] if exc.args else ""
    text = arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)
    if protocol == "imap" and isinstance(exc, imaplib.IMAP4.abort):
        return f"* BYE {text}"
    return text


class MailSession:
    """A mail connection that stays usable across token expiry.

    ``run(command)`` calls ``command(conn)`` on a logged-in connection and returns its result.
    Before each command, a token that is about to expire (the core's ``needs_refresh`` with
    ``margin`` seconds) makes the session reconnect with a fresh one. When a command fails because
    the server ended the session for an expired token (the core diagnoses the reply as
    ``session_token_expired``, e.g. Exchange's ``* BYE Session invalidated - AccessTokenExpired``),
    or the connection dropped while the token is expired, the session reconnects with a fresh
    token and runs the command once more. Other failures are raised unchanged.

    ``tokens(fresh)`` returns a :class:`mailoauth.TokenSet` (a fresh one when ``fresh``);
    ``connect()`` opens a new connection (with a timeout); ``user`` and ``cloud`` as for
    :func:`connect_and_login`. Use as a context manager.
    """

    def __init__(
        self,
        protocol: str,
        connect: Callable[[], Any],
        user: str,
        tokens: Callable[[bool], TokenSet],
        *,
        mechanism: str = "XOAUTH2",
        host: Optional[str] = None,
        port: Optional[int] = None,
        margin: int = 60,
        now: Callable[[], float] = time.time,
        cloud: Optional[CloudLike] = None,
    ) -> None:
        if protocol not in _LOGIN:
            raise error_from("invalid_input", f"unknown protocol {protocol!r} (imap, pop or smtp)")
        self.protocol = protocol
        self._connect = connect
        self.user = user
        self._tokens = tokens
        self.mechanism = mechanism
        self.host = host
        self.port = port
        self.margin = margin
        self._now = now
        self.cloud = cloud
        self.conn: Any = None
        self.token_set: Optional[TokenSet] = None
        #: How many times the session logged in (1 + reconnections).
        self.logins = 0

    def __enter__(self) -> "MailSession":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _token(self, fresh: bool) -> str:
        self.token_set = self._tokens(fresh)
        return self.token_set.access_token

    def _open(self, fresh: bool) -> None:
        self.close()
        first = [fresh]

        def token(want_fresh: bool) -> str:
            f = want_fresh or first[0]
            first[0] = False
            return self._token(f)

        self.conn, _ = connect_and_login(self.protocol, self._connect, self.user, token,
                                         mechanism=self.mechanism, host=self.host, port=self.port, cloud=self.cloud)
        self.logins += 1

    def _expiring(self) -> bool:
        return self.token_set is None or self.token_set.needs_refresh(int(self._now()), self.margin)

    def _expired(self) -> bool:
        return self.token_set is None or self.token_set.is_expired(int(self._now()))

    def run(self, command: Callable[[Any], T]) -> T:
        """Runs ``command(conn)``, reconnecting with a fresh token when the token expires."""
        if self.conn is None or self._expiring():
            self._open(fresh=self.conn is not None)
        try:
            return command(self.conn)
        except (imaplib.IMAP4.abort, imaplib.IMAP4.error, poplib.error_proto, smtplib.SMTPException, OSError, EOFError) as e:
            diagnosis = diagnose_reply(self.protocol, _reply_text(self.protocol, e))
            token_ended = diagnosis is not None and diagnosis.code == "session_token_expired"
            dropped = isinstance(e, (imaplib.IMAP4.abort, smtplib.SMTPServerDisconnected, OSError, EOFError))
            if not (token_ended or (dropped and self._expired())):
                raise
        self._open(fresh=True)
        return command(self.conn)

    def close(self) -> None:
        """Logs out (best effort) and closes the connection."""
        conn, self.conn = self.conn, None
        if conn is None:
            return
        try:
            if self.protocol == "imap":
                conn.logout()
            else:
                conn.quit()
        except Exception:  # noqa: BLE001 - a failing goodbye changes nothing
            _close_quietly(self.protocol, conn)
