//! `POST /api/v1/session_tokens`.

use actix_web::post;

use crate::http::body::Json;
use crate::http::dialect::Caller;
use crate::http::reply::{self, Reply};
use crate::service::session_tokens;
use crate::views::v1::{V1MintTokenBody, V1SessionTokenDocument};

/// Mint a session token
///
/// A short-lived credential for the calling key, holding one scope. Needs
/// an `account-owner` API key; a session token cannot mint another. The
/// token is shown only in this response.
#[utoipa::path(
    responses((status = 200, description = "The new token.", body = V1SessionTokenDocument)),
)]
#[post("/api/v1/session_tokens")]
pub async fn v1_create_session_token(caller: Caller, Json(body): Json<V1MintTokenBody>) -> Reply {
    let asked = body.and_then(|body| body.session_token.command());
    let minted =
        session_tokens::mint(&caller.kw, &caller.who, caller.own_account()?, asked).await?;
    Ok(reply::secret_body(V1SessionTokenDocument::new(&minted)))
}
