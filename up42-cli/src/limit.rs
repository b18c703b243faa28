//! `--limit N`: the first N items of a list, asked for in pages no larger
//! than needed, so that paging stops there.

use futures_util::{StreamExt, TryStreamExt};
use up42::toolkit::Paged;

use crate::failure::Failure;

/// The page size that fetches no more than `limit` items, up to `most` a page.
pub fn page_size(limit: usize, most: u32) -> u32 {
    u32::try_from(limit).unwrap_or(most).clamp(1, most)
}

/// The first `limit` items of `items`, or every item without a limit.
pub async fn collect<T: Send + 'static>(items: Paged<T>, limit: Option<usize>) -> Result<Vec<T>, Failure> {
    Ok(match limit {
        Some(limit) => items.take(limit).try_collect().await?,
        None => items.try_collect().await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_no_larger_than_the_limit_or_the_most() {
        assert_eq!(page_size(3, 100), 3);
        assert_eq!(page_size(0, 100), 1);
        assert_eq!(page_size(1_000, 100), 100);
        assert_eq!(page_size(usize::MAX, 500), 500);
    }
}
