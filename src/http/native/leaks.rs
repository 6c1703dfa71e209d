//! `POST /api/leaks`: a secret scanner reports Keyward credentials it found
//! in public, and Keyward revokes or ends each genuine one at once.
//!
//! No caller credential is needed: holding the leaked secret is the proof,
//! and the answer about anything short of it (a malformed string, an unknown
//! id, a wrong secret) is the same `false_positive`.

use actix_web::{post, web};

use crate::http::body::JsonArray;
use crate::http::client::ClientAddress;
use crate::http::reply::{self, Reply};
use crate::service::{leaks, Keyward};
use crate::views::native::{LeakFindingView, LeakReportBody};

/// Report leaked credentials
///
/// Takes the report GitHub's secret scanning partner program sends: a JSON
/// array of `{token, type, url, source}`. Each genuine API key that is not
/// yet revoked is revoked, with an audit event of kinds `revoked` and
/// `leaked` recording `url` and `source`; each genuine session token not yet
/// expired is ended. The answer lists each token in order, labelled
/// `true_positive` (a credential Keyward issued, with its right secret) or
/// `false_positive` (anything else, all alike), with what was done. Needs
/// no credential; every token that is not genuine counts as a failed
/// authentication, and past the limit the answer is `429`.
#[utoipa::path(
    security(()),
    request_body = LeakReportBody,
    responses(
        (status = 200, description = "One finding per reported token, in order.",
            body = Vec<LeakFindingView>,
            headers(("Cache-Control" = String,
                description = "`no-store`: the body repeats the reported tokens."))),
        (status = 400, description = "The body is not a JSON array of at most 100 objects \
            with a string `token` and `type`, or `type`, `url` or `source` is too long."),
        (status = 413, description = "The body is over 256 KiB."),
    ),
)]
#[post("/api/leaks")]
pub async fn report_leaks(
    kw: web::Data<Keyward>,
    ClientAddress(client): ClientAddress,
    body: JsonArray<LeakReportBody>,
) -> Reply {
    let asked = body.0.and_then(LeakReportBody::command);
    let findings = leaks::report(&kw, client, asked).await?;
    Ok(reply::secret_body(LeakFindingView::list(findings)))
}
