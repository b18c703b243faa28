//! Orders through the typed client: reading, estimating, placing, waiting,
//! updating and cancelling, against the sandbox.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use up42::ErrorKind;
use up42::orders::{CostUnit, OrderDetails, OrderOutcome, OrderStatus, OrderSubStatus, OrderType};
use up42_testkit::seed;
use up42_testkit::{Sandbox, WORKSPACE_ID};

use crate::fixtures::{self, archive_order, queries, tasking_order};

#[tokio::test]
async fn an_archive_order_reads_into_typed_fields() {
    let (_sandbox, client) = fixtures::start().await;
    let order = client.orders().get(seed::ORDER_ID).await.unwrap();
    assert_eq!(order.id, seed::ORDER_ID);
    assert_eq!(order.status, OrderStatus::Fulfilled);
    assert_eq!(order.order_type, OrderType::Archive);
    assert_eq!(order.workspace_id, WORKSPACE_ID);
    assert_eq!(order.account_id, seed::ACCOUNT_ID);
    assert_eq!(order.data_product_id.as_ref().unwrap(), seed::ARCHIVE_PRODUCT_ID);
    assert_eq!(order.tags, ["sandbox"]);
    assert!(order.created_at.is_some() && order.updated_at > order.created_at);
    let Some(OrderDetails::Archive(details)) = &order.order_details else {
        panic!("archive details expected, got {:?}", order.order_details);
    };
    assert!(details.image_id.is_some());
    assert!(matches!(
        details.aoi.value,
        up42::geojson::GeometryValue::Polygon { .. }
    ));
    assert_eq!(order.sub_status(), None);
}

#[tokio::test]
async fn a_tasking_order_has_tasking_details_and_a_sub_status() {
    let (_sandbox, client) = fixtures::start().await;
    let order = client.orders().get(seed::TASKING_ORDER_ID).await.unwrap();
    assert_eq!(order.order_type, OrderType::Tasking);
    assert_eq!(order.status, OrderStatus::BeingPlaced);
    let Some(OrderDetails::Tasking(details)) = &order.order_details else {
        panic!("tasking details expected, got {:?}", order.order_details);
    };
    assert_eq!(details.acquisition_mode.as_deref(), Some("MONO"));
    assert_eq!(details.max_cloud_cover, Some(20.0));
    assert!(details.acquisition_end > details.acquisition_start);
    assert_eq!(
        order.sub_status(),
        Some(&OrderSubStatus::QuotationWaitingResponse)
    );
}

#[tokio::test]
async fn an_unknown_order_is_an_api_error_with_its_status() {
    let (_sandbox, client) = fixtures::start().await;
    let error = client.orders().get("no-such-order").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Api);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
}

#[tokio::test]
async fn estimate_and_place_send_the_order_and_read_the_answers() {
    let (sandbox, client) = fixtures::start().await;
    let order = archive_order("Berlin, typed")
        .tags(["typed"])
        .budget(seed::BUDGET_ID);

    let estimate = client.orders().estimate(&order).await.unwrap();
    assert!(estimate.summary.total_credits > 0);
    assert_eq!(estimate.summary.unit, CostUnit::SqKm);
    assert_eq!(estimate.results.len(), 1);
    assert_eq!(estimate.results[0].index, 0);
    assert!(estimate.errors.is_empty());

    let placement = client.orders().place(&order).await.unwrap();
    assert!(placement.errors.is_empty());
    let id = placement.ids().next().unwrap().clone();
    assert_eq!(
        queries(&sandbox, "/v2/orders").last().unwrap(),
        &format!("workspaceId={WORKSPACE_ID}"),
        "placed in the workspace userinfo names"
    );
    let placed = client.orders().get(&id).await.unwrap();
    assert_eq!(placed.display_name, "Berlin, typed");
    assert_eq!(placed.tags, ["typed"]);
    assert_eq!(placed.budget_id.as_ref().unwrap(), seed::BUDGET_ID);
}

