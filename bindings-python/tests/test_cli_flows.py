"""The token, check, explain and runbook commands against local servers on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest

from mailoauth import flows
from servers import HttpServer, LineServer, Reply, tag_of
from test_cli import run, run_json

CLIENT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
TENANT = "contoso.onmicrosoft.com"
MAILBOX = "archive@contoso.com"


def b64url(obj: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def jwt(claims: dict[str, Any]) -> str:
    return f"{b64url({'typ': 'JWT', 'alg': 'RS256'})}.{b64url(claims)}.c2ln"


APP_TOKEN = jwt({"aud": "https://outlook.office365.com", "roles": ["IMAP.AccessAsApp", "POP.AccessAsApp", "SMTP.SendAsApp"],
                 "tid": "11111111-2222-3333-4444-555555555555", "appid": CLIENT, "exp": int(time.time()) + 3600})
GRAPH_TOKEN = jwt({"aud": "https://graph.microsoft.com", "scp": "IMAP.AccessAsUser.All", "upn": "alice@contoso.com",
                   "exp": int(time.time()) + 3600})


def token_reply(token: str = APP_TOKEN) -> Reply:
    return Reply(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": token})


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("MAILOAUTH_CLIENT_SECRET", "s3cr3t-value")
    monkeypatch.setenv("MAILOAUTH_CACHE", str(tmp_path / "tokens.json"))
    return tmp_path


def app_args(srv: HttpServer) -> list[str]:
    return ["--app", CLIENT, "--tenant", TENANT, "--token-url", f"{srv.base}/token"]


def test_token_client_credentials_is_cached_and_never_printed(env: Path) -> None:
    with HttpServer({"/token": [token_reply()]}) as srv:
        code, doc = run_json("token", *app_args(srv))
        assert code == 0 and doc["ok"] and doc["flow"] == "client_credentials"
        assert doc["refresh_token"] is False and doc["expires_at"] > time.time()
        assert "access_token" not in doc and APP_TOKEN not in json.dumps(doc)
        code, out, err = run("token", *app_args(srv))
        assert code == 0 and APP_TOKEN not in out + err and "expires:" in out
        code, out, _ = run("token", *app_args(srv), "--show-token")
        assert APP_TOKEN in out
    assert len(srv.requests) == 1  # later runs used the cache
    assert srv.requests[0].form["client_secret"] == "s3cr3t-value"
    assert (env / "tokens.json").stat().st_mode & 0o777 == 0o600


def test_token_refusal_explains_cause_and_fix(env: Path) -> None:
    body = {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided.",
            "error_codes": [7000215], "trace_id": "tr-9", "correlation_id": "co-9"}
    with HttpServer({"/token": [Reply(401, body)]}) as srv:
        code, out, err = run("token", *app_args(srv))
        assert code == 1 and "[invalid_client]" in err and "Traceback" not in err
        code, doc = run_json("token", *app_args(srv))
    assert doc["ok"] is False and doc["error"]["aadsts"] == 7000215 and doc["error"]["trace_id"] == "tr-9"


def test_token_device_flow(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILOAUTH_CLIENT_SECRET")
    monkeypatch.setattr(flows, "_sleep", lambda s: None)
    clock = [1_800_000_000]

    def now() -> int:
        clock[0] += 3
        return clock[0]

    monkeypatch.setattr(flows, "_now", now)
    auth = {"device_code": "dc", "user_code": "ABCD-EFGH", "verification_uri": "https://microsoft.com/devicelogin", "expires_in": 900, "interval": 5}
    routes = {
        "/devicecode": [Reply(200, auth)],
        "/token": [Reply(400, {"error": "authorization_pending"}),
                   Reply(200, {"token_type": "Bearer", "expires_in": 3600, "access_token": "at", "refresh_token": "rt",
                               "scope": "https://outlook.office.com/IMAP.AccessAsUser.All offline_access"})],
    }
    with HttpServer(routes) as srv:
        code, out, err = run("token", "--app", CLIENT, "--flow", "device", "--token-url", f"{srv.base}/token",
                             "--device-url", f"{srv.base}/devicecode", "--user", "alice@contoso.com")
    assert code == 0, err
    assert "ABCD-EFGH" in err and "refresh token: yes" in out and "IMAP.AccessAsUser.All" in out


def test_token_interactive_flow(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--flow interactive: the loopback listener receives the redirect (the browser is scripted)."""
    import threading
    import urllib.parse
    import urllib.request

    monkeypatch.delenv("MAILOAUTH_CLIENT_SECRET")
    monkeypatch.setattr(flows, "is_remote_session", lambda: False)

    def browser(url: str) -> bool:
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        target = f"{q['redirect_uri']}?code=the-code&state={q['state']}"
        threading.Thread(target=lambda: urllib.request.urlopen(target, timeout=5).read(), daemon=True).start()
        return True

    monkeypatch.setattr(flows.webbrowser, "open", browser)
    routes = {"/token": [Reply(200, {"token_type": "Bearer", "expires_in": 3600, "access_token": "at", "refresh_token": "rt"})]}
    with HttpServer(routes) as srv:
        code, out, err = run("token", "--app", CLIENT, "--flow", "interactive", "--token-url", f"{srv.base}/token",
                             "--authorize-url", f"{srv.base}/authorize", "--user", "alice@contoso.com")
    assert code == 0, err
    assert "token acquired (interactive flow)" in out and "refresh token: yes" in out
    assert srv.requests[0].form["code"] == "the-code" and srv.requests[0].form["grant_type"] == "authorization_code"


