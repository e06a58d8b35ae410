"""`mailoauth relay`: the native client-facing machine, the configuration, the password hashes,
the throttle, and the relay in-process between imaplib and a scripted XOAUTH2 upstream."""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import ssl
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

import mailoauth
from mailoauth.accounts import ConfigError
from mailoauth.relay import config as cfg
from mailoauth.relay import server
from test_helper import USER, Setup

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "bindings-python" / "examples" / "relay.toml"
FAST = dict(n=2**14, r=8, p=1)


def test_native_session_speaks_imap_and_hides_the_password() -> None:
    s = mailoauth.RelaySession("imap", plaintext_login=True, upstream_capabilities=["IMAP4rev1", "AUTH=XOAUTH2", "IDLE"])
    greeting = s.poll_output()
    assert greeting is not None and greeting.kind == "send"
    assert greeting.data == b"* OK [CAPABILITY IMAP4rev1 IDLE LITERAL+ SASL-IR AUTH=PLAIN] mailoauth relay ready\r\n"
    s.receive(b'a1 LOGIN scanner "pa ss"\r\na2 NOOP\r\n')
    out = s.poll_output()
    assert out is not None and (out.kind, out.user, out.password, out.method) == ("login", "scanner", "pa ss", "imap_login")
    assert "pa ss" not in repr(out) and "[redacted]" in repr(out)
    assert s.state == "checking_login"
    s.login_failed("token_expired", "the upstream refused the token")
    refusal = s.poll_output()
    assert refusal is not None and refusal.data == b"a1 NO [AUTHENTICATIONFAILED] mailoauth: token_expired: the upstream refused the token\r\n"
    assert s.poll_output() is not None  # a2 NOOP answered after the verdict
    with pytest.raises(mailoauth.InvalidInputError):
        s.login_succeeded()
    assert mailoauth.rewrite_capabilities("smtp", ["AUTH XOAUTH2", "SIZE 5"], tls_active=True) == ["SIZE 5", "AUTH PLAIN LOGIN"]
    assert mailoauth.post_login_capabilities("pop", ["USER", "TOP", "SASL XOAUTH2"]) == ["TOP"]
    with pytest.raises(mailoauth.InvalidInputError):
        mailoauth.RelaySession("nntp")


def test_password_hashes_round_trip_and_never_print() -> None:
    h = cfg.hash_password("correct horse", **FAST)
    assert h.startswith("scrypt$16384$8$1$")
    parsed = cfg.PasswordHash.parse(h)
    assert parsed.verify("correct horse") and not parsed.verify("correct horsE")
    assert "redacted" in repr(parsed) and parsed.digest.hex() not in repr(parsed)
    for bad in ["", "md5$x", "scrypt$3$8$1$AAAA$AAAA", "scrypt$16384$8$1$!!$AAAA", "scrypt$16384$8$1$AAAA$AAAA"]:
        with pytest.raises(ValueError):
            cfg.PasswordHash.parse(bad)


def write_config(tmp_path: Path, body: str, users: bool = True) -> Path:
    p = tmp_path / "relay.toml"
    hashed = cfg.hash_password("scanner-pass", **FAST)
    extra = f'\n[users.scanner]\npassword_hash = "{hashed}"\naccount = "t"\n' if users else ""
    p.write_text(body + extra)
    return p


def test_the_example_configuration_is_valid(tmp_path: Path) -> None:
    text = EXAMPLE.read_text()
    assert "password_hash" in text
    hashed = cfg.hash_password("x" * 12, **FAST)
    p = tmp_path / "relay.toml"
    p.write_text(text.replace("scrypt$32768$8$1$REPLACE-ME$REPLACE-ME", hashed))
    (tmp_path / "relay.pem").write_text("")
    conf = cfg.load(p)
    assert [li.protocol for li in conf.listeners] == ["imap", "pop", "smtp", "smtp"]
    assert all(li.address == "127.0.0.1" for li in conf.listeners[:3])


