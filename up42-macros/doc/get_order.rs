/// Fetches one order.
pub async fn get_order(
    client: &impl Authenticated,
    order_id: &str,
) -> Result<Order, Error> {
    const _: ::core::option::Option<&str> = ::core::option_env!("UP42_OPENAPI");
    static __UP42_ENDPOINT: rt::Endpoint = rt::Endpoint {
        method: rt::Method::GET,
        template: ::core::option::Option::Some("/v2/orders/{order_id}"),
        function: "get_order",
        path: &[
            rt::PathPart::Literal("/v2/orders/"),
            rt::PathPart::Param("order_id"),
        ],
        public: false,
        retry: rt::Retry::IfIdempotent,
        raw: false,
        paging: rt::Paging::None,
        timeout: ::core::option::Option::None,
        content_type: ::core::option::Option::None,
    };
    let mut __up42_request = rt::Request::new(
        &__UP42_ENDPOINT,
    );
    __up42_request.path("order_id", &order_id)?;
    let __up42_response = rt::send(
            client as &dyn rt::Authenticated,
            __up42_request,
        )
        .await?;
    rt::decode_json(
            __up42_response,
            <Order as rt::FromJson>::from_json,
        )
        .await
}