#[tokio::test]
async fn a_placement_that_fails_for_a_feature_is_data_not_an_error() {
    let (_sandbox, client) = fixtures::start().await;
    let mut order = archive_order("Half good");
    let good = order.feature_collection.features[0].clone();
    let mut bad = good.clone();
    bad.geometry = None;
    order.feature_collection.features = vec![bad, good];
    let placement = client.orders().place(&order).await.unwrap();
    assert_eq!(placement.results.len(), 1);
    assert_eq!(placement.results[0].index, 1);
    assert_eq!(placement.errors.len(), 1);
    assert_eq!(placement.errors[0].index, 0);
    assert!(!placement.errors[0].message.is_empty());
}

#[tokio::test]
async fn the_workspace_id_is_asked_for_once_and_shared_by_clones() {
    let (sandbox, client) = fixtures::start().await;
    let other = client.clone();
    assert_eq!(client.workspace_id().await.unwrap(), WORKSPACE_ID);
    assert_eq!(other.workspace_id().await.unwrap(), WORKSPACE_ID);
    client.orders().place(&archive_order("a")).await.unwrap();
    other.orders().place(&archive_order("b")).await.unwrap();
    let userinfo = sandbox
        .journal()
        .into_iter()
        .filter(|r| r.path.ends_with("/userinfo"))
        .count();
    assert_eq!(userinfo, 1);
}

#[tokio::test]
async fn a_workspace_id_given_to_the_builder_is_never_asked_for() {
    let sandbox = Sandbox::start().await;
    let client = up42::Client::builder()
        .credentials(up42::Credentials::new(
            up42_testkit::USERNAME,
            up42_testkit::PASSWORD,
        ))
        .token_url(&sandbox.token_url())
        .api_url(&sandbox.api_url())
        .workspace_id(WORKSPACE_ID)
        .build()
        .unwrap();
    client.orders().place(&archive_order("known")).await.unwrap();
    assert!(sandbox.journal().iter().all(|r| !r.path.ends_with("/userinfo")));
}

#[tokio::test]
async fn a_wait_ends_fulfilled_after_the_schedule_and_reports_progress() {
    let (_sandbox, client) = fixtures::with(
        Sandbox::builder().order_status_schedule(&[("PLACED", 1), ("BEING_FULFILLED", 2)], "FULFILLED"),
    )
    .await;
    let placement = client.orders().place(&archive_order("wait")).await.unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let outcome = client
        .orders()
        .wait(&placement.results[0].id)
        .every(Duration::from_millis(1))
        .max_interval(Duration::from_millis(2))
        .on_progress(move |order| log.lock().unwrap().push(order.status.clone()))
        .await
        .unwrap();
    assert!(matches!(outcome, OrderOutcome::Fulfilled(_)), "{outcome:?}");
    assert_eq!(
        *seen.lock().unwrap(),
        [
            OrderStatus::Placed,
            OrderStatus::BeingFulfilled,
            OrderStatus::BeingFulfilled,
            OrderStatus::Fulfilled
        ]
    );
}

#[tokio::test]
async fn a_wait_ends_on_failures_the_official_sdk_loops_on() {
    for last in ["PLACEMENT_FAILED", "FAILED_PERMANENTLY"] {
        let (_sandbox, client) =
            fixtures::with(Sandbox::builder().order_status_schedule(&[("CREATED", 1)], last)).await;
        let placement = client.orders().place(&archive_order("fails")).await.unwrap();
        let outcome = fixtures::settle(&client, &placement.results[0].id).await;
        let OrderOutcome::Failed(order) = outcome else {
            panic!("{last}: a failure expected, got {outcome:?}");
        };
        assert_eq!(order.status.as_str(), last);
    }
}

#[tokio::test]
async fn a_wait_ends_when_a_tasking_order_needs_the_users_decision() {
    let (_sandbox, client) = fixtures::start().await;
    for (feasibility, expected) in [
        (false, OrderSubStatus::QuotationWaitingResponse),
        (true, OrderSubStatus::FeasibilityWaitingResponse),
    ] {
        let placement = client
            .orders()
            .place(&tasking_order("tasking", feasibility))
            .await
            .unwrap();
        let outcome = fixtures::settle(&client, &placement.results[0].id).await;
        let OrderOutcome::NeedsDecision(order) = outcome else {
            panic!("a decision expected, got {outcome:?}");
        };
        assert_eq!(order.sub_status(), Some(&expected));
    }
}

