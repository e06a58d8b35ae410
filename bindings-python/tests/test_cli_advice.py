"""The command line's advice for Exchange Online in 2026: app-only needs one tenant, personal
accounts (--cloud consumers), High Volume Email, runbook variants, lint severities, shared
mailboxes over SMTP, and the new mail-server refusals."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest

import mailoauth
from mailoauth import cli, flows
from servers import HttpServer, LineServer, Reply
from test_cli import run, run_json
from test_cli_flows import APP_TOKEN, CLIENT, MAILBOX, TENANT, jwt, token_reply

SHARED = "info@contoso.com"
ALICE = "alice@contoso.com"
PAD = "x" * 400  # real tokens are long: SMTP AUTH then takes two steps (the 512-octet rule)
DELEGATED_SMTP = jwt({"pad": PAD, "aud": "https://outlook.office.com", "scp": "SMTP.Send", "upn": ALICE,
                      "tid": "11111111-2222-3333-4444-555555555555", "exp": int(time.time()) + 3600})
PERSONAL_SMTP = jwt({"pad": PAD, "aud": "https://outlook.office.com", "scp": "SMTP.Send", "preferred_username": "me@outlook.com",
                     "tid": mailoauth.CONSUMERS_TENANT_ID, "exp": int(time.time()) + 3600})
APP_TOKEN_NO_SMTP_ROLE = jwt({"pad": PAD, "aud": "https://outlook.office365.com", "roles": ["Mail.Send"], "appid": CLIENT,
                              "tid": "11111111-2222-3333-4444-555555555555", "exp": int(time.time()) + 3600})


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("MAILOAUTH_CLIENT_SECRET", "s3cr3t-value")
    monkeypatch.setenv("MAILOAUTH_CACHE", str(tmp_path / "tokens.json"))
    return tmp_path


def parse(*argv: str) -> Any:
    return cli.build_parser().parse_args(list(argv))


def app_of(*argv: str) -> flows.App:
    out = cli.Output(as_json=True, stdout=None, stderr=None)  # type: ignore[arg-type]
    return cli._app_from_args(parse("token", "--app", CLIENT, *argv), out)


# ------------------------------------------------------------------------------------------------
# Tenants


def test_the_organizations_default_is_gone() -> None:
    assert parse("token").tenant is None
    assert parse("check", "imap").tenant is None


def test_delegated_flows_default_to_organizations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILOAUTH_CLIENT_SECRET", raising=False)
    for flow in ["device", "interactive", "refresh", "auto"]:
        app = app_of("--flow", flow)
        assert app.tenant == "organizations", flow
        assert "/organizations/oauth2/v2.0/token" in app.resolved_endpoints().token_url
    assert app_of("--flow", "device", "--tenant", "contoso.com").tenant == "contoso.com"


def test_consumers_cloud_implies_tenant_consumers_and_named_scopes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILOAUTH_CLIENT_SECRET", raising=False)
    app = app_of("--flow", "device", "--cloud", "consumers")
    assert app.tenant == "consumers"
    assert app.resolved_endpoints().token_url == "https://login.microsoftonline.com/consumers/oauth2/v2.0/token"
    args = parse("token", "--app", CLIENT, "--cloud", "consumers", "--flow", "device")
    scopes = cli._scopes_of(args, app, "device_code", ["imap", "smtp"])
    assert scopes == ["https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send", "offline_access"]
    assert not any(".default" in s for s in scopes)
    assert app_of("--flow", "device", "--cloud", "consumers", "--tenant", "Consumers").tenant == "consumers"
    with pytest.raises(cli.UsageError, match="personal Microsoft accounts"):
        app_of("--flow", "device", "--cloud", "consumers", "--tenant", "contoso.com")


@pytest.mark.parametrize("argv", [
    ["token", "--app", CLIENT],                                           # auto + secret (env)
    ["token", "--app", CLIENT, "--flow", "client-credentials"],
    ["check", "imap", "--app", CLIENT, "--mailbox", MAILBOX],
    ["check", "smtp", "--app", CLIENT, "--mailbox", MAILBOX, "--flow", "client-credentials"],
])
def test_app_only_without_tenant_is_a_usage_error(env: Path, argv: list[str]) -> None:
    with HttpServer({"/token": [token_reply()]}) as srv:
        code, out, err = run(*argv, "--token-url", f"{srv.base}/token")
        assert code == 2, out + err
        assert "--tenant <tenant id or verified domain>" in err and "guessed tenant" in err
        assert err.startswith("mailoauth: error: ") and err.rstrip().endswith("[usage]")
        code, doc = run_json(*argv, "--token-url", f"{srv.base}/token")
    assert code == 2 and doc["error"]["code"] == "usage"
    assert srv.requests == []


def test_app_only_with_a_certificate_and_no_secret_needs_a_tenant_too(env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MAILOAUTH_CLIENT_SECRET")
    pem = tmp_path / "app.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    code, _, err = run("token", "--app", CLIENT, "--certificate", str(pem))
    assert code == 2 and "--tenant <tenant id or verified domain>" in err


@pytest.mark.parametrize(("tenant", "why"), [
    ("organizations", "guessed tenant"),
    ("common", "AADSTS9001023"),
    ("consumers", "personal Microsoft accounts have no app-only access"),
])
def test_app_only_refuses_the_keywords_with_the_core_reason(env: Path, tenant: str, why: str) -> None:
    with HttpServer({"/token": [token_reply()]}) as srv:
        code, out, err = run("token", "--app", CLIENT, "--tenant", tenant, "--token-url", f"{srv.base}/token")
        assert code == 1 and out == ""
        assert err.count("\n") == 1 and why in err and err.rstrip().endswith("[invalid_tenant]")
        code, doc = run_json("token", "--app", CLIENT, "--tenant", tenant)
        assert code == 1 and doc["error"]["code"] == "invalid_tenant" and why in doc["error"]["message"]
        # check shows it as the failed token step.
        code, doc = run_json("check", "imap", "--app", CLIENT, "--tenant", tenant, "--mailbox", MAILBOX,
                             "--token-url", f"{srv.base}/token")
        assert code == 1 and doc["steps"][0]["step"] == "token" and doc["steps"][0]["code"] == "invalid_tenant"
    assert srv.requests == []


def test_app_only_on_the_consumers_cloud_is_refused(env: Path) -> None:
    code, _, err = run("token", "--app", CLIENT, "--cloud", "consumers")
    assert code == 1 and "personal Microsoft accounts have no app-only access" in err and "[invalid_tenant]" in err


def test_app_only_with_a_real_tenant_gets_its_token(env: Path) -> None:
    with HttpServer({"/token": [token_reply()]}) as srv:
        code, doc = run_json("token", "--app", CLIENT, "--tenant", TENANT, "--token-url", f"{srv.base}/token", "--no-cache")
    assert code == 0 and doc["flow"] == "client_credentials"
    assert srv.requests[0].form["grant_type"] == "client_credentials"


def test_config_lint_findings_carry_their_severity(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILOAUTH_CLIENT_SECRET")
    routes = {"/token": [Reply(200, {"token_type": "Bearer", "expires_in": 3600, "access_token": "at", "refresh_token": "rt"})],
              "/devicecode": [Reply(200, {"device_code": "dc", "user_code": "ABCD", "verification_uri": "https://microsoft.com/devicelogin",
                                          "expires_in": 900, "interval": 1})]}
    monkeypatch.setattr(flows, "_sleep", lambda s: None)
    with HttpServer(routes) as srv:
        code, out, err = run("token", "--app", CLIENT, "--flow", "device", "--scope", "https://outlook.office.com/IMAP.AccessAsUser.All",
                             "--token-url", f"{srv.base}/token", "--device-url", f"{srv.base}/devicecode", "--no-cache")
    assert code == 0, err
    assert "warning: offline_access_missing: " in err


# ------------------------------------------------------------------------------------------------
# --cloud consumers and hve everywhere


@pytest.mark.parametrize("command", ["consent-url", "token", "check", "explain", "runbook"])
def test_every_cloud_option_names_the_new_presets(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([command, "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "global (default), usgov, usgov-dod, china, consumers or hve" in text


def test_hve_cloud_sends_to_the_hve_host() -> None:
    assert mailoauth.Cloud("hve").mail_server("smtp") == ("smtp.hve.mx.microsoft", 587)
    code, _, err = run("explain", "--cloud", "hve", "--protocol", "smtp", "550 5.5.105 External sending is not supported")
    assert code == 0, err


# ------------------------------------------------------------------------------------------------
# runbook variants


def test_runbook_variants() -> None:
    base = ["runbook", "--tenant", TENANT, "--app", CLIENT, "--object-id", "99999999-8888-7777-6666-555555555555"]
    code, out, _ = run(*base, "--mailbox", SHARED)
    assert code == 0 and "Add-MailboxPermission" in out and "New-ManagementRoleAssignment" not in out
    code, out, _ = run(*base, "--mailbox", SHARED, "--variant", "rbac")
    assert code == 0
    assert f"New-ManagementRoleAssignment -App '{CLIENT}' -Role 'Application SMTP.SendAsApp' -CustomResourceScope 'SMTP send as for {CLIENT}'" in out
    assert "Add-MailboxPermission" not in out and "-SmtpClientAuthenticationDisabled $false" in out  # smtp by default
    code, doc = run_json(*base, "--mailbox", "alerts@contoso.com", "--variant", "hve")
    assert code == 0 and doc["variant"] == "hve"
    commands = [c for s in doc["steps"] for c in s["commands"]]
    assert f"Add-HVEAppAccess -Identity 'alerts@contoso.com' -AppIds '{CLIENT}'" in commands
    assert not any("New-ServicePrincipal" in c for c in commands)
    code, _, err = run(*base, "--variant", "rbac", "--protocol", "imap")
    assert code == 1 and "[invalid_input]" in err and "mailbox-permission" in err
    code, _, err = run(*base, "--variant", "nonsense")
    assert code == 2
    code, _, err = run(*base, "--cloud", "consumers")
    assert code == 1 and "[invalid_input]" in err


# ------------------------------------------------------------------------------------------------
# Lint severities in check and explain


def smtp_script(after_auth: list[tuple[str, Any]], auth: Any = None, auth_reply: str = "235 2.7.0 Authentication successful\r\n",
                one_line: bool = False) -> list[tuple[str, Any]]:
    """EHLO, AUTH (in two steps: a JWT does not fit the 512-octet line; or one line for a short
    token, when ``auth`` sees the whole AUTH line), then ``after_auth``."""
    hello: list[tuple[str, Any]] = [
        ("S", "220 localhost ESMTP\r\n"),
        ("C", lambda l: l.lower().startswith("ehlo")),
        ("S", "250-localhost\r\n250 AUTH LOGIN XOAUTH2\r\n"),
    ]
    if one_line:
        return hello + [("C", auth), ("S", auth_reply)] + after_auth
    return hello + [("C", "AUTH XOAUTH2\r\n"), ("S", "334 \r\n"), ("C", auth), ("S", auth_reply)] + after_auth


def auth_user(line: str) -> str:
    decoded = base64.b64decode(line.strip().split(" ")[-1]).decode()
    return decoded.split("\x01", 1)[0].removeprefix("user=")


NOOP_QUIT = [("C", "noop\r\n"), ("S", "250 2.0.0 OK\r\n"), ("C", "quit\r\n"), ("S", "221 bye\r\n")]


def test_check_warning_does_not_fail(env: Path) -> None:
    """An app-only SMTP token without SMTP.SendAsApp (App RBAC, HVE) is a warning, not a failure."""
    with LineServer(smtp_script(NOOP_QUIT)) as smtp:
        code, out, err = run("check", "smtp", "--token", APP_TOKEN_NO_SMTP_ROLE, "--mailbox", MAILBOX, "--host", "127.0.0.1",
                             "--port", str(smtp.port), "--plain")
    assert code == 0, out + err
    assert "! warning: smtp_role_absent: " in out and "New-ManagementRoleAssignment" in out
    assert auth_user(smtp.received[2]) == MAILBOX  # app-only keeps user= the mailbox
    with LineServer(smtp_script(NOOP_QUIT)) as smtp:
        code, doc = run_json("check", "smtp", "--token", APP_TOKEN_NO_SMTP_ROLE, "--mailbox", MAILBOX, "--host", "127.0.0.1",
                             "--port", str(smtp.port), "--plain")
    assert code == 0 and doc["ok"] is True
    (finding,) = [s for s in doc["steps"] if s["step"] == "token: smtp_role_absent"]
    assert finding["severity"] == "warning" and finding["ok"] is True and "Add-HVEAppAccess" in finding["fix"]


def test_check_error_finding_fails_even_when_the_login_works(env: Path) -> None:
    """--user names someone else than the token's user over SMTP: user_differs is an error."""
    with LineServer(smtp_script(NOOP_QUIT)) as smtp:
        code, doc = run_json("check", "smtp", "--token", DELEGATED_SMTP, "--user", "bob@contoso.com", "--host", "127.0.0.1",
                             "--port", str(smtp.port), "--plain")
    assert code == 1 and doc["ok"] is False
    (finding,) = [s for s in doc["steps"] if s["step"] == "token: user_differs"]
    assert finding["severity"] == "error" and finding["ok"] is False and "-AccessRights SendAs" in finding["fix"]
    assert any(s["step"] == "NOOP accepted" for s in doc["steps"])  # still tried


