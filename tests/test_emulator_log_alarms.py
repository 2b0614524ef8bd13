"""Log alarms through plain boto3, as a notebook calls them (labkit.emulator.cloudwatch_log_alarms).

Sources: PutLogAlarm (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutLogAlarm.html),
DescribeAlarms (API_DescribeAlarms.html: "If you specify LogAlarms, the operation returns only a list of log alarms"),
DeleteAlarms (API_DeleteAlarms.html: "Log alarms cannot be batch deleted"), "Log alarms"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-log.html: "Log Alarms evaluate the last N query
executions. The alarm transitions to ALARM when M of those N executions breach the threshold").
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from lab_setups import email_topic, errors_alarm

from labkit.emulator.events import Events
from labkit.exceptions import UnsupportedOperation
from labkit.runtime.lab import Lab

GROUP = "/var/log/secure"


@pytest.fixture
def topic(lab: Lab) -> str:
    arn = email_topic(lab, "alerts", "oncall@example.com")
    logs = lab.client("logs")
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="i-0123456789abcdef0")
    return arn


def _alarm(lab: Lab, **changes: Any) -> dict[str, Any]:
    """An SSH-failure log alarm on /var/log/secure's "[preauth]" lines (notebook 05's signal), every minute."""
    params: dict[str, Any] = {
        "AlarmName": "ssh-failures",
        "ScheduledQueryConfiguration": {
            "QueryString": "filter @message like /\\[preauth\\]/",
            "LogGroupIdentifiers": [GROUP],
            "ScheduledQueryRoleARN": f"arn:aws:iam::{lab.account_id}:role/scheduled-query",
            "ScheduleConfiguration": {"ScheduleExpression": "rate(1 minute)", "StartTimeOffset": 60},
            "AggregationExpression": "count(*)",
        },
        "QueryResultsToEvaluate": 1,
        "QueryResultsToAlarm": 1,
        "Threshold": 3.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    }
    params.update(changes)
    return params


def _failures(lab: Lab, count: int, seconds: int = 10) -> None:
    """``count`` sshd "[preauth]" lines stamped ``seconds`` after the lab's now, and one accepted login."""
    when = lab.clock.now() + dt.timedelta(seconds=seconds)
    stamp = int(when.timestamp() * 1000)
    events = [
        {"timestamp": stamp + i, "message": f"Connection closed by 203.0.113.{i} port 22 [preauth]"}
        for i in range(count)
    ]
    events.append({"timestamp": stamp + count, "message": "Accepted publickey for ec2-user from 198.51.100.7"})
    lab.client("logs").put_log_events(logGroupName=GROUP, logStreamName="i-0123456789abcdef0", logEvents=events)


def _cpu_alarm(lab: Lab) -> None:
    """The metric alarm "cpu": EC2's 5-minute average CPUUtilization above 80 %."""
    lab.client("cloudwatch").put_metric_alarm(
        AlarmName="cpu",
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Statistic="Average",
        Period=300,
        EvaluationPeriods=1,
        Threshold=80.0,
        ComparisonOperator="GreaterThanThreshold",
    )


def _described(lab: Lab, name: str = "ssh-failures") -> dict[str, Any]:
    [alarm] = lab.client("cloudwatch").describe_alarms(AlarmNames=[name], AlarmTypes=["LogAlarm"])["LogAlarms"]
    return alarm


