//! Quantiles of a sample by linear interpolation between order statistics (Hyndman & Fan 1996,
//! "Sample quantiles in statistical packages", definition 7; the default of R and NumPy): for
//! sorted x₀ ≤ … ≤ xₙ₋₁, h = (n − 1)·p, Q(p) = x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋+1 − x⌊h⌋). The median is
//! the usual one (mean of the two middle values for even n).

/// Quantile `p` in [0, 1] of `values` (any order); `None` for an empty sample.
pub fn quantile(values: &[f64], p: f64) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(sorted_quantile(&v, p))
}

fn sorted_quantile(v: &[f64], p: f64) -> f64 {
    let h = (v.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// Median and 90th percentile, sorting once.
pub fn median_p90(values: &[f64]) -> (Option<f64>, Option<f64>) {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return (None, None);
    }
    v.sort_by(f64::total_cmp);
    (
        Some(sorted_quantile(&v, 0.5)),
        Some(sorted_quantile(&v, 0.9)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type7_matches_hand_values() {
        // 10, 20, 30, 40: median h = 1.5 → 20 + 0.5·10 = 25; p90 h = 2.7 → 30 + 0.7·10 = 37.
        assert_eq!(
            median_p90(&[40.0, 10.0, 30.0, 20.0]),
            (Some(25.0), Some(37.0))
        );
        // One value: every quantile is it.
        assert_eq!(median_p90(&[7.0]), (Some(7.0), Some(7.0)));
        assert_eq!(median_p90(&[]), (None, None));
        // 1..=11: p90 h = 9 → 10 exactly.
        let v: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.9), Some(10.0));
    }
}
