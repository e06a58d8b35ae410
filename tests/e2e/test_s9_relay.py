"""Scenario 9: `mailoauth relay` — clients that can only send a password log in to the relay with a
local password, and the relay logs in to Dovecot with XOAUTH2 (a client-credentials account of
the accounts file) and passes the session through. Real clients: swaks (SMTP AUTH PLAIN and AUTH
LOGIN), msmtp (AUTH PLAIN), fetchmail (POP3 USER/PASS), Python's imaplib (LOGIN), curl's
imap:// pop3:// smtp://. Faults: a wrong local password (nothing reaches the upstream), a 503 token
endpoint, the upstream down, a client that disconnects in the middle of its login, the upstream
ending a session with Exchange's AccessTokenExpired BYE, 100 concurrent sessions, SIGTERM.

Every upstream connection goes through a pass-through FaultProxy, so each comes from its own
127.x.y.z (Dovecot's failed-login penalty is per address) and the test can count them."""

from __future__ import annotations

import email
import imaplib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

from faults import FaultProxy, FaultyTokenEndpoint
from helpers import sink_messages, wait_for
from mailoauth import flows

SCENARIO = "scenario 9: mailoauth relay (password clients -> XOAUTH2 upstream)"
PASSWORD = "relay-pass-9f2c"
LOCAL_USER = "scanner"


def need(*programs: str) -> None:
    import shutil

    missing = [p for p in programs if shutil.which(p) is None]
    if missing:  # .ci/install-deps e2e installs them: a failure, not a skip
        pytest.fail(f"{', '.join(missing)} not installed: run .ci/install-deps e2e")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_hash_cache: dict[str, str] = {}


