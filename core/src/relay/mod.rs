//! The client-facing side of a local OAuth relay, as sans-IO state machines: a mail client that
//! can only send a password (a scanner, an old mail client, a line-of-business application) logs
//! in to the relay with a local password; the relay's host checks it, logs in upstream with
//! XOAUTH2 (the [`crate::imap`], [`crate::pop3`], [`crate::smtp`] machines) and then copies bytes
//! both ways.
//!
//! One [`RelaySession`] serves one client connection of one protocol, from the greeting to the
//! moment the relay becomes a byte pipe. It writes the greeting, answers the commands a client
//! sends before it is logged in, rewrites the capabilities / EHLO keywords so the client sees the
//! mechanisms the relay accepts, parses the client's login — IMAP `LOGIN` (quoted strings and
//! literals `{n}` / `{n+}`, RFC 9051 section 4.3, RFC 7888) and `AUTHENTICATE PLAIN`, POP3
//! `USER`/`PASS` (RFC 1939) and `AUTH PLAIN` (RFC 5034), SMTP `AUTH PLAIN` / `AUTH LOGIN`
//! (RFC 4954) — and hands the credentials to its caller, which reports the verdict.
//!
//! Call order (as quinn-proto: feed input, drain outputs):
//!
//! ```text
//! new(protocol, config) ─► poll_output() … Send(greeting)
//! loop:
//!   receive(bytes from the client) ─► poll_output() until None:
//!     Send(bytes)      write them to the client
//!     StartTls         (after the Send before it) upgrade the connection, then tls_started()
//!     Login(login)     check the local password, log in upstream, then
//!                        login_succeeded(capabilities) ─► Send(tagged OK / +OK / 235),
//!                          state Relaying: take_pending_input() goes upstream, then copy bytes
//!                        or login_failed(&refusal)    ─► Send(NO / -ERR / 535 with the code)
//!     Close(reason)    write nothing more, close the connection
//! ```
//!
//! ```text
//!  PreLogin ──STARTTLS──► StartingTls ──tls_started()──► PreLogin
//!     │ login command                                        ▲
//!     ▼                                                      │ login_failed()
//!  CheckingLogin ───────────────────────────────────────────┘
//!     │ login_succeeded()
//!     ▼
//!  Relaying (pass-through)        any state ──limits, LOGOUT/QUIT, 3 failures──► Closed
//! ```
//!
//! Limits: a command line is at most [`MAX_COMMAND_LINE`] octets, an IMAP literal at most
//! [`MAX_LITERAL`], a command at most [`MAX_LITERALS`] literals; a client over a limit gets the
//! protocol's farewell and [`RelayOutput::Close`] with a typed [`CloseReason`] — never a panic,
//! never an unbounded buffer. Bytes a client sends after `STARTTLS` and before the TLS handshake
//! are discarded (the command-injection attack of CVE-2011-0411). Passwords only travel inside
//! [`ClientLogin::password`], a [`Secret`].
//!
//! docs/protocol.md section 13 holds the facts this module relies on.
//!
//! ```
//! use mailoauth::cloud::Protocol;
//! use mailoauth::relay::{RelayConfig, RelayOutput, RelaySession};
//!
//! let mut s = RelaySession::new(Protocol::Smtp, RelayConfig {
//!     hostname: "relay.example".into(),
//!     plaintext_login: true,
//!     upstream_capabilities: vec!["PIPELINING".into(), "AUTH XOAUTH2".into(), "8BITMIME".into()],
//!     ..RelayConfig::default()
//! })?;
//! assert_eq!(s.poll_output(), Some(RelayOutput::Send(b"220 relay.example ESMTP mailoauth relay ready\r\n".to_vec())));
//! s.receive(b"EHLO scanner\r\nAUTH PLAIN AHNjYW5uZXIAaHVudGVyMg==\r\n")?;
//! assert_eq!(s.poll_output(), Some(RelayOutput::Send(
//!     b"250-relay.example\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 AUTH PLAIN LOGIN\r\n".to_vec())));
//! let Some(RelayOutput::Login(login)) = s.poll_output() else { panic!() };
//! assert_eq!((login.user.as_str(), login.password.expose_secret()), ("scanner", "hunter2"));
//! s.login_succeeded(None)?;
//! assert_eq!(s.poll_output(), Some(RelayOutput::Send(b"235 2.7.0 Authentication successful\r\n".to_vec())));
//! # Ok::<(), mailoauth::Error>(())
//! ```

