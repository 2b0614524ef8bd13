"""Notebook 05 keeps its tuned alarm and offers the article's: the article tests its alarm by trying SSH
without the key pair "a few times" and expects ``ALARM: "SSH Failed" in Asia Pacific (Tokyo)``, so the
alarm named ``SSH Failed`` fires on one failure; ``SSH brute force`` needs 10 ``[preauth]`` lines.

Alarm evaluation and M of N: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html;
metric filters count each matching event: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/MonitoringLogData.html.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import nbformat

from labkit.aws.agent import LogSource
from labkit.aws.filterpattern import compile
from labkit.lesson.logs import SecureLogGenerator, SimulatedAgent
from labkit.lesson.prereqs import alerts_topic
from labkit.runtime.lab import Lab

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "05-ssh-failure-metric-filter.ipynb"


def test_a_keyless_login_is_one_preauth_line_from_the_administrator() -> None:
    for flavor, user_part in (("al2023", "authenticating user ec2-user "), ("al2", "")):
        generator = SecureLogGenerator(seed=5, flavor=flavor)
        at = dt.datetime(2026, 6, 1, 0, 2, 17, tzinfo=dt.timezone.utc)
        [line] = generator.keyless_login(at)
        assert line.timestamp == at
        assert "sshd[" in line.text and f"Connection closed by {user_part}198.51.100.7 port " in line.text
        assert line.text.endswith(" [preauth]") and compile('"[preauth]"').matches(line.text)


def test_one_failure_fires_the_articles_alarm_and_not_the_tuned_one(lab: Lab) -> None:
    topic = alerts_topic(lab)
    logs, cloudwatch = lab.client("logs"), lab.client("cloudwatch")
    logs.create_log_group(logGroupName="ssh_logs")
    logs.put_metric_filter(
        logGroupName="ssh_logs",
        filterName="SSH Failed",
        filterPattern='"[preauth]"',
        metricTransformations=[{"metricName": "SSHFailed", "metricNamespace": "LabLogs", "metricValue": "1"}],
    )
    for name, threshold in (("SSH Failed", 1), ("SSH brute force", 10)):
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            Namespace="LabLogs",
            MetricName="SSHFailed",
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=threshold,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            TreatMissingData="notBreaching",
            AlarmActions=[topic],
        )
    agent = SimulatedAgent(logs, LogSource("/var/log/secure", "ssh_logs"), now=lab.clock.now, create_group=False)
    start = lab.clock.now()
    lab.advance(minutes=3)
    agent.ship(SecureLogGenerator(seed=5).keyless_login(start + dt.timedelta(minutes=2, seconds=17)))
    lab.advance(minutes=2)
    states = {a["AlarmName"]: a["StateValue"] for a in cloudwatch.describe_alarms()["MetricAlarms"]}
    assert states == {"SSH Failed": "ALARM", "SSH brute force": "OK"}
    subjects = [n.subject for n in lab.inbox.notifications("you@example.com") if n.subject.startswith("ALARM")]
    assert subjects == ['ALARM: "SSH Failed" in Asia Pacific (Tokyo)']


def _outputs(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.get("outputs", []))


def test_notebook_05_creates_both_alarms_and_shows_which_one_each_test_fires() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    [created] = [c for c in code if "put_metric_alarm" in c.source and "article_alarm" in c.source]
    assert "'SSH Failed': (1.0," in _outputs(created) and "'SSH brute force': (10.0," in _outputs(created)
    [table] = [c for c in code if "per_minute = pd.DataFrame" in c.source]
    rows = [line.split() for line in _outputs(table).splitlines()]
    first_period = [row for row in rows if row and row[0] == "00:00"]
    # The keyless login (one [preauth] line) fires the article's alarm; the tuned one stays OK until the attack.
    assert first_period[0][1:4] == ["1", "1", "ALARM"] and first_period[1][1:] == ["OK"]
    [emails] = [c for c in code if "alarm_emails" in c.source]
    assert _outputs(emails).splitlines() == [
        # Evaluated every minute over a sliding window (notebook 05's prose says so): 00:04 and 00:07.
        '00:04 ALARM: "SSH Failed" in Asia Pacific (Tokyo)',
        '00:07 ALARM: "SSH brute force" in Asia Pacific (Tokyo)',
    ]
    # The real-account test says which alarm a few tries exercise, and how to exercise the other.
    assert "**The article's `SSH Failed`** (≥ 1)" in text and "**once**" in text
    assert "a few tries by hand do **not** fire it" in text and "seq 10" in text
