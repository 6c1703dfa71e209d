//! `POST /api/verify`: lets another service check a credential it was handed.
//!
//! No caller credential is needed: the credential in the body is the proof,
//! and anything short of it (an unknown id, a wrong secret) is `NOT_FOUND`.

use actix_web::{post, web, HttpResponse};

use crate::http::body::Json;
use crate::http::client::ClientAddress;
use crate::http::reply::Reply;
use crate::service::Keyward;
use crate::views::native::{VerdictView, VerifyBody};

/// Check a credential
///
/// Needs no credential of its own: only a caller holding the full key or
/// token gets a positive answer, and only that answer says whose it is. A
/// credential that does not check out is a 200 with `valid: false`. With
/// `ip`, a key's allowlist is held against that address; without it, not.
#[utoipa::path(
    security(()),
    responses(
        (status = 200, description = "The verdict.", body = VerdictView),
        (status = 400, description = "The body does not parse, or not exactly one of `key` \
            and `sessionToken`."),
    ),
)]
#[post("/api/verify")]
pub async fn verify_credential(
    kw: web::Data<Keyward>,
    ClientAddress(client): ClientAddress,
    body: Json<VerifyBody>,
) -> Reply {
    let asked = body.0.and_then(VerifyBody::command)?;
    // Throttled like any other authentication, by the caller's address and
    // by key id: otherwise this route would be a way to guess secrets, or to
    // probe for key ids, without limit.
    let (verdict, standing) = kw
        .verify(
            &asked.credential,
            asked.kind,
            client,
            asked.origin,
            asked.cost,
        )
        .await?;
    Ok(HttpResponse::Ok().json(VerdictView::with_standing(&verdict, standing)))
}
