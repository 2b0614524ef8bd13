"""Tests of labkit.aws.agent: awslogs files, the unified agent JSON, the converter and install scripts.

Rules come from the CloudWatch Logs agent reference
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AgentReference.html), the unified
agent's configuration reference
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-Configuration-File-Details.html),
its timestamp-symbol table
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-common-scenarios.html#CloudWatch-Agent-logs-timestamp-differences);
the kit's rules are cross-checked against the agent's official JSON schema in ../shared/reference.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from agent_samples import ARTICLE_AWSLOGS_CONF, ARTICLE_AWSLOGS_CONF_UNCOMMENTED

from labkit.aws.agent import (
    LogSource,
    al2_awslogs_script,
    al2023_script,
    awscli_conf,
    awslogs_conf,
    convert_awslogs_conf,
    render,
    source_from_collect_list,
    unchecked_parts,
    unified_config,
    unified_problems,
    validate_awslogs_conf,
    validate_source,
    validate_unified,
)
from labkit.exceptions import ConfigurationError, InvalidAgentConfig, UncheckedAgentConfig

REPO = Path(__file__).resolve().parents[1]

ARTICLE_AWSCLI_CONF = """\
[plugins]
cwlogs = cwlogs
[default]
region = ap-northeast-1
"""


@pytest.fixture
def official_errors(shared_file: Callable[[str], Path]) -> Callable[[object], list[str]]:
    """The agent's own JSON schema (../shared) as a function: its errors for a configuration."""
    import jsonschema

    schema = json.loads(shared_file("reference/cloudwatch-agent-schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema)
    return lambda config: [f"{e.json_path}: {e.message}" for e in validator.iter_errors(config)]


def section(**options: str) -> str:
    """An awslogs.conf with the article's section, changed by ``options`` (None-valued keys removed)."""
    base = {
        "file": "/var/log/secure",
        "log_group_name": "ssh_logs",
        "log_stream_name": "{instance_id}/var/log/secure",
        "datetime_format": "%b %d %H:%M:%S",
    }
    base.update(options)
    body = "".join(f"{key} = {value}\n" for key, value in base.items() if value != "<drop>")
    return f"[general]\nstate_file = /var/lib/awslogs/agent-state\n\n[/var/log/secure]\n{body}"


# --- render (the CLI's output) ---------------------------------------------------------------


def test_render_awslogs_prints_the_articles_two_files_with_headers() -> None:
    assert render("/var/log/secure", "ssh_logs") == (
        "# /etc/awslogs/awscli.conf\n" + ARTICLE_AWSCLI_CONF + "\n"
        "# /etc/awslogs/awslogs.conf\n" + ARTICLE_AWSLOGS_CONF_UNCOMMENTED.rstrip("\n")
    )


def test_render_unified_is_json_only_and_valid() -> None:
    config = json.loads(render("/var/log/secure", "ssh_logs", fmt="unified", region="eu-west-1"))
    validate_unified(config)
    assert config["agent"] == {"run_as_user": "root", "region": "eu-west-1"}
    assert config["logs"]["logs_collected"]["files"]["collect_list"] == [
        {
            "file_path": "/var/log/secure",
            "log_group_name": "ssh_logs",
            "log_stream_name": "{instance_id}/var/log/secure",
            "timestamp_format": "%b %d %H:%M:%S",
        }
    ]


def test_render_refuses_an_unknown_format_and_a_bad_group_name() -> None:
    with pytest.raises(ConfigurationError, match="awslogs, unified"):
        render("/var/log/secure", "ssh_logs", fmt="yaml")
    with pytest.raises(InvalidAgentConfig, match=r"\[/var/log/secure\] log_group_name: 'ssh logs'"):
        render("/var/log/secure", "ssh logs")


# --- awslogs.conf: generation and the option reference ----------------------------------------


def test_generated_awslogs_conf_validates_back_to_the_same_source() -> None:
    source = LogSource("/var/log/secure", "ssh_logs", time_zone="UTC", batch_count=500, buffer_duration=10_000)
    assert validate_awslogs_conf(awslogs_conf([source])) == [source]


def test_the_articles_exact_config_is_valid() -> None:
    assert validate_awslogs_conf(ARTICLE_AWSLOGS_CONF) == [LogSource("/var/log/secure", "ssh_logs")]


def test_stream_name_defaults_to_instance_id_and_file() -> None:
    assert LogSource("/var/log/secure", "g").stream_name == "{instance_id}/var/log/secure"
    assert LogSource("app.log", "g").stream_name == "{instance_id}/app.log"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"flie": "/var/log/secure"}, r"\[/var/log/secure\] flie: unknown option"),
        ({"log_group_name": "<drop>"}, r"\[/var/log/secure\] log_group_name: missing"),
        ({"log_group_name": "ssh logs"}, r"log_group_name: 'ssh logs' must be 1-512 characters"),
        ({"log_group_name": "g" * 513}, r"log_group_name: 'g+' must be 1-512"),
        ({"log_stream_name": "{instance}/secure"}, r"log_stream_name: \{instance\} is not a variable"),
        ({"log_stream_name": "a:b"}, r"log_stream_name: 'a:b' contains ':' or '\*'"),
        ({"datetime_format": "%b %e %H:%M:%S"}, r"datetime_format: %e is not a supported directive"),
        ({"datetime_format": "%b %-d %H:%M:%S"}, r"datetime_format: %-d is not a supported directive"),
        ({"datetime_format": "%Y-%m-%d %T"}, r"datetime_format: %T is not a supported"),
        ({"datetime_format": "%H:%M:%"}, r"datetime_format: '%H:%M:%' ends with a lone '%'"),
        ({"time_zone": "JST"}, r"time_zone: 'JST' is not LOCAL or UTC"),
        ({"initial_position": "middle"}, r"initial_position: 'middle' is not start_of_file or end_of_file"),
        ({"encoding": "utf_9"}, r"encoding: 'utf_9' is not an encoding"),
        ({"file_fingerprint_lines": "5-2"}, r"file_fingerprint_lines: '5-2' is not a range"),
        ({"file_fingerprint_lines": "first"}, r"file_fingerprint_lines: 'first' is not one number or two"),
        ({"multi_line_start_pattern": "(unclosed"}, r"multi_line_start_pattern: '\(unclosed' is not a regular"),
        (
            {"multi_line_start_pattern": "{datetime_format}", "datetime_format": "<drop>"},
            r"multi_line_start_pattern: \{datetime_format\} needs the datetime_format option",
        ),
        ({"buffer_duration": "4999"}, r"buffer_duration: 4999 is below the minimum of 5000 ms"),
        ({"batch_count": "10001"}, r"batch_count: 10001 is above the maximum of 10000 events"),
        ({"batch_count": "0"}, r"batch_count: 0 is below the minimum of 1 events"),
        ({"batch_count": "ten"}, r"batch_count: 'ten' is not an integer"),
        ({"batch_size": "1048577"}, r"batch_size: 1048577 is above the maximum of 1048576 bytes"),
    ],
)
def test_each_stream_option_rule_names_section_and_option(options: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidAgentConfig, match=message) as caught:
        validate_awslogs_conf(section(**options))
    assert "AgentReference.html" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[general]\nstate_file = /s\nuse_gzip_http_content_encoding = yes\n[a]\nfile=/a\nlog_group_name=g\nlog_stream_name=s\n",
            r"\[general\] use_gzip_http_content_encoding: 'yes' is not true or false",
        ),
        (
            "[general]\nstate_file = /s\naws_region = x\n[a]\nfile=/a\nlog_group_name=g\nlog_stream_name=s\n",
            r"\[general\] aws_region: unknown option",
        ),
        ("[general]\nstate_file = /s\n", r"no log stream section"),
        (ARTICLE_AWSLOGS_CONF + "\n[/var/log/secure]\nfile = /x\n", r"cannot be read: .*already exists"),
        ("file = /var/log/secure\n", r"cannot be read"),
    ],
)
def test_file_level_rules(text: str, message: str) -> None:
    with pytest.raises(InvalidAgentConfig, match=message):
        validate_awslogs_conf(text)


