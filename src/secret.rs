//! The format of issued credentials and how they are stored.
//!
//! An API key looks like `kw_` + 32 hex digits of the key id + 24 random
//! base62 characters + a 6-character base62 checksum, 65 characters in all.
//! A session token is the same with the prefix `kwst_`. The id makes
//! verification one primary-key read; the checksum lets a mistyped or
//! truncated credential be refused without touching the database; the fixed
//! prefix lets secret scanners find leaked keys. The random part carries
//! about 143 bits. A user's session (the dashboard's cookie, `kwus_`) and an
//! invitation (`kwinv_`) are made the same way.
//!
//! API key secrets are stored only as argon2id PHC strings. Session tokens,
//! user sessions and invitations, which are short-lived and equally random,
//! are stored as SHA-256 digests. Passwords are another matter: see
//! `passwords`.

use std::fmt;

use argon2::password_hash::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine as _;
use rand::rngs::OsRng;
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ID_LEN: usize = 32;
const RANDOM_LEN: usize = 24;
const CHECKSUM_LEN: usize = 6;
const HINT_LEN: usize = 6;

pub use crate::domain::CredentialKind;

/// Every kind of random token Keyward issues: the two credentials a
/// request may carry in `x-api-key`, a signed-in user's session (its
/// cookie), and an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    ApiKey,
    SessionToken,
    UserSession,
    Invitation,
}

impl SecretKind {
    const ALL: [SecretKind; 4] = [
        SecretKind::SessionToken,
        SecretKind::ApiKey,
        SecretKind::UserSession,
        SecretKind::Invitation,
    ];
}

impl From<CredentialKind> for SecretKind {
    fn from(kind: CredentialKind) -> Self {
        match kind {
            CredentialKind::ApiKey => SecretKind::ApiKey,
            CredentialKind::SessionToken => SecretKind::SessionToken,
        }
    }
}

/// The prefix that tells which kind of token a string claims to be.
fn prefix(kind: impl Into<SecretKind>) -> &'static str {
    match kind.into() {
        SecretKind::ApiKey => "kw_",
        SecretKind::SessionToken => "kwst_",
        SecretKind::UserSession => "kwus_",
        SecretKind::Invitation => "kwinv_",
    }
}

/// A credential string as issued or presented. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Issues a new credential (or other token) of `kind` that carries `id`.
    pub fn generate(kind: impl Into<SecretKind>, id: Uuid) -> Self {
        let kind = kind.into();
        let mut rng = OsRng;
        let mut body = String::with_capacity(prefix(kind).len() + ID_LEN + RANDOM_LEN);
        body.push_str(prefix(kind));
        body.push_str(&id.simple().to_string());
        for _ in 0..RANDOM_LEN {
            body.push(char::from(BASE62[rng.gen_range(0..BASE62.len())]));
        }
        let checksum = checksum(&body);
        body.push_str(&checksum);
        Self(body)
    }

    /// The full credential, for the one response that shows it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The masked form shown after creation: `...` and the last 6 characters.
    pub fn hint(&self) -> String {
        let tail = &self.0[self.0.len().saturating_sub(HINT_LEN)..];
        format!("...{tail}")
    }

    /// SHA-256 of the whole credential: what session tokens are stored as and
    /// what the verification cache remembers.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.0.as_bytes()).into()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A presented credential that is well formed: right prefix, length, id and checksum.
#[derive(Debug, Clone)]
pub struct Presented {
    pub kind: CredentialKind,
    pub id: Uuid,
    pub secret: Secret,
}

/// Parses a presented credential without any I/O. `None` means malformed.
pub fn parse(s: &str) -> Option<Presented> {
    let kind = [CredentialKind::SessionToken, CredentialKind::ApiKey]
        .into_iter()
        .find(|kind| s.starts_with(prefix(*kind)))?;
    let (id, secret) = parse_as(kind, s)?;
    Some(Presented { kind, id, secret })
}

