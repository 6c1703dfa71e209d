//! `/api/v1/api_keys[/{id}]`: always on the caller's own account.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use rand::distributions::{Alphanumeric, DistString};
use serde::Deserialize;

use super::error::V1Error;
use super::views::{self, Document};
use crate::auth;
use crate::domain::permission::Action;
use crate::domain::{Description, KeyName, Role};
use crate::error::ApiError;
use crate::http::body::{object, read_json};
use crate::service::api_keys::{self, KeyRef, NewKey, NAME_TAKEN};
use crate::service::{authorize, Keyward};
use crate::store::api_keys::StatusFilter;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    #[serde(deserialize_with = "object")]
    api_key: CreateAttributes,
}

/// Only `description` is in the dialect; `name` and `role` are Keyward's
/// extensions with defaults (a generated name, `account-owner`).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CreateAttributes {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    role: Option<String>,
}

/// Tries before giving up on generating an unused name (collisions need
/// 2^59 names; this only guards against the impossible).
const NAME_ATTEMPTS: usize = 3;

/// `key` + 12 random letters or digits: alphanumeric like every key name.
fn generated_name() -> String {
    format!(
        "key{}",
        Alphanumeric.sample_string(&mut rand::rngs::OsRng, 12)
    )
}

pub async fn list(req: HttpRequest, kw: web::Data<Keyward>) -> Result<HttpResponse, V1Error> {
    let caller = auth::v1_caller(&req, &kw).await?;
    let account = caller.account_id.as_str().to_owned();
    let keys = api_keys::list(&kw, &caller, &account, StatusFilter::All).await?;
    let data: Vec<_> = keys.into_iter().map(|k| views::api_key(k, None)).collect();
    Ok(HttpResponse::Ok().json(Document { data }))
}

pub async fn create(
    req: HttpRequest,
    kw: web::Data<Keyward>,
    payload: web::Payload,
) -> Result<HttpResponse, V1Error> {
    let caller = auth::v1_caller(&req, &kw).await?;
    let account = caller.account_id.as_str().to_owned();
    authorize(&caller, &account, Action::CreateKey)?;
    let body: CreateBody = read_json(&req, payload).await?;
    let attributes = body.api_key;
    let description = attributes
        .description
        .as_deref()
        .map(Description::parse)
        .transpose()?;
    let role = match attributes.role.as_deref() {
        Some(role) => Role::parse(role)?,
        None => Role::AccountOwner,
    };
    let given_name = attributes.name.as_deref().map(KeyName::parse).transpose()?;
    let mut attempts = 0;
    let (key, secret) = loop {
        attempts += 1;
        let name = match &given_name {
            Some(name) => name.clone(),
            None => KeyName::parse(&generated_name())?,
        };
        let new = NewKey {
            name,
            role,
            description: description.clone(),
        };
        match api_keys::create(&kw, &caller, &account, new).await {
            Err(ApiError::Conflict(NAME_TAKEN))
                if given_name.is_none() && attempts < NAME_ATTEMPTS => {}
            other => break other?,
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Document {
            data: views::api_key(key, Some(secret.expose())),
        }))
}

fn key_id(req: &HttpRequest) -> KeyRef {
    KeyRef::Id(req.match_info().query("id").to_owned())
}

pub async fn show(req: HttpRequest, kw: web::Data<Keyward>) -> Result<HttpResponse, V1Error> {
    let caller = auth::v1_caller(&req, &kw).await?;
    let account = caller.account_id.as_str().to_owned();
    let key = api_keys::get(&kw, &caller, &account, key_id(&req)).await?;
    Ok(HttpResponse::Ok().json(Document {
        data: views::api_key(key, None),
    }))
}

pub async fn revoke(req: HttpRequest, kw: web::Data<Keyward>) -> Result<HttpResponse, V1Error> {
    let caller = auth::v1_caller(&req, &kw).await?;
    let account = caller.account_id.as_str().to_owned();
    api_keys::revoke(&kw, &caller, &account, key_id(&req), None).await?;
    Ok(HttpResponse::NoContent().finish())
}
