//! In-memory state that makes authentication cost no database read and no
//! argon2 in steady state, and why each piece is safe:
//!
//! - `keys`: the state of keys by id (account, name, role, enabled, revoked,
//!   stored hash). A change made through this instance drops the key's entry
//!   as it commits; every change also appends the key's id to the change log
//!   (`key_changes`) in the same transaction, and each instance reads the log
//!   past the last entry it has seen (see [`watch_changes`]) and drops the
//!   entries of exactly those keys. A load that raced with an invalidation
//!   is not kept (generation check), so a stale row cannot be put back after
//!   the change that made it stale. Concurrent misses for one key share one
//!   database read. An id that names no key is cached as such too, so that
//!   an unknown id and a known one cost the same (see `verify`); ids are
//!   random, so none is ever created after it was looked up.
//! - `accounts`: each account's parent, `enabled` and suspension count, by
//!   id, kept and dropped exactly as key state is (the change log names an
//!   account as `account:{id}`). An account's parent never changes, so a
//!   walk up the tree (see `tree`) reads only current or invalidated state.
//! - `tokens`: session tokens by id. What can end them (key state, expiry)
//!   is checked on every use. A token changes only when a leak report ends
//!   it: that brings its expiry forward and names it in the change log
//!   (`session-token:{id}`), which drops its entry as for a key, with the
//!   same guard against a load that raced the change.
//! - `verified`: (key id, SHA-256 of the presented secret) pairs that passed
//!   argon2, with a fingerprint of the stored hash they passed against. Used
//!   only while that hash is still the key's (or its previous secret's,
//!   within a rotation's grace period), so a new secret never rides on an old
//!   verification. Entries are small and the map holds twice as many as the
//!   key map, so a working set larger than the key map costs a database read
//!   per request, not a hash.
//!
//! Every map is bounded per entry: when full, it evicts entries one at a
//! time, those least recently or frequently used first.

use std::future::Future;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use quick_cache::sync::Cache;
use uuid::Uuid;

use super::convert;
use crate::domain::limits::KeyLimits;
use crate::domain::{
    AccountId, AllowedCidrs, KeyContext, KeyName, Role, Scope, Timestamp, MAX_DEPTH,
};
use crate::error::ApiError;
use crate::store::models::{AccountRow, ApiKeyRow};
use crate::store::{accounts, api_keys, key_changes, last_used, Database};

/// How many keys' state an instance keeps by default: about 40 MiB.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// What authentication needs to know about a key.
#[derive(Debug, Clone)]
pub struct CachedKey {
    pub id: Uuid,
    pub account_id: AccountId,
    pub name: KeyName,
    pub role: Role,
    pub enabled: bool,
    pub revoked: bool,
    pub secret_hash: String,
    /// How many times the key was disabled; its session tokens minted under
    /// another value were ended by a disable.
    pub disables: i64,
    pub expires_at: Option<Timestamp>,
    /// The secret the last rotation replaced, and until when it still works.
    pub previous_secret: Option<(String, Timestamp)>,
    pub limits: KeyLimits,
    /// Where the key may be used from; `None`: anywhere.
    pub allowed_cidrs: Option<AllowedCidrs>,
    /// What a valid verify hands the asking service (its `meta` takes up
    /// to 4 KiB of the entry).
    pub context: Option<Arc<KeyContext>>,
}

impl CachedKey {
    /// What authentication needs of a row of `api_keys`.
    pub fn from_row(row: ApiKeyRow) -> Result<Self, ApiError> {
        let secret_hash = row.secret_hash.clone();
        let disables = row.disables;
        let previous_secret = row
            .previous_secret_hash
            .clone()
            .zip(row.previous_secret_until.map(Timestamp::from_db));
        let key = convert::api_key(row)?;
        Ok(Self {
            id: key.id,
            account_id: key.account_id,
            name: key.name,
            role: key.role,
            enabled: key.enabled,
            revoked: key.revoked_at.is_some(),
            secret_hash,
            disables,
            expires_at: key.expires_at,
            previous_secret,
            limits: KeyLimits {
                rate: key.rate_limit,
                credits: key.credits,
            },
            allowed_cidrs: key.allowed_cidrs,
            context: KeyContext::of(key.external_id, key.meta),
        })
    }

