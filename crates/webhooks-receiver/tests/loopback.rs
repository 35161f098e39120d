//! The receiver over real loopback HTTP and a real SQLite inbox.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::collections::{HashMap, HashSet};

use common::{drained, post, start, until, with_secret, Recorder, SECRET};
use serde_json::Value;
use webhooks_receiver::inbox::state;
use webhooks_receiver::{ApiVersion, Inbox};

#[tokio::test]
async fn every_sample_of_every_version_is_acknowledged_and_handled_once_per_event() {
    for version in ApiVersion::ALL {
        every_sample_is_acknowledged_and_handled_once_per_event(version).await;
    }
}

async fn every_sample_is_acknowledged_and_handled_once_per_event(version: ApiVersion) {
    let run = common::start_version(version, Recorder::default(), 3).await;
    let client = reqwest::Client::new();
    let rules = webhooks_receiver::identity(version).unwrap();
    let mut expected = Vec::new();
    let mut keys = HashSet::new();
    let samples = common::samples(version);
    assert!(samples.len() > 100, "{} samples", samples.len());
    for (name, value) in samples {
        let action = value["action"].as_str().unwrap().to_owned();
        let body = with_secret(value.clone(), SECRET);
        let (status, text) = post(&client, &run.url, body.clone()).await;
        assert_eq!(status, 200, "{name}: {text}");
        // A sample that repeats the event key of an earlier one is that event again.
        let key = rules.event_key(&action, &value);
        if key.as_ref().is_none_or(|k| keys.insert(k.clone())) {
            expected.push(common::stored_sha256(&body));
        }
    }
    let stats = drained(run.receiver.inbox().as_ref()).await;
    let handled = run.recorder.handled();
    // Some samples are byte-identical (the same minimal payload): each is still handled.
    let mut got: Vec<String> = handled.iter().map(|s| s.body_sha256.clone()).collect();
    got.sort_unstable();
    expected.sort_unstable();
    assert_eq!(got, expected, "each delivery handled once");
    assert_eq!(stats.dead, 0);
    // No secret reaches the database.
    let file = std::fs::read(&run.db).unwrap();
    let wal = std::fs::read(run.db.with_extension("sqlite-wal")).unwrap_or_default();
    for bytes in [file, wal] {
        assert!(!bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()));
    }
}

#[tokio::test]
async fn an_incoming_event_delivered_twice_is_handled_once() {
    let run = start(Recorder::default(), 3).await;
    let client = reqwest::Client::new();
    let body = common::event("CHAT1", "EV1");
    assert_eq!(post(&client, &run.url, body.clone()).await.0, 200);
    assert_eq!(post(&client, &run.url, body).await.0, 200);
    // Same event from another registration: other webhook_id, other secret.
    let mut other = common::sample("incoming_event");
    other["payload"]["chat_id"] = "CHAT1".into();
    other["payload"]["event"]["id"] = "EV1".into();
    other["webhook_id"] = "another-registration".into();
    assert_eq!(
        post(&client, &run.url, with_secret(other, "second-registration"))
            .await
            .0,
        200
    );
    let stats = drained(run.receiver.inbox().as_ref()).await;
    assert_eq!(run.recorder.handled().len(), 1);
    assert_eq!((stats.done, stats.duplicates), (1, 2));
}

#[tokio::test]
async fn accepting_not_accepting_accepting_is_handled_three_times() {
    let run = start(Recorder::default(), 3).await;
    let client = reqwest::Client::new();
    let status = |s: &str| {
        let mut value = common::sample("routing_status_set");
        value["payload"]["status"] = s.into();
        with_secret(value, SECRET)
    };
    for s in ["accepting chats", "not accepting chats", "accepting chats"] {
        assert_eq!(post(&client, &run.url, status(s)).await.0, 200);
    }
    drained(run.receiver.inbox().as_ref()).await;
    let mut handled = run.recorder.handled();
    handled.sort_by_key(|s| s.id);
    let flags: Vec<bool> = handled.iter().map(|s| s.possible_redelivery).collect();
    assert_eq!(
        flags,
        [false, false, true],
        "the repeat is flagged, never dropped"
    );
    assert_eq!(handled[0].body_sha256, handled[2].body_sha256);
}

