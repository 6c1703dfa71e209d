//! The native API under `/api`: the Centrapay shapes.

pub(super) mod accounts;
pub(super) mod api_keys;
pub(super) mod invitations;
pub(super) mod leaks;
pub(super) mod lifecycle;
pub(super) mod me;
pub(super) mod memberships;
pub(super) mod session;
pub(super) mod session_tokens;
pub(super) mod usage;
pub(super) mod verify;
