"""One simulated day of 1M contacts with 5k agents: `kefu sim` against the same model in SimPy.

Run by `cargo xtask bench` (or `cargo xtask bench sim`) with KEFU_BIN pointing at the release
binary. Prints both run times, the ratio, and both results side by side (they are two
independent simulations of one model, so they agree within sampling error, not exactly).
Set SIM_BENCH_SCALE=0.1 for a tenth of the day's contacts and agents' load (quick check).
"""

import json
import os
import random
import subprocess
import sys
import tempfile
import time

import simpy

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = os.path.join(HERE, "day.yaml")

# The model of day.yaml (checked against the file below).
QUEUES = 10
AGENTS_PER_QUEUE = 500
CONTACTS_PER_QUEUE_PER_DAY = 100_000
HANDLE_MEAN_S = 415.0
PATIENCE_MEAN_S = 180.0
SL_THRESHOLD_S = 20.0
DAY_S = 86_400.0


def check_scenario(text):
    for needle in (
        "mean_s: 415}",
        "mean_s: 180}",
        "count: 500",
        "rate_per_hour: 4166.6667",
    ):
        if needle not in text:
            sys.exit(f"run.py's model is out of date with day.yaml (no {needle!r})")


def simpy_day(seed, scale):
    rng = random.Random(seed)
    env = simpy.Environment()
    stats = {"offered": 0, "answered": 0, "abandoned": 0, "within": 0, "wait": 0.0, "busy": 0.0}
    rate = CONTACTS_PER_QUEUE_PER_DAY * scale / DAY_S
    agents = max(1, round(AGENTS_PER_QUEUE * scale))

    def customer(pool):
        t0 = env.now
        stats["offered"] += 1
        patience = rng.expovariate(1.0 / PATIENCE_MEAN_S)
        with pool.request() as req:
            got = yield req | env.timeout(patience)
            if req in got:
                wait = env.now - t0
                stats["answered"] += 1
                stats["wait"] += wait
                if wait <= SL_THRESHOLD_S:
                    stats["within"] += 1
                handle = rng.expovariate(1.0 / HANDLE_MEAN_S)
                stats["busy"] += handle
                yield env.timeout(handle)
            else:
                stats["abandoned"] += 1

    def arrivals(pool):
        while True:
            yield env.timeout(rng.expovariate(rate))
            if env.now >= DAY_S:
                return
            env.process(customer(pool))

    for _ in range(QUEUES):
        pool = simpy.Resource(env, capacity=agents)
        env.process(arrivals(pool))
    env.run()
    return {
        "offered": stats["offered"],
        "answered": stats["answered"],
        "abandoned": stats["abandoned"],
        "service_level": stats["within"] / stats["offered"],
        "asa_s": stats["wait"] / max(1, stats["answered"]),
        "abandon_rate": stats["abandoned"] / stats["offered"],
        "occupancy": stats["busy"] / (QUEUES * agents * DAY_S),
    }


def main():
    kefu = os.environ.get("KEFU_BIN", "target/release/kefu")
    scale = float(os.environ.get("SIM_BENCH_SCALE", "1"))
    with open(SCENARIO) as f:
        text = f.read()
    check_scenario(text)
    scenario = SCENARIO
    if scale != 1:
        # Scale arrivals and agents alike (same load per agent).
        text = text.replace("rate_per_hour: 4166.6667", f"rate_per_hour: {4166.6667 * scale}")
        text = text.replace("count: 500", f"count: {max(1, round(500 * scale))}")
        tmp = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
        tmp.write(text)
        tmp.close()
        scenario = tmp.name

    t = time.perf_counter()
    out = subprocess.run([kefu, "sim", scenario, "--json", "--seed", "1"], check=True, capture_output=True)
    kefu_s = time.perf_counter() - t
    k = json.loads(out.stdout)["totals"]

    t = time.perf_counter()
    s = simpy_day(1, scale)
    simpy_s = time.perf_counter() - t

    print(f"sim: one day, {k['offered']:,} contacts, {QUEUES * max(1, round(AGENTS_PER_QUEUE * scale)):,} agents")
    print(f"sim: kefu sim  {kefu_s:8.2f} s")
    print(f"sim: SimPy     {simpy_s:8.2f} s")
    print(f"sim: SimPy / kefu = {simpy_s / kefu_s:.1f}x")
    print(f"sim: {'':14} {'kefu':>10} {'SimPy':>10}")
    for key in ("offered", "answered", "abandoned", "service_level", "asa_s", "abandon_rate", "occupancy"):
        kv, sv = k[key], s[key]
        fmt = (lambda v: f"{v:10,d}") if isinstance(kv, int) else (lambda v: f"{v:10.4f}")
        print(f"sim: {key:14} {fmt(kv)} {fmt(sv)}")


if __name__ == "__main__":
    main()
