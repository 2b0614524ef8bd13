"""Teardown a learner can trust: by registry, by tag, through throttling, from a new process."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from lab_setups import email_topic, errors_alarm

import labkit
from labkit.aws.iam_policies import trust_policy
from labkit.exceptions import GuardrailError
from labkit.runtime.lab import Lab
from labkit.runtime.resources import KINDS_BY_NAME, TAG_KEY, Registry, _record_for_arn
from labkit.tools.cli import main


def test_tagged_resources_are_found_when_the_registry_is_lost(lab: Lab) -> None:
    lab.client("sns").create_topic(Name="alerts")
    lab.client("cloudwatch").put_metric_alarm(
        AlarmName="SSH Failed",
        MetricName="SSHFailed",
        Namespace="LabLogs",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    lab.client("logs").create_log_group(logGroupName="ssh_logs")
    lab.client("events").put_rule(Name="health", EventPattern=json.dumps({"source": ["aws.health"]}))
    lab.client("iam").create_role(RoleName="logs-agent", AssumeRolePolicyDocument=json.dumps(trust_policy()))
    lab.client("ec2").create_security_group(GroupName="web", Description="lab")
    untagged = lab.internal_client("sns").create_topic(Name="production")["TopicArn"]
    lab.registry.records.clear()  # the registry file was deleted
    assert lab.inventory() == []
    report = lab.teardown(tagged=True)
    assert report.ok, str(report)
    assert sorted(line.split()[0] for line in report.deleted) == [
        "cloudwatch:alarm",
        "ec2:security-group",
        "events:rule",
        "iam:role",
        "logs:log-group",
        "sns:topic",
    ]
    assert [t["TopicArn"] for t in lab.internal_client("sns").list_topics()["Topics"]] == [untagged]


def test_throttling_during_teardown_is_retried(lab: Lab) -> None:
    lab.client("sns").create_topic(Name="alerts")
    sns = lab.internal_client("sns")
    throttled: list[str] = []

    def throttle_once(request: Any, **_: Any) -> Any:
        if not throttled:
            from botocore.awsrequest import AWSResponse

            throttled.append("DeleteTopic")
            body = b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>"

            class Raw:
                def stream(self, **_: Any) -> Any:
                    yield body

            return AWSResponse(request.url, 400, {}, Raw())
        return None

    sns.meta.events.register_first("before-send.sns.DeleteTopic", throttle_once)
    report = lab.teardown()
    assert throttled == ["DeleteTopic"]
    assert report.ok and lab.inventory() == []


def test_cli_teardown_after_a_crash_on_a_server_writes_a_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with labkit.connect("moto-server") as server:
        monkeypatch.setenv("LABKIT_ENDPOINT_URL", server.backend.endpoint_url)
        crashed = labkit.connect("moto-server")
        crashed.client("sns").create_topic(Name="left-behind")
        registry = Registry(crashed.backend.registry_key, crashed.registry.path)
        assert len(registry.records) == 1  # persisted as it was created
        assert main(["teardown", "--dry-run"]) == 0
        assert "would delete  sns:topic" in capsys.readouterr().out
        report_file = tmp_path / "teardown.txt"
        assert main(["teardown", "--report", str(report_file)]) == 0
        assert "teardown: nothing left" in report_file.read_text()
        assert main(["inventory"]) == 0
        assert "0 resources recorded" in capsys.readouterr().out
        assert server.internal_client("sns").list_topics()["Topics"] == []


def test_billable_steps_need_explicit_confirmation_on_aws(lab: Lab) -> None:
    lab.billable("an EC2 t3.micro", "$0.0136/hour")  # offline: nothing to confirm
    lab.backend.name = "aws"  # pretend, without an account: only the guard is under test
    with pytest.raises(GuardrailError, match=r"an EC2 t3.micro costs \$0.0136/hour .* lab.confirm_costs = True"):
        lab.billable("an EC2 t3.micro", "$0.0136/hour")
    lab.confirm_costs = True
    lab.billable("an EC2 t3.micro", "$0.0136/hour")
    lab.backend.name = "moto"


def test_lab_tag_is_not_added_to_a_pre_existing_resource(lab: Lab) -> None:
    lab.internal_client("cloudwatch").put_metric_alarm(
        AlarmName="prod",
        MetricName="m",
        Namespace="n",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanThreshold",
    )
    with pytest.raises(GuardrailError, match="will not redefine it"):  # nor redefine it (tests/test_hardening.py)
        lab.client("cloudwatch").put_metric_alarm(
            AlarmName="prod",
            MetricName="m",
            Namespace="n",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=2,
            ComparisonOperator="GreaterThanThreshold",
        )
    arn = lab.internal_client("cloudwatch").describe_alarms()["MetricAlarms"][0]["AlarmArn"]
    tags = lab.internal_client("cloudwatch").list_tags_for_resource(ResourceARN=arn)["Tags"]
    assert all(tag["Key"] != TAG_KEY for tag in tags)


def test_confirmed_billable_step_puts_the_budget_guard_first(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABKIT_BUDGET_EMAIL", "owner@example.com")
    monkeypatch.setenv("LABKIT_BUDGET_USD", "5")
    lab.backend.name = "aws"  # only the guard is under test; moto stands in for the account
    try:
        lab.billable("a t3.micro EC2 instance", "about $0.0136/hour", confirmed=True)
        lab.billable("another step", "free", confirmed=True)  # the guard is made once
    finally:
        lab.backend.name = "moto"
    budgets = lab.internal_client("budgets", "us-east-1")
    [budget] = budgets.describe_budgets(AccountId=lab.account_id)["Budgets"]
    assert budget["BudgetName"] == "labkit-guard" and budget["BudgetLimit"]["Amount"] in ("5.00", "5.0", "5")
    alerts = budgets.describe_notifications_for_budget(AccountId=lab.account_id, BudgetName="labkit-guard")[
        "Notifications"
    ]
    assert sorted(n["Threshold"] for n in alerts) == [50.0, 100.0]
    assert lab.teardown().ok
    assert budgets.describe_budgets(AccountId=lab.account_id).get("Budgets", []) == []


def _topic_kind() -> Any:
    return KINDS_BY_NAME["sns:topic"]


def test_two_processes_sharing_the_registry_file_never_lose_each_others_records(tmp_path: Path) -> None:
    path = tmp_path / "registry.json"
    first, second = Registry("moto-server:x", path), Registry("moto-server:x", path)  # loaded before either wrote
    now = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
    first.add(_topic_kind(), "ap-northeast-1", {"TopicArn": "arn:a"}, now, "lab-a")
    second.add(_topic_kind(), "ap-northeast-1", {"TopicArn": "arn:b"}, now, "lab-b")
    assert sorted(r.ident["TopicArn"] for r in Registry("moto-server:x", path).ordered()) == ["arn:a", "arn:b"]
    first.remove(first.ordered("lab-a")[0])
    assert [r.ident["TopicArn"] for r in second.ordered()] == ["arn:b"]  # reads see the other process's change


_WRITER = """
import datetime as dt, pathlib, sys, time
from labkit.runtime.resources import KINDS_BY_NAME, Registry
path, name, go = pathlib.Path(sys.argv[1]), sys.argv[2], pathlib.Path(sys.argv[3])
registry = Registry("moto-server:x", path)
(go.parent / name).touch()  # ready
while not go.exists():
    time.sleep(0.005)
