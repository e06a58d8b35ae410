// The page's only script: DOM and fetch. Every OAuth / SASL decision comes from the wasm package.
// The code of the sign-in (PKCE, authorize URL, token request and response) and of the diagnosis
// (Entra and reply explainers, token lint, runbook) is a second module, loaded by loadOnDemand()
// the first time a visitor needs one of them, so the first load (consent link, XOAUTH2) stays
// small.
import init, {
  version, cloudPresets, impliedTenant, wellKnownApps, replacementFor, lookupApp, adminConsentUrl,
  xoauth2, oauthbearer, loadOnDemand, MailoauthError,
} from "./pkg/mailoauth_wasm.js";

const $ = (id) => document.getElementById(id);
const PENDING = "mailoauth.pending-signin"; // sessionStorage: the PKCE verifier across the redirect
const REMEMBERED = "mailoauth.tokens"; // localStorage: only when the user ticks "Remember"
let tokens = null;

function show(id, on) { $(id).hidden = !on; }
function fail(id, e) {
  const el = $(id);
  el.textContent = e instanceof MailoauthError ? `${e.message} (${e.code})` : String(e && e.message || e);
  el.hidden = false;
}
function clearError(id) { $(id).hidden = true; $(id).textContent = ""; }

// Runs use(module) once the on-demand module (sign-in and diagnosis) is there, with `loadingId`
// shown while it loads and a clear message in `errorId` when it cannot load (ending with `then`)
// or use() throws. The section is aria-busy until use() is done.
const busy = new Map();
async function withOnDemand(loadingId, errorId, use, then = "try again") {
  const section = $(loadingId).closest("section");
  busy.set(section, (busy.get(section) || 0) + 1);
  section.setAttribute("aria-busy", "true");
  try {
    let m;
    show(loadingId, true);
    try { m = await loadOnDemand(); } // once; a failed load is tried again on the next use
    catch (e) {
      fail(errorId, new Error(`The sign-in and diagnosis module could not be loaded (${e && e.message || e}). Check the connection and ${then}.`));
      return;
    } finally { show(loadingId, false); }
    try { await use(m); } catch (e) { fail(errorId, e); }
  } finally {
    const n = busy.get(section) - 1;
    busy.set(section, n);
    if (n === 0) section.removeAttribute("aria-busy");
  }
}
function radio(name) { return document.querySelector(`input[name="${name}"]:checked`).value; }
function opt(v) { v = v.trim(); return v === "" ? undefined : v; }
async function copy(text, statusId) {
  try { await navigator.clipboard.writeText(text); $(statusId).textContent = "Copied."; }
  catch { $(statusId).textContent = "Copy failed: select the text and copy it by hand."; }
}

// ---------------------------------------------------------------------------------------------
// Admin consent

function fillSelects() {
  for (const c of cloudPresets()) {
    $("signin-cloud").add(new Option(c, c));
    // A preset that implies its tenant (consumers: personal accounts) has no administrator to
    // consent and no app-only access: not offered for admin consent.
    if (impliedTenant(c) === null) $("consent-cloud").add(new Option(c, c));
  }
  for (const app of wellKnownApps()) {
    const label = `${app.displayName}${app.retired ? " (retired)" : ""}`;
    $("consent-app").add(new Option(label, app.clientId));
  }
}

let runbookSeq = 0;

function onConsent(ev) {
  ev.preventDefault();
  clearError("consent-error");
  show("consent-warning", false);
  show("consent-result", false);
  const clientId = $("consent-app").value === "custom" ? $("consent-client").value.trim() : $("consent-app").value;
  try {
    const tenant = $("consent-tenant").value.trim();
    const cloud = $("consent-cloud").value;
    const url = adminConsentUrl({
      tenant, clientId, cloud, variant: radio("variant"),
      redirectUri: opt($("consent-redirect").value), state: opt($("consent-state").value),
    });
    const app = lookupApp(clientId);
    const successor = replacementFor(clientId);
    if (successor || (app && app.retired)) {
      $("consent-warning").textContent = `Warning: ${clientId} is a retired application id` +
        (successor ? `; use ${successor.displayName} (${successor.clientId}) instead.` : ".") +
        (app && app.note ? ` ${app.note}` : "");
      show("consent-warning", true);
    }
    $("consent-url").textContent = url;
    $("consent-link").href = url;
    const mailboxes = $("consent-mailboxes").value.split(",").map((s) => s.trim()).filter(Boolean);
    const variant = runbookVariant();
    // App RBAC and HVE are SMTP only: the core takes no protocols as SMTP for them.
    const protocols = variant === "mailbox-permission" ? checked("rb-protocol") : [];
    const runbookArgs = {
      tenant, clientId, cloud, mailboxes, variant, protocols,
      servicePrincipalObjectId: opt($("consent-object-id").value),
    };
    $("consent-copied").textContent = "";
    $("runbook").textContent = "";
    clearError("runbook-error");
    show("consent-result", true);
    const seq = ++runbookSeq; // a later click wins over a slower earlier one
    withOnDemand("runbook-loading", "runbook-error", (d) => {
      if (seq === runbookSeq) $("runbook").textContent = d.buildRunbook(runbookArgs).text;
    });
  } catch (e) { fail("consent-error", e); }
}

