"""Marshalling and redaction of the token, identity, diagnosis and mail-exchange records."""

from __future__ import annotations

import json

import pytest

import mailoauth

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
RFC7636_OCTETS = bytes([116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77,
                        105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121])


def test_token_set_round_trip_merge_and_redaction() -> None:
    t = mailoauth.TokenSet("at-SECRET", expires_at=1000, refresh_token="rt-SECRET", scope="a b", id_token="id-SECRET")
    assert (t.token_type, t.scopes()) == ("Bearer", ["a", "b"])
    assert t.needs_refresh(800) and not t.needs_refresh(600) and t.needs_refresh(990, margin=10)
    assert t.is_expired(1000) and t.expires_in(400) == 600
    back = mailoauth.TokenSet.from_json(t.to_json())
    assert back == t and json.loads(t.to_json())["refresh_token"] == "rt-SECRET"
    merged = t.merged_with(mailoauth.TokenSet("at-2", expires_at=2000))
    assert (merged.access_token, merged.refresh_token, merged.scope) == ("at-2", "rt-SECRET", "a b")
    r = repr(t)
    assert "SECRET" not in r and r.startswith("TokenSet(access_token='[redacted]'")
    with pytest.raises(mailoauth.ProtocolError) as info:
        mailoauth.TokenSet.from_json('{"access_token": "leak-SECRET", "expires_at": "x"}')
    assert "SECRET" not in str(info.value)


def test_parse_token_response_error_mapping() -> None:
    ok = mailoauth.parse_token_response(mailoauth.HttpResponse(200, b'{"access_token":"a","token_type":"bearer","expires_in":"60"}'), 100)
    assert (ok.token_type, ok.expires_at) == ("Bearer", 160)
    with pytest.raises(mailoauth.ServerError) as info:
        mailoauth.parse_token_response(mailoauth.HttpResponse(503, b"<html>", headers=[("Retry-After", "9")]), 0)
    assert (info.value.code, info.value.status, info.value.retry_after, info.value.transient) == ("http_error", 503, 9, True)
    with pytest.raises(mailoauth.ProtocolError) as info2:
        mailoauth.parse_token_response(mailoauth.HttpResponse(200, b"{}"), 0)
    assert info2.value.code == "malformed"


def test_token_requests() -> None:
    r = mailoauth.build_client_credentials_request(token_url="https://login.microsoftonline.com/t/oauth2/v2.0/token", client_id=CLIENT,
                                                   scope="https://outlook.office365.com/.default", client_secret="s-SECRET")
    assert dict(r.form_fields())["grant_type"] == "client_credentials" and "SECRET" not in repr(r)
    with pytest.raises(mailoauth.InvalidInputError):
        mailoauth.build_client_credentials_request(token_url="https://x/t", client_id=CLIENT, scope="s")
    with pytest.raises(mailoauth.InvalidInputError):
        mailoauth.build_client_credentials_request(token_url="https://x/t", client_id=CLIENT, scope="s", client_secret="a", client_assertion="b")
    r = mailoauth.build_refresh_request(token_url="https://x/t", client_id=CLIENT, refresh_token="rt", scopes=["a", "b"])
    assert dict(r.form_fields()) == {"grant_type": "refresh_token", "client_id": CLIENT, "refresh_token": "rt", "scope": "a b"}


