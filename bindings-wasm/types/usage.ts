// A typed use of the package: `tsc --noEmit` checks the generated mailoauth_wasm.d.ts against it
// (bindings-wasm/run-tests). Never run; it only has to type-check.
import init, {
  MailoauthError, Pkce, TokenSet, HttpResponse, HttpRequest, ImapAuth, SmtpAuth, PopAuth, DevicePoller,
  adminConsentUrl, microsoftAuthorizeUrl, authorizeUrl, parseAuthorizeRedirect, buildAuthCodeRequest,
  parseTokenResponse, xoauth2, oauthbearer, lintAccessToken, explainErrorText, diagnoseReply,
  wellKnownApps, buildRunbook, randomState, microsoftEndpoints, cloud, parseTenant,
  parseDevicePollResponse, parseDeviceAuthorizationResponse, decodeErrorChallenge,
  lintConfig, checkClientCredentials, impliedTenant, sendAsCommand, runbookVariants, cloudPresets,
  wellKnownUrls, parseProviderMetadata, checkDeviceFlow, googleEndpoints, googleScopes, googleMailServer,
  checkGoogleRedirectUri, ProviderMetadata, type ProviderMetadataRecord,
  checkPrivateKey, buildAssertionSigningInput, x5tSha1, type KeyCheck,
  type Explanation, type TokenLint, type WellKnownApp, type Runbook, type MailAction,
  type LintFinding, type Severity, type RunbookVariant, type CloudArg, type Remedy, type CloudObject,
  type Rejection, type ImapAuthOptions,
} from "../../target/wasm-pkg/mailoauth_wasm.js";

