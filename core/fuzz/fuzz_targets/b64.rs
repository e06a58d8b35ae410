#![no_main]
//! The core's own base64 (`b64`, written for the web page's size) against the `base64` crate,
//! engine by engine: the same text for any bytes, and for any text the same bytes or a refusal
//! from both. With bit 0 of the first byte set, each further byte becomes a symbol of either
//! alphabet, `=` or a space, so most texts are nearly base64.
use base64::engine::general_purpose::{
    GeneralPurpose, GeneralPurposeConfig, STANDARD, URL_SAFE_NO_PAD,
};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use mailoauth::b64;

/// The engine `diagnose::token_lint` decoded JWT parts with before `b64`.
const URL_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

const SYMBOLS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_= ";

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    assert_eq!(b64::encode(rest), STANDARD.encode(rest));
    assert_eq!(b64::encode_url(rest), URL_SAFE_NO_PAD.encode(rest));
    let text: Vec<u8> = if sel & 1 == 1 {
        rest.iter()
            .map(|&b| SYMBOLS[usize::from(b) % SYMBOLS.len()])
            .collect()
    } else {
        rest.to_vec()
    };
    assert_eq!(b64::decode(&text).ok(), STANDARD.decode(&text).ok());
    assert_eq!(
        b64::decode_url_lenient(&text).ok(),
        URL_LENIENT.decode(&text).ok()
    );
});
