//! Colour on a terminal: whether to colour a stream (`--color`, `NO_COLOR`, `TERM=dumb`), and
//! the styles of the command's output. Output that is not coloured is written exactly as it
//! would be without this module.

use std::ffi::OsString;
use std::fmt;

use anstyle::{AnsiColor, Style};

/// When to colour output: `--color auto|always|never`, as the workspace's commands take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless `NO_COLOR` is set (to anything but the empty string) or
    /// `TERM` is `dumb`.
    #[default]
    Auto,
    /// Always, even into a pipe or a file.
    Always,
    /// Never.
    Never,
}

impl ColorWhen {
    /// Whether a stream is coloured: `terminal` tells whether it is one; `env` reads an
    /// environment variable (the process's, or a test's).
    pub fn colours(self, terminal: bool, env: impl Fn(&str) -> Option<String>) -> bool {
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                terminal
                    && env("NO_COLOR").is_none_or(|v| v.is_empty())
                    && env("TERM").is_none_or(|t| t != "dumb")
            }
        }
    }

    /// The `--color` of `args` (without the program name) read before the rest is parsed, to
    /// colour clap's help and usage errors: the last one given before `--`, else auto.
    pub fn before_parsing(args: &[OsString]) -> ColorWhen {
        let mut when = ColorWhen::Auto;
        let mut args = args.iter().map(|a| a.to_str());
        while let Some(arg) = args.next() {
            let value = match arg {
                Some("--") => break,
                Some("--color") => args.next().flatten(),
                Some(arg) => arg.strip_prefix("--color="),
                None => None,
            };
            when = match value {
                Some("always") => ColorWhen::Always,
                Some("never") => ColorWhen::Never,
                Some("auto") => ColorWhen::Auto,
                _ => when,
            };
        }
        when
    }

    /// clap's own colour setting for the same choice (help and usage errors).
    pub fn clap(self, coloured: bool) -> clap::ColorChoice {
        if coloured {
            clap::ColorChoice::Always
        } else {
            clap::ColorChoice::Never
        }
    }
}

/// clap's help, version or usage error as a command of the workspace prints it: the text,
/// coloured when the stream it belongs on is, and whether that stream is standard error (usage
/// errors) rather than standard output (help and version).
pub fn clap_message(
    error: &clap::Error,
    stdout_coloured: bool,
    stderr_coloured: bool,
) -> (String, bool) {
    let to_stderr = error.use_stderr();
    let coloured = if to_stderr {
        stderr_coloured
    } else {
        stdout_coloured
    };
    let text = error.render();
    let text = if coloured {
        text.ansi().to_string()
    } else {
        text.to_string()
    };
    (text, to_stderr)
}

/// The indicatif template of a progress bar of the workspace's commands: a spinner, the time
/// elapsed, the bar itself when `bar` (the total is known), then `text`; coloured when
/// `coloured`.
pub fn progress_template(coloured: bool, bar: bool, text: &str) -> String {
    let head = match (bar, coloured) {
        (true, true) => "{spinner:.green} {elapsed_precise} {wide_bar:.cyan/blue}",
        (true, false) => "{spinner} {elapsed_precise} {wide_bar}",
        (false, true) => "{spinner:.green} {elapsed_precise}",
        (false, false) => "{spinner} {elapsed_precise}",
    };
    format!("{head} {text}")
}

/// The styles of the output; all plain when the stream is not coloured.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Styles {
    /// `ok`.
    pub(crate) good: Style,
    /// `invalid`, and an error's `webhooks-validate:`.
    pub(crate) bad: Style,
    /// An error's JSON pointer.
    pub(crate) place: Style,
    /// Secondary text: an error's keyword, positions.
    pub(crate) quiet: Style,
    /// Headings and figures of the summary.
    pub(crate) strong: Style,
}

impl Styles {
    /// The styles of a stream that is `coloured` or not.
    pub(crate) fn new(coloured: bool) -> Self {
        if !coloured {
            return Styles::default();
        }
        Styles {
            good: AnsiColor::Green.on_default().bold(),
            bad: AnsiColor::Red.on_default().bold(),
            place: AnsiColor::Cyan.on_default(),
            quiet: Style::new().dimmed(),
            strong: Style::new().bold(),
        }
    }
}

/// `value` written in `style`: the escape codes around it only when the style is not plain.
pub(crate) struct Styled<T>(pub(crate) Style, pub(crate) T);

impl<T: fmt::Display> fmt::Display for Styled<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == Style::new() {
            return self.1.fmt(f);
        }
        write!(f, "{}{}{}", self.0.render(), self.1, self.0.render_reset())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn auto_colours_a_terminal_unless_no_color_or_a_dumb_terminal() {
        let auto = ColorWhen::Auto;
        assert!(auto.colours(true, env(&[("TERM", "xterm")])));
        assert!(auto.colours(true, env(&[])));
        assert!(!auto.colours(false, env(&[])));
        assert!(!auto.colours(true, env(&[("NO_COLOR", "1")])));
        // An empty NO_COLOR does not count (no-color.org).
        assert!(auto.colours(true, env(&[("NO_COLOR", "")])));
        assert!(!auto.colours(true, env(&[("TERM", "dumb")])));
        assert!(ColorWhen::Always.colours(false, env(&[("NO_COLOR", "1")])));
        assert!(!ColorWhen::Never.colours(true, env(&[])));
    }

    #[test]
    fn the_last_color_before_the_files_counts() {
        let read = |args: &[&str]| {
            let args: Vec<OsString> = args.iter().map(OsString::from).collect();
            ColorWhen::before_parsing(&args)
        };
        assert_eq!(read(&[]), ColorWhen::Auto);
        assert_eq!(read(&["--color", "never"]), ColorWhen::Never);
        assert_eq!(
            read(&["--color=never", "--color=always"]),
            ColorWhen::Always
        );
        assert_eq!(
            read(&["--color=never", "--", "--color=always"]),
            ColorWhen::Never
        );
        assert_eq!(read(&["--color", "bogus"]), ColorWhen::Auto);
        assert_eq!(read(&["--color"]), ColorWhen::Auto);
    }

    #[test]
    fn plain_styles_write_the_text_alone() {
        let plain = Styles::new(false);
        assert_eq!(Styled(plain.bad, "invalid").to_string(), "invalid");
        let coloured = Styles::new(true);
        let text = Styled(coloured.bad, "invalid").to_string();
        assert!(
            text.starts_with("\x1b[") && text.ends_with("\x1b[0m"),
            "{text:?}"
        );
        assert!(text.contains("invalid"));
    }
}
