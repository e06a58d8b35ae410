// oidc-provider as a local stand-in for Entra ID, for the mailoauth end-to-end tests. TEST ONLY.
//
// Configuration comes from the environment (tests/e2e/stack.py sets it):
//   OIDC_PORT            port to listen on (127.0.0.1 only)
//   OIDC_TOKEN_FORMAT    "opaque" (Dovecot introspects) or "jwt" (Dovecot validates locally)
//   OIDC_STATE_DIR       where ready.json (kid, public key PEM) is written once listening
//   OIDC_CLIENT_SECRET   secret of the confidential client "mail-daemon"
//   OIDC_CLIENT_CERT     PEM certificate whose key signs "mail-daemon-cert"'s client assertions
//   OIDC_INTROSPECT_SECRET  secret of "dovecot" (the resource server calling introspection)
//   OIDC_ACCESS_TTL      access token lifetime in seconds (default 3600)
//   OIDC_SHORT_TTL       access token lifetime of the "-short" clients (default 4)
//   OIDC_CORS_ORIGINS    comma-separated origins allowed by CORS (the web page's)
//
// Clients (fixed GUID ids, see CLIENT_IDS below and tests/e2e/README.md):
//   mail-daemon        client credentials, client_secret_post   -> token email = archive@example.test
//   mail-daemon-cert   client credentials, private_key_jwt      -> token email = archive@example.test
//   mail-desktop       public native client: auth code + PKCE S256, refresh, device grant
//   mail-daemon-short, mail-desktop-short   the same two, with OIDC_SHORT_TTL-second access tokens
//   dovecot            introspection caller (client_secret_basic)
//
// Interactions (login, consent) are completed by a test-only hook at /interaction/:uid: it signs
// in the login_hint (default alice@example.test) and grants every requested scope at once, so a
// scripted HTTP client that follows redirects completes a sign-in. A login_hint starting with
// "decline" makes it deny (access_denied).
import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

import Provider from 'oidc-provider';

const env = (name, fallback) => {
  const v = process.env[name];
  if (v === undefined || v === '') {
    if (fallback === undefined) {
      console.error(`oidc: ${name} is not set`);
      process.exit(2);
    }
    return fallback;
  }
  return v;
};

const PORT = Number(env('OIDC_PORT'));
const FORMAT = env('OIDC_TOKEN_FORMAT', 'opaque');
const STATE_DIR = env('OIDC_STATE_DIR');
const ISSUER = `http://127.0.0.1:${PORT}`;
const ACCESS_TTL = Number(env('OIDC_ACCESS_TTL', '3600'));
const SHORT_TTL = Number(env('OIDC_SHORT_TTL', '4'));
const CORS_ORIGINS = new Set(env('OIDC_CORS_ORIGINS', '').split(',').filter(Boolean));

export const OUTLOOK = 'https://outlook.office.com';
// Entra's app-only scope for Exchange is https://outlook.office365.com/.default; both resources
// are Exchange Online, and here both give tokens with aud = https://outlook.office.com.
export const OUTLOOK365 = 'https://outlook.office365.com';
export const GRAPH = 'https://graph.microsoft.com';
const OUTLOOK_SCOPES = [
  'IMAP.AccessAsUser.All', 'POP.AccessAsUser.All', 'SMTP.Send', '.default',
].map((s) => `${OUTLOOK}/${s}`);
const OUTLOOK365_SCOPES = ['.default', 'IMAP.AccessAsApp', 'POP.AccessAsApp'].map((s) => `${OUTLOOK365}/${s}`);
const GRAPH_SCOPES = ['Mail.Read', '.default'].map((s) => `${GRAPH}/${s}`);
const APP_MAILBOX = 'archive@example.test';
const NO_MAIL_SCOPE = 'no-mail-scope@invalid';
const MAIL_SCOPES = new Set([
  ...['IMAP.AccessAsUser.All', 'POP.AccessAsUser.All', 'SMTP.Send'].map((s) => `${OUTLOOK}/${s}`),
  ...['.default', 'IMAP.AccessAsApp', 'POP.AccessAsApp'].map((s) => `${OUTLOOK365}/${s}`),
]);
const DEFAULT_USER = 'alice@example.test';
const TENANT_ID = 'e2e07e2e-0000-4000-8000-00000000e2e0';
// The application permissions an admin granted the daemons (Entra puts them in roles).
const APP_ROLES = ['IMAP.AccessAsApp', 'POP.AccessAsApp', 'SMTP.SendAsApp'];

// The signing key: fresh per start; its public half goes to ready.json for Dovecot.
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = randomUUID();
const signingJwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };

const certJwk = createPublicKey(readFileSync(env('OIDC_CLIENT_CERT'))).export({ format: 'jwk' });

const resourceOf = (scopeString) => {
  const scopes = String(scopeString || '').split(' ');
  if (scopes.some((s) => s.startsWith(`${GRAPH}/`))) return GRAPH;
  if (scopes.some((s) => s.startsWith(`${OUTLOOK365}/`))) return OUTLOOK365;
  return OUTLOOK;
};