mod imap;
mod pop3;
mod smtp;
mod upstream;

pub use upstream::{PreambleAction, UpstreamPreamble};

use crate::cloud::Protocol;
use crate::error::{Error, Result};
use crate::secret::Secret;
use std::collections::VecDeque;
use std::fmt;

/// The longest command line a client may send before it is logged in, CR LF included (12288
/// octets: RFC 4954 section 4's limit for an `AUTH` line; IMAP asks for at least 8000).
pub const MAX_COMMAND_LINE: usize = 12 * 1024;
/// The largest IMAP literal accepted before login (8 KiB: user names and passwords).
pub const MAX_LITERAL: usize = 8 * 1024;
/// The most literals in one IMAP command before login.
pub const MAX_LITERALS: usize = 4;
/// The most client bytes kept while a login is checked (pipelined commands after it); more
/// closes the session (code `too_much_input`).
pub const MAX_PENDING_INPUT: usize = 64 * 1024;
/// Failed logins after which the session is closed.
pub const MAX_LOGIN_FAILURES: u32 = 3;
/// Refused commands (syntax errors, unknown commands) after which the session is closed.
pub const MAX_BAD_COMMANDS: u32 = 20;
/// The longest refusal text relayed to a client (characters).
const MAX_REFUSAL_TEXT: usize = 200;

/// How a relay listener is set up.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RelayConfig {
    /// The relay's name in the SMTP greeting and EHLO reply (letters, digits, `.`, `-`, `_`,
    /// `[`, `]`, `:`); empty means `localhost`.
    pub hostname: String,
    /// The connection is already TLS (implicit TLS: IMAPS 993, POP3S 995, SMTPS 465).
    pub tls_active: bool,
    /// The relay can upgrade the connection (`STARTTLS` / `STLS`): it has a certificate.
    pub starttls: bool,
    /// A client may log in without TLS. When false, logins are refused until `STARTTLS`
    /// (IMAP `LOGINDISABLED`, no `AUTH` in EHLO, no `USER` / `SASL` in CAPA).
    pub plaintext_login: bool,
    /// The upstream server's capabilities before login: IMAP capability atoms, POP3 CAPA lines,
    /// or SMTP EHLO keyword lines (without `250-`). Rewritten for the client (see
    /// [`rewrite_capabilities`]); empty when unknown.
    pub upstream_capabilities: Vec<String>,
}

impl RelayConfig {
    /// Whether a login is accepted on this connection now.
    pub fn login_allowed(&self) -> bool {
        self.tls_active || self.plaintext_login
    }

    /// Whether `STARTTLS` / `STLS` is offered now.
    pub fn starttls_offered(&self) -> bool {
        self.starttls && !self.tls_active
    }
}

/// Which login command the client used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoginMethod {
    /// IMAP `LOGIN user password`.
    ImapLogin,
    /// POP3 `USER` then `PASS`.
    UserPass,
    /// SASL `PLAIN` (RFC 4616): IMAP `AUTHENTICATE`, POP3 and SMTP `AUTH`.
    Plain,
    /// SMTP `AUTH LOGIN` (user name and password as two base64 lines).
    Login,
}

impl LoginMethod {
    /// `imap_login`, `user_pass`, `plain` or `login`.
    pub fn as_str(self) -> &'static str {
        match self {
            LoginMethod::ImapLogin => "imap_login",
            LoginMethod::UserPass => "user_pass",
            LoginMethod::Plain => "plain",
            LoginMethod::Login => "login",
        }
    }
}

/// The credentials a client presented: check `password` against the local user's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientLogin {
    /// The local user name (SASL PLAIN's authentication identity).
    pub user: String,
    /// The local password. Never log it.
    pub password: Secret,
    /// The login command.
    pub method: LoginMethod,
}

/// Why the session ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CloseReason {
    /// The client said goodbye (`LOGOUT`, `QUIT`).
    ClientQuit,
    /// A command line over [`MAX_COMMAND_LINE`] (code `line_too_long`).
    LineTooLong,
    /// A non-synchronizing literal over [`MAX_LITERAL`], or too many literals
    /// (code `literal_too_large`).
    LiteralTooLarge,
    /// [`MAX_LOGIN_FAILURES`] failed logins (code `too_many_failures`).
    TooManyFailures,
    /// [`MAX_BAD_COMMANDS`] refused commands (code `too_many_errors`).
    TooManyErrors,
    /// The host is shutting down or cannot serve the client (code `shutdown`).
    Shutdown,
    /// More than [`MAX_PENDING_INPUT`] bytes arrived while a login was checked
    /// (code `too_much_input`).
    TooMuchInput,
    /// The client did not log in within the host's time limit (code `timeout`).
    Timeout,
    /// The host serves as many sessions as it may (code `busy`).
    Busy,
}

