//! POP3 `AUTH` with XOAUTH2 or OAUTHBEARER as a sans-IO state machine, and the `CAPA` parser.
//!
//! Specifications: RFC 5034 (POP3 SASL, the `AUTH` command and its optional initial response),
//! RFC 2449 (`CAPA`, the `SASL` capability), RFC 1939 (status indicators, multi-line responses),
//! RFC 7628 section 3.2.2 (the failure challenge); docs/protocol.md section 5 for Exchange Online.
//!
//! Exchange Online requires the two-line form — `AUTH XOAUTH2`, the server's `+` (with or
//! without a trailing space), then the base64 line — and answers the one-line form of RFC 5034
//! with `-ERR Protocol error. Connection is closed. 10`. So [`InitialResponse::Auto`] and
//! [`InitialResponse::Never`] use two lines; only [`InitialResponse::Always`] sends the initial
//! response on the `AUTH` line (RFC 5034 section 4 limits that line to 255 octets; `Always` is
//! for servers known to accept it).
//!
//! ```
//! use mailoauth::login::{Action, AuthOutcome, InitialResponse};
//! use mailoauth::pop3::{PopAuth, PopAuthConfig};
//! use mailoauth::sasl::{Credentials, Mechanism};
//!
//! let mut auth = PopAuth::new(PopAuthConfig {
//!     mechanism: Mechanism::XOAuth2,
//!     credentials: Credentials::new("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"),
//!     capabilities: None,
//!     initial_response: InitialResponse::Auto,
//! })?;
//! assert_eq!(auth.next_action(), Action::Send(b"AUTH XOAUTH2\r\n".to_vec()));
//! assert_eq!(auth.next_action(), Action::NeedLine);
//! auth.receive_line(b"+\r\n")?;
//! assert!(matches!(auth.next_action(), Action::Send(_)));
//! auth.receive_line(b"+OK User successfully authenticated.\r\n")?;
//! assert!(matches!(auth.next_action(), Action::Done(AuthOutcome::Authenticated(_))));
//! # Ok::<(), mailoauth::Error>(())
//! ```

use crate::cloud::Protocol;
use crate::diagnose::reply::POP_TWO_STEP_REQUIRED;
use crate::error::{Error, Result};
use crate::login::{
    crlf, impl_login_machine, Action, Driver, InitialResponse, RejectionParts, SaslConversation,
    SaslState as State,
};
use crate::sasl::{Credentials, Mechanism};
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a POP3 authentication is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopAuthConfig {
    /// `XOAUTH2` or `OAUTHBEARER`.
    pub mechanism: Mechanism,
    /// The mailbox and the token (and OAUTHBEARER host/port).
    pub credentials: Credentials,
    /// The `CAPA` lines ([`parse_capa`]) when known: the mechanism must then be in the `SASL`
    /// line. `None` skips the check (Exchange answers `CAPA`, but not every server does).
    pub capabilities: Option<Vec<String>>,
    /// Two-line (`Auto`, `Never`) or one-line (`Always`) `AUTH`.
    pub initial_response: InitialResponse,
}

/// The client side of POP3 `AUTH` (RFC 5034).
///
/// Call order: [`PopAuth::new`], then loop on [`PopAuth::next_action`]: send the bytes of
/// [`Action::Send`], feed one server line to [`PopAuth::receive_line`] on [`Action::NeedLine`],
/// stop on [`Action::Done`]. [`PopAuth::cancel`] aborts with `*` (RFC 5034 section 4).
///
/// ```text
///         ┌ Always ────────► C: AUTH MECH <b64> ──────────────────────────┐
///  new() ─┤                                                                ▼
///         └ Auto | Never ──► C: AUTH MECH ─► S: + ─► C: <b64> ─────► [ResponseSent]
///                            [CommandSent]                                 │
///    ┌─────────────────────────────────────────────────────────────────────┘
///    ├─ S: +OK ───────────► Done(Authenticated)
///    ├─ S: -ERR ──────────► Done(Rejected)
///    └─ S: + <b64 JSON> ──► C: "" (XOAUTH2) | AQ== (OAUTHBEARER) ─► [ChallengeAnswered]
///                                                   └─ S: -ERR ─► Done(Rejected)
///  S: -ERR in [CommandSent] ─► Done(Rejected); anything else ─► Done(Error)
/// ```
#[must_use = "a PopAuth does nothing until next_action is called"]
#[derive(Clone, PartialEq, Eq)]
pub struct PopAuth {
    driver: Driver,
    sasl: SaslConversation,
    one_line: bool,
}

