//! IMAP `AUTHENTICATE` with XOAUTH2 or OAUTHBEARER as a sans-IO state machine, and the parsers a
//! driver needs to get there from a fresh connection (greeting, `CAPABILITY`).
//!
//! Specifications: RFC 9051 section 6.2.2 (and RFC 3501 section 6.2.2) for `AUTHENTICATE`,
//! RFC 4959 for the SASL initial response (`SASL-IR`), RFC 7628 section 3.2.2 for the failure
//! challenge, RFC 5530 for response codes such as `[AUTHENTICATIONFAILED]`; docs/protocol.md
//! sections 4–6 for Exchange Online's behaviour.
//!
//! A driver goes from a fresh connection to a finished login with the core alone:
//!
//! 1. read the greeting, [`parse_greeting`]; when it carries no `[CAPABILITY ...]`, send
//!    [`build_capability_command`] and read lines with [`parse_response`] until the tagged
//!    completion, keeping [`ImapResponse::capabilities`];
//! 2. run [`ImapAuth`] with those capabilities;
//! 3. after success, send a cheap command (`NOOP`, `SELECT INBOX`): Exchange may answer
//!    `BAD User is authenticated but not connected.` ([`crate::diagnose::reply::diagnose_reply`]
//!    says `not_connected`).
//!
//! ```
//! use mailoauth::login::{Action, AuthOutcome};
//! use mailoauth::imap::{ImapAuth, ImapAuthConfig};
//! use mailoauth::sasl::{Credentials, Mechanism};
//!
//! let mut auth = ImapAuth::new(ImapAuthConfig {
//!     mechanism: Mechanism::XOAuth2,
//!     credentials: Credentials::new("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"),
//!     tag: "A01".into(),
//!     capabilities: vec!["IMAP4rev1".into(), "AUTH=XOAUTH2".into(), "SASL-IR".into()],
//! })?;
//! assert_eq!(auth.next_action(), Action::Send(b"A01 AUTHENTICATE XOAUTH2 dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==\r\n".to_vec()));
//! assert_eq!(auth.next_action(), Action::NeedLine);
//! auth.receive_line(b"A01 OK AUTHENTICATE completed.\r\n")?;
//! assert!(matches!(auth.next_action(), Action::Done(AuthOutcome::Authenticated(_))));
//! # Ok::<(), mailoauth::Error>(())
//! ```

use crate::cloud::Protocol;
use crate::error::{excerpt, Error, Result};
use crate::login::{crlf, impl_login_machine, Action, Driver, RejectionParts, SaslConversation};
use crate::sasl::{Credentials, Mechanism};
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What an IMAP authentication is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapAuthConfig {
    /// `XOAUTH2` or `OAUTHBEARER`.
    pub mechanism: Mechanism,
    /// The mailbox and the token (and OAUTHBEARER host/port).
    pub credentials: Credentials,
    /// The command tag (`A01`): IMAP tag characters only (RFC 9051 `tag`), no space, CR, LF,
    /// `+`, `*`, `%`, `(`, `)`, `{`, `"`, `\`, `]`.
    pub tag: String,
    /// The server's capabilities (atoms of `* CAPABILITY` or of the greeting's
    /// `[CAPABILITY ...]`). `AUTH=<mechanism>` must be among them; `SASL-IR` enables the
    /// one-line form.
    pub capabilities: Vec<String>,
}

