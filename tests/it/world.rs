//! The sandbox's world, flow by flow, as a user's test sees it through the
//! testkit's public API: the seeded ids, UP42's shapes, filters that filter,
//! asynchronous flows on their schedules, and errors in each family's shape.

use serde_json::{Value, json};
use up42::Error;
use up42::toolkit::reqwest::Method;
use up42::toolkit::{Call, Up42Client, up42_endpoint};
use up42_testkit::seed::{self, archive_order_request, tasking_order_request};
use up42_testkit::{Route, Sandbox};

async fn get(client: &Up42Client, path: &str) -> Value {
    Call::new(Method::GET, path).unwrap().json(client).await.unwrap()
}

async fn send(client: &Up42Client, method: Method, path: &str, body: &Value) -> Result<Value, Error> {
    Call::new(method, path)?.json_body(body)?.json(client).await
}

fn status(error: &Error) -> u16 {
    error.status().map_or(0, |s| s.as_u16())
}

/// The body of an error answer.
fn body(error: &Error) -> Value {
    serde_json::from_str(error.body_excerpt().unwrap_or("null")).unwrap_or(Value::Null)
}

/// The API path of a page's `next` link, if it has one.
fn next_path(page: &Value, base_url: &str) -> Option<String> {
    let next = page["links"].as_array()?.iter().find(|l| l["rel"] == "next")?;
    Some(next["href"].as_str()?.trim_start_matches(base_url).to_string())
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

#[up42_endpoint(PATCH, "/v2/orders/{order_id}", content_type = "application/merge-patch+json")]
async fn patch_order(client: &Up42Client, order_id: &str, #[body] patch: &Value) -> Result<Value, Error>;

#[tokio::test]
async fn both_public_clients_log_in_and_userinfo_names_the_workspace() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let me = get(&client, "/realms/public/protocol/openid-connect/userinfo").await;
    assert_eq!(me["sub"], seed::WORKSPACE_ID);
    let orders = get(&client, "/v2/orders").await;
    assert!(
        orders["content"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["workspaceId"] == me["sub"])
    );

    // UP42's SDK logs in as `up42-sdk` with `scope=openid`.
    let form = [
        ("grant_type", "password"),
        ("username", up42_testkit::USERNAME),
        ("password", up42_testkit::PASSWORD),
        ("client_id", "up42-sdk"),
        ("scope", "openid"),
    ];
    let answer = up42::toolkit::reqwest::Client::new()
        .post(sandbox.token_url())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);

    // Another user has a workspace of their own, empty.
    let other = Sandbox::builder()
        .user("other@example.com", "secret")
        .start()
        .await;
    let theirs = other
        .client_builder()
        .credentials(up42::Credentials::new("other@example.com", "secret"))
        .build()
        .unwrap();
    let them = get(&theirs, "/realms/public/protocol/openid-connect/userinfo").await;
    assert_ne!(them["sub"], seed::WORKSPACE_ID);
    assert_eq!(get(&theirs, "/v2/orders").await["totalElements"], 0);
    let hidden = Call::new(Method::GET, &format!("/v2/orders/{}", seed::ORDER_ID))
        .unwrap()
        .json::<Value>(&theirs)
        .await;
    assert_eq!(status(&hidden.unwrap_err()), 404);
}

#[tokio::test]
async fn order_lists_filter_sort_and_page() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let all = get(&client, "/v2/orders?size=100").await;
    assert_eq!(all["totalElements"], seed::ORDER_COUNT);
    assert_eq!(
        get(&client, "/v2/orders?status=FULFILLED&size=100").await["totalElements"],
        22
    );
    let failed_or_tasking = get(
        &client,
        "/v2/orders?status=FAILED_PERMANENTLY&status=BEING_PLACED",
    )
    .await;
    assert_eq!(failed_or_tasking["totalElements"], 3);
    assert_eq!(get(&client, "/v2/orders?type=TASKING").await["totalElements"], 2);
    let waiting = get(&client, "/v2/orders?subStatus=QUOTATION_WAITING_RESPONSE").await;
    assert_eq!(waiting["content"][0]["id"], seed::TASKING_ORDER_ID);
    assert_eq!(get(&client, "/v2/orders?tags=tasking").await["totalElements"], 2);
    let two = format!("/v2/orders?orderIds={},{}", seed::ORDER_ID, seed::FAILED_ORDER_ID);
    assert_eq!(get(&client, &two).await["totalElements"], 2);
    assert_eq!(
        get(&client, "/v2/orders?displayName=sandbox%20TASKING").await["totalElements"],
        2
    );
    let newest = get(&client, "/v2/orders?sort=createdAt,desc&size=1").await;
    assert_eq!(newest["content"][0]["type"], "TASKING");
    assert_eq!(
        (newest["totalPages"].as_u64(), newest["last"].as_bool()),
        (Some(25), Some(false))
    );
    let bad = Call::new(Method::GET, "/v2/orders?sort=price,asc")
        .unwrap()
        .json::<Value>(&client)
        .await;
    assert_eq!(status(&bad.unwrap_err()), 400);
    let order = get(&client, &format!("/v2/orders/{}", seed::ORDER_ID)).await;
    assert_eq!(keys(&order["orderDetails"]), ["aoi", "imageId"]);
    for key in ["id", "displayName", "status", "workspaceId", "accountId", "type"] {
        assert!(order[key].is_string(), "{key} in {order}");
    }
}

