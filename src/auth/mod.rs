//! Who is calling: reading the credential from a request and checking it.

use actix_web::HttpRequest;

use crate::domain::Principal;
use crate::error::ApiError;
use crate::service::verify::Verdict;
use crate::service::Keyward;

/// The header that carries a credential (matched case-insensitively).
pub const API_KEY_HEADER: &str = "x-api-key";

/// The credential in the `x-api-key` header. `Err` when the header is there
/// but unusable: sent twice, empty or blank, or not visible ASCII. A blank
/// header is a malformed credential, never a reason to look elsewhere.
pub fn header_credential(req: &HttpRequest) -> Result<Option<&str>, ApiError> {
    let mut values = req.headers().get_all(API_KEY_HEADER);
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(ApiError::Unauthorized(ApiError::INVALID_AUTHENTICATION));
    }
    let value = first
        .to_str()
        .map_err(|_| ApiError::Unauthorized(ApiError::INVALID_AUTHENTICATION))?
        .trim();
    if value.is_empty() {
        return Err(ApiError::Unauthorized(ApiError::INVALID_AUTHENTICATION));
    }
    Ok(Some(value))
}

/// Authenticates `presented`: 401 "Missing authentication" when absent, and
/// one message for every other failure so a caller cannot tell which it was.
pub async fn authenticate(
    kw: &Keyward,
    req: &HttpRequest,
    presented: Option<&str>,
) -> Result<Principal, ApiError> {
    let Some(presented) = presented else {
        return Err(ApiError::Unauthorized(ApiError::MISSING_AUTHENTICATION));
    };
    let client = crate::http::client::address(req);
    match kw.check_credential(presented, client).await? {
        Verdict::Valid(principal) => Ok(principal),
        _ => Err(ApiError::Unauthorized(ApiError::INVALID_AUTHENTICATION)),
    }
}

/// The caller of a native API request, from its `x-api-key` header.
pub async fn caller(req: &HttpRequest, kw: &Keyward) -> Result<Principal, ApiError> {
    authenticate(kw, req, header_credential(req)?).await
}

/// The caller of an `/api/v1` request: the `x-api-key` header, or else the
/// `api_key` query parameter as that dialect's clients send it.
pub async fn v1_caller(req: &HttpRequest, kw: &Keyward) -> Result<Principal, ApiError> {
    if let Some(presented) = header_credential(req)? {
        return authenticate(kw, req, Some(presented)).await;
    }
    // Pairs, not a map: a map would quietly keep only the last of several
    // `api_key`s, and a proxy checking the first would see another key.
    let pairs = actix_web::web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map_err(|_| ApiError::Unauthorized(ApiError::INVALID_AUTHENTICATION))?
        .into_inner();
    let mut keys = pairs.iter().filter(|(name, _)| name == "api_key");
    let presented = match (keys.next(), keys.next()) {
        (Some(_), Some(_)) => return Err(ApiError::Unauthorized(ApiError::INVALID_AUTHENTICATION)),
        (Some((_, value)), None) if value.trim().is_empty() => {
            return Err(ApiError::Unauthorized(ApiError::INVALID_AUTHENTICATION))
        }
        (Some((_, value)), None) => Some(value.trim()),
        (None, _) => None,
    };
    authenticate(kw, req, presented).await
}
