//! Business hours, injected into the engine as a value: the engine asks "is this queue open at
//! time t?" and never reads a clock or a calendar of its own.

use crate::Time;

/// Whether a queue is open at a time (ms since the Unix epoch for a live engine; the simulator
/// passes ms since its start, which it treats as a Monday 00:00 local time).
pub trait Hours: Send + Sync + std::fmt::Debug {
    fn is_open(&self, now: Time) -> bool;
}

/// Weekly opening hours in a fixed UTC offset, with closed days.
#[derive(Debug, Clone, Default)]
pub struct WeeklyHours {
    /// Offset of local time from the clock, in minutes (UTC+8 is 480).
    pub utc_offset_min: i32,
    /// Open intervals per weekday (0 = Monday), as [start, end) minutes of the local day.
    pub open: [Vec<(u16, u16)>; 7],
    /// Closed local days, as days since the clock's epoch (holidays).
    pub closed_days: Vec<i64>,
    /// Weekday of day 0 of the clock (0 = Monday). The Unix epoch was a Thursday: 3.
    pub epoch_weekday: u8,
}

impl WeeklyHours {
    /// Open `start..end` (minutes of the local day) on the given weekdays (0 = Monday).
    pub fn daily(days: &[u8], start_min: u16, end_min: u16) -> Self {
        let mut h = WeeklyHours {
            epoch_weekday: 3,
            ..Default::default()
        };
        for &d in days {
            h.open[usize::from(d % 7)].push((start_min, end_min));
        }
        h
    }
}

impl Hours for WeeklyHours {
    fn is_open(&self, now: Time) -> bool {
        let local_ms = now as i64 + i64::from(self.utc_offset_min) * 60_000;
        let day = local_ms.div_euclid(86_400_000);
        if self.closed_days.contains(&day) {
            return false;
        }
        let minute = (local_ms.rem_euclid(86_400_000) / 60_000) as u16;
        let weekday = (day + i64::from(self.epoch_weekday)).rem_euclid(7) as usize;
        self.open[weekday]
            .iter()
            .any(|&(s, e)| s <= minute && minute < e)
    }
}
