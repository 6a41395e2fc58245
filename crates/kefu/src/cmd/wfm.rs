//! `kefu wfm`: Erlang B/C/A metrics, staffing, forecasting and shift scheduling.
//!
//! Glue only: reads CSV/YAML, calls `kefu-wfm`, prints JSON (`--json`) or text, writes SVG.

use super::csvin::{At, CsvIn};
use anyhow::{Context, Result, bail};
use chrono::Timelike;
use kefu_wfm::forecast::{self, Calendar, DayKind, History};
use kefu_wfm::reqcsv::parse_datetime;
use kefu_wfm::schedule::{self, ScheduleSpec, SolveOptions};
use kefu_wfm::{erlang, staffing, svg};
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;

/// Standard output that ends the process quietly when its reader has gone (e.g. `| head`).
struct Stdout(std::io::StdoutLock<'static>);

impl Stdout {
    fn lock() -> Stdout {
        Stdout(std::io::stdout().lock())
    }

    /// Buffered, for output written piece by piece.
    fn buffered() -> std::io::BufWriter<Stdout> {
        std::io::BufWriter::with_capacity(1 << 16, Stdout::lock())
    }

    fn or_exit<T>(r: std::io::Result<T>) -> std::io::Result<T> {
        match r {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
            other => other,
        }
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Stdout::or_exit(self.0.write(buf))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Stdout::or_exit(self.0.flush())
    }
}

/// `println!` that ends quietly when the reader has gone.
macro_rules! outln {
    ($($arg:tt)*) => {
        writeln!(Stdout::lock(), $($arg)*)?
    };
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Queue metrics for a given number of agents (Erlang B, C or A).
    Erlang(ErlangArgs),
    /// Least number of agents meeting every target, per interval or for one interval.
    Staff(StaffArgs),
    /// Forecast contacts and AHT per interval from history (CSV), with a backtest.
    Forecast(ForecastArgs),
    /// Choose shifts covering a requirement and assign them to agents.
    Schedule(ScheduleArgs),
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Model {
    B,
    C,
    A,
}

#[derive(Debug, clap::Args)]
struct ErlangArgs {
    #[arg(long, value_enum, default_value = "c")]
    model: Model,
    /// Contacts offered in the interval.
    #[arg(long)]
    calls: f64,
    #[arg(long, default_value_t = 1800.0)]
    interval_s: f64,
    #[arg(long)]
    aht_s: f64,
    #[arg(long)]
    agents: u32,
    /// Service-level threshold T (seconds).
    #[arg(long, default_value_t = 20.0)]
    answer_within_s: f64,
    /// Mean patience (Erlang A).
    #[arg(long)]
    patience_s: Option<f64>,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct StaffArgs {
    /// Contacts offered in the interval (or use --intervals).
    #[arg(long, required_unless_present = "intervals")]
    calls: Option<f64>,
    #[arg(long, default_value_t = 1800.0)]
    interval_s: f64,
    #[arg(long, required_unless_present = "intervals")]
    aht_s: Option<f64>,
    /// CSV with columns interval_start, queue, calls, aht_s (`-`: standard input).
    #[arg(long, conflicts_with_all = ["calls", "aht_s"])]
    intervals: Option<PathBuf>,
    /// Service-level target as a fraction (e.g. 0.8).
    #[arg(long)]
    target_sl: Option<f64>,
    #[arg(long, default_value_t = 20.0)]
    answer_within_s: f64,
    #[arg(long)]
    target_asa_s: Option<f64>,
    #[arg(long)]
    max_occupancy: Option<f64>,
    /// Fraction of paid time not available for contacts (breaks, training, absence).
    #[arg(long)]
    shrinkage: Option<f64>,
    /// Mean patience: staff with Erlang A.
    #[arg(long)]
    patience_s: Option<f64>,
    /// Largest abandonment probability (Erlang A).
    #[arg(long)]
    max_abandon: Option<f64>,
    /// Erlang A: the service-level target counts answered contacts only (answered within T /
    /// answered) instead of every offered contact.
    #[arg(long)]
    sl_of_answered: bool,
    /// Print the time spent staffing (excluding reading and printing) to stderr.
    #[arg(long)]
    timing: bool,
    /// With --intervals: print CSV (interval_start, queue, agents, agents_scheduled, …),
    /// which `kefu wfm schedule` reads as its requirement.
    #[arg(long, requires = "intervals", conflicts_with = "json")]
    csv: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct ForecastArgs {
    /// CSV with columns timestamp (or interval_start), queue, contacts (or calls), aht_s
    /// (`-`: standard input).
    history: PathBuf,
    #[arg(long, default_value_t = 28)]
    horizon_days: usize,
    /// Only this queue (default: all queues summed).
    #[arg(long)]
    queue: Option<String>,
    /// CSV with columns date, kind (holiday | workday for a make-up workday, 调休).
    #[arg(long)]
    holidays: Option<PathBuf>,
    /// Interval length; default: inferred from the timestamps.
    #[arg(long)]
    interval_min: Option<u32>,
    /// Days held out for the backtest (0: none).
    #[arg(long, default_value_t = 14)]
    backtest_days: usize,
    /// Per-day damping of the trend (1 = none).
    #[arg(long, default_value_t = 0.98)]
    damping: f64,
    /// Print the interval forecast as CSV (interval_start, queue, calls, aht_s), the input
    /// of `kefu wfm staff --intervals`.
    #[arg(long, conflicts_with = "json")]
    csv: bool,
    /// Today's intervals so far (same columns as the history, dated the day after it):
    /// re-forecast the rest of today from them.
    #[arg(long)]
    today: Option<PathBuf>,
    /// Pseudo-contacts that shrink today's actual/forecast ratio toward 1.
    #[arg(long, default_value_t = 50.0)]
    today_prior_contacts: f64,
    /// Write a chart of history, forecast and its 80 % band as SVG.
    #[arg(long)]
    svg: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct ScheduleArgs {
    /// CSV: `interval_start,required` (ISO date-times) or `day,interval,required`
    /// (`agents_scheduled` or `agents` also accepted for `required`; rows of one interval add up).
    requirements: PathBuf,
    /// Shift templates, objective, rules and agents (YAML).
    shifts: PathBuf,
    /// Polish with branch and bound down to this relative gap (e.g. 0.005).
    #[arg(long)]
    mip_gap: Option<f64>,
    /// Write a coverage chart (requirement vs scheduled) as SVG.
    #[arg(long)]
    svg: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Erlang(a) => run_erlang(a),
        Command::Staff(a) => run_staff(a),
        Command::Forecast(a) => run_forecast(a),
        Command::Schedule(a) => run_schedule(a),
    }
}

fn num(x: Option<f64>) -> Value {
    match x {
        Some(v) if v.is_finite() => json!(v),
        _ => Value::Null,
    }
}

fn print(value: &Value, as_json: bool) -> Result<()> {
    if as_json {
        outln!("{}", serde_json::to_string_pretty(value)?);
    } else if let Value::Object(map) = value {
        for (k, v) in map {
            outln!("{k:<24} {v}");
        }
    } else if let Value::Array(rows) = value {
        for row in rows {
            outln!("{row}");
        }
    }
    Ok(())
}

fn run_erlang(a: ErlangArgs) -> Result<()> {
    let traffic = erlang::traffic(a.calls, a.interval_s, a.aht_s)?;
    let out = match a.model {
        Model::B => {
            let b = erlang::erlang_b(traffic, a.agents);
            let occupancy = if a.agents == 0 {
                0.0
            } else {
                traffic * (1.0 - b) / f64::from(a.agents)
            };
            json!({"model": "b", "traffic_erlangs": traffic, "agents": a.agents,
                   "p_block": b, "occupancy": occupancy})
        }
        Model::C => {
            if a.patience_s.is_some() {
                bail!("--patience-s is for --model a");
            }
            let c = erlang::erlang_c(traffic, a.agents, a.aht_s, a.answer_within_s)?;
            json!({"model": "c", "traffic_erlangs": traffic, "agents": a.agents,
                   "p_wait": c.p_wait, "service_level": c.service_level,
                   "service_level_definition": "answered within T / offered",
                   "asa_s": num(c.asa_s), "occupancy": c.occupancy})
        }
        Model::A => {
            let Some(p) = a.patience_s else {
                bail!("--model a needs --patience-s");
            };
            let e = erlang::erlang_a(traffic, a.agents, a.aht_s, p, a.answer_within_s)?;
            json!({"model": "a", "traffic_erlangs": traffic, "agents": a.agents,
                   "p_wait": e.p_wait, "service_level": e.service_level,
                   "service_level_definition": "answered within T / offered",
                   "service_level_answered": e.service_level_answered,
                   "service_level_answered_definition": "answered within T / answered",
                   "asa_s": e.asa_s, "asa_definition": "mean wait over all arrivals",
                   "asa_answered_s": num(e.asa_answered_s),
                   "asa_answered_definition": "mean wait of answered contacts",
                   "occupancy": e.occupancy, "p_abandon": e.p_abandon})
        }
    };
    print(&out, a.json)
}

/// One row of `wfm staff --intervals`.
#[derive(serde::Deserialize)]
struct IntervalIn<'a> {
    interval_start: &'a str,
    queue: &'a str,
    calls: f64,
    aht_s: f64,
}

/// A staffing answer as printed. Fields in alphabetical order, the order of the JSON keys;
/// serde_json writes a number that is not finite as `null`.
#[derive(serde::Serialize)]
struct StaffOut<'a> {
    agents: u32,
    agents_scheduled: u32,
    asa_answered_s: Option<f64>,
    asa_s: Option<f64>,
    binding_constraint: Option<staffing::Binding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    interval_start: Option<&'a str>,
    occupancy: f64,
    p_abandon: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    queue: Option<&'a str>,
    service_level: f64,
    service_level_definition: &'static str,
    traffic_erlangs: f64,
}

impl<'a> StaffOut<'a> {
    fn new(s: &staffing::Staffing, sl_of_answered: bool, row: Option<(&'a str, &'a str)>) -> Self {
        StaffOut {
            agents: s.agents,
            agents_scheduled: s.agents_scheduled,
            asa_answered_s: s.asa_answered_s,
            asa_s: s.asa_s,
            binding_constraint: s.binding_constraint,
            interval_start: row.map(|r| r.0),
            occupancy: s.occupancy,
            p_abandon: s.p_abandon,
            queue: row.map(|r| r.1),
            service_level: s.service_level,
            service_level_definition: if sl_of_answered {
                "answered within T / answered"
            } else {
                "answered within T / offered"
            },
            traffic_erlangs: s.traffic_erlangs,
        }
    }
}

/// The columns of `wfm staff --intervals --csv`.
const STAFF_CSV: [&str; 9] = [
    "interval_start",
    "queue",
    "agents",
    "agents_scheduled",
    "binding_constraint",
    "service_level",
    "asa_s",
    "occupancy",
    "p_abandon",
];

/// The staffed intervals, printed as they are serialized (no tree of values is built).
struct StaffRows<'a> {
    /// Interval start and queue of row `i`: strings `2i` and `2i + 1`.
    labels: &'a Strings,
    /// Every one `Ok` (checked before printing).
    results: &'a [kefu_wfm::Result<staffing::Staffing>],
    sl_of_answered: bool,
}

impl StaffRows<'_> {
    fn iter(&self) -> impl Iterator<Item = StaffOut<'_>> {
        self.results.iter().enumerate().filter_map(|(i, s)| {
            let row = (self.labels.get(2 * i), self.labels.get(2 * i + 1));
            let s = s.as_ref().ok()?;
            Some(StaffOut::new(s, self.sl_of_answered, Some(row)))
        })
    }

    fn write_csv(&self, out: impl Write) -> Result<()> {
        let mut w = csv::WriterBuilder::new()
            .buffer_capacity(1 << 16)
            .from_writer(out);
        w.write_record(STAFF_CSV)?;
        let mut buf = Vec::with_capacity(32);
        for r in self.iter() {
            w.write_field(r.interval_start.unwrap_or_default())?;
            w.write_field(r.queue.unwrap_or_default())?;
            w.write_field(cell(&mut buf, &r.agents)?)?;
            w.write_field(cell(&mut buf, &r.agents_scheduled)?)?;
            w.write_field(cell(&mut buf, &r.binding_constraint)?)?;
            w.write_field(cell(&mut buf, &r.service_level)?)?;
            w.write_field(cell(&mut buf, &r.asa_s)?)?;
            w.write_field(cell(&mut buf, &r.occupancy)?)?;
            w.write_field(cell(&mut buf, &r.p_abandon)?)?;
            w.write_record(None::<&[u8]>)?;
        }
        w.flush()?;
        Ok(())
    }
}

