//! The real `keyward serve` process stopped the hard way (SIGKILL while key
//! creations stream in) and the polite way (SIGTERM during a slow create):
//! what a client was told was saved must still be there, whole, afterwards.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{self, crn, key_path, keys_path, Backend, Reply, TestDatabase};
use crate::process::{create_account, keyward, wait_until, PipedServer, TIMEOUT};

/// argon2id costly enough that one create takes a noticeable time.
const SLOW_HASHING: [&str; 4] = ["--argon2-memory-kib", "65536", "--argon2-iterations", "3"];

/// The native key object's fields (without `secret`), sorted.
const KEY_FIELDS: [&str; 16] = [
    "accountId",
    "apiKey",
    "createdAt",
    "createdBy",
    "description",
    "enabled",
    "expiresAt",
    "id",
    "lastUsedAt",
    "modifiedAt",
    "modifiedBy",
    "name",
    "revokedAt",
    "role",
    "status",
    "version",
];

/// A running `keyward serve` child.
struct Server(PipedServer);

impl Server {
    /// `keyward serve --bind 127.0.0.1:0 --no-bootstrap --database-url URL HASHING`,
    /// once it says where it listens.
    fn start(url: &str, hashing: &[&str]) -> Self {
        let mut cmd = keyward(&[
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--no-bootstrap",
            "--database-url",
            url,
        ]);
        cmd.args(hashing);
        Self(PipedServer::start(cmd))
    }

    fn base(&self) -> &str {
        &self.0.base
    }

    fn pid(&self) -> u32 {
        self.0.child.0.id()
    }

    fn stderr(&self) -> String {
        self.0.stderr()
    }

    /// SIGKILL, and reap.
    fn kill(&mut self) {
        self.0.child.0.kill().expect("SIGKILL keyward");
        self.0.child.0.wait().expect("reap keyward");
    }

    fn agent() -> ureq::Agent {
        ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(2))
            .timeout(TIMEOUT)
            .build()
    }

    fn get(&self, path: &str, key: Option<&str>) -> Reply {
        let req = Self::agent().get(&format!("{}{path}", self.base()));
        helpers::send(helpers::with_key(req, key), None)
    }
}

/// What became of one create request.
enum Outcome {
    /// 200, with the secret.
    Saved(String),
    /// No answer: the connection broke or was refused.
    Lost,
    /// Any other answer.
    Refused(u16, String),
}

/// POSTs a merchant-terminal key named `name`.
fn create(agent: &ureq::Agent, base: &str, account: &str, owner: &str, name: &str) -> Outcome {
    let result = agent
        .post(&format!("{base}{}", keys_path(account)))
        .set("x-api-key", owner)
        .set("content-type", "application/json")
        .send_string(&json!({ "name": name, "role": "merchant-terminal" }).to_string());
    match result {
        Ok(response) => {
            let status = response.status();
            match response.into_string() {
                Ok(text) => match serde_json::from_str::<Value>(&text) {
                    Ok(body) if status == 200 => Outcome::Saved(
                        body["secret"]
                            .as_str()
                            .unwrap_or_else(|| panic!("200 without a secret: {text}"))
                            .to_owned(),
                    ),
                    _ => Outcome::Refused(status, text),
                },
                // The status line came, the body did not: not acknowledged.
                Err(_) => Outcome::Lost,
            }
        }
        Err(ureq::Error::Status(status, response)) => {
            Outcome::Refused(status, response.into_string().unwrap_or_default())
        }
        Err(ureq::Error::Transport(_)) => Outcome::Lost,
    }
}

/// Checks that `key` is a complete, untouched merchant-terminal key of `account`.
fn assert_complete(key: &Value, account: &str) {
    let mut fields: Vec<&str> = key
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {key}"))
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, KEY_FIELDS, "{key}");
    let owner_crn = crn(&account, "owner");
    assert_eq!(key["accountId"], account, "{key}");
    assert_eq!(key["role"], "merchant-terminal", "{key}");
    assert_eq!(key["enabled"], true, "{key}");
    assert_eq!(key["status"], "active", "{key}");
    assert_eq!(key["version"], "1", "{key}");
    assert_eq!(key["revokedAt"], Value::Null, "{key}");
    assert_eq!(key["description"], Value::Null, "{key}");
    assert_eq!(key["createdBy"], owner_crn.as_str(), "{key}");
    assert_eq!(key["modifiedBy"], owner_crn.as_str(), "{key}");
    assert_eq!(key["createdAt"], key["modifiedAt"], "{key}");
    let id = key["id"].as_str().expect("id");
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{key}");
    let masked = key["apiKey"].as_str().expect("apiKey");
    assert!(
        masked.len() == 9 && masked.starts_with("..."),
        "masked key {masked:?}"
    );
}

