"""The legacy CloudWatch Logs agent (``awslogs``): its two files, and a check of every option.

The article installs this agent on Amazon Linux 2 (``yum install -y awslogs``), sets the region in
``/etc/awslogs/awscli.conf`` and adds a ``[/var/log/secure]`` section to
``/etc/awslogs/awslogs.conf``. AWS has deprecated the agent in favour of the unified CloudWatch
agent (see :mod:`labkit.aws.agent.unified`), but it is what the article runs, so the lab generates
and checks it exactly.

Every rule here comes from the CloudWatch Logs agent reference,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AgentReference.html, and the quick
start, https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/QuickStartEC2Instance.html.

Taught in notebook 04-log-agent-config.
"""

from __future__ import annotations

import codecs
import configparser
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from labkit.aws.agent.problems import N_, Problem, invalid, word
from labkit.aws.agent.python_errors import REGEX_FAILURES, python_says, regex_failure

AGENT_REFERENCE_URL = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AgentReference.html"
TIMESTAMP_DIFFERENCES_URL = (
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/"
    "CloudWatch-Agent-common-scenarios.html#CloudWatch-Agent-logs-timestamp-differences"
)

AWSCLI_CONF_PATH = "/etc/awslogs/awscli.conf"
AWSLOGS_CONF_PATH = "/etc/awslogs/awslogs.conf"
#: Where the Amazon Linux 2 ``awslogs`` package keeps the agent's read positions.
STATE_FILE = "/var/lib/awslogs/agent-state"
#: The article's timestamp format: syslog's ``Nov 26 10:15:01``.
SYSLOG_DATETIME_FORMAT = "%b %d %H:%M:%S"

#: PutLogEvents limits (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
#: API_PutLogEvents.html): at most 10,000 events and 1,048,576 bytes a call, where
#: an event counts its UTF-8 message plus 26 bytes. The agent's batch_count and batch_size top
#: out at the same numbers (agent reference).
MAX_BATCH_COUNT = 10_000
MAX_BATCH_SIZE = 1_048_576
EVENT_OVERHEAD_BYTES = 26
#: The agent reference's defaults for a log stream section.
DEFAULT_BUFFER_DURATION_MS = 5_000
DEFAULT_BATCH_COUNT = 1_000
DEFAULT_BATCH_SIZE = 32_768
#: "The minimum value is 5000ms" (agent reference, buffer_duration).
MIN_BUFFER_DURATION_MS = 5_000

GENERAL_OPTIONS = frozenset({"state_file", "logging_config_file", "use_gzip_http_content_encoding"})
STREAM_OPTIONS = frozenset(
    {
        "log_group_name",
        "log_stream_name",
        "datetime_format",
        "time_zone",
        "file",
        "file_fingerprint_lines",
        "multi_line_start_pattern",
        "initial_position",
        "encoding",
        "buffer_duration",
        "batch_count",
        "batch_size",
    }
)
#: The reference gives no default for these, so a section without them has nowhere to send.
REQUIRED_STREAM_OPTIONS = ("file", "log_group_name", "log_stream_name")
#: ``log_stream_name`` may use these variables (agent reference).
STREAM_NAME_VARIABLES = frozenset({"instance_id", "hostname", "ip_address"})

#: Timestamp symbols the legacy agent supports: the "supported by both agents" and "only by the
#: older CloudWatch Logs agent" columns of AWS's table (TIMESTAMP_DIFFERENCES_URL). The table
#: prints the 12-hour hour as ``%l``; the agent is Python ``strptime``, whose symbol is ``%I``
#: (and the agent reference lists ``%I``), so ``%I`` is what is accepted. ``%%`` is a literal %.
LEGACY_DIRECTIVES = frozenset("AabBdHImMpSyYZzcfjUWw%")

_LOG_GROUP_NAME = re.compile(r"[A-Za-z0-9_\-/.]{1,512}")
_VARIABLE = re.compile(r"\{([^{}]*)\}")
_FINGERPRINT_LINES = re.compile(r"(\d+)(?:-(\d+))?")


