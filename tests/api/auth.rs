//! Authentication (`x-api-key`) and what each caller may do.

use keyward::secret::{CredentialKind, Secret};
use serde_json::{json, Value};

use crate::helpers::{
    crn, error_body, forbidden, invalid_authentication, key_path, keys_path, secret_of, send,
    spawn_app, Backend, Reply, TestAccount, TestApp,
};

/// The five key operations on `account_id`, aimed at the key `name`.
fn key_operations(account_id: &str, name: &str) -> Vec<(&'static str, String, Option<Value>)> {
    vec![
        ("GET", keys_path(account_id), None),
        (
            "POST",
            keys_path(account_id),
            Some(json!({ "name": "Intruder", "role": "account-owner" })),
        ),
        ("GET", key_path(account_id, name), None),
        (
            "PUT",
            key_path(account_id, name),
            Some(json!({ "enabled": false })),
        ),
        ("DELETE", key_path(account_id, name), None),
    ]
}

/// Sends `method path` with an optional key and JSON body.
fn call(app: &TestApp, method: &str, path: &str, key: Option<&str>, body: Option<&Value>) -> Reply {
    match (method, body) {
        ("GET", None) => app.get(path, key),
        ("DELETE", None) => app.delete(path, key),
        ("POST", Some(body)) => app.post(path, key, body),
        ("PUT", Some(body)) => app.put(path, key, body),
        other => panic!("no such call {other:?}"),
    }
}

/// Everything an account's owner can see about its keys.
fn snapshot(app: &TestApp, account: &TestAccount) -> Value {
    let reply = app.get(&keys_path(&account.id), Some(&account.owner_key));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body
}

fn missing() -> Value {
    error_body(401, "Unauthorized", "Missing authentication")
}

fn no_key_is_401_on_every_route(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    app.create_key(&account, "Till1", "merchant-terminal");
    let before = snapshot(&app, &account);
    let rows = app.count_rows("api_keys");

    let mut calls = vec![("GET", "/api/me".to_owned(), None)];
    calls.extend(key_operations(&account.id, "Till1"));
    for (method, path, body) in &calls {
        let reply = call(&app, method, path, None, body.as_ref());
        assert_eq!(reply.status, 401, "{method} {path}: {:?}", reply.body);
        assert_eq!(reply.body, missing(), "{method} {path}");
    }
    assert_eq!(app.count_rows("api_keys"), rows);
    assert_eq!(snapshot(&app, &account), before);
}

fn header_name_is_case_insensitive(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    for header in ["X-API-KEY", "X-Api-Key", "x-api-key"] {
        let reply = send(
            app.request("GET", "/api/me")
                .set(header, &account.owner_key),
            None,
        );
        assert_eq!(reply.status, 200, "{header}: {:?}", reply.body);
        assert_eq!(reply.body["accountId"], json!(account.id));
        let reply = send(
            app.request("GET", &keys_path(&account.id))
                .set(header, &account.owner_key),
            None,
        );
        assert_eq!(reply.status, 200, "{header}: {:?}", reply.body);
    }
}

fn every_bad_credential_gets_the_same_401(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let till = app.create_key(&account, "Till1", "merchant-terminal");
    let real = secret_of(&till);
    let off = secret_of(&app.create_key(&account, "Off", "merchant-terminal"));
    let gone = secret_of(&app.create_key(&account, "Gone", "account-owner"));
    let owner = Some(account.owner_key.as_str());
    assert_eq!(
        app.put(
            &key_path(&account.id, "Off"),
            owner,
            &json!({ "enabled": false })
        )
        .status,
        200
    );
    assert_eq!(
        app.delete(&key_path(&account.id, "Gone"), owner).status,
        204
    );
    let rows = app.count_rows("api_keys");
    let before = snapshot(&app, &account);

    let real_id = uuid::Uuid::parse_str(till["id"].as_str().unwrap()).unwrap();
    let mut changed = real.clone().into_bytes();
    changed[40] = if changed[40] == b'a' { b'b' } else { b'a' };
    let changed = String::from_utf8(changed).unwrap();
    let mut upper_cased = real.clone();
    upper_cased.replace_range(3.., &real[3..].to_ascii_uppercase());

    let candidates: Vec<(&str, String)> = vec![
        (
            "well-formed key with an unknown id",
            Secret::generate(CredentialKind::ApiKey, uuid::Uuid::new_v4())
                .expose()
                .to_owned(),
        ),
        (
            "well-formed session token with an unknown id",
            Secret::generate(CredentialKind::SessionToken, uuid::Uuid::new_v4())
                .expose()
                .to_owned(),
        ),
        (
            "wrong secret for a real key id",
            Secret::generate(CredentialKind::ApiKey, real_id)
                .expose()
                .to_owned(),
        ),
        ("nonsense", "nonsense".to_owned()),
        ("prefix only", "kw_".to_owned()),
        ("truncated real key", real[..real.len() - 1].to_owned()),
        ("real key cut in half", real[..32].to_owned()),
        ("real key with one character changed", changed),
        ("real key with a character appended", format!("{real}x")),
        ("real key upper-cased", upper_cased),
        ("real key without its prefix", real[3..].to_owned()),
        (
            "real key with another prefix",
            format!("kwst_{}", &real[3..]),
        ),
        ("disabled key", off),
        ("revoked key", gone),
    ];
    for (what, credential) in &candidates {
        for path in ["/api/me".to_owned(), keys_path(&account.id)] {
            let reply = app.get(&path, Some(credential));
            assert_eq!(reply.status, 401, "{what} on {path}: {:?}", reply.body);
            assert_eq!(reply.body, invalid_authentication(), "{what} on {path}");
        }
        let reply = app.post(
            &keys_path(&account.id),
            Some(credential),
            &json!({ "name": "Intruder", "role": "account-owner" }),
        );
        assert_eq!(reply.status, 401, "{what}: {:?}", reply.body);
        assert_eq!(reply.body, invalid_authentication(), "{what}");
    }
    assert_eq!(app.count_rows("api_keys"), rows);
    assert_eq!(snapshot(&app, &account), before);

    // The real key itself still works after all that.
    let reply = app.get("/api/me", Some(&real));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["name"], "Till1");
}

