//! Transcript tests of the relay's client side: `C:` lines fed, `S:` bytes expected.

use super::*;

fn config() -> RelayConfig {
    RelayConfig {
        hostname: "relay.test".into(),
        tls_active: false,
        starttls: true,
        plaintext_login: true,
        upstream_capabilities: Vec::new(),
    }
}

fn session(protocol: Protocol, config: RelayConfig) -> RelaySession {
    let mut s = RelaySession::new(protocol, config).unwrap();
    assert!(
        matches!(s.poll_output(), Some(RelayOutput::Send(_))),
        "greeting first"
    );
    s
}

/// Everything the session wants sent, concatenated, and the other outputs in order.
fn drain(s: &mut RelaySession) -> (String, Vec<RelayOutput>) {
    let mut text = Vec::new();
    let mut other = Vec::new();
    while let Some(o) = s.poll_output() {
        match o {
            RelayOutput::Send(b) => text.extend(b),
            o => other.push(o),
        }
    }
    (String::from_utf8(text).unwrap(), other)
}

fn login_of(outputs: &[RelayOutput]) -> (String, String, LoginMethod) {
    match outputs {
        [RelayOutput::Login(l)] => (
            l.user.clone(),
            l.password.expose_secret().to_owned(),
            l.method,
        ),
        other => panic!("expected one Login, got {other:?}"),
    }
}

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[test]
fn imap_greeting_and_capabilities() {
    let mut c = config();
    c.upstream_capabilities = [
        "IMAP4rev1",
        "SASL-IR",
        "LOGIN-REFERRALS",
        "ID",
        "ENABLE",
        "IDLE",
        "LITERAL+",
        "AUTH=XOAUTH2",
        "AUTH=OAUTHBEARER",
        "LOGINDISABLED",
    ]
    .map(String::from)
    .to_vec();
    let mut s = RelaySession::new(Protocol::Imap, c).unwrap();
    let (greeting, _) = drain(&mut s);
    assert_eq!(
        greeting,
        "* OK [CAPABILITY IMAP4rev1 LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS SASL-IR AUTH=PLAIN] mailoauth relay ready\r\n"
    );
    s.receive(b"a1 CAPABILITY\r\na2 NOOP\r\na3 ID (\"name\" \"x\")\r\na4 SELECT INBOX\r\nzz\r\n")
        .unwrap();
    let (text, other) = drain(&mut s);
    assert!(other.is_empty());
    assert_eq!(
        text,
        "* CAPABILITY IMAP4rev1 LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS SASL-IR AUTH=PLAIN\r\na1 OK CAPABILITY completed\r\n\
         a2 OK NOOP completed\r\n* ID (\"name\" \"mailoauth relay\")\r\na3 OK ID completed\r\n\
         a4 BAD command not valid before login\r\n* BAD invalid command: expected a tag and a command\r\n"
    );
}

#[test]
fn imap_login_quoted_and_literals() {
    let mut s = session(Protocol::Imap, config());
    // A synchronizing literal: the relay asks for it with "+".
    s.receive(b"a1 LOGIN \"scan\\\"ner\" {7}\r\n").unwrap();
    assert_eq!(drain(&mut s).0, "+ Ready for literal data\r\n");
    s.receive(b"pa ss\"w").unwrap();
    assert_eq!(drain(&mut s).0, "");
    s.receive(b"\r\na2 NOOP\r\n").unwrap();
    let (text, other) = drain(&mut s);
    assert_eq!(text, "");
    assert_eq!(
        login_of(&other),
        (
            "scan\"ner".into(),
            "pa ss\"w".into(),
            LoginMethod::ImapLogin
        )
    );
    assert_eq!(s.state(), RelayState::CheckingLogin);
    s.login_succeeded(Some(vec![
        "IMAP4rev1".into(),
        "IDLE".into(),
        "AUTH=XOAUTH2".into(),
    ]))
    .unwrap();
    assert_eq!(
        drain(&mut s).0,
        "a1 OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n"
    );
    assert_eq!(s.state(), RelayState::Relaying);
    assert_eq!(s.take_pending_input(), b"a2 NOOP\r\n");
    assert_eq!(s.receive(b"x").unwrap_err().code(), "invalid_input");

    // Non-synchronizing literals need no "+"; an atom user name.
    let mut s = session(Protocol::Imap, config());
    s.receive(b"b1 login scanner {3+}\r\nabc\r\n").unwrap();
    let (text, other) = drain(&mut s);
    assert_eq!(text, "");
    assert_eq!(
        login_of(&other),
        ("scanner".into(), "abc".into(), LoginMethod::ImapLogin)
    );
    s.login_failed(&LoginRefusal::bad_credentials()).unwrap();
    assert_eq!(
        drain(&mut s).0,
        "b1 NO [AUTHENTICATIONFAILED] mailoauth: bad_credentials: invalid user name or password\r\n"
    );
    assert_eq!(s.state(), RelayState::PreLogin);
}

