//! The JSON a native client sees.

use serde::Serialize;

use crate::domain::{ApiKey, Credential, Principal, Timestamp};
use crate::service::session_tokens::MintedToken;
use crate::service::verify::Verdict;

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
    /// Only when the caller used a session token.
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<Timestamp>,
}

impl MeView {
    pub fn new(principal: &Principal) -> Self {
        let (scope, expires_at) = match &principal.credential {
            Credential::ApiKey => (None, None),
            Credential::SessionToken {
                scope, expires_at, ..
            } => (Some(scope.as_str()), Some(*expires_at)),
        };
        Self {
            account_id: principal.account_id.as_str().to_owned(),
            name: principal.key_name.as_str().to_owned(),
            role: principal.role.as_str(),
            crn: principal.crn().as_str().to_owned(),
            scope,
            expires_at,
        }
    }
}

/// The response to minting a session token: the only time it is shown.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionTokenView {
    id: String,
    session_token: String,
    scope: &'static str,
    expires_at: Timestamp,
}

impl SessionTokenView {
    pub fn new(minted: &MintedToken) -> Self {
        Self {
            id: minted.id.to_string(),
            session_token: minted.token.expose().to_owned(),
            scope: minted.scope.as_str(),
            expires_at: minted.expires_at,
        }
    }
}

/// `POST /api/verify`: `valid` and `code` always; who the credential belongs
/// to only when it is valid.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerdictView {
    valid: bool,
    code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none", flatten)]
    holder: Option<HolderView>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HolderView {
    account_id: String,
    key_id: String,
    name: String,
    role: &'static str,
    crn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<Timestamp>,
}

impl VerdictView {
    pub fn new(verdict: &Verdict) -> Self {
        let holder = match verdict {
            Verdict::Valid(principal) => {
                let me = MeView::new(principal);
                Some(HolderView {
                    account_id: me.account_id,
                    key_id: principal.key_id.to_string(),
                    name: me.name,
                    role: me.role,
                    crn: me.crn,
                    scope: me.scope,
                    expires_at: me.expires_at,
                })
            }
            _ => None,
        };
        Self {
            valid: holder.is_some(),
            code: verdict.code(),
            holder,
        }
    }
}
