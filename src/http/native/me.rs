use actix_web::{web, HttpRequest, HttpResponse};

use super::views::MeView;
use crate::auth;
use crate::error::ApiError;
use crate::http::openapi::native;
use crate::service::Keyward;

/// The calling key
///
/// Any valid credential may ask: either role, and session tokens. With a
/// session token the answer also has the token's `scope` and `expiresAt`,
/// and names the key that minted it.
#[utoipa::path(
    get,
    path = "/api/me",
    operation_id = "getMe",
    tag = "native",
    security(("ApiKeyHeader" = [])),
    responses(
        (status = 200, description = "The key behind the credential.", body = MeView),
        (status = 401, response = native::Unauthorized),
        (status = 429, response = native::TooManyRequests),
        (status = 500, response = native::InternalError),
        (status = 503, response = native::ServiceUnavailable),
    ),
)]
pub async fn show(req: HttpRequest, kw: web::Data<Keyward>) -> Result<HttpResponse, ApiError> {
    let caller = auth::caller(&req, &kw).await?;
    Ok(HttpResponse::Ok().json(MeView::new(&caller)))
}