#[tokio::test]
async fn estimate_and_placement_fail_one_feature_at_a_time() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let mut order = archive_order_request("two features");
    let point = json!({"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [13.4, 52.5]}});
    order["featureCollection"]["features"]
        .as_array_mut()
        .unwrap()
        .push(point);

    let estimate = send(&client, Method::POST, "/v2/orders/estimate", &order)
        .await
        .unwrap();
    assert_eq!(keys(&estimate["summary"]), ["totalCredits", "totalSize", "unit"]);
    assert_eq!(
        keys(&estimate["results"][0]),
        ["credits", "index", "size", "unit"]
    );
    assert_eq!(estimate["errors"][0]["index"], 1);
    assert_eq!(keys(&estimate["errors"][0]), ["details", "index", "message"]);
    assert!(estimate["summary"]["totalCredits"].as_u64().unwrap() > 0);

    let balance = get(&client, "/v2/payments/balances").await["available"]["amount"]
        .as_i64()
        .unwrap();
    let path = format!("/v2/orders?workspaceId={}", seed::WORKSPACE_ID);
    let placed = send(&client, Method::POST, &path, &order).await.unwrap();
    assert_eq!(placed["results"].as_array().unwrap().len(), 1);
    assert_eq!(keys(&placed["results"][0]), ["id", "index"]);
    assert_eq!(placed["errors"][0]["index"], 1);
    let spent = estimate["summary"]["totalCredits"].as_i64().unwrap();
    assert_eq!(
        get(&client, "/v2/payments/balances").await["available"]["amount"],
        balance - spent
    );

    let unknown = json!({"dataProduct": "no-such-product", "displayName": "x", "featureCollection": order["featureCollection"], "params": {}});
    assert_eq!(
        status(
            &send(&client, Method::POST, "/v2/orders/estimate", &unknown)
                .await
                .unwrap_err()
        ),
        404
    );
    let mut no_params = archive_order_request("x");
    no_params["params"] = json!({});
    let error = send(&client, Method::POST, "/v2/orders/estimate", &no_params)
        .await
        .unwrap_err();
    assert_eq!(status(&error), 400);
    assert!(body(&error)["message"].as_str().unwrap().contains("id"));
    let schema = get(&client, &format!("/orders/schema/{}", seed::ARCHIVE_PRODUCT_ID)).await;
    assert_eq!(schema["required"], json!(["id"]));
}

#[tokio::test]
async fn orders_take_merge_patches_cancel_and_report_coverage() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let patched = patch_order(
        &client,
        seed::ORDER_ID,
        &json!({"tags": ["a"], "budgetId": seed::BUDGET_ID}),
    )
    .await
    .unwrap();
    assert_eq!(
        (&patched["tags"], &patched["budgetId"]),
        (&json!(["a"]), &json!(seed::BUDGET_ID))
    );
    let cleared = patch_order(&client, seed::ORDER_ID, &json!({"budgetId": null}))
        .await
        .unwrap();
    assert!(cleared.get("budgetId").is_none());
    let listed = get(&client, &format!("/v2/orders?budgetIds={}", seed::BUDGET_ID)).await;
    assert_eq!(listed["totalElements"], 0);
    let plain = send(
        &client,
        Method::PATCH,
        &format!("/v2/orders/{}", seed::ORDER_ID),
        &json!({"tags": []}),
    )
    .await;
    assert_eq!(status(&plain.unwrap_err()), 415, "only merge patches");

    let fulfilled = Call::new(
        Method::POST,
        &format!("/v2/orders/{}/cancellation", seed::ORDER_ID),
    )
    .unwrap();
    assert_eq!(status(&fulfilled.json::<Value>(&client).await.unwrap_err()), 409);
    let waiting = Call::new(
        Method::POST,
        &format!("/v2/orders/{}/cancellation", seed::TASKING_ORDER_ID),
    )
    .unwrap();
    assert_eq!(
        waiting.json::<Value>(&client).await.unwrap(),
        json!({"orderId": seed::TASKING_ORDER_ID, "status": "CANCELED"})
    );

    let coverage = get(&client, &format!("/v2/coverage/orders/{}", seed::ORDER_ID)).await;
    assert_eq!(coverage["covered"]["percentage"], 100.0);
    assert_eq!(coverage["remainder"]["geometry"]["type"], "MultiPolygon");
}

