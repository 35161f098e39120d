//! `cargo xtask dist-cli`: the shell completions (bash, zsh, fish) and man pages of the
//! workspace's commands, made by `clap_complete` and `clap_mangen` from the commands' own clap
//! definitions (`webhooks_validate::cli::command`, `webhooks_receiver::cli::command`) and
//! written to `<target dir>/dist-cli/`: `completions/<command>.bash`, `completions/_<command>`
//! (zsh), `completions/<command>.fish`, `man/<command>.1` and a page per subcommand
//! (`man/<command>-<subcommand>.1`). The files are build output, not kept in the repository:
//! no `--check`.

use std::path::{Path, PathBuf};

use clap_complete::{Generator, Shell};

use crate::layout;

/// The folder below the target directory that the task writes.
const DIST_DIR: &str = "dist-cli";
/// The folders of [`DIST_DIR`] that the task owns: emptied, then written.
const COMPLETIONS_DIR: &str = "completions";
const MAN_DIR: &str = "man";
/// The shells completed.
const SHELLS: [Shell; 3] = [Shell::Bash, Shell::Zsh, Shell::Fish];

/// The commands, as their crates define them.
fn commands() -> [clap::Command; 2] {
    [
        webhooks_validate::cli::command(),
        webhooks_receiver::cli::command(),
    ]
}

/// Writes the files into `<target dir>/dist-cli/` and prints each path.
pub fn run() -> Result<(), String> {
    let out = layout::target_dir().join(DIST_DIR);
    let written = write_all(&out)?;
    for path in &written {
        println!("wrote {}", shown(path).display());
    }
    println!(
        "dist-cli: {} files in {}",
        written.len(),
        shown(&out).display()
    );
    Ok(())
}

