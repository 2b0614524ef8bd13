"""CloudWatch log alarms (``PutLogAlarm``): their validation, schedule, query and M-of-N evaluation, as pure rules.

What AWS documents, and where:

* The PutLogAlarm API reference
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutLogAlarm.html) and botocore's
  ``cloudwatch`` model (``PutLogAlarmInput``, ``ScheduledQueryConfiguration``, ``ScheduleConfiguration``,
  ``LogAlarm``): the members and their limits — ``AlarmName`` 1-255 characters, ``AlarmDescription`` up to
  1,024, ``QueryString`` up to 10,000, ``LogGroupIdentifiers`` "between 1 and 50 entries",
  ``ScheduledQueryRoleARN`` 1-1,024, ``ScheduleExpression`` "a rate() expression, for example rate(5
  minutes)" (1-256 characters), ``StartTimeOffset`` 1-2,592,000 seconds, ``EndTimeOffset`` 0-2,592,000 and
  "non-negative and less than StartTimeOffset. The default is 0", ``AggregationExpression`` "minimum 1
  character, maximum 2048 characters" (the API reference's page also prints "Maximum length of 256"; the model
  botocore ships says 2048: labkit follows the model), ``QueryResultsToEvaluate`` "Valid range is 1 through
  100", ``QueryResultsToAlarm`` "Must be less than or equal to QueryResultsToEvaluate", ``ComparisonOperator``
  "Valid values are GreaterThanThreshold, GreaterThanOrEqualToThreshold, LessThanThreshold, and
  LessThanOrEqualToThreshold", ``TreatMissingData`` "breaching, notBreaching, ignore, and missing ... If this
  parameter is omitted, the default behavior of missing is used", ``ActionLogLineCount`` "Valid range is 0
  through 50" with ``ActionLogLineRoleArn`` "Required when ActionLogLineCount is greater than 0", at most 5
  actions per state.
* "Log alarms" in the user guide (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-log.html):
  "Log Alarms evaluate the last N query executions. The alarm transitions to ALARM when M of those N executions
  breach the threshold" — so one query result is one execution (:func:`evaluate_executions`).
* The query time range: ``StartTimeOffset`` is "the offset, in seconds, before the scheduled execution time at
  which the query time range begins. For example, an offset of 360 (6 minutes) on a query running at 12:05:00
  starts the query time range at 11:59:00", and ``EndTimeOffset`` where it ends (:func:`query_window`).
* The rate syntax (value and unit, singular for 1, plural otherwise) is EventBridge's "Schedule expressions for
  rules" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html), which the
  log alarm pages do not restate; the units are minutes, hours and days.

What the pages leave open, and labkit's reading (said where it is used):

* How the aggregation is applied: "the expression that defines how to aggregate query results" with the
  examples ``count(*)`` and ``avg(latency) by host | sort desc`` — the body of a Logs Insights ``stats``
  command. labkit runs ``<QueryString> | stats <AggregationExpression>`` (:func:`compile_query`): the stats
  command over the query's result rows.
* An ``AggregationExpression`` that is not the body of a ``stats`` command (a bare field name, say) is refused:
  what AWS does with it is not documented.
* A value per contributor (``by``, "multiple contributor values") is evaluated per contributor on AWS (alarm
  contributors, ``AlarmContributorStateUpdate`` history items); labkit does not emulate contributors and refuses
  it (:class:`~labkit.exceptions.LogAlarmUnsupported`), as it refuses multi time series metric alarms. So is an
  expression with several aggregates (which one is compared is not documented) and one whose value is not a
  number (``earliest``, ``latest``).
* A run whose query returns no rows: AWS documents neither what it counts as nor what ``stats`` gives over no
  rows. labkit takes the aggregation's value as its Logs Insights engine gives it (:mod:`labkit.aws.insights`:
  ``count(*)`` over no rows is 0, a value that does not breach ``> 0``; ``avg``, ``sum``, ``min``, ``max`` over no
  rows have no value), and a run without a value is a *missing* data point, handled by ``TreatMissingData`` (whose
  values and default the PutLogAlarm reference gives) as for metric alarms ("Configuring how CloudWatch alarms
  treat missing data",
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data);
  executions that have not run yet (a new alarm) count as missing too, as a new metric alarm's periods before
  its metric had data do.
* When the ``rate()`` runs start: labkit runs the first one a rate interval after the alarm is put
  (:func:`next_run`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from labkit.aws.alarms.evaluation import STATIC_OPERATORS, TREAT_MISSING_DATA, Evaluation, evaluate
from labkit.aws.alarms.notification import alarm_notification, email_body, java_double
from labkit.aws.insights import Plan, compile
from labkit.exceptions import InvalidAlarmParameter, LogAlarmUnsupported, MalformedQuery, UnsupportedOperation


def N_(message: str) -> str:  # gettext's name, as labkit.i18n.N_ (which this pure layer may not import)
    """``message`` unchanged: marks what a :class:`LogAlarmUnsupported` names for labkit's catalogue."""
    return message