def test_limits_themselves_are_allowed() -> None:
    sources = validate_awslogs_conf(section(buffer_duration="5000", batch_count="10000", batch_size="1048576"))
    assert (sources[0].buffer_duration, sources[0].batch_count, sources[0].batch_size) == (5000, 10000, 1048576)


def test_every_documented_legacy_directive_is_accepted() -> None:
    # The "both agents" and "older agent only" columns, with %I for the table's %l.
    validate_awslogs_conf(section(datetime_format="%A %a %b %B %d %H %I %m %M %p %S %y %Y %Z %z %c %f %j %U %W %w %%"))


def test_all_problems_are_reported_together() -> None:
    with pytest.raises(InvalidAgentConfig) as caught:
        validate_awslogs_conf(section(batch_count="20000", time_zone="JST"))
    assert "batch_count: 20000" in str(caught.value) and "time_zone: 'JST'" in str(caught.value)


def test_option_names_are_case_insensitive_like_configparser() -> None:
    assert validate_awslogs_conf(section().replace("file =", "File ="))[0].file == "/var/log/secure"


def test_validate_source_checks_a_spec() -> None:
    with pytest.raises(InvalidAgentConfig, match=r"\[/var/log/secure\] batch_size: 2000000"):
        validate_source(LogSource("/var/log/secure", "ssh_logs", batch_size=2_000_000))


