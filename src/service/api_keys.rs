//! Creating, reading, changing and revoking API keys, and the one way every
//! change is written (`change`).

use uuid::Uuid;

use super::paging::{self, CreatedPosition, Page, PageAsked};
use super::{audit, write};
use super::{convert, Asked, Keyward};
use crate::domain::limits::balance_at;
use crate::domain::permission::{self, Action};
use crate::domain::{
    AccountId, AllowedCidrs, ApiKey, Credits, Crn, Description, ExternalId, KeyName, KeyStatus,
    Meta, Principal, RateLimit, Role, Timestamp,
};
use crate::error::{ApiError, ErrorCode};
use crate::secret::{CredentialKind, Secret, SecretHasher};
use crate::store::api_keys::{self as queries, ListFilter, StatusFilter};
use crate::store::models::{ApiKeyChanges, ApiKeyEventRow, ApiKeyRow};
use crate::store::{api_key_events, is_unique_violation, key_changes, AnyConnection};
use crate::store::{last_used, limits};
use diesel::Connection;

/// How a request names a key: by name (native API) or by id (/api/v1).
#[derive(Debug, Clone)]
pub enum KeyRef {
    Name(String),
    Id(String),
}

impl KeyRef {
    /// Whether this names the key behind `caller`'s credential, in its
    /// account `account_id`; never for a user.
    pub fn is(&self, caller: &Principal, account_id: &str) -> bool {
        let Some(caller) = caller
            .as_key()
            .filter(|k| k.account_id.as_str() == account_id)
        else {
            return false;
        };
        match self {
            KeyRef::Name(name) => name == caller.key_name.as_str(),
            KeyRef::Id(id) => Uuid::try_parse(id).is_ok_and(|id| id == caller.key_id),
        }
    }
}

/// A key to create.
#[derive(Debug, Clone)]
pub struct NewKey {
    /// `None`: a generated name, `key` and 12 random letters or digits.
    pub name: Option<KeyName>,
    pub role: Role,
    pub description: Option<Description>,
    /// Must be in the future (see `check_expiry`).
    pub expires_at: Option<Timestamp>,
    pub rate_limit: Option<RateLimit>,
    pub credits: Option<Credits>,
    pub allowed_cidrs: Option<AllowedCidrs>,
    pub external_id: Option<ExternalId>,
    pub meta: Option<Meta>,
}

impl NewKey {
    /// A key with a name and a role, and nothing else set.
    pub fn plain(name: Option<KeyName>, role: Role) -> Self {
        Self {
            name,
            role,
            description: None,
            expires_at: None,
            rate_limit: None,
            credits: None,
            allowed_cidrs: None,
            external_id: None,
            meta: None,
        }
    }
}

/// A change to a key; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct KeyUpdate {
    pub enabled: Option<bool>,
    /// `Some(None)` clears the description.
    pub description: Option<Option<Description>>,
    /// `Some(None)` removes the expiry.
    pub expires_at: Option<Option<Timestamp>>,
    /// `Some(None)` removes the rate limit.
    pub rate_limit: Option<Option<RateLimit>>,
    /// `Some(Some(_))` sets the balance and the refill; `Some(None)` stops
    /// the key spending credits.
    pub credits: Option<Option<Credits>>,
    /// `Some(None)` removes the allowlist: the key works from anywhere.
    pub allowed_cidrs: Option<Option<AllowedCidrs>>,
    /// `Some(None)` removes the external id.
    pub external_id: Option<Option<ExternalId>>,
    /// `Some(None)` removes the meta.
    pub meta: Option<Option<Meta>>,
}

impl KeyUpdate {
    /// Whether the update asks for nothing but switching the key off.
    pub fn only_disables(&self) -> bool {
        self.enabled == Some(false)
            && self.description.is_none()
            && self.expires_at.is_none()
            && self.rate_limit.is_none()
            && self.credits.is_none()
            && self.allowed_cidrs.is_none()
            && self.external_id.is_none()
            && self.meta.is_none()
    }
}

/// Refuses an expiry that is not in the future: a key that would be born,
/// or changed, already expired is a mistake.
pub fn check_expiry(expires_at: Option<Timestamp>) -> Result<(), ApiError> {
    match expires_at {
        Some(at) if at <= Timestamp::now() => Err(ApiError::BadRequest(
            "expiresAt must be in the future".into(),
        )),
        _ => Ok(()),
    }
}

