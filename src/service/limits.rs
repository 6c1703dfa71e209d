//! Counting uses against a key's limits, exactly, on any number of
//! instances: the database decides every spend.
//!
//! Each use of a key with limits asks the database, in one transaction that
//! locks the key's credits row and its current rate window, whether it fits,
//! and writes what it took. Uses of one key that arrive while such a
//! transaction runs wait for it and then go together in the next one (a
//! *gate* per key keeps one transaction in flight per key and instance), so
//! a busy key costs one transaction per batch, not per use. Nothing is
//! handed out ahead, so no instance can admit a use another has not seen:
//! credits are never over-spent and a rate limit of N admits at most N per
//! window, however many instances count. Keys without limits never come
//! here.
//!
//! Once a window is seen full, a rate-limited use of that key (one that
//! spends no credits) is refused here until the window ends, without a
//! transaction: a window's count never goes down, so the answer is the
//! database's, and a key hammered past its limit costs nothing more.
//!
//! A use waits at most the time budget for its answer. If the database has
//! not answered by then (or fails), it is refused as unavailable
//! (`LIMITS_UNAVAILABLE` to verify, `503` to the key's own request): a use
//! that cannot be counted is not admitted, so no limit is ever exceeded. A
//! use whose transaction commits after its caller gave up is given back in
//! a second transaction, so a refused use takes nothing either.
//! `keyward_limit_decisions_total` counts each outcome.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use diesel::Connection;
use tokio::sync::oneshot;
use uuid::Uuid;

use super::Keyward;
use crate::domain::limits::{balance_at, KeyLimits};
use crate::domain::Timestamp;
use crate::error::ApiError;
use crate::store::{limits as counters, AnyConnection, Database};

/// One use to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ask {
    /// Credits it spends (verify's `cost`); 0 spends none.
    pub cost: i64,
    /// Only look: answer as a use of cost 1 would be answered, count nothing.
    pub peek: bool,
}

impl Ask {
    /// A verify of the key, with its `cost` (0 peeks).
    pub fn verify(cost: i64) -> Self {
        Self {
            cost,
            peek: cost == 0,
        }
    }

    /// The key's own request to this API: counts against its rate limit,
    /// spends no credits.
    pub fn request() -> Self {
        Self {
            cost: 0,
            peek: false,
        }
    }
}

/// Whether a use was admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Admitted,
    /// The rate window is full.
    RateLimited,
    /// Fewer credits are left than the use costs.
    UsageExceeded,
    /// The use could not be counted within the time budget.
    Unavailable,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Admitted => "admitted",
            Outcome::RateLimited => "rate_limited",
            Outcome::UsageExceeded => "usage_exceeded",
            Outcome::Unavailable => "unavailable",
        }
    }
}

/// Where a key's limits stand after a use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    pub rate: Option<RateStanding>,
    /// Credits left.
    pub credits: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateStanding {
    pub limit: i64,
    /// Uses left in this window.
    pub remaining: i64,
    /// When the next window starts.
    pub reset_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    pub outcome: Outcome,
    pub standing: Standing,
}

/// The gates of one instance, by key id.
pub struct Limiter {
    gates: Mutex<HashMap<Uuid, Arc<Gate>>>,
    /// Keys whose rate window was seen full, with the limit it was full
    /// at, until the window ends.
    full: Mutex<HashMap<(Uuid, i64), Timestamp>>,
    budget: Duration,
}

/// Past this many full windows remembered, ended ones are swept.
const FULL_SWEEP_AT: usize = 10_000;

/// The uses of one key waiting for a transaction, and whether one runs.
#[derive(Default)]
struct Gate {
    queue: Mutex<Queue>,
}

#[derive(Default)]
struct Queue {
    waiting: Vec<Waiting>,
    running: bool,
}

struct Waiting {
    ask: Ask,
    limits: KeyLimits,
    reply: oneshot::Sender<Result<Admission, ApiError>>,
}

impl Limiter {
    pub fn new(budget: Duration) -> Self {
        Self {
            gates: Mutex::new(HashMap::new()),
            full: Mutex::new(HashMap::new()),
            budget,
        }
    }

    /// When the window of key `id` at `limit` that was seen full ends, if
    /// it has not yet.
    fn full_until(&self, id: Uuid, limit: i64, now: Timestamp) -> Option<Timestamp> {
        let full = self.full.lock().unwrap_or_else(|e| e.into_inner());
        full.get(&(id, limit)).copied().filter(|until| *until > now)
    }

    fn note_full(&self, id: Uuid, limit: i64, until: Timestamp) {
        let mut full = self.full.lock().unwrap_or_else(|e| e.into_inner());
        if full.len() >= FULL_SWEEP_AT {
            let now = Timestamp::now();
            full.retain(|_, until| *until > now);
        }
        full.insert((id, limit), until);
    }

