//! One page of a paged answer, in either of UP42's shapes, decoded straight
//! into the caller's item type.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::request::Paging;

/// What one answer of a paged endpoint says: its items, the totals, and
/// what comes next.
#[derive(Debug)]
pub struct PageAnswer<T> {
    pub(crate) items: Vec<T>,
    /// `number` of a page object.
    pub(crate) number: Option<u64>,
    /// `totalPages` of a page object.
    pub(crate) total_pages: Option<u64>,
    /// `totalElements` of a page object.
    pub(crate) total_elements: Option<u64>,
    /// `last` of a page object.
    pub(crate) last: Option<bool>,
    /// The `rel: "next"` link.
    pub(crate) next: Option<NextLink>,
}

/// A `rel: "next"` link: where the next page is and, for a search that is
/// POSTed (STAC API), how to ask for it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NextLink {
    pub(crate) href: String,
    /// `GET` or `POST`; absent: the method of the request.
    pub(crate) method: Option<String>,
    /// The body to send; absent: the body of the request.
    pub(crate) body: Option<serde_json::Value>,
    /// Whether `body` is merged into the request's body rather than replacing it.
    pub(crate) merge: bool,
}

/// Decodes one page of `paging`'s shape; the error names the JSON path
/// that did not fit.
pub(crate) fn decode<T: DeserializeOwned>(paging: Paging, body: &[u8]) -> Result<PageAnswer<T>, String> {
    let items = match paging {
        Paging::NextLink(field) => field,
        Paging::Numbered | Paging::None => "content",
    };
    let seed = PageSeed::<T> {
        items,
        item: PhantomData,
    };
    // The plain decoder on the way in; only a failure pays for path tracking.
    let mut plain = serde_json::Deserializer::from_slice(body);
    if let Ok(page) = seed
        .deserialize(&mut plain)
        .and_then(|page| plain.end().map(|()| page))
    {
        return Ok(page);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let mut track = serde_path_to_error::Track::new();
    let tracked = serde_path_to_error::Deserializer::new(&mut deserializer, &mut track);
    match seed.deserialize(tracked) {
        Ok(_) => Err("trailing characters after the page".to_string()),
        Err(error) => Err(format!(
            "the page does not fit `{}` items under `{items}` at `{}`: {error}",
            std::any::type_name::<T>(),
            track.path()
        )),
    }
}

struct PageSeed<T> {
    items: &'static str,
    item: PhantomData<fn() -> T>,
}

impl<T> Clone for PageSeed<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for PageSeed<T> {}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for PageSeed<T> {
    type Value = PageAnswer<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<PageAnswer<T>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for PageSeed<T> {
    type Value = PageAnswer<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a page object with the items under `{}`", self.items)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PageAnswer<T>, A::Error> {
        let mut page = PageAnswer {
            items: Vec::new(),
            number: None,
            total_pages: None,
            total_elements: None,
            last: None,
            next: None,
        };
        let mut seen_items = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*key {
                key if key == self.items => {
                    page.items = map.next_value::<Option<Vec<T>>>()?.unwrap_or_default();
                    seen_items = true;
                }
                "number" => page.number = map.next_value()?,
                "totalPages" => page.total_pages = map.next_value()?,
                "totalElements" => page.total_elements = map.next_value()?,
                "last" => page.last = map.next_value()?,
                "links" => {
                    let links = map.next_value::<Option<Vec<Link>>>()?.unwrap_or_default();
                    page.next = links
                        .into_iter()
                        .find(|link| link.rel.as_deref() == Some("next"))
                        .and_then(Link::into_next);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !seen_items {
            return Err(serde::de::Error::missing_field(self.items));
        }
        Ok(page)
    }
}

/// A `links` entry: `{"rel": "next", "href": "...", ...}`; a link without an
/// `href` leads nowhere, and other fields are ignored.
#[derive(Deserialize)]
struct Link {
    rel: Option<String>,
    href: Option<String>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    body: Option<serde_json::Value>,
    #[serde(default)]
    merge: bool,
}

impl Link {
    fn into_next(self) -> Option<NextLink> {
        Some(NextLink {
            href: self.href?,
            method: self.method,
            body: self.body,
            merge: self.merge,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Item {
        id: u32,
    }

    #[test]
    fn a_page_object() {
        let body = br#"{"content":[{"id":1},{"id":2}],"totalPages":3,"number":0,"last":false,
            "first":true,"empty":false,"pageable":{"pageNumber":0},"sort":{"sorted":false}}"#;
        let page: PageAnswer<Item> = decode(Paging::Numbered, body).unwrap();
        assert_eq!(page.items, [Item { id: 1 }, Item { id: 2 }]);
        assert_eq!(
            (page.number, page.total_pages, page.last),
            (Some(0), Some(3), Some(false))
        );
        assert_eq!(page.next, None);
    }

    #[test]
    fn a_next_link_page() {
        let body = br#"{"jobs":[{"id":7}],"links":[{"rel":"self","href":"/a"},{"rel":"next","href":"/v2/processing/jobs?page=2"}]}"#;
        let page: PageAnswer<Item> = decode(Paging::NextLink("jobs"), body).unwrap();
        assert_eq!(page.items, [Item { id: 7 }]);
        assert_eq!(
            page.next.map(|next| next.href).as_deref(),
            Some("/v2/processing/jobs?page=2")
        );
        let last = br#"{"jobs":[],"links":[{"rel":"self","href":"/a"}]}"#;
        let page: PageAnswer<Item> = decode(Paging::NextLink("jobs"), last).unwrap();
        assert!(page.items.is_empty() && page.next.is_none());
    }

    #[test]
    fn errors_name_the_path() {
        let body = br#"{"content":[{"id":1},{"id":"x"}],"totalPages":1}"#;
        let error = decode::<Item>(Paging::Numbered, body).unwrap_err();
        assert!(error.contains("content[1].id"), "{error}");
        let missing = decode::<Item>(Paging::NextLink("features"), br#"{"jobs":[]}"#).unwrap_err();
        assert!(missing.contains("missing field `features`"), "{missing}");
        let null = decode::<Item>(Paging::Numbered, br#"{"content":null}"#).unwrap();
        assert!(null.items.is_empty());
    }
}
