//! Data a key carries (issue 16): `meta`, a JSON object of at most 4 KiB
//! as compact JSON, and `externalId`, the owner's identifier for the key.
//! Both are set on create or by `PUT` (`null` removes), shown by GET, the
//! list, `/api/v1` and a valid verify, and audited (the old and new `meta`
//! whole). `meta` comes back as the same JSON value, unicode and nesting
//! included; one byte over 4 KiB is a 400 that changes nothing. Key lists
//! filter by `externalId`, page by page.

use diesel::prelude::*;
use keyward::store::schema::api_keys;
use serde_json::{json, Value};

use crate::helpers::{
    assert_reply, crn, error_body, get_key, key_events, key_path, keys_path, secret_of, send,
    spawn_app, text, v1_attributes, with_key, without_secret, Backend, Reply, TestAccount, TestApp,
};

// ---------------------------------------------------------------------------
// Helpers

fn bad_request(message: &str) -> Value {
    error_body(400, "Bad Request", message)
}

/// Creates the key `name` with the extra fields of `extra`; returns the
/// create response.
fn create(app: &TestApp, account: &TestAccount, name: &str, extra: Value) -> Value {
    let reply = try_create(app, account, name, extra);
    assert_eq!(reply.status, 200, "create {name}: {:?}", reply.body);
    reply.body
}

fn try_create(app: &TestApp, account: &TestAccount, name: &str, extra: Value) -> Reply {
    let mut body = json!({ "name": name, "role": "merchant-terminal" });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().expect("an object").clone());
    app.post(&keys_path(account), Some(&account.owner_key), &body)
}

/// The `external_id` and `meta` columns of the key `id`, as stored.
fn stored(app: &TestApp, id: &str) -> (Option<String>, Option<String>) {
    let mut conn = app.db.get().expect("connection");
    api_keys::table
        .find(id)
        .select((api_keys::external_id, api_keys::meta))
        .first(&mut *conn)
        .expect("the key's row")
}

fn verify(app: &TestApp, body: Value) -> Value {
    let reply = app.post("/api/verify", None, &body);
    assert_eq!(reply.status, 200, "verify {body}: {:?}", reply.body);
    reply.body
}

/// `value` as Keyward stores and counts it: compact JSON.
fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap()
}

/// `{"k": "…"}` whose compact form takes exactly `bytes` bytes, made of
/// two-byte characters (and one `x` for an odd count): the limit is in
/// bytes, not characters.
fn meta_of_size(bytes: usize) -> Value {
    let fill = bytes - r#"{"k":""}"#.len();
    let value = json!({ "k": "é".repeat(fill / 2) + &"x".repeat(fill % 2) });
    assert_eq!(compact(&value).len(), bytes);
    value
}

/// Data that exercises what JSON can hold: unicode in names and values
/// (beyond the BMP, combining marks, right-to-left text, escapes and
/// control characters), nesting 40 deep, arrays, empty containers, and
/// numbers at the edges of 64-bit integers.
fn rich_meta() -> Value {
    let mut deep = json!({ "bottom": ["🦀", { "é": null }] });
    for level in 0..40 {
        deep = json!({ format!("level{level}"): deep, "n": level });
    }
    json!({
        "plan": "gold",
        "名前": "Ünïcödé ☕ 🦀 \u{1F600}",
        "combining": "e\u{301}",
        "rtl": "שלום \u{202E}reversed",
        "escapes": "quote \" backslash \\ slash / tab \t newline \n nul \u{0} del \u{7F}",
        "numbers": [0, -1, 1.5, -0.25, 1e-7, 9_007_199_254_740_993_i64, i64::MIN, u64::MAX],
        "flags": [true, false, null],
        "empty": { "object": {}, "array": [], "string": "" },
        "deep": deep,
    })
}

// ---------------------------------------------------------------------------
// Round trips

