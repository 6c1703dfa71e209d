//! The signed-in user's session cookie, and what guards its use: the
//! HTTPS rule of sign-in, and the cross-site request forgery (CSRF)
//! defences of every change made with the cookie.
//!
//! - The cookie `keyward_session` is `HttpOnly` (no script reads it),
//!   `SameSite=Strict` (a browser sends it on no request another site
//!   starts), `Path=/`, with `Max-Age` the session's absolute lifetime, and
//!   `Secure` whenever the client used HTTPS (see `client::is_https`).
//! - A sign-in, and the acceptance of an invitation (it presents a
//!   password too), is refused with `403 HTTPS_REQUIRED` over plain HTTP,
//!   unless the client is on this host (a loopback peer that sends no
//!   forwarding header, or a loopback client named by a trusted proxy) or
//!   the server runs with `--allow-insecure-sign-in`.
//! - A request made with the cookie whose method is not `GET`, `HEAD` or
//!   `OPTIONS` needs the session's CSRF token in `x-csrf-token`
//!   (`403 CSRF_TOKEN_INVALID`), and, when it has an `Origin` header, an
//!   origin equal to this server's own (`403 ORIGIN_NOT_ALLOWED`). A
//!   sign-in with a foreign `Origin` is refused too.
//!
//! Only native routes read the cookie, and only when no `x-api-key` is sent
//! (`dialect::Caller`).

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::{web, HttpRequest};

use super::client;
use crate::error::{ApiError, ErrorCode};
use crate::secret::{self, Secret, SecretKind};

/// The cookie's name.
pub const COOKIE: &str = "keyward_session";

/// The header a change made with the cookie carries its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How sign-ins may travel: `keyward serve --allow-insecure-sign-in`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Transport {
    pub allow_insecure_sign_in: bool,
}

/// The session cookie's value, when the request has a non-empty one (the
/// first, should a browser send two).
pub fn cookie(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|line| line.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && !value.is_empty())
        .map(|(_, value)| value.trim_matches('"').to_owned())
}

/// The `Set-Cookie` value that gives the client `token` for `max_age`
/// seconds.
pub fn set_cookie(req: &HttpRequest, token: &Secret, max_age: i64) -> HeaderValue {
    cookie_header(req, token.expose(), max_age)
}

/// The `Set-Cookie` value that makes the client forget the cookie.
pub fn clear_cookie(req: &HttpRequest) -> HeaderValue {
    cookie_header(req, "", 0)
}

fn cookie_header(req: &HttpRequest, value: &str, max_age: i64) -> HeaderValue {
    let secure = if client::is_https(req) {
        "; Secure"
    } else {
        ""
    };
    let text =
        format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}");
    // The token is base62 and the rest fixed text: always a valid value.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Refuses a request that presents a password (a sign-in, an accepted
/// invitation) when it came over plain HTTP from anywhere but this host
/// (unless the server allows it; see `client::is_loopback` for what counts
/// as this host), or from a page of another origin.
pub fn check_sign_in(req: &HttpRequest) -> Result<(), ApiError> {
    check_origin(req)?;
    let allowed = req
        .app_data::<web::Data<Transport>>()
        .is_some_and(|transport| transport.allow_insecure_sign_in);
    if client::is_https(req) || client::is_loopback(req) || allowed {
        Ok(())
    } else {
        Err(ErrorCode::HttpsRequired.into())
    }
}

/// The CSRF token of the session whose cookie is `cookie`.
pub fn csrf_token(cookie: &str) -> Option<String> {
    secret::parse_as(SecretKind::UserSession, cookie).map(|(_, token)| secret::csrf_token(&token))
}

/// Refuses a change (any method but `GET`, `HEAD`, `OPTIONS`) made with
/// the session cookie `cookie` from a foreign origin or without the
/// session's CSRF token.
pub fn check_change(req: &HttpRequest, cookie: &str) -> Result<(), ApiError> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    check_origin(req)?;
    let expected = csrf_token(cookie).ok_or(ErrorCode::InvalidAuthentication)?;
    let mut sent = req.headers().get_all(CSRF_HEADER);
    match (sent.next().map(|v| v.as_bytes()), sent.next()) {
        (Some(sent), None) if secret::digests_match(sent, expected.as_bytes()) => Ok(()),
        _ => Err(ErrorCode::CsrfTokenInvalid.into()),
    }
}

/// Refuses a request whose `Origin` header names another origin than the
/// one the client addressed (`null` included). No `Origin`: nothing to
/// compare (a browser sends one on every cross-site `POST`, `PUT` and
/// `DELETE`; the CSRF token still has to be right).
fn check_origin(req: &HttpRequest) -> Result<(), ApiError> {
    let mut sent = req.headers().get_all(header::ORIGIN);
    let Some(origin) = sent.next() else {
        return Ok(());
    };
    let own = client::own_origin(req);
    match (origin.to_str(), own, sent.next()) {
        (Ok(origin), Some(own), None) if origin.trim().eq_ignore_ascii_case(&own) => Ok(()),
        _ => Err(ErrorCode::OriginNotAllowed.into()),
    }
}