impl CloseReason {
    /// The stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            CloseReason::ClientQuit => "client_quit",
            CloseReason::LineTooLong => "line_too_long",
            CloseReason::LiteralTooLarge => "literal_too_large",
            CloseReason::TooManyFailures => "too_many_failures",
            CloseReason::TooManyErrors => "too_many_errors",
            CloseReason::Shutdown => "shutdown",
            CloseReason::TooMuchInput => "too_much_input",
            CloseReason::Timeout => "timeout",
            CloseReason::Busy => "busy",
        }
    }
}

/// What the host must do next.
#[must_use = "a RelayOutput tells the host what to do"]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayOutput {
    /// Write these bytes to the client (whole reply lines, CR LF included; no secret).
    Send(Vec<u8>),
    /// Start the TLS handshake as the server now (the `Send` before it carried the go-ahead),
    /// then call [`RelaySession::tls_started`].
    StartTls,
    /// Check these credentials, log in upstream, then call [`RelaySession::login_succeeded`] or
    /// [`RelaySession::login_failed`].
    Login(ClientLogin),
    /// Close the connection; nothing more is to be written.
    Close(CloseReason),
}

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelayState {
    /// Before login: commands are answered by the relay.
    PreLogin,
    /// `StartTls` was output: waiting for [`RelaySession::tls_started`].
    StartingTls,
    /// `Login` was output: waiting for the verdict.
    CheckingLogin,
    /// Logged in upstream: the host copies bytes both ways.
    Relaying,
    /// The session is over.
    Closed,
}

impl RelayState {
    /// `pre_login`, `starting_tls`, `checking_login`, `relaying` or `closed`.
    pub fn as_str(self) -> &'static str {
        match self {
            RelayState::PreLogin => "pre_login",
            RelayState::StartingTls => "starting_tls",
            RelayState::CheckingLogin => "checking_login",
            RelayState::Relaying => "relaying",
            RelayState::Closed => "closed",
        }
    }
}

/// Why a login was refused, as the client will read it: `code` is a stable snake_case word (a
/// diagnosis code such as `token_expired`, or the relay's own: `bad_credentials`,
/// `upstream_unavailable`, `token_unavailable`), `text` one short sentence.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoginRefusal {
    /// The diagnosis code the client sees after `mailoauth:`.
    pub code: String,
    /// One short sentence (CR, LF and control characters are replaced; cut at 200 characters).
    pub text: String,
    /// A temporary failure (IMAP `[UNAVAILABLE]`, POP `[SYS/TEMP]`, SMTP `454 4.7.0`) rather
    /// than refused credentials.
    pub temporary: bool,
}

impl LoginRefusal {
    /// The refusal of a wrong local user name or password (code `bad_credentials`).
    pub fn bad_credentials() -> LoginRefusal {
        LoginRefusal {
            code: "bad_credentials".into(),
            text: "invalid user name or password".into(),
            temporary: false,
        }
    }

    /// `mailoauth: CODE: text` with the code and text made safe for one reply line.
    fn wire_text(&self) -> String {
        let code: String = self
            .code
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .take(60)
            .collect();
        let code = if code.is_empty() {
            "refused".to_owned()
        } else {
            code
        };
        let text = one_line(&self.text, MAX_REFUSAL_TEXT);
        if text.is_empty() {
            format!("mailoauth: {code}")
        } else {
            format!("mailoauth: {code}: {text}")
        }
    }
}

/// Text made safe for one reply line: control characters become spaces, cut at `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    out.trim().to_owned()
}

/// The client-facing side of one relay connection (see the module documentation for the call
/// order).
#[must_use = "a RelaySession does nothing until its outputs are polled"]
pub struct RelaySession {
    core: Core,
    dialect: Dialect,
}

impl fmt::Debug for RelaySession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RelaySession")
            .field("protocol", &self.core.protocol)
            .field("state", &self.core.state)
            .field("tls_active", &self.core.config.tls_active)
            .field("failures", &self.core.failures)
            .field("buffered", &self.core.input.len())
            .finish_non_exhaustive()
    }
}

