//! SMTP `AUTH` with XOAUTH2 or OAUTHBEARER as a sans-IO state machine, and the reply and EHLO
//! parsers around it.
//!
//! Specifications: RFC 4954 (SMTP AUTH; section 4: the initial response is allowed only when the
//! whole `AUTH` line fits 512 octets), RFC 5321 section 4.2 (reply lines, multi-line replies),
//! RFC 3463 / RFC 2034 (enhanced status codes such as `5.7.3`), RFC 3207 (`STARTTLS`), RFC 7628
//! section 3.2.2 (the failure challenge); docs/protocol.md section 5 for Exchange Online.
//!
//! Exchange Online advertises `AUTH LOGIN XOAUTH2` only after `STARTTLS` and a second `EHLO`, so
//! the exchange starts from the keyword lines of that second `EHLO` ([`parse_ehlo`]).
//!
//! ```
//! use mailoauth::login::{Action, AuthOutcome, InitialResponse};
//! use mailoauth::smtp::{SmtpAuth, SmtpAuthConfig};
//! use mailoauth::sasl::{Credentials, Mechanism};
//!
//! let mut auth = SmtpAuth::new(SmtpAuthConfig {
//!     mechanism: Mechanism::XOAuth2,
//!     credentials: Credentials::new("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"),
//!     ehlo_keywords: vec!["PIPELINING".into(), "AUTH LOGIN XOAUTH2".into()],
//!     initial_response: InitialResponse::Never,
//! })?;
//! assert_eq!(auth.next_action(), Action::Send(b"AUTH XOAUTH2\r\n".to_vec()));
//! assert_eq!(auth.next_action(), Action::NeedLine);
//! auth.receive_line(b"334 \r\n")?;
//! assert!(matches!(auth.next_action(), Action::Send(_)));
//! auth.receive_line(b"535-5.7.3 Authentication\r\n")?;
//! assert_eq!(auth.next_action(), Action::NeedLine);
//! auth.receive_line(b"535 5.7.3 Authentication unsuccessful\r\n")?;
//! match auth.next_action() {
//!     Action::Done(AuthOutcome::Rejected(r)) => {
//!         assert_eq!(r.reply_code, Some(535));
//!         assert_eq!(r.enhanced_status.as_deref(), Some("5.7.3"));
//!         assert_eq!(r.server_text, "Authentication unsuccessful");
//!         assert_eq!(r.diagnosis.unwrap().code, "auth_failed");
//!     }
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), mailoauth::Error>(())
//! ```

use crate::cloud::Protocol;
use crate::error::{Error, Result};
use crate::login::{
    crlf, impl_login_machine, Action, Driver, InitialResponse, RejectionParts, SaslConversation,
    SaslState as State,
};
use crate::sasl::{Credentials, Mechanism};
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The longest command line RFC 4954 section 4 allows for `AUTH` with an initial response, CR LF
/// included.
pub const MAX_AUTH_LINE: usize = 512;

/// The most lines one reply may have before it is refused as garbage.
pub const MAX_REPLY_LINES: usize = 1000;

/// What an SMTP authentication is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpAuthConfig {
    /// `XOAUTH2` or `OAUTHBEARER`.
    pub mechanism: Mechanism,
    /// The mailbox and the token (and OAUTHBEARER host/port).
    pub credentials: Credentials,
    /// The keyword lines of the `EHLO` reply sent after `STARTTLS`, without `250-`
    /// ([`parse_ehlo`]). An `AUTH ...` (or old-style `AUTH=...`) line must list the mechanism.
    pub ehlo_keywords: Vec<String>,
    /// `Auto`: the initial response on the `AUTH` line when that line fits 512 octets, else two
    /// steps. `Always` and `Never` force one form.
    pub initial_response: InitialResponse,
}

