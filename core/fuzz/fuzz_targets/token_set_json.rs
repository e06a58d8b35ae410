#![no_main]
// Arbitrary text as a stored token set (TokenSet::from_json, which runs the core's JSON reader):
// never panics; a refusal is `malformed` and never quotes the input (it would hold tokens); what
// it reads, TokenSet::to_json (the core's JSON writer) writes back to the same token set.
use mailoauth::token::TokenSet;
use mailoauth::Error;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match TokenSet::from_json(&text) {
        Ok(t) => {
            // What was read reads back the same from the serde form's members.
            let again = TokenSet::from_json(&format!(
                "{{\"access_token\":{},\"token_type\":{},\"expires_at\":{}}}",
                quote(t.access_token.expose_secret()),
                quote(&t.token_type),
                t.expires_at.map_or("null".to_owned(), |e| e.to_string()),
            ))
            .expect("a written token set reads back");
            assert_eq!(again.access_token, t.access_token);
            assert_eq!(again.token_type, t.token_type);
            assert_eq!(again.expires_at, t.expires_at);
            // The core's writer (mailoauth::to_json_text) writes what its reader reads back.
            assert_eq!(TokenSet::from_json(&t.to_json()).as_ref(), Ok(&t));
        }
        Err(Error::Malformed(m)) => {
            assert!(m.starts_with("not a stored token set ("), "{m}");
            assert!(m.len() < 80, "{m}");
        }
        Err(e) => panic!("not malformed: {e:?}"),
    }
});

/// A JSON string, escaping only what must be escaped.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
