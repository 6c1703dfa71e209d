//! The long tail of the hot path: what must hold at the edges of throttling,
//! client addressing and caching.
//!
//! - First uses of many keys at once are never refused: counting attempts
//!   in advance must not turn a burst of valid keys into 429s.
//! - A valid key is never throttled, however hard its address or its key id
//!   has been flooded with bad credentials.
//! - Behind a trusted proxy the forwarded address is the client; from anyone
//!   else a forwarding header is ignored.
//! - A change to one key drops only that key from the caches, on the
//!   instance that made it and on every other one.
//! - Changes reach another instance within a second.
//!
//! Where throttling matters the servers run the default throttle (20
//! failures per 60 s per address and per key id), with a short tarpit.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use keyward::http::client::TrustedProxies;
use keyward::secret::{CredentialKind, Secret};
use serde_json::{json, Value};

use crate::helpers::{
    crn, default_throttle_tuning, error_body, invalid_authentication, key_path, keys_path, send,
    spawn_app, spawn_app_configured, spawn_peer, spawn_peer_configured, text, with_key,
    AppSettings, Backend, Reply, TestAccount, TestApp, PROPAGATION_BOUND,
};

/// The default throttle's limit, per address and per key id.
const LIMIT: usize = 20;

/// Bad credentials sent in a flood: a few past `LIMIT`.
const FLOOD: usize = 25;

/// Long enough for every instance's change watcher (`Tuning::cache_refresh`,
/// well under this by default) to have looked at least twice.
const WATCHER_SETTLES: Duration = Duration::from_millis(600);

/// `AppSettings::default()` with the server's default throttle instead of
/// the raised one other tests use, and a short tarpit.
fn default_throttle() -> AppSettings {
    AppSettings {
        tuning: default_throttle_tuning(),
        ..AppSettings::default()
    }
}

/// A well-formed key for `id` whose secret is wrong.
fn wrong_secret_for(id: &str) -> String {
    let id = uuid::Uuid::parse_str(id).expect("key id");
    Secret::generate(CredentialKind::ApiKey, id)
        .expose()
        .to_owned()
}

/// The whole `GET /api/me` body for the API key `name`.
fn me_body(account: &TestAccount, name: &str, role: &str) -> Value {
    json!({
        "accountId": account.id,
        "parentAccountId": null,
        "name": name,
        "role": role,
        "crn": crn(account, name),
    })
}

/// The whole positive `POST /api/verify` verdict for the API key `key`
/// (a create response).
fn valid_verdict(account: &TestAccount, key: &Value) -> Value {
    let name = text(key, "name");
    json!({
        "valid": true,
        "code": "VALID",
        "accountId": account.id,
        "parentAccountId": null,
        "keyId": key["id"],
        "name": name,
        "role": key["role"],
        "crn": crn(account, name),
    })
}

fn assert_invalid(reply: &Reply, what: &str) {
    assert_eq!(
        (reply.status, &reply.body),
        (401, &invalid_authentication()),
        "{what}: expected 401 Invalid authentication"
    );
}

fn assert_throttled(reply: &Reply, what: &str) {
    assert_eq!(
        (reply.status, &reply.body),
        (
            429,
            &error_body(429, "Too Many Requests", "RATE_LIMIT_EXCEEDED")
        ),
        "{what}: expected 429"
    );
    let wait: u64 = reply
        .header("retry-after")
        .unwrap_or_else(|| panic!("{what}: 429 without Retry-After"))
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&wait), "{what}: Retry-After {wait}");
}

/// A refused bad credential: 401 below the limit, 429 past it.
fn assert_refused(reply: &Reply, what: &str) {
    match reply.status {
        429 => assert_throttled(reply, what),
        _ => assert_invalid(reply, what),
    }
}

fn assert_me(app: &TestApp, key: &str, expected: &Value, what: &str) {
    let reply = app.get("/api/me", Some(key));
    assert_eq!(
        (reply.status, &reply.body),
        (200, expected),
        "{what}: GET /api/me"
    );
}