def test_pkce_and_authorize() -> None:
    p = mailoauth.Pkce.from_random(RFC7636_OCTETS)
    assert p.verifier == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert p.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" == mailoauth.s256_challenge(p.verifier)
    assert p.verifier not in repr(p)
    with pytest.raises(mailoauth.InvalidInputError):
        mailoauth.Pkce.from_random(b"short")
    with pytest.raises(mailoauth.InvalidInputError):
        mailoauth.Pkce.from_verifier("too short")
    req = mailoauth.AuthorizeRequest.microsoft(tenant=TENANT, client_id=CLIENT, redirect_uri="http://127.0.0.1:5000/",
                                               protocols=["imap", "smtp"], state="st", pkce=p, login_hint="a@b")
    url = req.url()
    assert url.startswith(f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/authorize?")
    assert "code_challenge_method=S256" in url and "offline_access" in url and "login_hint=a%40b" in url
    code = mailoauth.parse_authorize_redirect("http://127.0.0.1:5000/?code=c-SECRET&state=st", expected_state="st")
    assert code.code == "c-SECRET" and "SECRET" not in repr(code)
    with pytest.raises(mailoauth.SecurityError) as info:
        mailoauth.parse_authorize_redirect("/?code=c&state=other", expected_state="st")
    assert info.value.code == "state_mismatch"
    with pytest.raises(mailoauth.ServerError) as info2:
        mailoauth.parse_authorize_redirect("/?error=access_denied&error_description=AADSTS65004%3A+declined&state=st", expected_state="st")
    assert (info2.value.error, info2.value.aadsts) == ("access_denied", 65004)
    res = mailoauth.parse_admin_consent_redirect(f"https://localhost/?admin_consent=True&tenant={TENANT}&state=1", expected_state="1")
    assert res.granted and res.tenant == TENANT


def test_device_records_redact_the_device_code() -> None:
    body = b'{"device_code":"dc-SECRET","user_code":"ABC","verification_uri":"https://microsoft.com/devicelogin","expires_in":900}'
    a = mailoauth.parse_device_authorization_response(mailoauth.HttpResponse(200, body), 100)
    assert (a.device_code, a.interval, a.expires_at) == ("dc-SECRET", 5, 1000)
    assert "SECRET" not in repr(a) and "ABC" in repr(a)
    poller = mailoauth.DevicePoller(token_url="https://x/t", client_id=CLIENT, authorization=a, now=100)
    act = poller.next_action(100)
    assert (act.kind, act.at) == ("poll_at", 105)
    act = poller.next_action(105)
    assert act.kind == "send" and act.request is not None and "SECRET" not in repr(act.request)
    poller.receive_response(mailoauth.HttpResponse(400, b'{"error":"authorization_declined"}'), 106)
    done = poller.next_action(106)
    assert done.kind == "done" and done.outcome is not None and done.outcome.kind == "declined"
    assert poller.outcome is not None and poller.outcome.kind == "declined"


def test_imap_machine_directly() -> None:
    m = mailoauth.ImapAuth(user="u@x", token="t-SECRET", tag="A1", capabilities=["IMAP4rev1", "AUTH=XOAUTH2"])
    assert (m.tag, m.mechanism, m.uses_initial_response, m.is_done) == ("A1", "XOAUTH2", False, False)
    a = m.next_action()
    assert a.kind == "send" and a.data == b"A1 AUTHENTICATE XOAUTH2\r\n"
    assert m.next_action().kind == "need_line"
    m.receive_line(b"+ \r\n")
    a = m.next_action()
    assert a.kind == "send" and a.data is not None and "redacted" in repr(a) and "dXNl" not in repr(a)
    m.receive_line(b"A1 NO [AUTHENTICATIONFAILED] AUTHENTICATE failed.\r\n")
    done = m.next_action()
    assert done.outcome is not None and done.outcome.kind == "rejected" and not done.outcome.is_authenticated()
    rej = done.outcome.rejection
    assert rej is not None and rej.status == "NO" and rej.diagnosis is not None
    assert "SECRET" not in repr(rej) and m.is_done
    with pytest.raises(mailoauth.ProtocolError) as info:
        mailoauth.ImapAuth(user="u@x", token="t", tag="A1", capabilities=["IMAP4rev1"])
    assert info.value.code == "mechanism_not_offered"


def test_smtp_and_pop_machines_protocol_errors() -> None:
    s = mailoauth.SmtpAuth(user="u@x", token="t", ehlo=["AUTH XOAUTH2"], initial_response="never")
    assert s.next_action().data == b"AUTH XOAUTH2\r\n"
    s.next_action()
    # One error channel: the server's garbage ends the exchange and is reported in the outcome.
    s.receive_line(b"garbage\r\n")
    out = s.next_action().outcome
    assert out is not None and out.kind == "error" and isinstance(out.error, mailoauth.ProtocolError)
    assert out.error.code == "unexpected_reply" and s.is_done
    # Feeding after the end is the caller's mistake, and that call raises.
    with pytest.raises(mailoauth.InvalidInputError):
        s.receive_line(b"235 ok\r\n")
    with pytest.raises(mailoauth.InvalidInputError):
        mailoauth.PopAuth(user="u@x", token="t", initial_response="sometimes")


def test_diagnosis_functions() -> None:
    d = mailoauth.diagnose_reply("smtp", "535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully. Contact your administrator. locked by your organization's security defaults policy")
    assert d is not None and d.code == "security_defaults"
    assert mailoauth.diagnose_reply("imap", "A1 OK done") is None
    assert {x.code for x in mailoauth.reply_catalogue()} >= {"auth_failed", "not_connected", "smtp_auth_disabled"}
    x = mailoauth.explain_aadsts(65001)
    assert x is not None and x.known and x.remedy in ("admin_action", "user_action")
    assert mailoauth.explain_aadsts(1) is None
    assert mailoauth.explain_error_text("see AADSTS700016 in the log") is not None
    with pytest.raises(mailoauth.ProtocolError):
        mailoauth.explain_error_body("<html>")
    assert len(mailoauth.entra_catalogue()) >= 25
    findings = mailoauth.lint_config(flow="client_credentials", tenant="common", client_id=CLIENT, client_secret="b9a5c1d2-0000-4000-8000-000000000000",
                                     scopes=["https://graph.microsoft.com/.default"])
    assert findings and all(f.code for f in findings)
    assert "b9a5c1d2" not in repr(findings)
    rb = mailoauth.build_runbook(tenant="contoso.onmicrosoft.com", client_id=CLIENT, mailboxes=["o'brien@contoso.com"], protocols=["imap", "smtp"])
    assert "New-ServicePrincipal" in rb.to_text() and "'o''brien@contoso.com'" in rb.to_text()
    assert mailoauth.quote_powershell("a'b") == "'a''b'"
    with pytest.raises(mailoauth.InvalidInputError):
        mailoauth.lint_config(flow="magic")


def test_lint_findings_carry_a_severity() -> None:
    import base64

    def jwt(claims: dict[str, object]) -> str:
        b = lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b"=").decode()  # noqa: E731
        return f"{b({'typ': 'JWT', 'alg': 'RS256'})}.{b(claims)}.c2ln"

    now = 1_800_000_000
    alice = jwt({"aud": "https://outlook.office.com", "scp": "SMTP.Send IMAP.AccessAsUser.All", "upn": "alice@contoso.com", "exp": now + 600})
    smtp = mailoauth.lint_access_token(alice, protocol="smtp", grant="delegated", now=now, user="shared@contoso.com")
    (f,) = smtp.findings
    assert (f.code, f.severity) == ("user_differs", "error")
    assert mailoauth.send_as_command("shared@contoso.com", "alice@contoso.com") in f.fix
    assert "severity='error'" in repr(f)
    imap = mailoauth.lint_access_token(alice, protocol="imap", grant="delegated", now=now, user="shared@contoso.com")
    assert [(f.code, f.severity) for f in imap.findings] == [("user_differs", "note")]
    app = jwt({"aud": "https://outlook.office365.com", "roles": ["Mail.Send"], "exp": now + 600})
    (f,) = mailoauth.lint_access_token(app, protocol="smtp", grant="app", now=now).findings
    assert (f.code, f.severity) == ("smtp_role_absent", "warning") and "Add-HVEAppAccess" in f.fix
    assert [(f.code, f.severity) for f in mailoauth.lint_access_token("opaque-token", protocol="imap", grant="delegated", now=now).findings] == [("opaque_token", "note")]
    (c,) = mailoauth.lint_config(flow="client_credentials", tenant="organizations", client_id=CLIENT, client_secret="s3cr3t~value",
                                 scopes=["https://outlook.office365.com/.default"])
    assert (c.code, c.severity) == ("tenant_not_allowed_for_client_credentials", "error") and "guessed tenant" in c.message
    warnings = mailoauth.lint_config(flow="device_code", tenant="organizations", client_id=CLIENT, scopes=["https://outlook.office.com/IMAP.AccessAsUser.All"])
    assert [(f.code, f.severity) for f in warnings] == [("offline_access_missing", "warning")]


