//! Who may do what: the one table every operation consults.

use super::{AccountId, CredentialKind, Principal, Role, Scope};

/// An operation a caller asks for, on an account it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ReadAccount,
    /// Listing an account's child accounts.
    ListAccounts,
    /// Creating a child account.
    CreateAccount,
    /// Renaming an account.
    UpdateAccount,
    /// Suspending or resuming an account: only from an ancestor, so that no
    /// account locks itself out.
    SuspendAccount,
    ListKeys,
    ReadKey,
    CreateKey,
    UpdateKey,
    RevokeKey,
    RotateKey,
    /// Disabling the very key whose credential makes the request, and
    /// changing nothing else: a kill switch for a key its holder fears has
    /// leaked.
    DisableItself,
    /// Enabling the very key whose credential makes the request.
    EnableItself,
    MintSessionToken(Scope),
    /// Reading a key's usage series.
    ReadKeyUsage,
    /// Reading the account's most used keys.
    ReadAccountUsage,
    /// Listing the account's members and its pending invitations.
    ListMembers,
    /// Inviting someone to be a member, or withdrawing an invitation.
    InviteMember,
    /// Ending a user's membership of the account.
    RemoveMember,
}

/// Whether a credential of `kind` held by a key with `role` may perform
/// `action` on an account it may act on at all (see [`permits`]).
///
/// | action                      | account-owner | merchant-terminal | session token |
/// |-----------------------------|---------------|-------------------|---------------|
/// | read, list, create accounts | yes           | no                | no            |
/// | rename an account           | yes           | no                | no            |
/// | suspend, resume an account  | descendants   | no                | no            |
/// | list, read keys             | yes           | no                | no            |
/// | create, update, revoke      | yes           | no                | no            |
/// | rotate a key's secret       | yes           | no                | no            |
/// | read usage (key, account)   | yes           | no                | no            |
/// | list, invite, remove members| yes           | no                | no            |
/// | disable itself              | yes           | yes               | no            |
/// | enable itself               | no            | no                | no            |
/// | mint a session token        | every scope   | no scope          | no            |
///
/// A key never enables itself: a disabled key cannot authenticate anyway, and
/// a request already in flight when its key is disabled must not undo that.
/// A user's memberships follow the same table by role: see
/// [`member_allows`].
pub fn allows(kind: CredentialKind, role: Role, action: Action) -> bool {
    match (kind, role, action) {
        (CredentialKind::SessionToken, _, _) | (_, _, Action::EnableItself) => false,
        // Any key may switch itself off, whatever its role.
        (CredentialKind::ApiKey, _, Action::DisableItself) => true,
        (CredentialKind::ApiKey, Role::AccountOwner, _) => true,
        // Terminals may only authenticate, ask who they are and switch
        // themselves off.
        (CredentialKind::ApiKey, Role::MerchantTerminal, _) => false,
    }
}

/// Whether a user's membership with `role` lets it perform `action` on an
/// account it may act on at all: what an API key of that role may, except
/// what only a key can do to itself or for itself. An `account-owner`
/// member manages keys, accounts, members, usage and events; a
/// `merchant-terminal` member manages nothing. No member disables or
/// enables "itself" (it is no key) or mints session tokens (they belong to
/// a key).
pub fn member_allows(role: Role, action: Action) -> bool {
    match (role, action) {
        (_, Action::DisableItself | Action::EnableItself | Action::MintSessionToken(_)) => false,
        (Role::AccountOwner, _) => true,
        (Role::MerchantTerminal, _) => false,
    }
}

/// Whether `principal` may perform `action` on the account at the head of
/// `chain`, which lists that account and then its ancestors, nearest first
/// (empty when the account does not exist). A key acts on its own account
/// and, as an `account-owner`, on every descendant of it, never on an
/// ancestor or a sibling: for those, as for an account that does not
/// exist, the answer is the same no. A user acts through each of its
/// memberships by the same rule, as though it held a key of that role in
/// that account: one membership that allows it is enough.
pub fn permits(principal: &Principal, chain: &[AccountId], action: Action) -> bool {
    match principal {
        Principal::Key(key) => {
            reaches(&key.account_id, chain, action) && allows(key.kind(), key.role, action)
        }
        Principal::User(user) => user.grants.iter().any(|grant| {
            reaches(&grant.account_id, chain, action) && member_allows(grant.role, action)
        }),
    }
}

/// Whether acting from `from` reaches the head of `chain`: `from` is the
/// account itself or an ancestor, and an account never suspends itself.
fn reaches(from: &AccountId, chain: &[AccountId], action: Action) -> bool {
    match chain.iter().position(|id| id == from) {
        None => false,
        Some(0) => action != Action::SuspendAccount,
        Some(_) => true,
    }
}