/// Creates a key in the account and returns it with its secret, which is
/// never shown again.
pub async fn create(
    kw: &Keyward,
    caller: &Principal,
    account_id: &str,
    new: Asked<NewKey>,
) -> Result<(ApiKey, Secret), ApiError> {
    let account = kw.authorize(caller, account_id, Action::CreateKey).await?;
    let new = new?;
    check_expiry(new.expires_at)?;
    // A generated name that happens to be taken (2^-71 for any two) is
    // drawn again; a name the caller chose is theirs to change.
    let mut attempts = 0;
    loop {
        attempts += 1;
        match create_named(kw, caller, &account, new.clone()).await {
            Err(ApiError::Code(ErrorCode::ApiKeyNameTaken))
                if new.name.is_none() && attempts < NAME_ATTEMPTS => {}
            created => return created,
        }
    }
}

/// Tries before giving up on drawing an unused name.
const NAME_ATTEMPTS: usize = 3;

/// `key` + 12 random letters or digits: alphanumeric like every key name.
fn generated_name() -> Result<KeyName, ApiError> {
    use rand::distributions::{Alphanumeric, DistString};
    let name = format!(
        "key{}",
        Alphanumeric.sample_string(&mut rand::rngs::OsRng, 12)
    );
    KeyName::parse(&name).map_err(ApiError::internal)
}

async fn create_named(
    kw: &Keyward,
    caller: &Principal,
    account: &AccountId,
    new: NewKey,
) -> Result<(ApiKey, Secret), ApiError> {
    let caller = caller.clone();
    let account = account.clone();
    let issued = kw
        .hash(kw.hasher.is_cheap(), |hasher| {
            IssuedSecret::new(hasher, Uuid::new_v4())
        })
        .await??;
    let id = issued.id;
    let created = kw
        .blocking(move |kw, conn| {
            write::as_caller(kw, conn, &caller, account.as_str(), None, |conn, _| {
                insert(conn, issued, &account, new, &caller.crn())
            })
        })
        .await;
    // In case this instance ever looked the new id up (see `cache`).
    kw.cache.invalidate_key(&id);
    created
}

/// A key's id, a new secret for it and the secret's hash: the slow part of
/// creating or rotating a key, done before touching the database.
pub struct IssuedSecret {
    pub id: Uuid,
    pub secret: Secret,
    pub secret_hash: String,
}

impl IssuedSecret {
    pub fn new(hasher: &SecretHasher, id: Uuid) -> Result<Self, ApiError> {
        let secret = Secret::generate(CredentialKind::ApiKey, id);
        let secret_hash = hasher
            .hash(&secret)
            .map_err(|e| ApiError::internal(anyhow::anyhow!("hashing a new secret: {e}")))?;
        Ok(Self {
            id,
            secret,
            secret_hash,
        })
    }
}

