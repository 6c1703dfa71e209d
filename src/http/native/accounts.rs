//! `GET /api/accounts/{accountId}`.

use actix_web::{get, web, HttpResponse};

use crate::http::dialect::Caller;
use crate::http::params::AccountPath;
use crate::http::reply::Reply;
use crate::service::accounts;
use crate::views::native::AccountView;

/// Read an account
///
/// The account itself: its id, name and creation time. Needs an
/// `account-owner` API key of that account.
#[utoipa::path(
    params(AccountPath),
    responses((status = 200, description = "The account.", body = AccountView)),
)]
#[get("/api/accounts/{account_id}")]
pub async fn get_account(caller: Caller, path: web::Path<AccountPath>) -> Reply {
    let account = accounts::get(&caller.kw, &caller.who, &path.account_id).await?;
    Ok(HttpResponse::Ok().json(AccountView::new(account)))
}
