// Browser tests of the page (web-demo/dist) in Debian's Chromium through playwright-core.
// Expected values are computed here independently of the package where the rule is simple
// (consent URL, XOAUTH2 / OAUTHBEARER strings, lint findings of a hand-made JWT); catalogue
// texts are compared with the same package loaded in Node. Run by bindings-wasm/run-tests.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { openPage, root, startAuthServer, startBrowser, startSite } from "./harness.mjs";
import { authorityFromEnv, fillSignIn, signInWithPkce } from "./pkce-roundtrip.mjs";

const { loadPackage } = await import(path.join(root, "bindings-wasm/node/load.mjs"));
const pkg = await loadPackage();

let site, browser, auth;
const pages = [];

before(async () => {
  site = await startSite();
  browser = await startBrowser();
  auth = await startAuthServer();
});

after(async () => {
  // Stop everything even if one stop fails.
  await Promise.allSettled([browser?.close(), site?.stop(), auth?.stop()]);
});

async function fresh() {
  const p = await openPage(browser.context, site.url);
  pages.push(p);
  return p;
}

// Submits a form and waits until no section is busy: the diagnosis sections (and the consent
// runbook, and the sign-in) load the on-demand module on first use.
async function submit(page, form) {
  await page.click(`${form} button[type=submit]`);
  await page.waitForFunction(() => !document.querySelector("[aria-busy]"));
}
const text = async (page, sel) => ((await page.locator(sel).textContent()) || "").trim();
const b64 = (s) => Buffer.from(s, "utf8").toString("base64");
const b64url = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const jwt = (claims) => `${b64url({ alg: "RS256", typ: "JWT" })}.${b64url(claims)}.c2lnbmF0dXJl`;

function sameUrl(got, want) {
  const parts = (u) => { const x = new URL(u); return [x.origin, x.pathname, [...x.searchParams].map(([k, v]) => `${k}=${v}`).sort()]; };
  assert.deepEqual(parts(got), parts(want));
}

