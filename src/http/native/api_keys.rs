//! `/api/accounts/{accountId}/api-keys[/{name}]`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::views::KeyView;
use crate::auth;
use crate::domain::permission::Action;
use crate::domain::{Description, KeyName, Role};
use crate::error::ApiError;
use crate::http::body::{present, read_json};
use crate::service::api_keys::{self, KeyRef, KeyUpdate, NewKey};
use crate::service::{authorize, Keyward};
use crate::store::api_keys::StatusFilter;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: String,
    role: String,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    #[serde(default, deserialize_with = "present")]
    enabled: Option<Option<bool>>,
    #[serde(default, deserialize_with = "present")]
    description: Option<Option<String>>,
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
}

fn account_id(req: &HttpRequest) -> &str {
    req.match_info().query("account_id")
}

fn key_name(req: &HttpRequest) -> KeyRef {
    KeyRef::Name(req.match_info().query("name").to_owned())
}

/// `If-Match: "3"` (or `3`) -> `Some(3)`; anything else that is present is a 400.
/// `*` matches any version.
fn if_match(req: &HttpRequest) -> Result<Option<i64>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let value = value.to_str().unwrap_or_default().trim();
    if value == "*" {
        return Ok(None);
    }
    value
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i64>()
        .map(Some)
        .map_err(|_| ApiError::BadRequest("If-Match must be a key version such as \"1\"".into()))
}

fn with_etag(version: i64) -> actix_web::HttpResponseBuilder {
    let mut builder = HttpResponse::Ok();
    builder.insert_header((header::ETAG, format!("\"{version}\"")));
    builder
}

pub async fn create(
    req: HttpRequest,
    kw: web::Data<Keyward>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let caller = auth::caller(&req, &kw).await?;
    authorize(&caller, account_id(&req), Action::CreateKey)?;
    let body: CreateBody = read_json(&req, payload).await?;
    let new = NewKey {
        name: KeyName::parse(&body.name)?,
        role: Role::parse(&body.role)?,
        description: body
            .description
            .as_deref()
            .map(Description::parse)
            .transpose()?,
    };
    let (key, secret) = api_keys::create(&kw, &caller, account_id(&req), new).await?;
    let version = key.version;
    Ok(with_etag(version)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(KeyView::with_secret(key, secret.expose().to_owned())))
}

pub async fn list(req: HttpRequest, kw: web::Data<Keyward>) -> Result<HttpResponse, ApiError> {
    let caller = auth::caller(&req, &kw).await?;
    authorize(&caller, account_id(&req), Action::ListKeys)?;
    let query = web::Query::<ListQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::BadRequest(format!("invalid query string: {e}")))?;
    let filter = match query.status.as_deref() {
        None => StatusFilter::All,
        Some("active") => StatusFilter::Active,
        Some("revoked") => StatusFilter::Revoked,
        Some(_) => {
            return Err(ApiError::BadRequest(
                "status must be \"active\" or \"revoked\"".into(),
            ))
        }
    };
    let keys = api_keys::list(&kw, &caller, account_id(&req), filter).await?;
    Ok(HttpResponse::Ok().json(keys.into_iter().map(KeyView::new).collect::<Vec<_>>()))
}

pub async fn show(req: HttpRequest, kw: web::Data<Keyward>) -> Result<HttpResponse, ApiError> {
    let caller = auth::caller(&req, &kw).await?;
    let key = api_keys::get(&kw, &caller, account_id(&req), key_name(&req)).await?;
    Ok(with_etag(key.version).json(KeyView::new(key)))
}

pub async fn update(
    req: HttpRequest,
    kw: web::Data<Keyward>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let caller = auth::caller(&req, &kw).await?;
    authorize(&caller, account_id(&req), Action::UpdateKey)?;
    let expected = if_match(&req)?;
    let body: UpdateBody = read_json(&req, payload).await?;
    let enabled = match body.enabled {
        Some(None) => return Err(ApiError::BadRequest("enabled must be true or false".into())),
        other => other.flatten(),
    };
    let description = body
        .description
        .map(|d| d.as_deref().map(Description::parse).transpose())
        .transpose()?;
    if enabled.is_none() && description.is_none() {
        return Err(ApiError::BadRequest(
            "give at least one of enabled, description".into(),
        ));
    }
    let update = KeyUpdate {
        enabled,
        description,
    };
    let key = api_keys::update(
        &kw,
        &caller,
        account_id(&req),
        key_name(&req),
        update,
        expected,
    )
    .await?;
    Ok(with_etag(key.version).json(KeyView::new(key)))
}

pub async fn revoke(req: HttpRequest, kw: web::Data<Keyward>) -> Result<HttpResponse, ApiError> {
    let caller = auth::caller(&req, &kw).await?;
    authorize(&caller, account_id(&req), Action::RevokeKey)?;
    let expected = if_match(&req)?;
    let key = api_keys::revoke(&kw, &caller, account_id(&req), key_name(&req), expected).await?;
    Ok(HttpResponse::NoContent()
        .insert_header((header::ETAG, format!("\"{}\"", key.version)))
        .finish())
}
