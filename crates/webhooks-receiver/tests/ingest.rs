//! What is stored of a delivery and what a caller is told, on loopback: the stored body is the
//! received one with the secret's characters removed, `body_sha256` is its digest, the secret is
//! nowhere in the inbox's files, and a caller without a verified secret gets a terse answer.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::{post, Recorder, SECRET};
use serde_json::Value;
use webhooks_receiver::Inbox;

/// A `thread_tagged` body written by hand (spaces kept), the secret second as LiveChat sends it.
fn handwritten(secret: &str, tag: &str) -> String {
    format!(
        "{{\"webhook_id\": \"wh\",  \"secret_key\" :  \"{secret}\" , \"action\": \"thread_tagged\",\n \
         \"organization_id\": \"org\", \"additional_data\": {{}},\n \
         \"payload\": {{\"chat_id\": \"PJ0MRSHTDG\", \"thread_id\": \"K600PKZON8\", \"tag\": {tag}}}}}"
    )
}

#[tokio::test]
async fn the_stored_body_and_its_digest_leave_out_the_secret_only() {
    let run = common::start(Recorder::default(), 3).await;
    let client = reqwest::Client::new();
    let body = handwritten(SECRET, "\"bug_report\"");
    // The digest, computed here: the received text with the secret's characters replaced.
    let emptied = body.replace(&format!("\"{SECRET}\""), "\"\"");
    assert_ne!(emptied, body);
    let (status, text) = post(&client, &run.url, body.clone()).await;
    assert_eq!(status, 200, "{text}");
    common::drained(run.receiver.inbox().as_ref()).await;
    let handled = run.recorder.handled();
    assert_eq!(handled.len(), 1);
    assert_eq!(handled[0].action, "thread_tagged");
    assert_eq!(
        handled[0].body_sha256,
        common::sha256_hex(emptied.as_bytes())
    );
    let conn = rusqlite::Connection::open(&run.db).unwrap();
    let stored: String = conn
        .query_row("SELECT body FROM inbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, emptied, "every other byte kept");
    drop(conn);
    // Nowhere in the inbox's files: not in a row, not in the write-ahead log.
    let dir = run.db.parent().unwrap();
    let mut files = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
            "the secret is in the inbox's files"
        );
        files += 1;
    }
    assert!(files >= 1);
}

#[tokio::test]
async fn no_parse_report_without_a_verified_secret() {
    let run = common::start(Recorder::default(), 3).await;
    let client = reqwest::Client::new();
    let terse = |status: u16, text: &str, want: u16| {
        assert_eq!(status, want, "{text}");
        let report: Value = serde_json::from_str(text).unwrap();
        for error in report["errors"].as_array().unwrap() {
            for told in ["line", "column", "pointer", "keyword"] {
                assert!(error.get(told).is_none(), "{told} told: {text}");
            }
        }
    };
    // Broken JSON before any secret: 400, nothing about where or why.
    for body in [
        "{\"a\": ",
        "[1, 2",
        "{\"webhook_id\": \"w\" \"x\"}",
        "\u{1}",
        "{\"webhook_id\": \"w\", \"payload\": {\"chat_id\": 7} ",
    ] {
        let (status, text) = post(&client, &run.url, body.to_owned()).await;
        terse(status, &text, 400);
    }
    // A wrong or missing secret, whatever follows: 401, nothing about the body.
    for body in [
        handwritten("wrong", "7"),
        handwritten("wrong", "\"x\"").replace("\"org\"", "\"org\" \"broken\""),
        "{\"webhook_id\": \"w\", \"payload\": {\"chat_id\": 7}}".to_owned(),
    ] {
        let (status, text) = post(&client, &run.url, body).await;
        terse(status, &text, 401);
    }
    // The same faults after the right secret: the report, positions in the received text.
    let (status, text) = post(&client, &run.url, handwritten(SECRET, "7")).await;
    assert_eq!(status, 400, "{text}");
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["errors"][0]["pointer"], "/payload/tag", "{text}");
    let broken =
        handwritten(SECRET, "\"x\"").replace("\"thread_tagged\",", "\"thread_tagged\", 5,");
    let (status, text) = post(&client, &run.url, broken.clone()).await;
    assert_eq!(status, 400, "{text}");
    let report: Value = serde_json::from_str(&text).unwrap();
    let error = &report["errors"][0];
    assert_eq!(
        (error["kind"].as_str(), error["line"].as_u64()),
        (Some("json"), Some(1)),
        "{text}"
    );
    // The column points at the fault in the body as sent (the secret counted).
    let column = error["column"].as_u64().unwrap() as usize;
    let at = broken.find("5,").unwrap() + 1;
    assert!(
        column.abs_diff(at) <= 1,
        "column {column}, fault at {at}: {text}"
    );
    assert!(!text.contains(SECRET));
    let stats = run.receiver.inbox().stats().await.unwrap();
    assert_eq!(stats, webhooks_receiver::inbox::Stats::default());
}
