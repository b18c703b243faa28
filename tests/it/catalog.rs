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
