//! A key: how it is shown, and the requests that create, list, change and
//! rotate keys.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::super::{present, present_object, whole_number};
use super::context::{self, MetaObject};
use super::{AllowedCidrsSchema, CreditsView, MetaSchema, RateLimitView};
use crate::domain::{ApiKey, Description, KeyName, KeyStatus, Meta, Role, Timestamp};
use crate::error::ApiError;
use crate::service::api_keys::{KeyFilter, KeyQuery, KeyUpdate, NewKey};
use crate::service::paging::{self, Page, PageAsked};
use crate::service::Asked;

/// A key as the native API renders it; `secret` only in the create and rotate responses.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(examples(json!(KeyView::example(false))))]
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
    /// Only for a key with a rate limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    rate_limit: Option<RateLimitView>,
    /// Only for a key that spends credits: the balance now, and its refill.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    credits: Option<CreditsView>,
    /// Only for a key with an allowlist: where it may be used from.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<AllowedCidrsSchema>, nullable = false)]
    allowed_cidrs: Option<Vec<String>>,
    /// Only when set: the owner's identifier for the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    external_id: Option<String>,
    /// Only when set: the owner's data, as given.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<MetaSchema>, nullable = false)]
    meta: Option<Meta>,
    /// Create and rotate responses only: the full key, never shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    secret: Option<String>,
}

impl KeyView {
    /// The key the OpenAPI document shows; with its `secret`, as the create
    /// response shows it.
    pub fn example(with_secret: bool) -> serde_json::Value {
        let mut key = serde_json::json!({
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
        });
        if with_secret {
            key["secret"] =
                "kw_e429b9af5daa4ebdadce4cb4d3a07cbcnMHEXa9PaDyKf0AjE3w5Jo7r01RAOq".into();
        }
        key
    }

    pub fn new(key: ApiKey) -> Self {
        let (rate_limit, credits) = (RateLimitView::of(&key), CreditsView::of(&key));
        Self {
            status: key.status().as_str(),
            account_id: key.account_id.into_string(),
            name: key.name.into_string(),
            role: key.role.as_str(),
            enabled: key.enabled,
            created_at: key.created_at,
            created_by: key.created_by.into_string(),
            modified_at: key.modified_at,
            modified_by: key.modified_by.into_string(),
            version: key.version.to_string(),
            id: key.id.to_string(),
            description: key.description,
            revoked_at: key.revoked_at,
            expires_at: key.expires_at,
            last_used_at: key.last_used_at,
            api_key: key.hint,
            rate_limit,
            credits,
            allowed_cidrs: context::show_allowed_cidrs(&key.allowed_cidrs),
            external_id: key.external_id.map(|id| id.as_str().to_owned()),
            meta: key.meta,
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

/// A new key.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({
    "name": "FrontTill1",
    "role": "merchant-terminal",
    "description": "Front counter till"
})))]
pub struct CreateKeyBody {
    /// 1 to 64 ASCII letters or digits, not yet used in the account (not
    /// even by a revoked key).
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9]+$")]
    name: String,
    #[schema(value_type = Role)]
    role: String,
    /// At most 255 characters, no control characters; `null` or absent: none.
    #[serde(default)]
    #[schema(max_length = 255)]
    description: Option<String>,
    /// When the key stops authenticating: an RFC 3339 instant in the future.
    #[serde(default, rename = "expiresAt")]
    #[schema(value_type = Option<Timestamp>)]
    expires_at: Option<String>,
    /// Uses allowed per window; `null` or absent: none.
    #[serde(default, rename = "rateLimit", deserialize_with = "present_object")]
    #[schema(value_type = Option<RateLimitView>)]
    rate_limit: Option<Option<RateLimitView>>,
    /// Credits to spend on verifies; `null` or absent: none.
    #[serde(default, deserialize_with = "present_object")]
    #[schema(value_type = Option<CreditsView>)]
    credits: Option<Option<CreditsView>>,
    /// Where the key may be used from; `null`, `[]` or absent: anywhere.
    #[serde(default, rename = "allowedCidrs")]
    #[schema(value_type = Option<AllowedCidrsSchema>)]
    allowed_cidrs: Option<Vec<String>>,
    /// The owner's identifier for the key, 1 to 255 characters without
    /// control characters; several keys may share one. `null` or absent: none.
    #[serde(default, rename = "externalId")]
    #[schema(
        min_length = 1,
        max_length = 255,
        pattern = r"^[^\x00-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]+$"
    )]
    external_id: Option<String>,
    /// The owner's data; `null` or absent: none.
    #[serde(default)]
    #[schema(value_type = Option<MetaSchema>)]
    meta: Option<MetaObject>,
}

