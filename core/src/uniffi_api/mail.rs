//! `mailoauth::imap`, `mailoauth::pop3`, `mailoauth::smtp` and `mailoauth::login`: the
//! authentication exchanges as state machines and their outcomes.
//!
//! Call order (all three): build the machine from the server's capabilities, then loop on
//! `nextAction()`: `Send` → write the bytes (CR LF included; they carry the token),
//! `NeedLine` → read one line and pass it to `receiveLine`, `Done` → the outcome.
//! Errors have one channel: a server that breaks the protocol ends the machine, and the next
//! action is `Done(Failed)` with the error; `receiveLine` throws only when called out of turn
//! (after `Done`, or before the bytes to send were taken: `invalid_input`).

use crate::imap::{ImapAuth as CoreImap, ImapAuthConfig};
use crate::login::{Action as CoreAction, AuthOutcome as CoreOutcome, LoginMachine};
use crate::pop3::{PopAuth as CorePop, PopAuthConfig};
use crate::sasl::Credentials;
use crate::smtp::{SmtpAuth as CoreSmtp, SmtpAuthConfig};
use crate::uniffi_api::errors::{IntoFfi, MailoauthError, Result};
use crate::uniffi_api::types::{InitialResponse, Mechanism};
use crate::Secret;
use std::fmt;
use std::sync::{Mutex, MutexGuard};

// The records of an outcome are the core's own (derived behind the feature).
pub use crate::login::{Authenticated, Rejection};

/// How an exchange ended.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum AuthOutcome {
    /// The server accepted the token.
    Authenticated {
        /// The details.
        authenticated: Authenticated,
    },
    /// The server refused.
    Rejected {
        /// The refusal.
        rejection: Rejection,
    },
    /// The machine refused to go on (the server broke the protocol).
    Failed {
        /// The error.
        error: MailoauthError,
    },
}

impl From<CoreOutcome> for AuthOutcome {
    fn from(o: CoreOutcome) -> Self {
        match o {
            CoreOutcome::Authenticated(authenticated) => {
                AuthOutcome::Authenticated { authenticated }
            }
            CoreOutcome::Rejected(rejection) => AuthOutcome::Rejected { rejection },
            CoreOutcome::Error(e) => AuthOutcome::Failed { error: e.into() },
        }
    }
}

/// What the driver must do next.
#[derive(Clone, PartialEq, Eq, uniffi::Enum)]
pub enum MailAction {
    /// Write these bytes (CR LF included; they may carry the token).
    Send {
        /// The bytes.
        data: Vec<u8>,
    },
    /// Read one line and pass it to `receiveLine`.
    NeedLine,
    /// The exchange is over.
    Done {
        /// How it ended.
        outcome: AuthOutcome,
    },
}

impl fmt::Debug for MailAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MailAction::Send { data } => write!(f, "Send([{} bytes redacted])", data.len()),
            MailAction::NeedLine => f.write_str("NeedLine"),
            MailAction::Done { outcome } => f.debug_tuple("Done").field(outcome).finish(),
        }
    }
}

impl From<CoreAction> for MailAction {
    fn from(a: CoreAction) -> Self {
        match a {
            CoreAction::Send(data) => MailAction::Send { data },
            CoreAction::NeedLine => MailAction::NeedLine,
            CoreAction::Done(o) => MailAction::Done { outcome: o.into() },
        }
    }
}

fn credentials(
    user: String,
    token: String,
    host: Option<String>,
    port: Option<u16>,
) -> Credentials {
    let mut c = Credentials::new(user, Secret::new(token));
    c.host = host;
    c.port = port;
    c
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means another thread panicked mid-call; the machine itself refuses
    // out-of-order calls, so keep using it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What the three machines share, exported once through the core's one trait
/// ([`LoginMachine`]): `Debug` without the token and the driving methods.
macro_rules! login_machine_exports {
    ($object:ident) => {
        impl fmt::Debug for $object {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(stringify!($object))
            }
        }

        #[uniffi::export]
        impl $object {
            /// What to do next.
            pub fn next_action(&self) -> MailAction {
                LoginMachine::next_action(&mut *lock(&self.inner)).into()
            }

            /// Feeds one server line (with or without CR LF). A server that breaks the
            /// protocol ends the machine (`Done(Failed)`); this throws only out of turn
            /// (`invalid_input`).
            pub fn receive_line(&self, line: Vec<u8>) -> Result<()> {
                LoginMachine::receive_line(&mut *lock(&self.inner), &line).ffi()
            }

            /// Aborts the exchange (answers a pending continuation or challenge with `*`).
            pub fn cancel(&self) {
                LoginMachine::cancel(&mut *lock(&self.inner))
            }

            /// The mechanism.
            pub fn mechanism(&self) -> Mechanism {
                LoginMachine::mechanism(&*lock(&self.inner))
            }

            /// Whether the response goes on the command line (IMAP SASL-IR, the POP3/SMTP
            /// one-line form).
            pub fn uses_initial_response(&self) -> bool {
                LoginMachine::uses_initial_response(&*lock(&self.inner))
            }

            /// Whether the exchange is over.
            pub fn is_done(&self) -> bool {
                LoginMachine::is_done(&*lock(&self.inner))
            }
        }
    };
}

