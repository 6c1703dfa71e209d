//! `POST /api/accounts/{accountId}/session-tokens`.

use actix_web::{post, web};

use crate::http::body::Json;
use crate::http::dialect::Caller;
use crate::http::params::AccountPath;
use crate::http::reply::{self, Reply};
use crate::service::session_tokens;
use crate::views::native::{MintTokenBody, SessionTokenView};

/// Mint a session token
///
/// A short-lived credential for the calling key, holding one scope. Needs
/// an `account-owner` API key of that account; a session token cannot mint
/// another. The token is shown only in this response.
#[utoipa::path(
    params(AccountPath),
    responses((status = 200, description = "The new token.", body = SessionTokenView)),
)]
#[post("/api/accounts/{account_id}/session-tokens")]
pub async fn mint_session_token(
    caller: Caller,
    path: web::Path<AccountPath>,
    Json(body): Json<MintTokenBody>,
) -> Reply {
    let asked = body.and_then(MintTokenBody::command);
    let minted = session_tokens::mint(&caller.kw, &caller.who, &path.account_id, asked).await?;
    Ok(reply::secret_body(SessionTokenView::new(&minted)))
}
