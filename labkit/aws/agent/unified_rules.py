"""The kit's own rules for the unified CloudWatch agent's JSON, as a JSON Schema (draft 7) for jsonschema.

Written from AWS's reference page "Manually create or edit the CloudWatch agent configuration file"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-Configuration-File-Details.html):
its sections (agent, metrics, logs, traces, opentelemetry), the fields each one documents, which are
required and which values they take. Where the page is silent (string lengths, numeric ranges) the
limit is the agent's own ``translator/config/schema.json``; tests cross-check these rules against that
schema when it is at hand (../shared/reference); the kit itself never reads that file.

What the rules do not describe (traces, opentelemetry, Windows events, journald, embedded metric format,
and metric plugins other than the lab's) is listed by :func:`labkit.aws.agent.unified.unchecked_parts`
instead of being passed as valid.

Taught in notebook 04-log-agent-config.
"""

from __future__ import annotations

from typing import Any

#: Log sources these rules describe: ``logs_collected.files``.
CHECKED_LOG_SOURCES = ("files",)
#: retention_in_days: "valid values are 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
#: 1096, 1827, 2192, 2557, 2922, 3288, and 3653"; -1 (or leaving it out) keeps the events indefinitely.
RETENTION_DAYS = [
    -1,
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
]
#: metrics.append_dimensions: "the only supported key-value pairs" are these four.
EC2_APPEND_DIMENSIONS = {
    "ImageId": "${aws:ImageId}",
    "InstanceId": "${aws:InstanceId}",
    "InstanceType": "${aws:InstanceType}",
    "AutoScalingGroupName": "${aws:AutoScalingGroupName}",
}

_SECONDS = {"type": "integer", "minimum": 1, "maximum": 172800}
_NAME = {"type": "string", "minLength": 1, "maxLength": 255}
_CREDENTIALS = {
    "type": "object",
    "properties": {"role_arn": {"type": "string", "minLength": 20, "maxLength": 2048}},
    "additionalProperties": False,
}
_ENDPOINT = {"type": "string", "minLength": 4, "maxLength": 2048}
_DIMENSIONS = {
    "type": "object",
    "maxProperties": 30,
    "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 1024},
}
_MEASUREMENT = {
    "type": "array",
    "uniqueItems": True,
    "items": {
        "oneOf": [
            _NAME,
            {
                "type": "object",
                "properties": {
                    "name": _NAME,
                    "rename": _NAME,
                    "unit": {"type": "string", "minLength": 1, "maxLength": 256},
                },
                "required": ["name"],
            },
        ]
    },
}
_RESOURCES = {"type": "array", "maxItems": 256, "items": {"type": "string", "minLength": 1, "maxLength": 4096}}


def _plugin(**fields: Any) -> dict[str, Any]:
    """A metric plugin: ``measurement`` is required; every plugin may set its own interval and dimensions."""
    return {
        "type": "object",
        "properties": {
            "measurement": _MEASUREMENT,
            "metrics_collection_interval": _SECONDS,
            "append_dimensions": _DIMENSIONS,
            **fields,
        },
        "required": ["measurement"],
    }


_PLUGINS = {
    # cpu: "resources" may only be "*" (every core), "totalcpu" adds the all-cores aggregate.
    "cpu": _plugin(resources={"type": "array", "maxItems": 1, "items": {"enum": ["*"]}}, totalcpu={"type": "boolean"}),
    "disk": _plugin(
        resources=_RESOURCES,
        drop_device={"type": "boolean"},
        ignore_file_system_types={"type": "array", "items": {"type": "string", "minLength": 1}},
    ),
    "diskio": _plugin(resources=_RESOURCES),
    "mem": _plugin(),
    "net": _plugin(resources=_RESOURCES),
    "netstat": _plugin(),
    "processes": _plugin(),
    "swap": _plugin(),
}
#: Metric plugins whose fields these rules describe: the Linux plugins of the metrics section.
CHECKED_PLUGINS = tuple(sorted(_PLUGINS))

