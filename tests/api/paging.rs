//! Paged lists: `limit` and `pageKey` on the native key list and the key
//! events, `page[size]` and `page[after]` on `/api/v1/api_keys`. A walk
//! returns every key once while keys come and go; a page key works only on
//! the list that gave it.

use std::collections::{HashMap, HashSet};

use diesel::RunQueryDsl;
use keyward::store::models::ApiKeyRow;
use keyward::store::schema::api_keys;
use keyward::store::AnyConnection;
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use crate::helpers::{
    assert_reply, error_body, events_path, key_path, keys_path, spawn_app, text, v1_error, Backend,
    TestAccount, TestApp,
};

crate::on_both_backends!(
    a_walk_returns_each_key_once_while_keys_come_and_go,
    forged_and_foreign_page_keys_are_refused,
    limits_outside_one_to_a_thousand_are_refused,
    without_paging_the_list_is_the_bare_array,
    filters_hold_on_every_page,
    events_page_with_limit_and_page_key,
    v1_pages_follow_links_next,
    a_forged_position_that_passes_the_check_is_refused,
);

/// The check in a page key is not a secret: anyone can make one that
/// passes it. A position whose id no list could hold (a NUL, a quote, an
/// empty id) is still refused as a page key, never handed to the database.
fn a_forged_position_that_passes_the_check_is_refused(backend: Backend) {
    use keyward::service::paging::{encode, CreatedPosition};
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let list = format!("keys:{}:status=*,role=*,enabled=*", account.id);
    let at = PrimitiveDateTime::new(
        OffsetDateTime::now_utc().date(),
        OffsetDateTime::now_utc().time(),
    );
    let bad = error_body(400, "Bad Request", "pageKey is not one this list gave");
    for id in ["a\u{0}b", "it's", "", "é"] {
        let forged = encode(&list, &CreatedPosition::new(at, id));
        let path = format!("{}?limit=2&pageKey={forged}", keys_path(&account));
        let reply = app.get(&path, Some(&account.owner_key));
        assert_eq!((reply.status, &reply.body), (400, &bad), "{id:?}");
    }
    // The same forgery with an id-shaped id is a position like any other.
    let forged = encode(&list, &CreatedPosition::new(at, "zzzz"));
    let path = format!("{}?limit=2&pageKey={forged}", keys_path(&account));
    let reply = app.get(&path, Some(&account.owner_key));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
}

/// `count` keys inserted straight into the database, `per_instant` sharing
/// each `created_at` (so that the order by id is what separates them), all
/// before now. Returns their ids.
fn insert_keys(
    app: &TestApp,
    account: &TestAccount,
    count: usize,
    per_instant: usize,
) -> Vec<String> {
    let start = OffsetDateTime::now_utc() - Duration::hours(1);
    let rows: Vec<ApiKeyRow> = (0..count)
        .map(|i| {
            let at = start + Duration::milliseconds((i / per_instant) as i64);
            let at = PrimitiveDateTime::new(at.date(), at.time());
            let at = at.replace_millisecond(at.millisecond()).unwrap();
            ApiKeyRow {
                id: uuid::Uuid::new_v4().to_string(),
                account_id: account.id.clone(),
                name: format!("bulk{i:05}"),
                role: "merchant-terminal".into(),
                enabled: true,
                description: None,
                // No secret could match: these keys are only listed.
                secret_hash: "not-a-hash".into(),
                secret_hint: "...bulk00".into(),
                created_at: at,
                created_by: format!("crn:{}:api-key:owner", account.id),
                modified_at: at,
                modified_by: format!("crn:{}:api-key:owner", account.id),
                version: 1,
                revoked_at: None,
                expires_at: None,
                previous_secret_hash: None,
                previous_secret_until: None,
                disables: 0,
                rate_limit: None,
                rate_window_seconds: None,
                has_credits: false,
                credits_refill_amount: None,
                credits_refill_interval: None,
                allowed_cidrs: None,
                external_id: None,
                meta: None,
            }
        })
        .collect();
    let mut conn = app.db.get().expect("connection");
    for chunk in rows.chunks(500) {
        let insert = diesel::insert_into(api_keys::table).values(chunk);
        match &mut *conn {
            AnyConnection::Postgres(conn) => insert.execute(conn),
            AnyConnection::Sqlite(conn) => insert.execute(conn),
        }
        .expect("insert keys");
    }
    rows.into_iter().map(|row| row.id).collect()
}

