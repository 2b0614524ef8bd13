"""CloudTrail records: who called which API, when, from where — and the CIS alarms built on them.

The shapes follow "CloudTrail record contents"
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html),
"CloudTrail userIdentity element"
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html),
"AWS Management Console sign-in events"
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html)
and ``LookupEvents`` (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html).
The emulator plugin :mod:`labkit.emulator.cloudtrail` records every call of a lab client but data events
(:data:`DATA_EVENTS`) with :func:`api_call_record`; :func:`labkit.lesson.simulate.simulate_console_login` adds a console sign-in, which no boto3 call
can make. The metric-filter patterns of the CIS / Security Hub CloudWatch controls are in
:data:`CIS_PATTERNS` ("Security Hub controls for CloudWatch",
https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html).

Guesses, said plainly: ``readOnly`` is decided from the operation's verb (Describe/Get/List/…);
``requestParameters`` and ``responseElements`` use the boto3 parameter names with a lower-case
first letter (AWS uses each service's own wire names, e.g. EC2's ``instancesSet``); the resources
:func:`resources_of` lists for ``LookupEvents`` come from a table of the course's resource types.

Taught in notebook 06-cloudtrail-eventbridge-health.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Iterable
from typing import Any

from labkit.exceptions import LookupEventsError

#: "The current version is 1.11" (record contents page, eventVersion).
EVENT_VERSION = "1.11"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
#: A documentation address (RFC 5737) stands in for the learner's public IP offline.
LAB_SOURCE_IP = "198.51.100.24"
#: "For most global services, events are logged as occurring in US East (N. Virginia)"
#: ("Global service events", https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-concepts.html#cloudtrail-concepts-global-service-events).
GLOBAL_SERVICE_REGION = {"iam": "us-east-1"}
_READ_VERBS = (
    "Describe",
    "Get",
    "List",
    "Lookup",
    "Head",
    "Search",
    "Filter",
    "BatchGet",
    "Test",
    "Simulate",
    "Select",
)

#: The CIS metric filters of Security Hub's CloudWatch controls, exactly as the page prints them
#: ("This control fails if the exact metric filters prescribed by CIS are not used").
CIS_PATTERNS = {
    "CloudWatch.1 root user usage": '{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}',
    "CloudWatch.2 unauthorized API calls": '{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}',
    "CloudWatch.6 console authentication failures": '{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}',
    "CloudWatch.10 security group changes": "{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) || "
    "($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress) || "
    "($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}",
}

#: LookupEvents: "Currently the list can contain only one item" and the keys it accepts.
LOOKUP_KEYS = (
    "EventId",
    "EventName",
    "ReadOnly",
    "Username",
    "ResourceType",
    "ResourceName",
    "EventSource",
    "AccessKeyId",
)
MAX_LOOKUP_RESULTS = 50


def is_read_only(operation: str) -> bool:
    """Whether an operation only reads (guess from its verb; see the module docstring)."""
    return operation.startswith(_READ_VERBS)


def event_time(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime(TIME_FORMAT)


def user_identity(
    arn: str,
    principal_id: str,
    account: str,
    access_key: str,
    *,
    role_id: str = "",
    session_created: dt.datetime | None = None,
) -> dict[str, Any]:
    """The ``userIdentity`` element for an IAM user, an assumed-role session or the root user."""
    resource = arn.split(":", 5)[5]
    if resource == "root":
        return {
            "type": "Root",
            "principalId": account,
            "arn": f"arn:aws:iam::{account}:root",
            "accountId": account,
            "accessKeyId": access_key,
        }
    if resource.startswith("assumed-role/"):
        _, role, _session = resource.split("/", 2)
        return {
            "type": "AssumedRole",
            "principalId": principal_id,
            "arn": arn,
            "accountId": account,
            "accessKeyId": access_key,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": role_id,
                    "arn": f"arn:aws:iam::{account}:role/{role}",
                    "accountId": account,
                    "userName": role,
                },
                "attributes": {
                    "creationDate": event_time(session_created or dt.datetime.now(dt.timezone.utc)),
                    "mfaAuthenticated": "false",
                },
            },
        }
    name = resource.split("/")[-1]
    return {
        "type": "IAMUser",
        "principalId": principal_id,
        "arn": f"arn:aws:iam::{account}:user/{name}",
        "accountId": account,
        "accessKeyId": access_key,
        "userName": name,
    }


def username(identity: dict[str, Any]) -> str:
    """What LookupEvents shows as ``Username``: the user name, the role session, or root."""
    if identity.get("type") == "Root":
        return "root"
    if identity.get("type") == "AssumedRole":
        return str(identity["arn"]).rsplit("/", 1)[-1]
    return str(identity.get("userName", ""))


def jsonable(value: Any, *, top: bool = True) -> Any:
    """boto3 parameters as CloudTrail JSON: lower-camel keys, ISO times, no binary payloads."""
    if isinstance(value, dict):
        return {
            (k[:1].lower() + k[1:]): jsonable(v, top=False)
            for k, v in value.items()
            if not isinstance(v, (bytes, bytearray))
        }
    if isinstance(value, (list, tuple)):
        return [jsonable(v, top=False) for v in value]
    if isinstance(value, dt.datetime):
        return event_time(value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc))
    return value


#: Calls CloudTrail records as data events, never as management events. Event history "supports only management
#: events", and trails log data events only when their selectors ask for them ("By default, trails and event data
#: stores log management events and don't include data or Insights events",
#: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-management-events-with-cloudtrail.html).
#: Listed for the services the labs call; a call of another service counts as a management event.
DATA_EVENTS: dict[str, frozenset[str]] = {
    # "Amazon S3 object-level API activity (for example, GetObject, DeleteObject, and PutObject API operations)"
    # (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html): the
    # operations of the S3 API on an object or an upload of one. Listing a bucket's objects (ListObjects, …) stays a
    # management event here: the pages we read do not say.
    "s3": frozenset(
        {
            "GetObject",
            "PutObject",
            "DeleteObject",
            "DeleteObjects",
            "HeadObject",
            "CopyObject",
            "RestoreObject",
            "SelectObjectContent",
            "GetObjectAcl",
            "PutObjectAcl",
            "GetObjectAttributes",
            "GetObjectTagging",
            "PutObjectTagging",
            "DeleteObjectTagging",
            "GetObjectLegalHold",
            "PutObjectLegalHold",
            "GetObjectRetention",
            "PutObjectRetention",
            "GetObjectTorrent",
            "CreateMultipartUpload",
            "UploadPart",
            "UploadPartCopy",
            "CompleteMultipartUpload",
            "AbortMultipartUpload",
            "ListParts",
        }
    ),
    # "Amazon SNS Publish and PublishBatch API operations on topics" (the same page).
    "sns": frozenset({"Publish", "PublishBatch"}),
    # "Data events provide information about the resource operations performed on or in a resource (for example,
    # sending messages to an Amazon SQS object) ... The CloudTrail Event history doesn't record data events"
    # (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/logging-using-cloudtrail.html):
    # the page names SendMessage; the other message operations are our reading of it.
    "sqs": frozenset(
        {
            "SendMessage",
            "SendMessageBatch",
            "ReceiveMessage",
            "DeleteMessage",
            "DeleteMessageBatch",
            "ChangeMessageVisibility",
            "ChangeMessageVisibilityBatch",
        }
    ),
    # Log events sent and read are not among the actions "CloudWatch Logs supports logging ... as events in
    # CloudTrail log files" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/logging_cw_api_calls.html).
    "logs": frozenset({"PutLogEvents", "GetLogEvents", "FilterLogEvents"}),
}


def is_data_event(service: str, operation: str) -> bool:
    """Whether CloudTrail records a call of ``operation`` as a data event (:data:`DATA_EVENTS`), which event history
    and a trail's default selectors leave out."""
    return operation in DATA_EVENTS.get(service, frozenset())


