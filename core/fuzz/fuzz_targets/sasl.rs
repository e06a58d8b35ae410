#![no_main]
//! SASL input from servers and peers: failure challenges and initial responses must decode or
//! fail with a typed error, never panic; whatever decodes must encode back to the same bytes.
use mailoauth::sasl::{self, Mechanism};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = sasl::decode_error_challenge(&text);
    for m in [Mechanism::XOAuth2, Mechanism::OAuthBearer] {
        if let Ok(d) = sasl::decode_initial_response(m, data) {
            let mut c = sasl::Credentials::new(d.user.clone(), d.token.clone());
            c.host = d.host.clone();
            c.port = d.port;
            // Round trip: what decodes and can be framed again decodes to the same values.
            if let Ok(raw) = c.initial_response(m) {
                let again = sasl::decode_initial_response(m, &raw).expect("re-encoded response decodes");
                assert_eq!(again.user, d.user);
                assert_eq!(again.token, d.token);
            }
        }
    }
});