/// Parses a token of `kind` (a user session's cookie, an invitation)
/// without any I/O: the id it carries and the whole token. `None` means
/// malformed, or of another kind.
pub fn parse_as(kind: impl Into<SecretKind>, s: &str) -> Option<(Uuid, Secret)> {
    let rest = s.strip_prefix(prefix(kind))?;
    if rest.len() != ID_LEN + RANDOM_LEN + CHECKSUM_LEN || !rest.is_ascii() {
        return None;
    }
    let (id_hex, tail) = rest.split_at(ID_LEN);
    let random = &tail[..RANDOM_LEN];
    if !id_hex
        .bytes()
        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        || !random.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return None;
    }
    let (body, sum) = s.split_at(s.len() - CHECKSUM_LEN);
    if checksum(body).as_bytes().ct_eq(sum.as_bytes()).unwrap_u8() != 1 {
        return None;
    }
    let id = Uuid::try_parse(id_hex).ok()?;
    Some((id, Secret(s.to_owned())))
}

/// The CSRF token of the user session whose cookie holds `session`: a
/// one-way function of it, so it needs storing nowhere, differs for every
/// session, and tells nothing about the cookie it comes from.
pub fn csrf_token(session: &Secret) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"keyward csrf token\0");
    hasher.update(session.0.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hasher.finalize())
}

fn checksum(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    let mut n = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out.iter().map(|&b| char::from(b)).collect()
}

/// What [`redact_credentials`] puts in place of a credential.
pub const REDACTED: &str = "[redacted]";

/// `text` with everything that looks like a credential or token replaced by
/// [`REDACTED`]: a `kw_`, `kwst_`, `kwus_` or `kwinv_` prefix, in any case,
/// and the letters and digits after it. For text that may echo request
/// data, such as an error message naming a field the client sent, a request
/// id, or a path that holds an invitation token.
pub fn redact_credentials(text: &str) -> std::borrow::Cow<'_, str> {
    let lower = text.to_ascii_lowercase();
    let prefixes = SecretKind::ALL.map(prefix);
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < text.len() {
        let Some(prefix) = prefixes.iter().find(|p| lower[i..].starts_with(**p)) else {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let tail = &text[i + prefix.len()..];
        let end = i
            + prefix.len()
            + tail
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(tail.len());
        out.push_str(&text[copied..i]);
        out.push_str(REDACTED);
        copied = end;
        i = end;
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    std::borrow::Cow::Owned(out)
}

/// Compares two SHA-256 digests in constant time.
pub fn digests_match(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).unwrap_u8() == 1
}

/// Hex encoding of a digest, as stored for session tokens.
pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// argon2id cost parameters for hashing new API key secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    pub memory_kib: u32,
    pub iterations: u32,
}

impl Default for HashCost {
    /// argon2id with m=8 KiB (argon2's least), t=1, p=1: about 25 µs a
    /// verification on a current core (`cargo run --release --example
    /// argon2_cost`), most of it argon2's fixed BLAKE2b work. Sized for
    /// secrets of 143 random bits, which no amount of hashing cost makes
    /// safer to guess; a password would need far more (see docs/security.md).
    fn default() -> Self {
        Self {
            memory_kib: 8,
            iterations: 1,
        }
    }
}

/// Hashes and checks API key secrets with argon2id. Blocking: call it off the
/// async workers.
#[derive(Debug, Clone)]
pub struct SecretHasher {
    params: Params,
    /// The hash of a secret nobody holds, checked against when a presented
    /// key's id is unknown, so that answering "no such key" costs as much as
    /// answering "wrong secret" and time tells nothing about which it was.
    decoy: String,
}

/// Length of the stored digest, in bytes.
const OUTPUT_LEN: usize = 32;
/// Length of the random salt, in bytes.
const SALT_LEN: usize = 16;

/// Work up to this many KiB × iterations is cheap enough (about 0.5 ms or
/// less) to run where it is asked for instead of on another thread.
const CHEAP_KIB_ITERATIONS: u64 = 1024;

thread_local! {
    /// argon2's working memory, kept by each thread that hashes and reused:
    /// a fresh buffer per hash, freed between longer-lived allocations,
    /// would fragment the heap of a thread that also builds cache entries.
    static WORKING_MEMORY: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs argon2id with `params` into `out`: on this thread's working memory
/// when cheap, on memory of its own otherwise.
pub(crate) fn argon2id(
    params: &Params,
    secret: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    if !cheap(params.m_cost(), params.t_cost()) {
        // A password-grade cost (megabytes): kept by every thread that ever
        // hashed, it would pin that much memory per blocking thread.
        return argon2.hash_password_into(secret, salt, out);
    }
    WORKING_MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        let blocks = params.block_count();
        if memory.len() < blocks {
            memory.resize(blocks, Block::new());
        }
        argon2.hash_password_into_with_memory(secret, salt, out, &mut memory[..blocks])
    })
}

