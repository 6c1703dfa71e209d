//! `POST /api/accounts/{accountId}/session-tokens`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::views::SessionTokenView;
use crate::auth;
use crate::domain::permission;
use crate::domain::Scope;
use crate::error::ApiError;
use crate::http::body::read_json;
use crate::service::{session_tokens, Keyward};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct MintBody {
    scope: String,
    #[serde(default)]
    ttl_seconds: Option<i64>,
}

pub async fn mint(
    req: HttpRequest,
    kw: web::Data<Keyward>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let caller = auth::caller(&req, &kw).await?;
    let account_id = req.match_info().query("account_id");
    // Refuse callers that may mint nothing here before reading the body.
    if !permission::permits_some_scope(&caller, account_id) {
        return Err(ApiError::Forbidden);
    }
    let body: MintBody = read_json(&req, payload).await?;
    let scope = Scope::parse(&body.scope)?;
    let minted = session_tokens::mint(&kw, &caller, account_id, scope, body.ttl_seconds).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(SessionTokenView::new(&minted)))
}
