//! Scripted `C:`/`S:` transcripts of the IMAP, POP3 and SMTP authentication exchanges (in the
//! style of imap-codec's tests): `C:` lines are what the machine must emit, byte for byte (CR LF
//! added by the script runner); `S:` lines are fed to it. Every branch of the three machines has
//! a transcript here, plus a redaction test over every public type they expose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mailoauth::cloud::Protocol;
use mailoauth::diagnose::reply::{diagnose_reply, diagnosis, reply_catalogue};
use mailoauth::imap::{self, ImapAuth, ImapAuthConfig, ImapGreetingStatus, ImapResponse};
use mailoauth::login::{
    Action, AuthOutcome, Authenticated, InitialResponse, LoginMachine, Rejection,
};
use mailoauth::pop3::{self, PopAuth, PopAuthConfig};
use mailoauth::sasl::{self, Credentials, Mechanism};
use mailoauth::smtp::{self, SmtpAuth, SmtpAuthConfig, SmtpReplyReader};

const USER: &str = "someuser@example.com";
const TOKEN: &str = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg";
/// XOAUTH2 of USER and TOKEN (Google's XOAUTH2 page, Microsoft's samples).
const IR: &str = "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==";
/// Google's failure challenge: {"status":"401","schemes":"bearer mac","scope":"https://mail.google.com/"}.
const GOOGLE_CHALLENGE: &str = "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIG1hYyIsInNjb3BlIjoiaHR0cHM6Ly9tYWlsLmdvb2dsZS5jb20vIn0K";
/// RFC 7628 section 4.3: the OAUTHBEARER initial response with host and port.
const RFC7628_IR: &str = "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB";
/// RFC 7628 section 4.3: the failure challenge (status invalid_token).
const RFC7628_CHALLENGE: &str = "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3BlIiwib3BlbmlkLWNvbmZpZ3VyYXRpb24iOiJodHRwczovL2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9uIn0=";

// ---------------------------------------------------------------------------------------------
// The script runner.

/// The three machines are driven alike, through the core's one trait.
trait Machine: LoginMachine + std::fmt::Debug {}
impl<M: LoginMachine + std::fmt::Debug> Machine for M {}

/// Walks a script and returns the outcome. Lines: `C: bytes` (the machine must send exactly
/// `bytes\r\n`; `C:` alone is an empty line), `S: line` (the machine must wait for a line; it gets
/// `line\r\n`), `S! line` (the line must be refused with `unexpected_reply`), `CANCEL`.
/// Everything the machine and its actions print is appended to `log`.
fn walk_logged<M: Machine>(m: &mut M, script: &str, log: &mut String) -> AuthOutcome {
    for raw in script.lines() {
        let line = raw.trim_start();
        if line.is_empty() {
            continue;
        }
        log.push_str(&format!("{m:?}\n"));
        if line == "CANCEL" {
            m.cancel();
        } else if let Some(c) = line.strip_prefix("C:") {
            let want = format!("{}\r\n", c.strip_prefix(' ').unwrap_or(c));
            let got = m.next_action();
            log.push_str(&format!("{got:?}\n"));
            match got {
                Action::Send(bytes) => assert_eq!(
                    String::from_utf8(bytes).unwrap(),
                    want,
                    "at script line {line:?}"
                ),
                other => panic!("at {line:?}: the machine wants {other:?}"),
            }
        } else if let Some(s) = line.strip_prefix("S:") {
            let a = m.next_action();
            log.push_str(&format!("{a:?}\n"));
            assert_eq!(a, Action::NeedLine, "at {line:?}");
            let fed = format!("{}\r\n", s.strip_prefix(' ').unwrap_or(s));
            if let Err(e) = m.receive_line(fed.as_bytes()) {
                panic!("at {line:?}: {e}");
            }
        } else if let Some(s) = line.strip_prefix("S!") {
            assert_eq!(m.next_action(), Action::NeedLine, "at {line:?}");
            let fed = format!("{}\r\n", s.strip_prefix(' ').unwrap_or(s));
            // One error channel: the call succeeds and the exchange ends with the error.
            if let Err(e) = m.receive_line(fed.as_bytes()) {
                panic!("at {line:?}: a protocol error returned from receive_line: {e}");
            }
            match m.next_action() {
                Action::Done(AuthOutcome::Error(e)) => {
                    log.push_str(&format!("{e:?} {e}\n"));
                    assert_eq!(e.code(), "unexpected_reply", "at {line:?}");
                }
                other => panic!("at {line:?}: expected Done(Error), got {other:?}"),
            }
        } else {
            panic!("bad script line {line:?}");
        }
    }
    log.push_str(&format!("{m:?}\n"));
    match m.next_action() {
        Action::Done(o) => {
            log.push_str(&format!("{o:?}\n"));
            // Done is sticky.
            assert_eq!(m.next_action(), Action::Done(o.clone()));
            o
        }
        other => panic!("the script ended but the machine wants {other:?}"),
    }
}

fn walk<M: Machine>(m: &mut M, script: &str) -> AuthOutcome {
    walk_logged(m, script, &mut String::new())
}