def test_ssh_failures_go_ok_alarm_ok_with_lab_time_and_email(lab: Lab, topic: str) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_log_alarm(**_alarm(lab, AlarmActions=[topic], OKActions=[topic]))
    alarm = _described(lab)
    assert (alarm["StateValue"], alarm["StateReason"]) == ("INSUFFICIENT_DATA", "Unchecked: Initial alarm creation")
    assert alarm["AlarmArn"] == f"arn:aws:cloudwatch:{lab.region}:{lab.account_id}:alarm:ssh-failures"
    assert alarm["ScheduledQueryConfiguration"]["ScheduleConfiguration"]["EndTimeOffset"] == 0  # "The default is 0"
    # The first execution runs a minute after the put, over the minute before it: no [preauth] line, a count of 0.
    lab.advance(minutes=1)
    assert _described(lab)["StateValue"] == "OK"
    _failures(lab, 5)
    lab.advance(minutes=1)
    alarm = _described(lab)
    assert alarm["StateValue"] == "ALARM"
    assert alarm["StateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints [5.0 ")
    assert json.loads(alarm["StateReasonData"])["recentDatapoints"] == [5.0]
    lab.advance(minutes=1)  # the next minute has no failures
    assert _described(lab)["StateValue"] == "OK"
    subjects = [email.subject for email in lab.inbox.notifications("oncall@example.com")]
    assert subjects == [f'{state}: "ssh-failures" in Asia Pacific (Tokyo)' for state in ("OK", "ALARM", "OK")]
    email = lab.inbox.notifications("oncall@example.com")[1]
    assert 'Amazon CloudWatch Alarm "ssh-failures"' in email.body and "has entered the ALARM state" in email.body
    assert "- LogGroupIdentifiers:" in email.body and GROUP in email.body
    history = cloudwatch.describe_alarm_history(
        AlarmName="ssh-failures", AlarmTypes=["LogAlarm"], ScanBy="TimestampAscending"
    )
    items = [
        (item["AlarmType"], item["HistoryItemType"], item["HistorySummary"]) for item in history["AlarmHistoryItems"]
    ]
    assert items == [
        ("LogAlarm", "ConfigurationUpdate", 'Alarm "ssh-failures" created'),
        ("LogAlarm", "StateUpdate", "Alarm updated from INSUFFICIENT_DATA to OK"),
        ("LogAlarm", "Action", f"Successfully executed action {topic}"),
        ("LogAlarm", "StateUpdate", "Alarm updated from OK to ALARM"),
        ("LogAlarm", "Action", f"Successfully executed action {topic}"),
        ("LogAlarm", "StateUpdate", "Alarm updated from ALARM to OK"),
        ("LogAlarm", "Action", f"Successfully executed action {topic}"),
    ]
    # Without AlarmTypes, DescribeAlarms and DescribeAlarmHistory return metric alarms only.
    assert cloudwatch.describe_alarms()["MetricAlarms"] == [] and "LogAlarms" not in cloudwatch.describe_alarms()
    assert cloudwatch.describe_alarm_history(AlarmName="ssh-failures")["AlarmHistoryItems"] == []


def test_m_of_n_executions(lab: Lab, topic: str) -> None:
    """2 of the last 3 executions breaching: ALARM at the second breach within three executions, OK when the last
    three hold fewer than two."""
    lab.client("cloudwatch").put_log_alarm(**_alarm(lab, QueryResultsToEvaluate=3, QueryResultsToAlarm=2))
    states = []
    for count in (5, 0, 4, 4, 0, 0):
        _failures(lab, count)
        lab.advance(minutes=1)
        states.append(_described(lab)["StateValue"])
    assert states == ["INSUFFICIENT_DATA", "OK", "ALARM", "ALARM", "ALARM", "OK"]


@pytest.mark.parametrize(
    ("treat", "state"), [(None, "INSUFFICIENT_DATA"), ("notBreaching", "OK"), ("breaching", "ALARM")]
)
def test_an_execution_without_a_value_is_missing_data(lab: Lab, topic: str, treat: str | None, state: str) -> None:
    """An average over no rows has no value: a missing data point, handled by TreatMissingData (default missing)."""
    config = _alarm(lab)["ScheduledQueryConfiguration"]
    config.update(QueryString="parse @message 'took *ms' as ms", AggregationExpression="avg(ms)")
    extra = {"TreatMissingData": treat} if treat else {}
    lab.client("cloudwatch").put_log_alarm(**_alarm(lab, ScheduledQueryConfiguration=config, **extra))
    lab.advance(minutes=2)
    assert _described(lab)["StateValue"] == state


