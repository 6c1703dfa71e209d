//! Per-key limits (issue 15): a rate limit (uses per fixed window aligned
//! to the epoch) and credits (a balance verify draws on by its `cost`,
//! refilled daily or monthly). Exact counting on one instance and on two
//! over one database; `cost` 0 peeks; refills, with `refilled_at` moved back
//! in the database as the clock; a key's own requests spending its rate
//! limit (429 with `Retry-After`); setting and removing limits with `PUT`,
//! with events; bad limits refused; the time-budget policy; and a key
//! without limits paying nothing for them.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use keyward::service::{Limits, Tuning};
use keyward::store::schema::{api_key_credits, rate_windows};
use serde_json::{json, Value};
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::helpers::{
    assert_reply, crn, error_body, events_path, key_path, keys_path, parse_timestamp, secret_of,
    spawn_app, spawn_app_configured, spawn_app_tuned, spawn_peer_configured, test_tuning, text,
    tokens_path, AppSettings, Backend, Reply, TestAccount, TestApp,
};

/// The largest balance, refill amount and `cost`.
const MAX_CREDITS: i64 = 1_000_000_000_000_000;

const RATE_LIMITED: &str = "RATE_LIMITED";
const USAGE_EXCEEDED: &str = "USAGE_EXCEEDED";

// ---------------------------------------------------------------------------
// Helpers

/// Creates the key `name` with `limits` (`{"rateLimit": …, "credits": …}`,
/// either or both) through the API; returns the create response.
fn create_limited(
    app: &TestApp,
    account: &TestAccount,
    name: &str,
    role: &str,
    limits: Value,
) -> Value {
    let mut body = json!({ "name": name, "role": role });
    body.as_object_mut()
        .unwrap()
        .extend(limits.as_object().expect("limits object").clone());
    let reply = app.post(&keys_path(account), Some(&account.owner_key), &body);
    assert_eq!(reply.status, 200, "create {name}: {:?}", reply.body);
    reply.body
}

/// `POST /api/verify` with `body`, asserting 200; returns the verdict.
fn verify_body(app: &TestApp, body: &Value) -> Value {
    let reply = app.post("/api/verify", None, body);
    assert_eq!(reply.status, 200, "verify {body}: {:?}", reply.body);
    reply.body
}

/// Verifies the key `secret` at `cost` (none: the default).
fn verify(app: &TestApp, secret: &str, cost: Option<i64>) -> Value {
    match cost {
        Some(cost) => verify_body(app, &json!({ "key": secret, "cost": cost })),
        None => verify_body(app, &json!({ "key": secret })),
    }
}

/// `base` with the fields of `extra` added.
fn merged(mut base: Value, extra: Value) -> Value {
    base.as_object_mut()
        .unwrap()
        .extend(extra.as_object().expect("an object").clone());
    base
}

/// The whole positive verdict for the API key `key` (a create response),
/// with the standing of its limits (`{"rateLimit": …, "credits": …}`).
fn valid(account: &TestAccount, key: &Value, standing: Value) -> Value {
    let name = text(key, "name");
    merged(
        json!({
            "valid": true,
            "code": "VALID",
            "accountId": account.id,
            "parentAccountId": null,
            "keyId": key["id"],
            "name": name,
            "role": key["role"],
            "crn": crn(account, name),
        }),
        standing,
    )
}

/// The whole verdict refusing a use with `code`, with the standing.
fn refused(code: &str, standing: Value) -> Value {
    merged(json!({ "valid": false, "code": code }), standing)
}

/// A verdict's `rateLimit`.
fn rate(limit: i64, remaining: i64, reset_at: &str) -> Value {
    json!({ "rateLimit": { "limit": limit, "remaining": remaining, "resetAt": reset_at } })
}

/// A verdict's `credits`.
fn credits(remaining: i64) -> Value {
    json!({ "credits": { "remaining": remaining } })
}

/// Both standings.
fn both(limit: i64, rate_remaining: i64, reset_at: &str, credits_remaining: i64) -> Value {
    merged(
        rate(limit, rate_remaining, reset_at),
        credits(credits_remaining),
    )
}

/// Seconds since the epoch of a wire timestamp.
fn unix(ts: &str) -> i64 {
    parse_timestamp(ts).unix_timestamp()
}

fn now_secs_f64() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after the epoch")
        .as_secs_f64()
}

fn now_secs() -> i64 {
    now_secs_f64().floor() as i64
}