/// Inserts a key and its `created` event in one transaction; the unique
/// index decides a race for the same name. Callers acting with a credential
/// go through `write::as_caller` first.
pub fn insert(
    conn: &mut AnyConnection,
    issued: IssuedSecret,
    account: &AccountId,
    new: NewKey,
    actor: &Crn,
) -> Result<(ApiKey, Secret), ApiError> {
    let IssuedSecret {
        id,
        secret,
        secret_hash,
    } = issued;
    let name = match new.name {
        Some(name) => name,
        None => generated_name()?,
    };
    let now = Timestamp::now().to_db();
    let row = ApiKeyRow {
        id: id.to_string(),
        account_id: account.as_str().to_owned(),
        name: name.as_str().to_owned(),
        role: new.role.as_str().to_owned(),
        enabled: true,
        description: new.description.map(Description::into_string),
        secret_hash,
        secret_hint: secret.hint(),
        created_at: now,
        created_by: actor.as_str().to_owned(),
        modified_at: now,
        modified_by: actor.as_str().to_owned(),
        version: 1,
        revoked_at: None,
        expires_at: new.expires_at.map(Timestamp::to_db),
        previous_secret_hash: None,
        previous_secret_until: None,
        disables: 0,
        rate_limit: new.rate_limit.map(|r| r.limit),
        rate_window_seconds: new.rate_limit.map(|r| r.window_seconds),
        has_credits: new.credits.is_some(),
        credits_refill_amount: new.credits.and_then(|c| c.refill).map(|r| r.amount),
        credits_refill_interval: (new.credits.and_then(|c| c.refill))
            .map(|r| r.interval.as_str().to_owned()),
        allowed_cidrs: new.allowed_cidrs.as_ref().map(AllowedCidrs::to_db),
        external_id: new.external_id.as_ref().map(|id| id.as_str().to_owned()),
        meta: new.meta.as_ref().map(|meta| meta.as_str().to_owned()),
    };
    let inserted = conn.transaction(|conn| {
        let row = queries::insert(conn, &row)?;
        if let Some(credits) = new.credits {
            limits::set_credits(conn, &row.id, credits.remaining, now)?;
        }
        let mut key = convert::api_key(row)
            .map_err(|e| diesel::result::Error::QueryBuilderError(format!("{e:?}").into()))?;
        key.credits_remaining = new.credits.map(|c| c.remaining);
        api_key_events::insert(conn, &audit::created(&key))?;
        Ok::<_, diesel::result::Error>(key)
    });
    match inserted {
        Ok(key) => Ok((key, secret)),
        Err(e)
            if is_unique_violation(&e, queries::NAME_INDEX)
                || is_unique_violation(&e, queries::NAME_COLUMNS) =>
        {
            Err(ErrorCode::ApiKeyNameTaken.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Which keys a list shows: those that pass every condition given.
#[derive(Debug, Clone, Default)]
pub struct KeyFilter {
    pub status: Option<KeyStatus>,
    pub role: Option<Role>,
    pub enabled: Option<bool>,
    pub external_id: Option<ExternalId>,
}

/// Which keys to list and which page of them.
#[derive(Debug, Clone, Default)]
pub struct KeyQuery {
    pub filter: KeyFilter,
    /// `None`: every key that passes the filter, at once.
    pub page: Option<PageAsked>,
}

impl KeyFilter {
    /// The filter as a key list's identity names it (see `paging`).
    fn identity(&self) -> String {
        let status = self.status.map_or("*", KeyStatus::as_str);
        let role = self.role.map_or("*", Role::as_str);
        let enabled = self
            .enabled
            .map_or("*", |e| if e { "true" } else { "false" });
        let identity = format!("status={status},role={role},enabled={enabled}");
        // Only when given, so that the page keys of lists without it, given
        // before there was such a filter, still hold. Quoted, so that no id
        // can read as more filters.
        match &self.external_id {
            None => identity,
            Some(id) => format!("{identity},externalId={}", serde_json::json!(id.as_str())),
        }
    }
}

/// The account's keys that pass the filter, oldest first (by `createdAt`,
/// then `id`): all of them, or the page asked for.
pub async fn list(
    kw: &Keyward,
    caller: &Principal,
    account_id: &str,
    asked: Asked<KeyQuery>,
) -> Result<Page<ApiKey>, ApiError> {
    let account = kw.authorize(caller, account_id, Action::ListKeys).await?;
    let KeyQuery { filter, page } = asked?;
    // A page key is good only for this account's list with these filters.
    let list_identity = format!("keys:{}:{}", account.as_str(), filter.identity());
    let page = page
        .map(|asked| paging::open::<CreatedPosition>(&asked, &list_identity, paging::DEFAULT_LIMIT))
        .transpose()?;
    let filter = ListFilter {
        status: match filter.status {
            None => StatusFilter::All,
            Some(KeyStatus::Active) => StatusFilter::Active,
            Some(KeyStatus::Expired) => StatusFilter::Expired,
            Some(KeyStatus::Revoked) => StatusFilter::Revoked,
        },
        role: filter.role.map(Role::as_str),
        enabled: filter.enabled,
        external_id: filter.external_id.map(|id| id.as_str().to_owned()),
    };
    kw.blocking(move |_, conn| {
        let now = Timestamp::now().to_db();
        let rows = match &page {
            None => Page::whole(queries::list(
                conn,
                account.as_str(),
                filter,
                now,
                None,
                None,
            )?),
            Some((limit, after)) => {
                let after = after.as_ref().map(|p| (p.created_at, p.id.as_str()));
                // One more than asked, to know whether another page follows.
                let rows =
                    queries::list(conn, account.as_str(), filter, now, after, Some(limit + 1))?;
                paging::close(rows, *limit, &list_identity, |(row, _)| {
                    Ok(CreatedPosition::new(row.created_at, &row.id))
                })?
            }
        };
        let mut keys = rows.try_map(|(row, last_used_at)| {
            let mut key = convert::listed_key(row)?;
            key.last_used_at = last_used_at.map(Timestamp::from_db);
            Ok::<_, ApiError>(key)
        })?;
        with_credits(conn, &mut keys.items)?;
        Ok(keys)
    })
    .await
}

/// One key of the account.
pub async fn get(
    kw: &Keyward,
    caller: &Principal,
    account_id: &str,
    key: KeyRef,
) -> Result<ApiKey, ApiError> {
    let account = kw.authorize(caller, account_id, Action::ReadKey).await?;
    kw.blocking(move |_, conn| {
        let mut key = convert::api_key(find(conn, &account, &key)?)?;
        with_usage(conn, std::slice::from_mut(&mut key))?;
        Ok(key)
    })
    .await
}

/// Enables, disables, describes or sets the expiry of a key. A change bumps
/// `version`; a request that changes nothing returns the key as it is.
/// `if_match` makes the change conditional on the key's current version
/// being one of those listed.
pub async fn update(
    kw: &Keyward,
    caller: &Principal,
    account_id: &str,
    key: KeyRef,
    update: Asked<KeyUpdate>,
    if_match: Asked<Option<Vec<i64>>>,
) -> Result<ApiKey, ApiError> {
    let only_disabling = update.as_ref().is_ok_and(KeyUpdate::only_disables);
    // A key that may not change keys may still switch itself off, and
    // nothing more; anything else it asks is refused, with no word on what
    // was wrong with it.
    let action = match only_disabling && key.is(caller, account_id) {
        true => Action::DisableItself,
        false => Action::UpdateKey,
    };
    let account = kw.authorize(caller, account_id, action).await?;
    let if_match = if_match?;
    let update = update?;
    if let Some(expires_at) = update.expires_at {
        check_expiry(expires_at)?;
    }
    let caller = caller.clone();
    kw.blocking(move |kw, conn| {
        change(
            kw,
            conn,
            &caller,
            &account,
            &key,
            if_match,
            |current, row| {
                let itself = caller.as_key().filter(|k| k.key_id == current.id);
                if let Some(key) = itself.filter(|_| update.enabled == Some(true)) {
                    if !permission::allows(key.kind(), key.role, Action::EnableItself) {
                        return Err(ErrorCode::Forbidden.into());
                    }
                }
                if current.revoked_at.is_some() {
                    return Err(ErrorCode::ApiKeyRevoked.into());
                }
                let mut changes = ApiKeyChanges::default();
                let mut changed = false;
                if let Some(enabled) = update.enabled.filter(|e| *e != current.enabled) {
                    changes.enabled = Some(enabled);
                    if !enabled {
                        // Disabling ends the key's session tokens for good: they
                        // are valid only while `disables` is what they were
                        // minted under.
                        changes.disables = Some(row.disables + 1);
                    }
                    changed = true;
                }
                if let Some(description) = &update.description {
                    let description = description.clone().map(Description::into_string);
                    if description != current.description {
                        changes.description = Some(description);
                        changed = true;
                    }
                }
                if let Some(expires_at) = update.expires_at.filter(|e| *e != current.expires_at) {
                    changes.expires_at = Some(expires_at.map(Timestamp::to_db));
                    changed = true;
                }
                if let Some(rate_limit) = update.rate_limit.filter(|r| *r != current.rate_limit) {
                    changes.rate_limit = Some(rate_limit.map(|r| r.limit));
                    changes.rate_window_seconds = Some(rate_limit.map(|r| r.window_seconds));
                    changed = true;
                }
                let mut balance = None;
                if let Some(credits) = update.credits.filter(|c| !same_credits(current, *c)) {
                    let refill = credits.and_then(|c| c.refill);
                    changes.has_credits = Some(credits.is_some());
                    changes.credits_refill_amount = Some(refill.map(|r| r.amount));
                    changes.credits_refill_interval =
                        Some(refill.map(|r| r.interval.as_str().to_owned()));
                    balance = Some(credits.map(|c| c.remaining));
                    changed = true;
                }
                if let Some(cidrs) =
                    (update.allowed_cidrs.as_ref()).filter(|c| **c != current.allowed_cidrs)
                {
                    changes.allowed_cidrs = Some(cidrs.as_ref().map(AllowedCidrs::to_db));
                    changed = true;
                }
                if let Some(id) =
                    (update.external_id.as_ref()).filter(|id| **id != current.external_id)
                {
                    changes.external_id = Some(id.as_ref().map(|id| id.as_str().to_owned()));
                    changed = true;
                }
                if let Some(meta) = (update.meta.as_ref()).filter(|meta| **meta != current.meta) {
                    changes.meta = Some(meta.as_ref().map(|meta| meta.as_str().to_owned()));
                    changed = true;
                }
                Ok(changed.then_some(KeyChange {
                    columns: changes,
                    balance,
                }))
            },
        )
    })
    .await
}

/// Revokes a key for good. Revoking a revoked key changes nothing.
pub async fn revoke(
    kw: &Keyward,
    caller: &Principal,
    account_id: &str,
    key: KeyRef,
    if_match: Asked<Option<Vec<i64>>>,
) -> Result<ApiKey, ApiError> {
    let account = kw.authorize(caller, account_id, Action::RevokeKey).await?;
    let if_match = if_match?;
    let caller = caller.clone();
    kw.blocking(move |kw, conn| {
        change(kw, conn, &caller, &account, &key, if_match, |current, _| {
            Ok(revocation(current))
        })
    })
    .await
}

/// What revoking `current` writes: the moment of revocation; nothing for a
/// key already revoked.
pub(crate) fn revocation(current: &ApiKey) -> Option<KeyChange> {
    let changes = ApiKeyChanges {
        revoked_at: Some(Some(Timestamp::now().to_db())),
        ..ApiKeyChanges::default()
    };
    current.revoked_at.is_none().then(|| changes.into())
}

/// Reads the key under lock, with the caller's credential confirmed in the
/// same transaction (see `write`), asks `decide` what to change, and writes
/// it there with its audit event and its entry in the change log. This
/// instance's cached state of the key is dropped before the response goes
/// out; other instances drop it when they read the log.
pub(crate) fn change(
    kw: &Keyward,
    conn: &mut AnyConnection,
    caller: &Principal,
    account: &AccountId,
    key: &KeyRef,
    if_match: Option<Vec<i64>>,
    decide: impl FnOnce(&ApiKey, &ApiKeyRow) -> Result<Option<KeyChange>, ApiError>,
) -> Result<ApiKey, ApiError> {
    // A key's id never changes, so finding it before the transaction is safe.
    let id = convert::api_key(find(conn, account, key)?)?.id;
    let actor = caller.crn();
    let mut written =
        write::as_caller(kw, conn, caller, account.as_str(), Some(id), |conn, row| {
            apply(conn, row, &actor, if_match, decide, audit::changed)
        })?;
    kw.cache.invalidate_key(&id);
    with_usage(conn, std::slice::from_mut(&mut written))?;
    Ok(written)
}

/// The body of a change, in the transaction that locked the key's `row`:
/// checks `if_match`, asks `decide` what to change, writes it with the
/// audit event `event` makes (`audit::changed`, unless the change has an
/// event of its own) and the key's entry in the change log. Returns the
/// key as it now is. The caller drops this instance's cached state of the
/// key once the transaction has committed.
pub(crate) fn apply(
    conn: &mut AnyConnection,
    row: Option<ApiKeyRow>,
    actor: &Crn,
    if_match: Option<Vec<i64>>,
    decide: impl FnOnce(&ApiKey, &ApiKeyRow) -> Result<Option<KeyChange>, ApiError>,
    event: impl FnOnce(&ApiKey, &ApiKey, &Crn, bool) -> ApiKeyEventRow,
) -> Result<ApiKey, ApiError> {
    let row = row.ok_or(ErrorCode::ApiKeyNotFound)?;
    let mut current = convert::api_key(row.clone())?;
    with_usage(conn, std::slice::from_mut(&mut current))?;
    if if_match
        .as_ref()
        .is_some_and(|versions| !versions.contains(&current.version))
    {
        return Err(ErrorCode::VersionMismatch.into());
    }
    let Some(KeyChange {
        columns: mut changes,
        balance,
    }) = decide(&current, &row)?
    else {
        return Ok(current);
    };
    let now = Timestamp::now().to_db();
    changes.modified_at = Some(now);
    changes.modified_by = Some(actor.as_str().to_owned());
    changes.version = Some(current.version + 1);
    // The row is locked, so the version cannot have moved; the check
    // stays as a guard against a writer that skipped the lock.
    let row = queries::update_if_version(conn, &row.id, current.version, &changes)?
        .ok_or(ErrorCode::ConcurrentModification)?;
    let mut after = convert::api_key(row)?;
    after.credits_remaining = current
        .credits_remaining
        .filter(|_| after.credits.is_some());
    match balance {
        Some(Some(remaining)) => {
            limits::set_credits(conn, &after.id.to_string(), remaining, now)?;
            after.credits_remaining = Some(remaining);
        }
        Some(None) => limits::remove_credits(conn, &after.id.to_string())?,
        None => {}
    }
    let rotated = changes.secret_hash.is_some();
    api_key_events::insert(conn, &event(&current, &after, actor, rotated))?;
    key_changes::record(conn, &after.id.to_string(), now)?;
    Ok(after)
}

/// What a change writes: the key's columns, and its credits balance when
/// the change sets it (`Some(Some(n))`) or removes it (`Some(None)`).
pub(crate) struct KeyChange {
    pub columns: ApiKeyChanges,
    pub balance: Option<Option<i64>>,
}

impl From<ApiKeyChanges> for KeyChange {
    fn from(columns: ApiKeyChanges) -> Self {
        Self {
            columns,
            balance: None,
        }
    }
}

/// Whether `credits` (as a change asks) is what the key has now.
fn same_credits(key: &ApiKey, credits: Option<Credits>) -> bool {
    match (key.credits, credits) {
        (None, None) => true,
        (Some(policy), Some(asked)) => {
            policy.refill == asked.refill && key.credits_remaining == Some(asked.remaining)
        }
        _ => false,
    }
}

/// Fills in the keys' last uses and credits left from their tables.
fn with_usage(conn: &mut AnyConnection, keys: &mut [ApiKey]) -> Result<(), ApiError> {
    let ids: Vec<String> = keys.iter().map(|key| key.id.to_string()).collect();
    let uses = last_used::of(conn, &ids)?;
    for (key, id) in keys.iter_mut().zip(&ids) {
        key.last_used_at = uses.get(id).copied().map(Timestamp::from_db);
    }
    with_credits(conn, keys)
}

/// Fills in the credits left of the keys that spend credits (a query only
/// when some do).
fn with_credits(conn: &mut AnyConnection, keys: &mut [ApiKey]) -> Result<(), ApiError> {
    let with_credits: Vec<String> = keys
        .iter()
        .filter(|key| key.credits.is_some())
        .map(|key| key.id.to_string())
        .collect();
    if with_credits.is_empty() {
        return Ok(());
    }
    let balances = limits::credits_of(conn, &with_credits)?;
    let now = Timestamp::now();
    for key in keys.iter_mut() {
        let balance = balances.get(&key.id.to_string());
        if let (Some(policy), Some((remaining, refilled_at))) = (key.credits, balance) {
            let refilled_at = Timestamp::from_db(*refilled_at);
            let (balance, _) = balance_at(*remaining, refilled_at, policy.refill, now);
            key.credits_remaining = Some(balance);
        }
    }
    Ok(())
}

/// Finds a key of `account`. A key of another account is reported as not
/// found, so ids cannot be probed across accounts.
pub(crate) fn find(
    conn: &mut AnyConnection,
    account: &AccountId,
    key: &KeyRef,
) -> Result<ApiKeyRow, ApiError> {
    let row = match key {
        KeyRef::Name(name) => match KeyName::parse(name) {
            Ok(name) => queries::find_by_name(conn, account.as_str(), name.as_str())?,
            Err(_) => None,
        },
        KeyRef::Id(id) => match Uuid::try_parse(id) {
            Ok(id) => queries::find_by_id(conn, &id.to_string())?
                .filter(|row| row.account_id == account.as_str()),
            Err(_) => None,
        },
    };
    row.ok_or(ErrorCode::ApiKeyNotFound.into())
}
