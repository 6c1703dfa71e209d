//! Reading a JSON request body with the limits and errors every route shares.

use actix_web::http::header;
use actix_web::{web, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The largest request body accepted: 16 KiB.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Reads and parses a JSON body: 415 unless the content type is JSON, 413
/// over the limit, 400 with serde's description when it does not parse into `T`.
pub async fn read_json<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<T, ApiError> {
    let is_json = match req.mime_type() {
        Ok(Some(mime)) => {
            mime.type_() == "application"
                && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
        }
        _ => false,
    };
    if !is_json {
        return Err(ApiError::UnsupportedMediaType);
    }
    let bytes = payload
        .to_bytes_limited(MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError::PayloadTooLarge(MAX_BODY_BYTES))?
        .map_err(|_| ApiError::BadRequest("the request body could not be read".into()))?;
    // serde would also read a struct from an array of its fields in order;
    // only an object is a request body here.
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|&b| b != b'{') {
        return Err(ApiError::BadRequest(
            "invalid JSON body: expected a JSON object".into(),
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            ApiError::BadRequest(format!("invalid JSON body: {inner}"))
        } else {
            ApiError::BadRequest(format!("invalid JSON body: {path}: {inner}"))
        }
    })?;
    deserializer
        .end()
        .map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))?;
    Ok(value)
}

/// Like [`read_json`], but a request with no body at all (no content type,
/// `Content-Length: 0`) is `None`: the defaults, as `{}` would be.
pub async fn read_optional_json<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Option<T>, ApiError> {
    let empty = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .is_some_and(|length| length.as_bytes() == b"0")
        && req.headers().get(header::CONTENT_TYPE).is_none();
    if empty {
        return Ok(None);
    }
    read_json(req, payload).await.map(Some)
}

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
