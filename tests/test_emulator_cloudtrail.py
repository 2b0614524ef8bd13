"""CloudTrail offline (labkit.aws.cloudtrail, labkit.emulator.cloudtrail), checked against the documented shapes.

Record contents https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html;
userIdentity https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html;
sign-in events https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html;
LookupEvents https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html;
CloudWatch Logs delivery https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html;
CIS patterns https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from labkit.aws import cloudtrail, filterpattern
from labkit.emulator.events import Events
from labkit.exceptions import UnsupportedOperation
from labkit.lesson import prereqs, simulate
from labkit.runtime.lab import Lab

RECORD_KEYS = {
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "requestParameters",
    "responseElements",
    "requestID",
    "eventID",
    "readOnly",
    "eventType",
    "managementEvent",
    "recipientAccountId",
    "eventCategory",
}
LOOKUP_EVENT_KEYS = {
    "EventId",
    "EventName",
    "ReadOnly",
    "AccessKeyId",
    "EventTime",
    "EventSource",
    "Username",
    "Resources",
    "CloudTrailEvent",
}


def _lookup(lab: Lab, key: str, value: str, **extra: Any) -> list[dict[str, Any]]:
    return lab.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": key, "AttributeValue": value}], **extra
    )["Events"]


def test_every_call_is_recorded_in_the_documented_shape(lab: Lab) -> None:
    ec2 = lab.client("ec2")
    instance = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    ec2.terminate_instances(InstanceIds=[instance])
    assert _lookup(lab, "EventName", "TerminateInstances") == []  # not yet delivered
    lab.advance(minutes=5)
    (event,) = _lookup(lab, "EventName", "TerminateInstances")
    assert set(event) == LOOKUP_EVENT_KEYS
    assert event["ReadOnly"] == "false" and event["Username"] == "moto"
    assert event["EventSource"] == "ec2.amazonaws.com"
    assert event["Resources"] == [{"ResourceType": "AWS::EC2::Instance", "ResourceName": instance}]
    record = json.loads(event["CloudTrailEvent"])
    assert set(record) >= RECORD_KEYS
    assert record["eventVersion"] == "1.11"
    assert record["eventTime"] == "2026-06-01T00:00:00Z"
    assert record["eventType"] == "AwsApiCall" and record["managementEvent"] is True
    assert record["eventCategory"] == "Management" and record["recipientAccountId"] == lab.account_id
    assert record["userIdentity"] == {
        "type": "IAMUser",
        "principalId": record["userIdentity"]["principalId"],
        "arn": f"arn:aws:iam::{lab.account_id}:user/moto",
        "accountId": lab.account_id,
        "accessKeyId": event["AccessKeyId"],
        "userName": "moto",
    }
    assert record["requestParameters"] == {"instanceIds": [instance]}
    assert record["responseElements"]["terminatingInstances"][0]["instanceId"] == instance
    assert record["userAgent"].startswith("Boto3/")
    # The same instance by resource name: RunInstances and TerminateInstances, newest first.
    names = [e["EventName"] for e in _lookup(lab, "ResourceName", instance)]
    assert names == ["TerminateInstances", "RunInstances"]


def test_read_only_and_failed_calls(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.describe_alarms()
    with pytest.raises(ClientError):
        cloudwatch.set_alarm_state(AlarmName="nope", StateValue="ALARM", StateReason="x")
    lab.advance(minutes=5)
    (read,) = _lookup(lab, "EventName", "DescribeAlarms")
    record = json.loads(read["CloudTrailEvent"])
    assert read["ReadOnly"] == "true" and record["responseElements"] is None
    assert record["eventSource"] == "monitoring.amazonaws.com"
    (failed,) = _lookup(lab, "EventName", "SetAlarmState")
    record = json.loads(failed["CloudTrailEvent"])
    assert record["errorCode"] == "ResourceNotFound" and record["errorMessage"]
    assert record["responseElements"] is None
    assert _lookup(lab, "ReadOnly", "true")[0]["EventName"] in ("DescribeAlarms", "LookupEvents")


def test_iam_events_are_global_in_us_east_1(lab: Lab) -> None:
    lab.client("iam").create_user(UserName="u1")
    lab.advance(minutes=5)
    assert _lookup(lab, "EventName", "CreateUser") == []
    east = lab.client("cloudtrail", region="us-east-1").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateUser"}]
    )["Events"]
    assert json.loads(east[0]["CloudTrailEvent"])["awsRegion"] == "us-east-1"
    lab.client("iam").delete_user(UserName="u1")


def test_lookup_validation_time_range_and_paging(lab: Lab) -> None:
    ct = lab.client("cloudtrail")
    sns = lab.client("sns")
    for n in range(3):
        sns.create_topic(Name=f"t{n}")
        lab.advance(minutes=1)
    lab.advance(minutes=5)
    with pytest.raises(ClientError) as caught:
        ct.lookup_events(
            LookupAttributes=[
                {"AttributeKey": "EventName", "AttributeValue": "CreateTopic"},
                {"AttributeKey": "Username", "AttributeValue": "moto"},
            ]
        )
    assert caught.value.response["Error"]["Code"] == "InvalidLookupAttributesException"
    now = lab.clock.now()
    with pytest.raises(ClientError) as caught:
        ct.lookup_events(StartTime=now, EndTime=now - dt.timedelta(minutes=1))
    assert caught.value.response["Error"]["Code"] == "InvalidTimeRangeException"
    with pytest.raises(ClientError) as caught:
        ct.lookup_events(MaxResults=51)
    assert caught.value.response["Error"]["Code"] == "InvalidMaxResultsException"
    first = ct.lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateTopic"}], MaxResults=2
    )
    second = ct.lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateTopic"}],
        MaxResults=2,
        NextToken=first["NextToken"],
    )
    times = [e["EventTime"] for e in first["Events"] + second["Events"]]
    assert times == sorted(times, reverse=True) and len(times) == 3 and "NextToken" not in second
    window = ct.lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateTopic"}],
        StartTime=dt.datetime(2026, 6, 1, 0, 1, tzinfo=dt.timezone.utc),
        EndTime=dt.datetime(2026, 6, 1, 0, 1, tzinfo=dt.timezone.utc),
    )["Events"]
    assert [json.loads(e["CloudTrailEvent"])["requestParameters"]["name"] for e in window] == ["t1"]


def test_console_login_record(lab: Lab) -> None:
    lab.client("iam").create_user(UserName="tanaka")
    record = simulate.simulate_console_login(lab, "tanaka", success=False, source_ip="203.0.113.9")
    assert record["eventSource"] == "signin.amazonaws.com" and record["eventType"] == "AwsConsoleSignIn"
    assert record["errorMessage"] == "Failed authentication"
    assert record["responseElements"] == {"ConsoleLogin": "Failure"}
    assert record["additionalEventData"]["MFAUsed"] == "No"
    assert record["userIdentity"]["type"] == "IAMUser" and record["userIdentity"]["userName"] == "tanaka"
    root = simulate.simulate_console_login(lab, "root", success=True, mfa_used=True)
    assert root["userIdentity"]["type"] == "Root" and "errorMessage" not in root
    assert root["responseElements"] == {"ConsoleLogin": "Success"} and root["additionalEventData"]["MFAUsed"] == "Yes"
    lab.client("iam").delete_user(UserName="tanaka")


@pytest.mark.parametrize(
    ("control", "record", "expected"),
    [
        ("CloudWatch.2 unauthorized API calls", {"errorCode": "Client.UnauthorizedOperation"}, True),
        ("CloudWatch.2 unauthorized API calls", {"errorCode": "AccessDenied"}, True),
        ("CloudWatch.2 unauthorized API calls", {"errorCode": "ThrottlingException"}, False),
        (
            "CloudWatch.6 console authentication failures",
            {"eventName": "ConsoleLogin", "errorMessage": "Failed authentication"},
            True,
        ),
        ("CloudWatch.6 console authentication failures", {"eventName": "ConsoleLogin"}, False),
        ("CloudWatch.1 root user usage", {"userIdentity": {"type": "Root"}, "eventType": "AwsApiCall"}, True),
        (
            "CloudWatch.1 root user usage",
            {"userIdentity": {"type": "Root", "invokedBy": "s3.amazonaws.com"}, "eventType": "AwsApiCall"},
            False,
        ),
        ("CloudWatch.1 root user usage", {"userIdentity": {"type": "Root"}, "eventType": "AwsServiceEvent"}, False),
        ("CloudWatch.10 security group changes", {"eventName": "AuthorizeSecurityGroupIngress"}, True),
        ("CloudWatch.10 security group changes", {"eventName": "DescribeSecurityGroups"}, False),
    ],
)
def test_cis_patterns(control: str, record: dict[str, Any], expected: bool) -> None:
    assert filterpattern.compile(cloudtrail.CIS_PATTERNS[control]).matches(json.dumps(record)) is expected


def _trail(lab: Lab, *, trusted: str = "cloudtrail.amazonaws.com", start: bool = True) -> str:
    logs, iam, ct = lab.client("logs"), lab.client("iam"), lab.client("cloudtrail")
    lab.client("s3").create_bucket(Bucket="trail-bucket", CreateBucketConfiguration={"LocationConstraint": lab.region})
    logs.create_log_group(logGroupName="ct")
    role = iam.create_role(
        RoleName="ct-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Service": trusted}, "Action": "sts:AssumeRole"}],
            }
        ),
    )["Role"]["Arn"]
    ct.create_trail(
        Name="lab-trail",
        S3BucketName="trail-bucket",
        IsMultiRegionTrail=False,
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:{lab.region}:{lab.account_id}:log-group:ct:*",
        CloudWatchLogsRoleArn=role,
    )
    if start:
        ct.start_logging(Name="lab-trail")
    return role


def test_trail_delivers_to_log_group_and_metric_filters_count(lab: Lab) -> None:
    _trail(lab)
    logs = lab.client("logs")
    logs.put_metric_filter(
        logGroupName="ct",
        filterName="unauth",
        filterPattern=cloudtrail.CIS_PATTERNS["CloudWatch.2 unauthorized API calls"],
        metricTransformations=[{"metricName": "Unauth", "metricNamespace": "LogMetrics", "metricValue": "1"}],
    )
    role = lab.client("iam").create_role(
        RoleName="admin",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )["Role"]["Arn"]
    with pytest.raises(ClientError):
        lab.client("sts").assume_role(RoleArn=role, RoleSessionName="sneaky")
    lab.advance(minutes=4)
    assert logs.describe_log_streams(logGroupName="ct")["logStreams"] == []  # delivery takes minutes
    lab.advance(minutes=1)
    (stream,) = logs.describe_log_streams(logGroupName="ct")["logStreams"]
    assert stream["logStreamName"] == f"{lab.account_id}_CloudTrail_{lab.region}"
    messages = [
        json.loads(e["message"])
        for e in logs.get_log_events(logGroupName="ct", logStreamName=stream["logStreamName"])["events"]
    ]
    names = {m["eventName"] for m in messages}
    assert {"StartLogging", "PutMetricFilter", "AssumeRole"} <= names
    assert "CreateRole" not in names  # IAM is recorded in us-east-1: a single-Region Tokyo trail does not get it
    data = lab.client("cloudwatch").get_metric_statistics(
        Namespace="LogMetrics",
        MetricName="Unauth",
        StartTime=lab.clock.started_at,
        EndTime=lab.clock.now(),
        Period=300,
        Statistics=["Sum"],
    )["Datapoints"]
    assert sum(p["Sum"] for p in data) == 1


def test_trail_logs_nothing_before_start_logging(lab: Lab) -> None:
    _trail(lab, start=False)
    lab.client("sns").create_topic(Name="x")
    lab.advance(minutes=10)
    assert lab.client("logs").describe_log_streams(logGroupName="ct")["logStreams"] == []


def test_create_trail_refuses_a_role_cloudtrail_cannot_assume(lab: Lab) -> None:
    with pytest.raises(ClientError) as caught:
        _trail(lab, trusted="ec2.amazonaws.com")
    assert caught.value.response["Error"]["Code"] == "InvalidCloudWatchLogsRoleArnException"


def test_write_events_of_a_logging_trail_reach_eventbridge(lab: Lab) -> None:
    _trail(lab)
    plugin = lab.emulator.plugin(Events)
    lab.client("ec2").create_security_group(GroupName="g", Description="d")
    lab.client("ec2").describe_security_groups()
    api_calls = [e for e in plugin.events if e["detail-type"] == "AWS API Call via CloudTrail"]
    assert [e["detail"]["eventName"] for e in api_calls if e["source"] == "aws.ec2"] == ["CreateSecurityGroup"]


def test_teardown_leaves_nothing(lab: Lab) -> None:
    _trail(lab)
    lab.client("iam").create_user(UserName="someone")
    report = lab.teardown()
    assert report.ok, report
    assert lab.inventory() == []


def test_core_observes_every_call_including_failures(lab: Lab) -> None:
    """The emulator hook CloudTrail is built on: successes, moto errors and emulator errors alike."""
    seen: list[tuple[str, int, str]] = []
    lab.emulator.observes_every_call(
        lambda call, parsed, status: seen.append((call.operation, status, parsed.get("Error", {}).get("Code", "")))
    )
    sns = lab.client("sns")
    sns.create_topic(Name="seen")
    with pytest.raises(ClientError):
        sns.get_topic_attributes(TopicArn=f"arn:aws:sns:{lab.region}:{lab.account_id}:missing")  # moto's error
    with pytest.raises(ClientError):
        lab.client("logs").test_metric_filter(filterPattern="{ $.x = }", logEventMessages=["a"])  # emulator's error
    assert [(op, status >= 300) for op, status, _ in seen] == [
        ("CreateTopic", False),
        ("GetTopicAttributes", True),
        ("TestMetricFilter", True),
    ]
    assert seen[2][2] == "InvalidParameterException"


def test_a_call_refused_by_the_roles_policy_is_recorded_with_its_error(lab) -> None:  # type: ignore[no-untyped-def]
    """CloudTrail logs denied calls too ("CloudTrail record contents": errorCode, errorMessage)."""
    from labkit.lesson import prereqs

    role = prereqs.logs_agent_role(lab)
    logs = lab.client_as(role.role_arn, "logs")
    with pytest.raises(logs.exceptions.AccessDeniedException):
        logs.delete_log_group(logGroupName="ssh_logs")
    lab.advance(minutes=10)
    events = lab.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "DeleteLogGroup"}]
    )["Events"]
    record = json.loads(events[0]["CloudTrailEvent"])
    assert record["errorCode"] == "AccessDeniedException"
    assert "no identity-based policy allows the logs:DeleteLogGroup action" in record["errorMessage"]


def test_insight_lookup_returns_no_management_events_and_refuses_with_insights_enabled(lab: Lab) -> None:
    """LookupEvents "returns recent Insights events for trails that enable Insights"
    (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html): a lab without
    Insights has none, and management events are never answered as Insights events. The lab generates no
    Insights events, so once a trail enables Insights the call says so instead of answering empty."""
    ct = lab.client("cloudtrail")
    lab.client("sns").create_topic(Name="t")
    lab.advance(minutes=10)
    assert ct.lookup_events()["Events"]
    assert ct.lookup_events(EventCategory="insight")["Events"] == []
    _trail(lab)
    ct.put_insight_selectors(TrailName="lab-trail", InsightSelectors=[{"InsightType": "ApiCallRateInsight"}])
    with pytest.raises(UnsupportedOperation, match="Insights"):
        ct.lookup_events(EventCategory="insight")


def test_the_trail_of_notebook_06_gets_the_documented_bucket_policy(lab: Lab) -> None:
    """prereqs.trail_to_logs sets the policy notebook 06 sets (one function, trail_bucket_policy): CloudTrail may
    read the bucket ACL and write under AWSLogs/<account>/ with bucket-owner-full-control, for this trail only
    (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html)."""
    prereqs.trail_to_logs(lab)
    bucket = f"labkit-trail-{lab.lab_id}"
    policy = json.loads(lab.client("s3").get_bucket_policy(Bucket=bucket)["Policy"])
    trail_arn = lab.client("cloudtrail").get_trail(Name=prereqs.TRAIL_NAME)["Trail"]["TrailARN"]
    assert policy == prereqs.trail_bucket_policy(bucket, lab.account_id, trail_arn)
    acl_check, write = policy["Statement"]
    assert (acl_check["Action"], acl_check["Resource"]) == ("s3:GetBucketAcl", f"arn:aws:s3:::{bucket}")
    assert write["Resource"] == f"arn:aws:s3:::{bucket}/AWSLogs/{lab.account_id}/*"
    assert write["Condition"]["StringEquals"] == {
        "s3:x-amz-acl": "bucket-owner-full-control",
        "aws:SourceArn": trail_arn,
    }


def test_the_identity_read_from_moto_is_the_one_sts_answers(lab: Lab) -> None:
    """On in-process moto the caller's identity is read from moto's STS backend: the same
    ``GetCallerIdentity`` answer (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html)
    as a client signed with the credentials gets, for the lab's own credentials, a role session's and an IAM user's."""
    from botocore.credentials import ReadOnlyCredentials

    from labkit.emulator.cloudtrail import CloudTrailEmulation

    assert lab.emulator is not None
    trail = lab.emulator.plugin(CloudTrailEmulation)
    role = prereqs.logs_agent_role(lab)
    iam = lab.client("iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    credentials = [
        lab.backend.session.get_credentials().get_frozen_credentials(),
        lab.client_as(role.role_arn, "logs")._request_signer._credentials.get_frozen_credentials(),
        ReadOnlyCredentials(key["AccessKeyId"], key["SecretAccessKey"], None),
    ]
    callers = [trail._caller_in_moto(frozen) for frozen in credentials]
    assert [caller["Arn"].split(":")[5].split("/")[0] for caller in callers] == ["user", "assumed-role", "user"]
    assert callers == [trail._caller_from_sts(frozen) for frozen in credentials]


