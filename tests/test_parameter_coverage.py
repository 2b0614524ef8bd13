"""Issue 16's rule: every parameter a lab client accepts is honoured as AWS documents it, or refused by name.

The test walks botocore's input shapes (AWS's own service models) of every CloudWatch, CloudWatch Logs,
SNS and EventBridge operation the emulator answers, validates or observes, and proves each member is
in labkit.emulator.coverage.COVERAGE as honoured, checked by the answering plugin, or refused; then
that a refused member raises UnsupportedOperation naming it through a plain boto3 client, and that
README's list of refusals is the table's. To refresh README after editing the table:
``.venv/bin/python -c "from tests.test_parameter_coverage import write_readme; write_readme()"``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from labkit.emulator import cloudwatch_refused, coverage
from labkit.exceptions import UnsupportedOperation
from labkit.runtime.lab import Lab

SERVICES = ("cloudwatch", "logs", "sns", "events")
README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- parameter-coverage:start -->\n", "<!-- parameter-coverage:end -->"
_MODELS = botocore.session.get_session()


def _touched(lab: Lab) -> set[tuple[str, str]]:
    emulator = lab.emulator
    assert emulator is not None
    found = set(emulator._answers) | {k for k, v in emulator._validators.items() if v}
    found |= {k for k, v in emulator._observers.items() if v}
    return {(service, operation) for service, operation in found if service in SERVICES}


def _shape_at(service: str, operation: str, path: str) -> Any:
    shape = _MODELS.get_service_model(service).operation_model(operation).input_shape
    for part in path.split("."):
        name = part.removesuffix("[]")
        if shape.type_name == "map":
            return shape.value  # a key of a map parameter (SNS attributes): any key is a valid path
        if shape.type_name != "structure" or name not in shape.members:
            return None
        shape = shape.members[name]
        if part.endswith("[]"):
            if shape.type_name != "list":
                return None
            shape = shape.member
    return shape


def test_every_member_of_every_touched_operation_is_honoured_checked_or_refused(lab: Lab) -> None:
    missing = []
    for service, operation in sorted(_touched(lab)):
        if (service == "cloudwatch" and operation in cloudwatch_refused.REFUSED) or (
            service == "logs" and operation in cloudwatch_refused.LOGS_REFUSED
        ):
            continue  # the whole operation is refused by name
        table = coverage.COVERAGE.get((service, operation))
        if table is None:
            missing.append(f"{service}.{operation}: not in COVERAGE")
            continue
        shape = _MODELS.get_service_model(service).operation_model(operation).input_shape
        listed = {*table.honoured, *table.checked, *table.refused}
        missing += [f"{service}.{operation}.{m}" for m in (shape.members if shape else {}) if m not in listed]
    assert missing == [], (
        "members neither honoured nor refused (add them to labkit/emulator/coverage.py):\n" + "\n".join(missing)
    )


def test_the_table_names_only_real_members_once() -> None:
    for (service, operation), table in coverage.COVERAGE.items():
        paths = [*table.honoured, *table.checked, *table.refused]
        assert len(paths) == len(set(paths)), f"{service}.{operation} lists a member twice"
        for path in paths:
            assert _shape_at(service, operation, path) is not None, f"{service}.{operation} has no member {path}"


def test_every_operation_with_refusals_is_checked_at_runtime(lab: Lab) -> None:
    emulator = lab.emulator
    assert emulator is not None
    for key, table in coverage.COVERAGE.items():
        if table.refused:
            assert emulator._validators.get(key), f"{key} has refusals but no validator"


@pytest.mark.parametrize("key", sorted(k for k, t in coverage.COVERAGE.items() if t.refused))
def test_each_refused_member_is_named(key: tuple[str, str]) -> None:
    """Through the table's own check: a request with only that member is refused naming it."""
    service, operation = key
    for path, refusal in coverage.COVERAGE[key].refused.items():
        value: Any = "x" if refusal.when is None else "true"
        params: Any = value
        for part in reversed(path.split(".")):
            params = {part.removesuffix("[]"): [params] if part.endswith("[]") else params}
        found = coverage.refused_in(service, operation, params)
        assert found is not None and found[0] == path, (key, path)


