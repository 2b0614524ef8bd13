"""Benchmark: the smaller costs of issue 20 ("Lab time that costs nothing"), in-process moto.

* paging ``filter_log_events`` through one 20,000-event stream, 100 events a page (was quadratic);
* one lab minute with a logging CloudTrail trail after 3,000 recorded calls (scanned the whole history);
* ``put_log_events`` through a lab client vs an internal client (the metric-filter look-up).

Run:
    python benchmarks/bench_small_costs.py
"""

from __future__ import annotations

import statistics
import time

import labkit

EVENTS = 20_000


def filter_paging() -> None:
    lab = labkit.connect("moto")
    logs = lab.client("logs")
    logs.create_log_group(logGroupName="bench")
    logs.create_log_stream(logGroupName="bench", logStreamName="s")
    start_ms = int(lab.clock.now().timestamp() * 1000) - EVENTS * 1000
    for first in range(0, EVENTS, 5000):
        logs.put_log_events(
            logGroupName="bench",
            logStreamName="s",
            logEvents=[{"timestamp": start_ms + n * 1000, "message": f"line {n}"} for n in range(first, first + 5000)],
        )
    started = time.perf_counter()
    seen, request = 0, {"logGroupName": "bench", "limit": 100}
    while True:
        reply = logs.filter_log_events(**request)
        seen += len(reply["events"])
        if not reply.get("nextToken"):
            break
        request["nextToken"] = reply["nextToken"]
    took = time.perf_counter() - started
    assert seen == EVENTS, seen
    print(f"filter_log_events, {EVENTS:,} events in pages of 100: {took:.2f} s")
    lab.close()


def trail_minute() -> None:
    lab = labkit.connect("moto")
    s3, trail = lab.client("s3"), lab.client("cloudtrail")
    s3.create_bucket(Bucket="bench-trail", CreateBucketConfiguration={"LocationConstraint": lab.region})
    trail.create_trail(Name="bench", S3BucketName="bench-trail")
    trail.start_logging(Name="bench")
    sts = lab.client("sts")
    for _ in range(3000):
        sts.get_caller_identity()
    lab.advance(30)  # delivers what is due
    times = []
    for _ in range(5):
        started = time.perf_counter()
        lab.advance(1)
        times.append(time.perf_counter() - started)
    print(f"one lab minute with a logging trail after 3,000 calls: {statistics.median(times) * 1000:.1f} ms")
    lab.close()


def put_log_events_ratio() -> None:
    lab = labkit.connect("moto")
    client, internal = lab.client("logs"), lab.internal_client("logs")
    client.create_log_group(logGroupName="bench")
    client.create_log_stream(logGroupName="bench", logStreamName="s")
    now_ms = int(lab.clock.now().timestamp() * 1000)

    def timed(logs: object, rounds: int = 200) -> float:
        started = time.perf_counter()
        for n in range(rounds):
            logs.put_log_events(
                logGroupName="bench",
                logStreamName="s",  # type: ignore[attr-defined]
                logEvents=[{"timestamp": now_ms, "message": f"m {n}"}],
            )
        return (time.perf_counter() - started) / rounds

    lab_cost, plain = timed(client), timed(internal)
    print(f"put_log_events: lab client {lab_cost * 1000:.2f} ms, plain {plain * 1000:.2f} ms ({lab_cost / plain:.2f}x)")
    lab.close()


def main() -> None:
    filter_paging()
    trail_minute()
    put_log_events_ratio()


if __name__ == "__main__":
    main()
