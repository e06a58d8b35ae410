"""The Python runner of the shared conformance vectors (tests/vectors/README.md).

Same contract as the Rust runner (core/tests/vectors.rs): reads every ``*.json`` file of
``$MAILOAUTH_VECTORS`` (default: the repository's ``tests/vectors``), runs every vector through the
PYTHON API, fails on a kind it does not know and on a file it cannot parse, names each failure
``file:name``, and prints ``vectors: python ran N, failed F`` (from conftest.py, once).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

import mailoauth

VECTORS = Path(
    os.environ.get("MAILOAUTH_VECTORS")
    or Path(__file__).resolve().parents[2] / "tests" / "vectors"
)


class Mismatch(AssertionError):
    pass


def eq(field: str, got: Any, want: Any) -> None:
    if got != want:
        raise Mismatch(f"{field}: got {got!r}, want {want!r}")


def expected_error(v: dict[str, Any]) -> Optional[str]:
    e = v.get("expect", {}).get("error")
    return e if isinstance(e, str) else None


def check_error(v: dict[str, Any], fn: Callable[[], Any]) -> Any:
    """Runs fn; returns its value, or None when the vector expected (and got) an error code."""
    want = expected_error(v)
    try:
        got = fn()
    except mailoauth.Error as e:
        if want is None:
            raise Mismatch(f"unexpected error {e.code}: {e}") from None
        eq("error code", e.code, want)
        return None
    if want is not None:
        raise Mismatch(f"expected error {want!r}, got {got!r}")
    return got


def url_eq(got: str, want: str) -> None:
    """Scheme, host, port and path exactly; the query as a multiset of decoded pairs."""
    from urllib.parse import parse_qsl, urlsplit

    def parts(u: str) -> Any:
        s = urlsplit(u)
        return (s.scheme, s.hostname, s.port, s.path or "/", sorted(parse_qsl(s.query, keep_blank_values=True)))

    if parts(got) != parts(want):
        raise Mismatch(f"url: got {got}, want {want}")


# ------------------------------------------------------------------------------------------------
# One function per kind.


def run_xoauth2(v: dict[str, Any]) -> None:
    i = v["input"]
    b64 = check_error(v, lambda: mailoauth.xoauth2(i["user"], i["token"]))
    if b64 is not None:
        eq("base64", b64, v["expect"]["base64"])


def run_oauthbearer(v: dict[str, Any]) -> None:
    i = v["input"]
    b64 = check_error(
        v,
        lambda: mailoauth.oauthbearer(i["user"], i["token"], host=i.get("host"), port=i.get("port")),
    )
    if b64 is not None:
        eq("base64", b64, v["expect"]["base64"])


def run_sasl_error_challenge(v: dict[str, Any]) -> None:
    e = check_error(v, lambda: mailoauth.decode_error_challenge(v["input"]["base64"]))
    if e is not None:
        x = v["expect"]
        eq("status", e.status, x.get("status"))
        eq("schemes", e.schemes, x.get("schemes"))
        eq("scope", e.scope, x.get("scope"))
        eq("openid_configuration", e.openid_configuration, x.get("openid_configuration"))


def run_admin_consent_url(v: dict[str, Any]) -> None:
    i = v["input"]
    url = check_error(
        v,
        lambda: mailoauth.admin_consent_url(
            tenant=i["tenant"],
            client_id=i["client_id"],
            cloud=i.get("cloud", "global"),
            redirect_uri=i.get("redirect_uri"),
            scope=i.get("scope"),
            state=i.get("state"),
            variant=i.get("variant", "v2"),
        ),
    )
    if url is not None:
        url_eq(url, v["expect"]["url"])


def run_pkce_s256(v: dict[str, Any]) -> None:
    i = v["input"]
    if "octets" in i:
        p = check_error(v, lambda: mailoauth.Pkce.from_random(bytes(i["octets"])))
    else:
        p = check_error(v, lambda: mailoauth.Pkce.from_verifier(i["verifier"]))
    if p is None:
        return
    x = v["expect"]
    if x.get("verifier") is not None:
        eq("verifier", p.verifier, x["verifier"])
    eq("challenge", p.challenge, x["challenge"])
    eq("method", p.method, "S256")


def server_error_fields(v: dict[str, Any], fn: Callable[[], Any], fields: list[str]) -> Any:
    """Checks expected server details (aadsts, error_description) on an error, then the code."""
    x = v.get("expect", {})
    try:
        got = fn()
    except mailoauth.Error as e:
        for f in fields:
            if f in x:
                eq(f, getattr(e, f), x[f])
        return check_error(v, lambda: (_ for _ in ()).throw(e))
    return check_error(v, lambda: got)


def run_admin_consent_redirect(v: dict[str, Any]) -> None:
    i = v["input"]
    r = server_error_fields(
        v,
        lambda: mailoauth.parse_admin_consent_redirect(i["redirect_url"], expected_state=i.get("expected_state")),
        ["aadsts"],
    )
    if r is None:
        return
    x = v["expect"]
    eq("granted", r.granted, x.get("granted"))
    if "tenant" in x:
        eq("tenant", r.tenant, x["tenant"])
    if "scope" in x:
        eq("scope", r.scope, x["scope"])


def run_authorize_redirect(v: dict[str, Any]) -> None:
    i = v["input"]
    c = server_error_fields(
        v,
        lambda: mailoauth.parse_authorize_redirect(
            i["redirect_url"], expected_state=i["expected_state"], expected_issuer=i.get("expected_issuer")
        ),
        ["error_description"],
    )
    if c is not None:
        eq("code", c.code, v["expect"]["code"])


def response_of(v: dict[str, Any]) -> mailoauth.HttpResponse:
    i = v["input"]
    headers = [(k, val) for k, val in (i.get("headers") or {}).items()]
    return mailoauth.HttpResponse(i["status"], i["body"].encode(), headers=headers)


def check_token(t: mailoauth.TokenSet, want: dict[str, Any]) -> None:
    eq("token.access_token", t.access_token, want.get("access_token"))
    eq("token.token_type", t.token_type, want.get("token_type"))
    eq("token.expires_at", t.expires_at, want.get("expires_at"))
    eq("token.refresh_token", t.refresh_token, want.get("refresh_token"))
    eq("token.scope", t.scope, want.get("scope"))


def check_error_value(v: dict[str, Any], e: mailoauth.Error) -> None:
    want = v.get("expect", {}).get("error")
    if want is None:
        raise Mismatch(f"unexpected error {e.code}: {e}")
    if isinstance(want, str):
        eq("error code", e.code, want)
        return
    eq("error.error", e.code, want["error"])
    if "error_codes" in want:
        eq("error.error_codes", list(e.error_codes), want["error_codes"])
    if "aadsts" in want:
        eq("error.aadsts", e.aadsts, want["aadsts"])


def run_token_response(v: dict[str, Any]) -> None:
    try:
        t = mailoauth.parse_token_response(response_of(v), v["input"]["now"])
    except mailoauth.Error as e:
        check_error_value(v, e)
        return
    want = v.get("expect", {}).get("token")
    if want is None:
        raise Mismatch(f"expected an error, got {t!r}")
    check_token(t, want)


def run_device_authorization_response(v: dict[str, Any]) -> None:
    try:
        a = mailoauth.parse_device_authorization_response(response_of(v), v["input"]["now"])
    except mailoauth.Error as e:
        check_error_value(v, e)
        return
    x = v["expect"]
    if x.get("error") is not None:
        raise Mismatch(f"expected an error, got {a!r}")
    eq("device_code", a.device_code, x.get("device_code"))
    eq("user_code", a.user_code, x.get("user_code"))
    eq("verification_uri", a.verification_uri, x.get("verification_uri"))
    eq("expires_at", a.expires_at, x.get("expires_at"))
    eq("interval", a.interval, x.get("interval"))
    if "verification_uri_complete" in x:
        eq("verification_uri_complete", a.verification_uri_complete, x["verification_uri_complete"])
    if "message" in x:
        eq("message", a.message, x["message"])


def run_device_poll_response(v: dict[str, Any]) -> None:
    i = v["input"]
    try:
        r = mailoauth.parse_device_poll_response(response_of(v), i["now"], i["interval"])
    except mailoauth.Error as e:
        check_error_value(v, e)
        return
    x = v["expect"]
    if x.get("error") is not None:
        raise Mismatch(f"expected an error, got {r!r}")
    eq("state", r.state, x.get("state"))
    if r.state == "pending":
        eq("interval", r.interval, x.get("interval"))
        eq("next_poll_at", r.next_poll_at, x.get("next_poll_at"))
    elif r.state == "token" and x.get("token") is not None:
        assert r.token is not None
        check_token(r.token, x["token"])


def run_diagnose_token_error(v: dict[str, Any]) -> None:
    x_ = check_error(v, lambda: mailoauth.explain_error_body(v["input"]["body"]))
    if x_ is None:
        return
    want = v["expect"]
    if "aadsts" in want:
        eq("aadsts", x_.aadsts, want["aadsts"])
    if "known" in want:
        eq("known", x_.known, want["known"])


def check_findings(v: dict[str, Any], findings: list[mailoauth.LintFinding]) -> None:
    """``expect.findings`` (a set of codes), and ``expect.severities`` / ``expect.fix_contains``
    (finding code -> severity / text its fix must contain) when present."""
    x = v["expect"]
    eq("findings", sorted({f.code for f in findings}), sorted(set(x["findings"])))
    by_code = {f.code: f for f in findings}
    for code, severity in (x.get("severities") or {}).items():
        if code not in by_code:
            raise Mismatch(f"severities names {code!r}, which is not a finding")
        eq(f"severity of {code}", by_code[code].severity, severity)
    for code, text in (x.get("fix_contains") or {}).items():
        if code not in by_code:
            raise Mismatch(f"fix_contains names {code!r}, which is not a finding")
        if text not in by_code[code].fix:
            raise Mismatch(f"fix of {code} {by_code[code].fix!r} lacks {text!r}")


def run_access_token_lint(v: dict[str, Any]) -> None:
    i = v["input"]
    lint = mailoauth.lint_access_token(
        i["token"], protocol=i["protocol"], grant=i["grant"], now=i["now"], user=i.get("user"), cloud=i.get("cloud")
    )
    check_findings(v, lint.findings)


def run_config_lint(v: dict[str, Any]) -> None:
    i = v["input"]
    findings = mailoauth.lint_config(
        flow=i["flow"],
        tenant=i.get("tenant"),
        client_id=i.get("client_id"),
        client_secret=i.get("client_secret"),
        scopes=i.get("scopes") or [],
        authority=i.get("authority"),
        has_certificate=bool(i.get("has_certificate", False)),
    )
    check_findings(v, findings)


def run_diagnose_reply(v: dict[str, Any]) -> None:
    i, x = v["input"], v["expect"]
    d = mailoauth.diagnose_reply(i["protocol"], i["line"], personal=bool(i.get("personal", False)))
    eq("code", d.code if d is not None else None, x.get("code"))
    if "fix_contains" in x:
        if d is None:
            raise Mismatch(f"no diagnosis, so no fix containing {x['fix_contains']!r}")
        if x["fix_contains"] not in d.fix:
            raise Mismatch(f"fix {d.fix!r} lacks {x['fix_contains']!r}")


def run_client_credentials_request(v: dict[str, Any]) -> None:
    i = v["input"]
    r = check_error(
        v,
        lambda: mailoauth.build_client_credentials_request(
            token_url=i["token_url"], client_id=i["client_id"], scope=i["scope"], client_secret=i.get("client_secret"),
            client_assertion=i.get("client_assertion"), client_auth=i.get("client_auth"),
        ),
    )
    if r is not None:
        check_request(v, r)


def check_request(v: dict[str, Any], r: mailoauth.HttpRequest) -> None:
    """``expect.url`` (as a URL), the optional ``expect.headers`` and ``expect.form`` (each once)."""
    x = v["expect"]
    url_eq(r.url, x["url"])
    for name, want in (x.get("headers") or {}).items():
        eq(f"header {name}", r.header(name), want)
    fields = r.form_fields()
    names = [k for k, _ in fields]
    repeated = sorted({k for k in names if names.count(k) > 1})
    if repeated:
        raise Mismatch(f"form fields sent more than once: {repeated}")
    eq("form", dict(fields), x["form"])


def run_well_known_urls(v: dict[str, Any]) -> None:
    urls = check_error(v, lambda: mailoauth.well_known_urls(v["input"]["issuer"]))
    if urls is not None:
        eq("urls", urls, v["expect"].get("urls"))


METADATA_FIELDS = [
    "issuer", "authorization_endpoint", "token_endpoint", "device_authorization_endpoint",
    "revocation_endpoint", "grant_types_supported", "token_endpoint_auth_methods_supported",
    "token_endpoint_auth_signing_alg_values_supported", "scopes_supported",
    "code_challenge_methods_supported", "authorization_response_iss_parameter_supported",
]


def run_provider_metadata(v: dict[str, Any]) -> None:
    i = v["input"]
    resp = mailoauth.HttpResponse(i.get("status", 200), i["document"].encode())
    m = check_error(v, lambda: mailoauth.parse_provider_metadata(resp, i["issuer"], i.get("now", 0)))
    if m is None:
        return
    x = v["expect"]
    for f in METADATA_FIELDS:
        if f in x:
            eq(f, getattr(m, f), x[f])
    if "chosen_client_auth" in x:
        try:
            got = m.choose_client_auth(has_secret=i.get("has_secret", False), has_key=i.get("has_key", False))
        except mailoauth.Error as e:
            if e.code != "invalid_input":
                raise Mismatch(f"choose_client_auth: unexpected error {e.code}: {e}") from None
            got = None
        eq("chosen_client_auth", got, x["chosen_client_auth"])


def google_only(v: dict[str, Any]) -> None:
    if v["input"]["provider"] != "google":
        raise Mismatch(f"no preset request for provider {v['input']['provider']!r} (only google)")


def run_provider_preset(v: dict[str, Any]) -> None:
    google_only(v)
    e = mailoauth.google_endpoints()
    x = v["expect"]
    eq("issuer", e.issuer, x.get("issuer"))
    eq("authorize_url", e.authorize_url, x.get("authorize_url"))
    eq("token_url", e.token_url, x.get("token_url"))
    eq("device_authorization_url", e.device_authorization_url, x.get("device_authorization_url"))
    eq("scopes", mailoauth.google_scopes(), x.get("scopes"))
    for p in ("imap", "pop", "smtp"):
        eq(p, list(mailoauth.google_mail_server(p)), x.get(p))


def run_provider_request(v: dict[str, Any]) -> None:
    i = v["input"]
    request = i["request"]
    if request == "device_flow":
        check_error(v, lambda: mailoauth.check_device_flow(i["provider"], i["scopes"]))
        return
    google_only(v)
    token_url = mailoauth.google_endpoints().token_url
    if request == "redirect_uri":
        check_error(v, lambda: mailoauth.check_google_redirect_uri(i["redirect_uri"]))
    elif request == "authorize":

        def url() -> str:
            # The preset's redirect rule first, as a Google client applies it.
            mailoauth.check_google_redirect_uri(i["redirect_uri"])
            return mailoauth.AuthorizeRequest(
                authorize_url=mailoauth.google_endpoints().authorize_url, client_id=i["client_id"],
                redirect_uri=i["redirect_uri"], scopes=mailoauth.google_scopes(), state=i["state"],
                code_challenge=i["code_challenge"], prompt=i.get("prompt"), login_hint=i.get("login_hint"),
            ).url()

        got = check_error(v, url)
        if got is not None:
            url_eq(got, v["expect"]["url"])
    elif request == "auth_code":
        r = check_error(v, lambda: mailoauth.build_auth_code_request(
            token_url=token_url, client_id=i["client_id"], code=i["code"], redirect_uri=i["redirect_uri"],
            code_verifier=i["code_verifier"], client_secret=i["client_secret"],
        ))
        if r is not None:
            check_request(v, r)
    elif request == "refresh":
        r = check_error(v, lambda: mailoauth.build_refresh_request(
            token_url=token_url, client_id=i["client_id"], refresh_token=i["refresh_token"],
            client_secret=i["client_secret"],
        ))
        if r is not None:
            check_request(v, r)
    else:
        raise Mismatch(f"input.request {request!r} is not a provider request")


def run_certificate_pem(v: dict[str, Any]) -> None:
    der = check_error(v, lambda: mailoauth.certificate_der_from_pem(v["input"]["pem"]))
    if der is not None:
        eq("x5t_s256", mailoauth.x5t_s256(der), v["expect"].get("x5t_s256"))


def run_private_key_pem(v: dict[str, Any]) -> None:
    c = check_error(v, lambda: mailoauth.check_private_key(v["input"]["certificate_pem"], v["input"]["key_pem"]))
    if c is not None:
        x = v["expect"]
        eq("key_format", c.key_format, x.get("key_format"))
        eq("key_bits", c.key_bits, x.get("key_bits"))
        eq("matches_certificate", c.matches_certificate, x.get("matches_certificate"))


def run_cloud_preset(v: dict[str, Any]) -> None:
    c = check_error(v, lambda: mailoauth.Cloud(v["input"]["cloud"]))
    if c is None:
        return
    x = v["expect"]
    eq("id", c.id, x.get("id"))
    eq("login_base", c.login_base, x.get("login_base"))
    eq("imap_host", c.imap_host, x.get("imap_host"))
    eq("pop_host", c.pop_host, x.get("pop_host"))
    eq("smtp_host", c.smtp_host, x.get("smtp_host"))
    eq("delegated_scopes", c.delegated_scopes(["imap", "pop", "smtp"], offline_access=True), x.get("delegated_scopes"))


def run_runbook(v: dict[str, Any]) -> None:
    i = v["input"]
    rb = check_error(
        v,
        lambda: mailoauth.build_runbook(
            tenant=i["tenant"],
            client_id=i["client_id"],
            service_principal_object_id=i.get("object_id"),
            mailboxes=i.get("mailboxes") or [],
            protocols=i.get("protocols") or [],
            cloud=i["cloud"],
            variant=i["variant"],
        ),
    )
    if rb is None:
        return
    x = v["expect"]
    commands = [c for step in rb.steps for c in step.commands]
    for line in x["commands_contain"]:
        if line not in commands:
            raise Mismatch(f"no command is {line!r}; the commands: {commands}")
    for text in x.get("commands_exclude") or []:
        for c in commands:
            if text in c:
                raise Mismatch(f"command {c!r} contains {text!r}")


def build_machine(kind: str, i: dict[str, Any]) -> Any:
    common = dict(user=i["user"], token=i["token"], mechanism=i["mechanism"], host=i.get("host"), port=i.get("port"))
    if kind == "imap_auth":
        return mailoauth.ImapAuth(tag=i["tag"], capabilities=i.get("capabilities") or [], **common)
    if kind == "pop_auth":
        return mailoauth.PopAuth(capabilities=i.get("capabilities"), initial_response=i.get("initial_response", "auto"), **common)
    return mailoauth.SmtpAuth(ehlo=i.get("ehlo") or [], initial_response=i.get("initial_response", "auto"), **common)


def run_transcript(v: dict[str, Any]) -> None:
    entries = v["transcript"]
    try:
        m = build_machine(v["kind"], v["input"])
    except mailoauth.Error as e:
        if entries:
            raise Mismatch(f"the machine refused to start ({e.code}: {e}) but the transcript is not empty") from None
        check_outcome(v, "error", None, e)
        return
    for n, entry in enumerate(entries):
        a = m.next_action()
        if "C" in entry:
            if a.kind != "send":
                raise Mismatch(f"transcript[{n}] C: the machine wants {a!r}")
            if a.data != entry["C"].encode():
                raise Mismatch(f"transcript[{n}] C: got {a.data!r}, want {entry['C']!r}")
        elif "S" in entry:
            if a.kind != "need_line":
                raise Mismatch(f"transcript[{n}] S: the machine is not waiting for a line: {a!r}")
            # A protocol error is the machine's outcome, checked below; the call itself fails
            # only out of turn, which would be this runner's mistake.
            m.receive_line(entry["S"].encode())
        else:
            raise Mismatch(f"transcript[{n}] has neither C nor S")
    a = m.next_action()
    if a.kind != "done" or a.outcome is None:
        raise Mismatch(f"after the transcript the machine is not done: {a!r}")
    o = a.outcome
    check_outcome(v, o.kind, o, o.error)


def check_outcome(v: dict[str, Any], kind: str, o: Any, error: Any) -> None:
    x = v["expect"]
    eq("outcome", kind, x["outcome"])
    if kind == "error":
        eq("error code", error.code, x.get("error"))
        return
    rec = o.authenticated if kind == "authenticated" else o.rejection
    if "server_text" in x:
        eq("server_text", rec.server_text, x["server_text"])
    if kind != "rejected":
        return
    if "diagnosis" in x:
        eq("diagnosis", rec.diagnosis.code if rec.diagnosis else None, x["diagnosis"])
    if "retry_with_fresh_token" in x:
        eq("retry_with_fresh_token", rec.retry_with_fresh_token, x["retry_with_fresh_token"])
    if "reply_code" in x:
        eq("reply_code", rec.reply_code, x["reply_code"])
    if "enhanced_status" in x:
        eq("enhanced_status", rec.enhanced_status, x["enhanced_status"])
    if "sasl_error" in x:
        want, got = x["sasl_error"], rec.sasl_error
        if want is None or got is None:
            eq("sasl_error", got, want)
        else:
            for f in ["status", "schemes", "scope", "openid_configuration"]:
                eq(f"sasl_error.{f}", getattr(got, f), want.get(f))


KINDS: dict[str, Callable[[dict[str, Any]], None]] = {
    "xoauth2": run_xoauth2,
    "oauthbearer": run_oauthbearer,
    "sasl_error_challenge": run_sasl_error_challenge,
    "admin_consent_url": run_admin_consent_url,
    "pkce_s256": run_pkce_s256,
    "admin_consent_redirect": run_admin_consent_redirect,
    "authorize_redirect": run_authorize_redirect,
    "token_response": run_token_response,
    "device_authorization_response": run_device_authorization_response,
    "device_poll_response": run_device_poll_response,
    "diagnose_token_error": run_diagnose_token_error,
    "access_token_lint": run_access_token_lint,
    "diagnose_reply": run_diagnose_reply,
    "client_credentials_request": run_client_credentials_request,
    "cloud_preset": run_cloud_preset,
    "config_lint": run_config_lint,
    "runbook": run_runbook,
    "well_known_urls": run_well_known_urls,
    "provider_metadata": run_provider_metadata,
    "provider_preset": run_provider_preset,
    "provider_request": run_provider_request,
    "certificate_pem": run_certificate_pem,
    "private_key_pem": run_private_key_pem,
    "imap_auth": run_transcript,
    "pop_auth": run_transcript,
    "smtp_auth": run_transcript,
}


# ------------------------------------------------------------------------------------------------
# Collection: one pytest case per vector, named file:name.


def _load() -> list[Any]:
    cases: list[Any] = []
    try:
        files = sorted(p for p in VECTORS.iterdir() if p.suffix == ".json")
    except OSError as e:
        return [pytest.param(None, f"cannot read vector folder {VECTORS}: {e}", id="<folder>")]
    for path in files:
        try:
            doc = json.loads(path.read_bytes())
        except (OSError, ValueError) as e:
            cases.append(pytest.param(None, f"cannot parse: {e}", id=f"{path.name}"))
            continue
        if not isinstance(doc, dict) or doc.get("schema") != 1:
            cases.append(pytest.param(None, "schema is not 1", id=path.name))
            continue
        vectors = doc.get("vectors")
        if not isinstance(vectors, list):
            cases.append(pytest.param(None, 'no "vectors" array', id=path.name))
            continue
        for v in vectors:
            name = v.get("name", "<unnamed>") if isinstance(v, dict) else "<not an object>"
            cases.append(pytest.param(v, None, id=f"{path.name}:{name}"))
    return cases


@pytest.mark.parametrize(("vector", "load_error"), _load())
def test_vector(vector: Optional[dict[str, Any]], load_error: Optional[str]) -> None:
    if load_error is not None or vector is None:
        pytest.fail(load_error or "vector is not an object", pytrace=False)
    kind = vector.get("kind", "<no kind>")
    run = KINDS.get(kind)
    if run is None:
        pytest.fail(f"unknown vector kind {kind!r}", pytrace=False)
    try:
        run(vector)
    except Mismatch as e:
        pytest.fail(f"({kind}) {e}", pytrace=False)
