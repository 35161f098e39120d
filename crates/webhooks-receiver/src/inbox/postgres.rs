//! The shared inbox: one PostgreSQL table that several receivers store into and claim from.

use tokio_postgres::{Client, NoTls, Row as PgRow};

use crate::handler::Delivery;

use super::{Inbox, InboxError, NewDelivery, Row, Stats, Stored};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS webhook_inbox (
    id BIGSERIAL PRIMARY KEY,
    received_at_ms BIGINT NOT NULL,
    webhook_id TEXT NOT NULL,
    action TEXT NOT NULL,
    chat_id TEXT,
    event_key TEXT UNIQUE,
    body_sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    possible_redelivery BOOLEAN NOT NULL,
    duplicates BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    redriven INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms BIGINT NOT NULL,
    lease_until_ms BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    handled_at_ms BIGINT
);
CREATE INDEX IF NOT EXISTS webhook_inbox_due ON webhook_inbox(state, next_attempt_ms);
CREATE INDEX IF NOT EXISTS webhook_inbox_chat ON webhook_inbox(chat_id, id);
CREATE INDEX IF NOT EXISTS webhook_inbox_sha ON webhook_inbox(body_sha256, received_at_ms);
";

/// The PostgreSQL inbox (table `webhook_inbox`). Event keys are a unique constraint, work is
/// claimed with `FOR UPDATE SKIP LOCKED` under a lease, and a delivery is claimable only when
/// no older delivery of its chat is waiting or running, so several receivers keep each chat in
/// order. Every statement commits on its own (the server's `synchronous_commit` decides
/// durability).
#[derive(Debug)]
pub struct PostgresInbox {
    client: Client,
}

impl PostgresInbox {
    /// Connects (`host=... port=... user=... dbname=...` or a `postgresql://` URL) and creates
    /// the table if needed. The connection runs on the current Tokio runtime.
    pub async fn connect(url: &str) -> Result<Self, InboxError> {
        let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                eprintln!("webhooks-receiver: postgres connection ended: {e}");
            }
        });
        client.batch_execute(SCHEMA).await?;
        Ok(Self { client })
    }

    /// The client, for inspection.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

