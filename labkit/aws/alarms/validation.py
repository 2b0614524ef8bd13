"""PutMetricAlarm checks CloudWatch makes and moto skips (Period=7, made-up operators, ...).

Taught in notebook 02-cpu-alarm.

Rules come from the PutMetricAlarm API reference
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html)
and botocore's model of it (lengths, enums, list sizes). Wording:

* Constraint failures use AWS's generic validation text, "1 validation error detected: Value
  '30' at 'period' failed to satisfy constraint: Member must ...", with the camel-cased member
  path AWS reports (seen in real answers, e.g. ansible/ansible#29694).
* "Period must be 10, 30 or a multiple of 60" is AWS's answer (awsdocs/aws-cloudformation-
  user-guide#777); labkit adds 20, which AWS has accepted since high-resolution alarms gained it.
* "DatapointsToAlarm must be less than or equal to EvaluationPeriods" (hashicorp/terraform#24070)
  and "Statistic should not be set if list of Metrics is set." (cfn-lint#766) are AWS's words.
* Other messages (marked *labkit wording* below) state the documented rule in AWS's style; AWS's
  exact text for them was not found in public material.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from labkit.aws.alarms.evaluation import ANOMALY_OPERATORS, COMPARISON_OPERATORS, TREAT_MISSING_DATA
from labkit.aws.alarms.statistics import STATISTICS
from labkit.exceptions import InvalidAlarmParameter

__all__ = ["UNITS", "validate_put_metric_alarm"]

#: ``StandardUnit`` values (botocore model of CloudWatch 2010-08-01).
UNITS = (
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
)

ONE_DAY = 86_400
SEVEN_DAYS = 604_800

# ExtendedStatistic forms listed in the API reference: p90, tm90, tc90, ts90, wm90, IQM,
# PR(n:m), TC/TM/TS/WM(X%:X%).
_NUM = r"\d+(?:\.\d+)?"
_EXTENDED = re.compile(
    rf"^(?:p{_NUM}|(?:tm|tc|ts|wm){_NUM}|IQM|PR\((?:{_NUM})?:(?:{_NUM})?\)"
    rf"|(?:TC|TM|TS|WM)\((?:{_NUM}%)?:(?:{_NUM}%)?\))$"
)
_PERCENT_VALUE = re.compile(rf"^(?:p|tm|tc|ts|wm)({_NUM})$")

# Alarm action ARNs from the API reference (AlarmActions "Valid values").
_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d"
_ACCOUNT = r"\d{12}"
_ACTION_PATTERNS = (
    rf"^arn:aws:automate:{_REGION}:ec2:(?:stop|terminate|reboot|recover)$",
    rf"^arn:aws:swf:{_REGION}:{_ACCOUNT}:action/actions/AWS_EC2\.InstanceId\."
    r"(?:Stop|Terminate|Reboot|Recover)/1\.0$",
    rf"^arn:aws:autoscaling:{_REGION}:{_ACCOUNT}:scalingPolicy:[^:]+:"
    r"autoScalingGroupName/[^:]+:policyName/.+$",
    rf"^arn:aws:lambda:{_REGION}:{_ACCOUNT}:function:[A-Za-z0-9_-]+(?::[A-Za-z0-9_$-]+)?$",
    rf"^arn:aws:sns:{_REGION}:{_ACCOUNT}:[A-Za-z0-9_-]{{1,256}}(?:\.fifo)?$",
    rf"^arn:aws:ssm:{_REGION}:{_ACCOUNT}:opsitem:[1-4](?:#CATEGORY=.+)?$",
    rf"^arn:aws:ssm-incidents::{_ACCOUNT}:responseplan/.+$",
    rf"^arn:aws:aiops:{_REGION}:{_ACCOUNT}:investigation-group:.+$",
)
_EC2_ACTION = re.compile(r"^arn:aws:(?:automate:[^:]+:ec2:|swf:.*AWS_EC2\.)")

_SINGLE_METRIC_PARAMS = (
    "Namespace",
    "MetricName",
    "Dimensions",
    "Period",
    "Unit",
    "Statistic",
    "ExtendedStatistic",
)


def _fail(message: str, parameter: str | None = None, code: str = "ValidationError") -> NoReturn:
    raise InvalidAlarmParameter(message, code=code, parameter=parameter)


def _member(name: str) -> str:
    """AWS's member path in constraint messages: ``alarmName``, ``oKActions``, ..."""
    return name[0].lower() + name[1:]


