//! Usage analytics (issue 16): every authentication and every verify of a
//! key counted per hour and outcome, in memory and written in batches.
//! Counts equal the requests sent, by outcome, before they are written (the
//! route adds what is in memory), after (never twice, also while writes
//! happen under a stream of requests), and across a restart (a clean stop
//! writes them); the series by hour and by day; the account's top keys;
//! who may read them; bad queries refused with nothing changed; old
//! buckets pruned; and nothing counted with `--usage-analytics off`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use keyward::secret::{CredentialKind, Secret};
use keyward::service::Tuning;
use keyward::store::schema::api_key_usage;
use serde_json::{json, Value};
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::helpers::{
    account_path, assert_reply, default_throttle_tuning, error_body, forbidden, key_path,
    keys_path, secret_of, spawn_app, spawn_app_configured, spawn_peer, spawn_peer_configured,
    test_tuning, text, tokens_path, AppSettings, Backend, TestAccount, TestApp,
};

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

// ---------------------------------------------------------------------------
// Helpers

/// `/api/accounts/{id}/api-keys/{name}/usage`
fn usage_path(account: &TestAccount, name: &str) -> String {
    format!("{}/usage", key_path(account, name))
}

/// `/api/accounts/{id}/usage`
fn account_usage_path(account: &TestAccount) -> String {
    format!("{}/usage", account_path(account))
}

fn me(app: &TestApp, credential: &str) -> u16 {
    app.get("/api/me", Some(credential)).status
}

/// `POST /api/verify` of an API key; its `code`.
fn verify(app: &TestApp, secret: &str) -> String {
    let reply = app.post("/api/verify", None, &json!({ "key": secret }));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    text(&reply.body, "code").to_owned()
}

/// A well-formed key for `id` whose secret is wrong.
fn wrong_secret_for(id: &str) -> String {
    let id = uuid::Uuid::parse_str(id).expect("uuid");
    Secret::generate(CredentialKind::ApiKey, id)
        .expose()
        .to_owned()
}