/// The client side of SMTP `AUTH` (RFC 4954).
///
/// Call order: [`SmtpAuth::new`], then loop on [`SmtpAuth::next_action`]: send the bytes of
/// [`Action::Send`], feed one server line to [`SmtpAuth::receive_line`] on [`Action::NeedLine`]
/// (a multi-line reply asks for lines until its last one), stop on [`Action::Done`].
/// [`SmtpAuth::cancel`] aborts with `*` (RFC 4954 section 4).
///
/// ```text
///         ┌ line ≤ 512 octets, or Always ► C: AUTH MECH <b64> ─────────────────┐
///  new() ─┤                                                                     ▼
///         └ longer, or Never ──► C: AUTH MECH ─► S: 334 ─► C: <b64> ─► [ResponseSent]
///                                [CommandSent]                                  │
///    ┌──────────────────────────────────────────────────────────────────────────┘
///    ├─ S: 235 ───────────► Done(Authenticated)
///    ├─ S: 4xx | 5xx ─────► Done(Rejected)
///    └─ S: 334 <b64 JSON> ► C: "" (XOAUTH2) | AQ== (OAUTHBEARER) ─► [ChallengeAnswered]
///                                                   └─ S: 535 ─► Done(Rejected)
///  S: 4xx | 5xx in [CommandSent] ─► Done(Rejected); a multi-line reply (535-...) waits for
///  its last line; anything else ─► Done(Error)
/// ```
#[must_use = "an SmtpAuth does nothing until next_action is called"]
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpAuth {
    driver: Driver,
    sasl: SaslConversation,
    one_line: bool,
    reader: SmtpReplyReader,
}

impl fmt::Debug for SmtpAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpAuth")
            .field("mechanism", &self.sasl.mechanism)
            .field("one_line", &self.one_line)
            .field("state", &self.sasl.state)
            .field("done", &self.driver.is_done())
            .finish_non_exhaustive()
    }
}

impl SmtpAuth {
    /// Checks the configuration and prepares the `AUTH` command. Nothing is sent on error:
    /// `invalid_input` for credentials that cannot be framed, `mechanism_not_offered` when no
    /// EHLO `AUTH` line lists the mechanism.
    pub fn new(config: SmtpAuthConfig) -> Result<SmtpAuth> {
        let response = config
            .credentials
            .initial_response_base64(config.mechanism)?;
        if !offers_mechanism(&config.ehlo_keywords, config.mechanism) {
            return Err(Error::MechanismNotOffered {
                mechanism: config.mechanism.as_str().to_owned(),
                hint: "do STARTTLS and EHLO again first: Exchange advertises AUTH XOAUTH2 only \
                       after STARTTLS; if the EHLO AUTH line still lacks it, the server does not \
                       support OAuth with this mechanism"
                    .to_owned(),
            });
        }
        let one_line_command = format!("AUTH {} {}", config.mechanism, response);
        let one_line = match config.initial_response {
            InitialResponse::Always => true,
            InitialResponse::Never => false,
            InitialResponse::Auto => initial_response_fits(config.mechanism, &response),
        };
        let scrub = vec![
            response.clone(),
            config.credentials.token.expose_secret().to_owned(),
        ];
        let mut driver = Driver::new(Protocol::Smtp, scrub);
        if one_line {
            driver.send(crlf(&one_line_command));
        } else {
            driver.send(crlf(&format!("AUTH {}", config.mechanism)));
        }
        Ok(SmtpAuth {
            driver,
            sasl: SaslConversation::new(config.mechanism, Secret::new(response), one_line),
            one_line,
            reader: SmtpReplyReader::new(),
        })
    }

    /// What to do next: send bytes, read a line, or stop with the outcome.
    pub fn next_action(&mut self) -> Action {
        let action = self.driver.next_action();
        if matches!(action, Action::Send(_)) {
            self.sasl.command_sent = true;
        }
        action
    }

    /// Feeds one server line (with or without CR LF). Lines of a multi-line reply (`535-...`) are
    /// collected until its last line (`535 ...`).
    ///
    /// A line that breaks the protocol ends the exchange: the next action is
    /// `Done(AuthOutcome::Error(..))` with `unexpected_reply`, the one place it is reported.
    /// Errors: only `invalid_input`, when called after `Done` or while bytes still wait to be sent
    /// (see [`crate::login::LoginMachine::receive_line`]).
    pub fn receive_line(&mut self, line: &[u8]) -> Result<()> {
        if let Some(text) = self.driver.accept_line(line)? {
            let handled = self.on_line(text);
            self.driver.settle(handled);
        }
        Ok(())
    }