/// What every dialect shares: configuration, input buffer, outputs, counters.
struct Core {
    protocol: Protocol,
    config: RelayConfig,
    state: RelayState,
    input: Vec<u8>,
    outputs: VecDeque<RelayOutput>,
    failures: u32,
    bad_commands: u32,
}

enum Dialect {
    Imap(imap::ImapState),
    Pop(pop3::PopState),
    Smtp(smtp::SmtpState),
}

/// One line cut off the input.
enum Line {
    /// The line without its CR LF (or LF).
    Complete(Vec<u8>),
    /// No line end yet, within the limit.
    Incomplete,
    /// Over [`MAX_COMMAND_LINE`].
    TooLong,
}

impl Core {
    fn send(&mut self, bytes: Vec<u8>) {
        self.outputs.push_back(RelayOutput::Send(bytes));
    }

    fn send_line(&mut self, line: &str) {
        let mut bytes = Vec::with_capacity(line.len() + 2);
        bytes.extend_from_slice(line.as_bytes());
        bytes.extend_from_slice(b"\r\n");
        self.send(bytes);
    }

    fn close(&mut self, reason: CloseReason) {
        self.state = RelayState::Closed;
        self.input.clear();
        self.outputs.push_back(RelayOutput::Close(reason));
    }

    fn login(&mut self, user: String, password: String, method: LoginMethod) {
        self.state = RelayState::CheckingLogin;
        self.outputs.push_back(RelayOutput::Login(ClientLogin {
            user,
            password: Secret::new(password),
            method,
        }));
    }

    fn start_tls(&mut self) {
        self.state = RelayState::StartingTls;
        // Bytes sent before the handshake must not be read as commands after it.
        self.input.clear();
        self.outputs.push_back(RelayOutput::StartTls);
    }

    /// Counts a refused command; true when the session must close.
    fn bad_command(&mut self) -> bool {
        self.bad_commands += 1;
        self.bad_commands >= MAX_BAD_COMMANDS
    }

    /// The next command line, or the step to return: `Wait` while it is incomplete; over
    /// [`MAX_COMMAND_LINE`], `farewell` is sent and the session closes.
    fn next_line(&mut self, farewell: &str) -> std::result::Result<Vec<u8>, Step> {
        match self.take_line(MAX_COMMAND_LINE) {
            Line::Complete(line) => Ok(line),
            Line::Incomplete => Err(Step::Wait),
            Line::TooLong => {
                self.send_line(farewell);
                self.close(CloseReason::LineTooLong);
                Err(Step::Progress)
            }
        }
    }

    /// Decodes a SASL PLAIN response and asks the host to check it, or refuses it.
    fn plain_login(&mut self, response: &[u8]) -> Step {
        match decode_plain(response) {
            Ok((user, password)) => {
                self.login(user, password, LoginMethod::Plain);
                Step::Progress
            }
            Err(refusal) => Step::Refuse(refusal),
        }
    }

    /// Cuts one line (at most `max` octets with its line end) off the input.
    fn take_line(&mut self, max: usize) -> Line {
        match self.input.iter().position(|&b| b == b'\n') {
            Some(end) if end < max => {
                let mut line: Vec<u8> = self.input.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                Line::Complete(line)
            }
            Some(_) => Line::TooLong,
            None if self.input.len() >= max => Line::TooLong,
            None => Line::Incomplete,
        }
    }
}

