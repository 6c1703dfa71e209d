//! Deciding whether a presented credential is valid, and for whom.

use std::net::IpAddr;
use std::sync::Arc;

use uuid::Uuid;

use super::cache::{CachedKey, CachedToken};
use super::limits::{Ask, Outcome, Standing};
use super::{Chain, Keyward};
use crate::domain::limits::KeyLimits;
use crate::domain::{AccountId, AllowedCidrs, Credential, KeyPrincipal, Scope, Timestamp};
use crate::error::{ApiError, ErrorCode};
use crate::metrics::CacheName;
use crate::secret::{self, CredentialKind, Presented, SecretHasher};
use crate::store::{api_keys, session_tokens};

/// The outcome of checking a credential. Only `Valid` says anything about
/// the key behind it; a wrong secret is `NotFound`, like an unknown id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Valid(KeyPrincipal),
    Malformed,
    NotFound,
    Disabled,
    Revoked,
    Expired,
    AccountDisabled,
    IpNotAllowed,
    RateLimited,
    UsageExceeded,
    LimitsUnavailable,
}

/// Which address a key's allowlist is held against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// This one: the client's, for a request to Keyward's own API (`None`
    /// when unknown, which no allowlist admits), or the one verify's `ip`
    /// reports.
    Address(Option<IpAddr>),
    /// None: verify without `ip`, which does not apply allowlists (the
    /// address it comes from is the asking service's, not its caller's).
    Unchecked,
}

impl Origin {
    /// Whether a key with this allowlist (`None`: none) may be used from here.
    fn admitted_by(self, allowed: Option<&AllowedCidrs>) -> bool {
        match (self, allowed) {
            (_, None) | (Origin::Unchecked, _) => true,
            (Origin::Address(addr), Some(allowed)) => allowed.admits(addr),
        }
    }
}

/// `VALID`, or why not: `MALFORMED` (not a Keyward credential of the
/// expected kind; nothing was looked up), `NOT_FOUND` (no such id, or a
/// wrong secret), `DISABLED`, `REVOKED`, `EXPIRED` or `ACCOUNT_DISABLED`
/// (the key's account or an ancestor of it is suspended, or a session
/// token was ended by such a suspension): reported only to whoever
/// presented the real secret. Then `IP_NOT_ALLOWED`: the key (or the key
/// of the session token) has an allowlist, and `ip` is outside it. Then,
/// for a valid key with limits (see
/// `limits`): `USAGE_EXCEEDED` (fewer credits left than the cost),
/// `RATE_LIMITED` (the window is full) or `LIMITS_UNAVAILABLE` (the
/// use could not be counted within the time budget, so it was refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VerifyCode {
    Valid,
    Malformed,
    NotFound,
    Disabled,
    Revoked,
    Expired,
    AccountDisabled,
    IpNotAllowed,
    RateLimited,
    UsageExceeded,
    LimitsUnavailable,
}

impl VerifyCode {
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyCode::Valid => "VALID",
            VerifyCode::Malformed => "MALFORMED",
            VerifyCode::NotFound => "NOT_FOUND",
            VerifyCode::Disabled => "DISABLED",
            VerifyCode::Revoked => "REVOKED",
            VerifyCode::Expired => "EXPIRED",
            VerifyCode::AccountDisabled => "ACCOUNT_DISABLED",
            VerifyCode::IpNotAllowed => "IP_NOT_ALLOWED",
            VerifyCode::RateLimited => "RATE_LIMITED",
            VerifyCode::UsageExceeded => "USAGE_EXCEEDED",
            VerifyCode::LimitsUnavailable => "LIMITS_UNAVAILABLE",
        }
    }
}

impl Verdict {
    /// The stable code `POST /api/verify` reports.
    pub fn code(&self) -> VerifyCode {
        match self {
            Verdict::Valid(_) => VerifyCode::Valid,
            Verdict::Malformed => VerifyCode::Malformed,
            Verdict::NotFound => VerifyCode::NotFound,
            Verdict::Disabled => VerifyCode::Disabled,
            Verdict::Revoked => VerifyCode::Revoked,
            Verdict::Expired => VerifyCode::Expired,
            Verdict::AccountDisabled => VerifyCode::AccountDisabled,
            Verdict::IpNotAllowed => VerifyCode::IpNotAllowed,
            Verdict::RateLimited => VerifyCode::RateLimited,
            Verdict::UsageExceeded => VerifyCode::UsageExceeded,
            Verdict::LimitsUnavailable => VerifyCode::LimitsUnavailable,
        }
    }
}

