//! Invitations: one-time, expiring tokens an owner hands to a person, and
//! what accepting one does; the command line's first user.

use std::io::Write as _;
use std::process::{Command, Stdio};

use keyward::http::client::TrustedProxies;
use serde_json::json;

use crate::helpers::{
    accept_path, assert_reply, error_body, forbidden, invitations_path, memberships_path,
    secret_of, send_json, spawn_app, spawn_app_configured, spawn_app_on, text, AppSettings,
    Backend, Reply, TestApp, TestDatabase, PASSWORD,
};
use crate::process::{create_account, KEYWARD};

fn not_found() -> serde_json::Value {
    error_body(404, "Not Found", "INVITATION_NOT_FOUND")
}

fn an_invitation_is_used_once(backend: Backend) {
    let app = spawn_app(backend);
    let root = app.create_account("Acme");
    let created = app.post(
        &invitations_path(&root),
        Some(&root.owner_key),
        &json!({ "email": "ada@example.com", "role": "merchant-terminal" }),
    );
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.header("cache-control"), Some("no-store"));
    let token = text(&created.body, "token").to_owned();
    assert!(token.starts_with("kwinv_"), "{token}");
    let mut invitation = created.body.clone();
    invitation.as_object_mut().unwrap().remove("token");
    assert_eq!(
        invitation["createdBy"],
        format!("crn:{}:api-key:owner", root.id)
    );
    assert_eq!(invitation["role"], "merchant-terminal");
    // Listed without its token.
    assert_reply(
        &app.get(&invitations_path(&root), Some(&root.owner_key)),
        200,
        &json!({ "items": [invitation] }),
    );
    // A new user's password follows the policy; nothing is used up.
    for (password, code) in [
        ("elevenchars", "PASSWORD_TOO_SHORT"),
        ("1q2w3e4r5t6y", "PASSWORD_TOO_COMMON"),
        ("ADA", "PASSWORD_TOO_SHORT"),
        ("Ada@Example.com", "PASSWORD_TOO_COMMON"),
    ] {
        let reply = app.try_accept(&token, "Ada", password);
        assert_reply(&reply, 400, &error_body(400, "Bad Request", code));
    }
    let long = "x".repeat(257);
    let reply = app.try_accept(&token, "Ada", &long);
    assert_reply(
        &reply,
        400,
        &error_body(400, "Bad Request", "PASSWORD_TOO_LONG"),
    );
    assert_eq!(app.count_rows("users"), 0);

    let accepted = app.accept(&token, "Ada", PASSWORD);
    assert_eq!(accepted["membership"]["role"], "merchant-terminal");
    assert_reply(&app.try_accept(&token, "Ada", PASSWORD), 404, &not_found());
    assert_reply(
        &app.get(&invitations_path(&root), Some(&root.owner_key)),
        200,
        &json!({ "items": [] }),
    );
    assert_eq!(app.count_rows("users"), 1);
    // Inviting a member again is a conflict.
    let again = app.post(
        &invitations_path(&root),
        Some(&root.owner_key),
        &json!({ "email": "ADA@example.com", "role": "account-owner" }),
    );
    assert_reply(
        &again,
        409,
        &error_body(409, "Conflict", "MEMBERSHIP_EXISTS"),
    );
}

fn tokens_that_are_no_pending_invitation_are_all_not_found(backend: Backend) {
    let app = spawn_app(backend);
    let root = app.create_account("Acme");
    let expired = app.invite(
        &root.id,
        &root.owner_key,
        "ada@example.com",
        "account-owner",
    );
    app.execute("UPDATE invitations SET expires_at = '2000-01-01 00:00:00'");
    let withdrawn = app.invite(
        &root.id,
        &root.owner_key,
        "bob@example.com",
        "account-owner",
    );
    let listed = app.get(&invitations_path(&root), Some(&root.owner_key));
    let id = text(&listed.body["items"][0], "id").to_owned();
    let path = format!("{}/{id}", invitations_path(&root));
    assert_eq!(app.delete(&path, Some(&root.owner_key)).status, 204);
    assert_reply(&app.delete(&path, Some(&root.owner_key)), 404, &not_found());
    let live = app.invite(&root.id, &root.owner_key, "cy@example.com", "account-owner");
    let mut altered = live.clone();
    altered.replace_range(10..11, if &live[10..11] == "a" { "b" } else { "a" });
    let swapped = format!("kwus_{}", &live[6..]);
    for token in [
        expired.as_str(),
        &withdrawn,
        &altered,
        &swapped,
        "nonsense",
        &root.owner_key,
    ] {
        let reply = app.try_accept(token, "X", PASSWORD);
        assert_reply(&reply, 404, &not_found());
    }
    assert_eq!(app.count_rows("users"), 0);
    // The live one still works.
    app.accept(&live, "Cy", PASSWORD);
}

