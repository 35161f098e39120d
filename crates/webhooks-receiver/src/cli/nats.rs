//! `serve --nats URL --nats-stream NAME`: stored deliveries published into a JetStream stream.

use std::time::Duration;

use clap::Args;

use crate::forward::nats::check_stream_name;
use crate::forward::{ForwardOptions, NatsDestination, NatsOptions};
use crate::ApiVersion;

use super::{duration, Failure};

/// Where `serve` publishes what it stores.
#[derive(Debug, Args)]
pub(super) struct NatsArgs {
    /// Publish each stored delivery to a stream of this NATS server's JetStream
    /// (`nats://host:port`; several separated by commas), on the subject
    /// `livechat.v<major>_<minor>.<action>` with the header `Nats-Msg-Id` (the forwarded
    /// message id), retried as --forward destinations are. Better given through the
    /// environment when it holds credentials.
    #[arg(
        long,
        value_name = "URL",
        env = "WEBHOOKS_RECEIVER_NATS",
        hide_env_values = true,
        requires = "nats_stream"
    )]
    nats: Option<String>,
    /// The JetStream stream to publish into, created with the subjects `livechat.>` if absent
    /// (letters, digits, `_` and `-`).
    #[arg(long, value_name = "NAME", requires = "nats", value_parser = parse_stream)]
    nats_stream: Option<String>,
    /// The duplicate window of a stream `serve` creates: a delivery published again within it
    /// (after a crash between the stream's acknowledgement and its record) is dropped. Longer
    /// than a forward's lease (60s, at least twice --forward-timeout).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = duration::parse)]
    nats_duplicate_window: Duration,
}

fn parse_stream(text: &str) -> Result<String, String> {
    check_stream_name(text)
        .map(|()| text.to_owned())
        .map_err(|e| e.to_string())
}

impl NatsArgs {
    /// The destination the arguments name, if any, connected in the background.
    /// Publishes are attempted as `forward` says; the stream's acknowledgement is waited for
    /// as long as a forward's answer.
    pub(super) async fn destination(
        &self,
        version: ApiVersion,
        forward: &ForwardOptions,
    ) -> Result<Option<NatsDestination>, Failure> {
        let (Some(url), Some(stream)) = (&self.nats, &self.nats_stream) else {
            return Ok(None);
        };
        let lease = forward.claim_lease();
        if self.nats_duplicate_window <= lease {
            return Err(Failure::io(format!(
                "--nats-duplicate-window must be longer than a forward's lease ({lease:?}), not {:?}",
                self.nats_duplicate_window
            )));
        }
        let options = NatsOptions {
            duplicate_window: self.nats_duplicate_window,
            ack_timeout: forward.timeout,
            ..NatsOptions::new(url.as_str(), stream.as_str())
        };
        let destination = NatsDestination::connect(options, version)
            .await
            .map_err(|e| Failure::io(e.to_string()))?;
        // Looked up or created now when the server answers, in the background: a server that
        // is down delays publishing (each publish looks again), never the start.
        let early = destination.clone();
        let stream = stream.clone();
        tokio::spawn(async move {
            match early.ensure_stream().await {
                Ok(window) if window <= lease => tracing::warn!(
                    destination = %stream,
                    duplicate_window_s = window.as_secs_f64(),
                    lease_s = lease.as_secs_f64(),
                    "the stream's duplicate window is not longer than the lease: a delivery \
                     published again after a crash may be in the stream twice"
                ),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(destination = %stream, error = %e, "NATS stream not ready yet")
                }
            }
        });
        Ok(Some(destination))
    }
}
