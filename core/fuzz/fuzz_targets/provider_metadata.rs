#![no_main]
//! Discovery documents (RFC 8414, OpenID Connect Discovery) and `Retry-After` HTTP-dates from any
//! server: a checked `ProviderMetadata` or a typed error, never a panic; what parses belongs to
//! the issuer asked for and names only https (or loopback http) endpoints.
use mailoauth::discovery::parse_provider_metadata;
use mailoauth::http::{parse_http_date, HttpResponse};

const ISSUER: &str = "https://as.example/t";
const NOW: u64 = 1_800_000_000;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The input is `<Retry-After>\0<body>`; without a NUL it is the body alone.
    let (retry_after, body) = match text.split_once('\0') {
        Some((r, b)) => (Some(r), b),
        None => (None, text.as_ref()),
    };
    if let Some(r) = retry_after {
        if let Some(t) = parse_http_date(r, NOW) {
            assert!(t < 400_000_000_000, "{r:?}");
        }
    }
    let mut resp = HttpResponse::new(200, body.as_bytes().to_vec());
    if let Some(r) = retry_after {
        resp = resp.with_header("Retry-After", r);
    }
    match parse_provider_metadata(&resp, ISSUER, NOW) {
        Ok(m) => {
            assert_eq!(m.issuer.trim_end_matches('/'), ISSUER);
            let ep = m.endpoints();
            for u in [&ep.token_url, &ep.authorize_url, &ep.device_authorization_url] {
                assert!(u.is_empty() || u.starts_with("https://") || u.starts_with("http://"));
            }
        }
        Err(e) => {
            let _ = (e.code(), e.to_string());
        }
    }
});
