//! `POST /api/verify`: another service asks whether a credential it was
//! handed is good, and for whom. The body is the proof; no caller key.

use std::time::Duration;

use keyward::secret::{CredentialKind, Secret};
use serde_json::{json, Value};

use crate::helpers::{
    answered_before, crn, error_body, key_path, parse_timestamp, send, spawn_app, text,
    tokens_path, Backend, Reply, TestAccount, TestApp,
};

fn verify(app: &TestApp, body: &Value) -> Reply {
    app.post("/api/verify", None, body)
}

/// Verifies `body` and asserts the whole 200 answer.
fn assert_verdict(app: &TestApp, body: &Value, expected: &Value) {
    let reply = verify(app, body);
    assert_eq!(reply.status, 200, "{body}: {:?}", reply.body);
    assert_eq!(&reply.body, expected, "{body}");
}

fn invalid(code: &str) -> Value {
    json!({ "valid": false, "code": code })
}

/// The id of the key `name`, read with the owner key.
fn key_id(app: &TestApp, account: &TestAccount, name: &str) -> String {
    let reply = app.get(&key_path(account, name), Some(&account.owner_key));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    text(&reply.body, "id").to_owned()
}

/// Mints a token with `credential`; returns the mint response.
fn mint(app: &TestApp, account: &TestAccount, credential: &str, body: &Value) -> Value {
    let reply = app.post(&tokens_path(&account), Some(credential), body);
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body
}

