//! The headers that go with a key or an account in a response: its version as `ETag`,
//! and `Cache-Control: no-store` on any body that holds a secret.

use actix_web::http::header;
use actix_web::{HttpResponse, HttpResponseBuilder};
use serde::Serialize;

use crate::domain::{Account, ApiKey};
use crate::error::ApiError;
use crate::secret::Secret;
use crate::views::native::{AccountView, KeyView};

/// What a handler answers: a response, or an error in its path's dialect.
pub type Reply = Result<HttpResponse, ApiError>;

fn versioned(mut builder: HttpResponseBuilder, version: i64) -> HttpResponseBuilder {
    builder.insert_header((header::ETAG, format!("\"{version}\"")));
    builder
}

/// 200 with the key, its version as `ETag`.
pub fn key(key: ApiKey) -> HttpResponse {
    versioned(HttpResponse::Ok(), key.version).json(KeyView::new(key))
}

/// 200 with the account, its version as `ETag`.
pub fn account(account: Account) -> HttpResponse {
    versioned(HttpResponse::Ok(), account.version).json(AccountView::new(account))
}

/// 200 with a created or rotated key and its secret.
pub fn with_secret(key: ApiKey, secret: &Secret) -> HttpResponse {
    let version = key.version;
    let view = KeyView::with_secret(key, secret.expose().to_owned());
    no_store(versioned(HttpResponse::Ok(), version)).json(view)
}

/// 200 with a body that holds a secret (a new key or session token).
pub fn secret_body(body: impl Serialize) -> HttpResponse {
    no_store(HttpResponse::Ok()).json(body)
}

/// 200 with a list of `items` things as JSON, written into a buffer sized
/// for them up front (`BYTES_PER_ITEM` each): a page of a hundred keys is
/// about 46 KB, and a buffer that grows to it copies itself a dozen times.
pub fn list(body: &impl Serialize, items: usize) -> Reply {
    /// A key as JSON is 400 to 500 bytes.
    const BYTES_PER_ITEM: usize = 512;
    let mut buffer = Vec::with_capacity(items.saturating_add(1).saturating_mul(BYTES_PER_ITEM));
    serde_json::to_writer(&mut buffer, body).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(header::ContentType::json())
        .body(buffer))
}

/// A body that holds a secret must not be kept by any cache.
fn no_store(mut builder: HttpResponseBuilder) -> HttpResponseBuilder {
    builder.insert_header((header::CACHE_CONTROL, "no-store"));
    builder
}

/// 204 for a revoked key, its last version as `ETag`.
pub fn revoked(version: i64) -> HttpResponse {
    versioned(HttpResponse::NoContent(), version).finish()
}
