//! The `/api/v1` dialect: the Vaultera shapes (JSON:API envelopes, snake_case
//! attributes, `{"errors":[…]}`) over the same service operations.

pub(super) mod api_keys;
pub(super) mod error;
pub(super) mod session_tokens;
pub(super) mod views;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api_keys")
            .route(web::get().to(api_keys::list))
            .route(web::post().to(api_keys::create))
            .default_service(error::method_not_allowed("GET, POST")),
    )
    .service(
        web::resource("/api_keys/{id}")
            .route(web::get().to(api_keys::show))
            .route(web::delete().to(api_keys::revoke))
            .default_service(error::method_not_allowed("GET, DELETE")),
    )
    .service(
        web::resource("/session_tokens")
            .route(web::post().to(session_tokens::mint))
            .default_service(error::method_not_allowed("POST")),
    )
    .default_service(web::to(error::not_found));
}
