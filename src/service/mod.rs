//! The operations Keyward offers. Both HTTP dialects call these and only
//! translate shapes; every permission check happens here.

pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod cache;
mod convert;
pub mod events;
mod health;
pub mod invitations;
mod last_used;
pub mod leaks;
pub mod limits;
pub mod memberships;
pub mod paging;
pub mod password_gate;
pub mod rotation;
pub mod session_tokens;
pub mod sessions;
pub mod throttle;
mod tree;
pub mod usage;
pub mod users;
pub mod verify;
mod write;

use std::sync::Arc;
use std::time::Duration;

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::passwords::PasswordHasher;
use crate::secret::SecretHasher;
use crate::store::{AnyConnection, Database};

use cache::CredentialCache;
use last_used::LastUsed;
use limits::Limiter;
use usage::Usage;

/// How often ended rate windows are deleted.
const PRUNE_WINDOWS: Duration = Duration::from_secs(60);
use password_gate::{PasswordGate, PasswordSettings};
use throttle::{FailureThrottle, SignInSettings, SignInThrottle, ThrottleSettings};
pub use tree::Chain;

/// Limits on what callers may ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Session token lifetime when the caller names none.
    pub session_ttl_default_seconds: i64,
    /// The longest session token lifetime a caller may ask for.
    pub session_ttl_max_seconds: i64,
    /// A signed-in user's session ends when unused this long.
    pub user_session_idle_seconds: i64,
    /// A signed-in user's session ends this long after sign-in, used or not.
    pub user_session_lifetime_seconds: i64,
    /// How long an invitation can be accepted.
    pub invitation_lifetime_seconds: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            session_ttl_default_seconds: 15 * 60,
            session_ttl_max_seconds: 24 * 60 * 60,
            user_session_idle_seconds: 30 * 60,
            user_session_lifetime_seconds: 12 * 60 * 60,
            invitation_lifetime_seconds: 7 * 24 * 60 * 60,
        }
    }
}

/// How the hot path trades memory and staleness for speed.
#[derive(Debug, Clone)]
pub struct Tuning {
    /// How often each instance reads the change log for changes made elsewhere.
    pub cache_refresh: Duration,
    /// How many keys' state (and as many session tokens) an instance caches.
    pub cache_capacity: usize,
    /// When failed authentication is answered 429.
    pub throttle: ThrottleSettings,
    /// When sign-ins with a password are refused with 429.
    pub sign_in: SignInSettings,
    /// How much password hashing runs and waits at once.
    pub passwords: PasswordSettings,
    /// How often noted uses are written to `lastUsedAt`.
    pub last_used_flush: Duration,
    /// How long a use of a key with limits waits to be counted.
    pub limits_budget: Duration,
    /// Whether uses are counted for usage analytics (written on the
    /// schedule of `last_used_flush`).
    pub usage_analytics: bool,
    /// How long usage buckets are kept.
    pub usage_retention: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            cache_refresh: Duration::from_millis(50),
            cache_capacity: cache::DEFAULT_CAPACITY,
            throttle: ThrottleSettings::default(),
            sign_in: SignInSettings::default(),
            passwords: PasswordSettings::default(),
            last_used_flush: Duration::from_secs(30),
            limits_budget: Duration::from_millis(250),
            usage_analytics: true,
            usage_retention: Duration::from_secs(usage::DEFAULT_RETENTION_DAYS * 24 * 60 * 60),
        }
    }
}

/// Everything the operations need; cheap to clone.
#[derive(Clone)]
pub struct Keyward {
    pub db: Database,
    pub hasher: Arc<SecretHasher>,
    /// argon2id at the password cost, with its decoy (see `passwords`).
    pub passwords: Arc<PasswordHasher>,
    password_gate: Arc<PasswordGate>,
    pub cache: Arc<CredentialCache>,
    pub limits: Arc<Limits>,
    throttle: Arc<FailureThrottle>,
    sign_ins: Arc<SignInThrottle>,
    pub metrics: Arc<Metrics>,
    last_used: Arc<LastUsed>,
    limiter: Arc<Limiter>,
    usage: Arc<Usage>,
}

