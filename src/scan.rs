//! `keyward scan PATH...`: finds Keyward API keys and session tokens in
//! files, for a pre-commit hook or a CI step. A string counts only when it
//! is a whole credential with a valid checksum (`secret::parse`, no I/O and
//! no database), so a look-alike, a truncated key or a key with one
//! character changed is not reported; one in 56 billion random strings of
//! the right shape passes the checksum.
//!
//! Each finding is printed as `path:line: <what> <id> (<masked hint>)`: the
//! id embedded in the credential (not a secret: the API shows key ids) and
//! the masked form the API shows, never the secret itself.
//!
//! Directories are walked in name order, without following symbolic links
//! and without entering `.git` or `target`. Binary files (a NUL byte in
//! their first 8,000 bytes) are skipped, and so are files over 1 MiB, each
//! with a note on stderr.

use std::fs;
use std::io::{self, Read as _, Write};
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use uuid::Uuid;

use crate::secret::{self, CredentialKind};

/// Directories a walk does not enter.
const SKIPPED_DIRS: [&str; 2] = [".git", "target"];

/// Files larger than this are skipped.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// A file with a NUL byte this early is binary.
const BINARY_SNIFF: usize = 8000;

/// The two credential prefixes and the length of a whole credential after each.
const SHAPES: [(&[u8], usize); 2] = [(b"kwst_", 67), (b"kw_", 65)];

/// A credential found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// 1-based.
    pub line: usize,
    pub kind: CredentialKind,
    /// The key's (or token's) id, embedded in the credential.
    pub id: Uuid,
    /// The masked form: `...` and the last 6 characters.
    pub hint: String,
}

/// Every whole credential with a valid checksum in `text`, in order.
pub fn find(text: &[u8]) -> Vec<Found> {
    let mut found = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < text.len() {
        let at = &text[i..];
        let whole = SHAPES
            .iter()
            .filter(|(prefix, _)| at.starts_with(prefix))
            .filter_map(|&(_, len)| at.get(..len))
            .filter_map(|candidate| std::str::from_utf8(candidate).ok())
            .find_map(secret::parse);
        match whole {
            Some(presented) => {
                found.push(Found {
                    line,
                    kind: presented.kind,
                    id: presented.id,
                    hint: presented.secret.hint(),
                });
                // A credential holds no newline.
                i += presented.secret.expose().len();
            }
            None => {
                if text[i] == b'\n' {
                    line += 1;
                }
                i += 1;
            }
        }
    }
    found
}

/// What a scan of a file came to.
#[derive(Debug)]
pub enum FileScan {
    Scanned(Vec<Found>),
    Binary,
    TooLarge,
}

/// Scans one file.
pub fn scan_file(path: &Path) -> io::Result<FileScan> {
    let file = fs::File::open(path)?;
    if file.metadata()?.len() > MAX_FILE_BYTES {
        return Ok(FileScan::TooLarge);
    }
    let mut bytes = Vec::new();
    // The length may have changed since: read no more than the limit.
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Ok(FileScan::TooLarge);
    }
    if bytes.iter().take(BINARY_SNIFF).any(|&b| b == 0) {
        return Ok(FileScan::Binary);
    }
    Ok(FileScan::Scanned(find(&bytes)))
}

/// The files under `path`, in name order: `path` itself if it is a file
/// (or a link to one), else those of the directory, walked without
/// following links or entering [`SKIPPED_DIRS`].
fn files(path: &Path, out: &mut Vec<PathBuf>, unreadable: &mut Vec<(PathBuf, io::Error)>) {
    let metadata = match fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) => return unreadable.push((path.to_owned(), e)),
    };
    if !metadata.is_dir() {
        return out.push(path.to_owned());
    }
    let entries = match fs::read_dir(path).and_then(|dir| dir.collect::<io::Result<Vec<_>>>()) {
        Ok(entries) => entries,
        Err(e) => return unreadable.push((path.to_owned(), e)),
    };
    let mut entries: Vec<_> = entries
        .into_iter()
        .filter_map(|entry| Some((entry.path(), entry.file_type().ok()?)))
        .collect();
    entries.sort_by(|(a, _), (b, _)| a.cmp(b));
    for (entry, kind) in entries {
        let skipped = entry
            .file_name()
            .is_some_and(|name| SKIPPED_DIRS.iter().any(|skip| name == *skip));
        if kind.is_dir() && !skipped {
            files(&entry, out, unreadable);
        } else if kind.is_file() {
            out.push(entry);
        }
    }
}

