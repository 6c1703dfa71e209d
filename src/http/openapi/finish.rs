//! What an operation's shape implies, added once every route is in.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr, ResponseBuilder, Schema};

use super::answers::{capitalized, error_schema, shared_responses};
use crate::domain::Description;
use crate::http::dialect::Dialect;
use crate::service::Limits;
use utoipa::openapi::OpenApi;

/// Completes the document once every route's operation is in. An
/// operation of the API (one whose handler names no tag; the others say
/// `operations`) takes its dialect from its
/// path, as the server does: the dialect's tag; its credential where the
/// dialect reads one, unless the handler says `security(())` (none needed);
/// its error body on every error a handler describes in words; and the
/// answers every route of its kind gives. `HEAD` operations get ids of
/// their own.
pub fn finish(mut document: OpenApi) -> OpenApi {
    let mut changes = Vec::new();
    for (path, item) in document.paths.paths.iter_mut() {
        if let Some(body) = item.put.as_ref().and_then(|put| put.request_body.as_ref()) {
            let refs = body.content.values().filter_map(|c| match &c.schema {
                Some(RefOr::Ref(r)) => r.ref_location.rsplit('/').next().map(str::to_owned),
                _ => None,
            });
            changes.extend(refs);
        }
        let dialect = Dialect::of(path);
        let operations = [
            (&mut item.get, false),
            (&mut item.post, true),
            (&mut item.put, true),
            (&mut item.delete, true),
        ];
        for (operation, change) in operations {
            let Some(operation) = operation else {
                continue;
            };
            // An operation's id is its handler's name, in camelCase.
            operation.operation_id = operation.operation_id.as_deref().map(camel_case);
            // An optional body (`request_body = Option<T>`) may be left out,
            // but when sent it is a `T`: `null` is not a body.
            for content in operation
                .request_body
                .iter_mut()
                .flat_map(|b| b.content.values_mut())
            {
                if let Some(body) = content.schema.as_ref().and_then(nullable_reference) {
                    content.schema = Some(body);
                }
            }
            if operation.tags.is_none() {
                complete(operation, path, dialect, change);
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
        // `#[route]` gives `HEAD` the id and the answers of `GET`; ids must
        // be unique, and an answer to `HEAD` has no body.
        if let Some(head) = &mut item.head {
            let id = head.operation_id.as_deref().map(camel_case);
            head.operation_id = id.map(|id| format!("{id}Head"));
            for answer in head.responses.responses.values_mut() {
                match answer {
                    RefOr::T(answer) => answer.content.clear(),
                    RefOr::Ref(_) => {
                        let said = "An error; the `GET` of this path says which.";
                        *answer = ResponseBuilder::new().description(said).build().into();
                    }
                }
            }
        }
    }
    let schemas = document
        .components
        .iter_mut()
        .flat_map(|c| c.schemas.values_mut());
    schemas.for_each(|schema| {
        describe_nullable_references(schema);
        state_description_rule(schema);
    });
    // A change (the body of a `PUT`) names at least one field. (utoipa's
    // `min_properties` attribute writes `maxProperties`.)
    for name in changes {
        let components = document.components.as_mut();
        let schema = components.and_then(|c| c.schemas.get_mut(&name));
        if let Some(RefOr::T(Schema::Object(change))) = schema {
            change.min_properties = Some(1);
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

/// `document` with the bounds this server is configured with: the longest
/// session token lifetime a caller may ask for (`ttlSeconds`, `ttl_seconds`).
pub fn with_limits(mut document: OpenApi, limits: &Limits) -> OpenApi {
    let schemas = document
        .components
        .iter_mut()
        .flat_map(|c| c.schemas.values_mut());
    for schema in schemas {
        let RefOr::T(Schema::Object(object)) = schema else {
            continue;
        };
        for (name, property) in object.properties.iter_mut() {
            if let ("ttlSeconds" | "ttl_seconds", RefOr::T(Schema::Object(ttl))) =
                (name.as_str(), property)
            {
                let most = isize::try_from(limits.session_ttl_max_seconds).unwrap_or(isize::MAX);
                ttl.maximum = Some(utoipa::Number::Int(most));
            }
        }
    }
    document
}

/// A key description a client sends (a property `description` with a
/// `maxLength`) also follows `Description::PATTERN`, the rule the server
/// applies, so that generated requests are ones it accepts.
fn state_description_rule(schema: &mut RefOr<Schema>) {
    let RefOr::T(Schema::Object(object)) = schema else {
        return;
    };
    if let Some(RefOr::T(Schema::Object(field))) = object.properties.get_mut("description") {
        if field.max_length.is_some() {
            field.pattern = Some(Description::PATTERN.to_owned());
        }
    }
}

/// `T` of a schema that is exactly `oneOf: [null, T]` (utoipa's `Option<T>`).
fn nullable_reference(schema: &RefOr<Schema>) -> Option<RefOr<Schema>> {
    let RefOr::T(Schema::OneOf(one_of)) = schema else {
        return None;
    };
    let null = |item: &RefOr<Schema>| {
        matches!(item, RefOr::T(Schema::Object(o))
            if o.schema_type == SchemaType::Type(Type::Null) && o.properties.is_empty())
    };
    match one_of.items.as_slice() {
        [first, reference @ RefOr::Ref(_)] if null(first) => Some(reference.clone()),
        _ => None,
    }
}

/// utoipa writes an optional field of a named type as `oneOf: [null, $ref]`
/// and puts the field's description on the `$ref`, where generators do not
/// look; this moves it up to the field.
fn describe_nullable_references(schema: &mut RefOr<Schema>) {
    let RefOr::T(Schema::Object(object)) = schema else {
        return;
    };
    for property in object.properties.values_mut() {
        let RefOr::T(Schema::OneOf(one_of)) = property else {
            continue;
        };
        for item in &mut one_of.items {
            if let RefOr::Ref(reference) = item {
                if one_of.description.is_none() && !reference.description.is_empty() {
                    one_of.description = Some(std::mem::take(&mut reference.description));
                }
            }
        }
    }
}

/// See [`finish`]. A native operation takes the session cookie as well as
/// `x-api-key`; when it is a `change` (not a `GET`), its `403` also names
/// the CSRF defences' codes.
fn complete(operation: &mut Operation, path: &str, dialect: Dialect, change: bool) {
    let (tag, prefix, schemes) = match dialect {
        Dialect::Native => ("native", "Native", &["ApiKeyHeader", "SessionCookie"][..]),
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
        // `security(())`: the route needs no credential.
        Some(requirements)
            if requirements
                .iter()
                .all(|r| r == &SecurityRequirement::default()) =>
        {
            operation.security = None;
            false
        }
        Some(_) => true,
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
    let on_account = path.starts_with("/api/accounts") || dialect == Dialect::V1;
    let on_key = path.contains("{name}") || path.contains("{id}");
    let params = operation.parameters.as_deref().unwrap_or_default();
    let conditional = params.iter().any(|p| p.name == "If-Match");
    let query = params.iter().any(|p| p.parameter_in == ParameterIn::Query);
    let asks = !operation.responses.responses.contains_key("400");
    let cookie_change = change && dialect == Dialect::Native;
    let answers = [
        (
            400,
            "BadRequest",
            asks && (has_body || query || conditional),
        ),
        (401, "Unauthorized", secured),
        (
            403,
            "ForbiddenChange",
            secured && on_account && cookie_change,
        ),
        (403, "Forbidden", secured && on_account),
        (
            403,
            "IpNotAllowedChange",
            secured && !on_account && cookie_change,
        ),
        (403, "IpNotAllowed", secured && !on_account),
        (404, "KeyNotFound", on_key),
        (412, "VersionMismatch", conditional),
        (413, "PayloadTooLarge", has_body),
        (415, "UnsupportedMediaType", has_body),
        (429, "TooManyRequests", true),
        (500, "InternalError", true),
        (503, "ServiceUnavailable", true),
    ];
    for (status, name, applies) in answers {
        let responses = &mut operation.responses.responses;
        // An answer the handler describes itself (a larger body limit, say) stays.
        if applies && !responses.contains_key(&status.to_string()) {
            let reference = Ref::from_response_name(format!("{prefix}{name}"));
            responses.insert(status.to_string(), reference.into());
        }
    }
}

/// `list_key_events` as `listKeyEvents`.
fn camel_case(snake: &str) -> String {
    let mut words = snake.split('_');
    let first = words.next().unwrap_or_default().to_owned();
    words.fold(first, |id, word| id + &capitalized(word))
}
