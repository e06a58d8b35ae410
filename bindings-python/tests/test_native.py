"""Marshalling, error mapping and repr redaction of the native module."""

from __future__ import annotations

import pickle

import pytest

import mailoauth
from mailoauth import _native

TOKEN = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"
GUID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
TENANT = "11111111-2222-3333-4444-555555555555"


def test_public_package_reexports_native() -> None:
    assert mailoauth.xoauth2 is _native.xoauth2
    assert mailoauth.Error is _native.Error
    assert mailoauth.__version__ == _native.__version__
    for name in _native.__all__:
        assert hasattr(mailoauth, name) or name == "core_version", name


# ---------------------------------------------------------------------------------------------
# SASL


def test_xoauth2_google_example() -> None:
    assert mailoauth.xoauth2("someuser@example.com", TOKEN) == (
        "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
    )


def test_oauthbearer_keywords_and_raw_bytes() -> None:
    b64 = mailoauth.oauthbearer("user@example.com", "tok", host="server.example.com", port=143)
    d = mailoauth.decode_initial_response("OAUTHBEARER", b64)
    assert (d.mechanism, d.user, d.token, d.host, d.port) == ("OAUTHBEARER", "user@example.com", "tok", "server.example.com", 143)
    raw = mailoauth.sasl_initial_response("xoauth2", "a,b=c", "tok")
    assert isinstance(raw, bytes)
    assert raw == b"user=a,b=c\x01auth=Bearer tok\x01\x01"
    assert mailoauth.sasl_initial_response("OAUTHBEARER", "a,b=c", "t") == b"n,a=a=2Cb=3Dc,\x01auth=Bearer t\x01\x01"
    assert mailoauth.error_challenge_answer("OAUTHBEARER") == "AQ=="
    assert mailoauth.error_challenge_answer("XOAUTH2") == ""


def test_unframeable_values_raise_invalid_input() -> None:
    for user, token in [("a\r\nb", "t"), ("", "t"), ("a@b", "Bearer t"), ("a@b", "")]:
        with pytest.raises(mailoauth.InvalidInputError) as info:
            mailoauth.xoauth2(user, token)
        assert info.value.code == "invalid_input"
        assert isinstance(info.value, mailoauth.Error)


def test_unknown_mechanism_is_invalid_input() -> None:
    with pytest.raises(mailoauth.InvalidInputError, match="PLAIN"):
        mailoauth.sasl_initial_response("PLAIN", "a", "t")


def test_error_challenge() -> None:
    e = mailoauth.decode_error_challenge(
        "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIG1hYyIsInNjb3BlIjoiaHR0cHM6Ly9tYWlsLmdvb2dsZS5jb20vIn0K"
    )
    assert (e.status, e.schemes, e.scope, e.openid_configuration) == ("401", "bearer mac", "https://mail.google.com/", None)
    assert "401" in repr(e)
    with pytest.raises(mailoauth.ProtocolError) as info:
        mailoauth.decode_error_challenge("!!!")
    assert info.value.code == "malformed"


# ---------------------------------------------------------------------------------------------
# Clouds, tenants, endpoints, apps


def test_cloud_presets_and_overrides() -> None:
    g = mailoauth.Cloud()
    assert g.id == "global"
    assert g.app_only_scope() == "https://outlook.office365.com/.default"
    assert g.delegated_scope("imap") == "https://outlook.office.com/IMAP.AccessAsUser.All"
    assert g.delegated_scopes(["imap", "smtp", "imap"]) == [
        "https://outlook.office.com/IMAP.AccessAsUser.All",
        "https://outlook.office.com/SMTP.Send",
        "offline_access",
    ]
    assert g.delegated_scopes(["pop"], offline_access=False) == ["https://outlook.office.com/POP.AccessAsUser.All"]
    assert g.scopes_for("app", ["imap"]) == ["https://outlook.office365.com/.default"]
    assert g.mail_server("smtp") == ("smtp.office365.com", 587)
    assert mailoauth.Cloud("usgov").login_base == "https://login.microsoftonline.us"
    custom = mailoauth.Cloud("global", imap_host="127.0.0.1")
    assert custom.imap_host == "127.0.0.1" and custom != g
    assert mailoauth.Cloud() == g
    assert mailoauth.Cloud.presets() == ["global", "usgov", "usgov-dod", "china", "consumers", "hve"]
    assert (g.is_personal, g.implied_tenant) == (False, None)
    personal = mailoauth.Cloud("outlook.com")
    assert (personal.id, personal.is_personal, personal.implied_tenant) == ("consumers", True, "consumers")
    assert personal.mail_server("smtp") == (mailoauth.CONSUMER_SMTP_HOST, 587) == ("smtp-mail.outlook.com", 587)
    assert personal.scopes_for("delegated", ["smtp"]) == ["https://outlook.office.com/SMTP.Send", "offline_access"]
    hve = mailoauth.Cloud("hve")
    assert hve.mail_server("smtp") == (mailoauth.HVE_SMTP_HOST, 587) == ("smtp.hve.mx.microsoft", 587)
    assert (hve.is_personal, hve.implied_tenant, hve.imap_host) == (False, None, "outlook.office365.com")
    with pytest.raises(mailoauth.InvalidInputError):
        mailoauth.Cloud("mars")
    with pytest.raises(mailoauth.InvalidInputError):
        g.delegated_scope("gopher")
    assert repr(g).startswith("Cloud(id='global', login_base='https://login.microsoftonline.com'")


