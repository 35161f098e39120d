//! The text form of a webhooks page: action sections, their `Action |` rows and JSON samples.

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
                && current
                    .as_ref()
                    .is_none_or(|(_, body)| body.last().is_some_and(|l| l.trim() == "}"));
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
