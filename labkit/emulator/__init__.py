"""The emulation layer that completes moto (see :mod:`labkit.emulator.core`).

``PLUGINS`` names every plugin a moto lab installs, as ``"module:Class"``. Their order here does not
matter: each plugin class declares what it ``requires`` (and what it runs ``after``), and the
emulator installs and ticks them in that order (:func:`labkit.emulator.core.plugin_order`).
"""

from __future__ import annotations

from labkit.emulator.core import Call, Emulator

PLUGINS: list[str] = [
    "labkit.emulator.api_limits:ApiLimits",
    "labkit.emulator.autoscaling:AutoScaling",
    "labkit.emulator.autoscaling_metrics:AutoScalingMetrics",
    "labkit.emulator.budgets:Budgets",
    "labkit.emulator.cloudtrail:CloudTrailEmulation",
    "labkit.emulator.cloudwatch_alarms:CloudWatchAlarms",
    "labkit.emulator.cloudwatch_anomaly:AnomalyDetectors",
    "labkit.emulator.cloudwatch_composite:CompositeAlarms",
    "labkit.emulator.cloudwatch_log_alarms:LogAlarms",
    "labkit.emulator.cloudwatch_metrics:CloudWatchMetrics",
    "labkit.emulator.cloudwatch_mute_rules:AlarmMuteRules",
    "labkit.emulator.cloudwatch_refused:RefusedCloudWatch",
    "labkit.emulator.config:ConfigRules",
    "labkit.emulator.contributor_insights:ContributorInsights",
    "labkit.emulator.coverage:ParameterCoverage",
    "labkit.emulator.ec2_idempotency:Ec2Idempotency",
    "labkit.emulator.ec2_metrics:Ec2Metrics",
    "labkit.emulator.ec2_status:Ec2Status",
    "labkit.emulator.events:Events",
    "labkit.emulator.guardduty:GuardDuty",
    "labkit.emulator.health:Health",
    "labkit.emulator.iam_policy:IamPolicies",
    "labkit.emulator.iam_quotas:IamQuotas",
    "labkit.emulator.logs_filters:LogsFilters",
    "labkit.emulator.logs_insights:LogsInsights",
    "labkit.emulator.logs_metrics:LogsMetrics",
    "labkit.emulator.simulated_metrics:SimulatedMetrics",
    "labkit.emulator.sns_email:SnsEmail",
    "labkit.emulator.synthetic_checks:SyntheticChecks",
    "labkit.emulator.vpc_flow_logs:VpcFlowLogs",
]

__all__ = ["PLUGINS", "Call", "Emulator"]
