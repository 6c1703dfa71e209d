//! The OpenAPI document: it matches its insta snapshot
//! (tests/api/snapshots/), docs/openapi.json is a byte-for-byte copy of it,
//! and it describes exactly the routes the server answers.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::{send, send_json, spawn_app, Backend, Reply, TestApp};

/// Paths whose operations need not document a 4xx: they take no input.
const NO_CLIENT_ERRORS: &[&str] = &[
    "/healthz",
    "/readyz",
    "/metrics",
    "/dashboard",
    // Its GET documents its one 4xx (an unknown file) as JSON; its HEAD
    // answers without a body.
    "/dashboard/{file}",
    "/api/openapi.json",
];

/// The methods an OpenAPI path item can hold operations for.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The readable copy of the document that the docs point at.
const DOCS_COPY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json");

/// The insta snapshot of the served document.
const SNAPSHOT_FILE: &str = "tests/api/snapshots/api__openapi__openapi.json.snap";

/// The document exactly as served.
fn served_text(app: &TestApp) -> String {
    let response = app
        .request("GET", "/api/openapi.json")
        .call()
        .expect("GET /api/openapi.json");
    assert_eq!(response.content_type(), "application/json");
    response.into_string().expect("document body")
}

fn served(app: &TestApp) -> Value {
    serde_json::from_str(&served_text(app)).expect("the document is JSON")
}

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let paths = doc["paths"].as_object().expect("paths");
    let mut found = Vec::new();
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("path item") {
            if METHODS.contains(&method.as_str()) {
                found.push((method.clone(), path.clone(), operation));
            }
        }
    }
    found
}

/// A path template with its parameters filled in.
fn concrete(template: &str) -> String {
    template
        .replace("{account_id}", "r046bIHYG9OGHRq22uSr3d")
        .replace("{name}", "FrontTill1")
        .replace("{id}", "99967ad0-1446-4d70-a2a7-3c5dbd7c5ade")
        .replace("{file}", "main.js")
}

/// Calls `method` on `path` without a credential, with `{}` as the body of
/// methods that take one.
fn call(app: &TestApp, method: &str, path: &str) -> Reply {
    let request = app.request(&method.to_ascii_uppercase(), path);
    match method {
        "post" | "put" | "patch" => send_json(request, &serde_json::json!({})),
        _ => send(request, None),
    }
}

fn is_route_not_found(reply: &Reply) -> bool {
    reply.status == 404 && reply.body.to_string().contains("ROUTE_NOT_FOUND")
}

/// The line number and both versions of the first line that differs.
fn first_difference(expected: &str, actual: &str) -> String {
    let mut expected_lines = expected.lines();
    let mut actual_lines = actual.lines();
    for line in 1.. {
        match (expected_lines.next(), actual_lines.next()) {
            (None, None) => break,
            (e, a) if e == a => continue,
            (e, a) => {
                return format!(
                    "first difference at line {line}:\n  docs/openapi.json: {}\n  served:            {}",
                    e.unwrap_or("<end>"),
                    a.unwrap_or("<end>")
                )
            }
        }
    }
    "the documents differ only in line endings or the final newline".into()
}

/// The whole document as served. After an intended API change, review the
/// new snapshot with `cargo insta review` (or accept it with
/// `INSTA_UPDATE=always cargo test --test api openapi::`), then refresh
/// docs/openapi.json (see `docs_copy_is_the_served_document`).
#[test]
fn served_document_matches_the_snapshot() {
    let app = spawn_app(Backend::Sqlite);
    insta::assert_snapshot!("openapi.json", served_text(&app));
}

/// docs/openapi.json, which the docs point readers at, is the served
/// document byte for byte.
#[test]
fn docs_copy_is_the_served_document() {
    let app = spawn_app(Backend::Sqlite);
    let served = served_text(&app);
    let copy = std::fs::read_to_string(DOCS_COPY).unwrap_or_default();
    assert!(
        copy == served,
        "docs/openapi.json is not the document GET /api/openapi.json serves ({}). Once \
         openapi::served_document_matches_the_snapshot passes with the new snapshot, copy \
         the snapshot's body over it:\n  \
         sed '1,/^---$/d' {SNAPSHOT_FILE} > docs/openapi.json\n\
         and commit both files with the change.",
        first_difference(&copy, &served)
    );
}

