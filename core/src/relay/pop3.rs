//! The POP3 side of the relay (RFC 1939 in the AUTHORIZATION state): greeting, `CAPA`
//! (RFC 2449), `USER` / `PASS`, `AUTH` (RFC 5034, `PLAIN` with and without the initial
//! response), `STLS` (RFC 2595), `QUIT`; refusals carry the response codes of RFC 2449 / RFC 3206
//! (`[AUTH]`, `[SYS/TEMP]`).

use super::{
    is_auth_or_tls, one_line, split_command, CloseReason, Core, LoginMethod, LoginRefusal,
    RelayConfig, Step,
};

pub(crate) struct PopState {
    /// The name of `USER`, waiting for `PASS`.
    user: Option<String>,
    /// `AUTH PLAIN` waits for the client's response line.
    sasl: bool,
}

impl PopState {
    pub(crate) fn new(core: &mut Core) -> PopState {
        core.send_line("+OK mailoauth relay ready");
        PopState {
            user: None,
            sasl: false,
        }
    }

    pub(crate) fn reset(&mut self) {
        self.user = None;
        self.sasl = false;
    }

    pub(crate) fn step(&mut self, core: &mut Core) -> Step {
        let line = match core.next_line("-ERR command line too long") {
            Ok(line) => line,
            Err(step) => return step,
        };
        if self.sasl {
            self.sasl = false;
            if line == b"*" {
                return err(core, "AUTH cancelled");
            }
            return core.plain_login(&line);
        }
        let (name, arg) = split_command(&line);
        let config = core.config.clone();
        let config = &config;
        match name.as_str() {
            "CAPA" => {
                core.send_line("+OK Capability list follows");
                for cap in rewrite(&config.upstream_capabilities, config) {
                    core.send_line(&cap);
                }
                core.send_line(".");
            }
            "QUIT" => {
                core.send_line("+OK mailoauth relay signing off");
                core.close(CloseReason::ClientQuit);
            }
            "STLS" => {
                if config.starttls_offered() {
                    core.send_line("+OK Begin TLS negotiation");
                    core.start_tls();
                } else if config.tls_active {
                    return err(core, "TLS is already active");
                } else {
                    return err(core, "STLS is not available");
                }
            }
            "USER" => {
                if !config.login_allowed() {
                    return err(core, "plaintext login is disabled: use STLS first");
                }
                match String::from_utf8(arg.to_vec()) {
                    Ok(user) if !user.is_empty() => {
                        self.user = Some(user);
                        core.send_line("+OK send PASS");
                    }
                    _ => return err(core, "USER takes a user name (UTF-8)"),
                }
            }
            "PASS" => {
                let Some(user) = self.user.take() else {
                    return err(core, "send USER first");
                };
                let Ok(password) = String::from_utf8(arg.to_vec()) else {
                    return err(core, "the password must be UTF-8");
                };
                core.login(user, password, LoginMethod::UserPass);
            }
            "AUTH" => {
                self.user = None;
                if arg.is_empty() {
                    // RFC 5034 section 4 lists the mechanisms for a bare AUTH (as Exchange does).
                    core.send_line("+OK");
                    if config.login_allowed() {
                        core.send_line("PLAIN");
                    }
                    core.send_line(".");
                    return Step::Progress;
                }
                if !config.login_allowed() {
                    return err(core, "authentication is disabled: use STLS first");
                }
                let mut words = arg.splitn(2, |&b| b == b' ');
                let mechanism = words.next().unwrap_or(b"");
                if !mechanism.eq_ignore_ascii_case(b"PLAIN") {
                    return err(core, "unsupported mechanism: the relay accepts PLAIN");
                }
                match words.next() {
                    Some(ir) => return core.plain_login(ir),
                    None => {
                        core.send_line("+ ");
                        self.sasl = true;
                    }
                }
            }
            "APOP" => return err(core, "APOP is not supported: use USER/PASS or AUTH PLAIN"),
            "" => return err(core, "empty command"),
            _ => return err(core, "command not valid before login"),
        }
        Step::Progress
    }
}

/// `-ERR text`, counting the refusal (the session closes after too many).
fn err(core: &mut Core, text: &str) -> Step {
    core.send_line(&format!("-ERR {}", one_line(text, 200)));
    if core.bad_command() {
        core.close(CloseReason::TooManyErrors);
    }
    Step::Progress
}

pub(crate) fn login_failed(core: &mut Core, refusal: &LoginRefusal, _close: bool) {
    let code = if refusal.temporary {
        "SYS/TEMP"
    } else {
        "AUTH"
    };
    core.send_line(&format!("-ERR [{code}] {}", refusal.wire_text()));
}

/// The pre-login CAPA lines (see [`super::rewrite_capabilities`]).
pub(crate) fn rewrite(upstream: &[String], config: &RelayConfig) -> Vec<String> {
    let mut caps: Vec<String> = upstream
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty() && *c != "." && !is_auth_or_tls(crate::cloud::Protocol::Pop, c))
        .map(str::to_owned)
        .collect();
    for code in ["RESP-CODES", "AUTH-RESP-CODE"] {
        if !caps.iter().any(|c| c.eq_ignore_ascii_case(code)) {
            caps.push(code.to_owned());
        }
    }
    if config.starttls_offered() {
        caps.push("STLS".to_owned());
    }
    if config.login_allowed() {
        caps.push("USER".to_owned());
        caps.push("SASL PLAIN".to_owned());
    }
    caps
}
