//! Usage analytics: every use of a key, counted per key, per UTC hour and
//! per outcome, without a database write per use.
//!
//! A use is an authentication on this API (the `x-api-key` of a request)
//! or a `POST /api/verify`, counted only when the credential names a key
//! that exists (a garbage credential has no key to count against; a session
//! token counts against its key). Its outcome is the verify code it got:
//! `VALID`, or the code of its refusal (`NOT_FOUND` for a wrong secret,
//! `DISABLED`, `RATE_LIMITED`, …). A wrong secret answered 429 by the
//! failure throttle still counts as `NOT_FOUND`: the throttle changes the
//! answer, not what was presented.
//!
//! Counts are held in memory (`Usage`): one map per shard of key ids, so
//! that two workers seldom take the same lock, and a use costs a lock, a
//! lookup and an addition. A thread (`keyward-usage`) writes them every
//! `--last-used-flush` seconds, the schedule of `lastUsedAt`, as one
//! upsert that adds to each (key, hour, outcome) row per few thousand
//! counts; a clean shutdown writes what is left (`Keyward::write_usage`).
//! A failed write keeps its counts for the next one.
//!
//! The usage routes read the table and add what this instance holds and
//! has not written yet, so a caller sees its own traffic at once. A write
//! takes the counts out of memory and adds them to the table under the
//! gate that those reads share, so a read sees each count exactly once:
//! either still in memory or already in the table. Other instances' unwritten counts show once
//! they write them.
//!
//! A second thread (`keyward-usage-prune`) deletes the hours that began
//! longer ago than the retention (`--usage-retention-days`), at start and
//! every hour.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use uuid::Uuid;

use super::api_keys::{find, KeyRef};
use super::verify::VerifyCode;
use super::{convert, Asked, Keyward};
use crate::domain::permission::Action;
use crate::domain::{AccountId, KeyName, Principal, Timestamp};
use crate::error::ApiError;
use crate::store::usage::{self as table, UsageRow};
use crate::store::{api_keys, AnyConnection, Database};

/// Seconds in an hour and in a day: the two bucket sizes.
pub const HOUR: i64 = 3_600;
pub const DAY: i64 = 86_400;

/// The most buckets one series may hold: 31 days by hour.
pub const MAX_BUCKETS: i64 = 744;
/// The longest range the account's top keys may sum over: 366 days.
pub const MAX_TOP_HOURS: i64 = 366 * 24;
/// Keys the top list holds when the caller names no limit.
pub const DEFAULT_TOP: i64 = 10;
/// How long buckets are kept when the operator says nothing.
pub const DEFAULT_RETENTION_DAYS: u64 = 90;

/// The latest instant a range may end at (`9999-12-31T00:00:00Z`), so
/// that every bucket start can be shown.
const LAST_END: i64 = 253_402_214_400;

/// Shards of the in-memory counts.
const SHARDS: usize = 64;
/// Counts written per statement: four parameters each, well under
/// SQLite's limit.
const CHUNK: usize = 2_500;
/// How often old buckets are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(3_600);

/// How a series is cut into buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    Hour,
    Day,
}

impl Granularity {
    /// `hour` or `day`; anything else is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "hour" => Some(Granularity::Hour),
            "day" => Some(Granularity::Day),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::Hour => "hour",
            Granularity::Day => "day",
        }
    }

    /// The length of a bucket, in seconds.
    pub fn seconds(self) -> i64 {
        match self {
            Granularity::Hour => HOUR,
            Granularity::Day => DAY,
        }
    }

    /// How many buckets a series holds when the caller names no `from`:
    /// the last 24 hours, or the last 30 days.
    fn default_buckets(self) -> i64 {
        match self {
            Granularity::Hour => 24,
            Granularity::Day => 30,
        }
    }
}

/// What a key's usage series was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesAsked {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub granularity: Granularity,
}

/// What the account's top keys were asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopAsked {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// How many keys, 1 to 1000.
    pub limit: Option<i64>,
}

/// Uses by outcome (`VALID`, `DISABLED`, …); outcomes with no use are left out.
pub type Outcomes = BTreeMap<String, i64>;

/// The uses of one bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub start: Timestamp,
    pub outcomes: Outcomes,
}

impl Bucket {
    pub fn total(&self) -> i64 {
        self.outcomes.values().sum()
    }
}