#[test]
fn document_is_openapi_3_1_with_resolvable_references() {
    let app = spawn_app(Backend::Sqlite);
    let doc = served(&app);
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "Keyward");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));

    let mut ids = BTreeSet::new();
    for (method, path, operation) in operations(&doc) {
        let id = operation["operationId"].as_str().unwrap_or_default();
        assert!(!id.is_empty(), "{method} {path} has no operationId");
        assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
    }

    let schemes = doc["components"]["securitySchemes"]
        .as_object()
        .expect("security schemes");
    for (method, path, operation) in operations(&doc) {
        let requirements = operation["security"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for name in requirements
            .iter()
            .flat_map(|r| r.as_object().expect("requirement").keys())
        {
            assert!(
                schemes.contains_key(name),
                "{method} {path} asks for security scheme {name}, which is not declared"
            );
        }
    }

    let mut references = Vec::new();
    collect_references(&doc, &mut references);
    assert!(!references.is_empty());
    for reference in references {
        assert!(
            resolve(&doc, &reference).is_some(),
            "{reference} points at nothing"
        );
    }
}

fn collect_references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(reference)) => found.push(reference.clone()),
                    _ => collect_references(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_references(v, found)),
        _ => {}
    }
}

/// `#/components/…` within `doc`.
fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

/// The document is built from the routes as they are registered
/// (src/http/routes.rs), so this checks the other half: every documented
/// operation is answered, and every other method on a documented path is
/// refused with 405 and an `Allow` header listing exactly the documented
/// methods, which the fallback also takes from the document.
#[test]
fn documents_exactly_the_routes_the_server_answers() {
    let app = spawn_app(Backend::Sqlite);
    let doc = served(&app);
    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect();
    assert!(
        documented.len() >= 20,
        "only {} operations documented: {documented:?}",
        documented.len()
    );

    for (method, path) in &documented {
        let reply = call(&app, method, &concrete(path));
        assert!(
            !is_route_not_found(&reply) && reply.status != 405,
            "{method} {path} is documented but no route answers it: {} {:?}",
            reply.status,
            reply.body
        );
    }

    let paths: BTreeSet<&String> = documented.iter().map(|(_, path)| path).collect();
    for path in paths {
        let allowed: Vec<String> = ["get", "head", "post", "put", "delete"]
            .into_iter()
            .filter(|m| documented.contains(&(m.to_string(), path.clone())))
            .map(str::to_ascii_uppercase)
            .collect();
        for method in ["get", "head", "post", "put", "delete", "patch"] {
            if documented.contains(&(method.to_owned(), path.clone())) {
                continue;
            }
            let reply = call(&app, method, &concrete(path));
            assert_eq!(
                reply.status, 405,
                "{method} {path} is not documented but answers {}: {:?}",
                reply.status, reply.body
            );
            assert_eq!(
                reply.header("allow"),
                Some(allowed.join(", ").as_str()),
                "{method} {path}: Allow"
            );
        }
    }
}

#[test]
fn operations_document_their_client_errors_as_json() {
    let app = spawn_app(Backend::Sqlite);
    let doc = served(&app);
    for (method, path, operation) in operations(&doc) {
        if NO_CLIENT_ERRORS.contains(&path.as_str()) {
            continue;
        }
        let responses = operation["responses"].as_object().expect("responses");
        let json_client_error = responses.iter().any(|(status, response)| {
            let response = match response["$ref"].as_str() {
                Some(reference) => resolve(&doc, reference).expect("response reference"),
                None => response,
            };
            status.starts_with('4') && response["content"]["application/json"]["schema"].is_object()
        });
        assert!(
            json_client_error,
            "{method} {path} documents no 4xx response with a JSON body"
        );
    }
}
