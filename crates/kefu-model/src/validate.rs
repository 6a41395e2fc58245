//! Field limits and checks shared by every writer of records.

use crate::ModelError;
use crate::error::FieldProblem;

/// Longest accepted short text (names, subjects, organization…), in characters.
pub const SHORT_TEXT: usize = 500;
/// Longest accepted long text (descriptions, transcripts), in characters.
pub const LONG_TEXT: usize = 100_000;
/// Most items in a list field (phones, emails, tags…).
pub const MAX_ITEMS: usize = 100;

fn invalid(field: &str, reason: FieldProblem) -> ModelError {
    ModelError::InvalidField {
        field: field.into(),
        reason,
    }
}

/// A required text: trimmed, not empty, at most `max` characters.
pub fn required(field: &str, value: &str, max: usize) -> Result<String, ModelError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(invalid(field, FieldProblem::Empty));
    }
    optional(field, v, max).map(str::to_owned)
}

/// An optional text: at most `max` characters.
pub fn optional<'a>(field: &str, value: &'a str, max: usize) -> Result<&'a str, ModelError> {
    if value.chars().count() > max {
        return Err(invalid(field, FieldProblem::TooLong));
    }
    Ok(value)
}

/// A list of short texts: at most [`MAX_ITEMS`], each non-empty and short, duplicates removed.
pub fn list(field: &str, values: &[String]) -> Result<Vec<String>, ModelError> {
    if values.len() > MAX_ITEMS {
        return Err(invalid(field, FieldProblem::TooMany));
    }
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for v in values {
        let v = required(field, v, SHORT_TEXT)?;
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

/// An e-mail address: one `@` with text on both sides and no spaces; lower-cased.
pub fn email(field: &str, value: &str) -> Result<String, ModelError> {
    let v = required(field, value, 254)?;
    let ok = v.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
    }) && !v.contains(char::is_whitespace)
        && v.matches('@').count() == 1;
    if ok {
        Ok(v.to_lowercase())
    } else {
        Err(invalid(field, FieldProblem::Format))
    }
}

/// A workspace slug: 2–63 characters of `a-z`, `0-9` and `-`, not starting or ending in `-`.
pub fn slug(field: &str, value: &str) -> Result<String, ModelError> {
    let ok = (2..=63).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if ok {
        Ok(value.to_owned())
    } else {
        Err(invalid(field, FieldProblem::Format))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_characters_not_bytes() {
        let zh = "客".repeat(SHORT_TEXT);
        assert!(required("name", &zh, SHORT_TEXT).is_ok());
        let too_long = "客".repeat(SHORT_TEXT + 1);
        assert_eq!(
            required("name", &too_long, SHORT_TEXT).unwrap_err(),
            ModelError::InvalidField {
                field: "name".into(),
                reason: FieldProblem::TooLong
            }
        );
        assert!(required("name", "   ", 10).is_err());
    }

    #[test]
    fn emails_and_slugs() {
        assert_eq!(
            email("e", "Li.Lei@Example.CN").unwrap(),
            "li.lei@example.cn"
        );
        for bad in ["a", "a@b", "@b.cn", "a b@c.cn", "a@@b.cn", "a@.cn"] {
            assert!(email("e", bad).is_err(), "{bad}");
        }
        assert!(slug("s", "acme-cn").is_ok());
        for bad in ["A", "a", "-ab", "ab-", "a_b", "客服"] {
            assert!(slug("s", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lists_dedupe_and_cap() {
        let v = vec!["vip".to_string(), "vip".into(), "new".into()];
        assert_eq!(list("tags", &v).unwrap(), vec!["vip", "new"]);
        let many: Vec<String> = (0..=MAX_ITEMS).map(|i| i.to_string()).collect();
        assert!(list("tags", &many).is_err());
    }
}
