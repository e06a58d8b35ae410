//! What the IMAP, POP3 and SMTP authentication exchanges have in common: the [`LoginMachine`]
//! trait every one of them implements, the [`Action`] a machine asks its driver for, the
//! [`AuthOutcome`] it ends with, and the [`InitialResponse`] policy.
//!
//! Every exchange ([`crate::imap::ImapAuth`], [`crate::pop3::PopAuth`],
//! [`crate::smtp::SmtpAuth`]) is driven the same way (sans-IO, as quinn-proto and h11 do it), so
//! one driver serves all three ([`LoginMachine::run`] is that loop over the caller's I/O):
//!
//! ```text
//! loop {
//!     match auth.next_action() {
//!         Action::Send(bytes)   => write all bytes to the connection,
//!         Action::NeedLine      => auth.receive_line(&read_one_line())?,
//!         Action::Done(outcome) => break outcome,
//!     }
//! }
//! ```
//!
//! Errors have one channel: whatever the server does wrong (a line that breaks the protocol, an
//! over-long line) ends the exchange, and `Done(AuthOutcome::Error(..))` is where it is reported.
//! `receive_line` fails only when the driver itself calls it out of turn (`invalid_input`).
//!
//! A rejection keeps the server's words ([`Rejection::server_text`], the SMTP reply code and
//! enhanced status, the decoded SASL failure challenge of RFC 7628 section 3.2.2) and adds a
//! [`Diagnosis`] from [`crate::diagnose::reply`] and whether a fresh token could help.
//!
//! The bytes of [`Action::Send`] carry the token: `Debug` prints only their length.

use crate::cloud::Protocol;
use crate::diagnose::reply::{self as catalogue, diagnose_code};
use crate::diagnose::Diagnosis;
use crate::error::{Error, Result};
use crate::sasl::{Mechanism, SaslError};
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The longest server line a machine accepts, CR LF included (64 KiB). Longer is
/// `unexpected_reply`.
pub const MAX_LINE_LEN: usize = 64 * 1024;

/// What the driver must do next.
#[must_use = "an Action tells the driver what to do next: send, read a line, or stop"]
#[derive(Clone, PartialEq, Eq)]
// `Done` is larger than the others; an Action is produced once per line, and an unboxed outcome
// keeps `Action::Done(outcome)` simple for every binding.
#[allow(clippy::large_enum_variant)]
pub enum Action {
    /// Write exactly these bytes (one line, CR LF included) to the connection. They may carry
    /// the token: never log them.
    Send(Vec<u8>),
    /// Read one line from the server and pass it to `receive_line`.
    NeedLine,
    /// The exchange is over. Calling `next_action` again returns the same outcome.
    Done(AuthOutcome),
}

impl fmt::Debug for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Send(bytes) => write!(f, "Send([{} bytes])", bytes.len()),
            Action::NeedLine => f.write_str("NeedLine"),
            Action::Done(outcome) => f.debug_tuple("Done").field(outcome).finish(),
        }
    }
}