/// `meta` comes back as the same JSON value everywhere a key is shown, and
/// is stored as its compact text.
fn meta_round_trips_exactly(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let meta = rich_meta();
    let key = create(
        &app,
        &account,
        "Till",
        json!({ "meta": meta, "externalId": "cus_4711 — Ünïcödé" }),
    );
    assert_eq!(key["meta"], meta);
    assert_eq!(key["externalId"], "cus_4711 — Ünïcödé");
    let id = text(&key, "id").to_owned();
    assert_eq!(get_key(&app, &account, "Till"), without_secret(&key));
    let listed = app.get(&keys_path(&account), Some(&account.owner_key));
    assert_eq!(listed.body[1], without_secret(&key));
    let v1 = v1_attributes(&app, &account, &id);
    assert_eq!(
        (&v1["meta"], &v1["external_id"]),
        (&meta, &key["externalId"])
    );
    assert_eq!(
        stored(&app, &id),
        (Some("cus_4711 — Ünïcödé".into()), Some(compact(&meta)))
    );

    // A valid verify hands both to the asking service; nothing else does.
    let secret = secret_of(&key);
    assert_eq!(
        verify(&app, json!({ "key": secret })),
        json!({
            "valid": true,
            "code": "VALID",
            "accountId": account.id,
            "parentAccountId": null,
            "keyId": id,
            "name": "Till",
            "role": "merchant-terminal",
            "crn": crn(&account, "Till"),
            "externalId": "cus_4711 — Ünïcödé",
            "meta": meta,
        })
    );
    let disabled = app.put(
        &key_path(&account, "Till"),
        Some(&account.owner_key),
        &json!({ "enabled": false }),
    );
    assert_eq!(disabled.status, 200);
    assert_eq!(
        verify(&app, json!({ "key": secret })),
        json!({ "valid": false, "code": "DISABLED" })
    );
    // /api/me stays as it was.
    let owner_me = app.get("/api/me", Some(&account.owner_key));
    assert_eq!(owner_me.body.get("meta"), None);

    // A key without either shows neither.
    let plain = create(
        &app,
        &account,
        "Plain",
        json!({ "meta": null, "externalId": null }),
    );
    assert!(plain.get("meta").is_none() && plain.get("externalId").is_none());
    assert_eq!(stored(&app, text(&plain, "id")), (None, None));
    let verdict = verify(&app, json!({ "key": secret_of(&plain) }));
    assert!(verdict.get("meta").is_none() && verdict.get("externalId").is_none());
}

/// At most 4096 bytes as compact JSON, whatever whitespace the request
/// has: 4096 is accepted, 4097 is a 400 that creates or changes nothing.
fn meta_is_at_most_4_kib(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = Some(account.owner_key.as_str());
    let too_big = "meta must be at most 4096 bytes as compact JSON; this is 4097";

    let at_limit = meta_of_size(4096);
    // Sent pretty-printed: the whitespace does not count.
    let body = json!({ "name": "Full", "role": "merchant-terminal", "meta": at_limit });
    let pretty = serde_json::to_string_pretty(&body).unwrap();
    let request = with_key(app.request("POST", &keys_path(&account)), owner)
        .set("content-type", "application/json");
    let full = send(request, Some(pretty.as_bytes()));
    assert_eq!(full.status, 200, "{:?}", full.body);
    assert_eq!(full.body["meta"], at_limit);
    let id = text(&full.body, "id").to_owned();
    assert_eq!(stored(&app, &id).1.map(|m| m.len()), Some(4096));

    let reply = try_create(
        &app,
        &account,
        "Over",
        json!({ "meta": meta_of_size(4097) }),
    );
    assert_reply(&reply, 400, &bad_request(too_big));
    assert_eq!(app.count_rows("api_keys"), 2, "no key was made");

    let before = get_key(&app, &account, "Full");
    let path = key_path(&account, "Full");
    let over = json!({ "description": "changed", "meta": meta_of_size(4097) });
    assert_reply(&app.put(&path, owner, &over), 400, &bad_request(too_big));
    assert_eq!(get_key(&app, &account, "Full"), before);
    assert_eq!(stored(&app, &id).1, Some(compact(&at_limit)));
    assert_eq!(key_events(&app, &account, "Full").len(), 1);
    // One byte less is fine again.
    let smaller = meta_of_size(4095);
    let changed = app.put(&path, owner, &json!({ "meta": smaller }));
    assert_eq!(changed.status, 200, "{:?}", changed.body);
    assert_eq!(changed.body["meta"], smaller);
}

