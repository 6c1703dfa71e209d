//! Rotation and the audit trail of a key:
//! `POST …/api-keys/{name}/rotate` and `GET …/api-keys/{name}/events`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::api_keys::{account_id, if_match, key_name, with_etag};
use super::views::KeyView;
use crate::auth;
use crate::domain::permission::Action;
use crate::domain::Timestamp;
use crate::error::{ApiError, NativeErrorBody};
use crate::http::body::read_json;
use crate::service::audit::{self, KeyEvent};
use crate::service::{authorize, rotation, Keyward};

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

/// Gives the key a new secret, returned once with the key. Id, name and role
/// stay; `version` moves; the old secret works for the grace period.
#[utoipa::path(
    post,
    path = "/api/accounts/{account_id}/api-keys/{name}/rotate",
    tag = "native",
    params(
        ("account_id" = String, Path, description = "The caller's own account."),
        ("name" = String, Path, description = "The key's name."),
        ("If-Match" = Option<String>, Header, description = "Rotate only at this version, e.g. `\"3\"`."),
    ),
    request_body = RotateBody,
    responses(
        (status = 200, description = "The key with its new `secret`.", body = KeyView),
        (status = 400, description = "Bad body or grace period.", body = NativeErrorBody),
        (status = 401, description = "No or bad credential.", body = NativeErrorBody),
        (status = 403, description = "Not an account-owner key of this account.", body = NativeErrorBody),
        (status = 404, description = "No such key.", body = NativeErrorBody),
        (status = 409, description = "`API_KEY_REVOKED`.", body = NativeErrorBody),
        (status = 412, description = "`VERSION_MISMATCH`.", body = NativeErrorBody),
        (status = 413, description = "Body over 16 KiB.", body = NativeErrorBody),
        (status = 415, description = "Body not JSON.", body = NativeErrorBody),
        (status = 429, description = "Too many failed attempts.", body = NativeErrorBody),
    ),
    security(("x-api-key" = []))
)]
pub async fn rotate(
    req: HttpRequest,
    kw: web::Data<Keyward>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let caller = auth::caller(&req, &kw).await?;
    authorize(&caller, account_id(&req), Action::RotateKey)?;
    let expected = if_match(&req)?;
    let body: RotateBody = read_json(&req, payload).await?;
    let grace = body.grace_period_seconds.unwrap_or(0);
    let (key, secret) = rotation::rotate(
        &kw,
        &caller,
        account_id(&req),
        key_name(&req),
        grace,
        expected,
    )
    .await?;
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

/// The key's audit trail, newest first, a page at a time.
#[utoipa::path(
    get,
    path = "/api/accounts/{account_id}/api-keys/{name}/events",
    tag = "native",
    params(
        ("account_id" = String, Path, description = "The caller's own account."),
        ("name" = String, Path, description = "The key's name."),
        ("limit" = Option<i64>, Query, description = "Events per page, 1 to 100 (default 20)."),
        ("cursor" = Option<String>, Query, description = "`nextCursor` of the previous page."),
    ),
    responses(
        (status = 200, description = "A page of events.", body = EventPageView),
        (status = 400, description = "Bad limit or cursor.", body = NativeErrorBody),
        (status = 401, description = "No or bad credential.", body = NativeErrorBody),
        (status = 403, description = "Not an account-owner key of this account.", body = NativeErrorBody),
        (status = 404, description = "No such key.", body = NativeErrorBody),
        (status = 429, description = "Too many failed attempts.", body = NativeErrorBody),
    ),
    security(("x-api-key" = []))
)]
pub async fn events(req: HttpRequest, kw: web::Data<Keyward>) -> Result<HttpResponse, ApiError> {
    let caller = auth::caller(&req, &kw).await?;
    authorize(&caller, account_id(&req), Action::ReadKey)?;
    let query = web::Query::<EventsQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::BadRequest(format!("invalid query string: {e}")))?;
    let limit = query
        .limit
        .as_deref()
        .map(|l| {
            l.parse::<i64>().map_err(|_| {
                ApiError::BadRequest(format!("limit must be between 1 and {}", audit::MAX_PAGE))
            })
        })
        .transpose()?;
    let page = audit::list(
        &kw,
        &caller,
        account_id(&req),
        key_name(&req),
        query.cursor.as_deref(),
        limit,
    )
    .await?;
    Ok(HttpResponse::Ok().json(EventPageView {
        events: page.events.into_iter().map(EventView::new).collect(),
        next_cursor: page.next_cursor,
    }))
}