    /// One readable line; an error ends the exchange (through [`Driver::settle`]).
    fn on_line(&mut self, text: String) -> Result<()> {
        let reply = match self.reader.feed(&text) {
            Ok(Some(reply)) => reply,
            Ok(None) => return Ok(()),
            Err(_) => {
                return Err(self.driver.protocol_error(
                    "expected an SMTP reply line (a code 2yz-5yz, then a space or '-', the same \
                     code on every line of one reply)",
                    &text,
                ));
            }
        };
        let last = reply.lines.last().map(String::as_str).unwrap_or_default();
        match reply.code {
            235 => {
                if self.sasl.state == State::CommandSent {
                    return Err(self
                        .driver
                        .protocol_error("expected 334 before the response was sent", &text));
                }
                self.driver.authenticated(&reply.last_text(), None);
                Ok(())
            }
            334 => self.on_continuation(&text, last),
            400..=599 => {
                let joined = format!("{} {}", reply.code, reply.lines.join(" "));
                self.driver.rejected(RejectionParts {
                    line: &joined,
                    status: reply.code.to_string(),
                    server_text: &reply.last_text(),
                    sasl_error: self.sasl.sasl_error.take(),
                    reply_code: Some(reply.code),
                    enhanced_status: reply.enhanced_status.clone(),
                    cancelled: self.sasl.cancelled,
                    not_applicable: None,
                });
                Ok(())
            }
            _ => Err(self
                .driver
                .protocol_error("expected 235, 334, 4xx or 5xx", &text)),
        }
    }

    fn on_continuation(&mut self, line: &str, challenge: &str) -> Result<()> {
        self.sasl.on_continuation(
            &mut self.driver,
            line,
            challenge,
            "expected the final reply after the challenge was answered",
        )
    }

    /// Aborts the exchange. When the server waits on a `334` answer (or one is about to be
    /// sent), `*\r\n` is sent instead (RFC 4954 section 4) and the server's `501` ends it as a
    /// rejection without diagnosis. A `334` that arrives later is answered with `*`. Before the
    /// command was sent, nothing is sent and the exchange ends with `invalid_input`.
    pub fn cancel(&mut self) {
        self.sasl.cancel(&mut self.driver);
    }

    /// The SASL mechanism.
    pub fn mechanism(&self) -> Mechanism {
        self.sasl.mechanism
    }

    /// Whether the initial response goes on the `AUTH` line.
    pub fn uses_initial_response(&self) -> bool {
        self.one_line
    }

    /// Whether the exchange is over.
    pub fn is_done(&self) -> bool {
        self.driver.is_done()
    }
}

impl_login_machine!(SmtpAuth);

/// Whether `AUTH <mechanism> <response_base64>\r\n` fits the 512 octets RFC 4954 section 4
/// allows, so that [`InitialResponse::Auto`] may send the initial response on the `AUTH` line.
pub fn initial_response_fits(mechanism: Mechanism, response_base64: &str) -> bool {
    "AUTH ".len() + mechanism.as_str().len() + 1 + response_base64.len() + 2 <= MAX_AUTH_LINE
}

/// One complete SMTP reply (RFC 5321 section 4.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpReply {
    /// The three-digit reply code.
    pub code: u16,
    /// The enhanced status code (RFC 3463, `5.7.3`) of the last line, else of the first line that
    /// has one.
    pub enhanced_status: Option<String>,
    /// The text of each line after the code and its `-` or space separator (enhanced status
    /// codes still in place).
    pub lines: Vec<String>,
}

impl SmtpReply {
    /// The last line's text without its enhanced status code (what [`crate::login::Rejection`]
    /// calls `server_text`).
    pub fn last_text(&self) -> String {
        let last = self.lines.last().map(String::as_str).unwrap_or_default();
        split_enhanced_status(self.code, last).1.to_owned()
    }

    /// 2xx.
    pub fn is_positive(&self) -> bool {
        (200..300).contains(&self.code)
    }
}

