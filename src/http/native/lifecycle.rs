//! Rotation and the audit trail of a key:
//! `POST …/api-keys/{name}/rotate` and `GET …/api-keys/{name}/events`.

use actix_web::{get, post, web};

use crate::http::body::MaybeBody;
use crate::http::dialect::Caller;
use crate::http::openapi::native;
use crate::http::params::{IfMatch, KeyPath, Query};
use crate::http::reply::{self, Reply};
use crate::service::events as trail;
use crate::service::rotation;
use crate::views::native::{EventPageView, EventsQuery, KeyView, RotateBody};

/// Rotate a key's secret
///
/// Gives the key a new secret, shown only in this response. Id, name and
/// role stay; `version` moves. The old secret keeps working for the grace
/// period (never past the key's own expiry); rotating again during a grace
/// period ends the secret that grace was for at once. Needs an
/// `account-owner` API key of that account.
#[utoipa::path(
    params(KeyPath, IfMatch),
    request_body = Option<RotateBody>,
    responses(
        (status = 200, description = "The key with its new `secret`.", body = KeyView,
            headers(("ETag" = String, description = "The key's new version."))),
        (status = 409, response = native::RotateConflict),
    ),
)]
#[post("/api/accounts/{account_id}/api-keys/{name}/rotate")]
pub async fn rotate_key(
    caller: Caller,
    path: web::Path<KeyPath>,
    IfMatch(expected): IfMatch,
    MaybeBody(body): MaybeBody<RotateBody>,
) -> Reply {
    let grace = body.map(|body| body.and_then(|b| b.grace_period_seconds));
    let (account, key) = (&path.account_id, path.key());
    let (key, secret) =
        rotation::rotate(&caller.kw, &caller.who, account, key, grace, expected).await?;
    Ok(reply::with_secret(key, &secret))
}

/// A key's audit trail
///
/// Every change of the key, newest first, a page at a time: who made it,
/// when, and each changed field before and after. Needs an `account-owner`
/// API key of that account.
#[utoipa::path(
    params(KeyPath, EventsQuery),
    responses((status = 200, description = "A page of events.", body = EventPageView)),
)]
#[get("/api/accounts/{account_id}/api-keys/{name}/events")]
pub async fn list_key_events(
    caller: Caller,
    path: web::Path<KeyPath>,
    Query(query): Query<EventsQuery>,
) -> Reply {
    let asked = query.and_then(EventsQuery::command);
    let page = trail::list(&caller.kw, &caller.who, &path.account_id, path.key(), asked).await?;
    let count = page.items.len();
    reply::list(&EventPageView::new(page), count)
}