/// The one interface of the IMAP, POP3 and SMTP authentication machines
/// ([`crate::imap::ImapAuth`], [`crate::pop3::PopAuth`], [`crate::smtp::SmtpAuth`]), for drivers
/// and bindings that treat them alike (`Box<dyn LoginMachine + Send>` works; [`LoginMachine::run`]
/// needs the concrete type).
///
/// ```
/// use mailoauth::login::{AuthOutcome, LoginMachine};
/// use mailoauth::pop3::{PopAuth, PopAuthConfig};
/// use mailoauth::sasl::{Credentials, Mechanism};
///
/// let mut machine = PopAuth::new(PopAuthConfig {
///     mechanism: Mechanism::XOAuth2,
///     credentials: Credentials::new("someuser@example.com", "token"),
///     capabilities: None,
///     initial_response: Default::default(),
/// })?;
/// let _as_object: &dyn LoginMachine = &machine; // one type for the three machines
/// let mut sent = Vec::new();
/// let mut replies = vec![&b"+ \r\n"[..], b"+OK welcome\r\n"].into_iter();
/// let outcome = machine.run(
///     |bytes| -> Result<(), std::io::Error> { sent.push(bytes.to_vec()); Ok(()) },
///     || Ok(replies.next().unwrap_or_default().to_vec()),
/// )?;
/// assert!(outcome.is_authenticated());
/// assert_eq!(sent[0], b"AUTH XOAUTH2\r\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait LoginMachine {
    /// What to do next: send bytes, read a line, or stop with the outcome. After `Done`, it
    /// returns the same outcome again.
    fn next_action(&mut self) -> Action;

    /// Feeds one server line (with or without CR LF).
    ///
    /// A line that breaks the protocol (or is longer than [`MAX_LINE_LEN`], or holds a CR, LF or
    /// NUL inside) is not an error of this call: it ends the exchange, and the next action is
    /// `Done(AuthOutcome::Error(..))` with code `unexpected_reply`, reported there only.
    ///
    /// Errors: `invalid_input` when the driver calls it out of turn (after `Done`, or while
    /// bytes still wait to be sent): the exchange is not changed.
    fn receive_line(&mut self, line: &[u8]) -> Result<()>;

    /// Aborts the exchange with the protocol's cancel (`*`); see each machine for the details.
    fn cancel(&mut self);

    /// The SASL mechanism.
    fn mechanism(&self) -> Mechanism;

    /// Whether the SASL initial response goes on the command line.
    fn uses_initial_response(&self) -> bool;

    /// Whether the exchange is over.
    fn is_done(&self) -> bool;

    /// How the exchange ended, once it is over.
    fn outcome(&self) -> Option<&AuthOutcome>;

    /// Drives the exchange to its end over the caller's I/O: `write` sends bytes (they may carry
    /// the token), `read_line` returns the next server line. The outcome (success, refusal or the
    /// server's protocol error) is the value; an I/O error of the caller's functions ends the run
    /// and is returned as it is.
    fn run<E>(
        &mut self,
        mut write: impl FnMut(&[u8]) -> std::result::Result<(), E>,
        mut read_line: impl FnMut() -> std::result::Result<Vec<u8>, E>,
    ) -> std::result::Result<AuthOutcome, E>
    where
        Self: Sized,
    {
        loop {
            match self.next_action() {
                Action::Send(bytes) => write(&bytes)?,
                Action::NeedLine => {
                    let line = read_line()?;
                    // In turn by construction: a line is read only when the machine asks for it.
                    if let Err(e) = self.receive_line(&line) {
                        return Ok(AuthOutcome::Error(e));
                    }
                }
                Action::Done(outcome) => return Ok(outcome),
            }
        }
    }
}

/// Implements [`LoginMachine`] for a machine with inherent methods of the same names.
macro_rules! impl_login_machine {
    ($machine:ty) => {
        impl $crate::login::LoginMachine for $machine {
            fn next_action(&mut self) -> $crate::login::Action {
                <$machine>::next_action(self)
            }
            fn receive_line(&mut self, line: &[u8]) -> $crate::error::Result<()> {
                <$machine>::receive_line(self, line)
            }
            fn cancel(&mut self) {
                <$machine>::cancel(self)
            }
            fn mechanism(&self) -> $crate::sasl::Mechanism {
                <$machine>::mechanism(self)
            }
            fn uses_initial_response(&self) -> bool {
                <$machine>::uses_initial_response(self)
            }
            fn is_done(&self) -> bool {
                <$machine>::is_done(self)
            }
            fn outcome(&self) -> Option<&$crate::login::AuthOutcome> {
                self.driver.outcome()
            }
        }
    };
}
pub(crate) use impl_login_machine;

/// How an exchange ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthOutcome {
    /// The server accepted the token.
    Authenticated(Authenticated),
    /// The server refused (IMAP `NO`/`BAD`, POP `-ERR`, SMTP 4xx/5xx), with the reasons.
    Rejected(Rejection),
    /// The machine refused to start, or the server broke the protocol
    /// ([`Error::UnexpectedReply`]).
    Error(Error),
}

impl AuthOutcome {
    /// Whether the login succeeded.
    pub fn is_authenticated(&self) -> bool {
        matches!(self, AuthOutcome::Authenticated(_))
    }
}

