//! The Exchange Online admin runbook for app-only (client credentials) mail access, filled in
//! (docs/protocol.md section 10; Microsoft's "Authenticate an IMAP, POP or SMTP connection using
//! OAuth", section "Register service principals in Exchange"; ExchangeOnlineManagement cmdlet
//! reference for `Connect-ExchangeOnline`, `New-ServicePrincipal`, `Add-MailboxPermission`,
//! `Add-RecipientPermission`, `Set-CASMailbox`).
//!
//! [`build_runbook`] turns a tenant, an app, its enterprise application's object id and the
//! mailboxes into numbered steps: the admin-consent URL, connecting to Exchange Online PowerShell,
//! `New-ServicePrincipal`, the mailbox permissions, checks, and SMTP AUTH when sending.
//!
//! Every value is put into PowerShell as a single-quoted literal by [`quote_powershell`]: no
//! variable expansion, no escapes, and every quote character PowerShell recognises (`'` and the
//! typographic U+2018, U+2019, U+201A, U+201B) doubled, so no input can end the literal early.

use crate::cloud::{is_guid, validate_client_id, Cloud, CloudId, Protocol, Tenant, HVE_SMTP_HOST};
use crate::consent::{admin_consent_scope, build_admin_consent_url, AdminConsentRequest};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// The placeholder used when the enterprise application's object id is not known.
pub const OBJECT_ID_PLACEHOLDER: &str = "<enterprise-app-object-id>";
/// The placeholder used when no mailbox is given.
pub const MAILBOX_PLACEHOLDER: &str = "<mailbox@contoso.com>";

/// What the runbook is built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunbookInput {
    /// The tenant id (GUID) or a verified domain (`contoso.onmicrosoft.com`).
    pub tenant: String,
    /// The application (client) id.
    pub client_id: String,
    /// The object id of the app's ENTERPRISE APPLICATION (service principal) in the tenant, not
    /// the app registration's object id. `None` prints a placeholder and how to find it.
    pub service_principal_object_id: Option<String>,
    /// A display name for the service principal in Exchange, optional.
    pub display_name: Option<String>,
    /// The mailboxes the app may open (primary SMTP addresses).
    pub mailboxes: Vec<String>,
    /// The protocols the app uses (empty: IMAP and POP).
    pub protocols: Vec<Protocol>,
    /// The cloud.
    pub cloud: Cloud,
    /// Whether the app sends as the mailboxes (adds `Add-RecipientPermission ... SendAs`; implied
    /// by SMTP).
    pub send_as: bool,
    /// Which authorisation to set up (default: the mailbox permissions).
    #[serde(default)]
    pub variant: RunbookVariant,
}

/// The three ways an app-only token may reach a mailbox (docs/protocol.md section 12).
///
/// IMAP and POP know only [`RunbookVariant::MailboxPermission`]; SMTP may use any of the three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "kebab-case")]
pub enum RunbookVariant {
    /// `mailbox-permission`: Entra application permissions (`IMAP.AccessAsApp`,
    /// `POP.AccessAsApp`, `SMTP.SendAsApp`) with admin consent, `New-ServicePrincipal`, then
    /// `Add-MailboxPermission` (and `Add-RecipientPermission ... SendAs` to send).
    #[default]
    MailboxPermission,
    /// `rbac`: SMTP only, through Exchange's Role Based Access Control for applications: NO Entra
    /// permission on the app, `New-ServicePrincipal`, `New-ManagementScope`,
    /// `New-ManagementRoleAssignment -Role 'Application SMTP.SendAsApp'`.
    Rbac,
    /// `hve`: SMTP only, High Volume Email: the Entra permission `Mail.Send`, `Add-HVEAppAccess`
    /// for the HVE accounts, host `smtp.hve.mx.microsoft`, internal recipients only.
    Hve,
}

impl RunbookVariant {
    /// All variants.
    pub const ALL: [RunbookVariant; 3] = [
        RunbookVariant::MailboxPermission,
        RunbookVariant::Rbac,
        RunbookVariant::Hve,
    ];

    /// `mailbox-permission`, `rbac` or `hve`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunbookVariant::MailboxPermission => "mailbox-permission",
            RunbookVariant::Rbac => "rbac",
            RunbookVariant::Hve => "hve",
        }
    }
}

impl std::str::FromStr for RunbookVariant {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "mailbox-permission" | "mailbox-permissions" | "mailbox" | "" => {
                Ok(RunbookVariant::MailboxPermission)
            }
            "rbac" | "app-rbac" => Ok(RunbookVariant::Rbac),
            "hve" | "high-volume-email" => Ok(RunbookVariant::Hve),
            _ => Err(Error::invalid_input(format!(
                "unknown runbook variant {s} (expected mailbox-permission, rbac or hve)",
                s = crate::error::quoted(s)
            ))),
        }
    }
}

