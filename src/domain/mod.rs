//! Pure types and rules: no I/O, no framework.

mod account;
mod account_id;
mod account_name;
pub mod allowlist;
mod api_key;
mod cidr;
mod crn;
mod description;
mod email;
mod external_id;
mod key_name;
pub mod limits;
mod meta;
pub mod password;
pub mod permission;
mod person_name;
mod principal;
mod random_id;
mod role;
mod scope;
mod timestamp;
mod user;
mod user_id;

pub use account::{Account, MAX_DEPTH};
pub use account_id::AccountId;
pub use account_name::AccountName;
pub use allowlist::AllowedCidrs;
pub use api_key::{ApiKey, CreditsPolicy, KeyStatus};
pub use cidr::{canonical as canonical_ip, Cidr};
pub use crn::Crn;
pub use description::Description;
pub use email::Email;
pub use external_id::ExternalId;
pub use key_name::KeyName;
pub use limits::{Credits, RateLimit, Refill, RefillInterval};
pub use meta::{KeyContext, Meta};
pub use password::Password;
pub use person_name::PersonName;
pub use principal::{Credential, CredentialKind, Grant, KeyPrincipal, Principal, UserPrincipal};
pub use role::Role;
pub use scope::Scope;
pub use timestamp::Timestamp;
pub use user::{Invitation, Membership, User};
pub use user_id::UserId;

/// Whether `c` is a bidirectional formatting character (embeddings,
/// overrides, isolates and marks). Free text that people read, such as a
/// key's description in a dashboard, refuses them: U+202E can make text
/// display in an order other than the one it is stored in.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Why a value from outside was refused; the text names the field and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);