/// Every key of a paged walk over `path` (which already has a query), in
/// order, calling `between` after each page.
fn walk(
    app: &TestApp,
    account: &TestAccount,
    path: &str,
    mut between: impl FnMut(usize),
) -> Vec<Value> {
    let mut keys = Vec::new();
    let mut page_key: Option<String> = None;
    for page in 0.. {
        let url = match &page_key {
            Some(k) => format!("{path}&pageKey={k}"),
            None => path.to_owned(),
        };
        let reply = app.get(&url, Some(&account.owner_key));
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        let body = reply.body.as_object().expect("a page object");
        keys.extend(body["items"].as_array().expect("items").iter().cloned());
        match body.get("nextPageKey") {
            None => {
                assert_eq!(body.len(), 1, "only items on the last page: {body:?}");
                return keys;
            }
            Some(next) => {
                assert_eq!(body.len(), 2, "{body:?}");
                page_key = Some(next.as_str().expect("a string").to_owned());
            }
        }
        between(page);
    }
    unreachable!()
}

/// The ids of `keys`, checking that none comes twice.
fn ids_once(keys: &[Value]) -> HashSet<String> {
    let mut seen = HashSet::new();
    for key in keys {
        let id = text(key, "id").to_owned();
        assert!(seen.insert(id.clone()), "{id} listed twice");
    }
    seen
}

fn a_walk_returns_each_key_once_while_keys_come_and_go(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let originals = insert_keys(&app, &account, 2_500, 7);
    let owner = Some(account.owner_key.as_str());
    let mut created = 0;
    let keys = walk(
        &app,
        &account,
        &format!("{}?limit=100", keys_path(&account)),
        |page| {
            // Between pages: a new key, and the revocation of a key already
            // listed and of one still ahead.
            let name = format!("Walk{page}");
            app.create_key(&account, &name, "merchant-terminal");
            created += 1;
            for i in [page * 100 + 50, 2_499 - page * 3] {
                let name = format!("bulk{i:05}");
                assert_eq!(app.delete(&key_path(&account, &name), owner).status, 204);
            }
        },
    );
    let ids = ids_once(&keys);
    for id in &originals {
        assert!(ids.contains(id), "{id} skipped");
    }
    assert!(
        keys.len() <= 1 + originals.len() + created,
        "{}",
        keys.len()
    );
    // The walk's order is (createdAt, id).
    let order: Vec<(String, String)> = keys
        .iter()
        .map(|k| (text(k, "createdAt").to_owned(), text(k, "id").to_owned()))
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);

    // Now that nothing changes: the walk and the whole list agree.
    let all = app.get(&keys_path(&account), owner);
    assert_eq!(all.status, 200);
    let again = walk(
        &app,
        &account,
        &format!("{}?limit=1000", keys_path(&account)),
        |_| {},
    );
    assert_eq!(all.body, Value::Array(again));
}

