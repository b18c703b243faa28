//! The world every sandbox starts with, documented so that tests can rely
//! on it, and the reference data UP42 serves to everyone (the glossary's
//! collections, archive scenes, processes, EULAs).
//!
//! The default user ([`USERNAME`](crate::USERNAME)) owns the seeded world:
//!
//! | what | ids |
//! |---|---|
//! | 25 orders in workspace [`WORKSPACE_ID`], paged 10 at a time | `00000000-0000-4000-8000-000000000000` … `…024` |
//! | 22 fulfilled archive orders, each with its delivery in storage | [`ORDER_ID`] is the first; its delivery is [`STAC_COLLECTION_ID`], item [`STAC_ITEM_ID`], asset [`ASSET_ID`] (`image_0000.tif`) |
//! | a delivery of three items with the same asset keys and file names | [`MULTI_ITEM_ORDER_ID`] |
//! | a delivery of files with hostile names | [`HOSTILE_ORDER_ID`] |
//! | an archive order that failed | [`FAILED_ORDER_ID`] |
//! | a tasking order waiting for the user's quotation decision | [`TASKING_ORDER_ID`], quotation [`QUOTATION_ID`] |
//! | a tasking order waiting for the user's feasibility decision | [`FEASIBILITY_ORDER_ID`], study [`FEASIBILITY_STUDY_ID`], options [`FEASIBILITY_OPTION_ID`] and one more |
//! | 3 processing jobs: successful, failed then released, successful | [`JOB_ID`] is the first; its results are a STAC collection |
//! | 2 budgets: one active, one inactive | [`BUDGET_ID`] is the active one |
//!
//! Everyone sees the same glossary (7 collections: 5 archive, 2 tasking;
//! data products [`ARCHIVE_PRODUCT_ID`], [`TASKING_PRODUCT_ID`],
//! [`FEASIBILITY_PRODUCT_ID`], …), the same archive (scenes over Berlin and
//! Rotterdam, host [`CATALOG_HOST`], first scene [`SCENE_ID`]) and the same
//! processes (the 16 UP42's SDK has templates for, [`PROCESS_ID`] among them).
//! Another user gets a workspace of their own, empty.

use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::shapes::{
    self, Delivery, File, GEOTIFF, bbox_polygon, budget, feasibility_study, job, quotation, stac_delivery,
    uuid,
};
use crate::state::{JobRecord, OrderFlow, OrderRecord, Storage, TaskingStage, World};

