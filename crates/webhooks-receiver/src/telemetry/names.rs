//! The names of the receiver's metrics and of their labels, in one place.
//!
//! Every metric is described (help text, unit) in [`super::metrics`]; durations are in
//! seconds; labels are low-cardinality (an HTTP status, an action the API version knows or
//! `unknown`, a short reason).

/// Counter: HTTP answers of the public listener, by `status`.
pub const REQUESTS_TOTAL: &str = "webhooks_receiver_requests_total";
/// Counter: deliveries committed to the inbox as new rows, by `action`.
pub const DELIVERIES_STORED_TOTAL: &str = "webhooks_receiver_deliveries_stored_total";
/// Counter: deliveries the handler completed, by `action`.
pub const DELIVERIES_HANDLED_TOTAL: &str = "webhooks_receiver_deliveries_handled_total";
/// Counter: failed handler attempts (errors, panics, attempts outlasting the lease).
pub const HANDLER_FAILURES_TOTAL: &str = "webhooks_receiver_handler_failures_total";
/// Counter: deliveries recognised as redeliveries (an event key already stored, or the same
/// bytes within the redelivery window).
pub const REDELIVERIES_TOTAL: &str = "webhooks_receiver_redeliveries_total";
/// Gauge: deliveries waiting in the inbox (pending and being handled).
pub const INBOX_PENDING: &str = "webhooks_receiver_inbox_pending";
/// Gauge: dead letters in the inbox.
pub const INBOX_DEAD: &str = "webhooks_receiver_inbox_dead";
/// Histogram: seconds from a request's arrival at the router to its 200 (stored).
pub const ACK_SECONDS: &str = "webhooks_receiver_ack_seconds";
/// Histogram: seconds one handler attempt took.
pub const HANDLER_SECONDS: &str = "webhooks_receiver_handler_seconds";
/// Histogram: seconds the SQLite inbox's writer took to commit one transaction that changed
/// rows (writing and syncing its log): what every acknowledgement waits for at least once.
pub const INBOX_COMMIT_SECONDS: &str = "webhooks_receiver_inbox_commit_seconds";
/// Histogram: operations (stores, claims, completions, …) one committed transaction of the
/// SQLite inbox's writer that changed rows carried.
pub const INBOX_BATCH_OPERATIONS: &str = "webhooks_receiver_inbox_batch_operations";
/// Counter: connections refused or closed by the receiver's limits, by `reason`.
pub const CONNECTIONS_REFUSED_TOTAL: &str = "webhooks_receiver_connections_refused_total";
/// Gauge: connections open on the public listener.
pub const CONNECTIONS_OPEN: &str = "webhooks_receiver_connections_open";
/// Counter: log lines dropped by the rate limit of the logs.
pub const LOG_LINES_SUPPRESSED_TOTAL: &str = "webhooks_receiver_log_lines_suppressed_total";
/// Counter: storage operations that failed, by `operation`.
pub const STORAGE_ERRORS_TOTAL: &str = "webhooks_receiver_storage_errors_total";
/// Counter: forward attempts by `destination` and `outcome` (`forwarded`, `retry`, `dead`,
/// `probe_failed`); exported once a destination is configured.
pub const FORWARDS_TOTAL: &str = "webhooks_receiver_forwards_total";
/// Histogram: seconds one forward attempt took, by `destination`.
pub const FORWARD_SECONDS: &str = "webhooks_receiver_forward_seconds";
/// Gauge: forwards waiting (pending or in flight), by `destination`.
pub const FORWARDS_PENDING: &str = "webhooks_receiver_forwards_pending";
/// Counter: messages a NATS JetStream stream dropped as duplicates, by `destination`.
pub const NATS_DUPLICATES_TOTAL: &str = "webhooks_receiver_nats_duplicates_total";

/// Every metric above but the forwarding ones (which appear with the first destination), for
/// checks that each is exported once a delivery was stored and handled
/// (`connections_refused_total` once a connection was refused).
pub const ALL: [&str; 15] = [
    REQUESTS_TOTAL,
    DELIVERIES_STORED_TOTAL,
    DELIVERIES_HANDLED_TOTAL,
    HANDLER_FAILURES_TOTAL,
    REDELIVERIES_TOTAL,
    INBOX_PENDING,
    INBOX_DEAD,
    ACK_SECONDS,
    HANDLER_SECONDS,
    INBOX_COMMIT_SECONDS,
    INBOX_BATCH_OPERATIONS,
    CONNECTIONS_REFUSED_TOTAL,
    CONNECTIONS_OPEN,
    LOG_LINES_SUPPRESSED_TOTAL,
    STORAGE_ERRORS_TOTAL,
];

/// Label: an HTTP status code (`200`, `401`, …).
pub const STATUS: &str = "status";
/// Label: the delivery's action when the API version knows it, else `unknown`.
pub const ACTION: &str = "action";
/// Label: why a connection was refused (named by whoever refuses it).
pub const REASON: &str = "reason";
/// Label: the storage operation that failed (`store`, `claim`, `record`, `stats`, …).
pub const OPERATION: &str = "operation";
