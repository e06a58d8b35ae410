//! The IMAP side of the relay (RFC 9051 / RFC 3501): greeting, `CAPABILITY`, `NOOP`, `LOGOUT`,
//! `STARTTLS`, `ID` (RFC 2971), `LOGIN` with quoted strings and literals (RFC 9051 section 4.3,
//! non-synchronizing literals of RFC 7888), `AUTHENTICATE PLAIN` with and without the initial
//! response (RFC 4959), and the response codes of RFC 5530.

use super::{
    is_auth_or_tls, one_line, post_login_capabilities, CloseReason, Core, LoginMethod,
    LoginRefusal, RelayConfig, Step, MAX_COMMAND_LINE, MAX_LITERAL, MAX_LITERALS,
};

/// One piece of a command: the text of a line (its literal marker removed) and the literal that
/// followed it.
struct Segment {
    text: Vec<u8>,
    literal: Option<Vec<u8>>,
}

pub(crate) struct ImapState {
    /// The command being assembled (lines and literals).
    segments: Vec<Segment>,
    /// Octets of the command so far (lines and literals).
    size: usize,
    /// A literal of this many octets comes next.
    literal_needed: Option<usize>,
    /// `AUTHENTICATE PLAIN` waits for the client's response line (the command's tag).
    sasl_tag: Option<String>,
    /// The tag of the login being checked.
    pending_tag: String,
}

/// A token of a command's arguments.
#[derive(Debug, PartialEq, Eq)]
enum Token {
    Atom(Vec<u8>),
    Quoted(Vec<u8>),
    Literal(Vec<u8>),
}

impl Token {
    fn bytes(&self) -> &[u8] {
        match self {
            Token::Atom(b) | Token::Quoted(b) | Token::Literal(b) => b,
        }
    }
}

impl ImapState {
    pub(crate) fn new(core: &mut Core) -> ImapState {
        let caps = rewrite(&core.config.upstream_capabilities, &core.config).join(" ");
        core.send_line(&format!("* OK [CAPABILITY {caps}] mailoauth relay ready"));
        ImapState {
            segments: Vec::new(),
            size: 0,
            literal_needed: None,
            sasl_tag: None,
            pending_tag: String::new(),
        }
    }

    pub(crate) fn reset(&mut self) {
        self.segments.clear();
        self.size = 0;
        self.literal_needed = None;
        self.sasl_tag = None;
    }

    pub(crate) fn step(&mut self, core: &mut Core) -> Step {
        if let Some(n) = self.literal_needed {
            if core.input.len() < n {
                return Step::Wait;
            }
            let literal: Vec<u8> = core.input.drain(..n).collect();
            if let Some(last) = self.segments.last_mut() {
                last.literal = Some(literal);
            }
            self.literal_needed = None;
            return Step::Progress;
        }
        let line = match core.next_line("* BYE [TOOBIG] command line too long") {
            Ok(line) => line,
            Err(step) => return step,
        };
        if let Some(tag) = self.sasl_tag.take() {
            return sasl_response(core, &tag, &line);
        }
        self.size += line.len();
        if let Some((text, n, sync)) = literal_marker(&line) {
            let count = self.segments.len() + 1;
            if n > MAX_LITERAL || count > MAX_LITERALS || self.size + n > MAX_COMMAND_LINE {
                let tag = self.tag_of(text);
                self.reset();
                if sync {
                    // The client waits for "+": a tagged refusal ends the command.
                    return bad(core, &tag, "[TOOBIG] literal too large");
                }
                // A non-synchronizing literal is on its way: the connection cannot recover.
                core.send_line("* BYE [TOOBIG] literal too large");
                core.close(CloseReason::LiteralTooLarge);
                return Step::Progress;
            }
            self.size += n;
            self.segments.push(Segment {
                text: text.to_vec(),
                literal: None,
            });
            self.literal_needed = Some(n);
            if sync {
                core.send_line("+ Ready for literal data");
            }
            return Step::Progress;
        }
        self.segments.push(Segment {
            text: line,
            literal: None,
        });
        let segments = std::mem::take(&mut self.segments);
        self.size = 0;
        self.command(core, segments)
    }