#[test]
fn imap_login_syntax_errors() {
    let mut s = session(Protocol::Imap, config());
    s.receive(b"c1 LOGIN onlyuser\r\nc2 LOGIN \"open\r\nc3 LOGIN a\"b c\r\n")
        .unwrap();
    let (text, other) = drain(&mut s);
    assert!(other.is_empty());
    assert_eq!(
        text,
        "c1 BAD LOGIN takes a user name and a password\r\nc2 BAD unterminated quoted string\r\nc3 BAD a quote inside an atom\r\n"
    );
}

#[test]
fn imap_authenticate_plain() {
    let response = b64("\0scanner\0secret");
    let mut s = session(Protocol::Imap, config());
    s.receive(format!("d1 AUTHENTICATE PLAIN {response}\r\n").as_bytes())
        .unwrap();
    let (_, other) = drain(&mut s);
    assert_eq!(
        login_of(&other),
        ("scanner".into(), "secret".into(), LoginMethod::Plain)
    );
    s.login_failed(&LoginRefusal {
        code: "token_expired".into(),
        text: "the upstream server refused\r\nthe token".into(),
        temporary: false,
    })
    .unwrap();
    assert_eq!(
        drain(&mut s).0,
        "d1 NO [AUTHENTICATIONFAILED] mailoauth: token_expired: the upstream server refused  the token\r\n"
    );
    // Without the initial response: "+ " then the line; "*" cancels.
    s.receive(b"d2 AUTHENTICATE plain\r\n").unwrap();
    assert_eq!(drain(&mut s).0, "+ \r\n");
    s.receive(b"*\r\n").unwrap();
    assert_eq!(drain(&mut s).0, "d2 BAD AUTHENTICATE cancelled\r\n");
    s.receive(b"d3 AUTHENTICATE PLAIN\r\n").unwrap();
    assert_eq!(drain(&mut s).0, "+ \r\n");
    s.receive(format!("{}\r\n", b64("scanner\0scanner\0pw")).as_bytes())
        .unwrap();
    let (_, other) = drain(&mut s);
    assert_eq!(
        login_of(&other),
        ("scanner".into(), "pw".into(), LoginMethod::Plain)
    );
    s.login_failed(&LoginRefusal {
        code: "upstream_unavailable".into(),
        text: "connection refused".into(),
        temporary: true,
    })
    .unwrap();
    // The third failure closes the session.
    assert_eq!(
        drain(&mut s).0,
        "d3 NO [UNAVAILABLE] mailoauth: upstream_unavailable: connection refused\r\n"
    );
    s.receive(format!("d4 AUTHENTICATE PLAIN {}\r\n", b64("other\0scanner\0pw")).as_bytes())
        .unwrap();
    let (text, other) = drain(&mut s);
    assert_eq!(
        text,
        "d4 NO [AUTHENTICATIONFAILED] mailoauth: authzid_not_allowed: the authorization identity must be empty or the user itself\r\n\
         * BYE too many failed logins\r\n"
    );
    assert_eq!(
        other,
        vec![RelayOutput::Close(CloseReason::TooManyFailures)]
    );
    assert_eq!(s.state(), RelayState::Closed);
    assert_eq!(s.receive(b"x\r\n").unwrap_err().code(), "invalid_input");
}

