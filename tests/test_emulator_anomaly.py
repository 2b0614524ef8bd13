"""Anomaly detectors and anomaly detection alarms through plain boto3 calls
(labkit/emulator/cloudwatch_anomaly.py, labkit/emulator/cloudwatch_alarms.py).

Rules: PutAnomalyDetector / DescribeAnomalyDetectors / DeleteAnomalyDetector API references
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutAnomalyDetector.html,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAnomalyDetectors.html),
"Creating a CloudWatch alarm based on anomaly detection" (up to 15 minutes for the band; the alarm
creates and recreates its model,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Anomaly_Detection_Alarm.html),
"Using metric math" (ANOMALY_DETECTION_BAND, anomaly detection on metric math,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html) and AWS's
Knowledge Center example (https://repost.aws/knowledge-center/cloudwatch-set-anomaly-detection-alarm).
The band itself is labkit's model (labkit.aws.anomaly), so tests assert its documented behaviour, not AWS's numbers.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from labkit.emulator.cloudwatch_metrics import CloudWatchMetrics
from labkit.exceptions import UnsupportedOperation
from labkit.runtime.clock import DEFAULT_START
from labkit.runtime.lab import Lab

DIMS = [{"Name": "Service", "Value": "web"}]
METRIC = {"Namespace": "Lab/App", "MetricName": "Latency", "Dimensions": DIMS}
SINGLE = {**METRIC, "Stat": "Average"}


def _history(
    lab: Lab, hours: int = 48, value: float = 100.0, wobble: float = 5.0, end: dt.datetime = DEFAULT_START
) -> None:
    """``hours`` of one datapoint a minute before ``end`` (the lab's start): ``value`` +/- ``wobble``, alternating."""
    client = lab.client("cloudwatch")
    data = [
        {
            **{k: v for k, v in METRIC.items() if k != "Namespace"},
            "Value": value + (wobble if i % 2 else -wobble),
            "Timestamp": end - dt.timedelta(minutes=hours * 60 - i),
        }
        for i in range(hours * 60)
    ]
    for start in range(0, len(data), 1000):
        client.put_metric_data(Namespace="Lab/App", MetricData=data[start : start + 1000])


def _put_now(lab: Lab, value: float) -> None:
    lab.client("cloudwatch").put_metric_data(
        Namespace="Lab/App",
        MetricData=[{"MetricName": "Latency", "Dimensions": DIMS, "Value": value, "Timestamp": lab.clock.now()}],
    )


def _band_query(stddevs: int = 2) -> list[dict[str, Any]]:
    return [
        {"Id": "m1", "MetricStat": {"Metric": METRIC, "Period": 60, "Stat": "Average"}, "ReturnData": True},
        {"Id": "ad1", "Expression": f"ANOMALY_DETECTION_BAND(m1, {stddevs})", "Label": "Expected"},
    ]


# -- PutAnomalyDetector / DescribeAnomalyDetectors / DeleteAnomalyDetector ---------------------------------
def test_detector_lifecycle_and_training_states(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    detector_id = cloudwatch.put_anomaly_detector(SingleMetricAnomalyDetector=SINGLE)["AnomalyDetectorId"]
    [found] = cloudwatch.describe_anomaly_detectors()["AnomalyDetectors"]
    assert found["AnomalyDetectorId"] == detector_id
    assert found["SingleMetricAnomalyDetector"] == SINGLE and found["MetricName"] == "Latency"
    # "It takes up to 15 minutes for the actual anomaly detection band ... to appear".
    assert found["StateValue"] == "PENDING_TRAINING"
    lab.advance(minutes=15)
    assert cloudwatch.describe_anomaly_detectors()["AnomalyDetectors"][0]["StateValue"] == "TRAINED_INSUFFICIENT_DATA"
    _history(lab, hours=3)
    lab.advance(minutes=60)  # retrained at the next hour, on the history
    assert cloudwatch.describe_anomaly_detectors()["AnomalyDetectors"][0]["StateValue"] == "TRAINED"
    # The deprecated top-level form names the same detector: a second put updates it.
    again = cloudwatch.put_anomaly_detector(**SINGLE, Configuration={"MetricTimezone": "Asia/Tokyo"})
    assert again["AnomalyDetectorId"] == detector_id
    [updated] = cloudwatch.describe_anomaly_detectors(MetricName="Latency")["AnomalyDetectors"]
    assert updated["Configuration"] == {"MetricTimezone": "Asia/Tokyo"}
    cloudwatch.delete_anomaly_detector(AnomalyDetectorId=detector_id)
    assert cloudwatch.describe_anomaly_detectors()["AnomalyDetectors"] == []
    with pytest.raises(ClientError) as raised:
        cloudwatch.delete_anomaly_detector(SingleMetricAnomalyDetector=SINGLE)
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_describe_filters_and_types(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_anomaly_detector(SingleMetricAnomalyDetector=SINGLE)
    cloudwatch.put_anomaly_detector(SingleMetricAnomalyDetector={**SINGLE, "MetricName": "Errors", "Stat": "Sum"})
    math = [
        {"Id": "m1", "MetricStat": {"Metric": METRIC, "Period": 300, "Stat": "Average"}, "ReturnData": False},
        {"Id": "e1", "Expression": "m1 * 1000", "ReturnData": True},
    ]
    math_id = cloudwatch.put_anomaly_detector(MetricMathAnomalyDetector={"MetricDataQueries": math})[
        "AnomalyDetectorId"
    ]
    assert len(cloudwatch.describe_anomaly_detectors()["AnomalyDetectors"]) == 2  # "defaults to SINGLE_METRIC"
    assert [
        d["MetricName"] for d in cloudwatch.describe_anomaly_detectors(MetricName="Errors")["AnomalyDetectors"]
    ] == ["Errors"]
    assert (
        len(cloudwatch.describe_anomaly_detectors(Dimensions=[{"Name": "Service", "Value": "web"}])["AnomalyDetectors"])
        == 2
    )
    assert (
        cloudwatch.describe_anomaly_detectors(Dimensions=[{"Name": "Service", "Value": "api"}])["AnomalyDetectors"]
        == []
    )
    [only] = cloudwatch.describe_anomaly_detectors(AnomalyDetectorTypes=["METRIC_MATH"])["AnomalyDetectors"]
    assert only["AnomalyDetectorId"] == math_id and only["MetricMathAnomalyDetector"]["MetricDataQueries"] == math
    page = cloudwatch.describe_anomaly_detectors(MaxResults=1)
    assert len(page["AnomalyDetectors"]) == 1 and page["NextToken"]
    assert (
        len(cloudwatch.describe_anomaly_detectors(MaxResults=1, NextToken=page["NextToken"])["AnomalyDetectors"]) == 1
    )
    with pytest.raises(ClientError) as raised:
        cloudwatch.describe_anomaly_detectors(AnomalyDetectorIds=[math_id], MetricName="Errors")
    assert raised.value.response["Error"]["Code"] == "InvalidParameterCombination"


@pytest.mark.parametrize(
    "params, code",
    [
        ({"SingleMetricAnomalyDetector": SINGLE, "MetricName": "Latency"}, "InvalidParameterCombination"),
        (
            {
                "SingleMetricAnomalyDetector": SINGLE,
                "Configuration": {
                    "ExcludedTimeRanges": [
                        {
                            "StartTime": DEFAULT_START - dt.timedelta(hours=i + 1),
                            "EndTime": DEFAULT_START - dt.timedelta(hours=i),
                        }
                        for i in range(11)
                    ]
                },
            },
            "InvalidParameterValue",
        ),  # "as many as 10 time ranges"
        (
            {"SingleMetricAnomalyDetector": SINGLE, "Configuration": {"MetricTimezone": "Mars/Olympus"}},
            "InvalidParameterValue",
        ),
        (
            {
                "MetricMathAnomalyDetector": {
                    "MetricDataQueries": [
                        {
                            "Id": "m1",
                            "MetricStat": {"Metric": METRIC, "Period": 60, "Stat": "Average"},
                            "ReturnData": False,
                        },
                        {"Id": "e1", "Expression": "SUM(METRICS())", "ReturnData": True},
                    ]
                }
            },
            "InvalidParameterValue",
        ),
        (
            {
                "MetricMathAnomalyDetector": {
                    "MetricDataQueries": [
                        {
                            "Id": "m1",
                            "MetricStat": {"Metric": METRIC, "Period": 10, "Stat": "Average"},
                            "ReturnData": False,
                        },
                        {"Id": "e1", "Expression": "m1 * 2", "ReturnData": True},
                    ]
                }
            },
            "InvalidParameterValue",
        ),  # high resolution
    ],
)
def test_put_rejects_what_aws_rejects(lab: Lab, params: dict[str, Any], code: str) -> None:
    with pytest.raises(ClientError) as raised:
        lab.client("cloudwatch").put_anomaly_detector(**params)
    assert raised.value.response["Error"]["Code"] == code


@pytest.mark.parametrize(
    "params, named",
    [
        ({"MetricCharacteristics": {"PeriodicSpikes": True}}, "PeriodicSpikes"),
        ({"Configuration": {"AdaptationSpeed": "FAST"}}, "AdaptationSpeed"),
        ({"Configuration": {"OutlierFilteringStrength": "STRICT"}}, "OutlierFilteringStrength"),
    ],
)
def test_model_knobs_labkit_does_not_model_are_refused_by_name(lab: Lab, params: dict[str, Any], named: str) -> None:
    with pytest.raises(UnsupportedOperation, match=named):
        lab.client("cloudwatch").put_anomaly_detector(SingleMetricAnomalyDetector=SINGLE, **params)


# -- ANOMALY_DETECTION_BAND in GetMetricData --------------------------------------------------------------
def test_get_metric_data_band_upper_then_lower_around_the_metric(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    _history(lab)
    with pytest.raises(UnsupportedOperation, match=r"ANOMALY_DETECTION_BAND\(m1\) without an anomaly detector"):
        cloudwatch.get_metric_data(
            MetricDataQueries=_band_query(), StartTime=DEFAULT_START - dt.timedelta(hours=1), EndTime=DEFAULT_START
        )
    cloudwatch.put_anomaly_detector(SingleMetricAnomalyDetector=SINGLE)
    window = {
        "StartTime": DEFAULT_START - dt.timedelta(hours=1),
        "EndTime": DEFAULT_START,
        "ScanBy": "TimestampAscending",
    }
    pending = cloudwatch.get_metric_data(MetricDataQueries=_band_query(), **window)["MetricDataResults"]
    assert [r["Values"] for r in pending if r["Id"] == "ad1"] == [[], []]  # PENDING_TRAINING: no band yet
    lab.advance(minutes=15)
    results = cloudwatch.get_metric_data(MetricDataQueries=_band_query(), **window)["MetricDataResults"]
    metric, upper, lower = results
    assert (upper["Id"], upper["Label"], lower["Label"]) == ("ad1", "Expected Upper Bound", "Expected Lower Bound")
    assert len(upper["Values"]) == 60 and upper["Timestamps"] == metric["Timestamps"]
    assert all(lo < value < up for lo, value, up in zip(lower["Values"], metric["Values"], upper["Values"]))
    wide = cloudwatch.get_metric_data(MetricDataQueries=_band_query(4), **window)["MetricDataResults"]
    assert wide[1]["Values"][0] - wide[2]["Values"][0] == pytest.approx(2 * (upper["Values"][0] - lower["Values"][0]))
    # LAST(...) is the lower bound ("Using metric math", FIRST/LAST).
    last = cloudwatch.get_metric_data(
        MetricDataQueries=[
            _band_query()[0] | {"ReturnData": False},
            {"Id": "lo", "Expression": "LAST(ANOMALY_DETECTION_BAND(m1))"},
        ],
        **window,
    )["MetricDataResults"]
    assert last[0]["Values"] == lower["Values"]


def test_excluded_time_range_keeps_an_outage_out_of_the_band(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    _history(lab, hours=6)
    outage = {"StartTime": DEFAULT_START - dt.timedelta(hours=3), "EndTime": DEFAULT_START - dt.timedelta(hours=2)}
    cloudwatch.put_metric_data(
        Namespace="Lab/App",
        MetricData=[
            {
                "MetricName": "Latency",
                "Dimensions": DIMS,
                "Value": 5000.0,
                "Timestamp": outage["StartTime"] + dt.timedelta(minutes=m),
            }
            for m in range(1, 59)
        ],
    )
    window = {"StartTime": DEFAULT_START - dt.timedelta(minutes=10), "EndTime": DEFAULT_START}

    def width() -> float:
        _, upper, lower = cloudwatch.get_metric_data(MetricDataQueries=_band_query(), **window)["MetricDataResults"]
        return float(upper["Values"][0] - lower["Values"][0])

    cloudwatch.put_anomaly_detector(SingleMetricAnomalyDetector=SINGLE)
    lab.advance(minutes=15)
    polluted = width()
    cloudwatch.put_anomaly_detector(SingleMetricAnomalyDetector=SINGLE, Configuration={"ExcludedTimeRanges": [outage]})
    assert width() < polluted / 10


def test_band_on_a_metric_math_expression(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    _history(lab)
    queries = [
        {"Id": "m1", "MetricStat": {"Metric": METRIC, "Period": 60, "Stat": "Average"}, "ReturnData": False},
        {"Id": "ms", "Expression": "m1 / 1000", "ReturnData": True},
    ]
    cloudwatch.put_anomaly_detector(MetricMathAnomalyDetector={"MetricDataQueries": queries})
    lab.advance(minutes=15)
    request = [
        {**queries[0]},
        {**queries[1], "ReturnData": True},
        {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(ms)"},
    ]
    seconds, upper, lower = cloudwatch.get_metric_data(
        MetricDataQueries=request,
        StartTime=DEFAULT_START - dt.timedelta(minutes=30),
        EndTime=DEFAULT_START,
    )["MetricDataResults"]
    assert all(lo < v < up < 1 for lo, v, up in zip(lower["Values"], seconds["Values"], upper["Values"]))


# -- anomaly detection alarms ----------------------------------------------------------------------------
KNOWLEDGE_CENTER_EXAMPLE = {  # https://repost.aws/knowledge-center/cloudwatch-set-anomaly-detection-alarm, verbatim
    "AlarmActions": ["arn:aws:sns:us-east-1:397466294846:test1"],
    "AlarmName": "MyAlarmName",
    "AlarmDescription": "This alarm uses an anomaly detection model",
    "Metrics": [
        {
            "Id": "m1",
            "ReturnData": True,
            "MetricStat": {
                "Metric": {
                    "MetricName": "NetworkIn",
                    "Namespace": "AWS/EC2",
                    "Dimensions": [{"Name": "InstanceId", "Value": "i-0e1830cdc0447f6b9"}],
                },
                "Stat": "Average",
                "Period": 60,
            },
        },
        {"Id": "t1", "Expression": "ANOMALY_DETECTION_BAND(m1, 3)"},
    ],
    "EvaluationPeriods": 2,
    "ThresholdMetricId": "t1",
    "ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold",
}


def _network_in(lab: Lab, minutes: range, value: float | None = None) -> None:
    metrics = lab.emulator.plugin(CloudWatchMetrics)  # AWS/EC2 is AWS's own namespace: the emulator publishes it
    metrics.publish(
        "AWS/EC2",
        [
            {
                "MetricName": "NetworkIn",
                "Dimensions": [{"Name": "InstanceId", "Value": "i-0e1830cdc0447f6b9"}],
                "Value": value if value is not None else 1000.0 + (50 if m % 2 else -50),
                "Timestamp": DEFAULT_START + dt.timedelta(minutes=m),
            }
            for m in minutes
        ],
    )


def test_knowledge_center_anomaly_alarm_example_is_accepted_and_evaluated(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    _network_in(lab, range(-6 * 60, 0))
    cloudwatch.put_metric_alarm(**KNOWLEDGE_CENTER_EXAMPLE)
    # "If the model does not already exist, the model is generated when you are done creating the alarm."
    [alarm] = cloudwatch.describe_alarms(AlarmNames=["MyAlarmName"])["MetricAlarms"]
    assert alarm["StateValue"] == "INSUFFICIENT_DATA" and alarm["ThresholdMetricId"] == "t1"
    lab.advance(minutes=2)
    [detector] = cloudwatch.describe_anomaly_detectors(Namespace="AWS/EC2")["AnomalyDetectors"]
    assert detector["StateValue"] == "PENDING_TRAINING" and detector["Stat"] == "Average"
    _network_in(lab, range(30))
    lab.advance(minutes=20)  # trained after 15 minutes: normal traffic is inside the band
    assert cloudwatch.describe_alarms(AlarmNames=["MyAlarmName"])["MetricAlarms"][0]["StateValue"] == "OK"
    now = int((lab.clock.now() - DEFAULT_START).total_seconds() // 60)
    _network_in(lab, range(now, now + 3), value=50_000.0)
    lab.advance(minutes=3)
    alarm = cloudwatch.describe_alarms(AlarmNames=["MyAlarmName"])["MetricAlarms"][0]
    assert alarm["StateValue"] == "ALARM"
    assert "greater than the upper thresholds" in alarm["StateReason"]
    history = cloudwatch.describe_alarm_history(AlarmName="MyAlarmName", HistoryItemType="StateUpdate")[
        "AlarmHistoryItems"
    ]
    assert json.loads(history[0]["HistoryData"])["newState"]["stateValue"] == "ALARM"


@pytest.mark.parametrize(
    "operator, spike, expected",
    [
        ("GreaterThanUpperThreshold", 50_000.0, "ALARM"),
        ("GreaterThanUpperThreshold", 1.0, "OK"),
        ("LessThanLowerThreshold", 1.0, "ALARM"),
        ("LessThanLowerThreshold", 50_000.0, "OK"),
    ],
)
def test_one_sided_band_operators(lab: Lab, operator: str, spike: float, expected: str) -> None:
    cloudwatch = lab.client("cloudwatch")
    _network_in(lab, range(-6 * 60, 20))
    cloudwatch.put_metric_alarm(**{**KNOWLEDGE_CENTER_EXAMPLE, "AlarmActions": [], "ComparisonOperator": operator})
    lab.advance(minutes=20)
    _network_in(lab, range(20, 23), value=spike)
    lab.advance(minutes=3)
    assert cloudwatch.describe_alarms(AlarmNames=["MyAlarmName"])["MetricAlarms"][0]["StateValue"] == expected


def test_an_alarm_recreates_its_deleted_model(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(**{**KNOWLEDGE_CENTER_EXAMPLE, "AlarmActions": []})
    lab.advance(minutes=1)
    [detector] = cloudwatch.describe_anomaly_detectors()["AnomalyDetectors"]
    cloudwatch.delete_anomaly_detector(AnomalyDetectorId=detector["AnomalyDetectorId"])
    lab.advance(minutes=1)
    assert len(cloudwatch.describe_anomaly_detectors()["AnomalyDetectors"]) == 1


def test_threshold_metric_id_must_name_a_band(lab: Lab) -> None:
    bad = {
        **KNOWLEDGE_CENTER_EXAMPLE,
        "AlarmActions": [],
        "Metrics": [KNOWLEDGE_CENTER_EXAMPLE["Metrics"][0], {"Id": "t1", "Expression": "m1 * 2"}],
    }
    with pytest.raises(ClientError, match="must name an ANOMALY_DETECTION_BAND"):
        lab.client("cloudwatch").put_metric_alarm(**bad)


@pytest.mark.parametrize("stat", ["Average", "Sum", "SampleCount", "Minimum", "Maximum"])
def test_training_reads_the_same_statistics_as_get_metric_data(lab: Lab, stat: str) -> None:
    """The model's vectorised read of the store gives what GetMetricData gives for the same periods."""
    from labkit.emulator.cloudwatch_anomaly import AnomalyDetectors

    _history(lab, hours=3)
    _put_now(lab, 7.0)  # two datapoints in one minute: the statistics differ
    plugin = lab.emulator.plugin(AnomalyDetectors)
    detector = {"metric": METRIC, "stat": stat}
    start, end = DEFAULT_START - dt.timedelta(hours=4), DEFAULT_START + dt.timedelta(minutes=1)
    times, values = plugin._training_points(detector, 300, start, end)
    expected = lab.emulator.plugin(CloudWatchMetrics)._stat_points(
        METRIC, {"Period": 300, "Stat": stat}, start, end, "GetMetricData"
    )
    assert times.tolist() == [int(t.timestamp()) for t in expected[0]]
    assert values.tolist() == pytest.approx(expected[1])


def test_alarm_on_the_band_of_a_metric_math_expression_creates_a_math_detector(lab: Lab) -> None:
    """ "You also can create anomaly detection alarms on single metrics and the outputs of metric math
    expressions" (Create_Anomaly_Detection_Alarm.html)."""
    cloudwatch = lab.client("cloudwatch")
    _history(lab, hours=3)
    cloudwatch.put_metric_alarm(
        AlarmName="slow",
        EvaluationPeriods=1,
        ThresholdMetricId="ad1",
        ComparisonOperator="GreaterThanUpperThreshold",
        Metrics=[
            {"Id": "m1", "MetricStat": {"Metric": METRIC, "Period": 60, "Stat": "Average"}, "ReturnData": False},
            {"Id": "ms", "Expression": "m1 / 1000", "ReturnData": True},
            {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(ms, 2)"},
        ],
    )
    lab.advance(minutes=1)
    [detector] = cloudwatch.describe_anomaly_detectors(AnomalyDetectorTypes=["METRIC_MATH"])["AnomalyDetectors"]
    assert [q["Id"] for q in detector["MetricMathAnomalyDetector"]["MetricDataQueries"]] == ["m1", "ms"]
    for _minute in range(16):
        _put_now(lab, 100.0)
        lab.advance(minutes=1)
    assert cloudwatch.describe_alarms(AlarmNames=["slow"])["MetricAlarms"][0]["StateValue"] == "OK"
    _put_now(lab, 900.0)
    lab.advance(minutes=1)
    assert cloudwatch.describe_alarms(AlarmNames=["slow"])["MetricAlarms"][0]["StateValue"] == "ALARM"


# -- teardown (labkit.runtime.resources: the lab records the detectors it creates) -------------------------
def test_teardown_deletes_the_detectors_the_lab_created(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_anomaly_detector(SingleMetricAnomalyDetector=SINGLE)
    cloudwatch.put_anomaly_detector(
        Namespace="Lab/App", MetricName="Latency", Dimensions=DIMS, Stat="p90"
    )  # deprecated form
    cloudwatch.put_anomaly_detector(
        MetricMathAnomalyDetector={
            "MetricDataQueries": [
                {"Id": "m1", "MetricStat": {"Metric": METRIC, "Period": 60, "Stat": "Sum"}, "ReturnData": False},
                {"Id": "e1", "Expression": "m1 * 2", "ReturnData": True},
            ]
        }
    )
    every = {"AnomalyDetectorTypes": ["SINGLE_METRIC", "METRIC_MATH"]}
    assert len(cloudwatch.describe_anomaly_detectors(**every)["AnomalyDetectors"]) == 3
    assert sum(item.startswith("cloudwatch:anomaly-detector") for item in lab.inventory()) == 3
    report = lab.teardown()
    assert report.ok, str(report)
    assert cloudwatch.describe_anomaly_detectors(**every)["AnomalyDetectors"] == [] and lab.inventory() == []


def test_on_a_moto_server_another_process_sees_and_draws_the_detector_and_teardown_deletes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a workshop's moto server the detectors live on the server (labkit/emulator/server_state.py): the kernel
    that connects after `labkit catchup` describes the detector another process put, with its id and its creation
    time (PENDING_TRAINING for its first 15 minutes, "It takes up to 15 minutes for the actual anomaly detection
    band generated by the model to appear", Create_Anomaly_Detection_Alarm.html), draws its band, and teardown in a
    new process deletes it (API_DeleteAnomalyDetector)."""
    import labkit
    from labkit.emulator.cloudwatch_anomaly import AnomalyDetectors

    with labkit.connect("moto-server") as server:
        monkeypatch.setenv("LABKIT_ENDPOINT_URL", server.backend.endpoint_url)
        first = labkit.connect("moto-server", clear_abandoned=False)
        start = first.clock.now()  # on a workshop server: the top of the real hour
        _history(first, hours=3, end=start)
        detector_id = first.client("cloudwatch").put_anomaly_detector(SingleMetricAnomalyDetector=SINGLE)[
            "AnomalyDetectorId"
        ]
        first.close()

        second = labkit.connect("moto-server", clear_abandoned=False, start=start)
        cloudwatch = second.client("cloudwatch")
        [found] = cloudwatch.describe_anomaly_detectors()["AnomalyDetectors"]
        assert (found["AnomalyDetectorId"], found["StateValue"]) == (detector_id, "PENDING_TRAINING")
        second.advance(minutes=15)
        window = {"StartTime": start - dt.timedelta(hours=1), "EndTime": start}
        metric, upper, lower = cloudwatch.get_metric_data(MetricDataQueries=_band_query(), **window)[
            "MetricDataResults"
        ]
        assert len(upper["Values"]) == len(metric["Values"]) == 60
        assert all(lo < value < up for lo, value, up in zip(lower["Values"], metric["Values"], upper["Values"]))
        second.close()

        cleaner = labkit.connect("moto-server", clear_abandoned=False)  # `labkit teardown` after a crash
        report = cleaner.teardown(all_labs=True)
        assert report.ok and any(label.startswith("cloudwatch:anomaly-detector") for label in report.deleted)
        cleaner.close()
        after = labkit.connect("moto-server", clear_abandoned=False)
        assert after.client("cloudwatch").describe_anomaly_detectors()["AnomalyDetectors"] == []
        assert after.emulator is not None
        kept = after.emulator.plugin(AnomalyDetectors).server_state
        assert kept is not None and kept.load() == {}
        after.close()
