//! Every `sh` example in docs/api.md, run in order against a live server,
//! and each answer compared with the response the docs show after it. The
//! docs cannot drift from the code without this failing.

use std::process::Command;

use serde_json::Value;

use crate::helpers::{spawn_app, Backend};

/// One `sh` block and the response block the docs show after it, if any.
struct Example {
    line: usize,
    script: String,
    shown: Option<(String, String)>,
}

/// The `sh` blocks of `markdown`, each with the next `json` or `text` block
/// before the following `sh` block.
fn examples(markdown: &str) -> Vec<Example> {
    let mut examples: Vec<Example> = Vec::new();
    let mut fence: Option<(String, usize, String)> = None;
    for (number, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        match fence.take() {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    fence = Some((info.trim().to_owned(), number + 1, String::new()));
                }
            }
            Some((info, start, mut body)) => {
                if trimmed.starts_with("```") {
                    match info.as_str() {
                        "sh" => examples.push(Example {
                            line: start,
                            script: body,
                            shown: None,
                        }),
                        "json" | "text" => {
                            if let Some(last) = examples.last_mut() {
                                if last.shown.is_none() {
                                    last.shown = Some((info, body));
                                }
                            }
                        }
                        _ => {}
                    }
                } else {
                    body.push_str(line);
                    body.push('\n');
                    fence = Some((info, start, body));
                }
            }
        }
    }
    examples
}

/// Fields whose values the docs show exactly; everything else (ids, secrets,
/// timestamps) is generated and only has to have the same shape.
const EXACT: &[&str] = &[
    "statusCode",
    "error",
    "message",
    "role",
    "status",
    "scope",
    "code",
    "valid",
    "enabled",
    "version",
    "name",
    "description",
    "type",
    "title",
    "detail",
];

/// Differences between what ran (`actual`) and what the docs show.
fn compare(path: &str, shown: &Value, actual: &Value, problems: &mut Vec<String>) {
    match (shown, actual) {
        (Value::Object(shown), Value::Object(actual)) => {
            let mut shown_keys: Vec<_> = shown.keys().collect();
            let mut actual_keys: Vec<_> = actual.keys().collect();
            shown_keys.sort();
            actual_keys.sort();
            if shown_keys != actual_keys {
                problems.push(format!(
                    "{path}: fields {shown_keys:?} shown, {actual_keys:?} returned"
                ));
                return;
            }
            for (key, value) in shown {
                let here = format!("{path}.{key}");
                if EXACT.contains(&key.as_str()) && !value.is_object() && !value.is_array() {
                    if value != &actual[key] {
                        problems.push(format!("{here}: {value} shown, {} returned", actual[key]));
                    }
                } else {
                    compare(&here, value, &actual[key], problems);
                }
            }
        }
        (Value::Array(shown), Value::Array(actual)) => {
            if shown.is_empty() != actual.is_empty() {
                problems.push(format!(
                    "{path}: {} items shown, {} returned",
                    shown.len(),
                    actual.len()
                ));
            }
            if let (Some(first_shown), Some(first_actual)) = (shown.first(), actual.first()) {
                compare(&format!("{path}[0]"), first_shown, first_actual, problems);
            }
        }
        (shown, actual) => {
            let kind = |v: &Value| match v {
                Value::Null => "null",
                Value::Bool(_) => "boolean",
                Value::Number(_) => "number",
                Value::String(_) => "string",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
            };
            if kind(shown) != kind(actual) {
                problems.push(format!("{path}: {shown} shown, {actual} returned"));
            }
        }
    }
}

#[test]
fn every_curl_example_in_the_api_reference_runs_as_shown() {
    let markdown = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/api.md"))
        .expect("docs/api.md");
    let examples = examples(&markdown);
    assert!(
        examples.len() >= 10,
        "only {} sh examples found",
        examples.len()
    );

    let app = spawn_app(Backend::Sqlite);
    let account = app.create_account("Corner Cafe");
    let mut script = String::from("set -euo pipefail\n");
    for (i, example) in examples.iter().enumerate() {
        script.push_str(&format!("echo '@@example {i}@@'\n"));
        for line in example.script.lines() {
            // The reader's own server and key replace the ones in the docs.
            let line = line.trim_start();
            if line.starts_with("export KEYWARD=") || line.starts_with("export KEY=") {
                continue;
            }
            script.push_str(line);
            script.push('\n');
        }
        script.push_str("echo\n");
    }
    // Files the examples write (a key saved for later lines) go to a
    // directory of their own, never into the checkout.
    let workdir = tempfile::tempdir().expect("a directory for the examples");
    let output = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(workdir.path())
        .env("KEYWARD", &app.addr)
        .env("KEY", &account.owner_key)
        .output()
        .expect("bash");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the examples failed to run: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );

    let mut problems = Vec::new();
    for (i, example) in examples.iter().enumerate() {
        let start = format!("@@example {i}@@\n");
        let end = format!("@@example {}@@\n", i + 1);
        let after = stdout.split_once(&start).map_or("", |(_, rest)| rest);
        let actual = after
            .split_once(&end)
            .map_or(after, |(this, _)| this)
            .trim();
        let Some((kind, shown)) = &example.shown else {
            continue;
        };
        let where_ = format!("docs/api.md line {}", example.line);
        if kind == "json" {
            let Ok(shown) = serde_json::from_str::<Value>(shown) else {
                continue; // an illustration, not a response
            };
            match serde_json::from_str::<Value>(actual) {
                Ok(actual) => {
                    let mut found = Vec::new();
                    compare("$", &shown, &actual, &mut found);
                    problems.extend(found.into_iter().map(|p| format!("{where_}: {p}")));
                }
                Err(_) => problems.push(format!("{where_}: not JSON: {actual}")),
            }
        } else if let Some(status_line) = shown.lines().find(|l| l.starts_with("HTTP/")) {
            let actual_line = actual.lines().next().unwrap_or_default().trim();
            let code = |l: &str| l.split_whitespace().nth(1).map(str::to_owned);
            if code(status_line) != code(actual_line) {
                problems.push(format!(
                    "{where_}: {status_line:?} shown, {actual_line:?} returned"
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "docs/api.md disagrees with the server:\n{}",
        problems.join("\n")
    );
}

#[test]
fn examples_are_found_with_their_responses() {
    let found =
        examples("text\n```sh\ncurl a\n```\n\n```json\n{\"a\":1}\n```\n```sh\ncurl b\n```\n");
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].script, "curl a\n");
    assert_eq!(found[0].shown, Some(("json".into(), "{\"a\":1}\n".into())));
    assert_eq!(found[1].shown, None);
}
