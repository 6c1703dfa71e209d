//! `/api/session`: signing in with an email and a password, and out.

use actix_web::http::header;
use actix_web::{delete, post, web, HttpRequest, HttpResponse};

use crate::http::body::Json;
use crate::http::client::ClientAddress;
use crate::http::dialect::Caller;
use crate::http::openapi::native;
use crate::http::reply::Reply;
use crate::http::session;
use crate::secret;
use crate::service::{sessions, Keyward};
use crate::views::native::{SignInBody, SignedInView};

/// Sign in
///
/// Starts a session for the user with this email address (any case) and
/// password, and sets it as the cookie `keyward_session`: `HttpOnly`,
/// `SameSite=Strict`, `Path=/`, `Max-Age` the session's absolute lifetime
/// (`--session-lifetime`), and `Secure` when the request came over HTTPS
/// (directly, or through a trusted proxy that says so). The session also
/// ends once unused for `--session-idle`. The answer's `csrfToken` goes in
/// the `x-csrf-token` header of every change made with the cookie.
///
/// An unknown address and a wrong password get the same answer after the
/// same work. Sign-in attempts are counted per email address and per
/// client address before the password is checked, and given back when it
/// was right; once the allowance is used up (20 failures per email address
/// in 15 minutes by default, and 100 per client address) every sign-in
/// with it, right or wrong, is `429` until the window ends. Over plain
/// HTTP a sign-in is refused unless the client is on this host or the
/// server allows it (`--allow-insecure-sign-in`); one from a page of
/// another origin is refused too. `503` when too many password checks are
/// waiting already (`--password-hash-queue`).
#[utoipa::path(
    security(()),
    responses(
        (status = 200, description = "Signed in; the session is in the cookie.",
            body = SignedInView,
            headers(("Set-Cookie" = String,
                description = "`keyward_session=…; Path=/; HttpOnly; SameSite=Strict; \
                    Max-Age=…` and `; Secure` over HTTPS."),
                ("Cache-Control" = String, description = "`no-store`."))),
        (status = 400, description = "The body does not parse, or `email` is not an \
            address."),
        (status = 401, response = native::SignInRefused),
        (status = 403, response = native::SignInForbidden),
        (status = 429, response = native::SignInThrottled),
    ),
)]
#[post("/api/session")]
pub async fn sign_in(
    req: HttpRequest,
    kw: web::Data<Keyward>,
    ClientAddress(client): ClientAddress,
    Json(body): Json<SignInBody>,
) -> Reply {
    session::check_sign_in(&req)?;
    let asked = body.and_then(SignInBody::command);
    let signed_in = sessions::sign_in(&kw, asked, client).await?;
    let lifetime = kw.limits.user_session_lifetime_seconds;
    let cookie = session::set_cookie(&req, &signed_in.token, lifetime);
    let csrf = secret::csrf_token(&signed_in.token);
    Ok(HttpResponse::Ok()
        .insert_header((header::SET_COOKIE, cookie))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(SignedInView::new(signed_in.user, csrf)))
}

/// Sign out
///
/// Ends the session of the cookie the request came with, and clears the
/// cookie. Like every change made with the cookie, it needs the
/// `x-csrf-token` header. An API key has no session: `403`.
#[utoipa::path(
    responses(
        (status = 204, description = "Signed out; the cookie is cleared.",
            headers(("Set-Cookie" = String,
                description = "`keyward_session=; …; Max-Age=0`."))),
    ),
)]
#[delete("/api/session")]
pub async fn sign_out(req: HttpRequest, caller: Caller) -> Reply {
    sessions::sign_out(&caller.kw, &caller.who).await?;
    Ok(HttpResponse::NoContent()
        .insert_header((header::SET_COOKIE, session::clear_cookie(&req)))
        .finish())
}
