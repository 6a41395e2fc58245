//! `kefu sla`: check business calendars and SLA clocks by hand. Thin: parses arguments, reads
//! files and prints what `kefu-sla` computes.
//!
//! - `kefu sla due --calendar CAL.yaml --start RFC3339 --minutes N` prints the due instant
//!   (RFC 3339 in the calendar's zone).
//! - `kefu sla elapsed --calendar CAL.yaml --from RFC3339 --to RFC3339` prints whole business
//!   minutes.
//! - `kefu sla open --calendar CAL.yaml --at RFC3339` says whether the calendar is open then,
//!   until when, or when it opens next.
//! - `kefu sla check --calendar CAL.yaml` validates a calendar and prints its weekly hours.
//! - `kefu sla clock --policies P.yaml --events EVENTS.json --now RFC3339` evaluates the SLA
//!   targets of one ticket from its event history.
//! - `kefu sla compliance --policies P.yaml --tickets TICKETS.jsonl --now RFC3339` reports SLA
//!   compliance per policy (one `{"ticket": ID, "events": [...]}` object per line).
//!
//! `--json` prints a JSON object instead.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use kefu_sla::{Calendar, PolicySet, TargetStatus, TicketEvent, compliance, evaluate};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON instead of plain text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// The instant at which N business minutes after START have been worked.
    Due {
        /// Calendar file (YAML).
        #[arg(long)]
        calendar: PathBuf,
        /// Start instant, RFC 3339 (e.g. 2026-09-30T16:00:00+08:00).
        #[arg(long)]
        start: String,
        /// Business minutes.
        #[arg(long, allow_hyphen_values = true)]
        minutes: i64,
    },
    /// Business minutes between two instants (negative when TO is before FROM).
    Elapsed {
        /// Calendar file (YAML).
        #[arg(long)]
        calendar: PathBuf,
        /// RFC 3339 instant.
        #[arg(long)]
        from: String,
        /// RFC 3339 instant.
        #[arg(long)]
        to: String,
    },
    /// Whether the calendar is open at an instant, until when, or when it opens next.
    Open {
        /// Calendar file (YAML).
        #[arg(long)]
        calendar: PathBuf,
        /// RFC 3339 instant.
        #[arg(long)]
        at: String,
    },
    /// Validate a calendar file and show its week.
    Check {
        /// Calendar file (YAML).
        #[arg(long)]
        calendar: PathBuf,
    },
    /// Evaluate the SLA targets of one ticket from its event history.
    Clock {
        /// Calendars and policies (YAML).
        #[arg(long)]
        policies: PathBuf,
        /// The ticket's events: a JSON array of {"at", "event", ...}.
        #[arg(long)]
        events: PathBuf,
        /// The instant to evaluate at, RFC 3339.
        #[arg(long)]
        now: String,
    },
    /// SLA compliance per policy over many tickets.
    Compliance {
        /// Calendars and policies (YAML).
        #[arg(long)]
        policies: PathBuf,
        /// JSON Lines: one {"ticket": ID, "events": [...]} per line.
        #[arg(long)]
        tickets: PathBuf,
        /// The instant to evaluate at, RFC 3339.
        #[arg(long)]
        now: String,
    },
}

#[derive(Debug, serde::Deserialize)]
struct TicketLine {
    #[serde(default)]
    ticket: Option<serde_json::Value>,
    events: Vec<TicketEvent>,
}

fn load_policies(path: &Path) -> anyhow::Result<PolicySet> {
    PolicySet::from_yaml(&read(path)?).with_context(|| format!("policies {}", path.display()))
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn load_calendar(path: &Path) -> anyhow::Result<Calendar> {
    Calendar::from_yaml(&read(path)?).with_context(|| format!("calendar {}", path.display()))
}

fn instant(s: &str, what: &str) -> anyhow::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|d| d.with_timezone(&Utc))
        .with_context(|| format!("--{what} `{s}` is not an RFC 3339 instant"))
}

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

