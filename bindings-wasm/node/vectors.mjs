// The wasm runner of the shared conformance vectors (tests/vectors/README.md), over the BUILT
// package (target/wasm-pkg). Same contract as core/tests/vectors.rs and the Python runner: reads
// every *.json of $MAILOAUTH_VECTORS (default: the repository's tests/vectors), runs every vector,
// fails on an unknown kind or an unreadable file, names each failure file:name, and prints
// exactly `vectors: wasm ran N, failed F`.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { loadPackage, root } from "./load.mjs";

const m = await loadPackage();
const dir = process.env.MAILOAUTH_VECTORS || path.join(root, "tests/vectors");

class Mismatch extends Error {}
const enc = new TextEncoder();
const dec = new TextDecoder();

function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
function eq(field, got, want) {
  if (!same(got, want)) throw new Mismatch(`${field}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}
const orNull = (v) => (v === undefined ? null : v);
const expectedError = (v) => (typeof v.expect?.error === "string" ? v.expect.error : null);

function checkError(v, fn) {
  const want = expectedError(v);
  let got;
  try { got = fn(); } catch (e) {
    if (!(e instanceof m.MailoauthError)) throw e;
    if (want === null) throw new Mismatch(`unexpected error ${e.code}: ${e.message}`);
    eq("error code", e.code, want);
    return null;
  }
  if (want !== null) throw new Mismatch(`expected error ${JSON.stringify(want)}, got ${String(got)}`);
  return got;
}

function urlEq(got, want) {
  const parts = (u) => {
    const x = new URL(u);
    const q = [...x.searchParams.entries()].map(([k, v]) => `${k}=${v}`).sort();
    return [x.protocol, x.hostname, x.port, x.pathname || "/", q];
  };
  if (!same(parts(got), parts(want))) throw new Mismatch(`url: got ${got}, want ${want}`);
}

function serverErrorFields(v, fn, fields) {
  const x = v.expect || {};
  let got;
  try { got = fn(); } catch (e) {
    if (!(e instanceof m.MailoauthError)) throw e;
    for (const [f, js] of fields) if (f in x) eq(f, e[js], x[f]);
    return checkError(v, () => { throw e; });
  }
  return checkError(v, () => got);
}

function responseOf(v) {
  const i = v.input;
  return new m.HttpResponse(i.status, enc.encode(i.body), Object.entries(i.headers || {}));
}

function checkToken(t, want) {
  eq("token.access_token", t.accessToken, orNull(want.access_token));
  eq("token.token_type", t.tokenType, orNull(want.token_type));
  eq("token.expires_at", t.expiresAt, orNull(want.expires_at));
  eq("token.refresh_token", t.refreshToken, orNull(want.refresh_token));
  eq("token.scope", t.scope, orNull(want.scope));
}

function checkErrorValue(v, e) {
  if (!(e instanceof m.MailoauthError)) throw e;
  const want = v.expect?.error;
  if (want === undefined || want === null) throw new Mismatch(`unexpected error ${e.code}: ${e.message}`);
  if (typeof want === "string") { eq("error code", e.code, want); return; }
  eq("error.error", e.code, want.error);
  if ("error_codes" in want) eq("error.error_codes", e.errorCodes, want.error_codes);
  if ("aadsts" in want) eq("error.aadsts", e.aadsts, want.aadsts);
}

// `expect.findings` (a set of codes); `expect.severities` and `expect.fix_contains` (finding code
// -> severity / a text of its fix) when present, each naming a finding that must be there.
function checkFindings(v, findings) {
  const codes = [...new Set(findings.map((f) => f.code))].sort();
  eq("findings", codes, [...new Set(v.expect.findings)].sort());
  const named = (what, code) => {
    const f = findings.find((f) => f.code === code);
    if (!f) throw new Mismatch(`${what} names ${JSON.stringify(code)}, which is not a finding`);
    return f;
  };
  for (const [code, sev] of Object.entries(v.expect.severities ?? {})) eq(`severity of ${code}`, named("severities", code).severity, sev);
  for (const [code, text] of Object.entries(v.expect.fix_contains ?? {})) {
    const f = named("fix_contains", code);
    if (!f.fix.includes(text)) throw new Mismatch(`fix of ${code} ${JSON.stringify(f.fix)} lacks ${JSON.stringify(text)}`);
  }
}

// `expect.url` (as a URL), the optional `expect.headers` (case-insensitive names; null: absent)
// and `expect.form` (each field exactly once, order not significant).
function checkRequest(v, req) {
  urlEq(req.url, v.expect.url);
  for (const [name, want] of Object.entries(v.expect.headers ?? {})) eq(`header ${name}`, req.header(name) ?? null, want);
  const got = [...new URLSearchParams(req.bodyText)].map(([k, x]) => `${k}=${x}`).sort();
  const want = Object.entries(v.expect.form).map(([k, x]) => `${k}=${x}`).sort();
  eq("form", got, want);
}

const METADATA_FIELDS = [
  "issuer", "authorization_endpoint", "token_endpoint", "device_authorization_endpoint", "revocation_endpoint",
  "grant_types_supported", "token_endpoint_auth_methods_supported", "token_endpoint_auth_signing_alg_values_supported",
  "scopes_supported", "code_challenge_methods_supported", "authorization_response_iss_parameter_supported",
];
const camel = (k) => k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

// Google is the one preset with endpoints here (Microsoft's are `cloud_preset`'s).
function googleOnly(v) {
  if (v.input.provider !== "google") throw new Mismatch(`no preset request for provider ${JSON.stringify(v.input.provider)} (only google)`);
}

const KINDS = {
  xoauth2(v) {
    const b = checkError(v, () => m.xoauth2(v.input.user, v.input.token));
    if (b !== null) eq("base64", b, v.expect.base64);
  },
  oauthbearer(v) {
    const i = v.input;
    const b = checkError(v, () => m.oauthbearer(i.user, i.token, i.host ?? undefined, i.port ?? undefined));
    if (b !== null) eq("base64", b, v.expect.base64);
  },
  sasl_error_challenge(v) {
    const e = checkError(v, () => m.decodeErrorChallenge(v.input.base64));
    if (e === null) return;
    const x = v.expect;
    eq("status", e.status, orNull(x.status));
    eq("schemes", e.schemes, orNull(x.schemes));
    eq("scope", e.scope, orNull(x.scope));
    eq("openid_configuration", e.openidConfiguration, orNull(x.openid_configuration));
  },
  admin_consent_url(v) {
    const i = v.input;
    const url = checkError(v, () => m.adminConsentUrl({
      tenant: i.tenant, clientId: i.client_id, cloud: i.cloud ?? "global",
      redirectUri: i.redirect_uri ?? undefined, scope: i.scope ?? undefined,
      state: i.state ?? undefined, variant: i.variant ?? "v2",
    }));
    if (url !== null) urlEq(url, v.expect.url);
  },
  pkce_s256(v) {
    const i = v.input;
    const p = checkError(v, () => ("octets" in i ? m.Pkce.fromRandom(Uint8Array.from(i.octets)) : m.Pkce.fromVerifier(i.verifier)));
    if (p === null) return;
    const x = v.expect;
    if (x.verifier !== undefined && x.verifier !== null) eq("verifier", p.verifier, x.verifier);
    eq("challenge", p.challenge, x.challenge);
    eq("method", p.method, "S256");
  },
  admin_consent_redirect(v) {
    const i = v.input;
    const r = serverErrorFields(v, () => m.parseAdminConsentRedirect(i.redirect_url, i.expected_state ?? undefined), [["aadsts", "aadsts"]]);
    if (r === null) return;
    const x = v.expect;
    eq("granted", r.granted, orNull(x.granted));
    if ("tenant" in x) eq("tenant", r.tenant, x.tenant);
    if ("scope" in x) eq("scope", r.scope, x.scope);
  },
  authorize_redirect(v) {
    const i = v.input;
    const c = serverErrorFields(v, () => m.parseAuthorizeRedirect(i.redirect_url, i.expected_state, i.expected_issuer ?? undefined), [["error_description", "errorDescription"]]);
    if (c !== null) eq("code", c.code, v.expect.code);
  },
  token_response(v) {
    let t;
    try { t = m.parseTokenResponse(responseOf(v), v.input.now); } catch (e) { checkErrorValue(v, e); return; }
    const want = v.expect?.token;
    if (want === undefined || want === null) throw new Mismatch(`expected an error, got ${t}`);
    checkToken(t, want);
  },
  device_authorization_response(v) {
    let a;
    try { a = m.parseDeviceAuthorizationResponse(responseOf(v), v.input.now); } catch (e) { checkErrorValue(v, e); return; }
    const x = v.expect;
    if (x.error !== undefined && x.error !== null) throw new Mismatch(`expected an error, got ${a}`);
    eq("device_code", a.deviceCode, orNull(x.device_code));
    eq("user_code", a.userCode, orNull(x.user_code));
    eq("verification_uri", a.verificationUri, orNull(x.verification_uri));
    eq("expires_at", a.expiresAt, orNull(x.expires_at));
    eq("interval", a.interval, orNull(x.interval));
    if ("verification_uri_complete" in x) eq("verification_uri_complete", orNull(a.verificationUriComplete), x.verification_uri_complete);
    if ("message" in x) eq("message", orNull(a.message), x.message);
  },
  device_poll_response(v) {
    const i = v.input;
    let r;
    try { r = m.parseDevicePollResponse(responseOf(v), i.now, i.interval); } catch (e) { checkErrorValue(v, e); return; }
    const x = v.expect;
    if (x.error !== undefined && x.error !== null) throw new Mismatch(`expected an error, got state ${r.state}`);
    eq("state", r.state, orNull(x.state));
    if (r.state === "pending") {
      eq("interval", r.interval, orNull(x.interval));
      eq("next_poll_at", r.nextPollAt, orNull(x.next_poll_at));
    } else if (r.state === "token" && x.token) {
      checkToken(r.token, x.token);
    }
  },
  diagnose_token_error(v) {
    const x = checkError(v, () => m.explainErrorBody(v.input.body));
    if (x === null) return;
    if ("aadsts" in v.expect) eq("aadsts", x.aadsts, v.expect.aadsts);
    if ("known" in v.expect) eq("known", x.known, v.expect.known);
  },
  access_token_lint(v) {
    const i = v.input;
    const lint = m.lintAccessToken(i.token, { protocol: i.protocol, grant: i.grant, now: i.now, user: i.user ?? undefined, cloud: i.cloud ?? undefined });
    checkFindings(v, lint.findings);
  },
  diagnose_reply(v) {
    const i = v.input;
    const d = m.diagnoseReply(i.protocol, i.line, i.personal ?? undefined);
    eq("code", d === null ? null : d.code, orNull(v.expect.code));
    const want = v.expect.fix_contains;
    if (want !== undefined && want !== null) {
      if (d === null) throw new Mismatch(`fix_contains ${JSON.stringify(want)}, but there is no diagnosis`);
      if (!d.fix.includes(want)) throw new Mismatch(`fix ${JSON.stringify(d.fix)} lacks ${JSON.stringify(want)}`);
    }
  },
  client_credentials_request(v) {
    const i = v.input;
    const req = checkError(v, () => m.buildClientCredentialsRequest({
      tokenUrl: i.token_url, clientId: i.client_id, scope: i.scope, clientSecret: i.client_secret ?? undefined,
      clientAssertion: i.client_assertion ?? undefined, clientAuth: i.client_auth ?? undefined,
    }));
    if (req !== null) checkRequest(v, req);
  },
  well_known_urls(v) {
    const urls = checkError(v, () => m.wellKnownUrls(v.input.issuer));
    if (urls !== null) eq("urls", urls, orNull(v.expect.urls));
  },
  provider_metadata(v) {
    const i = v.input;
    const resp = new m.HttpResponse(i.status ?? 200, enc.encode(i.document), []);
    const meta = checkError(v, () => m.parseProviderMetadata(resp, i.issuer, i.now ?? 0));
    if (meta === null) return;
    const x = v.expect, rec = meta.toJSON();
    for (const f of METADATA_FIELDS) if (f in x) eq(f, rec[camel(f)], x[f]);
    if ("chosen_client_auth" in x) {
      let got;
      try { got = meta.chooseClientAuth(i.has_secret ?? false, i.has_key ?? false); } catch (e) {
        if (!(e instanceof m.MailoauthError) || e.code !== "invalid_input") throw e;
        got = null;
      }
      eq("chosen_client_auth", got, x.chosen_client_auth);
    }
  },
  provider_preset(v) {
    googleOnly(v);
    const e = m.googleEndpoints(), x = v.expect;
    eq("issuer", e.issuer, orNull(x.issuer));
    eq("authorize_url", e.authorizeUrl, orNull(x.authorize_url));
    eq("token_url", e.tokenUrl, orNull(x.token_url));
    eq("device_authorization_url", e.deviceAuthorizationUrl, orNull(x.device_authorization_url));
    eq("scopes", m.googleScopes(), orNull(x.scopes));
    for (const p of ["imap", "pop", "smtp"]) {
      const s = m.googleMailServer(p);
      eq(p, [s.host, s.port], orNull(x[p]));
    }
  },
  provider_request(v) {
    const i = v.input;
    if (i.request === "device_flow") { checkError(v, () => m.checkDeviceFlow(i.provider, i.scopes)); return; }
    googleOnly(v);
    const tokenUrl = m.googleEndpoints().tokenUrl;
    if (i.request === "redirect_uri") {
      checkError(v, () => m.checkGoogleRedirectUri(i.redirect_uri));
    } else if (i.request === "authorize") {
      const url = checkError(v, () => {
        // The preset's redirect rule first, as a Google client applies it.
        m.checkGoogleRedirectUri(i.redirect_uri);
        return m.authorizeUrl({
          authorizeUrl: m.googleEndpoints().authorizeUrl, clientId: i.client_id, redirectUri: i.redirect_uri,
          scopes: m.googleScopes(), state: i.state, codeChallenge: i.code_challenge,
          prompt: i.prompt ?? undefined, loginHint: i.login_hint ?? undefined,
        });
      });
      if (url !== null) urlEq(url, v.expect.url);
    } else if (i.request === "auth_code") {
      const req = checkError(v, () => m.buildAuthCodeRequest({
        tokenUrl, clientId: i.client_id, code: i.code, redirectUri: i.redirect_uri, codeVerifier: i.code_verifier,
        scopes: [], clientSecret: i.client_secret,
      }));
      if (req !== null) checkRequest(v, req);
    } else if (i.request === "refresh") {
      const req = checkError(v, () => m.buildRefreshRequest({
        tokenUrl, clientId: i.client_id, refreshToken: i.refresh_token, scopes: [], clientSecret: i.client_secret,
      }));
      if (req !== null) checkRequest(v, req);
    } else throw new Mismatch(`input.request ${JSON.stringify(i.request)} is not a provider request`);
  },
  certificate_pem(v) {
    const der = checkError(v, () => m.certificateDerFromPem(v.input.pem));
    if (der !== null) eq("x5t_s256", m.x5tS256(der), orNull(v.expect.x5t_s256));
  },
  private_key_pem(v) {
    const c = checkError(v, () => m.checkPrivateKey(v.input.certificate_pem, v.input.key_pem));
    if (c === null) return;
    eq("key_format", c.keyFormat, orNull(v.expect.key_format));
    eq("key_bits", c.keyBits, orNull(v.expect.key_bits));
    eq("matches_certificate", c.matchesCertificate, orNull(v.expect.matches_certificate));
  },
  cloud_preset(v) {
    const name = v.input.cloud;
    const c = checkError(v, () => m.cloud(name));
    if (c === null) return;
    const x = v.expect;
    eq("id", c.id, x.id);
    eq("login_base", c.loginBase, x.login_base);
    eq("imap_host", c.imapHost, x.imap_host);
    eq("pop_host", c.popHost, x.pop_host);
    eq("smtp_host", c.smtpHost, x.smtp_host);
    eq("delegated_scopes", m.delegatedScopes(["imap", "pop", "smtp"], name, true), x.delegated_scopes);
  },
  config_lint(v) {
    const i = v.input;
    const findings = m.lintConfig({
      flow: i.flow, tenant: i.tenant ?? undefined, clientId: i.client_id ?? undefined,
      clientSecret: i.client_secret ?? undefined, scopes: i.scopes ?? undefined,
      authority: i.authority ?? undefined, hasCertificate: i.has_certificate ?? false,
    });
    checkFindings(v, findings);
  },
  runbook(v) {
    const i = v.input;
    const rb = checkError(v, () => m.buildRunbook({
      variant: i.variant, tenant: i.tenant, clientId: i.client_id,
      servicePrincipalObjectId: i.object_id ?? undefined, mailboxes: i.mailboxes ?? [],
      protocols: i.protocols ?? [], cloud: i.cloud,
    }));
    if (rb === null) return;
    const commands = rb.steps.flatMap((s) => s.commands);
    for (const line of v.expect.commands_contain) {
      if (!commands.includes(line)) throw new Mismatch(`no command is ${JSON.stringify(line)}; the commands: ${JSON.stringify(commands, null, 1)}`);
    }
    for (const t of v.expect.commands_exclude ?? []) {
      const c = commands.find((c) => c.includes(t));
      if (c !== undefined) throw new Mismatch(`command ${JSON.stringify(c)} contains ${JSON.stringify(t)}`);
    }
  },
  imap_auth: runTranscript,
  pop_auth: runTranscript,
  smtp_auth: runTranscript,
};

function buildMachine(kind, i) {
  const common = { user: i.user, token: i.token, mechanism: i.mechanism, host: i.host ?? undefined, port: i.port ?? undefined };
  if (kind === "imap_auth") return new m.ImapAuth({ ...common, tag: i.tag, capabilities: i.capabilities || [] });
  if (kind === "pop_auth") return new m.PopAuth({ ...common, capabilities: i.capabilities ?? undefined, initialResponse: i.initial_response ?? "auto" });
  return new m.SmtpAuth({ ...common, ehlo: i.ehlo || [], initialResponse: i.initial_response ?? "auto" });
}

function runTranscript(v) {
  const entries = v.transcript || [];
  let mach;
  try { mach = buildMachine(v.kind, v.input); } catch (e) {
    if (!(e instanceof m.MailoauthError)) throw e;
    if (entries.length) throw new Mismatch(`the machine refused to start (${e.code}: ${e.message}) but the transcript is not empty`);
    checkOutcome(v, "error", null, e);
    return;
  }
  entries.forEach((entry, n) => {
    const a = mach.nextAction();
    if ("C" in entry) {
      if (a.kind !== "send") throw new Mismatch(`transcript[${n}] C: the machine wants ${a.kind}`);
      const got = dec.decode(a.data);
      if (got !== entry.C) throw new Mismatch(`transcript[${n}] C: got ${JSON.stringify(got)}, want ${JSON.stringify(entry.C)}`);
    } else if ("S" in entry) {
      if (a.kind !== "need_line") throw new Mismatch(`transcript[${n}] S: the machine is not waiting for a line: ${a.kind}`);
      // A protocol error is the machine's outcome, checked below; the call itself throws only
      // out of turn, which would be this runner's mistake.
      mach.receiveLine(enc.encode(entry.S));
    } else throw new Mismatch(`transcript[${n}] has neither C nor S`);
  });
  const a = mach.nextAction();
  if (a.kind !== "done" || !a.outcome) throw new Mismatch(`after the transcript the machine is not done: ${a.kind}`);
  checkOutcome(v, a.outcome.kind, a.outcome, a.outcome.error);
}

function checkOutcome(v, kind, o, error) {
  const x = v.expect;
  eq("outcome", kind, x.outcome);
  if (kind === "error") { eq("error code", error.code, orNull(x.error)); return; }
  const rec = kind === "authenticated" ? o.authenticated : o.rejection;
  if ("server_text" in x) eq("server_text", rec.serverText, x.server_text);
  if (kind !== "rejected") return;
  if ("retry_with_fresh_token" in x) eq("retry_with_fresh_token", rec.retryWithFreshToken, x.retry_with_fresh_token);
  if ("diagnosis" in x) eq("diagnosis", rec.diagnosis ? rec.diagnosis.code : null, x.diagnosis);
  if ("reply_code" in x) eq("reply_code", rec.replyCode, x.reply_code);
  if ("enhanced_status" in x) eq("enhanced_status", rec.enhancedStatus, x.enhanced_status);
  if ("sasl_error" in x) {
    const want = x.sasl_error, got = rec.saslError;
    if (want === null || got === null) eq("sasl_error", got, want);
    else for (const [f, js] of [["status", "status"], ["schemes", "schemes"], ["scope", "scope"], ["openid_configuration", "openidConfiguration"]]) {
      eq(`sasl_error.${f}`, got[js], orNull(want[f]));
    }
  }
}

let ran = 0;
const failures = [];
let files = [];
try {
  files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
} catch (e) {
  failures.push(`cannot read vector folder ${dir}: ${e.message}`);
}
for (const f of files) {
  let doc;
  try { doc = JSON.parse(await readFile(path.join(dir, f), "utf8")); } catch (e) { failures.push(`${f}: cannot parse: ${e.message}`); continue; }
  if (!doc || doc.schema !== 1) { failures.push(`${f}: schema is not 1`); continue; }
  if (!Array.isArray(doc.vectors)) { failures.push(`${f}: no "vectors" array`); continue; }
  for (const v of doc.vectors) {
    ran += 1;
    const name = v?.name ?? "<unnamed>";
    const kind = v?.kind ?? "<no kind>";
    const run = Object.hasOwn(KINDS, kind) ? KINDS[kind] : null;
    try {
      if (!run) throw new Mismatch(`unknown vector kind ${JSON.stringify(kind)}`);
      run(v);
    } catch (e) {
      failures.push(`${f}:${name} (${kind}): ${e instanceof Mismatch ? e.message : `threw ${e && e.stack || e}`}`);
    }
  }
}
for (const f of failures) console.error(`FAILED ${f}`);
console.log(`vectors: wasm ran ${ran}, failed ${failures.length}`);
process.exit(failures.length ? 1 : 0);
