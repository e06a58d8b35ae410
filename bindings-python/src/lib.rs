//! The python binding of mailoauth. Not built out yet: it re-exports the core so the workspace builds.
pub use mailoauth;
