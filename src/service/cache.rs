//! In-memory state that makes authentication cost no database read and no
//! argon2 in steady state, and why each piece is safe:
//!
//! - `keys`: the state of keys by id (account, name, role, enabled, revoked,
//!   stored hash). A change made through this instance drops the entry as it
//!   commits; every change also bumps `change_epoch` in the same transaction,
//!   and each instance polls that counter (every `refresh` interval, 250 ms by
//!   default) and drops all key state when it moved. A load that raced with
//!   an invalidation is not stored (generation check), so a stale row cannot
//!   be put back after the change that made it stale.
//! - `tokens`: session tokens by id. They never change once written; what
//!   can end them (key state, expiry) is checked on every use.
//! - `verified`: (key id, SHA-256 of the presented secret) pairs that passed
//!   argon2, with the stored hash they passed against. Used only while that
//!   hash is still the key's (or its previous secret's, within a rotation's
//!   grace period), so a new secret never rides on an old verification.
//!
//! Every map is bounded: when full it is emptied and refills from traffic.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use uuid::Uuid;

use crate::domain::{AccountId, KeyName, Role, Scope, Timestamp};
use crate::store::{change_epoch, Database};

const CAPACITY: usize = 200_000;

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
}

impl CachedKey {
    /// Whether a secret verified against `phc` is good now: the current
    /// secret, or the previous one within its grace period.
    pub fn accepts_hash(&self, phc: &str, now: Timestamp) -> bool {
        phc == self.secret_hash
            || self
                .previous_secret
                .as_ref()
                .is_some_and(|(previous, until)| previous == phc && now < *until)
    }
}

/// What authentication needs to know about a session token.
#[derive(Debug, Clone)]
pub struct CachedToken {
    pub api_key_id: Uuid,
    /// The key's `disables` when the token was minted.
    pub key_disables: i64,
    pub token_hash: String,
    pub scope: Scope,
    pub expires_at: Timestamp,
}

/// The caches of one instance.
#[derive(Default)]
pub struct CredentialCache {
    keys: RwLock<HashMap<Uuid, Arc<CachedKey>>>,
    tokens: RwLock<HashMap<Uuid, Arc<CachedToken>>>,
    /// By (key id, SHA-256 of the presented secret): during a rotation's
    /// grace period a key has two good secrets.
    verified: RwLock<HashMap<(Uuid, [u8; 32]), Verified>>,
    /// Moves on every invalidation; a load started before a move is not stored.
    generation: AtomicU64,
}

struct Verified {
    phc: String,
}

fn get<V: Clone>(map: &RwLock<HashMap<Uuid, V>>, id: &Uuid) -> Option<V> {
    map.read().ok().and_then(|m| m.get(id).cloned())
}

fn put<K: std::hash::Hash + Eq, V>(map: &RwLock<HashMap<K, V>>, id: K, value: V) {
    if let Ok(mut m) = map.write() {
        insert_bounded(&mut m, id, value);
    }
}

/// Inserts, first emptying a full map: the one bound every cache shares.
fn insert_bounded<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>, id: K, value: V) {
    if map.len() >= CAPACITY {
        map.clear();
    }
    map.insert(id, value);
}

impl CredentialCache {
    pub fn key(&self, id: &Uuid) -> Option<Arc<CachedKey>> {
        get(&self.keys, id)
    }

    /// The generation to pass to [`Self::store_key`] for a load starting now.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Stores a key loaded from the database, unless an invalidation happened
    /// since `generation` was read.
    pub fn store_key(&self, generation: u64, key: Arc<CachedKey>) {
        if let Ok(mut keys) = self.keys.write() {
            // Checked under the write lock, which invalidations also take.
            if self.generation.load(Ordering::Acquire) != generation {
                return;
            }
            insert_bounded(&mut keys, key.id, key);
        }
    }

    /// Drops one key's state after a change through this instance.
    pub fn invalidate_key(&self, id: &Uuid) {
        if let Ok(mut keys) = self.keys.write() {
            self.generation.fetch_add(1, Ordering::AcqRel);
            keys.remove(id);
        }
    }

    /// Drops all key state after a change somewhere else.
    pub fn invalidate_all_keys(&self) {
        if let Ok(mut keys) = self.keys.write() {
            self.generation.fetch_add(1, Ordering::AcqRel);
            keys.clear();
        }
    }

    pub fn token(&self, id: &Uuid) -> Option<Arc<CachedToken>> {
        get(&self.tokens, id)
    }

    pub fn store_token(&self, id: Uuid, token: Arc<CachedToken>) {
        put(&self.tokens, id, token);
    }

    /// Whether `digest` already passed argon2 for key `id` against a stored
    /// hash that `still_good` accepts (the caller knows which hashes count now).
    pub fn is_verified(
        &self,
        id: &Uuid,
        digest: &[u8; 32],
        still_good: impl FnOnce(&str) -> bool,
    ) -> bool {
        self.verified
            .read()
            .ok()
            .and_then(|verified| verified.get(&(*id, *digest)).map(|v| still_good(&v.phc)))
            .unwrap_or(false)
    }

    pub fn remember_verified(&self, id: Uuid, phc: &str, digest: [u8; 32]) {
        put(
            &self.verified,
            (id, digest),
            Verified {
                phc: phc.to_owned(),
            },
        );
    }

    /// Entries held, for metrics: (keys, tokens, verified).
    pub fn sizes(&self) -> (usize, usize, usize) {
        let len = |n: Option<usize>| n.unwrap_or(0);
        (
            len(self.keys.read().ok().map(|m| m.len())),
            len(self.tokens.read().ok().map(|m| m.len())),
            len(self.verified.read().ok().map(|m| m.len())),
        )
    }
}

/// Polls `change_epoch` every `interval` on a thread of its own and drops all
/// key state when it moves. Stops when the cache is dropped.
pub fn watch_changes(cache: Weak<CredentialCache>, db: Database, interval: Duration) {
    let spawned = std::thread::Builder::new()
        .name("keyward-epoch".into())
        .spawn(move || {
            let mut seen: Option<i64> = None;
            let mut failing = false;
            loop {
                std::thread::sleep(interval);
                let Some(cache) = cache.upgrade() else {
                    return;
                };
                let epoch = db
                    .get()
                    .map_err(|e| e.to_string())
                    .and_then(|mut conn| change_epoch::read(&mut conn).map_err(|e| e.to_string()));
                match epoch {
                    Ok(epoch) => {
                        if failing {
                            log::info!("change counter readable again");
                            failing = false;
                        }
                        // Also on the first reading: state cached before it
                        // may predate a change the counter already counts.
                        if seen != Some(epoch) {
                            cache.invalidate_all_keys();
                        }
                        seen = Some(epoch);
                    }
                    Err(e) => {
                        // Cannot tell whether keys changed: trust nothing cached.
                        cache.invalidate_all_keys();
                        seen = None;
                        if !failing {
                            log::warn!("cannot read the change counter, key cache disabled: {e}");
                            failing = true;
                        }
                    }
                }
            }
        });
    if let Err(e) = spawned {
        log::error!("cannot start the change watcher: {e}");
    }
}