/// One numbered step.
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(name = "RunbookStep", module = "mailoauth", frozen, get_all, eq)
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(rename_all = "camelCase")
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RunbookStep {
    /// The step's title.
    pub title: String,
    /// Why and what to watch for.
    pub explanation: String,
    /// The URL or PowerShell lines to run, in order.
    pub commands: Vec<String>,
}

/// The filled-in runbook.
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(name = "Runbook", module = "mailoauth", frozen, get_all)
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(rename_all = "camelCase")
)]
pub struct Runbook {
    /// The steps, in order.
    pub steps: Vec<RunbookStep>,
    /// The admin-consent URL of step 1.
    pub consent_url: String,
}

impl Runbook {
    /// The runbook as numbered plain text (commands indented by seven spaces, ready to copy).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (i, step) in self.steps.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&format!("{}. {}\n", i + 1, step.title));
            out.push_str(&format!("   {}\n", step.explanation));
            if !step.commands.is_empty() {
                out.push('\n');
                for c in &step.commands {
                    out.push_str(&format!("       {c}\n"));
                }
            }
        }
        out
    }
}

/// Quotes a value as a PowerShell single-quoted string literal: `'…'` with every single-quote
/// character doubled, including the typographic ones PowerShell also accepts as quotes
/// (U+2018, U+2019, U+201A, U+201B). Inside such a literal nothing is expanded or escaped.
///
/// ```
/// use mailoauth::diagnose::runbook::quote_powershell;
/// assert_eq!(quote_powershell("o'brien@contoso.com"), "'o''brien@contoso.com'");
/// assert_eq!(quote_powershell("a\u{2019}b"), "'a\u{2019}\u{2019}b'");
/// assert_eq!(quote_powershell("$x `n"), "'$x `n'");
/// ```
pub fn quote_powershell(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if is_ps_single_quote(c) {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// Whether PowerShell treats a character as a single quote.
fn is_ps_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

/// The `-ExchangeEnvironmentName` of `Connect-ExchangeOnline` for a cloud (`None` for worldwide).
pub fn exchange_environment_name(cloud: CloudId) -> Option<&'static str> {
    match cloud {
        CloudId::Global | CloudId::Consumers | CloudId::Hve => None,
        CloudId::UsGov => Some("O365USGovGCCHigh"),
        CloudId::UsGovDod => Some("O365USGovDoD"),
        CloudId::China => Some("O365China"),
    }
}

/// The PowerShell line that gives `trustee` Send As on `mailbox` (a delegate sending as a shared
/// mailbox over SMTP, or an app's service principal), both quoted with [`quote_powershell`].
///
/// ```
/// use mailoauth::diagnose::runbook::send_as_command;
/// assert_eq!(
///     send_as_command("info@contoso.com", "anna@contoso.com"),
///     "Add-RecipientPermission -Identity 'info@contoso.com' -Trustee 'anna@contoso.com' -AccessRights SendAs -Confirm:$false"
/// );
/// ```
pub fn send_as_command(mailbox: &str, trustee: &str) -> String {
    format!(
        "Add-RecipientPermission -Identity {} -Trustee {} -AccessRights SendAs -Confirm:$false",
        quote_powershell(mailbox),
        quote_powershell(trustee)
    )
}

/// Refuses values that would break a command line: control characters (CR, LF, NUL, ...) and
/// the Unicode line and paragraph separators.
fn check_line_safe(what: &str, value: &str) -> Result<()> {
    if value
        .chars()
        .any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}')
    {
        return Err(Error::InvalidInput(format!(
            "{what} {value} contains a line break or control character",
            value = crate::error::quoted(value)
        )));
    }
    Ok(())
}

