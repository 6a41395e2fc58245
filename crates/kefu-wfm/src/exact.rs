//! Exact arithmetic for staffing roundings.
//!
//! A float such as `0.3` is read back as the decimal it was written as (Rust prints the
//! shortest decimal that round-trips), so `21 / (1 − 0.3)` is computed as `21·10 / 7 = 30`
//! exactly instead of the float `30.000000000000004` whose ceiling is 31.

/// A non-negative rational `num / den` with `den > 0`, not necessarily in lowest terms
/// (arithmetic skips the gcd; equality compares values).
#[derive(Debug, Clone, Copy)]
pub struct Ratio {
    pub num: u128,
    pub den: u128,
}

impl PartialEq for Ratio {
    fn eq(&self, o: &Ratio) -> bool {
        match (self.num.checked_mul(o.den), o.num.checked_mul(self.den)) {
            (Some(a), Some(b)) => a == b,
            _ => {
                let (a, b) = (self.reduced(), o.reduced());
                a.num == b.num && a.den == b.den
            }
        }
    }
}

/// `x.round()` for `0 ≤ x < 2^52` without a libm call.
pub(crate) fn round_pos(x: f64) -> f64 {
    if (0.0..4.5e15).contains(&x) {
        ((x + 0.5) as u64) as f64
    } else {
        x.round()
    }
}

/// `x.floor()` for `0 ≤ x < 2^52` without a libm call (x86-64's baseline has no `roundsd`).
pub(crate) fn floor_pos(x: f64) -> f64 {
    if (0.0..4.5e15).contains(&x) {
        (x as u64) as f64
    } else {
        x.floor()
    }
}

/// `x.ceil()` for `0 ≤ x < 2^52` without a libm call.
pub(crate) fn ceil_pos(x: f64) -> f64 {
    let f = floor_pos(x);
    if f < x { f + 1.0 } else { f }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Ratio {
    pub fn new(num: u128, den: u128) -> Option<Ratio> {
        if den == 0 {
            return None;
        }
        let g = gcd(num, den).max(1);
        Some(Ratio {
            num: num / g,
            den: den / g,
        })
    }

    fn reduced(self) -> Ratio {
        let g = gcd(self.num, self.den).max(1);
        Ratio {
            num: self.num / g,
            den: self.den / g,
        }
    }

    pub fn integer(n: u128) -> Ratio {
        Ratio { num: n, den: 1 }
    }

    /// The decimal a finite non-negative float was written as, if it has at most 30
    /// fractional digits and fits.
    pub fn from_f64(x: f64) -> Option<Ratio> {
        if !x.is_finite() || x < 0.0 {
            return None;
        }
        // Fast path: the least k with m / 10^k == x (m < 2^53) is the shortest decimal,
        // because that quotient is correctly rounded, exactly as parsing "m·10^-k" is.
        let mut scale = 1.0f64;
        for k in 0..=15u32 {
            let m = round_pos(x * scale);
            if m >= 9_007_199_254_740_992.0 {
                break;
            }
            if m / scale == x {
                return Some(Ratio {
                    num: m as u128,
                    den: 10u128.pow(k),
                });
            }
            scale *= 10.0;
        }
        Ratio::from_decimal_str(&format!("{x}"))
    }

    /// Parses `123`, `0.85`, `1.5e3`-free decimal text.
    pub fn from_decimal_str(s: &str) -> Option<Ratio> {
        let s = s.trim();
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s, ""),
        };
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let frac = frac.trim_end_matches('0');
        if frac.len() > 30 {
            return None;
        }
        let mut num: u128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            num = num.checked_mul(10)?.checked_add(u128::from(b - b'0'))?;
        }
        let den = 10u128.checked_pow(frac.len() as u32)?;
        Ratio::new(num, den)
    }

    pub fn checked_mul(self, o: Ratio) -> Option<Ratio> {
        Some(Ratio {
            num: self.num.checked_mul(o.num)?,
            den: self.den.checked_mul(o.den)?,
        })
    }

    pub fn checked_div(self, o: Ratio) -> Option<Ratio> {
        if o.num == 0 {
            return None;
        }
        self.checked_mul(Ratio {
            num: o.den,
            den: o.num,
        })
    }

    /// `self − o`, `None` when negative or on overflow.
    pub fn checked_sub(self, o: Ratio) -> Option<Ratio> {
        let a = self.num.checked_mul(o.den)?;
        let b = o.num.checked_mul(self.den)?;
        Some(Ratio {
            num: a.checked_sub(b)?,
            den: self.den.checked_mul(o.den)?,
        })
    }

    pub fn floor(self) -> u128 {
        match (u64::try_from(self.num), u64::try_from(self.den)) {
            (Ok(n), Ok(d)) => u128::from(n / d),
            _ => self.num / self.den,
        }
    }

    pub fn ceil(self) -> u128 {
        match (u64::try_from(self.num), u64::try_from(self.den)) {
            (Ok(n), Ok(d)) => u128::from(n.div_ceil(d)),
            _ => self.num.div_ceil(self.den),
        }
    }

    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// `self ≤ o`, exactly.
    pub fn le(self, o: Ratio) -> Option<bool> {
        Some(self.num.checked_mul(o.den)? <= o.num.checked_mul(self.den)?)
    }
}