#: :func:`unsupported_selectors`'s answer for selectors that ask for data events.
DATA_EVENT_SELECTORS = "data events"


def unsupported_selectors(basic: list[dict[str, Any]], advanced: list[dict[str, Any]]) -> str | None:
    """What ``PutEventSelectors`` asks for that the lab does not emulate, or ``None``: :data:`DATA_EVENT_SELECTORS`
    for data events (a basic selector's
    ``DataResources``, "You can configure the DataResource in an EventSelector to log data events",
    https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DataResource.html; an advanced selector whose
    ``eventCategory`` is not ``Management``); otherwise the name of a field the lab does not emulate: a basic
    selector's ``ExcludeManagementEventSources`` (API_EventSelector.html), an advanced selector without the
    ``eventCategory`` field AWS requires, or on a field other than ``eventCategory`` and ``readOnly``, or not a
    plain ``Equals`` (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html)."""
    for basic_selector in basic:
        if basic_selector.get("DataResources"):
            return DATA_EVENT_SELECTORS
        if basic_selector.get("ExcludeManagementEventSources"):
            return "ExcludeManagementEventSources"
    for selector in advanced:
        fields = selector.get("FieldSelectors") or []
        if not any(field.get("Field") == "eventCategory" for field in fields):
            return "eventCategory"
        for field in fields:
            name = field.get("Field")
            operators = {key for key, value in field.items() if key != "Field" and value}
            if name == "eventCategory" and (operators != {"Equals"} or set(field["Equals"]) != {"Management"}):
                return DATA_EVENT_SELECTORS
            if name not in ("eventCategory", "readOnly") or operators != {"Equals"}:
                return str(name)
            if name == "readOnly" and not set(field["Equals"]) <= {"true", "false"}:
                return str(name)
    return None


