//! The values resource commands take: durations (`30s`, `5m`, `2h`),
//! UP42's statuses and types in UP42's spelling or in lower case, areas of
//! interest from GeoJSON files, bounding boxes, dates and JSON parameters.
//! A bad value is a usage error naming the flag and the expected form.

use std::path::Path;
use std::time::Duration;

use up42::aoi::{Aoi, AoiProblem};
use up42::geojson::{GeoJson, Geometry};

/// The longest duration a flag takes: a year (longer waits are mistakes,
/// and would overflow the clock's arithmetic).
pub const LONGEST: Duration = Duration::from_secs(366 * 24 * 3600);

/// `30s`, `5m`, `2h`, `500ms`: a whole number and a unit, at most a year.
pub fn duration(text: &str) -> Result<Duration, String> {
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let expected = || format!("`{text}` is not a duration: write a number and a unit, e.g. 30s, 5m, 2h");
    let number: u64 = number.parse().map_err(|_| expected())?;
    let millis = match unit {
        "ms" => Some(number),
        "s" => number.checked_mul(1_000),
        "m" => number.checked_mul(60_000),
        "h" => number.checked_mul(3_600_000),
        _ => return Err(expected()),
    };
    match millis.map(Duration::from_millis) {
        Some(duration) if duration <= LONGEST => Ok(duration),
        _ => Err(format!("`{text}` is longer than a year, the most a wait takes")),
    }
}

/// A pause between two looks: a duration above zero (how short a pause
/// the API allows is the wait's to say).
pub fn every(text: &str) -> Result<Duration, String> {
    match duration(text)? {
        Duration::ZERO => Err(format!("`{text}` is no pause: give one of a second or more")),
        pause => Ok(pause),
    }
}

/// `duration` as the user would write it: `300ms`, `30s`, `5m`, `2h`.
pub fn show_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match (duration.subsec_millis(), seconds) {
        (0, s) if s > 0 && s % 3600 == 0 => format!("{}h", s / 3600),
        (0, s) if s > 0 && s % 60 == 0 => format!("{}m", s / 60),
        (0, s) => format!("{s}s"),
        _ => format!("{}ms", duration.as_millis()),
    }
}

/// One of `known` (as UP42 writes them), matched in any case.
pub fn one_of<T: Clone + std::fmt::Display>(text: &str, known: &[T], what: &str) -> Result<T, String> {
    known
        .iter()
        .find(|value| value.to_string().eq_ignore_ascii_case(text))
        .cloned()
        .ok_or_else(|| {
            let names: Vec<String> = known.iter().map(|v| v.to_string().to_lowercase()).collect();
            format!("`{text}` is not {what}; one of: {}", names.join(", "))
        })
}

/// The most an input file (`--aoi`, `@FILE`) may hold.
const LARGEST_INPUT: u64 = 64 * 1024 * 1024;

/// The text of the input file `path` given to `flag`, or of standard input
/// for `-`. A FIFO, a device or a directory is refused at once (reading one
/// could block for ever), and so is a file over 64 MiB.
pub fn input(flag: &str, path: &Path) -> Result<String, String> {
    use std::io::Read;
    let shown = path.display();
    let file: Box<dyn Read> = match path.to_str() {
        Some("-") => Box::new(std::io::stdin()),
        _ => {
            let metadata =
                std::fs::metadata(path).map_err(|e| format!("{flag}: cannot read {shown}: {e}"))?;
            if !metadata.is_file() {
                return Err(format!(
                    "{flag}: {shown} is not a regular file (a FIFO, a device or a directory); give a \
                     file, or - for standard input"
                ));
            }
            Box::new(std::fs::File::open(path).map_err(|e| format!("{flag}: cannot read {shown}: {e}"))?)
        }
    };
    let mut text = String::new();
    file.take(LARGEST_INPUT + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("{flag}: cannot read {shown}: {e}"))?;
    match text.len() as u64 > LARGEST_INPUT {
        true => Err(format!("{flag}: {shown} is larger than 64 MiB")),
        false => Ok(text),
    }
}