function checked(name) { return [...document.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value); }

// The runbook variant; the protocol choice applies to the mailbox permissions only.
function runbookVariant() {
  const v = radio("rb-variant");
  $("rb-protocols").disabled = v !== "mailbox-permission";
  return v;
}

// ---------------------------------------------------------------------------------------------
// Sign in with PKCE

// A preset that implies its tenant (consumers) signs in there: the tenant field follows it.
function signinCloud() {
  const t = impliedTenant($("signin-cloud").value);
  const field = $("signin-tenant");
  if (t !== null) field.value = t;
  else if (field.readOnly) field.value = "organizations";
  field.readOnly = t !== null;
}

function authorityMode() {
  const mode = radio("authority");
  for (const el of document.querySelectorAll("#signin-form .ms")) el.hidden = mode !== "microsoft";
  for (const el of document.querySelectorAll("#signin-form .custom")) el.hidden = mode !== "custom";
  return mode;
}

function onSignIn(ev) {
  ev.preventDefault();
  clearError("signin-error");
  withOnDemand("signin-loading", "signin-error", ({ Pkce, randomState, microsoftAuthorizeUrl, microsoftEndpoints, authorizeUrl, customEndpoints }) => {
    const mode = authorityMode();
    const pkce = Pkce.generate();
    const state = randomState();
    const clientId = $("signin-client").value.trim();
    const redirectUri = $("signin-redirect").value.trim();
    const loginHint = opt($("signin-hint").value);
    let url, tokenUrl, issuer;
    if (mode === "microsoft") {
      const cloud = $("signin-cloud").value;
      const tenant = impliedTenant(cloud) ?? $("signin-tenant").value.trim();
      const protocols = checked("protocol");
      url = microsoftAuthorizeUrl({ tenant, cloud, clientId, redirectUri, protocols, state, loginHint }, pkce);
      tokenUrl = microsoftEndpoints(tenant, cloud).tokenUrl;
    } else {
      const ep = customEndpoints({ authorizeUrl: $("signin-authorize-url").value.trim(), tokenUrl: $("signin-token-url").value.trim() });
      const scopes = $("signin-scopes").value.split(/\s+/).filter(Boolean);
      url = authorizeUrl({ authorizeUrl: ep.authorizeUrl, clientId, redirectUri, scopes, state, codeChallenge: pkce.challenge, loginHint });
      tokenUrl = ep.tokenUrl;
      issuer = opt($("signin-issuer").value);
    }
    // Only what the redirect needs, in this tab's session storage, removed as soon as it is used.
    sessionStorage.setItem(PENDING, JSON.stringify({
      verifier: pkce.verifier, state, tokenUrl, clientId, redirectUri, issuer,
      remember: $("signin-remember").checked,
    }));
    pkce.free();
    location.assign(url);
  });
}

function showTokens(t) {
  tokens = t;
  const now = Math.floor(Date.now() / 1000);
  $("token-type").textContent = t.tokenType;
  $("token-expiry").textContent = t.expiresAt === null ? "unknown"
    : `${new Date(t.expiresAt * 1000).toISOString()} (in ${t.expiresIn(now)} s)`;
  $("token-scope").textContent = t.scope ?? "(not sent)";
  $("token-refresh").textContent = t.refreshToken ? "received (kept in memory)" : "none";
  $("token-access").textContent = t.accessToken;
  show("signin-result", true);
}

// The redirect back: the code is redeemed with the on-demand module. If that cannot load, the
// pending sign-in and the address stay as they are, so a reload finishes it.
async function finishSignIn() {
  const params = new URLSearchParams(location.search || location.hash.slice(1));
  if (!params.has("code") && !params.has("error")) return;
  await withOnDemand("signin-loading", "signin-error", (m) => redeem(m, params), "reload the page to finish the sign-in");
}

