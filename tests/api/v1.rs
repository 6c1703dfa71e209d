//! The `/api/v1` dialect as its clients use it: JSON:API envelopes with
//! snake_case attributes, the credential in `?api_key=`, and errors as
//! `{"errors":[{"status","title","detail"}]}`.

use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

use crate::helpers::{
    crn, key_path, keys_path, parse_timestamp, redacted, send, send_json, spawn_app, v1_error,
    with_key, Backend, Reply, TestAccount, TestApp,
};

/// The attributes of an `api_key` resource, sorted.
const KEY_ATTRIBUTES: [&str; 6] = [
    "api_key",
    "created_at",
    "description",
    "id",
    "revoked_at",
    "status",
];

const SCOPES: [&str; 3] = ["card", "show_card", "show_service_code"];

fn keys_url(credential: &str) -> String {
    format!("/api/v1/api_keys?api_key={credential}")
}

fn key_url(id: &str, credential: &str) -> String {
    format!("/api/v1/api_keys/{id}?api_key={credential}")
}

fn tokens_url(credential: &str) -> String {
    format!("/api/v1/session_tokens?api_key={credential}")
}

/// The `detail` of an error document, after checking status and title.
fn error_detail(reply: &Reply, status: u16, title: &str) -> String {
    assert_eq!(reply.status, status, "{:?}", reply.body);
    let detail = reply.body["errors"][0]["detail"]
        .as_str()
        .unwrap_or_else(|| panic!("no errors[0].detail in {:?}", reply.body))
        .to_owned();
    assert_eq!(reply.body, v1_error(status, title, &detail));
    detail
}

/// The field names of a JSON object, sorted.
fn key_set(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value:?}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {value:?}"))
}

/// A canonical (lower-case, hyphenated) UUID of version 4.
fn assert_uuid_v4(s: &str) -> uuid::Uuid {
    let id = uuid::Uuid::parse_str(s).unwrap_or_else(|e| panic!("{s:?} is not a uuid: {e}"));
    assert_eq!(id.get_version_num(), 4, "{s} is not a v4 uuid");
    assert_eq!(id.hyphenated().to_string(), s, "{s} is not canonical");
    id
}

/// Asserts `t` lies within `[from - slack, to + slack]`.
fn assert_between(t: OffsetDateTime, from: OffsetDateTime, to: OffsetDateTime, what: &str) {
    let slack = Duration::seconds(3);
    assert!(
        t >= from - slack && t <= to + slack,
        "{what} {t} not between {from} and {to}"
    );
}

/// The masked form of a key: `...` and its last six characters.
fn masked(full_key: &str) -> String {
    format!("...{}", &full_key[full_key.len() - 6..])
}

/// An `api_key` resource as every response but the create one shows it.
fn key_resource(
    id: &str,
    full_key: &str,
    description: Value,
    status: &str,
    created_at: &str,
    revoked_at: Value,
) -> Value {
    json!({
        "id": id,
        "type": "api_key",
        "attributes": {
            "id": id,
            "api_key": masked(full_key),
            "description": description,
            "status": status,
            "created_at": created_at,
            "revoked_at": revoked_at,
        }
    })
}

/// The native view of the key `name`, read with the owner key.
fn native_key(app: &TestApp, account: &TestAccount, name: &str) -> Value {
    let reply = app.get(&key_path(&account, name), Some(&account.owner_key));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body
}

/// The owner key as `/api/v1` lists it.
fn owner_resource(app: &TestApp, account: &TestAccount) -> Value {
    let owner = native_key(app, account, "owner");
    key_resource(
        text(&owner, "/id"),
        &account.owner_key,
        Value::Null,
        "active",
        text(&owner, "/createdAt"),
        Value::Null,
    )
}

/// A key created through `/api/v1`, from its create response.
struct Created {
    id: String,
    key: String,
    created_at: String,
}

