//! The daily report (日报): one local day of the workspace per queue and per team against the
//! same weekday a week earlier, the hourly volume of both days, and its exports (CSV, XLSX).

use super::day_rows_range;
use crate::error::ApiError;
use chrono::{Duration, NaiveDate};
use kefu_kpi::{Calendar, ComputeOptions, DailyReport, GroupBy, Interval, ReportSpec, Trend};
use kefu_store::reports::kpi_buckets::Rows;
use kefu_store::{Store, WorkspaceScope};

/// The KPIs the daily report shows, in order.
pub const SHOWN: &[&str] = &[
    "answer_rate",
    "service_level",
    "abandonment_rate",
    "asa_s",
    "aht_s",
    "complaint_rate",
];

/// Everything the page, the e-mail and the exports show.
pub struct Daily {
    pub date: NaiveDate,
    pub by_queue: DailyReport,
    pub by_team: DailyReport,
    /// Offered per local hour of `date` and of the same weekday a week earlier.
    pub hourly: Vec<(u32, u64, u64)>,
}

/// Computes the daily report of local date `date`.
pub async fn daily(
    store: &Store,
    scope: &WorkspaceScope,
    calendar: &Calendar,
    date: NaiveDate,
) -> Result<Daily, ApiError> {
    let compute = ComputeOptions::default();
    let from = calendar.start_of_date(date - Duration::days(7));
    let to = calendar.start_of_date(date + Duration::days(1));
    let rows = if day_rows_range(store, scope, calendar, from, to).await? {
        Rows::Day
    } else {
        Rows::Quarter
    };
    let bad = |e: kefu_kpi::KpiError| ApiError::InvalidQuery(e.to_string());
    // Interactions from the kept accumulators, tickets (complaints, FCR, SLA) read now.
    let (q, _) = super::buckets_with_tickets(store, scope, from, to, Some("queue"), rows).await?;
    let by_queue = q
        .daily(date, calendar, GroupBy::Queue, &compute)
        .map_err(bad)?;
    let (t, _) = super::buckets_with_tickets(store, scope, from, to, Some("team"), rows).await?;
    let by_team = t
        .daily(date, calendar, GroupBy::Team, &compute)
        .map_err(bad)?;
    let mut hourly: Vec<(u32, u64, u64)> = (0..24).map(|h| (h, 0, 0)).collect();
    for (d, slot) in [(date, 1usize), (date - Duration::days(7), 2)] {
        let (f, e) = (
            calendar.start_of_date(d),
            calendar.start_of_date(d + Duration::days(1)),
        );
        let b = store
            .kpi_buckets_grouped(scope, f, e, None, Rows::Quarter)
            .await?;
        let spec = ReportSpec {
            interval: Interval::Min60,
            by: GroupBy::None,
            calendar: *calendar,
            compute: compute.clone(),
            range: Some((f, e)),
        };
        for ((start, _), bucket) in b.rollup(&spec) {
            let local = chrono::DateTime::from_timestamp(start, 0)
                .unwrap_or_default()
                .with_timezone(&calendar.tz);
            let h = chrono::Timelike::hour(&local) as usize;
            let cell = &mut hourly[h];
            if slot == 1 {
                cell.1 += bucket.sums.offered;
            } else {
                cell.2 += bucket.sums.offered;
            }
        }
    }
    Ok(Daily {
        date,
        by_queue,
        by_team,
        hourly,
    })
}

/// An arrow for a trend.
pub fn arrow(t: Trend) -> &'static str {
    match t {
        Trend::Up => "↑",
        Trend::Down => "↓",
        Trend::Flat => "→",
        Trend::Unknown => "·",
    }
}

/// A KPI value for display: rates as percentages, times in seconds.
pub fn fmt_value(kpi: &str, v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(x) if kpi.ends_with("_rate") || kpi == "service_level" => {
            format!("{:.1}%", x * 100.0)
        }
        Some(x) if kpi.ends_with("_s") => format!("{x:.0} s"),
        Some(x) if matches!(kpi, "offered" | "handled") => format!("{x:.0}"),
        Some(x) => format!("{x:.2}"),
    }
}