async function redeem({ parseAuthorizeRedirect, buildAuthCodeRequest, parseTokenResponse, HttpResponse, explainErrorText }, params) {
  const raw = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  const here = location.href;
  history.replaceState(null, "", location.pathname); // the code never stays in the address bar
  if (!raw) { fail("signin-error", new Error("This page got a sign-in answer it did not ask for (no pending sign-in in this tab).")); return; }
  const p = JSON.parse(raw);
  // The server's answer, for the explainer: the redirect's error parameters or the token
  // endpoint's body.
  let answer = params.has("error") ? JSON.stringify(Object.fromEntries(params)) : null;
  try {
    const code = parseAuthorizeRedirect(here, p.state, p.issuer);
    const req = buildAuthCodeRequest({ tokenUrl: p.tokenUrl, clientId: p.clientId, code: code.code, redirectUri: p.redirectUri, codeVerifier: p.verifier });
    code.free();
    $("status").textContent = "Redeeming the code…";
    let resp;
    try {
      resp = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, credentials: "omit", cache: "no-store" });
    } catch (e) {
      throw new Error(`The token endpoint could not be reached (${e.message}). For Entra, the redirect URI must be of type SPA so the endpoint allows CORS.`);
    }
    const body = new Uint8Array(await resp.arrayBuffer());
    if (!resp.ok) answer = new TextDecoder().decode(body);
    const t = parseTokenResponse(new HttpResponse(resp.status, body, [...resp.headers]), Math.floor(Date.now() / 1000));
    if (p.remember) localStorage.setItem(REMEMBERED, t.toJson());
    $("status").textContent = "Signed in.";
    showTokens(t);
  } catch (e) {
    $("status").textContent = "Sign-in failed.";
    fail("signin-error", e);
    // The Entra catalogue explains the server's answer.
    const x = answer === null ? null : explainErrorText(answer);
    if (x) explainInto(x);
  }
}

// ---------------------------------------------------------------------------------------------
// XOAUTH2 / OAUTHBEARER, lint, explainer

function onSasl(ev) {
  ev.preventDefault();
  clearError("sasl-error");
  show("sasl-result", false);
  try {
    const user = $("sasl-user").value.trim();
    const token = $("sasl-token").value.trim();
    let out;
    if (radio("mechanism") === "XOAUTH2") out = xoauth2(user, token);
    else {
      const port = opt($("sasl-port").value);
      if (port !== undefined && !/^\d{1,5}$/.test(port)) throw new Error("The port must be a number from 1 to 65535.");
      out = oauthbearer(user, token, opt($("sasl-host").value), port === undefined ? undefined : Number(port));
    }
    $("sasl-out").textContent = out;
    $("sasl-copied").textContent = "";
    show("sasl-result", true);
  } catch (e) { fail("sasl-error", e); }
}

function onLint(ev) {
  ev.preventDefault();
  clearError("lint-error");
  show("lint-result", false);
  withOnDemand("lint-loading", "lint-error", ({ guessGrant, lintAccessToken }) => {
    const token = $("lint-token").value.trim();
    const g = $("lint-grant").value;
    const grant = g === "auto" ? guessGrant(token) : g;
    const lint = lintAccessToken(token, { protocol: $("lint-protocol").value, grant, user: opt($("lint-user").value), now: Math.floor(Date.now() / 1000) });
    const login = `${grant === "app" ? "an app-only" : "a delegated"} ${$("lint-protocol").value.toUpperCase()} login`;
    const n = lint.findings.length;
    // Counted per severity, in the order error, warning, note: "2 findings for ... (1 error, 1 note):".
    const counts = SEVERITIES.map((s) => [s, lint.findings.filter((f) => f.severity === s).length])
      .filter(([, k]) => k > 0).map(([s, k]) => `${k} ${s}${k > 1 ? "s" : ""}`).join(", ");
    $("lint-summary").textContent = n === 0 ? `No problem found for ${login}.`
      : `${n} finding${n > 1 ? "s" : ""} for ${login} (${counts}):`;
    const ul = $("lint-findings");
    ul.replaceChildren(...lint.findings.map((f) => {
      const li = document.createElement("li");
      li.dataset.code = f.code;
      li.dataset.severity = f.severity;
      const sev = Object.assign(document.createElement("strong"), { className: `sev sev-${f.severity}`, textContent: f.severity });
      const c = document.createElement("code"); c.textContent = f.code;
      li.append(sev, " ", c, ` ${f.message} `, Object.assign(document.createElement("em"), { textContent: `Fix: ${f.fix}` }));
      return li;
    }));
    $("lint-claims").textContent = lint.claims ? JSON.stringify(lint.claims, null, 2) : "(not a JWT: opaque token)";
    show("lint-result", true);
  });
}

