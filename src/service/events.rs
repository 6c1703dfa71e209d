//! Reading a key's audit trail, a page at a time, newest first. The events
//! are written by `audit`.

use serde_json::Value;

use super::api_keys::{find, KeyRef};
use super::{convert, Asked, Keyward};
use crate::domain::permission::Action;
use crate::domain::{Crn, Principal, Timestamp};
use crate::error::ApiError;
use crate::store::{api_key_events, AnyConnection};

/// Most events one page returns.
pub const MAX_PAGE: i64 = 100;
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

/// A page of events, newest first, and the cursor for the next (older) page.
#[derive(Debug, Clone)]
pub struct EventPage {
    pub events: Vec<KeyEvent>,
    pub next_cursor: Option<String>,
}

/// Which page of events is asked for.
pub struct PageAsked {
    /// The `nextCursor` of the page before.
    pub cursor: Option<String>,
    /// At most this many events; the default when `None`.
    pub limit: Option<i64>,
}

/// The answer to a `limit` that is not a number in range.
pub fn bad_limit() -> ApiError {
    ApiError::BadRequest(format!("limit must be between 1 and {MAX_PAGE}"))
}

/// A key's events, newest first: at most `limit`, older than `cursor`.
pub async fn list(
    kw: &Keyward,
    caller: &Principal,
    account_id: &str,
    key: KeyRef,
    asked: Asked<PageAsked>,
) -> Result<EventPage, ApiError> {
    let account = kw.authorize(caller, account_id, Action::ReadKey).await?;
    let PageAsked { cursor, limit } = asked?;
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(bad_limit());
    }
    // The document's pattern: 1 to 18 digits, not starting with 0.
    let cursor_like = |c: &str| {
        (1..=18).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_digit()) && !c.starts_with('0')
    };
    let before = cursor
        .map(|c| c.parse::<i64>().ok().filter(|_| cursor_like(&c)))
        .map(|v| v.ok_or_else(|| ApiError::BadRequest("cursor is not one this API gave".into())))
        .transpose()?;
    kw.blocking(move |_, conn| page(conn, &account, &key, before, limit))
        .await
}

fn page(
    conn: &mut AnyConnection,
    account: &crate::domain::AccountId,
    key: &KeyRef,
    before: Option<i64>,
    limit: i64,
) -> Result<EventPage, ApiError> {
    let key = convert::api_key(find(conn, account, key)?)?;
    // One more than asked, to know whether an older page exists.
    let mut rows = api_key_events::list(conn, &key.id.to_string(), before, limit + 1)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| rows.last().map(|r| r.version.to_string()))
        .flatten();
    let events = rows
        .into_iter()
        .map(|row| {
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
        .collect::<Result<_, ApiError>>()?;
    Ok(EventPage {
        events,
        next_cursor,
    })
}