__all__ = [
    "MAX_QUERY_RESULTS",
    "aggregate_value",
    "compile_query",
    "email_text",
    "evaluate_executions",
    "next_run",
    "notification",
    "query_window",
    "rate_seconds",
    "validate_put_log_alarm",
]

#: "Valid range is 1 through 100" (QueryResultsToEvaluate).
MAX_QUERY_RESULTS = 100
#: StartTimeOffset / EndTimeOffset maximum (botocore's model: 30 days in seconds).
MAX_OFFSET = 2_592_000
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_NOT_NUMERIC = re.compile(r"^\s*(earliest|latest)\s*\(", re.IGNORECASE)


def _fail(message: str, parameter: str, code: str = "ValidationError") -> NoReturn:
    raise InvalidAlarmParameter(message, code=code, parameter=parameter)


def _path(name: str) -> str:
    """AWS's member path in constraint messages: ``scheduledQueryConfiguration.queryString``."""
    return ".".join(part[0].lower() + part[1:] for part in name.split("."))


def _constraint(name: str, value: object, rule: str) -> NoReturn:
    _fail(
        f"1 validation error detected: Value '{value}' at '{_path(name)}' failed to satisfy constraint: Member must {rule}",
        name,
    )


def _length(name: str, value: str | Sequence[Any] | None, low: int, high: int) -> None:
    if value is None:
        return
    if len(value) < low:
        _constraint(name, value, f"have length greater than or equal to {low}")
    if len(value) > high:
        _constraint(name, value, f"have length less than or equal to {high}")


def _range(name: str, value: int | None, low: int, high: int | None) -> None:
    if value is None:
        return
    if value < low:
        _constraint(name, value, f"have value greater than or equal to {low}")
    if high is not None and value > high:
        _constraint(name, value, f"have value less than or equal to {high}")


def rate_seconds(expression: str) -> int:
    """The interval of a ``rate()`` schedule expression, in seconds.

    "Specify a rate() expression, for example rate(5 minutes)" (ScheduleConfiguration, PutLogAlarm reference);
    the value is a positive whole number and the unit singular for 1 and plural otherwise (EventBridge's rate
    expressions, eb-scheduled-rule-pattern.html). A ``cron()`` expression is not a rate() expression.
    Messages are *labkit wording* (``ValidationError``).

    >>> rate_seconds("rate(5 minutes)"), rate_seconds("rate(1 hour)")
    (300, 3600)
    """
    name = "ScheduledQueryConfiguration.ScheduleConfiguration.ScheduleExpression"
    match = _RATE.match(expression.strip())
    if match is None:
        _fail(
            f"Invalid ScheduleExpression '{expression}': specify a rate() expression, for example rate(5 minutes).",
            name,
        )
    value, unit = int(match.group(1)), match.group(2)
    if value < 1:
        _fail(f"Invalid ScheduleExpression '{expression}': the rate value must be a positive number.", name)
    if (value == 1) == unit.endswith("s"):
        _fail(
            f"Invalid ScheduleExpression '{expression}': the unit must be singular for a value of 1 and plural otherwise.",
            name,
        )
    return value * _UNIT_SECONDS[unit.rstrip("s")]


