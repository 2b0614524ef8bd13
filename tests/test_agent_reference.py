"""The awslogs option reference of notebook 04 agrees with the validator, the docs and the schema.

Option meanings and defaults: CloudWatch Logs agent reference
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AgentReference.html) and the OpsWorks
``CloudWatchLogsLogStream`` reference that repeats it
(https://docs.aws.amazon.com/opsworks/latest/APIReference/API_CloudWatchLogsLogStream.html);
unified field names: the kit's rules from the unified agent's configuration reference, and the agent's
JSON schema in ../shared/reference when it is at hand.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from labkit.aws.agent import LogSource, awslogs_conf, validate_awslogs_conf
from labkit.aws.agent.awslogs import (
    DEFAULT_BATCH_COUNT,
    DEFAULT_BATCH_SIZE,
    DEFAULT_BUFFER_DURATION_MS,
    GENERAL_OPTIONS,
    REQUIRED_STREAM_OPTIONS,
    STREAM_OPTIONS,
)
from labkit.aws.agent.reference import AWSLOGS_OPTIONS, options_table
from labkit.aws.agent.unified_rules import RULES


def test_every_option_the_validator_knows_is_explained_once() -> None:
    names = Counter(option.name for option in AWSLOGS_OPTIONS)
    assert all(count == 1 for count in names.values()), names
    assert {o.name for o in AWSLOGS_OPTIONS if o.section == "general"} == GENERAL_OPTIONS
    assert {o.name for o in AWSLOGS_OPTIONS if o.section == "logstream"} == STREAM_OPTIONS


def test_defaults_match_the_agent_reference_constants() -> None:
    defaults = {o.name: o.default for o in AWSLOGS_OPTIONS}
    assert defaults["buffer_duration"] == str(DEFAULT_BUFFER_DURATION_MS) == "5000"
    assert defaults["batch_count"] == str(DEFAULT_BATCH_COUNT) == "1000"
    assert defaults["batch_size"] == str(DEFAULT_BATCH_SIZE) == "32768"
    assert defaults["initial_position"] == "start_of_file"
    assert defaults["time_zone"] == "LOCAL"
    assert defaults["file_fingerprint_lines"] == "1"
    assert defaults["encoding"] == "utf_8"
    assert all(defaults[name] == "(required)" for name in REQUIRED_STREAM_OPTIONS)


def test_the_documented_defaults_are_accepted_by_the_validator() -> None:
    """Writing every default out explicitly must still be a valid file."""
    source = LogSource(
        "/var/log/secure",
        "ssh_logs",
        initial_position="start_of_file",
        time_zone="LOCAL",
        encoding="utf_8",
        file_fingerprint_lines="1",
        buffer_duration=5000,
        batch_count=1000,
        batch_size=32768,
    )
    assert validate_awslogs_conf(awslogs_conf([source])) == [source]


def _unified_fields_missing_from(sections: dict[str, Any], entry_fields: set[str]) -> list[str]:
    """Each option's unified equivalent (``section.field`` or a collect_list field) not in the given fields."""
    missing = []
    for option in AWSLOGS_OPTIONS:
        if not option.unified:
            continue
        if "." in option.unified:
            section, field = option.unified.split(".", 1)
            if field not in sections[section]:
                missing.append(option.unified)
        elif option.unified not in entry_fields:
            missing.append(option.unified)
    return missing


def test_unified_equivalents_exist_in_the_kits_rules() -> None:
    properties = RULES["properties"]
    entry = properties["logs"]["properties"]["logs_collected"]["properties"]["files"]["properties"]["collect_list"]
    sections = {name: properties[name]["properties"] for name in ("agent", "metrics", "logs")}
    assert _unified_fields_missing_from(sections, set(entry["items"]["properties"])) == []


def test_unified_equivalents_exist_in_the_agents_schema(shared_file: Callable[[str], Path]) -> None:
    schema = json.loads(shared_file("reference/cloudwatch-agent-schema.json").read_text(encoding="utf-8"))
    definitions = schema["definitions"]
    files = definitions["logsDefinition"]["definitions"]["logsFilesDefinition"]
    sections = {name: definitions[f"{name}Definition"]["properties"] for name in ("agent", "metrics", "logs")}
    assert _unified_fields_missing_from(sections, set(files["properties"]["collect_list"]["items"]["properties"])) == []


def test_options_without_equivalent_say_why() -> None:
    assert all(option.note for option in AWSLOGS_OPTIONS if not option.unified)


def test_table_has_one_row_per_option_in_order() -> None:
    table = options_table()
    assert list(table["option"]) == [o.name for o in AWSLOGS_OPTIONS]
    assert list(table.columns) == ["option", "section", "meaning", "default", "unified agent"]
    assert table.set_index("option").loc["initial_position", "unified agent"].startswith("—")