/// An area of interest from a GeoJSON file (or `-`, standard input): a
/// FeatureCollection, a Feature or a bare geometry.
///
/// The area is checked before it is used: open rings, coordinates out of
/// range, crossing edges and the antimeridian are refused, each named
/// (several features are the caller's to judge).
pub fn aoi(path: &Path) -> Result<Aoi, String> {
    let area = read_aoi("--aoi", path)?;
    let problems: Vec<String> = area
        .check()
        .problems
        .iter()
        .filter(|p| !matches!(p, AoiProblem::SeveralFeatures { .. }))
        .map(ToString::to_string)
        .collect();
    match problems.is_empty() {
        true => Ok(area),
        false => Err(format!(
            "--aoi: {} cannot be sent: {} (`up42 aoi check` shows all of it)",
            path.display(),
            problems.join("; ")
        )),
    }
}

/// The area of interest in the GeoJSON file (or `-`) given to `flag`, unchecked.
pub fn read_aoi(flag: &str, path: &Path) -> Result<Aoi, String> {
    let text = input(flag, path)?;
    let geojson: GeoJson = text.parse().map_err(|e| {
        format!(
            "{flag}: {} is not GeoJSON ({e}); give a FeatureCollection, a Feature or a geometry",
            path.display()
        )
    })?;
    Ok(Aoi::from_geojson(geojson))
}

/// The one geometry of an area of interest, the features merged first if
/// `union`: a file of several features is otherwise refused with their
/// count, never cut to the first.
pub fn one_geometry(aoi: Aoi, union: bool) -> Result<Geometry, String> {
    let aoi = match union {
        true => aoi.union(),
        false => aoi,
    };
    let geometries: Vec<&Geometry> = aoi
        .features()
        .features
        .iter()
        .filter_map(|f| f.geometry.as_ref())
        .collect();
    match geometries.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err("--aoi: the file has no feature with a geometry".to_string()),
        many => Err(format!(
            "--aoi: the file has {} features where one area is searched: give --union to merge them",
            many.len()
        )),
    }
}

/// A percentage: a number from 0 to 100.
pub fn percent(text: &str) -> Result<f64, String> {
    match text.trim_end_matches('%').parse::<f64>() {
        Ok(pct) if (0.0..=100.0).contains(&pct) => Ok(pct),
        _ => Err(format!(
            "`{text}` is not a percentage: write a number from 0 to 100"
        )),
    }
}

/// `FIELD`, `FIELD:asc` or `FIELD:desc`: the field and whether descending.
pub fn sort(text: &str) -> Result<(String, bool), String> {
    let (field, order) = text.split_once(':').unwrap_or((text, "asc"));
    match (field.is_empty(), order.to_ascii_lowercase().as_str()) {
        (false, "asc") => Ok((field.to_string(), false)),
        (false, "desc") => Ok((field.to_string(), true)),
        _ => Err(format!(
            "`{text}` is not a sort: write FIELD, FIELD:asc or FIELD:desc"
        )),
    }
}

/// `W,S,E,N`: four numbers, west before east and south before north.
pub fn bbox(text: &str) -> Result<[f64; 4], String> {
    let expected =
        || format!("`{text}` is not a bounding box: write W,S,E,N in degrees, e.g. 13.3,52.4,13.5,52.6");
    let numbers: Vec<f64> = text
        .split(',')
        .map(|n| n.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| expected())?;
    let [w, s, e, n] = <[f64; 4]>::try_from(numbers).map_err(|_| expected())?;
    let inside = (-180.0..=180.0).contains(&w) && (-180.0..=180.0).contains(&e);
    let inside = inside && (-90.0..=90.0).contains(&s) && (-90.0..=90.0).contains(&n);
    match inside && w < e && s < n {
        true => Ok([w, s, e, n]),
        false => Err(expected()),
    }
}

/// A date (`2026-01-31`) or an RFC 3339 time, as RFC 3339; a date starts
/// at midnight, or ends at the day's last second when `end`.
pub fn date(text: &str, end: bool) -> Result<String, String> {
    if up42::chrono::DateTime::parse_from_rfc3339(text).is_ok() {
        return Ok(text.to_string());
    }
    match up42::chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(day) if end => Ok(format!("{day}T23:59:59Z")),
        Ok(day) => Ok(format!("{day}T00:00:00Z")),
        Err(_) => Err(format!(
            "`{text}` is not a date: write 2026-01-31 or 2026-01-31T10:00:00Z"
        )),
    }
}