/// The workspace of the default user, the `sub` of its user info.
pub const WORKSPACE_ID: &str = "5c6a7f9e-0b7d-4c3e-9a8f-1d2e3f4a5b6c";
/// The account of the default user.
pub const ACCOUNT_ID: &str = "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";
/// How many orders the default user's workspace starts with.
pub const ORDER_COUNT: u64 = 25;
/// The first seeded order: a fulfilled archive order with its delivery in storage.
pub const ORDER_ID: &str = "00000000-0000-4000-8000-000000000000";
/// A seeded fulfilled archive order whose delivery has three items with the
/// same files: `image` (`image.tif`), `metadata` (`metadata.json`) and
/// `thumbnail` (`preview.jpg`), the same asset keys and names in each.
pub const MULTI_ITEM_ORDER_ID: &str = "00000000-0000-4000-8000-000000000001";
/// A seeded fulfilled archive order whose delivery has one item of eight
/// files with names no file on disk should get: `../../escape.tif`, an
/// absolute path, escape and bell characters, a right-to-left override, a
/// leading dot, `..`, and two files both named `scene.tif`.
pub const HOSTILE_ORDER_ID: &str = "00000000-0000-4000-8000-000000000002";
/// A seeded archive order that failed (`FAILED_PERMANENTLY`).
pub const FAILED_ORDER_ID: &str = "00000000-0000-4000-8000-000000000022";
/// A seeded tasking order waiting for the user's decision on [`QUOTATION_ID`]
/// (sub-status `QUOTATION_WAITING_RESPONSE`).
pub const TASKING_ORDER_ID: &str = "00000000-0000-4000-8000-000000000023";
/// A seeded tasking order waiting for the user's choice of a feasibility
/// option (sub-status `FEASIBILITY_WAITING_RESPONSE`).
pub const FEASIBILITY_ORDER_ID: &str = "00000000-0000-4000-8000-000000000024";
/// The undecided quotation of [`TASKING_ORDER_ID`].
pub const QUOTATION_ID: &str = "b1d00000-0000-4000-8000-000000000001";
/// The undecided feasibility study of [`FEASIBILITY_ORDER_ID`].
pub const FEASIBILITY_STUDY_ID: &str = "fea50000-0000-4000-8000-000000000001";
/// The first option of [`FEASIBILITY_STUDY_ID`].
pub const FEASIBILITY_OPTION_ID: &str = "0b710000-0000-4000-8000-000000000001";
/// The STAC collection that holds the delivery of [`ORDER_ID`].
pub const STAC_COLLECTION_ID: &str = "c0110000-0000-4000-8000-000000000000";
/// The STAC item of [`ORDER_ID`]'s delivery.
pub const STAC_ITEM_ID: &str = "17e30000-0000-4000-8000-000000000000";
/// The asset of [`STAC_ITEM_ID`]: `POST /v2/assets/{ASSET_ID}/download-url` signs it.
pub const ASSET_ID: &str = "a55e7000-0000-4000-8000-000000000000";
/// The first seeded processing job (successful, results in storage).
pub const JOB_ID: &str = "10000000-0000-4000-8000-000000000000";
/// How many processing jobs the default user's workspace starts with.
pub const JOB_COUNT: u64 = 3;
/// The active seeded budget.
pub const BUDGET_ID: &str = "b0d9e700-0000-4000-8000-000000000001";
/// The archive data product of the `phr` collection (Pléiades, Display).
pub const ARCHIVE_PRODUCT_ID: &str = "47dadb27-9532-4552-93a5-48f70a83eaef";
/// A tasking data product that needs a quotation (`phr-tasking`).
pub const TASKING_PRODUCT_ID: &str = "da7a0000-0000-4000-8000-000000000101";
/// A tasking data product that needs a feasibility study, then a quotation
/// (`pneo-tasking`).
pub const FEASIBILITY_PRODUCT_ID: &str = "da7a0000-0000-4000-8000-000000000102";
/// The catalog host of the archive scenes of `phr`, `spot` and `pneo`.
pub const CATALOG_HOST: &str = "oneatlas";
/// The first archive scene (collection `phr`, over Berlin).
pub const SCENE_ID: &str = "DS_PHR1A_202601051030000_FR1_PX_E013N52_0101";
/// A process every sandbox offers, with an accepted EULA.
pub const PROCESS_ID: &str = "detection-ships-airbus";

/// Berlin, the area most seeded data covers.
pub(crate) const BERLIN: [f64; 4] = [13.3, 52.4, 13.5, 52.6];
/// Rotterdam.
pub(crate) const ROTTERDAM: [f64; 4] = [4.4, 51.85, 4.55, 51.95];

/// Who is calling: the user of a valid bearer token, their account and workspace.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) username: String,
    pub(crate) account_id: String,
    pub(crate) workspace_id: String,
}

impl Caller {
    /// The default user owns the seeded world; every other user gets
    /// account and workspace ids of their own, the same on every run.
    pub(crate) fn of(username: &str) -> Caller {
        if username == crate::USERNAME {
            return Caller {
                username: username.to_string(),
                account_id: ACCOUNT_ID.to_string(),
                workspace_id: WORKSPACE_ID.to_string(),
            };
        }
        // FNV-1a: a stable number per name.
        let hash = username.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        Caller {
            username: username.to_string(),
            account_id: uuid("acc0e000", hash & 0xffff_ffff_ffff),
            workspace_id: uuid("5e0a0000", hash & 0xffff_ffff_ffff),
        }
    }

    /// Whether a resource (with `accountId` or `accountID`) is this caller's.
    pub(crate) fn owns(&self, resource: &Value) -> bool {
        let account = resource.get("accountId").or_else(|| resource.get("accountID"));
        account.and_then(Value::as_str) == Some(self.account_id.as_str())
    }
}

/// A data product of the glossary, and what ordering it means.
#[derive(Debug, Clone)]
pub(crate) struct Product {
    pub(crate) id: String,
    pub(crate) collection: &'static str,
    pub(crate) tasking: bool,
    pub(crate) feasibility: bool,
    /// Credits per km².
    pub(crate) price: f64,
}

