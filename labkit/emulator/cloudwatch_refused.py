"""Emulator plugin: the CloudWatch operations labkit does not emulate, refused by name.

moto has no log alarms and no managed Contributor Insights rules. A learner who
called them offline would get moto's generic error, or a resource that never does anything. Every call
raises :class:`~labkit.exceptions.UnsupportedOperation` naming what is missing — and why, where AWS's
documentation does not say enough to emulate it faithfully (checked against botocore 1.44's
``cloudwatch`` model and the API reference, November 2026):

* log alarms — ``PutLogAlarm``: M of N over a service-managed CloudWatch Logs scheduled query
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutLogAlarm.html). "Each scheduled
  query execution returns one or more aggregated values ... and each aggregated value is compared against
  the alarm Threshold", and "if QueryResultsToAlarm out of the most recent QueryResultsToEvaluate query
  results breach the threshold, the alarm transitions to ALARM". Not documented: whether a "query result"
  is one execution or one aggregated value (an ``AggregationExpression`` with ``by host`` gives several per
  run), what an execution that returns no rows counts as for ``TreatMissingData``, when ``rate()`` runs
  start, the ``StateReason`` text, and the scheduled-query resource (``QueryARN``) CloudWatch Logs creates
  — so the offline lab would have to invent the answer. Use a metric filter and ``put_metric_alarm``.
  ``DescribeAlarms(AlarmTypes=["LogAlarm"])`` answers ``LogAlarms: []`` (:mod:`cloudwatch_composite`):
  none can exist offline.
* managed Contributor Insights rules — ``PutManagedInsightRules``, ``ListManagedInsightRules``: they analyse
  AWS services' own data, which the lab does not produce. Rules on log groups are emulated
  (:mod:`labkit.emulator.contributor_insights`).

Alarm mute rules are emulated by :mod:`labkit.emulator.cloudwatch_mute_rules`.

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
    "PutLogAlarm": "log alarms (a scheduled Logs Insights query evaluated M of N) are not evaluated offline: "
    "AWS does not document how several values per query run or a run without rows count; "
    "use a metric filter and put_metric_alarm",
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
