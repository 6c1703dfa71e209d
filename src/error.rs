//! The one error type handlers return, and the one place that maps it to HTTP.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::Invalid;

/// Everything an API operation can fail with.
#[derive(thiserror::Error)]
pub enum ApiError {
    /// 400: the request was understood but its content is not acceptable.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no credential, or one that does not authenticate. The message is
    /// one of two fixed strings so a caller cannot tell why a key failed.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 403: the credential is valid but may not do this here.
    #[error("FORBIDDEN")]
    Forbidden,
    /// 404 with a stable code.
    #[error("{0}")]
    NotFound(&'static str),
    /// 405 with the methods the resource accepts.
    #[error("METHOD_NOT_ALLOWED")]
    MethodNotAllowed(&'static str),
    /// 409 with a stable code such as `API_KEY_NAME_TAKEN`.
    #[error("{0}")]
    Conflict(&'static str),
    /// 412: `If-Match` names a version the key is no longer at.
    #[error("VERSION_MISMATCH")]
    PreconditionFailed,
    /// 413: the body is over the limit.
    #[error("request body must not exceed {0} bytes")]
    PayloadTooLarge(usize),
    /// 415: the body is not JSON.
    #[error("content-type must be application/json")]
    UnsupportedMediaType,
    /// 429: too many failed attempts; retry after this many seconds.
    #[error("RATE_LIMIT_EXCEEDED")]
    TooManyRequests(u64),
    /// 503: the database could not be reached in time.
    #[error("SERVICE_UNAVAILABLE")]
    Unavailable(#[source] anyhow::Error),
    /// 500: a fault of ours; the cause is logged, never sent.
    #[error("INTERNAL_ERROR")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub const MISSING_AUTHENTICATION: &'static str = "Missing authentication";
    pub const INVALID_AUTHENTICATION: &'static str = "Invalid authentication";

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(e.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The text a client sees in `message` (native) or `detail` (/api/v1).
    /// A 400 may quote the request (a field name, say), so anything in it
    /// that looks like a credential is redacted.
    pub fn message(&self) -> String {
        crate::secret::redact_credentials(&self.to_string()).into_owned()
    }

    /// Headers that go with this error whatever the dialect.
    pub fn decorate(&self, builder: &mut actix_web::HttpResponseBuilder) {
        match self {
            ApiError::MethodNotAllowed(allow) => {
                builder.insert_header((header::ALLOW, *allow));
            }
            ApiError::TooManyRequests(seconds) => {
                builder.insert_header((header::RETRY_AFTER, seconds.to_string()));
                // Make a flooding client pay for a new connection each time.
                builder.force_close();
            }
            _ => {}
        }
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        ApiError::BadRequest(e.0)
    }
}

/// Walks the cause chain so a log line shows the whole story.
impl std::fmt::Debug for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")?;
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

/// The native error body: `{"statusCode":401,"error":"Unauthorized","message":"…"}`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(examples(json!({
    "statusCode": 409,
    "error": "Conflict",
    "message": "API_KEY_NAME_TAKEN"
})))]
pub struct NativeErrorBody {
    /// The HTTP status code, repeated.
    status_code: u16,
    /// The standard reason phrase of the status code.
    error: &'static str,
    /// A stable code such as `API_KEY_NAME_TAKEN`, or for 400 a description
    /// meant for people.
    message: String,
}

impl NativeErrorBody {
    /// The body that answers `error`.
    pub fn new(error: &ApiError) -> Self {
        let status = error.status();
        Self {
            status_code: status.as_u16(),
            error: status.canonical_reason().unwrap_or("Error"),
            message: error.message(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status();
        if status.is_server_error() {
            log::error!("request failed: {self:?}");
        }
        let mut builder = HttpResponse::build(status);
        self.decorate(&mut builder);
        builder.json(NativeErrorBody::new(self))
    }
}
