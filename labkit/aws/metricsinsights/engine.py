"""Parse and run CloudWatch Metrics Insights queries over stored metric datapoints.

Every rule is from the CloudWatch User Guide, quoted where it decides a value:

* "Metrics Insights query components and syntax"
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html):
  ``SELECT FUNCTION(metricName) FROM namespace | SCHEMA(...) [WHERE labelKey OPERATOR labelValue
  [AND ...]] [GROUP BY labelKey [, ...]] [ORDER BY FUNCTION() [DESC | ASC]] [LIMIT number]``.
  "None of the keywords are case sensitive, but the identifiers such as the names of metrics,
  namespaces, and dimensions are case sensitive." FUNCTION is AVG, COUNT, MAX, MIN or SUM of "the
  observations matched by the query" in each period. ``FROM namespace`` matches the metric "no matter
  their dimensions"; ``SCHEMA(namespace)`` only metrics "that do not have any dimensions";
  ``SCHEMA(namespace, keys...)`` only metrics "that have that exact set of dimensions. The order of
  these label keys does not matter." WHERE "supports the following operators": ``=``, ``!=`` and
  ``AND``; "Label values must always be enclosed with single quotation marks." GROUP BY gives "a
  different time series for each possible combination of the values"; "by default the results are
  ordered in alphabetical ascending order, using the sequence of labels specified in the GROUP BY
  clause"; a metric without a GROUP BY key is grouped under ``Other`` for that key. ORDER BY: "The
  FUNCTION is used to calculate a single scalar value from each returned time series" ("the maximum
  data point observed within the time range" for ``MAX()``), ascending by default. LIMIT: "The maximum
  value that you can specify is 500". Names with characters other than letters, digits and ``_``, and
  reserved keywords (:mod:`labkit.aws.metricsinsights.keywords`), must be double-quoted; a quotation
  mark inside is escaped with a backslash.
* "Metrics Insights quotas"
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-limits.html):
  at most 10,000 metrics processed and 500 time series returned per query ("If you use an ORDER BY
  clause, then all the metrics being processed are sorted, and the 500 that have the highest or lowest
  values ... are returned"); high-resolution data "is aggregated at one-minute granularity".

Not emulated, refused by name with :class:`MetricsInsightsUnsupported` (valid on AWS): resource tags
(``tag.key``) and cross-account labels (``AWS.AccountId``, ``CURRENT_ACCOUNT_ID()``) in WHERE and GROUP BY;
operators the page does not document (``OR``, ``LIKE``, ``IN``, ``NOT``, parentheses: AWS's answer to
them is not documented); a trailing ``;``; more than 10,000 matching metrics, or more than 500 series
without ORDER BY (AWS does not say which ones it keeps); ``!=`` on a metric that lacks the label key
(the page does not say whether it matches).

Where the pages are silent labkit decides, and says so here: periods are aligned on multiples of the
period since the epoch (as GetMetricData's metrics are); a group with no datapoint in the range is
not returned, while a query without GROUP BY always returns its one series; units are ignored; a
grouped series is labelled with its group's values joined by spaces; ties in ORDER BY keep the
alphabetical order; ``COUNT()`` in ORDER BY counts a series' datapoints. Error messages are *labkit
wording*.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from labkit.aws.metricsinsights.keywords import RESERVED
from labkit.exceptions import MetricsInsightsError, MetricsInsightsUnsupported


def N_(message: str) -> str:  # gettext's name, as labkit.i18n.N_ (which this pure layer may not import)
    """``message`` unchanged: marks what a :class:`MetricsInsightsUnsupported` names for labkit's catalogue."""
    return message


DOCS = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html"
LIMITS = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-limits.html"
FUNCTIONS = ("AVG", "COUNT", "MAX", "MIN", "SUM")
#: "A single query can process no more than 10,000 metrics" (Metrics Insights quotas).
MAX_METRICS = 10_000
#: "A single query can return no more than 500 time series" (Metrics Insights quotas).
MAX_SERIES = 500
#: "the output is aggregated at one-minute granularity" for high-resolution data (Metrics Insights quotas).
FINEST_PERIOD = 60
#: "a null group named Other" (GROUP BY).
OTHER = "Other"
_US = 1_000_000

_TOKEN = re.compile(
    r"\s*(?:(?P<quoted>\"(?:[^\"\\]|\\.)*\")|(?P<string>'(?:[^'\\]|\\.)*')"
    r"|(?P<word>[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)|(?P<op>!=|<>|<=|>=|[=<>(),;*/+\-]))"
)
_UNDOCUMENTED_OPERATORS = ("OR", "LIKE", "IN", "NOT", "BETWEEN", "IS")


