//! `keyward scan`, as a pre-commit hook runs it: the built binary over a
//! tree of files with credentials planted in some, look-alikes in others.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use keyward::secret::{self, CredentialKind, Secret};

const KEYWARD: &str = env!("CARGO_BIN_EXE_keyward");

/// `keyward scan ARGS` in `dir`, with nothing of the caller's environment
/// that could point it at a database.
fn scan(dir: &Path, args: &[&str]) -> Output {
    Command::new(KEYWARD)
        .arg("scan")
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("run keyward scan")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

fn write(path: &Path, contents: impl AsRef<[u8]>) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create dirs");
    }
    std::fs::write(path, contents).expect("write file");
}

/// `secret` with its last character changed: its checksum fails.
fn look_alike(secret: &str) -> String {
    let last = if secret.ends_with('a') { 'b' } else { 'a' };
    format!("{}{last}", &secret[..secret.len() - 1])
}

#[test]
fn scan_finds_planted_credentials_and_ignores_look_alikes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let key = Secret::generate(CredentialKind::ApiKey, uuid::Uuid::new_v4());
    let token = Secret::generate(CredentialKind::SessionToken, uuid::Uuid::new_v4());
    let key_id = secret::parse(key.expose()).unwrap().id;
    let token_id = secret::parse(token.expose()).unwrap().id;
    let fake = look_alike(key.expose());

    write(
        &root.join("repo/config.env"),
        format!(
            "# settings\nHOST=example.com\nKEYWARD_KEY={}\n",
            key.expose()
        ),
    );
    write(
        &root.join("repo/src/client.rs"),
        format!(
            "fn token() -> &'static str {{\n    \"{}\"\n}}\n",
            token.expose()
        ),
    );
    write(&root.join("repo/fixture.txt"), format!("{fake}\n"));
    // Not entered, or not read.
    write(&root.join("repo/.git/objects/leak"), key.expose());
    write(&root.join("repo/target/debug/leak"), key.expose());
    let mut binary = b"\0\x01\x02".to_vec();
    binary.extend_from_slice(key.expose().as_bytes());
    write(&root.join("repo/image.bin"), binary);
    let mut big = "x".repeat(1024 * 1024);
    big.push_str(key.expose());
    write(&root.join("repo/big.log"), big);

    let found = scan(root, &["repo"]);
    assert_eq!(found.status.code(), Some(1), "{found:?}");
    let stdout = text(&found.stdout);
    let stderr = text(&found.stderr);
    assert_eq!(
        stdout,
        format!(
            "repo/config.env:3: Keyward API key {key_id} ({})\n\
             repo/src/client.rs:2: Keyward session token {token_id} ({})\n",
            key.hint(),
            token.hint()
        )
    );
    assert_eq!(
        stderr,
        "keyward scan: skipped repo/big.log: larger than 1048576 bytes\n\
         Error: 2 Keyward credential(s) found: remove them, and revoke each key \
         (a secret that was ever shared must be taken as known)\n"
    );
    for secret in [key.expose(), token.expose()] {
        // Not the secret, nor its random part.
        let random = &secret[secret.len() - 30..secret.len() - 6];
        assert!(!stdout.contains(random) && !stderr.contains(random));
    }

    // Files named one by one, as a hook passes them: the look-alike alone
    // is clean.
    let clean = scan(root, &["repo/fixture.txt"]);
    assert_eq!(clean.status.code(), Some(0), "{clean:?}");
    assert_eq!(text(&clean.stdout), "");
    assert_eq!(text(&clean.stderr), "");
    let one = scan(root, &["repo/fixture.txt", "repo/config.env"]);
    assert_eq!(one.status.code(), Some(1), "{one:?}");
    assert_eq!(
        text(&one.stdout),
        format!(
            "repo/config.env:3: Keyward API key {key_id} ({})\n",
            key.hint()
        )
    );

    // A path that is not there is an error, not a clean result.
    let missing = scan(root, &["repo/nope.txt"]);
    assert_eq!(missing.status.code(), Some(1), "{missing:?}");
    assert_eq!(text(&missing.stdout), "");
    let stderr = text(&missing.stderr);
    assert!(
        stderr.starts_with("keyward scan: cannot read repo/nope.txt: ")
            && stderr.ends_with("Error: 1 path(s) could not be scanned\n"),
        "{stderr}"
    );
    // No database was touched: none was created where it ran.
    assert!(!root.join("keyward.db").exists());
}

#[test]
fn scan_needs_a_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = scan(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(text(&output.stderr).contains("<PATHS>..."));
}