def test_runbook_variants_and_send_as() -> None:
    assert mailoauth.runbook_variants() == ["mailbox-permission", "rbac", "hve"]
    rbac = mailoauth.build_runbook(tenant="contoso.onmicrosoft.com", client_id=CLIENT, mailboxes=["info@contoso.com"], variant="rbac").to_text()
    assert "New-ManagementRoleAssignment" in rbac and "Add-MailboxPermission" not in rbac and "SmtpClientAuthenticationDisabled" in rbac
    hve = mailoauth.build_runbook(tenant="contoso.onmicrosoft.com", client_id=CLIENT, mailboxes=["alerts@contoso.com"], variant="hve").to_text()
    assert f"Add-HVEAppAccess -Identity 'alerts@contoso.com' -AppIds '{CLIENT}'" in hve and mailoauth.HVE_SMTP_HOST in hve
    default = mailoauth.build_runbook(tenant="contoso.onmicrosoft.com", client_id=CLIENT, mailboxes=["info@contoso.com"], protocols=["smtp"])
    assert mailoauth.send_as_command("info@contoso.com", "<enterprise-app-object-id>") in default.to_text()
    for bad in [dict(variant="rbac", protocols=["imap"]), dict(variant="nonsense"), dict(cloud="consumers")]:
        with pytest.raises(mailoauth.InvalidInputError):
            mailoauth.build_runbook(tenant="contoso.onmicrosoft.com", client_id=CLIENT, **bad)  # type: ignore[arg-type]
    assert mailoauth.send_as_command("o'b@contoso.com", "a@contoso.com") == (
        "Add-RecipientPermission -Identity 'o''b@contoso.com' -Trustee 'a@contoso.com' -AccessRights SendAs -Confirm:$false"
    )