/// Collects the lines of one reply at a time (RFC 5321 section 4.2.1): `code-text` lines go on,
/// a `code text` (or bare `code`) line ends the reply. Feed lines, get each reply once complete.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SmtpReplyReader {
    code: Option<u16>,
    lines: Vec<String>,
    bytes: usize,
}

impl SmtpReplyReader {
    /// An empty reader.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one line (with or without CR LF). `Ok(None)` while the reply goes on,
    /// `Ok(Some(reply))` on its last line (the reader is then empty again), `malformed` for a
    /// line without a reply code, a code that changes inside a reply, or a reply over
    /// [`MAX_REPLY_LINES`] lines or 1 MiB. After an error the reader is empty.
    pub fn feed(&mut self, line: &str) -> Result<Option<SmtpReply>> {
        let result = self.feed_inner(line);
        if !matches!(result, Ok(None)) {
            *self = SmtpReplyReader::default();
        }
        result
    }

    fn feed_inner(&mut self, line: &str) -> Result<Option<SmtpReply>> {
        let line = line
            .strip_suffix("\r\n")
            .or(line.strip_suffix('\n'))
            .unwrap_or(line);
        if line.contains(['\r', '\n', '\0']) {
            return Err(Error::malformed(
                "SMTP reply line holds CR, LF or NUL inside",
            ));
        }
        let (code, more, text) = split_reply_line(line).ok_or_else(|| {
            Error::malformed(format!(
                "SMTP reply line does not start with a reply code: {}",
                crate::error::quoted_excerpt(line, 80)
            ))
        })?;
        if let Some(prev) = self.code {
            if prev != code {
                return Err(Error::malformed(format!(
                    "SMTP multi-line reply changes its code from {prev} to {code}"
                )));
            }
        }
        self.bytes += line.len();
        if self.lines.len() >= MAX_REPLY_LINES || self.bytes > 1024 * 1024 {
            return Err(Error::malformed("SMTP reply is too long"));
        }
        self.code = Some(code);
        self.lines.push(text.to_owned());
        if more {
            return Ok(None);
        }
        let lines = std::mem::take(&mut self.lines);
        let enhanced_status = lines
            .last()
            .and_then(|l| split_enhanced_status(code, l).0)
            .or_else(|| lines.iter().find_map(|l| split_enhanced_status(code, l).0))
            .map(str::to_owned);
        Ok(Some(SmtpReply {
            code,
            enhanced_status,
            lines,
        }))
    }

    /// Whether part of a multi-line reply was read.
    pub fn is_partial(&self) -> bool {
        !self.lines.is_empty()
    }
}

/// Parses the lines of exactly one reply. `malformed` when there are none, when a line is not a
/// reply line, or when the reply ends before the last line.
pub fn parse_reply(lines: &[String]) -> Result<SmtpReply> {
    let mut reader = SmtpReplyReader::new();
    let n = lines.len();
    for (i, line) in lines.iter().enumerate() {
        match reader.feed(line)? {
            Some(reply) if i + 1 == n => return Ok(reply),
            Some(_) => {
                return Err(Error::malformed(
                    "SMTP reply ends before its last line (a line without '-')",
                ))
            }
            None => {}
        }
    }
    Err(Error::malformed(
        "SMTP reply is incomplete: its last line must be 'code text' without '-'",
    ))
}

/// The keyword lines of an `EHLO` reply (RFC 5321 section 4.1.1.1): every line after the first
/// (which names the server), trimmed, empty lines dropped. Empty for a reply other than 250.
pub fn parse_ehlo(reply: &SmtpReply) -> Vec<String> {
    if reply.code != 250 {
        return Vec::new();
    }
    reply
        .lines
        .iter()
        .skip(1)
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `EHLO <domain>\r\n`. The domain (or address literal such as `[192.0.2.1]`) must be non-empty
/// printable ASCII without spaces, at most 255 octets: else `invalid_input`.
pub fn build_ehlo(domain: &str) -> Result<Vec<u8>> {
    if domain.is_empty() || domain.len() > 255 || !domain.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid_input(format!(
            "EHLO domain {} must be a host name or address literal without spaces or control characters",
            crate::error::quoted_excerpt(domain, 40)
        )));
    }
    Ok(crlf(&format!("EHLO {domain}")))
}

