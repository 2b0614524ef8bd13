"""Benchmark: what lab time costs as metric history grows (issue 20, "Lab time that costs nothing").

Measured side by side in one run, on in-process moto:

* one simulated minute (``lab.advance``) with no history and after 30 days of history, with
  1 and 10 alarms on 1 and 10 instances (CPU time over 6 lab hours, median of 5 interleaved rounds;
  ``--minutes-only`` measures only this): target ratio <= 1.5x;
* memory per stored datapoint (tracemalloc over a 7-day backfill): target <= 100 bytes;
* a 7-day backfill of one instance: target <= 0.2 s;
* the first lab hour of a lab that never uses EC2 (the budgets plugin's hourly accrual);
* one lab day with 10 alarms, alarm evaluation skipping on and off (CPU seconds, median of 3
  interleaved runs, and the ratio): ``--skipping-only`` measures only this;
* advancing 30 days with 10 alarms: target <= 5 s (``--skip-month`` leaves it out).

``--one-instance`` leaves out the rows with 10 instances; ``--backfill-only`` measures only the
backfill and its memory; ``--skipping-only`` only the lab day with skipping on and off; ``--month-only``
only the 30 days, and with ``--before <rev>`` that commit (exported with ``git archive``, as ``bench_run.py``
does) and this checkout side by side, each in a fresh interpreter, alternating for ``--rounds`` rounds (CPU s;
``--alarms 0``: the same month without alarms, what the plugins' minutes cost).

Run:
    python benchmarks/bench_metrics.py
    python benchmarks/bench_metrics.py --month-only --before main --rounds 3
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
import tracemalloc

import labkit
from labkit.emulator import ec2_workload
from labkit.emulator.cloudwatch_alarms import CloudWatchAlarms
from labkit.emulator.cloudwatch_metrics import CloudWatchMetrics
from labkit.lesson import ec2
from labkit.runtime.lab import Lab

MINUTES = 60
#: A minute's cost is the CPU time of advancing this many lab hours, divided by its minutes: one hour held
#: spikes (an EC2 instance's periods sampled ahead, each series' first flush) in some runs and not in others,
#: so its medians moved by more than the margin (1.56-1.94x one evening, 0.96-1.31x with 3 hours).
WINDOW_HOURS = 6


def stored_datapoints(lab: Lab) -> int:
    """How many datapoints the lab holds, wherever the emulator keeps them."""
    store = getattr(lab.emulator.plugin(CloudWatchMetrics), "store", None)
    if store is not None:
        return int(store.size)
    from moto.cloudwatch.models import cloudwatch_backends

    return len(cloudwatch_backends[lab.account_id][lab.region].metric_data)


def lab_with(instances: int, alarms: int, history_days: float) -> tuple[Lab, list[ec2_workload.LabInstance]]:
    lab = labkit.connect("moto")
    launched = [ec2.launch(lab, history_days=history_days, seed=7 + i) for i in range(instances)]
    cloudwatch = lab.client("cloudwatch")
    for number in range(alarms):
        instance = launched[number % instances]
        cloudwatch.put_metric_alarm(
            AlarmName=f"cpu-{number}",
            Namespace="AWS/EC2",
            MetricName="CPUUtilization",
            Dimensions=instance.dimensions,
            Statistic="Average",
            Period=300,
            EvaluationPeriods=3,
            Threshold=50 + number,
            ComparisonOperator="GreaterThanThreshold",
        )
    return lab, launched


def minute_cost(lab: Lab) -> float:
    """CPU seconds per lab minute over :data:`WINDOW_HOURS` (``time.process_time``: the machine's load counts less)."""
    lab.advance(MINUTES)  # the first hour boundary starts plugins' state; not what a later minute costs
    start = time.process_time()
    lab.advance(MINUTES * WINDOW_HOURS)
    return (time.process_time() - start) / (MINUTES * WINDOW_HOURS)


def minute_ratios(rounds: int, most_instances: int) -> None:
    print(
        f"CPU per lab minute over {WINDOW_HOURS} lab hours, median of {rounds} interleaved rounds\n"
        f"{'instances':>9} {'alarms':>6} {'no history':>12} {'30 days':>12} {'ratio':>7}   target <= 1.5x"
    )
    for instances, alarms in ((1, 1), (1, 10), (10, 1), (10, 10)):
        if instances > most_instances:
            continue
        fresh_times: list[float] = []
        old_times: list[float] = []
        # Interleaved, so that the machine's load hits both alike.
        for _ in range(rounds):
            fresh, _ = lab_with(instances, alarms, 0)
            fresh_times.append(minute_cost(fresh))
            fresh.close()
            old, _ = lab_with(instances, alarms, 30)
            old_times.append(minute_cost(old))
            old.close()
        a, b = statistics.median(fresh_times), statistics.median(old_times)
        print(
            f"{instances:>9} {alarms:>6} {a * 1000:>9.2f} ms {b * 1000:>9.2f} ms {b / a:>6.2f}x   "
            f"({', '.join(f'{t * 1000:.2f}' for t in fresh_times)} | {', '.join(f'{t * 1000:.2f}' for t in old_times)})"
        )


def memory_and_backfill() -> None:
    lab = labkit.connect("moto")
    ec2.launch(lab)  # moto's EC2 backend starts on first use: not part of a backfill
    held = stored_datapoints(lab)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    ec2.launch(lab, history_days=7)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    count = stored_datapoints(lab) - held
    print(
        f"7-day history of one instance: {count:,} datapoints, {(after - before) / 2**20:.1f} MiB, "
        f"{(after - before) / count:.0f} bytes per datapoint   target <= 100"
    )
    lab.close()
    times = []
    for _ in range(3):
        lab = labkit.connect("moto")
        ec2.launch(lab)
        start = time.perf_counter()
        ec2.launch(lab, history_days=7)
        times.append(time.perf_counter() - start)
        lab.close()
    print(f"7-day backfill of one instance: {statistics.median(times):.3f} s (median of 3)   target <= 0.2 s")


def first_hour_without_ec2() -> None:
    times = []
    for _ in range(3):
        lab = labkit.connect("moto")
        lab.client("logs").create_log_group(logGroupName="bench")
        start = time.perf_counter()
        lab.advance(MINUTES)
        times.append(time.perf_counter() - start)
        lab.close()
    print(f"first lab hour of a lab that never uses EC2: {statistics.median(times):.3f} s (median of 3)")


def day_with_and_without_skipping(rounds: int = 3) -> None:
    """Alarm evaluation skipping (labkit.emulator.cloudwatch_alarms) measured against evaluating every
    minute, in CPU seconds (``time.process_time``: the shared machine's load counts less), interleaved."""
    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(rounds):
        for skipping in (False, True):
            lab, _ = lab_with(1, 10, 0)
            lab.emulator.plugin(CloudWatchAlarms).skipping = skipping
            start = time.process_time()
            lab.advance(hours=24)
            times[skipping].append(time.process_time() - start)
            lab.close()
    every, skipped = statistics.median(times[False]), statistics.median(times[True])
    print(
        f"one lab day with 10 alarms, CPU s (median of {rounds}): evaluating every minute {every:.2f} "
        f"{[round(t, 2) for t in times[False]]}, skipping {skipped:.2f} {[round(t, 2) for t in times[True]]}: "
        f"{every / skipped:.2f}x"
    )


def month_with_ten_alarms() -> None:
    lab, _ = lab_with(1, 10, 0)
    start, cpu = time.perf_counter(), time.process_time()
    lab.advance(hours=30 * 24)
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"advancing 30 days with 10 alarms: {took:.1f} s, {cpu:.1f} CPU s ({stored_datapoints(lab):,} datapoints)   "
        "target <= 5 s"
    )
    lab.close()


