//! IP allowlists (issue 16): a key with `allowedCidrs` is refused with 403
//! `IP_NOT_ALLOWED` on Keyward's own API from an address outside them (the
//! address `--trusted-proxies` decides: the peer's, or the one a trusted
//! proxy forwards; a spoofed `X-Forwarded-For` from anyone else is
//! ignored), and served from inside. Verify holds the allowlist against
//! the `ip` it is given, and applies none without one. Session tokens
//! follow their key's allowlist as it is now. The secret is checked first,
//! and the key's own state before the address. Allowlists are normalised,
//! shown in both dialects, changed by `PUT` and audited; bad ones are
//! refused and change nothing.

use diesel::prelude::*;
use keyward::http::client::TrustedProxies;
use keyward::secret::{CredentialKind, Secret};
use keyward::store::schema::api_keys;
use serde_json::{json, Value};

use crate::helpers::{
    assert_reply, crn, error_body, get_key, invalid_authentication, key_events, key_path,
    keys_path, secret_of, send, spawn_app, spawn_app_configured, text, tokens_path, v1_attributes,
    v1_error, with_key, without_secret, AppSettings, Backend, Reply, TestAccount, TestApp,
};

// ---------------------------------------------------------------------------
// Helpers

/// The native `403 IP_NOT_ALLOWED`.
fn ip_not_allowed() -> Value {
    error_body(403, "Forbidden", "IP_NOT_ALLOWED")
}

fn bad_request(message: &str) -> Value {
    error_body(400, "Bad Request", message)
}

/// Creates the key `name` (an owner key unless `role` says otherwise)
/// with the extra fields of `extra`; returns the create response.
fn create(app: &TestApp, account: &TestAccount, name: &str, role: &str, extra: Value) -> Value {
    let mut body = json!({ "name": name, "role": role });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().expect("an object").clone());
    let reply = app.post(&keys_path(account), Some(&account.owner_key), &body);
    assert_eq!(reply.status, 200, "create {name}: {:?}", reply.body);
    reply.body
}

/// `GET /api/me` with `credential` and the extra headers given.
fn me(app: &TestApp, credential: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = with_key(app.request("GET", "/api/me"), Some(credential));
    for (name, value) in headers {
        request = request.set(name, value);
    }
    send(request, None)
}

/// What `/api/me` answers for the API key `name` of `account`.
fn me_body(account: &TestAccount, name: &str, role: &str) -> Value {
    json!({
        "accountId": account.id,
        "parentAccountId": null,
        "name": name,
        "role": role,
        "crn": crn(account, name),
    })
}

/// `POST /api/verify` with `body`; asserts 200 and returns the verdict.
fn verify(app: &TestApp, body: Value) -> Value {
    let reply = app.post("/api/verify", None, &body);
    assert_eq!(reply.status, 200, "verify {body}: {:?}", reply.body);
    reply.body
}

/// The whole positive verdict on the API key `key` (a create response).
fn valid_key(account: &TestAccount, key: &Value) -> Value {
    let name = text(key, "name");
    json!({
        "valid": true,
        "code": "VALID",
        "accountId": account.id,
        "parentAccountId": null,
        "keyId": key["id"],
        "name": name,
        "role": key["role"],
        "crn": crn(account, name),
    })
}

fn refused(code: &str) -> Value {
    json!({ "valid": false, "code": code })
}

/// The `allowed_cidrs` column of the key `id`, as stored.
fn stored_cidrs(app: &TestApp, id: &str) -> Option<String> {
    let mut conn = app.db.get().expect("connection");
    api_keys::table
        .find(id)
        .select(api_keys::allowed_cidrs)
        .first(&mut *conn)
        .expect("the key's row")
}

/// A well-formed key with `key`'s id and a secret nobody holds.
fn wrong_secret_of(key: &Value) -> String {
    let id = uuid::Uuid::parse_str(text(key, "id")).expect("a uuid");
    Secret::generate(CredentialKind::ApiKey, id)
        .expose()
        .to_owned()
}

fn mint(app: &TestApp, account: &TestAccount, credential: &str) -> Reply {
    app.post(
        &tokens_path(account),
        Some(credential),
        &json!({ "scope": "show_card" }),
    )
}

// ---------------------------------------------------------------------------
// On Keyward's own API

