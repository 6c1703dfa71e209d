//! People as callers: signing in, what a user may reach through its
//! memberships, what its changes record, the session cookie and its CSRF
//! defences, and the sign-in throttle.

use std::time::{Duration, Instant};

use keyward::domain::Password;
use keyward::http::client::TrustedProxies;
use keyward::passwords::PasswordHasher;
use keyward::service::throttle::SignInSettings;
use keyward::service::{Limits, Tuning};
use serde_json::{json, Value};

use crate::helpers::{
    account_path, assert_reply, error_body, events_path, forbidden, get_key,
    invalid_authentication, key_path, keys_path, memberships_path, parse_timestamp, send_json,
    spawn_app, spawn_app_configured, spawn_app_tuned, test_tuning, text, AppSettings, Backend,
    Session, TestApp, PASSWORD,
};

/// A child of `parent` made through the API by its owner key; its id.
fn child(app: &TestApp, parent: &str, owner_key: &str, name: &str) -> String {
    let reply = app.post(
        &format!("{}/accounts", account_path(parent)),
        Some(owner_key),
        &json!({ "name": name }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    text(&reply.body["account"], "id").to_owned()
}

fn user_crn(session: &Session) -> String {
    format!("crn::user:{}", text(&session.user, "id"))
}

fn invited_user_creates_a_key_and_is_recorded_as_a_user(backend: Backend) {
    let app = spawn_app(backend);
    let root = app.create_account("Acme");
    let merchant = child(&app, &root.id, &root.owner_key, "Corner Cafe");
    let token = app.invite(
        &merchant,
        &root.owner_key,
        "Ada@Example.com",
        "account-owner",
    );
    let accepted = app.accept(&token, "Ada Lovelace", PASSWORD);
    let user_id = text(&accepted["user"], "id").to_owned();
    let crn = format!("crn::user:{user_id}");
    let created_at = text(&accepted["user"], "createdAt").to_owned();
    parse_timestamp(&created_at);
    let membership_at = text(&accepted["membership"], "createdAt").to_owned();
    let membership = json!({
        "accountId": merchant,
        "accountName": "Corner Cafe",
        "userId": user_id,
        "email": "Ada@Example.com",
        "name": "Ada Lovelace",
        "crn": crn,
        "role": "account-owner",
        "createdAt": membership_at,
        "createdBy": format!("crn:{}:api-key:owner", root.id),
    });
    assert_eq!(
        accepted,
        json!({
            "user": {
                "id": user_id, "email": "Ada@Example.com", "name": "Ada Lovelace",
                "crn": crn, "createdAt": created_at, "lastLoginAt": null,
            },
            "membership": membership,
        })
    );

    // The address in another case is the same user.
    let session = app.sign_in("ada@EXAMPLE.com", PASSWORD);
    let last_login = text(&session.user, "lastLoginAt").to_owned();
    parse_timestamp(&last_login);
    let me = app.user_call("GET", "/api/me", &session, None);
    assert_reply(
        &me,
        200,
        &json!({
            "user": {
                "id": user_id, "email": "Ada@Example.com", "name": "Ada Lovelace",
                "crn": crn, "createdAt": created_at, "lastLoginAt": last_login,
            },
            "memberships": [membership],
            "csrfToken": session.csrf,
        }),
    );

    let created = app.user_call(
        "POST",
        &keys_path(&merchant),
        &session,
        Some(&json!({ "name": "till", "role": "merchant-terminal" })),
    );
    assert_eq!(created.status, 200, "{:?}", created.body);
    assert_eq!(created.body["createdBy"], crn);
    assert_eq!(created.body["modifiedBy"], crn);
    let disabled = app.user_call(
        "PUT",
        &key_path(&merchant, "till"),
        &session,
        Some(&json!({ "enabled": false })),
    );
    assert_eq!(disabled.status, 200, "{:?}", disabled.body);
    assert_eq!(disabled.body["modifiedBy"], crn);
    assert_eq!(disabled.body["createdBy"], crn);
    let events = app.user_call("GET", &events_path(&merchant, "till"), &session, None);
    assert_eq!(events.status, 200, "{:?}", events.body);
    let items = events.body["items"].as_array().expect("items");
    let kinds: Vec<(&Value, &Value)> = items.iter().map(|e| (&e["kinds"], &e["actor"])).collect();
    assert_eq!(
        kinds,
        [
            (&json!(["disabled"]), &json!(crn)),
            (&json!(["created"]), &json!(crn)),
        ]
    );
    // The owner key sees the same record.
    let owner_view = app.get(&key_path(&merchant, "till"), Some(&root.owner_key));
    assert_eq!(owner_view.body["createdBy"], crn);
}

fn a_child_account_user_cannot_reach_the_parent(backend: Backend) {
    let app = spawn_app(backend);
    let root = app.create_account("Acme");
    let merchant = child(&app, &root.id, &root.owner_key, "Corner Cafe");
    let sibling = child(&app, &root.id, &root.owner_key, "Other Cafe");
    let till = child(&app, &merchant, &root.owner_key, "Till Room");
    let session = app.member(
        &merchant,
        &root.owner_key,
        "ada@example.com",
        "account-owner",
    );
    let keys_before = app.count_rows("api_keys");

    for account in [&root.id, &sibling] {
        for (method, path, body) in [
            ("GET", account_path(account), None),
            ("GET", keys_path(account), None),
            ("GET", memberships_path(account), None),
            (
                "POST",
                keys_path(account),
                Some(json!({ "role": "account-owner" })),
            ),
            (
                "PUT",
                account_path(account),
                Some(json!({ "name": "Mine" })),
            ),
            (
                "POST",
                format!("{}/invitations", account_path(account)),
                Some(json!({ "email": "eve@example.com", "role": "account-owner" })),
            ),
        ] {
            let reply = app.user_call(method, &path, &session, body.as_ref());
            assert_reply(&reply, 403, &forbidden());
        }
    }
    assert_eq!(app.count_rows("api_keys"), keys_before);
    assert_eq!(app.count_rows("invitations"), 0);
    // Its own account and what lies below it are its to manage...
    for account in [&merchant, &till] {
        let reply = app.user_call("GET", &account_path(account), &session, None);
        assert_eq!(reply.status, 200, "{:?}", reply.body);
    }
    // ... suspending only below, never itself.
    let suspend = json!({ "enabled": false });
    let own = app.user_call("PUT", &account_path(&merchant), &session, Some(&suspend));
    assert_reply(&own, 403, &forbidden());
    let below = app.user_call("PUT", &account_path(&till), &session, Some(&suspend));
    assert_eq!(below.status, 200, "{:?}", below.body);
    assert_eq!(below.body["modifiedBy"], user_crn(&session));
    // No session token for a user: they belong to a key.
    let minted = app.user_call(
        "POST",
        &format!("{}/session-tokens", account_path(&merchant)),
        &session,
        Some(&json!({ "scope": "card" })),
    );
    assert_reply(&minted, 403, &forbidden());
}

fn a_terminal_member_manages_nothing(backend: Backend) {
    let app = spawn_app(backend);
    let root = app.create_account("Acme");
    let session = app.member(
        &root.id,
        &root.owner_key,
        "tess@example.com",
        "merchant-terminal",
    );
    for (method, path) in [("GET", keys_path(&root)), ("GET", account_path(&root))] {
        assert_reply(
            &app.user_call(method, &path, &session, None),
            403,
            &forbidden(),
        );
    }
    let me = app.user_call("GET", "/api/me", &session, None);
    assert_eq!(me.body["memberships"][0]["role"], "merchant-terminal");
}

fn a_removed_member_stops_at_the_next_request(backend: Backend) {
    let app = spawn_app(backend);
    let root = app.create_account("Acme");
    let session = app.owner_member(&root, "ada@example.com");
    let user_id = text(&session.user, "id").to_owned();
    assert_eq!(
        app.user_call("GET", &keys_path(&root), &session, None)
            .status,
        200
    );
    let listed = app.get(&memberships_path(&root), Some(&root.owner_key));
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body["items"][0]["userId"], user_id.as_str());
    assert!(listed.body.get("nextPageKey").is_none());

    let removed = app.delete(
        &format!("{}/{user_id}", memberships_path(&root)),
        Some(&root.owner_key),
    );
    assert_eq!(removed.status, 204, "{:?}", removed.body);
    // The very next request, with the same cookie, is refused.
    assert_reply(
        &app.user_call("GET", &keys_path(&root), &session, None),
        403,
        &forbidden(),
    );
    let me = app.user_call("GET", "/api/me", &session, None);
    assert_eq!(me.status, 200);
    assert_eq!(me.body["memberships"], json!([]));
    let again = app.delete(
        &format!("{}/{user_id}", memberships_path(&root)),
        Some(&root.owner_key),
    );
    assert_reply(
        &again,
        404,
        &error_body(404, "Not Found", "MEMBERSHIP_NOT_FOUND"),
    );
    assert_reply(
        &app.get(&memberships_path(&root), Some(&root.owner_key)),
        200,
        &json!({ "items": [] }),
    );
}

/// `keyward_password_checks_total` as `/metrics` shows it.
fn password_checks(app: &TestApp) -> u64 {
    let text = app
        .request("GET", "/metrics")
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix("keyward_password_checks_total "))
        .map_or(0, |n| n.trim().parse().unwrap())
}

