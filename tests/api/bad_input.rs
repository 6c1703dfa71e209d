//! Malformed requests: every one is refused with a native error body and
//! writes nothing.

use serde_json::{json, Value};

use crate::helpers::{
    error_body, key_path, keys_path, send, spawn_app, Backend, Reply, TestAccount, TestApp,
};

/// (what, method, path, headers, raw body (`None`: no body at all),
/// expected status, a word the message must contain).
type Case = (
    String,
    &'static str,
    String,
    Vec<(&'static str, String)>,
    Option<Vec<u8>>,
    u16,
    Option<&'static str>,
);

fn json_headers(account: &TestAccount) -> Vec<(&'static str, String)> {
    vec![
        ("x-api-key", account.owner_key.clone()),
        ("content-type", "application/json".to_owned()),
    ]
}

/// A JSON request by the account's owner.
fn json_case(
    account: &TestAccount,
    what: &str,
    method: &'static str,
    path: String,
    body: &[u8],
    status: u16,
    contains: Option<&'static str>,
) -> Case {
    (
        what.to_owned(),
        method,
        path,
        json_headers(account),
        Some(body.to_vec()),
        status,
        contains,
    )
}

/// A request by the account's owner with no body.
fn bare_case(
    account: &TestAccount,
    what: &str,
    method: &'static str,
    path: String,
    extra: &[(&'static str, &str)],
    status: u16,
    contains: Option<&'static str>,
) -> Case {
    let mut headers = vec![("x-api-key", account.owner_key.clone())];
    headers.extend(
        extra
            .iter()
            .map(|(name, value)| (*name, (*value).to_owned())),
    );
    (
        what.to_owned(),
        method,
        path,
        headers,
        None,
        status,
        contains,
    )
}

/// A create body whose description pads it to exactly `len` bytes.
fn padded_create_body(len: usize) -> Vec<u8> {
    let empty = json!({ "name": "Big", "role": "account-owner", "description": "" }).to_string();
    let padding = "x".repeat(len - empty.len());
    let body =
        json!({ "name": "Big", "role": "account-owner", "description": padding }).to_string();
    assert_eq!(body.len(), len);
    body.into_bytes()
}

fn run(app: &TestApp, case: &Case) -> Reply {
    let (_, method, path, headers, body, _, _) = case;
    let mut req = app.request(method, path);
    for (name, value) in headers {
        req = req.set(name, value);
    }
    send(req, body.as_deref())
}

fn show(app: &TestApp, account: &TestAccount, name: &str) -> Value {
    let reply = app.get(&key_path(account, name), Some(&account.owner_key));
    assert_eq!(reply.status, 200, "GET {name}: {:?}", reply.body);
    reply.body
}

fn malformed_requests_are_refused_and_write_nothing(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let a = &account;
    app.create_key(a, "Till1", "merchant-terminal");
    let rows = app.count_rows("api_keys");
    let till_before = show(&app, a, "Till1");
    let owner_before = show(&app, a, "owner");
    let keys = keys_path(a);
    let till = key_path(a, "Till1");

    let mut cases: Vec<Case> = vec![
        // Not JSON, or not the JSON expected.
        json_case(
            a,
            "malformed JSON",
            "POST",
            keys.clone(),
            b"{name: Till2, role: account-owner}",
            400,
            Some("JSON"),
        ),
        json_case(
            a,
            "truncated JSON",
            "POST",
            keys.clone(),
            br#"{"name":"Till2","ro"#,
            400,
            Some("JSON"),
        ),
        json_case(
            a,
            "empty body",
            "POST",
            keys.clone(),
            b"",
            400,
            Some("JSON"),
        ),
        json_case(
            a,
            "whitespace body",
            "POST",
            keys.clone(),
            b"  \n ",
            400,
            Some("JSON"),
        ),
        json_case(
            a,
            "JSON array",
            "POST",
            keys.clone(),
            br#"[{"name":"Till2","role":"account-owner"}]"#,
            400,
            None,
        ),
        json_case(a, "JSON number", "POST", keys.clone(), b"42", 400, None),
        json_case(
            a,
            "JSON string",
            "POST",
            keys.clone(),
            br#""Till2""#,
            400,
            None,
        ),
        json_case(a, "JSON null", "POST", keys.clone(), b"null", 400, None),
        json_case(
            a,
            "two JSON objects",
            "POST",
            keys.clone(),
            br#"{"name":"Till2","role":"account-owner"}{}"#,
            400,
            None,
        ),
        json_case(
            a,
            "invalid UTF-8 in a string",
            "POST",
            keys.clone(),
            b"{\"name\":\"Till\xff\",\"role\":\"account-owner\"}",
            400,
            None,
        ),
        json_case(
            a,
            "invalid UTF-8 outside strings",
            "POST",
            keys.clone(),
            b"\xfe\xff{}",
            400,
            None,
        ),
        // Wrong types and nulls.
        json_case(
            a,
            "name is a number",
            "POST",
            keys.clone(),
            br#"{"name":1,"role":"account-owner"}"#,
            400,
            Some("invalid type"),
        ),
        json_case(
            a,
            "name is an array",
            "POST",
            keys.clone(),
            br#"{"name":["Till2"],"role":"account-owner"}"#,
            400,
            Some("invalid type"),
        ),
        json_case(
            a,
            "role is a boolean",
            "POST",
            keys.clone(),
            br#"{"name":"Till2","role":true}"#,
            400,
            Some("invalid type"),
        ),
        json_case(
            a,
            "description is a number",
            "POST",
            keys.clone(),
            br#"{"name":"Till2","role":"account-owner","description":7}"#,
            400,
            Some("invalid type"),
        ),
        json_case(
            a,
            "name is null",
            "POST",
            keys.clone(),
            br#"{"name":null,"role":"account-owner"}"#,
            400,
            Some("null"),
        ),
        json_case(
            a,
            "role is null",
            "POST",
            keys.clone(),
            br#"{"name":"Till2","role":null}"#,
            400,
            Some("null"),
        ),
        json_case(
            a,
            "missing name",
            "POST",
            keys.clone(),
            br#"{"role":"account-owner"}"#,
            400,
            Some("name"),
        ),
        json_case(
            a,
            "missing role",
            "POST",
            keys.clone(),
            br#"{"name":"Till2"}"#,
            400,
            Some("role"),
        ),
        json_case(
            a,
            "empty object",
            "POST",
            keys.clone(),
            b"{}",
            400,
            Some("name"),
        ),
        json_case(
            a,
            "extra unknown field",
            "POST",
            keys.clone(),
            br#"{"name":"Till2","role":"account-owner","colour":"red"}"#,
            400,
            Some("colour"),
        ),
        json_case(
            a,
            "enabled on create",
            "POST",
            keys.clone(),
            br#"{"name":"Till2","role":"account-owner","enabled":false}"#,
            400,
            Some("enabled"),
        ),
        json_case(
            a,
            "duplicate field",
            "POST",
            keys.clone(),
            br#"{"name":"Till2","name":"Till3","role":"account-owner"}"#,
            400,
            Some("name"),
        ),
        // Roles.
        json_case(
            a,
            "unknown role",
            "POST",
            keys.clone(),
            br#"{"name":"Till2","role":"admin"}"#,
            400,
            Some("role"),
        ),
        json_case(
            a,
            "role in another case",
            "POST",
            keys.clone(),
            br#"{"name":"Till2","role":"Account-Owner"}"#,
            400,
            Some("role"),
        ),
        json_case(
            a,
            "role with a space",
            "POST",
            keys.clone(),
            br#"{"name":"Till2","role":" account-owner"}"#,
            400,
            Some("role"),
        ),
        json_case(
            a,
            "empty role",
            "POST",
            keys.clone(),
            br#"{"name":"Till2","role":""}"#,
            400,
            Some("role"),
        ),
        // Descriptions.
        json_case(
            a,
            "description of 256 characters",
            "POST",
            keys.clone(),
            json!({ "name": "Till2", "role": "account-owner", "description": "d".repeat(256) })
                .to_string()
                .as_bytes(),
            400,
            Some("description"),
        ),
        json_case(
            a,
            "description with a newline",
            "POST",
            keys.clone(),
            br#"{"name":"Till2","role":"account-owner","description":"a\nb"}"#,
            400,
            Some("description"),
        ),
        // Sizes and content types.
        json_case(
            a,
            "body of exactly 16 KiB is read, then refused",
            "POST",
            keys.clone(),
            &padded_create_body(16 * 1024),
            400,
            Some("description"),
        ),
        json_case(
            a,
            "body of 16 KiB + 1",
            "POST",
            keys.clone(),
            &padded_create_body(16 * 1024 + 1),
            413,
            Some("bytes"),
        ),
        json_case(
            a,
            "body of 17 KiB",
            "POST",
            keys.clone(),
            &padded_create_body(17 * 1024),
            413,
            Some("bytes"),
        ),
        json_case(
            a,
            "body of 1 MiB",
            "POST",
            keys.clone(),
            &padded_create_body(1024 * 1024),
            413,
            Some("bytes"),
        ),
        json_case(
            a,
            "PUT body of 17 KiB",
            "PUT",
            till.clone(),
            &padded_create_body(17 * 1024),
            413,
            Some("bytes"),
        ),
        (
            "content-type text/plain".into(),
            "POST",
            keys.clone(),
            vec![
                ("x-api-key", a.owner_key.clone()),
                ("content-type", "text/plain".into()),
            ],
            Some(br#"{"name":"Till2","role":"account-owner"}"#.to_vec()),
            415,
            Some("content-type"),
        ),
        (
            "content-type form".into(),
            "POST",
            keys.clone(),
            vec![
                ("x-api-key", a.owner_key.clone()),
                ("content-type", "application/x-www-form-urlencoded".into()),
            ],
            Some(b"name=Till2&role=account-owner".to_vec()),
            415,
            Some("content-type"),
        ),
        (
            "no content-type".into(),
            "POST",
            keys.clone(),
            vec![("x-api-key", a.owner_key.clone())],
            Some(br#"{"name":"Till2","role":"account-owner"}"#.to_vec()),
            415,
            Some("content-type"),
        ),
        (
            "PUT with content-type text/plain".into(),
            "PUT",
            till.clone(),
            vec![
                ("x-api-key", a.owner_key.clone()),
                ("content-type", "text/plain".into()),
            ],
            Some(br#"{"enabled":false}"#.to_vec()),
            415,
            Some("content-type"),
        ),
        // Updates.
        json_case(
            a,
            "PUT {}",
            "PUT",
            till.clone(),
            b"{}",
            400,
            Some("enabled"),
        ),
        json_case(
            a,
            "PUT enabled null",
            "PUT",
            till.clone(),
            br#"{"enabled":null}"#,
            400,
            Some("enabled"),
        ),
        json_case(
            a,
            "PUT enabled \"no\"",
            "PUT",
            till.clone(),
            br#"{"enabled":"no"}"#,
            400,
            Some("invalid type"),
        ),
        json_case(
            a,
            "PUT enabled 0",
            "PUT",
            till.clone(),
            br#"{"enabled":0}"#,
            400,
            Some("invalid type"),
        ),
        json_case(
            a,
            "PUT renames",
            "PUT",
            till.clone(),
            br#"{"enabled":false,"name":"Other"}"#,
            400,
            Some("name"),
        ),
        json_case(
            a,
            "PUT changes the role",
            "PUT",
            till.clone(),
            br#"{"role":"account-owner"}"#,
            400,
            Some("role"),
        ),
        json_case(
            a,
            "PUT malformed JSON",
            "PUT",
            till.clone(),
            b"{enabled: false}",
            400,
            Some("JSON"),
        ),
        json_case(
            a,
            "PUT empty body",
            "PUT",
            till.clone(),
            b"",
            400,
            Some("JSON"),
        ),
        json_case(
            a,
            "PUT JSON array",
            "PUT",
            till.clone(),
            br#"[{"enabled":false}]"#,
            400,
            None,
        ),
        json_case(
            a,
            "PUT long description",
            "PUT",
            till.clone(),
            json!({ "description": "d".repeat(256) })
                .to_string()
                .as_bytes(),
            400,
            Some("description"),
        ),
        // Preconditions and queries.
        (
            "If-Match: \"abc\"".into(),
            "PUT",
            till.clone(),
            {
                let mut headers = json_headers(a);
                headers.push(("if-match", "\"abc\"".into()));
                headers
            },
            Some(br#"{"enabled":false}"#.to_vec()),
            400,
            Some("If-Match"),
        ),
        (
            "If-Match: \"\"".into(),
            "PUT",
            till.clone(),
            {
                let mut headers = json_headers(a);
                headers.push(("if-match", "\"\"".into()));
                headers
            },
            Some(br#"{"enabled":false}"#.to_vec()),
            400,
            Some("If-Match"),
        ),
        bare_case(
            a,
            "DELETE with If-Match: \"abc\"",
            "DELETE",
            till.clone(),
            &[("if-match", "\"abc\"")],
            400,
            Some("If-Match"),
        ),
        bare_case(
            a,
            "DELETE with If-Match: 1.5",
            "DELETE",
            till.clone(),
            &[("if-match", "\"1.5\"")],
            400,
            Some("If-Match"),
        ),
        bare_case(
            a,
            "unknown status filter",
            "GET",
            format!("{keys}?status=bogus"),
            &[],
            400,
            Some("status"),
        ),
        // Wrong methods.
        bare_case(
            a,
            "PATCH /api/me",
            "PATCH",
            "/api/me".into(),
            &[],
            405,
            None,
        ),
        bare_case(a, "POST /api/me", "POST", "/api/me".into(), &[], 405, None),
        bare_case(a, "DELETE the list", "DELETE", keys.clone(), &[], 405, None),
        bare_case(a, "PUT the list", "PUT", keys.clone(), &[], 405, None),
        bare_case(a, "POST to a key", "POST", till.clone(), &[], 405, None),
        bare_case(a, "PATCH a key", "PATCH", till.clone(), &[], 405, None),
        // Unknown routes and keys.
        bare_case(
            a,
            "unknown route",
            "GET",
            "/api/nope".into(),
            &[],
            404,
            Some("ROUTE_NOT_FOUND"),
        ),
        bare_case(
            a,
            "POST the account",
            "POST",
            format!("/api/accounts/{}", a.id),
            &[],
            405,
            None,
        ),
        bare_case(
            a,
            "below the account",
            "GET",
            format!("/api/accounts/{}/nope", a.id),
            &[],
            404,
            Some("ROUTE_NOT_FOUND"),
        ),
        bare_case(
            a,
            "below a key",
            "GET",
            format!("{till}/extra"),
            &[],
            404,
            Some("ROUTE_NOT_FOUND"),
        ),
        bare_case(
            a,
            "site root",
            "GET",
            "/".into(),
            &[],
            404,
            Some("ROUTE_NOT_FOUND"),
        ),
        bare_case(
            a,
            "key name with a space",
            "GET",
            key_path(a, "my%20key"),
            &[],
            404,
            Some("API_KEY_NOT_FOUND"),
        ),
        bare_case(
            a,
            "key name with a quote",
            "GET",
            key_path(a, "%27"),
            &[],
            404,
            Some("API_KEY_NOT_FOUND"),
        ),
        bare_case(
            a,
            "DELETE a key name with a semicolon",
            "DELETE",
            key_path(a, "Till1%3B"),
            &[],
            404,
            Some("API_KEY_NOT_FOUND"),
        ),
    ];

    // Names that are not 1 to 64 ASCII letters or digits.
    let long_name = "a".repeat(65);
    for name in [
        "",
        long_name.as_str(),
        "my key",
        " Till2",
        "Till2 ",
        "a/b",
        "..",
        ".",
        "%2e",
        "'",
        "\"",
        ";",
        "key-1",
        "key_1",
        "Till2\n",
        "Till2\u{0}",
        "é",
        "\u{ff41}",
        "Till\u{200b}2",
    ] {
        let body = json!({ "name": name, "role": "account-owner" }).to_string();
        cases.push(json_case(
            a,
            &format!("name {name:?}"),
            "POST",
            keys.clone(),
            body.as_bytes(),
            400,
            Some("name"),
        ));
    }

    // Where to look when a case fails.
    let on = format!("{:?} database {}", app.backend, app.database.url);
    for case in &cases {
        let (what, method, path, _, _, status, contains) = case;
        let what = format!("{what} ({on})");
        let reply = run(&app, case);
        assert_eq!(
            reply.status, *status,
            "{what}: {method} {path}: {:?}",
            reply.body
        );
        let body = reply
            .body
            .as_object()
            .unwrap_or_else(|| panic!("{what}: body {:?}", reply.body));
        assert_eq!(body.len(), 3, "{what}: {:?}", reply.body);
        assert_eq!(body.get("statusCode"), Some(&json!(status)), "{what}");
        assert!(
            body.get("error").is_some_and(Value::is_string),
            "{what}: {:?}",
            reply.body
        );
        let message = body
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{what}: {:?}", reply.body));
        if let Some(word) = contains {
            assert!(
                message.contains(word),
                "{what}: message {message:?} lacks {word:?}"
            );
        }
        if *status == 405 {
            assert!(reply.header("allow").is_some(), "{what}: no Allow header");
        }
    }

    assert_eq!(app.count_rows("api_keys"), rows);
    assert_eq!(show(&app, a, "Till1"), till_before);
    assert_eq!(show(&app, a, "owner"), owner_before);
}

fn errors_have_the_documented_reasons(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = Some(account.owner_key.as_str());
    let keys = keys_path(&account);

    let reply = app.post(&keys, owner, &json!({ "name": "Till2", "role": "admin" }));
    assert_eq!(reply.status, 400);
    assert_eq!(reply.body["error"], "Bad Request");

    let reply = send(
        app.request("POST", &keys)
            .set("x-api-key", &account.owner_key)
            .set("content-type", "text/plain"),
        Some(b"{}"),
    );
    assert_eq!(reply.status, 415);
    assert_eq!(reply.body["error"], "Unsupported Media Type");

    let reply = send(
        app.request("POST", &keys)
            .set("x-api-key", &account.owner_key)
            .set("content-type", "application/json"),
        Some(&padded_create_body(17 * 1024)),
    );
    assert_eq!(reply.status, 413);
    assert_eq!(reply.body["error"], "Payload Too Large");
    assert_eq!(app.count_rows("api_keys"), 1);
}

fn unknown_routes_are_404(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let not_found = error_body(404, "Not Found", "ROUTE_NOT_FOUND");
    for (method, path) in [
        ("GET", "/api/nope".to_owned()),
        ("GET", "/api".to_owned()),
        ("GET", "/api/account".to_owned()),
        (
            "POST",
            format!("/api/accounts/{}/accounts/nope", account.id),
        ),
        ("GET", format!("/api/accounts/{}/nope", account.id)),
        (
            "GET",
            format!("/api/accounts/{}/api-keys/owner/extra", account.id),
        ),
        ("DELETE", "/api/me/owner".to_owned()),
    ] {
        for key in [None, Some(account.owner_key.as_str())] {
            let reply = send(
                crate::helpers::with_key(app.request(method, &path), key),
                None,
            );
            assert_eq!(reply.status, 404, "{method} {path}: {:?}", reply.body);
            assert_eq!(reply.body, not_found, "{method} {path}");
        }
    }
}

fn wrong_methods_are_405_with_allow(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let not_allowed = error_body(405, "Method Not Allowed", "METHOD_NOT_ALLOWED");
    let keys = keys_path(&account);
    let owner = key_path(&account, "owner");
    for (method, path, allow) in [
        ("PATCH", "/api/me", "GET"),
        ("POST", "/api/me", "GET"),
        ("PUT", "/api/me", "GET"),
        ("DELETE", "/api/me", "GET"),
        ("DELETE", keys.as_str(), "GET, POST"),
        ("PUT", keys.as_str(), "GET, POST"),
        ("PATCH", keys.as_str(), "GET, POST"),
        ("POST", owner.as_str(), "GET, PUT, DELETE"),
        ("PATCH", owner.as_str(), "GET, PUT, DELETE"),
    ] {
        for key in [None, Some(account.owner_key.as_str())] {
            let reply = send(
                crate::helpers::with_key(app.request(method, path), key),
                None,
            );
            assert_eq!(reply.status, 405, "{method} {path}: {:?}", reply.body);
            assert_eq!(reply.body, not_allowed, "{method} {path}");
            assert_eq!(reply.header("allow"), Some(allow), "{method} {path}");
        }
    }
    assert_eq!(app.count_rows("api_keys"), 1);
    assert_eq!(show(&app, &account, "owner")["version"], "1");
}

crate::on_both_backends!(
    malformed_requests_are_refused_and_write_nothing,
    errors_have_the_documented_reasons,
    unknown_routes_are_404,
    wrong_methods_are_405_with_allow,
);