#: One side of :func:`months_side_by_side`: the month of :func:`month_with_ten_alarms` (or with ``{alarms}``
#: alarms) in that tree, CPU seconds.
MONTH_SIDE = """
import sys, time
sys.path.insert(0, "benchmarks")
from bench_metrics import lab_with
lab, _ = lab_with(1, {alarms}, 0)
start = time.process_time()
lab.advance(hours=30 * 24)
print(time.process_time() - start)
"""


def months_side_by_side(before: str, rounds: int, alarms: int) -> None:
    from bench_run import last_line_in_tree, side_by_side

    code = MONTH_SIDE.format(alarms=alarms)
    results = side_by_side(
        before,
        rounds,
        lambda tree: float(last_line_in_tree(tree, code)),
        lambda cpu: f"30 days with {alarms} alarms {cpu:.2f} CPU s (load average {os.getloadavg()[0]:.1f})",
    )
    medians = [statistics.median(values) for values in results.values()]
    print(f"medians: {medians[0]:.2f} -> {medians[1]:.2f} CPU s ({medians[0] / medians[1]:.2f}x)   target <= 5 s")


def main(argv: list[str]) -> None:
    if "--month-only" in argv:
        if "--before" in argv:
            rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 3
            alarms = int(argv[argv.index("--alarms") + 1]) if "--alarms" in argv else 10
            months_side_by_side(argv[argv.index("--before") + 1], rounds, alarms)
        else:
            month_with_ten_alarms()
        return
    if "--skipping-only" in argv:
        day_with_and_without_skipping()
        return
    if "--minutes-only" in argv:
        minute_ratios(rounds=5, most_instances=1 if "--one-instance" in argv else 10)
        return
    memory_and_backfill()
    first_hour_without_ec2()
    if "--backfill-only" in argv:
        return
    # --one-instance: the 10-instance rows need 10 x 30 days of history in memory (GiBs before issue 20).
    minute_ratios(rounds=5, most_instances=1 if "--one-instance" in argv else 10)
    day_with_and_without_skipping()
    if "--skip-month" not in argv:
        month_with_ten_alarms()


if __name__ == "__main__":
    main(sys.argv[1:])
