"""Contributor Insights rules on log groups, end to end through a moto lab's boto3 clients.

Rule syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ContributorInsights-RuleSyntax.html;
API: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutInsightRule.html,
API_GetInsightRuleReport.html, API_DescribeInsightRules.html, API_EnableInsightRules.html,
API_DisableInsightRules.html, API_DeleteInsightRules.html.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from labkit.exceptions import UnsupportedOperation
from labkit.runtime.lab import Lab

GROUP = "/aws/apigateway/access"
#: "The following example illustrates the syntax for JSON logs" (rule syntax page), on this lab's group.
BYTES_BY_IP = {
    "Schema": {"Name": "CloudWatchLogRule", "Version": 1},
    "LogGroupNames": ["/aws/apigateway/*"],
    "LogFormat": "JSON",
    "Contribution": {
        "Keys": ["$.ip"],
        "ValueOf": "$.requestBytes",
        "Filters": [{"Match": "$.httpMethod", "In": ["PUT"]}],
    },
    "AggregateOn": "Sum",
}
COUNT_BY_IP = {
    "Schema": {"Name": "CloudWatchLogRule", "Version": 1},
    "LogGroupNames": [GROUP],
    "LogFormat": "JSON",
    "Contribution": {"Keys": ["$.ip"]},
    "AggregateOn": "Count",
}


def _t0(lab: Lab) -> dt.datetime:
    """The lab's start (the tests never advance its clock)."""
    return lab.clock.now()


def _put(lab: Lab, minute: int, *records: dict[str, Any], stream: str = "s") -> None:
    logs = lab.client("logs")
    if not logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix=stream)["logStreams"]:
        logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    at = int((_t0(lab) + dt.timedelta(minutes=minute)).timestamp() * 1000)
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName=stream,
        logEvents=[{"timestamp": at, "message": json.dumps(r)} for r in records],
    )


def _report(lab: Lab, name: str, **extra: Any) -> dict[str, Any]:
    params = {"StartTime": _t0(lab), "EndTime": _t0(lab) + dt.timedelta(hours=1), "Period": 300, **extra}
    return lab.client("cloudwatch").get_insight_rule_report(RuleName=name, **params)


@pytest.fixture
def group(lab: Lab) -> Lab:
    lab.client("logs").create_log_group(logGroupName=GROUP)
    return lab


def test_the_documented_json_example_ranks_put_bytes_by_ip(group: Lab) -> None:
    lab = group
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_insight_rule(RuleName="bytes", RuleDefinition=json.dumps(BYTES_BY_IP))
    _put(
        lab,
        1,
        {"ip": "192.0.2.1", "httpMethod": "PUT", "requestBytes": 100},
        {"ip": "192.0.2.2", "httpMethod": "PUT", "requestBytes": 300},
        {"ip": "192.0.2.1", "httpMethod": "GET", "requestBytes": 5000},
    )  # filtered out: not a PUT
    _put(lab, 7, {"ip": "192.0.2.1", "httpMethod": "PUT", "requestBytes": 250})
    reply = _report(
        lab,
        "bytes",
        Metrics=["UniqueContributors", "MaxContributorValue", "SampleCount", "Sum", "Minimum", "Maximum", "Average"],
    )
    assert reply["KeyLabels"] == ["$.ip"]
    assert reply["AggregationStatistic"] == "Sum"
    assert reply["AggregateValue"] == 650.0
    assert reply["ApproximateUniqueCount"] == 2
    start = _t0(lab)
    assert [(c["Keys"], c["ApproximateAggregateValue"]) for c in reply["Contributors"]] == [
        (["192.0.2.1"], 350.0),
        (["192.0.2.2"], 300.0),
    ]
    # "Only the data points when this contributor appeared are included" (API_InsightRuleContributor).
    assert [(p["Timestamp"], p["ApproximateValue"]) for p in reply["Contributors"][1]["Datapoints"]] == [(start, 300.0)]
    first, second = reply["MetricDatapoints"]
    assert first == {
        "Timestamp": start,
        "UniqueContributors": 2.0,
        "MaxContributorValue": 300.0,
        "SampleCount": 2.0,
        "Sum": 400.0,
        "Minimum": 100.0,
        "Maximum": 300.0,
        "Average": 200.0,
    }
    assert second["Timestamp"] == start + dt.timedelta(minutes=5) and second["Sum"] == 250.0


