//! Data a key carries for the services that verify it.

use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

use super::{ExternalId, Invalid};

/// What a key carries for the services that verify it, as a valid verify
/// hands it over: the owner's identifier for the key and its data. Shared,
/// not copied, by the cached key and every caller it authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyContext {
    pub external_id: Option<ExternalId>,
    pub meta: Option<Meta>,
}

impl KeyContext {
    /// The context of a key with these, or `None` when it has neither.
    pub fn of(external_id: Option<ExternalId>, meta: Option<Meta>) -> Option<Arc<Self>> {
        (external_id.is_some() || meta.is_some()).then(|| Arc::new(Self { external_id, meta }))
    }
}

/// A key's `meta`: a JSON object of the owner's choosing, at most
/// [`Meta::MAX_BYTES`] when written as compact JSON, which is how it is
/// stored and shown.
///
/// It comes back as the same JSON value it was given: the same members
/// with the same names (unicode as given, escapes decoded), nesting,
/// arrays in order, strings, booleans and nulls. What may differ is only
/// what JSON gives no meaning to: whitespace, the order of an object's
/// members (written sorted by name), how a string is escaped, and how a
/// number is written (`1e2` comes back as `100.0`; numbers are kept as
/// 64-bit integers or double-precision floats, as JavaScript reads them).
///
/// ```
/// use keyward::domain::Meta;
///
/// let meta = Meta::parse(serde_json::json!({"plan": "gold", "seats": [1, 2]})).unwrap();
/// assert_eq!(meta.as_str(), r#"{"plan":"gold","seats":[1,2]}"#);
/// assert!(Meta::parse(serde_json::json!([1])).is_err());
/// ```
#[derive(Clone)]
pub struct Meta(Arc<RawValue>);

impl Meta {
    /// The most bytes `meta` may take as compact JSON (UTF-8).
    pub const MAX_BYTES: usize = 4096;

    /// `value`, if it is an object of at most [`Meta::MAX_BYTES`].
    pub fn parse(value: Value) -> Result<Self, Invalid> {
        if !value.is_object() {
            return Err(Invalid("meta must be a JSON object".into()));
        }
        let text = value.to_string();
        if text.len() > Self::MAX_BYTES {
            return Err(Invalid(format!(
                "meta must be at most {} bytes as compact JSON; this is {}",
                Self::MAX_BYTES,
                text.len()
            )));
        }
        Self::from_db(text)
    }

    /// `meta` as stored (the compact JSON text [`Meta::parse`] made).
    pub fn from_db(text: String) -> Result<Self, Invalid> {
        let raw =
            RawValue::from_string(text).map_err(|e| Invalid(format!("meta is not JSON: {e}")))?;
        if !raw.get().starts_with('{') {
            return Err(Invalid("meta is not a JSON object".into()));
        }
        Ok(Self(Arc::from(raw)))
    }

    /// The compact JSON text, as stored.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// As a JSON value, for the audit trail.
    pub fn value(&self) -> Value {
        serde_json::from_str(self.as_str()).unwrap_or(Value::Null)
    }
}

/// Written out as the JSON it holds, without parsing it again.
impl Serialize for Meta {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl PartialEq for Meta {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Meta {}

impl fmt::Debug for Meta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Meta({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// An object whose compact form is exactly `bytes` long.
    fn of_size(bytes: usize) -> Value {
        // {"k":"…"} is 8 bytes around the string.
        json!({ "k": "x".repeat(bytes - 8) })
    }

    #[test]
    fn meta_is_an_object_of_at_most_4_kib() {
        assert_eq!(Meta::parse(of_size(4096)).unwrap().as_str().len(), 4096);
        assert_eq!(
            Meta::parse(of_size(4097)).unwrap_err().0,
            "meta must be at most 4096 bytes as compact JSON; this is 4097"
        );
        for not_object in [json!(null), json!("x"), json!([]), json!(1)] {
            assert!(Meta::parse(not_object).is_err());
        }
        let nested = json!({"ä": {"b": [1, 2.5, null, true, "☕ \u{0}"]}, "a": {}});
        let meta = Meta::parse(nested.clone()).unwrap();
        assert_eq!(meta.value(), nested);
        assert_eq!(Meta::from_db(meta.as_str().to_owned()).unwrap(), meta);
        assert_eq!(serde_json::to_value(&meta).unwrap(), nested);
    }
}