/// The client side of IMAP `AUTHENTICATE` (RFC 9051 / RFC 3501 section 6.2.2, RFC 4959 SASL-IR).
///
/// Call order: [`ImapAuth::new`], then loop on [`ImapAuth::next_action`]: send the bytes of
/// [`Action::Send`], feed one server line to [`ImapAuth::receive_line`] on [`Action::NeedLine`],
/// stop on [`Action::Done`]. [`ImapAuth::cancel`] aborts (RFC 9051: the client answers a
/// continuation with `*`).
///
/// ```text
///         ┌ SASL-IR ──► C: TAG AUTHENTICATE MECH <b64> ─────────────────────┐
///  new() ─┤                                                                  ▼
///         └ otherwise ► C: TAG AUTHENTICATE MECH ─► S: + ─► C: <b64> ─► [ResponseSent]
///                       [CommandSent]                                        │
///    ┌───────────────────────────────────────────────────────────────────────┘
///    ├─ S: TAG OK ────────► Done(Authenticated)
///    ├─ S: TAG NO | BAD ──► Done(Rejected)
///    └─ S: + <b64 JSON> ──► C: "" (XOAUTH2) | AQ== (OAUTHBEARER) ─► [ChallengeAnswered]
///                                                   └─ S: TAG NO ─► Done(Rejected)
///  any state: S: * ... (kept or ignored; * BYE ─► Done(Rejected)); anything else ─► Done(Error)
/// ```
///
/// Untagged `*` lines may come at any point; `* CAPABILITY` and `[CAPABILITY ...]` are kept, a
/// tagged `OK [CAPABILITY ...]` replaces them. A line that breaks the protocol (another tag,
/// garbage, a second challenge, a line over 64 KiB) ends the exchange with `unexpected_reply`.
#[must_use = "an ImapAuth does nothing until next_action is called"]
#[derive(Clone, PartialEq, Eq)]
pub struct ImapAuth {
    driver: Driver,
    sasl: SaslConversation,
    tag: String,
    initial_response: bool,
    capabilities: Option<Vec<String>>,
}

impl fmt::Debug for ImapAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapAuth")
            .field("tag", &self.tag)
            .field("mechanism", &self.sasl.mechanism)
            .field("sasl_ir", &self.initial_response)
            .field("state", &self.sasl.state)
            .field("done", &self.driver.is_done())
            .finish_non_exhaustive()
    }
}

