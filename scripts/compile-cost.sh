#!/usr/bin/env bash
# Compile cost of #[up42_endpoint]: a crate with N endpoints declared with the
# macro against the same N endpoints written by hand with reqwest, each built
# from clean in the same (dev) profile once their dependencies are built; N
# endpoints checked against UP42's catalogue against the same N `unchecked`;
# and the build time of the macro crate itself.
#
#   scripts/compile-cost.sh [N]     (N defaults to 200)
set -euo pipefail

n="${1:-200}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

crates="with-macro by-hand checked unchecked"
for crate in $crates; do mkdir -p "$work/$crate/src"; done
cat > "$work/Cargo.toml" <<TOML
[workspace]
members = ["with-macro", "by-hand", "checked", "unchecked"]
resolver = "3"
TOML
for crate in $crates; do
  cat > "$work/$crate/Cargo.toml" <<TOML
[package]
name = "$crate"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
up42-auth = { path = "$root/up42-auth" }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
TOML
done
cp "$root/Cargo.lock" "$work/Cargo.lock"

common='use serde::Deserialize;
use up42_auth::{Error, Up42Client};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Thing {
    pub id: String,
    pub display_name: Option<String>,
    pub tags: Vec<String>,
}
'

{
  echo "$common"
  echo "use up42_auth::up42_endpoint;"
  for i in $(seq 1 "$n"); do
    cat <<RS

#[up42_endpoint(GET, "/v2/things$i/{thing_id}", unchecked)]
pub async fn get_thing_$i(client: &Up42Client, thing_id: &str, #[query] page: Option<u32>) -> Result<Thing, Error>;
RS
  done
} > "$work/with-macro/src/lib.rs"

{
  echo "$common"
  cat <<'RS'
use up42_auth::Authenticated;

pub type HandError = Box<dyn std::error::Error + Send + Sync>;
RS
  for i in $(seq 1 "$n"); do
    cat <<RS

pub async fn get_thing_$i(client: &Up42Client, thing_id: &str, page: Option<u32>) -> Result<Thing, HandError> {
    let token = client.access_token().await?;
    let mut url = client.api_url().clone();
    url.path_segments_mut().map_err(|_| "base URL cannot have a path")?.pop_if_empty().push("v2").push("things$i").push(thing_id);
    if let Some(page) = page {
        url.query_pairs_mut().append_pair("page", &page.to_string());
    }
    let response = client
        .http_client()
        .get(url)
        .header(up42_auth::reqwest::header::AUTHORIZATION, token.bearer_header().clone())
        .send()
        .await?;
    if response.status() == up42_auth::reqwest::StatusCode::UNAUTHORIZED {
        client.token_cache().report_rejected(&token);
        return Err("the token was rejected".into());
    }
    let body = response.error_for_status()?.bytes().await?;
    Ok(serde_json::from_slice(&body)?)
}
RS
  done
} > "$work/by-hand/src/lib.rs"

# Real UP42 paths, so that the checked crate passes the check.
for variant in checked unchecked; do
  option=""
  [ "$variant" = unchecked ] && option=", unchecked"
  {
    echo "$common"
    echo "use up42_auth::up42_endpoint;"
    for i in $(seq 1 $((n / 2))); do
      cat <<RS

#[up42_endpoint(GET, "/v2/orders/{order_id}"$option)]
pub async fn get_order_$i(client: &Up42Client, order_id: &str) -> Result<Thing, Error>;

#[up42_endpoint(GET, "/v2/orders"$option)]
pub async fn list_orders_$i(client: &Up42Client, #[query("workspaceId")] workspace_id: &str, #[query] page: Option<u32>) -> Result<Thing, Error>;
RS
    done
  } > "$work/$variant/src/lib.rs"
done

cd "$work"
echo "building dependencies once..."
cargo build --quiet --workspace

seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}

cargo clean --quiet -p with-macro
macro_time=$(seconds cargo build -p with-macro)
cargo clean --quiet -p by-hand
hand_time=$(seconds cargo build -p by-hand)
cargo clean --quiet -p checked
checked_time=$(seconds cargo build -p checked)
cargo clean --quiet -p unchecked
unchecked_time=$(seconds cargo build -p unchecked)
cargo clean --quiet -p up42-macros
macro_crate_time=$(seconds cargo build -p up42-macros)

echo
echo "| crate | build from clean (dev profile) |"
echo "|---|---|"
echo "| $n endpoints with #[up42_endpoint] | ${macro_time} s |"
echo "| $n endpoints by hand with reqwest | ${hand_time} s |"
echo "| $n endpoints checked against the catalogue | ${checked_time} s |"
echo "| the same $n endpoints \`unchecked\` | ${unchecked_time} s |"
echo "| up42-macros itself | ${macro_crate_time} s |"
awk -v m="$macro_time" -v h="$hand_time" 'BEGIN { printf "\nRatio macro / hand-written: %.2f\n", m / h }'
awk -v c="$checked_time" -v u="$unchecked_time" 'BEGIN { printf "Ratio checked / unchecked: %.2f\n", c / u }'
