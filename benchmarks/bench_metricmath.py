"""Speed of labkit's metric math engine (:mod:`labkit.aws.metricmath`) on a week of 1-minute data.

Evaluates a typical GetMetricData request — an error rate ``100 * errors / requests``, a
``FILL(METRICS(), 0)``, a ``RATE`` and an ``IF`` — over two metrics with 10,080 datapoints each
(one every minute for seven days, every tenth minute missing), and prints datapoints per second
next to a plain numpy computation of the error rate alone (what alignment and validation cost).
Run:

    python benchmarks/bench_metricmath.py            # 7 days
    python benchmarks/bench_metricmath.py --days 30

No target in issue 16; recorded in the README's "Measured" table.
"""

from __future__ import annotations

import argparse
import sys
import time

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))  # run from a checkout

import numpy as np

from labkit.aws.metricmath import Series, evaluate

T0 = 1_780_272_000  # 2026-06-01 00:00 UTC
EXPRESSIONS = {
    "rate": "100 * errors / requests",
    "filled": "FILL(METRICS(), 0)",
    "per_second": "RATE(requests)",
    "bad": "IF(rate > 5, 1, 0)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5, help="best of this many runs")
    args = parser.parse_args()
    minutes = np.arange(args.days * 1440)
    kept = minutes[minutes % 10 != 9]
    times = T0 + 60 * kept
    rng = np.random.default_rng(0)
    requests = Series("requests", "Requests", 60, times, rng.integers(50, 150, len(times)).astype(float))
    errors = Series("errors", "Errors", 60, times, rng.integers(0, 10, len(times)).astype(float))
    metrics = {"errors": errors, "requests": requests}
    end = T0 + 60 * len(minutes)

    best = float("inf")
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = evaluate(EXPRESSIONS, metrics, T0, end)
        best = min(best, time.perf_counter() - started)
    best_numpy = float("inf")
    for _ in range(args.repeat):
        started = time.perf_counter()
        plain = 100 * errors.values / requests.values
        best_numpy = min(best_numpy, time.perf_counter() - started)
    assert np.allclose(result["rate"][0].values, plain)
    points = 2 * len(times)
    print(
        f"{len(EXPRESSIONS)} expressions over 2 x {len(times):,} datapoints ({args.days} days of 1-minute data): "
        f"{best * 1000:.1f} ms, {points / best / 1e6:.2f} M input datapoints/s"
    )
    print(f"error rate alone, plain numpy: {best_numpy * 1000:.3f} ms")


if __name__ == "__main__":
    main()