impl ImapAuth {
    /// Checks the configuration and prepares the first command. Nothing is sent on error:
    /// `invalid_input` for a bad tag or credentials that cannot be framed,
    /// `mechanism_not_offered` when `AUTH=<MECH>` is not among the capabilities.
    pub fn new(config: ImapAuthConfig) -> Result<ImapAuth> {
        validate_tag(&config.tag)?;
        let response = config
            .credentials
            .initial_response_base64(config.mechanism)?;
        if !offers_mechanism(&config.capabilities, config.mechanism) {
            return Err(Error::MechanismNotOffered {
                mechanism: config.mechanism.as_str().to_owned(),
                hint: format!(
                    "the capabilities do not list AUTH={}: ask CAPABILITY again on the TLS \
                     connection; if it is still missing the server does not support OAuth with \
                     this mechanism (Exchange Online offers AUTH=XOAUTH2)",
                    config.mechanism
                ),
            });
        }
        let sasl_ir = supports_sasl_ir(&config.capabilities);
        let mut scrub = vec![response.clone()];
        scrub.push(config.credentials.token.expose_secret().to_owned());
        let mut driver = Driver::new(Protocol::Imap, scrub);
        let command = if sasl_ir {
            format!(
                "{} AUTHENTICATE {} {}",
                config.tag, config.mechanism, response
            )
        } else {
            format!("{} AUTHENTICATE {}", config.tag, config.mechanism)
        };
        driver.send(crlf(&command));
        Ok(ImapAuth {
            driver,
            sasl: SaslConversation::new(config.mechanism, Secret::new(response), sasl_ir),
            tag: config.tag,
            initial_response: sasl_ir,
            capabilities: None,
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
        if let Some(rest) = text.strip_prefix('+') {
            let challenge = rest.strip_prefix(' ').unwrap_or(rest);
            return self.on_continuation(&text, challenge);
        }
        let (first, rest) = split_word(&text);
        if first == "*" {
            return self.on_untagged(&text, rest);
        }
        if first != self.tag {
            let what = format!(
                "expected a continuation, an untagged line or the completion tagged {}",
                crate::error::quoted(&self.tag)
            );
            return Err(self.driver.protocol_error(&what, &text));
        }
        let (status, resp_text) = split_word(rest);
        match status.to_ascii_uppercase().as_str() {
            "OK" => {
                let caps = response_code_capabilities(resp_text).or(self.capabilities.take());
                self.driver.authenticated(resp_text, caps);
                Ok(())
            }
            "NO" | "BAD" => {
                self.driver.rejected(RejectionParts {
                    line: &text,
                    status: status.to_ascii_uppercase(),
                    server_text: resp_text,
                    sasl_error: self.sasl.sasl_error.take(),
                    reply_code: None,
                    enhanced_status: None,
                    cancelled: self.sasl.cancelled,
                    not_applicable: None,
                });
                Ok(())
            }
            _ => Err(self
                .driver
                .protocol_error("expected OK, NO or BAD after the tag", &text)),
        }
    }

    fn on_continuation(&mut self, line: &str, challenge: &str) -> Result<()> {
        self.sasl.on_continuation(
            &mut self.driver,
            line,
            challenge,
            "expected the tagged completion after the challenge was answered",
        )
    }

    fn on_untagged(&mut self, line: &str, rest: &str) -> Result<()> {
        let (keyword, data) = split_word(rest);
        if keyword.is_empty() {
            return Err(self
                .driver
                .protocol_error("expected an untagged response after '*'", line));
        }
        match keyword.to_ascii_uppercase().as_str() {
            "CAPABILITY" => self.capabilities = Some(atoms(data)),
            "BYE" => {
                self.driver.rejected(RejectionParts {
                    line,
                    status: "BYE".to_owned(),
                    server_text: data,
                    sasl_error: self.sasl.sasl_error.take(),
                    reply_code: None,
                    enhanced_status: None,
                    cancelled: self.sasl.cancelled,
                    not_applicable: None,
                });
            }
            _ => {
                if let Some(caps) = response_code_capabilities(data) {
                    self.capabilities = Some(caps);
                }
            }
        }
        Ok(())
    }

    /// Aborts the exchange. When the server waits on a continuation answer (or one is about to
    /// be sent), `*\r\n` is sent instead (RFC 9051 section 6.2.2) and the server's tagged `BAD`
    /// ends it as a rejection without diagnosis. A continuation that arrives later is answered
    /// with `*`. Before the command was sent, nothing is sent and the exchange ends with
    /// `invalid_input`. After `Done` it does nothing.
    pub fn cancel(&mut self) {
        self.sasl.cancel(&mut self.driver);
    }

    /// The command tag.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// The SASL mechanism.
    pub fn mechanism(&self) -> Mechanism {
        self.sasl.mechanism
    }

    /// Whether the one-line `SASL-IR` form is used.
    pub fn uses_initial_response(&self) -> bool {
        self.initial_response
    }

    /// Whether the exchange is over.
    pub fn is_done(&self) -> bool {
        self.driver.is_done()
    }
}

impl_login_machine!(ImapAuth);

/// Checks an IMAP tag (RFC 9051 `tag`: `ASTRING-CHAR` except `+`; here also without `*`, `%`,
/// `]` and the other specials).
pub fn validate_tag(tag: &str) -> Result<()> {
    if tag.is_empty() {
        return Err(Error::invalid_input("the IMAP tag is empty"));
    }
    if let Some(c) = tag.chars().find(|&c| {
        !c.is_ascii_graphic() || matches!(c, '+' | '*' | '%' | '(' | ')' | '{' | '"' | '\\' | ']')
    }) {
        return Err(Error::invalid_input(format!(
            "the IMAP tag {} holds {c}: use letters and digits such as A01",
            crate::error::quoted_excerpt(tag, 40),
            c = crate::error::quoted_char(c)
        )));
    }
    Ok(())
}

/// Whether the capabilities list `AUTH=<mechanism>` (case-insensitive).
pub fn offers_mechanism(capabilities: &[String], mechanism: Mechanism) -> bool {
    capabilities.iter().any(|c| {
        let c = c.trim();
        c.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("AUTH="))
            && c.get(5..)
                .is_some_and(|m| m.eq_ignore_ascii_case(mechanism.as_str()))
    })
}

/// Whether the capabilities list `SASL-IR` (RFC 4959).
pub fn supports_sasl_ir(capabilities: &[String]) -> bool {
    capabilities
        .iter()
        .any(|c| c.trim().eq_ignore_ascii_case("SASL-IR"))
}

/// `TAG CAPABILITY\r\n` (RFC 9051 section 6.1.1). `invalid_input` for a bad tag.
pub fn build_capability_command(tag: &str) -> Result<Vec<u8>> {
    validate_tag(tag)?;
    Ok(crlf(&format!("{tag} CAPABILITY")))
}

/// The status of a tagged completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ImapStatus {
    /// `OK`.
    #[serde(rename = "OK")]
    Ok,
    /// `NO`.
    #[serde(rename = "NO")]
    No,
    /// `BAD`.
    #[serde(rename = "BAD")]
    Bad,
}

