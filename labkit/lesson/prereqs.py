"""What a notebook needs from earlier notebooks, made (or reused) by one call.

Every notebook runs alone in a fresh kernel — nbval does that, and so does a learner who starts
at notebook 05 — so nothing may come from hidden state left by another notebook. A notebook
that needs the alert topic of notebook 02 calls :func:`alerts_topic`; on a shared server or a
real account an existing one is reused instead of created twice.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from labkit.lesson import ec2, iam
from labkit.aws.agent import LogSource
from labkit.lesson.logs import LogLine, SecureLogGenerator, SimulatedAgent

if TYPE_CHECKING:
    from labkit.emulator.ec2_workload import LabInstance
    from labkit.lesson.iam import LogsAgentRole
    from labkit.runtime.lab import Lab

ALERTS_TOPIC = "lab-alerts"
#: Where the course's alerts go: ``LABKIT_EMAIL`` (a mailbox you can read, on a real account), else
#: a placeholder that works offline, where every email lands in ``lab.inbox``.
LEARNER_EMAIL = os.environ.get("LABKIT_EMAIL") or "you@example.com"


def alerts_topic(lab: Lab, email: str = LEARNER_EMAIL, *, confirm: bool = True) -> str:
    """The SNS topic every alarm of the course notifies (notebook 02), with ``email`` subscribed.

    ``create_topic`` is idempotent for the same name, so an existing topic is reused. Offline,
    ``confirm`` follows the confirmation link in the lab inbox; on AWS you click it in your mail.
    """
    sns = lab.client("sns")
    arn = sns.create_topic(Name=ALERTS_TOPIC)["TopicArn"]
    subscribed = any(
        s["Endpoint"] == email and s["Protocol"] == "email"
        for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    )
    if not subscribed:
        sns.subscribe(TopicArn=arn, Protocol="email", Endpoint=email)
    if confirm and lab.offline:
        lab.inbox.confirm(email)
    if not lab.offline:
        lab.inbox.watch(arn)  # so the notebook can show the real messages too
    return arn


def lab_instance(lab: Lab, **options: object) -> LabInstance:
    """The course's web server instance (notebook 01), launched with ``labkit.lesson.ec2.launch`` options."""
    return ec2.launch(lab, **options)  # type: ignore[arg-type]


def logs_agent_role(lab: Lab, instance_id: str | None = None) -> LogsAgentRole:
    """The EC2 role with the article's CloudWatch Logs policy and its instance profile (notebook 03),
    created or reused; associated with ``instance_id`` if given. See ``labkit.lesson.iam.ensure_logs_agent_role``."""
    return iam.ensure_logs_agent_role(lab, instance_id)


#: The log group of notebook 05, where the agent ships ``/var/log/secure``.
SSH_LOG_GROUP = "ssh_logs"


@dataclass(frozen=True)
class SshAttack:
    """What :func:`ssh_attack` wrote to ``ssh_logs``: the hour it covers, who attacked (address →
    attempts a minute), and the password login that finally succeeded."""

    log_group: str
    log_stream: str
    start: dt.datetime
    end: dt.datetime
    attackers: dict[str, int]
    admin_ip: str
    breached_user: str
    breached_from: str
    breached_at: dt.datetime


def ssh_attack(lab: Lab, instance_id: str) -> SshAttack:
    """The SSH attack of notebook 05, as a log group to investigate (notebook 08-investigate).

    The hour before lab time now, in ``ssh_logs`` (stream ``<instance id>/var/log/secure``, as the
    agent of notebooks 04–05 names it): the administrator's key logins, three bots from documentation
    addresses, and one of them finally logging in with a password (``Accepted password for deploy``).
    Written once: when the stream already holds events, nothing is shipped again.
    """

    logs = lab.client("logs")
    end = lab.clock.now().replace(second=0, microsecond=0)
    start = end - dt.timedelta(hours=1)
    sshd = SecureLogGenerator(seed=8, flavor="al2023")
    breached_at = start + dt.timedelta(minutes=46, seconds=12)
    agent = SimulatedAgent(
        logs, LogSource("/var/log/secure", SSH_LOG_GROUP), instance_id=instance_id, now=lab.clock.now
    )
    attack = SshAttack(
        SSH_LOG_GROUP,
        agent.log_stream_name,
        start,
        end,
        dict(_ATTACKERS),
        sshd.admin_ip,
        "deploy",
        "203.0.113.50",
        breached_at,
    )
    try:
        streams = logs.describe_log_streams(logGroupName=SSH_LOG_GROUP, logStreamNamePrefix=agent.log_stream_name)
        if any(s.get("lastEventTimestamp") for s in streams["logStreams"]):
            return attack
    except logs.exceptions.ResourceNotFoundException:
        pass
    agent.ship(_attack_lines(start, breached_at))
    return attack