/// The collections of the glossary: name, title, type, host, producer,
/// product type, resolution (m), integrations.
struct CollectionSeed {
    name: &'static str,
    title: &'static str,
    tasking: bool,
    host: &'static str,
    producer: &'static str,
    product_type: &'static str,
    resolution: f64,
    product_id: &'static str,
    feasibility: bool,
}

const COLLECTIONS: [CollectionSeed; 7] = [
    CollectionSeed {
        name: "phr",
        title: "Pléiades",
        tasking: false,
        host: CATALOG_HOST,
        producer: "airbus",
        product_type: "OPTICAL",
        resolution: 0.5,
        product_id: ARCHIVE_PRODUCT_ID,
        feasibility: false,
    },
    CollectionSeed {
        name: "spot",
        title: "SPOT 6/7",
        tasking: false,
        host: CATALOG_HOST,
        producer: "airbus",
        product_type: "OPTICAL",
        resolution: 1.5,
        product_id: "da7a0000-0000-4000-8000-000000000002",
        feasibility: false,
    },
    CollectionSeed {
        name: "pneo",
        title: "Pléiades Neo",
        tasking: false,
        host: CATALOG_HOST,
        producer: "airbus",
        product_type: "OPTICAL",
        resolution: 0.3,
        product_id: "da7a0000-0000-4000-8000-000000000003",
        feasibility: false,
    },
    CollectionSeed {
        name: "worldview",
        title: "WorldView",
        tasking: false,
        host: "maxar",
        producer: "maxar",
        product_type: "OPTICAL",
        resolution: 0.31,
        product_id: "da7a0000-0000-4000-8000-000000000004",
        feasibility: false,
    },
    CollectionSeed {
        name: "sentinel-2",
        title: "Sentinel-2 Level 2A",
        tasking: false,
        host: "earthsearch",
        producer: "esa",
        product_type: "OPTICAL",
        resolution: 10.0,
        product_id: "da7a0000-0000-4000-8000-000000000005",
        feasibility: false,
    },
    CollectionSeed {
        name: "phr-tasking",
        title: "Pléiades Tasking",
        tasking: true,
        host: "airbus",
        producer: "airbus",
        product_type: "OPTICAL",
        resolution: 0.5,
        product_id: TASKING_PRODUCT_ID,
        feasibility: false,
    },
    CollectionSeed {
        name: "pneo-tasking",
        title: "Pléiades Neo Tasking",
        tasking: true,
        host: "airbus",
        producer: "airbus",
        product_type: "OPTICAL",
        resolution: 0.3,
        product_id: FEASIBILITY_PRODUCT_ID,
        feasibility: true,
    },
];

/// The glossary's collections as `GET /v2/collections` lists them.
pub(crate) fn glossary() -> &'static [Value] {
    static GLOSSARY: OnceLock<Vec<Value>> = OnceLock::new();
    GLOSSARY.get_or_init(|| {
        COLLECTIONS
            .iter()
            .map(|c| {
                let kind = if c.tasking { "TASKING" } else { "ARCHIVE" };
                let integrations: &[&str] = match (c.tasking, c.feasibility) {
                    (false, _) => &["SEARCH_AVAILABLE", "QUICKLOOK_AVAILABLE", "THUMBNAIL_AVAILABLE", "PRICE_ESTIMATION_AVAILABLE"],
                    (true, false) => &["QUOTATION_REQUIRED", "FEASIBILITY_STUDY_MAY_BE_REQUIRED"],
                    (true, true) => &["FEASIBILITY_STUDY_REQUIRED", "QUOTATION_REQUIRED"],
                };
                let resolution_class = match c.resolution {
                    r if r < 1.0 => "VERY_HIGH",
                    r if r < 5.0 => "HIGH",
                    _ => "MEDIUM",
                };
                let mut providers = vec![json!({"name": c.producer, "title": c.producer.to_uppercase(), "description": format!("Producer of {}", c.title), "roles": ["PRODUCER"]})];
                if c.host != c.producer {
                    providers.push(json!({"name": c.host, "title": c.host.to_uppercase(), "description": format!("Hosts {}", c.title), "roles": ["HOST"]}));
                } else {
                    providers[0]["roles"] = json!(["PRODUCER", "HOST"]);
                }
                json!({
                    "name": c.name,
                    "title": c.title,
                    "description": format!("{} imagery at {} m", c.title, c.resolution),
                    "type": kind,
                    "restricted": false,
                    "integrations": integrations,
                    "providers": providers,
                    "dataProducts": [{
                        "name": format!("{}-display", c.name),
                        "title": "Display",
                        "description": "Pan-sharpened RGB, ready to view",
                        "id": c.product_id,
                        "eulaId": format!("eula-{}", c.producer),
                    }],
                    "metadata": {
                        "productType": c.product_type,
                        "resolutionClass": resolution_class,
                        "resolutionValue": {"minimum": c.resolution, "maximum": c.resolution * 2.0},
                    },
                })
            })
            .collect()
    })
}

