//! What a handler reads from the request line and headers, each typed once
//! with its OpenAPI description: the path's segments, `If-Match`, and query
//! strings. Reading never fails before the caller is authorized: a value
//! that does not parse is carried as an `Err` into the service operation,
//! which authorizes first (see `service::Asked`).

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::Required;
use utoipa::IntoParams;

use crate::error::ApiError;
use crate::service::api_keys::KeyRef;
use crate::service::Asked;

/// `/api/accounts/{account_id}/…`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AccountPath {
    /// The account: 22 ASCII letters and digits. Any account but the
    /// caller's own is 403.
    #[param(example = "r046bIHYG9OGHRq22uSr3d")]
    pub account_id: String,
}

/// `/api/accounts/{account_id}/api-keys/{name}/…`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct KeyPath {
    /// The account: 22 ASCII letters and digits. Any account but the
    /// caller's own is 403.
    #[param(example = "r046bIHYG9OGHRq22uSr3d")]
    pub account_id: String,
    /// The key's name; case-sensitive.
    #[param(example = "FrontTill1")]
    name: String,
}

impl KeyPath {
    pub fn key(&self) -> KeyRef {
        KeyRef::Name(self.name.clone())
    }
}

/// `/api/v1/api_keys/{id}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct KeyIdPath {
    /// The key's id (a UUID). Anything else, or another account's key, is 404.
    #[param(example = "99967ad0-1446-4d70-a2a7-3c5dbd7c5ade")]
    id: String,
}

impl KeyIdPath {
    pub fn key(&self) -> KeyRef {
        KeyRef::Id(self.id.clone())
    }
}

/// A query string read into `T`; a query string that does not fit is a 400.
pub struct Query<T>(pub Asked<T>);

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let query = web::Query::<T>::from_query(req.query_string())
            .map(web::Query::into_inner)
            .map_err(|e| ApiError::BadRequest(format!("invalid query string: {e}")));
        ready(Ok(Self(query)))
    }
}

/// `If-Match` as RFC 9110 reads it: `*`, or a list of entity tags (`"3"`,
/// also `W/"3"` or a bare `3`), in one field line or spread over several.
/// `None` when there is no condition (absent, or `*`); otherwise the key
/// versions any one of which lets the change go ahead. Anything else is a 400.
pub struct IfMatch(pub Asked<Option<Vec<i64>>>);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(if_match(req))))
    }
}

fn if_match(req: &HttpRequest) -> Asked<Option<Vec<i64>>> {
    let bad = || ApiError::BadRequest("If-Match must be a key version such as \"1\"".into());
    let mut lines = req.headers().get_all(header::IF_MATCH).peekable();
    if lines.peek().is_none() {
        return Ok(None);
    }
    let mut members = Vec::new();
    for line in lines {
        let line = line.to_str().map_err(|_| bad())?;
        members.extend(line.split(',').map(str::trim).filter(|m| !m.is_empty()));
    }
    match members.as_slice() {
        ["*"] => Ok(None),
        [] => Err(bad()),
        _ => members
            .iter()
            .map(|member| {
                let tag = member.strip_prefix("W/").unwrap_or(member);
                let version = match tag.strip_prefix('"') {
                    Some(quoted) => quoted.strip_suffix('"').ok_or_else(bad)?,
                    None => tag,
                };
                version.parse::<i64>().map_err(|_| bad())
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
    }
}

impl IntoParams for IfMatch {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        // The forms above, so that generated requests reach the version check.
        let pattern = r#"^(\*|(W/)?"[0-9]{1,18}"|[0-9]{1,18})$"#;
        vec![ParameterBuilder::new()
            .name("If-Match")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "Apply the change only if the key is at this version: `\"3\"`, `3` or \
                 `W/\"3\"`; `*` matches any version. As RFC 9110 allows, a list \
                 (`\"3\", \"4\"`) matches any version listed. Anything else is 400.",
            ))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(pattern)),
            ))
            .example(Some("\"1\"".into()))
            .build()]
    }
}

/// `/api/accounts/{account_id}/invitations/{invitation_id}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct InvitationPath {
    /// The account: 22 ASCII letters and digits.
    #[param(example = "r046bIHYG9OGHRq22uSr3d")]
    pub account_id: String,
    /// The invitation's id (a UUID); anything else is 404.
    #[param(example = "5f0c6a8e-2d0b-4c55-9f57-0c1f3e2a9b7d")]
    pub invitation_id: String,
}

/// `/api/accounts/{account_id}/memberships/{user_id}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MemberPath {
    /// The account: 22 ASCII letters and digits.
    #[param(example = "r046bIHYG9OGHRq22uSr3d")]
    pub account_id: String,
    /// The member's user id: 22 ASCII letters and digits; anything else is 404.
    #[param(example = "Qm3Q8vTnK2pLr7sXw4yZa1")]
    pub user_id: String,
}

/// `/api/invitations/{token}/accept`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct InvitationTokenPath {
    /// The invitation token (`kwinv_…`) the create answer showed.
    #[param(example = "kwinv_5f0c6a8e2d0b4c559f570c1f3e2a9b7dQ3k9ZrT1xWb7Lm2Np8Vc4Hs6F1a2b3")]
    pub token: String,
}