def password_hash(password: str) -> str:
    """The scrypt hash of a local password, made by the CLI (once per run)."""
    if password not in _hash_cache:
        r = subprocess.run([sys.executable, "-m", "mailoauth", "relay", "hash-password", "--stdin"], input=password + "\n",
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        _hash_cache[password] = r.stdout.strip()
    return _hash_cache[password]


class Relay:
    """A `mailoauth relay run` process with IMAP, POP3 and SMTP listeners in front of Dovecot
    (each through a pass-through FaultProxy, or the given proxies)."""

    def __init__(self, stack: dict[str, Any], workdir: Path, *, token_url: Optional[str] = None,
                 proxies: Optional[dict[str, Any]] = None, extra: str = "", mailbox: Optional[str] = None,
                 tls: Optional[dict[str, str]] = None) -> None:
        self.stack = stack
        self.dir = workdir
        self.secret = stack["clients"]["secret"]
        self.mailbox = mailbox or self.secret["mailbox"]
        self.proxies = proxies or {p: FaultProxy(stack[s]["port"]) for p, s in
                                   (("imap", "imap"), ("pop", "pop"), ("smtp", "submission"))}
        self.ports = {p: free_port() for p in ("imap", "pop", "smtp")}
        (workdir / "accounts.toml").write_text(
            f'[accounts.daemon]\nprovider = "custom"\nclient_id = "{self.secret["client_id"]}"\n'
            f'tenant = "{stack["tenant_id"]}"\ntoken_url = "{token_url or stack["token_url"]}"\n'
            f'mailbox = "{self.mailbox}"\nclient_secret_env = "E2E_RELAY_SECRET"\nprotocols = ["imap", "pop", "smtp"]\n')
        tls = tls or {}
        listeners = "".join(
            f'[[listen]]\nprotocol = "{p}"\nport = {self.ports[p]}\nupstream = "127.0.0.1:{self.upstream_port(p)}"\n'
            f'upstream_tls = "none"\ntls = "{tls.get(p, "none")}"\n' for p in ("imap", "pop", "smtp"))
        if tls:
            self.cert, key = workdir / "relay.pem", workdir / "relay.key"
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(self.cert)],
                           check=True, capture_output=True, timeout=60)
            extra += '\n[tls]\ncertificate = "relay.pem"\nkey = "relay.key"\n'

        self.config = workdir / "relay.toml"
        self.config.write_text(
            f'[relay]\nhostname = "relay.test"\naccounts_file = "accounts.toml"\ncache = "tokens.json"\nfailure_delay = 0\n'
            f'upstream_timeout = 10\nshutdown_grace = 5\n{extra}\n{listeners}\n'
            f'[users.{LOCAL_USER}]\npassword_hash = "{password_hash(PASSWORD)}"\naccount = "daemon"\n')
        self.env = {**os.environ, "E2E_RELAY_SECRET": self.secret["client_secret"], "HOME": str(workdir)}
        self.log: list[str] = []
        self.proc: Optional[subprocess.Popen[str]] = None

    def upstream_port(self, protocol: str) -> int:
        p = self.proxies[protocol]
        return int(p.port if hasattr(p, "port") else p)

    def start(self) -> "Relay":
        for p in self.proxies.values():
            if isinstance(p, FaultProxy):
                p.__enter__()
        self.proc = subprocess.Popen([sys.executable, "-m", "mailoauth", "relay", "run", "--config", str(self.config),
                                      "--log-level", "debug"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=self.env, cwd=self.dir)

        def read() -> None:
            assert self.proc is not None and self.proc.stderr is not None
            for line in self.proc.stderr:
                self.log.append(line)

        threading.Thread(target=read, daemon=True).start()
        wait_for(lambda: any(" ready: " in line for line in self.log) or self.proc.poll() is not None, 30,
                 "the relay to start")  # type: ignore[union-attr]
        assert self.proc.poll() is None, "".join(self.log)
        return self

    def stop(self) -> int:
        """SIGTERM; the exit status (the relay must exit on its own)."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                raise AssertionError("the relay did not exit within 20 s of SIGTERM:\n" + self.text())
        for p in self.proxies.values():
            if isinstance(p, FaultProxy):
                p.__exit__(None, None, None)
        return int(self.proc.returncode)

    def text(self) -> str:
        return "".join(self.log)

    def imap(self) -> imaplib.IMAP4:
        return imaplib.IMAP4("127.0.0.1", self.ports["imap"], timeout=15)

    def connections(self, protocol: str) -> int:
        p = self.proxies[protocol]
        return int(p.connections) if isinstance(p, FaultProxy) else 0


@pytest.fixture
def relay(stack: dict[str, Any], tmp_path: Path) -> Iterator[Relay]:
    r = Relay(stack, tmp_path).start()
    yield r
    status = r.stop()
    assert status == 0, r.text()
    assert PASSWORD not in r.text(), "the local password reached the log"
    if (tmp_path / "tokens.json").exists():  # not when no login got as far as the token
        cache = json.loads((tmp_path / "tokens.json").read_text())
        tokens = [e["tokens"]["access_token"] for e in cache["entries"].values()]
        assert tokens and not any(t in r.text() for t in tokens), "a token reached the log"


def swaks_auth(relay: "Relay", mech: str, password: str) -> subprocess.CompletedProcess[str]:
    """swaks logs in to the relay's SMTP port and quits after AUTH."""
    need("swaks")
    return subprocess.run(["swaks", "--server", f"127.0.0.1:{relay.ports['smtp']}", "--auth", mech, "--auth-user", LOCAL_USER,
                           "--auth-password", password, "--to", "bob@example.test", "--quit-after", "AUTH"],
                          capture_output=True, text=True, timeout=60)


def append(relay: Relay, subject: str) -> None:
    imap = relay.imap()
    imap.login(LOCAL_USER, PASSWORD)
    msg = f"From: bob@example.test\r\nTo: {relay.mailbox}\r\nSubject: {subject}\r\n\r\nthrough the relay\r\n".encode()
    assert imap.append("INBOX", None, None, msg)[0] == "OK"
    imap.logout()


def sink_subjects(stack: dict[str, Any], before: int) -> list[str]:
    return [str(email.message_from_bytes(p.read_bytes())["Subject"]) for p in sink_messages(stack)[before:]]


# ------------------------------------------------------------------------------------------------
# Real clients


def test_imaplib_login_lists_appends_and_fetches(stack: dict[str, Any], relay: Relay) -> None:
    imap = relay.imap()
    assert "AUTH=PLAIN" in imap.capabilities and "AUTH=XOAUTH2" not in imap.capabilities
    typ, data = imap.login(LOCAL_USER, PASSWORD)
    assert typ == "OK" and data[0].startswith(b"[CAPABILITY IMAP4rev1") and b"AUTH=" not in data[0]
    subject = f"imaplib {uuid.uuid4()}"
    msg = f"From: bob@example.test\r\nSubject: {subject}\r\n\r\nhello\r\n".encode()
    assert imap.append("INBOX", None, None, msg)[0] == "OK"
    assert imap.select("INBOX")[0] == "OK"
    typ, found = imap.search(None, "SUBJECT", f'"{subject}"')
    assert typ == "OK" and found[0]
    typ, fetched = imap.fetch(found[0].split()[-1], "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert subject.encode() in fetched[0][1]
    imap.logout()
    assert re.search(rf"'{LOCAL_USER}' logged in upstream as {re.escape(relay.mailbox)} \(imap", relay.text())


def test_swaks_sends_with_auth_plain_and_auth_login(stack: dict[str, Any], relay: Relay) -> None:
    need("swaks")
    for mech in ("PLAIN", "LOGIN"):
        subject = f"swaks {mech} {uuid.uuid4()}"
        before = len(sink_messages(stack))
        r = subprocess.run(["swaks", "--server", f"127.0.0.1:{relay.ports['smtp']}", "--auth", mech, "--auth-user", LOCAL_USER,
                            "--auth-password", PASSWORD, "--from", relay.mailbox, "--to", "bob@example.test",
                            "--header", f"Subject: {subject}", "--timeout", "20"], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "250 AUTH PLAIN LOGIN" in r.stdout and "XOAUTH2" not in r.stdout
        assert "235 2.7.0 Authentication successful" in r.stdout
        wait_for(lambda: subject in sink_subjects(stack, before), what=f"swaks {mech} message at the sink")


def test_msmtp_sends_with_auth_plain(stack: dict[str, Any], relay: Relay) -> None:
    need("msmtp")
    rc = relay.dir / "msmtprc"
    rc.write_text(f"account relay\nhost 127.0.0.1\nport {relay.ports['smtp']}\ntls off\nauth plain\nuser {LOCAL_USER}\n"
                  f"password {PASSWORD}\nfrom {relay.mailbox}\naccount default : relay\n")
    rc.chmod(0o600)
    subject = f"msmtp {uuid.uuid4()}"
    before = len(sink_messages(stack))
    r = subprocess.run(["msmtp", "-C", str(rc), "bob@example.test"], input=f"Subject: {subject}\n\nvia msmtp\n",
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    wait_for(lambda: subject in sink_subjects(stack, before), what="msmtp's message at the sink")


def test_fetchmail_fetches_over_pop3_user_pass(stack: dict[str, Any], relay: Relay) -> None:
    need("fetchmail")
    subject = f"fetchmail {uuid.uuid4()}"
    append(relay, subject)
    out = relay.dir / "pop3.mbox"
    rc = relay.dir / "fetchmailrc"
    rc.write_text(f"poll 127.0.0.1 protocol pop3 port {relay.ports['pop']} auth password\n"
                  f"    user \"{LOCAL_USER}\" password \"{PASSWORD}\" is \"{os.environ.get('USER', 'root')}\" here\n"
                  f"    sslproto \"\"\n    keep\n    mda \"/bin/sh -c 'cat >> {out}'\"\n")
    rc.chmod(0o600)
    r = subprocess.run(["fetchmail", "-f", str(rc), "--nosyslog", "-v"], capture_output=True, text=True, timeout=60,
                       env={**os.environ, "HOME": str(relay.dir), "FETCHMAILHOME": str(relay.dir)})
    assert r.returncode == 0, r.stdout + r.stderr
    assert "USER scanner" in r.stdout + r.stderr and "PASS *" in r.stdout + r.stderr
    assert f"Subject: {subject}" in out.read_text()


def test_curl_imap_pop3_and_smtp(stack: dict[str, Any], relay: Relay) -> None:
    need("curl")
    user = f"{LOCAL_USER}:{PASSWORD}"
    r = subprocess.run(["curl", "-sS", "--max-time", "30", f"imap://127.0.0.1:{relay.ports['imap']}/", "-u", user],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and '"." INBOX' in r.stdout, r.stdout + r.stderr
    r = subprocess.run(["curl", "-sS", "--max-time", "30", f"pop3://127.0.0.1:{relay.ports['pop']}/", "-u", user],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    subject = f"curl {uuid.uuid4()}"
    body = relay.dir / "curl.eml"
    body.write_text(f"Subject: {subject}\r\n\r\nvia curl\r\n")
    before = len(sink_messages(stack))
    r = subprocess.run(["curl", "-sS", "--max-time", "30", f"smtp://127.0.0.1:{relay.ports['smtp']}", "-u", user,
                        "--mail-from", relay.mailbox, "--mail-rcpt", "bob@example.test", "-T", str(body)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    wait_for(lambda: subject in sink_subjects(stack, before), what="curl's message at the sink")
    r = subprocess.run(["curl", "-sS", "--max-time", "30", f"imap://127.0.0.1:{relay.ports['imap']}/", "-u", f"{LOCAL_USER}:nope"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 67, r.stdout + r.stderr  # CURLE_LOGIN_DENIED


# ------------------------------------------------------------------------------------------------
# Faults


def test_starttls_and_implicit_tls_listeners(stack: dict[str, Any], tmp_path: Path) -> None:
    need("swaks", "curl", "openssl")
    r = Relay(stack, tmp_path, tls={"imap": "implicit", "pop": "starttls", "smtp": "starttls"}).start()
    try:
        subject = f"swaks tls {uuid.uuid4()}"
        before = len(sink_messages(stack))
        out = subprocess.run(["swaks", "--server", f"127.0.0.1:{r.ports['smtp']}", "-tls", "--auth", "PLAIN", "--auth-user",
                              LOCAL_USER, "--auth-password", PASSWORD, "--from", r.mailbox, "--to", "bob@example.test",
                              "--header", f"Subject: {subject}"], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "220 2.0.0 Ready to start TLS" in out.stdout and "TLS started" in out.stdout, out.stdout
        wait_for(lambda: subject in sink_subjects(stack, before), what="the message sent over STARTTLS")
        out = subprocess.run(["curl", "-sS", "--max-time", "30", "--cacert", str(r.cert), f"imaps://127.0.0.1:{r.ports['imap']}/",
                              "-u", f"{LOCAL_USER}:{PASSWORD}"], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0 and '"." INBOX' in out.stdout, out.stdout + out.stderr
        out = subprocess.run(["curl", "-sS", "--max-time", "30", "--ssl-reqd", "--cacert", str(r.cert),
                              f"pop3://127.0.0.1:{r.ports['pop']}/", "-u", f"{LOCAL_USER}:{PASSWORD}"],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
    finally:
        assert r.stop() == 0


def test_a_wrong_local_password_sends_nothing_upstream(stack: dict[str, Any], relay: Relay) -> None:
    before = {p: relay.connections(p) for p in ("imap", "pop", "smtp")}
    imap = relay.imap()
    with pytest.raises(imaplib.IMAP4.error, match=r"\[AUTHENTICATIONFAILED\] mailoauth: bad_credentials"):
        imap.login(LOCAL_USER, "not-the-password")
    with pytest.raises(imaplib.IMAP4.error, match="bad_credentials"):
        imap.login("nobody", PASSWORD)
    imap.shutdown()
    r = swaks_auth(relay, "PLAIN", "wrong")
    assert "535 5.7.8 mailoauth: bad_credentials" in r.stdout, r.stdout + r.stderr
    assert {p: relay.connections(p) for p in ("imap", "pop", "smtp")} == before, "a connection reached the upstream"
    assert "wrong local password (nothing was sent upstream)" in relay.text()
    assert "unknown user" in relay.text()


def test_token_endpoint_503_is_a_temporary_refusal(stack: dict[str, Any], tmp_path: Path) -> None:
    with FaultyTokenEndpoint(stack["token_url"], [("503",)] * flows.MAX_ATTEMPTS) as faulty:
        r = Relay(stack, tmp_path, token_url=faulty.token_url).start()
        try:
            imap = r.imap()
            with pytest.raises(imaplib.IMAP4.error, match=r"\[UNAVAILABLE\] mailoauth: token_unavailable"):
                imap.login(LOCAL_USER, PASSWORD)
            assert r.connections("imap") == 1  # the start-up probe only: no login went upstream
            # The endpoint recovers: the same session logs in.
            assert imap.login(LOCAL_USER, PASSWORD)[0] == "OK"
            imap.logout()
            assert len(faulty.requests) == flows.MAX_ATTEMPTS + 1  # the retries of the first login, then one
            assert re.search(r"no token \[token_unavailable\]: .*503", r.text()), r.text()
        finally:
            assert r.stop() == 0


def test_upstream_down_is_a_temporary_refusal_with_the_cause_in_the_log(stack: dict[str, Any], tmp_path: Path) -> None:
    dead = free_port()  # nothing listens there
    r = Relay(stack, tmp_path, proxies={"imap": dead, "pop": dead, "smtp": dead}).start()
    try:
        imap = r.imap()
        with pytest.raises(imaplib.IMAP4.error, match=r"\[UNAVAILABLE\] mailoauth: upstream_unavailable"):
            imap.login(LOCAL_USER, PASSWORD)
        imap.logout()
        out = swaks_auth(r, "LOGIN", PASSWORD)
        assert "454 4.7.0 mailoauth: upstream_unavailable" in out.stdout, out.stdout + out.stderr
        assert "cannot learn the upstream's capabilities now" in r.text()
        assert re.search(r"upstream unavailable: cannot connect to IMAP 127\.0\.0\.1:\d+", r.text()), r.text()
    finally:
        assert r.stop() == 0


def test_an_upstream_refusal_reaches_the_client_with_the_diagnosis_code(stack: dict[str, Any], tmp_path: Path) -> None:
    # The account names a mailbox its token is not for: Dovecot refuses the XOAUTH2 login.
    r = Relay(stack, tmp_path, mailbox="bob@example.test").start()
    try:
        imap = r.imap()
        with pytest.raises(imaplib.IMAP4.error, match=r"\[AUTHENTICATIONFAILED\] mailoauth: auth_failed: "):
            imap.login(LOCAL_USER, PASSWORD)
        imap.logout()
        out = swaks_auth(r, "PLAIN", PASSWORD)
        assert "535 5.7.8 mailoauth: auth_failed: " in out.stdout, out.stdout + out.stderr
        text = r.text()
        assert "retrying once with a fresh one" in text  # the core says a fresh token could help
        assert "the upstream refused the login" in text and "\n  cause: " in text and "\n  fix: " in text, text
    finally:
        assert r.stop() == 0


def test_a_client_disconnecting_mid_login_leaves_the_relay_serving(stack: dict[str, Any], relay: Relay) -> None:
    for script in (b"a LOGIN scanner {15}\r\n", f"a LOGIN scanner {PASSWORD}\r\n".encode(), b"a AUTHENTICATE PLAIN\r\n"):
        s = socket.create_connection(("127.0.0.1", relay.ports["imap"]), timeout=10)
        s.recv(4096)
        s.sendall(script)
        s.close()  # mid-literal, while the relay logs in upstream, mid-SASL
    time.sleep(1)
    imap = relay.imap()
    assert imap.login(LOCAL_USER, PASSWORD)[0] == "OK"
    imap.logout()
    assert relay.proc is not None and relay.proc.poll() is None
    assert "internal error" not in relay.text()


def test_token_expiry_mid_session_closes_cleanly_and_the_client_reconnects(stack: dict[str, Any], tmp_path: Path) -> None:
    proxies = {"imap": FaultProxy(stack["imap"]["port"], "bye_after_login"), "pop": FaultProxy(stack["pop"]["port"]),
               "smtp": FaultProxy(stack["submission"]["port"])}
    r = Relay(stack, tmp_path, proxies=proxies).start()
    try:
        imap = r.imap()
        assert imap.login(LOCAL_USER, PASSWORD)[0] == "OK"
        with pytest.raises(imaplib.IMAP4.abort, match="AccessTokenExpired"):
            imap.select("INBOX")
        wait_for(lambda: "the upstream ended the session because the token expired" in r.text(), what="the relay's log")
        proxies["imap"].mode = "pass"
        again = r.imap()
        assert again.login(LOCAL_USER, PASSWORD)[0] == "OK" and again.select("INBOX")[0] == "OK"
        again.logout()
    finally:
        assert r.stop() == 0


def test_100_concurrent_sessions(stack: dict[str, Any], relay: Relay) -> None:
    def one(i: int) -> str:
        imap = relay.imap()
        try:
            imap.login(LOCAL_USER, PASSWORD)
            typ, _ = imap.select("INBOX", readonly=True)
            imap.noop()
            return typ
        finally:
            imap.logout()

    with ThreadPoolExecutor(max_workers=100) as pool:
        results = list(pool.map(one, range(100)))
    assert results == ["OK"] * 100
    assert relay.connections("imap") >= 101  # the probe and one upstream login each


def test_sigterm_says_goodbye_to_waiting_clients_and_exits_0(stack: dict[str, Any], tmp_path: Path) -> None:
    r = Relay(stack, tmp_path).start()
    waiting = socket.create_connection(("127.0.0.1", r.ports["imap"]), timeout=10)
    assert waiting.recv(4096).startswith(b"* OK [CAPABILITY ")
    logged_in = r.imap()
    logged_in.login(LOCAL_USER, PASSWORD)
    assert r.stop() == 0
    assert waiting.recv(4096) == b"* BYE mailoauth relay shutting down\r\n"
    assert "shutdown: done" in r.text()
    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        logged_in.noop()


def test_relay_check_logs_in_upstream_and_reports(stack: dict[str, Any], tmp_path: Path) -> None:
    r = Relay(stack, tmp_path)
    for p in r.proxies.values():
        p.__enter__()
    try:
        out = subprocess.run([sys.executable, "-m", "mailoauth", "relay", "check", "--config", str(r.config)],
                             capture_output=True, text=True, timeout=60, env=r.env)
        assert out.returncode == 0, out.stdout + out.stderr
        for p in ("imap", "pop", "smtp"):
            assert re.search(rf"^ok    user 'scanner' \(account 'daemon'\) {p} .*logged in as {re.escape(r.mailbox)}$",
                             out.stdout, re.M), out.stdout
        (tmp_path / "tokens.json").unlink()  # no cached token: the wrong secret must be used
        bad = dict(r.env, E2E_RELAY_SECRET="wrong-secret")
        out = subprocess.run([sys.executable, "-m", "mailoauth", "relay", "check", "--config", str(r.config)],
                             capture_output=True, text=True, timeout=60, env=bad)
        assert out.returncode == 1 and "FAIL" in out.stdout and "no token [invalid_client]" in out.stdout, out.stdout
        assert "wrong-secret" not in out.stdout + out.stderr
    finally:
        for p in r.proxies.values():
            p.__exit__(None, None, None)
