//! The PostgreSQL inbox's forwarding state. Claims skip the rows other receivers hold
//! (`FOR UPDATE SKIP LOCKED`) and are leased, so that several receivers forward from one
//! inbox without sending a forward twice while its lease holds.

use crate::handler::Delivery;

use super::forward::{ForwardClaim, ForwardInbox, ForwardRow};
use super::forward_sql::forward_row;
use super::rows;
use super::{InboxError, PostgresInbox};

impl ForwardInbox for PostgresInbox {
    fn instance(&self) -> &str {
        &self.instance
    }

    async fn claim_forwards(&self, claim: ForwardClaim) -> Result<Vec<Delivery>, InboxError> {
        let limit = rows::limit(claim.limit);
        let st = &self.forwards;
        let claimed = self
            .client()
            .await?
            .query(
                &st.claim,
                &[
                    &claim.now_ms,
                    &claim.lease_until_ms,
                    &limit,
                    &claim.destination,
                ],
            )
            .await?;
        let mut deliveries = Vec::with_capacity(claimed.len());
        for row in claimed {
            let (id, attempts): (i64, i32) = (row.try_get(0)?, row.try_get(1)?);
            // The delivery is kept while a forward of it waits; a missing one is skipped.
            if let Some(row) = self.client().await?.query_opt(&st.delivery, &[&id]).await? {
                let mut d = rows::delivery(&row)?;
                d.attempt = u32::try_from(attempts).unwrap_or(0);
                deliveries.push(d);
            }
        }
        deliveries.sort_by_key(|d| d.id);
        Ok(deliveries)
    }

    async fn complete_forward(
        &self,
        destination: &str,
        delivery_id: i64,
        now_ms: i64,
    ) -> Result<(), InboxError> {
        self.client()
            .await?
            .execute(
                &self.forwards.complete,
                &[&destination, &delivery_id, &now_ms],
            )
            .await?;
        Ok(())
    }

    async fn fail_forward(
        &self,
        destination: &str,
        delivery_id: i64,
        error: &str,
        retry_at_ms: Option<i64>,
    ) -> Result<(), InboxError> {
        let st = &self.forwards;
        match retry_at_ms {
            Some(at) => {
                self.client()
                    .await?
                    .execute(&st.retry, &[&destination, &delivery_id, &error, &at])
                    .await?
            }
            None => {
                self.client()
                    .await?
                    .execute(&st.bury, &[&destination, &delivery_id, &error])
                    .await?
            }
        };
        Ok(())
    }

    /// Claims of other receivers may be live: they are left to their leases.
    async fn release_forwards(&self, _destination: &str) -> Result<u64, InboxError> {
        Ok(0)
    }

    async fn dead_forwards(
        &self,
        destination: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ForwardRow>, InboxError> {
        let limit = rows::limit(limit);
        let rows = self
            .client()
            .await?
            .query(&self.forwards.dead, &[&destination, &limit])
            .await?;
        Ok(rows.iter().map(forward_row).collect::<Result<_, _>>()?)
    }

    async fn redrive_forwards(
        &self,
        destination: &str,
        delivery_id: Option<i64>,
        now_ms: i64,
    ) -> Result<u64, InboxError> {
        Ok(self
            .client()
            .await?
            .execute(
                &self.forwards.redrive,
                &[&destination, &delivery_id, &now_ms],
            )
            .await?)
    }

    async fn probe_forward(
        &self,
        destination: &str,
        lease_until_ms: i64,
    ) -> Result<Option<Delivery>, InboxError> {
        let st = &self.forwards;
        let probed = self
            .client()
            .await?
            .query_opt(&st.probe, &[&lease_until_ms, &destination])
            .await?;
        let Some(row) = probed else {
            return Ok(None);
        };
        let (id, attempts): (i64, i32) = (row.try_get(0)?, row.try_get(1)?);
        let Some(row) = self.client().await?.query_opt(&st.delivery, &[&id]).await? else {
            return Ok(None);
        };
        let mut d = rows::delivery(&row)?;
        d.attempt = u32::try_from(attempts).unwrap_or(0);
        Ok(Some(d))
    }

    async fn unprobe_forward(
        &self,
        destination: &str,
        delivery_id: i64,
        error: &str,
    ) -> Result<(), InboxError> {
        self.client()
            .await?
            .execute(
                &self.forwards.unprobe,
                &[&destination, &delivery_id, &error],
            )
            .await?;
        Ok(())
    }

    async fn hasten_forwards(&self, destination: &str, now_ms: i64) -> Result<u64, InboxError> {
        Ok(self
            .client()
            .await?
            .execute(&self.forwards.hasten, &[&destination, &now_ms])
            .await?)
    }

    async fn pending_forwards(&self, destination: &str) -> Result<u64, InboxError> {
        let row = self
            .client()
            .await?
            .query_one(&self.forwards.pending, &[&destination])
            .await?;
        let n: i64 = row.try_get(0)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
