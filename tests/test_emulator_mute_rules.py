"""Alarm mute rules through plain boto3 calls on a lab client (labkit/emulator/cloudwatch_mute_rules.py).

Rules: PutAlarmMuteRule / GetAlarmMuteRule / ListAlarmMuteRules / DeleteAlarmMuteRule API references
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutAlarmMuteRule.html): muted alarms
"continue to evaluate metrics and transition between states, but their configured actions ... are muted";
"How alarm mute rules work" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-mute-rules-behaviour.html):
the actions run when the window ends with the alarm still in the state it was muted in, and not otherwise.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit.exceptions import UnsupportedOperation
from labkit.runtime.lab import Lab

UTC = dt.timezone.utc
START = dt.datetime(2026, 6, 1, tzinfo=UTC)  # the lab clock's default start (conftest's lab fixture)
ERRORS = {
    "Namespace": "Lab/App",
    "MetricName": "Errors",
    "Statistic": "Sum",
    "Period": 60,
    "EvaluationPeriods": 1,
    "Threshold": 1.0,
    "ComparisonOperator": "GreaterThanThreshold",
    "TreatMissingData": "notBreaching",
}
EMAIL = "oncall@example.com"


@pytest.fixture
def lab() -> Any:
    opened = labkit.connect("moto")
    yield opened
    opened.close()


@pytest.fixture
def cloudwatch(lab: Lab) -> Any:
    sns = lab.client("sns")
    topic = sns.create_topic(Name="pager")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=EMAIL)
    lab.inbox.confirm(EMAIL)
    client = lab.client("cloudwatch")
    client.put_metric_alarm(AlarmName="errors", AlarmActions=[topic], **ERRORS)
    return client


def _run(lab: Lab, cloudwatch: Any, minutes: int, errors: float) -> None:
    """Advance ``minutes`` lab minutes, publishing ``errors`` each minute (0: none)."""
    for _ in range(minutes):
        if errors:
            cloudwatch.put_metric_data(Namespace="Lab/App", MetricData=[{"MetricName": "Errors", "Value": errors}])
        lab.advance(minutes=1)


def _alarm_emails(lab: Lab) -> list[tuple[str, dt.datetime]]:
    return [(email.subject.split(":")[0], email.sent_at) for email in lab.inbox.notifications(EMAIL)]


def _state(cloudwatch: Any) -> str:
    return str(cloudwatch.describe_alarms(AlarmNames=["errors"])["MetricAlarms"][0]["StateValue"])


def _mute(cloudwatch: Any, expression: str = "at(2026-06-01T00:10)", duration: str = "PT30M", **more: Any) -> None:
    cloudwatch.put_alarm_mute_rule(
        Name="deploy",
        Rule={"Schedule": {"Expression": expression, "Duration": duration}},
        MuteTargets={"AlarmNames": ["errors"]},
        **more,
    )


def test_muted_alarm_changes_state_without_email_and_acts_when_the_window_ends(lab: Lab, cloudwatch: Any) -> None:
    """The page's second scenario: muted at t2, still in ALARM when the window ends at t5, the action runs."""
    _mute(cloudwatch)
    assert cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName="deploy")["Status"] == "SCHEDULED"
    _run(lab, cloudwatch, 10, 0)
    assert cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName="deploy")["Status"] == "ACTIVE"
    _run(lab, cloudwatch, 10, 5)  # errors from 00:10
    assert _state(cloudwatch) == "ALARM"
    assert _alarm_emails(lab) == []  # the action is muted
    history = cloudwatch.describe_alarm_history(AlarmName="errors")["AlarmHistoryItems"]
    assert [item["HistoryItemType"] for item in history][:1] == ["StateUpdate"]  # no Action item while muted
    _run(lab, cloudwatch, 20, 5)  # the window ends at 00:40, the alarm still in ALARM
    assert _alarm_emails(lab) == [("ALARM", START + dt.timedelta(minutes=40))]
    assert cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName="deploy")["Status"] == "EXPIRED"  # one-time, over
    actions = cloudwatch.describe_alarm_history(AlarmName="errors", HistoryItemType="Action")["AlarmHistoryItems"]
    assert [item["Timestamp"] for item in actions] == [START + dt.timedelta(minutes=40)]


