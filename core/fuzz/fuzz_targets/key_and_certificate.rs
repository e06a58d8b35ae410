#![no_main]
//! Certificates and private keys as people have them: the DER walk to a certificate's
//! SubjectPublicKeyInfo and the reading of a key PEM must answer or fail with a typed error,
//! never panic; what the walk finds lies inside the input.
use mailoauth::assertion::fuzz_key_and_certificate;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (spki, key) = fuzz_key_and_certificate(data, &text);
    if let Some(len) = spki {
        assert!(len <= data.len());
    }
    if let Err(e) = key {
        assert!(matches!(e.code(), "invalid_input" | "encrypted_private_key"));
    }
});
