//! wasm-bindgen-test in Node (bindings-wasm/run-tests).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
mod common;