@dataclass(frozen=True)
class Condition:
    """``key = 'value'`` or ``key != 'value'`` in WHERE."""

    key: str
    operator: str
    value: str


@dataclass(frozen=True)
class Query:
    """A compiled query: what it selects, from where, how it filters, groups, orders and limits."""

    function: str
    metric: str
    namespace: str
    #: SCHEMA's label keys (an empty tuple: metrics without dimensions), or None for ``FROM namespace``.
    schema: tuple[str, ...] | None
    where: tuple[Condition, ...] = ()
    group_by: tuple[str, ...] = ()
    #: (function, descending) of ORDER BY, or None.
    order_by: tuple[str, bool] | None = None
    limit: int | None = None


@dataclass
class Metric:
    """One stored metric and its datapoints in the query's range: numpy columns ``when`` (epoch
    microseconds), ``count``, ``total``, ``minimum`` and ``maximum`` (each datapoint a statistic set)."""

    namespace: str
    name: str
    dimensions: Mapping[str, str]
    columns: Mapping[str, np.ndarray] = field(repr=False)


@dataclass
class Result:
    """One returned time series: its label, the GROUP BY values (empty without GROUP BY), and
    ``times`` (epoch seconds, period starts, ascending) with their ``values``."""

    label: str
    group: tuple[str, ...]
    times: np.ndarray
    values: np.ndarray