def test_awscli_conf_matches_the_article() -> None:
    assert awscli_conf("ap-northeast-1") == ARTICLE_AWSCLI_CONF


# --- the unified agent ------------------------------------------------------------------------


def test_unified_config_collects_memory_and_disk_per_instance() -> None:
    config = unified_config([LogSource("/var/log/secure", "ssh_logs")], "ap-northeast-1")
    validate_unified(config)
    metrics = config["metrics"]
    assert metrics["namespace"] == "CWAgent"
    assert metrics["append_dimensions"] == {"InstanceId": "${aws:InstanceId}"}
    assert metrics["metrics_collected"]["mem"]["measurement"] == ["mem_used_percent"]
    assert metrics["metrics_collected"]["disk"]["measurement"] == ["used_percent"]
    assert "metrics" not in unified_config([LogSource("/var/log/secure", "ssh_logs")], metrics=False)


def test_unified_config_refuses_what_the_unified_agent_lacks() -> None:
    with pytest.raises(InvalidAgentConfig, match=r"%j is not a supported directive"):
        unified_config([LogSource("/var/log/app", "app", datetime_format="%Y %j %H:%M:%S")])


def collect_entry(**changes: object) -> dict[str, object]:
    entry: dict[str, object] = {"file_path": "/var/log/secure", "log_group_name": "ssh_logs"}
    entry.update(changes)
    return {"logs": {"logs_collected": {"files": {"collect_list": [entry]}}}}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            collect_entry(timezone="JST"),
            r"\$\.logs\.logs_collected\.files\.collect_list\[0\]\.timezone: 'JST' is not one of",
        ),
        (
            collect_entry(datetime_format="%b"),
            r"collect_list\[0\]: Additional properties are not allowed \('datetime_format'",
        ),
        (collect_entry(retention_in_days=2), r"collect_list\[0\]\.retention_in_days: 2 is not one of"),
        (collect_entry(log_group_name="g" * 513), r"log_group_name: '.*' is too long"),
        (
            {"logs": {"logs_collected": {"files": {"collect_list": []}}}},
            r"collect_list: too few items \(0; at least 1\)",
        ),
        (
            collect_entry(timestamp_format="%Y %j"),
            r"collect_list\[0\]\.timestamp_format: %j is not a supported directive",
        ),
        (collect_entry(timestamp_format="%b %e"), r"timestamp_format: %e is not a supported"),
        (
            collect_entry(log_stream_name="{instance}"),
            r"collect_list\[0\]\.log_stream_name: \{instance\} is not a variable",
        ),
        (collect_entry(multi_line_start_pattern="{timestamp_format}"), r"\{timestamp_format\} needs timestamp_format"),
    ],
)
def test_unified_validation_names_the_json_path(config: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidAgentConfig, match=message):
        validate_unified(config)