_COLLECT_LIST_ENTRY = {
    "type": "object",
    "properties": {
        "file_path": {"type": "string", "maxLength": 4096},
        "log_group_name": {"type": "string", "minLength": 1, "maxLength": 512},
        "log_group_class": {"enum": ["STANDARD", "INFREQUENT_ACCESS"]},
        "log_stream_name": {"type": "string", "minLength": 1, "maxLength": 512},
        "retention_in_days": {"type": "integer", "enum": RETENTION_DAYS},
        # "The valid values are UTC and Local"; the agent also reads LOCAL, as awslogs.conf writes it.
        "timezone": {"type": "string", "enum": ["Local", "LOCAL", "UTC"]},
        "timestamp_format": {"type": "string", "minLength": 1, "maxLength": 4096},
        "multi_line_start_pattern": {"type": "string", "minLength": 1, "maxLength": 4096},
        "encoding": {"type": "string", "minLength": 1, "maxLength": 4096},
        "filters": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"type": {"enum": ["include", "exclude"]}, "expression": {"type": "string"}},
                "additionalProperties": False,
            },
        },
        "auto_removal": {"type": "boolean"},
        "publish_multi_logs": {"type": "boolean"},
        "trim_timestamp": {"type": "boolean"},
        "backpressure_mode": {"enum": ["fd_release"]},
        "blacklist": {"type": "string", "minLength": 1, "maxLength": 4096},
        "service.name": _NAME,
        "deployment.environment": {"type": "string", "minLength": 1, "maxLength": 259},
    },
    "required": ["file_path"],
    "additionalProperties": False,
}

#: The whole configuration. ``{}`` marks a part these rules do not describe (see module docstring).
RULES: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {
        "agent": {
            "type": "object",
            "properties": {
                "metrics_collection_interval": _SECONDS,
                "region": {"type": "string", "minLength": 1, "maxLength": 64},
                "credentials": _CREDENTIALS,
                "debug": {"type": "boolean"},
                "aws_sdk_log_level": {"type": "string"},
                "logfile": {"type": "string", "maxLength": 4096},
                "omit_hostname": {"type": "boolean"},
                "run_as_user": {"type": "string", "minLength": 1},
                "user_agent": {"type": "string"},
                "usage_data": {"type": "boolean"},
                "service.name": _NAME,
                "deployment.environment": {"type": "string", "minLength": 1, "maxLength": 259},
            },
            "additionalProperties": False,
        },
        "metrics": {
            "type": "object",
            "properties": {
                "namespace": _NAME,
                "append_dimensions": {
                    "type": "object",
                    "properties": {key: {"const": value} for key, value in EC2_APPEND_DIMENSIONS.items()},
                    "additionalProperties": False,
                },
                "aggregation_dimensions": {
                    "type": "array",
                    "minItems": 1,
                    "uniqueItems": True,
                    "items": {
                        "type": "array",
                        "maxItems": 30,
                        "uniqueItems": True,
                        "items": {"type": "string", "minLength": 1, "maxLength": 1024},
                    },
                },
                "metrics_collected": {
                    "type": "object",
                    "minProperties": 1,
                    "properties": _PLUGINS,
                    "additionalProperties": {},
                },
                "metrics_destinations": {},
                "force_flush_interval": _SECONDS,
                "credentials": _CREDENTIALS,
                "endpoint_override": _ENDPOINT,
                "service.name": {"type": "string", "minLength": 1, "maxLength": 4096},
                "deployment.environment": {"type": "string", "minLength": 1, "maxLength": 4096},
            },
            "required": ["metrics_collected"],
            "additionalProperties": False,
        },
        "logs": {
            "type": "object",
            "properties": {
                "logs_collected": {
                    "type": "object",
                    "minProperties": 1,
                    "properties": {
                        "files": {
                            "type": "object",
                            "properties": {
                                "collect_list": {"type": "array", "minItems": 1, "items": _COLLECT_LIST_ENTRY},
                            },
                            "required": ["collect_list"],
                            "additionalProperties": False,
                        },
                        "windows_events": {},
                        "journald": {},
                        "application_signals": {},
                    },
                    "additionalProperties": False,
                },
                "metrics_collected": {},
                "log_stream_name": {"type": "string", "minLength": 1, "maxLength": 512},
                "force_flush_interval": _SECONDS,
                "credentials": _CREDENTIALS,
                "endpoint_override": _ENDPOINT,
                "concurrency": {"type": "integer", "minimum": 1},
                "service.name": _NAME,
                "deployment.environment": {"type": "string", "minLength": 1, "maxLength": 259},
            },
            "anyOf": [{"required": ["logs_collected"]}, {"required": ["metrics_collected"]}],
            "additionalProperties": False,
        },
        "traces": {},
        "opentelemetry": {},
    },
    "additionalProperties": False,
}
