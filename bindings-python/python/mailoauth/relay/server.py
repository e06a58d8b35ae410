"""The relay server: asyncio listeners, one :class:`mailoauth.RelaySession` (the core's
client-facing machine) per client, the local password check, the account's token, the upstream
XOAUTH2 login, then a byte pipe both ways.

Nothing secret is logged: not the local password, not the token, not the SASL strings; a client
is named by its address and the user name it gave.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import hashlib
import hmac
import itertools
import logging
import os
import signal
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Awaitable, Callable, Optional

from mailoauth._native import AuthenticationError, Error, RelaySession, diagnose_reply
from mailoauth.relay import upstream as up
from mailoauth.relay.config import Listener, PasswordHash, RelayConfig, User, hash_password

log = logging.getLogger("mailoauth.relay")

#: Read size of the pipe (both directions).
CHUNK = 256 * 1024
#: How much of the upstream's last output is kept to explain why it closed a session.
TAIL = 1024


@dataclass
class Refusal:
    """Why a login is refused, for the client (``code``, ``text``) and the log (``detail``)."""

    code: str
    text: str
    temporary: bool = False
    detail: str = ""


class TokenProblem(Exception):
    """The account's token could not be obtained."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.detail or refusal.text)
        self.refusal = refusal


class Tokens:
    """The accounts' tokens, from the token store (refreshed under its lease, as ``mailoauth
    token --account`` does: :meth:`mailoauth.accounts.Account.token`). One fetch at a time per account; after an upstream refusal or a
    session ended for token expiry the next fetch is forced."""

    def __init__(self, accounts_file: Optional[Path], cache: Optional[str]) -> None:
        self.accounts_file = accounts_file
        self.cache = cache
        self._locks: dict[str, asyncio.Lock] = collections.defaultdict(asyncio.Lock)
        self._stale: set[str] = set()

    def invalidate(self, account: str) -> None:
        """The next :meth:`get` for ``account`` refreshes the token."""
        self._stale.add(account)

    async def get(self, account: str, *, force: bool = False) -> tuple[str, str]:
        """``(login name, access token)``; raises :class:`TokenProblem`."""
        async with self._locks[account]:
            force = force or account in self._stale
            result = await asyncio.to_thread(self._fetch, account, force)
            self._stale.discard(account)
            return result

    def _fetch(self, name: str, force: bool) -> tuple[str, str]:
        from mailoauth import accounts
        from mailoauth.cache import is_fresh

        try:
            account = accounts.get_account(name, self.accounts_file)
            login_name = account.login_name
            if not login_name:
                raise TokenProblem(Refusal("config_error", "the relay's account has no mailbox", detail=(
                    f"account {name!r} has no user or mailbox to log in as: set user (or mailbox) in the accounts file")))
            store = account.store(self.cache)
            entry = store.get(account.cache_key())
            if not force and entry is not None and is_fresh(entry, int(time.time())):
                return login_name, str(entry["tokens"]["access_token"])
            return login_name, account.token(store, force=force).access_token
        except TokenProblem:
            raise
        except accounts.ConfigError as e:
            raise TokenProblem(Refusal("config_error", "the relay's account is misconfigured", detail=str(e))) from None
        except accounts.SignInRequired as e:
            raise TokenProblem(Refusal("sign_in_required", "the relay's account needs a new sign-in", detail=(
                f"{e}; run once, in a terminal: mailoauth account login {name}"))) from None
        except Error as e:
            status = e.status or 0
            if e.transient or e.code in ("network_error", "malformed", "unexpected_reply") or status == 429 or status >= 500:
                raise TokenProblem(Refusal("token_unavailable", "the token endpoint is unavailable, try again later",
                                           temporary=True, detail=f"{e} [{e.code}]")) from None
            x = e.explanation
            fix = f"; fix: {x.fix}" if x is not None and x.known else ""
            raise TokenProblem(Refusal(e.code, "the token endpoint refused the relay's account", detail=f"{e}{fix}")) from None
        except (OSError, TimeoutError) as e:
            raise TokenProblem(Refusal("token_unavailable", "the token cache is unavailable, try again later", temporary=True,
                                       detail=f"token cache: {e}")) from None