def test_only_events_received_while_the_rule_is_enabled_count(group: Lab) -> None:
    """ "When rules are enabled, they immediately begin analyzing log data"; disabled, "they do not analyze"."""
    lab = group
    cloudwatch = lab.client("cloudwatch")
    _put(lab, 0, {"ip": "before"})  # before the rule exists
    cloudwatch.put_insight_rule(RuleName="hits", RuleDefinition=json.dumps(COUNT_BY_IP))
    _put(lab, 1, {"ip": "while"}, {"ip": "while"})
    assert cloudwatch.disable_insight_rules(RuleNames=["hits"])["Failures"] == []
    _put(lab, 2, {"ip": "disabled"})
    cloudwatch.enable_insight_rules(RuleNames=["hits"])
    _put(lab, 3, {"ip": "again"})
    reply = _report(lab, "hits")
    assert {c["Keys"][0]: c["ApproximateAggregateValue"] for c in reply["Contributors"]} == {"while": 2.0, "again": 1.0}
    assert reply["MetricDatapoints"] == []  # no Metrics asked for
    # A rule created DISABLED analyses nothing until enabled.
    cloudwatch.put_insight_rule(RuleName="off", RuleState="DISABLED", RuleDefinition=json.dumps(COUNT_BY_IP))
    _put(lab, 4, {"ip": "x"})
    assert _report(lab, "off")["Contributors"] == []


def test_describe_order_by_maximum_and_max_contributors(group: Lab) -> None:
    lab = group
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_insight_rule(RuleName="hits", RuleDefinition=json.dumps(COUNT_BY_IP), ApplyOnTransformedLogs=True)
    (rule,) = cloudwatch.describe_insight_rules()["InsightRules"]
    assert rule == {
        "Name": "hits",
        "State": "ENABLED",
        "Schema": '{"Name": "CloudWatchLogRule", "Version": 1}',
        "Definition": json.dumps(COUNT_BY_IP),
        "ManagedRule": False,
        "ApplyOnTransformedLogs": True,
    }
    # steady: 2 in each of three periods (total 6, peak 2); burst: 5 in one period (total 5, peak 5).
    for minute in (0, 5, 10):
        _put(lab, minute, {"ip": "steady"}, {"ip": "steady"})
    _put(lab, 1, *[{"ip": "burst"}] * 5)
    _put(lab, 2, {"ip": "once"})
    by_sum = _report(lab, "hits", MaxContributorCount=2)["Contributors"]
    assert [c["Keys"] for c in by_sum] == [["steady"], ["burst"]]
    by_peak = _report(lab, "hits", OrderBy="Maximum", MaxContributorCount=2)["Contributors"]
    assert [c["Keys"] for c in by_peak] == [["burst"], ["steady"]]


def test_bad_rules_and_requests_get_aws_errors(group: Lab) -> None:
    cloudwatch = group.client("cloudwatch")
    with pytest.raises(ClientError) as error:
        cloudwatch.put_insight_rule(RuleName="empty", RuleDefinition="{}")
    assert error.value.response["Error"]["Code"] == "InvalidParameterValue"
    too_many_keys = {**COUNT_BY_IP, "Contribution": {"Keys": ["$.a", "$.b", "$.c", "$.d", "$.e"]}}
    with pytest.raises(cloudwatch.exceptions.InvalidParameterValueException, match="at most 4"):
        cloudwatch.put_insight_rule(RuleName="keys", RuleDefinition=json.dumps(too_many_keys))
    assert cloudwatch.describe_insight_rules()["InsightRules"] == []  # nothing stored
    with pytest.raises(cloudwatch.exceptions.ResourceNotFoundException):
        cloudwatch.get_insight_rule_report(
            RuleName="nope", StartTime=_t0(group), EndTime=_t0(group) + dt.timedelta(hours=1), Period=60
        )
    cloudwatch.put_insight_rule(RuleName="hits", RuleDefinition=json.dumps(COUNT_BY_IP))
    with pytest.raises(cloudwatch.exceptions.InvalidParameterValueException, match="MaxContributorCount"):
        _report(group, "hits", MaxContributorCount=101)
    with pytest.raises(cloudwatch.exceptions.InvalidParameterValueException, match="Metrics"):
        _report(group, "hits", Metrics=["p99"])