def test_alarm_back_to_ok_inside_the_window_sends_nothing_and_later_changes_email_again(
    lab: Lab,
    cloudwatch: Any,
) -> None:
    """The page's first scenario: ALARM and back to OK inside the window, no action at its end; after it, a
    transition to ALARM runs its action at once."""
    _mute(cloudwatch)
    _run(lab, cloudwatch, 12, 0)
    _run(lab, cloudwatch, 5, 5)
    assert _state(cloudwatch) == "ALARM"
    _run(lab, cloudwatch, 30, 0)  # OK from about 00:18; the window ends at 00:40
    assert _state(cloudwatch) == "OK" and _alarm_emails(lab) == []
    _run(lab, cloudwatch, 3, 5)
    assert [subject for subject, _ in _alarm_emails(lab)] == ["ALARM"]


def test_deleting_the_rule_unmutes_at_once(lab: Lab, cloudwatch: Any) -> None:
    """DeleteAlarmMuteRule: "any alarms that are currently being muted by that rule are immediately unmuted. If
    those alarms are in an ALARM state, their configured actions will trigger"; it is idempotent."""
    _mute(cloudwatch, "at(2026-06-01T00:00)", "PT2H")
    _run(lab, cloudwatch, 5, 5)
    assert _state(cloudwatch) == "ALARM" and _alarm_emails(lab) == []
    cloudwatch.delete_alarm_mute_rule(AlarmMuteRuleName="deploy")
    assert _alarm_emails(lab) == [("ALARM", START + dt.timedelta(minutes=5))]
    cloudwatch.delete_alarm_mute_rule(AlarmMuteRuleName="deploy")
    with pytest.raises(ClientError) as error:
        cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName="deploy")
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_recurring_rule_statuses_and_expiry(lab: Lab, cloudwatch: Any) -> None:
    """A cron rule is SCHEDULED between windows, ACTIVE in them, EXPIRED after ExpireDate ("After this time,
    the rule status becomes EXPIRED and will no longer mute the targeted alarms")."""
    _mute(cloudwatch, "cron(0,30 * * * *)", "PT10M", ExpireDate=START + dt.timedelta(minutes=45))
    rule = cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName="deploy")
    assert rule["MuteType"] == "RECURRING" and rule["Status"] == "ACTIVE"  # 00:00-00:10
    assert rule["ExpireDate"] == START + dt.timedelta(minutes=45) and "StartDate" not in rule
    seen = []
    for _ in range(50):
        lab.advance(minutes=1)
        seen.append(cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName="deploy")["Status"])
    assert seen[8:11] == ["ACTIVE", "SCHEDULED", "SCHEDULED"]  # 00:09, 00:10, 00:11
    assert seen[29:31] == ["ACTIVE", "ACTIVE"] and seen[39] == "SCHEDULED"  # 00:30, 00:31; 00:40
    assert seen[44:] == ["EXPIRED"] * 6  # from 00:45
    listed = cloudwatch.list_alarm_mute_rules(Statuses=["EXPIRED"])["AlarmMuteRuleSummaries"]
    assert [s["AlarmMuteRuleArn"] for s in listed] == [
        f"arn:aws:cloudwatch:{lab.region}:{lab.account_id}:alarm-mute-rule:deploy"
    ]
    assert listed[0]["MuteType"] == "RECURRING" and listed[0]["ExpireDate"] == START + dt.timedelta(minutes=45)
    assert cloudwatch.list_alarm_mute_rules(Statuses=["ACTIVE"])["AlarmMuteRuleSummaries"] == []
    assert cloudwatch.list_alarm_mute_rules(AlarmName="other")["AlarmMuteRuleSummaries"] == []
    assert len(cloudwatch.list_alarm_mute_rules(AlarmName="errors")["AlarmMuteRuleSummaries"]) == 1


