"""Parse and evaluate CloudWatch metric math expressions over aligned time series.

Every rule below is from "Using metric math" — "Metric math syntax and functions"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html), quoted
where it decides a value:

* "All functions must be written in uppercase letters ... and the Id field for all metrics and
  math expressions must start with a lowercase letter."
* "The final result of any math expression must be a single time series or an array of time
  series." (a scalar result is refused).
* Arithmetic ``+ - * / ^`` and unary ``-`` on S, TS and TS[]: "Missing values in a time series are
  treated as 0. If the value of a data point causes a function to attempt to divide by zero, the
  data point is dropped." Comparison ``== != <= >= < >`` and logical ``AND && OR ||`` return 0/1;
  "When comparison operators are used between two time series, and only one of the time series
  has a value for a particular time stamp, the function treats the missing value in the other
  time series as 0."
* ``IF`` follows the section "Using IF expressions" and its tables point by point.
* The function table: ABS, ANOMALY_DETECTION_BAND (with the emulator's band model), AVG, CEIL, DATAPOINT_COUNT, DIFF, DIFF_TIME, FILL (scalar, time series,
  REPEAT, LINEAR), FIRST, LAST, FLOOR, IF, LOG, LOG10, MAX, METRIC_COUNT, METRICS, MIN, MINUTE,
  HOUR, DAY, DATE, MONTH, YEAR, EPOCH, PERIOD, RATE, REMOVE_EMPTY, RUNNING_SUM, SLICE, SORT,
  STDDEV, SUM, TIME_SERIES. "The AVG of an array of time series returns a single time series.
  Missing values are treated as 0."

Where the page is silent labkit decides, and says so here: a non-sparse series (FILL, TIME_SERIES,
MINUTE ...) has one point per period from the period holding the query's start to its end, periods
aligned on multiples of the period since the epoch (as the metric store aligns them); LINEAR leaves
gaps before the first and after the last value empty (there is nothing to interpolate between);
STDDEV is the population standard deviation; SORT puts series without data last. What would need
a guess with no footing refuses instead (:class:`MetricMathUnsupported`): MIN, MAX or STDDEV across
an array whose series have values at different timestamps (how missing values count is not
documented for them), arithmetic between two arrays, and series of different periods combined.
Error messages are *labkit wording*: AWS's texts for invalid expressions are not documented.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from labkit.exceptions import MetricMathError, MetricMathUnsupported


def N_(message: str) -> str:  # gettext's name, as labkit.i18n.N_ (which this pure layer may not import)
    """``message`` unchanged: marks what a :class:`MetricMathUnsupported` names for labkit's catalogue."""
    return message


#: ``bands(qid, series, stddevs, times) -> (upper, lower)``: the anomaly detection band of the query
#: ``qid`` (its ``series`` as evaluated) at ``times``, NaN where the model gives none.
BandProvider = Callable[[str, "Series", float, np.ndarray], tuple[np.ndarray, np.ndarray]]

DOCS = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html"
#: Metric math functions AWS documents that this engine does not evaluate (refused by name).
NOT_EMULATED = (
    "SEARCH",
    "SERVICE_QUOTA",
    "INSIGHT_RULE_METRIC",
    "LAMBDA",
    "DB_PERF_INSIGHTS",
)
ID_PATTERN = re.compile(r"^[a-z][A-Za-z0-9_]*$")


@dataclass
class Series:
    """One time series: ``times`` (epoch seconds, ascending) and ``values`` of one ``period``."""

    id: str
    label: str
    period: int
    times: np.ndarray
    values: np.ndarray
    #: True for a query's metric (``MetricStat``), False for an expression's result.
    metric: bool = True

    def derive(self, times: np.ndarray, values: np.ndarray) -> Series:
        keep = np.isfinite(values)  # divisions by zero, LOG(0), (-1)^0.5: "the data point is dropped"
        return Series(self.id, self.label, self.period, times[keep], values[keep], metric=False)


class Keyword(str):
    """A bare uppercase word used as an argument: REPEAT, LINEAR, ASC, DESC, AVG (in SORT) ..."""


# -- parsing ----------------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<str>\"[^\"]*\"|'[^']*')"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>==|!=|<=|>=|&&|\|\||[-+*/^<>()\[\],]))"
)
_COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")


@dataclass
class _Token:
    kind: str
    text: str
    pos: int


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            bad = text[pos:].lstrip()[:1]
            raise MetricMathError(
                f"Syntax error at position {len(text) - len(text[pos:].lstrip()) + 1}: unexpected '{bad}'."
            )
        kind = match.lastgroup or "op"
        out.append(_Token(kind, match.group(kind), match.start(kind) + 1))
        pos = match.end()
    return out


