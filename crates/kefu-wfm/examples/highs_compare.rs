//! Our scheduler against HiGHS on the same integer program, both in-process (the
//! `bench/wfm` instance: 7 days × 96 intervals × ~280 shift types, without and with breaks).
//! Run by `cargo xtask bench wfm`:
//! `cargo run --release -p kefu-wfm --features highs --example highs_compare`.

#[path = "../benches/common/instance.rs"]
mod instance;

use kefu_wfm::schedule::{Objective, SolveOptions, solve, solve_highs};
use std::time::Instant;

fn best_of<T>(n: usize, mut f: impl FnMut() -> T) -> (T, f64) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..n {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(v);
    }
    (out.expect("n > 0"), best)
}

fn main() {
    for breaks in [false, true] {
        let (spec, req) = instance::schedule_instance(breaks, 7);
        let types = spec.shift_types().expect("instance");
        let obj = Objective::default();
        let (ours, t_ours) = best_of(3, || {
            solve(&req, &types, obj, SolveOptions { mip_gap: None }).expect("kefu")
        });
        let (highs, t_highs) = best_of(3, || solve_highs(&req, &types, obj, 1e-4).expect("HiGHS"));
        let label = if breaks {
            "with breaks"
        } else {
            "without breaks"
        };
        println!(
            "Scheduling in-process {label}: {} shift types, {} variables",
            types.len(),
            ours.variables
        );
        println!(
            "  kefu   cost {:9.1}  LP bound  {:9.1}  {:8.1} ms (best of 3)",
            ours.cost,
            ours.lower_bound,
            t_ours * 1000.0
        );
        println!(
            "  HiGHS  cost {:9.1}  MIP bound {:9.1}  {:8.1} ms (best of 3, mip_rel_gap 1e-4)",
            highs.cost,
            highs.lower_bound,
            t_highs * 1000.0
        );
        println!(
            "  kefu vs HiGHS: {:+.3}% cost, time HiGHS/kefu {:.2}x",
            100.0 * (ours.cost - highs.cost) / highs.cost,
            t_highs / t_ours
        );
    }
}