impl RelaySession {
    /// A session for a fresh client connection; the greeting is the first output.
    /// `invalid_input` for a host name that cannot go on the wire.
    pub fn new(protocol: Protocol, mut config: RelayConfig) -> Result<RelaySession> {
        if config.hostname.is_empty() {
            config.hostname = "localhost".to_owned();
        }
        if let Some(c) = config.hostname.chars().find(|c| {
            !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '[' | ']' | ':'))
        }) {
            return Err(Error::invalid_input(format!(
                "the relay host name {} holds {}: use a domain name such as relay.example.com",
                crate::error::quoted_excerpt(&config.hostname, 60),
                crate::error::quoted_char(c)
            )));
        }
        let mut core = Core {
            protocol,
            config,
            state: RelayState::PreLogin,
            input: Vec::new(),
            outputs: VecDeque::new(),
            failures: 0,
            bad_commands: 0,
        };
        let dialect = match protocol {
            Protocol::Imap => Dialect::Imap(imap::ImapState::new(&mut core)),
            Protocol::Pop => Dialect::Pop(pop3::PopState::new(&mut core)),
            Protocol::Smtp => Dialect::Smtp(smtp::SmtpState::new(&mut core)),
        };
        Ok(RelaySession { core, dialect })
    }

    /// The next thing to do, `None` when the session waits for input or a verdict.
    pub fn poll_output(&mut self) -> Option<RelayOutput> {
        self.core.outputs.pop_front()
    }

    /// Feeds bytes read from the client. Complete commands are answered at once (see
    /// [`RelaySession::poll_output`]); while a login is being checked, bytes are kept for later.
    ///
    /// `invalid_input` when the session is relaying (copy the bytes upstream yourself), closed,
    /// or waiting for [`RelaySession::tls_started`].
    pub fn receive(&mut self, data: &[u8]) -> Result<()> {
        match self.core.state {
            RelayState::PreLogin | RelayState::CheckingLogin => {}
            RelayState::StartingTls => {
                return Err(Error::invalid_input(
                    "receive before tls_started: finish the TLS handshake first",
                ))
            }
            RelayState::Relaying => {
                return Err(Error::invalid_input(
                    "the session is relaying: copy the client's bytes upstream",
                ))
            }
            RelayState::Closed => return Err(Error::invalid_input("the session is closed")),
        }
        if self.core.state == RelayState::CheckingLogin
            && self.core.input.len() + data.len() > MAX_PENDING_INPUT
        {
            self.farewell("too much input while the login is checked");
            self.core.close(CloseReason::TooMuchInput);
            return Ok(());
        }
        self.core.input.extend_from_slice(data);
        self.process();
        Ok(())
    }

    /// The protocol's last words before the relay closes: IMAP `* BYE`, POP `-ERR`, SMTP `421`.
    fn farewell(&mut self, why: &str) {
        let line = match self.core.protocol {
            Protocol::Imap => format!("* BYE mailoauth relay {why}"),
            Protocol::Pop => format!("-ERR [SYS/TEMP] mailoauth relay {why}"),
            Protocol::Smtp => format!(
                "421 4.3.2 {} mailoauth relay {why}",
                self.core.config.hostname
            ),
        };
        self.core.send_line(&line);
    }

    /// Reports the finished TLS handshake after [`RelayOutput::StartTls`]: the connection is TLS
    /// now and the client starts over (SMTP: a new EHLO). `invalid_input` in another state.
    pub fn tls_started(&mut self) -> Result<()> {
        if self.core.state != RelayState::StartingTls {
            return Err(Error::invalid_input(
                "tls_started without a StartTls output before it",
            ));
        }
        self.core.config.tls_active = true;
        self.core.state = RelayState::PreLogin;
        match &mut self.dialect {
            Dialect::Imap(s) => s.reset(),
            Dialect::Pop(s) => s.reset(),
            Dialect::Smtp(s) => s.reset(),
        }
        Ok(())
    }

    /// Reports the upstream login's success: the client gets the tagged `OK` (with the
    /// rewritten post-login `capabilities` when given, IMAP) / `+OK` / `235`, and the session
    /// relays. `invalid_input` unless a login is being checked.
    pub fn login_succeeded(&mut self, capabilities: Option<Vec<String>>) -> Result<()> {
        self.expect_checking()?;
        self.core.state = RelayState::Relaying;
        match &mut self.dialect {
            Dialect::Imap(s) => s.login_succeeded(&mut self.core, capabilities),
            Dialect::Pop(_) => self.core.send_line("+OK Logged in."),
            Dialect::Smtp(_) => self.core.send_line("235 2.7.0 Authentication successful"),
        }
        Ok(())
    }

    /// Reports a refused login (wrong local password, token unavailable, upstream refusal): the
    /// client gets the protocol's refusal carrying `mailoauth: CODE: text`; after
    /// [`MAX_LOGIN_FAILURES`] the session closes. `invalid_input` unless a login is being
    /// checked.
    pub fn login_failed(&mut self, refusal: &LoginRefusal) -> Result<()> {
        self.expect_checking()?;
        self.core.state = RelayState::PreLogin;
        self.refuse(refusal);
        if self.core.state == RelayState::PreLogin {
            self.process();
        }
        Ok(())
    }

    /// Ends the session with the protocol's farewell (IMAP `* BYE`, POP `-ERR`, SMTP `421`)
    /// unless it is relaying or closed: for a shutting-down host ([`CloseReason::Shutdown`]).
    pub fn shutdown(&mut self) {
        self.end(CloseReason::Shutdown, "shutting down");
    }

    /// Ends a session whose client did not log in in time (the host keeps the clock): the
    /// protocol's farewell (IMAP `* BYE ... autologout`, POP `-ERR`, SMTP `421`) and
    /// [`CloseReason::Timeout`]. Nothing happens when relaying or closed.
    pub fn timed_out(&mut self) {
        self.end(CloseReason::Timeout, "autologout: no login in time");
    }

    /// Turns a new client away because the host serves as many sessions as it may: the greeting
    /// is followed by the protocol's farewell and [`CloseReason::Busy`].
    pub fn busy(&mut self) {
        self.end(
            CloseReason::Busy,
            "busy: too many sessions, try again later",
        );
    }

    fn end(&mut self, reason: CloseReason, why: &str) {
        if matches!(
            self.core.state,
            RelayState::Relaying | RelayState::Closed | RelayState::StartingTls
        ) {
            return;
        }
        self.farewell(why);
        self.core.close(reason);
    }

    /// The client's bytes that arrived after its login command (pipelined commands): once
    /// relaying, write them upstream before copying. Empty in other states.
    pub fn take_pending_input(&mut self) -> Vec<u8> {
        if self.core.state == RelayState::Relaying {
            std::mem::take(&mut self.core.input)
        } else {
            Vec::new()
        }
    }

    /// Where the session stands.
    pub fn state(&self) -> RelayState {
        self.core.state
    }

    /// The protocol.
    pub fn protocol(&self) -> Protocol {
        self.core.protocol
    }

    /// Whether the connection is TLS (implicit, or after `STARTTLS`).
    pub fn tls_active(&self) -> bool {
        self.core.config.tls_active
    }

    /// Failed logins so far.
    pub fn failures(&self) -> u32 {
        self.core.failures
    }

    fn expect_checking(&self) -> Result<()> {
        if self.core.state == RelayState::CheckingLogin {
            Ok(())
        } else {
            Err(Error::invalid_input(format!(
                "no login is being checked (the session is {})",
                self.core.state.as_str()
            )))
        }
    }

    fn refuse(&mut self, refusal: &LoginRefusal) {
        self.core.failures += 1;
        let close = self.core.failures >= MAX_LOGIN_FAILURES;
        match &mut self.dialect {
            Dialect::Imap(s) => s.login_failed(&mut self.core, refusal, close),
            Dialect::Pop(_) => pop3::login_failed(&mut self.core, refusal, close),
            Dialect::Smtp(_) => smtp::login_failed(&mut self.core, refusal, close),
        }
        if close {
            self.core.close(CloseReason::TooManyFailures);
        }
    }

    /// Answers complete commands until the input runs dry or the state leaves `PreLogin`.
    fn process(&mut self) {
        while self.core.state == RelayState::PreLogin {
            let step = match &mut self.dialect {
                Dialect::Imap(s) => s.step(&mut self.core),
                Dialect::Pop(s) => s.step(&mut self.core),
                Dialect::Smtp(s) => s.step(&mut self.core),
            };
            match step {
                Step::Progress => {}
                Step::Wait => break,
                Step::Refuse(refusal) => self.refuse(&refusal),
            }
        }
    }
}

