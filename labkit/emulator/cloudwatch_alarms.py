"""Alarms that evaluate, record history and notify, as CloudWatch does (moto's never move).

* ``PutMetricAlarm`` is validated as CloudWatch validates it (moto accepts ``Period=7``); a new
  alarm starts in ``INSUFFICIENT_DATA``; an update leaves the state unchanged
  (PutMetricAlarm API reference: "When this operation creates an alarm, the alarm state is
  immediately set to INSUFFICIENT_DATA ... When you update an existing alarm, its state is left
  unchanged", https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
* Each metric alarm is evaluated every lab minute (every 10 seconds for a period under a minute)
  over its evaluation range with :func:`labkit.aws.alarms.evaluate` (the documented M-of-N and
  missing-data rules); the periods end at the evaluation time (``SlidingWindow``, the default) or at
  the latest clock boundary in a time zone (``WallClockWindow``): :mod:`labkit.aws.alarms.schedule`
  ("Alarm evaluation window",
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation-window.html).
  So a 5-minute alarm sees a datapoint stamped 00:11 at 00:12, and a state set with ``SetAlarmState``
  lasts until the next evaluation, at most a minute later unless the evaluation agrees with it.
* ``EvaluationWindow`` is kept by the plugin (moto drops it) and returned by ``DescribeAlarms`` when
  the alarm was put with one. The other members botocore 1.44 added to PutMetricAlarm are refused by
  name (:data:`REFUSED_MEMBERS`): ``EvaluationCriteria`` and ``EvaluationInterval`` (PromQL alarms),
  ``WarmUpConfiguration`` ("Alarm warm-up periods",
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-warm-up.html) and
  ``ActionConfiguration`` (the alarm's tags in its notifications and events).
* A state change — from evaluation or from ``SetAlarmState`` — updates the alarm, appends alarm
  history (``DescribeAlarmHistory`` is answered here) and, if actions are enabled, publishes the
  CloudWatch notification once to each SNS topic of the new state's actions
  ("Alarm actions", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-actions.html),
  unless an alarm mute rule mutes the alarm: then :mod:`labkit.emulator.cloudwatch_mute_rules` keeps the
  change and runs its actions (:meth:`CloudWatchAlarms.run_actions`) when the alarm is unmuted in that state.
* Each SNS action run leaves an ``Action`` history item (a documented ``HistoryItemType``,
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_AlarmHistoryItem.html), just
  after the ``StateUpdate``: "Successfully executed action <topic ARN>", or "Failed to execute action
  <topic ARN>" when the publish fails (a deleted topic). AWS documents neither text nor the item's
  ``HistoryData``; both follow what AWS accounts show (``actionState``, ``notificationResource``), and
  the failure's error text after the ARN is the lab's own.

An evaluation that cannot change anything is skipped, exactly (:meth:`CloudWatchAlarms.unchanged`):
when an alarm is evaluated and keeps its state, the plugin notes the versions of the metric series it
read (bumped by every write to the store) and how far its periods can slide before a stored datapoint
crosses one of their boundaries. Until one of those series is written to, a metric appears, the alarm
or its window changes (its state included), or the periods slide past that point, every period holds
the same datapoints, so the evaluation would give the same values and the same state: it is left out.
Alarms whose answer depends on anything else are evaluated every time: anomaly detection alarms
(the band is a model of the hour and weekday), Metrics Insights queries (any metric of the namespace),
calendar functions such as ``HOUR`` (the periods' own time), math over metrics of another period, and
moto's ``AWS/S3`` metrics. Alarm states, history, notifications and events are those of evaluating
every time (tests/test_emulator_alarm_skipping.py runs the same scenarios both ways). An evaluation that
keeps the state with a static threshold computes the state alone (:func:`labkit.aws.alarms.evaluation.evaluated_state`,
the rules of ``evaluate`` without the explanation only a change needs), and a standard statistic is read
straight from the store's columns (:meth:`labkit.emulator.metric_store.Series.period_sets`, the buckets and
sums of the statistics' rows); the same test compares both with the general path, moto's requests included.
Alarms asking one question at an instant (ten thresholds on one CPU) share its values and what it read: the
first reads, each of the others decides its state from the same values (:meth:`CloudWatchAlarms._kept_as_asked`),
and a minute in which every alarm still stands on the readings the last minute left is told once per shared
reading (:meth:`CloudWatchAlarms._still_quiet`).

The alarms to evaluate are read from moto once and kept (:attr:`CloudWatchAlarms.alarms`) until a
lab client — the learner's or the kit's own — calls an operation that changes alarms
(:data:`ALARM_WRITES`): a lab minute then costs no ``DescribeAlarms`` round trip (over HTTP on a
moto server). As for metric data, the lab's clients are taken to be the only writers of its alarms.

On a moto server in another process (a workshop's ``LABKIT_ENDPOINT_URL``) each history item also
lives on the server (:class:`labkit.emulator.server_state.ServerState`, kind ``alarm-history``), and a
lab that connects reads the items of the alarms that still exist in its region: ``DescribeAlarmHistory``
in a new kernel shows what ``labkit catchup`` or an earlier kernel of the participant recorded. Items of
alarms that no longer exist there (deleted by ``labkit teardown`` in another process) are removed.


Evaluated here: single-metric alarms with a standard statistic or a percentile (``pNN``), and
alarms on metric math (``Metrics`` with ``Expression``, evaluated by :mod:`labkit.aws.metricmath`
over the evaluation range, "Creating a CloudWatch alarm based on a metric math expression",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create-alarm-on-metric-math-expression.html),
and alarms on a Metrics Insights query that returns one time series (run by
:mod:`labkit.aws.metricsinsights` over the latest three hours, "Create a CloudWatch alarm based on a
Metrics Insights query",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Metrics_Insights_Alarm.html).
A percentile alarm with ``EvaluateLowSampleCountPercentile`` ``ignore`` keeps its state while the
evaluated periods hold fewer than 10/(1-p) samples (p >= 0.5) or 10/p samples (p < 0.5)
("Percentile-based alarms and low data samples",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/percentiles-with-low-samples.html).
What is valid on AWS but not evaluated offline is refused by ``PutMetricAlarm`` with
:class:`~labkit.exceptions.UnsupportedOperation` naming it, after AWS's own validation (so AWS's
examples are judged as AWS judges them): the extended statistics other than percentiles (``tm90``,
``IQM``, ...), metric math functions the engine does not evaluate, math on metrics of different
periods, multi time series alarms (a query with GROUP BY) and query alarms evaluating more than three
hours. Anomaly detection alarms (``ThresholdMetricId`` naming an ``ANOMALY_DETECTION_BAND``) are
evaluated against the band of labkit's model (:mod:`labkit.emulator.cloudwatch_anomaly`, a model, not
AWS's), each period's value compared with that period's band.
Taught in notebook 02-cpu-alarm.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from labkit.emulator.autoscaling_metrics import AutoScalingMetrics
from labkit.emulator.cloudtrail import CloudTrailEmulation
from labkit.emulator.cloudwatch_metrics import INSIGHTS_ALARM_REACH, PROVIDED_NAMESPACE, CloudWatchMetrics
from labkit.emulator.ec2_status import Ec2Status
from labkit.emulator.events import Events
from labkit.emulator.logs_metrics import LogsMetrics
from labkit.emulator.server_state import ServerState, item_key
from labkit.emulator.simulated_metrics import SimulatedMetrics
from labkit.emulator.sns_email import SnsEmail
from labkit.emulator.synthetic_checks import SyntheticChecks
from labkit.emulator.metric_store import (
    QUIET_FOREVER,
    SET_STATISTICS,
    Series,
    micros,
    period_sets,
    period_statistics,
    set_statistic,
)
from labkit.exceptions import InvalidAlarmParameter, ServiceError, UnsupportedOperation
from labkit.i18n import N_, _

if TYPE_CHECKING:
    from labkit.emulator.cloudwatch_composite import CompositeAlarms
    from labkit.emulator.cloudwatch_log_alarms import LogAlarms
    from labkit.emulator.cloudwatch_mute_rules import AlarmMuteRules
    from labkit.emulator.core import Emulator
from labkit.aws import jsontext
from labkit.aws import alarms, metricmath, metricsinsights
from labkit.aws.alarms import schedule
from labkit.aws.alarms.evaluation import STATIC_OPERATORS
from labkit.aws.alarms.notification import configuration_update_history, state_update_history
from labkit.emulator.core import Call


STANDARD_STATISTICS = ("Average", "Sum", "Minimum", "Maximum", "SampleCount")
_PERCENTILE = re.compile(r"^p(\d+(?:\.\d+)?)$")
HISTORY_TIME = "%Y-%m-%dT%H:%M:%S.000+0000"
#: CloudWatch operations that create, delete or change alarms: each one drops the kept alarms.
ALARM_WRITES = (
    "PutMetricAlarm",
    "PutCompositeAlarm",
    "DeleteAlarms",
    "SetAlarmState",
    "EnableAlarmActions",
    "DisableAlarmActions",
    "TagResource",
    "UntagResource",
)
#: PutMetricAlarm members (botocore 1.44) valid on AWS that the lab does not emulate: refused by name.
REFUSED_MEMBERS = {
    "EvaluationCriteria": N_("PromQL alarms (EvaluationCriteria) are not evaluated offline"),
    "EvaluationInterval": N_("EvaluationInterval (the evaluation frequency of PromQL alarms) is not emulated"),
    "WarmUpConfiguration": N_("alarm warm-up periods (WarmUpConfiguration) are not emulated"),
    "ActionConfiguration": N_("ActionConfiguration (the alarm's tags in its notifications and events) is not emulated"),
}


@dataclass
class HistoryItem:
    """One entry of ``DescribeAlarmHistory``."""

    alarm_name: str
    alarm_type: str
    timestamp: dt.datetime
    item_type: str
    summary: str
    data: dict[str, Any]
    #: Its item on the server (see :class:`labkit.emulator.server_state.ServerState`), if kept there.
    key: str = ""

    def stored(self) -> dict[str, Any]:
        return {
            "alarm_name": self.alarm_name,
            "alarm_type": self.alarm_type,
            "timestamp": self.timestamp.isoformat(),
            "item_type": self.item_type,
            "summary": self.summary,
            "data": self.data,
        }

    def as_api(self) -> dict[str, Any]:
        return {
            "AlarmName": self.alarm_name,
            "AlarmType": self.alarm_type,
            "Timestamp": self.timestamp,
            "HistoryItemType": self.item_type,
            "HistorySummary": self.summary,
            "HistoryData": json.dumps(self.data),
        }


@dataclass(slots=True)
class Reading:
    """What an evaluation that kept its alarm's state read, and how long that answer stands
    (:meth:`CloudWatchAlarms.unchanged`). Alarms asking one metric question over the same periods at one
    instant (ten thresholds on one CPU) share it, and a sliding window's verdict on it at an instant."""

    period: int
    #: Where the evaluated periods ended, epoch microseconds.
    end: int
    #: The latest end of the periods at which they still hold the same datapoints each (microseconds).
    unchanged_until: int
    #: The store's count of created series then (a metric that appears may be one the alarm reads).
    created: int
    #: Each series read, with its version then.
    versions: tuple[tuple[Series, int], ...]
    #: What :meth:`CloudWatchAlarms._series_read` found (None: a metric without data then).
    read: list[Series | None]
    #: :attr:`CloudWatchAlarms._moment` when a sliding window's verdict was last given, and the verdict.
    judged: int = -1
    verdict: bool = False