/// The PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) of `secret`
/// hashed with `params` and a fresh salt.
pub(crate) fn hash_phc(params: &Params, secret: &[u8]) -> Result<String, argon2::Error> {
    let mut salt = [0u8; SALT_LEN];
    OsRng.fill(&mut salt);
    let mut out = [0u8; OUTPUT_LEN];
    argon2id(params, secret, &salt, &mut out)?;
    Ok(format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(out),
    ))
}

/// Whether argon2 with `memory_kib` and `iterations` is cheap (see
/// [`CHEAP_KIB_ITERATIONS`]).
fn cheap(memory_kib: u32, iterations: u32) -> bool {
    u64::from(memory_kib) * u64::from(iterations) <= CHEAP_KIB_ITERATIONS
}

impl SecretHasher {
    pub fn new(cost: HashCost) -> Result<Self, String> {
        let params = Params::new(cost.memory_kib, cost.iterations, 1, Some(OUTPUT_LEN))
            .map_err(|e| format!("invalid argon2 parameters: {e}"))?;
        let mut hasher = Self {
            params,
            decoy: String::new(),
        };
        let nobody = Secret::generate(CredentialKind::ApiKey, Uuid::new_v4());
        hasher.decoy = hasher
            .hash(&nobody)
            .map_err(|e| format!("cannot hash with these argon2 parameters: {e}"))?;
        Ok(hasher)
    }

    /// Whether hashing a new secret is cheap enough to run in place.
    pub fn is_cheap(&self) -> bool {
        cheap(self.params.m_cost(), self.params.t_cost())
    }

    /// Whether verifying against `phc` is cheap enough to run in place; a
    /// string that does not parse counts as cheap (it is refused at once).
    pub fn is_cheap_to_verify(phc: &str) -> bool {
        PasswordHash::new(phc)
            .ok()
            .and_then(|parsed| Params::try_from(&parsed).ok())
            .is_none_or(|params| cheap(params.m_cost(), params.t_cost()))
    }

    /// Spends the time of one verification and finds no match: for a key id
    /// that does not exist.
    pub fn verify_decoy(&self, secret: &Secret) -> bool {
        self.verify(secret, &self.decoy)
    }

    /// The PHC string (`$argon2id$v=19$m=…,t=…,p=1$salt$hash`) of `secret`
    /// with a fresh salt.
    pub fn hash(&self, secret: &Secret) -> Result<String, argon2::Error> {
        hash_phc(&self.params, secret.0.as_bytes())
    }

    /// Whether `secret` matches `phc`, using the parameters recorded in `phc`.
    /// A stored value that does not parse counts as no match.
    pub fn verify(&self, secret: &Secret, phc: &str) -> bool {
        verify_phc(secret.0.as_bytes(), phc)
    }
}

