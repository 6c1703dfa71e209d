//! What the server logs: every request, and never a credential, whether it
//! came in the `x-api-key` header or the `?api_key=` query parameter.

use std::fs::File;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{self, Backend, TestDatabase};

const KEYWARD: &str = env!("CARGO_BIN_EXE_keyward");

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn credentials_never_reach_the_log(backend: Backend) {
    let db = TestDatabase::new(backend);
    let dir = tempfile::tempdir().unwrap();
    let created = Command::new(KEYWARD)
        .args([
            "accounts",
            "create",
            "--name",
            "Acme",
            "--database-url",
            &db.url,
        ])
        .output()
        .unwrap();
    assert!(created.status.success(), "{created:?}");
    let created: Value = serde_json::from_slice(&created.stdout).unwrap();
    let owner = created["apiKey"]["secret"].as_str().unwrap().to_owned();

    let log_path = dir.path().join("server.log");
    let log = File::create(&log_path).unwrap();
    let child = Command::new(KEYWARD)
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--no-bootstrap",
            "--database-url",
            &db.url,
        ])
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let server = Killed(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    let base = loop {
        let text = std::fs::read_to_string(&log_path).unwrap();
        if let Some((_, rest)) = text.split_once("listening on ") {
            break format!("http://{}", rest.lines().next().unwrap().trim());
        }
        assert!(Instant::now() < deadline, "server did not start:\n{text}");
        std::thread::sleep(Duration::from_millis(50));
    };
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
