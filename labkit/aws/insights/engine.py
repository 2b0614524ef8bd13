"""Tokenizer, parser and executor of the Logs Insights query language (see :mod:`labkit.aws.insights`).

A query compiles to a :class:`Plan`: a list of stages, each a function from rows to rows, where a
row is a dict of field name to value. Input events carry ``@timestamp`` (epoch ms), ``@message``,
``@logStream`` and ``@log``; JSON messages add their fields, nested keys joined with dots
("Supported logs and discovered fields",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData-discoverable-fields.html).

Where AWS's pages are silent, the choice made here is stated where it is made.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from labkit.exceptions import LogsInsightsUnsupported, MalformedQuery, UnsupportedOperation


def N_(message: str) -> str:  # gettext's name, as labkit.i18n.N_ (which this pure layer may not import)
    """``message`` unchanged: marks what a :class:`LogsInsightsUnsupported` names for labkit's catalogue."""
    return message


#: "If you omit limit, the query will return as many as 10,000 log events"
#: (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Limit.html).
DEFAULT_LIMIT = 10_000
SYNTAX_URL = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html"

Row = dict[str, Any]
Expr = Callable[[Row], Any]
Stage = Callable[[list[Row]], list[Row]]

#: Fields every event has (discovered fields page); the rest come from JSON, parse or fields.
BUILTIN_FIELDS = frozenset({"@timestamp", "@message", "@logStream", "@log", "@ingestionTime"})
#: Commands AWS documents that this engine does not emulate (named in the refusal).
UNEMULATED_COMMANDS = frozenset(
    {"unnest", "lookup", "join", "anomaly", "pattern", "diff", "unmask", "filterindex", "source"}
)
#: bin() units ("stats", https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Stats.html);
#: month, quarter and year bins are calendar bins and are refused.
_UNITS_MS = {
    **dict.fromkeys(("ms", "msec", "msecs", "millisecond", "milliseconds"), 1),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1000),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60_000),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3_600_000),
    **dict.fromkeys(("d", "day", "days"), 86_400_000),
    **dict.fromkeys(("w", "week", "weeks"), 604_800_000),
}
_CALENDAR_UNITS = {
    "mo",
    "mon",
    "mons",
    "month",
    "months",
    "q",
    "qtr",
    "qtrs",
    "quarter",
    "quarters",
    "y",
    "yr",
    "yrs",
    "year",
    "years",
}


def _unsupported(template: str, **fields: object) -> UnsupportedOperation:
    return LogsInsightsUnsupported(template, **fields)


class Time(int):
    """Epoch milliseconds that print as a timestamp (``@timestamp``, ``bin()``)."""


# ------------------------------------------------------------------------------------ tokens
_TOKEN = re.compile(
    r"""(?P<ws>\s+|\#[^\n]*)
      | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<number>\d+(?:\.\d+)?(?:[a-zA-Z]+)?)
      | (?P<name>`[^`]+`|[@A-Za-z_$][\w@.$\-]*(?<![.\-]))
      | (?P<op>=~|!=|<=|>=|[=<>()\[\],|*+\-/%^])
    """,
    re.VERBOSE,
)
_REGEX = re.compile(r"/((?:[^/\\]|\\.)*)/")


@dataclass
class Token:
    kind: str  # string, number, name, op, regex, end
    text: str
    pos: int  # 1-based
    end: int = 0  # 0-based end offset in the query


def tokenize(query: str) -> list[Token]:
    """Split a query; ``/…/`` is a regex wherever a value may start (after an operator or keyword)."""
    tokens: list[Token] = []
    i = 0
    while i < len(query):
        prev = tokens[-1] if tokens else None
        value_may_start = (
            prev is None
            or (prev.kind == "op" and prev.text not in (")", "]"))
            or (prev.kind == "name" and prev.text.lower() in ("like", "not", "and", "or", "in"))
            or (len(tokens) >= 2 and tokens[-2].text.lower() == "parse" and prev.kind == "name")
        )
        if query[i] == "/" and value_may_start:
            m = _REGEX.match(query, i)
            if not m:
                raise MalformedQuery(f"unterminated regular expression at position {i + 1}", i + 1)
            tokens.append(Token("regex", m.group(1), i + 1, m.end()))
            i = m.end()
            continue
        m = _TOKEN.match(query, i)
        if not m:
            raise MalformedQuery(f"unexpected symbol found {query[i]} at line 1 and position {i + 1}", i + 1)
        kind = m.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, m.group(), i + 1, m.end()))
        i = m.end()
    tokens.append(Token("end", "", len(query) + 1, len(query)))
    return tokens


