//! Writing generated files only when their text changes, and `--check`: the one routine every
//! generating task goes through.

use std::collections::BTreeSet;
use std::path::Path;

/// What [`sync`] found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Files whose text differs from what was generated (written unless checking), then files
    /// of an owned folder that are not generated (removed unless checking), marked so.
    pub stale: Vec<String>,
}

/// Brings `root` in line with `files` (paths relative to `root`): a file is rewritten only when
/// its text changes. Every file below one of the `owned` folders that `files` does not list is
/// removed. With `check`, nothing is written or removed and the differing files are reported.
pub fn sync(
    root: &Path,
    files: &[(String, String)],
    owned: &[&str],
    check: bool,
) -> std::io::Result<Outcome> {
    let mut outcome = Outcome::default();
    for (name, text) in files {
        let path = root.join(name);
        let current = match std::fs::read_to_string(&path) {
            Ok(current) => Some(current),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => None,
            Err(e) => return Err(e),
        };
        if current.as_deref() == Some(text.as_str()) {
            continue;
        }
        outcome.stale.push(name.clone());
        if !check {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, text)?;
        }
    }
    let wanted: BTreeSet<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    let mut extra = Vec::new();
    for dir in owned {
        list(root, dir, &mut extra)?;
    }
    extra.retain(|rel| !wanted.contains(rel.as_str()));
    extra.sort();
    for rel in extra {
        if !check {
            std::fs::remove_file(root.join(&rel))?;
        }
        outcome
            .stale
            .push(format!("{rel} (not generated: removed)"));
    }
    Ok(outcome)
}

/// Ends a generating task: with `check`, fails naming the stale files; otherwise says how many
/// files were generated and written.
pub fn report(
    task: &str,
    generated: &[(String, String)],
    stale: &[String],
    check: bool,
    start: std::time::Instant,
) -> Result<(), String> {
    let ms = start.elapsed().as_millis();
    if !check {
        eprintln!(
            "{task}: {} files, {} written ({ms} ms)",
            generated.len(),
            stale.len()
        );
        return Ok(());
    }
    if !stale.is_empty() {
        return Err(format!(
            "{task}: stale files; run `cargo xtask {task}`:\n  {}",
            stale.join("\n  ")
        ));
    }
    eprintln!("{task}: {} files up to date ({ms} ms)", generated.len());
    Ok(())
}

/// Appends the files below `root/dir` (recursively) to `out`, as `/`-separated paths relative to
/// `root`. A folder that does not exist has no files.
fn list(root: &Path, dir: &str, out: &mut Vec<String>) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(root.join(dir)) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let rel = format!("{dir}/{}", entry.file_name().to_string_lossy());
        if entry.file_type()?.is_dir() {
            list(root, &rel, out)?;
        } else {
            out.push(rel);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("out/sub")).expect("temp dir");
        dir
    }

    #[test]
    fn only_changed_files_are_written_and_strays_of_owned_folders_removed() {
        let root = temp("sync");
        std::fs::write(root.join("out/same.txt"), "same").expect("write");
        std::fs::write(root.join("out/sub/stray.txt"), "old").expect("write");
        std::fs::write(root.join("kept.txt"), "not owned").expect("write");
        let files = vec![
            ("out/same.txt".to_owned(), "same".to_owned()),
            ("out/new.txt".to_owned(), "new".to_owned()),
        ];
        let checked = sync(&root, &files, &["out"], true).expect("check");
        assert_eq!(
            checked.stale,
            ["out/new.txt", "out/sub/stray.txt (not generated: removed)"]
        );
        assert!(!root.join("out/new.txt").exists(), "--check writes nothing");
        assert!(
            root.join("out/sub/stray.txt").exists(),
            "--check removes nothing"
        );

        let written = sync(&root, &files, &["out"], false).expect("write");
        assert_eq!(written.stale, checked.stale);
        assert_eq!(
            std::fs::read_to_string(root.join("out/new.txt")).expect("written"),
            "new"
        );
        assert!(!root.join("out/sub/stray.txt").exists());
        assert!(
            root.join("kept.txt").exists(),
            "files outside owned folders stay"
        );
        let again = sync(&root, &files, &["out"], true).expect("check again");
        assert!(again.stale.is_empty(), "{:?}", again.stale);
        std::fs::remove_dir_all(&root).expect("clean up");
    }
}