def management_read_write(basic: list[dict[str, Any]], advanced: list[dict[str, Any]]) -> str:
    """Which management events a trail logs under its selectors: ``All``, ``ReadOnly``, ``WriteOnly`` or ``None``.

    A trail logs an event that matches any of its selectors (API_PutEventSelectors.html); with none it logs all
    management events ("By default, trails ... log management events"). A basic selector logs management events
    unless ``IncludeManagementEvents`` is false, of its ``ReadWriteType`` (default ``All``,
    API_EventSelector.html); an advanced selector's fields must all match, and without a ``readOnly`` field it
    logs both read and write events (API_AdvancedFieldSelector.html). ``basic`` wins when it has selectors: AWS
    overwrites one kind with the other ("You can use either AdvancedEventSelectors or EventSelectors, but not
    both"), and moto empties the basic ones when advanced ones are put but not the other way round.
    Selectors :func:`unsupported_selectors` names are refused before they are stored."""
    kinds: set[str] = set()
    if basic:
        for selector in basic:
            if selector.get("IncludeManagementEvents", True):
                kinds |= _READ_WRITE[selector.get("ReadWriteType", "All")]
    elif advanced:
        for selector in advanced:
            read_only = [set(f["Equals"]) for f in selector.get("FieldSelectors") or [] if f.get("Field") == "readOnly"]
            allowed = {"true", "false"}.intersection(*read_only)
            kinds |= {"ReadOnly" if value == "true" else "WriteOnly" for value in allowed}
    else:
        return "All"
    if kinds >= {"ReadOnly", "WriteOnly"}:
        return "All"
    return next(iter(kinds), "None")


_READ_WRITE = {"All": {"ReadOnly", "WriteOnly"}, "ReadOnly": {"ReadOnly"}, "WriteOnly": {"WriteOnly"}}