#[tokio::test(start_paused = true)]
async fn a_wait_that_never_settles_times_out_on_the_test_clock() {
    let (_sandbox, client) =
        fixtures::with(Sandbox::builder().order_status_schedule(&[], "BEING_FULFILLED")).await;
    let placement = client.orders().place(&archive_order("slow")).await.unwrap();
    let error = client
        .orders()
        .wait(&placement.results[0].id)
        .timeout(Duration::from_secs(3600))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
}

#[tokio::test]
async fn update_sends_a_merge_patch_of_what_was_set() {
    let (sandbox, client) = fixtures::start().await;
    let id = seed::ORDER_ID;
    let order = client
        .orders()
        .update(id)
        .tags(["a", "b"])
        .budget(seed::BUDGET_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(order.tags, ["a", "b"]);
    assert_eq!(order.budget_id.as_ref().unwrap(), seed::BUDGET_ID);

    let order = client.orders().update(id).clear_budget().send().await.unwrap();
    assert_eq!(order.budget_id, None);
    assert_eq!(order.tags, ["a", "b"], "tags not set stay as they were");

    let patches: Vec<_> = sandbox
        .journal()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert_eq!(patches.len(), 2);
    assert_eq!(
        patches[0].header("content-type"),
        Some("application/merge-patch+json")
    );
    let first: serde_json::Value = serde_json::from_slice(&patches[0].body).unwrap();
    let second: serde_json::Value = serde_json::from_slice(&patches[1].body).unwrap();
    assert_eq!(
        first,
        serde_json::json!({"tags": ["a", "b"], "budgetId": seed::BUDGET_ID})
    );
    assert_eq!(second, serde_json::json!({"budgetId": null}));
}

#[tokio::test]
async fn cancel_answers_the_cancellation_and_a_refusal_is_the_servers_409() {
    let (_sandbox, client) = fixtures::with(Sandbox::builder().order_status_schedule(&[], "CREATED")).await;
    let placement = client.orders().place(&archive_order("cancel me")).await.unwrap();
    let id = placement.results[0].id.clone();
    let cancellation = client.orders().cancel(&id).await.unwrap();
    assert_eq!(cancellation.order_id, id);
    assert_eq!(cancellation.status, OrderStatus::Canceled);
    let outcome = client.orders().wait(&id).await.unwrap();
    assert!(matches!(outcome, OrderOutcome::Canceled(_)));

    let refused = client.orders().cancel(seed::ORDER_ID).await.unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(409));
}

#[tokio::test]
async fn after_switching_accounts_an_order_goes_to_the_new_accounts_workspace() {
    let (sandbox, client) = fixtures::start().await;
    sandbox.set_password("other@up42.example", "other-password");
    assert_eq!(client.workspace_id().await.unwrap(), WORKSPACE_ID);
    client
        .toolkit()
        .set_credentials(up42::Credentials::new("other@up42.example", "other-password"));
    let placed = client
        .orders()
        .place(&archive_order("as the other user"))
        .await
        .unwrap();
    let id = placed.ids().next().unwrap().clone();
    let order = client.orders().get(id).await.unwrap();
    let theirs = client.workspace_id().await.unwrap();
    assert_ne!(theirs, WORKSPACE_ID);
    assert_eq!(order.workspace_id, theirs);
    // The sandbox refuses a workspace that is not the caller's, as UP42 does.
    let foreign = up42::toolkit::Call::new(up42::toolkit::reqwest::Method::POST, "/v2/orders")
        .unwrap()
        .query("workspaceId", WORKSPACE_ID)
        .json_body(&serde_json::json!({}))
        .unwrap()
        .json::<serde_json::Value>(client.toolkit())
        .await;
    assert_eq!(foreign.unwrap_err().status().map(|s| s.as_u16()), Some(403));
}
