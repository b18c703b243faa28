//! Tasking through the typed client: from an order that needs a decision
//! to its quotation or feasibility study, the decision, and the order
//! moving on.

use futures_util::TryStreamExt;
use up42::ids::FeasibilityStudyId;
use up42::orders::{OrderOutcome, OrderStatus, OrderSubStatus};
use up42::tasking::{FeasibilityDecision, QuotationDecision};
use up42_testkit::seed;

use crate::fixtures::{self, queries, tasking_order};

#[tokio::test]
async fn the_seeded_quotation_reads_into_typed_fields() {
    let (sandbox, client) = fixtures::start().await;
    let quotations: Vec<_> = client
        .tasking()
        .quotations()
        .list()
        .order(seed::TASKING_ORDER_ID)
        .decision([QuotationDecision::NotDecided])
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(quotations.len(), 1);
    let quotation = &quotations[0];
    assert_eq!(quotation.id, seed::QUOTATION_ID);
    assert_eq!(quotation.order_id, seed::TASKING_ORDER_ID);
    assert_eq!(quotation.decision, QuotationDecision::NotDecided);
    assert!(quotation.credits_price > 0);
    assert_eq!(quotation.decision_at, None);
    let query = &queries(&sandbox, "/v2/tasking/quotation")[0];
    assert!(
        query.contains(&format!("orderId={}", seed::TASKING_ORDER_ID)),
        "{query}"
    );
    assert!(query.contains("decision=NOT_DECIDED"), "{query}");
}

#[tokio::test]
async fn accepting_a_quotation_moves_the_order_on_to_fulfilled() {
    let (_sandbox, client) = fixtures::start().await;
    let placement = client
        .orders()
        .place(&tasking_order("quoted", false))
        .await
        .unwrap();
    let id = placement.results[0].id.clone();
    let outcome = fixtures::settle(&client, &id).await;
    assert!(matches!(outcome, OrderOutcome::NeedsDecision(_)), "{outcome:?}");

    let quotation = client
        .tasking()
        .quotations()
        .for_order(&id)
        .await
        .unwrap()
        .expect("a quotation");
    let decided = client
        .tasking()
        .quotations()
        .decide(&quotation.id, QuotationDecision::Accepted)
        .await
        .unwrap();
    assert_eq!(decided.decision, QuotationDecision::Accepted);
    assert!(decided.decision_at.is_some());

    let again = client
        .tasking()
        .quotations()
        .decide(&quotation.id, QuotationDecision::Rejected)
        .await;
    assert_eq!(
        again.unwrap_err().status().map(|s| s.as_u16()),
        Some(422),
        "a second decision is refused"
    );

    let outcome = fixtures::settle(&client, &id).await;
    let OrderOutcome::Fulfilled(order) = outcome else {
        panic!("fulfilled expected, got {outcome:?}");
    };
    assert_eq!(order.sub_status(), Some(&OrderSubStatus::QuotationAccepted));
    let coverage = client.tasking().coverage(&id).await.unwrap();
    assert_eq!(coverage.covered.percentage, 100.0);
    assert!(coverage.covered.sq_km_area > 0.0);
}

#[tokio::test]
async fn rejecting_a_quotation_fails_the_order() {
    let (_sandbox, client) = fixtures::start().await;
    let decided = client
        .tasking()
        .quotations()
        .decide(seed::QUOTATION_ID, QuotationDecision::Rejected)
        .await
        .unwrap();
    assert_eq!(decided.decision, QuotationDecision::Rejected);
    let outcome = client.orders().wait(seed::TASKING_ORDER_ID).await.unwrap();
    let OrderOutcome::Failed(order) = outcome else {
        panic!("failed expected, got {outcome:?}");
    };
    assert_eq!(order.status, OrderStatus::FailedPermanently);
}

#[tokio::test]
async fn choosing_a_feasibility_option_leads_to_a_quotation() {
    let (_sandbox, client) = fixtures::start().await;
    let studies = client.tasking().feasibility_studies();
    let study = studies
        .for_order(seed::FEASIBILITY_ORDER_ID)
        .await
        .unwrap()
        .expect("a study");
    assert_eq!(study.id, seed::FEASIBILITY_STUDY_ID);
    assert_eq!(study.decision, FeasibilityDecision::NotDecided);
    assert_eq!(study.options.len(), 2);
    assert!(study.options[0].description.is_some());

    let chosen = studies.choose(&study.id, &study.options[0].id).await.unwrap();
    assert_eq!(chosen.decision, FeasibilityDecision::Accepted);
    assert_eq!(chosen.decision_option.unwrap().id, study.options[0].id);

    let outcome = fixtures::settle(&client, seed::FEASIBILITY_ORDER_ID).await;
    let OrderOutcome::NeedsDecision(order) = outcome else {
        panic!("a decision expected, got {outcome:?}");
    };
    assert_eq!(
        order.sub_status(),
        Some(&OrderSubStatus::QuotationWaitingResponse)
    );
    assert!(
        client
            .tasking()
            .quotations()
            .for_order(&order.id)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn an_order_without_a_quotation_has_none() {
    let (_sandbox, client) = fixtures::start().await;
    let none = client
        .tasking()
        .quotations()
        .for_order(seed::ORDER_ID)
        .await
        .unwrap();
    assert!(none.is_none());
}

#[tokio::test]
async fn tasking_filters_are_typed_and_sent_once_each() {
    let (sandbox, client) = fixtures::start().await;
    let studies: Vec<_> = client
        .tasking()
        .feasibility_studies()
        .list()
        .ids([FeasibilityStudyId::from(seed::FEASIBILITY_STUDY_ID)])
        .decision([FeasibilityDecision::NotDecided])
        .workspace(up42_testkit::WORKSPACE_ID)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(studies.len(), 1);
    assert_eq!(studies[0].id, seed::FEASIBILITY_STUDY_ID);
    let query = &queries(&sandbox, "/v2/tasking/feasibility-studies")[0];
    assert_eq!(
        query,
        &format!(
            "id={}&workspaceId={}&decision=NOT_DECIDED&page=0",
            seed::FEASIBILITY_STUDY_ID,
            up42_testkit::WORKSPACE_ID
        )
    );
}

#[tokio::test]
async fn the_newest_study_of_an_order_takes_one_request() {
    let (sandbox, client) = fixtures::start().await;
    let study = client
        .tasking()
        .feasibility_studies()
        .for_order(seed::FEASIBILITY_ORDER_ID)
        .await
        .unwrap()
        .expect("a study");
    assert_eq!(study.id, seed::FEASIBILITY_STUDY_ID);
    let asked = queries(&sandbox, "/v2/tasking/feasibility-studies");
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(
        asked[0],
        format!(
            "orderId={}&sort=createdAt%2Cdesc&size=1&page=0",
            seed::FEASIBILITY_ORDER_ID
        )
    );
}
