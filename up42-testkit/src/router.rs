//! Which handler answers which path: the routes of the API host (token
//! endpoint, bearer-checked resources, public ones) and of the storage host.

use std::sync::Arc;

use axum::Router;
use axum::routing::{any, get, post};

use crate::keycloak;
use crate::middleware;
use crate::resources::{account, budgets, catalog, echo, glossary, orders, processing, storage, tasking};
use crate::state::Shared;

/// The API host's routes, before rules and counting.
pub(crate) fn api(shared: &Arc<Shared>) -> Router<Arc<Shared>> {
    // Routes that need a live bearer token.
    let private = Router::new()
        .route(
            "/realms/{realm}/protocol/openid-connect/userinfo",
            get(account::userinfo),
        )
        .route("/v2/payments/balances", get(account::balances))
        .route("/v2/orders", get(orders::list).post(orders::place))
        .route("/v2/orders/estimate", post(orders::estimate))
        .route("/v2/orders/{order_id}", get(orders::get).patch(orders::update))
        .route("/v2/orders/{order_id}/cancellation", post(orders::cancel))
        .route("/v2/coverage/orders/{order_id}", get(orders::coverage))
        .route("/orders/schema/{data_product_id}", get(orders::schema))
        .route("/v2/tasking/quotation", get(tasking::quotations))
        .route(
            "/v2/tasking/quotation/{id}",
            axum::routing::patch(tasking::decide_quotation),
        )
        .route(
            "/v2/tasking/feasibility-studies",
            get(tasking::feasibility_studies),
        )
        .route(
            "/v2/tasking/feasibility-studies/{id}",
            axum::routing::patch(tasking::decide_feasibility),
        )
        .route("/v2/collections/{name}", get(glossary::get))
        .route("/catalog/hosts/{host}/stac/search", post(catalog::search))
        .route(
            "/catalog/{host}/image/{image_id}/quicklook",
            get(catalog::quicklook),
        )
        .route("/v2/catalog/", get(catalog::landing))
        .route("/v2/catalog", get(catalog::landing))
        .route("/v2/catalog/search", post(catalog::catalog_search))
        .route("/v2/catalog/collections", get(catalog::collections))
        .route("/v2/catalog/collections/{name}", get(catalog::collection))
        .route("/v2/assets/stac/", get(storage::landing))
        .route("/v2/assets/stac", get(storage::landing))
        .route("/v2/assets/stac/queryables", get(storage::queryables))
        .route("/v2/assets/stac/search", post(storage::search))
        .route("/v2/assets/stac/collections", get(storage::collections))
        .route(
            "/v2/assets/stac/collections/{collection_id}",
            get(storage::collection).delete(storage::delete_collection),
        )
        .route(
            "/v2/assets/stac/collections/{collection_id}/items",
            get(storage::items),
        )
        .route(
            "/v2/assets/stac/collections/{collection_id}/items/{item_id}",
            get(storage::item).patch(storage::update_item),
        )
        .route("/v2/assets/{asset_id}", get(storage::asset))
        .route("/v2/assets/{asset_id}/download-url", post(storage::download_url))
        .route("/v2/processing/processes/{process_id}", get(processing::process))
        .route(
            "/v2/processing/processes/{process_id}/validation",
            post(processing::validate),
        )
        .route(
            "/v2/processing/processes/{process_id}/cost",
            post(processing::cost),
        )
        .route(
            "/v2/processing/processes/{process_id}/execution",
            post(processing::execute),
        )
        .route("/v2/processing/jobs", get(processing::jobs))
        .route("/v2/processing/jobs/{job_id}", get(processing::job))
        .route("/v2/eulas/{eula_id}", get(processing::eula))
        .route("/v2/budgets", get(budgets::list))
        .route("/v2/budgets/settings", get(budgets::settings))
        .route("/v2/budgets/{budget_id}", get(budgets::get))
        .route("/v2/budgets/{budget_id}/usage", get(budgets::usage))
        .route("/v2/status/{code}", any(echo::status))
        .route("/echo/{*rest}", any(echo::echo_private))
        .route_layer(axum::middleware::from_fn_with_state(
            Arc::clone(shared),
            middleware::require_bearer,
        ));
    Router::new()
        .route(
            "/realms/{realm}/protocol/openid-connect/token",
            post(keycloak::token),
        )
        .route("/v2/collections", get(glossary::list))
        .route("/public/echo/{*rest}", any(echo::echo_public))
        .route("/redirect/{*to}", any(echo::redirect))
        .merge(private)
}

/// The storage host of signed download URLs: no token.
pub(crate) fn storage() -> Router<Arc<Shared>> {
    Router::new().route("/storage/{asset_id}", get(storage::storage))
}