# ------------------------------------------------------------------------------------ values
def _num(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def format_value(name: str, value: Any) -> str:
    """A result value as GetQueryResults carries it (a string).

    Timestamps print as ``YYYY-MM-DD HH:MM:SS.mmm`` UTC, as the console and API show them; the
    docs are silent on number formatting: integral numbers print without a decimal point, others
    as Python's shortest round-trip repr.
    """
    if isinstance(value, Time) or (name in ("@timestamp", "@ingestionTime") and isinstance(value, int)):
        moment = dt.datetime.fromtimestamp(int(value) / 1000, dt.timezone.utc)
        return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{int(value) % 1000:03d}"
    return _text(value)


def _compare(op: str) -> Callable[[Any, Any], bool]:
    """Numbers compare as numbers when both sides are numeric; otherwise as strings (the
    operators page does not say how mixed types compare; this is labkit's choice)."""
    import operator

    fn = {
        "=": operator.eq,
        "!=": operator.ne,
        "<": operator.lt,
        "<=": operator.le,
        ">": operator.gt,
        ">=": operator.ge,
    }[op]

    def compare(a: Any, b: Any) -> bool:
        if a is None or b is None:
            return False
        x, y = _num(a), _num(b)
        if x is not None and y is not None:
            return bool(fn(x, y))
        return bool(fn(_text(a), _text(b)))

    return compare


# ------------------------------------------------------------------------------------ parser
_SCALAR_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "ispresent": lambda v: v is not None,
    "isempty": lambda v: v is None or _text(v) == "",
    "isblank": lambda v: v is None or _text(v).strip() == "",
    "strlen": lambda v: None if v is None else len(_text(v)),
    "toupper": lambda v: None if v is None else _text(v).upper(),
    "tolower": lambda v: None if v is None else _text(v).lower(),
    "trim": lambda v, chars=None: None if v is None else _text(v).strip(None if chars is None else _text(chars)),
    "ltrim": lambda v, chars=None: None if v is None else _text(v).lstrip(None if chars is None else _text(chars)),
    "rtrim": lambda v, chars=None: None if v is None else _text(v).rstrip(None if chars is None else _text(chars)),
    "replace": lambda v, old, new: None if None in (v, old, new) else _text(v).replace(_text(old), _text(new)),
    "concat": lambda *vs: "".join(_text(v) for v in vs if v is not None),
    "strcontains": lambda s, sub: None if s is None or sub is None else _text(sub) in _text(s),
    "abs": lambda v: None if _num(v) is None else abs(_num(v)),  # type: ignore[arg-type]
    "floor": lambda v: None if _num(v) is None else math.floor(_num(v)),  # type: ignore[arg-type]
    "ceil": lambda v: None if _num(v) is None else math.ceil(_num(v)),  # type: ignore[arg-type]
    "greatest": lambda *vs: max((n for v in vs if (n := _num(v)) is not None), default=None),
    "least": lambda *vs: min((n for v in vs if (n := _num(v)) is not None), default=None),
    "log": lambda v: None if (n := _num(v)) is None or n <= 0 else math.log(n),
    "sqrt": lambda v: None if (n := _num(v)) is None or n < 0 else math.sqrt(n),
    "coalesce": lambda *vs: next((v for v in vs if v is not None), None),
    # Datetime: fromMillis/toMillis convert between epoch ms and a timestamp.
    "frommillis": lambda v: None if (n := _num(v)) is None else Time(int(n)),
    "tomillis": lambda v: None if (n := _num(v)) is None else int(n),
    # IP address string functions (Python's ipaddress decides what is valid).
    "isvalidip": lambda v: _ip(v) is not None,
    "isvalidipv4": lambda v: isinstance(_ip(v), ipaddress.IPv4Address),
    "isvalidipv6": lambda v: isinstance(_ip(v), ipaddress.IPv6Address),
    "isipinsubnet": lambda v, net: _in_subnet(v, net, None),
    "isipv4insubnet": lambda v, net: _in_subnet(v, net, 4),
    "isipv6insubnet": lambda v, net: _in_subnet(v, net, 6),
}


