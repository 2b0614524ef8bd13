"""PutMetricAlarm validation.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
Messages quoted from real AWS answers where one was found (see labkit/aws/alarms/validation.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from labkit.aws.alarms import validate_put_metric_alarm
from labkit.exceptions import InvalidAlarmParameter, LabkitError

SNS = "arn:aws:sns:ap-northeast-1:123456789012:ops-alerts"


def alarm(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "AlarmName": "cpu-high",
        "Namespace": "AWS/EC2",
        "MetricName": "CPUUtilization",
        "Dimensions": [{"Name": "InstanceId", "Value": "i-0123456789abcdef0"}],
        "Statistic": "Average",
        "Period": 300,
        "EvaluationPeriods": 3,
        "Threshold": 80.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "AlarmActions": [SNS],
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def rejects(params: dict[str, Any], message: str, code: str = "ValidationError") -> InvalidAlarmParameter:
    with pytest.raises(InvalidAlarmParameter) as info:
        validate_put_metric_alarm(params)
    assert message in str(info.value)
    assert info.value.code == code
    assert isinstance(info.value, ValueError) and isinstance(info.value, LabkitError)
    return info.value


def test_a_normal_alarm_is_accepted() -> None:
    validate_put_metric_alarm(alarm())
    validate_put_metric_alarm(alarm(DatapointsToAlarm=2, TreatMissingData="notBreaching", Unit="Percent"))


@pytest.mark.parametrize("period", [10, 20, 30, 60, 120, 3600, 86400])
def test_valid_periods(period: int) -> None:
    # "Valid values are 10, 20, 30, and any multiple of 60."
    validate_put_metric_alarm(alarm(Period=period, EvaluationPeriods=1))


@pytest.mark.parametrize("period", [1, 7, 15, 45, 90, 301])
def test_invalid_periods(period: int) -> None:
    error = rejects(alarm(Period=period), "Period must be 10, 20, 30 or a multiple of 60")
    assert error.parameter == "Period"


def test_evaluation_window_at_most_one_day_below_hourly_periods() -> None:
    # "For alarms with a period of less than one hour ... can't be longer than one day".
    validate_put_metric_alarm(alarm(Period=300, EvaluationPeriods=288))
    rejects(alarm(Period=300, EvaluationPeriods=289), "must not exceed 86400 seconds")


def test_evaluation_window_at_most_seven_days() -> None:
    # "Period multiplied by EvaluationPeriods can't be more than 604,800 seconds."
    validate_put_metric_alarm(alarm(Period=3600, EvaluationPeriods=168))
    rejects(alarm(Period=3600, EvaluationPeriods=169), "must not exceed 604800 seconds")


def test_datapoints_to_alarm_at_most_evaluation_periods() -> None:
    rejects(alarm(DatapointsToAlarm=4), "DatapointsToAlarm must be less than or equal to EvaluationPeriods")


def test_unknown_comparison_operator() -> None:
    error = rejects(
        alarm(ComparisonOperator="GreaterThanMaybe"),
        "at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [GreaterThanOrEqualToThreshold",
    )
    assert error.message.startswith("1 validation error detected: Value 'GreaterThanMaybe'")


def test_statistic_and_extended_statistic_are_exclusive() -> None:
    rejects(
        alarm(ExtendedStatistic="p99"), "Exactly one of Statistic and ExtendedStatistic", "InvalidParameterCombination"
    )
    rejects(alarm(Statistic=None), "Exactly one of Statistic and ExtendedStatistic", "InvalidParameterCombination")
    validate_put_metric_alarm(alarm(Statistic=None, ExtendedStatistic="p99"))


def test_unknown_statistic_and_extended_statistic() -> None:
    rejects(
        alarm(Statistic="Median"), "Member must satisfy enum value set: [SampleCount, Average, Sum, Minimum, Maximum]"
    )
    rejects(
        alarm(Statistic=None, ExtendedStatistic="p101"),
        "Invalid value 'p101' for ExtendedStatistic",
        "InvalidParameterValue",
    )
    rejects(alarm(Statistic=None, ExtendedStatistic="median"), "Invalid value 'median'", "InvalidParameterValue")
    for ok in ("p99.9", "tm90", "IQM", "TM(10%:90%)", "PR(:300)"):
        validate_put_metric_alarm(alarm(Statistic=None, ExtendedStatistic=ok))


def test_treat_missing_data_values() -> None:
    rejects(
        alarm(TreatMissingData="sometimes"), "Invalid value 'sometimes' for TreatMissingData", "InvalidParameterValue"
    )
    for ok in ("breaching", "notBreaching", "ignore", "missing"):
        validate_put_metric_alarm(alarm(TreatMissingData=ok))


def test_evaluate_low_sample_count_only_for_percentiles() -> None:
    validate_put_metric_alarm(alarm(Statistic=None, ExtendedStatistic="p99", EvaluateLowSampleCountPercentile="ignore"))
    rejects(
        alarm(EvaluateLowSampleCountPercentile="ignore"),
        "can only be used with a percentile",
        "InvalidParameterCombination",
    )
    rejects(
        alarm(Statistic=None, ExtendedStatistic="p99", EvaluateLowSampleCountPercentile="yes"),
        "Invalid value 'yes'",
        "InvalidParameterValue",
    )


def test_threshold_required_for_static_operators() -> None:
    rejects(alarm(Threshold=None), "The parameter Threshold is required.", "MissingParameter")


METRICS = [
    {
        "Id": "m1",
        "MetricStat": {
            "Metric": {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization"},
            "Period": 300,
            "Stat": "Average",
        },
        "ReturnData": True,
    },
    {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)", "ReturnData": True},
]


def math_alarm(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = dict.fromkeys(("Namespace", "MetricName", "Dimensions", "Statistic", "Period"))
    base["Metrics"] = [dict(q) for q in METRICS[:1]]
    return alarm(**{**base, **overrides})


def test_metrics_exclude_single_metric_parameters() -> None:
    validate_put_metric_alarm(math_alarm())
    rejects(math_alarm(Statistic="Average"), "Statistic should not be set if list of Metrics is set.")
    rejects(math_alarm(Period=300), "Period should not be set if list of Metrics is set.")


def test_metric_or_metrics_required() -> None:
    rejects(alarm(MetricName=None), "Either MetricName or Metrics must be specified.", "MissingParameter")


def test_anomaly_alarm_needs_threshold_metric_id_not_threshold() -> None:
    band = {"ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold", "Threshold": None}
    metrics = [dict(q) for q in METRICS]
    metrics[0]["ReturnData"] = True
    metrics[1]["ReturnData"] = False
    ok = math_alarm(Metrics=metrics, ThresholdMetricId="ad1", **band)
    validate_put_metric_alarm(ok)
    rejects(
        {**ok, "Threshold": 5.0},
        "Threshold should not be set if ThresholdMetricId is set.",
        "InvalidParameterCombination",
    )
    rejects(
        {k: v for k, v in ok.items() if k != "ThresholdMetricId"}, "ThresholdMetricId is required", "MissingParameter"
    )
    rejects({**ok, "ThresholdMetricId": "nope"}, "does not match the Id of any element")
    rejects(alarm(ThresholdMetricId="ad1"), "can only be used with an anomaly detection", "InvalidParameterCombination")
    # "If your alarm uses this parameter, it cannot have Auto Scaling actions."
    scaling = (
        "arn:aws:autoscaling:ap-northeast-1:123456789012:scalingPolicy:1a2b:autoScalingGroupName/web:policyName/up"
    )
    rejects({**ok, "AlarmActions": [scaling]}, "Auto Scaling actions are not supported", "InvalidParameterCombination")


def test_knowledge_center_anomaly_alarm_example_is_accepted() -> None:
    """AWS's own example (https://repost.aws/knowledge-center/cloudwatch-set-anomaly-detection-alarm):
    m1 has ReturnData true and the band t1 leaves ReturnData at its default (true)."""
    example = {
        "AlarmActions": [SNS],
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
    validate_put_metric_alarm(example)
    both_hidden = [{**example["Metrics"][0], "ReturnData": False}, example["Metrics"][1]]
    rejects(
        {**example, "Metrics": both_hidden},
        "Exactly one element of the Metrics list must have ReturnData set to true (found 0)",
    )


def test_metrics_need_exactly_one_returned_series() -> None:
    metrics = [dict(q) for q in METRICS]
    rejects(
        math_alarm(Metrics=metrics),
        "Exactly one element of the Metrics list must have ReturnData set to true (found 2)",
    )
    rejects(math_alarm(Metrics=[METRICS[0], METRICS[0]]), "is used more than once")
    rejects(math_alarm(Metrics=[{**METRICS[0], "Id": "M1"}]), "must start with a lowercase letter")


def test_math_alarms_cannot_stop_instances() -> None:
    # "Alarms based on math expressions can't perform Amazon EC2 actions."
    rejects(
        math_alarm(AlarmActions=["arn:aws:automate:ap-northeast-1:ec2:stop"]),
        "EC2 actions are not supported",
        "InvalidParameterCombination",
    )


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:automate:ap-northeast-1:ec2:reboot",
        "arn:aws:swf:us-east-1:123456789012:action/actions/AWS_EC2.InstanceId.Stop/1.0",
        "arn:aws:lambda:us-east-1:123456789012:function:notify:prod",
        SNS,
        "arn:aws:ssm:us-east-1:123456789012:opsitem:2#CATEGORY=Availability",
        "arn:aws:ssm-incidents::123456789012:responseplan/web-down",
    ],
)
def test_documented_action_shapes(arn: str) -> None:
    validate_put_metric_alarm(alarm(AlarmActions=[arn]))


@pytest.mark.parametrize(
    "arn",
    [
        "ops-alerts",
        "arn:aws:sns:ap-northeast-1:1234:ops",
        "arn:aws:automate:ap-northeast-1:ec2:explode",
        "arn:aws:s3:::bucket",
    ],
)
def test_malformed_actions(arn: str) -> None:
    rejects(alarm(OKActions=[arn]), f"Invalid OKActions ARN: {arn}", "InvalidParameterValue")


def test_at_most_five_actions() -> None:
    rejects(
        alarm(AlarmActions=[SNS] * 6),
        "at 'alarmActions' failed to satisfy constraint: Member must have length less than or equal to 5",
    )


def test_lengths() -> None:
    rejects(alarm(AlarmName="x" * 256), "Member must have length less than or equal to 255")
    rejects(alarm(AlarmDescription="d" * 1025), "at 'alarmDescription'")
    rejects(alarm(Dimensions=[{"Name": "n", "Value": "v"}] * 31), "less than or equal to 30")
    rejects(alarm(AlarmName="bad\nname"), "can't contain ASCII control characters")


def test_unit_enum() -> None:
    rejects(alarm(Unit="Percentage"), "Value 'Percentage' at 'unit'")