@pytest.mark.parametrize("body, message", [
    ('[[listen]]\nprotocol = "imap"\nport = 1143\naddress = "0.0.0.0"\n', "not a loopback address and the listener has no TLS"),
    ('[tls]\ncertificate = "c.pem"\nkey = "k.pem"\n[[listen]]\nprotocol = "imap"\nport = 1143\naddress = "0.0.0.0"\n'
     'tls = "starttls"\nplaintext_login = true\n', "plaintext_login = true on 0.0.0.0"),
    ('[[listen]]\nprotocol = "imap"\nport = 1143\ntls = "implicit"\n', "needs a certificate"),
    ('[[listen]]\nprotocol = "nntp"\nport = 1143\n', "protocol must be imap, pop or smtp"),
    ('[[listen]]\nprotocol = "imap"\nport = 1143\n[[listen]]\nprotocol = "pop"\nport = 1143\n', "two listeners"),
    ('[[listen]]\nprotocol = "imap"\nport = 1143\nupstream = "nohostport"\n', "upstream must be HOST:PORT"),
    ('[relay]\nfailure_delay = "x"\n[[listen]]\nprotocol = "imap"\nport = 1143\n', "failure_delay must be a number"),
    ('[[listen]]\nprotocol = "imap"\nport = 1143\n[users.a]\npassword = "x"\naccount = "t"\n', "never the password itself"),
    ('[[listen]]\nprotocol = "imap"\nport = 1143\n[users.a]\npassword_hash = "x"\naccount = "t"\n', "password_hash"),
    ("[[listen]\n", "not valid TOML"),
    ('[relay]\ncache = "memcached://h:11211"\n[[listen]]\nprotocol = "imap"\nport = 1143\n', "unknown token store"),
])
def test_configuration_mistakes_are_refused_with_a_fix(tmp_path: Path, body: str, message: str) -> None:
    p = write_config(tmp_path, body)
    with pytest.raises(ConfigError) as e:
        cfg.load(p)
    assert message in str(e.value)
    assert str(p) in str(e.value)


def test_the_token_store_is_a_path_or_a_store_url(tmp_path: Path) -> None:
    for given, expected in (("tokens.json", str(tmp_path / "tokens.json")), ("/var/lib/t.json", "/var/lib/t.json"),
                            ("sqlite:/var/lib/mailoauth/tokens.db", "sqlite:/var/lib/mailoauth/tokens.db"),
                            ("redis://10.0.0.5:6379/2", "redis://10.0.0.5:6379/2")):
        p = write_config(tmp_path, f'[relay]\ncache = "{given}"\n[[listen]]\nprotocol = "imap"\nport = 1143\n')
        assert cfg.load(p).cache == expected


def test_tokens_come_from_the_accounts_store_single_flight(tmp_path: Path) -> None:
    """An app-only account behind the relay with a SQLite store: one token request serves
    every later fetch (and another process using the same store), and a forced fetch (after an
    upstream refusal) asks again."""
    from servers import HttpServer
    from test_helper import token_reply

    with HttpServer({"/token": [token_reply("AT-1"), token_reply("AT-2")]}) as srv:
        (tmp_path / "secret").write_text("s3cr3t")
        accounts_file = tmp_path / "accounts.toml"
        accounts_file.write_text(f'[accounts.app]\nprovider = "custom"\nclient_id = "mail-daemon"\ntoken_url = "{srv.base}/token"\n'
                                 f'client_secret_file = "{tmp_path / "secret"}"\nmailbox = "{USER}"\nscopes = ["mail"]\n')
        store = f"sqlite:{tmp_path / 'tokens.db'}"
        tokens = server.Tokens(accounts_file, store)
        assert asyncio.run(tokens.get("app")) == (USER, "AT-1")
        assert asyncio.run(server.Tokens(accounts_file, store).get("app")) == (USER, "AT-1")
        tokens.invalidate("app")
        assert asyncio.run(tokens.get("app")) == (USER, "AT-2")
        requests = [r for r in srv.requests if r.path == "/token"]
    assert len(requests) == 2 and requests[0].form["grant_type"] == "client_credentials"
    assert (tmp_path / "tokens.db").exists() and not (tmp_path / "tokens.json").exists()