def test_replacing_keeps_state_and_tags_and_changes_the_configuration(lab: Lab, topic: str) -> None:
    """ "If you call this operation with the name of an existing log alarm, the operation replaces the previous
    configuration of that alarm"."""
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_log_alarm(**_alarm(lab, Tags=[{"Key": "team", "Value": "ops"}]))
    _failures(lab, 5)
    lab.advance(minutes=1)
    assert _described(lab)["StateValue"] == "ALARM"
    cloudwatch.put_log_alarm(**_alarm(lab, Threshold=50.0, AlarmDescription="many failures"))
    alarm = _described(lab)
    assert (alarm["StateValue"], alarm["Threshold"], alarm["AlarmDescription"]) == ("ALARM", 50.0, "many failures")
    assert len(cloudwatch.describe_alarms(AlarmTypes=["LogAlarm"])["LogAlarms"]) == 1
    tags = cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
    assert {"Key": "team", "Value": "ops"} in tags
    _failures(lab, 5)
    lab.advance(minutes=1)
    assert _described(lab)["StateValue"] == "OK"  # 5 < 50 now
    history = cloudwatch.describe_alarm_history(AlarmName="ssh-failures", AlarmTypes=["LogAlarm"])["AlarmHistoryItems"]
    assert 'Alarm "ssh-failures" updated' in [item["HistorySummary"] for item in history]


def test_validation_errors_in_aws_words(lab: Lab, topic: str) -> None:
    cloudwatch = lab.client("cloudwatch")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"QueryResultsToEvaluate": 101}, "QueryResultsToEvaluate must be between 1 and 100"),
        ({"QueryResultsToEvaluate": 2, "QueryResultsToAlarm": 3}, "QueryResultsToAlarm must be less than or equal to"),
        ({"ComparisonOperator": "LessThanLowerThreshold"}, "Invalid ComparisonOperator"),
    ]
    for changes, words in cases:
        with pytest.raises(ClientError) as caught:
            cloudwatch.put_log_alarm(**_alarm(lab, **changes))
        assert caught.value.response["Error"]["Code"] == "ValidationError"
        assert words in caught.value.response["Error"]["Message"]
    config = _alarm(lab)["ScheduledQueryConfiguration"]
    config["ScheduleConfiguration"] = {"ScheduleExpression": "cron(0/5 * * * ? *)", "StartTimeOffset": 60}
    with pytest.raises(cloudwatch.exceptions.ClientError, match="specify a rate\\(\\) expression"):
        cloudwatch.put_log_alarm(**_alarm(lab, ScheduledQueryConfiguration=config))
    config["ScheduleConfiguration"] = {
        "ScheduleExpression": "rate(5 minutes)",
        "StartTimeOffset": 60,
        "EndTimeOffset": 60,
    }
    with pytest.raises(ClientError, match="EndTimeOffset must be less than StartTimeOffset"):
        cloudwatch.put_log_alarm(**_alarm(lab, ScheduledQueryConfiguration=config))
    bad_query = {**_alarm(lab)["ScheduledQueryConfiguration"], "QueryString": "filter ("}
    with pytest.raises(ClientError, match="Invalid query"):
        cloudwatch.put_log_alarm(**_alarm(lab, ScheduledQueryConfiguration=bad_query))
    assert cloudwatch.describe_alarms(AlarmTypes=["LogAlarm"])["LogAlarms"] == []


