"""kefu wfm against pyworkforce (and HiGHS called directly) on the same inputs.

Run by `cargo xtask bench wfm` (env KEFU_BIN = release kefu, cwd = workspace root).
`python run.py --write DIR` only writes the input files.

1. Erlang C staffing, 96 intervals x 100 queues: `kefu wfm staff --intervals` vs
   pyworkforce ErlangC.required_positions per row (agreement counted, traps shown).
2. Erlang A staffing, 96 intervals: pyworkforce 0.5.1 has no Erlang A, so the Python side is
   a plain birth-death-chain implementation written here (labelled as such).
3. Scheduling, 7 days x 96 intervals x ~280 shift types, without and with breaks:
   `kefu wfm schedule` vs HiGHS (highspy) on the identical integer program, and
   pyworkforce MinRequiredResources (OR-tools CP-SAT, 2 workers, 60 s limit).
"""

import csv
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time

INTERVAL_S = 900
SL, T, OCC = 0.8, 20, 0.85


def staffing_rows(queues=100, intervals=96, seed=7):
    rng = random.Random(seed)
    rows = []
    for q in range(queues):
        scale = rng.uniform(5, 400)
        aht = rng.choice([120, 180, 240, 300, 420])
        for i in range(intervals):
            h = i / 4
            shape = math.exp(-((h - 11) ** 2) / 8) + 0.8 * math.exp(-((h - 16) ** 2) / 6)
            calls = round(scale * shape * rng.uniform(0.85, 1.15))
            rows.append((f"2026-01-05T{i // 4:02d}:{i % 4 * 15:02d}", f"q{q}", calls, aht))
    return rows


def write_intervals(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["interval_start", "queue", "calls", "aht_s"])
        w.writerows(rows)


def kefu(args):
    """Runs kefu; returns (parsed JSON, whole-run seconds, compute seconds if reported)."""
    t0 = time.perf_counter()
    p = subprocess.run([os.environ.get("KEFU_BIN", "target/release/kefu"), *args],
                       check=True, capture_output=True, text=True)
    whole = time.perf_counter() - t0
    compute = None
    for line in p.stderr.splitlines():
        if line.startswith("{") and "compute_ms" in line:
            compute = json.loads(line)["compute_ms"] / 1000
    return json.loads(p.stdout), whole, compute


def best_of(args, n=5):
    runs = [kefu(args) for _ in range(n)]
    return runs[0][0], min(r[1] for r in runs), min(r[2] for r in runs)


def bench_erlang_c(tmp):
    rows = staffing_rows()
    path = os.path.join(tmp, "intervals.csv")
    write_intervals(path, rows)
    args = ["wfm", "staff", "--intervals", path, "--interval-s", str(INTERVAL_S),
            "--target-sl", str(SL), "--answer-within-s", str(T), "--max-occupancy", str(OCC),
            "--timing", "--json"]
    ours, whole, compute = best_of(args)
    from pyworkforce.queuing import ErlangC
    t0 = time.perf_counter()
    theirs = []
    for (_, _, calls, aht) in rows:
        if calls == 0:
            theirs.append(None)
            continue
        e = ErlangC(transactions=calls, aht=aht / 60, asa=T / 60, interval=INTERVAL_S / 60)
        theirs.append(e.required_positions(service_level=SL, max_occupancy=OCC)["raw_positions"])
    py = time.perf_counter() - t0
    differ = [(r, o["agents"], p) for r, o, p in zip(rows, ours, theirs)
              if p is not None and o["agents"] != p]
    print(f"Erlang C staffing, {len(rows)} rows (96 intervals x 100 queues):")
    print(f"  kefu staffing (best of 5)       {compute * 1000:9.2f} ms   "
          f"pyworkforce/kefu {py / compute:7.0f}x")
    print(f"  kefu whole CLI run (CSV + JSON) {whole * 1000:9.2f} ms   "
          f"pyworkforce/kefu {py / whole:7.0f}x")
    print(f"  pyworkforce ErlangC loop        {py * 1000:9.2f} ms")
    print(f"  answers that differ: {len(differ)} of {len(rows)}")
    for r, o, p in differ[:3]:
        a = r[2] * r[3] / INTERVAL_S
        print(f"    calls={r[2]} aht={r[3]} A={a:.3f}: kefu {o}, pyworkforce {p}")


