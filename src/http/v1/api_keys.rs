//! `/api/v1/api_keys[/{id}]`: always on the caller's own account.

use actix_web::http::header;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::views::{self, V1ApiKeyDocument, V1ApiKeyListDocument};
use crate::domain::{Description, KeyName, Role};
use crate::error::ApiError;
use crate::http::body::{object, read_json};
use crate::http::dialect::{Caller, V1ErrorDocument};
use crate::http::openapi::v1;
use crate::service::api_keys::{self, KeyRef, NewKey};
use crate::service::{Asked, Keyward};

/// `{"api_key": {…}}`; `{"api_key": {}}` is a valid request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"api_key": {"description": "Checkout web app"}})))]
pub struct V1CreateKeyBody {
    #[serde(deserialize_with = "object")]
    api_key: V1CreateKeyAttributes,
}

/// Only `description` is in the dialect; `name` and `role` are Keyward's
/// extensions with defaults (a generated name, `account-owner`).
#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct V1CreateKeyAttributes {
    /// At most 255 characters, no control characters.
    #[serde(default)]
    #[schema(max_length = 255)]
    description: Option<String>,
    /// Extension: 1 to 64 ASCII letters or digits, unused in the account.
    /// Default: `key` and 12 random letters and digits.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9]+$")]
    name: Option<String>,
    /// Extension: default `account-owner`.
    #[serde(default)]
    #[schema(value_type = Option<Role>)]
    role: Option<String>,
}

impl V1CreateKeyAttributes {
    fn command(self) -> Asked<NewKey> {
        Ok(NewKey {
            name: self.name.as_deref().map(KeyName::parse).transpose()?,
            role: self
                .role
                .as_deref()
                .map_or(Ok(Role::AccountOwner), Role::parse)?,
            description: self
                .description
                .as_deref()
                .map(Description::parse)
                .transpose()?,
            expires_at: None,
        })
    }
}

/// List the caller's keys
///
/// Every key of the caller's account, oldest first, revoked ones included.
/// Needs an `account-owner` key.
#[utoipa::path(
    operation_id = "v1ListApiKeys",
    tag = "v1",
    security(("ApiKeyHeader" = []), ("ApiKeyQuery" = [])),
    responses(
        (status = 200, description = "The keys.", body = V1ApiKeyListDocument),
        (status = 403, response = v1::Forbidden),
    ),
)]
#[get("/api/v1/api_keys")]
pub async fn list(
    Caller(caller): Caller,
    kw: web::Data<Keyward>,
) -> Result<HttpResponse, ApiError> {
    let account = caller.account_id.as_str().to_owned();
    let keys = api_keys::list(&kw, &caller, &account, Ok(None)).await?;
    let data: Vec<_> = keys.into_iter().map(|k| views::api_key(k, None)).collect();
    Ok(HttpResponse::Ok().json(V1ApiKeyListDocument { data }))
}

/// Create a key
///
/// Creates a key in the caller's account; only `description` is needed.
/// Needs an `account-owner` key. The response is the only one that shows
/// the full key, in `api_key`.
#[utoipa::path(
    operation_id = "v1CreateApiKey",
    tag = "v1",
    request_body = V1CreateKeyBody,
    security(("ApiKeyHeader" = []), ("ApiKeyQuery" = [])),
    responses(
        (status = 200, description = "The new key, with the full key in `api_key`.",
            body = V1ApiKeyDocument,
            headers(("Cache-Control" = String,
                description = "`no-store`: the body holds a secret.")),
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
        (status = 400, description = "The body does not parse, or `name`, `role` or \
            `description` breaks its rule.", body = V1ErrorDocument,
            example = json!({"errors": [{"status": "400", "title": "Bad Request",
                "detail": "description must be at most 255 characters without control characters"}]})),
        (status = 403, response = v1::Forbidden),
        (status = 409, description = "`API_KEY_NAME_TAKEN`: only for a `name` given in the \
            request.", body = V1ErrorDocument,
            example = json!({"errors": [{"status": "409", "title": "Conflict",
                "detail": "API_KEY_NAME_TAKEN"}]})),
    ),
)]
#[post("/api/v1/api_keys")]
pub async fn create(
    Caller(caller): Caller,
    req: HttpRequest,
    kw: web::Data<Keyward>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let account = caller.account_id.as_str().to_owned();
    let new = read_json(&req, payload)
        .await
        .and_then(|body: V1CreateKeyBody| body.api_key.command());
    let (key, secret) = api_keys::create(&kw, &caller, &account, new).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(V1ApiKeyDocument {
            data: views::api_key(key, Some(secret.expose())),
        }))
}

fn key_id(req: &HttpRequest) -> KeyRef {
    KeyRef::Id(req.match_info().query("id").to_owned())
}

/// Read a key
///
/// One key of the caller's account, by id. Needs an `account-owner` key.
#[utoipa::path(
    operation_id = "v1GetApiKey",
    tag = "v1",
    params(v1::KeyIdParam),
    security(("ApiKeyHeader" = []), ("ApiKeyQuery" = [])),
    responses(
        (status = 200, description = "The key.", body = V1ApiKeyDocument),
        (status = 403, response = v1::Forbidden),
        (status = 404, response = v1::KeyNotFound),
    ),
)]
#[get("/api/v1/api_keys/{id}")]
pub async fn show(
    Caller(caller): Caller,
    req: HttpRequest,
    kw: web::Data<Keyward>,
) -> Result<HttpResponse, ApiError> {
    let account = caller.account_id.as_str().to_owned();
    let key = api_keys::get(&kw, &caller, &account, key_id(&req)).await?;
    Ok(HttpResponse::Ok().json(V1ApiKeyDocument {
        data: views::api_key(key, None),
    }))
}

/// Revoke a key
///
/// The same operation as the native `DELETE`: permanent, and it ends the
/// key's session tokens. Revoking a revoked key answers 204 again. Needs an
/// `account-owner` key.
#[utoipa::path(
    operation_id = "v1RevokeApiKey",
    tag = "v1",
    params(v1::KeyIdParam),
    security(("ApiKeyHeader" = []), ("ApiKeyQuery" = [])),
    responses(
        (status = 204, description = "Revoked; no body."),
        (status = 403, response = v1::Forbidden),
        (status = 404, response = v1::KeyNotFound),
        (status = 409, description = "`CONCURRENT_MODIFICATION`: other writers kept changing \
            the key; repeat the request.", body = V1ErrorDocument,
            example = json!({"errors": [{"status": "409", "title": "Conflict",
                "detail": "CONCURRENT_MODIFICATION"}]})),
    ),
)]
#[delete("/api/v1/api_keys/{id}")]
pub async fn revoke(
    Caller(caller): Caller,
    req: HttpRequest,
    kw: web::Data<Keyward>,
) -> Result<HttpResponse, ApiError> {
    let account = caller.account_id.as_str().to_owned();
    api_keys::revoke(&kw, &caller, &account, key_id(&req), Ok(None)).await?;
    Ok(HttpResponse::NoContent().finish())
}
