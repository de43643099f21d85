//! The state every handler shares, built once by `app` and cheap to clone.

use std::sync::Arc;

use super::rate_limit::Limits;
use crate::catalog::cache::CatalogCache;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::queue::Queue;

pub struct AppState {
    pub db: Db,
    pub config: Config,
    pub clock: Clock,
    pub base_url: url::Url,
    /// Key for deriving CSRF tokens from session ids; shared by every process via the database.
    pub csrf_key: Vec<u8>,
    pub limits: Limits,
    pub queue: Queue,
    pub catalog: CatalogCache,
}

pub type State = Arc<AppState>;

impl AppState {
    /// Call after every committed write to the catalog, its reviews or its reference data: the
    /// public pages of this process show it at once (other processes within a second).
    pub fn catalog_changed(&self) {
        self.catalog.catalog_changed();
    }
}
