//! What the operations of the OpenAPI 3.1 document share. The operations
//! themselves come from the handlers' `#[utoipa::path]` annotations as
//! `routes` registers them, and `routes` serves the document.
//!
//! Here: the document's description and security schemes, and the error
//! answers routes share, each declared once for both dialects with its
//! meaning taken from `ErrorCode`. [`finish`] adds the ones every route of
//! a kind gives, by what the route takes (a credential, an account, a key,
//! `If-Match`, a body), so that no handler lists them; a handler names the
//! others by its dialect (`native::NameTaken`).
//! docs/openapi.json is a snapshot of the document, checked by
//! `tests/api/openapi.rs`.

use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

use super::dialect::Dialect;
use crate::domain::{KeyStatus, Role, Scope, Timestamp};
use crate::error::{ApiError, ErrorCode};
use crate::views::native::NativeErrorBody;
use crate::views::v1::{V1ErrorDocument, V1ErrorObject};

/// The whole API. Paths are listed in the order docs/api.md describes them.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Keyward",
        version = env!("CARGO_PKG_VERSION"),
        description = "Account-scoped API keys and session tokens, in two dialects over the \
            same operations: the native API under `/api` (camelCase JSON, keys addressed by \
            name, errors as `{\"statusCode\",\"error\",\"message\"}`) and the `/api/v1` \
            dialect (JSON:API envelopes, snake_case, keys addressed by id, errors as \
            `{\"errors\":[{\"status\",\"title\",\"detail\"}]}`).\n\n\
            Every path answers a method it does not list with `405 METHOD_NOT_ALLOWED` and an \
            `Allow` header, and a path no route has with `404 ROUTE_NOT_FOUND`, both in the \
            error shape of the path's dialect. Every response carries `x-request-id`: the \
            client's own when it sent an acceptable one, a new id otherwise.",
        license(name = "MIT OR Apache-2.0"),
    ),
    components(
        schemas(
            NativeErrorBody,
            V1ErrorDocument,
            V1ErrorObject,
            Timestamp,
            Role,
            Scope,
            KeyStatus,
        ),
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "native", description = "The native API under `/api`."),
        (name = "v1", description = "The `/api/v1` dialect: JSON:API envelopes, always on \
            the caller's own account."),
        (name = "operations", description = "Health, metrics, this document and the \
            dashboard: no credential needed."),
    ),
)]
pub struct ApiDoc;

/// Completes the document once every route's operation is in. An
/// operation of the API (no `operations` tag) takes its dialect from its
/// path, as the server does: the dialect's tag; its credential where the
/// dialect reads one, unless the handler says `security(())` (none needed);
/// its error body on every error a handler describes in words; and the
/// answers every route of its kind gives. `HEAD` operations get ids of
/// their own.
pub fn finish(mut document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    for (path, item) in document.paths.paths.iter_mut() {
        let dialect = Dialect::of(path);
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            // An operation's id is its handler's name, in camelCase.
            operation.operation_id = operation.operation_id.as_deref().map(camel_case);
            if operation.tags.is_none() {
                complete(operation, path, dialect);
            }
        }
        // An authenticated POST makes a secret (a key, a new secret, a
        // token), which its answer shows once: `reply` marks it `no-store`.
        if let Some(post) = item.post.as_mut().filter(|o| o.security.is_some()) {
            if let Some(RefOr::T(answer)) = post.responses.responses.get_mut("200") {
                let header = HeaderBuilder::new()
                    .schema(ObjectBuilder::new().schema_type(Type::String))
                    .description(Some("`no-store`: the body holds a secret."));
                let headers = &mut answer.headers;
                headers.insert("Cache-Control".into(), header.build());
            }
        }
        // `#[route]` gives `HEAD` the id of `GET`; ids must be unique.
        if let Some(head) = &mut item.head {
            let id = head.operation_id.as_deref().map(camel_case);
            head.operation_id = id.map(|id| format!("{id}Head"));
        }
    }
    let used = serde_json::to_string(&document.paths).unwrap_or_default();
    let components = document.components.get_or_insert_with(Default::default);
    for (name, response) in shared_responses() {
        if used.contains(&format!("\"#/components/responses/{name}\"")) {
            components.responses.insert(name, response.into());
        }
    }
    document
}

