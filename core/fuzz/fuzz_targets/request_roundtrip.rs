#![no_main]
//! Round trip of the request builders: whatever values the token-request and authorize-URL
//! builders accept come back unchanged (the client id trimmed) when the form body or URL query
//! is decoded, and an authorize redirect built with any accepted code and state parses back to
//! them. Refusals are `invalid_input` or `invalid_client_id`, never a panic.
use mailoauth::authorize::{build_authorize_url, parse_authorize_redirect, AuthorizeRequest};
use mailoauth::pkce::{self, Pkce};
use mailoauth::token::{self, ClientAuth};
use mailoauth::Secret;

const TOKEN_URL: &str =
    "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token";
const AUTHORIZE_URL: &str =
    "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize";
const REDIRECT: &str = "http://localhost:8400/callback";

/// Splits `data` into `n` fields, each prefixed by its length byte (the last takes the rest).
fn fields(mut data: &[u8], n: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let take = if i + 1 == n {
            data.len()
        } else {
            match data.split_first() {
                Some((len, rest)) => {
                    data = rest;
                    usize::from(*len).min(data.len())
                }
                None => 0,
            }
        };
        let (field, rest) = data.split_at(take);
        out.push(String::from_utf8_lossy(field).into_owned());
        data = rest;
    }
    out
}

fn refused(e: &mailoauth::Error) {
    assert!(
        matches!(e.code(), "invalid_input" | "invalid_client_id"),
        "{e}"
    );
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let f = fields(data, 5);
    let (client_id, secret, scope, state, verifier) = (&f[0], &f[1], &f[2], &f[3], &f[4]);
    let scopes: Vec<String> = scope.split(' ').map(str::to_owned).collect();
    // A client id is sent trimmed (mailoauth::ClientId::new); everything else unchanged.
    let sent_id = client_id.trim();

    // Client credentials: the body decodes to exactly the fields given (scope normalised to
    // single spaces between its tokens).
    match token::build_client_credentials_request(
        TOKEN_URL,
        client_id,
        scope,
        &ClientAuth::Secret(Secret::new(secret.as_str())),
    ) {
        Ok(req) => {
            let joined = scope
                .split(' ')
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            assert_eq!(
                req.form_fields(),
                pairs(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", sent_id),
                    ("scope", &joined),
                    ("client_secret", secret),
                ])
            );
            assert_eq!(req.url, TOKEN_URL);
        }
        Err(e) => refused(&e),
    }

    // Refresh: the refresh token (here: the secret field) and scopes come back unchanged.
    match token::build_refresh_request(
        TOKEN_URL,
        client_id,
        &Secret::new(secret.as_str()),
        &scopes,
        &ClientAuth::None,
    ) {
        Ok(req) => {
            let mut want = vec![
                ("grant_type", "refresh_token"),
                ("client_id", sent_id),
                ("refresh_token", secret.as_str()),
            ];
            if !scope.is_empty() {
                want.push(("scope", scope));
            }
            assert_eq!(req.form_fields(), pairs(&want));
        }
        Err(e) => refused(&e),
    }

    // PKCE: an accepted verifier has the S256 challenge of the RFC and travels unchanged in the
    // authorization-code request.
    match Pkce::from_verifier(verifier) {
        Ok(p) => {
            assert_eq!(p.challenge(), pkce::s256_challenge(verifier));
            assert!(pkce::is_s256_challenge(p.challenge()));
            match token::build_auth_code_request(
                TOKEN_URL,
                client_id,
                &Secret::new(secret.as_str()),
                REDIRECT,
                p.verifier(),
                &[],
                &ClientAuth::None,
            ) {
                Ok(req) => {
                    let fields = req.form_fields();
                    assert!(fields.contains(&("code_verifier".to_owned(), verifier.clone())));
                    assert!(fields.contains(&("code".to_owned(), secret.clone())));
                }
                Err(e) => refused(&e),
            }
        }
        Err(e) => refused(&e),
    }

    // Authorize URL: state, scopes, login hint and client id come back from the query.
    let challenge = pkce::s256_challenge(verifier);
    let req = AuthorizeRequest {
        authorize_url: AUTHORIZE_URL.to_owned(),
        client_id: client_id.clone(),
        redirect_uri: REDIRECT.to_owned(),
        scopes: scopes.clone(),
        state: state.clone(),
        code_challenge: challenge.clone(),
        response_mode: None,
        prompt: None,
        login_hint: Some(secret.clone()),
        domain_hint: None,
    };
    match build_authorize_url(&req) {
        Ok(u) => {
            let parsed = url::Url::parse(&u).expect("an authorize URL parses");
            assert!(u.starts_with(AUTHORIZE_URL));
            let q: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
            let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
            assert_eq!(get("client_id"), Some(sent_id));
            assert_eq!(get("state"), Some(state.as_str()));
            assert_eq!(get("scope"), Some(scope.as_str()));
            assert_eq!(get("code_challenge"), Some(challenge.as_str()));
            assert_eq!(get("redirect_uri"), Some(REDIRECT));
            assert_eq!(
                get("login_hint"),
                (!secret.is_empty()).then_some(secret.as_str())
            );
        }
        Err(e) => refused(&e),
    }

    // Redirect: a code and state the client could receive parse back unchanged.
    if !state.is_empty() && !secret.is_empty() {
        let mut redirect = url::Url::parse(REDIRECT).expect("a valid redirect");
        redirect
            .query_pairs_mut()
            .append_pair("code", secret)
            .append_pair("state", state);
        match parse_authorize_redirect(redirect.as_str(), state, None) {
            Ok(c) => {
                assert_eq!(c.code.expose_secret(), secret);
                assert_eq!(&c.state, state);
            }
            Err(e) => panic!("a well-formed redirect must parse: {e}"),
        }
    }
});