// Client ids are GUIDs, as in Entra (the mailoauth CLI insists on one). Names for humans:
export const CLIENT_IDS = {
  daemon: 'e2e0c1d0-0000-4000-8000-000000000001', // mail-daemon: client credentials, secret
  daemonCert: 'e2e0c1d0-0000-4000-8000-000000000002', // mail-daemon-cert: private_key_jwt
  desktop: 'e2e0c1d0-0000-4000-8000-000000000003', // mail-desktop: public native client
  daemonShort: 'e2e0c1d0-0000-4000-8000-000000000004', // mail-daemon-short
  desktopShort: 'e2e0c1d0-0000-4000-8000-000000000005', // mail-desktop-short
};
const SHORT_IDS = new Set([CLIENT_IDS.daemonShort, CLIENT_IDS.desktopShort]);

const baseClients = [
  {
    client_id: CLIENT_IDS.daemon,
    client_name: 'mail-daemon',
    client_secret: env('OIDC_CLIENT_SECRET'),
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_post',
  },
  {
    client_id: CLIENT_IDS.daemonCert,
    client_name: 'mail-daemon-cert',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [{ ...certJwk, use: 'sig' }] },
  },
  {
    client_id: CLIENT_IDS.desktop,
    client_name: 'mail-desktop',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/', 'http://localhost/', ...[...CORS_ORIGINS].map((o) => `${o}/`)],
  },
  {
    client_id: 'dovecot',
    client_secret: env('OIDC_INTROSPECT_SECRET'),
    grant_types: [],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
  },
];

// Clients with free-form ids, as any other OAuth 2.0 server issues them (issue 18): found by
// discovery from the issuer, authenticating with HTTP Basic and with a signed assertion.
const namedClients = [
  { ...baseClients[0], client_id: 'mail-daemon-basic', client_name: 'mail-daemon-basic', token_endpoint_auth_method: 'client_secret_basic' },
  { ...baseClients[1], client_id: 'mail-daemon-jwt', client_name: 'mail-daemon-jwt' },
];

// "-short" twins of the daemon and the desktop client: access tokens that expire in seconds.
const clients = [
  ...baseClients,
  ...namedClients,
  { ...baseClients[0], client_id: CLIENT_IDS.daemonShort, client_name: 'mail-daemon-short' },
  { ...baseClients[2], client_id: CLIENT_IDS.desktopShort, client_name: 'mail-desktop-short' },
];
const ttlFor = (client) => (SHORT_IDS.has(client?.clientId) ? SHORT_TTL : ACCESS_TTL);

