//! The command line: options (clap), and where the secret comes from.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Parser, ValueEnum};

use super::style::ColorWhen;
use crate::{ApiVersion, Validator};

/// The environment variable that may hold the expected secret, read by every command of the
/// workspace.
pub const SECRET_ENV: &str = "LIVECHAT_SECRET_KEY";

/// The earlier name of [`SECRET_ENV`], still read when that one is not set.
pub const SECRET_ENV_ALIAS: &str = "WEBHOOKS_SECRET_KEY";

/// The default of `--max-body-size`: LiveChat bodies are kilobytes.
pub const DEFAULT_MAX_BODY_SIZE: usize = 1 << 20;

/// The largest secret file read.
const MAX_SECRET_FILE: u64 = 64 * 1024;

/// The version line of a command of the workspace (`--version`): the crate's version and the
/// API versions it knows.
pub fn version_text(crate_version: &str) -> String {
    let names: Vec<&str> = ApiVersion::ALL.iter().map(|v| v.name()).collect();
    format!(
        "{crate_version} (LiveChat Webhooks API {}; stable {})",
        names.join(", "),
        ApiVersion::STABLE
    )
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// One line per body, `ok <action>` or `invalid` followed by one indented line per error
    /// with its JSON pointer, line and column
    Text,
    /// One JSON object per body, per line, with the same facts (`input`, `line`, `valid`,
    /// `action`, `errors`, `omitted`); the summary is one JSON line too
    Json,
}

/// The parsed command line.
#[derive(Debug, Parser)]
#[command(
    name = "webhooks-validate",
    about = "Check LiveChat webhook bodies against the JSON Schemas of an API version",
    long_about = "Check LiveChat webhook bodies against the JSON Schemas of an API version.\n\n\
        Each FILE holds one webhook body (JSON). With no FILE, or with `-`, standard input is \
        read.",
    after_help = AFTER_HELP,
    after_long_help = AFTER_HELP,
    max_term_width = 100
)]
pub(crate) struct Options {
    /// A property the schemas do not document is an error (lenient by default: LiveChat may
    /// add fields)
    #[arg(long)]
    pub(crate) strict: bool,
    /// The API version to validate against (default: LiveChat's current stable version); an
    /// action of another version is an error that names the versions that have it
    #[arg(long, value_name = "VERSION", default_value_t = ApiVersion::STABLE,
        value_parser = api_version_parser())]
    pub(crate) api_version: ApiVersion,
    /// Also require `secret_key` to equal the secret in FILE (one trailing newline is
    /// removed). Without it, the environment variable LIVECHAT_SECRET_KEY (or its earlier
    /// name WEBHOOKS_SECRET_KEY), when set, gives the secret. An empty secret is a usage
    /// error. Secrets are compared as SHA-256 digests in constant time and never printed
    #[arg(long, value_name = "FILE", conflicts_with = "secret_key")]
    pub(crate) secret_key_file: Option<PathBuf>,
    /// The same with the secret on the command line, where other users of the machine may
    /// see it (prefer --secret-key-file or LIVECHAT_SECRET_KEY)
    #[arg(long, value_name = "KEY", hide_default_value = true)]
    pub(crate) secret_key: Option<String>,
    /// How results are written (control characters in them escaped)
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    /// Each line of each input is one webhook; results name the line number (blank lines are
    /// skipped). With --ndjson or several FILEs, the bodies are checked on every core the
    /// process may use, the results keep the order of the input, a progress bar shows on a
    /// terminal and a summary ends the run on stderr
    #[arg(long)]
    pub(crate) ndjson: bool,
    /// List at most N errors per body, then `and K more`
    #[arg(long, value_name = "N", default_value_t = Validator::DEFAULT_MAX_ERRORS)]
    pub(crate) max_errors: usize,
    /// A body (with --ndjson: a line) larger than BYTES is invalid and is not parsed; only
    /// BYTES and one more are read of it
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BODY_SIZE,
        value_parser = at_least_one)]
    pub(crate) max_body_size: usize,
    /// Neither progress bar nor summary on stderr (the results and errors are written all the
    /// same)
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,
    /// Colour the output: auto (on a terminal, unless NO_COLOR is set or TERM is dumb),
    /// always or never. Output into a pipe or a file is never coloured under auto
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorWhen::Auto)]
    pub(crate) color: ColorWhen,
    /// Webhook bodies to check (`-` for standard input, the default)
    #[arg(value_name = "FILE", default_value = "-", hide_default_value = true)]
    pub(crate) inputs: Vec<OsString>,
}

