"""kefu kpi against an independent pandas computation of the same KPIs.

Generates a month of interactions (seeded), runs `$KEFU_BIN kpi --json` hourly by queue in
Asia/Shanghai and daily by agent in America/New_York (across the 2026-03-08 DST change),
recomputes the counts and rates with pandas group-bys, checks that they agree, and prints the
time each took.
"""

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd

N = int(os.environ.get("KPI_BENCH_N", "200000"))
SHORT_MS, T_MS = 5000, 20000
START = datetime(2026, 3, 1, tzinfo=timezone.utc)


def iso(t):
    return t.isoformat().replace("+00:00", "Z")


def generate(path):
    rng = random.Random(7)
    with open(path, "w") as f:
        for n in range(N):
            offered = START + timedelta(milliseconds=rng.randrange(31 * 86_400_000))
            kind = rng.randrange(10)
            wait = timedelta(milliseconds=rng.randrange(120_000))
            agent = f"a{rng.randrange(30)}"
            rec = {
                "id": f"c{n}", "channel": "voice", "direction": "inbound",
                "queue": f"q{rng.randrange(4)}", "team": None, "agent": None,
                "customer": None, "offered_at": iso(offered), "answered_at": None,
                "abandoned_at": None, "ended_at": None, "ring_s": 0, "talk_s": 0,
                "hold_s": 0, "acw_s": 0, "disposition": None, "outcome": None,
            }
            if kind < 6 or kind == 9:
                rec["answered_at"] = iso(offered + wait)
                rec["agent"] = agent
                rec["team"] = f"t{int(agent[1:]) % 3}"
                rec["ring_s"] = rng.randrange(30)
                rec["talk_s"] = rng.randrange(30, 900) + rng.randrange(1000) / 1000
                rec["hold_s"] = rng.randrange(60)
                rec["acw_s"] = rng.randrange(120)
            elif kind < 8:
                rec["abandoned_at"] = iso(offered + wait / 8)
            else:
                rec["ended_at"] = iso(offered + wait)
            if kind == 9:
                rec["direction"] = "outbound"
                rec["outcome"] = "success" if rng.random() < 0.3 else "connected"
            f.write(json.dumps(rec) + "\n")


def reference(path, tz, interval, by):
    df = pd.read_json(path, lines=True, dtype=False)
    for c in ["offered_at", "answered_at", "abandoned_at", "ended_at"]:
        df[c] = pd.to_datetime(df[c], utc=True, format="ISO8601")
    local = df["offered_at"].dt.tz_convert(tz)
    df["start"] = local.dt.floor("h") if interval == "60" else local.dt.normalize()
    # whole milliseconds, rounded half up, as kefu does
    ms = lambda td: np.floor(((td.dt.total_seconds() * 1e6).round() + 500) / 1000)
    inbound = df["direction"] == "inbound"
    ans = df["answered_at"].notna()
    ab = df["abandoned_at"].notna()
    q_ans = ms(df["answered_at"] - df["offered_at"])
    q_ab = ms(df["abandoned_at"] - df["offered_at"])
    q_end = ms(df["ended_at"] - df["offered_at"]).fillna(0)
    short = inbound & ab & (q_ab < SHORT_MS)
    offered = inbound & ~short
    queue_ms = q_ans.where(ans, q_ab.where(ab, q_end))
    secs = lambda c: (df[c] * 1000).round()
    g = pd.DataFrame({
        "start": df["start"], "key": df[by],
        "offered": offered, "short_abandoned": short,
        "answered": inbound & ans, "abandoned": offered & ab,
        "answered_within_t": inbound & ans & (q_ans <= T_MS),
        "queue_ms_answered": q_ans.where(inbound & ans, 0),
        "queue_ms_offered": queue_ms.where(offered, 0),
        "handled": ans,
        "handle_ms": (secs("talk_s") + secs("hold_s") + secs("acw_s")).where(ans, 0),
        "outbound_dials": ~inbound,
    }).groupby(["start", "key"], dropna=False).sum()
    g["answer_rate"] = g["answered"] / g["offered"]
    g["service_level"] = g["answered_within_t"] / g["offered"]
    g["asa_s"] = g["queue_ms_answered"] / 1000 / g["answered"]
    g["avg_queue_time_s"] = g["queue_ms_offered"] / 1000 / g["offered"]
    g["aht_s"] = g["handle_ms"] / 1000 / g["handled"]
    return g


def compare(report, ref, by):
    rows = {(r["start"], r[by]): r for r in report["rows"]}
    assert len(rows) == len(ref), f"{len(rows)} rows from kefu, {len(ref)} from pandas"
    for (start, key), want in ref.iterrows():
        got = rows[(start.isoformat(), None if pd.isna(key) else key)]
        for c in ["offered", "short_abandoned", "answered", "abandoned", "answered_within_t",
                  "queue_ms_answered", "queue_ms_offered", "handled", "outbound_dials"]:
            assert got[c] == int(want[c]), (start, key, c, got[c], want[c])
        assert got["talk_ms"] + got["hold_ms"] + got["acw_ms"] == int(want["handle_ms"])
        for c in ["answer_rate", "service_level", "asa_s", "avg_queue_time_s", "aht_s"]:
            w = want[c]
            if pd.isna(w) or w in (float("inf"),):
                assert got[c] is None, (start, key, c, got[c])
            else:
                assert abs(got[c] - w) < 1e-9 * max(1, abs(w)), (start, key, c, got[c], w)
    return len(rows)


def main():
    kefu = os.environ.get("KEFU_BIN", "target/release/kefu")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "interactions.jsonl")
        generate(path)
        for tz, interval, by in [("Asia/Shanghai", "60", "queue"),
                                 ("America/New_York", "day", "agent")]:
            t0 = time.perf_counter()
            out = subprocess.run(
                [kefu, "kpi", "--interactions", path, "--interval", interval, "--by", by,
                 "--tz", tz, "--json"], check=True, capture_output=True)
            t_kefu = time.perf_counter() - t0
            t0 = time.perf_counter()
            ref = reference(path, tz, interval, by)
            t_pandas = time.perf_counter() - t0
            n = compare(json.loads(out.stdout), ref, by)
            print(f"kpi {N} interactions, {interval} by {by} in {tz}: {n} rows agree; "
                  f"kefu {t_kefu:.2f} s, pandas {t_pandas:.2f} s")


if __name__ == "__main__":
    sys.exit(main())
