#![no_main]
//! Round trip of the SASL encoders: any user, token, host and port either encode (XOAUTH2 or
//! OAUTHBEARER, base64) and decode back to exactly the same values, or are refused with
//! `invalid_input`; the convenience functions give the same bytes as `Credentials`, and the
//! wire form is plain base64 (one line).
use mailoauth::sasl::{self, Credentials, Mechanism};

/// Splits `data` into `n` fields, each prefixed by its length byte (the last takes the rest).
fn fields(mut data: &[u8], n: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let take = if i + 1 == n {
            data.len()
        } else {
            match data.split_first() {
                Some((len, rest)) => {
                    data = rest;
                    usize::from(*len).min(data.len())
                }
                None => 0,
            }
        };
        let (field, rest) = data.split_at(take);
        out.push(String::from_utf8_lossy(field).into_owned());
        data = rest;
    }
    out
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let f = fields(rest, 3);
    let (user, token, host) = (&f[0], &f[1], &f[2]);
    let mechanism = if flags & 1 == 0 {
        Mechanism::XOAuth2
    } else {
        Mechanism::OAuthBearer
    };
    let mut c = Credentials::new(user.as_str(), token.as_str());
    if flags & 2 != 0 {
        c.host = Some(host.clone());
    }
    if flags & 4 != 0 {
        c.port = Some(u16::from(flags >> 3) * 2111);
    }
    let b64 = match c.initial_response_base64(mechanism) {
        Ok(b) => b,
        Err(e) => {
            assert_eq!(e.code(), "invalid_input", "{e}");
            return;
        }
    };
    assert!(b64
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')));
    let d = sasl::decode_initial_response_base64(mechanism, &b64)
        .unwrap_or_else(|e| panic!("an encoded response must decode: {e}"));
    assert_eq!(d.mechanism, mechanism);
    assert_eq!(d.user, c.user);
    assert_eq!(d.token, c.token);
    match mechanism {
        Mechanism::XOAuth2 => {
            assert_eq!((d.host, d.port), (None, None));
            assert_eq!(sasl::xoauth2_base64(user, token).ok().as_ref(), Some(&b64));
        }
        Mechanism::OAuthBearer => {
            assert_eq!(d.host, c.host);
            assert_eq!(d.port, c.port);
            let again = sasl::oauthbearer_base64(user, token, c.host.as_deref(), c.port);
            assert_eq!(again.ok().as_ref(), Some(&b64));
        }
    }
});