def test_the_event_source_is_the_endpoint_prefix_of_the_called_service(lab: Lab) -> None:
    """eventSource is "the service that the request was made to" ("CloudTrail record contents"), its
    endpoint: the calling client's ``endpointPrefix``, the same an internal client of the service has."""
    from labkit.emulator.cloudtrail import CloudTrailEmulation

    assert lab.emulator is not None
    calls = {
        "cloudwatch": ("list_metrics", {}),
        "logs": ("describe_log_groups", {}),
        "sns": ("list_topics", {}),
        "ec2": ("describe_vpcs", {}),
        "iam": ("list_users", {}),
        "events": ("list_rules", {}),
        "autoscaling": ("describe_auto_scaling_groups", {}),
        "sts": ("get_caller_identity", {}),
    }
    for service, (operation, params) in calls.items():
        getattr(lab.client(service), operation)(**params)
    sources = [stored.record["eventSource"] for stored in lab.emulator.plugin(CloudTrailEmulation).history]
    expected = [f"{lab.internal_client(service).meta.service_model.endpoint_prefix}.amazonaws.com" for service in calls]
    assert sources == expected
    assert expected[0] == "monitoring.amazonaws.com"


def test_data_events_are_neither_in_event_history_nor_delivered_to_a_trail(lab: Lab) -> None:
    # Event history "supports only management events" and trails log data events only when their selectors ask
    # (logging-management-events-with-cloudtrail.html). SNS Publish and S3's object-level calls are data events
    # (logging-data-events-with-cloudtrail.html); log events sent and read are not among the calls CloudWatch Logs
    # logs (AmazonCloudWatch/latest/logs/logging_cw_api_calls.html).
    _trail(lab)
    sns, logs, s3 = lab.client("sns"), lab.client("logs"), lab.client("s3")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    sns.publish(TopicArn=topic, Message="hello")
    logs.create_log_group(logGroupName="app")
    logs.create_log_stream(logGroupName="app", logStreamName="web")
    now = int(lab.clock.now().timestamp() * 1000)
    logs.put_log_events(logGroupName="app", logStreamName="web", logEvents=[{"timestamp": now, "message": "GET /"}])
    logs.get_log_events(logGroupName="app", logStreamName="web")
    logs.filter_log_events(logGroupName="app")
    s3.put_object(Bucket="trail-bucket", Key="note.txt", Body=b"hi")
    s3.get_object(Bucket="trail-bucket", Key="note.txt")
    lab.advance(minutes=10)
    pages = lab.client("cloudtrail").get_paginator("lookup_events").paginate(StartTime=lab.clock.started_at)
    in_history = {event["EventName"] for page in pages for event in page["Events"]}
    delivered = {
        json.loads(event["message"])["eventName"] for event in logs.filter_log_events(logGroupName="ct")["events"]
    }
    data = {"Publish", "PutLogEvents", "GetLogEvents", "FilterLogEvents", "PutObject", "GetObject"}
    for names in (in_history, delivered):
        assert {"CreateTopic", "CreateLogGroup", "CreateLogStream"} <= names
        assert not names & data


