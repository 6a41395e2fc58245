//! Contact-volume and AHT forecasts per interval from interval history.
//!
//! A multiplicative decomposition written for contact centres: daily total =
//! level (damped linear trend on the deseasonalised series) × day factor, and each day is
//! split into intervals by an intraday profile. Day factors and profiles are per weekday
//! and for holidays; a make-up workday (调休: a weekend date worked as a weekday) takes the
//! pooled Monday–Friday factor and profile. Factors come from ratios to a centred 7-day
//! moving average of the deseasonalised series, iterated. AHT is the contact-weighted mean
//! per weekday class and interval of the recent weeks. [`backtest`] holds out the last days
//! and scores wMAPE and MASE against the seasonal-naive forecast (same interval a week
//! earlier). [`reforecast_intraday`] rescales the rest of today from today's actuals.

use crate::{Result, WfmError};
use chrono::{Datelike, Days, NaiveDate};
use std::collections::BTreeMap;

/// What a calendar date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A public holiday (公众假期), whatever its weekday.
    Holiday,
    /// A make-up workday (调休上班日) on a weekend.
    Workday,
}

/// Dates that are not ordinary days.
pub type Calendar = BTreeMap<NaiveDate, DayKind>;

/// Interval history of one queue (or several summed): whole days from `start`.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub start: NaiveDate,
    pub interval_min: u32,
    /// `days × slots_per_day` contacts, day-major.
    pub contacts: Vec<f64>,
    /// Mean handle time per interval, `None` where nothing was handled.
    pub aht_s: Vec<Option<f64>>,
}

impl History {
    pub fn slots_per_day(&self) -> usize {
        (1440 / self.interval_min) as usize
    }
    pub fn days(&self) -> usize {
        self.contacts.len() / self.slots_per_day()
    }
    fn check(&self) -> Result<()> {
        if self.interval_min == 0 || 1440 % self.interval_min != 0 {
            return Err(WfmError::Data(format!(
                "interval of {} minutes does not divide a day",
                self.interval_min
            )));
        }
        let spd = self.slots_per_day();
        if !self.contacts.len().is_multiple_of(spd) || self.aht_s.len() != self.contacts.len() {
            return Err(WfmError::Data("history must cover whole days".into()));
        }
        if self.contacts.iter().any(|c| !c.is_finite() || *c < 0.0) {
            return Err(WfmError::Data("contacts must be finite and ≥ 0".into()));
        }
        Ok(())
    }
    fn daily(&self) -> Vec<f64> {
        self.contacts
            .chunks(self.slots_per_day())
            .map(|d| d.iter().sum())
            .collect()
    }
    fn date(&self, d: usize) -> NaiveDate {
        self.start + Days::new(d as u64)
    }
}

/// Model settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Days of deseasonalised history the trend line is fitted on.
    pub trend_window_days: usize,
    /// Weeks of history the intraday profiles and AHT are averaged over.
    pub profile_weeks: usize,
    /// Per-day damping of the trend slope (1 = undamped).
    pub damping: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            trend_window_days: 56,
            profile_weeks: 8,
            damping: 0.98,
        }
    }
}

/// Day classes: 0..=6 Monday..Sunday, 7 holiday.
const HOLIDAY: usize = 7;
const CLASSES: usize = 8;

fn class_of(date: NaiveDate, cal: &Calendar) -> usize {
    match cal.get(&date) {
        Some(DayKind::Holiday) => HOLIDAY,
        Some(DayKind::Workday) => WORKDAY,
        None => date.weekday().num_days_from_monday() as usize,
    }
}
/// Pseudo-class of make-up workdays: resolved to the pooled Monday–Friday values.
const WORKDAY: usize = 8;