class Throttle:
    """Failed logins per client address in a sliding window."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, collections.deque[float]] = {}

    def _recent(self, source: str, now: float) -> collections.deque[float]:
        q = self._failures.get(source)
        if q is None:
            q = self._failures[source] = collections.deque()
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def blocked(self, source: str, now: float) -> bool:
        """Whether ``source`` has used up its failures."""
        q = self._recent(source, now)
        if not q:
            self._failures.pop(source, None)
        return len(q) >= self.limit

    def failed(self, source: str, now: float) -> None:
        """Counts one failure."""
        self._recent(source, now).append(now)
        if len(self._failures) > 100_000:  # bounded memory under a scan
            oldest = min(self._failures, key=lambda s: self._failures[s][-1] if self._failures[s] else 0)
            self._failures.pop(oldest, None)


class Passwords:
    """Checks local passwords against the scrypt hashes. A password that was right once is
    remembered as an HMAC under a per-process random key, so reconnecting clients (and a burst of
    parallel ones) cost one scrypt, not one each."""

    def __init__(self) -> None:
        self._key = os.urandom(32)
        self._good: dict[str, bytes] = {}
        self._locks: dict[str, asyncio.Lock] = collections.defaultdict(asyncio.Lock)
        self._dummy: Optional[PasswordHash] = None

    async def check_unknown(self, password: str) -> None:
        """Spends what a real check costs on a user that does not exist, so the answer's timing
        does not tell which user names exist."""
        if self._dummy is None:
            self._dummy = PasswordHash.parse(await asyncio.to_thread(hash_password, os.urandom(16).hex()))
        await asyncio.to_thread(self._dummy.verify, password)

    def _mac(self, user: User, password: str) -> bytes:
        return hmac.new(self._key, user.name.encode() + b"\0" + password.encode("utf-8", "surrogatepass"),
                        hashlib.sha256).digest()

    async def check(self, user: User, password: str) -> bool:
        """Whether ``password`` is ``user``'s."""
        mac = self._mac(user, password)
        async with self._locks[user.name]:
            known = self._good.get(user.name)
            if known is not None and hmac.compare_digest(known, mac):
                return True
            ok = await asyncio.to_thread(user.password_hash.verify, password)
            if ok:
                self._good[user.name] = mac
            return ok


