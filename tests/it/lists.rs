//! The list terminals every paged resource shares, on orders: one page,
//! every item, every page, pages in flight at once, and the filters as
//! UP42's query parameters.

use futures_util::{StreamExt, TryStreamExt};
use up42::orders::{OrderSortField, OrderStatus, OrderType};
use up42::page::Direction;
use up42_testkit::seed::{self, ORDER_COUNT};

use crate::fixtures::{self, queries};

#[tokio::test]
async fn send_answers_one_page_with_the_lists_totals() {
    let (sandbox, client) = fixtures::start().await;
    let page = client.orders().list().page_size(10).page(2).send().await.unwrap();
    assert_eq!(page.content.len(), (ORDER_COUNT - 20) as usize);
    assert_eq!(page.total_elements, ORDER_COUNT);
    assert_eq!(page.total_pages, ORDER_COUNT.div_ceil(10));
    assert_eq!(page.number, 2);
    assert!(!page.has_next());
    assert_eq!(queries(&sandbox, "/v2/orders"), ["page=2&size=10"]);
}

#[tokio::test]
async fn items_stream_every_order_a_page_at_a_time() {
    let (sandbox, client) = fixtures::start().await;
    let mut items = client.orders().list().page_size(7).items();
    let first = items.next().await.unwrap().unwrap();
    assert_eq!(
        queries(&sandbox, "/v2/orders").len(),
        1,
        "one page fetched for the first item"
    );
    let rest: Vec<_> = items.try_collect().await.unwrap();
    assert_eq!(1 + rest.len() as u64, ORDER_COUNT);
    assert!(rest.iter().all(|o| o.id != first.id));
    assert_eq!(
        queries(&sandbox, "/v2/orders"),
        ["page=0&size=7", "page=1&size=7", "page=2&size=7", "page=3&size=7"]
    );
}

#[tokio::test]
async fn pages_come_in_order_with_their_numbers() {
    let (_sandbox, client) = fixtures::start().await;
    let pages: Vec<_> = client
        .orders()
        .list()
        .page_size(10)
        .pages()
        .try_collect()
        .await
        .unwrap();
    let numbers: Vec<u64> = pages.iter().map(|p| p.number).collect();
    assert_eq!(numbers, [0, 1, 2]);
    assert_eq!(
        pages.iter().map(|p| p.content.len()).sum::<usize>() as u64,
        ORDER_COUNT
    );
}

#[tokio::test]
async fn concurrent_pages_give_the_same_items_in_the_same_order() {
    let (sandbox, client) = fixtures::start().await;
    let one_at_a_time: Vec<_> = client
        .orders()
        .list()
        .page_size(3)
        .items()
        .try_collect()
        .await
        .unwrap();
    let four_at_a_time: Vec<_> = client
        .orders()
        .list()
        .page_size(3)
        .concurrent_pages(4)
        .items()
        .try_collect()
        .await
        .unwrap();
    let ids = |orders: &[up42::orders::Order]| orders.iter().map(|o| o.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&one_at_a_time), ids(&four_at_a_time));
    assert_eq!(four_at_a_time.len() as u64, ORDER_COUNT);
    let pages = ORDER_COUNT.div_ceil(3) as usize;
    assert_eq!(
        queries(&sandbox, "/v2/orders").len(),
        2 * pages,
        "each page asked for once per walk"
    );
}

#[tokio::test]
async fn a_failing_page_ends_the_stream_with_its_error() {
    let (sandbox, client) = fixtures::start().await;
    sandbox.mount(
        up42_testkit::Mock::given("GET", "/v2/orders")
            .query("page", "1")
            .respond_with(up42_testkit::Respond::status(500)),
    );
    let mut items = client.orders().list().page_size(10).concurrent_pages(2).items();
    let mut seen = 0;
    let error = loop {
        match items.next().await.expect("an error before the end") {
            Ok(_) => seen += 1,
            Err(error) => break error,
        }
    };
    assert_eq!(seen, 10, "the first page's items, then the error");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    assert!(items.next().await.is_none(), "nothing after the error");
}

#[tokio::test]
async fn filters_become_upstreams_query_parameters() {
    let (sandbox, client) = fixtures::start().await;
    let orders: Vec<_> = client
        .orders()
        .list()
        .workspace(up42_testkit::WORKSPACE_ID)
        .order_type(OrderType::Archive)
        .status([OrderStatus::Fulfilled, OrderStatus::FailedPermanently])
        .display_name("sandbox order")
        .tags(["sandbox"])
        .ids([seed::ORDER_ID, seed::FAILED_ORDER_ID, seed::TASKING_ORDER_ID])
        .sort(OrderSortField::CreatedAt, Direction::Descending)
        .items()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = orders.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        ids,
        [seed::FAILED_ORDER_ID, seed::ORDER_ID],
        "newest first; tasking filtered out"
    );
    let query = &queries(&sandbox, "/v2/orders")[0];
    for pair in [
        format!("workspaceId={}", up42_testkit::WORKSPACE_ID),
        "type=ARCHIVE".into(),
        "status=FULFILLED&status=FAILED_PERMANENTLY".into(),
        "displayName=sandbox+order".into(),
        "tags=sandbox".into(),
        format!(
            "orderIds={}%2C{}%2C{}",
            seed::ORDER_ID,
            seed::FAILED_ORDER_ID,
            seed::TASKING_ORDER_ID
        ),
        "sort=createdAt%2Cdesc".into(),
    ] {
        assert!(query.contains(&pair), "{pair} in {query}");
    }
}

#[tokio::test]
async fn lists_are_static_and_send_so_they_move_into_tasks() {
    let (_sandbox, client) = fixtures::start().await;
    let items = client.orders().list().page_size(5).items();
    let count = tokio::spawn(async move { items.count().await }).await.unwrap();
    assert_eq!(count as u64, ORDER_COUNT);
}
