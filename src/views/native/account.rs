//! An account as the native API shows it.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{Account, Timestamp};

/// An account: what owns keys.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(examples(json!({
    "id": "r046bIHYG9OGHRq22uSr3d",
    "name": "Corner Cafe",
    "createdAt": "2026-11-22T16:52:12.501Z"
})))]
pub struct AccountView {
    /// 22 ASCII letters and digits.
    id: String,
    /// The name given when the account was created.
    name: String,
    created_at: Timestamp,
}

impl AccountView {
    pub fn new(account: Account) -> Self {
        Self {
            id: account.id.as_str().to_owned(),
            name: account.name.as_str().to_owned(),
            created_at: account.created_at,
        }
    }
}
