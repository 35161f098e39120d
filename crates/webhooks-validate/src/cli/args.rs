//! The command line: options, and where the secret comes from.

use std::ffi::{OsStr, OsString};
use std::io::Read;

use crate::{ApiVersion, Validator};

/// The environment variable that may hold the expected secret.
pub const SECRET_ENV: &str = "WEBHOOKS_SECRET_KEY";

/// The default of `--max-body-size`: LiveChat bodies are kilobytes.
pub const DEFAULT_MAX_BODY_SIZE: usize = 1 << 20;

/// The largest secret file read.
const MAX_SECRET_FILE: u64 = 64 * 1024;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Text,
    Json,
}

/// Where the expected secret is to be read from.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SecretSource {
    /// `--secret-key KEY`.
    Given(String),
    /// `--secret-key-file FILE`.
    File(OsString),
}

/// The parsed command line.
#[derive(Debug)]
pub(crate) struct Options {
    pub(crate) version: ApiVersion,
    pub(crate) strict: bool,
    pub(crate) secret: Option<SecretSource>,
    pub(crate) format: Format,
    pub(crate) ndjson: bool,
    pub(crate) max_errors: usize,
    pub(crate) max_body_size: usize,
    pub(crate) inputs: Vec<OsString>,
}

/// Parses the arguments (without the program name); `Ok(None)` asks for the help text.
pub(crate) fn parse_args(args: &[OsString]) -> Result<Option<Options>, String> {
    let mut options = Options {
        version: ApiVersion::STABLE,
        strict: false,
        secret: None,
        format: Format::Text,
        ndjson: false,
        max_errors: Validator::DEFAULT_MAX_ERRORS,
        max_body_size: DEFAULT_MAX_BODY_SIZE,
        inputs: Vec::new(),
    };
    let mut args = args.iter();
    let mut only_files = false;
    while let Some(arg) = args.next() {
        let bytes = arg.as_encoded_bytes();
        if only_files || arg == "-" || !bytes.starts_with(b"-") {
            options.inputs.push(arg.clone());
            continue;
        }
        let Some(text) = arg.to_str() else {
            return Err(format!(
                "unknown option `{}` (not UTF-8)",
                arg.to_string_lossy()
            ));
        };
        let (name, inline) = match text.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(OsString::from(value))),
            _ => (text, None),
        };
        let mut value = |flag: &str| -> Result<OsString, String> {
            inline
                .clone()
                .or_else(|| args.next().cloned())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        let mut text_value = |flag: &str| -> Result<String, String> {
            value(flag)?
                .into_string()
                .map_err(|v| format!("{flag}: `{}` is not UTF-8", v.to_string_lossy()))
        };
        match name {
            "-h" | "--help" => return Ok(None),
            "--strict" => options.strict = true,
            "--ndjson" => options.ndjson = true,
            "--api-version" => {
                options.version = text_value(name)?
                    .parse()
                    .map_err(|e| format!("{name}: {e}"))?;
            }
            "--secret-key" | "--secret-key-file" => {
                if options.secret.is_some() {
                    return Err("give the secret once: --secret-key or --secret-key-file".into());
                }
                options.secret = Some(if name == "--secret-key" {
                    let secret = text_value(name)?;
                    if secret.is_empty() {
                        return Err("--secret-key: the secret is empty".into());
                    }
                    SecretSource::Given(secret)
                } else {
                    SecretSource::File(value(name)?)
                });
            }
            "--format" => {
                options.format = match text_value(name)?.as_str() {
                    "text" => Format::Text,
                    "json" => Format::Json,
                    other => return Err(format!("unknown format `{other}` (text or json)")),
                }
            }
            "--max-errors" => options.max_errors = count(name, &text_value(name)?)?,
            "--max-body-size" => {
                options.max_body_size = count(name, &text_value(name)?)?;
                if options.max_body_size == 0 {
                    return Err("--max-body-size: must be at least 1".into());
                }
            }
            "--" => only_files = true,
            flag => return Err(format!("unknown option `{flag}`")),
        }
    }
    if options.inputs.is_empty() {
        options.inputs.push(OsString::from("-"));
    }
    Ok(Some(options))
}

fn count(flag: &str, text: &str) -> Result<usize, String> {
    text.parse()
        .map_err(|_| format!("{flag}: `{text}` is not a whole number"))
}

/// The expected secret: from `--secret-key`, `--secret-key-file` (one trailing newline
/// removed) or else the environment value `env` ([`SECRET_ENV`]). An empty secret is an error;
/// no error message shows the secret.
pub(crate) fn secret(
    source: Option<&SecretSource>,
    env: Option<&OsStr>,
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
            Some(value) => {
                let secret = value
                    .to_str()
                    .ok_or_else(|| format!("{SECRET_ENV}: not UTF-8"))?;
                (secret.to_owned(), SECRET_ENV.to_owned())
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

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn options_are_parsed() {
        let options = parse_args(&args(&[
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
            "a.json",
            "--",
            "--b.json",
        ]))
        .expect("valid")
        .expect("not help");
        assert!(options.strict && options.ndjson);
        assert_eq!(options.version, ApiVersion::V3_7);
        assert_eq!(options.format, Format::Json);
        assert_eq!(options.secret, Some(SecretSource::Given("k".into())));
        assert_eq!((options.max_errors, options.max_body_size), (7, 4096));
        assert_eq!(options.inputs, args(&["a.json", "--b.json"]));
    }

    #[test]
    fn bad_options_are_usage_errors() {
        for bad in [
            &["--format", "xml"][..],
            &["--api-version", "3.9"],
            &["--api-version", "36"],
            &["--secret-key"],
            &["--secret-key="],
            &["--secret-key", ""],
            &["--secret-key", "a", "--secret-key-file", "f"],
            &["--max-errors", "-1"],
            &["--max-body-size", "0"],
            &["--max-body-size", "1M"],
            &["--verbose"],
        ] {
            assert!(parse_args(&args(bad)).is_err(), "{bad:?}");
        }
        assert!(parse_args(&args(&["--help"])).expect("help").is_none());
        let options = parse_args(&[]).expect("valid").expect("not help");
        assert_eq!(options.inputs, args(&["-"]));
        assert_eq!(options.max_errors, 100);
        assert_eq!(options.max_body_size, 1 << 20);
        assert_eq!(options.version, ApiVersion::STABLE);
    }

    #[test]
    fn the_secret_comes_from_the_flag_a_file_or_the_environment() {
        let env = Some(OsStr::new("from-env"));
        let given = SecretSource::Given("given".into());
        assert_eq!(secret(Some(&given), env), Ok(Some("given".into())));
        assert_eq!(secret(None, env), Ok(Some("from-env".into())));
        assert_eq!(secret(None, None), Ok(None));
        let empty = secret(None, Some(OsStr::new(""))).expect_err("empty");
        assert!(empty.contains(SECRET_ENV), "{empty}");
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
