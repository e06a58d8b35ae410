"""The relay's upstream side: connect to the mail server (implicit TLS, STARTTLS or plain), learn
its capabilities (the core's :class:`mailoauth.UpstreamPreamble`), and log in with XOAUTH2 through the core's machines
(:class:`mailoauth.ImapAuth`, :class:`mailoauth.PopAuth`, :class:`mailoauth.SmtpAuth`) over
asyncio streams. After :func:`login` the streams are in the logged-in state, ready for bytes."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field
from typing import Optional, Union

from mailoauth._native import Authenticated, Error, ImapAuth, PopAuth, SmtpAuth, UpstreamPreamble
from mailoauth.mail import MAX_LINE, outcome_result

Machine = Union[ImapAuth, PopAuth, SmtpAuth]


class UpstreamError(Exception):
    """The upstream server could not be reached or broke the protocol before the login (a
    temporary failure for the client)."""


@dataclass
class Upstream:
    """An open upstream connection."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    protocol: str
    host: str
    port: int
    capabilities: list[str] = field(default_factory=list)

    def close(self) -> None:
        """Closes the connection (without waiting)."""
        try:
            self.writer.close()
        except (OSError, RuntimeError):
            pass


async def _readline(reader: asyncio.StreamReader, where: str) -> bytes:
    try:
        line = await reader.readline()
    except (asyncio.LimitOverrunError, ValueError):
        raise UpstreamError(f"{where} sent a line longer than {MAX_LINE} bytes") from None
    if not line.endswith(b"\n"):
        raise UpstreamError(f"{where} closed the connection")
    return line


async def _write(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(data)
    await writer.drain()


async def connect(protocol: str, host: str, port: int, tls: str, *, hostname: str, timeout: float,
                  context: Optional[ssl.SSLContext] = None) -> Upstream:
    """Opens the upstream connection (implicit TLS when ``tls`` is ``implicit``) and runs the
    core's preamble (:class:`mailoauth.UpstreamPreamble`): the greeting, ``STARTTLS`` when ``tls``
    is ``starttls``, and the capabilities (IMAP ``CAPABILITY``, POP3 ``CAPA``, SMTP ``EHLO``)."""
    where = f"{protocol.upper()} {host}:{port}"
    ctx = context or ssl.create_default_context()

    async def run() -> Upstream:
        try:
            reader, writer = await asyncio.open_connection(
                host, port, ssl=ctx if tls == "implicit" else None, server_hostname=host if tls == "implicit" else None,
                limit=MAX_LINE + 2)
        except (OSError, ssl.SSLError) as e:
            raise UpstreamError(f"cannot connect to {where}: {e.strerror if isinstance(e, OSError) and e.strerror else e}") from None
        up = Upstream(reader, writer, protocol, host, port)
        try:
            preamble = UpstreamPreamble(protocol, hostname=hostname, starttls=tls == "starttls")
            while True:
                action = preamble.next_action()
                if action.kind == "send":
                    assert action.data is not None
                    await _write(up.writer, action.data)
                elif action.kind == "need_line":
                    preamble.receive_line(await _readline(up.reader, where))
                elif action.kind == "start_tls":
                    await up.writer.start_tls(ctx, server_hostname=host)
                    preamble.tls_started()
                else:
                    up.capabilities = list(action.capabilities or [])
                    return up
        except Error as e:
            up.close()
            raise UpstreamError(f"{where}: {e}") from None
        except (OSError, ssl.SSLError) as e:
            up.close()
            raise UpstreamError(f"{where}: {e}") from None
        except BaseException:
            up.close()
            raise

    try:
        return await asyncio.wait_for(run(), timeout)
    except asyncio.TimeoutError:
        raise UpstreamError(f"{where} did not answer within {timeout:g} s") from None


async def login(up: Upstream, user: str, token: str, *, timeout: float) -> Authenticated:
    """Logs in with XOAUTH2 (the core's machine decides every step). Returns the success record;
    raises :class:`mailoauth.AuthenticationError` for a refusal (with the diagnosis),
    :class:`UpstreamError` when the connection breaks."""
    where = f"{up.protocol.upper()} {up.host}:{up.port}"
    machine: Machine
    if up.protocol == "imap":
        machine = ImapAuth(user=user, token=token, tag="R2", capabilities=up.capabilities, host=up.host, port=up.port)
    elif up.protocol == "pop":
        machine = PopAuth(user=user, token=token, capabilities=up.capabilities or None, host=up.host, port=up.port)
    else:
        machine = SmtpAuth(user=user, token=token, ehlo=up.capabilities, host=up.host, port=up.port)

    async def run() -> Authenticated:
        while True:
            action = machine.next_action()
            if action.kind == "send":
                assert action.data is not None
                await _write(up.writer, action.data)
            elif action.kind == "need_line":
                machine.receive_line(await _readline(up.reader, where))
            else:
                assert action.outcome is not None
                return outcome_result(action.outcome, where)

    try:
        return await asyncio.wait_for(run(), timeout)
    except asyncio.TimeoutError:
        raise UpstreamError(f"{where} did not finish the login within {timeout:g} s") from None
    except (OSError, ssl.SSLError) as e:
        raise UpstreamError(f"{where}: {e}") from None


