//! The native key API: create, list, read, change and revoke keys.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{
    crn, error_body, forbidden, invalid_authentication, key_path, keys_path, redacted, rotate_path,
    send, spawn_app, tokens_path, v1_error, with_key, Backend, TestAccount, TestApp,
};

/// Every field a key view has (the create response adds `secret`).
const VIEW_FIELDS: [&str; 16] = [
    "accountId",
    "name",
    "role",
    "enabled",
    "createdAt",
    "createdBy",
    "modifiedAt",
    "modifiedBy",
    "version",
    "id",
    "description",
    "status",
    "revokedAt",
    "expiresAt",
    "lastUsedAt",
    "apiKey",
];

/// `2020-06-01T22:32:56.631Z`: UTC with exactly three fractional digits.
fn is_timestamp(s: &str) -> bool {
    const SHAPE: &[u8] = b"0000-00-00T00:00:00.000Z";
    s.len() == SHAPE.len()
        && s.bytes().zip(SHAPE.iter()).all(|(c, &want)| match want {
            b'0' => c.is_ascii_digit(),
            other => c == other,
        })
}

fn timestamp_field(body: &Value, field: &str) -> String {
    let value = body[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is not a string: {body}"));
    assert!(
        is_timestamp(value),
        "{field} = {value:?} is not a timestamp"
    );
    value.to_owned()
}

/// A lower-case hyphenated version 4 UUID.
fn assert_uuid_v4(s: &str) {
    let id = uuid::Uuid::parse_str(s).unwrap_or_else(|e| panic!("id {s:?}: {e}"));
    assert_eq!(id.get_version_num(), 4, "id {s} is not v4");
    assert_eq!(id.hyphenated().to_string(), s, "id {s} is not canonical");
}

/// `body` without `keys`.
fn without(body: &Value, keys: &[&str]) -> Value {
    let mut body = body.clone();
    let object = body.as_object_mut().expect("a JSON object");
    for key in keys {
        object.remove(*key);
    }
    body
}

/// `body` with `changes` merged in (top level only).
fn with(body: &Value, changes: Value) -> Value {
    let mut body = body.clone();
    let object = body.as_object_mut().expect("a JSON object");
    for (key, value) in changes.as_object().expect("changes object") {
        object.insert(key.clone(), value.clone());
    }
    body
}

fn field_names(body: &Value) -> Vec<String> {
    let mut names: Vec<String> = body
        .as_object()
        .expect("a JSON object")
        .keys()
        .cloned()
        .collect();
    names.sort();
    names
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    names.sort();
    names
}

fn me(app: &TestApp, secret: &str) -> crate::helpers::Reply {
    app.get("/api/me", Some(secret))
}

fn show(app: &TestApp, account: &TestAccount, name: &str) -> Value {
    let reply = app.get(&key_path(account, name), Some(&account.owner_key));
    assert_eq!(reply.status, 200, "GET {name}: {:?}", reply.body);
    reply.body
}

fn list(app: &TestApp, account: &TestAccount, query: &str) -> Value {
    let reply = app.get(
        &format!("{}{query}", keys_path(account)),
        Some(&account.owner_key),
    );
    assert_eq!(reply.status, 200, "list{query}: {:?}", reply.body);
    reply.body
}

/// The one entry of a list named `name`.
fn listed_key(listed: &Value, name: &str) -> Value {
    let matching: Vec<&Value> = listed
        .as_array()
        .expect("a JSON array")
        .iter()
        .filter(|key| key["name"] == name)
        .collect();
    assert_eq!(matching.len(), 1, "{name} in {listed}");
    matching[0].clone()
}

/// Sends a JSON body with extra headers.
fn put_with(
    app: &TestApp,
    path: &str,
    key: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> crate::helpers::Reply {
    let mut req =
        with_key(app.request("PUT", path), Some(key)).set("content-type", "application/json");
    for (name, value) in headers {
        req = req.set(name, value);
    }
    send(req, Some(body.to_string().as_bytes()))
}

fn delete_with(
    app: &TestApp,
    path: &str,
    key: &str,
    headers: &[(&str, &str)],
) -> crate::helpers::Reply {
    let mut req = with_key(app.request("DELETE", path), Some(key));
    for (name, value) in headers {
        req = req.set(name, value);
    }
    send(req, None)
}

/// Lets the clock move on so a later timestamp is strictly later.
fn tick() {
    std::thread::sleep(Duration::from_millis(15));
}

fn create_returns_the_new_key_with_its_secret(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let reply = app.post(
        &keys_path(&account),
        Some(&account.owner_key),
        &json!({ "name": "MyAPIkey", "role": "merchant-terminal" }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.header("etag"), Some("\"1\""));
    let body = &reply.body;

    let mut expected_fields = VIEW_FIELDS.to_vec();
    expected_fields.push("secret");
    assert_eq!(field_names(body), sorted(&expected_fields), "{body}");

    let secret = body["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("kw_"), "{secret}");
    assert_eq!(secret.len(), 65, "{secret}");
    assert!(
        secret[3..].bytes().all(|b| b.is_ascii_alphanumeric()),
        "{secret}"
    );

    let id = body["id"].as_str().expect("id").to_owned();
    assert_uuid_v4(&id);
    let created_at = timestamp_field(body, "createdAt");
    let api_key = format!("...{}", &secret[secret.len() - 6..]);

    // The whole body, with the values checked above in by role.
    insta::assert_json_snapshot!(
        "created_key",
        redacted(
            body,
            &[
                (&secret, "[secret]"),
                (&api_key, "...[last six of secret]"),
                (&id, "[id]"),
                (&created_at, "[createdAt]"),
                (&account.id, "[accountId]"),
            ]
        )
    );
    assert_eq!(app.count_rows("api_keys"), 2);

    // Each key gets its own id and secret.
    let other = app.create_key(&account, "Another", "account-owner");
    assert_ne!(other["id"], body["id"]);
    assert_ne!(other["secret"], body["secret"]);
    assert_eq!(other["role"], "account-owner");
}

fn create_accepts_a_description(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let reply = app.post(
        &keys_path(&account),
        Some(&account.owner_key),
        &json!({ "name": "Till1", "role": "merchant-terminal", "description": "Front till, Queen St" }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["description"], "Front till, Queen St");
    assert_eq!(
        show(&app, &account, "Till1"),
        without(&reply.body, &["secret"])
    );
}

fn new_secret_authenticates_as_the_new_key(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    for (name, role) in [("Till1", "merchant-terminal"), ("Admin2", "account-owner")] {
        let created = app.create_key(&account, name, role);
        let reply = me(&app, created["secret"].as_str().unwrap());
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(
            reply.body,
            json!({
                "accountId": account.id,
                "parentAccountId": null,
                "name": name,
                "role": role,
                "crn": crn(&account, name),
            })
        );
    }
    // A key created by another owner key records that key as its creator.
    let admin = app.create_key(&account, "Admin3", "account-owner");
    let reply = app.post(
        &keys_path(&account),
        admin["secret"].as_str(),
        &json!({ "name": "Till2", "role": "merchant-terminal" }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["createdBy"], json!(crn(&account, "Admin3")));
    assert_eq!(reply.body["modifiedBy"], json!(crn(&account, "Admin3")));
}

fn duplicate_name_conflicts_within_an_account_only(backend: Backend) {
    let app = spawn_app(backend);
    let acme = app.create_account("Acme");
    let globex = app.create_account("Globex");
    let first = app.create_key(&acme, "Till1", "merchant-terminal");
    let rows = app.count_rows("api_keys");

    for (name, role) in [
        ("Till1", "merchant-terminal"),
        ("Till1", "account-owner"),
        ("owner", "account-owner"),
    ] {
        let reply = app.post(
            &keys_path(&acme),
            Some(&acme.owner_key),
            &json!({ "name": name, "role": role }),
        );
        assert_eq!(reply.status, 409, "{name}: {:?}", reply.body);
        assert_eq!(
            reply.body,
            error_body(409, "Conflict", "API_KEY_NAME_TAKEN")
        );
    }
    assert_eq!(app.count_rows("api_keys"), rows);
    // The existing key is untouched and still works.
    assert_eq!(show(&app, &acme, "Till1"), without(&first, &["secret"]));
    assert_eq!(me(&app, first["secret"].as_str().unwrap()).status, 200);

    // The same name in another account is another key.
    let other = app.create_key(&globex, "Till1", "merchant-terminal");
    assert_eq!(other["accountId"], json!(globex.id));
    assert_ne!(other["id"], first["id"]);
    assert_eq!(app.count_rows("api_keys"), rows + 1);
}

fn list_shows_the_accounts_keys_oldest_first(backend: Backend) {
    let app = spawn_app(backend);
    let acme = app.create_account("Acme");
    tick();
    let globex = app.create_account("Globex");
    // Names chosen so alphabetical order differs from creation order.
    let mut created = Vec::new();
    for name in ["Zulu", "Alpha", "Mike"] {
        tick();
        created.push(app.create_key(&acme, name, "merchant-terminal"));
    }
    let foreign = app.create_key(&globex, "Zulu", "account-owner");

    let owner = show(&app, &acme, "owner");
    assert_eq!(field_names(&owner), sorted(&VIEW_FIELDS));
    let owner_created_at = timestamp_field(&owner, "createdAt");
    let owner_id = owner["id"].as_str().unwrap().to_owned();
    assert_uuid_v4(&owner_id);
    assert_eq!(acme.owner_name, "owner");
    // The owner key, made by `keyward accounts create`, as the API shows it.
    insta::assert_json_snapshot!(
        "owner_key_view",
        redacted(
            &owner,
            &[
                (
                    &format!("...{}", &acme.owner_key[acme.owner_key.len() - 6..]),
                    "...[last six of owner secret]",
                ),
                (&owner_id, "[id]"),
                (&owner_created_at, "[createdAt]"),
                (&acme.id, "[accountId]"),
            ]
        )
    );

    let mut expected = vec![owner];
    expected.extend(created.iter().map(|key| without(key, &["secret"])));
    let listed = list(&app, &acme, "");
    assert_eq!(listed, Value::Array(expected));
    for key in listed.as_array().unwrap() {
        assert_eq!(field_names(key), sorted(&VIEW_FIELDS), "{key}");
    }
    let text = listed.to_string();
    assert!(
        !text.contains(&globex.id),
        "another account's key listed: {text}"
    );
    assert!(!text.contains(foreign["id"].as_str().unwrap()));

    let listed = list(&app, &globex, "");
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
    assert_eq!(listed[0]["name"], "owner");
    assert_eq!(listed[1], without(&foreign, &["secret"]));
    assert!(!listed.to_string().contains(&acme.id));
}

fn get_one_key_by_name(backend: Backend) {
    let app = spawn_app(backend);
    let acme = app.create_account("Acme");
    let globex = app.create_account("Globex");
    let created = app.create_key(&acme, "Till1", "merchant-terminal");
    app.create_key(&globex, "OnlyGlobex", "merchant-terminal");

    let reply = app.get(&key_path(&acme, "Till1"), Some(&acme.owner_key));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("etag"), Some("\"1\""));
    assert_eq!(reply.body, without(&created, &["secret"]));
    assert_eq!(listed_key(&list(&app, &acme, ""), "Till1"), reply.body);

    for name in ["Nope", "till1", "OnlyGlobex"] {
        let reply = app.get(&key_path(&acme, name), Some(&acme.owner_key));
        assert_eq!(reply.status, 404, "{name}: {:?}", reply.body);
        assert_eq!(
            reply.body,
            error_body(404, "Not Found", "API_KEY_NOT_FOUND")
        );
    }
}

fn put_enabled_changes_the_key_once(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let admin = app.create_key(&account, "Admin2", "account-owner");
    let admin_secret = admin["secret"].as_str().unwrap().to_owned();
    let created = without(
        &app.create_key(&account, "Till1", "merchant-terminal"),
        &["secret"],
    );
    let created_at = created["createdAt"].as_str().unwrap().to_owned();
    let path = key_path(&account, "Till1");
    tick();

    let disabled = app.put(&path, Some(&admin_secret), &json!({ "enabled": false }));
    assert_eq!(disabled.status, 200, "{:?}", disabled.body);
    assert_eq!(disabled.header("etag"), Some("\"2\""));
    let modified_at = timestamp_field(&disabled.body, "modifiedAt");
    assert!(modified_at > created_at, "{modified_at} <= {created_at}");
    assert_eq!(
        disabled.body,
        with(
            &created,
            json!({
                "enabled": false,
                "version": "2",
                "modifiedAt": modified_at,
                "modifiedBy": crn(&account, "Admin2"),
            })
        )
    );
    assert_eq!(show(&app, &account, "Till1"), disabled.body);

    // The same change again changes nothing.
    tick();
    let again = app.put(
        &path,
        Some(&account.owner_key),
        &json!({ "enabled": false }),
    );
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(again.header("etag"), Some("\"2\""));
    assert_eq!(again.body, disabled.body);
    assert_eq!(show(&app, &account, "Till1"), disabled.body);

    tick();
    let enabled = app.put(&path, Some(&account.owner_key), &json!({ "enabled": true }));
    assert_eq!(enabled.status, 200, "{:?}", enabled.body);
    assert_eq!(enabled.header("etag"), Some("\"3\""));
    let modified_again = timestamp_field(&enabled.body, "modifiedAt");
    assert!(
        modified_again > modified_at,
        "{modified_again} <= {modified_at}"
    );
    assert_eq!(
        enabled.body,
        with(
            &created,
            json!({
                "version": "3",
                "modifiedAt": modified_again,
                "modifiedBy": crn(&account, "owner"),
            })
        )
    );
    assert_eq!(app.count_rows("api_keys"), 3);
}

fn put_description_sets_and_clears_it(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let created = without(
        &app.create_key(&account, "Till1", "merchant-terminal"),
        &["secret"],
    );
    let path = key_path(&account, "Till1");
    let owner = Some(account.owner_key.as_str());

    let set = app.put(&path, owner, &json!({ "description": "Front till" }));
    assert_eq!(set.status, 200, "{:?}", set.body);
    let modified_at = timestamp_field(&set.body, "modifiedAt");
    assert_eq!(
        set.body,
        with(
            &created,
            json!({
                "description": "Front till",
                "version": "2",
                "modifiedAt": modified_at,
                "modifiedBy": crn(&account, "owner"),
            })
        )
    );

    let cleared = app.put(&path, owner, &json!({ "description": null }));
    assert_eq!(cleared.status, 200, "{:?}", cleared.body);
    let modified_at = timestamp_field(&cleared.body, "modifiedAt");
    let expected = with(
        &created,
        json!({
            "version": "3",
            "modifiedAt": modified_at,
            "modifiedBy": crn(&account, "owner"),
        }),
    );
    assert_eq!(cleared.body, expected);

    // Clearing it again is no change.
    let again = app.put(&path, owner, &json!({ "description": null }));
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(again.body, expected);

    // Both fields at once: one change, one version.
    let both = app.put(
        &path,
        owner,
        &json!({ "enabled": false, "description": "Spare" }),
    );
    assert_eq!(both.status, 200, "{:?}", both.body);
    let modified_at = timestamp_field(&both.body, "modifiedAt");
    assert_eq!(
        both.body,
        with(
            &created,
            json!({
                "enabled": false,
                "description": "Spare",
                "version": "4",
                "modifiedAt": modified_at,
                "modifiedBy": crn(&account, "owner"),
            })
        )
    );
    assert_eq!(show(&app, &account, "Till1"), both.body);
}

fn disabled_key_cannot_authenticate_until_enabled(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let created = app.create_key(&account, "Till1", "merchant-terminal");
    let secret = created["secret"].as_str().unwrap().to_owned();
    let path = key_path(&account, "Till1");
    let owner = Some(account.owner_key.as_str());
    let me_body = json!({
        "accountId": account.id,
        "parentAccountId": null,
        "name": "Till1",
        "role": "merchant-terminal",
        "crn": crn(&account, "Till1"),
    });
    assert_eq!(me(&app, &secret).body, me_body);

    assert_eq!(
        app.put(&path, owner, &json!({ "enabled": false })).status,
        200
    );
    let reply = me(&app, &secret);
    assert_eq!(reply.status, 401);
    assert_eq!(reply.body, invalid_authentication());

    assert_eq!(
        app.put(&path, owner, &json!({ "enabled": true })).status,
        200
    );
    let reply = me(&app, &secret);
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body, me_body);

    // A disabled owner key also loses access to the management API.
    let admin = app.create_key(&account, "Admin2", "account-owner");
    let admin_secret = admin["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        app.put(
            &key_path(&account, "Admin2"),
            owner,
            &json!({ "enabled": false })
        )
        .status,
        200
    );
    let reply = app.get(&keys_path(&account), Some(&admin_secret));
    assert_eq!(reply.status, 401);
    assert_eq!(reply.body, invalid_authentication());
}

fn list_filters_by_status_role_and_enabled(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    tick();
    let keep = without(
        &app.create_key(&account, "Keep", "merchant-terminal"),
        &["secret"],
    );
    tick();
    app.create_key(&account, "Gone", "merchant-terminal");
    tick();
    app.create_key(&account, "Off", "merchant-terminal");
    let owner = Some(account.owner_key.as_str());
    assert_eq!(app.delete(&key_path(&account, "Gone"), owner).status, 204);
    assert_eq!(
        app.put(
            &key_path(&account, "Off"),
            owner,
            &json!({ "enabled": false })
        )
        .status,
        200
    );
    let owner_view = show(&app, &account, "owner");
    let gone = show(&app, &account, "Gone");
    let off = show(&app, &account, "Off");

    assert_eq!(
        list(&app, &account, ""),
        json!([owner_view, keep, gone, off])
    );
    // Disabled is not revoked: it still counts as active.
    assert_eq!(
        list(&app, &account, "?status=active"),
        json!([owner_view, keep, off])
    );
    assert_eq!(list(&app, &account, "?status=revoked"), json!([gone]));
    // Role and enabled filter too, and every filter given must hold.
    assert_eq!(
        list(&app, &account, "?role=account-owner"),
        json!([owner_view])
    );
    assert_eq!(
        list(&app, &account, "?role=merchant-terminal"),
        json!([keep, gone, off])
    );
    assert_eq!(list(&app, &account, "?enabled=false"), json!([off]));
    assert_eq!(
        list(&app, &account, "?enabled=true&role=merchant-terminal"),
        json!([keep, gone])
    );
    assert_eq!(
        list(
            &app,
            &account,
            "?enabled=true&role=merchant-terminal&status=active"
        ),
        json!([keep])
    );

    for (query, field) in [
        ("?status=bogus", "status"),
        ("?status=", "status"),
        ("?status=ACTIVE", "status"),
        ("?role=admin", "role"),
        ("?enabled=yes", "enabled"),
        ("?enabled=", "enabled"),
    ] {
        let reply = app.get(&format!("{}{query}", keys_path(&account)), owner);
        assert_eq!(reply.status, 400, "{query}: {:?}", reply.body);
        assert_eq!(
            field_names(&reply.body),
            sorted(&["statusCode", "error", "message"])
        );
        assert_eq!(reply.body["statusCode"], 400);
        assert_eq!(reply.body["error"], "Bad Request");
        let message = reply.body["message"].as_str().unwrap();
        assert!(message.contains(field), "{query}: {message}");
    }
}

fn delete_revokes_the_key_for_good(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let admin = app.create_key(&account, "Admin2", "account-owner");
    let admin_secret = admin["secret"].as_str().unwrap().to_owned();
    let created = app.create_key(&account, "Till1", "merchant-terminal");
    let secret = created["secret"].as_str().unwrap().to_owned();
    let created = without(&created, &["secret"]);
    let created_at = created["createdAt"].as_str().unwrap().to_owned();
    let path = key_path(&account, "Till1");
    let rows = app.count_rows("api_keys");
    // Used once, so any cache of good secrets has seen it.
    assert_eq!(me(&app, &secret).status, 200);
    tick();

    let reply = app.delete(&path, Some(&admin_secret));
    assert_eq!(reply.status, 204, "{:?}", reply.body);
    assert_eq!(reply.body, Value::Null);

    let revoked = show(&app, &account, "Till1");
    let revoked_at = timestamp_field(&revoked, "revokedAt");
    let modified_at = timestamp_field(&revoked, "modifiedAt");
    assert!(revoked_at > created_at, "{revoked_at} <= {created_at}");
    assert!(modified_at >= revoked_at, "{modified_at} < {revoked_at}");
    assert_eq!(
        revoked,
        with(
            &created,
            json!({
                "status": "revoked",
                "revokedAt": revoked_at,
                "version": "2",
                "modifiedAt": modified_at,
                "modifiedBy": crn(&account, "Admin2"),
            })
        )
    );
    // Revocation keeps the record.
    assert_eq!(app.count_rows("api_keys"), rows);
    assert_eq!(listed_key(&list(&app, &account, ""), "Till1"), revoked);

    let reply = me(&app, &secret);
    assert_eq!(reply.status, 401);
    assert_eq!(reply.body, invalid_authentication());

    for change in [
        json!({ "enabled": false }),
        json!({ "enabled": true }),
        json!({ "description": "back again" }),
    ] {
        let reply = app.put(&path, Some(&account.owner_key), &change);
        assert_eq!(reply.status, 409, "{change}: {:?}", reply.body);
        assert_eq!(reply.body, error_body(409, "Conflict", "API_KEY_REVOKED"));
    }
    assert_eq!(show(&app, &account, "Till1"), revoked);

    tick();
    let reply = app.delete(&path, Some(&account.owner_key));
    assert_eq!(reply.status, 204, "{:?}", reply.body);
    assert_eq!(reply.body, Value::Null);
    assert_eq!(show(&app, &account, "Till1"), revoked);
    assert_eq!(me(&app, &secret).status, 401);

    // The name stays taken.
    let reply = app.post(
        &keys_path(&account),
        Some(&account.owner_key),
        &json!({ "name": "Till1", "role": "merchant-terminal" }),
    );
    assert_eq!(reply.status, 409);
    assert_eq!(
        reply.body,
        error_body(409, "Conflict", "API_KEY_NAME_TAKEN")
    );

    let reply = app.delete(&key_path(&account, "Nope"), Some(&account.owner_key));
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.body,
        error_body(404, "Not Found", "API_KEY_NOT_FOUND")
    );
}

fn if_match_guards_changes(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    app.create_key(&account, "Till1", "merchant-terminal");
    let path = key_path(&account, "Till1");
    let owner = account.owner_key.clone();
    let mismatch = error_body(412, "Precondition Failed", "VERSION_MISMATCH");

    let reply = put_with(
        &app,
        &path,
        &owner,
        &[("if-match", "\"1\"")],
        &json!({ "enabled": false }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["version"], "2");
    assert_eq!(reply.body["enabled"], false);
    let at_two = show(&app, &account, "Till1");
    assert_eq!(reply.body, at_two);

    for stale in ["\"1\"", "\"3\"", "1"] {
        let reply = put_with(
            &app,
            &path,
            &owner,
            &[("if-match", stale)],
            &json!({ "enabled": true }),
        );
        assert_eq!(reply.status, 412, "{stale}: {:?}", reply.body);
        assert_eq!(reply.body, mismatch);
        let reply = delete_with(&app, &path, &owner, &[("if-match", stale)]);
        assert_eq!(reply.status, 412, "{stale}: {:?}", reply.body);
        assert_eq!(reply.body, mismatch);
    }
    assert_eq!(show(&app, &account, "Till1"), at_two);

    let reply = put_with(
        &app,
        &path,
        &owner,
        &[("if-match", "\"2\"")],
        &json!({ "enabled": true }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["version"], "3");
    assert_eq!(reply.body["enabled"], true);

    let reply = delete_with(&app, &path, &owner, &[("if-match", "\"3\"")]);
    assert_eq!(reply.status, 204, "{:?}", reply.body);
    let revoked = show(&app, &account, "Till1");
    assert_eq!(revoked["status"], "revoked");
    assert_eq!(revoked["version"], "4");
}

/// A request: method, path, headers, body.
type Attempt<'a> = (&'a str, String, Vec<(&'a str, &'a str)>, &'a [u8]);

/// A caller who may not act learns nothing from validation: whatever is
/// wrong with the request, a key without the permission gets 403 and
/// nothing changes (the operation authorizes before it reads the command).
fn forbidden_comes_before_any_validation_error(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let till = app.create_key(&account, "Till", "merchant-terminal");
    let till_key = till["secret"].as_str().expect("secret");
    let keys_before = app.count_rows("api_keys");
    let requests: Vec<Attempt> = vec![
        (
            "POST",
            keys_path(&account),
            vec![("content-type", "application/json")],
            b"{\"name\": 7}",
        ),
        (
            "POST",
            keys_path(&account),
            vec![("content-type", "text/plain")],
            b"x",
        ),
        (
            "GET",
            format!("{}?status=bogus", keys_path(&account)),
            vec![],
            b"",
        ),
        (
            "PUT",
            key_path(&account, "Till"),
            vec![
                ("content-type", "application/json"),
                ("if-match", "not-a-version"),
            ],
            b"{}",
        ),
        (
            "PUT",
            key_path(&account, "Till"),
            vec![("content-type", "application/json")],
            b"[]",
        ),
        (
            "DELETE",
            key_path(&account, "Till"),
            vec![("if-match", "nope")],
            b"",
        ),
        (
            "POST",
            rotate_path(&account, "Till"),
            vec![("content-type", "application/json")],
            b"{\"gracePeriodSeconds\": -1}",
        ),
        (
            "GET",
            format!("{}/events?limit=0", key_path(&account, "Till")),
            vec![],
            b"",
        ),
        (
            "POST",
            tokens_path(&account),
            vec![("content-type", "application/json")],
            b"{\"scope\": \"nope\"}",
        ),
    ];
    for (method, path, headers, body) in requests {
        let mut request = with_key(app.request(method, &path), Some(till_key));
        for (name, value) in headers {
            request = request.set(name, value);
        }
        let reply = send(request, (!body.is_empty()).then_some(body));
        assert_eq!(
            (reply.status, reply.body),
            (403, forbidden()),
            "{method} {path}"
        );
    }
    let v1 = send(
        with_key(app.request("POST", "/api/v1/api_keys"), Some(till_key))
            .set("content-type", "application/json"),
        Some(b"{\"api_key\": {\"role\": \"nope\"}}"),
    );
    assert_eq!(
        (v1.status, v1.body),
        (403, v1_error(403, "Forbidden", "FORBIDDEN"))
    );
    assert_eq!(
        app.count_rows("api_keys"),
        keys_before,
        "nothing was created"
    );
    let till_now = app.get(&key_path(&account, "Till"), Some(&account.owner_key));
    assert_eq!(till_now.body["version"], "1", "nothing was changed");
}

crate::on_both_backends!(
    forbidden_comes_before_any_validation_error,
    create_returns_the_new_key_with_its_secret,
    create_accepts_a_description,
    new_secret_authenticates_as_the_new_key,
    duplicate_name_conflicts_within_an_account_only,
    list_shows_the_accounts_keys_oldest_first,
    get_one_key_by_name,
    put_enabled_changes_the_key_once,
    put_description_sets_and_clears_it,
    disabled_key_cannot_authenticate_until_enabled,
    list_filters_by_status_role_and_enabled,
    delete_revokes_the_key_for_good,
    if_match_guards_changes,
);
