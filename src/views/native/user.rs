//! People as the native API shows them: users, memberships, invitations,
//! and the requests that sign in, invite, accept and change a password.

use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};

use super::MeView;
use crate::domain::{Email, Invitation, Membership, Password, PersonName, Role, Timestamp, User};
use crate::service::invitations::{Acceptance, NewInvitation};
use crate::service::paging::{self, Page, PageAsked};
use crate::service::sessions::SignIn;
use crate::service::users::PasswordChange;
use crate::service::Asked;

/// A person who signs in with an email address and a password.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(examples(json!({
    "id": "Qm3Q8vTnK2pLr7sXw4yZa1",
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "crn": "crn::user:Qm3Q8vTnK2pLr7sXw4yZa1",
    "createdAt": "2026-12-02T09:15:00.000Z",
    "lastLoginAt": "2026-12-02T09:20:31.417Z"
})))]
pub struct UserView {
    /// 22 ASCII letters and digits.
    id: String,
    /// As it was invited (or given on the command line); unique whatever
    /// its case.
    email: String,
    name: String,
    /// `crn::user:{id}`: what `createdBy`, `modifiedBy` and key events
    /// record for the user's changes.
    crn: String,
    created_at: Timestamp,
    /// `null` before the first sign-in.
    #[schema(required = true)]
    last_login_at: Option<Timestamp>,
}

impl UserView {
    pub fn new(user: User) -> Self {
        Self {
            crn: user.crn().into_string(),
            id: user.id.as_str().to_owned(),
            email: user.email.as_str().to_owned(),
            name: user.name.as_str().to_owned(),
            created_at: user.created_at,
            last_login_at: user.last_login_at,
        }
    }
}

/// A user's role on an account (and, through it, on the account's
/// descendants).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(examples(json!({
    "accountId": "Jaim1Cu1Q55uooxSens6yk",
    "accountName": "Corner Cafe",
    "userId": "Qm3Q8vTnK2pLr7sXw4yZa1",
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "crn": "crn::user:Qm3Q8vTnK2pLr7sXw4yZa1",
    "role": "account-owner",
    "createdAt": "2026-12-02T09:18:02.114Z",
    "createdBy": "crn:WIj211vFs9cNACwBb04vQw:api-key:owner"
})))]
pub struct MembershipView {
    account_id: String,
    account_name: String,
    user_id: String,
    email: String,
    name: String,
    /// The member's CRN.
    crn: String,
    #[schema(value_type = Role)]
    role: &'static str,
    /// When the invitation was accepted.
    created_at: Timestamp,
    /// The CRN of whoever invited the user (the command line for the first).
    created_by: String,
}

impl MembershipView {
    pub fn new(membership: Membership) -> Self {
        Self {
            account_id: membership.account_id.as_str().to_owned(),
            account_name: membership.account_name.as_str().to_owned(),
            crn: crate::domain::Crn::user(&membership.user_id).into_string(),
            user_id: membership.user_id.as_str().to_owned(),
            email: membership.email.as_str().to_owned(),
            name: membership.name.as_str().to_owned(),
            role: membership.role.as_str(),
            created_at: membership.created_at,
            created_by: membership.created_by.into_string(),
        }
    }
}

/// A page of an account's members, oldest membership first.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MembershipPageView {
    /// At most `limit` memberships; `[]` when there are none (more).
    items: Vec<MembershipView>,
    /// Pass as `pageKey` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    next_page_key: Option<String>,
}

impl MembershipPageView {
    pub fn new(page: Page<Membership>) -> Self {
        Self {
            items: page.items.into_iter().map(MembershipView::new).collect(),
            next_page_key: page.next_page_key,
        }
    }
}

/// `?limit=…&pageKey=…` of a list of members or invitations.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberListQuery {
    /// Items per page, 1 to 1000; 100 when left out.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// The `nextPageKey` of the previous page of this list.
    #[serde(rename = "pageKey")]
    page_key: Option<String>,
}

