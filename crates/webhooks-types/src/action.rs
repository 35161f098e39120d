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

    /// Every name reads back into an action that writes the same name.
    fn round_trip<A>(names: impl IntoIterator<Item = &'static str>)
    where
        A: std::str::FromStr<Err = UnknownAction> + std::fmt::Display,
    {
        for name in names {
            let action = name.parse::<A>().map(|a| a.to_string());
            assert_eq!(action, Ok(name.to_owned()));
        }
    }

    #[test]
    fn every_action_round_trips_through_its_name() {
        round_trip::<v3_5::Action>(v3_5::Action::ALL.map(v3_5::Action::as_str));
        round_trip::<v3_6::Action>(v3_6::Action::ALL.map(v3_6::Action::as_str));
    }

    #[test]
    fn unknown_names_are_errors() {
        assert_eq!(
            "create_group".parse::<v3_6::Action>(),
            Err(UnknownAction("create_group".to_owned()))
        );
    }
}