/// Each change of `meta` or `externalId` is an event with both sides;
/// a `meta` that is the same JSON value written another way is no change.
fn changes_are_audited_with_old_and_new(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = Some(account.owner_key.as_str());
    let first = json!({ "plan": "gold", "seats": [1, 2], "owner": { "name": "Zoë" } });
    let key = create(
        &app,
        &account,
        "Till",
        json!({ "meta": first, "externalId": "cus_1" }),
    );
    let path = key_path(&account, "Till");
    // The same value, its members in another order and spaced out.
    let same =
        r#"{ "meta" : { "seats" : [ 1, 2 ], "owner": {"name":"Zo\u00eb"}, "plan":"gold" } }"#;
    let request =
        with_key(app.request("PUT", &path), owner).set("content-type", "application/json");
    let unchanged = send(request, Some(same.as_bytes()));
    assert_eq!(unchanged.status, 200, "{:?}", unchanged.body);
    assert_eq!(unchanged.body["version"], "1");

    let second = json!({ "plan": "platinum", "nested": { "deeper": ["☕"] } });
    let changed = app.put(
        &path,
        owner,
        &json!({ "meta": second, "externalId": "cus_2" }),
    );
    assert_eq!(changed.status, 200, "{:?}", changed.body);
    assert_eq!(
        (
            &changed.body["meta"],
            &changed.body["externalId"],
            &changed.body["version"]
        ),
        (&second, &json!("cus_2"), &json!("2"))
    );
    let removed = app.put(&path, owner, &json!({ "meta": null, "externalId": null }));
    assert_eq!(removed.status, 200, "{:?}", removed.body);
    assert!(removed.body.get("meta").is_none() && removed.body.get("externalId").is_none());
    assert_eq!(stored(&app, text(&key, "id")), (None, None));
    let again = app.put(&path, owner, &json!({ "meta": null }));
    assert_eq!(
        again.body["version"], "3",
        "removing nothing changes nothing"
    );

    let actor = crn(&account, "owner");
    assert_eq!(
        key_events(&app, &account, "Till"),
        [
            json!({
                "version": "3",
                "actor": actor,
                "kinds": ["external_id_set", "meta_set"],
                "changes": {
                    "externalId": { "from": "cus_2", "to": null },
                    "meta": { "from": second, "to": null },
                },
            }),
            json!({
                "version": "2",
                "actor": actor,
                "kinds": ["external_id_set", "meta_set"],
                "changes": {
                    "externalId": { "from": "cus_1", "to": "cus_2" },
                    "meta": { "from": first, "to": second },
                },
            }),
            json!({
                "version": "1",
                "actor": actor,
                "kinds": ["created"],
                "changes": {
                    "name": { "from": null, "to": "Till" },
                    "role": { "from": null, "to": "merchant-terminal" },
                    "apiKey": { "from": null, "to": key["apiKey"] },
                    "externalId": { "from": null, "to": "cus_1" },
                    "meta": { "from": null, "to": first },
                },
            }),
        ]
    );
}

// ---------------------------------------------------------------------------
// The externalId filter

/// The names of the keys in a list answer (a bare array or a page's items).
fn names(keys: &Value) -> Vec<String> {
    let items = keys.get("items").unwrap_or(keys);
    items
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {keys}"))
        .iter()
        .map(|key| text(key, "name").to_owned())
        .collect()
}

/// `?externalId=…` (encoded) and any other parameters.
fn filtered(account: &TestAccount, external_id: &str, more: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(external_id.as_bytes()).collect();
    format!("{}?externalId={encoded}{more}", keys_path(account))
}

fn external_id_filters_the_list_page_by_page(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = Some(account.owner_key.as_str());
    let wanted = "cus_ü 1";
    let mut expected = Vec::new();
    for i in 0..7 {
        // Interleaved with keys of another id and keys of none.
        let name = format!("Wanted{i}");
        create(&app, &account, &name, json!({ "externalId": wanted }));
        expected.push(name);
        create(
            &app,
            &account,
            &format!("Other{i}"),
            json!({ "externalId": "cus_2" }),
        );
        create(&app, &account, &format!("None{i}"), json!({}));
    }
    let all = app.get(&filtered(&account, wanted, ""), owner);
    assert_eq!(all.status, 200, "{:?}", all.body);
    assert_eq!(names(&all.body), expected);

    // Page by page, three at a time.
    let mut seen = Vec::new();
    let mut page = app.get(&filtered(&account, wanted, "&limit=3"), owner);
    let mut first_key = None;
    loop {
        assert_eq!(page.status, 200, "{:?}", page.body);
        seen.extend(names(&page.body));
        let Some(next) = page.body["nextPageKey"].as_str().map(str::to_owned) else {
            break;
        };
        first_key.get_or_insert_with(|| next.clone());
        page = app.get(
            &filtered(&account, wanted, &format!("&limit=3&pageKey={next}")),
            owner,
        );
    }
    assert_eq!(seen, expected);
    let first_key = first_key.expect("more than one page");

    // A page key is good only for the list with the same externalId.
    let refused = bad_request("pageKey is not one this list gave");
    for path in [
        filtered(&account, "cus_2", &format!("&limit=3&pageKey={first_key}")),
        format!("{}?limit=3&pageKey={first_key}", keys_path(&account)),
        filtered(
            &account,
            wanted,
            &format!("&role=merchant-terminal&limit=3&pageKey={first_key}"),
        ),
    ] {
        assert_reply(&app.get(&path, owner), 400, &refused);
    }
    // With another filter alongside: both hold.
    let owners = app.get(&filtered(&account, wanted, "&role=account-owner"), owner);
    assert_eq!(names(&owners.body), Vec::<String>::new());
    let none = app.get(&filtered(&account, "cus_unknown", ""), owner);
    assert_eq!(none.body, json!([]));

    // A filter value that no externalId could be is a 400.
    let bad = "externalId must be 1 to 255 characters without control characters";
    for value in ["", "a\u{1}b", &"x".repeat(256)] {
        assert_reply(
            &app.get(&filtered(&account, value, ""), owner),
            400,
            &bad_request(bad),
        );
    }
}

