//! HTTP: routes and handlers. Handlers authenticate, turn requests into
//! domain values, call a service operation and render the result; nothing else.

mod body;
pub mod client;
mod dashboard;
mod fallback;
mod health;
mod native;
mod observe;
pub mod openapi;
mod v1;

use actix_web::web;

pub use body::MAX_BODY_BYTES;
pub use observe::{observe, REQUEST_ID};

/// Registers every route of the service.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/healthz")
            .route(web::get().to(health::healthz))
            .route(web::head().to(health::healthz))
            .default_service(fallback::method_not_allowed("GET, HEAD")),
    )
    .service(
        web::resource("/readyz")
            .route(web::get().to(health::readyz))
            .route(web::head().to(health::readyz))
            .default_service(fallback::method_not_allowed("GET, HEAD")),
    )
    .service(
        web::resource("/metrics")
            .route(web::get().to(health::metrics))
            .default_service(fallback::method_not_allowed("GET")),
    )
    .configure(dashboard::routes)
    .service(
        web::resource("/api/openapi.json")
            .route(web::get().to(openapi::serve))
            .default_service(fallback::method_not_allowed("GET")),
    )
    .service(web::scope("/api/v1").configure(v1::routes))
    .service(web::scope("/api").configure(native::routes))
    .default_service(web::to(fallback::not_found));
}

/// The native JSON of a key with its secret, as the create response and
/// `keyward accounts create` show it.
pub fn key_json_with_secret(key: crate::domain::ApiKey, secret: &str) -> serde_json::Value {
    serde_json::to_value(native::KeyView::with_secret(key, secret.to_owned()))
        .unwrap_or(serde_json::Value::Null)
}
