//! The compiled validator: verdicts, disagreements and the rules only the schemas check.

use super::*;
use crate::Violation;

#[test]
fn validator_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Validator>();
}

#[test]
fn every_embedded_schema_of_every_version_compiles_in_both_modes() {
    for version in ApiVersion::ALL {
        for strict in [false, true] {
            let validator = Validator::builder()
                .api_version(version)
                .strict(strict)
                .precompile(true)
                .build();
            assert!(
                validator.is_ok(),
                "{version} strict={strict}: {validator:?}"
            );
        }
    }
}

fn violation(keyword: &str, message: &str) -> Violation {
    Violation {
        pointer: "/payload/x".to_owned(),
        line: None,
        column: None,
        keyword: keyword.to_owned(),
        schema: String::new(),
        message: message.to_owned(),
    }
}

#[test]
fn a_typed_rule_broken_with_the_types_accepting_is_a_disagreement() {
    let action = "thread_tagged";
    for &keyword in TYPED_KEYWORDS {
        match verdict(action, vec![violation(keyword, "m")], || true) {
            ValidationError::Disagreement(d) => {
                assert!(d.typed.is_none());
                assert_eq!(d.action, "thread_tagged");
                assert_eq!(d.violations[0].keyword, keyword);
            }
            other => panic!("{keyword}: {other:?}"),
        }
        assert!(matches!(
            verdict(action, vec![violation(keyword, "m")], || false),
            ValidationError::Invalid(_)
        ));
    }
}

#[test]
fn undocumented_members_are_left_to_the_schemas() {
    let error = verdict(
        "thread_tagged",
        vec![violation("additionalProperties", "m")],
        || panic!("the types need not be asked about additionalProperties"),
    );
    assert!(matches!(error, ValidationError::Invalid(_)));
}