impl Keyward {
    /// `POST /api/verify`: the verdict on a credential of the kind given,
    /// used from `origin` (its allowlist applies only to a reported
    /// address) and, for a valid key with limits, its use counted at `cost`
    /// credits (0 only looks), with where its limits stand. Counted in the
    /// key's usage with the code it answers (see `usage`).
    pub async fn verify(
        &self,
        presented: &str,
        kind: CredentialKind,
        client: Option<IpAddr>,
        origin: Origin,
        cost: i64,
    ) -> Result<(Verdict, Standing), ApiError> {
        let mut named = None;
        let answer = match self
            .check_credential_as(presented, Some(kind), client, origin, &mut named)
            .await
        {
            Ok(Verdict::Valid(principal)) => {
                let admission =
                    (self.admit(principal.key_id, principal.limits, Ask::verify(cost))).await;
                let verdict = match admission.outcome {
                    Outcome::Admitted => Verdict::Valid(principal),
                    Outcome::RateLimited => Verdict::RateLimited,
                    Outcome::UsageExceeded => Verdict::UsageExceeded,
                    Outcome::Unavailable => Verdict::LimitsUnavailable,
                };
                Ok((verdict, admission.standing))
            }
            Ok(verdict) => Ok((verdict, Standing::default())),
            Err(e) => Err(e),
        };
        self.count_use(
            named.as_deref(),
            answer.as_ref().map(|(verdict, _)| verdict),
        );
        answer
    }

    /// Authenticates a request to this API with the credential `presented`
    /// from the address `client`: one answer (401 `Invalid authentication`)
    /// for every refusal, so a caller cannot tell which it was, but one: a
    /// right credential from outside its key's allowlist is 403
    /// `IP_NOT_ALLOWED`, which only its holder can learn. A key with a
    /// rate limit (or a session token of one) spends a use of it on every
    /// request: over the limit, 429 with `Retry-After`; not counted within
    /// the time budget, 503. Requests never spend credits; only verify
    /// does. Counted in the key's usage like a verify.
    pub async fn authenticate(
        &self,
        presented: &str,
        client: Option<IpAddr>,
    ) -> Result<KeyPrincipal, ApiError> {
        let mut named = None;
        let mut checked = self
            .check_credential_as(presented, None, client, Origin::Address(client), &mut named)
            .await;
        let mut reset_at = None;
        if let Ok(Verdict::Valid(principal)) = &checked {
            if let Some(rate) = principal.limits.rate {
                let limits = KeyLimits {
                    rate: Some(rate),
                    credits: None,
                };
                let admission = self.admit(principal.key_id, limits, Ask::request()).await;
                reset_at = admission.standing.rate.map(|r| r.reset_at);
                match admission.outcome {
                    Outcome::RateLimited => checked = Ok(Verdict::RateLimited),
                    // Not counted in time: not admitted (see `limits`).
                    Outcome::Unavailable => checked = Ok(Verdict::LimitsUnavailable),
                    Outcome::Admitted | Outcome::UsageExceeded => {}
                }
            }
        }
        self.count_use(named.as_deref(), checked.as_ref());
        match checked? {
            Verdict::Valid(principal) => Ok(principal),
            Verdict::RateLimited => Err(ApiError::RateLimited(seconds_until(reset_at))),
            Verdict::LimitsUnavailable => Err(ErrorCode::ServiceUnavailable.into()),
            // Only whoever holds a right secret gets this far.
            Verdict::IpNotAllowed => Err(ErrorCode::IpNotAllowed.into()),
            _ => Err(ErrorCode::InvalidAuthentication.into()),
        }
    }

    /// Checks a credential as presented: format and checksum first (no I/O),
    /// then the key's state (cached, see `cache`), then the secret (argon2,
    /// once per key and secret on each instance, off the async workers),
    /// then the key's own state, then its account's chain (cached too),
    /// then the key's allowlist, held against `origin`. `client` is the
    /// caller's address, for throttling failures by address. A credential
    /// of another kind than `expected` (when given) counts as malformed.
    /// `named` is set to the key the credential names once it is found to
    /// exist (for an API key, also with a wrong secret; for a session
    /// token, once its secret matched): what its use counts against.
    async fn check_credential_as(
        &self,
        presented: &str,
        expected: Option<CredentialKind>,
        client: Option<IpAddr>,
        origin: Origin,
        named: &mut Option<Arc<CachedKey>>,
    ) -> Result<Verdict, ApiError> {
        let outcome = self.check(presented, expected, client, origin, named).await;
        match &outcome {
            Ok(verdict) => self.metrics.auth_outcome(verdict.code().as_str()),
            Err(ApiError::TooManyRequests(_)) => {
                self.metrics.auth_outcome("THROTTLED");
                actix_web::rt::time::sleep(self.throttle.tarpit()).await;
            }
            Err(_) => self.metrics.auth_outcome("ERROR"),
        }
        outcome
    }

