//! Credentials: the caller's own (`/api/me`), a minted session token, and
//! the verdict on a credential another service was handed.

use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

use super::super::{present, present_whole_number, whole_number};
use super::MetaSchema;
use crate::domain::limits::MAX_CREDITS;
use crate::domain::{
    allowlist, Credential, CredentialKind, KeyPrincipal, Meta, Role, Scope, Timestamp,
};
use crate::error::ApiError;
use crate::service::limits::Standing;
use crate::service::session_tokens::MintedToken;
use crate::service::verify::{Origin, Verdict, VerifyCode};
use crate::service::Asked;

/// `GET /api/me`: the key behind the caller's credential.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(examples(json!({
    "accountId": "r046bIHYG9OGHRq22uSr3d",
    "parentAccountId": null,
    "name": "owner",
    "role": "account-owner",
    "crn": "crn:r046bIHYG9OGHRq22uSr3d:api-key:owner"
})))]
pub struct MeView {
    account_id: String,
    /// The parent of the key's account; `null` for a root account.
    #[schema(required = true)]
    parent_account_id: Option<String>,
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
    pub fn new(principal: &KeyPrincipal) -> Self {
        let (scope, expires_at) = match &principal.credential {
            Credential::ApiKey => (None, None),
            Credential::SessionToken {
                scope, expires_at, ..
            } => (Some(scope.as_str()), Some(*expires_at)),
        };
        Self {
            account_id: principal.account_id.as_str().to_owned(),
            parent_account_id: principal
                .parent_account_id
                .as_ref()
                .map(|id| id.as_str().to_owned()),
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
        "parentAccountId": null,
        "keyId": "07f6feb5-2aa6-4975-8e9e-5828bb836001",
        "name": "owner",
        "role": "account-owner",
        "crn": "crn:r046bIHYG9OGHRq22uSr3d:api-key:owner"
    }),
    json!({"valid": false, "code": "REVOKED"})
))]
pub struct VerdictView {
    valid: bool,
    code: VerifyCode,
    /// The rest only for a valid credential.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    account_id: Option<String>,
    /// The parent of the key's account (`null` for a root account).
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_account_id: Option<Option<String>>,
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
    /// Only for a valid credential whose key has one: the owner's
    /// identifier for the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    external_id: Option<String>,
    /// Only for a valid credential whose key has one: the owner's data.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<MetaSchema>, nullable = false)]
    meta: Option<Meta>,
    /// For a key with a rate limit, once its secret checked out: uses left
    /// in this window and when the next starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    rate_limit: Option<RateStandingView>,
    /// For a key that spends credits, once its secret checked out.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    credits: Option<CreditStandingView>,
}

/// Where a key's rate limit stands after a verify.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RateStandingView {
    limit: i64,
    /// Uses left in this window.
    remaining: i64,
    /// When the next window starts.
    reset_at: Timestamp,
}

/// What is left of a key's credits after a verify.
#[derive(Serialize, ToSchema)]
pub struct CreditStandingView {
    remaining: i64,
}

impl VerdictView {
    /// The verdict, with where the key's limits stand when they were counted.
    pub fn with_standing(verdict: &Verdict, standing: Standing) -> Self {
        Self {
            rate_limit: standing.rate.map(|r| RateStandingView {
                limit: r.limit,
                remaining: r.remaining,
                reset_at: r.reset_at,
            }),
            credits: standing
                .credits
                .map(|remaining| CreditStandingView { remaining }),
            ..Self::new(verdict)
        }
    }

    pub fn new(verdict: &Verdict) -> Self {
        let invalid = Self {
            valid: false,
            code: verdict.code(),
            account_id: None,
            parent_account_id: None,
            key_id: None,
            name: None,
            role: None,
            crn: None,
            scope: None,
            expires_at: None,
            external_id: None,
            meta: None,
            rate_limit: None,
            credits: None,
        };
        let Verdict::Valid(principal) = verdict else {
            return invalid;
        };
        let me = MeView::new(principal);
        Self {
            valid: true,
            account_id: Some(me.account_id),
            parent_account_id: Some(me.parent_account_id),
            key_id: Some(principal.key_id.to_string()),
            name: Some(me.name),
            role: Some(me.role),
            crn: Some(me.crn),
            scope: me.scope,
            expires_at: me.expires_at,
            external_id: (principal.context.as_ref())
                .and_then(|c| c.external_id.as_ref())
                .map(|id| id.as_str().to_owned()),
            meta: principal.context.as_ref().and_then(|c| c.meta.clone()),
            ..invalid
        }
    }
}

