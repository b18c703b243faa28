//! The catalog through the typed client: archive searches and quicklooks.

use futures_util::TryStreamExt;
use up42::catalog::CatalogSearch;
use up42_testkit::seed;

use crate::fixtures::{self, queries};

#[tokio::test]
async fn a_search_pages_through_next_links_with_the_same_body() {
    let (sandbox, client) = fixtures::start().await;
    let search = CatalogSearch::new().collections(["phr"]).max_cloud_cover(30.0);
    let scenes: Vec<_> = client
        .catalog()
        .search(seed::CATALOG_HOST, &search)
        .page_size(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(scenes.len() > 2, "more than one page: {}", scenes.len());
    assert!(scenes.iter().all(|s| s.properties.collection == "phr"));
    assert!(
        scenes
            .iter()
            .all(|s| s.properties.cloud_coverage.unwrap() <= 30.0)
    );
    let path = format!("/catalog/hosts/{}/stac/search", seed::CATALOG_HOST);
    let bodies: Vec<_> = sandbox
        .journal()
        .into_iter()
        .filter(|r| r.path == path)
        .map(|r| r.body)
        .collect();
    assert!(
        bodies.len() > 1 && bodies.iter().all(|b| b == &bodies[0]),
        "the same search each page"
    );
    assert!(queries(&sandbox, &path)[1].starts_with("next="));
}

#[tokio::test]
async fn a_bad_search_is_the_servers_422() {
    let (_sandbox, client) = fixtures::start().await;
    let search = CatalogSearch::new().bbox([200.0, 0.0, 0.0, 0.0]);
    let error = client
        .catalog()
        .search(seed::CATALOG_HOST, &search)
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(422));
}

#[tokio::test]
async fn a_quicklook_downloads_with_the_token() {
    let (_sandbox, client) = fixtures::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("quicklook.jpg");
    let bytes = client
        .catalog()
        .quicklook(seed::CATALOG_HOST, seed::SCENE_ID)
        .await
        .unwrap()
        .to_file(&path)
        .await
        .unwrap();
    assert!(bytes > 0);
    assert_eq!(&std::fs::read(&path).unwrap()[..2], [0xFF, 0xD8], "a JPEG");
}

#[tokio::test]
async fn the_host_comes_from_the_glossary_one_host_per_search() {
    use up42::ErrorKind;
    let (_sandbox, client) = fixtures::start().await;
    let catalog = client.catalog();
    let host = catalog
        .host_for(&CatalogSearch::new().collections(["phr", "spot"]))
        .await
        .unwrap();
    assert_eq!(host.to_string(), seed::CATALOG_HOST);
    for (collections, says) in [
        (&["phr", "worldview"][..], "several hosts"),
        (&["nope"][..], "`nope` is not a collection"),
        (&[][..], "name a collection"),
    ] {
        let error = catalog
            .host_for(&CatalogSearch::new().collections(collections.iter().copied()))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidArgument, "{error}");
        assert!(error.to_string().contains(says), "{collections:?}: {error}");
    }
}

#[tokio::test]
async fn filters_on_one_property_add_up_and_are_sent_as_stac_query_operators() {
    use up42::catalog::Comparison;
    let (sandbox, client) = fixtures::start().await;
    let search = CatalogSearch::new()
        .collections(["phr"])
        .filter("cloudCoverage", Comparison::Gte, 5)
        .filter("cloudCoverage", "LTE".parse().unwrap(), 40);
    let scenes: Vec<_> = client
        .catalog()
        .search(seed::CATALOG_HOST, &search)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(!scenes.is_empty());
    assert!(
        scenes
            .iter()
            .all(|s| (5.0..=40.0).contains(&s.properties.cloud_coverage.unwrap()))
    );
    let body: serde_json::Value = serde_json::from_slice(&sandbox.journal().last().unwrap().body).unwrap();
    assert_eq!(
        body["query"],
        serde_json::json!({"cloudCoverage": {"gte": 5, "lte": 40}})
    );
    let error = "within".parse::<Comparison>().unwrap_err();
    assert!(error.to_string().contains("lt, lte, gt, gte, eq, neq"), "{error}");
}

#[tokio::test]
async fn a_scene_goes_to_geojson_and_back_and_orders_itself() {
    use up42::catalog::Scene;
    use up42::orders::NewOrder;
    let (_sandbox, client) = fixtures::start().await;
    let search = CatalogSearch::new().collections(["phr"]);
    let scene: Scene = client
        .catalog()
        .search(seed::CATALOG_HOST, &search)
        .items()
        .try_next()
        .await
        .unwrap()
        .unwrap();
    let feature = up42::geojson::Feature::from(scene.clone());
    assert_eq!(feature.property("collection").unwrap(), "phr");
    let back = Scene::try_from(feature).unwrap();
    assert_eq!(back.properties.id, scene.properties.id);
    assert_eq!(back.geometry, scene.geometry);
    let bare = up42::geojson::Feature::from(scene.geometry.clone());
    assert!(
        Scene::try_from(bare)
            .unwrap_err()
            .to_string()
            .contains("not a scene")
    );

    let order = NewOrder::for_scene(&scene, seed::ARCHIVE_PRODUCT_ID);
    assert_eq!(order.params["id"], scene.properties.id.to_string());
    assert_eq!(order.feature_collection.features.len(), 1);
    let estimate = client.orders().estimate(&order).await.unwrap();
    assert_eq!(estimate.results.len(), 1, "{estimate:?}");
    assert!(estimate.errors.is_empty());
}