def test_start_date_delays_the_rule(lab: Lab, cloudwatch: Any) -> None:
    """StartDate: "The date and time after which the mute rule takes effect"."""
    _mute(cloudwatch, "cron(* * * * *)", "PT1M", StartDate=START + dt.timedelta(minutes=20))
    assert cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName="deploy")["Status"] == "SCHEDULED"
    _run(lab, cloudwatch, 3, 5)
    assert [subject for subject, _ in _alarm_emails(lab)] == ["ALARM"]  # not muted before StartDate


def test_list_pages_and_tags(lab: Lab, cloudwatch: Any) -> None:
    for name in ("a", "b", "c"):
        cloudwatch.put_alarm_mute_rule(
            Name=name,
            Rule={"Schedule": {"Expression": "cron(0 2 * * SUN)", "Duration": "PT4H", "Timezone": "Asia/Tokyo"}},
            MuteTargets={"AlarmNames": ["errors"]},
            Tags=[{"Key": "team", "Value": "ops"}],
        )
    first = cloudwatch.list_alarm_mute_rules(MaxRecords=2)
    second = cloudwatch.list_alarm_mute_rules(MaxRecords=2, NextToken=first["NextToken"])
    arns = [
        s["AlarmMuteRuleArn"].rsplit(":", 1)[1]
        for s in first["AlarmMuteRuleSummaries"] + second["AlarmMuteRuleSummaries"]
    ]
    assert arns == ["a", "b", "c"] and "NextToken" not in second
    with pytest.raises(ClientError, match="InvalidNextToken"):
        cloudwatch.list_alarm_mute_rules(NextToken="bogus")
    for bad in ({"MaxRecords": 101}, {"Statuses": ["MUTED"]}):  # the model: MaxRecords 1-100, Statuses an enum
        with pytest.raises(ClientError) as error:
            cloudwatch.list_alarm_mute_rules(**bad)
        assert error.value.response["Error"]["Code"] == "ValidationError", bad
    arn = first["AlarmMuteRuleSummaries"][0]["AlarmMuteRuleArn"]
    cloudwatch.tag_resource(ResourceARN=arn, Tags=[{"Key": "cost", "Value": "lab"}])
    cloudwatch.untag_resource(ResourceARN=arn, TagKeys=["team"])
    tags = {t["Key"]: t["Value"] for t in cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]}
    assert tags == {"cost": "lab", "labkit:lab": lab.lab_id}


def test_bad_input_gets_aws_error_codes(cloudwatch: Any) -> None:
    """Schedule reference: "Format: cron(Minutes Hours Day-of-month Month Day-of-week)" or
    "at(yyyy-MM-ddThh:mm)"; Duration "minimum of 1 minute (PT1M) and maximum of 15 days (P15D)"; MuteTargets
    "must match existing alarms"."""
    cases = [
        ({"Expression": "rate(5 minutes)", "Duration": "PT1H"}, ["errors"], "InvalidParameterValue"),
        ({"Expression": "cron(0 2 * * ? *)", "Duration": "PT1H"}, ["errors"], "InvalidParameterValue"),
        ({"Expression": "cron(0 2 * * *)", "Duration": "P16D"}, ["errors"], "InvalidParameterValue"),
        (
            {"Expression": "cron(0 2 * * *)", "Duration": "PT1H", "Timezone": "Mars/Olympus"},
            ["errors"],
            "InvalidParameterValue",
        ),
        ({"Expression": "cron(0 2 * * *)", "Duration": "PT1H"}, ["no-such-alarm"], "InvalidParameterValue"),
        ({"Expression": "cron(0 2 * * *)", "Duration": "PT1H"}, ["errors"] * 101, "ValidationError"),
    ]
    for schedule, targets, code in cases:
        with pytest.raises(ClientError) as error:
            cloudwatch.put_alarm_mute_rule(Name="bad", Rule={"Schedule": schedule}, MuteTargets={"AlarmNames": targets})
        assert error.value.response["Error"]["Code"] == code, schedule
    assert cloudwatch.list_alarm_mute_rules()["AlarmMuteRuleSummaries"] == []  # nothing stored


