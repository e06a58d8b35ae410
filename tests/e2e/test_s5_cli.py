"""Scenario 5: the command line end to end — `python -m mailoauth check imap|pop|smtp` against
the stack with every flow (client credentials with a secret and with a certificate, device code,
interactive, refresh from the cache, a given token), human and --json output, exit codes."""

from __future__ import annotations

import email
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

from faults import FaultProxy
from helpers import Browser, sink_messages, wait_for

SCENARIO = "scenario 5: python -m mailoauth check, every flow"

PROTOCOL_SERVER = {"imap": "imap", "pop": "pop", "smtp": "submission"}


@pytest.fixture(scope="module")
def ports(running: Any) -> Iterator[dict[str, int]]:
    """Pass-through proxies: every CLI connection reaches Dovecot from its own 127.x.y.z."""
    stack = running.info
    proxies = {p: FaultProxy(stack[s]["port"], "pass") for p, s in PROTOCOL_SERVER.items()}
    for proxy in proxies.values():
        proxy.__enter__()
    try:
        yield {p: proxy.port for p, proxy in proxies.items()}
    finally:
        for proxy in proxies.values():
            proxy.__exit__(None, None, None)


def base_args(stack: dict[str, Any], protocol: str, port: int, client: str) -> list[str]:
    return ["check", protocol, "--app", stack["clients"][client]["client_id"], "--tenant", stack["tenant_id"],
            "--token-url", stack["token_url"], "--authorize-url", stack["authorize_url"],
            "--device-url", stack["device_authorization_url"], "--host", "127.0.0.1", "--port", str(port),
            "--plain", "--timeout", "10"]


def run_cli(args: list[str], env: Optional[dict[str, str]] = None, stdin: Optional[str] = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mailoauth", *args], capture_output=True, text=True, timeout=60,
                          input=stdin, env={**os.environ, **(env or {})})


