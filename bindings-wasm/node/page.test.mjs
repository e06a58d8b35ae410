// The page's split package (target/wasm-page: bindings-wasm/split-page moved the code and data
// only the sign-in and diagnosis exports reach to mailoauth_wasm_ondemand.wasm) against the full
// package (target/wasm-pkg). Before the on-demand module is loaded, every first-module export the
// page uses must give the same results, messages and codes as the full package: a byte of data
// the first module needs but that moved would show here as a wrong or empty text; every on-demand
// call must throw the clear "load it first" error. Once loaded, the on-demand functions and
// classes must agree too. Run by bindings-wasm/run-tests after `build-pkg page`.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadPackage, root } from "./load.mjs";

const pageDir = path.join(root, "target/wasm-page");
let page, full;

before(async () => {
  full = await loadPackage();
  page = await loadPackage(pageDir);
});

/** What a call gives: its value (plain data), or its error's message and code. */
function outcome(call, m) {
  try {
    return { value: plain(call(m)) };
  } catch (e) {
    return { error: [String(e && e.message), e && e.code] };
  }
}

function plain(v) {
  if (v === null || v === undefined || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v.free === "function") { // a class instance: its getters (marked, see agree())
    const proto = Object.getPrototypeOf(v);
    const out = { [CLASS]: true };
    for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (d.get) out[k] = plain(v[k]);
    }
    return out;
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
}

const CLASS = Symbol("class instance");

/** The page's outcome equals the full package's; of a class instance the page's build has fewer
 * getters (those the page does not call are in the full package only), so the full package's are
 * compared on the page's. */
function agree(got, want, what) {
  const narrow = (g, w) => {
    if (g && w && typeof g === "object" && typeof w === "object") {
      if (Array.isArray(g)) return Array.isArray(w) ? w.map((x, i) => narrow(g[i], x)) : w;
      const keys = g[CLASS] ? Object.keys(g) : Object.keys(w);
      const out = Object.fromEntries(keys.map((k) => [k, narrow(g[k], w[k])]));
      if (g[CLASS] && w[CLASS]) out[CLASS] = true;
      return out;
    }
    return w;
  };
  assert.deepEqual(got, narrow(got, want), what);
}

const tenant = "contoso.onmicrosoft.com";
const clientId = "9e5f94bc-e8a4-4e73-b8be-63364c29d753";
const redirectUri = "https://localhost/done";
const tokenUrl = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token";
const json = (o) => JSON.stringify(o);
const response = (m, status, body, headers = []) => new m.HttpResponse(status, body, headers);
function withPkce(m, use) {
  const p = m.Pkce.generate();
  const challenge = p.challenge;
  return use(p).replace(`code_challenge=${challenge}&`, "code_challenge=CHALLENGE&");
}

// Each call exercises a first-module path, many of them a refusal with its own message.
const FIRST = {
  version: (m) => m.version(),
  cloudPresets: (m) => m.cloudPresets(),
  impliedTenant: (m) => m.cloudPresets().map((c) => m.impliedTenant(c)),
  wellKnownApps: (m) => m.wellKnownApps(),
  lookupApp: (m) => m.wellKnownApps().map((a) => m.lookupApp(a.clientId)),
  replacementFor: (m) => m.wellKnownApps().map((a) => m.replacementFor(a.clientId)),
  "adminConsentUrl v2": (m) => m.adminConsentUrl({ tenant, clientId, cloud: "usgov", variant: "v2" }),
  "adminConsentUrl legacy": (m) => m.adminConsentUrl({ tenant, clientId, variant: "legacy", redirectUri, state: "s" }),
  "adminConsentUrl bad tenant": (m) => m.adminConsentUrl({ tenant: "not a tenant!", clientId }),
  "adminConsentUrl bad client": (m) => m.adminConsentUrl({ tenant, clientId: "nope" }),
  "adminConsentUrl bad redirect": (m) => m.adminConsentUrl({ tenant, clientId, redirectUri: "http://example.com/x" }),
  "adminConsentUrl unknown option": (m) => m.adminConsentUrl({ tenant, clientId, tennant: "x" }),
  "adminConsentUrl bad cloud": (m) => m.adminConsentUrl({ tenant, clientId, cloud: "mars" }),
  xoauth2: (m) => m.xoauth2("user@contoso.com", "tok"),
  "xoauth2 bad": (m) => m.xoauth2("user@contoso.com", "two\nlines"),
  "xoauth2 no user": (m) => m.xoauth2("", "tok"),
  oauthbearer: (m) => m.oauthbearer("user@contoso.com", "tok", "outlook.office365.com", 993),
  "oauthbearer bad host": (m) => m.oauthbearer("user@contoso.com", "tok", "bad host\u0001", 993),
};

