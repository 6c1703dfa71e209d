//! A minted session token, and the request that mints it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::super::{object, whole_number};
use super::constant;
use crate::domain::{Scope, Timestamp};
use crate::service::session_tokens::MintedToken;
use crate::service::Asked;

/// `{"data": <session_token resource>}`.
#[derive(Serialize, ToSchema)]
pub struct V1SessionTokenDocument {
    data: V1SessionTokenResource,
}

impl V1SessionTokenDocument {
    pub fn new(minted: &MintedToken) -> Self {
        Self {
            data: session_token(minted),
        }
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
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 1)]
    ttl_seconds: Option<i64>,
}

impl V1MintTokenAttributes {
    pub fn command(self) -> Asked<(Scope, Option<i64>)> {
        Ok((Scope::parse(&self.scope)?, self.ttl_seconds))
    }
}

fn session_token_type() -> utoipa::openapi::schema::ObjectBuilder {
    constant("session_token")
}
