"""State reasons, SNS messages, emails and EventBridge events, against AWS's own examples.

Expected texts are copied from AWS documentation ("Alarm events and EventBridge",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html)
and from real CloudWatch notifications quoted in public repositories (named at each test).
"""

from __future__ import annotations

import datetime as dt
import json
import os

import botocore
import pytest

from labkit.aws.alarms import (
    REGION_NAMES,
    alarm_notification,
    alarm_state_change_event,
    email_body,
    state_reason,
)
from labkit.aws.alarms.evaluation import evaluate
from labkit.aws.alarms.notification import java_double

UTC = dt.timezone.utc


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def minutes_before(end: str, count: int, step: int) -> list[dt.datetime]:
    last = ts(end)
    return [last - dt.timedelta(seconds=step * (count - 1 - i)) for i in range(count)]


# --- state reasons ----------------------------------------------------------------------


def test_reason_single_metric_alarm_from_eventbridge_doc() -> None:
    ev = evaluate(
        [99.50160229693434],
        threshold=50.0,
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=1,
        datapoints_to_alarm=1,
    )
    text, data = state_reason(
        ev,
        timestamps=[ts("2019-10-02T16:59:00")],
        threshold=50.0,
        period=300,
        query_date=ts("2019-10-02T17:04:40.985"),
        statistic="Average",
    )
    assert text == (
        "Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] "
        "was greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition)."
    )
    documented = json.loads(
        '{"version":"1.0","queryDate":"2019-10-02T17:04:40.985+0000","startDate":"2019-10-02T16:59:00.000+0000",'
        '"statistic":"Average","period":300,"recentDatapoints":[99.50160229693434],"threshold":50.0}'
    )
    assert {k: data[k] for k in documented} == documented
    assert list(data)[: len(documented)] == list(documented)


def test_reason_back_to_ok_from_eventbridge_doc() -> None:
    ev = evaluate(
        [0.0666851903306472],
        threshold=50.0,
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=1,
        datapoints_to_alarm=1,
    )
    text, _ = state_reason(
        ev, timestamps=[ts("2019-10-01T13:46:00")], threshold=50.0, period=300, query_date=ts("2019-10-01T13:56:40.985")
    )
    assert text == (
        "Threshold Crossed: 1 out of the last 1 datapoints [0.0666851903306472 (01/10/19 13:46:00)] "
        "was not greater than the threshold (50.0) (minimum 1 datapoint for ALARM -> OK transition)."
    )


def test_reason_and_data_three_of_three_from_partial_data_doc() -> None:
    # Alarm evaluation doc, "How partial data from a Metrics Insights query is evaluated".
    stamps = minutes_before("2022-11-08T11:25:00", 3, 60)
    ev = evaluate(
        [20000.0] * 3,
        threshold=0.0,
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=3,
        datapoints_to_alarm=1,
    )
    text, data = state_reason(ev, timestamps=stamps, threshold=0.0, period=60, query_date=ts("2022-11-08T11:26:05.399"))
    assert text == (
        "Threshold Crossed: 3 out of the last 3 datapoints [20000.0 (08/11/22 11:25:00), "
        "20000.0 (08/11/22 11:24:00), 20000.0 (08/11/22 11:23:00)] were greater than the "
        "threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition)."
    )
    assert json.dumps(data, separators=(",", ":")) == (
        '{"version":"1.0","queryDate":"2022-11-08T11:26:05.399+0000","startDate":"2022-11-08T11:23:00.000+0000",'
        '"period":60,"recentDatapoints":[20000.0,20000.0,20000.0],"threshold":0.0,'
        '"evaluatedDatapoints":[{"timestamp":"2022-11-08T11:25:00.000+0000","value":20000.0}]}'
    )


