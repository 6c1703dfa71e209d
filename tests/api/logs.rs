//! What the server logs: every request, and never a credential, whether it
//! came in the `x-api-key` header or the `?api_key=` query parameter.

use std::process::Command;

use serde_json::{json, Value};

use crate::helpers::{self, Backend, TestDatabase};
use crate::process::{create_account, serve_logging_to, KEYWARD};

fn credentials_never_reach_the_log(backend: Backend) {
    let db = TestDatabase::new(backend);
    let dir = tempfile::tempdir().unwrap();
    let (_, owner) = create_account(&db.url);

    let log_path = dir.path().join("server.log");
    let mut cmd = Command::new(KEYWARD);
    cmd.args([
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--no-bootstrap",
        "--database-url",
        &db.url,
    ])
    .env("RUST_LOG", "debug");
    let (server, base) = serve_logging_to(cmd, &log_path);
    let agent = ureq::AgentBuilder::new().build();
    let call = |method: &str, path: &str, key: Option<&str>, body: Option<&Value>| {
        let req = helpers::with_key(agent.request(method, &format!("{base}{path}")), key);
        match body {
            Some(body) => helpers::send_json(req, body),
            None => helpers::send(req, None),
        }
    };

    // The query-string form, on every /api/v1 route.
    let created = call(
        "POST",
        &format!("/api/v1/api_keys?api_key={owner}"),
        None,
        Some(&json!({ "api_key": { "description": "logged?" } })),
    );
    assert_eq!(created.status, 200, "{:?}", created.body);
    let second = created.body["data"]["attributes"]["api_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = created.body["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        call(
            "GET",
            &format!("/api/v1/api_keys?api_key={second}"),
            None,
            None
        )
        .status,
        200
    );
    assert_eq!(
        call(
            "GET",
            &format!("/api/v1/api_keys/{id}?api_key={owner}"),
            None,
            None
        )
        .status,
        200
    );
    let minted = call(
        "POST",
        &format!("/api/v1/session_tokens?api_key={owner}"),
        None,
        Some(&json!({ "session_token": { "scope": "card" } })),
    );
    let token = minted.body["data"]["attributes"]["session_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // The header form, a token, a verify body and a refused key.
    assert_eq!(call("GET", "/api/me", Some(&owner), None).status, 200);
    assert_eq!(call("GET", "/api/me", Some(&token), None).status, 200);
    assert_eq!(
        call("GET", "/api/me", Some(&format!("{owner}x")), None).status,
        401
    );
    let verified = call("POST", "/api/verify", None, Some(&json!({ "key": second })));
    assert_eq!(verified.body["code"], "VALID");
    assert_eq!(
        call(
            "DELETE",
            &format!("/api/v1/api_keys/{id}?api_key={owner}"),
            None,
            None
        )
        .status,
        204
    );
    assert_eq!(
        call(
            "GET",
            &format!("/api/v1/api_keys?api_key={second}"),
            None,
            None
        )
        .status,
        401
    );

    drop(server);
    let text = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        text.contains(r#""GET /api/v1/api_keys" 200"#) && text.contains(r#""GET /api/me" 401"#),
        "requests are logged:\n{text}"
    );
    for secret in [&owner, &second, &token] {
        // The random part alone, so no prefix or truncation hides a leak.
        let random = &secret[secret.len() - 30..];
        assert!(
            !text.contains(random),
            "a credential reached the log:\n{text}"
        );
    }
    assert!(
        !text.contains("api_key="),
        "a query string reached the log:\n{text}"
    );
}

crate::on_both_backends!(credentials_never_reach_the_log);
