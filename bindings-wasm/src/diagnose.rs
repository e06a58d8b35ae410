//! The Entra error explainer, the mail-reply diagnosis, the access-token and configuration lints,
//! and the Exchange admin runbook. Items marked `feature = "full"` are not in the page's build.

use crate::convert::{self, options, to_js};
use crate::errors::IntoJsResult;
use mailoauth::cloud::Cloud;
#[cfg(feature = "full")]
use mailoauth::diagnose::config_lint::{self, ConfigInput, Flow};
use mailoauth::diagnose::entra;
use mailoauth::diagnose::reply;
use mailoauth::diagnose::runbook::{self, RunbookInput, RunbookVariant};
use mailoauth::diagnose::token_lint;
#[cfg(feature = "full")]
use mailoauth::Secret;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_DIAGNOSE: &'static str = r#"
/**
 * How an app-only token reaches the mailboxes: `mailbox-permission` (default: Entra application
 * permissions and Exchange mailbox permissions; IMAP, POP, SMTP), `rbac` (SMTP only: App RBAC
 * role Application SMTP.SendAsApp on a management scope) or `hve` (SMTP only: High Volume Email).
 */
export type RunbookVariant = "mailbox-permission" | "rbac" | "hve";
/** The package adds the runbook as one text to the core's record. */
export interface Runbook {
  /** The whole runbook as text: each step's title, explanation and commands. */
  text: string;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// A JS value of the TypeScript type `Explanation`.
    #[wasm_bindgen(typescript_type = "Explanation")]
    pub type ExplanationRecord;
    /// A JS value of the TypeScript type `Explanation | null`.
    #[wasm_bindgen(typescript_type = "Explanation | null")]
    pub type OptionalExplanation;
    /// A JS value of the TypeScript type `Explanation[]`.
    #[wasm_bindgen(typescript_type = "Explanation[]")]
    pub type ExplanationList;
    /// A JS value of the TypeScript type `TokenLint`.
    #[wasm_bindgen(typescript_type = "TokenLint")]
    pub type TokenLintRecord;
    /// A JS value of the TypeScript type `TokenClaims`.
    #[wasm_bindgen(typescript_type = "TokenClaims")]
    pub type TokenClaimsRecord;
    /// A JS value of the TypeScript type `LintAccessTokenOptions`.
    #[wasm_bindgen(typescript_type = "LintAccessTokenOptions")]
    pub type LintAccessTokenOptions;
    /// A JS value of the TypeScript type `LintConfigOptions`.
    #[wasm_bindgen(typescript_type = "LintConfigOptions")]
    pub type LintConfigOptions;
    /// A JS value of the TypeScript type `LintFinding[]`.
    #[wasm_bindgen(typescript_type = "LintFinding[]")]
    pub type LintFindingList;
    /// A JS value of the TypeScript type `RunbookOptions`.
    #[wasm_bindgen(typescript_type = "RunbookOptions")]
    pub type RunbookOptions;
    /// A JS value of the TypeScript type `Runbook`.
    #[wasm_bindgen(typescript_type = "Runbook")]
    pub type RunbookRecord;
    /// A JS value of the TypeScript type `DecodedJwt`.
    #[wasm_bindgen(typescript_type = "DecodedJwt")]
    pub type DecodedJwtRecord;
    /// A JS value of the TypeScript type `Diagnosis | null`.
    #[wasm_bindgen(typescript_type = "Diagnosis | null")]
    pub type OptionalDiagnosis;
    /// A JS value of the TypeScript type `Diagnosis[]`.
    #[wasm_bindgen(typescript_type = "Diagnosis[]")]
    pub type DiagnosisList;
    /// A JS value of the TypeScript type `RunbookVariant[]`.
    #[wasm_bindgen(typescript_type = "RunbookVariant[]")]
    pub type RunbookVariantList;
}

#[cfg(feature = "full")]
/// Explains an AADSTS code from the catalogue, or `null` when it is not in it.
#[wasm_bindgen(js_name = explainAadsts)]
pub fn explain_aadsts(code: u32) -> Result<OptionalExplanation, JsValue> {
    Ok(to_js(&entra::explain_aadsts(code))?.unchecked_into())
}

#[cfg(feature = "full")]
/// Explains a raw token-endpoint error body (JSON with an `error` member); throws
/// `MailoauthError` (`malformed`) for anything else.
#[wasm_bindgen(js_name = explainErrorBody)]
pub fn explain_error_body(body: &str) -> Result<ExplanationRecord, JsValue> {
    Ok(to_js(&entra::explain_error_body(body).js()?)?.unchecked_into())
}

/// Explains whatever was pasted: a JSON error body, a text with `AADSTSnnnn`, or a bare code;
/// `null` when nothing in it is recognised.
#[wasm_bindgen(js_name = explainErrorText)]
pub fn explain_error_text(text: &str) -> Result<OptionalExplanation, JsValue> {
    Ok(to_js(&entra::explain_error_text(text))?.unchecked_into())
}

