//! The list terminals every paged resource shares, on orders: one page,
//! every item, every page, pages in flight at once, and the filters as
//! UP42's query parameters.

use futures_util::{StreamExt, TryStreamExt};
use up42::catalog::CatalogSearch;
use up42::list::{Direction, List, ListQuery, PageSize};
use up42::orders::{OrderSortField, OrderStatus, OrderType};
use up42::storage::StacSearch;
use up42_testkit::seed::{self, ORDER_COUNT};

use crate::fixtures::{self, queries};

#[tokio::test]
async fn send_answers_one_page_with_the_lists_totals() {
    let (sandbox, client) = fixtures::start().await;
    let page = client.orders().list().page_size(10).page(2).send().await.unwrap();
    assert_eq!(page.items.len(), (ORDER_COUNT - 20) as usize);
    assert_eq!(page.total_elements, Some(ORDER_COUNT));
    assert_eq!(page.total_pages, Some(ORDER_COUNT.div_ceil(10)));
    assert_eq!(page.number, 2);
    assert!(!page.has_next());
    assert_eq!(queries(&sandbox, "/v2/orders"), ["size=10&page=2"]);
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
        ["size=7&page=0", "size=7&page=1", "size=7&page=2", "size=7&page=3"]
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
        pages.iter().map(|p| p.items.len()).sum::<usize>() as u64,
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

/// Calls every terminal on one list: `send` (the first page), `pages`,
/// `items` with pages in flight, `collect`; all agree on what the list holds.
async fn every_terminal<Q: ListQuery>(make: impl Fn() -> List<Q>) -> usize
where
    Q::Item: std::fmt::Debug,
{
    let first = make().send().await.unwrap();
    let pages: Vec<_> = make().pages().try_collect().await.unwrap();
    let items: Vec<_> = make().concurrent_pages(3).items().try_collect().await.unwrap();
    let collected = make().collect().await.unwrap();
    assert_eq!(collected.len(), items.len());
    assert_eq!(first.number, 0);
    assert_eq!(pages.first().map(|p| p.items.len()), Some(first.items.len()));
    assert_eq!(pages.iter().map(|p| p.items.len()).sum::<usize>(), items.len());
    assert!(!pages.last().unwrap().has_next());
    if let Some(total) = first.total_elements {
        assert_eq!(total, items.len() as u64);
    }
    items.len()
}

/// The same, two items a page, so that every list walks several pages.
async fn every_terminal_sized<Q: ListQuery + PageSize>(make: impl Fn() -> List<Q>) -> usize
where
    Q::Item: std::fmt::Debug,
{
    let count = every_terminal(|| make().page_size(2)).await;
    let pages: Vec<_> = make().page_size(2).pages().try_collect().await.unwrap();
    assert_eq!(pages.len(), count.div_ceil(2).max(1), "two items a page");
    count
}

#[tokio::test]
async fn every_list_is_one_shape_with_every_terminal() {
    let (_sandbox, client) = fixtures::start().await;
    let counts = [
        every_terminal_sized(|| client.orders().list()).await,
        every_terminal_sized(|| client.budgets().list()).await,
        every_terminal(|| client.glossary().collections()).await,
        every_terminal_sized(|| client.tasking().quotations().list()).await,
        every_terminal_sized(|| client.tasking().feasibility_studies().list()).await,
        every_terminal_sized(|| client.processing().jobs().list()).await,
        every_terminal_sized(|| client.storage().collections()).await,
        every_terminal_sized(|| client.storage().items(seed::STAC_COLLECTION_ID)).await,
        every_terminal_sized(|| client.storage().search(&StacSearch::new())).await,
        every_terminal_sized(|| client.catalog().search(seed::CATALOG_HOST, &CatalogSearch::new())).await,
    ];
    assert_eq!(counts[0] as u64, ORDER_COUNT);
    assert_eq!(counts[5] as u64, seed::JOB_COUNT);
    assert!(counts.iter().all(|&count| count > 0), "{counts:?}");
}

#[tokio::test]
async fn linked_pages_are_reached_by_walking_not_by_number() {
    let (_sandbox, client) = fixtures::start().await;
    let error = client
        .processing()
        .jobs()
        .list()
        .page(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), up42::ErrorKind::InvalidArgument);
    assert!(
        error.to_string().contains("links each page to the next"),
        "{error}"
    );
}

#[tokio::test]
async fn collect_holds_a_bounded_number_of_bytes() {
    let sandbox = up42_testkit::Sandbox::start().await;
    let client = up42::Client::from(sandbox.client().unwrap());
    let all = client
        .orders()
        .list()
        .page_size(5)
        .concurrent_pages(2)
        .collect()
        .await
        .unwrap();
    assert_eq!(all.len() as u64, ORDER_COUNT);

    // A 1 KiB answer limit: the pages collected may add up to 8 KiB, and 25
    // orders one a page are more than that.
    let small = up42::Client::from(sandbox.client_builder().max_response_size(1024).build().unwrap());
    let error = small.orders().list().page_size(1).collect().await.unwrap_err();
    assert_eq!(error.kind(), up42::ErrorKind::MalformedResponse);
    assert!(
        error.to_string().contains("more than one call holds in memory"),
        "{error}"
    );
    // Streaming the same list holds a page at a time, and is not bounded.
    let streamed: Vec<_> = small
        .orders()
        .list()
        .page_size(1)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed.len() as u64, ORDER_COUNT);
}

#[tokio::test]
async fn a_list_being_read_cannot_start_over_as_pages() {
    let (_sandbox, client) = fixtures::start().await;
    let mut items = client.orders().list().items();
    items.next().await.unwrap().unwrap();
    let pages: Vec<_> = items.pages().collect().await;
    assert_eq!(pages.len(), 1);
    let error = pages.into_iter().next().unwrap().unwrap_err();
    assert_eq!(error.kind(), up42::ErrorKind::InvalidArgument);
    assert!(error.to_string().contains("make the list again"), "{error}");
}
