//! Rotation and the audit trail of a key:
//! `POST …/api-keys/{name}/rotate` and `GET …/api-keys/{name}/events`.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::api_keys::{account_id, if_match, key_name, with_etag};
use super::views::KeyView;
use crate::domain::Timestamp;
use crate::error::ApiError;
use crate::http::body::read_optional_json;
use crate::http::dialect::{Caller, NativeErrorBody};
use crate::http::openapi::native;
use crate::service::events::{self as trail, KeyEvent};
use crate::service::{rotation, Keyward};

/// A rotation: how long the old secret keeps working.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(examples(json!({"gracePeriodSeconds": 3600})))]
pub struct RotateBody {
    /// 0 (the default) ends the old secret at once; at most 604800 (7 days).
    /// Never past the key's own expiry.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 604800)]
    grace_period_seconds: Option<i64>,
}

/// Rotate a key's secret
///
/// Gives the key a new secret, shown only in this response. Id, name and
/// role stay; `version` moves. The old secret keeps working for the grace
/// period (never past the key's own expiry); rotating again during a grace
/// period ends the secret that grace was for at once. Needs an
/// `account-owner` API key of that account.
#[utoipa::path(
    operation_id = "rotateKey",
    tag = "native",
    params(native::AccountIdParam, native::KeyNameParam, native::IfMatchParam),
    request_body = RotateBody,
    security(("ApiKeyHeader" = [])),
    responses(
        (status = 200, description = "The key with its new `secret`.", body = KeyView,
            headers(
                ("ETag" = String, description = "The key's new version."),
                ("Cache-Control" = String, description = "`no-store`: the body holds a secret."),
            )),
        (status = 400, description = "A bad `If-Match`, a body that does not parse, or a \
            grace period out of range.", body = NativeErrorBody,
            example = json!({"statusCode": 400, "error": "Bad Request",
                "message": "gracePeriodSeconds must be between 0 and 604800"})),
        (status = 403, response = native::Forbidden),
        (status = 404, response = native::KeyNotFound),
        (status = 409, description = "`API_KEY_REVOKED`: a revoked key has no secret to \
            rotate; `API_KEY_EXPIRED`: extend the expiry first; or `CONCURRENT_MODIFICATION`: other writers kept changing the key, repeat \
            the request.", body = NativeErrorBody,
            example = json!({"statusCode": 409, "error": "Conflict",
                "message": "API_KEY_REVOKED"})),
        (status = 412, response = native::VersionMismatch),
    ),
)]
#[post("/api/accounts/{account_id}/api-keys/{name}/rotate")]
pub async fn rotate(
    Caller(caller): Caller,
    req: HttpRequest,
    kw: web::Data<Keyward>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req);
    let grace = read_optional_json(&req, payload)
        .await
        .map(|body: Option<RotateBody>| body.and_then(|b| b.grace_period_seconds));
    let (account, key) = (account_id(&req), key_name(&req));
    let (key, secret) = rotation::rotate(&kw, &caller, account, key, grace, expected).await?;
    Ok(with_etag(key.version)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(KeyView::with_secret(key, secret.expose().to_owned())))
}

#[derive(Deserialize)]
struct EventsQuery {
    limit: Option<String>,
    cursor: Option<String>,
}

/// One change of a key.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventView {
    /// The key's version after the change.
    #[schema(examples("2"))]
    version: String,
    occurred_at: Timestamp,
    /// The CRN of whoever made the change.
    actor: String,
    /// What happened: `created`, `enabled`, `disabled`, `description_changed`,
    /// `rotated`, `revoked`, `expiry_set` (a change may be several at once).
    kinds: Vec<String>,
    /// Each changed field with `from` and `to`. Secrets never appear: a
    /// rotation shows the masked keys.
    #[schema(value_type = Object, examples(json!({"enabled": {"from": true, "to": false}})))]
    changes: serde_json::Value,
}

impl EventView {
    fn new(event: KeyEvent) -> Self {
        Self {
            version: event.version.to_string(),
            occurred_at: event.occurred_at,
            actor: event.actor.as_str().to_owned(),
            kinds: event.kinds,
            changes: event.changes,
        }
    }
}

/// A page of a key's events, newest first.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventPageView {
    events: Vec<EventView>,
    /// Pass as `cursor` for the next (older) page; `null`: no more.
    #[schema(required = true)]
    next_cursor: Option<String>,
}

/// A key's audit trail
///
/// Every change of the key, newest first, a page at a time: who made it,
/// when, and each changed field before and after. Needs an `account-owner`
/// API key of that account.
#[utoipa::path(
    operation_id = "listKeyEvents",
    tag = "native",
    params(
        native::AccountIdParam,
        native::KeyNameParam,
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100,
            description = "Events per page, 1 to 100; 20 when left out."),
        ("cursor" = Option<String>, Query,
            description = "The `nextCursor` of the previous page, for older events."),
    ),
    security(("ApiKeyHeader" = [])),
    responses(
        (status = 200, description = "A page of events.", body = EventPageView),
        (status = 400, description = "A `limit` out of range, a `cursor` this API did not \
            give, or a query string that cannot be read.", body = NativeErrorBody,
            example = json!({"statusCode": 400, "error": "Bad Request",
                "message": "limit must be between 1 and 100"})),
        (status = 403, response = native::Forbidden),
        (status = 404, response = native::KeyNotFound),
    ),
)]
#[get("/api/accounts/{account_id}/api-keys/{name}/events")]
pub async fn events(
    Caller(caller): Caller,
    req: HttpRequest,
    kw: web::Data<Keyward>,
) -> Result<HttpResponse, ApiError> {
    let query = web::Query::<EventsQuery>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|e| ApiError::BadRequest(format!("invalid query string: {e}")));
    let bad_limit =
        || ApiError::BadRequest(format!("limit must be between 1 and {}", trail::MAX_PAGE));
    let (cursor, limit) = match query {
        Ok(EventsQuery { limit, cursor }) => (
            cursor,
            limit
                .map(|l| l.parse::<i64>().map_err(|_| bad_limit()))
                .transpose(),
        ),
        Err(e) => (None, Err(e)),
    };
    let (account, key) = (account_id(&req), key_name(&req));
    let page = trail::list(&kw, &caller, account, key, cursor.as_deref(), limit).await?;
    Ok(HttpResponse::Ok().json(EventPageView {
        events: page.events.into_iter().map(EventView::new).collect(),
        next_cursor: page.next_cursor,
    }))
}
