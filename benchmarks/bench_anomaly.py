"""What labkit's anomaly band costs: training on two weeks of 1-minute history, in a lab.

Stores 14 days of one datapoint a minute (20,160) for one metric, creates its anomaly detector, lets
15 lab minutes pass (training), then times, side by side on the same lab:

* ``GetMetricData`` of the metric alone over the last 3 hours (the baseline);
* the same request with ``ANOMALY_DETECTION_BAND(m1, 2)`` — cold (each of the hours in the range
  trains a model on its two weeks: 4 trainings) and warm (the hourly models are kept);
* ``labkit.aws.anomaly.train`` alone on the 20,160 points (the pure engine).

Run:
    python benchmarks/bench_anomaly.py [--days 14] [--repeat 5]

No target in issue 16; the ratios go in the README's "Measured" table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))  # run from a checkout

import numpy as np

import labkit
from labkit.aws import anomaly
from labkit.emulator.cloudwatch_anomaly import AnomalyDetectors
from labkit.emulator.cloudwatch_metrics import CloudWatchMetrics
from labkit.runtime.clock import DEFAULT_START

DIMS = [{"Name": "Service", "Value": "web"}]
METRIC = {"Namespace": "Lab/App", "MetricName": "Latency", "Dimensions": DIMS}


def best_of(repeat: int, run: object) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--repeat", type=int, default=5, help="best of this many runs")
    args = parser.parse_args()
    lab = labkit.connect("moto")
    try:
        start = int(DEFAULT_START.timestamp())
        when = np.arange(start - args.days * 86_400, start, 60, dtype=np.int64)
        minutes = (when // 60) % 1440
        values = 100 + 50 * np.sin(2 * np.pi * minutes / 1440) + np.random.default_rng(0).normal(0, 5, len(when))
        ones = np.ones(len(when))
        store = lab.emulator.plugin(CloudWatchMetrics).store
        micros = when * 1_000_000  # the store keeps microseconds since the epoch
        store.put_columns("Lab/App", "Latency", DIMS, micros, ones, values, values, values, None, DEFAULT_START)
        cloudwatch = lab.client("cloudwatch")
        cloudwatch.put_anomaly_detector(SingleMetricAnomalyDetector={**METRIC, "Stat": "Average"})
        lab.advance(minutes=15)
        end = lab.clock.now()
        window = {"StartTime": end - dt.timedelta(hours=3), "EndTime": end}
        metric = {"Id": "m1", "MetricStat": {"Metric": METRIC, "Period": 60, "Stat": "Average"}}
        band = [metric, {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)"}]
        detectors = lab.emulator.plugin(AnomalyDetectors)

        plain = best_of(args.repeat, lambda: cloudwatch.get_metric_data(MetricDataQueries=[metric], **window))

        def cold() -> None:
            detectors._models.clear()
            cloudwatch.get_metric_data(MetricDataQueries=band, **window)

        cold_time = best_of(args.repeat, cold)
        warm = best_of(args.repeat, lambda: cloudwatch.get_metric_data(MetricDataQueries=band, **window))
        results = cloudwatch.get_metric_data(MetricDataQueries=band, **window)["MetricDataResults"]
        assert [len(r["Values"]) for r in results] == [165, 180, 180], (
            "the band must have values"
        )  # data ends at the start
        engine = best_of(args.repeat, lambda: anomaly.train(when, values, until=start, period=60))
        print(f"history: {len(when):,} datapoints ({args.days} days of 1-minute data)")
        print(f"GetMetricData, metric alone, 3 hours:            {plain * 1000:8.1f} ms")
        print(
            f"  + ANOMALY_DETECTION_BAND, cold (4 trainings):  {cold_time * 1000:8.1f} ms  ({cold_time / plain:.1f}x)"
        )
        print(f"  + ANOMALY_DETECTION_BAND, warm (models kept):  {warm * 1000:8.1f} ms  ({warm / plain:.1f}x)")
        print(f"labkit.aws.anomaly.train alone, {len(when):,} points: {engine * 1000:6.1f} ms")
    finally:
        lab.close()


if __name__ == "__main__":
    main()