@dataclass(frozen=True)
class LogSource:
    """One log file to ship: a ``[section]`` of ``awslogs.conf`` or one unified ``collect_list`` entry.

    Options left as ``None`` are not written, so the agent uses its documented default; the
    article's section is ``LogSource("/var/log/secure", "ssh_logs")``. ``stream_name`` defaults
    to ``{instance_id}`` followed by the file path, as in the article.
    """

    file: str
    log_group: str
    stream_name: str = ""
    datetime_format: str | None = SYSLOG_DATETIME_FORMAT
    time_zone: str | None = None
    initial_position: str | None = None
    encoding: str | None = None
    multi_line_start_pattern: str | None = None
    file_fingerprint_lines: str | None = None
    buffer_duration: int | None = None
    batch_count: int | None = None
    batch_size: int | None = None

    def __post_init__(self) -> None:
        if not self.stream_name:
            separator = "" if self.file.startswith("/") else "/"
            object.__setattr__(self, "stream_name", "{instance_id}" + separator + self.file)

    def options(self) -> dict[str, str]:
        """The section's ``option = value`` lines in the order the article writes them."""
        values: dict[str, object] = {
            "file": self.file,
            "log_group_name": self.log_group,
            "log_stream_name": self.stream_name,
            "datetime_format": self.datetime_format,
            "time_zone": self.time_zone,
            "initial_position": self.initial_position,
            "encoding": self.encoding,
            "multi_line_start_pattern": self.multi_line_start_pattern,
            "file_fingerprint_lines": self.file_fingerprint_lines,
            "buffer_duration": self.buffer_duration,
            "batch_count": self.batch_count,
            "batch_size": self.batch_size,
        }
        return {key: str(value) for key, value in values.items() if value is not None}

    @classmethod
    def from_options(cls, options: Mapping[str, str]) -> LogSource:
        """Build a source from an (already validated) ``awslogs.conf`` section."""
        integers = {"buffer_duration", "batch_count", "batch_size"}
        renamed = {"log_group_name": "log_group", "log_stream_name": "stream_name"}
        kwargs: dict[str, Any] = {"datetime_format": None}
        for key, value in options.items():
            kwargs[renamed.get(key, key)] = int(value) if key in integers else value
        return cls(**kwargs)

    @property
    def effective_batch_count(self) -> int:
        """``batch_count``, or the agent's default of 1,000."""
        return DEFAULT_BATCH_COUNT if self.batch_count is None else self.batch_count

    @property
    def effective_batch_size(self) -> int:
        """``batch_size``, or the agent's default of 32,768 bytes."""
        return DEFAULT_BATCH_SIZE if self.batch_size is None else self.batch_size


def awscli_conf(region: str) -> str:
    """``/etc/awslogs/awscli.conf``: the CLI plugin line and the region to send to.

    The package's default region is us-east-1; the quick start says to edit this file to send
    elsewhere (QuickStartEC2Instance.html, step 2).
    """
    return f"[plugins]\ncwlogs = cwlogs\n[default]\nregion = {region}\n"


def awslogs_conf(sources: list[LogSource], state_file: str = STATE_FILE) -> str:
    """``/etc/awslogs/awslogs.conf``: the ``[general]`` section and one section per source.

    Each section is named after its file, as the article (and the package's own default
    ``[/var/log/messages]`` section) does; names must be unique (agent reference).
    """
    parts = [f"[general]\nstate_file = {state_file}\n"]
    for source in sources:
        body = "".join(f"{key} = {value}\n" for key, value in source.options().items())
        parts.append(f"[{source.file}]\n{body}")
    return "\n".join(parts)


def parse_awslogs_conf(text: str) -> dict[str, dict[str, str]]:
    """Read an ``awslogs.conf`` text into ``{section: {option: value}}`` without checking values.

    Values are raw (``%b`` is not interpolation); a duplicated section or option is refused, since
    "each must have a unique name within the configuration file" (agent reference).
    """
    # Option names are lower-cased, as by the ConfigParser of the agent (a Python CLI plug-in).
    parser = configparser.RawConfigParser(strict=True, delimiters=("=",))
    try:
        parser.read_string(text)
    except configparser.Error as error:
        raise invalid(None, [_unreadable(error)]) from error
    return {name: dict(parser.items(name)) for name in parser.sections()}


def _unreadable(error: configparser.Error) -> Problem:
    """What configparser (the agent's reader) could not read, in the kit's words."""
    if isinstance(error, configparser.DuplicateSectionError):
        return Problem(
            "",
            N_("awslogs.conf cannot be read: section {section} already exists (line {line})"),
            section=repr(error.section),
            line=error.lineno,
        )
    if isinstance(error, configparser.DuplicateOptionError):
        return Problem(
            "",
            N_("awslogs.conf cannot be read: option {option} in section {section} already exists (line {line})"),
            option=repr(error.option),
            section=repr(error.section),
            line=error.lineno,
        )
    if isinstance(error, configparser.MissingSectionHeaderError):
        return Problem(
            "",
            N_("awslogs.conf cannot be read: line {line} comes before the first [section] header: {text}"),
            line=error.lineno,
            text=repr(error.line.rstrip("\n")),
        )
    if isinstance(error, configparser.ParsingError):
        line, content = error.errors[0]
        return Problem(
            "",
            N_("awslogs.conf cannot be read: line {line} is not an 'option = value' line: {text}"),
            line=line,
            text=content if isinstance(content, str) else repr(content),
        )
    # Not raised by read_string on Python 3.10 to 3.12 (tests/test_agent_messages.py reads configparser's source).
    return Problem("", N_("awslogs.conf cannot be read: {error}"), error=python_says("configparser", str(error)))