def test_refusals_reach_the_learner_through_boto3(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    with pytest.raises(UnsupportedOperation, match="WarmUpConfiguration"):
        cloudwatch.put_metric_alarm(
            AlarmName="warm",
            Namespace="Lab/App",
            MetricName="Errors",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanThreshold",
            WarmUpConfiguration={"WarmUpPeriodDurationInMinutes": 5},
        )
    assert cloudwatch.describe_alarms(AlarmNames=["warm"])["MetricAlarms"] == []  # nothing stored
    sns = lab.client("sns")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    with pytest.raises(UnsupportedOperation, match=r"Attributes\.FilterPolicy"):
        sns.subscribe(
            TopicArn=topic,
            Protocol="email",
            Endpoint="you@example.com",
            Attributes={"FilterPolicy": '{"severity": ["high"]}'},
        )
    sns.subscribe(
        TopicArn=topic, Protocol="email", Endpoint="you@example.com", Attributes={"RawMessageDelivery": "false"}
    )
    with pytest.raises(UnsupportedOperation, match="MessageStructure"):
        sns.publish(TopicArn=topic, Message='{"default": "x"}', MessageStructure="json")
    logs = lab.client("logs")
    logs.create_log_group(logGroupName="app")
    with pytest.raises(UnsupportedOperation, match=r"GetQueryResults.*maxItems"):
        logs.get_query_results(queryId="q", maxItems=10)
    destination = "arn:aws:lambda:ap-northeast-1:123456789012:function:f"
    with pytest.raises(UnsupportedOperation, match="filterPattern"):
        logs.put_subscription_filter(
            logGroupName="app", filterName="s", filterPattern="ERROR", destinationArn=destination
        )
    with pytest.raises(logs.exceptions.InvalidParameterException):  # AWS's own validation comes first
        logs.put_subscription_filter(
            logGroupName="app", filterName="s", filterPattern="ERROR(", destinationArn=destination
        )
    events = lab.client("events")
    with pytest.raises(UnsupportedOperation, match="ScheduleExpression"):
        events.put_rule(Name="nightly", ScheduleExpression="rate(1 day)")
    metrics = lab.client("cloudwatch")
    metrics.put_metric_data(Namespace="Lab/App", MetricData=[{"MetricName": "Errors", "Value": 1}])
    with pytest.raises(UnsupportedOperation, match="LabelOptions"):
        metrics.get_metric_data(
            MetricDataQueries=[
                {
                    "Id": "m1",
                    "MetricStat": {
                        "Metric": {"Namespace": "Lab/App", "MetricName": "Errors"},
                        "Period": 60,
                        "Stat": "Sum",
                    },
                }
            ],
            StartTime=lab.clock.now() - dt.timedelta(hours=1),
            EndTime=lab.clock.now(),
            LabelOptions={"Timezone": "+0900"},
        )


def _readme_section() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(re.escape(START) + r"(.*?)" + re.escape(END), text, re.S)
    assert match, f"README.md has no {START.strip()} ... {END} section"
    return match.group(1)


def write_readme() -> None:
    """Rewrite README's section from the table (run after editing labkit/emulator/coverage.py)."""
    text = README.read_text(encoding="utf-8")
    README.write_text(
        text.replace(START + _readme_section() + END, START + coverage.readme_section() + END), encoding="utf-8"
    )


def test_readme_lists_exactly_the_refused_parameters() -> None:
    assert _readme_section() == coverage.readme_section(), (
        "README.md's list of refused parameters is out of date: "
        'run .venv/bin/python -c "from tests.test_parameter_coverage import write_readme; write_readme()"'
    )
