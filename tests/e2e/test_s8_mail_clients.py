"""Scenario 8: the mail clients people already run, with `mailoauth` as their credential helper —
Debian's msmtp (XOAUTH2 and OAUTHBEARER, `passwordeval`) sends through Dovecot submission, mbsync
(isync, `PassCmd`, SASL XOAUTH2) syncs the IMAP inbox, fetchmail fetches over IMAP and POP3 through
`mailoauth connect`, neomutt sends. msmtp's OAUTHBEARER and neomutt send the AUTH on one line:
with the JWT mode's long tokens Dovecot's submission answers `500 5.5.2 Line too long`, which is
asserted in that mode (sent in the introspection mode). Each client's configuration is the README's snippet, read from README.md, with only the
server's host, port and TLS lines, the test user's address and local paths changed. Then ten
concurrent helpers with an expired access token make one refresh (counted at a pass-through token
endpoint in front of oidc-provider), a dead refresh token gives exit 3, a 503 token endpoint exit 4
with the cache kept."""

from __future__ import annotations

import email
import getpass
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

import mailoauth
from faults import FaultyTokenEndpoint
from helpers import Browser, close, login, sink_messages, wait_for

SCENARIO = "scenario 8: mail clients with the credential helper (msmtp, mbsync, fetchmail, neomutt)"

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
BIN = str(Path(sys.executable).parent)  # the venv's bin: `mailoauth` as the clients call it
USER = "alice@example.test"


def readme_snippet(name: str) -> str:
    """The fenced block after ``<!-- e2e:NAME -->`` in README.md, as written there."""
    m = re.search(rf"<!-- e2e:{re.escape(name)} -->\n```[a-z]*\n(.*?)\n```", README.read_text(), re.S)
    assert m, f"README.md has no <!-- e2e:{name} --> block"
    return m.group(1) + "\n"


def replace(text: str, old: str, new: str) -> str:
    """A literal replacement that must apply (a README edit that removes the line fails here).
    An ``old`` ending in a newline replaces whole lines only."""
    if old.endswith("\n"):
        pattern = re.compile(rf"^{re.escape(old)}", re.M)
        assert pattern.search(text), f"{old!r} is no longer a line of the README snippet:\n{text}"
        return pattern.sub(lambda _: new, text)
    assert old in text, f"{old!r} is no longer in the README snippet:\n{text}"
    return text.replace(old, new)


# ------------------------------------------------------------------------------------------------
# Accounts: a config file, a cache, and `mailoauth account login` through a scripted browser


class Accounts:
    def __init__(self, stack: dict[str, Any], workdir: Path) -> None:
        self.stack = stack
        self.dir = workdir
        self.config = workdir / "accounts.toml"
        self.cache = workdir / "tokens.json"
        self.env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}", "MAILOAUTH_CONFIG": str(self.config),
                    "MAILOAUTH_CACHE": str(self.cache), "HOME": str(workdir), "FETCHMAILHOME": str(workdir)}

    def add(self, name: str, client: str, user: str, token_url: Optional[str] = None) -> None:
        s = self.stack
        r = self.run("account", "add", name, "--app", s["clients"][client]["client_id"], "--user", user,
                     "--protocol", "imap", "--protocol", "pop", "--protocol", "smtp",
                     "--token-url", token_url or s["token_url"], "--authorize-url", s["authorize_url"],
                     "--device-url", s["device_authorization_url"], "--issuer", s["issuer"])
        assert r.returncode == 0, r.stdout + r.stderr

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["mailoauth", *args], capture_output=True, text=True, env=self.env, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def login(self, name: str) -> None:
        p = subprocess.Popen(["mailoauth", "account", "login", name, "--no-browser"], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env)
        err: list[str] = []

        def read() -> None:
            assert p.stderr is not None
            for line in p.stderr:
                err.append(line)

        threading.Thread(target=read, daemon=True).start()

        def url() -> Optional[str]:
            for line in list(err):
                m = re.search(r"^\s+(http://127\.0\.0\.1:\d+/auth\?\S+)", line)
                if m:
                    return m.group(1)
            return None

        try:
            Browser().sign_in(wait_for(url, 30, "the sign-in URL on stderr"))
            out, _ = p.communicate(timeout=30)
        finally:
            if p.poll() is None:
                p.kill()
        assert p.returncode == 0, out + "".join(err)

    def entry(self, name: str) -> dict[str, Any]:
        from mailoauth.accounts import get_account

        key = get_account(name, self.config).cache_key()
        doc = json.loads(self.cache.read_text())
        return dict(doc["entries"][key])

    def edit_entry(self, name: str, **tokens: Any) -> None:
        from mailoauth.accounts import get_account

        key = get_account(name, self.config).cache_key()
        doc = json.loads(self.cache.read_text())
        doc["entries"][key]["tokens"].update(tokens)
        self.cache.write_text(json.dumps(doc))