def test_updating_a_rule_applies_from_then_on(group: Lab) -> None:
    """Rules analyse events as they arrive: earlier events keep the definition they were analysed with."""
    lab = group
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_insight_rule(RuleName="hits", RuleDefinition=json.dumps(COUNT_BY_IP))
    _put(lab, 1, {"ip": "a", "user": "u1"})
    by_user = {**COUNT_BY_IP, "Contribution": {"Keys": ["$.user"]}}
    cloudwatch.put_insight_rule(RuleName="hits", RuleDefinition=json.dumps(by_user))
    _put(lab, 2, {"ip": "b", "user": "u2"})
    reply = _report(lab, "hits")
    assert reply["KeyLabels"] == ["$.user"]
    assert sorted(c["Keys"][0] for c in reply["Contributors"]) == ["a", "u2"]


def test_top_attacking_ips_from_ssh_lines_read_as_clf(group: Lab) -> None:
    """sshd lines are neither JSON nor CLF; read as CLF, a rule ranks one message shape by its field 13."""
    lab = group
    logs = lab.client("logs")
    logs.create_log_stream(logGroupName=GROUP, logStreamName="secure")
    rule = {
        "Schema": {"Name": "CloudWatchLogRule", "Version": 1},
        "LogGroupNames": [GROUP],
        "LogFormat": "CLF",
        "Fields": {"6": "event", "9": "kind", "13": "source"},
        "Contribution": {
            "Keys": ["source"],
            "Filters": [{"Match": "event", "In": ["Failed"]}, {"Match": "kind", "In": ["invalid"]}],
        },
        "AggregateOn": "Count",
    }
    lab.client("cloudwatch").put_insight_rule(RuleName="top-attackers", RuleDefinition=json.dumps(rule))
    at = int(_t0(lab).timestamp() * 1000)
    lines = [
        "Nov 26 10:15:03 ip-10-0-0-229 sshd[2817]: Failed password for invalid user oracle from 192.0.2.44 port 51822 ssh2",
        "Nov 26 10:15:04 ip-10-0-0-229 sshd[2818]: Failed password for invalid user admin from 192.0.2.44 port 51823 ssh2",
        "Nov 26 10:15:05 ip-10-0-0-229 sshd[2819]: Failed password for invalid user pi from 203.0.113.9 port 40000 ssh2",
        # another shape: the address is field 11, so this rule does not count it
        "Nov 26 10:15:06 ip-10-0-0-229 sshd[2820]: Failed password for root from 198.51.100.7 port 50122 ssh2",
    ]
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName="secure",
        logEvents=[{"timestamp": at + i, "message": m} for i, m in enumerate(lines)],
    )
    reply = _report(lab, "top-attackers")
    assert [(c["Keys"], c["ApproximateAggregateValue"]) for c in reply["Contributors"]] == [
        (["192.0.2.44"], 2.0),
        (["203.0.113.9"], 1.0),
    ]


def test_rules_are_torn_down_and_managed_rules_stay_refused(group: Lab) -> None:
    lab = group
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_insight_rule(RuleName="hits", RuleDefinition=json.dumps(COUNT_BY_IP))
    assert any(label.startswith("cloudwatch:insight-rule") for label in lab.inventory()), lab.inventory()
    with pytest.raises(UnsupportedOperation, match="PutManagedInsightRules"):
        cloudwatch.put_managed_insight_rules(ManagedRules=[{"TemplateName": "t", "ResourceARN": "arn:aws:x"}])
    lab.teardown()
    assert lab.internal_client("cloudwatch").describe_insight_rules()["InsightRules"] == []


