//! `serve`'s forwarding options, and the destinations of `dead` and `redrive`.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use super::{duration, Failure};
use crate::forward::{
    AnyDestination, ForwardOptions, Forwarding, HttpDestination, SigningSecret, Target,
};
use crate::secrets::{read_env, read_file, secret_lines};

/// The environment variable holding the forward secret when `--forward-secret-file` is not
/// given.
pub const FORWARD_SECRET_ENV: &str = "WEBHOOKS_FORWARD_SECRET";

/// Where and how `serve` forwards what it stores.
#[derive(Debug, Args)]
pub(super) struct ForwardArgs {
    /// Forward each stored delivery to this URL as a Standard Webhooks request (repeat for
    /// several destinations). Only deliveries stored while the destination is configured are
    /// forwarded to it; keyed redeliveries that are deduplicated are not forwarded again.
    #[arg(long = "forward", value_name = "URL")]
    urls: Vec<String>,
    /// File holding the `whsec_...` secret that signs forwarded requests. Without it, the
    /// secret is read from the environment variable WEBHOOKS_FORWARD_SECRET.
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    forward_secret_file: Option<PathBuf>,
    /// Forward only these actions (comma-separated; all by default).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    forward_actions: Vec<String>,
    /// Attempts at a destination before a forward becomes a dead letter there.
    #[arg(long, value_name = "N", default_value_t = ForwardOptions::default().retry.max_attempts)]
    forward_max_attempts: u32,
    /// Wait after a first failed forward attempt (doubled after each further one, drawn
    /// between half and all of it, at most 60s; longer when a destination asks with
    /// Retry-After).
    #[arg(long, value_name = "DURATION", default_value = "500ms", value_parser = duration::parse)]
    forward_retry_base: Duration,
    /// The longest wait for a destination's answer to one attempt.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = duration::parse)]
    forward_timeout: Duration,
    /// Forward attempts in flight at once, per destination.
    #[arg(long, value_name = "N", default_value_t = ForwardOptions::default().concurrency)]
    forward_concurrency: usize,
}

impl ForwardArgs {
    /// The destinations and how they are attempted (the secret read only when there is a
    /// destination).
    pub(super) fn forwarding(&self) -> Result<(Forwarding, ForwardOptions), Failure> {
        let defaults = ForwardOptions::default();
        let options = ForwardOptions {
            retry: crate::RetryPolicy {
                max_attempts: self.forward_max_attempts.max(1),
                base_delay: self.forward_retry_base,
                max_delay: defaults.retry.max_delay.max(self.forward_retry_base),
            },
            timeout: self.forward_timeout,
            concurrency: self.forward_concurrency.max(1),
            ..defaults
        };
        let actions: BTreeSet<String> = self
            .forward_actions
            .iter()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect();
        let actions = (!actions.is_empty()).then_some(actions);
        let mut targets = Vec::new();
        if !self.urls.is_empty() {
            let secret = Arc::new(self.secret()?);
            let mut keys = BTreeSet::new();
            for url in &self.urls {
                let destination = HttpDestination::new(url, Arc::clone(&secret))
                    .map_err(|e| Failure::io(format!("--forward: {e}")))?;
                if !keys.insert(crate::forward::Destination::key(&destination).to_owned()) {
                    return Err(Failure::io(format!("--forward: {url} is given twice")));
                }
                targets.push(Target {
                    destination: AnyDestination::Http(destination),
                    actions: actions.clone(),
                });
            }
        } else if self.forward_secret_file.is_some() || !self.forward_actions.is_empty() {
            return Err(Failure::io(
                "--forward-secret-file and --forward-actions need --forward URL",
            ));
        }
        Ok((Forwarding::new(targets), options))
    }

    /// The signing secret, from the file or else the environment variable.
    fn secret(&self) -> Result<SigningSecret, Failure> {
        let (text, name) = match &self.forward_secret_file {
            Some(path) => (read_file(path), path.display().to_string()),
            None => (read_env(FORWARD_SECRET_ENV), FORWARD_SECRET_ENV.to_owned()),
        };
        let text = text.map_err(|e| {
            Failure::io(format!(
                "no forward secret: give --forward-secret-file FILE or set {FORWARD_SECRET_ENV} ({e})"
            ))
        })?;
        let mut lines = secret_lines(&text);
        let first = lines
            .next()
            .ok_or_else(|| Failure::io(format!("{name} holds no forward secret")))?;
        if lines.next().is_some() {
            return Err(Failure::io(format!("{name} must hold one forward secret")));
        }
        SigningSecret::parse(first).map_err(|e| Failure::io(format!("{name}: {e}")))
    }
}

/// The key under which a destination's forwards are stored: an HTTP URL normalized as
/// `serve --forward` stores it, any other name (another kind of destination) as given.
pub(super) fn destination_key(name: &str) -> String {
    HttpDestination::key_of(name).unwrap_or_else(|_| name.to_owned())
}
