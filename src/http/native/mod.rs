//! The native API under `/api`: the Centrapay shapes.

pub(super) mod api_keys;
pub(super) mod lifecycle;
pub(super) mod me;
pub(super) mod session_tokens;
pub(super) mod verify;
pub(crate) mod views;
pub use views::KeyView;

use actix_web::web;

use super::fallback::method_not_allowed;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/me")
            .route(web::get().to(me::show))
            .default_service(method_not_allowed("GET")),
    )
    .service(
        web::resource("/accounts/{account_id}/api-keys")
            .route(web::get().to(api_keys::list))
            .route(web::post().to(api_keys::create))
            .default_service(method_not_allowed("GET, POST")),
    )
    .service(
        web::resource("/verify")
            .route(web::post().to(verify::verify))
            .default_service(method_not_allowed("POST")),
    )
    .service(
        web::resource("/accounts/{account_id}/session-tokens")
            .route(web::post().to(session_tokens::mint))
            .default_service(method_not_allowed("POST")),
    )
    .service(
        web::resource("/accounts/{account_id}/api-keys/{name}")
            .route(web::get().to(api_keys::show))
            .route(web::put().to(api_keys::update))
            .route(web::delete().to(api_keys::revoke))
            .default_service(method_not_allowed("GET, PUT, DELETE")),
    )
    .service(
        web::resource("/accounts/{account_id}/api-keys/{name}/rotate")
            .route(web::post().to(lifecycle::rotate))
            .default_service(method_not_allowed("POST")),
    )
    .service(
        web::resource("/accounts/{account_id}/api-keys/{name}/events")
            .route(web::get().to(lifecycle::events))
            .default_service(method_not_allowed("GET")),
    );
}
