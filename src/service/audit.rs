//! The audit trail's events: one per change of a key, worked out from the
//! row before and after the change, written in the change's own
//! transaction. Reading them is `events`.

use serde_json::{json, Map, Value};

use crate::domain::{ApiKey, Crn, Timestamp};
use crate::store::models::ApiKeyEventRow;

/// The event recording that `after` was created.
pub fn created(after: &ApiKey) -> ApiKeyEventRow {
    // The same `{from, to}` shape as every other event, from nothing.
    let mut changes = Map::new();
    let mut note = |field: &str, to: Value| {
        changes.insert(field.into(), json!({ "from": null, "to": to }));
    };
    note("name", json!(after.name.as_str()));
    note("role", json!(after.role.as_str()));
    note("apiKey", json!(after.hint));
    if let Some(description) = &after.description {
        note("description", json!(description));
    }
    if let Some(expires_at) = after.expires_at {
        note("expiresAt", json!(expires_at.to_string()));
    }
    if after.rate_limit.is_some() {
        note("rateLimit", rate_limit(after));
    }
    if after.credits.is_some() {
        note("credits", credits(after));
    }
    if after.allowed_cidrs.is_some() {
        note("allowedCidrs", allowed_cidrs(after));
    }
    if after.external_id.is_some() {
        note("externalId", external_id(after));
    }
    if after.meta.is_some() {
        note("meta", meta(after));
    }
    row(after, &after.created_by, vec!["created"], changes)
}

/// The event recording the change from `before` to `after`; `rotated` says
/// whether the secret changed (the masked forms could, rarely, be equal).
pub fn changed(before: &ApiKey, after: &ApiKey, actor: &Crn, rotated: bool) -> ApiKeyEventRow {
    let (kinds, changes) = differences(before, after, rotated);
    row(after, actor, kinds, changes)
}

/// The event recording that a leak report revoked `before` (now `after`):
/// the revocation's own kinds and changes, then the kind `leaked` and
/// `leak`, where the report says the secret was found (as reported, not
/// checked: anyone holding the secret can report it).
pub fn leaked(
    before: &ApiKey,
    after: &ApiKey,
    actor: &Crn,
    url: &str,
    source: &str,
) -> ApiKeyEventRow {
    let (mut kinds, mut changes) = differences(before, after, false);
    kinds.push("leaked");
    changes.insert("leak".into(), json!({ "url": url, "source": source }));
    row(after, actor, kinds, changes)
}

/// The kinds of the change from `before` to `after`, and each field that
/// changed with `from` and `to`.
fn differences(
    before: &ApiKey,
    after: &ApiKey,
    rotated: bool,
) -> (Vec<&'static str>, Map<String, Value>) {
    let mut kinds = Vec::new();
    let mut changes = Map::new();
    let mut note = |field: &str, from: Value, to: Value| {
        changes.insert(field.into(), json!({ "from": from, "to": to }));
    };
    if before.enabled != after.enabled {
        kinds.push(if after.enabled { "enabled" } else { "disabled" });
        note("enabled", json!(before.enabled), json!(after.enabled));
    }
    if before.description != after.description {
        kinds.push("description_changed");
        note(
            "description",
            json!(before.description),
            json!(after.description),
        );
    }
    if rotated {
        kinds.push("rotated");
        note("apiKey", json!(before.hint), json!(after.hint));
    }
    if before.expires_at != after.expires_at {
        kinds.push("expiry_set");
        let show = |t: Option<Timestamp>| json!(t.map(|t| t.to_string()));
        note("expiresAt", show(before.expires_at), show(after.expires_at));
    }
    if before.rate_limit != after.rate_limit {
        kinds.push("rate_limit_set");
        note("rateLimit", rate_limit(before), rate_limit(after));
    }
    if (before.credits, before.credits_remaining) != (after.credits, after.credits_remaining) {
        kinds.push("credits_set");
        note("credits", credits(before), credits(after));
    }
    if before.allowed_cidrs != after.allowed_cidrs {
        kinds.push("allowlist_set");
        note("allowedCidrs", allowed_cidrs(before), allowed_cidrs(after));
    }
    if before.external_id != after.external_id {
        kinds.push("external_id_set");
        note("externalId", external_id(before), external_id(after));
    }
    // Meta is the owner's data, not a secret: both sides are kept whole.
    if before.meta != after.meta {
        kinds.push("meta_set");
        note("meta", meta(before), meta(after));
    }
    if before.revoked_at.is_none() && after.revoked_at.is_some() {
        kinds.push("revoked");
        note("status", json!("active"), json!("revoked"));
    }
    (kinds, changes)
}

/// A key's rate limit as events show it: as the API does, or `null`.
fn rate_limit(key: &ApiKey) -> Value {
    json!(key
        .rate_limit
        .map(|r| json!({"limit": r.limit, "windowSeconds": r.window_seconds})))
}

/// A key's credits as events show them: the balance the change left (or
/// found) and the refill, or `null`.
fn credits(key: &ApiKey) -> Value {
    json!(key.credits.map(|policy| json!({
        "remaining": key.credits_remaining,
        "refill": policy.refill.map(|r| json!({"amount": r.amount, "interval": r.interval.as_str()})),
    })))
}

/// A key's allowlist as events show it: the normal forms, or `null`.
fn allowed_cidrs(key: &ApiKey) -> Value {
    json!(key
        .allowed_cidrs
        .as_ref()
        .map(|cidrs| cidrs.entries().collect::<Vec<_>>()))
}

fn external_id(key: &ApiKey) -> Value {
    json!(key.external_id.as_ref().map(|id| id.as_str()))
}

/// A key's meta as the object it is, or `null`.
fn meta(key: &ApiKey) -> Value {
    key.meta.as_ref().map_or(Value::Null, |meta| meta.value())
}

fn row(key: &ApiKey, actor: &Crn, kinds: Vec<&str>, changes: Map<String, Value>) -> ApiKeyEventRow {
    ApiKeyEventRow {
        api_key_id: key.id.to_string(),
        version: key.version,
        occurred_at: key.modified_at.to_db(),
        actor: actor.as_str().to_owned(),
        kinds: kinds.join(" "),
        changes: Value::Object(changes).to_string(),
    }
}
