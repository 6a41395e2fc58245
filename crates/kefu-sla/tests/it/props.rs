//! Property tests: `due` and `elapsed` against an independent minute-by-minute reference (built
//! on `Calendar::is_working`, which converts each instant on its own), the algebra of `due`, and
//! the SLA clock's invariants (pauses never make a due time earlier, noise changes nothing).

use chrono::{DateTime, Duration, Utc};
use kefu_sla::{Calendar, EventKind, Priority, TicketEvent, TicketState, evaluate};
use proptest::prelude::*;

use crate::clock::{attrs, set};
use crate::{always, at, berlin, cn, new_york};

fn calendars() -> Vec<Calendar> {
    vec![
        cn(),
        berlin(),
        new_york(),
        always("Australia/Lord_Howe"),
        // A night desk across both New York changes, with touching ranges and a 30-minute gap.
        Calendar::from_yaml(
            r#"
time_zone: America/New_York
weekly: {sat: ["22:00-24:00"], sun: ["00:00-01:30", "01:30-02:30", "03:00-05:00"], mon: ["00:30-01:15"]}
holidays: ["2026-07-04..2026-07-05"]
extra_workdays: {"2026-07-11": sun}
"#,
        )
        .unwrap(),
        // Zones whose clocks change at midnight, so a fall-back repeats the end of the previous
        // day after the next one began (Beirut 2026-10-25, Santiago 2026-04-05).
        Calendar::from_yaml(
            r#"
time_zone: Asia/Beirut
weekly: {sat: ["21:00-24:00"], sun: ["00:00-02:00", "08:00-09:00"], fri: ["23:30-24:00"]}
"#,
        )
        .unwrap(),
        Calendar::from_yaml(
            r#"
time_zone: America/Santiago
weekly: {sat: ["22:30-24:00"], sun: ["00:00-00:45", "10:00-11:00"]}
"#,
        )
        .unwrap(),
    ]
}

/// Business seconds in [from, from + minutes), counted minute by minute (boundaries of every
/// calendar here and of the zones' changes fall on whole minutes).
fn reference_elapsed(cal: &Calendar, from: DateTime<Utc>, minutes: i64) -> i64 {
    (0..minutes)
        .filter(|i| cal.is_working(from + Duration::minutes(*i)))
        .count() as i64
        * 60
}