#[cfg(feature = "full")]
/// Every AADSTS code the catalogue explains.
#[wasm_bindgen(js_name = entraCatalogue)]
pub fn entra_catalogue() -> Result<ExplanationList, JsValue> {
    Ok(to_js(&entra::entra_catalogue())?.unchecked_into())
}

options! {
    /// What the token is for, to lint it against.
    struct LintArgs => LintAccessTokenOptions {
        /// The protocol the token will log in to.
        protocol: String = "protocol" as "Protocol",
        /// `delegated` (a user signed in) or `app` (client credentials).
        grant: String = "grant" as r#""delegated" | "app""#,
        /// The current time (Unix seconds), for `exp`.
        now: u64 = "now",
        /// The mailbox or login name the token will be used for.
        user: Option<String> = "user",
        /// The cloud whose resource the audience must be (default `global`).
        cloud: Option<Cloud> = "cloud",
    }
}

/// Lints an access token for a mail login (docs/protocol.md section 8): `expired`, `wrong_audience`,
/// `missing_scope`, `missing_role`, `smtp_role_absent`, `user_differs`, `opaque_token`, ...,
/// each with its `severity` (`user_differs` is an error for SMTP, where a shared mailbox cannot be
/// the login identity, and a note for IMAP/POP). The signature is NOT verified: this is diagnosis
/// only.
#[wasm_bindgen(js_name = lintAccessToken)]
pub fn lint_access_token(
    token: &str,
    options: LintAccessTokenOptions,
) -> Result<TokenLintRecord, JsValue> {
    let a = LintArgs::read("lintAccessToken", options.into())?;
    let lint = token_lint::lint_access_token(
        token,
        convert::protocol(&a.protocol)?,
        convert::grant(&a.grant)?,
        a.user.as_deref(),
        a.now,
        a.cloud.as_ref(),
    );
    Ok(to_js(&lint)?.unchecked_into())
}

#[cfg(feature = "full")]
/// The claims of a JWT access token, decoded without verification.
#[wasm_bindgen(js_name = tokenClaims)]
pub fn token_claims(token: &str) -> Result<TokenClaimsRecord, JsValue> {
    Ok(to_js(&token_lint::token_claims(token).js()?)?.unchecked_into())
}

/// `"app"` or `"delegated"`: what kind of token this looks like from its claims.
#[wasm_bindgen(js_name = guessGrant)]
pub fn guess_grant(token: &str) -> String {
    token_lint::guess_grant(token).as_str().to_owned()
}

#[cfg(feature = "full")]
/// `{header, payload}` (JSON texts) of a JWT, decoded without verification.
#[wasm_bindgen(js_name = decodeJwtUnverified)]
pub fn decode_jwt_unverified(token: &str) -> Result<DecodedJwtRecord, JsValue> {
    Ok(to_js(&token_lint::decode_jwt_unverified(token).js()?)?.unchecked_into())
}

#[cfg(feature = "full")]
options! {
    /// A client configuration, as the program would use it.
    struct ConfigArgs => LintConfigOptions {
        /// The flow the configuration is for.
        flow: String = "flow" as r#""auth_code" | "device_code" | "client_credentials" | "refresh""#,
        /// The tenant (id, domain, `organizations`, `common`, `consumers`).
        tenant: Option<String> = "tenant",
        /// The application (client) id.
        client_id: Option<String> = "clientId",
        /// The client secret (a secret; only its shape is looked at).
        client_secret: Option<String> = "clientSecret",
        /// The scopes asked for.
        scopes: Vec<String> = "scopes",
        /// The authority URL, when the program takes one instead of a tenant.
        authority: Option<String> = "authority",
        /// Whether the client authenticates with a certificate.
        has_certificate: bool = "hasCertificate",
    }
}

#[cfg(feature = "full")]
/// Lints a client configuration before any request: client id, tenant, authority, secret and
/// scope mistakes, each with its `severity` (client credentials on `organizations`, `common` or
/// `consumers` is the error `tenant_not_allowed_for_client_credentials`).
#[wasm_bindgen(js_name = lintConfig)]
pub fn lint_config(options: LintConfigOptions) -> Result<LintFindingList, JsValue> {
    let a = ConfigArgs::read("lintConfig", options.into())?;
    let mut input = ConfigInput::new(a.flow.parse::<Flow>().js()?);
    input.tenant = a.tenant;
    input.client_id = a.client_id;
    input.client_secret = a.client_secret.map(Secret::new);
    input.scopes = a.scopes;
    input.authority = a.authority;
    input.has_certificate = a.has_certificate;
    Ok(to_js(&config_lint::lint_config(&input))?.unchecked_into())
}

