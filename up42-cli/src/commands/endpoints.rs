//! `up42 endpoints [FILTER]`: UP42's endpoints as the toolkit's compile-time
//! check knows them (the catalogue of `up42-catalogue`).

use crate::failure::Failure;
use crate::output;
use crate::term::note;

/// Prints `METHOD PATH` lines, those containing `filter` (any case) only,
/// sorted by path, then by method.
pub fn list(filter: Option<&str>) -> Result<(), Failure> {
    let filter = filter.map(str::to_lowercase);
    let mut operations: Vec<_> = up42_catalogue::bundled().operations.iter().collect();
    operations.sort_by(|a, b| a.template.cmp(&b.template).then(a.method.cmp(&b.method)));
    let lines: Vec<String> = operations
        .into_iter()
        .map(|op| format!("{:<7}{}", op.method.as_str(), op.template))
        .filter(|line| filter.as_ref().is_none_or(|f| line.to_lowercase().contains(f)))
        .collect();
    if lines.is_empty() {
        note!("no known endpoint matches");
    }
    for line in lines {
        output::line(&line)?;
    }
    Ok(())
}
