//! The values resource commands take: durations (`30s`, `5m`, `2h`) and
//! UP42's statuses and types in UP42's spelling or in lower case. A bad
//! value is a usage error naming the expected form.

use std::time::Duration;

/// `30s`, `5m`, `2h`, `500ms`: a whole number and a unit.
pub fn duration(text: &str) -> Result<Duration, String> {
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let expected = || format!("`{text}` is not a duration: write a number and a unit, e.g. 30s, 5m, 2h");
    let number: u64 = number.parse().map_err(|_| expected())?;
    let seconds = match unit {
        "ms" => return Ok(Duration::from_millis(number)),
        "s" => number,
        "m" => number.saturating_mul(60),
        "h" => number.saturating_mul(3600),
        _ => return Err(expected()),
    };
    Ok(Duration::from_secs(seconds))
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