export async function typed(): Promise<string> {
  await init();
  const apps: WellKnownApp[] = wellKnownApps();
  const retired: boolean = apps[0].retired;
  const url: string = adminConsentUrl({ tenant: "contoso.com", clientId: apps[0].clientId, cloud: "usgov", variant: "legacy" });
  const rb: Runbook = buildRunbook({ tenant: "contoso.com", clientId: apps[0].clientId, mailboxes: ["a@contoso.com"] });
  const pkce = Pkce.generate();
  const state: string = randomState();
  const ms: string = microsoftAuthorizeUrl({ clientId: "x", redirectUri: "http://localhost/", protocols: ["imap", "smtp"], state }, pkce);
  const other: string = authorizeUrl({ authorizeUrl: "https://a/authorize", clientId: "c", redirectUri: "http://localhost/", scopes: ["openid"], state, codeChallenge: pkce.challenge });
  const tokenUrl: string = microsoftEndpoints("organizations").tokenUrl;
  const code = parseAuthorizeRedirect("http://localhost/?code=c&state=" + state, state, undefined);
  const req: HttpRequest = buildAuthCodeRequest({ tokenUrl, clientId: "c", code: code.code, redirectUri: "http://localhost/", codeVerifier: pkce.verifier });
  const headers: [string, string][] = req.headers;
  const body: Uint8Array = req.body;
  const resp = new HttpResponse(200, body, headers);
  try {
    const t: TokenSet = parseTokenResponse(resp, Math.floor(Date.now() / 1000));
    const exp: number | null = t.expiresAt;
    const rt: string | null = t.refreshToken;
    void [exp, rt];
  } catch (e) {
    if (e instanceof MailoauthError) {
      const c: string = e.code;
      const a: number | null = e.aadsts;
      const x: Explanation | null = e.explanation;
      void [c, a, x];
    }
  }
  const s: string = xoauth2("u@contoso.com", "tok") + oauthbearer("u", "t", "imap.example", 993);
  const lint: TokenLint = lintAccessToken("tok", { protocol: "imap", grant: "delegated", now: 0 });
  const findings: string[] = lint.findings.map((f) => f.code);
  const severities: Severity[] = lint.findings.map((f) => f.severity);
  const config: LintFinding[] = lintConfig({ flow: "client_credentials", tenant: "organizations", clientId: "x" });
  const fatal: boolean = config.some((f) => f.severity === "error");
  const variants: RunbookVariant[] = runbookVariants();
  const rbac: Runbook = buildRunbook({ tenant: "contoso.com", clientId: "x", variant: "rbac", cloud: "hve" });
  const consumers: CloudArg = "consumers";
  const implied: string | null = impliedTenant(consumers);
  const presets: string[] = cloudPresets();
  checkClientCredentials("contoso.onmicrosoft.com");
  const sendAs: string = sendAsCommand("info@contoso.com", "anna@contoso.com");
  const personal = diagnoseReply("smtp", "535 5.7.139 Authentication unsuccessful", true);
  const ex: Explanation | null = explainErrorText("AADSTS50076");
  const d = diagnoseReply("smtp", "535 5.7.3 Authentication unsuccessful");
  const dcode: string | undefined = d?.code;
  const imap = new ImapAuth({ user: "u", token: "t", tag: "A1", capabilities: ["AUTH=XOAUTH2"] });
  const a: MailAction = imap.nextAction();
  const kind: "send" | "need_line" | "done" = a.kind;
  imap.receiveLine("A1 OK done");
  new SmtpAuth({ user: "u", token: "t", ehlo: ["AUTH XOAUTH2"] }).cancel();
  new PopAuth({ user: "u", token: "t", initialResponse: "never" }).free();
  const auth = parseDeviceAuthorizationResponse(new HttpResponse(200, "{}", undefined), 0);
  const poller = new DevicePoller("https://a/token", "c", auth, 0);
  const next = poller.nextAction(1);
  const poll = parseDevicePollResponse(new HttpResponse(400, '{"error":"authorization_pending"}', undefined), 0, 5);
  const challenge = decodeErrorChallenge("e30=");
  const tenantKind: string = parseTenant("contoso.com").kind;
  const host: string = cloud("china").imapHost;
  const wk: string[] = wellKnownUrls("https://accounts.google.com");
  const meta: ProviderMetadata = parseProviderMetadata(new HttpResponse(200, "{}", undefined), "https://a", 0);
  const rec: ProviderMetadataRecord = meta.toJSON();
  const dev: string | null = rec.deviceAuthorizationEndpoint;
  const method: string = meta.chooseClientAuth(true, false);
  const grants: boolean = meta.supportsGrant("refresh_token");
  checkDeviceFlow("google", googleScopes());
  checkGoogleRedirectUri("http://127.0.0.1:8080/");
  const gmail: number = googleMailServer("imap").port;
  const key: KeyCheck = checkPrivateKey("-----BEGIN CERTIFICATE-----", "-----BEGIN PRIVATE KEY-----");
  const keyOk: boolean = key.matchesCertificate && key.keyBits >= 2048 && key.keyFormat === "pkcs8";
  const adfs: string = buildAssertionSigningInput({ clientId: "c", tokenUrl, jti: "j", now: 0, alg: "RS256", includeX5c: false, includeX5t: true }, body).headerJson;
  const sha1: string = x5tSha1(body);
  const gtoken: string = googleEndpoints().tokenUrl;
  // Generated declarations: records from the core's types, options from their readers.
  const remedy: Remedy | undefined = ex?.remedy;
  const hosts: CloudObject = { id: "china", imapHost: "imap.example" };
  const viaObject: string = adminConsentUrl({ tenant: "t", clientId: "x", cloud: hosts });
  const rejected: Rejection | null = a.outcome?.rejection ?? null;
  const fresh: boolean | undefined = rejected?.retryWithFreshToken;
  const imapOptions: ImapAuthOptions = { user: "u", token: "t", tag: "A1", capabilities: [], mechanism: "OAUTHBEARER", port: 993 };
  new ImapAuth(imapOptions).free();
  // @ts-expect-error: a remedy is one of the core's names
  const badRemedy: Remedy = "pray";
  // @ts-expect-error: scopes belong to authorizeUrl; microsoftAuthorizeUrl derives them
  microsoftAuthorizeUrl({ clientId: "x", redirectUri: "http://localhost/", protocols: ["imap"], state, scopes: [] }, pkce);
  // @ts-expect-error: an IMAP exchange needs its tag
  new ImapAuth({ user: "u", token: "t", capabilities: [] });
  // @ts-expect-error: a mechanism is XOAUTH2 or OAUTHBEARER
  new SmtpAuth({ user: "u", token: "t", ehlo: [], mechanism: "PLAIN" });
  // @ts-expect-error: a cloud object's preset is a cloud name
  adminConsentUrl({ tenant: "t", clientId: "x", cloud: { id: 3 } });
  // The declarations are real types, not `any`: each line below must be a type error.
  // @ts-expect-error: a number is not a tenant
  adminConsentUrl({ tenant: 1, clientId: "x" });
  // @ts-expect-error: unknown option
  adminConsentUrl({ tenant: "t", clientId: "x", clientID: "y" });
  // @ts-expect-error: records are typed
  const wrong: number = apps[0].clientId;
  // @ts-expect-error: a protocol name, not any string
  lintAccessToken("tok", { protocol: "http", grant: "app", now: 0 });
  // @ts-expect-error: a runbook variant name, not any string
  buildRunbook({ tenant: "contoso.com", clientId: "x", variant: "graph" });
  // @ts-expect-error: severities are error, warning or note
  const fatalSeverity: Severity = "fatal";
  // @ts-expect-error: a finding's severity is not any string
  const sevCheck: "error" | "warning" = lint.findings[0].severity;
  // @ts-expect-error: personal is a boolean
  diagnoseReply("smtp", "535 5.7.3", "yes");
  // @ts-expect-error: checkClientCredentials returns nothing
  const ccOk: boolean = checkClientCredentials("contoso.com");
  void [fatalSeverity, sevCheck, ccOk, keyOk, badRemedy, remedy, viaObject, fresh];
  void wrong;
  return [retired, url, rb.text, ms, other, s, findings, ex?.title, dcode, kind, next.kind, poll.state, challenge.status, tenantKind, host,
    severities, fatal, variants, rbac.text, implied, presets, sendAs, personal?.fix, wk, dev, method, grants, gmail, gtoken, adfs, sha1].join();
}