/// `STARTTLS\r\n` (RFC 3207).
pub fn build_starttls() -> Vec<u8> {
    b"STARTTLS\r\n".to_vec()
}

/// Whether an EHLO keyword line `AUTH ...` (or `AUTH=...`) lists the mechanism
/// (case-insensitive).
pub fn offers_mechanism(ehlo_keywords: &[String], mechanism: Mechanism) -> bool {
    ehlo_keywords.iter().any(|line| {
        let line = line.trim();
        let is_auth = line
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case("AUTH ") || p.eq_ignore_ascii_case("AUTH="));
        is_auth
            && line
                .get(5..)
                .unwrap_or_default()
                .split_whitespace()
                .any(|m| m.eq_ignore_ascii_case(mechanism.as_str()))
    })
}

/// `code`, whether more lines follow (`-`), and the text. `None` when the line does not start
/// with a reply code `2yz`–`5yz` followed by a space, `-` or the end.
pub(crate) fn split_reply_line(line: &str) -> Option<(u16, bool, &str)> {
    let digits = line.get(..3)?;
    let b = digits.as_bytes();
    if !b.iter().all(u8::is_ascii_digit) || !(b'2'..=b'5').contains(b.first()?) {
        return None;
    }
    let code: u16 = digits.parse().ok()?;
    let rest = line.get(3..)?;
    if rest.is_empty() {
        return Some((code, false, ""));
    }
    if let Some(text) = rest.strip_prefix(' ') {
        return Some((code, false, text));
    }
    rest.strip_prefix('-').map(|text| (code, true, text))
}