impl serde::Serialize for StaffRows<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// A CSV cell holding what serde_json writes for `v`: `null` empty, a string without its
/// quotes (for names without escapes, such as enum variants), numbers as in JSON.
fn cell<'b>(buf: &'b mut Vec<u8>, v: &impl serde::Serialize) -> Result<&'b [u8]> {
    buf.clear();
    serde_json::to_writer(&mut *buf, v)?;
    Ok(match buf.as_slice() {
        b"null" => b"",
        [b'"', name @ .., b'"'] => name,
        other => other,
    })
}

/// Strings in one buffer: the `i`th pushed is `text[ends[i - 1]..ends[i]]`.
#[derive(Default)]
struct Strings {
    text: String,
    ends: Vec<usize>,
}

impl Strings {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(self.text.len());
    }

    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }
}

fn run_staff(a: StaffArgs) -> Result<()> {
    let targets = staffing::Targets {
        service_level: a.target_sl,
        answer_within_s: a.answer_within_s,
        asa_s: a.target_asa_s,
        max_occupancy: a.max_occupancy,
        max_abandon: a.max_abandon,
        sl_of_answered: a.sl_of_answered,
    };
    if let Some(path) = &a.intervals {
        let mut input = CsvIn::open(path)?;
        input.columns(
            &[&["interval_start"], &["queue"], &["calls"], &["aht_s"]],
            &[],
        )?;
        let mut labels = Strings::default();
        let mut rows = Vec::new();
        let mut lines = Vec::new();
        while let Some((at, r)) = input.next::<IntervalIn>()? {
            labels.push(r.interval_start);
            labels.push(r.queue);
            rows.push((r.calls, r.aht_s));
            lines.push(at.line);
        }
        let staffer = staffing::Staffer::new(a.interval_s, a.patience_s, a.shrinkage, targets)?;
        let started = std::time::Instant::now();
        let results = staffer.staff_all(&rows);
        let compute = started.elapsed();
        // A row that cannot be staffed fails the run before anything is printed.
        if let Some((Err(e), &line)) = results.iter().zip(&lines).find(|(r, _)| r.is_err()) {
            bail!("{}: {e}", input.at(line));
        }
        if a.timing {
            // The staffing of every row; reading, error context and printing are I/O glue.
            eprintln!("{{\"compute_ms\": {}}}", compute.as_secs_f64() * 1000.0);
        }
        let rows = StaffRows {
            labels: &labels,
            results: &results,
            sl_of_answered: a.sl_of_answered,
        };
        if a.csv {
            return rows.write_csv(Stdout::lock());
        }
        let mut out = Stdout::buffered();
        if a.json {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            out.write_all(b"\n")?;
        } else {
            for r in rows.iter() {
                serde_json::to_writer(&mut out, &r)?;
                out.write_all(b"\n")?;
            }
        }
        out.flush()?;
        return Ok(());
    }
    let (Some(calls), Some(aht_s)) = (a.calls, a.aht_s) else {
        bail!("give --calls and --aht-s, or --intervals FILE.csv");
    };
    let s = staffing::staff(&staffing::StaffInput {
        calls,
        interval_s: a.interval_s,
        aht_s,
        patience_s: a.patience_s,
        shrinkage: a.shrinkage,
        targets,
    })?;
    let out = serde_json::to_value(StaffOut::new(&s, a.sl_of_answered, None))?;
    print(&out, a.json)
}

