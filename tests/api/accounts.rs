//! `GET /api/accounts/{accountId}`: the account itself, for its owner.

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
