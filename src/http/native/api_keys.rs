//! `/api/accounts/{accountId}/api-keys[/{name}]`.

use actix_web::http::header;
use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::views::KeyView;
use crate::domain::{Description, KeyName, KeyStatus, Role, Timestamp};
use crate::error::ApiError;
use crate::http::body::{present, read_json};
use crate::http::dialect::{Caller, NativeErrorBody};
use crate::http::openapi::native;
use crate::service::api_keys::{self, KeyRef, KeyUpdate, NewKey};
use crate::service::{Asked, Keyward};

/// A new key.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({
    "name": "FrontTill1",
    "role": "merchant-terminal",
    "description": "Front counter till"
})))]
pub struct CreateKeyBody {
    /// 1 to 64 ASCII letters or digits, not yet used in the account (not
    /// even by a revoked key).
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9]+$")]
    name: String,
    #[schema(value_type = Role)]
    role: String,
    /// At most 255 characters, no control characters; `null` or absent: none.
    #[serde(default)]
    #[schema(max_length = 255)]
    description: Option<String>,
    /// When the key stops authenticating: an RFC 3339 instant in the future.
    #[serde(default, rename = "expiresAt")]
    #[schema(value_type = Option<Timestamp>)]
    expires_at: Option<String>,
}

/// A change to a key: at least one of the fields. A field left out keeps
/// its value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"enabled": false})))]
pub struct UpdateKeyBody {
    /// Switches the key on or off; `null` is refused.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<bool>, nullable = false)]
    enabled: Option<Option<bool>>,
    /// A string sets the description (same rule as on create); `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 255)]
    description: Option<Option<String>>,
    /// An RFC 3339 instant in the future sets the expiry; `null` removes it.
    #[serde(default, deserialize_with = "present", rename = "expiresAt")]
    #[schema(value_type = Option<Timestamp>)]
    expires_at: Option<Option<String>>,
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
}

impl CreateKeyBody {
    fn command(self) -> Asked<NewKey> {
        Ok(NewKey {
            name: Some(KeyName::parse(&self.name)?),
            role: Role::parse(&self.role)?,
            description: self
                .description
                .as_deref()
                .map(Description::parse)
                .transpose()?,
            expires_at: self.expires_at.as_deref().map(parse_expiry).transpose()?,
        })
    }
}

impl UpdateKeyBody {
    fn command(self) -> Asked<KeyUpdate> {
        let enabled = match self.enabled {
            Some(None) => return Err(ApiError::BadRequest("enabled must be true or false".into())),
            other => other.flatten(),
        };
        let description = (self.description)
            .map(|d| d.as_deref().map(Description::parse).transpose())
            .transpose()?;
        let expires_at = (self.expires_at)
            .map(|e| e.as_deref().map(parse_expiry).transpose())
            .transpose()?;
        if enabled.is_none() && description.is_none() && expires_at.is_none() {
            return Err(ApiError::BadRequest(
                "give at least one of enabled, description, expiresAt".into(),
            ));
        }
        Ok(KeyUpdate {
            enabled,
            description,
            expires_at,
        })
    }
}

/// `expiresAt` as given: any RFC 3339 offset, kept to the millisecond in UTC.
pub(super) fn parse_expiry(s: &str) -> Result<Timestamp, ApiError> {
    Timestamp::parse_rfc3339(s).ok_or_else(|| {
        ApiError::BadRequest(
            "expiresAt must be an RFC 3339 date-time such as 2030-01-01T00:00:00Z".into(),
        )
    })
}

pub(super) fn account_id(req: &HttpRequest) -> &str {
    req.match_info().query("account_id")
}

pub(super) fn key_name(req: &HttpRequest) -> KeyRef {
    KeyRef::Name(req.match_info().query("name").to_owned())
}