/// The hourly chart: bars of `date` and outlines of a week earlier, drawn as SVG.
pub fn hourly_svg(hourly: &[(u32, u64, u64)], title: &str) -> String {
    let (w, h, pad) = (720.0_f64, 200.0_f64, 24.0_f64);
    let max = hourly
        .iter()
        .map(|&(_, a, b)| a.max(b))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = (w - 2.0 * pad) / 24.0;
    let mut s = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" id="hourly-chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{}"><title>{}</title>"##,
        esc(title),
        esc(title)
    );
    s.push_str(&format!(
        r##"<line x1="{pad}" y1="{y}" x2="{x2}" y2="{y}" stroke="#9aa5b1"/>"##,
        y = h - pad,
        x2 = w - pad
    ));
    for &(hour, now, before) in hourly {
        let x = pad + slot * f64::from(hour);
        let bh = (now as f64 / max) * (h - 2.0 * pad);
        let ph = (before as f64 / max) * (h - 2.0 * pad);
        s.push_str(&format!(
            r##"<rect class="bar" data-hour="{hour}" data-value="{now}" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#0b6e4f"/>"##,
            x + 2.0,
            h - pad - bh,
            slot - 4.0,
            bh
        ));
        s.push_str(&format!(
            r##"<rect class="prev" data-hour="{hour}" data-value="{before}" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="#e07a1f" stroke-dasharray="3 2"/>"##,
            x + 2.0,
            h - pad - ph,
            slot - 4.0,
            ph
        ));
        if hour % 3 == 0 {
            s.push_str(&format!(
                r##"<text x="{:.1}" y="{:.1}" font-size="10" fill="#616e7c">{hour:02}</text>"##,
                x + 2.0,
                h - 8.0
            ));
        }
    }
    s.push_str(&format!(
        r##"<text x="{pad}" y="14" font-size="10" fill="#616e7c">max {max}</text></svg>"##
    ));
    s
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One exported line: dimension, group, KPI, value, previous, change, trend, better.
fn lines(d: &Daily) -> Vec<[String; 8]> {
    let mut out = vec![];
    for (dim, rep) in [("queue", &d.by_queue), ("team", &d.by_team)] {
        for r in rep.rows.iter().chain(std::iter::once(&rep.totals)) {
            let group = if std::ptr::eq(r, &rep.totals) {
                "total".to_owned()
            } else {
                r.group.clone().unwrap_or_default()
            };
            let mut kpis: Vec<(&str, &kefu_kpi::daily::Compared)> =
                vec![("offered", &r.offered), ("handled", &r.handled)];
            kpis.extend(r.kpis.iter().map(|(k, c)| (*k, c)));
            for (k, c) in kpis {
                let num = |x: Option<f64>| x.map_or(String::new(), |x| x.to_string());
                out.push([
                    dim.to_owned(),
                    group.clone(),
                    k.to_owned(),
                    num(c.value),
                    num(c.previous),
                    num(c.change),
                    format!("{:?}", c.trend).to_lowercase(),
                    c.better.map_or(String::new(), |b| b.to_string()),
                ]);
            }
        }
    }
    out
}

const HEADER: [&str; 8] = [
    "dimension",
    "group",
    "kpi",
    "value",
    "previous",
    "change",
    "trend",
    "better",
];

/// The daily report as CSV (one line per dimension × group × KPI).
pub fn to_csv(d: &Daily) -> String {
    let mut s = HEADER.join(",");
    s.push('\n');
    for l in lines(d) {
        // Only the group is free text; numbers keep their sign.
        let f: Vec<String> = l
            .iter()
            .enumerate()
            .map(|(i, x)| {
                if i == 1 {
                    super::csv_field(x)
                } else {
                    x.clone()
                }
            })
            .collect();
        s.push_str(&f.join(","));
        s.push('\n');
    }
    s
}

/// The daily report as an XLSX workbook (same columns as the CSV).
pub fn to_xlsx(d: &Daily) -> Result<Vec<u8>, ApiError> {
    let err =
        |e: rust_xlsxwriter::XlsxError| ApiError::internal("writing the daily report as XLSX", e);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(format!("{}", d.date)).map_err(err)?;
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string(0, c as u16, *h).map_err(err)?;
    }
    for (r, l) in lines(d).iter().enumerate() {
        for (c, v) in l.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match (c, v.parse::<f64>()) {
                (3..=5, Ok(x)) => ws.write_number(r, c, x).map_err(err)?,
                _ => ws.write_string(r, c, v).map_err(err)?,
            };
        }
    }
    wb.save_to_buffer().map_err(err)
}
