// The built package as a JS user sees it (target/wasm-pkg, loaded in Node): the exported error
// class, option checking, redaction, records, the device-code poller and SMTP machine as classes.
// Run by bindings-wasm/run-tests with `node --test`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadPackage } from "./load.mjs";

const m = await loadPackage();
const enc = new TextEncoder();
const dec = new TextDecoder();

function throwsCode(fn, code) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof m.MailoauthError, `not a MailoauthError: ${e}`);
    assert.ok(e instanceof Error);
    assert.equal(e.name, "MailoauthError");
    assert.equal(e.code, code);
    return true;
  });
}

test("MailoauthError is exported and carries defaults for every detail", () => {
  let err;
  try { m.validateClientId("thunderbird"); } catch (e) { err = e; }
  assert.ok(err instanceof m.MailoauthError);
  assert.equal(err.code, "invalid_client_id");
  assert.deepEqual(err.errorCodes, []);
  assert.equal(err.aadsts, null);
  assert.equal(err.transient, false);
  assert.match(String(err), /^MailoauthError: invalid client id/);
});

test("options: unknown keys, wrong types and missing fields are refused with invalid_input", () => {
  const ok = { tenant: "contoso.com", clientId: "9e5f94bc-e8a4-4e73-b8be-63364c29d753" };
  assert.match(m.adminConsentUrl(ok), /^https:\/\/login\.microsoftonline\.com\/contoso\.com\/v2\.0\/adminconsent\?/);
  throwsCode(() => m.adminConsentUrl({ ...ok, redirect_uri: "https://x" }), "invalid_input");
  throwsCode(() => m.adminConsentUrl({ ...ok, state: 5 }), "invalid_input");
  throwsCode(() => m.adminConsentUrl({ tenant: "contoso.com" }), "invalid_input");
  throwsCode(() => m.adminConsentUrl("contoso.com"), "invalid_input");
  throwsCode(() => m.adminConsentUrl({ ...ok, variant: "v3" }), "invalid_input");
  throwsCode(() => m.adminConsentUrl({ ...ok, cloud: "mars" }), "invalid_input");
  assert.match(m.adminConsentUrl({ ...ok, cloud: { id: "china" } }), /^https:\/\/login\.partner\.microsoftonline\.cn\//);
  throwsCode(() => m.adminConsentUrl({ ...ok, cloud: { id: "global", imap: "x" } }), "invalid_input");
});

test("records are plain objects with camelCase keys and null for absent values", () => {
  const t = m.parseTenant("Contoso.COM");
  assert.deepEqual(t, { kind: "domain", value: "contoso.com", allowsClientCredentials: true, isSpecific: true });
  const e = m.microsoftEndpoints("organizations");
  assert.equal(e.tokenUrl, "https://login.microsoftonline.com/organizations/oauth2/v2.0/token");
  assert.equal(e.issuer, null);
  assert.deepEqual(m.mailServer("smtp", "usgov"), { host: "smtp.office365.us", port: 587 });
  assert.deepEqual(m.delegatedScopes(["imap"], undefined, false), ["https://outlook.office.com/IMAP.AccessAsUser.All"]);
});

test("secrets never show in toString, and a stored token set round-trips", () => {
  const resp = new m.HttpResponse(200, JSON.stringify({ token_type: "Bearer", access_token: "AT-1", refresh_token: "RT-1", id_token: "ID-1", expires_in: 60 }));
  const t = m.parseTokenResponse(resp, 1000);
  for (const s of [String(t), String(resp)]) assert.ok(!/AT-1|RT-1|ID-1/.test(s), s);
  const again = m.TokenSet.fromJson(t.toJson());
  assert.equal(again.accessToken, "AT-1");
  assert.equal(again.expiresAt, 1060);
  throwsCode(() => m.TokenSet.fromJson('{"access_token": 5, "secret": "AT-2"}'), "malformed");
  for (const bad of ['{"access_token": "A"}', '{"access_token": "A", "token_type": "Bearer", "expires_at": 1.5}',
    '{"access_token": "A", "token_type": "Bearer", "scope": 1}', '["A", "Bearer"]', '{"access_token": "A",']) {
    throwsCode(() => m.TokenSet.fromJson(bad), "malformed");
  }
  const minimal = m.TokenSet.fromJson('{"access_token": "A", "token_type": "Bearer", "expires_at": null, "other": 1}');
  assert.deepEqual([minimal.accessToken, minimal.expiresAt, minimal.refreshToken], ["A", null, null]);
  const refreshed = t.mergedWith(new m.TokenSet({ accessToken: "AT-2", expiresAt: 5000 }));
  assert.equal(refreshed.accessToken, "AT-2");
  assert.equal(refreshed.refreshToken, "RT-1", "a refresh without a new refresh token keeps the old one");
  const req = m.buildRefreshRequest({ tokenUrl: "https://login.microsoftonline.com/common/oauth2/v2.0/token", clientId: "9e5f94bc-e8a4-4e73-b8be-63364c29d753", refreshToken: "RT-1", clientSecret: "S3CRET" });
  assert.ok(!/RT-1|S3CRET/.test(String(req)), String(req));
  assert.deepEqual(Object.fromEntries(req.formFields()).grant_type, "refresh_token");
  assert.equal(req.header("content-type"), "application/x-www-form-urlencoded");
});

test("device-code poller: pending, slow_down, then the token", () => {
  const auth = m.parseDeviceAuthorizationResponse(new m.HttpResponse(200, JSON.stringify({
    device_code: "DC-1", user_code: "ABCD-EFGH", verification_uri: "https://microsoft.com/devicelogin", expires_in: 900, interval: 5,
  })), 1000);
  assert.ok(!String(auth).includes("DC-1"));
  const p = new m.DevicePoller("https://login.microsoftonline.com/common/oauth2/v2.0/token", "9e5f94bc-e8a4-4e73-b8be-63364c29d753", auth, 1000);
  assert.deepEqual({ ...p.nextAction(1001), request: null }, { kind: "poll_at", at: 1005, request: null, outcome: null });
  let a = p.nextAction(1005);
  assert.equal(a.kind, "send");
  assert.equal(Object.fromEntries(a.request.formFields()).device_code, "DC-1");
  p.receiveResponse(new m.HttpResponse(400, '{"error":"slow_down"}'), 1006);
  assert.equal(p.interval, 10);
  a = p.nextAction(1006);
  assert.equal(a.kind, "poll_at");
  a = p.nextAction(a.at);
  assert.equal(a.kind, "send");
  p.receiveResponse(new m.HttpResponse(200, '{"token_type":"Bearer","access_token":"AT-D","expires_in":3600}'), 1020);
  a = p.nextAction(1020);
  assert.equal(a.kind, "done");
  assert.equal(a.outcome.kind, "token");
  assert.equal(a.outcome.token.accessToken, "AT-D");
});

test("SMTP machine: 535 rejection with reply code, enhanced status and diagnosis", () => {
  const s = new m.SmtpAuth({ user: "u@contoso.com", token: "tok", ehlo: ["AUTH LOGIN XOAUTH2", "PIPELINING"] });
  const a = s.nextAction();
  assert.equal(a.kind, "send");
  assert.equal(dec.decode(a.data), `AUTH XOAUTH2 ${m.xoauth2("u@contoso.com", "tok")}\r\n`);
  assert.equal(s.nextAction().kind, "need_line");
  s.receiveLine(enc.encode("535 5.7.3 Authentication unsuccessful\r\n"));
  const o = s.nextAction().outcome;
  assert.equal(o.kind, "rejected");
  assert.equal(o.rejection.replyCode, 535);
  assert.equal(o.rejection.enhancedStatus, "5.7.3");
  assert.equal(o.rejection.diagnosis.code, m.diagnoseReply("smtp", "535 5.7.3 Authentication unsuccessful").code);
  assert.ok(!String(s).includes("tok,") && !String(s).includes(m.xoauth2("u@contoso.com", "tok")), String(s));
  throwsCode(() => new m.ImapAuth({ user: "u", token: "t", tag: "A1", capabilities: ["IMAP4rev1"] }), "mechanism_not_offered");
});

test("certificate assertion input is signed by the caller", () => {
  const der = Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x01]);
  const jti = m.newJti();
  assert.match(jti, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const input = m.buildAssertionSigningInput({ clientId: "9e5f94bc-e8a4-4e73-b8be-63364c29d753", tokenUrl: "https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token", jti, now: 1000 }, der);
  const claims = JSON.parse(input.claimsJson);
  assert.equal(claims.jti, jti);
  assert.equal(claims.exp, 1600);
  const [h, c] = input.signingInput.split(".");
  assert.equal(Buffer.from(c, "base64url").toString(), input.claimsJson);
  assert.equal(Buffer.from(h, "base64url").toString(), input.headerJson);
  assert.equal(input.finish(Uint8Array.from([1, 2, 3])), `${input.signingInput}.AQID`);
  assert.deepEqual(Object.keys(JSON.parse(input.headerJson)), ["alg", "typ", "x5t#S256"]);
  // The option names are the TypeScript declaration's: includeX5c adds the certificate,
  // includeX5t its SHA-1 thumbprint (AD FS), checked against node's own SHA-1.
  const both = m.buildAssertionSigningInput({ clientId: "mail-client", tokenUrl: "https://adfs.contoso.com/adfs/oauth2/token", jti, now: 1000, alg: "RS256", includeX5c: true, includeX5t: true }, der);
  const header = JSON.parse(both.headerJson);
  const sha1 = createHash("sha1").update(der).digest("base64url");
  assert.equal(header.x5t, sha1);
  assert.equal(m.x5tSha1(der), sha1);
  assert.equal(header["x5t#S256"], createHash("sha256").update(der).digest("base64url"));
  assert.deepEqual(header.x5c, [Buffer.from(der).toString("base64")]);
  throwsCode(() => m.buildAssertionSigningInput({ clientId: "c", tokenUrl: "https://a.example/t", jti, now: 1, includeX5C: true }, der), "invalid_input");
});

