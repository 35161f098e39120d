//! The error of reading an action's name; the conversions of each version's `Action` are
//! generated beside it.

/// A name that is not one of a version's actions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown webhook action `{0}`")]
pub struct UnknownAction(pub String);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{v3_5, v3_6};

    #[test]
    fn every_action_round_trips_through_its_name() {
        for name in v3_5::Action::ALL.map(v3_5::Action::as_str) {
            let action = name.parse::<v3_5::Action>();
            assert_eq!(action.map(|a| a.to_string()), Ok(name.to_owned()));
        }
        for name in v3_6::Action::ALL.map(v3_6::Action::as_str) {
            let action = name.parse::<v3_6::Action>();
            assert_eq!(action.map(|a| a.to_string()), Ok(name.to_owned()));
        }
    }

    #[test]
    fn unknown_names_are_errors() {
        assert_eq!(
            "create_group".parse::<v3_6::Action>(),
            Err(UnknownAction("create_group".to_owned()))
        );
    }
}
