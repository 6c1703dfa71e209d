//! Minting short-lived scoped session tokens.
