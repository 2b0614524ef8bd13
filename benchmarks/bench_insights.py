"""Throughput of labkit's Logs Insights engine (:mod:`labkit.aws.insights`) over generated sshd lines.

Prints events per second for ``filter @message like /Failed password/ | stats count(*) by bin(5m)``
over generated events, next to a plain Python loop computing the same counts (the ratio says what
the engine's generality costs), and checks both agree. Run:

    python benchmarks/bench_insights.py                 # 1,000,000 events
    python benchmarks/bench_insights.py --events 100000

Target (issue 16): >= 500k events/s for this query over 1,000,000 events.
"""

from __future__ import annotations

import argparse
import re
import sys
import time

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))  # run from a checkout

from labkit.aws.filterpattern.samples import sshd_lines
from labkit.aws.insights import compile

QUERY = "filter @message like /Failed password/ | stats count(*) by bin(5m)"
T0 = 1_780_272_000_000  # 2026-06-01 00:00 UTC, in ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()
    lines = sshd_lines(args.events)
    events = [
        {"@timestamp": T0 + 250 * i, "@message": m, "@logStream": "i-0aaa", "@log": "123456789012:/var/log/secure"}
        for i, m in enumerate(lines)
    ]
    plan = compile(QUERY)

    best_engine = float("inf")
    for _ in range(args.repeat):
        started = time.perf_counter()
        rows = plan.run(events).rows
        best_engine = min(best_engine, time.perf_counter() - started)

    search = re.compile("Failed password").search
    best_loop = float("inf")
    for _ in range(args.repeat):
        started = time.perf_counter()
        counts: dict[int, int] = {}
        for e in events:
            if search(e["@message"]):
                t = e["@timestamp"]
                key = t - t % 300_000
                counts[key] = counts.get(key, 0) + 1
        best_loop = min(best_loop, time.perf_counter() - started)

    assert {int(r["bin(5m)"]): r["count(*)"] for r in rows} == counts, "engine and loop disagree"
    engine_rate, loop_rate = len(events) / best_engine, len(events) / best_loop
    print(f"query: {QUERY}")
    print(f"events: {len(events):,}, bins: {len(rows)}, matched: {sum(counts.values()):,}")
    print(f"labkit.aws.insights: {engine_rate / 1e3:,.0f} k events/s ({best_engine:.2f} s)")
    print(f"plain loop:      {loop_rate / 1e3:,.0f} k events/s ({best_loop:.2f} s)")
    print(f"ratio engine/loop: {engine_rate / loop_rate:.2f}x   target: >= 500 k events/s")


if __name__ == "__main__":
    main()
