"""Scenario 7: a second, independent client agrees — curl --oauth2-bearer logs in to the same
Dovecot (IMAP, POP3, submission) with the token the library obtained."""

from __future__ import annotations

import email
import shutil
import subprocess
import time
from typing import Any

import pytest

from mailoauth import flows
from helpers import secret_app, sink_messages, source_address, wait_for

SCENARIO = "scenario 7: curl --oauth2-bearer with the library's token"


def curl(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("curl")
    if exe is None:
        pytest.fail("curl is not installed (run .ci/install-deps e2e)")
    return subprocess.run([exe, "--silent", "--show-error", "--max-time", "10", "--interface", source_address(), *args],
                          capture_output=True, text=True, timeout=20)


@pytest.fixture
def token(stack: dict[str, Any]) -> str:
    return flows.client_credentials(secret_app(stack)).access_token


def test_curl_imap_lists_folders(stack: dict[str, Any], token: str) -> None:
    r = curl("--oauth2-bearer", token, "--user", f"{stack['clients']['secret']['mailbox']}:",
             f"imap://127.0.0.1:{stack['imap']['port']}/")
    assert r.returncode == 0, r.stderr
    names = sorted(line.rsplit(" ", 1)[-1] for line in r.stdout.splitlines() if line.startswith("* LIST"))
    assert names == ["Archive", "INBOX", "Sent"], r.stdout


def test_curl_pop_lists_messages(stack: dict[str, Any], token: str) -> None:
    r = curl("--oauth2-bearer", token, "--user", f"{stack['clients']['secret']['mailbox']}:",
             f"pop3://127.0.0.1:{stack['pop']['port']}/")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""  # logged in; an empty maildrop: LIST lists no message


def test_curl_refused_with_a_bad_token(stack: dict[str, Any], token: str) -> None:
    r = curl("--oauth2-bearer", token[:-4] + "AAAA", "--user", f"{stack['clients']['secret']['mailbox']}:",
             f"imap://127.0.0.1:{stack['imap']['port']}/")
    assert r.returncode == 67, (r.returncode, r.stderr)  # CURLE_LOGIN_DENIED


def test_curl_sends_through_submission(stack: dict[str, Any], token: str, tmp_path: Any) -> None:
    mailbox = stack["clients"]["secret"]["mailbox"]
    subject = f"curl e2e {time.monotonic_ns()}"
    msg = tmp_path / "msg.eml"
    msg.write_text(f"From: {mailbox}\r\nTo: bob@example.test\r\nSubject: {subject}\r\n\r\nsent by curl\r\n")
    before = len(sink_messages(stack))
    r = curl("--oauth2-bearer", token, "--user", f"{mailbox}:", "--mail-from", mailbox, "--mail-rcpt", "bob@example.test",
             "--upload-file", str(msg), f"smtp://127.0.0.1:{stack['submission']['port']}/")
    assert r.returncode == 0, r.stderr
    files = wait_for(lambda: sink_messages(stack)[before:], what="curl's message at the sink")
    assert any(email.message_from_bytes(p.read_bytes())["Subject"] == subject for p in files)
