//! Report pages: the daily report (日报) with trend arrows and an SVG chart, its CSV and
//! XLSX exports, and an e-mailable HTML summary (inline styles, no scripts, no links out);
//! complaint analytics (`/reports/complaints`: rates and hotspots by category, product and
//! agent, and the crisis alert with its test).

use crate::AppState;
use crate::error::ApiError;
use crate::pages::{Tr, Viewer, render};
use crate::reports::complaints::RatedGroup;
use crate::reports::daily::{Daily, SHOWN, arrow, fmt_value, hourly_svg, to_csv, to_xlsx};
use crate::reports::service::{self, ComplaintQuery};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Duration, Utc};
use kefu_kpi::DailyReport;
use kefu_kpi::daily::Compared;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports/daily", get(daily_page))
        .route("/reports/daily.csv", get(daily_csv))
        .route("/reports/daily.xlsx", get(daily_xlsx))
        .route("/reports/daily/email", get(daily_email))
        .route("/reports/daily/email.txt", get(daily_email_text))
        .route("/reports/complaints", get(complaints_page))
}

#[derive(Deserialize)]
pub struct DailyQuery {
    date: Option<String>,
}

pub struct CellView {
    pub value: String,
    pub previous: String,
    pub arrow: &'static str,
    pub class: &'static str,
}

pub struct RowView {
    pub group: String,
    pub total: bool,
    pub cells: Vec<CellView>,
}

pub struct Section {
    pub id: &'static str,
    pub title: String,
    pub group_label: String,
    pub rows: Vec<RowView>,
}

fn cell(kpi: &str, c: &Compared) -> CellView {
    CellView {
        value: fmt_value(kpi, c.value),
        previous: fmt_value(kpi, c.previous),
        arrow: arrow(c.trend),
        class: match c.better {
            Some(true) => "better",
            Some(false) => "worse",
            None => "neutral",
        },
    }
}

fn section(id: &'static str, t: &Tr, rep: &DailyReport, dim: &str) -> Section {
    let row = |r: &kefu_kpi::daily::DailyRow, total: bool| {
        let mut cells = vec![cell("offered", &r.offered), cell("handled", &r.handled)];
        for k in SHOWN {
            if let Some(c) = r.kpis.get(k) {
                cells.push(cell(k, c));
            }
        }
        RowView {
            group: if total {
                t.get("reports-total")
            } else {
                r.group.clone().unwrap_or_else(|| t.get("reports-none"))
            },
            total,
            cells,
        }
    };
    let mut rows: Vec<RowView> = rep.rows.iter().map(|r| row(r, false)).collect();
    rows.push(row(&rep.totals, true));
    Section {
        id,
        title: t.get(&format!("reports-by-{dim}")),
        group_label: t.get(&format!("reports-col-{dim}")),
        rows,
    }
}

fn headers(t: &Tr) -> Vec<String> {
    ["offered", "handled"]
        .iter()
        .chain(SHOWN.iter())
        .map(|k| t.get(&format!("reports-kpi-{}", k.replace('_', "-"))))
        .collect()
}

#[derive(Template)]
#[template(path = "reports/daily.html")]
struct DailyPage {
    t: Tr,
    signed_in: bool,
    date: String,
    previous_date: String,
    prev_day: String,
    next_day: String,
    headers: Vec<String>,
    sections: Vec<Section>,
    chart: String,
}

#[derive(Template)]
#[template(path = "reports/daily_email.html")]
struct DailyEmail {
    t: Tr,
    date: String,
    previous_date: String,
    headers: Vec<String>,
    sections: Vec<Section>,
    chart: String,
}

async fn load(state: &AppState, v: &Viewer, q: &DailyQuery) -> Result<Daily, ApiError> {
    service::daily(state, &v.auth, q.date.as_deref()).await
}

fn views(t: &Tr, d: &Daily) -> (Vec<String>, Vec<Section>, String) {
    let sections = vec![
        section("by-queue", t, &d.by_queue, "queue"),
        section("by-team", t, &d.by_team, "team"),
    ];
    (
        headers(t),
        sections,
        hourly_svg(&d.hourly, &t.get("reports-chart-title")),
    )
}

async fn daily_page(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<DailyQuery>,
) -> Result<Response, ApiError> {
    let d = load(&state, &v, &q).await?;
    let t = v.t();
    let (headers, sections, chart) = views(&t, &d);
    Ok(render(DailyPage {
        date: d.date.to_string(),
        previous_date: d.by_queue.previous_date.to_string(),
        prev_day: (d.date - Duration::days(1)).to_string(),
        next_day: (d.date + Duration::days(1)).to_string(),
        t,
        signed_in: true,
        headers,
        sections,
        chart,
    }))
}