/// A successful login.
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(name = "Authenticated", module = "mailoauth", frozen, get_all, eq)
)]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(rename_all = "camelCase")
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Authenticated {
    /// The text of the server's success reply (after the tag and `OK`, after `+OK`, after `235`
    /// and the enhanced status code).
    pub server_text: String,
    /// IMAP: the capabilities the server sent with its success (`OK [CAPABILITY ...]`, or an
    /// untagged `* CAPABILITY` during the exchange). They replace the pre-login list.
    pub capabilities: Option<Vec<String>>,
}

/// The server's refusal, kept as data, with a diagnosis.
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(name = "Rejection", module = "mailoauth", frozen, get_all)
)]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(rename_all = "camelCase")
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Rejection {
    /// The rest of the final reply line after the IMAP tag and status word, the POP `-ERR`, or the
    /// SMTP code and enhanced status code (of the last line of a multi-line reply).
    pub server_text: String,
    /// The status: `NO`, `BAD`, `BYE` (IMAP), `-ERR` (POP), or the SMTP reply code (`535`).
    pub status: String,
    /// The decoded JSON failure challenge (RFC 7628 section 3.2.2), when the server sent one.
    pub sasl_error: Option<SaslError>,
    /// What the catalogue says about it (`auth_failed` when it knows nothing more specific).
    pub diagnosis: Option<Diagnosis>,
    /// Whether a fresh token could help (expired or refused token), as opposed to a setting
    /// that must change first, or a temporary server failure (retry later with the same token).
    pub retry_with_fresh_token: bool,
    /// SMTP: the reply code.
    pub reply_code: Option<u16>,
    /// SMTP: the enhanced status code (`5.7.3`, RFC 3463), split off the text.
    pub enhanced_status: Option<String>,
}

/// Whether to send the SASL initial response on the command line (IMAP SASL-IR, RFC 4959; POP
/// RFC 5034 section 4; SMTP RFC 4954 section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "lowercase")]
pub enum InitialResponse {
    /// The protocol's safe choice: SMTP when the line fits 512 octets; POP never (Exchange
    /// refuses the one-line form); IMAP when `SASL-IR` is advertised.
    #[default]
    Auto,
    /// Always on the command line.
    Always,
    /// Never: send the command, wait for the empty challenge, then the response.
    Never,
}

impl InitialResponse {
    /// `auto`, `always` or `never`.
    pub fn as_str(self) -> &'static str {
        match self {
            InitialResponse::Auto => "auto",
            InitialResponse::Always => "always",
            InitialResponse::Never => "never",
        }
    }
}

impl fmt::Display for InitialResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InitialResponse {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(InitialResponse::Auto),
            "always" => Ok(InitialResponse::Always),
            "never" => Ok(InitialResponse::Never),
            _ => Err(Error::invalid_input(format!(
                "unknown initial response policy {} (expected auto, always or never)",
                crate::error::quoted_excerpt(s, 40)
            ))),
        }
    }
}

/// The driving core every exchange shares: one pending line to send, the outcome once done, and
/// the wire strings to scrub from anything the server echoes.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Driver {
    /// The bytes the driver must send next.
    pending: Option<Vec<u8>>,
    /// Set once the exchange is over.
    outcome: Option<AuthOutcome>,
    /// The base64 response and the raw token: removed from server text before it is kept.
    scrub: Vec<String>,
    /// Which protocol (for the diagnosis).
    pub protocol: Protocol,
}

impl Driver {
    pub(crate) fn new(protocol: Protocol, scrub: Vec<String>) -> Driver {
        Driver {
            pending: None,
            outcome: None,
            scrub: scrub.into_iter().filter(|s| s.len() >= 4).collect(),
            protocol,
        }
    }

