// The one JS Error subclass of mailoauth (imported by the wasm glue, re-exported by the package).
// `.code` is the core's stable snake_case code; the server's details are properties (null when
// absent). Messages never hold a secret.
const DEFAULTS = {
  error: null, errorDescription: null, errorCodes: [], aadsts: null, errorUri: null,
  traceId: null, correlationId: null, timestamp: null, suberror: null, claims: null,
  status: null, retryAfter: null, transient: false, requiresNewSignIn: false, explanation: null,
};

export class MailoauthError extends Error {
  constructor(message, code, details) {
    super(message);
    this.name = "MailoauthError";
    this.code = code || "error";
    Object.assign(this, DEFAULTS, details || {});
  }
}

export function makeMailoauthError(message, code, details) {
  return new MailoauthError(message, code, details);
}