/// One server line, classified (RFC 9051 section 7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ImapResponse {
    /// `+ text` (or `+` alone): a continuation request.
    Continuation {
        /// The text after `+ ` (a base64 challenge, or human text).
        text: String,
    },
    /// `* KEYWORD text`: untagged data or status (`OK`, `BYE`, `CAPABILITY`, `5`, ...).
    Untagged {
        /// The first word after `*`, uppercased when it is not a number.
        keyword: String,
        /// The rest of the line.
        text: String,
    },
    /// `TAG OK|NO|BAD text`: a command completion.
    Tagged {
        /// The tag.
        tag: String,
        /// The status word.
        status: ImapStatus,
        /// The rest of the line (response codes in brackets included).
        text: String,
    },
}

impl ImapResponse {
    /// The capabilities this line carries: the atoms of `* CAPABILITY ...`, or those of a
    /// `[CAPABILITY ...]` response code.
    pub fn capabilities(&self) -> Option<Vec<String>> {
        match self {
            ImapResponse::Untagged { keyword, text } if keyword == "CAPABILITY" => {
                Some(atoms(text))
            }
            ImapResponse::Untagged { text, .. } | ImapResponse::Tagged { text, .. } => {
                response_code_capabilities(text)
            }
            ImapResponse::Continuation { .. } => None,
        }
    }
}

/// Classifies one server line (with or without CR LF). `malformed` for an empty line, a lone
/// `*`, or a tagged line without `OK`/`NO`/`BAD`.
pub fn parse_response(line: &str) -> Result<ImapResponse> {
    let text = line
        .strip_suffix("\r\n")
        .or(line.strip_suffix('\n'))
        .unwrap_or(line);
    if text.len() > crate::login::MAX_LINE_LEN || text.contains(['\r', '\n', '\0']) {
        return Err(Error::malformed(
            "IMAP line is too long or holds CR, LF or NUL inside",
        ));
    }
    if let Some(rest) = text.strip_prefix('+') {
        return Ok(ImapResponse::Continuation {
            text: rest.strip_prefix(' ').unwrap_or(rest).to_owned(),
        });
    }
    let (first, rest) = split_word(text);
    if first.is_empty() {
        return Err(Error::malformed("empty IMAP line"));
    }
    if first == "*" {
        let (keyword, data) = split_word(rest);
        if keyword.is_empty() {
            return Err(Error::malformed("untagged IMAP line without a keyword"));
        }
        return Ok(ImapResponse::Untagged {
            keyword: keyword.to_ascii_uppercase(),
            text: data.to_owned(),
        });
    }
    let (status, data) = split_word(rest);
    let status = match status.to_ascii_uppercase().as_str() {
        "OK" => ImapStatus::Ok,
        "NO" => ImapStatus::No,
        "BAD" => ImapStatus::Bad,
        _ => {
            return Err(Error::malformed(format!(
                "tagged IMAP line without OK, NO or BAD: {}",
                crate::error::quoted_excerpt(text, 80)
            )))
        }
    };
    Ok(ImapResponse::Tagged {
        tag: first.to_owned(),
        status,
        text: data.to_owned(),
    })
}

/// The status of an IMAP greeting (RFC 9051 section 7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ImapGreetingStatus {
    /// `* OK`: not authenticated yet; authenticate.
    #[serde(rename = "OK")]
    Ok,
    /// `* PREAUTH`: already authenticated (no AUTHENTICATE needed or allowed).
    #[serde(rename = "PREAUTH")]
    PreAuth,
    /// `* BYE`: the server refuses the connection.
    #[serde(rename = "BYE")]
    Bye,
}

/// A parsed IMAP greeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ImapGreeting {
    /// `OK`, `PREAUTH` or `BYE`.
    pub status: ImapGreetingStatus,
    /// The atoms of a `[CAPABILITY ...]` code in the greeting, when present.
    pub capabilities: Option<Vec<String>>,
    /// The text after the status word.
    pub text: String,
}