/// `keyward scan`: scans `paths`, prints each finding on `out` and each
/// note (a file skipped, a path that cannot be read) on `err`. An error,
/// and so exit status 1, when anything was found or could not be read.
pub fn run(paths: &[PathBuf], out: &mut impl Write, err: &mut impl Write) -> anyhow::Result<()> {
    let mut listed = Vec::new();
    let mut unreadable = Vec::new();
    for path in paths {
        files(path, &mut listed, &mut unreadable);
    }
    let mut found = 0;
    for path in listed {
        match scan_file(&path) {
            Ok(FileScan::Scanned(findings)) => {
                for finding in findings {
                    let what = match finding.kind {
                        CredentialKind::ApiKey => "Keyward API key",
                        CredentialKind::SessionToken => "Keyward session token",
                    };
                    writeln!(
                        out,
                        "{}:{}: {what} {} ({})",
                        path.display(),
                        finding.line,
                        finding.id,
                        finding.hint
                    )?;
                    found += 1;
                }
            }
            Ok(FileScan::Binary) => {}
            Ok(FileScan::TooLarge) => writeln!(
                err,
                "keyward scan: skipped {}: larger than {MAX_FILE_BYTES} bytes",
                path.display()
            )?,
            Err(e) => unreadable.push((path, e)),
        }
    }
    for (path, e) in &unreadable {
        writeln!(err, "keyward scan: cannot read {}: {e}", path.display())?;
    }
    out.flush()?;
    match (found, unreadable.len()) {
        (0, 0) => Ok(()),
        (0, n) => Err(anyhow!("{n} path(s) could not be scanned")),
        (n, _) => Err(anyhow!(
            "{n} Keyward credential(s) found: remove them, and revoke each key \
             (a secret that was ever shared must be taken as known)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn finds_whole_credentials_with_their_lines() {
        let key = Secret::generate(CredentialKind::ApiKey, Uuid::new_v4());
        let token = Secret::generate(CredentialKind::SessionToken, Uuid::new_v4());
        let text = format!(
            "first line\nKEY={}\n\n  \"token\": \"{}\", again {}x\n",
            key.expose(),
            token.expose(),
            key.expose()
        );
        let found = find(text.as_bytes());
        let ids: Vec<_> = found
            .iter()
            .map(|f| (f.line, f.kind, f.hint.clone()))
            .collect();
        assert_eq!(
            ids,
            vec![
                (2, CredentialKind::ApiKey, key.hint()),
                (4, CredentialKind::SessionToken, token.hint()),
                (4, CredentialKind::ApiKey, key.hint()),
            ]
        );
        assert_eq!(found[0].id, secret::parse(key.expose()).unwrap().id);
    }

    #[test]
    fn ignores_look_alikes() {
        let key = Secret::generate(CredentialKind::ApiKey, Uuid::new_v4());
        let s = key.expose();
        // The last character changed: the checksum no longer holds.
        let last = if s.ends_with('a') { 'b' } else { 'a' };
        let forged = format!("{}{last}", &s[..s.len() - 1]);
        let truncated = &s[..s.len() - 1];
        let text = format!("{forged}\n{truncated}\nkw_\nkwst_{}\n", &s[3..]);
        assert_eq!(find(text.as_bytes()), vec![]);
        assert_eq!(find(b""), vec![]);
        assert_eq!(find("é kw_ é".as_bytes()), vec![]);
    }
}
