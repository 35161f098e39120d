//! The text form of a webhooks page: action sections, their `Action |` rows and JSON samples.
//! A page in LiveChat's MDX source is first brought to that form line for line ([`text_form`]),
//! so that every line number still points into the page.

/// One action section of the page.
#[derive(Debug, Clone)]
pub struct Section {
    /// The heading: the action's name.
    pub action: String,
    /// Line of the heading.
    pub line: usize,
    /// The value of the `Action |` row, if any.
    pub action_row: Option<String>,
    /// The samples: (first line on the page, lines of text).
    pub samples: Vec<(usize, Vec<String>)>,
}

/// Finds the action sections of a page.
pub fn sections(page: &str) -> Vec<Section> {
    let lines: Vec<&str> = page.lines().collect();
    let is_heading = |i: usize| {
        let line = lines[i].trim();
        !line.is_empty()
            && line
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
            && line.as_bytes()[0].is_ascii_lowercase()
            && lines
                .iter()
                .skip(i + 1)
                .take(10)
                .take_while(|l| l.trim() != "{")
                .any(|l| l.trim() == "Specifics")
    };
    let headings: Vec<usize> = (0..lines.len()).filter(|&i| is_heading(i)).collect();
    let mut out = Vec::new();
    for (n, &start) in headings.iter().enumerate() {
        let end = headings.get(n + 1).copied().unwrap_or(lines.len());
        let mut section = Section {
            action: lines[start].trim().to_owned(),
            line: start + 1,
            action_row: None,
            samples: Vec::new(),
        };
        let mut current: Option<(usize, Vec<String>)> = None;
        for (i, raw) in lines.iter().enumerate().take(end).skip(start + 1) {
            let line = raw.trim_end();
            if current.is_none() {
                if let Some(rest) = line.strip_prefix("Action |") {
                    section.action_row = Some(rest.trim().trim_end_matches('|').trim().to_owned());
                }
            }
            let starts_sample = line.trim() == "{"
                && current.as_ref().is_none_or(|(_, body)| {
                    let last = body.iter().rev().find(|l| !l.trim().is_empty());
                    last.is_some_and(|l| l.trim() == "}")
                });
            if starts_sample {
                if let Some(done) = current.take() {
                    section.samples.push(finish(done));
                }
                current = Some((i + 1, vec![line.to_owned()]));
            } else if let Some((_, body)) = current.as_mut() {
                body.push(line.to_owned());
            }
        }
        if let Some(done) = current.take() {
            section.samples.push(finish(done));
        }
        out.push(section);
    }
    out
}

/// Drops the text that follows a sample's closing `}` (the next group's title, blank lines).
fn finish((line, mut body): (usize, Vec<String>)) -> (usize, Vec<String>) {
    if let Some(last) = body.iter().rposition(|l| l.trim() == "}") {
        body.truncate(last + 1);
    }
    (line, body)
}

/// The text form of `page`: an MDX page (headings ``### `action` ``, a table row
/// ``| **Action** | `name` |`` and samples in ` ```json ` blocks) rewritten line for line, keeping
/// its numbering; a page already in text form is returned as it is.
pub fn text_form(page: &str) -> String {
    if !page.lines().any(|l| l.trim_end() == "```json") {
        return page.to_owned();
    }
    let mut out = String::with_capacity(page.len());
    let mut in_json = false;
    for line in page.lines() {
        let trimmed = line.trim();
        let converted = if in_json {
            if trimmed == "```" {
                in_json = false;
                ""
            } else {
                line
            }
        } else if trimmed == "```json" {
            in_json = true;
            ""
        } else if let Some(name) = trimmed
            .strip_prefix("### `")
            .and_then(|rest| rest.strip_suffix('`'))
        {
            name
        } else if trimmed == "#### Specifics" {
            "Specifics"
        } else if let Some(row) = action_row(trimmed) {
            out.push_str("Action | ");
            out.push_str(row);
            out.push_str(" |\n");
            continue;
        } else {
            ""
        };
        out.push_str(converted);
        out.push('\n');
    }
    out
}

/// The action named by an MDX table row ``| **Action** | `name` |``.
fn action_row(line: &str) -> Option<&str> {
    let rest = line
        .strip_prefix('|')?
        .trim_start()
        .strip_prefix("**Action**")?;
    let cell = rest.trim_start().strip_prefix('|')?.trim();
    cell.strip_suffix('|')?
        .trim()
        .strip_prefix('`')?
        .strip_suffix('`')
}
