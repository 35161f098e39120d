//! Every API version, from the library and from the command line: each version's samples are
//! valid under it, an action of another version is named as such, wrong types are rejected
//! under every version, and the default is the current stable version.

mod common;

use std::path::PathBuf;

use webhooks_validate::{ApiVersion, ValidationError, Validator};

/// Each version of the manifest with its samples folder and its valid sample files.
fn versions() -> Vec<(ApiVersion, PathBuf, Vec<String>)> {
    common::versions()
        .into_iter()
        .map(|(version, folder, files)| {
            let valid = files.into_iter().filter(|(_, v)| *v).map(|(f, _)| f);
            (version, folder, valid.collect())
        })
        .collect()
}

fn validator(version: ApiVersion) -> Validator {
    Validator::builder()
        .api_version(version)
        .build()
        .expect("builds")
}

#[test]
fn every_valid_sample_of_a_version_passes_under_it() {
    let all = versions();
    assert_eq!(all.len(), ApiVersion::ALL.len());
    for (version, folder, valid) in all {
        let validator = validator(version);
        assert!(valid.len() > 100, "{version}: {}", valid.len());
        for file in valid {
            let body = std::fs::read(folder.join(&file)).expect("sample");
            let webhook = validator.validate(&body);
            assert!(webhook.is_ok(), "{version} {file}: {webhook:?}");
        }
    }
}

#[test]
fn the_default_is_the_current_stable_version() {
    assert_eq!(
        Validator::new().expect("builds").api_version(),
        ApiVersion::STABLE
    );
    let help = common::stdout(&common::run(&["--help"], b""));
    assert!(
        help.contains(&format!("[default: {}]", ApiVersion::STABLE)),
        "{help}"
    );
}

/// The body of `action` from the samples of the first version that has it.
fn body_of(action: &str) -> Vec<u8> {
    versions()
        .into_iter()
        .find_map(|(_, folder, _)| std::fs::read(folder.join(format!("{action}.json"))).ok())
        .unwrap_or_else(|| panic!("no documented sample of {action}"))
}

#[test]
fn an_action_of_another_version_says_where_it_exists() {
    for version in ApiVersion::ALL {
        let others = ApiVersion::ALL
            .into_iter()
            .flat_map(ApiVersion::action_names)
            .filter(|a| !version.knows_action(a));
        for action in others {
            let body = body_of(action);
            let error = validator(version)
                .validate(&body)
                .expect_err("not this version's");
            let ValidationError::UnknownAction { elsewhere, .. } = &error else {
                panic!("{version} {action}: {error:?}");
            };
            let said = error.to_string();
            assert!(said.starts_with(&format!("`{action}` is not a v{version} action (it ")));
            assert_eq!(elsewhere.as_deref(), version.whereabouts(action).as_deref());
            let cli = common::run(&["--api-version", version.name()], &body);
            assert_eq!(cli.status.code(), Some(1), "{version} {action}");
            assert!(
                common::stdout(&cli).contains(&said),
                "{}",
                common::stdout(&cli)
            );
        }
    }
}

#[test]
fn a_wrong_type_is_rejected_under_every_version() {
    let tagged = String::from_utf8(body_of("thread_tagged")).expect("UTF-8");
    let value: serde_json::Value = serde_json::from_str(&tagged).expect("JSON");
    let tag = value["payload"]["tag"].to_string();
    let wrong = tagged.replacen(&tag, "7", 1);
    for version in ApiVersion::ALL {
        let error = validator(version)
            .validate(wrong.as_bytes())
            .expect_err("tag is a string");
        assert_eq!(error.violations()[0].pointer, "/payload/tag", "{version}");
        let cli = common::run(&["--api-version", version.name()], wrong.as_bytes());
        assert_eq!(cli.status.code(), Some(1), "{version}");
        assert!(common::stdout(&cli).contains("/payload/tag"), "{version}");
    }
}