/// Creates a key through `/api/v1` with `attributes`, checks the response
/// in full and returns what it showed.
fn create_v1(app: &TestApp, credential: &str, attributes: Value) -> Created {
    let description = attributes
        .get("description")
        .cloned()
        .unwrap_or(Value::Null);
    let before = OffsetDateTime::now_utc();
    let reply = app.post(
        &keys_url(credential),
        None,
        &json!({ "api_key": attributes }),
    );
    let after = OffsetDateTime::now_utc();
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body = &reply.body;
    assert_eq!(key_set(body), ["data"]);
    assert_eq!(key_set(&body["data"]), ["attributes", "id", "type"]);
    assert_eq!(key_set(&body["data"]["attributes"]), KEY_ATTRIBUTES);

    let id = text(body, "/data/id").to_owned();
    let uuid = assert_uuid_v4(&id);
    let key = text(body, "/data/attributes/api_key").to_owned();
    assert!(key.starts_with("kw_"), "{key}");
    assert_eq!(key.len(), 65, "{key}");
    assert!(key[3..].bytes().all(|b| b.is_ascii_alphanumeric()), "{key}");
    assert_eq!(
        key[3..35],
        uuid.simple().to_string(),
        "the key carries its id"
    );
    let created_at = text(body, "/data/attributes/created_at").to_owned();
    assert_between(parse_timestamp(&created_at), before, after, "created_at");

    assert_eq!(
        *body,
        json!({
            "data": {
                "id": id,
                "type": "api_key",
                "attributes": {
                    "id": id,
                    "api_key": key,
                    "description": description,
                    "status": "active",
                    "created_at": created_at,
                    "revoked_at": null,
                }
            }
        })
    );
    Created {
        id,
        key,
        created_at,
    }
}

/// `GET /api/me` with `credential`, which must authenticate.
fn me(app: &TestApp, credential: &str) -> Value {
    let reply = app.get("/api/me", Some(credential));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body
}

fn create_shows_the_full_key_once_and_it_works(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let created = create_v1(
        &app,
        &account.owner_key,
        json!({ "description": "Application key" }),
    );

    // The new key authenticates, as an account owner with a generated name.
    let shown = me(&app, &created.key);
    let name = text(&shown, "/name").to_owned();
    assert!(name.starts_with("key"), "{name}");
    assert!(name.len() > 3 && name.len() <= 64, "{name}");
    assert!(name.bytes().all(|b| b.is_ascii_alphanumeric()), "{name}");
    assert_eq!(
        shown,
        json!({
            "accountId": account.id,
            "parentAccountId": null,
            "name": name,
            "role": "account-owner",
            "crn": crn(&account, &name),
        })
    );
    // ... and may itself work the dialect.
    assert_eq!(app.get(&keys_url(&created.key), None).status, 200);

    // Without a description: null. Every key gets a name of its own.
    let bare = create_v1(&app, &account.owner_key, json!({}));
    let bare_name = text(&me(&app, &bare.key), "/name").to_owned();
    assert!(bare_name.starts_with("key"), "{bare_name}");
    assert_ne!(bare_name, name);
    assert_ne!(bare.id, created.id);
    assert_ne!(bare.key, created.key);
    assert_eq!(app.count_rows("api_keys"), 3);
}

fn list_shows_every_key_masked(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let created = create_v1(
        &app,
        &account.owner_key,
        json!({ "description": "Application key" }),
    );

    let reply = app.get(&keys_url(&account.owner_key), None);
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        reply.body,
        json!({
            "data": [
                owner_resource(&app, &account),
                key_resource(
                    &created.id,
                    &created.key,
                    json!("Application key"),
                    "active",
                    &created.created_at,
                    Value::Null,
                ),
            ]
        })
    );
    for item in reply.body["data"].as_array().unwrap() {
        assert_eq!(key_set(item), ["attributes", "id", "type"]);
        assert_eq!(key_set(&item["attributes"]), KEY_ATTRIBUTES);
    }
    let shown = reply.body.to_string();
    assert!(!shown.contains(&created.key), "full key listed: {shown}");
    assert!(
        !shown.contains(&account.owner_key),
        "full key listed: {shown}"
    );
    assert!(!shown.contains("kw_"), "a key listed: {shown}");
}

