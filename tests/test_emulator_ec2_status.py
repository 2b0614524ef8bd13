"""EC2 status checks and the EC2 alarm actions, offline (notebook 07).

Rules: "Status checks for Amazon EC2 instances"
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-system-instance-status-check.html);
InstanceStatusSummary/InstanceStatusDetails (EC2 API reference); status-check metrics every minute
("Instance metrics", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html);
alarm actions: "Create alarms to stop, terminate, reboot, or recover an instance"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/UsingAlarmActions.html).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from labkit import i18n
from labkit.emulator import ec2_workload
from labkit.emulator.ec2_status import OUTCOME_TEXT, ActionRecord, Ec2Status, Outcome
from labkit.lesson import ec2
from labkit.runtime.lab import Lab


def _status(lab: Lab, instance_id: str) -> dict[str, Any]:
    return lab.client("ec2").describe_instance_status(InstanceIds=[instance_id])["InstanceStatuses"][0]


def _alarm(
    lab: Lab, instance: ec2_workload.LabInstance, metric: str, action: str, *, name: str = "a", periods: int = 2
) -> None:
    lab.client("cloudwatch").put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/EC2",
        MetricName=metric,
        Dimensions=instance.dimensions,
        Statistic="Minimum",
        Period=60,
        EvaluationPeriods=periods,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[f"arn:aws:automate:{lab.region}:ec2:{action}"],
    )


def _state(lab: Lab, name: str = "a") -> str:
    return str(lab.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"])


def test_an_impairment_shows_in_describe_instance_status(lab: Lab) -> None:
    instance = ec2.launch(lab)
    assert _status(lab, instance.instance_id)["SystemStatus"] == {
        "Details": [{"Name": "reachability", "Status": "passed"}],
        "Status": "ok",
    }
    lab.advance(minutes=3)
    since = lab.clock.now()
    instance.impair("system", at=since)
    status = _status(lab, instance.instance_id)
    assert status["SystemStatus"] == {
        "Details": [{"Name": "reachability", "Status": "failed", "ImpairedSince": since}],
        "Status": "impaired",
    }
    assert status["InstanceStatus"]["Status"] == "ok"
    instance.repair()
    assert _status(lab, instance.instance_id)["SystemStatus"]["Status"] == "ok"


def test_impair_refuses_an_unknown_kind(lab: Lab) -> None:
    instance = ec2.launch(lab)
    with pytest.raises(ValueError):
        instance.impair("network", at=lab.clock.now())


def test_status_check_metrics_come_every_minute_at_basic_monitoring(lab: Lab) -> None:
    instance = ec2.launch(lab, detailed=False)
    lab.advance(minutes=3)
    instance.impair("instance", at=lab.clock.now())
    lab.advance(minutes=2)
    points = lab.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/EC2",
        MetricName="StatusCheckFailed_Instance",
        Dimensions=instance.dimensions,
        StartTime=lab.clock.now() - dt.timedelta(minutes=5),
        EndTime=lab.clock.now(),
        Period=60,
        Statistics=["Maximum"],
    )["Datapoints"]
    assert [p["Maximum"] for p in sorted(points, key=lambda p: p["Timestamp"])] == [0.0, 0.0, 0.0, 1.0, 1.0]


def test_the_recover_action_repairs_the_host_and_the_alarm_returns_to_ok(lab: Lab) -> None:
    instance = ec2.launch(lab)
    _alarm(lab, instance, "StatusCheckFailed_System", "recover")
    lab.advance(minutes=2)
    instance.impair("system", at=lab.clock.now())
    lab.advance(minutes=2)
    assert _state(lab) == "ALARM"
    [record] = lab.emulator.plugin(Ec2Status).actions
    assert (record.action, record.instance_id, record.kind, record.kind.performed) == (
        "recover",
        instance.instance_id,
        Outcome.RECOVERED,
        True,
    )
    assert record.outcome.startswith("recovered onto new hardware")
    assert not instance.failing("system", lab.clock.now())
    lab.advance(minutes=2)
    assert _state(lab) == "OK"
    assert _status(lab, instance.instance_id)["InstanceState"]["Name"] == "running"


def test_recover_is_refused_on_the_instance_check_and_on_unsupported_types(lab: Lab) -> None:
    instance = ec2.launch(lab)
    _alarm(lab, instance, "StatusCheckFailed_Instance", "recover")
    old = ec2.launch(lab, instance_type="m1.small")
    _alarm(lab, old, "StatusCheckFailed_System", "recover", name="b")
    lab.advance(minutes=1)
    instance.impair("instance", at=lab.clock.now())
    old.impair("system", at=lab.clock.now())
    lab.advance(minutes=2)
    records = lab.emulator.plugin(Ec2Status).actions
    assert {r.alarm_name: r.kind for r in records} == {
        "a": Outcome.RECOVER_NEEDS_SYSTEM_CHECK,
        "b": Outcome.TYPE_NOT_RECOVERABLE,
    }
    assert not any(r.kind.performed for r in records)
    outcomes = {r.alarm_name: r.outcome for r in records}
    assert outcomes == {
        "a": "not performed: the recover action works only with StatusCheckFailed_System",
        "b": "not performed: instance type m1.small does not support recovery",
    }
    assert old.failing("system", lab.clock.now()) and instance.failing("instance", lab.clock.now())


def test_reboot_clears_an_instance_impairment_and_stop_stops(lab: Lab) -> None:
    instance = ec2.launch(lab)
    _alarm(lab, instance, "StatusCheckFailed_Instance", "reboot", periods=3)
    other = ec2.launch(lab, seed=8)  # a second instance: the same launch twice is one instance
    _alarm(lab, other, "StatusCheckFailed_Instance", "stop", name="b")
    lab.advance(minutes=1)
    instance.impair("instance", at=lab.clock.now())
    other.impair("instance", at=lab.clock.now())
    lab.advance(minutes=3)
    actions = {r.alarm_name: (r.action, r.kind, r.outcome) for r in lab.emulator.plugin(Ec2Status).actions}
    assert actions == {"a": ("reboot", Outcome.REBOOTED, "rebooted"), "b": ("stop", Outcome.STOPPED, "stopped")}
    assert not instance.failing("instance", lab.clock.now())
    states = lab.client("ec2").describe_instances(InstanceIds=[other.instance_id])["Reservations"][0]["Instances"]
    assert states[0]["State"]["Name"] == "stopped"


def test_an_ec2_action_needs_an_instance_id_dimension(lab: Lab) -> None:
    lab.client("cloudwatch").put_metric_alarm(
        AlarmName="no-instance",
        Namespace="Lab",
        MetricName="Errors",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[f"arn:aws:automate:{lab.region}:ec2:reboot"],
    )
    lab.client("cloudwatch").set_alarm_state(AlarmName="no-instance", StateValue="ALARM", StateReason="test")
    [record] = lab.emulator.plugin(Ec2Status).actions
    assert record.kind is Outcome.NO_INSTANCE_DIMENSION
    assert record.outcome.startswith("not performed: EC2 actions need a per-instance metric")


def test_the_outcome_reads_in_the_labs_language_and_the_kind_does_not_change(lab: Lab) -> None:
    """Notebook 07 prints ``outcome`` (labkit's explanation, issue 18) and checks ``kind``: a Japanese lab
    reads the recovery in Japanese when it looks, whatever the language was when the action ran; the kind,
    what checkers read, is the same in both languages."""
    instance = ec2.launch(lab)
    _alarm(lab, instance, "StatusCheckFailed_System", "recover")
    lab.advance(minutes=2)
    instance.impair("system", at=lab.clock.now())
    lab.advance(minutes=2)
    [record] = lab.emulator.plugin(Ec2Status).actions
    english = record.outcome
    i18n.set_language("ja")
    try:
        japanese = record.outcome
    finally:
        i18n.set_language("en")
    assert record.kind == "recovered" and english.startswith("recovered onto new hardware")
    assert japanese.startswith("新しいハードウェアに復旧しました")
    assert record.outcome == english


@pytest.mark.parametrize("kind", list(Outcome))
def test_every_outcome_is_said_in_both_languages_naming_the_same_instance_type(kind: Outcome) -> None:
    record = ActionRecord(dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc), "a", "recover", "i-1", kind, "m1.small")
    english = record.outcome
    assert english == OUTCOME_TEXT[kind].format(instance_type="m1.small")
    i18n.set_language("ja")
    try:
        japanese = record.outcome
    finally:
        i18n.set_language("en")
    assert japanese != english and ("m1.small" in japanese) == ("m1.small" in english)
    assert english.startswith("not performed") != kind.performed