def validate_put_log_alarm(params: Mapping[str, Any]) -> None:
    """Check a PutLogAlarm request as the API reference and the model define it (see the module docstring).

    Raises :class:`~labkit.exceptions.InvalidAlarmParameter` (``ValidationError``; ``MissingParameter`` for the
    role ``ActionLogLineCount`` needs) — model limits in AWS's "1 validation error detected" wording, the rules the
    reference states in prose in *labkit wording* — and :class:`~labkit.exceptions.LogAlarmUnsupported` for a
    setting the pages leave open. The query itself is checked by :func:`compile_query`.
    """
    _length("AlarmName", params.get("AlarmName"), 1, 255)
    _length("AlarmDescription", params.get("AlarmDescription"), 0, 1024)
    for key in ("OKActions", "AlarmActions", "InsufficientDataActions"):
        _length(key, params.get(key), 0, 5)
    config = params["ScheduledQueryConfiguration"]
    prefix = "ScheduledQueryConfiguration."
    _length(prefix + "QueryString", config.get("QueryString"), 0, 10_000)
    groups = config.get("LogGroupIdentifiers")
    _length(prefix + "LogGroupIdentifiers", groups, 1, 50)
    _length(prefix + "ScheduledQueryRoleARN", config.get("ScheduledQueryRoleARN"), 1, 1024)
    _length(prefix + "AggregationExpression", config.get("AggregationExpression"), 1, 2048)
    schedule = config["ScheduleConfiguration"]
    inner = prefix + "ScheduleConfiguration."
    _length(inner + "ScheduleExpression", schedule.get("ScheduleExpression"), 1, 256)
    start, end = schedule.get("StartTimeOffset"), schedule.get("EndTimeOffset", 0)
    _range(inner + "StartTimeOffset", start, 1, MAX_OFFSET)
    _range(inner + "EndTimeOffset", end, 0, MAX_OFFSET)
    evaluate_n, alarm_m = params["QueryResultsToEvaluate"], params["QueryResultsToAlarm"]
    _range("QueryResultsToEvaluate", evaluate_n, 1, None)
    _range("QueryResultsToAlarm", alarm_m, 1, None)
    if evaluate_n > MAX_QUERY_RESULTS:
        _fail(f"QueryResultsToEvaluate must be between 1 and {MAX_QUERY_RESULTS}.", "QueryResultsToEvaluate")
    if alarm_m > evaluate_n:
        _fail("QueryResultsToAlarm must be less than or equal to QueryResultsToEvaluate.", "QueryResultsToAlarm")
    if end is not None and start is not None and end >= start:
        _fail("EndTimeOffset must be less than StartTimeOffset.", inner + "EndTimeOffset")
    rate_seconds(schedule["ScheduleExpression"])
    operator = params["ComparisonOperator"]
    if operator not in STATIC_OPERATORS:
        _fail(
            f"Invalid ComparisonOperator '{operator}' for a log alarm: valid values are {', '.join(STATIC_OPERATORS)}.",
            "ComparisonOperator",
        )
    missing = params.get("TreatMissingData")
    if missing is not None:
        _length("TreatMissingData", missing, 1, 255)
        if missing not in TREAT_MISSING_DATA:
            _fail(
                f"Invalid TreatMissingData '{missing}': valid values are {', '.join(TREAT_MISSING_DATA)}.",
                "TreatMissingData",
            )
    lines = params.get("ActionLogLineCount")
    if lines is not None:
        if not 0 <= lines <= 50:
            _fail("ActionLogLineCount must be between 0 and 50.", "ActionLogLineCount")
        if lines > 0 and not params.get("ActionLogLineRoleArn"):
            _fail(
                "ActionLogLineRoleArn is required when ActionLogLineCount is greater than 0.",
                "ActionLogLineRoleArn",
                "MissingParameter",
            )
    if groups is None:
        raise LogAlarmUnsupported(
            N_("a log alarm without LogGroupIdentifiers (which log groups its query reads is not documented then)")
        )


