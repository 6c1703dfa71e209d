//! Around every request: a request id, the access log line and the request
//! metrics. The log line names the path without its query string (which may
//! carry `api_key=`) and with anything credential-shaped in it redacted (an
//! invitation token is part of its accept path), and no header is ever
//! logged, so no `x-api-key` and no cookie.

use std::future::Future;
use std::time::Instant;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::web;

use crate::service::Keyward;

/// The header that carries a request's id, both ways.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A client's id is echoed when it is 1 to 128 characters of letters, digits
/// and `-_.:` and does not look like a credential (a key pasted into the
/// wrong header would otherwise reach the log); otherwise a new one is made.
fn acceptable(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        && matches!(
            crate::secret::redact_credentials(id),
            std::borrow::Cow::Borrowed(_)
        )
}

/// The path as the access log shows it: the segment after
/// `/api/invitations/` (an invitation's token) replaced whatever it holds,
/// and anything else credential-shaped redacted. Segments are compared
/// percent-decoded, as routing compares them: `/api/invitations/kwinv%5F…`
/// reaches the accept route too.
fn logged_path(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let mut shown: Vec<&str> = Vec::with_capacity(segments.len());
    for (i, segment) in segments.iter().enumerate() {
        let token = i >= 2
            && decoded(segments[i - 2]) == "api"
            && decoded(segments[i - 1]) == "invitations";
        shown.push(if token {
            crate::secret::REDACTED
        } else {
            segment
        });
    }
    crate::secret::redact_credentials(&shown.join("/")).into_owned()
}

/// `segment` with its `%XX` escapes decoded (invalid UTF-8 replaced).
fn decoded(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A fresh request id: a random (version 4) UUID from the thread's
/// generator, which costs no system call per request as `Uuid::new_v4` does.
fn new_request_id() -> String {
    uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .to_string()
}

/// The middleware, for `App::wrap_fn`.
pub fn observe<S, B>(
    req: ServiceRequest,
    service: &S,
) -> impl Future<Output = Result<ServiceResponse<B>, actix_web::Error>> + 'static
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: 'static,
{
    let started = Instant::now();
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| acceptable(id))
        .map_or_else(new_request_id, str::to_owned);
    // Only standard methods become metric labels: a client inventing
    // methods must not grow the metrics without bound.
    let method: &'static str = match req.method().as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "OPTIONS" => "OPTIONS",
        _ => "OTHER",
    };
    let logged_method = req.method().to_string();
    let path = logged_path(req.path());
    let peer = super::client::address(req.request())
        .map_or_else(|| "-".to_owned(), |addr| addr.to_string());
    let kw = req.app_data::<web::Data<Keyward>>().cloned();
    let response = service.call(req);
    async move {
        let mut response = response.await?;
        let status = response.status().as_u16();
        let route = response
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            response.headers_mut().insert(REQUEST_ID, value);
        }
        let elapsed = started.elapsed();
        if let Some(kw) = kw {
            kw.metrics.observe_request(&route, method, status, elapsed);
        }
        log::info!(
            target: "keyward::access",
            "{peer} \"{logged_method} {path}\" {status} {:.3}ms route={route} request_id={request_id}",
            elapsed.as_secs_f64() * 1000.0
        );
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::{acceptable, logged_path};

    #[test]
    fn the_invitation_segment_is_redacted_however_it_is_written() {
        for (path, logged) in [
            ("/api/invitations/kwinv_abc/accept", "/api/invitations"),
            ("/api/invitations/kwinv%5Fabc/accept", "/api/invitations"),
            (
                "/api/%69nvitations/kw%69nv%5fabc/accept",
                "/api/%69nvitations",
            ),
            (
                "/api/invitations/anything-at-all/accept",
                "/api/invitations",
            ),
        ] {
            assert_eq!(
                logged_path(path),
                format!("{logged}/[redacted]/accept"),
                "{path}"
            );
        }
        assert_eq!(
            logged_path("/api/accounts/a1/invitations/0c3e"),
            "/api/accounts/a1/invitations/0c3e",
            "an invitation's id is no secret"
        );
    }

    #[test]
    fn only_plain_ids_are_echoed() {
        assert!(acceptable("3f2a-11:req_7.b"));
        assert!(!acceptable(""));
        assert!(!acceptable(&"a".repeat(129)));
        assert!(!acceptable("id with space"));
        assert!(!acceptable("id\"quoted"));
        assert!(!acceptable("kw_0123456789abcdef0123456789abcdef"));
        assert!(!acceptable("req-KWST_abc"));
    }
}
