//! `kefu kpi`: KPIs from an interaction export (JSON Lines) and optional agent-state, ticket,
//! evaluation, survey and schedule files, per interval and group, as JSON, CSV, XLSX or a
//! text table; `kefu kpi crisis` tests complaint counts per topic for a surge.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc, Weekday};
use kefu_kpi::crisis::{self, ComplaintEvent, CrisisConfig};
use kefu_kpi::{
    AsaVariant, Buckets, Calendar, Cell, ComputeOptions, CostConfig, GroupBy, IngestOptions,
    Inputs, Interaction, Interval, Report, ReportSpec, SlVariant,
};
use serde::de::DeserializeOwned;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Sub>,
    #[command(flatten)]
    report: Box<ReportArgs>,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Complaint crisis detection: topics whose complaints in the last N hours exceed their
    /// baseline (one-sided Poisson test).
    Crisis(CrisisArgs),
}

#[derive(Debug, clap::Args)]
struct ReportArgs {
    /// Interaction export, one JSON object per line.
    #[arg(long)]
    interactions: Option<PathBuf>,
    /// Agent state records (JSON Lines): occupancy, utilization, adherence, costs.
    #[arg(long)]
    agent_states: Option<PathBuf>,
    /// Ticket records (JSON Lines): FCR, response and resolution times, SLA, complaints.
    #[arg(long)]
    tickets: Option<PathBuf>,
    /// QA evaluations (JSON Lines).
    #[arg(long)]
    evaluations: Option<PathBuf>,
    /// Survey responses (JSON Lines): CSAT and NPS.
    #[arg(long)]
    surveys: Option<PathBuf>,
    /// Schedule segments (JSON Lines): attendance and adherence.
    #[arg(long)]
    schedule: Option<PathBuf>,
    /// Costs (a JSON object: agent_cost_per_hour, fixed_cost_per_agent_hour,
    /// fixed_cost_per_contact) for cost per contact.
    #[arg(long)]
    costs: Option<PathBuf>,
    /// Interval: 15, 30, 60 (minutes), day, week or month.
    #[arg(long, default_value = "day")]
    interval: String,
    /// Grouping: none, queue, team or agent.
    #[arg(long, default_value = "none")]
    by: String,
    /// Time zone of interval boundaries (IANA name).
    #[arg(long, default_value = "UTC")]
    tz: String,
    /// First day of the week (mon, tue, …, sun).
    #[arg(long, default_value = "mon")]
    week_start: String,
    /// Abandons with less queue time than this are short abandons, outside `offered`.
    #[arg(long, default_value_t = 5.0)]
    short_abandon_s: f64,
    /// Service level threshold T in seconds.
    #[arg(long, default_value_t = 20.0)]
    answer_within_s: f64,
    /// Service level form: offered, answered or abandon_adjusted.
    #[arg(long, default_value = "offered")]
    sl_variant: String,
    /// ASA form: queue_only or with_ring.
    #[arg(long, default_value = "queue_only")]
    asa_variant: String,
    /// Ring cycle in seconds for the average ring count.
    #[arg(long, default_value_t = 6.0)]
    ring_cycle_s: f64,
    /// QA pass mark for evaluations without their own.
    #[arg(long, default_value_t = 80.0)]
    qa_pass_mark: f64,
    /// FCR window in days.
    #[arg(long, default_value_t = 7)]
    fcr_window_days: u32,
    /// Complaint category counted as service attitude.
    #[arg(long, default_value = "attitude")]
    attitude_category: String,
    /// Only records from this instant on (RFC 3339).
    #[arg(long)]
    from: Option<DateTime<Utc>>,
    /// Only records before this instant (RFC 3339).
    #[arg(long)]
    to: Option<DateTime<Utc>>,
    /// Daily report (日报) of this local date against the same weekday a week earlier,
    /// grouped by --by (JSON or text).
    #[arg(long)]
    daily: Option<chrono::NaiveDate>,
    /// Print JSON (same as --format json).
    #[arg(long)]
    json: bool,
    /// Output format: text, json, csv or xlsx.
    #[arg(long)]
    format: Option<String>,
    /// Write to this file instead of standard output (required for xlsx).
    #[arg(long)]
    output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct CrisisArgs {
    /// Complaints, one JSON object per line: {"topic", "at"}.
    #[arg(long)]
    complaints: PathBuf,
    /// End of the window (RFC 3339).
    #[arg(long)]
    now: DateTime<Utc>,
    /// Window length N in hours.
    #[arg(long, default_value_t = 6)]
    window_hours: u32,
    /// Baseline length in hours before the window.
    #[arg(long, default_value_t = 168)]
    baseline_hours: u32,
    /// Significance level.
    #[arg(long, default_value_t = 0.001)]
    alpha: f64,
    /// Fewest complaints in the window for an alert.
    #[arg(long, default_value_t = 3)]
    min_count: u64,
    /// Do not divide alpha by the number of topics.
    #[arg(long)]
    no_bonferroni: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Some(Sub::Crisis(c)) => run_crisis(c),
        None => run_report(*args.report),
    }
}