/// A key's uses over a range, bucket by bucket, every bucket of the range
/// listed (with no outcomes when the key was not used in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub account_id: AccountId,
    pub key_id: Uuid,
    pub key_name: KeyName,
    pub granularity: Granularity,
    /// The start of the first bucket.
    pub from: Timestamp,
    /// The end of the last bucket.
    pub to: Timestamp,
    pub buckets: Vec<Bucket>,
}

impl Series {
    /// The uses of the whole range by outcome.
    pub fn outcomes(&self) -> Outcomes {
        let mut sum = Outcomes::new();
        for bucket in &self.buckets {
            add_all(&mut sum, &bucket.outcomes);
        }
        sum
    }
}

/// One key's uses over a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyTotals {
    pub key_id: Uuid,
    pub key_name: String,
    pub outcomes: Outcomes,
}

impl KeyTotals {
    pub fn total(&self) -> i64 {
        self.outcomes.values().sum()
    }
}

/// The keys of an account most used over a range, most used first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopKeys {
    pub account_id: AccountId,
    pub from: Timestamp,
    pub to: Timestamp,
    pub keys: Vec<KeyTotals>,
}

fn add_all(sum: &mut Outcomes, outcomes: &Outcomes) {
    for (outcome, uses) in outcomes {
        *sum.entry(outcome.clone()).or_default() += uses;
    }
}

// ---- ranges -----------------------------------------------------------------

/// A range of whole buckets: from `from` up to (not including) `to`, Unix
/// seconds, both multiples of `step`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    from: i64,
    to: i64,
    step: i64,
}

impl Range {
    /// The buckets of `step` seconds that cover `from` to `to`: `to` is
    /// `now` when not given, `from` the `default_buckets` before `to`. At
    /// most `max` buckets; `unit` names a bucket in the refusal.
    fn covering(
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        now: Timestamp,
        step: i64,
        default_buckets: i64,
        max: i64,
        unit: &str,
    ) -> Result<Self, ApiError> {
        let bad = |message: String| Err(ApiError::BadRequest(message));
        if let (Some(from), Some(to)) = (from, to) {
            if from >= to {
                return bad("from must be before to".into());
            }
        } else if let (Some(from), None) = (from, to) {
            if from >= now {
                return bad("from must be before to, which is now when left out".into());
            }
        }
        let end = to.unwrap_or(now);
        // A partial second still reaches into the next one.
        let end_seconds = end.unix_seconds() + i64::from(end.to_db().millisecond() > 0);
        let to = ceil(end_seconds, step);
        if to > LAST_END {
            return bad("to must be at most 9999-12-31T00:00:00Z".into());
        }
        let from = match from {
            Some(from) => from.unix_seconds().div_euclid(step) * step,
            None => to - default_buckets * step,
        };
        let buckets = (to - from) / step;
        if buckets > max {
            return bad(format!("from to to spans {buckets} {unit}s; at most {max}"));
        }
        Ok(Self { from, to, step })
    }

    fn start(&self) -> Timestamp {
        Timestamp::from_unix_seconds(self.from)
    }

    fn end(&self) -> Timestamp {
        Timestamp::from_unix_seconds(self.to)
    }

    /// Every bucket of the range, empty.
    fn buckets(&self) -> Vec<Bucket> {
        (self.from..self.to)
            .step_by(usize::try_from(self.step).unwrap_or(usize::MAX))
            .map(|start| Bucket {
                start: Timestamp::from_unix_seconds(start),
                outcomes: Outcomes::new(),
            })
            .collect()
    }

    /// Adds uses of the hour that starts at `hour` to its bucket, if the
    /// range holds it.
    fn add(&self, buckets: &mut [Bucket], hour: i64, outcome: &str, uses: i64) {
        if !(self.from..self.to).contains(&hour) {
            return;
        }
        let index = (hour - self.from) / self.step;
        if let Some(bucket) = usize::try_from(index).ok().and_then(|i| buckets.get_mut(i)) {
            *bucket.outcomes.entry(outcome.to_owned()).or_default() += uses;
        }
    }
}

/// The smallest multiple of `step` at or after `seconds`.
fn ceil(seconds: i64, step: i64) -> i64 {
    -((-seconds).div_euclid(step) * step)
}

// ---- the operations -------------------------------------------------------------

