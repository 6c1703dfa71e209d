//! After a server has issued, verified, revoked and disabled keys and tokens
//! in both dialects, nothing at rest holds any of them: not the SQLite files
//! (main and WAL), not a `pg_dump` of the PostgreSQL database. Keys are kept
//! as argon2id PHC strings, tokens as SHA-256 hex. Only the responses that
//! show a secret say `Cache-Control: no-store`.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{keys_path, spawn_app, tokens_path, Backend, Reply, TestApp};

/// A credential the server handed out, and where.
struct Issued {
    what: String,
    secret: String,
}

fn assert_no_store(what: &str, reply: &Reply) {
    assert_eq!(reply.status, 200, "{what}: {:?}", reply.body);
    assert_eq!(
        reply.header("cache-control"),
        Some("no-store"),
        "{what}: a response that shows a secret must not be cached"
    );
}

fn assert_cacheable(what: &str, reply: &Reply) {
    assert_eq!(reply.status, 200, "{what}: {:?}", reply.body);
    assert!(
        !reply
            .header("cache-control")
            .is_some_and(|v| v.contains("no-store")),
        "{what}: a GET without a secret says no-store: {:?}",
        reply.headers
    );
}

fn text(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no {pointer} in {value}"))
        .to_owned()
}

/// `pg_dump` of `url`, as SQL text. Fails, never skips, without `pg_dump`.
fn pg_dump(url: &str) -> Vec<u8> {
    let mut child = match Command::new("pg_dump")
        .args(["--no-owner", "--no-privileges", "--dbname", url])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => panic!(
            "cannot run pg_dump ({e}): this test needs the PostgreSQL client tools on PATH \
             to inspect what the database holds"
        ),
    };
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.read_to_end(&mut bytes);
        bytes
    });
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for pg_dump") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("pg_dump did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let dump = reader.join().expect("pg_dump stdout");
    let errors = errors.join().expect("pg_dump stderr");
    assert!(status.success(), "pg_dump failed ({status}):\n{errors}");
    dump
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// One text column of every row of a table.
fn column(app: &TestApp, sql: &str) -> Vec<String> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let mut conn = app.db.get().expect("connection");
    diesel::sql_query(sql)
        .load::<Row>(&mut *conn)
        .expect(sql)
        .into_iter()
        .map(|row| row.v)
        .collect()
}