/// Parses the server greeting: `* OK [CAPABILITY ...] text`, `* PREAUTH ...` or `* BYE ...`.
/// Anything else is `malformed`.
pub fn parse_greeting(line: &str) -> Result<ImapGreeting> {
    match parse_response(line)? {
        ImapResponse::Untagged { keyword, text } => {
            let status = match keyword.as_str() {
                "OK" => ImapGreetingStatus::Ok,
                "PREAUTH" => ImapGreetingStatus::PreAuth,
                "BYE" => ImapGreetingStatus::Bye,
                _ => {
                    return Err(Error::malformed(format!(
                        "IMAP greeting is * {}, not OK, PREAUTH or BYE",
                        excerpt(&keyword, 40)
                    )))
                }
            };
            Ok(ImapGreeting {
                status,
                capabilities: response_code_capabilities(&text),
                text,
            })
        }
        _ => Err(Error::malformed(
            "IMAP greeting must be an untagged * OK, * PREAUTH or * BYE line",
        )),
    }
}

/// The atoms of `* CAPABILITY ...`, or of a `[CAPABILITY ...]` code in any status line.
/// `malformed` when the line carries no capabilities.
pub fn parse_capability_response(line: &str) -> Result<Vec<String>> {
    parse_response(line)?
        .capabilities()
        .ok_or_else(|| Error::malformed("not a CAPABILITY response"))
}

fn split_word(s: &str) -> (&str, &str) {
    match s.split_once(' ') {
        Some((w, rest)) => (w, rest),
        None => (s, ""),
    }
}

