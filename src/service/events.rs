//! Reading a key's audit trail, a page at a time, newest first. The events
//! are written by `audit`.

use serde_json::Value;

use super::api_keys::{find, KeyRef};
use super::paging::{self, Page, PageAsked};
use super::{convert, Asked, Keyward};
use crate::domain::permission::Action;
use crate::domain::{Crn, Principal, Timestamp};
use crate::error::ApiError;
use crate::store::{api_key_events, AnyConnection};

/// Events per page when the caller names no limit.
pub const DEFAULT_PAGE: i64 = 20;

/// One change of a key, as the API shows it. Never holds a secret: a
/// rotation records the masked forms only.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyEvent {
    pub version: i64,
    pub occurred_at: Timestamp,
    pub actor: Crn,
    /// `created`, `enabled`, `disabled`, `description_changed`, `rotated`,
    /// `revoked`, `expiry_set`.
    pub kinds: Vec<String>,
    /// What changed: `{"enabled": {"from": true, "to": false}, …}`.
    pub changes: Value,
}

/// A key's events, newest first: at most `limit` (1 to 1000, 20 when not
/// given), older than the event the page key names.
pub async fn list(
    kw: &Keyward,
    caller: &Principal,
    account_id: &str,
    key: KeyRef,
    asked: Asked<PageAsked>,
) -> Result<Page<KeyEvent>, ApiError> {
    let account = kw.authorize(caller, account_id, Action::ReadKey).await?;
    let asked = asked?;
    // The page key is checked once the key's id is known: it binds it.
    paging::check_limit(asked.limit.unwrap_or(DEFAULT_PAGE))?;
    kw.blocking(move |_, conn| page(conn, &account, &key, &asked))
        .await
}

fn page(
    conn: &mut AnyConnection,
    account: &crate::domain::AccountId,
    key: &KeyRef,
    asked: &PageAsked,
) -> Result<Page<KeyEvent>, ApiError> {
    let key = convert::api_key(find(conn, account, key)?)?;
    let list_identity = format!("events:{}", key.id);
    let (limit, before) = paging::open::<i64>(asked, &list_identity, DEFAULT_PAGE)?;
    // One more than asked, to know whether an older page exists.
    let rows = api_key_events::list(conn, &key.id.to_string(), before, limit + 1)?;
    let rows = paging::close(rows, limit, &list_identity, |row| Ok(row.version))?;
    rows.try_map(|row| {
        let changes = serde_json::from_str(&row.changes).map_err(|e| {
            ApiError::internal(anyhow::anyhow!(
                "api_key_events.changes of {}: {e}",
                row.api_key_id
            ))
        })?;
        Ok(KeyEvent {
            version: row.version,
            occurred_at: Timestamp::from_db(row.occurred_at),
            actor: Crn::from_trusted(row.actor),
            kinds: row.kinds.split_whitespace().map(str::to_owned).collect(),
            changes,
        })
    })
}
