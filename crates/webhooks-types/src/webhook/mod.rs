//! The webhook envelope and its parse.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::de::Text;
use crate::location::line_column;
use crate::{ParseError, ParseErrorKind, SecretKey, VersionPayload};

use crate::unique::fields::{Checked, Undocumented};
use error::{duplicate_key, envelope_error, not_an_object, payload_error};

mod error;
mod fast;

/// One webhook delivery: the envelope fields and the payload typed by action, for the version
/// of `P`. Each version module names it: `v3_6::Webhook` is `Envelope<v3_6::Payload>`.
///
/// Parse it with [`Envelope::from_slice`] or [`str::parse`]; serializing gives back the
/// documented fields as received (fields the schemas do not document are not kept).
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope<P: VersionPayload> {
    /// ID of the registered webhook (the registration, not the delivery: every delivery of
    /// one registration carries it).
    pub webhook_id: P::WebhookId,
    /// The secret given at registration; check it with [`Envelope::verify_secret`].
    pub secret_key: SecretKey,
    /// ID of the organization.
    pub organization_id: P::OrganizationId,
    /// The payload, typed by action. Its `Unknown` variant holds actions the version does not
    /// know.
    pub payload: P,
    /// Who made the change, on the configuration webhooks of the versions that document it
    /// (from v3.6); always `None` in the others.
    pub requester: Option<P::Requester>,
    /// Extra data of the delivery; configuration actions send it empty. Most actions must
    /// carry it (the version's `Action::requires_additional_data`).
    pub additional_data: Option<P::AdditionalData>,
}

/// Where the payload stands after the envelope pass.
enum PayloadSlot<'a, P> {
    /// `action` came first: the payload was read typed, in the same pass.
    Typed(P),
    /// `payload` came before `action`: kept as raw text, read once the action is known.
    Raw(&'a RawValue),
}

/// The envelope as read in one pass over the text. LiveChat sends `action` before `payload`,
/// so the payload is usually read typed right away; otherwise it is kept as raw text.
struct Parsed<'a, P: VersionPayload> {
    webhook_id: P::WebhookId,
    secret_key: SecretKey,
    action: Cow<'a, str>,
    organization_id: P::OrganizationId,
    payload: PayloadSlot<'a, P>,
    requester: Option<P::Requester>,
    additional_data: Option<P::AdditionalData>,
}

impl<'de, P: VersionPayload> Deserialize<'de> for Parsed<'de, P> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EnvelopeVisitor(PhantomData))
    }
}

struct EnvelopeVisitor<P>(PhantomData<P>);

/// Reads the payload of one action with the deserializer it is given.
struct PayloadSeed<'s, P>(&'s str, PhantomData<P>);

impl<'de, P: VersionPayload> serde::de::DeserializeSeed<'de> for PayloadSeed<'_, P> {
    type Value = P;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<P, D::Error> {
        P::deserialize_for(self.0, deserializer)
    }
}

