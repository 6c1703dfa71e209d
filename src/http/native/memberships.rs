//! `/api/accounts/{accountId}/memberships[/{userId}]`: an account's members.

use actix_web::{delete, get, web, HttpResponse};

use crate::http::dialect::Caller;
use crate::http::openapi::native;
use crate::http::params::{AccountPath, MemberPath, Query};
use crate::http::reply::{self, Reply};
use crate::service::memberships;
use crate::views::native::{MemberListQuery, MembershipPageView};

/// List members
///
/// The users who are members of this account, with their roles, oldest
/// membership first, a page at a time (`limit`, `pageKey`). Members of an
/// ancestor, who may act here too, are listed on their own account. Needs
/// an `account-owner` API key or owner membership of that account or of an
/// ancestor.
#[utoipa::path(
    params(AccountPath, MemberListQuery),
    responses((status = 200, description = "A page of memberships.", body = MembershipPageView)),
)]
#[get("/api/accounts/{account_id}/memberships")]
pub async fn list_memberships(
    caller: Caller,
    path: web::Path<AccountPath>,
    Query(query): Query<MemberListQuery>,
) -> Reply {
    let asked = query.and_then(MemberListQuery::command);
    let page = memberships::list(&caller.kw, &caller.who, &path.account_id, asked).await?;
    let count = page.items.len();
    reply::list(&MembershipPageView::new(page), count)
}

/// Remove a member
///
/// Ends the user's membership of this account. The user's sessions are
/// authorized without it from their next request on. Needs an
/// `account-owner` API key or owner membership of that account or of an
/// ancestor.
#[utoipa::path(
    params(MemberPath),
    responses(
        (status = 204, description = "Removed; no body."),
        (status = 404, response = native::MembershipNotFound),
    ),
)]
#[delete("/api/accounts/{account_id}/memberships/{user_id}")]
pub async fn remove_membership(caller: Caller, path: web::Path<MemberPath>) -> Reply {
    memberships::remove(&caller.kw, &caller.who, &path.account_id, &path.user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