fn atoms(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

/// `[CAPABILITY a b c] text` → `[a, b, c]`.
fn response_code_capabilities(text: &str) -> Option<Vec<String>> {
    let inner = text.strip_prefix('[')?;
    let end = inner.find(']')?;
    let code = inner.get(..end)?;
    let (name, data) = split_word(code);
    name.eq_ignore_ascii_case("CAPABILITY").then(|| atoms(data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::login::{broken_line, AuthOutcome};

    const TOKEN: &str = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg";
    const B64: &str = "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==";

    fn config(caps: &[&str]) -> ImapAuthConfig {
        ImapAuthConfig {
            mechanism: Mechanism::XOAuth2,
            credentials: Credentials::new("someuser@example.com", TOKEN),
            tag: "A1".into(),
            capabilities: caps.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn done(a: &mut ImapAuth) -> AuthOutcome {
        match a.next_action() {
            Action::Done(o) => o,
            other => panic!("not done: {other:?}"),
        }
    }

    #[test]
    fn tags() {
        for ok in ["A01", "a", "tag.1", "x-y_z", "[abc"] {
            assert!(validate_tag(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "A 1", "A\r", "A\n", "+", "a*", "%", "(", ")", "{", "\"", "\\", "]", "é", "\t",
        ] {
            assert_eq!(
                validate_tag(bad).unwrap_err().code(),
                "invalid_input",
                "{bad:?}"
            );
        }
        assert_eq!(
            build_capability_command("C1").unwrap(),
            b"C1 CAPABILITY\r\n"
        );
        assert!(build_capability_command("C 1").is_err());
    }

    #[test]
    fn new_refuses() {
        let mut c = config(&["AUTH=XOAUTH2"]);
        c.tag = "A 1".into();
        assert_eq!(ImapAuth::new(c).unwrap_err().code(), "invalid_input");
        let mut c = config(&["AUTH=XOAUTH2"]);
        c.credentials = Credentials::new("u\r\n", TOKEN);
        assert_eq!(ImapAuth::new(c).unwrap_err().code(), "invalid_input");
        let e = ImapAuth::new(config(&["AUTH=PLAIN", "XOAUTH2"])).unwrap_err();
        assert_eq!(e.code(), "mechanism_not_offered");
        assert!(ImapAuth::new(config(&["auth=xoauth2"])).is_ok());
        let mut c = config(&["AUTH=XOAUTH2"]);
        c.mechanism = Mechanism::OAuthBearer;
        assert_eq!(
            ImapAuth::new(c).unwrap_err().code(),
            "mechanism_not_offered"
        );
    }

    #[test]
    fn two_step_with_untagged_and_capabilities() {
        let mut a = ImapAuth::new(config(&["AUTH=XOAUTH2"])).unwrap();
        assert!(!a.uses_initial_response());
        assert_eq!(
            a.next_action(),
            Action::Send(b"A1 AUTHENTICATE XOAUTH2\r\n".to_vec())
        );
        assert_eq!(a.next_action(), Action::NeedLine);
        a.receive_line(b"* OK still here\r\n").unwrap();
        a.receive_line(b"+").unwrap();
        assert_eq!(a.next_action(), Action::Send(crlf(B64)));
        a.receive_line(b"* CAPABILITY IMAP4rev1 IDLE").unwrap();
        a.receive_line(b"A1 ok done").unwrap();
        match done(&mut a) {
            AuthOutcome::Authenticated(x) => {
                assert_eq!(x.server_text, "done");
                assert_eq!(
                    x.capabilities,
                    Some(vec!["IMAP4rev1".into(), "IDLE".into()])
                );
            }
            o => panic!("{o:?}"),
        }
        assert_eq!(
            a.receive_line(b"A1 OK").unwrap_err().code(),
            "invalid_input"
        );
    }

    #[test]
    fn tagged_capability_wins() {
        let mut a = ImapAuth::new(config(&["AUTH=XOAUTH2", "SASL-IR"])).unwrap();
        let _ = a.next_action();
        a.receive_line(b"* OK [CAPABILITY OLD]").unwrap();
        a.receive_line(b"A1 OK [CAPABILITY IMAP4rev1 MOVE] Logged in")
            .unwrap();
        match done(&mut a) {
            AuthOutcome::Authenticated(x) => {
                assert_eq!(
                    x.capabilities,
                    Some(vec!["IMAP4rev1".into(), "MOVE".into()])
                );
                assert_eq!(x.server_text, "[CAPABILITY IMAP4rev1 MOVE] Logged in");
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn protocol_errors() {
        for bad in [
            &b"B1 OK nope"[..],
            b"",
            b"*",
            b"A1 MAYBE",
            b"A1",
            b"garbage",
            b"+ x\r\n+ y",
        ] {
            let mut a = ImapAuth::new(config(&["AUTH=XOAUTH2", "SASL-IR"])).unwrap();
            let _ = a.next_action();
            let e = broken_line(&mut a, bad);
            assert_eq!(e.code(), "unexpected_reply", "{bad:?}");
            assert_eq!(done(&mut a), AuthOutcome::Error(e));
        }
        // A second challenge after the answer.
        let mut a = ImapAuth::new(config(&["AUTH=XOAUTH2", "SASL-IR"])).unwrap();
        let _ = a.next_action();
        a.receive_line(b"+ e30=").unwrap();
        assert_eq!(a.next_action(), Action::Send(b"\r\n".to_vec()));
        assert_eq!(broken_line(&mut a, b"+ e30=").code(), "unexpected_reply");
    }

    #[test]
    fn line_fed_before_sending_is_refused() {
        let mut a = ImapAuth::new(config(&["AUTH=XOAUTH2"])).unwrap();
        assert_eq!(a.receive_line(b"+ ").unwrap_err().code(), "invalid_input");
        assert!(!a.is_done());
    }

    #[test]
    fn cancel_paths() {
        // Before the command went out: nothing is sent.
        let mut a = ImapAuth::new(config(&["AUTH=XOAUTH2"])).unwrap();
        a.cancel();
        assert_eq!(done(&mut a).clone(), done(&mut a));
        // With the response pending.
        let mut a = ImapAuth::new(config(&["AUTH=XOAUTH2"])).unwrap();
        let _ = a.next_action();
        a.receive_line(b"+ ").unwrap();
        a.cancel();
        assert_eq!(a.next_action(), Action::Send(b"*\r\n".to_vec()));
        a.receive_line(b"A1 BAD AUTHENTICATE cancelled").unwrap();
        match done(&mut a) {
            AuthOutcome::Rejected(r) => {
                assert_eq!(r.status, "BAD");
                assert!(r.diagnosis.is_none());
                assert!(!r.retry_with_fresh_token);
            }
            o => panic!("{o:?}"),
        }
        // Waiting for the continuation: it is answered with `*`.
        let mut a = ImapAuth::new(config(&["AUTH=XOAUTH2"])).unwrap();
        let _ = a.next_action();
        a.cancel();
        assert_eq!(a.next_action(), Action::NeedLine);
        a.receive_line(b"+ ").unwrap();
        assert_eq!(a.next_action(), Action::Send(b"*\r\n".to_vec()));
        a.cancel();
        a.receive_line(b"A1 BAD cancelled").unwrap();
        assert!(matches!(done(&mut a), AuthOutcome::Rejected(_)));
        a.cancel();
        assert!(matches!(done(&mut a), AuthOutcome::Rejected(_)));
        // SASL-IR sent, then a challenge: answered with `*`.
        let mut a = ImapAuth::new(config(&["AUTH=XOAUTH2", "SASL-IR"])).unwrap();
        let _ = a.next_action();
        a.cancel();
        a.receive_line(b"+ e30=").unwrap();
        assert_eq!(a.next_action(), Action::Send(b"*\r\n".to_vec()));
    }

    #[test]
    fn bye_during_auth() {
        let mut a = ImapAuth::new(config(&["AUTH=XOAUTH2", "SASL-IR"])).unwrap();
        let _ = a.next_action();
        a.receive_line(b"* BYE Session invalidated - AccessTokenExpired")
            .unwrap();
        match done(&mut a) {
            AuthOutcome::Rejected(r) => {
                assert_eq!(r.status, "BYE");
                assert_eq!(r.diagnosis.unwrap().code, "session_token_expired");
                assert!(r.retry_with_fresh_token);
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn server_echo_is_scrubbed() {
        let mut a = ImapAuth::new(config(&["AUTH=XOAUTH2", "SASL-IR"])).unwrap();
        let _ = a.next_action();
        a.receive_line(format!("A1 NO bad {B64} and {TOKEN}").as_bytes())
            .unwrap();
        let dbg = format!("{:?}", done(&mut a));
        assert!(!dbg.contains(TOKEN) && !dbg.contains(B64), "{dbg}");
        let mut a = ImapAuth::new(config(&["AUTH=XOAUTH2", "SASL-IR"])).unwrap();
        let _ = a.next_action();
        let e = broken_line(&mut a, format!("B1 {TOKEN}").as_bytes());
        assert!(!e.to_string().contains(TOKEN));
        assert!(!format!("{a:?}").contains(TOKEN));
    }

    #[test]
    fn parsers() {
        let g =
            parse_greeting("* OK [CAPABILITY IMAP4rev1 AUTH=XOAUTH2 SASL-IR] ready\r\n").unwrap();
        assert_eq!(g.status, ImapGreetingStatus::Ok);
        assert_eq!(
            g.capabilities,
            Some(vec![
                "IMAP4rev1".into(),
                "AUTH=XOAUTH2".into(),
                "SASL-IR".into()
            ])
        );
        let g = parse_greeting("* OK The Microsoft Exchange IMAP4 service is ready.").unwrap();
        assert_eq!(g.capabilities, None);
        assert_eq!(g.text, "The Microsoft Exchange IMAP4 service is ready.");
        assert_eq!(
            parse_greeting("* PREAUTH hi").unwrap().status,
            ImapGreetingStatus::PreAuth
        );
        assert_eq!(
            parse_greeting("* bye off").unwrap().status,
            ImapGreetingStatus::Bye
        );
        for bad in ["", "A1 OK x", "* 3 EXISTS", "+ x", "*"] {
            assert_eq!(
                parse_greeting(bad).unwrap_err().code(),
                "malformed",
                "{bad}"
            );
        }
        assert_eq!(
            parse_capability_response("* CAPABILITY IMAP4rev1 AUTH=XOAUTH2\r\n").unwrap(),
            vec!["IMAP4rev1".to_owned(), "AUTH=XOAUTH2".to_owned()]
        );
        assert_eq!(
            parse_capability_response("C1 OK [CAPABILITY X] done").unwrap(),
            vec!["X".to_owned()]
        );
        assert!(parse_capability_response("C1 OK done").is_err());
        assert!(parse_capability_response("* OK [CAPABILITY").is_err());
        assert_eq!(
            parse_response("C1 no x").unwrap(),
            ImapResponse::Tagged {
                tag: "C1".into(),
                status: ImapStatus::No,
                text: "x".into()
            }
        );
        assert_eq!(
            parse_response("+").unwrap(),
            ImapResponse::Continuation {
                text: String::new()
            }
        );
        assert!(parse_response("a\rb").is_err());
        assert!(offers_mechanism(
            &[" AUTH=OAUTHBEARER ".into()],
            Mechanism::OAuthBearer
        ));
        assert!(!offers_mechanism(
            &["AUTH=".into(), "AU".into()],
            Mechanism::XOAuth2
        ));
    }
}
