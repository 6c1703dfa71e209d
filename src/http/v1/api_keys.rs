//! `/api/v1/api_keys[/{id}]`: always on the caller's own account.

use crate::http::body::Json;
use crate::http::dialect::Caller;
use crate::http::openapi::v1;
use crate::http::params::{KeyIdPath, Query};
use crate::http::reply::{self, Reply};
use crate::service::api_keys::{self, KeyQuery};
use crate::service::paging;
use crate::views::v1::{V1ApiKeyDocument, V1ApiKeyListDocument, V1CreateKeyBody, V1KeyListQuery};
use actix_web::{delete, get, post, web, HttpResponse};

/// List the caller's keys
///
/// Every key of the caller's account, oldest first (by `created_at`, then
/// `id`), revoked ones included. With `page[size]` or `page[after]`, one
/// page of them, and `links.next` when another follows. Needs an
/// `account-owner` key.
#[utoipa::path(
    params(V1KeyListQuery),
    responses((status = 200, description = "The keys, or a page of them.",
        body = V1ApiKeyListDocument)),
)]
#[get("/api/v1/api_keys")]
pub async fn v1_list_api_keys(caller: Caller, Query(query): Query<V1KeyListQuery>) -> Reply {
    let asked = query.and_then(V1KeyListQuery::command);
    let limit = match &asked {
        Ok(KeyQuery {
            page: Some(page), ..
        }) => page.limit.unwrap_or(paging::DEFAULT_LIMIT),
        _ => paging::MAX_LIMIT,
    };
    let keys = api_keys::list(&caller.kw, &caller.who, caller.own_account()?, asked).await?;
    let count = keys.items.len();
    reply::list(&V1ApiKeyListDocument::new(keys, limit), count)
}

/// Create a key
///
/// Creates a key in the caller's account; only `description` is needed.
/// Needs an `account-owner` key. The response is the only one that shows
/// the full key, in `api_key`.
#[utoipa::path(
    responses(
        (status = 200, description = "The new key, with the full key in `api_key`.",
            body = V1ApiKeyDocument,
            example = json!({"data": {
                "id": "99967ad0-1446-4d70-a2a7-3c5dbd7c5ade",
                "type": "api_key",
                "attributes": {
                    "id": "99967ad0-1446-4d70-a2a7-3c5dbd7c5ade",
                    "api_key": "kw_99967ad014464d70a2a73c5dbd7c5adeA9LytZyzVT0D3ImYXo2341vX37iDuw",
                    "description": "Checkout web app",
                    "status": "active",
                    "created_at": "2026-11-22T16:52:13.283Z",
                    "revoked_at": null
                }
            }})),
        (status = 409, response = v1::NameTaken),
    ),
)]
#[post("/api/v1/api_keys")]
pub async fn v1_create_api_key(caller: Caller, Json(body): Json<V1CreateKeyBody>) -> Reply {
    let new = body.and_then(|body| body.api_key.command());
    let (key, secret) =
        api_keys::create(&caller.kw, &caller.who, caller.own_account()?, new).await?;
    Ok(reply::secret_body(V1ApiKeyDocument::new(
        key,
        Some(&secret),
    )))
}

/// Read a key
///
/// One key of the caller's account, by id. Needs an `account-owner` key.
#[utoipa::path(
    params(KeyIdPath),
    responses((status = 200, description = "The key.", body = V1ApiKeyDocument)),
)]
#[get("/api/v1/api_keys/{id}")]
pub async fn v1_get_api_key(caller: Caller, path: web::Path<KeyIdPath>) -> Reply {
    let key = api_keys::get(&caller.kw, &caller.who, caller.own_account()?, path.key()).await?;
    Ok(HttpResponse::Ok().json(V1ApiKeyDocument::new(key, None)))
}

/// Revoke a key
///
/// The same operation as the native `DELETE`: permanent, and it ends the
/// key's session tokens. Revoking a revoked key answers 204 again. Needs an
/// `account-owner` key.
#[utoipa::path(
    params(KeyIdPath),
    responses(
        (status = 204, description = "Revoked; no body."),
        (status = 409, response = v1::Busy),
    ),
)]
#[delete("/api/v1/api_keys/{id}")]
pub async fn v1_revoke_api_key(caller: Caller, path: web::Path<KeyIdPath>) -> Reply {
    api_keys::revoke(
        &caller.kw,
        &caller.who,
        caller.own_account()?,
        path.key(),
        Ok(None),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
