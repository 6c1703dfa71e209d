//! Reading a request body with the limits and errors every route shares.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;

use super::dialect::Dialect;
use crate::error::ApiError;
use crate::service::Asked;

/// A JSON body read into `T`. Reading never fails the extraction: a body
/// that is not acceptable is an `Err` for the service operation to report
/// once it has authorized the caller.
pub struct Json<T>(pub Asked<T>);

/// Like [`Json`], but no body at all (no content type, `Content-Length: 0`)
/// is `None`: the defaults, as `{}` would be.
pub struct MaybeBody<T>(pub Asked<Option<T>>);

type Reading<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Reading<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let (req, mut payload) = (req.clone(), payload.take());
        Box::pin(async move {
            let payload = web::Payload::from_request(&req, &mut payload)
                .await
                .map_err(|_| ApiError::BadRequest("the request body could not be read".into()))?;
            Ok(Self(read_json(&req, payload).await))
        })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for MaybeBody<T> {
    type Error = ApiError;
    type Future = Reading<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let headers = req.headers();
        let empty = headers.get(header::CONTENT_TYPE).is_none()
            && headers
                .get(header::CONTENT_LENGTH)
                .is_some_and(|length| length.as_bytes() == b"0");
        let body = (!empty).then(|| Json::<T>::from_request(req, payload));
        Box::pin(async move {
            Ok(Self(match body {
                Some(body) => body.await?.0.map(Some),
                None => Ok(None),
            }))
        })
    }
}

/// The largest request body accepted: 16 KiB.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// A JSON array body read into `T`, for a route that takes a list as its
/// whole body (a leak report): JSON declared as JSON (415 otherwise), up to
/// [`MAX_LIST_BODY_BYTES`] (413), 400 when it is not an array that fits
/// `T`. Like [`Json`], reading never fails the extraction.
pub struct JsonArray<T>(pub Asked<T>);

/// The largest list body accepted: 256 KiB.
pub const MAX_LIST_BODY_BYTES: usize = 256 * 1024;

impl<T: DeserializeOwned + 'static> FromRequest for JsonArray<T> {
    type Error = ApiError;
    type Future = Reading<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let (req, mut payload) = (req.clone(), payload.take());
        Box::pin(async move {
            let payload = web::Payload::from_request(&req, &mut payload)
                .await
                .map_err(|_| ApiError::BadRequest("the request body could not be read".into()))?;
            Ok(Self(read_json_array(&req, payload).await))
        })
    }
}

async fn read_json_array<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<T, ApiError> {
    let mime = req.mime_type().ok().flatten();
    let json = mime.as_ref().is_some_and(|m| {
        m.type_() == "application"
            && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"))
    });
    if !json {
        return Err(ApiError::UnsupportedMediaType);
    }
    let bytes = payload
        .to_bytes_limited(MAX_LIST_BODY_BYTES)
        .await
        .map_err(|_| ApiError::PayloadTooLarge(MAX_LIST_BODY_BYTES))?
        .map_err(|_| ApiError::BadRequest("the request body could not be read".into()))?;
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'[') {
        return Err(ApiError::BadRequest(
            "invalid JSON body: expected a JSON array".into(),
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
    let value = deserialize("JSON", &mut deserializer)?;
    deserializer
        .end()
        .map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))?;
    Ok(value)
}

/// Reads and parses a request body into `T`: 413 over the limit, 400 with
/// serde's description (and the field's path) when it does not fit `T`.
///
/// The native API takes JSON declared as JSON, and answers 415 otherwise.
/// `/api/v1` takes what clients of its kind send: JSON whatever the content
/// type says (its document shows `curl -d '{…}'`, which declares a form),
/// and form-encoded nested fields (`api_key[description]=x`); only a body
/// that is neither, declared as something else, is 415.
async fn read_json<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<T, ApiError> {
    let mime = req.mime_type().ok().flatten();
    let declared = |subtype: &str| {
        mime.as_ref().is_some_and(|m| {
            m.type_() == "application"
                && (m.subtype() == subtype || m.suffix().is_some_and(|s| s == subtype))
        })
    };
    let (json, form) = (declared("json"), declared("x-www-form-urlencoded"));
    let lenient = Dialect::of(req.path()) == Dialect::V1;
    if !json && !lenient {
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
    if first == Some(&b'{') || json || mime.is_none() {
        if first.is_some_and(|&b| b != b'{') {
            return Err(ApiError::BadRequest(
                "invalid JSON body: expected a JSON object".into(),
            ));
        }
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let value = deserialize("JSON", &mut deserializer)?;
        deserializer
            .end()
            .map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))?;
        return Ok(value);
    }
    if !form {
        return Err(ApiError::UnsupportedMediaType);
    }
    // Nested fields one level deep, each given once.
    let config = serde_qs::Config::new()
        .use_form_encoding(true)
        .max_depth(1)
        .duplicate_key_behavior(serde_qs::DuplicateKeyBehavior::Error);
    let deserializer = serde_qs::Deserializer::with_config(config, &bytes)
        .map_err(|e| ApiError::BadRequest(format!("invalid form body: {e}")))?;
    deserialize("form", deserializer)
}

/// `T` from `deserializer`, or a 400 that names the field at fault.
fn deserialize<'de, T, D>(format: &str, deserializer: D) -> Result<T, ApiError>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            ApiError::BadRequest(format!("invalid {format} body: {inner}"))
        } else {
            ApiError::BadRequest(format!("invalid {format} body: {path}: {inner}"))
        }
    })
}
