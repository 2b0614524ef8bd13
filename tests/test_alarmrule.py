"""Composite alarm rules (labkit.aws.alarmrule) against the PutCompositeAlarm API reference.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html
(``AlarmRule``: functions, TRUE/FALSE, AND/OR/NOT, parentheses, names or ARNs, optional double
quotes, 100 children, 500 elements, 10,240 characters).
"""

from __future__ import annotations

import pytest

from labkit.aws.alarmrule import AlarmRuleError, compile

ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:DiskFull"


@pytest.mark.parametrize(
    "rule, states, expected",
    [
        # The reference's examples.
        (
            "ALARM(CPUUtilizationTooHigh) AND ALARM(DiskReadOpsTooHigh)",
            {"CPUUtilizationTooHigh": "ALARM", "DiskReadOpsTooHigh": "ALARM"},
            True,
        ),
        (
            "ALARM(CPUUtilizationTooHigh) AND ALARM(DiskReadOpsTooHigh)",
            {"CPUUtilizationTooHigh": "ALARM", "DiskReadOpsTooHigh": "OK"},
            False,
        ),
        (
            "ALARM(CPUUtilizationTooHigh) AND NOT ALARM(DeploymentInProgress)",
            {"CPUUtilizationTooHigh": "ALARM", "DeploymentInProgress": "OK"},
            True,
        ),
        (
            "ALARM(CPUUtilizationTooHigh) AND NOT ALARM(DeploymentInProgress)",
            {"CPUUtilizationTooHigh": "ALARM", "DeploymentInProgress": "ALARM"},
            False,
        ),
        (
            "(ALARM(CPUUtilizationTooHigh) OR ALARM(DiskReadOpsTooHigh)) AND OK(NetworkOutTooHigh)",
            {"CPUUtilizationTooHigh": "OK", "DiskReadOpsTooHigh": "ALARM", "NetworkOutTooHigh": "OK"},
            True,
        ),
        (
            "(ALARM(CPUUtilizationTooHigh) OR ALARM(DiskReadOpsTooHigh)) AND OK(NetworkOutTooHigh)",
            {"CPUUtilizationTooHigh": "OK", "DiskReadOpsTooHigh": "ALARM", "NetworkOutTooHigh": "INSUFFICIENT_DATA"},
            False,
        ),
        ('INSUFFICIENT_DATA("web check")', {"web check": "INSUFFICIENT_DATA"}, True),
        (f"ALARM({ARN})", {ARN: "ALARM"}, True),
        ("TRUE", {}, True),
        ("FALSE OR NOT TRUE", {}, False),
        # NOT binds tighter than AND, AND tighter than OR.
        ("ALARM(a) OR ALARM(b) AND ALARM(c)", {"a": "ALARM", "b": "OK", "c": "OK"}, True),
        ("NOT ALARM(a) AND ALARM(b)", {"a": "OK", "b": "OK"}, False),
    ],
)
def test_rules_evaluate_as_documented(rule: str, states: dict[str, str], expected: bool) -> None:
    assert compile(rule).evaluate(states) is expected


def test_children_are_the_names_as_written() -> None:
    assert compile(f'ALARM("a b") OR OK(c) OR ALARM({ARN}) OR ALARM(c)').alarms == {"a b", "c", ARN}


@pytest.mark.parametrize(
    "rule",
    [
        "",
        "ALARM()",
        "ALARM(a",
        "ALARM(a) AND",
        "ALARM(a) ALARM(b)",
        "alarm(a)",
        "ALARMS(a)",
        "(TRUE",
        "TRUE)",
        'ALARM("a)',
        "NOT",
        "ALARM(a) AND OR ALARM(b)",
    ],
)
def test_malformed_rules_are_refused(rule: str) -> None:
    with pytest.raises(AlarmRuleError):
        compile(rule)


def test_limits() -> None:
    """ "as many as 100 'children' alarms", "as many as 500 elements", 10,240 characters."""
    compile(" OR ".join(f"ALARM(a{i})" for i in range(100)))
    with pytest.raises(AlarmRuleError, match="at most 100"):
        compile(" OR ".join(f"ALARM(a{i})" for i in range(101)))
    compile(" OR ".join(["TRUE"] * 500))
    with pytest.raises(AlarmRuleError, match="at most 500"):
        compile(" OR ".join(["TRUE"] * 501))
    with pytest.raises(AlarmRuleError, match="10240"):
        compile("TRUE OR " * 1280 + "TRUE")
