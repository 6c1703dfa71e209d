//! Signing in with an email and a password, the session that follows (the
//! dashboard's cookie), checking that session on every request it comes
//! with, and signing out.
//!
//! A session is read from the database on every request, with the user's
//! memberships: dashboard traffic, not the hot path of keys, and a removal
//! or sign-out then applies to the very next request on every instance.

use std::net::IpAddr;

use diesel::Connection;
use sha2::{Digest, Sha256};
use time::PrimitiveDateTime;
use uuid::Uuid;

use super::{convert, Asked, Keyward};
use crate::domain::{AccountId, Email, Grant, Password, Principal, Role, Timestamp, User};
use crate::domain::{UserId, UserPrincipal};
use crate::error::{ApiError, ErrorCode};
use crate::secret::{self, Secret, SecretKind};
use crate::store::models::{MembershipRow, UserRow, UserSessionRow};
use crate::store::{memberships, user_sessions, users};

/// A sign-in as asked.
#[derive(Debug, Clone)]
pub struct SignIn {
    pub email: Email,
    pub password: Password,
}

/// A user signed in, and the token of its new session (the cookie), which
/// is not stored and not shown again.
#[derive(Debug)]
pub struct SignedIn {
    pub user: User,
    pub token: Secret,
}

/// The longest a session's last use is left unrecorded: a use moves
/// `last_seen_at` only when it is older than this (or than half the idle
/// lifetime, when that is shorter), so a busy session is not a write per
/// request.
const TOUCH_EVERY_SECONDS: i64 = 60;

/// When a session has ended: past its absolute lifetime, or unused for the
/// idle lifetime. The one rule, for authenticating a cookie, for the
/// re-check under lock of a write (`write::as_caller`) and for the sweep
/// of a user's ended sessions at sign-in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cutoffs {
    pub now: PrimitiveDateTime,
    /// A session last seen at or before this is idle.
    pub idle_since: PrimitiveDateTime,
}

impl Cutoffs {
    pub(crate) fn at(now: Timestamp, idle_seconds: i64) -> Self {
        Self {
            now: now.to_db(),
            idle_since: now.plus_seconds(-idle_seconds).to_db(),
        }
    }

    pub(crate) fn ended(&self, session: &UserSessionRow) -> bool {
        session.expires_at <= self.now || session.last_seen_at <= self.idle_since
    }
}

/// The key a sign-in is throttled under for its email: the SHA-256 of the
/// lower-cased address, so that the throttle keeps no addresses.
pub(crate) fn email_key(email: &Email) -> [u8; 32] {
    Sha256::digest(email.lower().as_bytes()).into()
}

/// Signs in: the same `401 INVALID_EMAIL_OR_PASSWORD` after the same work
/// for an address no user has and for a wrong password (the presented
/// password is checked against a decoy hash of the same cost); `429` once
/// the email or the client's address is over its limit of failures, before
/// any hashing, whatever the password.
pub async fn sign_in(
    kw: &Keyward,
    asked: Asked<SignIn>,
    client: Option<IpAddr>,
) -> Result<SignedIn, ApiError> {
    let SignIn { email, password } = asked?;
    let user = kw.check_password(&email, password, client).await?;
    let id = Uuid::new_v4();
    let token = Secret::generate(SecretKind::UserSession, id);
    let now = Timestamp::now();
    let row = UserSessionRow {
        id: id.to_string(),
        user_id: user.id.clone(),
        token_hash: secret::hex(&token.digest()),
        created_at: now.to_db(),
        last_seen_at: now.to_db(),
        expires_at: now
            .plus_seconds(kw.limits.user_session_lifetime_seconds)
            .to_db(),
    };
    let cutoffs = Cutoffs::at(now, kw.limits.user_session_idle_seconds);
    let user = kw
        .blocking(move |_, conn| {
            conn.transaction(|conn| {
                // The update locks the user's row first, as a password
                // change does: a change that committed since the password
                // was checked shows in the row read after it, and one that
                // comes later waits and then ends this session too.
                users::set_last_login(conn, &user.id, now.to_db())?;
                let current = users::find(conn, &user.id)?;
                if current.is_none_or(|current| current.password_hash != user.password_hash) {
                    return Err(ErrorCode::InvalidEmailOrPassword.into());
                }
                user_sessions::delete_ended(conn, &user.id, cutoffs.now, cutoffs.idle_since)?;
                user_sessions::insert(conn, &row)?;
                Ok::<_, ApiError>(UserRow {
                    last_login_at: Some(now.to_db()),
                    ..user
                })
            })
        })
        .await?;
    kw.metrics.sign_in("signed_in");
    Ok(SignedIn {
        user: convert::user(user),
        token,
    })
}

/// Ends the caller's session. Only a signed-in user has one.
pub async fn sign_out(kw: &Keyward, caller: &Principal) -> Result<(), ApiError> {
    let Principal::User(user) = caller else {
        return Err(ErrorCode::Forbidden.into());
    };
    let id = user.session_id.to_string();
    kw.blocking(move |_, conn| Ok(user_sessions::delete(conn, &id)?))
        .await
        .map(drop)
}

