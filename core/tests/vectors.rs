//! The Rust runner of the shared conformance vectors (`tests/vectors/README.md`).
//!
//! Reads every `*.json` file of `$MAILOAUTH_VECTORS` (default: the repository's `tests/vectors`),
//! runs every vector, names each failure as `file:name`, fails on unknown kinds and unreadable
//! files, and prints exactly one line `vectors: rust ran N, failed F`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    // The runner, not the core, reads the folder named by the environment.
    clippy::disallowed_methods
)]

mod vectors {
    pub mod diagnose;
    pub mod identity;
    pub mod mail;
    pub mod providers;
    pub mod sasl;
    pub mod support;
    pub mod tokens;
}

use serde_json::Value;
use std::path::PathBuf;
use vectors::support::Outcome;

fn dispatch(kind: &str, v: &Value) -> Outcome {
    match kind {
        "xoauth2" | "oauthbearer" | "sasl_error_challenge" => vectors::sasl::run(kind, v),
        "imap_auth" | "pop_auth" | "smtp_auth" | "diagnose_reply" => vectors::mail::run(kind, v),
        "pkce_s256"
        | "admin_consent_url"
        | "admin_consent_redirect"
        | "authorize_redirect"
        | "client_credentials_request"
        | "cloud_preset" => vectors::identity::run(kind, v),
        "token_response" | "device_authorization_response" | "device_poll_response" => {
            vectors::tokens::run(kind, v)
        }
        "well_known_urls" | "provider_metadata" | "provider_preset" | "provider_request"
        | "certificate_pem" | "private_key_pem" => vectors::providers::run(kind, v),
        "diagnose_token_error" | "access_token_lint" | "config_lint" | "runbook" => {
            vectors::diagnose::run(kind, v)
        }
        other => Err(format!("unknown vector kind {other:?}")),
    }
}

fn main() {
    let dir = std::env::var_os("MAILOAUTH_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors"));
    let mut failures: Vec<String> = Vec::new();
    let mut ran = 0usize;
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect(),
        Err(e) => {
            println!("vectors: rust ran 0, failed 1");
            eprintln!("cannot read vector folder {}: {e}", dir.display());
            std::process::exit(1);
        }
    };
    files.sort();
    for path in &files {
        let fname = path.file_name().unwrap().to_string_lossy().into_owned();
        let doc: Value = match std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
        {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("{fname}: cannot parse: {e}"));
                continue;
            }
        };
        if doc.get("schema").and_then(Value::as_u64) != Some(1) {
            failures.push(format!("{fname}: schema is not 1"));
            continue;
        }
        let Some(list) = doc.get("vectors").and_then(Value::as_array) else {
            failures.push(format!("{fname}: no \"vectors\" array"));
            continue;
        };
        for v in list {
            ran += 1;
            let name = v.get("name").and_then(Value::as_str).unwrap_or("<unnamed>");
            let kind = v.get("kind").and_then(Value::as_str).unwrap_or("<no kind>");
            let result = std::panic::catch_unwind(|| dispatch(kind, v))
                .unwrap_or_else(|_| Err("the runner panicked".to_owned()));
            if let Err(msg) = result {
                failures.push(format!("{fname}:{name} ({kind}): {msg}"));
            }
        }
    }
    for f in &failures {
        eprintln!("FAILED {f}");
    }
    println!("vectors: rust ran {ran}, failed {}", failures.len());
    if !failures.is_empty() {
        std::process::exit(1);
    }
}