impl fmt::Debug for PopAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PopAuth")
            .field("mechanism", &self.sasl.mechanism)
            .field("one_line", &self.one_line)
            .field("state", &self.sasl.state)
            .field("done", &self.driver.is_done())
            .finish_non_exhaustive()
    }
}

impl PopAuth {
    /// Checks the configuration and prepares the `AUTH` command. Nothing is sent on error:
    /// `invalid_input` for credentials that cannot be framed, `mechanism_not_offered` when the
    /// capabilities are given and their `SASL` line lacks the mechanism.
    pub fn new(config: PopAuthConfig) -> Result<PopAuth> {
        let response = config
            .credentials
            .initial_response_base64(config.mechanism)?;
        if let Some(caps) = &config.capabilities {
            if !offers_mechanism(caps, config.mechanism) {
                return Err(Error::MechanismNotOffered {
                    mechanism: config.mechanism.as_str().to_owned(),
                    hint: format!(
                        "the CAPA response has no SASL line listing {}: ask CAPA again on the \
                         TLS connection; if it is still missing the server does not support \
                         OAuth with this mechanism (Exchange Online offers XOAUTH2)",
                        config.mechanism
                    ),
                });
            }
        }
        let one_line = config.initial_response == InitialResponse::Always;
        let scrub = vec![
            response.clone(),
            config.credentials.token.expose_secret().to_owned(),
        ];
        let mut driver = Driver::new(Protocol::Pop, scrub);
        let command = if one_line {
            format!("AUTH {} {}", config.mechanism, response)
        } else {
            format!("AUTH {}", config.mechanism)
        };
        driver.send(crlf(&command));
        Ok(PopAuth {
            driver,
            sasl: SaslConversation::new(config.mechanism, Secret::new(response), one_line),
            one_line,
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

    /// Feeds one server line (with or without CR LF).
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
        match classify(&text) {
            Some(Line::Continuation(challenge)) => self.on_continuation(&text, challenge),
            Some(Line::Ok(rest)) => {
                if self.sasl.state == State::CommandSent {
                    return Err(self
                        .driver
                        .protocol_error("expected '+' before the response was sent", &text));
                }
                self.driver.authenticated(rest, None);
                Ok(())
            }
            Some(Line::Err(rest)) => {
                self.driver.rejected(RejectionParts {
                    line: &text,
                    status: "-ERR".to_owned(),
                    server_text: rest,
                    sasl_error: self.sasl.sasl_error.take(),
                    reply_code: None,
                    enhanced_status: None,
                    cancelled: self.sasl.cancelled,
                    not_applicable: (!self.one_line).then_some(POP_TWO_STEP_REQUIRED),
                });
                Ok(())
            }
            None => Err(self
                .driver
                .protocol_error("expected '+', '+OK' or '-ERR'", &text)),
        }
    }

    fn on_continuation(&mut self, line: &str, challenge: &str) -> Result<()> {
        self.sasl.on_continuation(
            &mut self.driver,
            line,
            challenge,
            "expected +OK or -ERR after the challenge was answered",
        )
    }

    /// Aborts the exchange. When the server waits on a continuation answer (or one is about to
    /// be sent), `*\r\n` is sent instead (RFC 5034 section 4) and the server's `-ERR` ends it as
    /// a rejection without diagnosis. A continuation that arrives later is answered with `*`.
    /// Before the command was sent, nothing is sent and the exchange ends with `invalid_input`.
    pub fn cancel(&mut self) {
        self.sasl.cancel(&mut self.driver);
    }

    /// The SASL mechanism.
    pub fn mechanism(&self) -> Mechanism {
        self.sasl.mechanism
    }

    /// Whether the one-line form (initial response on the `AUTH` line) is used.
    pub fn uses_initial_response(&self) -> bool {
        self.one_line
    }

    /// Whether the exchange is over.
    pub fn is_done(&self) -> bool {
        self.driver.is_done()
    }
}

impl_login_machine!(PopAuth);

enum Line<'a> {
    Continuation(&'a str),
    Ok(&'a str),
    Err(&'a str),
}

fn status_rest<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let head = text.get(..word.len())?;
    if !head.eq_ignore_ascii_case(word) {
        return None;
    }
    let rest = text.get(word.len()..)?;
    if rest.is_empty() {
        Some(rest)
    } else {
        rest.strip_prefix(' ')
    }
}

fn classify(text: &str) -> Option<Line<'_>> {
    if let Some(rest) = status_rest(text, "+OK") {
        return Some(Line::Ok(rest));
    }
    if let Some(rest) = status_rest(text, "-ERR") {
        return Some(Line::Err(rest));
    }
    if text == "+" {
        return Some(Line::Continuation(""));
    }
    text.strip_prefix("+ ").map(Line::Continuation)
}

/// A POP3 status line (RFC 1939 section 3): `+OK text` or `-ERR text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PopReply {
    /// `true` for `+OK`, `false` for `-ERR`.
    pub ok: bool,
    /// The text after the status indicator.
    pub text: String,
}

/// Parses a status line (the greeting, the answer to `CAPA` or `AUTH`). `malformed` for anything
/// that is not `+OK` or `-ERR` (a `+` continuation included).
pub fn parse_reply(line: &str) -> Result<PopReply> {
    let text = line
        .strip_suffix("\r\n")
        .or(line.strip_suffix('\n'))
        .unwrap_or(line);
    match classify(text) {
        Some(Line::Ok(rest)) => Ok(PopReply {
            ok: true,
            text: rest.to_owned(),
        }),
        Some(Line::Err(rest)) => Ok(PopReply {
            ok: false,
            text: rest.to_owned(),
        }),
        _ => Err(Error::malformed(format!(
            "POP3 status line is not +OK or -ERR: {}",
            crate::error::quoted_excerpt(text, 80)
        ))),
    }
}

/// `CAPA\r\n` (RFC 2449 section 5).
pub fn build_capa_command() -> Vec<u8> {
    b"CAPA\r\n".to_vec()
}

/// The capability lines of a `CAPA` response (RFC 2449 section 5): the `+OK` first line is
/// skipped, reading stops at the `.` terminator, dot-stuffing is undone, CR LF and surrounding
/// white space are removed, empty lines are dropped. A `-ERR` first line (no `CAPA` support)
/// gives an empty list.
pub fn parse_capa(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.trim_end_matches(['\r', '\n']);
        if i == 0 {
            match classify(line) {
                Some(Line::Ok(_)) => continue,
                Some(Line::Err(_)) => return Vec::new(),
                _ => {}
            }
        }
        if line == "." {
            break;
        }
        let line = line.strip_prefix('.').unwrap_or(line).trim();
        if !line.is_empty() {
            out.push(line.to_owned());
        }
    }
    out
}

