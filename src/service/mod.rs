//! The operations Keyward offers. Both HTTP dialects call these and only
//! translate shapes; every permission check happens here.

pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod cache;
mod convert;
mod hashing;
mod last_used;
pub mod rotation;
pub mod session_tokens;
pub mod throttle;
pub mod verify;
mod write;

use std::sync::Arc;
use std::time::Duration;

use crate::domain::permission::{self, Action};
use crate::domain::Principal;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::secret::SecretHasher;
use crate::store::{AnyConnection, Database};

use cache::CredentialCache;
use hashing::HashingPool;
use last_used::LastUsed;
use throttle::{FailureThrottle, ThrottleSettings};

/// Limits on what callers may ask for.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Session token lifetime when the caller names none.
    pub session_ttl_default_seconds: i64,
    /// The longest session token lifetime a caller may ask for.
    pub session_ttl_max_seconds: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            session_ttl_default_seconds: 15 * 60,
            session_ttl_max_seconds: 24 * 60 * 60,
        }
    }
}

/// How the hot path trades memory and staleness for speed.
#[derive(Debug, Clone)]
pub struct Tuning {
    /// How often each instance checks for key changes made elsewhere.
    pub cache_refresh: Duration,
    /// Most argon2 verifications running at once.
    pub argon2_concurrency: usize,
    /// When failed authentication is answered 429.
    pub throttle: ThrottleSettings,
    /// How often noted uses are written to `lastUsedAt`.
    pub last_used_flush: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            cache_refresh: Duration::from_millis(250),
            argon2_concurrency: default_argon2_concurrency(),
            throttle: ThrottleSettings::default(),
            last_used_flush: Duration::from_secs(30),
        }
    }
}

/// Half the cores, at least one: hashing can never take every core from
/// requests that need none.
fn default_argon2_concurrency() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

/// Everything the operations need; cheap to clone.
#[derive(Clone)]
pub struct Keyward {
    pub db: Database,
    pub hasher: Arc<SecretHasher>,
    pub cache: Arc<CredentialCache>,
    pub limits: Arc<Limits>,
    hashing: Arc<HashingPool>,
    throttle: Arc<FailureThrottle>,
    pub metrics: Arc<Metrics>,
    last_used: Arc<LastUsed>,
}

impl Keyward {
    /// Builds the service and starts its threads: the change watcher (see
    /// `cache`) and the argon2 threads (see `hashing`). Start-up code.
    pub fn new(
        db: Database,
        hasher: SecretHasher,
        limits: Limits,
        tuning: Tuning,
    ) -> std::io::Result<Self> {
        let cache = Arc::new(CredentialCache::default());
        cache::watch_changes(Arc::downgrade(&cache), db.clone(), tuning.cache_refresh);
        let last_used = Arc::new(LastUsed::default());
        last_used::flush_in_background(
            Arc::downgrade(&last_used),
            db.clone(),
            tuning.last_used_flush,
        );
        Ok(Self {
            db,
            hasher: Arc::new(hasher),
            cache,
            limits: Arc::new(limits),
            hashing: Arc::new(HashingPool::new(tuning.argon2_concurrency)?),
            throttle: Arc::new(FailureThrottle::new(tuning.throttle)),
            metrics: Arc::new(Metrics::new().map_err(std::io::Error::other)?),
            last_used,
        })
    }

    /// Runs argon2 work on the hashing threads.
    pub(crate) async fn hash<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&SecretHasher) -> T + Send + 'static,
        T: Send + 'static,
    {
        let hasher = Arc::clone(&self.hasher);
        self.hashing.run(move || work(&hasher)).await
    }

    /// Runs database work on the blocking thread pool with a pooled
    /// connection, never on an async worker. (argon2 has threads of its own:
    /// see `hash`.)
    pub async fn blocking<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&Keyward, &mut AnyConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let this = self.clone();
        actix_web::web::block(move || {
            let mut conn = this.db.get().map_err(|e| ApiError::Unavailable(e.into()))?;
            work(&this, &mut conn)
        })
        .await
        .map_err(ApiError::internal)?
    }
}

/// Refuses with 403 unless `principal` may perform `action` on `account_id`.
pub fn authorize(principal: &Principal, account_id: &str, action: Action) -> Result<(), ApiError> {
    if permission::permits(principal, account_id, action) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        ApiError::internal(e)
    }
}
