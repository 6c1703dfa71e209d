//! Hostile requests on every route: broken and oversized bodies, absurd
//! numbers, deep nesting, bytes that are not UTF-8, crafted names, ids,
//! queries and headers. Each one is refused with a 4xx in the route's error
//! dialect, and none of them changes anything.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{key_path, keys_path, spawn_app, tokens_path, Backend, Reply, TestApp};

/// What a case must get back.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Keyward answers: exactly this status, with its error body.
    Status(u16),
    /// The HTTP layer may answer before Keyward does, possibly with an empty
    /// body: any 4xx. If a JSON body comes back anyway, it is checked.
    HttpLayer,
}

/// How a case is sent.
enum Request {
    /// Through ureq: method, path, headers, raw body.
    Ureq {
        method: &'static str,
        path: String,
        headers: Vec<(&'static str, String)>,
        body: Option<Vec<u8>>,
    },
    /// Bytes ureq refuses to send, written to a socket as they are. `path`
    /// only says which dialect answers; `half_close` ends the write side
    /// after the bytes, as a client that hangs up mid-body does.
    Raw {
        path: String,
        bytes: Vec<u8>,
        half_close: bool,
    },
}

struct Case {
    what: String,
    request: Request,
    expect: Expect,
}

/// `/api/v1` routes answer in the JSON:API error shape, the rest natively.
fn is_v1(path: &str) -> bool {
    path == "/api/v1" || path.starts_with("/api/v1/") || path.starts_with("/api/v1?")
}

/// Percent-encodes every byte that is not an ASCII letter or digit.
fn pct(s: &str) -> String {
    pct_bytes(s.as_bytes())
}

fn pct_bytes(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `depth` opening brackets, closed again unless `closed` is false.
fn nested(depth: usize, closed: bool) -> String {
    let mut s = "[".repeat(depth);
    if closed {
        s.push_str(&"]".repeat(depth));
    }
    s
}

/// A JSON object padded with whitespace to 1 MiB.
fn mebibyte(object: &str) -> Vec<u8> {
    let mut body = object.as_bytes().to_vec();
    body.resize(1024 * 1024, b' ');
    body
}

/// ASCII characters of `s` turned into their full-width look-alikes.
fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_graphic() {
                char::from_u32(c as u32 + 0xFEE0).expect("full-width form")
            } else {
                c
            }
        })
        .collect()
}

/// Sends bytes on a fresh connection and reads the reply until the server
/// closes it. `Err` when the connection broke before any reply.
fn raw_send(app: &TestApp, bytes: &[u8], half_close: bool) -> Result<Reply, String> {
    let addr = app.addr.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("read timeout");
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .expect("write timeout");
    // The server may answer and close before reading everything.
    let _ = stream.write_all(bytes);
    if half_close {
        let _ = stream.shutdown(std::net::Shutdown::Write);
    }
    let mut received = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut chunk = [0u8; 8192];
    while Instant::now() < deadline {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&chunk[..n]),
            Err(e) if received.is_empty() => return Err(format!("read: {e}")),
            Err(_) => break,
        }
    }
    parse_response(&received)
}

