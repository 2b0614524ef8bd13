"""Exercises of notebook 04-log-agent-config."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from labkit.aws import jsontext
from labkit.aws.agent.python_errors import json_message
from labkit.lesson.agent import validate_unified
from labkit.course.exercises import Exercise
from labkit.i18n import N_, _
from labkit.exceptions import InvalidAgentConfig, JsonTooDeep, UncheckedAgentConfig

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
        return [
            _("there is no SSM parameter named {name!r} (parameters now: {parameters})").format(
                name=PARAMETER, parameters=", ".join(names) or _("none")
            )
        ]
    try:
        config: Any = jsontext.loads(value)
    except json.JSONDecodeError as error:
        return [
            _("the parameter's value is not JSON ({error} at line {line}); store json.dumps(config)").format(
                error=json_message(error.msg).render(_), line=error.lineno
            )
        ]
    except JsonTooDeep as error:
        return [_("the parameter's value cannot be checked: {error}").format(error=error)]
    if not isinstance(config, dict):
        return [_("the parameter's value is JSON but not an object; store the whole configuration dictionary")]
    try:
        validate_unified(config)
    except InvalidAgentConfig as error:
        return [_("the configuration is not valid for the unified agent: {error}").format(error=error)]
    except UncheckedAgentConfig as error:
        return [_("{error}; this exercise needs only the agent, metrics and logs (files) sections").format(error=error)]
    entries = config.get("logs", {}).get("logs_collected", {}).get("files", {}).get("collect_list", [])
    shipped = {entry.get("file_path"): entry.get("log_group_name") for entry in entries}
    problems = []
    for path, group in WANTED.items():
        if path not in shipped:
            problems.append(
                _("no collect_list entry has file_path {path!r} (files now: {files})").format(
                    path=path, files=", ".join(map(str, shipped)) or _("none")
                )
            )
        elif shipped[path] != group:
            problems.append(
                _("{path} goes to the log group {actual!r}, not {wanted!r}").format(
                    path=path, actual=shipped[path], wanted=group
                )
            )
    return problems


two_sources = Exercise(
    title=N_(
        "the unified agent configuration in SSM parameter AmazonCloudWatch-linux, "
        "shipping /var/log/secure and /var/log/messages"
    ),
    checker=_two_sources_problems,
    hints=[
        N_("unified_config takes a list of LogSource objects: add LogSource('/var/log/messages', 'system_logs')."),
        N_("Check it with validate_unified(config), then store json.dumps(config) with ssm.put_parameter."),
        N_(
            "put_parameter(Name='AmazonCloudWatch-linux', Type='String', Value=..., Overwrite=True) replaces an earlier value."
        ),
    ],
    notebook="04",
    number=1,
)