/// Calls `f` on each record of a JSON Lines file (blank lines skipped); errors name the line.
fn for_each_jsonl<T: DeserializeOwned>(
    path: &Path,
    mut f: impl FnMut(T) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let v = serde_json::from_str(&line)
            .with_context(|| format!("{}:{}: invalid record", path.display(), n + 1))?;
        f(v).with_context(|| format!("{}:{}", path.display(), n + 1))?;
    }
    Ok(())
}

fn read_jsonl<T: DeserializeOwned>(path: &Path) -> anyhow::Result<Vec<T>> {
    let mut out = Vec::new();
    for_each_jsonl(path, |v| {
        out.push(v);
        Ok(())
    })?;
    Ok(out)
}

fn read_opt<T: DeserializeOwned>(path: &Option<PathBuf>) -> anyhow::Result<Vec<T>> {
    path.as_deref().map_or(Ok(Vec::new()), read_jsonl)
}

fn weekday(s: &str) -> anyhow::Result<Weekday> {
    s.parse::<Weekday>()
        .map_err(|_| anyhow::anyhow!("--week-start: not a weekday: {s:?}"))
}

fn run_report(a: ReportArgs) -> anyhow::Result<()> {
    let Some(interactions_path) = &a.interactions else {
        bail!("--interactions FILE.jsonl is required");
    };
    let interval: Interval = a.interval.parse()?;
    let by: GroupBy = a.by.parse()?;
    let tz: chrono_tz::Tz =
        a.tz.parse()
            .map_err(|_| anyhow::anyhow!("--tz: unknown time zone {:?}", a.tz))?;
    let calendar = Calendar {
        tz,
        week_start: weekday(&a.week_start)?,
    };
    let costs: Option<CostConfig> = match &a.costs {
        None => None,
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            Some(
                serde_json::from_str(&text)
                    .with_context(|| format!("{}: invalid costs", p.display()))?,
            )
        }
    };
    let compute = ComputeOptions {
        sl_variant: a.sl_variant.parse::<SlVariant>()?,
        asa_variant: a.asa_variant.parse::<AsaVariant>()?,
        ring_cycle_s: a.ring_cycle_s,
        costs,
    };
    let ingest = IngestOptions {
        short_abandon_s: a.short_abandon_s,
        answer_within_s: a.answer_within_s,
        fcr_window_days: a.fcr_window_days,
        qa_pass_mark: a.qa_pass_mark,
        attitude_category: a.attitude_category.clone(),
    };
    let format = match (&a.format, a.json) {
        (Some(f), _) => f.as_str(),
        (None, true) => "json",
        (None, false) => "text",
    };
    if !matches!(format, "text" | "json" | "csv" | "xlsx") {
        bail!("--format: expected text, json, csv or xlsx, got {format:?}");
    }
    let range = match (a.from, a.to) {
        (None, None) => None,
        (f, t) => Some((
            f.unwrap_or(DateTime::<Utc>::MIN_UTC),
            t.unwrap_or(DateTime::<Utc>::MAX_UTC),
        )),
    };

    // Interactions stream straight into the accumulators (an export can be tens of millions
    // of lines); the other files are small and kept whole.
    let mut buckets = Buckets::new(ingest)?;
    for_each_jsonl(interactions_path, |i: Interaction| {
        Ok(buckets.add_interaction(&i)?)
    })?;
    let agent_states = read_opt(&a.agent_states)?;
    let tickets = read_opt(&a.tickets)?;
    let evaluations = read_opt(&a.evaluations)?;
    let surveys = read_opt(&a.surveys)?;
    let schedule = read_opt(&a.schedule)?;
    let inputs = Inputs {
        interactions: &[],
        agent_states: &agent_states,
        tickets: &tickets,
        evaluations: &evaluations,
        surveys: &surveys,
        schedule: &schedule,
    };
    inputs.accumulate_into(&mut buckets)?;
    let spec = ReportSpec {
        interval,
        by,
        calendar,
        compute,
        range,
    };
    if let Some(date) = a.daily {
        let daily = buckets.daily(date, &spec.calendar, by, &spec.compute)?;
        let text = match format {
            "json" => serde_json::to_string_pretty(&daily)? + "\n",
            "text" => daily_text(&daily),
            other => bail!("--daily prints text or json, not {other}"),
        };
        return emit(&a.output, &text);
    }
    let report = buckets.report(&spec)?;

    match format {
        "xlsx" => {
            let Some(out) = &a.output else {
                bail!("--format xlsx needs --output FILE.xlsx");
            };
            write_xlsx(&report, out)
        }
        _ => {
            let text = match format {
                "json" => serde_json::to_string_pretty(&report)? + "\n",
                "csv" => to_csv(&report)?,
                _ => to_text(&report),
            };
            emit(&a.output, &text)
        }
    }
}