def compile_query(query_string: str, aggregation: str) -> Plan:
    """The Logs Insights query one execution runs: ``<QueryString> | stats <AggregationExpression>``.

    The aggregation "defines how to aggregate query results into one or more scalar values"; labkit applies it as
    a ``stats`` command over the query's rows (*labkit's reading*, module docstring). Raises
    :class:`~labkit.exceptions.MalformedQuery` for a ``QueryString`` Logs Insights would reject,
    :class:`~labkit.exceptions.LogAlarmUnsupported` for a form whose evaluation is not documented or emulated: an
    aggregation that is not a stats aggregation (a bare field name, say), a ``by`` clause (one value per
    contributor), several aggregates, a function whose value is not a number; and
    re-raises the engine's own refusals as :class:`~labkit.exceptions.LogAlarmUnsupported`.
    """
    if _NOT_NUMERIC.match(aggregation):
        raise LogAlarmUnsupported(
            N_(
                "the aggregation {aggregation!r} (its value is not a number, which an alarm compares with its threshold)"
            ),
            aggregation=aggregation,
        )
    try:
        try:
            alone = compile(f"stats {aggregation}")
        except MalformedQuery as error:
            # Not the body of a stats command: whether (and how) AWS aggregates with it is not documented.
            raise LogAlarmUnsupported(
                N_(
                    "the aggregation {aggregation!r}, which is not a Logs Insights stats aggregation such as count(*) "
                    "(what AWS does with it is not documented)"
                ),
                aggregation=aggregation,
            ) from error
        full = compile(f"{query_string} | stats {aggregation}" if query_string.strip() else f"stats {aggregation}")
    except UnsupportedOperation as error:
        raise LogAlarmUnsupported(str(error).split(": ", 1)[-1].removesuffix(" is not emulated")) from error
    # Over no rows a stats command without `by` gives exactly one row; with `by`, none (no groups).
    if len(alone.run([]).rows) != 1:
        raise LogAlarmUnsupported(
            N_(
                "the aggregation {aggregation!r} with a by clause (one value per contributor, evaluated per "
                "contributor on AWS: multi-contributor log alarms)"
            ),
            aggregation=aggregation,
        )
    if alone.columns is None or len(alone.columns) != 1:
        raise LogAlarmUnsupported(
            N_(
                "the aggregation {aggregation!r} gives several values per execution (which one is compared with the "
                "threshold is not documented)"
            ),
            aggregation=aggregation,
        )
    return full


def aggregate_value(plan: Plan, events: Sequence[Mapping[str, Any]]) -> float | None:
    """The one value an execution of ``plan`` gives over ``events`` (Logs Insights event rows), or None when the
    aggregation has no value (a missing data point, module docstring)."""
    rows = plan.run([dict(e) for e in events]).rows
    if not rows or plan.columns is None:
        return None
    value = rows[0].get(plan.columns[-1])
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def query_window(run_at: dt.datetime, start_offset: int, end_offset: int = 0) -> tuple[dt.datetime, dt.datetime]:
    """The time range one execution at ``run_at`` queries: ``[run_at - StartTimeOffset, run_at - EndTimeOffset]``
    ("an offset of 360 (6 minutes) on a query running at 12:05:00 starts the query time range at 11:59:00",
    ScheduleConfiguration reference). Both ends are taken as StartQuery takes its times (inclusive seconds).

    >>> query_window(dt.datetime(2026, 1, 1, 12, 5), 360)
    (datetime.datetime(2026, 1, 1, 11, 59), datetime.datetime(2026, 1, 1, 12, 5))
    """
    return run_at - dt.timedelta(seconds=start_offset), run_at - dt.timedelta(seconds=end_offset)


