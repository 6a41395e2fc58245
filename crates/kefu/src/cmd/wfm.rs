//! `kefu wfm`: Erlang B/C/A metrics, staffing, forecasting and shift scheduling.
//!
//! Glue only: reads CSV/YAML, calls `kefu-wfm`, prints JSON (`--json`) or text, writes SVG.

use anyhow::{Context, Result, bail};
use kefu_wfm::{erlang, staffing};
use serde_json::{Value, json};
use std::path::PathBuf;

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
    /// CSV with columns interval_start, queue, calls, aht_s.
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
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct ForecastArgs {}

#[derive(Debug, clap::Args)]
struct ScheduleArgs {}

pub fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Erlang(a) => run_erlang(a),
        Command::Staff(a) => run_staff(a),
        Command::Forecast(_) => bail!("not yet"),
        Command::Schedule(_) => bail!("not yet"),
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
        println!("{}", serde_json::to_string_pretty(value)?);
    } else if let Value::Object(map) = value {
        for (k, v) in map {
            println!("{k:<24} {v}");
        }
    } else if let Value::Array(rows) = value {
        for row in rows {
            println!("{row}");
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

fn staff_json(s: &staffing::Staffing) -> Value {
    json!({
        "agents": s.agents,
        "agents_scheduled": s.agents_scheduled,
        "binding_constraint": s.binding_constraint,
        "traffic_erlangs": s.traffic_erlangs,
        "service_level": s.service_level,
        "asa_s": num(s.asa_s),
        "asa_answered_s": num(s.asa_answered_s),
        "occupancy": s.occupancy,
        "p_abandon": num(s.p_abandon),
    })
}

fn run_staff(a: StaffArgs) -> Result<()> {
    let targets = staffing::Targets {
        service_level: a.target_sl,
        answer_within_s: a.answer_within_s,
        asa_s: a.target_asa_s,
        max_occupancy: a.max_occupancy,
        max_abandon: a.max_abandon,
    };
    let input = |calls: f64, aht_s: f64| staffing::StaffInput {
        calls,
        interval_s: a.interval_s,
        aht_s,
        patience_s: a.patience_s,
        shrinkage: a.shrinkage,
        targets,
    };
    if let Some(path) = &a.intervals {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(path)
            .with_context(|| format!("reading {}", path.display()))?;
        let headers = reader.headers()?.clone();
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .with_context(|| format!("{}: missing column {name}", path.display()))
        };
        let (ci, cq, cc, ca) = (
            col("interval_start")?,
            col("queue")?,
            col("calls")?,
            col("aht_s")?,
        );
        let mut rows = Vec::new();
        for (i, rec) in reader.records().enumerate() {
            let rec = rec?;
            let line = i + 2;
            let field = |c: usize| rec.get(c).unwrap_or("");
            let parse = |c: usize, what: &str| -> Result<f64> {
                field(c)
                    .parse::<f64>()
                    .with_context(|| format!("line {line}: bad {what} {:?}", field(c)))
            };
            let s = staffing::staff(&input(parse(cc, "calls")?, parse(ca, "aht_s")?))
                .with_context(|| format!("line {line}"))?;
            let mut v = staff_json(&s);
            v["interval_start"] = json!(field(ci));
            v["queue"] = json!(field(cq));
            rows.push(v);
        }
        return print(&Value::Array(rows), a.json);
    }
    let (Some(calls), Some(aht)) = (a.calls, a.aht_s) else {
        bail!("give --calls and --aht-s, or --intervals FILE.csv");
    };
    let s = staffing::staff(&input(calls, aht))?;
    print(&staff_json(&s), a.json)
}
