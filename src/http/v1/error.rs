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

/// The JSON:API error document: always exactly one error object.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(examples(json!({
    "errors": [{"status": "409", "title": "Conflict", "detail": "API_KEY_NAME_TAKEN"}]
})))]
pub struct V1ErrorDocument {
    #[schema(min_items = 1, max_items = 1)]
    errors: [V1ErrorObject; 1],
}

/// One error: the status as a string, its reason phrase and the code.
#[derive(Serialize, utoipa::ToSchema)]
pub struct V1ErrorObject {
    /// The HTTP status code as a string, such as `"409"`.
    status: String,
    /// The standard reason phrase of the status code.
    title: &'static str,
    /// A stable code such as `API_KEY_NAME_TAKEN`, or for 400 a description
    /// meant for people.
    detail: String,
}

impl V1ErrorDocument {
    /// The document that answers `error`.
    pub fn new(error: &ApiError) -> Self {
        let status = error.status();
        Self {
            errors: [V1ErrorObject {
                status: status.as_str().to_owned(),
                title: status.canonical_reason().unwrap_or("Error"),
                detail: error.message(),
            }],
        }
    }
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
        builder.json(V1ErrorDocument::new(&self.0))
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