def erlang_a_python(a, n, aht, patience, t):
    """Plain M/M/n+M chain (truncated), SL by the tagged customer's chain via
    uniformisation: the Python reference for timing."""
    mu, th = 1 / aht, 1 / patience
    lam = a * mu
    pi = [1.0]
    k = 0
    while True:
        rate = (k + 1) * mu if k + 1 <= n else n * mu + (k + 1 - n) * th
        nxt = pi[-1] * lam / rate
        pi.append(nxt)
        k += 1
        if k > n and nxt < 1e-15 * max(pi):
            break
        if k > 20 * (n + a + 50):
            break
    tot = sum(pi)
    pi = [p / tot for p in pi]
    p_wait = sum(pi[n:])
    # P(served within t | j ahead) with uniformisation rate L.
    J = len(pi) - n
    L = n * mu + (J + 1) * th
    m = L * t
    within = 0.0
    # state vector over "ahead" positions for all j at once (backward equation).
    u = [0.0] * J
    terms = int(m + 10 * math.sqrt(m) + 20)
    pk = math.exp(-m)
    acc = [0.0] * J
    for step in range(terms):
        acc = [x + pk * y for x, y in zip(acc, u)]
        new = []
        for i in range(J):
            move = n * mu + i * th
            ahead = 1.0 if i == 0 else u[i - 1]
            new.append((move * ahead + (L - move - th) * u[i]) / L)
        u = new
        pk *= m / (step + 1)
    within = sum(pi[n + j] * acc[j] for j in range(J))
    return (1 - p_wait) + within


def bench_erlang_a(tmp):
    rows = [r for r in staffing_rows(queues=1, intervals=96, seed=11)]
    rows = [(s, q, c * 3, aht) for (s, q, c, aht) in rows]
    path = os.path.join(tmp, "intervals_a.csv")
    write_intervals(path, rows)
    args = ["wfm", "staff", "--intervals", path, "--interval-s", str(INTERVAL_S),
            "--target-sl", str(SL), "--answer-within-s", str(T), "--patience-s", "180",
            "--timing", "--json"]
    ours, whole, compute = best_of(args)
    t0 = time.perf_counter()
    py_agents = []
    for (_, _, calls, aht) in rows:
        a = calls * aht / INTERVAL_S
        if a == 0:
            py_agents.append(0)
            continue
        lo, hi = 0, max(1, math.ceil(a))
        while erlang_a_python(a, hi, aht, 180, T) < SL:
            lo, hi = hi, hi * 2
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if erlang_a_python(a, mid, aht, 180, T) >= SL:
                hi = mid
            else:
                lo = mid
        py_agents.append(hi)
    py = time.perf_counter() - t0
    same = sum(1 for o, p in zip(ours, py_agents) if o["agents"] == p)
    print(f"Erlang A staffing, {len(rows)} intervals (patience 180 s):")
    print(f"  kefu staffing (best of 5)       {compute * 1000:9.2f} ms   "
          f"Python/kefu {py / compute:7.0f}x")
    print(f"  kefu whole CLI run (CSV + JSON) {whole * 1000:9.2f} ms   "
          f"Python/kefu {py / whole:7.0f}x")
    print(f"  Python chain reference          {py * 1000:9.2f} ms   "
          "(pyworkforce 0.5.1 has no Erlang A; this is a plain M/M/N+M chain in Python)")
    print(f"  same answer: {same} of {len(rows)}")


