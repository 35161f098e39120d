//! The accepted secret keys, compared in constant time.

use std::fmt;
use std::path::Path;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The secrets could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// The file could not be read.
    #[error("cannot read secret key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The environment variable is missing or not UTF-8.
    #[error("environment variable {0} is not set or not UTF-8")]
    Env(String),
    /// No secret at all.
    #[error("{0} holds no secret key (one per line)")]
    Empty(String),
}

/// One or more accepted `secret_key`s: one per registration, or old and new during a rotation.
///
/// Only SHA-256 digests are kept; a received secret is hashed and compared with every digest,
/// each comparison in constant time and without stopping at a match, so timing tells neither
/// which secret matched nor how much of one did. `Debug` shows only the count.
#[derive(Clone)]
pub struct SecretKeys {
    digests: Vec<[u8; 32]>,
}

impl fmt::Debug for SecretKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKeys({} redacted)", self.digests.len())
    }
}

/// The secrets of a text of one per line: each line trimmed, empty ones left out.
pub(crate) fn secret_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|line| !line.is_empty())
}

/// The text of a file of secrets.
pub(crate) fn read_file(path: &Path) -> Result<String, SecretsError> {
    std::fs::read_to_string(path).map_err(|source| SecretsError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// The text of an environment variable of secrets.
pub(crate) fn read_env(var: &str) -> Result<String, SecretsError> {
    std::env::var(var).map_err(|_| SecretsError::Env(var.to_owned()))
}

fn digest(secret: &[u8]) -> [u8; 32] {
    Sha256::digest(secret).into()
}

impl SecretKeys {
    /// The given secrets; empty strings are left out.
    pub fn new<S: AsRef<str>>(secrets: impl IntoIterator<Item = S>) -> Self {
        let digests = secrets
            .into_iter()
            .filter(|s| !s.as_ref().is_empty())
            .map(|s| digest(s.as_ref().as_bytes()))
            .collect();
        Self { digests }
    }

    /// Secrets from text, one per line (surrounding whitespace and empty lines ignored).
    pub fn from_lines(text: &str) -> Self {
        Self::new(secret_lines(text))
    }

    /// Secrets from a file, one per line.
    pub fn from_file(path: &Path) -> Result<Self, SecretsError> {
        let text = read_file(path)?;
        let keys = Self::from_lines(&text);
        if keys.is_empty() {
            return Err(SecretsError::Empty(path.display().to_string()));
        }
        Ok(keys)
    }

    /// Secrets from an environment variable, one per line.
    pub fn from_env(var: &str) -> Result<Self, SecretsError> {
        let text = read_env(var)?;
        let keys = Self::from_lines(&text);
        if keys.is_empty() {
            return Err(SecretsError::Empty(var.to_owned()));
        }
        Ok(keys)
    }

    /// How many secrets are accepted.
    pub fn len(&self) -> usize {
        self.digests.len()
    }

    /// Whether no secret is accepted (then every delivery is refused).
    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// Whether `received` is one of the secrets.
    pub fn accepts(&self, received: &str) -> bool {
        let candidate = digest(received.as_bytes());
        let mut found = subtle::Choice::from(0);
        for expected in &self.digests {
            found |= expected.ct_eq(&candidate);
        }
        found.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_of_several_secrets_is_accepted() {
        let keys = SecretKeys::from_lines("old\n\n  new  \n");
        assert_eq!(keys.len(), 2);
        assert!(keys.accepts("old"));
        assert!(keys.accepts("new"));
        assert!(!keys.accepts("ne"));
        assert!(!keys.accepts(""));
        assert!(!format!("{keys:?}").contains("old"));
    }

    #[test]
    fn empty_and_missing_sources_are_errors() {
        let dir = std::env::temp_dir().join(format!("secrets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let empty = dir.join("empty");
        std::fs::write(&empty, "\n \n").expect("write");
        assert!(matches!(
            SecretKeys::from_file(&empty),
            Err(SecretsError::Empty(_))
        ));
        assert!(matches!(
            SecretKeys::from_file(&dir.join("absent")),
            Err(SecretsError::Io { .. })
        ));
        assert!(SecretKeys::from_env("WEBHOOKS_RECEIVER_TEST_UNSET_VARIABLE").is_err());
        assert!(SecretKeys::new([""]).is_empty());
    }
}