/// `GET /api/me` with `key`, sent with the extra header `name: value`.
fn me_with_header(app: &TestApp, key: &str, name: &str, value: &str) -> Reply {
    send(
        with_key(app.request("GET", "/api/me").set(name, value), Some(key)),
        None,
    )
}

fn set_enabled(app: &TestApp, account: &TestAccount, name: &str, enabled: bool) {
    let reply = app.put(
        &key_path(account, name),
        Some(&account.owner_key),
        &json!({ "enabled": enabled }),
    );
    assert_eq!(reply.status, 200, "enabled={enabled}: {:?}", reply.body);
}

/// Creates `count` merchant-terminal keys named `{prefix}NN`; returns the
/// create responses (with `secret`).
fn create_keys(app: &TestApp, account: &TestAccount, prefix: &str, count: usize) -> Vec<Value> {
    (0..count)
        .map(|i| app.create_key(account, &format!("{prefix}{i:03}"), "merchant-terminal"))
        .collect()
}

/// Polls `GET /api/me` with `key` on `app` every 10 ms until it answers
/// `status`; returns how long that took. Gives up after 3 s.
fn time_until_status(app: &TestApp, key: &str, status: u16) -> Duration {
    let start = Instant::now();
    loop {
        let reply = app.get("/api/me", Some(key));
        if reply.status == status {
            return start.elapsed();
        }
        assert!(
            reply.status == 200 || reply.status == 401,
            "unexpected answer while waiting for {status}: {} {:?}",
            reply.status,
            reply.body
        );
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{key:.12}… never answered {status} (last {})",
            reply.status
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `keyward_cache_lookups_total{cache="key",result="miss"}` from `app`'s
/// `/metrics`; a series not yet written counts as 0.
fn key_cache_misses(app: &TestApp) -> f64 {
    const SERIES: &str = r#"keyward_cache_lookups_total{cache="key",result="miss"}"#;
    let text = app
        .request("GET", "/metrics")
        .call()
        .expect("GET /metrics")
        .into_string()
        .expect("metrics text");
    text.lines()
        .find_map(|line| line.strip_prefix(SERIES)?.strip_prefix(' '))
        .map_or(0.0, |value| value.trim().parse().expect("a number"))
}

/// How far `request` moves `app`'s key-cache miss counter.
fn misses_during(app: &TestApp, request: impl FnOnce()) -> f64 {
    let before = key_cache_misses(app);
    request();
    key_cache_misses(app) - before
}

fn first_uses_of_many_keys_are_never_refused(backend: Backend) {
    const THREADS: usize = 25;
    const PER_THREAD: usize = 4;
    let a = spawn_app_configured(backend, default_throttle());
    let account = a.create_account("Acme");
    let keys = create_keys(&a, &account, "till", THREADS * PER_THREAD);
    // A fresh instance: none of the keys is cached or verified there.
    let b = spawn_peer_configured(&a, default_throttle());

    for round in ["first uses", "second uses"] {
        let barrier = Barrier::new(THREADS);
        let replies: Vec<(String, Reply)> = std::thread::scope(|scope| {
            let threads: Vec<_> = keys
                .chunks(PER_THREAD)
                .map(|chunk| {
                    let (b, barrier) = (&b, &barrier);
                    scope.spawn(move || {
                        barrier.wait();
                        chunk
                            .iter()
                            .map(|key| {
                                let reply = b.get("/api/me", Some(text(key, "secret")));
                                (text(key, "name").to_owned(), reply)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            threads
                .into_iter()
                .flat_map(|t| t.join().expect("request thread"))
                .collect()
        });
        assert_eq!(replies.len(), keys.len());
        let refused: Vec<_> = replies
            .iter()
            .filter(|(_, reply)| reply.status != 200)
            .map(|(name, reply)| format!("{name}: {}", reply.status))
            .collect();
        assert!(
            refused.is_empty(),
            "{round}: {} of {} valid keys refused: {refused:?}",
            refused.len(),
            keys.len()
        );
        for (name, reply) in &replies {
            assert_eq!(
                reply.body,
                me_body(&account, name, "merchant-terminal"),
                "{round}: {name}"
            );
        }
    }
}

fn a_valid_key_is_never_throttled(backend: Backend) {
    let a = spawn_app_configured(backend, default_throttle());
    // Keys are made on a peer, so that `a` has seen none of them before.
    let b = spawn_peer(&a);
    let account = a.create_account("Acme");
    let flooded = b.create_key(&account, "Flooded", "merchant-terminal");

    // From this address: malformed keys, then wrong secrets for one real id.
    let wrong = wrong_secret_for(text(&flooded, "id"));
    let malformed: Vec<Reply> = (0..FLOOD)
        .map(|_| a.get("/api/me", Some("kw_nonsense")))
        .collect();
    let wrong_secrets: Vec<Reply> = (0..FLOOD).map(|_| a.get("/api/me", Some(&wrong))).collect();
    for (i, reply) in malformed.iter().chain(&wrong_secrets).enumerate() {
        let what = format!("bad credential {}", i + 1);
        if i < LIMIT {
            assert_invalid(reply, &what);
        } else {
            assert_refused(reply, &what);
        }
    }
    assert_throttled(malformed.last().unwrap(), "last malformed key");
    for (i, reply) in wrong_secrets[FLOOD - 5..].iter().enumerate() {
        assert_throttled(reply, &format!("wrong secret {}", FLOOD - 5 + i + 1));
    }

    // The real secret of the flooded key id still works, from this address.
    let flooded_secret = text(&flooded, "secret");
    assert_me(
        &a,
        flooded_secret,
        &me_body(&account, "Flooded", "merchant-terminal"),
        "the flooded key's real secret",
    );
    let reply = a.post("/api/verify", None, &json!({ "key": flooded_secret }));
    assert_eq!(
        (reply.status, &reply.body),
        (200, &valid_verdict(&account, &flooded)),
        "the flooded key's real secret on /api/verify"
    );

    // A key this instance has never seen, made after the flood.
    let fresh = b.create_key(&account, "Fresh", "merchant-terminal");
    assert_me(
        &a,
        text(&fresh, "secret"),
        &me_body(&account, "Fresh", "merchant-terminal"),
        "a key never used on this instance",
    );
    let fresher = b.create_key(&account, "Fresher", "merchant-terminal");
    let reply = a.post(
        "/api/verify",
        None,
        &json!({ "key": text(&fresher, "secret") }),
    );
    assert_eq!(
        (reply.status, &reply.body),
        (200, &valid_verdict(&account, &fresher)),
        "a key never used on this instance, on /api/verify"
    );

    // The owner key, never used on `a` either, creates a key there; the new
    // key (whose first use this is) works at once.
    let reply = a.post(
        &keys_path(&account),
        Some(&account.owner_key),
        &json!({ "name": "Made", "role": "merchant-terminal" }),
    );
    assert_eq!(
        reply.status, 200,
        "the owner key's first use on this instance: {:?}",
        reply.body
    );
    assert_me(
        &a,
        text(&reply.body, "secret"),
        &me_body(&account, "Made", "merchant-terminal"),
        "a key created through this instance after the flood",
    );
}

/// Sends one wrong secret per key in `targets` from the client `client`
/// (as `X-Forwarded-For` names it) and checks the flood: 401s up to the
/// limit, then 429s.
fn flood_as(app: &TestApp, client: &str, targets: &[Value]) {
    assert_eq!(targets.len(), FLOOD);
    for (i, key) in targets.iter().enumerate() {
        let wrong = wrong_secret_for(text(key, "id"));
        let reply = me_with_header(app, &wrong, "x-forwarded-for", client);
        let what = format!("wrong secret {} from {client}", i + 1);
        if i < LIMIT {
            assert_invalid(&reply, &what);
        } else {
            assert_throttled(&reply, &what);
        }
    }
}

fn trusted_proxy_names_the_client(backend: Backend) {
    let app = spawn_app_configured(
        backend,
        AppSettings {
            trusted_proxies: TrustedProxies::parse("127.0.0.1/32").expect("proxies"),
            ..default_throttle()
        },
    );
    let account = app.create_account("Acme");
    // One wrong secret per key id: only the address can reach the limit.
    let keys = create_keys(&app, &account, "till", FLOOD + 2);
    flood_as(&app, "203.0.113.7", &keys[..FLOOD]);
    let reply = me_with_header(&app, "kw_nonsense", "x-forwarded-for", "203.0.113.7");
    assert_throttled(&reply, "203.0.113.7 after its flood");

    // Other clients behind the same proxy are not held back.
    let wrong = wrong_secret_for(text(&keys[FLOOD], "id"));
    let reply = me_with_header(&app, &wrong, "x-forwarded-for", "203.0.113.8");
    assert_invalid(&reply, "203.0.113.8 (X-Forwarded-For)");
    let wrong = wrong_secret_for(text(&keys[FLOOD + 1], "id"));
    let reply = me_with_header(&app, &wrong, "forwarded", "for=203.0.113.9");
    assert_invalid(&reply, "203.0.113.9 (Forwarded)");
}

fn untrusted_forwarded_for_is_ignored(backend: Backend) {
    // No trusted proxies: every client here is 127.0.0.1, whatever it says.
    let app = spawn_app_configured(backend, default_throttle());
    let account = app.create_account("Acme");
    let keys = create_keys(&app, &account, "till", FLOOD + 3);
    flood_as(&app, "203.0.113.7", &keys[..FLOOD]);

    let wrong = wrong_secret_for(text(&keys[FLOOD], "id"));
    let reply = me_with_header(&app, &wrong, "x-forwarded-for", "203.0.113.8");
    assert_throttled(&reply, "\"203.0.113.8\", really 127.0.0.1");
    let wrong = wrong_secret_for(text(&keys[FLOOD + 1], "id"));
    let reply = me_with_header(&app, &wrong, "forwarded", "for=203.0.113.9");
    assert_throttled(&reply, "\"203.0.113.9\", really 127.0.0.1");

    // A valid key, used for the first time, still works.
    let valid = &keys[FLOOD + 2];
    let reply = me_with_header(
        &app,
        text(valid, "secret"),
        "x-forwarded-for",
        "203.0.113.8",
    );
    assert_eq!(
        (reply.status, &reply.body),
        (
            200,
            &me_body(&account, text(valid, "name"), "merchant-terminal")
        ),
        "a valid key from the flooded address"
    );
}

fn a_change_to_one_key_keeps_the_others_cached(backend: Backend) {
    // On the instance that makes the change.
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let k = app.create_key(&account, "Kay", "merchant-terminal");
    let l = app.create_key(&account, "Ell", "merchant-terminal");
    let (k_secret, l_secret) = (text(&k, "secret"), text(&l, "secret"));
    let k_me = me_body(&account, "Kay", "merchant-terminal");
    let l_me = me_body(&account, "Ell", "merchant-terminal");
    let owner_me = me_body(&account, "owner", "account-owner");
    // The creations are behind us, as the change watcher sees them too.
    std::thread::sleep(WATCHER_SETTLES);
    for _ in 0..2 {
        assert_me(&app, k_secret, &k_me, "warming K");
        assert_me(&app, l_secret, &l_me, "warming L");
        assert_me(&app, &account.owner_key, &owner_me, "warming the owner key");
    }

    let reply = app.put(
        &key_path(&account, "Kay"),
        Some(&account.owner_key),
        &json!({ "description": "x" }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let moved = misses_during(&app, || {
        assert_me(&app, l_secret, &l_me, "L after K changed")
    });
    assert_eq!(moved, 0.0, "L was dropped from the cache by a change to K");
    let moved = misses_during(&app, || {
        assert_me(
            &app,
            &account.owner_key,
            &owner_me,
            "the owner after K changed",
        )
    });
    assert_eq!(moved, 0.0, "the owner key was dropped by a change to K");
    // Still so once the change watcher has seen K's change in the database.
    std::thread::sleep(WATCHER_SETTLES);
    let moved = misses_during(&app, || assert_me(&app, l_secret, &l_me, "L, later"));
    assert_eq!(moved, 0.0, "L was dropped once the watcher saw K's change");
    let moved = misses_during(&app, || {
        assert_me(&app, k_secret, &k_me, "K after its change")
    });
    assert_eq!(moved, 1.0, "K's first use after its change");

    // Across instances: the change is made through `a`, `b` drops only K.
    let a = spawn_app(backend);
    let b = spawn_peer(&a);
    let account = a.create_account("Acme");
    let k = a.create_key(&account, "Kay", "merchant-terminal");
    let l = a.create_key(&account, "Ell", "merchant-terminal");
    let (k_secret, l_secret) = (text(&k, "secret"), text(&l, "secret"));
    let k_me = me_body(&account, "Kay", "merchant-terminal");
    let l_me = me_body(&account, "Ell", "merchant-terminal");
    std::thread::sleep(WATCHER_SETTLES);
    for _ in 0..2 {
        assert_me(&b, k_secret, &k_me, "warming K on b");
        assert_me(&b, l_secret, &l_me, "warming L on b");
    }
    let reply = a.put(
        &key_path(&account, "Kay"),
        Some(&account.owner_key),
        &json!({ "description": "x" }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    // Wait until `b` has seen K's changes: disabled, then enabled again.
    set_enabled(&a, &account, "Kay", false);
    let took = time_until_status(&b, k_secret, 401);
    assert!(
        took < Duration::from_secs(2),
        "disable took {took:?} to reach b"
    );
    set_enabled(&a, &account, "Kay", true);
    let took = time_until_status(&b, k_secret, 200);
    assert!(
        took < Duration::from_secs(2),
        "enable took {took:?} to reach b"
    );
    let moved = misses_during(&b, || {
        assert_me(&b, l_secret, &l_me, "L on b after K changed")
    });
    assert_eq!(moved, 0.0, "b dropped L for a change to K");
    std::thread::sleep(WATCHER_SETTLES);
    let moved = misses_during(&b, || assert_me(&b, l_secret, &l_me, "L on b, later"));
    assert_eq!(moved, 0.0, "b dropped L later for a change to K");
}

fn changes_reach_another_instance_within_a_second(backend: Backend) {
    const ROUNDS: usize = 5;
    let a = spawn_app(backend);
    let b = spawn_peer(&a);
    let account = a.create_account("Acme");
    let key = a.create_key(&account, "Till", "merchant-terminal");
    let secret = text(&key, "secret");
    let me = me_body(&account, "Till", "merchant-terminal");
    assert_me(&b, secret, &me, "b has the key cached");
    assert_me(&b, secret, &me, "b has the key cached");

    let mut delays = Vec::new();
    for round in 1..=ROUNDS {
        set_enabled(&a, &account, "Till", false);
        let took = time_until_status(&b, secret, 401);
        assert!(
            took < PROPAGATION_BOUND,
            "round {round}: disable took {took:?} to reach b"
        );
        delays.push(took);
        set_enabled(&a, &account, "Till", true);
        let took = time_until_status(&b, secret, 200);
        assert!(
            took < PROPAGATION_BOUND,
            "round {round}: enable took {took:?} to reach b"
        );
        delays.push(took);
    }
    let max = delays.iter().max().unwrap();
    eprintln!(
        "{backend:?}: changes reached another instance within {max:?} at most \
         ({ROUNDS} disables and {ROUNDS} enables: {delays:?})"
    );
}

crate::on_both_backends!(
    first_uses_of_many_keys_are_never_refused,
    a_valid_key_is_never_throttled,
    trusted_proxy_names_the_client,
    untrusted_forwarded_for_is_ignored,
    a_change_to_one_key_keeps_the_others_cached,
    changes_reach_another_instance_within_a_second,
);
