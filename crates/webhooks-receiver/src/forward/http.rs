//! HTTP destinations: each delivery POSTed as a Standard Webhooks request, signed with a
//! `whsec_` secret.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use reqwest::Url;
use sha2::Sha256;

use super::{Destination, ForwardError, Message};

/// The prefix of a Standard Webhooks secret.
const PREFIX: &str = "whsec_";

/// Reads the base64 of a secret with or without its padding, as the Standard Webhooks
/// libraries do.
const SECRET_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A Standard Webhooks signing secret: the bytes that `whsec_<base64>` encodes. Never printed.
#[derive(Clone)]
pub struct SigningSecret(Vec<u8>);

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret(..)")
    }
}

/// A signing secret that cannot be used (the message never quotes the secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningSecretError {
    /// It does not start with `whsec_`.
    #[error("the forward secret must start with `whsec_`")]
    Prefix,
    /// What follows `whsec_` is not base64.
    #[error("the forward secret is not `whsec_` followed by base64")]
    Base64,
    /// It encodes no byte.
    #[error("the forward secret is empty after `whsec_`")]
    Empty,
}

impl SigningSecret {
    /// Reads `whsec_<base64>` (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<Self, SigningSecretError> {
        let encoded = text
            .trim()
            .strip_prefix(PREFIX)
            .ok_or(SigningSecretError::Prefix)?;
        let bytes = SECRET_BASE64
            .decode(encoded)
            .map_err(|_| SigningSecretError::Base64)?;
        if bytes.is_empty() {
            return Err(SigningSecretError::Empty);
        }
        Ok(Self(bytes))
    }

    /// The `webhook-signature` of a message: `v1,` and the base64 HMAC-SHA256 of
    /// `<id>.<timestamp>.<body>`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        // HMAC takes a key of any length.
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of every length"),
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// An HTTP destination that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum HttpDestinationError {
    /// Not a URL (the value is not quoted: it may hold credentials).
    #[error("a destination is not a URL: {0}")]
    Url(String),
    /// A URL with a password or a query string: credentials do not belong in a destination's
    /// URL, which is stored, logged and a metric label (the signature authenticates each
    /// request).
    #[error("`{0}`: give a destination URL without a password or query string (each request is signed: the destination verifies webhook-signature)")]
    Credentials(String),
    /// Not `http://`.
    #[error("`{0}`: forwarding supports http:// URLs (put a TLS proxy in front for https)")]
    Scheme(String),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// A Standard Webhooks endpoint. Each message is POSTed with `webhook-id` (the message id),
/// `webhook-timestamp` (the attempt's time, in seconds), `webhook-signature` and
/// `Content-Type: application/json`, the body the stored bytes. A 2xx answer takes it; any
/// other answer, or none, fails the attempt (a `Retry-After` in seconds is honoured).
/// Redirects are not followed.
pub struct HttpDestination {
    url: Url,
    key: String,
    client: reqwest::Client,
    secret: Arc<SigningSecret>,
}

/// Shows the key only: the URL may hold a password.
impl fmt::Debug for HttpDestination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpDestination")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl HttpDestination {
    /// A destination POSTing to `url`, signing with `secret`.
    pub fn new(url: &str, secret: Arc<SigningSecret>) -> Result<Self, HttpDestinationError> {
        let key = Self::key_of(url)?;
        let url = Url::parse(url).map_err(|e| HttpDestinationError::Url(e.to_string()))?;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("webhooks-receiver/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| HttpDestinationError::Client(e.to_string()))?;
        Ok(Self {
            url,
            key,
            client,
            secret,
        })
    }

    /// The key of the destination at `url`, as stored in the inbox, logged and used as a
    /// metric label: the URL normalized. A URL with a password or a query string is refused.
    pub fn key_of(url: &str) -> Result<String, HttpDestinationError> {
        let mut parsed = Url::parse(url).map_err(|e| HttpDestinationError::Url(e.to_string()))?;
        if parsed.password().is_some() || parsed.query().is_some() {
            let _ = parsed.set_password(None);
            parsed.set_query(None);
            return Err(HttpDestinationError::Credentials(parsed.to_string()));
        }
        if parsed.scheme() != "http" {
            return Err(HttpDestinationError::Scheme(parsed.to_string()));
        }
        Ok(parsed.to_string())
    }
}

/// Seconds since the Unix epoch.
fn now_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Destination for HttpDestination {
    fn key(&self) -> &str {
        &self.key
    }

    async fn send(&self, message: &Message) -> Result<(), ForwardError> {
        let timestamp = now_seconds();
        let body = message.delivery.body.as_bytes().to_vec();
        let signature = self.secret.sign(&message.id, timestamp, &body);
        let response = self
            .client
            .post(self.url.clone())
            .header("webhook-id", &message.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| ForwardError::new(format!("cannot send: {}", e.without_url())))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        Err(ForwardError {
            message: format!("answered {status}"),
            retry_after,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_as_the_standard_webhooks_example_does() {
        // The example of the Standard Webhooks specification's reference libraries.
        let secret =
            SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("a valid secret");
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_and_urls_are_checked_without_quoting_the_secret() {
        assert_eq!(
            SigningSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").err(),
            Some(SigningSecretError::Prefix)
        );
        assert_eq!(
            SigningSecret::parse("whsec_!!!").err(),
            Some(SigningSecretError::Base64)
        );
        assert_eq!(
            SigningSecret::parse("whsec_").err(),
            Some(SigningSecretError::Empty)
        );
        let unpadded = SigningSecret::parse("whsec_dGVzdA").expect("unpadded base64");
        let padded = SigningSecret::parse("whsec_dGVzdA==").expect("padded base64");
        assert_eq!(unpadded.sign("m", 1, b"{}"), padded.sign("m", 1, b"{}"));
        assert!(!format!(
            "{:?}",
            SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        )
        .contains("MfKQ"));
        for url in [
            "http://user:pw@127.0.0.1:9/hook",
            "http://127.0.0.1:9/hook?token=pw",
        ] {
            let refused = HttpDestination::key_of(url).expect_err(url).to_string();
            assert!(
                refused.contains("http://") && !refused.contains("pw"),
                "{refused}"
            );
        }
        assert!(!HttpDestination::key_of("not a url: pw")
            .expect_err("not a URL")
            .to_string()
            .contains("pw"));
        let secret = Arc::new(
            SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("a secret"),
        );
        let destination = HttpDestination::new("http://127.0.0.1:9/hook", secret).expect("a URL");
        assert!(!format!("{destination:?}").contains("MfKQ"));
        assert!(HttpDestination::key_of("https://example.com/").is_err());
        assert!(HttpDestination::key_of("not a url").is_err());
    }
}
