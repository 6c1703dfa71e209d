//! `POST /api/verify`: lets another service check a credential it was handed.
//!
//! No caller credential is needed: the credential in the body is the proof,
//! and anything short of it (an unknown id, a wrong secret) is `NOT_FOUND`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::views::VerdictView;
use crate::error::ApiError;
use crate::http::body::read_json;
use crate::secret::CredentialType;
use crate::service::Keyward;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct VerifyBody {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    session_token: Option<String>,
}

pub async fn verify(
    req: HttpRequest,
    kw: web::Data<Keyward>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body: VerifyBody = read_json(&req, payload).await?;
    let (presented, kind) = match (body.key, body.session_token) {
        (Some(key), None) => (key, CredentialType::ApiKey),
        (None, Some(token)) => (token, CredentialType::SessionToken),
        _ => {
            return Err(ApiError::BadRequest(
                "give exactly one of key, sessionToken".into(),
            ))
        }
    };
    // Throttled by key id only: the caller is a service checking credentials
    // its own clients presented, and their failures are not its own.
    let verdict = kw.check_credential_as(&presented, Some(kind), None).await?;
    Ok(HttpResponse::Ok().json(VerdictView::new(&verdict)))
}