def test_the_calls_recorded_as_data_events(lab: Lab) -> None:
    assert cloudtrail.is_data_event("sns", "Publish") and cloudtrail.is_data_event("s3", "DeleteObjects")
    assert cloudtrail.is_data_event("logs", "PutLogEvents") and cloudtrail.is_data_event("sqs", "SendMessage")
    assert not cloudtrail.is_data_event("sns", "CreateTopic") and not cloudtrail.is_data_event("s3", "CreateBucket")
    assert not cloudtrail.is_data_event("logs", "PutMetricFilter") and not cloudtrail.is_data_event("ec2", "Publish")


@pytest.mark.parametrize(
    "selectors",
    [
        {"EventSelectors": [{"DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}]},
        {
            "AdvancedEventSelectors": [
                {
                    "FieldSelectors": [
                        {"Field": "eventCategory", "Equals": ["Data"]},
                        {"Field": "resources.type", "Equals": ["AWS::SNS::Topic"]},
                    ]
                }
            ]
        },
    ],
    ids=["data-resources", "advanced-data"],
)
def test_selectors_that_ask_for_data_events_are_not_emulated(lab: Lab, selectors: dict[str, Any]) -> None:
    _trail(lab)
    ct = lab.client("cloudtrail")
    with pytest.raises(UnsupportedOperation, match=r"cloudtrail\.PutEventSelectors .*data events"):
        ct.put_event_selectors(TrailName="lab-trail", **selectors)
    ct.put_event_selectors(TrailName="lab-trail", EventSelectors=[{"ReadWriteType": "WriteOnly"}])
    ct.put_event_selectors(
        TrailName="lab-trail",
        AdvancedEventSelectors=[{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}],
    )


MANAGEMENT = {"Field": "eventCategory", "Equals": ["Management"]}


@pytest.mark.parametrize(
    ("basic", "advanced", "expected"),
    [
        ([], [], "All"),  # no selectors: every management event
        ([{"ReadWriteType": "ReadOnly"}, {"ReadWriteType": "WriteOnly"}], [], "All"),  # any selector that matches
        ([{"ReadWriteType": "WriteOnly"}], [], "WriteOnly"),
        ([{"IncludeManagementEvents": False}], [], "None"),
        ([{}], [], "All"),  # ReadWriteType defaults to All, IncludeManagementEvents to true
        ([], [{"FieldSelectors": [MANAGEMENT]}], "All"),  # no readOnly field: reads and writes
        ([], [{"FieldSelectors": [MANAGEMENT, {"Field": "readOnly", "Equals": ["false"]}]}], "WriteOnly"),
        (
            [],
            [
                {"FieldSelectors": [MANAGEMENT, {"Field": "readOnly", "Equals": ["true"]}]},
                {"FieldSelectors": [MANAGEMENT, {"Field": "readOnly", "Equals": ["false"]}]},
            ],
            "All",
        ),
        # moto keeps advanced selectors when basic ones are put after them: AWS overwrote them, the basic ones count.
        (
            [{"ReadWriteType": "ReadOnly"}],
            [{"FieldSelectors": [MANAGEMENT, {"Field": "readOnly", "Equals": ["false"]}]}],
            "ReadOnly",
        ),
    ],
)
def test_which_management_events_a_trails_selectors_log(
    basic: list[dict[str, Any]], advanced: list[dict[str, Any]], expected: str
) -> None:
    # API_PutEventSelectors.html (any selector that matches), API_EventSelector.html (defaults),
    # API_AdvancedFieldSelector.html (readOnly: without it, read and write events).
    assert cloudtrail.management_read_write(basic, advanced) == expected


def test_a_trail_with_an_advanced_write_only_selector_gets_no_reads(lab: Lab) -> None:
    _trail(lab)
    lab.client("cloudtrail").put_event_selectors(
        TrailName="lab-trail",
        AdvancedEventSelectors=[{"FieldSelectors": [MANAGEMENT, {"Field": "readOnly", "Equals": ["false"]}]}],
    )
    sns = lab.client("sns")
    sns.create_topic(Name="alerts")
    sns.list_topics()
    lab.advance(minutes=10)
    delivered = {
        json.loads(event["message"])["eventName"]
        for event in lab.client("logs").filter_log_events(logGroupName="ct")["events"]
    }
    assert "CreateTopic" in delivered and "ListTopics" not in delivered


@pytest.mark.parametrize(
    "field",
    [
        {"Field": "eventSource", "Equals": ["sns.amazonaws.com"]},
        {"Field": "readOnly", "NotEquals": ["true"]},
        {"Field": "eventName", "StartsWith": ["Create"]},
    ],
    ids=["event-source", "not-equals", "starts-with"],
)
def test_advanced_selectors_beyond_category_and_read_only_are_not_emulated(lab: Lab, field: dict[str, Any]) -> None:
    _trail(lab)
    with pytest.raises(UnsupportedOperation, match=rf"event selector field {field['Field']}"):
        lab.client("cloudtrail").put_event_selectors(
            TrailName="lab-trail", AdvancedEventSelectors=[{"FieldSelectors": [MANAGEMENT, field]}]
        )


@pytest.mark.parametrize(
    ("selectors", "field"),
    [
        # "ExcludeManagementEventSources": filters out KMS or RDS Data API events (API_EventSelector.html).
        (
            {"EventSelectors": [{"ExcludeManagementEventSources": ["kms.amazonaws.com"]}]},
            "ExcludeManagementEventSources",
        ),
        # An advanced selector needs its eventCategory field (API_AdvancedFieldSelector.html).
        (
            {"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "readOnly", "Equals": ["false"]}]}]},
            "eventCategory",
        ),
    ],
    ids=["excluded-sources", "no-category"],
)
def test_selectors_the_lab_cannot_honour_are_refused_by_name(lab: Lab, selectors: dict[str, Any], field: str) -> None:
    _trail(lab)
    with pytest.raises(UnsupportedOperation, match=rf"event selector field {field}"):
        lab.client("cloudtrail").put_event_selectors(TrailName="lab-trail", **selectors)
