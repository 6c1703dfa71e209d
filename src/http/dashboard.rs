//! The admin dashboard: one static page for account owners, with its script
//! (plain ES modules, one per concept), style sheet and icon compiled into
//! the binary, so serving it needs no files on disk and no build step. The
//! page talks only to the native API: as a person signed in with email and
//! password (the session cookie, and the session's CSRF token in
//! `x-csrf-token` on every state-changing request), or with an owner's key
//! in `x-api-key`.
//!
//! The page is `/dashboard`; every other file is `/dashboard/{file}`, one
//! handler that looks the name up in [`FILES`]. A new module is one line
//! there, and its `import` paths are relative (`./api.js`), so that they
//! resolve under `/dashboard/`.

use std::borrow::Cow;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{route, web, HttpResponse};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;

use crate::error::{ApiError, ErrorCode};
use crate::views::native::NativeErrorBody;

const INDEX_HTML: &str = include_str!("dashboard/index.html");

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const SVG: &str = "image/svg+xml";

/// A file served under `/dashboard/`, embedded at compile time.
struct File {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

/// `(name, content type)` pairs as [`File`]s whose body is
/// `src/http/dashboard/{name}`.
macro_rules! files {
    ($(($name:literal, $content_type:expr)),* $(,)?) => {
        &[$(File {
            name: $name,
            content_type: $content_type,
            body: include_str!(concat!("dashboard/", $name)),
        }),*]
    };
}

/// Every file under `/dashboard/`; any other name is `404 ROUTE_NOT_FOUND`.
/// `main.js` is the page's entry module; it imports the others.
const FILES: &[File] = files![
    ("main.js", JAVASCRIPT),
    ("state.js", JAVASCRIPT),
    ("api.js", JAVASCRIPT),
    ("messages.js", JAVASCRIPT),
    ("dom.js", JAVASCRIPT),
    ("key-table.js", JAVASCRIPT),
    ("key-actions.js", JAVASCRIPT),
    ("history.js", JAVASCRIPT),
    ("usage.js", JAVASCRIPT),
    ("accounts.js", JAVASCRIPT),
    ("navigation.js", JAVASCRIPT),
    ("edit.js", JAVASCRIPT),
    ("secrets.js", JAVASCRIPT),
    ("forms.js", JAVASCRIPT),
    ("session.js", JAVASCRIPT),
    ("members.js", JAVASCRIPT),
    ("dashboard.css", CSS),
    ("icon.svg", SVG),
];

/// Only this origin's own files may run, style or be fetched; no inline code,
/// no framing, and `form-action 'none'` so that a form can never be submitted
/// as a navigation (which could put the key into a URL) if the script fails.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// The admin dashboard
///
/// One static page for account owners, which talks to the native API as a
/// person signed in with email and password, or with an owner's key. Never
/// cached: it is the entry point of a page that handles secrets, and a
/// stale copy could load stale assets. Also answers `HEAD`; its script
/// modules, style sheet and icon are `/dashboard/{file}`.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The dashboard page.", body = String,
            content_type = "text/html; charset=utf-8",
            headers(("Cache-Control" = String, description = "`no-store`."))),
    ),
)]
#[route("/dashboard", method = "GET", method = "HEAD")]
pub async fn dashboard() -> HttpResponse {
    embedded("text/html; charset=utf-8", "no-store", INDEX_HTML)
}