def test_check_opaque_token_is_a_note() -> None:
    script = [("S", "+OK ready\r\n"), ("C", "AUTH XOAUTH2\r\n"), ("S", "+ \r\n"), ("C", None), ("S", "+OK done\r\n"),
              ("C", "STAT\r\n"), ("S", "+OK 0 0\r\n"), ("C", "QUIT\r\n"), ("S", "+OK bye\r\n")]
    with LineServer(script) as pop:
        code, out, err = run("check", "pop", "--token", "EwB4A8l6opaque", "--mailbox", "me@outlook.com", "--host", "127.0.0.1",
                             "--port", str(pop.port), "--plain")
    assert code == 0, out + err
    assert "i note: opaque_token: " in out


def test_explain_token_shows_severities() -> None:
    code, out, _ = run("explain", "--protocol", "smtp", "--user", SHARED, DELEGATED_SMTP)
    assert code == 1 and "✗ error: user_differs: " in out and "Add-RecipientPermission -Identity 'info@contoso.com'" in out
    code, doc = run_json("explain", "--protocol", "imap", "--grant", "delegated", "--user", SHARED,
                         jwt({"aud": "https://outlook.office.com", "scp": "IMAP.AccessAsUser.All", "upn": ALICE, "exp": int(time.time()) + 600}))
    assert code == 0, doc  # a note does not fail
    assert doc["findings"] == [{"code": "user_differs", "severity": "note", "message": doc["findings"][0]["message"],
                                "fix": doc["findings"][0]["fix"]}]
    code, doc = run_json("explain", "--protocol", "smtp", "--grant", "app", APP_TOKEN_NO_SMTP_ROLE)
    assert code == 0 and [(f["code"], f["severity"]) for f in doc["findings"]] == [("smtp_role_absent", "warning")]


