//! `/api/accounts[/{accountId}[/accounts]]`: the accounts tree.

use actix_web::{get, post, put, web};

use crate::http::body::Json;
use crate::http::dialect::Caller;
use crate::http::openapi::native;
use crate::http::params::{AccountPath, IfMatch, Query};
use crate::http::reply::{self, Reply};
use crate::service::accounts;
use crate::views::native::{
    AccountListQuery, AccountPageView, AccountView, CreateAccountBody, CreatedAccountView,
    UpdateAccountBody,
};

/// Create a child account
///
/// Creates an account under the caller's own, with a first `account-owner`
/// key whose `secret` this response shows once. The caller's owner keys
/// administer the new account; both are recorded as created by the
/// caller's key. Needs an `account-owner` API key.
#[utoipa::path(
    responses((status = 200, description = "The account and its first key, with `secret`.",
        body = CreatedAccountView)),
)]
#[post("/api/accounts")]
pub async fn create_account(caller: Caller, Json(body): Json<CreateAccountBody>) -> Reply {
    let asked = body.and_then(CreateAccountBody::command);
    let parent = caller.own_account()?;
    let created = accounts::create_child(&caller.kw, &caller.who, parent, asked).await?;
    Ok(reply::secret_body(CreatedAccountView::new(created)))
}

/// Create a child of an account
///
/// Like `POST /api/accounts`, under the account in the path: the caller's
/// own or a descendant of it. Accounts nest at most 8 levels deep. Needs an
/// `account-owner` API key of that account or of an ancestor.
#[utoipa::path(
    params(AccountPath),
    responses((status = 200, description = "The account and its first key, with `secret`.",
        body = CreatedAccountView)),
)]
#[post("/api/accounts/{account_id}/accounts")]
pub async fn create_child_account(
    caller: Caller,
    path: web::Path<AccountPath>,
    Json(body): Json<CreateAccountBody>,
) -> Reply {
    let asked = body.and_then(CreateAccountBody::command);
    let created = accounts::create_child(&caller.kw, &caller.who, &path.account_id, asked).await?;
    Ok(reply::secret_body(CreatedAccountView::new(created)))
}

/// List an account's children
///
/// The accounts created under this one, oldest first, a page at a time
/// (`limit`, `pageKey`); not their descendants. Needs an `account-owner`
/// API key of that account or of an ancestor.
#[utoipa::path(
    params(AccountPath, AccountListQuery),
    responses((status = 200, description = "A page of child accounts.", body = AccountPageView)),
)]
#[get("/api/accounts/{account_id}/accounts")]
pub async fn list_child_accounts(
    caller: Caller,
    path: web::Path<AccountPath>,
    Query(query): Query<AccountListQuery>,
) -> Reply {
    let asked = query.and_then(AccountListQuery::command);
    let page = accounts::list_children(&caller.kw, &caller.who, &path.account_id, asked).await?;
    let count = page.items.len();
    reply::list(&AccountPageView::new(page), count)
}

/// Read an account
///
/// Needs an `account-owner` API key of that account or of an ancestor.
#[utoipa::path(
    params(AccountPath),
    responses((status = 200, description = "The account.", body = AccountView,
        headers(("ETag" = String, description = "The account's version, such as `\"1\"`.")))),
)]
#[get("/api/accounts/{account_id}")]
pub async fn get_account(caller: Caller, path: web::Path<AccountPath>) -> Reply {
    let account = accounts::get(&caller.kw, &caller.who, &path.account_id).await?;
    Ok(reply::account(account))
}

/// Rename, suspend or resume an account
///
/// `{"enabled": false}` suspends the account: at once, its keys and its
/// descendants' keys authenticate nothing, and their session tokens end for
/// good. `{"enabled": true}` resumes it (ended session tokens stay ended).
/// Renaming needs an `account-owner` API key of the account or an ancestor;
/// suspending and resuming need one of an ancestor, so no account suspends
/// itself. A body asking for the values the account already has returns
/// it unchanged.
#[utoipa::path(
    params(AccountPath, IfMatch),
    responses(
        (status = 200, description = "The account after the change.", body = AccountView,
            headers(("ETag" = String, description = "The account's new version."))),
        (status = 409, response = native::Busy),
    ),
)]
#[put("/api/accounts/{account_id}")]
pub async fn update_account(
    caller: Caller,
    path: web::Path<AccountPath>,
    IfMatch(expected): IfMatch,
    Json(body): Json<UpdateAccountBody>,
) -> Reply {
    let update = body.and_then(UpdateAccountBody::command);
    let account =
        accounts::update(&caller.kw, &caller.who, &path.account_id, update, expected).await?;
    Ok(reply::account(account))
}