// The sign-in, from loadOnDemand()'s result (or the full package): its start (PKCE, state,
// authorize URL) and its finish (redirect, token request and response, TokenSet).
const SIGN_IN = {
  microsoftEndpoints: (m) => m.microsoftEndpoints(tenant, "china"),
  "microsoftEndpoints bad": (m) => m.microsoftEndpoints("a b", "global"),
  // A fresh verifier each time: its challenge is replaced by a fixed text to compare.
  microsoftAuthorizeUrl: (m) => withPkce(m, (p) => m.microsoftAuthorizeUrl({ tenant, clientId, redirectUri, protocols: ["imap", "smtp"], state: "s", loginHint: "a@b.c" }, p)),
  "microsoftAuthorizeUrl no protocols": (m) => withPkce(m, (p) => m.microsoftAuthorizeUrl({ tenant, clientId, redirectUri, protocols: [], state: "s" }, p)),
  authorizeUrl: (m) => m.authorizeUrl({ authorizeUrl: "https://id.example.com/authorize", clientId: "c", redirectUri, scopes: ["openid", "mail"], state: "s", codeChallenge: "y".repeat(43) }),
  "authorizeUrl bad url": (m) => m.authorizeUrl({ authorizeUrl: "ftp://x", clientId: "c", redirectUri, scopes: ["a"], state: "s", codeChallenge: "y".repeat(43) }),
  "authorizeUrl no scopes": (m) => m.authorizeUrl({ authorizeUrl: "https://id.example.com/a", clientId: "c", redirectUri, scopes: [], state: "s", codeChallenge: "y".repeat(43) }),
  customEndpoints: (m) => m.customEndpoints({ authorizeUrl: "https://id.example.com/a", tokenUrl: "https://id.example.com/t" }),
  "customEndpoints bad": (m) => m.customEndpoints({ authorizeUrl: "https://id.example.com/a", tokenUrl: "http://id.example.com/t" }),
  parseAuthorizeRedirect: (m) => m.parseAuthorizeRedirect(`${redirectUri}?code=abc&state=s1&iss=https%3A%2F%2Fid.example.com`, "s1", "https://id.example.com"),
  "parseAuthorizeRedirect state": (m) => m.parseAuthorizeRedirect(`${redirectUri}?code=abc&state=s2`, "s1"),
  "parseAuthorizeRedirect issuer": (m) => m.parseAuthorizeRedirect(`${redirectUri}?code=abc&state=s1&iss=https%3A%2F%2Fevil.example`, "s1", "https://id.example.com"),
  "parseAuthorizeRedirect error": (m) => m.parseAuthorizeRedirect(`${redirectUri}?error=access_denied&error_description=AADSTS65004%3A+User+declined&state=s1`, "s1"),
  "parseAuthorizeRedirect nothing": (m) => m.parseAuthorizeRedirect(redirectUri, "s1"),
  buildAuthCodeRequest: (m) => m.buildAuthCodeRequest({ tokenUrl, clientId, code: "c0de", redirectUri, codeVerifier: "v".repeat(43) }),
  "buildAuthCodeRequest bad verifier": (m) => m.buildAuthCodeRequest({ tokenUrl, clientId, code: "c0de", redirectUri, codeVerifier: "short" }),
  parseTokenResponse: (m) => m.parseTokenResponse(response(m, 200, json({ access_token: "at", token_type: "Bearer", expires_in: 3600, scope: "s", refresh_token: "rt" })), 1000),
  "parseTokenResponse AADSTS": (m) => m.parseTokenResponse(response(m, 400, json({ error: "invalid_grant", error_description: "AADSTS70008: The provided authorization code or refresh token has expired.", error_codes: [70008], trace_id: "t", correlation_id: "c" })), 0),
  "parseTokenResponse throttled": (m) => m.parseTokenResponse(response(m, 429, "slow down", [["retry-after", "30"]]), 0),
  "parseTokenResponse html": (m) => m.parseTokenResponse(response(m, 502, "<html>Bad gateway</html>"), 0),
  "parseTokenResponse bad json": (m) => m.parseTokenResponse(response(m, 200, "{\"access_token\": 1"), 0),
  "parseTokenResponse no type": (m) => m.parseTokenResponse(response(m, 200, json({ access_token: "at" })), 0),
  "TokenSet.fromJson": (m) => m.TokenSet.fromJson(json({ access_token: "at", token_type: "Bearer", expires_at: 5000, scope: "s" })),
  "TokenSet.fromJson bad": (m) => m.TokenSet.fromJson("[1,2]"),
  "TokenSet round trip": (m) => m.TokenSet.fromJson(m.TokenSet.fromJson(json({ access_token: "at", token_type: "Bearer" })).toJson()),
  "HttpResponse bad headers": (m) => new m.HttpResponse(200, "x", [["only-one"]]),
  randomState: (m) => /^[A-Za-z0-9_-]{22}$/.test(m.randomState()),
  "Pkce.generate": (m) => { const p = m.Pkce.generate(); return [p.verifier.length, p.challenge.length]; },
};