def api_call_record(
    *,
    service: str,
    endpoint_prefix: str,
    operation: str,
    region: str,
    identity: dict[str, Any],
    when: dt.datetime,
    params: dict[str, Any],
    response: dict[str, Any],
    status: int,
    source_ip: str = LAB_SOURCE_IP,
    user_agent: str = "",
    request_id: str | None = None,
) -> dict[str, Any]:
    """The management-event record of one API call (record contents page, field by field).

    A failed call has ``errorCode``/``errorMessage`` and ``responseElements`` null; a read-only
    call has ``responseElements`` null too ("present in events for actions that make changes").
    """
    read_only = is_read_only(operation)
    error = response.get("Error") if status >= 300 else None
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    record: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": identity,
        "eventTime": event_time(when),
        "eventSource": f"{endpoint_prefix}.amazonaws.com",
        "eventName": operation,
        "awsRegion": GLOBAL_SERVICE_REGION.get(service, region),
        "sourceIPAddress": source_ip,
        "userAgent": user_agent,
    }
    if error:
        record["errorCode"] = error.get("Code", "")
        record["errorMessage"] = error.get("Message", "")
    record["requestParameters"] = jsonable(params) or None
    record["responseElements"] = None if (error or read_only or not body) else jsonable(body)
    record.update(
        {
            "requestID": request_id or str(uuid.uuid4()),
            "eventID": str(uuid.uuid4()),
            "readOnly": read_only,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": identity["accountId"],
            "eventCategory": "Management",
            "tlsDetails": {
                "tlsVersion": "TLSv1.3",
                "cipherSuite": "TLS_AES_128_GCM_SHA256",
                "clientProvidedHostHeader": f"{endpoint_prefix}.{region}.amazonaws.com",
            },
        }
    )
    return record


def console_login_record(
    *,
    identity: dict[str, Any],
    when: dt.datetime,
    region: str,
    success: bool,
    mfa_used: bool,
    source_ip: str,
    user_agent: str,
) -> dict[str, Any]:
    """A ``ConsoleLogin`` record as the sign-in events page shows it.

    A failure has ``errorMessage`` "Failed authentication" and ``responseElements``
    ``{"ConsoleLogin": "Failure"}``; ``additionalEventData`` says ``MFAUsed`` Yes/No.
    """
    record: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": identity,
        "eventTime": event_time(when),
        "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin",
        "awsRegion": region,
        "sourceIPAddress": source_ip,
        "userAgent": user_agent,
    }
    if not success:
        record["errorMessage"] = "Failed authentication"
    record.update(
        {
            "requestParameters": None,
            "responseElements": {"ConsoleLogin": "Success" if success else "Failure"},
            "additionalEventData": {
                "LoginTo": f"https://console.aws.amazon.com/console/home?region={region}&state=hashArgs%23",
                "MobileVersion": "No",
                "MFAUsed": "Yes" if mfa_used else "No",
            },
            "eventID": str(uuid.uuid4()),
            "readOnly": False,
            "eventType": "AwsConsoleSignIn",
            "managementEvent": True,
            "recipientAccountId": identity["accountId"],
            "eventCategory": "Management",
        }
    )
    return record


# -- LookupEvents -----------------------------------------------------------------------------
_RESOURCE_TYPES: dict[str, list[tuple[str, str]]] = {
    # request/response key -> CloudFormation-style resource type, as LookupEvents reports them
    "ec2": [
        ("InstanceIds", "AWS::EC2::Instance"),
        ("InstanceId", "AWS::EC2::Instance"),
        ("GroupId", "AWS::EC2::SecurityGroup"),
        ("GroupIds", "AWS::EC2::SecurityGroup"),
    ],
    "cloudwatch": [("AlarmName", "AWS::CloudWatch::Alarm"), ("AlarmNames", "AWS::CloudWatch::Alarm")],
    "sns": [("TopicArn", "AWS::SNS::Topic")],
    "logs": [("logGroupName", "AWS::Logs::LogGroup")],
    "iam": [("RoleName", "AWS::IAM::Role"), ("UserName", "AWS::IAM::User"), ("PolicyArn", "AWS::IAM::Policy")],
    "events": [("Name", "AWS::Events::Rule"), ("Rule", "AWS::Events::Rule")],
    "cloudtrail": [("Name", "AWS::CloudTrail::Trail")],
    "sqs": [("QueueUrl", "AWS::SQS::Queue")],
    "s3": [("Bucket", "AWS::S3::Bucket")],
}


def resources_of(service: str, params: dict[str, Any], response: dict[str, Any]) -> list[dict[str, str]]:
    """The ``Resources`` LookupEvents lists for a call (from a table of the course's resource types)."""
    found: list[dict[str, str]] = []
    for key, kind in _RESOURCE_TYPES.get(service, []):
        values = params.get(key, [])
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, str) and {"ResourceType": kind, "ResourceName": value} not in found:
                found.append({"ResourceType": kind, "ResourceName": value})
    if service == "ec2":
        for instance in response.get("Instances", []) or []:
            found.append({"ResourceType": "AWS::EC2::Instance", "ResourceName": instance["InstanceId"]})
        if response.get("GroupId"):
            found.append({"ResourceType": "AWS::EC2::SecurityGroup", "ResourceName": response["GroupId"]})
    return found


