//! An account as the native API shows it, and the requests that create and
//! change one.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::super::present;
use super::KeyView;
use crate::domain::{Account, AccountName, KeyName, Timestamp};
use crate::error::ApiError;
use crate::service::accounts::{AccountUpdate, NewAccount, NewChild};
use crate::service::paging::{self, Page, PageAsked};
use crate::service::Asked;

/// An account: what owns keys. Accounts form a tree: the owner keys of an
/// account administer its descendants.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(examples(json!({
    "id": "Jaim1Cu1Q55uooxSens6yk",
    "name": "Corner Cafe",
    "parentAccountId": "WIj211vFs9cNACwBb04vQw",
    "enabled": true,
    "createdAt": "2026-11-22T16:52:12.501Z",
    "createdBy": "crn:WIj211vFs9cNACwBb04vQw:api-key:AdminKey",
    "modifiedAt": "2026-11-22T16:52:12.501Z",
    "modifiedBy": "crn:WIj211vFs9cNACwBb04vQw:api-key:AdminKey",
    "version": "1"
})))]
pub struct AccountView {
    /// 22 ASCII letters and digits.
    id: String,
    name: String,
    /// The account that created this one; `null` for a root account.
    #[schema(required = true)]
    parent_account_id: Option<String>,
    /// `false`: suspended. Then its keys, and its descendants' keys, and
    /// their session tokens authenticate nothing.
    enabled: bool,
    created_at: Timestamp,
    /// The CRN of whoever created the account.
    created_by: String,
    modified_at: Timestamp,
    /// The CRN of whoever last changed the account.
    modified_by: String,
    /// Starts at `"1"`, one more per change; also sent as `ETag`.
    #[schema(examples("1"))]
    version: String,
}

impl AccountView {
    pub fn new(account: Account) -> Self {
        Self {
            id: account.id.as_str().to_owned(),
            name: account.name.as_str().to_owned(),
            parent_account_id: account.parent_id.map(|id| id.as_str().to_owned()),
            enabled: account.enabled,
            created_at: account.created_at,
            created_by: account.created_by.as_str().to_owned(),
            modified_at: account.modified_at,
            modified_by: account.modified_by.as_str().to_owned(),
            version: account.version.to_string(),
        }
    }
}

/// A page of child accounts, oldest first.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountPageView {
    /// At most `limit` accounts; `[]` when there are none (more).
    items: Vec<AccountView>,
    /// Pass as `pageKey` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    next_page_key: Option<String>,
}

impl AccountPageView {
    pub fn new(page: Page<Account>) -> Self {
        Self {
            items: page.items.into_iter().map(AccountView::new).collect(),
            next_page_key: page.next_page_key,
        }
    }
}

/// `?limit=…&pageKey=…`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountListQuery {
    /// Accounts per page, 1 to 1000; 100 when left out.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// The `nextPageKey` of the previous page of this list.
    #[serde(rename = "pageKey")]
    page_key: Option<String>,
}

impl AccountListQuery {
    pub fn command(self) -> Asked<PageAsked> {
        Ok(PageAsked {
            limit: self.limit.as_deref().map(paging::parse_limit).transpose()?,
            page_key: self.page_key,
            page_key_named: paging::PAGE_KEY,
        })
    }
}

/// A new account and its first `account-owner` key, whose `secret` is
/// shown this once.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedAccountView {
    account: AccountView,
    api_key: KeyView,
}

impl CreatedAccountView {
    pub fn new(created: NewAccount) -> Self {
        let secret = created.secret.expose().to_owned();
        Self {
            account: AccountView::new(created.account),
            api_key: KeyView::with_secret(created.owner_key, secret),
        }
    }
}

/// A new child account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(examples(json!({"name": "Corner Cafe"})))]
pub struct CreateAccountBody {
    /// 1 to 128 characters, not all spaces, no control or bidirectional
    /// formatting characters; spaces around it are dropped.
    #[schema(
        min_length = 1,
        max_length = 128,
        pattern = r"^[^\x00-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]*[^\s\x00-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069][^\x00-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]*$"
    )]
    name: String,
    /// The first key's name, 1 to 64 ASCII letters or digits; `owner` when
    /// left out. `null` is refused.
    #[serde(default, deserialize_with = "present")]
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[A-Za-z0-9]+$",
        nullable = false
    )]
    #[schema(value_type = Option<String>)]
    key_name: Option<Option<String>>,
}

impl CreateAccountBody {
    pub fn command(self) -> Asked<NewChild> {
        Ok(NewChild {
            name: AccountName::parse(&self.name)?,
            key_name: match self.key_name {
                Some(None) => return Err(ApiError::BadRequest("keyName must not be null".into())),
                Some(Some(name)) => Some(KeyName::parse(&name)?),
                None => None,
            },
        })
    }
}

/// A change to an account: at least one of the fields. A field left out
/// keeps its value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"enabled": false})))]
pub struct UpdateAccountBody {
    /// A new name, by the rule of the create request; `null` is refused.
    #[serde(default, deserialize_with = "present")]
    #[schema(
        min_length = 1,
        max_length = 128,
        pattern = r"^[^\x00-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]*[^\s\x00-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069][^\x00-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]*$",
        nullable = false
    )]
    #[schema(value_type = Option<String>)]
    name: Option<Option<String>>,
    /// `false` suspends the account, `true` resumes it; only an owner key
    /// of an ancestor may. `null` is refused.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<bool>, nullable = false)]
    enabled: Option<Option<bool>>,
}

impl UpdateAccountBody {
    pub fn command(self) -> Asked<AccountUpdate> {
        let enabled = match self.enabled {
            Some(None) => return Err(ApiError::BadRequest("enabled must be true or false".into())),
            other => other.flatten(),
        };
        let name = match self.name {
            Some(None) => return Err(ApiError::BadRequest("name must not be null".into())),
            Some(Some(name)) => Some(AccountName::parse(&name)?),
            None => None,
        };
        if name.is_none() && enabled.is_none() {
            return Err(ApiError::BadRequest(
                "give at least one of name, enabled".into(),
            ));
        }
        Ok(AccountUpdate { name, enabled })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::PartialSchema;

    /// The documented pattern (a literal, as the attribute needs) is the
    /// rule `AccountName::PATTERN` states.
    #[test]
    fn name_patterns_are_the_domain_rule() {
        for schema in [CreateAccountBody::schema(), UpdateAccountBody::schema()] {
            let json = serde_json::to_value(schema).unwrap();
            let name = &json["properties"]["name"];
            assert_eq!(name["pattern"], AccountName::PATTERN, "{json}");
        }
    }
}
