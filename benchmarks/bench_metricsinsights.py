"""Speed of labkit's Metrics Insights engine (:mod:`labkit.aws.metricsinsights`) on a fleet's CPU.

Runs ``SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) GROUP BY InstanceId ORDER BY MAX()
DESC LIMIT 10`` (a "Top N" query, the syntax page's own example shape) and the ungrouped
``SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId)`` over N instances with one datapoint a
minute for the two weeks a query may read, at a 5-minute period, and prints input datapoints per second.
Run:

    python benchmarks/bench_metricsinsights.py                 # 100 instances, 14 days
    python benchmarks/bench_metricsinsights.py --instances 500 --days 1

No target in issue 16; recorded in the README's "Measured" table.
"""

from __future__ import annotations

import argparse
import sys
import time

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))  # run from a checkout

import numpy as np

from labkit.aws import metricsinsights as mi

T0 = 1_780_272_000  # 2026-06-01 00:00 UTC
QUERIES = {
    "top 10": 'SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) GROUP BY InstanceId ORDER BY MAX() DESC LIMIT 10',
    "fleet average": 'SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId)',
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instances", type=int, default=100)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()
    minutes = args.days * 1440
    when = (T0 + 60 * np.arange(minutes, dtype=np.int64)) * 1_000_000
    rng = np.random.default_rng(0)
    fleet = []
    for n in range(args.instances):
        values = rng.uniform(0, 100, minutes)
        fleet.append(
            mi.Metric(
                "AWS/EC2",
                "CPUUtilization",
                {"InstanceId": f"i-{n:017x}"},
                {
                    "when": when,
                    "count": np.ones(minutes),
                    "total": values,
                    "minimum": values,
                    "maximum": values,
                },
            )
        )
    points = args.instances * minutes
    end = T0 + 60 * minutes
    for name, text in QUERIES.items():
        query = mi.compile(text)
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            results = mi.run(query, fleet, T0, end, 300)
            best = min(best, time.perf_counter() - started)
        print(
            f"{name}: {args.instances} metrics x {minutes:,} datapoints ({points:,}) -> {len(results)} series "
            f"in {best * 1000:.0f} ms ({points / best / 1e6:.1f} M datapoints/s)"
        )


if __name__ == "__main__":
    main()