@pytest.fixture(scope="module")
def accounts(running: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Accounts]:
    a = Accounts(running.info, tmp_path_factory.mktemp("s8"))
    a.add("work", "public", USER)
    a.login("work")
    yield a


def need(*programs: str) -> None:
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:  # .ci/install-deps e2e installs them: a failure, not a skip
        pytest.fail(f"{', '.join(missing)} not installed: run .ci/install-deps e2e")


def run_client(argv: list[str], env: dict[str, str], stdin: Optional[str] = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, env=env, input=stdin, timeout=timeout)


def append_to_inbox(stack: dict[str, Any], accounts: Accounts, subject: str) -> None:
    """Puts a message into alice's INBOX (IMAP APPEND with the helper's token)."""
    r = accounts.run("token", "--account", "work")
    assert r.returncode == 0, r.stderr
    token = r.stdout.strip()
    conn, _ = login(stack, "imap", USER, token)
    try:
        msg = f"From: bob@example.test\r\nTo: {USER}\r\nSubject: {subject}\r\n\r\nfor the mail clients\r\n".encode()
        typ, _ = conn.append("INBOX", None, None, msg)
        assert typ == "OK"
    finally:
        close("imap", conn)


# ------------------------------------------------------------------------------------------------
# The clients


@pytest.mark.parametrize("mechanism", ["xoauth2", "oauthbearer"])
def test_msmtp_sends_through_submission(running: Any, stack: dict[str, Any], accounts: Accounts, mechanism: str) -> None:
    need("msmtp")
    rc = readme_snippet("msmtp")
    rc = replace(rc, "host smtp.office365.com", "host 127.0.0.1")
    rc = replace(rc, "port 587", f"port {stack['submission']['port']}")
    rc = replace(rc, "tls on\n", "tls off\n")
    rc = replace(rc, "tls_starttls on\n", "tls_starttls off\n")
    rc = replace(rc, "alice@contoso.com", USER)
    if mechanism == "oauthbearer":
        rc = replace(rc, "auth xoauth2", "auth oauthbearer")
    path = accounts.dir / f"msmtprc-{mechanism}"
    path.write_text(rc)
    path.chmod(0o600)
    subject = f"msmtp {mechanism} {uuid.uuid4()}"
    before = len(sink_messages(stack))
    r = run_client(["msmtp", "-C", str(path), "-a", "work", "bob@example.test"], accounts.env,
                   stdin=f"From: {USER}\nTo: bob@example.test\nSubject: {subject}\n\nsent by msmtp\n")
    if mechanism == "oauthbearer" and running.mode == "jwt":
        # msmtp sends AUTH OAUTHBEARER <blob> on one line (XOAUTH2 in two steps), and Dovecot's
        # submission refuses command lines over its limit; the JWT mode's tokens are longer. The
        # refusal is asserted, so a change on either side shows here.
        assert r.returncode != 0, r.stdout + r.stderr
        assert "500 5.5.2 Line too long" in r.stderr, r.stderr
        assert not [p for p in sink_messages(stack)[before:]
                    if email.message_from_bytes(p.read_bytes())["Subject"] == subject]
        return
    assert r.returncode == 0, r.stdout + r.stderr
    files = wait_for(lambda: [p for p in sink_messages(stack)[before:]
                              if email.message_from_bytes(p.read_bytes())["Subject"] == subject], what="msmtp's message at the sink")
    assert len(files) == 1