def next_run(put_at: dt.datetime, interval: int, after: dt.datetime) -> dt.datetime:
    """The first scheduled execution later than ``after`` of a schedule put at ``put_at``: runs fall at
    ``put_at + k * interval``, k >= 1 (*labkit's reading*: AWS does not say when a log alarm's rate() runs start).
    """
    elapsed = (after - put_at).total_seconds()
    k = max(1, int(elapsed // interval) + 1)
    return put_at + dt.timedelta(seconds=k * interval)


def evaluate_executions(
    values: Sequence[float | None],
    *,
    threshold: float,
    comparison_operator: str,
    query_results_to_evaluate: int,
    query_results_to_alarm: int,
    treat_missing_data: str | None = None,
    current_state: str = "INSUFFICIENT_DATA",
) -> Evaluation:
    """M of the last N executions: "Log Alarms evaluate the last N query executions. The alarm transitions to ALARM
    when M of those N executions breach the threshold" (alarm-log.html). ``values`` are the executions' values,
    oldest first (None: no value); only the last N count, and those not run yet are missing. Missing values follow
    ``TreatMissingData`` (default ``missing``) as :func:`labkit.aws.alarms.evaluate` applies it to metric alarms.
    """
    n = query_results_to_evaluate
    recent: list[float | None] = list(values)[-n:]
    padded: list[float | None] = [None] * (n - len(recent))
    padded += recent
    return evaluate(
        padded,
        threshold=threshold,
        comparison_operator=comparison_operator,
        evaluation_periods=n,
        datapoints_to_alarm=query_results_to_alarm,
        treat_missing_data=treat_missing_data or "missing",
        current_state=current_state,
    )


def notification(
    alarm: Mapping[str, Any],
    *,
    old_state: str,
    new_state: str,
    reason: str,
    when: dt.datetime,
    account_id: str,
    region: str,
) -> tuple[str, dict[str, Any]]:
    """The SNS ``Subject`` and ``Message`` of a log alarm's state change.

    AWS documents no log alarm message. *labkit's shape*: the metric alarm message
    (:func:`labkit.aws.alarms.alarm_notification`: subject ``ALARM: "name" in Asia Pacific (Tokyo)``, the same
    fields) with a ``Trigger`` that holds the log alarm's query and condition instead of a metric.
    """
    config = alarm["ScheduledQueryConfiguration"]
    schedule = config["ScheduleConfiguration"]
    subject, message = alarm_notification(
        {**alarm, "Metrics": None},
        old_state=old_state,
        new_state=new_state,
        reason=reason,
        when=when,
        account_id=account_id,
        region=region,
    )
    message["Trigger"] = {
        "QueryString": config["QueryString"],
        "LogGroupIdentifiers": list(config.get("LogGroupIdentifiers") or []),
        "AggregationExpression": config["AggregationExpression"],
        "ScheduleExpression": schedule["ScheduleExpression"],
        "StartTimeOffset": schedule["StartTimeOffset"],
        "EndTimeOffset": schedule.get("EndTimeOffset", 0),
        "QueryResultsToEvaluate": alarm["QueryResultsToEvaluate"],
        "QueryResultsToAlarm": alarm["QueryResultsToAlarm"],
        "ComparisonOperator": alarm["ComparisonOperator"],
        "Threshold": float(alarm["Threshold"]),
        "TreatMissingData": alarm.get("TreatMissingData", ""),
    }
    if len(subject) >= 100:
        subject = subject[:99]
    return subject, message


def email_text(subject: str, message: Mapping[str, Any], *, topic_arn: str, unsubscribe_url: str) -> str:
    """The email an email subscriber of ``topic_arn`` receives for a log alarm's :func:`notification`.

    AWS documents no log alarm email: this is the kit's metric alarm email
    (:func:`labkit.aws.alarms.email_body`: the "You are receiving this email because your Amazon CloudWatch Alarm
    ..." text, Alarm Details, Threshold, State Change Actions, SNS's footer) with a "Monitored Query" section in
    place of "Monitored Metric" (*labkit's shape*).
    """
    trigger = message["Trigger"]
    metric_like = {
        **message,
        "Trigger": {
            "MetricName": None,
            "Namespace": None,
            "Statistic": "",
            "Period": rate_seconds(trigger["ScheduleExpression"]),
            "EvaluationPeriods": trigger["QueryResultsToEvaluate"],
            "DatapointsToAlarm": trigger["QueryResultsToAlarm"],
            "ComparisonOperator": trigger["ComparisonOperator"],
            "Threshold": trigger["Threshold"],
        },
    }
    body = email_body(subject, metric_like, topic_arn=topic_arn, unsubscribe_url=unsubscribe_url)
    head, _, rest = body.partition("Threshold:\n")
    _, _, actions = rest.partition("State Change Actions:\n")
    threshold = (
        f"- The alarm is in the ALARM state when the query result is {trigger['ComparisonOperator']} "
        f"{java_double(trigger['Threshold'])} for at least {trigger['QueryResultsToAlarm']} of the last "
        f"{trigger['QueryResultsToEvaluate']} query results (one per {trigger['ScheduleExpression']})."
    )
    width = 39
    query = [
        "Monitored Query:",
        "- LogGroupIdentifiers:".ljust(width) + " ".join(trigger["LogGroupIdentifiers"]),
        "- QueryString:".ljust(width) + trigger["QueryString"],
        "- AggregationExpression:".ljust(width) + trigger["AggregationExpression"],
        "- ScheduleExpression:".ljust(width) + trigger["ScheduleExpression"],
        "- StartTimeOffset:".ljust(width) + f"{trigger['StartTimeOffset']} seconds",
        "- EndTimeOffset:".ljust(width) + f"{trigger['EndTimeOffset']} seconds",
    ]
    if trigger.get("TreatMissingData"):
        query.append("- TreatMissingData:".ljust(width) + trigger["TreatMissingData"])
    return head + "Threshold:\n" + threshold + "\n\n" + "\n".join(query) + "\n\n\nState Change Actions:\n" + actions