/// A change to a key: at least one of the fields. A field left out keeps
/// its value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"enabled": false})))]
pub struct UpdateKeyBody {
    /// Switches the key on or off; `null` is refused.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<bool>, nullable = false)]
    enabled: Option<Option<bool>>,
    /// A string sets the description (same rule as on create); `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 255)]
    description: Option<Option<String>>,
    /// An RFC 3339 instant in the future sets the expiry; `null` removes it.
    #[serde(default, deserialize_with = "present", rename = "expiresAt")]
    #[schema(value_type = Option<Timestamp>)]
    expires_at: Option<Option<String>>,
    /// Sets the rate limit; `null` removes it.
    #[serde(default, deserialize_with = "present_object", rename = "rateLimit")]
    #[schema(value_type = Option<RateLimitView>)]
    rate_limit: Option<Option<RateLimitView>>,
    /// Sets the balance (and refill); `null` stops the key spending credits.
    #[serde(default, deserialize_with = "present_object")]
    #[schema(value_type = Option<CreditsView>)]
    credits: Option<Option<CreditsView>>,
    /// Replaces the allowlist; `null` or `[]` removes it (the key works
    /// from anywhere).
    #[serde(default, deserialize_with = "present", rename = "allowedCidrs")]
    #[schema(value_type = Option<AllowedCidrsSchema>)]
    allowed_cidrs: Option<Option<Vec<String>>>,
    /// Sets the external id (same rule as on create); `null` removes it.
    #[serde(default, deserialize_with = "present", rename = "externalId")]
    #[schema(
        value_type = Option<String>,
        min_length = 1,
        max_length = 255,
        pattern = r"^[^\x00-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]+$"
    )]
    external_id: Option<Option<String>>,
    /// Replaces the meta (whole, not merged); `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<MetaSchema>)]
    meta: Option<Option<MetaObject>>,
}

/// `?status=…&role=…&enabled=…&externalId=…&limit=…&pageKey=…`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KeyListQuery {
    /// Only keys with this `status` (a disabled key can still be `active`);
    /// every key when left out.
    #[param(value_type = Option<KeyStatus>)]
    status: Option<String>,
    /// Only keys with this role.
    #[param(value_type = Option<Role>)]
    role: Option<String>,
    /// Only keys switched on (`true`) or off (`false`).
    #[param(value_type = Option<bool>)]
    enabled: Option<String>,
    /// Only keys with this `externalId` (exactly).
    #[serde(rename = "externalId")]
    #[param(
        min_length = 1,
        max_length = 255,
        pattern = r"^[^\x00-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]+$"
    )]
    external_id: Option<String>,
    /// Keys per page, 1 to 1000. With `limit` or `pageKey` the answer is a
    /// page (`{"items", "nextPageKey"}`); with neither, every key in a bare
    /// array.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// The `nextPageKey` of the page before, from this list with the same
    /// filters; 100 keys per page unless `limit` says otherwise.
    #[serde(rename = "pageKey")]
    page_key: Option<String>,
}

impl KeyListQuery {
    pub fn command(self) -> Asked<KeyQuery> {
        let enabled = match self.enabled.as_deref() {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => {
                let rule = "enabled must be true or false";
                return Err(ApiError::BadRequest(rule.into()));
            }
        };
        let filter = KeyFilter {
            status: self.status.as_deref().map(KeyStatus::parse).transpose()?,
            role: self.role.as_deref().map(Role::parse).transpose()?,
            enabled,
            external_id: context::external_id(self.external_id)?,
        };
        let page = match (self.limit, self.page_key) {
            (None, None) => None,
            (limit, page_key) => Some(PageAsked {
                limit: limit.as_deref().map(paging::parse_limit).transpose()?,
                page_key,
                page_key_named: paging::PAGE_KEY,
            }),
        };
        Ok(KeyQuery { filter, page })
    }
}

