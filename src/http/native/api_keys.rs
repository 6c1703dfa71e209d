//! `/api/accounts/{accountId}/api-keys[/{name}]`.

use crate::http::body::Json;
use crate::http::dialect::Caller;
use crate::http::openapi::native;
use crate::http::params::{AccountPath, IfMatch, KeyPath, Query};
use crate::http::reply::{self, Reply};
use crate::service::api_keys;
use crate::views::native::{CreateKeyBody, KeyListQuery, KeyListView, KeyView, UpdateKeyBody};
use actix_web::{delete, get, post, put, web};

/// Create a key
///
/// Creates an enabled, active key in the account. Needs an `account-owner`
/// API key of that account. The response is the only one that shows the
/// full key, in `secret`.
#[utoipa::path(
    params(AccountPath),
    responses(
        (status = 200, description = "The new key, with `secret`.", body = KeyView,
            headers(("ETag" = String, description = "The key's version: `\"1\"`.")),
            example = json!(KeyView::example(true))),
        (status = 409, response = native::NameTaken),
    ),
)]
#[post("/api/accounts/{account_id}/api-keys")]
pub async fn create_key(
    caller: Caller,
    path: web::Path<AccountPath>,
    Json(body): Json<CreateKeyBody>,
) -> Reply {
    let new = body.and_then(CreateKeyBody::command);
    let (key, secret) = api_keys::create(&caller.kw, &caller.who, &path.account_id, new).await?;
    Ok(reply::with_secret(key, &secret))
}

/// List the account's keys
///
/// Oldest first (by `createdAt`, then `id`), revoked keys included unless
/// `status` filters them out. With `limit` or `pageKey`, one page of them
/// and the key to the next; with neither, every key in a bare array. Needs
/// an `account-owner` API key of that account.
#[utoipa::path(
    params(AccountPath, KeyListQuery),
    responses((status = 200,
        description = "The keys: a bare array (`[]` when none match) without `limit` and \
            `pageKey`, a page with either.",
        body = KeyListView)),
)]
#[get("/api/accounts/{account_id}/api-keys")]
pub async fn list_keys(
    caller: Caller,
    path: web::Path<AccountPath>,
    Query(query): Query<KeyListQuery>,
) -> Reply {
    let asked = query.and_then(KeyListQuery::command);
    let paged = matches!(&asked, Ok(asked) if asked.page.is_some());
    let keys = api_keys::list(&caller.kw, &caller.who, &path.account_id, asked).await?;
    let count = keys.items.len();
    reply::list(&KeyListView::new(keys, paged), count)
}

/// Read a key
///
/// One key, by name; revoked keys can still be read. Needs an
/// `account-owner` API key of that account.
#[utoipa::path(
    params(KeyPath),
    responses(
        (status = 200, description = "The key.", body = KeyView,
            headers(("ETag" = String, description = "The key's version, such as `\"1\"`."))),
    ),
)]
#[get("/api/accounts/{account_id}/api-keys/{name}")]
pub async fn get_key(caller: Caller, path: web::Path<KeyPath>) -> Reply {
    let key = api_keys::get(&caller.kw, &caller.who, &path.account_id, path.key()).await?;
    Ok(reply::key(key))
}

/// Enable, disable, describe or set the expiry of a key
///
/// Needs an `account-owner` API key of that account, except that any key
/// may switch itself off (`{"enabled": false}` on its own name, and nothing
/// else). Disabling a key also
/// ends, for good, every session token it minted so far. A body asking for
/// the values the key already has returns it unchanged.
#[utoipa::path(
    params(KeyPath, IfMatch),
    responses(
        (status = 200, description = "The key after the change.", body = KeyView,
            headers(("ETag" = String, description = "The key's new version, such as `\"2\"`."))),
        (status = 400, description = "A bad `If-Match`, a body that does not parse, \
            `\"enabled\": null`, none of the three fields given, a `description` that breaks \
            its rule, or an `expiresAt` that is not an instant in the future."),
        (status = 409, response = native::ChangeConflict),
    ),
)]
#[put("/api/accounts/{account_id}/api-keys/{name}")]
pub async fn update_key(
    caller: Caller,
    path: web::Path<KeyPath>,
    IfMatch(expected): IfMatch,
    Json(body): Json<UpdateKeyBody>,
) -> Reply {
    let update = body.and_then(UpdateKeyBody::command);
    let (account, key) = (&path.account_id, path.key());
    let key = api_keys::update(&caller.kw, &caller.who, account, key, update, expected).await?;
    Ok(reply::key(key))
}

/// Revoke a key
///
/// For good: the key stays listed as `revoked`, can never authenticate
/// again, nor can its session tokens, and its name stays taken. Revoking a
/// revoked key changes nothing and answers 204 again. Needs an
/// `account-owner` API key of that account.
#[utoipa::path(
    params(KeyPath, IfMatch),
    responses(
        (status = 204, description = "Revoked; no body.",
            headers(("ETag" = String, description = "The key's version after revocation."))),
        (status = 409, response = native::Busy),
    ),
)]
#[delete("/api/accounts/{account_id}/api-keys/{name}")]
pub async fn revoke_key(
    caller: Caller,
    path: web::Path<KeyPath>,
    IfMatch(expected): IfMatch,
) -> Reply {
    let key = api_keys::revoke(
        &caller.kw,
        &caller.who,
        &path.account_id,
        path.key(),
        expected,
    )
    .await?;
    Ok(reply::revoked(key.version))
}