/// What one step of a dialect did.
pub(crate) enum Step {
    /// Consumed input; try again.
    Progress,
    /// Needs more input.
    Wait,
    /// The client's login is refused without asking the host (a malformed SASL response, an
    /// authorization identity that is not the user).
    Refuse(LoginRefusal),
}

/// Decodes a SASL PLAIN response (RFC 4616: `[authzid] NUL authcid NUL passwd`, base64): the
/// user and password. A non-empty authorization identity must be the user itself (the relay
/// logs in as one mailbox per local user). `Err` holds the refusal.
pub(crate) fn decode_plain(b64: &[u8]) -> std::result::Result<(String, String), LoginRefusal> {
    let malformed = |why: &str| LoginRefusal {
        code: "malformed_sasl".into(),
        text: why.into(),
        temporary: false,
    };
    let raw = if b64 == b"=" {
        Vec::new()
    } else {
        crate::b64::decode(b64).map_err(|_| malformed("the SASL PLAIN response is not base64"))?
    };
    let text =
        String::from_utf8(raw).map_err(|_| malformed("the SASL PLAIN response is not UTF-8"))?;
    let mut parts = text.split('\0');
    let (Some(authzid), Some(user), Some(password), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed(
            "the SASL PLAIN response must be authzid NUL user NUL password",
        ));
    };
    if user.is_empty() {
        return Err(malformed("the SASL PLAIN response has no user name"));
    }
    if !authzid.is_empty() && authzid != user {
        return Err(LoginRefusal {
            code: "authzid_not_allowed".into(),
            text: "the authorization identity must be empty or the user itself".into(),
            temporary: false,
        });
    }
    Ok((user.to_owned(), password.to_owned()))
}

