"""What the lab created, how to tag it, and how to delete it again.

Every lab client reports successful *create* calls (botocore ``after-call``) to the lab's
:class:`Registry`; where the API takes tags, the call is tagged ``labkit:lab=<lab id>`` on the
way out (``before-parameter-build``). Teardown deletes only what the registry holds — never a
resource the lab did not create — in dependency order (alarms before topics, roles out of
instance profiles before either is deleted), keeps going past failures and reports them.

``Put*`` calls create *or update*; for those the registry first asks whether the resource exists
already, and a pre-existing one is never recorded, so teardown cannot delete it.

Introduced in notebook 00-setup-and-monitoring-types; every notebook ends with ``lab.teardown()``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from filelock import FileLock

from labkit.exceptions import UnsupportedOperation
from labkit.i18n import _, ngettext
from labkit.runtime.redact import is_account_field, mask_account

TAG_KEY = "labkit:lab"
#: The registry file's section naming which process owns each lab.
OWNERS = "_owners"

Client = Any
Ident = dict[str, str]


@dataclass(frozen=True)
class ResourceKind:
    """One kind of AWS resource the lab knows how to record, tag, find and delete.

    ``order``: teardown deletes lower numbers first (dependents before what they depend on).
    ``tag_style``: how the create call takes tags — ``list`` (``Tags=[{Key, Value}]``), ``map``
    (a ``{key: value}`` parameter named by ``tag_param``), ``spec`` (EC2 ``TagSpecifications``),
    or ``None`` (the API takes no tags at create time).
    """

    name: str
    service: str
    create_operations: tuple[str, ...]
    identify: Callable[[dict[str, Any], dict[str, Any]], list[Ident]]
    delete: Callable[[Client, Ident], None]
    exists: Callable[[Client, Ident], bool]
    order: int
    tag_style: str | None = None
    tag_param: str = "Tags"
    ec2_resource_type: str = ""
    upsert: bool = False


def _missing(error: ClientError, *codes: str) -> bool:
    """Whether ``error`` says the resource is not there (IAM says ``NoSuchEntity``)."""
    code = error.response.get("Error", {}).get("Code", "")
    return code in codes or code == "NoSuchEntity" or code.endswith(("NotFound", "NotFoundException"))


def _exists(probe: Callable[[], Any], *missing_codes: str) -> bool:
    try:
        return bool(probe())
    except ClientError as error:
        if _missing(error, *missing_codes):
            return False
        raise


# -- SNS ------------------------------------------------------------------------------------------
def _topic_exists(sns: Client, ident: Ident) -> bool:
    return _exists(lambda: sns.get_topic_attributes(TopicArn=ident["TopicArn"]), "NotFound")


def _subscription_exists(sns: Client, ident: Ident) -> bool:
    return _exists(lambda: sns.get_subscription_attributes(SubscriptionArn=ident["SubscriptionArn"]), "NotFound")


def _subscription_ident(params: dict[str, Any], response: dict[str, Any]) -> list[Ident]:
    arn = response.get("SubscriptionArn", "")
    # An unconfirmed email subscription has no ARN yet ("pending confirmation"); deleting the
    # topic removes it, so there is nothing to record.
    return [{"SubscriptionArn": arn}] if arn.startswith("arn:") else []


# -- CloudWatch -----------------------------------------------------------------------------------
def _alarm_exists(cloudwatch: Client, ident: Ident) -> bool:
    # Without AlarmTypes DescribeAlarms returns metric alarms only (DescribeAlarms API reference).
    found = cloudwatch.describe_alarms(
        AlarmNames=[ident["AlarmName"]], AlarmTypes=["MetricAlarm", "CompositeAlarm", "LogAlarm"]
    )
    return bool(found.get("MetricAlarms") or found.get("CompositeAlarms") or found.get("LogAlarms"))


def _mute_rule_exists(cloudwatch: Client, ident: Ident) -> bool:
    return _exists(lambda: cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName=ident["Name"]), "ResourceNotFoundException")


def _anomaly_detector_ident(params: dict[str, Any], response: dict[str, Any]) -> list[Ident]:
    """A detector is named by what it models (PutAnomalyDetector returns no id): the single metric and its
    statistic (also in the deprecated top-level form), or the metric math queries
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutAnomalyDetector.html)."""
    if "MetricMathAnomalyDetector" in params:
        queries = params["MetricMathAnomalyDetector"]["MetricDataQueries"]
        return [{"MetricDataQueries": json.dumps(queries, sort_keys=True, default=str)}]
    single = params.get("SingleMetricAnomalyDetector") or params
    return [
        {
            "Namespace": single["Namespace"],
            "MetricName": single["MetricName"],
            "Stat": single["Stat"],
            "Dimensions": json.dumps(single.get("Dimensions", []), sort_keys=True),
        }
    ]


def _anomaly_detector_spec(ident: Ident) -> dict[str, Any]:
    if "MetricDataQueries" in ident:
        return {"MetricMathAnomalyDetector": {"MetricDataQueries": json.loads(ident["MetricDataQueries"])}}
    return {
        "SingleMetricAnomalyDetector": {
            "Namespace": ident["Namespace"],
            "MetricName": ident["MetricName"],
            "Stat": ident["Stat"],
            "Dimensions": json.loads(ident["Dimensions"]),
        }
    }


def _anomaly_detector_exists(cloudwatch: Client, ident: Ident) -> bool:
    spec = _anomaly_detector_spec(ident)
    # Without AnomalyDetectorTypes only single-metric detectors are described (DescribeAnomalyDetectors).
    found = cloudwatch.describe_anomaly_detectors(AnomalyDetectorTypes=["SINGLE_METRIC", "METRIC_MATH"])
    for detector in found["AnomalyDetectors"]:
        if "MetricMathAnomalyDetector" in spec:
            found = detector.get("MetricMathAnomalyDetector", {}).get("MetricDataQueries")
            if found is not None and json.dumps(found, sort_keys=True, default=str) == ident["MetricDataQueries"]:
                return True
            continue
        single = detector.get("SingleMetricAnomalyDetector", {})
        wanted = spec["SingleMetricAnomalyDetector"]
        if all(single.get(key) == wanted[key] for key in ("Namespace", "MetricName", "Stat")) and sorted(
            (d["Name"], d["Value"]) for d in single.get("Dimensions", [])
        ) == sorted((d["Name"], d["Value"]) for d in wanted["Dimensions"]):
            return True
    return False


def _dashboard_exists(cloudwatch: Client, ident: Ident) -> bool:
    return _exists(lambda: cloudwatch.get_dashboard(DashboardName=ident["DashboardName"]), "ResourceNotFound")


def _insight_rule_exists(cloudwatch: Client, ident: Ident) -> bool:
    kwargs: dict[str, Any] = {}
    while True:  # DescribeInsightRules pages by NextToken; botocore has no paginator for it
        page = cloudwatch.describe_insight_rules(**kwargs)
        if any(rule["Name"] == ident["RuleName"] for rule in page.get("InsightRules", [])):
            return True
        if not page.get("NextToken"):
            return False
        kwargs["NextToken"] = page["NextToken"]


# -- CloudWatch Logs ------------------------------------------------------------------------------
def _log_group_exists(logs: Client, ident: Ident) -> bool:
    name = ident["logGroupName"]
    groups = logs.describe_log_groups(logGroupNamePrefix=name).get("logGroups", [])
    return any(group["logGroupName"] == name for group in groups)


def _query_definition_exists(logs: Client, ident: Ident) -> bool:
    """A saved Logs Insights query (notebook 08-investigate); DescribeQueryDefinitions pages by token."""
    kwargs: dict[str, Any] = {}
    while True:
        page = logs.describe_query_definitions(**kwargs)
        if any(d["queryDefinitionId"] == ident["queryDefinitionId"] for d in page.get("queryDefinitions", [])):
            return True
        if not page.get("nextToken"):
            return False
        kwargs["nextToken"] = page["nextToken"]


def _metric_filter_exists(logs: Client, ident: Ident) -> bool:
    if not _log_group_exists(logs, ident):
        return False
    filters = logs.describe_metric_filters(
        logGroupName=ident["logGroupName"], filterNamePrefix=ident["filterName"]
    ).get("metricFilters", [])
    return any(item["filterName"] == ident["filterName"] for item in filters)


# -- IAM ------------------------------------------------------------------------------------------
def _delete_role(iam: Client, ident: Ident) -> None:
    role = ident["RoleName"]
    for profile in iam.list_instance_profiles_for_role(RoleName=role)["InstanceProfiles"]:
        iam.remove_role_from_instance_profile(InstanceProfileName=profile["InstanceProfileName"], RoleName=role)
    for policy in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=role, PolicyArn=policy["PolicyArn"])
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        iam.delete_role_policy(RoleName=role, PolicyName=name)
    iam.delete_role(RoleName=role)


def _delete_policy(iam: Client, ident: Ident) -> None:
    arn = ident["PolicyArn"]
    entities = iam.list_entities_for_policy(PolicyArn=arn)
    for role in entities.get("PolicyRoles", []):
        iam.detach_role_policy(RoleName=role["RoleName"], PolicyArn=arn)
    for user in entities.get("PolicyUsers", []):
        iam.detach_user_policy(UserName=user["UserName"], PolicyArn=arn)
    for group in entities.get("PolicyGroups", []):
        iam.detach_group_policy(GroupName=group["GroupName"], PolicyArn=arn)
    for version in iam.list_policy_versions(PolicyArn=arn)["Versions"]:
        if not version["IsDefaultVersion"]:
            iam.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
    iam.delete_policy(PolicyArn=arn)


def _delete_instance_profile(iam: Client, ident: Ident) -> None:
    name = ident["InstanceProfileName"]
    for role in iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]["Roles"]:
        iam.remove_role_from_instance_profile(InstanceProfileName=name, RoleName=role["RoleName"])
    iam.delete_instance_profile(InstanceProfileName=name)


# -- EC2 ------------------------------------------------------------------------------------------
def _instance_exists(ec2: Client, ident: Ident) -> bool:
    def probe() -> bool:
        reservations = ec2.describe_instances(InstanceIds=[ident["InstanceId"]])["Reservations"]
        states = [i["State"]["Name"] for r in reservations for i in r["Instances"]]
        return any(state not in ("terminated", "shutting-down") for state in states)

    return _exists(probe, "InvalidInstanceID.NotFound")


def _delete_instance(ec2: Client, ident: Ident) -> None:
    ec2.terminate_instances(InstanceIds=[ident["InstanceId"]])


def _group_exists(autoscaling: Client, ident: Ident) -> bool:
    found = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[ident["AutoScalingGroupName"]])
    return bool(found["AutoScalingGroups"])


def _launch_template_exists(ec2: Client, ident: Ident) -> bool:
    return _exists(
        lambda: ec2.describe_launch_templates(LaunchTemplateIds=[ident["LaunchTemplateId"]]),
        "InvalidLaunchTemplateId.NotFound",
        "InvalidLaunchTemplateId.Malformed",
    )


def _profile_association_exists(ec2: Client, ident: Ident) -> bool:
    # A disassociated association is reported for a while as "disassociating"/"disassociated".
    def probe() -> bool:
        found = ec2.describe_iam_instance_profile_associations(AssociationIds=[ident["AssociationId"]])
        return any(a["State"] in ("associating", "associated") for a in found["IamInstanceProfileAssociations"])

    return _exists(probe, "InvalidAssociationID.NotFound")


def _security_group_exists(ec2: Client, ident: Ident) -> bool:
    return _exists(
        lambda: ec2.describe_security_groups(GroupIds=[ident["GroupId"]])["SecurityGroups"],
        "InvalidGroup.NotFound",
    )


# -- Systems Manager Parameter Store (the CloudWatch agent's configuration, notebook 04) -----------
def _parameter_exists(ssm: Client, ident: Ident) -> bool:
    return _exists(lambda: ssm.get_parameter(Name=ident["Name"]), "ParameterNotFound")


# -- Route 53 health checks and the lab web server (notebook 07) ----------------------------------
def _health_check_exists(route53: Client, ident: Ident) -> bool:
    return _exists(lambda: route53.get_health_check(HealthCheckId=ident["HealthCheckId"]), "NoSuchHealthCheck")


# Kinds that are not AWS resources but run in the process that started them (the lab web server of
# notebook 07, labkit.lesson.web): the module that starts them registers how to find and stop them
# here (register_process_kind). In a process where it never did, none of them runs: the record is gone.
_PROCESS_KINDS: dict[str, tuple[Callable[[Ident], bool], Callable[[Ident], None]]] = {}


def register_process_kind(name: str, running: Callable[[Ident], bool], stop: Callable[[Ident], None]) -> None:
    """How teardown finds (``running``) and stops (``stop``) a running thing of kind ``name``."""
    _PROCESS_KINDS[name] = (running, stop)


def _process_kind(name: str) -> tuple[Callable[[Client, Ident], None], Callable[[Client, Ident], bool]]:
    """The (delete, exists) pair of a process kind; teardown hands every kind a client, these ignore it."""

    def exists(_client: Client, ident: Ident) -> bool:
        return name in _PROCESS_KINDS and _PROCESS_KINDS[name][0](ident)

    def delete(_client: Client, ident: Ident) -> None:
        if name in _PROCESS_KINDS:
            _PROCESS_KINDS[name][1](ident)

    return delete, exists


# -- SQS and EventBridge --------------------------------------------------------------------------
def _queue_exists(sqs: Client, ident: Ident) -> bool:
    return _exists(
        lambda: sqs.get_queue_attributes(QueueUrl=ident["QueueUrl"]),
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
    )


def _rule_exists(events: Client, ident: Ident) -> bool:
    return _exists(lambda: events.describe_rule(Name=ident["Name"], EventBusName=ident["EventBusName"]))


def _delete_rule(events: Client, ident: Ident) -> None:
    targets = events.list_targets_by_rule(Rule=ident["Name"], EventBusName=ident["EventBusName"])["Targets"]
    if targets:
        events.remove_targets(Rule=ident["Name"], EventBusName=ident["EventBusName"], Ids=[t["Id"] for t in targets])
    events.delete_rule(Name=ident["Name"], EventBusName=ident["EventBusName"])


# -- CloudTrail and S3 (notebook 06-cloudtrail-eventbridge-health) ------------------------------
def _trail_exists(cloudtrail: Client, ident: Ident) -> bool:
    return bool(cloudtrail.describe_trails(trailNameList=[ident["Name"]])["trailList"])


def _bucket_exists(s3: Client, ident: Ident) -> bool:
    return _exists(lambda: s3.head_bucket(Bucket=ident["Bucket"]) is not None, "404", "NoSuchBucket")


def _delete_bucket(s3: Client, ident: Ident) -> None:
    # A bucket must be empty before DeleteBucket (a trail's log files are in it).
    bucket = ident["Bucket"]
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        keys = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
    s3.delete_bucket(Bucket=bucket)


def _delete_user(iam: Client, ident: Ident) -> None:
    # DeleteUser refuses a user that still has keys, a password or policies.
    user = ident["UserName"]
    for key in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    try:
        iam.delete_login_profile(UserName=user)
    except ClientError as error:
        if not _missing(error, "NoSuchEntity"):
            raise
    for policy in iam.list_attached_user_policies(UserName=user)["AttachedPolicies"]:
        iam.detach_user_policy(UserName=user, PolicyArn=policy["PolicyArn"])
    for name in iam.list_user_policies(UserName=user)["PolicyNames"]:
        iam.delete_user_policy(UserName=user, PolicyName=name)
    iam.delete_user(UserName=user)


# -- Config, GuardDuty and Budgets (notebook 06b-config-guardduty-budgets) ------------------------
def _config_rule_exists(config: Client, ident: Ident) -> bool:
    return _exists(
        lambda: config.describe_config_rules(ConfigRuleNames=[ident["ConfigRuleName"]])["ConfigRules"],
        "NoSuchConfigRuleException",
    )


def _recorder_exists(config: Client, ident: Ident) -> bool:
    return _exists(
        lambda: config.describe_configuration_recorders(ConfigurationRecorderNames=[ident["name"]])[
            "ConfigurationRecorders"
        ],
        "NoSuchConfigurationRecorderException",
    )


def _delete_recorder(config: Client, ident: Ident) -> None:
    # A recording recorder is stopped first; the delivery channel can go only after that.
    config.stop_configuration_recorder(ConfigurationRecorderName=ident["name"])
    config.delete_configuration_recorder(ConfigurationRecorderName=ident["name"])


def _delivery_channel_exists(config: Client, ident: Ident) -> bool:
    return _exists(
        lambda: config.describe_delivery_channels(DeliveryChannelNames=[ident["name"]])["DeliveryChannels"],
        "NoSuchDeliveryChannelException",
    )


def _detector_exists(guardduty: Client, ident: Ident) -> bool:
    return ident["DetectorId"] in guardduty.list_detectors()["DetectorIds"]


def _budget_exists(budgets: Client, ident: Ident) -> bool:
    return _exists(
        lambda: budgets.describe_budget(AccountId=ident["AccountId"], BudgetName=ident["BudgetName"]),
        "NotFoundException",
    )


def _param(*keys: str) -> Callable[[dict[str, Any], dict[str, Any]], list[Ident]]:
    return lambda params, response: [{key: params[key] for key in keys}]


def _reply(key: str, *, name: str | None = None) -> Callable[[dict[str, Any], dict[str, Any]], list[Ident]]:
    return lambda params, response: [{name or key: response[key]}]


KINDS: list[ResourceKind] = [
    ResourceKind(
        "cloudwatch:alarm",
        "cloudwatch",
        # A log alarm is deleted alone: "Log alarms cannot be batch deleted" (API_DeleteAlarms); each alarm is.
        ("PutMetricAlarm", "PutCompositeAlarm", "PutLogAlarm"),
        _param("AlarmName"),
        lambda c, i: c.delete_alarms(AlarmNames=[i["AlarmName"]]),
        _alarm_exists,
        10,
        "list",
        upsert=True,
    ),
    # After the alarms: "When you delete a mute rule, any alarms that are currently being muted by that rule are
    # immediately unmuted" and act (API_DeleteAlarmMuteRule); deleted alarms cannot.
    ResourceKind(
        "cloudwatch:alarm-mute-rule",
        "cloudwatch",
        ("PutAlarmMuteRule",),
        _param("Name"),
        lambda c, i: c.delete_alarm_mute_rule(AlarmMuteRuleName=i["Name"]),
        _mute_rule_exists,
        12,
        "list",
        upsert=True,
    ),
    # After the alarms: an anomaly detection alarm reads its detector's band until it is deleted.
    ResourceKind(
        "cloudwatch:anomaly-detector",
        "cloudwatch",
        ("PutAnomalyDetector",),
        _anomaly_detector_ident,
        lambda c, i: c.delete_anomaly_detector(**_anomaly_detector_spec(i)),
        _anomaly_detector_exists,
        15,
        upsert=True,
    ),
    ResourceKind(
        "cloudwatch:dashboard",
        "cloudwatch",
        ("PutDashboard",),
        _param("DashboardName"),
        lambda c, i: c.delete_dashboards(DashboardNames=[i["DashboardName"]]),
        _dashboard_exists,
        10,
        upsert=True,
    ),
    # Contributor Insights rules (API_PutInsightRule: creates or updates; Tags are ignored on an update).
    ResourceKind(
        "cloudwatch:insight-rule",
        "cloudwatch",
        ("PutInsightRule",),
        _param("RuleName"),
        lambda c, i: c.delete_insight_rules(RuleNames=[i["RuleName"]]),
        _insight_rule_exists,
        10,
        "list",
        upsert=True,
    ),
    ResourceKind(
        "logs:metric-filter",
        "logs",
        ("PutMetricFilter",),
        _param("logGroupName", "filterName"),
        lambda c, i: c.delete_metric_filter(logGroupName=i["logGroupName"], filterName=i["filterName"]),
        _metric_filter_exists,
        20,
        upsert=True,
    ),
    ResourceKind(
        "events:rule",
        "events",
        ("PutRule",),
        lambda p, r: [{"Name": p["Name"], "EventBusName": p.get("EventBusName", "default")}],
        _delete_rule,
        _rule_exists,
        20,
        "list",
        upsert=True,
    ),
    ResourceKind(
        "sns:subscription",
        "sns",
        ("Subscribe",),
        _subscription_ident,
        lambda c, i: c.unsubscribe(SubscriptionArn=i["SubscriptionArn"]),
        _subscription_exists,
        30,
    ),
    # Before the instance and the profile: the role leaves the instance first (notebook 03).
    ResourceKind(
        "ec2:iam-instance-profile-association",
        "ec2",
        ("AssociateIamInstanceProfile",),
        lambda p, r: [{"AssociationId": r["IamInstanceProfileAssociation"]["AssociationId"]}],
        lambda c, i: c.disassociate_iam_instance_profile(AssociationId=i["AssociationId"]),
        _profile_association_exists,
        25,
    ),
    # Force-deleted: its instances go with it, and the emulator (as AWS) deletes its policies and the
    # alarms of its target tracking policies (notebook 09). Before the launch template it launches from.
    ResourceKind(
        "autoscaling:group",
        "autoscaling",
        ("CreateAutoScalingGroup",),
        _param("AutoScalingGroupName"),
        lambda c, i: c.delete_auto_scaling_group(AutoScalingGroupName=i["AutoScalingGroupName"], ForceDelete=True),
        _group_exists,
        25,
        "list",
    ),
    ResourceKind(
        "ec2:flow-log",
        "ec2",
        ("CreateFlowLogs",),
        lambda p, r: [{"FlowLogId": i} for i in r.get("FlowLogIds", [])],
        lambda c, i: c.delete_flow_logs(FlowLogIds=[i["FlowLogId"]]),
        lambda c, i: bool(c.describe_flow_logs(FlowLogIds=[i["FlowLogId"]])["FlowLogs"]),
        20,
        "spec",
        ec2_resource_type="vpc-flow-log",
    ),
    ResourceKind(
        "ec2:launch-template",
        "ec2",
        ("CreateLaunchTemplate",),
        lambda p, r: [{"LaunchTemplateId": r["LaunchTemplate"]["LaunchTemplateId"]}],
        lambda c, i: c.delete_launch_template(LaunchTemplateId=i["LaunchTemplateId"]),
        _launch_template_exists,
        35,
        "spec",
        ec2_resource_type="launch-template",
    ),
    ResourceKind(
        "ec2:instance",
        "ec2",
        ("RunInstances",),
        lambda p, r: [{"InstanceId": i["InstanceId"]} for i in r["Instances"]],
        _delete_instance,
        _instance_exists,
        30,
        "spec",
        ec2_resource_type="instance",
    ),
    ResourceKind(
        "iam:instance-profile",
        "iam",
        ("CreateInstanceProfile",),
        _param("InstanceProfileName"),
        _delete_instance_profile,
        lambda c, i: _exists(lambda: c.get_instance_profile(InstanceProfileName=i["InstanceProfileName"])),
        40,
        "list",
    ),
    ResourceKind(
        "iam:role",
        "iam",
        ("CreateRole",),
        _param("RoleName"),
        _delete_role,
        lambda c, i: _exists(lambda: c.get_role(RoleName=i["RoleName"])),
        50,
        "list",
    ),
    ResourceKind(
        "iam:policy",
        "iam",
        ("CreatePolicy",),
        lambda p, r: [{"PolicyArn": r["Policy"]["Arn"]}],
        _delete_policy,
        lambda c, i: _exists(lambda: c.get_policy(PolicyArn=i["PolicyArn"])),
        60,
        "list",
    ),
    ResourceKind(
        "sns:topic",
        "sns",
        ("CreateTopic",),
        _reply("TopicArn"),
        lambda c, i: c.delete_topic(TopicArn=i["TopicArn"]),
        _topic_exists,
        60,
        "list",
    ),
    ResourceKind(
        "sqs:queue",
        "sqs",
        ("CreateQueue",),
        _reply("QueueUrl"),
        lambda c, i: c.delete_queue(QueueUrl=i["QueueUrl"]),
        _queue_exists,
        60,
        "map",
        tag_param="tags",
    ),
    ResourceKind(
        "logs:log-group",
        "logs",
        ("CreateLogGroup",),
        _param("logGroupName"),
        lambda c, i: c.delete_log_group(logGroupName=i["logGroupName"]),
        _log_group_exists,
        60,
        "map",
        tag_param="tags",
    ),
    # Saved queries take no tags. Only a call without queryDefinitionId creates one; with it, it updates
    # that definition (API_PutQueryDefinition), which the lab recorded if it created it.
    ResourceKind(
        "logs:query-definition",
        "logs",
        ("PutQueryDefinition",),
        lambda p, r: [] if p.get("queryDefinitionId") else [{"queryDefinitionId": r["queryDefinitionId"]}],
        lambda c, i: c.delete_query_definition(queryDefinitionId=i["queryDefinitionId"]),
        _query_definition_exists,
        20,
    ),
    # Not tagged: PutParameter takes Tags only when creating ("To add tags to an existing parameter, use
    # AddTagsToResource", PutParameter API reference), and refuses them with Overwrite=True.
    ResourceKind(
        "ssm:parameter",
        "ssm",
        ("PutParameter",),
        _param("Name"),
        lambda c, i: c.delete_parameter(Name=i["Name"]),
        _parameter_exists,
        60,
        upsert=True,
    ),
    # Tags go on with ChangeTagsForResource after creation, so health checks are not tagged.
    ResourceKind(
        "route53:health-check",
        "route53",
        ("CreateHealthCheck",),
        lambda p, r: [{"HealthCheckId": r["HealthCheck"]["Id"]}],
        lambda c, i: c.delete_health_check(HealthCheckId=i["HealthCheckId"]),
        _health_check_exists,
        20,
    ),
    # Not an AWS resource: the lab's loopback web server (labkit.lesson.web), recorded by labkit.lesson.web.serve.
    ResourceKind("labkit:web-server", "cloudwatch", (), _param("Name", "Lab"), *_process_kind("labkit:web-server"), 5),
    ResourceKind(
        "cloudtrail:trail",
        "cloudtrail",
        ("CreateTrail",),
        _param("Name"),
        lambda c, i: c.delete_trail(Name=i["Name"]),
        _trail_exists,
        15,
        "list",
        tag_param="TagsList",
    ),
    ResourceKind(
        "iam:user",
        "iam",
        ("CreateUser",),
        _param("UserName"),
        _delete_user,
        lambda c, i: _exists(lambda: c.get_user(UserName=i["UserName"]), "NoSuchEntity"),
        50,
        "list",
    ),
    ResourceKind(
        "s3:bucket",
        "s3",
        ("CreateBucket",),
        _param("Bucket"),
        _delete_bucket,
        _bucket_exists,
        70,
    ),
    ResourceKind(
        "ec2:security-group",
        "ec2",
        ("CreateSecurityGroup",),
        _reply("GroupId"),
        lambda c, i: c.delete_security_group(GroupId=i["GroupId"]),
        _security_group_exists,
        70,
        "spec",
        ec2_resource_type="security-group",
    ),
    # Config: rules first, then the recorder (stopped, deleted), then its delivery channel, then the bucket.
    ResourceKind(
        "config:rule",
        "config",
        ("PutConfigRule",),
        lambda p, r: [{"ConfigRuleName": p["ConfigRule"]["ConfigRuleName"]}],
        lambda c, i: c.delete_config_rule(ConfigRuleName=i["ConfigRuleName"]),
        _config_rule_exists,
        20,
        "list",
        upsert=True,
    ),
    ResourceKind(
        "config:recorder",
        "config",
        ("PutConfigurationRecorder",),
        lambda p, r: [{"name": p["ConfigurationRecorder"]["name"]}],
        _delete_recorder,
        _recorder_exists,
        30,
        "list",
        upsert=True,
    ),
    ResourceKind(
        "config:delivery-channel",
        "config",
        ("PutDeliveryChannel",),
        lambda p, r: [{"name": p["DeliveryChannel"]["name"]}],
        lambda c, i: c.delete_delivery_channel(DeliveryChannelName=i["name"]),
        _delivery_channel_exists,
        35,
        upsert=True,
    ),
    ResourceKind(
        "guardduty:detector",
        "guardduty",
        ("CreateDetector",),
        _reply("DetectorId"),
        lambda c, i: c.delete_detector(DetectorId=i["DetectorId"]),
        _detector_exists,
        20,
        "map",
    ),
    ResourceKind(
        "budgets:budget",
        "budgets",
        ("CreateBudget",),
        lambda p, r: [{"AccountId": p["AccountId"], "BudgetName": p["Budget"]["BudgetName"]}],
        lambda c, i: c.delete_budget(AccountId=i["AccountId"], BudgetName=i["BudgetName"]),
        _budget_exists,
        20,
        "list",
        tag_param="ResourceTags",
    ),
]

KINDS_BY_OPERATION: dict[tuple[str, str], ResourceKind] = {
    (kind.service, operation): kind for kind in KINDS for operation in kind.create_operations
}
KINDS_BY_NAME: dict[str, ResourceKind] = {kind.name: kind for kind in KINDS}


def add_lab_tag(kind: ResourceKind, params: dict[str, Any], lab_id: str) -> None:
    """Add ``labkit:lab=<lab_id>`` to a create call's parameters, in the API's own tag shape."""
    if kind.tag_style == "list":
        tags = [tag for tag in params.get(kind.tag_param, []) if tag.get("Key") != TAG_KEY]
        params[kind.tag_param] = [*tags, {"Key": TAG_KEY, "Value": lab_id}]
    elif kind.tag_style == "map":
        params[kind.tag_param] = {**params.get(kind.tag_param, {}), TAG_KEY: lab_id}
    elif kind.tag_style == "spec":
        specs = [s for s in params.get("TagSpecifications", []) if s.get("ResourceType") != kind.ec2_resource_type]
        mine: dict[str, Any] = next(
            (s for s in params.get("TagSpecifications", []) if s.get("ResourceType") == kind.ec2_resource_type),
            {"ResourceType": kind.ec2_resource_type, "Tags": []},
        )
        tags = [tag for tag in mine.get("Tags", []) if tag.get("Key") != TAG_KEY]
        params["TagSpecifications"] = [*specs, {**mine, "Tags": [*tags, {"Key": TAG_KEY, "Value": lab_id}]}]


@dataclass
class Record:
    """One resource the lab created."""

    kind: str
    region: str
    ident: Ident
    created_at: str
    lab_id: str

    def key(self) -> tuple[str, str, str]:
        return self.kind, self.region, json.dumps(self.ident, sort_keys=True)

    def label(self, account: str = "") -> str:
        """How reports name the resource; account ids are masked (reports get kept and shared):
        in ARNs, in account fields (a budget's ``AccountId``) and ``account``, the lab's own, wherever it stands."""
        values = ("<account>" if is_account_field(key) else value for key, value in self.ident.items())
        return mask_account(f"{self.kind} " + " ".join(values), account)


@dataclass
class TeardownReport:
    """What teardown deleted, what it would delete (dry run), and what it could not delete, and why."""

    deleted: list[str] = field(default_factory=list)
    planned: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    remaining: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.remaining

    def __str__(self) -> str:
        """The report a learner reads, in the lab's language (:mod:`labkit.i18n`)."""
        lines = [_("deleted  {resource}").format(resource=item) for item in self.deleted]
        lines += [_("would delete  {resource}").format(resource=item) for item in self.planned]
        lines += [
            _("FAILED   {resource}: {why}").format(resource=item, why=mask_account(why)) for item, why in self.failed
        ]
        lines += [_("left     {resource}").format(resource=item) for item in self.remaining]
        left = len(self.failed) + len(self.remaining)
        verdict = (
            _("nothing left")
            if self.ok
            else ngettext("{count} resource left", "{count} resources left", left).format(count=left)
        )
        if self.planned:
            verdict = ngettext(
                "dry run: {count} resource would be deleted",
                "dry run: {count} resources would be deleted",
                len(self.planned),
            ).format(count=len(self.planned))
        return "\n".join([*lines, _("teardown: {verdict}").format(verdict=verdict)])


class Registry:
    """The lab's list of created resources; persisted to a JSON file when the backend outlives the process.

    Several processes may share the file (two notebooks open on one server, ``labkit teardown``
    in a terminal): each change is merged into the file under an exclusive lock, and reads
    re-load it, so no process overwrites what another recorded. The file also names the
    process that owns each lab, so a lab whose kernel died can be told from one still running
    (:meth:`abandoned_labs`).
    """

    def __init__(self, backend_key: str, path: Path | None, account: str = "") -> None:
        self.backend_key = backend_key
        self.path = path
        #: The account the resources live in, masked in every label (:meth:`Record.label`).
        self.account = account
        self._lock = threading.Lock()
        self.records: list[Record] = []
        self._reload()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The registry file locked against other processes (on every OS: ``filelock``)."""
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(self.path.with_suffix(".lock")):
            yield

    @contextmanager
    def _file(self) -> Iterator[dict[str, Any]]:
        """The file's data, locked against other processes; what the block changes is saved."""
        assert self.path is not None
        with self._locked():
            data = self._read()
            yield data
            self._write(data)

    def _write(self, data: dict[str, Any]) -> None:
        assert self.path is not None
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(temporary, self.path)

    def _snapshot(self) -> dict[str, Any]:
        """The file's data, read under the lock (empty when there is no file yet)."""
        if self.path is None or not self.path.exists():
            return {}
        with self._locked():
            return self._read()

    def _read(self) -> dict[str, Any]:
        """The registry file's valid data (empty when there is no file yet); call with the lock held.

        What cannot be read never stops a lab or a command: a file that is not a JSON object
        (truncated, hand-edited) is moved aside whole, and records or owner entries that are
        malformed are moved to the same kind of sibling file, ``registry.json.corrupt-<time>``;
        one line on stderr says where. The rest is used as usual.
        """
        if self.path is None or not self.path.exists():
            return {}
        raw = self.path.read_bytes()
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
            data, why = None, _("not valid JSON: {error}").format(error=error)
        else:
            why = _("not a JSON object")
        if not isinstance(data, dict):
            kept = self._quarantine(raw)
            self.path.unlink()
            print(
                _(
                    "labkit: the registry file {path} could not be read ({why}); moved it to {kept} "
                    "and started an empty one"
                ).format(path=self.path, why=why, kept=kept),
                file=sys.stderr,
            )
            return {}
        clean, bad = _validated(data)
        if bad:
            kept = self._quarantine(json.dumps({"from": str(self.path), "entries": bad}, indent=1).encode("utf-8"))
            self._write(clean)
            names = "; ".join(_describe(key, item) for key, item in bad)
            print(
                mask_account(
                    _("labkit: skipped {count} unreadable record(s) in {path} ({names}); kept them in {kept}").format(
                        count=len(bad), path=self.path, names=names, kept=kept
                    )
                ),
                file=sys.stderr,
            )
        return clean

    def _quarantine(self, content: bytes) -> Path:
        """Write ``content`` to a new sibling ``<name>.corrupt-<UTC time>`` file and return its path."""
        assert self.path is not None
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
        kept = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        kept.write_bytes(content)
        return kept

    def _reload(self) -> None:
        if self.path is not None and self.path.exists():
            self.records = [Record(**item) for item in self._snapshot().get(self.backend_key, [])]

    def claim(self, lab_id: str) -> None:
        """Record that this process (a kernel, or not) owns ``lab_id``."""
        if self.path is None:
            return
        host = socket.gethostname()
        with self._lock, self._file() as data:
            owners = data.setdefault(OWNERS, {}).setdefault(self.backend_key, {})
            with_records = {item["lab_id"] for item in data.get(self.backend_key, [])}
            for lab, owner in list(owners.items()):  # finished labs that made nothing
                if lab not in with_records and owner["host"] == host and not _alive(owner["pid"]):
                    del owners[lab]
            owners[lab_id] = {"host": host, "pid": os.getpid(), "kernel": _in_kernel()}

    def abandoned_labs(self, current: str = "") -> list[str]:
        """Labs with resources left whose kernel ran on this machine and is gone (crashed or
        killed), or is this very process (an earlier Run All of this kernel); never ``current``.

        Labs opened outside a kernel (``labkit catchup`` builds resources on purpose for later
        notebooks) and labs of other machines are never counted: their owner cannot be checked.
        """
        data = self._snapshot()
        owners = data.get(OWNERS, {}).get(self.backend_key, {})
        with_records = {item["lab_id"] for item in data.get(self.backend_key, [])}
        host = socket.gethostname()
        return sorted(
            lab
            for lab in with_records - {current}
            if (owner := owners.get(lab))
            and owner["kernel"]
            and owner["host"] == host
            and (owner["pid"] == os.getpid() or not _alive(owner["pid"]))
        )

    def add(self, kind: ResourceKind, region: str, ident: Ident, when: dt.datetime, lab_id: str) -> None:
        record = Record(kind.name, region, ident, when.isoformat(), lab_id)
        with self._lock:
            if record.key() in {r.key() for r in self.records}:
                return
            self.records.append(record)
            if self.path is not None:
                with self._file() as data:
                    items = data.setdefault(self.backend_key, [])
                    if record.key() not in {Record(**item).key() for item in items}:
                        items.append(asdict(record))

    def remove(self, record: Record) -> None:
        with self._lock:
            self.records = [r for r in self.records if r.key() != record.key()]
            if self.path is not None:
                with self._file() as data:
                    items = [i for i in data.get(self.backend_key, []) if Record(**i).key() != record.key()]
                    data[self.backend_key] = items
                    if not any(i["lab_id"] == record.lab_id for i in items):
                        data.get(OWNERS, {}).get(self.backend_key, {}).pop(record.lab_id, None)

    def __contains__(self, item: tuple[str, str, Ident]) -> bool:
        kind, region, ident = item
        return (kind, region, json.dumps(ident, sort_keys=True)) in {r.key() for r in self.records}

    def ordered(self, lab_id: str | None = None) -> list[Record]:
        """Records in teardown order (newest first within a step); ``lab_id`` None means every lab."""
        with self._lock:
            self._reload()
        chosen = [r for r in self.records if lab_id is None or r.lab_id == lab_id]
        position = {id(r): n for n, r in enumerate(chosen)}
        return sorted(chosen, key=lambda r: (KINDS_BY_NAME[r.kind].order, -position[id(r)]))


_RECORD_FIELDS = {"kind": str, "region": str, "ident": dict, "created_at": str, "lab_id": str}
_OWNER_FIELDS = {"host": str, "pid": int, "kernel": bool}


#: The fields of each kind's ``ident`` (what its ``identify`` returns and its ``exists``/``delete`` read).
IDENT_KEYS: dict[str, tuple[frozenset[str], ...]] = {
    name: tuple(frozenset(shape.split()) for shape in keys.split("|"))
    for name, keys in {
        "cloudwatch:alarm": "AlarmName",
        "cloudwatch:dashboard": "DashboardName",
        "logs:metric-filter": "logGroupName filterName",
        "events:rule": "Name EventBusName",
        "sns:subscription": "SubscriptionArn",
        "ec2:iam-instance-profile-association": "AssociationId",
        "ec2:instance": "InstanceId",
        "iam:instance-profile": "InstanceProfileName",
        "iam:role": "RoleName",
        "iam:policy": "PolicyArn",
        "sns:topic": "TopicArn",
        "sqs:queue": "QueueUrl",
        "logs:log-group": "logGroupName",
        "ssm:parameter": "Name",
        "route53:health-check": "HealthCheckId",
        "labkit:web-server": "Name Lab",
        "cloudtrail:trail": "Name",
        "iam:user": "UserName",
        "s3:bucket": "Bucket",
        "ec2:security-group": "GroupId",
        "config:rule": "ConfigRuleName",
        "config:recorder": "name",
        "config:delivery-channel": "name",
        "guardduty:detector": "DetectorId",
        "budgets:budget": "AccountId BudgetName",
        "autoscaling:group": "AutoScalingGroupName",
        "ec2:launch-template": "LaunchTemplateId",
        "ec2:flow-log": "FlowLogId",
        "logs:query-definition": "queryDefinitionId",
        "cloudwatch:insight-rule": "RuleName",
        "cloudwatch:alarm-mute-rule": "Name",
        # A detector is named by what it models: one metric and its statistic, or metric math queries.
        "cloudwatch:anomaly-detector": "Namespace MetricName Stat Dimensions|MetricDataQueries",
    }.items()
}


def _valid_record(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and set(item) == set(_RECORD_FIELDS)
        and all(isinstance(item[name], kind) for name, kind in _RECORD_FIELDS.items())
        and item["kind"] in KINDS_BY_NAME
        and set(item["ident"]) in IDENT_KEYS.get(item["kind"], (set(item["ident"]),))
        and bool(item["ident"])
        and all(isinstance(k, str) and isinstance(v, str) for k, v in item["ident"].items())
    )


def _valid_owner(item: Any) -> bool:
    return isinstance(item, dict) and all(isinstance(item.get(name), kind) for name, kind in _OWNER_FIELDS.items())


def _validated(data: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """The registry file's data split into what is well formed and what is not (``(section, entry)``)."""
    clean: dict[str, Any] = {}
    bad: list[tuple[str, Any]] = []
    for key, section in data.items():
        if key == OWNERS:
            if not isinstance(section, dict):
                bad.append((key, section))
                continue
            owners: dict[str, Any] = {}
            for backend_key, labs in section.items():
                if not isinstance(labs, dict):
                    bad.append((f"{OWNERS}.{backend_key}", labs))
                    continue
                owners[backend_key] = {lab: owner for lab, owner in labs.items() if _valid_owner(owner)}
                bad += [
                    (f"{OWNERS}.{backend_key}", {lab: owner}) for lab, owner in labs.items() if not _valid_owner(owner)
                ]
            clean[key] = owners
        elif isinstance(section, list):
            clean[key] = [item for item in section if _valid_record(item)]
            bad += [(key, item) for item in section if not _valid_record(item)]
        else:
            bad.append((key, section))
    return clean, bad


def _describe(section: str, item: Any) -> str:
    """How a warning names an unreadable registry entry."""
    if isinstance(item, dict) and "kind" in item:
        ident = item.get("ident")
        named = " ".join(str(v) for v in ident.values()) if isinstance(ident, dict) else repr(ident)
        return f"{item['kind']} {named}"[:120]
    return f"{section}: {json.dumps(item, default=str)}"[:120]


def _in_kernel() -> bool:
    """Whether this process is a running Jupyter kernel (not merely one that imported ipykernel)."""
    kernelapp = sys.modules.get("ipykernel.kernelapp")
    return bool(kernelapp is not None and kernelapp.IPKernelApp.initialized())


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def still_exists(record: Record, client_for: Callable[[str, str], Client]) -> bool:
    """Whether the recorded resource is still there."""
    kind = KINDS_BY_NAME[record.kind]
    return kind.exists(client_for(kind.service, record.region), record.ident)


def teardown(
    registry: Registry,
    client_for: Callable[[str, str], Client],
    *,
    lab_id: str | None,
    dry_run: bool = False,
) -> TeardownReport:
    """Delete what ``registry`` recorded (for ``lab_id``, or every lab when None), then verify.

    A resource already gone counts as deleted (teardown is idempotent and resumable); a failure
    is reported with AWS's reason and teardown goes on with the rest. Throttling is retried by
    the clients' botocore retry configuration.
    """
    report = TeardownReport()
    for record in registry.ordered(lab_id):
        kind = KINDS_BY_NAME[record.kind]
        client = client_for(kind.service, record.region)
        if dry_run:
            report.planned.append(record.label(registry.account))
            continue
        try:
            if kind.exists(client, record.ident):
                kind.delete(client, record.ident)
        except ClientError as error:
            if not _missing(error):
                why = error.response.get("Error", {}).get("Message", str(error))
                report.failed.append((record.label(registry.account), mask_account(why, registry.account)))
                continue
        except KeyError as error:  # a record that names its resource without the field the kind needs
            report.failed.append(
                (record.label(registry.account), f"the registry record lacks {error}; delete it by hand")
            )
            continue
        registry.remove(record)
        report.deleted.append(record.label(registry.account))
    if not dry_run:
        failed = {label for label, _why in report.failed}
        report.remaining = [
            r.label(registry.account)
            for r in registry.ordered(lab_id)
            if r.label(registry.account) not in failed and still_exists(r, client_for)
        ]
    return report


def _record_for_arn(arn: str, lab_id: str, client_for: Callable[[str, str], Client], when: str) -> Record | None:
    """The teardown record for a tagged resource's ARN, or None for a kind the kit does not create."""
    parts = arn.split(":", 5)
    service, region, resource = parts[2], parts[3], parts[5]
    kind_and_ident: tuple[str, Ident] | None = None
    if service == "sns" and ":" not in resource:
        kind_and_ident = ("sns:topic", {"TopicArn": arn})
    elif service == "cloudwatch" and resource.startswith("alarm:"):
        kind_and_ident = ("cloudwatch:alarm", {"AlarmName": resource.split(":", 1)[1]})
    elif service == "cloudwatch" and resource.startswith("alarm-mute-rule:"):
        kind_and_ident = ("cloudwatch:alarm-mute-rule", {"Name": resource.split(":", 1)[1]})
    elif service == "logs" and resource.startswith("log-group:"):
        kind_and_ident = ("logs:log-group", {"logGroupName": resource.split(":")[1]})
    elif service == "ec2" and resource.startswith("instance/"):
        kind_and_ident = ("ec2:instance", {"InstanceId": resource.split("/", 1)[1]})
    elif service == "ec2" and resource.startswith("security-group/"):
        kind_and_ident = ("ec2:security-group", {"GroupId": resource.split("/", 1)[1]})
    elif service == "sqs":
        url = client_for("sqs", region).get_queue_url(QueueName=resource)["QueueUrl"]
        kind_and_ident = ("sqs:queue", {"QueueUrl": url})
    elif service == "events" and resource.startswith("rule/"):
        bus_and_name = resource.split("/")[1:]
        bus = bus_and_name[0] if len(bus_and_name) == 2 else "default"
        kind_and_ident = ("events:rule", {"Name": bus_and_name[-1], "EventBusName": bus})
    if kind_and_ident is None:
        return None
    return Record(kind_and_ident[0], region, kind_and_ident[1], when, lab_id)


def _instance_profile_tags(iam: Client, name: str) -> list[dict[str, str]]:
    """An instance profile's tags: ``ListInstanceProfileTags``, or where the backend lacks it (moto),
    the ``Tags`` that ``GetInstanceProfile`` returns (both in the IAM API reference,
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListInstanceProfileTags.html)."""
    try:
        return iam.list_instance_profile_tags(InstanceProfileName=name)["Tags"]
    except (UnsupportedOperation, NotImplementedError):
        return iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"].get("Tags", [])


def discover_tagged(client_for: Callable[[str, str], Client], region: str, when: str) -> list[Record]:
    """Every resource in ``region`` (and IAM) tagged ``labkit:lab``, whichever lab or process made it.

    Regional resources come from the Resource Groups Tagging API (``GetResources`` with a tag-key
    filter, https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html);
    EventBridge rules and IAM roles, policies and instance profiles are listed and their tags read.
    Only resources that still exist are returned.
    """
    found: list[Record] = []
    tagging = client_for("resourcegroupstaggingapi", region)
    for page in tagging.get_paginator("get_resources").paginate(TagFilters=[{"Key": TAG_KEY}]):
        for mapping in page["ResourceTagMappingList"]:
            lab_id = next(t["Value"] for t in mapping["Tags"] if t["Key"] == TAG_KEY)
            record = _record_for_arn(mapping["ResourceARN"], lab_id, client_for, when)
            if record is not None:
                found.append(record)
    events = client_for("events", region)
    for rule in events.list_rules().get("Rules", []):
        tags = {t["Key"]: t["Value"] for t in events.list_tags_for_resource(ResourceARN=rule["Arn"]).get("Tags", [])}
        if TAG_KEY in tags:
            found.append(
                Record(
                    "events:rule",
                    region,
                    {"Name": rule["Name"], "EventBusName": rule.get("EventBusName", "default")},
                    when,
                    tags[TAG_KEY],
                )
            )
    iam = client_for("iam", region)
    for role in iam.get_paginator("list_roles").paginate():
        for item in role["Roles"]:
            tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=item["RoleName"])["Tags"]}
            if TAG_KEY in tags:
                found.append(Record("iam:role", region, {"RoleName": item["RoleName"]}, when, tags[TAG_KEY]))
    for page in iam.get_paginator("list_policies").paginate(Scope="Local"):
        for item in page["Policies"]:
            tags = {t["Key"]: t["Value"] for t in iam.list_policy_tags(PolicyArn=item["Arn"])["Tags"]}
            if TAG_KEY in tags:
                found.append(Record("iam:policy", region, {"PolicyArn": item["Arn"]}, when, tags[TAG_KEY]))
    for page in iam.get_paginator("list_instance_profiles").paginate():
        for item in page["InstanceProfiles"]:
            name = item["InstanceProfileName"]
            tags = {t["Key"]: t["Value"] for t in _instance_profile_tags(iam, name)}
            if TAG_KEY in tags:
                found.append(Record("iam:instance-profile", region, {"InstanceProfileName": name}, when, tags[TAG_KEY]))
    # A terminated instance stays listed, tags and all, for a while after termination ("Terminate
    # Amazon EC2 instances", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/terminating-instances.html).
    return [record for record in found if still_exists(record, client_for)]