const configuration = {
  clients,
  jwks: { keys: [signingJwk] },
  findAccount: async (_ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, email: id, email_verified: true }),
  }),
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  scopes: ['openid', 'offline_access', 'email', 'profile'],
  pkce: { required: () => true },
  ttl: {
    AccessToken: (_ctx, _token, client) => ttlFor(client),
    ClientCredentials: (_ctx, _token, client) => ttlFor(client),
    DeviceCode: 600,
    RefreshToken: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
    Interaction: 600,
    Session: 24 * 3600,
    AuthorizationCode: 60,
  },
  // A refresh token whenever the client may use one (not only after a consent prompt).
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: {
      enabled: true,
      allowedPolicy: async (_ctx, client) => client.clientId === 'dovecot',
    },
    revocation: { enabled: true },
    deviceFlow: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // Microsoft style: no resource parameter; the resource is the prefix of the scopes.
      defaultResource: async (ctx, _client, oneOf) => oneOf || resourceOf(ctx.oidc.params?.scope),
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, indicator, client) => {
        const known = { [OUTLOOK]: OUTLOOK_SCOPES, [OUTLOOK365]: OUTLOOK365_SCOPES, [GRAPH]: GRAPH_SCOPES };
        if (!known[indicator]) {
          throw new Provider.errors.InvalidTarget(`unknown resource ${indicator}`);
        }
        return {
          scope: known[indicator].join(' '),
          audience: indicator === GRAPH ? GRAPH : OUTLOOK,
          accessTokenTTL: ttlFor(client),
          accessTokenFormat: FORMAT === 'jwt' ? 'jwt' : 'opaque',
          ...(FORMAT === 'jwt' ? { jwt: { sign: { alg: 'RS256' } } } : {}),
        };
      },
    },
  },
  // The mailbox a token may open: the user (delegated) or the app's mailbox (app-only).
  // A token that carries no mail scope (IMAP/POP/SMTP, app-only .default) names no real mailbox:
  // Dovecot (which cannot check per-protocol scopes) then refuses it as a user mismatch.
  extraTokenClaims: async (_ctx, token) => {
    const scopes = String(token.scope || '').split(' ');
    const mail = scopes.some((s) => MAIL_SCOPES.has(s));
    if (!mail) return { email: NO_MAIL_SCOPE };
    if (token.kind === 'ClientCredentials') return { email: APP_MAILBOX };
    if (token.accountId) return { email: token.accountId };
    return undefined;
  },
  formats: {
    customizers: {
      // Dovecot 2.3 accepts only typ "JWT" (RFC 9068 says "at+jwt").
      // Entra's claims beside RFC 9068's, so token lint (mailoauth check) reads them as it reads
      // Microsoft's: tid, appid, roles (app-only) or scp + upn (delegated).
      jwt: async (_ctx, token, jwt) => {
        jwt.header = { ...(jwt.header || {}), typ: 'JWT' };
        const p = jwt.payload;
        // Dovecot 2.3 checks `iat` against its event loop's cached time, which can lag up to a
        // second behind the clock: a token used in the second it was issued was then refused as
        // "Token is issued in future" (a flaky re-login in test_s4_faults). Entra backdates `iat`
        // and `nbf` by five minutes for clock skew; backdate by a few seconds here.
        if (typeof p.iat === 'number') p.iat -= 5;
        if (typeof p.nbf === 'number') p.nbf -= 5;
        p.tid = TENANT_ID;
        p.appid = token.clientId;
        p.ver = '1.0';
        const names = String(token.scope || '').split(' ').filter(Boolean).map((s) => s.replace(/^https:\/\/[^/]+\//, ''));
        if (token.kind === 'ClientCredentials') {
          p.idtyp = 'app';
          p.roles = APP_ROLES;
        } else {
          p.scp = names.filter((n) => n !== 'offline_access' && n !== 'openid').join(' ');
          p.upn = token.accountId;
          p.unique_name = token.accountId;
        }
      },
    },
  },
  clientBasedCORS: (_ctx, origin) => CORS_ORIGINS.has(origin),
  enabledJWA: {
    clientAuthSigningAlgValues: ['RS256', 'PS256'],
  },
  renderError: async (ctx, out) => {
    ctx.type = 'json';
    ctx.body = out;
  },
};

const provider = new Provider(ISSUER, configuration);

// Entra issues a refresh token whenever offline_access is asked for; oidc-provider drops
// offline_access unless consent is prompted. Ask for the consent prompt on such requests.
provider.use(async (ctx, next) => {
  if (ctx.path === '/auth' && ctx.method === 'GET') {
    const scope = String(ctx.query.scope || '').split(' ');
    if (scope.includes('offline_access') && !ctx.query.prompt) {
      ctx.query = { ...ctx.query, prompt: 'consent' };
    }
  }
  return next();
});

// Dovecot 2.3 turns an introspection answer without a username ({"active": false}: expired or
// revoked) into a TEMPORARY failure ("No username returned") instead of a refusal. Give inactive
// answers a username that matches no mailbox, so Dovecot refuses the login as a server should.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token/introspection' && ctx.body && ctx.body.active === false) {
    ctx.body = { ...ctx.body, email: 'inactive-token@invalid' };
  }
});

// Test-only interaction hook: login + consent without a person.
provider.use(async (ctx, next) => {
  const m = ctx.path.match(/^\/interaction\/([^/]+)$/);
  if (ctx.method === 'GET' && m) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const { prompt, params, session } = details;
    const hint = String(params.login_hint || '');
    if (hint.startsWith('decline')) {
      await provider.interactionFinished(ctx.req, ctx.res,
        { error: 'access_denied', error_description: 'the user declined (test hook)' },
        { mergeWithLastSubmission: false });
      return undefined;
    }
    const accountId = session?.accountId || hint || DEFAULT_USER;
    let result;
    if (prompt.name === 'login') {
      result = { login: { accountId } };
    } else {
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId, clientId: params.client_id });
      const d = prompt.details || {};
      if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
      if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(d.missingResourceScopes || {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      result = { consent: { grantId: await grant.save() } };
    }
    console.log(`oidc: interaction ${prompt.name} for ${accountId} (client ${params.client_id})`);
    await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
    return undefined;
  }
  return next();
});

// Log every request (the test harness prints these lines when a scenario fails).
provider.use(async (ctx, next) => {
  const started = Date.now();
  await next();
  const extra = ctx.oidc?.client?.clientId ? ` client=${ctx.oidc.client.clientId}` : '';
  console.log(`oidc: ${ctx.method} ${ctx.path} -> ${ctx.status} (${Date.now() - started} ms)${extra}`);
});

for (const event of ['grant.error', 'introspection.error', 'server_error', 'authorization.error',
  'device_authorization.error', 'revocation.error', 'end_session.error', 'interaction.error']) {
  provider.on(event, (_ctx, err) => {
    console.log(`oidc: ${event}: ${err.name} ${err.message} ${err.error_description || ''}`);
  });
}

const server = provider.listen(PORT, '127.0.0.1', () => {
  mkdirSync(STATE_DIR, { recursive: true });
  const ready = {
    issuer: ISSUER,
    kid,
    alg: 'RS256',
    public_key_pem: publicKey.export({ format: 'pem', type: 'spki' }),
    token_format: FORMAT,
    pid: process.pid,
  };
  const tmp = join(STATE_DIR, 'ready.json.tmp');
  writeFileSync(tmp, JSON.stringify(ready, null, 2));
  renameSync(tmp, join(STATE_DIR, 'ready.json'));
  console.log(`oidc: listening on ${ISSUER} (${FORMAT} access tokens)`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