@dataclass(slots=True)
class Steady:
    """An alarm whose last evaluation kept its state, and what that evaluation read (:class:`Reading`)."""

    #: The alarm as evaluated: a changed alarm (another state, an update) is another dict.
    alarm: dict[str, Any]
    #: Its EvaluationWindow as evaluated (None: sliding).
    window: dict[str, Any] | None
    reading: Reading


@dataclass(slots=True)
class Planned:
    """What evaluating an alarm needs that the alarm alone gives, worked out once per alarm as read (a state
    change or an update is another dict): a month of evaluations worked it out again each time."""

    alarm: dict[str, Any]
    period: int
    #: N, and how many periods the evaluation range reads (:func:`alarms.evaluation_range`).
    n: int
    count: int
    #: (region, name): its EvaluationWindow's and newest value's key.
    key: tuple[str, str]
    #: "band" (anomaly detection), "math" or "metric".
    kind: str
    #: A single-metric alarm's question over its periods (metric, unit, statistic, period, count): alarms asking
    #: it share their values (:meth:`CloudWatchAlarms._metric_values`) and a :class:`Reading`.
    asked: tuple[Any, ...]
    #: :func:`alarms.evaluate`'s arguments but the values (a band alarm's threshold is each evaluation's bands).
    rule: dict[str, Any]
    #: How many samples a percentile alarm's range needs under EvaluateLowSampleCountPercentile "ignore" (:func:`_low_sample_minimum`).
    needed: float | None = None
    #: The rule's state as a function of the values (:func:`alarms.state_rule`), made on first use; static thresholds only.
    state_of: Callable[[list[float | None]], str] | None = None
    #: A number for :attr:`asked` (:attr:`CloudWatchAlarms._questions`): the instant's shared values and readings
    #: are kept under it (hashing the question's nested tuple for each alarm at each instant cost more).
    question: int = -1


