"""Checker of notebook 04's exercise: a unified agent configuration with two files in Parameter Store.

The parameter name prefix comes from "Create IAM roles and users for use with the CloudWatch agent"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/create-iam-roles-for-cloudwatch-agent.html):
AWS's managed policies only cover parameters whose names start with ``AmazonCloudWatch-``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from labkit.aws.agent import LogSource, unified_config
from labkit.course.exercises.nb04 import PARAMETER, two_sources
from labkit.runtime.lab import Lab


def _store(lab: Lab, value: str, name: str = PARAMETER) -> None:
    lab.client("ssm").put_parameter(Name=name, Type="String", Value=value, Overwrite=True)


def _config(*sources: LogSource) -> dict[str, Any]:
    return unified_config(list(sources), "ap-northeast-1")


SECURE = LogSource("/var/log/secure", "ssh_logs")
MESSAGES = LogSource("/var/log/messages", "system_logs")


def test_right_answer(lab: Lab) -> None:
    _store(lab, json.dumps(_config(SECURE, MESSAGES)))
    assert two_sources.problems(lab) == []


def test_right_answer_without_metrics_section(lab: Lab) -> None:
    config = unified_config([SECURE, MESSAGES], metrics=False)
    _store(lab, json.dumps(config))
    assert two_sources.problems(lab) == []


def test_missing_parameter_names_what_exists(lab: Lab) -> None:
    _store(lab, json.dumps(_config(SECURE, MESSAGES)), name="cloudwatch-linux")
    [problem] = two_sources.problems(lab)
    assert "no SSM parameter named 'AmazonCloudWatch-linux'" in problem and "cloudwatch-linux" in problem


def test_value_that_is_not_json(lab: Lab) -> None:
    _store(lab, str(_config(SECURE, MESSAGES)))  # a Python repr, not JSON
    [problem] = two_sources.problems(lab)
    assert "not JSON" in problem


def test_parts_the_kit_cannot_check_are_named_not_a_traceback(lab: Lab) -> None:
    config = _config(SECURE, MESSAGES)
    config["traces"] = {"traces_collected": {"xray": {}}}
    _store(lab, json.dumps(config))
    [problem] = two_sources.problems(lab)
    assert "not checked: $.traces" in problem and "needs only the agent, metrics and logs" in problem


def test_schema_violation_is_reported(lab: Lab) -> None:
    config = _config(SECURE, MESSAGES)
    config["logs"]["logs_collected"]["files"]["collect_list"][1]["log_group"] = "system_logs"
    _store(lab, json.dumps(config))
    [problem] = two_sources.problems(lab)
    assert "'log_group' was unexpected" in problem


def test_a_japanese_lab_reads_the_schema_violation_in_japanese_at_the_same_path(lab: Lab) -> None:
    """The checker's feedback in a Japanese lab (issue 18): the rules' finding said in Japanese, same JSON path."""
    from labkit import i18n

    config = _config(SECURE, MESSAGES)
    config["logs"]["logs_collected"]["files"]["collect_list"][1]["log_group"] = "system_logs"
    _store(lab, json.dumps(config))
    i18n.set_language("ja")
    try:
        [problem] = two_sources.problems(lab)
    finally:
        i18n.set_language("en")
    assert "$.logs.logs_collected.files.collect_list[1]: 使用できないキーがあります: 'log_group'" in problem
    assert "was unexpected" not in problem


def test_only_one_file(lab: Lab) -> None:
    _store(lab, json.dumps(_config(SECURE)))
    assert two_sources.problems(lab) == [
        "no collect_list entry has file_path '/var/log/messages' (files now: /var/log/secure)"
    ]


def test_wrong_log_group(lab: Lab) -> None:
    _store(lab, json.dumps(_config(SECURE, LogSource("/var/log/messages", "messages"))))
    assert two_sources.problems(lab) == ["/var/log/messages goes to the log group 'messages', not 'system_logs'"]


def test_check_prints_the_verdict(lab: Lab, capsys: Any) -> None:
    assert two_sources.check(lab) is False
    assert "✘ Not yet" in capsys.readouterr().out


WRONG = {
    "another name": lambda: ("AmazonCloudWatch-agent", json.dumps(_config(SECURE, MESSAGES))),  # "in SSM parameter ..."
    "not JSON": lambda: (PARAMETER, str(_config(SECURE, MESSAGES))),  # a configuration the agent can read
    "a list": lambda: (PARAMETER, json.dumps([_config(SECURE, MESSAGES)])),
    "only secure": lambda: (PARAMETER, json.dumps(_config(SECURE))),  # "shipping ... /var/log/messages"
    "messages to the wrong group": lambda: (
        PARAMETER,
        json.dumps(_config(SECURE, LogSource("/var/log/messages", "ssh_logs"))),
    ),
    "only messages": lambda: (PARAMETER, json.dumps(_config(MESSAGES))),  # "shipping /var/log/secure"
}


@pytest.mark.parametrize("wrong", WRONG, ids=list(WRONG))
def test_each_wrong_answer_is_caught_then_the_solution_passes(lab: Lab, wrong: str) -> None:
    """PutParameter with Overwrite=True replaces the value (API_PutParameter), so the solution replaces any attempt."""
    from labkit.aws.agent import validate_unified

    name, value = WRONG[wrong]()
    _store(lab, value, name)
    assert two_sources.problems(lab) != []
    namespace = {
        "ssm": lab.client("ssm"),
        "json": json,
        "unified_config": unified_config,
        "LogSource": LogSource,
        "validate_unified": validate_unified,
    }
    exec(two_sources.solution_code, namespace)
    exec(two_sources.solution_code, namespace)  # the solution cell run twice
    assert two_sources.problems(lab) == []
