//! Unit tests of `json` (kept beside it so the module itself stays readable).

use super::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn ok(s: &str) -> Json {
    match parse(s.as_bytes()) {
        Ok(v) => v,
        Err(e) => panic!("{s:?}: {e:?}"),
    }
}

fn refused(s: &str) -> ParseError {
    match parse(s.as_bytes()) {
        Ok(v) => panic!("{s:?} was accepted as {v:?}"),
        Err(e) => e,
    }
}

fn num(s: &str) -> Number {
    match ok(s) {
        Json::Number(n) => n,
        other => panic!("{other:?}"),
    }
}

#[test]
fn documents() {
    assert_eq!(ok("null"), Json::Null);
    assert_eq!(ok(" true "), Json::Bool(true));
    assert_eq!(ok("\t\r\nfalse\n"), Json::Bool(false));
    assert_eq!(ok("\"\""), Json::String(String::new()));
    assert_eq!(ok("[]"), Json::Array(vec![]));
    assert_eq!(ok("{}"), Json::Object(vec![]));
    assert_eq!(
        ok("[ 1 , [ ] , { } ]").as_array().map(<[Json]>::len),
        Some(3)
    );
    let v = ok(r#"{"a": [1, "x", null, {"b": false}], "c": -2.5e3}"#);
    assert_eq!(
        v.get("a").and_then(Json::as_array).map(<[Json]>::len),
        Some(4)
    );
    assert_eq!(v.get("c"), Some(&Json::Number(Number("-2.5e3".into()))));
    assert_eq!(v.get("b"), None);
    assert_eq!(ok("[1]").get("a"), None);
    assert_eq!(ok("\"x\"").as_str(), Some("x"));
    assert_eq!(ok("1").as_str(), None);
}

#[test]
fn refusals() {
    for s in [
        "",
        " ",
        "nul",
        "nulll",
        "True",
        "[",
        "]",
        "[1,]",
        "[,1]",
        "[1 2]",
        "{",
        "{,}",
        "{\"a\"}",
        "{\"a\":}",
        "{\"a\":1,}",
        "{a:1}",
        "{'a':1}",
        "{\"a\" 1}",
        "{1:2}",
        "\"abc",
        "\"\\\"",
        "'a'",
        "1 2",
        "[] x",
        "{}}",
        "01",
        "-",
        "-a",
        "+1",
        ".5",
        "1.",
        "1.e3",
        "1e",
        "1e+",
        "0x10",
        "NaN",
        "Infinity",
        "-Infinity",
        "\u{feff}{}",
        "/* */ 1",
        "1 // c",
        "\u{a0}1",
        "\u{c}1",
    ] {
        refused(s);
    }
    assert_eq!(refused("[1,]").reason, "expected a value");
    assert_eq!(refused("{}x").reason, "trailing characters");
    assert_eq!(parse(b"\"\xff\"").unwrap_err().reason, "invalid UTF-8");
    assert_eq!(parse(b"[\"\xc3\"]").unwrap_err().reason, "invalid UTF-8");
}

#[test]
fn error_positions() {
    let e = refused("{\n  \"a\": x\n}");
    assert_eq!((e.line, e.column), (2, 8));
    let e = refused("[1,");
    assert_eq!((e.line, e.column), (1, 3));
    let e = refused("x");
    assert_eq!((e.line, e.column), (1, 1));
}

#[test]
fn escapes_and_surrogates() {
    assert_eq!(
        ok(r#""\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC""#).as_str(),
        Some("\"\\/\u{8}\u{c}\n\r\tAé€")
    );
    assert_eq!(ok(r#""\ud83d\ude00""#).as_str(), Some("😀"));
    assert_eq!(ok(r#""\uD83D\uDE00x""#).as_str(), Some("😀x"));
    assert_eq!(ok("\"é😀\u{7f}\"").as_str(), Some("é😀\u{7f}"));
    assert_eq!(ok(r#""\u0000""#).as_str(), Some("\0"));
    for s in [
        r#""\ud83d""#,
        r#""\ud83dx""#,
        r#""\ud83d\n""#,
        r#""\ud83d\u0041""#,
        r#""\ud83d\ud83d""#,
        r#""\ude00""#,
        r#""\u12""#,
        r#""\u12g4""#,
        r#""\x41""#,
        r#""\U0041""#,
        r#""\a""#,
        "\"\\",
        "\"\\u",
        "\"a\nb\"",
        "\"\t\"",
        "\"\u{1f}\"",
    ] {
        refused(s);
    }
    assert_eq!(
        refused(r#""\ude00""#).reason,
        "lone trailing surrogate in a \\u escape"
    );
    assert_eq!(
        refused(r#""\ud800""#).reason,
        "lone leading surrogate in a \\u escape"
    );
}

#[test]
fn depth_limit_matches_serde_json() {
    for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
        let deepest = format!("{}1{}", open.repeat(MAX_DEPTH), close.repeat(MAX_DEPTH));
        ok(&deepest);
        assert!(serde_json::from_str::<serde_json::Value>(&deepest).is_ok());
        let deeper = format!(
            "{}1{}",
            open.repeat(MAX_DEPTH + 1),
            close.repeat(MAX_DEPTH + 1)
        );
        assert_eq!(refused(&deeper).reason, "nested too deeply");
        assert!(serde_json::from_str::<serde_json::Value>(&deeper).is_err());
    }
    // Very deep input is refused without using the stack.
    refused(&"[".repeat(1_000_000));
    // Depth counts nesting, not how many arrays there are.
    ok(&format!("[{}]", vec!["[[]]"; 1000].join(",")));
}

#[test]
fn heap_sort_sorts() {
    let mut state = 0x2545_f491_u32;
    for len in [0, 1, 2, 3, 7, 64, 257] {
        let mut v: Vec<u32> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state % 50
            })
            .collect();
        let mut want = v.clone();
        want.sort();
        heap_sort(&mut v);
        assert_eq!(v, want, "length {len}");
    }
}

#[test]
fn duplicate_keys_last_wins() {
    let v = ok(r#"{"a":1,"b":2,"a":3}"#);
    assert_eq!(v.get("a").and_then(Json::as_u64), Some(3));
    assert_eq!(v.as_object().map(<[(String, Json)]>::len), Some(3));
    assert_eq!(v.to_text(), r#"{"a":3,"b":2}"#);
}

#[test]
fn numbers() {
    for (s, u) in [
        ("0", Some(0)),
        ("42", Some(42)),
        ("18446744073709551615", Some(u64::MAX)),
        ("18446744073709551616", None),
        ("-1", None),
        ("-0", None),
        ("1.0", None),
        ("1e2", None),
    ] {
        assert_eq!(num(s).as_u64(), u, "{s}");
        assert_eq!(num(s).as_str(), s);
    }
    use WholePart::*;
    for (s, w) in [
        ("0", Value(0)),
        ("-0", Value(0)),
        ("-0.0e7", Value(0)),
        ("3599", Value(3599)),
        ("3599.0", Value(3599)),
        ("3599.9", Value(3599)),
        ("0.5", Value(0)),
        ("1e3", Value(1000)),
        ("12.5E+1", Value(125)),
        ("125e-1", Value(12)),
        ("0.00012e5", Value(12)),
        ("1e-400", Value(0)),
        ("-1e-400", Value(0)),
        ("-1e-300", Negative),
        ("-0.5", Negative),
        ("-1", Negative),
        ("18446744073709551615", Value(u64::MAX)),
        ("18446744073709551615.9", Value(u64::MAX)),
        ("18446744073709551616", TooLarge),
        ("1e19", Value(10_000_000_000_000_000_000)),
        ("1e20", TooLarge),
        ("1e300", TooLarge),
    ] {
        assert_eq!(num(s).whole_part(), w, "{s}");
    }
    // Finite as an f64 or refused, like serde_json.
    for s in [
        "1e308",
        "1.7976931348623157e308",
        "-1.7976931348623157e308",
        "0e999999999999999999999",
        "1e-999999999999999999999",
        "0.000000001e317",
    ] {
        num(s);
        assert!(serde_json::from_str::<serde_json::Value>(s).is_ok(), "{s}");
    }
    // Just below the least decimal that rounds to infinity: finite here, while serde_json's
    // approximate conversion (without `float_roundtrip`) already overflows there.
    num("179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791.99");
    for s in [
        "1e309",
        "-1e309",
        "1.8e308",
        "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792",
        "1e999999999999999999999",
        "10000000000e300",
    ] {
        assert_eq!(refused(s).reason, "number out of range", "{s}");
        assert!(serde_json::from_str::<serde_json::Value>(s).is_err(), "{s}");
    }
}

#[test]
fn to_text_like_serde_json() {
    for s in [
        r#"{"b":[1,-2,true,null],"a":{"y":"\u0001\"\\/\n","x":{}}," ":"é😀\u007f"}"#,
        r#"[[],{},"",0,-0.5e-3]"#,
        r#""\b\f\n\r\t\u001f\u0020""#,
    ] {
        let serde: serde_json::Value = serde_json::from_str(s).unwrap();
        let text = ok(s).to_text();
        if s.contains("-0.5") {
            assert_eq!(text, r#"[[],{},"",0,-0.5e-3]"#);
        } else {
            assert_eq!(text, serde.to_string(), "{s}");
        }
    }
    let mut out = String::new();
    write_string(&mut out, "a\"\\\u{0}\u{1f}\u{7f}é");
    assert_eq!(
        out,
        serde_json::to_string("a\"\\\u{0}\u{1f}\u{7f}é").unwrap()
    );
}

/// Whether a parsed value equals serde_json's reading of the same text.
fn same(mine: &Json, theirs: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (mine, theirs) {
        (Json::Null, Value::Null) => true,
        (Json::Bool(a), Value::Bool(b)) => a == b,
        (Json::String(a), Value::String(b)) => a == b,
        (Json::Number(a), Value::Number(b)) => {
            if let Some(u) = b.as_u64() {
                a.as_u64() == Some(u)
            } else if let Some(i) = b.as_i64() {
                a.as_u64().is_none() && a.as_str().parse::<i64>() == Ok(i)
            } else {
                let (Ok(x), Some(y)) = (a.as_str().parse::<f64>(), b.as_f64()) else {
                    return false;
                };
                // serde_json's float parsing (without `float_roundtrip`) may be an ulp off.
                a.as_u64().is_none()
                    && (x == y || ((x - y) / y).abs() < 1e-14)
                    && x.is_sign_negative() == y.is_sign_negative()
            }
        }
        (Json::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Json::Object(a), Value::Object(b)) => {
            let last: BTreeMap<&str, &Json> = a.iter().map(|(k, v)| (k.as_str(), v)).collect();
            last.len() == b.len()
                && last
                    .iter()
                    .all(|(k, v)| b.get(*k).is_some_and(|w| same(v, w)))
        }
        _ => false,
    }
}

/// Pieces that make JSON-ish text: valid tokens, near misses and junk.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "[", "]", "{", "}", ",", ":", "\"", "\"a\"", "\"\"", " ", "\n", "\t", "\r",
            "null", "true", "false", "nul", "tru", "-", "0", "1", "-0", "01", "1.5",
            "1e5", "1E+2", "2e-3", ".", "e", "1e400", "-1e999", "1e-400", "\\", "\\u",
            "\"\\u00e9\"", "\"\\ud83d\\ude00\"", "\"\\ud83d\"", "\"\\ude00\"", "\"\\n\"",
            "\"\\x\"", "\"\\/\"", "\u{0}", "\u{1f}", "é", "😀", "\u{a0}", "\u{feff}",
            "18446744073709551616", "-9223372036854775808", "-9223372036854775809",
            "123456789012345678901234567890", "0.1234567890123456789",
        ])
        .prop_map(str::to_owned),
        1 => "[ -~]{0,3}",
        1 => "[0-9.eE+-]{1,6}",
    ]
}

fn jsonish() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..24).prop_map(|v| v.concat())
}

/// Valid documents (with random white space), to test agreement on values too.
fn document() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        (any::<i32>(), 0u32..1000, -30i32..30).prop_map(|(i, f, e)| format!("{i}.{f}e{e}")),
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap_or_default()),
        r#"(\\["\\/bfnrt]|\\u00[0-9a-fA-F]{2}|[a-z ]){0,6}"#.prop_map(|s| format!("\"{s}\"")),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|v| format!("[{}]", v.join(" , "))),
            prop::collection::vec(("[a-c]{0,2}", inner), 0..6).prop_map(|v| {
                let m: Vec<String> = v.iter().map(|(k, x)| format!("\"{k}\":\n{x}")).collect();
                format!("{{ {} }}", m.join(","))
            }),
        ]
    })
}