/// JSON given inline or as `@FILE`.
pub fn json_or_file(flag: &str, text: &str) -> Result<serde_json::Value, String> {
    let (text, from) = match text.strip_prefix('@') {
        Some(path) => (input(flag, Path::new(path))?, format!(" in {path}")),
        None => (text.to_string(), String::new()),
    };
    serde_json::from_str(&text).map_err(|e| format!("{flag} is not JSON{from} ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_need_a_number_and_a_unit() {
        assert_eq!(duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(duration("250ms"), Ok(Duration::from_millis(250)));
        for bad in ["", "30", "s", "5 m", "1d", "-1s", "1.5h"] {
            assert!(duration(bad).unwrap_err().contains("e.g. 30s"), "{bad}");
        }
        for long in ["1000000000000h", "18446744073709551615s", "9000h"] {
            assert!(
                duration(long).unwrap_err().contains("longer than a year"),
                "{long}"
            );
        }
        assert_eq!(duration("8784h"), Ok(LONGEST));
        assert_eq!(every("1s"), Ok(Duration::from_secs(1)));
        assert!(every("0s").unwrap_err().contains("no pause"));
    }

    #[test]
    fn bounding_boxes_and_dates() {
        assert_eq!(bbox("13.3,52.4,13.5,52.6"), Ok([13.3, 52.4, 13.5, 52.6]));
        for bad in [
            "13.3,52.4,13.5",
            "a,b,c,d",
            "13.5,52.4,13.3,52.6",
            "0,0,200,1",
            "1,2,3,4,5",
        ] {
            assert!(bbox(bad).unwrap_err().contains("W,S,E,N"), "{bad}");
        }
        assert_eq!(date("2026-01-31", false).unwrap(), "2026-01-31T00:00:00Z");
        assert_eq!(date("2026-01-31", true).unwrap(), "2026-01-31T23:59:59Z");
        assert_eq!(
            date("2026-01-31T10:00:00Z", true).unwrap(),
            "2026-01-31T10:00:00Z"
        );
        assert!(date("31.01.2026", false).unwrap_err().contains("2026-01-31"));
    }

    #[test]
    fn areas_of_interest_from_any_geojson() {
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path();
        let polygon = r#"{"type": "Polygon", "coordinates": [[[13.3, 52.4], [13.5, 52.4], [13.5, 52.6], [13.3, 52.4]]]}"#;
        let feature = format!(r#"{{"type": "Feature", "properties": {{}}, "geometry": {polygon}}}"#);
        let collection = format!(r#"{{"type": "FeatureCollection", "features": [{feature}]}}"#);
        for (name, text) in [("g", polygon.to_string()), ("f", feature), ("c", collection)] {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            assert_eq!(aoi(&path).unwrap().features().features.len(), 1, "{name}");
        }
        let path = dir.join("bad");
        std::fs::write(&path, r#"{"type": "Circle"}"#).unwrap();
        assert!(aoi(&path).unwrap_err().contains("is not GeoJSON"));
        assert!(aoi(dir).unwrap_err().contains("not a regular file"));
    }

    #[test]
    fn durations_show_as_written() {
        for text in ["300ms", "30s", "5m", "2h", "90s"] {
            assert_eq!(show_duration(duration(text).unwrap()), text);
        }
    }

    #[test]
    fn statuses_match_in_any_case() {
        let known = up42::orders::OrderStatus::KNOWN;
        assert_eq!(
            one_of("fulfilled", known, "an order status"),
            Ok(up42::orders::OrderStatus::Fulfilled)
        );
        assert_eq!(
            one_of("FULFILLED", known, "an order status"),
            Ok(up42::orders::OrderStatus::Fulfilled)
        );
        let error = one_of("done", known, "an order status").unwrap_err();
        assert!(
            error.contains("not an order status") && error.contains("fulfilled"),
            "{error}"
        );
    }
}
