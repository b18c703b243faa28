//! `up42 aoi check`: an area of interest as UP42 would take it, on the
//! library's `up42::aoi`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use up42::aoi::AoiCheck;

use crate::cli::Output;
use crate::failure::Failure;
use crate::output;
use crate::table::{Table, Tone};
use crate::term::note;
use crate::values;

/// `up42 aoi ...`.
#[derive(Debug, Subcommand)]
pub enum AoiCommand {
    /// Checks an area of interest as UP42 would take it: rings closed,
    /// coordinates in range, no crossing edges, not across the antimeridian,
    /// one feature; prints its vertices and area (km²). Exit 2 when it
    /// cannot be sent, each problem on stderr.
    ///
    /// Example: up42 aoi check fields.geojson --union --simplify 0.0001 -O field.geojson
    Check(CheckArgs),
}

/// `up42 aoi check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The GeoJSON file (a FeatureCollection, a Feature or a geometry), or - for standard input.
    #[arg(value_name = "FILE|-")]
    pub file: PathBuf,
    /// Merges the features into one area first.
    #[arg(long)]
    pub union: bool,
    /// Reduces the vertices first: none moves farther than this many degrees
    /// from the outline (0.0001 is about 10 m).
    #[arg(long, value_name = "DEGREES")]
    pub simplify: Option<f64>,
    /// Writes the area (merged, simplified) to this GeoJSON file when it can be sent.
    #[arg(short = 'O', long = "file", value_name = "FILE")]
    pub write: Option<PathBuf>,
    #[command(flatten)]
    pub output: Output,
}

/// Runs an `aoi` command.
pub fn run(command: AoiCommand) -> Result<(), Failure> {
    let AoiCommand::Check(args) = command;
    check(args)
}

/// Checks the area (merged and simplified first if asked), prints what it
/// found, writes it if asked and it can be sent; exit 2 if it cannot.
fn check(args: CheckArgs) -> Result<(), Failure> {
    let mut area = values::read_aoi("aoi", &args.file).map_err(Failure::Usage)?;
    if args.union {
        area = area.union();
    }
    if let Some(tolerance) = args.simplify {
        if !(tolerance.is_finite() && tolerance >= 0.0) {
            return Err(Failure::Usage(format!(
                "--simplify {tolerance}: give a tolerance of 0 degrees or more"
            )));
        }
        area = area.simplify(tolerance);
    }
    let found = area.check();
    output::one(&found, args.output.format, table)?;
    if !found.is_ok() {
        for problem in &found.problems {
            note!("{problem}");
        }
        return Err(Failure::Usage(format!(
            "{} cannot be sent: {} problem{}",
            args.file.display(),
            found.problems.len(),
            if found.problems.len() == 1 { "" } else { "s" }
        )));
    }
    if let Some(path) = &args.write {
        let text = serde_json::to_string_pretty(area.features())
            .map_err(|e| Failure::Local(format!("cannot write the area: {e}")))?;
        std::fs::write(path, text + "\n")
            .map_err(|e| Failure::Local(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(())
}

/// What a person reads: the counts and area, then each problem.
fn table(found: &AoiCheck) -> Table {
    let mut table = Table::new(&["FEATURES", "VERTICES", "AREA KM2", "ANTIMERIDIAN", "PROBLEMS"]);
    let tone = match found.is_ok() {
        true => Tone::Good,
        false => Tone::Bad,
    };
    table.row(vec![
        (found.features.to_string(), Tone::Plain),
        (found.vertices.to_string(), Tone::Plain),
        (format!("{:.2}", found.area_km2), Tone::Plain),
        (
            if found.crosses_antimeridian {
                "crossed"
            } else {
                "no"
            }
            .to_string(),
            Tone::Plain,
        ),
        (found.problems.len().to_string(), tone),
    ]);
    table
}
