//! Budgets through the typed client.

use futures_util::TryStreamExt;
use up42::budgets::BudgetStatus;
use up42_testkit::seed;

use crate::fixtures::{self, archive_order, queries};

#[tokio::test]
async fn budgets_list_with_usage_and_follow_placements() {
    let (sandbox, client) = fixtures::start().await;
    let before = client.budgets().get(seed::BUDGET_ID).await.unwrap();
    assert_eq!(before.id, seed::BUDGET_ID);
    assert!(
        before.validity_period.as_ref().unwrap().end_date
            > before.validity_period.as_ref().unwrap().start_date
    );
    let consumed = before.consumed_credits.unwrap();

    client
        .orders()
        .place(&archive_order("budgeted").budget(seed::BUDGET_ID))
        .await
        .unwrap();
    let usage = client.budgets().usage(seed::BUDGET_ID).await.unwrap();
    assert!(
        usage.consumed_credits > consumed,
        "{} after {consumed}",
        usage.consumed_credits
    );

    let active: Vec<_> = client
        .budgets()
        .list()
        .status([BudgetStatus::Active])
        .include_usage(true)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(active.iter().all(|b| b.status == BudgetStatus::Active));
    assert!(active.iter().all(|b| b.remaining_credits.is_some()));
    let query = &queries(&sandbox, "/v2/budgets")[0];
    assert!(
        query.contains("status=ACTIVE") && query.contains("includeUsage=true"),
        "{query}"
    );

    let settings = client.budgets().settings().await.unwrap();
    assert!(settings.budget_setting_id.is_some());
}
