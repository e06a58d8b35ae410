//! The UniFFI binding of mailoauth: the cdylib from which `uniffi-bindgen` generates Kotlin,
//! Swift and Python sources (library mode, see the Makefile's `uniffi-bindings`).
//!
//! The exports themselves are the core's, behind its feature `uniffi` (`mailoauth::uniffi_api`
//! privately, configured by core/uniffi.toml): UniFFI makes one component of each crate, and the
//! records and enums derived on the core's own types belong to the core's component, so
//! everything the Kotlin package `dev.mailoauth` holds is declared there. This crate only links
//! the core into the shared library (and builds the pinned `uniffi-bindgen`).

pub use mailoauth;

// Keeps the core's `extern "C"` scaffolding in this cdylib even where a linker would drop the
// functions of a dependency that nothing in this crate calls.
mailoauth::uniffi_reexport_scaffolding!();