fn claimed(row: &PgRow) -> Result<Delivery, tokio_postgres::Error> {
    Ok(Delivery {
        id: row.try_get(0)?,
        webhook_id: row.try_get(1)?,
        action: row.try_get(2)?,
        body: row.try_get(3)?,
        body_sha256: row.try_get(4)?,
        attempt: u32::try_from(row.try_get::<_, i32>(5)?).unwrap_or(0),
        possible_redelivery: row.try_get(6)?,
        received_at_ms: row.try_get(7)?,
    })
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Inbox for PostgresInbox {
    async fn store(&self, d: NewDelivery) -> Result<Stored, InboxError> {
        let inserted = self
            .client
            .query_opt(
                "INSERT INTO webhook_inbox (received_at_ms, webhook_id, action, chat_id, event_key,
                     body_sha256, body, possible_redelivery, next_attempt_ms)
                 SELECT $1, $2, $3, $4, $5, $6, $7,
                     EXISTS(SELECT 1 FROM webhook_inbox WHERE body_sha256 = $6 AND received_at_ms >= $8),
                     $1
                 ON CONFLICT (event_key) DO NOTHING
                 RETURNING id, possible_redelivery",
                &[
                    &d.received_at_ms,
                    &d.webhook_id,
                    &d.action,
                    &d.chat_id,
                    &d.event_key,
                    &d.body_sha256,
                    &d.body,
                    &d.redelivery_since_ms,
                ],
            )
            .await?;
        if let Some(row) = inserted {
            return Ok(Stored::New {
                id: row.try_get(0)?,
                possible_redelivery: row.try_get(1)?,
            });
        }
        let row = self
            .client
            .query_one(
                "UPDATE webhook_inbox SET duplicates = duplicates + 1 WHERE event_key = $1 RETURNING id",
                &[&d.event_key],
            )
            .await?;
        Ok(Stored::Duplicate {
            id: row.try_get(0)?,
        })
    }

    async fn claim(
        &self,
        now_ms: i64,
        lease_until_ms: i64,
        limit: usize,
    ) -> Result<Vec<Delivery>, InboxError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self
            .client
            .query(
                "UPDATE webhook_inbox SET state = 'running', attempts = attempts + 1, lease_until_ms = $2
                 WHERE id IN (
                   SELECT i.id FROM webhook_inbox i
                   WHERE ((i.state = 'pending' AND i.next_attempt_ms <= $1)
                          OR (i.state = 'running' AND i.lease_until_ms < $1))
                     AND (i.chat_id IS NULL OR NOT EXISTS (
                          SELECT 1 FROM webhook_inbox j WHERE j.chat_id = i.chat_id AND j.id < i.id
                            AND j.state IN ('pending', 'running')))
                   ORDER BY i.id LIMIT $3
                   FOR UPDATE SKIP LOCKED)
                 RETURNING id, webhook_id, action, body, body_sha256, attempts,
                           possible_redelivery, received_at_ms",
                &[&now_ms, &lease_until_ms, &limit],
            )
            .await?;
        let mut claimed = rows.iter().map(claimed).collect::<Result<Vec<_>, _>>()?;
        claimed.sort_by_key(|c| c.id);
        Ok(claimed)
    }

    async fn complete(&self, id: i64, now_ms: i64) -> Result<(), InboxError> {
        self.client
            .execute(
                "UPDATE webhook_inbox SET state = 'done', handled_at_ms = $2 WHERE id = $1",
                &[&id, &now_ms],
            )
            .await?;
        Ok(())
    }

    async fn fail(&self, id: i64, error: &str, retry_at_ms: Option<i64>) -> Result<(), InboxError> {
        match retry_at_ms {
            Some(at) => {
                self.client
                    .execute(
                        "UPDATE webhook_inbox SET state = 'pending', last_error = $2, next_attempt_ms = $3
                         WHERE id = $1",
                        &[&id, &error, &at],
                    )
                    .await?
            }
            None => {
                self.client
                    .execute(
                        "UPDATE webhook_inbox SET state = 'dead', last_error = $2 WHERE id = $1",
                        &[&id, &error],
                    )
                    .await?
            }
        };
        Ok(())
    }

    async fn redrive(&self, id: Option<i64>, now_ms: i64) -> Result<u64, InboxError> {
        let n = self
            .client
            .execute(
                "UPDATE webhook_inbox SET state = 'pending', attempts = 0, redriven = redriven + 1,
                     next_attempt_ms = $2
                 WHERE state = 'dead' AND ($1::BIGINT IS NULL OR id = $1)",
                &[&id, &now_ms],
            )
            .await?;
        Ok(n)
    }

    /// Claims of other receivers may be live: they are left to their leases.
    async fn release_claims(&self) -> Result<u64, InboxError> {
        Ok(0)
    }

    async fn rows(&self, state: &str, limit: usize) -> Result<Vec<Row>, InboxError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self
            .client
            .query(
                "SELECT id, action, state, attempts, last_error FROM webhook_inbox
                 WHERE state = $1 ORDER BY id LIMIT $2",
                &[&state, &limit],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Row {
                    id: r.try_get(0)?,
                    action: r.try_get(1)?,
                    state: r.try_get(2)?,
                    attempts: u32::try_from(r.try_get::<_, i32>(3)?).unwrap_or(0),
                    last_error: r.try_get(4)?,
                })
            })
            .collect()
    }

    async fn stats(&self) -> Result<Stats, InboxError> {
        let row = self
            .client
            .query_one(
                "SELECT COUNT(*) FILTER (WHERE state = 'pending'), COUNT(*) FILTER (WHERE state = 'running'),
                        COUNT(*) FILTER (WHERE state = 'done'), COUNT(*) FILTER (WHERE state = 'dead'),
                        COALESCE(SUM(duplicates), 0)::BIGINT
                 FROM webhook_inbox",
                &[],
            )
            .await?;
        Ok(Stats {
            pending: count(row.try_get(0)?),
            running: count(row.try_get(1)?),
            done: count(row.try_get(2)?),
            dead: count(row.try_get(3)?),
            duplicates: count(row.try_get(4)?),
        })
    }
}