/// Whether the `CAPA` lines hold a `SASL` line listing the mechanism (case-insensitive).
pub fn offers_mechanism(capabilities: &[String], mechanism: Mechanism) -> bool {
    capabilities.iter().any(|line| {
        let mut words = line.split_whitespace();
        words.next().is_some_and(|w| w.eq_ignore_ascii_case("SASL"))
            && words.any(|m| m.eq_ignore_ascii_case(mechanism.as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::login::{broken_line, AuthOutcome};

    const TOKEN: &str = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg";
    const B64: &str = "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==";

    fn config(ir: InitialResponse, caps: Option<&[&str]>) -> PopAuthConfig {
        PopAuthConfig {
            mechanism: Mechanism::XOAuth2,
            credentials: Credentials::new("someuser@example.com", TOKEN),
            capabilities: caps.map(|c| c.iter().map(|s| s.to_string()).collect()),
            initial_response: ir,
        }
    }

    fn done(a: &mut PopAuth) -> AuthOutcome {
        match a.next_action() {
            Action::Done(o) => o,
            other => panic!("not done: {other:?}"),
        }
    }

    #[test]
    fn never_is_two_step() {
        let mut a = PopAuth::new(config(InitialResponse::Never, None)).unwrap();
        assert!(!a.uses_initial_response());
        assert_eq!(a.next_action(), Action::Send(b"AUTH XOAUTH2\r\n".to_vec()));
        a.receive_line(b"+ \r\n").unwrap();
        assert_eq!(a.next_action(), Action::Send(crlf(B64)));
        a.receive_line(b"+ok welcome").unwrap();
        match done(&mut a) {
            AuthOutcome::Authenticated(x) => assert_eq!(x.server_text, "welcome"),
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn early_err_and_early_ok() {
        let mut a = PopAuth::new(config(InitialResponse::Auto, None)).unwrap();
        let _ = a.next_action();
        a.receive_line(b"-ERR Unrecognized authentication type")
            .unwrap();
        match done(&mut a) {
            AuthOutcome::Rejected(r) => {
                assert_eq!(r.diagnosis.unwrap().code, "mechanism_not_offered");
                assert!(!r.retry_with_fresh_token);
            }
            o => panic!("{o:?}"),
        }
        let mut a = PopAuth::new(config(InitialResponse::Auto, None)).unwrap();
        let _ = a.next_action();
        assert_eq!(broken_line(&mut a, b"+OK").code(), "unexpected_reply");
    }

    #[test]
    fn protocol_error_after_two_step_is_not_two_step_hint() {
        let mut a = PopAuth::new(config(InitialResponse::Auto, None)).unwrap();
        let _ = a.next_action();
        a.receive_line(b"+").unwrap();
        let _ = a.next_action();
        a.receive_line(b"-ERR Protocol error. Connection is closed. 10")
            .unwrap();
        match done(&mut a) {
            // Not the two-step hint (the AUTH was two-step already), and not a verdict on the
            // token: the catalogue does not know it, so it is `unrecognized`.
            AuthOutcome::Rejected(r) => {
                assert_eq!(r.diagnosis.unwrap().code, "unrecognized");
                assert!(!r.retry_with_fresh_token);
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn capabilities_check() {
        let caps: &[&str] = &["TOP", "UIDL", "SASL PLAIN XOAUTH2", "USER"];
        assert!(PopAuth::new(config(InitialResponse::Auto, Some(caps))).is_ok());
        let e = PopAuth::new(config(
            InitialResponse::Auto,
            Some(&["SASL PLAIN", "XOAUTH2"]),
        ))
        .unwrap_err();
        assert_eq!(e.code(), "mechanism_not_offered");
        assert!(PopAuth::new(config(InitialResponse::Auto, Some(&[]))).is_err());
        let mut c = config(InitialResponse::Auto, None);
        c.credentials = Credentials::new("u", "Bearer x");
        assert_eq!(PopAuth::new(c).unwrap_err().code(), "invalid_input");
    }

    #[test]
    fn garbage_and_double_challenge() {
        for bad in [&b"OK"[..], b"", b"+OKAY", b"-ERRx", b"+x", b"\0"] {
            let mut a = PopAuth::new(config(InitialResponse::Always, None)).unwrap();
            let _ = a.next_action();
            let e = broken_line(&mut a, bad);
            assert_eq!(e.code(), "unexpected_reply", "{bad:?}");
            assert_eq!(done(&mut a), AuthOutcome::Error(e));
        }
        let mut a = PopAuth::new(config(InitialResponse::Always, None)).unwrap();
        let _ = a.next_action();
        a.receive_line(b"+ !!").unwrap();
        assert_eq!(a.next_action(), Action::Send(b"\r\n".to_vec()));
        assert_eq!(broken_line(&mut a, b"+ ").code(), "unexpected_reply");
    }

    #[test]
    fn cancel_paths() {
        let mut a = PopAuth::new(config(InitialResponse::Auto, None)).unwrap();
        a.cancel();
        assert!(matches!(done(&mut a), AuthOutcome::Error(e) if e.code() == "invalid_input"));
        let mut a = PopAuth::new(config(InitialResponse::Auto, None)).unwrap();
        let _ = a.next_action();
        a.cancel();
        a.receive_line(b"+ ").unwrap();
        assert_eq!(a.next_action(), Action::Send(b"*\r\n".to_vec()));
        a.receive_line(b"-ERR cancelled").unwrap();
        match done(&mut a) {
            AuthOutcome::Rejected(r) => assert!(r.diagnosis.is_none()),
            o => panic!("{o:?}"),
        }
        let mut a = PopAuth::new(config(InitialResponse::Auto, None)).unwrap();
        let _ = a.next_action();
        a.receive_line(b"+ ").unwrap();
        a.cancel();
        a.cancel();
        assert_eq!(a.next_action(), Action::Send(b"*\r\n".to_vec()));
        let mut a = PopAuth::new(config(InitialResponse::Always, None)).unwrap();
        let _ = a.next_action();
        a.cancel();
        a.receive_line(b"+ e30=").unwrap();
        assert_eq!(a.next_action(), Action::Send(b"*\r\n".to_vec()));
    }

    #[test]
    fn parsers() {
        let lines: Vec<String> = [
            "+OK Capability list follows\r\n",
            "TOP\r\n",
            "SASL PLAIN XOAUTH2\r\n",
            "..odd\r\n",
            "\r\n",
            ".\r\n",
            "AFTER\r\n",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            parse_capa(&lines),
            vec!["TOP", "SASL PLAIN XOAUTH2", ".odd"]
        );
        assert!(parse_capa(&["-ERR no".to_owned()]).is_empty());
        assert_eq!(parse_capa(&["USER".to_owned()]), vec!["USER"]);
        assert!(parse_capa(&[]).is_empty());
        assert_eq!(build_capa_command(), b"CAPA\r\n");
        assert_eq!(
            parse_reply("+OK The Microsoft Exchange POP3 service is ready.\r\n").unwrap(),
            PopReply {
                ok: true,
                text: "The Microsoft Exchange POP3 service is ready.".into()
            }
        );
        assert!(!parse_reply("-ERR").unwrap().ok);
        for bad in ["+", "+ x", "", "OK"] {
            assert_eq!(parse_reply(bad).unwrap_err().code(), "malformed");
        }
    }
}
