//! The accounts tree (issue 14): a platform's owner key builds platform →
//! merchant → store through the API and runs the store's keys; no
//! credential acts on an ancestor, a sibling or an account that does not
//! exist; suspending an account ends its subtree's keys and session tokens
//! on the very next request here and within a second on another instance;
//! `If-Match` on accounts; the depth limit; `parentAccountId` in `/api/me`
//! and verify; the command line; and bad create requests, which create
//! nothing.

use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::helpers::{
    account_path, assert_reply, crn, error_body, events_path, forbidden, invalid_authentication,
    key_path, keys_path, parse_timestamp, rotate_path, secret_of, send, send_json, spawn_app,
    spawn_app_on, spawn_peer, text, tokens_path, with_key, AppSettings, Backend, Reply,
    TestAccount, TestApp, TestDatabase, PROPAGATION_BOUND,
};

/// The deepest a chain of accounts goes, the root counting as 1.
const MAX_DEPTH: usize = 8;

const TOO_DEEP: &str = "accounts nest at most 8 levels deep; this parent is at the deepest level";

/// Neither an account nor any id the server could have made.
const NO_SUCH_ACCOUNT: &str = "AAAAAAAAAAAAAAAAAAAAAA";

/// `/api/accounts/{id}/accounts`
fn children_path(account: &str) -> String {
    format!("{}/accounts", account_path(account))
}

/// The CRN of an account's first key, which is what acts in these tests.
fn owner_crn(account: &TestAccount) -> String {
    crn(account, &account.owner_name)
}

/// The masked form of a secret: `...` and its last six characters.
fn masked(secret: &str) -> String {
    format!("...{}", &secret[secret.len() - 6..])
}

/// `base` with the fields of `changes` set.
fn with(base: &Value, changes: Value) -> Value {
    let mut out = base.clone();
    for (field, value) in changes.as_object().expect("an object of changes") {
        out[field] = value.clone();
    }
    out
}

/// `base` without `field`.
fn without(base: &Value, field: &str) -> Value {
    let mut out = base.clone();
    out.as_object_mut().expect("an object").remove(field);
    out
}

/// A key as the native API shows it, freshly created by `by`.
fn new_key_view(key: &Value, account_id: &str, name: &str, role: &str, by: &str) -> Value {
    let created_at = text(key, "createdAt");
    parse_timestamp(created_at);
    let id = text(key, "id");
    let uuid = uuid::Uuid::parse_str(id).unwrap_or_else(|e| panic!("key id {id:?}: {e}"));
    assert_eq!(uuid.get_version_num(), 4, "{id}");
    let mut view = json!({
        "id": id,
        "accountId": account_id,
        "name": name,
        "role": role,
        "enabled": true,
        "createdAt": created_at,
        "createdBy": by,
        "modifiedAt": created_at,
        "modifiedBy": by,
        "version": "1",
        "description": null,
        "status": "active",
        "revokedAt": null,
        "expiresAt": null,
        "lastUsedAt": null,
    });
    if let Some(secret) = key.get("secret") {
        let secret = secret.as_str().expect("secret");
        assert!(secret.starts_with("kw_") && secret.len() == 65, "{secret}");
        view["apiKey"] = json!(masked(secret));
        view["secret"] = json!(secret);
    } else {
        view["apiKey"] = key["apiKey"].clone();
    }
    view
}

/// An account made through the API.
struct Child {
    /// The account and its first key, with the secret.
    account: TestAccount,
    /// The account as the API shows it.
    view: Value,
    /// Its first key as the API shows it, without the secret.
    key: Value,
}

/// `POST path` (`/api/accounts` or `…/{parent}/accounts`) with `caller`'s
/// first key; asserts the whole answer: the new account under `parent_id`
/// and its first `account-owner` key, both created by `caller`'s key.
fn create_child(
    app: &TestApp,
    path: &str,
    caller: &TestAccount,
    parent_id: &str,
    name: &str,
    key_name: Option<&str>,
) -> Child {
    let mut body = json!({ "name": name });
    if let Some(key_name) = key_name {
        body["keyName"] = json!(key_name);
    }
    let reply = app.post(path, Some(&caller.owner_key), &body);
    assert_eq!(reply.status, 200, "{path} {body}: {:?}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let account = &reply.body["account"];
    let id = text(account, "id").to_owned();
    assert!(
        id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric()),
        "account id {id:?}"
    );
    let created_at = text(account, "createdAt");
    parse_timestamp(created_at);
    let by = owner_crn(caller);
    let view = json!({
        "id": id,
        "name": name.trim(),
        "parentAccountId": parent_id,
        "enabled": true,
        "createdAt": created_at,
        "createdBy": by,
        "modifiedAt": created_at,
        "modifiedBy": by,
        "version": "1",
    });
    let key_name = key_name.unwrap_or("owner");
    let key = new_key_view(&reply.body["apiKey"], &id, key_name, "account-owner", &by);
    assert_eq!(reply.body, json!({ "account": view, "apiKey": key }));
    Child {
        account: TestAccount {
            id,
            owner_key: secret_of(&key),
            owner_name: key_name.to_owned(),
        },
        view,
        key: without(&key, "secret"),
    }
}

/// platform (a root account made directly), merchant (its child) and
/// store (the merchant's child), both made by the platform's key.
struct Tree {
    /// The platform, acting through its `account-owner` key `AdminKey`
    /// (the seed document's example CRN).
    platform: TestAccount,
    merchant: Child,
    store: Child,
}

fn build_tree(app: &TestApp) -> Tree {
    let root = app.create_account("Platform");
    let admin = app.create_key(&root, "AdminKey", "account-owner");
    let platform = TestAccount {
        id: root.id,
        owner_key: secret_of(&admin),
        owner_name: "AdminKey".into(),
    };
    let merchant = create_child(
        app,
        "/api/accounts",
        &platform,
        &platform.id,
        "Merchant",
        None,
    );
    let store = create_child(
        app,
        &children_path(&merchant.account.id),
        &platform,
        &merchant.account.id,
        "Store",
        None,
    );
    Tree {
        platform,
        merchant,
        store,
    }
}

/// An accounts row, straight from the database.
#[derive(QueryableByName, Debug, Clone, PartialEq)]
struct AccountRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    parent_account_id: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    enabled: bool,
    #[diesel(sql_type = diesel::sql_types::Text)]
    created_by: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    modified_by: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    version: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    suspensions: i64,
}

