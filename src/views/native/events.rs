//! A key's audit trail, a page at a time.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::Timestamp;
use crate::service::events::KeyEvent;
use crate::service::paging::{self, Page, PageAsked};
use crate::service::Asked;

/// One change of a key.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventView {
    /// The key's version after the change.
    #[schema(examples("2"))]
    version: String,
    occurred_at: Timestamp,
    /// The CRN of whoever made the change.
    actor: String,
    /// What happened: `created`, `enabled`, `disabled`, `description_changed`,
    /// `rotated`, `revoked`, `expiry_set` (a change may be several at once).
    kinds: Vec<String>,
    /// Each changed field with `from` and `to`. Secrets never appear: a
    /// rotation shows the masked keys.
    #[schema(value_type = Object, examples(json!({"enabled": {"from": true, "to": false}})))]
    changes: serde_json::Value,
}

impl EventView {
    fn new(event: KeyEvent) -> Self {
        Self {
            version: event.version.to_string(),
            occurred_at: event.occurred_at,
            actor: event.actor.as_str().to_owned(),
            kinds: event.kinds,
            changes: event.changes,
        }
    }
}

/// A page of a key's events, newest first.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventPageView {
    /// At most `limit` events; `[]` when none are older than the page key.
    items: Vec<EventView>,
    /// Pass as `pageKey` for the next (older) page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    next_page_key: Option<String>,
}

impl EventPageView {
    pub fn new(page: Page<KeyEvent>) -> Self {
        Self {
            items: page.items.into_iter().map(EventView::new).collect(),
            next_page_key: page.next_page_key,
        }
    }
}

/// `?limit=…&pageKey=…`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Events per page, 1 to 1000; 20 when left out.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// The `nextPageKey` of the previous page of this key's events, for
    /// older events.
    #[serde(rename = "pageKey")]
    page_key: Option<String>,
}

impl EventsQuery {
    pub fn command(self) -> Asked<PageAsked> {
        Ok(PageAsked {
            limit: self.limit.as_deref().map(paging::parse_limit).transpose()?,
            page_key: self.page_key,
            page_key_named: paging::PAGE_KEY,
        })
    }
}
