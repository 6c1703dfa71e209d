//! JSON:API envelopes with snake_case attributes.
//!
//! Each envelope is its own struct rather than a generic `Document<T>`, so
//! that every shape has one plain name in the OpenAPI document.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::object;
use crate::domain::{ApiKey, Description, KeyName, KeyStatus, Role, Scope, Timestamp};
use crate::secret::Secret;
use crate::service::api_keys::NewKey;
use crate::service::session_tokens::MintedToken;
use crate::service::Asked;

/// `{"data": <api_key resource>}`.
#[derive(Serialize, ToSchema)]
pub struct V1ApiKeyDocument {
    data: V1ApiKeyResource,
}

/// `{"data": [<api_key resource>, …]}`, oldest first.
#[derive(Serialize, ToSchema)]
pub struct V1ApiKeyListDocument {
    data: Vec<V1ApiKeyResource>,
}

/// `{"data": <session_token resource>}`.
#[derive(Serialize, ToSchema)]
pub struct V1SessionTokenDocument {
    data: V1SessionTokenResource,
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
    #[schema(schema_with = api_key_type)]
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

impl V1ApiKeyDocument {
    /// A key; `secret` only in the create response.
    pub fn new(key: ApiKey, secret: Option<&Secret>) -> Self {
        Self {
            data: api_key(key, secret),
        }
    }
}

impl V1ApiKeyListDocument {
    pub fn new(keys: Vec<ApiKey>) -> Self {
        Self {
            data: keys.into_iter().map(|key| api_key(key, None)).collect(),
        }
    }
}

impl V1SessionTokenDocument {
    pub fn new(minted: &MintedToken) -> Self {
        Self {
            data: session_token(minted),
        }
    }
}

fn api_key(key: ApiKey, secret: Option<&Secret>) -> V1ApiKeyResource {
    let id = key.id.to_string();
    V1ApiKeyResource {
        id: id.clone(),
        kind: "api_key",
        attributes: V1ApiKeyAttributes {
            id,
            api_key: secret.map_or(key.hint.clone(), |s| s.expose().to_owned()),
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
    #[schema(schema_with = session_token_type)]
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

fn session_token(minted: &MintedToken) -> V1SessionTokenResource {
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

/// `{"api_key": {…}}`; `{"api_key": {}}` is a valid request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"api_key": {"description": "Checkout web app"}})))]
pub struct V1CreateKeyBody {
    #[serde(deserialize_with = "object")]
    pub api_key: V1CreateKeyAttributes,
}

/// Only `description` is in the dialect; `name` and `role` are Keyward's
/// extensions with defaults (a generated name, `account-owner`).
#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct V1CreateKeyAttributes {
    /// At most 255 characters, no control characters.
    #[serde(default)]
    #[schema(max_length = 255)]
    description: Option<String>,
    /// Extension: 1 to 64 ASCII letters or digits, unused in the account.
    /// Default: `key` and 12 random letters and digits.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9]+$")]
    name: Option<String>,
    /// Extension: default `account-owner`.
    #[serde(default)]
    #[schema(value_type = Option<Role>)]
    role: Option<String>,
}

impl V1CreateKeyAttributes {
    pub fn command(self) -> Asked<NewKey> {
        Ok(NewKey {
            name: self.name.as_deref().map(KeyName::parse).transpose()?,
            role: self
                .role
                .as_deref()
                .map_or(Ok(Role::AccountOwner), Role::parse)?,
            description: self
                .description
                .as_deref()
                .map(Description::parse)
                .transpose()?,
            expires_at: None,
        })
    }
}

/// `{"session_token": {…}}`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"session_token": {"scope": "show_card", "ttl_seconds": 300}})))]
pub struct V1MintTokenBody {
    #[serde(deserialize_with = "object")]
    pub session_token: V1MintTokenAttributes,
}

/// What to mint.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct V1MintTokenAttributes {
    #[schema(value_type = Scope)]
    scope: String,
    /// Keyward's extension: the lifetime in seconds, from 1 up to the
    /// configured maximum (default 86400); without it, the configured
    /// default (900).
    #[serde(default)]
    #[schema(minimum = 1)]
    ttl_seconds: Option<i64>,
}

impl V1MintTokenAttributes {
    pub fn command(self) -> Asked<(Scope, Option<i64>)> {
        Ok((Scope::parse(&self.scope)?, self.ttl_seconds))
    }
}

/// A string that is always `value`: the `type` member of a JSON:API resource.
fn constant(value: &str) -> utoipa::openapi::schema::ObjectBuilder {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some([value]))
}

fn api_key_type() -> utoipa::openapi::schema::ObjectBuilder {
    constant("api_key")
}

fn session_token_type() -> utoipa::openapi::schema::ObjectBuilder {
    constant("session_token")
}