fn emit(output: &Option<PathBuf>, text: &str) -> anyhow::Result<()> {
    match output {
        Some(p) => std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display())),
        None => {
            std::io::stdout().write_all(text.as_bytes())?;
            Ok(())
        }
    }
}

fn daily_text(d: &kefu_kpi::DailyReport) -> String {
    let arrow = |c: &kefu_kpi::daily::Compared| match c.trend {
        kefu_kpi::Trend::Up => "↑",
        kefu_kpi::Trend::Down => "↓",
        kefu_kpi::Trend::Flat => "=",
        kefu_kpi::Trend::Unknown => " ",
    };
    let mut s = format!(
        "daily report {} (against {})\n{:<16} {:>9} {:>14} {:>14} {:>14} {:>14}\n",
        d.date,
        d.previous_date,
        d.by.field().unwrap_or(""),
        "offered",
        "answer%",
        "SL%",
        "ASA s",
        "AHT s"
    );
    let mut line = |g: &str, r: &kefu_kpi::daily::DailyRow| {
        let cell = |k: &str, pct: bool| {
            let c = &r.kpis[k];
            format!("{}{}", fmt_opt(c.value, pct), arrow(c))
        };
        s.push_str(&format!(
            "{:<16} {:>9} {:>14} {:>14} {:>14} {:>14}\n",
            g,
            r.offered.value.unwrap_or(0.0),
            cell("answer_rate", true),
            cell("service_level", true),
            cell("asa_s", false),
            cell("aht_s", false)
        ));
    };
    for r in &d.rows {
        line(r.group.as_deref().unwrap_or("-"), r);
    }
    line("total", &d.totals);
    s
}

fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Text(t) => t.clone().unwrap_or_default(),
        Cell::Int(i) => i.to_string(),
        Cell::Num(n) => n
            .filter(|x| x.is_finite())
            .map_or(String::new(), |x| x.to_string()),
    }
}

