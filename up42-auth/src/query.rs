//! Query structs: a `Serialize` struct whose fields are the query keys of a
//! list, written once (a field and its setter) and checked at compile time
//! against the endpoint that sends it.
//!
//! `#[derive(Query)]` publishes the struct's serialized field names
//! ([`Query::FIELDS`]); `#[up42_endpoint]` sends such a struct with
//! `#[query(flatten)] filters: &MyQuery` and checks, while compiling, that
//! every field is a query key the endpoint takes.

use serde::Serialize;

/// One field of a [`Query`] struct: the query key it is sent under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryField {
    /// The key, as serde serializes the field's name.
    pub name: &'static str,
    /// `#[query(comma)]`: a list goes as one comma-joined value
    /// (`orderIds=a,b`) instead of a repeated key.
    pub joined: bool,
}

/// A `Serialize` struct whose fields are query keys: derive it with
/// `#[derive(Query)]` (from this crate or `up42`), never by hand.
///
/// ```
/// use serde::Serialize;
/// use up42_auth::{Authenticated, Query, Result, up42_endpoint};
///
/// #[derive(Debug, Default, Serialize, Query)]
/// #[serde(rename_all = "camelCase")]
/// struct OrderFilters {
///     workspace_id: Option<String>,
///     status: Vec<String>,
///     #[query(comma)]
///     order_ids: Vec<String>,
/// }
///
/// #[up42_endpoint(GET, "/v2/orders")]
/// async fn list_orders(
///     client: &impl Authenticated,
///     #[query(flatten)] filters: &OrderFilters,
///     #[query] page: u64,
/// ) -> Result<serde_json::Value>;
/// ```
///
/// A field the endpoint does not take fails the build, with the nearest
/// key it does take:
///
/// ```compile_fail
/// # use serde::Serialize;
/// # use up42_auth::{Authenticated, Query, Result, up42_endpoint};
/// #[derive(Serialize, Query)]
/// struct OrderFilters {
///     stauts: Vec<String>,
/// }
/// // field `stauts` of `OrderFilters`: `stauts` is not a query parameter of
/// // `GET /v2/orders`; did you mean `status`?
/// #[up42_endpoint(GET, "/v2/orders")]
/// async fn list_orders(client: &impl Authenticated, #[query(flatten)] f: &OrderFilters) -> Result<()>;
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a query struct",
    label = "`#[query(flatten)]` sends the fields of a struct that derives `Query`",
    note = "add `#[derive(Query)]` (from `up42` or `up42_auth`) next to its `#[derive(Serialize)]`"
)]
pub trait Query: Serialize {
    /// The struct's name, for messages.
    const NAME: &'static str;
    /// Its fields as serialized, in order; skipped fields are left out.
    const FIELDS: &'static [QueryField];
}

#[diagnostic::do_not_recommend]
impl<Q: Query + ?Sized> Query for &Q {
    const NAME: &'static str = Q::NAME;
    const FIELDS: &'static [QueryField] = Q::FIELDS;
}

/// What is wrong with sending the fields of `Q` to an operation that takes
/// the query keys `keys` when its other arguments already send `taken`:
/// `None` when nothing is. Evaluated by the compiler: generated code panics
/// with the message in a `const` item, so a wrong field fails the build.
pub const fn query_problem<Q: Query + ?Sized>(
    keys: &[&str],
    taken: &[&str],
    operation: &str,
) -> Option<Message> {
    let fields = Q::FIELDS;
    let mut i = 0;
    while i < fields.len() {
        let name = fields[i].name;
        let intro = Message::new()
            .push("field `")
            .push(name)
            .push("` of `")
            .push(Q::NAME)
            .push("`: ");
        if !contains(keys, name) {
            let message = intro
                .push("`")
                .push(name)
                .push("` is not a query parameter of `")
                .push(operation)
                .push("`");
            return Some(suggest(message, name, keys));
        }
        if contains(taken, name) {
            return Some(
                intro
                    .push("the query key `")
                    .push(name)
                    .push("` is also sent by another argument; send it once"),
            );
        }
        let mut j = 0;
        while j < i {
            if eq(fields[j].name, name) {
                return Some(intro.push("two fields are sent under this key; rename one"));
            }
            j += 1;
        }
        i += 1;
    }
    None
}

/// `; did you mean `k`?`, or the keys the operation takes.
const fn suggest(message: Message, name: &str, keys: &[&str]) -> Message {
    let mut best: Option<(usize, &str)> = None;
    let mut i = 0;
    while i < keys.len() {
        if let Some(distance) = distance(name, keys[i])
            && distance <= 3
        {
            let closer = match best {
                Some((seen, _)) => distance < seen,
                None => true,
            };
            if closer {
                best = Some((distance, keys[i]));
            }
        }
        i += 1;
    }
    if let Some((_, key)) = best {
        return message.push("; did you mean `").push(key).push("`?");
    }
    let mut message = message.push("; it takes ");
    let mut i = 0;
    while i < keys.len() {
        if i > 0 {
            message = message.push(", ");
        }
        message = message.push("`").push(keys[i]).push("`");
        i += 1;
    }
    message
}

