//! Key lifecycle beyond the spec documents: expiry, rotation with a grace
//! period, last use, and the audit trail.

use std::sync::{Arc, Barrier};
use std::time::Duration;

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use keyward::service::{Limits, Tuning};

use crate::helpers::{
    answered_before, error_body, events_path, key_path, keys_path, redacted, rotate_path,
    spawn_app, spawn_app_tuned, test_tuning, text, Backend, TestAccount, TestApp,
};

/// An RFC 3339 instant `offset` from now (negative for the past).
fn from_now(offset: Duration, past: bool) -> String {
    let now = OffsetDateTime::now_utc();
    let at = if past { now - offset } else { now + offset };
    at.format(&Rfc3339).unwrap()
}

fn parse(ts: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(ts.as_str().expect("timestamp"), &Rfc3339).expect("RFC 3339")
}

fn me(app: &TestApp, key: &str) -> u16 {
    app.get("/api/me", Some(key)).status
}

fn verify_code(app: &TestApp, key: &str) -> Value {
    app.post("/api/verify", None, &json!({ "key": key })).body["code"].clone()
}

fn create(app: &TestApp, account: &TestAccount, body: Value) -> crate::helpers::Reply {
    app.post(&keys_path(account), Some(&account.owner_key), &body)
}

fn rotate(app: &TestApp, account: &TestAccount, name: &str, body: Value) -> crate::helpers::Reply {
    app.post(&rotate_path(account, name), Some(&account.owner_key), &body)
}

