//! wasm-bindgen-test in headless Chromium through chromedriver (bindings-wasm/run-tests).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
mod common;