def test_what_the_docs_leave_open_is_refused_by_name(lab: Lab, topic: str) -> None:
    cloudwatch = lab.client("cloudwatch")
    by_host = {**_alarm(lab)["ScheduledQueryConfiguration"], "AggregationExpression": "count(*) by @logStream"}
    with pytest.raises(UnsupportedOperation, match=r"PutLogAlarm.*by clause.*contributor"):
        cloudwatch.put_log_alarm(**_alarm(lab, ScheduledQueryConfiguration=by_host))
    missing = {**_alarm(lab)["ScheduledQueryConfiguration"], "LogGroupIdentifiers": ["/var/log/messages"]}
    with pytest.raises(UnsupportedOperation, match="/var/log/messages, which does not exist"):
        cloudwatch.put_log_alarm(**_alarm(lab, ScheduledQueryConfiguration=missing))
    lambda_arn = f"arn:aws:lambda:{lab.region}:{lab.account_id}:function:page"
    with pytest.raises(UnsupportedOperation, match="only SNS topic actions"):
        cloudwatch.put_log_alarm(**_alarm(lab, AlarmActions=[lambda_arn]))
    with pytest.raises(UnsupportedOperation, match="ActionLogLineCount"):
        cloudwatch.put_log_alarm(
            **_alarm(lab, ActionLogLineCount=5, ActionLogLineRoleArn=f"arn:aws:iam::{lab.account_id}:role/r")
        )
    with pytest.raises(UnsupportedOperation, match="WarmUpConfiguration"):
        cloudwatch.put_log_alarm(**_alarm(lab, WarmUpConfiguration={"WarmUpPeriodDurationInMinutes": 5}))
    tagged = {**_alarm(lab)["ScheduledQueryConfiguration"], "Tags": [{"Key": "k", "Value": "v"}]}
    with pytest.raises(UnsupportedOperation, match=r"ScheduledQueryConfiguration\.Tags"):
        cloudwatch.put_log_alarm(**_alarm(lab, ScheduledQueryConfiguration=tagged))
    assert cloudwatch.describe_alarms(AlarmTypes=["LogAlarm"])["LogAlarms"] == []


def test_delete_alone_not_in_a_batch(lab: Lab, topic: str) -> None:
    """ "Log alarms cannot be batch deleted" (DeleteAlarms reference)."""
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_log_alarm(**_alarm(lab))
    _cpu_alarm(lab)
    with pytest.raises(ClientError, match="Log alarms cannot be batch deleted") as caught:
        cloudwatch.delete_alarms(AlarmNames=["ssh-failures", "cpu"])
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert len(cloudwatch.describe_alarms(AlarmTypes=["LogAlarm", "MetricAlarm"])["MetricAlarms"]) == 1
    cloudwatch.delete_alarms(AlarmNames=["ssh-failures"])
    assert cloudwatch.describe_alarms(AlarmTypes=["LogAlarm"])["LogAlarms"] == []
    lab.advance(minutes=2)  # no execution of a deleted alarm: no state change is recorded
    history = cloudwatch.describe_alarm_history(AlarmName="ssh-failures", AlarmTypes=["LogAlarm"])["AlarmHistoryItems"]
    assert [item for item in history if item["HistoryItemType"] == "StateUpdate"] == []
    assert cloudwatch.describe_alarms(AlarmTypes=["LogAlarm"])["LogAlarms"] == []


def test_names_are_unique_among_alarm_types(lab: Lab, topic: str) -> None:
    """AlarmName "must be unique within the Amazon Web Services account and Region" (ResourceConflict)."""
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_log_alarm(**_alarm(lab))
    with pytest.raises(ClientError) as caught:
        errors_alarm(lab, "ssh-failures")
    assert caught.value.response["Error"]["Code"] == "ResourceConflict"


def test_set_alarm_state_lasts_until_the_next_execution(lab: Lab, topic: str) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_log_alarm(**_alarm(lab, AlarmActions=[topic]))
    cloudwatch.set_alarm_state(AlarmName="ssh-failures", StateValue="ALARM", StateReason="testing the page")
    assert (_described(lab)["StateValue"], _described(lab)["StateReason"]) == ("ALARM", "testing the page")
    assert len(lab.inbox.notifications("oncall@example.com")) == 1
    lab.advance(minutes=1)
    assert _described(lab)["StateValue"] == "OK"
    with pytest.raises(ClientError) as caught:  # InvalidFormatFault: "Data was not syntactically valid JSON"
        cloudwatch.set_alarm_state(AlarmName="ssh-failures", StateValue="ALARM", StateReason="r", StateReasonData="{")
    assert caught.value.response["Error"]["Code"] == "InvalidFormat"
    assert _described(lab)["StateValue"] == "OK"