def imap_script(after_auth: list[tuple[str, Any]], auth_reply: str = "OK AUTHENTICATE completed.") -> list[tuple[str, Any]]:
    return [
        ("S", "* OK IMAP4rev1 ready\r\n"),
        ("C", lambda l: l.endswith(" CAPABILITY\r\n")),
        ("S", lambda l: f"* CAPABILITY IMAP4rev1 AUTH=XOAUTH2 SASL-IR\r\n{tag_of(l)} OK done\r\n"),
        ("C", lambda l: " AUTHENTICATE XOAUTH2 " in l),
        ("S", lambda l: f"{tag_of(l)} {auth_reply}\r\n"),
    ] + after_auth


def test_check_imap_app_only_all_green(env: Path) -> None:
    script = imap_script([
        ("C", lambda l: " LIST " in l),
        ("S", lambda l: f'* LIST (\\HasNoChildren) "/" INBOX\r\n* LIST (\\HasNoChildren) "/" Archive\r\n{tag_of(l)} OK LIST completed.\r\n'),
        ("C", lambda l: l.endswith(" LOGOUT\r\n")),
        ("S", lambda l: f"* BYE\r\n{tag_of(l)} OK LOGOUT completed.\r\n"),
    ])
    with HttpServer({"/token": [token_reply()]}) as srv, LineServer(script) as imap:
        code, out, err = run("check", "imap", *app_args(srv), "--mailbox", MAILBOX, "--host", "127.0.0.1",
                             "--port", str(imap.port), "--plain")
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[0].startswith("✓ token acquired (client credentials flow)")
    assert "✓ token fits IMAP (app)" in lines
    assert any(l.startswith("✓ connected to 127.0.0.1:") for l in lines)
    assert f"✓ authenticated as {MAILBOX} (XOAUTH2)" in lines
    assert "✓ listed 2 folders" in lines
    assert imap.errors == []
    assert APP_TOKEN not in out + err


def test_check_imap_rejected_prints_diagnosis(env: Path) -> None:
    with HttpServer({"/token": [token_reply()]}) as srv, LineServer(imap_script([], "NO AUTHENTICATE failed.")) as imap:
        code, out, _ = run("check", "imap", *app_args(srv), "--mailbox", MAILBOX, "--host", "127.0.0.1",
                           "--port", str(imap.port), "--plain")
        assert code == 1
        assert "✗ authenticate" in out and "diagnosis: auth_failed" in out
        assert "  cause: " in out and "  fix: " in out


