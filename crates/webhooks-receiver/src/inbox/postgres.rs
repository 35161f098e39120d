//! The shared inbox: one PostgreSQL table that several receivers store into and claim from.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;
use tokio_postgres::types::{FromSqlOwned, ToSql};

use tokio_postgres::{Client, NoTls, Row as PgRow};

use crate::handler::Delivery;

use super::forward::Routes;
use super::forward_sql::{self, ForwardStatements};
use super::rows::{self, Column};
use super::sql::{self, insert_params, Statements};
use super::{Claim, Inbox, InboxError, NewDelivery, Row, Stats, Stored};

/// The PostgreSQL inbox (table `webhook_inbox`). Event keys are a unique constraint, work is
/// claimed with `FOR UPDATE SKIP LOCKED` under a lease, and a delivery is claimable only when
/// no older delivery of its chat is waiting or running, so several receivers keep each chat in
/// order. Every statement commits on its own (the server's `synchronous_commit` decides
/// durability).
#[derive(Debug)]
pub struct PostgresInbox {
    /// Where to connect again after the connection ends.
    url: Url,
    /// The connection in use; replaced once it has ended.
    client: RwLock<Arc<Client>>,
    /// Held while the connection is opened again, so that one caller does it.
    reconnecting: tokio::sync::Mutex<()>,
    sql: Statements,
    /// The forwarding statements.
    pub(super) forwards: ForwardStatements,
    /// Stores a delivery and its forwards to the destinations `$9` in one statement.
    insert_forwarded: String,
    /// The destinations a new delivery is forwarded to.
    routes: Routes,
    /// The inbox's random name (see [`super::ForwardInbox::instance`]).
    pub(super) instance: String,
}

impl PostgresInbox {
    /// Connects (`host=... port=... user=... dbname=...` or a `postgresql://` URL) and creates
    /// the table if needed. The connection runs on the current Tokio runtime.
    pub async fn connect(url: &str) -> Result<Self, InboxError> {
        let client = open(url).await?;
        let sql = Statements::new(&sql::POSTGRES);
        client.batch_execute(&sql.schema).await?;
        let forwards = ForwardStatements::new(&sql::POSTGRES);
        client.batch_execute(&forwards.schema).await?;
        client
            .execute(&forwards.set_instance, &[&forward_sql::new_instance()])
            .await?;
        let instance: String = client
            .query_one(&forwards.instance, &[])
            .await?
            .try_get(0)?;
        let insert_forwarded = forward_sql::insert_forwarded(sql::POSTGRES.table, &sql.insert);
        Ok(Self {
            url: Url(url.to_owned()),
            client: RwLock::new(Arc::new(client)),
            reconnecting: tokio::sync::Mutex::new(()),
            sql,
            forwards,
            insert_forwarded,
            routes: Routes::default(),
            instance,
        })
    }

    /// This inbox, forwarding each delivery it stores as new to the destinations of `routes`
    /// that accept its action (rows written by the statement that stores the delivery).
    pub fn with_routes(mut self, routes: Routes) -> Self {
        self.routes = routes;
        self
    }

    /// The connection: the one in use, or a new one when it has ended (the server restarted,
    /// the network failed), so that the inbox recovers by itself once the server is back.
    pub async fn client(&self) -> Result<Arc<Client>, InboxError> {
        let current = self.current();
        if !current.is_closed() {
            return Ok(current);
        }
        let _one = self.reconnecting.lock().await;
        let current = self.current();
        if !current.is_closed() {
            return Ok(current);
        }
        let fresh = Arc::new(open(&self.url.0).await?);
        *self.client.write().unwrap_or_else(PoisonError::into_inner) = Arc::clone(&fresh);
        tracing::info!("the PostgreSQL connection was opened again");
        Ok(fresh)
    }

    fn current(&self) -> Arc<Client> {
        Arc::clone(&self.client.read().unwrap_or_else(PoisonError::into_inner))
    }
}

/// A connection string, which may hold a password: never shown.
struct Url(String);

impl std::fmt::Debug for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Url(..)")
    }
}

/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens a connection, driven by a task of its own that logs how it ended.
async fn open(url: &str) -> Result<Client, InboxError> {
    let connecting = tokio_postgres::connect(url, NoTls);
    let (client, connection) = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
        .await
        .map_err(|_| InboxError::Commit(format!("no connection within {CONNECT_TIMEOUT:?}")))??;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            crate::telemetry::storage_failed("connection", &e, None, None);
        }
    });
    Ok(client)
}

