//! The OpenAPI 3.1 document. Its operations come from the handlers'
//! `#[utoipa::path]` annotations as `routes` registers them, and `routes`
//! serves it; docs/openapi.json is a snapshot of it, checked by
//! `tests/api/openapi.rs`.
//!
//! Here: the document's description and security schemes. In `answers`, the
//! error answers routes share, each declared once for both dialects with
//! its meaning taken from `ErrorCode`; a handler names one by its dialect
//! (`native::NameTaken`). In `finish`, what each operation gets from its
//! shape, so that no handler lists it.

mod answers;
mod finish;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub use answers::{native, v1};
pub use finish::{finish, with_limits};

use crate::views::native::NativeErrorBody;
use crate::views::v1::V1ErrorDocument;

/// The whole API. Paths are listed in the order docs/api.md describes them.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Keyward",
        version = env!("CARGO_PKG_VERSION"),
        description = "Account-scoped API keys and session tokens, and the people who manage \
            them, in two dialects over the same operations: the native API under `/api` (camelCase JSON, keys addressed by \
            name, errors as `{\"statusCode\",\"error\",\"message\"}`) and the `/api/v1` \
            dialect (JSON:API envelopes, snake_case, keys addressed by id, errors as \
            `{\"errors\":[{\"status\",\"title\",\"detail\"}]}`).\n\n\
            Every path answers a method it does not list with `405 METHOD_NOT_ALLOWED` and an \
            `Allow` header, and a path no route has with `404 ROUTE_NOT_FOUND`, both in the \
            error shape of the path's dialect. Every response carries `x-request-id`: the \
            client's own when it sent an acceptable one, a new id otherwise.",
        license(name = "MIT OR Apache-2.0"),
        contact(name = "Keyward maintainers"),
    ),
    servers((url = "/", description = "The Keyward instance that serves this document.")),
    components(
        schemas(NativeErrorBody, V1ErrorDocument),
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "native", description = "The native API under `/api`."),
        (name = "v1", description = "The `/api/v1` dialect: JSON:API envelopes, always on \
            the caller's own account. A body is read as JSON whatever its `Content-Type` \
            says, or, labelled `application/x-www-form-urlencoded`, as nested form fields \
            (`api_key[description]=…`)."),
        (name = "operations", description = "Health, metrics, this document and the \
            dashboard: no credential needed."),
    ),
)]
pub struct ApiDoc;

/// Declares the places a credential can travel.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "ApiKeyHeader",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                crate::auth::API_KEY_HEADER,
                "An API key (`kw_…`) or a session token (`kwst_…`). Missing or empty: 401 \
                 `Missing authentication`; sent twice or not visible ASCII: 401 \
                 `Invalid authentication`. When present it wins over the session cookie.",
            ))),
        );
        components.add_security_scheme(
            "SessionCookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::http::session::COOKIE,
                "Native routes only, and only when no `x-api-key` is sent: the session a user \
                 started with `POST /api/session` (email and password), `HttpOnly`, \
                 `SameSite=Strict`. Every `POST`, `PUT` and `DELETE` made with it needs the \
                 session's `csrfToken` in the `x-csrf-token` header (else 403 \
                 `CSRF_TOKEN_INVALID`) and, when it has an `Origin` header, this server's own \
                 origin (else 403 `ORIGIN_NOT_ALLOWED`). An unknown, ended or signed-out \
                 session: 401 `Invalid authentication`.",
            ))),
        );
        components.add_security_scheme(
            "ApiKeyQuery",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "api_key",
                "`/api/v1` only: the credential as a query parameter. The header wins when \
                 both are present. Proxies and shell history may record query strings, so \
                 prefer the header.",
            ))),
        );
    }
}
