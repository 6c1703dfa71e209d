//! JSON:API envelopes with snake_case attributes.
//!
//! Each envelope is its own struct rather than a generic `Document<T>`, so
//! that every shape has one plain name in the OpenAPI document.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{ApiKey, KeyStatus, Scope, Timestamp};
use crate::http::openapi;
use crate::service::session_tokens::MintedToken;

/// `{"data": <api_key resource>}`.
#[derive(Serialize, ToSchema)]
pub struct V1ApiKeyDocument {
    pub data: V1ApiKeyResource,
}

/// `{"data": [<api_key resource>, …]}`, oldest first.
#[derive(Serialize, ToSchema)]
pub struct V1ApiKeyListDocument {
    pub data: Vec<V1ApiKeyResource>,
}

/// `{"data": <session_token resource>}`.
#[derive(Serialize, ToSchema)]
pub struct V1SessionTokenDocument {
    pub data: V1SessionTokenResource,
}

/// A key as a resource: `{"id", "type": "api_key", "attributes"}`.
#[derive(Serialize, ToSchema)]
#[schema(examples(json!({
    "id": "99967ad0-1446-4d70-a2a7-3c5dbd7c5ade",
    "type": "api_key",
    "attributes": {
        "id": "99967ad0-1446-4d70-a2a7-3c5dbd7c5ade",
        "api_key": "...37iDuw",
        "description": "Checkout web app",
        "status": "active",
        "created_at": "2026-11-22T16:52:13.283Z",
        "revoked_at": null
    }
})))]
pub struct V1ApiKeyResource {
    #[schema(format = "uuid")]
    id: String,
    #[serde(rename = "type")]
    #[schema(schema_with = openapi::api_key_type)]
    kind: &'static str,
    attributes: V1ApiKeyAttributes,
}

/// What `/api/v1` shows of a key.
#[derive(Serialize, ToSchema)]
pub struct V1ApiKeyAttributes {
    #[schema(format = "uuid")]
    id: String,
    /// The full key in the create response, the masked form everywhere else.
    api_key: String,
    /// Free-text note.
    #[schema(required = true)]
    description: Option<String>,
    #[schema(value_type = KeyStatus)]
    status: &'static str,
    created_at: Timestamp,
    #[schema(required = true)]
    revoked_at: Option<Timestamp>,
}

pub fn api_key(key: ApiKey, full_secret: Option<&str>) -> V1ApiKeyResource {
    let id = key.id.to_string();
    V1ApiKeyResource {
        id: id.clone(),
        kind: "api_key",
        attributes: V1ApiKeyAttributes {
            id,
            api_key: full_secret.map_or(key.hint.clone(), str::to_owned),
            status: key.status().as_str(),
            description: key.description,
            created_at: key.created_at,
            revoked_at: key.revoked_at,
        },
    }
}

/// A minted session token as a resource: `{"id", "type": "session_token", "attributes"}`.
#[derive(Serialize, ToSchema)]
#[schema(examples(json!({
    "id": "5c57fa29-9f13-4a48-90b2-2060f87ca52f",
    "type": "session_token",
    "attributes": {
        "session_token": "kwst_5c57fa299f134a4890b22060f87ca52fWYE5gj1KLKti6ByyWQAWmUD40PcDrA",
        "scope": "show_card",
        "expires_at": "2026-11-22T16:57:13.422Z"
    }
})))]
pub struct V1SessionTokenResource {
    #[schema(format = "uuid")]
    id: String,
    #[serde(rename = "type")]
    #[schema(schema_with = openapi::session_token_type)]
    kind: &'static str,
    attributes: V1SessionTokenAttributes,
}

/// A session token, shown only in the mint response.
#[derive(Serialize, ToSchema)]
pub struct V1SessionTokenAttributes {
    /// The token (`kwst_…`); not stored and never shown again.
    session_token: String,
    #[schema(value_type = Scope)]
    scope: &'static str,
    expires_at: Timestamp,
}

pub fn session_token(minted: &MintedToken) -> V1SessionTokenResource {
    V1SessionTokenResource {
        id: minted.id.to_string(),
        kind: "session_token",
        attributes: V1SessionTokenAttributes {
            session_token: minted.token.expose().to_owned(),
            scope: minted.scope.as_str(),
            expires_at: minted.expires_at,
        },
    }
}
