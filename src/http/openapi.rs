//! What the operations of the OpenAPI 3.1 document share. The operations
//! themselves come from the handlers' `#[utoipa::path]` annotations as
//! `routes` registers them, and `routes` serves the document.
//!
//! Here: the schemas of types that cannot derive one (`Timestamp` stays
//! free of utoipa, and the closed sets of names come from the domain), the
//! path and header parameters several routes share, and the error answers
//! every route of a dialect gives alike, which [`finish`] adds to each
//! operation they apply to, so that no handler lists them.
//! docs/openapi.json is a snapshot of the document, checked by
//! `tests/api/openapi.rs`.

use std::borrow::Cow;

use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, Ref, RefOr, Required, Response, ResponseBuilder, Schema,
};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use super::dialect::{NativeErrorBody, V1ErrorDocument, V1ErrorObject};
use crate::domain::{KeyStatus, Role, Scope, Timestamp};
use crate::error::{ApiError, ErrorCode};

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
            VerifyCode,
        ),
        responses(
            native::Unauthorized,
            native::Forbidden,
            native::KeyNotFound,
            native::VersionMismatch,
            native::PayloadTooLarge,
            native::UnsupportedMediaType,
            native::TooManyRequests,
            native::InternalError,
            native::ServiceUnavailable,
            v1::Unauthorized,
            v1::Forbidden,
            v1::KeyNotFound,
            v1::PayloadTooLarge,
            v1::UnsupportedMediaType,
            v1::TooManyRequests,
            v1::InternalError,
            v1::ServiceUnavailable,
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

/// Completes the document once every route's operation is in: each
/// operation of a dialect gets the error answers that dialect gives on
/// every route of its kind, and `HEAD` operations get their own ids.
pub fn finish(mut document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::path::Operation;
    let shared = |operation: &mut Operation| {
        let tags = operation.tags.as_deref().unwrap_or_default();
        let prefix = match tags.first().map(String::as_str) {
            Some("native") => "Native",
            Some("v1") => "V1",
            _ => return,
        };
        let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
        let has_body = operation.request_body.is_some();
        let answers = [
            (401, "Unauthorized", secured),
            (413, "PayloadTooLarge", has_body),
            (415, "UnsupportedMediaType", has_body),
            (429, "TooManyRequests", true),
            (500, "InternalError", true),
            (503, "ServiceUnavailable", true),
        ];
        for (status, name, applies) in answers {
            if applies {
                let reference = Ref::from_response_name(format!("{prefix}{name}"));
                operation
                    .responses
                    .responses
                    .insert(status.to_string(), reference.into());
            }
        }
    };
    for item in document.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
        ] {
            operation.iter_mut().for_each(shared);
        }
        // `#[route]` gives `HEAD` the id of `GET`; ids must be unique.
        if let Some(head) = &mut item.head {
            head.operation_id = head.operation_id.take().map(|id| format!("{id}Head"));
        }
    }
    document
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

impl PartialSchema for Timestamp {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .description(Some(
                "An RFC 3339 instant in UTC with exactly three fractional digits and a `Z`.",
            ))
            .examples(["2020-06-01T22:32:56.631Z"])
            .into()
    }
}

impl ToSchema for Timestamp {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Timestamp")
    }
}

/// A string schema that allows only `values`.
fn one_of_names<'a>(description: &str, values: impl IntoIterator<Item = &'a str>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(values))
        .into()
}

/// The schema of the codes `POST /api/verify` reports.
pub struct VerifyCode;

impl PartialSchema for VerifyCode {
    fn schema() -> RefOr<Schema> {
        // The codes of `service::verify::Verdict::code`.
        one_of_names(
            "`VALID`, or why not: `MALFORMED` (not a Keyward credential of the expected kind; \
             nothing was looked up), `NOT_FOUND` (no such id, or a wrong secret), `DISABLED`, \
             `REVOKED` or `EXPIRED` (reported only to whoever presented the real secret).",
            [
                "VALID",
                "MALFORMED",
                "NOT_FOUND",
                "DISABLED",
                "REVOKED",
                "EXPIRED",
            ],
        )
    }
}

