//! The one place where JS values become core values and back: records as plain objects with
//! camelCase keys (absent values are `null`), option objects in camelCase read property by property
//! (unknown keys are refused, so a typo is an error and not a silently ignored option), enum names
//! and clouds.

use crate::errors::{invalid_input, IntoJsResult};
use mailoauth::cloud::{Cloud, Grant, Protocol};
#[cfg(feature = "full")]
use mailoauth::sasl::Mechanism;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/records.js")]
extern "C" {
    /// `JSON.parse` with every object's keys renamed to camelCase and sorted (`js/records.js`).
    #[wasm_bindgen(js_name = recordFromJson, catch)]
    fn record_from_json(text: &str) -> Result<JsValue, JsValue>;
}

// Records cross the boundary as serde JSON text (written by the core's one JSON writer,
// `mailoauth::to_json_text`), renamed to camelCase keys in JS (`js/records.js`): no JSON value
// tree, no per-struct JS-object serializer in the package. Options are read with
// `Reflect.get`: no per-struct deserializer code in the package.

/// A Rust record (serde field names) as a plain JS object with camelCase keys.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    text_to_js(mailoauth::to_json_text(value))
}

/// The JS object of a record's JSON text. Not generic and never inlined: each record type's own
/// code is only its `serialize` call (the page pays for every copy).
#[inline(never)]
fn text_to_js(text: mailoauth::Result<String>) -> Result<JsValue, JsValue> {
    record_from_json(&text.js()?).map_err(|_| invalid_input("a record could not be converted"))
}

fn absent(value: &JsValue) -> bool {
    value.is_undefined() || value.is_null()
}

/// An options object being read: known camelCase keys only (a typo is an error, not a silently
/// ignored option); `undefined`/`null` properties are absent.
pub struct Opts {
    obj: JsValue,
    what: &'static str,
}

impl Opts {
    /// Checks that `value` is a plain object whose keys are all in `allowed`.
    pub fn new(what: &'static str, value: JsValue, allowed: &[&str]) -> Result<Opts, JsValue> {
        if absent(&value) {
            return Ok(Opts {
                obj: js_sys::Object::new().into(),
                what,
            });
        }
        if !value.is_object() || value.is_instance_of::<js_sys::Array>() {
            return Err(invalid_input(format!("{what}: expected an options object")));
        }
        for key in js_sys::Object::keys(value.unchecked_ref::<js_sys::Object>()).iter() {
            let key = key.as_string().unwrap_or_default();
            if !allowed.contains(&key.as_str()) {
                return Err(invalid_input(format!(
                    "{what}: unknown option {key} (known: {})",
                    allowed.join(", "),
                    // JSON quoting: `{:?}` would bring Rust's Unicode printability tables.
                    key = mailoauth::to_json_text(&key).unwrap_or_default()
                )));
            }
        }
        Ok(Opts { obj: value, what })
    }

    fn get(&self, key: &str) -> Option<JsValue> {
        let v = js_sys::Reflect::get(&self.obj, &JsValue::from_str(key)).ok()?;
        (!absent(&v)).then_some(v)
    }

    fn bad(&self, key: &str, expected: &str) -> JsValue {
        invalid_input(format!("{}: {key} must be {expected}", self.what))
    }

    /// A field of type `T` (see [`Field`]).
    pub fn field<T: Field>(&self, key: &str) -> Result<T, JsValue> {
        T::read(self, key, self.get(key))
    }
}

/// A type an options field can have.
pub trait Field: Sized {
    /// Its TypeScript type in the options interface (`types/options.d.ts`).
    #[cfg_attr(
        not(all(test, feature = "full", not(target_arch = "wasm32"))),
        allow(dead_code)
    )]
    const TS: &'static str;
    /// Whether the key must be given (else it is optional, `key?:`, in TypeScript).
    #[cfg_attr(
        not(all(test, feature = "full", not(target_arch = "wasm32"))),
        allow(dead_code)
    )]
    const REQUIRED: bool = false;
    /// Reads the field `key` (`None` when absent).
    fn read(o: &Opts, key: &str, v: Option<JsValue>) -> Result<Self, JsValue>;
}

impl Field for Option<String> {
    const TS: &'static str = "string";
    fn read(o: &Opts, key: &str, v: Option<JsValue>) -> Result<Self, JsValue> {
        v.map(|v| v.as_string().ok_or_else(|| o.bad(key, "a string")))
            .transpose()
    }
}

