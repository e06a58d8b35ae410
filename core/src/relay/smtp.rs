//! The SMTP side of the relay (RFC 5321 before `AUTH`): greeting, `EHLO` / `HELO`, `STARTTLS`
//! (RFC 3207), `AUTH PLAIN` and `AUTH LOGIN` with and without the initial response (RFC 4954),
//! `NOOP`, `RSET`, `HELP`, `QUIT`; enhanced status codes (RFC 3463, RFC 4954 section 6).

use super::{
    decode_b64_text, is_auth_or_tls, one_line, split_command, CloseReason, Core, LoginMethod,
    LoginRefusal, RelayConfig, Step,
};

/// Where an `AUTH` exchange stands.
enum Sasl {
    /// `AUTH PLAIN` without a response: the client's base64 line comes next.
    Plain,
    /// `AUTH LOGIN`: the user name comes next.
    LoginUser,
    /// `AUTH LOGIN`: the password comes next.
    LoginPassword(String),
}

pub(crate) struct SmtpState {
    /// `EHLO` or `HELO` was answered (since the greeting or the TLS handshake).
    greeted: bool,
    sasl: Option<Sasl>,
}

/// `334` + base64 of `Username:` / `Password:` (the de-facto AUTH LOGIN prompts).
const PROMPT_USER: &str = "334 VXNlcm5hbWU6";
const PROMPT_PASSWORD: &str = "334 UGFzc3dvcmQ6";

impl SmtpState {
    pub(crate) fn new(core: &mut Core) -> SmtpState {
        let host = core.config.hostname.clone();
        core.send_line(&format!("220 {host} ESMTP mailoauth relay ready"));
        SmtpState {
            greeted: false,
            sasl: None,
        }
    }

    pub(crate) fn reset(&mut self) {
        self.greeted = false;
        self.sasl = None;
    }

    pub(crate) fn step(&mut self, core: &mut Core) -> Step {
        let line = match core.next_line("500 5.5.6 command line too long") {
            Ok(line) => line,
            Err(step) => return step,
        };
        if let Some(sasl) = self.sasl.take() {
            return self.sasl_line(core, sasl, &line);
        }
        let (name, arg) = split_command(&line);
        let arg = trim(arg);
        let host = core.config.hostname.clone();
        match name.as_str() {
            "EHLO" => {
                if arg.is_empty() {
                    return reply(core, "501 5.5.4 Syntax: EHLO hostname");
                }
                let keywords = rewrite(&core.config.upstream_capabilities, &core.config);
                let mut lines = vec![host];
                lines.extend(keywords);
                let mut out = Vec::new();
                let last = lines.len() - 1;
                for (i, l) in lines.iter().enumerate() {
                    let sep = if i == last { ' ' } else { '-' };
                    out.extend_from_slice(format!("250{sep}{l}\r\n").as_bytes());
                }
                core.send(out);
                self.greeted = true;
            }
            "HELO" => {
                if arg.is_empty() {
                    return reply(core, "501 5.5.4 Syntax: HELO hostname");
                }
                core.send_line(&format!("250 {host}"));
                self.greeted = true;
            }
            "STARTTLS" => {
                if core.config.starttls_offered() {
                    core.send_line("220 2.0.0 Ready to start TLS");
                    core.start_tls();
                    self.reset();
                } else if core.config.tls_active {
                    return reply(core, "503 5.5.1 TLS is already active");
                } else {
                    return reply(core, "502 5.5.1 STARTTLS is not available");
                }
            }
            "AUTH" => return self.auth(core, arg),
            "NOOP" => core.send_line("250 2.0.0 OK"),
            "RSET" => core.send_line("250 2.0.0 OK"),
            "HELP" => core.send_line(
                "214 2.0.0 mailoauth relay: EHLO, AUTH PLAIN or LOGIN, then mail as usual",
            ),
            "QUIT" => {
                core.send_line(&format!("221 2.0.0 {host} closing connection"));
                core.close(CloseReason::ClientQuit);
            }
            "MAIL" | "RCPT" | "DATA" | "BDAT" | "VRFY" | "EXPN" | "ETRN" => {
                return reply(core, "530 5.7.0 Authentication required");
            }
            _ => return reply(core, "500 5.5.2 unrecognized command"),
        }
        Step::Progress
    }

