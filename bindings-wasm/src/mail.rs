//! The IMAP / POP3 / SMTP authentication exchanges as state machines (classes wrapping the core
//! machines) and their outcomes. A browser cannot open a
//! mail connection; these serve Node drivers and tests (feature `full`: not in the page's build).
//! The reply diagnosis the page shows is in `diagnose.rs`.

use crate::convert::{self, options, to_js, Given};
use crate::errors::{self, IntoJsResult};
use mailoauth::imap::{ImapAuth as CoreImap, ImapAuthConfig};
use mailoauth::login::{Action, AuthOutcome, InitialResponse, LoginMachine};
use mailoauth::pop3::{PopAuth as CorePop, PopAuthConfig};
use mailoauth::sasl::Credentials;
use mailoauth::smtp::{SmtpAuth as CoreSmtp, SmtpAuthConfig};
use mailoauth::Secret;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_MAIL: &'static str = r#"
export interface AuthOutcome {
  kind: "authenticated" | "rejected" | "error";
  authenticated: Authenticated | null; rejection: Rejection | null; error: MailoauthError | null;
}
/** `send`: write `data` (CR LF included; it may carry the token). `need_line`: read one line. */
export interface MailAction {
  kind: "send" | "need_line" | "done"; data: Uint8Array | null; outcome: AuthOutcome | null;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// A JS value of the TypeScript type `MailAction`.
    #[wasm_bindgen(typescript_type = "MailAction")]
    pub type MailActionRecord;
    /// A JS value of the TypeScript type `ImapAuthOptions`.
    #[wasm_bindgen(typescript_type = "ImapAuthOptions")]
    pub type ImapAuthOptions;
    /// A JS value of the TypeScript type `PopAuthOptions`.
    #[wasm_bindgen(typescript_type = "PopAuthOptions")]
    pub type PopAuthOptions;
    /// A JS value of the TypeScript type `SmtpAuthOptions`.
    #[wasm_bindgen(typescript_type = "SmtpAuthOptions")]
    pub type SmtpAuthOptions;
    /// A JS value of the TypeScript type `Uint8Array | string`.
    #[wasm_bindgen(typescript_type = "Uint8Array | string")]
    pub type LineInput;
}

fn outcome(o: AuthOutcome) -> Result<JsValue, JsValue> {
    let obj = js_sys::Object::new();
    let (kind, authenticated, rejection, error) = match o {
        AuthOutcome::Authenticated(a) => {
            ("authenticated", to_js(&a)?, JsValue::NULL, JsValue::NULL)
        }
        AuthOutcome::Rejected(r) => ("rejected", JsValue::NULL, to_js(&r)?, JsValue::NULL),
        AuthOutcome::Error(e) => ("error", JsValue::NULL, JsValue::NULL, errors::to_js(&e)),
    };
    convert::set(&obj, "kind", kind);
    convert::set(&obj, "authenticated", authenticated);
    convert::set(&obj, "rejection", rejection);
    convert::set(&obj, "error", error);
    Ok(obj.into())
}

fn action(a: Action) -> Result<MailActionRecord, JsValue> {
    let obj = js_sys::Object::new();
    let (kind, data, out) = match a {
        Action::Send(bytes) => (
            "send",
            js_sys::Uint8Array::from(bytes.as_slice()).into(),
            JsValue::NULL,
        ),
        Action::NeedLine => ("need_line", JsValue::NULL, JsValue::NULL),
        Action::Done(o) => ("done", JsValue::NULL, outcome(o)?),
    };
    convert::set(&obj, "kind", kind);
    convert::set(&obj, "data", data);
    convert::set(&obj, "outcome", out);
    Ok(JsValue::from(obj).unchecked_into())
}

fn credentials(user: &str, token: String, host: Option<String>, port: Option<u16>) -> Credentials {
    let mut c = Credentials::new(user, Secret::new(token));
    c.host = host;
    c.port = port;
    c
}

fn initial_response(s: Option<&str>) -> Result<InitialResponse, JsValue> {
    s.unwrap_or("auto").parse().js()
}

fn line(value: LineInput) -> Result<Vec<u8>, JsValue> {
    convert::bytes("line", &value.into())
}

