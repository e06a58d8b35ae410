"""End-to-end fixtures: one stack per Dovecot validation mode, and the server logs of a failed
scenario attached to its report. TEST ONLY."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stack import MODES, Stack, free_port  # noqa: E402

_ACTIVE: dict[str, Stack] = {}

# Scenario 6's web page is served from this origin (test_s6_web.py): every stack allows it by
# CORS and registers "<origin>/" as a redirect URI of the public client.
WEB_ORIGIN = f"http://127.0.0.1:{free_port()}"


def _modes() -> list[str]:
    wanted = [m.strip() for m in os.environ.get("MAILOAUTH_E2E_MODES", ",".join(MODES)).split(",") if m.strip()]
    unknown = [m for m in wanted if m not in MODES]
    if unknown or not wanted:
        raise pytest.UsageError(f"MAILOAUTH_E2E_MODES: unknown mode(s) {unknown}; use {', '.join(MODES)}")
    return wanted


@pytest.fixture(scope="session", params=_modes())
def running(request: pytest.FixtureRequest) -> Iterator[Stack]:
    """The started stack (Dovecot validates by introspection, or locally as JWTs)."""
    # Described in target/e2e/stack-<mode>.json while it runs: tests/e2e/run stops whatever a
    # killed pytest left behind from there ("stack.py down").
    record = Path(__file__).resolve().parents[2] / "target" / "e2e" / f"stack-{request.param}.json"
    with Stack(request.param, cors_origins=(WEB_ORIGIN,)) as s:
        _ACTIVE["current"] = s
        s.write_json(record)
        try:
            yield s
        finally:
            _ACTIVE.pop("current", None)
            record.unlink(missing_ok=True)
    # The logs stay for a failed run (the failure report names their paths).
    if request.session.testsfailed == 0 and not os.environ.get("MAILOAUTH_E2E_KEEP"):
        s.remove()
    else:
        print(f"\ne2e: {request.param} stack logs kept in {s.workdir}")


@pytest.fixture
def stack(running: Stack) -> dict[str, Any]:
    """The stack description (ports, URLs, clients, logs) as written to stack.json."""
    return running.info


@pytest.fixture(autouse=True)
def _log_marks(request: pytest.FixtureRequest) -> Iterator[None]:
    s = _ACTIVE.get("current")
    marks = {name: len(s.log_lines(name)) for name in ("dovecot", "oidc", "sink")} if s else {}
    request.node._e2e_marks = marks
    yield


def _scenario(item: pytest.Item) -> str:
    module = getattr(item, "module", None)
    return str(getattr(module, "SCENARIO", "")) or item.nodeid


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed:
        s = _ACTIVE.get("current")
        report.sections.append(("scenario", f"{_scenario(item)} [{s.mode if s else 'no stack'}]"))
        if s is not None:
            marks = getattr(item, "_e2e_marks", {})
            for name in ("dovecot", "oidc", "sink"):
                lines = s.log_lines(name, marks.get(name, 0))
                text = "\n".join(lines[-80:]) if lines else "(no new lines)"
                report.sections.append((f"{name} log ({s.info['logs'][name]})", text))
    return report