/// Returns once at least `headroom` is left of the current window of
/// `window` seconds (windows are aligned to the epoch), waiting for the
/// next window to begin if need be, so that a short sequence of requests
/// all falls in one window.
fn with_headroom(window: u64, headroom: Duration) {
    let window = window as f64;
    let left = |now: f64| window - now.rem_euclid(window);
    let start = now_secs_f64();
    if left(start) >= headroom.as_secs_f64() {
        return;
    }
    let deadline = Instant::now() + Duration::from_secs_f64(left(start) + 5.0);
    let current = (start / window).floor();
    while (now_secs_f64() / window).floor() == current {
        assert!(Instant::now() < deadline, "the clock did not move on");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Returns right after a window of `window` seconds begins (within
/// `slack` of its start); the window's end, in seconds since the epoch.
fn at_window_start(window: u64, slack: Duration) -> i64 {
    let w = window as f64;
    let deadline = Instant::now() + Duration::from_secs(3 * window + 5);
    loop {
        let now = now_secs_f64();
        if now.rem_euclid(w) <= slack.as_secs_f64() {
            return ((now / w).floor() as i64 + 1) * window as i64;
        }
        assert!(Instant::now() < deadline, "never caught a window's start");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The key's balance row (`remaining`, `refilled_at`), straight from the
/// database.
fn credits_row(app: &TestApp, key_id: &str) -> Option<(i64, PrimitiveDateTime)> {
    let mut conn = app.db.get().expect("connection");
    api_key_credits::table
        .find(key_id)
        .select((api_key_credits::remaining, api_key_credits::refilled_at))
        .first(&mut *conn)
        .optional()
        .expect("read api_key_credits")
}

fn balance_in_db(app: &TestApp, key_id: &str) -> i64 {
    credits_row(app, key_id)
        .unwrap_or_else(|| panic!("no api_key_credits row for {key_id}"))
        .0
}

/// Moves the key's last refill to `at`: the clock refills are judged by.
fn set_refilled_at(app: &TestApp, key_id: &str, at: OffsetDateTime) {
    let at = PrimitiveDateTime::new(at.date(), at.time());
    let mut conn = app.db.get().expect("connection");
    let updated = diesel::update(api_key_credits::table.find(key_id))
        .set(api_key_credits::refilled_at.eq(at))
        .execute(&mut *conn)
        .expect("move refilled_at");
    assert_eq!(updated, 1, "no api_key_credits row for {key_id}");
}

/// The key's rate windows (start, used), oldest first.
fn window_rows(app: &TestApp, key_id: &str) -> Vec<(i64, i64)> {
    let mut conn = app.db.get().expect("connection");
    rate_windows::table
        .filter(rate_windows::api_key_id.eq(key_id))
        .select((rate_windows::window_start, rate_windows::used))
        .order(rate_windows::window_start)
        .load(&mut *conn)
        .expect("read rate_windows")
}

/// The uses counted in the window that ends at `reset_at`.
fn used_in_window(app: &TestApp, key_id: &str, reset_at: &str, window: i64) -> i64 {
    let start = unix(reset_at) - window;
    window_rows(app, key_id)
        .into_iter()
        .find(|(s, _)| *s == start)
        .map_or(0, |(_, used)| used)
}

/// `keyward_limit_decisions_total` of `app`, by its labels as printed
/// (`outcome="admitted",fallback="false"`, in the order given); series not
/// yet written are absent.
fn limit_decisions(app: &TestApp) -> BTreeMap<String, f64> {
    const NAME: &str = "keyward_limit_decisions_total{";
    let text = app
        .request("GET", "/metrics")
        .call()
        .expect("GET /metrics")
        .into_string()
        .expect("metrics text");
    text.lines()
        .filter_map(|line| line.strip_prefix(NAME))
        .map(|rest| {
            let (labels, value) = rest.split_once("} ").expect("a sample");
            let mut labels: Vec<&str> = labels.split(',').collect();
            labels.sort_unstable();
            (labels.join(","), value.trim().parse().expect("a number"))
        })
        .collect()
}

/// One series of [`limit_decisions`]; 0 when absent.
fn decisions(app: &TestApp, outcome: &str, fallback: bool) -> f64 {
    let series = format!("fallback=\"{fallback}\",outcome=\"{outcome}\"");
    limit_decisions(app).get(&series).copied().unwrap_or(0.0)
}

/// `GET` the key `name` as the owner, asserting 200.
fn get_key(app: &TestApp, account: &TestAccount, name: &str) -> Value {
    let reply = app.get(&key_path(account, name), Some(&account.owner_key));
    assert_eq!(reply.status, 200, "GET {name}: {:?}", reply.body);
    reply.body
}

/// The key's events, newest first.
fn events(app: &TestApp, account: &TestAccount, name: &str) -> Vec<Value> {
    let path = format!("{}?limit=100", events_path(account, name));
    let reply = app.get(&path, Some(&account.owner_key));
    assert_eq!(reply.status, 200, "events of {name}: {:?}", reply.body);
    reply.body["items"].as_array().expect("items").clone()
}

/// A create response as `GET` shows the key: without its `secret`.
fn without_secret(key: &Value) -> Value {
    let mut key = key.clone();
    key.as_object_mut().unwrap().remove("secret");
    key
}

fn me(app: &TestApp, credential: &str) -> Reply {
    app.get("/api/me", Some(credential))
}

fn mint_token(app: &TestApp, account: &TestAccount, key: &str) -> String {
    let minted = app.post(
        &tokens_path(account),
        Some(key),
        &json!({ "scope": "show_card" }),
    );
    assert_eq!(minted.status, 200, "mint: {:?}", minted.body);
    text(&minted.body, "sessionToken").to_owned()
}

/// `GET /api/v1/api_keys/{id}` as the owner: the key's attributes.
fn v1_attributes(app: &TestApp, account: &TestAccount, id: &str) -> Value {
    let path = format!("/api/v1/api_keys/{id}?api_key={}", account.owner_key);
    let reply = app.get(&path, None);
    assert_eq!(reply.status, 200, "v1 GET {id}: {:?}", reply.body);
    reply.body["data"]["attributes"].clone()
}

/// The field names of an object, sorted.
fn fields(value: &Value) -> Vec<String> {
    let mut names: Vec<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect();
    names.sort_unstable();
    names
}

fn bad_request(message: &str) -> Value {
    error_body(400, "Bad Request", message)
}

// ---------------------------------------------------------------------------
// 1. Exact counting on one instance

fn a_rate_limit_counts_exactly(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let key = create_limited(
        &app,
        &account,
        "Till",
        "merchant-terminal",
        json!({ "rateLimit": { "limit": 5, "windowSeconds": 60 } }),
    );
    assert_eq!(key["rateLimit"], json!({ "limit": 5, "windowSeconds": 60 }));
    assert!(key.get("credits").is_none(), "{key}");
    let (secret, id) = (secret_of(&key), text(&key, "id").to_owned());

    with_headroom(60, Duration::from_secs(10));
    let before = now_secs();
    let first = verify(&app, &secret, None);
    let reset_at = text(&first["rateLimit"], "resetAt").to_owned();
    let reset = unix(&reset_at);
    assert_eq!(reset % 60, 0, "resetAt {reset_at} is not on the minute");
    assert!(
        reset > before && reset <= before + 60,
        "resetAt {reset_at} is not the end of the current window"
    );
    assert_eq!(first, valid(&account, &key, rate(5, 4, &reset_at)));
    for remaining in [3, 2, 1, 0] {
        assert_eq!(
            verify(&app, &secret, None),
            valid(&account, &key, rate(5, remaining, &reset_at)),
            "use {} of 5",
            5 - remaining
        );
    }
    for what in ["6th use", "7th use"] {
        assert_eq!(
            verify(&app, &secret, None),
            refused(RATE_LIMITED, rate(5, 0, &reset_at)),
            "{what}"
        );
    }
    assert_eq!(
        verify(&app, &secret, Some(0)),
        refused(RATE_LIMITED, rate(5, 0, &reset_at)),
        "a peek at a full window"
    );
    assert_eq!(
        window_rows(&app, &id),
        vec![(reset - 60, 5)],
        "refused uses are not counted"
    );
    assert_eq!(app.count_rows("api_key_credits"), 0);
}

fn credits_count_exactly(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let key = create_limited(
        &app,
        &account,
        "Till",
        "merchant-terminal",
        json!({ "credits": { "remaining": 3 } }),
    );
    assert_eq!(key["credits"], json!({ "remaining": 3, "refill": null }));
    assert!(key.get("rateLimit").is_none(), "{key}");
    let (secret, id) = (secret_of(&key), text(&key, "id").to_owned());

    for remaining in [2, 1, 0] {
        assert_eq!(
            verify(&app, &secret, None),
            valid(&account, &key, credits(remaining))
        );
    }
    for what in ["4th use", "5th use"] {
        assert_eq!(
            verify(&app, &secret, None),
            refused(USAGE_EXCEEDED, credits(0)),
            "{what}"
        );
    }
    assert_eq!(balance_in_db(&app, &id), 0);
    let shown = get_key(&app, &account, "Till");
    assert_eq!(
        shown,
        merged(
            without_secret(&key),
            json!({ "credits": { "remaining": 0, "refill": null } })
        ),
        "spending is not a change: same version, shows the balance"
    );
    assert_eq!(
        events(&app, &account, "Till").len(),
        1,
        "uses record nothing"
    );
    assert_eq!(app.count_rows("rate_windows"), 0);
}

fn a_refused_use_takes_nothing(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    with_headroom(60, Duration::from_secs(15));

    // The rate limit refuses: no credits are spent.
    let rated = create_limited(
        &app,
        &account,
        "Rated",
        "merchant-terminal",
        json!({
            "rateLimit": { "limit": 2, "windowSeconds": 60 },
            "credits": { "remaining": 10, "refill": null },
        }),
    );
    let (secret, id) = (secret_of(&rated), text(&rated, "id").to_owned());
    let first = verify(&app, &secret, None);
    let reset_at = text(&first["rateLimit"], "resetAt").to_owned();
    assert_eq!(first, valid(&account, &rated, both(2, 1, &reset_at, 9)));
    assert_eq!(
        verify(&app, &secret, Some(3)),
        valid(&account, &rated, both(2, 0, &reset_at, 6))
    );
    assert_eq!(
        verify(&app, &secret, Some(4)),
        refused(RATE_LIMITED, both(2, 0, &reset_at, 6))
    );
    assert_eq!(balance_in_db(&app, &id), 6);
    assert_eq!(get_key(&app, &account, "Rated")["credits"]["remaining"], 6);
    assert_eq!(used_in_window(&app, &id, &reset_at, 60), 2);

    // Credits refuse: the rate window keeps its room.
    let metered = create_limited(
        &app,
        &account,
        "Metered",
        "merchant-terminal",
        json!({
            "rateLimit": { "limit": 5, "windowSeconds": 60 },
            "credits": { "remaining": 1, "refill": null },
        }),
    );
    let (secret, id) = (secret_of(&metered), text(&metered, "id").to_owned());
    assert_eq!(
        verify(&app, &secret, None),
        valid(&account, &metered, both(5, 4, &reset_at, 0))
    );
    for _ in 0..3 {
        assert_eq!(
            verify(&app, &secret, None),
            refused(USAGE_EXCEEDED, both(5, 4, &reset_at, 0))
        );
    }
    assert_eq!(used_in_window(&app, &id, &reset_at, 60), 1);
    assert_eq!(balance_in_db(&app, &id), 0);

    // Both spent: credits are checked first.
    let spent = create_limited(
        &app,
        &account,
        "Spent",
        "merchant-terminal",
        json!({
            "rateLimit": { "limit": 1, "windowSeconds": 60 },
            "credits": { "remaining": 1, "refill": null },
        }),
    );
    let secret = secret_of(&spent);
    assert_eq!(
        verify(&app, &secret, None),
        valid(&account, &spent, both(1, 0, &reset_at, 0))
    );
    assert_eq!(
        verify(&app, &secret, None),
        refused(USAGE_EXCEEDED, both(1, 0, &reset_at, 0))
    );
}

/// The key's own state is checked before its limits, and a verdict on it
/// counts nothing and says nothing of the limits.
fn key_state_is_checked_before_limits(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let key = create_limited(
        &app,
        &account,
        "Till",
        "merchant-terminal",
        json!({
            "rateLimit": { "limit": 1, "windowSeconds": 3600 },
            "credits": { "remaining": 1, "refill": null },
        }),
    );
    let (secret, id) = (secret_of(&key), text(&key, "id").to_owned());
    let path = key_path(&account, "Till");
    let owner = Some(account.owner_key.as_str());
    assert_eq!(
        app.put(&path, owner, &json!({ "enabled": false })).status,
        200
    );
    for cost in [None, Some(0), Some(1)] {
        assert_eq!(
            verify(&app, &secret, cost),
            json!({ "valid": false, "code": "DISABLED" })
        );
    }
    assert_eq!(balance_in_db(&app, &id), 1, "a disabled key spends nothing");
    assert!(
        window_rows(&app, &id).iter().all(|(_, used)| *used == 0),
        "a disabled key counts nothing: {:?}",
        window_rows(&app, &id)
    );
    assert_eq!(
        app.put(&path, owner, &json!({ "enabled": true })).status,
        200
    );
    let spent = verify(&app, &secret, None);
    assert_eq!(spent["code"], "VALID", "{spent}");
    assert_eq!(spent["credits"], json!({ "remaining": 0 }));
    assert_eq!(spent["rateLimit"]["remaining"], 0);
    // Spent on both counts, but revoked: the key's state comes first.
    assert_eq!(app.delete(&path, owner).status, 204);
    assert_eq!(
        verify(&app, &secret, None),
        json!({ "valid": false, "code": "REVOKED" })
    );
}

// ---------------------------------------------------------------------------
// 2. cost

fn cost_zero_peeks_and_larger_costs_spend_more(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    with_headroom(60, Duration::from_secs(15));
    let key = create_limited(
        &app,
        &account,
        "Till",
        "merchant-terminal",
        json!({
            "rateLimit": { "limit": 10, "windowSeconds": 60 },
            "credits": { "remaining": 7, "refill": null },
        }),
    );
    let (secret, id) = (secret_of(&key), text(&key, "id").to_owned());

    let peek = verify(&app, &secret, Some(0));
    let reset_at = text(&peek["rateLimit"], "resetAt").to_owned();
    let steps: [(Option<i64>, Value); 8] = [
        (Some(0), valid(&account, &key, both(10, 10, &reset_at, 7))),
        (Some(5), valid(&account, &key, both(10, 9, &reset_at, 2))),
        (Some(3), refused(USAGE_EXCEEDED, both(10, 9, &reset_at, 2))),
        (Some(0), valid(&account, &key, both(10, 9, &reset_at, 2))),
        (Some(2), valid(&account, &key, both(10, 8, &reset_at, 0))),
        (Some(0), refused(USAGE_EXCEEDED, both(10, 8, &reset_at, 0))),
        (None, refused(USAGE_EXCEEDED, both(10, 8, &reset_at, 0))),
        (
            Some(MAX_CREDITS),
            refused(USAGE_EXCEEDED, both(10, 8, &reset_at, 0)),
        ),
    ];
    assert_eq!(peek, steps[0].1, "the first peek");
    for (i, (cost, expected)) in steps.iter().enumerate() {
        assert_eq!(
            &verify(&app, &secret, *cost),
            expected,
            "step {i}: cost {cost:?}"
        );
    }
    assert_eq!(balance_in_db(&app, &id), 0);
    assert_eq!(
        used_in_window(&app, &id, &reset_at, 60),
        2,
        "a use counts 1 against the rate limit whatever its cost"
    );

    // On a key with only a rate limit, a cost counts one use and a peek
    // none; a peek at a full window is refused.
    let rated = create_limited(
        &app,
        &account,
        "Rated",
        "merchant-terminal",
        json!({ "rateLimit": { "limit": 2, "windowSeconds": 60 } }),
    );
    let (secret, id) = (secret_of(&rated), text(&rated, "id").to_owned());
    let steps: [(Option<i64>, Value); 5] = [
        (Some(0), valid(&account, &rated, rate(2, 2, &reset_at))),
        (Some(5), valid(&account, &rated, rate(2, 1, &reset_at))),
        (Some(0), valid(&account, &rated, rate(2, 1, &reset_at))),
        (None, valid(&account, &rated, rate(2, 0, &reset_at))),
        (Some(0), refused(RATE_LIMITED, rate(2, 0, &reset_at))),
    ];
    for (i, (cost, expected)) in steps.iter().enumerate() {
        assert_eq!(
            &verify(&app, &secret, *cost),
            expected,
            "rate-only step {i}: cost {cost:?}"
        );
    }
    assert_eq!(used_in_window(&app, &id, &reset_at, 60), 2);
}

fn bad_costs_are_refused(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let key = create_limited(
        &app,
        &account,
        "Till",
        "merchant-terminal",
        json!({ "credits": { "remaining": 7, "refill": null } }),
    );
    let (secret, id) = (secret_of(&key), text(&key, "id").to_owned());
    let range = format!("cost must be between 0 and {MAX_CREDITS}");
    let cases: Vec<(Value, String)> = vec![
        (json!(-1), range.clone()),
        (json!(MAX_CREDITS + 1), range.clone()),
        (json!(10_000_000_000_000_000_i64), range.clone()),
        (json!(i64::MIN), range.clone()),
        (json!(null), "cost must not be null".into()),
        (
            json!(1e16),
            "invalid JSON body: cost: invalid value: floating point `1e+16`, expected a whole \
             number at line 1 column 13"
                .into(),
        ),
        (
            json!("5"),
            "invalid JSON body: cost: invalid type: string \"5\", expected a whole number at \
             line 1 column 11"
                .into(),
        ),
        (
            json!(1.5),
            "invalid JSON body: cost: invalid value: floating point `1.5`, expected a whole \
             number at line 1 column 11"
                .into(),
        ),
        (
            json!(u64::MAX),
            "invalid JSON body: cost: invalid value: integer `18446744073709551615`, expected a \
             whole number at line 1 column 28"
                .into(),
        ),
    ];
    let mut wrong = Vec::new();
    for (cost, message) in &cases {
        let reply = app.post("/api/verify", None, &json!({ "cost": cost, "key": secret }));
        if (reply.status, &reply.body) != (400, &bad_request(message)) {
            wrong.push(format!("cost {cost}: {} {}", reply.status, reply.body));
        }
    }
    assert!(wrong.is_empty(), "wrong answers:\n{}", wrong.join("\n"));
    // A whole number written as a float is that number.
    assert_eq!(
        verify_body(&app, &json!({ "key": secret, "cost": 2.0 })),
        valid(&account, &key, credits(5))
    );
    assert_eq!(balance_in_db(&app, &id), 5, "only the good verify spent");
}

// ---------------------------------------------------------------------------
// 3. Refills

fn credits_refill_at_utc_boundaries(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let key = create_limited(
        &app,
        &account,
        "Daily",
        "merchant-terminal",
        json!({ "credits": { "remaining": 0, "refill": { "amount": 10, "interval": "daily" } } }),
    );
    let (secret, id) = (secret_of(&key), text(&key, "id").to_owned());
    let refill = json!({ "amount": 10, "interval": "daily" });
    assert_eq!(key["credits"], json!({ "remaining": 0, "refill": refill }));
    assert_eq!(
        verify(&app, &secret, None),
        refused(USAGE_EXCEEDED, credits(0))
    );

    // Last refilled at today's 00:00 UTC exactly: no refill instant has
    // passed since.
    let midnight = OffsetDateTime::now_utc().date().midnight().assume_utc();
    set_refilled_at(&app, &id, midnight);
    assert_eq!(
        verify(&app, &secret, None),
        refused(USAGE_EXCEEDED, credits(0)),
        "refilled at today's refill instant"
    );

    // A millisecond before it: refilled now, lazily.
    set_refilled_at(&app, &id, midnight - time::Duration::milliseconds(1));
    let shown = get_key(&app, &account, "Daily");
    let refilled = merged(
        without_secret(&key),
        json!({ "credits": { "remaining": 10, "refill": refill } }),
    );
    assert_eq!(shown, refilled, "GET shows the refill; no new version");
    let before = OffsetDateTime::now_utc();
    assert_eq!(
        verify(&app, &secret, None),
        valid(&account, &key, credits(9))
    );
    let (remaining, refilled_at) = credits_row(&app, &id).expect("balance row");
    assert_eq!(remaining, 9);
    let refilled_at = refilled_at.assume_utc();
    assert!(
        refilled_at >= midnight
            && refilled_at >= before - time::Duration::seconds(1)
            && refilled_at <= OffsetDateTime::now_utc() + time::Duration::seconds(1),
        "refilled_at {refilled_at} is not the time of the refill"
    );
    assert_eq!(
        verify(&app, &secret, Some(4)),
        valid(&account, &key, credits(5)),
        "one refill per refill instant"
    );
    let shown = get_key(&app, &account, "Daily");
    assert_eq!(
        shown,
        merged(
            without_secret(&key),
            json!({ "credits": { "remaining": 5, "refill": refill } })
        )
    );
    assert_eq!(
        events(&app, &account, "Daily").len(),
        1,
        "a refill is no change"
    );
    let listed = app.get(&keys_path(&account), Some(&account.owner_key));
    let listed = listed.body.as_array().expect("a bare array").clone();
    assert!(listed.contains(&shown), "the list shows the balance too");

    // Yesterday, as the brief puts it: refilled again.
    set_refilled_at(
        &app,
        &id,
        OffsetDateTime::now_utc() - time::Duration::days(1),
    );
    assert_eq!(
        verify(&app, &secret, Some(0)),
        valid(&account, &key, credits(10)),
        "a peek sees the refilled balance"
    );
    assert_eq!(
        v1_attributes(&app, &account, &id)["credits"],
        json!({ "remaining": 10, "refill": refill }),
        "/api/v1 shows the refill"
    );
    assert_eq!(
        verify(&app, &secret, None),
        valid(&account, &key, credits(9))
    );

    // Monthly: on the first of the month.
    let monthly = create_limited(
        &app,
        &account,
        "Monthly",
        "merchant-terminal",
        json!({ "credits": { "remaining": 1, "refill": { "amount": 50, "interval": "monthly" } } }),
    );
    let (secret, id) = (secret_of(&monthly), text(&monthly, "id").to_owned());
    assert_eq!(
        verify(&app, &secret, None),
        valid(&account, &monthly, credits(0))
    );
    let today = OffsetDateTime::now_utc().date();
    let first = today
        .replace_day(1)
        .expect("the first")
        .midnight()
        .assume_utc();
    set_refilled_at(&app, &id, first);
    assert_eq!(
        verify(&app, &secret, None),
        refused(USAGE_EXCEEDED, credits(0)),
        "refilled at this month's refill instant"
    );
    set_refilled_at(&app, &id, first - time::Duration::milliseconds(1));
    assert_eq!(
        verify(&app, &secret, None),
        valid(&account, &monthly, credits(49))
    );
    assert_eq!(get_key(&app, &account, "Monthly")["version"], "1");

    // No refill: the balance only goes down.
    let once = create_limited(
        &app,
        &account,
        "Once",
        "merchant-terminal",
        json!({ "credits": { "remaining": 1, "refill": null } }),
    );
    let (secret, id) = (secret_of(&once), text(&once, "id").to_owned());
    assert_eq!(
        verify(&app, &secret, None),
        valid(&account, &once, credits(0))
    );
    set_refilled_at(
        &app,
        &id,
        OffsetDateTime::now_utc() - time::Duration::days(40),
    );
    assert_eq!(
        verify(&app, &secret, None),
        refused(USAGE_EXCEEDED, credits(0))
    );
}

// ---------------------------------------------------------------------------
// 4 and 5. Two instances

#[derive(Default)]
struct Tally {
    /// `credits.remaining` of each VALID answer.
    valid: Vec<i64>,
    unavailable: usize,
    exceeded: usize,
}

/// Two instances with `tuning` over one database.
fn two_instances(backend: Backend, tuning: Tuning) -> (TestApp, TestApp) {
    let settings = AppSettings {
        tuning,
        ..AppSettings::default()
    };
    let a = spawn_app_configured(backend, settings.clone());
    let b = spawn_peer_configured(&a, settings);
    (a, b)
}

/// A time budget no use waits out here: what the counting does, with the
/// time-budget policy out of the way.
fn time_to_count() -> Tuning {
    Tuning {
        limits_budget: Duration::from_secs(60),
        ..test_tuning()
    }
}

/// Issue 15, with the server's settings: two instances hammering one key
/// with credits 1,000 give exactly 1,000 successes.
fn two_instances_spend_exactly_the_credits(backend: Backend) {
    hammer_credits(backend, test_tuning());
}

/// The same with time to count every use: the database decides each spend.
fn two_instances_spend_exactly_the_credits_with_time_to_count(backend: Backend) {
    hammer_credits(backend, time_to_count());
}

/// 16 threads, half on each of two instances, verify one key with credits
/// 1,000 until each has been refused twice: exactly 1,000 VALID answers,
/// each with a balance of its own, and nothing left.
fn hammer_credits(backend: Backend, tuning: Tuning) {
    const CREDITS: i64 = 1_000;
    const THREADS: usize = 16;
    let patient = tuning.limits_budget >= time_to_count().limits_budget;
    let (a, b) = two_instances(backend, tuning);
    let account = a.create_account("Acme");
    let key = create_limited(
        &a,
        &account,
        "Metered",
        "merchant-terminal",
        json!({ "credits": { "remaining": CREDITS, "refill": null } }),
    );
    let (secret, id) = (secret_of(&key), text(&key, "id").to_owned());
    let deadline = Instant::now() + Duration::from_secs(180);
    let tallies: Vec<Tally> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..THREADS)
            .map(|i| {
                let app = if i % 2 == 0 { &a } else { &b };
                let secret = secret.as_str();
                s.spawn(move || {
                    let mut tally = Tally::default();
                    // Until this thread has seen the balance spent twice.
                    while tally.exceeded < 2 {
                        assert!(Instant::now() < deadline, "hammering took too long");
                        let verdict = verify(app, secret, None);
                        match verdict["code"].as_str() {
                            Some("VALID") => tally.valid.push(
                                verdict["credits"]["remaining"]
                                    .as_i64()
                                    .unwrap_or_else(|| panic!("{verdict}")),
                            ),
                            Some("LIMITS_UNAVAILABLE") => tally.unavailable += 1,
                            Some(USAGE_EXCEEDED) => {
                                assert_eq!(verdict, refused(USAGE_EXCEEDED, credits(0)));
                                tally.exceeded += 1;
                            }
                            _ => panic!("unexpected verdict {verdict}"),
                        }
                    }
                    tally
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().expect("a hammering thread"))
            .collect()
    });
    let unavailable: usize = tallies.iter().map(|t| t.unavailable).sum();
    let mut balances: Vec<i64> = tallies.iter().flat_map(|t| t.valid.clone()).collect();
    balances.sort_unstable();
    let by_instance: Vec<usize> = [0, 1]
        .iter()
        .map(|&parity| {
            tallies
                .iter()
                .enumerate()
                .filter(|(i, _)| i % 2 == parity)
                .map(|(_, t)| t.valid.len())
                .sum()
        })
        .collect();
    assert_eq!(
        balances.len() as i64,
        CREDITS,
        "VALID answers (a: {}, b: {}; LIMITS_UNAVAILABLE answers: {unavailable}; \
         balance left in the database: {})",
        by_instance[0],
        by_instance[1],
        balance_in_db(&a, &id)
    );
    // A use refused past the time budget after its transaction had spent is
    // given back, so a later use may see a balance an earlier one saw; only
    // without such refusals is every balance seen once.
    if unavailable == 0 {
        assert_eq!(
            balances,
            (0..CREDITS).collect::<Vec<_>>(),
            "each VALID answer saw a balance of its own"
        );
    }
    assert!(
        by_instance.iter().all(|&n| n > 0),
        "both instances spent: {by_instance:?}"
    );
    assert_eq!(balance_in_db(&a, &id), 0);
    for app in [&a, &b] {
        assert_eq!(
            verify(app, &secret, Some(0)),
            refused(USAGE_EXCEEDED, credits(0))
        );
    }
    let admitted = decisions(&a, "admitted", false) + decisions(&b, "admitted", false);
    assert_eq!(admitted, CREDITS as f64, "admitted uses in /metrics");
    // With the server's time budget, a loaded host may refuse some uses as
    // unavailable (they take nothing, as the counts above show); with time
    // to count, none is.
    if patient {
        assert_eq!(unavailable, 0, "and none refused by the time budget");
    }
}

/// What one hammering thread saw: for each answer, the window it was
/// counted in (its `resetAt`, or the local clock when it has none) and
/// whether it was admitted.
type Seen = Vec<(i64, bool)>;

/// Issue 15, with the server's settings: two instances on a rate limit of
/// 100 per 10 s, hammered at once, admit between 95 and 105 in a window.
fn two_instances_keep_to_the_rate_limit(backend: Backend) {
    hammer_rate(backend, test_tuning(), 95..=105);
}

/// The same with time to count every use: exactly 100.
fn two_instances_keep_to_the_rate_limit_with_time_to_count(backend: Backend) {
    hammer_rate(backend, time_to_count(), 100..=100);
}

/// 16 threads, half on each of two instances, verify one key with a rate
/// limit of 100 per 10 s from the start of a window to a second into the
/// next: the first window admits a number in `bounds`, and no window more.
fn hammer_rate(backend: Backend, tuning: Tuning, bounds: std::ops::RangeInclusive<i64>) {
    const LIMIT: i64 = 100;
    const WINDOW: u64 = 10;
    const THREADS: usize = 16;
    let (a, b) = two_instances(backend, tuning);
    let account = a.create_account("Acme");
    let key = create_limited(
        &a,
        &account,
        "Busy",
        "merchant-terminal",
        json!({ "rateLimit": { "limit": LIMIT, "windowSeconds": WINDOW } }),
    );
    let (secret, id) = (secret_of(&key), text(&key, "id").to_owned());
    // Each instance checks the secret once (argon2), before the clock runs.
    for app in [&a, &b] {
        assert_eq!(verify(app, &secret, Some(0))["code"], "VALID");
    }

    let first_end = at_window_start(WINDOW, Duration::from_millis(200));
    let stop = first_end as f64 + 1.0;
    let seen: Vec<Seen> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..THREADS)
            .map(|i| {
                let app = if i % 2 == 0 { &a } else { &b };
                let secret = secret.as_str();
                s.spawn(move || {
                    let mut seen = Seen::new();
                    while now_secs_f64() < stop {
                        let verdict = verify(app, secret, None);
                        let admitted = match verdict["code"].as_str() {
                            Some("VALID") => true,
                            // Past the time budget (a loaded host): refused,
                            // and so takes nothing from the window.
                            Some(RATE_LIMITED) | Some("LIMITS_UNAVAILABLE") => false,
                            _ => panic!("unexpected verdict {verdict}"),
                        };
                        let reset = match verdict["rateLimit"]["resetAt"].as_str() {
                            Some(reset_at) => unix(reset_at),
                            // A refusal past the time budget names no window.
                            None => (now_secs() / WINDOW as i64 + 1) * WINDOW as i64,
                        };
                        seen.push((reset, admitted));
                    }
                    seen
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().expect("a hammering thread"))
            .collect()
    });
    let mut admitted: BTreeMap<i64, i64> = BTreeMap::new();
    let mut answers: BTreeMap<i64, i64> = BTreeMap::new();
    for (reset, ok) in seen.iter().flatten() {
        *answers.entry(*reset).or_default() += 1;
        if *ok {
            *admitted.entry(*reset).or_default() += 1;
        }
    }
    let fallbacks = decisions(&a, "admitted", true) + decisions(&b, "admitted", true);
    let report = format!(
        "admitted by window end {admitted:?} of answers {answers:?}; first full window ends \
         {first_end}; admitted uncounted by the time budget: {fallbacks}; windows in the \
         database: {:?}",
        window_rows(&a, &id)
    );
    assert!(
        answers.get(&first_end).copied().unwrap_or(0) > LIMIT,
        "the window was not hammered past its limit: {report}"
    );
    let in_first = admitted.get(&first_end).copied().unwrap_or(0);
    assert!(
        bounds.contains(&in_first),
        "the window admitted {in_first}, not {bounds:?}: {report}"
    );
    for (reset, n) in &admitted {
        assert!(
            *n <= *bounds.end(),
            "window ending {reset} admitted {n}: {report}"
        );
    }
    for (start, used) in window_rows(&a, &id) {
        assert!(
            used <= LIMIT,
            "window from {start} counted {used}: {report}"
        );
    }
}

// ---------------------------------------------------------------------------
// 6. The key's own requests

fn own_requests_spend_the_rate_limit(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let key = create_limited(
        &app,
        &account,
        "Till",
        "merchant-terminal",
        json!({ "rateLimit": { "limit": 3, "windowSeconds": 60 } }),
    );
    let (secret, id) = (secret_of(&key), text(&key, "id").to_owned());
    with_headroom(60, Duration::from_secs(10));
    for i in 0..3 {
        let reply = me(&app, &secret);
        assert_eq!(reply.status, 200, "request {i}: {:?}", reply.body);
        assert_eq!(reply.header("retry-after"), None);
    }
    let before = now_secs();
    let limited = me(&app, &secret);
    let after = now_secs();
    assert_reply(
        &limited,
        429,
        &error_body(429, "Too Many Requests", "RATE_LIMIT_EXCEEDED"),
    );
    let retry: i64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&retry), "Retry-After {retry}");

    // One counter per key: verify is refused too, and says when it ends.
    let verdict = verify(&app, &secret, None);
    let reset_at = text(&verdict["rateLimit"], "resetAt").to_owned();
    assert_eq!(verdict, refused(RATE_LIMITED, rate(3, 0, &reset_at)));
    let reset = unix(&reset_at);
    assert!(
        reset - after <= retry && retry <= reset - before,
        "Retry-After {retry} does not end at {reset_at} (asked between {before} and {after})"
    );
    assert_eq!(used_in_window(&app, &id, &reset_at, 60), 3);
    // Other routes too, and in the other dialect.
    let v1 = app.get(&format!("/api/v1/api_keys?api_key={secret}"), None);
    assert_eq!(v1.status, 429, "{:?}", v1.body);
    assert!(v1.header("retry-after").is_some());
    // Other keys are not held back.
    assert_eq!(me(&app, &account.owner_key).status, 200);
}

fn own_requests_spend_no_credits(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    with_headroom(60, Duration::from_secs(15));
    let key = create_limited(
        &app,
        &account,
        "Till",
        "merchant-terminal",
        json!({
            "rateLimit": { "limit": 100, "windowSeconds": 60 },
            "credits": { "remaining": 5, "refill": null },
        }),
    );
    let (secret, id) = (secret_of(&key), text(&key, "id").to_owned());
    for _ in 0..10 {
        assert_eq!(me(&app, &secret).status, 200);
    }
    assert_eq!(balance_in_db(&app, &id), 5);
    let verdict = verify(&app, &secret, None);
    let reset_at = text(&verdict["rateLimit"], "resetAt").to_owned();
    assert_eq!(verdict, valid(&account, &key, both(100, 89, &reset_at, 4)));

    // A key with credits only: its requests are not counted at all.
    let metered = create_limited(
        &app,
        &account,
        "Metered",
        "merchant-terminal",
        json!({ "credits": { "remaining": 5, "refill": null } }),
    );
    let (secret, id) = (secret_of(&metered), text(&metered, "id").to_owned());
    let decided = limit_decisions(&app);
    for _ in 0..5 {
        assert_eq!(me(&app, &secret).status, 200);
    }
    assert_eq!(limit_decisions(&app), decided, "no decision was made");
    assert_eq!(balance_in_db(&app, &id), 5);
    assert_eq!(
        verify(&app, &secret, None),
        valid(&account, &metered, credits(4))
    );
}

fn session_tokens_spend_their_keys_rate_limit(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let key = create_limited(
        &app,
        &account,
        "Minter",
        "account-owner",
        json!({ "rateLimit": { "limit": 4, "windowSeconds": 60 } }),
    );
    let secret = secret_of(&key);
    with_headroom(60, Duration::from_secs(10));
    let token = mint_token(&app, &account, &secret); // 1
    assert_eq!(me(&app, &token).status, 200); // 2
    assert_eq!(me(&app, &secret).status, 200); // 3
    assert_eq!(me(&app, &token).status, 200); // 4
    for credential in [&token, &secret] {
        let reply = me(&app, credential);
        assert_reply(
            &reply,
            429,
            &error_body(429, "Too Many Requests", "RATE_LIMIT_EXCEEDED"),
        );
    }
    let verdict = verify(&app, &secret, None);
    let reset_at = text(&verdict["rateLimit"], "resetAt").to_owned();
    assert_eq!(verdict, refused(RATE_LIMITED, rate(4, 0, &reset_at)));
    assert_eq!(
        verify_body(&app, &json!({ "sessionToken": token })),
        refused(RATE_LIMITED, rate(4, 0, &reset_at))
    );
}

// ---------------------------------------------------------------------------
// 7. PUT sets and removes limits

fn put_sets_and_removes_limits(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let created = app.create_key(&account, "Till", "merchant-terminal");
    let (secret, id) = (secret_of(&created), text(&created, "id").to_owned());
    let path = key_path(&account, "Till");
    let owner = Some(account.owner_key.as_str());
    let plain = without_secret(&created);
    assert!(plain.get("rateLimit").is_none() && plain.get("credits").is_none());
    let v1 = v1_attributes(&app, &account, &id);
    assert_eq!(
        fields(&v1),
        [
            "api_key",
            "created_at",
            "description",
            "id",
            "revoked_at",
            "status"
        ]
    );
    assert_eq!(get_key(&app, &account, "Till"), plain);

    // Each PUT: the whole key as it now is.
    let put = |body: Value, expected: Value, what: &str| -> Value {
        let reply = app.put(&path, owner, &body);
        assert_eq!(reply.status, 200, "{what}: {:?}", reply.body);
        let modified = parse_timestamp(text(&reply.body, "modifiedAt"));
        assert!(modified >= parse_timestamp(text(&created, "createdAt")));
        let expected = merged(
            expected,
            json!({ "modifiedAt": reply.body["modifiedAt"].clone() }),
        );
        assert_eq!(reply.body, expected, "{what}");
        assert_eq!(get_key(&app, &account, "Till"), expected, "{what}: GET");
        expected
    };
    let limit = json!({ "limit": 10, "windowSeconds": 60 });
    let monthly = json!({ "remaining": 100, "refill": { "amount": 100, "interval": "monthly" } });

    let v2 = put(
        json!({ "rateLimit": limit }),
        merged(plain.clone(), json!({ "version": "2", "rateLimit": limit })),
        "set a rate limit",
    );
    let v3 = put(
        json!({ "credits": monthly }),
        merged(v2.clone(), json!({ "version": "3", "credits": monthly })),
        "set credits",
    );
    // The same limits again change nothing.
    let same = app.put(
        &path,
        owner,
        &json!({ "rateLimit": limit, "credits": monthly }),
    );
    assert_reply(&same, 200, &v3);

    // Spend 3, then set the balance: the event shows what was left.
    for _ in 0..3 {
        assert_eq!(verify(&app, &secret, None)["code"], "VALID");
    }
    let spent = json!({ "remaining": 97, "refill": { "amount": 100, "interval": "monthly" } });
    assert_eq!(get_key(&app, &account, "Till")["credits"], spent);
    let fifty = json!({ "remaining": 50, "refill": null });
    let v4 = put(
        json!({ "credits": fifty }),
        merged(v3.clone(), json!({ "version": "4", "credits": fifty })),
        "set the balance",
    );
    assert_eq!(balance_in_db(&app, &id), 50);
    // Another change keeps the balance.
    let v5 = put(
        json!({ "description": "front" }),
        merged(
            v4.clone(),
            json!({ "version": "5", "description": "front" }),
        ),
        "change something else",
    );
    assert_eq!(
        v1_attributes(&app, &account, &id),
        merged(
            v1.clone(),
            json!({
                "description": "front",
                "rate_limit": { "limit": 10, "window_seconds": 60 },
                "credits": { "remaining": 50, "refill": null },
            })
        ),
        "/api/v1 shows the limits"
    );

    // null removes both.
    let mut removed = merged(v5.clone(), json!({ "version": "6" }));
    removed.as_object_mut().unwrap().remove("rateLimit");
    removed.as_object_mut().unwrap().remove("credits");
    put(
        json!({ "rateLimit": null, "credits": null }),
        removed,
        "remove the limits",
    );
    assert_eq!(credits_row(&app, &id), None);
    assert_eq!(
        v1_attributes(&app, &account, &id),
        merged(v1, json!({ "description": "front" }))
    );
    // Removing what is not there changes nothing.
    let again = app.put(&path, owner, &json!({ "rateLimit": null, "credits": null }));
    assert_eq!(again.status, 200);
    assert_eq!(again.body["version"], "6");
    // No limits: verify counts nothing and says nothing of limits.
    let verdict = verify(&app, &secret, Some(5));
    assert_eq!(verdict, valid(&account, &created, json!({})));

    let actor = crn(&account, "owner");
    let trail: Vec<Value> = events(&app, &account, "Till")
        .into_iter()
        .map(|mut e| {
            e.as_object_mut().unwrap().remove("occurredAt");
            e
        })
        .collect();
    let expected = [
        json!({
            "version": "6",
            "actor": actor,
            "kinds": ["rate_limit_set", "credits_set"],
            "changes": {
                "rateLimit": { "from": limit, "to": null },
                "credits": { "from": fifty, "to": null },
            },
        }),
        json!({
            "version": "5",
            "actor": actor,
            "kinds": ["description_changed"],
            "changes": { "description": { "from": null, "to": "front" } },
        }),
        json!({
            "version": "4",
            "actor": actor,
            "kinds": ["credits_set"],
            "changes": { "credits": { "from": spent, "to": fifty } },
        }),
        json!({
            "version": "3",
            "actor": actor,
            "kinds": ["credits_set"],
            "changes": { "credits": { "from": null, "to": monthly } },
        }),
        json!({
            "version": "2",
            "actor": actor,
            "kinds": ["rate_limit_set"],
            "changes": { "rateLimit": { "from": null, "to": limit } },
        }),
    ];
    assert_eq!(trail.len(), 6, "{trail:?}");
    assert_eq!(trail[..5], expected);
    assert_eq!(trail[5]["kinds"], json!(["created"]));
}

fn create_with_limits_shows_and_records_them(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let limit = json!({ "limit": 100, "windowSeconds": 60 });
    let daily = json!({ "remaining": 1000, "refill": { "amount": 1000, "interval": "daily" } });
    let key = create_limited(
        &app,
        &account,
        "Metered1",
        "merchant-terminal",
        json!({ "rateLimit": limit, "credits": daily }),
    );
    assert_eq!((&key["rateLimit"], &key["credits"]), (&limit, &daily));
    assert_eq!(key["version"], "1");
    assert_eq!(get_key(&app, &account, "Metered1"), without_secret(&key));
    let trail = events(&app, &account, "Metered1");
    assert_eq!(trail.len(), 1);
    assert_eq!(
        (
            &trail[0]["changes"]["rateLimit"],
            &trail[0]["changes"]["credits"]
        ),
        (
            &json!({ "from": null, "to": limit }),
            &json!({ "from": null, "to": daily })
        )
    );
    let v1 = v1_attributes(&app, &account, text(&key, "id"));
    assert_eq!(
        (&v1["rate_limit"], &v1["credits"]),
        (&json!({ "limit": 100, "window_seconds": 60 }), &daily)
    );
    // null is the same as absent on create.
    let none = create_limited(
        &app,
        &account,
        "Plain",
        "merchant-terminal",
        json!({ "rateLimit": null, "credits": null }),
    );
    assert!(
        none.get("rateLimit").is_none() && none.get("credits").is_none(),
        "{none}"
    );
}

// ---------------------------------------------------------------------------
// 8. Bad limits

/// What a bad limit is answered: a message of ours, or serde's with the
/// position of the fault in the create body and in the `PUT` body.
enum Refusal {
    Exact(String),
    Parse(&'static str, usize, usize),
}

impl Refusal {
    fn on_create(&self) -> String {
        match self {
            Refusal::Exact(message) => message.clone(),
            Refusal::Parse(message, column, _) => {
                format!("invalid JSON body: {message} at line 1 column {column}")
            }
        }
    }

    fn on_put(&self) -> String {
        match self {
            Refusal::Exact(message) => message.clone(),
            Refusal::Parse(message, _, column) => {
                format!("invalid JSON body: {message} at line 1 column {column}")
            }
        }
    }
}

/// Bad `rateLimit`/`credits` values and the exact 400 message each gets,
/// on create (`{"name":"Bad",…,"role":"merchant-terminal"}`) and on `PUT`
/// (`{…,"description":"changed",…}`); bodies go out with their fields
/// sorted.
fn bad_limits() -> Vec<(Value, Refusal)> {
    use Refusal::{Exact, Parse};
    let limit_range = || Exact("rateLimit.limit must be between 1 and 1000000000".into());
    let window_range = || Exact("rateLimit.windowSeconds must be between 1 and 2592000".into());
    let remaining_range = || {
        Exact(format!(
            "credits.remaining must be between 0 and {MAX_CREDITS}"
        ))
    };
    vec![
        (
            json!({ "rateLimit": { "limit": 0, "windowSeconds": 60 } }),
            limit_range(),
        ),
        (
            json!({ "rateLimit": { "limit": 1_000_000_001, "windowSeconds": 60 } }),
            limit_range(),
        ),
        (
            json!({ "rateLimit": { "limit": -5, "windowSeconds": 60 } }),
            limit_range(),
        ),
        (
            json!({ "rateLimit": { "limit": 5, "windowSeconds": 0 } }),
            window_range(),
        ),
        (
            json!({ "rateLimit": { "limit": 5, "windowSeconds": 2_592_001 } }),
            window_range(),
        ),
        (
            json!({ "rateLimit": { "limit": null, "windowSeconds": 60 } }),
            Exact("rateLimit.limit is required".into()),
        ),
        (
            json!({ "rateLimit": { "limit": 5, "windowSeconds": null } }),
            Exact("rateLimit.windowSeconds is required".into()),
        ),
        (
            json!({ "rateLimit": { "limit": 5 } }),
            Parse("rateLimit: missing field `windowSeconds`", 37, 48),
        ),
        (
            json!({ "rateLimit": { "limit": 5, "windowSeconds": 60, "burst": 2 } }),
            Parse(
                "rateLimit.burst: unknown field `burst`, expected `limit` or `windowSeconds`",
                34,
                45,
            ),
        ),
        (
            json!({ "rateLimit": [1, 2] }),
            Parse(
                "rateLimit: invalid type: sequence, expected an object",
                26,
                37,
            ),
        ),
        (
            json!({ "rateLimit": { "limit": 1.5, "windowSeconds": 60 } }),
            Parse(
                "rateLimit.limit: invalid value: floating point `1.5`, expected a whole number",
                38,
                49,
            ),
        ),
        (json!({ "credits": { "remaining": -1 } }), remaining_range()),
        (
            json!({ "credits": { "remaining": MAX_CREDITS + 1 } }),
            remaining_range(),
        ),
        (
            json!({ "credits": { "remaining": 5, "refill": { "amount": 0, "interval": "daily" } } }),
            Exact(format!(
                "credits.refill.amount must be between 1 and {MAX_CREDITS}"
            )),
        ),
        (
            json!({ "credits": { "remaining": 5, "refill": { "amount": 5, "interval": "weekly" } } }),
            Exact("credits.refill.interval must be \"daily\" or \"monthly\"".into()),
        ),
        (
            json!({ "credits": { "remaining": null } }),
            Exact("credits.remaining is required".into()),
        ),
        (
            json!({ "credits": { "remaining": 5, "refill": { "amount": null, "interval": "daily" } } }),
            Exact("credits.refill.amount is required".into()),
        ),
        (
            json!({ "credits": { "remaining": 5, "refill": { "amount": 5 } } }),
            Parse("credits.refill: missing field `interval`", 33, 33),
        ),
        (
            json!({ "credits": 5 }),
            Parse(
                "credits: invalid type: integer `5`, expected an object",
                12,
                12,
            ),
        ),
    ]
}

fn bad_limits_are_refused_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = Some(account.owner_key.as_str());

    let mut wrong = Vec::new();
    // On create: nothing is created.
    for (limits, refusal) in bad_limits() {
        let mut body = json!({ "name": "Bad", "role": "merchant-terminal" });
        body.as_object_mut()
            .unwrap()
            .extend(limits.as_object().unwrap().clone());
        let reply = app.post(&keys_path(&account), owner, &body);
        if (reply.status, &reply.body) != (400, &bad_request(&refusal.on_create())) {
            wrong.push(format!("create {body}: {} {}", reply.status, reply.body));
        }
    }
    assert_eq!(
        app.get(&key_path(&account, "Bad"), owner).status,
        404,
        "no key was made"
    );
    assert_eq!(app.count_rows("api_keys"), 1);
    assert_eq!(app.count_rows("api_key_credits"), 0);

    // On PUT: the key is as it was.
    let key = create_limited(
        &app,
        &account,
        "Till",
        "merchant-terminal",
        json!({
            "rateLimit": { "limit": 5, "windowSeconds": 60 },
            "credits": { "remaining": 10, "refill": { "amount": 10, "interval": "daily" } },
        }),
    );
    let before = get_key(&app, &account, "Till");
    assert_eq!(before, without_secret(&key));
    let path = key_path(&account, "Till");
    for (limits, refusal) in bad_limits() {
        // With a good change alongside: it is not made either.
        let body = merged(json!({ "description": "changed" }), limits);
        let reply = app.put(&path, owner, &body);
        if (reply.status, &reply.body) != (400, &bad_request(&refusal.on_put())) {
            wrong.push(format!("PUT {body}: {} {}", reply.status, reply.body));
        }
    }
    assert!(wrong.is_empty(), "wrong answers:\n{}", wrong.join("\n"));
    assert_eq!(get_key(&app, &account, "Till"), before);
    assert_eq!(events(&app, &account, "Till").len(), 1);
    assert_eq!(balance_in_db(&app, text(&key, "id")), 10);
}

// ---------------------------------------------------------------------------
// The time budget

/// Runs `f` while a transaction of the test holds the counters (PostgreSQL:
/// both tables locked; SQLite: the write lock), so that no use can be
/// counted until `f` returns: the counter store at its slowest.
fn with_counters_held<T>(app: &TestApp, f: impl FnOnce() -> T) -> T {
    let mut conn = app.db.get().expect("connection");
    let begin = match app.backend {
        Backend::Postgres => "BEGIN; LOCK TABLE api_key_credits, rate_windows IN EXCLUSIVE MODE;",
        Backend::Sqlite => "BEGIN IMMEDIATE;",
    };
    conn.batch_execute(begin).expect("hold the counters");
    let result = f();
    conn.batch_execute("COMMIT;").expect("release the counters");
    result
}

/// Past the time budget, a key with credits is refused `LIMITS_UNAVAILABLE`
/// and, as docs/api.md says of that code, "Nothing was spent"; a key with
/// only a rate limit is admitted uncounted. `/metrics` shows both.
fn past_the_time_budget_the_policy_answers(backend: Backend) {
    let tuning = Tuning {
        limits_budget: Duration::from_millis(200),
        ..test_tuning()
    };
    let app = spawn_app_tuned(backend, Limits::default(), tuning);
    let account = app.create_account("Acme");
    let rated = create_limited(
        &app,
        &account,
        "Rated",
        "merchant-terminal",
        json!({ "rateLimit": { "limit": 1, "windowSeconds": 3600 } }),
    );
    let metered = create_limited(
        &app,
        &account,
        "Metered",
        "merchant-terminal",
        json!({ "credits": { "remaining": 10, "refill": null } }),
    );
    let (rated_secret, metered_secret) = (secret_of(&rated), secret_of(&metered));
    let id = text(&metered, "id").to_owned();
    // Each secret is checked once (argon2) before the clock matters.
    assert_eq!(verify(&app, &metered_secret, Some(0))["code"], "VALID");
    assert_eq!(verify(&app, &rated_secret, Some(0))["code"], "VALID");

    let (refused_rate, refused_use) = with_counters_held(&app, || {
        let started = Instant::now();
        let refused_rate = verify(&app, &rated_secret, None);
        let refused_use = verify(&app, &metered_secret, None);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the answers waited for the counters: {:?}",
            started.elapsed()
        );
        (refused_rate, refused_use)
    });
    // Neither limit is exceeded to stay available: both are refused.
    let unavailable = json!({ "valid": false, "code": "LIMITS_UNAVAILABLE" });
    assert_eq!(refused_rate, unavailable);
    assert_eq!(refused_use, unavailable);
    assert_eq!(decisions(&app, "unavailable", true), 2.0);
    assert_eq!(decisions(&app, "admitted", true), 0.0);

    // The counting transactions the refused uses started waited for the
    // counters and committed once they were free; what they took is given
    // back before the key's next use is counted, so that use finds
    // everything as it was.
    assert_eq!(
        verify(&app, &metered_secret, None),
        valid(&account, &metered, credits(9))
    );
    assert_eq!(balance_in_db(&app, &id), 9);
    let rated_again = verify(&app, &rated_secret, None);
    assert_eq!(rated_again["code"], "VALID", "{rated_again}");
    assert_eq!(rated_again["rateLimit"]["remaining"], 0, "{rated_again}");
}

// ---------------------------------------------------------------------------
// 9. A key without limits pays nothing

fn a_key_without_limits_pays_nothing(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let key = app.create_key(&account, "Till", "merchant-terminal");
    let secret = secret_of(&key);
    for cost in [None, Some(0), Some(1), Some(5), Some(MAX_CREDITS)] {
        for _ in 0..5 {
            assert_eq!(
                verify(&app, &secret, cost),
                valid(&account, &key, json!({})),
                "cost {cost:?}"
            );
        }
    }
    for _ in 0..10 {
        assert_eq!(me(&app, &secret).status, 200);
        assert_eq!(me(&app, &account.owner_key).status, 200);
    }
    let token = mint_token(&app, &account, &account.owner_key);
    assert_eq!(me(&app, &token).status, 200);
    let decided = limit_decisions(&app);
    assert!(
        decided.values().all(|n| *n == 0.0),
        "limit decisions for keys without limits: {decided:?}"
    );
    assert_eq!(app.count_rows("rate_windows"), 0);
    assert_eq!(app.count_rows("api_key_credits"), 0);
    assert_eq!(get_key(&app, &account, "Till"), without_secret(&key));
}

crate::on_both_backends!(
    a_rate_limit_counts_exactly,
    credits_count_exactly,
    a_refused_use_takes_nothing,
    key_state_is_checked_before_limits,
    cost_zero_peeks_and_larger_costs_spend_more,
    bad_costs_are_refused,
    credits_refill_at_utc_boundaries,
    two_instances_spend_exactly_the_credits,
    two_instances_spend_exactly_the_credits_with_time_to_count,
    two_instances_keep_to_the_rate_limit,
    two_instances_keep_to_the_rate_limit_with_time_to_count,
    own_requests_spend_the_rate_limit,
    own_requests_spend_no_credits,
    session_tokens_spend_their_keys_rate_limit,
    put_sets_and_removes_limits,
    create_with_limits_shows_and_records_them,
    bad_limits_are_refused_and_change_nothing,
    past_the_time_budget_the_policy_answers,
    a_key_without_limits_pays_nothing,
);