/// Builds the runbook. Errors: [`Error::InvalidTenant`] (not a GUID or domain: the keywords
/// `organizations`, `common` and `consumers` name no tenant), [`Error::InvalidClientId`],
/// [`Error::InvalidInput`] (an object id that is not a GUID or equals the client id, a mailbox or
/// display name with a line break or control character, an empty mailbox).
pub fn build_runbook(input: &RunbookInput) -> Result<Runbook> {
    let tenant = Tenant::parse(&input.tenant)?;
    if !tenant.is_specific() {
        return Err(Error::InvalidTenant(format!(
            "the runbook needs the tenant id or a verified domain (such as contoso.onmicrosoft.com), not {}",
            tenant.as_str()
        )));
    }
    let client_id = validate_client_id(&input.client_id)?;
    let object_id = match input
        .service_principal_object_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(id) if !is_guid(id) => {
            return Err(Error::InvalidInput(format!(
                "service principal object id {id} is not a GUID: copy 'Object ID' from Entra admin center > Enterprise applications > the app > Overview",
                id = crate::error::quoted(id)
            )))
        }
        Some(id) if id.eq_ignore_ascii_case(&client_id) => {
            return Err(Error::InvalidInput(
                "the service principal object id equals the client id: New-ServicePrincipal needs the enterprise application's Object ID, a different GUID (Entra admin center > Enterprise applications > the app > Overview > Object ID)".to_owned(),
            ))
        }
        Some(id) => Some(id.to_ascii_lowercase()),
    };
    let display_name = match input
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(n) => {
            check_line_safe("display name", n)?;
            Some(n.to_owned())
        }
        None => None,
    };
    let mut mailboxes: Vec<String> = Vec::new();
    for m in &input.mailboxes {
        check_line_safe("mailbox", m)?;
        let m = m.trim();
        if m.is_empty() {
            return Err(Error::InvalidInput("a mailbox is empty".to_owned()));
        }
        if !mailboxes.iter().any(|x| x.eq_ignore_ascii_case(m)) {
            mailboxes.push(m.to_owned());
        }
    }
    let variant = input.variant;
    if input.cloud.id.is_personal() {
        return Err(Error::invalid_input(
            "personal Microsoft accounts (consumers) have no app-only access and no admin runbook: the account owner signs in with a delegated flow",
        ));
    }
    let protocols: Vec<Protocol> = match (input.protocols.is_empty(), variant) {
        (true, RunbookVariant::MailboxPermission) => vec![Protocol::Imap, Protocol::Pop],
        (true, _) => vec![Protocol::Smtp],
        (false, _) => input.protocols.clone(),
    };
    if variant != RunbookVariant::MailboxPermission
        && protocols.iter().any(|p| *p != Protocol::Smtp)
    {
        return Err(Error::invalid_input(format!(
            "the {} runbook is for SMTP only: App RBAC and High Volume Email do not cover IMAP or POP, which need the mailbox-permission runbook",
            variant.as_str()
        )));
    }
    let smtp = protocols.contains(&Protocol::Smtp);
    let send_as = smtp || input.send_as;

    let consent_url = build_admin_consent_url(&AdminConsentRequest {
        cloud: input.cloud.clone(),
        tenant: tenant.as_str().to_owned(),
        client_id: client_id.clone(),
        redirect_uri: None,
        scope: Some(admin_consent_scope(&input.cloud, &protocols)),
        state: None,
        variant: crate::consent::ConsentVariant::V2,
    })?;

    let q = quote_powershell;
    let boxes: Vec<&str> = if mailboxes.is_empty() {
        vec![MAILBOX_PLACEHOLDER]
    } else {
        mailboxes.iter().map(String::as_str).collect()
    };
    let roles: Vec<&str> = protocols.iter().map(|p| p.app_permission()).collect();
    let mut steps = Vec::new();

    let consent_explanation = match variant {
        RunbookVariant::MailboxPermission => format!(
            "An administrator of {tenant} opens this URL, signs in and accepts. It grants the application permissions the app registration lists under API permissions (add them there first: Add a permission > APIs my organization uses > Office 365 Exchange Online > Application permissions > {}). Alternatively: Entra admin center > App registrations > the app > API permissions > Grant admin consent. Since 31 March 2026 Entra blocks apps without a service principal in the tenant (AADSTS7000229); consent creates it.",
            roles.join(", ")
        ),
        RunbookVariant::Rbac => format!(
            "With App RBAC the app holds NO Entra permission for mail: remove SMTP.SendAsApp from the app registration's API permissions if it is there (with it, Exchange checks mailbox permissions instead of the role). An administrator of {tenant} still opens this URL once when the app is registered in another tenant: consent creates the app's enterprise application (service principal) in {tenant}, which Entra requires since 31 March 2026 (AADSTS7000229)."
        ),
        RunbookVariant::Hve => format!(
            "Add the application permission Mail.Send of 'Office 365 Exchange Online' to the app registration (API permissions > Add a permission > APIs my organization uses > Office 365 Exchange Online > Application permissions), then an administrator of {tenant} opens this URL, signs in and accepts (or: API permissions > Grant admin consent)."
        ),
    };
    steps.push(RunbookStep {
        title: "Grant admin consent".to_owned(),
        explanation: consent_explanation,
        commands: vec![consent_url.clone()],
    });

    let mut connect = format!(
        "Connect-ExchangeOnline -Organization {}",
        q(tenant.as_str())
    );
    if let Some(env) = exchange_environment_name(input.cloud.id) {
        connect.push_str(&format!(" -ExchangeEnvironmentName {env}"));
    }
    steps.push(RunbookStep {
        title: "Connect to Exchange Online PowerShell".to_owned(),
        explanation: "Run as an Exchange administrator of the tenant, in PowerShell 7 or Windows PowerShell 5.1. -Organization takes the tenant's primary domain (contoso.onmicrosoft.com); if it refuses a tenant id, use that domain or leave -Organization out and sign in with an admin account of the tenant.".to_owned(),
        commands: vec![
            "Install-Module -Name ExchangeOnlineManagement -Scope CurrentUser".to_owned(),
            "Import-Module ExchangeOnlineManagement".to_owned(),
            connect,
        ],
    });

    match variant {
        RunbookVariant::MailboxPermission => {
            mailbox_permission_steps(
                &mut steps,
                &client_id,
                object_id.as_deref(),
                display_name.as_deref(),
                &mailboxes,
                &boxes,
                send_as,
            );
        }
        RunbookVariant::Rbac => {
            rbac_steps(
                &mut steps,
                &client_id,
                object_id.as_deref(),
                display_name.as_deref(),
                &mailboxes,
                &boxes,
            );
        }
        RunbookVariant::Hve => {
            let mut access = Vec::new();
            for m in &boxes {
                access.push(format!(
                    "Add-HVEAppAccess -Identity {} -AppIds {}",
                    q(m),
                    q(&client_id)
                ));
            }
            let mut explanation = format!(
                "Lets the app send as each High Volume Email account (up to ten apps per account; the change takes a few minutes). Log in to {HVE_SMTP_HOST} port 587 (STARTTLS) with AUTH XOAUTH2, user= the HVE account's address and an app-only token for {}; HVE delivers to recipients inside the organisation only (external ones get 550 5.5.105). A user= that is not an HVE account the app was given gets 501 5.5.124.",
                input.cloud.app_only_scope()
            );
            if mailboxes.is_empty() {
                explanation.push_str(&format!(
                    " Replace {MAILBOX_PLACEHOLDER} with each HVE account's address."
                ));
            }
            steps.push(RunbookStep {
                title: "Give the app access to the HVE accounts".to_owned(),
                explanation,
                commands: access,
            });
        }
    }

    if smtp && variant != RunbookVariant::Hve {
        steps.push(RunbookStep {
            title: "Allow SMTP AUTH for the mailboxes".to_owned(),
            explanation: "SMTP AUTH is off by default; without it the server answers 535 5.7.139. The tenant-wide switch is shown by Get-TransportConfig | Format-List SmtpClientAuthenticationDisabled. Security defaults block SMTP AUTH entirely: use Conditional Access instead.".to_owned(),
            commands: boxes
                .iter()
                .map(|m| {
                    format!(
                        "Set-CASMailbox -Identity {} -SmtpClientAuthenticationDisabled $false",
                        q(m)
                    )
                })
                .collect(),
        });
    }

    Ok(Runbook { steps, consent_url })
}

