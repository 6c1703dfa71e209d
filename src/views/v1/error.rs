//! The error document every `/api/v1` error answers with.

use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

/// The JSON:API error document: always exactly one error object.
#[derive(Serialize, ToSchema)]
#[schema(examples(json!({
    "errors": [{"status": "409", "title": "Conflict", "detail": "API_KEY_NAME_TAKEN"}]
})))]
pub struct V1ErrorDocument {
    #[schema(min_items = 1, max_items = 1)]
    errors: [V1ErrorObject; 1],
}

/// One error: the status as a string, its reason phrase and the code.
#[derive(Serialize, ToSchema)]
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
