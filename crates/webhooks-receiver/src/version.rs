//! The API versions, as the receiver uses them: each version's validator and identity rules.
//! The versions themselves are `webhooks_types::ApiVersion`, generated from the workspace's
//! one list of versions.

use webhooks_types::ApiVersion;
use webhooks_validate::{BuildError, Validator};

use crate::identity::{IdentityError, IdentityRules};

/// The identity rules of `version` (its file of `schemas/identity/`, embedded).
pub fn identity(version: ApiVersion) -> Result<IdentityRules, IdentityError> {
    IdentityRules::from_json(crate::generated::identity::json(version))
}

/// The validator of `version`, every schema compiled before the first delivery.
pub(crate) fn validator(version: ApiVersion) -> Result<Validator, BuildError> {
    Validator::builder()
        .api_version(version)
        .precompile(true)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_version_has_identity_rules_for_its_own_actions() {
        for version in ApiVersion::ALL {
            let rules = identity(version).unwrap_or_else(|e| panic!("{version}: {e}"));
            assert!(rules.keyed_actions().count() >= 3, "{version}");
            for action in rules.keyed_actions() {
                assert!(
                    version.knows_action(action),
                    "{version}: `{action}` has a key but is not an action of the version"
                );
            }
            assert!(validator(version).is_ok(), "{version}");
        }
        let newest = ApiVersion::ALL[ApiVersion::ALL.len() - 1];
        let keyed = identity(newest).expect("rules");
        let deleted = "event_deleted";
        assert_eq!(
            keyed.keyed_actions().any(|a| a == deleted),
            newest.knows_action(deleted)
        );
    }
}