    /// The stored hashes a presented secret may match now: the current one,
    /// and the previous one within its grace period.
    pub fn live_hashes(&self, now: Timestamp) -> impl Iterator<Item = &str> {
        let previous = self
            .previous_secret
            .as_ref()
            .filter(|(_, until)| now < *until)
            .map(|(phc, _)| phc.as_str());
        std::iter::once(self.secret_hash.as_str()).chain(previous)
    }
}

/// What authentication needs to know about a session token.
#[derive(Debug, Clone)]
pub struct CachedToken {
    pub api_key_id: Uuid,
    /// The key's `disables` when the token was minted.
    pub key_disables: i64,
    /// The suspensions of the token's account chain when it was minted.
    pub account_suspensions: i64,
    /// The account it was minted on, when not its key's (a descendant).
    pub account_id: Option<AccountId>,
    pub token_hash: String,
    pub scope: Scope,
    pub expires_at: Timestamp,
}

/// A short stand-in for a PHC string, to tell whether a verification was
/// made against a hash that is still live without keeping the hash twice.
fn fingerprint(phc: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    phc.hash(&mut hasher);
    hasher.finish()
}

/// What authentication needs to know about an account: its place in the
/// tree, which never changes, and its state, which the change log names.
#[derive(Debug, Clone)]
pub struct CachedAccount {
    pub id: AccountId,
    pub parent: Option<AccountId>,
    pub enabled: bool,
    pub suspensions: i64,
}

impl CachedAccount {
    pub fn from_row(row: AccountRow) -> Self {
        Self {
            id: AccountId::from_trusted(row.id),
            parent: row.parent_account_id.map(AccountId::from_trusted),
            enabled: row.enabled,
            suspensions: row.suspensions,
        }
    }
}

/// State read from the database by id and kept until the change log names
/// it: for keys and for accounts. `None` records that the id names nothing.
struct Entries<K, V> {
    map: Cache<K, Option<Arc<V>>>,
    /// Moves on every invalidation; a load started before a move is not kept.
    generation: AtomicU64,
}

impl<K: Eq + Hash + Clone, V> Entries<K, V> {
    fn new(capacity: usize) -> Self {
        Self {
            map: Cache::new(capacity),
            generation: AtomicU64::new(0),
        }
    }

    /// The entry for `id`, and whether it came from the cache. On a miss,
    /// `load` reads it; concurrent misses for the same id wait for that
    /// one read.
    async fn get<F, E>(&self, id: &K, load: F) -> Result<(Option<Arc<V>>, bool), E>
    where
        F: Future<Output = Result<Option<V>, E>>,
    {
        if let Some(entry) = self.map.get(id) {
            return Ok((entry, true));
        }
        let guard = match self.map.get_value_or_guard_async(id).await {
            Ok(entry) => return Ok((entry, true)),
            Err(guard) => guard,
        };
        let generation = self.generation.load(Ordering::SeqCst);
        let entry = load.await?.map(Arc::new);
        if self.generation.load(Ordering::SeqCst) == generation {
            let _ = guard.insert(entry.clone());
            // An invalidation between the check and the insert bumped the
            // generation before removing; if it did, remove what we put back.
            if self.generation.load(Ordering::SeqCst) != generation {
                self.map.remove(id);
            }
        }
        Ok((entry, false))
    }

    /// Where invalidation stands: take it before reading entries to
    /// [`preload`](Self::preload).
    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Puts entries read from the database where there is none; returns how
    /// many were new. Nothing, when an invalidation came since `read_at`
    /// (the generation taken before they were read): some may be stale.
    fn preload(&self, entries: impl IntoIterator<Item = (K, V)>, read_at: u64) -> usize {
        if self.generation() != read_at {
            return 0;
        }
        let mut loaded = 0;
        for (id, value) in entries {
            if self.map.get(&id).is_none() {
                self.map.insert(id, Some(Arc::new(value)));
                loaded += 1;
            }
        }
        loaded
    }

