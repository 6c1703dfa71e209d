//! `POST /api/leaks`: a secret scanner's report revokes genuine keys and
//! ends genuine session tokens at once, on every instance; anything short
//! of a genuine credential changes nothing and gets one answer; it is
//! throttled like failed authentication; bad bodies are refused whole.

use std::time::{Duration, Instant};

use keyward::secret::{CredentialKind, Secret};
use keyward::service::throttle::ThrottleSettings;
use keyward::service::{Limits, Tuning};
use keyward::store::{api_keys, key_changes, session_tokens};
use serde_json::{json, Value};

use crate::helpers::{
    assert_reply, error_body, events_path, key_path, keys_path, rotate_path, secret_of, send,
    spawn_app, spawn_app_tuned, spawn_peer, test_tuning, text, tokens_path, Backend, Reply,
    TestAccount, TestApp,
};

const URL: &str = "https://github.com/octo-org/octo-repo/blob/0123456/config.yml";

/// The path of the route.
const LEAKS: &str = "/api/leaks";

/// One entry of a report, as GitHub sends it.
fn entry(token: &str) -> Value {
    json!({ "token": token, "type": "keyward_api_key", "url": URL, "source": "content" })
}

/// What the route answers about `token`.
fn finding(token: &str, label: &str, action: &str) -> Value {
    json!({ "token_raw": token, "token_type": "keyward_api_key", "label": label, "action": action })
}

fn report(app: &TestApp, tokens: &[&str]) -> Reply {
    let body = Value::Array(tokens.iter().map(|t| entry(t)).collect());
    app.post(LEAKS, None, &body)
}

/// Reports `tokens` and checks the whole answer: `expected` in order, not
/// to be stored by any cache.
fn assert_report(app: &TestApp, tokens: &[&str], expected: Vec<Value>) {
    let reply = report(app, tokens);
    assert_reply(&reply, 200, &Value::Array(expected));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
}

fn verify(app: &TestApp, field: &str, credential: &str) -> Value {
    let mut body = json!({});
    body[field] = json!(credential);
    let reply = app.post("/api/verify", None, &body);
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body
}

