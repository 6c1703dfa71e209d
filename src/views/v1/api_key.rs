//! A key: the documents that show one or a list, and the create request.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::super::object;
use super::constant;
use crate::domain::{ApiKey, Description, KeyName, KeyStatus, Meta, Role, Timestamp};
use crate::error::ApiError;
use crate::secret::Secret;
use crate::service::api_keys::{KeyFilter, KeyQuery, NewKey};
use crate::service::paging::{self, Page, PageAsked};
use crate::service::Asked;
use crate::views::native::{AllowedCidrsSchema, MetaSchema};

/// `{"data": <api_key resource>}`.
#[derive(Serialize, ToSchema)]
pub struct V1ApiKeyDocument {
    data: V1ApiKeyResource,
}

/// `{"data": [<api_key resource>, …]}`, oldest first; with `links.next`
/// when a page was asked for and another follows.
#[derive(Serialize, ToSchema)]
pub struct V1ApiKeyListDocument {
    data: Vec<V1ApiKeyResource>,
    /// Only on a page (`page[size]` or `page[after]`) that is not the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    links: Option<V1PageLinks>,
}

/// Where the next page is.
#[derive(Serialize, ToSchema)]
pub struct V1PageLinks {
    /// The next page's path and query, carrying no credential.
    #[schema(examples("/api/v1/api_keys?page%5Bsize%5D=100&page%5Bafter%5D=ARjqbCrKav9AZTQyOWI5YWYtNWRhYS00ZWJkLWFkY2UtNGNiNGQzYTA3Y2JjgnF0o4kEjVT7VQ4_"))]
    next: String,
}

/// `?page[size]=…&page[after]=…`, JSON:API's paging parameters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct V1KeyListQuery {
    /// Keys per page, 1 to 1000 (100 when only `page[after]` is given).
    /// Without `page[size]` and `page[after]`, every key at once.
    #[serde(rename = "page[size]")]
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    page_size: Option<String>,
    /// Where the page starts: the `page[after]` of the `links.next` before.
    #[serde(rename = "page[after]")]
    page_after: Option<String>,
}

impl V1KeyListQuery {
    /// The page asked for; `None`: every key.
    pub fn command(self) -> Asked<KeyQuery> {
        let page = match (self.page_size, self.page_after) {
            (None, None) => None,
            (size, page_key) => Some(PageAsked {
                limit: size
                    .as_deref()
                    .map(|size| {
                        paging::parse_limit(size).map_err(|_| {
                            ApiError::BadRequest(format!(
                                "page[size] must be between {} and {}",
                                paging::MIN_LIMIT,
                                paging::MAX_LIMIT
                            ))
                        })
                    })
                    .transpose()?,
                page_key,
                page_key_named: "page[after]",
            }),
        };
        Ok(KeyQuery {
            filter: KeyFilter::default(),
            page,
        })
    }
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
    /// Extension, only for a key with a rate limit (set in the native API).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    rate_limit: Option<V1RateLimit>,
    /// Extension, only for a key that spends credits: the balance now.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    credits: Option<V1Credits>,
    /// Extension, only for a key with an allowlist (set in the native API).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<AllowedCidrsSchema>, nullable = false)]
    allowed_cidrs: Option<Vec<String>>,
    /// Extension, only when set (in the native API).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    external_id: Option<String>,
    /// Extension, only when set (in the native API).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<MetaSchema>, nullable = false)]
    meta: Option<Meta>,
}

/// A key's rate limit: `limit` uses per fixed window of `window_seconds`.
#[derive(Serialize, ToSchema)]
pub struct V1RateLimit {
    limit: i64,
    window_seconds: i64,
}

/// A key's credits: what is left, and how they refill (`null`: never).
#[derive(Serialize, ToSchema)]
pub struct V1Credits {
    remaining: i64,
    #[schema(required = true)]
    refill: Option<V1Refill>,
}

/// Sets the balance to `amount` every `interval` (`daily`, `monthly`), in UTC.
#[derive(Serialize, ToSchema)]
pub struct V1Refill {
    amount: i64,
    interval: &'static str,
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
    /// The keys of `page`, linking to the next page (`limit` keys) if any.
    pub fn new(page: Page<ApiKey>, limit: i64) -> Self {
        let next = page.next_page_key.map(|after| {
            // A page key is base64url: nothing in it needs escaping.
            format!("/api/v1/api_keys?page%5Bsize%5D={limit}&page%5Bafter%5D={after}")
        });
        Self {
            data: page
                .items
                .into_iter()
                .map(|key| api_key(key, None))
                .collect(),
            links: next.map(|next| V1PageLinks { next }),
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
            rate_limit: key.rate_limit.map(|r| V1RateLimit {
                limit: r.limit,
                window_seconds: r.window_seconds,
            }),
            credits: key.credits.map(|policy| V1Credits {
                remaining: key.credits_remaining.unwrap_or_default(),
                refill: policy.refill.map(|r| V1Refill {
                    amount: r.amount,
                    interval: r.interval.as_str(),
                }),
            }),
            allowed_cidrs: (key.allowed_cidrs.as_ref()).map(|c| c.entries().collect()),
            external_id: key.external_id.map(|id| id.as_str().to_owned()),
            meta: key.meta,
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
            rate_limit: None,
            credits: None,
            allowed_cidrs: None,
            external_id: None,
            meta: None,
        })
    }
}

fn api_key_type() -> utoipa::openapi::schema::ObjectBuilder {
    constant("api_key")
}