async fn daily_email(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<DailyQuery>,
) -> Result<Response, ApiError> {
    let d = load(&state, &v, &q).await?;
    let t = v.t();
    let (headers, sections, chart) = views(&t, &d);
    Ok(render(DailyEmail {
        date: d.date.to_string(),
        previous_date: d.by_queue.previous_date.to_string(),
        t,
        headers,
        sections,
        chart,
    }))
}

async fn daily_csv(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<DailyQuery>,
) -> Result<Response, ApiError> {
    let d = load(&state, &v, &q).await?;
    let name = format!("attachment; filename=\"daily-{}.csv\"", d.date);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        to_csv(&d),
    )
        .into_response())
}

async fn daily_xlsx(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<DailyQuery>,
) -> Result<Response, ApiError> {
    let d = load(&state, &v, &q).await?;
    let name = format!("attachment; filename=\"daily-{}.xlsx\"", d.date);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, name),
        ],
        to_xlsx(&d)?,
    )
        .into_response())
}

/// The e-mailable summary as plain text (for mail clients without HTML).
async fn daily_email_text(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<DailyQuery>,
) -> Result<Response, ApiError> {
    let d = load(&state, &v, &q).await?;
    let t = v.t();
    let (headers, sections, _) = views(&t, &d);
    let mut out = format!(
        "{} {}\n{} {}\n",
        t.get("reports-daily-title"),
        d.date,
        t.get("reports-compared-with"),
        d.by_queue.previous_date
    );
    for s in &sections {
        out.push_str(&format!("\n{}\n", s.title));
        for r in &s.rows {
            out.push_str(&format!("- {}:", r.group));
            for (h, c) in headers.iter().zip(&r.cells) {
                out.push_str(&format!(" {h} {} {} ({}),", c.value, c.arrow, c.previous));
            }
            out.pop();
            out.push('\n');
        }
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], out).into_response())
}

pub struct GroupView {
    pub key: String,
    pub complaints: u64,
    pub share: String,
    pub cumulative: String,
    pub hotspot: bool,
    pub handled: u64,
    pub rate: String,
}

pub struct GroupSection {
    pub id: &'static str,
    pub title: String,
    pub key_label: String,
    pub groups: Vec<GroupView>,
}

pub struct TopicView {
    pub topic: String,
    pub observed: u64,
    pub baseline: u64,
    pub expected: String,
    pub p_value: String,
    pub alert: bool,
}

#[derive(Template)]
#[template(path = "reports/complaints.html")]
struct ComplaintsPage {
    t: Tr,
    signed_in: bool,
    from: String,
    to: String,
    complaints: u64,
    handled: u64,
    rate: String,
    alert: bool,
    alert_topics: String,
    test: String,
    now: String,
    topics: Vec<TopicView>,
    sections: Vec<GroupSection>,
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), |x| format!("{:.1}%", x * 100.0))
}

async fn complaints_page(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<ComplaintQuery>,
) -> Result<Response, ApiError> {
    let (spec, a) = service::complaints(&state, &v.auth, &q).await?;
    let t = v.t();
    let none = t.get("reports-none");
    let section = |id: &'static str, dim: &str, groups: &[RatedGroup]| GroupSection {
        id,
        title: t.get(&format!("reports-complaints-by-{dim}")),
        key_label: t.get(&format!("reports-complaints-col-{dim}")),
        groups: groups
            .iter()
            .map(|g| GroupView {
                key: g.group.key.clone().unwrap_or_else(|| none.clone()),
                complaints: g.group.complaints,
                share: pct(Some(g.group.share)),
                cumulative: pct(Some(g.group.cumulative_share)),
                hotspot: g.group.hotspot,
                handled: g.handled,
                rate: pct(g.complaint_rate),
            })
            .collect(),
    };
    let sections = vec![
        section("by-category", "category", &a.by_category),
        section("by-product", "product", &a.by_product),
        section("by-agent", "agent", &a.by_agent),
    ];
    let fmt = |x: chrono::DateTime<Utc>| spec.calendar.format(x);
    Ok(render(ComplaintsPage {
        from: fmt(a.from),
        to: fmt(a.to),
        complaints: a.complaints,
        handled: a.handled,
        rate: pct(a.complaint_rate),
        alert: a.crisis.alert,
        alert_topics: a
            .crisis
            .topics
            .iter()
            .filter(|x| x.alert)
            .map(|x| x.topic.clone())
            .collect::<Vec<_>>()
            .join(", "),
        test: a.crisis.test.clone(),
        now: fmt(a.crisis.now),
        topics: a
            .crisis
            .topics
            .iter()
            .map(|x| TopicView {
                topic: x.topic.clone(),
                observed: x.observed,
                baseline: x.baseline,
                expected: format!("{:.3}", x.expected),
                p_value: format!("{:.3e}", x.p_value),
                alert: x.alert,
            })
            .collect(),
        sections,
        t,
        signed_in: true,
    }))
}