impl Field for String {
    const TS: &'static str = "string";
    const REQUIRED: bool = true;
    fn read(o: &Opts, key: &str, v: Option<JsValue>) -> Result<Self, JsValue> {
        Option::<String>::read(o, key, v)?.ok_or_else(|| o.bad(key, "given (a string)"))
    }
}

impl Field for Option<Vec<String>> {
    const TS: &'static str = "string[]";
    fn read(o: &Opts, key: &str, v: Option<JsValue>) -> Result<Self, JsValue> {
        v.map(|v| string_array(&v).ok_or_else(|| o.bad(key, "an array of strings")))
            .transpose()
    }
}

impl Field for Vec<String> {
    const TS: &'static str = "string[]";
    fn read(o: &Opts, key: &str, v: Option<JsValue>) -> Result<Self, JsValue> {
        Ok(Option::<Vec<String>>::read(o, key, v)?.unwrap_or_default())
    }
}

/// A list of strings that must be given (`key: string[]` in TypeScript), possibly empty.
pub struct Given(pub Vec<String>);

impl Field for Given {
    const TS: &'static str = "string[]";
    const REQUIRED: bool = true;
    fn read(o: &Opts, key: &str, v: Option<JsValue>) -> Result<Self, JsValue> {
        Option::<Vec<String>>::read(o, key, v)?
            .map(Given)
            .ok_or_else(|| o.bad(key, "given (an array of strings)"))
    }
}

impl Field for bool {
    const TS: &'static str = "boolean";
    fn read(o: &Opts, key: &str, v: Option<JsValue>) -> Result<Self, JsValue> {
        v.map_or(Ok(false), |v| {
            v.as_bool().ok_or_else(|| o.bad(key, "true or false"))
        })
    }
}

impl Field for Option<u64> {
    const TS: &'static str = "number";
    fn read(o: &Opts, key: &str, v: Option<JsValue>) -> Result<Self, JsValue> {
        v.map(|v| match v.as_f64() {
            Some(n) => secs(o.what, n).map_err(|_| o.bad(key, "a whole number >= 0")),
            None => Err(o.bad(key, "a number")),
        })
        .transpose()
    }
}

impl Field for u64 {
    const TS: &'static str = "number";
    const REQUIRED: bool = true;
    fn read(o: &Opts, key: &str, v: Option<JsValue>) -> Result<Self, JsValue> {
        Option::<u64>::read(o, key, v)?.ok_or_else(|| o.bad(key, "given (a number)"))
    }
}

impl Field for Option<u16> {
    const TS: &'static str = "number";
    fn read(o: &Opts, key: &str, v: Option<JsValue>) -> Result<Self, JsValue> {
        match Option::<u64>::read(o, key, v)? {
            Some(n) => u16::try_from(n)
                .map(Some)
                .map_err(|_| o.bad(key, "a port number (0-65535)")),
            None => Ok(None),
        }
    }
}

impl Field for Option<Cloud> {
    const TS: &'static str = "CloudArg";
    fn read(_: &Opts, _: &str, v: Option<JsValue>) -> Result<Self, JsValue> {
        v.map(cloud_value).transpose()
    }
}