test("a private key is checked against its certificate without RSA in the package", () => {
  const fixtures = new URL("../../tests/fixtures/", import.meta.url);
  const read = (name) => readFileSync(new URL(name, fixtures), "utf8");
  const cert = read("test-client-cert.pem");
  assert.deepEqual({ ...m.checkPrivateKey(cert, read("test-client-key-pkcs1.pem")) },
    { keyFormat: "pkcs1", keyBits: 2048, matchesCertificate: true });
  assert.equal(m.checkPrivateKey(cert, read("test-other-key.pem")).matchesCertificate, false);
  throwsCode(() => m.checkPrivateKey(cert, read("test-ec-key.pem")), "invalid_input");
  throwsCode(() => m.checkPrivateKey(cert, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAMCAQE=\n-----END ENCRYPTED PRIVATE KEY-----\n"), "encrypted_private_key");
});

test("the remaining exports answer with the core's values", () => {
  const raw = m.saslInitialResponse("OAUTHBEARER", "u@contoso.com", "T0K3N", "imap.example", 993);
  assert.equal(dec.decode(raw), "n,a=u@contoso.com,\x01host=imap.example\x01port=993\x01auth=Bearer T0K3N\x01\x01");
  const d = m.decodeInitialResponse("OAUTHBEARER", Buffer.from(raw).toString("base64"));
  assert.deepEqual([d.mechanism, d.user, d.token, d.host, d.port], ["OAUTHBEARER", "u@contoso.com", "T0K3N", "imap.example", 993]);
  assert.ok(!String(d).includes("T0K3N"), String(d));
  assert.equal(m.errorChallengeAnswer("OAUTHBEARER"), "AQ==");
  assert.equal(m.s256Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"); // RFC 7636 appendix B
  assert.equal(m.quotePowershell("O'Brien"), "'O''Brien'");
  assert.ok(m.entraCatalogue().length > 10 && m.replyCatalogue().length > 5);
  assert.equal(m.explainAadsts(7000215).aadsts, 7000215);
  const findings = m.lintConfig({ flow: "client_credentials", tenant: "common", clientId: "9e5f94bc-e8a4-4e73-b8be-63364c29d753", clientSecret: "S" });
  assert.ok(findings.some((f) => f.code === "tenant_not_allowed_for_client_credentials"), JSON.stringify(findings));
  const payload = { aud: "https://outlook.office365.com", roles: ["IMAP.AccessAsApp"], tid: "t", appid: "a", exp: 2000 };
  const token = `${Buffer.from('{"alg":"RS256"}').toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.c2ln`;
  assert.equal(m.guessGrant(token), "app");
  assert.deepEqual(m.tokenClaims(token).roles, ["IMAP.AccessAsApp"]);
  assert.equal(JSON.parse(m.decodeJwtUnverified(token).payload).exp, 2000);
  const granted = m.parseAdminConsentRedirect("https://localhost/?admin_consent=True&tenant=t1&state=s", "s");
  assert.deepEqual(granted, { granted: true, tenant: "t1", scope: null, state: "s" });
  throwsCode(() => m.parseAdminConsentRedirect("https://localhost/?admin_consent=True&state=x", "s"), "state_mismatch");
  assert.equal(m.appOnlyScope("usgov"), "https://outlook.office365.us/.default");
});

// Records cross as serde JSON and are renamed in js/records.js: check the shape at every depth.
function camelSorted(v, path) {
  if (Array.isArray(v)) return v.forEach((x, i) => camelSorted(x, `${path}[${i}]`));
  if (v === null || typeof v !== "object") return;
  const keys = Object.keys(v);
  assert.deepEqual(keys, [...keys].sort(), `${path}: keys not sorted`);
  for (const k of keys) {
    assert.ok(!k.includes("_"), `${path}.${k}: not camelCase`);
    camelSorted(v[k], `${path}.${k}`);
  }
}

test("records are plain objects with camelCase keys, sorted, at every depth", () => {
  const payload = { aud: "https://outlook.office365.com", scp: "IMAP.AccessAsUser.All", upn: "u@x.de", exp: 2000 };
  const token = `${Buffer.from('{"alg":"RS256","typ":"JWT"}').toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.c2ln`;
  assert.deepEqual(Object.keys(m.tokenClaims(token)), ["alg", "appid", "aud", "exp", "iat", "iss", "roles", "scp", "tid", "typ", "user"]);
  const lint = m.lintAccessToken(token, { protocol: "imap", grant: "app", now: 3000 });
  assert.ok(lint.findings.length > 0 && lint.claims.user === "u@x.de", JSON.stringify(lint));
  camelSorted(lint, "lintAccessToken");
  camelSorted(m.explainAadsts(50076), "explainAadsts");
  camelSorted(m.lintConfig({ flow: "client_credentials", tenant: "common", clientId: "9e5f94bc-e8a4-4e73-b8be-63364c29d753" }), "lintConfig");
  let err;
  try {
    m.parseTokenResponse(new m.HttpResponse(400, JSON.stringify({ error: "invalid_grant", error_description: "AADSTS50076: MFA", error_codes: [50076] })), 0);
  } catch (e) { err = e; }
  assert.ok(err instanceof m.MailoauthError);
  assert.deepEqual(err.errorCodes, [50076]);
  assert.equal(err.explanation.aadsts, 50076);
  camelSorted(err.explanation, "error.explanation");
});

// The 2026 advice for Exchange Online, as the package exposes it (expectations written here from
// the rules, not read back from the package).
const jwtOf = (claims) => `${Buffer.from('{"alg":"RS256","typ":"JWT"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.c2ln`;
const TENANT_ID = "11111111-2222-3333-4444-555555555555";
const APP = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

test("2026: presets consumers and hve, implied tenant, one tenant for client credentials", () => {
  assert.deepEqual(m.cloudPresets(), ["global", "usgov", "usgov-dod", "china", "consumers", "hve"]);
  assert.equal(m.cloud("consumers").smtpHost, "smtp-mail.outlook.com");
  assert.equal(m.cloud("outlook.com").id, "consumers");
  assert.equal(m.cloud("hve").smtpHost, "smtp.hve.mx.microsoft");
  assert.deepEqual(m.mailServer("smtp", "hve"), { host: "smtp.hve.mx.microsoft", port: 587 });
  assert.equal(m.impliedTenant("consumers"), "consumers");
  assert.equal(m.impliedTenant({ id: "personal", smtpHost: "smtp.example" }), "consumers");
  for (const c of ["global", "usgov", "usgov-dod", "china", "hve", undefined]) assert.equal(m.impliedTenant(c), null, String(c));
  throwsCode(() => m.impliedTenant("mars"), "invalid_input");

  assert.equal(m.parseTenant("organizations").allowsClientCredentials, false);
  assert.equal(m.parseTenant(TENANT_ID).allowsClientCredentials, true);
  const why = { organizations: "guessed tenant", common: "AADSTS9001023", consumers: "personal Microsoft accounts" };
  for (const [t, reason] of Object.entries(why)) {
    assert.throws(() => m.checkClientCredentials(t), (e) => e instanceof m.MailoauthError && e.code === "invalid_tenant" && e.message.includes(reason), t);
    throwsCode(() => m.buildClientCredentialsRequest({ tokenUrl: `https://login.microsoftonline.com/${t}/oauth2/v2.0/token`, clientId: APP, scope: "https://outlook.office365.com/.default", clientSecret: "S3CRET" }), "invalid_tenant");
  }
  assert.equal(m.checkClientCredentials("contoso.onmicrosoft.com"), undefined);
  const req = m.buildClientCredentialsRequest({ tokenUrl: `https://login.microsoftonline.com/${TENANT_ID}/oauth2/v2.0/token`, clientId: APP, scope: "https://outlook.office365.com/.default", clientSecret: "S3CRET" });
  assert.deepEqual(new URLSearchParams(req.bodyText).get("grant_type"), "client_credentials");
});

test("2026: every lint finding has a severity (token lint and config lint)", () => {
  const cc = m.lintConfig({ flow: "client_credentials", tenant: "organizations", clientId: APP, clientSecret: "abc~DEF", scopes: ["https://outlook.office365.com/.default"] });
  assert.deepEqual(cc.map((f) => [f.code, f.severity]), [["tenant_not_allowed_for_client_credentials", "error"]]);
  const warn = m.lintConfig({ flow: "client_credentials", tenant: TENANT_ID, clientId: APP, clientSecret: TENANT_ID, scopes: ["https://outlook.office365.com/.default"] });
  assert.deepEqual(warn.map((f) => [f.code, f.severity]), [["secret_looks_like_id", "warning"]]);
  assert.deepEqual(m.lintConfig({ flow: "device_code", tenant: "consumers", clientId: APP, scopes: ["https://outlook.office.com/.default", "offline_access"] }).map((f) => [f.code, f.severity]),
    [["default_scope_for_personal_account", "error"]]);

  const now = 1_800_000_000;
  const delegated = (scp) => jwtOf({ aud: "https://outlook.office.com", tid: TENANT_ID, upn: "anna@contoso.com", scp, exp: now + 3000 });
  // A shared mailbox as the login identity: fatal over SMTP (with the Send As line), a note over IMAP.
  const smtp = m.lintAccessToken(delegated("SMTP.Send"), { protocol: "smtp", grant: "delegated", user: "info@contoso.com", now });
  assert.deepEqual(smtp.findings.map((f) => [f.code, f.severity]), [["user_differs", "error"]]);
  assert.ok(smtp.findings[0].fix.includes("-AccessRights SendAs"), smtp.findings[0].fix);
  const imap = m.lintAccessToken(delegated("IMAP.AccessAsUser.All"), { protocol: "imap", grant: "delegated", user: "info@contoso.com", now });
  assert.deepEqual(imap.findings.map((f) => [f.code, f.severity]), [["user_differs", "note"]]);
  // App-only SMTP without SMTP.SendAsApp (App RBAC, HVE): a warning; IMAP without its role: an error.
  const app = jwtOf({ aud: "https://outlook.office365.com", tid: TENANT_ID, appid: APP, roles: [], exp: now + 3000 });
  assert.deepEqual(m.lintAccessToken(app, { protocol: "smtp", grant: "app", now }).findings.map((f) => [f.code, f.severity]), [["smtp_role_absent", "warning"]]);
  assert.deepEqual(m.lintAccessToken(app, { protocol: "imap", grant: "app", now }).findings.map((f) => [f.code, f.severity]), [["missing_role", "error"]]);
  assert.deepEqual(m.lintAccessToken("opaque", { protocol: "imap", grant: "delegated", now }).findings.map((f) => [f.code, f.severity]), [["opaque_token", "note"]]);
});

test("2026: runbook variants mailbox-permission, rbac (SMTP only) and hve", () => {
  assert.deepEqual(m.runbookVariants(), ["mailbox-permission", "rbac", "hve"]);
  const base = { tenant: "contoso.onmicrosoft.com", clientId: APP, servicePrincipalObjectId: "99999999-8888-7777-6666-555555555555", mailboxes: ["info@contoso.com"] };
  const commands = (rb) => rb.steps.flatMap((s) => s.commands);
  const rbac = commands(m.buildRunbook({ ...base, variant: "rbac" }));
  assert.ok(rbac.includes(`New-ManagementRoleAssignment -App '${APP}' -Role 'Application SMTP.SendAsApp' -CustomResourceScope 'SMTP send as for ${APP}'`), rbac.join("\n"));
  assert.ok(rbac.includes("Test-ServicePrincipalAuthorization -Identity '99999999-8888-7777-6666-555555555555' -Resource 'info@contoso.com'"));
  assert.ok(!rbac.some((c) => c.includes("Add-MailboxPermission")));
  const hve = commands(m.buildRunbook({ ...base, variant: "hve", protocols: ["smtp"] }));
  assert.ok(hve.includes(`Add-HVEAppAccess -Identity 'info@contoso.com' -AppIds '${APP}'`), hve.join("\n"));
  const mp = commands(m.buildRunbook(base));
  assert.ok(mp.includes("Add-MailboxPermission -Identity 'info@contoso.com' -User '99999999-8888-7777-6666-555555555555' -AccessRights FullAccess"));
  assert.deepEqual(commands(m.buildRunbook({ ...base, variant: "mailbox-permission" })), mp);
  throwsCode(() => m.buildRunbook({ ...base, variant: "rbac", protocols: ["imap"] }), "invalid_input");
  throwsCode(() => m.buildRunbook({ ...base, variant: "graph" }), "invalid_input");
  throwsCode(() => m.buildRunbook({ ...base, cloud: "consumers" }), "invalid_input");
  assert.equal(m.sendAsCommand("o'b@contoso.com", "anna@contoso.com"), "Add-RecipientPermission -Identity 'o''b@contoso.com' -Trustee 'anna@contoso.com' -AccessRights SendAs -Confirm:$false");
});

test("2026: reply codes, personal-account fixes, unrecognized refusals, Entra codes, legacy consent", () => {
  const codes = {
    "550 5.7.60 SMTP; Client does not have permissions to send as this sender": "send_as_denied",
    "530 5.7.57 Client not authenticated to send mail.": "not_authenticated",
    "501 5.5.124 Invalid XOAUTH2 auth data - User address provided is not valid": "hve_user_invalid",
    "550 5.5.105 External sending is not supported": "hve_external_recipient",
    "530 5.7.0 Must issue a STARTTLS command first.": "tls_required",
  };
  for (const [line, code] of Object.entries(codes)) assert.equal(m.diagnoseReply("smtp", line)?.code, code, line);
  assert.equal(m.diagnoseReply("smtp", "550 5.7.1 Something never seen"), null);
  const line = "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.";
  const work = m.diagnoseReply("smtp", line), personal = m.diagnoseReply("smtp", line, true);
  assert.equal(personal.code, "smtp_auth_disabled");
  assert.equal(personal.cause, work.cause);
  assert.ok(personal.fix.includes("Personal Microsoft account") && work.fix.includes("Set-CasMailbox"), `${personal.fix} | ${work.fix}`);
  assert.deepEqual(m.diagnoseReply("smtp", line, false), work);
  // A diagnosis without a personal variant is the same for both.
  assert.deepEqual(m.diagnoseReply("smtp", "550 5.5.105 External sending is not supported", true), m.diagnoseReply("smtp", "550 5.5.105 External sending is not supported"));

  const s = new m.SmtpAuth({ user: "u@contoso.com", token: "tok", ehlo: ["AUTH XOAUTH2"] });
  s.nextAction(); s.nextAction();
  s.receiveLine(enc.encode("550 5.7.1 Service unavailable for this client\r\n"));
  const r = s.nextAction().outcome.rejection;
  assert.deepEqual([r.diagnosis.code, r.retryWithFreshToken], ["unrecognized", false]);

  for (const code of [7000229, 9002331, 500200, 53001, 53002, 530003, 650052]) assert.equal(m.explainAadsts(code)?.known, true, String(code));
  assert.match(m.explainAadsts(50020).cause, /\(Not confirmed by Microsoft's documentation: .+\.\)$/);
  assert.deepEqual(m.parseAdminConsentRedirect("https://localhost/?code=0.AXoA&session_state=7e&state=s1", "s1"), { granted: true, tenant: null, scope: null, state: "s1" });
  throwsCode(() => m.parseAdminConsentRedirect("https://localhost/?code=0.AXoA&state=other", "s1"), "state_mismatch");
});

test("discovery and the Google preset (what the vectors do not reach)", () => {
  const req = m.buildMetadataRequest(m.wellKnownUrls("https://accounts.google.com")[0]);
  assert.deepEqual([req.method, req.url, req.header("accept")], ["GET", "https://accounts.google.com/.well-known/openid-configuration", "application/json"]);
  const doc = '{"issuer":"https://idp.example/realms/mail","token_endpoint":"https://idp.example/realms/mail/token","grant_types_supported":["client_credentials"]}';
  const meta = m.parseProviderMetadata(new m.HttpResponse(200, enc.encode(doc), []), "https://idp.example/realms/mail", 0);
  camelSorted(meta.toJSON(), "ProviderMetadata.toJSON");
  assert.equal(JSON.parse(JSON.stringify(meta)).tokenEndpoint, "https://idp.example/realms/mail/token");
  assert.deepEqual(meta.endpoints(), { authorizeUrl: "", deviceAuthorizationUrl: "", issuer: "https://idp.example/realms/mail", tokenUrl: "https://idp.example/realms/mail/token" });
  assert.ok(meta.supportsGrant("client_credentials") && !meta.supportsGrant("refresh_token"));
  throwsCode(() => meta.chooseClientAuth(false, true), "invalid_input");
  throwsCode(() => m.checkDeviceFlow("yahoo", []), "invalid_input");
  assert.deepEqual(m.googleMailServer("pop"), { host: "pop.gmail.com", port: 995 });
});

// The generated declarations (types/*.d.ts): interface name -> member names.
function declared(file) {
  const text = readFileSync(new URL(`../types/${file}`, import.meta.url), "utf8");
  const out = {};
  for (const [, name, body] of text.matchAll(/export interface (\w+) \{\n([\s\S]*?)\n\}/g)) {
    out[name] = [...body.matchAll(/^  (\w+)\??: /gm)].map((x) => x[1]).sort();
  }
  return out;
}

test("records have exactly the members their generated declarations name", () => {
  const d = declared("records.d.ts");
  const keys = (v) => Object.keys(v).sort();
  const token = [{ alg: "none" }, { aud: "https://outlook.office.com", scp: "IMAP.AccessAsUser.All", exp: 2000, tid: "t" }]
    .map((p) => Buffer.from(JSON.stringify(p)).toString("base64url")).join(".") + ".";
  const lint = m.lintAccessToken(token, { protocol: "imap", grant: "delegated", now: 1000, user: "u@contoso.com" });
  const s = new m.SmtpAuth({ user: "u@contoso.com", token: "tok", ehlo: ["AUTH XOAUTH2"] });
  s.nextAction(); s.nextAction();
  s.receiveLine(enc.encode("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled\r\n"));
  const rejection = s.nextAction().outcome.rejection;
  const runbook = m.buildRunbook({ tenant: "contoso.com", clientId: "9e5f94bc-e8a4-4e73-b8be-63364c29d753" });
  const samples = {
    Cloud: m.cloud("global"),
    Endpoints: m.customEndpoints({ tokenUrl: "https://idp.example/token" }),
    WellKnownApp: m.wellKnownApps()[0],
    AdminConsentResult: m.parseAdminConsentRedirect("https://localhost/?admin_consent=True&tenant=t1&state=s", "s"),
    Explanation: m.explainAadsts(50076),
    TokenLint: lint,
    TokenClaims: lint.claims,
    LintFinding: lint.findings[0] ?? m.lintConfig({ flow: "client_credentials", tenant: "common" })[0],
    Rejection: rejection,
    Diagnosis: rejection.diagnosis,
    RunbookStep: runbook.steps[0],
    DecodedJwt: m.decodeJwtUnverified(token),
    // KeyCheck needs a key pair and certificate: the vectors and the Rust tests cover it.
  };
  for (const [name, value] of Object.entries(samples)) {
    assert.ok(d[name], `${name} is not declared in records.d.ts`);
    assert.deepEqual(keys(value), d[name], name);
  }
  // Runbook: the core's record plus the package's own `text` (declared beside it, merged).
  assert.deepEqual(keys(runbook), [...d.Runbook, "text"].sort());
});

test("each function reads its own options interface: keys of another one are refused", () => {
  const d = declared("options.d.ts");
  const unknown = (fn, key) => assert.throws(fn, (e) => e instanceof m.MailoauthError && e.code === "invalid_input" && e.message.includes(`unknown option "${key}"`), key);
  const pkce = m.Pkce.generate();
  const ms = { clientId: "9e5f94bc-e8a4-4e73-b8be-63364c29d753", redirectUri: "https://localhost/", state: "s", protocols: ["imap"] };
  assert.ok(!d.MicrosoftAuthorizeUrlOptions.includes("scopes") && d.AuthorizeUrlOptions.includes("scopes"));
  assert.match(m.microsoftAuthorizeUrl(ms, pkce), /^https:\/\/login\.microsoftonline\.com\/organizations\//);
  for (const key of ["scopes", "authorizeUrl", "codeChallenge"]) unknown(() => m.microsoftAuthorizeUrl({ ...ms, [key]: key === "scopes" ? [] : "x" }, pkce), key);
  const { protocols, ...common } = ms;
  assert.match(m.authorizeUrl({ ...common, authorizeUrl: "https://idp.example/a", codeChallenge: pkce.challenge, scopes: ["openid"] }), /^https:\/\/idp\.example\/a\?/);
  unknown(() => m.authorizeUrl({ ...common, authorizeUrl: "https://idp.example/a", codeChallenge: pkce.challenge, scopes: ["openid"], tenant: "t" }), "tenant");
  unknown(() => m.authorizeUrl({ ...common, authorizeUrl: "https://idp.example/a", codeChallenge: pkce.challenge, scopes: ["openid"], protocols }), "protocols");
  const login = { user: "u", token: "t" };
  unknown(() => new m.ImapAuth({ ...login, tag: "A1", capabilities: [], ehlo: [] }), "ehlo");
  unknown(() => new m.PopAuth({ ...login, tag: "A1" }), "tag");
  unknown(() => new m.SmtpAuth({ ...login, ehlo: [], capabilities: [] }), "capabilities");
  // The credential fields are declared once and shared by the three machines.
  for (const name of ["ImapAuthOptions", "PopAuthOptions", "SmtpAuthOptions"]) {
    for (const key of ["user", "token", "mechanism", "host", "port"]) assert.ok(d[name].includes(key), `${name}.${key}`);
  }
});