/// A POP3 or SMTP command line split into its name (uppercased) and the rest.
pub(crate) fn split_command(line: &[u8]) -> (String, &[u8]) {
    let (name, arg) = match line.iter().position(|&b| b == b' ') {
        Some(p) => (
            line.get(..p).unwrap_or(b""),
            line.get(p + 1..).unwrap_or(b""),
        ),
        None => (line, &b""[..]),
    };
    (String::from_utf8_lossy(name).to_ascii_uppercase(), arg)
}

/// Decodes one base64 line of a SASL exchange (SMTP `AUTH LOGIN`) as UTF-8 text.
pub(crate) fn decode_b64_text(b64: &[u8]) -> Option<String> {
    let raw = crate::b64::decode(b64).ok()?;
    String::from_utf8(raw).ok()
}

/// The capability list the client sees before login, from the upstream's (IMAP capability
/// atoms, POP3 CAPA lines, SMTP EHLO keyword lines): the upstream's authentication and TLS
/// entries go, the relay's come in — `PLAIN` (and `LOGIN` for SMTP) when a login is allowed on
/// this connection, `STARTTLS` / `STLS` when the relay can start TLS, IMAP `LOGINDISABLED` when
/// it cannot log anyone in yet. Everything else is kept as the upstream sent it.
///
/// ```
/// use mailoauth::cloud::Protocol;
/// use mailoauth::relay::{rewrite_capabilities, RelayConfig};
///
/// let upstream = ["IMAP4rev1", "SASL-IR", "IDLE", "AUTH=XOAUTH2", "AUTH=OAUTHBEARER"].map(String::from);
/// let config = RelayConfig { tls_active: true, ..RelayConfig::default() };
/// assert_eq!(rewrite_capabilities(Protocol::Imap, &upstream, &config),
///            ["IMAP4rev1", "IDLE", "LITERAL+", "SASL-IR", "AUTH=PLAIN"]);
/// let plain = RelayConfig { starttls: true, ..RelayConfig::default() };
/// assert_eq!(rewrite_capabilities(Protocol::Imap, &upstream, &plain),
///            ["IMAP4rev1", "IDLE", "LITERAL+", "STARTTLS", "LOGINDISABLED"]);
/// ```
pub fn rewrite_capabilities(
    protocol: Protocol,
    upstream: &[String],
    config: &RelayConfig,
) -> Vec<String> {
    match protocol {
        Protocol::Imap => imap::rewrite(upstream, config),
        Protocol::Pop => pop3::rewrite(upstream, config),
        Protocol::Smtp => smtp::rewrite(upstream, config),
    }
}

/// The upstream's capabilities after login as the client may see them: without authentication
/// and TLS entries (`AUTH=`, `SASL-IR`, `STARTTLS`, `LOGINDISABLED`; POP `SASL`, `STLS`, `USER`;
/// SMTP `AUTH`, `STARTTLS`), which no longer apply.
pub fn post_login_capabilities(protocol: Protocol, upstream: &[String]) -> Vec<String> {
    upstream
        .iter()
        .filter(|c| !is_auth_or_tls(protocol, c))
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect()
}

/// Whether a capability entry is about authentication or TLS (dropped by the rewriting).
fn is_auth_or_tls(protocol: Protocol, entry: &str) -> bool {
    let word = entry
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    match protocol {
        Protocol::Imap => {
            word.starts_with("AUTH=")
                || matches!(word.as_str(), "SASL-IR" | "STARTTLS" | "LOGINDISABLED")
        }
        Protocol::Pop => matches!(word.as_str(), "SASL" | "STLS" | "USER"),
        Protocol::Smtp => word == "STARTTLS" || word == "AUTH" || word.starts_with("AUTH="),
    }
}

#[cfg(test)]
mod tests;