/// Whether `principal` may mint a session token of at least one scope on
/// the account at the head of `chain`: the check made before the requested
/// scope is known.
pub fn permits_some_scope(principal: &Principal, chain: &[AccountId]) -> bool {
    Scope::ALL
        .into_iter()
        .any(|scope| permits(principal, chain, Action::MintSessionToken(scope)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER_ACTIONS: [Action; 15] = [
        Action::ReadAccount,
        Action::ListAccounts,
        Action::CreateAccount,
        Action::UpdateAccount,
        Action::ListKeys,
        Action::ReadKey,
        Action::CreateKey,
        Action::UpdateKey,
        Action::RevokeKey,
        Action::RotateKey,
        Action::ReadKeyUsage,
        Action::ReadAccountUsage,
        Action::ListMembers,
        Action::InviteMember,
        Action::RemoveMember,
    ];

    #[test]
    fn owner_may_do_everything_with_a_key() {
        for action in OWNER_ACTIONS {
            assert!(allows(CredentialKind::ApiKey, Role::AccountOwner, action));
        }
        for scope in Scope::ALL {
            let mint = Action::MintSessionToken(scope);
            assert!(allows(CredentialKind::ApiKey, Role::AccountOwner, mint));
        }
    }

    #[test]
    fn every_key_but_no_session_token_disables_itself() {
        for role in Role::ALL {
            assert!(allows(CredentialKind::ApiKey, role, Action::DisableItself));
            assert!(!allows(
                CredentialKind::SessionToken,
                role,
                Action::DisableItself
            ));
        }
    }

    #[test]
    fn no_credential_enables_itself() {
        for role in Role::ALL {
            for kind in [CredentialKind::ApiKey, CredentialKind::SessionToken] {
                assert!(!allows(kind, role, Action::EnableItself));
            }
        }
    }

    #[test]
    fn terminal_and_session_tokens_manage_nothing() {
        for role in Role::ALL {
            for action in OWNER_ACTIONS {
                assert!(!allows(CredentialKind::SessionToken, role, action));
                assert!(!allows(
                    CredentialKind::ApiKey,
                    Role::MerchantTerminal,
                    action
                ));
            }
            for scope in Scope::ALL {
                let mint = Action::MintSessionToken(scope);
                assert!(!allows(CredentialKind::SessionToken, role, mint));
                assert!(!allows(
                    CredentialKind::ApiKey,
                    Role::MerchantTerminal,
                    mint
                ));
            }
        }
    }

    fn key(account: &AccountId, role: Role) -> Principal {
        Principal::Key(crate::domain::KeyPrincipal {
            account_id: account.clone(),
            parent_account_id: None,
            key_id: uuid::Uuid::new_v4(),
            key_name: crate::domain::KeyName::parse("k").unwrap(),
            role,
            credential: crate::domain::Credential::ApiKey,
            limits: Default::default(),
            context: None,
        })
    }

    fn user(grants: &[(&AccountId, Role)]) -> Principal {
        Principal::User(crate::domain::UserPrincipal {
            user_id: crate::domain::UserId::generate(),
            session_id: uuid::Uuid::new_v4(),
            grants: grants
                .iter()
                .map(|(account, role)| crate::domain::Grant {
                    account_id: (*account).clone(),
                    role: *role,
                })
                .collect(),
        })
    }

    #[test]
    fn members_act_like_keys_of_their_role_but_never_as_a_key() {
        for action in OWNER_ACTIONS {
            assert!(member_allows(Role::AccountOwner, action), "{action:?}");
            assert!(!member_allows(Role::MerchantTerminal, action), "{action:?}");
        }
        for role in Role::ALL {
            assert!(!member_allows(role, Action::DisableItself));
            assert!(!member_allows(role, Action::EnableItself));
            for scope in Scope::ALL {
                assert!(!member_allows(role, Action::MintSessionToken(scope)));
            }
        }
    }

    #[test]
    fn a_member_acts_on_its_accounts_and_their_descendants_only() {
        let [root, child, grandchild, sibling] = [(); 4].map(|_| AccountId::generate());
        let member = user(&[(&child, Role::AccountOwner)]);
        let below = [grandchild.clone(), child.clone(), root.clone()];
        let own = [child.clone(), root.clone()];
        for action in OWNER_ACTIONS {
            assert!(permits(&member, &below, action), "{action:?} below");
            assert!(permits(&member, &own, action), "{action:?} own");
            assert!(!permits(&member, std::slice::from_ref(&root), action));
            assert!(!permits(&member, &[sibling.clone(), root.clone()], action));
            assert!(!permits(&member, &[], action));
        }
        assert!(permits(&member, &below, Action::SuspendAccount));
        assert!(!permits(&member, &own, Action::SuspendAccount));
        // A terminal membership on the root adds nothing; an owner one
        // anywhere on the chain is enough.
        let both = user(&[
            (&root, Role::MerchantTerminal),
            (&child, Role::AccountOwner),
        ]);
        assert!(permits(&both, &below, Action::CreateKey));
        assert!(!permits(
            &both,
            &[sibling.clone(), root.clone()],
            Action::CreateKey
        ));
        let none = user(&[]);
        assert!(!permits(&none, &own, Action::ReadAccount));
    }

    #[test]
    fn an_owner_acts_on_its_account_and_descendants_only() {
        let [root, child, grandchild, sibling] = [(); 4].map(|_| AccountId::generate());
        let owner = key(&child, Role::AccountOwner);
        let below = [grandchild.clone(), child.clone(), root.clone()];
        let own = [child.clone(), root.clone()];
        for action in OWNER_ACTIONS {
            assert!(permits(&owner, &below, action), "{action:?} below");
            assert!(permits(&owner, &own, action), "{action:?} own");
            assert!(
                !permits(&owner, std::slice::from_ref(&root), action),
                "{action:?} parent"
            );
            let beside = [sibling.clone(), root.clone()];
            assert!(!permits(&owner, &beside, action), "{action:?} sibling");
            assert!(!permits(&owner, &[], action), "{action:?} nothing");
        }
        assert!(permits(&owner, &below, Action::SuspendAccount));
        assert!(!permits(&owner, &own, Action::SuspendAccount));
        let terminal = key(&child, Role::MerchantTerminal);
        for action in OWNER_ACTIONS {
            assert!(!permits(&terminal, &below, action), "{action:?}");
        }
        assert!(!permits(&terminal, &below, Action::SuspendAccount));
    }
}
