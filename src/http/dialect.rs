//! The two dialects. A dialect supplies two things: the shape of its error
//! body, and where a request's credential is read from. Everything else,
//! handlers, extractors and the fallback (`routes::fallback`), is shared:
//! every error is an [`ApiError`], and [`render_errors`] gives it the body
//! of the dialect of the path it answers.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::{Payload, ServiceResponse};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};

use super::session;
use crate::auth;
use crate::domain::Principal;
use crate::error::{ApiError, ErrorCode};
use crate::service::Keyward;
use crate::views::native::NativeErrorBody;
use crate::views::v1::V1ErrorDocument;

/// The prefix of the `/api/v1` dialect's paths.
pub const V1_PREFIX: &str = "/api/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `/api` and everything outside it: the Centrapay shapes.
    Native,
    /// `/api/v1`: the Vaultera shapes (JSON:API envelopes).
    V1,
}

impl Dialect {
    /// The dialect of the path a request was made to.
    pub fn of(path: &str) -> Dialect {
        match path.strip_prefix(V1_PREFIX) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => Dialect::V1,
            _ => Dialect::Native,
        }
    }

    /// The body that answers `error`.
    pub fn error_body(self, error: &ApiError) -> serde_json::Value {
        let body = match self {
            Dialect::Native => serde_json::to_value(NativeErrorBody::new(error)),
            Dialect::V1 => serde_json::to_value(V1ErrorDocument::new(error)),
        };
        body.unwrap_or_default()
    }

    /// The credential a request presents: the `x-api-key` header, and in
    /// `/api/v1` also the `api_key` query parameter. `Err` when it is there
    /// but unusable (see [`auth::header_credential`]).
    pub fn credential(self, req: &HttpRequest) -> Result<Option<Cow<'_, str>>, ApiError> {
        // Borrowed from the header: no allocation on the hot path.
        if let Some(header) = auth::header_credential(req)? {
            return Ok(Some(Cow::Borrowed(header)));
        }
        match self {
            Dialect::V1 => Ok(auth::query_credential(req.query_string())?.map(Cow::Owned)),
            Dialect::Native => Ok(None),
        }
    }
}

/// The one way an error becomes a response: its status and headers here,
/// in the native shape; [`render_errors`] gives `/api/v1` paths theirs.
impl ResponseError for ApiError {
    fn status_code(&self) -> actix_web::http::StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        if self.status().is_server_error() {
            log::error!("request failed: {self:?}");
        }
        self.response(Dialect::Native)
    }
}

impl ApiError {
    /// This error as `dialect` answers it.
    fn response(&self, dialect: Dialect) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status());
        self.decorate(&mut builder);
        builder.json(dialect.error_body(self))
    }
}

/// Error middleware (`ErrorHandlers::default_handler`): an [`ApiError`]
/// answering a path of the `/api/v1` dialect gets that dialect's body.
pub fn render_errors<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let dialect = Dialect::of(res.request().path());
    let v1_error = dialect == Dialect::V1
        && res
            .response()
            .error()
            .and_then(|e| e.as_error::<ApiError>())
            .is_some();
    if !v1_error {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let (req, res) = res.into_parts();
    let response = match res.error().and_then(|e| e.as_error::<ApiError>()) {
        Some(error) => error.response(dialect),
        None => HttpResponse::InternalServerError().finish(),
    };
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}

/// The authenticated caller of a request, from the credential its dialect
/// reads or, on a native route with no `x-api-key`, the session cookie,
/// with the service to act through. A handler that takes one cannot run for
/// an anonymous request.
pub struct Caller {
    pub kw: web::Data<Keyward>,
    pub who: Principal,
    /// The session's CSRF token, when the caller came with the cookie.
    pub csrf_token: Option<String>,
}

impl Caller {
    /// The caller's own account, which every `/api/v1` route acts on: a
    /// key's. A user has none (`403`).
    pub fn own_account(&self) -> Result<&str, ApiError> {
        match &self.who {
            Principal::Key(key) => Ok(key.account_id.as_str()),
            Principal::User(_) => Err(ErrorCode::Forbidden.into()),
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let kw = req
                .app_data::<web::Data<Keyward>>()
                .cloned()
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no service in app data")))?;
            let dialect = Dialect::of(req.path());
            let presented = dialect.credential(&req)?;
            let client = super::client::address(&req);
            let cookie = match (&presented, dialect) {
                (None, Dialect::Native) => session::cookie(&req),
                _ => None,
            };
            let Some(cookie) = cookie else {
                let who = auth::authenticate(&kw, presented.as_deref(), client).await?;
                return Ok(Caller {
                    kw,
                    who,
                    csrf_token: None,
                });
            };
            let user = kw.authenticate_user(&cookie, client).await?;
            session::check_change(&req, &cookie)?;
            Ok(Caller {
                kw,
                who: Principal::User(user),
                csrf_token: session::csrf_token(&cookie),
            })
        })
    }
}
