//! The webhook's secret key, kept out of logs.

use std::fmt;

use compact_str::CompactString;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The `secret_key` of a webhook: the secret given when the webhook was registered.
///
/// Its `Debug` output is redacted, and comparisons compare the SHA-256 digests of the two
/// secrets in constant time, so that a receiver can check it without leaking it through logs
/// or timing: the time taken depends on the lengths of the two secrets, never on their content,
/// and there is no early exit when the lengths differ.
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SecretKey(CompactString);

impl SecretKey {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into().into())
    }

    /// Whether the secret equals `expected`: their SHA-256 digests are compared in constant
    /// time (digests of equal length whatever the secrets' lengths).
    pub fn matches(&self, expected: &str) -> bool {
        let ours = Sha256::digest(self.0.as_bytes());
        let theirs = Sha256::digest(expected.as_bytes());
        ours.as_slice().ct_eq(theirs.as_slice()).into()
    }

    /// The secret itself, for the rare code that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl PartialEq for SecretKey {
    fn eq(&self, other: &Self) -> bool {
        self.matches(&other.0)
    }
}

impl Eq for SecretKey {}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// Shows the secret redacted, like `Debug`.
impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::str::FromStr for SecretKey {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.into()))
    }
}

impl From<String> for SecretKey {
    fn from(secret: String) -> Self {
        Self(secret.into())
    }
}

impl crate::fast::Fast for SecretKey {
    fn read(reader: &mut crate::fast::Reader<'_>) -> Option<Self> {
        reader.text().map(|text| Self(text.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_secret() {
        let key = SecretKey::new("hunter2");
        assert!(!format!("{key:?}").contains("hunter2"));
        assert!(!format!("{key}").contains("hunter2"));
    }

    #[test]
    fn matches_only_the_same_secret() {
        let key = SecretKey::new("hunter2");
        assert!(key.matches("hunter2"));
        assert!(!key.matches("hunter3"));
        assert!(!key.matches("hunter"));
        assert!(!key.matches("hunter22"));
        assert!(!key.matches(""));
        assert!(SecretKey::new("").matches(""));
    }
}
