//! Usage analytics: `GET …/api-keys/{name}/usage` and
//! `GET /api/accounts/{accountId}/usage`.

use actix_web::{get, web, HttpResponse};

use crate::http::dialect::Caller;
use crate::http::params::{AccountPath, KeyPath, Query};
use crate::http::reply::Reply;
use crate::service::usage;
use crate::views::native::{AccountUsageQuery, AccountUsageView, UsageQuery, UsageSeriesView};

/// A key's usage
///
/// How many times the key was used, bucket by bucket (UTC hours or days):
/// each authentication with it (or with one of its session tokens) on this
/// API and each `POST /api/verify` of it, by outcome (`VALID` or the verify
/// code it was refused with). Every bucket of the range is listed. Counts
/// are written in batches; this answer adds the ones this instance has not
/// written yet, so it shows the caller's own traffic at once. Buckets older
/// than the retention (90 days by default) are gone. Needs an
/// `account-owner` API key of that account or of an ancestor.
#[utoipa::path(
    params(KeyPath, UsageQuery),
    responses((status = 200, description = "The key's uses.", body = UsageSeriesView)),
)]
#[get("/api/accounts/{account_id}/api-keys/{name}/usage")]
pub async fn get_key_usage(
    caller: Caller,
    path: web::Path<KeyPath>,
    Query(query): Query<UsageQuery>,
) -> Reply {
    let asked = query.and_then(UsageQuery::command);
    let series =
        usage::series(&caller.kw, &caller.who, &path.account_id, path.key(), asked).await?;
    Ok(HttpResponse::Ok().json(UsageSeriesView::new(series)))
}

/// The account's most used keys
///
/// The account's keys most used over a range of UTC hours, most used
/// first, each with its uses by outcome, counted as for a key's usage
/// (including what this instance has not written yet). Keys not used then
/// are left out; so are the keys of child accounts. Needs an
/// `account-owner` API key of that account or of an ancestor.
#[utoipa::path(
    params(AccountPath, AccountUsageQuery),
    responses((status = 200, description = "The most used keys.", body = AccountUsageView)),
)]
#[get("/api/accounts/{account_id}/usage")]
pub async fn get_account_usage(
    caller: Caller,
    path: web::Path<AccountPath>,
    Query(query): Query<AccountUsageQuery>,
) -> Reply {
    let asked = query.and_then(AccountUsageQuery::command);
    let top = usage::top_keys(&caller.kw, &caller.who, &path.account_id, asked).await?;
    Ok(HttpResponse::Ok().json(AccountUsageView::new(top)))
}