    pub(crate) fn next_action(&mut self) -> Action {
        if let Some(bytes) = self.pending.take() {
            return Action::Send(bytes);
        }
        match &self.outcome {
            Some(o) => Action::Done(o.clone()),
            None => Action::NeedLine,
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        self.outcome.is_some()
    }

    pub(crate) fn outcome(&self) -> Option<&AuthOutcome> {
        self.outcome.as_ref()
    }

    pub(crate) fn has_pending(&self) -> bool {
        self.pending.is_some()
    }

    pub(crate) fn send(&mut self, bytes: Vec<u8>) {
        self.pending = Some(bytes);
    }

    pub(crate) fn clear_pending(&mut self) {
        self.pending = None;
    }

    pub(crate) fn finish(&mut self, outcome: AuthOutcome) {
        self.pending = None;
        self.outcome = Some(outcome);
    }

    /// Ends the exchange with `unexpected_reply` and returns the error for `receive_line`.
    pub(crate) fn protocol_error(&mut self, what: &str, line: &str) -> Error {
        let e = Error::UnexpectedReply(format!(
            "{what}, got {}",
            crate::error::quoted_excerpt(&self.scrubbed(line), 120)
        ));
        self.finish(AuthOutcome::Error(e.clone()));
        e
    }

    /// Ends the exchange with `unexpected_reply` for a line that could not be read at all.
    pub(crate) fn fail(&mut self, e: Error) -> Error {
        self.finish(AuthOutcome::Error(e.clone()));
        e
    }

    /// Checks that a line may be fed now and turns it into text: `Err` when the driver calls out
    /// of turn (`invalid_input`, nothing changes), `Ok(None)` when the line cannot be read (the
    /// exchange has ended with `unexpected_reply`).
    pub(crate) fn accept_line(&mut self, line: &[u8]) -> Result<Option<String>> {
        if self.is_done() {
            return Err(Error::invalid_input(
                "the exchange is already finished: receive_line after Done",
            ));
        }
        if self.has_pending() {
            return Err(Error::invalid_input(
                "bytes are waiting to be sent: call next_action and send them before feeding a line",
            ));
        }
        match line_text(line) {
            Ok(text) => Ok(Some(text)),
            Err(e) => {
                self.fail(e);
                Ok(None)
            }
        }
    }

    /// The one error channel: an error a line caused ends the exchange with it (when the machine
    /// has not ended it already), and is not returned to the caller of `receive_line`.
    pub(crate) fn settle(&mut self, handled: Result<()>) {
        if let Err(e) = handled {
            if !self.is_done() {
                self.finish(AuthOutcome::Error(e));
            }
        }
    }

    /// Removes the response and the token from server text.
    pub(crate) fn scrubbed(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.scrub {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "[redacted]");
            }
        }
        out
    }

    pub(crate) fn authenticated(&mut self, server_text: &str, capabilities: Option<Vec<String>>) {
        let server_text = self.scrubbed(server_text);
        self.finish(AuthOutcome::Authenticated(Authenticated {
            server_text,
            capabilities,
        }));
    }

    pub(crate) fn rejected(&mut self, r: RejectionParts<'_>) {
        let rejection = build_rejection(self, r);
        self.finish(AuthOutcome::Rejected(rejection));
    }
}

/// What a machine knows about a refusal; [`build_rejection`] adds diagnosis and retry advice.
pub(crate) struct RejectionParts<'a> {
    /// The whole final line (for the catalogue).
    pub line: &'a str,
    pub status: String,
    pub server_text: &'a str,
    pub sasl_error: Option<SaslError>,
    pub reply_code: Option<u16>,
    pub enhanced_status: Option<String>,
    /// The caller cancelled: the refusal is the answer to `*`, not a verdict on the token.
    pub cancelled: bool,
    /// A catalogue code that does not apply in this exchange (POP's two-step hint after a
    /// two-line AUTH).
    pub not_applicable: Option<&'static str>,
}

fn build_rejection(driver: &Driver, r: RejectionParts<'_>) -> Rejection {
    let code = if r.cancelled {
        None
    } else {
        match diagnose_code(driver.protocol, r.line) {
            Some(c) if Some(c) != r.not_applicable => Some(c),
            _ => Some(match r.reply_code {
                Some(c) if (400..500).contains(&c) => catalogue::TEMPORARY_FAILURE,
                _ => catalogue::UNRECOGNIZED,
            }),
        }
    };
    let sasl_status = r.sasl_error.as_ref().and_then(|e| e.status.as_deref());
    let retry_with_fresh_token = match code {
        Some(catalogue::AUTH_FAILED) | Some(catalogue::SESSION_TOKEN_EXPIRED) => {
            match sasl_status {
                Some(status) => is_token_status(status),
                None => true,
            }
        }
        // An unknown refusal: a fresh token only when the server says the token is the problem.
        Some(catalogue::UNRECOGNIZED) => {
            sasl_status.is_some_and(is_token_status) || catalogue::says_token_is_bad(r.line)
        }
        Some(_) => false,
        None => false,
    };
    Rejection {
        server_text: driver.scrubbed(r.server_text),
        status: r.status,
        sasl_error: r.sasl_error,
        diagnosis: code.and_then(catalogue::diagnosis),
        retry_with_fresh_token,
        reply_code: r.reply_code,
        enhanced_status: r.enhanced_status,
    }
}

