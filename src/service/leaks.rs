//! Leak reports: a secret scanner (GitHub's secret scanning partner program,
//! or any scanner that speaks its format) reports strings it found in public
//! that look like Keyward credentials, and Keyward acts on each one that is
//! genuine at once:
//!
//! - an API key whose secret matches one of its live hashes (the current
//!   secret, or the one a rotation replaced while its grace period lasts)
//!   is revoked, as `DELETE` revokes it, with an audit event of kinds
//!   `revoked` and `leaked` that records where the report says it was found,
//!   made by `crn:{accountId}:leak-report:keyward`. A key already revoked
//!   is left as it is. Disabled and expired keys are revoked too: either
//!   could be switched back on.
//! - a session token whose digest matches is ended: its expiry is brought
//!   forward to now, so it answers `EXPIRED` from then on. A token that has
//!   already expired is left as it is; ending it changes nothing else (its
//!   key keeps working).
//!
//! Holding the secret is the proof, so the route needs no credential. The
//! answer says of each token only whether it was genuine and what was done,
//! which only someone holding it could learn anyway (verify tells them as
//! much): a malformed string, an unknown id and a wrong secret get the same
//! answer, after the same work for a well-formed key (an unknown id costs a
//! decoy argon2 check, as in `verify`).
//!
//! Every token that is not genuine counts as a failed authentication in the
//! throttle, by the client's address and, for a key-shaped one, by the key
//! id it names. Once that puts either over the limit, the report is
//! answered 429 with `Retry-After`, after the tarpit pause, like a failed
//! authentication. Genuine tokens are acted on all the same, since a right
//! secret is never refused: a report sent again after its 429 finds them
//! done.

use std::net::IpAddr;

use uuid::Uuid;

use super::cache::CachedKey;
use super::{api_keys, audit, write, Asked, Keyward};
use crate::domain::{ApiKey, Crn, Timestamp};
use crate::error::ApiError;
use crate::secret::{self, CredentialKind, Presented, SecretHasher};
use crate::store::models::ApiKeyRow;
use crate::store::{api_keys as key_queries, key_changes, session_tokens};
use diesel::Connection;

/// Most tokens one report may hold.
pub const MAX_TOKENS: usize = 100;

/// One string a scanner reports, with where it found it.
#[derive(Debug, Clone)]
pub struct Leak {
    /// The string as found: possibly a credential, so never logged.
    pub token: String,
    /// The name of the scanner's pattern that matched, given back as is.
    pub token_type: String,
    /// Where it was found (may be empty).
    pub url: String,
    /// What the scanner found it in (`content`, `commit`, …; may be empty).
    pub source: String,
}

/// Whether a reported token is a credential Keyward issued, in the words of
/// GitHub's secret scanning partner program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeakLabel {
    TruePositive,
    FalsePositive,
}

/// What the report made Keyward do: `revoked` (an API key), `ended` (a
/// session token), or `none` (not genuine, or already revoked or expired).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeakAction {
    Revoked,
    Ended,
    #[serde(rename = "none")]
    Nothing,
}

/// The answer about one reported token.
#[derive(Debug, Clone)]
pub struct Finding {
    pub token: String,
    pub token_type: String,
    pub label: LeakLabel,
    pub action: LeakAction,
}

/// Examines every token of a report in order, revoking or ending each
/// genuine one, and answers for each; 429 once the tokens that were not
/// genuine put the client's address (or a key id) over the throttle's limit.
pub async fn report(
    kw: &Keyward,
    client: Option<IpAddr>,
    asked: Asked<Vec<Leak>>,
) -> Result<Vec<Finding>, ApiError> {
    let leaks = asked?;
    let mut findings = Vec::with_capacity(leaks.len());
    let mut throttled = None;
    for leak in leaks {
        let (label, action) = match examine(kw, &leak).await? {
            Examined::Genuine(action) => (LeakLabel::TruePositive, action),
            Examined::NotGenuine(id) => {
                throttled = throttled.max(kw.throttle.fail(client, id));
                (LeakLabel::FalsePositive, LeakAction::Nothing)
            }
        };
        findings.push(Finding {
            token: leak.token,
            token_type: leak.token_type,
            label,
            action,
        });
    }
    if let Some(seconds) = throttled {
        actix_web::rt::time::sleep(kw.throttle.tarpit()).await;
        return Err(ApiError::TooManyRequests(seconds));
    }
    Ok(findings)
}

enum Examined {
    Genuine(LeakAction),
    /// With the key id it named, for the throttle, when it was a
    /// well-formed API key.
    NotGenuine(Option<Uuid>),
}

async fn examine(kw: &Keyward, leak: &Leak) -> Result<Examined, ApiError> {
    let Some(presented) = secret::parse(&leak.token) else {
        return Ok(Examined::NotGenuine(None));
    };
    match presented.kind {
        CredentialKind::ApiKey => api_key(kw, &presented, leak).await,
        CredentialKind::SessionToken => session_token(kw, &presented).await,
    }
}

