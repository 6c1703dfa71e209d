//! The error body every native error answers with.

use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

/// The native error body: `{"statusCode":401,"error":"Unauthorized","message":"…"}`.
#[derive(Serialize, ToSchema)]
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
    pub fn new(error: &ApiError) -> Self {
        let status = error.status();
        Self {
            status_code: status.as_u16(),
            error: status.canonical_reason().unwrap_or("Error"),
            message: error.message(),
        }
    }
}