fn rejected(o: AuthOutcome) -> Rejection {
    match o {
        AuthOutcome::Rejected(r) => r,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

fn authenticated(o: AuthOutcome) -> Authenticated {
    match o {
        AuthOutcome::Authenticated(a) => a,
        other => panic!("expected success, got {other:?}"),
    }
}

fn error_code(o: &AuthOutcome) -> String {
    match o {
        AuthOutcome::Error(e) => e.code().to_owned(),
        other => panic!("expected an error, got {other:?}"),
    }
}

fn diag(r: &Rejection) -> Option<&str> {
    r.diagnosis.as_ref().map(|d| d.code.as_str())
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn imap(mechanism: Mechanism, caps: &[&str]) -> ImapAuth {
    imap_with(mechanism, Credentials::new(USER, TOKEN), caps)
}

fn imap_with(mechanism: Mechanism, credentials: Credentials, caps: &[&str]) -> ImapAuth {
    ImapAuth::new(ImapAuthConfig {
        mechanism,
        credentials,
        tag: "A1".into(),
        capabilities: strings(caps),
    })
    .unwrap()
}

fn pop(mechanism: Mechanism, ir: InitialResponse) -> PopAuth {
    PopAuth::new(PopAuthConfig {
        mechanism,
        credentials: Credentials::new(USER, TOKEN),
        capabilities: None,
        initial_response: ir,
    })
    .unwrap()
}

fn smtp_with(credentials: Credentials, mechanism: Mechanism, ir: InitialResponse) -> SmtpAuth {
    SmtpAuth::new(SmtpAuthConfig {
        mechanism,
        credentials,
        ehlo_keywords: strings(&["PIPELINING", "AUTH LOGIN XOAUTH2 OAUTHBEARER", "8BITMIME"]),
        initial_response: ir,
    })
    .unwrap()
}

fn smtp(mechanism: Mechanism, ir: InitialResponse) -> SmtpAuth {
    smtp_with(Credentials::new(USER, TOKEN), mechanism, ir)
}

const XO: Mechanism = Mechanism::XOAuth2;
const OB: Mechanism = Mechanism::OAuthBearer;

// ---------------------------------------------------------------------------------------------
// IMAP

#[test]
fn imap_sasl_ir_success_with_capability_update() {
    let mut m = imap(XO, &["IMAP4rev1", "AUTH=XOAUTH2", "SASL-IR"]);
    let a = authenticated(walk(
        &mut m,
        &format!(
            "C: A1 AUTHENTICATE XOAUTH2 {IR}
             S: A1 OK [CAPABILITY IMAP4rev1 IDLE MOVE] AUTHENTICATE completed."
        ),
    ));
    assert_eq!(
        a.server_text,
        "[CAPABILITY IMAP4rev1 IDLE MOVE] AUTHENTICATE completed."
    );
    assert_eq!(
        a.capabilities,
        Some(strings(&["IMAP4rev1", "IDLE", "MOVE"]))
    );
}

#[test]
fn imap_without_sasl_ir_waits_for_the_continuation() {
    for plus in ["+ ", "+", "+ Ready for additional command text."] {
        let mut m = imap(XO, &["IMAP4rev1", "AUTH=XOAUTH2"]);
        let a = authenticated(walk(
            &mut m,
            &format!(
                "C: A1 AUTHENTICATE XOAUTH2
                 S: {plus}
                 C: {IR}
                 S: A1 OK AUTHENTICATE completed."
            ),
        ));
        assert_eq!(a.server_text, "AUTHENTICATE completed.");
        assert_eq!(a.capabilities, None);
    }
}

#[test]
fn imap_untagged_lines_are_accepted_and_capabilities_kept() {
    let mut m = imap(XO, &["AUTH=XOAUTH2"]);
    let a = authenticated(walk(
        &mut m,
        "C: A1 AUTHENTICATE XOAUTH2
         S: * OK [ALERT] maintenance tonight
         S: +
         C: dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==
         S: * CAPABILITY IMAP4rev1 AUTH=XOAUTH2 UIDPLUS
         S: * 3 EXISTS
         S: A1 OK done",
    ));
    assert_eq!(
        a.capabilities,
        Some(strings(&["IMAP4rev1", "AUTH=XOAUTH2", "UIDPLUS"]))
    );
}

#[test]
fn imap_no_is_auth_failed() {
    let mut m = imap(XO, &["AUTH=XOAUTH2", "SASL-IR"]);
    let r = rejected(walk(
        &mut m,
        &format!(
            "C: A1 AUTHENTICATE XOAUTH2 {IR}
             S: A1 NO AUTHENTICATE failed."
        ),
    ));
    assert_eq!(r.status, "NO");
    assert_eq!(r.server_text, "AUTHENTICATE failed.");
    assert_eq!(diag(&r), Some("auth_failed"));
    assert!(r.retry_with_fresh_token);
    assert_eq!(
        (r.reply_code, r.enhanced_status, r.sasl_error),
        (None, None, None)
    );
}

#[test]
fn imap_bad_replies() {
    let mut m = imap(XO, &["AUTH=XOAUTH2", "SASL-IR"]);
    let r = rejected(walk(
        &mut m,
        &format!(
            "C: A1 AUTHENTICATE XOAUTH2 {IR}
             S: A1 BAD User is authenticated but not connected."
        ),
    ));
    assert_eq!(r.status, "BAD");
    assert_eq!(diag(&r), Some("not_connected"));
    assert!(!r.retry_with_fresh_token);

    let mut m = imap(XO, &["AUTH=XOAUTH2", "SASL-IR"]);
    let r = rejected(walk(
        &mut m,
        &format!(
            "C: A1 AUTHENTICATE XOAUTH2 {IR}
             S: A1 bad Command Argument Error. 11"
        ),
    ));
    assert_eq!(r.status, "BAD");
    // The fallback for a refusal the catalogue does not know: its words are kept, no fresh token.
    assert_eq!(diag(&r), Some("unrecognized"), "the fallback");
    assert_eq!(r.server_text, "Command Argument Error. 11");
    assert!(!r.retry_with_fresh_token);
}

#[test]
fn imap_bye_ends_the_exchange() {
    let mut m = imap(XO, &["AUTH=XOAUTH2", "SASL-IR"]);
    let r = rejected(walk(
        &mut m,
        &format!(
            "C: A1 AUTHENTICATE XOAUTH2 {IR}
             S: * BYE Session invalidated - AccessTokenExpired"
        ),
    ));
    assert_eq!(r.status, "BYE");
    assert_eq!(r.server_text, "Session invalidated - AccessTokenExpired");
    assert_eq!(diag(&r), Some("session_token_expired"));
    assert!(r.retry_with_fresh_token);
}

#[test]
fn imap_google_challenge_answered_with_empty_line() {
    let mut m = imap(XO, &["IMAP4rev1", "AUTH=XOAUTH2"]);
    let r = rejected(walk(
        &mut m,
        &format!(
            "C: A1 AUTHENTICATE XOAUTH2
             S: +
             C: {IR}
             S: + {GOOGLE_CHALLENGE}
             C:
             S: A1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)"
        ),
    ));
    let e = r.sasl_error.clone().unwrap();
    assert_eq!(e.status.as_deref(), Some("401"));
    assert_eq!(e.schemes.as_deref(), Some("bearer mac"));
    assert_eq!(e.scope.as_deref(), Some("https://mail.google.com/"));
    assert_eq!(
        r.server_text,
        "[AUTHENTICATIONFAILED] Invalid credentials (Failure)"
    );
    assert_eq!(diag(&r), Some("auth_failed"));
    assert!(r.retry_with_fresh_token);
}

#[test]
fn imap_oauthbearer_rfc7628_with_host_and_port() {
    let mut c = Credentials::new(
        "user@example.com",
        "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==",
    );
    c.host = Some("server.example.com".into());
    c.port = Some(143);
    let mut m = ImapAuth::new(ImapAuthConfig {
        mechanism: OB,
        credentials: c,
        tag: "t1".into(),
        capabilities: strings(&["IMAP4rev1", "AUTH=OAUTHBEARER", "SASL-IR"]),
    })
    .unwrap();
    let r = rejected(walk(
        &mut m,
        &format!(
            "C: t1 AUTHENTICATE OAUTHBEARER {RFC7628_IR}
             S: + {RFC7628_CHALLENGE}
             C: AQ==
             S: t1 NO SASL authentication failed"
        ),
    ));
    let e = r.sasl_error.clone().unwrap();
    assert_eq!(e.status.as_deref(), Some("invalid_token"));
    assert_eq!(e.scope.as_deref(), Some("example_scope"));
    assert_eq!(
        e.openid_configuration.as_deref(),
        Some("https://example.com/.well-known/openid-configuration")
    );
    assert!(r.retry_with_fresh_token);
}

#[test]
fn imap_challenge_with_insufficient_scope_is_not_a_fresh_token_case() {
    let challenge = base64_json(r#"{"status":"insufficient_scope","scope":"mail"}"#);
    let mut m = imap(XO, &["AUTH=XOAUTH2", "SASL-IR"]);
    let r = rejected(walk(
        &mut m,
        &format!(
            "C: A1 AUTHENTICATE XOAUTH2 {IR}
             S: + {challenge}
             C:
             S: A1 NO AUTHENTICATE failed."
        ),
    ));
    assert_eq!(
        r.sasl_error.unwrap().status.as_deref(),
        Some("insufficient_scope")
    );
    assert!(!r.retry_with_fresh_token);
}

#[test]
fn imap_undecodable_challenge_is_still_answered() {
    for challenge in ["+ not base64!", "+ bm90IGpzb24=", "+ "] {
        let mut m = imap(OB, &["AUTH=OAUTHBEARER", "SASL-IR"]);
        let ir = Credentials::new(USER, TOKEN)
            .initial_response_base64(OB)
            .unwrap();
        let r = rejected(walk(
            &mut m,
            &format!(
                "C: A1 AUTHENTICATE OAUTHBEARER {ir}
                 S: {challenge}
                 C: AQ==
                 S: A1 NO failed"
            ),
        ));
        assert_eq!(r.sasl_error, None);
    }
}

#[test]
fn imap_cancel() {
    let mut m = imap(XO, &["AUTH=XOAUTH2"]);
    let r = rejected(walk(
        &mut m,
        "C: A1 AUTHENTICATE XOAUTH2
         S: +
         CANCEL
         C: *
         S: A1 BAD AUTHENTICATE aborted",
    ));
    assert_eq!(r.status, "BAD");
    assert_eq!(r.diagnosis, None);
    assert!(!r.retry_with_fresh_token);

    // Cancelled while waiting for the continuation: the continuation gets `*`.
    let mut m = imap(XO, &["AUTH=XOAUTH2"]);
    let r = rejected(walk(
        &mut m,
        "C: A1 AUTHENTICATE XOAUTH2
         CANCEL
         S: +
         C: *
         S: A1 BAD aborted",
    ));
    assert_eq!(r.diagnosis, None);

    // Cancelled before anything was sent: nothing is sent.
    let mut m = imap(XO, &["AUTH=XOAUTH2"]);
    let o = walk(&mut m, "CANCEL");
    assert_eq!(error_code(&o), "invalid_input");
}

#[test]
fn imap_wrong_tag_and_garbage() {
    for bad in [
        "A2 OK AUTHENTICATE completed.",
        "a1 OK case matters for tags",
        "A1 PERHAPS",
        "A1",
        "",
        "*",
        "hello there",
        "A1OK",
    ] {
        let mut m = imap(XO, &["AUTH=XOAUTH2", "SASL-IR"]);
        let o = walk(
            &mut m,
            &format!(
                "C: A1 AUTHENTICATE XOAUTH2 {IR}
                 S! {bad}"
            ),
        );
        assert_eq!(error_code(&o), "unexpected_reply", "{bad:?}");
        // Feeding after Done is the caller's mistake.
        assert_eq!(
            m.receive_line(b"A1 OK").unwrap_err().code(),
            "invalid_input"
        );
    }
    // A second continuation after the challenge was answered.
    let mut m = imap(XO, &["AUTH=XOAUTH2", "SASL-IR"]);
    let o = walk(
        &mut m,
        &format!(
            "C: A1 AUTHENTICATE XOAUTH2 {IR}
             S: + {GOOGLE_CHALLENGE}
             C:
             S! + {GOOGLE_CHALLENGE}"
        ),
    );
    assert_eq!(error_code(&o), "unexpected_reply");
}

#[test]
fn imap_refuses_oversized_and_broken_lines() {
    let mut m = imap(XO, &["AUTH=XOAUTH2", "SASL-IR"]);
    let _ = m.next_action();
    let long = format!("* OK {}\r\n", "x".repeat(mailoauth::login::MAX_LINE_LEN));
    assert_eq!(ended_by(&mut m, long.as_bytes()), "unexpected_reply");
    let mut m = imap(XO, &["AUTH=XOAUTH2", "SASL-IR"]);
    let _ = m.next_action();
    assert_eq!(ended_by(&mut m, b"A1 OK\r\nA1 OK"), "unexpected_reply");
    // Non-UTF-8 text is carried, not a crash.
    let mut m = imap(XO, &["AUTH=XOAUTH2", "SASL-IR"]);
    let _ = m.next_action();
    m.receive_line(b"A1 NO caf\xe9").unwrap();
    assert_eq!(rejected(m.next_action_done()).server_text, "caf\u{fffd}");
}

/// Feeds a line the machine must refuse and returns the code it ended with (the call itself
/// succeeds: the error is reported once, in the outcome).
fn ended_by(m: &mut impl LoginMachine, line: &[u8]) -> String {
    m.receive_line(line)
        .expect("a protocol error is not an error of the call");
    match m.outcome() {
        Some(AuthOutcome::Error(e)) => e.code().to_owned(),
        other => panic!("expected an error outcome, got {other:?}"),
    }
}

trait DoneExt {
    fn next_action_done(&mut self) -> AuthOutcome;
}
impl<M: Machine> DoneExt for M {
    fn next_action_done(&mut self) -> AuthOutcome {
        match self.next_action() {
            Action::Done(o) => o,
            other => panic!("not done: {other:?}"),
        }
    }
}

#[test]
fn imap_mechanism_not_offered_before_anything_is_sent() {
    for caps in [
        &["IMAP4rev1", "AUTH=PLAIN", "SASL-IR"][..],
        &["XOAUTH2"],
        &[],
    ] {
        let e = ImapAuth::new(ImapAuthConfig {
            mechanism: XO,
            credentials: Credentials::new(USER, TOKEN),
            tag: "A1".into(),
            capabilities: strings(caps),
        })
        .unwrap_err();
        assert_eq!(e.code(), "mechanism_not_offered");
        assert!(!e.to_string().contains(TOKEN));
    }
    // The check is case-insensitive.
    assert!(ImapAuth::new(ImapAuthConfig {
        mechanism: OB,
        credentials: Credentials::new(USER, TOKEN),
        tag: "A1".into(),
        capabilities: strings(&["auth=oauthbearer"]),
    })
    .is_ok());
}

#[test]
fn imap_from_a_fresh_connection() {
    // Greeting without capabilities: ask for them, then authenticate.
    let greeting =
        imap::parse_greeting("* OK The Microsoft Exchange IMAP4 service is ready.\r\n").unwrap();
    assert_eq!(greeting.status, ImapGreetingStatus::Ok);
    assert_eq!(greeting.capabilities, None);
    assert_eq!(
        imap::build_capability_command("C0").unwrap(),
        b"C0 CAPABILITY\r\n"
    );
    let mut caps = None;
    for line in [
        "* CAPABILITY IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+\r\n",
        "C0 OK CAPABILITY completed.\r\n",
    ] {
        match imap::parse_response(line).unwrap() {
            ImapResponse::Tagged { tag, .. } => {
                assert_eq!(tag, "C0");
                break;
            }
            other => caps = other.capabilities(),
        }
    }
    let caps = caps.unwrap();
    assert_eq!(
        imap::parse_capability_response(
            "* CAPABILITY IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+"
        )
        .unwrap(),
        caps
    );
    let mut m = ImapAuth::new(ImapAuthConfig {
        mechanism: XO,
        credentials: Credentials::new(USER, TOKEN),
        tag: "A01".into(),
        capabilities: caps,
    })
    .unwrap();
    assert!(m.uses_initial_response());
    authenticated(walk(
        &mut m,
        &format!(
            "C: A01 AUTHENTICATE XOAUTH2 {IR}
             S: A01 OK AUTHENTICATE completed."
        ),
    ));
    // The probe after login: Exchange's "not connected".
    let probe = "A02 BAD User is authenticated but not connected.";
    assert_eq!(
        diagnose_reply(Protocol::Imap, probe).unwrap().code,
        "not_connected"
    );
}

// ---------------------------------------------------------------------------------------------
// POP3

#[test]
fn pop_two_step_with_and_without_space() {
    for plus in ["+", "+ ", "+ go ahead"] {
        for ir in [InitialResponse::Auto, InitialResponse::Never] {
            let mut m = pop(XO, ir);
            let a = authenticated(walk(
                &mut m,
                &format!(
                    "C: AUTH XOAUTH2
                     S: {plus}
                     C: {IR}
                     S: +OK User successfully authenticated."
                ),
            ));
            assert_eq!(a.server_text, "User successfully authenticated.");
        }
    }
}

#[test]
fn pop_err_is_auth_failed() {
    let mut m = pop(XO, InitialResponse::Auto);
    let r = rejected(walk(
        &mut m,
        &format!(
            "C: AUTH XOAUTH2
             S: +
             C: {IR}
             S: -ERR Authentication failure: unknown user name or bad password."
        ),
    ));
    assert_eq!(r.status, "-ERR");
    assert_eq!(
        r.server_text,
        "Authentication failure: unknown user name or bad password."
    );
    assert_eq!(diag(&r), Some("auth_failed"));
    assert!(r.retry_with_fresh_token);
}

#[test]
fn pop_one_line_and_exchange_protocol_error() {
    let mut m = pop(XO, InitialResponse::Always);
    assert!(m.uses_initial_response());
    let r = rejected(walk(
        &mut m,
        &format!(
            "C: AUTH XOAUTH2 {IR}
             S: -ERR Protocol error. Connection is closed. 10"
        ),
    ));
    assert_eq!(r.server_text, "Protocol error. Connection is closed. 10");
    assert_eq!(diag(&r), Some("pop_two_step_required"));
    assert!(!r.retry_with_fresh_token);

    let mut m = pop(XO, InitialResponse::Always);
    authenticated(walk(
        &mut m,
        &format!(
            "C: AUTH XOAUTH2 {IR}
             S: +OK"
        ),
    ));
}

#[test]
fn pop_challenges_for_both_mechanisms() {
    let mut m = pop(XO, InitialResponse::Auto);
    let r = rejected(walk(
        &mut m,
        &format!(
            "C: AUTH XOAUTH2
             S: +
             C: {IR}
             S: + {GOOGLE_CHALLENGE}
             C:
             S: -ERR [AUTH] Invalid credentials."
        ),
    ));
    assert_eq!(
        r.sasl_error.as_ref().unwrap().status.as_deref(),
        Some("401")
    );
    assert_eq!(diag(&r), Some("auth_failed"));

    let ir = Credentials::new(USER, TOKEN)
        .initial_response_base64(OB)
        .unwrap();
    let mut m = pop(OB, InitialResponse::Never);
    let r = rejected(walk(
        &mut m,
        &format!(
            "C: AUTH OAUTHBEARER
             S: +
             C: {ir}
             S: + {RFC7628_CHALLENGE}
             C: AQ==
             S: -ERR authentication failed"
        ),
    ));
    assert_eq!(
        r.sasl_error.unwrap().status.as_deref(),
        Some("invalid_token")
    );
    assert!(r.retry_with_fresh_token);
}

#[test]
fn pop_capa_and_mechanism_check() {
    let capa = strings(&[
        "+OK\r\n",
        "TOP\r\n",
        "UIDL\r\n",
        "SASL PLAIN XOAUTH2\r\n",
        "USER\r\n",
        ".\r\n",
    ]);
    assert_eq!(pop3::build_capa_command(), b"CAPA\r\n");
    let caps = pop3::parse_capa(&capa);
    assert_eq!(
        caps,
        strings(&["TOP", "UIDL", "SASL PLAIN XOAUTH2", "USER"])
    );
    let config = |caps: Vec<String>, mechanism| PopAuthConfig {
        mechanism,
        credentials: Credentials::new(USER, TOKEN),
        capabilities: Some(caps),
        initial_response: InitialResponse::Auto,
    };
    assert!(PopAuth::new(config(caps.clone(), XO)).is_ok());
    let e = PopAuth::new(config(caps, OB)).unwrap_err();
    assert_eq!(e.code(), "mechanism_not_offered");
    let e = PopAuth::new(config(strings(&["USER", "TOP"]), XO)).unwrap_err();
    assert_eq!(e.code(), "mechanism_not_offered");
    assert!(
        pop3::parse_reply("+OK The Microsoft Exchange POP3 service is ready.")
            .unwrap()
            .ok
    );
}

#[test]
fn pop_cancel_and_garbage() {
    let mut m = pop(XO, InitialResponse::Auto);
    let r = rejected(walk(
        &mut m,
        "C: AUTH XOAUTH2
         S: +
         CANCEL
         C: *
         S: -ERR Authentication cancelled",
    ));
    assert_eq!(r.diagnosis, None);
    assert!(!r.retry_with_fresh_token);

    for bad in ["OK", "+OKAY", "-ERRor", "+x", "", "* 1"] {
        let mut m = pop(XO, InitialResponse::Auto);
        let o = walk(
            &mut m,
            &format!(
                "C: AUTH XOAUTH2
                 S: +
                 C: {IR}
                 S! {bad}"
            ),
        );
        assert_eq!(error_code(&o), "unexpected_reply", "{bad:?}");
    }
    // +OK before the response was even asked for.
    let mut m = pop(XO, InitialResponse::Auto);
    let o = walk(&mut m, "C: AUTH XOAUTH2\nS! +OK");
    assert_eq!(error_code(&o), "unexpected_reply");
}

// ---------------------------------------------------------------------------------------------
// SMTP

/// A token whose XOAUTH2 response for `a@b.c` has `len` base64 characters.
fn token_for_b64_len(len: usize) -> String {
    // raw = 20 + user (5) + token; base64 = 4 * ceil(raw / 3).
    let raw = len / 4 * 3;
    "t".repeat(raw - 25)
}

#[test]
fn smtp_512_octet_boundary() {
    // With padded base64 an XOAUTH2 AUTH line is 15 + 4k octets: 511 is the longest that fits,
    // 515 the shortest that does not. The rule itself is checked at exactly 512 and 513.
    assert!(smtp::initial_response_fits(XO, &"A".repeat(512 - 15)));
    assert!(!smtp::initial_response_fits(XO, &"A".repeat(513 - 15)));
    assert!(smtp::initial_response_fits(OB, &"A".repeat(512 - 19)));
    assert!(!smtp::initial_response_fits(OB, &"A".repeat(513 - 19)));

    let fits = Credentials::new("a@b.c", token_for_b64_len(496));
    let b64 = fits.initial_response_base64(XO).unwrap();
    assert_eq!(format!("AUTH XOAUTH2 {b64}\r\n").len(), 511);
    let mut m = smtp_with(fits, XO, InitialResponse::Auto);
    assert!(m.uses_initial_response());
    authenticated(walk(
        &mut m,
        &format!(
            "C: AUTH XOAUTH2 {b64}
             S: 235 2.7.0 Authentication successful"
        ),
    ));

    let over = Credentials::new("a@b.c", format!("{}t", token_for_b64_len(496)));
    let b64 = over.initial_response_base64(XO).unwrap();
    assert_eq!(format!("AUTH XOAUTH2 {b64}\r\n").len(), 515);
    let mut m = smtp_with(over.clone(), XO, InitialResponse::Auto);
    assert!(!m.uses_initial_response());
    authenticated(walk(
        &mut m,
        &format!(
            "C: AUTH XOAUTH2
             S: 334 
             C: {b64}
             S: 235 2.7.0 Authentication successful"
        ),
    ));
    // Always forces the one-line form even then; Never forces two steps for a short token.
    let mut m = smtp_with(over, XO, InitialResponse::Always);
    authenticated(walk(
        &mut m,
        &format!(
            "C: AUTH XOAUTH2 {b64}
             S: 235 ok"
        ),
    ));
    let mut m = smtp(XO, InitialResponse::Never);
    authenticated(walk(
        &mut m,
        &format!(
            "C: AUTH XOAUTH2
             S: 334
             C: {IR}
             S: 235 2.7.0 Authentication successful"
        ),
    ));
}

#[test]
fn smtp_multi_line_535() {
    let mut m = smtp(XO, InitialResponse::Auto);
    let r = rejected(walk(
        &mut m,
        &format!(
            "C: AUTH XOAUTH2 {IR}
             S: 535-5.7.8 Username and Password not accepted. For more information, go to
             S: 535 5.7.8  https://support.google.com/mail/?p=BadCredentials x1-20020a"
        ),
    ));
    assert_eq!(r.reply_code, Some(535));
    assert_eq!(r.status, "535");
    assert_eq!(r.enhanced_status.as_deref(), Some("5.7.8"));
    assert_eq!(
        r.server_text,
        " https://support.google.com/mail/?p=BadCredentials x1-20020a"
    );
    assert_eq!(diag(&r), Some("auth_failed"));
    assert!(r.retry_with_fresh_token);

    let mut m = smtp(XO, InitialResponse::Never);
    let r = rejected(walk(
        &mut m,
        &format!(
            "C: AUTH XOAUTH2
             S: 334 
             C: {IR}
             S: 535 5.7.3 Authentication unsuccessful [SN2PR00CA0018.namprd00.prod.outlook.com]"
        ),
    ));
    assert_eq!(r.enhanced_status.as_deref(), Some("5.7.3"));
    assert_eq!(
        r.server_text,
        "Authentication unsuccessful [SN2PR00CA0018.namprd00.prod.outlook.com]"
    );
}

#[test]
fn smtp_334_challenge_for_both_mechanisms() {
    let mut m = smtp(XO, InitialResponse::Auto);
    let r = rejected(walk(
        &mut m,
        &format!(
            "C: AUTH XOAUTH2 {IR}
             S: 334 {GOOGLE_CHALLENGE}
             C:
             S: 535-5.7.8 Username and Password not accepted.
             S: 535 5.7.8 https://support.google.com/mail/?p=BadCredentials"
        ),
    ));
    assert_eq!(
        r.sasl_error.unwrap().scope.as_deref(),
        Some("https://mail.google.com/")
    );

    let ir = Credentials::new(USER, TOKEN)
        .initial_response_base64(OB)
        .unwrap();
    let mut m = smtp(OB, InitialResponse::Auto);
    let r = rejected(walk(
        &mut m,
        &format!(
            "C: AUTH OAUTHBEARER {ir}
             S: 334 {RFC7628_CHALLENGE}
             C: AQ==
             S: 535 5.7.8 Authentication credentials invalid"
        ),
    ));
    assert_eq!(
        r.sasl_error.unwrap().status.as_deref(),
        Some("invalid_token")
    );
    assert!(r.retry_with_fresh_token);
}

#[test]
fn smtp_oauthbearer_with_host_and_port() {
    let mut c = Credentials::new(USER, TOKEN);
    c.host = Some("smtp.example.com".into());
    c.port = Some(587);
    let ir = c.initial_response_base64(OB).unwrap();
    let decoded = sasl::decode_initial_response_base64(OB, &ir).unwrap();
    assert_eq!(decoded.host.as_deref(), Some("smtp.example.com"));
    assert_eq!(decoded.port, Some(587));
    let mut m = smtp_with(c, OB, InitialResponse::Never);
    authenticated(walk(
        &mut m,
        &format!(
            "C: AUTH OAUTHBEARER
             S: 334 
             C: {ir}
             S: 235 2.7.0 Accepted"
        ),
    ));
}

#[test]
fn smtp_temporary_and_unknown_mechanism() {
    let mut m = smtp(XO, InitialResponse::Auto);
    let r = rejected(walk(
        &mut m,
        &format!(
            "C: AUTH XOAUTH2 {IR}
             S: 454 4.7.0 Temporary authentication failure"
        ),
    ));
    assert_eq!(r.reply_code, Some(454));
    assert_eq!(r.enhanced_status.as_deref(), Some("4.7.0"));
    assert_eq!(diag(&r), Some("temporary_failure"));
    assert!(r.diagnosis.as_ref().unwrap().fix.contains("Retry later"));
    assert!(!r.retry_with_fresh_token);

    let mut m = smtp(XO, InitialResponse::Never);
    let r = rejected(walk(
        &mut m,
        "C: AUTH XOAUTH2
         S: 504 5.7.4 Unrecognized authentication type",
    ));
    assert_eq!(r.reply_code, Some(504));
    assert_eq!(diag(&r), Some("mechanism_not_offered"));
    assert!(!r.retry_with_fresh_token);
}

#[test]
fn smtp_exchange_settings_refusals() {
    for (line, code, status) in [
        (
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.",
            "smtp_auth_disabled",
            "5.7.139",
        ),
        (
            "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator.",
            "security_defaults",
            "5.7.139",
        ),
        (
            "550 5.7.30 Basic authentication is not supported for Client Submission.",
            "basic_auth_rejected",
            "5.7.30",
        ),
    ] {
        let mut m = smtp(XO, InitialResponse::Auto);
        let r = rejected(walk(&mut m, &format!("C: AUTH XOAUTH2 {IR}\nS: {line}")));
        assert_eq!(diag(&r), Some(code));
        assert_eq!(r.enhanced_status.as_deref(), Some(status));
        assert!(!r.retry_with_fresh_token, "{code}");
    }
}

#[test]
fn smtp_cancel_and_garbage() {
    let mut m = smtp(XO, InitialResponse::Never);
    let r = rejected(walk(
        &mut m,
        "C: AUTH XOAUTH2
         S: 334 
         CANCEL
         C: *
         S: 501 5.7.0 Authentication cancelled",
    ));
    assert_eq!(r.reply_code, Some(501));
    assert_eq!(r.diagnosis, None);

    for bad in [
        "250 OK",
        "220 ready",
        "hello",
        "",
        "23",
        "2355 x",
        "100 x",
        "999 x",
        "535x",
    ] {
        let mut m = smtp(XO, InitialResponse::Auto);
        let o = walk(&mut m, &format!("C: AUTH XOAUTH2 {IR}\nS! {bad}"));
        assert_eq!(error_code(&o), "unexpected_reply", "{bad:?}");
    }
    // The code changes inside a multi-line reply.
    let mut m = smtp(XO, InitialResponse::Auto);
    let o = walk(&mut m, &format!("C: AUTH XOAUTH2 {IR}\nS: 535-a\nS! 235 b"));
    assert_eq!(error_code(&o), "unexpected_reply");
    // 235 before the response was sent.
    let mut m = smtp(XO, InitialResponse::Never);
    let o = walk(&mut m, "C: AUTH XOAUTH2\nS! 235 2.7.0 ok");
    assert_eq!(error_code(&o), "unexpected_reply");
}

#[test]
fn smtp_mechanism_not_offered_before_starttls() {
    // Exchange's EHLO before STARTTLS has no AUTH line.
    let e = SmtpAuth::new(SmtpAuthConfig {
        mechanism: XO,
        credentials: Credentials::new(USER, TOKEN),
        ehlo_keywords: strings(&["SIZE 157286400", "PIPELINING", "STARTTLS", "8BITMIME"]),
        initial_response: InitialResponse::Auto,
    })
    .unwrap_err();
    assert_eq!(e.code(), "mechanism_not_offered");
    assert!(e.to_string().contains("do STARTTLS and EHLO again first"));
}

#[test]
fn smtp_from_a_fresh_connection() {
    let mut reader = SmtpReplyReader::new();
    let greeting = reader
        .feed("220 SN2PR00CA0018.outlook.office365.com Microsoft ESMTP MAIL Service ready\r\n")
        .unwrap()
        .unwrap();
    assert_eq!(greeting.code, 220);
    assert_eq!(
        smtp::build_ehlo("client.example.com").unwrap(),
        b"EHLO client.example.com\r\n"
    );
    let mut ehlo = None;
    for line in [
        "250-SN2PR00CA0018.outlook.office365.com Hello [192.0.2.1]\r\n",
        "250-SIZE 157286400\r\n",
        "250-PIPELINING\r\n",
        "250-STARTTLS\r\n",
        "250 SMTPUTF8\r\n",
    ] {
        ehlo = reader.feed(line).unwrap();
    }
    let before = smtp::parse_ehlo(&ehlo.unwrap());
    assert!(before.contains(&"STARTTLS".to_owned()));
    assert!(!smtp::offers_mechanism(&before, XO));
    assert_eq!(smtp::build_starttls(), b"STARTTLS\r\n");
    let after = smtp::parse_reply(&strings(&[
        "250-SN2PR00CA0018.outlook.office365.com Hello [192.0.2.1]",
        "250-SIZE 157286400",
        "250-PIPELINING",
        "250-DSN",
        "250-ENHANCEDSTATUSCODES",
        "250-AUTH LOGIN XOAUTH2",
        "250-8BITMIME",
        "250-BINARYMIME",
        "250-CHUNKING",
        "250 SMTPUTF8",
    ]))
    .unwrap();
    let keywords = smtp::parse_ehlo(&after);
    assert_eq!(keywords.len(), 9);
    let mut m = SmtpAuth::new(SmtpAuthConfig {
        mechanism: XO,
        credentials: Credentials::new(USER, TOKEN),
        ehlo_keywords: keywords,
        initial_response: InitialResponse::Auto,
    })
    .unwrap();
    authenticated(walk(
        &mut m,
        &format!(
            "C: AUTH XOAUTH2 {IR}
             S: 235 2.7.0 Authentication successful"
        ),
    ));
}

// ---------------------------------------------------------------------------------------------
// Diagnosis catalogue and redaction

#[test]
fn every_catalogue_entry_is_reachable_by_code() {
    for d in reply_catalogue() {
        assert_eq!(diagnosis(&d.code), Some(d.clone()));
    }
    for code in [
        "auth_failed",
        "smtp_auth_disabled",
        "security_defaults",
        "not_connected",
        "session_token_expired",
        "pop_two_step_required",
        "basic_auth_rejected",
        "mechanism_not_offered",
    ] {
        assert!(diagnosis(code).is_some(), "{code}");
    }
}

fn base64_json(json: &str) -> String {
    // Minimal standard base64 (the test has no base64 dependency of its own).
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = json.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &c)| n | (u32::from(c) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn no_token_text_in_debug_or_display() {
    let secret = "SeCrEtToKeN-0123456789abcdef";
    let creds = Credentials::new(USER, secret);
    let b64 = |m| creds.initial_response_base64(m).unwrap();
    let mut log = String::new();

    // Full exchanges, every action and every machine state logged; the server even echoes the
    // token and the response back.
    let caps = strings(&["AUTH=XOAUTH2", "AUTH=OAUTHBEARER"]);
    let config = ImapAuthConfig {
        mechanism: XO,
        credentials: creds.clone(),
        tag: "A1".into(),
        capabilities: caps,
    };
    log.push_str(&format!("{config:?}\n"));
    let mut m = ImapAuth::new(config).unwrap();
    let o = walk_logged(
        &mut m,
        &format!(
            "C: A1 AUTHENTICATE XOAUTH2
             S: + 
             C: {}
             S: + {GOOGLE_CHALLENGE}
             C:
             S: A1 NO rejected {secret} {}",
            b64(XO),
            b64(XO)
        ),
        &mut log,
    );
    log.push_str(&format!("{o:?}\n"));

    let mut m = ImapAuth::new(ImapAuthConfig {
        mechanism: XO,
        credentials: creds.clone(),
        tag: "A1".into(),
        capabilities: strings(&["AUTH=XOAUTH2", "SASL-IR"]),
    })
    .unwrap();
    let _ = walk_logged(
        &mut m,
        &format!(
            "C: A1 AUTHENTICATE XOAUTH2 {}\nS! B1 {secret} {}",
            b64(XO),
            b64(XO)
        ),
        &mut log,
    );

    let pop_config = PopAuthConfig {
        mechanism: OB,
        credentials: creds.clone(),
        capabilities: None,
        initial_response: InitialResponse::Always,
    };
    log.push_str(&format!("{pop_config:?}\n"));
    let mut m = PopAuth::new(pop_config).unwrap();
    let _ = walk_logged(
        &mut m,
        &format!("C: AUTH OAUTHBEARER {}\nS: +OK hi {secret}", b64(OB)),
        &mut log,
    );
    let mut m = PopAuth::new(PopAuthConfig {
        mechanism: XO,
        credentials: creds.clone(),
        capabilities: None,
        initial_response: InitialResponse::Auto,
    })
    .unwrap();
    let _ = walk_logged(
        &mut m,
        &format!("C: AUTH XOAUTH2\nS: +\nC: {}\nS! ?? {secret}", b64(XO)),
        &mut log,
    );

    let smtp_config = SmtpAuthConfig {
        mechanism: XO,
        credentials: creds.clone(),
        ehlo_keywords: strings(&["AUTH XOAUTH2"]),
        initial_response: InitialResponse::Never,
    };
    log.push_str(&format!("{smtp_config:?}\n"));
    let mut m = SmtpAuth::new(smtp_config).unwrap();
    let _ = walk_logged(
        &mut m,
        &format!(
            "C: AUTH XOAUTH2
             S: 334 
             C: {}
             S: 535-5.7.3 {secret}
             S: 535 5.7.3 {}",
            b64(XO),
            b64(XO)
        ),
        &mut log,
    );
    let mut m = smtp_with(creds.clone(), XO, InitialResponse::Auto);
    let _ = walk_logged(
        &mut m,
        &format!("C: AUTH XOAUTH2 {}\nS! 250 {secret}", b64(XO)),
        &mut log,
    );
    let mut m = smtp_with(creds.clone(), XO, InitialResponse::Auto);
    let _ = walk_logged(
        &mut m,
        &format!("C: AUTH XOAUTH2 {}\nS! x{secret}", b64(XO)),
        &mut log,
    );

    // Errors of the constructors.
    let e = ImapAuth::new(ImapAuthConfig {
        mechanism: XO,
        credentials: Credentials::new(USER, format!("{secret} with space")),
        tag: "A1".into(),
        capabilities: strings(&["AUTH=XOAUTH2"]),
    })
    .unwrap_err();
    log.push_str(&format!("{e:?} {e}\n"));
    let e = SmtpAuth::new(SmtpAuthConfig {
        mechanism: XO,
        credentials: creds.clone(),
        ehlo_keywords: vec![],
        initial_response: InitialResponse::Auto,
    })
    .unwrap_err();
    log.push_str(&format!("{e:?} {e}\n"));

    assert!(log.contains("Send(["), "the log holds the actions");
    assert!(
        log.contains("[redacted]"),
        "echoed secrets are scrubbed, not dropped"
    );
    for needle in [secret.to_owned(), b64(XO), b64(OB)] {
        assert!(!log.contains(&needle), "{needle} leaked into:\n{log}");
    }
    // A partial token does not leak through excerpts either.
    assert!(!log.contains(&secret[..12]), "partial token leaked:\n{log}");
}