/// The least time of a few argon2 checks at the password cost, here.
fn argon2_floor() -> Duration {
    let hasher = PasswordHasher::new().unwrap();
    let password = Password::presented("not anyone's password".into());
    let hash = hasher.hash(&password).unwrap();
    (0..3)
        .map(|_| {
            let started = Instant::now();
            assert!(hasher.verify(&password, &hash));
            started.elapsed()
        })
        .min()
        .unwrap()
}

fn a_wrong_password_and_an_unknown_email_look_the_same(backend: Backend) {
    let app = spawn_app(backend);
    let root = app.create_account("Acme");
    app.owner_member(&root, "ada@example.com");
    let floor = argon2_floor();
    let mut answers = Vec::new();
    for email in ["ada@example.com", "nobody@example.com"] {
        let checks = password_checks(&app);
        let started = Instant::now();
        let reply = app.try_sign_in(email, "not the password of anyone");
        let took = started.elapsed();
        // Both went through one argon2 check at the password cost: the
        // user's hash, or the decoy.
        assert_eq!(password_checks(&app), checks + 1, "{email}");
        assert!(
            took >= floor / 2,
            "{email}: {took:?} for an argon2 floor of {floor:?}"
        );
        let mut headers = reply.headers.clone();
        headers.remove("date");
        headers.remove("x-request-id");
        answers.push((reply.status, reply.body, headers));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].0, 401);
    assert_eq!(
        answers[0].1,
        error_body(401, "Unauthorized", "INVALID_EMAIL_OR_PASSWORD")
    );
    assert!(!answers[0].2.contains_key("set-cookie"));
}