def _constraint(name: str, value: object, rule: str) -> NoReturn:
    _fail(
        f"1 validation error detected: Value '{value}' at '{_member(name)}' failed to satisfy "
        f"constraint: Member must {rule}",
        name,
    )


def _length(name: str, value: str | Sequence[Any], low: int, high: int | None) -> None:
    if len(value) < low:
        _constraint(name, value, f"have length greater than or equal to {low}")
    if high is not None and len(value) > high:
        _constraint(name, value, f"have length less than or equal to {high}")


def _enum(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        _constraint(name, value, f"satisfy enum value set: [{', '.join(allowed)}]")


def _check_period(value: Any, name: str = "Period") -> None:
    """Valid periods are 10, 20, 30 and any multiple of 60 (API reference, ``Period``)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        _constraint(name, value, "have value greater than or equal to 1")
    if value not in (10, 20, 30) and value % 60:
        _fail("Period must be 10, 20, 30 or a multiple of 60", name)


def _check_evaluation_window(period: int, evaluation_periods: int) -> None:
    """Period x EvaluationPeriods: at most 7 days, and at most 1 day when Period < 1 hour.

    *labkit wording*. API reference, ``Period``: "Period multiplied by EvaluationPeriods can't
    be more than 604,800 seconds. For alarms with a period of less than one hour (3,600
    seconds), the total evaluation period can't be longer than one day (86,400 seconds)."
    """
    total = period * evaluation_periods
    if total > SEVEN_DAYS:
        _fail(
            f"The evaluation period (Period {period} x EvaluationPeriods {evaluation_periods} = "
            f"{total} seconds) must not exceed {SEVEN_DAYS} seconds",
            "EvaluationPeriods",
        )
    if period < 3600 and total > ONE_DAY:
        _fail(
            f"The evaluation period (Period {period} x EvaluationPeriods {evaluation_periods} = "
            f"{total} seconds) must not exceed {ONE_DAY} seconds for a Period of less than "
            "3600 seconds",
            "EvaluationPeriods",
        )


def _check_extended_statistic(value: str, name: str = "ExtendedStatistic") -> None:
    """*labkit wording*: the forms listed under ``ExtendedStatistic``; percentiles p0-p100."""
    match = _PERCENT_VALUE.match(value)
    if not _EXTENDED.match(value) or (match and float(match.group(1)) > 100):
        _fail(f"Invalid value '{value}' for {name}.", name, "InvalidParameterValue")


def _is_percentile(extended: str | None) -> bool:
    return bool(extended) and bool(re.match(rf"^p{_NUM}$", extended or ""))


def _check_dimensions(dimensions: Any, name: str = "Dimensions") -> None:
    _length(name, dimensions, 0, 30)
    for i, dim in enumerate(dimensions, start=1):
        if "Name" not in dim or "Value" not in dim:
            _fail(f"The dimension at position {i} needs both Name and Value.", name)
        _length(f"{name}.{i}.member.Name", dim["Name"], 1, 255)
        _length(f"{name}.{i}.member.Value", dim["Value"], 1, 1024)


def _check_actions(params: Mapping[str, Any], math_or_anomaly: bool, anomaly: bool) -> None:
    """Action lists: at most 5 ARNs each, of the documented shapes.

    API reference, ``AlarmActions``; "Alarms based on math expressions can't perform Amazon EC2
    actions" (User Guide, #alarms-on-metric-math-expressions); "If your alarm uses [ThresholdMetricId],
    it cannot have Auto Scaling actions" (API reference, ``ThresholdMetricId``).
    Action messages are *labkit wording*.
    """
    for name in ("OKActions", "AlarmActions", "InsufficientDataActions"):
        actions = params.get(name)
        if actions is None:
            continue
        _length(name, actions, 0, 5)
        for arn in actions:
            _length(f"{name}.member", arn, 1, 1024)
            if not any(re.match(p, arn) for p in _ACTION_PATTERNS):
                _fail(f"Invalid {name} ARN: {arn}", name, "InvalidParameterValue")
            if math_or_anomaly and _EC2_ACTION.match(arn):
                _fail(
                    f"EC2 actions are not supported for alarms on math expressions or anomaly detection: {arn}",
                    name,
                    "InvalidParameterCombination",
                )
            if anomaly and arn.startswith("arn:aws:autoscaling:"):
                _fail(
                    f"Auto Scaling actions are not supported for anomaly detection alarms: {arn}",
                    name,
                    "InvalidParameterCombination",
                )


def _check_metrics(metrics: Any, threshold_metric_id: str | None) -> None:
    """The ``Metrics`` array: unique ids, exactly one ReturnData, MetricStat or Expression each.

    MetricDataQuery reference: "Id ... must start with a lowercase letter"; "Exactly one of the
    items in the array must have ReturnData set to true" for alarms; "Within one MetricDataQuery
    object, you must specify either Expression or MetricStat but not both."
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html
    Messages are *labkit wording*.
    """
    if not metrics:
        _constraint("Metrics", metrics, "have length greater than or equal to 1")
    ids: set[str] = set()
    returning = 0
    for i, query in enumerate(metrics, start=1):
        qid = query.get("Id", "")
        _length(f"Metrics.{i}.member.Id", qid, 1, 255)
        if not re.match(r"^[a-z][A-Za-z0-9_]*$", qid):
            _fail(
                f"Invalid metrics Id '{qid}': it must start with a lowercase letter and contain "
                "only letters, numbers and underscores.",
                "Metrics",
            )
        if qid in ids:
            _fail(f"The metrics Id '{qid}' is used more than once.", "Metrics")
        ids.add(qid)
        has_stat, has_expr = "MetricStat" in query, "Expression" in query
        if has_stat == has_expr:
            _fail(
                f"Exactly one of MetricStat and Expression must be specified for metrics Id '{qid}'.",
                "Metrics",
            )
        if has_stat:
            stat = query["MetricStat"]
            metric = stat.get("Metric", {})
            _length(f"Metrics.{i}.member.MetricStat.Metric.MetricName", metric.get("MetricName", ""), 1, 255)
            _check_dimensions(metric.get("Dimensions", []), f"Metrics.{i}.member.MetricStat.Metric.Dimensions")
            _check_period(stat.get("Period"), f"Metrics.{i}.member.MetricStat.Period")
            if stat.get("Stat") not in STATISTICS:
                _check_extended_statistic(str(stat.get("Stat")), f"Metrics.{i}.member.MetricStat.Stat")
        # An anomaly alarm returns its band too: the PutMetricAlarm reference's "Anomaly Detection
        # Model Alarm" example (and AWS's Knowledge Center one) set ReturnData true on both the
        # metric and the ANOMALY_DETECTION_BAND named by ThresholdMetricId.
        if query.get("ReturnData", True) and qid != threshold_metric_id:
            returning += 1
    if returning != 1:
        _fail(
            f"Exactly one element of the Metrics list must have ReturnData set to true (found {returning}).",
            "Metrics",
        )
    if threshold_metric_id is not None and threshold_metric_id not in ids:
        _fail(
            f"ThresholdMetricId '{threshold_metric_id}' does not match the Id of any element of Metrics.",
            "ThresholdMetricId",
        )


def validate_put_metric_alarm(params: Mapping[str, Any]) -> None:
    """Raise :class:`~labkit.exceptions.InvalidAlarmParameter` for what PutMetricAlarm rejects.

    ``params`` are the PutMetricAlarm parameters as passed to boto3. Returns ``None`` when
    CloudWatch would accept them. The exception's ``.code`` is the AWS error code.
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
    """
    name = params.get("AlarmName")
    if name is None:
        _fail("The parameter AlarmName is required.", "AlarmName", "MissingParameter")
    _length("AlarmName", name, 1, 255)
    # User Guide, common features: "can't contain ASCII control characters".
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        _fail("Alarm names can't contain ASCII control characters.", "AlarmName")
    if "AlarmDescription" in params:
        _length("AlarmDescription", params["AlarmDescription"], 0, 1024)

    metrics = params.get("Metrics")
    single = params.get("MetricName") is not None
    if metrics is not None:
        for key in _SINGLE_METRIC_PARAMS:
            if params.get(key) is not None:
                _fail(f"{key} should not be set if list of Metrics is set.", key)
    elif not single:
        _fail(  # labkit wording
            "Either MetricName or Metrics must be specified.", "MetricName", "MissingParameter"
        )

    operator = params.get("ComparisonOperator")
    if operator is None:
        _fail("The parameter ComparisonOperator is required.", "ComparisonOperator", "MissingParameter")
    _enum("ComparisonOperator", operator, COMPARISON_OPERATORS)
    anomaly = operator in ANOMALY_OPERATORS

    evaluation_periods = params.get("EvaluationPeriods")
    if evaluation_periods is None:
        _fail("The parameter EvaluationPeriods is required.", "EvaluationPeriods", "MissingParameter")
    if evaluation_periods < 1:
        _constraint("EvaluationPeriods", evaluation_periods, "have value greater than or equal to 1")
    datapoints = params.get("DatapointsToAlarm")
    if datapoints is not None:
        if datapoints < 1:
            _constraint("DatapointsToAlarm", datapoints, "have value greater than or equal to 1")
        if datapoints > evaluation_periods:
            _fail("DatapointsToAlarm must be less than or equal to EvaluationPeriods", "DatapointsToAlarm")

    # Threshold vs ThresholdMetricId (API reference, ThresholdMetricId) - labkit wording.
    has_threshold = params.get("Threshold") is not None
    threshold_id = params.get("ThresholdMetricId")
    if anomaly:
        if threshold_id is None:
            _fail(
                f"ThresholdMetricId is required for the {operator} comparison operator.",
                "ThresholdMetricId",
                "MissingParameter",
            )
        if has_threshold:
            _fail(
                "Threshold should not be set if ThresholdMetricId is set.",
                "Threshold",
                "InvalidParameterCombination",
            )
        if metrics is None:
            _fail(
                "An anomaly detection alarm needs the Metrics list holding the ANOMALY_DETECTION_BAND expression.",
                "Metrics",
                "MissingParameter",
            )
    else:
        if threshold_id is not None:
            _fail(
                f"ThresholdMetricId can only be used with an anomaly detection comparison operator, not {operator}.",
                "ThresholdMetricId",
                "InvalidParameterCombination",
            )
        if not has_threshold:
            _fail("The parameter Threshold is required.", "Threshold", "MissingParameter")

    if single:
        _length("MetricName", params["MetricName"], 1, 255)
        namespace = params.get("Namespace")
        if namespace is not None:
            _length("Namespace", namespace, 1, 255)
            if namespace.startswith(":"):
                _constraint("Namespace", namespace, "satisfy regular expression pattern: [^:].*")
        statistic, extended = params.get("Statistic"), params.get("ExtendedStatistic")
        # API reference, ExtendedStatistic: "either Statistic or ExtendedStatistic but not both".
        if (statistic is None) == (extended is None):
            _fail(  # labkit wording
                "Exactly one of Statistic and ExtendedStatistic must be specified.",
                "Statistic",
                "InvalidParameterCombination",
            )
        if statistic is not None:
            _enum("Statistic", statistic, STATISTICS)
        elif extended is not None:  # always, as exactly one of the two is given (checked above)
            _check_extended_statistic(extended)
        if params.get("Period") is None:
            _fail("The parameter Period is required.", "Period", "MissingParameter")
        _check_period(params["Period"])
        _check_evaluation_window(params["Period"], evaluation_periods)
        if params.get("Unit") is not None:
            _enum("Unit", params["Unit"], UNITS)
        _check_dimensions(params.get("Dimensions", []))
    if metrics is not None:
        _check_metrics(metrics, threshold_id)
        returned = [q for q in metrics if q.get("ReturnData", True) and q.get("Id") != threshold_id]
        period = returned[0].get("Period") or returned[0].get("MetricStat", {}).get("Period")
        if period is not None:
            _check_evaluation_window(period, evaluation_periods)

    tmd = params.get("TreatMissingData")
    if tmd is not None and tmd not in TREAT_MISSING_DATA:
        _fail(  # labkit wording
            f"Invalid value '{tmd}' for TreatMissingData. Valid values are: {', '.join(TREAT_MISSING_DATA)}.",
            "TreatMissingData",
            "InvalidParameterValue",
        )
    low_sample = params.get("EvaluateLowSampleCountPercentile")
    if low_sample is not None:
        # API reference: valid values are evaluate and ignore, used only for percentiles.
        if low_sample not in ("evaluate", "ignore"):
            _fail(  # labkit wording
                f"Invalid value '{low_sample}' for EvaluateLowSampleCountPercentile. Valid "
                "values are: evaluate, ignore.",
                "EvaluateLowSampleCountPercentile",
                "InvalidParameterValue",
            )
        if not _is_percentile(params.get("ExtendedStatistic")):
            _fail(  # labkit wording
                "EvaluateLowSampleCountPercentile can only be used with a percentile ExtendedStatistic.",
                "EvaluateLowSampleCountPercentile",
                "InvalidParameterCombination",
            )
    _check_actions(params, math_or_anomaly=metrics is not None, anomaly=anomaly)