fn hhmm(min: u32) -> String {
    format!("{:02}:{:02}", min / 60, min % 60)
}

fn run_schedule(a: ScheduleArgs) -> Result<()> {
    let text = std::fs::read_to_string(&a.shifts)
        .with_context(|| format!("reading {}", a.shifts.display()))?;
    let spec: ScheduleSpec = serde_yaml_ng::from_str(&text)
        .with_context(|| format!("{}: bad shift spec", a.shifts.display()))?;
    let types = spec.shift_types()?;
    let csv_text = std::fs::read_to_string(&a.requirements)
        .with_context(|| format!("reading {}", a.requirements.display()))?;
    let (mut req, labels) = kefu_wfm::reqcsv::parse(&csv_text, spec.interval_minutes)
        .with_context(|| a.requirements.display().to_string())?;
    req.cyclic = spec.is_cyclic(req.days);
    let started = std::time::Instant::now();
    let plan = schedule::solve(
        &req,
        &types,
        spec.objective,
        SolveOptions { mip_gap: a.mip_gap },
    )?;
    let solve_ms = started.elapsed().as_secs_f64() * 1000.0;
    let assignment = if spec.agents.is_empty() {
        None
    } else {
        Some(schedule::assign(
            &plan,
            &types,
            &spec.agents,
            spec.rules,
            &req,
        )?)
    };
    let spd = req.slots_per_day();
    let shift_json = |day: usize, s: usize, q: usize| {
        let t = &types[s];
        json!({
            "day": day,
            "queue": req.queues.get(q),
            "date": labels.get(day),
            "shift": t.name,
            "template": t.template,
            "start": hhmm(t.start_min),
            "end": hhmm(t.start_min + t.length_min),
            "breaks": t.breaks.iter().map(|b| json!({
                "start": hhmm(t.start_min + b.0), "minutes": b.1, "paid": b.2
            })).collect::<Vec<_>>(),
        })
    };
    let out = json!({
        "objective": plan.objective,
        "cost": plan.cost,
        "lower_bound": plan.lower_bound,
        "gap": num(Some(plan.gap)),
        "under_intervals": plan.under,
        "over_intervals": plan.over,
        "shift_types": types.len(),
        "variables": plan.variables,
        "solve_ms": solve_ms,
        "cyclic": req.cyclic,
        "shifts": plan.shifts.iter().map(|&(d, s, q, n)| {
            let mut v = shift_json(d, s, q);
            v["count"] = json!(n);
            v
        }).collect::<Vec<_>>(),
        "coverage": (0..req.required.len()).map(|t| json!({
            "queue": req.queues.get(t / req.horizon()),
            "day": (t % req.horizon()) / spd,
            "time": hhmm((t % spd) as u32 * req.interval_min),
            "required": req.required[t],
            "scheduled": plan.coverage[t],
        })).collect::<Vec<_>>(),
        "assignment": assignment.as_ref().map(|asg| json!({
            "agents": asg.agents.iter().map(|ag| json!({
                "agent": ag.agent,
                "shifts": ag.shifts.iter().map(|&(d, s, q)| shift_json(d, s, q)).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "unfilled": asg.unfilled.iter().map(|&(d, s, q)| shift_json(d, s, q)).collect::<Vec<_>>(),
        })),
    });
    if let Some(path) = &a.svg {
        let chart = svg::Chart {
            title: format!(
                "Coverage: {} shifts, cost {:.1} (LP bound {:.1})",
                plan.shifts.iter().map(|s| s.3).sum::<u32>(),
                plan.cost,
                plan.lower_bound
            ),
            y_label: "agents".into(),
            series: vec![
                svg::Series {
                    label: "required".into(),
                    color: "#d62728".into(),
                    values: req.required.iter().map(|&v| Some(f64::from(v))).collect(),
                    step: true,
                },
                svg::Series {
                    label: "scheduled".into(),
                    color: "#1f77b4".into(),
                    values: plan.coverage.iter().map(|&v| Some(v as f64)).collect(),
                    step: true,
                },
            ],
            bands: vec![],
            ticks: (0..req.days)
                .map(|d| (d * spd, labels[d].clone()))
                .collect(),
        };
        std::fs::write(path, chart.render(1200.0, 420.0))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if a.json {
        outln!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        outln!(
            "cost {:.2}  objective {:.2}  LP bound {:.2}  gap {:.3}%  under {}  over {}  ({} shift types, {:.0} ms)",
            plan.cost,
            plan.objective,
            plan.lower_bound,
            plan.gap * 100.0,
            plan.under,
            plan.over,
            types.len(),
            solve_ms
        );
        for &(d, s, q, n) in &plan.shifts {
            let queue = req
                .queues
                .get(q)
                .map_or(String::new(), |q| format!("  [{q}]"));
            outln!("{:<10} {:>3} × {}{queue}", labels[d], n, types[s].name);
        }
        if let Some(asg) = &assignment {
            for ag in &asg.agents {
                let days: Vec<String> = ag
                    .shifts
                    .iter()
                    .map(|&(d, s, _)| format!("{} {}", labels[d], hhmm(types[s].start_min)))
                    .collect();
                outln!("{:<12} {}", ag.agent, days.join(", "));
            }
            if !asg.unfilled.is_empty() {
                outln!("unfilled: {}", asg.unfilled.len());
            }
        }
    }
    Ok(())
}

fn read_calendar(path: &std::path::Path) -> Result<Calendar> {
    let mut input = CsvIn::open(path)?;
    let mut cal = Calendar::new();
    // By position: date, kind (whatever the header calls them).
    while let Some((at, (date, kind))) = input.next::<(&str, &str)>()? {
        let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .with_context(|| format!("{at}: bad date {date:?}"))?;
        let kind = match kind.to_lowercase().as_str() {
            "holiday" | "休" | "假" => DayKind::Holiday,
            "workday" | "班" | "调休" => DayKind::Workday,
            other => bail!("{at}: kind {other:?} is not holiday or workday"),
        };
        cal.insert(date, kind);
    }
    Ok(cal)
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// A row of a contact history (or of today's intervals so far). Numbers are read after the
/// queue filter: rows of other queues are skipped unread.
#[derive(serde::Deserialize)]
struct HistoryIn<'a> {
    timestamp: &'a str,
    contacts: &'a str,
    queue: Option<&'a str>,
    aht_s: Option<&'a str>,
}

impl HistoryIn<'_> {
    /// Opens a history file: `timestamp` (or `interval_start`), `contacts` (or `calls`), and
    /// optionally `queue` and `aht_s`.
    fn open(path: &std::path::Path) -> Result<CsvIn> {
        let mut input = CsvIn::open(path)?;
        input.columns(
            &[&["timestamp", "interval_start"], &["contacts", "calls"]],
            &[&["queue"], &["aht_s"]],
        )?;
        Ok(input)
    }

    /// The queue rows are filtered by: `queue`, if the file has a queue column.
    fn filter<'q>(input: &CsvIn, queue: Option<&'q str>) -> Option<&'q str> {
        queue.filter(|_| input.has("queue"))
    }

    /// Not a row of the `filter` queue.
    fn other_queue(&self, filter: Option<&str>) -> bool {
        filter.is_some_and(|q| self.queue.unwrap_or_default() != q)
    }

    fn contacts(&self, at: At) -> Result<f64> {
        let n: f64 = self
            .contacts
            .parse()
            .with_context(|| format!("{at}: bad contacts {:?}", self.contacts))?;
        if !n.is_finite() || n < 0.0 {
            bail!("{at}: contacts must be ≥ 0");
        }
        Ok(n)
    }
}

fn read_history(a: &ForecastArgs) -> Result<History> {
    let path = &a.history;
    let mut input = HistoryIn::open(path)?;
    let filter = HistoryIn::filter(&input, a.queue.as_deref());
    let mut rows = Vec::new();
    while let Some((at, r)) = input.next::<HistoryIn>()? {
        if r.other_queue(filter) {
            continue;
        }
        let ts = parse_datetime(r.timestamp)
            .with_context(|| format!("{at}: bad timestamp {:?}", r.timestamp))?;
        let n = r.contacts(at)?;
        let aht = match r.aht_s.filter(|s| !s.is_empty()) {
            Some(s) => Some(
                s.parse::<f64>()
                    .with_context(|| format!("{at}: bad aht_s {s:?}"))?,
            ),
            None => None,
        };
        rows.push((ts, n, aht));
    }
    if rows.is_empty() {
        bail!(
            "{}: no history rows{}",
            path.display(),
            a.queue
                .as_ref()
                .map(|q| format!(" for queue {q}"))
                .unwrap_or_default()
        );
    }
    let interval_min = match a.interval_min {
        Some(m) => m,
        None => rows.iter().fold(1440, |g, r| {
            gcd(g, r.0.time().num_seconds_from_midnight() / 60)
        }),
    };
    if interval_min == 0 || 1440 % interval_min != 0 {
        bail!("interval of {interval_min} minutes does not divide a day");
    }
    let spd = (1440 / interval_min) as usize;
    let first = rows.iter().map(|r| r.0.date()).min().unwrap_or_default();
    let last = rows.iter().map(|r| r.0.date()).max().unwrap_or_default();
    let days = (last - first).num_days() as usize + 1;
    let mut contacts = vec![0.0; days * spd];
    let mut aht_sum = vec![0.0; days * spd];
    let mut aht_w = vec![0.0; days * spd];
    for (ts, n, aht) in rows {
        let minute = ts.time().num_seconds_from_midnight() / 60;
        if minute % interval_min != 0 {
            bail!("{ts} is not on a {interval_min}-minute boundary");
        }
        let i = (ts.date() - first).num_days() as usize * spd + (minute / interval_min) as usize;
        contacts[i] += n;
        if let Some(a) = aht {
            aht_sum[i] += a * n.max(1e-9);
            aht_w[i] += n.max(1e-9);
        }
    }
    let aht_s = aht_sum
        .iter()
        .zip(&aht_w)
        .map(|(s, w)| (*w > 0.0).then(|| s / w))
        .collect();
    Ok(History {
        start: first,
        interval_min,
        contacts,
        aht_s,
    })
}

/// Today's contacts per interval, up to the last interval present.
fn read_today(
    path: &std::path::Path,
    queue: Option<&str>,
    date: chrono::NaiveDate,
    interval_min: u32,
) -> Result<Vec<f64>> {
    let mut input = HistoryIn::open(path)?;
    let filter = HistoryIn::filter(&input, queue);
    let spd = (1440 / interval_min) as usize;
    let mut values = vec![0.0; spd];
    let mut seen = 0;
    while let Some((at, r)) = input.next::<HistoryIn>()? {
        if r.other_queue(filter) {
            continue;
        }
        let text = r.timestamp;
        let ts = parse_datetime(text).with_context(|| format!("{at}: bad timestamp {text:?}"))?;
        if ts.date() != date {
            bail!("{at}: {text} is not on {date}, the day after the history");
        }
        let minute = ts.time().num_seconds_from_midnight() / 60;
        if minute % interval_min != 0 {
            bail!("{at}: not on a {interval_min}-minute boundary");
        }
        let n = r.contacts(at)?;
        let slot = (minute / interval_min) as usize;
        values[slot] += n;
        seen = seen.max(slot + 1);
    }
    values.truncate(seen);
    Ok(values)
}

fn run_forecast(a: ForecastArgs) -> Result<()> {
    let history = read_history(&a)?;
    let cal = match &a.holidays {
        Some(p) => read_calendar(p)?,
        None => Calendar::new(),
    };
    let opts = forecast::Options {
        damping: a.damping,
        ..forecast::Options::default()
    };
    let model = forecast::fit(&history, &cal, opts)?;
    let fc = model.forecast(a.horizon_days, &cal);
    let backtest = if a.backtest_days > 0 {
        match forecast::backtest(&history, &cal, opts, a.backtest_days) {
            Ok(b) => Some(b),
            Err(e) => {
                eprintln!("backtest skipped: {e}");
                None
            }
        }
    } else {
        None
    };
    let spd = history.slots_per_day();
    let iv = history.interval_min;
    let today = match &a.today {
        Some(path) => {
            let actual = read_today(path, a.queue.as_deref(), fc.start, iv)?;
            let day1 = model.forecast(1, &cal);
            let re = forecast::reforecast_intraday(&day1.contacts, &actual, a.today_prior_contacts);
            Some(json!({
                "date": fc.start.to_string(),
                "intervals_seen": actual.len(),
                "actual_so_far": actual.iter().sum::<f64>(),
                "forecast_so_far": day1.contacts[..actual.len()].iter().sum::<f64>(),
                "day_total_before": day1.contacts.iter().sum::<f64>(),
                "day_total_after": re.iter().sum::<f64>(),
                "intervals": re.iter().enumerate().map(|(i, v)| json!({
                    "interval_start": format!("{}T{}", fc.start, hhmm(i as u32 * iv)),
                    "contacts": v,
                    "source": if i < actual.len() { "actual" } else { "reforecast" },
                })).collect::<Vec<_>>(),
            }))
        }
        None => None,
    };
    let intervals: Vec<Value> = (0..fc.contacts.len())
        .map(|i| {
            let date = fc.start + chrono::Days::new((i / spd) as u64);
            json!({
                "interval_start": format!("{date}T{}", hhmm((i % spd) as u32 * iv)),
                "contacts": fc.contacts[i],
                "lower": fc.lower[i],
                "upper": fc.upper[i],
                "aht_s": fc.aht_s[i],
            })
        })
        .collect();
    let out = json!({
        "queue": a.queue,
        "interval_min": iv,
        "history_start": history.start.to_string(),
        "history_days": history.days(),
        "horizon_days": a.horizon_days,
        "model": model,
        "interval_definition": "approximate 80 % interval from the spread of daily residuals",
        "backtest": backtest,
        "reforecast_today": today,
        "daily": fc.daily,
        "intervals": &intervals,
    });
    if let Some(path) = &a.svg {
        let hist_daily: Vec<f64> = history
            .contacts
            .chunks(spd)
            .map(|d| d.iter().sum())
            .collect();
        let shown = hist_daily.len().min(56);
        let off = hist_daily.len() - shown;
        let n = shown + fc.daily.len();
        let mut hist = vec![None; n];
        let mut pred = vec![None; n];
        let mut lo = vec![None; n];
        let mut hi = vec![None; n];
        for (i, v) in hist_daily[off..].iter().enumerate() {
            hist[i] = Some(*v);
        }
        if shown > 0 {
            pred[shown - 1] = hist[shown - 1];
        }
        for (k, d) in fc.daily.iter().enumerate() {
            pred[shown + k] = Some(d.contacts);
            lo[shown + k] = Some(d.lower);
            hi[shown + k] = Some(d.upper);
        }
        let step = (n / 10).max(7) / 7 * 7;
        let ticks = (0..n)
            .step_by(step.max(1))
            .map(|i| {
                let date = history.start + chrono::Days::new((off + i) as u64);
                (i, date.format("%m-%d").to_string())
            })
            .collect();
        let chart = svg::Chart {
            title: format!(
                "Daily contacts: history and {}-day forecast{}",
                a.horizon_days,
                backtest
                    .map(|b| format!(
                        " (backtest wMAPE {:.1} %, seasonal-naive {:.1} %)",
                        b.model.wmape * 100.0,
                        b.seasonal_naive.wmape * 100.0
                    ))
                    .unwrap_or_default()
            ),
            y_label: "contacts per day".into(),
            series: vec![
                svg::Series {
                    label: "history".into(),
                    color: "#444".into(),
                    values: hist,
                    step: false,
                },
                svg::Series {
                    label: "forecast".into(),
                    color: "#1f77b4".into(),
                    values: pred,
                    step: false,
                },
            ],
            bands: vec![svg::Band {
                label: "80 % interval".into(),
                color: "#1f77b4".into(),
                lower: lo,
                upper: hi,
            }],
            ticks,
        };
        std::fs::write(path, chart.render(1100.0, 400.0))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if a.csv {
        let mut w = csv::Writer::from_writer(std::io::stdout());
        w.write_record(["interval_start", "queue", "calls", "aht_s"])?;
        let queue = a.queue.clone().unwrap_or_else(|| "all".into());
        for iv in &intervals {
            w.write_record([
                iv["interval_start"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                queue.clone(),
                format!("{:.3}", iv["contacts"].as_f64().unwrap_or(0.0)),
                format!("{:.1}", iv["aht_s"].as_f64().unwrap_or(0.0)),
            ])?;
        }
        w.flush()?;
    } else if a.json {
        outln!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        if let Some(b) = backtest {
            outln!(
                "backtest {} days: wMAPE {:.2} % (seasonal-naive {:.2} %), MASE {:.3} (seasonal-naive {:.3})",
                b.holdout_days,
                b.model.wmape * 100.0,
                b.seasonal_naive.wmape * 100.0,
                b.model.mase,
                b.seasonal_naive.mase
            );
        }
        for d in &fc.daily {
            outln!(
                "{} {:<8} {:>10.1}  [{:.1}, {:.1}]",
                d.date,
                d.kind,
                d.contacts,
                d.lower,
                d.upper
            );
        }
    }
    Ok(())
}