# ------------------------------------------------------------------------------------------------
# Shared mailboxes over SMTP


def test_check_smtp_shared_mailbox_logs_in_as_the_delegate_and_sends_from_the_shared_address(env: Path) -> None:
    after = [
        ("C", "noop\r\n"), ("S", "250 2.0.0 OK\r\n"),
        ("C", f"mail FROM:<{SHARED}>\r\n"), ("S", "250 2.1.0 Sender OK\r\n"),
        ("C", "rcpt TO:<bob@contoso.com>\r\n"), ("S", "250 2.1.5 Recipient OK\r\n"),
        ("C", "data\r\n"), ("S", "354 go ahead\r\n"), ("DATA", None), ("S", "250 2.6.0 Queued\r\n"),
        ("C", "quit\r\n"), ("S", "221 bye\r\n"),
    ]
    with LineServer(smtp_script(after)) as smtp:
        code, out, err = run("check", "smtp", "--token", DELEGATED_SMTP, "--mailbox", SHARED, "--send-test-to", "bob@contoso.com",
                             "--host", "127.0.0.1", "--port", str(smtp.port), "--plain")
    assert code == 0, out + err
    assert smtp.errors == []
    assert auth_user(smtp.received[2]) == ALICE  # user= the token's user, not the shared mailbox
    assert f"From: {SHARED}\r\n" in smtp.received
    assert "a shared mailbox cannot be an SMTP AUTH identity" in out
    assert f"  Add-RecipientPermission -Identity '{SHARED}' -Trustee '{ALICE}' -AccessRights SendAs -Confirm:$false" in out.splitlines()
    assert f"✓ authenticated as {ALICE} (XOAUTH2)" in out
    assert f"✓ test message sent to bob@contoso.com from {SHARED}" in out
    assert "user_differs" not in out


