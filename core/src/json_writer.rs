//! The crate's one JSON writer: a compact serde `Serializer` with exactly
//! `serde_json::to_string`'s output for what the crate's records hold (strings, integers,
//! booleans, options, sequences, tuples, structs, enums), through [`crate::to_json_text`].
//! [`crate::token::TokenSet::to_json`] and the client assertion's header and claims are written
//! with it; the wasm binding hands records to JavaScript with it.
//!
//! It exists for size: `serde_json`'s writer brings its number formatting (with float tables),
//! error type and formatter layers, about 3 KB gzipped in the web page. Floats and maps with
//! non-string keys are refused with an error instead (no record of the crate has either; the unit
//! tests compare the output with `serde_json` for every record shape). Strings are escaped by
//! [`crate::json::write_string`], the escaper the crate's parser is tested against.

use serde::ser::{self, Serialize};
use std::fmt::{self, Display, Write as _};

/// Why a value could not be written.
#[derive(Debug)]
pub(crate) struct Error(String);

impl Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

fn unsupported(what: &str) -> Error {
    Error(format!("cannot write {what} as JSON"))
}

/// `value` as compact JSON text, exactly as `serde_json::to_string` writes it, for the records of
/// this crate (strings, integers, booleans, options, sequences, tuples, structs, enums). Fails with
/// [`crate::Error::InvalidInput`] for a float or a map key that is not a string, which no record
/// of the crate holds. The writer behind [`crate::token::TokenSet::to_json`]; the wasm binding
/// hands records to JavaScript with it.
///
/// ```
/// use mailoauth::cloud::{Cloud, Protocol};
/// let text = mailoauth::to_json_text(&[Protocol::Imap, Protocol::Smtp])?;
/// assert_eq!(text, r#"["imap","smtp"]"#);
/// assert!(mailoauth::to_json_text(&1.5f64).is_err());
/// # Ok::<(), mailoauth::Error>(())
/// ```
pub fn to_json_text<T: Serialize + ?Sized>(value: &T) -> crate::Result<String> {
    let mut w = Writer { out: String::new() };
    let written = value.serialize(&mut w);
    finish(written, w)
}

/// `value` as compact JSON text (see [`to_json_text`]), with the writer's own error.
pub(crate) fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let mut w = Writer { out: String::new() };
    value.serialize(&mut w).map(|()| w.out)
}

/// The text, or the error as the crate's. Not generic and never inlined, so each record type's
/// own code is only its `serialize` call (the web page pays for every copy).
#[inline(never)]
fn finish(written: Result<(), Error>, w: Writer) -> crate::Result<String> {
    match written {
        Ok(()) => Ok(w.out),
        Err(e) => Err(crate::Error::invalid_input(e.0)),
    }
}

struct Writer {
    out: String,
}

impl Writer {
    fn string(&mut self, s: &str) {
        crate::json::write_string(&mut self.out, s);
    }

    fn number(&mut self, n: impl Display) {
        let _ = write!(self.out, "{n}");
    }
}

/// A sequence or map being written: `first` says whether a comma is due.
pub(crate) struct Compound<'a> {
    w: &'a mut Writer,
    first: bool,
    /// The closing text: `]`, `}`, or `]}` / `}}` for enum variants.
    close: &'static str,
}

impl Compound<'_> {
    fn comma(&mut self) {
        if !self.first {
            self.w.out.push(',');
        }
        self.first = false;
    }
    fn key(&mut self, key: &str) {
        self.comma();
        self.w.string(key);
        self.w.out.push(':');
    }
    fn end(self) {
        self.w.out.push_str(self.close);
    }
}

impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.number(v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.number(v);
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Result<(), Error> {
        Err(unsupported("a float"))
    }
    fn serialize_f64(self, _: f64) -> Result<(), Error> {
        Err(unsupported("a float"))
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.string(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.string(v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        ser::Serializer::collect_seq(self, v)
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.string(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.out.push('{');
        self.string(variant);
        self.out.push(':');
        value.serialize(&mut *self)?;
        self.out.push('}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a>, Error> {
        self.out.push('[');
        Ok(Compound {
            w: self,
            first: true,
            close: "]",
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Compound<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, Error> {
        self.out.push('{');
        self.string(variant);
        self.out.push_str(":[");
        Ok(Compound {
            w: self,
            first: true,
            close: "]}",
        })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a>, Error> {
        self.out.push('{');
        Ok(Compound {
            w: self,
            first: true,
            close: "}",
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Compound<'a>, Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, Error> {
        self.out.push('{');
        self.string(variant);
        self.out.push_str(":{");
        Ok(Compound {
            w: self,
            first: true,
            close: "}}",
        })
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.comma();
        value.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Error> {
        Compound::end(self);
        Ok(())
    }
}

/// The tuple kinds: elements written like a sequence's.
macro_rules! tuple_like {
    ($($t:ident),*) => {$(
        impl ser::$t for Compound<'_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                ser::SerializeSeq::serialize_element(self, value)
            }
            fn end(self) -> Result<(), Error> {
                Compound::end(self);
                Ok(())
            }
        }
    )*};
}
tuple_like!(SerializeTupleStruct, SerializeTupleVariant);

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Error> {
        Compound::end(self);
        Ok(())
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.comma();
        let mut k = Writer { out: String::new() };
        key.serialize(&mut k)?;
        // JSON object keys are strings: a key that serialises to anything else is refused.
        if !(k.out.len() >= 2 && k.out.starts_with('"') && k.out.ends_with('"')) {
            return Err(unsupported("a map key that is not a string"));
        }
        self.w.out.push_str(&k.out);
        self.w.out.push(':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Error> {
        Compound::end(self);
        Ok(())
    }
}

/// Structs and struct variants: `"key":value` members.
macro_rules! struct_like {
    ($($t:ident),*) => {$(
        impl ser::$t for Compound<'_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.key(key);
                value.serialize(&mut *self.w)
            }
            fn end(self) -> Result<(), Error> {
                Compound::end(self);
                Ok(())
            }
        }
    )*};
}
struct_like!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::to_string;
    use crate::cloud::{Cloud, Endpoints, Protocol, Tenant};
    use crate::diagnose::runbook::{build_runbook, RunbookInput, RunbookVariant};
    use crate::diagnose::{entra, reply, token_lint};
    use serde::Serialize;
    use std::collections::BTreeMap;

    /// Ours and serde_json's texts are identical.
    fn same<T: Serialize + ?Sized>(value: &T) {
        let want = serde_json::to_string(value).unwrap();
        assert_eq!(to_string(value).unwrap(), want);
    }

    #[test]
    fn strings_escape_like_serde_json() {
        let all: String = (0u32..0x80).filter_map(char::from_u32).collect();
        same(&all);
        same("ä ß € 😀 \u{2028} \u{7f} \u{0} \"q\" \\b\\");
        same(&'\n');
        same(&'é');
        same("");
    }

    #[test]
    fn scalars_options_sequences_and_enums() {
        #[derive(Serialize)]
        struct Unit;
        #[derive(Serialize)]
        struct Newtype(u16);
        #[derive(Serialize)]
        struct Pair(u8, String);
        #[derive(Serialize)]
        enum E {
            A,
            B(i32),
            C(u8, bool),
            D { x: Option<u64>, y: Vec<()> },
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct S<'a> {
            some_text: &'a str,
            none: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            skipped: Option<u8>,
            list: Vec<E>,
        }
        same(&(true, false, u64::MAX, i64::MIN, -1i8, 0u8, u32::MAX));
        same(&Unit);
        same(&Newtype(443));
        same(&Pair(7, "x".into()));
        same(&[
            E::A,
            E::B(-3),
            E::C(1, true),
            E::D {
                x: Some(5),
                y: vec![(), ()],
            },
        ]);
        same(&S {
            some_text: "t",
            none: None,
            skipped: None,
            list: vec![],
        });
        same(&Some(Some(1u8)));
        same(&Vec::<String>::new());
        same(&vec![
            ("a".to_owned(), "b".to_owned()),
            ("c\"".into(), "d\n".into()),
        ]);
        same(b"bytes".as_slice());
        let mut map = BTreeMap::new();
        map.insert("k\u{1}", vec![1u8]);
        map.insert("z", vec![]);
        same(&map);
    }

    #[test]
    fn what_it_refuses() {
        assert!(to_string(&1.5f64)
            .unwrap_err()
            .to_string()
            .contains("float"));
        assert!(to_string(&vec![1.0f32]).is_err());
        let mut map = BTreeMap::new();
        map.insert(1u8, 2u8);
        assert!(to_string(&map)
            .unwrap_err()
            .to_string()
            .contains("not a string"));
    }

    #[test]
    fn the_records_the_binding_writes() {
        same(&entra::entra_catalogue());
        same(&reply::reply_catalogue());
        same(&reply::diagnose_reply(
            Protocol::Smtp,
            "535 5.7.139 Authentication unsuccessful",
        ));
        same(&crate::apps::WELL_KNOWN_APPS);
        same(&Cloud::global());
        same(&Cloud::preset(crate::cloud::CloudId::UsGov));
        same(&Endpoints::microsoft(
            &Cloud::global(),
            &Tenant::Organizations,
        ));
        same(&entra::explain_error_text(
            "AADSTS7000215: Invalid client secret provided.",
        ));
        let rb = build_runbook(&RunbookInput {
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "9e5f94bc-e8a4-4e73-b8be-63364c29d753".into(),
            service_principal_object_id: None,
            display_name: Some("Archiver \"prod\"".into()),
            mailboxes: vec!["a@contoso.com".into()],
            protocols: vec![Protocol::Imap, Protocol::Smtp],
            cloud: Cloud::global(),
            send_as: true,
            variant: RunbookVariant::MailboxPermission,
        })
        .unwrap();
        same(&rb);
        let rb = build_runbook(&RunbookInput {
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "9e5f94bc-e8a4-4e73-b8be-63364c29d753".into(),
            service_principal_object_id: None,
            display_name: None,
            mailboxes: vec!["o'brien@contoso.com".into()],
            protocols: vec![],
            cloud: Cloud::preset(crate::cloud::CloudId::Hve),
            send_as: false,
            variant: RunbookVariant::Rbac,
        })
        .unwrap();
        same(&rb);
        same(&Cloud::preset(crate::cloud::CloudId::Consumers));
        same(&reply::personal_account_diagnosis("smtp_auth_disabled"));
        // An unsigned JWT with claims of every kind the lint reads.
        let b64 = |s: &str| crate::b64::encode_url(s.as_bytes());
        let token = format!(
            "{}.{}.sig",
            b64(r#"{"alg":"RS256","typ":"JWT"}"#),
            b64(
                r#"{"aud":"https://graph.microsoft.com","scp":"Mail.Read","upn":"u@x.de","exp":1,"iat":0,"tid":"t"}"#
            )
        );
        let lint = token_lint::lint_access_token(
            &token,
            Protocol::Imap,
            crate::cloud::Grant::Delegated,
            Some("v@x.de"),
            100,
            None,
        );
        assert!(!lint.findings.is_empty());
        same(&lint);
        same(&token_lint::decode_jwt_unverified(&token).unwrap());
    }
}