/// The data product with this id.
pub(crate) fn product(id: &str) -> Option<Product> {
    COLLECTIONS.iter().find(|c| c.product_id == id).map(|c| Product {
        id: c.product_id.to_string(),
        collection: c.name,
        tasking: c.tasking,
        feasibility: c.feasibility,
        price: if c.tasking { 12.0 } else { 10.0 },
    })
}

/// The catalog host of a searchable collection.
pub(crate) fn host_of(collection: &str) -> Option<&'static str> {
    COLLECTIONS
        .iter()
        .find(|c| c.name == collection && !c.tasking)
        .map(|c| c.host)
}

/// The archive: 8 scenes per archive collection (but Sentinel-2), over
/// Berlin and Rotterdam, January to March 2026, as catalog search answers
/// them (GeoJSON features).
pub(crate) fn scenes() -> &'static [Value] {
    static SCENES: OnceLock<Vec<Value>> = OnceLock::new();
    SCENES.get_or_init(|| {
        let mut scenes = Vec::new();
        for (c, seed) in COLLECTIONS
            .iter()
            .filter(|c| !c.tasking && c.name != "sentinel-2")
            .enumerate()
        {
            let constellation = match seed.name {
                "phr" => "PHR",
                "spot" => "SPOT",
                "pneo" => "PNEO",
                _ => "WV",
            };
            for i in 0..8u32 {
                let place = if i % 4 == 3 { ROTTERDAM } else { BERLIN };
                let shift = f64::from(i % 3) * 0.01;
                let bbox = [
                    place[0] - 0.05 + shift,
                    place[1] - 0.05,
                    place[2] + 0.05 + shift,
                    place[3] + 0.05,
                ];
                let day = 5 + i * 9 + c as u32;
                let (month, day) = (1 + (day - 1) / 28, 1 + (day - 1) % 28);
                let datetime = format!("2026-{month:02}-{day:02}T10:30:00Z");
                let id = match (c, i) {
                    (0, 0) => SCENE_ID.to_string(),
                    _ => format!("DS_{constellation}_2026{month:02}{day:02}1030000_{:02}{i}", c),
                };
                scenes.push(json!({
                    "type": "Feature",
                    "id": id,
                    "bbox": bbox,
                    "geometry": bbox_polygon(bbox),
                    "properties": {
                        "id": id,
                        "constellation": constellation,
                        "collection": seed.name,
                        "producer": seed.producer,
                        "providerName": seed.host,
                        "datetime": datetime,
                        "start_datetime": datetime,
                        "end_datetime": datetime,
                        "cloudCoverage": f64::from((i * 13 + c as u32 * 7) % 60),
                        "resolution": seed.resolution,
                        "deliveryTime": if i % 2 == 0 { "MINUTES" } else { "HOURS" },
                        "providerProperties": {"incidenceAngle": 12.5 + f64::from(i), "sunElevation": 21.0},
                    },
                }));
            }
        }
        scenes
    })
}

/// The processes: the 16 UP42's SDK has templates for, each with its EULA
/// and price.
pub(crate) const PROCESSES: [&str; 16] = [
    "detection-buildings-spacept",
    "detection-trees-spacept",
    "detection-shadows-spacept",
    "detection-ships-airbus",
    "detection-wind-turbines-airbus",
    "detection-storage-tanks-airbus",
    "detection-trucks-oi",
    "detection-cars-oi",
    "detection-aircraft-oi",
    "upsampling-ns",
    "upsampling-ns-sentinel",
    "true-color-conversion",
    "orthorectification-intermap",
    "coregistration-simularity",
    "detection-change-simularity",
    "pansharpening",
];

