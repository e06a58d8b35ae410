//! Base64 (RFC 4648) as the core uses it: two encoders and two decoders, written here instead of
//! taken from the `base64` crate because the web page's wasm pays for every byte (about 1.8 KB
//! gzipped less). Each function reads and writes exactly as one engine of `base64` 0.22 does;
//! the differential tests below (proptest) and the fuzz target `b64` check that against the
//! crate.
//!
//! | function | alphabet | padding | `base64` engine |
//! |---|---|---|---|
//! | [`encode`] | standard (`+/`) | written | `STANDARD` |
//! | [`encode_url`] | URL-safe (`-_`) | none | `URL_SAFE_NO_PAD` |
//! | [`decode`] | standard | required (canonical), no stray bits in the last symbol | `STANDARD` |
//! | [`decode_url_lenient`] | URL-safe | optional, stray bits in the last symbol ignored | `URL_SAFE` with `DecodePaddingMode::Indifferent` and trailing bits allowed |
//!
//! Decoding never panics: any other input is [`InvalidBase64`]. White space is not skipped.
//! Internal to the crate (the fuzz targets see it through the `fuzzing` feature).

/// The standard alphabet (RFC 4648 section 4); the URL-safe one (section 5) differs in the last
/// two symbols.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Input a decoder refuses: a symbol outside the alphabet, `=` other than at the end, the wrong
/// amount of padding, a length no encoding has, or (strict decoding) bits set in the last symbol
/// that no byte takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidBase64;

/// Standard base64 with `=` padding (RFC 4648 section 4).
pub fn encode(bytes: &[u8]) -> String {
    encode_with(bytes, false)
}

/// URL-safe base64 without padding (RFC 4648 section 5; JWTs, PKCE, thumbprints, `state`).
pub fn encode_url(bytes: &[u8]) -> String {
    encode_with(bytes, true)
}

/// Standard base64, strictly: padding to a multiple of four characters, and the bits of the last
/// symbol that no byte takes are zero (the canonical form). SASL, PEM.
pub fn decode(text: &[u8]) -> Result<Vec<u8>, InvalidBase64> {
    decode_with(text, false)
}

/// URL-safe base64, leniently: with or without `=` padding, and bits of the last symbol that no
/// byte takes are dropped. The parts of a JWT as people paste them.
pub fn decode_url_lenient(text: &[u8]) -> Result<Vec<u8>, InvalidBase64> {
    decode_with(text, true)
}

/// Encodes with the URL-safe alphabet and no padding when `url`, else the standard one with it.
/// Whole groups of three bytes at a time, each symbol a table lookup: a 2 KB token is about a
/// microsecond (`make bench`: the XOAUTH2 initial response).
fn encode_with(bytes: &[u8], url: bool) -> String {
    let mut alphabet = *ALPHABET;
    if url {
        alphabet[62] = b'-';
        alphabet[63] = b'_';
    }
    let symbol = |n: u32, shift: u32| alphabet[(n >> shift) as usize & 63];
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    let mut push = |symbols: &[u8]| symbols.iter().for_each(|&s| out.push(char::from(s)));
    let mut groups = bytes.chunks_exact(3);
    for g in &mut groups {
        let n = u32::from(g[0]) << 16 | u32::from(g[1]) << 8 | u32::from(g[2]);
        push(&[symbol(n, 18), symbol(n, 12), symbol(n, 6), symbol(n, 0)]);
    }
    // The last one or two bytes: two symbols for one, three for two, then the padding.
    let rest = groups.remainder();
    if let Some(&first) = rest.first() {
        let n = u32::from(first) << 16 | rest.get(1).map_or(0, |&b| u32::from(b) << 8);
        push(&[symbol(n, 18), symbol(n, 12)]);
        if rest.len() == 2 {
            push(&[symbol(n, 6)]);
        }
        if !url {
            push(&b"=="[rest.len() - 1..]);
        }
    }
    out
}

/// The value of a symbol of the URL-safe (`url`) or standard alphabet.
fn value(c: u8, url: bool) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' if !url => 62,
        b'/' if !url => 63,
        b'-' if url => 62,
        b'_' if url => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

