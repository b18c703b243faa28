//! What reaches the terminal: strings from the server (names, messages,
//! statuses) made harmless. No ESC or other C0/C1 control, no DEL, no bidi
//! override or isolate (U+202A–U+202E, U+2066–U+2069) and no line or
//! paragraph separator (U+2028, U+2029) is printed as it is: tables,
//! spinners, progress lines, messages and JSON all go through here.

use std::borrow::Cow;

/// Whether `c` can move the cursor, recolour, reorder or split what a
/// terminal shows.
fn steers(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

/// `text` for one line: every character that [`steers`] the terminal
/// written as its escape (`\u{1b}`), the rest as it is.
pub fn clean(text: &str) -> Cow<'_, str> {
    escape(text, steers)
}

/// `text` over several lines: as [`clean`], but newlines and tabs kept.
pub fn clean_lines(text: &str) -> Cow<'_, str> {
    escape(text, |c| c != '\n' && c != '\t' && steers(c))
}

/// Serialized JSON made safe to print: the characters that steer a terminal
/// and that JSON may carry raw (DEL, C1 controls, bidi and separators; C0
/// controls are escaped by the serializer already) written as `\uXXXX`.
/// The JSON means the same. ANSI colours added around it stay.
pub fn clean_json(json: &str) -> Cow<'_, str> {
    if !json.chars().any(|c| c > '\u{7e}' && steers(c)) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c > '\u{7e}' && steers(c) {
            true => out.push_str(&format!("\\u{:04x}", c as u32)),
            false => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn escape(text: &str, unsafe_char: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&unsafe_char) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match unsafe_char(c) {
                true => c.escape_unicode().to_string(),
                false => c.to_string(),
            })
            .collect(),
    )
}

/// Prints `up42: ` and the message on stderr, made harmless by [`clean`].
macro_rules! note {
    ($($arg:tt)*) => {
        eprintln!("up42: {}", $crate::term::clean(&format!($($arg)*)))
    };
}
pub(crate) use note;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_that_steers_a_terminal_gets_through() {
        let hostile = "Berlin\u{1b}[2J\u{1b}]0;owned\u{7}\r\u{9b}31m\u{202e}fdp.exe\u{2066}x\u{2028}y\u{7f}";
        let shown = clean(hostile);
        assert!(!shown.chars().any(steers), "{shown}");
        assert!(shown.starts_with("Berlin\\u{1b}[2J"), "{shown}");
        assert_eq!(clean("Berlin 2026 – ü"), "Berlin 2026 – ü");
        assert!(matches!(clean("plain"), Cow::Borrowed(_)));
        assert_eq!(clean_lines("a\n\tb\u{1b}"), "a\n\tb\\u{1b}");
    }

    #[test]
    fn json_keeps_its_meaning() {
        let value = serde_json::json!({"name": "a\u{202e}b\u{9b}c\u{1b}d"});
        let text = serde_json::to_string(&value).unwrap();
        let shown = clean_json(&text);
        assert!(!shown.chars().any(steers), "{shown}");
        let back: serde_json::Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(back, value);
        let coloured = "\u{1b}[1m{}\u{1b}[0m";
        assert_eq!(clean_json(coloured), coloured, "the colours stay");
    }
}