def test_check_smtp_shared_mailbox_uses_user_option_and_diagnoses_send_as_denied(env: Path) -> None:
    refusal = "550 5.7.60 SMTP; Client does not have permissions to send as this sender"
    after = [
        ("C", "noop\r\n"), ("S", "250 2.0.0 OK\r\n"),
        ("C", f"mail FROM:<{SHARED}>\r\n"), ("S", refusal + "\r\n"),
        ("C", None), ("S", "250 2.0.0 reset\r\n"),  # RSET
        ("C", "quit\r\n"), ("S", "221 bye\r\n"),
    ]
    opaque = "EwB4A8l6opaque-delegated"
    with LineServer(smtp_script(after, auth=lambda l: l.startswith("AUTH XOAUTH2 ") and auth_user(l) == ALICE, one_line=True)) as smtp:
        code, doc = run_json("check", "smtp", "--token", opaque, "--grant", "delegated", "--user", ALICE, "--mailbox", SHARED,
                             "--send-test-to", "bob@contoso.com", "--host", "127.0.0.1", "--port", str(smtp.port), "--plain")
    assert smtp.errors == []
    assert code == 1 and doc["ok"] is False
    assert doc["shared_mailbox"] == {"login_user": ALICE, "sender": SHARED,
                                     "send_as_command": mailoauth.send_as_command(SHARED, ALICE)}
    assert doc["diagnosis"]["code"] == "send_as_denied" and "Add-RecipientPermission" in doc["diagnosis"]["fix"]
    assert doc["steps"][-1] == {"step": "prove access", "ok": False, "detail": refusal}