impl<'de, P: VersionPayload> serde::de::Visitor<'de> for EnvelopeVisitor<P> {
    type Value = Parsed<'de, P>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a webhook object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        /// Reads the value of the member `name` into its empty `slot`.
        fn fill<'de, T: Deserialize<'de>, A: serde::de::MapAccess<'de>>(
            map: &mut A,
            slot: &mut Option<T>,
            name: &'static str,
        ) -> Result<(), A::Error> {
            once(slot, name)?;
            *slot = Some(map.next_value()?);
            Ok(())
        }
        fn once<T, E: serde::de::Error>(slot: &Option<T>, name: &'static str) -> Result<(), E> {
            match slot {
                Some(_) => Err(E::duplicate_field(name)),
                None => Ok(()),
            }
        }
        let mut webhook_id = None;
        let mut secret_key = None;
        let mut action: Option<Text<'de>> = None;
        let mut organization_id = None;
        let mut payload = None;
        let mut requester = None;
        let mut additional_data = None;
        let mut undocumented = Undocumented::default();
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            match key.as_ref() {
                "webhook_id" => fill(&mut map, &mut webhook_id, "webhook_id")?,
                "secret_key" => fill(&mut map, &mut secret_key, "secret_key")?,
                "action" => fill(&mut map, &mut action, "action")?,
                "organization_id" => fill(&mut map, &mut organization_id, "organization_id")?,
                "payload" => {
                    once(&payload, "payload")?;
                    payload = Some(match &action {
                        Some(action) => {
                            let seed = PayloadSeed(&action.0, PhantomData);
                            PayloadSlot::Typed(map.next_value_seed(seed)?)
                        }
                        None => PayloadSlot::Raw(map.next_value()?),
                    });
                }
                "requester" if P::HAS_REQUESTER => fill(&mut map, &mut requester, "requester")?,
                "additional_data" => fill(&mut map, &mut additional_data, "additional_data")?,
                _ => {
                    // Skipped, but its keys are checked all the same.
                    undocumented.insert(key)?;
                    map.next_value_seed(Checked::<serde::de::IgnoredAny>(PhantomData))?;
                }
            }
        }
        let Text(action) = action.ok_or_else(|| A::Error::missing_field("action"))?;
        if additional_data.is_none() && P::requires_additional_data(&action) {
            return Err(A::Error::missing_field("additional_data"));
        }
        Ok(Parsed {
            webhook_id: webhook_id.ok_or_else(|| A::Error::missing_field("webhook_id"))?,
            secret_key: secret_key.ok_or_else(|| A::Error::missing_field("secret_key"))?,
            action,
            organization_id: organization_id
                .ok_or_else(|| A::Error::missing_field("organization_id"))?,
            payload: payload.ok_or_else(|| A::Error::missing_field("payload"))?,
            requester,
            additional_data,
        })
    }
}

impl<P: VersionPayload> Envelope<P> {
    /// The action, or `None` for an action this version does not know.
    pub fn action(&self) -> Option<P::Action> {
        self.payload.action()
    }

    /// The action's name as received.
    pub fn action_name(&self) -> &str {
        self.payload.action_name()
    }

    /// Whether the delivery carries the expected secret (compared in constant time).
    pub fn verify_secret(&self, expected: &str) -> bool {
        self.secret_key.matches(expected)
    }

    /// Parses a webhook body.
    ///
    /// An action the version does not know gives the payload's `Unknown` variant; fields the schemas do
    /// not document are ignored. A key twice in one object is an error
    /// ([`find_duplicate_key`](crate::find_duplicate_key)). Anything else that does not fit is a [`ParseError`] saying
    /// where and why.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, ParseError> {
        Self::parse(utf8(bytes)?)
    }

    /// The fast path's webhook (`None` where it leaves the body to serde's path) and serde's
    /// path's result, each run on its own: what the tests compare.
    #[doc(hidden)]
    pub fn both_paths(bytes: &[u8]) -> (Option<Self>, Result<Self, ParseError>) {
        match utf8(bytes) {
            Ok(text) => (Self::read_fast(text), Self::parse_serde(text)),
            Err(error) => (None, Err(error)),
        }
    }

    /// One pass over `text`: the generated readers (`crate::fast`), or serde's path where they
    /// leave the body to it.
    fn parse(text: &str) -> Result<Self, ParseError> {
        match Self::read_fast(text) {
            Some(webhook) => Ok(webhook),
            None => Self::parse_serde(text),
        }
    }

    /// One pass over `text` with serde, duplicate keys checked as the types read it (each
    /// struct its own object, the adapter what the types skip); the error path reports the first
    /// duplicate key if there is one, else what the parse found.
    fn parse_serde(text: &str) -> Result<Self, ParseError> {
        if let Some(error) = not_an_object::<P>(text) {
            return Err(error);
        }
        let envelope: Parsed<'_, P> = read(text, |de| Parsed::deserialize(de))
            .map_err(|e| duplicate_key(text).unwrap_or_else(|| envelope_error::<P>(text, e)))?;
        let payload = match envelope.payload {
            PayloadSlot::Typed(payload) => payload,
            PayloadSlot::Raw(raw) => {
                let raw = raw.get();
                read(raw, |de| P::deserialize_for(&envelope.action, de)).map_err(|e| {
                    duplicate_key(text)
                        .unwrap_or_else(|| payload_error::<P>(text, raw, &envelope.action, e))
                })?
            }
        };
        Ok(Self {
            webhook_id: envelope.webhook_id,
            secret_key: envelope.secret_key,
            organization_id: envelope.organization_id,
            payload,
            requester: envelope.requester,
            additional_data: envelope.additional_data,
        })
    }
}

