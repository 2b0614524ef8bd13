"""Emulator plugin: CloudWatch Logs Insights queries answered by :mod:`labkit.aws.insights`.

moto's ``StartQuery`` knows only ``fields``/``sort``/``limit`` and returns every event for a
``filter`` or ``stats`` it does not understand. This plugin answers:

* ``logs.StartQuery`` — ``logGroupName`` / ``logGroupNames`` / ``logGroupIdentifiers`` (names or
  ARNs), ``startTime``/``endTime`` (epoch seconds, both inclusive), ``queryString``, ``limit``
  (1–10,000; https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StartQuery.html).
  The query compiles here, so a malformed one fails at StartQuery with ``MalformedQueryException``.
  Any other parameter (``queryLanguage`` other than CWLI, ``queryId`` lists…) raises
  :class:`~labkit.exceptions.UnsupportedOperation` naming it.
* ``logs.GetQueryResults`` — ``results`` as lists of ``{field, value}`` (string values),
  ``statistics`` (``recordsMatched``, ``recordsScanned``, ``bytesScanned``) and ``status``.
  The query runs when it starts, over the events stored at that lab moment, and reports
  ``Complete`` at the first GetQueryResults: AWS documents the statuses (Scheduled, Running,
  Complete, …) but no duration, and a lab clock that only moves when the notebook moves it
  would hold a polling loop on ``Running`` for ever. A row that is one event carries ``@ptr``.
* ``logs.GetLogRecord`` — the event behind an ``@ptr`` this lab's queries returned: its ``@``
  fields (timestamps as epoch-millisecond strings) and discovered JSON fields.
* ``logs.StopQuery`` — ``success`` is ``false`` for a query that already completed, as every
  emulated query has ("true if the query was stopped by the StopQuery operation", API_StopQuery).
* ``logs.DescribeQueries`` — the queries started in this lab (moto never sees them).
* ``logs.PutQueryDefinition`` / ``DescribeQueryDefinitions`` / ``DeleteQueryDefinition`` — saved
  queries, which moto lacks (API_PutQueryDefinition: a ``queryDefinitionId`` updates that
  definition, replacing name, queryString and logGroupNames — "no current values are retained" —
  and an unknown one is ``ResourceNotFoundException``). The API reference does not say
  whether a saved query string is checked; labkit checks it as StartQuery would, so a definition
  that could never run is refused at once. Definitions are listed by name (order undocumented).

Taught in notebook 08-investigate; the engine's rules are in :mod:`labkit.aws.insights`.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from labkit.aws.insights import DEFAULT_LIMIT, MalformedQuery, compile, format_value
from labkit.aws.insights.engine import with_discovered_fields
from labkit.emulator.core import Call, Emulator
from labkit.emulator.logs_filters import _events, _source
from labkit.exceptions import ServiceError, UnsupportedOperation
from labkit.i18n import N_, _

#: labkit's refusals (English, marked for the catalogue; shown in the lab's language).
NOT_EMULATED = N_("the parameter {name} is not emulated")
OTHER_LANGUAGE = N_("queryLanguage {language} is valid on AWS but only Logs Insights QL (CWLI) is run offline")

_HANDLED = {
    "logGroupName",
    "logGroupNames",
    "logGroupIdentifiers",
    "startTime",
    "endTime",
    "queryString",
    "limit",
    "queryLanguage",
}


class LogsInsights:
    """The plugin's per-lab object: the queries started in the lab, by id."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.queries: dict[str, dict[str, Any]] = {}
        self.definitions: dict[str, dict[str, Any]] = {}
        self.records: dict[str, dict[str, Any]] = {}  # @ptr -> the event (GetLogRecord)

    def start_query(self, call: Call) -> dict[str, Any]:
        """Answer ``StartQuery``: compile, read the groups' events in range, run."""
        params = call.params
        for name in params:
            if name not in _HANDLED:
                raise UnsupportedOperation("logs", "StartQuery", "moto", _(NOT_EMULATED).format(name=name))
        if params.get("queryLanguage", "CWLI") != "CWLI":
            raise UnsupportedOperation(
                "logs", "StartQuery", "moto", _(OTHER_LANGUAGE).format(language=params["queryLanguage"])
            )
        groups = _groups(params)
        start, end = int(params["startTime"]), int(params["endTime"])
        if end < start:
            raise ServiceError("InvalidParameterException", "End time should not be before the start time")
        limit = params.get("limit", DEFAULT_LIMIT)
        if not 1 <= limit <= DEFAULT_LIMIT:
            raise ServiceError(
                "InvalidParameterException",
                f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: "
                f"Member must have value less than or equal to {DEFAULT_LIMIT}",
            )
        try:
            plan = compile(params["queryString"])
        except MalformedQuery as error:
            raise ServiceError("MalformedQueryException", str(error)) from None
        events = query_events(call, groups, start, end)
        result = plan.run(events)
        query_id = str(uuid.UUID(int=self.emulator_random(call)))
        by_pointer = {e["@ptr"]: e for e in events} if any("@ptr" in r for r in result.rows[:limit]) else {}
        rows = []
        for row in result.rows[:limit]:
            if "@ptr" in row:
                pointer = base64.urlsafe_b64encode("\n".join(row["@ptr"]).encode()).decode()
                self.records[pointer] = by_pointer[row["@ptr"]]
                row = {**row, "@ptr": pointer}
            rows.append(
                [
                    {"field": name, "value": format_value(name, value)}
                    for name, value in row.items()
                    if value is not None
                ]
            )
        self.queries[query_id] = {
            "queryId": query_id,
            "queryString": params["queryString"],
            "status": "Complete",
            "createTime": int(call.lab.clock.now().timestamp() * 1000),
            "logGroupName": groups[0],
            "results": rows,
            "statistics": {
                "recordsMatched": float(result.records_matched),
                "recordsScanned": float(result.records_scanned),
                "bytesScanned": float(result.bytes_scanned),
            },
        }
        return {"queryId": query_id}

    def emulator_random(self, call: Call) -> int:
        """A query id reproducible within a lab (seeded by the query count, as the notebooks need)."""
        return uuid.uuid5(uuid.NAMESPACE_URL, f"labkit-insights/{call.lab.account_id}/{len(self.queries)}").int

    def get_query_results(self, call: Call) -> dict[str, Any]:
        """Answer ``GetQueryResults``."""
        query = self._query(call)
        return {"results": query["results"], "statistics": query["statistics"], "status": query["status"]}

    def stop_query(self, call: Call) -> dict[str, Any]:
        """Answer ``StopQuery``: every emulated query has completed, so nothing is stopped."""
        self._query(call)
        return {"success": False}

    def describe_queries(self, call: Call) -> dict[str, Any]:
        """Answer ``DescribeQueries`` (``logGroupName``, ``status``, ``maxResults``)."""
        params = call.params
        for name in params:
            if name not in ("logGroupName", "status", "maxResults"):
                raise UnsupportedOperation("logs", "DescribeQueries", "moto", _(NOT_EMULATED).format(name=name))
        found = [
            {k: q[k] for k in ("queryId", "queryString", "status", "createTime", "logGroupName")}
            for q in self.queries.values()
            if params.get("logGroupName") in (None, q["logGroupName"]) and params.get("status") in (None, q["status"])
        ]
        return {"queries": found[: params.get("maxResults", 1000)]}

    def put_query_definition(self, call: Call) -> dict[str, Any]:
        """Answer ``PutQueryDefinition`` (create, or update by ``queryDefinitionId``)."""
        params = call.params
        for name in params:
            if name not in (
                "name",
                "queryDefinitionId",
                "logGroupNames",
                "queryString",
                "clientToken",
                "queryLanguage",
            ):
                raise UnsupportedOperation("logs", "PutQueryDefinition", "moto", _(NOT_EMULATED).format(name=name))
        if params.get("queryLanguage", "CWLI") != "CWLI":
            raise UnsupportedOperation(
                "logs", "PutQueryDefinition", "moto", _(OTHER_LANGUAGE).format(language=params["queryLanguage"])
            )
        try:
            compile(params["queryString"])
        except MalformedQuery as error:
            raise ServiceError("MalformedQueryException", str(error)) from None
        definition_id = params.get("queryDefinitionId")
        if definition_id is not None and definition_id not in self.definitions:
            raise ServiceError("ResourceNotFoundException", f"Query definition {definition_id} does not exist")
        if definition_id is None:
            definition_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"labkit-insights-definition/{len(self.definitions)}"))
        self.definitions[definition_id] = {
            "queryDefinitionId": definition_id,
            "name": params["name"],
            "queryString": params["queryString"],
            "lastModified": int(call.lab.clock.now().timestamp() * 1000),
            "logGroupNames": list(params.get("logGroupNames", [])),
        }
        return {"queryDefinitionId": definition_id}

    def describe_query_definitions(self, call: Call) -> dict[str, Any]:
        """Answer ``DescribeQueryDefinitions`` (``queryDefinitionNamePrefix``, ``maxResults``, ``nextToken``)."""
        params = call.params
        for name in params:
            if name not in ("queryDefinitionNamePrefix", "maxResults", "nextToken", "queryLanguage"):
                raise UnsupportedOperation(
                    "logs", "DescribeQueryDefinitions", "moto", _(NOT_EMULATED).format(name=name)
                )
        prefix = params.get("queryDefinitionNamePrefix", "")
        found = sorted(
            (d for d in self.definitions.values() if d["name"].startswith(prefix)),
            key=lambda d: (d["name"], d["queryDefinitionId"]),
        )
        start = int(params["nextToken"]) if str(params.get("nextToken", "")).isdigit() else 0
        size = params.get("maxResults", 1000)
        reply: dict[str, Any] = {"queryDefinitions": [dict(d) for d in found[start : start + size]]}
        if start + size < len(found):
            reply["nextToken"] = str(start + size)
        return reply

    def delete_query_definition(self, call: Call) -> dict[str, Any]:
        """Answer ``DeleteQueryDefinition``."""
        definition_id = call.params.get("queryDefinitionId", "")
        if self.definitions.pop(definition_id, None) is None:
            raise ServiceError("ResourceNotFoundException", f"Query definition {definition_id} does not exist")
        return {"success": True}

    def get_log_record(self, call: Call) -> dict[str, Any]:
        """Answer ``GetLogRecord`` for a pointer a query of this lab returned."""
        if call.params.get("unmask"):
            raise UnsupportedOperation("logs", "GetLogRecord", "moto", _("unmask (data protection) is not emulated"))
        event = self.records.get(call.params.get("logRecordPointer", ""))
        if event is None:
            raise ServiceError("InvalidParameterException", "The specified log record pointer is not valid")
        # format_value under no field name: epoch-ms timestamps stay numbers, JSON true is "true".
        record = {
            k: format_value("", v) for k, v in with_discovered_fields(event).items() if k != "@ptr" and v is not None
        }
        return {"logRecord": record}

    def serve_internal(self, client: Any) -> None:
        """Answer a kit-internal ``logs`` client too: queries and saved queries live only here, and
        checkers and teardown must see what learners made (notebook 08-investigate)."""
        self.emulator.answer_internal(
            client,
            "logs",
            {
                "StartQuery": self.start_query,
                "GetQueryResults": self.get_query_results,
                "PutQueryDefinition": self.put_query_definition,
                "DescribeQueryDefinitions": self.describe_query_definitions,
                "DeleteQueryDefinition": self.delete_query_definition,
            },
        )

    def _query(self, call: Call) -> dict[str, Any]:
        query_id = call.params.get("queryId", "")
        if query_id not in self.queries:
            raise ServiceError("ResourceNotFoundException", f"Query does not exist: {query_id}")
        return self.queries[query_id]


