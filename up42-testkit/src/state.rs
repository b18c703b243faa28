//! What the sandbox remembers: its settings, the tokens it issued, and the
//! world of each workspace (orders, tasking, storage, jobs, budgets). Data
//! only: the handlers change it, the shapes module renders it. Token expiry
//! runs on tokio's clock, so a test that pauses and advances time moves the
//! sandbox's clock with its own.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use crate::assets::Asset;
use crate::counters::AtomicCounters;
use crate::faults::Faults;
use crate::journal::Recorded;
use crate::lock::lock;
use crate::mock::Rules;

/// A schedule: each status shown for that many observations, then the last for good.
#[derive(Debug, Clone)]
pub(crate) struct Schedule {
    pub(crate) steps: Vec<(String, u32)>,
    pub(crate) last: String,
}

impl Schedule {
    pub(crate) fn new(steps: &[(&str, u32)], last: &str) -> Schedule {
        Schedule {
            steps: steps.iter().map(|(s, n)| (s.to_string(), *n)).collect(),
            last: last.to_string(),
        }
    }

    /// The status after `seen` observations.
    pub(crate) fn at(&self, seen: u32) -> &str {
        let mut shown = 0;
        for (status, times) in &self.steps {
            shown += times;
            if seen < shown {
                return status;
            }
        }
        &self.last
    }
}

/// How the sandbox behaves; set with [`SandboxBuilder`](crate::SandboxBuilder).
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// The users at start; [`Store::users`] holds them while the sandbox runs.
    pub(crate) users: HashMap<String, String>,
    /// The OAuth clients the token endpoint serves.
    pub(crate) client_ids: Vec<String>,
    pub(crate) access_lifetime: Duration,
    /// `None`: no refresh tokens are issued.
    pub(crate) refresh_lifetime: Option<Duration>,
    /// Reusing a refresh token after it was exchanged answers `Stale token`.
    pub(crate) rotate_refresh_tokens: bool,
    /// Serve HTTPS with a certificate made at start.
    pub(crate) https: bool,
    /// The seed of the random draws of latency ranges and failure rates.
    pub(crate) seed: u64,
    /// The statuses a placed (or accepted tasking) order shows on each fetch.
    pub(crate) order_schedule: Schedule,
    /// How many observations of a tasking order pass before UP42 uploads its
    /// feasibility study or quotation.
    pub(crate) tasking_upload_after: u32,
    /// The statuses an executed processing job shows on each fetch.
    pub(crate) job_schedule: Schedule,
}

/// Where a tasking order waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TaskingStage {
    /// UP42 prepares a feasibility study.
    FeasibilityUpload,
    /// The user chooses an option of the study.
    FeasibilityResponse,
    /// UP42 prepares a quotation.
    QuotationUpload,
    /// The user accepts or rejects the quotation.
    QuotationResponse,
}

/// How an order moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderFlow {
    /// It stays as it is.
    Settled,
    /// Along the order schedule, one step per fetch.
    Scheduled { polls: u32 },
    /// A tasking order at `stage`, observed `polls` times there.
    Tasking { stage: TaskingStage, polls: u32 },
}

/// An order the sandbox knows.
#[derive(Debug, Clone)]
pub(crate) struct OrderRecord {
    /// The order as UP42 shows it.
    pub(crate) value: Value,
    pub(crate) flow: OrderFlow,
}

/// A processing job and how often it was fetched.
#[derive(Debug, Clone)]
pub(crate) struct JobRecord {
    /// The job as UP42 shows it.
    pub(crate) value: Value,
    /// `None` for jobs that stay as they are.
    pub(crate) polls: Option<u32>,
}

/// A STAC collection of the storage and its items.
#[derive(Debug, Clone)]
pub(crate) struct StacRecord {
    pub(crate) collection: Value,
    pub(crate) items: Vec<Value>,
}

/// The resources of every workspace, kept in UP42's shapes.
#[derive(Default)]
pub(crate) struct World {
    /// Orders, in the order they were made.
    pub(crate) orders: Vec<OrderRecord>,
    pub(crate) quotations: Vec<Value>,
    pub(crate) feasibility_studies: Vec<Value>,
    /// The storage: seeded on first use, see [`World::storage`].
    storage: Storage,
    /// Fills the storage with the seeded deliveries when it is first used:
    /// building them costs most of a sandbox's start, and many tests never
    /// look.
    pending_storage: Option<Seeder>,
    pub(crate) jobs: Vec<JobRecord>,
    pub(crate) budgets: Vec<Value>,
    /// Credits left in the account (`GET /v2/payments/balances`).
    pub(crate) balance: i64,
    pub(crate) budget_enforcement: bool,
}

