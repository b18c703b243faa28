//! Edit distances behind the "did you mean" suggestions.

/// How far (in path segments) a suggestion may be from the path written.
pub(crate) const MAX_DISTANCE: usize = 3;

/// Segment-wise edit distance: inserting, deleting or replacing one segment
/// costs 1, but a segment may only be replaced by one that looks like it
/// (a few characters apart), so unrelated paths are far apart. `None` past
/// [`MAX_DISTANCE`].
pub(crate) fn segment_distance(a: &[String], b: &[String]) -> Option<usize> {
    let similar = |x: &str, y: &str| x == y || chars_distance(x, y) <= (x.len().max(y.len()) / 3).max(2);
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, y) in b.iter().enumerate() {
            let replace = match (x == y, similar(x, y)) {
                (true, _) => previous[j],
                (false, true) => previous[j] + 1,
                (false, false) => previous[j] + 2,
            };
            current.push(replace.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    let distance = previous[b.len()];
    (distance <= MAX_DISTANCE).then_some(distance)
}

/// Levenshtein distance between two strings, in characters.
pub(crate) fn chars_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, y) in b.iter().enumerate() {
            let cost = usize::from(x != *y);
            current.push((previous[j] + cost).min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// The candidate closest to `written`, if one is at most `max` characters away.
pub(crate) fn nearest<'a>(
    written: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| {
            (
                chars_distance(&c.to_ascii_lowercase(), &written.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(distance, _)| *distance <= max)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}