/// See [`finish`].
fn complete(operation: &mut Operation, path: &str, dialect: Dialect) {
    let (tag, prefix, schemes) = match dialect {
        Dialect::Native => ("native", "Native", &["ApiKeyHeader"][..]),
        Dialect::V1 => ("v1", "V1", &["ApiKeyHeader", "ApiKeyQuery"][..]),
    };
    operation.tags = Some(vec![tag.to_owned()]);
    let secured = match &operation.security {
        None => {
            let each = schemes
                .iter()
                .map(|s| SecurityRequirement::new(*s, [""; 0]));
            operation.security = Some(each.collect());
            true
        }
        Some(_) => {
            operation.security = None;
            false
        }
    };
    for (status, response) in operation.responses.responses.iter_mut() {
        if let (true, RefOr::T(response)) = (status.as_str() >= "400", response) {
            if response.content.is_empty() {
                let schema = Ref::from_schema_name(error_schema(dialect));
                let content = ContentBuilder::new().schema(Some(schema)).build();
                response.content.insert("application/json".into(), content);
            }
        }
    }
    let has_body = operation.request_body.is_some();
    let on_account = path.contains("{account_id}") || dialect == Dialect::V1;
    let on_key = path.contains("{name}") || path.contains("{id}");
    let params = operation.parameters.as_deref().unwrap_or_default();
    let conditional = params.iter().any(|p| p.name == "If-Match");
    let query = params.iter().any(|p| p.parameter_in == ParameterIn::Query);
    let asks = !operation.responses.responses.contains_key("400");
    let answers = [
        (
            400,
            "BadRequest",
            asks && (has_body || query || conditional),
        ),
        (401, "Unauthorized", secured),
        (403, "Forbidden", secured && on_account),
        (404, "KeyNotFound", on_key),
        (412, "VersionMismatch", conditional),
        (413, "PayloadTooLarge", has_body),
        (415, "UnsupportedMediaType", has_body),
        (429, "TooManyRequests", true),
        (500, "InternalError", true),
        (503, "ServiceUnavailable", true),
    ];
    for (status, name, applies) in answers {
        if applies {
            let reference = Ref::from_response_name(format!("{prefix}{name}"));
            let responses = &mut operation.responses.responses;
            responses.insert(status.to_string(), reference.into());
        }
    }
}

/// Declares the two places a credential can travel.
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
                 `Invalid authentication`.",
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

/// One answer routes give alike: its description and the errors behind it,
/// each shown as an example in the dialect's body.
struct Answer {
    description: String,
    examples: Vec<ApiError>,
}

impl Answer {
    /// The answer that is one of `codes`, each described by its meaning.
    fn codes(codes: &[ErrorCode]) -> Self {
        let described = codes.iter().map(|c| format!("`{c}`: {}", c.meaning()));
        Self {
            description: capitalized(&described.collect::<Vec<_>>().join("; ")) + ".",
            examples: codes.iter().map(|&c| c.into()).collect(),
        }
    }

    /// An answer without a stable code: a message for people.
    fn message(description: &str, example: ApiError) -> Self {
        Self {
            description: description.to_owned(),
            examples: vec![example],
        }
    }

    fn response(self, dialect: Dialect) -> Response {
        let schema = error_schema(dialect);
        let throttled = self.examples.iter().any(|e| e.status().as_u16() == 429);
        let examples = self.examples.iter().map(|error| {
            let name = match error {
                ApiError::Code(code) => code.as_str(),
                other => other.status().canonical_reason().unwrap_or("error"),
            };
            let value = ExampleBuilder::new().value(Some(dialect.error_body(error)));
            (name, value.build())
        });
        let content = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name(schema)))
            .examples_from_iter(examples)
            .build();
        let mut response = ResponseBuilder::new()
            .description(self.description)
            .content("application/json", content);
        if throttled {
            let seconds = ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1));
            let header = HeaderBuilder::new().schema(seconds).description(Some(
                "Seconds left in the counting window. The server closes the connection \
                 after this response.",
            ));
            response = response.header("Retry-After", header.build());
        }
        response.build()
    }
}

