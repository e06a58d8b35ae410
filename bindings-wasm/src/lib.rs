//! The WebAssembly binding of mailoauth: the npm-style package `mailoauth_wasm` built by
//! `make wasm-pkg` (wasm-bindgen `--target web`, then `wasm-opt -Oz`).
//!
//! Thin by design: exports, conversions (`convert.rs`) and error mapping (`errors.rs`) only; every
//! protocol decision is the core's. Names are camelCase; records are plain JS objects with
//! camelCase keys (`null` when absent); values that hold secrets (`TokenSet`, `Pkce`,
//! `AuthorizationCode`, `HttpRequest`, ...) and state machines (`ImapAuth`, `PopAuth`,
//! `SmtpAuth`, `DevicePoller`) are classes whose `toString()` never shows a secret. Failures are
//! thrown as `MailoauthError` (a subclass of `Error`) with `.code`, the core's stable code.
//!
//! Random bytes come from `crypto.getRandomValues` here, never from the core.
//!
//! Feature `full` (default) exports every core capability. The static page is built without it
//! (`bindings-wasm/build-pkg page`): only what the page calls, so it fits its size budget, and
//! its errors carry their message and code only (no server details, no explanation, which would
//! put the Entra catalogue behind every error). The page's build is then split in two by
//! `bindings-wasm/split-page`: the code and data only the diagnosis exports reach are a second
//! module the page loads on first use.
#![deny(missing_docs)]

#[cfg(feature = "full")]
mod assertion;
mod convert;
#[cfg(feature = "full")]
mod device;
mod diagnose;
mod errors;
mod http;
mod identity;
#[cfg(feature = "full")]
mod mail;
#[cfg(feature = "full")]
mod providers;
mod sasl;
mod tokens;

#[cfg(feature = "full")]
pub use assertion::*;
#[cfg(feature = "full")]
pub use device::*;
pub use diagnose::*;
pub use http::*;
pub use identity::*;
#[cfg(feature = "full")]
pub use mail::*;
#[cfg(feature = "full")]
pub use providers::*;
pub use sasl::*;
pub use tokens::*;

use wasm_bindgen::prelude::*;

// The page's build (feature `small-alloc`): a small free-list allocator.
// SAFETY: `AssumeSingleThreaded` requires that no two threads allocate at once. This module is
// built for wasm32 without the `atomics` target feature, so it has no threads: every call into
// it runs on the one thread of the page that instantiated it.
#[cfg(all(target_arch = "wasm32", feature = "small-alloc"))]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

// The declarations of the records (from the core's types) and of the options objects (from the
// `options!` declarations), generated and checked by src/typescript.rs.
#[wasm_bindgen(typescript_custom_section)]
const TS_RECORDS: &'static str = include_str!("../types/records.d.ts");
#[wasm_bindgen(typescript_custom_section)]
const TS_OPTIONS: &'static str = include_str!("../types/options.d.ts");

#[wasm_bindgen(typescript_custom_section)]
const TS_ERROR: &'static str = r#"
/** Every failure of the package: `code` is the core's stable snake_case code. */
export class MailoauthError extends Error {
  readonly name: "MailoauthError";
  readonly code: string;
  readonly error: string | null;
  readonly errorDescription: string | null;
  readonly errorCodes: number[];
  readonly aadsts: number | null;
  readonly errorUri: string | null;
  readonly traceId: string | null;
  readonly correlationId: string | null;
  readonly timestamp: string | null;
  readonly suberror: string | null;
  readonly claims: string | null;
  readonly status: number | null;
  readonly retryAfter: number | null;
  readonly transient: boolean;
  readonly requiresNewSignIn: boolean;
  readonly explanation: Explanation | null;
}
"#;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
    fn get_random_values(buf: &mut [u8]) -> Result<JsValue, JsValue>;
}

/// `N` bytes from `crypto.getRandomValues`.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], JsValue> {
    let mut buf = [0u8; N];
    get_random_values(&mut buf)
        .map_err(|_| errors::invalid_input("crypto.getRandomValues is not available"))?;
    Ok(buf)
}

/// The version of the package (the same as the core's).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// A fresh `state` for an authorize or admin-consent URL: 16 bytes from
/// `crypto.getRandomValues`, base64url without padding.
#[wasm_bindgen(js_name = randomState)]
pub fn random_state() -> Result<String, JsValue> {
    Ok(mailoauth::authorize::state_from_random(&random::<16>()?))
}
// The generator and check of types/*.d.ts (a test: it needs the core's feature `typescript`).
#[cfg(test)]
mod typescript;
