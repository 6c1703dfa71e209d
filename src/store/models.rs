//! Rows as stored. Field order follows `schema.rs`.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::schema::{
    accounts, api_key_events, api_keys, invitations, memberships, session_tokens, user_sessions,
    users,
};

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = accounts)]
pub struct AccountRow {
    pub id: String,
    pub name: String,
    pub created_at: PrimitiveDateTime,
    /// `None` for a root account.
    pub parent_account_id: Option<String>,
    pub enabled: bool,
    pub created_by: String,
    pub modified_at: PrimitiveDateTime,
    pub modified_by: String,
    pub version: i64,
    /// How many times the account was suspended: with its ancestors'
    /// counters, what a session token's `account_suspensions` must still add
    /// up to.
    pub suspensions: i64,
}

/// The columns a change to an account may set; `None` leaves one alone.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = accounts)]
pub struct AccountChanges {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    pub suspensions: Option<i64>,
    pub modified_at: Option<PrimitiveDateTime>,
    pub modified_by: Option<String>,
    pub version: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRow {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub role: String,
    pub enabled: bool,
    pub description: Option<String>,
    pub secret_hash: String,
    pub secret_hint: String,
    pub created_at: PrimitiveDateTime,
    pub created_by: String,
    pub modified_at: PrimitiveDateTime,
    pub modified_by: String,
    pub version: i64,
    pub revoked_at: Option<PrimitiveDateTime>,
    pub expires_at: Option<PrimitiveDateTime>,
    pub previous_secret_hash: Option<String>,
    pub previous_secret_until: Option<PrimitiveDateTime>,
    /// How many times the key was disabled: its session tokens are valid only
    /// while this equals the value they were minted under.
    pub disables: i64,
    /// Uses allowed per `rate_window_seconds`; both or neither are set.
    pub rate_limit: Option<i64>,
    pub rate_window_seconds: Option<i64>,
    /// Whether verify spends credits (`api_key_credits` has the balance).
    pub has_credits: bool,
    /// What a refill sets the balance to, and when (`daily`, `monthly`).
    pub credits_refill_amount: Option<i64>,
    pub credits_refill_interval: Option<String>,
    /// Normalised CIDRs separated by commas; `None`: usable from anywhere.
    pub allowed_cidrs: Option<String>,
    pub external_id: Option<String>,
    /// A JSON object as compact text.
    pub meta: Option<String>,
}

/// A key's columns without its secrets (the hashes, the replaced secret's
/// grace) and without its `disables` counter: what a key list reads and
/// shows. Listing reads fewer columns than a full row, since every page
/// decodes a hundred of them.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct ListedKeyRow {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub role: String,
    pub enabled: bool,
    pub description: Option<String>,
    pub secret_hint: String,
    pub created_at: PrimitiveDateTime,
    pub created_by: String,
    pub modified_at: PrimitiveDateTime,
    pub modified_by: String,
    pub version: i64,
    pub revoked_at: Option<PrimitiveDateTime>,
    pub expires_at: Option<PrimitiveDateTime>,
    pub rate_limit: Option<i64>,
    pub rate_window_seconds: Option<i64>,
    pub has_credits: bool,
    pub credits_refill_amount: Option<i64>,
    pub credits_refill_interval: Option<String>,
    pub allowed_cidrs: Option<String>,
    pub external_id: Option<String>,
    pub meta: Option<String>,
}

impl From<ApiKeyRow> for ListedKeyRow {
    fn from(row: ApiKeyRow) -> Self {
        Self {
            id: row.id,
            account_id: row.account_id,
            name: row.name,
            role: row.role,
            enabled: row.enabled,
            description: row.description,
            secret_hint: row.secret_hint,
            created_at: row.created_at,
            created_by: row.created_by,
            modified_at: row.modified_at,
            modified_by: row.modified_by,
            version: row.version,
            revoked_at: row.revoked_at,
            expires_at: row.expires_at,
            rate_limit: row.rate_limit,
            rate_window_seconds: row.rate_window_seconds,
            has_credits: row.has_credits,
            credits_refill_amount: row.credits_refill_amount,
            credits_refill_interval: row.credits_refill_interval,
            allowed_cidrs: row.allowed_cidrs,
            external_id: row.external_id,
            meta: row.meta,
        }
    }
}