@pytest.mark.parametrize(
    ("state_values", "when", "expected_reason", "expected_data"),
    [
        (
            [0.0],
            "2019-10-03T15:58:00",
            "Thresholds Crossed: 1 out of the last 1 datapoints [0.0 (03/10/19 15:58:00)] was less than "
            "the lower thresholds [0.020599444741798756] or greater than the upper thresholds "
            "[0.3006915352732461] (minimum 1 datapoint for OK -> ALARM transition).",
            '{"version":"1.0","queryDate":"2019-10-03T16:00:04.650+0000","startDate":"2019-10-03T15:58:00.000+0000",'
            '"period":60,"recentDatapoints":[0.0],"recentLowerThresholds":[0.020599444741798756],'
            '"recentUpperThresholds":[0.3006915352732461]}',
        ),
    ],
)
def test_reason_anomaly_band_from_eventbridge_doc(
    state_values: list[float], when: str, expected_reason: str, expected_data: str
) -> None:
    band = (0.020599444741798756, 0.3006915352732461)
    ev = evaluate(
        state_values,
        threshold=band,
        comparison_operator="LessThanLowerOrGreaterThanUpperThreshold",
        evaluation_periods=1,
        datapoints_to_alarm=1,
    )
    text, data = state_reason(
        ev, timestamps=[ts(when)], threshold=band, period=60, query_date=ts("2019-10-03T16:00:04.650")
    )
    assert text == expected_reason
    documented = json.loads(expected_data)
    assert {k: data[k] for k in documented} == documented
    assert "threshold" not in data


def test_reason_anomaly_back_to_ok() -> None:
    band = (0.0206719426210418, 0.30076870222143803)
    ev = evaluate(
        [0.166666666664241],
        threshold=band,
        comparison_operator="LessThanLowerOrGreaterThanUpperThreshold",
        evaluation_periods=1,
        datapoints_to_alarm=1,
    )
    text, _ = state_reason(
        ev, timestamps=[ts("2019-10-03T15:57:00")], threshold=band, period=60, query_date=ts("2019-10-03T15:59:04.670")
    )
    assert text == (
        "Thresholds Crossed: 1 out of the last 1 datapoints [0.166666666664241 (03/10/19 15:57:00)] was not "
        "less than the lower thresholds [0.0206719426210418] or not greater than the upper thresholds "
        "[0.30076870222143803] (minimum 1 datapoint for ALARM -> OK transition)."
    )


def test_reason_without_datapoints_to_alarm_uses_older_wording() -> None:
    # Real email (week-6 assignment repo): alarms created without DatapointsToAlarm.
    ev = evaluate(
        [2.88135593220462], threshold=2.0, comparison_operator="GreaterThanOrEqualToThreshold", evaluation_periods=1
    )
    text, _ = state_reason(
        ev,
        timestamps=[ts("2019-08-05T16:54:00")],
        threshold=2.0,
        period=300,
        query_date=ts("2019-08-05T17:04:03"),
        datapoints_to_alarm_set=False,
    )
    assert (
        text
        == "Threshold Crossed: 1 datapoint [2.88135593220462 (05/08/19 16:54:00)] was greater than or equal to the threshold (2.0)."
    )


def test_reason_multiple_datapoints_older_wording_ok() -> None:
    stamps = minutes_before("2022-03-11T10:58:00", 3, 300)
    values = [0.05, 0.03166697224583412, 0.04333311112870379]
    ev = evaluate(values, threshold=60.0, comparison_operator="GreaterThanThreshold", evaluation_periods=3)
    text, _ = state_reason(
        ev,
        timestamps=stamps,
        threshold=60.0,
        period=300,
        query_date=ts("2022-03-11T11:03:03.943"),
        datapoints_to_alarm_set=False,
    )
    assert text == (
        "Threshold Crossed: 3 datapoints [0.04333311112870379 (11/03/22 10:58:00), 0.03166697224583412 "
        "(11/03/22 10:53:00), 0.05 (11/03/22 10:48:00)] were not greater than the threshold (60.0)."
    )


