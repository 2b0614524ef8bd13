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

from dataclasses import dataclass
from typing import Any


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
        "Where the agent records how far it has read each file.",
        "(none)",
        note="the unified agent keeps its own state files",
    ),
    AgentOption(
        "logging_config_file",
        "general",
        "A Python logging configuration for the agent's own log (optional).",
        "the agent's built-in logging",
        "agent.logfile",
        "the unified agent only takes the path of its log file",
    ),
    AgentOption(
        "use_gzip_http_content_encoding",
        "general",
        "Compress the PutLogEvents requests with gzip.",
        "true",
        note="the unified agent has no such switch",
    ),
    AgentOption(
        "file",
        "logstream",
        "The log file to ship; wildcards (access_log.*) pick the most recently modified file.",
        "(required)",
        "file_path",
    ),
    AgentOption(
        "log_group_name",
        "logstream",
        "The destination log group; created if it does not exist.",
        "(required)",
        "log_group_name",
        "defaults to the file path up to its final dot in the unified agent",
    ),
    AgentOption(
        "log_stream_name",
        "logstream",
        "The destination log stream; may use {instance_id}, {hostname} and {ip_address}.",
        "(required)",
        "log_stream_name",
        "defaults to {instance_id} in the unified agent, which also knows {local_hostname}",
    ),
    AgentOption(
        "datetime_format",
        "logstream",
        "How to read each event's timestamp from its text (strptime symbols). Without it, or when a "
        "line does not parse, the event takes the previous event's timestamp, or the current time.",
        "(none: the time the line is read)",
        "timestamp_format",
        "the unified agent supports fewer symbols (no %c, %f, %j, %U, %W, %w) but adds %-d, %-m, …",
    ),
    AgentOption(
        "time_zone", "logstream", "The time zone of the timestamps: LOCAL or UTC.", "LOCAL", "timezone", "Local or UTC"
    ),
    AgentOption(
        "file_fingerprint_lines",
        "logstream",
        "Which lines identify the file (one number or a range such as 2-5).",
        "1",
        note="the unified agent has no such option",
    ),
    AgentOption(
        "multi_line_start_pattern",
        "logstream",
        "A regular expression for the first line of an event, or {datetime_format}.",
        r"^[^\s]",
        "multi_line_start_pattern",
        "{timestamp_format} in the unified agent",
    ),
    AgentOption(
        "initial_position",
        "logstream",
        "Where to start reading a file the agent has no state for: start_of_file or end_of_file.",
        "start_of_file",
        note="the unified agent has no such option",
    ),
    AgentOption(
        "encoding",
        "logstream",
        "The file's encoding (a name Python's codecs.decode() knows).",
        "utf_8",
        "encoding",
        "the unified agent uses its own names (utf-8, shift_jis, euc-jp, …)",
    ),
    AgentOption(
        "buffer_duration",
        "logstream",
        "How long to collect events before sending a batch, in milliseconds (minimum 5000).",
        "5000",
        "logs.force_flush_interval",
        "seconds, for all files at once (default 5)",
    ),
    AgentOption(
        "batch_count",
        "logstream",
        "The most events in one PutLogEvents batch (at most 10,000).",
        "1000",
        note="the unified agent fills batches up to the API limits by itself",
    ),
    AgentOption(
        "batch_size",
        "logstream",
        "The most bytes in one batch: the UTF-8 messages plus 26 bytes per event (at most 1,048,576).",
        "32768",
        note="the unified agent fills batches up to the API limits by itself",
    ),
)


def options_table() -> Any:
    """The reference as a pandas DataFrame: option, section, meaning, default, unified agent."""
    import pandas as pd

    rows = []
    for option in AWSLOGS_OPTIONS:
        unified = option.unified or "—"
        if option.note:
            unified += f" ({option.note})"
        rows.append(
            {
                "option": option.name,
                "section": f"[{option.section}]",
                "meaning": option.meaning,
                "default": option.default,
                "unified agent": unified,
            }
        )
    return pd.DataFrame(rows)