/// The provider of a process: the part of its id after the last dash, or
/// `up42` for UP42's own.
pub(crate) fn process_provider(process_id: &str) -> &str {
    match process_id {
        "pansharpening" | "true-color-conversion" => "up42",
        _ => process_id.rsplit('-').next().unwrap_or("up42"),
    }
}

/// The EULA id of a provider's processes.
pub(crate) fn eula_of(provider: &str) -> String {
    format!("eula-{provider}")
}

/// Whether the default user accepted a EULA: all but Orbital Insight's
/// (`detection-trucks-oi`, `detection-cars-oi`, `detection-aircraft-oi`).
pub(crate) fn eula_accepted(eula_id: &str) -> bool {
    eula_id != "eula-oi"
}

/// The EULAs there are.
pub(crate) fn eula_known(eula_id: &str) -> bool {
    let providers = PROCESSES.iter().map(|p| process_provider(p));
    let producers = COLLECTIONS.iter().map(|c| c.producer);
    providers.chain(producers).any(|p| eula_of(p) == eula_id)
}

/// A valid body for `POST /v2/orders` and its estimate: one Polygon over
/// Berlin, ordering [`SCENE_ID`] of [`ARCHIVE_PRODUCT_ID`].
///
/// ```
/// let order = up42_testkit::seed::archive_order_request("Berlin, January");
/// assert_eq!(order["dataProduct"], up42_testkit::seed::ARCHIVE_PRODUCT_ID);
/// ```
pub fn archive_order_request(display_name: &str) -> Value {
    json!({
        "dataProduct": ARCHIVE_PRODUCT_ID,
        "displayName": display_name,
        "params": {"id": SCENE_ID},
        "featureCollection": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": bbox_polygon(BERLIN)},
        ]},
    })
}

/// A valid body for `POST /v2/orders`: a tasking order over Berlin in
/// February 2026, of [`FEASIBILITY_PRODUCT_ID`] (a feasibility study comes
/// first) or [`TASKING_PRODUCT_ID`] (a quotation only).
pub fn tasking_order_request(display_name: &str, feasibility: bool) -> Value {
    let product = if feasibility {
        FEASIBILITY_PRODUCT_ID
    } else {
        TASKING_PRODUCT_ID
    };
    json!({
        "dataProduct": product,
        "displayName": display_name,
        "params": {"acquisitionStart": "2026-02-01T00:00:00Z", "acquisitionEnd": "2026-02-28T23:59:59Z", "acquisitionMode": "MONO"},
        "featureCollection": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": bbox_polygon(BERLIN)},
        ]},
    })
}