/// Rows and a final `total` row; null rates are empty cells.
fn table(report: &Report) -> (Vec<&'static str>, Vec<Vec<Cell>>) {
    let header = report.header();
    let mut rows: Vec<Vec<Cell>> = report
        .rows
        .iter()
        .map(|r| {
            r.columns(report.by, false)
                .into_iter()
                .map(|(_, c)| c)
                .collect()
        })
        .collect();
    let mut total = vec![Cell::Text(Some("total".into()))];
    if report.by.field().is_some() {
        total.push(Cell::Text(None));
    }
    total.extend(
        report
            .totals
            .columns(report.by, true)
            .into_iter()
            .map(|(_, c)| c),
    );
    rows.push(total);
    (header, rows)
}

fn to_csv(report: &Report) -> anyhow::Result<String> {
    let (header, rows) = table(report);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header)?;
    for r in &rows {
        w.write_record(r.iter().map(cell_text))?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn write_xlsx(report: &Report, path: &Path) -> anyhow::Result<()> {
    let (header, rows) = table(report);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("kpi")?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(Some(t)) => {
                    ws.write_string(r, c, t)?;
                }
                Cell::Int(i) => {
                    ws.write_number(r, c, *i as f64)?;
                }
                Cell::Num(Some(x)) if x.is_finite() => {
                    ws.write_number(r, c, *x)?;
                }
                _ => {}
            }
        }
    }
    let defs = wb.add_worksheet();
    defs.set_name("definitions")?;
    let value = serde_json::to_value(&report.definitions)?;
    if let Some(map) = value.as_object() {
        for (r, (k, v)) in map.iter().enumerate() {
            defs.write_string(r as u32, 0, k)?;
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            defs.write_string(r as u32, 1, &text)?;
        }
    }
    wb.save(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn fmt_opt(x: Option<f64>, pct: bool) -> String {
    match x {
        None => "-".into(),
        Some(v) if pct => format!("{:.1}%", v * 100.0),
        Some(v) => format!("{v:.1}"),
    }
}

fn to_text(report: &Report) -> String {
    let mut s = String::new();
    let group = report.by.field().unwrap_or("");
    s.push_str(&format!(
        "{:<26} {:<12} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}\n",
        "start", group, "offered", "answered", "answer%", "SL%", "ASA s", "AHT s", "handled"
    ));
    let line = |start: &str, g: &str, r: &kefu_kpi::Row| {
        format!(
            "{:<26} {:<12} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}\n",
            start,
            g,
            r.bucket.sums.offered,
            r.bucket.sums.answered,
            fmt_opt(r.kpis.answer_rate, true),
            fmt_opt(r.kpis.service_level, true),
            fmt_opt(r.kpis.asa_s, false),
            fmt_opt(r.kpis.aht_s, false),
            r.bucket.sums.handled
        )
    };
    for r in &report.rows {
        s.push_str(&line(
            r.start_local.as_deref().unwrap_or(""),
            r.group.as_deref().unwrap_or(""),
            r,
        ));
    }
    s.push_str(&line("total", "", &report.totals));
    s.push_str(&format!(
        "service level: {}; use --json for every KPI and the definitions\n",
        report.definitions.service_level
    ));
    s
}

fn run_crisis(c: CrisisArgs) -> anyhow::Result<()> {
    let events: Vec<ComplaintEvent> = read_jsonl(&c.complaints)?;
    let cfg = CrisisConfig {
        window_hours: c.window_hours,
        baseline_hours: c.baseline_hours,
        alpha: c.alpha,
        min_count: c.min_count,
        bonferroni: !c.no_bonferroni,
    };
    let tests = crisis::detect(&events, c.now, &cfg)?;
    if c.json {
        let out = serde_json::json!({
            "config": cfg,
            "test": "one-sided Poisson upper tail: P(K >= observed | lambda = (baseline + 0.5) / baseline_hours * window_hours)",
            "topics": tests,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "{:<24} {:>8} {:>8} {:>10} {:>12} alert",
            "topic", "window", "baseline", "expected", "p"
        );
        for t in &tests {
            println!(
                "{:<24} {:>8} {:>8} {:>10.3} {:>12.3e} {}",
                t.topic,
                t.observed,
                t.baseline,
                t.expected,
                t.p_value,
                if t.alert { "ALERT" } else { "" }
            );
        }
    }
    Ok(())
}
