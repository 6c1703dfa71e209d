//! Liveness, readiness and metrics: what operators and load balancers ask.

use actix_web::{web, HttpResponse};

use crate::error::ApiError;
use crate::service::Keyward;
use crate::store::pending_migrations;

/// `GET /healthz`: the process is up. Touches nothing else.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// `GET /readyz`: the database answers and every migration is applied;
/// 503 otherwise, so a load balancer sends no traffic here yet.
pub async fn readyz(kw: web::Data<Keyward>) -> Result<HttpResponse, ApiError> {
    let pending = kw
        .blocking(|_, conn| {
            pending_migrations(conn)
                .map_err(|e| ApiError::Unavailable(anyhow::anyhow!("checking migrations: {e}")))
        })
        .await?;
    if pending > 0 {
        return Err(ApiError::Unavailable(anyhow::anyhow!(
            "{pending} migration(s) not applied"
        )));
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })))
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(kw: web::Data<Keyward>) -> HttpResponse {
    let (open, idle) = kw.db.pool_state();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(kw.metrics.render(open, idle))
}