#[test]
fn imap_other_mechanisms_and_bad_base64() {
    let mut s = session(Protocol::Imap, config());
    s.receive(b"e1 AUTHENTICATE XOAUTH2 abc\r\ne2 AUTHENTICATE PLAIN !!!\r\n")
        .unwrap();
    let (text, other) = drain(&mut s);
    assert!(other.is_empty());
    assert_eq!(
        text,
        "e1 NO [CANNOT] unsupported mechanism: the relay accepts PLAIN and LOGIN\r\n\
         e2 NO [AUTHENTICATIONFAILED] mailoauth: malformed_sasl: the SASL PLAIN response is not base64\r\n"
    );
    assert_eq!(s.failures(), 1);
}

#[test]
fn imap_starttls_and_logindisabled() {
    let mut c = config();
    c.plaintext_login = false;
    let mut s = RelaySession::new(Protocol::Imap, c).unwrap();
    assert_eq!(
        drain(&mut s).0,
        "* OK [CAPABILITY IMAP4rev1 LITERAL+ STARTTLS LOGINDISABLED] mailoauth relay ready\r\n"
    );
    s.receive(b"f1 LOGIN a b\r\n").unwrap();
    assert_eq!(
        drain(&mut s).0,
        "f1 NO [PRIVACYREQUIRED] LOGIN is disabled until STARTTLS\r\n"
    );
    // Bytes pipelined after STARTTLS are dropped (CVE-2011-0411).
    s.receive(b"f2 STARTTLS\r\nf3 LOGIN a b\r\n").unwrap();
    let (text, other) = drain(&mut s);
    assert_eq!(text, "f2 OK Begin TLS negotiation now\r\n");
    assert_eq!(other, vec![RelayOutput::StartTls]);
    assert_eq!(s.receive(b"x").unwrap_err().code(), "invalid_input");
    s.tls_started().unwrap();
    assert!(s.tls_active());
    assert_eq!(drain(&mut s).0, "");
    s.receive(b"f4 CAPABILITY\r\nf5 STARTTLS\r\n").unwrap();
    assert_eq!(
        drain(&mut s).0,
        "* CAPABILITY IMAP4rev1 LITERAL+ SASL-IR AUTH=PLAIN\r\nf4 OK CAPABILITY completed\r\nf5 BAD TLS is already active\r\n"
    );
    assert_eq!(s.tls_started().unwrap_err().code(), "invalid_input");
}

#[test]
fn imap_limits() {
    // A synchronizing literal too large: a tagged refusal, no "+".
    let mut s = session(Protocol::Imap, config());
    s.receive(format!("g1 LOGIN {{{}}}\r\n", MAX_LITERAL + 1).as_bytes())
        .unwrap();
    assert_eq!(drain(&mut s).0, "g1 BAD [TOOBIG] literal too large\r\n");
    // A non-synchronizing one: the connection is closed.
    s.receive(format!("g2 LOGIN {{{}+}}\r\n", MAX_LITERAL + 1).as_bytes())
        .unwrap();
    let (text, other) = drain(&mut s);
    assert_eq!(text, "* BYE [TOOBIG] literal too large\r\n");
    assert_eq!(
        other,
        vec![RelayOutput::Close(CloseReason::LiteralTooLarge)]
    );
    // Too many literals.
    let mut s = session(Protocol::Imap, config());
    s.receive(b"g3 ID {1+}\r\na {1+}\r\nb {1+}\r\nc {1+}\r\nd {1+}\r\n")
        .unwrap();
    let (_, other) = drain(&mut s);
    assert_eq!(
        other,
        vec![RelayOutput::Close(CloseReason::LiteralTooLarge)]
    );
    // A line without an end, over the limit, closes at once (no unbounded buffer).
    let mut s = session(Protocol::Imap, config());
    s.receive(&vec![b'a'; MAX_COMMAND_LINE]).unwrap();
    let (text, other) = drain(&mut s);
    assert_eq!(text, "* BYE [TOOBIG] command line too long\r\n");
    assert_eq!(other, vec![RelayOutput::Close(CloseReason::LineTooLong)]);
    // Too many bad commands.
    let mut s = session(Protocol::Imap, config());
    s.receive(&b"x1 FOO\r\n".repeat(MAX_BAD_COMMANDS as usize))
        .unwrap();
    let (_, other) = drain(&mut s);
    assert_eq!(other, vec![RelayOutput::Close(CloseReason::TooManyErrors)]);
}

