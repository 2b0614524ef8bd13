"""Emulator plugin: the CloudWatch operations labkit does not emulate yet, refused by name.

moto stores a Contributor Insights rule (``PutInsightRule``) and answers with nothing behind it, and
it has no log alarms or alarm mute rules at all. A learner who calls them offline would get a rule
that never reports a contributor, or moto's generic error. Until each is evaluated faithfully, every
call raises :class:`~labkit.exceptions.UnsupportedOperation` naming what is missing:

* Contributor Insights rules — ``PutInsightRule`` … ``GetInsightRuleReport``
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ContributorInsights-RuleSyntax.html,
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetInsightRuleReport.html);
* log alarms — ``PutLogAlarm``: M of N over a service-managed scheduled Logs Insights query
  (https://docs.aws.amazon.com/cli/v1/reference/cloudwatch/put-log-alarm.html);
* alarm mute rules — ``PutAlarmMuteRule`` and friends
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutAlarmMuteRule.html).

Notebook 08-investigate shows the refusal and teaches the metric filter + alarm instead.
"""

from __future__ import annotations

from labkit.emulator.core import Call, Emulator
from labkit.exceptions import UnsupportedOperation

#: operation → what the refusal says is not emulated.
REFUSED = {
    **dict.fromkeys(
        ("PutManagedInsightRules", "ListManagedInsightRules"),
        "managed Contributor Insights rules analyse AWS services' own data, which the offline lab does not produce; "
        "rules on log groups (PutInsightRule) are evaluated",
    ),
    "PutLogAlarm": "log alarms (a scheduled Logs Insights query evaluated M of N) are not evaluated offline; "
                   "use a metric filter and put_metric_alarm",
    **dict.fromkeys(
        ("PutAlarmMuteRule", "GetAlarmMuteRule", "ListAlarmMuteRules", "DeleteAlarmMuteRule"),
        "alarm mute rules are not emulated (actions would not be muted on their schedule)",
    ),
}


class RefusedCloudWatch:
    """The plugin: refuses every operation in :data:`REFUSED`, naming the lab's backend."""

    def __init__(self, emulator: Emulator) -> None:
        self.backend = emulator.lab.backend.name

    def refuse(self, call: Call) -> None:
        raise UnsupportedOperation("cloudwatch", call.operation, self.backend, REFUSED[call.operation])


def install(emulator: Emulator) -> RefusedCloudWatch:
    """Register a refusal for every operation in :data:`REFUSED`."""
    plugin = RefusedCloudWatch(emulator)
    for operation in REFUSED:
        emulator.answers("cloudwatch", operation)(plugin.refuse)
    return plugin