    fn contains(&self, id: &K) -> bool {
        self.map.get(id).is_some()
    }

    fn invalidate(&self, id: &K) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.map.remove(id);
    }

    fn clear(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.map.clear();
    }
}

/// The caches of one instance.
pub struct CredentialCache {
    keys: Entries<Uuid, CachedKey>,
    accounts: Entries<AccountId, CachedAccount>,
    tokens: Cache<Uuid, Arc<CachedToken>>,
    /// Moves on every token invalidation; a load started before a move is
    /// not kept (see [`Entries`]).
    token_generation: AtomicU64,
    /// By (key id, SHA-256 of the presented secret): during a rotation's
    /// grace period a key has two good secrets.
    verified: Cache<(Uuid, [u8; 32]), u64>,
    capacity: usize,
}

impl CredentialCache {
    /// Caches for `capacity` keys and as many accounts and session tokens.
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            keys: Entries::new(capacity),
            accounts: Entries::new(capacity),
            tokens: Cache::new(capacity),
            token_generation: AtomicU64::new(0),
            verified: Cache::new(capacity.saturating_mul(2)),
            capacity,
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The key's state (`None`: no such key), and whether it came from the
    /// cache. On a miss, `load` reads it; concurrent misses for the same key
    /// wait for that one read.
    pub async fn key<F, E>(&self, id: Uuid, load: F) -> Result<(Option<Arc<CachedKey>>, bool), E>
    where
        F: Future<Output = Result<Option<CachedKey>, E>>,
    {
        self.keys.get(&id, load).await
    }

    /// The account's state (`None`: no such account), and whether it came
    /// from the cache; misses load as for keys.
    pub async fn account<F, E>(
        &self,
        id: &AccountId,
        load: F,
    ) -> Result<(Option<Arc<CachedAccount>>, bool), E>
    where
        F: Future<Output = Result<Option<CachedAccount>, E>>,
    {
        self.accounts.get(id, load).await
    }

    /// Drops one key's state after a change to it.
    pub fn invalidate_key(&self, id: &Uuid) {
        self.keys.invalidate(id);
    }

    /// Drops one account's state after a change to it.
    pub fn invalidate_account(&self, id: &AccountId) {
        self.accounts.invalidate(id);
    }

    /// Drops all key, account and session token state: when the change log
    /// cannot tell what changed.
    pub fn invalidate_all(&self) {
        self.keys.clear();
        self.accounts.clear();
        self.token_generation.fetch_add(1, Ordering::SeqCst);
        self.tokens.clear();
    }

    pub fn token(&self, id: &Uuid) -> Option<Arc<CachedToken>> {
        self.tokens.get(id)
    }

    /// Where token invalidation stands: take it before reading a token to
    /// [`store_token`](Self::store_token).
    pub fn token_generation(&self) -> u64 {
        self.token_generation.load(Ordering::SeqCst)
    }

    /// Keeps a token read from the database, unless a token was invalidated
    /// since `read_at` (the generation taken before the read): the row may
    /// predate that change.
    pub fn store_token(&self, id: Uuid, token: Arc<CachedToken>, read_at: u64) {
        if self.token_generation() != read_at {
            return;
        }
        self.tokens.insert(id, token);
        // An invalidation between the check and the insert moved the
        // generation before removing; if it did, remove what was put back.
        if self.token_generation() != read_at {
            self.tokens.remove(&id);
        }
    }

    /// Drops one session token after it was ended.
    pub fn invalidate_token(&self, id: &Uuid) {
        self.token_generation.fetch_add(1, Ordering::SeqCst);
        self.tokens.remove(id);
    }

    /// Whether `digest` already passed argon2 for `key` against a stored hash
    /// that is still live now.
    pub fn is_verified(&self, key: &CachedKey, digest: &[u8; 32], now: Timestamp) -> bool {
        self.verified
            .get(&(key.id, *digest))
            .is_some_and(|seen| key.live_hashes(now).any(|phc| fingerprint(phc) == seen))
    }

