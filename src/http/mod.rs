//! HTTP: routes and handlers. A handler takes its authenticated caller
//! from the `Caller` extractor, reads the request into a command, calls one
//! service operation (which authorizes) and renders the result; nothing
//! else. Every route is declared once, in `routes`.

mod body;
pub mod client;
mod dashboard;
pub mod dialect;
mod health;
mod native;
mod observe;
pub mod openapi;
mod params;
mod reply;
pub mod routes;
pub mod session;
mod v1;

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::ErrorHandlers;
use actix_web::{web, App, Error};
use utoipa_actix_web::AppExt;

pub use body::MAX_BODY_BYTES;
pub use observe::{observe, REQUEST_ID};

/// The application: every route, the shared fallback, errors in each
/// path's dialect, and the access log and metrics around it all.
pub fn app() -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<EitherBody<BoxBody>>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new()
        .into_utoipa_app()
        .configure(routes::routes)
        .into_app()
        .default_service(web::to(routes::fallback))
        .wrap(ErrorHandlers::new().default_handler(dialect::render_errors))
        .wrap_fn(observe)
}
