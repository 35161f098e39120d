//! Patterns checked in code: typify checks a `pattern` with a `regress::Regex` built on first
//! use, whose search costs more than the rest of reading a short string. A pattern anchored at
//! both ends and made of literals, ASCII classes, groups of alternatives, `?` and `{n}` matches
//! a finite set of byte sequences; the rewrite here checks those with one `matches!` over the
//! string's bytes (slice patterns, which the compiler turns into comparisons) and drops the
//! regex. Any other pattern keeps typify's check.

use proc_macro2::{Span, TokenStream};
use quote::quote;

/// The most byte sequences one pattern may expand to.
const MAX_SEQUENCES: usize = 64;
/// The longest byte sequence one pattern may expand to.
const MAX_LENGTH: usize = 64;

/// The bytes one position of a sequence takes: inclusive ranges of ASCII bytes.
pub type Class = Vec<(u8, u8)>;

/// Every byte sequence the pattern matches, each position a class; `None` for a pattern
/// outside the subset (see the module's comment) or expanding beyond the limits.
pub fn sequences(pattern: &str) -> Option<Vec<Vec<Class>>> {
    // A `$` escaped as `\$` leaves a lone `\` at the end, which the parser refuses.
    let inner = pattern.strip_prefix('^')?.strip_suffix('$')?;
    let mut parser = Parser {
        chars: inner.chars().collect(),
        pos: 0,
    };
    let found = parser.alternatives()?;
    (parser.pos == parser.chars.len()).then_some(found)
}

