//! A signed-in user's own affairs: who it is and what it is a member of,
//! and changing its password. Also the command line's first user.

use std::net::IpAddr;

use diesel::Connection;

use super::{convert, Asked, Keyward};
use crate::domain::{
    AccountId, Crn, Email, Membership, Password, PersonName, Principal, Role, Timestamp, User,
    UserId,
};
use crate::error::{ApiError, ErrorCode};
use crate::passwords::PasswordHasher;
use crate::store::models::{MembershipRow, UserRow};
use crate::store::{
    accounts, is_unique_violation, memberships, user_sessions, users, AnyConnection,
};

/// A change of one's own password, as asked.
#[derive(Debug, Clone)]
pub struct PasswordChange {
    pub current: Password,
    /// Checked against the policy once the user's address is known.
    pub new: String,
}

/// The signed-in user and its memberships, oldest first. Only a user has
/// these: a key is refused (`/api/me` answers a key with the key).
pub async fn me(kw: &Keyward, caller: &Principal) -> Result<(User, Vec<Membership>), ApiError> {
    let Principal::User(me) = caller else {
        return Err(ErrorCode::Forbidden.into());
    };
    let id = me.user_id.as_str().to_owned();
    kw.blocking(move |_, conn| {
        let user = users::find(conn, &id)?.ok_or(ErrorCode::InvalidAuthentication)?;
        let listed = memberships::listed_of_user(conn, &id)?;
        let memberships = listed
            .into_iter()
            .map(convert::membership)
            .collect::<Result<_, _>>()?;
        Ok((convert::user(user), memberships))
    })
    .await
}

/// Changes the caller's password, once its current one checks out (under
/// the sign-in throttle, as a sign-in), and ends its other sessions; this
/// one goes on.
pub async fn change_password(
    kw: &Keyward,
    caller: &Principal,
    asked: Asked<PasswordChange>,
    client: Option<IpAddr>,
) -> Result<(), ApiError> {
    let Principal::User(me) = caller else {
        return Err(ErrorCode::Forbidden.into());
    };
    let PasswordChange { current, new } = asked?;
    let id = me.user_id.as_str().to_owned();
    let row = kw
        .blocking(move |_, conn| Ok(users::find(conn, &id)?))
        .await?
        .ok_or(ErrorCode::InvalidAuthentication)?;
    let email = Email::from_trusted(row.email.clone());
    let new = Password::new_for(new, &email)?;
    let checked = kw.check_password(&email, current, client).await;
    match checked {
        Ok(user) if user.id == row.id => {}
        // The address is the caller's own, so a mismatch is the password.
        Err(ApiError::Code(ErrorCode::InvalidEmailOrPassword)) | Ok(_) => {
            return Err(ErrorCode::CurrentPasswordIncorrect.into())
        }
        Err(other) => return Err(other),
    }
    let hash = kw
        .passwords(move |passwords| passwords.hash(&new))
        .await?
        .map_err(|e| ApiError::internal(anyhow::anyhow!("hashing a password: {e}")))?;
    let session = me.session_id.to_string();
    kw.blocking(move |_, conn| {
        conn.transaction(|conn| {
            // The update first: it locks the user's row, which a sign-in
            // in flight locks too (see `sessions::sign_in`).
            users::set_password(conn, &row.id, &hash)?;
            user_sessions::find(conn, &session)?.ok_or(ErrorCode::InvalidAuthentication)?;
            user_sessions::delete_others(conn, &row.id, &session)?;
            Ok(())
        })
    })
    .await
}

/// Creates a user who is a member of `account` with `role`, as the command
/// line does for the first person: recorded as created by the command line.
/// Blocking start-up style code; `password` has passed the policy.
pub fn create_member(
    conn: &mut AnyConnection,
    passwords: &PasswordHasher,
    email: &Email,
    name: &PersonName,
    password: &Password,
    account: &AccountId,
    role: Role,
) -> Result<(User, Membership), ApiError> {
    let account_row = accounts::find(conn, account.as_str())?
        .ok_or_else(|| ApiError::BadRequest(format!("no account {account}")))?;
    let hash = passwords
        .hash(password)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("hashing a password: {e}")))?;
    let now = Timestamp::now().to_db();
    let user = UserRow {
        id: UserId::generate().as_str().to_owned(),
        email: email.as_str().to_owned(),
        email_lower: email.lower().to_owned(),
        name: name.as_str().to_owned(),
        password_hash: hash,
        created_at: now,
        last_login_at: None,
    };
    let membership = MembershipRow {
        user_id: user.id.clone(),
        account_id: account_row.id.clone(),
        role: role.as_str().to_owned(),
        created_at: now,
        created_by: Crn::cli(account).into_string(),
    };
    let inserted = conn.transaction(|conn| {
        users::insert(conn, &user)?;
        memberships::insert(conn, &membership)
    });
    match inserted {
        Ok(()) => {}
        Err(e)
            if is_unique_violation(&e, users::EMAIL_INDEX)
                || is_unique_violation(&e, users::EMAIL_COLUMN) =>
        {
            return Err(ApiError::BadRequest(format!(
                "a user with the email address {email} exists already"
            )))
        }
        Err(e) => return Err(e.into()),
    }
    let listed = (
        membership,
        user.email.clone(),
        user.name.clone(),
        account_row.name,
    );
    Ok((convert::user(user), convert::membership(listed)?))
}