/// Writes every file under `out` (its `completions/` and `man/` emptied first, so that a
/// subcommand removed leaves no page behind); the paths written. Any error of the file system
/// is an error naming the path.
pub fn write_all(out: &Path) -> Result<Vec<PathBuf>, String> {
    let files = files()?;
    for dir in [COMPLETIONS_DIR, MAN_DIR] {
        let dir = out.join(dir);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
        }
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut written = Vec::with_capacity(files.len());
    for (rel, text) in files {
        let path = out.join(rel);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// Every file: its path below `dist-cli/` and its text.
pub fn files() -> Result<Vec<(PathBuf, Vec<u8>)>, String> {
    let mut files = Vec::new();
    for command in commands() {
        let name = command.get_name().to_owned();
        for shell in SHELLS {
            let mut text = Vec::new();
            clap_complete::generate(shell, &mut command.clone(), &name, &mut text);
            if shell == Shell::Bash {
                text = bash_states_spelled_alike(&text, &name).into_bytes();
            }
            files.push((
                Path::new(COMPLETIONS_DIR).join(shell.file_name(&name)),
                text,
            ));
        }
        // The footer of every page: the command and its version (a subcommand has none).
        let source = format!("{name} {}", command.get_version().unwrap_or_default());
        let mut command = command.disable_help_subcommand(true);
        command.build();
        man_pages(&command, &source, &mut files)?;
    }
    Ok(files)
}

/// The bash script of `clap_complete` with the states of its subcommands spelled alike: for a
/// command whose name has a hyphen, its loop over the words spells the state of
/// `webhooks-receiver serve` `webhooks__receiver__subcmd__serve`, while the arm that completes
/// it is labelled `webhooks__subcmd__receiver__subcmd__serve`, so nothing after a subcommand
/// completes (clap-rs/clap#6421, open in clap_complete 4.6.12). The labels are respelled as
/// the loop spells them; once clap_complete spells them alike, this changes nothing.
fn bash_states_spelled_alike(script: &[u8], name: &str) -> String {
    const SEP: &str = "__subcmd__";
    let script = String::from_utf8_lossy(script);
    if !name.contains('-') {
        return script.into_owned();
    }
    let label = format!("{}{SEP}", name.replace('-', SEP));
    let state = format!("{}{SEP}", name.replace('-', "__"));
    script.replace(&label, &state)
}

/// The man page of `command` (built, so that a subcommand's page is named after its parent,
/// `webhooks-receiver-serve.1`) and of each subcommand that is not hidden.
fn man_pages(
    command: &clap::Command,
    source: &str,
    files: &mut Vec<(PathBuf, Vec<u8>)>,
) -> Result<(), String> {
    let man = clap_mangen::Man::new(command.clone()).source(source);
    let mut text = Vec::new();
    man.render(&mut text)
        .map_err(|e| format!("cannot render the man page of {}: {e}", command.get_name()))?;
    files.push((Path::new(MAN_DIR).join(man.get_filename()), text));
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        man_pages(sub, source, files)?;
    }
    Ok(())
}

/// `path` from the workspace root when it is below it.
fn shown(path: &Path) -> &Path {
    let root = layout::root();
    path.strip_prefix(&root).unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("xtask-dist-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn every_command_gets_three_completions_and_a_man_page_per_subcommand() {
        let files = files().expect("files");
        let names: Vec<String> = files
            .iter()
            .map(|(path, _)| path.to_string_lossy().replace('\\', "/"))
            .collect();
        for name in [
            "completions/webhooks-validate.bash",
            "completions/_webhooks-validate",
            "completions/webhooks-validate.fish",
            "completions/webhooks-receiver.bash",
            "completions/_webhooks-receiver",
            "completions/webhooks-receiver.fish",
            "man/webhooks-validate.1",
            "man/webhooks-receiver.1",
            "man/webhooks-receiver-serve.1",
            "man/webhooks-receiver-send.1",
            "man/webhooks-receiver-dead.1",
            "man/webhooks-receiver-redrive.1",
            "man/webhooks-receiver-prune.1",
        ] {
            assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
        }
        assert_eq!(names.len(), 13, "{names:?}");
        let text = |name: &str| {
            let (_, text) = files
                .iter()
                .find(|(path, _)| path.ends_with(name))
                .expect(name);
            String::from_utf8_lossy(text).into_owned()
        };
        let bash = text("webhooks-receiver.bash");
        assert!(bash.contains("complete -F _webhooks__receiver"), "{bash}");
        assert!(bash.contains("--api-version"));
        // roff escapes the dashes of an option.
        let serve = text("webhooks-receiver-serve.1");
        assert!(serve.contains("api\\-version"), "{serve}");
        assert!(text("webhooks-validate.1").contains("LiveChat Webhooks API"));
    }

    #[test]
    fn each_bash_state_is_spelled_as_the_loop_spells_it() {
        let files = files().expect("files");
        let (_, bash) = files
            .iter()
            .find(|(path, _)| path.ends_with("webhooks-receiver.bash"))
            .expect("the receiver's bash completion");
        let bash = String::from_utf8_lossy(bash);
        assert!(!bash.contains("webhooks__subcmd__receiver"), "{bash}");
        for sub in ["serve", "send", "dead", "redrive", "prune"] {
            let state = format!("webhooks__receiver__subcmd__{sub}");
            assert!(bash.contains(&format!("cmd=\"{state}\"")), "{sub}");
            assert!(bash.contains(&format!("        {state})")), "{sub}");
        }
        let plain = bash_states_spelled_alike(b"a__subcmd__b__subcmd__c)", "ab");
        assert_eq!(plain, "a__subcmd__b__subcmd__c)");
    }

    #[test]
    fn the_files_are_written_and_stale_ones_removed() {
        let out = temp("write");
        std::fs::create_dir_all(out.join(MAN_DIR)).expect("dir");
        std::fs::write(out.join(MAN_DIR).join("gone.1"), "stale").expect("stale page");
        let written = write_all(&out).expect("written");
        assert_eq!(written.len(), files().expect("files").len());
        assert!(written.iter().all(|p| p.is_file()));
        assert!(!out.join(MAN_DIR).join("gone.1").exists());
        let _ = std::fs::remove_dir_all(&out);
    }

    #[test]
    fn a_write_error_is_an_error_naming_the_path() {
        let out = temp("blocked");
        std::fs::create_dir_all(&out).expect("dir");
        // A file where the folder should be.
        std::fs::write(out.join(COMPLETIONS_DIR), "not a folder").expect("file");
        let error = write_all(&out).expect_err("a file is in the way");
        assert!(error.contains(COMPLETIONS_DIR), "{error}");
        let _ = std::fs::remove_dir_all(&out);
    }
}
