//! Hardening: input at the edges, or shaped to probe, never makes the server
//! panic, answer `5xx`, leak a credential or a database password, or tell an
//! unknown key id from a wrong secret.
//!
//! Covered here: extreme `expiresAt`, `ttlSeconds` and `gracePeriodSeconds`;
//! a database password in `--database-url`; verify answers for unknown ids
//! and wrong secrets, and their throttling; empty `x-api-key` headers;
//! `If-Match` lists per RFC 9110; bidirectional control characters in
//! descriptions; credential-shaped `x-request-id`s; and credential-shaped
//! strings in JSON error messages.

use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use keyward::secret::{CredentialKind, Secret};
use keyward::service::Limits;
use serde_json::{json, Value};

use crate::helpers::{
    default_throttle_tuning, error_body, key_path, keys_path, rotate_path, send, spawn_app,
    spawn_app_tuned, text, tokens_path, v1_error, Backend, Reply, TestAccount, TestApp,
    TestDatabase,
};

use crate::process::{create_account, wait_listening, Killed, KEYWARD};

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

/// Asserts a native `400` with a non-empty message; returns the message.
fn bad_request(reply: &Reply, what: &str) -> String {
    assert_eq!(reply.status, 400, "{what}: {:?}", reply.body);
    let message = reply.body["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: no message in {:?}", reply.body))
        .to_owned();
    assert!(!message.is_empty(), "{what}: empty message");
    assert_eq!(
        reply.body,
        error_body(400, "Bad Request", &message),
        "{what}"
    );
    message
}

/// Asserts a `/api/v1` `400` with a non-empty detail; returns the detail.
fn v1_bad_request(reply: &Reply, what: &str) -> String {
    assert_eq!(reply.status, 400, "{what}: {:?}", reply.body);
    let detail = reply.body["errors"][0]["detail"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: no errors[0].detail in {:?}", reply.body))
        .to_owned();
    assert!(!detail.is_empty(), "{what}: empty detail");
    assert_eq!(reply.body, v1_error(400, "Bad Request", &detail), "{what}");
    detail
}

/// The server still answers after whatever was sent before.
fn assert_alive(app: &TestApp) {
    let reply = app.get("/healthz", None);
    assert_eq!(
        (reply.status, reply.body),
        (200, json!({ "status": "ok" })),
        "the server no longer answers /healthz"
    );
}

/// The 24 random characters of a credential: what must never leak, even
/// without its prefix or checksum.
fn random_part(secret: &str) -> &str {
    &secret[secret.len() - 30..secret.len() - 6]
}

/// A well-formed, checksummed API key carrying `id`, with a secret nobody holds.
fn forged_key(id: uuid::Uuid) -> String {
    Secret::generate(CredentialKind::ApiKey, id)
        .expose()
        .to_owned()
}

fn assert_throttled(reply: &Reply, what: &str) {
    assert_eq!(reply.status, 429, "{what}: {:?}", reply.body);
    assert_eq!(
        reply.body,
        error_body(429, "Too Many Requests", "RATE_LIMIT_EXCEEDED"),
        "{what}"
    );
    let wait: u64 = reply
        .header("retry-after")
        .unwrap_or_else(|| panic!("{what}: no Retry-After"))
        .parse()
        .expect("Retry-After is a number");
    assert!((1..=60).contains(&wait), "{what}: Retry-After {wait}");
}

/// Sends a raw HTTP/1.1 request (`Connection: close`) and reads the reply to
/// the end. `headers` may name the same header more than once, which ureq
/// cannot send.
fn raw_request(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Reply {
    let addr = app.addr.trim_start_matches("http://");
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body.unwrap_or_default());

    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("read timeout");
    stream.write_all(&bytes).expect("send request");
    let mut received = Vec::new();
    let _ = stream.read_to_end(&mut received);
    parse_response(&received)
}

fn parse_response(received: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(received);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete response: {text:?}"));
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: std::collections::HashMap<String, String> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let body = match headers.get("content-length") {
        Some(len) => body
            .get(..len.parse::<usize>().expect("content-length"))
            .unwrap_or(body),
        None => body,
    };
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned()))
    };
    Reply {
        status,
        headers,
        body,
    }
}

