"""Shared pytest setup: the vector runner's one-line summary."""

from __future__ import annotations

from typing import Any

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
