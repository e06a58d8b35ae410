// The built package as a JS user sees it (target/wasm-pkg, loaded in Node): the exported error
// class, option checking, redaction, records, the device-code poller and SMTP machine as classes.
// Run by bindings-wasm/run-tests with `node --test`.
import assert from "node:assert/strict";
import { test } from "node:test";
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