fn expiry_ends_a_key(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let bad = error_body(400, "Bad Request", "expiresAt must be in the future");
    for past in [
        from_now(Duration::from_secs(60), true),
        from_now(Duration::ZERO, false),
    ] {
        let reply = create(
            &app,
            &account,
            json!({ "name": "Late", "role": "merchant-terminal", "expiresAt": past }),
        );
        assert_eq!((reply.status, &reply.body), (400, &bad), "{past}");
    }
    let reply = create(
        &app,
        &account,
        json!({ "name": "Late", "role": "merchant-terminal", "expiresAt": "tomorrow" }),
    );
    assert_eq!(reply.status, 400, "{:?}", reply.body);
    assert_eq!(app.count_rows("api_keys"), 1, "nothing was written");

    let expires = from_now(Duration::from_millis(1500), false);
    let reply = create(
        &app,
        &account,
        json!({ "name": "Brief", "role": "merchant-terminal", "expiresAt": expires }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let shown = parse(&reply.body["expiresAt"]) - parse(&json!(expires));
    assert!(
        shown.abs() < Duration::from_millis(1),
        "expiresAt kept to the millisecond"
    );
    assert_eq!(reply.body["status"], "active");
    let secret = reply.body["secret"].as_str().unwrap().to_owned();
    let expiry = parse(&reply.body["expiresAt"]);
    if let Some(answers) =
        answered_before(expiry, || (me(&app, &secret), verify_code(&app, &secret)))
    {
        assert_eq!(answers, (200, json!("VALID")), "works until it expires");
    }

    std::thread::sleep(Duration::from_millis(1700));
    assert_eq!(
        app.get("/api/me", Some(&secret)).body,
        error_body(401, "Unauthorized", "Invalid authentication")
    );
    assert_eq!(verify_code(&app, &secret), "EXPIRED");
    let key = app
        .get(&key_path(&account, "Brief"), Some(&account.owner_key))
        .body;
    assert_eq!(key["status"], "expired");
    let names = |status: &str| -> Vec<Value> {
        let list = app.get(
            &format!("{}?status={status}", keys_path(&account)),
            Some(&account.owner_key),
        );
        assert_eq!(list.status, 200);
        list.body
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["name"].clone())
            .collect()
    };
    assert_eq!(names("expired"), vec![json!("Brief")]);
    assert_eq!(names("active"), vec![json!("owner")]);

    // A new expiry in the future revives it; one in the past is refused; null removes it.
    let path = key_path(&account, "Brief");
    let reply = app.put(
        &path,
        Some(&account.owner_key),
        &json!({ "expiresAt": from_now(Duration::from_secs(3600), false) }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["status"], "active");
    assert_eq!(reply.body["version"], "2");
    assert_eq!(me(&app, &secret), 200);
    let reply = app.put(
        &path,
        Some(&account.owner_key),
        &json!({ "expiresAt": from_now(Duration::from_secs(1), true) }),
    );
    assert_eq!((reply.status, &reply.body), (400, &bad));
    let reply = app.put(
        &path,
        Some(&account.owner_key),
        &json!({ "expiresAt": null }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["expiresAt"], Value::Null);
    assert_eq!(reply.body["version"], "3");
}

fn rotation_with_and_without_grace(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let created = app.create_key(&account, "Till", "merchant-terminal");
    let first = created["secret"].as_str().unwrap().to_owned();

    // No grace: the old secret stops at once.
    let reply = rotate(&app, &account, "Till", json!({}));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let second = reply.body["secret"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    for field in ["id", "name", "role", "accountId", "createdAt", "createdBy"] {
        assert_eq!(reply.body[field], created[field], "{field} kept");
    }
    assert_eq!(reply.body["version"], "2");
    assert_eq!(
        reply.body["apiKey"],
        format!("...{}", &second[second.len() - 6..])
    );
    assert_eq!(me(&app, &first), 401);
    assert_eq!(verify_code(&app, &first), "NOT_FOUND");
    assert_eq!(me(&app, &second), 200);

    // With grace: both work until it ends.
    let reply = rotate(&app, &account, "Till", json!({ "gracePeriodSeconds": 2 }));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let third = reply.body["secret"].as_str().unwrap().to_owned();
    assert_eq!(me(&app, &second), 200, "old secret within grace");
    assert_eq!(me(&app, &third), 200);

    // A second rotation during the grace period ends the first old secret at once.
    let reply = rotate(&app, &account, "Till", json!({ "gracePeriodSeconds": 2 }));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let fourth = reply.body["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        me(&app, &second),
        401,
        "its grace ended with the next rotation"
    );
    assert_eq!(
        me(&app, &third),
        200,
        "the secret just replaced has its own grace"
    );
    assert_eq!(me(&app, &fourth), 200);

    std::thread::sleep(Duration::from_millis(2300));
    assert_eq!(me(&app, &third), 401, "grace over");
    assert_eq!(verify_code(&app, &third), "NOT_FOUND");
    assert_eq!(me(&app, &fourth), 200);
    assert_eq!(
        app.get(&key_path(&account, "Till"), Some(&account.owner_key))
            .body["version"],
        "4"
    );

    // Limits, and revoked keys.
    for grace in [json!(-1), json!(604_801), json!("soon")] {
        let reply = rotate(
            &app,
            &account,
            "Till",
            json!({ "gracePeriodSeconds": grace }),
        );
        assert_eq!(reply.status, 400, "{grace}: {:?}", reply.body);
    }
    assert_eq!(
        app.delete(&key_path(&account, "Till"), Some(&account.owner_key))
            .status,
        204
    );
    let reply = rotate(&app, &account, "Till", json!({}));
    assert_eq!(
        (reply.status, reply.body),
        (409, error_body(409, "Conflict", "API_KEY_REVOKED"))
    );
    let reply = rotate(&app, &account, "Nobody", json!({}));
    assert_eq!(reply.status, 404);
    // Terminals may not rotate, not even themselves.
    let terminal = app.create_key(&account, "Other", "merchant-terminal");
    let reply = app.post(
        &rotate_path(&account, "Other"),
        terminal["secret"].as_str(),
        &json!({}),
    );
    assert_eq!(
        (reply.status, reply.body),
        (403, error_body(403, "Forbidden", "FORBIDDEN"))
    );
}

fn grace_never_outlives_the_key(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let expires = from_now(Duration::from_millis(1200), false);
    let created = create(
        &app,
        &account,
        json!({ "name": "Brief", "role": "merchant-terminal", "expiresAt": expires }),
    );
    let old = created.body["secret"].as_str().unwrap().to_owned();
    let reply = rotate(
        &app,
        &account,
        "Brief",
        json!({ "gracePeriodSeconds": 3600 }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let new = reply.body["secret"].as_str().unwrap().to_owned();
    if let Some(status) = answered_before(parse(&created.body["expiresAt"]), || me(&app, &old)) {
        assert_eq!(
            status, 200,
            "the old secret works in its grace until the key expires"
        );
    }
    std::thread::sleep(Duration::from_millis(1400));
    assert_eq!(
        verify_code(&app, &old),
        "NOT_FOUND",
        "grace ended with the key's expiry"
    );
    assert_eq!(verify_code(&app, &new), "EXPIRED");
    // A new secret for an expired key would authenticate nothing.
    let reply = rotate(&app, &account, "Brief", json!({}));
    assert_eq!(
        (reply.status, reply.body),
        (409, error_body(409, "Conflict", "API_KEY_EXPIRED"))
    );
}

fn last_use_is_recorded_without_a_change(backend: Backend) {
    let tuning = Tuning {
        last_used_flush: Duration::from_millis(100),
        ..test_tuning()
    };
    let app = spawn_app_tuned(backend, Limits::default(), tuning);
    let account = app.create_account("Acme");
    let created = app.create_key(&account, "Till", "merchant-terminal");
    assert_eq!(created["lastUsedAt"], Value::Null);
    let before = OffsetDateTime::now_utc();
    assert_eq!(me(&app, created["secret"].as_str().unwrap()), 200);
    // The test server writes uses every 100 ms.
    let path = key_path(&account, "Till");
    let mut key = Value::Null;
    for _ in 0..50 {
        key = app.get(&path, Some(&account.owner_key)).body;
        if !key["lastUsedAt"].is_null() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let used = parse(&key["lastUsedAt"]);
    assert!(
        used >= before - Duration::from_millis(5) && used <= OffsetDateTime::now_utc(),
        "{used}"
    );
    assert_eq!(key["version"], "1", "a use is not a change");
    assert_eq!(key["modifiedAt"], created["modifiedAt"]);
    let events = app
        .get(&events_path(&account, "Till"), Some(&account.owner_key))
        .body;
    assert_eq!(events["items"].as_array().unwrap().len(), 1, "{events}");
}

fn audit_trail_lists_every_change(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let created = app.create_key(&account, "Till", "merchant-terminal");
    let path = key_path(&account, "Till");
    let trail = events_path(&account, "Till");
    let owner = Some(account.owner_key.as_str());
    assert_eq!(
        app.put(&path, owner, &json!({ "enabled": false })).status,
        200
    );
    assert_eq!(
        app.put(&path, owner, &json!({ "description": "front" }))
            .status,
        200
    );
    let rotated = rotate(&app, &account, "Till", json!({}));
    assert_eq!(rotated.status, 200);
    let expires = from_now(Duration::from_secs(3600), false);
    assert_eq!(
        app.put(&path, owner, &json!({ "expiresAt": expires }))
            .status,
        200
    );
    assert_eq!(app.delete(&path, owner).status, 204);

    let reply = app.get(&trail, owner);
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let events = reply.body["items"].as_array().unwrap();
    assert_eq!(events.len(), 6, "{}", reply.body);
    let mut known = vec![
        (text(&created, "apiKey").to_owned(), "[apiKey as created]"),
        (
            text(&rotated.body, "apiKey").to_owned(),
            "[apiKey as rotated]",
        ),
    ];
    // The expiry as the server echoes it: the instant that was set.
    let expiry_set = &events[1]["changes"]["expiresAt"]["to"];
    let requested = parse(&json!(expires));
    assert!(
        (parse(expiry_set) - requested).abs() < time::Duration::milliseconds(1),
        "{expiry_set} for {expires}"
    );
    known.push((
        expiry_set.as_str().unwrap().to_owned(),
        "[expiresAt as set]",
    ));
    for event in events {
        let at = text(event, "occurredAt");
        assert!(at.ends_with('Z'), "{at}");
        known.push((at.to_owned(), "[occurredAt]"));
    }
    known.push((account.id.clone(), "[accountId]"));
    let known: Vec<(&str, &str)> = known.iter().map(|(v, p)| (v.as_str(), *p)).collect();
    // The whole trail, newest first: each change with its version, kinds,
    // actor and exact changes.
    insta::assert_json_snapshot!("audit_trail", redacted(&reply.body, &known));
    let text = reply.body.to_string();
    for secret in [
        created["secret"].as_str().unwrap(),
        rotated.body["secret"].as_str().unwrap(),
    ] {
        assert!(!text.contains(&secret[3..]), "a secret in the audit trail");
    }

    // Pages of two, following the page key.
    let versions = |page: &Value| -> Vec<Value> {
        let items = page["items"].as_array().unwrap();
        items.iter().map(|e| e["version"].clone()).collect()
    };
    let page = app.get(&format!("{trail}?limit=2"), owner).body;
    assert_eq!(versions(&page), vec!["6", "5"]);
    let next = page["nextPageKey"].as_str().unwrap().to_owned();
    let page = app
        .get(&format!("{trail}?limit=2&pageKey={next}"), owner)
        .body;
    assert_eq!(versions(&page), vec!["4", "3"]);
    let next = page["nextPageKey"].as_str().unwrap().to_owned();
    let page = app
        .get(&format!("{trail}?limit=4&pageKey={next}"), owner)
        .body;
    assert_eq!(versions(&page), vec!["2", "1"]);
    assert!(page.get("nextPageKey").is_none(), "{page}");

    for bad in [
        "limit=0",
        "limit=1001",
        "limit=x",
        "pageKey=abc",
        "pageKey=5",
    ] {
        let reply = app.get(&format!("{trail}?{bad}"), owner);
        assert_eq!(reply.status, 400, "{bad}: {:?}", reply.body);
    }
    let terminal = app.create_key(&account, "Other", "merchant-terminal");
    let reply = app.get(&trail, terminal["secret"].as_str());
    assert_eq!(reply.status, 403);
    let stranger = app.create_account("Globex");
    let reply = app.get(&trail, Some(&stranger.owner_key));
    assert_eq!(reply.status, 403);
    assert_eq!(app.get(&events_path(&account, "Nobody"), owner).status, 404);
}

fn rotation_racing_a_disable(backend: Backend) {
    let app = Arc::new(spawn_app(backend));
    let account = app.create_account("Acme");
    for round in 0..3 {
        let name = format!("Till{round}");
        app.create_key(&account, &name, "merchant-terminal");
        let barrier = Arc::new(Barrier::new(2));
        let threads: Vec<_> = (0..2)
            .map(|i| {
                let (app, barrier, account, name) = (
                    Arc::clone(&app),
                    Arc::clone(&barrier),
                    account.clone(),
                    name.clone(),
                );
                std::thread::spawn(move || {
                    barrier.wait();
                    if i == 0 {
                        rotate(&app, &account, &name, json!({}))
                    } else {
                        app.put(
                            &key_path(&account, &name),
                            Some(&account.owner_key),
                            &json!({ "enabled": false }),
                        )
                    }
                })
            })
            .collect();
        let replies: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(replies[0].status, 200, "{:?}", replies[0].body);
        assert_eq!(replies[1].status, 200, "{:?}", replies[1].body);
        // Both applied, one after the other, whatever the order.
        let key = app
            .get(&key_path(&account, &name), Some(&account.owner_key))
            .body;
        assert_eq!(key["version"], "3", "{key}");
        assert_eq!(key["enabled"], false);
        let secret = replies[0].body["secret"].as_str().unwrap();
        assert_eq!(key["apiKey"], format!("...{}", &secret[secret.len() - 6..]));
        assert_eq!(verify_code(&app, secret), "DISABLED");
    }
}

crate::on_both_backends!(
    expiry_ends_a_key,
    rotation_with_and_without_grace,
    grace_never_outlives_the_key,
    last_use_is_recorded_without_a_change,
    audit_trail_lists_every_change,
    rotation_racing_a_disable,
);