#[test]
fn imap_logout_and_shutdown() {
    let mut s = session(Protocol::Imap, config());
    s.receive(b"h1 LOGOUT\r\n").unwrap();
    let (text, other) = drain(&mut s);
    assert_eq!(
        text,
        "* BYE mailoauth relay logging out\r\nh1 OK LOGOUT completed\r\n"
    );
    assert_eq!(other, vec![RelayOutput::Close(CloseReason::ClientQuit)]);
    let mut s = session(Protocol::Pop, config());
    s.timed_out();
    let (text, other) = drain(&mut s);
    assert_eq!(
        text,
        "-ERR [SYS/TEMP] mailoauth relay autologout: no login in time\r\n"
    );
    assert_eq!(other, vec![RelayOutput::Close(CloseReason::Timeout)]);
    s.timed_out();
    assert_eq!(s.poll_output(), None);
    let mut s = session(Protocol::Smtp, config());
    s.busy();
    let (text, other) = drain(&mut s);
    assert_eq!(
        text,
        "421 4.3.2 relay.test mailoauth relay busy: too many sessions, try again later\r\n"
    );
    assert_eq!(other, vec![RelayOutput::Close(CloseReason::Busy)]);
    let mut s = session(Protocol::Imap, config());
    s.shutdown();
    let (text, other) = drain(&mut s);
    assert_eq!(text, "* BYE mailoauth relay shutting down\r\n");
    assert_eq!(other, vec![RelayOutput::Close(CloseReason::Shutdown)]);
}

#[test]
fn pop_user_pass_and_capa() {
    let mut c = config();
    c.upstream_capabilities = [
        "TOP",
        "UIDL",
        "RESP-CODES",
        "PIPELINING",
        "AUTH-RESP-CODE",
        "SASL XOAUTH2 OAUTHBEARER",
        "STLS",
        "USER",
    ]
    .map(String::from)
    .to_vec();
    let mut s = RelaySession::new(Protocol::Pop, c).unwrap();
    assert_eq!(drain(&mut s).0, "+OK mailoauth relay ready\r\n");
    s.receive(b"CAPA\r\nPASS x\r\nUSER scanner\r\nPASS pass word\r\nSTAT\r\n")
        .unwrap();
    let (text, other) = drain(&mut s);
    assert_eq!(
        text,
        "+OK Capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nSTLS\r\nUSER\r\nSASL PLAIN\r\n.\r\n\
         -ERR send USER first\r\n+OK send PASS\r\n"
    );
    assert_eq!(
        login_of(&other),
        ("scanner".into(), "pass word".into(), LoginMethod::UserPass)
    );
    s.login_succeeded(None).unwrap();
    assert_eq!(drain(&mut s).0, "+OK Logged in.\r\n");
    assert_eq!(s.take_pending_input(), b"STAT\r\n");
}

