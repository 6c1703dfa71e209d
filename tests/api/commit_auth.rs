//! A credential that has been disabled, revoked or suspended changes nothing
//! once the change that ended it has committed.
//!
//! - Every state-changing request re-checks its credential inside its own
//!   write transaction: once the key is disabled or revoked, the request is
//!   `401 Invalid authentication` and writes nothing, even on an instance
//!   whose cache still holds the key as usable.
//! - A key never switches itself on: `PUT` of its own name with
//!   `"enabled": true` is `403 FORBIDDEN`, whatever its state.
//! - Disabling a key ends, for good, every session token minted before or
//!   while the disable committed.
//!
//! Each race runs worker threads against a real server while the owner key
//! ends the acting key part-way through, on one instance and (PostgreSQL)
//! across two instances over the same database. Workers are bounded in
//! requests and time; the owner acts once the workers have made progress, and
//! the workers stop once enough requests were sent after the owner's change
//! returned.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::helpers::{
    assert_reply, crn, events_path, forbidden, invalid_authentication, key_path, keys_path,
    postgres_admin_url, rotate_path, spawn_app, spawn_peer, text, tokens_path, Backend, Reply,
    TestAccount, TestApp,
};

/// Worker threads per race.
const WORKERS: usize = 4;
/// Most requests one worker sends in a race.
const PER_WORKER: usize = 100;
/// Races per test.
const TRIALS: usize = 3;
/// Requests answered before the owner ends the key, and sent after that
/// change returned, before the workers stop.
const BEFORE: usize = 12;
const AFTER: usize = 12;
/// Longest any race, or any wait for a change to reach a peer, may take.
const TIME_LIMIT: Duration = Duration::from_secs(30);
const PROPAGATION_LIMIT: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------
// Paths, bodies and small readers.

fn timestamp(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &Rfc3339).unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

/// An account in `app`'s database with a second `account-owner` key `X`;
/// returns the account and X's secret.
fn account_with_x(app: &TestApp, trial: usize) -> (TestAccount, String) {
    let account = app.create_account(&format!("Acme{trial}"));
    let x = app.create_key(&account, "X", "account-owner");
    let secret = text(&x, "secret").to_owned();
    (account, secret)
}

/// A key as its owner sees it.
fn read_key(app: &TestApp, account: &TestAccount, name: &str) -> Value {
    let reply = app.get(&key_path(account, name), Some(&account.owner_key));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body
}

/// Every event of the key, newest first, through every page.
fn all_events(app: &TestApp, account: &TestAccount, name: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut page_key: Option<String> = None;
    loop {
        let mut path = format!("{}?limit=100", events_path(account, name));
        if let Some(page_key) = &page_key {
            path.push_str(&format!("&pageKey={page_key}"));
        }
        let reply = app.get(&path, Some(&account.owner_key));
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        events.extend(
            reply.body["items"]
                .as_array()
                .expect("items")
                .iter()
                .cloned(),
        );
        match reply.body["nextPageKey"].as_str() {
            Some(next) => page_key = Some(next.to_owned()),
            None => return events,
        }
    }
}