fn set_enabled(app: &TestApp, account: &TestAccount, name: &str, enabled: bool) {
    let reply = app.put(
        &key_path(account, name),
        Some(&account.owner_key),
        &json!({ "enabled": enabled }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
}

/// The start of the current UTC hour, in Unix seconds.
fn hour_now() -> i64 {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    now - now.rem_euclid(HOUR)
}

/// Unix seconds as the API writes an instant.
fn wire(seconds: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp(seconds).expect("instant");
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn unix(wire: &str) -> i64 {
    crate::helpers::parse_timestamp(wire).unix_timestamp()
}

fn db_time(seconds: i64) -> PrimitiveDateTime {
    let t = OffsetDateTime::from_unix_timestamp(seconds).expect("instant");
    PrimitiveDateTime::new(t.date(), t.time())
}

/// `GET path` as the account's owner, asserting 200.
fn read(app: &TestApp, account: &TestAccount, path: &str) -> Value {
    let reply = app.get(path, Some(&account.owner_key));
    assert_eq!(reply.status, 200, "{path}: {:?}", reply.body);
    reply.body
}

/// What the table holds for key `id`, summed by outcome.
fn stored(app: &TestApp, id: &str) -> BTreeMap<String, i64> {
    let mut conn = app.db.get().expect("connection");
    let rows: Vec<(String, i64)> = api_key_usage::table
        .filter(api_key_usage::api_key_id.eq(id))
        .select((api_key_usage::outcome, api_key_usage::uses))
        .load(&mut *conn)
        .expect("read api_key_usage");
    let mut sums = BTreeMap::new();
    for (outcome, uses) in rows {
        *sums.entry(outcome).or_default() += uses;
    }
    sums
}

/// Every row of the table, in key order.
fn rows(app: &TestApp) -> Vec<(String, PrimitiveDateTime, String, i64)> {
    let mut conn = app.db.get().expect("connection");
    api_key_usage::table
        .order((
            api_key_usage::api_key_id,
            api_key_usage::hour_start,
            api_key_usage::outcome,
        ))
        .load(&mut *conn)
        .expect("read api_key_usage")
}

fn outcomes(expected: &[(&str, i64)]) -> BTreeMap<String, i64> {
    expected.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// Waits until `check` holds, for up to 10 s.
fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Asserts key `name`'s usage as the API shows it: by default the last 24
/// hours, `expected` in all, bucket by bucket consistent; and when the
/// traffic was all sent in the hour `sent_in`, the whole answer for the
/// hours around it and for its day.
fn assert_usage(
    app: &TestApp,
    account: &TestAccount,
    key: &Value,
    expected: &BTreeMap<String, i64>,
    sent_in: Option<i64>,
) {
    let name = text(key, "name");
    let total: i64 = expected.values().sum();
    let body = read(app, account, &usage_path(account, name));
    assert_eq!(body["outcomes"], json!(expected), "{body}");
    assert_eq!(body["total"], json!(total), "{body}");
    assert_eq!(body["granularity"], "hour");
    let from = unix(text(&body, "from"));
    assert_eq!(unix(text(&body, "to")) - from, 24 * HOUR);
    let buckets = body["buckets"].as_array().expect("buckets");
    assert_eq!(buckets.len(), 24);
    let mut summed = BTreeMap::<String, i64>::new();
    for (i, bucket) in buckets.iter().enumerate() {
        assert_eq!(bucket["start"], wire(from + i as i64 * HOUR));
        let mut in_bucket = 0;
        for (outcome, uses) in bucket["outcomes"].as_object().expect("outcomes") {
            *summed.entry(outcome.clone()).or_default() += uses.as_i64().unwrap();
            in_bucket += uses.as_i64().unwrap();
        }
        assert_eq!(bucket["total"], json!(in_bucket));
    }
    assert_eq!(&summed, expected);

    let Some(hour) = sent_in else {
        return;
    };
    let path = format!(
        "{}?from={}&to={}",
        usage_path(account, name),
        wire(hour - HOUR),
        wire(hour + 2 * HOUR)
    );
    let empty = |start: i64| json!({ "start": wire(start), "total": 0, "outcomes": {} });
    let whole = |granularity: &str, from: i64, to: i64, buckets: Vec<Value>| {
        json!({
            "accountId": account.id,
            "name": name,
            "id": key["id"],
            "granularity": granularity,
            "from": wire(from),
            "to": wire(to),
            "total": total,
            "outcomes": expected,
            "buckets": buckets,
        })
    };
    assert_eq!(
        read(app, account, &path),
        whole(
            "hour",
            hour - HOUR,
            hour + 2 * HOUR,
            vec![
                empty(hour - HOUR),
                json!({ "start": wire(hour), "total": total, "outcomes": expected }),
                empty(hour + HOUR),
            ],
        )
    );
    // By day: the day of that hour, from any instant in it.
    let day = hour - hour.rem_euclid(DAY);
    let path = format!(
        "{}?granularity=day&from={}&to={}",
        usage_path(account, name),
        wire(day + 1),
        wire(day + DAY)
    );
    assert_eq!(
        read(app, account, &path),
        whole(
            "day",
            day,
            day + DAY,
            vec![json!({ "start": wire(day), "total": total, "outcomes": expected })],
        )
    );
}

/// The hour in which `send` ran, if it ran within one.
fn within_one_hour(send: impl FnOnce()) -> Option<i64> {
    let before = hour_now();
    send();
    Some(before).filter(|hour| *hour == hour_now())
}

fn tuning(flush: Duration) -> Tuning {
    Tuning {
        last_used_flush: flush,
        ..test_tuning()
    }
}

// ---------------------------------------------------------------------------
// Counting

fn counts_each_use_by_outcome_and_keeps_them_across_a_restart(backend: Backend) {
    // Test servers write counts every hour: all of these stay in memory.
    let a = spawn_app(backend);
    let account = a.create_account("Acme");
    let till = a.create_key(&account, "Till", "merchant-terminal");
    let secret = secret_of(&till);
    let id = text(&till, "id").to_owned();
    let wrong = wrong_secret_for(&id);
    let sent_in = within_one_hour(|| {
        for _ in 0..3 {
            assert_eq!(me(&a, &secret), 200);
        }
        for _ in 0..2 {
            assert_eq!(verify(&a, &secret), "VALID");
        }
        // A wrong secret for the key: counted against it.
        assert_eq!(me(&a, &wrong), 401);
        assert_eq!(verify(&a, &wrong), "NOT_FOUND");
        // Credentials that name no key: counted nowhere.
        assert_eq!(me(&a, "kw_garbage"), 401);
        let nobody = wrong_secret_for(&uuid::Uuid::new_v4().to_string());
        assert_eq!(verify(&a, &nobody), "NOT_FOUND");
        assert_eq!(verify(&a, "kw_garbage"), "MALFORMED");
        set_enabled(&a, &account, "Till", false);
        assert_eq!(me(&a, &secret), 401);
        assert_eq!(me(&a, &secret), 401);
        assert_eq!(verify(&a, &secret), "DISABLED");
    });
    let expected = outcomes(&[("VALID", 5), ("NOT_FOUND", 2), ("DISABLED", 3)]);
    assert_eq!(a.count_rows("api_key_usage"), 0, "nothing written yet");
    assert_usage(&a, &account, &till, &expected, sent_in);
    // Reading is no use of the key.
    assert_usage(&a, &account, &till, &expected, sent_in);

    // A restart: another instance over the database, then this one stops
    // cleanly, which writes what it counted.
    let b = spawn_peer(&a);
    drop(a);
    assert_eq!(stored(&b, &id), expected);
    assert_usage(&b, &account, &till, &expected, sent_in);

    // The new instance counts on top of what is stored.
    set_enabled(&b, &account, "Till", true);
    let more = within_one_hour(|| assert_eq!(me(&b, &secret), 200));
    let expected = outcomes(&[("VALID", 6), ("NOT_FOUND", 2), ("DISABLED", 3)]);
    let sent_in = sent_in.filter(|hour| Some(*hour) == more);
    assert_usage(&b, &account, &till, &expected, sent_in);
    drop(b);
}

fn written_counts_are_never_counted_twice(backend: Backend) {
    let app = spawn_app_configured(
        backend,
        AppSettings {
            tuning: tuning(Duration::from_millis(100)),
            ..AppSettings::default()
        },
    );
    let account = app.create_account("Acme");
    let till = app.create_key(&account, "Till", "merchant-terminal");
    let secret = secret_of(&till);
    let id = text(&till, "id").to_owned();
    let sent_in = within_one_hour(|| {
        for _ in 0..4 {
            assert_eq!(me(&app, &secret), 200);
        }
    });
    wait_until("the 4 uses are written", || {
        stored(&app, &id) == outcomes(&[("VALID", 4)])
    });
    assert_usage(&app, &account, &till, &outcomes(&[("VALID", 4)]), sent_in);

    // Four clients send while the writer writes every 100 ms and a reader
    // reads: each reading lies between the uses answered before it was
    // asked and those sent before it was answered.
    let app = Arc::new(app);
    let (sent, answered) = (Arc::new(AtomicI64::new(4)), Arc::new(AtomicI64::new(4)));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (app, secret) = (Arc::clone(&app), secret.clone());
            let (sent, answered) = (Arc::clone(&sent), Arc::clone(&answered));
            std::thread::spawn(move || {
                for _ in 0..60 {
                    sent.fetch_add(1, Ordering::SeqCst);
                    assert_eq!(me(&app, &secret), 200);
                    answered.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    let mut readings = 0;
    while clients.iter().any(|client| !client.is_finished()) || readings < 5 {
        let low = answered.load(Ordering::SeqCst);
        let body = read(&app, &account, &usage_path(&account, "Till"));
        let high = sent.load(Ordering::SeqCst);
        let total = body["total"].as_i64().unwrap();
        assert!(
            (low..=high).contains(&total),
            "read {total} with {low} answered and {high} sent"
        );
        readings += 1;
    }
    for client in clients {
        client.join().unwrap();
    }
    let all = outcomes(&[("VALID", 244)]);
    let body = read(&app, &account, &usage_path(&account, "Till"));
    assert_eq!(body["outcomes"], json!(all));
    wait_until("every use is written", || stored(&app, &id) == all);
    let body = read(&app, &account, &usage_path(&account, "Till"));
    assert_eq!(body["outcomes"], json!(all));
}

fn limits_session_tokens_and_revocation_have_their_outcomes(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let create = |name: &str, role: &str, limits: Value| {
        let mut body = json!({ "name": name, "role": role });
        body.as_object_mut()
            .unwrap()
            .extend(limits.as_object().unwrap().clone());
        let reply = app.post(&keys_path(&account), Some(&account.owner_key), &body);
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        reply.body
    };
    // A month-long window: its end will not fall within the test.
    let meter = create(
        "Meter",
        "merchant-terminal",
        json!({ "rateLimit": { "limit": 1, "windowSeconds": 2_592_000 } }),
    );
    let credit = create(
        "Credit",
        "merchant-terminal",
        json!({ "credits": { "remaining": 1 } }),
    );
    let boss = create("Boss", "account-owner", json!({}));
    let old = create("Old", "merchant-terminal", json!({}));
    let sent_in = within_one_hour(|| {
        assert_eq!(me(&app, &secret_of(&meter)), 200);
        assert_eq!(me(&app, &secret_of(&meter)), 429);
        assert_eq!(verify(&app, &secret_of(&credit)), "VALID");
        assert_eq!(verify(&app, &secret_of(&credit)), "USAGE_EXCEEDED");
        // Requests spend no credits.
        assert_eq!(me(&app, &secret_of(&credit)), 200);
        // A session token counts against its key, as does minting it.
        let minted = app.post(
            &tokens_path(&account),
            Some(&secret_of(&boss)),
            &json!({ "scope": "show_card" }),
        );
        assert_eq!(minted.status, 200, "{:?}", minted.body);
        let token = text(&minted.body, "sessionToken").to_owned();
        assert_eq!(me(&app, &token), 200);
        let verified = app.post("/api/verify", None, &json!({ "sessionToken": token }));
        assert_eq!(verified.body["code"], "VALID", "{:?}", verified.body);
        let reply = app.delete(&key_path(&account, "Old"), Some(&account.owner_key));
        assert_eq!(reply.status, 204);
        assert_eq!(me(&app, &secret_of(&old)), 401);
        assert_eq!(verify(&app, &secret_of(&old)), "REVOKED");
    });
    let cases = [
        (&meter, outcomes(&[("VALID", 1), ("RATE_LIMITED", 1)])),
        (&credit, outcomes(&[("VALID", 2), ("USAGE_EXCEEDED", 1)])),
        (&boss, outcomes(&[("VALID", 3)])),
        (&old, outcomes(&[("REVOKED", 2)])),
    ];
    for (key, expected) in &cases {
        assert_usage(&app, &account, key, expected, sent_in);
    }
}

fn throttled_wrong_secrets_count_as_not_found(backend: Backend) {
    // The server's failure throttle: 20 failures a minute, then 429.
    let app = spawn_app_configured(
        backend,
        AppSettings {
            tuning: default_throttle_tuning(),
            ..AppSettings::default()
        },
    );
    let account = app.create_account("Acme");
    let till = app.create_key(&account, "Till", "merchant-terminal");
    let wrong = wrong_secret_for(text(&till, "id"));
    let statuses: Vec<u16> = (0..25).map(|_| me(&app, &wrong)).collect();
    assert_eq!(statuses[..20], [401; 20]);
    assert_eq!(statuses[20..], [429; 5]);
    assert_usage(&app, &account, &till, &outcomes(&[("NOT_FOUND", 25)]), None);
}

fn nothing_is_counted_when_usage_analytics_is_off(backend: Backend) {
    let settings = AppSettings {
        tuning: Tuning {
            usage_analytics: false,
            ..tuning(Duration::from_millis(50))
        },
        ..AppSettings::default()
    };
    let app = spawn_app_configured(backend, settings.clone());
    let account = app.create_account("Acme");
    let till = app.create_key(&account, "Till", "merchant-terminal");
    assert_eq!(me(&app, &secret_of(&till)), 200);
    assert_eq!(verify(&app, &secret_of(&till)), "VALID");
    assert_usage(&app, &account, &till, &BTreeMap::new(), None);
    let top = read(&app, &account, &account_usage_path(&account));
    assert_eq!(top["keys"], json!([]));
    // A stop writes nothing either.
    let peer = spawn_peer_configured(&app, settings);
    drop(app);
    assert_eq!(peer.count_rows("api_key_usage"), 0);
}

// ---------------------------------------------------------------------------
// The account's top keys

fn the_account_lists_its_most_used_keys(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let a = app.create_key(&account, "A", "merchant-terminal");
    let b = app.create_key(&account, "B", "merchant-terminal");
    app.create_key(&account, "C", "merchant-terminal");
    for _ in 0..7 {
        assert_eq!(me(&app, &secret_of(&a)), 200);
    }
    for _ in 0..3 {
        assert_eq!(verify(&app, &secret_of(&b)), "VALID");
    }
    // A child account's keys are its own.
    let child = app.post(
        "/api/accounts",
        Some(&account.owner_key),
        &json!({"name": "Kid"}),
    );
    assert_eq!(child.status, 200, "{:?}", child.body);
    let child_key = secret_of(&child.body["apiKey"]);
    let child_id = text(&child.body["account"], "id").to_owned();
    for _ in 0..9 {
        assert_eq!(me(&app, &child_key), 200);
    }
    let owner_id = read(&app, &account, &key_path(&account, "owner"))["id"].clone();

    // The owner's own requests count too: three keys and a child created,
    // one read, and this one.
    let entry = |key: &Value, name: &str, valid: i64| json!({ "name": name, "id": key, "total": valid, "outcomes": { "VALID": valid } });
    let body = read(
        &app,
        &account,
        &format!("{}?limit=2", account_usage_path(&account)),
    );
    let from = unix(text(&body, "from"));
    assert_eq!(unix(text(&body, "to")) - from, 24 * HOUR);
    assert_eq!(
        body,
        json!({
            "accountId": account.id,
            "from": body["from"],
            "to": body["to"],
            "keys": [entry(&a["id"], "A", 7), entry(&owner_id, "owner", 6)],
        })
    );
    let body = read(&app, &account, &account_usage_path(&account));
    assert_eq!(
        body["keys"],
        json!([
            entry(&a["id"], "A", 7),
            entry(&owner_id, "owner", 7),
            entry(&b["id"], "B", 3),
        ])
    );
    // An owner of the parent reads the child's.
    let child_top = read(&app, &account, &format!("/api/accounts/{child_id}/usage"));
    assert_eq!(child_top["keys"][0]["total"], 9, "{child_top}");
    assert_eq!(child_top["keys"].as_array().unwrap().len(), 1);
    // A range with none of it.
    let hour = hour_now();
    let body = read(
        &app,
        &account,
        &format!(
            "{}?from={}&to={}",
            account_usage_path(&account),
            wire(hour - 3 * HOUR),
            wire(hour - HOUR)
        ),
    );
    assert_eq!(
        body,
        json!({
            "accountId": account.id,
            "from": wire(hour - 3 * HOUR),
            "to": wire(hour - HOUR),
            "keys": [],
        })
    );
}

// ---------------------------------------------------------------------------
// Who may read, and bad queries

fn only_owners_of_the_account_or_above_read_usage(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let sibling = app.create_account("Other");
    let till = app.create_key(&account, "Till", "merchant-terminal");
    let child = app.post(
        "/api/accounts",
        Some(&account.owner_key),
        &json!({"name": "Kid"}),
    );
    assert_eq!(child.status, 200, "{:?}", child.body);
    let child_owner = secret_of(&child.body["apiKey"]);
    let child_id = text(&child.body["account"], "id").to_owned();
    let minted = app.post(
        &tokens_path(&account),
        Some(&account.owner_key),
        &json!({ "scope": "card" }),
    );
    let token = text(&minted.body, "sessionToken").to_owned();
    let paths = [usage_path(&account, "Till"), account_usage_path(&account)];
    for path in &paths {
        for credential in [&secret_of(&till), &sibling.owner_key, &child_owner, &token] {
            assert_reply(&app.get(path, Some(credential)), 403, &forbidden());
        }
        // Refused before the query is looked at.
        let bad = format!("{path}?granularity=week&from=yesterday");
        assert_reply(&app.get(&bad, Some(&secret_of(&till))), 403, &forbidden());
        assert_reply(
            &app.get(path, None),
            401,
            &error_body(401, "Unauthorized", "Missing authentication"),
        );
    }
    // The parent's owner reads the child's keys' usage.
    let child_key = format!("/api/accounts/{child_id}/api-keys/owner/usage");
    assert_eq!(app.get(&child_key, Some(&account.owner_key)).status, 200);
    assert_eq!(app.get(&child_key, Some(&child_owner)).status, 200);
    assert_reply(
        &app.get(&usage_path(&account, "Nobody"), Some(&account.owner_key)),
        404,
        &error_body(404, "Not Found", "API_KEY_NOT_FOUND"),
    );
}

fn bad_queries_are_refused_and_change_nothing(backend: Backend) {
    let app = spawn_app_configured(
        backend,
        AppSettings {
            tuning: tuning(Duration::from_millis(50)),
            ..AppSettings::default()
        },
    );
    let account = app.create_account("Acme");
    let till = app.create_key(&account, "Till", "merchant-terminal");
    let id = text(&till, "id").to_owned();
    assert_eq!(me(&app, &secret_of(&till)), 200);
    wait_until("the use is written", || {
        stored(&app, &id) == outcomes(&[("VALID", 1)])
    });
    let hour = hour_now();
    // A fixed window, so that the last comparison holds if the hour turns.
    let window = format!(
        "{}?from={}&to={}",
        usage_path(&account, "Till"),
        wire(hour - DAY),
        wire(hour + 2 * HOUR)
    );
    let before = read(&app, &account, &window);
    let stored_before = stored(&app, &id);
    let rfc =
        |name: &str| format!("{name} must be an RFC 3339 date-time such as 2030-01-01T00:00:00Z");
    let series = [
        ("from=yesterday".to_owned(), rfc("from")),
        ("to=2026-13-01T00:00:00Z".to_owned(), rfc("to")),
        ("from=2026-12-01".to_owned(), rfc("from")),
        (
            "granularity=week".to_owned(),
            "granularity must be hour or day".to_owned(),
        ),
        (
            "granularity=".to_owned(),
            "granularity must be hour or day".to_owned(),
        ),
        (
            format!("from={}&to={}", wire(hour), wire(hour)),
            "from must be before to".to_owned(),
        ),
        (
            format!("from={}&to={}", wire(hour), wire(hour - 1)),
            "from must be before to".to_owned(),
        ),
        (
            format!("from={}", wire(hour + 2 * HOUR)),
            "from must be before to, which is now when left out".to_owned(),
        ),
        (
            format!("from={}&to={}", wire(hour - 745 * HOUR), wire(hour)),
            "from to to spans 745 hours; at most 744".to_owned(),
        ),
        (
            format!("granularity=day&from={}&to={}", wire(0), wire(745 * DAY)),
            "from to to spans 745 days; at most 744".to_owned(),
        ),
        (
            "to=9999-12-31T00:00:01Z".to_owned(),
            "to must be at most 9999-12-31T00:00:00Z".to_owned(),
        ),
    ];
    for (query, message) in &series {
        let path = format!("{}?{query}", usage_path(&account, "Till"));
        let reply = app.get(&path, Some(&account.owner_key));
        assert_reply(&reply, 400, &error_body(400, "Bad Request", message));
    }
    let top = [
        (
            "limit=0".to_owned(),
            "limit must be between 1 and 1000".to_owned(),
        ),
        (
            "limit=1001".to_owned(),
            "limit must be between 1 and 1000".to_owned(),
        ),
        (
            "limit=ten".to_owned(),
            "limit must be between 1 and 1000".to_owned(),
        ),
        ("to=now".to_owned(), rfc("to")),
        (
            format!("from={}&to={}", wire(0), wire(367 * DAY)),
            "from to to spans 8808 hours; at most 8784".to_owned(),
        ),
    ];
    for (query, message) in &top {
        let path = format!("{}?{query}", account_usage_path(&account));
        let reply = app.get(&path, Some(&account.owner_key));
        assert_reply(&reply, 400, &error_body(400, "Bad Request", message));
    }
    // The longest ranges are fine.
    let path = format!(
        "{}?granularity=day&from={}&to={}",
        usage_path(&account, "Till"),
        wire(0),
        wire(744 * DAY)
    );
    assert_eq!(
        read(&app, &account, &path)["buckets"]
            .as_array()
            .unwrap()
            .len(),
        744
    );
    let path = format!(
        "{}?from={}&to={}",
        account_usage_path(&account),
        wire(0),
        wire(366 * DAY)
    );
    assert_eq!(read(&app, &account, &path)["keys"], json!([]));
    // Nothing about the key changed.
    assert_eq!(read(&app, &account, &window), before);
    assert_eq!(stored(&app, &id), stored_before);
}

// ---------------------------------------------------------------------------
// Retention

fn buckets_older_than_the_retention_are_pruned(backend: Backend) {
    let settings = AppSettings {
        tuning: Tuning {
            usage_retention: Duration::from_secs(2 * DAY as u64),
            ..test_tuning()
        },
        ..AppSettings::default()
    };
    let app = spawn_app_configured(backend, settings.clone());
    let account = app.create_account("Acme");
    let till = app.create_key(&account, "Till", "merchant-terminal");
    let id = text(&till, "id").to_owned();
    let hour = hour_now();
    let row = |age_hours: i64, uses: i64| {
        (
            api_key_usage::api_key_id.eq(id.clone()),
            api_key_usage::hour_start.eq(db_time(hour - age_hours * HOUR)),
            api_key_usage::outcome.eq("VALID"),
            api_key_usage::uses.eq(uses),
        )
    };
    {
        let mut conn = app.db.get().expect("connection");
        // 46 hours, not 47: the cutoff is 48 hours before the peer starts,
        // which may be in the next hour.
        for values in [row(49, 1), row(24 * 30, 2), row(46, 4), row(1, 8)] {
            diesel::insert_into(api_key_usage::table)
                .values(values)
                .execute(&mut *conn)
                .expect("insert a bucket");
        }
    }
    // An instance prunes as it starts, then every hour.
    let _peer = spawn_peer_configured(&app, settings);
    wait_until("the old buckets are gone", || {
        app.count_rows("api_key_usage") == 2
    });
    let kept: Vec<(i64, i64)> = rows(&app)
        .into_iter()
        .map(|(_, at, _, uses)| (at.assume_utc().unix_timestamp(), uses))
        .collect();
    assert_eq!(kept, vec![(hour - 46 * HOUR, 4), (hour - HOUR, 8)]);
    let body = read(&app, &account, &usage_path(&account, "Till"));
    assert_eq!(body["outcomes"], json!({ "VALID": 8 }));
}

crate::on_both_backends!(
    counts_each_use_by_outcome_and_keeps_them_across_a_restart,
    written_counts_are_never_counted_twice,
    limits_session_tokens_and_revocation_have_their_outcomes,
    throttled_wrong_secrets_count_as_not_found,
    nothing_is_counted_when_usage_analytics_is_off,
    the_account_lists_its_most_used_keys,
    only_owners_of_the_account_or_above_read_usage,
    bad_queries_are_refused_and_change_nothing,
    buckets_older_than_the_retention_are_pruned,
);
