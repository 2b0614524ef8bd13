"""Metric filters turn ingested events into metric data, and the article's SSH alarm fires.

Rules: "Creating metrics from log events using filters"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/MonitoringLogData.html) and
"Filter pattern syntax for metric filters"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntaxForMetricFilters.html).
"""

from __future__ import annotations

import datetime as dt

from labkit.runtime.clock import DEFAULT_START
from labkit.runtime.lab import Lab

PREAUTH = "Jun  1 00:01:{s:02d} ip-10-0-0-229 sshd[2817]: Connection closed by 198.51.100.23 port 5{s:04d} [preauth]"
ACCEPTED = "Jun  1 00:01:30 ip-10-0-0-229 sshd[2901]: Accepted publickey for ec2-user from 192.0.2.10 port 50022 ssh2"


def _setup(lab: Lab, pattern: str, **transformation: object) -> None:
    logs = lab.client("logs")
    logs.create_log_group(logGroupName="ssh_logs")
    logs.create_log_stream(logGroupName="ssh_logs", logStreamName="i-0123/var/log/secure")
    logs.put_metric_filter(
        logGroupName="ssh_logs",
        filterName="ssh-failed",
        filterPattern=pattern,
        metricTransformations=[
            {"metricName": "SSHFailed", "metricNamespace": "LabLogs", "metricValue": "1", **transformation}
        ],
    )


def _ship(lab: Lab, messages: list[str], at: dt.datetime) -> None:
    millis = int(at.timestamp() * 1000)
    lab.client("logs").put_log_events(
        logGroupName="ssh_logs",
        logStreamName="i-0123/var/log/secure",
        logEvents=[{"timestamp": millis + n, "message": m} for n, m in enumerate(messages)],
    )


def _sum(lab: Lab, period: int = 60) -> dict[dt.datetime, float]:
    points = lab.client("cloudwatch").get_metric_statistics(
        Namespace="LabLogs",
        MetricName="SSHFailed",
        StartTime=DEFAULT_START,
        EndTime=DEFAULT_START + dt.timedelta(hours=1),
        Period=period,
        Statistics=["Sum"],
    )["Datapoints"]
    return {p["Timestamp"].astimezone(dt.timezone.utc): p["Sum"] for p in points}


def test_matching_events_count_in_their_own_minute(lab: Lab) -> None:
    _setup(lab, '"[preauth]"')
    _ship(lab, [PREAUTH.format(s=s) for s in range(3)] + [ACCEPTED], DEFAULT_START + dt.timedelta(minutes=1))
    assert _sum(lab) == {DEFAULT_START + dt.timedelta(minutes=1): 3.0}


def _stats(lab: Lab) -> dict[dt.datetime, tuple[float, float]]:
    points = lab.client("cloudwatch").get_metric_statistics(
        Namespace="LabLogs",
        MetricName="SSHFailed",
        StartTime=DEFAULT_START,
        EndTime=DEFAULT_START + dt.timedelta(hours=1),
        Period=60,
        Statistics=["Sum", "SampleCount"],
    )["Datapoints"]
    return {p["Timestamp"].astimezone(dt.timezone.utc): (p["Sum"], p["SampleCount"]) for p in points}


def test_default_value_is_reported_once_per_minute_with_logs_but_no_match(lab: Lab) -> None:
    """defaultValue: "The value reported to the metric filter during a period when logs are ingested but
    no matching logs are found ... If no logs are ingested during a one-minute period, then no value is
    reported" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/MonitoringLogData.html, Concepts).
    Not once per non-matching event: SampleCount and Average would be wrong."""
    _setup(lab, '"[preauth]"', defaultValue=0.0)
    minute = DEFAULT_START + dt.timedelta(minutes=2)
    _ship(lab, [ACCEPTED, ACCEPTED, ACCEPTED], minute)
    _ship(lab, [ACCEPTED], minute + dt.timedelta(seconds=20))  # a second batch in the same minute
    _ship(lab, [PREAUTH.format(s=1), PREAUTH.format(s=2), ACCEPTED], minute + dt.timedelta(minutes=1))
    assert _stats(lab) == {minute: (0.0, 1.0), minute + dt.timedelta(minutes=1): (2.0, 2.0)}


def test_field_value_and_dimensions_from_a_space_delimited_pattern(lab: Lab) -> None:
    _setup(
        lab,
        "[..., closed_by=by, ip, port_word=port, port, tag=preauth]",
        metricValue="1",
        dimensions={"SourceIp": "$ip"},
    )
    _ship(lab, [PREAUTH.format(s=1)], DEFAULT_START + dt.timedelta(minutes=1))
    points = lab.client("cloudwatch").get_metric_statistics(
        Namespace="LabLogs",
        MetricName="SSHFailed",
        Dimensions=[{"Name": "SourceIp", "Value": "198.51.100.23"}],
        StartTime=DEFAULT_START,
        EndTime=DEFAULT_START + dt.timedelta(hours=1),
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    assert [p["Sum"] for p in points] == [1.0]


def test_unquoted_preauth_counts_every_line(lab: Lab) -> None:
    """The article's pitfall: [preauth] without quotes is a one-field space-delimited pattern."""
    _setup(lab, "[preauth]")
    _ship(lab, [PREAUTH.format(s=1), ACCEPTED], DEFAULT_START + dt.timedelta(minutes=1))
    assert _sum(lab) == {DEFAULT_START + dt.timedelta(minutes=1): 2.0}


def test_ssh_attack_reaches_the_inbox_as_the_articles_email(lab: Lab) -> None:
    sns = lab.client("sns")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
    lab.inbox.confirm()
    _setup(lab, '"[preauth]"')
    lab.client("cloudwatch").put_metric_alarm(
        AlarmName="SSH Failed",
        Namespace="LabLogs",
        MetricName="SSHFailed",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[topic],
    )
    lab.advance(minutes=1)
    _ship(lab, [PREAUTH.format(s=s) for s in range(5)], lab.clock.now())
    lab.advance(minutes=2)
    [email] = lab.inbox.notifications()
    assert email.subject == 'ALARM: "SSH Failed" in Asia Pacific (Tokyo)'


def test_filters_changed_by_the_kits_own_client_count_as_changed(lab: Lab) -> None:
    """Ingestion keeps each group's filters; a change through any lab client (teardown's internal one) drops them."""
    _setup(lab, '"[preauth]"')
    _ship(lab, [PREAUTH.format(s=1)], DEFAULT_START + dt.timedelta(minutes=1))
    lab.internal_client("logs").delete_metric_filter(logGroupName="ssh_logs", filterName="ssh-failed")
    _ship(lab, [PREAUTH.format(s=2)], DEFAULT_START + dt.timedelta(minutes=2))
    lab.internal_client("logs").put_metric_filter(
        logGroupName="ssh_logs",
        filterName="accepted",
        filterPattern='"Accepted publickey"',
        metricTransformations=[{"metricName": "SSHFailed", "metricNamespace": "LabLogs", "metricValue": "5"}],
    )
    _ship(lab, [ACCEPTED, PREAUTH.format(s=3)], DEFAULT_START + dt.timedelta(minutes=3))
    assert _sum(lab) == {DEFAULT_START + dt.timedelta(minutes=1): 1.0, DEFAULT_START + dt.timedelta(minutes=3): 5.0}