// ---------------------------------------------------------------------------
// Running the real binary
// ---------------------------------------------------------------------------

/// Starts `keyward args` in `dir` with `env`, stdout and stderr each to a
/// file there. Returns the process and the two file paths.
fn start_keyward(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (Killed, [PathBuf; 2]) {
    let out = dir.join(format!("stdout-{}", uuid::Uuid::new_v4().simple()));
    let err = dir.join(format!("stderr-{}", uuid::Uuid::new_v4().simple()));
    let child = Command::new(KEYWARD)
        .args(args)
        .env_remove("DATABASE_URL")
        .envs(env.iter().copied())
        .env("RUST_LOG", "debug")
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(File::create(&out).unwrap())
        .stderr(File::create(&err).unwrap())
        .spawn()
        .expect("start keyward");
    (Killed(child), [out, err])
}

fn read_all(paths: &[PathBuf; 2]) -> String {
    paths
        .iter()
        .map(|path| std::fs::read_to_string(path).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs `keyward args` until it exits, or starts listening, or 20 s pass;
/// then stops it. Returns how it exited (`None`: it had to be stopped) and
/// everything it wrote to stdout and stderr.
fn run_keyward(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (Option<ExitStatus>, String) {
    let (mut child, paths) = start_keyward(dir, args, env);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("wait") {
            break Some(status);
        }
        if Instant::now() >= deadline || read_all(&paths).contains("listening on ") {
            // Give a started server a moment to log whatever it logs next.
            std::thread::sleep(Duration::from_millis(300));
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(child);
    (status, read_all(&paths))
}

/// A `keyward serve` over `database_url`, logging to a file.
struct LoggedServer {
    base: String,
    paths: [PathBuf; 2],
    process: Option<Killed>,
}

impl LoggedServer {
    fn start(dir: &Path, database_url: &str) -> Self {
        let (mut process, paths) = start_keyward(
            dir,
            &[
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--no-bootstrap",
                "--database-url",
                database_url,
            ],
            &[],
        );
        let base = wait_listening(&mut process.0, || read_all(&paths));
        Self {
            base,
            paths,
            process: Some(process),
        }
    }

    fn request(&self, method: &str, path: &str) -> ureq::Request {
        ureq::request(method, &format!("{}{path}", self.base))
    }

    /// Stops the server and returns everything it wrote.
    fn stop(mut self) -> String {
        drop(self.process.take());
        read_all(&self.paths)
    }
}

// ---------------------------------------------------------------------------
// 1. Extreme timestamps and durations
// ---------------------------------------------------------------------------

/// Named values that overflow when brought to UTC, lie in the past, or are
/// not RFC 3339 at all: always `400`.
const REFUSED_EXPIRIES: [&str; 12] = [
    "9999-12-31T23:59:59-23:59",
    "9999-12-31T23:59:59.999999999-23:59",
    "0000-01-01T00:00:00+23:59",
    "0000-01-01T00:00:00Z",
    "0000-01-01T00:00:00-23:59",
    "1969-12-31T23:59:60Z",
    "9999-12-31T23:59:59-24:00",
    "9999-12-31T23:59:59+99:99",
    "+10000-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z",
    "-0001-01-01T00:00:00Z",
    "2030-02-30T00:00:00Z",
];

/// Named values that are in the future and representable (or, for the leap
/// second, may be read as such): `200` or `400`, nothing else.
const EDGE_EXPIRIES: [&str; 4] = [
    "9999-12-31T00:00:00Z",
    "9999-12-31T23:59:59+23:59",
    "9999-12-31T23:59:60Z",
    "9999-12-31T23:59:59.999999999Z",
];

/// Values at the ends of the year range, with every extreme offset and
/// several fractions; each with whether it must be refused.
fn generated_expiries() -> Vec<(String, bool)> {
    let mut values = Vec::new();
    for year in ["0000", "0001", "9998", "9999"] {
        for (day, time) in [("01-01", "00:00:00"), ("12-31", "23:59:59")] {
            for fraction in ["", ".0", ".999", ".999999999"] {
                for offset in ["+23:59", "-23:59", "+00:00", "-00:00", "Z"] {
                    let value = format!("{year}-{day}T{time}{fraction}{offset}");
                    let past = year == "0000" || year == "0001";
                    let overflows = year == "9999" && day == "12-31" && offset == "-23:59";
                    values.push((value, past || overflows));
                }
            }
        }
    }
    values
}

/// `reply` to an `expiresAt` of `value`: `400` with the native error body,
/// or (unless `must_refuse`) `200`.
fn check_expiry_reply(reply: &Reply, value: &str, must_refuse: bool, what: &str) {
    let what = format!("{what} expiresAt {value}");
    match reply.status {
        400 => {
            bad_request(reply, &what);
        }
        200 if !must_refuse => {
            assert!(
                reply.body["expiresAt"].is_string(),
                "{what}: {:?}",
                reply.body
            );
        }
        status => panic!("{what}: status {status}: {:?}", reply.body),
    }
}

fn extreme_expiries_never_panic(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = account.owner_key.as_str();
    app.create_key(&account, "Target", "merchant-terminal");

    let mut cases: Vec<(String, bool)> = REFUSED_EXPIRIES
        .iter()
        .map(|v| ((*v).to_owned(), true))
        .chain(EDGE_EXPIRIES.iter().map(|v| ((*v).to_owned(), false)))
        .collect();
    cases.extend(generated_expiries());

    for (i, (value, must_refuse)) in cases.iter().enumerate() {
        let name = format!("Ts{i}");
        let created = app.post(
            &keys_path(&account),
            Some(owner),
            &json!({ "name": name, "role": "merchant-terminal", "expiresAt": value }),
        );
        check_expiry_reply(&created, value, *must_refuse, "create");
        if created.status == 200 {
            // What was stored reads back.
            let shown = app.get(&key_path(&account, &name), Some(owner));
            assert_eq!(shown.status, 200, "{value}: {:?}", shown.body);
            assert_eq!(
                shown.body["expiresAt"], created.body["expiresAt"],
                "{value}"
            );
        }

        let updated = app.put(
            &key_path(&account, "Target"),
            Some(owner),
            &json!({ "expiresAt": value }),
        );
        check_expiry_reply(&updated, value, *must_refuse, "update");
    }

    // Every key, whatever its expiry, still lists and filters.
    for query in ["", "?status=active", "?status=expired", "?status=revoked"] {
        let listed = app.get(&format!("{}{query}", keys_path(&account)), Some(owner));
        assert_eq!(listed.status, 200, "list{query}: {:?}", listed.body);
    }
    assert_eq!(app.get("/api/v1/api_keys", Some(owner)).status, 200);
    assert_alive(&app);
}

/// Numbers no lifetime or grace period can be.
fn out_of_range_numbers() -> Vec<Value> {
    vec![
        json!(i64::MAX),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(-1),
        json!(0),
        json!(1e30),
        json!(-1e30),
    ]
}

fn extreme_durations_never_panic(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = account.owner_key.as_str();
    let mint_path = tokens_path(&account);

    for ttl in out_of_range_numbers() {
        let reply = app.post(
            &mint_path,
            Some(owner),
            &json!({ "scope": "card", "ttlSeconds": ttl }),
        );
        bad_request(&reply, &format!("ttlSeconds {ttl}"));
        let reply = app.post(
            &format!("/api/v1/session_tokens?api_key={owner}"),
            None,
            &json!({ "session_token": { "scope": "card", "ttl_seconds": ttl } }),
        );
        v1_bad_request(&reply, &format!("ttl_seconds {ttl}"));
    }

    // A key that expires at the very end of the range, rotated with every
    // grace period. 0 is a valid grace period (the default), so it rotates.
    let created = app.post(
        &keys_path(&account),
        Some(owner),
        &json!({ "name": "Rot", "role": "merchant-terminal",
                 "expiresAt": "9999-12-31T23:59:59.999Z" }),
    );
    assert_eq!(created.status, 200, "{:?}", created.body);
    let rotate = rotate_path(&account, "Rot");
    for grace in out_of_range_numbers() {
        let reply = app.post(
            &rotate,
            Some(owner),
            &json!({ "gracePeriodSeconds": grace }),
        );
        if grace == json!(0) {
            assert_eq!(reply.status, 200, "gracePeriodSeconds 0: {:?}", reply.body);
        } else {
            bad_request(&reply, &format!("gracePeriodSeconds {grace}"));
        }
    }
    // The longest grace period, capped by an expiry in year 9999.
    let reply = app.post(
        &rotate,
        Some(owner),
        &json!({ "gracePeriodSeconds": 604_800 }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_alive(&app);
}

// ---------------------------------------------------------------------------
// 2. A database password never reaches the output
// ---------------------------------------------------------------------------

const PASSWORD: &str = "hunter2secret";

/// Database URLs that carry `PASSWORD`, all pointing at a closed port.
const URLS_WITH_PASSWORD: [&str; 4] = [
    "postgres://postgres@127.0.0.1:1/keyward_nowhere?password=hunter2secret",
    "postgres://postgres:hunter2secret@127.0.0.1:1/db",
    "postgresql://postgres@127.0.0.1:1/db?sslmode=disable&password=hunter2secret",
    "host=127.0.0.1 port=1 user=postgres password=hunter2secret dbname=x",
];

/// What is run, its arguments, and its environment.
type Run<'a> = (&'a str, Vec<&'a str>, Vec<(&'a str, &'a str)>);

#[test]
fn database_passwords_never_reach_the_output() {
    let dir = tempfile::tempdir().unwrap();
    for url in URLS_WITH_PASSWORD {
        let runs: [Run; 4] = [
            (
                "serve --database-url",
                vec![
                    "serve",
                    "--bind",
                    "127.0.0.1:0",
                    "--no-bootstrap",
                    "--database-url",
                    url,
                ],
                vec![],
            ),
            (
                "serve with DATABASE_URL",
                vec!["serve", "--bind", "127.0.0.1:0", "--no-bootstrap"],
                vec![("DATABASE_URL", url)],
            ),
            ("migrate", vec!["migrate", "--database-url", url], vec![]),
            (
                "accounts create",
                vec![
                    "accounts",
                    "create",
                    "--name",
                    "Acme",
                    "--database-url",
                    url,
                ],
                vec![],
            ),
        ];
        for (what, args, env) in runs {
            let (status, output) = run_keyward(dir.path(), &args, &env);
            assert!(
                !output.contains(PASSWORD),
                "{what} with {url:?} ({status:?}) printed the password:\n{output}"
            );
            if url.contains("://") {
                // The closed port: start-up fails, and says something.
                assert!(
                    status.is_some_and(|s| !s.success()),
                    "{what} with {url:?}: {status:?}\n{output}"
                );
                assert!(!output.trim().is_empty(), "{what} with {url:?}: silent");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// 3, 4. Verify: unknown ids and wrong secrets read alike, and are throttled
// ---------------------------------------------------------------------------

/// 25 verify calls of `key`: each answer's status, whole body and whether it
/// carries `Retry-After`.
fn verify_sequence(app: &TestApp, key: &str) -> Vec<(u16, Value, bool)> {
    (0..25)
        .map(|_| {
            let reply = app.post("/api/verify", None, &json!({ "key": key }));
            let retry = reply.header("retry-after").is_some();
            (reply.status, reply.body, retry)
        })
        .collect()
}

/// What both probes must get: 20 `NOT_FOUND`s, then `429`s.
fn assert_not_found_then_throttled(sequence: &[(u16, Value, bool)], what: &str) {
    for (i, (status, body, retry)) in sequence.iter().enumerate() {
        if i < 20 {
            assert_eq!(
                (*status, body),
                (200, &json!({ "valid": false, "code": "NOT_FOUND" })),
                "{what}: call {}",
                i + 1
            );
        } else {
            assert_eq!(
                (*status, body, *retry),
                (
                    429,
                    &error_body(429, "Too Many Requests", "RATE_LIMIT_EXCEEDED"),
                    true
                ),
                "{what}: call {}",
                i + 1
            );
        }
    }
}

/// A server with the default throttle, an account and a key `Victim`;
/// returns the app and the key's id.
fn verify_app(backend: Backend) -> (TestApp, String) {
    let app = spawn_app_tuned(backend, Limits::default(), default_throttle_tuning());
    let account = app.create_account("Acme");
    let victim = app.create_key(&account, "Victim", "merchant-terminal");
    let id = text(&victim, "id").to_owned();
    (app, id)
}

fn verify_does_not_reveal_which_ids_exist(backend: Backend) {
    let (unknown_app, _) = verify_app(backend);
    let unknown = forged_key(uuid::Uuid::new_v4());
    let unknown_answers = verify_sequence(&unknown_app, &unknown);
    drop(unknown_app);

    let (known_app, victim_id) = verify_app(backend);
    let wrong_secret = forged_key(uuid::Uuid::parse_str(&victim_id).unwrap());
    let wrong_answers = verify_sequence(&known_app, &wrong_secret);

    assert_eq!(
        unknown_answers, wrong_answers,
        "an unknown id and a wrong secret must read alike"
    );
    assert_not_found_then_throttled(&unknown_answers, "unknown id");
    assert_not_found_then_throttled(&wrong_answers, "wrong secret");
}

fn unknown_ids_on_verify_are_throttled_by_address(backend: Backend) {
    let (app, _) = verify_app(backend);
    let answers: Vec<(u16, Value, bool)> = (0..25)
        .map(|_| {
            let probe = forged_key(uuid::Uuid::new_v4());
            let reply = app.post("/api/verify", None, &json!({ "key": probe }));
            if reply.status == 429 {
                assert_throttled(&reply, "unknown id");
            }
            let retry = reply.header("retry-after").is_some();
            (reply.status, reply.body, retry)
        })
        .collect();
    assert_not_found_then_throttled(&answers, "25 different unknown ids");
}

// ---------------------------------------------------------------------------
// 5. An empty x-api-key header is a malformed credential
// ---------------------------------------------------------------------------

const BLANK_HEADERS: [&str; 3] = ["", "    ", " \t "];

fn empty_api_key_headers_are_malformed(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = account.owner_key.as_str();
    // The query credential works on its own.
    assert_eq!(
        app.get(&format!("/api/v1/api_keys?api_key={owner}"), None)
            .status,
        200
    );

    for blank in BLANK_HEADERS {
        let reply = send(app.request("GET", "/api/me").set("x-api-key", blank), None);
        assert_eq!(reply.status, 401, "native {blank:?}: {:?}", reply.body);
        assert_eq!(
            reply.body,
            error_body(401, "Unauthorized", "Invalid authentication"),
            "native {blank:?}"
        );

        // No fall-through to a valid `?api_key=`.
        let reply = send(
            app.request("GET", &format!("/api/v1/api_keys?api_key={owner}"))
                .set("x-api-key", blank),
            None,
        );
        assert_eq!(reply.status, 401, "v1 {blank:?}: {:?}", reply.body);
        assert_eq!(
            reply.body,
            v1_error(401, "Unauthorized", "Invalid authentication"),
            "v1 {blank:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// 6. If-Match lists per RFC 9110
// ---------------------------------------------------------------------------

/// `If-Match` header lines sent (one entry per line), and the status PUT and
/// DELETE must answer for a key at version 1.
const IF_MATCH_CASES: [(&[&str], u16, u16); 9] = [
    (&[r#""1""#], 200, 204),
    (&[r#""5", "1""#], 200, 204),
    (&[r#""5","1""#], 200, 204),
    (&[r#""5", "6""#], 412, 412),
    (&[r#""5""#, r#""1""#], 200, 204),
    (&[r#""5""#, r#""6""#], 412, 412),
    (&[r#""1", bogus"#], 400, 400),
    (&[r#""1""#, "bogus"], 400, 400),
    (&["*"], 200, 204),
];

/// The key's `(version, status, enabled, description)`.
fn key_state(app: &TestApp, account: &TestAccount, name: &str) -> (Value, Value, Value, Value) {
    let reply = app.get(&key_path(account, name), Some(&account.owner_key));
    assert_eq!(reply.status, 200, "{name}: {:?}", reply.body);
    let b = reply.body;
    (
        b["version"].clone(),
        b["status"].clone(),
        b["enabled"].clone(),
        b["description"].clone(),
    )
}

fn check_if_match_reply(reply: &Reply, expected: u16, what: &str) {
    assert_eq!(reply.status, expected, "{what}: {:?}", reply.body);
    match expected {
        200 => {
            assert_eq!(reply.body["version"], json!("2"), "{what}");
            assert_eq!(reply.header("etag"), Some("\"2\""), "{what}");
        }
        204 => assert_eq!(reply.header("etag"), Some("\"2\""), "{what}"),
        412 => assert_eq!(
            reply.body,
            error_body(412, "Precondition Failed", "VERSION_MISMATCH"),
            "{what}"
        ),
        400 => assert_eq!(
            reply.body,
            error_body(
                400,
                "Bad Request",
                "If-Match must be a key version such as \"1\""
            ),
            "{what}"
        ),
        _ => unreachable!(),
    }
}

fn if_match_takes_lists_and_repeated_lines(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = account.owner_key.as_str();
    let update = json!({ "enabled": false, "description": "changed" }).to_string();

    for (i, (lines, put_status, delete_status)) in IF_MATCH_CASES.iter().enumerate() {
        let what = format!("If-Match {lines:?}");
        let mut headers = vec![("x-api-key", owner)];
        headers.extend(lines.iter().map(|line| ("If-Match", *line)));

        let name = format!("Put{i}");
        app.create_key(&account, &name, "merchant-terminal");
        let before = key_state(&app, &account, &name);
        let mut put_headers = headers.clone();
        put_headers.push(("Content-Type", "application/json"));
        let reply = raw_request(
            &app,
            "PUT",
            &key_path(&account, &name),
            &put_headers,
            Some(update.as_bytes()),
        );
        check_if_match_reply(&reply, *put_status, &format!("PUT {what}"));
        let after = key_state(&app, &account, &name);
        if *put_status == 200 {
            assert_eq!(
                after,
                (json!("2"), json!("active"), json!(false), json!("changed")),
                "PUT {what}"
            );
        } else {
            assert_eq!(after, before, "PUT {what} changed the key");
        }

        let name = format!("Del{i}");
        app.create_key(&account, &name, "merchant-terminal");
        let before = key_state(&app, &account, &name);
        let reply = raw_request(&app, "DELETE", &key_path(&account, &name), &headers, None);
        check_if_match_reply(&reply, *delete_status, &format!("DELETE {what}"));
        let after = key_state(&app, &account, &name);
        if *delete_status == 204 {
            assert_eq!(
                (&after.0, &after.1),
                (&json!("2"), &json!("revoked")),
                "DELETE {what}"
            );
        } else {
            assert_eq!(after, before, "DELETE {what} changed the key");
        }
    }
}

// ---------------------------------------------------------------------------
// 7. Bidirectional control characters
// ---------------------------------------------------------------------------

/// RIGHT-TO-LEFT OVERRIDE, LEFT-TO-RIGHT ISOLATE, RIGHT-TO-LEFT MARK.
const BIDI: [char; 3] = ['\u{202E}', '\u{2066}', '\u{200F}'];

fn bidirectional_controls_are_refused(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = account.owner_key.as_str();
    app.create_key(&account, "Till", "merchant-terminal");
    let list = || {
        let reply = app.get(&keys_path(&account), Some(owner));
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        reply.body
    };
    let listed = list();
    let rows = app.count_rows("api_keys");

    for c in BIDI {
        let description = format!("invoice{c}fdp.exe");
        let what = format!("U+{:04X}", u32::from(c));

        let reply = app.post(
            &keys_path(&account),
            Some(owner),
            &json!({ "name": "Bidi", "role": "merchant-terminal", "description": description }),
        );
        let message = bad_request(&reply, &format!("native create {what}"));
        assert!(message.contains("description"), "{what}: {message}");

        let reply = app.put(
            &key_path(&account, "Till"),
            Some(owner),
            &json!({ "description": description }),
        );
        let message = bad_request(&reply, &format!("native update {what}"));
        assert!(message.contains("description"), "{what}: {message}");

        let reply = app.post(
            "/api/v1/api_keys",
            Some(owner),
            &json!({ "api_key": { "description": description } }),
        );
        let detail = v1_bad_request(&reply, &format!("v1 create {what}"));
        assert!(detail.contains("description"), "{what}: {detail}");
    }
    assert_eq!(list(), listed, "a refused request changed the keys");
    assert_eq!(app.count_rows("api_keys"), rows);
}

// ---------------------------------------------------------------------------
// 8. Credential-shaped request ids
// ---------------------------------------------------------------------------

/// Request ids that look like credentials, beside `real` ones.
fn credential_shaped_ids(real: &[&str]) -> Vec<String> {
    let mut ids: Vec<String> = real.iter().map(|s| (*s).to_owned()).collect();
    ids.extend(
        ["kw_", "kw_requestidprobe", "kwst_requestidprobe", "kwst_1"]
            .iter()
            .map(|s| (*s).to_owned()),
    );
    ids
}

/// `reply` came back with a request id of its own, not `sent`.
fn assert_replaced(reply: &Reply, sent: &str, what: &str) {
    let id = reply
        .header("x-request-id")
        .unwrap_or_else(|| panic!("{what}: no x-request-id"));
    assert!(
        !id.contains(sent) && !id.contains(random_part_or_all(sent)),
        "{what}: {sent:?} was echoed as {id:?}"
    );
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{what}: {id:?}");
}

/// The random part of a full credential, or the whole of a short string.
fn random_part_or_all(s: &str) -> &str {
    if s.len() >= 65 {
        random_part(s)
    } else {
        s
    }
}

fn credential_shaped_request_ids_are_not_echoed(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = account.owner_key.as_str();
    let till = app.create_key(&account, "Till", "merchant-terminal");
    let minted = app.post(
        &tokens_path(&account),
        Some(owner),
        &json!({ "scope": "card" }),
    );
    assert_eq!(minted.status, 200, "{:?}", minted.body);
    let ids = credential_shaped_ids(&[
        owner,
        text(&till, "secret"),
        text(&minted.body, "sessionToken"),
    ]);

    for sent in &ids {
        for (path, key) in [
            ("/healthz", None),
            ("/api/me", Some(owner)),
            ("/api/me", None),
        ] {
            let reply = send(
                crate::helpers::with_key(app.request("GET", path), key).set("x-request-id", sent),
                None,
            );
            assert_replaced(&reply, sent, &format!("GET {path}"));
        }
    }
    // An ordinary id still comes back.
    let reply = send(
        app.request("GET", "/healthz")
            .set("x-request-id", "abc-123"),
        None,
    );
    assert_eq!(reply.header("x-request-id"), Some("abc-123"));
}

#[test]
fn credential_shaped_request_ids_never_reach_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(Backend::Sqlite);
    let (_, owner) = create_account(&db.url);
    let server = LoggedServer::start(dir.path(), &db.url);
    let ids = credential_shaped_ids(&[&owner]);

    for sent in &ids {
        // No credential: the request id is the only place the key could leak from.
        let reply = send(
            server.request("GET", "/healthz").set("x-request-id", sent),
            None,
        );
        assert_replaced(&reply, sent, "GET /healthz");
        let reply = send(
            server.request("GET", "/nowhere").set("x-request-id", sent),
            None,
        );
        assert_replaced(&reply, sent, "GET /nowhere");
    }
    let reply = send(
        server
            .request("GET", "/healthz")
            .set("x-request-id", "abc-123"),
        None,
    );
    assert_eq!(reply.header("x-request-id"), Some("abc-123"));

    let log = server.stop();
    assert!(
        log.contains("request_id=abc-123"),
        "an ordinary request id is logged:\n{log}"
    );
    assert!(
        !log.contains(random_part(&owner)),
        "a key reached the log through x-request-id:\n{log}"
    );
    for probe in [
        "kw_requestidprobe",
        "kwst_requestidprobe",
        "request_id=kw_",
        "request_id=kwst_",
    ] {
        assert!(
            !log.contains(probe),
            "{probe:?} reached the log through x-request-id:\n{log}"
        );
    }
}

// ---------------------------------------------------------------------------
// 9. Error messages never echo a credential
// ---------------------------------------------------------------------------

/// The whole reply, as text, holds neither `secret` nor its random part.
fn assert_not_echoed(reply: &Reply, secret: &str, what: &str) {
    let shown = format!("{:?} {}", reply.headers, reply.body);
    assert!(
        !shown.contains(secret) && !shown.contains(random_part(secret)),
        "{what} echoed a credential: {shown}"
    );
}

/// A raw JSON body with `secret` as a field name.
fn with_secret_field(before: &str, secret: &str, after: &str) -> Vec<u8> {
    format!("{before}\"{secret}\":1{after}").into_bytes()
}

fn post_raw(app: &TestApp, path: &str, key: &str, body: &[u8]) -> Reply {
    send(
        app.request("POST", path)
            .set("x-api-key", key)
            .set("content-type", "application/json"),
        Some(body),
    )
}

fn unknown_fields_are_not_echoed(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = account.owner_key.as_str();
    let till = app.create_key(&account, "Till", "merchant-terminal");
    let rows = app.count_rows("api_keys");

    for secret in [owner, text(&till, "secret")] {
        for body in [
            with_secret_field("{", secret, "}"),
            with_secret_field(r#"{"name":"Leak","role":"merchant-terminal","#, secret, "}"),
        ] {
            let what = format!("native create {}", String::from_utf8_lossy(&body));
            let reply = post_raw(&app, &keys_path(&account), owner, &body);
            bad_request(&reply, &what);
            assert_not_echoed(&reply, secret, &what);
        }
        for body in [
            with_secret_field(r#"{"api_key":{"#, secret, "}}"),
            with_secret_field(r#"{"api_key":{"description":"Leak","#, secret, "}}"),
        ] {
            let what = format!("v1 create {}", String::from_utf8_lossy(&body));
            let reply = post_raw(&app, "/api/v1/api_keys", owner, &body);
            v1_bad_request(&reply, &what);
            assert_not_echoed(&reply, secret, &what);
        }
    }
    assert_eq!(
        app.count_rows("api_keys"),
        rows,
        "a refused create stored a key"
    );
}

/// Beyond field names: a credential given as a value of the wrong type, or
/// as an unknown field elsewhere, is not quoted back either.
fn misplaced_credentials_are_not_echoed(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = account.owner_key.as_str();
    let secret = text(
        &app.create_key(&account, "Till", "merchant-terminal"),
        "secret",
    )
    .to_owned();

    let native = [
        (
            "PUT",
            key_path(&account, "Till"),
            json!({ "enabled": secret }),
        ),
        ("PUT", key_path(&account, "Till"), with_field(&secret)),
        (
            "POST",
            "/api/verify".to_owned(),
            json!({ "key": "x", secret.as_str(): 1 }),
        ),
        (
            "POST",
            tokens_path(&account),
            json!({ "scope": "card", "ttlSeconds": secret }),
        ),
    ];
    for (method, path, body) in native {
        let what = format!("{method} {path} {body}");
        let reply = send(
            app.request(method, &path)
                .set("x-api-key", owner)
                .set("content-type", "application/json"),
            Some(body.to_string().as_bytes()),
        );
        bad_request(&reply, &what);
        assert_not_echoed(&reply, &secret, &what);
    }
    for body in [
        json!({ "api_key": secret }),
        json!({ "session_token": { "scope": "card", "ttl_seconds": secret } }),
    ] {
        let path = if body.get("session_token").is_some() {
            "/api/v1/session_tokens"
        } else {
            "/api/v1/api_keys"
        };
        let what = format!("POST {path} {body}");
        let reply = post_raw(&app, path, owner, body.to_string().as_bytes());
        v1_bad_request(&reply, &what);
        assert_not_echoed(&reply, &secret, &what);
    }
}

/// An update body with `secret` as an unknown field.
fn with_field(secret: &str) -> Value {
    let mut body = serde_json::Map::new();
    body.insert("enabled".into(), json!(true));
    body.insert(secret.into(), json!(1));
    Value::Object(body)
}

crate::on_both_backends!(
    extreme_expiries_never_panic,
    extreme_durations_never_panic,
    verify_does_not_reveal_which_ids_exist,
    unknown_ids_on_verify_are_throttled_by_address,
    empty_api_key_headers_are_malformed,
    if_match_takes_lists_and_repeated_lines,
    bidirectional_controls_are_refused,
    credential_shaped_request_ids_are_not_echoed,
    unknown_fields_are_not_echoed,
    misplaced_credentials_are_not_echoed,
);
