//! An account's members: listing them and ending a membership.

use super::paging::{self, CreatedPosition, Page, PageAsked};
use super::{convert, write, Asked, Keyward};
use crate::domain::permission::Action;
use crate::domain::{Membership, Principal, UserId};
use crate::error::{ApiError, ErrorCode};
use crate::store::memberships;

/// A page of the account's members, oldest membership first. Members of
/// ancestors, who may act here too, are listed on their own accounts.
pub async fn list(
    kw: &Keyward,
    caller: &Principal,
    account_id: &str,
    asked: Asked<PageAsked>,
) -> Result<Page<Membership>, ApiError> {
    let account = kw
        .authorize(caller, account_id, Action::ListMembers)
        .await?;
    let list = format!("memberships:{account}");
    let (limit, after) = paging::open::<CreatedPosition>(&asked?, &list, paging::DEFAULT_LIMIT)?;
    kw.blocking(move |_, conn| {
        let after = after.map(|p| (p.created_at, p.id));
        let rows = memberships::of_account(conn, account.as_str(), after, limit + 1)?;
        let page = paging::close(rows, limit, &list, |(row, ..)| {
            Ok(CreatedPosition::new(row.created_at, &row.user_id))
        })?;
        page.try_map(convert::membership)
    })
    .await
}

/// Ends the membership of the user `user_id` in the account. Its sessions
/// stay, but the next request they make is authorized without it.
pub async fn remove(
    kw: &Keyward,
    caller: &Principal,
    account_id: &str,
    user_id: &str,
) -> Result<(), ApiError> {
    let account = kw
        .authorize(caller, account_id, Action::RemoveMember)
        .await?;
    let Ok(user) = UserId::parse(user_id) else {
        return Err(ErrorCode::MembershipNotFound.into());
    };
    let caller = caller.clone();
    kw.blocking(move |kw, conn| {
        write::as_caller(kw, conn, &caller, account.as_str(), None, |conn, _| {
            match memberships::delete(conn, user.as_str(), account.as_str())? {
                true => Ok(()),
                false => Err(ErrorCode::MembershipNotFound.into()),
            }
        })
    })
    .await
}
