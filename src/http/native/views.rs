//! The JSON a native client sees.

use serde::Serialize;

use crate::domain::{ApiKey, Principal, Timestamp};

/// A key as the native API renders it; `secret` only in the create response.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyView {
    account_id: String,
    name: String,
    role: &'static str,
    enabled: bool,
    created_at: Timestamp,
    created_by: String,
    modified_at: Timestamp,
    modified_by: String,
    version: String,
    id: String,
    description: Option<String>,
    status: &'static str,
    revoked_at: Option<Timestamp>,
    api_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

impl KeyView {
    pub fn new(key: ApiKey) -> Self {
        Self {
            status: key.status().as_str(),
            account_id: key.account_id.as_str().to_owned(),
            name: key.name.as_str().to_owned(),
            role: key.role.as_str(),
            enabled: key.enabled,
            created_at: key.created_at,
            created_by: key.created_by.as_str().to_owned(),
            modified_at: key.modified_at,
            modified_by: key.modified_by.as_str().to_owned(),
            version: key.version.to_string(),
            id: key.id.to_string(),
            description: key.description,
            revoked_at: key.revoked_at,
            api_key: key.hint,
            secret: None,
        }
    }

    pub fn with_secret(key: ApiKey, secret: String) -> Self {
        Self {
            secret: Some(secret),
            ..Self::new(key)
        }
    }
}

/// `GET /api/me`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MeView {
    account_id: String,
    name: String,
    role: &'static str,
    crn: String,
}

impl MeView {
    pub fn new(principal: &Principal) -> Self {
        Self {
            account_id: principal.account_id.as_str().to_owned(),
            name: principal.key_name.as_str().to_owned(),
            role: principal.role.as_str(),
            crn: principal.crn().as_str().to_owned(),
        }
    }
}