#: The attack's bots: address → attempts a minute, and (first minute, minutes) of the hour.
_ATTACKERS = {"192.0.2.77": 20, "198.51.100.23": 6, "203.0.113.50": 3}
_WINDOWS = {"192.0.2.77": (20, 10), "198.51.100.23": (25, 20), "203.0.113.50": (30, 15)}


@functools.lru_cache(maxsize=4)
def _attack_lines(start: dt.datetime, breached_at: dt.datetime) -> tuple[LogLine, ...]:
    """:func:`ssh_attack`'s 1,800 lines in time order. Seeded, so the same for every lab whose clock
    reads the same: made once a process for the labs of a test run (and a kernel that runs it again)."""
    sshd = SecureLogGenerator(seed=8, flavor="al2023")
    lines = sshd.normal(start, 60, logins_per_hour=6) + sshd.password_login(breached_at, "deploy", "203.0.113.50")
    for ip, per_minute in _ATTACKERS.items():
        offset, minutes = _WINDOWS[ip]
        lines += sshd.attack(
            start + dt.timedelta(minutes=offset), minutes, attempts_per_minute=per_minute, source_ip=ip
        )
    return tuple(sorted(lines, key=lambda line: line.timestamp))


#: The trail of notebook 06 and its log group.
TRAIL_NAME = "lab-trail"
TRAIL_LOG_GROUP = "CloudTrail/lab-trail"
TRAIL_ROLE = "CloudTrailToCloudWatchLogs"


def trail_bucket_policy(bucket: str, account: str, trail_arn: str) -> dict[str, object]:
    """The bucket policy that lets CloudTrail deliver ``trail_arn``'s log files to ``bucket``: check
    the bucket's ACL, and write under ``AWSLogs/<account>/`` with the bucket owner in full control,
    both only for that trail (``aws:SourceArn``), as in "Amazon S3 bucket policy for CloudTrail"
    (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html).
    Taught in notebook 06-cloudtrail-eventbridge-health, which sets it with ``put_bucket_policy``."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
            },
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{account}/*",
                "Condition": {
                    "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail_arn}
                },
            },
        ],
    }


def trail_to_logs(lab: Lab) -> str:
    """Notebook 06's multi-Region trail, logging to S3 and to the log group ``CloudTrail/lab-trail``
    (bucket policy, delivery role, ``start_logging``), created or reused; returns the log group's name.
    Used by notebook 08-investigate to query CloudTrail records with Logs Insights."""
    import json

    account, region = lab.account_id, lab.region
    s3, logs, iam, cloudtrail = (lab.client(s) for s in ("s3", "logs", "iam", "cloudtrail"))
    bucket = f"labkit-trail-{lab.lab_id}"
    trail_arn = f"arn:aws:cloudtrail:{region}:{account}:trail/{TRAIL_NAME}"
    try:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(trail_bucket_policy(bucket, account, trail_arn)))
    try:
        logs.create_log_group(logGroupName=TRAIL_LOG_GROUP)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    logs.put_retention_policy(logGroupName=TRAIL_LOG_GROUP, retentionInDays=30)
    try:
        role_arn = iam.create_role(
            RoleName=TRAIL_ROLE,
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudtrail.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        role_arn = iam.get_role(RoleName=TRAIL_ROLE)["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=TRAIL_ROLE,
        PolicyName="deliver-to-log-group",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": f"arn:aws:logs:{region}:{account}:log-group:{TRAIL_LOG_GROUP}:log-stream:*",
                    }
                ],
            }
        ),
    )
    try:
        cloudtrail.create_trail(
            Name=TRAIL_NAME,
            S3BucketName=bucket,
            IsMultiRegionTrail=True,
            IncludeGlobalServiceEvents=True,
            CloudWatchLogsLogGroupArn=f"arn:aws:logs:{region}:{account}:log-group:{TRAIL_LOG_GROUP}:*",
            CloudWatchLogsRoleArn=role_arn,
        )
    except cloudtrail.exceptions.TrailAlreadyExistsException:
        pass
    cloudtrail.start_logging(Name=TRAIL_NAME)
    return TRAIL_LOG_GROUP
