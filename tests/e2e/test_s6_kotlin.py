"""Scenario 6 (Kotlin): the UniFFI binding's IMAP login (bindings-uniffi/kotlin/imap-login, the
Kotlin driver over java.net.Socket) against Dovecot with a token the library obtained (client
credentials): XOAUTH2 and OAUTHBEARER are authenticated; a bad token is rejected (exit 1) with
Dovecot's decoded challenge and a diagnosis, the same challenge the Python driver decodes.

tests/e2e/run builds what this needs first (the release cdylib, the generated Kotlin, the
compiled jar); a missing piece fails here loudly, it is never skipped."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

import mailoauth
from mailoauth import flows
from helpers import login, secret_app, source_address

SCENARIO = "scenario 6: the Kotlin binding's IMAP login against Dovecot"

ROOT = Path(__file__).resolve().parents[2]
IMAP_LOGIN = ROOT / "bindings-uniffi" / "kotlin" / "imap-login"
TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
if not TARGET.is_absolute():
    TARGET = ROOT / TARGET
NEEDED = {
    "the stripped cdylib": TARGET / "uniffi" / "libmailoauth_uniffi.so",
    "the generated Kotlin": TARGET / "uniffi" / "kotlin" / "dev" / "mailoauth" / "mailoauth.kt",
    "the compiled Kotlin jar": TARGET / "uniffi" / "kotlin-tests.jar",
    "kotlinc (.ci/install-deps kotlin)": ROOT / "bindings-uniffi" / "node_modules" / "kotlin-compiler" / "bin" / "kotlinc",
}
# The JVM's first start with JNA can be slow on a busy machine; the login itself has its own
# 10 s read timeout (MAILOAUTH_TIMEOUT_MS).
RUN_TIMEOUT = 90


@pytest.fixture(scope="module", autouse=True)
def _built() -> None:
    missing = [f"{what} ({path})" for what, path in NEEDED.items() if not path.exists()]
    if missing:
        pytest.fail("the Kotlin binding is not built: " + "; ".join(missing)
                    + " — tests/e2e/run builds it (.ci/install-deps kotlin, bindings-uniffi/build-lib, generate)")


@pytest.fixture
def token(stack: dict[str, Any]) -> str:
    return flows.client_credentials(secret_app(stack)).access_token


def kotlin_login(stack: dict[str, Any], token: str, mechanism: str, user: str = "") -> tuple[subprocess.CompletedProcess[str], str]:
    """Runs the Kotlin IMAP login from a fresh 127.x.y.z; returns the process and that address."""
    source = source_address()
    env = {
        **os.environ,
        "MAILOAUTH_IMAP_HOST": stack["imap"]["host"],
        "MAILOAUTH_IMAP_PORT": str(stack["imap"]["port"]),
        "MAILOAUTH_IMAP_USER": user or stack["clients"]["secret"]["mailbox"],
        "MAILOAUTH_IMAP_TOKEN": token,
        "MAILOAUTH_IMAP_MECHANISM": mechanism,
        "MAILOAUTH_IMAP_BIND": source,
        "MAILOAUTH_TIMEOUT_MS": "10000",
    }
    env.pop("MAILOAUTH_IMAP_TLS", None)
    r = subprocess.run([str(IMAP_LOGIN)], env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    return r, source


def dovecot_lines(running: Any, since: int, source: str) -> list[str]:
    """Dovecot's imap-login lines for connections from `source` since line `since`."""
    return [line for line in running.log_lines("dovecot", since) if "imap-login" in line and f"rip={source}," in line]


def output(r: subprocess.CompletedProcess[str]) -> str:
    return f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"


@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
def test_kotlin_imap_login_authenticated(running: Any, stack: dict[str, Any], token: str, mechanism: str) -> None:
    mark = len(running.log_lines("dovecot"))
    r, source = kotlin_login(stack, token, mechanism)
    assert r.returncode == 0, output(r)
    mailbox = stack["clients"]["secret"]["mailbox"]
    assert f"imap-login {mailbox}@127.0.0.1:{stack['imap']['port']} authenticated:" in r.stdout, output(r)
    assert token not in r.stdout + r.stderr, "the token is never printed"
    # Dovecot agrees: a login of that mailbox, from the Kotlin process's own source address,
    # with the mechanism asked for.
    logged = [line for line in dovecot_lines(running, mark, source) if "Login:" in line]
    assert logged, f"no Dovecot login from {source}:\n" + "\n".join(running.log_lines("dovecot", mark))
    assert f"user=<{mailbox}>" in logged[0] and f"method={mechanism}" in logged[0], logged


@pytest.mark.parametrize("mechanism,status", [("XOAUTH2", "401"), ("OAUTHBEARER", "invalid_token")])
def test_kotlin_imap_login_bad_token_rejected(running: Any, stack: dict[str, Any], token: str, mechanism: str, status: str) -> None:
    bad = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    mark = len(running.log_lines("dovecot"))
    r, source = kotlin_login(stack, bad, mechanism)
    assert r.returncode == 1, output(r)
    # The decoded RFC 7628 error challenge and the core's diagnosis, printed by the Kotlin driver.
    m = re.search(r"rejected: NO (.*) \(sasl status=([^,]+), scope=([^)]*)\)", r.stdout)
    assert m, output(r)
    assert m.group(2) == status, output(r)
    assert "diagnosis auth_failed:" in r.stdout and "fix:" in r.stdout, output(r)
    assert bad not in r.stdout + r.stderr, "the token is never printed"
    # Dovecot ends the connection with "(auth failed, 1 attempts ...)" and the mechanism; an
    # "Aborted login" alone would also match a client that never tried to authenticate.
    mailbox = stack["clients"]["secret"]["mailbox"]
    assert any("(auth failed, 1 attempts" in line and f"user=<{mailbox}>, method={mechanism}," in line
               for line in dovecot_lines(running, mark, source)), "\n".join(running.log_lines("dovecot", mark))
    # The Python driver decodes the same challenge from the same server for the same token.
    with pytest.raises(mailoauth.AuthenticationError) as e:
        login(stack, "imap", stack["clients"]["secret"]["mailbox"], bad, mechanism)
    assert e.value.code == "rejected"
    assert e.value.sasl_error is not None and e.value.sasl_error.status == status
    assert e.value.diagnosis is not None and e.value.diagnosis.code == "auth_failed"
    assert m.group(1) == (e.value.server_text or ""), (m.group(1), e.value.server_text)
