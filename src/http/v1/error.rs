//! Errors in the `/api/v1` dialect: `{"errors":[{"status","title","detail"}]}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::Invalid;
use crate::error::ApiError;

/// An [`ApiError`] rendered the JSON:API way; status codes are the same.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct V1Error(#[from] pub ApiError);

#[derive(Serialize)]
struct ErrorDocument<'a> {
    errors: [ErrorObject<'a>; 1],
}

#[derive(Serialize)]
struct ErrorObject<'a> {
    status: &'a str,
    title: &'a str,
    detail: String,
}

impl From<Invalid> for V1Error {
    fn from(e: Invalid) -> Self {
        V1Error(e.into())
    }
}

impl ResponseError for V1Error {
    fn status_code(&self) -> StatusCode {
        self.0.status()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.0.status();
        if status.is_server_error() {
            log::error!("request failed: {:?}", self.0);
        }
        let mut builder = HttpResponse::build(status);
        self.0.decorate(&mut builder);
        builder.json(ErrorDocument {
            errors: [ErrorObject {
                status: status.as_str(),
                title: status.canonical_reason().unwrap_or("Error"),
                detail: self.0.message(),
            }],
        })
    }
}

pub async fn not_found() -> Result<HttpResponse, V1Error> {
    Err(ApiError::NotFound("ROUTE_NOT_FOUND").into())
}

pub fn method_not_allowed(allow: &'static str) -> actix_web::Route {
    actix_web::web::to(move || async move {
        Err::<HttpResponse, V1Error>(ApiError::MethodNotAllowed(allow).into())
    })
}
