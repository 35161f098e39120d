//! The SQLite inbox's forwarding state.

use rusqlite::{params, OptionalExtension};

use crate::handler::Delivery;

use super::forward::{ForwardClaim, ForwardInbox, ForwardRow};
use super::forward_sql::forward_row;
use super::rows;
use super::{InboxError, SqliteInbox};

impl ForwardInbox for SqliteInbox {
    fn instance(&self) -> &str {
        &self.instance
    }

    async fn claim_forwards(&self, claim: ForwardClaim) -> Result<Vec<Delivery>, InboxError> {
        let limit = rows::limit(claim.limit);
        let st = std::sync::Arc::clone(&self.forwards);
        self.run(move |conn, _| {
            let claimed = conn
                .prepare_cached(&st.claim)?
                .query_map(
                    params![claim.now_ms, claim.lease_until_ms, limit, claim.destination],
                    |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i32>(1)?)),
                )?
                .collect::<Result<Vec<_>, _>>()?;
            let mut deliveries = Vec::with_capacity(claimed.len());
            let mut read = conn.prepare_cached(&st.delivery)?;
            for (id, attempts) in claimed {
                // The delivery is kept while a forward of it waits; a missing one is skipped.
                if let Some(mut d) = read.query_row([id], |r| rows::delivery(r)).optional()? {
                    d.attempt = u32::try_from(attempts).unwrap_or(0);
                    deliveries.push(d);
                }
            }
            deliveries.sort_by_key(|d| d.id);
            Ok(deliveries)
        })
        .await
    }

    async fn complete_forward(
        &self,
        destination: &str,
        delivery_id: i64,
        now_ms: i64,
    ) -> Result<(), InboxError> {
        let (st, destination) = (
            std::sync::Arc::clone(&self.forwards),
            destination.to_owned(),
        );
        self.run(move |conn, _| {
            conn.prepare_cached(&st.complete)?
                .execute(params![destination, delivery_id, now_ms])
                .map(drop)
        })
        .await
    }

    async fn fail_forward(
        &self,
        destination: &str,
        delivery_id: i64,
        error: &str,
        retry_at_ms: Option<i64>,
    ) -> Result<(), InboxError> {
        let (st, destination) = (
            std::sync::Arc::clone(&self.forwards),
            destination.to_owned(),
        );
        let error = error.to_owned();
        self.run(move |conn, _| {
            match retry_at_ms {
                Some(at) => conn.prepare_cached(&st.retry)?.execute(params![
                    destination,
                    delivery_id,
                    error,
                    at
                ]),
                None => {
                    conn.prepare_cached(&st.bury)?
                        .execute(params![destination, delivery_id, error])
                }
            }
            .map(drop)
        })
        .await
    }

    async fn release_forwards(&self, destination: &str) -> Result<u64, InboxError> {
        let (st, destination) = (
            std::sync::Arc::clone(&self.forwards),
            destination.to_owned(),
        );
        self.run(move |conn, _| Ok(conn.execute(&st.release, params![destination])? as u64))
            .await
    }

    async fn dead_forwards(
        &self,
        destination: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ForwardRow>, InboxError> {
        let st = std::sync::Arc::clone(&self.forwards);
        let destination = destination.map(str::to_owned);
        let limit = rows::limit(limit);
        self.run(move |conn, _| {
            conn.prepare(&st.dead)?
                .query_map(params![destination, limit], |r| forward_row(r))?
                .collect()
        })
        .await
    }

    async fn redrive_forwards(
        &self,
        destination: &str,
        delivery_id: Option<i64>,
        now_ms: i64,
    ) -> Result<u64, InboxError> {
        let (st, destination) = (
            std::sync::Arc::clone(&self.forwards),
            destination.to_owned(),
        );
        self.run(move |conn, _| {
            Ok(conn.execute(&st.redrive, params![destination, delivery_id, now_ms])? as u64)
        })
        .await
    }

    async fn probe_forward(
        &self,
        destination: &str,
        lease_until_ms: i64,
    ) -> Result<Option<Delivery>, InboxError> {
        let (st, destination) = (
            std::sync::Arc::clone(&self.forwards),
            destination.to_owned(),
        );
        self.run(move |conn, _| {
            let probed = conn
                .query_row(&st.probe, params![lease_until_ms, destination], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, i32>(1)?))
                })
                .optional()?;
            let Some((id, attempts)) = probed else {
                return Ok(None);
            };
            let delivery = conn
                .query_row(&st.delivery, [id], |r| rows::delivery(r))
                .optional()?;
            Ok(delivery.map(|mut d| {
                d.attempt = u32::try_from(attempts).unwrap_or(0);
                d
            }))
        })
        .await
    }

    async fn unprobe_forward(
        &self,
        destination: &str,
        delivery_id: i64,
        error: &str,
    ) -> Result<(), InboxError> {
        let (st, destination) = (
            std::sync::Arc::clone(&self.forwards),
            destination.to_owned(),
        );
        let error = error.to_owned();
        self.run(move |conn, _| {
            conn.execute(&st.unprobe, params![destination, delivery_id, error])
                .map(drop)
        })
        .await
    }

    async fn hasten_forwards(&self, destination: &str, now_ms: i64) -> Result<u64, InboxError> {
        let (st, destination) = (
            std::sync::Arc::clone(&self.forwards),
            destination.to_owned(),
        );
        self.run(move |conn, _| Ok(conn.execute(&st.hasten, params![destination, now_ms])? as u64))
            .await
    }

    async fn pending_forwards(&self, destination: &str) -> Result<u64, InboxError> {
        let (st, destination) = (
            std::sync::Arc::clone(&self.forwards),
            destination.to_owned(),
        );
        self.run(move |conn, _| {
            let n: i64 = conn.query_row(&st.pending, params![destination], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
        .await
    }
}