def test_check_imap_authenticated_but_not_connected_json(env: Path) -> None:
    script = imap_script([
        ("C", lambda l: " LIST " in l),
        ("S", lambda l: f"{tag_of(l)} BAD User is authenticated but not connected.\r\n"),
        ("C", None),
        ("S", "* BYE\r\n"),
    ])
    with HttpServer({"/token": [token_reply()]}) as srv, LineServer(script) as imap:
        code, doc = run_json("check", "imap", *app_args(srv), "--mailbox", MAILBOX, "--host", "127.0.0.1",
                             "--port", str(imap.port), "--plain")
    assert code == 1 and doc["ok"] is False
    assert [s["ok"] for s in doc["steps"]][-1] is False
    assert doc["diagnosis"]["code"] == "not_connected" and "FullAccess" in doc["diagnosis"]["fix"]


def test_check_wrong_audience_token_is_flagged_and_still_tried(env: Path) -> None:
    script = [
        ("S", "220 localhost ESMTP\r\n"),
        ("C", lambda l: l.lower().startswith("ehlo")),
        ("S", "250-localhost\r\n250 AUTH LOGIN XOAUTH2\r\n"),
        ("C", lambda l: l.startswith("AUTH XOAUTH2")),
        ("S", "535 5.7.3 Authentication unsuccessful [SN4PR0201CA0065.namprd02.prod.outlook.com]\r\n"),
        ("C", None),
        ("S", "221 bye\r\n"),
    ]
    with LineServer(script) as smtp:
        code, out, _ = run("check", "smtp", "--token", GRAPH_TOKEN, "--user", "alice@contoso.com",
                           "--host", "127.0.0.1", "--port", str(smtp.port), "--plain")
    assert code == 1
    assert "✗ error: wrong_audience: " in out
    assert "✗ authenticate" in out and "diagnosis: auth_failed" in out


def test_check_smtp_noop(env: Path) -> None:
    script = [
        ("S", "220 localhost ESMTP\r\n"),
        ("C", lambda l: l.lower().startswith("ehlo")),
        ("S", "250-localhost\r\n250 AUTH LOGIN XOAUTH2\r\n"),
        ("C", "AUTH XOAUTH2\r\n"),  # a real JWT does not fit the 512-octet line: two steps
        ("S", "334 \r\n"),
        ("C", None),
        ("S", "235 2.7.0 Authentication successful\r\n"),
        ("C", "noop\r\n"),
        ("S", "250 2.0.0 OK\r\n"),
        ("C", "quit\r\n"),
        ("S", "221 bye\r\n"),
    ]
    with HttpServer({"/token": [token_reply()]}) as srv, LineServer(script) as smtp:
        code, out, err = run("check", "smtp", *app_args(srv), "--mailbox", MAILBOX, "--host", "127.0.0.1",
                             "--port", str(smtp.port), "--plain")
    assert code == 0, out + err
    assert "✓ NOOP accepted" in out


