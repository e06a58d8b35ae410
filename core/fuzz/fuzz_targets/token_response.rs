#![no_main]
//! Token-endpoint responses from the network: any status, `Retry-After` and body must parse into a
//! token set or a typed error, never panic; the error's excerpt stays short, and a parsed token
//! set merges with itself unchanged.
use mailoauth::http::HttpResponse;
use mailoauth::token::{parse_token_response, requires_new_sign_in};
use mailoauth::Error;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // [status hi, status lo, retry-after len, retry-after bytes..., body...]
    let (status, rest) = match data {
        [hi, lo, rest @ ..] => (u16::from_be_bytes([*hi, *lo]) % 1000, rest),
        _ => (200, data),
    };
    let (retry, body) = match rest {
        [n, rest @ ..] => {
            let n = usize::from(*n % 8).min(rest.len());
            rest.split_at(n)
        }
        [] => (&[][..], rest),
    };
    let mut resp = HttpResponse::new(status, body.to_vec());
    if !retry.is_empty() {
        resp = resp.with_header("Retry-After", String::from_utf8_lossy(retry));
    }
    let now = 1_800_000_000;
    match parse_token_response(&resp, now) {
        Ok(t) => {
            assert!((200..300).contains(&status));
            assert_eq!(t.token_type, "Bearer");
            assert!(!t.access_token.is_empty());
            assert!(t.expires_at.is_none_or(|e| e >= now));
            let merged = t.clone().merged_with(t.clone());
            assert_eq!(merged, t);
            let _ = t.needs_refresh(now, 300);
        }
        Err(e) => {
            if let Error::HttpError { body_excerpt, status: s, .. } = &e {
                assert_eq!(*s, status);
                assert!(body_excerpt.chars().count() <= 200);
            }
            let _ = requires_new_sign_in(&e);
            let _ = e.to_string();
        }
    }
});
