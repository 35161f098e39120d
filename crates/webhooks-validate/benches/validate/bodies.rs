//! The bodies measured: the stable version's documented samples, a large `incoming_chat` put
//! together from the samples' text, and an NDJSON stream of the documented samples.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::VERSION;

/// Every body measured, built once.
pub(crate) struct Bodies {
    /// The documented samples of [`VERSION`].
    pub(crate) documented: Vec<Vec<u8>>,
    /// One large `incoming_chat`.
    pub(crate) large: Vec<u8>,
    /// The documented samples, one per line, repeated to about 8 MB.
    pub(crate) stream: Vec<u8>,
}

impl Bodies {
    /// Reads the samples `samples/index.json` lists for [`VERSION`] and builds the bodies.
    pub(crate) fn build() -> Self {
        let samples = Samples::load();
        let documented = samples.documented();
        Self {
            large: large_incoming_chat(&samples),
            stream: ndjson(&documented),
            documented,
        }
    }
}

/// The samples of [`VERSION`]: their folder, the manifest's list of files and the version's
/// schema folder.
struct Samples {
    dir: PathBuf,
    files: Vec<Value>,
    schemas: PathBuf,
}

impl Samples {
    /// Reads the manifest's entry of [`VERSION`].
    fn load() -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let text = std::fs::read(root.join("samples/index.json")).expect("the manifest");
        let manifest: Value = serde_json::from_slice(&text).expect("JSON");
        let entry = manifest["versions"]
            .as_array()
            .and_then(|all| all.iter().find(|v| v["version"] == VERSION.name()))
            .expect("the stable version is in the manifest");
        Self {
            dir: root.join(entry["samples"].as_str().expect("a samples folder")),
            files: entry["files"].as_array().expect("files").clone(),
            schemas: root.join(entry["schemas"].as_str().expect("a schema folder")),
        }
    }

    /// The event types the version's schemas tell apart: the `type` constant of each variant
    /// of `Event`.
    fn event_types(&self) -> Vec<String> {
        let path = self.schemas.join("definitions/events.json");
        let text = std::fs::read(path).expect("the events' schema");
        let schema: Value = serde_json::from_slice(&text).expect("JSON");
        let definitions = &schema["definitions"];
        definitions["Event"]["oneOf"]
            .as_array()
            .expect("Event's variants")
            .iter()
            .map(|variant| {
                let reference = variant["$ref"].as_str().expect("a reference");
                let name = reference.trim_start_matches("#/definitions/");
                let kind = &definitions[name]["properties"]["type"]["const"];
                kind.as_str().expect("a type constant").to_owned()
            })
            .collect()
    }

    /// The documented samples.
    fn documented(&self) -> Vec<Vec<u8>> {
        self.files
            .iter()
            .filter(|f| f["kind"] == "documented")
            .map(|f| self.read(f["file"].as_str().expect("a file")).into_bytes())
            .collect()
    }

    /// The sample `name` (a path in the samples folder).
    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).expect("a readable sample")
    }
}

/// Where `part` (a slice of `text`) starts in `text`.
fn offset(text: &str, part: &RawValue) -> usize {
    part.get().as_ptr() as usize - text.as_ptr() as usize
}

/// `text` with its first occurrence of the string `old` replaced by `new`.
fn with_id(text: &str, old: &str, new: &str) -> String {
    text.replacen(&format!("{old:?}"), &format!("{new:?}"), 1)
}

