//! The API versions the receiver knows, and the data that goes with each.

use std::fmt;
use std::str::FromStr;

use webhooks_validate::{BuildError, Validator};

use crate::identity::{IdentityError, IdentityRules};

/// A LiveChat Webhooks API version whose schemas this workspace holds.
///
/// Adding a version is one variant here, with its identity file in [`ApiVersion::identity_json`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ApiVersion {
    /// API v3.5.
    #[default]
    V3_5,
}

/// A version name this receiver has no schemas for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported API version `{0}` (supported: {supported})", supported = ApiVersion::supported_list())]
pub struct UnsupportedVersion(pub String);

impl ApiVersion {
    /// Every supported version, oldest first.
    pub const ALL: &'static [ApiVersion] = &[ApiVersion::V3_5];

    /// The version as written on the command line and in the docs ("3.5").
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V3_5 => "3.5",
        }
    }

    /// The identity rules of the version (`schemas/identity/v<version>.json`, embedded).
    pub fn identity_json(self) -> &'static str {
        match self {
            ApiVersion::V3_5 => include_str!("../identity/v3.5.json"),
        }
    }

    /// The parsed identity rules of the version.
    pub fn identity(self) -> Result<IdentityRules, IdentityError> {
        IdentityRules::from_json(self.identity_json())
    }

    /// A compiled validator for the version.
    pub fn validator(self) -> Result<Validator, BuildError> {
        match self {
            ApiVersion::V3_5 => Validator::new(),
        }
    }

    fn supported_list() -> String {
        let names: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
        names.join(", ")
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ApiVersion {
    type Err = UnsupportedVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bare = s.strip_prefix('v').unwrap_or(s);
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.as_str() == bare)
            .ok_or_else(|| UnsupportedVersion(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_by_name_only() {
        assert_eq!("3.5".parse(), Ok(ApiVersion::V3_5));
        assert_eq!("v3.5".parse(), Ok(ApiVersion::V3_5));
        let err = "3.9".parse::<ApiVersion>().expect_err("no v3.9 schemas");
        assert_eq!(
            err.to_string(),
            "unsupported API version `3.9` (supported: 3.5)"
        );
    }

    #[test]
    fn every_version_has_identity_rules_and_schemas() {
        for version in ApiVersion::ALL {
            let rules = version.identity();
            assert!(rules.is_ok(), "{version}: {rules:?}");
            assert!(version.validator().is_ok(), "{version}");
        }
    }

    #[test]
    fn the_embedded_identity_files_match_the_ones_beside_the_schemas() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/identity");
        for version in ApiVersion::ALL {
            let path = dir.join(format!("v{version}.json"));
            match std::fs::read_to_string(&path) {
                Ok(text) => assert_eq!(
                    text,
                    version.identity_json(),
                    "{} differs from crates/webhooks-receiver/identity/v{version}.json: copy it",
                    path.display()
                ),
                // A packaged crate has no workspace around it.
                Err(e) => eprintln!("skipped: {}: {e}", path.display()),
            }
        }
    }
}