    pub fn remember_verified(&self, id: Uuid, phc: &str, digest: [u8; 32]) {
        self.verified.insert((id, digest), fingerprint(phc));
    }

    /// Entries held, for metrics: (keys, tokens, verified).
    pub fn sizes(&self) -> (usize, usize, usize) {
        (self.keys.map.len(), self.tokens.len(), self.verified.len())
    }
}

/// Reads the change log every `interval` on a thread of its own and drops
/// the cached state of each key, account or session token it names. Stops
/// when the cache is dropped.
///
/// Entries are numbered by the change counter, which every change takes
/// under a row lock and holds until it commits, so entries become visible
/// in number order and reading past the last one seen misses nothing. The
/// first reading drops all key state (what was cached before it may predate
/// a change), and so does a reading that finds entries missing because the
/// log was pruned past them. While the database cannot be read, cached state
/// stays in use (so authentication keeps working through an outage) and the
/// log is read from where it stopped once the database is back.
///
/// `seen` is the position [`warm_at_start`] took, if it could; without one,
/// the first reading takes the position and warms the cache (see [`warm`])
/// before it reads on.
pub fn watch_changes(
    cache: Weak<CredentialCache>,
    db: Database,
    interval: Duration,
    seen: Option<i64>,
) {
    let spawned = std::thread::Builder::new()
        .name("keyward-changes".into())
        .spawn(move || {
            let mut seen = seen;
            let mut failing = false;
            loop {
                let Some(cache) = cache.upgrade() else {
                    return;
                };
                match read_changes(&db, seen) {
                    Ok(Changes::Start(latest)) => {
                        cache.invalidate_all();
                        warm(&cache, &db);
                        seen = Some(latest);
                    }
                    Ok(Changes::Since(entries)) => {
                        for (epoch, named) in entries {
                            let token = named
                                .strip_prefix(key_changes::SESSION_TOKEN_PREFIX)
                                .map(Uuid::try_parse);
                            if let Some(account) = named.strip_prefix(key_changes::ACCOUNT_PREFIX) {
                                cache.invalidate_account(&AccountId::from_trusted(account.into()));
                            } else if let Some(Ok(token)) = token {
                                cache.invalidate_token(&token);
                            } else if let Ok(id) = Uuid::try_parse(&named) {
                                cache.invalidate_key(&id);
                            } else {
                                cache.invalidate_all();
                            }
                            seen = Some(epoch);
                        }
                    }
                    Ok(Changes::Lost(latest)) => {
                        log::warn!("the change log was pruned past this instance's position; dropping all cached key, account and session token state");
                        cache.invalidate_all();
                        seen = Some(latest);
                    }
                    Err(e) => {
                        if !failing {
                            log::warn!("cannot read the key change log, serving cached key state until it can be read: {e}");
                            failing = true;
                        }
                        drop(cache);
                        std::thread::sleep(interval);
                        continue;
                    }
                }
                if failing {
                    log::info!("key change log readable again");
                    failing = false;
                }
                drop(cache);
                std::thread::sleep(interval);
            }
        });
    if let Err(e) = spawned {
        log::error!("cannot start the change watcher: {e}");
    }
}

/// Takes the change log's position and warms the cache from it, before the
/// server takes its first request: a restarted instance then starts with
/// the state of its most recently used keys instead of sending every
/// request to the database at once. Start-up work. `None` when the log
/// cannot be read; the watcher then does both once it can.
pub fn warm_at_start(cache: &CredentialCache, db: &Database) -> Option<i64> {
    match read_changes(db, None) {
        Ok(Changes::Start(latest)) => {
            warm(cache, db);
            Some(latest)
        }
        Ok(_) => None,
        Err(e) => {
            log::warn!("cannot read the key change log at start-up, the cache starts cold: {e}");
            None
        }
    }
}