def test_unified_only_directives_are_accepted() -> None:
    validate_unified(
        collect_entry(
            timestamp_format="%A %a %b %B %-d %d %-I %I %-m %m %-M %M %-S %S %p %y %Y %Z %z",
            log_stream_name="{local_hostname}/{ip_address}",
        )
    )


def test_parts_the_rules_do_not_describe_are_named_not_passed() -> None:
    config = collect_entry()
    config["traces"] = {"traces_collected": {"xray": {}}}
    config["logs"]["logs_collected"]["windows_events"] = {"collect_list": []}  # type: ignore[index]
    config["metrics"] = {"metrics_collected": {"procstat": [{"exe": "sshd", "measurement": ["pid_count"]}]}}
    assert unified_problems(config) == []
    assert unchecked_parts(config) == [
        "$.traces",
        "$.metrics.metrics_collected.procstat",
        "$.logs.logs_collected.windows_events",
    ]
    with pytest.raises(UncheckedAgentConfig, match=r"not checked: \$\.traces, .*procstat.*windows_events"):
        validate_unified(config)


def test_problems_come_before_unchecked_parts() -> None:
    config = collect_entry(timezone="JST")
    config["traces"] = {}
    with pytest.raises(InvalidAgentConfig, match="'JST' is not one of"):
        validate_unified(config)


def with_section(name: str, body: object, base: dict[str, object] | None = None) -> dict[str, object]:
    config = dict(base if base is not None else collect_entry())
    config[name] = body
    return config


def mem(**fields: object) -> dict[str, object]:
    return {"metrics_collected": {"mem": {"measurement": ["mem_used_percent"], **fields}}}


#: Configurations AWS's reference page and the agent's schema both accept.
BOTH_VALID = {
    "the lab's config": unified_config([LogSource("/var/log/secure", "ssh_logs")], "ap-northeast-1"),
    "every collect_list field": collect_entry(
        log_group_class="INFREQUENT_ACCESS",
        log_stream_name="{hostname}",
        retention_in_days=7,
        timezone="UTC",
        timestamp_format="%Y-%m-%dT%H:%M:%S",
        multi_line_start_pattern="{timestamp_format}",
        encoding="utf-8",
        filters=[{"type": "exclude", "expression": "Accepted"}],
        auto_removal=False,
        publish_multi_logs=True,
        trim_timestamp=True,
    ),
    "agent fields": with_section(
        "agent",
        {
            "metrics_collection_interval": 10,
            "region": "us-west-1",
            "debug": False,
            "logfile": "",
            "run_as_user": "cwagent",
            "omit_hostname": True,
        },
    ),
    "logs fields": {
        "logs": {
            "logs_collected": {"files": {"collect_list": [{"file_path": "/a"}]}},
            "log_stream_name": "{instance_id}",
            "force_flush_interval": 15,
        }
    },
    "metrics plugins": {
        "metrics": {
            "namespace": "Lab",
            "aggregation_dimensions": [["InstanceId"], []],
            "force_flush_interval": 60,
            "append_dimensions": {
                "InstanceId": "${aws:InstanceId}",
                "AutoScalingGroupName": "${aws:AutoScalingGroupName}",
            },
            "metrics_collected": {
                "cpu": {
                    "resources": ["*"],
                    "totalcpu": True,
                    "measurement": ["usage_idle", {"name": "usage_user", "unit": "Percent"}],
                },
                "disk": {
                    "resources": ["/"],
                    "measurement": ["used_percent"],
                    "ignore_file_system_types": ["sysfs"],
                    "drop_device": True,
                },
                "diskio": {"measurement": ["io_time"]},
                "swap": {"measurement": ["swap_used_percent"]},
                "net": {"resources": ["eth0"], "measurement": ["bytes_sent"]},
                "netstat": {"measurement": ["tcp_established"]},
                "processes": {"measurement": ["running"], "metrics_collection_interval": 30},
            },
        }
    },
}
#: Configurations both refuse; the kit names at least one JSON path the schema names too.
BOTH_INVALID = {
    "timezone name": collect_entry(timezone="JST"),
    "awslogs key": collect_entry(datetime_format="%b"),
    "retention": collect_entry(retention_in_days=2),
    "long group": collect_entry(log_group_name="g" * 513),
    "no file_path": {"logs": {"logs_collected": {"files": {"collect_list": [{"log_group_name": "g"}]}}}},
    "empty collect_list": {"logs": {"logs_collected": {"files": {"collect_list": []}}}},
    "filter type": collect_entry(filters=[{"type": "drop", "expression": "x"}]),
    "no metrics_collected": with_section("metrics", {"namespace": "Lab"}),
    "no measurement": with_section("metrics", {"metrics_collected": {"mem": {}}}),
    "cpu core": with_section(
        "metrics", {"metrics_collected": {"cpu": {"resources": ["0"], "measurement": ["usage_idle"]}}}
    ),
    "interval 0": with_section("agent", {"metrics_collection_interval": 0}),
    "debug yes": with_section("agent", {"debug": "yes"}),
    "empty logs": {"logs": {}},
    "interval too long": with_section("metrics", mem(metrics_collection_interval=200_000)),
    "empty namespace": with_section("metrics", {"namespace": "", **mem()}),
    "unknown metrics key": with_section("metrics", {"metric_collected": {}, **mem()}),
    "duplicate measurement": with_section("metrics", {"metrics_collected": {"mem": {"measurement": ["a", "a"]}}}),
}
#: Where AWS's reference page is stricter than the agent's schema; the kit follows the page.
DOCUMENTED_STRICTER = {
    # "Valid values are STANDARD and INFREQUENT_ACCESS."
    "log_group_class": collect_entry(log_group_class="COLD"),
    # append_dimensions: "the only supported key-value pairs" are ImageId, InstanceId, InstanceType and
    # AutoScalingGroupName with their ${aws:...} values.
    "append_dimensions": with_section("metrics", {"append_dimensions": {"InstanceId": "i-0123"}, **mem()}),
    # The agent section's documented fields; an unknown one (a typo) is named rather than ignored.
    "agent typo": with_section("agent", {"run_as_usr": "root"}),
    # The file has five documented sections.
    "section typo": with_section("log", {}),
    # Timestamp symbols (TIMESTAMP_DIFFERENCES_URL), which the schema cannot express.
    "timestamp symbol": collect_entry(timestamp_format="%Y %j"),
}


