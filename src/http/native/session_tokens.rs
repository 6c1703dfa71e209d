//! `POST /api/accounts/{accountId}/session-tokens`.

use actix_web::http::header;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::views::SessionTokenView;
use crate::domain::Scope;
use crate::error::ApiError;
use crate::http::body::read_json;
use crate::http::dialect::{Caller, NativeErrorBody};
use crate::http::openapi::native;
use crate::service::{session_tokens, Keyward};

/// What to mint.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(examples(json!({"scope": "show_card", "ttlSeconds": 600})))]
pub struct MintTokenBody {
    #[schema(value_type = Scope)]
    scope: String,
    /// Lifetime in seconds, from 1 up to the configured maximum (default
    /// 86400); without it, the configured default (900).
    #[serde(default)]
    #[schema(minimum = 1)]
    ttl_seconds: Option<i64>,
}

/// Mint a session token
///
/// A short-lived credential for the calling key, holding one scope. Needs
/// an `account-owner` API key of that account; a session token cannot mint
/// another. The token is shown only in this response.
#[utoipa::path(
    operation_id = "mintSessionToken",
    tag = "native",
    params(native::AccountIdParam),
    request_body = MintTokenBody,
    security(("ApiKeyHeader" = [])),
    responses(
        (status = 200, description = "The new token.", body = SessionTokenView,
            headers(("Cache-Control" = String,
                description = "`no-store`: the body holds a secret."))),
        (status = 400, description = "The body does not parse, an unknown `scope`, or \
            `ttlSeconds` out of range.", body = NativeErrorBody,
            example = json!({"statusCode": 400, "error": "Bad Request",
                "message": "the session token lifetime must be between 1 and 86400 seconds"})),
        (status = 403, response = native::Forbidden),
    ),
)]
#[post("/api/accounts/{account_id}/session-tokens")]
pub async fn mint(
    Caller(caller): Caller,
    req: HttpRequest,
    kw: web::Data<Keyward>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let asked = read_json(&req, payload)
        .await
        .and_then(|body: MintTokenBody| Ok((Scope::parse(&body.scope)?, body.ttl_seconds)));
    let account = req.match_info().query("account_id");
    let minted = session_tokens::mint(&kw, &caller, account, asked).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(SessionTokenView::new(&minted)))
}