fn nothing_issued_is_kept_in_the_clear(backend: Backend) {
    let started = Instant::now();
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = account.owner_key.clone();
    let a = account.id.clone();
    let keys = keys_path(&a);
    let mut issued = vec![Issued {
        what: "owner key".into(),
        secret: owner.clone(),
    }];

    // Keys, both dialects.
    for (name, role) in [
        ("Till1", "merchant-terminal"),
        ("Admin2", "account-owner"),
        ("Spare3", "merchant-terminal"),
    ] {
        let reply = app.post(
            &keys,
            Some(&owner),
            &json!({ "name": name, "role": role, "description": format!("{name} at rest") }),
        );
        assert_no_store(&format!("native create {name}"), &reply);
        issued.push(Issued {
            what: format!("native key {name}"),
            secret: text(&reply.body, "/secret"),
        });
    }
    let mut v1_ids = Vec::new();
    for attributes in [
        json!({ "description": "first v1 key" }),
        json!({ "name": "V1Two", "role": "merchant-terminal" }),
    ] {
        let reply = app.post(
            "/api/v1/api_keys",
            Some(&owner),
            &json!({ "api_key": attributes }),
        );
        assert_no_store(&format!("v1 create {attributes}"), &reply);
        v1_ids.push(text(&reply.body, "/data/id"));
        issued.push(Issued {
            what: format!("v1 key {attributes}"),
            secret: text(&reply.body, "/data/attributes/api_key"),
        });
    }

    // Session tokens, both dialects.
    for body in [
        json!({ "scope": "show_card" }),
        json!({ "scope": "card", "ttlSeconds": 600 }),
    ] {
        let reply = app.post(&tokens_path(&a), Some(&owner), &body);
        assert_no_store(&format!("native mint {body}"), &reply);
        issued.push(Issued {
            what: format!("native token {body}"),
            secret: text(&reply.body, "/sessionToken"),
        });
    }
    for body in [
        json!({ "session_token": { "scope": "show_service_code" } }),
        json!({ "session_token": { "scope": "card", "ttl_seconds": 300 } }),
    ] {
        let reply = app.post("/api/v1/session_tokens", Some(&owner), &body);
        assert_no_store(&format!("v1 mint {body}"), &reply);
        issued.push(Issued {
            what: format!("v1 token {body}"),
            secret: text(&reply.body, "/data/attributes/session_token"),
        });
    }

    // Every credential verifies and authenticates.
    for Issued { what, secret } in &issued {
        let field = if secret.starts_with("kwst_") {
            "sessionToken"
        } else {
            "key"
        };
        let reply = app.post("/api/verify", None, &json!({ field: secret }));
        assert_eq!(reply.status, 200, "{what}: {:?}", reply.body);
        assert_eq!(reply.body["code"], "VALID", "{what}: {:?}", reply.body);
        assert_cacheable(
            &format!("GET /api/me with {what}"),
            &app.get("/api/me", Some(secret)),
        );
    }

    // Reads show masked keys only, and may be cached.
    for (what, path) in [
        ("native list", keys.clone()),
        ("native key", format!("{keys}/Till1")),
        ("v1 list", "/api/v1/api_keys".to_owned()),
        ("v1 key", format!("/api/v1/api_keys/{}", v1_ids[0])),
    ] {
        let reply = app.get(&path, Some(&owner));
        assert_cacheable(what, &reply);
        let body = reply.body.to_string();
        for Issued {
            what: whose,
            secret,
        } in &issued
        {
            assert!(
                !body.contains(&secret[secret.len() - 30..]),
                "{what} shows {whose}: {body}"
            );
        }
    }

    // Revoke in both dialects, disable natively.
    assert_eq!(
        app.delete(&format!("{keys}/Till1"), Some(&owner)).status,
        204
    );
    assert_eq!(
        app.delete(&format!("/api/v1/api_keys/{}", v1_ids[0]), Some(&owner))
            .status,
        204
    );
    let reply = app.put(
        &format!("{keys}/Admin2"),
        Some(&owner),
        &json!({ "enabled": false }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    for (what, code) in [
        ("native key Till1", "REVOKED"),
        ("native key Admin2", "DISABLED"),
    ] {
        let secret = &issued
            .iter()
            .find(|i| i.what == what)
            .expect("issued")
            .secret;
        let reply = app.post("/api/verify", None, &json!({ "key": secret }));
        assert_eq!(reply.body["code"], code, "{what}: {:?}", reply.body);
    }

    // (a) / (b): the bytes at rest.
    let at_rest: Vec<(String, Vec<u8>)> = match app.database.sqlite_path() {
        Some(path) => {
            let main = std::fs::read(path).expect("read the SQLite file");
            let wal_path = format!("{path}-wal");
            let wal = std::fs::read(&wal_path)
                .unwrap_or_else(|e| panic!("{wal_path}: the database runs in WAL mode: {e}"));
            vec![(path.to_owned(), main), (wal_path, wal)]
        }
        None => vec![("pg_dump".to_owned(), pg_dump(&app.database.url))],
    };
    let everything: Vec<u8> = at_rest.iter().flat_map(|(_, b)| b.clone()).collect();
    // The bytes are the right ones: the account and the hashes are there.
    assert!(contains(&everything, &a), "account id not found at rest");
    assert!(contains(&everything, "$argon2id$"), "no key hash at rest");
    for (source, bytes) in &at_rest {
        for Issued { what, secret } in &issued {
            let random = &secret[secret.len() - 30..];
            assert!(!contains(bytes, secret), "{what} in the clear in {source}");
            assert!(
                !contains(bytes, random),
                "the random part of {what} in {source}"
            );
        }
    }

    // (c): how each credential is stored.
    let hashes = column(&app, "SELECT secret_hash AS v FROM api_keys");
    assert_eq!(hashes.len(), 6, "owner, 3 native and 2 v1 keys");
    for hash in &hashes {
        assert!(hash.starts_with("$argon2id$"), "secret_hash {hash:?}");
    }
    let distinct: std::collections::BTreeSet<&String> = hashes.iter().collect();
    assert_eq!(distinct.len(), hashes.len(), "two keys share a hash");
    let token_hashes = column(&app, "SELECT token_hash AS v FROM session_tokens");
    assert_eq!(token_hashes.len(), 4, "2 native and 2 v1 tokens");
    for hash in &token_hashes {
        assert!(
            hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
            "token_hash {hash:?}"
        );
    }
    eprintln!(
        "{backend:?}: {} credentials checked against {} bytes at rest in {:?}",
        issued.len(),
        everything.len(),
        started.elapsed()
    );
}

crate::on_both_backends!(nothing_issued_is_kept_in_the_clear);
