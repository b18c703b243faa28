//! The runtime behind `#[up42_endpoint]`: [`request`] builds the URL from the
//! path template and adds query, headers and body; [`send`] takes the token,
//! sends, resends once after a stale-token 401 and retries transient
//! failures; [`response`] checks the status and decodes.
//!
//! Generated code reaches it through [`crate::__private_0_1_0`]; nothing here is a
//! stable API of its own.

mod page;
mod request;
mod response;
mod send;

pub(crate) use page::NextLink;
pub use page::PageAnswer;
pub(crate) use page::decode as decode_page;
pub use request::{Endpoint, Paging, PathPart, Request, Retry};
pub(crate) use response::{DownloadLimit, read_success};
pub use response::{FromJson, decode_json, decode_unit};
pub use send::send;
pub(crate) use send::send_to;
