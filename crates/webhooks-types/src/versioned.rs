//! What the version-independent envelope needs from a version's generated `Payload`.

use std::fmt::Debug;
use std::hash::Hash;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::ApiVersion;

/// Implemented by the generated `Payload` of each API version (`v3_6::Payload`, ...) and by
/// nothing else: it gives [`Envelope`](crate::Envelope) the version's envelope types and its
/// payload parse.
pub trait VersionPayload: Sized + Clone + Debug + PartialEq + Serialize + Sealed {
    /// The version's list of actions.
    type Action: Copy + Debug + Eq + Hash + std::fmt::Display;
    /// ID of the registered webhook.
    type WebhookId: Field + crate::fast::Fast + std::ops::Deref<Target = crate::CompactString>;
    /// ID of the organization.
    type OrganizationId: Field + crate::fast::Fast + std::ops::Deref<Target = crate::CompactString>;
    /// Extra data of the delivery.
    type AdditionalData: Field + crate::fast::Fast;
    /// Who made the change a configuration webhook reports ([`NoRequester`] where the version
    /// documents none).
    type Requester: Field + crate::fast::Fast;

    /// The version whose schemas the payload was generated from.
    const API_VERSION: ApiVersion;
    /// Whether the version's envelope documents `requester`; where it does not, a `requester`
    /// member is ignored like any other undocumented one.
    const HAS_REQUESTER: bool;

    /// Deserializes the payload of the action named `action` (an unknown action keeps it
    /// untyped).
    fn deserialize_for<'de, D>(action: &str, deserializer: D) -> Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>;

    /// The payload's action, or `None` for an action the version does not know.
    fn action(&self) -> Option<Self::Action>;

    /// The action's name on the wire.
    fn action_name(&self) -> &str;

    /// Whether a webhook of `action` must carry `additional_data`; unknown actions need not.
    fn requires_additional_data(action: &str) -> bool;
}

/// What an envelope member's type must be able to do.
pub trait Field: Clone + Debug + PartialEq + Serialize + DeserializeOwned {}

impl<T: Clone + Debug + PartialEq + Serialize + DeserializeOwned> Field for T {}

/// Keeps [`VersionPayload`] to the generated payloads, and gives the envelope their fast
/// reader.
#[doc(hidden)]
pub trait Sealed: Sized {
    /// Reads the payload of the action named `action` on the fast path (`crate::fast`).
    fn read_fast(action: &str, reader: &mut crate::fast::Reader<'_>) -> Option<Self>;
}

/// The `requester` of a version that documents none: no value of it exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoRequester {}

impl crate::fast::Fast for NoRequester {
    /// There is no value to read: the envelope of a version without `requester` never asks.
    fn read(_: &mut crate::fast::Reader<'_>) -> Option<Self> {
        None
    }
}
