"""Shared pytest setup: the vector runner's one-line summary."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest

_vectors = {"ran": 0, "failed": 0, "seen": False}
_failures: list[str] = []


def pytest_runtest_logreport(report: Any) -> None:
    if "test_vectors.py::" not in report.nodeid or "test_vector[" not in report.nodeid:
        return
    _vectors["seen"] = True
    if report.when == "call":
        _vectors["ran"] += 1
        if report.failed:
            _vectors["failed"] += 1
            _failures.append(_describe(report))
    elif report.when == "setup" and report.failed:
        _vectors["ran"] += 1
        _vectors["failed"] += 1
        _failures.append(_describe(report))


def _describe(report: Any) -> str:
    name = report.nodeid.split("[", 1)[-1].rstrip("]")
    message = getattr(report.longrepr, "reprcrash", None)
    text = message.message if message is not None else str(report.longrepr).splitlines()[-1]
    return f"FAILED {name}: {text.removeprefix('Failed: ')}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _vectors["seen"]:
        for line in _failures:
            terminalreporter.write_line(line)
        terminalreporter.write_line(
            f"vectors: python ran {_vectors['ran']}, failed {_vectors['failed']}"
        )


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True, timeout=60,
        )
    except (OSError, subprocess.SubprocessError) as e:
        # A failure, not a skip: the TLS tests would otherwise pass a run without running.
        pytest.fail(f"openssl could not make a test certificate ({e}): install openssl")
    yield cert, key
