"""What one learner's call through a lab client costs, at another commit and at this checkout, side by side
(issues 15 and 20: the unit tier and the notebooks make thousands of them).

Calls, each in a lab with five metric alarms (one in ALARM) and a composite alarm:

* ``describe_alarms()``: what every alarm checker and most notebook cells ask;
* ``describe_alarms(AlarmTypes=["MetricAlarm", "CompositeAlarm"])``: the composite alarms' plugin answers it;
* ``describe_alarm_history(AlarmName=…)``;
* ``get_metric_statistics`` over an hour of one-minute data.

Each side runs in a fresh interpreter with its tree first on ``PYTHONPATH`` (the other commit exported with
``git archive``, as ``bench_run.py`` does); every call is made 20 times first, then ``--calls`` times, timed in CPU
seconds (``time.process_time``); the sides alternate for ``--rounds`` rounds. Prints each call's medians in
milliseconds and their ratio.

    .venv/bin/python benchmarks/bench_calls.py --before HEAD~1 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics

from bench_run import last_line_in_tree, side_by_side

ONE_SIDE = """
import datetime as dt, json, time
import labkit

lab = labkit.connect("moto")
cloudwatch = lab.client("cloudwatch")
for n in range(5):
    cloudwatch.put_metric_alarm(
        AlarmName=f"alarm-{{n}}", Namespace="Bench", MetricName="Load", Statistic="Average", Period=60,
        EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanThreshold",
    )
cloudwatch.set_alarm_state(AlarmName="alarm-0", StateValue="ALARM", StateReason="bench")
cloudwatch.put_composite_alarm(AlarmName="both", AlarmRule="ALARM(alarm-0) AND ALARM(alarm-1)")
now = lab.clock.now().replace(second=0, microsecond=0)
cloudwatch.put_metric_data(
    Namespace="Bench",
    MetricData=[{{"MetricName": "Load", "Timestamp": now - dt.timedelta(minutes=m), "Value": float(m)}} for m in range(60)],
)
calls = {{
    "describe_alarms()": lambda: cloudwatch.describe_alarms(),
    "describe_alarms(both types)": lambda: cloudwatch.describe_alarms(AlarmTypes=["MetricAlarm", "CompositeAlarm"]),
    "describe_alarm_history": lambda: cloudwatch.describe_alarm_history(AlarmName="alarm-0"),
    "get_metric_statistics (1 h)": lambda: cloudwatch.get_metric_statistics(
        Namespace="Bench", MetricName="Load", StartTime=now - dt.timedelta(hours=1), EndTime=now, Period=60,
        Statistics=["Average"],
    ),
}}
result = {{}}
for name, call in calls.items():
    for _ in range(20):
        call()
    start = time.process_time()
    for _ in range({calls}):
        call()
    result[name] = (time.process_time() - start) / {calls} * 1000
lab.close()
print(json.dumps(result))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="HEAD~1")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    code = ONE_SIDE.format(calls=args.calls)
    results = side_by_side(
        args.before,
        args.rounds,
        lambda tree: dict(json.loads(last_line_in_tree(tree, code))),
        lambda side: ", ".join(f"{call} {ms:.2f}" for call, ms in side.items()) + " (ms a call)",
    )
    before, after = results.values()
    for call in before[0]:
        old = statistics.median(side[call] for side in before)
        new = statistics.median(side[call] for side in after)
        print(f"{call}: median {old:.2f} -> {new:.2f} ms a call ({old / new:.2f}x)")
    print(f"load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
