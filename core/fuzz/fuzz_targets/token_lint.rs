#![no_main]
// Arbitrary bytes as an access token (and a user), for every protocol and grant: never panics,
// and opaque tokens give exactly one finding. With bit 4 of the first byte set, the rest is
// wrapped as the payload of a JWT so the claim checks are reached too.
use mailoauth::cloud::{Cloud, Grant, Protocol};
use mailoauth::diagnose::token_lint::{decode_jwt_unverified, lint_access_token};

fn b64url(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (sel, rest) = match data.split_first() {
        Some((s, r)) => (*s, r),
        None => (0, data),
    };
    let text = String::from_utf8_lossy(rest);
    let (raw, user) = match text.split_once('\n') {
        Some((t, u)) => (t, Some(u)),
        None => (text.as_ref(), None),
    };
    let token = if sel & 16 != 0 {
        format!("eyJhbGciOiJub25lIn0.{}.sig", b64url(raw.as_bytes()))
    } else {
        raw.to_owned()
    };
    let protocol = Protocol::ALL[usize::from(sel % 3)];
    let grant = if sel & 4 == 0 {
        Grant::Delegated
    } else {
        Grant::App
    };
    let cloud = Cloud::global();
    let now = u64::from(sel) << 24;
    let _ = decode_jwt_unverified(&token);
    let lint = lint_access_token(
        &token,
        protocol,
        grant,
        user,
        now,
        (sel & 8 != 0).then_some(&cloud),
    );
    if lint.claims.is_none() {
        assert_eq!(lint.findings.len(), 1);
    }
});