impl ToSchema for VerifyCode {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("VerifyCode")
    }
}

/// A string that is always `value`: the `type` member of a JSON:API resource.
fn constant(value: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some([value]))
}

/// `"type": "api_key"`.
pub fn api_key_type() -> ObjectBuilder {
    constant("api_key")
}

/// `"type": "session_token"`.
pub fn session_token_type() -> ObjectBuilder {
    constant("session_token")
}

/// A path or header parameter, required or not, as a string.
fn string_parameter(
    name: &str,
    place: ParameterIn,
    required: Required,
    description: &str,
    example: &str,
) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(place)
        .required(required)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .example(Some(example.into()))
        .build()
}

/// One answer every route of a dialect gives alike: its description, and
/// the errors behind it, each rendered as an example by the dialect.
struct SharedError {
    description: &'static str,
    examples: Vec<(&'static str, ApiError)>,
}

impl SharedError {
    /// The answer with `schema` as its body and `render`ed examples.
    fn response(self, schema: &str, render: fn(&ApiError) -> serde_json::Value) -> Response {
        let throttled = self
            .examples
            .iter()
            .any(|(_, e)| matches!(e, ApiError::TooManyRequests(_)));
        let examples = self.examples.iter().map(|(name, error)| {
            let example = ExampleBuilder::new().value(Some(render(error))).build();
            (*name, example)
        });
        let content = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name(schema)))
            .examples_from_iter(examples)
            .build();
        let mut response = ResponseBuilder::new()
            .description(self.description)
            .content("application/json", content);
        if throttled {
            response = response.header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(
                        ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .minimum(Some(1)),
                    )
                    .description(Some(
                        "Seconds left in the counting window. The server closes the \
                         connection after this response.",
                    ))
                    .build(),
            );
        }
        response.build()
    }
}

fn unauthorized() -> SharedError {
    SharedError {
        description: "No credential, or one that does not authenticate (malformed, unknown, \
            wrong secret, disabled, revoked or expired: the message does not say which).",
        examples: vec![
            ("missing", ErrorCode::MissingAuthentication.into()),
            ("invalid", ErrorCode::InvalidAuthentication.into()),
        ],
    }
}

fn forbidden() -> SharedError {
    SharedError {
        description: "`FORBIDDEN`: the credential is valid, but its role or type does not \
            allow this, or the path names another account.",
        examples: vec![("forbidden", ErrorCode::Forbidden.into())],
    }
}

fn key_not_found() -> SharedError {
    SharedError {
        description: "`API_KEY_NOT_FOUND`: no key with that name (native) or id (`/api/v1`) \
            in the caller's account.",
        examples: vec![("not found", ErrorCode::ApiKeyNotFound.into())],
    }
}

fn version_mismatch() -> SharedError {
    SharedError {
        description: "`VERSION_MISMATCH`: `If-Match` names a version the key is no longer at; \
            nothing changed.",
        examples: vec![("stale version", ErrorCode::VersionMismatch.into())],
    }
}

fn payload_too_large() -> SharedError {
    SharedError {
        description: "The body is over 16 KiB.",
        examples: vec![(
            "too large",
            ApiError::PayloadTooLarge(super::MAX_BODY_BYTES),
        )],
    }
}

fn unsupported_media_type() -> SharedError {
    SharedError {
        description: "The `Content-Type` is not `application/json` nor another \
            `application/…+json` type.",
        examples: vec![("not JSON", ApiError::UnsupportedMediaType)],
    }
}

fn too_many_requests() -> SharedError {
    SharedError {
        description: "`RATE_LIMIT_EXCEEDED`: too many failed authentications from this \
            address or against this key id.",
        examples: vec![("throttled", ApiError::TooManyRequests(30))],
    }
}

fn internal_error() -> SharedError {
    SharedError {
        description: "`INTERNAL_ERROR`: a fault in Keyward or an unexpected database error; \
            the cause is in the server log.",
        examples: vec![("internal", ApiError::Internal(anyhow::anyhow!("example")))],
    }
}