/// The test server's clients all come from 127.0.0.1, and it trusts no
/// proxy: the peer's address is the one an allowlist sees, whatever
/// `X-Forwarded-For` or `Forwarded` claim.
fn a_key_is_refused_outside_its_allowlist_and_served_inside(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let outside = create(
        &app,
        &account,
        "Outside",
        "account-owner",
        json!({ "allowedCidrs": ["10.0.0.0/8", "2001:db8::/32"] }),
    );
    let outside_secret = secret_of(&outside);
    assert_reply(&me(&app, &outside_secret, &[]), 403, &ip_not_allowed());
    // A spoofed forwarding header from an untrusted peer changes nothing.
    for header in [
        ("x-forwarded-for", "10.1.2.3"),
        ("forwarded", "for=10.1.2.3"),
    ] {
        assert_reply(
            &me(&app, &outside_secret, &[header]),
            403,
            &ip_not_allowed(),
        );
    }
    // Every route, both dialects, the key in the header or the query.
    let list = app.get(&keys_path(&account), Some(&outside_secret));
    assert_reply(&list, 403, &ip_not_allowed());
    let v1 = app.get(&format!("/api/v1/api_keys?api_key={outside_secret}"), None);
    assert_reply(&v1, 403, &v1_error(403, "Forbidden", "IP_NOT_ALLOWED"));

    // From inside: served.
    let inside = create(
        &app,
        &account,
        "Inside",
        "merchant-terminal",
        json!({ "allowedCidrs": ["192.0.2.0/24", "127.0.0.0/8"] }),
    );
    assert_reply(
        &me(
            &app,
            &secret_of(&inside),
            &[("x-forwarded-for", "192.0.2.1")],
        ),
        200,
        &me_body(&account, "Inside", "merchant-terminal"),
    );
    let single = create(
        &app,
        &account,
        "Single",
        "account-owner",
        json!({ "allowedCidrs": ["127.0.0.1"] }),
    );
    let listed = app.get(&keys_path(&account), Some(&secret_of(&single)));
    assert_eq!(listed.status, 200, "{:?}", listed.body);
    assert_eq!(listed.body.as_array().map(Vec::len), Some(4));

    // The secret is checked first: a wrong one from outside learns only
    // that it is wrong.
    assert_reply(
        &me(&app, &wrong_secret_of(&outside), &[]),
        401,
        &invalid_authentication(),
    );
    // Then the key's own state: a disabled key is refused as such,
    // wherever it is used from.
    let disabled = app.put(
        &key_path(&account, "Outside"),
        Some(&account.owner_key),
        &json!({ "enabled": false }),
    );
    assert_eq!(disabled.status, 200, "{:?}", disabled.body);
    assert_reply(
        &me(&app, &outside_secret, &[]),
        401,
        &invalid_authentication(),
    );
    assert_eq!(
        verify(&app, json!({ "key": outside_secret, "ip": "192.0.2.1" })),
        refused("DISABLED")
    );
}