/// The world of the default user at start, for a sandbox at `base_url` (the
/// API's hrefs are absolute). Its storage (the deliveries of the fulfilled
/// orders, the results of the jobs) is built when first used.
pub(crate) fn world(base_url: &str) -> World {
    let mut world = World::default();
    world.balance = 250_000;
    let url = |path: &str| format!("{base_url}{path}");
    for i in 0..ORDER_COUNT {
        let id = format!("00000000-0000-4000-8000-{i:012}");
        let (order, flow) = match i {
            22 => (archive_order(&id, i, "FAILED_PERMANENTLY"), OrderFlow::Settled),
            23 => (
                tasking_order(&id, TASKING_PRODUCT_ID, "QUOTATION_WAITING_RESPONSE"),
                OrderFlow::Tasking {
                    stage: TaskingStage::QuotationResponse,
                    polls: 0,
                },
            ),
            24 => (
                tasking_order(&id, FEASIBILITY_PRODUCT_ID, "FEASIBILITY_WAITING_RESPONSE"),
                OrderFlow::Tasking {
                    stage: TaskingStage::FeasibilityResponse,
                    polls: 0,
                },
            ),
            _ => (archive_order(&id, i, "FULFILLED"), OrderFlow::Settled),
        };
        world.orders.push(OrderRecord { value: order, flow });
    }
    world.quotations.push(quotation(
        QUOTATION_ID,
        TASKING_ORDER_ID,
        WORKSPACE_ID,
        ACCOUNT_ID,
        "2026-01-07T09:00:00.000Z",
    ));
    world.feasibility_studies.push(feasibility_study(
        FEASIBILITY_STUDY_ID,
        FEASIBILITY_ORDER_ID,
        WORKSPACE_ID,
        ACCOUNT_ID,
        "2026-01-07T09:30:00.000Z",
        [
            FEASIBILITY_OPTION_ID,
            &FEASIBILITY_OPTION_ID.replace("0001", "0002"),
        ],
    ));
    for (i, (process, status)) in SEEDED_JOBS.into_iter().enumerate() {
        let id = format!("10000000-0000-4000-8000-{i:012}");
        let item = url(&format!(
            "/v2/assets/stac/collections/{STAC_COLLECTION_ID}/items/{STAC_ITEM_ID}"
        ));
        let inputs = json!({"title": format!("Seeded job {i}"), "item": item});
        let mut job = job(&id, process, WORKSPACE_ID, ACCOUNT_ID, &inputs, status);
        job["created"] = json!(format!("2026-01-06T08:0{i}:00.123456789Z"));
        job["started"] = json!(format!("2026-01-06T08:0{i}:05.123456789Z"));
        job["finished"] = json!(format!("2026-01-06T08:2{i}:00.987654321Z"));
        job["updated"] = job["finished"].clone();
        if status == "successful" {
            let collection = shapes::stac_collection_id(RESULTS_SERIAL + i as u64);
            job["results"] = json!({"collection": url(&format!("/v2/assets/stac/collections/{collection}"))});
            job["creditConsumption"] = json!({"credits": 40, "holdID": uuid("401d0000", i as u64), "consumptionID": uuid("c0de0000", i as u64)});
        } else {
            job["results"] = json!({"errors": [{"name": "ProcessingFailed", "message": "The input item has no cars to count."}]});
            job["creditConsumption"] = json!({"credits": 0});
        }
        world.jobs.push(JobRecord {
            value: job,
            polls: None,
        });
    }
    world.budgets = vec![
        budget(
            ACCOUNT_ID,
            BUDGET_ID,
            "Sandbox team",
            "ACTIVE",
            (100_000, 12_500),
            ("2026-01-01", "2026-12-31"),
        ),
        budget(
            ACCOUNT_ID,
            "b0d9e700-0000-4000-8000-000000000002",
            "Closed 2025 budget",
            "INACTIVE",
            (50_000, 49_000),
            ("2025-01-01", "2025-12-31"),
        ),
    ];
    let base_url = base_url.to_string();
    world.with_storage(Box::new(move |storage| seed_storage(&base_url, storage)))
}

/// The seeded jobs: process and status.
const SEEDED_JOBS: [(&str, &str); 3] = [
    (PROCESS_ID, "successful"),
    ("detection-cars-oi", "released"),
    ("pansharpening", "successful"),
];

/// Job results number their STAC collections from here, apart from order deliveries.
const RESULTS_SERIAL: u64 = 0x100;

/// The seeded storage: the delivery of each fulfilled seeded order, then the
/// results of each successful seeded job.
fn seed_storage(base_url: &str, storage: &mut Storage) {
    let url = |path: &str| format!("{base_url}{path}");
    let fulfilled = (0..ORDER_COUNT).filter(|i| *i < 22);
    let deliveries = fulfilled.map(|i| {
        let order = archive_order(&format!("00000000-0000-4000-8000-{i:012}"), i, "FULFILLED");
        delivery(&url, &order, i, None)
    });
    let results = SEEDED_JOBS.into_iter().enumerate().filter(|(_, (_, status))| *status == "successful").map(|(i, (process, _))| {
        let job = json!({"jobID": format!("10000000-0000-4000-8000-{i:012}"), "processID": process, "accountID": ACCOUNT_ID, "workspaceID": WORKSPACE_ID});
        results_collection(&url, &job, i as u64)
    });
    for made in deliveries.chain(results) {
        let made = match made.record.collection["up42-order:id"].as_str() {
            Some(MULTI_ITEM_ORDER_ID) => with_items(&url, made, &MULTI_ITEM_FILES, 3),
            Some(HOSTILE_ORDER_ID) => with_items(&url, made, &HOSTILE_FILES, 1),
            _ => made,
        };
        made.store(storage);
    }
}

