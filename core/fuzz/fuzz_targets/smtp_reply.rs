#![no_main]
//! SMTP server lines: fed to `SmtpAuth` after a valid start (initial response or two steps,
//! either mechanism, sometimes cancelled), to the reply reader and to the reply and EHLO
//! parsers. Never a panic; every line sent is one line ending in CR LF; once Done, the machine
//! stays Done and refuses more lines.
use mailoauth::login::{Action, AuthOutcome, InitialResponse};
use mailoauth::sasl::{Credentials, Mechanism};
use mailoauth::smtp::{self, SmtpAuth, SmtpAuthConfig, SmtpReplyReader};

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
    let mut auth = SmtpAuth::new(SmtpAuthConfig {
        mechanism,
        credentials: Credentials::new("user@example.com", "token.abc-123"),
        ehlo_keywords: vec![format!("AUTH LOGIN {mechanism}")],
        initial_response,
    })
    .expect("a valid start");
    let lines: Vec<&[u8]> = rest.split_inclusive(|&b| b == b'\n').collect();
    let texts: Vec<String> = lines
        .iter()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    if let Ok(reply) = smtp::parse_reply(&texts) {
        let _ = smtp::parse_ehlo(&reply);
        let _ = reply.last_text();
        let _ = smtp::offers_mechanism(&smtp::parse_ehlo(&reply), mechanism);
    }
    let mut reader = SmtpReplyReader::new();
    let cancel_at = usize::from(flags >> 4);
    for (i, line) in lines.iter().enumerate() {
        if let Ok(Some(reply)) = reader.feed(&texts[i]) {
            assert!((200..600).contains(&reply.code));
            assert!(!reply.lines.is_empty());
        }
        let _ =
            mailoauth::diagnose::reply::diagnose_reply(mailoauth::cloud::Protocol::Smtp, &texts[i]);
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