fn show_one_key_and_nothing_else(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let created = create_v1(
        &app,
        &account.owner_key,
        json!({ "description": "Application key" }),
    );

    let reply = app.get(&key_url(&created.id, &account.owner_key), None);
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        reply.body,
        json!({
            "data": key_resource(
                &created.id,
                &created.key,
                json!("Application key"),
                "active",
                &created.created_at,
                Value::Null,
            )
        })
    );
    assert!(!reply.body.to_string().contains(&created.key));

    let not_found = v1_error(404, "Not Found", "API_KEY_NOT_FOUND");
    let unknown = uuid::Uuid::new_v4().to_string();
    for id in [unknown.as_str(), "not-a-uuid"] {
        let reply = app.get(&key_url(id, &account.owner_key), None);
        assert_eq!(reply.status, 404, "{id}: {:?}", reply.body);
        assert_eq!(reply.body, not_found, "{id}");
    }

    // Another account's key is as unknown as a made-up id, to read or revoke.
    let other = app.create_account("Globex");
    let other_owner = native_key(&app, &other, "owner");
    let other_id = text(&other_owner, "/id");
    let reply = app.get(&key_url(other_id, &account.owner_key), None);
    assert_eq!(reply.status, 404, "{:?}", reply.body);
    assert_eq!(reply.body, not_found);
    let shown = reply.body.to_string();
    assert!(
        !shown.contains(other_id) && !shown.contains(&other.id),
        "{shown}"
    );
    let reply = app.delete(&key_url(other_id, &account.owner_key), None);
    assert_eq!(reply.status, 404, "{:?}", reply.body);
    assert_eq!(reply.body, not_found);
    assert_eq!(native_key(&app, &other, "owner"), other_owner);
    assert_eq!(me(&app, &other.owner_key)["accountId"], json!(other.id));
}

fn revoked_keys_stay_listed_and_stop_working(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let created = create_v1(
        &app,
        &account.owner_key,
        json!({ "description": "Application key" }),
    );
    assert_eq!(app.get(&keys_url(&created.key), None).status, 200);

    let before = OffsetDateTime::now_utc();
    let reply = app.delete(&key_url(&created.id, &account.owner_key), None);
    let after = OffsetDateTime::now_utc();
    assert_eq!(reply.status, 204, "{:?}", reply.body);
    assert_eq!(reply.body, Value::Null);

    let reply = app.get(&key_url(&created.id, &account.owner_key), None);
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let revoked_at = text(&reply.body, "/data/attributes/revoked_at").to_owned();
    assert_between(parse_timestamp(&revoked_at), before, after, "revoked_at");
    assert!(parse_timestamp(&revoked_at) >= parse_timestamp(&created.created_at));
    let revoked = key_resource(
        &created.id,
        &created.key,
        json!("Application key"),
        "revoked",
        &created.created_at,
        json!(revoked_at),
    );
    assert_eq!(reply.body, json!({ "data": revoked }));

    // Every request signed by the revoked key now fails.
    let invalid = v1_error(401, "Unauthorized", "Invalid authentication");
    let reply = app.get(&keys_url(&created.key), None);
    assert_eq!(reply.status, 401, "{:?}", reply.body);
    assert_eq!(reply.body, invalid);
    let reply = app.post(
        &tokens_url(&created.key),
        None,
        &json!({ "session_token": { "scope": "card" } }),
    );
    assert_eq!(reply.status, 401, "{:?}", reply.body);
    assert_eq!(reply.body, invalid);
    assert_eq!(app.get("/api/me", Some(&created.key)).status, 401);

    // Still listed, as revoked; revoking again changes nothing.
    let reply = app.get(&keys_url(&account.owner_key), None);
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        reply.body,
        json!({ "data": [owner_resource(&app, &account), revoked.clone()] })
    );
    let reply = app.delete(&key_url(&created.id, &account.owner_key), None);
    assert_eq!(reply.status, 204, "{:?}", reply.body);
    let reply = app.get(&key_url(&created.id, &account.owner_key), None);
    assert_eq!(reply.body, json!({ "data": revoked }));
}

