#![no_main]
//! Authorize redirects (RFC 6749 section 4.1.2, RFC 9207) from the browser: any URL or form body
//! must parse or fail with a typed error, never panic; whatever parses carries the expected state
//! and, when it sent one, the expected issuer.
use mailoauth::authorize::{parse_authorize_redirect, parse_authorize_response_params};

const ISSUER: &str = "https://as.example";

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The input is `<redirect or params>\0<expected state>`; without a NUL the state is fixed.
    let (input, state) = match text.split_once('\0') {
        Some((i, s)) => (i, s),
        None => (text.as_ref(), "12345"),
    };
    for issuer in [None, Some(ISSUER)] {
        for r in [
            parse_authorize_redirect(input, state, issuer),
            parse_authorize_response_params(input, state, issuer),
        ] {
            match r {
                Ok(c) => {
                    assert!(!state.is_empty());
                    assert_eq!(c.state, state);
                    assert!(!c.code.is_empty());
                    if let (Some(want), Some(got)) = (issuer, &c.iss) {
                        assert_eq!(got, want);
                    }
                }
                Err(e) => {
                    let _ = (e.code(), e.to_string());
                }
            }
        }
    }
});