/// A file of the dashboard
///
/// One of the page's script modules, its style sheet or its icon, by name.
/// Revalidated on every use (`no-cache`), so a new release is picked up.
/// Also answers `HEAD`.
#[utoipa::path(
    tag = "operations",
    params(("file" = inline(FileName), Path,
        description = "The file's name: `main.js` is the page's entry module, which \
            imports the other `.js` files.")),
    responses(
        (status = 200, description = "The file, with the content type of its kind.",
            content(
                (String = "text/javascript; charset=utf-8"),
                (String = "text/css; charset=utf-8"),
                (String = "image/svg+xml"),
            ),
            headers(("Cache-Control" = String, description = "`no-cache`."))),
        (status = 404, description = "`ROUTE_NOT_FOUND`: the dashboard has no file of \
            that name.", body = NativeErrorBody,
            example = json!({"statusCode": 404, "error": "Not Found",
                "message": "ROUTE_NOT_FOUND"})),
    ),
)]
#[route("/dashboard/{file}", method = "GET", method = "HEAD")]
pub async fn dashboard_file(file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let file = FILES
        .iter()
        .find(|known| known.name == file.as_str())
        .ok_or(ErrorCode::RouteNotFound)?;
    Ok(embedded(file.content_type, "no-cache", file.body))
}

/// The `file` path parameter in the OpenAPI document: a string that is the
/// name of one of [`FILES`].
struct FileName;

impl utoipa::PartialSchema for FileName {
    fn schema() -> RefOr<Schema> {
        let names = FILES.iter().map(|file| file.name);
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(names))
            .into()
    }
}

impl utoipa::ToSchema for FileName {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("DashboardFile")
    }
}

/// An embedded file with the headers every dashboard response carries.
fn embedded(content_type: &'static str, cache: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(content_type)))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The relative paths a module imports from (`'./api.js'` is `api.js`).
    fn imports(module: &str) -> Vec<&str> {
        module
            .lines()
            .map(str::trim_start)
            .filter(|line| line.starts_with("import ") || line.starts_with("} from "))
            .filter_map(|line| line.split_once(" from '"))
            .map(|(_, path)| path.split('\'').next().unwrap_or_default())
            .map(|path| {
                path.strip_prefix("./")
                    .unwrap_or_else(|| panic!("import from {path:?} is not relative"))
            })
            .collect()
    }

    #[test]
    fn every_module_the_page_loads_is_listed_and_every_listed_one_is_loaded() {
        let listed = |name: &str| FILES.iter().any(|file| file.name == name);
        assert!(INDEX_HTML.contains(r#"<script type="module" src="/dashboard/main.js">"#));
        let mut loaded = vec!["main.js"];
        let mut next = 0;
        while let Some(name) = loaded.get(next).copied() {
            let file = FILES.iter().find(|file| file.name == name);
            let file = file.unwrap_or_else(|| panic!("{name} is imported but not in FILES"));
            for import in imports(file.body) {
                assert!(
                    listed(import),
                    "{name} imports {import}, which is not in FILES"
                );
                if !loaded.contains(&import) {
                    loaded.push(import);
                }
            }
            next += 1;
        }
        for file in FILES.iter().filter(|file| file.content_type == JAVASCRIPT) {
            assert!(
                loaded.contains(&file.name),
                "no module imports {}",
                file.name
            );
        }
        let mut names: Vec<&str> = FILES.iter().map(|file| file.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FILES.len(), "a name is listed twice");
    }

    #[test]
    fn no_module_imports_one_that_imports_it_back() {
        /// Depth first: meeting a module that is still on `path` closes a loop.
        fn visit(name: &'static str, path: &mut Vec<&'static str>, done: &mut Vec<&'static str>) {
            if done.contains(&name) {
                return;
            }
            if let Some(at) = path.iter().position(|step| *step == name) {
                panic!("import loop: {} -> {name}", path[at..].join(" -> "));
            }
            path.push(name);
            let file = FILES.iter().find(|file| file.name == name);
            for import in file.map(|file| imports(file.body)).unwrap_or_default() {
                visit(import, path, done);
            }
            path.pop();
            done.push(name);
        }
        let mut done = Vec::new();
        for file in FILES.iter().filter(|file| file.content_type == JAVASCRIPT) {
            visit(file.name, &mut Vec::new(), &mut done);
        }
        assert!(done.contains(&"main.js"));
    }
}
