//! Deliveries: every file of an order, of some items or of a collection,
//! onto disk as `DIR/<item id>/<file name>`, complete and verified,
//! resumable, several files at a time. See [`Storage::download_order`].
//!
//! A run plans (the items, a safe name for each file), then delivers each
//! file on its own: skipped when an earlier run finished it, resumed from
//! partial data, fetched again when cut, checked against every checksum,
//! renamed to its final name only then. A manifest in the directory
//! (`.up42-delivery.json`) remembers what runs finished and began.

mod checksum;
mod manifest;
mod names;
mod progress;
mod report;
mod transfer;

use std::collections::BTreeMap;
use std::future::{Future, IntoFuture};
use std::path::PathBuf;
use std::pin::Pin;

use futures_util::{StreamExt, TryStreamExt};
use up42_auth::Url;

pub use report::{DeliveredFile, DeliveryProgress, DeliveryReport, FileOutcome, FileProgress};

use super::{StacAsset, StacItem, StacSearch, Storage};
use crate::client::Client;
use crate::ids::{OrderId, StacCollectionId, StacItemId};
use crate::{Error, Result};
use manifest::Manifest;
use names::Taken;
use progress::{ProgressFn, Tracker};
use transfer::{Context, Job};

/// What files a delivery covers.
#[derive(Debug)]
enum Source {
    Order(OrderId),
    Items(Vec<DeliveryItem>),
    Collection(StacCollectionId),
}

/// An item to deliver, for [`Storage::download_items`]: its id (the item
/// is looked up), or the item itself.
#[derive(Debug, Clone)]
pub struct DeliveryItem(ItemRef);

#[derive(Debug, Clone)]
enum ItemRef {
    Id(StacItemId),
    Item(Box<StacItem>),
}

impl From<StacItemId> for DeliveryItem {
    fn from(id: StacItemId) -> Self {
        DeliveryItem(ItemRef::Id(id))
    }
}

impl From<&StacItemId> for DeliveryItem {
    fn from(id: &StacItemId) -> Self {
        DeliveryItem(ItemRef::Id(id.clone()))
    }
}

impl From<&str> for DeliveryItem {
    fn from(id: &str) -> Self {
        DeliveryItem(ItemRef::Id(id.into()))
    }
}

impl From<String> for DeliveryItem {
    fn from(id: String) -> Self {
        DeliveryItem(ItemRef::Id(id.into()))
    }
}

impl From<StacItem> for DeliveryItem {
    fn from(item: StacItem) -> Self {
        DeliveryItem(ItemRef::Item(Box::new(item)))
    }
}

impl From<&StacItem> for DeliveryItem {
    fn from(item: &StacItem) -> Self {
        DeliveryItem(ItemRef::Item(Box::new(item.clone())))
    }
}

impl Storage {
    /// Every file of every STAC item the order `order` delivered, onto disk:
    /// set the directory with [`to_dir`](Delivery::to_dir), then `.await` it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> up42::Result<()> {
    /// # let sandbox = up42_testkit::Sandbox::start().await;
    /// # let client = up42::Client::from(sandbox.client()?);
    /// # let order_id = up42_testkit::seed::MULTI_ITEM_ORDER_ID;
    /// # let scratch = tempfile::tempdir().unwrap();
    /// # let dir = scratch.path().join("deliveries");
    /// let report = client
    ///     .storage()
    ///     .download_order(order_id)
    ///     .to_dir(&dir)
    ///     .concurrency(4)
    ///     .progress(|p| eprint!("\r{} of {} bytes, {}/{} files", p.bytes, p.total_bytes, p.files_done, p.files_total))
    ///     .await?;
    /// for file in &report.files {
    ///     println!("{} {} ({} bytes)", file.outcome.name(), file.path.display(), file.bytes);
    /// }
    /// assert!(report.is_complete());
    ///
    /// // Again: nothing is fetched, every file is read and found complete.
    /// let again = client.storage().download_order(order_id).to_dir(&dir).await?;
    /// assert!(again.files.iter().all(|f| matches!(f.outcome, up42::storage::FileOutcome::Skipped)));
    /// # Ok(()) }
    /// ```
    pub fn download_order(&self, order: impl Into<OrderId>) -> Delivery<'static> {
        Delivery::new(self.client.clone(), Source::Order(order.into()))
    }

    /// Every file of these STAC items (ids, or items already fetched).
    pub fn download_items<I: Into<DeliveryItem>>(
        &self,
        items: impl IntoIterator<Item = I>,
    ) -> Delivery<'static> {
        let items = items.into_iter().map(Into::into).collect();
        Delivery::new(self.client.clone(), Source::Items(items))
    }

    /// Every file of every item of a STAC collection (a delivery, or a job's results).
    pub fn download_collection(&self, collection: impl Into<StacCollectionId>) -> Delivery<'static> {
        Delivery::new(self.client.clone(), Source::Collection(collection.into()))
    }
}

