//! Passwords at rest: argon2id at OWASP's cost for passwords (m = 19,456
//! KiB, t = 2, p = 1), a PHC string per user. Unlike an API key's 143
//! random bits, a password has little entropy, so every guess must be
//! slow and memory-hard; the sign-in throttle (`service::throttle`) limits
//! how many guesses there are. Each hash takes tens of milliseconds and
//! 19 MiB: it runs on the blocking thread pool, never on an async worker.

use argon2::Params;
use uuid::Uuid;

use crate::domain::Password;
use crate::secret::{self, Secret, SecretKind};

/// OWASP's password cost for argon2id (the Password Storage Cheat Sheet's
/// first option): memory in KiB, iterations, lanes.
pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const LANES: u32 = 1;

/// Hashes new passwords and checks presented ones. Blocking: call it off
/// the async workers (`Keyward::passwords`).
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: Params,
    /// The hash of a password nobody knows, at the same cost: a sign-in for
    /// an address no user has is checked against it, so that it takes as
    /// long as a wrong password for one that exists.
    decoy: String,
}

impl PasswordHasher {
    pub fn new() -> Result<Self, String> {
        let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, Some(32))
            .map_err(|e| format!("invalid argon2 parameters: {e}"))?;
        let nobody = Secret::generate(SecretKind::Invitation, Uuid::new_v4());
        let decoy = secret::hash_phc(&params, nobody.expose().as_bytes())
            .map_err(|e| format!("cannot hash with the password parameters: {e}"))?;
        Ok(Self { params, decoy })
    }

    /// The PHC string of `password`, with a fresh salt.
    pub fn hash(&self, password: &Password) -> Result<String, argon2::Error> {
        secret::hash_phc(&self.params, password.expose().as_bytes())
    }

    /// Whether `password` is the one `phc` was made from.
    pub fn verify(&self, password: &Password, phc: &str) -> bool {
        secret::verify_phc(password.expose().as_bytes(), phc)
    }

    /// Spends what [`verify`](Self::verify) spends and finds no match: for
    /// an address no user has.
    pub fn verify_decoy(&self, password: &Password) -> bool {
        self.verify(password, &self.decoy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_at_the_password_cost_and_verifies_only_the_same_password() {
        let hasher = PasswordHasher::new().unwrap();
        let right = Password::presented("correct horse battery staple".into());
        let wrong = Password::presented("correct horse battery stapler".into());
        let phc = hasher.hash(&right).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(!phc.contains("horse"));
        assert!(hasher.verify(&right, &phc));
        assert!(!hasher.verify(&wrong, &phc));
        assert!(!hasher.verify_decoy(&right));
        assert!(hasher.decoy.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    }
}