/// What `--help` ends with.
const AFTER_HELP: &str = "\
Exit status:
  0  every input is a valid webhook
  1  at least one input is not (invalid JSON, too large, duplicate key, not an object,
     action unknown to the version, schema violation, wrong secret)
  2  usage error, or an input or the secret file could not be read";

/// The parser of `--api-version`: the names of the versions this build knows (`3.6`, or
/// `v3.6`), listed in the help and the shell completions.
pub fn api_version_parser() -> impl clap::builder::TypedValueParser<Value = ApiVersion> {
    let names = ApiVersion::ALL
        .iter()
        .map(|v| clap::builder::PossibleValue::new(v.name()).alias(format!("v{}", v.name())));
    clap::builder::PossibleValuesParser::new(names).try_map(|name| name.parse::<ApiVersion>())
}

fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{text}` is not a whole number")),
    }
}

impl Options {
    /// The command, as clap describes it (help, completions, man page).
    pub(crate) fn command() -> clap::Command {
        <Self as clap::CommandFactory>::command()
            .version(version_text(env!("CARGO_PKG_VERSION")))
            .mut_arg("inputs", |arg| arg.value_hint(clap::ValueHint::FilePath))
            .mut_arg("secret_key_file", |arg| {
                arg.value_hint(clap::ValueHint::FilePath)
            })
    }

    /// Parses `args` (without the program name).
    pub(crate) fn parse_from(
        args: &[OsString],
        color: clap::ColorChoice,
    ) -> clap::error::Result<Self> {
        use clap::FromArgMatches;
        let program = OsString::from("webhooks-validate");
        let matches = Self::command()
            .color(color)
            .try_get_matches_from(std::iter::once(&program).chain(args))?;
        Self::from_arg_matches(&matches)
    }

    /// Where the secret is to be read from.
    pub(crate) fn secret_source(&self) -> Option<SecretSource> {
        match (&self.secret_key, &self.secret_key_file) {
            (Some(secret), _) => Some(SecretSource::Given(secret.clone())),
            (None, Some(path)) => Some(SecretSource::File(path.clone().into_os_string())),
            (None, None) => None,
        }
    }
}

/// Where the expected secret is to be read from.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SecretSource {
    /// `--secret-key KEY`.
    Given(String),
    /// `--secret-key-file FILE`.
    File(OsString),
}

/// The expected secret: from `--secret-key`, `--secret-key-file` (one trailing newline
/// removed) or else `env`: the name and value of the environment variable that is set
/// ([`SECRET_ENV`], or else [`SECRET_ENV_ALIAS`]). An empty secret is an error; no error
/// message shows the secret.
pub(crate) fn secret(
    source: Option<&SecretSource>,
    env: Option<(&str, &OsStr)>,
) -> Result<Option<String>, String> {
    let (secret, from) = match source {
        Some(SecretSource::Given(secret)) => (secret.clone(), "--secret-key".to_owned()),
        Some(SecretSource::File(path)) => {
            let shown = path.to_string_lossy();
            let mut bytes = Vec::new();
            std::fs::File::open(path)
                .and_then(|file| file.take(MAX_SECRET_FILE + 1).read_to_end(&mut bytes))
                .map_err(|e| format!("--secret-key-file {shown}: {e}"))?;
            if bytes.len() as u64 > MAX_SECRET_FILE {
                return Err(format!(
                    "--secret-key-file {shown}: longer than {MAX_SECRET_FILE} bytes"
                ));
            }
            if bytes.ends_with(b"\n") {
                bytes.pop();
                if bytes.ends_with(b"\r") {
                    bytes.pop();
                }
            }
            let secret = String::from_utf8(bytes)
                .map_err(|_| format!("--secret-key-file {shown}: not UTF-8 text"))?;
            (secret, format!("--secret-key-file {shown}"))
        }
        None => match env {
            None => return Ok(None),
            Some((name, value)) => {
                let secret = value.to_str().ok_or_else(|| format!("{name}: not UTF-8"))?;
                (secret.to_owned(), name.to_owned())
            }
        },
    };
    if secret.is_empty() {
        return Err(format!("{from}: the secret is empty"));
    }
    Ok(Some(secret))
}
#[cfg(test)]
mod tests {
    use super::*;

    fn parse(list: &[&str]) -> clap::error::Result<Options> {
        let args: Vec<OsString> = list.iter().map(OsString::from).collect();
        Options::parse_from(&args, clap::ColorChoice::Never)
    }

    #[test]
    fn options_are_parsed() {
        let options = parse(&[
            "--strict",
            "--format=json",
            "--secret-key",
            "k",
            "--api-version",
            "v3.7",
            "--ndjson",
            "--max-errors=7",
            "--max-body-size",
            "4096",
            "-q",
            "--color=never",
            "a.json",
            "--",
            "--b.json",
        ])
        .expect("valid");
        assert!(options.strict && options.ndjson && options.quiet);
        assert_eq!(options.api_version, ApiVersion::V3_7);
        assert_eq!(options.format, Format::Json);
        assert_eq!(options.color, ColorWhen::Never);
        assert_eq!(
            options.secret_source(),
            Some(SecretSource::Given("k".into()))
        );
        assert_eq!((options.max_errors, options.max_body_size), (7, 4096));
        assert_eq!(options.inputs, ["a.json", "--b.json"]);
    }

    #[test]
    fn bad_options_are_usage_errors() {
        for bad in [
            &["--format", "xml"][..],
            &["--api-version", "3.9"],
            &["--api-version", "36"],
            &["--secret-key"],
            &["--secret-key", "a", "--secret-key-file", "f"],
            &["--max-errors", "-1"],
            &["--max-body-size", "0"],
            &["--max-body-size", "1M"],
            &["--color", "sometimes"],
            &["--verbose"],
        ] {
            let error = parse(bad).expect_err("a usage error");
            assert_eq!(error.exit_code(), 2, "{bad:?}");
        }
        for shown in [&["--help"][..], &["-h"], &["--version"], &["-V"]] {
            let error = parse(shown).expect_err("help or version");
            assert_eq!(error.exit_code(), 0, "{shown:?}");
        }
        let options = parse(&[]).expect("valid");
        assert_eq!(options.inputs, ["-"]);
        assert_eq!(options.max_errors, 100);
        assert_eq!(options.max_body_size, 1 << 20);
        assert_eq!(options.api_version, ApiVersion::STABLE);
        assert_eq!(options.color, ColorWhen::Auto);
        assert!(!options.quiet);
    }

    #[test]
    fn the_version_names_the_api_versions() {
        let text = version_text("9.9.9");
        assert!(text.starts_with("9.9.9 "), "{text}");
        for version in ApiVersion::ALL {
            assert!(text.contains(version.name()), "{text}");
        }
        assert!(
            text.contains(&format!("stable {}", ApiVersion::STABLE)),
            "{text}"
        );
    }

    #[test]
    fn the_secret_comes_from_the_flag_a_file_or_the_environment() {
        let env = Some((SECRET_ENV, OsStr::new("from-env")));
        let given = SecretSource::Given("given".into());
        assert_eq!(secret(Some(&given), env), Ok(Some("given".into())));
        assert_eq!(secret(None, env), Ok(Some("from-env".into())));
        assert_eq!(secret(None, None), Ok(None));
        let empty = secret(None, Some((SECRET_ENV_ALIAS, OsStr::new("")))).expect_err("empty");
        assert!(empty.contains(SECRET_ENV_ALIAS), "{empty}");
        assert!(secret(Some(&SecretSource::Given(String::new())), None).is_err());
        let dir = std::env::temp_dir().join(format!("wv-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        for (content, expected) in [
            ("s3cret\n", Ok(Some("s3cret".to_owned()))),
            ("s3cret\r\n", Ok(Some("s3cret".to_owned()))),
            ("s3cret\n\n", Ok(Some("s3cret\n".to_owned()))),
            ("s3cret", Ok(Some("s3cret".to_owned()))),
        ] {
            let path = dir.join("key");
            std::fs::write(&path, content).expect("written");
            let file = SecretSource::File(path.into_os_string());
            assert_eq!(secret(Some(&file), env), expected, "{content:?}");
        }
        std::fs::write(dir.join("key"), "\n").expect("written");
        let file = SecretSource::File(dir.join("key").into_os_string());
        assert!(secret(Some(&file), env).is_err());
        let missing = SecretSource::File(dir.join("missing").into_os_string());
        assert!(secret(Some(&missing), env).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
