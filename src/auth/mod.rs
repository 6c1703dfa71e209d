//! Who is calling: reading a credential from a request and checking it.
//! Which places a dialect reads is the dialect's choice
//! (`src/http/dialect.rs`).

use std::net::IpAddr;

use actix_web::HttpRequest;

use crate::domain::Principal;
use crate::error::{ApiError, ErrorCode};
use crate::service::Keyward;

/// The header that carries a credential (matched case-insensitively).
pub const API_KEY_HEADER: &str = "x-api-key";

/// The query parameter that carries a credential in `/api/v1`.
pub const API_KEY_PARAMETER: &str = "api_key";

fn invalid() -> ApiError {
    ErrorCode::InvalidAuthentication.into()
}

/// The credential in the `x-api-key` header. `Err` when the header is there
/// but unusable: sent twice, empty or blank, or not visible ASCII. A blank
/// header is a malformed credential, never a reason to look elsewhere.
pub fn header_credential(req: &HttpRequest) -> Result<Option<&str>, ApiError> {
    let mut values = req.headers().get_all(API_KEY_HEADER);
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(invalid());
    }
    let value = first.to_str().map_err(|_| invalid())?.trim();
    if value.is_empty() {
        return Err(invalid());
    }
    Ok(Some(value))
}

/// The credential in the `api_key` query parameter. Pairs, not a map: a map
/// would quietly keep only the last of several `api_key`s, and a proxy
/// checking the first would see another key. Several, a blank one, or a
/// query string that does not decode are refused.
pub fn query_credential(query: &str) -> Result<Option<String>, ApiError> {
    let pairs = actix_web::web::Query::<Vec<(String, String)>>::from_query(query)
        .map_err(|_| invalid())?
        .into_inner();
    let mut keys = pairs
        .into_iter()
        .filter(|(name, _)| name == API_KEY_PARAMETER);
    match (keys.next(), keys.next()) {
        (Some(_), Some(_)) => Err(invalid()),
        (Some((_, value)), None) if value.trim().is_empty() => Err(invalid()),
        (Some((_, value)), None) => Ok(Some(value.trim().to_owned())),
        (None, _) => Ok(None),
    }
}

/// Authenticates `presented`, sent from the address `client`: 401 "Missing
/// authentication" when absent; otherwise what `Keyward::authenticate`
/// answers (one message for every other failure, so a caller cannot tell
/// which it was; 403 `IP_NOT_ALLOWED` for a right credential from outside
/// its key's allowlist, which only its holder can learn; 429 or 503 for a
/// key's own rate limit).
pub async fn authenticate(
    kw: &Keyward,
    presented: Option<&str>,
    client: Option<IpAddr>,
) -> Result<Principal, ApiError> {
    let Some(presented) = presented else {
        return Err(ErrorCode::MissingAuthentication.into());
    };
    kw.authenticate(presented, client).await.map(Principal::Key)
}