/// `externalId` is 1 to 255 characters without control or bidirectional
/// formatting characters; `meta` is an object with no member named twice.
/// Bad values are refused on create and on `PUT`, changing nothing.
fn bad_values_are_refused_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = Some(account.owner_key.as_str());
    let length = "externalId must be 1 to 255 characters without control characters";
    let bidi = "externalId must not contain bidirectional formatting characters \
                (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069)";
    let not_object = "meta must be a JSON object";
    let cases: Vec<(Value, String)> = vec![
        (json!({ "externalId": "" }), length.into()),
        (json!({ "externalId": "x".repeat(256) }), length.into()),
        (json!({ "externalId": "a\nb" }), length.into()),
        (json!({ "externalId": "a\u{202E}b" }), bidi.into()),
        (json!({ "meta": [1, 2] }), not_object.into()),
        (json!({ "meta": "text" }), not_object.into()),
        (json!({ "meta": 5 }), not_object.into()),
    ];
    let mut wrong = Vec::new();
    for (extra, message) in &cases {
        let reply = try_create(&app, &account, "Bad", extra.clone());
        if (reply.status, &reply.body) != (400, &bad_request(message)) {
            wrong.push(format!("create {extra}: {} {}", reply.status, reply.body));
        }
    }
    // A member named twice, at any depth (a body json! cannot write).
    let twice = [
        r#"{"name":"Bad","role":"merchant-terminal","meta":{"a":1,"a":2}}"#,
        r#"{"name":"Bad","role":"merchant-terminal","meta":{"a":{"b":[{"c":1,"c":1}]}}}"#,
    ];
    for body in twice {
        let request = with_key(app.request("POST", &keys_path(&account)), owner)
            .set("content-type", "application/json");
        let reply = send(request, Some(body.as_bytes()));
        let message = reply.body["message"].as_str().unwrap_or_default();
        if reply.status != 400 || !message.contains("is given twice") {
            wrong.push(format!("create {body}: {} {}", reply.status, reply.body));
        }
    }
    assert_eq!(app.count_rows("api_keys"), 1, "no key was made");

    let key = create(
        &app,
        &account,
        "Till",
        json!({ "externalId": "cus_1", "meta": { "plan": "gold" } }),
    );
    let before = get_key(&app, &account, "Till");
    assert_eq!(before, without_secret(&key));
    let path = key_path(&account, "Till");
    for (extra, message) in &cases {
        let mut body = json!({ "description": "changed" });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let reply = app.put(&path, owner, &body);
        if (reply.status, &reply.body) != (400, &bad_request(message)) {
            wrong.push(format!("PUT {body}: {} {}", reply.status, reply.body));
        }
    }
    assert!(wrong.is_empty(), "wrong answers:\n{}", wrong.join("\n"));
    assert_eq!(get_key(&app, &account, "Till"), before);
    assert_eq!(key_events(&app, &account, "Till").len(), 1);
    // 255 characters, any script, are fine.
    let longest = "é".repeat(255);
    let changed = app.put(&path, owner, &json!({ "externalId": longest }));
    assert_eq!(changed.status, 200, "{:?}", changed.body);
    assert_eq!(changed.body["externalId"], longest.as_str());
}

crate::on_both_backends!(
    meta_round_trips_exactly,
    meta_is_at_most_4_kib,
    changes_are_audited_with_old_and_new,
    external_id_filters_the_list_page_by_page,
    bad_values_are_refused_and_change_nothing,
);