impl<T: FromSqlOwned> Column<T> for PgRow {
    type Error = tokio_postgres::Error;

    fn column(&self, i: usize) -> Result<T, Self::Error> {
        self.try_get(i)
    }
}

impl Inbox for PostgresInbox {
    async fn store(&self, d: NewDelivery) -> Result<Stored, InboxError> {
        let params: [&(dyn ToSql + Sync); 8] = insert_params!(d);
        let destinations = self.routes.keys(&d.action);
        let mut forwarded: Vec<&(dyn ToSql + Sync)> = params.to_vec();
        forwarded.push(&destinations);
        let (insert, params) = match destinations.is_empty() {
            true => (&self.sql.insert, &params[..]),
            false => (&self.insert_forwarded, &forwarded[..]),
        };
        // Twice at most: the stored row of a duplicate may be pruned by another receiver
        // between the two statements, and the delivery is then stored as new.
        for _ in 0..2 {
            if let Some(row) = self.client().await?.query_opt(insert, params).await? {
                let stored = rows::stored(&row)?;
                if !destinations.is_empty() {
                    self.routes.wake(&d.action);
                }
                return Ok(stored);
            }
            let duplicate = self
                .client()
                .await?
                .query_opt(&self.sql.duplicate, &[&d.identity.event_key])
                .await?;
            if let Some(row) = duplicate {
                return Ok(rows::duplicate(&row)?);
            }
        }
        Err(InboxError::Commit(
            "the event key's row was deleted while the delivery was stored".to_owned(),
        ))
    }

    async fn claim(&self, claim: Claim) -> Result<Vec<Delivery>, InboxError> {
        let limit = rows::limit(claim.limit);
        let rows = self
            .client()
            .await?
            .query(
                &self.sql.claim,
                &[&claim.now_ms, &claim.lease_until_ms, &limit],
            )
            .await?;
        let mut claimed = rows
            .iter()
            .map(rows::delivery)
            .collect::<Result<Vec<_>, _>>()?;
        claimed.sort_by_key(|c| c.id);
        Ok(claimed)
    }

    async fn complete(&self, id: i64, now_ms: i64) -> Result<(), InboxError> {
        self.client()
            .await?
            .execute(&self.sql.complete, &[&id, &now_ms])
            .await?;
        Ok(())
    }

    async fn fail(&self, id: i64, error: &str, retry_at_ms: Option<i64>) -> Result<(), InboxError> {
        match retry_at_ms {
            Some(at) => {
                self.client()
                    .await?
                    .execute(&self.sql.retry, &[&id, &error, &at])
                    .await?
            }
            None => {
                self.client()
                    .await?
                    .execute(&self.sql.bury, &[&id, &error])
                    .await?
            }
        };
        Ok(())
    }

    async fn redrive(&self, id: Option<i64>, now_ms: i64) -> Result<u64, InboxError> {
        Ok(self
            .client()
            .await?
            .execute(&self.sql.redrive, &[&id, &now_ms])
            .await?)
    }

    async fn probe(&self) -> Result<(), InboxError> {
        self.client().await?.batch_execute(sql::PROBE).await?;
        let now = crate::worker::now_ms();
        self.client()
            .await?
            .execute(sql::PROBE_WRITE, &[&now])
            .await?;
        Ok(())
    }

    async fn release(&self, id: i64) -> Result<(), InboxError> {
        self.client()
            .await?
            .execute(&self.sql.release_one, &[&id])
            .await?;
        Ok(())
    }

    /// Claims of other receivers may be live: they are left to their leases.
    async fn release_claims(&self) -> Result<u64, InboxError> {
        Ok(0)
    }

    async fn prune(&self, handled_before_ms: i64, limit: usize) -> Result<u64, InboxError> {
        let limit = rows::limit(limit);
        self.client()
            .await?
            .execute(&self.forwards.prune, &[&handled_before_ms, &limit])
            .await?;
        Ok(self
            .client()
            .await?
            .execute(&self.sql.prune, &[&handled_before_ms, &limit])
            .await?)
    }

    async fn rows(&self, state: &str, limit: usize) -> Result<Vec<Row>, InboxError> {
        let limit = rows::limit(limit);
        let rows = self
            .client()
            .await?
            .query(&self.sql.rows, &[&state, &limit])
            .await?;
        Ok(rows.iter().map(rows::row).collect::<Result<_, _>>()?)
    }

    async fn stats(&self) -> Result<Stats, InboxError> {
        let row = self.client().await?.query_one(&self.sql.stats, &[]).await?;
        Ok(rows::stats(&row)?)
    }
}