/// A delivery of files to a directory, from [`Storage::download_order`],
/// [`download_items`](Storage::download_items) or
/// [`download_collection`](Storage::download_collection).
///
/// Files go to `DIR/<item id>/<file name>`. The name is the one storage
/// gives the file (the signed URL's `response-content-disposition`), else
/// the href's last segment, else the asset's key with the extension of its
/// media type; made safe (no separator, `..`, leading dot, control or
/// bidirectional character, at most 200 bytes), and told apart from a name
/// another file of the item already has. Nothing is written outside `DIR`,
/// and no link is followed.
///
/// What is on disk is never lost: a file at a final name that a delivery
/// did not write (or that changed since) is kept and reported `Failed`,
/// unless [`overwrite`](Self::overwrite) is set; a final name only ever
/// holds a complete, verified file. Partial data (`.<name>.up42-part`
/// beside it) survives a failure, a timeout, Ctrl-C or a killed process,
/// and the next run resumes it.
#[must_use = "a delivery does nothing until it is awaited"]
pub struct Delivery<'a> {
    client: Client,
    source: Source,
    dir: Option<PathBuf>,
    concurrency: usize,
    overwrite: bool,
    progress: Option<ProgressFn<'a>>,
}

impl std::fmt::Debug for Delivery<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("source", &self.source)
            .field("dir", &self.dir)
            .field("concurrency", &self.concurrency)
            .field("overwrite", &self.overwrite)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// Files delivered at once unless [`Delivery::concurrency`] says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 4;

impl<'a> Delivery<'a> {
    fn new(client: Client, source: Source) -> Self {
        Delivery {
            client,
            source,
            dir: None,
            concurrency: DEFAULT_CONCURRENCY,
            overwrite: false,
            progress: None,
        }
    }

    /// The directory the files go to (required): made if missing.
    pub fn to_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// How many files are fetched at once (default [`DEFAULT_CONCURRENCY`],
    /// at least 1). They share the client's connection pool and rate limit.
    pub fn concurrency(mut self, files: usize) -> Self {
        self.concurrency = files.max(1);
        self
    }

    /// Whether a file at a final name that this delivery did not write (or
    /// that changed since) is replaced (default `false`: it is kept, and
    /// the file is `Failed`).
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Calls `report` as the delivery moves on: bytes done and in all, files
    /// done and in all, and the file that moved.
    pub fn progress<'b>(self, report: impl FnMut(&DeliveryProgress) + Send + 'b) -> Delivery<'b> {
        Delivery {
            client: self.client,
            source: self.source,
            dir: self.dir,
            concurrency: self.concurrency,
            overwrite: self.overwrite,
            progress: Some(Box::new(report)),
        }
    }

    /// Delivers every file; one that fails never stops the others (see the
    /// report). Fails only when nothing could be tried: no directory was
    /// set or it cannot be written (or another delivery is writing into
    /// it), the order, collection or an item is unknown, or the order has
    /// delivered nothing yet.
    pub async fn send(self) -> Result<DeliveryReport> {
        let dir = self.dir.ok_or_else(|| {
            Error::invalid_argument(
                "dir",
                "a delivery needs a directory: call `to_dir(path)` before sending it",
            )
        })?;
        let items = items(&self.client, self.source).await?;
        let manifest = Manifest::open(&dir)?;
        let jobs = plan(&self.client, &manifest, &items, self.concurrency).await;
        let sizes = jobs.iter().map(|job| (job.relative.clone(), job.declared_size));
        let tracker = Tracker::new(self.progress, sizes);
        let cx = Context {
            client: &self.client,
            dir: &dir,
            manifest: &manifest,
            overwrite: self.overwrite,
            progress: &tracker,
        };
        let mut files: Vec<DeliveredFile> = futures_util::stream::iter(jobs)
            .map(|job| transfer::deliver(&cx, job))
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(DeliveryReport { files })
    }
}

