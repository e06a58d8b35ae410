#![no_main]
//! Admin-consent redirects from the browser: any URL must parse or fail with a typed error,
//! never panic; whatever parses with an expected state carries exactly that state.
use mailoauth::consent::parse_admin_consent_redirect;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The input is `<redirect>\0<expected state>`; without a NUL no state is expected.
    let (input, state) = match text.split_once('\0') {
        Some((i, s)) => (i, Some(s)),
        None => (text.as_ref(), None),
    };
    match parse_admin_consent_redirect(input, state) {
        Ok(r) => {
            if let Some(s) = state {
                assert_eq!(r.state.as_deref(), Some(s));
            }
        }
        Err(e) => {
            let _ = (e.code(), e.to_string());
        }
    }
    let _ = parse_admin_consent_redirect(input, None);
});