    fn gate(&self, id: Uuid) -> Arc<Gate> {
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(gates.entry(id).or_default())
    }

    /// Forgets the gate of a key once nothing waits at it. A use that took
    /// the gate just before still gets its answer: it starts a transaction
    /// of its own, and the database orders the two.
    fn retire(&self, id: Uuid, gate: &Arc<Gate>) {
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        if gates.get(&id).is_some_and(|g| Arc::ptr_eq(g, gate)) {
            gates.remove(&id);
        }
    }
}

impl Keyward {
    /// Counts `ask` against the limits of key `id`. Never fails: past the
    /// time budget, the policy in this module's comment answers.
    pub async fn admit(&self, id: Uuid, limits: KeyLimits, ask: Ask) -> Admission {
        if !limits.any() {
            return Admission {
                outcome: Outcome::Admitted,
                standing: Standing::default(),
            };
        }
        if let (Some(rate), None) = (limits.rate, limits.credits) {
            if let Some(reset_at) = self.limiter.full_until(id, rate.limit, Timestamp::now()) {
                (self.metrics).limit_decision(Outcome::RateLimited.as_str(), false);
                let rate = RateStanding {
                    limit: rate.limit,
                    remaining: 0,
                    reset_at,
                };
                return Admission {
                    outcome: Outcome::RateLimited,
                    standing: Standing {
                        rate: Some(rate),
                        credits: None,
                    },
                };
            }
        }
        let (reply, answer) = oneshot::channel();
        let gate = self.limiter.gate(id);
        let start = {
            let mut queue = gate.queue.lock().unwrap_or_else(|e| e.into_inner());
            queue.waiting.push(Waiting { ask, limits, reply });
            !std::mem::replace(&mut queue.running, true)
        };
        if start {
            actix_web::rt::spawn(drain(self.clone(), id, gate));
        }
        let (admission, fell_back) =
            match actix_web::rt::time::timeout(self.limiter.budget, answer).await {
                Ok(Ok(Ok(admission))) => (admission, false),
                Ok(Ok(Err(e))) => {
                    log::warn!("cannot count a use of key {id}: {e:?}");
                    (UNAVAILABLE, true)
                }
                _ => (UNAVAILABLE, true),
            };
        (self.metrics).limit_decision(admission.outcome.as_str(), fell_back);
        admission
    }
}

/// The answer when the counters did not answer in time.
const UNAVAILABLE: Admission = Admission {
    outcome: Outcome::Unavailable,
    standing: Standing {
        rate: None,
        credits: None,
    },
};

/// Runs transactions for the uses waiting at `gate` until none is left.
async fn drain(kw: Keyward, id: Uuid, gate: Arc<Gate>) {
    loop {
        let batch = {
            let mut queue = gate.queue.lock().unwrap_or_else(|e| e.into_inner());
            if queue.waiting.is_empty() {
                queue.running = false;
                break;
            }
            std::mem::take(&mut queue.waiting)
        };
        // A use whose caller stopped waiting was answered by the policy.
        let batch: Vec<Waiting> = batch.into_iter().filter(|w| !w.reply.is_closed()).collect();
        // The newest use knows the key's limits best.
        let Some(limits) = batch.last().map(|w| w.limits) else {
            continue;
        };
        let asks: Vec<Ask> = batch.iter().map(|w| w.ask).collect();
        let settled = kw
            .blocking(move |_, conn| settle(conn, id, limits, &asks, Timestamp::now()))
            .await;
        match settled {
            Ok((admissions, window_start)) => {
                let full_until = limits.rate.zip(admissions.last()).and_then(|(rate, last)| {
                    let standing = last.standing.rate.filter(|r| r.remaining == 0)?;
                    Some((rate.limit, standing.reset_at))
                });
                let mut unanswered = Refund::default();
                for (waiting, admission) in batch.into_iter().zip(admissions) {
                    let counted = admission.outcome == Outcome::Admitted && !waiting.ask.peek;
                    if waiting.reply.send(Ok(admission)).is_err() && counted {
                        unanswered.uses += 1;
                        unanswered.credits += waiting.ask.cost;
                    }
                }
                if unanswered.uses > 0 {
                    give_back(&kw, id, limits, window_start, unanswered).await;
                } else if let Some((limit, until)) = full_until {
                    // Full as the database left it (nothing given back).
                    kw.limiter.note_full(id, limit, until);
                }
            }
            Err(e) => {
                let message = format!("{e:?}");
                for waiting in batch {
                    let error = ApiError::internal(anyhow::anyhow!("{message}"));
                    let _ = waiting.reply.send(Err(error));
                }
            }
        }
    }
    kw.limiter.retire(id, &gate);
}

