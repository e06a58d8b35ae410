// Scenario 6 (web page), driven by tests/e2e/test_s6_web.py: serves web-demo/dist on
// 127.0.0.1:$MAILOAUTH_WEB_PORT, opens it in Debian's Chromium (playwright-core), and runs the
// page's PKCE sign-in against the e2e stack's oidc-provider (MAILOAUTH_E2E_AUTHORIZE_URL, …,
// see web-demo/tests/pkce-roundtrip.mjs). The provider's test-only interaction hook completes
// login and consent on its own within one chain of HTTP redirects (no page of the provider is
// ever displayed), so no `interact` callback is needed; every request the browser sends to the
// provider is recorded instead (the interaction hops, the token POST and its CORS origin).
// Writes the page's outputs as JSON to the file named by argv[2] (mode 0600: it holds the
// access token) and prints a one-line summary without secrets.
// The static server and Chromium are stopped (by PID) even on failure. TEST ONLY.
import { writeFile } from "node:fs/promises";
import { openPage, startBrowser, startSite } from "../../../web-demo/tests/harness.mjs";
import { authorityFromEnv, signInWithPkce } from "../../../web-demo/tests/pkce-roundtrip.mjs";

const out = process.argv[2];
if (!out) {
  console.error("usage: node pkce-signin.mjs RESULT.json");
  process.exit(2);
}
const authority = authorityFromEnv();
if (!authority) {
  console.error("pkce-signin: MAILOAUTH_E2E_AUTHORIZE_URL is not set");
  process.exit(2);
}
const loginHint = process.env.MAILOAUTH_E2E_LOGIN_HINT || "";

let site, browser;
let rc = 1;
try {
  site = await startSite();
  browser = await startBrowser();
  const { page, problems } = await openPage(browser.context, site.url);
  // Every request the browser sent to the provider, redirect hops included (no query: the
  // authorization code stays out of the result file).
  const provider = new URL(authority.authorizeUrl).origin;
  // The Origin request header and the CORS answer are those on the wire (allHeaders).
  const requests = [];
  const pending = [];
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (u.origin !== provider) return;
    const entry = { method: r.method(), path: u.pathname, origin: "", status: 0, allowOrigin: "" };
    requests.push(entry);
    pending.push((async () => {
      entry.origin = (await r.allHeaders()).origin || "";
      const resp = await r.response();
      if (resp) {
        entry.status = resp.status();
        entry.allowOrigin = (await resp.allHeaders())["access-control-allow-origin"] || "";
      }
    })().catch((e) => { entry.error = String(e); }));
  });
  const r = await signInWithPkce(page, site.url, authority, { loginHint });
  await Promise.all(pending);
  const result = { siteUrl: site.url, ...r, requests, problems };
  await writeFile(out, JSON.stringify(result, null, 2), { mode: 0o600 });
  console.log(`pkce-signin: ${site.url} signed in: error=${r.error ?? "none"} token shown=${r.tokenVisible} ` +
    `type=${r.tokenType || "-"} scope=${r.scope || "-"} refresh=${r.refresh || "-"}; ${problems.length} page problem(s)`);
  rc = 0;
} catch (e) {
  console.error(`pkce-signin: ${e?.stack || e}`);
} finally {
  await Promise.allSettled([browser?.close(), site?.stop()]);
}
process.exit(rc);
