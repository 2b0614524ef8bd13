"""What every ``awslogs.conf`` option means, its default, and what replaces it in the unified agent.

The option texts and defaults follow the CloudWatch Logs agent reference
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AgentReference.html), whose per-option
wording AWS repeats in the OpsWorks ``CloudWatchLogsLogStream`` API reference
(https://docs.aws.amazon.com/opsworks/latest/APIReference/API_CloudWatchLogsLogStream.html).
The unified agent's field names follow "Manually create or edit the CloudWatch agent
configuration file" (:data:`labkit.aws.agent.unified.CONFIG_DETAILS_URL`), and a test checks each of
them against the agent's JSON schema.

Taught in notebook 04-log-agent-config, where :func:`options_table` prints the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from labkit.aws.agent.problems import N_


@dataclass(frozen=True)
class AgentOption:
    """One option of ``awslogs.conf``.

    ``unified``: the unified agent's field that does the same job, written as a path below
    ``logs.logs_collected.files.collect_list[]`` (``file_path``) or from the top of the JSON
    (``agent.logfile``); empty when it has none. ``note``: how the two differ.
    """

    name: str
    section: str  # "general" or "logstream"
    meaning: str
    default: str
    unified: str = ""
    note: str = ""


AWSLOGS_OPTIONS: tuple[AgentOption, ...] = (
    AgentOption(
        "state_file",
        "general",
        N_("Where the agent records how far it has read each file."),
        N_("(none)"),
        note=N_("the unified agent keeps its own state files"),
    ),
    AgentOption(
        "logging_config_file",
        "general",
        N_("A Python logging configuration for the agent's own log (optional)."),
        N_("the agent's built-in logging"),
        "agent.logfile",
        N_("the unified agent only takes the path of its log file"),
    ),
    AgentOption(
        "use_gzip_http_content_encoding",
        "general",
        N_("Compress the PutLogEvents requests with gzip."),
        "true",
        note=N_("the unified agent has no such switch"),
    ),
    AgentOption(
        "file",
        "logstream",
        N_("The log file to ship; wildcards (access_log.*) pick the most recently modified file."),
        N_("(required)"),
        "file_path",
    ),
    AgentOption(
        "log_group_name",
        "logstream",
        N_("The destination log group; created if it does not exist."),
        N_("(required)"),
        "log_group_name",
        N_("defaults to the file path up to its final dot in the unified agent"),
    ),
    AgentOption(
        "log_stream_name",
        "logstream",
        N_("The destination log stream; may use {instance_id}, {hostname} and {ip_address}."),
        N_("(required)"),
        "log_stream_name",
        N_("defaults to {instance_id} in the unified agent, which also knows {local_hostname}"),
    ),
    AgentOption(
        "datetime_format",
        "logstream",
        N_(
            "How to read each event's timestamp from its text (strptime symbols). Without it, or when a "
            "line does not parse, the event takes the previous event's timestamp, or the current time."
        ),
        N_("(none: the time the line is read)"),
        "timestamp_format",
        N_("the unified agent supports fewer symbols (no %c, %f, %j, %U, %W, %w) but adds %-d, %-m, …"),
    ),
    AgentOption(
        "time_zone",
        "logstream",
        N_("The time zone of the timestamps: LOCAL or UTC."),
        "LOCAL",
        "timezone",
        N_("Local or UTC"),
    ),
    AgentOption(
        "file_fingerprint_lines",
        "logstream",
        N_("Which lines identify the file (one number or a range such as 2-5)."),
        "1",
        note=N_("the unified agent has no such option"),
    ),
    AgentOption(
        "multi_line_start_pattern",
        "logstream",
        N_("A regular expression for the first line of an event, or {datetime_format}."),
        r"^[^\s]",
        "multi_line_start_pattern",
        N_("{timestamp_format} in the unified agent"),
    ),
    AgentOption(
        "initial_position",
        "logstream",
        N_("Where to start reading a file the agent has no state for: start_of_file or end_of_file."),
        "start_of_file",
        note=N_("the unified agent has no such option"),
    ),
    AgentOption(
        "encoding",
        "logstream",
        N_("The file's encoding (a name Python's codecs.decode() knows)."),
        "utf_8",
        "encoding",
        N_("the unified agent uses its own names (utf-8, shift_jis, euc-jp, …)"),
    ),
    AgentOption(
        "buffer_duration",
        "logstream",
        N_("How long to collect events before sending a batch, in milliseconds (minimum 5000)."),
        "5000",
        "logs.force_flush_interval",
        N_("seconds, for all files at once (default 5)"),
    ),
    AgentOption(
        "batch_count",
        "logstream",
        N_("The most events in one PutLogEvents batch (at most 10,000)."),
        "1000",
        note=N_("the unified agent fills batches up to the API limits by itself"),
    ),
    AgentOption(
        "batch_size",
        "logstream",
        N_("The most bytes in one batch: the UTF-8 messages plus 26 bytes per event (at most 1,048,576)."),
        "32768",
        note=N_("the unified agent fills batches up to the API limits by itself"),
    ),
)

#: The table's column headers (translated by :func:`labkit.lesson.agent.options_table`).
COLUMNS = (N_("option"), N_("section"), N_("meaning"), N_("default"), N_("unified agent"))


def options_table(translate: Callable[[str], str] = str) -> Any:
    """The reference as a pandas DataFrame: option, section, meaning, default, unified agent.

    ``translate`` is applied to the headers and to the texts (not to option names, field names or values);
    :func:`labkit.lesson.agent.options_table` passes the lab's language.
    """
    import pandas as pd

    option_, section, meaning, default, unified_agent = (translate(column) for column in COLUMNS)
    rows = []
    for option in AWSLOGS_OPTIONS:
        unified = option.unified or "—"
        if option.note:
            unified += f" ({translate(option.note)})"
        rows.append(
            {
                option_: option.name,
                section: f"[{option.section}]",
                meaning: translate(option.meaning),
                default: translate(option.default) if option.default in _WORDS else option.default,
                unified_agent: unified,
            }
        )
    return pd.DataFrame(rows)


#: Defaults that are words rather than values.
_WORDS = frozenset({"(none)", "(required)", "the agent's built-in logging", "(none: the time the line is read)"})