def test_what_the_pages_leave_open_is_refused_by_name(cloudwatch: Any) -> None:
    with pytest.raises(UnsupportedOperation, match=r"PutAlarmMuteRule.*day of week '1'"):
        _mute(cloudwatch, "cron(0 2 * * 1)")
    with pytest.raises(UnsupportedOperation, match=r"PutAlarmMuteRule.*MuteTargets"):
        cloudwatch.put_alarm_mute_rule(
            Name="all", Rule={"Schedule": {"Expression": "cron(0 2 * * *)", "Duration": "PT1H"}}
        )
    with pytest.raises(UnsupportedOperation, match=r"StartDate with the Timezone Asia/Tokyo"):
        cloudwatch.put_alarm_mute_rule(
            Name="tz",
            Rule={"Schedule": {"Expression": "cron(0 2 * * *)", "Duration": "PT1H", "Timezone": "Asia/Tokyo"}},
            MuteTargets={"AlarmNames": ["errors"]},
            StartDate=START,
        )


def test_composite_alarm_actions_are_muted_too(lab: Lab, cloudwatch: Any) -> None:
    topic = lab.client("sns").list_topics()["Topics"][0]["TopicArn"]
    cloudwatch.put_composite_alarm(AlarmName="page-me", AlarmRule="ALARM(errors)", AlarmActions=[topic])
    cloudwatch.put_alarm_mute_rule(
        Name="quiet",
        Rule={"Schedule": {"Expression": "at(2026-06-01T00:00)", "Duration": "PT15M"}},
        MuteTargets={"AlarmNames": ["page-me", "errors"]},
    )
    _run(lab, cloudwatch, 20, 5)
    composite = cloudwatch.describe_alarms(AlarmNames=["page-me"], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"][0]
    assert composite["StateValue"] == "ALARM"
    assert sorted(email.subject.split('"')[1] for email in lab.inbox.notifications(EMAIL)) == ["errors", "page-me"]
    assert {email.sent_at for email in lab.inbox.notifications(EMAIL)} == {START + dt.timedelta(minutes=15)}


def test_putting_a_rule_again_updates_it(lab: Lab, cloudwatch: Any) -> None:
    """ "If you specify a rule name that already exists, this operation updates the existing rule with the new
    configuration": the rule's new schedule applies at once, and the alarm it no longer mutes acts."""
    _mute(cloudwatch, "at(2026-06-01T00:00)", "PT2H", Tags=[{"Key": "team", "Value": "ops"}])
    _run(lab, cloudwatch, 5, 5)
    assert _state(cloudwatch) == "ALARM" and _alarm_emails(lab) == []
    _mute(cloudwatch, "at(2026-06-02T00:00)", "PT1H", Tags=[{"Key": "team", "Value": "other"}])
    rule = cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName="deploy")
    assert rule["Rule"]["Schedule"] == {"Expression": "at(2026-06-02T00:00)", "Duration": "PT1H"}
    assert rule["Status"] == "SCHEDULED" and rule["LastUpdatedTimestamp"] == START + dt.timedelta(minutes=5)
    assert _alarm_emails(lab) == [("ALARM", START + dt.timedelta(minutes=5))]  # unmuted by the update
    assert len(cloudwatch.list_alarm_mute_rules()["AlarmMuteRuleSummaries"]) == 1
    tags = cloudwatch.list_tags_for_resource(ResourceARN=rule["AlarmMuteRuleArn"])["Tags"]
    assert {"Key": "team", "Value": "ops"} in tags  # labkit: tags are kept from the creation
    assert [label for label in lab.inventory() if label.startswith("cloudwatch:alarm-mute-rule")] != []


