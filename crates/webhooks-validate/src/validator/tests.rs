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
    let date = violation("format", "\"x\" is not a \"date-time\"");
    assert!(matches!(
        verdict(action, vec![date], || true),
        ValidationError::Disagreement(_)
    ));
}

#[test]
fn rules_only_the_schema_enforces_are_plain_violations() {
    for (keyword, message) in [
        ("minItems", "m"),
        ("format", "\"x\" is not a \"uri\""),
        ("not", "m"),
        ("additionalProperties", "m"),
    ] {
        let error = verdict("thread_tagged", vec![violation(keyword, message)], || {
            panic!("the types need not be asked about {keyword}")
        });
        assert!(matches!(error, ValidationError::Invalid(_)), "{keyword}");
    }
}

#[test]
fn what_a_condition_requires_is_left_to_the_schema() {
    let mut required = violation("required", "\"text\" is a required property");
    required.schema = "definitions/events.json#/definitions/Message/then/required".to_owned();
    let error = verdict("incoming_event", vec![required.clone()], || true);
    assert!(matches!(error, ValidationError::Invalid(_)), "{error:?}");
    required.schema = "definitions/events.json#/definitions/Message/required".to_owned();
    let error = verdict("incoming_event", vec![required], || true);
    assert!(
        matches!(error, ValidationError::Disagreement(_)),
        "{error:?}"
    );
}
