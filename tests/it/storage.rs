//! Storage through the typed client: STAC collections, items, searches,
//! updates, deletions and downloads.

use futures_util::TryStreamExt;
use up42::storage::StacSearch;
use up42_testkit::{Fault, Mock, Respond, Route, seed};

use crate::fixtures;

#[tokio::test]
async fn a_delivery_reads_as_collection_item_and_assets_with_up42s_fields() {
    let (_sandbox, client) = fixtures::start().await;
    let storage = client.storage();
    let collection = storage.collection(seed::STAC_COLLECTION_ID).await.unwrap();
    assert_eq!(collection.extra["up42-order:id"], seed::ORDER_ID);

    let items: Vec<_> = storage
        .items(seed::STAC_COLLECTION_ID)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(item.id, seed::STAC_ITEM_ID);
    assert_eq!(item.properties.order_id.as_ref().unwrap(), seed::ORDER_ID);
    assert_eq!(item.properties.asset_id.as_ref().unwrap(), seed::ASSET_ID);
    assert!(item.properties.extra.contains_key("eo:cloud_cover"));
    assert!(item.self_href().unwrap().ends_with(seed::STAC_ITEM_ID));
    let asset = item.assets.values().next().unwrap();
    assert_eq!(asset.asset_id().unwrap(), seed::ASSET_ID);

    let again = storage
        .item(seed::STAC_COLLECTION_ID, seed::STAC_ITEM_ID)
        .await
        .unwrap();
    assert_eq!(again.id, item.id);
}

#[tokio::test]
async fn collections_and_searches_page_through_stac_tokens() {
    let (_sandbox, client) = fixtures::start().await;
    let storage = client.storage();
    let collections: Vec<_> = storage
        .collections()
        .page_size(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(collections.len() > 2, "more than one page: {}", collections.len());
    let mut ids: Vec<_> = collections.iter().map(|c| c.id.clone()).collect();
    ids.dedup();
    assert_eq!(ids.len(), collections.len(), "no collection twice");

    let by_order: Vec<_> = storage
        .search(&StacSearch::new().order(seed::ORDER_ID))
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(by_order.len(), 1);
    assert_eq!(by_order[0].id, seed::STAC_ITEM_ID);

    let every: Vec<_> = storage
        .search(&StacSearch::new())
        .page_size(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(every.len() > 2);
}

#[tokio::test]
async fn an_item_update_sets_title_and_tags() {
    let (_sandbox, client) = fixtures::start().await;
    let item = client
        .storage()
        .update_item(seed::STAC_COLLECTION_ID, seed::STAC_ITEM_ID)
        .title("Berlin")
        .tags(["city", "typed"])
        .send()
        .await
        .unwrap();
    assert_eq!(item.properties.title.as_deref(), Some("Berlin"));
    assert_eq!(item.properties.tags, ["city", "typed"]);
}

#[tokio::test]
async fn a_deleted_collection_is_gone() {
    let (_sandbox, client) = fixtures::start().await;
    client
        .storage()
        .delete_collection(seed::STAC_COLLECTION_ID)
        .await
        .unwrap();
    let gone = client
        .storage()
        .collection(seed::STAC_COLLECTION_ID)
        .await
        .unwrap_err();
    assert_eq!(gone.status().map(|s| s.as_u16()), Some(404));
}

#[tokio::test]
async fn a_download_signs_fetches_without_the_token_and_writes_the_file() {
    let (sandbox, client) = fixtures::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scene.tif");
    let bytes = client
        .storage()
        .download(seed::ASSET_ID)
        .to_file(&path)
        .await
        .unwrap();
    assert!(bytes > 0);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), bytes);
    let fetched = sandbox.journal_of(Route::Storage);
    assert_eq!(fetched.len(), 1);
    assert_eq!(
        fetched[0].header("authorization"),
        None,
        "no token to the storage host"
    );
}

#[tokio::test]
async fn an_expired_signed_url_is_signed_again_once() {
    let (sandbox, client) = fixtures::start().await;
    sandbox.mount(
        Mock::on(Route::Storage)
            .respond_with(Respond::status(403))
            .times(1),
    );
    let dir = tempfile::tempdir().unwrap();
    let mut reports = 0;
    let bytes = client
        .storage()
        .download(seed::ASSET_ID)
        .progress(|_| reports += 1)
        .to_file(dir.path().join("scene.tif"))
        .await
        .unwrap();
    assert!(bytes > 0 && reports > 0);
    let signed = sandbox
        .journal_of(Route::Api)
        .iter()
        .filter(|r| r.path.ends_with("/download-url"))
        .count();
    assert_eq!(signed, 2, "signed, refused as expired, signed again");

    sandbox.mount(Mock::on(Route::Storage).respond_with(Fault::status(403)));
    let refused = client
        .storage()
        .download(seed::ASSET_ID)
        .to_file(dir.path().join("x"))
        .await
        .unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(403), "only once");
}

#[tokio::test]
async fn a_download_through_the_api_sends_the_token_to_the_api_host_only() {
    let (sandbox, client) = fixtures::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scene.tif");
    let direct = client
        .storage()
        .download(seed::ASSET_ID)
        .through_api()
        .to_file(&path)
        .await
        .unwrap();
    let signed = client
        .storage()
        .download(seed::ASSET_ID)
        .to_file(dir.path().join("b"))
        .await
        .unwrap();
    assert_eq!(direct, signed);
    let api = sandbox.journal_of(Route::Api);
    let fetched = api
        .iter()
        .find(|r| r.path == format!("/v2/assets/{}", seed::ASSET_ID))
        .unwrap();
    assert!(fetched.header("authorization").is_some());
    assert_eq!(
        sandbox.journal_of(Route::Storage).len(),
        1,
        "the signed download only"
    );
}

#[tokio::test]
async fn the_landing_page_and_queryables_describe_the_search() {
    let (_sandbox, client) = fixtures::start().await;
    let landing = client.storage().landing_page().await.unwrap();
    assert!(
        landing.conforms_to.iter().any(|c| c.contains("item-search")),
        "{:?}",
        landing.conforms_to
    );
    assert!(landing.links.iter().any(|l| l.rel == "search"));
    let queryables = client.storage().queryables().await.unwrap();
    assert!(queryables["properties"]["order_id"].is_object(), "{queryables}");
}
