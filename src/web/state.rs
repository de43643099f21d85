//! The state every handler shares, built once by `app` and cheap to clone.

use std::sync::Arc;

use super::rate_limit::Limits;
use crate::admin::feed::{ChangeFeed, Subscriptions};
use crate::analytics::service::Analytics;
use crate::catalog::cache::CatalogCache;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::posters::MediaDir;
use crate::queue::Queue;

pub struct AppState {
    pub db: Db,
    pub config: Config,
    pub clock: Clock,
    pub base_url: url::Url,
    /// Key for deriving CSRF tokens from session ids; shared by every process via the database.
    pub csrf_key: Vec<u8>,
    /// The app secret two-factor secrets are encrypted under (a key derived from it).
    pub totp_key: Vec<u8>,
    pub limits: Limits,
    pub queue: Queue,
    /// This process's page caches; cleared after commits that touch what they show.
    pub catalog: Arc<CatalogCache>,
    /// The analytics snapshot and the refresh policy.
    pub analytics: Arc<Analytics>,
    /// Staff tables' changes, followed once for every open event stream of this process.
    pub feed: Arc<ChangeFeed>,
    /// CSV imports applying in this process (progress and cancel flags).
    pub imports: Arc<crate::admin::import::LiveRuns>,
    pub subscriptions: Arc<Subscriptions>,
    /// Where uploaded posters' renditions live (`MEDIA_DIR`).
    pub media: MediaDir,
}

pub type State = Arc<AppState>;
