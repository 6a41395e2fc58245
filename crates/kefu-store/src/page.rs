//! Keyset pagination with opaque cursors. Lists are ordered by id, newest first; ids are UUID
//! v7, so that is creation order. A cursor encodes the last id of the previous page.

use crate::StoreError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 500;

/// One page of a list and the cursor for the next one (`None` at the end).
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Where a list starts and how long a page is.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

impl PageRequest {
    /// The page size, defaulted and capped.
    pub fn limit(&self) -> u64 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }

    /// The key after which this page starts (exclusive), if any.
    pub fn after(&self) -> Result<Option<String>, StoreError> {
        self.cursor.as_deref().map(decode).transpose()
    }
}

/// The opaque cursor of a page ending at the row with sort key `key` (for orders computed
/// outside the store).
pub fn cursor_of(key: &str) -> String {
    encode(key)
}

fn encode(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("k1:{key}"))
}

fn decode(cursor: &str) -> Result<String, StoreError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| StoreError::BadCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| StoreError::BadCursor)?;
    let key = text.strip_prefix("k1:").ok_or(StoreError::BadCursor)?;
    if key.is_empty() || key.len() > 64 {
        return Err(StoreError::BadCursor);
    }
    Ok(key.to_owned())
}

/// Builds a page from `limit + 1` fetched rows: the extra row only says there is more.
pub(crate) fn page_of<T>(mut rows: Vec<T>, limit: u64, key: impl Fn(&T) -> String) -> Page<T> {
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|r| encode(&key(r)))
    } else {
        None
    };
    Page {
        items: rows,
        next_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        let req = PageRequest {
            limit: None,
            cursor: Some(encode("abc")),
        };
        assert_eq!(req.after().unwrap().as_deref(), Some("abc"));
        for bad in ["", "!!!", &URL_SAFE_NO_PAD.encode("x:abc")] {
            let req = PageRequest {
                limit: None,
                cursor: Some(bad.to_string()),
            };
            assert!(req.after().is_err(), "{bad}");
        }
    }

    #[test]
    fn limits_are_defaulted_and_capped() {
        assert_eq!(PageRequest::default().limit(), 50);
        assert_eq!(
            PageRequest {
                limit: Some(10_000),
                cursor: None
            }
            .limit(),
            500
        );
        assert_eq!(
            PageRequest {
                limit: Some(0),
                cursor: None
            }
            .limit(),
            1
        );
    }

    #[test]
    fn extra_row_makes_a_cursor() {
        let p = page_of(vec![3, 2, 1], 2, |r| r.to_string());
        assert_eq!(p.items, vec![3, 2]);
        assert_eq!(p.next_cursor, Some(encode("2")));
        let p = page_of(vec![3, 2], 2, |r| r.to_string());
        assert_eq!(p.next_cursor, None);
    }
}
