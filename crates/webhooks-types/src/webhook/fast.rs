//! The envelope on the fast path (`crate::fast`): one pass over the text with the generated
//! readers, `None` wherever serde's path must decide.

use std::borrow::Cow;

use crate::fast::{put, Fast, Reader};
use crate::VersionPayload;

use super::Envelope;

impl<P: VersionPayload> Envelope<P> {
    /// The webhook in `text`, or `None` for a body the fast path leaves to serde (an error of
    /// any kind, or a valid body it does not take: a float, an escaped member name, the payload
    /// before the action).
    pub(super) fn read_fast(text: &str) -> Option<Self> {
        let mut reader = Reader::new(text);
        let mut webhook_id = None;
        let mut secret_key = None;
        let mut action: Option<Cow<'_, str>> = None;
        let mut organization_id = None;
        let mut payload = None;
        let mut requester = None;
        let mut additional_data = None;
        let mut object = reader.object()?;
        while let Some(key) = object.key(&mut reader)? {
            match key {
                "webhook_id" => put(&mut webhook_id, Fast::read(&mut reader)?)?,
                "secret_key" => put(&mut secret_key, Fast::read(&mut reader)?)?,
                "action" => put(&mut action, reader.text()?)?,
                "organization_id" => put(&mut organization_id, Fast::read(&mut reader)?)?,
                "payload" => {
                    let name = action.as_deref()?;
                    put(&mut payload, P::read_fast(name, &mut reader)?)?;
                }
                "requester" if P::HAS_REQUESTER => {
                    put(&mut requester, Fast::read(&mut reader)?)?;
                }
                "additional_data" => put(&mut additional_data, Fast::read(&mut reader)?)?,
                _ => object.undocumented(&mut reader, key)?,
            }
        }
        if !reader.at_end()
            || additional_data.is_none() && P::requires_additional_data(action.as_deref()?)
        {
            return None;
        }
        Some(Self {
            webhook_id: webhook_id?,
            secret_key: secret_key?,
            organization_id: organization_id?,
            payload: payload?,
            requester,
            additional_data,
        })
    }
}
