//! Shared helpers of the vector runner.
#![allow(dead_code)]

use serde_json::Value;

/// The result of one vector: `Err` names what differed.
pub type Outcome = Result<(), String>;

/// `input.<key>` as a string.
pub fn s<'a>(v: &'a Value, section: &str, key: &str) -> Result<&'a str, String> {
    v.get(section)
        .and_then(|x| x.get(key))
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{section}.{key} missing or not a string"))
}

/// `input.<key>` as an optional string (absent or null → None).
pub fn opt_s<'a>(v: &'a Value, section: &str, key: &str) -> Option<&'a str> {
    v.get(section)
        .and_then(|x| x.get(key))
        .and_then(Value::as_str)
}

/// `input.<key>` as an integer.
pub fn u(v: &Value, section: &str, key: &str) -> Result<u64, String> {
    v.get(section)
        .and_then(|x| x.get(key))
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("{section}.{key} missing or not an integer"))
}

/// `expect.<key>` (Value::Null when absent).
pub fn expect<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get("expect")
        .and_then(|e| e.get(key))
        .unwrap_or(&Value::Null)
}

/// `expect.error` when it is a string code.
pub fn expected_error(v: &Value) -> Option<&str> {
    v.get("expect")
        .and_then(|e| e.get("error"))
        .and_then(Value::as_str)
}

/// Compares two values, naming the field.
pub fn eq<T: PartialEq + std::fmt::Debug>(field: &str, got: T, want: T) -> Outcome {
    if got == want {
        Ok(())
    } else {
        Err(format!("{field}: got {got:?}, want {want:?}"))
    }
}

/// Checks a `Result` against `expect.error` (a code) or hands the value on.
pub fn check_error<T: std::fmt::Debug>(
    v: &Value,
    r: Result<T, mailoauth::Error>,
) -> Result<Option<T>, String> {
    match (expected_error(v), r) {
        (Some(want), Err(e)) => eq("error code", e.code(), want).map(|_| None),
        (Some(want), Ok(x)) => Err(format!("expected error {want:?}, got {x:?}")),
        (None, Err(e)) => Err(format!("unexpected error {}: {e}", e.code())),
        (None, Ok(x)) => Ok(Some(x)),
    }
}

/// `Option<String>` from a JSON value that is a string or null.
pub fn opt_string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

/// Compares URLs as the schema says: scheme, host and path exactly; the query as a multiset of
/// decoded pairs.
pub fn url_eq(got: &str, want: &str) -> Outcome {
    let g = url::Url::parse(got).map_err(|e| format!("got URL {got:?} does not parse: {e}"))?;
    let w =
        url::Url::parse(want).map_err(|e| format!("expected URL {want:?} does not parse: {e}"))?;
    let parts = |u: &url::Url| {
        let mut q: Vec<(String, String)> = u.query_pairs().into_owned().collect();
        q.sort();
        (
            u.scheme().to_owned(),
            u.host_str().map(str::to_owned),
            u.port(),
            u.path().to_owned(),
            q,
        )
    };
    if parts(&g) == parts(&w) {
        Ok(())
    } else {
        Err(format!("url: got {got}, want {want}"))
    }
}

/// Checks a form request against `expect.url` (as a URL), the optional `expect.headers` (names
/// case-insensitive; null: absent) and `expect.form` (each field once, order not significant).
pub fn check_request(v: &Value, req: &mailoauth::http::HttpRequest) -> Outcome {
    url_eq(&req.url, s(v, "expect", "url")?)?;
    if let Some(headers) = v["expect"].get("headers").and_then(Value::as_object) {
        for (name, want) in headers {
            eq(&format!("header {name}"), req.header(name), want.as_str())?;
        }
    }
    let mut got = req.form_fields();
    got.sort();
    let mut want: Vec<(String, String)> = expect(v, "form")
        .as_object()
        .ok_or("expect.form missing or not an object")?
        .iter()
        .map(|(k, x)| {
            x.as_str()
                .map(|x| (k.clone(), x.to_owned()))
                .ok_or_else(|| format!("expect.form.{k} is not a string"))
        })
        .collect::<Result<_, _>>()?;
    want.sort();
    eq("form", got, want)
}

/// `expect.<key>` as a list of strings, when present.
pub fn opt_strings(v: &Value, key: &str) -> Result<Option<Vec<String>>, String> {
    match v.get("expect").and_then(|e| e.get(key)) {
        None => Ok(None),
        Some(x) => x
            .as_array()
            .ok_or_else(|| format!("expect.{key} is not an array"))?
            .iter()
            .map(|s| {
                s.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("expect.{key} holds a non-string"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
    }
}