def test_a_state_change_sends_the_eventbridge_event(lab: Lab, topic: str) -> None:
    """ "CloudWatch sends events to Amazon EventBridge whenever a CloudWatch alarm ... changes alarm state"
    (cloudwatch-and-eventbridge.html); the configuration's content is labkit's shape for log alarms."""
    lab.client("cloudwatch").put_log_alarm(**_alarm(lab))
    _failures(lab, 5)
    lab.advance(minutes=1)
    [event] = [e for e in lab.emulator.plugin(Events).events if e["detail"]["alarmName"] == "ssh-failures"]
    assert (event["source"], event["detail-type"]) == ("aws.cloudwatch", "CloudWatch Alarm State Change")
    assert event["resources"] == [f"arn:aws:cloudwatch:{lab.region}:{lab.account_id}:alarm:ssh-failures"]
    states = (event["detail"]["previousState"]["value"], event["detail"]["state"]["value"])
    assert states == ("INSUFFICIENT_DATA", "ALARM")
    assert event["detail"]["configuration"]["aggregationExpression"] == "count(*)"


def test_mute_rules_mute_a_log_alarm(lab: Lab, topic: str) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_log_alarm(**_alarm(lab, AlarmActions=[topic]))
    cloudwatch.put_alarm_mute_rule(
        Name="maintenance",
        Rule={"Schedule": {"Expression": f"at({lab.clock.now():%Y-%m-%dT%H:%M})", "Duration": "PT10M"}},
        MuteTargets={"AlarmNames": ["ssh-failures"]},
    )
    _failures(lab, 5)
    lab.advance(minutes=2)
    assert _described(lab)["StateValue"] == "OK"  # 5 failures in the first minute, none in the second
    _failures(lab, 5)
    lab.advance(minutes=1)
    assert _described(lab)["StateValue"] == "ALARM"
    assert lab.inbox.notifications("oncall@example.com") == []  # muted


def test_a_composite_alarm_naming_a_log_alarm_is_refused(lab: Lab, topic: str) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_log_alarm(**_alarm(lab))
    with pytest.raises(UnsupportedOperation, match=r"PutCompositeAlarm.*log alarm ssh-failures"):
        cloudwatch.put_composite_alarm(AlarmName="both", AlarmRule="ALARM(ssh-failures)")
    _cpu_alarm(lab)
    with pytest.raises(UnsupportedOperation, match=r"PutCompositeAlarm.*log alarm ssh-failures as ActionsSuppressor"):
        cloudwatch.put_composite_alarm(
            AlarmName="cpu-page",
            AlarmRule="ALARM(cpu)",
            ActionsSuppressor="ssh-failures",
            ActionsSuppressorWaitPeriod=60,
            ActionsSuppressorExtensionPeriod=60,
        )
    assert cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm"])["CompositeAlarms"] == []


def test_describe_filters_and_teardown(lab: Lab, topic: str) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_log_alarm(**_alarm(lab, AlarmActions=[topic]))
    cloudwatch.put_log_alarm(**_alarm(lab, AlarmName="ssh-failures-slow"))
    found = cloudwatch.describe_alarms(AlarmTypes=["LogAlarm"], ActionPrefix=topic)["LogAlarms"]
    assert [alarm["AlarmName"] for alarm in found] == ["ssh-failures"]
    prefixed = cloudwatch.describe_alarms(AlarmTypes=["LogAlarm"], AlarmNamePrefix="ssh-failures-")["LogAlarms"]
    assert [alarm["AlarmName"] for alarm in prefixed] == ["ssh-failures-slow"]
    listed = cloudwatch.describe_alarms(AlarmTypes=["LogAlarm"], StateValue="OK")["LogAlarms"]
    assert listed == []
    assert sum(label.startswith("cloudwatch:alarm ssh-failures") for label in lab.inventory()) == 2, lab.inventory()
    lab.teardown()
    assert lab.internal_client("cloudwatch").describe_alarms(AlarmTypes=["LogAlarm"])["LogAlarms"] == []
    assert lab.inventory() == []