impl Keyward {
    /// Builds the service, warms its cache from the most recently used keys
    /// (see `cache::warm_at_start`), and starts its threads: the change
    /// watcher, the lastUsedAt writer, the rate window pruner, and the
    /// usage writer and pruner. Start-up code: it returns once
    /// the cache is warm, so the server takes no request before.
    pub fn new(
        db: Database,
        hasher: SecretHasher,
        limits: Limits,
        tuning: Tuning,
    ) -> std::io::Result<Self> {
        let cache = Arc::new(CredentialCache::new(tuning.cache_capacity));
        let seen = cache::warm_at_start(&cache, &db);
        cache::watch_changes(
            Arc::downgrade(&cache),
            db.clone(),
            tuning.cache_refresh,
            seen,
        );
        let last_used = Arc::new(LastUsed::default());
        last_used::flush_in_background(
            Arc::downgrade(&last_used),
            db.clone(),
            tuning.last_used_flush,
        );
        let limiter = Arc::new(Limiter::new(tuning.limits_budget));
        limits::prune_in_background(Arc::downgrade(&limiter), db.clone(), PRUNE_WINDOWS);
        let usage = Arc::new(Usage::new(tuning.usage_analytics));
        usage::flush_in_background(Arc::downgrade(&usage), db.clone(), tuning.last_used_flush);
        usage::prune_in_background(Arc::downgrade(&usage), db.clone(), tuning.usage_retention);
        let passwords = PasswordHasher::new().map_err(std::io::Error::other)?;
        Ok(Self {
            db,
            hasher: Arc::new(hasher),
            passwords: Arc::new(passwords),
            password_gate: Arc::new(PasswordGate::new(tuning.passwords)),
            cache,
            limits: Arc::new(limits),
            throttle: Arc::new(FailureThrottle::new(tuning.throttle)),
            sign_ins: Arc::new(SignInThrottle::new(tuning.sign_in)),
            metrics: Arc::new(Metrics::new().map_err(std::io::Error::other)?),
            last_used,
            limiter,
            usage,
        })
    }

    /// Runs argon2 work. Cheap work (`SecretHasher::is_cheap`, tens of
    /// microseconds at the default cost) runs right here on the async
    /// worker: handing it to another thread and back would cost more than
    /// the hash. Costlier work, such as a hash stored at a password-grade
    /// cost, runs on the blocking pool so that it never stalls a worker.
    pub(crate) async fn hash<T, F>(&self, cheap: bool, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&SecretHasher) -> T + Send + 'static,
        T: Send + 'static,
    {
        if cheap {
            return Ok(work(&self.hasher));
        }
        let hasher = Arc::clone(&self.hasher);
        actix_web::web::block(move || work(&hasher))
            .await
            .map_err(ApiError::internal)
    }

    /// Runs password work (argon2 at the password cost, tens of
    /// milliseconds and 19 MiB) on the blocking thread pool, without
    /// borrowing a database connection, under the password gate: at most
    /// `--password-hash-threads` at once, and `503` at once when
    /// `--password-hash-queue` more are waiting already (see
    /// `password_gate`).
    pub(crate) async fn passwords<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&PasswordHasher) -> T + Send + 'static,
        T: Send + 'static,
    {
        let Some(_turn) = self.password_gate.enter().await else {
            self.metrics.password_work_refused();
            return Err(ApiError::Unavailable(anyhow::anyhow!(
                "the password hashing queue is full"
            )));
        };
        let passwords = Arc::clone(&self.passwords);
        actix_web::web::block(move || work(&passwords))
            .await
            .map_err(ApiError::internal)
    }

    /// Runs database work on the blocking thread pool with a pooled
    /// connection, never on an async worker.
    pub async fn blocking<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&Keyward, &mut AnyConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let this = self.clone();
        actix_web::web::block(move || {
            let mut conn = this.db.get().map_err(|e| ApiError::Unavailable(e.into()))?;
            let done = work(&this, &mut conn);
            if done.as_ref().is_err_and(ApiError::is_lost_connection) {
                conn.discard();
            }
            done
        })
        .await
        .map_err(ApiError::internal)?
    }
}

/// What a request asked for, as the HTTP layer read it. An operation
/// authorizes the caller before it looks at this, so that a request that
/// does not parse is refused as forbidden, not as malformed, when its
/// caller may not act at all: a caller without permission learns nothing
/// from validation.
pub type Asked<T> = Result<T, ApiError>;

impl ApiError {
    /// Whether this is the database connection found closed (or its
    /// transaction state broken): that connection is not lent again.
    fn is_lost_connection(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        let ApiError::Unavailable(e) = self else {
            return false;
        };
        matches!(
            e.downcast_ref::<Error>(),
            Some(
                Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
                    | Error::BrokenTransactionManager
            )
        )
    }
}

impl From<diesel::result::Error> for ApiError {
    /// A connection lost mid-request is the database being unreachable
    /// (503), not a fault of ours.
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
            | Error::BrokenTransactionManager => ApiError::Unavailable(e.into()),
            e => ApiError::internal(e),
        }
    }
}
