//! `POST /api/v1/session_tokens`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::error::V1Error;
use super::views::{self, Document};
use crate::auth;
use crate::domain::permission;
use crate::domain::Scope;
use crate::error::ApiError;
use crate::http::body::{object, read_json};
use crate::service::{session_tokens, Keyward};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MintBody {
    #[serde(deserialize_with = "object")]
    session_token: MintAttributes,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MintAttributes {
    scope: String,
    /// Keyward's extension: the lifetime in seconds.
    #[serde(default)]
    ttl_seconds: Option<i64>,
}

pub async fn mint(
    req: HttpRequest,
    kw: web::Data<Keyward>,
    payload: web::Payload,
) -> Result<HttpResponse, V1Error> {
    let caller = auth::v1_caller(&req, &kw).await?;
    let account = caller.account_id.as_str().to_owned();
    if !permission::permits_some_scope(&caller, &account) {
        return Err(ApiError::Forbidden.into());
    }
    let body: MintBody = read_json(&req, payload).await?;
    let scope = Scope::parse(&body.session_token.scope)?;
    let minted = session_tokens::mint(
        &kw,
        &caller,
        &account,
        scope,
        body.session_token.ttl_seconds,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Document {
            data: views::session_token(&minted),
        }))
}