/// The client side of IMAP `AUTHENTICATE` (SASL-IR when advertised). Thread-safe.
#[derive(uniffi::Object)]
pub struct ImapAuth {
    inner: Mutex<CoreImap>,
}

#[uniffi::export]
impl ImapAuth {
    /// A machine for `user` with `token`, command `tag`, and the atoms of the server's
    /// CAPABILITY response. Fails with `mechanism_not_offered` or `invalid_input`.
    #[allow(clippy::too_many_arguments)]
    #[uniffi::constructor(default(host = None, port = None))]
    pub fn new(
        mechanism: Mechanism,
        user: String,
        token: String,
        tag: String,
        capabilities: Vec<String>,
        host: Option<String>,
        port: Option<u16>,
    ) -> Result<Self> {
        let config = ImapAuthConfig {
            mechanism,
            credentials: credentials(user, token, host, port),
            tag,
            capabilities,
        };
        Ok(ImapAuth {
            inner: Mutex::new(CoreImap::new(config).ffi()?),
        })
    }

    /// The command tag.
    pub fn tag(&self) -> String {
        lock(&self.inner).tag().to_owned()
    }
}

login_machine_exports!(ImapAuth);

/// The client side of POP3 `AUTH` (two-line form unless `initialResponse` is `ALWAYS`).
/// Thread-safe.
#[derive(uniffi::Object)]
pub struct PopAuth {
    inner: Mutex<CorePop>,
}

#[uniffi::export]
impl PopAuth {
    /// A machine for `user` with `token`; `capabilities` are the CAPA lines when known.
    #[allow(clippy::too_many_arguments)]
    #[uniffi::constructor(default(capabilities = None, host = None, port = None))]
    pub fn new(
        mechanism: Mechanism,
        user: String,
        token: String,
        initial_response: InitialResponse,
        capabilities: Option<Vec<String>>,
        host: Option<String>,
        port: Option<u16>,
    ) -> Result<Self> {
        let config = PopAuthConfig {
            mechanism,
            credentials: credentials(user, token, host, port),
            capabilities,
            initial_response,
        };
        Ok(PopAuth {
            inner: Mutex::new(CorePop::new(config).ffi()?),
        })
    }
}

login_machine_exports!(PopAuth);

/// The client side of SMTP `AUTH` (RFC 4954; the 512-octet rule decides the one-line form).
/// Thread-safe.
#[derive(uniffi::Object)]
pub struct SmtpAuth {
    inner: Mutex<CoreSmtp>,
}

#[uniffi::export]
impl SmtpAuth {
    /// A machine for `user` with `token`; `ehlo` are the EHLO keyword lines without `250-`.
    #[allow(clippy::too_many_arguments)]
    #[uniffi::constructor(default(host = None, port = None))]
    pub fn new(
        mechanism: Mechanism,
        user: String,
        token: String,
        ehlo: Vec<String>,
        initial_response: InitialResponse,
        host: Option<String>,
        port: Option<u16>,
    ) -> Result<Self> {
        let config = SmtpAuthConfig {
            mechanism,
            credentials: credentials(user, token, host, port),
            ehlo_keywords: ehlo,
            initial_response,
        };
        Ok(SmtpAuth {
            inner: Mutex::new(CoreSmtp::new(config).ffi()?),
        })
    }
}

login_machine_exports!(SmtpAuth);

// ------------------------------------------------------------------------------------------------
// IMAP line helpers for drivers over a raw socket (greeting, CAPABILITY).

// The greeting and the completion status are the core's own (derived behind the feature).
pub use crate::imap::{ImapGreeting, ImapStatus};

/// Parses the server greeting (`* OK [CAPABILITY ...] text`, `* PREAUTH`, `* BYE`); anything
/// else fails with `malformed`.
#[uniffi::export]
pub fn imap_parse_greeting(line: String) -> Result<ImapGreeting> {
    crate::imap::parse_greeting(&line).ffi()
}

/// `TAG CAPABILITY\r\n`; `invalid_input` for a bad tag.
#[uniffi::export]
pub fn imap_capability_command(tag: String) -> Result<Vec<u8>> {
    crate::imap::build_capability_command(&tag).ffi()
}