fn session_tokens_for_each_scope(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    for scope in SCOPES {
        let before = OffsetDateTime::now_utc();
        let reply = app.post(
            &tokens_url(&account.owner_key),
            None,
            &json!({ "session_token": { "scope": scope } }),
        );
        let after = OffsetDateTime::now_utc();
        assert_eq!(reply.status, 200, "{scope}: {:?}", reply.body);
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        let body = &reply.body;
        assert_eq!(key_set(body), ["data"]);
        assert_eq!(key_set(&body["data"]), ["attributes", "id", "type"]);
        assert_eq!(
            key_set(&body["data"]["attributes"]),
            ["expires_at", "scope", "session_token"]
        );
        let id = text(body, "/data/id").to_owned();
        let uuid = assert_uuid_v4(&id);
        let token = text(body, "/data/attributes/session_token").to_owned();
        assert!(token.starts_with("kwst_"), "{token}");
        assert_eq!(token.len(), 67, "{token}");
        assert_eq!(
            token[5..37],
            uuid.simple().to_string(),
            "the token carries its id"
        );
        let expires_at = text(body, "/data/attributes/expires_at").to_owned();
        let fifteen_minutes = Duration::minutes(15);
        assert_between(
            parse_timestamp(&expires_at),
            before + fifteen_minutes,
            after + fifteen_minutes,
            "expires_at",
        );
        assert_eq!(
            *body,
            json!({
                "data": {
                    "id": id,
                    "type": "session_token",
                    "attributes": {
                        "session_token": token,
                        "scope": scope,
                        "expires_at": expires_at,
                    }
                }
            })
        );
        // The token authenticates, with its scope.
        assert_eq!(
            me(&app, &token),
            json!({
                "accountId": account.id,
                "parentAccountId": null,
                "name": "owner",
                "role": "account-owner",
                "crn": crn(&account, "owner"),
                "scope": scope,
                "expiresAt": expires_at,
            })
        );
    }
    assert_eq!(app.count_rows("session_tokens"), 3);

    // Keyward's extension: a lifetime in seconds.
    let before = OffsetDateTime::now_utc();
    let reply = app.post(
        &tokens_url(&account.owner_key),
        None,
        &json!({ "session_token": { "scope": "card", "ttl_seconds": 60 } }),
    );
    let after = OffsetDateTime::now_utc();
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let expires_at = parse_timestamp(text(&reply.body, "/data/attributes/expires_at"));
    let minute = Duration::seconds(60);
    assert_between(expires_at, before + minute, after + minute, "expires_at");
    assert_eq!(app.count_rows("session_tokens"), 4);

    // Anything but the three scopes is refused, and nothing is minted.
    for bad in [
        json!({ "session_token": { "scope": "admin" } }),
        json!({ "session_token": { "scope": "CARD" } }),
        json!({ "session_token": { "scope": "" } }),
    ] {
        let reply = app.post(&tokens_url(&account.owner_key), None, &bad);
        let detail = error_detail(&reply, 400, "Bad Request");
        assert!(detail.contains("scope"), "{bad}: {detail}");
    }
    for bad in [
        json!({ "session_token": {} }),
        json!({ "session_token": { "scope": 1 } }),
        json!({ "scope": "card" }),
        json!({}),
    ] {
        let reply = app.post(&tokens_url(&account.owner_key), None, &bad);
        error_detail(&reply, 400, "Bad Request");
    }
    assert_eq!(app.count_rows("session_tokens"), 4);
}