def lookup_event(record: dict[str, Any], resources: list[dict[str, str]]) -> dict[str, Any]:
    """One ``Event`` of a LookupEvents response."""
    event: dict[str, Any] = {
        "EventId": record["eventID"],
        "EventName": record["eventName"],
        "ReadOnly": "true" if record["readOnly"] else "false",
        "EventTime": dt.datetime.strptime(record["eventTime"], TIME_FORMAT).replace(tzinfo=dt.timezone.utc),
        "EventSource": record["eventSource"],
        "Username": username(record["userIdentity"]),
        "Resources": resources,
        "CloudTrailEvent": json.dumps(record),
    }
    if record["userIdentity"].get("accessKeyId"):
        event["AccessKeyId"] = record["userIdentity"]["accessKeyId"]
    return event


def lookup(
    entries: Iterable[tuple[dict[str, Any], list[dict[str, str]]]], params: dict[str, Any], now: dt.datetime
) -> dict[str, Any]:
    """Answer LookupEvents over ``(record, resources)`` pairs, newest first.

    Rules (API reference): at most one lookup attribute, of the documented keys; ``StartTime``
    not after ``EndTime`` (``InvalidTimeRangeException``); ``MaxResults`` 1–50, default 50
    (``InvalidMaxResultsException``); "If you do not specify a time range, the last 90 days of
    events are returned"; paging with ``NextToken`` (``InvalidNextTokenException`` for a foreign one).
    """
    attributes = params.get("LookupAttributes") or []
    if len(attributes) > 1:
        raise LookupEventsError(
            "InvalidLookupAttributesException", "You cannot specify more than one lookup attribute."
        )
    for attribute in attributes:
        if attribute.get("AttributeKey") not in LOOKUP_KEYS:
            raise LookupEventsError(
                "InvalidLookupAttributesException", f"Invalid attribute key {attribute.get('AttributeKey')}"
            )
    start = _aware(params.get("StartTime") or now - dt.timedelta(days=90))
    end = _aware(params.get("EndTime") or now)
    if start > end:
        raise LookupEventsError("InvalidTimeRangeException", "Start time should not be after end time.")
    size = params.get("MaxResults", MAX_LOOKUP_RESULTS)
    if not 1 <= size <= MAX_LOOKUP_RESULTS:
        raise LookupEventsError("InvalidMaxResultsException", "Value for MaxResults is invalid. Valid range is 1-50.")
    chosen: list[tuple[dt.datetime, int, dict[str, Any]]] = []
    for position, (record, resources) in enumerate(entries):
        event = lookup_event(record, resources)
        if not start <= event["EventTime"] <= end:
            continue
        if attributes and not _has(event, resources, attributes[0]["AttributeKey"], attributes[0]["AttributeValue"]):
            continue
        chosen.append((event["EventTime"], position, event))
    # Newest first; within one second, the later call first.
    ordered = [event for _, _, event in sorted(chosen, key=lambda item: item[:2], reverse=True)]
    offset = _read_token(params.get("NextToken"))
    page = ordered[offset : offset + size]
    reply: dict[str, Any] = {"Events": page}
    if offset + size < len(ordered):
        reply["NextToken"] = base64.urlsafe_b64encode(json.dumps({"o": offset + size}).encode()).decode()
    return reply


def _has(event: dict[str, Any], resources: list[dict[str, str]], key: str, value: str) -> bool:
    if key == "ResourceType":
        return any(r["ResourceType"] == value for r in resources)
    if key == "ResourceName":
        return any(r["ResourceName"] == value for r in resources)
    return str(event.get(key, "")) == value


def _read_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(token.encode()))["o"])
    except (ValueError, KeyError, TypeError):
        raise LookupEventsError("InvalidNextTokenException", "Invalid next token.") from None


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


# -- what no boto3 call can make ----------------------------------------------------------------
