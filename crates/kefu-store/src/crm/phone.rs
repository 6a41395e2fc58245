//! Phone numbers to E.164 (`+<country code><national number>`), with a default region for
//! numbers written without a country code.
//!
//! A number is first parsed with the `phonenumber` crate (libphonenumber's metadata for every
//! region, bundled: it builds offline) and taken when that finds it valid. Otherwise the hand
//! rules below decide (the calling codes of the regions kefu is used in; the national trunk
//! prefix `0`, or `1` in NANP, dropped; CN mobile lengths checked), so no number accepted
//! before is refused now. Any region libphonenumber knows may be a workspace's default.

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

/// Whether `region` may be a default region: one libphonenumber knows.
pub fn known_region(region: &str) -> bool {
    region.len() == 2
        && region.chars().all(|c| c.is_ascii_uppercase())
        && region.parse::<phonenumber::country::Id>().is_ok()
}

fn by_metadata(raw: &str, region: &str) -> Option<String> {
    let id = region.parse::<phonenumber::country::Id>().ok();
    let n = phonenumber::parse(id, raw).ok()?;
    phonenumber::is_valid(&n).then(|| n.format().mode(phonenumber::Mode::E164).to_string())
}

/// Normalizes `raw` to E.164; `None` if it cannot be a phone number.
///
/// Separators (spaces, `-`, `.`, `(`, `)`) are ignored; `+` or `00` start an international
/// number; anything else is national to `region`.
pub fn normalize(raw: &str, region: &str) -> Option<String> {
    if raw.chars().any(|c| c.is_alphabetic()) {
        return None; // libphonenumber reads letters as keypad digits; kefu does not.
    }
    if let Some(n) = by_metadata(raw, region) {
        return Some(n);
    }
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
    use super::{known_region, normalize};

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

    #[test]
    fn regions_beyond_the_hand_table_by_metadata() {
        // Brazil, Vietnam and Thailand are not in the hand table.
        assert_eq!(
            normalize("(11) 96123-4567", "BR").as_deref(),
            Some("+5511961234567")
        );
        assert_eq!(
            normalize("091 234 56 78", "VN").as_deref(),
            Some("+84912345678")
        );
        assert_eq!(
            normalize("081 234 5678", "TH").as_deref(),
            Some("+66812345678")
        );
        // UK with its trunk 0, Japan mobile, Germany landline.
        assert_eq!(
            normalize("07400 123456", "GB").as_deref(),
            Some("+447400123456")
        );
        assert_eq!(
            normalize("090-1234-5678", "JP").as_deref(),
            Some("+819012345678")
        );
        assert!(known_region("BR") && known_region("CN"));
        assert!(!known_region("ZZ") && !known_region("cn") && !known_region("CHN"));
    }
}