fn parse_response(received: &[u8]) -> Result<Reply, String> {
    let text = String::from_utf8_lossy(received);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no complete response: {text:?}"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let headers: std::collections::HashMap<String, String> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let body = match headers.get("content-length") {
        Some(len) => {
            let len: usize = len.parse().map_err(|_| format!("content-length {len}"))?;
            body.get(..len).unwrap_or(body)
        }
        None => body,
    };
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned()))
    };
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// Sends through ureq without panicking on a broken connection.
fn ureq_send(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&'static str, String)],
    body: Option<&[u8]>,
) -> Result<Reply, String> {
    let mut req = app.request(method, path);
    for (name, value) in headers {
        req = req.set(name, value);
    }
    let result = match body {
        Some(bytes) => req.send_bytes(bytes),
        None => req.call(),
    };
    let response = match result {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(e) => return Err(e.to_string()),
    };
    let status = response.status();
    let headers = response
        .headers_names()
        .into_iter()
        .filter_map(|name| {
            let value = response.header(&name)?.to_owned();
            Some((name.to_ascii_lowercase(), value))
        })
        .collect();
    let text = response.into_string().map_err(|e| format!("body: {e}"))?;
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// Whether `body` is the dialect's error document for `status`.
fn check_error_shape(v1: bool, status: u16, body: &Value) -> Result<(), String> {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let (text, expected) = if v1 {
        let detail = body["errors"][0]["detail"].as_str().unwrap_or_default();
        let expected = json!({
            "errors": [{ "status": status.to_string(), "title": reason, "detail": detail }]
        });
        (detail, expected)
    } else {
        let message = body["message"].as_str().unwrap_or_default();
        let expected = json!({ "statusCode": status, "error": reason, "message": message });
        (message, expected)
    };
    if text.is_empty() || *body != expected {
        let dialect = if v1 { "/api/v1" } else { "native" };
        return Err(format!("not the {dialect} error body for {status}: {body}"));
    }
    Ok(())
}

/// Whether `reply` is what `case` must get.
fn check(case: &Case, path: &str, reply: &Reply) -> Result<(), String> {
    if !(400..500).contains(&reply.status) {
        return Err(format!(
            "status {}, not a 4xx: {}",
            reply.status, reply.body
        ));
    }
    match case.expect {
        Expect::Status(status) => {
            if reply.status != status {
                return Err(format!(
                    "status {}, expected {status}: {}",
                    reply.status, reply.body
                ));
            }
            check_error_shape(is_v1(path), reply.status, &reply.body)?;
        }
        // The HTTP layer's own answers carry no JSON; Keyward's must still be
        // in shape.
        Expect::HttpLayer => {
            if reply.body.is_object() {
                check_error_shape(is_v1(path), reply.status, &reply.body)?;
            }
        }
    }
    if reply.status == 405 && reply.header("allow").is_none() {
        return Err("405 without an Allow header".into());
    }
    Ok(())
}

/// Everything the owner can see of the account, both dialects.
fn snapshot(app: &TestApp, account_id: &str, owner: &str) -> (Value, Value) {
    let native = app.get(&keys_path(&account_id), Some(owner));
    assert_eq!(native.status, 200, "{:?}", native.body);
    let v1 = app.get("/api/v1/api_keys", Some(owner));
    assert_eq!(v1.status, 200, "{:?}", v1.body);
    (native.body, v1.body)
}

fn hostile_requests_are_refused_and_change_nothing(backend: Backend) {
    let started = Instant::now();
    let app = spawn_app(backend);
    let account = app.create_account("Acme");
    let owner = account.owner_key.clone();
    app.create_key(&account, "Till1", "merchant-terminal");
    let owner_id = app.get(&key_path(&account, "owner"), Some(&owner));
    let owner_id = owner_id.body["id"].as_str().expect("owner id").to_owned();
    let counts = ["accounts", "api_keys", "session_tokens"].map(|t| app.count_rows(t));
    let before = snapshot(&app, &account.id, &owner);

    let me = "/api/me".to_owned();
    let keys = keys_path(&account);
    let key = |name: &str| format!("{keys}/{name}");
    let tokens = tokens_path(&account);
    let verify = "/api/verify".to_owned();
    let v1_keys = "/api/v1/api_keys".to_owned();
    let v1_key = |id: &str| format!("/api/v1/api_keys/{id}");
    let v1_tokens = "/api/v1/session_tokens".to_owned();
    let health = "/healthz".to_owned();

    // Credentials that are not one.
    let mut wrong_checksum = owner.clone().into_bytes();
    let last = wrong_checksum.len() - 1;
    wrong_checksum[last] = if wrong_checksum[last] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let wrong_checksum = String::from_utf8(wrong_checksum).unwrap();
    let short = owner[..20].to_owned();
    let long = format!("{owner}{owner}");
    let huge = "k".repeat(64 * 1024);
    let tabbed = format!("{}\t{}", &owner[..30], &owner[30..]);

    let json_ct = || ("content-type", "application/json".to_owned());
    let owner_h = || ("x-api-key", owner.clone());
    let as_owner = |what: &str, method: &'static str, path: &str, body: &[u8], expect: u16| Case {
        what: what.to_owned(),
        request: Request::Ureq {
            method,
            path: path.to_owned(),
            headers: vec![owner_h(), json_ct()],
            body: Some(body.to_vec()),
        },
        expect: Expect::Status(expect),
    };
    let bare = |what: &str,
                method: &'static str,
                path: &str,
                headers: Vec<(&'static str, String)>,
                expect: u16| Case {
        what: what.to_owned(),
        request: Request::Ureq {
            method,
            path: path.to_owned(),
            headers,
            body: None,
        },
        expect: Expect::Status(expect),
    };
    let raw = |what: &str, path: &str, bytes: Vec<u8>, half_close: bool, expect: Expect| Case {
        what: what.to_owned(),
        request: Request::Raw {
            path: path.to_owned(),
            bytes,
            half_close,
        },
        expect,
    };
    // A raw POST /api/verify: JSON content type, the framing headers given, then `rest`.
    let verify_head = |framing: &str, rest: &str| {
        format!(
            "POST /api/verify HTTP/1.1\r\nHost: keyward\r\n\
             Content-Type: application/json\r\n{framing}\r\n{rest}"
        )
        .into_bytes()
    };
    let raw_get = |path: &str, extra: &[u8]| {
        let mut bytes =
            format!("GET {path} HTTP/1.1\r\nHost: keyward\r\nConnection: close\r\n").into_bytes();
        bytes.extend_from_slice(extra);
        bytes.extend_from_slice(b"\r\n");
        bytes
    };

    let deep_closed = nested(10_000, true);
    let deep_fits = nested(5_000, true);
    let deep_open = nested(8_000, false);
    let mut invalid_utf8_name = br#"{"name":"Ev"#.to_vec();
    invalid_utf8_name.extend_from_slice(b"\xc3\x28\xa0\xa1");
    invalid_utf8_name.extend_from_slice(br#"","role":"account-owner"}"#);
    let mut invalid_utf8_field = b"{\"na\xffme\":\"Evil\",\"role\":\"account-owner\"}".to_vec();
    invalid_utf8_field.push(b'\n');
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in r#"{"name":"Evil","role":"account-owner"}"#.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(br#"{"name":"Evil","role":"account-owner"}"#);

    let lookalike_account = {
        let mut chars = account.id.chars();
        let first = chars.next().expect("account id");
        format!("{}{}", full_width(&first.to_string()), chars.as_str())
    };

    let mut cases: Vec<Case> = vec![
        // GET /api/me: credentials in every wrong form.
        bare(
            "me: 64 KiB x-api-key",
            "GET",
            &me,
            vec![("x-api-key", huge.clone())],
            401,
        ),
        bare(
            "me: key with a tab inside",
            "GET",
            &me,
            vec![("x-api-key", tabbed.clone())],
            401,
        ),
        bare(
            "me: wrong checksum",
            "GET",
            &me,
            vec![("x-api-key", wrong_checksum.clone())],
            401,
        ),
        bare(
            "me: short key",
            "GET",
            &me,
            vec![("x-api-key", short.clone())],
            401,
        ),
        bare(
            "me: key twice over",
            "GET",
            &me,
            vec![("x-api-key", long.clone())],
            401,
        ),
        bare(
            "me: key in ?api_key= is ignored natively",
            "GET",
            &format!("{me}?api_key={owner}"),
            vec![],
            401,
        ),
        bare(
            "me: prefix of a session token only",
            "GET",
            &me,
            vec![("x-api-key", "kwst_".into())],
            401,
        ),
        raw(
            "me: x-api-key sent twice",
            &me,
            raw_get(
                &me,
                format!("x-api-key: {owner}\r\nx-api-key: {owner}\r\n").as_bytes(),
            ),
            false,
            Expect::Status(401),
        ),
        raw(
            "me: x-api-key with bytes above 0x7f",
            &me,
            raw_get(
                &me,
                &[b"x-api-key: kw_\xff\xfe\xe2\x80\x8b".as_slice(), b"\r\n"].concat(),
            ),
            false,
            Expect::Status(401),
        ),
        raw(
            "me: CR LF smuggles a second x-api-key",
            &me,
            raw_get(
                &me,
                format!("x-api-key: junk\r\nx-api-key: {owner}\r\n").as_bytes(),
            ),
            false,
            Expect::Status(401),
        ),
        raw(
            "me: NUL in a header value",
            &me,
            raw_get(&me, format!("x-api-key: {owner}\0\r\n").as_bytes()),
            false,
            Expect::HttpLayer,
        ),
        raw(
            "me: bare CR inside a header value",
            &me,
            raw_get(
                &me,
                format!("x-api-key: junk\rx-api-key: {owner}\r\n").as_bytes(),
            ),
            false,
            Expect::HttpLayer,
        ),
        raw(
            "me: 160 KiB header (over the HTTP layer's buffer)",
            &me,
            raw_get(
                &me,
                format!("x-api-key: {}\r\n", "k".repeat(160 * 1024)).as_bytes(),
            ),
            false,
            Expect::HttpLayer,
        ),
        raw(
            "me: 120 headers (over the HTTP layer's count)",
            &me,
            raw_get(
                &me,
                (0..120)
                    .map(|i| format!("x-filler-{i}: {i}\r\n"))
                    .collect::<String>()
                    .as_bytes(),
            ),
            false,
            Expect::HttpLayer,
        ),
        as_owner("me: POST with 1 MiB", "POST", &me, &mebibyte("{}"), 405),
        // GET /api/accounts/{id}/api-keys: crafted queries and account ids.
        bare(
            "list: SQL in ?status=",
            "GET",
            &format!("{keys}?status={}", pct("active' OR 1=1--")),
            vec![owner_h()],
            400,
        ),
        bare(
            "list: ?status= twice",
            "GET",
            &format!("{keys}?status=active&status=revoked"),
            vec![owner_h()],
            400,
        ),
        bare(
            "list: ?status=%00",
            "GET",
            &format!("{keys}?status=%00"),
            vec![owner_h()],
            400,
        ),
        bare(
            "list: ?status= not UTF-8",
            "GET",
            &format!("{keys}?status=%FF%FE"),
            vec![owner_h()],
            400,
        ),
        bare(
            "list: SQL as the account id",
            "GET",
            &format!("/api/accounts/{}/api-keys", pct("' OR '1'='1")),
            vec![owner_h()],
            403,
        ),
        bare(
            "list: look-alike account id",
            "GET",
            &format!("/api/accounts/{}/api-keys", pct(&lookalike_account)),
            vec![owner_h()],
            403,
        ),
        bare(
            "list: account id with an encoded slash",
            "GET",
            &format!("/api/accounts/{}%2F..%2F/api-keys", account.id),
            vec![owner_h()],
            403,
        ),
        bare(
            "list: wrong checksum",
            "GET",
            &keys,
            vec![("x-api-key", wrong_checksum.clone())],
            401,
        ),
        bare("list: PATCH", "PATCH", &keys, vec![owner_h()], 405),
        // POST /api/accounts/{id}/api-keys: bodies.
        as_owner(
            "create: malformed JSON",
            "POST",
            &keys,
            br#"{"name":"Evil",,"role":}"#,
            400,
        ),
        as_owner(
            "create: 10,000 nested arrays (over the size limit)",
            "POST",
            &keys,
            format!(r#"{{"name":"Evil","role":"account-owner","description":{deep_closed}}}"#)
                .as_bytes(),
            413,
        ),
        as_owner(
            "create: 5,000 nested arrays",
            "POST",
            &keys,
            format!(r#"{{"name":"Evil","role":"account-owner","description":{deep_fits}}}"#)
                .as_bytes(),
            400,
        ),
        as_owner(
            "create: SQL in the name",
            "POST",
            &keys,
            json!({ "name": "x'; DROP TABLE api_keys;--", "role": "account-owner" })
                .to_string()
                .as_bytes(),
            400,
        ),
        as_owner(
            "create: NUL in the description",
            "POST",
            &keys,
            br#"{"name":"Evil","role":"account-owner","description":"a\u0000b"}"#,
            400,
        ),
        as_owner(
            "create: operator object as the role",
            "POST",
            &keys,
            br#"{"name":"Evil","role":{"$ne":null}}"#,
            400,
        ),
        as_owner(
            "create: invalid UTF-8 in a value",
            "POST",
            &keys,
            &invalid_utf8_name,
            400,
        ),
        as_owner(
            "create: invalid UTF-8 in a field name",
            "POST",
            &keys,
            &invalid_utf8_field,
            400,
        ),
        as_owner(
            "create: byte-order mark before the object",
            "POST",
            &keys,
            &bom,
            400,
        ),
        Case {
            what: "create: UTF-16 body".into(),
            request: Request::Ureq {
                method: "POST",
                path: keys.clone(),
                headers: vec![
                    owner_h(),
                    ("content-type", "application/json; charset=utf-16".into()),
                ],
                body: Some(utf16.clone()),
            },
            expect: Expect::Status(400),
        },
        as_owner(
            "create: accountId smuggled in the body",
            "POST",
            &keys,
            br#"{"name":"Evil","role":"account-owner","accountId":"x"}"#,
            400,
        ),
        as_owner(
            "create: 1 MiB name",
            "POST",
            &keys,
            json!({ "name": "n".repeat(1024 * 1024), "role": "account-owner" })
                .to_string()
                .as_bytes(),
            413,
        ),
        // GET /api/accounts/{id}/api-keys/{name}: crafted names.
        bare(
            "show: encoded ../../me",
            "GET",
            &key(&pct("../../me")),
            vec![owner_h()],
            404,
        ),
        bare(
            "show: owner + NUL",
            "GET",
            &key("owner%00"),
            vec![owner_h()],
            404,
        ),
        bare(
            "show: SQL in the name",
            "GET",
            &key(&pct("owner' OR '1'='1")),
            vec![owner_h()],
            404,
        ),
        bare(
            "show: full-width owner",
            "GET",
            &key(&pct(&full_width("owner"))),
            vec![owner_h()],
            404,
        ),
        bare(
            "show: Cyrillic o in owner",
            "GET",
            &key(&pct("\u{43e}wner")),
            vec![owner_h()],
            404,
        ),
        bare(
            "show: right-to-left override",
            "GET",
            &key(&pct("\u{202e}renwo")),
            vec![owner_h()],
            404,
        ),
        bare(
            "show: zero-width space",
            "GET",
            &key(&pct("owner\u{200b}")),
            vec![owner_h()],
            404,
        ),
        bare(
            "show: combining accent",
            "GET",
            &key(&pct("owne\u{301}r")),
            vec![owner_h()],
            404,
        ),
        bare(
            "show: encoded invalid UTF-8",
            "GET",
            &key("owner%FF%FE"),
            vec![owner_h()],
            404,
        ),
        bare(
            "show: percent sign",
            "GET",
            &key("owner%25"),
            vec![owner_h()],
            404,
        ),
        bare(
            "show: semicolon and quote",
            "GET",
            &key(&pct("owner;\"")),
            vec![owner_h()],
            404,
        ),
        bare(
            "show: 10,000-character name",
            "GET",
            &key(&"n".repeat(10_000)),
            vec![owner_h()],
            404,
        ),
        raw(
            "show: raw .. as the name",
            &key(".."),
            raw_get(&key(".."), format!("x-api-key: {owner}\r\n").as_bytes()),
            false,
            Expect::Status(404),
        ),
        raw(
            "show: raw bytes above 0x7f in the path",
            &key("x"),
            {
                let mut bytes = format!("GET {keys}/owner").into_bytes();
                bytes.extend_from_slice(
                    b"\xff\xfe HTTP/1.1\r\nHost: keyward\r\nConnection: close\r\n",
                );
                bytes.extend_from_slice(format!("x-api-key: {owner}\r\n\r\n").as_bytes());
                bytes
            },
            false,
            Expect::HttpLayer,
        ),
        // PUT /api/accounts/{id}/api-keys/{name}.
        as_owner(
            "update: enabled as a string",
            "PUT",
            &key("Till1"),
            br#"{"enabled":"false"}"#,
            400,
        ),
        as_owner(
            "update: enabled in an array",
            "PUT",
            &key("Till1"),
            br#"{"enabled":[false]}"#,
            400,
        ),
        as_owner(
            "update: description as an object",
            "PUT",
            &key("Till1"),
            br#"{"enabled":false,"description":{"$set":"x"}}"#,
            400,
        ),
        as_owner("update: body null", "PUT", &key("Till1"), b"null", 400),
        as_owner(
            "update: 1 MiB",
            "PUT",
            &key("Till1"),
            &mebibyte(r#"{"enabled":false}"#),
            413,
        ),
        as_owner(
            "update: look-alike name",
            "PUT",
            &key(&pct(&full_width("Till1"))),
            br#"{"enabled":false}"#,
            404,
        ),
        Case {
            what: "update: SQL in If-Match".into(),
            request: Request::Ureq {
                method: "PUT",
                path: key("Till1"),
                headers: vec![owner_h(), json_ct(), ("if-match", "\"1\" OR 1=1".into())],
                body: Some(br#"{"enabled":false}"#.to_vec()),
            },
            expect: Expect::Status(400),
        },
        Case {
            what: "update: If-Match past i64".into(),
            request: Request::Ureq {
                method: "PUT",
                path: key("Till1"),
                headers: vec![
                    owner_h(),
                    json_ct(),
                    ("if-match", "\"99999999999999999999\"".into()),
                ],
                body: Some(br#"{"enabled":false}"#.to_vec()),
            },
            expect: Expect::Status(400),
        },
        // DELETE /api/accounts/{id}/api-keys/{name}.
        bare(
            "revoke: encoded owner/..",
            "DELETE",
            &key("owner%2F.."),
            vec![owner_h()],
            404,
        ),
        bare(
            "revoke: full-width Till1",
            "DELETE",
            &key(&pct(&full_width("Till1"))),
            vec![owner_h()],
            404,
        ),
        bare(
            "revoke: If-Match -1",
            "DELETE",
            &key("Till1"),
            vec![owner_h(), ("if-match", "\"-1\"".into())],
            412,
        ),
        bare(
            "revoke: If-Match 1e400",
            "DELETE",
            &key("Till1"),
            vec![owner_h(), ("if-match", "W/\"1e400\"".into())],
            400,
        ),
        bare(
            "revoke: 64 KiB key",
            "DELETE",
            &key("Till1"),
            vec![("x-api-key", huge.clone())],
            401,
        ),
        // POST /api/accounts/{id}/session-tokens.
        as_owner(
            "mint: ttlSeconds 1e400",
            "POST",
            &tokens,
            br#"{"scope":"card","ttlSeconds":1e400}"#,
            400,
        ),
        as_owner(
            "mint: ttlSeconds 99999999999999999999",
            "POST",
            &tokens,
            br#"{"scope":"card","ttlSeconds":99999999999999999999}"#,
            400,
        ),
        as_owner(
            "mint: ttlSeconds i64::MAX",
            "POST",
            &tokens,
            br#"{"scope":"card","ttlSeconds":9223372036854775807}"#,
            400,
        ),
        as_owner(
            "mint: ttlSeconds i64::MIN",
            "POST",
            &tokens,
            br#"{"scope":"card","ttlSeconds":-9223372036854775808}"#,
            400,
        ),
        as_owner(
            "mint: ttlSeconds 1.5",
            "POST",
            &tokens,
            br#"{"scope":"card","ttlSeconds":1.5}"#,
            400,
        ),
        as_owner(
            "mint: ttlSeconds as a string",
            "POST",
            &tokens,
            br#"{"scope":"card","ttlSeconds":"60"}"#,
            400,
        ),
        as_owner(
            "mint: scope null",
            "POST",
            &tokens,
            br#"{"scope":null}"#,
            400,
        ),
        as_owner(
            "mint: NUL after the scope",
            "POST",
            &tokens,
            br#"{"scope":"card\u0000"}"#,
            400,
        ),
        as_owner(
            "mint: truncated JSON",
            "POST",
            &tokens,
            br#"{"scope":"ca"#,
            400,
        ),
        as_owner(
            "mint: 1 MiB",
            "POST",
            &tokens,
            &mebibyte(r#"{"scope":"card"}"#),
            413,
        ),
        as_owner(
            "mint: another key's id in the body",
            "POST",
            &tokens,
            format!(r#"{{"scope":"card","apiKeyId":"{owner_id}"}}"#).as_bytes(),
            400,
        ),
        bare("mint: GET", "GET", &tokens, vec![owner_h()], 405),
        // POST /api/verify (no credential of its own).
        as_owner(
            "verify: key as a number",
            "POST",
            &verify,
            br#"{"key":12345}"#,
            400,
        ),
        as_owner("verify: key null", "POST", &verify, br#"{"key":null}"#, 400),
        as_owner(
            "verify: key in an array",
            "POST",
            &verify,
            br#"{"key":["kw_"]}"#,
            400,
        ),
        as_owner(
            "verify: truncated JSON",
            "POST",
            &verify,
            br#"{"key":"kw_"#,
            400,
        ),
        as_owner(
            "verify: 1 MiB",
            "POST",
            &verify,
            &mebibyte(&json!({ "key": owner }).to_string()),
            413,
        ),
        as_owner(
            "verify: 8,000 unclosed arrays",
            "POST",
            &verify,
            format!(r#"{{"key":{deep_open}"#).as_bytes(),
            400,
        ),
        as_owner(
            "verify: invalid UTF-8 inside the key",
            "POST",
            &verify,
            &[br#"{"key":"kw_"#.as_slice(), b"\xff\xff", br#""}"#].concat(),
            400,
        ),
        Case {
            what: "verify: XML".into(),
            request: Request::Ureq {
                method: "POST",
                path: verify.clone(),
                headers: vec![("content-type", "application/xml".into())],
                body: Some(b"<key>kw_</key>".to_vec()),
            },
            expect: Expect::Status(415),
        },
        bare("verify: PUT", "PUT", &verify, vec![], 405),
        raw(
            "verify: body shorter than its Content-Length, then hang-up",
            &verify,
            verify_head("Content-Length: 100\r\n", "{\"key\":\"kw_"),
            true,
            Expect::HttpLayer,
        ),
        raw(
            "verify: Content-Length and chunked together",
            &verify,
            verify_head(
                "Content-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n",
                "2\r\n{}\r\n0\r\n\r\n",
            ),
            false,
            Expect::HttpLayer,
        ),
        raw(
            "verify: chunk size that is not hex",
            &verify,
            verify_head(
                "Transfer-Encoding: chunked\r\nConnection: close\r\n",
                "zz\r\n{}\r\n0\r\n\r\n",
            ),
            false,
            Expect::HttpLayer,
        ),
        // GET /api/v1/api_keys: credentials in the query.
        bare(
            "v1 list: ?api_key= twice (same key)",
            "GET",
            &format!("{v1_keys}?api_key={owner}&api_key={owner}"),
            vec![],
            401,
        ),
        bare(
            "v1 list: ?api_key= twice (junk, then the key)",
            "GET",
            &format!("{v1_keys}?api_key=junk&api_key={owner}"),
            vec![],
            401,
        ),
        bare(
            "v1 list: ?api_key=%00",
            "GET",
            &format!("{v1_keys}?api_key=%00"),
            vec![],
            401,
        ),
        bare(
            "v1 list: key followed by %00",
            "GET",
            &format!("{v1_keys}?api_key={owner}%00"),
            vec![],
            401,
        ),
        bare(
            "v1 list: ?api_key= not UTF-8",
            "GET",
            &format!("{v1_keys}?api_key=%FF%FE"),
            vec![],
            401,
        ),
        bare(
            "v1 list: SQL after the key",
            "GET",
            &format!("{v1_keys}?api_key={}", pct(&format!("{owner}' OR 1=1--"))),
            vec![],
            401,
        ),
        bare(
            "v1 list: 60 KiB ?api_key=",
            "GET",
            &format!("{v1_keys}?api_key={}", &huge[..60 * 1024]),
            vec![],
            401,
        ),
        // Over the 65,534 bytes the HTTP layer takes in a URI: it answers
        // 400 with no body, before Keyward sees the request.
        Case {
            what: "v1 list: 64 KiB ?api_key= (URI over the HTTP layer's limit)".into(),
            request: Request::Ureq {
                method: "GET",
                path: format!("{v1_keys}?api_key={huge}"),
                headers: vec![],
                body: None,
            },
            expect: Expect::HttpLayer,
        },
        bare(
            "v1 list: 64 KiB x-api-key",
            "GET",
            &v1_keys,
            vec![("x-api-key", huge.clone())],
            401,
        ),
        bare(
            "v1 list: wrong checksum",
            "GET",
            &v1_keys,
            vec![("x-api-key", wrong_checksum.clone())],
            401,
        ),
        raw(
            "v1 list: x-api-key sent twice",
            &v1_keys,
            raw_get(
                &v1_keys,
                format!("x-api-key: {owner}\r\nx-api-key: {owner}\r\n").as_bytes(),
            ),
            false,
            Expect::Status(401),
        ),
        bare("v1 list: PUT", "PUT", &v1_keys, vec![owner_h()], 405),
        // POST /api/v1/api_keys.
        as_owner(
            "v1 create: api_key null",
            "POST",
            &v1_keys,
            br#"{"api_key":null}"#,
            400,
        ),
        as_owner(
            "v1 create: api_key a string",
            "POST",
            &v1_keys,
            br#"{"api_key":"x"}"#,
            400,
        ),
        as_owner(
            "v1 create: 5,000 nested arrays in an attribute",
            "POST",
            &v1_keys,
            format!(r#"{{"api_key":{{"description":{deep_fits}}}}}"#).as_bytes(),
            400,
        ),
        as_owner(
            "v1 create: 8,000 unclosed arrays",
            "POST",
            &v1_keys,
            format!(r#"{{"api_key":{{"x":{deep_open}"#).as_bytes(),
            400,
        ),
        as_owner(
            "v1 create: 10,000 nested arrays (over the size limit)",
            "POST",
            &v1_keys,
            format!(r#"{{"api_key":{{"description":{deep_closed}}}}}"#).as_bytes(),
            413,
        ),
        as_owner(
            "v1 create: another account in the attributes",
            "POST",
            &v1_keys,
            br#"{"api_key":{"account_id":"Zz0123456789abcdefghij"}}"#,
            400,
        ),
        as_owner(
            "v1 create: name ../owner",
            "POST",
            &v1_keys,
            br#"{"api_key":{"name":"../owner"}}"#,
            400,
        ),
        as_owner(
            "v1 create: api_key twice",
            "POST",
            &v1_keys,
            br#"{"api_key":{},"api_key":{"role":"account-owner"}}"#,
            400,
        ),
        as_owner(
            "v1 create: invalid UTF-8 in the description",
            "POST",
            &v1_keys,
            &[
                br#"{"api_key":{"description":""#.as_slice(),
                b"\xed\xa0\x80",
                br#""}}"#,
            ]
            .concat(),
            400,
        ),
        as_owner(
            "v1 create: 1 MiB",
            "POST",
            &v1_keys,
            &mebibyte(r#"{"api_key":{}}"#),
            413,
        ),
        // `/api/v1` reads JSON whatever its label (tests/api/seed_requests.rs);
        // a body that is neither JSON nor a form, labelled otherwise, is 415.
        Case {
            what: "v1 create: plain text".into(),
            request: Request::Ureq {
                method: "POST",
                path: v1_keys.clone(),
                headers: vec![owner_h(), ("content-type", "text/plain".into())],
                body: Some(b"api_key: {}".to_vec()),
            },
            expect: Expect::Status(415),
        },
        // GET and DELETE /api/v1/api_keys/{id}.
        bare(
            "v1 show: SQL as the id",
            "GET",
            &v1_key(&pct("' OR 1=1--")),
            vec![owner_h()],
            404,
        ),
        bare(
            "v1 show: encoded ../",
            "GET",
            &v1_key("..%2F"),
            vec![owner_h()],
            404,
        ),
        bare(
            "v1 show: full-width digits in the id",
            "GET",
            &v1_key(&pct(&full_width(&owner_id))),
            vec![owner_h()],
            404,
        ),
        bare(
            "v1 show: 10,000-character id",
            "GET",
            &v1_key(&"f".repeat(10_000)),
            vec![owner_h()],
            404,
        ),
        bare(
            "v1 show: id + NUL",
            "GET",
            &v1_key(&format!("{owner_id}%00")),
            vec![owner_h()],
            404,
        ),
        bare(
            "v1 show: PATCH",
            "PATCH",
            &v1_key(&owner_id),
            vec![owner_h()],
            405,
        ),
        bare(
            "v1 revoke: id %00",
            "DELETE",
            &v1_key("%00"),
            vec![owner_h()],
            404,
        ),
        bare(
            "v1 revoke: id *",
            "DELETE",
            &v1_key("*"),
            vec![owner_h()],
            404,
        ),
        bare(
            "v1 revoke: nil UUID",
            "DELETE",
            &v1_key("00000000-0000-0000-0000-000000000000"),
            vec![owner_h()],
            404,
        ),
        bare(
            "v1 revoke: short key",
            "DELETE",
            &v1_key(&owner_id),
            vec![("x-api-key", short.clone())],
            401,
        ),
        // POST /api/v1/session_tokens.
        as_owner(
            "v1 mint: ttl_seconds 1e400",
            "POST",
            &v1_tokens,
            br#"{"session_token":{"scope":"card","ttl_seconds":1e400}}"#,
            400,
        ),
        as_owner(
            "v1 mint: ttl_seconds 99999999999999999999",
            "POST",
            &v1_tokens,
            br#"{"session_token":{"scope":"card","ttl_seconds":99999999999999999999}}"#,
            400,
        ),
        as_owner(
            "v1 mint: attributes in an array",
            "POST",
            &v1_tokens,
            br#"{"session_token":[["card"]]}"#,
            400,
        ),
        as_owner(
            "v1 mint: operator object as the scope",
            "POST",
            &v1_tokens,
            br#"{"session_token":{"scope":{"$gt":""}}}"#,
            400,
        ),
        as_owner(
            "v1 mint: truncated JSON",
            "POST",
            &v1_tokens,
            br#"{"session_token":{"sco"#,
            400,
        ),
        as_owner(
            "v1 mint: 1 MiB",
            "POST",
            &v1_tokens,
            &mebibyte(r#"{"session_token":{"scope":"card"}}"#),
            413,
        ),
        bare(
            "v1 mint: key twice over",
            "POST",
            &v1_tokens,
            vec![("x-api-key", long.clone())],
            401,
        ),
        bare(
            "v1 mint: DELETE",
            "DELETE",
            &v1_tokens,
            vec![owner_h()],
            405,
        ),
        // /healthz takes GET and HEAD only, whatever comes with the rest.
        as_owner("healthz: POST malformed JSON", "POST", &health, b"{{{", 405),
        as_owner("healthz: PUT 1 MiB", "PUT", &health, &mebibyte("{}"), 405),
        bare(
            "healthz: DELETE with a 64 KiB key",
            "DELETE",
            &health,
            vec![("x-api-key", huge.clone())],
            405,
        ),
        bare("healthz: OPTIONS", "OPTIONS", &health, vec![], 405),
        bare("healthz: TRACE", "TRACE", &health, vec![], 405),
        raw(
            "healthz: raw /healthz/..",
            "/healthz/..",
            raw_get("/healthz/..", b""),
            false,
            Expect::Status(404),
        ),
    ];
    // Every kind of bad credential on the routes that need one, in both dialects.
    for (path, method) in [(&tokens, "POST"), (&v1_tokens, "POST"), (&keys, "POST")] {
        cases.push(bare(
            &format!("{method} {path}: tabbed key"),
            method,
            path,
            vec![("x-api-key", tabbed.clone())],
            401,
        ));
    }

    let mut failures = Vec::new();
    for case in &cases {
        let (path, reply) = match &case.request {
            Request::Ureq {
                method,
                path,
                headers,
                body,
            } => (
                path,
                ureq_send(&app, method, path, headers, body.as_deref()),
            ),
            Request::Raw {
                path,
                bytes,
                half_close,
            } => (path, raw_send(&app, bytes, *half_close)),
        };
        let what = &case.what;
        match reply {
            Ok(reply) => {
                if matches!(case.expect, Expect::HttpLayer) {
                    eprintln!("{what}: {} {}", reply.status, reply.body);
                }
                if let Err(e) = check(case, path, &reply) {
                    failures.push(format!("{what}: {e}"));
                }
            }
            Err(e) => failures.push(format!("{what}: no reply: {e}")),
        }
    }
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} hostile requests were not refused properly ({backend:?}):\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );

    let after = ["accounts", "api_keys", "session_tokens"].map(|t| app.count_rows(t));
    assert_eq!(after, counts, "rows of accounts, api_keys, session_tokens");
    assert_eq!(snapshot(&app, &account.id, &owner), before);
    let me = app.get("/api/me", Some(&owner));
    assert_eq!(me.status, 200, "{:?}", me.body);
    assert_eq!(me.body["name"], "owner");
    eprintln!(
        "{backend:?}: {} hostile requests in {:?}",
        cases.len(),
        started.elapsed()
    );
}

crate::on_both_backends!(hostile_requests_are_refused_and_change_nothing);
