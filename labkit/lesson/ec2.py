"""The lab's EC2 instance: launched, found again, and its CPU loaded on a real account.

On the moto backends the instance is a moto instance (``run_instances``) whose default EC2
metrics the emulator publishes as the lab clock runs, from a seeded workload model
(:mod:`labkit.emulator.ec2_workload`). AWS
publishes them at basic monitoring as one datapoint per 5 minutes, at detailed monitoring
every minute ("Manage detailed monitoring for your EC2 instances",
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-detailed-monitoring.html; metric list:
"CloudWatch metrics that are available for your instances",
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html).

Taught in notebooks 01-metric-exploration and 02-cpu-alarm.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from labkit.aws import costs
from labkit.emulator.ec2_metrics import Ec2Metrics
from labkit.emulator.ec2_status import ActionRecord, Ec2Status
from labkit.emulator.ec2_workload import CREDITS, PATTERNS, LabInstance, Workload
from labkit.exceptions import ConfigurationError, InvalidParameter
from labkit.i18n import _
from labkit.lesson.iam import ensure_ec2_role

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab

#: An Amazon Linux 2023 AMI id shape for the offline lab (moto accepts any id of this form).
OFFLINE_AMI = "ami-0a1b2c3d4e5f67890"

#: The public SSM parameter that names the latest Amazon Linux 2023 AMI.
AL2023_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"

#: The role and instance profile that make the real lab instance a Systems Manager managed node, so
#: the kit can load its CPU with Run Command (no SSH key, no open port). The AWS managed policy
#: AmazonSSMManagedInstanceCore is what an EC2 role needs for Systems Manager's core functions
#: ("Configure instance permissions required for Systems Manager",
#: https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-instance-permissions.html).
SSM_PROFILE = "labkit-ssm-instance"
SSM_MANAGED_POLICY = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
#: Marks the CPU burners in the process list, so ``calm`` stops those and nothing else.
LOAD_MARKER = "labkit-cpu-load"


def hourly_cost(instance_type: str) -> str:
    """The instance's on-demand Linux price in Tokyo, from the kit's dated price table."""
    try:
        entry = costs.price(f"ec2:{instance_type}")
    except KeyError:
        return f"the on-demand price of {instance_type} (not in labkit's price table; see https://aws.amazon.com/ec2/pricing/on-demand/)"
    return f"about ${entry['usd']}/hour in Tokyo (on-demand Linux, prices as of {costs.price_table()['as_of']})"


class RemoteLoad:
    """CPU load on the real lab instance, started and stopped with Systems Manager Run Command.

    The instance must be a managed node: it carries the :data:`SSM_PROFILE` instance profile and
    its SSM Agent (preinstalled on Amazon Linux 2023) has registered, which takes a few minutes
    after launch. Commands use the ``AWS-RunShellScript`` document ("Running commands using
    Systems Manager Run Command",
    https://docs.aws.amazon.com/systems-manager/latest/userguide/run-command.html). Run Command
    itself costs nothing. Used by notebook 02-cpu-alarm on ``aws``.
    """

    def __init__(self, lab: Lab, instance_id: str) -> None:
        self.lab = lab
        self.instance_id = instance_id
        self.commands: list[str] = []

    def managed(self) -> bool:
        """Whether Systems Manager sees the instance's agent online."""
        nodes = self.lab.internal_client("ssm").describe_instance_information(
            Filters=[{"Key": "InstanceIds", "Values": [self.instance_id]}]
        )["InstanceInformationList"]
        return any(node.get("PingStatus") == "Online" for node in nodes)

    def wait_until_managed(self, minutes: float = 15) -> None:
        """Wait for the instance's SSM Agent to register (a few minutes after launch)."""
        self.lab.wait_until(
            self.managed,
            timeout=minutes,
            every=0.25,
            description=f"{self.instance_id} registering with Systems Manager (instance profile {SSM_PROFILE})",
        )

    def run(self, script: list[str], comment: str) -> str:
        """Send ``script`` to the instance; returns the command id."""
        self.wait_until_managed()
        reply = self.lab.internal_client("ssm").send_command(
            InstanceIds=[self.instance_id],
            DocumentName="AWS-RunShellScript",
            Parameters={"commands": script},
            Comment=comment[:100],
        )
        command_id: str = reply["Command"]["CommandId"]
        self.commands.append(command_id)
        return command_id

    def burn(self, seconds: int | None) -> str:
        """Pin every vCPU, for ``seconds`` or until :meth:`stop`; returns the command id.

        The burners are detached (``setsid nohup``) so the command finishes at once instead of
        holding Run Command open for the whole spike.
        """
        limit = f"timeout {int(seconds)} " if seconds else ""
        loop = f"sh -c ': {LOAD_MARKER}; while :; do :; done'"
        script = [f'for cpu in $(seq "$(nproc)"); do setsid nohup {limit}{loop} >/dev/null 2>&1 & done']
        what = f"for {int(seconds)} s" if seconds else "until stopped"
        return self.run(script, f"labkit: load every vCPU {what}")

    def stop(self) -> str:
        """Stop the burners :meth:`burn` started (and nothing else)."""
        return self.run([f"pkill -f '{LOAD_MARKER}' || true"], "labkit: stop the CPU load")


def ssm_instance_profile(lab: Lab) -> str:
    """Create (or reuse) the :data:`SSM_PROFILE` role and instance profile; returns its name.

    The role trusts EC2 and has only :data:`SSM_MANAGED_POLICY`; teardown detaches the policy
    and deletes both. A new instance profile can take a few seconds to be usable by EC2 (IAM is
    eventually consistent), which :func:`launch` allows for.
    """
    ensure_ec2_role(
        lab, SSM_PROFILE, SSM_MANAGED_POLICY, "labkit: lets Systems Manager run the CPU load on the lab instance"
    )
    return SSM_PROFILE


def _run_instances_when_profile_is_visible(lab: Lab, request: dict[str, Any], attempts: int = 12) -> dict[str, Any]:
    """``run_instances``, retried while EC2 does not see a just-created instance profile yet."""
    ec2 = lab.client("ec2")
    for attempt in range(attempts):
        try:
            return ec2.run_instances(**request)
        except ClientError as error:
            code = error.response["Error"]["Code"]
            message = error.response["Error"].get("Message", "")
            if code != "InvalidParameterValue" or "iamInstanceProfile" not in message or attempt == attempts - 1:
                raise
            lab.clock.sleep(5)
    raise AssertionError("unreachable")


def launch(
    lab: Lab,
    *,
    instance_type: str = "t3.micro",
    detailed: bool = False,
    pattern: str = "daily",
    seed: int = 7,
    history_days: float = 0,
    confirm_cost: bool = False,
    remote_load: bool = False,
) -> LabInstance:
    """Launch the lab instance (what notebooks 01–07 watch) and, offline, start its metrics.

    ``history_days`` backfills that much metric history before lab time now, as if the instance
    had been running for a while (basic monitoring gives one datapoint per 5 minutes).
    On ``aws`` this launches a real Amazon Linux 2023 instance, which costs money: it is refused
    unless ``confirm_cost=True`` is passed after reading the estimate in the error.
    ``remote_load=True`` (used by notebook 02 on ``aws``) gives the instance the
    :data:`SSM_PROFILE` instance profile, so that :meth:`LabInstance.spike` loads its real CPU;
    offline it changes nothing. Leave it off when the notebook associates its own profile
    (notebook 03): an instance has one instance profile at a time.
    """
    if pattern not in PATTERNS:
        raise InvalidParameter(
            _("unknown workload pattern {pattern!r}; choose one of {patterns}").format(
                pattern=pattern, patterns=", ".join(PATTERNS)
            )
        )
    image = OFFLINE_AMI
    if lab.emulator is None:
        lab.billable(f"a {instance_type} EC2 instance", hourly_cost(instance_type), confirmed=confirm_cost)
        image = lab.client("ssm").get_parameter(Name=AL2023_PARAMETER)["Parameter"]["Value"]
    request: dict[str, Any] = {
        "ImageId": image,
        "InstanceType": instance_type,
        "MinCount": 1,
        "MaxCount": 1,
        "Monitoring": {"Enabled": detailed},
        "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "lab-web"}]}],
    }
    real_load = remote_load and lab.emulator is None
    if real_load:
        request["IamInstanceProfile"] = {"Name": ssm_instance_profile(lab)}
    # The same launch in the same lab is one instance, however often its cell runs: EC2 answers a repeated
    # ClientToken with the first launch (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html).
    options = f"{lab.lab_id}|{instance_type}|{detailed}|{pattern}|{seed}|{history_days}|{remote_load}"
    request["ClientToken"] = "labkit-" + hashlib.sha256(options.encode()).hexdigest()[:40]
    instance_id = _run_instances_when_profile_is_visible(lab, request)["Instances"][0]["InstanceId"]
    if lab.emulator is not None:
        watched = [i for i in lab.emulator.plugin(Ec2Metrics).instances if i.instance_id == instance_id]
        if watched:
            return watched[0]  # launched by an earlier run of the same cell: its metrics go on
    launched = lab.clock.now() - dt.timedelta(days=history_days)
    instance = LabInstance(instance_id, instance_type, detailed, Workload(pattern, seed), launched)
    if real_load:
        instance.remote = RemoteLoad(lab, instance_id)
    if instance.burstable:
        instance.credit_balance = CREDITS.get(instance_type, (12, 2))[0] * 2.5  # launch credits
    if lab.emulator is not None:
        lab.emulator.plugin(Ec2Metrics).watch(instance, backfill_from=launched)
    return instance


def lab_instance_id(lab: Lab) -> str | None:
    """The running instance tagged Name=lab-web that exercise checkers inspect, or None: the first
    one this lab launched (notebook 01 launches a second, detailed one after it), else the oldest
    one (another process's, e.g. ``labkit catchup``'s, when this lab launched none)."""
    ec2 = lab.internal_client("ec2")
    reservations = ec2.describe_instances(
        Filters=[{"Name": "tag:Name", "Values": ["lab-web"]}, {"Name": "instance-state-name", "Values": ["running"]}]
    )["Reservations"]
    instances = sorted((i for r in reservations for i in r["Instances"]), key=lambda i: i["LaunchTime"])
    launched_here = {r.ident["InstanceId"] for r in lab.registry.ordered(lab.lab_id) if r.kind == "ec2:instance"}
    chosen = [i for i in instances if i["InstanceId"] in launched_here] or instances
    return chosen[0]["InstanceId"] if chosen else None


def alarm_actions(lab: Lab) -> list[ActionRecord]:
    """What alarms' EC2 actions (recover, reboot, stop, terminate) did in this lab, oldest first.

    Each record's ``kind`` (an :class:`~labkit.emulator.ec2_status.Outcome`, e.g. ``"recovered"``) is what
    checks read; its ``outcome`` says the same in the lab's language (labkit's words, not AWS's).

    Offline only: the emulator carries the actions out and records them. On AWS an alarm's
    ``Action`` history items say what its actions did. Taught in notebook 07-liveness-url-dashboards.
    """
    if lab.emulator is None:
        raise ConfigurationError(_("on AWS, the alarm's history (HistoryItemType='Action') says what its actions did"))
    return list(lab.emulator.plugin(Ec2Status).actions)