/// Declares an options object once: the Rust struct, its reader `Name::read(what, value)` and its
/// TypeScript interface `TsName` (`Name::typescript()`, written to `types/options.d.ts` by the
/// tests). A field's TypeScript type is its [`Field::TS`] unless `as "type"` names a narrower one;
/// the doc comments become the interface's JSDoc.
macro_rules! options {
    (
        $(#[doc = $doc:literal])*
        struct $name:ident => $ts:ident {
            $($(#[doc = $fdoc:literal])* $field:ident : $ty:ty = $key:literal $(as $tsty:literal)?),* $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub(crate) struct $name {
            $($field: $ty),*
        }
        impl $name {
            fn read(what: &'static str, value: wasm_bindgen::JsValue) -> Result<Self, wasm_bindgen::JsValue> {
                let o = $crate::convert::Opts::new(what, value, &[$($key),*])?;
                Ok($name { $($field: o.field($key)?),* })
            }
            #[cfg(all(test, feature = "full", not(target_arch = "wasm32")))]
            /// The TypeScript interface of the options object.
            pub(crate) fn typescript() -> String {
                $crate::typescript::ts_interface(
                    &[$($doc),*],
                    stringify!($ts),
                    &[$((
                        &[$($fdoc),*],
                        $key,
                        [$($tsty,)? <$ty as $crate::convert::Field>::TS][0],
                        <$ty as $crate::convert::Field>::REQUIRED,
                    )),*],
                )
            }
        }
    };
}
pub(crate) use options;

fn string_array(v: &JsValue) -> Option<Vec<String>> {
    if !v.is_instance_of::<js_sys::Array>() {
        return None;
    }
    v.unchecked_ref::<js_sys::Array>()
        .iter()
        .map(|x| x.as_string())
        .collect()
}

#[cfg(feature = "full")]
/// A list of strings from JS (`undefined`/`null` → empty).
pub fn strings(what: &str, value: JsValue) -> Result<Vec<String>, JsValue> {
    if absent(&value) {
        return Ok(Vec::new());
    }
    string_array(&value)
        .ok_or_else(|| invalid_input(format!("{what}: expected an array of strings")))
}

/// `"imap"`, `"pop"`, `"smtp"` (also `pop3`, `submission`) → [`Protocol`].
pub fn protocol(s: &str) -> Result<Protocol, JsValue> {
    s.parse().js()
}

/// A list of protocol names.
pub fn protocols(list: &[String]) -> Result<Vec<Protocol>, JsValue> {
    list.iter().map(|s| protocol(s)).collect()
}

#[cfg(feature = "full")]
/// `"XOAUTH2"` / `"OAUTHBEARER"` (any case) → [`Mechanism`].
pub fn mechanism(s: &str) -> Result<Mechanism, JsValue> {
    s.parse().js()
}

/// `"delegated"` / `"app"` → [`Grant`].
pub fn grant(s: &str) -> Result<Grant, JsValue> {
    s.parse().js()
}

options! {
    /// The object form of a cloud argument: a preset whose present hosts override the preset's.
    struct CloudObject => CloudObject {
        /// The preset (default `global`).
        id: Option<String> = "id" as r#"CloudId | "personal" | "outlook.com""#,
        /// The login base URL (no trailing slash).
        login_base: Option<String> = "loginBase",
        /// The resource of delegated mail scopes.
        outlook_resource: Option<String> = "outlookResource",
        /// The resource of app-only tokens.
        app_resource: Option<String> = "appResource",
        /// The IMAP host.
        imap_host: Option<String> = "imapHost",
        /// The POP3 host.
        pop_host: Option<String> = "popHost",
        /// The SMTP submission host.
        smtp_host: Option<String> = "smtpHost",
    }
}

/// A cloud given as a preset name (`"global"`, `"usgov"`, `"usgov-dod"`, `"china"`) or as an
/// object `{id, loginBase, outlookResource, appResource, imapHost, popHost, smtpHost}`;
/// `undefined`/`null` is `global`.
pub fn cloud_value(value: JsValue) -> Result<Cloud, JsValue> {
    if absent(&value) {
        return Ok(Cloud::global());
    }
    if let Some(name) = value.as_string() {
        return Cloud::from_name(&name).js();
    }
    let o = CloudObject::read("cloud", value)?;
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

#[cfg(feature = "full")]
/// Sets `obj[key] = value` on a fresh plain object being built.
pub fn set(obj: &js_sys::Object, key: &str, value: impl Into<JsValue>) {
    // Reflect.set on a plain object cannot fail.
    let _ = js_sys::Reflect::set(obj, &JsValue::from_str(key), &value.into());
}

/// `Some(n)` → number, `None` → `null`.
pub fn opt_num(v: Option<u64>) -> JsValue {
    v.map_or(JsValue::NULL, |n| JsValue::from_f64(n as f64))
}

#[cfg(feature = "full")]
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

/// `[name, value]` string pairs (HTTP headers) from JS.
pub fn pairs(what: &str, value: &JsValue) -> Result<Vec<(String, String)>, JsValue> {
    let bad = || invalid_input(format!("{what}: expected [name, value] string pairs"));
    if !value.is_instance_of::<js_sys::Array>() {
        return Err(bad());
    }
    value
        .unchecked_ref::<js_sys::Array>()
        .iter()
        .map(|p| match string_array(&p).as_deref() {
            Some([k, v]) => Ok((k.clone(), v.clone())),
            _ => Err(bad()),
        })
        .collect()
}
