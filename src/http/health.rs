//! Liveness.

use actix_web::HttpResponse;

/// `GET /healthz`: the process is up. Touches nothing else.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}