options! {
    /// The app, tenant and mailboxes the runbook is filled in for.
    struct RunbookArgs => RunbookOptions {
        /// The tenant (id or domain).
        tenant: String = "tenant",
        /// The application (client) id.
        client_id: String = "clientId",
        /// The object id of the app's service principal (Enterprise applications), when known.
        service_principal_object_id: Option<String> = "servicePrincipalObjectId",
        /// The app's display name, for the Exchange service principal.
        display_name: Option<String> = "displayName",
        /// The mailboxes to grant access to.
        mailboxes: Vec<String> = "mailboxes",
        /// The protocols the app uses (default: IMAP and POP; SMTP for `rbac` and `hve`).
        protocols: Vec<String> = "protocols" as "Protocol[]",
        /// The cloud (default `global`).
        cloud: Option<Cloud> = "cloud",
        /// Also grant Send As (SMTP as a shared mailbox).
        send_as: bool = "sendAs",
        /// How the app reaches the mailboxes (default `mailbox-permission`).
        variant: Option<String> = "variant" as "RunbookVariant",
    }
}

/// The filled-in Exchange Online runbook for app-only access: admin consent, then the steps of
/// `variant`: `mailbox-permission` (default: `New-ServicePrincipal`, mailbox permissions, checks),
/// `rbac` (SMTP only: `New-ManagementScope`, `New-ManagementRoleAssignment`) or `hve` (SMTP only:
/// `Add-HVEAppAccess`); for `rbac` and `hve` absent `protocols` mean SMTP, and IMAP or POP is an
/// `invalid_input` error. `text` is the numbered plain text.
#[wasm_bindgen(js_name = buildRunbook)]
pub fn build_runbook(options: RunbookOptions) -> Result<RunbookRecord, JsValue> {
    let a = RunbookArgs::read("buildRunbook", options.into())?;
    let input = RunbookInput {
        tenant: a.tenant,
        client_id: a.client_id,
        service_principal_object_id: a.service_principal_object_id,
        display_name: a.display_name,
        mailboxes: a.mailboxes,
        protocols: convert::protocols(&a.protocols)?,
        cloud: a.cloud.unwrap_or_else(Cloud::global),
        send_as: a.send_as,
        variant: a
            .variant
            .as_deref()
            .unwrap_or("")
            .parse::<RunbookVariant>()
            .js()?,
    };
    let rb = runbook::build_runbook(&input).js()?;
    let obj = to_js(&rb)?;
    let _ = js_sys::Reflect::set(
        &obj,
        &JsValue::from_str("text"),
        &JsValue::from_str(&rb.to_text()),
    );
    Ok(obj.unchecked_into())
}

#[cfg(feature = "full")]
/// Quotes a value as a PowerShell single-quoted literal.
#[wasm_bindgen(js_name = quotePowershell)]
pub fn quote_powershell(value: &str) -> String {
    runbook::quote_powershell(value)
}

#[cfg(feature = "full")]
/// The PowerShell line that gives `trustee` Send As on `mailbox` (`Add-RecipientPermission ...
/// -AccessRights SendAs`): a delegate sending as a shared mailbox over SMTP, or an app's service
/// principal. Both values are quoted.
#[wasm_bindgen(js_name = sendAsCommand)]
pub fn send_as_command(mailbox: &str, trustee: &str) -> String {
    runbook::send_as_command(mailbox, trustee)
}

#[cfg(feature = "full")]
/// The runbook variants: `mailbox-permission`, `rbac`, `hve`.
#[wasm_bindgen(js_name = runbookVariants)]
pub fn runbook_variants() -> Result<RunbookVariantList, JsValue> {
    let names: Vec<&str> = RunbookVariant::ALL.iter().map(|v| v.as_str()).collect();
    Ok(to_js(&names)?.unchecked_into())
}

/// The diagnosis of one server reply line (`imap`, `pop`, `smtp`), or `null` when the line is
/// not a failure the catalogue knows. With `personal` true, the fix is the one for a personal
/// Microsoft account (Outlook.com), which speaks to the account owner where a work account's fix
/// needs a tenant administrator.
#[wasm_bindgen(js_name = diagnoseReply)]
pub fn diagnose_reply(
    protocol: &str,
    line: &str,
    personal: Option<bool>,
) -> Result<OptionalDiagnosis, JsValue> {
    let d = reply::diagnose_reply(convert::protocol(protocol)?, line);
    let d = match d {
        Some(d) if personal == Some(true) => reply::personal_account_diagnosis(&d.code),
        d => d,
    };
    Ok(to_js(&d)?.unchecked_into())
}

/// Every diagnosis of the mail-reply catalogue (work-account fixes).
#[cfg(feature = "full")]
#[wasm_bindgen(js_name = replyCatalogue)]
pub fn reply_catalogue() -> Result<DiagnosisList, JsValue> {
    Ok(to_js(&reply::reply_catalogue())?.unchecked_into())
}
