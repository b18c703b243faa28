//! Models that cannot drift unseen: every resource of the sandbox's seeded
//! world, read through `up42::Client`, keeps nothing in `extra` but the keys
//! the allow-list names. The sandbox's shapes are refereed by UP42's own SDK,
//! so a field it sends is either modelled or knowingly left raw here.

use std::collections::BTreeSet;

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
    (
        "StacCollection",
        "up42-product:collection_name",
        "STAC extension field",
    ),
    ("StacCollection", "up42-product:modality", "STAC extension field"),
    ("Process", "links", "OGC API Processes links, kept raw"),
    ("StacCollection", "stac_extensions", "STAC core field, open list"),
    ("StacCollection", "type", "STAC core field"),
    ("StacCollection", "stac_version", "STAC core field"),
    ("StacItem", "stac_extensions", "STAC core field, open list"),
    ("StacItem", "stac_version", "STAC core field"),
    ("StacItem", "type", "GeoJSON core field"),
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
];

#[tokio::test]
async fn every_seeded_resource_is_modelled_or_knowingly_raw() {
    let (sandbox, client) = fixtures::start().await;
    // Every model read, and every key one kept in `extra`.
    let mut seen = BTreeSet::new();
    let mut kept = BTreeSet::new();
    let mut look = |model: &'static str, extra: &Map<String, Value>| {
        seen.insert(model);
        kept.extend(extra.keys().map(|key| (model, key.clone())));
    };

    for order in &fixtures::all(client.orders().list()).await {
        look("Order", &order.extra);
        match &order.order_details {
            Some(OrderDetails::Archive(details)) => look("ArchiveOrderDetails", &details.extra),
            Some(OrderDetails::Tasking(details)) => look("TaskingOrderDetails", &details.extra),
            _ => {}
        }
    }
    for budget in fixtures::all(client.budgets().list().include_usage(true)).await {
        look("Budget", &budget.extra);
    }
    for collection in fixtures::all(client.glossary().collections()).await {
        look("Collection", &collection.extra);
    }
    let tasking = client.tasking();
    for quotation in fixtures::all(tasking.quotations().list()).await {
        look("Quotation", &quotation.extra);
    }
    for study in fixtures::all(tasking.feasibility_studies().list()).await {
        look("FeasibilityStudy", &study.extra);
        for option in &study.options {
            look("FeasibilityOption", &option.extra);
        }
    }
    let processing = client.processing();
    look(
        "Process",
        &processing.process(seed::PROCESS_ID).await.unwrap().extra,
    );
    for job in fixtures::all(processing.jobs().list()).await {
        look("Job", &job.extra);
        if let Some(credits) = &job.credit_consumption {
            look("CreditConsumption", &credits.extra);
        }
    }
    let storage = client.storage();
    let landing = storage.landing_page().await.unwrap();
    look("LandingPage", &landing.extra);
    for link in &landing.links {
        look("Link", &link.extra);
    }
    for collection in fixtures::all(storage.collections()).await {
        look("StacCollection", &collection.extra);
    }
    for item in fixtures::all(storage.search(&StacSearch::new())).await {
        look("StacItem", &item.extra);
        look("ItemProperties", &item.properties.extra);
        for asset in item.assets.values() {
            look("StacAsset", &asset.extra);
        }
    }
    let scenes = client.catalog().search(seed::CATALOG_HOST, &CatalogSearch::new());
    for scene in fixtures::all(scenes).await {
        look("Scene", &scene.extra);
        look("SceneProperties", &scene.properties.extra);
    }
    look("UserInfo", &client.account().user_info().await.unwrap().extra);

    let allowed = |model: &str, key: &str| {
        ALLOWED
            .iter()
            .any(|(m, k, _)| *m == model && (*k == key || *k == "*"))
    };
    let unmodelled: Vec<String> = kept
        .iter()
        .filter(|(model, key)| !allowed(model, key))
        .map(|(model, key)| format!("{model}.{key}"))
        .collect();
    assert!(
        unmodelled.is_empty(),
        "fields the sandbox sends that no model has and the allow-list does not name: {unmodelled:?}"
    );
    // The list names only what lands in `extra`: an entry for a key that no
    // longer does (modelled since, or gone) is taken out.
    let stale: Vec<String> = ALLOWED
        .iter()
        .filter(|(m, k, _)| *k != "*" && !kept.iter().any(|(model, key)| model == m && key == k))
        .map(|(m, k, _)| format!("{m}.{k}"))
        .collect();
    assert!(
        stale.is_empty(),
        "allow-list entries no model keeps any more: {stale:?}"
    );
    assert_eq!(seen.len(), 20, "every model with `extra` was read: {seen:?}");
    drop(sandbox);
}