def query_events(call: Call, groups: list[str], start: int, end: int) -> list[dict[str, Any]]:
    """The events of log ``groups`` (names) a query from ``start`` to ``end`` (epoch seconds, both inclusive: the
    end second is included whole) reads, as Logs Insights rows. Raises ``ResourceNotFoundException`` for a
    missing group. Log alarms' scheduled executions read their events here too (:mod:`cloudwatch_log_alarms`)."""
    account = call.lab.account_id
    events: list[dict[str, Any]] = []
    for group in groups:
        source = _source(call, group)
        for stream in source.stream_names(None):
            for event in _events(source, stream, start * 1000, end * 1000 + 999):
                events.append(
                    {
                        "@timestamp": event["timestamp"],
                        "@message": event["message"],
                        "@logStream": stream,
                        "@log": f"{account}:{group}",
                        "@ingestionTime": event["ingestionTime"],
                        "@ptr": (group, stream, event["eventId"]),
                    }
                )
    return events


def group_names(identifiers: list[str]) -> list[str]:
    """Log group names from names or ARNs (``arn:aws:logs:<region>:<account>:log-group:<name>[:*]``)."""
    out = []
    for name in identifiers:
        if name.startswith("arn:"):
            name = name.split(":log-group:", 1)[-1]
            name = name[:-2] if name.endswith(":*") else name
        out.append(name)
    return out


