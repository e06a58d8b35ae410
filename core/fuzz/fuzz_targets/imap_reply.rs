#![no_main]
//! IMAP server lines: fed to `ImapAuth` after a valid start (SASL-IR or not, either mechanism,
//! sometimes cancelled), and to every IMAP parser. Never a panic; every line sent is one line
//! ending in CR LF; once Done, the machine stays Done and refuses more lines.
use mailoauth::login::{Action, AuthOutcome};
use mailoauth::imap::{self, ImapAuth, ImapAuthConfig};
use mailoauth::sasl::{Credentials, Mechanism};

fn check_send(bytes: &[u8]) {
    assert!(bytes.ends_with(b"\r\n"), "sent bytes must end with CR LF");
    let body = &bytes[..bytes.len() - 2];
    assert!(
        !body.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0),
        "one line only"
    );
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (flags, rest) = match data.split_first() {
        Some((f, r)) => (*f, r),
        None => return,
    };
    let mechanism = if flags & 1 == 0 {
        Mechanism::XOAuth2
    } else {
        Mechanism::OAuthBearer
    };
    let mut capabilities = vec!["IMAP4rev1".to_owned(), format!("AUTH={mechanism}")];
    if flags & 2 != 0 {
        capabilities.push("SASL-IR".to_owned());
    }
    let mut auth = ImapAuth::new(ImapAuthConfig {
        mechanism,
        credentials: Credentials::new("user@example.com", "token.abc-123"),
        tag: "A1".to_owned(),
        capabilities,
    })
    .expect("a valid start");
    let cancel_at = usize::from(flags >> 4);
    for (i, line) in rest.split_inclusive(|&b| b == b'\n').enumerate() {
        // Parsers first.
        let text = String::from_utf8_lossy(line);
        let _ = imap::parse_response(&text).map(|r| r.capabilities());
        let _ = imap::parse_greeting(&text);
        let _ = imap::parse_capability_response(&text);
        let _ = mailoauth::diagnose::reply::diagnose_reply(mailoauth::cloud::Protocol::Imap, &text);
        if i == cancel_at && flags & 8 != 0 {
            auth.cancel();
        }
        loop {
            match auth.next_action() {
                Action::Send(bytes) => check_send(&bytes),
                Action::NeedLine => break,
                Action::Done(outcome) => {
                    if let AuthOutcome::Error(e) = &outcome {
                        assert!(matches!(e.code(), "unexpected_reply" | "invalid_input"), "{e}");
                    }
                    assert_eq!(auth.next_action(), Action::Done(outcome));
                    assert_eq!(auth.receive_line(line).unwrap_err().code(), "invalid_input");
                    return;
                }
            }
        }
        // One error channel: a line fed when the machine asks for one is never an error of
        // the call; a protocol error ends the exchange (checked at Done above).
        if let Err(e) = auth.receive_line(line) {
            panic!("receive_line in turn failed: {e}");
        }
    }
});