/// RFC 7628 section 3.2.2 statuses that a fresh token answers (`401`, `invalid_token`).
fn is_token_status(status: &str) -> bool {
    let s = status.trim();
    s == "401" || s.eq_ignore_ascii_case("invalid_token")
}

/// A server line as text: at most [`MAX_LINE_LEN`] bytes, one trailing CR LF (or LF) removed, no
/// other CR, LF or NUL inside. Bytes that are not UTF-8 are replaced (U+FFFD).
pub(crate) fn line_text(line: &[u8]) -> Result<String> {
    if line.len() > MAX_LINE_LEN {
        return Err(Error::UnexpectedReply(format!(
            "the server sent a line of {} bytes, more than the {MAX_LINE_LEN} accepted",
            line.len()
        )));
    }
    let body = line
        .strip_suffix(b"\r\n")
        .or_else(|| line.strip_suffix(b"\n"))
        .unwrap_or(line);
    if body.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0)) {
        return Err(Error::UnexpectedReply(
            "the server line holds a CR, LF or NUL inside: pass one line at a time".to_owned(),
        ));
    }
    Ok(String::from_utf8_lossy(body).into_owned())
}

/// The decoded failure challenge, `None` when it cannot be decoded (it is answered anyway).
pub(crate) fn decode_challenge(text: &str) -> Option<SaslError> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    crate::sasl::decode_error_challenge(t).ok()
}

/// Where the SASL conversation of an exchange stands (the same in IMAP, POP3 and SMTP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SaslState {
    /// The `AUTHENTICATE`/`AUTH` command went (or is about to go) without the response: the
    /// server's continuation (`+`, `334`) comes next, or a refusal.
    CommandSent,
    /// The response was sent: success, a refusal, or a failure challenge comes next.
    ResponseSent,
    /// The failure challenge was answered (or `*` sent): only the final reply may come.
    ChallengeAnswered,
}

/// The SASL side of an exchange, shared by [`crate::imap::ImapAuth`], [`crate::pop3::PopAuth`]
/// and [`crate::smtp::SmtpAuth`]: answering continuations (RFC 7628 section 3.2.3 for the failure
/// challenge) and cancelling with `*` (RFC 9051 section 6.2.2, RFC 5034 section 4, RFC 4954
/// section 4). The protocols differ only in how their lines look, which each module parses.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SaslConversation {
    pub(crate) state: SaslState,
    pub(crate) mechanism: Mechanism,
    pub(crate) response: Secret,
    pub(crate) command_sent: bool,
    pub(crate) cancel_requested: bool,
    pub(crate) cancelled: bool,
    pub(crate) sasl_error: Option<SaslError>,
}

impl SaslConversation {
    /// A conversation whose response is already on the command line (`initial_response`) or
    /// waits for the server's first continuation.
    pub(crate) fn new(mechanism: Mechanism, response: Secret, initial_response: bool) -> Self {
        SaslConversation {
            state: if initial_response {
                SaslState::ResponseSent
            } else {
                SaslState::CommandSent
            },
            mechanism,
            response,
            command_sent: false,
            cancel_requested: false,
            cancelled: false,
            sasl_error: None,
        }
    }

