//! Every route against every kind of credential, with the documented answer
//! for each pair, and no answer that tells a caller anything about an
//! account other than its own.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use keyward::secret::{CredentialKind, Secret};
use keyward::service::Limits;
use serde_json::{json, Value};

use crate::helpers::{
    crn, key_path, keys_path, secret_of, send, spawn_app_with, tokens_path, v1_error, with_key,
    Backend, Reply, TestAccount, TestApp,
};

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    NoCredential,
    Malformed,
    OtherAccountOwner,
    Terminal,
    DisabledKey,
    RevokedKey,
    ExpiredToken,
    SessionToken,
    /// The control: the account's own owner key.
    Owner,
}

const CALLERS: [Caller; 9] = [
    Caller::NoCredential,
    Caller::Malformed,
    Caller::OtherAccountOwner,
    Caller::Terminal,
    Caller::DisabledKey,
    Caller::RevokedKey,
    Caller::ExpiredToken,
    Caller::SessionToken,
    // Last: its calls change the account.
    Caller::Owner,
];

/// What a route does, for deciding who may call it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Me,
    /// Native key management and minting on the path's account.
    Native,
    Verify,
    Health,
    /// `/api/v1` management and minting, on the caller's account.
    V1,
}

struct Route {
    method: &'static str,
    path: String,
    body: Option<Value>,
    kind: Kind,
    /// The owner's (control) status.
    ok: u16,
}

impl Route {
    fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

fn native_error(status: u16, error: &str, message: &str) -> Value {
    json!({ "statusCode": status, "error": error, "message": message })
}

fn error(kind: Kind, status: u16, title: &str, message: &str) -> Value {
    match kind {
        Kind::V1 => v1_error(status, title, message),
        _ => native_error(status, title, message),
    }
}

fn me_body(account: &str, name: &str, role: &str) -> Value {
    json!({
        "accountId": account,
        "parentAccountId": null,
        "name": name,
        "role": role,
        "crn": crn(&account, name),
    })
}

/// Mints a native session token with `body`: (id, token).
fn mint(app: &TestApp, account: &TestAccount, body: Value) -> (String, String) {
    let reply = app.post(&tokens_path(&account), Some(&account.owner_key), &body);
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    (
        reply.body["id"].as_str().expect("id").to_owned(),
        reply.body["sessionToken"]
            .as_str()
            .expect("sessionToken")
            .to_owned(),
    )
}

/// What must never reach a caller that is not of this account.
#[derive(Debug, Default)]
struct Traces {
    strings: BTreeSet<String>,
}

impl Traces {
    /// The account id, and every key's id (both spellings), name and masked
    /// value, from the owner's list; plus the given session token ids.
    fn of(app: &TestApp, account: &TestAccount, token_ids: &[String]) -> (Self, BTreeSet<String>) {
        let reply = app.get(&keys_path(&account), Some(&account.owner_key));
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        let mut strings = BTreeSet::from([account.id.clone()]);
        let mut names = BTreeSet::new();
        for key in reply.body.as_array().expect("list") {
            let id = key["id"].as_str().expect("id");
            strings.insert(id.to_owned());
            strings.insert(id.replace('-', ""));
            strings.insert(key["apiKey"].as_str().expect("apiKey").to_owned());
            names.insert(key["name"].as_str().expect("name").to_owned());
        }
        for id in token_ids {
            strings.insert(id.clone());
            strings.insert(id.replace('-', ""));
        }
        (Self { strings }, names)
    }

    fn add_names(&mut self, names: &BTreeSet<String>, shared: &BTreeSet<String>) {
        self.strings.extend(names.difference(shared).cloned());
    }