def test_str_enums_are_accepted() -> None:
    import enum

    class Protocol(str, enum.Enum):
        IMAP = "imap"

    assert mailoauth.Cloud().delegated_scope(Protocol.IMAP).endswith("IMAP.AccessAsUser.All")


def test_tenants() -> None:
    t = mailoauth.parse_tenant("Contoso.onmicrosoft.com")
    assert (t.kind, t.value, t.is_specific, t.allows_client_credentials) == ("domain", "contoso.onmicrosoft.com", True, True)
    assert str(t) == "contoso.onmicrosoft.com"
    assert repr(t) == "Tenant('contoso.onmicrosoft.com')"
    c = mailoauth.Tenant("common")
    assert (c.kind, c.allows_client_credentials) == ("common", False)
    t.check_client_credentials()
    mailoauth.Tenant(TENANT).check_client_credentials()
    for keyword, why in [("organizations", "guessed tenant"), ("common", "AADSTS9001023"), ("consumers", "personal Microsoft accounts")]:
        k = mailoauth.Tenant(keyword)
        assert k.allows_client_credentials is False and k.is_specific is False
        with pytest.raises(mailoauth.InvalidInputError) as info:
            k.check_client_credentials()
        assert info.value.code == "invalid_tenant" and why in str(info.value) and keyword in str(info.value)
    assert mailoauth.CONSUMERS_TENANT_ID == "9188040d-6c67-4c5b-b112-36a304b66dad"
    assert mailoauth.is_personal_tenant_id(" 9188040D-6C67-4C5B-B112-36A304B66DAD ")
    assert not mailoauth.is_personal_tenant_id(TENANT)
    assert mailoauth.Tenant(TENANT.upper()).kind == "id"
    for bad in ["", "a/b", "contoso", "con toso.com"]:
        with pytest.raises(mailoauth.InvalidInputError) as info:
            mailoauth.parse_tenant(bad)
        assert info.value.code == "invalid_tenant"


def test_client_ids() -> None:
    assert mailoauth.validate_client_id(GUID.upper()) == GUID
    with pytest.raises(mailoauth.InvalidInputError) as info:
        mailoauth.validate_client_id("thunderbird")
    assert info.value.code == "invalid_client_id"


def test_endpoints() -> None:
    e = mailoauth.Endpoints.microsoft("organizations")
    assert e.token_url == "https://login.microsoftonline.com/organizations/oauth2/v2.0/token"
    assert e.issuer is None
    e = mailoauth.Endpoints.microsoft(mailoauth.Tenant(TENANT), "china")
    assert e.token_url.startswith("https://login.partner.microsoftonline.cn/")
    assert e.issuer == f"https://login.partner.microsoftonline.cn/{TENANT}/v2.0"
    local = mailoauth.Endpoints(token_url="http://127.0.0.1:9/token")
    assert local.authorize_url == "" and local.token_url == "http://127.0.0.1:9/token"
    with pytest.raises(mailoauth.InvalidInputError):
        mailoauth.Endpoints(token_url="http://example.com/token")


def test_well_known_apps() -> None:
    tb = mailoauth.lookup_app("Thunderbird")
    assert tb is not None and tb.client_id == "9e5f94bc-e8a4-4e73-b8be-63364c29d753" and not tb.retired
    old = mailoauth.lookup_app("08162f7c-0fd2-4200-a84a-f25a4db0b584")
    assert old is not None and old.retired and old.replaced_by == "thunderbird"
    rep = mailoauth.replacement_for(old.client_id)
    assert rep == tb
    assert mailoauth.lookup_app("outlook") is None
    assert {a.name for a in mailoauth.well_known_apps()} >= {"thunderbird", "apple-mail", "gmail-app"}


