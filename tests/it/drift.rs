//! Models that cannot drift unseen: every resource of the sandbox's seeded
//! world, read through `up42::Client`, keeps nothing in `extra` but the keys
//! the allow-list names. The sandbox's shapes are refereed by UP42's own SDK,
//! so a field it sends is either modelled or knowingly left raw here.

use serde_json::{Map, Value};
use up42::catalog::CatalogSearch;
use up42::orders::OrderDetails;
use up42::storage::StacSearch;
use up42_testkit::seed;

use crate::fixtures;

/// Keys a model keeps in `extra` on purpose, with the reason.
const ALLOWED: &[(&str, &str, &str)] = &[
    // STAC extension fields: named by their extension, open-ended by design.
    ("StacCollection", "up42-order:id", "STAC extension field"),
    (
        "StacCollection",
        "up42-product:product_id",
        "STAC extension field",
    ),
    (
        "StacCollection",
        "up42-system:workspace_id",
        "STAC extension field",
    ),
    ("StacCollection", "up42-system:account_id", "STAC extension field"),
    ("StacCollection", "up42-system:job_id", "STAC extension field"),
    ("StacCollection", "up42-system:source", "STAC extension field"),
    (
        "StacCollection",
        "up42-system:metadata_version",
        "STAC extension field",
    ),
    ("StacCollection", "up42-user:tags", "STAC extension field"),
    ("StacCollection", "up42-user:title", "STAC extension field"),
    (
        "StacCollection",
        "up42-product:collection_name",
        "STAC extension field",
    ),
    ("StacCollection", "up42-product:modality", "STAC extension field"),
    ("Process", "links", "OGC API Processes links, kept raw"),
    ("StacCollection", "stac_extensions", "STAC core field, open list"),
    ("StacCollection", "extent", "STAC core object, kept raw"),
    ("StacCollection", "license", "STAC core field"),
    ("StacCollection", "providers", "STAC core list, kept raw"),
    ("StacCollection", "summaries", "STAC core object, open-ended"),
    ("StacCollection", "type", "STAC core field"),
    ("StacCollection", "stac_version", "STAC core field"),
    ("StacItem", "stac_extensions", "STAC core field, open list"),
    ("StacItem", "stac_version", "STAC core field"),
    ("StacItem", "type", "GeoJSON core field"),
    ("StacItem", "bbox", "GeoJSON core field"),
    (
        "ItemProperties",
        "*",
        "STAC item properties are open-ended by design",
    ),
    (
        "StacAsset",
        "*",
        "STAC asset fields are extension-defined (file:, eo:, ...)",
    ),
    ("LandingPage", "type", "STAC core field"),
    ("LandingPage", "stac_version", "STAC core field"),
    ("LandingPage", "id", "STAC core field"),
    (
        "Link",
        "*",
        "STAC link fields are extension-defined (method, body, merge)",
    ),
    (
        "SceneProperties",
        "*",
        "a host's scene properties are provider-defined",
    ),
    ("Scene", "type", "GeoJSON core field"),
    ("Scene", "bbox", "GeoJSON core field"),
];

/// The `extra` keys of one model, outside the allow-list.
fn unexpected(model: &str, extra: &Map<String, Value>, found: &mut Vec<String>) {
    for key in extra.keys() {
        let allowed = ALLOWED
            .iter()
            .any(|(m, k, _)| *m == model && (*k == key || *k == "*"));
        if !allowed {
            found.push(format!("{model}.{key}"));
        }
    }
}

#[tokio::test]
async fn every_seeded_resource_is_modelled_or_knowingly_raw() {
    let (sandbox, client) = fixtures::start().await;
    let mut found = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut look = |model: &'static str, extra: &Map<String, Value>, found: &mut Vec<String>| {
        seen.insert(model);
        unexpected(model, extra, found);
    };

    for order in &fixtures::all(client.orders().list()).await {
        look("Order", &order.extra, &mut found);
        match &order.order_details {
            Some(OrderDetails::Archive(details)) => look("ArchiveOrderDetails", &details.extra, &mut found),
            Some(OrderDetails::Tasking(details)) => look("TaskingOrderDetails", &details.extra, &mut found),
            _ => {}
        }
    }
    for budget in fixtures::all(client.budgets().list().include_usage(true)).await {
        look("Budget", &budget.extra, &mut found);
    }
    for collection in fixtures::all(client.glossary().collections()).await {
        look("Collection", &collection.extra, &mut found);
    }
    let tasking = client.tasking();
    for quotation in fixtures::all(tasking.quotations().list()).await {
        look("Quotation", &quotation.extra, &mut found);
    }
    for study in fixtures::all(tasking.feasibility_studies().list()).await {
        look("FeasibilityStudy", &study.extra, &mut found);
        for option in &study.options {
            look("FeasibilityOption", &option.extra, &mut found);
        }
    }
    let processing = client.processing();
    look(
        "Process",
        &processing.process(seed::PROCESS_ID).await.unwrap().extra,
        &mut found,
    );
    for job in fixtures::all(processing.jobs().list()).await {
        look("Job", &job.extra, &mut found);
        if let Some(credits) = &job.credit_consumption {
            look("CreditConsumption", &credits.extra, &mut found);
        }
    }
    let storage = client.storage();
    let landing = storage.landing_page().await.unwrap();
    look("LandingPage", &landing.extra, &mut found);
    for link in &landing.links {
        look("Link", &link.extra, &mut found);
    }
    for collection in fixtures::all(storage.collections()).await {
        look("StacCollection", &collection.extra, &mut found);
    }
    for item in fixtures::all(storage.search(&StacSearch::new())).await {
        look("StacItem", &item.extra, &mut found);
        look("ItemProperties", &item.properties.extra, &mut found);
        for asset in item.assets.values() {
            look("StacAsset", &asset.extra, &mut found);
        }
    }
    let scenes = client.catalog().search(seed::CATALOG_HOST, &CatalogSearch::new());
    for scene in fixtures::all(scenes).await {
        look("Scene", &scene.extra, &mut found);
        look("SceneProperties", &scene.properties.extra, &mut found);
    }
    look(
        "UserInfo",
        &client.account().user_info().await.unwrap().extra,
        &mut found,
    );

    found.sort();
    found.dedup();
    assert!(
        found.is_empty(),
        "fields the sandbox sends that no model has and the allow-list does not name: {found:?}"
    );
    assert_eq!(seen.len(), 20, "every model with `extra` was read: {seen:?}");
    drop(sandbox);
}