#[tokio::test]
async fn a_tasking_order_waits_for_uploads_and_decisions_then_delivers() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let path = format!("/v2/orders?workspaceId={}", seed::WORKSPACE_ID);
    let placed = send(
        &client,
        Method::POST,
        &path,
        &tasking_order_request("tasking", true),
    )
    .await
    .unwrap();
    let id = placed["results"][0]["id"].as_str().unwrap().to_string();
    let order = |o: Value| (o["status"].clone(), o["orderDetails"]["subStatus"].clone());
    let order_path = format!("/v2/orders/{id}");
    let fetch = || get(&client, &order_path);
    assert_eq!(
        order(fetch().await),
        (json!("BEING_PLACED"), json!("FEASIBILITY_WAITING_UPLOAD"))
    );
    // A poller waiting for the study sees UP42 upload it.
    let studies = get(&client, &format!("/v2/tasking/feasibility-studies?orderId={id}")).await;
    assert_eq!(studies["totalElements"], 1);
    let study = &studies["content"][0];
    assert_eq!(order(fetch().await).1, "FEASIBILITY_WAITING_RESPONSE");

    let study_path = format!(
        "/v2/tasking/feasibility-studies/{}",
        study["id"].as_str().unwrap()
    );
    let wrong = send(
        &client,
        Method::PATCH,
        &study_path,
        &json!({"acceptedOptionId": "no-such-option"}),
    )
    .await;
    assert_eq!(status(&wrong.unwrap_err()), 422);
    let option = study["options"][0]["id"].clone();
    let decided = send(
        &client,
        Method::PATCH,
        &study_path,
        &json!({"acceptedOptionId": option}),
    )
    .await
    .unwrap();
    assert_eq!(
        (&decided["decision"], &decided["decisionOption"]["id"]),
        (&json!("ACCEPTED"), &option)
    );
    let again = send(
        &client,
        Method::PATCH,
        &study_path,
        &json!({"acceptedOptionId": option}),
    )
    .await;
    assert_eq!(status(&again.unwrap_err()), 422, "a second decision is refused");
    assert_eq!(order(fetch().await).1, "QUOTATION_WAITING_UPLOAD");

    let quotations = get(&client, &format!("/v2/tasking/quotation?orderId={id}")).await;
    let quotation = &quotations["content"][0];
    assert_eq!(quotation["decision"], "NOT_DECIDED");
    assert!(quotation["decisionAt"].is_null() && quotation["creditsPrice"].is_u64());
    let quotation_path = format!("/v2/tasking/quotation/{}", quotation["id"].as_str().unwrap());
    let accepted = send(
        &client,
        Method::PATCH,
        &quotation_path,
        &json!({"decision": "ACCEPTED"}),
    )
    .await
    .unwrap();
    assert!(accepted["decisionAt"].is_string());
    let mut seen = Vec::new();
    loop {
        let (status, sub_status) = order(fetch().await);
        seen.push(status.clone());
        assert_eq!(sub_status, "QUOTATION_ACCEPTED");
        if status == "FULFILLED" {
            break;
        }
    }
    assert_eq!(seen, ["PLACED", "BEING_FULFILLED", "FULFILLED"]);
    let filter = json!({"filter": {"op": "=", "args": [{"property": "order_id"}, id]}});
    let delivered = send(&client, Method::POST, "/v2/assets/stac/search", &filter)
        .await
        .unwrap();
    assert_eq!(
        delivered["features"].as_array().unwrap().len(),
        1,
        "the delivery is in storage"
    );

    // Rejecting the seeded quotation fails its order.
    let seeded = format!("/v2/tasking/quotation/{}", seed::QUOTATION_ID);
    send(&client, Method::PATCH, &seeded, &json!({"decision": "REJECTED"}))
        .await
        .unwrap();
    let rejected = get(&client, &format!("/v2/orders/{}", seed::TASKING_ORDER_ID)).await;
    assert_eq!(
        order(rejected),
        (json!("FAILED_PERMANENTLY"), json!("QUOTATION_REJECTED"))
    );
}

