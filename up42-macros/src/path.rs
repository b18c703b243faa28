//! The path template: literal text and `{placeholder}`s, parsed once by a
//! small state machine.
//!
//! Spans inside a string literal are not available on stable Rust, so every
//! error points at the whole literal and names the placeholder or character.

use std::collections::BTreeSet;

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    Literal(String),
    Param(String),
}

/// A parsed template: its parts, or every problem found in it.
pub(crate) fn parse(template: &str) -> Result<Vec<Part>, Vec<String>> {
    let mut parser = Parser::new(template);
    if !template.starts_with('/') {
        parser
            .errors
            .push(format!("the endpoint path `{template}` must start with `/`"));
    }
    // `Some(name so far)` inside braces.
    let mut param: Option<String> = None;
    for c in template.chars() {
        match (&mut param, c) {
            (Some(_), '{') => {
                parser.errors.push(format!(
                    "placeholders cannot be nested: `{{` inside a placeholder in `{template}`"
                ));
            }
            (Some(name), '}') => {
                let name = std::mem::take(name);
                param = None;
                parser.placeholder(name);
            }
            (Some(name), c) => name.push(c),
            (None, '{') => {
                parser.end_literal();
                param = Some(String::new());
            }
            (None, c) => parser.outside(c),
        }
    }
    parser.finish(param)
}

/// What a path template has given so far.
struct Parser<'t> {
    template: &'t str,
    errors: Vec<String>,
    parts: Vec<Part>,
    literal: String,
    seen: BTreeSet<String>,
    params_in_segment: u32,
    query_reported: bool,
}

impl<'t> Parser<'t> {
    fn new(template: &'t str) -> Self {
        Parser {
            template,
            errors: Vec::new(),
            parts: Vec::new(),
            literal: String::new(),
            seen: BTreeSet::new(),
            params_in_segment: 0,
            query_reported: false,
        }
    }

    /// The text so far, as a literal part.
    fn end_literal(&mut self) {
        if !self.literal.is_empty() {
            self.parts.push(Part::Literal(std::mem::take(&mut self.literal)));
        }
    }

    /// A placeholder `{name}` just closed.
    fn placeholder(&mut self, name: String) {
        self.params_in_segment += 1;
        if self.params_in_segment == 2 {
            self.errors.push(format!(
                "two placeholders in one path segment cannot be told apart: `{{{name}}}` follows another \
                 placeholder without a `/` between them"
            ));
        }
        if name.is_empty() {
            self.errors
                .push("empty placeholder `{}`: name the argument, e.g. `{order_id}`".to_string());
        } else if !is_identifier(&name) {
            self.errors.push(format!(
                "invalid placeholder `{{{name}}}`: a placeholder is the name of a function argument \
                 (letters, digits and `_`, not starting with a digit)"
            ));
        } else if !self.seen.insert(name.clone()) {
            self.errors
                .push(format!("placeholder `{{{name}}}` appears twice in the path"));
        } else {
            self.parts.push(Part::Param(name));
        }
    }

    /// A character outside placeholders.
    fn outside(&mut self, c: char) {
        let template = self.template;
        match c {
            '}' => self.errors.push(format!(
                "stray `}}` in `{template}`: placeholders look like `{{name}}`"
            )),
            '?' | '#' => {
                if !self.query_reported {
                    self.errors.push(format!(
                        "the path cannot contain `{c}`: declare query parameters as arguments marked `#[query]`"
                    ));
                    self.query_reported = true;
                }
            }
            c if c.is_whitespace() || c.is_control() => {
                self.errors.push(format!(
                    "the path contains whitespace or a control character ({c:?}); paths are sent as written, \
                     so leave them out"
                ));
            }
            c if !is_path_char(c) => {
                self.errors.push(format!(
                    "the character `{c}` cannot appear in a URL path; percent-encode it"
                ));
            }
            '/' => {
                self.params_in_segment = 0;
                self.literal.push('/');
            }
            c => self.literal.push(c),
        }
    }

