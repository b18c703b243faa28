//! The glossary through the typed client.

use futures_util::TryStreamExt;
use up42::glossary::{CollectionSortField, CollectionType, Integration, ProviderRole};
use up42::list::Direction;

use crate::fixtures::{self, queries};

#[tokio::test]
async fn collections_are_public_and_read_into_typed_fields() {
    let (sandbox, client) = fixtures::start().await;
    let collections: Vec<_> = client
        .glossary()
        .collections()
        .sort(CollectionSortField::Name, Direction::Ascending)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(collections.len() > 1);
    let names: Vec<_> = collections.iter().map(|c| c.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(
        collections
            .iter()
            .any(|c| c.collection_type == CollectionType::Tasking)
    );
    let archive = collections
        .iter()
        .find(|c| c.collection_type == CollectionType::Archive)
        .unwrap();
    assert!(archive.integrations.contains(&Integration::SearchAvailable));
    assert!(archive.host().unwrap().roles.contains(&ProviderRole::Host));
    assert!(archive.data_products[0].id.is_some());
    assert!(archive.metadata.as_ref().unwrap().resolution_value.is_some());
    assert_eq!(sandbox.counters().token_requests, 0, "no token for a public list");
    assert!(queries(&sandbox, "/v2/collections")[0].contains("sort=name%2Casc"));
}

#[tokio::test]
async fn one_collection_and_a_products_schema() {
    let (_sandbox, client) = fixtures::start().await;
    let first = client
        .glossary()
        .collections()
        .send()
        .await
        .unwrap()
        .items
        .remove(0);
    let again = client.glossary().collection(&first.name).await.unwrap();
    assert_eq!(again.title, first.title);
    let schema = client
        .glossary()
        .schema(up42_testkit::seed::ARCHIVE_PRODUCT_ID)
        .await
        .unwrap();
    assert!(schema["properties"].is_object(), "{schema}");
}