/// The answer to a key list: every key in a bare array when no page was
/// asked for (the shape the API has always had), a page otherwise.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum KeyListView {
    /// Every key that passes the filters, oldest first.
    #[schema(title = "KeyList")]
    All(Vec<KeyView>),
    /// One page of them.
    Page(KeyPageView),
}

/// A page of keys, oldest first.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeyPageView {
    /// At most `limit` keys; `[]` when none are left.
    items: Vec<KeyView>,
    /// Pass as `pageKey` (with the same filters) for the next page; absent
    /// on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    next_page_key: Option<String>,
}

impl KeyListView {
    /// `keys` as a page when `paged`, else as the bare array.
    pub fn new(keys: Page<ApiKey>, paged: bool) -> Self {
        let items = keys.items.into_iter().map(KeyView::new).collect();
        if paged {
            Self::Page(KeyPageView {
                items,
                next_page_key: keys.next_page_key,
            })
        } else {
            Self::All(items)
        }
    }
}

impl CreateKeyBody {
    pub fn command(self) -> Asked<NewKey> {
        Ok(NewKey {
            name: Some(KeyName::parse(&self.name)?),
            role: Role::parse(&self.role)?,
            description: self
                .description
                .as_deref()
                .map(Description::parse)
                .transpose()?,
            expires_at: self.expires_at.as_deref().map(parse_expiry).transpose()?,
            rate_limit: (self.rate_limit.flatten())
                .map(RateLimitView::command)
                .transpose()?,
            credits: self
                .credits
                .flatten()
                .map(CreditsView::command)
                .transpose()?,
            allowed_cidrs: context::allowed_cidrs(self.allowed_cidrs)?,
            external_id: context::external_id(self.external_id)?,
            meta: context::meta(self.meta)?,
        })
    }
}

impl UpdateKeyBody {
    pub fn command(self) -> Asked<KeyUpdate> {
        let enabled = match self.enabled {
            Some(None) => return Err(ApiError::BadRequest("enabled must be true or false".into())),
            other => other.flatten(),
        };
        let description = (self.description)
            .map(|d| d.as_deref().map(Description::parse).transpose())
            .transpose()?;
        let expires_at = (self.expires_at)
            .map(|e| e.as_deref().map(parse_expiry).transpose())
            .transpose()?;
        let rate_limit = (self.rate_limit)
            .map(|r| r.map(RateLimitView::command).transpose())
            .transpose()?;
        let credits = (self.credits)
            .map(|c| c.map(CreditsView::command).transpose())
            .transpose()?;
        let allowed_cidrs = (self.allowed_cidrs)
            .map(context::allowed_cidrs)
            .transpose()?;
        let external_id = (self.external_id).map(context::external_id).transpose()?;
        let meta = self.meta.map(context::meta).transpose()?;
        let update = KeyUpdate {
            enabled,
            description,
            expires_at,
            rate_limit,
            credits,
            allowed_cidrs,
            external_id,
            meta,
        };
        if update.enabled.is_none()
            && update.description.is_none()
            && update.expires_at.is_none()
            && update.rate_limit.is_none()
            && update.credits.is_none()
            && update.allowed_cidrs.is_none()
            && update.external_id.is_none()
            && update.meta.is_none()
        {
            return Err(ApiError::BadRequest(
                "give at least one of enabled, description, expiresAt, rateLimit, credits, \
                 allowedCidrs, externalId, meta"
                    .into(),
            ));
        }
        Ok(update)
    }
}

/// `expiresAt` as given: any RFC 3339 offset, kept to the millisecond in UTC.
fn parse_expiry(s: &str) -> Result<Timestamp, ApiError> {
    Timestamp::parse_rfc3339(s).ok_or_else(|| {
        ApiError::BadRequest(
            "expiresAt must be an RFC 3339 date-time such as 2030-01-01T00:00:00Z".into(),
        )
    })
}

/// A rotation: how long the old secret keeps working.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(examples(json!({"gracePeriodSeconds": 3600})))]
pub struct RotateBody {
    /// 0 (the default) ends the old secret at once; at most 604800 (7 days).
    /// Never past the key's own expiry.
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 0, maximum = 604800)]
    pub grace_period_seconds: Option<i64>,
}