#: What :func:`validate_awslogs_conf` says before the problems of a file.
AWSLOGS_SUMMARY = Problem(
    "", N_("awslogs.conf does not follow the CloudWatch Logs agent reference ({url})"), url=AGENT_REFERENCE_URL
)


def awslogs_conf_problems(text: str) -> list[Problem]:
    """Every problem of an ``awslogs.conf``, each as ``[section] option: what is wrong`` (empty if it is valid).

    Raises :class:`~labkit.exceptions.InvalidAgentConfig` if the text cannot be read at all.
    """
    sections = parse_awslogs_conf(text)
    problems: list[Problem] = []
    allowed = ", ".join(sorted(GENERAL_OPTIONS))
    for key in sections.get("general", {}):
        if key not in GENERAL_OPTIONS:
            problems.append(Problem(f"[general] {key}", N_("unknown option; allowed: {allowed}"), allowed=allowed))
    gzip = sections.get("general", {}).get("use_gzip_http_content_encoding")
    if gzip is not None and gzip not in ("true", "false"):
        problems.append(
            Problem("[general] use_gzip_http_content_encoding", N_("{value} is not true or false"), value=repr(gzip))
        )
    streams = {name: options for name, options in sections.items() if name != "general"}
    if not streams:
        problems.append(Problem("", N_("awslogs.conf has no log stream section, so the agent sends nothing")))
    for name, options in streams.items():
        problems.extend(problem.at(f"[{name}]") for problem in stream_problems(options))
    return problems


def validate_awslogs_conf(text: str) -> list[LogSource]:
    """Check an ``awslogs.conf`` against the agent reference and return its log sources.

    Raises :class:`~labkit.exceptions.InvalidAgentConfig` listing every problem as
    ``[section] option: what is wrong`` (:func:`awslogs_conf_problems`).
    """
    problems = awslogs_conf_problems(text)
    if problems:
        raise invalid(AWSLOGS_SUMMARY, problems)
    sections = parse_awslogs_conf(text)
    return [LogSource.from_options(options) for name, options in sections.items() if name != "general"]


def validate_source(source: LogSource) -> None:
    """Check one :class:`LogSource` as if it were written to ``awslogs.conf``."""
    problems = stream_problems(source.options())
    if problems:
        raise invalid(None, [problem.at(f"[{source.file}]") for problem in problems])


def stream_problems(options: Mapping[str, str]) -> list[Problem]:
    """What is wrong with one log stream section, each as ``option: problem``."""
    allowed = ", ".join(sorted(STREAM_OPTIONS))
    problems = [
        Problem(key, N_("unknown option; allowed: {allowed}"), allowed=allowed)
        for key in options
        if key not in STREAM_OPTIONS
    ]
    problems += [Problem(key, N_("missing (required)")) for key in REQUIRED_STREAM_OPTIONS if not options.get(key)]
    group = options.get("log_group_name")
    if group and not _LOG_GROUP_NAME.fullmatch(group):
        problems.append(
            Problem(
                "log_group_name",
                N_("{value} must be 1-512 characters of a-z, A-Z, 0-9, '_', '-', '/', '.'"),
                value=repr(group),
            )
        )
    stream = options.get("log_stream_name")
    if stream:
        problems += [p.at("log_stream_name") for p in stream_name_problems(stream, STREAM_NAME_VARIABLES)]
    datetime_format = options.get("datetime_format")
    if datetime_format is not None:
        problems += [p.at("datetime_format") for p in directive_problems(datetime_format, LEGACY_DIRECTIVES)]
    if options.get("time_zone") not in (None, "LOCAL", "UTC"):
        problems.append(Problem("time_zone", N_("{value} is not LOCAL or UTC"), value=repr(options["time_zone"])))
    if options.get("initial_position") not in (None, "start_of_file", "end_of_file"):
        problems.append(
            Problem(
                "initial_position",
                N_("{value} is not start_of_file or end_of_file"),
                value=repr(options["initial_position"]),
            )
        )
    encoding = options.get("encoding")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            problems.append(
                Problem(
                    "encoding", N_("{value} is not an encoding Python's codecs.decode() knows"), value=repr(encoding)
                )
            )
    problems += _fingerprint_problems(options.get("file_fingerprint_lines"))
    problems += _multi_line_problems(options.get("multi_line_start_pattern"), datetime_format)
    problems += _integer_problems(options, "buffer_duration", MIN_BUFFER_DURATION_MS, None, word(N_("ms")))
    problems += _integer_problems(options, "batch_count", 1, MAX_BATCH_COUNT, word(N_("events")))
    problems += _integer_problems(options, "batch_size", 1, MAX_BATCH_SIZE, word(N_("bytes")))
    return problems