@pytest.mark.parametrize(
    ("values", "n", "mode", "expected"),
    [
        (
            [None] * 4,
            2,
            "breaching",
            "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching].",
        ),
        (
            [None] * 5,
            3,
            "notBreaching",
            "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [NonBreaching].",
        ),
        (
            [None] * 3,
            1,
            "breaching",
            "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [Breaching].",
        ),
        (
            [None, None, 0.0, None, None],
            3,
            "breaching",
            "Threshold Crossed: 1 datapoint was received for 3 periods and 2 missing datapoints were treated as [Breaching].",
        ),
        ([None] * 7, 5, "missing", "Insufficient Data: 5 datapoints were unknown."),
        ([None] * 3, 1, "missing", "Insufficient Data: 1 datapoint was unknown."),
    ],
)
def test_reason_missing_data_forms(values: list[float | None], n: int, mode: str, expected: str) -> None:
    # Wordings quoted from real alarm histories and notifications in public repositories.
    ev = evaluate(
        values,
        threshold=1.0,
        comparison_operator="LessThanThreshold",
        evaluation_periods=n,
        datapoints_to_alarm=min(2, n),
        treat_missing_data=mode,
    )
    stamps = minutes_before("2023-08-04T12:30:00", len(values), 60)
    text, _ = state_reason(ev, timestamps=stamps, threshold=1.0, period=60, query_date=ts("2023-08-04T12:31:29.591"))
    assert text == expected


def test_insufficient_reason_data_lists_unknown_timestamps() -> None:
    # Real event (2023): reasonData of "Insufficient Data: 5 datapoints were unknown."
    stamps = minutes_before("2023-08-04T12:30:00", 7, 60)
    ev = evaluate([None] * 7, threshold=5.0, comparison_operator="GreaterThanThreshold", evaluation_periods=5)
    _, data = state_reason(
        ev, timestamps=stamps, threshold=5.0, period=60, query_date=ts("2023-08-04T12:31:29.591"), statistic="Average"
    )
    assert list(data) == [
        "version",
        "queryDate",
        "statistic",
        "period",
        "recentDatapoints",
        "threshold",
        "evaluatedDatapoints",
    ]
    assert data["recentDatapoints"] == []
    assert data["evaluatedDatapoints"][0] == {"timestamp": "2023-08-04T12:30:00.000+0000"}
    assert len(data["evaluatedDatapoints"]) == 5


def test_no_reason_when_ignore_keeps_the_state() -> None:
    ev = evaluate(
        [None] * 5,
        threshold=1.0,
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=3,
        treat_missing_data="ignore",
        current_state="OK",
    )
    with pytest.raises(ValueError):
        state_reason(
            ev,
            timestamps=minutes_before("2026-01-01T00:00:00", 5, 60),
            threshold=1.0,
            period=60,
            query_date=ts("2026-01-01T00:01:00"),
        )


@pytest.mark.parametrize(
    ("value", "text"), [(80, "80.0"), (0.059, "0.059"), (1e7, "1.0E7"), (100000.0, "100000.0"), (2.5e-4, "2.5E-4")]
)
def test_numbers_print_like_java(value: float, text: str) -> None:
    assert java_double(value) == text


# --- SNS message ------------------------------------------------------------------------

CPU_ALARM = {
    "AlarmName": "cpu-alarm",
    "AlarmArn": "arn:aws:cloudwatch:us-east-1:256867920320:alarm:cpu-alarm",
    "AlarmConfigurationUpdatedTimestamp": dt.datetime(2022, 7, 9, 2, 36, 47, 890000, tzinfo=UTC),
    "ActionsEnabled": True,
    "OKActions": [],
    "AlarmActions": ["arn:aws:sns:us-east-1:256867920320:cpu-alerts"],
    "InsufficientDataActions": [],
    "StateValue": "INSUFFICIENT_DATA",
    "MetricName": "CPUUtilization",
    "Namespace": "AWS/EC2",
    "Statistic": "Average",
    "Dimensions": [{"Name": "InstanceId", "Value": "i-0d2ef44803a38dbc6"}],
    "Period": 60,
    "EvaluationPeriods": 1,
    "DatapointsToAlarm": 1,
    "Threshold": 80.0,
    "ComparisonOperator": "GreaterThanThreshold",
    "TreatMissingData": "missing",
}
CPU_REASON = (
    "Threshold Crossed: 1 out of the last 1 datapoints [99.83274983791787 (09/07/22 02:34:00)] was "
    "greater than the threshold (80.0) (minimum 1 datapoint for OK -> ALARM transition)."
)