/// A key's uses from `from` to `to` by hour or by day, as this instance
/// sees them: what is stored and what it has not written yet.
pub async fn series(
    kw: &Keyward,
    caller: &Principal,
    account_id: &str,
    key: KeyRef,
    asked: Asked<SeriesAsked>,
) -> Result<Series, ApiError> {
    let account = kw
        .authorize(caller, account_id, Action::ReadKeyUsage)
        .await?;
    let asked = asked?;
    let step = asked.granularity.seconds();
    let range = Range::covering(
        asked.from,
        asked.to,
        Timestamp::now(),
        step,
        asked.granularity.default_buckets(),
        MAX_BUCKETS,
        asked.granularity.as_str(),
    )?;
    kw.blocking(move |kw, conn| {
        let key = convert::api_key(find(conn, &account, &key)?)?;
        let (stored, pending) = {
            let _reading = kw.usage.reading();
            let stored = table::of_key(
                conn,
                &key.id.to_string(),
                range.start().to_db(),
                range.end().to_db(),
            )?;
            (stored, kw.usage.pending_of(key.id))
        };
        let mut buckets = range.buckets();
        for (hour, outcome, uses) in stored {
            let hour = Timestamp::from_db(hour).unix_seconds();
            range.add(&mut buckets, hour, &outcome, uses);
        }
        for count in pending {
            range.add(&mut buckets, count.hour, count.outcome.as_str(), count.uses);
        }
        Ok(Series {
            account_id: account,
            key_id: key.id,
            key_name: key.name,
            granularity: asked.granularity,
            from: range.start(),
            to: range.end(),
            buckets,
        })
    })
    .await
}

/// The `limit` keys of the account most used from `from` to `to` (whole
/// hours), with their uses by outcome; keys not used then are left out.
pub async fn top_keys(
    kw: &Keyward,
    caller: &Principal,
    account_id: &str,
    asked: Asked<TopAsked>,
) -> Result<TopKeys, ApiError> {
    let account = kw
        .authorize(caller, account_id, Action::ReadAccountUsage)
        .await?;
    let asked = asked?;
    let limit = super::paging::check_limit(asked.limit.unwrap_or(DEFAULT_TOP))?;
    let range = Range::covering(
        asked.from,
        asked.to,
        Timestamp::now(),
        HOUR,
        24,
        MAX_TOP_HOURS,
        "hour",
    )?;
    kw.blocking(move |kw, conn| {
        let (sums, pending) = {
            let _reading = kw.usage.reading();
            let sums = table::sums_of_account(
                conn,
                account.as_str(),
                range.start().to_db(),
                range.end().to_db(),
            )?;
            (sums, kw.usage.pending_of_account(&account))
        };
        let mut keys: HashMap<String, KeyTotals> = HashMap::new();
        for sum in sums {
            let key_id = Uuid::try_parse(&sum.api_key_id).map_err(|e| {
                ApiError::internal(anyhow::anyhow!(
                    "api_key_usage of {:?}: {e}",
                    sum.api_key_id
                ))
            })?;
            let totals = keys.entry(sum.api_key_id).or_insert_with(|| KeyTotals {
                key_id,
                key_name: sum.name,
                outcomes: Outcomes::new(),
            });
            *totals.outcomes.entry(sum.outcome).or_default() += sum.uses;
        }
        let mut unnamed = Vec::new();
        for (id, counts) in pending {
            let in_range: Vec<Count> = counts
                .into_iter()
                .filter(|count| (range.from..range.to).contains(&count.hour))
                .collect();
            if in_range.is_empty() {
                continue;
            }
            let totals = keys.entry(id.to_string()).or_insert_with(|| {
                unnamed.push(id);
                KeyTotals {
                    key_id: id,
                    key_name: String::new(),
                    outcomes: Outcomes::new(),
                }
            });
            for count in in_range {
                *totals
                    .outcomes
                    .entry(count.outcome.as_str().to_owned())
                    .or_default() += count.uses;
            }
        }
        name_keys(conn, &mut keys, &unnamed)?;
        let mut keys: Vec<KeyTotals> = keys.into_values().collect();
        keys.sort_by(|a, b| (b.total().cmp(&a.total())).then_with(|| a.key_name.cmp(&b.key_name)));
        keys.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(TopKeys {
            account_id: account,
            from: range.start(),
            to: range.end(),
            keys,
        })
    })
    .await
}

/// Fills in the names of the keys only this instance's unwritten counts named.
fn name_keys(
    conn: &mut AnyConnection,
    keys: &mut HashMap<String, KeyTotals>,
    unnamed: &[Uuid],
) -> Result<(), ApiError> {
    if unnamed.is_empty() {
        return Ok(());
    }
    for row in api_keys::find_many(conn, unnamed)? {
        if let Some(totals) = keys.get_mut(&row.id) {
            totals.key_name = row.name;
        }
    }
    Ok(())
}