/// The row of the account `id`.
fn account_row(app: &TestApp, id: &str) -> AccountRow {
    let mut conn = app.db.get().expect("connection");
    let rows: Vec<AccountRow> = diesel::sql_query(
        "SELECT id, name, parent_account_id, enabled, created_by, modified_by, version, \
         suspensions FROM accounts",
    )
    .load(&mut *conn)
    .expect("read accounts");
    rows.into_iter()
        .find(|row| row.id == id)
        .unwrap_or_else(|| panic!("no accounts row {id}"))
}

fn me(app: &TestApp, credential: &str) -> Reply {
    app.get("/api/me", Some(credential))
}

/// The whole `GET /api/me` body of the API key `name` of `account`.
fn me_body(account: &str, parent: Option<&str>, name: &str, role: &str) -> Value {
    json!({
        "accountId": account,
        "parentAccountId": parent,
        "name": name,
        "role": role,
        "crn": crn(account, name),
    })
}

fn verify_key(app: &TestApp, key: &str) -> Value {
    let reply = app.post("/api/verify", None, &json!({ "key": key }));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body
}

fn verify_token(app: &TestApp, token: &str) -> Value {
    let reply = app.post("/api/verify", None, &json!({ "sessionToken": token }));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body
}

fn account_disabled() -> Value {
    json!({ "valid": false, "code": "ACCOUNT_DISABLED" })
}

