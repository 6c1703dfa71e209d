//! `/api/accounts/{accountId}/invitations[/{invitationId}]` and
//! `/api/invitations/{token}/accept`.

use actix_web::http::header;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};

use crate::http::body::Json;
use crate::http::client::ClientAddress;
use crate::http::dialect::Caller;
use crate::http::openapi::native;
use crate::http::params::{AccountPath, InvitationPath, InvitationTokenPath, Query};
use crate::http::reply::{self, Reply};
use crate::http::session;
use crate::service::{invitations, Keyward};
use crate::views::native::{
    AcceptInvitationBody, AcceptedView, CreateInvitationBody, CreatedInvitationView,
    InvitationPageView, MemberListQuery,
};

/// Invite a member
///
/// Invites the person with this email address to be a member of the
/// account with the role given. The answer shows the one-time `token`, the
/// only time it is shown (only its SHA-256 digest is stored): Keyward sends
/// no mail, so hand it to the person, who accepts it with
/// `POST /api/invitations/{token}/accept` before `expiresAt` (7 days by
/// default). An address has one pending invitation to an account at a
/// time: inviting it again replaces the one before, whose token stops
/// working. Needs an `account-owner` API key or owner membership of that
/// account or of an ancestor.
#[utoipa::path(
    params(AccountPath),
    responses(
        (status = 201, description = "The invitation and its token.",
            body = CreatedInvitationView,
            headers(("Cache-Control" = String, description = "`no-store`: the body holds \
                a secret."))),
        (status = 409, response = native::InviteConflict),
    ),
)]
#[post("/api/accounts/{account_id}/invitations")]
pub async fn create_invitation(
    caller: Caller,
    path: web::Path<AccountPath>,
    Json(body): Json<CreateInvitationBody>,
) -> Reply {
    let asked = body.and_then(CreateInvitationBody::command);
    let (invitation, token) =
        invitations::create(&caller.kw, &caller.who, &path.account_id, asked).await?;
    let view = CreatedInvitationView::new(invitation, token.expose().to_owned());
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(view))
}

/// List pending invitations
///
/// The account's invitations not yet accepted, withdrawn or expired, oldest
/// first, a page at a time (`limit`, `pageKey`), without their tokens.
/// Needs an `account-owner` API key or owner membership of that account or
/// of an ancestor.
#[utoipa::path(
    params(AccountPath, MemberListQuery),
    responses((status = 200, description = "A page of invitations.", body = InvitationPageView)),
)]
#[get("/api/accounts/{account_id}/invitations")]
pub async fn list_invitations(
    caller: Caller,
    path: web::Path<AccountPath>,
    Query(query): Query<MemberListQuery>,
) -> Reply {
    let asked = query.and_then(MemberListQuery::command);
    let page = invitations::list(&caller.kw, &caller.who, &path.account_id, asked).await?;
    let count = page.items.len();
    reply::list(&InvitationPageView::new(page), count)
}

/// Withdraw an invitation
///
/// Its token no longer accepts. Needs what inviting needs.
#[utoipa::path(
    params(InvitationPath),
    responses(
        (status = 204, description = "Withdrawn; no body."),
        (status = 404, response = native::InvitationNotFound),
    ),
)]
#[delete("/api/accounts/{account_id}/invitations/{invitation_id}")]
pub async fn withdraw_invitation(caller: Caller, path: web::Path<InvitationPath>) -> Reply {
    invitations::withdraw(
        &caller.kw,
        &caller.who,
        &path.account_id,
        &path.invitation_id,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Accept an invitation
///
/// Needs no credential: the token is the proof, and it is used up. For an
/// address no user has, creates the user with `name` and `password` (12 to
/// 256 characters, not a common password, nor the address or its local
/// part). For an address a user has, `password` must be that user's own
/// (checked as a sign-in is, under the same throttle; `name` must still
/// follow its rule, but the user keeps its own name),
/// and the membership is added to it. Accepting does not sign in. A token
/// that is not a pending invitation's (unknown, used, withdrawn, expired)
/// is `404 INVITATION_NOT_FOUND`, whichever it is. Like a sign-in, it is
/// refused over plain HTTP unless the client is on this host or the server
/// allows it (`--allow-insecure-sign-in`), and from a page of another
/// origin.
#[utoipa::path(
    security(()),
    params(InvitationTokenPath),
    responses(
        (status = 201, description = "The user and its new membership.", body = AcceptedView),
        (status = 400, description = "The body does not parse; `name` breaks its rule \
            (checked for an existing user too); `PASSWORD_TOO_SHORT`, `PASSWORD_TOO_LONG` or `PASSWORD_TOO_COMMON`."),
        (status = 401, response = native::SignInRefused),
        (status = 403, response = native::SignInForbidden),
        (status = 404, response = native::InvitationNotFound),
        (status = 409, response = native::AcceptConflict),
        (status = 429, response = native::SignInThrottled),
    ),
)]
#[post("/api/invitations/{token}/accept")]
pub async fn accept_invitation(
    req: HttpRequest,
    kw: web::Data<Keyward>,
    path: web::Path<InvitationTokenPath>,
    ClientAddress(client): ClientAddress,
    Json(body): Json<AcceptInvitationBody>,
) -> Reply {
    session::check_sign_in(&req)?;
    let asked = body.and_then(AcceptInvitationBody::command);
    let (user, membership) = invitations::accept(&kw, &path.token, asked, client).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(AcceptedView::new(user, membership)))
}
