//! `POST /api/v1/session_tokens`.

use actix_web::http::header;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::views::{self, V1SessionTokenDocument};
use crate::domain::Scope;
use crate::error::ApiError;
use crate::http::body::{object, read_json};
use crate::http::dialect::{Caller, V1ErrorDocument};
use crate::http::openapi::v1;
use crate::service::{session_tokens, Keyward};

/// `{"session_token": {…}}`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"session_token": {"scope": "show_card", "ttl_seconds": 300}})))]
pub struct V1MintTokenBody {
    #[serde(deserialize_with = "object")]
    session_token: V1MintTokenAttributes,
}

/// What to mint.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct V1MintTokenAttributes {
    #[schema(value_type = Scope)]
    scope: String,
    /// Keyward's extension: the lifetime in seconds, from 1 up to the
    /// configured maximum (default 86400); without it, the configured
    /// default (900).
    #[serde(default)]
    #[schema(minimum = 1)]
    ttl_seconds: Option<i64>,
}

/// Mint a session token
///
/// A short-lived credential for the calling key, holding one scope. Needs
/// an `account-owner` API key; a session token cannot mint another. The
/// token is shown only in this response.
#[utoipa::path(
    operation_id = "v1CreateSessionToken",
    tag = "v1",
    request_body = V1MintTokenBody,
    security(("ApiKeyHeader" = []), ("ApiKeyQuery" = [])),
    responses(
        (status = 200, description = "The new token.", body = V1SessionTokenDocument,
            headers(("Cache-Control" = String,
                description = "`no-store`: the body holds a secret."))),
        (status = 400, description = "The body does not parse, an unknown `scope`, or \
            `ttl_seconds` out of range.", body = V1ErrorDocument,
            example = json!({"errors": [{"status": "400", "title": "Bad Request",
                "detail": "scope must be \"card\", \"show_card\" or \"show_service_code\""}]})),
        (status = 403, response = v1::Forbidden),
    ),
)]
#[post("/api/v1/session_tokens")]
pub async fn mint(
    Caller(caller): Caller,
    req: HttpRequest,
    kw: web::Data<Keyward>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let asked = read_json(&req, payload)
        .await
        .and_then(|body: V1MintTokenBody| {
            let attributes = body.session_token;
            Ok((Scope::parse(&attributes.scope)?, attributes.ttl_seconds))
        });
    let account = caller.account_id.as_str().to_owned();
    let minted = session_tokens::mint(&kw, &caller, &account, asked).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(V1SessionTokenDocument {
            data: views::session_token(&minted),
        }))
}