def test_new_reply_codes_and_personal_fixes() -> None:
    lines = {
        "send_as_denied": "550 5.7.60 SMTP; Client does not have permissions to send as this sender",
        "not_authenticated": "530 5.7.57 Client not authenticated to send mail.",
        "tls_required": "530 5.7.0 Must issue a STARTTLS command first.",
        "hve_user_invalid": "501 5.5.124 Invalid XOAUTH2 auth data - User address provided is not valid",
        "hve_external_recipient": "550 5.5.105 External sending is not supported",
    }
    for code, line in lines.items():
        d = mailoauth.diagnose_reply("smtp", line)
        assert d is not None and d.code == code, line
    codes = {d.code for d in mailoauth.reply_catalogue()}
    assert codes >= {"tls_required", "mailbox_logon_failed", "send_as_denied", "not_authenticated", "hve_user_invalid",
                     "hve_external_recipient", "unrecognized"}
    disabled = "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox."
    work = mailoauth.diagnose_reply("smtp", disabled)
    personal = mailoauth.diagnose_reply("smtp", disabled, personal=True)
    assert work is not None and personal is not None
    assert work.code == personal.code == "smtp_auth_disabled" and work.cause == personal.cause
    assert "Set-CasMailbox" in work.fix and "Personal Microsoft account" in personal.fix
    assert personal == mailoauth.personal_account_diagnosis("smtp_auth_disabled")
    # Codes without a personal variant keep the work-account entry; unknown codes give None.
    tls = mailoauth.diagnose_reply("smtp", lines["tls_required"], personal=True)
    assert tls == mailoauth.diagnose_reply("smtp", lines["tls_required"])
    assert mailoauth.personal_account_diagnosis("no_such_code") is None
    assert mailoauth.diagnose_reply("smtp", "250 OK", personal=True) is None


def test_errors_carry_the_explanation() -> None:
    try:
        mailoauth.parse_token_response(mailoauth.HttpResponse(400, b'{"error":"invalid_grant","error_description":"AADSTS70008: expired","error_codes":[70008]}'), 0)
    except mailoauth.ServerError as e:
        assert e.requires_new_sign_in is True
        assert e.explanation is not None and e.explanation.aadsts == 70008 and e.explanation.remedy == "sign_in_again"
    else:
        pytest.fail("no error")