/// Instants in 2026 around the DST changes and the Chinese holidays, on whole minutes.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    let anchors = [
        "2026-03-06T00:00:00Z",
        "2026-03-27T00:00:00Z",
        "2026-04-03T00:00:00Z",
        "2026-07-02T00:00:00Z",
        "2026-09-24T00:00:00Z",
        "2026-10-23T00:00:00Z",
        "2026-10-30T00:00:00Z",
        "2026-12-22T00:00:00Z",
    ];
    (0..anchors.len(), 0i64..(6 * 24 * 60))
        .prop_map(move |(i, m)| at(anchors[i]) + Duration::minutes(m))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn elapsed_matches_minute_reference(c in 0usize..7, from in instant(), minutes in 0i64..(4 * 24 * 60)) {
        let cal = &calendars()[c];
        let to = from + Duration::minutes(minutes);
        prop_assert_eq!(cal.elapsed_seconds(from, to).unwrap(), reference_elapsed(cal, from, minutes));
        prop_assert_eq!(cal.elapsed_seconds(to, from).unwrap(), -reference_elapsed(cal, from, minutes));
    }

    #[test]
    fn due_is_the_earliest_instant_with_enough_business_time(c in 0usize..7, start in instant(), m in 1i64..3000) {
        let cal = &calendars()[c];
        let due = cal.due(start, m).unwrap();
        // Exactly m minutes worked by due, fewer one second earlier, and that last second works.
        prop_assert_eq!(cal.elapsed_seconds(start, due).unwrap(), m * 60);
        prop_assert_eq!(cal.elapsed_seconds(start, due - Duration::seconds(1)).unwrap(), m * 60 - 1);
        prop_assert!(cal.is_working(due - Duration::seconds(1)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn due_is_additive(c in 0usize..7, start in instant(), secs in 0i64..60, a in 0i64..40_000, b in 0i64..40_000) {
        let cal = &calendars()[c];
        let start = start + Duration::seconds(secs);
        let once = cal.due(start, a + b).unwrap();
        let twice = cal.due(cal.due(start, a).unwrap(), b).unwrap();
        prop_assert_eq!(once, twice);
        prop_assert_eq!(cal.elapsed_minutes(start, once).unwrap(), a + b);
    }

    #[test]
    fn long_elapsed_is_the_sum_of_its_parts(c in 0usize..7, from in instant(), d1 in 0i64..200_000, d2 in 0i64..400_000) {
        // Long spans take the week-skipping fast path; splitting them at an arbitrary point moves
        // the week boundaries, so agreement checks the fast path against the slow one.
        let cal = &calendars()[c];
        let mid = from + Duration::minutes(d1);
        let to = mid + Duration::minutes(d2);
        let whole = cal.elapsed_seconds(from, to).unwrap();
        let parts = cal.elapsed_seconds(from, mid).unwrap() + cal.elapsed_seconds(mid, to).unwrap();
        prop_assert_eq!(whole, parts);
    }

    #[test]
    fn always_open_is_real_time(zone in 0usize..3, from in instant(), minutes in 0i64..1_000_000) {
        let cal = always(["America/New_York", "Europe/Berlin", "Australia/Lord_Howe"][zone]);
        let to = from + Duration::minutes(minutes);
        prop_assert_eq!(cal.elapsed_seconds(from, to).unwrap(), minutes * 60);
        prop_assert_eq!(cal.due(from, minutes).unwrap(), to);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn next_open_is_the_next_working_stretch(c in 0usize..7, t in instant(), secs in 0i64..60) {
        let cal = &calendars()[c];
        let t = t + Duration::seconds(secs);
        let (from, until) = cal.next_open(t).unwrap();
        prop_assert!(from >= t);
        prop_assert_eq!(cal.elapsed_seconds(t, from).unwrap(), 0);
        prop_assert!(cal.is_working(from));
        if let Some(until) = until {
            prop_assert_eq!(cal.elapsed_seconds(from, until).unwrap(), (until - from).num_seconds());
            prop_assert!(!cal.is_working(until));
        }
    }
}

fn history(pause: Option<(i64, i64)>, reply_after: Option<i64>) -> Vec<TicketEvent> {
    let t0 = at("2026-09-24T01:00:00Z");
    let mut evs = vec![TicketEvent {
        at: t0,
        kind: EventKind::Created {
            attributes: attrs(Priority::Normal, None),
        },
    }];
    if let Some((p, len)) = pause {
        evs.push(TicketEvent {
            at: t0 + Duration::minutes(p),
            kind: EventKind::StateChanged {
                to: TicketState::PendingCustomer,
            },
        });
        evs.push(TicketEvent {
            at: t0 + Duration::minutes(p + len),
            kind: EventKind::StateChanged {
                to: TicketState::Open,
            },
        });
    }
    if let Some(r) = reply_after {
        evs.push(TicketEvent {
            at: t0 + Duration::minutes(r),
            kind: EventKind::AgentReply { public: true },
        });
    }
    evs
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn pausing_never_makes_due_earlier(p in 0i64..5000, len in 1i64..5000, now in 0i64..20_000) {
        let set = set();
        let now = at("2026-09-24T01:00:00Z") + Duration::minutes(now);
        let plain = evaluate(&history(None, None), &set, now).unwrap();
        let paused = evaluate(&history(Some((p, len)), None), &set, now).unwrap();
        let (a, b) = (plain.first_response.unwrap(), paused.first_response.unwrap());
        prop_assert!(b.due >= a.due, "{} < {}", b.due, a.due);
        prop_assert!(b.elapsed_seconds <= a.elapsed_seconds);
        let (a, b) = (plain.resolution.unwrap(), paused.resolution.unwrap());
        prop_assert!(b.due >= a.due);
        prop_assert!(!b.breached || a.breached);
    }

    #[test]
    fn noise_and_order_do_not_change_the_clock(p in 0i64..3000, len in 1i64..3000, r in 0i64..8000, note in 0i64..8000, now in 0i64..10_000) {
        let set = set();
        let now = at("2026-09-24T01:00:00Z") + Duration::minutes(now);
        let evs = history(Some((p, len)), Some(r));
        let base = evaluate(&evs, &set, now).unwrap();
        let mut noisy = evs.clone();
        noisy.push(TicketEvent {
            at: at("2026-09-24T01:00:00Z") + Duration::minutes(note),
            kind: EventKind::AgentReply { public: false },
        });
        noisy.push(TicketEvent {
            at: at("2026-09-24T01:00:00Z") + Duration::minutes(note),
            kind: EventKind::AttributesChanged { attributes: attrs(Priority::Normal, None) },
        });
        noisy.rotate_left(1);
        // Rotating puts `created` last; same-instant events keep their relative order, and the
        // reply's place relative to the pause only matters by time.
        let sorted_first = {
            let mut v = noisy.clone();
            v.sort_by_key(|e| e.at);
            v
        };
        prop_assume!(matches!(sorted_first[0].kind, EventKind::Created { .. }));
        prop_assert_eq!(evaluate(&noisy, &set, now).unwrap(), base);
    }
}

/// A random ticket history: created, then events at random gaps (minutes).
fn random_history() -> impl Strategy<Value = Vec<TicketEvent>> {
    let kind = prop_oneof![
        Just(EventKind::AgentReply { public: true }),
        Just(EventKind::AgentReply { public: false }),
        Just(EventKind::CustomerReply),
        Just(EventKind::StateChanged {
            to: TicketState::Open
        }),
        Just(EventKind::StateChanged {
            to: TicketState::PendingCustomer
        }),
        Just(EventKind::StateChanged {
            to: TicketState::Escalated
        }),
        Just(EventKind::StateChanged {
            to: TicketState::Resolved
        }),
        Just(EventKind::StateChanged {
            to: TicketState::Closed
        }),
        Just(EventKind::StateChanged {
            to: TicketState::Reopened
        }),
    ];
    (
        any::<bool>(),
        proptest::collection::vec((0i64..1500, kind), 0..12),
    )
        .prop_map(|(urgent, steps)| {
            let mut t = at("2026-09-24T01:00:00Z");
            let priority = if urgent {
                Priority::Urgent
            } else {
                Priority::Normal
            };
            let mut evs = vec![TicketEvent {
                at: t,
                kind: EventKind::Created {
                    attributes: attrs(priority, None),
                },
            }];
            for (gap, kind) in steps {
                t += Duration::minutes(gap);
                evs.push(TicketEvent { at: t, kind });
            }
            evs
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn clocks_only_move_forward(evs in random_history(), n1 in 0i64..20_000, d in 0i64..20_000) {
        let set = set();
        let now1 = at("2026-09-24T01:00:00Z") + Duration::minutes(n1);
        let now2 = now1 + Duration::minutes(d);
        let (s1, s2) = (evaluate(&evs, &set, now1).unwrap(), evaluate(&evs, &set, now2).unwrap());
        let pairs = [(&s1.first_response, &s2.first_response), (&s1.resolution, &s2.resolution)];
        for (a, b) in pairs {
            let (a, b) = (a.as_ref().unwrap(), b.as_ref().unwrap());
            // Business time used never decreases, a breach never heals.
            prop_assert!(b.elapsed_seconds >= a.elapsed_seconds);
            prop_assert!(!a.breached || b.breached);
            // Breached exactly when the clock stopped (or now is) after due.
            prop_assert_eq!(a.breached, a.met_at.unwrap_or(now1) > a.due);
        }
        // A first response met by now1 is frozen: later evaluations give exactly the same.
        if s1.first_response.as_ref().unwrap().met_at.is_some() {
            prop_assert_eq!(&s1.first_response, &s2.first_response);
        }
        // Every next-response cycle closed by now1 is frozen too.
        for (a, b) in s1.next_response.iter().zip(&s2.next_response) {
            if a.met_at.is_some() {
                prop_assert_eq!(a, b);
            }
        }
        prop_assert!(s2.next_response.len() >= s1.next_response.len());
    }
}
