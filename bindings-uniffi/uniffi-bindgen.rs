//! The `uniffi-bindgen` command, built from this crate so the generator always matches the
//! UniFFI version of the scaffolding (`make uniffi-bindings` runs it in library mode).
fn main() {
    uniffi::uniffi_bindgen_main()
}
