//! Paged endpoints: every page of a list, collected at once (`Result<Vec<T>>`)
//! or streamed one page at a time ([`Paged`]). Each page request goes
//! through the same token, 401 resend and retry path as any endpoint call.

pub(crate) mod run;

pub use run::{COLLECTED_ANSWERS, MAX_PAGES, Paged};