class CloudWatchAlarms:
    """The plugin's state: alarm history and the alarms' previous reasons."""

    requires = (CloudWatchMetrics, Ec2Status, Events, SnsEmail)
    #: The plugins that publish datapoints each minute tick first, so an alarm evaluated at a
    #: minute sees that minute's data (Ec2Metrics comes first through Ec2Status).
    after = (AutoScalingMetrics, CloudTrailEmulation, LogsMetrics, SimulatedMetrics, SyntheticChecks)

    def __init__(self, emulator: Emulator) -> None:
        self.metrics = emulator.plugin(CloudWatchMetrics)
        self.ec2_status = emulator.plugin(Ec2Status)
        self.events_plugin = emulator.plugin(Events)
        self.email = emulator.plugin(SnsEmail)
        self.lab = emulator.lab
        self.emulator = emulator
        self.history: list[HistoryItem] = []
        self.events: list[dict[str, Any]] = []
        #: The lab region's metric alarms as moto describes them, or None when a call may have
        #: changed them since they were read (see :meth:`watch`).
        self._kept: list[dict[str, Any]] | None = None
        #: This evaluation instant's metric statistics by period start, by query (emptied after a transition,
        #: whose actions may publish datapoints).
        self._answers: dict[tuple[Any, ...], dict[dt.datetime, dict[str, Any]]] = {}
        #: Called with (region, alarm name, lab time) after each state change (composite alarms listen).
        self.on_transition: list[Callable[[str, str, dt.datetime], None]] = []
        #: Called with (region, alarm names) after any lab client's DeleteAlarms.
        self.on_delete: list[Callable[[str, list[str]], None]] = []
        #: The composite alarms plugin, when installed (it registers itself: it requires this one).
        self.composite: CompositeAlarms | None = None
        #: The newest datapoint of each metric alarm's latest evaluation, by (region, name), whether or not
        #: its state changed: what an alarm that stays in ALARM passes to the Auto Scaling policy it invokes
        #: each minute (:mod:`labkit.emulator.autoscaling`). Dropped by SetAlarmState, whose StateReasonData rules.
        self.newest: dict[tuple[str, str], float] = {}
        #: The alarm mute rules plugin, when installed (it registers itself: it requires this one).
        self.mute_rules: AlarmMuteRules | None = None
        #: The log alarms plugin, when installed (it registers itself: it requires this one).
        self.log_alarms: LogAlarms | None = None
        #: Each alarm's EvaluationWindow as put, by (region, name); absent means a sliding window.
        self.windows: dict[tuple[str, str], dict[str, Any]] = {}
        #: Leave out evaluations that provably repeat the last one (see the module docstring); tests
        #: turn it off to compare with evaluating every time.
        self.skipping = True
        #: In-process, change an alarm's state in moto's backend directly (:meth:`_set_in_moto`); tests turn
        #: it off to compare with SetAlarmState and DescribeAlarms through botocore.
        self.direct = True
        #: By alarm name: what its last evaluation that kept the state read (:class:`Steady`).
        self._steady: dict[str, Steady] = {}
        #: This evaluation instant's :meth:`Series.quiet_span` by (series, version, end, period, count).
        self._spans: dict[tuple[int, int, int, int, int], int] = {}
        #: This evaluation instant's :class:`Reading` of single-metric alarms with a sliding window, by question
        #: (:attr:`Planned.question`): alarms that ask the same question share it (emptied with :attr:`_values`).
        self._readings: dict[int, Reading] = {}
        #: A number for each single-metric question asked (:attr:`Planned.question`).
        self._questions: dict[tuple[Any, ...], int] = {}
        #: Counts evaluation instants and state changes: a :class:`Reading`'s verdict given at this moment stands.
        self._moment = 0
        #: The kept alarms the last tick planned from, with each evaluable one and its period, and those of
        #: them evaluated once a minute (a period of a minute or more).
        self._plan: tuple[list[dict[str, Any]] | None, list[tuple[dict[str, Any], int]], list[dict[str, Any]]] = (
            None,
            [],
            [],
        )
        #: The alarms the last minute left steady and the readings they share (:meth:`_quiet_after`).
        self._quiet: tuple[list[dict[str, Any]], list[Reading]] | None = None
        #: By alarm name: :class:`Planned` for the alarm as last evaluated.
        self._planned: dict[str, Planned] = {}
        #: This evaluation instant's period ends and starts of sliding windows, by (period, count).
        self._ranges: dict[tuple[int, int], tuple[dt.datetime, list[dt.datetime]]] = {}
        #: This evaluation instant's values, sample counts and newest value by (question, end), emptied with
        #: :attr:`_answers`.
        self._values: dict[tuple[int, dt.datetime], tuple[list[float | None], list[float | None], float | None]] = {}
        self.state: ServerState | None = None
        self.window_state: ServerState | None = None
        if ServerState.available(self.lab):
            self.state = ServerState(self.lab, "alarm-history")
            self._adopt_history(self.state.load())
            self.window_state = ServerState(self.lab, "alarm-window")
            for value in self.window_state.load().values():
                self.windows[(value["region"], value["alarm_name"])] = value["window"]

    def _adopt_history(self, stored: dict[str, Any]) -> None:
        """Take over the history items other processes left on the server for alarms that still exist."""
        assert self.state is not None
        names = sorted({value["alarm_name"] for value in stored.values()})
        existing: set[str] = set()
        for start in range(0, len(names), 100):  # DescribeAlarms takes up to 100 AlarmNames
            pages = self._cloudwatch().get_paginator("describe_alarms").paginate(AlarmNames=names[start : start + 100])
            existing |= {alarm["AlarmName"] for page in pages for alarm in page["MetricAlarms"]}
        items = []
        for key, value in stored.items():
            # Composite and log alarms' items are kept here; their plugins drop those of alarms that are gone.
            if value["alarm_type"] == "MetricAlarm" and value["alarm_name"] not in existing:
                self.state.drop(key)
                continue
            items.append(
                HistoryItem(
                    value["alarm_name"],
                    value["alarm_type"],
                    dt.datetime.fromisoformat(value["timestamp"]),
                    value["item_type"],
                    value["summary"],
                    value["data"],
                    key,
                )
            )
        # Keys are <alarm>.<nanoseconds when recorded>: their order is the recording order within a second.
        self.history = sorted(items, key=lambda item: (item.timestamp, int(item.key.rsplit(".", 1)[-1])))

    def forget_history(self, alarm_type: str, names: set[str]) -> None:
        """Drop the history items of the alarms ``names`` of ``alarm_type`` (here and on the server)."""
        for item in self.history:
            if item.alarm_type == alarm_type and item.alarm_name in names and item.key and self.state is not None:
                self.state.drop(item.key)
        self.history = [i for i in self.history if not (i.alarm_type == alarm_type and i.alarm_name in names)]

    def watch(self, client: Any) -> None:
        """Drop the kept alarms whenever ``client`` (any CloudWatch client of the lab) changes alarms."""
        for operation in ALARM_WRITES:
            client.meta.events.register(f"after-call.cloudwatch.{operation}", self._forget_kept)
        region = client.meta.region_name

        def remember(params: dict[str, Any], context: dict[str, Any], **_event: Any) -> None:
            context["labkit_deleted_alarms"] = list(params.get("AlarmNames", []))

        def deleted(http_response: Any, context: dict[str, Any], **_event: Any) -> None:
            if http_response.status_code < 300:
                for listener in self.on_delete:
                    listener(region, context.get("labkit_deleted_alarms", []))

        client.meta.events.register("before-parameter-build.cloudwatch.DeleteAlarms", remember)
        client.meta.events.register("after-call.cloudwatch.DeleteAlarms", deleted)

    def _forget_kept(self, **_event: Any) -> None:
        self._kept = None

    @property
    def alarms(self) -> list[dict[str, Any]]:
        """The lab region's metric alarms, read from moto only after a call changed them."""
        if self._kept is None:
            pages = self._cloudwatch().get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"])
            self._kept = [alarm for page in pages for alarm in page["MetricAlarms"]]
        return self._kept

    def _cloudwatch(self, region: str | None = None) -> Any:
        # Alarms live in the region of the client that created them (notebook 07 puts one in us-east-1).
        return self.lab.internal_client("cloudwatch", region or None)

    def _alarm(self, name: str, region: str | None = None) -> dict[str, Any] | None:
        found = self._cloudwatch(region).describe_alarms(AlarmNames=[name])["MetricAlarms"]
        return found[0] if found else None

    # -- calls ----------------------------------------------------------------------------------
    def validate(self, call: Call) -> None:
        for member, detail in REFUSED_MEMBERS.items():
            if member in call.params:
                raise self._unsupported(_("{error} (valid on AWS)").format(error=_(detail)))
        try:
            alarms.validate_put_metric_alarm(call.params)
            schedule.validate_evaluation_window(call.params.get("EvaluationWindow"), alarm_period(call.params))
        except InvalidAlarmParameter as error:
            raise ServiceError(error.code, error.message) from error
        self._refuse_what_is_not_evaluated(call.params)
        call.context["labkit_previous_alarm"] = self._alarm(call.params["AlarmName"], call.region)
        return None

    def _unsupported(self, detail: str) -> UnsupportedOperation:
        return UnsupportedOperation("cloudwatch", "PutMetricAlarm", self.lab.backend.name, detail)

    def _refuse_what_is_not_evaluated(self, params: dict[str, Any]) -> None:
        """Refuse by name an alarm AWS accepts that the lab would never evaluate (it would sit in
        INSUFFICIENT_DATA forever, a plausible wrong answer); check a math alarm's expressions as
        GetMetricData checks them, and that the returned one is a single time series ("Any expression
        used in a PutMetricAlarm operation must return a single time series", MetricDataQuery reference,
        https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html)."""
        extended = params.get("ExtendedStatistic")
        if extended and not _PERCENTILE.match(extended):
            raise self._unsupported(
                _("the extended statistic {statistic!r} is valid on AWS but not evaluated offline (pNN is)").format(
                    statistic=extended
                )
            )
        metrics = params.get("Metrics")
        if not metrics:
            return
        plugin = self.metrics
        stats = [q["MetricStat"] for q in metrics if "MetricStat" in q]
        for stat in stats:
            if stat["Stat"] not in STANDARD_STATISTICS and not _PERCENTILE.match(stat["Stat"]):
                raise self._unsupported(
                    _("the statistic {statistic!r} is valid on AWS but not evaluated offline").format(
                        statistic=stat["Stat"]
                    )
                )
        if len({int(stat["Period"]) for stat in stats}) > 1:
            raise self._unsupported(_("metric math over metrics of different periods is not evaluated offline"))
        self._refuse_insights_not_evaluated(params)
        # Evaluated once over an empty window: the metric math checks run, and the shape of the result shows.
        now = self.lab.clock.now()
        answers = plugin.query_series(
            metrics, now, now + dt.timedelta(seconds=1), operation="PutMetricAlarm", anomaly="check"
        )
        band = params.get("ThresholdMetricId")
        if band is not None:
            _check_band(metrics, band, len(answers[band]))
        returned = next(q["Id"] for q in metrics if q.get("ReturnData", True) and q["Id"] != band)
        if len(answers[returned]) != 1:
            raise ServiceError(
                "ValidationError",
                f"The expression '{returned}' returns {len(answers[returned])} time series; an alarm "
                "needs an expression that returns a single time series.",
            )

    def _refuse_insights_not_evaluated(self, params: dict[str, Any]) -> None:
        """An alarm on a Metrics Insights query ("Create a CloudWatch alarm based on a Metrics Insights
        query", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Metrics_Insights_Alarm.html)
        is evaluated when the query returns one aggregated time series; one that watches a query with
        GROUP BY (a multi time series alarm: each series a contributor with its own state) is refused, and so
        is one whose evaluation range reaches past the three hours of data "used for evaluating the alarm's
        conditions" (what AWS does with the older periods is not documented)."""
        queries = params.get("Metrics") or []
        insights = {q["Id"]: q for q in queries if metricsinsights.is_query(q.get("Expression") or "")}
        if not insights:
            return
        returned = next((q for q in queries if q.get("ReturnData", True)), None)
        if returned is not None and returned["Id"] in insights:
            try:
                grouped = bool(metricsinsights.compile(returned["Expression"]).group_by)
            except (metricsinsights.MetricsInsightsError, metricsinsights.MetricsInsightsUnsupported):
                return  # query_series reports it as GetMetricData does
            if grouped:
                raise self._unsupported(
                    _(
                        "alarms on a Metrics Insights query with GROUP BY (multi time series alarms, one contributor "
                        "per series) are valid on AWS but not evaluated offline; wrap the query in a math expression "
                        "that returns one time series"
                    ),
                )
        period = alarm_period(params)
        if period is not None:
            reach = period * alarms.evaluation_range(int(params.get("EvaluationPeriods") or 1))
            if reach > INSIGHTS_ALARM_REACH.total_seconds():
                raise self._unsupported(
                    _(
                        "a Metrics Insights alarm evaluating {minutes} minutes of data: AWS uses only the latest 3 "
                        "hours for alarms on a query and does not document what it does with older periods"
                    ).format(minutes=reach // 60),
                )

    def created(self, call: Call, reply: dict[str, Any]) -> None:
        name = call.params["AlarmName"]
        now = self.lab.clock.now()
        # "If you don't specify EvaluationWindow when you create or update a metric alarm, the alarm
        # uses a sliding window" (alarm-evaluation-window.html): an update without it drops the kept one.
        self._keep_window(call.region or self.lab.region, name, call.params.get("EvaluationWindow"))
        previous = call.context.get("labkit_previous_alarm")
        if previous is None:
            self._cloudwatch(call.region).set_alarm_state(
                AlarmName=name, StateValue="INSUFFICIENT_DATA", StateReason="Unchecked: Initial alarm creation"
            )
            self._record(name, now, "ConfigurationUpdate", *configuration_update_history(name, created=True))
        else:
            # moto rebuilds the alarm in state OK; CloudWatch keeps the state it had.
            kept = {
                "AlarmName": name,
                "StateValue": previous["StateValue"],
                "StateReason": previous.get("StateReason", ""),
            }
            if previous.get("StateReasonData"):
                kept["StateReasonData"] = previous["StateReasonData"]
            self._cloudwatch(call.region).set_alarm_state(**kept)
            self._record(name, now, "ConfigurationUpdate", *configuration_update_history(name, created=False))

    def set_state(self, call: Call) -> dict[str, Any]:
        """SetAlarmState of a metric, composite or log alarm. ``StateReasonData`` must be JSON: else AWS's
        ``InvalidFormat``, "Data was not syntactically valid JSON." (SetAlarmState API reference, Errors,
        https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html; which of it and
        ``ResourceNotFound`` comes first is not documented: checked first, as moto does)."""
        if call.params.get("StateReasonData"):
            try:
                jsontext.loads(call.params["StateReasonData"])
            except ValueError:
                raise ServiceError("InvalidFormat", "Data was not syntactically valid JSON.") from None
        composite = self.composite
        if composite is not None and composite.owns(call):
            return composite.set_state(call)
        if self.log_alarms is not None and self.log_alarms.owns(call):
            return self.log_alarms.set_state(call)
        name = call.params["AlarmName"]
        before = self._alarm(name)
        if before is None:
            raise ServiceError("ResourceNotFound", f"Alarm {name} not found")
        reason_data = jsontext.loads(call.params["StateReasonData"]) if call.params.get("StateReasonData") else None
        self.newest.pop((call.region or self.lab.region, name), None)
        self._transition(
            before, call.params["StateValue"], call.params["StateReason"], reason_data, self.lab.clock.now()
        )
        return {}

    def describe_history(self, call: Call) -> dict[str, Any]:
        params = call.params
        items = [
            item
            for item in self.history
            if params.get("AlarmName") in (None, item.alarm_name)
            and params.get("HistoryItemType") in (None, item.item_type)
            and (params.get("StartDate") is None or item.timestamp >= _aware(params["StartDate"]))
            and (params.get("EndDate") is None or item.timestamp <= _aware(params["EndDate"]))
            # "If you omit this parameter, only metric alarms are returned" (DescribeAlarmHistory API reference).
            and item.alarm_type in (params.get("AlarmTypes") or ["MetricAlarm"])
        ]
        # Within one lab second, recording order stands for AWS's milliseconds (an Action follows its StateUpdate).
        order = {id(item): index for index, item in enumerate(self.history)}
        items.sort(
            key=lambda item: (item.timestamp, order[id(item)]),
            reverse=params.get("ScanBy", "TimestampDescending") == "TimestampDescending",
        )
        start = int(params.get("NextToken") or 0)
        size = int(params.get("MaxRecords") or 100)
        page = items[start : start + size]
        reply: dict[str, Any] = {"AlarmHistoryItems": [item.as_api() for item in page]}
        if start + size < len(items):
            reply["NextToken"] = str(start + size)
        return reply

    def _keep_window(self, region: str, name: str, window: dict[str, Any] | None) -> None:
        key = item_key(f"{region}/{name}")
        if window is None:
            if self.windows.pop((region, name), None) is not None and self.window_state is not None:
                self.window_state.drop(key)
            return
        self.windows[(region, name)] = window
        if self.window_state is not None:
            self.window_state.save(key, {"region": region, "alarm_name": name, "window": window})

    def describe_windows(self, call: Call, reply: dict[str, Any]) -> None:
        """Add ``EvaluationWindow`` to the metric alarms that were put with one (moto drops it)."""
        region = call.region or self.lab.region
        for alarm in reply.get("MetricAlarms", []):
            window = self.windows.get((region, alarm["AlarmName"]))
            if window is not None:
                alarm["EvaluationWindow"] = window

    def forget(self, call: Call, reply: dict[str, Any]) -> None:
        gone = set(call.params.get("AlarmNames", []))
        for name in gone:
            self._keep_window(call.region or self.lab.region, name, None)
            self.newest.pop((call.region or self.lab.region, name), None)
            self._steady.pop(name, None)
        for item in self.history:
            if item.alarm_name in gone and item.key and self.state is not None:
                self.state.drop(item.key)
        self.history = [item for item in self.history if item.alarm_name not in gone]

    # -- evaluation -----------------------------------------------------------------------------
    def tick(self, now: dt.datetime) -> None:
        """Evaluate every alarm at the instants of the lab minute that ends at ``now``: once, at
        ``now``, or every 10 seconds for a period under a minute (:func:`schedule.evaluation_times`).

        The alarms are the region's, whoever made them: on a moto server an alarm another process
        created (``labkit catchup``, a second kernel of the participant) is evaluated here too.
        """
        kept = self.alarms
        if self._plan[0] is not kept:  # read again, or a transition re-read an alarm
            evaluable = [(alarm, period) for alarm in kept if (period := _evaluable_period(alarm))]
            self._plan = (kept, evaluable, [alarm for alarm, period in evaluable if period >= 60])
            names = {alarm["AlarmName"] for alarm in kept}
            self._planned = {name: planned for name, planned in self._planned.items() if name in names}
        evaluable, each_minute = self._plan[1], self._plan[2]
        if len(each_minute) == len(evaluable):  # no period under a minute: one instant, the minute's end
            if self._still_quiet(kept, now):
                return
            due = {now: each_minute}
        else:
            due = {now: list(each_minute)} if each_minute else {}
            for alarm, period in evaluable:
                if period < 60:
                    for at in schedule.evaluation_times(period, now):
                        due.setdefault(at, []).append(alarm)
        for at in sorted(due):
            # Alarms on the same metric and period (ten thresholds on one CPU) ask the same question.
            self._answers = {}
            self._values = {}
            self._spans = {}
            self._ranges = {}
            self._readings = {}
            self._moment += 1
            at_us = micros(at)
            # A transition earlier in this minute re-read its alarm: evaluate the alarms as they are now.
            now_kept = self.alarms
            current = None if now_kept is kept else {alarm["AlarmName"]: alarm for alarm in now_kept}
            planned_by_name = self._planned
            for alarm in due[at]:
                as_now = alarm if current is None else current.get(alarm["AlarmName"])
                if as_now is None:
                    continue
                # Another alarm asked this one's question at this instant: its values decide, whether or not this
                # alarm's last reading still stands (if it stands, they are the values it read then).
                planned = planned_by_name.get(as_now["AlarmName"])
                if (
                    planned is not None
                    and planned.alarm is as_now
                    and planned.question in self._readings
                    and self._kept_as_asked(as_now, planned, at)
                ):
                    continue
                if not self.unchanged(as_now, at, at_us):
                    self._evaluate(as_now, at)
        self._quiet = self._quiet_after(kept, due) if len(due) == 1 else None

    def _quiet_after(
        self, kept: list[dict[str, Any]], due: dict[dt.datetime, list[dict[str, Any]]]
    ) -> tuple[list[dict[str, Any]], list[Reading]] | None:
        """After a minute's one instant: when every alarm due then ended it steady (unchanged or keeping its
        state) with a sliding window, the alarms as kept and the distinct :class:`Reading` they share (ten
        thresholds on one CPU share one); else None. See :meth:`_still_quiet`."""
        if not self.skipping or self.windows:
            return None
        readings: dict[int, Reading] = {}
        for alarm in next(iter(due.values())):
            steady = self._steady.get(alarm["AlarmName"])
            if steady is None or steady.alarm is not alarm:
                return None
            readings[id(steady.reading)] = steady.reading
        return kept, list(readings.values())

    def _still_quiet(self, kept: list[dict[str, Any]], now: dt.datetime) -> bool:
        """Whether every alarm is :meth:`unchanged` at ``now``, told once per shared reading instead of once
        per alarm: the alarms are those the last minute left steady (:meth:`_quiet_after`; a change to any
        alarm, a state change included, reads them again into another list), and each of their readings
        stands at ``now``. Then the minute would evaluate nothing."""
        quiet = self._quiet
        if quiet is None or quiet[0] is not kept or not self.skipping or self.windows:
            return False
        at_us = micros(now)
        return all(self._stands(reading, at_us) for reading in quiet[1])

    def unchanged(self, alarm: dict[str, Any], at: dt.datetime, at_us: int) -> bool:
        """Whether evaluating ``alarm`` at ``at`` would repeat its last evaluation, which kept its state:
        the alarm, its window and every series it read are as they were, no metric appeared, and its
        periods, moved to where they end at ``at``, hold the same datapoints each. Then the values,
        hence the state, are the same (:func:`labkit.aws.alarms.evaluate` depends on nothing else)."""
        steady = self._steady.get(alarm["AlarmName"]) if self.skipping else None
        if steady is None or steady.alarm is not alarm:
            return False
        window = self.windows.get((self.lab.region, alarm["AlarmName"])) if self.windows else None
        if window is not steady.window:
            return False
        reading = steady.reading
        if window is not None:
            return self._stands(reading, micros(schedule.window_end(at, reading.period, window)))
        # Alarms sharing the reading (one question) get the same verdict until an instant or a state change passes.
        if reading.judged != self._moment:
            reading.judged, reading.verdict = self._moment, self._stands(reading, at_us)
        return reading.verdict

    def _stands(self, reading: Reading, end: int) -> bool:
        """Whether ``reading`` still holds for periods ending at ``end`` (see :meth:`unchanged`)."""
        if reading.created != self.metrics.store.created:
            return False
        for series, version in reading.versions:
            if series.version != version:
                return False
        return reading.end <= end <= reading.unchanged_until

    def _keep_steady(
        self, alarm: dict[str, Any], planned: Planned, window: dict[str, Any] | None, end: dt.datetime
    ) -> None:
        """Note what this evaluation, which kept the alarm's state, read (see :meth:`unchanged`)."""
        name = alarm["AlarmName"]
        shared = planned.kind == "metric" and window is None
        if shared:
            reading = self._readings.get(planned.question)
            if reading is not None:  # another alarm asked the same question at this instant
                self._steady[name] = Steady(alarm, window, reading)
                return
        period, count = planned.period, planned.count
        store = self.metrics.store
        last = self._steady.get(name)
        if last is not None and last.alarm is alarm and last.reading.created == store.created:
            found: list[Series | None] | None = last.reading.read  # no metric appeared: the same series
        else:
            found = self._series_read(alarm, period) if self.skipping else None
        if found is None:
            self._steady.pop(name, None)
            return
        end_us = micros(end)
        span = QUIET_FOREVER
        for series in found:
            if series is None:
                continue
            key = _span_key(series, end_us, period, count)
            if key not in self._spans:  # alarms on one metric and period (ten thresholds on one CPU) share it
                # A datapoint crossing one of the periods' boundaries changes a period's data.
                self._spans[key] = series.quiet_span(_period_boundaries(end_us, period, count))
            span = min(span, self._spans[key])
        reading = Reading(
            period,
            end_us,
            end_us + span,
            store.created,
            tuple((series, series.version) for series in found if series is not None),
            found,
        )
        if shared:
            self._readings[planned.question] = reading
        self._steady[name] = Steady(alarm, window, reading)

    def _series_read(self, alarm: dict[str, Any], period: int) -> list[Series | None] | None:
        """The store's series ``alarm`` reads (None where the metric has no data yet), or None when its
        answer may change without them changing (see the module docstring)."""
        store = self.metrics.store
        if alarm.get("ThresholdMetricId"):
            return None
        if not alarm.get("Metrics"):
            if alarm.get("Namespace") == PROVIDED_NAMESPACE:
                return None
            return [store.find(alarm["Namespace"], alarm["MetricName"], alarm.get("Dimensions", []))]
        found: list[Series | None] = []
        for query in alarm["Metrics"]:
            if "Expression" in query:
                if query.get("Period") not in (None, period) or not _shift_invariant(query["Expression"]):
                    return None
                continue
            stat = query["MetricStat"]
            metric = stat["Metric"]
            if int(stat["Period"]) != period or metric["Namespace"] == PROVIDED_NAMESPACE:
                return None
            found.append(store.find(metric["Namespace"], metric["MetricName"], metric.get("Dimensions", [])))
        return found

    def _planned_for(self, alarm: dict[str, Any]) -> Planned:
        """``alarm``'s :class:`Planned`, worked out on its first evaluation as read."""
        planned = self._planned.get(alarm["AlarmName"])
        if planned is None or planned.alarm is not alarm:
            planned = self._planned[alarm["AlarmName"]] = _plan(alarm, self.lab.region)
            planned.question = self._questions.setdefault(planned.asked, len(self._questions))
        return planned

    def _evaluate(self, alarm: dict[str, Any], now: dt.datetime) -> None:
        """Evaluate ``alarm`` at ``now`` over the periods its evaluation window gives."""
        planned = self._planned_for(alarm)
        period, n, count = planned.period, planned.n, planned.count
        window = self.windows.get(planned.key)
        if window is None:  # a sliding window: alarms of one period and range share their periods
            ranged = self._ranges.get((period, count))
            if ranged is None:
                ranged = self._ranges[(period, count)] = (now, schedule.period_starts(now, period, count))
            end, starts = ranged
        else:
            end = schedule.window_end(now, period, window)
            starts = schedule.period_starts(end, period, count)
        first = starts[0]
        rule = planned.rule
        if planned.kind == "band":
            (values, threshold), counts = self._band_values(alarm, first, end, starts), None
            rule = {**rule, "threshold": threshold}
            newest = _newest(values)
        elif planned.kind == "math":
            values, counts = self._math_values(alarm, first, end, starts), None
            newest = _newest(values)
        else:
            values, counts, newest = self._metric_values(alarm, planned, first, end, starts)
            if planned.needed is not None and sum(c or 0 for c in counts[-n:]) < planned.needed:
                self._keep_steady(alarm, planned, window, end)
                return  # EvaluateLowSampleCountPercentile "ignore": the state does not change
        if newest is not None:  # the newest datapoint evaluated
            self.newest[planned.key] = newest
        if self._state_kept(values, planned):
            self._keep_steady(alarm, planned, window, end)
            return
        outcome = alarms.evaluate(values, **rule)
        if outcome.state == alarm["StateValue"]:
            self._keep_steady(alarm, planned, window, end)
            return
        reason, reason_data = alarms.state_reason(
            outcome,
            timestamps=starts,
            threshold=rule["threshold"],
            period=period,
            query_date=now,
            statistic=alarm.get("Statistic") or alarm.get("ExtendedStatistic"),
            unit=alarm.get("Unit"),
            sample_counts=counts,
            datapoints_to_alarm_set="DatapointsToAlarm" in alarm,
        )
        self._transition(alarm, outcome.state, reason, reason_data, now)

    def _kept_as_asked(self, alarm: dict[str, Any], planned: Planned, now: dt.datetime) -> bool:
        """:meth:`_evaluate` of a single-metric alarm with a sliding window whose question another alarm asked at
        this instant and kept its state on (ten thresholds on one CPU): True when ``alarm`` keeps its state on
        the same values, having shared that alarm's :class:`Reading` as :meth:`_keep_steady` does; False (nothing
        done) when the general path must decide (a change of state is explained there)."""
        kept = self._values.get((planned.question, now))
        if kept is None or planned.needed is not None or (self.windows and planned.key in self.windows):
            return False
        values, newest = kept[0], kept[2]
        if not self._state_kept(values, planned):
            return False
        if newest is not None:
            self.newest[planned.key] = newest
        self._keep_steady(alarm, planned, None, now)
        return True

    @staticmethod
    def _state_kept(values: list[float | None], planned: Planned) -> bool:
        """Whether the evaluation keeps the state, told by the state alone (:func:`alarms.state_rule`, made once
        per alarm as read) when the threshold is static: most evaluations keep it, and only a change needs the
        explanation."""
        state_of = planned.state_of
        if state_of is None:
            rule = planned.rule
            if planned.kind == "band" or rule["comparison_operator"] not in STATIC_OPERATORS:
                return False
            state_of = planned.state_of = alarms.state_rule(**rule)
        return state_of(values) == planned.rule["current_state"]

    def _metric_values(
        self,
        alarm: dict[str, Any],
        planned: Planned,
        first: dt.datetime,
        now: dt.datetime,
        starts: list[dt.datetime],
    ) -> tuple[list[float | None], list[float | None], float | None]:
        """A single-metric alarm's statistic and sample count in each period starting at ``starts`` (ending at
        ``now``), and the newest value among them (:attr:`newest`)."""
        key = (planned.question, now)
        kept = self._values.get(key)
        if kept is None:  # alarms on one metric (ten thresholds on one CPU) ask the same question
            values, counts = self._query_values(alarm, first, now, starts)
            kept = self._values[key] = (values, counts, _newest(values))
        return kept

    def _query_values(
        self,
        alarm: dict[str, Any],
        first: dt.datetime,
        now: dt.datetime,
        starts: list[dt.datetime],
    ) -> tuple[list[float | None], list[float | None]]:
        query: dict[str, Any] = {
            "Namespace": alarm["Namespace"],
            "MetricName": alarm["MetricName"],
            "Dimensions": alarm.get("Dimensions", []),
            "StartTime": first,
            "EndTime": now,
            "Period": alarm_period(alarm),
        }
        if alarm.get("Unit"):
            query["Unit"] = alarm["Unit"]
        statistic = alarm.get("Statistic")
        if statistic in SET_STATISTICS and alarm["Namespace"] != PROVIDED_NAMESPACE:
            return self._set_values(query, statistic, starts)
        return self._row_values(query, statistic, alarm.get("ExtendedStatistic"), starts)

    def _set_values(
        self, query: dict[str, Any], statistic: str, starts: list[dt.datetime]
    ) -> tuple[list[float | None], list[float | None]]:
        """:meth:`_row_values` of a standard statistic on the lab's own store, straight from the series'
        columns (:func:`period_sets`: the buckets and sums of :meth:`_statistics`)."""
        store = self.metrics.store
        series = store.find(query["Namespace"], query["MetricName"], query["Dimensions"])
        if series is None:
            return [None] * len(starts), [None] * len(starts)
        period = int(query["Period"])
        end = micros(query["EndTime"])
        boundaries = _period_boundaries(end, period, len(starts))
        answered = series.period_sets(boundaries, store.units, query.get("Unit"))
        if answered is not None:
            sets, span = answered
        else:
            rows, span = series.periods(boundaries)
            found = period_sets(
                rows,
                store.units,
                period=period,
                origin=int(query["EndTime"].timestamp()) % period,
                unit=query.get("Unit"),
            )
            # A start between whole seconds is no period's start (those are whole seconds since the epoch).
            sets = [found.get(at // 1_000_000) if at % 1_000_000 == 0 else None for at in boundaries[:-1]]
        # How long the periods stay unchanged, from the same search (:meth:`_keep_steady` asks next).
        self._spans[_span_key(series, end, period, len(starts))] = span
        return [set_statistic(s, statistic) for s in sets], [set_statistic(s, "SampleCount") for s in sets]

    def _row_values(
        self, query: dict[str, Any], statistic: str | None, extended: str | None, starts: list[dt.datetime]
    ) -> tuple[list[float | None], list[float | None]]:
        """The values and sample counts from the query's datapoints, as GetMetricStatistics gives them."""
        if statistic:
            by_start = self._by_start({**query, "Statistics": [statistic, "SampleCount"]})
            values = [by_start[s][statistic] if s in by_start else None for s in starts]
        else:  # a percentile: what GetMetricStatistics answers for ExtendedStatistics, then for SampleCount
            assert extended is not None  # _evaluable_period checked it
            # The API takes Statistics or ExtendedStatistics, not both; both come from the same buckets of the same
            # rows, so one pass gives each what its own request would (half the work of a percentile alarm).
            by_start = self._by_start({**query, "Statistics": ["SampleCount"], "ExtendedStatistics": [extended]})
            values = [by_start[s]["ExtendedStatistics"].get(extended) if s in by_start else None for s in starts]
        counts = [by_start[s]["SampleCount"] if s in by_start else None for s in starts]
        return values, counts

    def _by_start(self, query: dict[str, Any]) -> dict[dt.datetime, dict[str, Any]]:
        key = (
            query["Namespace"],
            query["MetricName"],
            tuple((d["Name"], d["Value"]) for d in query["Dimensions"]),
            query.get("Unit"),
            query["StartTime"],
            query["EndTime"],
            query["Period"],
            tuple(query.get("Statistics") or ()),
            tuple(query.get("ExtendedStatistics") or ()),
        )
        found = self._answers.get(key)
        if found is None:
            found = self._answers[key] = {point["Timestamp"]: point for point in self._statistics(query)}
        return found

    def _math_values(
        self,
        alarm: dict[str, Any],
        first: dt.datetime,
        now: dt.datetime,
        starts: list[dt.datetime],
    ) -> list[float | None]:
        """The returned query's value in each period: the whole ``Metrics`` array evaluated over the
        evaluation range, as GetMetricData would answer it."""
        metrics = self.metrics
        queries = alarm["Metrics"]
        returned = next(q["Id"] for q in queries if q.get("ReturnData", True))
        origin = int(now.timestamp()) % (alarm_period(alarm) or 60)
        found = metrics.query_series(queries, first, now, operation="PutMetricAlarm", origin=origin)[returned]
        if not found:  # REMOVE_EMPTY left nothing: no datapoints
            return [None] * len(starts)
        if len(found) > 1:
            raise UnsupportedOperation(
                "cloudwatch",
                "PutMetricAlarm",
                self.lab.backend.name,
                _(
                    "the alarm {name!r}'s expression {id!r} returned {count} time series with data; an alarm watches one"
                ).format(name=alarm["AlarmName"], id=returned, count=len(found)),
            )
        by_start = dict(zip(found[0][1], found[0][2]))
        return [by_start.get(s) for s in starts]

    def _band_values(
        self,
        alarm: dict[str, Any],
        first: dt.datetime,
        now: dt.datetime,
        starts: list[dt.datetime],
    ) -> tuple[list[float | None], list[tuple[float, float] | None]]:
        """An anomaly detection alarm's metric value and band (lower, upper) in each period. The alarm
        creates its detector when it has none ("If you delete the model without deleting the alarm, the
        alarm automatically recreates the model", Create_Anomaly_Detection_Alarm.html). A period without
        a band (the model is still training or has too little history) counts as missing data
        (*labkit's reading*: AWS does not document it)."""
        queries, band_id = alarm["Metrics"], alarm["ThresholdMetricId"]
        returned = next(q["Id"] for q in queries if q.get("ReturnData", True) and q["Id"] != band_id)
        origin = int(now.timestamp()) % (alarm_period(alarm) or 60)
        found = self.metrics.query_series(
            queries, first, now, operation="PutMetricAlarm", anomaly="create", origin=origin
        )
        metric = dict(zip(found[returned][0][1], found[returned][0][2])) if found[returned] else {}
        upper, lower = (dict(zip(entry[1], entry[2])) for entry in found[band_id])
        values: list[float | None] = []
        bands: list[tuple[float, float] | None] = []
        for start in starts:
            has_band = start in upper and start in lower
            bands.append((lower[start], upper[start]) if has_band else None)
            values.append(metric.get(start) if has_band else None)
        return values, bands

    def _statistics(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """The query's datapoints in the alarm's periods: they end at ``EndTime`` (the evaluation
        window's end), not at multiples of the period since the epoch as GetMetricStatistics' do."""
        period = int(query["Period"])
        rows = self.metrics.rows(
            query["Namespace"], query["MetricName"], query["Dimensions"], query["StartTime"], query["EndTime"]
        )
        points = period_statistics(
            rows,
            period=period,
            statistics=query.get("Statistics") or [],
            extended_statistics=query.get("ExtendedStatistics") or [],
            unit=query.get("Unit"),
            origin=int(query["EndTime"].timestamp()) % period,
        )
        return points

    def _transition(
        self, alarm: dict[str, Any], state: str, reason: str, reason_data: dict[str, Any] | None, now: dt.datetime
    ) -> None:
        """Apply a state change: store it, record history, fire actions and the event once."""
        old_state, old_reason = alarm["StateValue"], alarm.get("StateReason", "")
        if state == old_state:
            return
        self._answers = {}
        self._values = {}
        self._readings = {}
        self._moment += 1
        params: dict[str, Any] = {"AlarmName": alarm["AlarmName"], "StateValue": state, "StateReason": reason}
        if reason_data:
            params["StateReasonData"] = json.dumps(reason_data)
        kept = self._kept
        name = alarm["AlarmName"]
        updated = self._store_state(alarm, params)
        self._record(name, now, "StateUpdate", *state_update_history(old_state, old_reason, state, reason, reason_data))
        if kept is not None:  # this write changed only this alarm: keep the others as read
            self._kept = [updated if other["AlarmName"] == name else other for other in kept]
        event = alarms.alarm_state_change_event(
            updated,
            old_state=old_state,
            old_reason=old_reason,
            old_timestamp=_aware(alarm.get("StateUpdatedTimestamp") or now),
            new_state=state,
            reason=reason,
            when=now,
            account_id=self.lab.account_id,
            region=self.lab.region,
            reason_data=reason_data,
        )
        self.events.append(event)
        # "CloudWatch sends events to Amazon EventBridge whenever a CloudWatch alarm ... changes alarm
        # state" — actions enabled or not (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html).
        self.events_plugin.publish_event(event)
        if updated.get("ActionsEnabled", True) and not self.actions_muted(self.lab.region, name, old_state, state, now):
            self._notify(updated, old_state, state, reason, now)
        for listener in self.on_transition:
            listener(self.lab.region, name, now)

    def _store_state(self, alarm: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        """Set ``alarm``'s state in moto (SetAlarmState's ``params``) and return the alarm as moto now
        describes it."""
        if self.direct and self.lab.backend.in_process:
            return self._set_in_moto(alarm, params)
        self._cloudwatch().set_alarm_state(**params)
        return self._alarm(params["AlarmName"]) or alarm

    def _set_in_moto(self, alarm: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        """SetAlarmState on moto's in-process backend, and the alarm as DescribeAlarms then gives it, without
        the two round trips through botocore (a month of transitions took seconds). moto's ``update_state``
        changes the state, its reason and reason data (absent when not given) and ``StateUpdatedTimestamp``
        (its clock: lab time, read back as the alarm's other timestamps are)."""
        from moto.cloudwatch.models import cloudwatch_backends

        backend = cloudwatch_backends[self.lab.account_id][self.lab.region]
        backend.set_alarm_state(
            params["AlarmName"], params["StateReason"], params.get("StateReasonData"), params["StateValue"]
        )
        changed = {
            "StateValue": params["StateValue"],
            "StateReason": params["StateReason"],
            "StateUpdatedTimestamp": self.lab.clock.utcnow_naive().replace(
                tzinfo=alarm["StateUpdatedTimestamp"].tzinfo
            ),
        }
        updated: dict[str, Any] = {}
        for key, value in alarm.items():  # in DescribeAlarms' order: the reason data follows the reason
            if key != "StateReasonData":
                updated[key] = changed.get(key, value)
            if key == "StateReason" and "StateReasonData" in params:
                updated["StateReasonData"] = params["StateReasonData"]
        return updated

    def actions_muted(self, region: str, name: str, old_state: str, state: str, now: dt.datetime) -> bool:
        """Whether an alarm mute rule mutes the actions of ``name``'s change from ``old_state`` to ``state`` at
        ``now`` ("How alarm mute rules work",
        https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-mute-rules-behaviour.html)."""
        return self.mute_rules is not None and self.mute_rules.hold(region, name, old_state, state, now)

    def muted(self, region: str, name: str, now: dt.datetime) -> bool:
        """Whether an alarm mute rule mutes ``name``'s actions at ``now`` (asked by actions that repeat while an
        alarm stays in a state: Auto Scaling's)."""
        return self.mute_rules is not None and self.mute_rules.muted(region, name, now)

    def run_actions(self, alarm: dict[str, Any], old_state: str, now: dt.datetime) -> None:
        """Perform the actions of ``alarm``'s current state for its change from ``old_state`` (the mute rules
        plugin calls it when a window ends with the alarm still in the state whose actions it muted)."""
        self._notify(alarm, old_state, alarm["StateValue"], alarm.get("StateReason", ""), now)

    def _notify(self, alarm: dict[str, Any], old_state: str, state: str, reason: str, now: dt.datetime) -> None:
        actions = {"ALARM": "AlarmActions", "OK": "OKActions", "INSUFFICIENT_DATA": "InsufficientDataActions"}[state]
        # EC2 actions (arn:aws:automate:<region>:ec2:recover|reboot|stop|terminate) run in the
        # ec2_status plugin, as in "Create alarms to stop, terminate, reboot, or recover an instance"
        # (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/UsingAlarmActions.html).
        automate = [arn for arn in alarm.get(actions, []) if arn.split(":")[2:3] == ["automate"]]
        if automate:
            self.ec2_status.perform(alarm, automate, now)
        topics = [arn for arn in alarm.get(actions, []) if arn.split(":")[2:3] == ["sns"]]
        if not topics:
            return
        subject, message = alarms.alarm_notification(
            alarm,
            old_state=old_state,
            new_state=state,
            reason=reason,
            when=now,
            account_id=self.lab.account_id,
            region=self.lab.region,
        )
        self.notify_topics(
            alarm["AlarmName"],
            topics,
            subject,
            message,
            now,
            lambda topic, unsubscribe_url: alarms.email_body(
                subject, message, topic_arn=topic, unsubscribe_url=unsubscribe_url
            ),
        )

    def notify_topics(
        self,
        alarm_name: str,
        topics: list[str],
        subject: str,
        message: dict[str, Any],
        now: dt.datetime,
        email_text: Callable[[str, str], str] | None = None,
        record: Callable[[str, dt.datetime, str, str, dict[str, Any]], None] | None = None,
    ) -> None:
        """Publish an alarm's notification to each SNS topic of the actions of its new state, and
        record an ``Action`` history item per topic: "Successfully executed action <topic>", or
        "Failed to execute action" with SNS's error (DescribeAlarmHistory's item types,
        https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_AlarmHistoryItem.html).

        Metric alarms and composite alarms (:mod:`labkit.emulator.cloudwatch_composite`) both notify
        through here. ``email_text(topic, unsubscribe_url)`` renders the email subscribers' text (without
        it they receive the JSON message); ``record`` keeps the history items (default: this plugin's,
        kept on the server too).
        """
        keep = record or self._record
        for topic in topics:
            render = (lambda url, topic=topic: email_text(topic, url)) if email_text else None
            try:
                self.email.publish(topic, json.dumps(message), subject, render)
            except ClientError as error:
                text = error.response.get("Error", {}).get("Message", "")
                keep(
                    alarm_name,
                    now,
                    "Action",
                    f'Failed to execute action {topic}. Received error: "{text}"',
                    {"actionState": "Failed", "notificationResource": topic, "error": text},
                )
                continue
            keep(
                alarm_name,
                now,
                "Action",
                f"Successfully executed action {topic}",
                {"actionState": "Succeeded", "notificationResource": topic},
            )

    def _record(
        self,
        name: str,
        when: dt.datetime,
        item_type: str,
        summary: str,
        data: dict[str, Any],
        alarm_type: str = "MetricAlarm",
    ) -> None:
        """Append a history item (kept on the server too, when there is one); composite alarms record theirs here."""
        item = HistoryItem(name, alarm_type, when, item_type, summary, data)
        if self.state is not None:
            item.key = f"{item_key(name)}.{time.time_ns()}"
            self.state.save(item.key, item.stored())
        self.history.append(item)


def _plan(alarm: dict[str, Any], region: str) -> Planned:
    """:class:`Planned` for an evaluable alarm (:func:`_evaluable_period`)."""
    period = alarm_period(alarm)
    assert period is not None  # _evaluable_period checked it
    n = alarm["EvaluationPeriods"]
    statistic = alarm.get("Statistic") or alarm.get("ExtendedStatistic")
    kind = "band" if alarm.get("ThresholdMetricId") else "math" if alarm.get("Metrics") else "metric"
    question: tuple[Any, ...] = ()
    if kind == "metric":
        dimensions = tuple((d["Name"], d["Value"]) for d in alarm.get("Dimensions", []))
        question = (alarm["Namespace"], alarm["MetricName"], dimensions, alarm.get("Unit"), statistic)
    # A math alarm whose metrics are all DynamoDB's is taken as "evaluating metrics in the AWS/DynamoDB namespace".
    namespaces = {q["MetricStat"]["Metric"]["Namespace"] for q in alarm.get("Metrics") or [] if q.get("MetricStat")}
    namespace = alarm.get("Namespace") or (namespaces.pop() if len(namespaces) == 1 else None)
    rule = {
        "threshold": alarm.get("Threshold"),
        "comparison_operator": alarm["ComparisonOperator"],
        "evaluation_periods": n,
        "datapoints_to_alarm": alarm.get("DatapointsToAlarm"),
        "treat_missing_data": alarms.evaluation.effective_treat_missing_data(namespace, alarm.get("TreatMissingData")),
        "current_state": alarm["StateValue"],
    }
    count = alarms.evaluation_range(n)
    key = (region, alarm["AlarmName"])
    return Planned(alarm, period, n, count, key, kind, (*question, period, count), rule, _low_sample_minimum(alarm))


def _newest(values: list[float | None]) -> float | None:
    """The newest datapoint of an evaluation (None: no period has one)."""
    for value in reversed(values):
        if value is not None:
            return float(value)
    return None


def _period_boundaries(end: int, period: int, count: int) -> list[int]:
    """The boundaries of the ``count`` periods of ``period`` seconds that end at ``end`` (epoch microseconds),
    oldest start to end: lab time is UTC (labkit.runtime.clock), so each start is the end less whole periods,
    to the microsecond."""
    step = period * 1_000_000
    return [end - step * back for back in range(count, -1, -1)]


def _span_key(series: Series, end: int, period: int, count: int) -> tuple[int, int, int, int, int]:
    """What :attr:`CloudWatchAlarms._spans` keeps a series' quiet span under for those periods, as it is now."""
    return (id(series), series.version, end, period, count)


def alarm_period(alarm: dict[str, Any]) -> int | None:
    """A metric alarm's period: ``Period``, or for a math alarm its metrics' one period (the
    returned query's own ``Period`` when it has one)."""
    if alarm.get("Period"):
        return int(alarm["Period"])
    queries = alarm.get("Metrics") or []
    returned = [q for q in queries if q.get("ReturnData", True)]
    if returned and returned[0].get("Period"):
        return int(returned[0]["Period"])
    periods = {int(q["MetricStat"]["Period"]) for q in queries if q.get("MetricStat")}
    if not periods:  # only expressions (a Metrics Insights query carries its own Period)
        periods = {int(q["Period"]) for q in queries if q.get("Period")}
    return periods.pop() if len(periods) == 1 else None


def _evaluable_period(alarm: dict[str, Any]) -> int | None:
    """The period of an alarm the plugin evaluates; None for one it does not (no threshold, no metric)."""
    if alarm.get("ThresholdMetricId"):  # an anomaly detection alarm: the band is the threshold
        return alarm_period(alarm) if alarm.get("Metrics") else None
    if "Threshold" not in alarm:
        return None
    if alarm.get("Metrics"):
        return alarm_period(alarm)
    statistic = alarm.get("Statistic") or alarm.get("ExtendedStatistic") or ""
    if alarm.get("MetricName") and (statistic in STANDARD_STATISTICS or _PERCENTILE.match(statistic)):
        return alarm_period(alarm)
    return None


def _check_band(metrics: list[dict[str, Any]], band: str, series: int) -> None:
    """``ThresholdMetricId`` names "the ID of the ANOMALY_DETECTION_BAND function used as the threshold"
    (PutMetricAlarm API reference), whose result is the band's two time series; "For anomaly detection
    alarms, the value [Period] must be one minute or longer" (Create_Anomaly_Detection_Alarm.html).
    Messages are *labkit wording*."""
    query = next(q for q in metrics if q["Id"] == band)
    if "ANOMALY_DETECTION_BAND" not in (query.get("Expression") or "") or series != 2:
        raise ServiceError(
            "ValidationError",
            f"ThresholdMetricId '{band}' must name an ANOMALY_DETECTION_BAND expression.",
        )
    if any(int(q["MetricStat"]["Period"]) < 60 for q in metrics if "MetricStat" in q):
        raise ServiceError("ValidationError", "The period of an anomaly detection alarm must be one minute or longer.")


def _low_sample_minimum(alarm: dict[str, Any]) -> float | None:
    """How many samples the evaluation range needs when EvaluateLowSampleCountPercentile ``ignore`` applies
    (fewer: the state does not change), else None: "For percentiles between 0.5 (inclusive)
    and 1.00 (exclusive), this setting is used when there are fewer than 10/(1-percentile) data
    points during the evaluation period ... For percentiles between 0 and 0.5 (exclusive), the
    setting is used when there are fewer than 10/percentile data points."
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/percentiles-with-low-samples.html
    """
    match = _PERCENTILE.match(alarm.get("ExtendedStatistic") or "")
    if match is None or alarm.get("EvaluateLowSampleCountPercentile") != "ignore":
        return None
    fraction = float(match.group(1)) / 100
    if 0.5 <= fraction < 1:
        return 10 / (1 - fraction)
    if 0 < fraction < 0.5:
        return 10 / fraction
    return None  # p0 and p100: the page gives no minimum


@functools.lru_cache(maxsize=256)
def _shift_invariant(expression: str) -> bool:
    """A math alarm's expression that gives the same values when its periods and data move together
    (not a Metrics Insights query, which reads every metric of its namespace; see
    :func:`labkit.aws.metricmath.shift_invariant`)."""
    if metricsinsights.is_query(expression):
        return False
    try:
        return metricmath.shift_invariant(expression)
    except (metricmath.MetricMathError, metricmath.MetricMathUnsupported):
        return False


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def install(emulator: Emulator) -> CloudWatchAlarms:
    """Register alarm validation, evaluation, history and notification on ``emulator``."""
    plugin = CloudWatchAlarms(emulator)
    emulator.answers("cloudwatch", "PutMetricAlarm")(plugin.validate)
    emulator.observes("cloudwatch", "PutMetricAlarm")(plugin.created)
    emulator.answers("cloudwatch", "SetAlarmState")(plugin.set_state)
    emulator.answers("cloudwatch", "DescribeAlarmHistory")(plugin.describe_history)
    emulator.observes("cloudwatch", "DeleteAlarms")(plugin.forget)
    emulator.observes("cloudwatch", "DescribeAlarms")(plugin.describe_windows)
    emulator.every_minute(plugin.tick)
    return plugin