# -- parsing ----------------------------------------------------------------------------------------
@dataclass
class _Token:
    kind: str
    text: str
    pos: int

    def keyword(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    pos = 0
    while text[pos:].strip():
        match = _TOKEN.match(text, pos)
        if not match:
            where = len(text) - len(text[pos:].lstrip())
            raise MetricsInsightsError(f"Syntax error at position {where + 1}: unexpected '{text[where]}'.")
        kind = match.lastgroup or "op"
        out.append(_Token(kind, match.group(kind), match.start(kind) + 1))
        pos = match.end()
    return out


def _unquote(token: _Token) -> str:
    return re.sub(r"\\(.)", r"\1", token.text[1:-1])


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, what: str) -> _Token:
        token = self.peek()
        if token is None:
            raise MetricsInsightsError(f"Syntax error: the query ends where {what} was expected.")
        self.i += 1
        return token

    def fail_at(self, token: _Token, expected: str) -> MetricsInsightsError:
        return MetricsInsightsError(f"Syntax error at position {token.pos}: found '{token.text}', expected {expected}.")

    def keyword(self, *words: str) -> str | None:
        token = self.peek()
        if token is not None and token.keyword() in words:
            self.i += 1
            return token.keyword()
        return None

    def expect_keyword(self, word: str) -> None:
        token = self.take(word)
        if token.keyword() != word:
            raise self.fail_at(token, word)

    def expect_op(self, op: str) -> None:
        token = self.take(f"'{op}'")
        if token.kind != "op" or token.text != op:
            raise self.fail_at(token, f"'{op}'")

    def accept_op(self, op: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "op" and token.text == op:
            self.i += 1
            return True
        return False

    def identifier(self, what: str) -> str:
        """A namespace, metric name or label key: bare (letters, digits, ``_``; not a reserved
        keyword) or in double quotation marks."""
        token = self.take(what)
        if token.kind == "quoted":
            return _unquote(token)
        if token.kind != "word":
            raise self.fail_at(token, what)
        if "." in token.text:
            prefix = token.text.split(".", 1)[0]
            if prefix.lower() == "tag":
                raise MetricsInsightsUnsupported(N_("resource tags ({label}) in a query"), label=token.text)
            if prefix == "AWS":
                raise MetricsInsightsUnsupported(N_("cross-account labels ({label}) in a query"), label=token.text)
            raise MetricsInsightsError(
                f"Syntax error at position {token.pos}: '{token.text}' contains characters other than letters, "
                "numbers and underscore; enclose it in double quotation marks."
            )
        if token.text.upper() in RESERVED:
            raise MetricsInsightsError(
                f"Syntax error at position {token.pos}: '{token.text}' is a reserved keyword; enclose it in double "
                "quotation marks to use it as a name."
            )
        return token.text

    def function(self) -> str:
        token = self.take("a function (AVG, COUNT, MAX, MIN, SUM)")
        name = token.keyword()
        if name not in FUNCTIONS:
            raise MetricsInsightsError(
                f"Syntax error at position {token.pos}: '{token.text}' is not a Metrics Insights function "
                "(AVG, COUNT, MAX, MIN, SUM)."
            )
        return name

    def parse(self) -> Query:
        if not self.tokens:
            raise MetricsInsightsError("The query is empty.")
        self.expect_keyword("SELECT")
        function = self.function()
        self.expect_op("(")
        metric = self.identifier("a metric name")
        self.expect_op(")")
        self.expect_keyword("FROM")
        namespace, schema = self.source()
        where: list[Condition] = []
        if self.keyword("WHERE"):
            where.append(self.condition())
            while self.keyword("AND"):
                where.append(self.condition())
            self.refuse_undocumented()
        group_by: list[str] = []
        if self.keyword("GROUP"):
            self.expect_keyword("BY")
            group_by.append(self.identifier("a label key"))
            while self.accept_op(","):
                group_by.append(self.identifier("a label key"))
        order_by = None
        if self.keyword("ORDER"):
            self.expect_keyword("BY")
            order = self.function()
            self.expect_op("(")
            self.expect_op(")")
            order_by = (order, self.keyword("ASC", "DESC") == "DESC")
        limit = None
        if self.keyword("LIMIT"):
            token = self.take("a number")
            if token.kind != "word" or not token.text.isdigit():
                raise self.fail_at(token, "a number")
            limit = int(token.text)
            if not 1 <= limit <= MAX_SERIES:
                raise MetricsInsightsError(
                    f"LIMIT must be between 1 and {MAX_SERIES}; the maximum value is {MAX_SERIES}."
                )
        rest = self.peek()
        if rest is not None:
            if rest.kind == "op" and rest.text == ";" and self.i == len(self.tokens) - 1:
                raise MetricsInsightsUnsupported(N_("a query ending with ';'"))
            raise MetricsInsightsError(f"Syntax error at position {rest.pos}: unexpected '{rest.text}'.")
        return Query(function, metric, namespace, schema, tuple(where), tuple(group_by), order_by, limit)

    def source(self) -> tuple[str, tuple[str, ...] | None]:
        token = self.peek()
        if token is not None and token.keyword() == "SCHEMA":
            self.i += 1
            self.expect_op("(")
            namespace = self.identifier("a namespace")
            keys: list[str] = []
            while self.accept_op(","):
                keys.append(self.identifier("a label key"))
            self.expect_op(")")
            if len(set(keys)) != len(keys):
                raise MetricsInsightsError("SCHEMA names a label key more than once.")
            return namespace, tuple(keys)
        return self.identifier("a namespace or SCHEMA(...)"), None

    def condition(self) -> Condition:
        token = self.peek()
        if token is not None and token.kind == "op" and token.text == "(":
            raise MetricsInsightsUnsupported(N_("parentheses in WHERE (the documented operators are =, != and AND)"))
        if token is not None and token.keyword() == "NOT":
            raise MetricsInsightsUnsupported(
                N_("the operator NOT in WHERE (the documented operators are =, != and AND)")
            )
        key = self.identifier("a label key")
        token = self.take("an operator")
        if token.keyword() in _UNDOCUMENTED_OPERATORS:
            raise MetricsInsightsUnsupported(
                N_("the operator {operator} in WHERE (the documented operators are =, != and AND)"),
                operator=token.keyword(),
            )
        if token.kind != "op" or token.text not in ("=", "!="):
            raise self.fail_at(token, "'=' or '!='")
        value = self.take("a label value")
        if value.kind == "word" and value.text.upper() == "CURRENT_ACCOUNT_ID":
            raise MetricsInsightsUnsupported(N_("CURRENT_ACCOUNT_ID() (cross-account observability)"))
        if value.kind != "string":
            raise MetricsInsightsError(
                f"Syntax error at position {value.pos}: label values must be enclosed in single quotation marks."
            )
        return Condition(key, token.text, _unquote(value))

    def refuse_undocumented(self) -> None:
        token = self.peek()
        if token is not None and token.keyword() in _UNDOCUMENTED_OPERATORS:
            raise MetricsInsightsUnsupported(
                N_("the operator {operator} in WHERE (the documented operators are =, != and AND)"),
                operator=token.keyword(),
            )


def compile(query: str) -> Query:
    """Parse ``query``; raise :class:`MetricsInsightsError` where AWS refuses it and
    :class:`MetricsInsightsUnsupported` for what this engine does not emulate."""
    return _Parser(query).parse()


def is_query(expression: str) -> bool:
    """Whether a ``MetricDataQuery`` ``Expression`` is a Metrics Insights query (starts with SELECT)."""
    return re.match(r"\s*select\b", expression, re.IGNORECASE) is not None


# -- running ----------------------------------------------------------------------------------------
def matches(query: Query, namespace: str, name: str, dimensions: Mapping[str, str]) -> bool:
    """Whether a metric is selected by FROM / SCHEMA and WHERE."""
    if namespace != query.namespace or name != query.metric:
        return False
    if query.schema is not None and set(dimensions) != set(query.schema):
        return False
    for condition in query.where:
        value = dimensions.get(condition.key)
        if condition.operator == "=":
            if value != condition.value:
                return False
        elif value is None:
            raise MetricsInsightsUnsupported(
                N_("'{key} != ...' on a metric without the label {key!r} (whether it matches is not documented)"),
                key=condition.key,
            )
        elif value == condition.value:
            return False
    return True


def effective_period(period: int) -> int:
    """High-resolution periods are "aggregated at one-minute granularity" (Metrics Insights quotas)."""
    return max(int(period), FINEST_PERIOD)


def run(query: Query, metrics: Iterable[Metric], start: int, end: int, period: int) -> list[Result]:
    """The query's time series over ``start <= t < end`` (epoch seconds), one point per ``period``.

    ``metrics`` are the candidates (any namespace); only those the query selects are used.
    """
    period = effective_period(period)
    chosen = [m for m in metrics if matches(query, m.namespace, m.name, m.dimensions)]
    if len(chosen) > MAX_METRICS:
        raise MetricsInsightsUnsupported(
            N_(
                "a query matching {count:,} metrics (AWS processes only the first {limit:,} it finds, "
                "in an order it does not document)"
            ),
            count=len(chosen),
            limit=MAX_METRICS,
        )
    groups: dict[tuple[str, ...], list[Metric]] = {}
    for metric in chosen:
        key = tuple(metric.dimensions.get(label, OTHER) for label in query.group_by)
        groups.setdefault(key, []).append(metric)
    if not query.group_by:
        groups.setdefault((), [])
    results = []
    for key in sorted(groups):
        times, values = _aggregate(query.function, groups[key], start, end, period)
        if query.group_by and not len(times):
            continue
        results.append(Result(" ".join(key), key, times, values))
    if query.order_by is not None:
        function, descending = query.order_by
        scored = [(r, _score(function, r.values)) for r in results]
        # Series without datapoints have no value to order by: they come last either way.
        with_value = [pair for pair in scored if pair[1] is not None]
        without = [r for r, score in scored if score is None]
        with_value.sort(key=lambda pair: pair[1], reverse=descending)  # type: ignore[arg-type,return-value]
        results = [r for r, _ in with_value] + without
    elif len(results) > MAX_SERIES:
        raise MetricsInsightsUnsupported(
            N_(
                "a query returning {count:,} time series without ORDER BY (AWS returns {limit} of them and "
                "does not say which)"
            ),
            count=len(results),
            limit=MAX_SERIES,
        )
    return results[: min(query.limit or MAX_SERIES, MAX_SERIES)]


def _aggregate(
    function: str, metrics: list[Metric], start: int, end: int, period: int
) -> tuple[np.ndarray, np.ndarray]:
    """FUNCTION over every observation of ``metrics`` in each period (statistic sets pooled)."""
    if not metrics:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    cols = {
        name: np.concatenate([np.asarray(m.columns[name]) for m in metrics])
        for name in ("when", "count", "total", "minimum", "maximum")
    }
    seconds = cols["when"] // _US
    inside = (seconds >= start) & (seconds < end)
    seconds = seconds[inside]
    if not len(seconds):
        return np.empty(0, np.int64), np.empty(0, np.float64)
    first = int(seconds.min()) // period * period
    index = (seconds - first) // period
    size = int(index.max()) + 1
    count = np.bincount(index, weights=cols["count"][inside], minlength=size)
    values: np.ndarray
    if function == "COUNT":
        values = count
    elif function == "SUM":
        values = np.bincount(index, weights=cols["total"][inside], minlength=size)
    elif function == "AVG":
        values = np.bincount(index, weights=cols["total"][inside], minlength=size) / count
    elif function == "MAX":
        values = np.full(size, -np.inf)
        np.maximum.at(values, index, cols["maximum"][inside])
    else:  # MIN
        values = np.full(size, np.inf)
        np.minimum.at(values, index, cols["minimum"][inside])
    has = np.bincount(index, minlength=size) > 0
    times = first + period * np.arange(size, dtype=np.int64)
    return times[has], values[has].astype(np.float64)


def _score(function: str, values: np.ndarray) -> float | None:
    """ORDER BY's "single scalar value from each returned time series"."""
    if not len(values):
        return None
    if function == "COUNT":
        return float(len(values))
    if function == "AVG":
        return float(np.mean(values))
    if function == "SUM":
        return float(np.sum(values))
    return float(np.max(values) if function == "MAX" else np.min(values))