def test_sns_message_matches_a_real_notification() -> None:
    # A real SNS record for this alarm, quoted in a public repository (2022).
    subject, message = alarm_notification(
        CPU_ALARM,
        old_state="INSUFFICIENT_DATA",
        new_state="ALARM",
        reason=CPU_REASON,
        when=dt.datetime(2022, 7, 9, 2, 39, 54, 536000, tzinfo=UTC),
        account_id="256867920320",
        region="us-east-1",
    )
    assert subject == 'ALARM: "cpu-alarm" in US East (N. Virginia)'
    assert json.dumps(message, separators=(",", ":")) == (
        '{"AlarmName":"cpu-alarm","AlarmDescription":null,"AWSAccountId":"256867920320",'
        '"AlarmConfigurationUpdatedTimestamp":"2022-07-09T02:36:47.890+0000","NewStateValue":"ALARM",'
        '"NewStateReason":"Threshold Crossed: 1 out of the last 1 datapoints [99.83274983791787 (09/07/22 02:34:00)] '
        'was greater than the threshold (80.0) (minimum 1 datapoint for OK -> ALARM transition).",'
        '"StateChangeTime":"2022-07-09T02:39:54.536+0000","Region":"US East (N. Virginia)",'
        '"AlarmArn":"arn:aws:cloudwatch:us-east-1:256867920320:alarm:cpu-alarm","OldStateValue":"INSUFFICIENT_DATA",'
        '"OKActions":[],"AlarmActions":["arn:aws:sns:us-east-1:256867920320:cpu-alerts"],"InsufficientDataActions":[],'
        '"Trigger":{"MetricName":"CPUUtilization","Namespace":"AWS/EC2","StatisticType":"Statistic",'
        '"Statistic":"AVERAGE","Unit":null,"Dimensions":[{"value":"i-0d2ef44803a38dbc6","name":"InstanceId"}],'
        '"Period":60,"EvaluationPeriods":1,"DatapointsToAlarm":1,"ComparisonOperator":"GreaterThanThreshold",'
        '"Threshold":80.0,"TreatMissingData":"missing","EvaluateLowSampleCountPercentile":""}}'
    )


def test_sns_subject_in_tokyo() -> None:
    subject, message = alarm_notification(
        {**CPU_ALARM, "AlarmName": "SSH Failed", "AlarmArn": None},
        old_state="OK",
        new_state="ALARM",
        reason="r",
        when=dt.datetime(2026, 6, 1, tzinfo=UTC),
        account_id="123456789012",
        region="ap-northeast-1",
    )
    assert subject == 'ALARM: "SSH Failed" in Asia Pacific (Tokyo)'
    assert message["Region"] == "Asia Pacific (Tokyo)"
    assert message["AlarmArn"] == "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:SSH Failed"


def test_sns_trigger_for_extended_statistic_and_optional_fields() -> None:
    # Real message (2022): "StatisticType":"ExtendedStatistic" ... no DatapointsToAlarm when unset.
    alarm = {k: v for k, v in CPU_ALARM.items() if k not in ("Statistic", "DatapointsToAlarm", "TreatMissingData")}
    alarm["ExtendedStatistic"] = "p99"
    _, message = alarm_notification(
        alarm,
        old_state="OK",
        new_state="ALARM",
        reason="r",
        when=dt.datetime(2026, 6, 1, tzinfo=UTC),
        account_id="1",
        region="us-west-1",
    )
    trigger = message["Trigger"]
    assert list(trigger)[:5] == ["MetricName", "Namespace", "StatisticType", "ExtendedStatistic", "Unit"]
    assert trigger["StatisticType"] == "ExtendedStatistic" and trigger["ExtendedStatistic"] == "p99"
    assert "DatapointsToAlarm" not in trigger and "Statistic" not in trigger
    assert trigger["TreatMissingData"] == ""


def test_region_names_cover_every_commercial_region() -> None:
    with open(os.path.join(os.path.dirname(botocore.__file__), "data", "partitions.json")) as file:
        partitions = json.load(file)
    (aws,) = [p for p in partitions["partitions"] if p["id"] == "aws"]
    regions = {r for r in aws["regions"] if r != "aws-global"}
    assert regions <= set(REGION_NAMES)
    # As written in real notifications.
    assert REGION_NAMES["eu-west-1"] == "EU (Ireland)"
    assert REGION_NAMES["eu-central-1"] == "EU (Frankfurt)"
    assert REGION_NAMES["ca-central-1"] == "Canada (Central)"
    assert REGION_NAMES["ap-southeast-1"] == "Asia Pacific (Singapore)"