    /// Answers a server continuation carrying `challenge`: the response after the first empty
    /// one, the mechanism's failure-challenge answer (keeping the decoded JSON) after that, `*`
    /// when a cancel was requested. A continuation after the challenge was answered breaks the
    /// protocol: `after_answer` says what was expected instead.
    pub(crate) fn on_continuation(
        &mut self,
        driver: &mut Driver,
        line: &str,
        challenge: &str,
        after_answer: &str,
    ) -> Result<()> {
        match self.state {
            SaslState::CommandSent => {
                if self.cancel_requested {
                    self.cancelled = true;
                    driver.send(crlf("*"));
                    self.state = SaslState::ChallengeAnswered;
                } else {
                    driver.send(crlf(self.response.expose_secret()));
                    self.state = SaslState::ResponseSent;
                }
                Ok(())
            }
            SaslState::ResponseSent => {
                self.sasl_error = decode_challenge(challenge);
                let answer = if self.cancel_requested {
                    self.cancelled = true;
                    "*"
                } else {
                    self.mechanism.error_challenge_answer()
                };
                driver.send(crlf(answer));
                self.state = SaslState::ChallengeAnswered;
                Ok(())
            }
            SaslState::ChallengeAnswered => Err(driver.protocol_error(after_answer, line)),
        }
    }

    /// Aborts the exchange: before the command was sent nothing is sent and it ends with
    /// `invalid_input`; an answer waiting to go is replaced by `*`; otherwise the next
    /// continuation is answered with `*`.
    pub(crate) fn cancel(&mut self, driver: &mut Driver) {
        if driver.is_done() || self.cancelled {
            return;
        }
        if !self.command_sent {
            driver.finish(AuthOutcome::Error(Error::invalid_input(
                "the authentication was cancelled before anything was sent",
            )));
            return;
        }
        if driver.has_pending() {
            driver.clear_pending();
            driver.send(crlf("*"));
            self.cancelled = true;
            self.state = SaslState::ChallengeAnswered;
        } else {
            self.cancel_requested = true;
        }
    }
}

/// `line + CR LF` as bytes.
pub(crate) fn crlf(line: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len() + 2);
    out.extend_from_slice(line.as_bytes());
    out.extend_from_slice(b"\r\n");
    out
}

