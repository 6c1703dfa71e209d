//! The admin dashboard: one static page for account owners, with its script,
//! style sheet and icon compiled into the binary, so serving it needs no files
//! on disk and no build step. The page talks only to the native API, with the
//! owner's key in `x-api-key`.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{route, HttpResponse};

const INDEX_HTML: &str = include_str!("dashboard/index.html");
const SCRIPT: &str = include_str!("dashboard/dashboard.js");
const STYLE: &str = include_str!("dashboard/dashboard.css");
const ICON: &str = include_str!("dashboard/icon.svg");

/// Only this origin's own files may run, style or be fetched; no inline code,
/// no framing, and `form-action 'none'` so that a form can never be submitted
/// as a navigation (which could put the key into a URL) if the script fails.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// The admin dashboard
///
/// One static page for account owners, which talks to the native API with
/// the owner's key. Never cached: it is the entry point of a page that
/// handles secrets, and a stale copy could load stale assets. Also answers
/// `HEAD`; its script, style sheet and icon are under `/dashboard/`.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The dashboard page.", body = String,
            content_type = "text/html; charset=utf-8",
            headers(("Cache-Control" = String, description = "`no-store`."))),
    ),
)]
#[route("/dashboard", method = "GET", method = "HEAD")]
pub async fn dashboard() -> HttpResponse {
    embedded("text/html; charset=utf-8", "no-store", INDEX_HTML)
}

/// The dashboard's script
///
/// Revalidated on every use (`no-cache`), so a new release is picked up.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The dashboard's script.", body = String,
            content_type = "text/javascript; charset=utf-8"),
    ),
)]
#[route("/dashboard/dashboard.js", method = "GET", method = "HEAD")]
pub async fn dashboard_script() -> HttpResponse {
    embedded("text/javascript; charset=utf-8", "no-cache", SCRIPT)
}

/// The dashboard's style sheet
///
/// Revalidated on every use (`no-cache`), so a new release is picked up.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The dashboard's style sheet.", body = String,
            content_type = "text/css; charset=utf-8"),
    ),
)]
#[route("/dashboard/dashboard.css", method = "GET", method = "HEAD")]
pub async fn dashboard_style() -> HttpResponse {
    embedded("text/css; charset=utf-8", "no-cache", STYLE)
}

/// The dashboard's icon
///
/// Revalidated on every use (`no-cache`), so a new release is picked up.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The dashboard's icon.", body = String,
            content_type = "image/svg+xml"),
    ),
)]
#[route("/dashboard/icon.svg", method = "GET", method = "HEAD")]
pub async fn dashboard_icon() -> HttpResponse {
    embedded("image/svg+xml", "no-cache", ICON)
}

/// An embedded file with the headers every dashboard response carries.
fn embedded(content_type: &'static str, cache: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(content_type)))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(body)
}