class Relay:
    """The listeners of one configuration and their sessions."""

    def __init__(self, config: RelayConfig) -> None:
        self.config = config
        self.tokens = Tokens(config.accounts_file, config.cache)
        self.throttle = Throttle(config.max_failures, config.failure_window)
        self.passwords = Passwords()
        self.servers: list[asyncio.base_events.Server] = []
        self.sessions: dict[asyncio.Task[None], RelaySession] = {}
        self.capabilities: dict[int, list[str]] = {}
        self._ids = itertools.count(1)
        self._server_tls: Optional[ssl.SSLContext] = None
        self._upstream_tls = ssl.create_default_context(cafile=str(config.upstream_ca_file) if config.upstream_ca_file else None)
        self.closing = False

    def server_tls(self) -> Optional[ssl.SSLContext]:
        """The TLS context of the listeners (the configured certificate), when there is one."""
        if self._server_tls is None and self.config.certificate is not None:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            ctx.load_cert_chain(str(self.config.certificate), str(self.config.key))
            self._server_tls = ctx
        return self._server_tls

    async def start(self) -> None:
        """Learns each upstream's capabilities (best effort) and opens the listeners."""
        ctx = self.server_tls()
        for i, listener in enumerate(self.config.listeners):
            self.capabilities[i] = await self._probe(listener)
            server = await asyncio.start_server(
                functools.partial(self._client, i, listener),
                listener.address, listener.port, ssl=ctx if listener.tls == "implicit" else None,
                limit=CHUNK, reuse_address=True)
            self.servers.append(server)
            log.info("listening: %s (tls %s, plaintext login %s) -> %s %s:%s (%s)", listener.name, listener.tls,
                     "allowed" if listener.plaintext_login else "refused", listener.protocol, listener.upstream_host,
                     listener.upstream_port, listener.upstream_tls)

    async def _probe(self, listener: Listener) -> list[str]:
        try:
            conn = await up.connect(listener.protocol, listener.upstream_host, listener.upstream_port, listener.upstream_tls,
                                    hostname=self.config.hostname, timeout=min(self.config.upstream_timeout, 10),
                                    context=self._upstream_tls)
        except up.UpstreamError as e:
            log.warning("%s: cannot learn the upstream's capabilities now (%s): the first login will", listener.name, e)
            return []
        conn.close()
        return conn.capabilities

    async def shutdown(self) -> None:
        """Stops listening, says goodbye to clients that are not logged in, gives relaying
        sessions ``shutdown_grace`` seconds to finish, then closes them."""
        self.closing = True
        for server in self.servers:
            server.close()
        for task, session in list(self.sessions.items()):
            if session.state != "relaying":
                task.cancel()
        relaying = [t for t in self.sessions if not t.done()]
        if relaying:
            log.info("shutdown: waiting up to %g s for %d session(s)", self.config.shutdown_grace, len(relaying))
            _, pending = await asyncio.wait(relaying, timeout=self.config.shutdown_grace or None)
            for t in pending:
                t.cancel()
            if pending:
                await asyncio.wait(pending, timeout=5)
        for server in self.servers:
            await server.wait_closed()
        log.info("shutdown: done")

    async def _client(self, index: int, listener: Listener, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        source = str(peer[0]) if isinstance(peer, tuple) and peer else "unknown"
        sid = next(self._ids)
        tag = f"#{sid} {listener.protocol} {source}"
        task = asyncio.current_task()
        assert task is not None
        session = RelaySession(listener.protocol, hostname=self.config.hostname, tls_active=listener.tls == "implicit",
                               starttls=listener.tls == "starttls", plaintext_login=listener.plaintext_login,
                               upstream_capabilities=self.capabilities.get(index, []))
        if self.closing or len(self.sessions) >= self.config.max_sessions:
            log.warning("%s: refused: %s", tag, "shutting down" if self.closing else f"{len(self.sessions)} sessions open")
            # The greeting, then the protocol's goodbye.
            if self.closing:
                session.shutdown()
            else:
                session.busy()
            try:
                await _flush(session, writer)
            finally:
                writer.close()
            return
        self.sessions[task] = session
        upstream: Optional[up.Upstream] = None
        try:
            try:
                got = await self._pre_login(index, listener, session, reader, writer, tag, source)
            except asyncio.CancelledError:
                if session.state != "relaying":
                    session.shutdown()
                    await _flush(session, writer)
                raise
            if got is None:
                return
            upstream, account = got
            await self._pipe(listener, reader, writer, upstream, account, tag)
        except asyncio.CancelledError:
            pass
        except (OSError, ssl.SSLError, ConnectionError) as e:
            log.info("%s: connection ended: %s", tag, e)
        except Exception:  # a bug: log it, keep serving the others
            log.exception("%s: internal error", tag)
        finally:
            self.sessions.pop(task, None)
            if upstream is not None:
                upstream.close()
            writer.close()

    async def _pre_login(self, index: int, listener: Listener, session: RelaySession, reader: asyncio.StreamReader,
                         writer: asyncio.StreamWriter, tag: str, source: str) -> Optional[tuple[up.Upstream, str]]:
        """Runs the client-facing machine until the upstream login succeeds (the open upstream
        and the account) or the session ends (None)."""
        deadline = time.monotonic() + self.config.login_timeout
        while True:
            out = session.poll_output()
            if out is None:
                remaining = deadline - time.monotonic()
                try:
                    data = await asyncio.wait_for(reader.read(CHUNK), max(remaining, 0.001))
                except asyncio.TimeoutError:
                    log.info("%s: no login within %g s: closing", tag, self.config.login_timeout)
                    session.timed_out()
                    continue
                if not data:
                    log.info("%s: the client disconnected before logging in", tag)
                    return None
                session.receive(data)
                continue
            if out.kind == "send":
                assert out.data is not None
                writer.write(out.data)
                await writer.drain()
            elif out.kind == "start_tls":
                ctx = self.server_tls()
                assert ctx is not None  # the core offers STARTTLS only when the listener has TLS
                await writer.start_tls(ctx)
                session.tls_started()
            elif out.kind == "close":
                log.info("%s: closed (%s)", tag, out.reason)
                await writer.drain()
                return None
            else:
                assert out.user is not None and out.password is not None
                result = await self._login(index, listener, out.user, out.password, tag, source)
                if isinstance(result, Refusal):
                    session.login_failed(result.code, result.text, temporary=result.temporary)
                    continue
                conn, account, caps = result
                session.login_succeeded(caps)
                await _flush(session, writer)
                pending = session.take_pending_input()
                if pending:
                    conn.writer.write(pending)
                return conn, account

    async def _login(self, index: int, listener: Listener, name: str, password: str, tag: str,
                     source: str) -> "Refusal | tuple[up.Upstream, str, Optional[list[str]]]":
        now = time.monotonic()
        if self.throttle.blocked(source, now):
            log.warning("%s: login as %r refused: too many failed logins from this address (throttled for up to %g s)",
                        tag, name, self.config.failure_window)
            await asyncio.sleep(self.config.failure_delay)
            return Refusal("too_many_failures", "too many failed logins from your address, try again later", temporary=True)
        user = self.config.users.get(name)
        if user is None:
            await self.passwords.check_unknown(password)
        if user is None or not await self.passwords.check(user, password):
            self.throttle.failed(source, time.monotonic())
            log.warning("%s: login as %r refused: %s (nothing was sent upstream)", tag, name,
                        "unknown user" if user is None else "wrong local password")
            await asyncio.sleep(self.config.failure_delay)
            return Refusal("bad_credentials", "invalid user name or password")
        for attempt in (1, 2):
            try:
                login_name, token = await self.tokens.get(user.account, force=attempt == 2)
            except TokenProblem as e:
                r = e.refusal
                log.error("%s: user %r, account %r: no token [%s]: %s", tag, name, user.account, r.code, r.detail)
                return r
            try:
                conn = await up.connect(listener.protocol, listener.upstream_host, listener.upstream_port,
                                        listener.upstream_tls, hostname=self.config.hostname,
                                        timeout=self.config.upstream_timeout, context=self._upstream_tls)
            except up.UpstreamError as e:
                log.error("%s: user %r: upstream unavailable: %s", tag, name, e)
                return Refusal("upstream_unavailable", "the mail server is unavailable, try again later", temporary=True)
            if conn.capabilities:
                self.capabilities[index] = conn.capabilities
            try:
                done = await up.login(conn, login_name, token, timeout=self.config.upstream_timeout)
            except AuthenticationError as e:
                conn.close()
                d = e.diagnosis
                if e.retry_with_fresh_token and attempt == 1:
                    log.info("%s: user %r: the upstream refused the token (%s): retrying once with a fresh one", tag,
                             name, d.code if d else "rejected")
                    continue
                log.error("%s: user %r, account %r: the upstream refused the login: %s%s", tag, name, user.account,
                          e, f"\n  cause: {d.cause}\n  fix: {d.fix}" if d is not None else "")
                if e.retry_with_fresh_token:
                    self.tokens.invalidate(user.account)
                return Refusal(d.code if d is not None else "rejected", "the mail server refused the relay's login")
            except up.UpstreamError as e:
                conn.close()
                log.error("%s: user %r: upstream connection broke during the login: %s", tag, name, e)
                return Refusal("upstream_unavailable", "the mail server is unavailable, try again later", temporary=True)
            except Error as e:
                conn.close()
                log.error("%s: user %r: upstream login failed: %s [%s]", tag, name, e, e.code)
                return Refusal(e.code, "the mail server broke the login protocol", temporary=True)
            except BaseException:  # cancelled (shutdown): do not leave the upstream connection open
                conn.close()
                raise
            log.info("%s: %r logged in upstream as %s (%s %s:%s)", tag, name, login_name, listener.protocol,
                     listener.upstream_host, listener.upstream_port)
            return conn, user.account, done.capabilities
        raise AssertionError("unreachable")

    async def _pipe(self, listener: Listener, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    conn: up.Upstream, account: str, tag: str) -> None:
        """Copies bytes both ways until one side closes; explains an upstream farewell.

        The streams' transports get :class:`_Pipe` protocols: every chunk read is written to the
        other side at once (no copy through a stream buffer, no await per chunk), and a full
        write buffer pauses reading on the other side (flow control both ways)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[str] = loop.create_future()
        client_t, upstream_t = writer.transport, conn.writer.transport
        to_upstream = _Pipe(upstream_t, done, "client")
        to_client = _Pipe(client_t, done, "upstream", keep_tail=True)
        # Bytes the streams read ahead (after the login lines) go first.
        early_client, early_upstream = _take_buffered(reader), _take_buffered(conn.reader)
        for t in (client_t, upstream_t):
            t.set_write_buffer_limits(high=4 * CHUNK)
        client_t.set_protocol(to_upstream)
        upstream_t.set_protocol(to_client)
        to_upstream.peer_protocol, to_client.peer_protocol = to_client, to_upstream
        if early_client:
            to_upstream.data_received(early_client)
        if early_upstream:
            to_client.data_received(early_upstream)
        for proto, t, stream in ((to_upstream, client_t, reader), (to_client, upstream_t, conn.reader)):
            if stream.at_eof() or t.is_closing():
                proto.eof_received()
        try:
            closed = await done
        finally:
            for t in (client_t, upstream_t):
                t.close()
        if closed == "upstream":
            self._explain_farewell(listener, bytes(to_client.tail), account, tag)
        log.info("%s: session ended (%s closed)", tag, closed)

    def _explain_farewell(self, listener: Listener, tail: bytes, account: str, tag: str) -> None:
        lines = [line for line in tail.split(b"\n") if line.strip()]
        if not lines:
            return
        last = lines[-1].decode("utf-8", "replace").strip()
        d = diagnose_reply(listener.protocol, last)
        if d is not None and d.code == "session_token_expired":
            self.tokens.invalidate(account)
            log.info("%s: the upstream ended the session because the token expired: the client reconnects and the relay "
                     "logs in with a fresh token", tag)
        elif d is not None:
            log.info("%s: the upstream's last words: %s (diagnosis %s: %s)", tag, last[:200], d.code, d.fix)


class _Pipe(asyncio.Protocol):
    """Reads one side of a relayed session and writes what it reads to the other (``peer``)."""

    def __init__(self, peer: asyncio.BaseTransport, done: "asyncio.Future[str]", name: str, *,
                 keep_tail: bool = False) -> None:
        self.peer = peer
        self.done = done
        self.name = name
        self.keep_tail = keep_tail
        self.tail = bytearray()
        self.peer_protocol: Optional["_Pipe"] = None
        self.source: Optional[asyncio.BaseTransport] = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:  # not called by set_protocol
        self.source = transport

    def data_received(self, data: bytes) -> None:
        if self.done.done():
            return
        self.peer.write(data)  # type: ignore[attr-defined]
        if self.keep_tail:
            self.tail += data[-TAIL:]
            del self.tail[:-TAIL]

    def eof_received(self) -> bool:
        if not self.done.done():
            self.done.set_result(self.name)
        return False

    def connection_lost(self, exc: Optional[Exception]) -> None:
        if not self.done.done():
            self.done.set_result(self.name)

    # Our transport's write buffer is full: stop reading the side that feeds it.
    def pause_writing(self) -> None:
        if self.peer_protocol is not None:
            self.peer.pause_reading()  # type: ignore[attr-defined]

    def resume_writing(self) -> None:
        if self.peer_protocol is not None and not self.peer.is_closing():
            self.peer.resume_reading()  # type: ignore[attr-defined]


def _take_buffered(reader: asyncio.StreamReader) -> bytes:
    """The bytes a stream has read but not handed out (its private buffer, present in every
    CPython 3.8-3.13 StreamReader)."""
    buf = getattr(reader, "_buffer", None)
    if not buf:
        return b""
    data = bytes(buf)
    buf.clear()
    return data


async def _flush(session: RelaySession, writer: asyncio.StreamWriter) -> None:
    """Writes what the session wants sent (after a verdict or a shutdown)."""
    while True:
        out = session.poll_output()
        if out is None:
            break
        if out.kind == "send" and out.data is not None:
            writer.write(out.data)
    try:
        await writer.drain()
    except (OSError, ConnectionError):
        pass


async def serve(config: RelayConfig, *, ready: Optional[Callable[[Relay], Awaitable[None]]] = None,
                stop: Optional[asyncio.Event] = None) -> int:
    """Runs the relay until SIGTERM / SIGINT (or ``stop``), then shuts down cleanly. Returns 0."""
    relay = Relay(config)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread, or Windows
            pass
    await relay.start()
    log.info("ready: %d listener(s), %d user(s)", len(relay.servers), len(config.users))
    if ready is not None:
        await ready(relay)
    await stop.wait()
    log.info("shutdown: stopping")
    await relay.shutdown()
    return 0


def run(config: RelayConfig) -> int:
    """:func:`serve` in a new event loop."""
    return asyncio.run(serve(config))


def describe(listener: Listener) -> str:
    """One line about a listener, for ``relay check``."""
    return f"{listener.name} -> {listener.upstream_host}:{listener.upstream_port} ({listener.upstream_tls})"


__all__ = ["Relay", "Refusal", "Tokens", "Throttle", "Passwords", "serve", "run", "describe"]