fn set_enabled(app: &TestApp, account: &TestAccount, name: &str, enabled: bool) {
    let reply = app.put(
        &key_path(account, name),
        Some(&account.owner_key),
        &json!({ "enabled": enabled }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
}

fn revoke(app: &TestApp, account: &TestAccount, name: &str) {
    let reply = app.delete(&key_path(account, name), Some(&account.owner_key));
    assert_eq!(reply.status, 204, "{:?}", reply.body);
}

/// A well-formed credential of `kind` carrying `id`, with a secret nobody holds.
fn forged(kind: CredentialKind, id: &str) -> String {
    let id = uuid::Uuid::parse_str(id).expect("uuid");
    Secret::generate(kind, id).expose().to_owned()
}

fn a_valid_key_names_its_holder(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner_id = key_id(&app, &account, "owner");
    assert_verdict(
        &app,
        &json!({ "key": account.owner_key }),
        &json!({
            "valid": true,
            "code": "VALID",
            "accountId": account.id,
            "parentAccountId": null,
            "keyId": owner_id,
            "name": "owner",
            "role": "account-owner",
            "crn": crn(&account, "owner"),
        }),
    );

    let terminal = app.create_key(&account, "till1", "merchant-terminal");
    let terminal_key = text(&terminal, "secret");
    let expected = json!({
        "valid": true,
        "code": "VALID",
        "accountId": account.id,
        "parentAccountId": null,
        "keyId": text(&terminal, "id"),
        "name": "till1",
        "role": "merchant-terminal",
        "crn": crn(&account, "till1"),
    });
    assert_verdict(&app, &json!({ "key": terminal_key }), &expected);
    // Asking twice gives the same answer (the second from the cache).
    assert_verdict(&app, &json!({ "key": terminal_key }), &expected);

    // A caller credential is neither needed nor consulted.
    let reply = send(
        app.request("POST", "/api/verify")
            .set("x-api-key", terminal_key)
            .set("content-type", "application/json"),
        Some(json!({ "key": account.owner_key }).to_string().as_bytes()),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["name"], json!("owner"));
}

fn a_valid_session_token_names_its_key_and_scope(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner_id = key_id(&app, &account, "owner");
    for scope in ["card", "show_card", "show_service_code"] {
        let minted = mint(
            &app,
            &account,
            &account.owner_key,
            &json!({ "scope": scope }),
        );
        assert_verdict(
            &app,
            &json!({ "sessionToken": minted["sessionToken"] }),
            &json!({
                "valid": true,
                "code": "VALID",
                "accountId": account.id,
                "parentAccountId": null,
                "keyId": owner_id,
                "name": "owner",
                "role": "account-owner",
                "crn": crn(&account, "owner"),
                "scope": scope,
                "expiresAt": minted["expiresAt"],
            }),
        );
    }
}

fn malformed_credentials(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let key = account.owner_key.as_str();
    let minted = mint(&app, &account, key, &json!({ "scope": "card" }));
    let token = text(&minted, "sessionToken");

    let mut changed = key.as_bytes().to_vec();
    changed[40] = if changed[40] == b'a' { b'b' } else { b'a' };
    let changed = String::from_utf8(changed).unwrap();
    let upper_prefix = format!("KW_{}", &key[3..]);
    let padded = format!(" {key}");
    for bad in [
        "garbage",
        "",
        "kw_",
        &key[..64],
        &format!("{key}x"),
        &changed,
        &upper_prefix,
        &padded,
        // A session token is not a key.
        token,
    ] {
        assert_verdict(&app, &json!({ "key": bad }), &invalid("MALFORMED"));
    }
    for bad in ["garbage", "", "kwst_", &token[..66], key] {
        assert_verdict(&app, &json!({ "sessionToken": bad }), &invalid("MALFORMED"));
    }
}

fn unknown_ids_and_wrong_secrets_are_not_found(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let victim = app.create_key(&account, "victim", "account-owner");
    let victim_key = text(&victim, "secret").to_owned();
    let victim_id = text(&victim, "id").to_owned();
    let minted = mint(&app, &account, &victim_key, &json!({ "scope": "card" }));
    let token_id = text(&minted, "id").to_owned();
    let not_found = invalid("NOT_FOUND");

    let unknown = uuid::Uuid::new_v4().to_string();
    let wrong_key = forged(CredentialKind::ApiKey, &victim_id);
    let wrong_token = forged(CredentialKind::SessionToken, &token_id);
    let probes = [
        json!({ "key": forged(CredentialKind::ApiKey, &unknown) }),
        json!({ "sessionToken": forged(CredentialKind::SessionToken, &unknown) }),
        json!({ "key": wrong_key }),
        json!({ "sessionToken": wrong_token }),
        // A token's id is not a key's, nor the other way round.
        json!({ "key": forged(CredentialKind::ApiKey, &token_id) }),
        json!({ "sessionToken": forged(CredentialKind::SessionToken, &victim_id) }),
    ];
    // The real ones are valid, and known to the cache.
    assert_eq!(
        verify(&app, &json!({ "key": victim_key })).body["code"],
        "VALID"
    );
    assert_eq!(
        verify(&app, &json!({ "sessionToken": minted["sessionToken"] })).body["code"],
        "VALID"
    );
    for probe in &probes {
        assert_verdict(&app, probe, &not_found);
    }

    // Without the secret, nothing is learnt about the key's state.
    set_enabled(&app, &account, "victim", false);
    assert_eq!(
        verify(&app, &json!({ "key": victim_key })).body["code"],
        "DISABLED"
    );
    for probe in &probes {
        assert_verdict(&app, probe, &not_found);
    }
    revoke(&app, &account, "victim");
    assert_eq!(
        verify(&app, &json!({ "key": victim_key })).body["code"],
        "REVOKED"
    );
    for probe in &probes {
        assert_verdict(&app, probe, &not_found);
    }
}

fn disabled_and_revoked_keys_and_their_tokens(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let minter = app.create_key(&account, "minter", "account-owner");
    let minter_key = text(&minter, "secret").to_owned();
    let minted = mint(
        &app,
        &account,
        &minter_key,
        &json!({ "scope": "show_card" }),
    );
    let as_key = json!({ "key": minter_key });
    let as_token = json!({ "sessionToken": minted["sessionToken"] });
    let key_valid = json!({
        "valid": true,
        "code": "VALID",
        "accountId": account.id,
        "parentAccountId": null,
        "keyId": minter["id"],
        "name": "minter",
        "role": "account-owner",
        "crn": crn(&account, "minter"),
    });
    let mut token_valid = key_valid.clone();
    token_valid["scope"] = json!("show_card");
    token_valid["expiresAt"] = minted["expiresAt"].clone();
    assert_verdict(&app, &as_key, &key_valid);
    assert_verdict(&app, &as_token, &token_valid);

    set_enabled(&app, &account, "minter", false);
    assert_verdict(&app, &as_key, &invalid("DISABLED"));
    assert_verdict(&app, &as_token, &invalid("DISABLED"));

    // Enabled again: the key is valid, its token stays ended by the disable.
    set_enabled(&app, &account, "minter", true);
    assert_verdict(&app, &as_key, &key_valid);
    assert_verdict(&app, &as_token, &invalid("DISABLED"));

    // Revoked while disabled or not: revoked wins.
    set_enabled(&app, &account, "minter", false);
    revoke(&app, &account, "minter");
    assert_verdict(&app, &as_key, &invalid("REVOKED"));
    assert_verdict(&app, &as_token, &invalid("REVOKED"));

    let other = app.create_key(&account, "other", "merchant-terminal");
    revoke(&app, &account, "other");
    assert_verdict(
        &app,
        &json!({ "key": other["secret"] }),
        &invalid("REVOKED"),
    );
}

fn expired_tokens(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let short = mint(
        &app,
        &account,
        &account.owner_key,
        &json!({ "scope": "card", "ttlSeconds": 1 }),
    );
    let as_token = json!({ "sessionToken": short["sessionToken"] });
    let expiry = parse_timestamp(text(&short, "expiresAt"));
    if let Some(code) = answered_before(expiry, || verify(&app, &as_token).body["code"].clone()) {
        assert_eq!(code, "VALID", "valid until it expires");
    }
    std::thread::sleep(Duration::from_millis(1500));
    assert_verdict(&app, &as_token, &invalid("EXPIRED"));

    // Disabled and revoked are reported before expiry.
    let minter = app.create_key(&account, "minter", "account-owner");
    let minted = mint(
        &app,
        &account,
        text(&minter, "secret"),
        &json!({ "scope": "card", "ttlSeconds": 1 }),
    );
    std::thread::sleep(Duration::from_millis(1100));
    let as_token = json!({ "sessionToken": minted["sessionToken"] });
    assert_verdict(&app, &as_token, &invalid("EXPIRED"));
    set_enabled(&app, &account, "minter", false);
    assert_verdict(&app, &as_token, &invalid("DISABLED"));
}

fn bodies_that_are_not_one_credential(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let key = account.owner_key.as_str();
    let minted = mint(&app, &account, key, &json!({ "scope": "card" }));
    let token = text(&minted, "sessionToken");

    let one_of = error_body(400, "Bad Request", "give exactly one of key, sessionToken");
    for body in [
        json!({ "key": key, "sessionToken": token }),
        json!({}),
        json!({ "key": null }),
        json!({ "sessionToken": null }),
    ] {
        let reply = verify(&app, &body);
        assert_eq!(reply.status, 400, "{body}: {:?}", reply.body);
        assert_eq!(reply.body, one_of, "{body}");
    }
    for body in [
        json!({ "key": 123 }),
        json!({ "key": [key] }),
        json!({ "sessionToken": true }),
        json!({ "sessionToken": { "value": token } }),
        json!({ "key": key, "extra": 1 }),
        json!({ "session_token": token }),
        json!(key),
        json!(null),
    ] {
        let reply = verify(&app, &body);
        assert_eq!(reply.status, 400, "{body}: {:?}", reply.body);
        let message = text(&reply.body, "message").to_owned();
        assert!(
            message.starts_with("invalid JSON body"),
            "{body}: {message}"
        );
        assert_eq!(
            reply.body,
            error_body(400, "Bad Request", &message),
            "{body}"
        );
    }
    for raw in [&b"not json"[..], b"{\"key\":", b""] {
        let reply = send(
            app.request("POST", "/api/verify")
                .set("content-type", "application/json"),
            Some(raw),
        );
        assert_eq!(reply.status, 400, "{raw:?}: {:?}", reply.body);
        let message = text(&reply.body, "message").to_owned();
        assert_eq!(reply.body, error_body(400, "Bad Request", &message));
    }
    let reply = send(
        app.request("POST", "/api/verify")
            .set("content-type", "text/plain"),
        Some(json!({ "key": key }).to_string().as_bytes()),
    );
    assert_eq!(reply.status, 415, "{:?}", reply.body);
    assert_eq!(
        reply.body,
        error_body(
            415,
            "Unsupported Media Type",
            "content-type must be application/json"
        )
    );
    let reply = app.get("/api/verify", None);
    assert_eq!(reply.status, 405, "{:?}", reply.body);
    assert_eq!(reply.header("allow"), Some("POST"));
    assert_eq!(
        reply.body,
        error_body(405, "Method Not Allowed", "METHOD_NOT_ALLOWED")
    );
}

/// A JSON array is not an object with one credential in it, even when its
/// elements line up with the fields.
fn array_bodies_are_refused(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let key = account.owner_key.as_str();
    for body in [
        json!([]),
        json!([key]),
        json!([null, key]),
        json!([key, null]),
    ] {
        let reply = verify(&app, &body);
        assert_eq!(reply.status, 400, "{body}: {:?}", reply.body);
        let message = text(&reply.body, "message").to_owned();
        assert_eq!(
            reply.body,
            error_body(400, "Bad Request", &message),
            "{body}"
        );
    }
}

crate::on_both_backends!(
    a_valid_key_names_its_holder,
    a_valid_session_token_names_its_key_and_scope,
    malformed_credentials,
    unknown_ids_and_wrong_secrets_are_not_found,
    disabled_and_revoked_keys_and_their_tokens,
    expired_tokens,
    bodies_that_are_not_one_credential,
    array_bodies_are_refused,
);