    /// The tag of the command being assembled (its first word), `*` when there is none.
    fn tag_of(&self, current: &[u8]) -> String {
        let first = self
            .segments
            .first()
            .map(|s| s.text.as_slice())
            .unwrap_or(current);
        let word = first.split(|&b| b == b' ').next().unwrap_or(b"");
        match std::str::from_utf8(word) {
            Ok(tag) if crate::imap::validate_tag(tag).is_ok() => tag.to_owned(),
            _ => "*".to_owned(),
        }
    }

    fn command(&mut self, core: &mut Core, segments: Vec<Segment>) -> Step {
        let first = segments.first().map(|s| s.text.as_slice()).unwrap_or(b"");
        let mut words = first.splitn(3, |&b| b == b' ');
        let tag = words.next().unwrap_or(b"");
        let name = words.next().unwrap_or(b"");
        let tag = match std::str::from_utf8(tag) {
            Ok(t) if crate::imap::validate_tag(t).is_ok() && !name.is_empty() => t.to_owned(),
            _ => return bad(core, "*", "invalid command: expected a tag and a command"),
        };
        let name = String::from_utf8_lossy(name).to_ascii_uppercase();
        let config = core.config.clone();
        let config = &config;
        match name.as_str() {
            "CAPABILITY" => {
                let caps = rewrite(&config.upstream_capabilities, config).join(" ");
                core.send_line(&format!("* CAPABILITY {caps}"));
                core.send_line(&format!("{tag} OK CAPABILITY completed"));
            }
            "NOOP" => core.send_line(&format!("{tag} OK NOOP completed")),
            "ID" => {
                core.send_line("* ID (\"name\" \"mailoauth relay\")");
                core.send_line(&format!("{tag} OK ID completed"));
            }
            "LOGOUT" => {
                core.send_line("* BYE mailoauth relay logging out");
                core.send_line(&format!("{tag} OK LOGOUT completed"));
                core.close(CloseReason::ClientQuit);
            }
            "STARTTLS" => {
                if config.starttls_offered() {
                    core.send_line(&format!("{tag} OK Begin TLS negotiation now"));
                    core.start_tls();
                } else if config.tls_active {
                    return bad(core, &tag, "TLS is already active");
                } else {
                    return bad(core, &tag, "STARTTLS is not available");
                }
            }
            "LOGIN" => {
                if !config.login_allowed() {
                    core.send_line(&format!(
                        "{tag} NO [PRIVACYREQUIRED] LOGIN is disabled until STARTTLS"
                    ));
                    return Step::Progress;
                }
                let tokens = match tokenize(&segments) {
                    Ok(t) => t,
                    Err(why) => return bad(core, &tag, why),
                };
                let [_, _, user, password] = tokens.as_slice() else {
                    return bad(core, &tag, "LOGIN takes a user name and a password");
                };
                let (Ok(user), Ok(password)) = (
                    String::from_utf8(user.bytes().to_vec()),
                    String::from_utf8(password.bytes().to_vec()),
                ) else {
                    return bad(core, &tag, "the user name and password must be UTF-8");
                };
                core.login(user, password, LoginMethod::ImapLogin);
                self.pending_tag = tag;
            }
            "AUTHENTICATE" => return self.authenticate(core, &tag, &segments),
            "SELECT" | "EXAMINE" | "CREATE" | "DELETE" | "RENAME" | "SUBSCRIBE" | "UNSUBSCRIBE"
            | "LIST" | "LSUB" | "STATUS" | "APPEND" | "CHECK" | "CLOSE" | "EXPUNGE" | "SEARCH"
            | "FETCH" | "STORE" | "COPY" | "MOVE" | "UID" | "IDLE" | "ENABLE" | "NAMESPACE"
            | "UNSELECT" | "GETQUOTA" | "GETQUOTAROOT" | "GETACL" | "MYRIGHTS" => {
                return bad(core, &tag, "command not valid before login");
            }
            _ => return bad(core, &tag, "unknown command"),
        }
        Step::Progress
    }