    fn auth(&mut self, core: &mut Core, arg: &[u8]) -> Step {
        if !self.greeted {
            return reply(core, "503 5.5.1 send EHLO first");
        }
        if !core.config.login_allowed() {
            return reply(
                core,
                "538 5.7.11 Encryption required for requested authentication mechanism",
            );
        }
        let mut words = arg.splitn(2, |&b| b == b' ');
        let mechanism = words.next().unwrap_or(b"");
        let initial = words.next().map(trim);
        if mechanism.eq_ignore_ascii_case(b"PLAIN") {
            match initial {
                Some(ir) => core.plain_login(ir),
                None => {
                    core.send_line("334 ");
                    self.sasl = Some(Sasl::Plain);
                    Step::Progress
                }
            }
        } else if mechanism.eq_ignore_ascii_case(b"LOGIN") {
            match initial {
                Some(ir) => self.sasl_line(core, Sasl::LoginUser, ir),
                None => {
                    core.send_line(PROMPT_USER);
                    self.sasl = Some(Sasl::LoginUser);
                    Step::Progress
                }
            }
        } else if mechanism.is_empty() {
            reply(core, "501 5.5.4 Syntax: AUTH mechanism [initial-response]")
        } else {
            reply(
                core,
                "504 5.5.4 Unrecognized authentication type: the relay accepts PLAIN and LOGIN",
            )
        }
    }

    fn sasl_line(&mut self, core: &mut Core, sasl: Sasl, line: &[u8]) -> Step {
        if line == b"*" {
            return reply(core, "501 5.0.0 Authentication cancelled");
        }
        match sasl {
            Sasl::Plain => core.plain_login(line),
            Sasl::LoginUser => match decode_b64_text(line) {
                Some(user) if !user.is_empty() => {
                    core.send_line(PROMPT_PASSWORD);
                    self.sasl = Some(Sasl::LoginPassword(user));
                    Step::Progress
                }
                _ => reply(core, "501 5.5.2 the user name must be base64 of UTF-8 text"),
            },
            Sasl::LoginPassword(user) => match decode_b64_text(line) {
                Some(password) => {
                    core.login(user, password, LoginMethod::Login);
                    Step::Progress
                }
                None => reply(core, "501 5.5.2 the password must be base64 of UTF-8 text"),
            },
        }
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&c| c != b' ').unwrap_or(b.len());
    let end = b.iter().rposition(|&c| c != b' ').map_or(start, |e| e + 1);
    b.get(start..end).unwrap_or(b"")
}

/// One reply line that refuses a command, counting it (the session closes after too many).
fn reply(core: &mut Core, line: &str) -> Step {
    core.send_line(line);
    if core.bad_command() {
        let host = core.config.hostname.clone();
        core.send_line(&format!(
            "421 4.7.0 {host} too many errors, closing connection"
        ));
        core.close(CloseReason::TooManyErrors);
    }
    Step::Progress
}

pub(crate) fn login_failed(core: &mut Core, refusal: &LoginRefusal, close: bool) {
    let status = if refusal.temporary {
        "454 4.7.0"
    } else {
        "535 5.7.8"
    };
    core.send_line(&format!("{status} {}", refusal.wire_text()));
    if close {
        let host = one_line(&core.config.hostname, 100);
        core.send_line(&format!(
            "421 4.7.0 {host} too many failed logins, closing connection"
        ));
    }
}

/// The pre-login EHLO keywords (see [`super::rewrite_capabilities`]).
pub(crate) fn rewrite(upstream: &[String], config: &RelayConfig) -> Vec<String> {
    let mut caps: Vec<String> = upstream
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty() && !is_auth_or_tls(crate::cloud::Protocol::Smtp, c))
        .map(str::to_owned)
        .collect();
    if config.starttls_offered() {
        caps.push("STARTTLS".to_owned());
    }
    if config.login_allowed() {
        caps.push("AUTH PLAIN LOGIN".to_owned());
    }
    caps
}
