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
/// | disable itself              | yes           | yes               | no            |
/// | enable itself               | no            | no                | no            |
/// | mint a session token        | every scope   | no scope          | no            |
///
/// A key never enables itself: a disabled key cannot authenticate anyway, and
/// a request already in flight when its key is disabled must not undo that.
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

/// Whether `principal` may perform `action` on the account at the head of
/// `chain`, which lists that account and then its ancestors, nearest first
/// (empty when the account does not exist). A key acts on its own account
/// and, as an `account-owner`, on every descendant of it, never on an
/// ancestor or a sibling: for those, as for an account that does not
/// exist, the answer is the same no.
pub fn permits(principal: &Principal, chain: &[AccountId], action: Action) -> bool {
    let Some(depth) = chain.iter().position(|id| *id == principal.account_id) else {
        return false;
    };
    let own = depth == 0;
    if own && action == Action::SuspendAccount {
        return false;
    }
    allows(principal.kind(), principal.role, action)
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

    const OWNER_ACTIONS: [Action; 12] = [
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
        Principal {
            account_id: account.clone(),
            parent_account_id: None,
            key_id: uuid::Uuid::new_v4(),
            key_name: crate::domain::KeyName::parse("k").unwrap(),
            role,
            credential: crate::domain::Credential::ApiKey,
            limits: Default::default(),
            context: None,
        }
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
