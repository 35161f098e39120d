//! Sample extraction on the fixture page of `xtask/fixtures/page/`: a few actions written for
//! these tests, with the kinds of defect the real pages have. The check against LiveChat's own
//! page is `cargo xtask samples --check --from PAGE`, run by CI where the page is at hand.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

use super::*;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/page")
}

fn page() -> String {
    let path = fixture_dir().join("page.txt");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {} is readable: {e}", path.display()))
}

fn actions() -> BTreeSet<String> {
    [
        "bot_deleted",
        "bot_updated",
        "events_marked_as_seen",
        "group_created",
        "thread_tagged",
        "thread_untagged",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

/// Extracts `page` for `actions` with the fixture's errata and compares with its samples.
fn check_with(page: &str, actions: &BTreeSet<String>) -> Result<Vec<String>, SampleError> {
    let dir = fixture_dir().join("samples");
    let errata = Errata::load(&dir.join("errata.json"))?;
    run(page, actions, &errata, &dir, true)
}

fn check(page: &str) -> Result<Vec<String>, SampleError> {
    check_with(page, &actions())
}

#[test]
fn the_fixture_samples_are_what_the_fixture_page_gives() {
    assert_eq!(check(&page()), Ok(Vec::new()));
}

#[test]
fn every_kind_of_repair_is_applied() {
    let errata = Errata::load(&fixture_dir().join("samples/errata.json")).expect("errata load");
    let extracted = extract(&page(), &errata, &actions()).expect("the page extracts");
    let get = |stem: &str| -> Value {
        let text = &extracted.iter().find(|(s, _)| s == stem).expect(stem).1;
        serde_json::from_str(text).expect("extracted samples are JSON")
    };
    // `set` on every sample that has the placeholder.
    assert_eq!(
        get("thread_tagged")["additional_data"]["chat_properties"]["routing"]["pinned"],
        false
    );
    // A text repair (trailing comma).
    assert_eq!(get("bot_updated")["payload"]["name"], "Fixture Bot");
    // `wrap`: the bare payload inside an envelope whose action is the heading's.
    let group = get("group_created");
    assert_eq!(group["action"], "group_created");
    assert_eq!(group["payload"]["id"], 7);
    assert_eq!(extracted.len(), 6);
}

#[test]
fn a_changed_sample_is_reported_by_action() {
    let page = page().replace("\"tag\": \"bug_report\"", "\"tag\": \"feature_request\"");
    assert_eq!(
        check(&page),
        Ok(vec!["thread_tagged".into(), "thread_untagged".into()])
    );
}

/// Each defect of a page, made by one replacement in the fixture page, and what it must give:
/// the action, a part of the message and, where there is one, the page line.
#[test]
fn each_page_defect_is_reported_with_its_action() {
    let cases: [(&str, &str, &str, &str, Option<usize>); 4] = [
        // An action without a schema.
        (
            "\nevents_marked_as_seen\n",
            "\nevent_deleted\n",
            "event_deleted",
            "no schema",
            None,
        ),
        // A defect fixed on the page makes its repair stale.
        (
            "\"name\": \"Fixture Bot\",",
            "\"name\": \"Fixture Bot\"",
            "bot_updated",
            "erratum expects",
            None,
        ),
        // A defect no repair covers: the comma ends page line 19, before the `}` of line 20.
        (
            "\"tag\": \"bug_report\"\n}",
            "\"tag\": \"bug_report\",\n}",
            "thread_tagged",
            "trailing comma",
            Some(20),
        ),
        // An Action row naming something else, not recorded.
        (
            "Action | bot_deleted |",
            "Action | delete_bot |",
            "bot_deleted",
            "delete_bot",
            None,
        ),
    ];
    for (from, to, action, message, line) in cases {
        let e = check(&page().replace(from, to)).expect_err(to);
        assert_eq!(e.action.as_deref(), Some(action), "{e}");
        assert!(e.message.contains(message), "{e}");
        if line.is_some() {
            assert_eq!(e.line, line, "{e}");
        }
    }
}

#[test]
fn an_action_the_page_lacks_is_reported() {
    let mut actions = actions();
    actions.insert("bot_created".to_owned());
    let e = check_with(&page(), &actions).expect_err("bot_created is not on the page");
    assert_eq!(e.action.as_deref(), Some("bot_created"));
    assert!(e.message.contains("does not document it"), "{e}");
}

#[test]
fn a_sample_the_page_no_longer_has_is_stale() {
    let start = page()
        .find("bot_deleted\nFixture")
        .expect("bot_deleted section");
    let end = page().find("Groups\n").expect("next section");
    let mut page = page();
    page.replace_range(start..end, "");
    let mut actions = actions();
    actions.remove("bot_deleted");
    let stale = check_with(&page, &actions);
    assert_eq!(stale, Ok(vec!["bot_deleted".to_owned()]));
}

#[test]
fn a_broken_errata_file_is_an_error_not_an_empty_list() {
    let dir = std::env::temp_dir().join(format!("xtask-errata-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let missing = Errata::load(&dir.join("errata.json")).expect_err("missing file");
    assert!(missing.message.contains("cannot read"), "{missing}");
    let cases = [
        (r#"{"repairs": [}"#, "line 1"),
        (
            r#"{"sample_names": {"a": [1]}, "repairs": []}"#,
            "sample_names.a",
        ),
        (r#"{"sample_names": [], "repairs": []}"#, "not an object"),
        (r#"{"repairs": {}}"#, "no `repairs` array"),
    ];
    for (text, expected) in cases {
        std::fs::write(dir.join("errata.json"), text).expect("write");
        let e = Errata::load(&dir.join("errata.json")).expect_err(text);
        assert!(e.message.contains(expected), "{text}: {e}");
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn an_mdx_page_gives_the_samples_of_its_text_form_with_its_own_line_numbers() {
    let path = fixture_dir().join("page.mdx");
    let mdx = std::fs::read_to_string(&path).expect("the MDX fixture");
    assert_eq!(check(&mdx), Ok(Vec::new()));
    let broken = mdx.replace("\"tag\": \"bug_report\"\n}", "\"tag\": \"bug_report\",\n}");
    let e = check(&broken).expect_err("trailing comma");
    let line = e.line.expect("a page line");
    // The comma ends the line before the `}` that closes the payload.
    assert_eq!(broken.lines().nth(line - 1), Some("},"), "{e}");
    assert_eq!(
        broken.lines().nth(line - 2),
        Some("\"tag\": \"bug_report\","),
        "{e}"
    );
}

#[test]
fn the_text_form_of_an_mdx_page_keeps_its_lines() {
    let mdx =
        "### `a_b`\n\nText.\n\n#### Specifics\n\n| **Action** | `a_b` |\n\n```json\n{\n}\n```\n";
    assert_eq!(
        page::text_form(mdx),
        "a_b\n\n\n\nSpecifics\n\nAction | a_b |\n\n\n{\n}\n\n"
    );
    assert_eq!(page::text_form("no\nfences\n"), "no\nfences\n");
}
