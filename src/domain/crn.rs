use std::fmt;

use super::{AccountId, KeyName, UserId};

/// A resource name identifying who did something, e.g. `crn:{accountId}:api-key:{name}`.
///
/// A user is `crn::user:{userId}`, with an empty account part: a user
/// belongs to no one account.
///
/// Actors that are neither have a kind of their own: the command line is
/// `crn:{accountId}:cli:keyward`, and Keyward acting on a leak report (see
/// `service::leaks`) is `crn:{accountId}:leak-report:keyward`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crn(String);

impl Crn {
    pub fn api_key(account: &AccountId, name: &KeyName) -> Self {
        Self(format!("crn:{account}:api-key:{name}"))
    }

    pub fn user(id: &UserId) -> Self {
        Self(format!("crn::user:{id}"))
    }

    pub fn cli(account: &AccountId) -> Self {
        Self(format!("crn:{account}:cli:keyward"))
    }

    /// Keyward itself, revoking a key of `account` that a leak report
    /// showed to be public.
    pub fn leak_report(account: &AccountId) -> Self {
        Self(format!("crn:{account}:leak-report:keyward"))
    }

    /// Rebuilds a CRN read back from the database.
    pub fn from_trusted(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Crn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
