"""Alarm evaluation skipping is exact: the same lab run with skipping on and off gives the same alarm
states, history, notifications and events (labkit.emulator.cloudwatch_alarms, "An evaluation that
cannot change anything is skipped").

The rules the scenario exercises are CloudWatch's: M of N and missing data ("Using Amazon CloudWatch
alarms", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-evaluating-missing-data),
sliding and wall clock windows ("Alarm evaluation window",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation-window.html), percentiles
with few samples (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/percentiles-with-low-samples.html),
high-resolution alarms evaluated every 10 seconds, metric math alarms
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create-alarm-on-metric-math-expression.html),
anomaly detection alarms (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Anomaly_Detection_Alarm.html),
composite alarms (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Composite_Alarm.html)
and SetAlarmState (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any

import numpy as np
import pytest
from moto.core.botocore_stubber import BotocoreStubber

import labkit
from labkit.emulator.cloudwatch_alarms import CloudWatchAlarms
from labkit.emulator.cloudwatch_metrics import CloudWatchMetrics
from labkit.emulator.metric_store import QUIET_FOREVER, MetricStore
from labkit.lesson.prereqs import alerts_topic, lab_instance

NAMESPACE = "Lab/Skipping"
SERVICE = [{"Name": "Service", "Value": "shop"}]


def _metric_alarms(cpu: dict[str, Any], topic: str) -> list[dict[str, Any]]:
    requests = {
        "Namespace": NAMESPACE,
        "MetricName": "Requests",
        "Dimensions": SERVICE,
        "Statistic": "Sum",
        "Period": 60,
    }
    stat = {
        "Metric": {"Namespace": NAMESPACE, "MetricName": "Requests", "Dimensions": SERVICE},
        "Period": 60,
        "Stat": "Sum",
    }
    errors = {
        "Metric": {"Namespace": NAMESPACE, "MetricName": "Errors", "Dimensions": SERVICE},
        "Period": 60,
        "Stat": "Sum",
    }
    above = {"ComparisonOperator": "GreaterThanThreshold", "AlarmActions": [topic], "OKActions": [topic]}
    alarms = [
        {
            "AlarmName": "cpu-3-of-5",
            **cpu,
            "Statistic": "Average",
            "EvaluationPeriods": 5,
            "DatapointsToAlarm": 3,
            "Threshold": 30.0,
            **above,
        },
        {
            "AlarmName": "cpu-sliding",
            **cpu,
            "Statistic": "Maximum",
            "EvaluationPeriods": 2,
            "Threshold": 35.0,
            "EvaluationWindow": {"SlidingWindow": {}},
            **above,
        },
        {
            "AlarmName": "cpu-wall-clock",
            **cpu,
            "Statistic": "Average",
            "EvaluationPeriods": 2,
            "Threshold": 25.0,
            "EvaluationWindow": {"WallClockWindow": {"Timezone": "Asia/Tokyo"}},
            **above,
        },
        # 30 one-minute samples in 30 minutes: p50 needs 20 (10/(1-0.5)), so the first periods are "ignored".
        {
            "AlarmName": "cpu-p50",
            **cpu,
            "Period": 1800,
            "ExtendedStatistic": "p50",
            "EvaluateLowSampleCountPercentile": "ignore",
            "EvaluationPeriods": 1,
            "Threshold": 25.0,
            **above,
        },
        {
            "AlarmName": "requests-hires",
            **requests,
            "Period": 10,
            "EvaluationPeriods": 3,
            "DatapointsToAlarm": 2,
            "Threshold": 1.0,
            **above,
        },
        {
            "AlarmName": "error-rate",
            "Metrics": [
                {"Id": "m1", "MetricStat": errors, "ReturnData": False},
                {"Id": "m2", "MetricStat": stat, "ReturnData": False},
                {"Id": "e1", "Expression": "100 * FILL(m1, 0) / FILL(m2, REPEAT)", "Label": "error rate"},
            ],
            "EvaluationPeriods": 3,
            "DatapointsToAlarm": 2,
            "Threshold": 20.0,
            **above,
        },
        # HOUR() gives the periods' own time: its answer turns at 01:00 though its metric never changes
        # (written once, at the start), so it must be evaluated every time.
        {
            "AlarmName": "one-oclock",
            "Metrics": [
                {
                    "Id": "m2",
                    "MetricStat": {**stat, "Metric": {**stat["Metric"], "MetricName": "Heartbeat"}},
                    "ReturnData": False,
                },
                {"Id": "e1", "Expression": "FILL(m2, 0) * 0 + HOUR(FILL(m2, 0))"},
            ],
            "EvaluationPeriods": 1,
            "Threshold": 0.5,
            **above,
        },
        {
            "AlarmName": "cpu-anomaly",
            "Metrics": [
                {
                    "Id": "m1",
                    "MetricStat": {
                        "Metric": {k: cpu[k] for k in ("Namespace", "MetricName", "Dimensions")},
                        "Period": 300,
                        "Stat": "Average",
                    },
                },
                {"Id": "band", "Expression": "ANOMALY_DETECTION_BAND(m1, 1)"},
            ],
            "ThresholdMetricId": "band",
            "ComparisonOperator": "GreaterThanUpperThreshold",
            "EvaluationPeriods": 1,
            "AlarmActions": [topic],
        },
    ]
    for threshold in (20.0, 28.0, 36.0):  # thresholds on one metric and period share its values (issue 20)
        alarms.append(
            {
                "AlarmName": f"cpu-above-{threshold:.0f}",
                **cpu,
                "Statistic": "Average",
                "EvaluationPeriods": 3,
                "Threshold": threshold,
                **above,
            }
        )
    for treat in ("missing", "breaching", "notBreaching", "ignore"):
        alarms.append(
            {
                "AlarmName": f"requests-{treat}",
                **requests,
                "EvaluationPeriods": 3,
                "DatapointsToAlarm": 2,
                "Threshold": 4.0,
                "TreatMissingData": treat,
                **above,
            }
        )
    return alarms


def _run(skipping: bool, fast: bool = True) -> tuple[dict[str, Any], int, int]:
    """:func:`_scenario`, a copy of its own for each caller (the tests take parts out)."""
    produced, evaluations, shared = _scenario(skipping, fast)
    return json.loads(produced), evaluations, shared


# Both comparisons compare against the skipping, fast run: it is run once a process (one worker runs both).
@functools.cache
def _scenario(skipping: bool, fast: bool) -> tuple[str, int, int]:
    """The scenario; returns everything alarms produced (and the requests moto served), how many
    evaluations ran, and how many alarms' last evaluations shared what they read with another alarm's. ``fast=False``: the general path: state changes through botocore (SetAlarmState and
    DescribeAlarms, not moto's in-process backend directly), each alarm's values read for itself, from the
    statistics' rows (not the store's columns), and every evaluation explained (not the state alone)."""
    lab = labkit.connect("moto")
    served: list[tuple[str, str, str]] = []
    process_request = BotocoreStubber.process_request

    storing = False  # inside the plugin's state change: what it asks moto for is the path compared
    inside: list[str] = []  # the requests the state changes made

    def recorded(stubber: BotocoreStubber, request: Any) -> Any:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        if storing:
            target = request.headers.get("X-Amz-Target", b"")  # CloudWatch's JSON protocol names the operation here
            inside.append((target.decode() if isinstance(target, bytes) else target).rsplit(".", 1)[-1])
        else:
            served.append((request.method, request.url, body))
        return process_request(stubber, request)

    BotocoreStubber.process_request = recorded  # type: ignore[method-assign]
    try:
        plugin = lab.emulator.plugin(CloudWatchAlarms)
        plugin.skipping = skipping
        plugin.direct = fast
        if not fast:

            def asked_alone(alarm: dict[str, Any], planned: Any, first: Any, now: Any, starts: Any) -> Any:
                # Each alarm queries on its own; the newest value is the last that is not None.
                values, counts = plugin._query_values(alarm, first, now, starts)
                newest = [float(value) for value in values if value is not None]
                return values, counts, newest[-1] if newest else None

            plugin._metric_values = asked_alone  # type: ignore[method-assign]
            plugin._state_kept = lambda values, rule: False  # type: ignore[method-assign]
            plugin._set_values = lambda query, statistic, starts: plugin._row_values(  # type: ignore[method-assign]
                query, statistic, None, starts
            )
        store_state = plugin._store_state

        def stored(alarm: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
            # Either path: the same state changes, in the same order, leaving the same alarm.
            nonlocal storing
            storing = True
            try:
                updated = store_state(alarm, params)
            finally:
                storing = False
            served.append(("state change", json.dumps(params), json.dumps(updated, default=str)))
            return updated

        plugin._store_state = stored  # type: ignore[method-assign]
        evaluations = 0
        shared = 0
        evaluate = plugin._evaluate

        def counted(alarm: dict[str, Any], at: dt.datetime) -> None:
            nonlocal evaluations, shared
            evaluations += 1
            evaluate(alarm, at)
            steady = plugin._steady.get(alarm["AlarmName"])
            readings = [other.reading for other in plugin._steady.values() if other is not steady]
            shared += steady is not None and any(steady.reading is reading for reading in readings)

        plugin._evaluate = counted  # type: ignore[method-assign]
        topic = alerts_topic(lab)
        instance = lab_instance(lab, history_days=1)
        cloudwatch = lab.client("cloudwatch")
        cpu = {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization", "Dimensions": instance.dimensions, "Period": 300}
        for alarm in _metric_alarms(cpu, topic):
            cloudwatch.put_metric_alarm(**alarm)
        cloudwatch.put_composite_alarm(
            AlarmName="page-me",
            AlarmRule='ALARM(cpu-3-of-5) AND ALARM("requests-missing")',
            AlarmActions=[topic],
        )
        cloudwatch.put_metric_data(
            Namespace=NAMESPACE, MetricData=[{"MetricName": "Heartbeat", "Dimensions": SERVICE, "Value": 1.0}]
        )
        random = np.random.default_rng(20)
        start = lab.clock.now()
        instance.spike(start + dt.timedelta(hours=2), 40)
        for step in range(32):
            now = lab.clock.now()
            if random.random() < 0.45:  # bursts and gaps: missing data comes and goes
                data = [{"MetricName": "Requests", "Dimensions": SERVICE, "Value": float(random.integers(0, 9))}]
                if random.random() < 0.5:
                    data.append({"MetricName": "Errors", "Dimensions": SERVICE, "Value": float(random.integers(0, 3))})
                if random.random() < 0.3:  # a late datapoint, inside windows already evaluated
                    data.append(
                        {
                            "MetricName": "Requests",
                            "Dimensions": SERVICE,
                            "Value": 6.0,
                            "Timestamp": now - dt.timedelta(minutes=int(random.integers(1, 4))),
                        }
                    )
                if random.random() < 0.3:  # high resolution, between the 10-second evaluations
                    data.append(
                        {
                            "MetricName": "Requests",
                            "Dimensions": SERVICE,
                            "Value": 2.0,
                            "StorageResolution": 1,
                            "Timestamp": now - dt.timedelta(seconds=int(random.integers(1, 59))),
                        }
                    )
                cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data)
            if step == 10:
                cloudwatch.set_alarm_state(AlarmName="cpu-3-of-5", StateValue="ALARM", StateReason="testing actions")
            if step == 21:  # an update keeps the state and changes the threshold
                cloudwatch.put_metric_alarm(**{**_metric_alarms(cpu, topic)[-1], "Threshold": 2.0})
            if step == 27:
                cloudwatch.set_alarm_state(AlarmName="requests-ignore", StateValue="OK", StateReason="testing ignore")
            lab.advance(minutes=int(random.integers(1, 6)))
        both = ["MetricAlarm", "CompositeAlarm"]
        history = cloudwatch.get_paginator("describe_alarm_history").paginate(
            AlarmTypes=both, ScanBy="TimestampAscending"
        )
        described = cloudwatch.describe_alarms(AlarmTypes=both)
        reads = [
            cloudwatch.get_metric_statistics(
                **metric,
                StartTime=start - dt.timedelta(hours=1),
                EndTime=lab.clock.now(),
                Period=60,
                Statistics=["Average", "Sum", "SampleCount", "Minimum", "Maximum"],
            )["Datapoints"]
            for metric in (
                {k: cpu[k] for k in ("Namespace", "MetricName", "Dimensions")},
                {"Namespace": NAMESPACE, "MetricName": "Requests", "Dimensions": SERVICE},
            )
        ]
        produced = {
            "history": [item for page in history for item in page["AlarmHistoryItems"]],
            "alarms": described["MetricAlarms"] + described["CompositeAlarms"],
            "emails": [(email.to, email.subject, email.sent_at, email.kind) for email in lab.inbox],
            "events": plugin.events,
            # What Auto Scaling's step adjustments read of each alarm (its last evaluation's newest datapoint).
            "newest": sorted(plugin.newest.items()),
            "reads": reads,
            "served": served,
            "inside": inside,
        }
        return json.dumps(produced, default=str), evaluations, shared
    finally:
        BotocoreStubber.process_request = process_request  # type: ignore[method-assign]
        lab.close()


class TestAgainstTheSkippingFastRun:
    """Both compare with :func:`_scenario`'s skipping, fast run, built once a process: tests of a class run on one
    worker (the root conftest.py's ``pytest_xdist_make_scheduler``), so it is built once a run."""

    def test_skipping_changes_nothing_that_alarms_produce(self) -> None:
        skipped, fewer, shared = _run(skipping=True)
        every, all_of_them, _ = _run(skipping=False)
        transitions = [item for item in every["history"] if item["HistoryItemType"] == "StateUpdate"]
        # The scenario moves every kind of alarm (else the comparison would prove little).
        assert {item["AlarmName"] for item in transitions} >= {
            "cpu-3-of-5",
            "cpu-sliding",
            "cpu-wall-clock",
            "cpu-p50",
            "requests-hires",
            "error-rate",
            "one-oclock",
            "requests-missing",
            "requests-breaching",
            "requests-notBreaching",
            "requests-ignore",
            "page-me",
        }
        assert len(every["emails"]) > 20
        assert skipped == every
        assert fewer < all_of_them * 0.7  # and it did skip
        # Alarms asking one question at an instant (cpu-above-*, requests-*) shared one reading and its verdicts.
        assert shared > 50

    def test_direct_state_changes_and_shared_values_change_nothing_that_alarms_produce(self) -> None:
        """Issue 20's fast paths: an alarm's state changed in moto's in-process backend (no SetAlarmState and
        DescribeAlarms through botocore), and alarms on one metric and period sharing each instant's values."""
        fast, _, _ = _run(skipping=True)
        general, _, _ = _run(skipping=True, fast=False)
        changed = {item["AlarmName"] for item in general["history"] if item["HistoryItemType"] == "StateUpdate"}
        assert {"cpu-above-20", "cpu-above-28", "cpu-above-36", "cpu-3-of-5", "page-me"} <= changed
        assert len(fast["served"]) > 100 and fast["reads"][0] and fast["reads"][1]
        # The general path's state changes went through botocore, each a SetAlarmState then a DescribeAlarms;
        # the fast path's asked moto for nothing.
        transitions = [entry for entry in general["served"] if entry[0] == "state change"]
        assert len(transitions) > 20
        assert general.pop("inside") == ["SetAlarmState", "DescribeAlarms"] * len(transitions)
        assert fast.pop("inside") == []
        assert fast == general


@pytest.mark.parametrize(
    ("boundaries", "span"),
    [
        ([0, 300], 100),  # the datapoint at 100 is 100 after the first boundary
        ([100, 400], 0),  # a boundary on a datapoint: any move changes a period
        ([150, 450], 250),  # 400 - 150; nothing follows 450
        ([500], QUIET_FOREVER),
    ],
)
def test_quiet_span_is_the_smallest_gap_to_a_following_datapoint(boundaries: list[int], span: int) -> None:
    store = MetricStore()
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    store.put_columns("Lab", "M", [], np.array([100, 400]), np.ones(2), np.ones(2), np.ones(2), np.ones(2), None, now)
    series = store.find("Lab", "M", [])
    assert series is not None
    assert series.quiet_span(np.array(boundaries, np.int64)) == span
    assert series.periods(np.array(boundaries, np.int64))[1] == span


def test_every_write_bumps_the_series_version(lab: labkit.Lab) -> None:
    store = lab.emulator.plugin(CloudWatchMetrics).store
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=[{"MetricName": "Requests", "Value": 1.0}])
    series = store.find(NAMESPACE, "Requests", [])
    assert series is not None and store.created >= 1
    versions = [series.version]
    cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=[{"MetricName": "Requests", "Value": 1.0}])
    versions.append(series.version)
    late = lab.clock.now() - dt.timedelta(minutes=5)  # stored out of order
    cloudwatch.put_metric_data(
        Namespace=NAMESPACE, MetricData=[{"MetricName": "Requests", "Value": 1.0, "Timestamp": late}]
    )
    versions.append(series.version)
    cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=[{"MetricName": "Requests", "Values": [1.0, 2.0]}])
    versions.append(series.version)
    assert versions == sorted(set(versions))