fn mint(app: &TestApp, account: &TestAccount) -> (String, String) {
    let reply = app.post(
        &tokens_path(account),
        Some(&account.owner_key),
        &json!({ "scope": "show_card" }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    (
        text(&reply.body, "id").to_owned(),
        text(&reply.body, "sessionToken").to_owned(),
    )
}

/// Polls until `credential` gets `status` on `/api/me` from `app`.
fn wait_for_me(app: &TestApp, credential: &str, status: u16) {
    let start = Instant::now();
    while app.get("/api/me", Some(credential)).status != status {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{credential:.12}… never answered {status}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Everything a report could change: the account's keys as their owner
/// sees them, the key rows, the events, the change log's position and the
/// session tokens' rows.
fn state(app: &TestApp, account: &TestAccount, token_ids: &[&str]) -> Value {
    let keys = app.get(&keys_path(account), Some(&account.owner_key));
    assert_eq!(keys.status, 200, "{:?}", keys.body);
    let mut conn = app.db.get().expect("connection");
    let rows: Vec<Value> = keys
        .body
        .as_array()
        .expect("keys")
        .iter()
        .map(|key| {
            let row = api_keys::find_by_id(&mut conn, text(key, "id"))
                .expect("read key")
                .expect("key row");
            json!([
                row.version,
                row.revoked_at.map(|at| at.to_string()),
                row.modified_by
            ])
        })
        .collect();
    let tokens: Vec<Value> = token_ids
        .iter()
        .map(|id| {
            let row = session_tokens::find_by_id(&mut conn, id)
                .expect("read token")
                .expect("token row");
            json!(row.expires_at.to_string())
        })
        .collect();
    json!({
        "keys": keys.body,
        "rows": rows,
        "events": app.count_rows("api_key_events"),
        "changeLog": key_changes::latest(&mut conn).expect("change log"),
        "tokens": tokens,
    })
}

fn a_leaked_key_is_revoked_at_once_everywhere(backend: Backend) {
    let app = spawn_app(backend);
    let peer = spawn_peer(&app);
    let account = app.create_account("Acme");
    let till = app.create_key(&account, "Till", "merchant-terminal");
    let secret = secret_of(&till);
    // Both instances have the key's state cached before the report.
    for instance in [&app, &peer] {
        assert_eq!(instance.get("/api/me", Some(&secret)).status, 200);
    }

    assert_report(
        &app,
        &[&secret],
        vec![finding(&secret, "true_positive", "revoked")],
    );
    assert_eq!(
        verify(&app, "key", &secret),
        json!({ "valid": false, "code": "REVOKED" })
    );
    assert_eq!(app.get("/api/me", Some(&secret)).status, 401);
    wait_for_me(&peer, &secret, 401);
    assert_eq!(
        verify(&peer, "key", &secret),
        json!({ "valid": false, "code": "REVOKED" })
    );

    let actor = format!("crn:{}:leak-report:keyward", account.id);
    let key = app.get(&key_path(&account, "Till"), Some(&account.owner_key));
    assert_eq!(key.body["status"], json!("revoked"));
    assert_eq!(key.body["version"], json!("2"));
    assert_eq!(key.body["modifiedBy"], json!(actor));
    let events = app.get(
        &format!("{}?limit=1", events_path(&account, "Till")),
        Some(&account.owner_key),
    );
    let event = &events.body["items"][0];
    assert_eq!(
        event,
        &json!({
            "version": "2",
            "occurredAt": key.body["modifiedAt"],
            "actor": actor,
            "kinds": ["revoked", "leaked"],
            "changes": {
                "status": { "from": "active", "to": "revoked" },
                "leak": { "url": URL, "source": "content" },
            },
        })
    );

    // Reported again: still genuine, nothing more to do, nothing recorded.
    let before = state(&app, &account, &[]);
    assert_report(
        &app,
        &[&secret],
        vec![finding(&secret, "true_positive", "none")],
    );
    assert_eq!(state(&app, &account, &[]), before);
    // The owner key was not touched.
    assert_eq!(app.get("/api/me", Some(&account.owner_key)).status, 200);
}

fn a_rotated_out_secret_counts_only_within_its_grace_period(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = Some(account.owner_key.as_str());
    let graced = secret_of(&app.create_key(&account, "Graced", "merchant-terminal"));
    let gone = secret_of(&app.create_key(&account, "Gone", "merchant-terminal"));
    let rotated = app.post(
        &rotate_path(&account, "Graced"),
        owner,
        &json!({ "gracePeriodSeconds": 3600 }),
    );
    assert_eq!(rotated.status, 200, "{:?}", rotated.body);
    let rotated = app.post(
        &rotate_path(&account, "Gone"),
        owner,
        &json!({ "gracePeriodSeconds": 0 }),
    );
    assert_eq!(rotated.status, 200, "{:?}", rotated.body);

    // A secret that no longer works changes nothing...
    let before = state(&app, &account, &[]);
    assert_report(
        &app,
        &[&gone],
        vec![finding(&gone, "false_positive", "none")],
    );
    assert_eq!(state(&app, &account, &[]), before);
    // ...while one still in its grace period revokes the key.
    assert_report(
        &app,
        &[&graced],
        vec![finding(&graced, "true_positive", "revoked")],
    );
    let key = app.get(&key_path(&account, "Graced"), owner);
    assert_eq!(key.body["status"], json!("revoked"));
    let new_secret = secret_of(&rotated.body);
    assert_ne!(new_secret, gone);
    assert_eq!(app.get("/api/me", Some(&new_secret)).status, 200);
}

fn a_leaked_session_token_is_ended_everywhere(backend: Backend) {
    let app = spawn_app(backend);
    let peer = spawn_peer(&app);
    let account = app.create_account("Acme");
    let (id, token) = mint(&app, &account);
    for instance in [&app, &peer] {
        assert_eq!(instance.get("/api/me", Some(&token)).status, 200);
    }
    let owner_before = app.get(&key_path(&account, "owner"), Some(&account.owner_key));

    let started = time::OffsetDateTime::now_utc();
    assert_report(
        &app,
        &[&token],
        vec![finding(&token, "true_positive", "ended")],
    );
    assert_eq!(
        verify(&app, "sessionToken", &token),
        json!({ "valid": false, "code": "EXPIRED" })
    );
    assert_eq!(app.get("/api/me", Some(&token)).status, 401);
    wait_for_me(&peer, &token, 401);
    let mut conn = app.db.get().expect("connection");
    let row = session_tokens::find_by_id(&mut conn, &id)
        .expect("read token")
        .expect("token row");
    let ended = row.expires_at.assume_utc();
    let finished = time::OffsetDateTime::now_utc();
    // Stored to the millisecond: allow for the rounding.
    assert!(
        ended >= started - time::Duration::milliseconds(1) && ended <= finished,
        "expiry {ended} not within the report ({started} to {finished})"
    );

    // The key that minted it is untouched.
    assert_eq!(
        app.get(&key_path(&account, "owner"), Some(&account.owner_key))
            .body,
        owner_before.body
    );
    assert_eq!(app.get("/api/me", Some(&account.owner_key)).status, 200);
    // Reported again: genuine, already ended.
    let before = state(&app, &account, &[&id]);
    assert_report(
        &app,
        &[&token],
        vec![finding(&token, "true_positive", "none")],
    );
    assert_eq!(state(&app, &account, &[&id]), before);
}

/// `secret` with its last character changed: its checksum fails.
fn bad_checksum(secret: &str) -> String {
    let last = if secret.ends_with('a') { 'b' } else { 'a' };
    format!("{}{last}", &secret[..secret.len() - 1])
}

fn forged_tokens_change_nothing_and_get_one_answer(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let till = app.create_key(&account, "Till", "merchant-terminal");
    let secret = secret_of(&till);
    let till_id = uuid::Uuid::parse_str(text(&till, "id")).unwrap();
    let (token_id, token) = mint(&app, &account);
    let token_uuid = uuid::Uuid::parse_str(&token_id).unwrap();
    let forged = [
        bad_checksum(&secret),
        Secret::generate(CredentialKind::ApiKey, uuid::Uuid::new_v4())
            .expose()
            .to_owned(),
        Secret::generate(CredentialKind::ApiKey, till_id)
            .expose()
            .to_owned(),
        bad_checksum(&token),
        Secret::generate(CredentialKind::SessionToken, uuid::Uuid::new_v4())
            .expose()
            .to_owned(),
        Secret::generate(CredentialKind::SessionToken, token_uuid)
            .expose()
            .to_owned(),
        // The key's secret as a session token, and the reverse.
        format!("kwst_{}", &secret[3..]),
        format!("kw_{}", &token[5..]),
        "not even key-shaped".to_owned(),
        String::new(),
    ];
    let before = state(&app, &account, &[&token_id]);

    let mut answers = Vec::new();
    for token in &forged {
        let reply = report(&app, &[token]);
        assert_eq!(reply.status, 200, "{token:?}: {:?}", reply.body);
        assert_eq!(reply.body[0]["token_raw"], json!(token));
        // Apart from the token it repeats, every answer is the same.
        let mut body = reply.body.clone();
        body[0]["token_raw"] = json!("<token>");
        let mut headers = reply.headers.clone();
        headers.remove("date");
        headers.remove("content-length");
        headers.remove("x-request-id");
        answers.push((body, headers));
    }
    let (first_body, first_headers) = &answers[0];
    assert_eq!(
        first_body,
        &json!([finding("<token>", "false_positive", "none")])
    );
    for (i, answer) in answers.iter().enumerate() {
        assert_eq!(answer, &answers[0], "{:?}", forged[i]);
    }
    assert_eq!(
        first_headers.get("cache-control").map(String::as_str),
        Some("no-store")
    );
    // All at once, in order.
    let all: Vec<&str> = forged.iter().map(String::as_str).collect();
    let expected = all
        .iter()
        .map(|t| finding(t, "false_positive", "none"))
        .collect();
    assert_report(&app, &all, expected);

    assert_eq!(state(&app, &account, &[&token_id]), before);
    assert_eq!(
        verify(&app, "key", &secret),
        json!({ "valid": true, "code": "VALID", "accountId": account.id,
                "parentAccountId": null, "keyId": till_id.to_string(), "name": "Till",
                "role": "merchant-terminal", "crn": format!("crn:{}:api-key:Till", account.id) })
    );
    assert_eq!(app.get("/api/me", Some(&token)).status, 200);
}

fn a_report_mixing_genuine_and_forged_acts_on_the_genuine(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let till = secret_of(&app.create_key(&account, "Till", "merchant-terminal"));
    let other = secret_of(&app.create_key(&account, "Other", "merchant-terminal"));
    let (_, token) = mint(&app, &account);
    let forged = bad_checksum(&other);
    assert_report(
        &app,
        &[&forged, &till, "kw_nope", &token, &till],
        vec![
            finding(&forged, "false_positive", "none"),
            finding(&till, "true_positive", "revoked"),
            finding("kw_nope", "false_positive", "none"),
            finding(&token, "true_positive", "ended"),
            finding(&till, "true_positive", "none"),
        ],
    );
    assert_eq!(verify(&app, "key", &till)["code"], json!("REVOKED"));
    assert_eq!(verify(&app, "key", &other)["code"], json!("VALID"));
    assert_eq!(
        verify(&app, "sessionToken", &token)["code"],
        json!("EXPIRED")
    );

    // What the report says goes into the audit trail without the
    // credentials it quotes.
    let quoted = secret_of(&app.create_key(&account, "Quoted", "merchant-terminal"));
    let mut reported = entry(&quoted);
    reported["url"] = json!(format!(
        "https://example.com/?k={quoted}&o={}",
        account.owner_key
    ));
    reported["source"] = json!("paste kwst_x1");
    let reply = app.post(LEAKS, None, &json!([reported]));
    assert_reply(
        &reply,
        200,
        &json!([finding(&quoted, "true_positive", "revoked")]),
    );
    let events = app.get(
        &format!("{}?limit=1", events_path(&account, "Quoted")),
        Some(&account.owner_key),
    );
    assert_eq!(
        events.body["items"][0]["changes"]["leak"],
        json!({ "url": "https://example.com/?k=[redacted]&o=[redacted]", "source": "paste [redacted]" })
    );
}

const LIMIT: u32 = 3;

fn throttled_app(backend: Backend) -> TestApp {
    let tuning = Tuning {
        throttle: ThrottleSettings {
            max_failures: LIMIT,
            window: Duration::from_secs(60),
            tarpit: Duration::from_millis(20),
        },
        ..test_tuning()
    };
    spawn_app_tuned(backend, Limits::default(), tuning)
}

fn assert_throttled(reply: &Reply) {
    assert_reply(
        reply,
        429,
        &error_body(429, "Too Many Requests", "RATE_LIMIT_EXCEEDED"),
    );
    let wait: u64 = reply.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
}

fn forged_tokens_are_throttled_like_failed_authentication(backend: Backend) {
    let app = throttled_app(backend);
    let account = app.create_account("Acme");
    let till = secret_of(&app.create_key(&account, "Till", "merchant-terminal"));
    let (_, token) = mint(&app, &account);
    let forged: Vec<String> = (0..LIMIT)
        .map(|_| {
            Secret::generate(CredentialKind::ApiKey, uuid::Uuid::new_v4())
                .expose()
                .to_owned()
        })
        .collect();
    let forged: Vec<&str> = forged.iter().map(String::as_str).collect();
    // Up to the limit, forged tokens are answered...
    assert_report(
        &app,
        &forged,
        forged
            .iter()
            .map(|t| finding(t, "false_positive", "none"))
            .collect(),
    );
    // ...past it, the report is refused, as authentication is,
    assert_throttled(&report(&app, &["kw_not_a_key"]));
    assert_throttled(&app.get("/api/me", Some("kw_not_a_key")));
    // but its genuine tokens are acted on all the same,
    assert_throttled(&report(&app, &[&till, "kw_not_a_key"]));
    assert_eq!(verify(&app, "key", &till)["code"], json!("REVOKED"));
    // and a report of genuine tokens alone is never refused.
    assert_report(
        &app,
        &[&token, &till],
        vec![
            finding(&token, "true_positive", "ended"),
            finding(&till, "true_positive", "none"),
        ],
    );
    // Nor is a right credential at authentication.
    assert_eq!(app.get("/api/me", Some(&account.owner_key)).status, 200);
}

fn bad_bodies_get_400_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let secret = secret_of(&app.create_key(&account, "Till", "merchant-terminal"));
    let before = state(&app, &account, &[]);
    let raw = |body: &str, content_type: &str| {
        send(
            app.request("POST", LEAKS).set("content-type", content_type),
            Some(body.as_bytes()),
        )
    };
    let bad = |message: &str| error_body(400, "Bad Request", message);
    let long = |n: usize| "x".repeat(n);
    let with = |field: &str, value: Value| {
        let mut changed = entry(&secret);
        changed[field] = value;
        json!([entry(&secret), changed])
    };
    let cases = [
        (
            json!({ "token": secret, "type": "keyward_api_key" }),
            bad("invalid JSON body: expected a JSON array"),
        ),
        (
            json!([{ "type": "keyward_api_key" }]),
            bad("invalid JSON body: [0]: missing field `token` at line 1 column 27"),
        ),
        (
            json!([entry(&secret), { "token": secret }]),
            bad("invalid JSON body: [1]: missing field `type` at line 1 column 270"),
        ),
        (
            with("token", json!(5)),
            bad("invalid JSON body: [1].token: invalid type: integer `5`, expected a string at line 1 column 222"),
        ),
        (
            with("url", json!(long(2049))),
            bad("[1].url must be at most 2048 characters"),
        ),
        (
            with("type", json!(long(129))),
            bad("[1].type must be at most 128 characters"),
        ),
        (
            with("source", json!(long(65))),
            bad("[1].source must be at most 64 characters"),
        ),
        (
            Value::Array(vec![entry(&secret); 101]),
            bad("a report holds at most 100 tokens"),
        ),
    ];
    for (body, expected) in &cases {
        let reply = app.post(LEAKS, None, body);
        assert_reply(&reply, 400, expected);
        let shown = reply.body.to_string();
        assert!(!shown.contains(&secret[3..]), "{shown}");
    }
    assert_reply(
        &raw("[", "application/json"),
        400,
        &bad("invalid JSON body: EOF while parsing a list at line 1 column 1"),
    );
    assert_reply(
        &raw(&json!([entry(&secret)]).to_string(), "text/plain"),
        415,
        &error_body(
            415,
            "Unsupported Media Type",
            "content-type must be application/json",
        ),
    );
    let huge = json!([{ "token": long(300 * 1024), "type": "t" }]).to_string();
    assert_reply(
        &raw(&huge, "application/json"),
        413,
        &error_body(
            413,
            "Payload Too Large",
            "request body must not exceed 262144 bytes",
        ),
    );
    assert_eq!(state(&app, &account, &[]), before);

    // Lengths up to the bounds, other fields, and no url or source are fine.
    let mut full = entry("kw_nope");
    full["type"] = json!(long(128));
    full["url"] = json!("é".repeat(2048));
    full["source"] = json!(long(64));
    full["extra"] = json!({ "ignored": true });
    let bare = json!({ "token": "kw_bare", "type": "t", "url": null });
    let reply = app.post(LEAKS, None, &json!([full, bare]));
    assert_reply(
        &reply,
        200,
        &json!([
            { "token_raw": "kw_nope", "token_type": long(128), "label": "false_positive", "action": "none" },
            { "token_raw": "kw_bare", "token_type": "t", "label": "false_positive", "action": "none" },
        ]),
    );
    assert_report(&app, &[], vec![]);
    assert_eq!(state(&app, &account, &[]), before);
}

crate::on_both_backends!(
    a_leaked_key_is_revoked_at_once_everywhere,
    a_rotated_out_secret_counts_only_within_its_grace_period,
    a_leaked_session_token_is_ended_everywhere,
    forged_tokens_change_nothing_and_get_one_answer,
    a_report_mixing_genuine_and_forged_acts_on_the_genuine,
    forged_tokens_are_throttled_like_failed_authentication,
    bad_bodies_get_400_and_change_nothing,
);