def test_on_a_moto_server_runs_read_the_log_group_through_the_api() -> None:
    """The runs read events through a CloudWatch Logs client when moto runs in its own server (a workshop)."""
    import labkit

    lab = labkit.connect("moto-server")
    try:
        sns = lab.client("sns")
        arn = sns.create_topic(Name="alerts")["TopicArn"]
        logs = lab.client("logs")
        logs.create_log_group(logGroupName=GROUP)
        logs.create_log_stream(logGroupName=GROUP, logStreamName="i-0123456789abcdef0")
        lab.client("cloudwatch").put_log_alarm(**_alarm(lab, AlarmActions=[arn]))
        _failures(lab, 5)
        lab.advance(minutes=1)
        assert _described(lab)["StateValue"] == "ALARM"
    finally:
        lab.close()


def test_on_a_moto_server_every_process_sees_evaluates_once_and_tears_down_the_log_alarm(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a workshop's moto server (moto has no PutLogAlarm) the log alarms live on the server
    (labkit/emulator/server_state.py): another process describes the one a process put, with its tags, runs its
    executions on its own lab clock ("Log Alarms evaluate the last N query executions", alarm-log.html) and emails the
    ALARM once; a process whose view is stale does not run the same execution again (its claim on the server fails,
    or the server's next run is past it); teardown in a new process deletes it (DeleteAlarms) and nothing is left."""
    import labkit
    from labkit.emulator.cloudwatch_alarms import CloudWatchAlarms
    from labkit.emulator.cloudwatch_log_alarms import LogAlarms

    with labkit.connect("moto-server") as server:
        monkeypatch.setenv("LABKIT_ENDPOINT_URL", server.backend.endpoint_url)
        # Every lab starts at the server's lab time (the server checks log events' times against its own clock).
        start = server.clock.now()
        first = labkit.connect("moto-server", clear_abandoned=False, start=start)
        sns = first.client("sns")
        topic = sns.create_topic(Name="alerts")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="oncall@example.com")
        first.inbox.confirm("oncall@example.com")
        logs = first.client("logs")
        logs.create_log_group(logGroupName=GROUP)
        logs.create_log_stream(logGroupName=GROUP, logStreamName="i-0123456789abcdef0")
        first.client("cloudwatch").put_log_alarm(
            **_alarm(first, AlarmActions=[topic], Tags=[{"Key": "team", "Value": "sec"}])
        )
        arn = _described(first)["AlarmArn"]
        first.close()

        second = labkit.connect("moto-server", clear_abandoned=False, start=start)
        third = labkit.connect("moto-server", clear_abandoned=False, start=start)
        alarm = _described(second)
        assert (alarm["StateValue"], alarm["AlarmActions"]) == ("INSUFFICIENT_DATA", [topic])
        tags = second.client("cloudwatch").list_tags_for_resource(ResourceARN=arn)["Tags"]
        assert {"Key": "team", "Value": "sec"} in tags
        # Tags and SetAlarmState from one process are what the others read.
        third.client("cloudwatch").tag_resource(ResourceARN=arn, Tags=[{"Key": "owner", "Value": "kernel"}])
        assert {"Key": "owner", "Value": "kernel"} in second.client("cloudwatch").list_tags_for_resource(
            ResourceARN=arn
        )["Tags"]
        third.client("cloudwatch").set_alarm_state(AlarmName="ssh-failures", StateValue="OK", StateReason="quiet")
        assert _described(second)["StateReason"] == "quiet"
        _failures(second, 5)  # an SSH attack: five [preauth] lines in the first minute
        second.advance(minutes=1)
        assert _described(second)["StateValue"] == "ALARM"
        assert third.emulator is not None
        stale = third.emulator.plugin(LogAlarms)
        assert stale.next_runs[("ap-northeast-1", "ssh-failures")] == start + dt.timedelta(minutes=1)
        with monkeypatch.context() as patch:
            # The third process read the alarm before the second ran that execution and does not read it again:
            # the second's claim on the run stands, so the third does not run it.
            patch.setattr(stale, "sync", lambda: None)
            third.advance(minutes=1)
            assert stale.alarms[("ap-northeast-1", "ssh-failures")]["StateReason"] == "quiet"
            second.advance(minutes=1)  # the next execution (no failure): OK, and the first run's claim is dropped
            third.advance(minutes=1)  # claims the first run again, finds the server past it and adopts the server's
            assert stale.alarms[("ap-northeast-1", "ssh-failures")]["StateValue"] == "OK"
        assert _described(third)["StateValue"] == "OK"
        third.close()
        second.close()

        cleaner = labkit.connect("moto-server", clear_abandoned=False)  # `labkit teardown` after a crash
        # The mail every process received (a lab that connects starts with it): the ALARM, once.
        subjects = [email.subject for email in cleaner.inbox.notifications("oncall@example.com")]
        assert subjects == ['ALARM: "ssh-failures" in Asia Pacific (Tokyo)']
        history = cleaner.client("cloudwatch").describe_alarm_history(
            AlarmName="ssh-failures", AlarmTypes=["LogAlarm"], ScanBy="TimestampAscending"
        )
        assert [item["HistorySummary"] for item in history["AlarmHistoryItems"]] == [
            'Alarm "ssh-failures" created',
            "Alarm updated from INSUFFICIENT_DATA to OK",
            "Alarm updated from OK to ALARM",
            f"Successfully executed action {topic}",
            "Alarm updated from ALARM to OK",
        ]
        report = cleaner.teardown(all_labs=True)
        assert report.ok and "cloudwatch:alarm ssh-failures" in " ".join(report.deleted), report.deleted
        cleaner.close()
        after = labkit.connect("moto-server", clear_abandoned=False)
        assert after.client("cloudwatch").describe_alarms(AlarmTypes=["LogAlarm"])["LogAlarms"] == []
        assert after.emulator is not None
        plugin = after.emulator.plugin(LogAlarms)
        assert plugin.state is not None and plugin.state.load() == {}
        assert plugin.claims is not None and plugin.claims.load() == {}
        assert [i for i in after.emulator.plugin(CloudWatchAlarms).history if i.alarm_name == "ssh-failures"] == []
        after.close()


def test_on_a_moto_server_a_run_claimed_by_a_live_process_waits_and_a_dead_ones_claim_is_taken_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run another process claimed is not run here while the claim is fresh (that process runs it); a claim older
    than CLAIM_TIMEOUT real seconds is a process's that died before running it, and the run goes ahead."""
    import time

    import labkit
    from labkit.emulator.cloudwatch_log_alarms import CLAIM_TIMEOUT, LogAlarms

    with labkit.connect("moto-server") as server:
        monkeypatch.setenv("LABKIT_ENDPOINT_URL", server.backend.endpoint_url)
        lab = labkit.connect("moto-server", clear_abandoned=False, start=server.clock.now())
        logs = lab.client("logs")
        logs.create_log_group(logGroupName=GROUP)
        logs.create_log_stream(logGroupName=GROUP, logStreamName="i-0123456789abcdef0")
        lab.client("cloudwatch").put_log_alarm(**_alarm(lab))
        assert lab.emulator is not None
        plugin = lab.emulator.plugin(LogAlarms)
        assert plugin.claims is not None
        key = (lab.region, "ssh-failures")
        first_run = plugin.next_runs[key]
        held = {"region": key[0], "name": key[1], "at": time.time()}
        assert plugin.claims.claim(plugin._claim_key(key, first_run), held)
        _failures(lab, 5)
        lab.advance(minutes=1)
        assert _described(lab)["StateValue"] == "INSUFFICIENT_DATA"  # the live claim's owner runs it
        plugin.claims.save(plugin._claim_key(key, first_run), {**held, "at": time.time() - CLAIM_TIMEOUT - 1})
        lab.advance(minutes=1)
        assert [when for when, _ in plugin.executions[key]] == [first_run, first_run + dt.timedelta(minutes=1)]
        assert json.loads(_described(lab)["StateReasonData"])["recentDatapoints"] == [0.0]
        assert _described(lab)["StateValue"] == "OK"
        lab.teardown()
        assert plugin.claims.load() == {} and plugin.state is not None and plugin.state.load() == {}
        lab.close()
