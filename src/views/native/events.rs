//! A key's audit trail, a page at a time.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::Timestamp;
use crate::service::events::{self as trail, EventPage, KeyEvent, PageAsked};
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
    events: Vec<EventView>,
    /// Pass as `cursor` for the next (older) page; `null`: no more.
    #[schema(required = true)]
    next_cursor: Option<String>,
}

impl EventPageView {
    pub fn new(page: EventPage) -> Self {
        Self {
            events: page.events.into_iter().map(EventView::new).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// `?limit=…&cursor=…`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Events per page, 1 to 100; 20 when left out.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// The `nextCursor` of the previous page, for older events.
    #[param(pattern = "^[1-9][0-9]{0,17}$")]
    cursor: Option<String>,
}

impl EventsQuery {
    pub fn command(self) -> Asked<PageAsked> {
        let limit = self
            .limit
            .map(|l| l.parse::<i64>().map_err(|_| trail::bad_limit()));
        Ok(PageAsked {
            limit: limit.transpose()?,
            cursor: self.cursor,
        })
    }
}