// ---- counting in memory ---------------------------------------------------------

/// The uses of a key not yet written, by hour and outcome.
struct Tally {
    account: AccountId,
    counts: Vec<Count>,
}

/// Uses of one key in one hour (its start, Unix seconds) with one outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Count {
    hour: i64,
    outcome: VerifyCode,
    uses: i64,
}

impl Tally {
    /// A key has one or two counts at a time (an hour, mostly one
    /// outcome): a short list beats a map.
    fn add(&mut self, hour: i64, outcome: VerifyCode, uses: i64) {
        match (self.counts)
            .iter_mut()
            .find(|count| count.hour == hour && count.outcome == outcome)
        {
            Some(count) => count.uses += uses,
            None => self.counts.push(Count {
                hour,
                outcome,
                uses,
            }),
        }
    }
}

/// A count on its way to the table.
struct Pending {
    key: Uuid,
    account: AccountId,
    count: Count,
}

impl Pending {
    fn row(&self) -> UsageRow {
        UsageRow {
            api_key_id: self.key.to_string(),
            hour_start: Timestamp::from_unix_seconds(self.count.hour).to_db(),
            outcome: self.count.outcome.as_str(),
            uses: self.count.uses,
        }
    }
}

type Shard = Mutex<HashMap<Uuid, Tally>>;

/// The uses of one instance not yet written (see the module's comment).
pub struct Usage {
    /// `--usage-analytics`: off, nothing is counted.
    counting: bool,
    shards: Vec<Shard>,
    /// Read by the usage routes around their read of the table and of the
    /// shards; written around a flush.
    gate: RwLock<()>,
}

fn lock(shard: &Shard) -> MutexGuard<'_, HashMap<Uuid, Tally>> {
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The start of the current UTC hour, in Unix seconds.
fn current_hour() -> i64 {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
        });
    seconds - seconds % HOUR
}

impl Usage {
    pub fn new(counting: bool) -> Self {
        Self {
            counting,
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
            gate: RwLock::new(()),
        }
    }

    fn shard(&self, key: &Uuid) -> &Shard {
        let (high, low) = key.as_u64_pair();
        let index = usize::try_from((high ^ low) % SHARDS as u64).unwrap_or_default();
        &self.shards[index]
    }

    /// Counts a use of key `key`, of account `account`, with `outcome`, in
    /// the current hour. The hot path: one uncontended lock, mostly.
    pub fn record(&self, key: Uuid, account: &AccountId, outcome: VerifyCode) {
        if !self.counting {
            return;
        }
        let hour = current_hour();
        let mut shard = lock(self.shard(&key));
        match shard.get_mut(&key) {
            Some(tally) => tally.add(hour, outcome, 1),
            None => {
                let counts = vec![Count {
                    hour,
                    outcome,
                    uses: 1,
                }];
                let account = account.clone();
                shard.insert(key, Tally { account, counts });
            }
        }
    }

    fn reading(&self) -> RwLockReadGuard<'_, ()> {
        self.gate.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The unwritten counts of key `key`.
    fn pending_of(&self, key: Uuid) -> Vec<Count> {
        lock(self.shard(&key))
            .get(&key)
            .map(|tally| tally.counts.clone())
            .unwrap_or_default()
    }

    /// The unwritten counts of every key of `account`.
    fn pending_of_account(&self, account: &AccountId) -> Vec<(Uuid, Vec<Count>)> {
        let mut found = Vec::new();
        for shard in &self.shards {
            let shard = lock(shard);
            found.extend(
                shard
                    .iter()
                    .filter(|(_, tally)| tally.account == *account)
                    .map(|(key, tally)| (*key, tally.counts.clone())),
            );
        }
        found
    }

    fn is_empty(&self) -> bool {
        self.shards.iter().all(|shard| lock(shard).is_empty())
    }

    /// Every unwritten count, out of memory, in (key, hour, outcome) order.
    fn take(&self) -> Vec<Pending> {
        let mut taken = Vec::new();
        for shard in &self.shards {
            let tallies = std::mem::take(&mut *lock(shard));
            for (key, tally) in tallies {
                taken.extend(tally.counts.into_iter().map(|count| Pending {
                    key,
                    account: tally.account.clone(),
                    count,
                }));
            }
        }
        taken.sort_unstable_by(|a, b| {
            (a.key, a.count.hour, a.count.outcome.as_str()).cmp(&(
                b.key,
                b.count.hour,
                b.count.outcome.as_str(),
            ))
        });
        taken
    }

