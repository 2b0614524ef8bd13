"""Emulator plugin: the CloudWatch (and CloudWatch Logs scheduled query) operations labkit does not emulate, refused by name.

moto has no managed Contributor Insights rules, and no CloudWatch Logs scheduled queries. A learner who called
them offline would get moto's generic error, or a resource that never does anything. Every call raises
:class:`~labkit.exceptions.UnsupportedOperation` naming what is missing (checked against botocore 1.44's
``cloudwatch`` and ``logs`` models, December 2026):

* managed Contributor Insights rules — ``PutManagedInsightRules``, ``ListManagedInsightRules``: they analyse
  AWS services' own data, which the lab does not produce. Rules on log groups are emulated
  (:mod:`labkit.emulator.contributor_insights`).
* CloudWatch Logs scheduled queries — ``CreateScheduledQuery``, ``GetScheduledQuery``, ``ListScheduledQueries``,
  ``UpdateScheduledQuery``, ``DeleteScheduledQuery``, ``GetScheduledQueryHistory``: a scheduled query delivers
  its results to Amazon S3 (not emulated). A log alarm's AWS managed scheduled query ("visible in the CloudWatch
  Logs console under Scheduled Queries", "Log alarms",
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-log.html) is run by
  :mod:`labkit.emulator.cloudwatch_log_alarms` itself and is not listed as a resource.

Log alarms (``PutLogAlarm``) were refused here while AWS documented too little of them; they are emulated by
:mod:`labkit.emulator.cloudwatch_log_alarms`, which refuses by name what the pages still leave open.
Alarm mute rules are emulated by :mod:`labkit.emulator.cloudwatch_mute_rules`.

Notebook 08-investigate teaches the metric filter + alarm, log alarms and Contributor Insights side by side.
"""

from __future__ import annotations

from labkit.emulator.core import Call, Emulator
from labkit.exceptions import UnsupportedOperation
from labkit.i18n import N_, _

#: operation → what the refusal says is not emulated (English, marked for the catalogue; shown translated).
REFUSED = {
    **dict.fromkeys(
        ("PutManagedInsightRules", "ListManagedInsightRules"),
        N_(
            "managed Contributor Insights rules analyse AWS services' own data, which the offline lab does not "
            "produce; rules on log groups (PutInsightRule) are evaluated"
        ),
    ),
}
#: CloudWatch Logs operation → what the refusal says is not emulated.
LOGS_REFUSED = dict.fromkeys(
    (
        "CreateScheduledQuery",
        "GetScheduledQuery",
        "ListScheduledQueries",
        "UpdateScheduledQuery",
        "DeleteScheduledQuery",
        "GetScheduledQueryHistory",
    ),
    N_(
        "CloudWatch Logs scheduled queries (and their delivery to Amazon S3) are not emulated; a log alarm's managed "
        "scheduled query runs inside the emulated alarm and is not listed"
    ),
)


class RefusedCloudWatch:
    """The plugin: refuses every operation in :data:`REFUSED` and :data:`LOGS_REFUSED`, naming the lab's backend."""

    def __init__(self, emulator: Emulator) -> None:
        self.backend = emulator.lab.backend.name

    def refuse(self, call: Call) -> None:
        refused = REFUSED if call.service == "cloudwatch" else LOGS_REFUSED
        raise UnsupportedOperation(call.service, call.operation, self.backend, _(refused[call.operation]))


def install(emulator: Emulator) -> RefusedCloudWatch:
    """Register a refusal for every operation in :data:`REFUSED` and :data:`LOGS_REFUSED`."""
    plugin = RefusedCloudWatch(emulator)
    for operation in REFUSED:
        emulator.answers("cloudwatch", operation)(plugin.refuse)
    for operation in LOGS_REFUSED:
        emulator.answers("logs", operation)(plugin.refuse)
    return plugin