    /// The parts, or every problem found; `param` is a placeholder left open.
    fn finish(mut self, param: Option<String>) -> Result<Vec<Part>, Vec<String>> {
        if let Some(name) = param {
            self.errors
                .push(format!("unterminated placeholder `{{{name}`: close it with `}}`"));
        }
        self.end_literal();
        for segment in self.template.split('/') {
            if segment == "." || segment == ".." {
                self.errors.push(format!(
                    "the path segment `{segment}` would move up the path; write the path out"
                ));
            }
        }
        match self.errors.is_empty() {
            true => Ok(self.parts),
            false => Err(self.errors),
        }
    }
}

/// A placeholder name: a Rust identifier (ASCII).
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok && name != "_" && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Characters a path may hold as written (RFC 3986 `pchar`, `/` and `%`).
fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/%".contains(c)
}

/// The template the parts came from: what `parse` accepts, `render` gives back.
#[cfg_attr(not(test), allow(dead_code))] // used by the fuzz targets
pub(crate) fn render(parts: &[Part]) -> String {
    parts
        .iter()
        .map(|part| match part {
            Part::Literal(text) => text.clone(),
            Part::Param(name) => format!("{{{name}}}"),
        })
        .collect()
}

/// The placeholder names, in order.
pub(crate) fn params(parts: &[Part]) -> impl Iterator<Item = &str> {
    parts.iter().filter_map(|p| match p {
        Part::Param(name) => Some(name.as_str()),
        Part::Literal(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Part {
        Part::Literal(s.into())
    }
    fn param(s: &str) -> Part {
        Part::Param(s.into())
    }
    fn errors(template: &str) -> Vec<String> {
        parse(template).unwrap_err()
    }

    #[test]
    fn splits_literals_and_placeholders() {
        assert_eq!(parse("/v2/orders").unwrap(), vec![lit("/v2/orders")]);
        assert_eq!(
            parse("/v2/assets/stac/collections/{collection_id}/items/{item_id}").unwrap(),
            vec![
                lit("/v2/assets/stac/collections/"),
                param("collection_id"),
                lit("/items/"),
                param("item_id")
            ]
        );
        assert_eq!(
            parse("/f/{name}.json").unwrap(),
            vec![lit("/f/"), param("name"), lit(".json")]
        );
    }

    #[test]
    fn render_gives_the_template_back() {
        let template = "/v2/assets/stac/collections/{collection_id}/items/{item_id}.json";
        assert_eq!(render(&parse(template).unwrap()), template);
    }

    #[test]
    fn reports_every_mistake() {
        assert!(errors("v2/orders")[0].contains("must start with `/`"));
        assert!(errors("/a/{}")[0].contains("empty placeholder"));
        assert!(errors("/a/{id")[0].contains("unterminated placeholder `{id`"));
        assert!(errors("/a/{a{b}}").iter().any(|e| e.contains("cannot be nested")));
        assert!(errors("/a/id}")[0].contains("stray `}`"));
        assert!(errors("/a/{1id}")[0].contains("invalid placeholder `{1id}`"));
        assert!(errors("/a/{order-id}")[0].contains("invalid placeholder"));
        assert!(errors("/a/{id}/b/{id}")[0].contains("appears twice"));
        assert!(errors("/a?x=1")[0].contains("#[query]"));
        assert!(errors("/a#frag")[0].contains("#[query]"));
        assert!(errors("/a b")[0].contains("whitespace"));
        assert!(errors("/a\tb")[0].contains("whitespace"));
        assert!(errors("/a/{x}{y}")[0].contains("two placeholders in one path segment"));
        assert!(errors("/a/{x}-{y}")[0].contains("two placeholders in one path segment"));
        assert!(errors("/a/../b")[0].contains("move up"));
        assert!(errors("/ä")[0].contains("percent-encode"));
        assert_eq!(errors("x/{}/{a{").len(), 4);
    }
}
