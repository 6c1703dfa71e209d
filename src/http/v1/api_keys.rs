//! `/api/v1/api_keys[/{id}]`: always on the caller's own account.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use rand::distributions::{Alphanumeric, DistString};
use serde::Deserialize;

use utoipa::ToSchema;

use super::error::{V1Error, V1ErrorDocument};
use super::views::{self, V1ApiKeyDocument, V1ApiKeyListDocument};
use crate::auth;
use crate::domain::permission::Action;
use crate::domain::{Description, KeyName, Role};
use crate::error::ApiError;
use crate::http::body::{object, read_json};
use crate::http::openapi::{v1, RoleName};
use crate::service::api_keys::{self, KeyRef, NewKey, NAME_TAKEN};
use crate::service::{authorize, Keyward};
use crate::store::api_keys::StatusFilter;

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
    #[schema(value_type = Option<RoleName>)]
    role: Option<String>,
}

/// Tries before giving up on generating an unused name (collisions need
/// 2^59 names; this only guards against the impossible).
const NAME_ATTEMPTS: usize = 3;

/// `key` + 12 random letters or digits: alphanumeric like every key name.
fn generated_name() -> String {
    format!(
        "key{}",
        Alphanumeric.sample_string(&mut rand::rngs::OsRng, 12)
    )
}

/// List the caller's keys
///
/// Every key of the caller's account, oldest first, revoked ones included.
/// Needs an `account-owner` key.
#[utoipa::path(
    get,
    path = "/api/v1/api_keys",
    operation_id = "v1ListApiKeys",
    tag = "v1",
    security(("ApiKeyHeader" = []), ("ApiKeyQuery" = [])),
    responses(
        (status = 200, description = "The keys.", body = V1ApiKeyListDocument),
        (status = 401, response = v1::Unauthorized),
        (status = 403, response = v1::Forbidden),
        (status = 429, response = v1::TooManyRequests),
        (status = 500, response = v1::InternalError),
        (status = 503, response = v1::ServiceUnavailable),
    ),
)]
pub async fn list(req: HttpRequest, kw: web::Data<Keyward>) -> Result<HttpResponse, V1Error> {
    let caller = auth::v1_caller(&req, &kw).await?;
    let account = caller.account_id.as_str().to_owned();
    let keys = api_keys::list(&kw, &caller, &account, StatusFilter::All).await?;
    let data: Vec<_> = keys.into_iter().map(|k| views::api_key(k, None)).collect();
    Ok(HttpResponse::Ok().json(V1ApiKeyListDocument { data }))
}

/// Create a key
///
/// Creates a key in the caller's account; only `description` is needed.
/// Needs an `account-owner` key. The response is the only one that shows
/// the full key, in `api_key`.
#[utoipa::path(
    post,
    path = "/api/v1/api_keys",
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
        (status = 401, response = v1::Unauthorized),
        (status = 403, response = v1::Forbidden),
        (status = 409, description = "`API_KEY_NAME_TAKEN`: only for a `name` given in the \
            request.", body = V1ErrorDocument,
            example = json!({"errors": [{"status": "409", "title": "Conflict",
                "detail": "API_KEY_NAME_TAKEN"}]})),
        (status = 413, response = v1::PayloadTooLarge),
        (status = 415, response = v1::UnsupportedMediaType),
        (status = 429, response = v1::TooManyRequests),
        (status = 500, response = v1::InternalError),
        (status = 503, response = v1::ServiceUnavailable),
    ),
)]
pub async fn create(
    req: HttpRequest,
    kw: web::Data<Keyward>,
    payload: web::Payload,
) -> Result<HttpResponse, V1Error> {
    let caller = auth::v1_caller(&req, &kw).await?;
    let account = caller.account_id.as_str().to_owned();
    authorize(&caller, &account, Action::CreateKey)?;
    let body: V1CreateKeyBody = read_json(&req, payload).await?;
    let attributes = body.api_key;
    let description = attributes
        .description
        .as_deref()
        .map(Description::parse)
        .transpose()?;
    let role = match attributes.role.as_deref() {
        Some(role) => Role::parse(role)?,
        None => Role::AccountOwner,
    };
    let given_name = attributes.name.as_deref().map(KeyName::parse).transpose()?;
    let mut attempts = 0;
    let (key, secret) = loop {
        attempts += 1;
        let name = match &given_name {
            Some(name) => name.clone(),
            None => KeyName::parse(&generated_name())?,
        };
        let new = NewKey {
            name,
            role,
            description: description.clone(),
            expires_at: None,
        };
        match api_keys::create(&kw, &caller, &account, new).await {
            Err(ApiError::Conflict(NAME_TAKEN))
                if given_name.is_none() && attempts < NAME_ATTEMPTS => {}
            other => break other?,
        }
    };
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
    get,
    path = "/api/v1/api_keys/{id}",
    operation_id = "v1GetApiKey",
    tag = "v1",
    params(v1::KeyIdParam),
    security(("ApiKeyHeader" = []), ("ApiKeyQuery" = [])),
    responses(
        (status = 200, description = "The key.", body = V1ApiKeyDocument),
        (status = 401, response = v1::Unauthorized),
        (status = 403, response = v1::Forbidden),
        (status = 404, response = v1::KeyNotFound),
        (status = 429, response = v1::TooManyRequests),
        (status = 500, response = v1::InternalError),
        (status = 503, response = v1::ServiceUnavailable),
    ),
)]
pub async fn show(req: HttpRequest, kw: web::Data<Keyward>) -> Result<HttpResponse, V1Error> {
    let caller = auth::v1_caller(&req, &kw).await?;
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
    delete,
    path = "/api/v1/api_keys/{id}",
    operation_id = "v1RevokeApiKey",
    tag = "v1",
    params(v1::KeyIdParam),
    security(("ApiKeyHeader" = []), ("ApiKeyQuery" = [])),
    responses(
        (status = 204, description = "Revoked; no body."),
        (status = 401, response = v1::Unauthorized),
        (status = 403, response = v1::Forbidden),
        (status = 404, response = v1::KeyNotFound),
        (status = 409, description = "`CONCURRENT_MODIFICATION`: other writers kept changing \
            the key; repeat the request.", body = V1ErrorDocument,
            example = json!({"errors": [{"status": "409", "title": "Conflict",
                "detail": "CONCURRENT_MODIFICATION"}]})),
        (status = 429, response = v1::TooManyRequests),
        (status = 500, response = v1::InternalError),
        (status = 503, response = v1::ServiceUnavailable),
    ),
)]
pub async fn revoke(req: HttpRequest, kw: web::Data<Keyward>) -> Result<HttpResponse, V1Error> {
    let caller = auth::v1_caller(&req, &kw).await?;
    let account = caller.account_id.as_str().to_owned();
    api_keys::revoke(&kw, &caller, &account, key_id(&req), None).await?;
    Ok(HttpResponse::NoContent().finish())
}
