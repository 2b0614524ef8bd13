"""EC2 status checks and the EC2 alarm actions (recover, reboot, stop, terminate), offline.

* ``DescribeInstanceStatus``: moto reports every running instance as passing both checks. For a
  lab instance with an injected impairment (:meth:`labkit.emulator.ec2_workload.LabInstance.impair`) this answer
  reports it as AWS does: the summary ``Status`` becomes ``impaired`` and the ``reachability``
  detail ``failed`` with ``ImpairedSince`` ("InstanceStatusSummary" and "InstanceStatusDetails",
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceStatusSummary.html,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceStatusDetails.html).
  ``SystemStatus`` is the host, ``InstanceStatus`` the guest, ``AttachedEbsStatus`` the volumes
  ("Status checks for Amazon EC2 instances",
  https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-system-instance-status-check.html).
* Alarm actions ``arn:aws:automate:<region>:ec2:recover|reboot|stop|terminate`` are performed when
  the alarm enters the state they are listed under ("Create alarms to stop, terminate, reboot, or
  recover an instance", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/UsingAlarmActions.html):
  they need a per-instance metric (an ``InstanceId`` dimension); *recover* "can be used only with
  StatusCheckFailed_System", moves the instance to new hardware keeping its instance id, private
  and Elastic IP addresses and metadata (in-memory data is lost), is supported only on some
  instance types and never for a terminated instance; *reboot* suits instance check failures.

Guesses, stated: AWS takes minutes to recover an instance, the emulator does it at once; a
reboot is taken to clear an instance (guest) impairment; the supported-type list is the EC2 User
Guide's ("Recover your instance", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-recover.html)
as of an older edition — AWS has added families since. AWS also mails the recovery's outcome to
the alarm's SNS topic; the emulator records it in :attr:`Ec2Status.actions` instead.

What the emulator records is labkit's own explanation, not AWS's words: an :class:`ActionRecord` keeps
the :class:`Outcome` (what code and checkers read, in no language) and says it in the lab's language
(:attr:`ActionRecord.outcome`, issue 18).
Taught in notebook 07-liveness-url-dashboards.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from labkit.emulator.ec2_metrics import Ec2Metrics
from labkit.emulator.ec2_workload import IMPAIRMENT_METRIC, LabInstance
from labkit.i18n import N_, _

if TYPE_CHECKING:
    from labkit.emulator.core import Call, Emulator

#: Instance families the recover action supports (EC2 User Guide, "Recover your instance").
RECOVERABLE_FAMILIES = frozenset(
    [
        "a1",
        "c3",
        "c4",
        "c5",
        "c5a",
        "c5n",
        "c6g",
        "inf1",
        "m3",
        "m4",
        "m5",
        "m5a",
        "m5n",
        "m6g",
        "p3",
        "r3",
        "r4",
        "r5",
        "r5a",
        "r5n",
        "r6g",
        "t2",
        "t3",
        "t3a",
        "t4g",
        "x1",
        "x1e",
    ]
)
_SUMMARY_FIELD = {"system": "SystemStatus", "instance": "InstanceStatus", "ebs": "AttachedEbsStatus"}


class Outcome(str, enum.Enum):
    """What an EC2 alarm action did: performed (the first four) or not performed, and why. A ``str``, so
    ``record.kind == "recovered"`` reads as well as ``record.kind is Outcome.RECOVERED``."""

    RECOVERED = "recovered"
    REBOOTED = "rebooted"
    STOPPED = "stopped"
    TERMINATED = "terminated"
    NO_INSTANCE_DIMENSION = "no-instance-dimension"
    NO_SUCH_INSTANCE = "no-such-instance"
    RECOVER_NEEDS_SYSTEM_CHECK = "recover-needs-system-check"
    TYPE_NOT_RECOVERABLE = "type-not-recoverable"

    def __str__(self) -> str:  # "recovered", as StrEnum (Python 3.11+) prints it
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)

    @property
    def performed(self) -> bool:
        """Whether the action was carried out."""
        return self in (Outcome.RECOVERED, Outcome.REBOOTED, Outcome.STOPPED, Outcome.TERMINATED)


#: What each outcome says (labkit's explanation, translated when shown; ``{instance_type}`` is the record's).
OUTCOME_TEXT = {
    Outcome.RECOVERED: N_("recovered onto new hardware (same instance id, IP addresses and metadata; memory lost)"),
    Outcome.REBOOTED: N_("rebooted"),
    Outcome.STOPPED: N_("stopped"),
    Outcome.TERMINATED: N_("terminated"),
    Outcome.NO_INSTANCE_DIMENSION: N_(
        "not performed: EC2 actions need a per-instance metric (an InstanceId dimension)"
    ),
    Outcome.NO_SUCH_INSTANCE: N_("not performed: the instance does not exist or is terminated"),
    Outcome.RECOVER_NEEDS_SYSTEM_CHECK: N_(
        "not performed: the recover action works only with StatusCheckFailed_System"
    ),
    Outcome.TYPE_NOT_RECOVERABLE: N_("not performed: instance type {instance_type} does not support recovery"),
}


@dataclass(frozen=True)
class ActionRecord:
    """One EC2 alarm action the emulator carried out (or refused, and why).

    ``kind`` is what happened, for code and checkers; :attr:`outcome` says it to the learner.
    ``instance_type`` is set when it explains the outcome (a type that cannot be recovered).
    """

    when: dt.datetime
    alarm_name: str
    action: str
    instance_id: str
    kind: Outcome
    instance_type: str = ""

    @property
    def outcome(self) -> str:
        """What the action did, in the lab's language at the time it is read (English by default)."""
        return _(OUTCOME_TEXT[self.kind]).format(instance_type=self.instance_type)