    async fn check(
        &self,
        presented: &str,
        expected: Option<CredentialKind>,
        client: Option<IpAddr>,
        origin: Origin,
        named: &mut Option<Arc<CachedKey>>,
    ) -> Result<Verdict, ApiError> {
        let parsed =
            secret::parse(presented).filter(|p| expected.is_none_or(|kind| kind == p.kind));
        let Some(presented) = parsed else {
            self.failed(client, None)?;
            return Ok(Verdict::Malformed);
        };
        match presented.kind {
            CredentialKind::ApiKey => (self.check_api_key(&presented, client, origin, named)).await,
            CredentialKind::SessionToken => {
                (self.check_session_token(&presented, client, origin, named)).await
            }
        }
    }

    /// Counts a failure once a credential is known to be wrong, and turns it
    /// into a 429 once the address or the key id is over the limit. Nothing
    /// else consults the throttle, so a right credential is never refused
    /// for what others did from its address or to its id.
    fn failed(&self, client: Option<IpAddr>, id: Option<Uuid>) -> Result<(), ApiError> {
        match self.throttle.fail(client, id) {
            Some(seconds) => Err(ApiError::TooManyRequests(seconds)),
            None => Ok(()),
        }
    }

    async fn check_api_key(
        &self,
        presented: &Presented,
        client: Option<IpAddr>,
        origin: Origin,
        named: &mut Option<Arc<CachedKey>>,
    ) -> Result<Verdict, ApiError> {
        let now = Timestamp::now();
        let key = self.key_state(presented.id).await?;
        named.clone_from(&key);
        let matched = match &key {
            Some(key) => self.secret_matches(presented, key, now).await?,
            None => {
                // The same work as a wrong secret for a key that exists, so
                // neither the answer nor its time tells whether the id does.
                let secret = presented.secret.clone();
                self.hash(self.hasher.is_cheap(), move |hasher| {
                    hasher.verify_decoy(&secret)
                })
                .await?
            }
        };
        let Some(key) = key.filter(|_| matched) else {
            self.failed(client, Some(presented.id))?;
            return Ok(Verdict::NotFound);
        };
        if let Some(refusal) = key_verdict(&key, now) {
            return Ok(refusal);
        }
        let Some(chain) = self.account_chain(&key.account_id).await? else {
            return Ok(Verdict::NotFound);
        };
        if !chain.enabled() {
            return Ok(Verdict::AccountDisabled);
        }
        // Last: only whoever holds the secret of a key that would work
        // elsewhere learns that the address is what stands in the way.
        if !origin.admitted_by(key.allowed_cidrs.as_ref()) {
            return Ok(Verdict::IpNotAllowed);
        }
        self.last_used.record(key.id, now);
        Ok(Verdict::Valid(principal(&key, &chain, Credential::ApiKey)))
    }

    async fn check_session_token(
        &self,
        presented: &Presented,
        client: Option<IpAddr>,
        origin: Origin,
        named: &mut Option<Arc<CachedKey>>,
    ) -> Result<Verdict, ApiError> {
        let digest = secret::hex(&presented.secret.digest());
        let token = match self.token_state(presented.id).await? {
            Some(token)
                if secret::digests_match(digest.as_bytes(), token.token_hash.as_bytes()) =>
            {
                token
            }
            _ => {
                self.failed(client, None)?;
                return Ok(Verdict::NotFound);
            }
        };
        let Some(key) = self.key_state(token.api_key_id).await? else {
            return Ok(Verdict::NotFound);
        };
        *named = Some(Arc::clone(&key));
        let ended_by_disable = token.key_disables != key.disables;
        let now = Timestamp::now();
        let Some(chain) = self.account_chain(&key.account_id).await? else {
            return Ok(Verdict::NotFound);
        };
        // A token minted on a descendant's path answers to that account's
        // chain, which runs through its key's account.
        let descendant = match &token.account_id {
            Some(account) => match self.account_chain(account).await? {
                Some(descendant) => Some(descendant),
                None => return Ok(Verdict::NotFound),
            },
            None => None,
        };
        let minted_on = descendant.as_ref().unwrap_or(&chain);
        let ended_by_suspension = token.account_suspensions != minted_on.suspensions();
        Ok(if let Some(refusal) = key_verdict(&key, now) {
            refusal
        } else if ended_by_disable {
            Verdict::Disabled
        } else if !minted_on.enabled() || ended_by_suspension {
            Verdict::AccountDisabled
        } else if token.expires_at <= now {
            Verdict::Expired
        } else if !origin.admitted_by(key.allowed_cidrs.as_ref()) {
            // The key's allowlist as it is now, not as it was at the mint.
            Verdict::IpNotAllowed
        } else {
            self.last_used.record(key.id, now);
            let credential = Credential::SessionToken {
                id: presented.id,
                scope: token.scope,
                expires_at: token.expires_at,
            };
            Verdict::Valid(principal(&key, &chain, credential))
        })
    }