/// Behind a trusted proxy, the address it forwards is the client's: an
/// allowlist admits or refuses that one, never the proxy's.
fn through_a_trusted_proxy_the_forwarded_address_decides(backend: Backend) {
    let app = spawn_app_configured(
        backend,
        AppSettings {
            trusted_proxies: TrustedProxies::parse("127.0.0.1/32").expect("proxies"),
            ..AppSettings::default()
        },
    );
    let account = app.create_account("Acme");
    let key = create(
        &app,
        &account,
        "Till",
        "merchant-terminal",
        json!({ "allowedCidrs": ["203.0.113.0/24", "2001:db8::/32"] }),
    );
    let secret = secret_of(&key);
    let served = me_body(&account, "Till", "merchant-terminal");
    let cases: [(&[(&str, &str)], u16); 8] = [
        (&[("x-forwarded-for", "203.0.113.9")], 200),
        (&[("x-forwarded-for", "198.51.100.7, 203.0.113.9")], 200),
        (&[("x-forwarded-for", "2001:db8::7")], 200),
        (&[("forwarded", "for=\"[2001:db8::7]:4711\"")], 200),
        (&[("x-forwarded-for", "198.51.100.1")], 403),
        // The rightmost address a trusted proxy did not add is the client.
        (&[("x-forwarded-for", "203.0.113.9, 198.51.100.7")], 403),
        (&[("forwarded", "for=198.51.100.1")], 403),
        // No header: the proxy itself is the client.
        (&[], 403),
    ];
    for (headers, status) in cases {
        let reply = me(&app, &secret, headers);
        let expected = if status == 200 {
            served.clone()
        } else {
            ip_not_allowed()
        };
        assert_eq!(
            (reply.status, &reply.body),
            (status, &expected),
            "{headers:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Verify

/// Verify holds a key's allowlist against `ip`, the address the asking
/// service saw, and applies none without it (the address verify itself
/// sees is the service's). A refused use spends nothing.
fn verify_holds_the_allowlist_against_ip(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let key = create(
        &app,
        &account,
        "Till",
        "merchant-terminal",
        json!({
            "allowedCidrs": ["192.0.2.0/24", "2001:db8::/32"],
            "credits": { "remaining": 10, "refill": null },
        }),
    );
    let secret = secret_of(&key);
    let valid = |remaining: i64| {
        let mut verdict = valid_key(&account, &key);
        verdict["credits"] = json!({ "remaining": remaining });
        verdict
    };
    assert_eq!(verify(&app, json!({ "key": secret })), valid(9), "no ip");
    for (ip, remaining) in [
        ("192.0.2.44", 8),
        ("2001:db8::5", 7),
        ("::ffff:192.0.2.44", 6),
        ("2001:DB8:0:0:0:0:0:1", 5),
    ] {
        assert_eq!(
            verify(&app, json!({ "key": secret, "ip": ip })),
            valid(remaining),
            "{ip}"
        );
    }
    for ip in ["198.51.100.1", "192.0.3.1", "2001:db9::1", "127.0.0.1"] {
        assert_eq!(
            verify(&app, json!({ "key": secret, "ip": ip })),
            refused("IP_NOT_ALLOWED"),
            "{ip}"
        );
    }
    // Nothing was spent by the refusals.
    assert_eq!(get_key(&app, &account, "Till")["credits"]["remaining"], 5);
    // The secret first: a wrong one is NOT_FOUND, from anywhere.
    assert_eq!(
        verify(
            &app,
            json!({ "key": wrong_secret_of(&key), "ip": "198.51.100.1" })
        ),
        refused("NOT_FOUND")
    );
    // A key without an allowlist is valid from any ip.
    let plain = create(&app, &account, "Plain", "merchant-terminal", json!({}));
    assert_eq!(
        verify(
            &app,
            json!({ "key": secret_of(&plain), "ip": "198.51.100.1" })
        ),
        valid_key(&account, &plain)
    );
    // A bad ip is a 400, whatever the credential.
    let not_an_address = "ip must be an IPv4 or IPv6 address such as 203.0.113.7 or 2001:db8::1";
    for ip in [
        "192.0.2",
        "192.0.2.0/24",
        " 192.0.2.1",
        "",
        "fe80::1%eth0",
        "host",
    ] {
        let reply = app.post("/api/verify", None, &json!({ "key": secret, "ip": ip }));
        assert_reply(&reply, 400, &bad_request(not_an_address));
    }
    let null = app.post("/api/verify", None, &json!({ "key": secret, "ip": null }));
    assert_reply(&null, 400, &bad_request("ip must not be null"));
    let number = app.post("/api/verify", None, &json!({ "key": secret, "ip": 5 }));
    assert_eq!(number.status, 400, "{:?}", number.body);
    assert_eq!(get_key(&app, &account, "Till")["credits"]["remaining"], 5);
}

// ---------------------------------------------------------------------------
// Session tokens

/// A session token answers to its key's allowlist as it is when the token
/// is used, not as it was at the mint.
fn session_tokens_follow_their_keys_allowlist(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let key = create(
        &app,
        &account,
        "Minter",
        "account-owner",
        json!({ "allowedCidrs": ["127.0.0.1/32"] }),
    );
    let secret = secret_of(&key);
    let minted = mint(&app, &account, &secret);
    assert_eq!(minted.status, 200, "mint: {:?}", minted.body);
    let token = text(&minted.body, "sessionToken").to_owned();
    let token_me = me(&app, &token, &[]);
    assert_eq!(token_me.status, 200, "{:?}", token_me.body);

    let path = key_path(&account, "Minter");
    let owner = Some(account.owner_key.as_str());
    let moved = app.put(&path, owner, &json!({ "allowedCidrs": ["10.0.0.0/8"] }));
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    assert_reply(&me(&app, &token, &[]), 403, &ip_not_allowed());
    assert_reply(&mint(&app, &account, &secret), 403, &ip_not_allowed());
    let verify_token = |ip: &str| verify(&app, json!({ "sessionToken": token, "ip": ip }));
    assert_eq!(verify_token("192.0.2.1"), refused("IP_NOT_ALLOWED"));
    let inside = verify_token("10.9.8.7");
    assert_eq!(
        (&inside["valid"], &inside["code"]),
        (&json!(true), &json!("VALID"))
    );
    // Removing the allowlist lets the token in again from anywhere.
    let removed = app.put(&path, owner, &json!({ "allowedCidrs": null }));
    assert_eq!(removed.status, 200, "{:?}", removed.body);
    let again = me(&app, &token, &[]);
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(again.body["name"], "Minter");
}

// ---------------------------------------------------------------------------
// Setting, showing, changing, auditing

fn allowlists_are_normalised_shown_changed_and_audited(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = Some(account.owner_key.as_str());
    let key = create(
        &app,
        &account,
        "Till",
        "merchant-terminal",
        json!({ "allowedCidrs": ["10.1.2.3/8", "2001:DB8::1", "10.0.0.0/8", "192.0.2.7"] }),
    );
    let normal = json!(["10.0.0.0/8", "2001:db8::1/128", "192.0.2.7/32"]);
    assert_eq!(key["allowedCidrs"], normal);
    let id = text(&key, "id").to_owned();
    assert_eq!(get_key(&app, &account, "Till"), without_secret(&key));
    let listed = app.get(&keys_path(&account), owner);
    assert_eq!(listed.body[1], without_secret(&key));
    assert_eq!(v1_attributes(&app, &account, &id)["allowed_cidrs"], normal);
    assert_eq!(
        stored_cidrs(&app, &id).as_deref(),
        Some("10.0.0.0/8,2001:db8::1/128,192.0.2.7/32")
    );

    let path = key_path(&account, "Till");
    let changed = app.put(&path, owner, &json!({ "allowedCidrs": ["203.0.113.0/24"] }));
    assert_eq!(changed.status, 200, "{:?}", changed.body);
    assert_eq!(
        (&changed.body["allowedCidrs"], &changed.body["version"]),
        (&json!(["203.0.113.0/24"]), &json!("2"))
    );
    // The same list again, written another way, changes nothing.
    let same = app.put(&path, owner, &json!({ "allowedCidrs": ["203.0.113.9/24"] }));
    assert_eq!(same.body, changed.body);
    // [] removes it, like null.
    let removed = app.put(&path, owner, &json!({ "allowedCidrs": [] }));
    assert_eq!(removed.status, 200, "{:?}", removed.body);
    assert!(
        removed.body.get("allowedCidrs").is_none(),
        "{}",
        removed.body
    );
    assert_eq!(removed.body["version"], "3");
    assert_eq!(stored_cidrs(&app, &id), None);
    assert!(v1_attributes(&app, &account, &id)
        .get("allowed_cidrs")
        .is_none());
    let nothing = app.put(&path, owner, &json!({ "allowedCidrs": null }));
    assert_eq!(nothing.body["version"], "3");

    let actor = crn(&account, "owner");
    let trail = key_events(&app, &account, "Till");
    assert_eq!(
        trail[..2],
        [
            json!({
                "version": "3",
                "actor": actor,
                "kinds": ["allowlist_set"],
                "changes": { "allowedCidrs": { "from": ["203.0.113.0/24"], "to": null } },
            }),
            json!({
                "version": "2",
                "actor": actor,
                "kinds": ["allowlist_set"],
                "changes": { "allowedCidrs": { "from": normal, "to": ["203.0.113.0/24"] } },
            }),
        ]
    );
    assert_eq!(trail.len(), 3);
    assert_eq!(
        trail[2]["changes"]["allowedCidrs"],
        json!({ "from": null, "to": normal })
    );

    // [] and null on create: no allowlist.
    for (name, cidrs) in [("Empty", json!([])), ("Null", json!(null))] {
        let created = create(
            &app,
            &account,
            name,
            "merchant-terminal",
            json!({ "allowedCidrs": cidrs }),
        );
        assert!(created.get("allowedCidrs").is_none(), "{created}");
        assert_eq!(stored_cidrs(&app, text(&created, "id")), None);
    }
    // 32 entries are fine.
    let full: Vec<String> = (0..32).map(|i| format!("10.0.{i}.0/24")).collect();
    let full_key = create(
        &app,
        &account,
        "Full",
        "merchant-terminal",
        json!({ "allowedCidrs": full }),
    );
    assert_eq!(full_key["allowedCidrs"], json!(full));
}

/// Bad allowlists, and the 400 each gets; on create nothing is created,
/// on `PUT` (with a good change alongside) nothing changes.
fn bad_allowlists_are_refused_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = Some(account.owner_key.as_str());
    let not_cidr = |i: usize, entry: &str| {
        format!("allowedCidrs[{i}]: {entry:?} is not an IP address or a CIDR such as 10.0.0.0/8")
    };
    let over: Vec<String> = (0..33).map(|i| format!("10.0.{i}.0/24")).collect();
    let ours = [
        (json!(["10.0.0.0/33"]), not_cidr(0, "10.0.0.0/33")),
        (json!(["10.0.0.0/8", "host"]), not_cidr(1, "host")),
        (json!([" 10.0.0.0/8"]), not_cidr(0, " 10.0.0.0/8")),
        (json!(["10.0.0.0/08"]), not_cidr(0, "10.0.0.0/08")),
        (json!(["10.0.0/8"]), not_cidr(0, "10.0.0/8")),
        (json!(["::/129"]), not_cidr(0, "::/129")),
        (json!([""]), not_cidr(0, "")),
        (
            json!(over),
            "allowedCidrs must have at most 32 entries".to_owned(),
        ),
    ];
    // serde's own refusals of the shape: the message says where.
    let shapes = [json!("10.0.0.0/8"), json!([1]), json!([null]), json!({})];

    let mut wrong = Vec::new();
    let mut bodies = Vec::new();
    for (cidrs, message) in &ours {
        bodies.push((cidrs.clone(), Some(message.clone())));
    }
    for cidrs in shapes {
        bodies.push((cidrs, None));
    }
    let check = |reply: &Reply, message: &Option<String>, what: String, wrong: &mut Vec<String>| {
        let right = match message {
            Some(message) => reply.status == 400 && reply.body == bad_request(message),
            None => {
                reply.status == 400
                    && reply.body["message"]
                        .as_str()
                        .is_some_and(|m| m.starts_with("invalid JSON body: allowedCidrs"))
            }
        };
        if !right {
            wrong.push(format!("{what}: {} {}", reply.status, reply.body));
        }
    };
    for (cidrs, message) in &bodies {
        let body = json!({ "name": "Bad", "role": "merchant-terminal", "allowedCidrs": cidrs });
        let reply = app.post(&keys_path(&account), owner, &body);
        check(&reply, message, format!("create {cidrs}"), &mut wrong);
    }
    assert_eq!(app.count_rows("api_keys"), 1, "no key was made");

    let key = create(
        &app,
        &account,
        "Till",
        "merchant-terminal",
        json!({ "allowedCidrs": ["192.0.2.0/24"] }),
    );
    let before = get_key(&app, &account, "Till");
    assert_eq!(before, without_secret(&key));
    let path = key_path(&account, "Till");
    for (cidrs, message) in &bodies {
        let body = json!({ "description": "changed", "allowedCidrs": cidrs });
        let reply = app.put(&path, owner, &body);
        check(&reply, message, format!("PUT {cidrs}"), &mut wrong);
    }
    assert!(wrong.is_empty(), "wrong answers:\n{}", wrong.join("\n"));
    assert_eq!(get_key(&app, &account, "Till"), before);
    assert_eq!(key_events(&app, &account, "Till").len(), 1);
}

crate::on_both_backends!(
    a_key_is_refused_outside_its_allowlist_and_served_inside,
    through_a_trusted_proxy_the_forwarded_address_decides,
    verify_holds_the_allowlist_against_ip,
    session_tokens_follow_their_keys_allowlist,
    allowlists_are_normalised_shown_changed_and_audited,
    bad_allowlists_are_refused_and_change_nothing,
);