fn forged_and_foreign_page_keys_are_refused(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let other = app.create_account("Globex");
    for (acct, n) in [(&account, 3), (&other, 3)] {
        for i in 0..n {
            app.create_key(acct, &format!("Till{i}"), "merchant-terminal");
        }
    }
    let owner = Some(account.owner_key.as_str());
    let first_key = |acct: &TestAccount, query: &str| -> String {
        let reply = app.get(
            &format!("{}?{query}", keys_path(acct)),
            Some(&acct.owner_key),
        );
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        text(&reply.body, "nextPageKey").to_owned()
    };
    let good = first_key(&account, "limit=1");
    let refused = error_body(400, "Bad Request", "pageKey is not one this list gave");
    let flipped = {
        let mut bytes = good.clone().into_bytes();
        let i = bytes.len() / 2;
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    let events = {
        let reply = app.get(
            &format!("{}?limit=1", events_path(&account, "owner")),
            owner,
        );
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        // The owner key has one event; make more so a page key is given.
        app.put(
            &key_path(&account, "Till0"),
            owner,
            &json!({"description": "a"}),
        );
        app.put(
            &key_path(&account, "Till0"),
            owner,
            &json!({"description": "b"}),
        );
        let reply = app.get(
            &format!("{}?limit=1", events_path(&account, "Till0")),
            owner,
        );
        text(&reply.body, "nextPageKey").to_owned()
    };
    let cases = [
        ("random bytes", "q83vEjRWeJCrze8SNFZ4kA".to_owned(), ""),
        ("not base64", "%21%21%21".to_owned(), ""),
        ("a flipped character", flipped, ""),
        ("another account's list", first_key(&other, "limit=1"), ""),
        (
            "a list with another filter",
            first_key(&account, "limit=1&status=active"),
            "",
        ),
        (
            "the same list with another role",
            good.clone(),
            "&role=merchant-terminal",
        ),
        ("an events page key", events, ""),
        ("empty", String::new(), ""),
    ];
    for (what, key, extra) in cases {
        let reply = app.get(
            &format!("{}?limit=1&pageKey={key}{extra}", keys_path(&account)),
            owner,
        );
        assert_eq!(reply.body, refused, "{what}");
        assert_reply(&reply, 400, &refused);
    }
    // The good key works; on the events route it is foreign too.
    let reply = app.get(&format!("{}?pageKey={good}", keys_path(&account)), owner);
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let reply = app.get(
        &format!("{}?pageKey={good}", events_path(&account, "Till0")),
        owner,
    );
    assert_reply(&reply, 400, &refused);
    // Another account's list is 403 before its page key is looked at.
    let reply = app.get(&format!("{}?pageKey=x", keys_path(&other)), owner);
    assert_eq!(reply.status, 403, "{:?}", reply.body);
}

fn limits_outside_one_to_a_thousand_are_refused(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = Some(account.owner_key.as_str());
    let bad_limit = error_body(400, "Bad Request", "limit must be between 1 and 1000");
    for path in [keys_path(&account), events_path(&account, "owner")] {
        for limit in ["0", "1001", "abc", "-1", ""] {
            let reply = app.get(&format!("{path}?limit={limit}"), owner);
            assert_reply(&reply, 400, &bad_limit);
        }
        let reply = app.get(&format!("{path}?limit=1000"), owner);
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(reply.body["items"].as_array().map(Vec::len), Some(1));
        assert!(reply.body.get("nextPageKey").is_none(), "{:?}", reply.body);
    }
    let reply = app.get("/api/v1/api_keys?page[size]=0", owner);
    assert_reply(
        &reply,
        400,
        &v1_error(400, "Bad Request", "page[size] must be between 1 and 1000"),
    );
    let reply = app.get("/api/v1/api_keys?page%5Bafter%5D=AAAA", owner);
    assert_reply(
        &reply,
        400,
        &v1_error(400, "Bad Request", "page[after] is not one this list gave"),
    );
}

fn without_paging_the_list_is_the_bare_array(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = Some(account.owner_key.as_str());
    for i in 0..3 {
        app.create_key(&account, &format!("Till{i}"), "merchant-terminal");
    }
    let all = app.get(&keys_path(&account), owner);
    assert_eq!(all.status, 200);
    let all = all.body.as_array().expect("a bare array").clone();
    assert_eq!(all.len(), 4);
    // A page of everything holds the same keys, and ends the list.
    let page = app.get(&format!("{}?limit=10", keys_path(&account)), owner);
    assert_eq!(page.body, json!({ "items": all }));
    // A page key alone pages too, 100 at a time.
    let first = app
        .get(&format!("{}?limit=1", keys_path(&account)), owner)
        .body;
    let next = text(&first, "nextPageKey");
    let rest = app.get(&format!("{}?pageKey={next}", keys_path(&account)), owner);
    assert_eq!(rest.body, json!({ "items": all[1..] }));

    let v1 = app.get("/api/v1/api_keys", owner);
    assert_eq!(v1.status, 200);
    let object = v1.body.as_object().expect("a document");
    assert_eq!(object.keys().collect::<Vec<_>>(), vec!["data"]);
    assert_eq!(object["data"].as_array().map(Vec::len), Some(4));
}

fn filters_hold_on_every_page(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = Some(account.owner_key.as_str());
    for i in 0..9 {
        let role = if i % 3 == 0 {
            "account-owner"
        } else {
            "merchant-terminal"
        };
        app.create_key(&account, &format!("Till{i}"), role);
    }
    for i in [1, 4] {
        assert_eq!(
            app.delete(&key_path(&account, &format!("Till{i}")), owner)
                .status,
            204
        );
    }
    let query = "status=active&role=merchant-terminal&enabled=true";
    let whole = app
        .get(&format!("{}?{query}", keys_path(&account)), owner)
        .body;
    let names = |keys: &[Value]| -> Vec<String> {
        keys.iter().map(|k| text(k, "name").to_owned()).collect()
    };
    let expected = names(whole.as_array().expect("array"));
    assert_eq!(expected, ["Till2", "Till5", "Till7", "Till8"]);
    let paged = walk(
        &app,
        &account,
        &format!("{}?{query}&limit=1", keys_path(&account)),
        |_| {},
    );
    assert_eq!(names(&paged), expected);
}

fn events_page_with_limit_and_page_key(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = Some(account.owner_key.as_str());
    app.create_key(&account, "Till", "merchant-terminal");
    for i in 0..24 {
        let body = json!({ "description": format!("change {i}") });
        assert_eq!(
            app.put(&key_path(&account, "Till"), owner, &body).status,
            200
        );
    }
    let path = events_path(&account, "Till");
    // 20 by default, newest first.
    let first = app.get(&path, owner).body;
    let versions = |page: &Value| -> Vec<i64> {
        let items = page["items"].as_array().expect("items");
        items
            .iter()
            .map(|e| text(e, "version").parse().unwrap())
            .collect()
    };
    assert_eq!(versions(&first), (6..=25).rev().collect::<Vec<_>>());
    let next = text(&first, "nextPageKey");
    let rest = app.get(&format!("{path}?pageKey={next}"), owner).body;
    assert_eq!(versions(&rest), vec![5, 4, 3, 2, 1]);
    assert_eq!(rest.as_object().map(|o| o.len()), Some(1), "{rest}");
    // A page key from another key's events is refused.
    app.create_key(&account, "Other", "merchant-terminal");
    let reply = app.get(
        &format!("{}?pageKey={next}", events_path(&account, "Other")),
        owner,
    );
    assert_reply(
        &reply,
        400,
        &error_body(400, "Bad Request", "pageKey is not one this list gave"),
    );
}

fn v1_pages_follow_links_next(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    insert_keys(&app, &account, 250, 3);
    let credential = account.owner_key.clone();
    let whole = app.get(&format!("/api/v1/api_keys?api_key={credential}"), None);
    assert_eq!(whole.status, 200, "{:?}", whole.body);
    let whole = whole.body["data"].as_array().expect("data").clone();
    assert_eq!(whole.len(), 251);

    let mut seen = Vec::new();
    let mut url = "/api/v1/api_keys?page[size]=100".to_owned();
    let mut pages = 0;
    loop {
        pages += 1;
        // The credential rides in the query, as /api/v1 clients send it.
        let reply = app.get(&format!("{url}&api_key={credential}"), None);
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        seen.extend(reply.body["data"].as_array().expect("data").iter().cloned());
        match reply.body.get("links") {
            None => break,
            Some(links) => {
                let next = text(links, "next");
                assert!(!next.contains(&credential[3..]), "a credential in {next}");
                assert!(!next.contains("api_key="), "{next}");
                assert!(next.starts_with("/api/v1/api_keys?page%5Bsize%5D=100&page%5Bafter%5D="));
                url = next.to_owned();
            }
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, whole);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for key in &seen {
        *counts.entry(text(key, "id")).or_default() += 1;
    }
    assert!(counts.values().all(|&n| n == 1));
}
