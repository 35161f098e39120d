//! Where `serve` and `send` read the secret: `--secret-key-file`, `serve`'s `--secret-key-env`,
//! or else the environment variable every command of the workspace reads
//! ([`SECRET_ENV`], or its earlier name [`SECRET_ENV_ALIAS`] when that one is not set).

use std::path::{Path, PathBuf};

use webhooks_validate::cli::{SECRET_ENV, SECRET_ENV_ALIAS};

use super::{Command, Failure};
use crate::secrets::{read_env, read_file, secret_lines};
use crate::{SecretKeys, SecretsError};

/// Where the secret (or the accepted secrets, one per line) is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Source {
    /// `--secret-key-file FILE`.
    File(PathBuf),
    /// An environment variable: `--secret-key-env VAR`, or the shared one that is set.
    Env(String),
}

/// What `serve`'s usage error says when no secret is given.
pub(super) const SERVE_MISSING: &str = "no secret key: give --secret-key-file FILE or \
    --secret-key-env VAR, or set LIVECHAT_SECRET_KEY (or its earlier name WEBHOOKS_SECRET_KEY), \
    one key per line";

/// What `send`'s usage error says when no secret is given.
pub(super) const SEND_MISSING: &str = "no secret key: give --secret-key-file FILE, or set \
    LIVECHAT_SECRET_KEY (or its earlier name WEBHOOKS_SECRET_KEY)";

/// The source of the secret: the file, else the variable named on the command line, else the
/// shared variable that `is_set` says is set ([`SECRET_ENV`] first); `None` when there is none.
pub(super) fn choose(
    file: Option<&Path>,
    var: Option<&str>,
    is_set: impl Fn(&str) -> bool,
) -> Option<Source> {
    if let Some(file) = file {
        return Some(Source::File(file.to_path_buf()));
    }
    if let Some(var) = var {
        return Some(Source::Env(var.to_owned()));
    }
    [SECRET_ENV, SECRET_ENV_ALIAS]
        .into_iter()
        .find(|name| is_set(name))
        .map(|name| Source::Env(name.to_owned()))
}

/// Where `serve` or `send` reads the secret; a usage error naming the ways to give it when
/// there is none. `None` for the other commands.
pub(super) fn of_command(command: &Command) -> Result<Option<Source>, clap::Error> {
    let (file, var, sub, message) = match command {
        Command::Serve(args) => (
            args.secret_key_file.as_deref(),
            args.secret_key_env.as_deref(),
            "serve",
            SERVE_MISSING,
        ),
        Command::Send(args) => (args.secret_key_file.as_deref(), None, "send", SEND_MISSING),
        Command::Dead(_) | Command::Redrive(_) | Command::Prune(_) => return Ok(None),
    };
    choose(file, var, is_set)
        .map(Some)
        .ok_or_else(|| missing(sub, message))
}

/// Whether the process's environment has `name` (set, even to nothing: an empty secret is
/// then an error that names the variable, rather than a silent fall back to the other name).
pub(super) fn is_set(name: &str) -> bool {
    std::env::var_os(name).is_some()
}

/// The usage error of subcommand `sub` when it has no secret: clap's, with the subcommand's
/// usage line (exit status 2).
pub(super) fn missing(sub: &str, message: &str) -> clap::Error {
    let mut command = super::command();
    command.build();
    match command.find_subcommand_mut(sub) {
        Some(sub) => sub.error(clap::error::ErrorKind::MissingRequiredArgument, message),
        None => command.error(clap::error::ErrorKind::MissingRequiredArgument, message),
    }
}

impl Source {
    /// The accepted secrets (`serve`): one per line, as [`SecretKeys::from_file`] and
    /// [`SecretKeys::from_env`] read them.
    pub(super) fn keys(&self) -> Result<SecretKeys, Failure> {
        match self {
            Source::File(path) => SecretKeys::from_file(path),
            Source::Env(var) => SecretKeys::from_env(var),
        }
        .map_err(|e| Failure::io(e.to_string()))
    }

    /// The secret `send` puts into the samples: the first that the source holds (one per
    /// line, surrounding whitespace and empty lines ignored).
    pub(super) fn first(&self) -> Result<String, Failure> {
        let (text, name) = match self {
            Source::File(path) => (read_file(path), path.display().to_string()),
            Source::Env(var) => (read_env(var), var.clone()),
        };
        let text = text.map_err(|e| Failure::io(e.to_string()))?;
        let first = secret_lines(&text).next().map(str::to_owned);
        first.ok_or_else(|| Failure::io(SecretsError::Empty(name).to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_then_the_named_variable_then_the_shared_one_then_its_old_name() {
        let none = |_: &str| false;
        let both = |_: &str| true;
        let old = |name: &str| name == SECRET_ENV_ALIAS;
        let file = Path::new("keys.txt");
        assert_eq!(
            choose(Some(file), Some("VAR"), both),
            Some(Source::File(file.into()))
        );
        assert_eq!(
            choose(None, Some("VAR"), both),
            Some(Source::Env("VAR".into()))
        );
        assert_eq!(
            choose(None, None, both),
            Some(Source::Env(SECRET_ENV.into()))
        );
        assert_eq!(
            choose(None, None, old),
            Some(Source::Env(SECRET_ENV_ALIAS.into()))
        );
        assert_eq!(choose(None, None, none), None);
    }

    #[test]
    fn the_messages_name_every_way_to_give_the_secret() {
        for message in [SERVE_MISSING, SEND_MISSING] {
            assert!(message.contains("--secret-key-file"), "{message}");
            assert!(message.contains(SECRET_ENV), "{message}");
            assert!(message.contains(SECRET_ENV_ALIAS), "{message}");
        }
        assert!(SERVE_MISSING.contains("--secret-key-env"));
    }

    #[test]
    fn send_takes_the_first_secret_of_a_file() {
        let dir = std::env::temp_dir().join(format!("send-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("keys");
        std::fs::write(&path, "\n  new  \nold\n").expect("write");
        assert_eq!(Source::File(path.clone()).first().ok(), Some("new".into()));
        std::fs::write(&path, "\n \n").expect("write");
        let empty = Source::File(path).first().err().map(|e| e.to_string());
        assert!(empty.is_some_and(|e| e.contains("holds no secret key")));
        let unset = Source::Env("WEBHOOKS_RECEIVER_TEST_UNSET_VARIABLE".into()).first();
        assert!(unset.is_err());
    }
}