/// A fitted model.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Model {
    pub interval_min: u32,
    /// First date after the history.
    pub next_date: NaiveDate,
    /// Day factors Monday..Sunday, then holiday.
    pub day_factors: [f64; CLASSES],
    /// Whether the holiday factor was seen in history (else it is the Sunday factor).
    pub holiday_factor_estimated: bool,
    /// Deseasonalised level at the last history day and its daily slope.
    pub level: f64,
    pub slope: f64,
    pub damping: f64,
    /// Standard deviation of log(actual / fitted) daily totals.
    pub log_sigma: f64,
    /// Interval-level dispersion: mean of (actual − fitted)² / fitted over recent intervals,
    /// so an interval's variance is taken as `dispersion × forecast` (1 for Poisson).
    pub dispersion: f64,
    /// Intraday shares per class (Monday..Sunday, holiday, make-up workday).
    #[serde(skip)]
    profiles: Vec<Vec<f64>>,
    #[serde(skip)]
    aht: Vec<Vec<f64>>,
}

/// A forecast: per day and per interval.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Forecast {
    pub start: NaiveDate,
    pub interval_min: u32,
    pub daily: Vec<DayForecast>,
    /// `days × slots_per_day` contacts.
    pub contacts: Vec<f64>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    pub aht_s: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DayForecast {
    pub date: NaiveDate,
    pub kind: &'static str,
    pub contacts: f64,
    /// Approximate 80 % interval.
    pub lower: f64,
    pub upper: f64,
}

/// z for an 80 % two-sided normal interval.
const Z80: f64 = 1.2816;

fn centred_ma(y: &[f64], half: usize) -> Vec<f64> {
    (0..y.len())
        .map(|i| {
            let lo = i.saturating_sub(half);
            let hi = (i + half + 1).min(y.len());
            y[lo..hi].iter().sum::<f64>() / (hi - lo) as f64
        })
        .collect()
}