def _ip(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return None if value is None else ipaddress.ip_address(_text(value))
    except ValueError:
        return None


def _in_subnet(value: Any, subnet: Any, version: int | None) -> bool:
    address = _ip(value)
    try:
        network = ipaddress.ip_network(_text(subnet), strict=False)
    except ValueError:
        return False
    if address is None or (version and address.version != version) or address.version != network.version:
        return False
    return address in network


_AGGREGATES = {"count", "sum", "avg", "min", "max", "pct", "count_distinct", "earliest", "latest"}
_UNEMULATED_AGGREGATES = {
    "stddev",
    "sortsfirst",
    "sortslast",
    "earliest_by",
    "latest_by",
    "rate",
    "count_over_time",
    "sum_over_time",
    "histogram",
}


@dataclass
class Aggregate:
    name: str  # output column
    func: str
    arg: Expr | None  # None for count(*)
    arg_name: str
    param: float = 0.0  # pct's percentile


@dataclass
class Plan:
    """A compiled query: run it with :meth:`run` over events."""

    query: str
    stages: list[Stage]
    columns: list[str] | None  # fields/display output columns; None: every field of the row
    is_stats: bool
    limit: int
    needs_json: bool
    matched_stage: int = field(default=0)  # stages before this count as matching (filters)

    def run(self, events: Iterable[Row]) -> Result:
        """Run the plan over events (dicts with ``@timestamp`` ms, ``@message``, …; not modified)."""
        # Stages that add fields (fields, parse) copy the rows they change; the others only read.
        rows = [with_discovered_fields(e) for e in events] if self.needs_json else list(events)
        if not self.is_stats:
            # The docs promise no order for unsorted results; events enter newest first, as the
            # console's default query (``sort @timestamp desc``) shows them, so ``limit`` keeps the newest.
            rows.sort(key=_newest_first)
        scanned = len(rows)
        scanned_bytes = sum(
            len(m) if m.isascii() else len(m.encode()) for m in (str(r.get("@message", "")) for r in rows)
        )
        matched = scanned
        for index, stage in enumerate(self.stages):
            if index == self.matched_stage:
                matched = len(rows)
            rows = stage(rows)
        if self.matched_stage >= len(self.stages):
            matched = len(rows)
        rows = rows[: self.limit]
        if self.columns is not None:
            # ``@ptr`` (a pointer for GetLogRecord) stays on every row that is one event.
            rows = [
                {**{c: r.get(c) for c in self.columns}, **({"@ptr": r["@ptr"]} if "@ptr" in r else {})} for r in rows
            ]
        elif not self.needs_json and not self.is_stats:
            rows = [with_discovered_fields(r) for r in rows]
        return Result(rows=rows, records_matched=matched, records_scanned=scanned, bytes_scanned=scanned_bytes)


def _newest_first(row: Row) -> int:
    return -(row.get("@timestamp") or 0)


@dataclass
class Result:
    rows: list[Row]
    records_matched: int = 0
    records_scanned: int = 0
    bytes_scanned: int = 0


def _flatten(value: Any, out: Row) -> None:
    # A stack, not recursion: an event may nest as deep as json reads.
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        prefix, node = stack.pop()
        if isinstance(node, dict):
            stack.extend(reversed([(f"{prefix}.{key}" if prefix else str(key), inner) for key, inner in node.items()]))
        elif isinstance(node, list):
            stack.extend(reversed([(f"{prefix}.{index}", inner) for index, inner in enumerate(node)]))
        elif prefix:
            out[prefix] = node


def with_discovered_fields(event: Row) -> Row:
    """A copy of the event plus the fields of a JSON message, flattened with dots (arrays by
    index, e.g. ``fieldsB.0.fA``; the discovered-fields page shows dotted nested names).

    A message nested deeper than Python's json module reads (about 1000 levels) gets no fields, as one that is
    not JSON: the discovered-fields page documents no nesting limit for JSON log events, and the query still
    answers from the fields every event has (``@message``, ``@timestamp``).
    """
    row = dict(event)
    message = row.get("@message")
    if isinstance(message, str) and message.lstrip().startswith("{"):
        try:
            data = json.loads(message)
        except (ValueError, RecursionError):
            return row
        if isinstance(data, dict):
            discovered: Row = {}
            _flatten(data, discovered)
            for key, value in discovered.items():
                row.setdefault(key, value)
    return row


class _Parser:
    def __init__(self, query: str, tokens: list[Token]) -> None:
        self.query = query
        self.tokens = tokens
        self.i = 0
        self.defined: set[str] = set(BUILTIN_FIELDS)  # fields the rows have at this point of the query
        self.needs_json = False  # a field is read before anything defines it: it may come from JSON

    def reference(self, name: str) -> None:
        if name not in self.defined:
            self.needs_json = True

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def next(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at(self, *texts: str) -> bool:
        return self.tok.kind in ("op", "name") and self.tok.text.lower() in texts

    def expect(self, text: str) -> Token:
        if not self.at(text):
            raise self.error()
        return self.next()

    def error(self, tok: Token | None = None) -> MalformedQuery:
        tok = tok or self.tok
        if tok.kind == "end":
            return MalformedQuery("unexpected end of query", tok.pos)
        return MalformedQuery(f"unexpected symbol found {tok.text} at line 1 and position {tok.pos}", tok.pos)

    def at_command_end(self) -> bool:
        return self.tok.kind == "end" or self.at("|")

    def source_text(self, start: int) -> str:
        """The query text of tokens start..i (a stats column's name, e.g. ``count(*)``)."""
        if self.i <= start:
            return ""
        return self.query[self.tokens[start].pos - 1 : self.tokens[self.i - 1].end]

    def name(self) -> str:
        tok = self.next()
        if tok.kind != "name":
            raise self.error(tok)
        return tok.text.strip("`")

    # expressions ---------------------------------------------------------------------------
    def expr(self) -> Expr:
        left = self.and_expr()
        while self.at("or"):
            self.next()
            right = self.and_expr()
            left = (lambda a, b: lambda r: bool(a(r)) or bool(b(r)))(left, right)
        return left

    def and_expr(self) -> Expr:
        left = self.not_expr()
        while self.at("and"):
            self.next()
            right = self.not_expr()
            left = (lambda a, b: lambda r: bool(a(r)) and bool(b(r)))(left, right)
        return left

    def not_expr(self) -> Expr:
        if self.at("not"):
            self.next()
            inner = self.not_expr()
            return lambda r: not inner(r)
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.additive()
        negate = False
        if self.at("not") and self.tokens[self.i + 1].text.lower() in ("like", "in"):
            self.next()
            negate = True
        if self.at("=", "!=", "<", "<=", ">", ">="):
            compare = _compare(self.next().text)
            right = self.additive()
            return lambda r: compare(left(r), right(r))
        if self.at("like", "=~"):
            op = self.next()
            tok = self.next()
            if tok.kind == "regex":
                search = _regex(tok).search
                test: Expr = lambda r: (v := left(r)) is not None and search(_text(v)) is not None  # noqa: E731
                if getattr(left, "field_name", "") == "@message":  # always a string: the hot path
                    test = lambda r: (  # noqa: E731
                        (v := r.get("@message")) is not None
                        and search(v if v.__class__ is str else _text(v)) is not None
                    )
            elif tok.kind == "string" and op.text.lower() == "like":
                needle = _unquote(tok.text)
                test = lambda r: (v := left(r)) is not None and needle in _text(v)  # noqa: E731
            else:
                raise self.error(tok)
            # ``not like`` / ``not in`` hold only for a present field, as ``!=`` does (docs silent).
            return (lambda r: left(r) is not None and not test(r)) if negate else test
        if self.at("in"):
            self.next()
            self.expect("[")
            values: list[Any] = []
            while not self.at("]"):
                values.append(self.additive()({}))
                if not self.at("]"):
                    self.expect(",")
            self.next()
            equal = _compare("=")
            member: Expr = lambda r: any(equal(left(r), v) for v in values)  # noqa: E731
            return (lambda r: left(r) is not None and not member(r)) if negate else member
        if negate:
            raise self.error()
        return left

    def additive(self) -> Expr:
        left = self.multiplicative()
        while self.at("+", "-"):
            op = self.next().text
            right = self.multiplicative()
            left = _arith(op, left, right)
        return left

    def multiplicative(self) -> Expr:
        left = self.unary()
        while self.at("*", "/", "%"):
            op = self.next().text
            right = self.unary()
            left = _arith(op, left, right)
        return left

    def unary(self) -> Expr:
        if self.at("-"):
            self.next()
            inner = self.unary()
            return _arith("-", lambda r: 0, inner)
        base = self.primary()
        if self.at("^"):
            self.next()
            return _arith("^", base, self.unary())
        return base

    def primary(self) -> Expr:
        tok = self.next()
        if tok.kind == "number":
            if not re.fullmatch(r"\d+(?:\.\d+)?", tok.text):
                raise self.error(tok)
            value = float(tok.text) if "." in tok.text else int(tok.text)
            return lambda r: value
        if tok.kind == "string":
            text = _unquote(tok.text)
            return lambda r: text
        if tok.kind == "op" and tok.text == "(":
            inner = self.expr()
            self.expect(")")
            return inner
        if tok.kind == "name":
            lowered = tok.text.lower()
            if self.at("("):
                return self.function(lowered, tok)
            if lowered in ("true", "false"):
                return lambda r: lowered == "true"
            name = tok.text.strip("`")
            self.reference(name)
            getter = lambda r: r.get(name)  # noqa: E731
            getter.field_name = name  # type: ignore[attr-defined]
            return getter
        raise self.error(tok)

    def function(self, fname: str, tok: Token) -> Expr:
        self.expect("(")
        if fname in _AGGREGATES or fname in _UNEMULATED_AGGREGATES:
            # After stats, ``count(*)`` names the column stats made (e.g. ``sort count(*) desc``).
            start, depth = self.i - 2, 1
            while depth:
                inner = self.next()
                if inner.kind == "end":
                    raise self.error(inner)
                depth += {"(": 1, ")": -1}.get(inner.text, 0) if inner.kind == "op" else 0
            column = self.source_text(start)
            if column not in self.defined:
                raise MalformedQuery(f"aggregate function {fname} can only be used in stats", tok.pos)
            return lambda r: r.get(column)
        if fname == "bin":
            period = self.period()
            self.expect(")")

            def bin_start(r: Row) -> int | None:
                t = r.get("@timestamp")
                return None if t is None else t - t % period

            bin_start.is_time = True  # type: ignore[attr-defined]
            return bin_start
        if fname in ("datefloor", "dateceil"):
            value = self.expr()
            self.expect(",")
            period = self.period()
            self.expect(")")
            up = fname == "dateceil"

            def round_time(r: Row) -> Time | None:
                t = _num(value(r))
                if t is None:
                    return None
                t = int(t)
                floor = t - t % period
                return Time(floor + period if up and floor != t else floor)

            return round_time
        if fname not in _SCALAR_FUNCTIONS:
            raise _unsupported(N_("function {name}()"), name=fname)
        args: list[Expr] = []
        while not self.at(")"):
            args.append(self.expr())
            if not self.at(")"):
                self.expect(",")
        self.next()
        fn = _SCALAR_FUNCTIONS[fname]
        try:
            fn(*([None] * len(args)))
        except TypeError:
            raise MalformedQuery(f"wrong number of arguments to {fname}", tok.pos) from None
        return lambda r: fn(*(a(r) for a in args))

    def period(self) -> int:
        tok = self.next()
        m = re.fullmatch(r"(\d+)([a-zA-Z]+)", tok.text) if tok.kind == "number" else None
        if not m:
            raise self.error(tok)
        unit = m.group(2).lower()
        if unit in _CALENDAR_UNITS:
            raise _unsupported(N_("calendar bin period {period}"), period=tok.text)
        if unit not in _UNITS_MS or int(m.group(1)) == 0:
            raise self.error(tok)
        return int(m.group(1)) * _UNITS_MS[unit]


def _regex(tok: Token) -> re.Pattern[str]:
    """The ``/regex/`` token compiled, or the query refused as malformed (``StartQuery``'s
    MalformedQueryException, "The query string is not valid",
    https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StartQuery.html)."""
    try:
        return re.compile(_python_regex(tok.text))
    except (re.error, OverflowError) as error:  # OverflowError: /a{99999999999}/
        raise MalformedQuery(f"invalid regular expression /{tok.text}/: {error}", tok.pos) from None
    except RecursionError:  # groups nested past Python's recursion limit
        raise MalformedQuery(f"invalid regular expression /{tok.text}/: groups nested too deeply", tok.pos) from None


def _python_regex(text: str) -> str:
    """AWS's named groups ``(?<name>…)`` in Python's spelling ``(?P<name>…)``."""
    return re.sub(r"\(\?<(?![=!])", "(?P<", text)


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def _arith(op: str, left: Expr, right: Expr) -> Expr:
    def apply(r: Row) -> Any:
        a, b = _num(left(r)), _num(right(r))
        if a is None or b is None:
            return None
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return None if b == 0 else a / b
        if op == "%":
            return None if b == 0 else a % b
        try:
            return float(a) ** float(b)
        except (OverflowError, ZeroDivisionError):
            return None

    return apply


# ------------------------------------------------------------------------------------ commands
def compile(query: str) -> Plan:
    """Compile a query string to a :class:`Plan` (raises :class:`MalformedQuery`/``UnsupportedOperation``)."""
    if not query.strip():
        raise MalformedQuery("query string is empty")
    parser = _Parser(query, tokenize(query))
    stages: list[Stage] = []
    columns: list[str] | None = None
    is_stats = False
    limit = DEFAULT_LIMIT
    matched_stage: int | None = None
    while True:
        tok = parser.next()
        if tok.kind != "name":
            raise parser.error(tok)
        command = tok.text.lower()
        if command == "fields":
            items = _named_list(parser)
            columns = (columns or []) + [n for n, _ in items if n not in (columns or [])]
            parser.defined.update(n for n, _ in items)
            stages.append(_fields_stage(items))
        elif command == "display":
            items = _named_list(parser)
            columns = [n for n, _ in items]
        elif command == "filter":
            predicate = parser.expr()
            stages.append(_filter_stage(predicate))
        elif command == "stats":
            if matched_stage is None:
                matched_stage = len(stages)
            stage, names = _stats(parser)
            stages.append(stage)
            parser.defined = set(names)
            columns, is_stats = names, True
        elif command == "sort":
            stages.append(_sort(parser))
        elif command == "limit":
            n = parser.next()
            if n.kind != "number" or not n.text.isdigit() or not 1 <= int(n.text) <= DEFAULT_LIMIT:
                raise parser.error(n)
            limit = min(limit, int(n.text))
            stages.append(_limit_stage(int(n.text)))
        elif command == "parse":
            stage, names = _parse(parser)
            stages.append(stage)
            parser.defined.update(names)
        elif command == "dedup":
            names = [parser.name()]
            while parser.at(","):
                parser.next()
                names.append(parser.name())
            for name in names:
                parser.reference(name)
            stages.append(_dedup(names))
        elif command in UNEMULATED_COMMANDS:
            raise _unsupported(N_("command {command}"), command=tok.text)
        else:
            raise parser.error(tok)
        if parser.tok.kind == "end":
            break
        parser.expect("|")
    return Plan(
        query,
        stages,
        columns,
        is_stats,
        limit,
        parser.needs_json,
        len(stages) if matched_stage is None else matched_stage,
    )


def _named_list(parser: _Parser) -> list[tuple[str, Expr]]:
    """``expr [as name], …`` (fields, display); a bare field keeps its name."""
    items: list[tuple[str, Expr]] = []
    while True:
        start = parser.i
        expr = parser.expr()
        name = parser.source_text(start).strip("`")
        if parser.at("as"):
            parser.next()
            name = parser.name()
        items.append((name, expr))
        if not parser.at(","):
            return items
        parser.next()


def _fields_stage(items: list[tuple[str, Expr]]) -> Stage:
    def stage(rows: list[Row]) -> list[Row]:
        out = []
        for row in rows:
            row = dict(row)
            for name, expr in items:
                row[name] = expr(row)
            out.append(row)
        return out

    return stage


def _filter_stage(predicate: Expr) -> Stage:
    return lambda rows: [r for r in rows if predicate(r)]


def _limit_stage(count: int) -> Stage:
    return lambda rows: rows[:count]


def _sort_key(expr: Expr) -> Callable[[Row], tuple[Any, ...]]:
    return lambda row: _natural_key(expr(row))


def _natural_key(value: Any) -> tuple[Any, ...]:
    """The documented sort order: non-number values before numbers; numbers by value; other values
    in chunks of digits (by length, then value) and non-digits (by Unicode)
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Sort.html).
    Missing values sort first (the docs are silent)."""
    if value is None:
        return (0,)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (2, float(value))
    if isinstance(value, str) and re.fullmatch(r"\d+(?:\.\d+)?", value):
        return (2, float(value))
    # A digit chunk meets a non-digit chunk by Unicode ("2345 is compared with @"); any digit
    # stands for them all there, as no non-digit chunk starts with a digit.
    chunks = tuple(("0", len(c), int(c)) if c.isdigit() else (c, 0, 0) for c in re.findall(r"\d+|\D+", _text(value)))
    return (1, chunks)


def _sort(parser: _Parser) -> Stage:
    keys: list[tuple[Expr, bool]] = []
    while True:
        expr = parser.expr()
        descending = False
        if parser.at("asc", "desc"):
            descending = parser.next().text.lower() == "desc"
        # The sort page shows asc and desc but not which one a bare ``sort f`` uses; ascending here.
        keys.append((expr, descending))
        if not parser.at(","):
            break
        parser.next()

    def stage(rows: list[Row]) -> list[Row]:
        for expr, descending in reversed(keys):  # stable sorts, last key first
            rows.sort(key=_sort_key(expr), reverse=descending)
        return rows

    return stage


def _dedup(names: list[str]) -> Stage:
    """Keep the first row of each combination of values ("dedup",
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Dedup.html: rows where
    a field is missing are not treated as duplicates)."""

    def stage(rows: list[Row]) -> list[Row]:
        seen: set[tuple[str, ...]] = set()
        kept = []
        for row in rows:
            values = [row.get(n) for n in names]
            if any(v is None for v in values):
                kept.append(row)
                continue
            key = tuple(_text(v) for v in values)
            if key not in seen:
                seen.add(key)
                kept.append(row)
        return kept

    return stage


def _parse(parser: _Parser) -> tuple[Stage, list[str]]:
    """``parse field "glob * pattern" as a, b`` or ``parse field /(?<name>re)/``
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Parse.html): an event
    that does not match keeps its row, without the extracted fields."""
    source = parser.name()
    parser.reference(source)
    tok = parser.next()
    if tok.kind == "string":
        glob = _unquote(tok.text)
        stars = glob.count("*")
        parser.expect("as")
        names = [parser.name()]
        while parser.at(","):
            parser.next()
            names.append(parser.name())
        if len(names) != stars:
            raise MalformedQuery(f"parse pattern has {stars} wildcards but {len(names)} fields are named", tok.pos)
        parts = glob.split("*")
        regex = re.escape(parts[0]) + "".join("(.*?)" + re.escape(p) for p in parts[1:])
        if glob.endswith("*"):  # a trailing wildcard takes the rest of the value
            regex = regex[: -len("(.*?)")] + "(.*)"
        pattern = re.compile(regex, re.DOTALL)
    elif tok.kind == "regex":
        pattern = _regex(tok)
        names = list(pattern.groupindex)
        if not names:
            raise MalformedQuery("parse with a regular expression needs named capturing groups (?<name>…)", tok.pos)
        if parser.at("as"):
            raise _unsupported(N_("parse /regex/ … as …"))
    else:
        raise parser.error(tok)
    search = pattern.search
    by_name = tok.kind == "regex"

    def stage(rows: list[Row]) -> list[Row]:
        out = []
        for row in rows:
            value = row.get(source)
            m = None if value is None else search(_text(value))
            if m:
                # By name: a regex's unnamed groups, e.g. (invalid user )?, are not fields.
                row = (
                    {**row, **{name: m.group(name) for name in names}}
                    if by_name
                    else {**row, **dict(zip(names, m.groups()))}
                )
            out.append(row)
        return out

    return stage, names


def _stats(parser: _Parser) -> tuple[Stage, list[str]]:
    """``stats agg(…) [as name], … [by expr [as name], …]``
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Stats.html).
    A column without ``as`` is named by its text, e.g. ``count(*)``, ``bin(5m)``."""
    aggregates: list[Aggregate] = []
    while True:
        start = parser.i
        tok = parser.next()
        fname = tok.text.lower()
        if tok.kind != "name" or not parser.at("("):
            raise parser.error(tok)
        if fname in _UNEMULATED_AGGREGATES:
            raise _unsupported(N_("stats function {name}()"), name=fname)
        if fname not in _AGGREGATES:
            raise (
                _unsupported(N_("stats function {name}()"), name=fname)
                if fname not in _SCALAR_FUNCTIONS
                else parser.error(tok)
            )
        parser.next()
        arg: Expr | None = None
        arg_start = parser.i
        if fname == "count" and parser.at("*"):
            parser.next()
        elif fname == "count" and parser.at(")"):
            pass
        else:
            arg = parser.expr()
        arg_name = parser.source_text(arg_start)
        param = 0.0
        if fname == "pct":
            parser.expect(",")
            p = parser.next()
            if p.kind != "number" or not 0 <= float(p.text) <= 100:
                raise parser.error(p)
            param = float(p.text)
        parser.expect(")")
        name = parser.source_text(start)
        if parser.at("as"):
            parser.next()
            name = parser.name()
        aggregates.append(Aggregate(name, fname, arg, arg_name.strip("`"), param))
        if not parser.at(","):
            break
        parser.next()
    groups: list[tuple[str, Expr]] = []
    if parser.at("by"):
        parser.next()
        groups = _named_list(parser)
    names = [n for n, _ in groups] + [a.name for a in aggregates]
    return _stats_stage(aggregates, groups), names


def _stats_stage(aggregates: list[Aggregate], groups: list[tuple[str, Expr]]) -> Stage:
    group_exprs = [e for _, e in groups]
    group_names = [n for n, _ in groups]
    only_counts = all(a.func == "count" and a.arg is None for a in aggregates)
    time_groups = [getattr(e, "is_time", False) for e in group_exprs]

    def stage(rows: list[Row]) -> list[Row]:
        if len(group_exprs) == 1:
            key_of: Callable[[Row], Any] = group_exprs[0]
        else:
            key_of = lambda r: tuple(g(r) for g in group_exprs)  # noqa: E731
        out: list[Row] = []
        if only_counts:  # the common count(*) by … runs without per-row state
            counts: dict[Any, int] = {}
            get = counts.get
            for row in rows:
                key = key_of(row)
                counts[key] = get(key, 0) + 1
            buckets: dict[Any, list[Row]] | None = None
            keys = list(counts)
        else:
            buckets = {}
            for row in rows:
                buckets.setdefault(key_of(row), []).append(row)
            keys = list(buckets)
        if not group_exprs:
            keys = [()]
        for key in keys:
            values = (key,) if len(group_exprs) == 1 else key
            result: Row = {
                n: Time(v) if t and v is not None else v for n, v, t in zip(group_names, values, time_groups)
            }
            if any(v is None for v in values) and group_exprs:
                continue  # an event without a by-field belongs to no group (docs silent)
            for agg in aggregates:
                if buckets is None:
                    result[agg.name] = counts.get(key, 0) if group_exprs else len(rows)
                else:
                    result[agg.name] = _aggregate(agg, buckets.get(key, []) if group_exprs else rows)
            out.append(result)
        # Group order is not documented; groups come in ascending order of their by-values.
        out.sort(key=lambda r: tuple(_natural_key(r.get(n)) for n in group_names))
        return out

    return stage


def _aggregate(agg: Aggregate, rows: list[Row]) -> Any:
    """One aggregate over one group's rows; missing values are skipped (count(f) counts the
    events that have f, "stats" functions table)."""
    if agg.arg is None:
        return len(rows)
    arg = agg.arg
    present = [(r, v) for r in rows if (v := arg(r)) is not None]
    if agg.func == "count":
        return len(present)
    if agg.func == "count_distinct":
        return len({_text(v) for _, v in present})
    if agg.func in ("earliest", "latest"):
        if not present:
            return None
        pick = min if agg.func == "earliest" else max
        _, value = pick(present, key=lambda p: p[0].get("@timestamp") or 0)
        return value
    numbers = [n for _, v in present if (n := _num(v)) is not None]
    if not numbers:
        return None
    timestamp = agg.arg_name in ("@timestamp", "@ingestionTime")
    if agg.func == "sum":
        return sum(numbers)
    if agg.func == "avg":
        return sum(numbers) / len(numbers)
    if agg.func == "min":
        return Time(min(numbers)) if timestamp else min(numbers)
    if agg.func == "max":
        return Time(max(numbers)) if timestamp else max(numbers)
    # pct: nearest rank (AWS calls pct approximate and does not name its method).
    ordered = sorted(numbers)
    rank = max(1, math.ceil(agg.param / 100 * len(ordered)))
    return ordered[rank - 1]
