//! Pure types and rules: no I/O, no framework.

mod account_id;
mod account_name;
mod api_key;
mod crn;
mod description;
mod key_name;
pub mod permission;
mod principal;
mod role;
mod scope;
mod timestamp;

pub use account_id::AccountId;
pub use account_name::AccountName;
pub use api_key::{ApiKey, KeyStatus};
pub use crn::Crn;
pub use description::Description;
pub use key_name::KeyName;
pub use principal::{Credential, Principal};
pub use role::Role;
pub use scope::Scope;
pub use timestamp::Timestamp;

/// Why a value from outside was refused; the text names the field and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);