#[tokio::test]
async fn the_glossary_is_public_and_the_archive_searches_page_by_page() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let http = up42::toolkit::reqwest::Client::new();
    let glossary: Value = http
        .get(format!("{}/v2/collections?sort=name,asc", sandbox.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = &glossary["content"][0];
    assert_eq!(first["name"], "phr");
    assert_eq!(
        keys(&first["providers"][0]),
        ["description", "name", "roles", "title"]
    );
    assert_eq!(first["dataProducts"][0]["id"], seed::ARCHIVE_PRODUCT_ID);
    assert_eq!(
        get(&client, "/v2/collections/pneo-tasking").await["type"],
        "TASKING"
    );

    // Every page, following next links with the same body.
    let search = json!({"bbox": [13.3, 52.4, 13.5, 52.6], "collections": ["phr", "spot"], "limit": 2, "query": {"cloudCoverage": {"LTE": 100}}});
    let mut path = format!("/catalog/hosts/{}/stac/search", seed::CATALOG_HOST);
    let mut scenes = Vec::new();
    loop {
        let page = send(&client, Method::POST, &path, &search).await.unwrap();
        scenes.extend(page["features"].as_array().unwrap().iter().cloned());
        let Some(next) = next_path(&page, sandbox.base_url()) else {
            break;
        };
        path = next;
    }
    assert_eq!(scenes.len(), 12, "6 scenes each over Berlin");
    assert!(
        scenes
            .iter()
            .all(|s| s["properties"]["providerProperties"].is_object())
    );
    let bad = send(
        &client,
        Method::POST,
        &format!("/catalog/hosts/{}/stac/search", seed::CATALOG_HOST),
        &json!({"limit": 501}),
    )
    .await
    .unwrap_err();
    assert_eq!((status(&bad), body(&bad)["data"].clone()), (422, Value::Null));
    assert_eq!(body(&bad)["error"]["code"], 422, "the legacy envelope");

    let quicklook = Call::new(
        Method::GET,
        &format!(
            "/catalog/{}/image/{}/quicklook",
            seed::CATALOG_HOST,
            seed::SCENE_ID
        ),
    )
    .unwrap();
    assert_eq!(&quicklook.bytes(&client).await.unwrap()[..2], &[0xff, 0xd8]);
    let landing = get(&client, "/v2/catalog/").await;
    assert!(
        landing["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["rel"] == "search")
    );
}

#[tokio::test]
async fn storage_is_a_stac_api_with_tokens_filters_and_downloads() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let landing = get(&client, "/v2/assets/stac/").await;
    assert!(
        landing["conformsTo"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c.as_str().unwrap().ends_with("item-search"))
    );

    let mut path = "/v2/assets/stac/collections?limit=10".to_string();
    let mut collections = 0;
    loop {
        let page = get(&client, &path).await;
        collections += page["collections"].as_array().unwrap().len();
        let Some(next) = next_path(&page, sandbox.base_url()) else {
            break;
        };
        path = next;
    }
    assert_eq!(collections, 22 + 2, "22 deliveries, 2 job results");

    let item_path = format!(
        "/v2/assets/stac/collections/{}/items/{}",
        seed::STAC_COLLECTION_ID,
        seed::STAC_ITEM_ID
    );
    let item = get(&client, &item_path).await;
    let href = item["assets"]["image"]["href"].as_str().unwrap();
    assert_eq!(
        href,
        format!("{}/v2/assets/{}", sandbox.base_url(), seed::ASSET_ID),
        "absolute hrefs"
    );
    let bytes = Call::new(Method::GET, &format!("/v2/assets/{}", seed::ASSET_ID))
        .unwrap()
        .bytes(&client)
        .await
        .unwrap();
    assert_eq!(&bytes[..4], b"II*\0");

    let updated = send(
        &client,
        Method::PATCH,
        &item_path,
        &json!({"up42-user:title": "Berlin", "up42-user:tags": ["x"]}),
    )
    .await
    .unwrap();
    assert_eq!(updated["properties"]["up42-user:title"], "Berlin");
    let wrong = send(&client, Method::PATCH, &item_path, &json!({"geometry": null})).await;
    assert_eq!(status(&wrong.unwrap_err()), 400);

    let tagged = json!({"filter": {"op": "a_contains", "args": [{"property": "tags"}, ["x"]]}});
    let found = send(&client, Method::POST, "/v2/assets/stac/search", &tagged)
        .await
        .unwrap();
    assert_eq!(found["features"][0]["id"], seed::STAC_ITEM_ID);
    let first = send(
        &client,
        Method::POST,
        "/v2/assets/stac/search",
        &json!({"limit": 20}),
    )
    .await
    .unwrap();
    let next = first["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "next")
        .unwrap();
    assert_eq!((&next["method"], &next["merge"]), (&json!("POST"), &json!(true)));
    let rest = send(
        &client,
        Method::POST,
        "/v2/assets/stac/search",
        &json!({"limit": 20, "token": next["body"]["token"]}),
    )
    .await
    .unwrap();
    assert_eq!(
        rest["features"].as_array().unwrap().len(),
        6,
        "26 seeded items: 21 deliveries of one item, one of three, two job results"
    );
    let unsupported = json!({"filter": {"op": "t_during", "args": []}});
    assert_eq!(
        status(
            &send(&client, Method::POST, "/v2/assets/stac/search", &unsupported)
                .await
                .unwrap_err()
        ),
        400
    );
    assert!(get(&client, "/v2/assets/stac/queryables").await["properties"]["order_id"].is_object());

    let delete = Call::new(
        Method::DELETE,
        &format!("/v2/assets/stac/collections/{}", seed::STAC_COLLECTION_ID),
    )
    .unwrap();
    delete.bytes(&client).await.unwrap();
    let signed = Call::new(
        Method::POST,
        &format!("/v2/assets/{}/download-url", seed::ASSET_ID),
    )
    .unwrap();
    assert_eq!(
        status(&signed.json::<Value>(&client).await.unwrap_err()),
        404,
        "its asset went with it"
    );
}

#[tokio::test]
async fn processing_validates_prices_and_runs_jobs_to_their_results() {
    let sandbox = Sandbox::builder()
        .job_status_schedule(&[("created", 1), ("running", 1)], "successful")
        .start()
        .await;
    let client = sandbox.client().unwrap();
    let process = get(&client, &format!("/v2/processing/processes/{}", seed::PROCESS_ID)).await;
    let parameters = process["additionalParameters"]["parameters"].as_array().unwrap();
    let eula_id = parameters.iter().find(|p| p["name"] == "eula-id").unwrap()["value"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        get(&client, &format!("/v2/eulas/{eula_id}")).await["isAccepted"],
        true
    );

    let item = format!(
        "{}/v2/assets/stac/collections/{}/items/{}",
        sandbox.base_url(),
        seed::STAC_COLLECTION_ID,
        seed::STAC_ITEM_ID
    );
    let inputs = json!({"inputs": {"title": "ships", "item": item}});
    let validation = format!("/v2/processing/processes/{}/validation", seed::PROCESS_ID);
    Call::new(Method::POST, &validation)
        .unwrap()
        .json_body(&inputs)
        .unwrap()
        .bytes(&client)
        .await
        .unwrap();
    let schema = send(
        &client,
        Method::POST,
        &validation,
        &json!({"inputs": {"item": item}}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (status(&schema), body(&schema)["schema-error"].is_string()),
        (400, true)
    );
    let cars = send(
        &client,
        Method::POST,
        "/v2/processing/processes/detection-cars-oi/validation",
        &inputs,
    )
    .await
    .unwrap_err();
    assert_eq!(
        (status(&cars), body(&cars)["errors"][0]["name"].clone()),
        (422, json!("EulaNotAccepted"))
    );
    let cost = send(
        &client,
        Method::POST,
        &format!("/v2/processing/processes/{}/cost", seed::PROCESS_ID),
        &inputs,
    )
    .await
    .unwrap();
    assert_eq!(
        keys(&cost),
        ["pricingStrategy", "totalCredits", "totalSize", "unit"]
    );

    let execution = format!(
        "/v2/processing/processes/{}/execution?workspaceId={}&budgetId={}",
        seed::PROCESS_ID,
        seed::WORKSPACE_ID,
        seed::BUDGET_ID
    );
    let job = send(&client, Method::POST, &execution, &inputs).await.unwrap();
    assert_eq!(job["status"], "created");
    assert_eq!(
        job["created"].as_str().unwrap().split('.').nth(1).unwrap().len(),
        10,
        "nanoseconds and Z"
    );
    let id = job["jobID"].as_str().unwrap().to_string();
    let mut seen = Vec::new();
    let done = loop {
        let job = get(&client, &format!("/v2/processing/jobs/{id}")).await;
        seen.push(job["status"].as_str().unwrap().to_string());
        if job["status"] == "successful" {
            break job;
        }
    };
    assert_eq!(seen, ["created", "running", "successful"]);
    let results = done["results"]["collection"]
        .as_str()
        .unwrap()
        .trim_start_matches(sandbox.base_url())
        .to_string();
    assert_eq!(get(&client, &results).await["up42-system:job_id"], id.as_str());

    let first = get(&client, "/v2/processing/jobs?limit=2&status=successful,created").await;
    assert_eq!(first["jobs"].as_array().unwrap().len(), 2);
    let next = first["links"][0]["href"].as_str().unwrap();
    assert!(
        next.starts_with("/v2/processing/jobs?") && next.contains("status=successful"),
        "relative, filters kept: {next}"
    );
    assert_eq!(get(&client, next).await["jobs"].as_array().unwrap().len(), 1);
    let by_process = get(
        &client,
        "/v2/processing/jobs?processId=pansharpening,detection-cars-oi",
    )
    .await;
    assert_eq!(by_process["jobs"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn budgets_show_usage_when_asked() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let active = get(&client, "/v2/budgets?status=ACTIVE").await;
    assert_eq!(active["totalElements"], 1);
    assert!(active["content"][0].get("remainingCredits").is_none());
    let used = get(
        &client,
        &format!("/v2/budgets/{}?includeUsage=true", seed::BUDGET_ID),
    )
    .await;
    assert_eq!(
        (
            used["remainingCredits"].as_i64(),
            used["usagePercentage"].as_f64()
        ),
        (Some(87_500), Some(12.5))
    );
    let usage = get(&client, &format!("/v2/budgets/{}/usage", seed::BUDGET_ID)).await;
    assert_eq!(keys(&usage), ["budgetId", "consumedCredits"]);
    assert!(get(&client, "/v2/budgets/settings").await["enforcementEnabled"].is_boolean());
    let unknown = Call::new(Method::GET, "/v2/budgets/no-such-budget")
        .unwrap()
        .json::<Value>(&client)
        .await;
    assert_eq!(
        body(&unknown.unwrap_err())["message"],
        "Budget no-such-budget not found"
    );
    assert!(
        sandbox
            .journal_of(Route::Api)
            .iter()
            .all(|r| r.header("authorization").is_some())
    );
}

#[tokio::test(start_paused = true)]
async fn tokens_expire_on_tokios_clock_so_paused_tests_move_the_sandbox_too() {
    let sandbox = Sandbox::builder()
        .access_token_lifetime(std::time::Duration::from_secs(300))
        .start()
        .await;
    let client = sandbox.client().unwrap();
    let token = up42::toolkit::Authenticated::access_token(&client).await.unwrap();
    let http = up42::toolkit::reqwest::Client::new();
    let me = format!(
        "{}/realms/public/protocol/openid-connect/userinfo",
        sandbox.base_url()
    );
    let call = || {
        http.get(&me)
            .header("Authorization", token.bearer_header())
            .send()
    };
    assert_eq!(call().await.unwrap().status(), 200);
    tokio::time::advance(std::time::Duration::from_secs(301)).await;
    assert_eq!(
        call().await.unwrap().status(),
        401,
        "five minutes passed on the test's clock"
    );
}

#[tokio::test]
async fn pages_far_past_the_end_are_empty_not_a_crash() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let huge = u64::MAX;
    let jobs = get(&client, &format!("/v2/processing/jobs?page={huge}&limit=100")).await;
    assert_eq!(jobs["jobs"], json!([]));
    let orders = get(&client, &format!("/v2/orders?page={huge}&size=500")).await;
    assert_eq!(orders["content"], json!([]));
    let items = format!("/v2/assets/stac/collections?token=next:{huge}");
    assert_eq!(get(&client, &items).await["collections"], json!([]));
}