def test_mbsync_syncs_the_inbox(stack: dict[str, Any], accounts: Accounts) -> None:
    need("mbsync")
    subject = f"for mbsync {uuid.uuid4()}"
    append_to_inbox(stack, accounts, subject)
    maildir = accounts.dir / "Mail" / "work"
    maildir.mkdir(parents=True, exist_ok=True)  # the README: mkdir -p ~/Mail/work
    rc = readme_snippet("mbsync")
    rc = replace(rc, "Host outlook.office365.com", "Host 127.0.0.1")
    rc = replace(rc, "Port 993", f"Port {stack['imap']['port']}")
    rc = replace(rc, "SSLType IMAPS", "SSLType None")
    rc = replace(rc, "alice@contoso.com", USER)
    rc = replace(rc, "~/Mail/work/", f"{maildir}/")
    path = accounts.dir / "mbsyncrc"
    path.write_text(rc)
    r = run_client(["mbsync", "-c", str(path), "work"], accounts.env)
    assert r.returncode == 0, r.stdout + r.stderr
    got = [email.message_from_bytes(p.read_bytes())["Subject"] for p in (maildir / "INBOX").glob("*/*") if p.is_file()]
    assert subject in got, (got, r.stderr)


def test_fetchmail_fetches_over_imap_and_pop3(stack: dict[str, Any], accounts: Accounts) -> None:
    need("fetchmail")
    subject = f"for fetchmail {uuid.uuid4()}"
    append_to_inbox(stack, accounts, subject)
    out = accounts.dir / "fetched"
    out.mkdir(exist_ok=True)
    rc = readme_snippet("fetchmail")
    rc = replace(rc, "poll outlook.office365.com protocol imap port 993", f"poll 127.0.0.1 protocol imap port {stack['imap']['port']}")
    rc = replace(rc, "poll outlook.office365.com protocol pop3 port 995", f"poll 127.0.0.1 protocol pop3 port {stack['pop']['port']}")
    rc = replace(rc, "--host %h --port %p\"", "--host %h --port %p --plain\"")
    rc = replace(rc, '"alice@contoso.com" is "alice" here', f'"{USER}" is "{getpass.getuser()}" here')
    # Where the fetched mail goes (a local path): one file per protocol.
    rc = replace(rc, "    keep\npoll", f"    keep\n    mda \"/bin/sh -c 'cat >> {out}/imap.mbox'\"\npoll")
    rc = rc.rstrip("\n") + f"\n    mda \"/bin/sh -c 'cat >> {out}/pop3.mbox'\"\n"
    path = accounts.dir / "fetchmailrc"
    path.write_text(rc)
    path.chmod(0o600)
    r = run_client(["fetchmail", "-f", str(path), "--nosyslog"], accounts.env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"IMAP 127.0.0.1:{stack['imap']['port']}: logged in as {USER} (XOAUTH2)" in r.stderr
    assert f"POP 127.0.0.1:{stack['pop']['port']}: logged in as {USER} (XOAUTH2)" in r.stderr
    for proto in ("imap", "pop3"):
        text = (out / f"{proto}.mbox").read_text()
        assert f"Subject: {subject}" in text and f"with {proto.upper()} (fetchmail" in text, (proto, r.stderr)


def test_neomutt_sends_through_submission(running: Any, stack: dict[str, Any], accounts: Accounts) -> None:
    need("neomutt")
    rc = readme_snippet("neomutt")
    rc = replace(rc, "smtp.office365.com:587", f"127.0.0.1:{stack['submission']['port']}")
    rc = replace(rc, "set ssl_starttls = yes", "set ssl_starttls = no")
    rc = replace(rc, "set ssl_force_tls = yes", "set ssl_force_tls = no")
    rc = replace(rc, "alice@contoso.com", USER)
    path = accounts.dir / "neomuttrc"
    path.write_text(rc)
    subject = f"neomutt {uuid.uuid4()}"
    before = len(sink_messages(stack))
    r = run_client(["neomutt", "-n", "-F", str(path), "-s", subject, "bob@example.test"], accounts.env, stdin="sent by neomutt\n")
    if running.mode == "jwt":
        # neomutt sends AUTH XOAUTH2 <token> on one line, and Dovecot's submission refuses command
        # lines over its limit; the JWT mode's tokens are longer (the introspection mode's opaque
        # ones are not). The refusal is asserted, so a change on either side shows here.
        assert r.returncode != 0, r.stdout + r.stderr
        assert "500 5.5.2 Line too long" in r.stderr, r.stderr
        assert not [p for p in sink_messages(stack)[before:]
                    if email.message_from_bytes(p.read_bytes())["Subject"] == subject]
        return
    assert r.returncode == 0, r.stdout + r.stderr
    wait_for(lambda: [p for p in sink_messages(stack)[before:]
                      if email.message_from_bytes(p.read_bytes())["Subject"] == subject], what="neomutt's message at the sink")


# ------------------------------------------------------------------------------------------------
# Concurrency, a dead refresh token, a failing token endpoint


def helper(accounts: Accounts, name: str) -> subprocess.Popen[str]:
    return subprocess.Popen(["mailoauth", "token", "--account", name, "--print", "access-token"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=accounts.env)


def refreshes(endpoint: FaultyTokenEndpoint) -> int:
    return sum(1 for _, form in endpoint.requests if form.get("grant_type") == "refresh_token")


def test_ten_concurrent_helpers_refresh_once_then_a_dead_refresh_token_exits_3(stack: dict[str, Any], accounts: Accounts) -> None:
    with FaultyTokenEndpoint(stack["token_url"]) as endpoint:
        accounts.add("short", "public_short", "bob@example.test", token_url=endpoint.token_url)
        accounts.login("short")
        first = accounts.entry("short")["tokens"]
        time.sleep(max(0.0, first["expires_at"] - time.time()) + 0.5)  # the 4-second access token has expired
        assert refreshes(endpoint) == 0
        procs = [helper(accounts, "short") for _ in range(10)]
        results = [p.communicate(timeout=60) + (p.returncode,) for p in procs]
        assert {(code, err) for _, err, code in results} == {(0, "")}, results
        tokens = {out for out, _, _ in results}
        assert len(tokens) == 1 and first["access_token"] + "\n" not in tokens
        assert refreshes(endpoint) == 1
        second = accounts.entry("short")["tokens"]
        assert second["refresh_token"] not in (None, first["refresh_token"])  # rotated and saved
        # The new token works at Dovecot.
        conn, _ = login(stack, "imap", "bob@example.test", tokens.pop().strip())
        close("imap", conn)
        # Put the rotated-out refresh token back (expired access token): oidc-provider refuses it.
        accounts.edit_entry("short", refresh_token=first["refresh_token"], expires_at=int(time.time()) - 60)
        r = accounts.run("token", "--account", "short")
    assert r.returncode == 3 and r.stdout == ""
    assert "needs a new sign-in" in r.stderr and "invalid_grant" in r.stderr
    assert "run once, in a terminal: mailoauth account login short" in r.stderr
    assert first["refresh_token"] not in r.stderr
    from mailoauth.accounts import get_account

    key = get_account("short", accounts.config).cache_key()
    assert key not in json.loads(accounts.cache.read_text())["entries"]  # the refused token is gone


def test_a_503_token_endpoint_exits_4_and_keeps_the_cache(stack: dict[str, Any], accounts: Accounts) -> None:
    with FaultyTokenEndpoint(stack["token_url"]) as endpoint:
        accounts.add("flaky", "public_short", USER, token_url=endpoint.token_url)
        accounts.login("flaky")
        accounts.edit_entry("flaky", expires_at=int(time.time()) - 60)
        before = accounts.cache.read_bytes()
        endpoint.script[:] = [("503",), ("503",), ("503",)]
        r = accounts.run("token", "--account", "flaky")
        assert r.returncode == 4 and r.stdout == ""
        assert "temporary failure, the cached sign-in is kept" in r.stderr
        assert accounts.cache.read_bytes() == before
        assert refreshes(endpoint) == 3  # tried three times
        # The endpoint is back: the kept refresh token works.
        r = accounts.run("token", "--account", "flaky", "--print", "xoauth2")
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith(mailoauth.xoauth2(USER, "x")[:20])