/// `If-Match` as RFC 9110 reads it: `*`, or a list of entity tags (`"3"`,
/// also `W/"3"` or a bare `3`), in one field line or spread over several.
/// `None` when there is no condition (absent, or `*`); otherwise the key
/// versions any one of which lets the change go ahead. Anything else is a 400.
pub(super) fn if_match(req: &HttpRequest) -> Result<Option<Vec<i64>>, ApiError> {
    let bad = || ApiError::BadRequest("If-Match must be a key version such as \"1\"".into());
    let mut lines = req.headers().get_all(header::IF_MATCH).peekable();
    if lines.peek().is_none() {
        return Ok(None);
    }
    let mut members = Vec::new();
    for line in lines {
        let line = line.to_str().map_err(|_| bad())?;
        members.extend(line.split(',').map(str::trim).filter(|m| !m.is_empty()));
    }
    match members.as_slice() {
        ["*"] => Ok(None),
        [] => Err(bad()),
        _ => members
            .iter()
            .map(|member| {
                let tag = member.strip_prefix("W/").unwrap_or(member);
                let version = match tag.strip_prefix('"') {
                    Some(quoted) => quoted.strip_suffix('"').ok_or_else(bad)?,
                    None => tag,
                };
                version.parse::<i64>().map_err(|_| bad())
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
    }
}

pub(super) fn with_etag(version: i64) -> actix_web::HttpResponseBuilder {
    let mut builder = HttpResponse::Ok();
    builder.insert_header((header::ETAG, format!("\"{version}\"")));
    builder
}

/// Create a key
///
/// Creates an enabled, active key in the account. Needs an `account-owner`
/// API key of that account. The response is the only one that shows the
/// full key, in `secret`.
#[utoipa::path(
    operation_id = "createKey",
    tag = "native",
    params(native::AccountIdParam),
    request_body = CreateKeyBody,
    security(("ApiKeyHeader" = [])),
    responses(
        (status = 200, description = "The new key, with `secret`.", body = KeyView,
            headers(
                ("ETag" = String, description = "The key's version: `\"1\"`."),
                ("Cache-Control" = String, description = "`no-store`: the body holds a secret."),
            ),
            example = json!({
                "accountId": "r046bIHYG9OGHRq22uSr3d",
                "name": "FrontTill1",
                "role": "merchant-terminal",
                "enabled": true,
                "createdAt": "2026-11-22T16:52:12.501Z",
                "createdBy": "crn:r046bIHYG9OGHRq22uSr3d:api-key:owner",
                "modifiedAt": "2026-11-22T16:52:12.501Z",
                "modifiedBy": "crn:r046bIHYG9OGHRq22uSr3d:api-key:owner",
                "version": "1",
                "id": "e429b9af-5daa-4ebd-adce-4cb4d3a07cbc",
                "description": "Front counter till",
                "status": "active",
                "revokedAt": null,
                "expiresAt": null,
                "lastUsedAt": null,
                "apiKey": "...01RAOq",
                "secret": "kw_e429b9af5daa4ebdadce4cb4d3a07cbcnMHEXa9PaDyKf0AjE3w5Jo7r01RAOq"
            })),
        (status = 400, description = "The body does not parse, or `name`, `role` or \
            `description` breaks its rule.", body = NativeErrorBody,
            example = json!({"statusCode": 400, "error": "Bad Request",
                "message": "name must be 1 to 64 ASCII letters or digits"})),
        (status = 403, response = native::Forbidden),
        (status = 409, description = "`API_KEY_NAME_TAKEN`: the account already has a key \
            with this name, active or revoked.", body = NativeErrorBody,
            example = json!({"statusCode": 409, "error": "Conflict",
                "message": "API_KEY_NAME_TAKEN"})),
    ),
)]
#[post("/api/accounts/{account_id}/api-keys")]
pub async fn create(
    Caller(caller): Caller,
    req: HttpRequest,
    kw: web::Data<Keyward>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let new = read_json(&req, payload)
        .await
        .and_then(CreateKeyBody::command);
    let (key, secret) = api_keys::create(&kw, &caller, account_id(&req), new).await?;
    let version = key.version;
    Ok(with_etag(version)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(KeyView::with_secret(key, secret.expose().to_owned())))
}

/// List the account's keys
///
/// Oldest first, revoked keys included unless `status` filters them out.
/// Needs an `account-owner` API key of that account.
#[utoipa::path(
    operation_id = "listKeys",
    tag = "native",
    params(
        native::AccountIdParam,
        ("status" = Option<KeyStatus>, Query,
            description = "Only keys with this `status` (a disabled key can still be \
                `active`); every key when left out."),
    ),
    security(("ApiKeyHeader" = [])),
    responses(
        (status = 200, description = "The keys; `[]` when none match.", body = [KeyView]),
        (status = 400, description = "An unknown `status`, or a query string that cannot be \
            read (e.g. `status` given twice).", body = NativeErrorBody,
            example = json!({"statusCode": 400, "error": "Bad Request",
                "message": "status must be \"active\", \"expired\" or \"revoked\""})),
        (status = 403, response = native::Forbidden),
    ),
)]
#[get("/api/accounts/{account_id}/api-keys")]
pub async fn list(
    Caller(caller): Caller,
    req: HttpRequest,
    kw: web::Data<Keyward>,
) -> Result<HttpResponse, ApiError> {
    let status = web::Query::<ListQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::BadRequest(format!("invalid query string: {e}")))
        .and_then(|q| {
            q.status
                .as_deref()
                .map(KeyStatus::parse)
                .transpose()
                .map_err(Into::into)
        });
    let keys = api_keys::list(&kw, &caller, account_id(&req), status).await?;
    Ok(HttpResponse::Ok().json(keys.into_iter().map(KeyView::new).collect::<Vec<_>>()))
}

