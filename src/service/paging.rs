//! How every list is paged: `limit` and an opaque page key in, a page of
//! items and the next page key out.
//!
//! A page key is base64url (no padding) of
//! `[format][position][check]`: a format byte, the position of the last
//! item returned (see [`Position`]), and the first 12 bytes of SHA-256 over
//! the list's identity and that position. The identity names the list and
//! every filter it was read with (`keys:{accountId}:status=…`), so a key
//! from another list, another account or other filters fails the check.
//! Page keys are not secret: a caller only ever moves within a list it may
//! read anyway; the check only turns a mistake into a clear 400.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::error::ApiError;

/// How the native API names a page key.
pub const PAGE_KEY: &str = "pageKey";

/// The fewest items a page may ask for.
pub const MIN_LIMIT: i64 = 1;
/// The most items a page may ask for.
pub const MAX_LIMIT: i64 = 1000;
/// Items per page when a caller gives a page key but no limit.
pub const DEFAULT_LIMIT: i64 = 100;

/// The only format so far; another byte is a key this server did not give.
const FORMAT: u8 = 1;
/// Bytes of the SHA-256 kept as the check.
const CHECK_BYTES: usize = 12;

/// Which page a caller asked for; both `None`: the first page at the
/// list's default size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageAsked {
    /// Items per page, `MIN_LIMIT` to `MAX_LIMIT`.
    pub limit: Option<i64>,
    /// The `nextPageKey` of the page before.
    pub page_key: Option<String>,
    /// The name the request gave the page key (`pageKey`, `page[after]`),
    /// for the answer to one this list did not give.
    pub page_key_named: &'static str,
}

/// One page of a list and the key of the page after it; `None`: the last page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_page_key: Option<String>,
}

impl<T> Page<T> {
    /// Every item at once: one page with nothing after it.
    pub fn whole(items: Vec<T>) -> Self {
        Self {
            items,
            next_page_key: None,
        }
    }

    /// `Page<U>` with each item converted by `f`.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            next_page_key: self.next_page_key,
        })
    }
}

/// The answer to a limit that is not a whole number from 1 to 1000.
pub fn bad_limit() -> ApiError {
    ApiError::BadRequest(format!("limit must be between {MIN_LIMIT} and {MAX_LIMIT}"))
}

/// The answer to a page key that does not decode, fails its check, or
/// came from another list.
pub fn bad_page_key(named: &str) -> ApiError {
    ApiError::BadRequest(format!("{named} is not one this list gave"))
}

/// `limit` as a query string gives it.
pub fn parse_limit(limit: &str) -> Result<i64, ApiError> {
    let limit = limit.parse::<i64>().map_err(|_| bad_limit())?;
    check_limit(limit)
}

/// `limit` if it is in range.
pub fn check_limit(limit: i64) -> Result<i64, ApiError> {
    if (MIN_LIMIT..=MAX_LIMIT).contains(&limit) {
        Ok(limit)
    } else {
        Err(bad_limit())
    }
}

/// A page asked of the list `list`: its limit (`default` when none is
/// given) and the position after which it starts (`None`: the start).
pub fn open<P: Position>(
    asked: &PageAsked,
    list: &str,
    default: i64,
) -> Result<(i64, Option<P>), ApiError> {
    let limit = check_limit(asked.limit.unwrap_or(default))?;
    let after = asked
        .page_key
        .as_deref()
        .map(|key| decode(list, key).map_err(|_| bad_page_key(asked.page_key_named)))
        .transpose()?;
    Ok((limit, after))
}

/// The page made of `rows`, read with `LIMIT limit + 1` in the list's
/// order: at most `limit` items, and a key to the next page when the extra
/// row shows there is one. `position` gives a row's place in the order.
pub fn close<R, P: Position>(
    mut rows: Vec<R>,
    limit: i64,
    list: &str,
    position: impl Fn(&R) -> Result<P, ApiError>,
) -> Result<Page<R>, ApiError> {
    let limit = usize::try_from(limit).map_err(ApiError::internal)?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_page_key = match rows.last() {
        Some(last) if more => Some(encode(list, &position(last)?)),
        _ => None,
    };
    Ok(Page {
        items: rows,
        next_page_key,
    })
}

/// The page key after `position` in the list `list`.
pub fn encode<P: Position>(list: &str, position: &P) -> String {
    let position = position.to_bytes();
    let mut payload = Vec::with_capacity(1 + position.len() + CHECK_BYTES);
    payload.push(FORMAT);
    payload.extend_from_slice(&position);
    payload.extend_from_slice(&check(list, &position));
    URL_SAFE_NO_PAD.encode(payload)
}

/// The position a page key of the list `list` holds; 400 for any key this
/// list did not give.
pub fn decode<P: Position>(list: &str, key: &str) -> Result<P, ApiError> {
    let payload = URL_SAFE_NO_PAD
        .decode(key)
        .map_err(|_| bad_page_key(PAGE_KEY))?;
    let Some((&FORMAT, rest)) = payload.split_first() else {
        return Err(bad_page_key(PAGE_KEY));
    };
    let Some(split) = rest.len().checked_sub(CHECK_BYTES) else {
        return Err(bad_page_key(PAGE_KEY));
    };
    let (position, given) = rest.split_at(split);
    // Not secret (see the module's comment), so no constant-time compare.
    if given != check(list, position) {
        return Err(bad_page_key(PAGE_KEY));
    }
    P::from_bytes(position).ok_or_else(|| bad_page_key(PAGE_KEY))
}