fn errors_come_in_the_errors_shape(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = account.owner_key.as_str();
    let create = json!({ "api_key": { "description": "Application key" } });

    // No credential at all.
    let missing = v1_error(401, "Unauthorized", "Missing authentication");
    for reply in [
        app.get("/api/v1/api_keys", None),
        app.post("/api/v1/api_keys", None, &create),
        app.post(
            "/api/v1/session_tokens",
            None,
            &json!({ "session_token": { "scope": "card" } }),
        ),
    ] {
        assert_eq!(reply.status, 401, "{:?}", reply.body);
        assert_eq!(reply.body, missing);
    }
    // A credential that is not one, an empty one included.
    for reply in [
        app.get(&keys_url("kw_nonsense"), None),
        app.get("/api/v1/api_keys?api_key=", None),
    ] {
        assert_eq!(reply.status, 401, "{:?}", reply.body);
        assert_eq!(
            reply.body,
            v1_error(401, "Unauthorized", "Invalid authentication")
        );
    }

    // Unknown routes under /api/v1.
    for path in [
        "/api/v1/nothing".to_owned(),
        format!("/api/v1/nothing?api_key={owner}"),
        format!("/api/v1/api_keys/a/b?api_key={owner}"),
    ] {
        let reply = app.get(&path, None);
        assert_eq!(reply.status, 404, "{path}: {:?}", reply.body);
        assert_eq!(reply.body, v1_error(404, "Not Found", "ROUTE_NOT_FOUND"));
    }

    // Known paths, wrong methods.
    let id = uuid::Uuid::new_v4().to_string();
    for (method, path, allow) in [
        ("PUT", keys_url(owner), "GET, POST"),
        ("DELETE", keys_url(owner), "GET, POST"),
        ("PATCH", key_url(&id, owner), "GET, DELETE"),
        ("POST", key_url(&id, owner), "GET, DELETE"),
        ("GET", tokens_url(owner), "POST"),
    ] {
        let reply = send(app.request(method, &path), None);
        assert_eq!(reply.status, 405, "{method} {path}: {:?}", reply.body);
        assert_eq!(reply.header("allow"), Some(allow), "{method} {path}");
        assert_eq!(
            reply.body,
            v1_error(405, "Method Not Allowed", "METHOD_NOT_ALLOWED")
        );
    }

    // Bodies that are not JSON, not declared JSON, or not the right JSON.
    let reply = send(
        app.request("POST", &keys_url(owner))
            .set("content-type", "application/json"),
        Some(b"{\"api_key\":"),
    );
    error_detail(&reply, 400, "Bad Request");
    // JSON is read whatever its label (tests/api/seed_requests.rs); a body
    // that is neither JSON nor a form, labelled as something else, is 415.
    let reply = send(
        app.request("POST", &keys_url(owner))
            .set("content-type", "text/plain"),
        Some(b"api_key: {}"),
    );
    assert_eq!(reply.status, 415, "{:?}", reply.body);
    assert_eq!(
        reply.body,
        v1_error(
            415,
            "Unsupported Media Type",
            "content-type must be application/json"
        )
    );
    for bad in [
        json!({ "api_key": { "description": "x", "colour": "red" } }),
        json!({ "api_key": { "description": "x" }, "extra": true }),
        json!({ "api_key": { "description": 5 } }),
        json!({ "description": "x" }),
        json!([]),
    ] {
        let reply = app.post(&keys_url(owner), None, &bad);
        let detail = error_detail(&reply, 400, "Bad Request");
        assert!(!detail.is_empty(), "{bad}");
    }
    let reply = app.post(
        &keys_url(owner),
        None,
        &json!({ "api_key": { "description": "x", "colour": "red" } }),
    );
    assert!(
        error_detail(&reply, 400, "Bad Request").contains("colour"),
        "{:?}",
        reply.body
    );
    assert_eq!(app.count_rows("api_keys"), 1, "nothing was created");

    // A merchant-terminal key may not manage keys or mint tokens.
    let terminal = create_v1(
        &app,
        owner,
        json!({ "name": "till1", "role": "merchant-terminal" }),
    );
    let forbidden = v1_error(403, "Forbidden", "FORBIDDEN");
    for reply in [
        app.post(&keys_url(&terminal.key), None, &create),
        app.get(&keys_url(&terminal.key), None),
        app.get(&key_url(&terminal.id, &terminal.key), None),
        app.delete(&key_url(&terminal.id, &terminal.key), None),
        app.post(
            &tokens_url(&terminal.key),
            None,
            &json!({ "session_token": { "scope": "card" } }),
        ),
    ] {
        assert_eq!(reply.status, 403, "{:?}", reply.body);
        assert_eq!(reply.body, forbidden);
    }
    // Nor may a session token, even one of the owner.
    let reply = app.post(
        &tokens_url(owner),
        None,
        &json!({ "session_token": { "scope": "card" } }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let token = text(&reply.body, "/data/attributes/session_token").to_owned();
    for reply in [
        app.post(&keys_url(&token), None, &create),
        app.get(&keys_url(&token), None),
        app.delete(&key_url(&terminal.id, &token), None),
        app.post(
            &tokens_url(&token),
            None,
            &json!({ "session_token": { "scope": "card" } }),
        ),
    ] {
        assert_eq!(reply.status, 403, "{:?}", reply.body);
        assert_eq!(reply.body, forbidden);
    }
    assert_eq!(app.count_rows("api_keys"), 2);
    assert_eq!(app.count_rows("session_tokens"), 1);
    assert_eq!(text(&me(&app, &terminal.key), "/role"), "merchant-terminal");
}

fn the_header_works_as_well_as_the_query(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let reply = send_json(
        with_key(
            app.request("POST", "/api/v1/api_keys"),
            Some(&account.owner_key),
        ),
        &json!({ "api_key": { "description": "Application key" } }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let id = text(&reply.body, "/data/id").to_owned();
    let key = text(&reply.body, "/data/attributes/api_key").to_owned();
    let created_at = text(&reply.body, "/data/attributes/created_at").to_owned();

    let reply = app.get("/api/v1/api_keys", Some(&key));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        reply.body,
        json!({
            "data": [
                owner_resource(&app, &account),
                key_resource(&id, &key, json!("Application key"), "active", &created_at, Value::Null),
            ]
        })
    );
    let reply = app.post(
        "/api/v1/session_tokens",
        Some(&key),
        &json!({ "session_token": { "scope": "show_card" } }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
}

fn name_and_role_extensions_are_honoured(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let created = create_v1(
        &app,
        &account.owner_key,
        json!({ "description": "Front till", "name": "till1", "role": "merchant-terminal" }),
    );
    assert_eq!(
        me(&app, &created.key),
        json!({
            "accountId": account.id,
            "parentAccountId": null,
            "name": "till1",
            "role": "merchant-terminal",
            "crn": crn(&account, "till1"),
        })
    );
    let owner_named = create_v1(
        &app,
        &account.owner_key,
        json!({ "name": "backoffice", "role": "account-owner" }),
    );
    assert_eq!(text(&me(&app, &owner_named.key), "/role"), "account-owner");
    assert_eq!(text(&me(&app, &owner_named.key), "/name"), "backoffice");

    // A taken name, a bad name, a bad role.
    let reply = app.post(
        &keys_url(&account.owner_key),
        None,
        &json!({ "api_key": { "name": "till1" } }),
    );
    assert_eq!(reply.status, 409, "{:?}", reply.body);
    assert_eq!(reply.body, v1_error(409, "Conflict", "API_KEY_NAME_TAKEN"));
    for bad in [
        json!({ "name": "till 2" }),
        json!({ "name": "" }),
        json!({ "role": "admin" }),
    ] {
        let reply = app.post(
            &keys_url(&account.owner_key),
            None,
            &json!({ "api_key": bad }),
        );
        error_detail(&reply, 400, "Bad Request");
    }
    assert_eq!(app.count_rows("api_keys"), 3);
}

fn native_and_v1_see_the_same_keys(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");

    // Created through /api/v1, seen natively.
    let created = create_v1(
        &app,
        &account.owner_key,
        json!({ "description": "Application key" }),
    );
    let name = text(&me(&app, &created.key), "/name").to_owned();
    let reply = app.get(&keys_path(&account), Some(&account.owner_key));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let owner = native_key(&app, &account, "owner");
    let v1_native = native_key(&app, &account, &name);
    // The whole native view, with the values the create response showed in
    // by role.
    insta::assert_json_snapshot!(
        "v1_created_key_seen_natively",
        redacted(
            &v1_native,
            &[
                (&created.id, "[id]"),
                (&masked(&created.key), "...[last six of api_key]"),
                (&created.created_at, "[created_at]"),
                (&account.id, "[accountId]"),
                (&name, "[generated name]"),
            ]
        )
    );
    let mut expected = vec![owner.clone(), v1_native.clone()];
    sort_like_the_list(&mut expected);
    assert_eq!(reply.body, Value::Array(expected));

    // Created natively, seen through /api/v1.
    let native = app.create_key(&account, "pos7", "merchant-terminal");
    let native_id = text(&native, "/id").to_owned();
    let native_secret = text(&native, "/secret").to_owned();
    let native_created_at = text(&native, "/createdAt").to_owned();
    let reply = app.get(&key_url(&native_id, &account.owner_key), None);
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let native_v1 = key_resource(
        &native_id,
        &native_secret,
        Value::Null,
        "active",
        &native_created_at,
        Value::Null,
    );
    assert_eq!(reply.body, json!({ "data": native_v1 }));
    let reply = app.get(&keys_url(&account.owner_key), None);
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let data = reply.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 3, "{data:?}");
    assert!(data.contains(&owner_resource(&app, &account)));
    assert!(data.contains(&native_v1));

    // Revoked through /api/v1, revoked natively too.
    let reply = app.delete(&key_url(&native_id, &account.owner_key), None);
    assert_eq!(reply.status, 204, "{:?}", reply.body);
    let shown = native_key(&app, &account, "pos7");
    assert_eq!(shown["status"], json!("revoked"));
    assert_eq!(shown["version"], json!("2"));
    assert!(shown["revokedAt"].is_string(), "{shown:?}");
    assert_eq!(app.get("/api/me", Some(&native_secret)).status, 401);
}

/// Orders native views as the list does: oldest first, then by name.
fn sort_like_the_list(views: &mut [Value]) {
    views.sort_by(|a, b| {
        (text(a, "/createdAt"), text(a, "/name")).cmp(&(text(b, "/createdAt"), text(b, "/name")))
    });
}

/// JSON arrays are not the documented objects, even when their elements
/// line up with the fields; nothing is created.
fn array_bodies_are_refused(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = account.owner_key.as_str();
    let cases = [
        (
            keys_url(owner),
            json!([{ "description": "Application key" }]),
        ),
        (keys_url(owner), json!({ "api_key": ["Application key"] })),
        (
            keys_url(owner),
            json!({ "api_key": ["Application key", "named", "merchant-terminal"] }),
        ),
        (tokens_url(owner), json!([{ "scope": "card" }])),
        (tokens_url(owner), json!({ "session_token": ["card"] })),
        (tokens_url(owner), json!({ "session_token": ["card", 60] })),
    ];
    let mut accepted = Vec::new();
    for (url, body) in &cases {
        let reply = app.post(url, None, body);
        if reply.status == 400 {
            error_detail(&reply, 400, "Bad Request");
        } else {
            accepted.push(format!("{body} -> {} {}", reply.status, reply.body));
        }
    }
    assert!(accepted.is_empty(), "accepted: {accepted:#?}");
    assert_eq!(app.count_rows("api_keys"), 1);
    assert_eq!(app.count_rows("session_tokens"), 0);
}

crate::on_both_backends!(
    create_shows_the_full_key_once_and_it_works,
    list_shows_every_key_masked,
    show_one_key_and_nothing_else,
    revoked_keys_stay_listed_and_stop_working,
    session_tokens_for_each_scope,
    errors_come_in_the_errors_shape,
    the_header_works_as_well_as_the_query,
    name_and_role_extensions_are_honoured,
    native_and_v1_see_the_same_keys,
    array_bodies_are_refused,
);
