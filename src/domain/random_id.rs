//! The one shape of Keyward's random identifiers (accounts, users): 22
//! random ASCII letters and digits, about 131 bits, written into a path as
//! they are.

/// The length of every random id.
pub const LEN: usize = 22;

/// Defines an id type of this shape: `generate`, `parse` (exactly 22
/// letters or digits, else 400 naming `$field`), `from_trusted`, `as_str`,
/// `into_string` and `Display`.
macro_rules! random_id {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// A new random id.
            pub fn generate() -> Self {
                use rand::distributions::{Alphanumeric, DistString};
                Self(Alphanumeric.sample_string(&mut rand::rngs::OsRng, $crate::domain::random_id::LEN))
            }

            /// Accepts an id as it appears in a path: exactly 22 letters or digits.
            pub fn parse(s: &str) -> Result<Self, $crate::domain::Invalid> {
                let len = $crate::domain::random_id::LEN;
                if s.len() == len && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    Ok(Self(s.to_owned()))
                } else {
                    Err($crate::domain::Invalid(format!(
                        concat!($field, " must be {} ASCII letters or digits"),
                        len
                    )))
                }
            }

            /// Rebuilds an id read back from the database, where it was stored valid.
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

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

pub(crate) use random_id;
