#![no_main]
// Arbitrary bytes as a token-endpoint error body, and as pasted text: never panics.
use mailoauth::diagnose::entra::{explain_error_body, explain_error_text, explain_oauth_error};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(x) = explain_error_body(&text) {
        assert!(!x.title.is_empty());
    }
    let _ = explain_error_text(&text);
    if let Some(e) = mailoauth::OAuthError::from_json_body(Some(503), data, Some(7)) {
        let x = explain_oauth_error(&e);
        assert!(x.retryable);
    }
});