def test_check_imap_shared_mailbox_still_logs_in_as_the_shared_mailbox(env: Path) -> None:
    from test_cli_flows import imap_script
    from servers import tag_of

    token = jwt({"aud": "https://outlook.office.com", "scp": "IMAP.AccessAsUser.All", "upn": ALICE, "exp": int(time.time()) + 600})
    script = imap_script([
        ("C", lambda l: " LIST " in l),
        ("S", lambda l: f'* LIST () "/" INBOX\r\n{tag_of(l)} OK LIST completed.\r\n'),
        ("C", lambda l: l.endswith(" LOGOUT\r\n")),
        ("S", lambda l: f"* BYE\r\n{tag_of(l)} OK LOGOUT completed.\r\n"),
    ])
    with LineServer(script) as imap:
        code, out, err = run("check", "imap", "--token", token, "--mailbox", SHARED, "--host", "127.0.0.1", "--port", str(imap.port), "--plain")
    assert code == 0, out + err
    assert f"✓ authenticated as {SHARED} (XOAUTH2)" in out and "shared mailbox cannot" not in out
    sasl = imap.received[1].split()[-1]
    assert base64.b64decode(sasl).decode().startswith(f"user={SHARED}\x01")


# ------------------------------------------------------------------------------------------------
# Personal accounts and the new refusals


