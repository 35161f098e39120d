//! Where everything lives: the API versions the workspace knows and every path derived from
//! them. Tasks and tests take their paths from here; scripts in other languages read the
//! manifest written from it (`samples/index.json`, see [`crate::manifest`]).

use std::path::{Path, PathBuf};

/// A version of LiveChat's Webhooks API that has a folder of schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// The major number.
    pub major: u8,
    /// The minor number.
    pub minor: u8,
}

/// Every version the workspace knows, oldest first. Adding one is a line here, a folder of
/// schemas (or a line in [`SCHEMAS_OF`]) and its documentation page (see ARCHITECTURE.md).
pub const VERSIONS: &[Version] = &[
    Version { major: 3, minor: 5 },
    Version { major: 3, minor: 6 },
    Version { major: 3, minor: 7 },
];

/// Versions whose webhooks do not change from an earlier version: `(version, earlier)`. Such a
/// version has no schemas folder of its own; it takes the earlier version's schemas (and so
/// its ERRATA.md), the repairs of its documented samples and its extra and negative samples.
/// Its own are the documented samples, extracted from its page, and its bundles, stamped with
/// its version.
pub const SCHEMAS_OF: &[(Version, Version)] = &[(
    Version { major: 3, minor: 7 },
    Version { major: 3, minor: 6 },
)];

/// LiveChat's current stable version: the default of the validator, the receiver and the
/// scripts. The versions after it are previews.
pub const STABLE: Version = VERSIONS[1];

/// The version of the reference page the project started from (`cargo xtask samples` reads a
/// page of this version unless told otherwise).
pub const SEED: Version = VERSIONS[0];

/// The versions that have schemas of their own (not taken from an earlier version through
/// [`SCHEMAS_OF`]), oldest first: one set of generated types each.
pub fn own_schemas() -> impl Iterator<Item = Version> {
    VERSIONS.iter().copied().filter(|v| v.schemas_of() == *v)
}

impl Version {
    /// The version as LiveChat writes it: `3.5`.
    pub fn name(self) -> String {
        format!("{}.{}", self.major, self.minor)
    }

    /// The folder name of the version: `v3.5`.
    pub fn dir(self) -> String {
        format!("v{}", self.name())
    }

    /// The name of the version's Rust module: `v3_5`.
    pub fn module(self) -> String {
        format!("v{}_{}", self.major, self.minor)
    }

    /// The name of the version's variant in the generated `ApiVersion` enum: `V3_5`.
    pub fn variant(self) -> String {
        format!("V{}_{}", self.major, self.minor)
    }

    /// The version whose schemas this one uses: itself, unless [`SCHEMAS_OF`] names an
    /// earlier one.
    pub fn schemas_of(self) -> Version {
        SCHEMAS_OF
            .iter()
            .find(|(v, _)| *v == self)
            .map_or(self, |&(_, earlier)| earlier)
    }

    /// The schemas: `schemas/v3.5` (those of [`Self::schemas_of`]).
    pub fn schemas(self) -> String {
        format!("{SCHEMAS_DIR}/{}", self.schemas_of().dir())
    }

    /// The repairs of the documented samples: `samples/v3.5/errata.json` (those of
    /// [`Self::schemas_of`]).
    pub fn errata(self) -> String {
        format!("{}/{ERRATA_FILE}", self.schemas_of().samples())
    }

    /// The folder of the extra and negative samples, `extra/` and `invalid/`: the samples
    /// folder of [`Self::schemas_of`].
    pub fn extra_samples(self) -> String {
        self.schemas_of().samples()
    }

    /// The samples: `samples/v3.5` (documented ones at the top, then `extra/` and `invalid/`).
    pub fn samples(self) -> String {
        format!("{SAMPLES_DIR}/{}", self.dir())
    }

    /// The self-contained bundles: `dist/v3.5`.
    pub fn dist(self) -> String {
        format!("{DIST_DIR}/{}", self.dir())
    }

    /// The copy of the schemas that `webhooks-validate` embeds.
    pub fn validate_schemas(self) -> String {
        format!("{VALIDATE_SCHEMAS_DIR}/{}", self.dir())
    }

    /// The rules that identify one event of the version, for receivers:
    /// `schemas/identity/v3.5.json` (those of [`Self::schemas_of`]).
    pub fn identity(self) -> String {
        format!("{IDENTITY_DIR}/{}.json", self.schemas_of().dir())
    }

    /// The receiver's copy of [`Self::identity`], so that the published crate holds what it
    /// embeds.
    pub fn receiver_identity(self) -> String {
        format!("{RECEIVER_IDENTITY_DIR}/{}.json", self.schemas_of().dir())
    }

    /// The receiver's module of the version's per-action handler trait:
    /// `crates/webhooks-receiver/src/generated/handlers/v3_5.rs`, one for every version (a
    /// version that takes an earlier one's schemas has its own trait over the same types).
    pub fn receiver_handlers(self) -> String {
        format!("{RECEIVER_HANDLERS_DIR}/{}.rs", self.module())
    }

    /// The base of the `$id`s of the bundles.
    pub fn bundle_id_base(self) -> String {
        format!(
            "https://schemas.livechat-webhooks.dev/bundle/{}/",
            self.dir()
        )
    }
}

