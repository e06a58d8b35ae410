#![no_main]
//! Certificates and private keys as people have them: the DER walk to a certificate's
//! SubjectPublicKeyInfo, the reading of a key PEM and the key check (`check_private_key`, its
//! DER walks into PKCS#1 and PKCS#8 keys) must answer or fail with a typed error, never panic;
//! what the walk finds lies inside the input.
use mailoauth::assertion::{check_private_key, fuzz_key_and_certificate};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (spki, key) = fuzz_key_and_certificate(data, &text);
    if let Some(len) = spki {
        assert!(len <= data.len());
    }
    if let Err(e) = key {
        assert!(matches!(e.code(), "invalid_input" | "encrypted_private_key"));
    }
    // The input split in two: a certificate text and a key text.
    let mid = (0..=text.len() / 2)
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    let (cert, key) = text.split_at(mid);
    match check_private_key(cert, key) {
        Ok(c) => {
            assert!(c.key_format == "pkcs8" || c.key_format == "pkcs1");
            assert!(c.key_bits as usize <= data.len() * 8);
        }
        Err(e) => assert!(matches!(e.code(), "invalid_input" | "encrypted_private_key")),
    }
});