const DIAGNOSIS = {
  explainErrorText: (d) => ["AADSTS50011", json({ error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret provided." }), "nothing here"].map((t) => d.explainErrorText(t)),
  diagnoseReply: (d) => [["imap", "A1 NO AUTHENTICATE failed."], ["smtp", "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox."], ["pop", "-ERR nope"]].map(([p, l]) => d.diagnoseReply(p, l)),
  lintAccessToken: (d) => d.lintAccessToken("a.b.c", { protocol: "imap", grant: "delegated", now: 0 }),
  guessGrant: (d) => d.guessGrant("opaque"),
  buildRunbook: (d) => d.buildRunbook({ tenant, clientId, mailboxes: ["info@contoso.com"], protocols: ["imap", "smtp"], cloud: "global" }),
  "buildRunbook bad": (d) => d.buildRunbook({ tenant, clientId: "nope", mailboxes: [], protocols: [] }),
};

const ON_DEMAND_NAMES = [
  "AuthorizationCodeResult", "HttpRequest", "HttpResponse", "Pkce", "TokenSet", "authorizeUrl",
  "buildAuthCodeRequest", "buildRunbook", "customEndpoints", "diagnoseReply", "explainErrorText",
  "guessGrant", "lintAccessToken", "microsoftAuthorizeUrl", "microsoftEndpoints",
  "parseAuthorizeRedirect", "parseTokenResponse", "randomState",
];
const LOAD_FIRST = /^mailoauth: this function is in the on-demand module: await loadOnDemand\(\) first$/;

describe("the page's split package agrees with the full package", () => {
  test("every first-module call, before the on-demand module is loaded", () => {
    for (const [name, call] of Object.entries(FIRST)) {
      const got = outcome(call, page);
      agree(got, outcome(call, full), name);
      const text = JSON.stringify(got);
      assert.ok(!text.includes("\\u0000"), `${name}: a NUL byte in ${text}`);
    }
  });

  test("every sign-in and diagnosis call before loadOnDemand() throws a clear error", () => {
    for (const [name, call] of Object.entries({ ...SIGN_IN, ...DIAGNOSIS })) {
      const got = outcome(call, page);
      assert.ok(got.error && LOAD_FIRST.test(got.error[0]), `${name}: ${JSON.stringify(got)}`);
    }
  });

  test("the sign-in and diagnosis, once loaded, and the first module still agreeing", async () => {
    // The glue fetches mailoauth_wasm_ondemand.wasm beside itself; Node's fetch has no file: URLs.
    const realFetch = globalThis.fetch;
    globalThis.fetch = async (url) => new Response(await readFile(fileURLToPath(url)));
    let d;
    try { d = await page.loadOnDemand(); } finally { globalThis.fetch = realFetch; }
    assert.deepEqual(Object.keys(d).sort(), ON_DEMAND_NAMES);
    for (const name of ON_DEMAND_NAMES) assert.equal(d[name], page[name], `${name} is the package's own export`);
    for (const [name, call] of Object.entries({ ...SIGN_IN, ...DIAGNOSIS })) {
      const got = outcome(call, d);
      agree(got, outcome(call, full), name);
      assert.ok(!JSON.stringify(got).includes("\\u0000"), `${name}: a NUL byte`);
    }
    for (const [name, call] of Object.entries(FIRST)) {
      agree(outcome(call, page), outcome(call, full), `${name} (after loading)`);
    }
  });
});