fn agree(s: &str) -> Result<(), TestCaseError> {
    let mine = parse(s.as_bytes());
    let theirs = serde_json::from_slice::<serde_json::Value>(s.as_bytes());
    match (&mine, &theirs) {
        (Ok(m), Ok(t)) => prop_assert!(same(m, t), "{s:?}: {m:?} vs {t:?}"),
        (Err(_), Err(_)) => {}
        _ => prop_assert!(false, "{s:?}: {mine:?} vs {theirs:?}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn accepts_exactly_what_serde_json_accepts(s in jsonish()) {
        agree(&s)?;
    }

    #[test]
    fn reads_documents_like_serde_json(s in document()) {
        prop_assert!(parse(s.as_bytes()).is_ok(), "{s:?}");
        agree(&s)?;
    }

    #[test]
    fn mutated_documents_agree(s in document(), at in any::<prop::sample::Index>(), junk in piece()) {
        let mut cut = at.index(s.len() + 1);
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        agree(&format!("{}{junk}{}", &s[..cut], &s[cut..]))?;
        agree(&s[..cut])?;
    }

    #[test]
    fn arbitrary_bytes_agree(b in prop::collection::vec(any::<u8>(), 0..32)) {
        let mine = parse(&b).is_ok();
        let theirs = serde_json::from_slice::<serde_json::Value>(&b).is_ok();
        prop_assert_eq!(mine, theirs, "{:?}", b);
    }
}