class Ec2Status:
    """The plugin's state: the alarm actions performed so far."""

    requires = (Ec2Metrics,)

    def __init__(self, emulator: Emulator) -> None:
        self.ec2_metrics = emulator.plugin(Ec2Metrics)
        self.lab = emulator.lab
        self.emulator = emulator
        self.actions: list[ActionRecord] = []

    def _instance(self, instance_id: str) -> LabInstance | None:
        watched = self.ec2_metrics.instances
        return next((i for i in watched if i.instance_id == instance_id), None)

    # -- DescribeInstanceStatus -----------------------------------------------------------------
    def describe_instance_status(self, call: Call) -> dict[str, Any]:
        reply = call.internal("ec2").describe_instance_status(**call.params)
        reply.pop("ResponseMetadata", None)
        now = self.lab.clock.now()
        for status in reply.get("InstanceStatuses", []):
            instance = self._instance(status["InstanceId"])
            if instance is None or status.get("InstanceState", {}).get("Name") != "running":
                continue
            for kind, name in _SUMMARY_FIELD.items():
                failing = instance.failing(kind, now)
                detail: dict[str, Any] = {"Name": "reachability", "Status": "failed" if failing else "passed"}
                if failing:
                    detail["ImpairedSince"] = instance.impaired_since.get(kind, instance.launched_at)
                status[name] = {"Details": [detail], "Status": "impaired" if failing else "ok"}
        return reply

    # -- alarm actions --------------------------------------------------------------------------
    def perform(self, alarm: dict[str, Any], arns: list[str], now: dt.datetime) -> None:
        """Carry out the EC2 actions ``arns`` of ``alarm`` (called when its state changes)."""
        dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
        instance_id = dimensions.get("InstanceId", "")
        for arn in arns:
            action = arn.rsplit(":", 1)[-1]
            kind, instance_type = (
                self._do(action, instance_id, alarm) if instance_id else (Outcome.NO_INSTANCE_DIMENSION, "")
            )
            self.actions.append(ActionRecord(now, alarm["AlarmName"], action, instance_id, kind, instance_type))

    def _do(self, action: str, instance_id: str, alarm: dict[str, Any]) -> tuple[Outcome, str]:
        """Carry out one action; what happened, and the instance type when it is the reason."""
        ec2 = self.lab.internal_client("ec2")
        found = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
        described = found[0]["Instances"][0] if found else None
        if described is None or described["State"]["Name"] == "terminated":
            return Outcome.NO_SUCH_INSTANCE, ""
        instance = self._instance(instance_id)
        if action == "recover":
            if alarm.get("MetricName") != IMPAIRMENT_METRIC["system"]:
                return Outcome.RECOVER_NEEDS_SYSTEM_CHECK, ""
            if described["InstanceType"].split(".")[0] not in RECOVERABLE_FAMILIES:
                return Outcome.TYPE_NOT_RECOVERABLE, described["InstanceType"]
            ec2.reboot_instances(InstanceIds=[instance_id])  # recovery migrates the instance during a reboot
            if instance is not None:
                instance.repair("system")
            return Outcome.RECOVERED, ""
        if action == "reboot":
            ec2.reboot_instances(InstanceIds=[instance_id])
            if instance is not None:
                instance.repair("instance")
            return Outcome.REBOOTED, ""
        if action == "stop":
            ec2.stop_instances(InstanceIds=[instance_id])
            return Outcome.STOPPED, ""
        ec2.terminate_instances(InstanceIds=[instance_id])
        return Outcome.TERMINATED, ""


def install(emulator: Emulator) -> Ec2Status:
    """Register DescribeInstanceStatus and the EC2 alarm actions on ``emulator``."""
    plugin = Ec2Status(emulator)
    emulator.answers("ec2", "DescribeInstanceStatus")(plugin.describe_instance_status)
    return plugin