def test_check_connect_failure(env: Path) -> None:
    import socket

    s = socket.create_server(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    code, out, _ = run("check", "pop", "--token", APP_TOKEN, "--mailbox", MAILBOX, "--host", "127.0.0.1", "--port", str(port), "--plain")
    assert code == 1 and f"✗ connect to 127.0.0.1:{port}" in out


def test_check_needs_a_mailbox() -> None:
    code, _, err = run("check", "imap", "--token", "t")
    assert code == 2 and "--mailbox" in err


def test_explain_code_body_reply_and_token() -> None:
    code, out, _ = run("explain", "AADSTS7000215")
    assert code == 0 and out.startswith("AADSTS7000215: ") and "fix: " in out
    body = json.dumps({"error": "invalid_grant", "error_description": "AADSTS700082: expired", "error_codes": [700082], "trace_id": "t1"})
    code, doc = run_json("explain", body)
    assert code == 0 and doc["explanation"]["aadsts"] == 700082 and doc["explanation"]["remedy"] == "sign_in_again"
    code, out, _ = run("explain", "--protocol", "smtp", "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.")
    assert code == 0 and "smtp_auth_disabled" in out and "Set-" in out
    code, out, _ = run("explain", "A02 BAD User is authenticated but not connected.")
    assert code == 0 and "not_connected" in out
    code, out, _ = run("explain", "--user", "alice@contoso.com", GRAPH_TOKEN)
    assert code == 1 and "wrong_audience" in out and "graph.microsoft.com" in out
    code, out, _ = run("explain", "hello world")
    assert code == 1 and "nothing known" in out


def test_runbook() -> None:
    code, out, _ = run("runbook", "--tenant", TENANT, "--app", CLIENT, "--object-id", "11111111-2222-3333-4444-555555555555",
                       "--mailbox", MAILBOX, "--protocol", "imap")
    assert code == 0 and "New-ServicePrincipal" in out and "Add-MailboxPermission" in out and MAILBOX in out
    code, doc = run_json("runbook", "--tenant", TENANT, "--app", CLIENT)
    assert code == 0 and doc["consent_url"].startswith("https://login.microsoftonline.com/") and doc["steps"]


def test_ctrl_c_during_device_flow_exits_130_without_traceback(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    def default_sigint() -> None:
        # A runner started in the background (`make test &`, nohup, some CI) ignores SIGINT, and
        # an ignored signal stays ignored across exec: the CLI would never see Ctrl-C. Give the
        # child what a terminal's foreground job has, the default disposition (Python then turns
        # SIGINT into KeyboardInterrupt). Only a syscall runs between fork and exec.
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    auth = {"device_code": "dc", "user_code": "WXYZ-1234", "verification_uri": "https://microsoft.com/devicelogin", "expires_in": 900, "interval": 1}
    with HttpServer({"/devicecode": [Reply(200, auth)], "/token": [Reply(400, {"error": "authorization_pending"})]}) as srv:
        env = {**os.environ, "MAILOAUTH_CACHE": str(tmp_path / "t.json")}
        env.pop("MAILOAUTH_CLIENT_SECRET", None)
        p = subprocess.Popen(
            [sys.executable, "-m", "mailoauth", "token", "--app", CLIENT, "--flow", "device",
             "--token-url", f"{srv.base}/token", "--device-url", f"{srv.base}/devicecode"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, preexec_fn=default_sigint,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and p.poll() is None and not any(r.path == "/token" for r in srv.requests):
                time.sleep(0.1)
            # Ctrl-C must land while the flow polls, not before it started or after it ended.
            assert p.poll() is None and any(r.path == "/token" for r in srv.requests), "the device flow never polled"
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=30)
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
    assert p.returncode == 130, err
    assert "WXYZ-1234" in err and "Traceback" not in err
    assert err.rstrip().endswith("mailoauth: error: cancelled [cancelled]"), err


def test_check_pop_over_implicit_tls_with_a_test_ca(env: Path, tls_files: tuple[Path, Path]) -> None:
    import ssl

    cert, key = tls_files
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    script = [
        ("S", "+OK POP3 ready\r\n"),
        ("C", "AUTH XOAUTH2\r\n"),
        ("S", "+ \r\n"),
        ("C", None),
        ("S", "+OK User successfully authenticated.\r\n"),
        ("C", "STAT\r\n"),
        ("S", "+OK 3 4500\r\n"),
        ("C", "QUIT\r\n"),
        ("S", "+OK bye\r\n"),
    ]
    with LineServer(script, tls_context=server_ctx, implicit_tls=True) as pop:
        code, out, err = run("check", "pop", "--token", APP_TOKEN, "--mailbox", MAILBOX, "--host", "127.0.0.1",
                             "--port", str(pop.port), "--ca-file", str(cert))
    assert code == 0, out + err
    assert any(l.startswith("✓ connected to 127.0.0.1:") and "(TLSv1." in l for l in out.splitlines())
    assert "✓ mailbox holds 3 messages (4500 bytes)" in out
    assert pop.errors == []
