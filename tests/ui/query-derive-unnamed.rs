use serde::Serialize;
use up42_auth::Query;

#[derive(Serialize, Query)]
struct Tuple(u32);

#[derive(Serialize, Query)]
struct Flattened {
    #[serde(flatten)]
    rest: std::collections::BTreeMap<String, String>,
}

#[derive(Serialize, Query)]
#[serde(rename_all = "Title Case")]
struct BadRule {
    page_size: u32,
    #[query(joined)]
    ids: Vec<String>,
}

fn main() {}