/// `list_key_events` as `listKeyEvents`.
fn camel_case(snake: &str) -> String {
    let mut words = snake.split('_');
    let first = words.next().unwrap_or_default().to_owned();
    words.fold(first, |id, word| id + &capitalized(word))
}

/// The schema of `dialect`'s error body.
fn error_schema(dialect: Dialect) -> std::borrow::Cow<'static, str> {
    match dialect {
        Dialect::Native => NativeErrorBody::name(),
        Dialect::V1 => V1ErrorDocument::name(),
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Declares each shared answer once, as the reusable response `Native…` in
/// module `native` and `V1…` in module `v1`, for `#[utoipa::path]` to
/// name, and [`shared_responses`] for the document's components.
macro_rules! shared_responses {
    ($($name:ident = $answer:expr,)*) => {
        fn answer(name: &str) -> Option<Answer> {
            use ErrorCode::*;
            match name {
                $(stringify!($name) => Some($answer),)*
                _ => None,
            }
        }

        /// Every shared answer in both dialects.
        fn shared_responses() -> Vec<(String, Response)> {
            let names = [$(stringify!($name)),*];
            [("Native", Dialect::Native), ("V1", Dialect::V1)]
                .into_iter()
                .flat_map(|(prefix, dialect)| {
                    names.iter().filter_map(move |name| {
                        let response = answer(name)?.response(dialect);
                        Some((format!("{prefix}{name}"), response))
                    })
                })
                .collect()
        }

        shared_responses!(@dialect native, "Native", $($name)*);
        shared_responses!(@dialect v1, "V1", $($name)*);
    };
    (@dialect $module:ident, $prefix:literal, $($name:ident)*) => {
        #[doc = concat!("The shared answers in the `", $prefix, "` dialect.")]
        pub mod $module {
            $(
                #[doc = concat!("`", $prefix, stringify!($name), "`.")]
                pub struct $name;

                impl<'s> utoipa::ToResponse<'s> for $name {
                    fn response() -> (&'s str, utoipa::openapi::RefOr<utoipa::openapi::Response>) {
                        let name = concat!($prefix, stringify!($name));
                        (name, utoipa::openapi::Ref::from_response_name(name).into())
                    }
                }
            )*
        }
    };
}

shared_responses! {
    BadRequest = Answer::message(
        "A value breaks a rule its schema states (a body that is not JSON of the \
         documented shape, a value out of its range or set, a bad `If-Match`); `message` \
         says which.",
        ApiError::BadRequest("limit must be between 1 and 100".into()),
    ),
    Unauthorized = Answer::codes(&[MissingAuthentication, InvalidAuthentication]),
    Forbidden = Answer::codes(&[Forbidden]),
    KeyNotFound = Answer::codes(&[ApiKeyNotFound]),
    NameTaken = Answer::codes(&[ApiKeyNameTaken]),
    Busy = Answer::codes(&[ConcurrentModification]),
    ChangeConflict = Answer::codes(&[ApiKeyRevoked, ConcurrentModification]),
    RotateConflict = Answer::codes(&[ApiKeyRevoked, ApiKeyExpired, ConcurrentModification]),
    VersionMismatch = Answer::codes(&[VersionMismatch]),
    PayloadTooLarge = Answer::message(
        "The body is over 16 KiB.",
        ApiError::PayloadTooLarge(super::MAX_BODY_BYTES),
    ),
    UnsupportedMediaType = Answer::message(
        "The `Content-Type` is not `application/json` nor another `application/…+json` type.",
        ApiError::UnsupportedMediaType,
    ),
    TooManyRequests = Answer::codes(&[RateLimitExceeded]),
    InternalError = Answer::codes(&[InternalError]),
    ServiceUnavailable = Answer::codes(&[ServiceUnavailable]),
}