/// What a batch took for uses whose callers had stopped waiting.
#[derive(Default)]
struct Refund {
    uses: i64,
    credits: i64,
}

/// Gives back what `refund` took, in a transaction of its own: the callers
/// were answered as unavailable, so their uses must count for nothing.
async fn give_back(kw: &Keyward, id: Uuid, limits: KeyLimits, window: Option<i64>, refund: Refund) {
    let key = id.to_string();
    let given = kw
        .blocking(move |_, conn| {
            conn.transaction(|conn| {
                if let (Some(_), Some(start)) = (limits.rate, window) {
                    counters::give_back_uses(conn, &key, start, refund.uses)?;
                }
                if limits.credits.is_some() && refund.credits > 0 {
                    counters::give_back_credits(conn, &key, refund.credits)?;
                }
                Ok::<_, diesel::result::Error>(())
            })
            .map_err(ApiError::from)
        })
        .await;
    if let Err(e) = given {
        log::warn!("cannot give back the uses of key {id} answered as unavailable: {e:?}");
    }
}

/// Counts `asks`, in order, in one transaction: each is admitted if the
/// credits cover its cost and the rate window has room; credits are
/// checked first, and a refused use takes nothing. Returns the answers and
/// the start of the rate window counted in.
fn settle(
    conn: &mut AnyConnection,
    id: Uuid,
    limits: KeyLimits,
    asks: &[Ask],
    now: Timestamp,
) -> Result<(Vec<Admission>, Option<i64>), ApiError> {
    let key = id.to_string();
    conn.transaction(|conn| {
        let window = limits.rate.map(|rate| {
            let (start, reset_at) = rate.window(now);
            (rate, start, reset_at)
        });
        let mut used = match window {
            Some((_, start, _)) => Some(counters::lock_window(conn, &key, start)?),
            None => None,
        };
        let mut credits = match limits.credits {
            Some(policy) => Some(match counters::lock_credits(conn, &key)? {
                Some((remaining, at)) => {
                    let at = Timestamp::from_db(at);
                    let (balance, refilled) = balance_at(remaining, at, policy.refill, now);
                    (balance, if refilled { now } else { at })
                }
                // A change removed the balance meanwhile: nothing to spend.
                None => (0, now),
            }),
            None => None,
        };
        let (used_before, credits_before) = (used, credits);
        let mut admissions = Vec::with_capacity(asks.len());
        for ask in asks {
            let cost = if ask.peek { 1 } else { ask.cost };
            let outcome = if credits.is_some_and(|(balance, _)| balance < cost) {
                Outcome::UsageExceeded
            } else if window
                .zip(used)
                .is_some_and(|((rate, _, _), n)| n >= rate.limit)
            {
                Outcome::RateLimited
            } else {
                Outcome::Admitted
            };
            if outcome == Outcome::Admitted && !ask.peek {
                if let Some((balance, _)) = credits.as_mut() {
                    *balance -= ask.cost;
                }
                if let Some(n) = used.as_mut() {
                    *n += 1;
                }
            }
            let rate = window.map(|(rate, _, reset_at)| RateStanding {
                limit: rate.limit,
                remaining: (rate.limit - used.unwrap_or_default()).max(0),
                reset_at,
            });
            admissions.push(Admission {
                outcome,
                standing: Standing {
                    rate,
                    credits: credits.map(|(balance, _)| balance),
                },
            });
        }
        if let (Some((_, start, _)), Some(n)) = (window, used) {
            if used_before != used {
                counters::store_window(conn, &key, start, n)?;
            }
        }
        if let Some((balance, refilled_at)) = credits.filter(|_| credits_before != credits) {
            counters::store_credits(conn, &key, balance, refilled_at.to_db())?;
        }
        Ok((admissions, window.map(|(_, start, _)| start)))
    })
}

/// Drops rate windows that have ended, every `interval`, on a thread of its
/// own; stops when the limiter is dropped.
pub fn prune_in_background(limiter: Weak<Limiter>, db: Database, interval: Duration) {
    let spawned = std::thread::Builder::new()
        .name("keyward-windows".into())
        .spawn(move || loop {
            std::thread::sleep(interval);
            if limiter.upgrade().is_none() {
                return;
            }
            let pruned = db.get().map_err(|e| e.to_string()).and_then(|mut conn| {
                counters::prune_ended_windows(&mut conn, Timestamp::now().unix_seconds())
                    .map_err(|e| e.to_string())
            });
            if let Err(e) = pruned {
                log::warn!("cannot prune ended rate windows: {e}");
            }
        });
    if let Err(e) = spawned {
        log::error!("cannot start the rate window pruner: {e}");
    }
}
