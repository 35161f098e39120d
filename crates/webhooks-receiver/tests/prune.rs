//! Pruning of handled deliveries in a real SQLite inbox.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use common::prune;

#[tokio::test]
async fn prune_deletes_only_handled_rows_before_the_cutoff() {
    prune::prune_deletes_only_handled_rows_before_the_cutoff(&common::temp_sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_prunes_handled_deliveries_and_keeps_dead_letters() {
    prune::the_worker_prunes_handled_deliveries_and_keeps_dead_letters(common::temp_sqlite()).await;
}