/// STAC collections and the assets they point at.
#[derive(Default)]
pub(crate) struct Storage {
    /// STAC collections, in the order they were made.
    pub(crate) stac: Vec<StacRecord>,
    /// Asset id to what the storage host serves.
    pub(crate) assets: HashMap<String, Asset>,
}

/// What fills a world's storage when it is first used.
pub(crate) type Seeder = Box<dyn FnOnce(&mut Storage) + Send>;

impl World {
    /// A world whose storage `seeder` fills when it is first used.
    pub(crate) fn with_storage(mut self, seeder: Seeder) -> World {
        self.pending_storage = Some(seeder);
        self
    }

    /// The storage, seeded first if this is its first use.
    pub(crate) fn storage(&mut self) -> &mut Storage {
        if let Some(seeder) = self.pending_storage.take() {
            seeder(&mut self.storage);
        }
        &mut self.storage
    }
}

pub(crate) struct IssuedAccess {
    pub(crate) username: String,
    pub(crate) expires_at: Instant,
}

pub(crate) struct IssuedRefresh {
    pub(crate) username: String,
    pub(crate) session: String,
    pub(crate) expires_at: Option<Instant>,
    /// Already exchanged for a newer refresh token.
    pub(crate) used: bool,
}

/// The world, built on first use: a sandbox that only serves tokens never
/// pays for it, and `Sandbox::start` stays as fast as before the world grew.
pub(crate) struct LazyWorld {
    world: std::cell::OnceCell<World>,
    base_url: String,
    seeder: fn(&str) -> World,
}

impl LazyWorld {
    /// The world `seeder` makes for a sandbox at `base_url`, once needed.
    pub(crate) fn new(base_url: &str, seeder: fn(&str) -> World) -> LazyWorld {
        LazyWorld {
            world: std::cell::OnceCell::new(),
            base_url: base_url.to_string(),
            seeder,
        }
    }
}

impl std::ops::Deref for LazyWorld {
    type Target = World;

    fn deref(&self) -> &World {
        self.world.get_or_init(|| (self.seeder)(&self.base_url))
    }
}

impl std::ops::DerefMut for LazyWorld {
    fn deref_mut(&mut self) -> &mut World {
        if self.world.get().is_none() {
            let _ = self.world.set((self.seeder)(&self.base_url));
        }
        match self.world.get_mut() {
            Some(world) => world,
            None => unreachable!("the world was set just above"),
        }
    }
}

impl Default for LazyWorld {
    fn default() -> LazyWorld {
        LazyWorld::new("", |_| World::default())
    }
}

/// Users, issued tokens and the world, behind one lock.
#[derive(Default)]
pub(crate) struct Store {
    /// Username to password.
    pub(crate) users: HashMap<String, String>,
    pub(crate) access: HashMap<String, IssuedAccess>,
    pub(crate) refresh: HashMap<String, IssuedRefresh>,
    pub(crate) ended_sessions: HashSet<String>,
    pub(crate) last_token_form: Option<Vec<(String, String)>>,
    /// Numbers new ids and sessions.
    pub(crate) serial: u64,
    pub(crate) world: LazyWorld,
}

impl Store {
    /// The next serial number.
    pub(crate) fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }
}

/// Everything the handlers share.
pub(crate) struct Shared {
    pub(crate) config: Config,
    /// `http://127.0.0.1:PORT`, known once bound.
    pub(crate) base_url: String,
    pub(crate) store: Mutex<Store>,
    pub(crate) counters: AtomicCounters,
    /// Every request, in order.
    pub(crate) journal: Mutex<Vec<Recorded>>,
    /// The rules the test mounted, injected faults among them.
    pub(crate) rules: Rules,
    /// The conditions of each side: delays, latency, failure rates.
    pub(crate) faults: Faults,
    /// `http://127.0.0.1:PORT` of the storage host, known once bound.
    pub(crate) storage_url: std::sync::OnceLock<String>,
}

impl Shared {
    /// The tokens, users and world, locked.
    pub(crate) fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        lock(&self.store)
    }

    /// The journal, locked.
    pub(crate) fn journal(&self) -> std::sync::MutexGuard<'_, Vec<Recorded>> {
        lock(&self.journal)
    }

    /// `base_url` + `path`: the absolute URL UP42 writes into hrefs.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}