/// Fits the model on the whole history.
#[allow(clippy::needless_range_loop)] // index arithmetic over days × slots reads best
pub fn fit(h: &History, cal: &Calendar, opts: Options) -> Result<Model> {
    h.check()?;
    let days = h.days();
    if days < 14 {
        return Err(WfmError::Data(format!(
            "need at least 14 days of history, got {days}"
        )));
    }
    if !(0.0..=1.0).contains(&opts.damping) || opts.trend_window_days < 7 || opts.profile_weeks == 0
    {
        return Err(WfmError::Data("bad forecast options".into()));
    }
    let spd = h.slots_per_day();
    let daily = h.daily();
    let classes: Vec<usize> = (0..days).map(|d| class_of(h.date(d), cal)).collect();
    let eff = |c: usize, f: &[f64; CLASSES]| -> f64 {
        if c == WORKDAY {
            f[..5].iter().sum::<f64>() / 5.0
        } else {
            f[c]
        }
    };
    // Day factors by iterated ratio to a centred moving average.
    let mut f = [1.0; CLASSES];
    let mut seen_holiday = false;
    for _ in 0..4 {
        let y: Vec<f64> = (0..days)
            .map(|d| daily[d] / eff(classes[d], &f).max(1e-9))
            .collect();
        let ma = centred_ma(&y, 3);
        let mut sum = [0.0; CLASSES];
        let mut n = [0usize; CLASSES];
        for d in 0..days {
            let c = classes[d];
            if c == WORKDAY || ma[d] <= 0.0 {
                continue;
            }
            sum[c] += daily[d] / ma[d];
            n[c] += 1;
        }
        for c in 0..7 {
            f[c] = if n[c] > 0 { sum[c] / n[c] as f64 } else { 1.0 };
        }
        let mean = f[..7].iter().sum::<f64>() / 7.0;
        if mean > 0.0 {
            for v in f.iter_mut().take(7) {
                *v /= mean;
            }
        }
        seen_holiday = n[HOLIDAY] > 0;
        f[HOLIDAY] = if seen_holiday {
            sum[HOLIDAY] / n[HOLIDAY] as f64 / mean.max(1e-9)
        } else {
            f[6]
        };
    }
    // Trend on the deseasonalised recent window.
    let y: Vec<f64> = (0..days)
        .map(|d| daily[d] / eff(classes[d], &f).max(1e-9))
        .collect();
    let w = opts.trend_window_days.min(days);
    let t0 = days - w;
    let (mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0);
    for (i, &v) in y[t0..].iter().enumerate() {
        let x = i as f64;
        sx += x;
        sy += v;
        sxx += x * x;
        sxy += x * v;
    }
    let nw = w as f64;
    let denom = nw * sxx - sx * sx;
    let slope = if denom.abs() > 1e-12 {
        (nw * sxy - sx * sy) / denom
    } else {
        0.0
    };
    let intercept = (sy - slope * sx) / nw;
    let level = intercept + slope * (nw - 1.0);
    let mut resid = Vec::new();
    for (i, d) in (t0..days).enumerate() {
        let fitted = (intercept + slope * i as f64) * eff(classes[d], &f);
        if fitted > 0.0 && daily[d] > 0.0 {
            resid.push((daily[d] / fitted).ln());
        }
    }
    let mean_r = resid.iter().sum::<f64>() / resid.len().max(1) as f64;
    let log_sigma = (resid.iter().map(|r| (r - mean_r).powi(2)).sum::<f64>()
        / (resid.len().max(2) - 1) as f64)
        .sqrt();

    // Intraday profiles and AHT over the recent weeks.
    let recent = days.saturating_sub(opts.profile_weeks * 7);
    let mut shares = vec![vec![0.0; spd]; CLASSES + 1];
    let mut totals = vec![0.0; CLASSES + 1];
    let mut aht_sum = vec![vec![0.0; spd]; CLASSES + 1];
    let mut aht_w = vec![vec![0.0; spd]; CLASSES + 1];
    for d in recent..days {
        let c = classes[d];
        for s in 0..spd {
            let i = d * spd + s;
            let x = h.contacts[i];
            shares[c][s] += x;
            totals[c] += x;
            if let Some(a) = h.aht_s[i].filter(|a| a.is_finite() && *a > 0.0) {
                aht_sum[c][s] += a * x.max(1e-9);
                aht_w[c][s] += x.max(1e-9);
            }
        }
    }
    // Pool Monday–Friday for make-up workdays; holidays fall back to Sunday.
    let pool = |v: &mut Vec<Vec<f64>>, tot: Option<&mut Vec<f64>>| {
        let mut p = vec![0.0; spd];
        for row in v.iter().take(5) {
            for s in 0..spd {
                p[s] += row[s];
            }
        }
        v[WORKDAY] = p;
        if let Some(t) = tot {
            t[WORKDAY] = t[..5].iter().sum();
        }
    };
    pool(&mut shares, Some(&mut totals));
    pool(&mut aht_sum, None);
    pool(&mut aht_w, None);
    let all_aht: f64 = aht_sum.iter().take(7).flatten().sum::<f64>()
        / aht_w.iter().take(7).flatten().sum::<f64>().max(1e-9);
    let mut profiles = vec![vec![0.0; spd]; CLASSES + 1];
    let mut aht = vec![vec![all_aht; spd]; CLASSES + 1];
    for c in 0..=CLASSES {
        let src = if totals[c] > 0.0 {
            c
        } else if c == HOLIDAY && totals[6] > 0.0 {
            6
        } else {
            WORKDAY
        };
        if totals[src] > 0.0 {
            profiles[c] = shares[src].iter().map(|x| x / totals[src]).collect();
        } else {
            profiles[c] = vec![1.0 / spd as f64; spd];
        }
        let day_aht = aht_sum[src].iter().sum::<f64>() / aht_w[src].iter().sum::<f64>().max(1e-9);
        for s in 0..spd {
            aht[c][s] = if aht_w[src][s] > 0.0 {
                aht_sum[src][s] / aht_w[src][s]
            } else if day_aht > 0.0 {
                day_aht
            } else {
                all_aht
            };
        }
    }
    // Interval dispersion over the recent window, against the in-sample fit.
    let (mut num, mut cnt) = (0.0, 0usize);
    for (i, d) in (t0..days).enumerate() {
        let fitted_day = (intercept + slope * i as f64).max(0.0) * eff(classes[d], &f);
        let c = if classes[d] == WORKDAY {
            WORKDAY
        } else {
            classes[d]
        };
        for s in 0..spd {
            let fit_i = fitted_day * profiles[c][s];
            if fit_i > 0.5 {
                num += (h.contacts[d * spd + s] - fit_i).powi(2) / fit_i;
                cnt += 1;
            }
        }
    }
    let dispersion = if cnt > 0 { num / cnt as f64 } else { 1.0 };
    Ok(Model {
        interval_min: h.interval_min,
        next_date: h.date(days),
        day_factors: f,
        holiday_factor_estimated: seen_holiday,
        level,
        slope,
        damping: opts.damping,
        log_sigma,
        dispersion,
        profiles,
        aht,
    })
}