def test_deleted_rule_is_gone(group: Lab) -> None:
    cloudwatch = group.client("cloudwatch")
    cloudwatch.put_insight_rule(RuleName="hits", RuleDefinition=json.dumps(COUNT_BY_IP))
    assert cloudwatch.delete_insight_rules(RuleNames=["hits"])["Failures"] == []
    assert cloudwatch.describe_insight_rules()["InsightRules"] == []
    with pytest.raises(cloudwatch.exceptions.ResourceNotFoundException):
        _report(group, "hits")


def test_on_a_moto_server_other_processes_report_what_the_rule_analysed_and_teardown_deletes_it(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a workshop's moto server (another process) each process reads which events arrived while the rule was
    enabled from moto's sequence numbers (eventId), and the spans live on the server: a kernel reports on the rule
    another process put and disabled ("When rules are enabled, they immediately begin analyzing log data";
    disabled, "they do not analyze log groups", API_EnableInsightRules / API_DisableInsightRules), and teardown in
    a new process deletes it (API_DeleteInsightRules)."""
    import labkit
    from labkit.emulator.contributor_insights import ContributorInsights

    monkeypatch.setenv("LABKIT_BACKEND", "moto-server")
    monkeypatch.setenv("LABKIT_ENDPOINT_URL", server)
    monkeypatch.setenv("LABKIT_PARTICIPANT", "insights-on-server")

    def contributors(lab: Lab) -> list[tuple[list[str], float]]:
        return [(c["Keys"], c["ApproximateAggregateValue"]) for c in _report(lab, "hits")["Contributors"]]

    first = labkit.connect(clear_abandoned=False)  # e.g. `labkit catchup`
    start = first.clock.now()  # the top of the real hour: each later lab starts there too
    first.client("logs").create_log_group(logGroupName=GROUP)
    _put(first, 0, {"ip": "before"})
    first.client("cloudwatch").put_insight_rule(RuleName="hits", RuleDefinition=json.dumps(COUNT_BY_IP))
    _put(first, 1, {"ip": "while"})
    first.close()

    second = labkit.connect(clear_abandoned=False, start=start)  # the notebook's kernel
    _put(second, 2, {"ip": "while"}, stream="t")
    assert contributors(second) == [(["while"], 2.0)]
    second.client("cloudwatch").disable_insight_rules(RuleNames=["hits"])
    _put(second, 3, {"ip": "after"})
    second.close()

    third = labkit.connect(clear_abandoned=False, start=start)  # a restarted kernel
    assert contributors(third) == [(["while"], 2.0)]
    third.client("cloudwatch").enable_insight_rules(RuleNames=["hits"])
    _put(third, 4, {"ip": "again"})
    assert contributors(third) == [(["while"], 2.0), (["again"], 1.0)]
    third.close()

    cleaner = labkit.connect(clear_abandoned=False)  # `labkit teardown` after a crash
    report = cleaner.teardown(all_labs=True)
    assert report.ok and any(label.startswith("cloudwatch:insight-rule") for label in report.deleted), report.deleted
    cleaner.close()
    after = labkit.connect(clear_abandoned=False)
    try:
        assert after.internal_client("cloudwatch").describe_insight_rules()["InsightRules"] == []
        assert after.emulator is not None
        plugin = after.emulator.plugin(ContributorInsights)
        assert plugin.state is not None and plugin.state.load() == {}
    finally:
        after.teardown(all_labs=True)
        after.close()


def test_on_a_moto_server_the_kernel_started_the_report_is_evaluated() -> None:
    import labkit

    lab = labkit.connect("moto-server")
    try:
        lab.client("logs").create_log_group(logGroupName=GROUP)
        _put(lab, 0, {"ip": "before"})
        lab.client("cloudwatch").put_insight_rule(RuleName="hits", RuleDefinition=json.dumps(COUNT_BY_IP))
        _put(lab, 1, {"ip": "while"})
        assert [c["Keys"] for c in _report(lab, "hits")["Contributors"]] == [["while"]]
    finally:
        lab.close()