def test_unknown_region() -> None:
    with pytest.raises(ValueError):
        alarm_notification(
            CPU_ALARM,
            old_state="OK",
            new_state="ALARM",
            reason="r",
            when=dt.datetime(2026, 6, 1, tzinfo=UTC),
            account_id="1",
            region="mars-1",
        )


# --- EventBridge --------------------------------------------------------------------------

SERVER_CPU = {
    "AlarmName": "ServerCpuTooHigh",
    "AlarmDescription": "Goes into alarm when server CPU utilization is too high!",
    "MetricName": "CPUUtilization",
    "Namespace": "AWS/EC2",
    "Statistic": "Average",
    "Dimensions": [{"Name": "InstanceId", "Value": "i-12345678901234567"}],
    "Period": 300,
    "EvaluationPeriods": 1,
    "DatapointsToAlarm": 1,
    "Threshold": 50.0,
    "ComparisonOperator": "GreaterThanThreshold",
}


def test_state_change_event_matches_the_documented_sample() -> None:
    prev_data = json.loads(
        '{"version":"1.0","queryDate":"2019-10-01T13:56:40.985+0000","startDate":"2019-10-01T13:46:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[0.0666851903306472],"threshold":50.0}'
    )
    new_data = json.loads(
        '{"version":"1.0","queryDate":"2019-10-02T17:04:40.985+0000","startDate":"2019-10-02T16:59:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[99.50160229693434],"threshold":50.0}'
    )
    event = alarm_state_change_event(
        SERVER_CPU,
        old_state="OK",
        old_reason="Threshold Crossed: 1 out of the last 1 datapoints [0.0666851903306472 (01/10/19 13:46:00)] was not greater than the threshold (50.0) (minimum 1 datapoint for ALARM -> OK transition).",
        old_reason_data=prev_data,
        old_timestamp=ts("2019-10-01T13:56:40.987"),
        new_state="ALARM",
        reason="Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] was greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition).",
        reason_data=new_data,
        when=ts("2019-10-02T17:04:40.989"),
        account_id="123456789012",
        region="us-east-1",
    )
    documented = {
        "version": "0",
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": "123456789012",
        "time": "2019-10-02T17:04:40Z",
        "region": "us-east-1",
        "resources": ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh"],
        "detail": {
            "alarmName": "ServerCpuTooHigh",
            "configuration": {
                "description": "Goes into alarm when server CPU utilization is too high!",
                "metrics": [
                    {
                        "metricStat": {
                            "metric": {
                                "dimensions": {"InstanceId": "i-12345678901234567"},
                                "name": "CPUUtilization",
                                "namespace": "AWS/EC2",
                            },
                            "period": 300,
                            "stat": "Average",
                        },
                        "returnData": True,
                    }
                ],
            },
            "previousState": {
                "reason": "Threshold Crossed: 1 out of the last 1 datapoints [0.0666851903306472 (01/10/19 13:46:00)] was not greater than the threshold (50.0) (minimum 1 datapoint for ALARM -> OK transition).",
                "reasonData": '{"version":"1.0","queryDate":"2019-10-01T13:56:40.985+0000","startDate":"2019-10-01T13:46:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[0.0666851903306472],"threshold":50.0}',
                "timestamp": "2019-10-01T13:56:40.987+0000",
                "value": "OK",
            },
            "state": {
                "reason": "Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] was greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition).",
                "reasonData": '{"version":"1.0","queryDate":"2019-10-02T17:04:40.985+0000","startDate":"2019-10-02T16:59:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[99.50160229693434],"threshold":50.0}',
                "timestamp": "2019-10-02T17:04:40.989+0000",
                "value": "ALARM",
            },
        },
    }
    generated_id = event["detail"]["configuration"]["metrics"][0].pop("id")
    assert len(generated_id) == 36  # a UUID, like the sample's
    event_id = event.pop("id")
    assert event == documented
    assert list(event) == ["version", "detail-type", "source", "account", "time", "region", "resources", "detail"]
    assert len(event_id) == 36


