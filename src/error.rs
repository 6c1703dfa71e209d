//! The one error type every operation returns. How it looks on the wire is
//! the dialect's business: `Dialect::error_body` in `src/http/dialect.rs`
//! picks the body, which `src/views/*/error.rs` shape.

mod code;

pub use code::ErrorCode;

use actix_web::http::{header, StatusCode};

use crate::domain::Invalid;

/// Everything an API operation can fail with.
#[derive(thiserror::Error)]
pub enum ApiError {
    /// An error that a stable code says all about, such as 404
    /// `API_KEY_NOT_FOUND` or 401 `Invalid authentication`.
    #[error("{0}")]
    Code(ErrorCode),
    /// 400: the request was understood but its content is not acceptable;
    /// the message is for people.
    #[error("{0}")]
    BadRequest(String),
    /// 405 with the methods the path takes, for the `Allow` header.
    #[error("METHOD_NOT_ALLOWED")]
    MethodNotAllowed(String),
    /// 413: the body is over the limit.
    #[error("request body must not exceed {0} bytes")]
    PayloadTooLarge(usize),
    /// 415: the body is not JSON.
    #[error("content-type must be application/json")]
    UnsupportedMediaType,
    /// 429: too many failed attempts; retry after this many seconds.
    #[error("RATE_LIMIT_EXCEEDED")]
    TooManyRequests(u64),
    /// 429 `TOO_MANY_FAILED_SIGN_INS`: sign-ins for this email or from this
    /// address are refused for this many more seconds.
    #[error("TOO_MANY_FAILED_SIGN_INS")]
    SignInThrottled(u64),
    /// 429: the key's own rate limit is spent until its window ends, this
    /// many seconds from now.
    #[error("RATE_LIMIT_EXCEEDED")]
    RateLimited(u64),
    /// 503: the database could not be reached in time.
    #[error("SERVICE_UNAVAILABLE")]
    Unavailable(#[source] anyhow::Error),
    /// 500: a fault of ours; the cause is logged, never sent.
    #[error("INTERNAL_ERROR")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(e.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Code(code) => code.status(),
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::MethodNotAllowed(_) => ErrorCode::MethodNotAllowed.status(),
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests(_) | ApiError::RateLimited(_) => {
                ErrorCode::RateLimitExceeded.status()
            }
            ApiError::SignInThrottled(_) => ErrorCode::TooManyFailedSignIns.status(),
            ApiError::Unavailable(_) => ErrorCode::ServiceUnavailable.status(),
            ApiError::Internal(_) => ErrorCode::InternalError.status(),
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
                builder.insert_header((header::ALLOW, allow.as_str()));
            }
            ApiError::TooManyRequests(seconds) | ApiError::SignInThrottled(seconds) => {
                builder.insert_header((header::RETRY_AFTER, seconds.to_string()));
                // Make a flooding client pay for a new connection each time.
                builder.force_close();
            }
            ApiError::RateLimited(seconds) => {
                builder.insert_header((header::RETRY_AFTER, seconds.to_string()));
            }
            _ => {}
        }
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        ApiError::Code(code)
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
