"""Exercises of notebook 04-log-agent-config."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from labkit.aws.agent import validate_unified
from labkit.course.exercises import Exercise
from labkit.exceptions import InvalidAgentConfig, UncheckedAgentConfig

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab

#: The parameter the exercise asks for. AWS's managed policies for the agent read and write only
#: parameters whose names start with ``AmazonCloudWatch-``
#: (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/create-iam-roles-for-cloudwatch-agent.html).
PARAMETER = "AmazonCloudWatch-linux"
WANTED = {"/var/log/secure": "ssh_logs", "/var/log/messages": "system_logs"}


def _parameter_value(lab: Lab, name: str) -> str | None:
    ssm = lab.internal_client("ssm")
    try:
        return str(ssm.get_parameter(Name=name)["Parameter"]["Value"])
    except ssm.exceptions.ParameterNotFound:
        return None


def _two_sources_problems(lab: Lab) -> list[str]:
    value = _parameter_value(lab, PARAMETER)
    if value is None:
        ssm = lab.internal_client("ssm")
        names = [p["Name"] for p in ssm.describe_parameters().get("Parameters", [])]
        return [f"there is no SSM parameter named {PARAMETER!r} (parameters now: {', '.join(names) or 'none'})"]
    try:
        config: Any = json.loads(value)
    except json.JSONDecodeError as error:
        return [f"the parameter's value is not JSON ({error.msg} at line {error.lineno}); store json.dumps(config)"]
    if not isinstance(config, dict):
        return ["the parameter's value is JSON but not an object; store the whole configuration dictionary"]
    try:
        validate_unified(config)
    except InvalidAgentConfig as error:
        return [f"the configuration is not valid for the unified agent: {error}"]
    except UncheckedAgentConfig as error:
        return [f"{error}; this exercise needs only the agent, metrics and logs (files) sections"]
    entries = config.get("logs", {}).get("logs_collected", {}).get("files", {}).get("collect_list", [])
    shipped = {entry.get("file_path"): entry.get("log_group_name") for entry in entries}
    problems = []
    for path, group in WANTED.items():
        if path not in shipped:
            problems.append(f"no collect_list entry has file_path {path!r} (files now: {', '.join(map(str, shipped)) or 'none'})")
        elif shipped[path] != group:
            problems.append(f"{path} goes to the log group {shipped[path]!r}, not {group!r}")
    return problems


two_sources = Exercise(
    title=f"the unified agent configuration in SSM parameter {PARAMETER}, shipping /var/log/secure and /var/log/messages",
    checker=_two_sources_problems,
    hints=[
        "unified_config takes a list of LogSource objects: add LogSource('/var/log/messages', 'system_logs').",
        "Check it with validate_unified(config), then store json.dumps(config) with ssm.put_parameter.",
        f"put_parameter(Name='{PARAMETER}', Type='String', Value=..., Overwrite=True) replaces an earlier value.",
    ],
    notebook="04",
    number=1,
)
