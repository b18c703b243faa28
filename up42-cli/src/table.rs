//! Tables for people: a header, columns padded to their widest cell, and
//! colours (statuses) on a terminal only.

use std::fmt::Write as _;

/// How a cell is coloured on a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// As the terminal writes.
    Plain,
    /// Done and well: green.
    Good,
    /// Under way or waiting: yellow.
    Pending,
    /// Ended badly: red.
    Bad,
}

impl Tone {
    fn ansi(self) -> Option<&'static str> {
        match self {
            Tone::Plain => None,
            Tone::Good => Some("\x1b[32m"),
            Tone::Pending => Some("\x1b[33m"),
            Tone::Bad => Some("\x1b[31m"),
        }
    }
}

/// A table being filled: its header, then a row per item.
#[derive(Debug)]
pub struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<(String, Tone)>>,
}

impl Table {
    /// An empty table with these column names.
    pub fn new(header: &[&'static str]) -> Table {
        Table {
            header: header.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row: one cell per column, each with its tone; what could steer
    /// the terminal is escaped (the cells are the server's strings).
    pub fn row(&mut self, cells: Vec<(String, Tone)>) {
        let cells = cells
            .into_iter()
            .map(|(text, tone)| (crate::term::clean(&text).into_owned(), tone))
            .collect();
        self.rows.push(cells);
    }

    /// The table as text: the header, then the rows, with ANSI colours if `colour`.
    pub fn render(&self, colour: bool) -> String {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, (text, _)) in row.iter().enumerate() {
                if let Some(width) = widths.get_mut(i) {
                    *width = (*width).max(text.chars().count());
                }
            }
        }
        let mut out = String::new();
        let header: Vec<(String, Tone)> = self.header.iter().map(|h| (h.to_string(), Tone::Plain)).collect();
        for row in std::iter::once(&header).chain(&self.rows) {
            let last = row.len().saturating_sub(1);
            for (i, (text, tone)) in row.iter().enumerate() {
                let pad = widths
                    .get(i)
                    .copied()
                    .unwrap_or(0)
                    .saturating_sub(text.chars().count());
                match tone.ansi().filter(|_| colour) {
                    Some(code) => {
                        let _ = write!(out, "{code}{text}\x1b[0m");
                    }
                    None => out.push_str(text),
                }
                if i < last {
                    out.push_str(&" ".repeat(pad + 2));
                }
            }
            out.push('\n');
        }
        out.pop();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_and_colour_does_not_count() {
        let mut table = Table::new(&["ID", "STATUS"]);
        table.row(vec![
            ("a-long-id".into(), Tone::Plain),
            ("FULFILLED".into(), Tone::Good),
        ]);
        table.row(vec![("b".into(), Tone::Plain), ("FAILED".into(), Tone::Bad)]);
        assert_eq!(
            table.render(false),
            "ID         STATUS\na-long-id  FULFILLED\nb          FAILED"
        );
        let coloured = table.render(true);
        assert!(coloured.contains("\x1b[32mFULFILLED\x1b[0m"));
        assert!(coloured.contains("b          \x1b[31mFAILED"));
    }
}