/// Mints a `card` session token on `account_id` with `credential`; returns
/// the token and its `expiresAt`.
fn mint(app: &TestApp, account_id: &str, credential: &str) -> (String, String) {
    let reply = app.post(
        &tokens_path(account_id),
        Some(credential),
        &json!({ "scope": "card" }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    (
        text(&reply.body, "sessionToken").to_owned(),
        text(&reply.body, "expiresAt").to_owned(),
    )
}

/// `PUT /api/accounts/{id}` with `credential`, and `If-Match` if given.
fn put_account(
    app: &TestApp,
    id: &str,
    credential: &str,
    if_match: Option<&str>,
    body: &Value,
) -> Reply {
    let mut req = with_key(app.request("PUT", &account_path(id)), Some(credential));
    if let Some(version) = if_match {
        req = req.set("if-match", version);
    }
    send_json(req, body)
}

/// The account `id` as `credential` reads it; asserts 200 and the ETag.
fn read_account(app: &TestApp, id: &str, credential: &str) -> Value {
    let reply = app.get(&account_path(id), Some(credential));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let etag = format!("\"{}\"", text(&reply.body, "version"));
    assert_eq!(reply.header("etag"), Some(etag.as_str()));
    reply.body
}

/// The events on the first page of a key's audit trail, newest first.
fn key_events(app: &TestApp, account: &str, name: &str, credential: &str) -> Vec<Value> {
    let reply = app.get(&events_path(account, name), Some(credential));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let list = reply.body["items"].as_array();
    list.unwrap_or_else(|| panic!("no events in {}", reply.body))
        .clone()
}

/// A 400 in the native shape; returns its message.
fn bad_request_message(reply: &Reply) -> String {
    assert_eq!(reply.status, 400, "{:?}", reply.body);
    let message = text(&reply.body, "message").to_owned();
    assert_eq!(reply.body, error_body(400, "Bad Request", &message));
    message
}

/// Polls `GET /api/me` with `credential` on `app` until it answers
/// `status`; fails once `PROPAGATION_BOUND` has passed. Returns how long
/// it took.
fn time_until_status(app: &TestApp, credential: &str, status: u16) -> Duration {
    let start = Instant::now();
    loop {
        let reply = me(app, credential);
        if reply.status == status {
            return start.elapsed();
        }
        assert!(
            reply.status == 200 || reply.status == 401,
            "unexpected answer while waiting for {status}: {} {:?}",
            reply.status,
            reply.body
        );
        let waited = start.elapsed();
        assert!(
            waited < PROPAGATION_BOUND,
            "{credential:.12}… still answered {} after {waited:?}, not {status}",
            reply.status
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// 1. The platform's owner key builds the tree and runs the store's keys;
///    everything it does is recorded as done by its own CRN.
fn a_platform_builds_and_runs_a_three_level_tree(backend: Backend) {
    let app = spawn_app(backend);
    let Tree {
        platform,
        merchant,
        store,
    } = build_tree(&app);
    let platform_key = Some(platform.owner_key.as_str());
    let by = owner_crn(&platform);
    let (merchant_id, store_id) = (merchant.account.id.as_str(), store.account.id.as_str());

    // The rows say the same as the answers.
    for (child, parent) in [(&merchant, &platform.id), (&store, &merchant.account.id)] {
        assert_eq!(
            account_row(&app, &child.account.id),
            AccountRow {
                id: child.account.id.clone(),
                name: text(&child.view, "name").to_owned(),
                parent_account_id: Some(parent.clone()),
                enabled: true,
                created_by: by.clone(),
                modified_by: by.clone(),
                version: 1,
                suspensions: 0,
            }
        );
    }
    assert_eq!(app.count_rows("accounts"), 3);
    assert_eq!(app.count_rows("api_keys"), 4);

    // The platform reads both; the store's key is the one it was given.
    assert_eq!(
        read_account(&app, merchant_id, &platform.owner_key),
        merchant.view
    );
    assert_eq!(
        read_account(&app, store_id, &platform.owner_key),
        store.view
    );
    assert_reply(
        &me(&app, &store.account.owner_key),
        200,
        &me_body(store_id, Some(merchant_id), "owner", "account-owner"),
    );

    // Creates a key on the store.
    let reply = app.post(
        &keys_path(store_id),
        platform_key,
        &json!({ "name": "Till", "role": "merchant-terminal" }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("etag"), Some("\"1\""));
    let created = new_key_view(&reply.body, store_id, "Till", "merchant-terminal", &by);
    assert_eq!(reply.body, created);
    let till = without(&created, "secret");
    let till_secret = secret_of(&created);
    assert_reply(
        &me(&app, &till_secret),
        200,
        &me_body(store_id, Some(merchant_id), "Till", "merchant-terminal"),
    );

    // Lists the store's keys, oldest first.
    let reply = app.get(&keys_path(store_id), platform_key);
    assert_reply(&reply, 200, &json!([store.key, till]));

    // Disables the key, then enables it again.
    let path = key_path(store_id, "Till");
    let reply = app.put(&path, platform_key, &json!({ "enabled": false }));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let disabled = with(
        &till,
        json!({
            "enabled": false,
            "version": "2",
            "modifiedAt": text(&reply.body, "modifiedAt"),
            "modifiedBy": by,
        }),
    );
    assert_eq!(reply.body, disabled);
    assert_eq!(reply.header("etag"), Some("\"2\""));
    assert_reply(&me(&app, &till_secret), 401, &invalid_authentication());
    let reply = app.put(&path, platform_key, &json!({ "enabled": true }));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let enabled = with(
        &till,
        json!({
            "version": "3",
            "modifiedAt": text(&reply.body, "modifiedAt"),
            "modifiedBy": by,
        }),
    );
    assert_eq!(reply.body, enabled);
    assert_eq!(me(&app, &till_secret).status, 200);

    // Rotates it: the new secret authenticates as the store's key.
    let reply = app.post(&rotate_path(store_id, "Till"), platform_key, &json!({}));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let new_secret = secret_of(&reply.body);
    let rotated = with(
        &enabled,
        json!({
            "version": "4",
            "modifiedAt": text(&reply.body, "modifiedAt"),
            "modifiedBy": by,
            "apiKey": masked(&new_secret),
        }),
    );
    assert_eq!(
        reply.body,
        with(&rotated, json!({ "secret": new_secret })),
        "rotate answer"
    );
    assert_reply(
        &me(&app, &new_secret),
        200,
        &me_body(store_id, Some(merchant_id), "Till", "merchant-terminal"),
    );

    // Revokes it.
    let reply = app.delete(&path, platform_key);
    assert_eq!(reply.status, 204, "{:?}", reply.body);
    let reply = app.get(&path, platform_key);
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let revoked_at = text(&reply.body, "revokedAt").to_owned();
    parse_timestamp(&revoked_at);
    assert_eq!(
        reply.body,
        with(
            &rotated,
            json!({
                "status": "revoked",
                "revokedAt": revoked_at,
                "version": "5",
                "modifiedAt": text(&reply.body, "modifiedAt"),
                "modifiedBy": by,
            })
        )
    );
    assert_reply(&me(&app, &new_secret), 401, &invalid_authentication());

    // Every event names the platform's key as its actor.
    let events = key_events(&app, store_id, "Till", &platform.owner_key);
    let summary: Vec<(Value, Value, Value)> = events
        .iter()
        .map(|e| (e["version"].clone(), e["kinds"].clone(), e["actor"].clone()))
        .collect();
    let expected: Vec<(Value, Value, Value)> = [
        ("5", "revoked"),
        ("4", "rotated"),
        ("3", "enabled"),
        ("2", "disabled"),
        ("1", "created"),
    ]
    .into_iter()
    .map(|(version, kind)| (json!(version), json!([kind]), json!(by)))
    .collect();
    assert_eq!(summary, expected, "{events:#?}");
    // The store's own owner key sees the same trail.
    assert_eq!(
        key_events(&app, store_id, "Till", &store.account.owner_key),
        events
    );
    let events = key_events(&app, store_id, "owner", &platform.owner_key);
    // `crn:{platform}:api-key:AdminKey`, as in the seed document.
    assert_eq!(by, format!("crn:{}:api-key:AdminKey", platform.id));
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["actor"], json!(by));

    // The merchant's key acts on the store too, as itself.
    let reply = app.post(
        &keys_path(store_id),
        Some(&merchant.account.owner_key),
        &json!({ "name": "Kiosk", "role": "merchant-terminal" }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let merchant_by = owner_crn(&merchant.account);
    assert_eq!(
        reply.body,
        new_key_view(
            &reply.body,
            store_id,
            "Kiosk",
            "merchant-terminal",
            &merchant_by
        )
    );
    let events = key_events(&app, store_id, "Kiosk", &platform.owner_key);
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["actor"], json!(merchant_by));

    // A session token minted on the store's path belongs to the platform's
    // key: it acts for it, not for the store.
    let (token, expires_at) = mint(&app, store_id, &platform.owner_key);
    assert_reply(
        &me(&app, &token),
        200,
        &with(
            &me_body(&platform.id, None, "AdminKey", "account-owner"),
            json!({ "scope": "card", "expiresAt": expires_at }),
        ),
    );
    let platform_admin = app.get(&key_path(&platform, "AdminKey"), platform_key);
    assert_eq!(
        verify_token(&app, &token),
        json!({
            "valid": true,
            "code": "VALID",
            "accountId": platform.id,
            "parentAccountId": null,
            "keyId": text(&platform_admin.body, "id"),
            "name": "AdminKey",
            "role": "account-owner",
            "crn": by,
            "scope": "card",
            "expiresAt": expires_at,
        })
    );
    assert_eq!(app.count_rows("session_tokens"), 1);
    // Nothing in the tree was changed by any of it.
    assert_eq!(
        read_account(&app, store_id, &platform.owner_key),
        store.view
    );
}

/// Every account route a caller could try on `target`, as
/// (method, path, body).
fn attempts_on(target: &str) -> Vec<(&'static str, String, Option<Value>)> {
    vec![
        ("GET", account_path(target), None),
        (
            "PUT",
            account_path(target),
            Some(json!({ "name": "Taken" })),
        ),
        (
            "PUT",
            account_path(target),
            Some(json!({ "enabled": false })),
        ),
        (
            "POST",
            children_path(target),
            Some(json!({ "name": "Intruder" })),
        ),
        ("GET", keys_path(target), None),
        (
            "POST",
            keys_path(target),
            Some(json!({ "name": "Intruder", "role": "account-owner" })),
        ),
        ("GET", key_path(target, "owner"), None),
        (
            "PUT",
            key_path(target, "owner"),
            Some(json!({ "enabled": false })),
        ),
        ("POST", rotate_path(target, "owner"), Some(json!({}))),
        ("GET", events_path(target, "owner"), None),
        ("DELETE", key_path(target, "owner"), None),
        (
            "POST",
            tokens_path(target),
            Some(json!({ "scope": "card" })),
        ),
    ]
}

/// Every attempt on `target` with `credential` gets 403 FORBIDDEN.
fn assert_all_forbidden(app: &TestApp, credential: &str, who: &str, target: &str) {
    for (method, path, body) in attempts_on(target) {
        let req = with_key(app.request(method, &path), Some(credential));
        let reply = match &body {
            Some(body) => send_json(req, body),
            None => send(req, None),
        };
        assert_eq!(
            (reply.status, &reply.body),
            (403, &forbidden()),
            "{who}: {method} {path} {body:?}"
        );
    }
}

/// 2. No key acts above itself or beside itself; terminals and session
///    tokens gain nothing from the tree; an account that does not exist is
///    refused exactly like one that does.
fn nothing_acts_above_or_beside_itself(backend: Backend) {
    let app = spawn_app(backend);
    let Tree {
        platform,
        merchant,
        store,
    } = build_tree(&app);
    let sibling = create_child(
        &app,
        &children_path(&merchant.account.id),
        &platform,
        &merchant.account.id,
        "Sibling",
        None,
    );
    let terminal = app.create_key(&platform, "Till", "merchant-terminal");
    let terminal_key = secret_of(&terminal);
    let (platform_token, _) = mint(&app, &platform.id, &platform.owner_key);
    let (merchant_id, store_id) = (merchant.account.id.as_str(), store.account.id.as_str());
    // A key of the store with the very name of the platform's terminal.
    let namesake = app.post(
        &keys_path(store_id),
        Some(&platform.owner_key),
        &json!({ "name": "Till", "role": "merchant-terminal" }),
    );
    assert_eq!(namesake.status, 200, "{:?}", namesake.body);
    let namesake = without(&namesake.body, "secret");
    let rows = |app: &TestApp| {
        ["accounts", "api_keys", "session_tokens"].map(|table| app.count_rows(table))
    };
    let before = rows(&app);

    let store_key = store.account.owner_key.as_str();
    let merchant_key = merchant.account.owner_key.as_str();
    let cases: [(&str, &str, &str); 13] = [
        ("the store's key", store_key, merchant_id),
        ("the store's key", store_key, &platform.id),
        ("the store's key", store_key, &sibling.account.id),
        ("the sibling's key", &sibling.account.owner_key, store_id),
        ("the merchant's key", merchant_key, &platform.id),
        ("the platform's terminal", &terminal_key, store_id),
        ("the platform's terminal", &terminal_key, merchant_id),
        ("the platform's token", &platform_token, store_id),
        ("the platform's token", &platform_token, merchant_id),
        ("the platform's key", &platform.owner_key, NO_SUCH_ACCOUNT),
        ("the platform's key", &platform.owner_key, "nope"),
        ("the store's key", store_key, NO_SUCH_ACCOUNT),
        ("the merchant's key", merchant_key, NO_SUCH_ACCOUNT),
    ];
    for (who, credential, target) in cases {
        assert_all_forbidden(&app, credential, &format!("{who} on {target}"), target);
    }
    // A terminal may switch itself off, but not a namesake in another account.
    let reply = app.put(
        &key_path(store_id, "Till"),
        Some(&terminal_key),
        &json!({ "enabled": false }),
    );
    assert_reply(&reply, 403, &forbidden());
    // Nor may a terminal or a session token create a child of its own account.
    for credential in [&terminal_key, &platform_token] {
        let reply = app.post("/api/accounts", Some(credential), &json!({ "name": "Sub" }));
        assert_reply(&reply, 403, &forbidden());
    }

    // Nothing changed, and every credential still works.
    assert_eq!(rows(&app), before);
    for (child, keys) in [
        (&merchant, json!([merchant.key])),
        (&store, json!([store.key, namesake])),
        (&sibling, json!([sibling.key])),
    ] {
        assert_eq!(
            read_account(&app, &child.account.id, &platform.owner_key),
            child.view
        );
        let reply = app.get(&keys_path(&child.account.id), Some(&platform.owner_key));
        assert_reply(&reply, 200, &keys);
    }
    for credential in [
        store_key,
        merchant_key,
        &sibling.account.owner_key,
        &terminal_key,
        &platform_token,
        &platform.owner_key,
    ] {
        assert_eq!(me(&app, credential).status, 200);
    }
}

/// 3. Suspending the merchant ends the merchant's and the store's keys and
///    their session tokens on the very next request; resuming restores the
///    keys but not the tokens. Only an ancestor suspends or resumes.
fn suspending_an_account_ends_its_subtree_at_once(backend: Backend) {
    let app = spawn_app(backend);
    let Tree {
        platform,
        merchant,
        store,
    } = build_tree(&app);
    let (merchant_id, store_id) = (merchant.account.id.as_str(), store.account.id.as_str());
    let (merchant_key, store_key) = (
        merchant.account.owner_key.as_str(),
        store.account.owner_key.as_str(),
    );
    let terminal = app.post(
        &keys_path(store_id),
        Some(store_key),
        &json!({ "name": "Till", "role": "merchant-terminal" }),
    );
    assert_eq!(terminal.status, 200, "{:?}", terminal.body);
    let terminal_key = secret_of(&terminal.body);
    let (token, _) = mint(&app, store_id, store_key);
    let subtree = [
        merchant_key,
        store_key,
        terminal_key.as_str(),
        token.as_str(),
    ];
    for credential in subtree {
        // Twice: the second answer comes from the caches.
        assert_eq!(me(&app, credential).status, 200);
        assert_eq!(me(&app, credential).status, 200);
    }

    // No account suspends itself, nor its parent.
    let no_one: [(&str, &str, bool); 7] = [
        (store_key, store_id, false),
        (store_key, merchant_id, false),
        (store_key, merchant_id, true),
        (merchant_key, merchant_id, false),
        (merchant_key, &platform.id, false),
        (&platform.owner_key, &platform.id, false),
        (&platform.owner_key, &platform.id, true),
    ];
    for (credential, target, enabled) in no_one {
        let reply = put_account(
            &app,
            target,
            credential,
            None,
            &json!({ "enabled": enabled }),
        );
        assert_reply(&reply, 403, &forbidden());
    }
    assert_eq!(account_row(&app, merchant_id).version, 1);

    // The platform suspends the merchant.
    let reply = put_account(
        &app,
        merchant_id,
        &platform.owner_key,
        None,
        &json!({ "enabled": false }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let suspended = with(
        &merchant.view,
        json!({
            "enabled": false,
            "version": "2",
            "modifiedAt": text(&reply.body, "modifiedAt"),
            "modifiedBy": owner_crn(&platform),
        }),
    );
    assert_eq!(reply.body, suspended);
    assert_eq!(reply.header("etag"), Some("\"2\""));
    let row = account_row(&app, merchant_id);
    assert_eq!((row.enabled, row.version, row.suspensions), (false, 2, 1));

    // The very next request with each credential below it is refused.
    for credential in subtree {
        assert_reply(&me(&app, credential), 401, &invalid_authentication());
    }
    for credential in [merchant_key, store_key, terminal_key.as_str()] {
        assert_eq!(verify_key(&app, credential), account_disabled());
    }
    assert_eq!(verify_token(&app, &token), account_disabled());
    // So is every route, resuming included.
    let reply = put_account(&app, store_id, store_key, None, &json!({ "enabled": true }));
    assert_reply(&reply, 401, &invalid_authentication());
    let reply = app.get(&keys_path(store_id), Some(store_key));
    assert_reply(&reply, 401, &invalid_authentication());
    let reply = app.post(
        &tokens_path(store_id),
        Some(store_key),
        &json!({ "scope": "card" }),
    );
    assert_reply(&reply, 401, &invalid_authentication());

    // The platform is untouched and still manages the suspended accounts.
    assert_reply(
        &me(&app, &platform.owner_key),
        200,
        &me_body(&platform.id, None, "AdminKey", "account-owner"),
    );
    assert_eq!(
        read_account(&app, merchant_id, &platform.owner_key),
        suspended
    );
    assert_eq!(
        read_account(&app, store_id, &platform.owner_key),
        store.view,
        "the store itself is not marked suspended"
    );
    let reply = app.get(&keys_path(store_id), Some(&platform.owner_key));
    assert_eq!(reply.status, 200, "{:?}", reply.body);

    // Suspending again changes nothing.
    let reply = put_account(
        &app,
        merchant_id,
        &platform.owner_key,
        None,
        &json!({ "enabled": false }),
    );
    assert_reply(&reply, 200, &suspended);

    // The platform resumes it: the keys work again, the old token does not.
    let reply = put_account(
        &app,
        merchant_id,
        &platform.owner_key,
        None,
        &json!({ "enabled": true }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let resumed = with(
        &merchant.view,
        json!({
            "version": "3",
            "modifiedAt": text(&reply.body, "modifiedAt"),
            "modifiedBy": owner_crn(&platform),
        }),
    );
    assert_eq!(reply.body, resumed);
    let row = account_row(&app, merchant_id);
    assert_eq!((row.enabled, row.version, row.suspensions), (true, 3, 1));
    assert_reply(
        &me(&app, merchant_key),
        200,
        &me_body(merchant_id, Some(&platform.id), "owner", "account-owner"),
    );
    assert_reply(
        &me(&app, store_key),
        200,
        &me_body(store_id, Some(merchant_id), "owner", "account-owner"),
    );
    assert_eq!(me(&app, &terminal_key).status, 200);
    assert_reply(&me(&app, &token), 401, &invalid_authentication());
    assert_eq!(verify_token(&app, &token), account_disabled());
    let (fresh, _) = mint(&app, store_id, store_key);
    assert_eq!(me(&app, &fresh).status, 200);
    assert_eq!(verify_token(&app, &fresh)["code"], "VALID");

    // The merchant may suspend and resume its own child.
    for enabled in [false, true] {
        let reply = put_account(
            &app,
            store_id,
            merchant_key,
            None,
            &json!({ "enabled": enabled }),
        );
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(reply.body["enabled"], json!(enabled));
        assert_eq!(
            reply.body["modifiedBy"],
            json!(owner_crn(&merchant.account))
        );
        let expected = if enabled { 200 } else { 401 };
        assert_eq!(me(&app, store_key).status, expected);
        assert_eq!(me(&app, merchant_key).status, 200);
    }
    assert_reply(&me(&app, &fresh), 401, &invalid_authentication());

    // Bodies that ask for nothing clear, or for more than there is.
    let merchant_now = read_account(&app, merchant_id, &platform.owner_key);
    let refused = [
        (
            json!({ "enabled": null }),
            Some("enabled must be true or false"),
        ),
        (json!({}), Some("give at least one of name, enabled")),
        (
            json!({ "name": "   " }),
            Some("account name must be 1 to 128 printable characters"),
        ),
        (
            json!({ "name": "Bad\u{7}Name", "enabled": false }),
            Some("account name must be 1 to 128 printable characters"),
        ),
        (json!({ "enabled": false, "colour": "red" }), None),
        (json!({ "enabled": "false" }), None),
        // Null is refused, not read as "left out".
        (json!({ "name": null }), Some("name must not be null")),
        (
            json!({ "name": null, "enabled": false }),
            Some("name must not be null"),
        ),
        (json!([false]), None),
    ];
    for (body, message) in refused {
        let reply = put_account(&app, merchant_id, &platform.owner_key, None, &body);
        let got = bad_request_message(&reply);
        match message {
            Some(message) => assert_eq!(got, message, "{body}"),
            None => assert!(got.starts_with("invalid JSON body"), "{body}: {got}"),
        }
    }
    assert_eq!(
        read_account(&app, merchant_id, &platform.owner_key),
        merchant_now
    );
    assert_eq!(me(&app, merchant_key).status, 200);
}

/// 4. A suspension made on one instance reaches another over the same
///    database within a second, and so does the resume.
fn suspension_reaches_another_instance_within_a_second(backend: Backend) {
    let a = spawn_app(backend);
    let b = spawn_peer(&a);
    let Tree {
        platform,
        merchant,
        store,
    } = build_tree(&a);
    let store_key = store.account.owner_key.as_str();
    let merchant_key = merchant.account.owner_key.as_str();
    let (token, _) = mint(&a, &store.account.id, store_key);
    for credential in [store_key, merchant_key, token.as_str()] {
        assert_eq!(me(&b, credential).status, 200, "b has it cached now");
        assert_eq!(me(&b, credential).status, 200);
    }

    let merchant_id = merchant.account.id.as_str();
    let suspend = json!({ "enabled": false });
    let reply = put_account(&a, merchant_id, &platform.owner_key, None, &suspend);
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(me(&a, store_key).status, 401, "at once on a");
    let took = time_until_status(&b, store_key, 401);
    eprintln!("suspension reached b in {took:?}");
    // Once the store's key is refused, the rest of the subtree is too.
    assert_reply(&me(&b, merchant_key), 401, &invalid_authentication());
    assert_reply(&me(&b, &token), 401, &invalid_authentication());
    assert_eq!(verify_key(&b, store_key), account_disabled());
    assert_eq!(me(&b, &platform.owner_key).status, 200);

    let resume = json!({ "enabled": true });
    let reply = put_account(&a, merchant_id, &platform.owner_key, None, &resume);
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(me(&a, store_key).status, 200, "at once on a");
    let took = time_until_status(&b, store_key, 200);
    eprintln!("resume reached b in {took:?}");
    assert_eq!(me(&b, merchant_key).status, 200);
    assert_reply(&me(&b, &token), 401, &invalid_authentication());
    assert_eq!(verify_token(&b, &token), account_disabled());

    // And the other way round: suspended through b, refused on a.
    let reply = put_account(&b, merchant_id, &platform.owner_key, None, &suspend);
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let took = time_until_status(&a, store_key, 401);
    eprintln!("suspension reached a in {took:?}");
}

/// 5. `If-Match` guards account changes, as it does key changes.
fn if_match_guards_account_changes(backend: Backend) {
    let app = spawn_app(backend);
    let platform = app.create_account("Platform");
    let merchant = create_child(
        &app,
        "/api/accounts",
        &platform,
        &platform.id,
        "Merchant",
        None,
    );
    let id = merchant.account.id.as_str();
    let owner = platform.owner_key.as_str();
    let mismatch = error_body(412, "Precondition Failed", "VERSION_MISMATCH");

    for stale in ["\"2\"", "\"0\"", "\"3\", \"4\""] {
        for body in [json!({ "name": "Renamed" }), json!({ "enabled": false })] {
            let reply = put_account(&app, id, owner, Some(stale), &body);
            assert_eq!(reply.status, 412, "{stale} {body}: {:?}", reply.body);
            assert_eq!(reply.body, mismatch);
        }
    }
    assert_eq!(read_account(&app, id, owner), merchant.view);
    assert_eq!(account_row(&app, id).version, 1);

    let reply = put_account(
        &app,
        id,
        owner,
        Some("\"1\""),
        &json!({ "name": "Renamed" }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("etag"), Some("\"2\""));
    let renamed = with(
        &merchant.view,
        json!({
            "name": "Renamed",
            "version": "2",
            "modifiedAt": text(&reply.body, "modifiedAt"),
            "modifiedBy": owner_crn(&platform),
        }),
    );
    assert_eq!(reply.body, renamed);
    assert_eq!(read_account(&app, id, owner), renamed);

    // The version that was current is stale now.
    let reply = put_account(&app, id, owner, Some("\"1\""), &json!({ "enabled": false }));
    assert_reply(&reply, 412, &mismatch);
    // A list of versions matches when one of them is current.
    let reply = put_account(
        &app,
        id,
        owner,
        Some("\"7\", \"2\""),
        &json!({ "enabled": false }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("etag"), Some("\"3\""));
    assert_eq!(reply.body["enabled"], json!(false));
    assert_eq!(reply.body["version"], json!("3"));

    // Asking for what is already so changes nothing, version included.
    let reply = put_account(&app, id, owner, Some("\"3\""), &json!({ "enabled": false }));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("etag"), Some("\"3\""));
    let at_three = read_account(&app, id, owner);
    assert_eq!(reply.body, at_three);

    // The merchant's own key may rename its account (once resumed).
    let reply = put_account(&app, id, owner, None, &json!({ "enabled": true }));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let reply = put_account(
        &app,
        id,
        &merchant.account.owner_key,
        Some("\"4\""),
        &json!({ "name": "  Own Name  " }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("etag"), Some("\"5\""));
    assert_eq!(reply.body["name"], json!("Own Name"));
    assert_eq!(
        reply.body["modifiedBy"],
        json!(owner_crn(&merchant.account))
    );
    let row = account_row(&app, id);
    assert_eq!((row.name.as_str(), row.version), ("Own Name", 5));
}

/// 6. Accounts nest at most eight deep, the root counting as one.
fn accounts_nest_at_most_eight_levels(backend: Backend) {
    let app = spawn_app(backend);
    let root = app.create_account("Level1");
    let mut chain = vec![root.clone()];
    for level in 2..=MAX_DEPTH {
        let parent = chain.last().expect("a parent").id.clone();
        let child = create_child(
            &app,
            &children_path(&parent),
            &root,
            &parent,
            &format!("Level{level}"),
            None,
        );
        chain.push(child.account);
    }
    let deepest = &chain[MAX_DEPTH - 1];
    assert_reply(
        &me(&app, &deepest.owner_key),
        200,
        &me_body(
            &deepest.id,
            Some(&chain[MAX_DEPTH - 2].id),
            "owner",
            "account-owner",
        ),
    );
    let rows = (app.count_rows("accounts"), app.count_rows("api_keys"));
    assert_eq!(rows.0, MAX_DEPTH as i64);

    let too_deep = error_body(400, "Bad Request", TOO_DEEP);
    let below_deepest = children_path(&deepest.id);
    for caller in [&root, &chain[3], deepest] {
        let reply = app.post(
            &below_deepest,
            Some(&caller.owner_key),
            &json!({ "name": "Level9" }),
        );
        assert_reply(&reply, 400, &too_deep);
    }
    let reply = app.post(
        "/api/accounts",
        Some(&deepest.owner_key),
        &json!({ "name": "Level9" }),
    );
    assert_reply(&reply, 400, &too_deep);
    assert_eq!(
        (app.count_rows("accounts"), app.count_rows("api_keys")),
        rows
    );

    // A second child of the seventh level is still eight deep: allowed.
    let seventh = &chain[MAX_DEPTH - 2];
    let sibling = create_child(
        &app,
        &children_path(&seventh.id),
        &root,
        &seventh.id,
        "Level8b",
        None,
    );
    let reply = app.post(
        "/api/accounts",
        Some(&seventh.owner_key),
        &json!({ "name": "Level8c" }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["account"]["parentAccountId"], json!(seventh.id));
    let reply = app.post(
        &children_path(&sibling.account.id),
        Some(&root.owner_key),
        &json!({ "name": "Level9" }),
    );
    assert_reply(&reply, 400, &too_deep);
    assert_eq!(app.count_rows("accounts"), MAX_DEPTH as i64 + 2);
    // The root still reaches the deepest account.
    assert_eq!(
        read_account(&app, &sibling.account.id, &root.owner_key),
        sibling.view
    );
}

/// 7. `GET /api/me` and a valid verify name the key's parent account.
fn me_and_verify_name_the_parent(backend: Backend) {
    let app = spawn_app(backend);
    let Tree {
        platform,
        merchant,
        store,
    } = build_tree(&app);
    let (merchant_id, store_id) = (merchant.account.id.as_str(), store.account.id.as_str());
    let platform_name = platform.owner_name.as_str();
    for (account, parent, name, key, child) in [
        (
            store_id,
            Some(merchant_id),
            "owner",
            &store.account.owner_key,
            Some(&store),
        ),
        (
            merchant_id,
            Some(platform.id.as_str()),
            "owner",
            &merchant.account.owner_key,
            Some(&merchant),
        ),
        (
            platform.id.as_str(),
            None,
            platform_name,
            &platform.owner_key,
            None,
        ),
    ] {
        assert_reply(
            &me(&app, key),
            200,
            &me_body(account, parent, name, "account-owner"),
        );
        let key_id = match child {
            Some(child) => child.key["id"].clone(),
            None => app.get(&key_path(account, name), Some(key)).body["id"].clone(),
        };
        assert_eq!(
            verify_key(&app, key),
            json!({
                "valid": true,
                "code": "VALID",
                "accountId": account,
                "parentAccountId": parent,
                "keyId": key_id,
                "name": name,
                "role": "account-owner",
                "crn": crn(account, name),
            })
        );
    }
    let (token, expires_at) = mint(&app, store_id, &store.account.owner_key);
    assert_reply(
        &me(&app, &token),
        200,
        &with(
            &me_body(store_id, Some(merchant_id), "owner", "account-owner"),
            json!({ "scope": "card", "expiresAt": expires_at }),
        ),
    );
    assert_eq!(
        verify_token(&app, &token),
        json!({
            "valid": true,
            "code": "VALID",
            "accountId": store_id,
            "parentAccountId": merchant_id,
            "keyId": store.key["id"],
            "name": "owner",
            "role": "account-owner",
            "crn": crn(store_id, "owner"),
            "scope": "card",
            "expiresAt": expires_at,
        })
    );
}

/// Longest a command may run.
const CLI_TIMEOUT: Duration = Duration::from_secs(30);

/// `keyward ARGS` to its end, with cheap hashing and nothing taken from
/// this process's environment.
fn keyward(args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keyward"));
    cmd.args(args)
        .env("RUST_LOG", "warn")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .env_remove("DATABASE_URL")
        .env_remove("KEYWARD_ARGON2_MEMORY_KIB")
        .env_remove("KEYWARD_ARGON2_ITERATIONS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().expect("spawn keyward");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    rx.recv_timeout(CLI_TIMEOUT)
        .unwrap_or_else(|_| panic!("keyward {args:?} did not finish within {CLI_TIMEOUT:?}"))
        .expect("keyward output")
}

/// `keyward accounts create --name NAME [--parent PARENT]` on `url`.
fn cli_create(url: &str, name: &str, parent: Option<&str>) -> Output {
    let mut args = vec!["accounts", "create", "--name", name, "--database-url", url];
    if let Some(parent) = parent {
        args.extend(["--parent", parent]);
    }
    args.extend(["--argon2-memory-kib", "128", "--argon2-iterations", "1"]);
    keyward(&args)
}

/// Checks the output of a successful `accounts create` in full; returns
/// the account as printed and the first key's secret.
fn cli_created(output: &Output, name: &str, parent: Option<&str>) -> (Value, String) {
    assert!(
        output.status.success(),
        "accounts create failed: {output:?}"
    );
    let body: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {output:?}"));
    let account = &body["account"];
    let id = text(account, "id");
    let created_at = text(account, "createdAt");
    parse_timestamp(created_at);
    let by = format!("crn:{id}:cli:keyward");
    let view = json!({
        "id": id,
        "name": name,
        "parentAccountId": parent,
        "enabled": true,
        "createdAt": created_at,
        "createdBy": by,
        "modifiedAt": created_at,
        "modifiedBy": by,
        "version": "1",
    });
    let key = new_key_view(&body["apiKey"], id, "owner", "account-owner", &by);
    assert_eq!(
        body,
        json!({ "accountId": id, "account": view, "apiKey": key })
    );
    (view, secret_of(&key))
}

/// 8. The command line creates child accounts and lists accounts.
fn the_command_line_creates_children_and_lists_accounts(backend: Backend) {
    let db = TestDatabase::new(backend);
    let (root, root_key) = cli_created(&cli_create(&db.url, "Platform", None), "Platform", None);
    let root_id = text(&root, "id").to_owned();
    let (child, child_key) = cli_created(
        &cli_create(&db.url, "Merchant", Some(&root_id)),
        "Merchant",
        Some(&root_id),
    );
    let child_id = text(&child, "id").to_owned();

    for (parent, message) in [
        (NO_SUCH_ACCOUNT, format!("no account {NO_SUCH_ACCOUNT}")),
        (
            "nope",
            "accountId must be 22 ASCII letters or digits".into(),
        ),
    ] {
        let output = cli_create(&db.url, "Orphan", Some(parent));
        assert!(!output.status.success(), "--parent {parent}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&message),
            "--parent {parent}: stderr does not say {message:?}:\n{stderr}"
        );
        assert!(
            !String::from_utf8_lossy(&output.stdout).contains("kw_"),
            "--parent {parent}: a key was printed: {output:?}"
        );
    }

    let listed = keyward(&["accounts", "list", "--database-url", &db.url]);
    assert!(listed.status.success(), "accounts list failed: {listed:?}");
    let listed: Value = serde_json::from_slice(&listed.stdout)
        .unwrap_or_else(|e| panic!("accounts list printed no JSON ({e}): {listed:?}"));
    assert_eq!(listed, json!([root, child]));

    // A server over the same database agrees.
    let app = spawn_app_on(db, backend, AppSettings::default());
    assert_eq!(app.count_rows("accounts"), 2);
    assert_eq!(app.count_rows("api_keys"), 2);
    assert_reply(
        &me(&app, &child_key),
        200,
        &me_body(&child_id, Some(&root_id), "owner", "account-owner"),
    );
    assert_eq!(read_account(&app, &child_id, &root_key), child);
    assert_reply(
        &app.get(&account_path(&root_id), Some(&child_key)),
        403,
        &forbidden(),
    );
}

/// 9. A bad create request is refused with 400 and creates nothing.
fn bad_create_requests_create_nothing(backend: Backend) {
    let app = spawn_app(backend);
    let platform = app.create_account("Platform");
    let merchant = create_child(
        &app,
        "/api/accounts",
        &platform,
        &platform.id,
        "Merchant",
        None,
    );
    let rows = |app: &TestApp| (app.count_rows("accounts"), app.count_rows("api_keys"));
    let before = rows(&app);
    let bad_name = "account name must be 1 to 128 printable characters";
    let bad_key_name = "name must be 1 to 64 ASCII letters or digits";
    let attempts: Vec<(Value, Option<&str>)> = vec![
        (json!({}), None),
        (json!({ "keyName": "admin" }), None),
        (
            json!({ "name": "Store", "keyName": null }),
            Some("keyName must not be null"),
        ),
        (json!({ "name": null }), None),
        (json!({ "name": 7 }), None),
        (json!({ "name": "" }), Some(bad_name)),
        (json!({ "name": "    " }), Some(bad_name)),
        (json!({ "name": "Bad\u{7}Name" }), Some(bad_name)),
        (json!({ "name": "Line\nBreak" }), Some(bad_name)),
        (json!({ "name": "\u{202E}Evil" }), Some(bad_name)),
        (json!({ "name": "x".repeat(129) }), Some(bad_name)),
        (json!({ "name": "é".repeat(129) }), Some(bad_name)),
        (
            json!({ "name": "Store", "keyName": "store-admin" }),
            Some(bad_key_name),
        ),
        (
            json!({ "name": "Store", "keyName": "" }),
            Some(bad_key_name),
        ),
        (
            json!({ "name": "Store", "keyName": "k".repeat(65) }),
            Some(bad_key_name),
        ),
        (json!({ "name": "Store", "colour": "red" }), None),
        (
            json!({ "name": "Store", "parentAccountId": platform.id }),
            None,
        ),
        (json!(["Store"]), None),
        (json!("Store"), None),
    ];
    let paths = [
        "/api/accounts".to_owned(),
        children_path(&merchant.account.id),
    ];
    for path in &paths {
        for (body, message) in &attempts {
            let reply = app.post(path, Some(&platform.owner_key), body);
            let got = bad_request_message(&reply);
            match message {
                Some(message) => assert_eq!(&got, message, "{path} {body}"),
                None => assert!(got.starts_with("invalid JSON body"), "{path} {body}: {got}"),
            }
        }
    }
    assert_eq!(rows(&app), before, "a refused request created something");

    // At the limits, accepted: 128 characters, spaces around trimmed.
    let longest = "é".repeat(128);
    let child = create_child(
        &app,
        &paths[0],
        &platform,
        &platform.id,
        &longest,
        Some(&"k".repeat(64)),
    );
    assert_eq!(account_row(&app, &child.account.id).name, longest);
    let padded = create_child(
        &app,
        &paths[1],
        &platform,
        &merchant.account.id,
        "  Padded Store  ",
        None,
    );
    assert_eq!(padded.view["name"], json!("Padded Store"));
    assert_eq!(rows(&app), (before.0 + 2, before.1 + 2));
}

/// A token the platform's key mints on the store's path is the platform
/// key's, and also answers to the store: suspending the store ends it for
/// good, as it ends the store's own tokens, while the platform's tokens
/// minted on its own path live on.
fn a_token_minted_on_a_descendant_ends_with_it(backend: Backend) {
    let app = spawn_app(backend);
    let tree = build_tree(&app);
    let (platform, store) = (&tree.platform, &tree.store.account);
    let (on_store, _) = mint(&app, &store.id, &platform.owner_key);
    let (on_platform, _) = mint(&app, &platform.id, &platform.owner_key);
    let valid = verify_token(&app, &on_store);
    assert_eq!(valid["valid"], json!(true), "{valid}");
    assert_eq!(
        valid["accountId"],
        json!(platform.id),
        "the token is the platform key's"
    );

    let reply = put_account(
        &app,
        &store.id,
        &platform.owner_key,
        None,
        &json!({"enabled": false}),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(verify_token(&app, &on_store), account_disabled());
    assert_reply(&me(&app, &on_store), 401, &invalid_authentication());
    // Minting on the suspended store is refused; the platform is untouched.
    let reply = app.post(
        &tokens_path(&store.id),
        Some(&platform.owner_key),
        &json!({ "scope": "card" }),
    );
    assert_reply(&reply, 403, &forbidden());
    assert_eq!(verify_token(&app, &on_platform)["valid"], json!(true));

    let reply = put_account(
        &app,
        &store.id,
        &platform.owner_key,
        None,
        &json!({"enabled": true}),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        verify_token(&app, &on_store),
        account_disabled(),
        "not revived"
    );
    let (fresh, _) = mint(&app, &store.id, &platform.owner_key);
    assert_eq!(verify_token(&app, &fresh)["valid"], json!(true));
    // Suspending the merchant above the store ends the fresh one too.
    let merchant = &tree.merchant.account;
    let reply = put_account(
        &app,
        &merchant.id,
        &platform.owner_key,
        None,
        &json!({"enabled": false}),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(verify_token(&app, &fresh), account_disabled());
    assert_eq!(verify_token(&app, &on_platform)["valid"], json!(true));
}

crate::on_both_backends!(
    a_platform_builds_and_runs_a_three_level_tree,
    nothing_acts_above_or_beside_itself,
    suspending_an_account_ends_its_subtree_at_once,
    suspension_reaches_another_instance_within_a_second,
    if_match_guards_account_changes,
    accounts_nest_at_most_eight_levels,
    me_and_verify_name_the_parent,
    the_command_line_creates_children_and_lists_accounts,
    bad_create_requests_create_nothing,
    a_token_minted_on_a_descendant_ends_with_it,
);
