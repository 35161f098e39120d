//! Writing generated files only when their text changes.

use std::path::Path;

/// What [`sync`] found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Files whose text differs from what was generated (written unless checking).
    pub stale: Vec<String>,
}

/// Brings `dir` in line with `files`: a file is rewritten only when its text changes. With
/// `check`, nothing is written and the differing files are reported.
pub fn sync(dir: &Path, files: &[(String, String)], check: bool) -> std::io::Result<Outcome> {
    let mut outcome = Outcome::default();
    for (name, text) in files {
        let path = dir.join(name);
        let current = match std::fs::read_to_string(&path) {
            Ok(current) => Some(current),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
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
    Ok(outcome)
}