impl MemberListQuery {
    pub fn command(self) -> Asked<PageAsked> {
        Ok(PageAsked {
            limit: self.limit.as_deref().map(paging::parse_limit).transpose()?,
            page_key: self.page_key,
            page_key_named: paging::PAGE_KEY,
        })
    }
}

/// An email address as a body sends it: the domain's rule (`Email`).
fn email_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "An email address, in any case: visible ASCII, exactly one `@`, at most 254 \
             characters.",
        ))
        .max_length(Some(254))
        .pattern(Some(Email::PATTERN))
}

/// A person's name as a body sends it: the domain's rule (`PersonName`).
fn person_name_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "A new user's name: 1 to 128 characters, not all spaces, no control or \
             bidirectional formatting characters. Required and checked when a user has the \
             invited address already too, but that user keeps its own name.",
        ))
        .min_length(Some(1))
        .max_length(Some(128))
        .pattern(Some(PersonName::PATTERN))
}

/// `POST /api/session`: an email address and its password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"email": "ada@example.com", "password": "correct horse battery staple"})))]
pub struct SignInBody {
    /// The address (see `email_schema`).
    #[schema(schema_with = email_schema)]
    email: String,
    #[schema(min_length = 1, max_length = 1024)]
    password: String,
}

impl SignInBody {
    pub fn command(self) -> Asked<SignIn> {
        Ok(SignIn {
            email: Email::parse(&self.email)?,
            password: Password::presented(self.password),
        })
    }
}

/// A signed-in user, and the CSRF token its changes must carry.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignedInView {
    user: UserView,
    /// Send it back in the `x-csrf-token` header of every `POST`, `PUT` and
    /// `DELETE` made with the session cookie.
    csrf_token: String,
}

impl SignedInView {
    pub fn new(user: User, csrf_token: String) -> Self {
        Self {
            user: UserView::new(user),
            csrf_token,
        }
    }
}

/// `GET /api/me` with the session cookie: the user, what it is a member
/// of, and the session's CSRF token.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserMeView {
    user: UserView,
    /// Oldest first.
    memberships: Vec<MembershipView>,
    /// As `POST /api/session` gave it.
    csrf_token: String,
}

impl UserMeView {
    pub fn new(user: User, memberships: Vec<Membership>, csrf_token: String) -> Self {
        Self {
            user: UserView::new(user),
            memberships: memberships.into_iter().map(MembershipView::new).collect(),
            csrf_token,
        }
    }
}

/// `GET /api/me`: the key behind an `x-api-key` credential, or the
/// signed-in user behind the session cookie.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum MeAnswer {
    Key(MeView),
    User(UserMeView),
}

/// `PUT /api/me/password`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(examples(json!({
    "currentPassword": "correct horse battery staple",
    "newPassword": "a longer passphrase nobody else uses"
})))]
pub struct ChangePasswordBody {
    #[schema(min_length = 1, max_length = 1024)]
    current_password: String,
    /// 12 to 256 characters; not a common password, nor the user's email
    /// address or its local part.
    #[schema(min_length = 12, max_length = 256)]
    new_password: String,
}

impl ChangePasswordBody {
    pub fn command(self) -> Asked<PasswordChange> {
        Ok(PasswordChange {
            current: Password::presented(self.current_password),
            new: self.new_password,
        })
    }
}

/// `POST /api/accounts/{accountId}/invitations`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"email": "ada@example.com", "role": "account-owner"})))]
pub struct CreateInvitationBody {
    /// The address of the person invited (see `email_schema`).
    #[schema(schema_with = email_schema)]
    email: String,
    /// The role the membership will have.
    #[schema(value_type = Role)]
    role: String,
}

impl CreateInvitationBody {
    pub fn command(self) -> Asked<NewInvitation> {
        Ok(NewInvitation {
            email: Email::parse(&self.email)?,
            role: Role::parse(&self.role)?,
        })
    }
}

