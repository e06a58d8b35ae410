"""Scenario 9 (issue 18): any OAuth 2.0 provider — clients with free-form ids, found by discovery
from the issuer (`--issuer`), authenticating with `client_secret_basic` and `private_key_jwt`
(a key as people have it: re-wrapped at 76 columns with CRLF), log in to Dovecot with
`python -m mailoauth check`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

from faults import FaultProxy

SCENARIO = "scenario 9: any provider by its issuer"
APP_SCOPE = "https://outlook.office365.com/.default"


@pytest.fixture(scope="module")
def imap_port(running: Any) -> Iterator[int]:
    """A pass-through proxy: the CLI reaches Dovecot from its own 127.x.y.z."""
    proxy = FaultProxy(running.info["imap"]["port"], "pass")
    proxy.__enter__()
    try:
        yield proxy.port
    finally:
        proxy.__exit__(None, None, None)


def run_cli(args: list[str], env: Optional[dict[str, str]] = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mailoauth", *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def check_args(stack: dict[str, Any], client: str, port: int) -> list[str]:
    c = stack["clients"][client]
    return ["check", "imap", "--app", c["client_id"], "--issuer", stack["issuer"], "--scope", APP_SCOPE,
            "--flow", "client-credentials", "--mailbox", c["mailbox"], "--host", "127.0.0.1", "--port", str(port),
            "--plain", "--timeout", "10", "--no-cache", "--json"]


def steps(r: subprocess.CompletedProcess[str]) -> list[str]:
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        raise AssertionError(f"--json printed no JSON (exit {r.returncode}):\n{r.stdout}\n{r.stderr}") from None
    assert r.returncode == 0 and doc["ok"] is True, r.stdout + r.stderr
    return [s["step"] for s in doc["steps"]]


def test_client_secret_basic_found_by_discovery(stack: dict[str, Any], imap_port: int) -> None:
    c = stack["clients"]["basic_named"]
    r = run_cli(check_args(stack, "basic_named", imap_port) + ["--client-secret-env", "E2E_SECRET"],
                env={"E2E_SECRET": c["client_secret"]})
    names = steps(r)
    assert names[0].startswith("token acquired (client credentials flow)")
    assert f"authenticated as {c['mailbox']} (XOAUTH2)" in names
    assert "listed 3 folders" in names
    assert c["client_secret"] not in r.stdout + r.stderr


def test_private_key_jwt_with_a_rewrapped_key(stack: dict[str, Any], imap_port: int, tmp_path: Path) -> None:
    c = stack["clients"]["jwt_named"]
    lines = Path(c["private_key"]).read_text().strip().splitlines()
    body = "".join(lines[1:-1])
    key = tmp_path / "key.pem"
    key.write_text("\r\n".join([lines[0], *(body[i:i + 76] for i in range(0, len(body), 76)), lines[-1]]) + "\r\n")
    r = run_cli(check_args(stack, "jwt_named", imap_port) + ["--certificate", c["certificate"], "--private-key", str(key)])
    names = steps(r)
    assert f"authenticated as {c['mailbox']} (XOAUTH2)" in names


def test_a_guid_is_not_required_off_microsoft_but_is_on_it(stack: dict[str, Any], imap_port: int) -> None:
    c = stack["clients"]["basic_named"]
    args = check_args(stack, "basic_named", imap_port)
    without_issuer = [a for i, a in enumerate(args) if a != "--issuer" and (i == 0 or args[i - 1] != "--issuer")]
    r = run_cli(without_issuer + ["--client-secret-env", "E2E_SECRET", "--tenant", stack["tenant_id"]],
                env={"E2E_SECRET": c["client_secret"]})
    assert r.returncode != 0 and "GUID" in r.stdout + r.stderr, r.stdout + r.stderr