/// Loads the most recently used keys, up to the cache's capacity, so that a
/// restarted instance does not send every request to the database at once.
/// Runs right after the change log's position was taken, so any key that
/// changes while this reads is dropped again by the next reading.
fn warm(cache: &CredentialCache, db: &Database) {
    let started = std::time::Instant::now();
    match load_recently_used(cache, db) {
        Ok(loaded) => log::info!(
            "key cache warmed with {loaded} recently used key(s) in {} ms",
            started.elapsed().as_millis()
        ),
        Err(e) => log::warn!("cannot warm the key cache: {e}"),
    }
}

/// Reads the ids of the most recently used keys, then their rows a page at
/// a time (which bounds the memory a warm-up needs on top of the cache, and
/// lets requests have the connection in between); returns how many were new
/// to the cache.
fn load_recently_used(cache: &CredentialCache, db: &Database) -> Result<usize, String> {
    const PAGE: usize = 2_000;
    let limit = i64::try_from(cache.capacity()).unwrap_or(i64::MAX);
    let ids = {
        let mut conn = db.get().map_err(|e| e.to_string())?;
        last_used::recently_used(&mut conn, limit).map_err(|e| e.to_string())?
    };
    let mut loaded = 0;
    for page in ids.chunks(PAGE) {
        let read_at = cache.keys.generation();
        let rows = {
            let mut conn = db.get().map_err(|e| e.to_string())?;
            api_keys::find_many(&mut conn, page).map_err(|e| e.to_string())?
        };
        let keys: Vec<CachedKey> = rows
            .into_iter()
            .filter_map(|row| CachedKey::from_row(row).ok())
            .collect();
        let accounts: Vec<AccountId> = keys.iter().map(|key| key.account_id.clone()).collect();
        loaded += (cache.keys).preload(keys.into_iter().map(|key| (key.id, key)), read_at);
        load_accounts(cache, db, accounts)?;
    }
    Ok(loaded)
}

/// Loads the accounts `ids` names and their ancestors, where not cached
/// yet: a level of the tree per read, at most `MAX_DEPTH` reads.
fn load_accounts(
    cache: &CredentialCache,
    db: &Database,
    ids: Vec<AccountId>,
) -> Result<(), String> {
    let mut wanted: Vec<String> = ids
        .into_iter()
        .filter(|id| !cache.accounts.contains(id))
        .map(|id| id.as_str().to_owned())
        .collect();
    for _ in 0..MAX_DEPTH {
        wanted.sort_unstable();
        wanted.dedup();
        if wanted.is_empty() {
            break;
        }
        let read_at = cache.accounts.generation();
        let rows = {
            let mut conn = db.get().map_err(|e| e.to_string())?;
            accounts::find_many(&mut conn, &wanted).map_err(|e| e.to_string())?
        };
        let loaded: Vec<CachedAccount> = rows.into_iter().map(CachedAccount::from_row).collect();
        wanted = loaded
            .iter()
            .filter_map(|account| account.parent.clone())
            .filter(|id| !cache.accounts.contains(id))
            .map(|id| id.as_str().to_owned())
            .collect();
        let entries = loaded.into_iter().map(|a| (a.id.clone(), a));
        cache.accounts.preload(entries, read_at);
    }
    Ok(())
}

enum Changes {
    /// No position yet: the log's latest entry number.
    Start(i64),
    /// Entries past the position, in order: (number, key id).
    Since(Vec<(i64, String)>),
    /// Entries past the position were pruned; the latest entry number.
    Lost(i64),
}

/// At most this many entries are read per poll; the rest come next time.
const BATCH: i64 = 10_000;

fn read_changes(db: &Database, seen: Option<i64>) -> Result<Changes, String> {
    let mut conn = db.get().map_err(|e| e.to_string())?;
    let Some(seen) = seen else {
        return key_changes::latest(&mut conn)
            .map(Changes::Start)
            .map_err(|e| e.to_string());
    };
    let entries = key_changes::since(&mut conn, seen, BATCH).map_err(|e| e.to_string())?;
    match entries.first() {
        Some((first, _)) if *first != seen + 1 => key_changes::latest(&mut conn)
            .map(Changes::Lost)
            .map_err(|e| e.to_string()),
        _ => Ok(Changes::Since(entries)),
    }
}