fn print_json(v: &serde_json::Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Due {
            calendar,
            start,
            minutes,
        } => {
            let cal = load_calendar(&calendar)?;
            let start = instant(&start, "start")?;
            let due = cal.due(start, minutes)?;
            let tz = cal.time_zone();
            if args.json {
                print_json(&serde_json::json!({
                    "time_zone": tz.name(),
                    "start": local(start, tz),
                    "minutes": minutes,
                    "due": local(due, tz),
                    "due_utc": due.to_rfc3339_opts(SecondsFormat::Secs, true),
                }))
            } else {
                println!("{}", local(due, tz));
                Ok(())
            }
        }
        Command::Elapsed { calendar, from, to } => {
            let cal = load_calendar(&calendar)?;
            let (from, to) = (instant(&from, "from")?, instant(&to, "to")?);
            let seconds = cal.elapsed_seconds(from, to)?;
            let tz = cal.time_zone();
            if args.json {
                print_json(&serde_json::json!({
                    "time_zone": tz.name(),
                    "from": local(from, tz),
                    "to": local(to, tz),
                    "minutes": seconds / 60,
                    "seconds": seconds,
                }))
            } else {
                println!("{}", seconds / 60);
                Ok(())
            }
        }
        Command::Open { calendar, at } => {
            let cal = load_calendar(&calendar)?;
            let at = instant(&at, "at")?;
            let (from, until) = cal.next_open(at)?;
            let tz = cal.time_zone();
            let open = from == at;
            if args.json {
                return print_json(&serde_json::json!({
                    "open": open,
                    "opens": (!open).then(|| local(from, tz)),
                    "closes": until.map(|u| local(u, tz)),
                }));
            }
            let closes = until.map_or("more than a year later".to_string(), |u| local(u, tz));
            if open {
                println!("open until {closes}");
            } else {
                println!("closed; opens {} until {closes}", local(from, tz));
            }
            Ok(())
        }
        Command::Check { calendar } => {
            let cal = load_calendar(&calendar)?;
            let spec = cal.spec();
            if args.json {
                print_json(&serde_json::json!({
                    "valid": true,
                    "time_zone": cal.time_zone().name(),
                    "week_minutes": cal.week_seconds() / 60,
                    "holidays": spec.holidays,
                    "extra_workdays": spec.extra_workdays,
                }))
            } else {
                println!("time zone: {}", cal.time_zone().name());
                println!(
                    "business time per week: {} h {:02} min",
                    cal.week_seconds() / 3600,
                    cal.week_seconds() % 3600 / 60
                );
                let order = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
                let mut days: Vec<_> = spec.weekly.iter().collect();
                days.sort_by_key(|(d, _)| {
                    let d = d.to_ascii_lowercase();
                    order.iter().position(|o| d.starts_with(o)).unwrap_or(7)
                });
                for (day, ranges) in days {
                    println!("  {day}: {}", ranges.join(", "));
                }
                if !spec.holidays.is_empty() {
                    println!("holidays: {}", spec.holidays.join(", "));
                }
                for (date, like) in &spec.extra_workdays {
                    println!("extra working day: {date} (worked like {like})");
                }
                Ok(())
            }
        }
        Command::Clock {
            policies,
            events,
            now,
        } => {
            let set = load_policies(&policies)?;
            let evs: Vec<TicketEvent> = serde_json::from_str(&read(&events)?)
                .with_context(|| format!("events {}", events.display()))?;
            let now = instant(&now, "now")?;
            let status = evaluate(&evs, &set, now)?;
            if args.json {
                return print_json(&serde_json::to_value(&status)?);
            }
            println!(
                "policy: {}  state: {}",
                status.policy.as_deref().unwrap_or("(none)"),
                serde_json::to_value(status.state)?
                    .as_str()
                    .unwrap_or_default()
            );
            let zone = |t: &TargetStatus| {
                set.policies()
                    .iter()
                    .find(|p| p.name == t.policy)
                    .map_or(Tz::UTC, |p| set.calendar_of(p).time_zone())
            };
            let line = |name: &str, t: &TargetStatus| {
                let tz = zone(t);
                let flag = if t.breached {
                    "BREACHED"
                } else if t.met_at.is_some() {
                    "met"
                } else if t.paused {
                    "paused"
                } else if t.warning {
                    "WARNING"
                } else {
                    "running"
                };
                println!(
                    "{name:<15} {flag:<9} {:>6}/{:<6} min  due {}{}",
                    t.elapsed_seconds / 60,
                    t.target_minutes,
                    local(t.due, tz),
                    t.met_at
                        .map(|m| format!("  met {}", local(m, tz)))
                        .unwrap_or_default()
                );
            };
            if let Some(t) = &status.first_response {
                line("first_response", t);
            }
            for t in &status.next_response {
                line("next_response", t);
            }
            if let Some(t) = &status.resolution {
                line("resolution", t);
            }
            Ok(())
        }
        Command::Compliance {
            policies,
            tickets,
            now,
        } => {
            let set = load_policies(&policies)?;
            let now = instant(&now, "now")?;
            let text = read(&tickets)?;
            let mut statuses = Vec::new();
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let where_ = || format!("{} line {}", tickets.display(), i + 1);
                let t: TicketLine = serde_json::from_str(line).with_context(where_)?;
                let status = evaluate(&t.events, &set, now).with_context(|| {
                    format!(
                        "{} (ticket {})",
                        where_(),
                        t.ticket.map(|v| v.to_string()).unwrap_or_default()
                    )
                })?;
                statuses.push(status);
            }
            let report = compliance(&statuses);
            if args.json {
                return print_json(&serde_json::json!({
                    "tickets": statuses.len(),
                    "policies": report,
                }));
            }
            println!("{} tickets", statuses.len());
            println!(
                "{:<24} {:<15} {:>7} {:>9} {:>8} {:>11}",
                "policy", "metric", "met", "breached", "running", "compliance"
            );
            for p in &report {
                for (name, m) in [
                    ("first_response", &p.first_response),
                    ("next_response", &p.next_response),
                    ("resolution", &p.resolution),
                ] {
                    if m.met + m.breached + m.running == 0 {
                        continue;
                    }
                    let pct = m
                        .percent()
                        .map(|v| format!("{v:.1} %"))
                        .unwrap_or_else(|| "-".to_string());
                    println!(
                        "{:<24} {name:<15} {:>7} {:>9} {:>8} {pct:>11}",
                        p.policy, m.met, m.breached, m.running
                    );
                }
            }
            Ok(())
        }
    }
}