def directive_problems(fmt: str, allowed: frozenset[str], dash: frozenset[str] = frozenset()) -> list[Problem]:
    """Every ``%`` directive in ``fmt`` that the agent does not support.

    ``dash`` lists the letters that may also be written ``%-X`` (the unified agent's
    non-padded forms).
    """
    problems: list[Problem] = []
    index = 0
    while index < len(fmt):
        if fmt[index] != "%":
            index += 1
            continue
        if index + 1 == len(fmt):
            problems.append(Problem("", N_("{value} ends with a lone '%'"), value=repr(fmt)))
            break
        letter = fmt[index + 1]
        if letter == "-" and index + 2 < len(fmt) and fmt[index + 2] in dash:
            index += 3
            continue
        if letter not in allowed:
            directive = fmt[index : index + 3] if letter == "-" else fmt[index : index + 2]
            supported = " ".join(f"%{c}" for c in sorted(allowed - {"%"}))
            supported += "".join(f" %-{c}" for c in sorted(dash))
            problems.append(
                Problem(
                    "",
                    N_("{directive} is not a supported directive (supported: {supported})"),
                    directive=directive,
                    supported=supported,
                )
            )
        index += 2
    return problems


def stream_name_problems(name: str, variables: frozenset[str]) -> list[Problem]:
    """What is wrong with a log stream name template.

    CreateLogStream: 1-512 characters, no ':' or '*'
    (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogStream.html);
    only the documented ``{variables}`` are substituted.
    """
    known = ", ".join("{" + variable + "}" for variable in sorted(variables))
    problems = [
        Problem(
            "",
            N_("{variable} is not a variable the agent substitutes (only {known})"),
            variable="{" + variable + "}",
            known=known,
        )
        for variable in _VARIABLE.findall(name)
        if variable not in variables
    ]
    if ":" in name or "*" in name:
        problems.append(
            Problem("", N_("{value} contains ':' or '*', which log stream names may not"), value=repr(name))
        )
    if len(name) > 512:
        problems.append(
            Problem("", N_("{length} characters is more than the 512 a log stream name may have"), length=len(name))
        )
    return problems


def _fingerprint_problems(value: str | None) -> list[Problem]:
    if value is None:
        return []
    match = _FINGERPRINT_LINES.fullmatch(value)
    if match is None:
        return [
            Problem(
                "file_fingerprint_lines",
                N_("{value} is not one number or two dash-delimited numbers ('1', '2-5')"),
                value=repr(value),
            )
        ]
    first, last = int(match.group(1)), int(match.group(2) or match.group(1))
    if first < 1 or last < first:
        return [
            Problem(
                "file_fingerprint_lines",
                N_("{value} is not a range of line numbers starting at 1 or more"),
                value=repr(value),
            )
        ]
    return []


def _multi_line_problems(pattern: str | None, datetime_format: str | None) -> list[Problem]:
    if pattern is None:
        return []
    if pattern == "{datetime_format}":
        if datetime_format is None:
            return [
                Problem(
                    "multi_line_start_pattern",
                    N_("{variable} needs the datetime_format option"),
                    variable="{datetime_format}",
                )
            ]
        return []
    return regex_problems("multi_line_start_pattern", pattern)


def regex_problems(option: str, pattern: str) -> list[Problem]:
    """The problem of an ``option`` whose ``pattern`` Python's :mod:`re` cannot compile (the awslogs agent is a
    Python program; labkit's simulated agents read patterns with it too)."""
    try:
        re.compile(pattern)
    except REGEX_FAILURES as error:
        return [
            Problem(
                option,
                N_("{value} is not a regular expression ({error})"),
                value=repr(pattern),
                error=regex_failure(error),
            )
        ]
    return []


def _integer_problems(
    options: Mapping[str, str], key: str, minimum: int, maximum: int | None, unit: Problem
) -> list[Problem]:
    raw = options.get(key)
    if raw is None:
        return []
    try:
        value = int(raw)
    except ValueError:
        return [Problem(key, N_("{value} is not an integer"), value=repr(raw))]
    if value < minimum:
        return [
            Problem(key, N_("{value} is below the minimum of {limit} {unit}"), value=value, limit=minimum, unit=unit)
        ]
    if maximum is not None and value > maximum:
        return [
            Problem(key, N_("{value} is above the maximum of {limit} {unit}"), value=value, limit=maximum, unit=unit)
        ]
    return []
