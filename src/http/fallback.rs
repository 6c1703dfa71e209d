//! Answers for requests no route takes, in the native error shape.

use actix_web::HttpResponse;

use crate::error::ApiError;

pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound("ROUTE_NOT_FOUND"))
}

/// The default service of a resource: a known path with a method it lacks.
pub fn method_not_allowed(allow: &'static str) -> actix_web::Route {
    actix_web::web::to(
        move || async move { Err::<HttpResponse, _>(ApiError::MethodNotAllowed(allow)) },
    )
}
