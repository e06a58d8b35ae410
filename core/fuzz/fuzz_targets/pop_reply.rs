#![no_main]
//! POP3 server lines: fed to `PopAuth` after a valid start (one-line or two-line, either
//! mechanism, sometimes cancelled), and to the POP3 parsers. Never a panic; every line sent is
//! one line ending in CR LF; once Done, the machine stays Done and refuses more lines.
use mailoauth::login::{Action, AuthOutcome, InitialResponse};
use mailoauth::pop3::{self, PopAuth, PopAuthConfig};
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
    let initial_response = match (flags >> 1) & 3 {
        0 => InitialResponse::Auto,
        1 => InitialResponse::Always,
        _ => InitialResponse::Never,
    };
    let mut auth = PopAuth::new(PopAuthConfig {
        mechanism,
        credentials: Credentials::new("user@example.com", "token.abc-123"),
        capabilities: Some(vec![format!("SASL PLAIN {mechanism}")]),
        initial_response,
    })
    .expect("a valid start");
    let lines: Vec<&[u8]> = rest.split_inclusive(|&b| b == b'\n').collect();
    let texts: Vec<String> = lines
        .iter()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    let _ = pop3::parse_capa(&texts);
    let cancel_at = usize::from(flags >> 4);
    for (i, line) in lines.iter().enumerate() {
        let _ = pop3::parse_reply(&texts[i]);
        let _ =
            mailoauth::diagnose::reply::diagnose_reply(mailoauth::cloud::Protocol::Pop, &texts[i]);
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
