//! The relay's upstream preamble as a sans-IO machine: from a fresh connection to the mail server
//! to the point where the login machine ([`crate::imap::ImapAuth`], [`crate::pop3::PopAuth`],
//! [`crate::smtp::SmtpAuth`]) can start — the greeting, `STARTTLS` when asked for, and the
//! capabilities the login (and the client's rewritten list) needs.
//!
//! ```text
//! IMAP: S: * OK ...   C: R0 CAPABILITY  S: * CAPABILITY ... / R0 OK
//!       [C: R1 STARTTLS  S: R1 OK  (TLS)  C: R2 CAPABILITY  S: ... R2 OK]
//! POP3: S: +OK ...    C: CAPA  S: +OK / lines / .   [C: STLS  S: +OK  (TLS)  C: CAPA ...]
//! SMTP: S: 220 ...    C: EHLO host  S: 250-...      [C: STARTTLS  S: 220  (TLS)  C: EHLO host ...]
//! ```
//!
//! Drive it like the login machines: [`UpstreamPreamble::next_action`] until
//! [`PreambleAction::Done`], feeding one server line on [`PreambleAction::NeedLine`] and calling
//! [`UpstreamPreamble::tls_started`] after the handshake on [`PreambleAction::StartTls`]. A
//! refusal or a line that breaks the protocol is `unexpected_reply` (the preamble is then over).

use crate::cloud::Protocol;
use crate::error::{quoted_excerpt, Error, Result};
use crate::imap::{self, ImapGreetingStatus, ImapResponse, ImapStatus};
use crate::login::{crlf, line_text};
use crate::pop3;
use crate::smtp::{self, SmtpReplyReader};

/// What the driver of an [`UpstreamPreamble`] must do next.
#[must_use = "a PreambleAction tells the driver what to do next"]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreambleAction {
    /// Write these bytes to the server.
    Send(Vec<u8>),
    /// Read one line from the server and pass it to `receive_line`.
    NeedLine,
    /// Start TLS as the client now, then call `tls_started`.
    StartTls,
    /// The connection is ready for the login; these are the server's capabilities (IMAP atoms,
    /// POP3 CAPA lines, SMTP EHLO keyword lines).
    Done(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Greeting,
    Capabilities,
    StartTls,
    Handshake,
    Done,
    Failed,
}

/// The upstream preamble of one connection (see the module documentation).
#[derive(Debug)]
pub struct UpstreamPreamble {
    protocol: Protocol,
    hostname: String,
    starttls: bool,
    after_tls: bool,
    stage: Stage,
    pending: Option<Vec<u8>>,
    capabilities: Vec<String>,
    /// POP3: the CAPA response lines so far.
    capa_lines: Vec<String>,
    smtp: SmtpReplyReader,
}

