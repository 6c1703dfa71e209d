//! JSON:API envelopes with snake_case attributes.

use serde::Serialize;

use crate::domain::{ApiKey, Timestamp};
use crate::service::session_tokens::MintedToken;

/// `{"data": …}`.
#[derive(Serialize)]
pub struct Document<T> {
    pub data: T,
}

/// One resource: `{"id", "type", "attributes"}`.
#[derive(Serialize)]
pub struct Resource<A> {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    attributes: A,
}

#[derive(Serialize)]
pub struct ApiKeyAttributes {
    id: String,
    /// The full key in the create response, the masked form everywhere else.
    api_key: String,
    description: Option<String>,
    status: &'static str,
    created_at: Timestamp,
    revoked_at: Option<Timestamp>,
}

pub fn api_key(key: ApiKey, full_secret: Option<&str>) -> Resource<ApiKeyAttributes> {
    let id = key.id.to_string();
    Resource {
        id: id.clone(),
        kind: "api_key",
        attributes: ApiKeyAttributes {
            id,
            api_key: full_secret.map_or(key.hint.clone(), str::to_owned),
            status: key.status().as_str(),
            description: key.description,
            created_at: key.created_at,
            revoked_at: key.revoked_at,
        },
    }
}

#[derive(Serialize)]
pub struct SessionTokenAttributes {
    session_token: String,
    scope: &'static str,
    expires_at: Timestamp,
}

pub fn session_token(minted: &MintedToken) -> Resource<SessionTokenAttributes> {
    Resource {
        id: minted.id.to_string(),
        kind: "session_token",
        attributes: SessionTokenAttributes {
            session_token: minted.token.expose().to_owned(),
            scope: minted.scope.as_str(),
            expires_at: minted.expires_at,
        },
    }
}