class _Parser:
    """Precedence (lowest first): OR, AND, comparison, + -, * /, unary -, ^ (right-associative)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self, offset: int = 0) -> _Token | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise MetricMathError("Syntax error: the expression ends too early.")
        self.i += 1
        return token

    def accept(self, *texts: str) -> _Token | None:
        token = self.peek()
        if token is not None and token.kind in ("op", "name") and token.text in texts:
            self.i += 1
            return token
        return None

    def expect(self, text: str) -> None:
        if not self.accept(text):
            token = self.peek()
            where = f"at position {token.pos}: found '{token.text}'" if token else "at the end"
            raise MetricMathError(f"Syntax error {where}, expected '{text}'.")

    def parse(self) -> tuple:
        if not self.tokens:
            raise MetricMathError("The expression is empty.")
        node = self.logical_or()
        if self.peek() is not None:
            token = self.peek()
            raise MetricMathError(f"Syntax error at position {token.pos}: unexpected '{token.text}'.")  # type: ignore[union-attr]
        return node

    def logical_or(self) -> tuple:
        node = self.logical_and()
        while self.accept("OR", "||"):
            node = ("bin", "OR", node, self.logical_and())
        return node

    def logical_and(self) -> tuple:
        node = self.comparison()
        while self.accept("AND", "&&"):
            node = ("bin", "AND", node, self.comparison())
        return node

    def comparison(self) -> tuple:
        node = self.additive()
        token = self.accept(*_COMPARISONS)
        if token:
            node = ("bin", token.text, node, self.additive())
        return node

    def additive(self) -> tuple:
        node = self.multiplicative()
        while (token := self.accept("+", "-")) is not None:
            node = ("bin", token.text, node, self.multiplicative())
        return node

    def multiplicative(self) -> tuple:
        node = self.unary()
        while (token := self.accept("*", "/")) is not None:
            node = ("bin", token.text, node, self.unary())
        return node

    def unary(self) -> tuple:
        if self.accept("-"):
            return ("neg", self.unary())
        if self.accept("+"):
            return self.unary()
        return self.power()

    def power(self) -> tuple:
        node = self.primary()
        if self.accept("^"):
            node = ("bin", "^", node, self.unary())
        return node

    def primary(self) -> tuple:
        token = self.take()
        if token.kind == "num":
            return ("num", float(token.text))
        if token.kind == "str":
            return ("str", token.text[1:-1])
        if token.text == "(":
            node = self.logical_or()
            self.expect(")")
            return node
        if token.text == "[":
            items = [] if self.accept("]") else self.items("]")
            return ("list", items)
        if token.kind == "name":
            nxt = self.peek()
            if nxt is not None and nxt.text == "(":
                self.i += 1
                args = [] if self.accept(")") else self.items(")")
                return ("call", token.text, args, token.pos)
            if token.text[0].islower():
                return ("ref", token.text, token.pos)
            return ("kw", token.text, token.pos)
        raise MetricMathError(f"Syntax error at position {token.pos}: unexpected '{token.text}'.")

    def items(self, closing: str) -> list[tuple]:
        items = [self.logical_or()]
        while self.accept(","):
            items.append(self.logical_or())
        self.expect(closing)
        return items


def compile(expression: str) -> tuple:
    """Parse ``expression`` into a syntax tree; raise :class:`MetricMathError` as AWS refuses it.

    Unknown and lowercase function names are refused here ("Enter all functions in uppercase
    letters"); documented functions that are not emulated raise :class:`MetricMathUnsupported`.
    """
    if expression.lstrip().upper().startswith("SELECT"):
        raise MetricMathUnsupported(N_("Metrics Insights query (SELECT ...)"))
    tree = _Parser(expression).parse()
    _check_names(tree)
    return tree


def _walk(node: tuple) -> Any:
    yield node
    kind = node[0]
    if kind == "bin":
        yield from _walk(node[2])
        yield from _walk(node[3])
    elif kind == "neg":
        yield from _walk(node[1])
    elif kind == "list":
        for item in node[1]:
            yield from _walk(item)
    elif kind == "call":
        for item in node[2]:
            yield from _walk(item)


def _check_names(tree: tuple) -> None:
    # "Anomaly detection on metric math doesn't support ... Expressions that contain more than one
    # ANOMALY_DETECTION_BAND in the same line" (using-metric-math.html#using-anomaly-detection-on-metric-math).
    if sum(1 for node in _walk(tree) if node[0] == "call" and node[1] == "ANOMALY_DETECTION_BAND") > 1:
        raise MetricMathError("An expression can contain only one ANOMALY_DETECTION_BAND.")
    for node in _walk(tree):
        if node[0] == "call":
            name = node[1]
            if name in NOT_EMULATED:
                raise MetricMathUnsupported(N_("function {name}"), name=name)
            if name not in _FUNCTIONS and name != "ANOMALY_DETECTION_BAND":  # that one takes an Id: _Evaluator.eval
                raise MetricMathError(f"Unrecognized function '{name}' at position {node[3]}.")
        elif node[0] == "kw" and node[1] not in _KEYWORDS:
            raise MetricMathError(f"Unrecognized keyword '{node[1]}' at position {node[2]}.")


def references(expression: str) -> set[str]:
    """The Ids ``expression`` names (``METRICS()`` aside)."""
    return {node[1] for node in _walk(compile(expression)) if node[0] == "ref"}


#: Functions whose value depends on where the periods fall in time, not only on the datapoints in them.
CALENDAR_FUNCTIONS = frozenset({"MINUTE", "HOUR", "DAY", "DATE", "MONTH", "YEAR", "EPOCH"})


def shift_invariant(expression: str) -> bool:
    """Whether ``expression`` gives the same values, period for period, when every period and every
    datapoint is moved by the same time: true unless it calls a calendar function (the periods' own
    time) or ``ANOMALY_DETECTION_BAND`` (a model of the metric's seasonality)."""
    return not any(
        node[0] == "call" and (node[1] in CALENDAR_FUNCTIONS or node[1] == "ANOMALY_DETECTION_BAND")
        for node in _walk(compile(expression))
    )


# -- evaluation -------------------------------------------------------------------------------------
def evaluate(
    expressions: Mapping[str, str],
    metrics: Mapping[str, Series],
    start: int,
    end: int,
    *,
    periods: Mapping[str, int] | None = None,
    bands: BandProvider | None = None,
    given: Mapping[str, list[Series]] | None = None,
    origin: int = 0,
) -> dict[str, list[Series]]:
    """Evaluate every expression (Id -> text) over the request's ``metrics`` (Id -> series, in request order).

    ``start``/``end`` (epoch seconds, end exclusive) bound the non-sparse series; ``periods`` holds an
    expression query's own ``Period`` where it has one. Each result is a list of series (one for a
    single time series). ``bands`` computes ``ANOMALY_DETECTION_BAND`` (the emulator's anomaly
    detectors; without it the function is refused). ``given`` holds results computed elsewhere that
    expressions may name (a Metrics Insights query's series, :mod:`labkit.aws.metricsinsights`).
    ``origin`` (epoch seconds) moves the periods of non-sparse series to start at ``origin`` plus a
    multiple of the period (an alarm's sliding window, :mod:`labkit.aws.alarms.schedule`); 0 is the
    epoch alignment GetMetricData uses. Raises :class:`MetricMathError` for unknown Ids, circular
    references and invalid arguments, as AWS refuses the request.
    """
    for qid in list(expressions) + list(metrics):
        if not ID_PATTERN.match(qid):
            raise MetricMathError(
                f"Invalid Id '{qid}': it must start with a lowercase letter and contain only letters, numbers and underscores."
            )
    evaluator = _Evaluator(expressions, metrics, start, end, periods or {}, origin)
    evaluator.bands = bands
    for qid, found in (given or {}).items():
        evaluator.done[qid] = found[0] if len(found) == 1 else list(found)
    out: dict[str, list[Series]] = {}
    for qid in expressions:
        value = evaluator.value_of(qid)
        out[qid] = [value] if isinstance(value, Series) else value
    return out


class _Evaluator:
    def __init__(
        self,
        expressions: Mapping[str, str],
        metrics: Mapping[str, Series],
        start: int,
        end: int,
        periods: Mapping[str, int],
        origin: int = 0,
    ) -> None:
        self.expressions = expressions
        self.metrics = metrics
        self.start, self.end, self.origin = start, end, origin
        self.periods = periods
        self.trees = {qid: compile(text) for qid, text in expressions.items()}
        self.done: dict[str, Any] = {}
        self.stack: list[str] = []
        self.bands: BandProvider | None = None

    def fail(self, message: str) -> MetricMathError:
        return MetricMathError(f"Error in expression '{self.stack[-1]}': {message}" if self.stack else message)

    def value_of(self, qid: str) -> Any:
        if qid in self.metrics:
            return self.metrics[qid]
        if qid in self.done:
            return self.done[qid]
        if qid in self.stack:
            cycle = self.stack[self.stack.index(qid) :] + [qid]
            raise MetricMathError(f"Circular reference between expressions: {' -> '.join(cycle)}.")
        if qid not in self.trees:
            raise self.fail(f"Unknown Id '{qid}': no metric or expression in the request has this Id.")
        self.stack.append(qid)
        value = self.eval(self.trees[qid])
        if isinstance(value, (float, str)):
            raise self.fail(
                "The final result of a math expression must be a single time series or an array of time series."
            )
        if isinstance(value, Series):
            value = Series(
                qid, value.label if value.metric else "", value.period, value.times, value.values, metric=False
            )
        self.stack.pop()
        self.done[qid] = value
        return value

    # -- tree -------------------------------------------------------------------------------------
    def eval(self, node: tuple) -> Any:
        kind = node[0]
        if kind == "num":
            return node[1]
        if kind == "str":
            return node[1]
        if kind == "kw":
            return Keyword(node[1])
        if kind == "ref":
            return self.value_of(node[1])
        if kind == "list":
            items: list[Series] = []
            for item in node[1]:
                value = self.eval(item)
                if isinstance(value, Series):
                    items.append(value)
                elif isinstance(value, list):
                    items.extend(value)
                else:
                    raise self.fail("An array [...] may hold only time series.")
            return items
        if kind == "neg":
            return self.binary("*", -1.0, self.eval(node[1]))
        if kind == "bin":
            return self.binary(node[1], self.eval(node[2]), self.eval(node[3]))
        name, args = node[1], node[2]
        if name == "ANOMALY_DETECTION_BAND":
            return self.anomaly_band(args)
        return _FUNCTIONS[name](self, [self.eval(arg) for arg in args])

    def anomaly_band(self, args: list[tuple]) -> list[Series]:
        """ANOMALY_DETECTION_BAND(id[, stddevs]): "two time series, one representing the upper limit of
        the 'normal' expected value of the metric, and the other representing the lower limit. ... The
        first is the ID of the metric to create the band for. The second argument is the number of
        standard deviations to use for the band. If you don't specify this argument, the default of 2
        is used." Upper first: "LAST(ANOMALY_DETECTION_BAND(m1)) returns the lower bound". One band per
        period of the query's range. Labels "Upper Bound"/"Lower Bound" are *labkit wording*."""
        self.arity("ANOMALY_DETECTION_BAND", args, 1, 2)
        if args[0][0] != "ref":
            raise self.fail("ANOMALY_DETECTION_BAND takes the Id of a metric or expression as its first argument.")
        qid = args[0][1]
        series = self.one_series("ANOMALY_DETECTION_BAND", self.value_of(qid))
        stddevs = self.scalar("ANOMALY_DETECTION_BAND", self.eval(args[1])) if len(args) == 2 else 2.0
        if stddevs <= 0:
            raise self.fail("The number of standard deviations of ANOMALY_DETECTION_BAND must be positive.")
        if self.bands is None:
            raise MetricMathUnsupported(N_("function ANOMALY_DETECTION_BAND without anomaly detectors"))
        times = self.grid(series.period)
        upper, lower = self.bands(qid, series, stddevs, times)
        return [
            Series("", "Upper Bound", series.period, times, upper, metric=False).derive(times, upper),
            Series("", "Lower Bound", series.period, times, lower, metric=False).derive(times, lower),
        ]

    # -- alignment -----------------------------------------------------------------------------------
    def grid(self, period: int) -> np.ndarray:
        first = self.start - (self.start - self.origin) % period
        return np.arange(first, self.end, period, dtype=np.int64)

    def default_period(self) -> int:
        qid = self.stack[-1] if self.stack else ""
        if qid in self.periods:
            return int(self.periods[qid])
        found = {s.period for s in self.metrics.values()}
        if len(found) == 1:
            return found.pop()
        raise self.fail("TIME_SERIES needs the expression's Period when the request's metrics do not share one period.")

    @staticmethod
    def at(series: Series, times: np.ndarray, fill: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """``series``' values at ``times`` (``fill`` where it has none) and where it had one."""
        if series.times is times or (len(series.times) == len(times) and np.array_equal(series.times, times)):
            return series.values.copy(), np.ones(len(times), bool)
        index = np.searchsorted(series.times, times)
        index_ok = index < len(series.times)
        found = np.zeros(len(times), bool)
        found[index_ok] = series.times[index[index_ok]] == times[index_ok]
        out = np.full(len(times), fill, dtype=np.float64)
        out[found] = series.values[index[found]]
        return out, found

    def same_period(self, *series: Series) -> int:
        periods = {s.period for s in series}
        if len(periods) > 1:
            raise MetricMathUnsupported(
                N_("combining series of different periods ({periods})"), periods=sorted(periods)
            )
        return periods.pop()

    def binary(self, op: str, left: Any, right: Any) -> Any:
        function = _OPERATORS[op]
        for side in (left, right):
            if isinstance(side, str):
                raise self.fail(f"The operator {op} needs numbers or time series, not '{side}'.")
        if isinstance(left, list) and isinstance(right, list):
            raise MetricMathUnsupported(N_("the operator {op} between two arrays of time series"), op=op)
        if isinstance(left, list):
            return [self.binary(op, item, right) for item in left]
        if isinstance(right, list):
            return [self.binary(op, left, item) for item in right]
        with np.errstate(all="ignore"):
            if isinstance(left, Series) and isinstance(right, Series):
                self.same_period(left, right)
                times = _union(left.times, right.times)
                a, _ = self.at(left, times)
                b, _ = self.at(right, times)
                return left.derive(times, function(a, b))
            if isinstance(left, Series):
                return left.derive(left.times, function(left.values, np.float64(right)))
            if isinstance(right, Series):
                return right.derive(right.times, function(np.float64(left), right.values))
            return float(function(np.float64(left), np.float64(right)))

    # -- argument checks -----------------------------------------------------------------------------
    def arity(self, name: str, args: list, low: int, high: int) -> None:
        if not low <= len(args) <= high:
            count = str(low) if low == high else f"{low} to {high}"
            raise self.fail(f"{name} takes {count} arguments, not {len(args)}.")

    def series_or_array(self, name: str, value: Any) -> Any:
        if not isinstance(value, (Series, list)):
            raise self.fail(f"{name} takes a time series or an array of time series.")
        return value

    def one_series(self, name: str, value: Any) -> Series:
        if not isinstance(value, Series):
            raise self.fail(f"{name} takes a single time series.")
        return value

    def array(self, name: str, value: Any) -> list[Series]:
        if not isinstance(value, list):
            raise self.fail(f"{name} takes an array of time series.")
        return value

    def scalar(self, name: str, value: Any) -> float:
        if not isinstance(value, float):
            raise self.fail(f"{name} takes a number here.")
        return value


# -- operators and functions ---------------------------------------------------------------------------
def _union(*arrays: np.ndarray) -> np.ndarray:
    """The sorted union of timestamp arrays (sorted already; most often equal, which costs one comparison)."""
    out = arrays[0]
    for other in arrays[1:]:
        if not (len(other) == len(out) and np.array_equal(other, out)):
            merged = np.concatenate([out, other])
            merged.sort(kind="mergesort")
            keep = np.ones(len(merged), bool)
            keep[1:] = merged[1:] != merged[:-1]
            out = merged[keep]
    return out


def _truth(x: np.ndarray) -> np.ndarray:
    return x != 0


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "^": np.power,
    # "If the value of a data point causes a function to attempt to divide by zero, the data point is dropped."
    "/": lambda a, b: np.divide(a, np.where(b == 0, np.nan, b)),
    "==": lambda a, b: (a == b).astype(np.float64),
    "!=": lambda a, b: (a != b).astype(np.float64),
    "<=": lambda a, b: (a <= b).astype(np.float64),
    ">=": lambda a, b: (a >= b).astype(np.float64),
    "<": lambda a, b: (a < b).astype(np.float64),
    ">": lambda a, b: (a > b).astype(np.float64),
    "AND": lambda a, b: (_truth(a) & _truth(b)).astype(np.float64),
    "OR": lambda a, b: (_truth(a) | _truth(b)).astype(np.float64),
}


def _pointwise(name: str, function: Callable[[np.ndarray], np.ndarray]) -> Callable[[_Evaluator, list], Any]:
    """ABS, CEIL, FLOOR, LOG, LOG10: "TS TS[]" in, the same shape out."""

    def apply(ev: _Evaluator, args: list) -> Any:
        ev.arity(name, args, 1, 1)
        value = ev.series_or_array(name, args[0])
        with np.errstate(all="ignore"):
            if isinstance(value, list):
                return [s.derive(s.times, function(s.values)) for s in value]
            return value.derive(value.times, function(value.values))

    return apply


def _per_series(name: str, transform: Callable[[_Evaluator, Series], Series]) -> Callable[[_Evaluator, list], Any]:
    def apply(ev: _Evaluator, args: list) -> Any:
        ev.arity(name, args, 1, 1)
        value = ev.series_or_array(name, args[0])
        return [transform(ev, s) for s in value] if isinstance(value, list) else transform(ev, value)

    return apply


def _diff(ev: _Evaluator, s: Series) -> Series:
    """DIFF: "the difference between each value in the time series and the preceding value"."""
    return s.derive(s.times[1:], np.diff(s.values))


def _diff_time(ev: _Evaluator, s: Series) -> Series:
    """DIFF_TIME: "the difference in seconds between the timestamp of each value ... and ... the preceding value"."""
    return s.derive(s.times[1:], np.diff(s.times).astype(np.float64))


def _rate(ev: _Evaluator, s: Series) -> Series:
    """RATE: "the difference between the latest data point value and the previous data point value,
    divided by the time difference in seconds between the two values"."""
    return s.derive(s.times[1:], np.diff(s.values) / np.diff(s.times).astype(np.float64))


def _running_sum(ev: _Evaluator, s: Series) -> Series:
    return s.derive(s.times, np.cumsum(s.values))


_REDUCE: dict[str, Callable[[np.ndarray], float]] = {
    "SUM": lambda v: float(np.sum(v)),
    "AVG": lambda v: float(np.mean(v)) if len(v) else float("nan"),
    "MIN": lambda v: float(np.min(v)) if len(v) else float("nan"),
    "MAX": lambda v: float(np.max(v)) if len(v) else float("nan"),
    "STDDEV": lambda v: float(np.std(v)) if len(v) else float("nan"),
}


def _aggregate(name: str) -> Callable[[_Evaluator, list], Any]:
    """SUM/AVG/MIN/MAX/STDDEV: a series -> a scalar over its points; an array -> a series over its series."""

    def apply(ev: _Evaluator, args: list) -> Any:
        ev.arity(name, args, 1, 1)
        value = ev.series_or_array(name, args[0])
        if isinstance(value, Series):
            return _REDUCE[name](value.values)
        if not value:
            return Series("", "", ev.default_period(), np.array([], np.int64), np.array([]), metric=False)
        period = ev.same_period(*value)
        times = _union(*(s.times for s in value))
        columns, present = zip(*(ev.at(s, times) for s in value))
        stacked = np.vstack(columns)
        if name in ("MIN", "MAX", "STDDEV") and not np.all(np.vstack(present)):
            raise MetricMathUnsupported(
                N_(
                    "{name} of an array whose time series have values at different timestamps (AWS does not "
                    "document how missing values count)"
                ),
                name=name,
            )
        with np.errstate(all="ignore"):
            reduced = {"SUM": np.sum, "AVG": np.mean, "MIN": np.min, "MAX": np.max, "STDDEV": np.std}[name](
                stacked, axis=0
            )
        return Series("", "", period, times, reduced, metric=False).derive(times, reduced)

    return apply


def _datapoint_count(ev: _Evaluator, args: list) -> Any:
    """DATAPOINT_COUNT: "a count of the data points that reported values" (S for a TS, TS for a TS[])."""
    ev.arity("DATAPOINT_COUNT", args, 1, 1)
    value = ev.series_or_array("DATAPOINT_COUNT", args[0])
    if isinstance(value, Series):
        return float(len(value.times))
    if not value:
        return Series("", "", ev.default_period(), np.array([], np.int64), np.array([]), metric=False)
    period = ev.same_period(*value)
    times = _union(*(s.times for s in value))
    counts = np.sum(np.vstack([ev.at(s, times)[1] for s in value]), axis=0).astype(np.float64)
    return Series("", "", period, times, counts, metric=False)


def _metric_count(ev: _Evaluator, args: list) -> float:
    ev.arity("METRIC_COUNT", args, 1, 1)
    return float(len(ev.array("METRIC_COUNT", args[0])))


def _metrics(ev: _Evaluator, args: list) -> list[Series]:
    """METRICS(): "all the metrics in the request. Math expressions aren't included"; with a string,
    "only the graphed metrics that contain that string in their Id field"."""
    ev.arity("METRICS", args, 0, 1)
    if args and (not isinstance(args[0], str) or isinstance(args[0], Keyword)):
        raise ev.fail('METRICS takes no argument or a string, as in METRICS("errors").')
    return [s for qid, s in ev.metrics.items() if not args or args[0] in qid]


def _fill(ev: _Evaluator, args: list) -> Any:
    """FILL(TS|TS[], S | TS | REPEAT | LINEAR): a value for every period of the query's range."""
    ev.arity("FILL", args, 2, 2)
    value, filler = ev.series_or_array("FILL", args[0]), args[1]
    if isinstance(filler, list) or (isinstance(filler, str) and filler not in ("REPEAT", "LINEAR")):
        raise ev.fail("FILL's second argument is a number, a time series, REPEAT or LINEAR.")

    def one(s: Series) -> Series:
        times = ev.grid(s.period)
        values, found = ev.at(s, times, np.nan)
        if isinstance(filler, float):
            values[~found] = filler
        elif isinstance(filler, Series):
            ev.same_period(s, filler)
            other, has = ev.at(filler, times, np.nan)
            fill_here = ~found & has
            values[fill_here] = other[fill_here]
        elif filler == "REPEAT":
            # "the most recent actual value of the metric before the missing value"
            last = np.where(found, np.arange(len(times)), -1)
            np.maximum.accumulate(last, out=last)
            ok = last >= 0
            values[ok] = values[last[ok]]
        elif found.any():  # LINEAR: interpolation between the values at the start and the end of each gap
            inside = (times >= times[found][0]) & (times <= times[found][-1])
            values[inside] = np.interp(times[inside], times[found], values[found])
        return s.derive(times, values)

    return [one(s) for s in value] if isinstance(value, list) else one(value)


def _first_last(name: str) -> Callable[[_Evaluator, list], Any]:
    def apply(ev: _Evaluator, args: list) -> Series:
        ev.arity(name, args, 1, 1)
        array = ev.array(name, args[0])
        if not array:  # REMOVE_EMPTY left nothing: no data (the page does not say; *labkit's* reading)
            return Series("", "", ev.default_period(), np.array([], np.int64), np.array([]), metric=False)
        return array[0] if name == "FIRST" else array[-1]

    return apply


def _if(ev: _Evaluator, args: list) -> Any:
    """IF(condition, trueValue[, falseValue]) exactly as the tables of "Using IF expressions"."""
    ev.arity("IF", args, 2, 3)
    condition, when_true = args[0], args[1]
    when_false = args[2] if len(args) == 3 else None
    for value in args:
        if isinstance(value, (list, str)):
            raise ev.fail("IF takes numbers and single time series.")
    if isinstance(condition, float):
        # IF(scalar1, metric2, metric3): metric2 if scalar1 is true, else metric3 ("an empty time series"
        # if omitted).
        if not isinstance(when_true, Series) or not isinstance(when_false, (Series, type(None))):
            raise ev.fail("IF with a number as condition takes time series as its values.")
        chosen = when_true if condition != 0 else when_false
        if chosen is None:
            return Series("", "", when_true.period, np.array([], np.int64), np.array([]), metric=False)
        return chosen
    times, truth = condition.times, condition.values != 0
    out = np.full(len(times), np.nan)
    if isinstance(when_true, Series):
        ev.same_period(condition, when_true)
        # "has the value of 0, if ... metric1 is TRUE and the corresponding data point does not exist in metric2"
        out[truth] = ev.at(when_true, times)[0][truth]
    else:
        out[truth] = when_true
    if isinstance(when_false, Series):
        ev.same_period(condition, when_false)
        # "is dropped, if ... metric1 is FALSE and the corresponding data point does not exist in metric3"
        out[~truth] = ev.at(when_false, times, np.nan)[0][~truth]
    elif when_false is not None:
        out[~truth] = when_false
    return condition.derive(times, out)


def _period(ev: _Evaluator, args: list) -> float:
    """PERIOD: "the period of the metric in seconds. Valid input is metrics, not the results of other expressions"."""
    ev.arity("PERIOD", args, 1, 1)
    value = args[0]
    if not isinstance(value, Series) or not value.metric:
        raise ev.fail("PERIOD takes a metric, not the result of another expression.")
    return float(value.period)


def _remove_empty(ev: _Evaluator, args: list) -> list[Series]:
    ev.arity("REMOVE_EMPTY", args, 1, 1)
    return [s for s in ev.array("REMOVE_EMPTY", args[0]) if len(s.times)]


def _slice(ev: _Evaluator, args: list) -> Any:
    """SLICE(TS[], start[, end]): "start (inclusive) and end (exclusive) ... zero-indexed"."""
    ev.arity("SLICE", args, 2, 3)
    array = ev.array("SLICE", args[0])
    bounds = [int(ev.scalar("SLICE", a)) for a in args[1:]]
    return array[bounds[0] : bounds[1] if len(bounds) > 1 else None]


def _sort(ev: _Evaluator, args: list) -> list[Series]:
    """SORT(TS[], AVG|MIN|MAX|SUM, ASC|DESC[, limit])."""
    ev.arity("SORT", args, 3, 4)
    array = ev.array("SORT", args[0])
    function, order = args[1], args[2]
    if not isinstance(function, Keyword) or function not in ("AVG", "MIN", "MAX", "SUM"):
        raise ev.fail("SORT's second argument is AVG, MIN, MAX or SUM.")
    if not isinstance(order, Keyword) or order not in ("ASC", "DESC"):
        raise ev.fail("SORT's third argument is ASC or DESC.")
    keyed = [(_REDUCE[function](s.values), index, s) for index, s in enumerate(array)]
    with_data = [k for k in keyed if not np.isnan(k[0])]
    with_data.sort(key=lambda k: (-k[0] if order == "DESC" else k[0], k[1]))
    result = [s for _, _, s in with_data] + [s for value, _, s in keyed if np.isnan(value)]
    if len(args) == 4:
        result = result[: int(ev.scalar("SORT", args[3]))]
    return result


def _time_series(ev: _Evaluator, args: list) -> Series:
    """TIME_SERIES(S): "a non-sparse time series where every value is set to a scalar argument"."""
    ev.arity("TIME_SERIES", args, 1, 1)
    value = ev.scalar("TIME_SERIES", args[0])
    period = ev.default_period()
    times = ev.grid(period)
    values = np.full(len(times), value)
    return Series("", "", period, times, values, metric=False).derive(times, values)


_DAY = 86_400


def _calendar(name: str) -> Callable[[_Evaluator, list], Series]:
    """MINUTE, HOUR, DAY (1 = Monday ... 7 = Sunday), DATE, MONTH, YEAR, EPOCH of each period, in UTC:
    "take the period and range of the time series and return a new non-sparse time series"."""

    def of(times: np.ndarray) -> np.ndarray:
        if name == "MINUTE":
            return (times // 60) % 60
        if name == "HOUR":
            return (times // 3600) % 24
        if name == "DAY":
            return (times // _DAY + 3) % 7 + 1  # 1970-01-01 was a Thursday
        if name == "EPOCH":
            return times
        stamps = times.astype("datetime64[s]")
        if name == "DATE":
            return (stamps.astype("datetime64[D]") - stamps.astype("datetime64[M]")).astype(np.int64) + 1
        if name == "MONTH":
            return stamps.astype("datetime64[M]").astype(np.int64) % 12 + 1
        return stamps.astype("datetime64[Y]").astype(np.int64) + 1970

    def apply(ev: _Evaluator, args: list) -> Series:
        ev.arity(name, args, 1, 1)
        s = ev.one_series(name, args[0])
        times = ev.grid(s.period)
        return s.derive(times, of(times).astype(np.float64))

    return apply


_FUNCTIONS: dict[str, Callable[[_Evaluator, list], Any]] = {
    "ABS": _pointwise("ABS", np.abs),
    "CEIL": _pointwise("CEIL", np.ceil),
    "FLOOR": _pointwise("FLOOR", np.floor),
    "LOG": _pointwise("LOG", np.log),
    "LOG10": _pointwise("LOG10", np.log10),
    "SUM": _aggregate("SUM"),
    "AVG": _aggregate("AVG"),
    "MIN": _aggregate("MIN"),
    "MAX": _aggregate("MAX"),
    "STDDEV": _aggregate("STDDEV"),
    "DATAPOINT_COUNT": _datapoint_count,
    "METRIC_COUNT": _metric_count,
    "DIFF": _per_series("DIFF", _diff),
    "DIFF_TIME": _per_series("DIFF_TIME", _diff_time),
    "RATE": _per_series("RATE", _rate),
    "RUNNING_SUM": _per_series("RUNNING_SUM", _running_sum),
    "FILL": _fill,
    "FIRST": _first_last("FIRST"),
    "LAST": _first_last("LAST"),
    "IF": _if,
    "METRICS": _metrics,
    "PERIOD": _period,
    "REMOVE_EMPTY": _remove_empty,
    "SLICE": _slice,
    "SORT": _sort,
    "TIME_SERIES": _time_series,
    **{name: _calendar(name) for name in sorted(CALENDAR_FUNCTIONS)},
}
#: Bare uppercase words accepted as arguments (FILL's and SORT's).
_KEYWORDS = ("REPEAT", "LINEAR", "ASC", "DESC", "AVG", "MIN", "MAX", "SUM")
