//! Forecasts of synthetic histories whose trend, weekly and intraday seasonality, holidays
//! and make-up workdays are known.

use chrono::{Datelike, Days, NaiveDate};
use kefu_wfm::forecast::{Calendar, DayKind, History, Options, backtest, fit};

const SPD: usize = 24; // hourly

/// Monday..Sunday factors with mean 1.
const WEEK: [f64; 7] = [1.3, 1.2, 1.15, 1.1, 1.05, 0.65, 0.55];
const HOLIDAY: f64 = 0.3;

fn profile(weekend: bool) -> Vec<f64> {
    let raw: Vec<f64> = (0..SPD)
        .map(|h| {
            let h = h as f64;
            let peak = if weekend { 14.0 } else { 10.5 };
            0.05 + (-(h - peak).powi(2) / 8.0).exp() + 0.7 * (-(h - 16.0).powi(2) / 6.0).exp()
        })
        .collect();
    let s: f64 = raw.iter().sum();
    raw.iter().map(|v| v / s).collect()
}

fn truth(date: NaiveDate, day: usize, cal: &Calendar) -> (f64, Vec<f64>) {
    let level = 2000.0 + 3.0 * day as f64;
    let wd = date.weekday().num_days_from_monday() as usize;
    let (factor, weekend) = match cal.get(&date) {
        Some(DayKind::Holiday) => (HOLIDAY, true),
        Some(DayKind::Workday) => (WEEK[..5].iter().sum::<f64>() / 5.0, false),
        None => (WEEK[wd], wd >= 5),
    };
    let total = level * factor;
    (total, profile(weekend).iter().map(|p| p * total).collect())
}

fn calendar(start: NaiveDate) -> Calendar {
    let mut cal = Calendar::new();
    // Holidays in history (days 30, 31, 65) and in the last two weeks (day 115).
    for d in [30u64, 31, 65, 115] {
        cal.insert(start + Days::new(d), DayKind::Holiday);
    }
    // A make-up Saturday in the last two weeks.
    let sat = (100..112)
        .map(|d| start + Days::new(d))
        .find(|d| d.weekday().num_days_from_monday() == 5)
        .unwrap();
    cal.insert(sat, DayKind::Workday);
    cal
}

fn history(days: usize, noise: f64) -> (History, Calendar) {
    let start = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(); // a Monday
    let cal = calendar(start);
    let mut contacts = Vec::new();
    let mut seed: u64 = 42;
    for d in 0..days {
        let (_, per) = truth(start + Days::new(d as u64), d, &cal);
        for v in per {
            // Deterministic multiplicative noise in ±noise.
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (seed >> 11) as f64 / (1u64 << 53) as f64;
            contacts.push((v * (1.0 + noise * (2.0 * u - 1.0))).max(0.0));
        }
    }
    let aht_s = (0..contacts.len())
        .map(|i| Some(200.0 + 40.0 * ((i % SPD) as f64 / SPD as f64)))
        .collect();
    (
        History {
            start,
            interval_min: 60,
            contacts,
            aht_s,
        },
        cal,
    )
}

#[test]
fn recovers_known_structure() {
    let (h, cal) = history(119, 0.0);
    let model = fit(
        &h,
        &cal,
        Options {
            damping: 1.0,
            ..Options::default()
        },
    )
    .unwrap();
    for (c, want) in WEEK.iter().enumerate() {
        let got = model.day_factors[c];
        assert!((got - want).abs() < 0.03, "weekday {c}: {got} vs {want}");
    }
    assert!(model.holiday_factor_estimated);
    assert!(
        (model.day_factors[7] - HOLIDAY).abs() < 0.03,
        "{:?}",
        model.day_factors
    );
    assert!((model.slope - 3.0).abs() < 0.5, "slope {}", model.slope);
    // Two weeks ahead, compared with the truth per interval.
    let fc = model.forecast(14, &cal);
    let mut abs = 0.0;
    let mut total = 0.0;
    for d in 0..14 {
        let day = 119 + d;
        let (_, per) = truth(fc.start + Days::new(d as u64), day, &cal);
        for (s, v) in per.iter().enumerate() {
            abs += (fc.contacts[d * SPD + s] - v).abs();
            total += v;
        }
    }
    assert!(abs / total < 0.03, "wMAPE vs truth {}", abs / total);
    assert!((fc.aht_s[10] - (200.0 + 40.0 * 10.0 / 24.0)).abs() < 1e-6);
}

#[test]
fn beats_seasonal_naive_across_holidays() {
    for noise in [0.0, 0.15] {
        let (h, cal) = history(126, noise);
        let bt = backtest(&h, &cal, Options::default(), 14).unwrap();
        // The holdout holds a holiday and a make-up Saturday that a week-ago copy misses.
        assert!(
            bt.model.wmape < 0.8 * bt.seasonal_naive.wmape,
            "noise {noise}: {bt:?}"
        );
        assert!(bt.model.mase < bt.seasonal_naive.mase);
        assert!(bt.model.wmape.is_finite() && bt.model.wmape > 0.0);
    }
}

#[test]
fn short_history_is_an_error() {
    let (mut h, cal) = history(20, 0.0);
    h.contacts.truncate(10 * SPD);
    h.aht_s.truncate(10 * SPD);
    assert!(fit(&h, &cal, Options::default()).is_err());
    assert!(backtest(&h, &cal, Options::default(), 7).is_err());
}

#[test]
fn interval_bands_cover_most_actuals() {
    let (h, cal) = history(126, 0.15);
    let cut = 112 * SPD;
    let train = History {
        start: h.start,
        interval_min: 60,
        contacts: h.contacts[..cut].to_vec(),
        aht_s: h.aht_s[..cut].to_vec(),
    };
    let fc = fit(&train, &cal, Options::default())
        .unwrap()
        .forecast(14, &cal);
    let actual = &h.contacts[cut..];
    let inside = actual
        .iter()
        .enumerate()
        .filter(|(i, a)| fc.lower[*i] <= **a && **a <= fc.upper[*i])
        .count() as f64
        / actual.len() as f64;
    assert!((0.6..0.98).contains(&inside), "80 % band covers {inside}");
    assert!(
        fc.lower
            .iter()
            .zip(&fc.contacts)
            .all(|(l, c)| *l <= *c && *l >= 0.0)
    );
}