def _groups(params: dict[str, Any]) -> list[str]:
    """Exactly one of logGroupName, logGroupNames, logGroupIdentifiers (API_StartQuery)."""
    given = [k for k in ("logGroupName", "logGroupNames", "logGroupIdentifiers") if params.get(k)]
    if len(given) != 1:
        raise ServiceError(
            "InvalidParameterException",
            "Exactly one of logGroupName, logGroupNames or logGroupIdentifiers must be specified",
        )
    value = params[given[0]]
    return group_names([value] if isinstance(value, str) else list(value))


def install(emulator: Emulator) -> LogsInsights:
    """Register the Logs Insights answers on ``emulator``."""
    plugin = LogsInsights(emulator)
    emulator.answers("logs", "StartQuery")(plugin.start_query)
    emulator.answers("logs", "GetQueryResults")(plugin.get_query_results)
    emulator.answers("logs", "StopQuery")(plugin.stop_query)
    emulator.answers("logs", "DescribeQueries")(plugin.describe_queries)
    emulator.answers("logs", "GetLogRecord")(plugin.get_log_record)
    emulator.answers("logs", "PutQueryDefinition")(plugin.put_query_definition)
    emulator.answers("logs", "DescribeQueryDefinitions")(plugin.describe_query_definitions)
    emulator.answers("logs", "DeleteQueryDefinition")(plugin.delete_query_definition)
    return plugin
