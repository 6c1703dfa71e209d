//! Invitations: an owner invites someone by email to be a member of an
//! account with a role; whoever holds the one-time token accepts it, which
//! creates the user or adds the membership to the user that has the
//! address. There is no mail server: the owner hands the token over.

use std::net::IpAddr;

use diesel::Connection;
use uuid::Uuid;

use super::paging::{self, CreatedPosition, Page, PageAsked};
use super::{convert, write, Asked, Keyward};
use crate::domain::permission::Action;
use crate::domain::{
    Email, Invitation, Membership, Password, PersonName, Principal, Role, Timestamp, User, UserId,
};
use crate::error::{ApiError, ErrorCode};
use crate::secret::{self, Secret, SecretKind};
use crate::store::models::{InvitationRow, MembershipRow, UserRow};
use crate::store::{accounts, invitations, is_unique_violation, memberships, users, AnyConnection};

/// An invitation to make.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub email: Email,
    pub role: Role,
}

/// An acceptance as asked: the name of a new user (checked, but not used,
/// for a user that exists) and the password (a new user's, or the existing user's own).
#[derive(Debug, Clone)]
pub struct Acceptance {
    pub name: String,
    pub password: String,
}

/// Invites `email` to the account with `role`, for a caller who may manage
/// its members; the token is in the answer only. `409 MEMBERSHIP_EXISTS`
/// when the address is a member already. An address has one invitation to
/// an account at a time: a new one replaces the one before, whose token
/// stops working (a changed role, or a token the owner lost). Expired
/// invitations of the account are cleared on the way.
pub async fn create(
    kw: &Keyward,
    caller: &Principal,
    account_id: &str,
    asked: Asked<NewInvitation>,
) -> Result<(Invitation, Secret), ApiError> {
    let account = kw
        .authorize(caller, account_id, Action::InviteMember)
        .await?;
    let NewInvitation { email, role } = asked?;
    let id = Uuid::new_v4();
    let token = Secret::generate(SecretKind::Invitation, id);
    let now = Timestamp::now();
    let invitation = Invitation {
        id,
        account_id: account,
        email,
        role,
        created_at: now,
        created_by: caller.crn(),
        expires_at: now.plus_seconds(kw.limits.invitation_lifetime_seconds),
    };
    let row = InvitationRow {
        id: id.to_string(),
        account_id: invitation.account_id.as_str().to_owned(),
        email: invitation.email.as_str().to_owned(),
        role: role.as_str().to_owned(),
        token_hash: secret::hex(&token.digest()),
        created_at: now.to_db(),
        created_by: invitation.created_by.as_str().to_owned(),
        expires_at: invitation.expires_at.to_db(),
        email_lower: invitation.email.lower().to_owned(),
    };
    let caller = caller.clone();
    kw.blocking(move |kw, conn| {
        let account = row.account_id.clone();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let made = write::as_caller(kw, conn, &caller, &account, None, |conn, _| {
                replace_invitation(conn, &row, now)
            });
            match made {
                // Another invitation of the address was made at the same
                // moment (PostgreSQL; SQLite writes one at a time). It is
                // committed now: trying again replaces it, as if the two
                // had come one after the other.
                Err(ApiError::Code(ErrorCode::ConcurrentModification))
                    if attempts < INVITE_ATTEMPTS => {}
                other => return other,
            }
        }
    })
    .await?;
    Ok((invitation, token))
}

/// How often an invitation is tried when others of the same address keep
/// being made at the same moment; past it, `409 CONCURRENT_MODIFICATION`.
const INVITE_ATTEMPTS: usize = 5;

