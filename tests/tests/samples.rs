//! The samples of the typed version (as `samples/index.json` lists them) against the schemas
//! and the generated types: every valid sample is accepted by both and survives a round trip;
//! every negative sample fails where `invalid/expected.json` says; the typed values and the
//! public surface are snapshots.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;
use webhooks_tests::{
    bundle_dir, invalid_samples, json_files, read_json, root, sample_dir, samples, schema_dir,
    schema_errors, webhook_validator,
};
use webhooks_types::{Action, Webhook};
use webhooks_validate::{ValidationError, Validator};

/// Snapshot name of a sample: `extra/incoming_chat.full` → `typed__extra__incoming_chat.full`.
fn snapshot_name(sample: &str) -> String {
    format!("typed__{}", sample.replace('/', "__"))
}

#[test]
fn there_are_documented_extra_and_negative_samples() {
    let all = samples();
    let documented = all.iter().filter(|s| s.documented()).count();
    let extra = all.len() - documented;
    // 37 actions, `auto_accesses_updated` documented three times.
    assert_eq!(documented, 39, "documented samples");
    // A minimal and a full sample per action, at least.
    assert!(extra >= 2 * Action::ALL.len(), "only {extra} extra samples");
    assert!(
        invalid_samples().len() >= 20,
        "fewer than 20 negative samples"
    );
}

#[test]
fn every_sample_is_valid_against_its_schema() {
    let lenient = Validator::new().expect("schemas compile");
    let strict = Validator::builder()
        .strict(true)
        .build()
        .expect("schemas compile");
    let engine = webhook_validator();
    let mut failures = String::new();
    for sample in samples() {
        // Through the validator crate: schema, then the typed parse (a disagreement fails).
        for validator in [&lenient, &strict] {
            if let Err(e) = validator.validate(&sample.bytes) {
                let _ = writeln!(
                    failures,
                    "{} (strict: {}): {e}",
                    sample.name,
                    validator.is_strict()
                );
            }
        }
        // And through `webhook.json` with the engine alone.
        for (pointer, keyword, message) in schema_errors(&engine, &sample.value) {
            let _ = writeln!(
                failures,
                "{}: {pointer} ({keyword}): {message}",
                sample.name
            );
        }
    }
    assert!(
        failures.is_empty(),
        "samples rejected by the schemas:\n{failures}"
    );
}

#[test]
fn every_sample_parses_into_its_variant_and_round_trips() {
    let mut failures = String::new();
    for sample in samples() {
        let webhook = match Webhook::from_slice(&sample.bytes) {
            Ok(webhook) => webhook,
            Err(e) => {
                let _ = writeln!(failures, "{}: {e}", sample.name);
                continue;
            }
        };
        let expected = Action::from_name(sample.action());
        if expected.is_none() || webhook.action() != expected {
            let _ = writeln!(
                failures,
                "{}: action `{}` parsed as variant of {:?}",
                sample.name,
                sample.action(),
                webhook.action()
            );
        }
        match serde_json::to_value(&webhook) {
            Ok(back) if back == sample.value => {}
            Ok(back) => {
                let _ = writeln!(
                    failures,
                    "{}: round trip differs:\n  in:  {}\n  out: {}",
                    sample.name, sample.value, back
                );
            }
            Err(e) => {
                let _ = writeln!(failures, "{}: does not serialize: {e}", sample.name);
            }
        }
        // The generic `Deserialize` (from a `Value`) agrees with the fast path.
        match serde_json::from_value::<Webhook>(sample.value.clone()) {
            Ok(generic) if generic == webhook => {}
            Ok(_) => {
                let _ = writeln!(failures, "{}: generic parse differs", sample.name);
            }
            Err(e) => {
                let _ = writeln!(failures, "{}: generic parse fails: {e}", sample.name);
            }
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn typed_values_match_their_snapshots() {
    for sample in samples() {
        let webhook =
            Webhook::from_slice(&sample.bytes).unwrap_or_else(|e| panic!("{}: {e}", sample.name));
        let secret = sample.value["secret_key"].as_str().unwrap_or_default();
        let debug = format!("{webhook:#?}");
        assert!(
            secret.len() < 4 || !debug.contains(secret),
            "{}: the secret key shows in Debug output",
            sample.name
        );
        insta::assert_snapshot!(snapshot_name(&sample.name), debug);
    }
}

#[test]
fn no_snapshot_outlives_its_sample() {
    let wanted: BTreeSet<String> = samples()
        .iter()
        .map(|s| format!("samples__{}.snap", snapshot_name(&s.name)))
        .collect();
    let dir = root().join("tests/tests/snapshots");
    let present: BTreeSet<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.starts_with("samples__typed__") && name.ends_with(".snap"))
                .collect()
        })
        .unwrap_or_default();
    let orphans: Vec<_> = present.difference(&wanted).collect();
    assert!(
        orphans.is_empty(),
        "snapshots without a sample: {orphans:?}"
    );
}