def parsed(r: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        raise AssertionError(f"--json printed no JSON (exit {r.returncode}):\n{r.stdout}\n{r.stderr}") from None
    assert isinstance(doc, dict)
    return doc


def step_names(doc: dict[str, Any]) -> list[str]:
    return [s["step"] for s in doc.get("steps", [])]


@pytest.mark.parametrize("protocol", ["imap", "pop", "smtp"])
def test_client_credentials_with_secret_json(stack: dict[str, Any], ports: dict[str, int], protocol: str) -> None:
    r = run_cli([*base_args(stack, protocol, ports[protocol], "secret"), "--client-secret-env", "E2E_SECRET",
                 "--mailbox", stack["clients"]["secret"]["mailbox"], "--no-cache", "--json"],
                env={"E2E_SECRET": stack["clients"]["secret"]["client_secret"]})
    doc = parsed(r)
    assert r.returncode == 0, r.stdout + r.stderr
    assert doc["ok"] is True and doc["protocol"] == protocol
    assert all(s["ok"] for s in doc["steps"]), doc["steps"]
    names = step_names(doc)
    assert names[0].startswith("token acquired (client credentials flow)")
    assert f"authenticated as {stack['clients']['secret']['mailbox']} (XOAUTH2)" in names
    proof = {"imap": "listed 3 folders", "pop": "mailbox holds 0 messages (0 bytes)", "smtp": "NOOP accepted"}[protocol]
    assert proof in names
    assert stack["clients"]["secret"]["client_secret"] not in r.stdout + r.stderr


def test_client_credentials_with_certificate_human_output_and_send(stack: dict[str, Any], ports: dict[str, int]) -> None:
    c = stack["clients"]["certificate"]
    before = len(sink_messages(stack))
    r = run_cli([*base_args(stack, "smtp", ports["smtp"], "certificate"), "--certificate", c["certificate"],
                 "--private-key", c["private_key"], "--mailbox", c["mailbox"], "--no-cache", "--mechanism", "OAUTHBEARER",
                 "--send-test-to", "bob@example.test"])
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("✓ token acquired (client credentials flow)")
    assert f"✓ authenticated as {c['mailbox']} (OAUTHBEARER)" in lines
    assert "✓ test message sent to bob@example.test" in lines
    files = wait_for(lambda: sink_messages(stack)[before:], what="the CLI's test message at the sink")
    assert any(email.message_from_bytes(p.read_bytes())["Subject"] == "mailoauth test message" for p in files)


def test_refused_login_exits_1_with_a_diagnosis(stack: dict[str, Any], ports: dict[str, int]) -> None:
    r = run_cli([*base_args(stack, "imap", ports["imap"], "secret"), "--client-secret-env", "E2E_SECRET",
                 "--mailbox", "alice@example.test", "--no-cache", "--json"],
                env={"E2E_SECRET": stack["clients"]["secret"]["client_secret"]})
    doc = parsed(r)
    assert r.returncode == 1 and doc["ok"] is False
    failed = [s for s in doc["steps"] if not s["ok"]]
    assert [s["step"] for s in failed] == ["authenticate"] and failed[0]["code"] == "rejected"
    assert doc["diagnosis"]["code"] == "auth_failed" and doc["diagnosis"]["fix"]


def test_given_token_from_stdin(stack: dict[str, Any], ports: dict[str, int]) -> None:
    from mailoauth import flows
    from helpers import secret_app

    token = flows.client_credentials(secret_app(stack)).access_token
    r = run_cli(["check", "pop", "--token", "-", "--mailbox", stack["clients"]["secret"]["mailbox"], "--host", "127.0.0.1",
                 "--port", str(ports["pop"]), "--plain", "--grant", "app", "--mechanism", "oauthbearer"], stdin=token + "\n")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[0] == "✓ token given"
    assert token not in r.stdout + r.stderr


class Interactive:
    """Runs the CLI in the background and reads its stderr as it comes."""

    def __init__(self, args: list[str]) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "mailoauth", *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.err: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.err.append(line)

    def wait_for_line(self, pattern: str, timeout: float = 20) -> re.Match[str]:
        def find() -> Optional[re.Match[str]]:
            for line in list(self.err):
                m = re.search(pattern, line)
                if m:
                    return m
            return None

        try:
            return wait_for(find, timeout, what=f"{pattern!r} on the CLI's stderr")
        except AssertionError:
            self.proc.kill()
            raise AssertionError(f"no {pattern!r} in stderr:\n{''.join(self.err)}") from None

    def finish(self, timeout: float = 60) -> tuple[int, str, str]:
        out, _ = self.proc.communicate(timeout=timeout)
        self._reader.join(2)
        return self.proc.returncode, out, "".join(self.err)


def test_interactive_then_refresh_from_the_cache(stack: dict[str, Any], ports: dict[str, int], tmp_path: Path) -> None:
    cache = tmp_path / "tokens.json"
    user = "bob@example.test"
    args = [*base_args(stack, "imap", ports["imap"], "public"), "--flow", "interactive", "--no-browser",
            "--user", user, "--cache", str(cache)]
    cli = Interactive(args)
    url = cli.wait_for_line(r"^\s+(http://127\.0\.0\.1:\d+/auth\?\S+)").group(1)
    browser = Browser()
    browser.sign_in(url)  # oidc-provider -> the CLI's loopback listener
    code, out, err = cli.finish()
    assert code == 0, out + err
    assert "✓ token acquired (interactive flow)" in out.splitlines()[0]
    assert f"✓ authenticated as {user} (XOAUTH2)" in out and "✓ listed 3 folders" in out
    stored = json.loads(cache.read_text())
    (entry,) = stored["entries"].values()
    first_refresh = entry["tokens"]["refresh_token"]
    assert first_refresh
    # Now the refresh flow: the cached token set is refreshed (--force), the rotation saved.
    r = run_cli([*base_args(stack, "imap", ports["imap"], "public"), "--flow", "refresh", "--force", "--user", user,
                 "--cache", str(cache), "--json"])
    doc = parsed(r)
    assert r.returncode == 0, r.stdout + r.stderr
    assert step_names(doc)[0].startswith("token acquired (refresh flow)")
    (entry,) = json.loads(cache.read_text())["entries"].values()
    assert entry["tokens"]["refresh_token"] not in (None, first_refresh)


def test_device_code_flow(stack: dict[str, Any], ports: dict[str, int], tmp_path: Path) -> None:
    user = stack["default_user"]
    cli = Interactive([*base_args(stack, "pop", ports["pop"], "public"), "--flow", "device", "--user", user,
                       "--cache", str(tmp_path / "tokens.json"), "--json"])
    code_line = cli.wait_for_line(r"code:\s+(\S+)")
    uri = cli.wait_for_line(r"open (http://\S+) and enter").group(1)
    Browser().confirm_device(f"{uri}?user_code={code_line.group(1)}")
    code, out, err = cli.finish()
    doc = json.loads(out)
    assert code == 0 and doc["ok"] is True, out + err
    assert step_names(doc)[0].startswith("token acquired (device code flow)")
    assert f"authenticated as {user} (XOAUTH2)" in step_names(doc)


def test_usage_error_exits_2(stack: dict[str, Any]) -> None:
    r = run_cli(["check", "imap", "--token", "x", "--host", "127.0.0.1", "--port", "1", "--plain"])
    assert r.returncode == 2 and "--mailbox" in r.stderr