fn the_21st_failure_for_one_email_is_429_and_others_go_on(backend: Backend) {
    let tuning = Tuning {
        sign_in: SignInSettings {
            tarpit: Duration::from_millis(20),
            ..SignInSettings::default()
        },
        ..test_tuning()
    };
    let app = spawn_app_tuned(backend, Limits::default(), tuning);
    let root = app.create_account("Acme");
    app.owner_member(&root, "ada@example.com");
    app.owner_member(&root, "bob@example.com");
    let refused = error_body(401, "Unauthorized", "INVALID_EMAIL_OR_PASSWORD");
    for attempt in 1..=20 {
        let reply = app.try_sign_in("ada@example.com", &format!("guess number {attempt}"));
        assert_reply(&reply, 401, &refused);
    }
    let throttled = error_body(429, "Too Many Requests", "TOO_MANY_FAILED_SIGN_INS");
    let twenty_first = app.try_sign_in("Ada@example.com", "guess number 21");
    assert_reply(&twenty_first, 429, &throttled);
    let wait: u64 = twenty_first.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    // Now even the right password waits for the window: a guesser learns
    // nothing from trying on.
    assert_reply(
        &app.try_sign_in("ada@example.com", PASSWORD),
        429,
        &throttled,
    );
    // Another email from the same address still works, and still fails
    // normally.
    app.sign_in("bob@example.com", PASSWORD);
    assert_reply(
        &app.try_sign_in("bob@example.com", "a wrong one"),
        401,
        &refused,
    );
}

