//! What clients see: the JSON shapes of responses, with their OpenAPI
//! schemas, one module per dialect. Shared by the HTTP handlers and the
//! command line, which prints a created key the way the API shows it.

pub mod native;
pub mod v1;

use serde::de::DeserializeOwned;

/// For optional fields that distinguish "absent" (`None`) from `null` (`Some(None)`).
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(deserializer).map(Some)
}

/// For nested objects: refuses the array form serde would otherwise accept
/// for a struct (its fields in order), so only `{…}` is read.
pub fn object<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: DeserializeOwned,
{
    let map: serde_json::Map<String, serde_json::Value> =
        serde::Deserialize::deserialize(deserializer)?;
    T::deserialize(serde_json::Value::Object(map)).map_err(serde::de::Error::custom)
}