impl<'a> IntoFuture for Delivery<'a> {
    type Output = Result<DeliveryReport>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<DeliveryReport>> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// The items `source` names, fetched.
async fn items(client: &Client, source: Source) -> Result<Vec<StacItem>> {
    let storage = client.storage();
    match source {
        Source::Order(order) => {
            let status = client.orders().get(order.clone()).await?.status;
            let items: Vec<StacItem> = storage
                .search(&StacSearch::new().order(order.clone()))
                .collect()
                .await?;
            if items.is_empty() {
                let reason = format!(
                    "order {order} has delivered nothing yet (it is {status}); wait for it to be fulfilled"
                );
                return Err(Error::invalid_argument("order", reason));
            }
            Ok(items)
        }
        Source::Collection(collection) => storage.items(collection).collect().await,
        Source::Items(given) => {
            let ids: Vec<StacItemId> = given
                .iter()
                .filter_map(|item| match &item.0 {
                    ItemRef::Id(id) => Some(id.clone()),
                    ItemRef::Item(_) => None,
                })
                .collect();
            let mut found: BTreeMap<StacItemId, StacItem> = BTreeMap::new();
            if !ids.is_empty() {
                let search = StacSearch::new().ids(ids.iter().cloned());
                let mut stream = std::pin::pin!(storage.search(&search).items());
                while let Some(item) = stream.try_next().await? {
                    found.insert(item.id.clone(), item);
                }
            }
            given
                .into_iter()
                .map(|item| match item.0 {
                    ItemRef::Item(item) => Ok(*item),
                    ItemRef::Id(id) => found
                        .get(&id)
                        .cloned()
                        .ok_or_else(|| Error::invalid_argument("items", format!("storage has no item {id}"))),
                })
                .collect()
        }
    }
}

/// A signed URL of `asset`, for its name; `None` when there is no asset or
/// signing failed (the file's own attempts sign again, and say why).
async fn signed_url(client: Client, asset: Option<crate::ids::AssetId>) -> Option<Url> {
    let url = client.storage().download_url(asset?).await.ok()?;
    Url::parse(&url.url).ok()
}

/// An asset on its way to being a [`Job`].
struct Pending<'i> {
    item: &'i StacItem,
    key: &'i str,
    asset: &'i StacAsset,
    /// Its path, when the manifest has one from an earlier run.
    known: Option<String>,
}

/// The jobs of `items`: a file for every asset with an http(s) href, each
/// with a path no other file of its item has, the one an earlier run gave
/// it when there was one (so that it is found again); the others signed,
/// `concurrency` at a time, for the name storage gives them.
async fn plan(client: &Client, manifest: &Manifest, items: &[StacItem], concurrency: usize) -> Vec<Job> {
    let pending: Vec<Pending> = items
        .iter()
        .flat_map(|item| item.assets.iter().map(move |(key, asset)| (item, key, asset)))
        .filter(|(_, _, asset)| asset.href.starts_with("https://") || asset.href.starts_with("http://"))
        .map(|(item, key, asset)| {
            let known = manifest
                .find(item.id.as_str(), key)
                .filter(|(_, entry)| {
                    entry.asset_id.as_deref() == asset.asset_id().as_ref().map(|a| a.as_str())
                })
                .map(|(path, _)| path);
            Pending {
                item,
                key,
                asset,
                known,
            }
        })
        .collect();
    let to_sign: Vec<_> = pending
        .iter()
        .map(|p| p.asset.asset_id().filter(|_| p.known.is_none()))
        .collect();
    let signed: Vec<Option<Url>> = futures_util::stream::iter(to_sign)
        .map(|asset| signed_url(client.clone(), asset))
        .buffered(concurrency)
        .collect()
        .await;
    let mut taken: BTreeMap<String, Taken> = BTreeMap::new();
    for path in manifest.paths() {
        if let Some((dir, name)) = path.split_once('/') {
            taken.entry(dir.to_string()).or_default().take(name);
        }
    }
    pending
        .into_iter()
        .zip(signed)
        .map(|(p, signed)| {
            let dir = names::item_dir(p.item.id.as_str());
            let relative = p.known.unwrap_or_else(|| {
                let name = names::file_name(
                    signed.as_ref(),
                    &p.asset.href,
                    p.key,
                    p.asset.media_type.as_deref(),
                );
                format!(
                    "{dir}/{}",
                    taken.entry(dir.clone()).or_default().claim(name, p.key)
                )
            });
            let declared = p.asset.extra.get("file:checksum").and_then(|v| v.as_str());
            Job {
                item: p.item.id.clone(),
                asset: p.key.to_string(),
                asset_id: p.asset.asset_id(),
                href: p.asset.href.clone(),
                signed,
                relative,
                declared: declared.and_then(checksum::multihash).into_iter().collect(),
                declared_size: p.asset.extra.get("file:size").and_then(|v| v.as_u64()),
            }
        })
        .collect()
}