fn merchant_terminal_may_only_ask_who_it_is(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let till = app.create_key(&account, "Till1", "merchant-terminal");
    let secret = secret_of(&till);
    app.create_key(&account, "Till2", "merchant-terminal");

    let reply = app.get("/api/me", Some(&secret));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        reply.body,
        json!({
            "accountId": account.id,
            "parentAccountId": null,
            "name": "Till1",
            "role": "merchant-terminal",
            "crn": crn(&account, "Till1"),
        })
    );

    let before = snapshot(&app, &account);
    let rows = app.count_rows("api_keys");
    for target in ["Till1", "Till2", "owner", "Nope"] {
        for (method, path, body) in key_operations(&account.id, target) {
            if (target, method) == ("Till1", "PUT") {
                // `{"enabled": false}` on itself is the one change a terminal
                // may make (tests/api/seed_requests.rs).
                continue;
            }
            let reply = call(&app, method, &path, Some(&secret), body.as_ref());
            assert_eq!(reply.status, 403, "{method} {path}: {:?}", reply.body);
            assert_eq!(reply.body, forbidden(), "{method} {path}");
        }
    }
    // Asking for a filtered list is no different.
    let reply = app.get(
        &format!("{}?status=active", keys_path(&account.id)),
        Some(&secret),
    );
    assert_eq!(reply.status, 403);
    assert_eq!(reply.body, forbidden());

    assert_eq!(app.count_rows("api_keys"), rows);
    assert_eq!(snapshot(&app, &account), before);
    assert_eq!(app.get("/api/me", Some(&secret)).status, 200);
}

fn no_key_reaches_another_account(backend: Backend) {
    let app = spawn_app(backend);
    let acme = app.create_account("Acme");
    let globex = app.create_account("Globex");
    let globex_till = app.create_key(&globex, "GlobexTill", "merchant-terminal");
    let acme_till = secret_of(&app.create_key(&acme, "Till1", "merchant-terminal"));
    let acme_admin = secret_of(&app.create_key(&acme, "Admin2", "account-owner"));
    let globex_before = snapshot(&app, &globex);
    let acme_before = snapshot(&app, &acme);
    let rows = app.count_rows("api_keys");

    // 22 letters and digits, like a real id, but no such account.
    let made_up = "Zz0123456789abcdefghij";
    assert_eq!(made_up.len(), 22);

    let callers = [
        ("acme owner", acme.owner_key.clone()),
        ("acme second owner", acme_admin),
        ("acme terminal", acme_till),
    ];
    for target in [globex.id.as_str(), made_up] {
        for name in ["owner", "GlobexTill", "Nope"] {
            for (who, key) in &callers {
                let mut calls = key_operations(target, name);
                // Even a body that could never be valid is refused first for who asks.
                calls.push(("POST", keys_path(target), Some(json!({}))));
                calls.push((
                    "POST",
                    keys_path(target),
                    Some(json!({ "name": "GlobexTill", "role": "account-owner" })),
                ));
                calls.push((
                    "PUT",
                    key_path(target, name),
                    Some(json!({ "enabled": true })),
                ));
                for (method, path, body) in calls {
                    let reply = call(&app, method, &path, Some(key), body.as_ref());
                    assert_eq!(
                        reply.status, 403,
                        "{who}: {method} {path}: {:?}",
                        reply.body
                    );
                    assert_eq!(reply.body, forbidden(), "{who}: {method} {path}");
                }
            }
        }
    }
    assert_eq!(app.count_rows("api_keys"), rows);
    assert_eq!(snapshot(&app, &globex), globex_before);
    assert_eq!(snapshot(&app, &acme), acme_before);
    let reply = app.get("/api/me", globex_till["secret"].as_str());
    assert_eq!(reply.status, 200, "{:?}", reply.body);
}

crate::on_both_backends!(
    no_key_is_401_on_every_route,
    header_name_is_case_insensitive,
    every_bad_credential_gets_the_same_401,
    merchant_terminal_may_only_ask_who_it_is,
    no_key_reaches_another_account,
);