/// Every action has a schema, a documented sample, an entry in `webhook.json` and a generated
/// `Payload` variant; every schema and every sample belongs to an action.
#[test]
fn actions_schemas_samples_and_variants_cover_each_other() {
    let actions: BTreeSet<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
    assert_eq!(actions.len(), 37);

    let schemas: BTreeSet<String> = json_files(&schema_dir().join("actions"))
        .into_iter()
        .map(|(rel, _)| rel.trim_end_matches(".json").to_owned())
        .collect();
    let documented: BTreeSet<String> = samples()
        .iter()
        .filter(|s| s.documented())
        .map(|s| s.action().to_owned())
        .collect();
    let extra: BTreeSet<String> = samples()
        .iter()
        .filter(|s| !s.documented())
        .map(|s| s.action().to_owned())
        .collect();
    let webhook_enum: BTreeSet<String> = json_files(&schema_dir())
        .into_iter()
        .find(|(rel, _)| rel == "webhook.json")
        .and_then(|(_, doc)| doc["properties"]["action"]["enum"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let variants = payload_variants();

    let mut problems = Vec::new();
    for action in &actions {
        let name = action.to_string();
        if !schemas.contains(&name) {
            problems.push(format!("`{action}` has no schema"));
        }
        if !documented.contains(&name) {
            problems.push(format!("`{action}` has no documented sample"));
        }
        if !extra.contains(&name) {
            problems.push(format!("`{action}` has no extra sample"));
        }
        if !webhook_enum.contains(&name) {
            problems.push(format!("`{action}` is missing from webhook.json"));
        }
        if !variants.contains(&camel_case(action)) {
            problems.push(format!("`{action}` has no `Payload` variant"));
        }
    }
    for schema in &schemas {
        if !actions.contains(schema.as_str()) {
            problems.push(format!("schema `{schema}` has no action"));
        }
    }
    for action in documented.iter().chain(&extra).chain(&webhook_enum) {
        if !actions.contains(action.as_str()) {
            problems.push(format!(
                "`{action}` (sample or webhook.json) is not an action"
            ));
        }
    }
    for variant in &variants {
        if variant != "Unknown" && !actions.iter().any(|a| camel_case(a) == *variant) {
            problems.push(format!("variant `{variant}` has no action"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

fn camel_case(action: &str) -> String {
    action
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn parse_generated(file: &str) -> syn::File {
    let path = root()
        .join("crates/webhooks-types/src/generated")
        .join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    syn::parse_file(&text).unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()))
}

/// The variants of the generated `Payload` enum.
fn payload_variants() -> BTreeSet<String> {
    parse_generated("payload.rs")
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Enum(e) if e.ident == "Payload" => Some(
                e.variants
                    .iter()
                    .map(|v| v.ident.to_string())
                    .collect::<BTreeSet<_>>(),
            ),
            _ => None,
        })
        .unwrap_or_default()
}

/// The public surface of the generated types: every type with its fields or variants and
/// their types, one per line.
#[test]
fn public_surface_of_the_generated_types() {
    let file = parse_generated("types.rs");
    let mut out = String::new();
    let mut count = 0;
    for item in &file.items {
        match item {
            syn::Item::Struct(s) if matches!(s.vis, syn::Visibility::Public(_)) => {
                count += 1;
                let _ = writeln!(out, "struct {}", s.ident);
                for field in &s.fields {
                    let name = field
                        .ident
                        .as_ref()
                        .map_or_else(|| "0".to_owned(), ToString::to_string);
                    let _ = writeln!(out, "    {name}: {}", type_text(&field.ty));
                }
            }
            syn::Item::Enum(e) if matches!(e.vis, syn::Visibility::Public(_)) => {
                count += 1;
                let _ = writeln!(out, "enum {}", e.ident);
                for variant in &e.variants {
                    let rename = serde_rename(&variant.attrs)
                        .map(|r| format!(" = {r:?}"))
                        .unwrap_or_default();
                    let fields: Vec<String> =
                        variant.fields.iter().map(|f| type_text(&f.ty)).collect();
                    if fields.is_empty() {
                        let _ = writeln!(out, "    {}{rename}", variant.ident);
                    } else {
                        let _ =
                            writeln!(out, "    {}({}){rename}", variant.ident, fields.join(", "));
                    }
                }
            }
            syn::Item::Type(t) if matches!(t.vis, syn::Visibility::Public(_)) => {
                count += 1;
                let _ = writeln!(out, "type {} = {}", t.ident, type_text(&t.ty));
            }
            _ => {}
        }
    }
    assert!(count > 100, "only {count} generated types");
    insta::assert_snapshot!("public_surface", format!("{count} types\n\n{out}"));
}

fn type_text(ty: &syn::Type) -> String {
    quote::quote!(#ty)
        .to_string()
        .replace(":: std :: option :: ", "")
        .replace(":: std :: vec :: ", "")
        .replace(":: std :: string :: ", "")
        .replace(":: std :: collections :: ", "")
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" < ", "<")
        .replace(" <", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
}

fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    let mut rename = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                rename = Some(value.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    rename
}

/// Each negative sample fails validation with the pointer and keyword `invalid/expected.json`
/// records (or as invalid JSON), never as a schema/type disagreement, and the typed parse alone
/// rejects or accepts it as recorded.
#[test]
fn negative_samples_fail_where_expected() {
    let expected: Value = std::fs::read(sample_dir().join("invalid/expected.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_else(|| panic!("invalid/expected.json is missing or not JSON"));
    let expected = expected
        .as_object()
        .unwrap_or_else(|| panic!("invalid/expected.json is not an object"));
    let validator = Validator::new().expect("schemas compile");
    let engine = webhook_validator();
    let cases = invalid_samples();
    let names: BTreeSet<&str> = cases.iter().map(|(name, _)| name.as_str()).collect();
    for name in expected.keys() {
        assert!(
            names.contains(name.as_str()),
            "expected.json names a missing file: {name}"
        );
    }

    let mut failures = String::new();
    let mut report = String::new();
    for (name, bytes) in &cases {
        let Some(want) = expected.get(name) else {
            let _ = writeln!(failures, "{name}: not in expected.json");
            continue;
        };
        let pointer = want["pointer"].as_str().unwrap_or_default();
        let keyword = want["keyword"].as_str().unwrap_or_default();
        let _ = writeln!(
            report,
            "{name}: {}",
            want["description"].as_str().unwrap_or_default()
        );

        match validator.validate(bytes) {
            Ok(webhook) => {
                let _ = writeln!(failures, "{name}: accepted as {}", webhook.action_name());
            }
            Err(ValidationError::Invalid(violations)) => {
                for v in &violations {
                    let _ = writeln!(report, "  {} [{}] {v}", v.keyword, v.schema);
                }
                if !violations
                    .iter()
                    .any(|v| v.pointer == pointer && v.keyword == keyword)
                {
                    let _ = writeln!(
                        failures,
                        "{name}: expected `{keyword}` at {pointer:?}, got {violations:#?}"
                    );
                }
            }
            Err(e @ (ValidationError::Json { .. } | ValidationError::NotAnObject { .. })) => {
                let _ = writeln!(report, "  {e}");
                let kind = if matches!(e, ValidationError::Json { .. }) {
                    "json"
                } else {
                    "type"
                };
                if keyword != kind || !pointer.is_empty() {
                    let _ = writeln!(failures, "{name}: {e}, expected `{keyword}` at {pointer:?}");
                }
            }
            Err(e) => {
                let _ = writeln!(failures, "{name}: {e}");
            }
        }

        // The engine alone, through `webhook.json`, rejects it too.
        if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
            if engine.is_valid(&value) {
                let _ = writeln!(failures, "{name}: webhook.json accepts it");
            }
        }

        let typed = Webhook::from_slice(bytes);
        match &typed {
            Ok(webhook) => {
                let _ = writeln!(report, "  typed: accepted as {}", webhook.action_name());
            }
            Err(e) => {
                let _ = writeln!(report, "  typed: {e}");
            }
        }
        match (want["typed"].as_str(), typed.is_ok()) {
            (Some("reject"), false) | (Some("accept"), true) => {}
            (verdict, accepted) => {
                let _ = writeln!(
                    failures,
                    "{name}: typed parse accepted={accepted}, expected {verdict:?}"
                );
            }
        }
    }
    assert!(failures.is_empty(), "{failures}");
    insta::assert_snapshot!("negative_samples", report);
}

/// Every `extra/<action>.full.json` sample holds every property its schema documents, in every
/// object it contains (the variant its tag selects, for a union), but for the members a `not`
/// forbids together (a match condition has `values` or `exclude_values`).
#[test]
fn full_samples_hold_every_documented_property() {
    let mut missing = Vec::new();
    let mut count = 0;
    for sample in samples() {
        if !sample.name.ends_with(".full") {
            continue;
        }
        count += 1;
        let bundle = read_json(
            &bundle_dir()
                .join("actions")
                .join(format!("{}.json", sample.action())),
        );
        let mut walk = Walk {
            bundle: &bundle,
            missing: &mut missing,
            sample: &sample.name,
        };
        walk.check(&bundle, &sample.value, "");
    }
    assert_eq!(count, Action::ALL.len(), "one full sample per action");
    assert!(
        missing.is_empty(),
        "documented properties missing: {missing:#?}"
    );
}

struct Walk<'a> {
    bundle: &'a Value,
    missing: &'a mut Vec<String>,
    sample: &'a str,
}

impl Walk<'_> {
    fn check(&mut self, schema: &Value, value: &Value, at: &str) {
        if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
            let pointer = target.trim_start_matches('#');
            let resolved = self
                .bundle
                .pointer(pointer)
                .unwrap_or_else(|| panic!("dangling {target}"))
                .clone();
            return self.check(&resolved, value, at);
        }
        if let Some(alternatives) = schema.get("oneOf").and_then(Value::as_array) {
            for alternative in alternatives {
                let resolved = match alternative.get("$ref").and_then(Value::as_str) {
                    Some(target) => self
                        .bundle
                        .pointer(target.trim_start_matches('#'))
                        .cloned()
                        .unwrap_or_default(),
                    None => alternative.clone(),
                };
                let tags: Vec<(&String, &Value)> = resolved["properties"]
                    .as_object()
                    .map(|p| {
                        p.iter()
                            .filter_map(|(k, v)| v.get("const").map(|c| (k, c)))
                            .collect()
                    })
                    .unwrap_or_default();
                if !tags.is_empty() && tags.iter().all(|(k, c)| value.get(k.as_str()) == Some(*c)) {
                    return self.check(&resolved, value, at);
                }
            }
            return;
        }
        if let (Some(properties), Some(object)) = (
            schema.get("properties").and_then(Value::as_object),
            value.as_object(),
        ) {
            let exclusive: Vec<&str> = schema["not"]["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for (name, property) in properties {
                match object.get(name) {
                    Some(inner) => self.check(property, inner, &format!("{at}/{name}")),
                    None if exclusive.contains(&name.as_str())
                        && exclusive.iter().any(|e| object.contains_key(*e)) => {}
                    None => self.missing.push(format!("{}: {at}/{name}", self.sample)),
                }
            }
        }
        if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
            for (i, item) in array.iter().enumerate() {
                self.check(items, item, &format!("{at}/{i}"));
            }
        }
        if let (Some(values), Some(object)) = (
            schema.get("additionalProperties").filter(|s| s.is_object()),
            value.as_object(),
        ) {
            for (key, inner) in object {
                self.check(values, inner, &format!("{at}/{key}"));
            }
        }
    }
}