impl UpstreamPreamble {
    /// A preamble for a fresh connection; `starttls` upgrades it before the capabilities are
    /// final. `hostname` goes into SMTP's `EHLO` (`invalid_input` when it cannot).
    pub fn new(protocol: Protocol, hostname: &str, starttls: bool) -> Result<UpstreamPreamble> {
        if hostname.is_empty()
            || !hostname.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '[' | ']' | ':')
            })
        {
            return Err(Error::invalid_input(format!(
                "the EHLO host name {} must be a domain name or an address literal",
                quoted_excerpt(hostname, 60)
            )));
        }
        Ok(UpstreamPreamble {
            protocol,
            hostname: hostname.to_owned(),
            starttls,
            after_tls: false,
            stage: Stage::Greeting,
            pending: None,
            capabilities: Vec::new(),
            capa_lines: Vec::new(),
            smtp: SmtpReplyReader::new(),
        })
    }

    /// What to do next.
    pub fn next_action(&mut self) -> PreambleAction {
        if let Some(bytes) = self.pending.take() {
            return PreambleAction::Send(bytes);
        }
        match self.stage {
            Stage::Handshake => PreambleAction::StartTls,
            Stage::Done => PreambleAction::Done(self.capabilities.clone()),
            _ => PreambleAction::NeedLine,
        }
    }

    /// Reports the finished TLS handshake after [`PreambleAction::StartTls`].
    pub fn tls_started(&mut self) -> Result<()> {
        if self.stage != Stage::Handshake {
            return Err(Error::invalid_input(
                "tls_started without a StartTls action before it",
            ));
        }
        self.after_tls = true;
        self.ask_capabilities();
        Ok(())
    }

    /// Feeds one server line (with or without CR LF).
    #[must_use = "an unexpected_reply error ends the preamble"]
    pub fn receive_line(&mut self, line: &[u8]) -> Result<()> {
        if matches!(self.stage, Stage::Done | Stage::Failed | Stage::Handshake)
            || self.pending.is_some()
        {
            return Err(Error::invalid_input(
                "receive_line when no line is expected: call next_action first",
            ));
        }
        let text = match line_text(line) {
            Ok(t) => t,
            Err(e) => return Err(self.fail(e)),
        };
        let step = match self.protocol {
            Protocol::Imap => self.imap(&text),
            Protocol::Pop => self.pop(&text),
            Protocol::Smtp => self.smtp(&text),
        };
        step.map_err(|e| self.fail(e))
    }

    fn fail(&mut self, e: Error) -> Error {
        self.stage = Stage::Failed;
        self.pending = None;
        e
    }

    fn refused(&self, what: &str, text: &str) -> Error {
        Error::UnexpectedReply(format!("{what}: {}", quoted_excerpt(text, 200)))
    }

    fn imap_tag(&self) -> &'static str {
        match (self.stage, self.after_tls) {
            (Stage::StartTls, _) => "R1",
            (_, false) => "R0",
            (_, true) => "R2",
        }
    }

    fn ask_capabilities(&mut self) {
        self.stage = Stage::Capabilities;
        self.capabilities.clear();
        self.capa_lines.clear();
        self.pending = Some(match self.protocol {
            Protocol::Imap => crlf(&format!("{} CAPABILITY", self.imap_tag())),
            Protocol::Pop => pop3::build_capa_command(),
            Protocol::Smtp => crlf(&format!("EHLO {}", self.hostname)),
        });
    }

    /// After the capabilities: STARTTLS when asked for and not done yet, else done.
    fn capabilities_done(&mut self) {
        if self.starttls && !self.after_tls {
            self.stage = Stage::StartTls;
            self.pending = Some(match self.protocol {
                Protocol::Imap => crlf("R1 STARTTLS"),
                Protocol::Pop => crlf("STLS"),
                Protocol::Smtp => crlf("STARTTLS"),
            });
        } else {
            self.stage = Stage::Done;
        }
    }

    fn imap(&mut self, text: &str) -> Result<()> {
        if self.stage == Stage::Greeting {
            let g = imap::parse_greeting(text)
                .map_err(|_| self.refused("the IMAP greeting is not * OK", text))?;
            if g.status != ImapGreetingStatus::Ok {
                return Err(self.refused("the IMAP server refused the connection", text));
            }
            self.ask_capabilities();
            return Ok(());
        }
        let tag = self.imap_tag();
        match imap::parse_response(text) {
            Ok(ImapResponse::Tagged { tag: t, status, .. }) if t == tag => {
                if status != ImapStatus::Ok {
                    let what = if self.stage == Stage::StartTls {
                        "the IMAP server refused STARTTLS"
                    } else {
                        "the IMAP server refused CAPABILITY"
                    };
                    return Err(self.refused(what, text));
                }
                if self.stage == Stage::StartTls {
                    self.stage = Stage::Handshake;
                } else {
                    self.capabilities_done();
                }
                Ok(())
            }
            Ok(r @ ImapResponse::Untagged { .. }) => {
                if let ImapResponse::Untagged { keyword, .. } = &r {
                    if keyword == "BYE" {
                        return Err(self.refused("the IMAP server said BYE", text));
                    }
                }
                if let Some(caps) = r.capabilities() {
                    self.capabilities = caps;
                }
                Ok(())
            }
            _ => Err(self.refused("unexpected IMAP line before the login", text)),
        }
    }

    fn pop(&mut self, text: &str) -> Result<()> {
        match self.stage {
            Stage::Greeting => {
                let r = pop3::parse_reply(text)
                    .map_err(|_| self.refused("the POP3 greeting is not +OK", text))?;
                if !r.ok {
                    return Err(self.refused("the POP3 server refused the connection", text));
                }
                self.ask_capabilities();
            }
            Stage::StartTls => {
                let r = pop3::parse_reply(text)
                    .map_err(|_| self.refused("unexpected answer to STLS", text))?;
                if !r.ok {
                    return Err(self.refused("the POP3 server refused STLS", text));
                }
                self.stage = Stage::Handshake;
            }
            _ => {
                let first = self.capa_lines.is_empty();
                self.capa_lines.push(text.to_owned());
                if first {
                    let r = pop3::parse_reply(text)
                        .map_err(|_| self.refused("unexpected answer to CAPA", text))?;
                    if !r.ok {
                        // No CAPA: nothing known; the login machine checks nothing either.
                        self.capabilities = Vec::new();
                        self.capabilities_done();
                    }
                } else if text == "." {
                    self.capabilities = pop3::parse_capa(&self.capa_lines);
                    self.capabilities_done();
                } else if self.capa_lines.len() > 1000 {
                    return Err(self.refused("the CAPA list does not end", text));
                }
            }
        }
        Ok(())
    }

    fn smtp(&mut self, text: &str) -> Result<()> {
        let fed = self.smtp.feed(text);
        let Some(reply) = fed.map_err(|_| self.refused("not an SMTP reply line", text))? else {
            return Ok(());
        };
        match self.stage {
            Stage::Greeting => {
                if reply.code != 220 {
                    return Err(self.refused("the SMTP server refused the connection", text));
                }
                self.ask_capabilities();
            }
            Stage::StartTls => {
                if reply.code != 220 {
                    return Err(self.refused("the SMTP server refused STARTTLS", text));
                }
                self.stage = Stage::Handshake;
            }
            _ => {
                if reply.code != 250 {
                    return Err(self.refused("the SMTP server refused EHLO", text));
                }
                self.capabilities = smtp::parse_ehlo(&reply);
                self.capabilities_done();
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a script: `C:` lines must be what the machine sends, `S:` lines are fed, `TLS` expects
    /// the StartTls action.
    fn run(protocol: Protocol, starttls: bool, script: &[&str]) -> Result<Vec<String>> {
        let mut m = UpstreamPreamble::new(protocol, "relay.test", starttls)?;
        for step in script {
            match m.next_action() {
                PreambleAction::Send(b) => {
                    assert_eq!(
                        format!("C: {}", String::from_utf8(b).unwrap().trim_end()),
                        *step
                    );
                    continue;
                }
                PreambleAction::StartTls => {
                    assert_eq!(*step, "TLS");
                    m.tls_started()?;
                    continue;
                }
                PreambleAction::Done(_) => panic!("done before {step}"),
                PreambleAction::NeedLine => {}
            }
            let line = step.strip_prefix("S: ").expect("a server line");
            m.receive_line(line.as_bytes())?;
        }
        match m.next_action() {
            PreambleAction::Done(caps) => Ok(caps),
            other => panic!("not done: {other:?}"),
        }
    }

    #[test]
    fn imap_with_starttls() {
        let caps = run(
            Protocol::Imap,
            true,
            &[
                "S: * OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready",
                "C: R0 CAPABILITY",
                "S: * CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED",
                "S: R0 OK done",
                "C: R1 STARTTLS",
                "S: R1 OK begin",
                "TLS",
                "C: R2 CAPABILITY",
                "S: * CAPABILITY IMAP4rev1 AUTH=XOAUTH2 SASL-IR",
                "S: R2 OK done",
            ],
        )
        .unwrap();
        assert_eq!(caps, ["IMAP4rev1", "AUTH=XOAUTH2", "SASL-IR"]);
        let e = run(Protocol::Imap, false, &["S: * BYE go away"]).unwrap_err();
        assert_eq!(e.code(), "unexpected_reply");
        let e = run(
            Protocol::Imap,
            true,
            &[
                "S: * OK",
                "C: R0 CAPABILITY",
                "S: R0 OK",
                "C: R1 STARTTLS",
                "S: R1 NO tls broken",
            ],
        )
        .unwrap_err();
        assert!(e.to_string().contains("refused STARTTLS"));
    }

    #[test]
    fn pop_and_smtp() {
        let caps = run(
            Protocol::Pop,
            false,
            &[
                "S: +OK ready",
                "C: CAPA",
                "S: +OK",
                "S: TOP",
                "S: SASL XOAUTH2",
                "S: .",
            ],
        )
        .unwrap();
        assert_eq!(caps, ["TOP", "SASL XOAUTH2"]);
        let caps = run(
            Protocol::Pop,
            true,
            &[
                "S: +OK ready",
                "C: CAPA",
                "S: -ERR no",
                "C: STLS",
                "S: +OK go",
                "TLS",
                "C: CAPA",
                "S: +OK",
                "S: USER",
                "S: .",
            ],
        )
        .unwrap();
        assert_eq!(caps, ["USER"]);
        let caps = run(
            Protocol::Smtp,
            true,
            &[
                "S: 220-smtp.example",
                "S: 220 ready",
                "C: EHLO relay.test",
                "S: 250-smtp.example",
                "S: 250 STARTTLS",
                "C: STARTTLS",
                "S: 220 2.0.0 go",
                "TLS",
                "C: EHLO relay.test",
                "S: 250-smtp.example",
                "S: 250-AUTH XOAUTH2",
                "S: 250 SIZE 100",
            ],
        )
        .unwrap();
        assert_eq!(caps, ["AUTH XOAUTH2", "SIZE 100"]);
        let e = run(Protocol::Smtp, false, &["S: hello"]).unwrap_err();
        assert_eq!(e.code(), "unexpected_reply");
        let e = run(Protocol::Smtp, false, &["S: 554 no service"]).unwrap_err();
        assert!(e.to_string().contains("refused the connection"));
        assert_eq!(
            UpstreamPreamble::new(Protocol::Smtp, "a b", false)
                .unwrap_err()
                .code(),
            "invalid_input"
        );
    }

    #[test]
    fn misuse_and_garbage() {
        let mut m = UpstreamPreamble::new(Protocol::Pop, "h", false).unwrap();
        assert_eq!(m.tls_started().unwrap_err().code(), "invalid_input");
        assert_eq!(
            m.receive_line(b"garbage\r\n").unwrap_err().code(),
            "unexpected_reply"
        );
        assert_eq!(
            m.receive_line(b"+OK\r\n").unwrap_err().code(),
            "invalid_input"
        );
        let mut m = UpstreamPreamble::new(Protocol::Imap, "h", false).unwrap();
        assert_eq!(
            m.receive_line(b"* OK\r\n* OK\r\n").unwrap_err().code(),
            "unexpected_reply"
        );
    }
}
