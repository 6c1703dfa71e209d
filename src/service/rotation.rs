//! Rotating a key's secret, with a grace period for the old one.

use super::api_keys::{change, IssuedSecret, KeyRef};
use super::{Asked, Keyward};
use crate::domain::permission::Action;
use crate::domain::{ApiKey, Principal, Timestamp};
use crate::error::{ApiError, ErrorCode};
use crate::secret::Secret;
use crate::store::models::ApiKeyChanges;

/// The longest grace period: 7 days.
pub const MAX_GRACE_SECONDS: i64 = 7 * 24 * 60 * 60;

/// Gives the key a new secret, shown once. The key keeps its id, name and
/// role; `version` moves. The old secret keeps working for `grace_seconds`
/// (never past the key's own expiry); a rotation during a grace period ends
/// the secret that grace was for, at once.
pub async fn rotate(
    kw: &Keyward,
    caller: &Principal,
    account_id: &str,
    key: KeyRef,
    grace_seconds: Asked<Option<i64>>,
    if_match: Asked<Option<Vec<i64>>>,
) -> Result<(ApiKey, Secret), ApiError> {
    let account = kw.authorize(caller, account_id, Action::RotateKey).await?;
    let if_match = if_match?;
    let grace_seconds = grace_seconds?.unwrap_or(0);
    if !(0..=MAX_GRACE_SECONDS).contains(&grace_seconds) {
        return Err(ApiError::BadRequest(format!(
            "gracePeriodSeconds must be between 0 and {MAX_GRACE_SECONDS}"
        )));
    }
    // The new secret carries the key's id, so find the key first, hash off
    // the database, then write through `change`, which re-reads the key and
    // retries if another change lands in between.
    let current = super::api_keys::get(kw, caller, account_id, key.clone()).await?;
    refuse_rotation(&current, Timestamp::now())?;
    let id = current.id;
    let issued = kw
        .hash(kw.hasher.is_cheap(), move |hasher| {
            IssuedSecret::new(hasher, id)
        })
        .await??;
    let secret = issued.secret.clone();
    let caller = caller.clone();
    kw.blocking(move |kw, conn| {
        change(
            kw,
            conn,
            &caller,
            &account,
            &key,
            if_match,
            |now_key, row| {
                let now = Timestamp::now();
                refuse_rotation(now_key, now)?;
                let grace_until = now.plus_seconds(grace_seconds);
                let grace_until = match now_key.expires_at {
                    Some(expiry) => grace_until.min(expiry),
                    None => grace_until,
                };
                let keep_previous = grace_seconds > 0 && grace_until > now;
                Ok(Some(
                    ApiKeyChanges {
                        secret_hash: Some(issued.secret_hash.clone()),
                        secret_hint: Some(issued.secret.hint()),
                        previous_secret_hash: Some(keep_previous.then(|| row.secret_hash.clone())),
                        previous_secret_until: Some(keep_previous.then(|| grace_until.to_db())),
                        ..ApiKeyChanges::default()
                    }
                    .into(),
                ))
            },
        )
    })
    .await
    .map(|key| (key, secret))
}

/// Keys that cannot be rotated: a revoked key has no secret to replace, and a
/// new secret for an expired key could authenticate nothing (extend the
/// expiry first with PUT expiresAt). Checked before hashing and again at the
/// write, which may see a newer key.
fn refuse_rotation(key: &ApiKey, now: Timestamp) -> Result<(), ApiError> {
    if key.revoked_at.is_some() {
        return Err(ErrorCode::ApiKeyRevoked.into());
    }
    if key.expires_at.is_some_and(|at| at <= now) {
        return Err(ErrorCode::ApiKeyExpired.into());
    }
    Ok(())
}