/// The service principal step: `New-ServicePrincipal` with the enterprise application's object id.
fn service_principal_step(
    client_id: &str,
    object_id: Option<&str>,
    display_name: Option<&str>,
) -> RunbookStep {
    let q = quote_powershell;
    let sp = object_id.unwrap_or(OBJECT_ID_PLACEHOLDER);
    let mut new_sp = format!(
        "New-ServicePrincipal -AppId {} -ObjectId {}",
        q(client_id),
        q(sp)
    );
    if let Some(n) = display_name {
        new_sp.push_str(&format!(" -DisplayName {}", q(n)));
    }
    let mut explanation = "-ObjectId is the object id of the ENTERPRISE APPLICATION (service principal) of the app in this tenant, NOT the object id shown on the app registration: with the wrong one every login fails (IMAP \"NO AUTHENTICATE failed\", SMTP 535 5.7.3).".to_owned();
    if object_id.is_none() {
        explanation.push_str(&format!(
            " Replace {OBJECT_ID_PLACEHOLDER} with it: Entra admin center > Enterprise applications > the app > Overview > Object ID, or in PowerShell (module Microsoft.Graph.Applications, after Connect-MgGraph -Scopes 'Application.Read.All'): (Get-MgServicePrincipal -Filter \"appId eq '{client_id}'\").Id"
        ));
    }
    RunbookStep {
        title: "Register the app's service principal in Exchange".to_owned(),
        explanation,
        commands: vec![new_sp],
    }
}

