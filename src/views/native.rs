//! The JSON a native client sees.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{ApiKey, Credential, KeyStatus, Principal, Role, Scope, Timestamp};
use crate::http::openapi::VerifyCode;
use crate::service::session_tokens::MintedToken;
use crate::service::verify::Verdict;

/// A key as the native API renders it; `secret` only in the create and rotate responses.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(examples(json!({
    "accountId": "r046bIHYG9OGHRq22uSr3d",
    "name": "FrontTill1",
    "role": "merchant-terminal",
    "enabled": true,
    "createdAt": "2026-11-22T16:52:12.501Z",
    "createdBy": "crn:r046bIHYG9OGHRq22uSr3d:api-key:owner",
    "modifiedAt": "2026-11-22T16:52:12.501Z",
    "modifiedBy": "crn:r046bIHYG9OGHRq22uSr3d:api-key:owner",
    "version": "1",
    "id": "e429b9af-5daa-4ebd-adce-4cb4d3a07cbc",
    "description": "Front counter till",
    "status": "active",
    "revokedAt": null,
    "expiresAt": null,
    "lastUsedAt": null,
    "apiKey": "...01RAOq"
})))]
pub struct KeyView {
    /// The account the key belongs to.
    account_id: String,
    /// Unique in the account; how native routes address the key.
    name: String,
    #[schema(value_type = Role)]
    role: &'static str,
    /// `false`: switched off, cannot authenticate until switched on again.
    enabled: bool,
    created_at: Timestamp,
    /// The CRN of whoever created the key.
    created_by: String,
    modified_at: Timestamp,
    /// The CRN of whoever last changed the key.
    modified_by: String,
    /// Starts at `"1"`, one more per change; also sent as `ETag`.
    #[schema(examples("1"))]
    version: String,
    /// UUID, embedded in the key itself; `/api/v1` addresses keys by it.
    #[schema(format = "uuid")]
    id: String,
    /// Free-text note.
    #[schema(required = true)]
    description: Option<String>,
    #[schema(value_type = KeyStatus)]
    status: &'static str,
    /// When the key was revoked.
    #[schema(required = true)]
    revoked_at: Option<Timestamp>,
    /// When the key stops authenticating; `null`: never.
    #[schema(required = true)]
    expires_at: Option<Timestamp>,
    /// The last time the key (or one of its session tokens) authenticated,
    /// to about a minute; `null`: never.
    #[schema(required = true)]
    last_used_at: Option<Timestamp>,
    /// The masked key: `...` and its last 6 characters.
    #[schema(examples("...01RAOq"))]
    api_key: String,
    /// Create and rotate responses only: the full key, never shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
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
            expires_at: key.expires_at,
            last_used_at: key.last_used_at,
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

/// `GET /api/me`: the key behind the caller's credential.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(examples(json!({
    "accountId": "r046bIHYG9OGHRq22uSr3d",
    "name": "owner",
    "role": "account-owner",
    "crn": "crn:r046bIHYG9OGHRq22uSr3d:api-key:owner"
})))]
pub struct MeView {
    account_id: String,
    /// The key's name (for a session token: the key that minted it).
    name: String,
    #[schema(value_type = Role)]
    role: &'static str,
    /// The key's CRN, as recorded in `createdBy` and `modifiedBy`.
    crn: String,
    /// Only when the caller used a session token.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Scope>, nullable = false)]
    scope: Option<&'static str>,
    /// Only when the caller used a session token.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
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
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(examples(json!({
    "id": "eb6aa98e-509f-402d-9113-68d1e83db14a",
    "sessionToken": "kwst_eb6aa98e509f402d911368d1e83db14avjhTpt0nJUTlvwJRWXIEiAGv218az0",
    "scope": "show_card",
    "expiresAt": "2026-11-22T17:02:12.922Z"
})))]
pub struct SessionTokenView {
    #[schema(format = "uuid")]
    id: String,
    /// The token (`kwst_…`); not stored and never shown again.
    session_token: String,
    #[schema(value_type = Scope)]
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
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(examples(
    json!({
        "valid": true,
        "code": "VALID",
        "accountId": "r046bIHYG9OGHRq22uSr3d",
        "keyId": "07f6feb5-2aa6-4975-8e9e-5828bb836001",
        "name": "owner",
        "role": "account-owner",
        "crn": "crn:r046bIHYG9OGHRq22uSr3d:api-key:owner"
    }),
    json!({"valid": false, "code": "REVOKED"})
))]
pub struct VerdictView {
    valid: bool,
    #[schema(value_type = VerifyCode)]
    code: &'static str,
    /// The rest only for a valid credential.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    account_id: Option<String>,
    /// The id of the key (for a session token: of the key that minted it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, format = "uuid")]
    key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Role>, nullable = false)]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    crn: Option<String>,
    /// Only for a valid session token.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Scope>, nullable = false)]
    scope: Option<&'static str>,
    /// Only for a valid session token.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    expires_at: Option<Timestamp>,
}

impl VerdictView {
    pub fn new(verdict: &Verdict) -> Self {
        let invalid = Self {
            valid: false,
            code: verdict.code(),
            account_id: None,
            key_id: None,
            name: None,
            role: None,
            crn: None,
            scope: None,
            expires_at: None,
        };
        let Verdict::Valid(principal) = verdict else {
            return invalid;
        };
        let me = MeView::new(principal);
        Self {
            valid: true,
            account_id: Some(me.account_id),
            key_id: Some(principal.key_id.to_string()),
            name: Some(me.name),
            role: Some(me.role),
            crn: Some(me.crn),
            scope: me.scope,
            expires_at: me.expires_at,
            ..invalid
        }
    }
}
