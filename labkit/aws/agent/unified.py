"""The unified CloudWatch agent: its JSON configuration, a check against AWS's documented rules, and a
converter from the legacy ``awslogs.conf``.

AWS recommends the unified agent over the deprecated awslogs agent the article installs
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AgentReference.html, "Important").
Field meanings and the rules :func:`validate_unified` applies follow "Manually create or edit the
CloudWatch agent configuration file" (CONFIG_DETAILS_URL), written down in
:mod:`labkit.aws.agent.unified_rules`; the kit needs no file outside itself. Tests cross-check those rules
against the agent's own JSON schema when it is at hand.

Taught in notebook 04-log-agent-config.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from labkit.aws.jsonschema_import import import_jsonschema
from labkit.aws.agent.awslogs import (
    MAX_BATCH_COUNT,
    MAX_BATCH_SIZE,
    STREAM_NAME_VARIABLES,
    TIMESTAMP_DIFFERENCES_URL,
    LogSource,
    directive_problems,
    parse_awslogs_conf,
    stream_name_problems,
    validate_awslogs_conf,
)
from labkit.aws.agent.problems import N_, Problem, invalid, unchecked, word
from labkit.aws.agent.unified_rules import CHECKED_LOG_SOURCES, CHECKED_PLUGINS, RULES

CONFIG_DETAILS_URL = (
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-Configuration-File-Details.html"
)
#: Where AWS recommends keeping the file on Linux (CONFIG_DETAILS_URL).
CONFIG_PATH = "/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json"
#: timestamp_format symbols of the unified agent: "supported by both agents" plus "only by the
#: unified agent" (TIMESTAMP_DIFFERENCES_URL); ``%-X`` is the non-padded form of these letters.
UNIFIED_DIRECTIVES = frozenset("AabBdHImMpSyYZz%")
UNIFIED_DASH_DIRECTIVES = frozenset("dImMS")
#: log_stream_name variables of the unified agent (CONFIG_DETAILS_URL, logs section).
UNIFIED_STREAM_VARIABLES = STREAM_NAME_VARIABLES | {"local_hostname"}
#: The CWAgent metrics the lab collects beside the logs: memory and root-disk use, which EC2
#: does not report by itself, one series per instance.
DEFAULT_METRICS: dict[str, Any] = {
    "namespace": "CWAgent",
    "append_dimensions": {"InstanceId": "${aws:InstanceId}"},
    "metrics_collected": {
        "mem": {"measurement": ["mem_used_percent"]},
        "disk": {"measurement": ["used_percent"], "resources": ["/"]},
    },
}

#: Python codec names (as ``codecs.lookup(...).name`` gives them) to the unified agent's encoding
#: names (CONFIG_DETAILS_URL, ``encoding``); a codec missing here has no unified equivalent.
_ENCODINGS = {
    "ascii": "ascii",
    "big5": "big5",
    "euc_jp": "euc-jp",
    "euc_kr": "euc-kr",
    "gbk": "gbk",
    "gb18030": "gb18030",
    "cp866": "ibm866",
    "iso2022_jp": "iso2022-jp",
    "koi8-r": "koi8-r",
    "koi8-u": "koi8-u",
    "mac-roman": "macintosh",
    "mac-cyrillic": "x-mac-cyrillic",
    "shift_jis": "shift_jis",
    "utf-8": "utf-8",
    "utf-16": "utf-16",
    "cp874": "windows-874",
    **{f"iso8859-{n}": f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)},
    **{f"cp125{n}": f"windows-125{n}" for n in range(9)},
}
#: Regex features Python has and the agent's Go (RE2) engine lacks: lookarounds, backreferences.
_NOT_RE2 = re.compile(r"\(\?<?[=!]|\\[1-9]")
#: Legacy-only options, with why the converter drops them.
_DROPPED = {
    "initial_position": word(N_("the unified agent has no initial_position option")),
    "file_fingerprint_lines": word(N_("the unified agent has no file_fingerprint_lines option")),
    "buffer_duration": word(N_("the unified agent batches by itself (logs.force_flush_interval, default 5 s)")),
    "batch_count": word(N_("the unified agent fills batches up to the PutLogEvents limits by itself")),
    "batch_size": word(N_("the unified agent fills batches up to the PutLogEvents limits by itself")),
}
#: What :func:`validate_unified` says before the problems of a configuration.
UNIFIED_SUMMARY = Problem("", N_("not a valid unified CloudWatch agent configuration ({url})"), url=CONFIG_DETAILS_URL)
#: What :func:`unified_config` says before what the unified agent cannot do.
CANNOT_SUMMARY = Problem("", N_("the unified CloudWatch agent cannot do this"))
#: A shown value longer than this is cut (jsonschema would print a whole section back).
_SHOWN = 80


@dataclass
class Conversion:
    """The unified configuration made from an ``awslogs.conf``, and what could not be carried over."""

    config: dict[str, Any]
    #: ``[section] option: why`` texts, each a :class:`~labkit.aws.agent.problems.Problem` when the converter
    #: wrote it (:mod:`labkit.lesson.agent` gives them in the lab's language, as plain text).
    notes: list[str] = field(default_factory=list)


def unified_config(sources: list[LogSource], region: str | None = None, *, metrics: bool = True) -> dict[str, Any]:
    """The unified agent configuration that ships ``sources`` (and, by default, mem/disk metrics).

    ``run_as_user`` is written as ``root`` on purpose: ``/var/log/secure`` is readable by root
    only, and a non-root agent "must have Read (r) permissions for the log files to be
    collected" (CloudWatch-Agent-common-scenarios.html#CloudWatch-Agent-run-as-user).
    Raises :class:`InvalidAgentConfig` if a source uses something the unified agent lacks.
    """
    notes: list[Problem] = []
    entries = [_entry(source, f"[{source.file}]", notes) for source in sources]
    if notes:
        raise invalid(CANNOT_SUMMARY, notes)
    # A deep copy of DEFAULT_METRICS, so that the caller may edit the result.
    return _config(entries, region, json.loads(json.dumps(DEFAULT_METRICS)) if metrics else None)


def convert_awslogs_conf(text: str, awscli_conf: str | None = None) -> Conversion:
    """Convert a legacy ``awslogs.conf`` (and optionally its ``awscli.conf``, for the region).

    Mapped: file → file_path, log_group_name, log_stream_name, datetime_format →
    timestamp_format (when every symbol exists in the unified agent), time_zone → timezone,
    multi_line_start_pattern (``{datetime_format}`` → ``{timestamp_format}``), encoding (Python
    codec name → the unified agent's name). Everything else is listed in ``notes``.
    """
    sources = validate_awslogs_conf(text)
    sections = parse_awslogs_conf(text)
    notes = [
        Problem(f"[general] {key}", N_("not carried over; the unified agent keeps its own state and log file"))
        for key in sections.get("general", {})
    ]
    names = [name for name in sections if name != "general"]  # in the order of ``sources``
    region = None
    if awscli_conf is not None:
        region = parse_awslogs_conf(awscli_conf).get("default", {}).get("region")
    entries = [_entry(source, f"[{name}]", notes) for name, source in zip(names, sources)]
    return Conversion(_config(entries, region), [*notes])


def source_from_collect_list(entry: Mapping[str, Any]) -> LogSource:
    """The :class:`LogSource` a unified ``collect_list`` entry amounts to, with its defaults.

    Defaults from CONFIG_DETAILS_URL: the log group is the file path up to its final dot, the
    stream ``{instance_id}``, the time zone Local. Batches fill up to the PutLogEvents limits.
    """
    file_path = str(entry["file_path"])
    timestamp_format = entry.get("timestamp_format")
    pattern = entry.get("multi_line_start_pattern")
    timezone = entry.get("timezone")
    return LogSource(
        file=file_path,
        log_group=entry.get("log_group_name") or file_path.rsplit(".", 1)[0],
        stream_name=entry.get("log_stream_name") or "{instance_id}",
        # Python's strptime reads non-padded numbers with the plain directive.
        datetime_format=timestamp_format.replace("%-", "%") if timestamp_format else None,
        time_zone=None if timezone is None else ("UTC" if timezone == "UTC" else "LOCAL"),
        multi_line_start_pattern="{datetime_format}" if pattern == "{timestamp_format}" else pattern,
        batch_count=MAX_BATCH_COUNT,
        batch_size=MAX_BATCH_SIZE,
    )


def validate_unified(config: Mapping[str, Any]) -> None:
    """Check a unified agent configuration against the rules of CONFIG_DETAILS_URL.

    Raises :class:`InvalidAgentConfig` listing :func:`unified_problems`, or
    :class:`UncheckedAgentConfig` naming the :func:`unchecked_parts` of an otherwise valid file.
    """
    problems = unified_problems(config)
    if problems:
        raise invalid(UNIFIED_SUMMARY, problems)
    parts = unchecked_parts(config)
    if parts:
        raise unchecked(
            Problem(
                "",
                N_(
                    "labkit checks the agent, metrics and logs sections of the unified CloudWatch agent "
                    "configuration; these parts were not checked: {parts}. Check the file on an instance with "
                    "amazon-cloudwatch-agent-ctl -a fetch-config, which validates it."
                ),
                parts=", ".join(parts),
            )
        )


def unified_problems(config: Any) -> list[Problem]:
    """What AWS's rules (CONFIG_DETAILS_URL) find wrong in ``config``, each as ``$.json.path: problem``.

    Structure, types, allowed values and required fields come from :data:`RULES`, checked by
    jsonschema (each of its errors said by :func:`schema_problems`, not in jsonschema's own words);
    beyond them, each ``collect_list`` entry is checked with :func:`collect_list_entry_problems`.
    Sorted; empty if the checked parts are valid.
    """
    validator = import_jsonschema().Draft7Validator(RULES)  # imported here: `import labkit.aws.agent` stays light
    problems = [problem for error in validator.iter_errors(config) for problem in schema_problems(error)]
    if not problems:
        problems = _entry_problems(config)
    return sorted(set(problems), key=str)


def unchecked_parts(config: Mapping[str, Any]) -> list[str]:
    """JSON paths of the parts of ``config`` that :data:`RULES` do not describe (traces, Windows events…)."""
    parts = [f"$.{section}" for section in ("traces", "opentelemetry") if section in config]
    metrics = config.get("metrics", {})
    parts += [
        f"$.metrics.metrics_collected.{name}"
        for name in metrics.get("metrics_collected", {})
        if name not in CHECKED_PLUGINS
    ]
    parts += ["$.metrics.metrics_destinations"] if "metrics_destinations" in metrics else []
    logs = config.get("logs", {})
    parts += [
        f"$.logs.logs_collected.{name}" for name in logs.get("logs_collected", {}) if name not in CHECKED_LOG_SOURCES
    ]
    parts += ["$.logs.metrics_collected"] if "metrics_collected" in logs else []
    return parts


#: The JSON Schema keywords :func:`schema_problems` says in the kit's words; :data:`RULES` uses no other
#: (tests/test_agent_messages.py walks RULES to check it).
SCHEMA_KEYWORDS = frozenset(
    {
        "additionalProperties",
        "anyOf",
        "const",
        "enum",
        "maxItems",
        "maxLength",
        "maxProperties",
        "maximum",
        "minItems",
        "minLength",
        "minProperties",
        "minimum",
        "oneOf",
        "required",
        "type",
        "uniqueItems",
    }
)


def schema_problems(error: Any) -> list[Problem]:
    """The problems one jsonschema ``ValidationError`` stands for, at its JSON path, in the kit's words.

    The message comes from the kind of rule broken (``error.validator``) and its values, never from
    jsonschema's English, so that every one has a template the lesson layer translates. The English
    follows jsonschema's wording where it names the value; it does not print a whole object back.
    """
    where, kind, limit, instance = error.json_path, error.validator, error.validator_value, error.instance
    value = _shown(instance)
    if kind == "required":
        names = [name for name in limit if isinstance(instance, Mapping) and name not in instance]
        return [Problem(where, N_("{name} is a required property"), name=repr(name)) for name in names]
    if kind == "additionalProperties" and limit is False and isinstance(instance, Mapping):
        known = error.schema.get("properties", {})
        extras = [name for name in instance if name not in known]
        template = (
            N_("Additional properties are not allowed ({names} was unexpected)")
            if len(extras) == 1
            else N_("Additional properties are not allowed ({names} were unexpected)")
        )
        return [Problem(where, template, names=", ".join(repr(name) for name in extras))]
    if kind == "type":
        types = limit if isinstance(limit, list) else [limit]
        return [Problem(where, N_("{value} is not of type {types}"), value=value, types=", ".join(map(repr, types)))]
    if kind == "enum":
        return [Problem(where, N_("{value} is not one of {allowed}"), value=value, allowed=repr(limit))]
    if kind == "const":
        return [Problem(where, N_("{expected} was expected"), expected=repr(limit))]
    if kind in _BOUNDS:
        if kind.endswith(("Items", "Properties")):
            return [Problem(where, _BOUNDS[kind], count=len(instance), limit=limit)]
        return [Problem(where, _BOUNDS[kind], value=value, limit=limit)]
    if kind == "uniqueItems":
        return [Problem(where, N_("{value} has non-unique elements"), value=value)]
    if kind == "anyOf" and all(set(option) == {"required"} and len(option["required"]) == 1 for option in limit):
        keys = ", ".join(option["required"][0] for option in limit)
        template = N_("needs {keys} or both") if len(limit) == 2 else N_("needs at least one of {keys}")
        return [Problem(where, template, keys=keys)]
    if kind in ("anyOf", "oneOf"):
        return [Problem(where, N_("{value} is not valid under any of the given schemas"), value=value)]
    # A keyword RULES does not use today: named, with its value, rather than passed as valid.
    return [Problem(where, N_("{value} breaks the rule {rule}"), value=value, rule=f"{kind}: {limit!r}")]


_BOUNDS = {
    "minimum": N_("{value} is less than the minimum of {limit}"),
    "maximum": N_("{value} is greater than the maximum of {limit}"),
    "minLength": N_("{value} is too short (at least {limit} characters)"),
    "maxLength": N_("{value} is too long (at most {limit} characters)"),
    "minItems": N_("too few items ({count}; at least {limit})"),
    "maxItems": N_("too many items ({count}; at most {limit})"),
    "minProperties": N_("too few keys ({count}; at least {limit})"),
    "maxProperties": N_("too many keys ({count}; at most {limit})"),
}


def _shown(value: Any) -> str:
    """``repr(value)``, cut to about :data:`_SHOWN` characters (a string keeps its quotes)."""
    text = repr(value)
    if len(text) <= _SHOWN:
        return text
    return repr(value[:_SHOWN] + "…") if isinstance(value, str) else text[: _SHOWN - 1] + "…"


def collect_list_entry_problems(entry: Mapping[str, Any]) -> list[Problem]:
    """What the JSON rules cannot see wrong in one ``collect_list`` entry, each as ``field: problem``.

    timestamp_format symbols (TIMESTAMP_DIFFERENCES_URL), log_stream_name variables and the
    ``{timestamp_format}`` multi-line pattern without a timestamp_format (CONFIG_DETAILS_URL).
    """
    problems: list[Problem] = []
    fmt = entry.get("timestamp_format")
    if fmt is not None:
        problems += [
            p.at("timestamp_format").citing(TIMESTAMP_DIFFERENCES_URL)
            for p in directive_problems(fmt, UNIFIED_DIRECTIVES, UNIFIED_DASH_DIRECTIVES)
        ]
    if "log_stream_name" in entry:
        problems += [
            p.at("log_stream_name") for p in stream_name_problems(entry["log_stream_name"], UNIFIED_STREAM_VARIABLES)
        ]
    if entry.get("multi_line_start_pattern") == "{timestamp_format}" and fmt is None:
        problems.append(
            Problem("multi_line_start_pattern", N_("{variable} needs timestamp_format"), variable="{timestamp_format}")
        )
    return problems


def _entry_problems(config: Mapping[str, Any]) -> list[Problem]:
    logs = config.get("logs", {})
    problems: list[Problem] = []
    if "log_stream_name" in logs:
        problems += [
            p.at("$.logs.log_stream_name")
            for p in stream_name_problems(logs["log_stream_name"], UNIFIED_STREAM_VARIABLES)
        ]
    entries = logs.get("logs_collected", {}).get("files", {}).get("collect_list", [])
    for index, entry in enumerate(entries):
        problems += [
            p.at(f"$.logs.logs_collected.files.collect_list[{index}]", ".") for p in collect_list_entry_problems(entry)
        ]
    return problems


def _config(entries: list[dict[str, Any]], region: str | None, metrics: dict[str, Any] | None = None) -> dict[str, Any]:
    agent: dict[str, Any] = {"run_as_user": "root"}
    if region:
        agent["region"] = region
    config: dict[str, Any] = {"agent": agent}
    if metrics is not None:
        config["metrics"] = metrics
    config["logs"] = {"logs_collected": {"files": {"collect_list": entries}}}
    return config


def _entry(source: LogSource, where: str, notes: list[Problem]) -> dict[str, Any]:
    """One collect_list entry for ``source``; what it cannot express goes to ``notes`` after ``where``."""
    entry: dict[str, Any] = {
        "file_path": source.file,
        "log_group_name": source.log_group,
        "log_stream_name": source.stream_name,
    }
    if source.datetime_format is not None:
        missing = directive_problems(source.datetime_format, UNIFIED_DIRECTIVES, UNIFIED_DASH_DIRECTIVES)
        if missing:
            notes += [
                Problem(
                    f"{where} datetime_format",
                    N_(
                        "{problem} in the unified agent; timestamp_format left out, so events get the time they "
                        "are read"
                    ),
                    problem=p,
                )
                for p in missing
            ]
        else:
            entry["timestamp_format"] = source.datetime_format
    if source.time_zone is not None:
        entry["timezone"] = "UTC" if source.time_zone == "UTC" else "Local"
    pattern = source.multi_line_start_pattern
    if pattern == "{datetime_format}":
        if "timestamp_format" in entry:
            entry["multi_line_start_pattern"] = "{timestamp_format}"
        else:
            notes.append(
                Problem(
                    f"{where} multi_line_start_pattern",
                    N_("{variable} dropped with datetime_format"),
                    variable="{datetime_format}",
                )
            )
    elif pattern is not None:
        if _NOT_RE2.search(pattern):
            notes.append(
                Problem(
                    f"{where} multi_line_start_pattern",
                    N_(
                        "{value} uses lookarounds or backreferences, which the unified agent's Go regular "
                        "expressions lack; dropped"
                    ),
                    value=repr(pattern),
                )
            )
        else:
            entry["multi_line_start_pattern"] = pattern
    if source.encoding is not None:
        encoding = _unified_encoding(source.encoding)
        if encoding is None:
            notes.append(
                Problem(
                    f"{where} encoding",
                    N_("{value} has no unified-agent equivalent; dropped"),
                    value=repr(source.encoding),
                )
            )
        elif encoding != "utf-8":
            entry["encoding"] = encoding
    options = source.options()
    notes += [
        Problem(f"{where} {key}", N_("not carried over; {why}"), why=why)
        for key, why in _DROPPED.items()
        if key in options
    ]
    return entry


def _unified_encoding(python_name: str) -> str | None:
    return _ENCODINGS.get(codecs.lookup(python_name).name)