for n in range(100):
    registry.add(KINDS_BY_NAME["sns:topic"], "ap-northeast-1", {"TopicArn": f"arn:{name}:{n}"},
                 dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc), "lab-" + name)
"""


def test_two_writer_processes_at_once_keep_every_record_of_both(tmp_path: Path) -> None:
    # The file lock (filelock, on every OS) makes each read-change-write of the file whole.
    path, go = tmp_path / "registry.json", tmp_path / "go"
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(path), name, str(go)]) for name in ("a", "b")]
    while not all((tmp_path / name).exists() for name in ("a", "b")) and all(w.poll() is None for w in writers):
        time.sleep(0.01)
    go.touch()  # both start writing together
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0]
    stored = {r.ident["TopicArn"] for r in Registry("moto-server:x", path).ordered()}
    assert stored == {f"arn:{name}:{n}" for name in ("a", "b") for n in range(100)}


def test_only_labs_of_dead_kernels_on_this_machine_count_as_abandoned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "registry.json"
    registry = Registry("moto-server:x", path)
    now = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(finished.stdout)
    owners = {
        "lab-dead-kernel": {"host": socket.gethostname(), "pid": dead_pid, "kernel": True},
        "lab-live-kernel": {"host": socket.gethostname(), "pid": os.getppid(), "kernel": True},  # another live process
        "lab-dead-cli": {"host": socket.gethostname(), "pid": dead_pid, "kernel": False},
        "lab-other-host": {"host": "elsewhere.invalid", "pid": dead_pid, "kernel": True},
    }
    for lab_id in [*owners, "lab-unknown"]:
        registry.add(_topic_kind(), "ap-northeast-1", {"TopicArn": f"arn:{lab_id}"}, now, lab_id)
    data = json.loads(path.read_text())
    data["_owners"] = {"moto-server:x": owners}
    path.write_text(json.dumps(data))
    assert registry.abandoned_labs() == ["lab-dead-kernel"]
    # An earlier lab of this very kernel (Run All again after a failure) is abandoned too; the current one never.
    owners["lab-earlier-run"] = {"host": socket.gethostname(), "pid": os.getpid(), "kernel": True}
    registry.add(_topic_kind(), "ap-northeast-1", {"TopicArn": "arn:lab-earlier-run"}, now, "lab-earlier-run")
    data = json.loads(path.read_text())
    data["_owners"] = {"moto-server:x": owners}
    path.write_text(json.dumps(data))
    assert registry.abandoned_labs(current="lab-now") == ["lab-dead-kernel", "lab-earlier-run"]
    assert registry.abandoned_labs(current="lab-earlier-run") == ["lab-dead-kernel"]


def test_finished_labs_that_made_nothing_do_not_pile_up_in_the_registry_file(tmp_path: Path) -> None:
    path = tmp_path / "registry.json"
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    Registry("aws:1", path).claim("lab-cli-run")
    data = json.loads(path.read_text())
    data["_owners"]["aws:1"]["lab-cli-run"]["pid"] = int(finished.stdout)  # that process has ended
    path.write_text(json.dumps(data))
    Registry("aws:1", path).claim("lab-next")
    assert list(json.loads(path.read_text())["_owners"]["aws:1"]) == ["lab-next"]


def test_a_process_that_only_imported_ipykernel_is_not_a_kernel(tmp_path: Path) -> None:
    import ipykernel.kernelapp  # noqa: F401  (pytest with nbval has it imported anyway)

    registry = Registry("moto-server:x", tmp_path / "registry.json")
    registry.claim("lab-script")
    owner = json.loads((tmp_path / "registry.json").read_text())["_owners"]["moto-server:x"]["lab-script"]
    assert owner["kernel"] is False and owner["pid"] == os.getpid()


def test_log_alarms_are_deleted_one_by_one(lab: Lab) -> None:
    """A log alarm is an alarm (its ARN is arn:aws:cloudwatch:...:alarm:<name>); teardown deletes each alarm in a
    DeleteAlarms call of its own, as log alarms need: "Log alarms cannot be batch deleted" (API_DeleteAlarms)."""
    assert "PutLogAlarm" in KINDS_BY_NAME["cloudwatch:alarm"].create_operations
    lab.client("logs").create_log_group(logGroupName="/var/log/secure")
    cloudwatch = lab.client("cloudwatch")
    for name in ("ssh-failures", "ssh-failures-hourly"):
        cloudwatch.put_log_alarm(
            AlarmName=name,
            ScheduledQueryConfiguration={
                "QueryString": "filter @message like /preauth/",
                "LogGroupIdentifiers": ["/var/log/secure"],
                "ScheduledQueryRoleARN": f"arn:aws:iam::{lab.account_id}:role/scheduled-query",
                "ScheduleConfiguration": {"ScheduleExpression": "rate(5 minutes)", "StartTimeOffset": 300},
                "AggregationExpression": "count(*)",
            },
            QueryResultsToEvaluate=1,
            QueryResultsToAlarm=1,
            Threshold=3.0,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )
    assert sum(label.startswith("cloudwatch:alarm ssh-failures") for label in lab.inventory()) == 2, lab.inventory()
    lab.teardown()
    assert lab.inventory() == []
    assert lab.internal_client("cloudwatch").describe_alarms(AlarmTypes=["LogAlarm"])["LogAlarms"] == []
    arn = "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ssh-failures"
    record = _record_for_arn(arn, "lab-1", lab.internal_client, "2026-06-01T00:00:00+00:00")
    assert record is not None and (record.kind, record.ident) == ("cloudwatch:alarm", {"AlarmName": "ssh-failures"})


def test_alarm_mute_rules_are_deleted_after_their_alarms(lab: Lab) -> None:
    """Deleting a rule unmutes its alarms "immediately ... If those alarms are in an ALARM state, their configured
    actions will trigger" (API_DeleteAlarmMuteRule): teardown deletes the alarm first, so no action wakes."""
    topic = email_topic(lab, "pager", "oncall@example.com")
    errors_alarm(lab, "errors", AlarmActions=[topic])
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_alarm_mute_rule(
        Name="deploy",
        Rule={"Schedule": {"Expression": "at(2026-06-01T00:00)", "Duration": "PT2H"}},
        MuteTargets={"AlarmNames": ["errors"]},
    )
    cloudwatch.set_alarm_state(AlarmName="errors", StateValue="ALARM", StateReason="test")
    assert any(label.startswith("cloudwatch:alarm-mute-rule deploy") for label in lab.inventory()), lab.inventory()
    assert KINDS_BY_NAME["cloudwatch:alarm-mute-rule"].order > KINDS_BY_NAME["cloudwatch:alarm"].order
    lab.teardown()
    assert lab.inventory() == []
    assert lab.internal_client("cloudwatch").list_alarm_mute_rules()["AlarmMuteRuleSummaries"] == []
    assert lab.inbox.notifications("oncall@example.com") == []
    arn = "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm-mute-rule:deploy"
    record = _record_for_arn(arn, "lab-1", lab.internal_client, "2026-06-01T00:00:00+00:00")
    assert record is not None and (record.kind, record.ident) == ("cloudwatch:alarm-mute-rule", {"Name": "deploy"})