/// Checks the key's secret against its live hashes as stored (not as
/// cached: a report is rare, and must not act on a hash a rotation on
/// another instance has just dropped), then revokes the key under its row
/// lock, provided the hash it matched is still live there.
async fn api_key(kw: &Keyward, presented: &Presented, leak: &Leak) -> Result<Examined, ApiError> {
    let id = presented.id;
    let row = kw
        .blocking(move |_, conn| Ok(key_queries::find_by_id(conn, &id.to_string())?))
        .await?;
    let key = row.map(CachedKey::from_row).transpose()?;
    let now = Timestamp::now();
    let candidates: Vec<String> = key
        .iter()
        .flat_map(|key| key.live_hashes(now))
        .map(str::to_owned)
        .collect();
    let cheap = match &key {
        Some(_) => candidates
            .iter()
            .all(|phc| SecretHasher::is_cheap_to_verify(phc)),
        None => kw.hasher.is_cheap(),
    };
    let secret = presented.secret.clone();
    let matched = kw
        .hash(cheap, move |hasher| {
            if candidates.is_empty() {
                // The same work as a wrong secret, so that neither the
                // answer nor its time tells whether the id exists.
                hasher.verify_decoy(&secret);
                return None;
            }
            candidates
                .into_iter()
                .find(|phc| hasher.verify(&secret, phc))
        })
        .await?;
    let (Some(key), Some(matched)) = (key, matched) else {
        return Ok(Examined::NotGenuine(Some(id)));
    };
    let actor = Crn::leak_report(&key.account_id);
    // Whatever the report says goes into the audit trail and the log, but
    // no credential it quotes.
    let url = secret::redact_credentials(&leak.url).into_owned();
    let source = secret::redact_credentials(&leak.source).into_owned();
    let (event_url, event_source) = (url.clone(), source.clone());
    let (live, revoked) = kw
        .blocking(move |kw, conn| {
            let mut live = false;
            let mut revoked = false;
            write::as_system(conn, id, |conn, row| {
                let Some(row) = row else {
                    return Ok(());
                };
                let decide = |current: &ApiKey, row: &ApiKeyRow| {
                    let locked = CachedKey::from_row(row.clone())?;
                    live = locked
                        .live_hashes(Timestamp::now())
                        .any(|phc| phc == matched);
                    let change = api_keys::revocation(current).filter(|_| live);
                    revoked = change.is_some();
                    Ok(change)
                };
                let event = |before: &ApiKey, after: &ApiKey, actor: &Crn, _rotated| {
                    audit::leaked(before, after, actor, &event_url, &event_source)
                };
                api_keys::apply(conn, Some(row), &actor, None, decide, event).map(drop)
            })?;
            if revoked {
                kw.cache.invalidate_key(&id);
            }
            Ok((live, revoked))
        })
        .await?;
    if !live {
        // Rotated out since it was checked: no longer a secret of the key.
        return Ok(Examined::NotGenuine(Some(id)));
    }
    if revoked {
        log::warn!(
            "API key {id} of account {} revoked: a leak report found it at {url:?} (source {source:?})",
            key.account_id,
        );
        return Ok(Examined::Genuine(LeakAction::Revoked));
    }
    Ok(Examined::Genuine(LeakAction::Nothing))
}

/// Checks the token's digest against the stored one and, when it matches,
/// ends the token unless it has already expired: its expiry becomes now,
/// and the change log names it so that every instance drops what it cached.
async fn session_token(kw: &Keyward, presented: &Presented) -> Result<Examined, ApiError> {
    let id = presented.id;
    let digest = secret::hex(&presented.secret.digest());
    let ended = kw
        .blocking(move |kw, conn| {
            let Some(row) = session_tokens::find_by_id(conn, &id.to_string())? else {
                return Ok(None);
            };
            if !secret::digests_match(digest.as_bytes(), row.token_hash.as_bytes()) {
                return Ok(None);
            }
            let now = Timestamp::now().to_db();
            let ended = conn.transaction(|conn| {
                let ended = session_tokens::end(conn, &row.id, now)?;
                if ended {
                    key_changes::record_session_token(conn, &row.id, now)?;
                }
                Ok::<_, diesel::result::Error>(ended)
            })?;
            if ended {
                kw.cache.invalidate_token(&id);
            }
            Ok(Some((ended, row.api_key_id)))
        })
        .await?;
    Ok(match ended {
        None => Examined::NotGenuine(None),
        Some((true, key_id)) => {
            log::warn!("session token {id} of API key {key_id} ended: a leak report found it");
            Examined::Genuine(LeakAction::Ended)
        }
        Some((false, _)) => Examined::Genuine(LeakAction::Nothing),
    })
}
