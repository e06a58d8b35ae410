//! The one place where JS values become core values and back: records as plain objects with
//! camelCase keys (absent values are `null`), option objects in camelCase (unknown keys are
//! refused, so a typo is an error and not a silently ignored option), enum names and clouds.

use crate::errors::{invalid_input, IntoJsResult};
use mailoauth::cloud::{Cloud, Grant, Protocol};
use mailoauth::sasl::Mechanism;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wasm_bindgen::prelude::*;

/// `snake_case` → `camelCase`.
fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn camel_keys(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (camel(&k), camel_keys(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(camel_keys).collect()),
        other => other,
    }
}

// Values cross the boundary as JSON text (`JSON.stringify` / `JSON.parse`): the core already
// carries serde_json, and one serializer for every record keeps the package small.

/// A Rust record (serde field names) as a plain JS object with camelCase keys.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let v = serde_json::to_value(value).map_err(|e| invalid_input(e.to_string()))?;
    let text = serde_json::to_string(&camel_keys(v)).map_err(|e| invalid_input(e.to_string()))?;
    js_sys::JSON::parse(&text).map_err(|_| invalid_input("a record could not be converted"))
}

/// serde_json's message without any quoted input value (it may be a secret).
fn scrub(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match (msg.find("string \""), msg.find("\", expected")) {
        (Some(a), Some(b)) if b > a => format!("{}a string{}", &msg[..a], &msg[b + 1..]),
        _ => msg,
    }
}

/// Reads a JS value (plain data: objects, arrays, strings, numbers, booleans) as `T`.
fn from_json<T: DeserializeOwned>(what: &str, value: &JsValue) -> Result<T, JsValue> {
    let text: String = js_sys::JSON::stringify(value)
        .map_err(|_| invalid_input(format!("{what}: not plain data")))?
        .into();
    serde_json::from_str(&text).map_err(|e| invalid_input(format!("{what}: {}", scrub(&e))))
}

fn absent(value: &JsValue) -> bool {
    value.is_undefined() || value.is_null()
}

/// An options object (camelCase keys) as a Rust struct; `undefined`/`null` read as `{}`.
pub fn from_js<T: DeserializeOwned>(what: &str, value: JsValue) -> Result<T, JsValue> {
    if absent(&value) {
        return from_json(what, &js_sys::Object::new().into());
    }
    if !value.is_object() || value.is_instance_of::<js_sys::Array>() {
        return Err(invalid_input(format!("{what}: expected an options object")));
    }
    from_json(what, &value)
}

/// A list of strings from JS (`undefined`/`null` → empty).
pub fn strings(what: &str, value: JsValue) -> Result<Vec<String>, JsValue> {
    if absent(&value) {
        return Ok(Vec::new());
    }
    from_json(what, &value)
}

/// `"imap"`, `"pop"`, `"smtp"` (also `pop3`, `submission`) → [`Protocol`].
pub fn protocol(s: &str) -> Result<Protocol, JsValue> {
    s.parse().js()
}

/// A list of protocol names.
pub fn protocols(list: &[String]) -> Result<Vec<Protocol>, JsValue> {
    list.iter().map(|s| protocol(s)).collect()
}

/// `"XOAUTH2"` / `"OAUTHBEARER"` (any case) → [`Mechanism`].
pub fn mechanism(s: &str) -> Result<Mechanism, JsValue> {
    s.parse().js()
}

/// `"delegated"` / `"app"` → [`Grant`].
pub fn grant(s: &str) -> Result<Grant, JsValue> {
    s.parse().js()
}

/// A cloud given as a preset name (`"global"`, `"usgov"`, `"usgov-dod"`, `"china"`) or as an
/// object `{id, loginBase, outlookResource, appResource, imapHost, popHost, smtpHost}` whose
/// present hosts override the preset's.
#[derive(Deserialize, Debug, Clone)]
#[serde(untagged)]
pub enum CloudArg {
    /// A preset name.
    Name(String),
    /// A preset with overridden hosts.
    Object(CloudObject),
}

/// The object form of [`CloudArg`].
#[derive(Deserialize, Debug, Clone, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CloudObject {
    id: Option<String>,
    login_base: Option<String>,
    outlook_resource: Option<String>,
    app_resource: Option<String>,
    imap_host: Option<String>,
    pop_host: Option<String>,
    smtp_host: Option<String>,
}

impl CloudArg {
    /// The core cloud.
    pub fn into_cloud(self) -> Result<Cloud, JsValue> {
        match self {
            CloudArg::Name(n) => Cloud::from_name(&n).js(),
            CloudArg::Object(o) => {
                let mut c = Cloud::from_name(o.id.as_deref().unwrap_or("global")).js()?;
                let set = |field: &mut String, v: Option<String>| {
                    if let Some(v) = v {
                        *field = v;
                    }
                };
                set(&mut c.login_base, o.login_base);
                set(&mut c.outlook_resource, o.outlook_resource);
                set(&mut c.app_resource, o.app_resource);
                set(&mut c.imap_host, o.imap_host);
                set(&mut c.pop_host, o.pop_host);
                set(&mut c.smtp_host, o.smtp_host);
                Ok(c)
            }
        }
    }
}

/// An optional cloud, `global` when absent.
pub fn cloud_or_global(c: Option<CloudArg>) -> Result<Cloud, JsValue> {
    c.map_or_else(|| Ok(Cloud::global()), CloudArg::into_cloud)
}

/// A cloud argument given directly as a JS value (`undefined` → global).
pub fn cloud_value(value: JsValue) -> Result<Cloud, JsValue> {
    if absent(&value) {
        return Ok(Cloud::global());
    }
    let arg: CloudArg = from_json("cloud (a preset name or a cloud object)", &value)?;
    arg.into_cloud()
}

/// Bytes from a JS string (UTF-8) or `Uint8Array`.
pub fn bytes(what: &str, value: &JsValue) -> Result<Vec<u8>, JsValue> {
    if let Some(s) = value.as_string() {
        return Ok(s.into_bytes());
    }
    if value.is_instance_of::<js_sys::Uint8Array>() {
        return Ok(js_sys::Uint8Array::new(value).to_vec());
    }
    Err(invalid_input(format!(
        "{what}: expected a string or a Uint8Array"
    )))
}

/// Sets `obj[key] = value` on a fresh plain object being built.
pub fn set(obj: &js_sys::Object, key: &str, value: impl Into<JsValue>) {
    // Reflect.set on a plain object cannot fail.
    let _ = js_sys::Reflect::set(obj, &JsValue::from_str(key), &value.into());
}

/// `Some(n)` → number, `None` → `null`.
pub fn opt_num(v: Option<u64>) -> JsValue {
    v.map_or(JsValue::NULL, |n| JsValue::from_f64(n as f64))
}

/// What a secret-holding field shows in `toString()`: whether it is set, never its value.
pub fn redacted(present: bool) -> &'static str {
    if present {
        "[redacted]"
    } else {
        "null"
    }
}

/// A time or duration in seconds given as a JS number: finite, not negative, whole.
pub fn secs(what: &str, v: f64) -> Result<u64, JsValue> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= 9_007_199_254_740_991.0 {
        Ok(v as u64)
    } else {
        Err(invalid_input(format!(
            "{what} must be a whole number of seconds >= 0 (Unix time for a time)"
        )))
    }
}

/// Plain data read from a JS value (for constructor arguments that are not options objects).
pub fn data<T: DeserializeOwned>(what: &str, value: &JsValue) -> Result<T, JsValue> {
    from_json(what, value)
}