    /// Puts back counts a write could not add to the table.
    fn restore(&self, unwritten: &[Pending]) {
        for pending in unwritten {
            let mut shard = lock(self.shard(&pending.key));
            let tally = shard.entry(pending.key).or_insert_with(|| Tally {
                account: pending.account.clone(),
                counts: Vec::new(),
            });
            let Count {
                hour,
                outcome,
                uses,
            } = pending.count;
            tally.add(hour, outcome, uses);
        }
    }

    /// Adds every unwritten count to the table; how many counts. On a
    /// failure, what was not written stays in memory for the next time.
    fn flush(&self, db: &Database) -> Result<usize, String> {
        if self.is_empty() {
            return Ok(0);
        }
        // The connection before the gate: a route waiting at the gate
        // holds a connection, so the other order could wait on each other.
        let mut conn = db.get().map_err(|e| e.to_string())?;
        let _writing = self.gate.write().unwrap_or_else(PoisonError::into_inner);
        let taken = self.take();
        let mut written = 0;
        for chunk in taken.chunks(CHUNK) {
            let rows: Vec<UsageRow> = chunk.iter().map(Pending::row).collect();
            if let Err(e) = table::add(&mut conn, &rows) {
                self.restore(&taken[written..]);
                return Err(format!(
                    "{e}; {} count(s) kept for the next write",
                    taken.len() - written
                ));
            }
            written += chunk.len();
        }
        Ok(written)
    }
}

impl Keyward {
    /// Writes the uses this instance has counted and not yet written. What
    /// a clean shutdown does once the server has stopped; blocking.
    pub fn write_usage(&self) {
        if let Err(e) = self.usage.flush(&self.db) {
            log::warn!("could not write the usage counts: {e}");
        }
    }

    /// Counts a use of the key `named` (when a credential named one that
    /// exists) with the outcome it got.
    pub(super) fn count_use(
        &self,
        named: Option<&super::cache::CachedKey>,
        outcome: Result<&super::verify::Verdict, &ApiError>,
    ) {
        let Some(key) = named else {
            return;
        };
        let code = match outcome {
            Ok(verdict) => verdict.code(),
            // Only a credential found wrong is throttled.
            Err(ApiError::TooManyRequests(_)) => VerifyCode::NotFound,
            Err(_) => return,
        };
        self.usage.record(key.id, &key.account_id, code);
    }
}

/// Writes the counted uses every `interval` on a thread of its own; stops
/// when `usage` is dropped.
pub fn flush_in_background(usage: Weak<Usage>, db: Database, interval: Duration) {
    let spawned = std::thread::Builder::new()
        .name("keyward-usage".into())
        .spawn(move || loop {
            std::thread::sleep(interval);
            let Some(usage) = usage.upgrade() else {
                return;
            };
            if let Err(e) = usage.flush(&db) {
                log::warn!("could not write the usage counts, will retry: {e}");
            }
        });
    if let Err(e) = spawned {
        log::error!("cannot start the usage writer: {e}");
    }
}

