//! `kefu sim SCENARIO.yaml [--json] [--seed N] [--log FILE] [--replay FILE]`: simulate a
//! contact center against the routing engine (kefu-acd) and report service level, ASA,
//! abandonment and occupancy, in total, per queue and per interval.

use anyhow::{Context, Result};
use kefu_acd::sim::{Options, ReplayContact, Report, Scenario, simulate};
use std::io::{BufRead, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario (YAML).
    pub scenario: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Seed of the random numbers (same seed, same result).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write one JSON line per contact to this file.
    #[arg(long, value_name = "CONTACTS.jsonl")]
    pub log: Option<PathBuf>,
    /// Replay these contacts (JSON Lines: queue, offered_at_s, …) instead of generating arrivals.
    #[arg(long, value_name = "CONTACTS.jsonl")]
    pub replay: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    let text = std::fs::read_to_string(&args.scenario)
        .with_context(|| format!("reading {}", args.scenario.display()))?;
    let scenario =
        Scenario::from_yaml(&text).with_context(|| format!("in {}", args.scenario.display()))?;
    scenario
        .time_zone
        .parse::<chrono_tz::Tz>()
        .map_err(|_| anyhow::anyhow!("unknown time_zone {:?}", scenario.time_zone))?;
    let replay = match &args.replay {
        Some(p) => Some(read_replay(p)?),
        None => None,
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(1000);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} simulating [{bar:40}] {percent}% {elapsed}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        b
    });
    let mut progress = |f: f64| {
        if let Some(b) = &bar {
            b.set_position((f * 1000.0) as u64);
        }
    };
    let out = simulate(
        &scenario,
        Options {
            seed: args.seed,
            log: args.log.is_some(),
            replay,
            progress: Some(&mut progress),
            no_intervals: false,
        },
    )?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some(path) = &args.log {
        let f =
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        let mut w = BufWriter::new(f);
        for r in &out.log {
            serde_json::to_writer(&mut w, r)?;
            w.write_all(b"\n")?;
        }
        w.flush()?;
    }
    let stdout = std::io::stdout();
    let mut o = stdout.lock();
    if args.json {
        serde_json::to_writer_pretty(&mut o, &out.report)?;
        writeln!(o)?;
    } else {
        print_text(&mut o, &out.report)?;
    }
    Ok(())
}

fn read_replay(path: &PathBuf) -> Result<Vec<ReplayContact>> {
    let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut v = Vec::new();
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        v.push(
            serde_json::from_str(&line).with_context(|| format!("{}:{}", path.display(), i + 1))?,
        );
    }
    Ok(v)
}

fn pct(x: Option<f64>) -> String {
    x.map_or("-".into(), |x| format!("{:.1}%", x * 100.0))
}
fn secs(x: Option<f64>) -> String {
    x.map_or("-".into(), |x| format!("{x:.1} s"))
}

fn print_text(o: &mut impl Write, r: &Report) -> Result<()> {
    let t = &r.totals;
    writeln!(
        o,
        "{} day(s), {} contacts, seed {}",
        r.days, r.contacts, r.seed
    )?;
    writeln!(
        o,
        "offered {}  answered {}  abandoned {}  service level {}  ASA {}  abandon rate {}  occupancy {}",
        t.offered,
        t.answered,
        t.abandoned,
        pct(t.service_level),
        secs(t.asa_s),
        pct(t.abandon_rate),
        pct(t.occupancy)
    )?;
    writeln!(
        o,
        "{:<16} {:>9} {:>9} {:>9} {:>8} {:>9}",
        "queue", "offered", "answered", "abandoned", "SL", "ASA"
    )?;
    for q in &r.queues {
        let f = &q.figures;
        writeln!(
            o,
            "{:<16} {:>9} {:>9} {:>9} {:>8} {:>9}",
            q.queue,
            f.offered,
            f.answered,
            f.abandoned,
            pct(f.service_level),
            secs(f.asa_s)
        )?;
    }
    Ok(())
}