/// Parallel guesses for one email cannot pass the limit: the attempt is
/// counted before its password is hashed, so no more than the limit of
/// passwords are ever checked, however many guesses arrive at once.
fn parallel_guesses_check_no_more_than_the_limit(backend: Backend) {
    let tuning = Tuning {
        sign_in: SignInSettings {
            tarpit: Duration::from_millis(1),
            ..SignInSettings::default()
        },
        ..test_tuning()
    };
    let app = spawn_app_tuned(backend, Limits::default(), tuning);
    let root = app.create_account("Acme");
    app.owner_member(&root, "ada@example.com");
    let limit = SignInSettings::default().per_email as usize;
    let before = password_checks(&app);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let guesses: Vec<_> = (0..limit * 3)
            .map(|n| {
                let app = &app;
                scope.spawn(move || {
                    app.try_sign_in("ada@example.com", &format!("parallel guess {n}"))
                        .status
                })
            })
            .collect();
        guesses.into_iter().map(|g| g.join().unwrap()).collect()
    });
    let checked = password_checks(&app) - before;
    assert_eq!(checked, limit as u64, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), limit);
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), limit * 2);
}

fn cookie_changes_need_the_csrf_token_and_our_origin(backend: Backend) {
    let app = spawn_app(backend);
    let root = app.create_account("Acme");
    app.create_key(&root, "till", "merchant-terminal");
    let session = app.owner_member(&root, "ada@example.com");
    let path = key_path(&root, "till");
    let change = json!({ "description": "changed" });
    let cookie = format!("keyward_session={}", session.cookie);
    let csrf_refused = error_body(403, "Forbidden", "CSRF_TOKEN_INVALID");
    let origin_refused = error_body(403, "Forbidden", "ORIGIN_NOT_ALLOWED");

    let without = send_json(app.request("PUT", &path).set("cookie", &cookie), &change);
    assert_reply(&without, 403, &csrf_refused);
    let wrong = send_json(
        app.request("PUT", &path)
            .set("cookie", &cookie)
            .set("x-csrf-token", "not-the-token"),
        &change,
    );
    assert_reply(&wrong, 403, &csrf_refused);
    let foreign = send_json(
        app.as_user("PUT", &path, &session)
            .set("origin", "https://evil.example"),
        &change,
    );
    assert_reply(&foreign, 403, &origin_refused);
    let null_origin = send_json(
        app.as_user("PUT", &path, &session).set("origin", "null"),
        &change,
    );
    assert_reply(&null_origin, 403, &origin_refused);
    assert_eq!(
        get_key(&app, &root, "till")["version"],
        "1",
        "nothing changed"
    );

    let own = send_json(
        app.as_user("PUT", &path, &session).set("origin", &app.addr),
        &change,
    );
    assert_eq!(own.status, 200, "{:?}", own.body);
    assert_eq!(own.body["description"], "changed");
    // Reading needs no token.
    let read = crate::helpers::send(app.request("GET", &path).set("cookie", &cookie), None);
    assert_eq!(read.status, 200);
    // A sign-in from a page of another origin is refused too.
    let sign_in = send_json(
        app.request("POST", "/api/session")
            .set("origin", "https://evil.example"),
        &json!({ "email": "ada@example.com", "password": PASSWORD }),
    );
    assert_reply(&sign_in, 403, &origin_refused);
    // Signing out is a change like any other.
    let out = crate::helpers::send(
        app.request("DELETE", "/api/session").set("cookie", &cookie),
        None,
    );
    assert_reply(&out, 403, &csrf_refused);
    let out = app.user_call("DELETE", "/api/session", &session, None);
    assert_eq!(out.status, 204);
    assert_eq!(
        out.header("set-cookie"),
        Some("keyward_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
    );
    assert_reply(
        &app.user_call("GET", "/api/me", &session, None),
        401,
        &invalid_authentication(),
    );
}

fn sign_in_needs_https_except_on_loopback_or_when_allowed(backend: Backend) {
    let proxies = TrustedProxies::parse("127.0.0.1").unwrap();
    let app = spawn_app_configured(
        backend,
        AppSettings {
            trusted_proxies: proxies.clone(),
            ..AppSettings::default()
        },
    );
    let root = app.create_account("Acme");
    // From loopback itself: over plain HTTP, and no Secure flag.
    let local = app.owner_member(&root, "ada@example.com");
    let body = json!({ "email": "ada@example.com", "password": PASSWORD });
    let plain = send_json(
        app.request("POST", "/api/session")
            .set("x-forwarded-for", "203.0.113.5"),
        &body,
    );
    assert_reply(&plain, 403, &error_body(403, "Forbidden", "HTTPS_REQUIRED"));
    assert!(plain.header("set-cookie").is_none());
    let https = send_json(
        app.request("POST", "/api/session")
            .set("x-forwarded-for", "203.0.113.5")
            .set("x-forwarded-proto", "https")
            .set("x-forwarded-host", "keys.example")
            .set("origin", "https://keys.example"),
        &body,
    );
    assert_eq!(https.status, 200, "{:?}", https.body);
    let set = https.header("set-cookie").unwrap();
    let cookie = crate::helpers::session_cookie(set);
    assert_eq!(
        set,
        format!(
            "keyward_session={cookie}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure"
        )
    );
    assert_eq!(https.header("cache-control"), Some("no-store"));
    let loopback = app.try_sign_in("ada@example.com", PASSWORD);
    let set = loopback.header("set-cookie").unwrap();
    assert!(set.ends_with("; Max-Age=43200"), "{set}");
    assert_ne!(crate::helpers::session_cookie(set), local.cookie);

    let allowed = spawn_app_configured(
        backend,
        AppSettings {
            trusted_proxies: proxies,
            allow_insecure_sign_in: true,
            ..AppSettings::default()
        },
    );
    let root = allowed.create_account("Acme");
    allowed.owner_member(&root, "ada@example.com");
    let plain = send_json(
        allowed
            .request("POST", "/api/session")
            .set("x-forwarded-for", "203.0.113.5"),
        &body,
    );
    assert_eq!(plain.status, 200, "{:?}", plain.body);
    assert!(!plain.header("set-cookie").unwrap().contains("Secure"));
}

/// A proxy on this host that `--trusted-proxies` does not list makes every
/// client's connection come from loopback: a request with forwarding
/// headers from an untrusted loopback peer is not taken for this host's own.
fn an_unlisted_proxy_on_this_host_is_not_a_loopback_client(backend: Backend) {
    let app = spawn_app(backend);
    let root = app.create_account("Acme");
    app.owner_member(&root, "ada@example.com");
    let body = json!({ "email": "ada@example.com", "password": PASSWORD });
    let https_required = error_body(403, "Forbidden", "HTTPS_REQUIRED");
    for (name, value) in [
        ("x-forwarded-for", "203.0.113.5"),
        ("x-forwarded-proto", "https"),
        ("x-forwarded-host", "keys.example"),
        ("forwarded", "for=203.0.113.5;proto=https"),
    ] {
        let reply = send_json(app.request("POST", "/api/session").set(name, value), &body);
        assert_reply(&reply, 403, &https_required);
        assert!(reply.header("set-cookie").is_none(), "{name}");
    }
    // Without them, loopback is this host.
    assert_eq!(app.try_sign_in("ada@example.com", PASSWORD).status, 200);
}

/// `GET /api/me` answers a signed-in user with the CSRF token: no cache
/// may keep it. A key's answer holds no secret and stays cacheable (see
/// `secrets_at_rest`).
fn me_is_never_stored(backend: Backend) {
    let app = spawn_app(backend);
    let root = app.create_account("Acme");
    let session = app.owner_member(&root, "ada@example.com");
    let user = app.user_call("GET", "/api/me", &session, None);
    assert_eq!(user.status, 200);
    assert_eq!(user.header("cache-control"), Some("no-store"));
}

fn a_password_change_ends_the_other_sessions(backend: Backend) {
    let app = spawn_app(backend);
    let root = app.create_account("Acme");
    let here = app.owner_member(&root, "ada@example.com");
    let there = app.sign_in("ada@example.com", PASSWORD);
    let path = "/api/me/password";
    let new = "an entirely new passphrase";
    for (candidate, code) in [
        ("short", "PASSWORD_TOO_SHORT"),
        ("qwerty123456", "PASSWORD_TOO_COMMON"),
        ("ADA@example.com", "PASSWORD_TOO_COMMON"),
    ] {
        let body = json!({ "currentPassword": PASSWORD, "newPassword": candidate });
        let reply = app.user_call("PUT", path, &here, Some(&body));
        assert_reply(&reply, 400, &error_body(400, "Bad Request", code));
    }
    let wrong = json!({ "currentPassword": "not my password", "newPassword": new });
    assert_reply(
        &app.user_call("PUT", path, &here, Some(&wrong)),
        400,
        &error_body(400, "Bad Request", "CURRENT_PASSWORD_INCORRECT"),
    );
    assert_eq!(app.user_call("GET", "/api/me", &there, None).status, 200);

    let right = json!({ "currentPassword": PASSWORD, "newPassword": new });
    let changed = app.user_call("PUT", path, &here, Some(&right));
    assert_eq!(changed.status, 204, "{:?}", changed.body);
    assert_eq!(app.user_call("GET", "/api/me", &here, None).status, 200);
    assert_reply(
        &app.user_call("GET", "/api/me", &there, None),
        401,
        &invalid_authentication(),
    );
    assert_eq!(app.try_sign_in("ada@example.com", PASSWORD).status, 401);
    app.sign_in("ada@example.com", new);
    // A key has no password to change.
    let by_key = app.put(path, Some(&root.owner_key), &right);
    assert_reply(&by_key, 403, &forbidden());
}

fn sessions_end_when_idle_or_old(backend: Backend) {
    let app = spawn_app(backend);
    let root = app.create_account("Acme");
    let idle = app.owner_member(&root, "ada@example.com");
    let old = app.sign_in("ada@example.com", PASSWORD);
    let fresh = app.sign_in("ada@example.com", PASSWORD);
    // The session's id is the UUID the cookie carries after `kwus_`.
    let id_of = |session: &Session| {
        let hex = &session.cookie[5..37];
        uuid::Uuid::try_parse(hex).unwrap().to_string()
    };
    let past = "'2000-01-01 00:00:00'";
    app.execute(&format!(
        "UPDATE user_sessions SET last_seen_at = {past} WHERE id = '{}'",
        id_of(&idle)
    ));
    app.execute(&format!(
        "UPDATE user_sessions SET expires_at = {past} WHERE id = '{}'",
        id_of(&old)
    ));
    for ended in [&idle, &old] {
        assert_reply(
            &app.user_call("GET", "/api/me", ended, None),
            401,
            &invalid_authentication(),
        );
    }
    assert_eq!(app.user_call("GET", "/api/me", &fresh, None).status, 200);
    // A made-up or altered cookie is no session either.
    let mut forged = fresh.clone();
    forged.cookie.replace_range(
        40..41,
        if &forged.cookie[40..41] == "a" {
            "b"
        } else {
            "a"
        },
    );
    assert_reply(
        &app.user_call("GET", "/api/me", &forged, None),
        401,
        &invalid_authentication(),
    );
}

fn the_cookie_is_read_only_on_native_routes_without_a_key(backend: Backend) {
    let app = spawn_app(backend);
    let root = app.create_account("Acme");
    let session = app.owner_member(&root, "ada@example.com");
    let cookie = format!("keyward_session={}", session.cookie);
    let v1 = crate::helpers::send(
        app.request("GET", "/api/v1/api_keys")
            .set("cookie", &cookie),
        None,
    );
    assert_reply(
        &v1,
        401,
        &crate::helpers::v1_error(401, "Unauthorized", "Missing authentication"),
    );
    // With both, the key is the caller.
    let both = crate::helpers::send(
        app.as_user("GET", "/api/me", &session)
            .set("x-api-key", &root.owner_key),
        None,
    );
    assert_eq!(both.body["crn"], format!("crn:{}:api-key:owner", root.id));
    let bad_key = crate::helpers::send(
        app.as_user("GET", "/api/me", &session)
            .set("x-api-key", "kw_nonsense"),
        None,
    );
    assert_reply(&bad_key, 401, &invalid_authentication());
    // A key has no session to end.
    assert_reply(
        &app.delete("/api/session", Some(&root.owner_key)),
        403,
        &forbidden(),
    );
    // A user has no own account to create a child under.
    let child = app.user_call(
        "POST",
        "/api/accounts",
        &session,
        Some(&json!({ "name": "Below" })),
    );
    assert_reply(&child, 403, &forbidden());
}

fn a_suspended_account_gives_its_members_nothing(backend: Backend) {
    let app = spawn_app(backend);
    let root = app.create_account("Acme");
    let merchant = child(&app, &root.id, &root.owner_key, "Corner Cafe");
    let session = app.member(
        &merchant,
        &root.owner_key,
        "ada@example.com",
        "account-owner",
    );
    assert_eq!(
        app.user_call("GET", &keys_path(&merchant), &session, None)
            .status,
        200
    );
    let suspended = app.put(
        &account_path(&merchant),
        Some(&root.owner_key),
        &json!({ "enabled": false }),
    );
    assert_eq!(suspended.status, 200, "{:?}", suspended.body);
    assert_reply(
        &app.user_call("GET", &keys_path(&merchant), &session, None),
        403,
        &forbidden(),
    );
}

crate::on_both_backends!(
    invited_user_creates_a_key_and_is_recorded_as_a_user,
    a_child_account_user_cannot_reach_the_parent,
    a_terminal_member_manages_nothing,
    a_removed_member_stops_at_the_next_request,
    a_wrong_password_and_an_unknown_email_look_the_same,
    the_21st_failure_for_one_email_is_429_and_others_go_on,
    parallel_guesses_check_no_more_than_the_limit,
    cookie_changes_need_the_csrf_token_and_our_origin,
    sign_in_needs_https_except_on_loopback_or_when_allowed,
    an_unlisted_proxy_on_this_host_is_not_a_loopback_client,
    me_is_never_stored,
    a_password_change_ends_the_other_sessions,
    sessions_end_when_idle_or_old,
    the_cookie_is_read_only_on_native_routes_without_a_key,
    a_suspended_account_gives_its_members_nothing,
);