def test_on_a_moto_server_a_muted_alarm_emails_after_the_window_and_teardown_leaves_nothing(
    server: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same rules with the alarms on a workshop's moto server (the rules are kept there too)."""
    monkeypatch.setenv("LABKIT_BACKEND", "moto-server")
    monkeypatch.setenv("LABKIT_ENDPOINT_URL", server)
    monkeypatch.setenv("LABKIT_PARTICIPANT", "mute-server")
    with labkit.connect() as lab:
        sns = lab.client("sns")
        topic = sns.create_topic(Name="pager")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=EMAIL)
        lab.inbox.confirm(EMAIL)
        cloudwatch = lab.client("cloudwatch")
        cloudwatch.put_metric_alarm(AlarmName="errors", AlarmActions=[topic], **ERRORS)
        start = lab.clock.now()
        when = start.strftime("%Y-%m-%dT%H:%M")
        _mute(cloudwatch, f"at({when})", "PT10M")
        _run(lab, cloudwatch, 5, 5)
        assert _state(cloudwatch) == "ALARM" and _alarm_emails(lab) == []
        _run(lab, cloudwatch, 6, 5)
        assert _alarm_emails(lab) == [("ALARM", start + dt.timedelta(minutes=10))]
        report = lab.teardown()
        assert report.failed == [] and report.remaining == []


def test_a_rule_one_process_put_is_seen_and_honoured_by_the_next_and_torn_down_by_a_third(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a workshop's moto server the rules live on the server (labkit/emulator/server_state.py): the kernel that
    connects after `labkit catchup` (or after a crash) gets, lists and applies the rule another process put, and
    `labkit teardown` in a new process finds and deletes it (DeleteAlarmMuteRule, API reference:
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DeleteAlarmMuteRule.html)."""
    from labkit.emulator.cloudwatch_mute_rules import AlarmMuteRules

    with labkit.connect("moto-server") as server:
        monkeypatch.setenv("LABKIT_ENDPOINT_URL", server.backend.endpoint_url)
        first = labkit.connect("moto-server", clear_abandoned=False)
        sns = first.client("sns")
        topic = sns.create_topic(Name="pager")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=EMAIL)
        first.inbox.confirm(EMAIL)
        first.client("cloudwatch").put_metric_alarm(AlarmName="errors", AlarmActions=[topic], **ERRORS)
        start = first.clock.now()
        _mute(
            first.client("cloudwatch"), f"at({start:%Y-%m-%dT%H:%M})", "PT10M", Tags=[{"Key": "team", "Value": "ops"}]
        )
        arn = first.client("cloudwatch").get_alarm_mute_rule(AlarmMuteRuleName="deploy")["AlarmMuteRuleArn"]
        first.close()

        second = labkit.connect("moto-server", clear_abandoned=False, start=start)
        cloudwatch = second.client("cloudwatch")
        rule = cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName="deploy")
        assert rule["MuteTargets"] == {"AlarmNames": ["errors"]} and rule["Status"] == "ACTIVE"
        assert rule["LastUpdatedTimestamp"] == start
        assert [s["AlarmMuteRuleArn"] for s in cloudwatch.list_alarm_mute_rules()["AlarmMuteRuleSummaries"]] == [arn]
        assert {"Key": "team", "Value": "ops"} in cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]
        _run(second, cloudwatch, 5, 5)
        assert _state(cloudwatch) == "ALARM" and _alarm_emails(second) == []  # muted in this process too
        second.close()  # killed inside the window, the alarm's ALARM actions still muted

        third = labkit.connect("moto-server", clear_abandoned=False, start=start)
        assert third.emulator is not None and third.emulator.plugin(AlarmMuteRules).pending == {
            (third.region, "errors"): ("INSUFFICIENT_DATA", "ALARM")
        }
        _run(third, third.client("cloudwatch"), 10, 5)  # still in ALARM when the window ends: the muted action runs
        assert _alarm_emails(third) == [("ALARM", start + dt.timedelta(minutes=10))]
        third.close()

        report = labkit.connect("moto-server", clear_abandoned=False).teardown(all_labs=True)  # `labkit teardown`
        assert report.failed == [] and report.remaining == []
        assert any(label.startswith("cloudwatch:alarm-mute-rule") for label in report.deleted), report.deleted
        after = labkit.connect("moto-server", clear_abandoned=False)
        assert after.client("cloudwatch").list_alarm_mute_rules()["AlarmMuteRuleSummaries"] == []
        assert after.emulator is not None and after.emulator.plugin(AlarmMuteRules).state.load() == {}
        after.close()