/// Switches `name` on or off with the owner key and checks the answer.
fn set_enabled(app: &TestApp, account: &TestAccount, name: &str, enabled: bool) -> Value {
    let reply = app.put(
        &key_path(account, name),
        Some(&account.owner_key),
        &json!({ "enabled": enabled }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["enabled"], json!(enabled));
    reply.body
}

fn mint(app: &TestApp, account: &TestAccount, key: &str) -> Reply {
    app.post(
        &tokens_path(account),
        Some(key),
        &json!({ "scope": "card" }),
    )
}

/// Waits up to `limit` for `check` to hold, polling briefly; with a zero
/// limit, `check` must hold at once.
fn wait_until(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

// ---------------------------------------------------------------------------
// Racing workers.

/// One request a worker made: when it was sent, and what came back.
struct Seen {
    sent: Instant,
    reply: Reply,
}

/// Threads sending requests until told to stop, each at most `PER_WORKER`
/// times and for at most `TIME_LIMIT`.
struct Workers {
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicUsize>,
    threads: Vec<JoinHandle<Vec<Seen>>>,
}

impl Workers {
    /// Starts `WORKERS` threads calling `request(app, worker, n)`.
    fn start<F>(app: &Arc<TestApp>, request: F) -> Self
    where
        F: Fn(&TestApp, usize, usize) -> Reply + Send + Sync + 'static,
    {
        let stop = Arc::new(AtomicBool::new(false));
        let answered = Arc::new(AtomicUsize::new(0));
        let request = Arc::new(request);
        let threads = (0..WORKERS)
            .map(|worker| {
                let app = Arc::clone(app);
                let (stop, answered) = (Arc::clone(&stop), Arc::clone(&answered));
                let request = Arc::clone(&request);
                std::thread::spawn(move || {
                    let start = Instant::now();
                    let mut seen = Vec::new();
                    for n in 0..PER_WORKER {
                        if stop.load(Ordering::SeqCst) || start.elapsed() > TIME_LIMIT {
                            break;
                        }
                        let sent = Instant::now();
                        let reply = request(&app, worker, n);
                        seen.push(Seen { sent, reply });
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    seen
                })
            })
            .collect();
        Self {
            stop,
            answered,
            threads,
        }
    }

    /// Waits until the workers have had `more` further answers, counting
    /// from now. With `WORKERS` requests in flight at most, at least
    /// `more - WORKERS` of them were sent after this call.
    fn wait_for(&self, more: usize) {
        let target = self.answered.load(Ordering::SeqCst) + more;
        wait_until("workers' progress", TIME_LIMIT, || {
            self.answered.load(Ordering::SeqCst) >= target
                || self.threads.iter().all(JoinHandle::is_finished)
        });
        assert!(
            self.answered.load(Ordering::SeqCst) >= target,
            "the workers stopped early"
        );
    }

    /// Stops the workers and returns every request they made.
    fn finish(self) -> Vec<Seen> {
        self.stop.store(true, Ordering::SeqCst);
        self.threads
            .into_iter()
            .flat_map(|t| t.join().expect("worker thread"))
            .collect()
    }
}

/// Runs the workers with `request`, lets `BEFORE` answers arrive, calls
/// `end` (the owner's change), and stops the workers once at least `AFTER`
/// requests were sent after `end` returned. Returns the requests and the
/// instant `end` returned.
fn race<F>(app: &Arc<TestApp>, request: F, end: impl FnOnce()) -> (Vec<Seen>, Instant)
where
    F: Fn(&TestApp, usize, usize) -> Reply + Send + Sync + 'static,
{
    let workers = Workers::start(app, request);
    workers.wait_for(BEFORE);
    end();
    let ended = Instant::now();
    workers.wait_for(AFTER + WORKERS);
    let seen = workers.finish();
    let after = seen.iter().filter(|s| s.sent >= ended).count();
    assert!(
        after >= AFTER,
        "only {after} requests sent after the change"
    );
    (seen, ended)
}

/// Where the owner acts, and where the acting key's requests go.
struct Instances {
    admin: Arc<TestApp>,
    racers: Arc<TestApp>,
}

impl Instances {
    fn one(backend: Backend) -> Self {
        let app = Arc::new(spawn_app(backend));
        Self {
            admin: Arc::clone(&app),
            racers: app,
        }
    }

    /// Two instances over one PostgreSQL database, or `None` without one.
    fn two_on_postgres() -> Option<Self> {
        postgres_admin_url()?;
        let admin = Arc::new(spawn_app(Backend::Postgres));
        let racers = Arc::new(spawn_peer(&admin));
        Some(Self { admin, racers })
    }

    fn same(&self) -> bool {
        Arc::ptr_eq(&self.admin, &self.racers)
    }

    /// How long a change may take to reach where the racers are: nothing
    /// on the instance that made it.
    fn propagation(&self) -> Duration {
        if self.same() {
            Duration::ZERO
        } else {
            PROPAGATION_LIMIT
        }
    }

    /// Every distinct instance.
    fn all(&self) -> Vec<&TestApp> {
        if self.same() {
            vec![&self.admin]
        } else {
            vec![&self.admin, &self.racers]
        }
    }

    /// Makes every instance hold `key` as valid, so that a stale cache is
    /// what the race runs against.
    fn warm(&self, key: &str) {
        for app in self.all() {
            assert_eq!(app.get("/api/me", Some(key)).status, 200);
        }
    }
}

// ---------------------------------------------------------------------------
// a, b: a key racing to switch itself back on.

fn self_enable_trial(instances: &Instances, trial: usize) {
    let (account, x_key) = account_with_x(&instances.admin, trial);
    instances.warm(&x_key);
    let (path, key) = (key_path(&account, "X"), x_key.clone());
    let (seen, disabled) = race(
        &instances.racers,
        move |app, worker, n| {
            let body = if n % 2 == 0 {
                json!({ "enabled": true })
            } else {
                json!({ "enabled": true, "description": format!("self {worker}.{n}") })
            };
            app.put(&path, Some(&key), &body)
        },
        || {
            set_enabled(&instances.admin, &account, "X", false);
        },
    );

    for s in &seen {
        match s.reply.status {
            401 => assert_eq!(s.reply.body, invalid_authentication()),
            403 => assert_eq!(s.reply.body, forbidden()),
            other => panic!(
                "trial {trial}: self-enable answered {other}: {:?}",
                s.reply.body
            ),
        }
        if instances.same() && s.sent >= disabled {
            assert_eq!(s.reply.status, 401, "trial {trial}: sent after the disable");
        }
    }
    assert!(
        seen.iter().any(|s| s.reply.status == 403),
        "trial {trial}: no self-enable was refused as such before the disable"
    );

    // X stays disabled, and only the owner ever changed it.
    for app in instances.all() {
        let key = read_key(app, &account, "X");
        assert_eq!(key["enabled"], json!(false), "trial {trial}: {key}");
        assert_eq!(key["version"], "2", "trial {trial}: {key}");
        assert_eq!(key["modifiedBy"], crn(&account, "owner"), "trial {trial}");
        assert_eq!(key["description"], Value::Null, "trial {trial}");
    }
    let events = all_events(&instances.admin, &account, "X");
    let x_crn = crn(&account, "X");
    assert!(
        events.iter().all(|e| e["actor"] != json!(x_crn)),
        "trial {trial}: X changed itself: {events:?}"
    );
    let kinds: Vec<&Value> = events.iter().map(|e| &e["kinds"]).collect();
    assert_eq!(
        kinds,
        [&json!(["disabled"]), &json!(["created"])],
        "trial {trial}"
    );
    assert_eq!(
        read_key(&instances.admin, &account, "X")["modifiedAt"],
        events[0]["occurredAt"]
    );
    // X itself is refused: at once by the admin instance, and by the racers'
    // once the change reaches it.
    assert_reply(
        &instances.admin.get("/api/me", Some(&x_key)),
        401,
        &invalid_authentication(),
    );
    wait_until("X refused by the racers", instances.propagation(), || {
        instances.racers.get("/api/me", Some(&x_key)).status == 401
    });
}

fn self_enable_race_ends_disabled(backend: Backend) {
    let instances = Instances::one(backend);
    for trial in 0..TRIALS {
        self_enable_trial(&instances, trial);
    }
}

#[test]
fn self_enable_race_across_instances_ends_disabled() {
    let Some(instances) = Instances::two_on_postgres() else {
        return;
    };
    for trial in 0..TRIALS {
        self_enable_trial(&instances, trial);
    }
}

// ---------------------------------------------------------------------------
// c: a key creating keys while it is revoked.

fn revoked_creates_trial(instances: &Instances, trial: usize) {
    let (account, x_key) = account_with_x(&instances.admin, trial);
    instances.warm(&x_key);
    let create_path = keys_path(&account);
    let (seen, revoked) = race(
        &instances.racers,
        move |app, worker, n| {
            app.post(
                &create_path,
                Some(&x_key),
                &json!({ "name": format!("W{worker}N{n}"), "role": "merchant-terminal" }),
            )
        },
        || {
            let reply = instances
                .admin
                .delete(&key_path(&account, "X"), Some(&account.owner_key));
            assert_eq!(reply.status, 204, "{:?}", reply.body);
        },
    );

    let mut created: Vec<String> = Vec::new();
    for s in &seen {
        match s.reply.status {
            200 => {
                assert!(
                    s.sent < revoked,
                    "trial {trial}: a create sent after the revocation succeeded: {:?}",
                    s.reply.body
                );
                assert_eq!(s.reply.body["createdBy"], crn(&account, "X"));
                created.push(text(&s.reply.body, "name").to_owned());
            }
            401 => assert_eq!(s.reply.body, invalid_authentication()),
            other => panic!("trial {trial}: create answered {other}: {:?}", s.reply.body),
        }
    }
    assert!(
        !created.is_empty(),
        "trial {trial}: X created nothing before"
    );
    created.sort();

    // What X created is exactly what it was told it created, and all of it
    // before its revocation.
    // Without a filter the list includes revoked keys.
    let list = instances
        .admin
        .get(&keys_path(&account), Some(&account.owner_key));
    assert_eq!(list.status, 200, "{:?}", list.body);
    let keys = list.body.as_array().expect("a list");
    let x = keys.iter().find(|k| k["name"] == "X").expect("X is listed");
    assert_eq!(x["status"], "revoked", "{x}");
    let revoked_at = timestamp(text(x, "revokedAt"));
    let x_crn = crn(&account, "X");
    let mut by_x: Vec<String> = Vec::new();
    for key in keys.iter().filter(|k| k["createdBy"] == json!(x_crn)) {
        let created_at = timestamp(text(key, "createdAt"));
        assert!(
            created_at <= revoked_at,
            "trial {trial}: {} created at {created_at} after X's revocation at {revoked_at}",
            key["name"]
        );
        by_x.push(text(key, "name").to_owned());
    }
    by_x.sort();
    assert_eq!(by_x, created, "trial {trial}");
    // The owner, X, and what X created.
    assert_eq!(keys.len(), 2 + created.len(), "trial {trial}");
}

fn revoked_key_creates_nothing_after_revocation(backend: Backend) {
    let instances = Instances::one(backend);
    for trial in 0..TRIALS {
        revoked_creates_trial(&instances, trial);
    }
}

#[test]
fn revoked_key_creates_nothing_after_revocation_across_instances() {
    let Some(instances) = Instances::two_on_postgres() else {
        return;
    };
    for trial in 0..TRIALS {
        revoked_creates_trial(&instances, trial);
    }
}

// ---------------------------------------------------------------------------
// d: tokens minted while their key is disabled.

fn tokens_across_disable_trial(instances: &Instances, trial: usize) {
    let (account, x_key) = account_with_x(&instances.admin, trial);
    instances.warm(&x_key);
    let tokens_before = instances.admin.count_rows("session_tokens");
    let (race_account, race_key) = (account.clone(), x_key.clone());
    let (seen, disabled) = race(
        &instances.racers,
        move |app, _, _| mint(app, &race_account, &race_key),
        || {
            set_enabled(&instances.admin, &account, "X", false);
        },
    );

    let mut tokens: Vec<String> = Vec::new();
    for s in &seen {
        match s.reply.status {
            200 => {
                assert!(
                    s.sent < disabled,
                    "trial {trial}: a mint sent after the disable succeeded"
                );
                tokens.push(text(&s.reply.body, "sessionToken").to_owned());
            }
            401 => assert_eq!(s.reply.body, invalid_authentication()),
            other => panic!("trial {trial}: mint answered {other}: {:?}", s.reply.body),
        }
    }
    assert!(!tokens.is_empty(), "trial {trial}: nothing minted before");
    assert_eq!(
        instances.admin.count_rows("session_tokens"),
        tokens_before + tokens.len() as i64,
        "trial {trial}: a refused mint wrote a token"
    );

    // Enabled again: the key works (on the peer once the change reaches it),
    // and a token minted now works.
    set_enabled(&instances.admin, &account, "X", true);
    let mut fresh = String::new();
    wait_until(
        "a fresh token through the racers",
        instances.propagation(),
        || {
            let reply = mint(&instances.racers, &account, &x_key);
            if reply.status != 200 {
                return false;
            }
            fresh = text(&reply.body, "sessionToken").to_owned();
            instances.racers.get("/api/me", Some(&fresh)).status == 200
        },
    );

    // Every token minted up to the disable stays ended, everywhere.
    let dead = json!({ "valid": false, "code": "DISABLED" });
    for app in instances.all() {
        for token in &tokens {
            assert_reply(
                &app.get("/api/me", Some(token)),
                401,
                &invalid_authentication(),
            );
            let verdict = app.post("/api/verify", None, &json!({ "sessionToken": token }));
            assert_reply(&verdict, 200, &dead);
        }
        assert_eq!(app.get("/api/me", Some(&fresh)).status, 200);
    }
}

fn tokens_minted_across_a_disable_stay_dead(backend: Backend) {
    let instances = Instances::one(backend);
    for trial in 0..TRIALS {
        tokens_across_disable_trial(&instances, trial);
    }
}

#[test]
fn tokens_minted_across_a_disable_stay_dead_across_instances() {
    let Some(instances) = Instances::two_on_postgres() else {
        return;
    };
    for trial in 0..TRIALS {
        tokens_across_disable_trial(&instances, trial);
    }
}

// ---------------------------------------------------------------------------
// e: a disabled key's writes, one at a time.

/// X, warm in every instance's cache, is disabled through the admin
/// instance; every write X then sends to `writer` is 401 and changes nothing.
fn disabled_writes_refused(instances: &Instances, writer: &TestApp) {
    let (account, x_key) = account_with_x(&instances.admin, 0);
    instances
        .admin
        .create_key(&account, "Victim", "merchant-terminal");
    let path = key_path(&account, "X");
    let described = writer.put(&path, Some(&x_key), &json!({ "description": "before" }));
    assert_eq!(described.status, 200, "{:?}", described.body);
    assert_eq!(described.body["version"], "2");
    instances.warm(&x_key);

    let disabled = set_enabled(&instances.admin, &account, "X", false);
    assert_eq!(disabled["version"], "3");
    let victim = read_key(&instances.admin, &account, "Victim");
    let keys = instances.admin.count_rows("api_keys");
    let tokens = instances.admin.count_rows("session_tokens");

    let refused = [
        writer.put(&path, Some(&x_key), &json!({ "description": "after" })),
        writer.post(
            &rotate_path(&account, "X"),
            Some(&x_key),
            &json!({ "gracePeriodSeconds": 0 }),
        ),
        writer.post(
            &keys_path(&account),
            Some(&x_key),
            &json!({ "name": "Late", "role": "account-owner" }),
        ),
        writer.put(
            &key_path(&account, "Victim"),
            Some(&x_key),
            &json!({ "description": "taken over" }),
        ),
        writer.delete(&key_path(&account, "Victim"), Some(&x_key)),
        mint(writer, &account, &x_key),
    ];
    for reply in &refused {
        assert_reply(reply, 401, &invalid_authentication());
    }

    assert_eq!(read_key(&instances.admin, &account, "X"), disabled);
    assert_eq!(read_key(&instances.admin, &account, "Victim"), victim);
    assert_eq!(all_events(&instances.admin, &account, "X").len(), 3);
    assert_eq!(instances.admin.count_rows("api_keys"), keys);
    assert_eq!(instances.admin.count_rows("session_tokens"), tokens);
}

fn disabled_key_write_refused_at_once(backend: Backend) {
    let instances = Instances::one(backend);
    disabled_writes_refused(&instances, &instances.admin);
}

/// The same on a peer whose cache still holds X as enabled: the write's own
/// transaction sees the committed disable.
#[test]
fn disabled_key_write_refused_on_a_peer_with_a_warm_cache() {
    let Some(instances) = Instances::two_on_postgres() else {
        return;
    };
    disabled_writes_refused(&instances, &instances.racers);
}

crate::on_both_backends!(
    self_enable_race_ends_disabled,
    revoked_key_creates_nothing_after_revocation,
    tokens_minted_across_a_disable_stay_dead,
    disabled_key_write_refused_at_once,
);