impl Model {
    fn factor(&self, c: usize) -> f64 {
        if c == WORKDAY {
            self.day_factors[..5].iter().sum::<f64>() / 5.0
        } else {
            self.day_factors[c]
        }
    }

    /// Forecasts `horizon_days` days after the history.
    pub fn forecast(&self, horizon_days: usize, cal: &Calendar) -> Forecast {
        let spd = (1440 / self.interval_min) as usize;
        let mut daily = Vec::with_capacity(horizon_days);
        let mut contacts = Vec::with_capacity(horizon_days * spd);
        let mut lower = Vec::with_capacity(horizon_days * spd);
        let mut upper = Vec::with_capacity(horizon_days * spd);
        let mut aht = Vec::with_capacity(horizon_days * spd);
        let mut damp_sum = 0.0;
        let mut phi = 1.0;
        for k in 0..horizon_days {
            phi *= self.damping;
            damp_sum += phi;
            let date = self.next_date + Days::new(k as u64);
            let c = class_of(date, cal);
            let level = (self.level + self.slope * damp_sum).max(0.0);
            let total = level * self.factor(c);
            // The band widens slowly with the horizon.
            let sigma = self.log_sigma * (1.0 + k as f64 / 28.0).sqrt();
            let (lo, hi) = ((-Z80 * sigma).exp(), (Z80 * sigma).exp());
            daily.push(DayForecast {
                date,
                kind: match c {
                    HOLIDAY => "holiday",
                    WORKDAY => "workday",
                    _ => "normal",
                },
                contacts: total,
                lower: total * lo,
                upper: total * hi,
            });
            for s in 0..spd {
                let v = total * self.profiles[c][s];
                // Interval spread: dispersion × mean, plus the day-level uncertainty.
                let var = self.dispersion * v + (v * sigma).powi(2);
                let half = Z80 * var.sqrt();
                contacts.push(v);
                lower.push((v - half).max(0.0).min(v * lo));
                upper.push((v + half).max(v * hi));
                aht.push(self.aht[c][s]);
            }
        }
        Forecast {
            start: self.next_date,
            interval_min: self.interval_min,
            daily,
            contacts,
            lower,
            upper,
            aht_s: aht,
        }
    }
}

/// Accuracy of a holdout forecast.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Accuracy {
    /// Σ|actual − forecast| / Σ actual, per interval.
    pub wmape: f64,
    /// Mean absolute error over the in-sample mean absolute error of the weekly
    /// seasonal-naive forecast.
    pub mase: f64,
    /// The same on daily totals.
    pub daily_wmape: f64,
}

/// Model and seasonal-naive scored on the held-out last days.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Backtest {
    pub holdout_days: usize,
    pub model: Accuracy,
    pub seasonal_naive: Accuracy,
}