/// `incoming_chat` with a thread of 200 events of every type and six users. The body is put
/// together from the samples' own text, so that every object keeps the member order LiveChat
/// writes (`type` after `id`, as the documented samples have it).
fn large_incoming_chat(samples: &Samples) -> Vec<u8> {
    #[derive(Deserialize)]
    struct Doc<T> {
        payload: T,
    }
    #[derive(Deserialize)]
    struct EventPayload<'a> {
        #[serde(borrow)]
        event: &'a RawValue,
    }
    #[derive(Deserialize)]
    struct ChatPayload<'a> {
        #[serde(borrow)]
        chat: Chat<'a>,
    }
    #[derive(Deserialize)]
    struct Chat<'a> {
        #[serde(borrow)]
        users: &'a RawValue,
        #[serde(borrow)]
        thread: Thread<'a>,
    }
    #[derive(Deserialize)]
    struct Thread<'a> {
        #[serde(borrow)]
        events: &'a RawValue,
    }
    let id_of = |raw: &RawValue| {
        let value: Value = serde_json::from_str(raw.get()).expect("JSON");
        (
            value["id"].as_str().unwrap_or_default().to_owned(),
            value["type"] == "agent",
        )
    };
    let templates: Vec<String> = samples
        .event_types()
        .iter()
        .map(|k| samples.read(&format!("extra/incoming_event.{k}.json")))
        .collect();
    let templates: Vec<(&str, String)> = templates
        .iter()
        .map(|text| {
            let doc: Doc<EventPayload<'_>> = serde_json::from_str(text).expect("an event");
            (doc.payload.event.get(), id_of(doc.payload.event).0)
        })
        .collect();
    let events: Vec<String> = (0..200)
        .map(|i| {
            let (event, id) = &templates[i % templates.len()];
            with_id(event, id, &format!("K600PKZON8_{i}"))
        })
        .collect();
    let chat_text = samples.read("extra/incoming_chat.full.json");
    let doc: Doc<ChatPayload<'_>> = serde_json::from_str(&chat_text).expect("a chat");
    let users_raw = doc.payload.chat.users;
    let sample_users: Vec<&RawValue> = serde_json::from_str(users_raw.get()).expect("users");
    let mut users = Vec::new();
    for i in 0..3 {
        for user in &sample_users {
            let (id, agent) = id_of(user);
            let new = if agent {
                format!("agent{i}@example.com")
            } else {
                format!("b7eff798-f8df-4364-8059-649c35c9ed0{i}")
            };
            users.push(with_id(user.get(), &id, &new));
        }
    }
    // The users' array and the events' array replaced, the later one first.
    let span = |raw: &RawValue| {
        let start = offset(&chat_text, raw);
        (start, start + raw.get().len())
    };
    let (users_start, users_end) = span(users_raw);
    let (events_start, events_end) = span(doc.payload.chat.thread.events);
    let mut parts = [
        (users_start, users_end, format!("[{}]", users.join(",\n"))),
        (
            events_start,
            events_end,
            format!("[{}]", events.join(",\n")),
        ),
    ];
    parts.sort_by_key(|part| std::cmp::Reverse(part.0));
    let mut body = chat_text.clone();
    for (start, end, text) in parts {
        body.replace_range(start..end, &text);
    }
    let check: Value = serde_json::from_str(&body).expect("the large chat is JSON");
    assert_eq!(
        check["payload"]["chat"]["thread"]["events"]
            .as_array()
            .map(Vec::len),
        Some(200)
    );
    body.into_bytes()
}

/// `body` on one line: the whitespace between tokens removed, member order kept.
fn one_line(body: &[u8]) -> Vec<u8> {
    let mut line = Vec::with_capacity(body.len());
    let (mut in_string, mut escaped) = (false, false);
    for &byte in body {
        if in_string {
            in_string = escaped || byte != b'"';
            escaped = !escaped && byte == b'\\';
        } else if byte.is_ascii_whitespace() {
            continue;
        } else {
            in_string = byte == b'"';
        }
        line.push(byte);
    }
    line
}

/// The documented samples, one per line, repeated to about 8 MB.
fn ndjson(bodies: &[Vec<u8>]) -> Vec<u8> {
    let mut lines = Vec::new();
    for body in bodies {
        lines.extend(one_line(body));
        lines.push(b'\n');
    }
    let copies = (8 << 20) / lines.len() + 1;
    lines.repeat(copies)
}