/// The files of each item of [`MULTI_ITEM_ORDER_ID`]'s delivery: every item
/// has them under the same keys and names.
const MULTI_ITEM_FILES: [File<'static>; 3] = [
    File {
        key: "image",
        name: "image.tif",
        media_type: GEOTIFF,
        role: "data",
    },
    File {
        key: "metadata",
        name: "metadata.json",
        media_type: "application/json",
        role: "metadata",
    },
    File {
        key: "thumbnail",
        name: "preview.jpg",
        media_type: "image/jpeg",
        role: "thumbnail",
    },
];

/// The files of [`HOSTILE_ORDER_ID`]'s delivery: names a storage server
/// should never send, and two files that share a name.
const HOSTILE_FILES: [File<'static>; 8] = [
    File {
        key: "image",
        name: "../../escape.tif",
        media_type: GEOTIFF,
        role: "data",
    },
    File {
        key: "absolute",
        name: "/tmp/up42-sandbox-absolute.tif",
        media_type: GEOTIFF,
        role: "data",
    },
    File {
        key: "control",
        name: "red\u{1b}[31m\u{7}.tif",
        media_type: GEOTIFF,
        role: "data",
    },
    File {
        key: "bidi",
        name: "photo\u{202e}fit.tif",
        media_type: GEOTIFF,
        role: "data",
    },
    File {
        key: "hidden",
        name: ".hidden.json",
        media_type: "application/json",
        role: "metadata",
    },
    File {
        key: "dots",
        name: "..",
        media_type: "application/json",
        role: "metadata",
    },
    File {
        key: "twin-a",
        name: "scene.tif",
        media_type: GEOTIFF,
        role: "data",
    },
    File {
        key: "twin-b",
        name: "scene.tif",
        media_type: GEOTIFF,
        role: "data",
    },
];

/// `made` with `count` items in place of its one, each a copy of it with
/// `files` as its assets (item `17e3a000-…`, assets `a55ea000-…`).
fn with_items(url: &dyn Fn(&str) -> String, mut made: Delivery, files: &[File], count: u64) -> Delivery {
    let template = made.record.items.remove(0);
    let serial = u64::from_str_radix(&template["id"].as_str().unwrap_or_default()[24..], 16).unwrap_or(0);
    made.assets.clear();
    for k in 0..count {
        let mut item = template.clone();
        let item_id = uuid("17e3a000", serial * 8 + k);
        item["id"] = json!(item_id);
        let mut assets = serde_json::Map::new();
        for (j, file) in files.iter().enumerate() {
            let asset_id = uuid("a55ea000", (serial * 8 + k) * 16 + j as u64);
            let (asset, entry) = shapes::stored_file(url, &asset_id, file);
            if j == 0 {
                item["properties"]["up42-system:asset_id"] = json!(asset_id);
            }
            assets.insert(file.key.to_string(), entry);
            made.assets.push((asset_id, asset));
        }
        item["assets"] = Value::Object(assets);
        for link in item["links"].as_array_mut().into_iter().flatten() {
            if link["rel"] == "self"
                && let Some(href) = link["href"].as_str()
            {
                let collection = href.rsplit_once("/items/").map_or(href, |(c, _)| c);
                link["href"] = json!(format!("{collection}/items/{item_id}"));
            }
        }
        made.record.items.push(item);
    }
    made
}

/// A seeded archive order.
fn archive_order(id: &str, i: u64, status: &str) -> Value {
    let scene = &scenes()[(i % 8) as usize];
    json!({
        "id": id,
        "displayName": format!("Sandbox order {id}"),
        "status": status,
        "workspaceId": WORKSPACE_ID,
        "accountId": ACCOUNT_ID,
        "type": "ARCHIVE",
        "dataProductId": ARCHIVE_PRODUCT_ID,
        "tags": ["sandbox"],
        "orderDetails": {"aoi": scene["geometry"], "imageId": scene["id"]},
        "createdAt": format!("2026-01-05T10:{:02}:00.000Z", i),
        "updatedAt": format!("2026-01-05T11:{:02}:00.000Z", i),
    })
}

/// A seeded tasking order waiting at `sub_status`.
fn tasking_order(id: &str, product: &str, sub_status: &str) -> Value {
    json!({
        "id": id,
        "displayName": format!("Sandbox tasking {id}"),
        "status": "BEING_PLACED",
        "workspaceId": WORKSPACE_ID,
        "accountId": ACCOUNT_ID,
        "type": "TASKING",
        "dataProductId": product,
        "tags": ["sandbox", "tasking"],
        "orderDetails": {
            "acquisitionStart": "2026-02-01T00:00:00.000Z",
            "acquisitionEnd": "2026-02-28T23:59:59.000Z",
            "geometry": bbox_polygon(BERLIN),
            "extraDescription": null,
            "subStatus": sub_status,
            "acquisitionMode": "MONO",
            "maxCloudCover": 20,
        },
        "createdAt": "2026-01-06T12:00:00.000Z",
        "updatedAt": "2026-01-07T09:00:00.000Z",
    })
}