/// Heads to schedule so that `agents` remain after `shrinkage` (a fraction in [0, 1)):
/// `ceil(agents / (1 − shrinkage))`, exact for decimal shrinkage.
pub fn with_shrinkage(agents: u32, shrinkage: f64) -> Option<u32> {
    if !(0.0..1.0).contains(&shrinkage) {
        return None;
    }
    let q = f64::from(agents) / (1.0 - shrinkage);
    if (q - round_pos(q)).abs() > 1e-9 * q.max(1.0) {
        // Away from an integer the float ceiling is already exact.
        return (q.ceil() <= f64::from(u32::MAX)).then_some(q.ceil() as u32);
    }
    let exact = Ratio::from_f64(shrinkage)
        .and_then(|s| Ratio::integer(1).checked_sub(s))
        .and_then(|keep| Ratio::integer(u128::from(agents)).checked_div(keep))
        .map(Ratio::ceil);
    let value = match exact {
        Some(v) => v as f64,
        // Not a short decimal: float, snapped when within rounding noise of an integer.
        None => {
            let q = f64::from(agents) / (1.0 - shrinkage);
            let r = q.round();
            if (q - r).abs() <= 1e-9 * q.max(1.0) {
                r
            } else {
                q.ceil()
            }
        }
    };
    if value > f64::from(u32::MAX) {
        None
    } else {
        Some(value as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinkage_is_exact() {
        // The float quotient is 30.000000000000004, whose ceiling is 31.
        let (n, s) = std::hint::black_box((21.0f64, 0.3f64));
        assert_eq!((n / (1.0 - s)).ceil(), 31.0);
        assert_eq!(with_shrinkage(21, 0.3), Some(30));
        assert_eq!(with_shrinkage(22, 0.3), Some(32)); // 31.43 → 32
        assert_eq!(with_shrinkage(0, 0.3), Some(0));
        assert_eq!(with_shrinkage(10, 0.0), Some(10));
        assert_eq!(with_shrinkage(17, 0.15), Some(20)); // 17/0.85 = 20 exactly
        assert_eq!(with_shrinkage(10, 1.0), None);
    }

    #[test]
    fn fast_path_agrees_with_printed_decimal() {
        for x in [
            0.3,
            0.85,
            0.1 + 0.2,
            1e-7,
            123.456,
            1800.0,
            2.5e-3,
            0.07,
            1.0 / 3.0,
        ] {
            assert_eq!(
                Ratio::from_f64(x),
                Ratio::from_decimal_str(&format!("{x}")),
                "{x}"
            );
        }
    }

    #[test]
    fn decimals_parse() {
        assert_eq!(Ratio::from_f64(0.85), Ratio::new(17, 20));
        assert_ne!(Ratio::from_f64(0.85), Ratio::new(17, 21));
        assert_eq!(
            Ratio::from_f64(0.85).map(|r| (r.num, r.den)),
            Some((85, 100))
        );
        assert_eq!(Ratio::from_f64(1800.0), Some(Ratio::integer(1800)));
        assert_eq!(Ratio::from_decimal_str("x"), None);
        let a = Ratio::from_f64(8.5).unwrap();
        let occ = Ratio::from_f64(0.85).unwrap();
        assert_eq!(a.checked_div(occ).map(Ratio::ceil), Some(10));
    }
}
