// The PKCE sign-in round trip through the page, against any authority: the local test server of
// page.test.mjs, or a real one (the e2e stack's oidc-provider) given by environment variables:
//   MAILOAUTH_E2E_AUTHORIZE_URL, MAILOAUTH_E2E_TOKEN_URL, MAILOAUTH_E2E_CLIENT_ID,
//   MAILOAUTH_E2E_ISSUER (optional: checks iss), MAILOAUTH_E2E_SCOPES (default "openid offline_access")
// The client must accept the page's address (MAILOAUTH_WEB_PORT fixes the port) as redirect URI
// and allow CORS on the token endpoint. `interact(page)` fills the authority's own login/consent
// pages when it has any.

/** The authority from the environment, or null when MAILOAUTH_E2E_AUTHORIZE_URL is unset. */
export function authorityFromEnv(env = process.env) {
  if (!env.MAILOAUTH_E2E_AUTHORIZE_URL) return null;
  for (const k of ["MAILOAUTH_E2E_TOKEN_URL", "MAILOAUTH_E2E_CLIENT_ID"]) {
    if (!env[k]) throw new Error(`${k} is required with MAILOAUTH_E2E_AUTHORIZE_URL`);
  }
  return {
    authorizeUrl: env.MAILOAUTH_E2E_AUTHORIZE_URL,
    tokenUrl: env.MAILOAUTH_E2E_TOKEN_URL,
    clientId: env.MAILOAUTH_E2E_CLIENT_ID,
    issuer: env.MAILOAUTH_E2E_ISSUER || "",
    scopes: env.MAILOAUTH_E2E_SCOPES || "openid offline_access",
  };
}

/** Fills the sign-in section for the authority `a` (the custom-authority form). */
export async function fillSignIn(page, a, { remember = false, loginHint = "" } = {}) {
  await page.check('input[name="authority"][value="custom"]');
  await page.fill("#signin-authorize-url", a.authorizeUrl);
  await page.fill("#signin-token-url", a.tokenUrl);
  await page.fill("#signin-issuer", a.issuer || "");
  await page.fill("#signin-scopes", a.scopes || "openid offline_access");
  await page.fill("#signin-client", a.clientId);
  await page.fill("#signin-hint", loginHint);
  await page.setChecked("#signin-remember", remember);
}

/**
 * Fills the sign-in section, clicks "Sign in", lets `interact` handle the authority's pages, and
 * waits until the page is back and has handled the redirect. Returns the page's outputs.
 */
export async function signInWithPkce(page, siteUrl, a, { remember = false, loginHint = "", interact } = {}) {
  const site = new URL(siteUrl).origin;
  await fillSignIn(page, a, { remember, loginHint });
  const back = page.waitForURL((u) => u.origin === site && (u.searchParams.has("code") || u.searchParams.has("error")), { timeout: 60_000 });
  if (interact) {
    const away = page.waitForURL((u) => u.origin !== site, { timeout: 30_000 });
    await page.click("#signin-go");
    await away;
    await interact(page);
  } else {
    await page.click("#signin-go");
  }
  await back;
  await page.waitForSelector("body[data-signin=done]", { timeout: 30_000 });
  const text = async (sel) => ((await page.locator(sel).textContent()) || "").trim();
  return {
    url: page.url(),
    error: (await page.locator("#signin-error").isVisible()) ? await text("#signin-error") : null,
    tokenVisible: await page.locator("#signin-result").isVisible(),
    accessToken: await text("#token-access"),
    tokenType: await text("#token-type"),
    expiry: await text("#token-expiry"),
    scope: await text("#token-scope"),
    refresh: await text("#token-refresh"),
    localStorage: await page.evaluate(() => ({ ...localStorage })),
    sessionStorage: await page.evaluate(() => ({ ...sessionStorage })),
  };
}