/// `PRAGMA integrity_check` of the SQLite file at `path`.
fn sqlite_integrity(path: &str) -> Vec<String> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    let mut conn = diesel::SqliteConnection::establish(path).expect("open the SQLite file");
    diesel::sql_query("PRAGMA integrity_check")
        .load::<Row>(&mut conn)
        .expect("integrity_check")
        .into_iter()
        .map(|row| row.integrity_check)
        .collect()
}

/// Runs `SQL` (a `SELECT COUNT(*) AS n ...`) through the library's own store.
fn count(url: &str, sql: &str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let db = keyward::store::Database::open(url, 1).expect("open database");
    let mut conn = db.get().expect("connection");
    diesel::sql_query(sql)
        .get_result::<Count>(&mut *conn)
        .expect("count")
        .n
}

/// Streams creates from 4 clients, SIGKILLs the server ~300 ms in, restarts
/// it, and checks every acknowledged key and every key that is there.
fn sigkill_during_creates_loses_no_acknowledged_key(backend: Backend) {
    const CLIENTS: usize = 4;
    const MAX_PER_CLIENT: usize = 5_000;
    let started = Instant::now();
    let db = TestDatabase::new(backend);
    let (account, owner) = create_account(&db.url);
    let mut server = Server::start(&db.url, &[]);
    // The owner's secret is verified (and cached) before the stream starts.
    assert_eq!(server.get("/api/me", Some(&owner)).status, 200);

    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (base, account, owner, stop, acknowledged) = (
                server.base().to_owned(),
                account.clone(),
                owner.clone(),
                Arc::clone(&stop),
                Arc::clone(&acknowledged),
            );
            std::thread::spawn(move || {
                let agent = Server::agent();
                let deadline = Instant::now() + TIMEOUT;
                let mut outcomes = Vec::new();
                for i in 0..MAX_PER_CLIENT {
                    if stop.load(Ordering::SeqCst) || Instant::now() > deadline {
                        break;
                    }
                    let name = format!("C{client}K{i}");
                    let outcome = create(&agent, &base, &account, &owner, &name);
                    if matches!(outcome, Outcome::Saved(_)) {
                        acknowledged.fetch_add(1, Ordering::SeqCst);
                    }
                    let lost = matches!(outcome, Outcome::Lost);
                    outcomes.push((name, outcome));
                    // Once the server is gone every further attempt fails alike.
                    if lost {
                        break;
                    }
                }
                outcomes
            })
        })
        .collect();

    // ~300 ms in, and once a few creates are through (a loaded machine may
    // need longer), pull the plug.
    std::thread::sleep(Duration::from_millis(300));
    let waiting = Instant::now();
    while acknowledged.load(Ordering::SeqCst) < 5 && waiting.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let before_kill = server.stderr();
    server.kill();
    stop.store(true, Ordering::SeqCst);

    let mut saved: BTreeMap<String, String> = BTreeMap::new();
    let mut lost: BTreeSet<String> = BTreeSet::new();
    let mut refused = Vec::new();
    for client in clients {
        for (name, outcome) in client.join().expect("client thread") {
            match outcome {
                Outcome::Saved(secret) => {
                    saved.insert(name, secret);
                }
                Outcome::Lost => {
                    lost.insert(name);
                }
                Outcome::Refused(status, body) => refused.push((name, status, body)),
            }
        }
    }
    assert!(
        refused.is_empty(),
        "creates answered with something other than 200 before the kill: {refused:#?}\nserver stderr:\n{before_kill}"
    );
    assert!(
        !saved.is_empty(),
        "no create finished before the kill: nothing was tested"
    );
    assert!(
        lost.len() <= CLIENTS,
        "each client stops at its first lost request: {lost:?}"
    );

    if let Some(path) = db.sqlite_path() {
        assert_eq!(
            sqlite_integrity(path),
            ["ok"],
            "SQLite file damaged by SIGKILL"
        );
    }

    let server = Server::start(&db.url, &[]);
    for (name, secret) in &saved {
        let reply = server.get(&key_path(&account, name), Some(&owner));
        assert_eq!(
            reply.status, 200,
            "acknowledged key {name} is gone after SIGKILL: {:?}",
            reply.body
        );
        assert_complete(&reply.body, &account);
        assert_eq!(reply.body["name"], name.as_str());
        let id = reply.body["id"].as_str().expect("id").replace('-', "");
        assert_eq!(
            &secret[3..35],
            id,
            "{name}: the secret names another key id"
        );
        assert!(
            secret.ends_with(&reply.body["apiKey"].as_str().expect("apiKey")[3..]),
            "{name}: masked key does not match the acknowledged secret"
        );
        let me = server.get("/api/me", Some(secret));
        assert_eq!(
            me.status, 200,
            "acknowledged key {name} does not authenticate after SIGKILL: {:?}",
            me.body
        );
        assert_eq!(me.body["name"], name.as_str(), "{:?}", me.body);
    }

    let listed = server.get(&keys_path(&account), Some(&owner));
    assert_eq!(listed.status, 200, "{:?}", listed.body);
    let listed: Vec<&Value> = listed
        .body
        .as_array()
        .expect("list")
        .iter()
        .filter(|key| key["name"] != "owner")
        .collect();
    for key in &listed {
        assert_complete(key, &account);
        let name = key["name"].as_str().expect("name");
        assert!(
            saved.contains_key(name) || lost.contains(name),
            "key {name} was never asked for: {key}"
        );
    }
    let listed_names: BTreeSet<&str> = listed
        .iter()
        .map(|key| key["name"].as_str().expect("name"))
        .collect();
    assert!(
        listed.len() >= saved.len(),
        "{} acknowledged, {} listed",
        saved.len(),
        listed.len()
    );
    assert_eq!(
        listed_names.len(),
        listed.len(),
        "a name is listed twice: {listed_names:?}"
    );
    assert_eq!(
        count(&db.url, "SELECT COUNT(*) AS n FROM api_keys"),
        listed.len() as i64 + 1,
        "rows and listed keys differ"
    );
    eprintln!(
        "{backend:?}: {} acknowledged, {} lost in flight ({} of those committed), {:?} in all",
        saved.len(),
        lost.len(),
        listed.len() - saved.len(),
        started.elapsed()
    );
}