def _paths(problems: list[str]) -> set[str]:
    return {problem.split(": ", 1)[0] for problem in problems}


@pytest.mark.parametrize("name", BOTH_VALID)
def test_kit_and_official_schema_accept_the_same_valid_configs(
    name: str, official_errors: Callable[[object], list[str]]
) -> None:
    config = BOTH_VALID[name]
    assert unified_problems(config) == [] and unchecked_parts(config) == []
    assert official_errors(config) == []


@pytest.mark.parametrize("name", BOTH_INVALID)
def test_kit_and_official_schema_refuse_the_same_invalid_configs(
    name: str, official_errors: Callable[[object], list[str]]
) -> None:
    config = BOTH_INVALID[name]
    kit, official = unified_problems(config), official_errors(config)
    assert kit and official, (kit, official)
    assert _paths(kit) & _paths(official), (kit, official)


@pytest.mark.parametrize("name", DOCUMENTED_STRICTER)
def test_where_the_docs_are_stricter_than_the_schema(name: str, official_errors: Callable[[object], list[str]]) -> None:
    config = DOCUMENTED_STRICTER[name]
    assert unified_problems(config), name
    assert official_errors(config) == [], "the agent's schema now refuses this too: move it to BOTH_INVALID"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (BOTH_INVALID["no file_path"], r"collect_list\[0\]: 'file_path' is a required property"),
        (BOTH_INVALID["no metrics_collected"], r"\$\.metrics: 'metrics_collected' is a required property"),
        (
            BOTH_INVALID["cpu core"],
            r"\$\.metrics\.metrics_collected\.cpu\.resources\[0\]: '\*' was expected|is not one of \['\*'\]",
        ),
        (BOTH_INVALID["interval 0"], r"\$\.agent\.metrics_collection_interval: 0 is less than the minimum of 1"),
        (BOTH_INVALID["empty logs"], r"\$\.logs: needs logs_collected, metrics_collected or both"),
        (BOTH_INVALID["filter type"], r"filters\[0\]\.type: 'drop' is not one of \['include', 'exclude'\]"),
        (
            DOCUMENTED_STRICTER["log_group_class"],
            r"log_group_class: 'COLD' is not one of \['STANDARD', 'INFREQUENT_ACCESS'\]",
        ),
        (
            DOCUMENTED_STRICTER["append_dimensions"],
            r"\$\.metrics\.append_dimensions\.InstanceId: '\$\{aws:InstanceId\}' was expected",
        ),
        (
            DOCUMENTED_STRICTER["agent typo"],
            r"\$\.agent: Additional properties are not allowed \('run_as_usr' was unexpected\)",
        ),
        (DOCUMENTED_STRICTER["section typo"], r"\$: Additional properties are not allowed \('log' was unexpected\)"),
    ],
)
def test_each_problem_names_its_json_path(config: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidAgentConfig, match=message) as caught:
        validate_unified(config)
    assert "CloudWatch-Agent-Configuration-File-Details.html" in str(caught.value)


