//! The requests of both API documents in `../shared/spec/`, sent byte for
//! byte as the documents show them, and what their clients send besides:
//! `/api/v1` bodies that are JSON whatever the content type says, or
//! form-encoded nested fields; a key switching itself off.

use serde_json::{json, Value};

use crate::helpers::{
    crn, error_body, forbidden, key_path, keys_path, send, spawn_app, text, tokens_path, v1_error,
    with_key, Backend, Reply, TestApp,
};

/// The Vaultera document's create request body, as it prints it.
const VAULTERA_CREATE: &str =
    "{\n  \"api_key\": {\n    \"description\": \"API KEY description\"\n  }\n}";

/// The Vaultera document's session token request body, as it prints it.
const VAULTERA_MINT: &str = "{\n  \"session_token\": {\n    \"scope\": \"show_card\"\n  }\n}";

/// `POST path` with `body` and, when given, that content type.
fn post(app: &TestApp, path: &str, content_type: Option<&str>, body: &str) -> Reply {
    let mut req = app.request("POST", path);
    if let Some(content_type) = content_type {
        req = req.set("content-type", content_type);
    }
    send(req, Some(body.as_bytes()))
}

fn v1_created_description(reply: &Reply) -> &str {
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    text(&reply.body["data"]["attributes"], "description")
}

fn vaultera_requests_work_as_written(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let keys = format!("/api/v1/api_keys?api_key={}", account.owner_key);
    let tokens = format!("/api/v1/session_tokens?api_key={}", account.owner_key);
    // As the document shows them: no headers at all. Then as `curl -d`
    // sends them, declared as a form, and as other clients label JSON.
    let labels = [
        None,
        Some("application/x-www-form-urlencoded"),
        Some("text/plain; charset=utf-8"),
        Some("application/json"),
    ];
    for label in labels {
        let reply = post(&app, &keys, label, VAULTERA_CREATE);
        assert_eq!(
            v1_created_description(&reply),
            "API KEY description",
            "{label:?}"
        );
        let reply = post(&app, &tokens, label, VAULTERA_MINT);
        assert_eq!(reply.status, 200, "{label:?}: {:?}", reply.body);
        assert_eq!(reply.body["data"]["attributes"]["scope"], "show_card");
    }
    assert_eq!(app.count_rows("api_keys"), 1 + labels.len() as i64);
    assert_eq!(app.count_rows("session_tokens"), labels.len() as i64);
}

fn v1_takes_form_encoded_nested_fields(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let keys = format!("/api/v1/api_keys?api_key={}", account.owner_key);
    let tokens = format!("/api/v1/session_tokens?api_key={}", account.owner_key);
    let form = Some("application/x-www-form-urlencoded");
    let reply = post(&app, &keys, form, "api_key[description]=x");
    assert_eq!(v1_created_description(&reply), "x");
    // Brackets percent-encoded, `+` for a space, and the extensions.
    let body = "api_key%5Bdescription%5D=Front+till&api_key%5Bname%5D=Till7\
        &api_key%5Brole%5D=merchant-terminal";
    let reply = post(&app, &keys, form, body);
    assert_eq!(v1_created_description(&reply), "Front till");
    let till = app.get(&key_path(&account, "Till7"), Some(&account.owner_key));
    assert_eq!(till.body["role"], "merchant-terminal", "{:?}", till.body);
    let body = "session_token[scope]=card&session_token[ttl_seconds]=300";
    let reply = post(&app, &tokens, form, body);
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["data"]["attributes"]["scope"], "card");
    let expires = text(&reply.body["data"]["attributes"], "expires_at");
    let lifetime = crate::helpers::parse_timestamp(expires) - time::OffsetDateTime::now_utc();
    assert!(
        (295..=300).contains(&lifetime.whole_seconds()),
        "{lifetime}"
    );
    let created = app.count_rows("api_keys");

    // What a form cannot say is refused, and nothing is written.
    let bad_request = |reply: &Reply, needle: &str| {
        assert_eq!(reply.status, 400, "{:?}", reply.body);
        let detail = text(&reply.body["errors"][0], "detail");
        assert!(detail.contains(needle), "{detail:?} lacks {needle:?}");
    };
    bad_request(&post(&app, &keys, form, "api_key[colour]=red"), "colour");
    bad_request(&post(&app, &keys, form, "description=x"), "description");
    bad_request(
        &post(
            &app,
            &keys,
            form,
            "api_key[description]=a&api_key[description]=b",
        ),
        "description",
    );
    bad_request(&post(&app, &keys, form, "api_key[name]=a%20b"), "name");
    let reply = post(
        &app,
        &tokens,
        form,
        "session_token[scope]=card&session_token[ttl_seconds]=x",
    );
    bad_request(&reply, "ttl_seconds");
    // Neither JSON nor a form, and labelled as something else: 415.
    let reply = post(&app, &keys, Some("text/plain"), "description please");
    assert_eq!(reply.status, 415, "{:?}", reply.body);
    assert_eq!(
        reply.body,
        v1_error(
            415,
            "Unsupported Media Type",
            "content-type must be application/json"
        )
    );
    assert_eq!(app.count_rows("api_keys"), created);
}