DISABLED = "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox."


@pytest.mark.parametrize(("token", "cloud"), [(DELEGATED_SMTP, "consumers"), (PERSONAL_SMTP, "global")])
def test_check_personal_account_refusal_speaks_to_the_owner(env: Path, token: str, cloud: str) -> None:
    script = smtp_script([("C", None), ("S", "221 bye\r\n")], auth_reply=DISABLED + "\r\n")
    with LineServer(script) as smtp:
        code, doc = run_json("check", "smtp", "--token", token, "--cloud", cloud, "--host", "127.0.0.1",
                             "--port", str(smtp.port), "--plain", "--mailbox", ALICE if token == DELEGATED_SMTP else "me@outlook.com")
    assert code == 1
    assert doc["diagnosis"]["code"] == "smtp_auth_disabled"
    assert "Personal Microsoft account" in doc["diagnosis"]["fix"] and "Set-CasMailbox" not in doc["diagnosis"]["fix"]


def test_check_work_account_refusal_keeps_the_admin_fix(env: Path) -> None:
    script = smtp_script([("C", None), ("S", "221 bye\r\n")], auth_reply=DISABLED + "\r\n")
    with LineServer(script) as smtp:
        code, doc = run_json("check", "smtp", "--token", DELEGATED_SMTP, "--mailbox", ALICE, "--host", "127.0.0.1",
                             "--port", str(smtp.port), "--plain")
    assert code == 1 and "Set-CasMailbox" in doc["diagnosis"]["fix"]


@pytest.mark.parametrize(("line", "code"), [
    ("550 5.7.60 SMTP; Client does not have permissions to send as this sender", "send_as_denied"),
    ("530 5.7.57 Client not authenticated to send mail.", "not_authenticated"),
    ("451 5.7.3 STARTTLS is required to send mail", "tls_required"),
    ("501 5.5.124 Invalid XOAUTH2 auth data - User address provided is not valid", "hve_user_invalid"),
    ("550 5.5.105 External sending is not supported", "hve_external_recipient"),
    ("430 4.2.0 STOREDRV; mailbox logon failure; Cannot open mailbox. MapiExceptionLogonFailed", "mailbox_logon_failed"),
])
def test_explain_new_reply_lines(line: str, code: str) -> None:
    status, out, _ = run("explain", "--protocol", "smtp", line)
    assert status == 0 and f"SMTP reply: {code}" in out and "  fix: " in out
    status, doc = run_json("explain", line)
    assert status == 0 and doc["diagnosis"]["code"] == code


def test_explain_a_diagnosis_code_and_the_personal_variant() -> None:
    code, out, _ = run("explain", "send_as_denied")
    assert code == 0 and "mail server diagnosis: send_as_denied" in out and "-AccessRights SendAs" in out
    code, doc = run_json("explain", "--cloud", "consumers", "send_as_denied")
    assert code == 0 and "Personal Microsoft account" in doc["diagnosis"]["fix"]
    code, doc = run_json("explain", "--cloud", "consumers", "--protocol", "smtp", DISABLED)
    assert code == 0 and doc["diagnosis"]["code"] == "smtp_auth_disabled" and "Personal Microsoft account" in doc["diagnosis"]["fix"]
    code, doc = run_json("explain", "--protocol", "smtp", DISABLED)
    assert code == 0 and "Personal Microsoft account" not in doc["diagnosis"]["fix"]
    assert json.dumps(doc)  # plain JSON


def test_consent_url_refuses_the_consumers_preset() -> None:
    code, _, err = run("consent-url", "--tenant", TENANT, "--app", CLIENT, "--cloud", "consumers")
    assert code != 0
    assert "no administrator to consent" in err and "[invalid_input]" in err
