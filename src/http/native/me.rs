use actix_web::{web, HttpRequest, HttpResponse};

use super::views::MeView;
use crate::auth;
use crate::error::ApiError;
use crate::service::Keyward;

/// `GET /api/me`: the calling key, whatever its role.
pub async fn show(req: HttpRequest, kw: web::Data<Keyward>) -> Result<HttpResponse, ApiError> {
    let caller = auth::caller(&req, &kw).await?;
    Ok(HttpResponse::Ok().json(MeView::new(&caller)))
}