#[test]
fn pop_auth_plain() {
    let mut s = session(Protocol::Pop, config());
    s.receive(b"AUTH\r\nAUTH XOAUTH2\r\nAUTH PLAIN\r\n")
        .unwrap();
    assert_eq!(
        drain(&mut s).0,
        "+OK\r\nPLAIN\r\n.\r\n-ERR unsupported mechanism: the relay accepts PLAIN\r\n+ \r\n"
    );
    s.receive(format!("{}\r\n", b64("\0u\0p")).as_bytes())
        .unwrap();
    let (_, other) = drain(&mut s);
    assert_eq!(
        login_of(&other),
        ("u".into(), "p".into(), LoginMethod::Plain)
    );
    s.login_failed(&LoginRefusal {
        code: "token_unavailable".into(),
        text: "the token endpoint answered 503".into(),
        temporary: true,
    })
    .unwrap();
    assert_eq!(
        drain(&mut s).0,
        "-ERR [SYS/TEMP] mailoauth: token_unavailable: the token endpoint answered 503\r\n"
    );
    s.receive(format!("AUTH PLAIN {}\r\nQUIT\r\n", b64("\0u\0p")).as_bytes())
        .unwrap();
    let (_, other) = drain(&mut s);
    assert_eq!(
        login_of(&other),
        ("u".into(), "p".into(), LoginMethod::Plain)
    );
    s.login_failed(&LoginRefusal::bad_credentials()).unwrap();
    // The buffered QUIT is answered after the verdict.
    let (text, other) = drain(&mut s);
    assert_eq!(text, "-ERR [AUTH] mailoauth: bad_credentials: invalid user name or password\r\n+OK mailoauth relay signing off\r\n");
    assert_eq!(other, vec![RelayOutput::Close(CloseReason::ClientQuit)]);
}

#[test]
fn pop_stls_required() {
    let mut c = config();
    c.plaintext_login = false;
    let mut s = session(Protocol::Pop, c);
    s.receive(b"CAPA\r\nUSER x\r\nAUTH PLAIN\r\nSTLS\r\n")
        .unwrap();
    let (text, other) = drain(&mut s);
    assert_eq!(
        text,
        "+OK Capability list follows\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nSTLS\r\n.\r\n\
         -ERR plaintext login is disabled: use STLS first\r\n-ERR authentication is disabled: use STLS first\r\n+OK Begin TLS negotiation\r\n"
    );
    assert_eq!(other, vec![RelayOutput::StartTls]);
    s.tls_started().unwrap();
    s.receive(b"USER x\r\n").unwrap();
    assert_eq!(drain(&mut s).0, "+OK send PASS\r\n");
}

#[test]
fn smtp_ehlo_auth_plain_and_login() {
    let mut c = config();
    c.upstream_capabilities = [
        "PIPELINING",
        "SIZE 10240000",
        "AUTH PLAIN XOAUTH2",
        "AUTH=LOGIN",
        "STARTTLS",
        "8BITMIME",
        "ENHANCEDSTATUSCODES",
    ]
    .map(String::from)
    .to_vec();
    let mut s = RelaySession::new(Protocol::Smtp, c).unwrap();
    assert_eq!(
        drain(&mut s).0,
        "220 relay.test ESMTP mailoauth relay ready\r\n"
    );
    s.receive(b"AUTH PLAIN\r\nMAIL FROM:<a@b>\r\nEHLO\r\nEHLO scanner\r\n")
        .unwrap();
    assert_eq!(
        drain(&mut s).0,
        "503 5.5.1 send EHLO first\r\n530 5.7.0 Authentication required\r\n501 5.5.4 Syntax: EHLO hostname\r\n\
         250-relay.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n"
    );
    s.receive(b"AUTH LOGIN\r\n").unwrap();
    assert_eq!(drain(&mut s).0, "334 VXNlcm5hbWU6\r\n");
    s.receive(format!("{}\r\n", b64("scanner")).as_bytes())
        .unwrap();
    assert_eq!(drain(&mut s).0, "334 UGFzc3dvcmQ6\r\n");
    s.receive(format!("{}\r\nMAIL FROM:<a@b>\r\n", b64("pw")).as_bytes())
        .unwrap();
    let (_, other) = drain(&mut s);
    assert_eq!(
        login_of(&other),
        ("scanner".into(), "pw".into(), LoginMethod::Login)
    );
    s.login_failed(&LoginRefusal {
        code: "auth_failed".into(),
        text: "refused".into(),
        temporary: false,
    })
    .unwrap();
    assert_eq!(
        drain(&mut s).0,
        "535 5.7.8 mailoauth: auth_failed: refused\r\n530 5.7.0 Authentication required\r\n"
    );
    s.receive(b"AUTH PLAIN\r\n").unwrap();
    assert_eq!(drain(&mut s).0, "334 \r\n");
    s.receive(b"*\r\nAUTH CRAM-MD5\r\n").unwrap();
    assert_eq!(
        drain(&mut s).0,
        "501 5.0.0 Authentication cancelled\r\n504 5.5.4 Unrecognized authentication type: the relay accepts PLAIN and LOGIN\r\n"
    );
    s.receive(format!("AUTH LOGIN {}\r\n", b64("scanner")).as_bytes())
        .unwrap();
    assert_eq!(drain(&mut s).0, "334 UGFzc3dvcmQ6\r\n");
    s.receive(format!("{}\r\n", b64("pw2")).as_bytes()).unwrap();
    let (_, other) = drain(&mut s);
    assert_eq!(
        login_of(&other),
        ("scanner".into(), "pw2".into(), LoginMethod::Login)
    );
    s.login_succeeded(None).unwrap();
    assert_eq!(drain(&mut s).0, "235 2.7.0 Authentication successful\r\n");
}

