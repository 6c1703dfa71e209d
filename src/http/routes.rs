//! Every route, each declared once. A handler's actix attribute (`#[get]`,
//! `#[route]`, …) names its method and path; registering it here with
//! `service` both routes requests to it and adds its `#[utoipa::path]`
//! operation to the OpenAPI document, from which the fallback's `405`
//! answers are derived. Adding an endpoint is its handler and one line here.

use std::sync::{Mutex, OnceLock, PoisonError};

use actix_web::{get, web, HttpRequest, HttpResponse};
use utoipa::openapi::OpenApi as Document;
use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::AppExt;

use super::openapi::native as shared;
use super::{dashboard, health, native, v1};
use crate::error::{ApiError, ErrorCode};
use crate::service::{Keyward, Limits};

/// Registers every route. actix tries them in this order, matching each
/// path with parameters by a regular expression, so the two routes other
/// services call on their own hot paths come before any such path (behind
/// ten of them, `/api/verify` spent a tenth of its time in the router).
/// The OpenAPI document lists the paths in the same order.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics)
        .service(native::me::get_me)
        .service(native::verify::verify_credential)
        .service(native::api_keys::create_key)
        .service(native::api_keys::list_keys)
        .service(native::api_keys::get_key)
        .service(native::api_keys::update_key)
        .service(native::api_keys::revoke_key)
        .service(native::lifecycle::rotate_key)
        .service(native::lifecycle::list_key_events)
        .service(native::usage::get_key_usage)
        .service(native::session_tokens::mint_session_token)
        .service(native::accounts::create_account)
        .service(native::accounts::create_child_account)
        .service(native::accounts::list_child_accounts)
        .service(native::accounts::get_account)
        .service(native::accounts::update_account)
        .service(native::leaks::report_leaks)
        .service(native::usage::get_account_usage)
        .service(native::session::sign_in)
        .service(native::session::sign_out)
        .service(native::me::change_password)
        .service(native::invitations::create_invitation)
        .service(native::invitations::list_invitations)
        .service(native::invitations::withdraw_invitation)
        .service(native::invitations::accept_invitation)
        .service(native::memberships::list_memberships)
        .service(native::memberships::remove_membership)
        .service(v1::api_keys::v1_list_api_keys)
        .service(v1::api_keys::v1_create_api_key)
        .service(v1::api_keys::v1_get_api_key)
        .service(v1::api_keys::v1_revoke_api_key)
        .service(v1::session_tokens::v1_create_session_token)
        .service(openapi)
        .service(dashboard::dashboard)
        .service(dashboard::dashboard_file);
}

/// The OpenAPI document: the paths [`routes`] registers, on the shared
/// parts `openapi::ApiDoc` declares.
fn openapi_document() -> &'static Document {
    static DOCUMENT: OnceLock<Document> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let (_, document) = actix_web::App::new()
            .into_utoipa_app()
            .openapi(super::openapi::ApiDoc::openapi())
            .configure(routes)
            .split_for_parts();
        super::openapi::finish(document)
    })
}

/// The document as served, with the bounds `limits` set: pretty-printed,
/// with a final newline. Built once for the limits a server runs with (a
/// process that runs servers with other limits, as tests do, builds again).
pub fn document(limits: &Limits) -> Result<web::Bytes, ApiError> {
    static DOCUMENT: Mutex<Option<(Limits, web::Bytes)>> = Mutex::new(None);
    let mut cached = DOCUMENT.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, json)) = cached.as_ref().filter(|(built_for, _)| built_for == limits) {
        return Ok(json.clone());
    }
    let document = super::openapi::with_limits(openapi_document().clone(), limits);
    let mut json = document.to_pretty_json().map_err(ApiError::internal)?;
    json.push('\n');
    let json = web::Bytes::from(json);
    *cached = Some((limits.clone(), json.clone()));
    Ok(json)
}

/// This document
///
/// The OpenAPI 3.1 description of every route. Needs no credential.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The OpenAPI document.", body = Object,
            content_type = "application/json"),
        (status = 500, response = shared::InternalError),
    ),
)]
#[get("/api/openapi.json")]
pub async fn openapi(kw: web::Data<Keyward>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(document(&kw.limits)?))
}

/// Answers a request no route takes: 405 with `Allow` when the path has
/// routes for other methods, 404 `ROUTE_NOT_FOUND` otherwise, in the path's
/// dialect (see `dialect::render_errors`).
pub async fn fallback(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(match allowed(req.path()) {
        Some(allow) => ApiError::MethodNotAllowed(allow),
        None => ErrorCode::RouteNotFound.into(),
    })
}

/// The methods a path takes (`"GET, HEAD"`), when some route has it.
pub fn allowed(path: &str) -> Option<String> {
    static TABLE: OnceLock<Vec<(Vec<String>, String)>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let paths = &openapi_document().paths.paths;
        paths
            .iter()
            .map(|(template, item)| {
                let item = serde_json::to_value(item).unwrap_or_default();
                let methods: Vec<&str> = ["GET", "HEAD", "POST", "PUT", "DELETE"]
                    .into_iter()
                    .filter(|method| item.get(method.to_lowercase()).is_some())
                    .collect();
                (
                    template.split('/').map(str::to_owned).collect(),
                    methods.join(", "),
                )
            })
            .collect()
    });
    let segments: Vec<&str> = path.split('/').collect();
    table
        .iter()
        .find(|(template, _)| matches(template, &segments))
        .map(|(_, allow)| allow.clone())
}

/// Whether a path's segments fit a template's, where `{name}` takes any
/// non-empty segment, as actix matches it.
fn matches(template: &[String], segments: &[&str]) -> bool {
    template.len() == segments.len()
        && template.iter().zip(segments).all(|(t, s)| {
            if t.starts_with('{') && t.ends_with('}') {
                !s.is_empty()
            } else {
                t == s
            }
        })
}
