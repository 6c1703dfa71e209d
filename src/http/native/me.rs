//! `/api/me`: who is calling, and a user's own password.

use actix_web::http::header;
use actix_web::{get, put, HttpResponse};

use crate::domain::Principal;
use crate::http::body::Json;
use crate::http::client::ClientAddress;
use crate::http::dialect::Caller;
use crate::http::openapi::native;
use crate::http::reply::Reply;
use crate::service::users;
use crate::views::native::{ChangePasswordBody, MeAnswer, MeView, UserMeView};

/// The caller
///
/// With an API key or a session token: the key. Any valid credential may
/// ask: either role, and session tokens. With a session token the answer
/// also has the token's `scope` and `expiresAt`, and names the key that
/// minted it.
///
/// With the session cookie (and no `x-api-key`): the signed-in user, the
/// accounts it is a member of with its role on each, and the session's
/// `csrfToken`.
#[utoipa::path(
    responses((status = 200, description = "The key behind the credential, or the signed-in \
        user.", body = MeAnswer,
        headers(("Cache-Control" = String, description = "`no-store` on a signed-in \
            user's answer, which holds the CSRF token.")))),
)]
#[get("/api/me")]
pub async fn get_me(caller: Caller) -> Reply {
    let Principal::Key(key) = &caller.who else {
        let (user, memberships) = users::me(&caller.kw, &caller.who).await?;
        let csrf = caller.csrf_token.clone().unwrap_or_default();
        return Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(UserMeView::new(user, memberships, csrf)));
    };
    Ok(HttpResponse::Ok().json(MeView::new(key)))
}

/// Change one's password
///
/// For a signed-in user: sets a new password once `currentPassword` is
/// shown to be the current one (under the sign-in throttle), and ends
/// every other session of the user; this one goes on. The new password
/// must be 12 to 256 characters and neither a common password nor the
/// user's email address or its local part. An API key has no password:
/// `403`.
#[utoipa::path(
    responses(
        (status = 204, description = "Changed; the user's other sessions have ended."),
        (status = 400, description = "`PASSWORD_TOO_SHORT`, `PASSWORD_TOO_LONG` or \
            `PASSWORD_TOO_COMMON` for the new password; `CURRENT_PASSWORD_INCORRECT`; or a \
            body that does not parse."),
        (status = 429, response = native::SignInThrottled),
    ),
)]
#[put("/api/me/password")]
pub async fn change_password(
    caller: Caller,
    ClientAddress(client): ClientAddress,
    Json(body): Json<ChangePasswordBody>,
) -> Reply {
    let asked = body.and_then(ChangePasswordBody::command);
    users::change_password(&caller.kw, &caller.who, asked, client).await?;
    Ok(HttpResponse::NoContent().finish())
}