/// What a session cookie led to.
enum Found {
    /// No session has this id, or its token is not the one stored: counted
    /// as a failed authentication, like a wrong key.
    Unknown,
    /// The session was real but has ended (idle or past its lifetime).
    Ended,
    Live(String, Vec<MembershipRow>),
}

impl Keyward {
    /// Checks the password of the user with address `email`, against the
    /// decoy when there is none, under the sign-in throttle: the user's row
    /// when it matches. The attempt is counted before the hashing and given
    /// back only when the password matches, so parallel guesses cannot pass
    /// the limit; an attempt that ends in an error of ours (the database,
    /// the hashing queue full) stays counted too, as a guesser could
    /// otherwise provoke such errors to try for free.
    pub(crate) async fn check_password(
        &self,
        email: &Email,
        password: Password,
        client: Option<IpAddr>,
    ) -> Result<UserRow, ApiError> {
        let attempt = match self.sign_ins.attempt(client, email_key(email)) {
            Ok(attempt) => attempt,
            Err(wait) => return Err(self.refuse_sign_in(wait).await),
        };
        let lower = email.lower().to_owned();
        let found = self
            .blocking(move |_, conn| Ok(users::find_by_email(conn, &lower)?))
            .await?;
        let hash = found.as_ref().map(|user| user.password_hash.clone());
        let matches = self
            .passwords(move |passwords| match hash {
                Some(hash) => passwords.verify(&password, &hash),
                None => passwords.verify_decoy(&password),
            })
            .await?;
        self.metrics.password_checked();
        match found {
            Some(user) if matches => {
                attempt.succeeded();
                Ok(user)
            }
            _ => {
                drop(attempt);
                self.metrics.sign_in("refused");
                Err(ErrorCode::InvalidEmailOrPassword.into())
            }
        }
    }

    /// The 429 of a throttled sign-in, after the tarpit's pause.
    async fn refuse_sign_in(&self, wait: u64) -> ApiError {
        self.metrics.sign_in("throttled");
        actix_web::rt::time::sleep(self.sign_ins.tarpit()).await;
        ApiError::SignInThrottled(wait)
    }

    /// The signed-in user behind the session cookie `cookie`, sent from
    /// `client`, with its memberships as they are now (those on a suspended
    /// chain left out). `401 Invalid authentication` when the cookie is not
    /// a live session's; a cookie that is malformed, unknown or wrong counts
    /// against the address as a failed authentication does.
    pub async fn authenticate_user(
        &self,
        cookie: &str,
        client: Option<IpAddr>,
    ) -> Result<UserPrincipal, ApiError> {
        let Some((id, token)) = secret::parse_as(SecretKind::UserSession, cookie) else {
            return Err(self.session_failed(client).await);
        };
        let presented = secret::hex(&token.digest());
        let idle = self.limits.user_session_idle_seconds;
        let found = self
            .blocking(move |_, conn| {
                let Some(session) = user_sessions::find(conn, &id.to_string())? else {
                    return Ok(Found::Unknown);
                };
                if !secret::digests_match(presented.as_bytes(), session.token_hash.as_bytes()) {
                    return Ok(Found::Unknown);
                }
                let now = Timestamp::now();
                if Cutoffs::at(now, idle).ended(&session) {
                    return Ok(Found::Ended);
                }
                let last_seen = Timestamp::from_db(session.last_seen_at);
                if last_seen.plus_seconds(TOUCH_EVERY_SECONDS.min(idle / 2)) <= now {
                    user_sessions::touch(conn, &session.id, now.to_db())?;
                }
                let held = memberships::of_user(conn, &session.user_id)?;
                Ok(Found::Live(session.user_id, held))
            })
            .await?;
        let (user_id, held) = match found {
            Found::Unknown => return Err(self.session_failed(client).await),
            Found::Ended => return Err(ErrorCode::InvalidAuthentication.into()),
            Found::Live(user_id, held) => (user_id, held),
        };
        let mut grants = Vec::with_capacity(held.len());
        for membership in held {
            let account_id = AccountId::from_trusted(membership.account_id);
            let role = Role::parse(&membership.role).map_err(|e| {
                ApiError::internal(anyhow::anyhow!("a membership of {user_id}: {e}"))
            })?;
            let enabled = self
                .account_chain(&account_id)
                .await?
                .is_some_and(|chain| chain.enabled());
            if enabled {
                grants.push(Grant { account_id, role });
            }
        }
        Ok(UserPrincipal {
            user_id: UserId::from_trusted(user_id),
            session_id: id,
            grants,
        })
    }

    /// A session cookie that is no session's: counted against the address,
    /// `429` after the tarpit once it is over the limit.
    async fn session_failed(&self, client: Option<IpAddr>) -> ApiError {
        match self.throttle.fail(client, None) {
            Some(wait) => {
                self.metrics.auth_outcome("THROTTLED");
                actix_web::rt::time::sleep(self.throttle.tarpit()).await;
                ApiError::TooManyRequests(wait)
            }
            None => {
                self.metrics.auth_outcome("NOT_FOUND");
                ErrorCode::InvalidAuthentication.into()
            }
        }
    }
}
