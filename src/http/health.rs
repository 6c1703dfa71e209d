//! Liveness, readiness and metrics: what operators and load balancers ask.

use actix_web::{get, route, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::http::openapi::native;
use crate::service::Keyward;
use crate::views::native::NativeErrorBody;

/// `{"status": "ok"}` from `/healthz`, `{"status": "ready"}` from `/readyz`.
#[derive(Serialize, ToSchema)]
#[schema(examples(json!({"status": "ok"})))]
pub struct HealthStatus {
    #[schema(examples("ok", "ready"))]
    status: &'static str,
}

/// Liveness: the process is up
///
/// Needs no credential and touches nothing else, so it answers as long as
/// the process runs. Also answers `HEAD`.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The process is up.", body = HealthStatus),
    ),
)]
#[route("/healthz", method = "GET", method = "HEAD")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus { status: "ok" })
}

/// Readiness: the database answers and every migration is applied
///
/// 503 otherwise, so a load balancer sends no traffic here yet. Needs no
/// credential. Also answers `HEAD`.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready for traffic.", body = HealthStatus,
            example = json!({"status": "ready"})),
        (status = 503, description = "The database cannot be reached, or a migration is not \
            applied yet.", body = NativeErrorBody,
            example = json!({"statusCode": 503, "error": "Service Unavailable",
                "message": "SERVICE_UNAVAILABLE"})),
        (status = 500, response = native::InternalError),
    ),
)]
#[route("/readyz", method = "GET", method = "HEAD")]
pub async fn readyz(kw: web::Data<Keyward>) -> Result<HttpResponse, ApiError> {
    kw.ready().await?;
    Ok(HttpResponse::Ok().json(HealthStatus { status: "ready" }))
}

/// Prometheus metrics
///
/// Request, authentication, cache and connection pool metrics in the
/// Prometheus text format. Needs no credential.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The metrics in the Prometheus text format 0.0.4.",
            body = String, content_type = "text/plain; version=0.0.4; charset=utf-8"),
    ),
)]
#[get("/metrics")]
pub async fn metrics(kw: web::Data<Keyward>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(kw.render_metrics())
}