#[test]
fn smtp_tls_required_and_reset() {
    let mut c = config();
    c.plaintext_login = false;
    c.upstream_capabilities = vec!["AUTH XOAUTH2".into()];
    let mut s = session(Protocol::Smtp, c);
    s.receive(b"EHLO x\r\nAUTH PLAIN AGEAYg==\r\nSTARTTLS\r\n")
        .unwrap();
    let (text, other) = drain(&mut s);
    assert_eq!(
        text,
        "250-relay.test\r\n250 STARTTLS\r\n538 5.7.11 Encryption required for requested authentication mechanism\r\n220 2.0.0 Ready to start TLS\r\n"
    );
    assert_eq!(other, vec![RelayOutput::StartTls]);
    s.tls_started().unwrap();
    // EHLO again after TLS.
    s.receive(b"AUTH PLAIN AGEAYg==\r\nHELO x\r\nAUTH PLAIN AGEAYg==\r\n")
        .unwrap();
    let (text, other) = drain(&mut s);
    assert_eq!(text, "503 5.5.1 send EHLO first\r\n250 relay.test\r\n");
    assert_eq!(
        login_of(&other),
        ("a".into(), "b".into(), LoginMethod::Plain)
    );
    // Three failures: 535, then 421 and close.
    for i in 0..3 {
        if i > 0 {
            s.receive(b"AUTH PLAIN AGEAYg==\r\n").unwrap();
            let _ = drain(&mut s);
        }
        s.login_failed(&LoginRefusal::bad_credentials()).unwrap();
    }
    let (text, other) = drain(&mut s);
    assert_eq!(
        text,
        "535 5.7.8 mailoauth: bad_credentials: invalid user name or password\r\n421 4.7.0 relay.test too many failed logins, closing connection\r\n"
    );
    assert_eq!(
        other,
        vec![RelayOutput::Close(CloseReason::TooManyFailures)]
    );
}

#[test]
fn smtp_quit_noop_and_long_line() {
    let mut s = session(Protocol::Smtp, config());
    s.receive(b"NOOP\r\nRSET\r\nQUIT\r\n").unwrap();
    let (text, other) = drain(&mut s);
    assert_eq!(
        text,
        "250 2.0.0 OK\r\n250 2.0.0 OK\r\n221 2.0.0 relay.test closing connection\r\n"
    );
    assert_eq!(other, vec![RelayOutput::Close(CloseReason::ClientQuit)]);
    let mut s = session(Protocol::Smtp, config());
    let mut long = vec![b'A'; MAX_COMMAND_LINE + 10];
    long.extend_from_slice(b"\r\n");
    s.receive(&long).unwrap();
    let (text, other) = drain(&mut s);
    assert_eq!(text, "500 5.5.6 command line too long\r\n");
    assert_eq!(other, vec![RelayOutput::Close(CloseReason::LineTooLong)]);
}