/// The mailbox-permission steps: service principal, FullAccess (and SendAs), checks.
fn mailbox_permission_steps(
    steps: &mut Vec<RunbookStep>,
    client_id: &str,
    object_id: Option<&str>,
    display_name: Option<&str>,
    mailboxes: &[String],
    boxes: &[&str],
    send_as: bool,
) {
    let q = quote_powershell;
    let sp = object_id.unwrap_or(OBJECT_ID_PLACEHOLDER);
    steps.push(service_principal_step(client_id, object_id, display_name));
    let mut perms = Vec::new();
    for m in boxes {
        perms.push(format!(
            "Add-MailboxPermission -Identity {} -User {} -AccessRights FullAccess",
            q(m),
            q(sp)
        ));
        if send_as {
            perms.push(send_as_command(m, sp));
        }
    }
    let mut explanation = "FullAccess lets the app open the mailbox (IMAP/POP, and the login of SMTP). The XOAUTH2 user= of each login is the mailbox's primary address.".to_owned();
    if send_as {
        explanation.push_str(" SendAs lets it send as the mailbox.");
    }
    if mailboxes.is_empty() {
        explanation.push_str(&format!(
            " Replace {MAILBOX_PLACEHOLDER} with each mailbox, one pair of lines per mailbox."
        ));
    }
    steps.push(RunbookStep {
        title: "Give the app access to the mailboxes".to_owned(),
        explanation,
        commands: perms,
    });

    let mut checks = vec![format!(
        "Get-ServicePrincipal | Where-Object AppId -eq {} | Format-List DisplayName,AppId,ObjectId",
        q(client_id)
    )];
    for m in boxes {
        checks.push(format!(
            "Get-MailboxPermission -Identity {} -User {}",
            q(m),
            q(sp)
        ));
        if send_as {
            checks.push(format!(
                "Get-RecipientPermission -Identity {} -Trustee {}",
                q(m),
                q(sp)
            ));
        }
        checks.push(format!(
            "Get-CASMailbox -Identity {} | Format-List ImapEnabled,PopEnabled,SmtpClientAuthenticationDisabled",
            q(m)
        ));
    }
    steps.push(RunbookStep {
        title: "Check".to_owned(),
        explanation: "The service principal must show the app id and the enterprise application's object id; each mailbox must list it with FullAccess, and have the protocol enabled. Changes can take several minutes to reach every server.".to_owned(),
        commands: checks,
    });
}

