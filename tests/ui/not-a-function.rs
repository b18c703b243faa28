use up42_auth::up42_endpoint;

#[up42_endpoint(GET, "/v2/collections")]
struct Collections;

// The struct is still there: no "cannot find" error follows.
fn main() {
    let _ = Collections;
}
