"""The command line: output, --json, exit codes, one-line errors, --help on every command."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from typing import Any

import pytest

from mailoauth import cli

TENANT = "11111111-2222-3333-4444-555555555555"
GUID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = cli.main(list(argv), stdout=out, stderr=err)
    finally:
        sys.stdin = old
    return code, out.getvalue(), err.getvalue()


def run_json(*argv: str, stdin: str = "") -> tuple[int, Any]:
    code, out, _ = run(*argv, "--json", stdin=stdin)
    return code, json.loads(out)


def commands() -> list[str]:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(sub.choices)


@pytest.mark.parametrize("command", commands())
def test_every_command_has_help_with_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([command, "--help"]) == 0
    text = capsys.readouterr().out
    assert "examples:" in text and f"mailoauth {command}" in text


def test_top_level_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    assert "consent-url" in capsys.readouterr().out
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("mailoauth ")


def test_usage_error_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["consent-url"]) == 2
    assert cli.main(["no-such-command"]) == 2


def test_consent_url() -> None:
    code, out, err = run("consent-url", "--tenant", TENANT, "--app", GUID, "--redirect-uri", "https://localhost", "--state", "xyz")
    assert code == 0 and err == ""
    assert out.strip() == (
        f"https://login.microsoftonline.com/{TENANT}/v2.0/adminconsent?client_id={GUID}"
        "&scope=https%3A%2F%2Fps.outlook.com%2F.default&redirect_uri=https%3A%2F%2Flocalhost&state=xyz"
    )


def test_consent_url_well_known_app_protocols_and_json() -> None:
    code, doc = run_json("consent-url", "--tenant", "contoso.com", "--app", "thunderbird", "--protocol", "smtp", "--cloud", "usgov")
    assert code == 0 and doc["ok"] is True
    assert doc["client_id"] == "9e5f94bc-e8a4-4e73-b8be-63364c29d753"
    assert doc["url"].startswith("https://login.microsoftonline.us/contoso.com/v2.0/adminconsent?")
    assert "outlook.office365.us%2F.default" in doc["url"]


def test_consent_url_warns_on_retired_id() -> None:
    code, out, err = run("consent-url", "--tenant", "contoso.com", "--app", "08162f7c-0fd2-4200-a84a-f25a4db0b584")
    assert code == 0 and "client_id=08162f7c" in out
    assert err.startswith("warning: ") and "retired" in err and "--app thunderbird" in err
    code, doc = run_json("consent-url", "--tenant", "contoso.com", "--app", "thunderbird-retired")
    assert doc["warnings"] and "retired" in doc["warnings"][0]


def test_errors_are_one_line_without_traceback() -> None:
    code, out, err = run("consent-url", "--tenant", "common", "--app", "thunderbird")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("mailoauth: error: ") and err.rstrip().endswith("[invalid_tenant]")
    assert "Traceback" not in err
    code, out, err = run("consent-url", "--tenant", "contoso.com", "--app", "not-an-app")
    assert code == 1 and "[invalid_client_id]" in err
    code, doc = run_json("consent-url", "--tenant", "common", "--app", "thunderbird")
    assert code == 1 and doc["ok"] is False and doc["error"]["code"] == "invalid_tenant"


def test_debug_shows_the_traceback() -> None:
    code, _, err = run("consent-url", "--tenant", "common", "--app", "thunderbird", "--debug")
    assert code == 1 and "Traceback" in err


def test_xoauth2_and_oauthbearer(tmp_path: Any) -> None:
    token = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"
    want = "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
    assert run("xoauth2", "--user", "someuser@example.com", "--token", token)[1].strip() == want
    assert run("xoauth2", "--user", "someuser@example.com", "--token", "-", stdin=token + "\n")[1].strip() == want
    f = tmp_path / "tok"
    f.write_text(token + "\n")
    assert run("xoauth2", "--user", "someuser@example.com", "--token-file", str(f))[1].strip() == want
    code, doc = run_json("oauthbearer", "--user", "user@example.com", "--host", "server.example.com", "--port", "143",
                         "--token", "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==")
    assert doc["oauthbearer"] == (
        "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB"
    )


def test_token_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILOAUTH_TOKEN", raising=False)
    code, _, err = run("xoauth2", "--user", "a@b")
    assert code == 2 and "--token" in err
    code, _, err = run("xoauth2", "--user", "a@b", "--token", "Bearer x")
    assert code == 1 and "[invalid_input]" in err and "Bearer x" not in err


def test_python_dash_m_entry_point() -> None:
    p = subprocess.run([sys.executable, "-m", "mailoauth", "xoauth2", "--user", "a@b", "--token", "t"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == "dXNlcj1hQGIBYXV0aD1CZWFyZXIgdAEB"
