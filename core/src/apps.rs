//! Well-known public client applications (docs/protocol.md section 9).
//!
//! Admins often consent to, or sign in with, a mail client's public client id instead of
//! registering their own app. The Thunderbird id of the older articles was disabled around August
//! 2024 (sign-ins fail with AADSTS7000112); [`lookup`] flags it and names its replacement.

use serde::Serialize;

/// A well-known public client.
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(name = "WellKnownApp", module = "mailoauth", frozen, get_all, eq)
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(rename_all = "camelCase")
)]
pub struct WellKnownApp {
    /// Short name for command lines and pages (`thunderbird`, `apple-mail`, ...).
    pub name: &'static str,
    /// Human-readable name.
    pub display_name: &'static str,
    /// The application (client) id.
    pub client_id: &'static str,
    /// The redirect URI the app registers, when known.
    pub redirect_uri: Option<&'static str>,
    /// Whether Microsoft disabled this id.
    pub retired: bool,
    /// For a retired id: the `name` of the app that replaces it.
    pub replaced_by: Option<&'static str>,
    /// A note for the user.
    pub note: &'static str,
}

/// The table of docs/protocol.md section 9.
pub static WELL_KNOWN_APPS: &[WellKnownApp] = &[
    WellKnownApp {
        name: "thunderbird",
        display_name: "Mozilla Thunderbird",
        client_id: "9e5f94bc-e8a4-4e73-b8be-63364c29d753",
        redirect_uri: Some("https://localhost"),
        retired: false,
        replaced_by: None,
        note: "public client, no secret; redirect https://localhost",
    },
    WellKnownApp {
        name: "thunderbird-retired",
        display_name: "Mozilla Thunderbird (retired id)",
        client_id: "08162f7c-0fd2-4200-a84a-f25a4db0b584",
        redirect_uri: Some("https://localhost"),
        retired: true,
        replaced_by: Some("thunderbird"),
        note: "the id in older articles; disabled since about August 2024 (AADSTS7000112): use 9e5f94bc-e8a4-4e73-b8be-63364c29d753",
    },
    WellKnownApp {
        name: "apple-mail",
        display_name: "iOS / macOS Accounts (Apple Mail)",
        client_id: "f8d98a96-0999-43f5-8af3-69971c7bb423",
        redirect_uri: None,
        retired: false,
        replaced_by: None,
        note: "Apple's built-in mail accounts",
    },
    WellKnownApp {
        name: "gmail-app",
        display_name: "Gmail app / Android Mail",
        client_id: "2cee05de-2b8f-45a2-8289-2a06ca32c4c8",
        redirect_uri: None,
        retired: false,
        replaced_by: None,
        note: "labelled \"Gmail app\" in the seed table",
    },
];

/// Finds a well-known app by short name (case-insensitive) or by client id.
pub fn lookup(name_or_client_id: &str) -> Option<&'static WellKnownApp> {
    let q = name_or_client_id.trim();
    WELL_KNOWN_APPS
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(q) || a.client_id.eq_ignore_ascii_case(q))
}

/// The replacement of a retired app, when the id is a retired one.
pub fn replacement_for(client_id: &str) -> Option<&'static WellKnownApp> {
    let app = lookup(client_id)?;
    if !app.retired {
        return None;
    }
    app.replaced_by.and_then(lookup)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retired_thunderbird_points_to_current() {
        let old = lookup("08162F7C-0FD2-4200-A84A-F25A4DB0B584").unwrap();
        assert!(old.retired);
        assert_eq!(
            replacement_for(old.client_id).unwrap().client_id,
            "9e5f94bc-e8a4-4e73-b8be-63364c29d753"
        );
        assert!(replacement_for("9e5f94bc-e8a4-4e73-b8be-63364c29d753").is_none());
        assert_eq!(
            lookup("Thunderbird").unwrap().client_id,
            "9e5f94bc-e8a4-4e73-b8be-63364c29d753"
        );
        assert!(lookup("outlook").is_none());
        for a in WELL_KNOWN_APPS {
            assert!(crate::cloud::is_guid(a.client_id), "{}", a.name);
        }
    }
}
