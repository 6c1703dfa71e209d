//! Who may do what: the one table every operation consults.

use super::{CredentialKind, Principal, Role, Scope};

/// An operation a caller asks for, on an account it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ReadAccount,
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
}

/// Whether a credential of `kind` held by a key with `role` may perform `action`
/// on its own account. Nothing is ever allowed on another account.
///
/// | action                 | account-owner | merchant-terminal | session token |
/// |------------------------|---------------|-------------------|---------------|
/// | read the account       | yes           | no                | no            |
/// | list, read keys        | yes           | no                | no            |
/// | create, update, revoke | yes           | no                | no            |
/// | rotate a key's secret  | yes           | no                | no            |
/// | disable itself         | yes           | yes               | no            |
/// | enable itself          | no            | no                | no            |
/// | mint a session token   | every scope   | no scope          | no            |
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

/// Whether `principal` may perform `action` on the account `account_id` names.
/// A credential never acts on another account, whether or not that exists.
pub fn permits(principal: &Principal, account_id: &str, action: Action) -> bool {
    principal.account_id.as_str() == account_id && allows(principal.kind(), principal.role, action)
}

/// Whether `principal` may mint a session token of at least one scope on
/// `account_id`: the check made before the requested scope is known.
pub fn permits_some_scope(principal: &Principal, account_id: &str) -> bool {
    Scope::ALL
        .into_iter()
        .any(|scope| permits(principal, account_id, Action::MintSessionToken(scope)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER_ACTIONS: [Action; 7] = [
        Action::ReadAccount,
        Action::ListKeys,
        Action::ReadKey,
        Action::CreateKey,
        Action::UpdateKey,
        Action::RevokeKey,
        Action::RotateKey,
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
}
