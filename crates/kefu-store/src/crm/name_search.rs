//! Name search keys (SPEC C1 "Chinese name + pinyin search"). Each live customer's name is
//! stored in `customer_name_keys` as a handful of normalized keys, and a name search is a
//! prefix range on that table's primary key — an index seek, never a scan of `customers`.
//!
//! A name is split into units: a Han character (with its toneless pinyin from the `pinyin`
//! crate, first reading) or a run of other letters/digits (a word); everything else separates.
//! The keys are the suffixes, starting at every unit, of three spellings:
//! - the characters themselves, lower-cased, separators dropped (`王小明` → `王小明`, `小明`,
//!   `明`; `John Smith` → `johnsmith`, `smith`);
//! - when the name has Han characters, the pinyin (`wangxiaoming`, `xiaoming`, `ming`);
//! - and the pinyin initials (`wxm`, `xm`, `m`; numbers stay whole, other words give their
//!   first letter).
//!
//! A query is normalized the same way (lower case, separators dropped: `wang xiao ming` →
//! `wangxiaoming`) and matches every customer with a key that starts with it. So a search
//! finds a name by any of its words or characters onward, by pinyin and by initials.

use crate::Result;
use crate::entity::customer_name_key;
use pinyin::ToPinyin;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

/// Keys are cut to this many characters (a query is cut the same way).
pub const MAX_KEY_CHARS: usize = 64;
/// At most this many suffixes of each spelling (a long name keeps its first ones).
pub const MAX_SUFFIXES: usize = 8;
/// At most this many keys per name.
pub const MAX_KEYS: usize = 3 * MAX_SUFFIXES;

enum Unit {
    Han(char, &'static str),
    Word(String),
}

fn units(name: &str) -> Vec<Unit> {
    let mut out = vec![];
    let mut word = String::new();
    for c in name.chars() {
        if let Some(p) = c.to_pinyin() {
            if !word.is_empty() {
                out.push(Unit::Word(std::mem::take(&mut word)));
            }
            out.push(Unit::Han(c, p.plain()));
        } else if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if !word.is_empty() {
            out.push(Unit::Word(std::mem::take(&mut word)));
        }
    }
    if !word.is_empty() {
        out.push(Unit::Word(word));
    }
    out
}

fn cut(s: &str) -> String {
    s.chars().take(MAX_KEY_CHARS).collect()
}

/// The search keys of `name`, deduplicated, at most [`MAX_KEYS`].
pub fn name_keys(name: &str) -> Vec<String> {
    let units = units(name);
    let has_han = units.iter().any(|u| matches!(u, Unit::Han(..)));
    let mut spellings: Vec<Vec<String>> = vec![
        units
            .iter()
            .map(|u| match u {
                Unit::Han(c, _) => c.to_string(),
                Unit::Word(w) => w.clone(),
            })
            .collect(),
    ];
    if has_han {
        spellings.push(
            units
                .iter()
                .map(|u| match u {
                    Unit::Han(_, p) => p.to_string(),
                    Unit::Word(w) => w.clone(),
                })
                .collect(),
        );
        spellings.push(
            units
                .iter()
                .map(|u| match u {
                    Unit::Han(_, p) => p.chars().next().unwrap_or_default().to_string(),
                    // Numbers stay whole (`客户42` → `kh42`); a word gives its initial.
                    Unit::Word(w) if w.chars().all(|c| c.is_ascii_digit()) => w.clone(),
                    Unit::Word(w) => w.chars().next().unwrap_or_default().to_string(),
                })
                .collect(),
        );
    }
    let mut keys: Vec<String> = vec![];
    for parts in spellings {
        for start in 0..parts.len().min(MAX_SUFFIXES) {
            let k = cut(&parts[start..].concat());
            if !k.is_empty() && !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    keys
}

/// A search text as a key prefix: lower case, only letters and digits; `None` if nothing
/// is left.
pub fn query_key(q: &str) -> Option<String> {
    let k: String = q
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .take(MAX_KEY_CHARS)
        .collect();
    (!k.is_empty()).then_some(k)
}

/// The exclusive upper bound of the keys starting with `prefix` (byte-wise order, as
/// SQLite and PostgreSQL's `C` collation compare): the prefix followed by the last code point.
pub fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// The `customer_name_keys` rows of one customer's name.
pub(crate) fn rows(
    workspace_id: &str,
    customer_id: &str,
    name: &str,
) -> Vec<customer_name_key::ActiveModel> {
    name_keys(name)
        .into_iter()
        .map(|key| customer_name_key::ActiveModel {
            workspace_id: Set(workspace_id.to_owned()),
            key: Set(key),
            customer_id: Set(customer_id.to_owned()),
        })
        .collect()
}

/// Removes the name keys of `customer_ids`.
pub(crate) async fn delete<C: ConnectionTrait>(
    conn: &C,
    workspace_id: &str,
    customer_ids: Vec<String>,
) -> Result<()> {
    customer_name_key::Entity::delete_many()
        .filter(customer_name_key::Column::WorkspaceId.eq(workspace_id))
        .filter(customer_name_key::Column::CustomerId.is_in(customer_ids))
        .exec(conn)
        .await?;
    Ok(())
}

/// Replaces the name keys of `customer_id` with those of `name`.
pub(crate) async fn write<C: ConnectionTrait>(
    conn: &C,
    workspace_id: &str,
    customer_id: &str,
    name: &str,
) -> Result<()> {
    delete(conn, workspace_id, vec![customer_id.to_owned()]).await?;
    let rows = rows(workspace_id, customer_id, name);
    if !rows.is_empty() {
        customer_name_key::Entity::insert_many(rows)
            .exec(conn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(name: &str, q: &str) -> bool {
        let q = query_key(q).unwrap();
        name_keys(name).iter().any(|k| k.starts_with(&q))
    }

    #[test]
    fn chinese_names_by_characters_pinyin_and_initials() {
        for q in [
            "王小明",
            "小明",
            "wangxiaoming",
            "wang xiao ming",
            "Wang Xiaoming",
            "wxm",
            "xiaoming",
            "wangx",
            "xm",
        ] {
            assert!(finds("王小明", q), "{q}");
        }
        for q in ["李", "lixiao", "wangxiaomingg", "wxn", "小红"] {
            assert!(!finds("王小明", q), "{q}");
        }
    }

    #[test]
    fn latin_names_by_word_prefix() {
        assert!(finds("John Smith", "smi"));
        assert!(finds("John Smith", "john s"));
        assert!(finds("John Smith", "JOHN"));
        assert!(!finds("John Smith", "ohn"));
        // Mixed names: the word and the characters around it.
        assert!(finds("客户42", "42"));
        assert!(finds("客户42", "kehu42"));
        assert!(finds("客户42", "户4"));
        assert!(finds("客户42", "kh42"));
        assert!(finds("王Tony", "wt"));
        assert!(finds("王Tony", "wangtony"));
    }

    #[test]
    fn keys_are_bounded_and_queries_normalized() {
        let long = "很长的名字".repeat(40);
        let keys = name_keys(&long);
        assert!(keys.len() <= MAX_KEYS);
        assert!(keys.iter().all(|k| k.chars().count() <= MAX_KEY_CHARS));
        assert_eq!(query_key(" ,.-"), None);
        assert_eq!(query_key("Wang-Xiao Ming").as_deref(), Some("wangxiaoming"));
        assert!(prefix_end("wxm").as_str() > "wxmzzzz");
        assert!(prefix_end("wxm").as_str() > "wxm王");
    }
}