/// SIGTERM while a slow create is being hashed: the create finishes with 200,
/// the key is saved, and the process exits 0.
fn sigterm_lets_an_in_flight_create_finish(backend: Backend) {
    let started = Instant::now();
    let db = TestDatabase::new(backend);
    let (account, owner) = create_account(&db.url);
    let mut server = Server::start(&db.url, &SLOW_HASHING);
    let base = server.base().to_owned();

    // One create at this cost first: how long the hashing takes here.
    let timer = Instant::now();
    let warm_up = create(&Server::agent(), &base, &account, &owner, "WarmUp");
    let took = timer.elapsed();
    assert!(
        matches!(warm_up, Outcome::Saved(_)),
        "warm-up create failed; stderr:\n{}",
        server.stderr()
    );

    let in_flight = {
        let (base, account, owner) = (base.clone(), account.clone(), owner.clone());
        std::thread::spawn(move || {
            // Its own agent, dropped with the thread: no idle keep-alive
            // connection outlives the request.
            let outcome = create(&Server::agent(), &base, &account, &owner, "Drained");
            let done = Instant::now();
            (outcome, done)
        })
    };
    // ~50 ms, but well inside the time one create takes here.
    std::thread::sleep(Duration::from_millis(50).min(took / 3));
    let signalled = Instant::now();
    let kill = Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .expect("run kill -TERM");
    assert!(kill.success(), "kill -TERM failed: {kill}");

    let (outcome, answered) = in_flight.join().expect("request thread");
    let status = wait_until(&mut server.0.child.0, Duration::from_secs(30));
    let exited_after = signalled.elapsed();
    let stderr = server.stderr();
    let secret = match outcome {
        Outcome::Saved(secret) => secret,
        Outcome::Lost => panic!(
            "the create in flight at SIGTERM got no answer (one create takes {took:?}); stderr:\n{stderr}"
        ),
        Outcome::Refused(status, body) => panic!(
            "the create in flight at SIGTERM got {status} {body}; stderr:\n{stderr}"
        ),
    };
    assert!(
        answered > signalled,
        "the create finished before SIGTERM was sent (one create takes {took:?}): nothing was tested"
    );
    let status = status.unwrap_or_else(|| {
        panic!("keyward serve still running 30 s after SIGTERM; stderr:\n{stderr}")
    });
    assert_eq!(
        status.code(),
        Some(0),
        "keyward serve after SIGTERM: {status}; stderr:\n{stderr}"
    );

    assert_eq!(
        count(
            &db.url,
            "SELECT COUNT(*) AS n FROM api_keys WHERE name = 'Drained'"
        ),
        1
    );
    assert_eq!(count(&db.url, "SELECT COUNT(*) AS n FROM api_keys"), 3);
    // And the key the client was given works once the service is back.
    let server = Server::start(&db.url, &[]);
    let me = server.get("/api/me", Some(&secret));
    assert_eq!(me.status, 200, "{:?}", me.body);
    assert_eq!(me.body["name"], "Drained");
    eprintln!(
        "{backend:?}: one create at this cost takes {took:?}; answered {:?} and exited {exited_after:?} after SIGTERM; {:?} in all",
        answered - signalled,
        started.elapsed()
    );
}

crate::on_both_backends!(
    sigkill_during_creates_loses_no_acknowledged_key,
    sigterm_lets_an_in_flight_create_finish,
);