#[test]
fn misuse_is_invalid_input() {
    let mut s = session(Protocol::Smtp, config());
    assert_eq!(s.login_succeeded(None).unwrap_err().code(), "invalid_input");
    assert_eq!(
        s.login_failed(&LoginRefusal::bad_credentials())
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert!(s.take_pending_input().is_empty());
    let bad = RelayConfig {
        hostname: "a b".into(),
        ..config()
    };
    assert_eq!(
        RelaySession::new(Protocol::Smtp, bad).unwrap_err().code(),
        "invalid_input"
    );
}

#[test]
fn passwords_never_print() {
    let mut s = session(Protocol::Pop, config());
    s.receive(b"USER u\r\nPASS hunter2-secret\r\n").unwrap();
    let (_, other) = drain(&mut s);
    assert!(!format!("{other:?}").contains("hunter2"));
    assert!(!format!("{s:?}").contains("hunter2"));
}

#[test]
fn refusal_text_is_one_safe_line() {
    let r = LoginRefusal {
        code: "a b\r\nc".into(),
        text: "x\ny".into(),
        temporary: false,
    };
    assert_eq!(r.wire_text(), "mailoauth: abc: x y");
    let r = LoginRefusal {
        code: String::new(),
        text: String::new(),
        temporary: false,
    };
    assert_eq!(r.wire_text(), "mailoauth: refused");
}

#[test]
fn byte_at_a_time_is_the_same() {
    let input = "a1 CAPABILITY\r\na2 LOGIN {3}\r\nabc {2+}\r\nxy\r\n";
    let mut whole = session(Protocol::Imap, config());
    whole.receive(input.as_bytes()).unwrap();
    let mut split = session(Protocol::Imap, config());
    for b in input.as_bytes() {
        split.receive(&[*b]).unwrap();
    }
    assert_eq!(drain(&mut whole), drain(&mut split));
}

#[test]
fn post_login_and_rewrite() {
    assert_eq!(
        post_login_capabilities(
            Protocol::Smtp,
            &["AUTH PLAIN".into(), "SIZE 1".into(), " ".into()]
        ),
        vec!["SIZE 1"]
    );
    let tls = RelayConfig {
        tls_active: true,
        starttls: true,
        ..RelayConfig::default()
    };
    assert_eq!(
        rewrite_capabilities(Protocol::Pop, &[], &tls),
        vec!["RESP-CODES", "AUTH-RESP-CODE", "USER", "SASL PLAIN"]
    );
    assert_eq!(
        rewrite_capabilities(Protocol::Smtp, &[], &RelayConfig::default()),
        Vec::<String>::new()
    );
}

#[test]
fn input_during_a_login_check_is_bounded() {
    let mut s = session(Protocol::Smtp, config());
    s.receive(b"EHLO x\r\nAUTH PLAIN AGEAYg==\r\n").unwrap();
    let (_, other) = drain(&mut s);
    assert_eq!(login_of(&other).0, "a");
    s.receive(&vec![b'x'; MAX_PENDING_INPUT]).unwrap();
    assert_eq!(s.state(), RelayState::CheckingLogin);
    s.receive(b"y").unwrap();
    let (text, other) = drain(&mut s);
    assert_eq!(
        text,
        "421 4.3.2 relay.test mailoauth relay too much input while the login is checked\r\n"
    );
    assert_eq!(other, vec![RelayOutput::Close(CloseReason::TooMuchInput)]);
    assert_eq!(s.login_succeeded(None).unwrap_err().code(), "invalid_input");
}
