//! `GET /api/accounts/{accountId}` and the list of an account's children.

use serde_json::json;

use crate::helpers::{
    account_path, error_body, forbidden, parse_timestamp, spawn_app, text, tokens_path, Backend,
};

fn an_owner_reads_its_account(backend: Backend) {
    let app = spawn_app(backend);
    let before = time::OffsetDateTime::now_utc() - time::Duration::seconds(1);
    let account = app.create_account("Corner Cafe");
    let reply = app.get(&account_path(&account), Some(&account.owner_key));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let created_at = text(&reply.body, "createdAt").to_owned();
    let when = parse_timestamp(&created_at);
    assert!(
        before <= when && when <= time::OffsetDateTime::now_utc(),
        "{created_at}"
    );
    let cli = format!("crn:{}:cli:keyward", account.id);
    assert_eq!(
        reply.body,
        json!({
            "id": account.id,
            "name": "Corner Cafe",
            "parentAccountId": null,
            "enabled": true,
            "createdAt": created_at,
            "createdBy": cli,
            "modifiedAt": created_at,
            "modifiedBy": cli,
            "version": "1",
        })
    );
    assert_eq!(reply.header("etag"), Some("\"1\""));
}

fn no_one_else_reads_it(backend: Backend) {
    let app = spawn_app(backend);
    let account = app.create_account("Corner Cafe");
    let other = app.create_account("Other");
    let terminal = app.create_key(&account, "till", "merchant-terminal");
    let minted = app.post(
        &tokens_path(&account),
        Some(&account.owner_key),
        &json!({"scope": "card"}),
    );
    let token = text(&minted.body, "sessionToken").to_owned();
    let path = account_path(&account);
    for credential in [text(&terminal, "secret"), &token, &other.owner_key] {
        let reply = app.get(&path, Some(credential));
        assert_eq!((reply.status, &reply.body), (403, &forbidden()));
    }
    // An id that names no account is refused the same way as another's.
    let reply = app.get(
        &account_path("AAAAAAAAAAAAAAAAAAAAAA"),
        Some(&account.owner_key),
    );
    assert_eq!((reply.status, &reply.body), (403, &forbidden()));
    let reply = app.get(&path, None);
    let missing = error_body(401, "Unauthorized", "Missing authentication");
    assert_eq!((reply.status, &reply.body), (401, &missing));
    let reply = app.delete(&path, Some(&account.owner_key));
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("GET, PUT"));
}

crate::on_both_backends!(an_owner_reads_its_account, no_one_else_reads_it);

/// `POST /api/accounts` as `key`, returning the new account's id.
fn create_child(app: &crate::helpers::TestApp, parent: &str, key: &str, name: &str) -> String {
    let reply = app.post(
        &format!("/api/accounts/{parent}/accounts"),
        Some(key),
        &json!({ "name": name }),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    text(&reply.body["account"], "id").to_owned()
}

fn children_page_through_every_child_once(backend: Backend) {
    let app = spawn_app(backend);
    let platform = app.create_account("Platform");
    let other = app.create_account("Other platform");
    let children: Vec<String> = (0..5)
        .map(|i| {
            create_child(
                &app,
                &platform.id,
                &platform.owner_key,
                &format!("Store {i}"),
            )
        })
        .collect();
    // A grandchild is not a child, and another tree's child is not either.
    create_child(&app, &children[0], &platform.owner_key, "Kiosk");
    create_child(&app, &other.id, &other.owner_key, "Elsewhere");

    let list = format!("/api/accounts/{}/accounts", platform.id);
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = match &next {
            Some(key) => format!("?limit=2&pageKey={key}"),
            None => "?limit=2".to_owned(),
        };
        let reply = app.get(&format!("{list}{query}"), Some(&platform.owner_key));
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        pages += 1;
        for item in reply.body["items"].as_array().expect("items") {
            assert_eq!(item["parentAccountId"], json!(platform.id));
            seen.push(text(item, "id").to_owned());
        }
        match reply.body["nextPageKey"].as_str() {
            Some(key) => next = Some(key.to_owned()),
            // The last page has no nextPageKey at all, not a null one.
            None => {
                assert!(reply.body.get("nextPageKey").is_none(), "{:?}", reply.body);
                break;
            }
        }
    }
    assert_eq!(seen, children, "oldest first, each child once");
    assert_eq!(pages, 3);
    // Without parameters: the first 100.
    let reply = app.get(&list, Some(&platform.owner_key));
    assert_eq!(reply.body["items"].as_array().map(Vec::len), Some(5));
    assert!(reply.body.get("nextPageKey").is_none(), "{:?}", reply.body);

    // A page key of another list, or a changed one, is refused.
    let reply = app.get(&format!("{list}?limit=1"), Some(&platform.owner_key));
    let key = text(&reply.body, "nextPageKey").to_owned();
    let bad = error_body(400, "Bad Request", "pageKey is not one this list gave");
    let grandchildren = format!("/api/accounts/{}/accounts?pageKey={key}", children[0]);
    let reply = app.get(&grandchildren, Some(&platform.owner_key));
    assert_eq!((reply.status, &reply.body), (400, &bad));
    let mut forged = key.into_bytes();
    forged[3] = if forged[3] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).expect("ascii");
    let reply = app.get(
        &format!("{list}?pageKey={forged}"),
        Some(&platform.owner_key),
    );
    assert_eq!((reply.status, &reply.body), (400, &bad));
    for limit in ["0", "1001", "x"] {
        let reply = app.get(&format!("{list}?limit={limit}"), Some(&platform.owner_key));
        let bad = error_body(400, "Bad Request", "limit must be between 1 and 1000");
        assert_eq!((reply.status, &reply.body), (400, &bad), "limit={limit}");
    }
    // Another tree's owner key does not list them.
    let reply = app.get(&list, Some(&other.owner_key));
    assert_eq!((reply.status, &reply.body), (403, &forbidden()));
}

crate::on_both_backends!(children_page_through_every_child_once);