const fn contains(keys: &[&str], name: &str) -> bool {
    let mut i = 0;
    while i < keys.len() {
        if eq(keys[i], name) {
            return true;
        }
        i += 1;
    }
    false
}

const fn eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The longest name [`distance`] compares.
const MAX_NAME: usize = 64;

/// The edit distance of two names, ASCII case ignored; `None` for names
/// longer than [`MAX_NAME`] bytes.
const fn distance(a: &str, b: &str) -> Option<usize> {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() > MAX_NAME || b.len() > MAX_NAME {
        return None;
    }
    let mut previous = [0usize; MAX_NAME + 1];
    let mut j = 0;
    while j <= b.len() {
        previous[j] = j;
        j += 1;
    }
    let mut i = 0;
    while i < a.len() {
        let mut current = [0usize; MAX_NAME + 1];
        current[0] = i + 1;
        let mut j = 0;
        while j < b.len() {
            let cost = if a[i].eq_ignore_ascii_case(&b[j]) { 0 } else { 1 };
            current[j + 1] = min(min(previous[j] + cost, previous[j + 1] + 1), current[j] + 1);
            j += 1;
        }
        previous = current;
        i += 1;
    }
    Some(previous[b.len()])
}

const fn min(a: usize, b: usize) -> usize {
    if a < b { a } else { b }
}

/// A message put together by the compiler: up to [`Message::CAPACITY`]
/// bytes, cut at a character boundary and ended with `…` past that.
#[derive(Clone, Copy)]
pub struct Message {
    bytes: [u8; Message::CAPACITY],
    len: usize,
    cut: bool,
}

impl Message {
    /// The most bytes a message holds.
    pub const CAPACITY: usize = 1024;

    const fn new() -> Self {
        Message {
            bytes: [0; Message::CAPACITY],
            len: 0,
            cut: false,
        }
    }

    const fn push(mut self, text: &str) -> Self {
        let text = text.as_bytes();
        // Room for the `…` (3 bytes) that marks a cut message.
        let room = Message::CAPACITY - 3;
        let mut i = 0;
        while i < text.len() && !self.cut {
            // Whole characters only: a lead byte needs room for its sequence.
            let width = match text[i] {
                0..=0x7f => 1,
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            if self.len + width > room || i + width > text.len() {
                self.cut = true;
                let ellipsis = "…".as_bytes();
                let mut k = 0;
                while k < ellipsis.len() {
                    self.bytes[self.len] = ellipsis[k];
                    self.len += 1;
                    k += 1;
                }
                break;
            }
            let mut k = 0;
            while k < width {
                self.bytes[self.len] = text[i + k];
                self.len += 1;
                k += 1;
            }
            i += width;
        }
        self
    }

    /// The message.
    pub const fn as_str(&self) -> &str {
        let (bytes, _) = self.bytes.split_at(self.len);
        match core::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => "a query struct does not fit its endpoint",
        }
    }
}

impl core::fmt::Debug for Message {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Filters {
        stauts: Vec<String>,
        page: u32,
    }

    impl Query for Filters {
        const NAME: &'static str = "Filters";
        const FIELDS: &'static [QueryField] = &[
            QueryField {
                name: "stauts",
                joined: false,
            },
            QueryField {
                name: "page",
                joined: false,
            },
        ];
    }

    #[test]
    fn an_unknown_field_names_the_nearest_key() {
        let problem = query_problem::<Filters>(&["status", "page"], &[], "GET /v2/orders").unwrap();
        assert_eq!(
            problem.as_str(),
            "field `stauts` of `Filters`: `stauts` is not a query parameter of `GET /v2/orders`; \
             did you mean `status`?"
        );
        let problem = query_problem::<Filters>(&["a", "b"], &[], "GET /x").unwrap();
        assert!(problem.as_str().ends_with("; it takes `a`, `b`"), "{problem:?}");
    }

    #[test]
    fn a_key_sent_twice_is_refused() {
        let problem = query_problem::<Filters>(&["stauts", "page"], &["page"], "GET /x").unwrap();
        assert!(problem.as_str().contains("`page` is also sent"), "{problem:?}");
        assert!(query_problem::<&Filters>(&["stauts", "page"], &[], "GET /x").is_none());
    }

    #[test]
    fn long_messages_are_cut_at_a_character() {
        let long = "é".repeat(600);
        let message = Message::new().push("x").push(&long).push("y");
        let text = message.as_str();
        assert!(
            text.ends_with('…') && text.len() <= Message::CAPACITY,
            "{}",
            text.len()
        );
        assert_eq!(distance("workspaceID", "workspaceId"), Some(0));
        assert_eq!(distance("stauts", "status"), Some(2));
        assert_eq!(distance(&"a".repeat(65), "a"), None);
    }
}