/// The delivery of a fulfilled order: a STAC collection with one item
/// carrying UP42's extension fields and an asset on the API host.
pub(crate) fn delivery(
    url: &dyn Fn(&str) -> String,
    order: &Value,
    serial: u64,
    at: Option<&str>,
) -> Delivery {
    let bbox = crate::shapes::bbox_of(&order["orderDetails"]).unwrap_or(BERLIN);
    let product = order["dataProductId"].as_str().unwrap_or_default();
    let collection_name = product_collection(product);
    let fields = json!({
        "up42-product:product_id": product,
        "up42-product:collection_name": collection_name,
        "up42-product:modality": "OPTICAL",
        "up42-order:id": order["id"],
        "up42-system:account_id": order["accountId"],
        "up42-system:workspace_id": order["workspaceId"],
        "up42-system:source": order["type"],
        "up42-system:metadata_version": "1.0",
    });
    stac_delivery(
        url,
        serial,
        bbox,
        &fields,
        &format!(
            "Delivery of {}",
            order["displayName"].as_str().unwrap_or_default()
        ),
        at,
    )
}

/// The results of a successful job: a STAC collection with one item.
pub(crate) fn results_collection(url: &dyn Fn(&str) -> String, job: &Value, serial: u64) -> Delivery {
    let fields = json!({
        "up42-system:job_id": job["jobID"],
        "up42-system:account_id": job["accountID"],
        "up42-system:workspace_id": job["workspaceID"],
        "up42-system:source": "PROCESSING",
        "up42-system:metadata_version": "1.0",
        "up42-product:modality": "OPTICAL",
    });
    let title = format!("Results of {}", job["processID"].as_str().unwrap_or_default());
    // Job results number apart from order deliveries.
    stac_delivery(url, RESULTS_SERIAL + serial, BERLIN, &fields, &title, None)
}

fn product_collection(product: &str) -> &'static str {
    COLLECTIONS
        .iter()
        .find(|c| c.product_id == product)
        .map_or("phr", |c| c.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_id_names_a_seeded_thing() {
        let mut world = world("http://sandbox");
        let order = |id: &str| world.orders.iter().any(|o| o.value["id"] == id);
        assert!(
            order(ORDER_ID)
                && order(FAILED_ORDER_ID)
                && order(TASKING_ORDER_ID)
                && order(FEASIBILITY_ORDER_ID)
        );
        let job_results = world.jobs[0].value["results"]["collection"].clone();
        let storage = world.storage();
        assert!(storage.stac.iter().any(|s| job_results
            == format!(
                "http://sandbox/v2/assets/stac/collections/{}",
                s.collection["id"].as_str().unwrap()
            )));
        let delivery = storage
            .stac
            .iter()
            .find(|s| s.collection["id"] == STAC_COLLECTION_ID)
            .unwrap();
        assert_eq!(delivery.items[0]["id"], STAC_ITEM_ID);
        assert_eq!(delivery.items[0]["properties"]["up42-order:id"], ORDER_ID);
        assert!(storage.assets.contains_key(ASSET_ID));
        assert!(world.jobs.iter().any(|j| j.value["jobID"] == JOB_ID));
        assert!(world.budgets.iter().any(|b| b["id"] == BUDGET_ID));
        assert_eq!(world.orders.len() as u64, ORDER_COUNT);
        assert_eq!(world.jobs.len() as u64, JOB_COUNT);
        assert!(scenes().iter().any(|s| s["id"] == SCENE_ID));
        assert!(product(ARCHIVE_PRODUCT_ID).is_some_and(|p| !p.tasking));
        assert!(product(FEASIBILITY_PRODUCT_ID).is_some_and(|p| p.feasibility));
        assert!(PROCESSES.contains(&PROCESS_ID));
        assert!(eula_known(&eula_of(process_provider(PROCESS_ID))));
    }
}