/// What to mint.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(examples(json!({"scope": "show_card", "ttlSeconds": 600})))]
pub struct MintTokenBody {
    #[schema(value_type = Scope)]
    scope: String,
    /// Lifetime in seconds, from 1 up to the configured maximum (default
    /// 86400); without it, the configured default (900).
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 1)]
    ttl_seconds: Option<i64>,
}

impl MintTokenBody {
    pub fn command(self) -> Asked<(Scope, Option<i64>)> {
        Ok((Scope::parse(&self.scope)?, self.ttl_seconds))
    }
}

/// The credential to check: exactly one of `key` and `sessionToken`, a
/// string (`null` is neither).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VerifyBody {
    #[serde(default, deserialize_with = "present")]
    key: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    session_token: Option<Option<String>>,
    #[serde(default, deserialize_with = "present_whole_number")]
    cost: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    ip: Option<Option<String>>,
}

/// What verify is asked: the credential, the kind it claims to be, the
/// credits a use of it costs, and the address to hold its key's allowlist
/// against.
pub struct VerifyAsked {
    pub credential: String,
    pub kind: CredentialKind,
    pub cost: i64,
    pub origin: Origin,
}

impl VerifyBody {
    pub fn command(self) -> Asked<VerifyAsked> {
        let (credential, kind) = match (self.key, self.session_token) {
            (Some(Some(key)), None) => (key, CredentialKind::ApiKey),
            (None, Some(Some(token))) => (token, CredentialKind::SessionToken),
            _ => {
                return Err(ApiError::BadRequest(
                    "give exactly one of key, sessionToken".into(),
                ))
            }
        };
        let cost = match self.cost {
            None => 1,
            Some(None) => return Err(ApiError::BadRequest("cost must not be null".into())),
            Some(Some(cost)) => cost,
        };
        if !(0..=MAX_CREDITS).contains(&cost) {
            return Err(ApiError::BadRequest(format!(
                "cost must be between 0 and {MAX_CREDITS}"
            )));
        }
        let origin = match self.ip {
            None => Origin::Unchecked,
            Some(None) => return Err(ApiError::BadRequest("ip must not be null".into())),
            Some(Some(ip)) => Origin::Address(Some(ip.parse().map_err(|_| {
                ApiError::BadRequest(
                    "ip must be an IPv4 or IPv6 address such as 203.0.113.7 or 2001:db8::1".into(),
                )
            })?)),
        };
        Ok(VerifyAsked {
            credential,
            kind,
            cost,
            origin,
        })
    }
}

impl utoipa::PartialSchema for VerifyBody {
    fn schema() -> RefOr<Schema> {
        // Each branch has a title, so that generated clients name a type
        // for it (`VerifyKey`, `VerifySessionToken`).
        let only = |title: &str, field: &str, what: &str, example: &str| {
            let value = ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(what))
                .examples([example]);
            let cost = ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0))
                .maximum(Some(MAX_CREDITS))
                .description(Some(
                    "Credits a use costs, for a key that spends credits: 1 when left out, \
                     0 to look without counting anything.",
                ));
            let ip = ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(allowlist::address_pattern()))
                .examples(["203.0.113.7"])
                .description(Some(
                    "The address the credential was presented from, as the asking service \
                     saw it: a key with an allowlist (`allowedCidrs`) is then `IP_NOT_ALLOWED` \
                     from outside it. Without `ip`, allowlists are not applied.",
                ));
            ObjectBuilder::new()
                .title(Some(title))
                .property(field, value)
                .required(field)
                .property("cost", cost)
                .property("ip", ip)
                .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        };
        OneOfBuilder::new()
            .description(Some(
                "The credential to check: exactly one of `key` and `sessionToken`.",
            ))
            .item(only(
                "VerifyKey",
                "key",
                "An API key (`kw_…`).",
                "kw_07f6feb52aa649758e9e5828bb836001s6xkUPAATlmIcbupHx7I5zJP06wKkg",
            ))
            .item(only(
                "VerifySessionToken",
                "sessionToken",
                "A session token (`kwst_…`).",
                "kwst_eb6aa98e509f402d911368d1e83db14avjhTpt0nJUTlvwJRWXIEiAGv218az0",
            ))
            .into()
    }
}

impl ToSchema for VerifyBody {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("VerifyBody")
    }
}
