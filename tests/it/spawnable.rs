//! Every typed future and stream is `Send + 'static`: it borrows neither
//! the client nor its arguments, so it can be kept in a variable, joined
//! with others or spawned. The compiler checks it: each is made (never
//! polled, so nothing is sent) and handed to a function that requires it.

use std::future::IntoFuture;
use std::time::Duration;

use serde_json::json;
use up42::catalog::CatalogSearch;
use up42::orders::NewOrder;
use up42::storage::StacSearch;
use up42::tasking::QuotationDecision;
use up42_testkit::seed;

/// What `tokio::spawn` asks of a future or a stream.
fn spawnable<T: Send + 'static>(_: T) {}

#[test]
fn every_typed_future_and_stream_is_send_and_static() {
    let client = up42::Client::builder()
        .credentials(up42::Credentials::new("user", "password"))
        .token_url("http://127.0.0.1:9/token")
        .api_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let order: NewOrder = serde_json::from_value(seed::archive_order_request("x")).unwrap();
    let inputs = json!({"title": "t", "item": "i"});

    spawnable(client.workspace_id());
    spawnable(client.account().user_info());
    spawnable(client.account().balance());

    let orders = client.orders();
    spawnable(orders.get("o"));
    spawnable(orders.estimate(&order));
    spawnable(orders.place(&order));
    spawnable(orders.cancel("o"));
    spawnable(orders.update("o").tags(["t"]).send());
    spawnable(orders.wait("o").every(Duration::from_secs(1)).into_future());

    let budgets = client.budgets();
    spawnable(budgets.get("b"));
    spawnable(budgets.usage("b"));
    spawnable(budgets.settings());

    let glossary = client.glossary();
    spawnable(glossary.collection("c"));
    spawnable(glossary.schema("p"));
    spawnable(client.catalog().quicklook("h", "s"));

    let tasking = client.tasking();
    spawnable(tasking.coverage("o"));
    spawnable(tasking.quotations().for_order("o"));
    spawnable(tasking.quotations().decide("q", QuotationDecision::Accepted));
    spawnable(tasking.feasibility_studies().for_order("o"));
    spawnable(tasking.feasibility_studies().choose("f", "option"));

    let processing = client.processing();
    spawnable(processing.process("p"));
    spawnable(processing.eula("e"));
    spawnable(processing.validate("p", &inputs));
    spawnable(processing.cost("p", &inputs));
    spawnable(processing.execute("p", &inputs).send());
    spawnable(processing.jobs().get("j"));
    spawnable(processing.jobs().wait("j").into_future());

    let storage = client.storage();
    spawnable(storage.landing_page());
    spawnable(storage.collection("c"));
    spawnable(storage.delete_collection("c"));
    spawnable(storage.item("c", "i"));
    spawnable(storage.update_item("c", "i").title("t").send());
    spawnable(storage.queryables());
    spawnable(storage.download_url("a"));
    spawnable(storage.download("a").to_file("never-written"));
    spawnable(storage.download_order("o").to_dir("never-written").into_future());
    spawnable(
        storage
            .download_items(["i"])
            .to_dir("never-written")
            .progress(|_| {})
            .send(),
    );
    spawnable(
        storage
            .download_collection("c")
            .to_dir("never-written")
            .into_future(),
    );

    // Every list: its one page, its items and its pages.
    spawnable(client.orders().list().send());
    spawnable(client.orders().list().items());
    spawnable(client.orders().list().pages());
    spawnable(client.budgets().list().items());
    spawnable(client.glossary().collections().items());
    spawnable(client.tasking().quotations().list().items());
    spawnable(client.tasking().feasibility_studies().list().items());
    spawnable(client.processing().jobs().list().items());
    spawnable(client.storage().collections().items());
    spawnable(client.storage().items("c").items());
    spawnable(client.storage().search(&StacSearch::new()).items());
    spawnable(client.catalog().search("h", &CatalogSearch::new()).pages());
}
