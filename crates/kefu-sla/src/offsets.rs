//! A time zone's UTC offsets as a list of changes, filled lazily per ~388-day bucket of UTC
//! time and kept for the calendar's life (a deterministic cache: the same zone always gives the
//! same list). chrono-tz answers "which offset at instant t" but does not list its changes; a
//! bucket is built by sampling the offset every 3.5 days and bisecting each change to the
//! second. That finds every change as long as a zone never changes twice within 3.5 days (in the
//! tz database since 1900 the closest pair is 3.99 days apart, Africa/Freetown in the 1940s).

use std::sync::OnceLock;

use chrono::{DateTime, Offset, TimeZone};
use chrono_tz::Tz;

/// Bucket length: 2^25 s, about 388 days.
const BUCKET: i64 = 1 << 25;
/// Sampling step inside a bucket: 3.5 days.
const SAMPLE: i64 = 302_400;

/// `(from, offset)` spans of one bucket, in order.
type Spans = Box<[(i64, i64)]>;

/// Offset changes of one zone between `lo` and `hi` (Unix seconds).
#[derive(Debug, Clone)]
pub(crate) struct Offsets {
    tz: Tz,
    lo: i64,
    hi: i64,
    /// Per bucket: `(from, offset)` spans in order, the first starting at the bucket's start.
    buckets: Vec<OnceLock<Spans>>,
}

/// The offset (local minus UTC, seconds) of `tz` at Unix second `t`, straight from chrono-tz.
pub(crate) fn raw_offset(tz: Tz, t: i64) -> i64 {
    match DateTime::from_timestamp(t, 0) {
        Some(d) => i64::from(
            tz.offset_from_utc_datetime(&d.naive_utc())
                .fix()
                .local_minus_utc(),
        ),
        None => 0,
    }
}

impl Offsets {
    pub(crate) fn new(tz: Tz, lo: i64, hi: i64) -> Offsets {
        let n = ((hi - lo) / BUCKET + 1) as usize;
        Offsets {
            tz,
            lo,
            hi,
            buckets: (0..n).map(|_| OnceLock::new()).collect(),
        }
    }

    fn bucket_of(&self, t: i64) -> usize {
        ((t.clamp(self.lo, self.hi) - self.lo) / BUCKET) as usize
    }

    fn spans(&self, b: usize) -> &[(i64, i64)] {
        self.buckets[b].get_or_init(|| {
            let start = self.lo + b as i64 * BUCKET;
            let end = start + BUCKET;
            let mut cur = raw_offset(self.tz, start);
            let mut spans = vec![(start, cur)];
            let mut s = start;
            while s < end {
                let n = (s + SAMPLE).min(end);
                let on = raw_offset(self.tz, n);
                if on != cur {
                    // The first second with a different offset lies in (s, n].
                    let (mut l, mut h) = (s, n);
                    while h - l > 1 {
                        let m = l + (h - l) / 2;
                        if raw_offset(self.tz, m) == cur {
                            l = m;
                        } else {
                            h = m;
                        }
                    }
                    if h < end {
                        spans.push((h, on));
                    }
                    cur = on;
                }
                s = n;
            }
            spans.into_boxed_slice()
        })
    }

    /// The offset in force at `t`.
    pub(crate) fn at(&self, t: i64) -> i64 {
        let spans = self.spans(self.bucket_of(t));
        let i = spans.partition_point(|s| s.0 <= t);
        spans[i.saturating_sub(1)].1
    }

    /// The first instant after `t` and before `limit` at which the offset changes.
    pub(crate) fn next_change(&self, t: i64, limit: i64) -> Option<i64> {
        let cur = self.at(t);
        let last = self.bucket_of(limit);
        let mut b = self.bucket_of(t);
        loop {
            let spans = self.spans(b);
            let i = spans.partition_point(|s| s.0 <= t);
            // A bucket's first span may repeat the offset before it: only real changes count.
            for &(from, o) in &spans[i..] {
                if from >= limit {
                    return None;
                }
                if o != cur {
                    return Some(from);
                }
            }
            if b >= last {
                return None;
            }
            b += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_york_changes_in_2026() {
        let tz: Tz = "America/New_York".parse().unwrap();
        let o = Offsets::new(tz, 1_700_000_000, 1_900_000_000);
        // 2026-03-08T07:00:00Z and 2026-11-01T06:00:00Z.
        let spring = 1_772_953_200;
        let fall = 1_793_512_800;
        assert_eq!(o.next_change(1_767_225_600, 1_800_000_000), Some(spring));
        assert_eq!(o.next_change(spring, 1_800_000_000), Some(fall));
        assert_eq!(o.next_change(spring, fall), None);
        assert_eq!(o.at(spring - 1), -5 * 3600);
        assert_eq!(o.at(spring), -4 * 3600);
        assert_eq!(o.at(fall), -5 * 3600);
        for t in (1_760_000_000..1_800_000_000).step_by(86_399) {
            assert_eq!(o.at(t), raw_offset(tz, t));
        }
    }
}