/// `bytes` as text, or where they are not UTF-8.
fn utf8(bytes: &[u8]) -> Result<&str, ParseError> {
    // The SIMD check tells valid text; std's says where invalid text breaks.
    if let Ok(text) = simdutf8::basic::from_utf8(bytes) {
        return Ok(text);
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_column(bytes, e.valid_up_to());
        ParseError {
            kind: ParseErrorKind::Syntax,
            pointer: String::new(),
            line,
            column,
            message: format!("input is not UTF-8: {e}"),
        }
    })
}

/// Reads the whole of `text` with `deserialize`.
fn read<'de, T>(
    text: &'de str,
    deserialize: impl FnOnce(
        &mut serde_json::Deserializer<serde_json::de::StrRead<'de>>,
    ) -> Result<T, serde_json::Error>,
) -> Result<T, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

impl<P: VersionPayload> FromStr for Envelope<P> {
    type Err = ParseError;

    /// Parses a webhook body; see [`Envelope::from_slice`].
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl<P: VersionPayload> Serialize for Envelope<P> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len =
            5 + usize::from(self.requester.is_some()) + usize::from(self.additional_data.is_some());
        let mut map = serializer.serialize_map(Some(len))?;
        map.serialize_entry("webhook_id", &self.webhook_id)?;
        map.serialize_entry("secret_key", &self.secret_key)?;
        map.serialize_entry("action", self.action_name())?;
        map.serialize_entry("organization_id", &self.organization_id)?;
        map.serialize_entry("payload", &self.payload)?;
        if let Some(requester) = &self.requester {
            map.serialize_entry("requester", requester)?;
        }
        if let Some(additional) = &self.additional_data {
            map.serialize_entry("additional_data", additional)?;
        }
        map.end()
    }
}

/// Deserializes from any serde format. [`Envelope::from_slice`] is faster for JSON and gives
/// better error locations.
impl<'de, P: VersionPayload> Deserialize<'de> for Envelope<P> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(bound = "")]
        struct Owned<P: VersionPayload> {
            webhook_id: P::WebhookId,
            secret_key: SecretKey,
            action: String,
            organization_id: P::OrganizationId,
            payload: serde_json::Value,
            #[serde(default)]
            requester: Option<serde_json::Value>,
            #[serde(default, deserialize_with = "present")]
            additional_data: Option<P::AdditionalData>,
        }
        /// A member that, when present, is not `null`.
        fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
            deserializer: D,
        ) -> Result<Option<T>, D::Error> {
            T::deserialize(deserializer).map(Some)
        }
        let owned = Owned::<P>::deserialize(deserializer)?;
        if owned.additional_data.is_none() && P::requires_additional_data(&owned.action) {
            return Err(D::Error::missing_field("additional_data"));
        }
        let payload = P::deserialize_for(&owned.action, owned.payload)
            .map_err(|e| D::Error::custom(format_args!("payload: {e}")))?;
        let requester = match owned.requester.filter(|_| P::HAS_REQUESTER) {
            Some(value) => Some(
                P::Requester::deserialize(value)
                    .map_err(|e| D::Error::custom(format_args!("requester: {e}")))?,
            ),
            None => None,
        };
        Ok(Self {
            webhook_id: owned.webhook_id,
            secret_key: owned.secret_key,
            organization_id: owned.organization_id,
            payload,
            requester,
            additional_data: owned.additional_data,
        })
    }
}

#[cfg(test)]
mod tests;
