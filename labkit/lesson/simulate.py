"""Every ``simulate_*``: what happens on a real account by itself, made to happen in the offline lab.

A console sign-in (CloudTrail), an SSH brute force GuardDuty detects, an AWS Health issue: on AWS
nobody calls these (you sign in yourself, GuardDuty watches real traffic, only AWS sends Health
events), so each refuses to run there and says what to do instead. Offline each hands the event to
the emulator, which records it as the service would (:mod:`labkit.emulator.cloudtrail`,
:mod:`labkit.emulator.guardduty`, :mod:`labkit.emulator.health`). The simulated resources'
metrics are :mod:`labkit.lesson.simulated`, the synthetic checks :mod:`labkit.lesson.synthetics`.

Taught in notebooks 06-cloudtrail-eventbridge-health and 06b-config-guardduty-budgets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labkit.aws.guardduty import DEFAULT_ATTACKER
from labkit.aws.health import health_detail
from labkit.emulator.autoscaling_metrics import AutoScalingMetrics
from labkit.emulator.cloudtrail import CloudTrailEmulation
from labkit.emulator.guardduty import GuardDuty
from labkit.emulator.health import Health
from labkit.emulator.vpc_flow_logs import VpcFlowLogs
from labkit.exceptions import ConfigurationError, InvalidParameter
from labkit.i18n import _

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab


def simulate_console_login(
    lab: Lab,
    user: str,
    *,
    success: bool = False,
    source_ip: str = "203.0.113.77",
    mfa_used: bool = False,
    user_agent: str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
) -> dict[str, Any]:
    """Record a console sign-in attempt by IAM user ``user`` (``"root"`` for the root user); offline only.

    On AWS, sign in to the console (or fail to) yourself: the record appears the same way.
    Returns the record.
    """
    if lab.emulator is None:
        raise ConfigurationError(_("on AWS, sign in to the console yourself: CloudTrail records the attempt"))
    return lab.emulator.plugin(CloudTrailEmulation).console_login(
        user, success=success, source_ip=source_ip, mfa_used=mfa_used, user_agent=user_agent
    )


def simulate_ssh_brute_force(
    lab: Lab,
    instance_id: str,
    *,
    source_ip: str = DEFAULT_ATTACKER,
    attempts: int = 1,
) -> dict[str, Any]:
    """Offline: GuardDuty detects ``source_ip`` brute-forcing SSH on ``instance_id`` (notebook 05's attack).

    Creates (or, for a repeat, updates) an ``UnauthorizedAccess:EC2/SSHBruteForce`` finding in the
    region's detector and sends the "GuardDuty Finding" event. Returns the finding (event form).
    On a real account GuardDuty decides this itself from VPC flow logs; use
    ``guardduty.create_sample_findings(DetectorId=..., FindingTypes=["UnauthorizedAccess:EC2/SSHBruteForce"])``
    to see the format there.
    """
    if lab.emulator is None:
        raise ConfigurationError(
            _("GuardDuty makes findings from real traffic on AWS; use create_sample_findings to test the alert path")
        )
    return lab.emulator.plugin(GuardDuty).brute_force(instance_id, source_ip, attempts)


def simulate_issue(
    lab: Lab,
    service: str = "EC2",
    *,
    event_type_code: str | None = None,
    category: str = "issue",
    description: str | None = None,
    entities: list[str] | None = None,
    region: str | None = None,
) -> dict[str, Any]:
    """Have AWS Health report an issue of ``service`` affecting the lab account; offline only.

    The event goes to the ``default`` bus of ``region`` (the lab's), where rules on ``aws.health``
    route it. Returns the EventBridge event. On AWS nobody can cause a Health event; rules wait for
    real ones.
    """
    if lab.emulator is None:
        raise ConfigurationError(_("on AWS only AWS itself sends Health events; your rule waits for a real one"))
    region = region or lab.region
    code = event_type_code or f"AWS_{service.upper()}_OPERATIONAL_ISSUE"
    text = description or (
        f"We are investigating increased error rates and latencies for the {service} APIs in the {region} Region."
    )
    detail = health_detail(
        service=service.upper(),
        event_type_code=code,
        category=category,
        region=region,
        account=lab.account_id,
        start=lab.clock.now(),
        description=text,
        entities=list(entities or []),
    )
    return lab.emulator.plugin(Health).report(detail, region)


def simulate_ssh_traffic(
    lab: Lab,
    instance_id: str,
    *,
    source_ip: str = DEFAULT_ATTACKER,
    minutes: int = 10,
    per_minute: int = 20,
) -> int:
    """Offline: ``source_ip`` tries SSH on ``instance_id`` ``per_minute`` times a minute for ``minutes`` from now.

    The connections reach VPC Flow Logs (notebook 08-investigate): ``REJECT`` records when the
    instance's security groups do not allow port 22 from ``source_ip`` at that minute, ``ACCEPT``
    when they do. Returns the number of attempts. On AWS the internet does this by itself: any
    instance with a public address sees such attempts within hours.
    """
    if lab.emulator is None:
        raise ConfigurationError(_("on AWS real scanners provide this traffic; read your flow logs after a few hours"))
    if minutes <= 0 or per_minute <= 0:
        raise ConfigurationError(_("minutes and per_minute must be positive"))
    return lab.emulator.plugin(VpcFlowLogs).ssh_attempts(instance_id, source_ip, lab.clock.now(), minutes, per_minute)


def simulate_group_demand(lab: Lab, group_name: str, *, extra: float, minutes: int) -> None:
    """Offline: the Auto Scaling group ``group_name`` gets ``extra`` more CPU demand for ``minutes`` from now.

    ``extra`` is in percent of one instance (240 keeps 2.4 instances fully busy): the demand is spread
    evenly over the group's running instances, so one instance is pinned at 100 % and, once the group
    has grown to five, each runs near 48 % (:class:`labkit.emulator.ec2_workload.GroupLoad`). Notebook
    09-scaling-and-quiet-alarms drives a target tracking policy with it. On AWS put real load on the
    instances (a load test against the service, or ``stress`` through Run Command).
    """
    if lab.emulator is None:
        raise ConfigurationError(
            _("on AWS, load the group's instances yourself (a load test, or stress through Run Command)")
        )
    try:
        lab.emulator.plugin(AutoScalingMetrics).load(group_name).surge(lab.clock.now(), minutes, extra)
    except InvalidParameter as error:
        raise ConfigurationError(str(error)) from error
