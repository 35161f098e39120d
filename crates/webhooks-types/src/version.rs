//! Reading and writing [`ApiVersion`], and what a version says about an action of another.

use std::fmt;
use std::str::FromStr;

use crate::ApiVersion;

/// A version this crate does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported API version `{given}` (supported: {})", supported())]
pub struct UnknownVersion {
    /// The text given.
    pub given: String,
}

fn supported() -> String {
    let names: Vec<&str> = ApiVersion::ALL.iter().map(|v| v.name()).collect();
    names.join(", ")
}

impl FromStr for ApiVersion {
    type Err = UnknownVersion;

    /// Reads `3.6` or `v3.6`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let name = text.strip_prefix('v').unwrap_or(text);
        ApiVersion::ALL
            .into_iter()
            .find(|v| v.name() == name)
            .ok_or_else(|| UnknownVersion {
                given: text.to_owned(),
            })
    }
}

impl fmt::Display for ApiVersion {
    /// Writes `3.6`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl ApiVersion {
    /// Whether `action` is one of the version's actions.
    pub fn knows_action(self, action: &str) -> bool {
        self.action_names().contains(&action)
    }

    /// Where an action this version does not know stands in the others, for an error
    /// message: `it exists from v3.6`, `it was removed in v3.6; it exists in v3.5`, or `None`
    /// when no version knows it (or this one does).
    pub fn whereabouts(self, action: &str) -> Option<String> {
        if self.knows_action(action) {
            return None;
        }
        let knowing: Vec<ApiVersion> = ApiVersion::ALL
            .into_iter()
            .filter(|v| v.knows_action(action))
            .collect();
        let (first, last) = (knowing.first()?, knowing.last()?);
        let list = |versions: &[ApiVersion]| {
            let names: Vec<String> = versions.iter().map(|v| format!("v{v}")).collect();
            names.join(", ")
        };
        Some(if *first > self {
            format!("it exists from v{first}")
        } else if *last < self {
            let removed = ApiVersion::ALL
                .into_iter()
                .find(|v| v > last)
                .unwrap_or(self);
            format!(
                "it was removed in v{removed}; it exists in {}",
                list(&knowing)
            )
        } else {
            format!("it exists in {}", list(&knowing))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_read_back_from_their_names() {
        for version in ApiVersion::ALL {
            assert_eq!(version.name().parse(), Ok(version));
            assert_eq!(format!("v{version}").parse(), Ok(version));
        }
        let error = "3.9".parse::<ApiVersion>().expect_err("unknown");
        assert_eq!(error.given, "3.9");
        assert!(
            error.to_string().contains(ApiVersion::STABLE.name()),
            "{error}"
        );
        assert!(
            ApiVersion::ALL.windows(2).all(|w| w[0] < w[1]),
            "oldest first"
        );
    }

    #[test]
    fn an_action_of_another_version_says_where_it_exists() {
        let oldest = ApiVersion::ALL[0];
        for version in ApiVersion::ALL {
            for action in version.action_names() {
                assert!(version.knows_action(action));
                assert_eq!(version.whereabouts(action), None);
                for other in ApiVersion::ALL
                    .into_iter()
                    .filter(|o| !o.knows_action(action))
                {
                    let said = other.whereabouts(action).expect("another version knows it");
                    let expected = if other < version {
                        format!("it exists from v{}", first_knowing(action))
                    } else {
                        "it was removed in v".to_owned()
                    };
                    assert!(said.starts_with(&expected), "{action} in {other}: {said}");
                }
            }
        }
        assert_eq!(oldest.whereabouts("no_such_action"), None);
    }

    fn first_knowing(action: &str) -> ApiVersion {
        ApiVersion::ALL
            .into_iter()
            .find(|v| v.knows_action(action))
            .expect("known")
    }
}