/// In the caller's transaction: refuses an address that is a member
/// already, clears the account's expired invitations and the address's
/// pending one, and writes `row`.
fn replace_invitation(
    conn: &mut AnyConnection,
    row: &InvitationRow,
    now: Timestamp,
) -> Result<(), ApiError> {
    if let Some(user) = users::find_by_email(conn, &row.email_lower)? {
        if memberships::find(conn, &user.id, &row.account_id)?.is_some() {
            return Err(ErrorCode::MembershipExists.into());
        }
    }
    invitations::delete_expired(conn, &row.account_id, now.to_db())?;
    invitations::delete_for_email(conn, &row.account_id, &row.email_lower)?;
    match invitations::insert(conn, row) {
        Ok(()) => Ok(()),
        Err(e)
            if is_unique_violation(&e, invitations::EMAIL_INDEX)
                || is_unique_violation(&e, invitations::EMAIL_COLUMN) =>
        {
            Err(ErrorCode::ConcurrentModification.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// A page of the account's pending invitations, oldest first.
pub async fn list(
    kw: &Keyward,
    caller: &Principal,
    account_id: &str,
    asked: Asked<PageAsked>,
) -> Result<Page<Invitation>, ApiError> {
    let account = kw
        .authorize(caller, account_id, Action::ListMembers)
        .await?;
    let list = format!("invitations:{account}");
    let (limit, after) = paging::open::<CreatedPosition>(&asked?, &list, paging::DEFAULT_LIMIT)?;
    kw.blocking(move |_, conn| {
        let now = Timestamp::now().to_db();
        let after = after.map(|p| (p.created_at, p.id));
        let rows = invitations::pending(conn, account.as_str(), now, after, limit + 1)?;
        let page = paging::close(rows, limit, &list, |row| {
            Ok(CreatedPosition::new(row.created_at, &row.id))
        })?;
        page.try_map(convert::invitation)
    })
    .await
}

/// Withdraws a pending invitation of the account.
pub async fn withdraw(
    kw: &Keyward,
    caller: &Principal,
    account_id: &str,
    invitation_id: &str,
) -> Result<(), ApiError> {
    let account = kw
        .authorize(caller, account_id, Action::InviteMember)
        .await?;
    let Ok(id) = Uuid::try_parse(invitation_id) else {
        return Err(ErrorCode::InvitationNotFound.into());
    };
    let caller = caller.clone();
    kw.blocking(move |kw, conn| {
        write::as_caller(kw, conn, &caller, account.as_str(), None, |conn, _| {
            match invitations::delete(conn, account.as_str(), &id.to_string())? {
                true => Ok(()),
                false => Err(ErrorCode::InvitationNotFound.into()),
            }
        })
    })
    .await
}

/// Accepts the invitation whose token is `token`: creates the user with
/// the name and password asked (which must pass the password policy), or,
/// when a user has the invited address, adds the membership to it once
/// `password` is shown to be that user's (under the sign-in throttle).
/// The invitation is used up. `404 INVITATION_NOT_FOUND`, one answer for
/// every token that is not a pending invitation's. Accepting signs no one in.
pub async fn accept(
    kw: &Keyward,
    token: &str,
    asked: Asked<Acceptance>,
    client: Option<IpAddr>,
) -> Result<(User, Membership), ApiError> {
    let not_found = || ApiError::from(ErrorCode::InvitationNotFound);
    let (id, token) = secret::parse_as(SecretKind::Invitation, token).ok_or_else(not_found)?;
    let presented = secret::hex(&token.digest());
    let found = kw
        .blocking(move |_, conn| {
            let Some(row) = invitations::find(conn, &id.to_string())? else {
                return Ok(None);
            };
            let live = secret::digests_match(presented.as_bytes(), row.token_hash.as_bytes())
                && row.expires_at > Timestamp::now().to_db();
            if !live {
                return Ok(None);
            }
            let email = Email::from_trusted(row.email.clone());
            let user = users::find_by_email(conn, email.lower())?;
            Ok(Some((row, user)))
        })
        .await?;
    let (invitation, existing) = found.ok_or_else(not_found)?;
    let Acceptance { name, password } = asked?;
    // Required and checked in both cases, though a user that exists keeps
    // its own name.
    let name = PersonName::parse(&name)?;
    let email = Email::from_trusted(invitation.email.clone());
    let user = match existing {
        Some(_) => {
            let password = Password::presented(password);
            Err(kw.check_password(&email, password, client).await?)
        }
        None => {
            let password = Password::new_for(password, &email)?;
            let hash = kw
                .passwords(move |passwords| passwords.hash(&password))
                .await?
                .map_err(|e| ApiError::internal(anyhow::anyhow!("hashing a password: {e}")))?;
            Ok(UserRow {
                id: UserId::generate().as_str().to_owned(),
                email: email.as_str().to_owned(),
                email_lower: email.lower().to_owned(),
                name: name.as_str().to_owned(),
                password_hash: hash,
                created_at: Timestamp::now().to_db(),
                last_login_at: None,
            })
        }
    };
    kw.blocking(move |_, conn| conn.transaction(|conn| use_up(conn, &invitation, user)))
        .await
}

/// In one transaction: deletes the invitation (someone else used it first
/// if it is gone), creates the user if it is new (`Ok`) or takes the one
/// that exists (`Err`), and adds the membership the invitation offers.
fn use_up(
    conn: &mut AnyConnection,
    invitation: &InvitationRow,
    user: Result<UserRow, UserRow>,
) -> Result<(User, Membership), ApiError> {
    if !invitations::delete(conn, &invitation.account_id, &invitation.id)? {
        return Err(ErrorCode::InvitationNotFound.into());
    }
    let user = match user {
        Ok(new) => match users::insert(conn, &new) {
            Ok(()) => new,
            // The address became a user's since the invitation was read:
            // the request can be made again, as that user.
            Err(e)
                if is_unique_violation(&e, users::EMAIL_INDEX)
                    || is_unique_violation(&e, users::EMAIL_COLUMN) =>
            {
                return Err(ErrorCode::ConcurrentModification.into())
            }
            Err(e) => return Err(e.into()),
        },
        Err(existing) => existing,
    };
    if memberships::find(conn, &user.id, &invitation.account_id)?.is_some() {
        return Err(ErrorCode::MembershipExists.into());
    }
    let account = accounts::find(conn, &invitation.account_id)?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("an invitation's account is gone")))?;
    let membership = MembershipRow {
        user_id: user.id.clone(),
        account_id: invitation.account_id.clone(),
        role: invitation.role.clone(),
        created_at: Timestamp::now().to_db(),
        created_by: invitation.created_by.clone(),
    };
    match memberships::insert(conn, &membership) {
        Ok(()) => {}
        // Another invitation for the same user and account was accepted
        // meanwhile.
        Err(e) if is_unique_violation(&e, memberships::KEY) => {
            return Err(ErrorCode::MembershipExists.into())
        }
        Err(e) => return Err(e.into()),
    }
    let listed = (
        membership,
        user.email.clone(),
        user.name.clone(),
        account.name,
    );
    Ok((convert::user(user), convert::membership(listed)?))
}