/// Binds `position` to `list`. The identity's length goes first, so no
/// identity and position can run together into another's.
fn check(list: &str, position: &[u8]) -> [u8; CHECK_BYTES] {
    let mut hash = Sha256::new();
    hash.update(b"keyward page key\0");
    hash.update((list.len() as u64).to_be_bytes());
    hash.update(list.as_bytes());
    hash.update(position);
    let digest = hash.finalize();
    let mut out = [0; CHECK_BYTES];
    out.copy_from_slice(&digest[..CHECK_BYTES]);
    out
}

/// Where in a list's order an item stands, as a page key carries it.
pub trait Position: Sized {
    fn to_bytes(&self) -> Vec<u8>;
    /// `None` for bytes that are no position of this kind.
    fn from_bytes(bytes: &[u8]) -> Option<Self>;
}

/// A place in a list ordered by a number alone, such as a key's events by
/// version.
impl Position for i64 {
    fn to_bytes(&self) -> Vec<u8> {
        self.to_be_bytes().to_vec()
    }

    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        Some(i64::from_be_bytes(bytes.try_into().ok()?))
    }
}

/// A place in a list ordered by (`created_at`, `id`): the exact stored
/// `created_at` and the id of the last item returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedPosition {
    pub created_at: PrimitiveDateTime,
    pub id: String,
}

impl CreatedPosition {
    /// `created_at` as stored (UTC) and `id`.
    pub fn new(created_at: PrimitiveDateTime, id: &str) -> Self {
        Self {
            created_at,
            id: id.to_owned(),
        }
    }
}

/// Unix nanoseconds (8 bytes, big-endian), then the id's bytes. Every
/// `created_at` this server writes is `Timestamp::now()`, well inside the
/// years an i64 of nanoseconds spans (1677 to 2262); one outside becomes
/// the nearest it can hold.
impl Position for CreatedPosition {
    fn to_bytes(&self) -> Vec<u8> {
        let nanos = self.created_at.assume_utc().unix_timestamp_nanos();
        let nanos = i64::try_from(nanos).unwrap_or(if nanos < 0 { i64::MIN } else { i64::MAX });
        let mut bytes = nanos.to_be_bytes().to_vec();
        bytes.extend_from_slice(self.id.as_bytes());
        bytes
    }

    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() < 8 {
            return None;
        }
        let (nanos, id) = bytes.split_at(8);
        let nanos = i64::from_be_bytes(nanos.try_into().ok()?);
        let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos)).ok()?;
        // Ids are UUIDs or account ids: letters, digits and hyphens. Anything
        // else (a NUL, say) is no position, even under a check that holds.
        let id_like = |id: &[u8]| {
            (1..=64).contains(&id.len())
                && id.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        };
        if !id_like(id) {
            return None;
        }
        Some(Self {
            created_at: PrimitiveDateTime::new(at.date(), at.time()),
            id: String::from_utf8(id.to_vec()).ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(nanos: i64) -> PrimitiveDateTime {
        let t = OffsetDateTime::from_unix_timestamp_nanos(nanos.into()).unwrap();
        PrimitiveDateTime::new(t.date(), t.time())
    }

    #[test]
    fn a_key_reads_back_in_its_own_list_only() {
        let position = CreatedPosition::new(
            at(1_795_000_000_123_456_789),
            "e429b9af-5daa-4ebd-adce-4cb4d3a07cbc",
        );
        let key = encode("keys:A:status=*", &position);
        assert!(!key.contains(['+', '/', '=']), "{key}");
        assert_eq!(
            decode::<CreatedPosition>("keys:A:status=*", &key).unwrap(),
            position
        );
        for other in ["keys:B:status=*", "keys:A:status=active", "events:x"] {
            assert!(decode::<CreatedPosition>(other, &key).is_err(), "{other}");
        }
    }

    /// The format is pinned: keys handed out must read back after an upgrade.
    #[test]
    fn the_format_does_not_drift() {
        let position = CreatedPosition::new(
            at(1_795_366_332_501_000_000),
            "e429b9af-5daa-4ebd-adce-4cb4d3a07cbc",
        );
        assert_eq!(
            encode(
                "keys:r046bIHYG9OGHRq22uSr3d:status=*,role=*,enabled=*",
                &position
            ),
            "ARjqbCrKav9AZTQyOWI5YWYtNWRhYS00ZWJkLWFkY2UtNGNiNGQzYTA3Y2JjgnF0o4kEjVT7VQ4_"
        );
    }

    #[test]
    fn a_changed_character_is_refused() {
        let key = encode("events:k", &42_i64);
        assert_eq!(decode::<i64>("events:k", &key).unwrap(), 42);
        for i in 0..key.len() {
            let mut bytes = key.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let forged = String::from_utf8(bytes).unwrap();
            assert!(decode::<i64>("events:k", &forged).is_err(), "{forged}");
        }
        for junk in ["", "!!", "AAAA", "AQ", &"A".repeat(200)] {
            assert!(decode::<i64>("events:k", junk).is_err(), "{junk}");
        }
    }

    #[test]
    fn limits_outside_one_to_a_thousand_are_refused() {
        for bad in ["0", "1001", "abc", "-1", "", "1.5"] {
            assert!(parse_limit(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_limit("1").unwrap(), 1);
        assert_eq!(parse_limit("1000").unwrap(), 1000);
    }

    #[test]
    fn close_keys_the_next_page_only_when_a_row_is_left_over() {
        let page = close(vec![1_i64, 2, 3], 2, "n", |r| Ok(*r)).unwrap();
        assert_eq!(page.items, vec![1, 2]);
        let next = page.next_page_key.unwrap();
        assert_eq!(decode::<i64>("n", &next).unwrap(), 2);
        let last = close(vec![3_i64], 2, "n", |r| Ok(*r)).unwrap();
        assert_eq!(last, Page::whole(vec![3]));
    }
}
