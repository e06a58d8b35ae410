//! Servers beyond Microsoft: authorization server discovery (RFC 8414, OpenID Connect Discovery)
//! and the Google preset (feature `full`: not in the page's build).

use crate::convert::{self, to_js};
use crate::errors::IntoJsResult;
use crate::http::{HttpRequest, HttpResponse};
use crate::identity::{EndpointsRecord, HostPort, StringList};
use mailoauth::discovery::{self, ProviderMetadata as CoreMetadata};
use mailoauth::provider::{google, ProviderId};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// A JS value of the TypeScript type `ProviderMetadataRecord`.
    #[wasm_bindgen(typescript_type = "ProviderMetadataRecord")]
    pub type ProviderMetadataRecord;
}

/// The metadata addresses of an issuer, in the order to try them: OpenID Connect Discovery's
/// `{issuer}/.well-known/openid-configuration`, then RFC 8414's
/// `https://host/.well-known/oauth-authorization-server{path}`.
#[wasm_bindgen(js_name = wellKnownUrls)]
pub fn well_known_urls(issuer: &str) -> Result<StringList, JsValue> {
    Ok(to_js(&discovery::well_known_urls(issuer).js()?)?.unchecked_into())
}

/// The `GET` of a metadata address (`Accept: application/json`).
#[wasm_bindgen(js_name = buildMetadataRequest)]
pub fn build_metadata_request(url: &str) -> Result<HttpRequest, JsValue> {
    discovery::build_metadata_request(url)
        .js()
        .map(HttpRequest::from)
}

/// A checked metadata document: its issuer is the one asked for, every endpoint is `https` (or
/// `http` on loopback). Lists the server left out hold RFC 8414's defaults.
#[wasm_bindgen]
pub struct ProviderMetadata {
    inner: CoreMetadata,
}

#[wasm_bindgen]
impl ProviderMetadata {
    /// Every member as a plain record (camelCase keys, `null` for an endpoint the server lacks).
    #[wasm_bindgen(js_name = toJSON)]
    pub fn to_json(&self) -> Result<ProviderMetadataRecord, JsValue> {
        Ok(to_js(&self.inner)?.unchecked_into())
    }
    /// The endpoints for the flows (a missing one is empty), with the issuer for the `iss` check.
    pub fn endpoints(&self) -> Result<EndpointsRecord, JsValue> {
        Ok(to_js(&self.inner.endpoints())?.unchecked_into())
    }
    /// Whether the server lists a grant type.
    #[wasm_bindgen(js_name = supportsGrant)]
    pub fn supports_grant(&self, #[wasm_bindgen(js_name = "grantType")] grant_type: &str) -> bool {
        self.inner.supports_grant(grant_type)
    }
    /// The client authentication method to use: `private_key_jwt` with a key, else
    /// `client_secret_basic` / `client_secret_post` with a secret, else `none`; throws
    /// `invalid_input` naming what the server supports when none fits.
    #[wasm_bindgen(js_name = chooseClientAuth)]
    pub fn choose_client_auth(
        &self,
        #[wasm_bindgen(js_name = "hasSecret")] has_secret: bool,
        #[wasm_bindgen(js_name = "hasKey")] has_key: bool,
    ) -> Result<String, JsValue> {
        let m = self.inner.choose_client_auth(has_secret, has_key).js()?;
        Ok(m.as_str().to_owned())
    }
}

/// Parses and checks a metadata document received at `now` (Unix seconds) for `expectedIssuer`.
#[wasm_bindgen(js_name = parseProviderMetadata)]
pub fn parse_provider_metadata(
    response: &HttpResponse,
    #[wasm_bindgen(js_name = "expectedIssuer")] expected_issuer: &str,
    now: f64,
) -> Result<ProviderMetadata, JsValue> {
    let now = convert::secs("now", now)?;
    discovery::parse_provider_metadata(&response.inner, expected_issuer, now)
        .js()
        .map(|inner| ProviderMetadata { inner })
}

/// Throws `unsupported_flow` when `provider` (`microsoft`, `google`) does not let the device flow
/// ask for `scopes` (Google and the Gmail scope: sign in with the browser instead).
#[wasm_bindgen(js_name = checkDeviceFlow)]
pub fn check_device_flow(provider: &str, scopes: StringList) -> Result<(), JsValue> {
    let scopes = convert::strings("scopes", scopes.into())?;
    ProviderId::parse(provider)
        .js()?
        .check_device_flow(&scopes)
        .js()
}

/// Google's endpoints (authorize with `access_type=offline`, token, device), with its issuer.
#[wasm_bindgen(js_name = googleEndpoints)]
pub fn google_endpoints() -> Result<EndpointsRecord, JsValue> {
    Ok(to_js(&google::endpoints())?.unchecked_into())
}

/// Google's mail scopes: `["https://mail.google.com/"]`.
#[wasm_bindgen(js_name = googleScopes)]
pub fn google_scopes() -> Result<StringList, JsValue> {
    Ok(to_js(&google::scopes())?.unchecked_into())
}

/// `{host, port}` of Gmail's server for `imap`, `pop` or `smtp`.
#[wasm_bindgen(js_name = googleMailServer)]
pub fn google_mail_server(protocol: &str) -> Result<HostPort, JsValue> {
    let (host, port) = google::mail_server(convert::protocol(protocol)?);
    let o = js_sys::Object::new();
    convert::set(&o, "host", host);
    convert::set(&o, "port", port);
    Ok(JsValue::from(o).unchecked_into())
}

/// Throws `invalid_input` unless the redirect URI is a loopback address (Google's installed
/// apps; the out-of-band `urn:ietf:wg:oauth:2.0:oob` flow is retired).
#[wasm_bindgen(js_name = checkGoogleRedirectUri)]
pub fn check_google_redirect_uri(
    #[wasm_bindgen(js_name = "redirectUri")] redirect_uri: &str,
) -> Result<(), JsValue> {
    google::check_redirect_uri(redirect_uri).js()
}