/// The options of one machine: the login's credentials (declared here once) and its own fields.
macro_rules! mail_options {
    ($(#[doc = $d:literal])* struct $name:ident => $ts:ident { $($fields:tt)* }) => {
        options! {
            $(#[doc = $d])*
            struct $name => $ts {
                /// The login name (the mailbox's address for Exchange Online).
                user: String = "user",
                /// The access token (a secret).
                token: String = "token",
                /// The SASL mechanism (default `XOAUTH2`).
                mechanism: Option<String> = "mechanism" as "Mechanism",
                /// The server's host name (OAUTHBEARER sends it).
                host: Option<String> = "host",
                /// The server's port (OAUTHBEARER sends it).
                port: Option<u16> = "port",
                $($fields)*
            }
        }
        impl $name {
            fn mechanism(&self) -> Result<mailoauth::sasl::Mechanism, JsValue> {
                convert::mechanism(self.mechanism.as_deref().unwrap_or("XOAUTH2"))
            }
        }
    };
}

mail_options! {
    /// An IMAP `AUTHENTICATE` exchange.
    struct ImapArgs => ImapAuthOptions {
        /// The command tag (`A1`).
        tag: String = "tag",
        /// The server's capabilities (from the greeting or `CAPABILITY`): `SASL-IR` allows the
        /// one-line form.
        capabilities: Given = "capabilities",
    }
}

mail_options! {
    /// A POP3 `AUTH` exchange.
    struct PopArgs => PopAuthOptions {
        /// The server's `CAPA` lines, when it answered `CAPA`.
        capabilities: Option<Vec<String>> = "capabilities",
        /// Whether the response goes on the `AUTH` line (default `auto`).
        initial_response: Option<String> = "initialResponse" as r#""auto" | "always" | "never""#,
    }
}

mail_options! {
    /// An SMTP `AUTH` exchange.
    struct SmtpArgs => SmtpAuthOptions {
        /// The `EHLO` reply's keyword lines (`AUTH XOAUTH2 ...`).
        ehlo: Given = "ehlo",
        /// Whether the response goes on the `AUTH` line (default `auto`: when it fits 512 octets).
        initial_response: Option<String> = "initialResponse" as r#""auto" | "always" | "never""#,
    }
}

/// What the three machines share, forwarded through the core's one trait (`LoginMachine`).
macro_rules! machine_methods {
    ($t:ident, $name:literal) => {
        #[wasm_bindgen]
        impl $t {
            /// What to do next: `{kind: "send", data}`, `{kind: "need_line"}` or
            /// `{kind: "done", outcome}`.
            #[wasm_bindgen(js_name = nextAction)]
            pub fn next_action(&mut self) -> Result<MailActionRecord, JsValue> {
                action(LoginMachine::next_action(&mut self.inner))
            }
            /// Feeds one server line (a string or bytes, with or without CR LF). A server that
            /// breaks the protocol ends the exchange (the outcome's `error`); this throws only
            /// out of turn (`invalid_input`: after `done`, or before the bytes to send were
            /// taken).
            #[wasm_bindgen(js_name = receiveLine)]
            pub fn receive_line(&mut self, line: LineInput) -> Result<(), JsValue> {
                LoginMachine::receive_line(&mut self.inner, &self::line(line)?).js()
            }
            /// Aborts the exchange (answers a pending continuation or challenge with `*`).
            pub fn cancel(&mut self) {
                LoginMachine::cancel(&mut self.inner)
            }
            /// `XOAUTH2` or `OAUTHBEARER`.
            #[wasm_bindgen(getter)]
            pub fn mechanism(&self) -> String {
                LoginMachine::mechanism(&self.inner).as_str().to_owned()
            }
            /// Whether the response goes on the command line.
            #[wasm_bindgen(getter, js_name = usesInitialResponse)]
            pub fn uses_initial_response(&self) -> bool {
                LoginMachine::uses_initial_response(&self.inner)
            }
            /// Whether the exchange is over.
            #[wasm_bindgen(getter, js_name = isDone)]
            pub fn is_done(&self) -> bool {
                LoginMachine::is_done(&self.inner)
            }
            /// The machine's state, without the token.
            #[wasm_bindgen(js_name = toString)]
            pub fn to_string_js(&self) -> String {
                format!(
                    "{}(mechanism={}, isDone={})",
                    $name,
                    LoginMachine::mechanism(&self.inner).as_str(),
                    LoginMachine::is_done(&self.inner)
                )
            }
        }
    };
}

/// The client side of IMAP `AUTHENTICATE` (SASL-IR when advertised).
#[wasm_bindgen]
pub struct ImapAuth {
    inner: CoreImap,
}

#[wasm_bindgen]
impl ImapAuth {
    /// A machine for `{user, token, tag, capabilities, mechanism?, host?, port?}`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: ImapAuthOptions) -> Result<ImapAuth, JsValue> {
        let a = ImapArgs::read("ImapAuth", options.into())?;
        let config = ImapAuthConfig {
            mechanism: a.mechanism()?,
            tag: a.tag,
            capabilities: a.capabilities.0,
            credentials: credentials(&a.user, a.token, a.host, a.port),
        };
        Ok(ImapAuth {
            inner: CoreImap::new(config).js()?,
        })
    }
    /// The command tag.
    #[wasm_bindgen(getter)]
    pub fn tag(&self) -> String {
        self.inner.tag().to_owned()
    }
}
machine_methods!(ImapAuth, "ImapAuth");

/// The client side of POP3 `AUTH` (two-line form unless `initialResponse: "always"`).
#[wasm_bindgen]
pub struct PopAuth {
    inner: CorePop,
}

#[wasm_bindgen]
impl PopAuth {
    /// A machine for `{user, token, mechanism?, capabilities?, initialResponse?, host?, port?}`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: PopAuthOptions) -> Result<PopAuth, JsValue> {
        let a = PopArgs::read("PopAuth", options.into())?;
        let config = PopAuthConfig {
            mechanism: a.mechanism()?,
            initial_response: initial_response(a.initial_response.as_deref())?,
            capabilities: a.capabilities,
            credentials: credentials(&a.user, a.token, a.host, a.port),
        };
        Ok(PopAuth {
            inner: CorePop::new(config).js()?,
        })
    }
}
machine_methods!(PopAuth, "PopAuth");

/// The client side of SMTP `AUTH` (RFC 4954; the 512-octet rule decides the one-line form).
#[wasm_bindgen]
pub struct SmtpAuth {
    inner: CoreSmtp,
}

#[wasm_bindgen]
impl SmtpAuth {
    /// A machine for `{user, token, ehlo, mechanism?, initialResponse?, host?, port?}`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: SmtpAuthOptions) -> Result<SmtpAuth, JsValue> {
        let a = SmtpArgs::read("SmtpAuth", options.into())?;
        let config = SmtpAuthConfig {
            mechanism: a.mechanism()?,
            initial_response: initial_response(a.initial_response.as_deref())?,
            ehlo_keywords: a.ehlo.0,
            credentials: credentials(&a.user, a.token, a.host, a.port),
        };
        Ok(SmtpAuth {
            inner: CoreSmtp::new(config).js()?,
        })
    }
}
machine_methods!(SmtpAuth, "SmtpAuth");
