//! Python source text: string literals, docstrings and identifiers.

/// A double-quoted Python string literal holding `text` exactly: backslashes, quotes and control
/// characters escaped, any other character written as itself (the files are UTF-8).
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            // Line and paragraph separators end a line in some tools; surrogates cannot occur.
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A docstring of `text`, indented by `indent` spaces: one line when it fits in `width`
/// columns, else the words wrapped and the closing quotes on a line of their own. Paragraphs
/// (separated by a blank line) are kept.
pub fn docstring(text: &str, indent: usize, width: usize) -> String {
    let pad = " ".repeat(indent);
    let text = escape_doc(text.trim());
    if !text.contains('\n') && indent + text.chars().count() + 6 <= width {
        return format!("{pad}\"\"\"{text}\"\"\"\n");
    }
    let mut out = format!("{pad}\"\"\"");
    let mut first = true;
    for paragraph in text.split("\n\n") {
        if !first {
            out.push_str("\n\n");
            out.push_str(&pad);
        }
        let mut column = if first { indent + 3 } else { indent };
        let mut start = true;
        for word in paragraph.split_whitespace() {
            let len = word.chars().count();
            if !start && column + 1 + len > width {
                out.push('\n');
                out.push_str(&pad);
                column = indent;
                start = true;
            }
            if !start {
                out.push(' ');
                column += 1;
            }
            out.push_str(word);
            column += len;
            start = false;
        }
        first = false;
    }
    out.push('\n');
    out.push_str(&pad);
    out.push_str("\"\"\"\n");
    out
}

/// Escapes what would end or bend a docstring: backslashes and double quotes.
fn escape_doc(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Python's keywords, which no attribute may be named.
const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Attributes of pydantic's `BaseModel` that a field must not shadow (besides every name
/// starting with `model_` or `_`, which pydantic keeps for itself).
const MODEL_ATTRIBUTES: &[&str] = &[
    "construct",
    "copy",
    "dict",
    "from_orm",
    "json",
    "parse_file",
    "parse_obj",
    "parse_raw",
    "schema",
    "schema_json",
    "update_forward_refs",
    "validate",
];

/// The attribute name of a JSON member, and the alias that reads it when the name had to
/// change: a name that is not an identifier, is a keyword, starts with `_` or `model_`, shadows
/// a model attribute or one of the `taken` names (the types the annotations name) gets a
/// trailing `_`, characters that an identifier cannot hold become `_`.
pub fn attribute(member: &str, taken: &[&str]) -> (String, Option<String>) {
    let mut name: String = member
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "n_");
    }
    if name.starts_with('_') || name.starts_with("model_") {
        name.insert_str(0, "field_");
    }
    if KEYWORDS.contains(&name.as_str())
        || MODEL_ATTRIBUTES.contains(&name.as_str())
        || taken.contains(&name.as_str())
    {
        name.push('_');
    }
    let alias = (name != member).then(|| member.to_owned());
    (name, alias)
}

/// Whether `name` can name a class or alias of the generated module as it is.
pub fn is_type_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&name)
}

/// `snake_case` to `PascalCase`.
pub fn pascal(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w[..1].to_ascii_uppercase() + &w[1..])
        .collect()
}