def test_initial_state_has_no_reason_data() -> None:
    # Math-alarm sample: previousState {"reason": "Unchecked: Initial alarm creation", ...}
    metrics = [
        {"Id": "e1", "Expression": "SUM(METRICS())", "Label": "Total Network Traffic", "ReturnData": True},
        {
            "Id": "m1",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/EC2",
                    "MetricName": "NetworkIn",
                    "Dimensions": [{"Name": "InstanceId", "Value": "i-12345678901234567"}],
                },
                "Period": 300,
                "Stat": "Maximum",
            },
            "ReturnData": False,
        },
    ]
    alarm = {
        "AlarmName": "TotalNetworkTrafficTooHigh",
        "Metrics": metrics,
        "EvaluationPeriods": 1,
        "Threshold": 10000.0,
        "ComparisonOperator": "GreaterThanThreshold",
    }
    event = alarm_state_change_event(
        alarm,
        old_state="INSUFFICIENT_DATA",
        old_reason="Unchecked: Initial alarm creation",
        old_timestamp=ts("2019-10-02T17:20:03.642"),
        new_state="ALARM",
        reason="r",
        reason_data={"version": "1.0"},
        when=ts("2019-10-02T17:20:48.554"),
        account_id="123456789012",
        region="us-east-1",
    )
    assert event["detail"]["previousState"] == {
        "reason": "Unchecked: Initial alarm creation",
        "timestamp": "2019-10-02T17:20:03.642+0000",
        "value": "INSUFFICIENT_DATA",
    }
    assert event["detail"]["configuration"]["metrics"] == [
        {"expression": "SUM(METRICS())", "id": "e1", "label": "Total Network Traffic", "returnData": True},
        {
            "id": "m1",
            "metricStat": {
                "metric": {
                    "dimensions": {"InstanceId": "i-12345678901234567"},
                    "name": "NetworkIn",
                    "namespace": "AWS/EC2",
                },
                "period": 300,
                "stat": "Maximum",
            },
            "returnData": False,
        },
    ]
    assert "description" not in event["detail"]["configuration"]


# --- email ------------------------------------------------------------------------------

FAILED_LOGINS = {
    "AlarmName": "FailedLogins",
    "AlarmArn": "arn:aws:cloudwatch:us-east-1:776520358045:alarm:FailedLogins",
    "OKActions": [],
    "AlarmActions": ["arn:aws:sns:us-east-1:776520358045:MySNSTopic"],
    "InsufficientDataActions": [],
    "MetricName": "ConsoleLoginFailureCount",
    "Namespace": "CloudTrailMetrics",
    "Statistic": "Sum",
    "Dimensions": [],
    "Period": 300,
    "EvaluationPeriods": 1,
    "DatapointsToAlarm": 1,
    "Threshold": 3.0,
    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    "TreatMissingData": "missing",
}
FAILED_REASON = (
    "Threshold Crossed: 1 out of the last 1 datapoints [3.0 (15/06/25 12:02:00)] was greater than or "
    "equal to the threshold (3.0) (minimum 1 datapoint for OK -> ALARM transition)."
)
UNSUBSCRIBE = "https://sns.us-east-1.amazonaws.com/unsubscribe.html?SubscriptionArn=arn:aws:sns:us-east-1:776520358045:MySNSTopic:3b0f1e42&Endpoint=ops@example.com"