/// A pending invitation.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(examples(json!({
    "id": "5f0c6a8e-2d0b-4c55-9f57-0c1f3e2a9b7d",
    "accountId": "Jaim1Cu1Q55uooxSens6yk",
    "email": "ada@example.com",
    "role": "account-owner",
    "createdAt": "2026-12-02T09:10:00.000Z",
    "createdBy": "crn:Jaim1Cu1Q55uooxSens6yk:api-key:owner",
    "expiresAt": "2026-12-09T09:10:00.000Z"
})))]
pub struct InvitationView {
    #[schema(format = "uuid")]
    id: String,
    account_id: String,
    email: String,
    #[schema(value_type = Role)]
    role: &'static str,
    created_at: Timestamp,
    /// The CRN of whoever invited.
    created_by: String,
    /// After this it can no longer be accepted.
    expires_at: Timestamp,
}

impl InvitationView {
    pub fn new(invitation: Invitation) -> Self {
        Self {
            id: invitation.id.to_string(),
            account_id: invitation.account_id.as_str().to_owned(),
            email: invitation.email.as_str().to_owned(),
            role: invitation.role.as_str(),
            created_at: invitation.created_at,
            created_by: invitation.created_by.into_string(),
            expires_at: invitation.expires_at,
        }
    }
}

/// A new invitation and its token, which this answer shows once.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedInvitationView {
    #[serde(flatten)]
    invitation: InvitationView,
    /// The one-time token (`kwinv_…`) to hand to the person invited, who
    /// accepts with `POST /api/invitations/{token}/accept`. Only its
    /// SHA-256 digest is stored; it is never shown again.
    token: String,
}

impl CreatedInvitationView {
    pub fn new(invitation: Invitation, token: String) -> Self {
        Self {
            invitation: InvitationView::new(invitation),
            token,
        }
    }
}

/// A page of pending invitations, oldest first.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvitationPageView {
    /// At most `limit` invitations; `[]` when there are none (more).
    items: Vec<InvitationView>,
    /// Pass as `pageKey` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    next_page_key: Option<String>,
}

impl InvitationPageView {
    pub fn new(page: Page<Invitation>) -> Self {
        Self {
            items: page.items.into_iter().map(InvitationView::new).collect(),
            next_page_key: page.next_page_key,
        }
    }
}

/// `POST /api/invitations/{token}/accept`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"name": "Ada Lovelace", "password": "correct horse battery staple"})))]
pub struct AcceptInvitationBody {
    /// A new user's name (see `person_name_schema`).
    #[schema(schema_with = person_name_schema)]
    name: String,
    /// A new user's password: 12 to 256 characters, not a common password,
    /// nor the address or its local part. When a user has the invited
    /// address already: that user's password.
    #[schema(min_length = 12, max_length = 256)]
    password: String,
}

impl AcceptInvitationBody {
    pub fn command(self) -> Asked<Acceptance> {
        Ok(Acceptance {
            name: self.name,
            password: self.password,
        })
    }
}

/// The user (new or not) and its new membership.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AcceptedView {
    user: UserView,
    membership: MembershipView,
}

impl AcceptedView {
    pub fn new(user: User, membership: Membership) -> Self {
        Self {
            user: UserView::new(user),
            membership: MembershipView::new(membership),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AccountName;
    use utoipa::PartialSchema;

    /// The documented patterns are the domain's rules.
    #[test]
    fn patterns_are_the_domain_rules() {
        for schema in [SignInBody::schema(), CreateInvitationBody::schema()] {
            let json = serde_json::to_value(schema).unwrap();
            assert_eq!(json["properties"]["email"]["pattern"], Email::PATTERN);
        }
        let json = serde_json::to_value(AcceptInvitationBody::schema()).unwrap();
        assert_eq!(json["properties"]["name"]["pattern"], PersonName::PATTERN);
        assert_eq!(PersonName::PATTERN, AccountName::PATTERN);
    }
}
