"""The relay's upstream side: connect to the mail server (implicit TLS, STARTTLS or plain), learn
its capabilities, and log in with XOAUTH2 through the core's machines
(:class:`mailoauth.ImapAuth`, :class:`mailoauth.PopAuth`, :class:`mailoauth.SmtpAuth`) over
asyncio streams. After :func:`login` the streams are in the logged-in state, ready for bytes."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field
from typing import Optional, Union

from mailoauth._native import Authenticated, ImapAuth, PopAuth, SmtpAuth
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
    """Opens the upstream connection, reads the greeting, does STARTTLS when ``tls`` is
    ``starttls``, and reads the capabilities (IMAP ``CAPABILITY``, POP3 ``CAPA``, SMTP ``EHLO``)."""
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
            await _greeting(up, where)
            up.capabilities = await _capabilities(up, where, hostname)
            if tls == "starttls":
                await _starttls(up, where, ctx)
                up.capabilities = await _capabilities(up, where, hostname)
        except (OSError, ssl.SSLError) as e:
            up.close()
            raise UpstreamError(f"{where}: {e}") from None
        except BaseException:
            up.close()
            raise
        return up

    try:
        return await asyncio.wait_for(run(), timeout)
    except asyncio.TimeoutError:
        raise UpstreamError(f"{where} did not answer within {timeout:g} s") from None


async def _greeting(up: Upstream, where: str) -> None:
    if up.protocol == "smtp":
        code, _ = await _smtp_reply(up, where)
        if code != 220:
            raise UpstreamError(f"{where} refused the connection: greeting {code}")
        return
    line = await _readline(up.reader, where)
    ok = line.startswith(b"* OK") if up.protocol == "imap" else line.startswith(b"+OK")
    if not ok:
        raise UpstreamError(f"{where} greeting: {line[:200]!r}")


async def _smtp_reply(up: Upstream, where: str) -> tuple[int, list[str]]:
    """One (multi-line) SMTP reply: its code and the text of each line."""
    texts: list[str] = []
    while True:
        line = (await _readline(up.reader, where)).decode("utf-8", "replace").rstrip("\r\n")
        if len(line) < 3 or not line[:3].isdigit():
            raise UpstreamError(f"{where} sent {line[:200]!r} where a reply was expected")
        texts.append(line[4:])
        if line[3:4] != "-":
            return int(line[:3]), texts


async def _capabilities(up: Upstream, where: str, hostname: str) -> list[str]:
    if up.protocol == "imap":
        await _write(up.writer, b"R0 CAPABILITY\r\n")
        caps: list[str] = []
        while True:
            line = await _readline(up.reader, where)
            if line.upper().startswith(b"* CAPABILITY "):
                caps = line.decode("utf-8", "replace").split()[2:]
            elif line.startswith(b"R0 "):
                if not line.startswith(b"R0 OK"):
                    raise UpstreamError(f"{where} refused CAPABILITY: {line[:200]!r}")
                return caps
    if up.protocol == "pop":
        await _write(up.writer, b"CAPA\r\n")
        first = await _readline(up.reader, where)
        if not first.startswith(b"+OK"):
            return []
        lines: list[str] = []
        while True:
            line = await _readline(up.reader, where)
            if line.rstrip(b"\r\n") == b".":
                return lines
            lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))
    await _write(up.writer, f"EHLO {hostname}\r\n".encode())
    code, texts = await _smtp_reply(up, where)
    if code != 250:
        raise UpstreamError(f"{where} refused EHLO: {code} {' '.join(texts)[:200]}")
    return [t.strip() for t in texts[1:] if t.strip()]


async def _starttls(up: Upstream, where: str, ctx: ssl.SSLContext) -> None:
    if up.protocol == "imap":
        await _write(up.writer, b"R1 STARTTLS\r\n")
        while True:
            line = await _readline(up.reader, where)
            if line.startswith(b"R1 "):
                if not line.startswith(b"R1 OK"):
                    raise UpstreamError(f"{where} refused STARTTLS: {line[:200]!r}")
                break
    elif up.protocol == "pop":
        await _write(up.writer, b"STLS\r\n")
        line = await _readline(up.reader, where)
        if not line.startswith(b"+OK"):
            raise UpstreamError(f"{where} refused STLS: {line[:200]!r}")
    else:
        await _write(up.writer, b"STARTTLS\r\n")
        code, texts = await _smtp_reply(up, where)
        if code != 220:
            raise UpstreamError(f"{where} refused STARTTLS: {code} {' '.join(texts)[:200]}")
    await up.writer.start_tls(ctx, server_hostname=up.host)


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