# A real email (CloudTrail lab write-up, 2025) with the SNS footer of real emails of that time.
EXPECTED_EMAIL = f"""You are receiving this email because your Amazon CloudWatch Alarm "FailedLogins" in the US East (N. Virginia) region has entered the ALARM state, because "{FAILED_REASON}" at "Sunday 15 June, 2025 12:07:17 UTC".

View this alarm in the AWS Management Console:
https://us-east-1.console.aws.amazon.com/cloudwatch/deeplink.js?region=us-east-1#alarmsV2:alarm/FailedLogins

Alarm Details:
- Name:                       FailedLogins
- Description:
- State Change:               INSUFFICIENT_DATA -> ALARM
- Reason for State Change:    {FAILED_REASON}
- Timestamp:                  Sunday 15 June, 2025 12:07:17 UTC
- AWS Account:                776520358045
- Alarm Arn:                  arn:aws:cloudwatch:us-east-1:776520358045:alarm:FailedLogins

Threshold:
- The alarm is in the ALARM state when the metric is GreaterThanOrEqualToThreshold 3.0 for at least 1 of the last 1 period(s) of 300 seconds.

Monitored Metric:
- MetricNamespace:                     CloudTrailMetrics
- MetricName:                          ConsoleLoginFailureCount
- Dimensions:
- Period:                              300 seconds
- Statistic:                           Sum
- Unit:                                not specified
- TreatMissingData:                    missing


State Change Actions:
- OK:
- ALARM: [arn:aws:sns:us-east-1:776520358045:MySNSTopic]
- INSUFFICIENT_DATA:


--
If you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:
{UNSUBSCRIBE}

Please do not reply directly to this email. If you have any questions or comments regarding this email, please contact us at https://aws.amazon.com/support
"""


def failed_logins_message() -> tuple[str, dict[str, object]]:
    return alarm_notification(
        FAILED_LOGINS,
        old_state="INSUFFICIENT_DATA",
        new_state="ALARM",
        reason=FAILED_REASON,
        when=dt.datetime(2025, 6, 15, 12, 7, 17, 120000, tzinfo=UTC),
        account_id="776520358045",
        region="us-east-1",
    )


def test_email_body_matches_a_real_email() -> None:
    subject, message = failed_logins_message()
    body = email_body(
        subject, message, topic_arn="arn:aws:sns:us-east-1:776520358045:MySNSTopic", unsubscribe_url=UNSUBSCRIBE
    )
    # Trailing spaces after empty values are not reliably preserved in the quoted samples.
    assert [line.rstrip() for line in body.split("\n")] == EXPECTED_EMAIL.split("\n")


def test_email_dimensions_and_several_actions() -> None:
    alarm = {
        **FAILED_LOGINS,
        "Dimensions": [
            {"Name": "TargetGroup", "Value": "targetgroup/tg/e74a"},
            {"Name": "LoadBalancer", "Value": "app/lb/1372"},
        ],
        "AlarmActions": ["arn:aws:sns:us-east-1:1:a", "arn:aws:sns:us-east-1:1:b"],
    }
    subject, message = alarm_notification(
        alarm,
        old_state="OK",
        new_state="ALARM",
        reason="r",
        when=dt.datetime(2024, 7, 10, 16, 24, 3, tzinfo=UTC),
        account_id="1",
        region="us-east-1",
    )
    body = email_body(subject, message, topic_arn="arn:aws:sns:us-east-1:1:b", unsubscribe_url="u")
    # As in a real email (raisetech sample, 2024).
    assert (
        "- Dimensions:                          [TargetGroup = targetgroup/tg/e74a] [LoadBalancer = app/lb/1372]\n"
        in body
    )
    assert "- ALARM: [arn:aws:sns:us-east-1:1:a] [arn:aws:sns:us-east-1:1:b]\n" in body
    assert "Wednesday 10 July, 2024 16:24:03 UTC" in body


def test_email_only_for_topics_of_the_new_state() -> None:
    subject, message = failed_logins_message()
    with pytest.raises(ValueError):
        email_body(subject, message, topic_arn="arn:aws:sns:us-east-1:776520358045:Other", unsubscribe_url="u")


def test_email_subject_rules() -> None:
    _, message = failed_logins_message()
    with pytest.raises(ValueError):
        email_body("x" * 100, message, topic_arn="arn:aws:sns:us-east-1:776520358045:MySNSTopic", unsubscribe_url="u")
    with pytest.raises(ValueError):
        email_body(
            "two\nlines", message, topic_arn="arn:aws:sns:us-east-1:776520358045:MySNSTopic", unsubscribe_url="u"
        )


def test_plain_message_email() -> None:
    body = email_body("hello", "plain text", topic_arn="arn:aws:sns:us-east-1:1:t", unsubscribe_url="https://u")
    assert body.startswith("plain text\n\n--\nIf you wish to stop receiving notifications")
    assert "https://u\n\nPlease do not reply directly to this email." in body
