"""Notebook 05's chain offline: sshd lines at their own seconds → metric filter → alarm → email;
and the Parameter Store kind of notebook 04 is torn down.

Alarms evaluate every minute over a sliding window whatever second the datapoints carry
("Alarm evaluation window", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation-window.html#sliding-window);
metric filters count each event at its own timestamp
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/MonitoringLogData.html).
"""

from __future__ import annotations

import datetime as dt

from labkit.aws.agent import LogSource
from labkit.lesson.logs import SecureLogGenerator, SimulatedAgent
from labkit.lesson.prereqs import alerts_topic
from labkit.runtime.lab import Lab


def _ssh_alarm(lab: Lab, topic: str) -> SimulatedAgent:
    logs = lab.client("logs")
    logs.create_log_group(logGroupName="ssh_logs")
    logs.put_metric_filter(
        logGroupName="ssh_logs",
        filterName="SSH Failed",
        filterPattern='"[preauth]"',
        metricTransformations=[{"metricName": "SSHFailed", "metricNamespace": "LabLogs", "metricValue": "1"}],
    )
    lab.client("cloudwatch").put_metric_alarm(
        AlarmName="SSH Failed",
        Namespace="LabLogs",
        MetricName="SSHFailed",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=10,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[topic],
    )
    return SimulatedAgent(logs, LogSource("/var/log/secure", "ssh_logs"), now=lab.clock.now, create_group=False)


def test_attack_lines_at_uneven_seconds_reach_the_inbox(lab: Lab) -> None:
    topic = alerts_topic(lab)
    agent = _ssh_alarm(lab, topic)
    start = lab.clock.now()
    lines = SecureLogGenerator(seed=5).attack(start + dt.timedelta(minutes=5), 4, source_ip="192.0.2.77")
    assert any(line.timestamp.second != 0 for line in lines)
    for minute in range(10):
        begin = start + dt.timedelta(minutes=minute)
        lab.advance(minutes=1)
        batch = [line for line in lines if begin <= line.timestamp < begin + dt.timedelta(minutes=1)]
        if batch:
            agent.ship(batch)
    state = lab.client("cloudwatch").describe_alarms(AlarmNames=["SSH Failed"])["MetricAlarms"][0]["StateValue"]
    assert state == "ALARM"
    [email] = lab.inbox.notifications("you@example.com")
    assert email.subject == 'ALARM: "SSH Failed" in Asia Pacific (Tokyo)'
    # The lines of 00:05-00:07 are shipped after each minute; the 00:07 evaluation (window 00:02-00:07)
    # counts at least 10 of them. Before evaluations slid every minute, the email waited for 00:10.
    assert email.sent_at == start + dt.timedelta(minutes=7)


def test_quiet_server_stays_ok(lab: Lab) -> None:
    agent = _ssh_alarm(lab, alerts_topic(lab))
    start = lab.clock.now()
    agent.ship(SecureLogGenerator(seed=5).normal(start, 10, logins_per_hour=30))
    lab.advance(minutes=10)
    state = lab.client("cloudwatch").describe_alarms(AlarmNames=["SSH Failed"])["MetricAlarms"][0]["StateValue"]
    assert state == "OK"
    assert lab.inbox.notifications() == []


def test_agent_parameter_is_torn_down_and_a_preexisting_one_is_kept(lab: Lab) -> None:
    ssm = lab.internal_client("ssm")
    ssm.put_parameter(Name="AmazonCloudWatch-theirs", Type="String", Value="{}")
    learner = lab.client("ssm")
    learner.put_parameter(Name="AmazonCloudWatch-ssh", Type="String", Value="{}")
    learner.put_parameter(Name="AmazonCloudWatch-ssh", Type="String", Value='{"agent": {}}', Overwrite=True)
    learner.put_parameter(Name="AmazonCloudWatch-theirs", Type="String", Value="{}", Overwrite=True)
    assert lab.inventory() == ["ssm:parameter AmazonCloudWatch-ssh"]
    report = lab.teardown()
    assert report.ok and lab.inventory() == []
    names = [p["Name"] for p in ssm.describe_parameters()["Parameters"]]
    assert names == ["AmazonCloudWatch-theirs"]
