//! Races decided by the database: the unique index and compare-and-set on
//! `version`, never a read-then-write in Rust.

use std::sync::{Arc, Barrier};

use serde_json::{json, Value};

use crate::helpers::{
    key_path, keys_path, send, send_json, spawn_app, with_key, Backend, Reply, TestApp,
};

/// Runs `n` requests at once (released together by a barrier) and returns
/// their replies in thread order.
fn at_once<F>(app: &Arc<TestApp>, n: usize, request: F) -> Vec<Reply>
where
    F: Fn(&TestApp, usize) -> Reply + Send + Sync + 'static,
{
    let barrier = Arc::new(Barrier::new(n));
    let request = Arc::new(request);
    let threads: Vec<_> = (0..n)
        .map(|i| {
            let (app, barrier, request) =
                (Arc::clone(app), Arc::clone(&barrier), Arc::clone(&request));
            std::thread::spawn(move || {
                barrier.wait();
                request(&app, i)
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|t| t.join().expect("request thread"))
        .collect()
}

fn statuses(replies: &[Reply]) -> (usize, Vec<u16>) {
    let mut codes: Vec<u16> = replies.iter().map(|r| r.status).collect();
    codes.sort_unstable();
    (
        codes.iter().filter(|&&c| c == 200 || c == 204).count(),
        codes,
    )
}

fn put_if_match(app: &TestApp, path: &str, key: &str, version: &str, body: &Value) -> Reply {
    let req = with_key(app.request("PUT", path), Some(key)).set("If-Match", version);
    send_json(req, body)
}

fn hundred_creates_of_one_name_make_one_key(backend: Backend) {
    let app = Arc::new(spawn_app(backend));
    let account = app.create_account("Acme");
    let path = keys_path(&account);
    let owner = account.owner_key.clone();
    let replies = at_once(&app, 100, move |app, _| {
        app.post(
            &path,
            Some(&owner),
            &json!({ "name": "Race", "role": "merchant-terminal" }),
        )
    });
    let (won, codes) = statuses(&replies);
    assert_eq!(won, 1, "{codes:?}");
    for reply in replies.iter().filter(|r| r.status != 200) {
        assert_eq!(reply.status, 409);
        assert_eq!(reply.body["message"], "API_KEY_NAME_TAKEN");
    }
    // The owner key and the one winner.
    assert_eq!(app.count_rows("api_keys"), 2);
    let winner = replies.iter().find(|r| r.status == 200).unwrap();
    let secret = winner.body["secret"].as_str().unwrap();
    assert_eq!(app.get("/api/me", Some(secret)).body["name"], "Race");
}

fn fifty_puts_with_one_if_match_apply_once(backend: Backend) {
    let app = Arc::new(spawn_app(backend));
    let account = app.create_account("Acme");
    app.create_key(&account, "Till", "merchant-terminal");
    let path = key_path(&account, "Till");
    let owner = account.owner_key.clone();
    let put_path = path.clone();
    let replies = at_once(&app, 50, move |app, i| {
        put_if_match(
            app,
            &put_path,
            &owner,
            "\"1\"",
            &json!({ "description": format!("writer {i}") }),
        )
    });
    let (won, codes) = statuses(&replies);
    assert_eq!(won, 1, "{codes:?}");
    for reply in replies.iter().filter(|r| r.status != 200) {
        assert_eq!(reply.status, 412, "{:?}", reply.body);
        assert_eq!(reply.body["message"], "VERSION_MISMATCH");
    }
    let key = app.get(&path, Some(&account.owner_key));
    assert_eq!(key.body["version"], "2");
    assert_eq!(key.header("etag"), Some("\"2\""));
    let winner = replies.iter().find(|r| r.status == 200).unwrap();
    assert_eq!(key.body["description"], winner.body["description"]);
}

fn fifty_puts_without_if_match_all_apply(backend: Backend) {
    let app = Arc::new(spawn_app(backend));
    let account = app.create_account("Acme");
    app.create_key(&account, "Till", "merchant-terminal");
    let path = key_path(&account, "Till");
    let owner = account.owner_key.clone();
    let put_path = path.clone();
    let replies = at_once(&app, 50, move |app, i| {
        app.put(
            &put_path,
            Some(&owner),
            &json!({ "description": format!("writer {i}") }),
        )
    });
    let (won, codes) = statuses(&replies);
    assert_eq!(won, 50, "{codes:?}");
    // Every applied change counted once: 50 changes after version 1.
    let key = app.get(&path, Some(&account.owner_key));
    assert_eq!(key.body["version"], "51");
    let mut versions: Vec<u64> = replies
        .iter()
        .map(|r| r.body["version"].as_str().unwrap().parse().unwrap())
        .collect();
    versions.sort_unstable();
    assert_eq!(
        versions,
        (2..=51).collect::<Vec<_>>(),
        "each writer saw its own version"
    );
}

fn revocation_racing_a_put(backend: Backend) {
    let app = Arc::new(spawn_app(backend));
    let account = app.create_account("Acme");
    for round in 0..5 {
        let name = format!("Till{round}");
        app.create_key(&account, &name, "merchant-terminal");
        let path = key_path(&account, &name);
        let owner = account.owner_key.clone();
        let race_path = path.clone();
        let replies = at_once(&app, 2, move |app, i| {
            if i == 0 {
                let req = with_key(app.request("DELETE", &race_path), Some(&owner))
                    .set("If-Match", "\"1\"");
                send(req, None)
            } else {
                put_if_match(
                    app,
                    &race_path,
                    &owner,
                    "\"1\"",
                    &json!({ "enabled": false }),
                )
            }
        });
        let (won, codes) = statuses(&replies);
        assert_eq!(won, 1, "round {round}: {codes:?}");
        assert!(codes.contains(&412), "round {round}: {codes:?}");
        let key = app.get(&path, Some(&account.owner_key)).body;
        assert_eq!(key["version"], "2", "round {round}: {key}");
        let revoked = replies[0].status == 204;
        assert_eq!(key["status"], if revoked { "revoked" } else { "active" });
        assert_eq!(key["enabled"], json!(revoked));
    }
}

crate::on_both_backends!(
    hundred_creates_of_one_name_make_one_key,
    fifty_puts_with_one_if_match_apply_once,
    fifty_puts_without_if_match_all_apply,
    revocation_racing_a_put,
);
