"""Cross-check of `kefu sla due` / `kefu sla elapsed` against an independent reference.

The reference is written from the definition with Python's own time-zone database (zoneinfo +
tzdata, not chrono-tz): an instant is working when its local wall time lies in a working range
of its local date; business time is counted minute by minute. Random cases around the DST
changes of New York and Berlin, Lord Howe's half-hour DST, Beirut and Santiago (changes at midnight), Gaza and Noronha (summer time left and re-entered
within a week) and China's 2026 National Day holiday
with its 调休 Sunday. Prints agreements and the time per CLI call versus the reference.
"""

import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from zoneinfo import ZoneInfo

KEFU = os.environ.get("KEFU_BIN", "target/release/kefu")
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

CALENDARS = {
    "cn": {
        "time_zone": "Asia/Shanghai",
        "weekly": {d: ["09:00-12:00", "13:00-18:00"] for d in WEEKDAYS[:5]},
        "holidays": ["2026-10-01..2026-10-07", "2026-12-25"],
        "extra_workdays": {"2026-09-27": "mon"},
    },
    "ny": {
        "time_zone": "America/New_York",
        "weekly": {**{d: ["09:00-17:00"] for d in WEEKDAYS[:5]}, "sun": ["00:00-01:30", "01:30-02:30", "03:00-24:00"]},
        "holidays": ["2026-11-26"],
        "extra_workdays": {},
    },
    "berlin": {
        "time_zone": "Europe/Berlin",
        "weekly": {**{d: ["08:00-16:00"] for d in WEEKDAYS[:5]}, "fri": ["08:00-16:00", "22:00-24:00"], "sat": ["00:00-06:00"], "sun": ["00:00-24:00"]},
        "holidays": [],
        "extra_workdays": {},
    },
    "lord_howe": {
        "time_zone": "Australia/Lord_Howe",
        "weekly": {d: ["01:00-03:00", "09:00-17:00"] for d in WEEKDAYS},
        "holidays": [],
        "extra_workdays": {},
    },
    "beirut": {
        "time_zone": "Asia/Beirut",
        "weekly": {"fri": ["23:30-24:00"], "sat": ["21:00-24:00"], "sun": ["00:00-02:00", "08:00-09:00"]},
        "holidays": [],
        "extra_workdays": {},
    },
    "santiago": {
        "time_zone": "America/Santiago",
        "weekly": {"sat": ["22:30-24:00"], "sun": ["00:00-00:45", "10:00-11:00"], "mon": ["09:00-18:00"]},
        "holidays": [],
        "extra_workdays": {},
    },
    "gaza": {
        "time_zone": "Asia/Gaza",
        "weekly": {d: ["00:20-00:40", "01:00-01:45", "02:15-03:00", "09:00-17:00", "22:00-23:30"] for d in WEEKDAYS},
        "holidays": [],
        "extra_workdays": {},
    },
}

ANCHORS = ["2000-10-05", "2040-10-17", "2026-03-06", "2026-03-27", "2026-04-03", "2026-09-24", "2026-10-02", "2026-10-23", "2026-10-30", "2026-12-22"]


def to_yaml(cal):
    """The calendar in the YAML format (flow style; JSON is valid YAML)."""
    return json.dumps(cal)


def seconds(hhmm):
    h, m = hhmm.split(":")
    return int(h) * 3600 + int(m) * 60


class Reference:
    def __init__(self, cal):
        self.zone = ZoneInfo(cal["time_zone"])
        self.weekly = {WEEKDAYS.index(d): [tuple(seconds(x) for x in r.split("-")) for r in rs] for d, rs in cal["weekly"].items()}
        self.holidays = set()
        for h in cal["holidays"]:
            a, _, b = h.partition("..")
            a = dt.date.fromisoformat(a)
            b = dt.date.fromisoformat(b or h)
            while a <= b:
                self.holidays.add(a)
                a += dt.timedelta(days=1)
        self.extra = {dt.date.fromisoformat(k): WEEKDAYS.index(v) for k, v in cal["extra_workdays"].items()}

    def working(self, t):
        local = t.astimezone(self.zone)
        d = local.date()
        if d in self.extra:
            ranges = self.weekly.get(self.extra[d], [])
        elif d in self.holidays:
            ranges = []
        else:
            ranges = self.weekly.get(d.weekday(), [])
        s = local.hour * 3600 + local.minute * 60 + local.second
        return any(a <= s < b for a, b in ranges)

    def elapsed_minutes(self, start, end):
        n, t = 0, start
        while t < end:
            n += self.working(t)
            t += dt.timedelta(minutes=1)
        return n

    def due(self, start, minutes):
        if minutes == 0:
            return start
        n, t = 0, start
        while True:
            if self.working(t):
                n += 1
                if n == minutes:
                    return t + dt.timedelta(minutes=1)
            t += dt.timedelta(minutes=1)


def kefu(*args):
    out = subprocess.run([KEFU, "sla", *args, "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"kefu failed: {out.stderr}")
    return json.loads(out.stdout)


def main():
    rng = random.Random(20261001)
    cases = int(os.environ.get("SLA_CASES", "200"))
    agree = total = 0
    kefu_time = ref_time = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, cal in CALENDARS.items():
            paths[name] = os.path.join(tmp, f"{name}.yaml")
            with open(paths[name], "w") as f:
                f.write(to_yaml(cal))
        for i in range(cases):
            name = rng.choice(sorted(CALENDARS))
            ref = Reference(CALENDARS[name])
            start = dt.datetime.fromisoformat(rng.choice(ANCHORS) + "T00:00:00+00:00") + dt.timedelta(minutes=rng.randrange(6 * 1440))
            if i % 2 == 0:
                minutes = rng.randrange(1, 12000)
                t0 = time.perf_counter()
                got = kefu("due", "--calendar", paths[name], "--start", start.isoformat(), "--minutes", str(minutes))
                t1 = time.perf_counter()
                want = ref.due(start, minutes)
                t2 = time.perf_counter()
                ok = dt.datetime.fromisoformat(got["due_utc"].replace("Z", "+00:00")) == want
                # The printed local time must carry the zone's offset at that instant.
                ok = ok and dt.datetime.fromisoformat(got["due"]).utcoffset() == want.astimezone(ref.zone).utcoffset()
                what = f"due {name} {start.isoformat()} +{minutes} min: kefu {got['due']}, reference {want.astimezone(ref.zone).isoformat()}"
            else:
                end = start + dt.timedelta(minutes=rng.randrange(16 * 1440))
                t0 = time.perf_counter()
                got = kefu("elapsed", "--calendar", paths[name], "--from", start.isoformat(), "--to", end.isoformat())
                t1 = time.perf_counter()
                want = ref.elapsed_minutes(start, end)
                t2 = time.perf_counter()
                ok = got["minutes"] == want and got["seconds"] == want * 60
                what = f"elapsed {name} {start.isoformat()}..{end.isoformat()}: kefu {got['minutes']}, reference {want}"
            kefu_time += t1 - t0
            ref_time += t2 - t1
            total += 1
            agree += ok
            if not ok:
                print("MISMATCH", what)
    print(f"sla: {agree}/{total} cases agree with the zoneinfo minute-by-minute reference")
    print(f"sla: mean per case: kefu CLI {1000 * kefu_time / total:.2f} ms (process start included), reference {1000 * ref_time / total:.2f} ms")
    if agree != total:
        sys.exit(1)


if __name__ == "__main__":
    main()
