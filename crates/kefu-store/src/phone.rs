//! Phone numbers to E.164 (`+<country code><national number>`), with a default region for
//! numbers written without a country code. Covers the calling codes of the regions kefu is
//! used in; the national trunk prefix (`0`, or `1` in NANP) is dropped.

/// Regions whose numbers can be written without a country code: ISO code → calling code.
pub const REGIONS: &[(&str, &str)] = &[
    ("CN", "86"),
    ("HK", "852"),
    ("MO", "853"),
    ("TW", "886"),
    ("SG", "65"),
    ("MY", "60"),
    ("JP", "81"),
    ("KR", "82"),
    ("US", "1"),
    ("CA", "1"),
    ("GB", "44"),
    ("DE", "49"),
    ("FR", "33"),
    ("AU", "61"),
    ("IN", "91"),
];

/// The calling code of `region` (ISO 3166-1 alpha-2, upper case), if known.
pub fn calling_code(region: &str) -> Option<&'static str> {
    REGIONS.iter().find(|(r, _)| *r == region).map(|(_, c)| *c)
}

/// Normalizes `raw` to E.164; `None` if it cannot be a phone number.
///
/// Separators (spaces, `-`, `.`, `(`, `)`) are ignored; `+` or `00` start an international
/// number; anything else is national to `region`.
pub fn normalize(raw: &str, region: &str) -> Option<String> {
    let s = raw.trim();
    let (international, rest) = match s.strip_prefix('+') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' | '\u{3000}' => {}
            _ => return None,
        }
    }
    let full = if international {
        digits
    } else if let Some(r) = digits.strip_prefix("00") {
        r.to_owned()
    } else {
        let cc = calling_code(region)?;
        let national = if cc == "1" {
            digits
                .strip_prefix('1')
                .filter(|n| n.len() == 10)
                .unwrap_or(&digits)
        } else {
            digits.strip_prefix('0').unwrap_or(&digits)
        };
        // A CN mobile number written with its country code but no `+`: 86 1xx xxxx xxxx.
        if cc == "86" && national.len() == 13 && national.starts_with("861") {
            national.to_owned()
        } else {
            format!("{cc}{national}")
        }
    };
    if full.starts_with('0') || !(8..=15).contains(&full.len()) {
        return None;
    }
    // Chinese mobile numbers (1[3-9]…) have 11 digits after the country code; Beijing's
    // area code is 10.
    if let Some(n) = full.strip_prefix("86") {
        if n.starts_with('1') && !n.starts_with("10") && n.len() != 11 {
            return None;
        }
        if n.len() < 9 || n.len() > 12 {
            return None;
        }
    }
    Some(format!("+{full}"))
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn chinese_numbers_in_every_common_spelling() {
        for raw in [
            "+86 138-0013-8000",
            "13800138000",
            "138 0013 8000",
            "0086 13800138000",
            "8613800138000",
            "+86 (138) 0013 8000",
        ] {
            assert_eq!(
                normalize(raw, "CN").as_deref(),
                Some("+8613800138000"),
                "{raw}"
            );
        }
        assert_eq!(
            normalize("010-6552 9988", "CN").as_deref(),
            Some("+861065529988")
        );
    }

    #[test]
    fn default_region_applies_only_without_a_country_code() {
        assert_eq!(
            normalize("(415) 555-2671", "US").as_deref(),
            Some("+14155552671")
        );
        assert_eq!(
            normalize("1 415 555 2671", "US").as_deref(),
            Some("+14155552671")
        );
        assert_eq!(
            normalize("+86 13800138000", "US").as_deref(),
            Some("+8613800138000")
        );
        assert_eq!(
            normalize("9123 4567", "HK").as_deref(),
            Some("+85291234567")
        );
    }

    #[test]
    fn rejects_what_is_not_a_number() {
        for raw in [
            "",
            "abc",
            "1380013800",
            "+86 1380013800099",
            "12",
            "138x0013",
        ] {
            assert_eq!(normalize(raw, "CN"), None, "{raw}");
        }
        assert_eq!(normalize("13800138000", "ZZ"), None);
    }
}
