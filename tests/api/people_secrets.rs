//! No password, session token or invitation token is kept where it could
//! be read back: not in the database (every table's text), not in a log
//! line, not in a URL or header Keyward writes.

use std::io::Write as _;
use std::process::{Command, Stdio};

use diesel::prelude::*;
use diesel::sql_types::Text;
use serde_json::{json, Value};

use crate::helpers::{self, Backend, Reply, TestDatabase, PASSWORD};
use crate::process::{create_account, serve_logging_to, KEYWARD};

#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = Text)]
    text: String,
}

/// Everything the database holds as text: on SQLite the bytes of its files
/// (the database and its write-ahead log), on PostgreSQL each row of each
/// table cast to text.
fn database_text(db: &TestDatabase) -> String {
    if let Some(path) = db.sqlite_path() {
        let mut all = Vec::new();
        for file in [path.to_owned(), format!("{path}-wal")] {
            if let Ok(bytes) = std::fs::read(&file) {
                all.extend(bytes);
            }
        }
        return String::from_utf8_lossy(&all).into_owned();
    }
    let mut conn = PgConnection::establish(&db.url).unwrap();
    let tables: Vec<TextRow> = diesel::sql_query(
        "SELECT table_name::text AS text FROM information_schema.tables \
         WHERE table_schema = 'public'",
    )
    .load(&mut conn)
    .unwrap();
    assert!(tables.iter().any(|t| t.text == "user_sessions"));
    let mut all = String::new();
    for table in tables {
        let rows: Vec<TextRow> = diesel::sql_query(format!(
            "SELECT CAST(t AS TEXT) AS text FROM \"{}\" t",
            table.text
        ))
        .load(&mut conn)
        .unwrap();
        for row in rows {
            all.push_str(&row.text);
            all.push('\n');
        }
    }
    all
}