#[tokio::test]
async fn wrong_or_missing_secrets_get_401_and_nothing_is_stored() {
    let run = start(Recorder::default(), 3).await;
    let client = reqwest::Client::new();
    let mut invalid = common::sample("thread_tagged");
    invalid["payload"]["tag"] = 7.into();
    let mut no_secret = common::sample("thread_tagged");
    no_secret.as_object_mut().unwrap().remove("secret_key");
    for body in [
        with_secret(common::sample("thread_tagged"), "wrong"),
        with_secret(common::sample("thread_tagged"), ""),
        with_secret(invalid, "wrong"),
        no_secret.to_string(),
        r#"{"secret_key": 5}"#.to_owned(),
    ] {
        let (status, text) = post(&client, &run.url, body).await;
        assert_eq!(status, 401, "{text}");
        assert!(
            !text.contains("/payload"),
            "nothing about the body is told: {text}"
        );
    }
    let stats = run.receiver.inbox().stats().await.unwrap();
    assert_eq!(stats, webhooks_receiver::inbox::Stats::default());
}

#[tokio::test]
async fn invalid_bodies_get_400_with_the_pointer() {
    let run = start(Recorder::default(), 3).await;
    let client = reqwest::Client::new();
    let dir = common::samples_dir(common::oldest()).join("invalid");
    let expected: HashMap<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let mut checked = 0;
    for (name, want) in &expected {
        let text = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
        let Ok(Value::Object(mut object)) = serde_json::from_str::<Value>(&text) else {
            // Not an object: no secret to check, the JSON report says why.
            let (status, report) = post(&client, &run.url, text).await;
            assert_eq!(status, 400, "{name}: {report}");
            continue;
        };
        if !object.contains_key("secret_key") {
            continue;
        }
        object.insert("secret_key".into(), SECRET.into());
        let (status, report) = post(&client, &run.url, Value::Object(object).to_string()).await;
        assert_eq!(status, 400, "{name}: {report}");
        let report: Value = serde_json::from_str(&report).unwrap();
        let pointers: Vec<&str> = report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["pointer"].as_str())
            .collect();
        assert!(
            pointers.contains(&want["pointer"].as_str().unwrap()),
            "{name}: {pointers:?}"
        );
        checked += 1;
    }
    assert!(checked >= 20, "{checked} invalid samples checked");
    let (status, report) = post(&client, &run.url, "{\"a\": ".to_owned()).await;
    assert_eq!(status, 400);
    assert!(report.contains("\"kind\":\"json\""), "{report}");
    assert_eq!(run.receiver.inbox().stats().await.unwrap().pending, 0);
}

#[tokio::test]
async fn size_type_method_and_path_are_checked() {
    let run = start(Recorder::default(), 3).await;
    let client = reqwest::Client::new();
    let mut big = common::sample("thread_tagged");
    big["payload"]["tag"] = "x".repeat(3_000_000).into();
    let big = with_secret(big, SECRET);
    assert_eq!(post(&client, &run.url, big.clone()).await.0, 413);
    let not_json = client.post(&run.url).header("content-type", "text/plain");
    assert_eq!(not_json.body(big).send().await.unwrap().status(), 415);
    // Answered before any byte of the body: a declared length too long to be read in vain,
    // and a sender that waits to be asked for the body (else the first line is a 100).
    for head in [
        "content-type: application/json\r\ncontent-length: 100000000",
        "content-type: application/json\r\ncontent-length: 2000000\r\nexpect: 100-continue",
        "content-type: text/plain\r\ncontent-length: 2000000\r\nexpect: 100-continue",
    ] {
        let answers = common::raw::exchange(&run.url, &common::raw::post(head, b""), 1).await;
        assert!(answers[0].starts_with("HTTP/1.1 41"), "{head}: {answers:?}");
    }
    let body = with_secret(common::sample("thread_tagged"), SECRET);
    for (content_type, status) in [
        (Some("text/plain"), 415),
        (None, 415),
        (Some("application/json; charset=utf-8"), 200),
    ] {
        let mut request = client.post(&run.url).body(body.clone());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), status, "{content_type:?}");
    }
    assert_eq!(client.get(&run.url).send().await.unwrap().status(), 405);
    assert_eq!(client.put(&run.url).send().await.unwrap().status(), 405);
    assert_eq!(
        client
            .post(format!("{}other", run.url))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let stats = drained(run.receiver.inbox().as_ref()).await;
    assert_eq!(stats.done, 1);
}