/// Splits a leading RFC 3463 enhanced status code (`class.subject.detail`, class 2, 4 or 5 and
/// the same as the reply code's first digit when `code` is not 0) off a reply text.
pub(crate) fn split_enhanced_status(code: u16, text: &str) -> (Option<&str>, &str) {
    let (word, rest) = match text.split_once(' ') {
        Some((w, r)) => (w, r),
        None => (text, ""),
    };
    let mut parts = word.split('.');
    let (Some(class), Some(subject), Some(detail), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return (None, text);
    };
    let digits = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
    };
    let class_ok = matches!(class, "2" | "4" | "5")
        && (code == 0 || class.parse::<u16>().ok() == Some(code / 100));
    if class_ok && digits(subject, 3) && digits(detail, 3) {
        (Some(word), rest)
    } else {
        (None, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::login::{broken_line, AuthOutcome};

    const TOKEN: &str = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg";

    fn config(ir: InitialResponse, ehlo: &[&str]) -> SmtpAuthConfig {
        SmtpAuthConfig {
            mechanism: Mechanism::XOAuth2,
            credentials: Credentials::new("someuser@example.com", TOKEN),
            ehlo_keywords: ehlo.iter().map(|s| s.to_string()).collect(),
            initial_response: ir,
        }
    }

    fn done(a: &mut SmtpAuth) -> AuthOutcome {
        match a.next_action() {
            Action::Done(o) => o,
            other => panic!("not done: {other:?}"),
        }
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn offers() {
        assert!(offers_mechanism(
            &strings(&["AUTH LOGIN XOAUTH2"]),
            Mechanism::XOAuth2
        ));
        assert!(offers_mechanism(
            &strings(&["auth=login xoauth2"]),
            Mechanism::XOAuth2
        ));
        assert!(!offers_mechanism(
            &strings(&["AUTHX XOAUTH2", "XOAUTH2", "AUTH"]),
            Mechanism::XOAuth2
        ));
        assert!(!offers_mechanism(
            &strings(&["AUTH LOGIN XOAUTH2"]),
            Mechanism::OAuthBearer
        ));
        let e = SmtpAuth::new(config(InitialResponse::Auto, &["AUTH LOGIN"])).unwrap_err();
        assert_eq!(e.code(), "mechanism_not_offered");
        assert!(e.to_string().contains("STARTTLS and EHLO again"));
    }

    #[test]
    fn always_forces_one_line() {
        let mut a = SmtpAuth::new(config(InitialResponse::Always, &["AUTH XOAUTH2"])).unwrap();
        assert!(a.uses_initial_response());
        match a.next_action() {
            Action::Send(b) => assert!(b.starts_with(b"AUTH XOAUTH2 dXNl")),
            o => panic!("{o:?}"),
        }
        a.receive_line(b"235 2.7.0 Authentication successful")
            .unwrap();
        match done(&mut a) {
            AuthOutcome::Authenticated(x) => assert_eq!(x.server_text, "Authentication successful"),
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn early_refusal_and_early_success() {
        let mut a = SmtpAuth::new(config(InitialResponse::Never, &["AUTH XOAUTH2"])).unwrap();
        let _ = a.next_action();
        a.receive_line(b"504 5.7.4 Unrecognized authentication type")
            .unwrap();
        match done(&mut a) {
            AuthOutcome::Rejected(r) => {
                assert_eq!(r.diagnosis.unwrap().code, "mechanism_not_offered");
                assert_eq!(r.status, "504");
                assert!(!r.retry_with_fresh_token);
            }
            o => panic!("{o:?}"),
        }
        let mut a = SmtpAuth::new(config(InitialResponse::Never, &["AUTH XOAUTH2"])).unwrap();
        let _ = a.next_action();
        assert_eq!(broken_line(&mut a, b"235 ok").code(), "unexpected_reply");
    }

    #[test]
    fn garbage() {
        for bad in [
            &b"250 OK"[..],
            b"hello",
            b"",
            b"23",
            b"2355 x",
            b"100 x",
            b"535_x",
            b"\xff\xfe",
        ] {
            let mut a = SmtpAuth::new(config(InitialResponse::Always, &["AUTH XOAUTH2"])).unwrap();
            let _ = a.next_action();
            let e = broken_line(&mut a, bad);
            assert_eq!(e.code(), "unexpected_reply", "{bad:?}");
            assert_eq!(done(&mut a), AuthOutcome::Error(e));
        }
        // Code change inside a multi-line reply.
        let mut a = SmtpAuth::new(config(InitialResponse::Always, &["AUTH XOAUTH2"])).unwrap();
        let _ = a.next_action();
        a.receive_line(b"535-a").unwrap();
        assert_eq!(broken_line(&mut a, b"554 b").code(), "unexpected_reply");
        // A second challenge.
        let mut a = SmtpAuth::new(config(InitialResponse::Always, &["AUTH XOAUTH2"])).unwrap();
        let _ = a.next_action();
        a.receive_line(b"334 e30=").unwrap();
        let _ = a.next_action();
        assert_eq!(broken_line(&mut a, b"334 ").code(), "unexpected_reply");
    }

    #[test]
    fn cancel_paths() {
        let mut a = SmtpAuth::new(config(InitialResponse::Never, &["AUTH XOAUTH2"])).unwrap();
        a.cancel();
        assert!(matches!(done(&mut a), AuthOutcome::Error(e) if e.code() == "invalid_input"));
        let mut a = SmtpAuth::new(config(InitialResponse::Never, &["AUTH XOAUTH2"])).unwrap();
        let _ = a.next_action();
        a.receive_line(b"334 ").unwrap();
        a.cancel();
        assert_eq!(a.next_action(), Action::Send(b"*\r\n".to_vec()));
        a.receive_line(b"501 5.7.0 Authentication cancelled")
            .unwrap();
        match done(&mut a) {
            AuthOutcome::Rejected(r) => {
                assert_eq!(r.reply_code, Some(501));
                assert!(r.diagnosis.is_none());
            }
            o => panic!("{o:?}"),
        }
        let mut a = SmtpAuth::new(config(InitialResponse::Never, &["AUTH XOAUTH2"])).unwrap();
        let _ = a.next_action();
        a.cancel();
        a.receive_line(b"334 ").unwrap();
        assert_eq!(a.next_action(), Action::Send(b"*\r\n".to_vec()));
        let mut a = SmtpAuth::new(config(InitialResponse::Always, &["AUTH XOAUTH2"])).unwrap();
        let _ = a.next_action();
        a.cancel();
        a.receive_line(b"334 e30=").unwrap();
        assert_eq!(a.next_action(), Action::Send(b"*\r\n".to_vec()));
    }

    #[test]
    fn reader_and_parsers() {
        let mut r = SmtpReplyReader::new();
        assert_eq!(
            r.feed("250-smtp.office365.com Hello [192.0.2.1]\r\n")
                .unwrap(),
            None
        );
        assert!(r.is_partial());
        assert_eq!(r.feed("250-SIZE 157286400").unwrap(), None);
        assert_eq!(r.feed("250-AUTH LOGIN XOAUTH2").unwrap(), None);
        let reply = r.feed("250 SMTPUTF8").unwrap().unwrap();
        assert!(!r.is_partial());
        assert!(reply.is_positive());
        assert_eq!(reply.enhanced_status, None);
        assert_eq!(
            parse_ehlo(&reply),
            strings(&["SIZE 157286400", "AUTH LOGIN XOAUTH2", "SMTPUTF8"])
        );
        let reply = parse_reply(&strings(&[
            "535-5.7.8 Username and Password not accepted.",
            "535 5.7.8 https://x",
        ]))
        .unwrap();
        assert_eq!(reply.code, 535);
        assert_eq!(reply.enhanced_status.as_deref(), Some("5.7.8"));
        assert_eq!(reply.last_text(), "https://x");
        assert!(parse_ehlo(&reply).is_empty());
        assert_eq!(
            parse_reply(&strings(&["334"])).unwrap().lines,
            vec![String::new()]
        );
        assert!(parse_reply(&[]).is_err());
        assert!(parse_reply(&strings(&["250-a"])).is_err());
        assert!(parse_reply(&strings(&["250 a", "250 b"])).is_err());
        assert!(parse_reply(&strings(&["abc"])).is_err());
        assert!(r.feed("250-x\r\ny").is_err());
        let mut r = SmtpReplyReader::new();
        for _ in 0..MAX_REPLY_LINES {
            assert_eq!(r.feed("250-x").unwrap(), None);
        }
        assert!(r.feed("250-x").is_err());
        assert!(!r.is_partial());
        assert_eq!(
            build_ehlo("client.example.com").unwrap(),
            b"EHLO client.example.com\r\n"
        );
        assert_eq!(build_ehlo("[192.0.2.1]").unwrap(), b"EHLO [192.0.2.1]\r\n");
        for bad in ["", "a b", "a\r\nMAIL", "é"] {
            assert_eq!(build_ehlo(bad).unwrap_err().code(), "invalid_input");
        }
        assert_eq!(build_starttls(), b"STARTTLS\r\n");
    }

    #[test]
    fn enhanced_status_split() {
        assert_eq!(
            split_enhanced_status(535, "5.7.3 Auth"),
            (Some("5.7.3"), "Auth")
        );
        assert_eq!(split_enhanced_status(535, "5.7.139"), (Some("5.7.139"), ""));
        assert_eq!(split_enhanced_status(535, "4.7.3 x"), (None, "4.7.3 x"));
        assert_eq!(split_enhanced_status(0, "4.7.0 x"), (Some("4.7.0"), "x"));
        assert_eq!(split_enhanced_status(250, "1.2.3.4 x"), (None, "1.2.3.4 x"));
        assert_eq!(
            split_enhanced_status(250, "2.1234.0 x"),
            (None, "2.1234.0 x")
        );
        assert_eq!(split_enhanced_status(250, "2..0 x"), (None, "2..0 x"));
        assert_eq!(split_reply_line("535"), Some((535, false, "")));
        assert_eq!(split_reply_line("535-x"), Some((535, true, "x")));
        assert_eq!(split_reply_line("5é5 x"), None);
        assert_eq!(split_reply_line("53"), None);
    }

    #[test]
    fn boundary_512() {
        // 15 + 497 = 512 octets fit; 513 do not.
        assert!(initial_response_fits(Mechanism::XOAuth2, &"A".repeat(497)));
        assert!(!initial_response_fits(Mechanism::XOAuth2, &"A".repeat(498)));
        assert!(initial_response_fits(
            Mechanism::OAuthBearer,
            &"A".repeat(493)
        ));
        assert!(!initial_response_fits(
            Mechanism::OAuthBearer,
            &"A".repeat(494)
        ));
    }
}
