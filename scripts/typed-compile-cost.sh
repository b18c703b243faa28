#!/usr/bin/env bash
# Compile cost of the typed client:
# 1. `up42` itself with all features, debug, from clean once its
#    dependencies are built (and `cargo build --timings` for the details);
# 2. a user crate with 20 typed calls: built once, then rebuilt after a
#    one-line change, which is what a developer waits for.
#
#   scripts/typed-compile-cost.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# The wall time of a command, in seconds with milliseconds.
seconds() {
  local start end ms
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s%N)
  ms=$(((end - start) / 1000000))
  printf "%d.%03d" $((ms / 1000)) $((ms % 1000))
}

cargo build -q -p up42 --all-features
cargo clean -q -p up42
echo "up42 (all features, debug) from clean: $(seconds cargo build -p up42 --all-features --timings) s"
echo "  details: target/cargo-timings/cargo-timing.html"

work="$root/target/typed-compile-cost"
mkdir -p "$work/src"
cat > "$work/Cargo.toml" <<TOML
[package]
name = "twenty-typed-calls"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
up42 = { path = "$root/up42" }
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
futures-util = "0.3"

[workspace]
TOML
cp "$root/Cargo.lock" "$work/Cargo.lock"
cat > "$work/src/main.rs" <<'RUST'
use futures_util::TryStreamExt;

#[tokio::main]
async fn main() -> up42::Result<()> {
    let client = up42::Client::builder().credentials(up42::Credentials::discover()?).build()?;
    let order = client.orders().get("an-order").await?;
    let orders: Vec<_> = client.orders().list().status([up42::orders::OrderStatus::Fulfilled]).items().try_collect().await?;
    let page = client.orders().list().page_size(50).send().await?;
    let cancellation = client.orders().cancel("an-order").await?;
    let updated = client.orders().update("an-order").tags(["a"]).send().await?;
    let quotations: Vec<_> = client.tasking().quotations().list().order("an-order").items().try_collect().await?;
    let studies: Vec<_> = client.tasking().feasibility_studies().list().items().try_collect().await?;
    let coverage = client.tasking().coverage("an-order").await?;
    let collections: Vec<_> = client.glossary().collections().items().try_collect().await?;
    let schema = client.glossary().schema("a-product").await?;
    let budgets: Vec<_> = client.budgets().list().items().try_collect().await?;
    let budget = client.budgets().get("a-budget").await?;
    let settings = client.budgets().settings().await?;
    let jobs: Vec<_> = client.processing().jobs().list().items().try_collect().await?;
    let job = client.processing().jobs().get("a-job").await?;
    let process = client.processing().process("a-process").await?;
    let stac: Vec<_> = client.storage().collections().items().try_collect().await?;
    let item = client.storage().item("a-collection", "an-item").await?;
    let balance = client.account().balance().await?;
    let me = client.account().user_info().await?;
    println!("{order:?} {} {:?} {cancellation:?} {updated:?} {} {} {coverage:?}", orders.len(), page.total_elements, quotations.len(), studies.len());
    println!("{} {schema} {} {budget:?} {settings:?} {} {job:?} {process:?} {} {item:?} {balance:?} {me:?}", collections.len(), budgets.len(), jobs.len(), stac.len());
    println!("change 0");
    Ok(())
}
RUST
export CARGO_TARGET_DIR="$work/target"
(cd "$work" && cargo build -q)
for change in 1 2 3; do
  sed -i "s/println!(\"change [0-9]*\")/println!(\"change $change\")/" "$work/src/main.rs"
  echo "user crate with 20 typed calls, rebuilt after a one-line change (run $change): $(cd "$work" && seconds cargo build) s"
done