#[tokio::test]
async fn an_unknown_action_with_a_valid_secret_is_stored_and_handled() {
    let run = start(Recorder::default(), 3).await;
    let client = reqwest::Client::new();
    let mut value = common::sample("thread_tagged");
    value["action"] = "chat_summarized".into();
    assert_eq!(
        post(&client, &run.url, with_secret(value, SECRET)).await.0,
        200
    );
    drained(run.receiver.inbox().as_ref()).await;
    let handled = run.recorder.handled();
    assert_eq!(handled.len(), 1);
    assert_eq!(handled[0].action, "chat_summarized");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_hundred_concurrent_distinct_events_are_each_handled_once() {
    let run = start(Recorder::default(), 3).await;
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for i in 0..400 {
        let (client, url) = (client.clone(), run.url.clone());
        let body = common::event(&format!("CH{}", i % 23), &format!("E{i}"));
        tasks.push(tokio::spawn(
            async move { post(&client, &url, body).await.0 },
        ));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    drained(run.receiver.inbox().as_ref()).await;
    let handled = run.recorder.handled();
    assert_eq!(handled.len(), 400);
    assert_eq!(
        common::distinct(handled.iter().map(|s| &s.body_sha256)),
        400
    );
}

#[tokio::test]
async fn a_handler_failing_twice_then_succeeding_is_retried_and_attempts_are_recorded() {
    let run = start(Recorder::failing_first(2), 5).await;
    let client = reqwest::Client::new();
    assert_eq!(
        post(&client, &run.url, common::event("C", "E")).await.0,
        200
    );
    drained(run.receiver.inbox().as_ref()).await;
    let attempts: Vec<(u32, bool)> = run
        .recorder
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| (s.attempt, s.ok))
        .collect();
    assert_eq!(attempts, [(1, false), (2, false), (3, true)]);
    let done = run.receiver.inbox().rows(state::DONE, 10).await.unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].attempts, 3);
    assert_eq!(done[0].last_error.as_deref(), Some("refused attempt 2"));
}

#[tokio::test]
async fn deliveries_of_one_chat_are_handled_in_arrival_order_despite_failures() {
    let run = start(Recorder::failing_first(1), 5).await;
    let client = reqwest::Client::new();
    for i in 0..30 {
        let body = common::event(&format!("CHAT{}", i % 3), &format!("E{i}"));
        assert_eq!(post(&client, &run.url, body).await.0, 200);
    }
    drained(run.receiver.inbox().as_ref()).await;
    let seen = run.recorder.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 60, "each failed once, then succeeded");
    assert_eq!(common::assert_chats_in_order(&seen), 3);
}

#[tokio::test]
async fn a_handler_that_always_fails_leaves_a_dead_letter_that_can_be_redriven() {
    let recorder = Recorder::default();
    recorder
        .failing
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let run = start(recorder, 3).await;
    let client = reqwest::Client::new();
    assert_eq!(
        post(&client, &run.url, common::event("C", "DEAD")).await.0,
        200
    );
    let stats = drained(run.receiver.inbox().as_ref()).await;
    assert_eq!((stats.dead, stats.done), (1, 0));
    let dead = run.receiver.inbox().rows(state::DEAD, 10).await.unwrap();
    assert_eq!(dead[0].attempts, 3);
    assert_eq!(run.recorder.seen.lock().unwrap().len(), 3);
    // Re-driven from the command line, against the file the server is using.
    run.recorder
        .failing
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_webhooks-receiver"))
        .args(["redrive", "--all", "--db"])
        .arg(&run.db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "re-driven: 1");
    until(|| !run.recorder.handled().is_empty()).await;
    let stats = drained(run.receiver.inbox().as_ref()).await;
    assert_eq!((stats.dead, stats.done), (0, 1));
    assert_eq!(
        run.recorder.handled()[0].attempt,
        1,
        "attempts count again from a re-drive"
    );
}
