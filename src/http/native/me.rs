use actix_web::{get, HttpResponse};

use crate::http::dialect::Caller;
use crate::views::native::MeView;

/// The calling key
///
/// Any valid credential may ask: either role, and session tokens. With a
/// session token the answer also has the token's `scope` and `expiresAt`,
/// and names the key that minted it.
#[utoipa::path(
    responses((status = 200, description = "The key behind the credential.", body = MeView)),
)]
#[get("/api/me")]
pub async fn get_me(caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(MeView::new(&caller.who))
}