fn no_people_secret_is_kept_or_logged(backend: Backend) {
    let db = TestDatabase::new(backend);
    let dir = tempfile::tempdir().unwrap();
    let (account, owner) = create_account(&db.url);
    let mut cli = Command::new(KEYWARD)
        .args([
            "users",
            "create",
            "--email",
            "ada@example.com",
            "--account",
            &account,
        ])
        .args(["--role", "account-owner", "--database-url", &db.url])
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(cli.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let cli = cli.wait_with_output().unwrap();
    assert!(cli.status.success(), "{cli:?}");

    let log_path = dir.path().join("server.log");
    let mut cmd = Command::new(KEYWARD);
    cmd.args(["serve", "--bind", "127.0.0.1:0", "--no-bootstrap"])
        .args(["--database-url", &db.url])
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "debug");
    let (server, base) = serve_logging_to(cmd, &log_path);
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let mut replies: Vec<Reply> = Vec::new();
    let mut call = |method: &str, path: &str, headers: &[(&str, &str)], body: Option<Value>| {
        let mut req = agent.request(method, &format!("{base}{path}"));
        for (name, value) in headers {
            req = req.set(name, value);
        }
        let reply = match body {
            Some(body) => helpers::send_json(req, &body),
            None => helpers::send(req, None),
        };
        replies.push(reply.clone());
        reply
    };
    let signed_in = |reply: &Reply| {
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        let cookie = helpers::session_cookie(reply.header("set-cookie").unwrap());
        let csrf = reply.body["csrfToken"].as_str().unwrap().to_owned();
        (format!("keyward_session={cookie}"), cookie, csrf)
    };

    let ada = call(
        "POST",
        "/api/session",
        &[],
        Some(json!({ "email": "ada@example.com", "password": PASSWORD })),
    );
    let (ada_cookie, ada_session, ada_csrf) = signed_in(&ada);
    let invited = call(
        "POST",
        &format!("/api/accounts/{account}/invitations"),
        &[("cookie", &ada_cookie), ("x-csrf-token", &ada_csrf)],
        Some(json!({ "email": "bob@example.com", "role": "account-owner" })),
    );
    assert_eq!(invited.status, 201, "{:?}", invited.body);
    let invitation = invited.body["token"].as_str().unwrap().to_owned();
    let bob_password = "bob's own passphrase, quite long";
    let accepted = call(
        "POST",
        &format!("/api/invitations/{invitation}/accept"),
        &[],
        Some(json!({ "name": "Bob", "password": bob_password })),
    );
    assert_eq!(accepted.status, 201, "{:?}", accepted.body);
    // Routing decodes %XX: a token written with `%5F` for its `_`s is
    // accepted, and must be redacted all the same.
    let invited = call(
        "POST",
        &format!("/api/accounts/{account}/invitations"),
        &[("cookie", &ada_cookie), ("x-csrf-token", &ada_csrf)],
        Some(json!({ "email": "cy@example.com", "role": "merchant-terminal" })),
    );
    assert_eq!(invited.status, 201, "{:?}", invited.body);
    let cy_invitation = invited.body["token"].as_str().unwrap().to_owned();
    let encoded = cy_invitation.replace('_', "%5F");
    let accepted = call(
        "POST",
        &format!("/api/invitations/{encoded}/accept"),
        &[],
        Some(json!({ "name": "Cy", "password": "cy's own passphrase, long enough" })),
    );
    assert_eq!(accepted.status, 201, "{:?}", accepted.body);
    let bob = call(
        "POST",
        "/api/session",
        &[],
        Some(json!({ "email": "bob@example.com", "password": bob_password })),
    );
    let (bob_cookie, bob_session, bob_csrf) = signed_in(&bob);
    let new_password = "bob's newer passphrase, longer still";
    let changed = call(
        "PUT",
        "/api/me/password",
        &[("cookie", &bob_cookie), ("x-csrf-token", &bob_csrf)],
        Some(json!({ "currentPassword": bob_password, "newPassword": new_password })),
    );
    assert_eq!(changed.status, 204, "{:?}", changed.body);
    let wrong = call(
        "POST",
        "/api/session",
        &[],
        Some(json!({ "email": "bob@example.com", "password": "a guess that is wrong" })),
    );
    assert_eq!(wrong.status, 401);
    for path in ["/api/me", &format!("/api/accounts/{account}/memberships")] {
        assert_eq!(
            call("GET", path, &[("cookie", &bob_cookie)], None).status,
            200
        );
    }
    let key = call(
        "POST",
        &format!("/api/accounts/{account}/api-keys"),
        &[("cookie", &ada_cookie), ("x-csrf-token", &ada_csrf)],
        Some(json!({ "name": "till", "role": "merchant-terminal" })),
    );
    assert_eq!(key.status, 200);
    let out = call(
        "DELETE",
        "/api/session",
        &[("cookie", &ada_cookie), ("x-csrf-token", &ada_csrf)],
        None,
    );
    assert_eq!(out.status, 204);
    assert_eq!(
        call("GET", "/api/me", &[("x-api-key", &owner)], None).status,
        200
    );
    drop(server);

    let secrets = [
        PASSWORD,
        bob_password,
        new_password,
        "a guess that is wrong",
        // The random parts, so that no prefix or truncation hides a leak.
        &ada_session[ada_session.len() - 30..],
        &bob_session[bob_session.len() - 30..],
        &invitation[invitation.len() - 30..],
        &cy_invitation[cy_invitation.len() - 30..],
        &encoded[..encoded.len() - 30],
        &ada_csrf,
        &bob_csrf,
    ];
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert_eq!(
        log.matches("\"POST /api/invitations/[redacted]/accept\" 201")
            .count(),
        2,
        "both accepts are logged, their tokens redacted:\n{log}"
    );
    let cli_output = format!(
        "{}{}",
        String::from_utf8_lossy(&cli.stdout),
        String::from_utf8_lossy(&cli.stderr)
    );
    let stored = database_text(&db);
    assert!(
        stored.contains("bob@example.com"),
        "the scan reads the data"
    );
    for secret in secrets {
        assert!(!log.contains(secret), "{secret:?} reached the log:\n{log}");
        assert!(
            !cli_output.contains(secret),
            "{secret:?} in the command's output"
        );
        assert!(!stored.contains(secret), "{secret:?} is in the database");
    }
    // No URL or header Keyward wrote holds one: no Location at all, and
    // the cookie only in the Set-Cookie of a sign-in.
    for reply in &replies {
        assert!(reply.header("location").is_none(), "{reply:?}");
        for (name, value) in &reply.headers {
            if name == "set-cookie" {
                continue;
            }
            for secret in secrets {
                assert!(!value.contains(secret), "{name}: {value}");
            }
        }
    }
    // Only the invitation's create answer shows its token; no answer shows
    // a password or a session token.
    for reply in &replies {
        let body = reply.body.to_string();
        for secret in &secrets[..7] {
            let shown_once =
                *secret == &invitation[invitation.len() - 30..] && std::ptr::eq(reply, &replies[1]);
            assert!(shown_once || !body.contains(secret), "{secret:?} in {body}");
        }
    }
}

crate::on_both_backends!(no_people_secret_is_kept_or_logged);