    fn found_in(&self, text: &str) -> Vec<&String> {
        self.strings.iter().filter(|s| text.contains(*s)).collect()
    }
}

fn every_route_and_credential_get_the_documented_answer(backend: Backend) {
    let started = Instant::now();
    // Minting with no ttlSeconds makes a 1-second token: the expired one.
    let app = spawn_app_with(
        backend,
        Limits {
            session_ttl_default_seconds: 1,
            session_ttl_max_seconds: 86_400,
            ..Limits::default()
        },
    );
    let acme = app.create_account("Acme");
    let globex = app.create_account("Globex");
    let a = acme.id.as_str();
    let owner_path = |name: &str| key_path(&a, name);

    let (expired_id, expired) = mint(&app, &acme, json!({ "scope": "show_card" }));
    let minted_expired = Instant::now();
    let (session_id, session) = mint(&app, &acme, json!({ "scope": "card", "ttlSeconds": 3600 }));
    let terminal = secret_of(&app.create_key(&acme, "AcmeTill", "merchant-terminal"));
    let disabled = secret_of(&app.create_key(&acme, "AcmeOff", "account-owner"));
    let revoked = secret_of(&app.create_key(&acme, "AcmeGone", "account-owner"));
    let target = app.create_key(&acme, "AcmeTarget", "merchant-terminal");
    let target_id = target["id"].as_str().expect("id").to_owned();
    app.create_key(&globex, "GlobexTill", "merchant-terminal");
    let reply = app.put(
        &owner_path("AcmeOff"),
        Some(&acme.owner_key),
        &json!({ "enabled": false }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let reply = app.delete(&owner_path("AcmeGone"), Some(&acme.owner_key));
    assert_eq!(reply.status, 204, "{:?}", reply.body);
    // A key of the right shape whose id no account has.
    let forged = Secret::generate(CredentialKind::ApiKey, uuid::Uuid::new_v4())
        .expose()
        .to_owned();

    let routes = vec![
        Route {
            method: "GET",
            path: "/api/me".into(),
            body: None,
            kind: Kind::Me,
            ok: 200,
        },
        Route {
            method: "GET",
            path: keys_path(&a),
            body: None,
            kind: Kind::Native,
            ok: 200,
        },
        Route {
            method: "POST",
            path: keys_path(&a),
            body: Some(json!({ "name": "MatrixNew", "role": "merchant-terminal" })),
            kind: Kind::Native,
            ok: 200,
        },
        Route {
            method: "GET",
            path: owner_path("AcmeTarget"),
            body: None,
            kind: Kind::Native,
            ok: 200,
        },
        Route {
            method: "PUT",
            path: owner_path("AcmeTarget"),
            body: Some(json!({ "description": "touched" })),
            kind: Kind::Native,
            ok: 200,
        },
        Route {
            method: "POST",
            path: tokens_path(&a),
            body: Some(json!({ "scope": "card" })),
            kind: Kind::Native,
            ok: 200,
        },
        Route {
            method: "DELETE",
            path: owner_path("AcmeTarget"),
            body: None,
            kind: Kind::Native,
            ok: 204,
        },
        Route {
            method: "POST",
            path: "/api/verify".into(),
            body: Some(json!({ "key": forged })),
            kind: Kind::Verify,
            ok: 200,
        },
        Route {
            method: "GET",
            path: "/healthz".into(),
            body: None,
            kind: Kind::Health,
            ok: 200,
        },
        Route {
            method: "GET",
            path: "/api/v1/api_keys".into(),
            body: None,
            kind: Kind::V1,
            ok: 200,
        },
        Route {
            method: "POST",
            path: "/api/v1/api_keys".into(),
            body: Some(json!({ "api_key": { "description": "matrix" } })),
            kind: Kind::V1,
            ok: 200,
        },
        Route {
            method: "GET",
            path: format!("/api/v1/api_keys/{target_id}"),
            body: None,
            kind: Kind::V1,
            ok: 200,
        },
        Route {
            method: "POST",
            path: "/api/v1/session_tokens".into(),
            body: Some(json!({ "session_token": { "scope": "card" } })),
            kind: Kind::V1,
            ok: 200,
        },
        Route {
            method: "DELETE",
            path: format!("/api/v1/api_keys/{target_id}"),
            body: None,
            kind: Kind::V1,
            ok: 204,
        },
    ];

    let credential = |caller: Caller| -> Option<String> {
        match caller {
            Caller::NoCredential => None,
            Caller::Malformed => Some("kw_this-is-not-a-key".into()),
            Caller::OtherAccountOwner => Some(globex.owner_key.clone()),
            Caller::Terminal => Some(terminal.clone()),
            Caller::DisabledKey => Some(disabled.clone()),
            Caller::RevokedKey => Some(revoked.clone()),
            Caller::ExpiredToken => Some(expired.clone()),
            Caller::SessionToken => Some(session.clone()),
            Caller::Owner => Some(acme.owner_key.clone()),
        }
    };

    // The status, and the exact body where it is fixed, for a caller on a route.
    let expected = |caller: Caller, route: &Route| -> (u16, Option<Value>) {
        let kind = route.kind;
        match kind {
            Kind::Verify => {
                return (200, Some(json!({ "valid": false, "code": "NOT_FOUND" })));
            }
            Kind::Health => return (200, Some(json!({ "status": "ok" }))),
            _ => {}
        }
        let forbidden = error(kind, 403, "Forbidden", "FORBIDDEN");
        match caller {
            Caller::NoCredential => (
                401,
                Some(error(kind, 401, "Unauthorized", "Missing authentication")),
            ),
            Caller::Malformed | Caller::DisabledKey | Caller::RevokedKey | Caller::ExpiredToken => {
                (
                    401,
                    Some(error(kind, 401, "Unauthorized", "Invalid authentication")),
                )
            }
            Caller::Terminal if kind == Kind::Me => {
                (200, Some(me_body(a, "AcmeTill", "merchant-terminal")))
            }
            // Scope and expiry come on top; checked below.
            Caller::SessionToken if kind == Kind::Me => (200, None),
            Caller::Terminal | Caller::SessionToken => (403, Some(forbidden)),
            Caller::OtherAccountOwner => match (kind, route.method) {
                (Kind::Me, _) => (200, Some(me_body(&globex.id, "owner", "account-owner"))),
                (Kind::Native, _) => (403, Some(forbidden)),
                // Acme's key, asked for by id on Globex's account.
                (Kind::V1, "GET" | "DELETE") if route.path.contains(&target_id) => {
                    (404, Some(v1_error(404, "Not Found", "API_KEY_NOT_FOUND")))
                }
                _ => (route.ok, None),
            },
            Caller::Owner => match kind {
                Kind::Me => (200, Some(me_body(a, "owner", "account-owner"))),
                _ => (route.ok, None),
            },
        }
    };

    // Wait out the 1-second token.
    let expiry = Duration::from_millis(1_200);
    if let Some(left) = expiry.checked_sub(minted_expired.elapsed()) {
        std::thread::sleep(left);
    }

    let counts = |app: &TestApp| (app.count_rows("api_keys"), app.count_rows("session_tokens"));
    let acme_list = |app: &TestApp| app.get(&keys_path(&a), Some(&acme.owner_key)).body;
    let rows_before = counts(&app);
    let acme_before = acme_list(&app);

    let mut answers: Vec<(Caller, String, Reply)> = Vec::new();
    let mut wrong = Vec::new();
    let mut minted_ids: Vec<(Caller, String)> = Vec::new();
    for caller in CALLERS {
        if caller == Caller::Owner {
            // Nothing any other caller did touched Acme; Globex gained the
            // key and the token its owner made through /api/v1.
            assert_eq!(acme_list(&app), acme_before, "Acme changed");
            assert_eq!(counts(&app), (rows_before.0 + 1, rows_before.1 + 1));
        }
        let key = credential(caller);
        for route in &routes {
            let req = with_key(app.request(route.method, &route.path), key.as_deref());
            let reply = match &route.body {
                Some(body) => send(
                    req.set("content-type", "application/json"),
                    Some(body.to_string().as_bytes()),
                ),
                None => send(req, None),
            };
            let (status, body) = expected(caller, route);
            let label = format!("{caller:?} on {}", route.label());
            if reply.status != status || body.as_ref().is_some_and(|b| *b != reply.body) {
                wrong.push(format!(
                    "{label}: got {} {}, expected {status} {}",
                    reply.status,
                    reply.body,
                    body.map_or("(any body)".to_owned(), |b| b.to_string())
                ));
            }
            if reply.status == 200 && route.path.contains("session") {
                let id = reply.body["id"]
                    .as_str()
                    .or_else(|| reply.body["data"]["id"].as_str())
                    .unwrap_or_default();
                minted_ids.push((caller, id.to_owned()));
            }
            answers.push((caller, label, reply));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} answers differ from the documentation ({backend:?}):\n{}",
        wrong.len(),
        answers.len(),
        wrong.join("\n")
    );

    // What the successful calls said, beyond their status.
    let answer = |caller: Caller, label: &str| -> &Value {
        &answers
            .iter()
            .find(|(c, l, _)| *c == caller && l.ends_with(label))
            .unwrap_or_else(|| panic!("no answer for {caller:?} {label}"))
            .2
            .body
    };
    let me = answer(Caller::SessionToken, "GET /api/me");
    assert_eq!(me["accountId"], a, "{me}");
    assert_eq!(me["name"], "owner", "{me}");
    assert_eq!(me["scope"], "card", "{me}");
    assert!(me["expiresAt"].is_string(), "{me}");
    let globex_v1 = answer(Caller::OtherAccountOwner, "GET /api/v1/api_keys");
    assert_eq!(
        globex_v1["data"].as_array().expect("data").len(),
        2,
        "Globex's own keys only: {globex_v1}"
    );
    let created = answer(Caller::Owner, &format!("POST /api/accounts/{a}/api-keys"));
    assert_eq!(created["name"], "MatrixNew", "{created}");
    assert_eq!(created["accountId"], a, "{created}");

    // No answer carries anything of an account that is not the caller's.
    let acme_tokens: Vec<String> = minted_ids
        .iter()
        .filter(|(c, _)| *c == Caller::Owner)
        .map(|(_, id)| id.clone())
        .chain([expired_id.clone(), session_id.clone()])
        .collect();
    let globex_tokens: Vec<String> = minted_ids
        .iter()
        .filter(|(c, _)| *c == Caller::OtherAccountOwner)
        .map(|(_, id)| id.clone())
        .collect();
    assert_eq!(globex_tokens.len(), 1, "{minted_ids:?}");
    let (mut acme_traces, acme_names) = Traces::of(&app, &acme, &acme_tokens);
    let (mut globex_traces, globex_names) = Traces::of(&app, &globex, &globex_tokens);
    let shared: BTreeSet<String> = acme_names.intersection(&globex_names).cloned().collect();
    acme_traces.add_names(&acme_names, &shared);
    globex_traces.add_names(&globex_names, &shared);
    // The detector finds what is there: each owner's list shows its account.
    let acme_listed = answer(Caller::Owner, &format!("GET /api/accounts/{a}/api-keys")).to_string();
    assert!(
        acme_traces.found_in(&acme_listed).len() >= 10,
        "Acme's own list should show its id, key ids, names and masked keys: {acme_listed}"
    );
    let globex_listed = globex_v1.to_string();
    assert!(
        globex_traces.found_in(&globex_listed).len() >= 4,
        "Globex's own /api/v1 list should show its key ids and masked keys: {globex_listed}"
    );
    let mut leaks = Vec::new();
    for (caller, label, reply) in &answers {
        let text = reply.body.to_string();
        let foreign: Vec<&Traces> = match caller {
            Caller::OtherAccountOwner => vec![&acme_traces],
            Caller::Terminal | Caller::SessionToken | Caller::Owner => vec![&globex_traces],
            // Credentials that do not authenticate belong to no one.
            _ => vec![&acme_traces, &globex_traces],
        };
        for traces in foreign {
            let found = traces.found_in(&text);
            if !found.is_empty() {
                leaks.push(format!("{label}: {found:?} in {text}"));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "answers carry another account's data ({backend:?}):\n{}",
        leaks.join("\n")
    );
    eprintln!(
        "{backend:?}: {} answers checked in {:?}",
        answers.len(),
        started.elapsed()
    );
}

crate::on_both_backends!(every_route_and_credential_get_the_documented_answer);