describe("web page", () => {
  test("admin consent: exact URL, legacy form, runbook, retired-id warning", async () => {
    const { page, problems } = await fresh();
    const tenant = "contoso.onmicrosoft.com";
    const clientId = "9e5f94bc-e8a4-4e73-b8be-63364c29d753";
    await page.fill("#consent-tenant", tenant);
    await page.selectOption("#consent-app", "custom");
    await page.fill("#consent-client", clientId.toUpperCase());
    await page.selectOption("#consent-cloud", "usgov");
    await page.check('input[name="variant"][value="legacy"]');
    await page.fill("#consent-redirect", "https://localhost/done");
    await page.fill("#consent-state", "s-1");
    await page.fill("#consent-mailboxes", "archive@contoso.com");
    await submit(page, "#consent-form");
    const url = await text(page, "#consent-url");
    // docs/protocol.md: legacy form on the cloud's login host, client id lower-cased.
    sameUrl(url, `https://login.microsoftonline.us/${tenant}/oauth2/authorize?client_id=${clientId}&response_type=code&redirect_uri=${encodeURIComponent("https://localhost/done")}&state=s-1&prompt=admin_consent`);
    assert.equal(await page.locator("#consent-link").getAttribute("href"), url);
    assert.equal(await page.locator("#consent-warning").isVisible(), false);
    const runbook = await text(page, "#runbook");
    assert.match(runbook, /New-ServicePrincipal/);
    assert.ok(runbook.includes(clientId) && runbook.includes("archive@contoso.com") && runbook.includes(tenant), "the runbook is filled in");

    // The v2 form with a retired well-known app: the warning names the replacement.
    const retired = pkg.wellKnownApps().find((a) => a.retired);
    const successor = pkg.lookupApp(retired.replacedBy);
    await page.selectOption("#consent-app", retired.clientId);
    await page.selectOption("#consent-cloud", "global");
    await page.check('input[name="variant"][value="v2"]');
    await page.fill("#consent-redirect", "");
    await page.fill("#consent-state", "");
    await submit(page, "#consent-form");
    sameUrl(await text(page, "#consent-url"), `https://login.microsoftonline.com/${tenant}/v2.0/adminconsent?client_id=${retired.clientId}&scope=${encodeURIComponent("https://ps.outlook.com/.default")}`);
    const warning = await text(page, "#consent-warning");
    assert.ok(warning.includes(retired.clientId) && warning.includes(successor.clientId), warning);

    // A bad tenant is refused with the core's code, and no stale link stays on screen.
    await page.fill("#consent-tenant", "not a tenant!");
    await submit(page, "#consent-form");
    assert.match(await text(page, "#consent-error"), /\(invalid_tenant\)$/);
    assert.equal(await page.locator("#consent-result").isVisible(), false);
    assert.deepEqual(problems, []);
  });

  test("XOAUTH2 and OAUTHBEARER strings", async () => {
    const { page, problems } = await fresh();
    const user = "shared.mailbox@contoso.com";
    const token = "eyJ0eXAiOiJKV1Qi.test-token_value";
    await page.fill("#sasl-user", user);
    await page.fill("#sasl-token", token);
    await page.click("#sasl-form button[type=submit]");
    assert.equal(await text(page, "#sasl-out"), b64(`user=${user}\x01auth=Bearer ${token}\x01\x01`));
    await page.check('input[name="mechanism"][value="OAUTHBEARER"]');
    await page.fill("#sasl-host", "outlook.office365.com");
    await page.fill("#sasl-port", "993");
    await page.click("#sasl-form button[type=submit]");
    assert.equal(await text(page, "#sasl-out"), b64(`n,a=${user},\x01host=outlook.office365.com\x01port=993\x01auth=Bearer ${token}\x01\x01`));
    await page.fill("#sasl-token", "two\nlines");
    await page.click("#sasl-form button[type=submit]");
    assert.match(await text(page, "#sasl-error"), /\(invalid_input\)$/);
    // The shared-mailbox rule: IMAP/POP user= the shared mailbox; SMTP user= the delegate, Send As.
    const hint = page.locator("#sasl-shared-hint");
    assert.ok(await hint.isVisible(), "shared-mailbox hint");
    const rule = (await hint.textContent()).replace(/\s+/g, " ");
    for (const part of ["over IMAP and POP, put the shared mailbox's address here",
      "Over SMTP a shared mailbox cannot sign in: put the signed-in user's (the delegate's) own address here",
      "put the shared address in MAIL FROM and From:",
      "Add-RecipientPermission -Identity <shared> -Trustee <delegate> -AccessRights SendAs"]) {
      assert.ok(rule.includes(part), `${part} | ${rule}`);
    }
    assert.deepEqual(problems, []);
  });

  test("access-token lint: findings of a hand-made token", async () => {
    const { page, problems } = await fresh();
    const now = Math.floor(Date.now() / 1000);
    // Graph audience, no IMAP scope, expired, for another user: four findings.
    const bad = jwt({ aud: "https://graph.microsoft.com", scp: "Mail.Read", exp: now - 600, iat: now - 4200, upn: "alice@contoso.com", tid: "11111111-2222-3333-4444-555555555555" });
    await page.fill("#lint-token", bad);
    await page.selectOption("#lint-protocol", "imap");
    await page.selectOption("#lint-grant", "delegated");
    await page.fill("#lint-user", "bob@contoso.com");
    await submit(page, "#lint-form");
    const codes = await page.locator("#lint-findings li").evaluateAll((lis) => lis.map((li) => li.dataset.code).sort());
    assert.deepEqual(codes, ["expired", "missing_scope", "user_differs", "wrong_audience"]);
    // Each finding shows its severity; another user than the token's is only a note for IMAP.
    const shown = await page.locator("#lint-findings li").evaluateAll((lis) => Object.fromEntries(lis.map((li) => [li.dataset.code, li.querySelector(".sev").textContent])));
    assert.deepEqual(shown, { expired: "error", missing_scope: "error", user_differs: "note", wrong_audience: "error" });
    assert.equal(await text(page, "#lint-summary"), "4 findings for a delegated IMAP login (3 errors, 1 note):");
    // The right token for the same login: no finding.
    const good = jwt({ aud: "https://outlook.office.com", scp: "IMAP.AccessAsUser.All offline_access", exp: now + 3000, iat: now - 600, upn: "bob@contoso.com", tid: "11111111-2222-3333-4444-555555555555" });
    await page.fill("#lint-token", good);
    await page.selectOption("#lint-grant", "auto");
    await submit(page, "#lint-form");
    assert.equal(await page.locator("#lint-findings li").count(), 0);
    assert.match(await text(page, "#lint-summary"), /^No problem found for a delegated IMAP login\.$/);
    assert.deepEqual(problems, []);
  });

  test("explainer: Entra error and mail-server reply", async () => {
    const { page, problems } = await fresh();
    const body = JSON.stringify({ error: "invalid_grant", error_description: "AADSTS50173: The provided grant has expired due to it being revoked.", error_codes: [50173], trace_id: "trace-1", correlation_id: "corr-2", timestamp: "2026-01-01 00:00:00Z" });
    await page.fill("#explain-text", body);
    await submit(page, "#explain-form");
    const x = pkg.explainErrorText(body);
    assert.equal(x.aadsts, 50173);
    assert.equal(await text(page, "#explain-title"), `AADSTS50173: ${x.title}`);
    assert.equal(await text(page, "#explain-cause"), x.cause);
    assert.equal(await text(page, "#explain-ids"), "trace id trace-1 · correlation id corr-2 · timestamp 2026-01-01 00:00:00Z");
    const line = "535 5.7.3 Authentication unsuccessful [SN4PR0601CA0002.namprd06.prod.outlook.com]";
    await page.selectOption("#reply-protocol", "smtp");
    await page.fill("#reply-line", line);
    await submit(page, "#reply-form");
    const d = pkg.diagnoseReply("smtp", line);
    assert.ok(d, "the catalogue knows this reply");
    assert.equal(await text(page, "#reply-code"), d.code);
    assert.equal(await text(page, "#reply-fix"), d.fix);
    assert.deepEqual(problems, []);
  });

  test("explainer: the 2026 reply codes, personal-account fixes, new Entra codes", async () => {
    const { page, problems } = await fresh();
    const reply = async (protocol, line, personal = false) => {
      await page.selectOption("#reply-protocol", protocol);
      await page.fill("#reply-line", line);
      await page.setChecked("#reply-personal", personal);
      await submit(page, "#reply-form");
      return { code: await text(page, "#reply-code"), cause: await text(page, "#reply-cause"), fix: await text(page, "#reply-fix") };
    };
    const lines = [
      ["smtp", "550 5.7.60 SMTP; Client does not have permissions to send as this sender", "send_as_denied"],
      ["smtp", "530 5.7.57 Client not authenticated to send mail. [MN2PR01CA0001.prod.exchangelabs.com]", "not_authenticated"],
      ["smtp", "501 5.5.124 Invalid XOAUTH2 auth data - User address provided is not valid", "hve_user_invalid"],
      ["smtp", "550 5.5.105 External sending is not supported", "hve_external_recipient"],
      ["imap", "A1 NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.", "tls_required"],
      ["smtp", "430 4.2.0 STOREDRV; mailbox logon failure; MapiExceptionLogonFailed", "mailbox_logon_failed"],
    ];
    for (const [protocol, line, code] of lines) {
      const got = await reply(protocol, line);
      assert.equal(got.code, code, line);
      assert.equal(got.fix, pkg.diagnoseReply(protocol, line).fix);
    }
    // SMTP AUTH off for the mailbox: a work account's fix is for the admin, a personal account's for its owner.
    const off = "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.";
    const work = await reply("smtp", off);
    const personal = await reply("smtp", off, true);
    assert.equal(work.code, "smtp_auth_disabled");
    assert.equal(personal.code, "smtp_auth_disabled");
    assert.ok(work.fix.includes("Set-CasMailbox"), work.fix);
    assert.ok(personal.fix.includes("Personal Microsoft account"), personal.fix);
    assert.equal(personal.fix, pkg.diagnoseReply("smtp", off, true).fix);
    assert.equal(personal.cause, work.cause);
    // A refusal the catalogue does not know is said so.
    await reply("smtp", "550 5.7.1 Something this catalogue has never seen");
    assert.equal(await text(page, "#explain-error"), "This reply is not a failure the catalogue knows.");
    assert.equal(await page.locator("#reply-result").isVisible(), false);
    // New Entra codes; an entry not confirmed by Microsoft's documentation says so in its cause.
    for (const code of [7000229, 9002331, 500200, 53001, 53002, 530003, 650052]) {
      await page.fill("#explain-text", `AADSTS${code}: text.`);
      await submit(page, "#explain-form");
      const x = pkg.explainAadsts(code);
      assert.equal(await text(page, "#explain-title"), `AADSTS${code}: ${x.title}`);
      assert.equal(await text(page, "#explain-cause"), x.cause);
    }
    await page.fill("#explain-text", "AADSTS50020: User account from identity provider does not exist in tenant.");
    await submit(page, "#explain-form");
    assert.match(await text(page, "#explain-cause"), /\(Not confirmed by Microsoft's documentation: .+\.\)$/);
    assert.deepEqual(problems, []);
  });

  test("admin consent: clouds offered, runbook variants mailbox-permission, App RBAC and HVE", async () => {
    const { page, problems } = await fresh();
    // Personal accounts have no admin and no app-only access: consumers is offered for sign-in only.
    const values = (sel) => page.locator(`${sel} option`).evaluateAll((os) => os.map((o) => o.value));
    assert.deepEqual(await values("#consent-cloud"), ["global", "usgov", "usgov-dod", "china", "hve"]);
    assert.deepEqual(await values("#signin-cloud"), ["global", "usgov", "usgov-dod", "china", "consumers", "hve"]);
    const tenant = "contoso.onmicrosoft.com";
    const clientId = "9e5f94bc-e8a4-4e73-b8be-63364c29d753";
    const objectId = "99999999-8888-7777-6666-555555555555";
    await page.fill("#consent-tenant", tenant);
    await page.selectOption("#consent-app", "custom");
    await page.fill("#consent-client", clientId);
    await page.fill("#consent-mailboxes", "info@contoso.com, o'brien@contoso.com");
    await page.fill("#consent-object-id", objectId);
    const runbook = async (variant) => {
      await page.check(`input[name="rb-variant"][value="${variant}"]`);
      await submit(page, "#consent-form");
      assert.equal(await page.locator("#consent-error").isVisible(), false, await text(page, "#consent-error"));
      return page.locator("#runbook").textContent();
    };
    const lines = (t) => t.split("\n").map((l) => l.trim());
    const mailboxes = ["info@contoso.com", "o'brien@contoso.com"];
    const base = { tenant, clientId, cloud: "global", mailboxes, servicePrincipalObjectId: objectId };

    // App RBAC: a management scope of the two mailboxes and the SMTP role; no mailbox permission.
    const rbac = await runbook("rbac");
    const protocolsOff = () => page.locator('input[name="rb-protocol"]').evaluateAll((is) => is.map((i) => i.matches(":disabled")));
    assert.deepEqual(await protocolsOff(), [true, true, true], "protocols are SMTP only for App RBAC");
    assert.equal(rbac, pkg.buildRunbook({ ...base, variant: "rbac" }).text);
    const scope = `SMTP send as for ${clientId}`;
    assert.ok(lines(rbac).includes(`New-ManagementScope -Name '${scope}' -RecipientRestrictionFilter 'PrimarySmtpAddress -eq ''info@contoso.com'' -or PrimarySmtpAddress -eq ''o''''brien@contoso.com'''`), rbac);
    assert.ok(lines(rbac).includes(`New-ManagementRoleAssignment -App '${clientId}' -Role 'Application SMTP.SendAsApp' -CustomResourceScope '${scope}'`), rbac);
    assert.ok(lines(rbac).includes(`Test-ServicePrincipalAuthorization -Identity '${objectId}' -Resource 'info@contoso.com'`), rbac);
    assert.ok(!rbac.includes("Add-MailboxPermission") && !rbac.includes("Add-RecipientPermission"), rbac);

    // High Volume Email: Add-HVEAppAccess per account, no service principal.
    const hve = await runbook("hve");
    assert.equal(hve, pkg.buildRunbook({ ...base, variant: "hve" }).text);
    assert.ok(lines(hve).includes(`Add-HVEAppAccess -Identity 'info@contoso.com' -AppIds '${clientId}'`), hve);
    assert.ok(!hve.includes("New-ServicePrincipal"), hve);

    // Mailbox permissions with SMTP: FullAccess, Send As for the service principal, SMTP AUTH on.
    await page.check('input[name="rb-variant"][value="mailbox-permission"]');
    assert.deepEqual(await protocolsOff(), [false, false, false]);
    await page.uncheck('input[name="rb-protocol"][value="pop"]');
    await page.check('input[name="rb-protocol"][value="smtp"]');
    const mp = await runbook("mailbox-permission");
    assert.equal(mp, pkg.buildRunbook({ ...base, protocols: ["imap", "smtp"] }).text);
    assert.ok(lines(mp).includes(`Add-MailboxPermission -Identity 'info@contoso.com' -User '${objectId}' -AccessRights FullAccess`), mp);
    assert.ok(lines(mp).includes(`Add-RecipientPermission -Identity 'info@contoso.com' -Trustee '${objectId}' -AccessRights SendAs -Confirm:$false`), mp);
    assert.ok(lines(mp).includes("Set-CASMailbox -Identity 'info@contoso.com' -SmtpClientAuthenticationDisabled $false"), mp);
    assert.ok(!mp.includes("New-ManagementRoleAssignment"), mp);

    // The page says why App RBAC and HVE are SMTP only.
    const hint = (await text(page, "#rb-variant-hint")).replace(/\s+/g, " ");
    assert.ok(hint.includes("authorise an app for SMTP only: IMAP and POP always need the mailbox permissions"), hint);
    assert.deepEqual(problems, []);
  });

  test("access-token lint: SMTP shared mailbox is an error, App RBAC/HVE token a warning", async () => {
    const { page, problems } = await fresh();
    const now = Math.floor(Date.now() / 1000);
    const tid = "11111111-2222-3333-4444-555555555555";
    const finding = async () => page.locator("#lint-findings li").evaluateAll((lis) => lis.map((li) => [li.dataset.code, li.dataset.severity, li.querySelector(".sev").textContent]));
    // The delegate's token, with the shared mailbox as the SMTP login: fatal, and the fix gives Send As.
    await page.fill("#lint-token", jwt({ aud: "https://outlook.office.com", scp: "SMTP.Send", exp: now + 3000, upn: "anna@contoso.com", tid }));
    await page.selectOption("#lint-protocol", "smtp");
    await page.selectOption("#lint-grant", "auto");
    await page.fill("#lint-user", "info@contoso.com");
    await submit(page, "#lint-form");
    assert.deepEqual(await finding(), [["user_differs", "error", "error"]]);
    assert.equal(await text(page, "#lint-summary"), "1 finding for a delegated SMTP login (1 error):");
    assert.ok(await page.locator("#lint-findings .sev").first().isVisible(), "the severity is visible");
    assert.match(await text(page, "#lint-findings li em"), /-AccessRights SendAs/);
    // The same login over IMAP: user= the shared mailbox is how it is done, a note.
    await page.fill("#lint-token", jwt({ aud: "https://outlook.office.com", scp: "IMAP.AccessAsUser.All", exp: now + 3000, upn: "anna@contoso.com", tid }));
    await page.selectOption("#lint-protocol", "imap");
    await submit(page, "#lint-form");
    assert.deepEqual(await finding(), [["user_differs", "note", "note"]]);
    assert.equal(await text(page, "#lint-summary"), "1 finding for a delegated IMAP login (1 note):");
    // An app-only SMTP token without SMTP.SendAsApp (App RBAC: no role at all; HVE: Mail.Send):
    // a warning, not an error, whose fix names the role assignment or the HVE access.
    const app = (roles) => jwt({ aud: "https://outlook.office365.com", roles, appid: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", exp: now + 3000, tid });
    await page.fill("#lint-token", app([]));
    await page.selectOption("#lint-protocol", "smtp");
    await page.selectOption("#lint-grant", "app");
    await page.fill("#lint-user", "");
    await submit(page, "#lint-form");
    assert.deepEqual(await finding(), [["smtp_role_absent", "warning", "warning"]]);
    assert.equal(await text(page, "#lint-summary"), "1 finding for an app-only SMTP login (1 warning):");
    assert.match(await text(page, "#lint-findings li em"), /New-ManagementRoleAssignment/);
    await page.fill("#lint-token", app(["Mail.Send"]));
    await page.selectOption("#lint-grant", "auto");
    await submit(page, "#lint-form");
    assert.deepEqual(await finding(), [["smtp_role_absent", "warning", "warning"]]);
    assert.match(await text(page, "#lint-findings li em"), /Add-HVEAppAccess/);
    assert.deepEqual(problems, []);
  });

  test("Microsoft sign-in with the consumers preset: tenant consumers, global Outlook scopes (intercepted)", async () => {
    const { page, problems } = await fresh();
    const clientId = "9e5f94bc-e8a4-4e73-b8be-63364c29d753";
    let sent = null;
    await page.route("https://login.microsoftonline.com/**", (route) => {
      sent = new URL(route.request().url());
      route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>authority</title>" });
    });
    await page.selectOption("#signin-cloud", "consumers");
    assert.equal(await page.inputValue("#signin-tenant"), "consumers");
    assert.equal(await page.locator("#signin-tenant").getAttribute("readonly"), "");
    // Back to a work cloud: the tenant field is editable again, with the default.
    await page.selectOption("#signin-cloud", "global");
    assert.equal(await page.inputValue("#signin-tenant"), "organizations");
    assert.equal(await page.locator("#signin-tenant").getAttribute("readonly"), null);
    await page.selectOption("#signin-cloud", "consumers");
    await page.fill("#signin-client", clientId);
    await Promise.all([page.waitForURL((u) => u.hostname === "login.microsoftonline.com"), page.click("#signin-go")]);
    assert.equal(`${sent.origin}${sent.pathname}`, "https://login.microsoftonline.com/consumers/oauth2/v2.0/authorize");
    assert.deepEqual(sent.searchParams.get("scope").split(" ").sort(), ["https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send", "offline_access"]);
    assert.deepEqual(problems, []);
  });

  test("PKCE sign-in round trip against the authority", async () => {
    const { page, problems } = await fresh();
    const external = authorityFromEnv();
    const a = external || { authorizeUrl: auth.authorizeUrl, tokenUrl: auth.tokenUrl, clientId: auth.clientId, issuer: auth.issuer, scopes: "openid offline_access" };
    const r = await signInWithPkce(page, site.url, a);
    assert.equal(r.error, null, `sign-in failed: ${r.error}`);
    assert.ok(r.tokenVisible);
    assert.equal(r.tokenType, "Bearer");
    assert.match(r.expiry, /^\d{4}-\d\d-\d\dT.*\(in \d+ s\)$/);
    assert.equal(new URL(r.url).search, "", "the code does not stay in the address bar");
    assert.deepEqual(r.localStorage, {}, "tokens are not stored unless asked");
    assert.deepEqual(r.sessionStorage, {}, "the PKCE verifier is dropped after use");
    if (!external) {
      const sent = auth.log.authorize.at(-1);
      assert.equal(sent.code_challenge_method, "S256");
      assert.equal(sent.redirect_uri, site.url);
      const redeemed = auth.log.token.at(-1);
      assert.equal(redeemed.verifierOk, true, "the token endpoint verified the PKCE verifier");
      assert.equal(r.accessToken, redeemed.accessToken);
      assert.equal(r.scope, "openid offline_access");
      assert.equal(r.refresh, "received (kept in memory)");
      // "Remember" stores the token set, a reload shows it, "Forget" removes it.
      const r2 = await signInWithPkce(page, site.url, a, { remember: true });
      assert.equal(r2.error, null);
      assert.equal(JSON.parse(r2.localStorage["mailoauth.tokens"]).access_token, auth.log.token.at(-1).accessToken);
      await page.reload();
      await page.waitForSelector("body[data-signin=done]");
      assert.equal(await text(page, "#token-access"), auth.log.token.at(-1).accessToken);
      await page.click("#token-forget");
      assert.deepEqual(await page.evaluate(() => ({ ...localStorage })), {});
      // A refusal at the authority is shown with the server's error, nothing is redeemed.
      const before = auth.log.token.length;
      const r3 = await signInWithPkce(page, site.url, a, { loginHint: "deny" });
      assert.match(r3.error, /access_denied/);
      assert.equal(auth.log.token.length, before);
      assert.equal(await text(page, "#explain-title"), `AADSTS65004: ${pkg.explainAadsts(65004).title}`);
    }
    assert.deepEqual(problems, []);
  });

  test("Microsoft sign-in: the authorize request the page sends (intercepted, no network)", async () => {
    const { page, problems } = await fresh();
    const clientId = "9e5f94bc-e8a4-4e73-b8be-63364c29d753";
    let sent = null;
    await page.route("https://login.microsoftonline.us/**", (route) => {
      sent = new URL(route.request().url());
      route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>authority</title>" });
    });
    await page.fill("#signin-tenant", "contoso.onmicrosoft.com");
    await page.selectOption("#signin-cloud", "usgov");
    await page.uncheck('input[name="protocol"][value="smtp"]');
    await page.check('input[name="protocol"][value="pop"]');
    await page.fill("#signin-client", clientId.toUpperCase());
    await page.fill("#signin-hint", "alice@contoso.com");
    await Promise.all([page.waitForURL((u) => u.hostname === "login.microsoftonline.us"), page.click("#signin-go")]);
    assert.ok(sent, "the page navigated to the authority");
    assert.equal(`${sent.origin}${sent.pathname}`, "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/authorize");
    const q = Object.fromEntries(sent.searchParams);
    assert.equal(q.client_id, clientId);
    assert.equal(q.response_type, "code");
    assert.equal(q.redirect_uri, site.url);
    assert.deepEqual(q.scope.split(" ").sort(), ["https://outlook.office365.us/IMAP.AccessAsUser.All", "https://outlook.office365.us/POP.AccessAsUser.All", "offline_access"]);
    assert.equal(q.code_challenge_method, "S256");
    assert.match(q.code_challenge, /^[A-Za-z0-9_-]{43}$/);
    assert.match(q.state, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(q.login_hint, "alice@contoso.com");
    assert.deepEqual(problems, []);
  });

  test("first load: only the first module; the on-demand module on first use, then offline", async () => {
    const page = await browser.context.newPage();
    pages.push({ page });
    const problems = [];
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
    const fetched = [];
    page.on("request", (r) => fetched.push(new URL(r.url()).pathname));
    await page.goto(site.url);
    await page.waitForSelector("body[data-ready=true]", { timeout: 15_000 });
    const own = (paths) => paths.filter((p) => !p.startsWith("/pkg/snippets/") && p !== "/favicon.ico").sort();
    assert.deepEqual(own(fetched), ["/", "/app.js", "/pkg/mailoauth_wasm.js", "/pkg/mailoauth_wasm_bg.wasm", "/style.css"]);
    assert.ok(fetched.some((p) => p.startsWith("/pkg/snippets/") && p.endsWith("/errors.js")), fetched.join(" "));
    // The top of the page works without the on-demand module.
    await page.fill("#sasl-user", "user@contoso.com");
    await page.fill("#sasl-token", "token");
    await page.click("#sasl-form button[type=submit]");
    assert.equal(await text(page, "#sasl-out"), b64("user=user@contoso.com\x01auth=Bearer token\x01\x01"));
    assert.ok(!fetched.some((p) => p.includes("_ondemand")), "the on-demand module is not fetched before it is used");
    // The consent link comes at once; its runbook, from the on-demand module, after it loads.
    await page.fill("#consent-tenant", "contoso.onmicrosoft.com");
    await page.selectOption("#consent-app", "custom");
    await page.fill("#consent-client", "9e5f94bc-e8a4-4e73-b8be-63364c29d753");
    await submit(page, "#consent-form");
    assert.equal(await page.locator("#consent-error").isVisible(), false, await text(page, "#consent-error"));
    assert.match(await text(page, "#consent-url"), /^https:\/\/login\.microsoftonline\.com\/contoso\.onmicrosoft\.com\//);
    assert.match(await text(page, "#runbook"), /New-ServicePrincipal/);
    assert.equal(await page.locator("#runbook-loading").isVisible(), false);
    assert.deepEqual(fetched.filter((p) => p.includes("_ondemand")), ["/pkg/mailoauth_wasm_ondemand.wasm"], "the on-demand module, once");
    // Offline from here: every diagnosis section still works, nothing more is fetched.
    const before = fetched.length;
    await browser.context.setOffline(true);
    try {
      const now = Math.floor(Date.now() / 1000);
      await page.fill("#lint-token", jwt({ aud: "https://graph.microsoft.com", scp: "Mail.Read", exp: now + 3000, upn: "a@contoso.com" }));
      await page.selectOption("#lint-grant", "delegated");
      await submit(page, "#lint-form");
      assert.ok((await page.locator("#lint-findings li").evaluateAll((lis) => lis.map((li) => li.dataset.code))).includes("wrong_audience"));
      await page.fill("#explain-text", "AADSTS7000215: Invalid client secret provided.");
      await submit(page, "#explain-form");
      assert.equal(await text(page, "#explain-title"), `AADSTS7000215: ${pkg.explainAadsts(7000215).title}`);
      await page.selectOption("#reply-protocol", "imap");
      await page.fill("#reply-line", "A1 NO AUTHENTICATE failed.");
      await submit(page, "#reply-form");
      assert.equal(await text(page, "#reply-code"), pkg.diagnoseReply("imap", "A1 NO AUTHENTICATE failed.").code);
      await submit(page, "#consent-form");
      assert.match(await text(page, "#runbook"), /New-ServicePrincipal/);
    } finally {
      await browser.context.setOffline(false);
    }
    assert.equal(fetched.length, before, `fetched offline: ${fetched.slice(before).join(" ")}`);
    assert.equal(await page.locator("#lint-error").isVisible(), false);
    assert.equal(await page.locator("#explain-error").isVisible(), false);
    assert.deepEqual(problems, []);
  });

  test("on-demand module: a loading state, a clear error when it cannot load, and a retry", async () => {
    const { page, problems } = await fresh();
    const diag = /\/pkg\/mailoauth_wasm_ondemand\.wasm$/;
    // First: the module cannot be fetched.
    await page.route(diag, (route) => route.abort("internetdisconnected"));
    await page.fill("#explain-text", "AADSTS50011");
    await submit(page, "#explain-form");
    assert.match(await text(page, "#explain-error"), /^The sign-in and diagnosis module could not be loaded \(.+\)\. Check the connection and try again\.$/);
    assert.equal(await page.locator("#explain-result").isVisible(), false);
    assert.equal(await page.locator("#explain-loading").isVisible(), false);
    // Then it comes, slowly: "Loading" is shown meanwhile, and the same button now works.
    await page.unroute(diag);
    let release;
    const held = new Promise((r) => { release = r; });
    await page.route(diag, async (route) => { await held; await route.continue(); });
    await page.click("#explain-form button[type=submit]");
    await page.waitForSelector("#explain-loading", { state: "visible" });
    assert.equal(await text(page, "#explain-loading"), "Loading the sign-in and diagnosis module…");
    assert.equal(await page.locator("#explain").getAttribute("aria-busy"), "true");
    release();
    await page.waitForFunction(() => !document.querySelector("[aria-busy]"));
    assert.equal(await page.locator("#explain-error").isVisible(), false);
    assert.equal(await text(page, "#explain-title"), `AADSTS50011: ${pkg.explainAadsts(50011).title}`);
    assert.equal(await page.locator("#explain-loading").isVisible(), false);
    // The failed load left no console error of the page's own (the abort itself is logged).
    assert.deepEqual(problems.filter((p) => !/Failed to (fetch|load)|ERR_INTERNET_DISCONNECTED/.test(p)), []);
  });

  test("on-demand functions before loadOnDemand(): a clear error, not a crash", async () => {
    const { page } = await fresh();
    const got = await page.evaluate(async () => {
      const m = await import("./pkg/mailoauth_wasm.js");
      const message = (f) => { try { f(); return "no error"; } catch (e) { return String(e && e.message); } };
      return [message(() => m.guessGrant("token")), message(() => m.Pkce.generate())];
    });
    for (const g of got) assert.match(g, /^mailoauth: this function is in the on-demand module: await loadOnDemand\(\) first$/);
    // Loaded, the same functions work.
    const [grant, verifier] = await page.evaluate(async () => {
      const m = await import("./pkg/mailoauth_wasm.js");
      const d = await m.loadOnDemand();
      return [d.guessGrant("opaque-token"), m.Pkce.generate().verifier];
    });
    assert.equal(grant, pkg.guessGrant("opaque-token"));
    assert.match(verifier, /^[A-Za-z0-9_~.-]{43,128}$/);
  });

  test("sign-in: the on-demand module blocked, at the start and on the way back; nothing is lost", async () => {
    const { page, problems } = await fresh();
    const module = /\/pkg\/mailoauth_wasm_ondemand\.wasm$/;
    const a = { authorizeUrl: auth.authorizeUrl, tokenUrl: auth.tokenUrl, clientId: auth.clientId, issuer: auth.issuer, scopes: "openid offline_access" };
    // At the start: a clear error, no navigation, no pending sign-in.
    await page.route(module, (route) => route.abort("internetdisconnected"));
    await fillSignIn(page, a);
    await submit(page, "#signin-form");
    assert.match(await text(page, "#signin-error"), /^The sign-in and diagnosis module could not be loaded \(.+\)\. Check the connection and try again\.$/);
    assert.equal(new URL(page.url()).origin, new URL(site.url).origin);
    assert.deepEqual(await page.evaluate(() => ({ ...sessionStorage })), {});
    // The module loads for the start, and is blocked when the browser comes back with the code
    // (routing disables the HTTP cache, so the page asks for it again).
    await page.unroute(module);
    let served = 0;
    await page.route(module, (route) => (served++ === 0 ? route.continue() : route.abort("internetdisconnected")));
    const tokensBefore = auth.log.token.length;
    const r = await signInWithPkce(page, site.url, a);
    assert.match(r.error, /^The sign-in and diagnosis module could not be loaded \(.+\)\. Check the connection and reload the page to finish the sign-in\.$/);
    assert.equal(served, 2);
    assert.ok(new URL(r.url).searchParams.has("code"), "the code stays in the address bar for the reload");
    assert.ok(r.sessionStorage["mailoauth.pending-signin"], "the pending sign-in is kept");
    assert.equal(auth.log.token.length, tokensBefore, "nothing was redeemed");
    // A reload with the module back finishes the sign-in.
    await page.unroute(module);
    await page.reload();
    await page.waitForSelector("body[data-signin=done]", { timeout: 30_000 });
    assert.equal(await page.locator("#signin-error").isVisible(), false, await text(page, "#signin-error"));
    assert.equal(await text(page, "#token-access"), auth.log.token.at(-1).accessToken);
    assert.equal(new URL(page.url()).search, "");
    assert.deepEqual(await page.evaluate(() => ({ ...sessionStorage })), {});
    assert.deepEqual(problems.filter((p) => !/Failed to (fetch|load)|ERR_INTERNET_DISCONNECTED/.test(p)), []);
  });

  test("accessibility, phone width, privacy statement, offline assets; screenshot", async () => {
    const { page, problems } = await fresh();
    assert.match(await text(page, "#privacy"), /Nothing you type leaves the page, except the sign-in requests sent to the authority/);
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll("input, select, textarea")]
      .filter((el) => el.type !== "hidden" && el.labels.length === 0 && !el.closest("label") && !el.getAttribute("aria-label"))
      .map((el) => el.id || el.name));
    assert.deepEqual(unlabelled, []);
    await page.focus("#consent-tenant");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.id), "consent-app");
    const external = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name).filter((n) => !n.startsWith(location.origin)));
    assert.deepEqual(external, [], "the page loads nothing from elsewhere");
    await page.setViewportSize({ width: 375, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `horizontal overflow of ${overflow}px at phone width`);
    await page.setViewportSize({ width: 1280, height: 900 });
    // Fill two sections so the screenshot shows results.
    await page.fill("#consent-tenant", "contoso.onmicrosoft.com");
    await page.selectOption("#consent-app", pkg.wellKnownApps().find((a) => a.retired).clientId);
    await submit(page, "#consent-form");
    await page.fill("#sasl-user", "user@contoso.com");
    await page.fill("#sasl-token", "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.example.signature");
    await page.click("#sasl-form button[type=submit]");
    assert.ok(await page.locator("#consent-result").isVisible() && await page.locator("#sasl-result").isVisible());
    await mkdir(path.join(root, "target"), { recursive: true });
    const shot = path.join(root, "target/web-demo.png");
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot}`);
    assert.deepEqual(problems.filter((p) => !p.includes("invalid_tenant")), []);
  });
});