/// `matches!(text.as_bytes(), ..)` for `sequences`: one slice pattern per sequence.
pub fn matcher(text: &syn::Expr, sequences: &[Vec<Class>]) -> TokenStream {
    let byte = |b: u8| syn::LitByte::new(b, Span::call_site());
    let alternatives = sequences.iter().map(|sequence| {
        let positions = sequence.iter().map(|class| {
            let ranges = class.iter().map(|&(lo, hi)| {
                let (lo, hi) = (byte(lo), byte(hi));
                if lo.value() == hi.value() {
                    quote!(#lo)
                } else {
                    quote!(#lo..=#hi)
                }
            });
            quote!(#(#ranges)|*)
        });
        quote!([#(#positions),*])
    });
    quote!(::std::matches!(#text.as_bytes(), #(#alternatives)|*))
}

/// In typify's `FromStr::from_str` of a string newtype with a pattern in the subset: drops the
/// `static PATTERN` regex and checks the bytes with [`matcher`] instead. Any other impl, or a
/// pattern outside the subset, is left as it is.
pub fn check_in_code(item: &mut syn::ItemImpl) {
    if !super::postprocess::implements(item, "FromStr") {
        return;
    }
    for impl_item in &mut item.items {
        let syn::ImplItem::Fn(f) = impl_item else {
            continue;
        };
        let Some((at, pattern)) = f.block.stmts.iter().enumerate().find_map(|(at, stmt)| {
            let syn::Stmt::Item(syn::Item::Static(item)) = stmt else {
                return None;
            };
            (item.ident == "PATTERN")
                .then(|| regex_text(&item.expr))?
                .map(|p| (at, p))
        }) else {
            continue;
        };
        let Some(found) = sequences(&pattern) else {
            continue;
        };
        let mut replaced = false;
        for stmt in &mut f.block.stmts {
            if let syn::Stmt::Expr(syn::Expr::If(test), _) = stmt {
                if let Some(text) = searched(&test.cond) {
                    let check = matcher(&text, &found);
                    *test.cond = syn::parse_quote!(!#check);
                    replaced = true;
                }
            }
        }
        if replaced {
            f.block.stmts.remove(at);
        }
    }
}

/// The pattern text of `LazyLock::new(|| { Regex::new("..").unwrap() })`.
fn regex_text(expr: &syn::Expr) -> Option<String> {
    struct Finder(Option<String>);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            if let (syn::Expr::Path(func), [syn::Expr::Lit(lit)]) =
                (&*call.func, call.args.iter().collect::<Vec<_>>().as_slice())
            {
                let names = super::postprocess::path_names(&func.path);
                if let (true, syn::Lit::Str(text)) = (
                    names.ends_with(&["Regex".to_owned(), "new".to_owned()]),
                    &lit.lit,
                ) {
                    self.0 = Some(text.value());
                }
            }
            syn::visit::visit_expr_call(self, call);
        }
    }
    let mut finder = Finder(None);
    syn::visit::Visit::visit_expr(&mut finder, expr);
    finder.0
}

/// The text searched, when `cond` is `PATTERN.find(text).is_none()`.
fn searched(cond: &syn::Expr) -> Option<syn::Expr> {
    let syn::Expr::MethodCall(is_none) = cond else {
        return None;
    };
    let syn::Expr::MethodCall(find) = &*is_none.receiver else {
        return None;
    };
    let syn::Expr::Path(receiver) = &*find.receiver else {
        return None;
    };
    let [text] = find.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    (is_none.method == "is_none" && find.method == "find" && receiver.path.is_ident("PATTERN"))
        .then(|| text.clone())
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    /// `a|b|..` up to the end or a `)`.
    fn alternatives(&mut self) -> Option<Vec<Vec<Class>>> {
        let mut all = self.sequence()?;
        while self.peek() == Some('|') {
            self.pos += 1;
            all.extend(self.sequence()?);
            if all.len() > MAX_SEQUENCES {
                return None;
            }
        }
        Some(all)
    }

    /// Atoms in a row, each maybe quantified, up to `|`, `)` or the end.
    fn sequence(&mut self) -> Option<Vec<Vec<Class>>> {
        let mut all: Vec<Vec<Class>> = vec![Vec::new()];
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            all = joined(&all, &self.quantified()?)?;
        }
        Some(all)
    }

    /// An atom with its quantifier: `?` or `{n}`.
    fn quantified(&mut self) -> Option<Vec<Vec<Class>>> {
        let atom = self.atom()?;
        match self.peek() {
            Some('?') => {
                self.pos += 1;
                if self.peek() == Some('?') {
                    return None;
                }
                let mut with_empty = vec![Vec::new()];
                with_empty.extend(atom);
                Some(with_empty)
            }
            Some('{') => {
                self.pos += 1;
                let mut count = 0usize;
                while let Some(digit) = self.peek().and_then(|c| c.to_digit(10)) {
                    count = count.checked_mul(10)?.checked_add(digit as usize)?;
                    self.pos += 1;
                }
                if self.next()? != '}' || count > MAX_LENGTH {
                    return None;
                }
                let mut all: Vec<Vec<Class>> = vec![Vec::new()];
                for _ in 0..count {
                    all = joined(&all, &atom)?;
                }
                Some(all)
            }
            Some('*' | '+') => None,
            _ => Some(atom),
        }
    }

    /// A literal, an escape, a class or a group.
    fn atom(&mut self) -> Option<Vec<Vec<Class>>> {
        let class = match self.next()? {
            '(' => {
                if self.peek() == Some('?') {
                    // `(?:` groups the same way; lookarounds are outside the subset.
                    self.pos += 1;
                    if self.next()? != ':' {
                        return None;
                    }
                }
                let inner = self.alternatives()?;
                return (self.next()? == ')').then_some(inner);
            }
            '[' => self.class()?,
            '\\' => self.escape()?,
            c => literal(c)?,
        };
        Some(vec![vec![class]])
    }

    /// The rest of `[..]`, without negation.
    fn class(&mut self) -> Option<Class> {
        if self.peek() == Some('^') {
            return None;
        }
        let mut ranges = Vec::new();
        loop {
            let lo = match self.next()? {
                ']' => break,
                '[' => return None,
                '\\' => self.escape()?,
                c => {
                    let b = ascii(c)?;
                    vec![(b, b)]
                }
            };
            let is_range = self.peek() == Some('-') && self.chars.get(self.pos + 1) != Some(&']');
            if is_range {
                self.pos += 1;
                let hi = match self.next()? {
                    '\\' => self.escape()?,
                    c => {
                        let b = ascii(c)?;
                        vec![(b, b)]
                    }
                };
                let ([(lo, lo_end)], [(hi_start, hi)]) = (lo.as_slice(), hi.as_slice()) else {
                    return None;
                };
                if lo != lo_end || hi_start != hi || lo > hi {
                    return None;
                }
                ranges.push((*lo, *hi));
            } else {
                ranges.extend(lo);
            }
        }
        normalized(ranges)
    }

    /// The rest of an escape (after `\`): `\d`, `\w` or an escaped ASCII punctuation mark.
    fn escape(&mut self) -> Option<Class> {
        match self.next()? {
            'd' => Some(vec![(b'0', b'9')]),
            'w' => normalized(vec![(b'0', b'9'), (b'A', b'Z'), (b'_', b'_'), (b'a', b'z')]),
            c if c.is_ascii_punctuation() => Some(vec![(c as u8, c as u8)]),
            _ => None,
        }
    }
}

/// Each of `heads` followed by each of `tails`; `None` beyond the limits.
fn joined(heads: &[Vec<Class>], tails: &[Vec<Class>]) -> Option<Vec<Vec<Class>>> {
    let mut out = Vec::new();
    for head in heads {
        for tail in tails {
            if head.len() + tail.len() > MAX_LENGTH || out.len() == MAX_SEQUENCES {
                return None;
            }
            out.push([head.as_slice(), tail.as_slice()].concat());
        }
    }
    Some(out)
}

/// A character outside a class standing for itself.
fn literal(c: char) -> Option<Class> {
    if "^$.*+?{}[]()|\\".contains(c) {
        return None;
    }
    let b = ascii(c)?;
    Some(vec![(b, b)])
}

/// A printable ASCII character as a byte.
fn ascii(c: char) -> Option<u8> {
    (c.is_ascii_graphic() || c == ' ').then_some(c as u8)
}

/// Ranges sorted and merged where they touch; `None` for an empty class.
fn normalized(mut ranges: Vec<(u8, u8)>) -> Option<Class> {
    ranges.sort_unstable();
    let mut out: Class = Vec::new();
    for (lo, hi) in ranges {
        match out.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests;
