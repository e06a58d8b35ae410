//! `make bench`: operations per second of the core's hot paths on this machine.
//!
//! A plain timing loop (no harness dependency): each case runs for about one second after a
//! warm-up and reports operations per second and nanoseconds per operation.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::disallowed_methods)]

use mailoauth::exchange::{Action, AuthOutcome, InitialResponse};
use mailoauth::http::HttpResponse;
use mailoauth::imap::{ImapAuth, ImapAuthConfig};
use mailoauth::sasl::{Credentials, Mechanism};
use mailoauth::smtp::{SmtpAuth, SmtpAuthConfig};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn bench(name: &str, mut f: impl FnMut()) {
    for _ in 0..1000 {
        f();
    }
    let start = Instant::now();
    let mut n: u64 = 0;
    while start.elapsed() < Duration::from_secs(1) {
        for _ in 0..100 {
            f();
        }
        n += 100;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{name:<40} {:>12.0} ops/s {:>10.0} ns/op",
        n as f64 / secs,
        secs * 1e9 / n as f64
    );
}

fn drive(mut next: impl FnMut() -> Action, mut feed: impl FnMut(&[u8]), replies: &[&[u8]]) -> bool {
    let mut i = 0;
    loop {
        match next() {
            Action::Send(b) => {
                black_box(b);
            }
            Action::NeedLine => {
                feed(replies[i]);
                i += 1;
            }
            Action::Done(o) => return matches!(o, AuthOutcome::Authenticated(_)),
        }
    }
}

fn main() {
    let token = format!("eyJ0eXAiOiJKV1QifQ.{}.sig", "A".repeat(2048));
    let user = "archive@contoso.com";
    bench("xoauth2_base64 (2 KB token)", || {
        black_box(mailoauth::sasl::xoauth2_base64(black_box(user), black_box(&token)).unwrap());
    });
    let caps: Vec<String> = ["IMAP4rev1", "AUTH=XOAUTH2", "SASL-IR"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    bench("IMAP login exchange (in memory)", || {
        let mut m = ImapAuth::new(ImapAuthConfig {
            mechanism: Mechanism::XOAuth2,
            credentials: Credentials::new(user, token.as_str()),
            tag: "A1".into(),
            capabilities: caps.clone(),
        })
        .unwrap();
        let m = std::cell::RefCell::new(&mut m);
        let ok = drive(
            || m.borrow_mut().next_action(),
            |l| m.borrow_mut().receive_line(l).unwrap(),
            &[b"A1 OK AUTHENTICATE completed.\r\n"],
        );
        assert!(ok);
    });
    let ehlo: Vec<String> = ["AUTH LOGIN XOAUTH2", "8BITMIME"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    bench("SMTP login exchange (in memory)", || {
        let mut m = SmtpAuth::new(SmtpAuthConfig {
            mechanism: Mechanism::XOAuth2,
            credentials: Credentials::new(user, token.as_str()),
            ehlo_keywords: ehlo.clone(),
            initial_response: InitialResponse::Auto,
        })
        .unwrap();
        let m = std::cell::RefCell::new(&mut m);
        let ok = drive(
            || m.borrow_mut().next_action(),
            |l| m.borrow_mut().receive_line(l).unwrap(),
            &[b"334 \r\n", b"235 2.7.0 Authentication successful\r\n"],
        );
        assert!(ok);
    });
    let body = format!(
        "{{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"{token}\",\"refresh_token\":\"r\",\"scope\":\"https://outlook.office.com/IMAP.AccessAsUser.All\"}}"
    );
    let resp = HttpResponse::new(200, body.into_bytes());
    bench("parse_token_response", || {
        black_box(mailoauth::token::parse_token_response(black_box(&resp), 1_800_000_000).unwrap());
    });
    let jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.eyJhdWQiOiJodHRwczovL291dGxvb2sub2ZmaWNlLmNvbSIsImlzcyI6Imh0dHBzOi8vc3RzLndpbmRvd3MubmV0LzExMTExMTExLTIyMjItMzMzMy00NDQ0LTU1NTU1NTU1NTU1NS8iLCJ0aWQiOiIxMTExMTExMS0yMjIyLTMzMzMtNDQ0NC01NTU1NTU1NTU1NTUiLCJ1cG4iOiJhbGljZUBjb250b3NvLmNvbSIsInNjcCI6IklNQVAuQWNjZXNzQXNVc2VyLkFsbCBQT1AuQWNjZXNzQXNVc2VyLkFsbCBTTVRQLlNlbmQiLCJleHAiOjE4MDAwMDMwMDAsImlhdCI6MTc5OTk5OTQwMSwiYXBwaWQiOiJhYWFhYWFhYS1iYmJiLWNjY2MtZGRkZC1lZWVlZWVlZWVlZWUifQ.bm90LWEtcmVhbC1zaWduYXR1cmU";
    bench("lint_access_token", || {
        black_box(mailoauth::diagnose::token_lint::lint_access_token(
            black_box(jwt),
            mailoauth::cloud::Protocol::Imap,
            mailoauth::cloud::Grant::Delegated,
            Some("alice@contoso.com"),
            1_800_000_000,
            None,
        ));
    });
}