fn service_unavailable() -> SharedError {
    SharedError {
        description: "`SERVICE_UNAVAILABLE`: no database connection became free in time.",
        examples: vec![(
            "unavailable",
            ApiError::Unavailable(anyhow::anyhow!("example")),
        )],
    }
}

/// Declares `$name` as the reusable response `$prefix$name`, built by
/// `$build` and rendered with the dialect's `$schema`.
macro_rules! shared_responses {
    ($prefix:literal, $schema:ty, $render:expr; $($name:ident = $build:path),* $(,)?) => {
        $(
            #[doc = concat!("The `", $prefix, stringify!($name), "` response.")]
            pub struct $name;

            impl<'s> utoipa::ToResponse<'s> for $name {
                fn response() -> (&'s str, RefOr<Response>) {
                    let schema = <$schema as ToSchema>::name();
                    let response = $build().response(&schema, $render);
                    (concat!($prefix, stringify!($name)), response.into())
                }
            }
        )*
    };
}

/// What the native routes share: error answers and parameters.
pub mod native {
    use super::*;

    shared_responses!(
        "Native",
        NativeErrorBody,
        |e| serde_json::to_value(NativeErrorBody::new(e)).unwrap_or_default();
        Unauthorized = unauthorized,
        Forbidden = forbidden,
        KeyNotFound = key_not_found,
        VersionMismatch = version_mismatch,
        PayloadTooLarge = payload_too_large,
        UnsupportedMediaType = unsupported_media_type,
        TooManyRequests = too_many_requests,
        InternalError = internal_error,
        ServiceUnavailable = service_unavailable,
    );

    /// `{account_id}` in the path.
    pub struct AccountIdParam;

    impl utoipa::IntoParams for AccountIdParam {
        fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
            vec![string_parameter(
                "account_id",
                ParameterIn::Path,
                Required::True,
                "The account: 22 ASCII letters and digits. Any account but the caller's \
                 own is 403.",
                "r046bIHYG9OGHRq22uSr3d",
            )]
        }
    }

    /// `{name}` in the path.
    pub struct KeyNameParam;

    impl utoipa::IntoParams for KeyNameParam {
        fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
            vec![string_parameter(
                "name",
                ParameterIn::Path,
                Required::True,
                "The key's name; case-sensitive.",
                "FrontTill1",
            )]
        }
    }

    /// The optional `If-Match` request header.
    pub struct IfMatchParam;

    impl utoipa::IntoParams for IfMatchParam {
        fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
            let mut parameter = string_parameter(
                "If-Match",
                ParameterIn::Header,
                Required::False,
                "Apply the change only if the key is at this version: `\"3\"`, `3` or \
                 `W/\"3\"`; `*` matches any version. As RFC 9110 allows, a list \
                 (`\"3\", \"4\"`) matches any version listed. Anything else is 400.",
                "\"1\"",
            );
            // The forms above, so that generated requests reach the version check.
            parameter.schema = Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(r#"^(\*|(W/)?"[0-9]{1,18}"|[0-9]{1,18})$"#))
                    .into(),
            );
            vec![parameter]
        }
    }
}

/// What the `/api/v1` routes share: error answers and parameters.
pub mod v1 {
    use super::*;

    shared_responses!(
        "V1",
        V1ErrorDocument,
        |e| serde_json::to_value(V1ErrorDocument::new(e)).unwrap_or_default();
        Unauthorized = unauthorized,
        Forbidden = forbidden,
        KeyNotFound = key_not_found,
        PayloadTooLarge = payload_too_large,
        UnsupportedMediaType = unsupported_media_type,
        TooManyRequests = too_many_requests,
        InternalError = internal_error,
        ServiceUnavailable = service_unavailable,
    );

    /// `{id}` in the path.
    pub struct KeyIdParam;

    impl utoipa::IntoParams for KeyIdParam {
        fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
            vec![string_parameter(
                "id",
                ParameterIn::Path,
                Required::True,
                "The key's id (a UUID). Anything else, or another account's key, is 404.",
                "99967ad0-1446-4d70-a2a7-3c5dbd7c5ade",
            )]
        }
    }
}
