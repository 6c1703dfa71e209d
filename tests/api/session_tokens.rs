//! Minting session tokens through the native API, and what a token may do
//! over its life: it acts for the key that minted it, never on keys, and
//! ends when it expires or that key is disabled or revoked.

use std::time::Duration as StdDuration;

use diesel::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use keyward::service::Limits;

use crate::helpers::{
    answered_before, assert_reply, crn, error_body, forbidden, invalid_authentication, key_path,
    keys_path, parse_timestamp, send, spawn_app, spawn_app_with, text, tokens_path, Backend, Reply,
    TestAccount, TestApp,
};

const SCOPES: [&str; 3] = ["card", "show_card", "show_service_code"];

/// A token as minted: the response checked in full.
struct Minted {
    id: String,
    token: String,
    expires_at: String,
}

/// Mints a token of `scope` with `credential`, asks for `ttl` seconds if
/// given, and checks the whole response, `expiresAt` included: `expect_ttl`
/// seconds from now, give or take a few.
fn mint(
    app: &TestApp,
    account: &TestAccount,
    credential: &str,
    scope: &str,
    ttl: Option<i64>,
    expect_ttl: i64,
) -> Minted {
    let mut body = json!({ "scope": scope });
    if let Some(ttl) = ttl {
        body["ttlSeconds"] = json!(ttl);
    }
    let before = OffsetDateTime::now_utc();
    let reply = app.post(&tokens_path(account), Some(credential), &body);
    let after = OffsetDateTime::now_utc();
    assert_eq!(reply.status, 200, "{body}: {:?}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));

    let id = text(&reply.body, "id").to_owned();
    let uuid = uuid::Uuid::parse_str(&id).unwrap_or_else(|e| panic!("{id:?}: {e}"));
    assert_eq!(uuid.get_version_num(), 4, "{id}");
    assert_eq!(uuid.hyphenated().to_string(), id);
    let token = text(&reply.body, "sessionToken").to_owned();
    assert!(token.starts_with("kwst_"), "{token}");
    assert_eq!(token.len(), 67, "{token}");
    assert!(
        token[5..].bytes().all(|b| b.is_ascii_alphanumeric()),
        "{token}"
    );
    assert_eq!(
        token[5..37],
        uuid.simple().to_string(),
        "the token carries its id"
    );
    let expires_at = text(&reply.body, "expiresAt").to_owned();
    let expires = parse_timestamp(&expires_at);
    let slack = Duration::seconds(3);
    let ttl = Duration::seconds(expect_ttl);
    assert!(
        expires >= before + ttl - slack && expires <= after + ttl + slack,
        "expiresAt {expires_at} is not {expect_ttl} s after {before}..{after}"
    );
    assert_eq!(
        reply.body,
        json!({
            "id": id,
            "sessionToken": token,
            "scope": scope,
            "expiresAt": expires_at,
        })
    );
    Minted {
        id,
        token,
        expires_at,
    }
}

/// A 400 in the native shape whatever its message, which is returned.
fn bad_request_message(reply: &Reply) -> String {
    assert_eq!(reply.status, 400, "{:?}", reply.body);
    let message = text(&reply.body, "message").to_owned();
    assert_eq!(reply.body, error_body(400, "Bad Request", &message));
    message
}

fn mint_shows_the_token_once(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let mut ids = Vec::new();
    for scope in SCOPES {
        let minted = mint(&app, &account, &account.owner_key, scope, None, 15 * 60);
        ids.push(minted.id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3);
    assert_eq!(app.count_rows("session_tokens"), 3);

    // Scope: one of three, always given.
    for bad in ["admin", "Card", "show-card", ""] {
        let reply = app.post(
            &tokens_path(&account),
            Some(&account.owner_key),
            &json!({ "scope": bad }),
        );
        assert_reply(
            &reply,
            400,
            &error_body(
                400,
                "Bad Request",
                "scope must be \"card\", \"show_card\" or \"show_service_code\"",
            ),
        );
    }
    for bad in [
        json!({}),
        json!({ "ttlSeconds": 60 }),
        json!({ "scope": null }),
        json!({ "scope": ["card"] }),
        json!({ "scope": "card", "lifetime": 60 }),
        json!("card"),
    ] {
        let reply = app.post(&tokens_path(&account), Some(&account.owner_key), &bad);
        let message = bad_request_message(&reply);
        assert!(message.starts_with("invalid JSON body"), "{bad}: {message}");
    }
    let reply = send(
        app.request("POST", &tokens_path(&account))
            .set("x-api-key", &account.owner_key)
            .set("content-type", "text/plain"),
        Some(br#"{"scope":"card"}"#),
    );
    assert_reply(
        &reply,
        415,
        &error_body(
            415,
            "Unsupported Media Type",
            "content-type must be application/json",
        ),
    );
    let reply = app.get(&tokens_path(&account), Some(&account.owner_key));
    assert_eq!(reply.status, 405, "{:?}", reply.body);
    assert_eq!(reply.header("allow"), Some("POST"));
    assert_eq!(app.count_rows("session_tokens"), 3);
}

fn ttl_seconds_sets_the_lifetime_within_limits(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = account.owner_key.as_str();
    mint(&app, &account, owner, "card", Some(60), 60);
    mint(&app, &account, owner, "card", Some(1), 1);
    mint(&app, &account, owner, "show_card", Some(86_400), 86_400);
    assert_eq!(app.count_rows("session_tokens"), 3);

    let out_of_range = error_body(
        400,
        "Bad Request",
        "the session token lifetime must be between 1 and 86400 seconds",
    );
    for ttl in [json!(0), json!(-1), json!(86_401), json!(i64::MAX)] {
        let reply = app.post(
            &tokens_path(&account),
            Some(owner),
            &json!({ "scope": "card", "ttlSeconds": ttl }),
        );
        assert_reply(&reply, 400, &out_of_range);
    }
    for ttl in [json!("abc"), json!("60"), json!(1.5), json!(true)] {
        let reply = app.post(
            &tokens_path(&account),
            Some(owner),
            &json!({ "scope": "card", "ttlSeconds": ttl }),
        );
        let message = bad_request_message(&reply);
        assert!(message.starts_with("invalid JSON body"), "{ttl}: {message}");
    }
    assert_eq!(app.count_rows("session_tokens"), 3);
}

fn configured_limits_apply(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Limits {
            session_ttl_default_seconds: 300,
            session_ttl_max_seconds: 600,
            ..Limits::default()
        },
    );
    let account = app.create_account("Acme");
    mint(&app, &account, &account.owner_key, "card", None, 300);
    mint(&app, &account, &account.owner_key, "card", Some(600), 600);
    let reply = app.post(
        &tokens_path(&account),
        Some(&account.owner_key),
        &json!({ "scope": "card", "ttlSeconds": 601 }),
    );
    assert_reply(
        &reply,
        400,
        &error_body(
            400,
            "Bad Request",
            "the session token lifetime must be between 1 and 600 seconds",
        ),
    );
    assert_eq!(app.count_rows("session_tokens"), 2);
}

fn the_token_acts_for_its_key(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    for scope in SCOPES {
        let minted = mint(&app, &account, &account.owner_key, scope, None, 15 * 60);
        let reply = app.get("/api/me", Some(&minted.token));
        assert_reply(
            &reply,
            200,
            &json!({
                "accountId": account.id,
                "parentAccountId": null,
                "name": "owner",
                "role": "account-owner",
                "crn": crn(&account, "owner"),
                "scope": scope,
                "expiresAt": minted.expires_at,
            }),
        );
    }

    // A token minted by another key names that key.
    let minter = app.create_key(&account, "minter", "account-owner");
    let minter_key = text(&minter, "secret").to_owned();
    let minted = mint(&app, &account, &minter_key, "show_card", Some(120), 120);
    let reply = app.get("/api/me", Some(&minted.token));
    assert_reply(
        &reply,
        200,
        &json!({
            "accountId": account.id,
            "parentAccountId": null,
            "name": "minter",
            "role": "account-owner",
            "crn": crn(&account, "minter"),
            "scope": "show_card",
            "expiresAt": minted.expires_at,
        }),
    );
}

fn the_token_may_not_touch_keys(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let minted = mint(&app, &account, &account.owner_key, "card", None, 15 * 60);
    let token = minted.token.as_str();
    let owner_before = app.get(&key_path(&account, "owner"), Some(&account.owner_key));
    assert_eq!(owner_before.status, 200);
    let keys_before = app.count_rows("api_keys");
    let tokens_before = app.count_rows("session_tokens");

    for reply in [
        app.get(&keys_path(&account), Some(token)),
        app.post(
            &keys_path(&account),
            Some(token),
            &json!({ "name": "sneaky", "role": "account-owner" }),
        ),
        app.get(&key_path(&account, "owner"), Some(token)),
        app.put(
            &key_path(&account, "owner"),
            Some(token),
            &json!({ "enabled": false }),
        ),
        app.put(
            &key_path(&account, "owner"),
            Some(token),
            &json!({ "description": "taken over" }),
        ),
        app.delete(&key_path(&account, "owner"), Some(token)),
        app.post(
            &tokens_path(&account),
            Some(token),
            &json!({ "scope": "card" }),
        ),
        app.post(
            &tokens_path(&account),
            Some(token),
            &json!({ "scope": "show_card", "ttlSeconds": 86_400 }),
        ),
    ] {
        assert_reply(&reply, 403, &forbidden());
    }

    assert_eq!(app.count_rows("api_keys"), keys_before);
    assert_eq!(app.count_rows("session_tokens"), tokens_before);
    let owner_after = app.get(&key_path(&account, "owner"), Some(&account.owner_key));
    assert_eq!(owner_after.body, owner_before.body);
    // The token itself is unharmed by being refused.
    assert_eq!(app.get("/api/me", Some(token)).status, 200);
}

fn only_owners_mint_and_only_on_their_account(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let other = app.create_account("Globex");
    let terminal = app.create_key(&account, "till1", "merchant-terminal");
    let terminal_key = text(&terminal, "secret").to_owned();

    // A merchant-terminal key mints nothing, whatever it asks for.
    for scope in SCOPES {
        let reply = app.post(
            &tokens_path(&account),
            Some(&terminal_key),
            &json!({ "scope": scope }),
        );
        assert_reply(&reply, 403, &forbidden());
    }
    // Refused before its body is even read.
    let reply = send(
        app.request("POST", &tokens_path(&account))
            .set("x-api-key", &terminal_key)
            .set("content-type", "text/plain"),
        Some(b"not json"),
    );
    assert_reply(&reply, 403, &forbidden());

    // An owner key mints nothing on another account, real or not.
    let elsewhere = [
        tokens_path(&other),
        "/api/accounts/AAAAAAAAAAAAAAAAAAAAAA/session-tokens".to_owned(),
        "/api/accounts/nope/session-tokens".to_owned(),
    ];
    for path in &elsewhere {
        let reply = app.post(path, Some(&account.owner_key), &json!({ "scope": "card" }));
        assert_reply(&reply, 403, &forbidden());
    }
    // No credential, or a bad one.
    let reply = app.post(&tokens_path(&account), None, &json!({ "scope": "card" }));
    assert_reply(
        &reply,
        401,
        &error_body(401, "Unauthorized", "Missing authentication"),
    );
    let reply = app.post(
        &tokens_path(&account),
        Some("kw_not_a_key"),
        &json!({ "scope": "card" }),
    );
    assert_reply(&reply, 401, &invalid_authentication());
    assert_eq!(app.count_rows("session_tokens"), 0);
}

fn tokens_follow_their_key(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let minter = app.create_key(&account, "minter", "account-owner");
    let minter_key = text(&minter, "secret").to_owned();
    let minted = mint(&app, &account, &minter_key, "show_card", None, 15 * 60);
    let token = minted.token.as_str();
    let me_body = json!({
        "accountId": account.id,
        "parentAccountId": null,
        "name": "minter",
        "role": "account-owner",
        "crn": crn(&account, "minter"),
        "scope": "show_card",
        "expiresAt": minted.expires_at,
    });
    assert_reply(&app.get("/api/me", Some(token)), 200, &me_body);

    // Disabled: the token stops at once.
    let path = key_path(&account, "minter");
    let reply = app.put(
        &path,
        Some(&account.owner_key),
        &json!({ "enabled": false }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["enabled"], json!(false));
    assert_reply(
        &app.get("/api/me", Some(token)),
        401,
        &invalid_authentication(),
    );
    assert_reply(
        &app.get("/api/me", Some(&minter_key)),
        401,
        &invalid_authentication(),
    );

    // Enabled again: the key works, but the disable ended its old token for good.
    let reply = app.put(&path, Some(&account.owner_key), &json!({ "enabled": true }));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(app.get("/api/me", Some(&minter_key)).status, 200);
    assert_reply(
        &app.get("/api/me", Some(token)),
        401,
        &invalid_authentication(),
    );
    let verdict = app.post("/api/verify", None, &json!({ "sessionToken": token }));
    assert_eq!(verdict.body, json!({ "valid": false, "code": "DISABLED" }));

    // A token minted after the re-enable works, until the key is revoked.
    let fresh = mint(&app, &account, &minter_key, "show_card", None, 15 * 60);
    let token = fresh.token.as_str();
    let me_body = json!({
        "accountId": account.id,
        "parentAccountId": null,
        "name": "minter",
        "role": "account-owner",
        "crn": crn(&account, "minter"),
        "scope": "show_card",
        "expiresAt": fresh.expires_at,
    });
    assert_reply(&app.get("/api/me", Some(token)), 200, &me_body);

    // Revoked: the token is over for good.
    let reply = app.delete(&path, Some(&account.owner_key));
    assert_eq!(reply.status, 204, "{:?}", reply.body);
    assert_reply(
        &app.get("/api/me", Some(token)),
        401,
        &invalid_authentication(),
    );
    let reply = app.put(&path, Some(&account.owner_key), &json!({ "enabled": true }));
    assert_eq!(reply.status, 409, "{:?}", reply.body);
    assert_reply(
        &app.get("/api/me", Some(token)),
        401,
        &invalid_authentication(),
    );

    // The owner's own tokens were never affected.
    let own = mint(&app, &account, &account.owner_key, "card", None, 15 * 60);
    assert_eq!(app.get("/api/me", Some(&own.token)).status, 200);
}

fn tokens_expire(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Limits {
            session_ttl_default_seconds: 1,
            session_ttl_max_seconds: 86_400,
            ..Limits::default()
        },
    );
    let account = app.create_account("Acme");
    let longer = mint(&app, &account, &account.owner_key, "card", Some(60), 60);
    let minted = mint(&app, &account, &account.owner_key, "card", None, 1);
    let expiry = parse_timestamp(&minted.expires_at);
    if let Some(status) = answered_before(expiry, || app.get("/api/me", Some(&minted.token)).status)
    {
        assert_eq!(status, 200, "works until it expires");
    }

    std::thread::sleep(StdDuration::from_millis(1500));
    assert!(OffsetDateTime::now_utc() > parse_timestamp(&minted.expires_at));
    assert_reply(
        &app.get("/api/me", Some(&minted.token)),
        401,
        &invalid_authentication(),
    );
    assert_eq!(app.get("/api/me", Some(&longer.token)).status, 200);
}

/// Every column of `session_tokens`, as text.
#[derive(QueryableByName, Debug)]
struct TokenRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    api_key_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    scope: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    token_hash: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    created_at: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    expires_at: String,
}

fn the_database_holds_no_plain_token(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let minted = mint(
        &app,
        &account,
        &account.owner_key,
        "show_service_code",
        None,
        15 * 60,
    );
    let owner = app.get(&key_path(&account, "owner"), Some(&account.owner_key));
    let owner_id = text(&owner.body, "id").to_owned();

    let rows: Vec<TokenRow> = {
        let mut conn = app.db.get().expect("connection");
        diesel::sql_query(
            "SELECT id, api_key_id, scope, token_hash, \
             CAST(created_at AS TEXT) AS created_at, CAST(expires_at AS TEXT) AS expires_at \
             FROM session_tokens",
        )
        .load(&mut *conn)
        .expect("read session_tokens")
    };
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(row.id, minted.id);
    assert_eq!(row.api_key_id, owner_id);
    assert_eq!(row.scope, "show_service_code");
    assert_eq!(row.token_hash.len(), 64, "{}", row.token_hash);
    assert!(
        row.token_hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{}",
        row.token_hash
    );
    assert_ne!(row.token_hash, minted.token);
    let digest: String = Sha256::digest(minted.token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(row.token_hash, digest, "stored as its SHA-256");

    // Neither the token nor its random part is in any column.
    let random = &minted.token[37..61];
    for column in [
        &row.id,
        &row.api_key_id,
        &row.scope,
        &row.token_hash,
        &row.created_at,
        &row.expires_at,
    ] {
        assert!(!column.contains(&minted.token), "{column}");
        assert!(!column.contains(random), "{column}");
    }
    // Nor anywhere in the SQLite files.
    if let Some(path) = app.database.sqlite_path() {
        for file in [path.to_owned(), format!("{path}-wal")] {
            if let Ok(bytes) = std::fs::read(&file) {
                assert!(
                    !bytes.windows(random.len()).any(|w| w == random.as_bytes()),
                    "token found in {file}"
                );
            }
        }
    }
    // And the stored form does not authenticate.
    assert_reply(
        &app.get("/api/me", Some(&row.token_hash)),
        401,
        &invalid_authentication(),
    );
}

/// A JSON array is not a mint request, even when its elements line up with
/// the fields; nothing is minted.
fn array_bodies_are_refused(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    for body in [json!(["card"]), json!(["show_card", 60])] {
        let reply = app.post(&tokens_path(&account), Some(&account.owner_key), &body);
        bad_request_message(&reply);
    }
    assert_eq!(app.count_rows("session_tokens"), 0);
}

crate::on_both_backends!(
    mint_shows_the_token_once,
    ttl_seconds_sets_the_lifetime_within_limits,
    configured_limits_apply,
    the_token_acts_for_its_key,
    the_token_may_not_touch_keys,
    only_owners_mint_and_only_on_their_account,
    tokens_follow_their_key,
    tokens_expire,
    the_database_holds_no_plain_token,
    array_bodies_are_refused,
);
