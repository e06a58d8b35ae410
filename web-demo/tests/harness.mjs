// Test harness for the page: the static server (web-demo/serve.py), Chromium through
// playwright-core (Debian's /usr/bin/chromium), and a small local OAuth authorization server.
// Every process is started here and stopped by PID, also on failure.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

/** Serves web-demo/dist on 127.0.0.1 (port MAILOAUTH_WEB_PORT, default: any free port). */
export async function startSite() {
  const port = process.env.MAILOAUTH_WEB_PORT || "0";
  const child = spawn("python3", [path.join(root, "web-demo/serve.py"), "--port", port, "--quiet",
    "--dir", path.join(root, "web-demo/dist")], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("the static server did not start in 10 s")), 10_000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/on (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`the static server exited (${code})`)); });
  });
  return { url, stop: () => stopChild(child) };
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    child.once("exit", () => resolve());
    process.kill(child.pid, "SIGTERM");
  });
}

/** Chromium, headless, with a fresh profile directory removed on close. */
export async function startBrowser() {
  const profile = await mkdtemp(path.join(os.tmpdir(), "mailoauth-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => { await context.close(); await rm(profile, { recursive: true, force: true }); },
  };
}

/** A page that records console errors and uncaught exceptions. */
export async function openPage(context, url) {
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]", { timeout: 15_000 });
  return { page, problems };
}

const b64url = (buf) => Buffer.from(buf).toString("base64url");

/**
 * A minimal OAuth 2.0 authorization server on 127.0.0.1 for the PKCE round trip: `/authorize`
 * redirects straight back with `code`, `state` and `iss` (or `error=access_denied` when
 * `login_hint=deny`); `/token` checks the code, client, redirect URI and the S256 verifier, and
 * answers with CORS headers. `log` records what it checked.
 */
export async function startAuthServer({ clientId = "demo-spa" } = {}) {
  const codes = new Map();
  const log = { authorize: [], token: [] };
  let issuer = "";
  const server = http.createServer(async (req, res) => {
    const u = new URL(req.url, issuer);
    const cors = { "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "content-type, accept", "Access-Control-Allow-Methods": "POST" };
    if (u.pathname === "/authorize" && req.method === "GET") {
      const q = u.searchParams;
      log.authorize.push(Object.fromEntries(q));
      const redirect = new URL(q.get("redirect_uri"));
      if (q.get("client_id") !== clientId || q.get("response_type") !== "code" || q.get("code_challenge_method") !== "S256" || !q.get("code_challenge") || !q.get("state")) {
        res.writeHead(400, { "content-type": "text/plain" }).end("bad authorize request");
        return;
      }
      if (q.get("login_hint") === "deny") {
        redirect.searchParams.set("error", "access_denied");
        redirect.searchParams.set("error_description", "AADSTS65004: User declined to consent to access the app.");
      } else {
        const code = b64url(randomBytes(24));
        codes.set(code, { challenge: q.get("code_challenge"), redirectUri: q.get("redirect_uri"), scope: q.get("scope") });
        redirect.searchParams.set("code", code);
        redirect.searchParams.set("iss", issuer);
      }
      redirect.searchParams.set("state", q.get("state"));
      res.writeHead(302, { location: redirect.href }).end();
      return;
    }
    if (u.pathname === "/token" && req.method === "OPTIONS") { res.writeHead(204, cors).end(); return; }
    if (u.pathname === "/token" && req.method === "POST") {
      let body = "";
      for await (const chunk of req) body += chunk;
      const f = new URLSearchParams(body);
      const entry = codes.get(f.get("code"));
      codes.delete(f.get("code"));
      const verifierOk = !!entry && b64url(createHash("sha256").update(f.get("code_verifier") || "").digest()) === entry.challenge;
      const ok = !!entry && verifierOk && f.get("grant_type") === "authorization_code" && f.get("client_id") === clientId && f.get("redirect_uri") === entry.redirectUri;
      const record = { grantType: f.get("grant_type"), verifierOk, ok };
      log.token.push(record);
      if (!ok) {
        res.writeHead(400, { ...cors, "content-type": "application/json" }).end(JSON.stringify({ error: "invalid_grant", error_description: "code, client, redirect URI or PKCE verifier do not match" }));
        return;
      }
      record.accessToken = `at-${b64url(randomBytes(16))}`;
      record.refreshToken = `rt-${b64url(randomBytes(16))}`;
      res.writeHead(200, { ...cors, "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify({
        token_type: "Bearer", access_token: record.accessToken, refresh_token: record.refreshToken, expires_in: 3600, scope: entry.scope,
      }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${server.address().port}`;
  return {
    issuer, clientId, log,
    authorizeUrl: `${issuer}/authorize`,
    tokenUrl: `${issuer}/token`,
    stop: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}