const SEVERITIES = ["error", "warning", "note"];

const REMEDIES = {
  retry: "Retry later.", sign_in_again: "Sign in again.", admin_action: "An administrator must act.",
  fix_configuration: "Fix the app or client configuration.", user_action: "The user must act.",
};

function explainInto(x) {
  $("explain-title").textContent = (x.aadsts ? `AADSTS${x.aadsts}: ` : "") + x.title;
  $("explain-cause").textContent = x.cause;
  $("explain-fix").textContent = x.fix + (x.adminConsentUrl ? ` Admin consent: ${x.adminConsentUrl}` : "");
  $("explain-remedy").textContent = REMEDIES[x.remedy] || x.remedy;
  const ids = [["trace id", x.traceId], ["correlation id", x.correlationId], ["timestamp", x.timestamp]]
    .filter(([, v]) => v).map(([k, v]) => `${k} ${v}`);
  $("explain-ids").textContent = ids.length ? ids.join(" · ") : "(none in the text)";
  show("explain-result", true);
}

function onExplain(ev) {
  ev.preventDefault();
  clearError("explain-error");
  show("explain-result", false);
  withOnDemand("explain-loading", "explain-error", ({ explainErrorText }) => {
    const x = explainErrorText($("explain-text").value);
    if (!x) throw new Error("Nothing recognisable: paste the whole error response, or a text with AADSTSnnnn.");
    explainInto(x);
  });
}

function onReply(ev) {
  ev.preventDefault();
  clearError("explain-error");
  show("reply-result", false);
  withOnDemand("explain-loading", "explain-error", ({ diagnoseReply }) => {
    const d = diagnoseReply($("reply-protocol").value, $("reply-line").value, $("reply-personal").checked);
    if (!d) throw new Error("This reply is not a failure the catalogue knows.");
    $("reply-code").textContent = d.code;
    $("reply-cause").textContent = d.cause;
    $("reply-fix").textContent = d.fix;
    show("reply-result", true);
  });
}

// ---------------------------------------------------------------------------------------------

async function main() {
  await init();
  $("version").textContent = version();
  fillSelects();
  $("signin-redirect").value = location.origin + location.pathname;
  $("consent-form").addEventListener("submit", onConsent);
  $("consent-app").addEventListener("change", () => { $("consent-client").disabled = $("consent-app").value !== "custom"; });
  $("consent-copy").addEventListener("click", () => copy($("consent-url").textContent, "consent-copied"));
  for (const r of document.querySelectorAll('input[name="rb-variant"]')) r.addEventListener("change", runbookVariant);
  runbookVariant();
  for (const r of document.querySelectorAll('input[name="authority"]')) r.addEventListener("change", authorityMode);
  authorityMode();
  $("signin-cloud").addEventListener("change", signinCloud);
  $("signin-form").addEventListener("submit", onSignIn);
  $("token-use").addEventListener("click", () => { if (tokens) { $("sasl-token").value = tokens.accessToken; $("lint-token").value = tokens.accessToken; } });
  $("token-forget").addEventListener("click", () => {
    localStorage.removeItem(REMEMBERED);
    if (tokens) tokens.free();
    tokens = null;
    show("signin-result", false);
  });
  $("sasl-form").addEventListener("submit", onSasl);
  $("sasl-copy").addEventListener("click", () => copy($("sasl-out").textContent, "sasl-copied"));
  $("lint-form").addEventListener("submit", onLint);
  $("explain-form").addEventListener("submit", onExplain);
  $("reply-form").addEventListener("submit", onReply);
  // A visitor who moves into the sign-in or a diagnosis section will likely use it: start loading
  // the module then (a failure here shows when the section is used).
  for (const id of ["signin", "lint", "explain"]) {
    $(id).addEventListener("focusin", () => loadOnDemand().catch(() => {}), { once: true });
  }
  $("status").textContent = "Ready.";
  document.body.dataset.ready = "true";
  // Tokens remembered in this browser: shown once the module that reads them has loaded; ones
  // it cannot read are dropped (a failed load keeps them for the next visit).
  const stored = localStorage.getItem(REMEMBERED);
  if (stored) {
    await withOnDemand("signin-loading", "signin-error", ({ TokenSet }) => {
      let t;
      try { t = TokenSet.fromJson(stored); } catch { localStorage.removeItem(REMEMBERED); return; }
      $("signin-remember").checked = true;
      showTokens(t);
    }, "reload the page");
  }
  await finishSignIn();
  document.body.dataset.signin = "done";
}

main().catch((e) => { $("status").textContent = `The page could not start: ${e.message}`; console.error(e); });