/// Deletes the buckets of hours that began more than `retention` ago, at
/// start and then every hour, on a thread of its own; stops when `usage`
/// is dropped.
pub fn prune_in_background(usage: Weak<Usage>, db: Database, retention: Duration) {
    let retention = i64::try_from(retention.as_secs()).unwrap_or(i64::MAX);
    let spawned = std::thread::Builder::new()
        .name("keyward-usage-prune".into())
        .spawn(move || loop {
            if usage.upgrade().is_none() {
                return;
            }
            let before = Timestamp::now().plus_seconds(retention.saturating_neg());
            let pruned = db.get().map_err(|e| e.to_string()).and_then(|mut conn| {
                table::prune(&mut conn, before.to_db()).map_err(|e| e.to_string())
            });
            match pruned {
                Ok(0) => {}
                Ok(n) => log::info!("deleted {n} usage bucket(s) from before {before}"),
                Err(e) => log::warn!("cannot delete old usage buckets: {e}"),
            }
            std::thread::sleep(PRUNE_EVERY);
        });
    if let Err(e) = spawned {
        log::error!("cannot start the usage pruner: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    fn hours(from: Option<&str>, to: Option<&str>, now: &str) -> Result<Range, ApiError> {
        Range::covering(
            from.map(at),
            to.map(at),
            at(now),
            HOUR,
            24,
            MAX_BUCKETS,
            "hour",
        )
    }

    #[test]
    fn the_default_is_the_last_24_hours_with_the_current_one() {
        let range = hours(None, None, "2026-12-01T10:20:00Z").unwrap();
        assert_eq!(range.start(), at("2026-11-30T11:00:00Z"));
        assert_eq!(range.end(), at("2026-12-01T11:00:00Z"));
        assert_eq!(range.buckets().len(), 24);
    }

    #[test]
    fn a_range_covers_the_buckets_it_touches() {
        let range = hours(
            Some("2026-12-01T10:30:00+02:00"),
            Some("2026-12-01T12:00:00.001Z"),
            "2026-12-02T00:00:00Z",
        )
        .unwrap();
        assert_eq!(range.start(), at("2026-12-01T08:00:00Z"));
        assert_eq!(range.end(), at("2026-12-01T13:00:00Z"));
        let exact = hours(
            Some("2026-12-01T08:00:00Z"),
            Some("2026-12-01T12:00:00Z"),
            "2026-12-02T00:00:00Z",
        )
        .unwrap();
        assert_eq!(exact.buckets().len(), 4);
    }

    #[test]
    fn days_start_at_midnight_utc() {
        let range = Range::covering(
            None,
            Some(at("2026-12-01T10:00:00Z")),
            at("2026-12-05T00:00:00Z"),
            DAY,
            30,
            MAX_BUCKETS,
            "day",
        )
        .unwrap();
        assert_eq!(range.start(), at("2026-11-02T00:00:00Z"));
        assert_eq!(range.end(), at("2026-12-02T00:00:00Z"));
        let mut buckets = range.buckets();
        range.add(
            &mut buckets,
            at("2026-12-01T09:00:00Z").unix_seconds(),
            "VALID",
            3,
        );
        range.add(
            &mut buckets,
            at("2026-12-02T00:00:00Z").unix_seconds(),
            "VALID",
            5,
        );
        assert_eq!(buckets.last().unwrap().total(), 3);
    }

    #[test]
    fn refuses_backward_long_and_unshowable_ranges() {
        let now = "2026-12-01T00:00:00Z";
        let message = |r: Result<Range, ApiError>| match r {
            Err(ApiError::BadRequest(m)) => m,
            other => panic!("{other:?}"),
        };
        let t = "2026-11-01T00:00:00Z";
        assert_eq!(
            message(hours(Some(t), Some(t), now)),
            "from must be before to"
        );
        assert_eq!(
            message(hours(Some("2026-12-02T00:00:00Z"), None, now)),
            "from must be before to, which is now when left out"
        );
        assert_eq!(
            message(hours(Some("2026-10-01T00:00:00Z"), None, now)),
            "from to to spans 1464 hours; at most 744"
        );
        assert!(hours(Some("2026-10-31T00:00:00Z"), None, now).is_ok());
        assert_eq!(
            message(hours(None, Some("9999-12-31T00:00:01Z"), now)),
            "to must be at most 9999-12-31T00:00:00Z"
        );
        assert!(hours(None, Some("0000-01-01T00:00:00Z"), now).is_ok());
    }

    #[test]
    fn counts_stay_in_memory_until_taken_and_come_back_when_a_write_fails() {
        let usage = Usage::new(true);
        let account = AccountId::generate();
        let key = Uuid::new_v4();
        for _ in 0..3 {
            usage.record(key, &account, VerifyCode::Valid);
        }
        usage.record(key, &account, VerifyCode::Disabled);
        let pending = usage.pending_of(key);
        let uses: i64 = pending.iter().map(|c| c.uses).sum();
        assert_eq!((pending.len(), uses), (2, 4));
        assert_eq!(usage.pending_of_account(&account).len(), 1);
        assert!(usage.pending_of_account(&AccountId::generate()).is_empty());
        let taken = usage.take();
        assert_eq!(taken.len(), 2);
        assert!(usage.is_empty());
        usage.record(key, &account, VerifyCode::Valid);
        usage.restore(&taken);
        let valid: i64 = (usage.pending_of(key).iter())
            .filter(|c| c.outcome == VerifyCode::Valid)
            .map(|c| c.uses)
            .sum();
        assert_eq!(valid, 4);
    }

    #[test]
    fn nothing_is_counted_when_off() {
        let usage = Usage::new(false);
        usage.record(Uuid::new_v4(), &AccountId::generate(), VerifyCode::Valid);
        assert!(usage.is_empty());
    }
}
