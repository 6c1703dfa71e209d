//! The error answers routes share, in each dialect's body.

use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, Response, ResponseBuilder};
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorCode};
use crate::http::dialect::Dialect;
use crate::views::native::NativeErrorBody;
use crate::views::v1::V1ErrorDocument;

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

/// The schema of `dialect`'s error body.
pub(super) fn error_schema(dialect: Dialect) -> std::borrow::Cow<'static, str> {
    match dialect {
        Dialect::Native => NativeErrorBody::name(),
        Dialect::V1 => V1ErrorDocument::name(),
    }
}

pub(super) fn capitalized(text: &str) -> String {
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
        pub(super) fn shared_responses() -> Vec<(String, Response)> {
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
        "The request breaks a rule of the operation: a body that is not JSON of the \
         documented shape, a value out of its range or set (the session token lifetime's \
         maximum comes from the configuration), an expiry that is not in the future, a \
         `pageKey` (`page[after]`) this list did not give, a query parameter given twice, a \
         bad `If-Match`. \
         The error's `message` (`detail` in `/api/v1`) says which.",
        crate::service::paging::bad_limit(),
    ),
    Unauthorized = Answer::codes(&[MissingAuthentication, InvalidAuthentication]),
    Forbidden = Answer::codes(&[Forbidden, IpNotAllowed]),
    IpNotAllowed = Answer::codes(&[IpNotAllowed]),
    KeyNotFound = Answer::codes(&[ApiKeyNotFound]),
    NameTaken = Answer::codes(&[ApiKeyNameTaken]),
    Busy = Answer::codes(&[ConcurrentModification]),
    ChangeConflict = Answer::codes(&[ApiKeyRevoked, ConcurrentModification]),
    RotateConflict = Answer::codes(&[ApiKeyRevoked, ApiKeyExpired, ConcurrentModification]),
    VersionMismatch = Answer::codes(&[VersionMismatch]),
    PayloadTooLarge = Answer::message(
        "The body is over 16 KiB.",
        ApiError::PayloadTooLarge(crate::http::MAX_BODY_BYTES),
    ),
    UnsupportedMediaType = Answer::message(
        "The `Content-Type` is not `application/json` nor another `application/…+json` type.",
        ApiError::UnsupportedMediaType,
    ),
    TooManyRequests = Answer::codes(&[RateLimitExceeded]),
    ForbiddenChange = Answer::codes(&[Forbidden, IpNotAllowed, CsrfTokenInvalid, OriginNotAllowed]),
    IpNotAllowedChange = Answer::codes(&[IpNotAllowed, CsrfTokenInvalid, OriginNotAllowed]),
    SignInRefused = Answer::codes(&[InvalidEmailOrPassword]),
    SignInForbidden = Answer::codes(&[HttpsRequired, OriginNotAllowed]),
    SignInThrottled = Answer::codes(&[TooManyFailedSignIns]),
    InvitationNotFound = Answer::codes(&[InvitationNotFound]),
    MembershipNotFound = Answer::codes(&[MembershipNotFound]),
    InviteConflict = Answer::codes(&[MembershipExists, ConcurrentModification]),
    AcceptConflict = Answer::codes(&[MembershipExists, ConcurrentModification]),
    InternalError = Answer::codes(&[InternalError]),
    ServiceUnavailable = Answer::codes(&[ServiceUnavailable]),
}