fn an_existing_user_accepts_with_its_own_password(backend: Backend) {
    let app = spawn_app(backend);
    let acme = app.create_account("Acme");
    let globex = app.create_account("Globex");
    let session = app.owner_member(&acme, "ada@example.com");
    let token = app.invite(
        &globex.id,
        &globex.owner_key,
        "Ada@Example.com",
        "merchant-terminal",
    );
    let wrong = app.try_accept(&token, "Someone", "not her password");
    assert_reply(
        &wrong,
        401,
        &error_body(401, "Unauthorized", "INVALID_EMAIL_OR_PASSWORD"),
    );
    // `name` is required and checked for an existing user too; nothing is
    // used up by a bad one.
    for name in ["", "   ", &"n".repeat(129)] {
        let bad = app.try_accept(&token, name, PASSWORD);
        assert_reply(
            &bad,
            400,
            &error_body(
                400,
                "Bad Request",
                "name must be 1 to 128 printable characters",
            ),
        );
    }
    let accepted = app.accept(&token, "Someone Else", PASSWORD);
    assert_eq!(accepted["user"]["id"], session.user["id"]);
    assert_eq!(
        accepted["user"]["name"], session.user["name"],
        "the name stays"
    );
    assert_eq!(app.count_rows("users"), 1);
    let me = app.user_call("GET", "/api/me", &session, None);
    let accounts: Vec<_> = me.body["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["accountName"].clone(), m["role"].clone()))
        .collect();
    assert_eq!(
        accounts,
        [
            (json!("Acme"), json!("account-owner")),
            (json!("Globex"), json!("merchant-terminal")),
        ]
    );
}

fn only_owners_manage_members(backend: Backend) {
    let app = spawn_app(backend);
    let acme = app.create_account("Acme");
    let globex = app.create_account("Globex");
    let terminal = app.create_key(&acme, "till", "merchant-terminal");
    let terminal = terminal["secret"].as_str().unwrap();
    let body = json!({ "email": "eve@example.com", "role": "account-owner" });
    for key in [terminal, globex.owner_key.as_str()] {
        assert_reply(
            &app.post(&invitations_path(&acme), Some(key), &body),
            403,
            &forbidden(),
        );
        assert_reply(
            &app.get(&invitations_path(&acme), Some(key)),
            403,
            &forbidden(),
        );
        assert_reply(
            &app.get(&memberships_path(&acme), Some(key)),
            403,
            &forbidden(),
        );
    }
    // A bad body from someone who may not act is still just forbidden.
    let bad = json!({ "email": "not an address", "role": "king" });
    assert_reply(
        &app.post(&invitations_path(&acme), Some(terminal), &bad),
        403,
        &forbidden(),
    );
    let refused = app.post(&invitations_path(&acme), Some(&acme.owner_key), &bad);
    assert_eq!(refused.status, 400, "{:?}", refused.body);
    assert_eq!(app.count_rows("invitations"), 0);
}

fn the_command_line_creates_the_first_user(backend: Backend) {
    let db = TestDatabase::new(backend);
    let (account, _) = create_account(&db.url);
    let users_create = |password: &str, email: &str| {
        let mut child = Command::new(KEYWARD)
            .args(["users", "create", "--email", email, "--account", &account])
            .args(["--role", "account-owner", "--database-url", &db.url])
            .env_remove("DATABASE_URL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let short = users_create("too short", "ada@example.com");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("PASSWORD_TOO_SHORT"));
    let made = users_create(PASSWORD, "Ada@Example.com");
    assert!(made.status.success(), "{made:?}");
    let shown = String::from_utf8(made.stdout).unwrap();
    assert!(!shown.contains(PASSWORD));
    let made: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(made["user"]["name"], "ada");
    assert_eq!(
        made["membership"]["createdBy"],
        format!("crn:{account}:cli:keyward")
    );
    let twice = users_create(PASSWORD, "ada@example.com");
    assert!(!twice.status.success());

    let app = spawn_app_on(db, backend, AppSettings::default());
    let session = app.sign_in("ada@example.com", PASSWORD);
    let me = app.user_call("GET", "/api/me", &session, None);
    assert_eq!(me.body["memberships"][0]["accountId"], account.as_str());
    assert_eq!(me.body["memberships"][0]["role"], "account-owner");
}

/// Accepting presents a password, so it follows the sign-in's HTTPS rule
/// and `Origin` check; a refused accept uses nothing up.
fn accepting_needs_https_and_our_origin_like_a_sign_in(backend: Backend) {
    let app = spawn_app_configured(
        backend,
        AppSettings {
            trusted_proxies: TrustedProxies::parse("127.0.0.1").unwrap(),
            ..AppSettings::default()
        },
    );
    let root = app.create_account("Acme");
    let token = app.invite(
        &root.id,
        &root.owner_key,
        "ada@example.com",
        "account-owner",
    );
    let body = json!({ "name": "Ada", "password": PASSWORD });
    let plain = send_json(
        app.request("POST", &accept_path(&token))
            .set("x-forwarded-for", "203.0.113.5"),
        &body,
    );
    assert_reply(&plain, 403, &error_body(403, "Forbidden", "HTTPS_REQUIRED"));
    let foreign = send_json(
        app.request("POST", &accept_path(&token))
            .set("origin", "https://evil.example"),
        &body,
    );
    assert_reply(
        &foreign,
        403,
        &error_body(403, "Forbidden", "ORIGIN_NOT_ALLOWED"),
    );
    assert_eq!(app.count_rows("users"), 0);
    let https = send_json(
        app.request("POST", &accept_path(&token))
            .set("x-forwarded-for", "203.0.113.5")
            .set("x-forwarded-proto", "https"),
        &body,
    );
    assert_eq!(https.status, 201, "{:?}", https.body);
}

/// Accepts each of `tokens` at the same moment, as the existing user Ada;
/// the answers.
fn accept_at_once(app: &TestApp, tokens: &[String]) -> Vec<Reply> {
    std::thread::scope(|scope| {
        let accepts: Vec<_> = tokens
            .iter()
            .map(|token| scope.spawn(move || app.try_accept(token, "Ada", PASSWORD)))
            .collect();
        accepts.into_iter().map(|a| a.join().unwrap()).collect()
    })
}

/// One answer is 201 and every other is `status` with `other`; never a 500.
fn one_accepted(replies: &[Reply], status: u16, other: &serde_json::Value, round: usize) {
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "round {round}: {:?}",
        replies.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    for reply in replies.iter().filter(|r| r.status != 201) {
        assert_reply(reply, status, other);
    }
}

/// One invitation accepted by many at the same moment makes one
/// membership: one answer is 201, every other `404`, never a 500.
fn an_invitation_accepted_at_once_makes_one_membership(backend: Backend) {
    let app = spawn_app(backend);
    let acme = app.create_account("Acme");
    app.owner_member(&acme, "ada@example.com");
    for round in 0..3 {
        let other = app.create_account(&format!("Other {round}"));
        let token = app.invite(
            &other.id,
            &other.owner_key,
            "ada@example.com",
            "account-owner",
        );
        let replies = accept_at_once(&app, &vec![token; 8]);
        one_accepted(&replies, 404, &not_found(), round);
        let members = app.get(&memberships_path(&other), Some(&other.owner_key));
        assert_eq!(members.body["items"].as_array().unwrap().len(), 1);
    }
}

/// Owners inviting one address (in any case) at the same moment leave one
/// pending invitation, as if they had come one after the other: every
/// answer is 201 (or, when others kept winning, `409
/// CONCURRENT_MODIFICATION`), and exactly one of the tokens handed out
/// works.
fn invitations_of_one_address_made_at_once_leave_one(backend: Backend) {
    let app = spawn_app(backend);
    let busy = error_body(409, "Conflict", "CONCURRENT_MODIFICATION");
    for round in 0..3 {
        let acme = app.create_account(&format!("Acme {round}"));
        // Owners with keys of their own: one key's requests wait for each other.
        let owners: Vec<String> = (0..6)
            .map(|i| secret_of(&app.create_key(&acme, &format!("Owner{i}"), "account-owner")))
            .collect();
        let path = invitations_path(&acme);
        let replies: Vec<Reply> = std::thread::scope(|scope| {
            let invites: Vec<_> = owners
                .iter()
                .enumerate()
                .map(|(i, key)| {
                    let (app, path) = (&app, &path);
                    let email = if i % 2 == 0 {
                        "ada@example.com"
                    } else {
                        "ADA@Example.com"
                    };
                    scope.spawn(move || {
                        app.post(
                            path,
                            Some(key),
                            &json!({ "email": email, "role": "merchant-terminal" }),
                        )
                    })
                })
                .collect();
            invites.into_iter().map(|i| i.join().unwrap()).collect()
        });
        let mut tokens = Vec::new();
        for reply in &replies {
            if reply.status == 201 {
                tokens.push(text(&reply.body, "token").to_owned());
            } else {
                assert_reply(reply, 409, &busy);
            }
        }
        assert!(!tokens.is_empty(), "round {round}: no invitation was made");
        let pending = app.get(&path, Some(&acme.owner_key));
        assert_eq!(
            pending.body["items"].as_array().unwrap().len(),
            1,
            "round {round}: {:?}",
            pending.body
        );
        let mut worked = 0;
        for token in &tokens {
            let reply = app.try_accept(token, "Ada", PASSWORD);
            if reply.status == 201 {
                worked += 1;
            } else {
                assert_reply(&reply, 404, &not_found());
            }
        }
        assert_eq!(
            worked,
            1,
            "round {round}: one token of {} works",
            tokens.len()
        );
    }
}

/// An address has one invitation to an account at a time: inviting it
/// again (in another case) replaces the pending one, whose token then no
/// longer works. Another address's invitation, and the same address's to
/// another account, stay.
fn a_new_invitation_replaces_the_pending_one(backend: Backend) {
    let app = spawn_app(backend);
    let acme = app.create_account("Acme");
    let other = app.create_account("Other");
    let first = app.invite(
        &acme.id,
        &acme.owner_key,
        "ADA@Example.com",
        "merchant-terminal",
    );
    let bob = app.invite(
        &acme.id,
        &acme.owner_key,
        "bob@example.com",
        "merchant-terminal",
    );
    let elsewhere = app.invite(
        &other.id,
        &other.owner_key,
        "ada@example.com",
        "merchant-terminal",
    );
    let again = app.post(
        &invitations_path(&acme),
        Some(&acme.owner_key),
        &json!({ "email": "ada@example.com", "role": "account-owner" }),
    );
    assert_eq!(again.status, 201, "{:?}", again.body);
    let second = text(&again.body, "token").to_owned();
    assert_ne!(second, first);
    let listed = app.get(&invitations_path(&acme), Some(&acme.owner_key));
    let items = listed.body["items"].as_array().unwrap();
    let mut emails: Vec<&str> = items
        .iter()
        .map(|item| item["email"].as_str().unwrap())
        .collect();
    emails.sort_unstable();
    assert_eq!(emails, ["ada@example.com", "bob@example.com"]);
    let mut shown = again.body.clone();
    shown.as_object_mut().unwrap().remove("token");
    assert!(items.contains(&shown), "{items:?}");
    assert_eq!(app.count_rows("invitations"), 3);

    assert_reply(&app.try_accept(&first, "Ada", PASSWORD), 404, &not_found());
    assert_eq!(app.count_rows("users"), 0, "the replaced token made no one");
    let accepted = app.accept(&second, "Ada", PASSWORD);
    assert_eq!(accepted["membership"]["role"], "account-owner");
    assert_eq!(accepted["user"]["email"], "ada@example.com");
    app.accept(&bob, "Bob", PASSWORD);
    let joined = app.try_accept(&elsewhere, "Ada", PASSWORD);
    assert_eq!(joined.status, 201, "{:?}", joined.body);
    assert_eq!(joined.body["membership"]["accountId"], other.id.as_str());
}

crate::on_both_backends!(
    an_invitation_is_used_once,
    tokens_that_are_no_pending_invitation_are_all_not_found,
    an_existing_user_accepts_with_its_own_password,
    only_owners_manage_members,
    the_command_line_creates_the_first_user,
    accepting_needs_https_and_our_origin_like_a_sign_in,
    an_invitation_accepted_at_once_makes_one_membership,
    invitations_of_one_address_made_at_once_leave_one,
    a_new_invitation_replaces_the_pending_one,
);