def test_import_is_light() -> None:
    code = "import sys, labkit.aws.agent; print(sorted(m for m in ('jsonschema', 'boto3', 'botocore') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_checking_builds_no_iri_grammars_and_jsonschema_still_checks_iris() -> None:
    """Checking a config imports jsonschema without building rfc3987_syntax's grammars (issue 20: 2–3 CPU s of
    notebook 04); jsonschema's "iri" format checks are still registered and still judge, loading the package then."""
    pytest.importorskip("rfc3987_syntax")
    code = "\n".join(
        [
            "import sys",
            "from labkit.aws.agent import unified_problems",
            "print(bool(unified_problems({'logs': 1})), 'rfc3987_syntax' in sys.modules)",
            "import jsonschema",
            "validator = jsonschema.Draft7Validator({'format': 'iri'}, format_checker=jsonschema.FormatChecker())",
            "print(validator.is_valid('http://例え.jp/パス'), validator.is_valid('not an iri'))",
            "print(type(sys.modules['rfc3987_syntax']).__name__, 'lark' in sys.modules)",
        ]
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[:3] == ["True False", "True False", "module True"]


# --- converting awslogs.conf ------------------------------------------------------------------


def test_converting_the_articles_exact_config() -> None:
    conversion = convert_awslogs_conf(ARTICLE_AWSLOGS_CONF, ARTICLE_AWSCLI_CONF)
    assert conversion.config == {
        "agent": {"run_as_user": "root", "region": "ap-northeast-1"},
        "logs": {
            "logs_collected": {
                "files": {
                    "collect_list": [
                        {
                            "file_path": "/var/log/secure",
                            "log_group_name": "ssh_logs",
                            "log_stream_name": "{instance_id}/var/log/secure",
                            "timestamp_format": "%b %d %H:%M:%S",
                        }
                    ]
                }
            }
        },
    }
    assert conversion.notes == [
        "[general] state_file: not carried over; the unified agent keeps its own state and log file"
    ]
    validate_unified(conversion.config)


def test_converter_maps_options_and_reports_what_it_drops() -> None:
    text = (
        "[general]\nstate_file = /s\n"
        "[app]\nfile = /var/log/app.log\nlog_group_name = app\nlog_stream_name = {hostname}\n"
        "datetime_format = %Y-%m-%dT%H:%M:%S%z\ntime_zone = UTC\nmulti_line_start_pattern = {datetime_format}\n"
        "encoding = cp1252\ninitial_position = end_of_file\nbuffer_duration = 6000\n"
        "[jobs]\nfile = /var/log/jobs.log\nlog_group_name = jobs\nlog_stream_name = jobs\n"
        "datetime_format = %d/%b/%Y:%H:%M:%S.%f\nmulti_line_start_pattern = ^(?!\\s)\nencoding = latin_1\n"
        "[sjis]\nfile = /var/log/sjis.log\nlog_group_name = sjis\nlog_stream_name = sjis\nencoding = shift_jis\n"
        "datetime_format = %Y/%m/%d %H:%M:%S\n"
    )
    conversion = convert_awslogs_conf(text)
    app, jobs, sjis = conversion.config["logs"]["logs_collected"]["files"]["collect_list"]
    assert app == {
        "file_path": "/var/log/app.log",
        "log_group_name": "app",
        "log_stream_name": "{hostname}",
        "timestamp_format": "%Y-%m-%dT%H:%M:%S%z",
        "timezone": "UTC",
        "multi_line_start_pattern": "{timestamp_format}",
        "encoding": "windows-1252",
    }
    assert jobs == {"file_path": "/var/log/jobs.log", "log_group_name": "jobs", "log_stream_name": "jobs"}
    assert sjis["encoding"] == "shift_jis"
    notes = "\n".join(conversion.notes)
    for expected in (
        "[app] initial_position: not carried over",
        "[app] buffer_duration: not carried over",
        "[jobs] datetime_format: %f is not a supported directive",
        "[jobs] multi_line_start_pattern: '^(?!\\\\s)' uses lookarounds",
        "[jobs] encoding: 'latin_1' has no unified-agent equivalent",
    ):
        assert expected in notes
    assert "agent" in conversion.config and "region" not in conversion.config["agent"]
    validate_unified(conversion.config)


def test_converter_validates_its_input_first() -> None:
    with pytest.raises(InvalidAgentConfig, match="batch_size"):
        convert_awslogs_conf(section(batch_size="9999999"))


def test_source_from_collect_list_uses_the_documented_defaults() -> None:
    source = source_from_collect_list(
        {
            "file_path": "/tmp/TestLogFile.log.2017-07-11-14",
            "timestamp_format": "%b %-d %H:%M:%S",
            "timezone": "Local",
            "multi_line_start_pattern": "{timestamp_format}",
        }
    )
    assert source.log_group == "/tmp/TestLogFile.log"
    assert source.stream_name == "{instance_id}"
    assert source.datetime_format == "%b %d %H:%M:%S"
    assert source.time_zone == "LOCAL"
    assert source.multi_line_start_pattern == "{datetime_format}"
    assert (source.batch_count, source.batch_size) == (10_000, 1_048_576)


# --- install scripts --------------------------------------------------------------------------


def heredoc(script: str, path: str) -> str:
    match = re.search(rf"cat > {re.escape(path)} <<'LABKIT_EOF'\n(.*?)\nLABKIT_EOF\n", script, re.S)
    assert match, f"no here-document for {path}"
    return match.group(1)


def test_al2023_script_installs_rsyslog_and_starts_the_agent() -> None:
    script = al2023_script([LogSource("/var/log/secure", "ssh_logs")], "ap-northeast-1")
    lines = script.splitlines()
    assert lines[0] == "#!/bin/bash"
    assert "dnf install -y amazon-cloudwatch-agent rsyslog" in lines
    start = (
        "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s "
        "-c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json"
    )
    assert lines.index("systemctl enable --now rsyslog") < lines.index(start)
    config = json.loads(heredoc(script, "/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json"))
    validate_unified(config)
    assert config["agent"]["run_as_user"] == "root"


def test_al2_script_is_the_articles_way_and_deprecated() -> None:
    with pytest.warns(DeprecationWarning, match="end of support on 2026-06-30"):
        script = al2_awslogs_script([LogSource("/var/log/secure", "ssh_logs")], "ap-northeast-1")
    lines = script.splitlines()
    assert "yum install -y awslogs" in lines
    assert lines[-2:] == ["systemctl start awslogsd.service", "systemctl enable awslogsd.service"]
    assert heredoc(script, "/etc/awslogs/awscli.conf") + "\n" == ARTICLE_AWSCLI_CONF
    assert validate_awslogs_conf(heredoc(script, "/etc/awslogs/awslogs.conf")) == [
        LogSource("/var/log/secure", "ssh_logs")
    ]
    assert "DEPRECATED" in script and "2026-06-30" in script


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_scripts_are_valid_bash() -> None:
    sources = [LogSource("/var/log/secure", "ssh_logs")]
    with pytest.warns(DeprecationWarning):
        scripts = [al2023_script(sources), al2_awslogs_script(sources, "ap-northeast-1")]
    for script in scripts:
        subprocess.run(["bash", "-n"], input=script, text=True, check=True)