/// One IMAP server line, classified, with the capabilities it carries (if any).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ImapResponse {
    /// `+ text`: a continuation request.
    Continuation {
        /// The text after `+ `.
        text: String,
    },
    /// `* KEYWORD text`: untagged data or status.
    Untagged {
        /// The first word after `*` (uppercased unless a number).
        keyword: String,
        /// The rest of the line.
        text: String,
        /// The atoms of `* CAPABILITY ...` or of a `[CAPABILITY ...]` code.
        capabilities: Option<Vec<String>>,
    },
    /// `TAG OK|NO|BAD text`: a command completion.
    Tagged {
        /// The tag.
        tag: String,
        /// The status word.
        status: ImapStatus,
        /// The rest of the line (response codes included).
        text: String,
        /// The atoms of a `[CAPABILITY ...]` code.
        capabilities: Option<Vec<String>>,
    },
}

/// Classifies one IMAP server line (with or without CR LF); `malformed` for garbage.
#[uniffi::export]
pub fn imap_parse_response(line: String) -> Result<ImapResponse> {
    use crate::imap::ImapResponse as R;
    let r = crate::imap::parse_response(&line).ffi()?;
    let capabilities = r.capabilities();
    Ok(match r {
        R::Continuation { text } => ImapResponse::Continuation { text },
        R::Untagged { keyword, text } => ImapResponse::Untagged {
            keyword,
            text,
            capabilities,
        },
        R::Tagged { tag, status, text } => ImapResponse::Tagged {
            tag,
            status,
            text,
            capabilities,
        },
    })
}

// ------------------------------------------------------------------------------------------------
// POP3 and SMTP line helpers for drivers over a raw socket (greeting, CAPA, EHLO, STARTTLS).

/// A POP3 status line: the core's own record (derived behind the feature).
pub use crate::pop3::PopReply;

/// Parses a POP3 status line (the greeting, a command's answer); `malformed` for anything else.
#[uniffi::export]
pub fn pop_parse_reply(line: String) -> Result<PopReply> {
    crate::pop3::parse_reply(&line).ffi()
}

/// `CAPA\r\n`.
#[uniffi::export]
pub fn pop_capa_command() -> Vec<u8> {
    crate::pop3::build_capa_command()
}

/// The capability lines of a whole `CAPA` response (first line through the `.` terminator);
/// empty when the server answered `-ERR`.
#[uniffi::export]
pub fn pop_parse_capa(lines: Vec<String>) -> Vec<String> {
    crate::pop3::parse_capa(&lines)
}

/// One complete SMTP reply.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SmtpReply {
    /// The three-digit reply code.
    pub code: u16,
    /// The enhanced status code (`5.7.3`), when sent.
    pub enhanced_status: Option<String>,
    /// The text of each line after the code.
    pub lines: Vec<String>,
    /// The last line's text without its enhanced status code.
    pub last_text: String,
    /// Whether the code is 2xx.
    pub is_positive: bool,
}

impl From<crate::smtp::SmtpReply> for SmtpReply {
    fn from(r: crate::smtp::SmtpReply) -> Self {
        SmtpReply {
            last_text: r.last_text(),
            is_positive: r.is_positive(),
            code: r.code,
            enhanced_status: r.enhanced_status,
            lines: r.lines,
        }
    }
}

/// Collects the lines of one SMTP reply at a time (`250-...` lines go on, `250 ...` ends it).
/// Thread-safe.
#[derive(uniffi::Object)]
pub struct SmtpReplyReader {
    inner: Mutex<crate::smtp::SmtpReplyReader>,
}

impl fmt::Debug for SmtpReplyReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmtpReplyReader")
    }
}

#[uniffi::export]
impl SmtpReplyReader {
    /// An empty reader.
    #[uniffi::constructor]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        SmtpReplyReader {
            inner: Mutex::new(crate::smtp::SmtpReplyReader::new()),
        }
    }

    /// Feeds one line: `null`/`nil` while the reply goes on, the reply on its last line;
    /// `malformed` for a line without a code or a code that changes inside a reply.
    pub fn feed(&self, line: String) -> Result<Option<SmtpReply>> {
        Ok(lock(&self.inner).feed(&line).ffi()?.map(SmtpReply::from))
    }
}

/// The keyword lines of an EHLO reply (empty for a reply other than 250): what `SmtpAuth` takes.
#[uniffi::export]
pub fn smtp_parse_ehlo(reply: SmtpReply) -> Vec<String> {
    crate::smtp::parse_ehlo(&crate::smtp::SmtpReply {
        code: reply.code,
        enhanced_status: reply.enhanced_status,
        lines: reply.lines,
    })
}

/// `EHLO <domain>\r\n`; `invalid_input` for a bad domain.
#[uniffi::export]
pub fn smtp_ehlo_command(domain: String) -> Result<Vec<u8>> {
    crate::smtp::build_ehlo(&domain).ffi()
}

/// `STARTTLS\r\n`.
#[uniffi::export]
pub fn smtp_starttls_command() -> Vec<u8> {
    crate::smtp::build_starttls()
}