/// Test helper: feeds a line that breaks the protocol and returns the error the exchange ended
/// with, checking that the call itself succeeded (one error channel).
#[cfg(test)]
pub(crate) fn broken_line(m: &mut impl LoginMachine, line: &[u8]) -> Error {
    if let Err(e) = m.receive_line(line) {
        panic!("a line that breaks the protocol is not an error of receive_line: {e}");
    }
    assert!(m.is_done());
    match m.next_action() {
        Action::Done(AuthOutcome::Error(e)) => {
            assert_eq!(m.outcome(), Some(&AuthOutcome::Error(e.clone())));
            e
        }
        other => panic!("expected Done(Error), got {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_debug_hides_bytes() {
        let a = Action::Send(b"A1 AUTHENTICATE XOAUTH2 c2VrcmV0\r\n".to_vec());
        assert_eq!(format!("{a:?}"), "Send([34 bytes])");
        assert_eq!(format!("{:?}", Action::NeedLine), "NeedLine");
        let d = Action::Done(AuthOutcome::Authenticated(Authenticated::default()));
        assert!(format!("{d:?}").starts_with("Done(Authenticated"));
    }

    #[test]
    fn initial_response_names() {
        for p in [
            InitialResponse::Auto,
            InitialResponse::Always,
            InitialResponse::Never,
        ] {
            assert_eq!(p.as_str().parse::<InitialResponse>().unwrap(), p);
            assert_eq!(p.to_string(), p.as_str());
        }
        assert_eq!(
            "ALWAYS".parse::<InitialResponse>().unwrap(),
            InitialResponse::Always
        );
        assert_eq!(
            "sometimes".parse::<InitialResponse>().unwrap_err().code(),
            "invalid_input"
        );
        assert_eq!(InitialResponse::default(), InitialResponse::Auto);
        assert_eq!(
            serde_json::to_string(&InitialResponse::Never).unwrap(),
            "\"never\""
        );
    }

    #[test]
    fn lines() {
        assert_eq!(line_text(b"+ \r\n").unwrap(), "+ ");
        assert_eq!(line_text(b"+\n").unwrap(), "+");
        assert_eq!(line_text(b"abc").unwrap(), "abc");
        assert_eq!(line_text(b"a\xffb").unwrap(), "a\u{fffd}b");
        for bad in [&b"a\rb\r\n"[..], b"a\nb", b"a\0b", b"a\r\n\r\n"] {
            assert_eq!(line_text(bad).unwrap_err().code(), "unexpected_reply");
        }
        let long = vec![b'a'; MAX_LINE_LEN + 1];
        assert_eq!(line_text(&long).unwrap_err().code(), "unexpected_reply");
        assert!(line_text(&long[..MAX_LINE_LEN]).is_ok());
    }

    #[test]
    fn driver_scrubs_and_guards() {
        let mut d = Driver::new(Protocol::Imap, vec!["c2VrcmV0".into(), "tok".into()]);
        assert_eq!(d.scrubbed("echo c2VrcmV0 tok"), "echo [redacted] tok");
        d.send(b"x\r\n".to_vec());
        assert_eq!(d.accept_line(b"+ ").unwrap_err().code(), "invalid_input");
        assert!(!d.is_done());
        assert_eq!(d.next_action(), Action::Send(b"x\r\n".to_vec()));
        assert_eq!(d.next_action(), Action::NeedLine);
        let e = d.protocol_error("expected x", "y c2VrcmV0");
        assert!(!e.to_string().contains("c2VrcmV0"));
        assert_eq!(d.next_action(), Action::Done(AuthOutcome::Error(e.clone())));
        assert_eq!(d.next_action(), Action::Done(AuthOutcome::Error(e)));
        assert_eq!(d.accept_line(b"+ ").unwrap_err().code(), "invalid_input");
    }

    #[test]
    fn retry_advice() {
        let d = Driver::new(Protocol::Smtp, vec![]);
        let parts = |line, code, sasl: Option<&str>| RejectionParts {
            line,
            status: String::new(),
            server_text: "",
            sasl_error: sasl.map(|s| SaslError {
                status: Some(s.to_owned()),
                ..Default::default()
            }),
            reply_code: Some(code),
            enhanced_status: None,
            cancelled: false,
            not_applicable: None,
        };
        let r = build_rejection(
            &d,
            parts("535 5.7.3 Authentication unsuccessful", 535, None),
        );
        assert!(r.retry_with_fresh_token);
        let r = build_rejection(&d, parts("535 x", 535, Some("invalid_token")));
        assert!(r.retry_with_fresh_token);
        let r = build_rejection(&d, parts("535 x", 535, Some("403")));
        assert!(!r.retry_with_fresh_token);
        let r = build_rejection(&d, parts("454 4.7.0 Temporary", 454, None));
        assert!(!r.retry_with_fresh_token);
        assert_eq!(r.diagnosis.unwrap().code, "temporary_failure");
        let r = build_rejection(&d, parts("421 closing", 421, None));
        assert_eq!(r.diagnosis.unwrap().code, "temporary_failure");
        // An unknown refusal keeps its words, is `unrecognized`, and suggests no fresh token ...
        let r = build_rejection(&d, parts("501 5.5.2 bad base64", 501, None));
        assert_eq!(r.diagnosis.unwrap().code, "unrecognized");
        assert!(!r.retry_with_fresh_token);
        // ... unless the server says the token is bad or expired.
        let r = build_rejection(&d, parts("550 5.7.1 the token is invalid", 550, None));
        assert_eq!(r.diagnosis.unwrap().code, "unrecognized");
        assert!(r.retry_with_fresh_token);
        let r = build_rejection(&d, parts("550 5.7.1 go away", 550, Some("invalid_token")));
        assert!(r.retry_with_fresh_token);
        // 430 4.2.0 mailbox logon failure is a permission problem, not a temporary one.
        let r = build_rejection(
            &d,
            parts("430 4.2.0 STOREDRV; mailbox logon failure; Failed to process message due to a permanent exception with message [BeginDiagnosticData]Cannot open mailbox. MapiExceptionLogonFailed", 430, None),
        );
        assert_eq!(r.diagnosis.unwrap().code, "mailbox_logon_failed");
        assert!(!r.retry_with_fresh_token);
        let mut p = parts("501 5.7.0 cancelled", 501, None);
        p.cancelled = true;
        let r = build_rejection(&d, p);
        assert!(r.diagnosis.is_none() && !r.retry_with_fresh_token);
    }
}
