//! What operators rely on: readiness, metrics and request ids.

use serde_json::json;

use crate::helpers::{send, spawn_app, Backend};

fn readyz_reports_a_migrated_database(backend: Backend) {
    let app = spawn_app(backend);
    let reply = app.get("/readyz", None);
    assert_eq!(
        (reply.status, reply.body),
        (200, json!({ "status": "ready" }))
    );
    let reply = app.get("/healthz", None);
    assert_eq!((reply.status, reply.body), (200, json!({ "status": "ok" })));
}

fn every_response_carries_a_request_id(backend: Backend) {
    let app = spawn_app(backend);
    // Made up when the client sends none, on success and on error alike.
    for path in ["/healthz", "/api/me", "/nowhere"] {
        let reply = app.get(path, None);
        let id = reply.header("x-request-id").unwrap_or_default();
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{path}: {id:?}");
    }
    // Echoed when acceptable; replaced when not.
    let reply = send(
        app.request("GET", "/healthz")
            .set("x-request-id", "trace-42.a:b_c"),
        None,
    );
    assert_eq!(reply.header("x-request-id"), Some("trace-42.a:b_c"));
    let reply = send(
        app.request("GET", "/healthz")
            .set("x-request-id", "no spaces please"),
        None,
    );
    let id = reply.header("x-request-id").unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
}

fn metrics_count_requests_and_authentication(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    assert_eq!(app.get("/api/me", Some(&account.owner_key)).status, 200);
    assert_eq!(app.get("/api/me", Some(&account.owner_key)).status, 200);
    assert_eq!(app.get("/api/me", Some("kw_nonsense")).status, 401);

    // Invented methods share one label: clients cannot grow the metrics.
    for method in ["FOO1", "FOO2"] {
        assert_eq!(send(app.request(method, "/api/me"), None).status, 405);
    }
    let reply = app.request("GET", "/metrics").call().unwrap();
    assert!(reply.content_type().starts_with("text/plain"));
    let text = reply.into_string().unwrap();
    let value = |line_start: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(line_start))
            .unwrap_or_else(|| panic!("no {line_start} in\n{text}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(
        value(r#"keyward_http_requests_total{method="GET",route="/api/me",status="200"}"#),
        2.0
    );
    assert_eq!(
        value(r#"keyward_http_requests_total{method="GET",route="/api/me",status="401"}"#),
        1.0
    );
    assert_eq!(value(r#"keyward_auth_outcomes_total{code="VALID"}"#), 2.0);
    assert_eq!(
        value(r#"keyward_auth_outcomes_total{code="MALFORMED"}"#),
        1.0
    );
    assert_eq!(
        value(r#"keyward_cache_lookups_total{cache="key",result="miss"}"#),
        1.0
    );
    assert_eq!(
        value(r#"keyward_cache_lookups_total{cache="key",result="hit"}"#),
        1.0
    );
    assert_eq!(
        value(r#"keyward_cache_lookups_total{cache="verified",result="hit"}"#),
        1.0
    );
    assert!(value(r#"keyward_http_request_duration_seconds_count{route="/api/me"}"#) >= 3.0);
    assert!(text.contains(r#"keyward_db_pool_connections{state="idle"}"#));
    assert_eq!(
        value(r#"keyward_http_requests_total{method="OTHER",route="/api/me",status="405"}"#),
        2.0
    );
    assert!(!text.contains("FOO1"), "an invented method became a label");
    // Route patterns, never ids or keys, become labels.
    assert!(!text.contains(&account.id), "an account id became a label");
    assert!(
        !text.contains(&account.owner_key[3..]),
        "a key reached /metrics"
    );
}

crate::on_both_backends!(
    readyz_reports_a_migrated_database,
    every_response_carries_a_request_id,
    metrics_count_requests_and_authentication,
);