fn native_api_still_wants_json(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let body = r#"{"name":"Till1","role":"merchant-terminal"}"#;
    let unsupported = error_body(
        415,
        "Unsupported Media Type",
        "content-type must be application/json",
    );
    for label in [
        None,
        Some("application/x-www-form-urlencoded"),
        Some("text/plain"),
    ] {
        let req = with_key(
            app.request("POST", &keys_path(&account)),
            Some(&account.owner_key),
        );
        let req = match label {
            Some(label) => req.set("content-type", label),
            None => req,
        };
        let reply = send(req, Some(body.as_bytes()));
        assert_eq!(
            (reply.status, &reply.body),
            (415, &unsupported),
            "{label:?}"
        );
    }
    assert_eq!(app.count_rows("api_keys"), 1);
}

/// A whole number is a whole number however JSON writes it.
fn integral_numbers_are_integers(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = Some(account.owner_key.as_str());
    let mint = |ttl: Value| {
        app.post(
            &tokens_path(&account),
            owner,
            &json!({"scope": "card", "ttlSeconds": ttl}),
        )
    };
    assert_eq!(mint(json!(225.0)).status, 200);
    assert_eq!(mint(json!(225)).status, 200);
    for bad in [json!(225.5), json!("225"), json!(1e300), json!(true)] {
        let reply = mint(bad.clone());
        assert_eq!(reply.status, 400, "{bad}: {:?}", reply.body);
        assert!(
            text(&reply.body, "message").contains("ttlSeconds"),
            "{:?}",
            reply.body
        );
    }
    assert_eq!(app.count_rows("session_tokens"), 2);
}

fn centrapay_requests_work_as_written(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    // The document's create request, with its headers and its body.
    let req = app
        .request("POST", &keys_path(&account))
        .set("content-type", "application/json")
        .set("x-api-key", &account.owner_key);
    let body = "\n{\n \"name\": \"MyAPIkey\",\n \"role\": \"merchant-terminal\"\n}\n";
    let created = send(req, Some(body.as_bytes()));
    assert_eq!(created.status, 200, "{:?}", created.body);
    assert_eq!(created.body["createdBy"], crn(&account, "owner"));
    let secret = text(&created.body, "secret").to_owned();
    let listed = app.get(&keys_path(&account), Some(&account.owner_key));
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body.as_array().map(Vec::len), Some(2));

    // The document's PUT, made by MyAPIkey itself: a merchant-terminal key
    // may switch itself off, and is then its own `modifiedBy`.
    let req = app
        .request("PUT", &key_path(&account, "MyAPIkey"))
        .set("content-type", "application/json")
        .set("x-api-key", &secret);
    let reply = send(req, Some(b"\n{\n \"enabled\": false\n}\n"));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["enabled"], false);
    assert_eq!(reply.body["version"], "2");
    assert_eq!(reply.body["modifiedBy"], crn(&account, "MyAPIkey"));
    assert_eq!(reply.body["createdBy"], crn(&account, "owner"));
    // Off for good until an owner switches it back on.
    let me = app.get("/api/me", Some(&secret));
    assert_eq!(me.status, 401, "{:?}", me.body);
}

fn a_terminal_may_only_switch_itself_off(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let till = app.create_key(&account, "Till1", "merchant-terminal");
    let other = app.create_key(&account, "Till2", "merchant-terminal");
    let till_secret = text(&till, "secret").to_owned();
    let own = key_path(&account, "Till1");
    let refused = [
        (own.clone(), json!({"enabled": true})),
        (own.clone(), json!({"description": "mine now"})),
        (
            own.clone(),
            json!({"enabled": false, "description": "and this"}),
        ),
        (own.clone(), json!({"enabled": false, "expiresAt": null})),
        // Refused before it is read, like any request it may not make.
        (own.clone(), json!({"enabled": null})),
        (key_path(&account, "Till2"), json!({"enabled": false})),
        (key_path(&account, "owner"), json!({"enabled": false})),
    ];
    for (path, body) in &refused {
        let reply = app.put(path, Some(&till_secret), body);
        assert_eq!(
            (reply.status, &reply.body),
            (403, &forbidden()),
            "{path} {body}"
        );
    }
    // A session token is not a key: it cannot switch its key off.
    let token = app.post(
        &tokens_path(&account),
        Some(&account.owner_key),
        &json!({"scope": "card"}),
    );
    let token = text(&token.body, "sessionToken").to_owned();
    let reply = app.put(
        &key_path(&account, "owner"),
        Some(&token),
        &json!({"enabled": false}),
    );
    assert_eq!((reply.status, &reply.body), (403, &forbidden()));
    // Nothing changed: both terminals are as they were created.
    for (name, created) in [("Till1", &till), ("Till2", &other)] {
        let now = app.get(&key_path(&account, name), Some(&account.owner_key));
        assert_eq!(now.body["version"], "1", "{name}");
        assert_eq!(now.body["enabled"], created["enabled"], "{name}");
    }
    // If-Match holds for the kill switch too.
    let reply = send(
        with_key(app.request("PUT", &own), Some(&till_secret))
            .set("content-type", "application/json")
            .set("if-match", "\"7\""),
        Some(br#"{"enabled": false}"#),
    );
    assert_eq!(reply.status, 412, "{:?}", reply.body);
    let reply = app.put(&own, Some(&till_secret), &json!({"enabled": false}));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["modifiedBy"], crn(&account, "Till1"));
}

crate::on_both_backends!(
    vaultera_requests_work_as_written,
    v1_takes_form_encoded_nested_fields,
    native_api_still_wants_json,
    integral_numbers_are_integers,
    centrapay_requests_work_as_written,
    a_terminal_may_only_switch_itself_off,
);