fn accuracy(actual: &[f64], fc: &[f64], spd: usize, scale: f64) -> Accuracy {
    let abs: f64 = actual.iter().zip(fc).map(|(a, f)| (a - f).abs()).sum();
    let total: f64 = actual.iter().sum();
    let da: Vec<f64> = actual.chunks(spd).map(|d| d.iter().sum()).collect();
    let df: Vec<f64> = fc.chunks(spd).map(|d| d.iter().sum()).collect();
    let dabs: f64 = da.iter().zip(&df).map(|(a, f)| (a - f).abs()).sum();
    Accuracy {
        wmape: if total > 0.0 { abs / total } else { f64::NAN },
        mase: if scale > 0.0 {
            abs / actual.len() as f64 / scale
        } else {
            f64::NAN
        },
        daily_wmape: if total > 0.0 { dabs / total } else { f64::NAN },
    }
}

/// Fits on all but the last `holdout_days` days and scores the forecast of those days.
pub fn backtest(
    h: &History,
    cal: &Calendar,
    opts: Options,
    holdout_days: usize,
) -> Result<Backtest> {
    h.check()?;
    let spd = h.slots_per_day();
    let days = h.days();
    if holdout_days == 0 || days < holdout_days + 14 {
        return Err(WfmError::Data(format!(
            "a {holdout_days}-day backtest needs at least {} days of history",
            holdout_days + 14
        )));
    }
    let cut = (days - holdout_days) * spd;
    let train = History {
        start: h.start,
        interval_min: h.interval_min,
        contacts: h.contacts[..cut].to_vec(),
        aht_s: h.aht_s[..cut].to_vec(),
    };
    let model = fit(&train, cal, opts)?;
    let fc = model.forecast(holdout_days, cal);
    let actual = &h.contacts[cut..];
    let season = 7 * spd;
    let scale = train.contacts[season..]
        .iter()
        .zip(&train.contacts)
        .map(|(a, b)| (a - b).abs())
        .sum::<f64>()
        / (train.contacts.len() - season) as f64;
    let naive: Vec<f64> = (0..actual.len())
        .map(|i| train.contacts[cut - season + i % season])
        .collect();
    Ok(Backtest {
        holdout_days,
        model: accuracy(actual, &fc.contacts, spd, scale),
        seasonal_naive: accuracy(actual, &naive, spd, scale),
    })
}

/// Short-term re-forecast of today: scales the intervals not yet seen by the ratio of
/// actual to forecast contacts so far, shrunk toward 1 by `prior_contacts` pseudo-contacts
/// (so a quiet first interval does not swing the day). `actual` holds the intervals seen.
pub fn reforecast_intraday(forecast: &[f64], actual: &[f64], prior_contacts: f64) -> Vec<f64> {
    let seen = actual.len().min(forecast.len());
    let fc_seen: f64 = forecast[..seen].iter().sum();
    let ac_seen: f64 = actual[..seen].iter().sum();
    let prior = prior_contacts.max(0.0);
    let ratio = if fc_seen + prior > 0.0 {
        (ac_seen + prior) / (fc_seen + prior)
    } else {
        1.0
    };
    actual[..seen]
        .iter()
        .copied()
        .chain(forecast[seen..].iter().map(|f| f * ratio))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reforecast_scales_the_rest() {
        let fc = vec![10.0; 8];
        let out = reforecast_intraday(&fc, &[15.0, 15.0], 0.0);
        assert_eq!(out[..2], [15.0, 15.0]);
        assert!((out[5] - 15.0).abs() < 1e-12);
        let shrunk = reforecast_intraday(&fc, &[15.0, 15.0], 20.0);
        assert!((shrunk[5] - 10.0 * 50.0 / 40.0).abs() < 1e-12);
    }

    #[test]
    fn centred_moving_average_truncates_at_ends() {
        let ma = centred_ma(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], 3);
        assert_eq!(ma[3], 4.0);
        assert_eq!(ma[0], 2.5);
    }
}