def test_admin_consent() -> None:
    url = mailoauth.admin_consent_url(tenant=TENANT, client_id=GUID, redirect_uri="https://localhost", state="xyz")
    assert url.startswith(f"https://login.microsoftonline.com/{TENANT}/v2.0/adminconsent?client_id={GUID}")
    legacy = mailoauth.admin_consent_url(tenant="contoso.com", client_id=GUID, variant="legacy", cloud=mailoauth.Cloud("usgov"))
    assert legacy.startswith("https://login.microsoftonline.us/contoso.com/oauth2/authorize?")
    assert "prompt=admin_consent" in legacy
    assert mailoauth.admin_consent_scope(["imap", "smtp"]) == "https://ps.outlook.com/.default https://outlook.office365.com/.default"
    with pytest.raises(mailoauth.InvalidInputError) as info:
        mailoauth.admin_consent_url(tenant="common", client_id=GUID)
    assert info.value.code == "invalid_tenant"
    with pytest.raises(mailoauth.InvalidInputError):
        mailoauth.admin_consent_url(tenant=TENANT, client_id=GUID, variant="v3")
    with pytest.raises(TypeError):
        mailoauth.admin_consent_url(TENANT, GUID)  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# HTTP values


def test_http_values_and_redaction() -> None:
    req = mailoauth.HttpRequest(
        "post",
        "https://login.example/token",
        headers=[("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", "Basic c2VjcmV0")],
        body=b"client_secret=s3cr3t&code=c0de",
    )
    assert req.method == "POST"
    assert req.header("content-type") == "application/x-www-form-urlencoded"
    assert req.form_fields() == [("client_secret", "s3cr3t"), ("code", "c0de")]
    assert req.body == b"client_secret=s3cr3t&code=c0de"
    r = repr(req)
    assert "s3cr3t" not in r and "c0de" not in r and "c2VjcmV0" not in r
    assert "[30 bytes redacted]" in r
    resp = mailoauth.HttpResponse(429, b'{"access_token":"t0ken"}', headers=[("Retry-After", "30"), ("Set-Cookie", "sess=t0ken")])
    assert resp.status == 429 and resp.retry_after() == 30 and resp.header("retry-after") == "30"
    assert "t0ken" not in repr(resp)
    assert mailoauth.HttpResponse(200).body == b""
    with pytest.raises(mailoauth.InvalidInputError):
        mailoauth.HttpRequest("PUT", "https://x")


def test_records_are_frozen() -> None:
    c = mailoauth.Cloud()
    with pytest.raises(AttributeError):
        c.imap_host = "x"  # type: ignore[misc]
    req = mailoauth.HttpRequest("GET", "https://x")  # a TypeError here must not pass the check below
    with pytest.raises(TypeError, match="pickle"):
        pickle.dumps(req)


def test_decoded_response_repr_hides_token() -> None:
    d = mailoauth.decode_initial_response("XOAUTH2", mailoauth.xoauth2("u@x", "sekrit-token"))
    assert d.token == "sekrit-token"
    assert "sekrit" not in repr(d) and "[redacted]" in repr(d)


# ---------------------------------------------------------------------------------------------
# Errors


def test_hierarchy() -> None:
    for cls in [
        mailoauth.InvalidInputError,
        mailoauth.ProtocolError,
        mailoauth.SecurityError,
        mailoauth.ServerError,
        mailoauth.AuthenticationError,
        mailoauth.NetworkError,
    ]:
        assert issubclass(cls, mailoauth.Error)
        assert cls.__module__ == "mailoauth"
    assert issubclass(mailoauth.Error, Exception)


def test_error_from_maps_codes_to_classes() -> None:
    cases = {
        "invalid_input": mailoauth.InvalidInputError,
        "invalid_tenant": mailoauth.InvalidInputError,
        "invalid_client_id": mailoauth.InvalidInputError,
        # The core decides these too (ErrorKind::for_code): before, the binding's own list
        # missed them and made them ServerError.
        "encrypted_private_key": mailoauth.InvalidInputError,
        "unsupported_flow": mailoauth.InvalidInputError,
        "unexpected_reply": mailoauth.ProtocolError,
        "malformed": mailoauth.ProtocolError,
        "mechanism_not_offered": mailoauth.ProtocolError,
        "state_mismatch": mailoauth.SecurityError,
        "issuer_mismatch": mailoauth.SecurityError,
        "http_error": mailoauth.ServerError,
        "invalid_grant": mailoauth.ServerError,
        "network_error": mailoauth.NetworkError,
        "rejected": mailoauth.AuthenticationError,
    }
    for code, cls in cases.items():
        e = mailoauth.error_from(code, "msg", status=400)
        assert type(e) is cls, code
        assert (e.code, e.status, str(e)) == (code, 400, "msg")
        assert e.aadsts is None and e.trace_id is None and tuple(e.error_codes) == ()
    with pytest.raises(TypeError):
        mailoauth.error_from("x", "y", bogus=1)


def test_every_detail_attribute_exists_on_plain_instances() -> None:
    e = mailoauth.ServerError("raised by hand")
    assert e.code == "error" and e.transient is False
    for attr in ["error", "error_description", "aadsts", "trace_id", "correlation_id", "status", "retry_after", "diagnosis"]:
        assert getattr(e, attr) is None, attr