    fn authenticate(&mut self, core: &mut Core, tag: &str, segments: &[Segment]) -> Step {
        if !core.config.login_allowed() {
            core.send_line(&format!(
                "{tag} NO [PRIVACYREQUIRED] authentication is disabled until STARTTLS"
            ));
            return Step::Progress;
        }
        let tokens = match tokenize(segments) {
            Ok(t) => t,
            Err(why) => return bad(core, tag, why),
        };
        let (mechanism, initial) = match tokens.as_slice() {
            [_, _, Token::Atom(m)] => (m, None),
            [_, _, Token::Atom(m), Token::Atom(ir)] => (m, Some(ir)),
            _ => {
                return bad(
                    core,
                    tag,
                    "AUTHENTICATE takes a mechanism and an optional response",
                )
            }
        };
        if !mechanism.eq_ignore_ascii_case(b"PLAIN") {
            core.send_line(&format!(
                "{tag} NO [CANNOT] unsupported mechanism: the relay accepts PLAIN and LOGIN"
            ));
            return Step::Progress;
        }
        match initial {
            Some(ir) => {
                self.pending_tag = tag.to_owned();
                core.plain_login(ir)
            }
            None => {
                core.send_line("+ ");
                self.sasl_tag = Some(tag.to_owned());
                self.pending_tag = tag.to_owned();
                Step::Progress
            }
        }
    }

    pub(crate) fn login_succeeded(&mut self, core: &mut Core, capabilities: Option<Vec<String>>) {
        let tag = std::mem::take(&mut self.pending_tag);
        match capabilities {
            Some(caps) => {
                let caps = post_login_capabilities(core.protocol, &caps).join(" ");
                core.send_line(&format!("{tag} OK [CAPABILITY {caps}] Logged in"));
            }
            None => core.send_line(&format!("{tag} OK Logged in")),
        }
    }

    pub(crate) fn login_failed(&mut self, core: &mut Core, refusal: &LoginRefusal, close: bool) {
        let tag = std::mem::take(&mut self.pending_tag);
        let code = if refusal.temporary {
            "UNAVAILABLE"
        } else {
            "AUTHENTICATIONFAILED"
        };
        core.send_line(&format!("{tag} NO [{code}] {}", refusal.wire_text()));
        if close {
            core.send_line("* BYE too many failed logins");
        }
    }
}

/// The client's answer to `+ ` after `AUTHENTICATE PLAIN`.
fn sasl_response(core: &mut Core, tag: &str, line: &[u8]) -> Step {
    if line == b"*" {
        return bad(core, tag, "AUTHENTICATE cancelled");
    }
    core.plain_login(line)
}

/// `tag BAD text`, counting the refusal (the session closes after too many).
fn bad(core: &mut Core, tag: &str, text: &str) -> Step {
    core.send_line(&format!("{tag} BAD {}", one_line(text, 200)));
    if core.bad_command() {
        core.send_line("* BYE too many invalid commands");
        core.close(CloseReason::TooManyErrors);
    }
    Step::Progress
}

/// `... {n}` or `... {n+}` at the end of a line: the text before the marker, `n`, and whether
/// the literal is synchronizing.
fn literal_marker(line: &[u8]) -> Option<(&[u8], usize, bool)> {
    let body = line.strip_suffix(b"}")?;
    let open = body.iter().rposition(|&b| b == b'{')?;
    let inner = body.get(open + 1..)?;
    let (digits, sync) = match inner.strip_suffix(b"+") {
        Some(d) => (d, false),
        None => (inner, true),
    };
    if digits.is_empty() || digits.len() > 10 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = std::str::from_utf8(digits).ok()?.parse::<usize>().ok()?;
    Some((line.get(..open)?, n, sync))
}