/// Decodes the URL-safe alphabet leniently when `url`, else the standard one strictly.
fn decode_with(text: &[u8], url: bool) -> Result<Vec<u8>, InvalidBase64> {
    // The symbols, then `pad` characters `=`.
    let len = text.iter().rposition(|&c| c != b'=').map_or(0, |i| i + 1);
    let symbols = text.get(..len).ok_or(InvalidBase64)?;
    let pad = text.len() - len;
    // Symbols in the last, partial group: one symbol carries no byte; padding may only follow
    // two or three of them, and fill the group at most to four.
    let rem = len % 4;
    let shape = rem != 1 && (pad == 0 || (rem >= 2 && rem + pad <= 4));
    // Strict: the whole text is groups of four.
    if !shape || (!url && (rem + pad) % 4 != 0) {
        return Err(InvalidBase64);
    }
    let mut out = Vec::with_capacity(len / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in symbols {
        acc = ((acc << 6) | value(c, url).ok_or(InvalidBase64)?) & 0xfff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    // What is left (4 bits after two symbols of a group, 2 after three) is taken by no byte.
    if !url && acc & ((1 << bits) - 1) != 0 {
        return Err(InvalidBase64);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    //! Differential tests against the `base64` crate (0.22), one per engine the core replaced.
    use super::*;
    use base64::engine::general_purpose::{
        GeneralPurpose, GeneralPurposeConfig, STANDARD, URL_SAFE_NO_PAD,
    };
    use base64::engine::DecodePaddingMode;
    use base64::Engine as _;
    use proptest::prelude::*;

    /// What `diagnose::token_lint` used to decode JWT parts with.
    const URL_LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );

    /// Strings that are often nearly base64: symbols of both alphabets, `=`, white space, and a
    /// few other bytes (NUL, `.`, `%`, non-ASCII).
    fn near_base64() -> impl Strategy<Value = Vec<u8>> {
        let symbol = prop_oneof![
            8 => proptest::sample::select(ALPHABET.to_vec()),
            1 => proptest::sample::select(b"-_".to_vec()),
            2 => Just(b'='),
            1 => proptest::sample::select(b" \t\r\n\0.%\xc3\xff".to_vec()),
        ];
        proptest::collection::vec(symbol, 0..24)
    }

    /// Valid encodings of random bytes, then changed in one place (or not at all).
    fn mutated_encoding() -> impl Strategy<Value = Vec<u8>> {
        (
            proptest::collection::vec(any::<u8>(), 0..20),
            any::<bool>(),
            any::<bool>(),
            any::<prop::sample::Index>(),
            prop_oneof![Just(None), any::<u8>().prop_map(Some), Just(Some(b'=')),],
        )
            .prop_map(|(bytes, url, strip, at, change)| {
                let mut s = if url {
                    URL_SAFE_NO_PAD.encode(&bytes)
                } else {
                    STANDARD.encode(&bytes)
                }
                .into_bytes();
                if strip {
                    s.retain(|&c| c != b'=');
                }
                match change {
                    Some(c) if !s.is_empty() => {
                        let i = at.index(s.len());
                        s[i] = c;
                    }
                    Some(c) => s.push(c),
                    None => {}
                }
                s
            })
    }

    fn any_input() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            near_base64(),
            mutated_encoding(),
            proptest::collection::vec(any::<u8>(), 0..16),
        ]
    }

    #[test]
    fn known_answers() {
        // RFC 4648 section 10.
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (raw, b64) in cases {
            assert_eq!(encode(raw.as_bytes()), b64);
            assert_eq!(decode(b64.as_bytes()), Ok(raw.as_bytes().to_vec()));
            let url = b64.trim_end_matches('=');
            assert_eq!(encode_url(raw.as_bytes()), url);
            assert_eq!(
                decode_url_lenient(url.as_bytes()),
                Ok(raw.as_bytes().to_vec())
            );
            assert_eq!(
                decode_url_lenient(b64.as_bytes()),
                Ok(raw.as_bytes().to_vec())
            );
        }
        assert_eq!(encode(&[0xfb, 0xff]), "+/8=");
        assert_eq!(encode_url(&[0xfb, 0xff]), "-_8");
        assert_eq!(decode(b"+/8="), Ok(vec![0xfb, 0xff]));
        assert_eq!(decode_url_lenient(b"-_8"), Ok(vec![0xfb, 0xff]));
        // The wrong alphabet, missing or extra padding, stray bits, a lone symbol, white space.
        for bad in [
            &b"-_8="[..],
            b"Zm8",
            b"Zg=",
            b"Zg===",
            b"Zh==",
            b"Z",
            b"Z===",
            b"=",
            b"Zm 9v",
            b"Zg==Zg==",
        ] {
            assert_eq!(decode(bad), Err(InvalidBase64), "{bad:?}");
        }
        assert_eq!(decode_url_lenient(b"Zh"), Ok(b"f".to_vec()));
        assert_eq!(decode_url_lenient(b"Zg="), Ok(b"f".to_vec()));
        for bad in [&b"+/8"[..], b"Zg===", b"Z", b"Zg==Zg", b"Zm9v="] {
            assert_eq!(decode_url_lenient(bad), Err(InvalidBase64), "{bad:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn encode_is_standard(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(encode(&bytes), STANDARD.encode(&bytes));
        }

        #[test]
        fn encode_url_is_url_safe_no_pad(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(encode_url(&bytes), URL_SAFE_NO_PAD.encode(&bytes));
        }

        #[test]
        fn decode_is_standard(text in any_input()) {
            prop_assert_eq!(decode(&text).ok(), STANDARD.decode(&text).ok());
        }

        #[test]
        fn decode_url_lenient_is_token_lints_engine(text in any_input()) {
            prop_assert_eq!(decode_url_lenient(&text).ok(), URL_LENIENT.decode(&text).ok());
        }

        #[test]
        fn decode_reads_back_encode(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(decode(encode(&bytes).as_bytes()), Ok(bytes.clone()));
            prop_assert_eq!(decode_url_lenient(encode_url(&bytes).as_bytes()), Ok(bytes));
        }
    }
}