def schedule_instance(breaks):
    """Shift types ending by 24:00; without breaks: 4/6/8/10 h every 15 min (276 types);
    with breaks: every 30 min, each with two placements of its break (280 types)."""
    step = 30 if breaks else 15
    templates = []
    types = []  # (name, start_min, length_min, [(off, len)], cost)
    for length in (240, 360, 480, 600):
        last = 1440 - length
        if breaks:
            blen = 15 if length == 240 else 60
            first = 105 if length == 240 else (length // 2 - 60)
            offs = [first, first + 30]
            br = [{"minutes": blen, "paid": length == 240, "earliest_after_minutes": offs[0],
                   "latest_after_minutes": offs[1], "every_minutes": 30}]
        else:
            br, offs, blen = [], [None], 0
        templates.append({"name": f"h{length // 60}", "start_from": "00:00",
                          "start_to": f"{last // 60:02d}:{last % 60:02d}",
                          "start_every_minutes": step, "lengths_minutes": [length],
                          "breaks": br})
        for off in offs:
            unpaid = blen if (breaks and length != 240) else 0
            for s in range(0, last + 1, step):
                types.append((s, length, [] if off is None else [(off, blen)],
                              (length - unpaid) // 15))
    spec = {"interval_minutes": 15, "shifts": templates}
    return spec, types


def requirement(seed=3):
    rng = random.Random(seed)
    req = []
    for d in range(7):
        day_scale = 1.0 if d < 5 else 0.6
        row = []
        for p in range(96):
            h = p / 4
            shape = 4 + 90 * math.exp(-((h - 10.5) ** 2) / 6) + 70 * math.exp(-((h - 15.5) ** 2) / 5) \
                + 30 * math.exp(-((h - 20) ** 2) / 4)
            row.append(max(0, round(shape * day_scale * rng.uniform(0.9, 1.1))))
        req.append(row)
    return req


def mask(t):
    s, length, brs, _ = t
    m = [0] * 96
    for k in range(length // 15):
        mm = k * 15
        if any(off <= mm < off + bl for off, bl in brs):
            continue
        m[(s // 15) + k] = 1
    return m


def highs_solve(types, req):
    """HiGHS in its own process: OR-tools (loaded by pyworkforce) clashes with highspy."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"types": types, "req": req}, f)
    try:
        out = subprocess.run([sys.executable, __file__, "--highs", f.name], check=True,
                             capture_output=True, text=True).stdout
    finally:
        os.unlink(f.name)
    r = json.loads(out)
    return r["objective"], r["bound"], r["seconds"]


def highs_direct(types, req):
    import highspy
    import numpy as np
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 1e-4)
    masks = [mask(t) for t in types]
    nvar = 7 * len(types)
    lp = highspy.HighsLp()
    lp.num_col_ = nvar
    lp.num_row_ = 7 * 96
    lp.col_cost_ = np.array([float(t[3]) for _ in range(7) for t in types])
    lp.col_lower_ = np.zeros(nvar)
    lp.col_upper_ = np.full(nvar, highspy.kHighsInf)
    lp.row_lower_ = np.array([float(req[d][p]) for d in range(7) for p in range(96)])
    lp.row_upper_ = np.full(7 * 96, highspy.kHighsInf)
    starts, index, value = [], [], []
    for d in range(7):
        for m in masks:
            starts.append(len(index))
            for p in range(96):
                if m[p]:
                    index.append(d * 96 + p)
                    value.append(1.0)
    starts.append(len(index))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array(starts)
    lp.a_matrix_.index_ = np.array(index)
    lp.a_matrix_.value_ = np.array(value)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * nvar
    h.passModel(lp)
    t0 = time.perf_counter()
    h.run()
    el = time.perf_counter() - t0
    return {"objective": h.getInfo().objective_function_value,
            "bound": h.getInfo().mip_dual_bound, "seconds": el}


def pyworkforce_solve(types, req):
    from pyworkforce.scheduling import MinRequiredResources
    cov = {f"s{i}": mask(t) for i, t in enumerate(types)}
    cost = {f"s{i}": t[3] for i, t in enumerate(types)}
    t0 = time.perf_counter()
    sol = MinRequiredResources(num_days=7, periods=96, shifts_coverage=cov,
                               required_resources=req, max_period_concurrency=10000,
                               max_shift_concurrency=1000, cost_dict=cost,
                               max_search_time=60.0, num_search_workers=2).solve()
    return sol.get("cost"), sol.get("status"), time.perf_counter() - t0


def write_schedule(tmp, breaks):
    spec, types = schedule_instance(breaks)
    req = requirement()
    rq = os.path.join(tmp, f"req_{int(breaks)}.csv")
    with open(rq, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["day", "interval", "required"])
        for d in range(7):
            for p in range(96):
                w.writerow([d, p, req[d][p]])
    sp = os.path.join(tmp, f"shifts_{int(breaks)}.yaml")
    # Costs in quarter-hours of paid time, the integer costs CP-SAT needs.
    for t in spec["shifts"]:
        length = t["lengths_minutes"][0]
        unpaid = sum(b["minutes"] for b in t["breaks"] if not b["paid"])
        t["cost"] = (length - unpaid) // 15
    with open(sp, "w") as f:
        json.dump(spec, f)  # JSON is YAML
    return rq, sp, types, req


def bench_schedule(tmp, breaks):
    rq, sp, types, req = write_schedule(tmp, breaks)
    out, el, _ = kefu(["wfm", "schedule", rq, sp, "--json"])
    label = "with breaks" if breaks else "without breaks"
    print(f"Scheduling {label}: 7 days x 96 intervals x {out['shift_types']} shift types")
    print(f"  kefu      cost {out['cost']:9.1f}  LP bound {out['lower_bound']:9.1f}  "
          f"solve {out['solve_ms']:8.0f} ms (whole run {el * 1000:.0f} ms)")
    try:
        obj, bound, hel = highs_solve(types, req)
        print(f"  HiGHS     cost {obj:9.1f}  bound    {bound:9.1f}  solve {hel * 1000:8.0f} ms"
              " (mip_rel_gap 1e-4)")
        print(f"  kefu vs HiGHS: {100 * (out['cost'] - obj) / obj:+.3f}% cost, "
              f"time ratio HiGHS/kefu {hel * 1000 / out['solve_ms']:.2f}")
    except subprocess.CalledProcessError as e:
        print(f"  HiGHS unavailable: {e.stderr.strip().splitlines()[-1:]}")
    if os.environ.get("WFM_SKIP_PYWORKFORCE_SCHEDULE") != "1":
        cost, status, pel = pyworkforce_solve(types, req)
        print(f"  pyworkforce (CP-SAT) cost {cost} status {status} in {pel * 1000:.0f} ms")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--highs":
        with open(sys.argv[2]) as f:
            d = json.load(f)
        print(json.dumps(highs_direct([tuple(t) for t in d["types"]], d["req"])))
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        os.makedirs(sys.argv[2], exist_ok=True)
        write_intervals(os.path.join(sys.argv[2], "intervals.csv"), staffing_rows())
        for b in (False, True):
            write_schedule(sys.argv[2], b)
        return
    with tempfile.TemporaryDirectory() as tmp:
        bench_erlang_c(tmp)
        bench_erlang_a(tmp)
        for b in (False, True):
            bench_schedule(tmp, b)


if __name__ == "__main__":
    main()
