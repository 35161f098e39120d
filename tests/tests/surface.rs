//! The generated types against the schemas and samples of every version: every action has its
//! schema, samples, `webhook.json` entry and `Payload` variant, and the public surface of each
//! version's generated code is a snapshot.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use webhooks_tests::{json_files, root, versions, ApiVersion};

/// The versions whose types are generated from schemas of their own (the others re-export an
/// earlier version's).
fn own_types() -> Vec<ApiVersion> {
    versions()
        .into_iter()
        .filter(|v| v.schemas.ends_with(format!("v{}", v.name)))
        .collect()
}

/// Every action has a schema, a documented sample, an entry in `webhook.json` and a generated
/// `Payload` variant; every schema and every sample belongs to an action.
#[test]
fn actions_schemas_samples_and_variants_cover_each_other() {
    for version in versions() {
        let problems = coverage(&version);
        assert!(problems.is_empty(), "v{}: {problems:#?}", version.name);
    }
}

fn coverage(version: &ApiVersion) -> Vec<String> {
    let actions: BTreeSet<&str> = version.api().action_names().iter().copied().collect();
    assert!(
        actions.len() > 30,
        "v{}: {} actions",
        version.name,
        actions.len()
    );
    let schemas: BTreeSet<String> = json_files(&version.schemas.join("actions"))
        .into_iter()
        .map(|(rel, _)| rel.trim_end_matches(".json").to_owned())
        .collect();
    let samples = version.samples();
    let documented: BTreeSet<String> = samples
        .iter()
        .filter(|s| s.documented())
        .map(|s| s.action().to_owned())
        .collect();
    let extra: BTreeSet<String> = samples
        .iter()
        .filter(|s| !s.documented())
        .map(|s| s.action().to_owned())
        .collect();
    let webhook_enum: BTreeSet<String> = version.actions().into_iter().collect();
    let own = own_types()
        .into_iter()
        .find(|v| v.schemas == version.schemas)
        .expect("the version whose schemas these are has types");
    let variants = payload_variants(&own);

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
        if !variants.contains(&pascal_case(action)) {
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
        if variant != "Unknown" && !actions.iter().any(|a| pascal_case(a) == *variant) {
            problems.push(format!("variant `{variant}` has no action"));
        }
    }
    problems
}

fn pascal_case(action: &str) -> String {
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

fn parse_generated(version: &ApiVersion, file: &str) -> syn::File {
    let path = root()
        .join("crates/webhooks-types/src/generated")
        .join(version.module())
        .join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    syn::parse_file(&text).unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()))
}

/// The variants of the version's generated `Payload` enum.
fn payload_variants(version: &ApiVersion) -> BTreeSet<String> {
    parse_generated(version, "payload.rs")
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

/// The public surface of each version's generated types: every type with its fields or
/// variants and their types, one per line.
#[test]
fn public_surface_of_the_generated_types() {
    let own = own_types();
    assert!(own.len() >= 2, "{own:?}");
    for version in own {
        let (count, out) = surface(&parse_generated(&version, "types.rs"));
        assert!(
            count > 100,
            "v{}: only {count} generated types",
            version.name
        );
        insta::assert_snapshot!(
            format!("public_surface__v{}", version.name),
            format!("{count} types\n\n{out}")
        );
    }
}

/// The number of public types of `file`, and their listing.
fn surface(file: &syn::File) -> (usize, String) {
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
    (count, out)
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