/// Read a key
///
/// One key, by name; revoked keys can still be read. Needs an
/// `account-owner` API key of that account.
#[utoipa::path(
    operation_id = "getKey",
    tag = "native",
    params(native::AccountIdParam, native::KeyNameParam),
    security(("ApiKeyHeader" = [])),
    responses(
        (status = 200, description = "The key.", body = KeyView,
            headers(("ETag" = String, description = "The key's version, such as `\"1\"`."))),
        (status = 403, response = native::Forbidden),
        (status = 404, response = native::KeyNotFound),
    ),
)]
#[get("/api/accounts/{account_id}/api-keys/{name}")]
pub async fn show(
    Caller(caller): Caller,
    req: HttpRequest,
    kw: web::Data<Keyward>,
) -> Result<HttpResponse, ApiError> {
    let key = api_keys::get(&kw, &caller, account_id(&req), key_name(&req)).await?;
    Ok(with_etag(key.version).json(KeyView::new(key)))
}

/// Enable, disable or describe a key
///
/// Needs an `account-owner` API key of that account. Disabling a key also
/// ends, for good, every session token it minted so far. A body asking for
/// the values the key already has returns it unchanged.
#[utoipa::path(
    operation_id = "updateKey",
    tag = "native",
    params(native::AccountIdParam, native::KeyNameParam, native::IfMatchParam),
    request_body = UpdateKeyBody,
    security(("ApiKeyHeader" = [])),
    responses(
        (status = 200, description = "The key after the change.", body = KeyView,
            headers(("ETag" = String, description = "The key's new version, such as `\"2\"`."))),
        (status = 400, description = "A bad `If-Match`, a body that does not parse, \
            `\"enabled\": null`, none of the three fields given, a `description` that breaks \
            its rule, or an `expiresAt` that is not an instant in the future.",
            body = NativeErrorBody,
            example = json!({"statusCode": 400, "error": "Bad Request",
                "message": "give at least one of enabled, description, expiresAt"})),
        (status = 403, response = native::Forbidden),
        (status = 404, response = native::KeyNotFound),
        (status = 409, description = "`API_KEY_REVOKED`: the key is revoked, which cannot be \
            undone; or `CONCURRENT_MODIFICATION`: other writers kept changing the key, repeat \
            the request.", body = NativeErrorBody,
            example = json!({"statusCode": 409, "error": "Conflict",
                "message": "API_KEY_REVOKED"})),
        (status = 412, response = native::VersionMismatch),
    ),
)]
#[put("/api/accounts/{account_id}/api-keys/{name}")]
pub async fn update(
    Caller(caller): Caller,
    req: HttpRequest,
    kw: web::Data<Keyward>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req);
    let update = read_json(&req, payload)
        .await
        .and_then(UpdateKeyBody::command);
    let (account, key) = (account_id(&req), key_name(&req));
    let key = api_keys::update(&kw, &caller, account, key, update, expected).await?;
    Ok(with_etag(key.version).json(KeyView::new(key)))
}

/// Revoke a key
///
/// For good: the key stays listed as `revoked`, can never authenticate
/// again, nor can its session tokens, and its name stays taken. Revoking a
/// revoked key changes nothing and answers 204 again. Needs an
/// `account-owner` API key of that account.
#[utoipa::path(
    operation_id = "revokeKey",
    tag = "native",
    params(native::AccountIdParam, native::KeyNameParam, native::IfMatchParam),
    security(("ApiKeyHeader" = [])),
    responses(
        (status = 204, description = "Revoked; no body.",
            headers(("ETag" = String, description = "The key's version after revocation."))),
        (status = 400, description = "`If-Match` is neither a version nor `*`.",
            body = NativeErrorBody,
            example = json!({"statusCode": 400, "error": "Bad Request",
                "message": "If-Match must be a key version such as \"1\""})),
        (status = 403, response = native::Forbidden),
        (status = 404, response = native::KeyNotFound),
        (status = 409, description = "`CONCURRENT_MODIFICATION`: other writers kept changing \
            the key; repeat the request.", body = NativeErrorBody,
            example = json!({"statusCode": 409, "error": "Conflict",
                "message": "CONCURRENT_MODIFICATION"})),
        (status = 412, response = native::VersionMismatch),
    ),
)]
#[delete("/api/accounts/{account_id}/api-keys/{name}")]
pub async fn revoke(
    Caller(caller): Caller,
    req: HttpRequest,
    kw: web::Data<Keyward>,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req);
    let key = api_keys::revoke(&kw, &caller, account_id(&req), key_name(&req), expected).await?;
    Ok(HttpResponse::NoContent()
        .insert_header((header::ETAG, format!("\"{}\"", key.version)))
        .finish())
}
