//! `POST /api/verify`: lets another service check a credential it was handed.
//!
//! No caller credential is needed: the credential in the body is the proof,
//! and anything short of it (an unknown id, a wrong secret) is `NOT_FOUND`.

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::views::VerdictView;
use crate::error::ApiError;
use crate::http::body::read_json;
use crate::http::dialect::NativeErrorBody;
use crate::secret::CredentialKind;
use crate::service::Keyward;

/// The credential to check: exactly one of the two fields.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(examples(json!({
    "key": "kw_07f6feb52aa649758e9e5828bb836001s6xkUPAATlmIcbupHx7I5zJP06wKkg"
})))]
pub struct VerifyBody {
    /// An API key (`kw_…`).
    #[serde(default)]
    key: Option<String>,
    /// A session token (`kwst_…`).
    #[serde(default)]
    session_token: Option<String>,
}

/// Check a credential
///
/// Needs no credential of its own: only a caller holding the full key or
/// token gets a positive answer, and only that answer says whose it is. A
/// credential that does not check out is a 200 with `valid: false`.
#[utoipa::path(
    operation_id = "verifyCredential",
    tag = "native",
    request_body = VerifyBody,
    responses(
        (status = 200, description = "The verdict.", body = VerdictView),
        (status = 400, description = "The body does not parse, or not exactly one of `key` \
            and `sessionToken`.", body = NativeErrorBody,
            example = json!({"statusCode": 400, "error": "Bad Request",
                "message": "give exactly one of key, sessionToken"})),
    ),
)]
#[post("/api/verify")]
pub async fn verify(
    req: HttpRequest,
    kw: web::Data<Keyward>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body: VerifyBody = read_json(&req, payload).await?;
    let (presented, kind) = match (body.key, body.session_token) {
        (Some(key), None) => (key, CredentialKind::ApiKey),
        (None, Some(token)) => (token, CredentialKind::SessionToken),
        _ => {
            return Err(ApiError::BadRequest(
                "give exactly one of key, sessionToken".into(),
            ))
        }
    };
    // Throttled like any other authentication, by the caller's address and
    // by key id: otherwise this route would be a way to guess secrets, or to
    // probe for key ids, without limit.
    let client = crate::http::client::address(&req);
    let verdict = kw
        .check_credential_as(&presented, Some(kind), client)
        .await?;
    Ok(HttpResponse::Ok().json(VerdictView::new(&verdict)))
}