/// Whether `secret` hashes to `phc` (an argon2id PHC string, version 19),
/// with the parameters `phc` records. A stored value that does not parse
/// counts as no match.
pub(crate) fn verify_phc(secret: &[u8], phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    if parsed.algorithm.as_str() != "argon2id" || parsed.version.is_some_and(|v| v != 0x13) {
        return false;
    }
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let expected = expected.as_bytes();
    let Ok(recorded) = Params::try_from(&parsed) else {
        return false;
    };
    let Ok(params) = Params::new(
        recorded.m_cost(),
        recorded.t_cost(),
        recorded.p_cost(),
        Some(expected.len()),
    ) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    argon2id(&params, secret, salt, &mut out).is_ok() && out.ct_eq(expected).unwrap_u8() == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_back() {
        let id = Uuid::new_v4();
        for kind in [CredentialKind::ApiKey, CredentialKind::SessionToken] {
            let secret = Secret::generate(kind, id);
            let parsed = parse(secret.expose()).expect("parses");
            assert_eq!(parsed.kind, kind);
            assert_eq!(parsed.id, id);
            assert_eq!(parsed.secret, secret);
        }
    }

    #[test]
    fn api_key_is_65_chars_with_prefix() {
        let secret = Secret::generate(CredentialKind::ApiKey, Uuid::new_v4());
        assert_eq!(secret.expose().len(), 65);
        assert!(secret.expose().starts_with("kw_"));
        assert_eq!(secret.hint().len(), 9);
        assert!(secret.expose().ends_with(&secret.hint()[3..]));
    }

    #[test]
    fn any_changed_character_is_malformed() {
        let secret = Secret::generate(CredentialKind::ApiKey, Uuid::new_v4());
        let s = secret.expose();
        for i in 3..s.len() {
            let mut bytes = s.as_bytes().to_vec();
            bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
            let changed = String::from_utf8(bytes).unwrap();
            assert!(parse(&changed).is_none(), "position {i} accepted");
        }
        assert!(parse(&s[..64]).is_none());
        assert!(parse(&format!("{s}x")).is_none());
        assert!(parse("").is_none());
        assert!(parse("kw_").is_none());
    }

    #[test]
    fn debug_is_redacted() {
        let secret = Secret::generate(CredentialKind::ApiKey, Uuid::new_v4());
        let shown = format!("{secret:?} {:?}", parse(secret.expose()).unwrap());
        assert!(!shown.contains(&secret.expose()[3..]));
    }

    #[test]
    fn credentials_are_redacted_from_text() {
        let key = Secret::generate(CredentialKind::ApiKey, Uuid::new_v4());
        let token = Secret::generate(CredentialKind::SessionToken, Uuid::new_v4());
        let text = format!(
            "unknown field `{}`, and {} and KW_ABC1 ok",
            key.expose(),
            token.expose()
        );
        let shown = redact_credentials(&text);
        assert_eq!(
            shown,
            "unknown field `[redacted]`, and [redacted] and [redacted] ok"
        );
        assert!(matches!(
            redact_credentials("expected one of `name`, `role`"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(redact_credentials("é kw_ é"), "é [redacted] é");
        let invitation = Secret::generate(SecretKind::Invitation, Uuid::new_v4());
        let path = format!("/api/invitations/{}/accept", invitation.expose());
        assert_eq!(
            redact_credentials(&path),
            "/api/invitations/[redacted]/accept"
        );
        let session = Secret::generate(SecretKind::UserSession, Uuid::new_v4());
        assert_eq!(redact_credentials(session.expose()), "[redacted]");
    }

    #[test]
    fn tokens_of_other_kinds_parse_only_as_their_kind() {
        let id = Uuid::new_v4();
        let session = Secret::generate(SecretKind::UserSession, id);
        assert!(session.expose().starts_with("kwus_"));
        assert_eq!(
            parse_as(SecretKind::UserSession, session.expose()),
            Some((id, session.clone()))
        );
        assert_eq!(parse_as(SecretKind::Invitation, session.expose()), None);
        assert!(parse(session.expose()).is_none());
        let csrf = csrf_token(&session);
        assert_eq!(csrf.len(), 43);
        assert_ne!(
            csrf,
            csrf_token(&Secret::generate(SecretKind::UserSession, id))
        );
    }

    #[test]
    fn hash_verifies_only_the_same_secret() {
        let hasher = SecretHasher::new(HashCost {
            memory_kib: 1024,
            iterations: 1,
        })
        .unwrap();
        let a = Secret::generate(CredentialKind::ApiKey, Uuid::new_v4());
        let b = Secret::generate(CredentialKind::ApiKey, Uuid::new_v4());
        let phc = hasher.hash(&a).unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(!phc.contains(a.expose()));
        assert!(hasher.verify(&a, &phc));
        assert!(!hasher.verify(&b, &phc));
        assert!(!hasher.verify(&a, "not a phc string"));
        // A hash made by the reference implementation's own PHC path verifies too.
        use argon2::password_hash::{PasswordHasher, SaltString};
        let reference = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(1024, 1, 1, None).unwrap(),
        )
        .hash_password(a.expose().as_bytes(), &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
        assert!(hasher.verify(&a, &reference));
        assert!(!hasher.verify(&b, &reference));
        // And ours verifies with the reference implementation.
        use argon2::password_hash::PasswordVerifier;
        let ours = PasswordHash::new(&phc).unwrap();
        assert!(Argon2::default()
            .verify_password(a.expose().as_bytes(), &ours)
            .is_ok());
    }
}