def test_a_delegated_account_without_a_sign_in_is_refused_with_the_command(tmp_path: Path) -> None:
    s = Setup(tmp_path, None, token_url="http://127.0.0.1:9/token")
    with pytest.raises(server.TokenProblem) as e:
        asyncio.run(server.Tokens(s.config, str(s.cache_path)).get("t"))
    refusal = e.value.refusal
    assert refusal.code == "sign_in_required" and not refusal.temporary
    assert "no token is cached" in refusal.detail and "mailoauth account login t" in refusal.detail, refusal


def test_no_users_is_an_open_relay_and_refused(tmp_path: Path) -> None:
    p = write_config(tmp_path, '[[listen]]\nprotocol = "imap"\nport = 1143\n', users=False)
    with pytest.raises(ConfigError, match="no users"):
        cfg.load(p)


def test_throttle_counts_failures_per_source_in_a_window() -> None:
    t = server.Throttle(limit=2, window=10)
    t.failed("10.0.0.1", 0)
    assert not t.blocked("10.0.0.1", 1)
    t.failed("10.0.0.1", 2)
    assert t.blocked("10.0.0.1", 3) and not t.blocked("10.0.0.2", 3)
    assert not t.blocked("10.0.0.1", 12.5)


def test_hash_password_command_reads_stdin() -> None:
    r = subprocess.run([sys.executable, "-m", "mailoauth", "relay", "hash-password", "--stdin"], input="a-long-password\n",
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert cfg.PasswordHash.parse(r.stdout.strip()).verify("a-long-password")
    assert "a-long-password" not in r.stdout + r.stderr
    r = subprocess.run([sys.executable, "-m", "mailoauth", "relay", "hash-password", "--stdin"], input="short\n",
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "shorter than 8" in r.stderr


# ------------------------------------------------------------------------------------------------
# In process: imaplib -> relay -> a scripted IMAP server that accepts one XOAUTH2 string


class FakeImap:
    """An IMAP server on 127.0.0.1 (any number of connections) accepting AUTHENTICATE XOAUTH2
    with one token; records every client line."""

    def __init__(self, token: str) -> None:
        self.expected = mailoauth.xoauth2(USER, token)
        self.lines: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"* OK fake ready\r\n")
        while True:
            line = await reader.readline()
            if not line:
                break
            self.lines.append(line)
            tag, _, rest = line.rstrip(b"\r\n").partition(b" ")
            cmd = rest.split(b" ")
            name = cmd[0].upper()
            if name == b"CAPABILITY":
                writer.write(b"* CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2 IDLE\r\n" + tag + b" OK done\r\n")
            elif name == b"AUTHENTICATE":
                ok = len(cmd) == 3 and cmd[2].decode() == self.expected
                writer.write(tag + (b" OK [CAPABILITY IMAP4rev1 IDLE MOVE] logged in\r\n" if ok else
                                    b" NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"))
            elif name == b"LOGOUT":
                writer.write(b"* BYE\r\n" + tag + b" OK bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(tag + b" OK " + name + b" completed\r\n")
            await writer.drain()
        writer.close()


@contextlib.contextmanager
def running_relay(tmp_path: Path, listen: str = "", tls: Optional[tuple[Path, Path]] = None,
                  relay_extra: str = "") -> Iterator[dict[str, Any]]:
    """The relay in a thread (its own event loop) with one IMAP listener in front of FakeImap."""
    s = Setup(tmp_path, None, token_url="http://127.0.0.1:9/token")
    s.seed("AT-relay", expires_in=3600)
    fake = FakeImap("AT-relay")
    loop = asyncio.new_event_loop()
    state: dict[str, Any] = {"fake": fake}
    ready = threading.Event()
    stop = asyncio.Event()
    tls_table = f'[tls]\ncertificate = "{tls[0]}"\nkey = "{tls[1]}"\n' if tls else ""

    async def main() -> None:
        upstream = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
        up_port = upstream.sockets[0].getsockname()[1]
        p = write_config(tmp_path, f'[relay]\naccounts_file = "{s.config}"\ncache = "{s.cache_path}"\nfailure_delay = 0\n'
                                   f'max_failures = 3\n{relay_extra}{tls_table}[[listen]]\nprotocol = "imap"\nport = 1\n'
                                   f'upstream = "127.0.0.1:{up_port}"\nupstream_tls = "none"\n{listen}')
        conf = cfg.load(p)
        conf.listeners[0].port = 0

        async def on_ready(relay: server.Relay) -> None:
            state["port"] = relay.servers[0].sockets[0].getsockname()[1]
            state["relay"] = relay
            ready.set()

        try:
            await server.serve(conf, ready=on_ready, stop=stop)
        finally:
            upstream.close()
            ready.set()

    t = threading.Thread(target=lambda: loop.run_until_complete(main()), daemon=True)
    t.start()
    assert ready.wait(30) and "port" in state, "the relay did not start"
    try:
        yield state
    finally:
        loop.call_soon_threadsafe(stop.set)
        t.join(30)
        assert not t.is_alive(), "the relay did not shut down"


@pytest.fixture
def relay_setup(tmp_path: Path) -> Iterator[dict[str, Any]]:
    with running_relay(tmp_path) as state:
        yield state


def client_tls(cert: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(cert))
    return ctx


def test_starttls_is_required_before_login_when_plaintext_login_is_off(tmp_path: Path, tls_files: tuple[Path, Path]) -> None:
    with running_relay(tmp_path, 'tls = "starttls"\nplaintext_login = false\n', tls_files) as r:
        imap = imaplib.IMAP4("127.0.0.1", r["port"], timeout=10)
        assert "LOGINDISABLED" in imap.capabilities and "STARTTLS" in imap.capabilities
        assert "AUTH=PLAIN" not in imap.capabilities
        with pytest.raises(imaplib.IMAP4.error, match="PRIVACYREQUIRED"):
            imap.login("scanner", "scanner-pass")
        imap.starttls(client_tls(tls_files[0]))
        assert "AUTH=PLAIN" in imap.capabilities and "LOGINDISABLED" not in imap.capabilities
        assert imap.login("scanner", "scanner-pass")[0] == "OK"
        assert imap.noop()[0] == "OK"
        imap.logout()


def test_implicit_tls_listener(tmp_path: Path, tls_files: tuple[Path, Path]) -> None:
    with running_relay(tmp_path, 'tls = "implicit"\n', tls_files) as r:
        imap = imaplib.IMAP4_SSL("127.0.0.1", r["port"], ssl_context=client_tls(tls_files[0]), timeout=10)
        assert "STARTTLS" not in imap.capabilities and "AUTH=PLAIN" in imap.capabilities
        assert imap.login("scanner", "scanner-pass")[0] == "OK"
        imap.logout()
        assert any(b"AUTHENTICATE XOAUTH2" in line for line in r["fake"].lines)


def test_imaplib_logs_in_through_the_relay(relay_setup: dict[str, Any]) -> None:
    fake = relay_setup["fake"]
    imap = imaplib.IMAP4("127.0.0.1", relay_setup["port"], timeout=10)
    assert "AUTH=PLAIN" in imap.capabilities and "AUTH=XOAUTH2" not in imap.capabilities
    typ, data = imap.login("scanner", "scanner-pass")
    assert typ == "OK"
    assert data == [b"[CAPABILITY IMAP4rev1 IDLE MOVE] Logged in"]  # the upstream's, without AUTH=
    assert imap.noop()[0] == "OK"
    imap.logout()
    sent = b"".join(fake.lines)
    assert b"AUTHENTICATE XOAUTH2 " + mailoauth.xoauth2(USER, "AT-relay").encode() in sent
    assert b"NOOP" in sent and b"scanner-pass" not in sent


def test_a_wrong_local_password_sends_nothing_upstream_and_is_throttled(relay_setup: dict[str, Any]) -> None:
    fake = relay_setup["fake"]
    before = len(fake.lines)
    imap = imaplib.IMAP4("127.0.0.1", relay_setup["port"], timeout=10)
    with pytest.raises(imaplib.IMAP4.error, match="mailoauth: bad_credentials"):
        imap.login("scanner", "wrong")
    with pytest.raises(imaplib.IMAP4.error, match="mailoauth: bad_credentials"):
        imap.authenticate("PLAIN", lambda _: b"\0nobody\0x")
    assert not any(b"AUTHENTICATE" in line for line in fake.lines[before:])
    # The third failure from this address closes the session; a new one is throttled even with the right password.
    with pytest.raises(imaplib.IMAP4.error, match="mailoauth: bad_credentials"):
        imap.login("scanner", "wrong-again")
    with pytest.raises(imaplib.IMAP4.abort):  # the relay said BYE and closed
        imap.noop()
    imap2 = imaplib.IMAP4("127.0.0.1", relay_setup["port"], timeout=10)
    with pytest.raises(imaplib.IMAP4.error, match="too_many_failures"):
        imap2.login("scanner", "scanner-pass")
    imap2.logout()
    assert not any(b"AUTHENTICATE" in line for line in fake.lines[before:])


def test_native_upstream_preamble_drives_smtp_starttls() -> None:
    p = mailoauth.UpstreamPreamble("smtp", hostname="relay.test", starttls=True)
    seen = []
    replies = iter([b"220 hi\r\n", b"250-x\r\n", b"250 STARTTLS\r\n", b"220 go\r\n", b"250-x\r\n", b"250 AUTH XOAUTH2\r\n"])
    while True:
        a = p.next_action()
        if a.kind == "send":
            seen.append(a.data)
        elif a.kind == "need_line":
            p.receive_line(next(replies))
        elif a.kind == "start_tls":
            seen.append(b"<tls>")
            p.tls_started()
        else:
            assert a.capabilities == ["AUTH XOAUTH2"]
            break
    assert seen == [b"EHLO relay.test\r\n", b"STARTTLS\r\n", b"<tls>", b"EHLO relay.test\r\n"]
    bad = mailoauth.UpstreamPreamble("imap", hostname="h")
    with pytest.raises(mailoauth.ProtocolError):
        bad.receive_line(b"* BYE no\r\n")


def test_a_client_that_does_not_log_in_in_time_gets_a_goodbye(tmp_path: Path) -> None:
    with running_relay(tmp_path, relay_extra="login_timeout = 1\n") as r:
        import socket

        s = socket.create_connection(("127.0.0.1", r["port"]), timeout=10)
        data = b""
        while not data.endswith(b"no login in time\r\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        assert data.startswith(b"* OK [CAPABILITY ") and data.endswith(b"* BYE mailoauth relay autologout: no login in time\r\n")
        assert s.recv(4096) == b""  # closed
        s.close()


def test_sessions_over_max_sessions_get_a_goodbye(tmp_path: Path) -> None:
    with running_relay(tmp_path, relay_extra="max_sessions = 1\n") as r:
        first = imaplib.IMAP4("127.0.0.1", r["port"], timeout=10)
        with pytest.raises(imaplib.IMAP4.abort, match="busy: too many sessions"):
            imaplib.IMAP4("127.0.0.1", r["port"], timeout=10).noop()
        assert first.noop()[0] == "OK"
        first.logout()