/// The columns a change to a key may set; `None` leaves a column alone.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyChanges {
    pub enabled: Option<bool>,
    pub description: Option<Option<String>>,
    pub revoked_at: Option<Option<PrimitiveDateTime>>,
    pub disables: Option<i64>,
    pub expires_at: Option<Option<PrimitiveDateTime>>,
    pub secret_hash: Option<String>,
    pub secret_hint: Option<String>,
    pub previous_secret_hash: Option<Option<String>>,
    pub previous_secret_until: Option<Option<PrimitiveDateTime>>,
    pub modified_at: Option<PrimitiveDateTime>,
    pub modified_by: Option<String>,
    pub version: Option<i64>,
    pub rate_limit: Option<Option<i64>>,
    pub rate_window_seconds: Option<Option<i64>>,
    pub has_credits: Option<bool>,
    pub credits_refill_amount: Option<Option<i64>>,
    pub credits_refill_interval: Option<Option<String>>,
    pub allowed_cidrs: Option<Option<String>>,
    pub external_id: Option<Option<String>>,
    pub meta: Option<Option<String>>,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = session_tokens)]
pub struct SessionTokenRow {
    pub id: String,
    pub api_key_id: String,
    pub scope: String,
    pub token_hash: String,
    pub created_at: PrimitiveDateTime,
    pub expires_at: PrimitiveDateTime,
    /// The key's `disables` when the token was minted.
    pub key_disables: i64,
    /// The sum of the `suspensions` of the key's account and its ancestors
    /// when the token was minted.
    pub account_suspensions: i64,
    /// The account it was minted on when not its key's: a descendant.
    pub account_id: Option<String>,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = api_key_events)]
pub struct ApiKeyEventRow {
    pub api_key_id: String,
    pub version: i64,
    pub occurred_at: PrimitiveDateTime,
    pub actor: String,
    /// Space-separated event kinds, e.g. `disabled description_changed`.
    pub kinds: String,
    /// JSON object of what changed: `{"enabled":{"from":true,"to":false}}`.
    pub changes: String,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    /// As given at invitation (or on the command line).
    pub email: String,
    /// Lower-cased, under a unique index: one user per address.
    pub email_lower: String,
    pub name: String,
    /// argon2id PHC string.
    pub password_hash: String,
    pub created_at: PrimitiveDateTime,
    pub last_login_at: Option<PrimitiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = memberships)]
pub struct MembershipRow {
    pub user_id: String,
    pub account_id: String,
    pub role: String,
    pub created_at: PrimitiveDateTime,
    pub created_by: String,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = invitations)]
pub struct InvitationRow {
    pub id: String,
    pub account_id: String,
    pub email: String,
    pub role: String,
    /// SHA-256 of the whole token, hex.
    pub token_hash: String,
    pub created_at: PrimitiveDateTime,
    pub created_by: String,
    pub expires_at: PrimitiveDateTime,
    /// `email` lower-cased: one pending invitation per address and account.
    pub email_lower: String,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = user_sessions)]
pub struct UserSessionRow {
    pub id: String,
    pub user_id: String,
    /// SHA-256 of the whole cookie token, hex.
    pub token_hash: String,
    pub created_at: PrimitiveDateTime,
    /// Moved forward as the session is used, at most once a minute; the
    /// session ends when it lies more than the idle lifetime back.
    pub last_seen_at: PrimitiveDateTime,
    /// The end of its absolute lifetime.
    pub expires_at: PrimitiveDateTime,
}
