//! Failed-authentication throttling.

use std::time::Duration;

use keyward::secret::{CredentialKind, Secret};
use keyward::service::throttle::ThrottleSettings;
use keyward::service::{Limits, Tuning};
use serde_json::{json, Value};

use crate::helpers::{error_body, spawn_app_tuned, Backend, Reply, TestApp};

const LIMIT: u32 = 3;

fn throttled_app(backend: Backend) -> TestApp {
    let tuning = Tuning {
        throttle: ThrottleSettings {
            max_failures: LIMIT,
            window: Duration::from_secs(60),
            tarpit: Duration::from_millis(20),
        },
        ..Tuning::default()
    };
    spawn_app_tuned(backend, Limits::default(), tuning)
}

/// A well-formed key for `id` whose secret is wrong.
fn wrong_secret_for(id: &str) -> String {
    let id = uuid::Uuid::parse_str(id).unwrap();
    Secret::generate(CredentialKind::ApiKey, id)
        .expose()
        .to_owned()
}

fn assert_throttled(reply: &Reply) {
    assert_eq!(reply.status, 429, "{:?}", reply.body);
    assert_eq!(
        reply.body,
        error_body(429, "Too Many Requests", "RATE_LIMIT_EXCEEDED")
    );
    let wait: u64 = reply.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
}

fn failures_from_one_address_get_429(backend: Backend) {
    let app = throttled_app(backend);
    let account = app.create_account("Acme");
    let till = app.create_key(&account, "Till", "merchant-terminal");
    let till_secret = till["secret"].as_str().unwrap();
    // The owner key is verified once before the flood.
    assert_eq!(app.get("/api/me", Some(&account.owner_key)).status, 200);

    let wrong = wrong_secret_for(till["id"].as_str().unwrap());
    for _ in 0..LIMIT {
        let reply = app.get("/api/me", Some(&wrong));
        assert_eq!(
            reply.body,
            error_body(401, "Unauthorized", "Invalid authentication")
        );
    }
    assert_throttled(&app.get("/api/me", Some(&wrong)));
    assert_throttled(&app.get("/api/me", Some("kw_not_even_well_formed")));
    // A right credential is never refused, neither one this address has not
    // proven yet (even for the flooded key id) nor one already verified.
    assert_eq!(app.get("/api/me", Some(till_secret)).status, 200);
    assert_eq!(app.get("/api/me", Some(&account.owner_key)).status, 200);
    // A missing credential is not an attempt and still says so.
    assert_eq!(
        app.get("/api/me", None).body,
        error_body(401, "Unauthorized", "Missing authentication")
    );
}

fn verify_throttles_like_any_authentication(backend: Backend) {
    let app = throttled_app(backend);
    let account = app.create_account("Acme");
    let till = app.create_key(&account, "Till", "merchant-terminal");
    let other = app.create_key(&account, "Other", "merchant-terminal");
    let verify = |key: &str| app.post("/api/verify", None, &json!({ "key": key }));

    let wrong = wrong_secret_for(till["id"].as_str().unwrap());
    for _ in 0..LIMIT {
        let reply = verify(&wrong);
        assert_eq!(reply.body, json!({ "valid": false, "code": "NOT_FOUND" }));
    }
    assert_throttled(&verify(&wrong));
    // The calling address is counted too: another key's wrong secret is
    // refused as well...
    assert_throttled(&verify(&wrong_secret_for(other["id"].as_str().unwrap())));
    // ...while right credentials are never throttled, proven here or not.
    for key in [
        till["secret"].as_str().unwrap(),
        other["secret"].as_str().unwrap(),
        account.owner_key.as_str(),
    ] {
        let reply = verify(key);
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body["code"], Value::from("VALID"));
    }
}

crate::on_both_backends!(
    failures_from_one_address_get_429,
    verify_throttles_like_any_authentication
);