    /// The key's state from the cache, or from the database (then cached);
    /// concurrent misses for one key share one read.
    async fn key_state(&self, id: Uuid) -> Result<Option<Arc<CachedKey>>, ApiError> {
        let load = async move {
            let row = self
                .blocking(move |_, conn| Ok(api_keys::find_by_id(conn, &id.to_string())?))
                .await?;
            row.map(CachedKey::from_row).transpose()
        };
        let (key, hit) = self.cache.key(id, load).await?;
        self.metrics.cache_lookup(CacheName::Key, hit);
        Ok(key)
    }

    async fn token_state(&self, id: Uuid) -> Result<Option<Arc<CachedToken>>, ApiError> {
        let cached = self.cache.token(&id);
        self.metrics
            .cache_lookup(CacheName::Token, cached.is_some());
        if let Some(token) = cached {
            return Ok(Some(token));
        }
        let read_at = self.cache.token_generation();
        let row = self
            .blocking(move |_, conn| Ok(session_tokens::find_by_id(conn, &id.to_string())?))
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let corrupt =
            |what: &str| ApiError::internal(anyhow::anyhow!("session_tokens.{what} of {id}"));
        let cached = Arc::new(CachedToken {
            api_key_id: Uuid::try_parse(&row.api_key_id).map_err(|_| corrupt("api_key_id"))?,
            key_disables: row.key_disables,
            account_suspensions: row.account_suspensions,
            account_id: row.account_id.map(AccountId::from_trusted),
            token_hash: row.token_hash,
            scope: Scope::parse(&row.scope).map_err(|_| corrupt("scope"))?,
            expires_at: Timestamp::from_db(row.expires_at),
        });
        self.cache.store_token(id, Arc::clone(&cached), read_at);
        Ok(Some(cached))
    }

    /// Whether the presented secret matches one of the key's live hashes:
    /// from the verified map when this secret already passed against one of
    /// them, else by argon2 (then remembered).
    async fn secret_matches(
        &self,
        presented: &Presented,
        key: &CachedKey,
        now: Timestamp,
    ) -> Result<bool, ApiError> {
        let digest = presented.secret.digest();
        let verified = self.cache.is_verified(key, &digest, now);
        self.metrics.cache_lookup(CacheName::Verified, verified);
        if verified {
            return Ok(true);
        }
        let candidates: Vec<String> = key.live_hashes(now).map(str::to_owned).collect();
        let cheap = candidates
            .iter()
            .all(|phc| SecretHasher::is_cheap_to_verify(phc));
        let secret = presented.secret.clone();
        let matched = self
            .hash(cheap, move |hasher| {
                candidates
                    .into_iter()
                    .find(|phc| hasher.verify(&secret, phc))
            })
            .await?;
        if let Some(phc) = &matched {
            self.cache.remember_verified(key.id, phc, digest);
        }
        Ok(matched.is_some())
    }
}

/// Why a key with a matching secret is still refused, if it is: revocation
/// first (it is final), then expiry, then the reversible switch.
fn key_verdict(key: &CachedKey, now: Timestamp) -> Option<Verdict> {
    if key.revoked {
        Some(Verdict::Revoked)
    } else if key.expires_at.is_some_and(|at| at <= now) {
        Some(Verdict::Expired)
    } else if !key.enabled {
        Some(Verdict::Disabled)
    } else {
        None
    }
}

/// Whole seconds from now until `at`, at least 1 (what `Retry-After` says).
fn seconds_until(at: Option<Timestamp>) -> u64 {
    let now = Timestamp::now().unix_seconds();
    let at = at.map_or(now, Timestamp::unix_seconds);
    u64::try_from(at - now).unwrap_or(0).max(1)
}

fn principal(key: &CachedKey, chain: &Chain, credential: Credential) -> KeyPrincipal {
    KeyPrincipal {
        account_id: key.account_id.clone(),
        parent_account_id: chain.parent().cloned(),
        key_id: key.id,
        key_name: key.name.clone(),
        role: key.role,
        credential,
        limits: key.limits,
        context: key.context.clone(),
    }
}
