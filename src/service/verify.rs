//! Deciding whether a presented credential is valid, and for whom.

use std::collections::HashMap;
use std::sync::RwLock;

use uuid::Uuid;

use super::{convert, Keyward};
use crate::domain::{Credential, Principal, Scope, Timestamp};
use crate::error::ApiError;
use crate::secret::{self, CredentialType, Presented};
use crate::store::{api_keys, session_tokens, AnyConnection};

/// The outcome of checking a credential. Only `Valid` says anything about
/// the key behind it; a wrong secret is `NotFound`, like an unknown id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Valid(Principal),
    Malformed,
    NotFound,
    Disabled,
    Revoked,
    Expired,
}

impl Verdict {
    /// The stable code `POST /api/verify` reports.
    pub fn code(&self) -> &'static str {
        match self {
            Verdict::Valid(_) => "VALID",
            Verdict::Malformed => "MALFORMED",
            Verdict::NotFound => "NOT_FOUND",
            Verdict::Disabled => "DISABLED",
            Verdict::Revoked => "REVOKED",
            Verdict::Expired => "EXPIRED",
        }
    }
}

impl Keyward {
    /// Checks a credential as presented: format and checksum first (no I/O),
    /// then one read by id, then the secret. Key state (enabled, revoked,
    /// token expiry) is read fresh on every call.
    pub async fn check_credential(&self, presented: &str) -> Result<Verdict, ApiError> {
        self.check_credential_as(presented, None).await
    }

    /// Like `check_credential`, but a credential of another kind than
    /// `expected` (when given) counts as malformed.
    pub async fn check_credential_as(
        &self,
        presented: &str,
        expected: Option<CredentialType>,
    ) -> Result<Verdict, ApiError> {
        let Some(presented) = secret::parse(presented) else {
            return Ok(Verdict::Malformed);
        };
        if expected.is_some_and(|kind| kind != presented.kind) {
            return Ok(Verdict::Malformed);
        }
        self.blocking(move |kw, conn| match presented.kind {
            CredentialType::ApiKey => check_api_key(kw, conn, &presented),
            CredentialType::SessionToken => check_session_token(conn, &presented),
        })
        .await
    }
}

fn check_api_key(
    kw: &Keyward,
    conn: &mut AnyConnection,
    presented: &Presented,
) -> Result<Verdict, ApiError> {
    let Some(row) = api_keys::find_by_id(conn, &presented.id.to_string())? else {
        return Ok(Verdict::NotFound);
    };
    let digest = presented.secret.digest();
    if !kw.verified.is_verified(presented.id, &row.secret_hash, &digest) {
        if !kw.hasher.verify(&presented.secret, &row.secret_hash) {
            return Ok(Verdict::NotFound);
        }
        kw.verified
            .remember(presented.id, &row.secret_hash, digest);
    }
    let key = convert::api_key(row)?;
    Ok(if key.revoked_at.is_some() {
        Verdict::Revoked
    } else if !key.enabled {
        Verdict::Disabled
    } else {
        Verdict::Valid(Principal {
            account_id: key.account_id,
            key_id: key.id,
            key_name: key.name,
            role: key.role,
            credential: Credential::ApiKey,
        })
    })
}

fn check_session_token(
    conn: &mut AnyConnection,
    presented: &Presented,
) -> Result<Verdict, ApiError> {
    let Some(token) = session_tokens::find_by_id(conn, &presented.id.to_string())? else {
        return Ok(Verdict::NotFound);
    };
    let digest = secret::hex(&presented.secret.digest());
    if !secret::digests_match(digest.as_bytes(), token.token_hash.as_bytes()) {
        return Ok(Verdict::NotFound);
    }
    let Some(row) = api_keys::find_by_id(conn, &token.api_key_id)? else {
        return Ok(Verdict::NotFound);
    };
    let key = convert::api_key(row)?;
    let expires_at = Timestamp::from_db(token.expires_at);
    let scope = Scope::parse(&token.scope)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("session_tokens.scope: {e}")))?;
    Ok(if key.revoked_at.is_some() {
        Verdict::Revoked
    } else if !key.enabled {
        Verdict::Disabled
    } else if expires_at <= Timestamp::now() {
        Verdict::Expired
    } else {
        Verdict::Valid(Principal {
            account_id: key.account_id,
            key_id: key.id,
            key_name: key.name,
            role: key.role,
            credential: Credential::SessionToken {
                id: presented.id,
                scope,
                expires_at,
            },
        })
    })
}

/// Remembers which (key id, presented secret) pairs passed argon2 against
/// which stored hash, so a key in steady use is hashed once, not per request.
/// Safe because an entry is only used when the stored hash is unchanged, and
/// the key's state is still read on every request. Bounded: when full it is
/// emptied and refills from traffic.
#[derive(Default)]
pub struct VerifiedCache {
    entries: RwLock<HashMap<Uuid, VerifiedEntry>>,
}

struct VerifiedEntry {
    phc: String,
    digest: [u8; 32],
}

const CACHE_CAPACITY: usize = 100_000;

impl VerifiedCache {
    pub fn is_verified(&self, id: Uuid, phc: &str, digest: &[u8; 32]) -> bool {
        match self.entries.read() {
            Ok(entries) => entries.get(&id).is_some_and(|entry| {
                entry.phc == phc && secret::digests_match(&entry.digest, digest)
            }),
            Err(_) => false,
        }
    }

    pub fn remember(&self, id: Uuid, phc: &str, digest: [u8; 32]) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= CACHE_CAPACITY {
                entries.clear();
            }
            entries.insert(
                id,
                VerifiedEntry {
                    phc: phc.to_owned(),
                    digest,
                },
            );
        }
    }
}