/// All schemas, one folder per version.
pub const SCHEMAS_DIR: &str = "schemas";
/// All samples, one folder per version.
pub const SAMPLES_DIR: &str = "samples";
/// All bundles, one folder per version.
pub const DIST_DIR: &str = "dist";
/// The versioning of the schemas as a package: its top heading is the version of the bundles.
pub const CHANGELOG: &str = "schemas/CHANGELOG.md";
/// Where the generated modules of `webhooks-types` go.
pub const TYPES_DIR: &str = "crates/webhooks-types/src/generated";
/// Where the embedded schema list of `webhooks-validate` goes.
pub const VALIDATE_DIR: &str = "crates/webhooks-validate/src/generated";
/// Where `webhooks-validate` keeps its copy of the schemas, so that the published crate holds
/// what it embeds.
pub const VALIDATE_SCHEMAS_DIR: &str = "crates/webhooks-validate/schemas";
/// The event identity rules, one file per version with schemas of its own.
pub const IDENTITY_DIR: &str = "schemas/identity";
/// Where `webhooks-receiver` keeps its copy of the identity rules.
pub const RECEIVER_IDENTITY_DIR: &str = "crates/webhooks-receiver/identity";
/// Where the embedded identity list of `webhooks-receiver` goes.
pub const RECEIVER_DIR: &str = "crates/webhooks-receiver/src/generated";
/// Where the per-action handler traits of `webhooks-receiver` go (inside [`RECEIVER_DIR`]): a
/// module per version and the `mod.rs` that lists them.
pub const RECEIVER_HANDLERS_DIR: &str = "crates/webhooks-receiver/src/generated/handlers";
/// The manifest of versions, folders and samples, for scripts and tests.
pub const MANIFEST: &str = "samples/index.json";
/// The npm package's sources: hand-written (`package.json`, `src/*.ts`) and generated
/// (`src/generated/`, by `cargo xtask codegen`).
pub const NPM_DIR: &str = "packages/npm";
/// The npm package's generated TypeScript: one module per version.
pub const NPM_GENERATED_DIR: &str = "packages/npm/src/generated";
/// The Python package's sources (`pyproject.toml`, `src/livechat_webhooks/`).
pub const PYTHON_DIR: &str = "packages/python";
/// The Python package's generated modules: the models of each version.
pub const PYTHON_GENERATED_DIR: &str = "packages/python/src/livechat_webhooks/_generated";
/// The folder below cargo's target directory where `cargo xtask package` puts the artifacts.
pub const PACKAGES_OUT: &str = "packages";
/// The folder below cargo's target directory where `cargo xtask package` stages them.
pub const PACKAGES_WORK: &str = "packages-work";
/// The folder below cargo's target directory where `cargo xtask package` keeps the build tools
/// it installs, between runs.
pub const PACKAGES_CACHE: &str = "packages-cache";
/// The name of both packages, on npm and on PyPI.
pub const PACKAGE_NAME: &str = "livechat-webhooks";
/// The Python import name.
pub const PYTHON_IMPORT: &str = "livechat_webhooks";
/// Name of the repairs file in a samples folder.
pub const ERRATA_FILE: &str = "errata.json";
/// Folder of the samples written from the tables, below a samples folder.
pub const EXTRA_DIR: &str = "extra";
/// Folder of the negative samples, below a samples folder.
pub const INVALID_DIR: &str = "invalid";
/// The expected error of each negative sample, in [`INVALID_DIR`].
pub const EXPECTED_FILE: &str = "expected.json";

/// The workspace root (the parent of the `xtask` folder).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// `rel` (a `/`-separated path from the workspace root) as a path on this machine.
pub fn path(rel: &str) -> PathBuf {
    root().join(rel)
}

/// Cargo's target directory: `CARGO_TARGET_DIR`, else the `target_directory` of
/// `cargo metadata` (which reads the configuration's `build.target-dir` too), else `target/`
/// at the workspace root.
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let metadata = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root())
        .output();
    let from_metadata = metadata
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| serde_json::from_slice::<serde_json::Value>(&out.stdout).ok())
        .and_then(|value| value["target_directory"].as_str().map(PathBuf::from));
    from_metadata.unwrap_or_else(|| root().join("target"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_version() {
        let v = Version {
            major: 9,
            minor: 10,
        };
        assert_eq!(v.schemas(), "schemas/v9.10");
        assert_eq!(v.samples(), "samples/v9.10");
        assert_eq!(v.dist(), "dist/v9.10");
        assert_eq!(
            v.validate_schemas(),
            "crates/webhooks-validate/schemas/v9.10"
        );
    }

    #[test]
    fn a_version_takes_the_schemas_of_the_version_named_in_schemas_of() {
        for &(v, earlier) in SCHEMAS_OF {
            assert!(
                VERSIONS.contains(&v) && VERSIONS.contains(&earlier),
                "{v:?}"
            );
            assert!(earlier < v, "{v:?} takes the schemas of a later version");
            assert_eq!(
                earlier.schemas_of(),
                earlier,
                "{earlier:?} has schemas of its own"
            );
            assert_eq!(v.schemas(), earlier.schemas());
            assert_eq!(v.errata(), earlier.errata());
            assert_ne!(v.samples(), earlier.samples());
            assert_ne!(v.dist(), earlier.dist());
            assert!(
                !path(&format!("{SCHEMAS_DIR}/{}", v.dir())).exists(),
                "{v:?} takes its schemas from {earlier:?}: no folder of its own"
            );
        }
        let own = VERSIONS[0];
        assert_eq!(own.schemas(), format!("{SCHEMAS_DIR}/{}", own.dir()));
        assert_eq!(own.errata(), format!("{}/{ERRATA_FILE}", own.samples()));
    }

    #[test]
    fn every_version_has_its_schemas_and_samples() {
        for v in VERSIONS {
            assert!(path(&v.schemas()).join("webhook.json").is_file(), "{v:?}");
            assert!(path(&v.samples()).is_dir(), "{v:?}");
            assert!(path(&v.errata()).is_file(), "{v:?}");
        }
        assert!(VERSIONS.windows(2).all(|w| w[0] < w[1]), "oldest first");
        assert!(
            Version { major: 3, minor: 9 }
                < Version {
                    major: 3,
                    minor: 10
                }
        );
    }
}