/// The OPATH filter of a management scope holding exactly these mailboxes
/// (`PrimarySmtpAddress -eq 'a@contoso.com' -or ...`), each value quoted for OPATH.
fn recipient_filter(boxes: &[&str]) -> String {
    boxes
        .iter()
        .map(|m| format!("PrimarySmtpAddress -eq '{}'", m.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(" -or ")
}

/// The App RBAC steps for SMTP: service principal, management scope, role assignment, check.
fn rbac_steps(
    steps: &mut Vec<RunbookStep>,
    client_id: &str,
    object_id: Option<&str>,
    display_name: Option<&str>,
    mailboxes: &[String],
    boxes: &[&str],
) {
    let q = quote_powershell;
    let sp = object_id.unwrap_or(OBJECT_ID_PLACEHOLDER);
    steps.push(service_principal_step(client_id, object_id, display_name));
    let scope_name = format!("SMTP send as for {client_id}");
    let mut explanation = "The management scope names the mailboxes the app may send as; the role assignment gives the app the role Application SMTP.SendAsApp on that scope only. No FullAccess and no SendAs permission are needed.".to_owned();
    if mailboxes.is_empty() {
        explanation.push_str(&format!(
            " Replace {MAILBOX_PLACEHOLDER} with the mailboxes (or use another recipient filter, such as a department)."
        ));
    }
    steps.push(RunbookStep {
        title: "Give the app the SMTP role on the mailboxes".to_owned(),
        explanation,
        commands: vec![
            format!(
                "New-ManagementScope -Name {} -RecipientRestrictionFilter {}",
                q(&scope_name),
                q(&recipient_filter(boxes))
            ),
            format!(
                "New-ManagementRoleAssignment -App {} -Role 'Application SMTP.SendAsApp' -CustomResourceScope {}",
                q(client_id),
                q(&scope_name)
            ),
        ],
    });
    steps.push(RunbookStep {
        title: "Check".to_owned(),
        explanation: "Each mailbox must show the role Application SMTP.SendAsApp as InScope True. Role assignments take from 30 minutes to 2 hours to apply: a 535 5.7.3 right after the change is expected; test again later.".to_owned(),
        commands: boxes
            .iter()
            .map(|m| {
                format!(
                    "Test-ServicePrincipalAuthorization -Identity {} -Resource {}",
                    q(sp),
                    q(m)
                )
            })
            .collect(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const T: &str = "contoso.onmicrosoft.com";
    const C: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
    const O: &str = "99999999-8888-7777-6666-555555555555";

    fn input() -> RunbookInput {
        RunbookInput {
            tenant: T.into(),
            client_id: C.into(),
            service_principal_object_id: Some(O.into()),
            display_name: Some("Mail archiver".into()),
            mailboxes: vec!["info@contoso.com".into()],
            protocols: vec![Protocol::Imap],
            cloud: Cloud::global(),
            send_as: false,
            variant: RunbookVariant::MailboxPermission,
        }
    }

    /// A tiny PowerShell single-quoted literal parser: the literal at the start of `s` and the
    /// rest after it. A quote character followed by another quote character stands for the
    /// second one (as PowerShell's tokenizer does); any other quote character ends the literal.
    fn parse_literal(s: &str) -> Option<(String, &str)> {
        let mut it = s.char_indices().peekable();
        let (_, first) = it.next()?;
        if !is_ps_single_quote(first) {
            return None;
        }
        let mut out = String::new();
        while let Some((i, c)) = it.next() {
            if is_ps_single_quote(c) {
                match it.peek() {
                    Some(&(_, n)) if is_ps_single_quote(n) => {
                        out.push(n);
                        it.next();
                    }
                    _ => return Some((out, &s[i + c.len_utf8()..])),
                }
            } else {
                out.push(c);
            }
        }
        None
    }

    proptest! {
        #[test]
        fn quoting_round_trips(s in any::<String>()) {
            let q = quote_powershell(&s);
            prop_assert_eq!(parse_literal(&q), Some((s.clone(), "")));
        }

        #[test]
        fn quoting_round_trips_quote_heavy(s in "['\u{2018}\u{2019}\u{201A}\u{201B}a; $`\"]{0,24}") {
            let q = quote_powershell(&s);
            prop_assert_eq!(parse_literal(&q), Some((s.clone(), "")));
        }
    }

    #[test]
    fn quoting_examples() {
        assert_eq!(quote_powershell(""), "''");
        assert_eq!(quote_powershell("a"), "'a'");
        assert_eq!(quote_powershell("'"), "''''");
        assert_eq!(
            quote_powershell("\u{2018}\u{201A}\u{201B}"),
            "'\u{2018}\u{2018}\u{201A}\u{201A}\u{201B}\u{201B}'"
        );
    }

    #[test]
    fn hostile_mailboxes_stay_inside_the_literal() {
        for evil in [
            "o'brien@contoso.com",
            "x'; Remove-Mailbox -Identity y; '",
            "x\u{2019}; Remove-Mailbox -Identity y; \u{2018}",
            "$(Remove-Mailbox y)@contoso.com",
            "a`'b@contoso.com",
        ] {
            let mut i = input();
            i.mailboxes = vec![evil.into()];
            i.protocols = vec![Protocol::Smtp];
            let r = build_runbook(&i).unwrap();
            let mut seen = 0;
            for step in &r.steps {
                for cmd in &step.commands {
                    if let Some(pos) = cmd.find("-Identity ") {
                        let rest = &cmd[pos + "-Identity ".len()..];
                        if cmd.starts_with("Set-CASMailbox")
                            || cmd.starts_with("Add-")
                            || cmd.starts_with("Get-MailboxPermission")
                            || cmd.starts_with("Get-RecipientPermission")
                            || cmd.starts_with("Get-CASMailbox")
                        {
                            let (value, after) = parse_literal(rest).unwrap();
                            assert_eq!(value, evil, "{cmd}");
                            assert!(after.starts_with(" -") || after.starts_with(" |"), "{cmd}");
                            assert!(!after.contains("Remove-Mailbox"), "{cmd}");
                            seen += 1;
                        }
                    }
                }
            }
            assert_eq!(seen, 6, "{evil}");
        }
    }

    #[test]
    fn full_runbook_exact() {
        let r = build_runbook(&input()).unwrap();
        assert_eq!(
            r.consent_url,
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/adminconsent?client_id=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee&scope=https%3A%2F%2Fps.outlook.com%2F.default"
        );
        let cmds: Vec<&str> = r
            .steps
            .iter()
            .flat_map(|s| s.commands.iter().map(String::as_str))
            .collect();
        assert_eq!(
            cmds,
            [
                r.consent_url.as_str(),
                "Install-Module -Name ExchangeOnlineManagement -Scope CurrentUser",
                "Import-Module ExchangeOnlineManagement",
                "Connect-ExchangeOnline -Organization 'contoso.onmicrosoft.com'",
                "New-ServicePrincipal -AppId 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' -ObjectId '99999999-8888-7777-6666-555555555555' -DisplayName 'Mail archiver'",
                "Add-MailboxPermission -Identity 'info@contoso.com' -User '99999999-8888-7777-6666-555555555555' -AccessRights FullAccess",
                "Get-ServicePrincipal | Where-Object AppId -eq 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' | Format-List DisplayName,AppId,ObjectId",
                "Get-MailboxPermission -Identity 'info@contoso.com' -User '99999999-8888-7777-6666-555555555555'",
                "Get-CASMailbox -Identity 'info@contoso.com' | Format-List ImapEnabled,PopEnabled,SmtpClientAuthenticationDisabled",
            ]
        );
        assert_eq!(r.steps.len(), 5);
        assert!(r.steps[2].explanation.contains("ENTERPRISE APPLICATION"));
        assert!(!r.steps[2].explanation.contains("Get-MgServicePrincipal"));
        let text = r.to_text();
        assert!(text.starts_with("1. Grant admin consent\n"));
        assert!(text.contains("\n2. Connect to Exchange Online PowerShell\n"));
        assert!(text.contains("\n5. Check\n"));
        assert!(text.contains("\n       New-ServicePrincipal -AppId"));
        assert!(!text.contains("\n6. "));
    }

    #[test]
    fn smtp_send_as_and_placeholders() {
        let mut i = input();
        i.protocols = vec![Protocol::Imap, Protocol::Smtp];
        i.service_principal_object_id = None;
        i.display_name = None;
        i.mailboxes = vec![];
        let r = build_runbook(&i).unwrap();
        assert_eq!(r.steps.len(), 6);
        assert!(r.consent_url.contains("scope=https%3A%2F%2Fps.outlook.com%2F.default+https%3A%2F%2Foutlook.office365.com%2F.default"));
        assert_eq!(
            r.steps[2].commands,
            ["New-ServicePrincipal -AppId 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' -ObjectId '<enterprise-app-object-id>'"]
        );
        assert!(r.steps[2].explanation.contains(
            "Get-MgServicePrincipal -Filter \"appId eq 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'\""
        ));
        assert!(r.steps[2].explanation.contains("Enterprise applications"));
        assert_eq!(
            r.steps[3].commands,
            [
                "Add-MailboxPermission -Identity '<mailbox@contoso.com>' -User '<enterprise-app-object-id>' -AccessRights FullAccess",
                "Add-RecipientPermission -Identity '<mailbox@contoso.com>' -Trustee '<enterprise-app-object-id>' -AccessRights SendAs -Confirm:$false",
            ]
        );
        assert!(r.steps[3]
            .explanation
            .contains("Replace <mailbox@contoso.com>"));
        assert_eq!(r.steps[5].title, "Allow SMTP AUTH for the mailboxes");
        assert_eq!(
            r.steps[5].commands,
            ["Set-CASMailbox -Identity '<mailbox@contoso.com>' -SmtpClientAuthenticationDisabled $false"]
        );
        assert!(r.to_text().contains("\n6. Allow SMTP AUTH"));

        // send_as without SMTP: SendAs but no SMTP AUTH step.
        let mut i = input();
        i.send_as = true;
        i.mailboxes = vec![
            "a@contoso.com".into(),
            "A@contoso.com".into(),
            "b@contoso.com".into(),
        ];
        let r = build_runbook(&i).unwrap();
        assert_eq!(r.steps.len(), 5);
        assert_eq!(
            r.steps[3].commands.len(),
            4,
            "deduplicated, two lines per mailbox"
        );
        assert!(
            r.steps[3].commands[1].starts_with("Add-RecipientPermission -Identity 'a@contoso.com'")
        );
        // No protocols: IMAP and POP.
        let mut i = input();
        i.protocols.clear();
        let r = build_runbook(&i).unwrap();
        assert!(r.steps[0]
            .explanation
            .contains("IMAP.AccessAsApp, POP.AccessAsApp"));
        assert_eq!(r.steps.len(), 5);
    }

    #[test]
    fn clouds() {
        for (id, env) in [
            (CloudId::Global, None),
            (CloudId::UsGov, Some("O365USGovGCCHigh")),
            (CloudId::UsGovDod, Some("O365USGovDoD")),
            (CloudId::China, Some("O365China")),
        ] {
            let mut i = input();
            i.cloud = Cloud::preset(id);
            let r = build_runbook(&i).unwrap();
            let connect = &r.steps[1].commands[2];
            match env {
                None => assert!(!connect.contains("-ExchangeEnvironmentName"), "{id}"),
                Some(e) => assert!(
                    connect.ends_with(&format!(" -ExchangeEnvironmentName {e}")),
                    "{id}: {connect}"
                ),
            }
            assert!(r.consent_url.starts_with(&i.cloud.login_base), "{id}");
        }
    }

    #[test]
    fn validation() {
        let mut i = input();
        for t in ["common", "organizations", "consumers", "bad tenant", ""] {
            i.tenant = t.into();
            assert_eq!(
                build_runbook(&i).unwrap_err().code(),
                "invalid_tenant",
                "{t}"
            );
        }
        let mut i = input();
        i.client_id = "thunderbird".into();
        assert_eq!(build_runbook(&i).unwrap_err().code(), "invalid_client_id");
        let mut i = input();
        i.service_principal_object_id = Some("not-a-guid".into());
        assert_eq!(build_runbook(&i).unwrap_err().code(), "invalid_input");
        i.service_principal_object_id = Some(C.to_uppercase());
        let e = build_runbook(&i).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert!(e.to_string().contains("enterprise application"));
        i.service_principal_object_id = Some(" ".into());
        assert!(build_runbook(&i).is_ok());
        for bad in [
            "a@b.c\r\nRemove-Mailbox x",
            "a@b.c\n",
            "a\0@b.c",
            "a\u{2028}b",
            " ",
        ] {
            let mut i = input();
            i.mailboxes = vec![bad.into()];
            assert_eq!(
                build_runbook(&i).unwrap_err().code(),
                "invalid_input",
                "{bad:?}"
            );
        }
        let mut i = input();
        i.display_name = Some("x\ny".into());
        assert_eq!(build_runbook(&i).unwrap_err().code(), "invalid_input");
        i.display_name = Some("  ".into());
        let r = build_runbook(&i).unwrap();
        assert!(!r.steps[2].commands[0].contains("-DisplayName"));
        // A quote in the display name is doubled.
        i.display_name = Some("Bob's app".into());
        let r = build_runbook(&i).unwrap();
        assert!(r.steps[2].commands[0].ends_with("-DisplayName 'Bob''s app'"));
    }

    #[test]
    fn variant_names() {
        for v in RunbookVariant::ALL {
            assert_eq!(v.as_str().parse::<RunbookVariant>().unwrap(), v);
        }
        assert_eq!(
            "App_RBAC".parse::<RunbookVariant>().unwrap(),
            RunbookVariant::Rbac
        );
        assert_eq!(
            "x".parse::<RunbookVariant>().unwrap_err().code(),
            "invalid_input"
        );
        assert_eq!(RunbookVariant::default(), RunbookVariant::MailboxPermission);
    }

    #[test]
    fn rbac_runbook() {
        let mut i = input();
        i.variant = RunbookVariant::Rbac;
        i.protocols = vec![];
        i.mailboxes = vec!["info@contoso.com".into(), "o'brien@contoso.com".into()];
        let r = build_runbook(&i).unwrap();
        let text = r.to_text();
        assert!(text.contains(&format!(
            "New-ServicePrincipal -AppId '{C}' -ObjectId '{O}'"
        )));
        assert!(text.contains(&format!(
            "New-ManagementScope -Name 'SMTP send as for {C}' -RecipientRestrictionFilter 'PrimarySmtpAddress -eq ''info@contoso.com'' -or PrimarySmtpAddress -eq ''o''''brien@contoso.com'''"
        )));
        assert!(text.contains(&format!(
            "New-ManagementRoleAssignment -App '{C}' -Role 'Application SMTP.SendAsApp' -CustomResourceScope 'SMTP send as for {C}'"
        )));
        assert!(text.contains(&format!(
            "Test-ServicePrincipalAuthorization -Identity '{O}' -Resource 'info@contoso.com'"
        )));
        assert!(text.contains("30 minutes to 2 hours"));
        assert!(text.contains("NO Entra permission"));
        // No mailbox permissions in this variant; SMTP AUTH must still be on.
        assert!(!text.contains("Add-MailboxPermission"));
        assert!(!text.contains("Add-RecipientPermission"));
        assert!(text.contains("-SmtpClientAuthenticationDisabled $false"));
        // The filter round-trips through PowerShell's quoting.
        let cmd = &r.steps[3].commands[0];
        let lit = &cmd[cmd.find("-RecipientRestrictionFilter ").unwrap() + 28..];
        assert_eq!(
            parse_literal(lit),
            Some((
                "PrimarySmtpAddress -eq 'info@contoso.com' -or PrimarySmtpAddress -eq 'o''brien@contoso.com'".to_owned(),
                ""
            ))
        );
        // App RBAC does not cover IMAP or POP.
        i.protocols = vec![Protocol::Smtp, Protocol::Imap];
        let e = build_runbook(&i).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert!(e.to_string().contains("mailbox-permission"), "{e}");
    }

    #[test]
    fn hve_runbook() {
        let mut i = input();
        i.variant = RunbookVariant::Hve;
        i.protocols = vec![];
        i.mailboxes = vec!["alerts@contoso.com".into()];
        let text = build_runbook(&i).unwrap().to_text();
        assert!(text.contains(&format!(
            "Add-HVEAppAccess -Identity 'alerts@contoso.com' -AppIds '{C}'"
        )));
        assert!(text.contains("smtp.hve.mx.microsoft"));
        assert!(text.contains("Mail.Send"));
        assert!(text.contains("550 5.5.105"));
        assert!(!text.contains("New-ServicePrincipal"));
        assert!(!text.contains("Set-CASMailbox"));
        i.mailboxes = vec![];
        assert!(build_runbook(&i)
            .unwrap()
            .to_text()
            .contains(MAILBOX_PLACEHOLDER));
    }

    #[test]
    fn mailbox_permission_runbook_mentions_the_service_principal_rule() {
        let text = build_runbook(&input()).unwrap().to_text();
        assert!(text.contains("AADSTS7000229"));
    }

    #[test]
    fn personal_accounts_have_no_runbook() {
        let mut i = input();
        i.cloud = Cloud::preset(CloudId::Consumers);
        assert_eq!(build_runbook(&i).unwrap_err().code(), "invalid_input");
    }

    #[test]
    fn send_as_line_is_quoted() {
        assert_eq!(
            send_as_command("o'b@contoso.com", "a@contoso.com"),
            "Add-RecipientPermission -Identity 'o''b@contoso.com' -Trustee 'a@contoso.com' -AccessRights SendAs -Confirm:$false"
        );
    }
}
