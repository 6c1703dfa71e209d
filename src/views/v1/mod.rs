//! The `/api/v1` dialect's JSON, in the Vaultera shapes: JSON:API
//! envelopes with snake_case attributes, keys addressed by id.
//!
//! Each envelope is its own struct rather than a generic `Document<T>`, so
//! that every shape has one plain name in the OpenAPI document.

mod api_key;
mod error;
mod session_token;

pub use api_key::{
    V1ApiKeyDocument, V1ApiKeyListDocument, V1CreateKeyBody, V1KeyListQuery, V1PageLinks,
};
pub use error::V1ErrorDocument;
pub use session_token::{V1MintTokenBody, V1SessionTokenDocument};

/// A string that is always `value`: the `type` member of a JSON:API resource.
fn constant(value: &str) -> utoipa::openapi::schema::ObjectBuilder {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some([value]))
}
