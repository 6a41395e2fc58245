//! The requirement CSV of `kefu wfm schedule` and the planner's schedule page.
//!
//! A header row, then one row per interval (and queue). The value column is `required`
//! (or `agents_scheduled` / `agents`, as `kefu wfm staff --intervals` writes them; fractions
//! round up). The interval is `interval_start` (a date-time on an interval boundary; days
//! count from the earliest date) or `day` + `interval` (0-based indices). An optional
//! `queue` column splits the requirement per queue; rows of the same cell add up.

use crate::schedule::Requirement;
use crate::{Result, WfmError};
use chrono::{NaiveDate, NaiveDateTime, Timelike};

/// A bad requirement CSV: the 1-based line (0 for the file as a whole) and what is wrong.
fn bad(line: usize, what: String) -> WfmError {
    if line == 0 {
        WfmError::Data(format!("requirements: {what}"))
    } else {
        WfmError::Data(format!("requirements line {line}: {what}"))
    }
}

/// Splits one CSV record (commas; double quotes around a field, `""` inside quotes).
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur).trim().to_string()),
            _ => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out
}

/// A local date-time: `YYYY-MM-DD[T ]HH:MM[:SS]` or RFC 3339.
pub fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .or_else(|| {
        chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|d| d.naive_local())
    })
}

/// Most days a requirement may span.
pub const MAX_DAYS: usize = 366;

/// Parses the CSV into whole days of `interval_min` slots; also returns a label per day
/// (`Mon 01-05` for dated rows, `day N` otherwise).
pub fn parse(text: &str, interval_min: u32) -> Result<(Requirement, Vec<String>)> {
    if interval_min == 0 || 1440 % interval_min != 0 {
        return Err(bad(0, format!("interval {interval_min} must divide a day")));
    }
    let spd = (1440 / interval_min) as usize;
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty());
    let (_, header) = lines
        .next()
        .ok_or_else(|| bad(0, "empty: needs a header row".into()))?;
    let headers = fields(header);
    let find = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| headers.iter().position(|h| h == n))
    };
    let value_col = find(&["required", "agents_scheduled", "agents"])
        .ok_or_else(|| bad(1, "needs a column required".into()))?;
    let start_col = find(&["interval_start"]);
    let (day_col, slot_col) = (find(&["day"]), find(&["interval"]));
    if start_col.is_none() && (day_col.is_none() || slot_col.is_none()) {
        return Err(bad(1, "needs interval_start, or day and interval".into()));
    }
    let queue_col = find(&["queue"]);
    // (day or date, slot, queue, value)
    let mut dated: Vec<(NaiveDate, usize, String, u32)> = Vec::new();
    let mut indexed: Vec<(usize, usize, String, u32)> = Vec::new();
    for (line, l) in lines {
        let rec = fields(l);
        let get = |c: usize| rec.get(c).map(String::as_str).unwrap_or("");
        let v = get(value_col);
        let value: f64 = v
            .parse()
            .map_err(|_| bad(line, format!("bad requirement {v:?}")))?;
        if !value.is_finite() || !(0.0..=1e6).contains(&value) {
            return Err(bad(line, format!("requirement {v} must be 0 to 1000000")));
        }
        let value = value.ceil() as u32;
        let queue = queue_col.map(|c| get(c).to_string()).unwrap_or_default();
        if let Some(c) = start_col {
            let text = get(c);
            let ts = parse_datetime(text)
                .ok_or_else(|| bad(line, format!("bad interval_start {text:?}")))?;
            let minute = ts.time().num_seconds_from_midnight() / 60;
            if minute % interval_min != 0 || ts.time().second() != 0 {
                return Err(bad(
                    line,
                    format!("{text} is not on a {interval_min}-minute boundary"),
                ));
            }
            dated.push((ts.date(), (minute / interval_min) as usize, queue, value));
        } else {
            let (d, s) = (get(day_col.unwrap_or(0)), get(slot_col.unwrap_or(0)));
            let day: usize = d.parse().map_err(|_| bad(line, format!("bad day {d:?}")))?;
            let slot: usize = s
                .parse()
                .map_err(|_| bad(line, format!("bad interval {s:?}")))?;
            if slot >= spd || day >= MAX_DAYS {
                return Err(bad(
                    line,
                    format!("interval {slot} not in 0..{spd} or day {day} beyond {MAX_DAYS}"),
                ));
            }
            indexed.push((day, slot, queue, value));
        }
    }
    let mut labels = Vec::new();
    if !dated.is_empty() {
        let first = dated.iter().map(|c| c.0).min().unwrap_or_default();
        let last = dated.iter().map(|c| c.0).max().unwrap_or_default();
        if (last - first).num_days() >= MAX_DAYS as i64 {
            return Err(bad(0, format!("spans more than {MAX_DAYS} days")));
        }
        for (date, slot, q, v) in dated {
            indexed.push(((date - first).num_days() as usize, slot, q, v));
        }
        let days = indexed.iter().map(|c| c.0).max().unwrap_or(0) + 1;
        labels = (0..days)
            .map(|d| {
                (first + chrono::Days::new(d as u64))
                    .format("%a %m-%d")
                    .to_string()
            })
            .collect();
    }
    let Some(days) = indexed.iter().map(|c| c.0).max().map(|d| d + 1) else {
        return Err(bad(0, "no requirement rows".into()));
    };
    if labels.is_empty() {
        labels = (0..days).map(|d| format!("day {d}")).collect();
    }
    let mut queues: Vec<String> = Vec::new();
    if queue_col.is_some() {
        queues = indexed.iter().map(|c| c.2.clone()).collect();
        queues.sort();
        queues.dedup();
        if queues.iter().any(String::is_empty) {
            return Err(bad(0, "a row has an empty queue".into()));
        }
    }
    let horizon = days * spd;
    let mut required = vec![0u32; queues.len().max(1) * horizon];
    for (d, s, q, v) in indexed {
        let qi = queues.binary_search(&q).unwrap_or(0);
        let cell = &mut required[qi * horizon + d * spd + s];
        *cell = cell.saturating_add(v);
    }
    Ok((
        Requirement {
            interval_min,
            days,
            queues,
            required,
            cyclic: false,
        },
        labels,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_and_dates() {
        let text = "interval_start,queue,required\n\
                    2026-01-05T08:00,sales,2\n\
                    2026-01-05T08:00,\"after, sales\",1\n\
                    2026-01-06 09:30,sales,1.2\n";
        let (r, labels) = parse(text, 30).unwrap();
        assert_eq!(r.days, 2);
        assert_eq!(
            r.queues,
            vec!["after, sales".to_string(), "sales".to_string()]
        );
        assert_eq!(labels, vec!["Mon 01-05", "Tue 01-06"]);
        let h = r.horizon();
        assert_eq!(r.required.len(), 2 * h);
        assert_eq!(r.required[16], 1); // "after, sales" day 0 08:00
        assert_eq!(r.required[h + 16], 2); // sales day 0 08:00
        assert_eq!(r.required[h + 48 + 19], 2); // sales day 1 09:30, 1.2 rounded up
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("day,interval,required\n0,1,x\n", 60).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = parse("day,interval,required\n0,24,1\n", 60).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = parse("when,required\n", 60).unwrap_err();
        assert!(e.to_string().contains("interval_start"), "{e}");
        let e = parse("interval_start,required\n2026-01-05T08:10,1\n", 30).unwrap_err();
        assert!(e.to_string().contains("boundary"), "{e}");
        assert!(parse("", 60).is_err());
    }
}