/// The words of a command (tag and name included): atoms, quoted strings (with `\"` and `\\`)
/// and literals.
fn tokenize(segments: &[Segment]) -> Result<Vec<Token>, &'static str> {
    let mut tokens = Vec::new();
    for segment in segments {
        let text = &segment.text;
        let mut i = 0;
        while i < text.len() {
            match text.get(i) {
                Some(b' ') => i += 1,
                Some(b'"') => {
                    let mut value = Vec::new();
                    i += 1;
                    loop {
                        match text.get(i) {
                            None => return Err("unterminated quoted string"),
                            Some(b'"') => break,
                            Some(b'\\') => match text.get(i + 1) {
                                Some(&c @ (b'"' | b'\\')) => {
                                    value.push(c);
                                    i += 1;
                                }
                                _ => {
                                    return Err(
                                        "a backslash in a quoted string must escape \" or \\",
                                    )
                                }
                            },
                            Some(&c) => value.push(c),
                        }
                        i += 1;
                    }
                    i += 1;
                    if text.get(i).is_some_and(|&b| b != b' ') {
                        return Err("a quoted string must be followed by a space");
                    }
                    tokens.push(Token::Quoted(value));
                }
                Some(_) => {
                    let end = text
                        .get(i..)
                        .and_then(|rest| rest.iter().position(|&b| b == b' '))
                        .map_or(text.len(), |p| i + p);
                    let word = text.get(i..end).unwrap_or(b"");
                    if word.contains(&b'"') {
                        return Err("a quote inside an atom");
                    }
                    tokens.push(Token::Atom(word.to_vec()));
                    i = end;
                }
                None => break,
            }
        }
        if let Some(literal) = &segment.literal {
            if !text.is_empty() && !text.ends_with(b" ") {
                return Err("a literal must follow a space");
            }
            tokens.push(Token::Literal(literal.clone()));
        }
    }
    Ok(tokens)
}

/// The pre-login capabilities (see [`super::rewrite_capabilities`]).
pub(crate) fn rewrite(upstream: &[String], config: &RelayConfig) -> Vec<String> {
    let mut caps: Vec<String> = upstream
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty() && !is_auth_or_tls(crate::cloud::Protocol::Imap, c))
        .filter(|c| !c.eq_ignore_ascii_case("LITERAL+") && !c.eq_ignore_ascii_case("LITERAL-"))
        .map(str::to_owned)
        .collect();
    if !caps
        .iter()
        .any(|c| c.eq_ignore_ascii_case("IMAP4rev1") || c.eq_ignore_ascii_case("IMAP4rev2"))
    {
        caps.insert(0, "IMAP4rev1".to_owned());
    }
    // The relay's own parser takes non-synchronizing literals up to MAX_LITERAL.
    caps.push("LITERAL+".to_owned());
    if config.starttls_offered() {
        caps.push("STARTTLS".to_owned());
    }
    if config.login_allowed() {
        caps.push("SASL-IR".to_owned());
        caps.push("AUTH=PLAIN".to_owned());
    } else {
        caps.push("LOGINDISABLED".to_owned());
    }
    caps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(text: &[u8], literal: Option<&[u8]>) -> Segment {
        Segment {
            text: text.to_vec(),
            literal: literal.map(<[u8]>::to_vec),
        }
    }

    #[test]
    fn markers() {
        assert_eq!(
            literal_marker(b"a LOGIN {5}"),
            Some((&b"a LOGIN "[..], 5, true))
        );
        assert_eq!(
            literal_marker(b"a LOGIN {12+}"),
            Some((&b"a LOGIN "[..], 12, false))
        );
        assert_eq!(literal_marker(b"a LOGIN {}"), None);
        assert_eq!(literal_marker(b"a LOGIN {x}"), None);
        assert_eq!(literal_marker(b"a LOGIN {99999999999}"), None);
        assert_eq!(literal_marker(b"a LOGIN \"{5}\""), None);
    }

    #[test]
    fn tokens() {
        let t = tokenize(&[seg(br#"a LOGIN "al\"ice" "#, Some(b"p w")), seg(b"", None)]).unwrap();
        assert_eq!(
            t,
            vec![
                Token::Atom(b"a".to_vec()),
                Token::Atom(b"LOGIN".to_vec()),
                Token::Quoted(b"al\"ice".to_vec()),
                Token::Literal(b"p w".to_vec())
            ]
        );
        assert!(tokenize(&[seg(br#"a LOGIN "x"#, None)]).is_err());
        assert!(tokenize(&[seg(br#"a LOGIN "x\n""#, None)]).is_err());
        assert!(tokenize(&[seg(br#"a LOGIN "x"y"#, None)]).is_err());
        assert!(tokenize(&[seg(b"a LOGIN x", Some(b"abc"))]).is_err());
        assert_eq!(
            tokenize(&[seg(b"a LOGIN \"\" \"\"", None)]).unwrap().len(),
            4
        );
    }
}
