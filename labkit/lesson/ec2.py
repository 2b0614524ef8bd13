"""The lab's EC2 instance and the metrics AWS publishes for it.

On the moto backends the instance is a moto instance (``run_instances``) whose default EC2
metrics the emulator publishes as the lab clock runs, from a seeded workload model. AWS
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
import math
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab

NAMESPACE = "AWS/EC2"
#: Workload patterns :class:`Workload` knows.
PATTERNS = ("idle", "daily", "batch")
BURSTABLE_FAMILIES = ("t2", "t3", "t3a", "t4g")
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

#: Default metrics per instance with their units (the metrics the console lists for an instance).
METRICS: dict[str, str] = {
    "CPUUtilization": "Percent",
    "NetworkIn": "Bytes",
    "NetworkOut": "Bytes",
    "NetworkPacketsIn": "Count",
    "NetworkPacketsOut": "Count",
    "DiskReadBytes": "Bytes",
    "DiskWriteBytes": "Bytes",
    "DiskReadOps": "Count",
    "DiskWriteOps": "Count",
    "StatusCheckFailed": "Count",
    "StatusCheckFailed_Instance": "Count",
    "StatusCheckFailed_System": "Count",
    "StatusCheckFailed_AttachedEBS": "Count",
    "MetadataNoToken": "Count",
}
#: The status-check metrics: published every minute even at basic monitoring ("Status check
#: metrics are available at a 1-minute frequency at no charge", "Instance metrics",
#: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html#status-check-metrics).
STATUS_METRICS = ("StatusCheckFailed", "StatusCheckFailed_Instance", "StatusCheckFailed_System", "StatusCheckFailed_AttachedEBS")
#: Which impairment fails which check (notebook 07): the host (system), the guest OS (instance), attached EBS.
IMPAIRMENT_METRIC = {"system": "StatusCheckFailed_System", "instance": "StatusCheckFailed_Instance", "ebs": "StatusCheckFailed_AttachedEBS"}
#: Added for burstable performance instances (T family).
CREDIT_METRICS: dict[str, str] = {
    "CPUCreditUsage": "Count",
    "CPUCreditBalance": "Count",
    "CPUSurplusCreditBalance": "Count",
    "CPUSurplusCreditsCharged": "Count",
}
#: Credits earned per hour and vCPUs, for the instance types the lab uses (Burstable performance
#: instances, "Key concepts and definitions": https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/burstable-credits-baseline-concepts.html).
CREDITS = {"t3.micro": (12, 2), "t3.small": (24, 2), "t4g.micro": (12, 2), "t4g.small": (24, 2), "t2.micro": (6, 1)}


def _noise(seed: int, minute: int, channel: int) -> float:
    """Deterministic noise in [0, 1) for one minute: the same lab minute always gives the same value."""
    return (zlib.crc32(f"{seed}:{minute}:{channel}".encode()) & 0xFFFFFF) / 0x1000000


@dataclass
class Workload:
    """What the instance is doing: a base pattern plus timed episodes.

    ``pattern``: ``idle`` (2–6 %), ``daily`` (a working-day curve peaking in the Tokyo afternoon),
    ``batch`` (``daily`` plus a nightly batch job at 02:00 Tokyo time that pins the CPU for 6–11
    minutes: the short spikes a CPU alarm should not page anyone for, notebook 02).
    Episodes: ``spike`` (CPU near 95 % for a while), ``runaway`` (a process pinning a vCPU until stopped).
    """

    pattern: str = "daily"
    seed: int = 7
    episodes: list[tuple[str, dt.datetime, dt.datetime | None]] = field(default_factory=list)

    def cpu(self, when: dt.datetime) -> float:
        """CPU utilisation (percent) in the minute starting at ``when``."""
        minute = int(when.timestamp() // 60)
        jitter = _noise(self.seed, minute, 0)
        if self.pattern == "idle":
            value = 2 + 4 * jitter
        else:
            tokyo_hour = (when.hour + 9) % 24 + when.minute / 60
            weekday = (when + dt.timedelta(hours=9)).weekday() < 5
            busy = max(0.0, math.sin((tokyo_hour - 7) / 14 * math.pi)) if 7 <= tokyo_hour <= 21 else 0.0
            value = 8 + (42 if weekday else 15) * busy + 10 * jitter
            if self.pattern == "batch":
                tokyo = when + dt.timedelta(hours=9)
                day = int(tokyo.timestamp() // 86_400)
                length = 6 + int(6 * _noise(self.seed, day, 7))
                if tokyo.hour == 2 and tokyo.minute < length:
                    value = max(value, 90 + 8 * _noise(self.seed, minute, 1))
        for kind, start, end in self.episodes:
            if start <= when and (end is None or when < end):
                if kind == "spike":
                    value = max(value, 90 + 8 * _noise(self.seed, minute, 1))
                elif kind == "runaway":
                    value = max(value, 97 + 3 * _noise(self.seed, minute, 2))
        return round(min(value, 100.0), 2)


@dataclass
class LabInstance:
    """The lab's instance: its id, type, monitoring level and workload."""

    instance_id: str
    instance_type: str
    detailed: bool
    workload: Workload
    launched_at: dt.datetime
    impaired: dict[str, bool] = field(default_factory=dict)
    credit_balance: float = 0.0
    impaired_since: dict[str, dt.datetime] = field(default_factory=dict)
    #: On ``aws``, the real instance's CPU is driven through Systems Manager (None offline).
    remote: RemoteLoad | None = None

    @property
    def dimensions(self) -> list[dict[str, str]]:
        return [{"Name": "InstanceId", "Value": self.instance_id}]

    @property
    def burstable(self) -> bool:
        return self.instance_type.split(".")[0] in BURSTABLE_FAMILIES

    @property
    def period_minutes(self) -> int:
        """How often AWS publishes this instance's metrics: 1 (detailed) or 5 (basic) minutes."""
        return 1 if self.detailed else 5

    def spike(self, start: dt.datetime, minutes: int) -> None:
        """Drive CPU near 95 % for ``minutes`` from ``start`` (a busy batch job).

        On ``aws`` the real instance burns every vCPU for ``minutes`` from now (``start`` is
        lab time, which on AWS is now), through Systems Manager Run Command.
        """
        self.workload.episodes.append(("spike", start, start + dt.timedelta(minutes=minutes)))
        if self.remote is not None:
            self.remote.burn(seconds=minutes * 60)

    def runaway(self, start: dt.datetime) -> None:
        """A runaway process pins the CPU from ``start`` until :meth:`calm`."""
        self.workload.episodes.append(("runaway", start, None))
        if self.remote is not None:
            self.remote.burn(seconds=None)

    def calm(self, when: dt.datetime) -> None:
        """End every open episode at ``when`` (the runaway process is killed)."""
        self.workload.episodes = [(k, s, e if e is not None else when) for k, s, e in self.workload.episodes]
        if self.remote is not None:
            self.remote.stop()

    def impair(self, kind: str, at: dt.datetime) -> None:
        """Make the ``kind`` status check fail from ``at`` on: ``system`` (the AWS host: power,
        network, hardware), ``instance`` (the guest: kernel, memory, network configuration) or
        ``ebs`` (an attached volume) — notebook 07-liveness-url-dashboards."""
        if kind not in IMPAIRMENT_METRIC:
            raise ValueError(f"impairment kind must be one of {sorted(IMPAIRMENT_METRIC)}, not {kind!r}")
        self.impaired[kind] = True
        self.impaired_since.setdefault(kind, at)

    def repair(self, kind: str | None = None) -> None:
        """End the ``kind`` impairment (every impairment when None)."""
        for name in [kind] if kind else list(IMPAIRMENT_METRIC):
            self.impaired[name] = False
            self.impaired_since.pop(name, None)

    def failing(self, kind: str, when: dt.datetime) -> bool:
        """Whether the ``kind`` status check fails in the minute starting at ``when``."""
        return bool(self.impaired.get(kind)) and self.impaired_since.get(kind, self.launched_at) <= when

    def status_sample(self, when: dt.datetime) -> dict[str, float]:
        """The status-check metrics for the minute starting at ``when`` (1 = the check failed)."""
        values = {metric: float(self.failing(kind, when)) for kind, metric in IMPAIRMENT_METRIC.items()}
        values["StatusCheckFailed"] = float(any(values.values()))
        return values

    def sample(self, when: dt.datetime) -> dict[str, float]:
        """Every default metric's value for the minute starting at ``when``."""
        cpu = self.workload.cpu(when)
        minute = int(when.timestamp() // 60)
        seed = self.workload.seed
        traffic = 1 + cpu / 10
        values = {
            "CPUUtilization": cpu,
            "NetworkIn": round(traffic * (180_000 + 60_000 * _noise(seed, minute, 3))),
            "NetworkOut": round(traffic * (420_000 + 90_000 * _noise(seed, minute, 4))),
            "NetworkPacketsIn": round(traffic * (600 + 200 * _noise(seed, minute, 5))),
            "NetworkPacketsOut": round(traffic * (900 + 300 * _noise(seed, minute, 6))),
            # Instance-store disk metrics: EBS-only instances such as t3 report 0 (AWS documents
            # these for instance store volumes only).
            "DiskReadBytes": 0.0,
            "DiskWriteBytes": 0.0,
            "DiskReadOps": 0.0,
            "DiskWriteOps": 0.0,
            **self.status_sample(when),
            "MetadataNoToken": 0.0,
        }
        if self.burstable:
            earned_per_hour, vcpus = CREDITS.get(self.instance_type, (12, 2))
            # One credit is one vCPU at 100 % for one minute.
            used = vcpus * cpu / 100
            self.credit_balance = max(0.0, min(self.credit_balance + earned_per_hour / 60 - used, earned_per_hour * 24))
            values.update(
                CPUCreditUsage=round(used, 4), CPUCreditBalance=round(self.credit_balance, 4),
                CPUSurplusCreditBalance=0.0, CPUSurplusCreditsCharged=0.0,
            )
        return values

    def metric_names(self) -> list[str]:
        return [*METRICS, *(CREDIT_METRICS if self.burstable else {})]

    def unit(self, name: str) -> str:
        return METRICS.get(name) or CREDIT_METRICS[name]


def hourly_cost(instance_type: str) -> str:
    """The instance's on-demand Linux price in Tokyo, from the kit's dated price table."""
    from labkit.aws import costs

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
            self.managed, timeout=minutes, every=0.25,
            description=f"{self.instance_id} registering with Systems Manager (instance profile {SSM_PROFILE})",
        )

    def run(self, script: list[str], comment: str) -> str:
        """Send ``script`` to the instance; returns the command id."""
        self.wait_until_managed()
        reply = self.lab.internal_client("ssm").send_command(
            InstanceIds=[self.instance_id], DocumentName="AWS-RunShellScript",
            Parameters={"commands": script}, Comment=comment[:100],
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
    from labkit.lesson.iam import ensure_ec2_role

    ensure_ec2_role(lab, SSM_PROFILE, SSM_MANAGED_POLICY, "labkit: lets Systems Manager run the CPU load on the lab instance")
    return SSM_PROFILE


def _run_instances_when_profile_is_visible(lab: Lab, request: dict[str, Any], attempts: int = 12) -> dict[str, Any]:
    """``run_instances``, retried while EC2 does not see a just-created instance profile yet."""
    ec2 = lab.client("ec2")
    for attempt in range(attempts):
        try:
            return ec2.run_instances(**request)  # type: ignore[no-any-return]
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
        raise ValueError(f"unknown workload pattern {pattern!r}; choose one of {', '.join(PATTERNS)}")
    image = OFFLINE_AMI
    if lab.emulator is None:
        lab.billable(f"a {instance_type} EC2 instance", hourly_cost(instance_type), confirmed=confirm_cost)
        image = lab.client("ssm").get_parameter(Name=AL2023_PARAMETER)["Parameter"]["Value"]
    request: dict[str, Any] = {
        "ImageId": image, "InstanceType": instance_type, "MinCount": 1, "MaxCount": 1,
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
        watched = [i for i in lab.emulator.plugins["ec2_metrics"].instances if i.instance_id == instance_id]
        if watched:
            return watched[0]  # launched by an earlier run of the same cell: its metrics go on
    launched = lab.clock.now() - dt.timedelta(days=history_days)
    instance = LabInstance(instance_id, instance_type, detailed, Workload(pattern, seed), launched)
    if real_load:
        instance.remote = RemoteLoad(lab, instance_id)
    if instance.burstable:
        instance.credit_balance = CREDITS.get(instance_type, (12, 2))[0] * 2.5  # launch credits
    if lab.emulator is not None:
        lab.emulator.plugins["ec2_metrics"].watch(instance, backfill_from=launched)
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


def metric_period_start(when: dt.datetime, minutes: int) -> dt.datetime:
    """The start of the ``minutes``-long period containing ``when`` (periods align to the hour)."""
    floored = when.replace(second=0, microsecond=0)
    return floored - dt.timedelta(minutes=floored.minute % minutes)


def sample_values(samples: list[float]) -> dict[str, Any]:
    """A period's one-minute samples as MetricDatum ``Values``/``Counts`` (equal values counted once).

    Published raw rather than as a StatisticSet so that percentiles stay available: CloudWatch
    computes percentiles only from raw values ("CloudWatch needs raw data points to calculate
    percentile statistics", GetMetricStatistics API reference,
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html),
    and EC2 is among the services whose metrics support them ("Percentiles",
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Percentiles).
    A period whose samples are all equal is sent as a StatisticSet with Minimum = Maximum, which
    keeps percentiles available by the same page's rule and stores one datapoint instead of five.
    How AWS samples inside a basic-monitoring period is not published; one sample a minute is labkit's guess.
    """
    if min(samples) == max(samples):
        value = float(samples[0])
        return {"StatisticValues": {"SampleCount": float(len(samples)), "Sum": value * len(samples), "Minimum": value, "Maximum": value}}
    counts: dict[float, int] = {}
    for value in samples:
        counts[float(value)] = counts.get(float(value), 0) + 1
    return {"Values": list(counts), "Counts": [float(c) for c in counts.values()]}
