//! Cached key state stays correct: at once on the instance that made a
//! change, within a second on another instance over the same database.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{
    key_path, spawn_app, spawn_peer, tokens_path, Backend, TestApp, PROPAGATION_BOUND,
};

fn me_status(app: &TestApp, key: &str) -> u16 {
    app.get("/api/me", Some(key)).status
}

/// Polls until `key` gets `status` from `app`; returns how long that took.
fn time_until_status(app: &TestApp, key: &str, status: u16) -> Duration {
    let start = Instant::now();
    while me_status(app, key) != status {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{key:.12}… never answered {status}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    start.elapsed()
}

fn changes_refused_on_the_very_next_request(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let key = app.create_key(&account, "Till", "merchant-terminal");
    let secret = key["secret"].as_str().unwrap();
    let path = key_path(&account, "Till");
    for _ in 0..3 {
        assert_eq!(me_status(&app, secret), 200, "warm the caches");
    }
    let disabled = app.put(
        &path,
        Some(&account.owner_key),
        &json!({ "enabled": false }),
    );
    assert_eq!(disabled.status, 200);
    assert_eq!(me_status(&app, secret), 401);

    let enabled = app.put(&path, Some(&account.owner_key), &json!({ "enabled": true }));
    assert_eq!(enabled.status, 200);
    assert_eq!(me_status(&app, secret), 200);

    assert_eq!(app.delete(&path, Some(&account.owner_key)).status, 204);
    assert_eq!(me_status(&app, secret), 401);
}

fn another_instance_sees_changes_within_a_second(backend: Backend) {
    let a = spawn_app(backend);
    let b = spawn_peer(&a);
    let account = a.create_account("Acme");
    let key = a.create_key(&account, "Till", "merchant-terminal");
    let secret = key["secret"].as_str().unwrap();
    let path = key_path(&account, "Till");
    assert_eq!(me_status(&a, secret), 200);
    assert_eq!(me_status(&b, secret), 200, "b has the key cached now");

    // Disabled through a: b refuses it within the limit.
    assert_eq!(
        a.put(
            &path,
            Some(&account.owner_key),
            &json!({ "enabled": false })
        )
        .status,
        200
    );
    let took = time_until_status(&b, secret, 401);
    assert!(took < PROPAGATION_BOUND, "disable took {took:?} to reach b");

    // Enabled through b: a accepts it again within the limit.
    assert_eq!(
        b.put(&path, Some(&account.owner_key), &json!({ "enabled": true }))
            .status,
        200
    );
    assert_eq!(me_status(&b, secret), 200);
    let took = time_until_status(&a, secret, 200);
    assert!(took < PROPAGATION_BOUND, "enable took {took:?} to reach a");

    // Revoked through b: a refuses it within the limit.
    assert_eq!(b.delete(&path, Some(&account.owner_key)).status, 204);
    let took = time_until_status(&a, secret, 401);
    assert!(took < PROPAGATION_BOUND, "revoke took {took:?} to reach a");
}

fn session_tokens_end_on_every_instance(backend: Backend) {
    let a = spawn_app(backend);
    let b = spawn_peer(&a);
    let account = a.create_account("Acme");
    let minter = a.create_key(&account, "Minter", "account-owner");
    let minter_secret = minter["secret"].as_str().unwrap();
    let minted = a.post(
        &tokens_path(&account),
        Some(minter_secret),
        &json!({ "scope": "show_card" }),
    );
    assert_eq!(minted.status, 200, "{:?}", minted.body);
    let token = minted.body["sessionToken"].as_str().unwrap();
    assert_eq!(me_status(&b, token), 200);

    let path = key_path(&account, "Minter");
    assert_eq!(
        a.put(
            &path,
            Some(&account.owner_key),
            &json!({ "enabled": false })
        )
        .status,
        200
    );
    assert_eq!(me_status(&a, token), 401);
    let took = time_until_status(&b, token, 401);
    assert!(
        took < PROPAGATION_BOUND,
        "disable took {took:?} to end the token on b"
    );
}

crate::on_both_backends!(
    changes_refused_on_the_very_next_request,
    another_instance_sees_changes_within_a_second,
    session_tokens_end_on_every_instance,
);
