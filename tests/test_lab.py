"""The foundation: backends, the lab clock, the emulator mechanism, the registry and teardown."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

import labkit
from labkit.exceptions import ConfigurationError, GuardrailError, ServiceError, UnsupportedOperation, WaitTimeout
from labkit.runtime import backends
from labkit.runtime.clock import DEFAULT_START, LabClock, parse_start
from labkit.runtime.lab import Lab
from labkit.runtime.resources import TAG_KEY

UTC = dt.timezone.utc


# -- backends ---------------------------------------------------------------------------------
def test_default_backend_is_moto_at_the_fixed_start(lab: Lab) -> None:
    assert lab.backend.name == "moto"
    assert lab.clock.now() == DEFAULT_START
    assert lab.account_id == "123456789012"


def test_moto_never_reads_the_users_aws_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text("[default]\naws_access_key_id = AKIAREALKEY\naws_secret_access_key = secret\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_PROFILE", "someone-else")
    with labkit.connect("moto") as opened:
        used = opened.backend.session.get_credentials()
        assert used.access_key == backends.FAKE_KEY
        assert opened.client("sns").list_topics()["Topics"] == []


def test_backend_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABKIT_BACKEND", "moto-server")
    assert backends.resolve_backend_name(None) == "moto-server"
    monkeypatch.setenv("LABKIT_BACKEND", "gcp")
    with pytest.raises(ConfigurationError, match="unknown backend 'gcp'"):
        backends.resolve_backend_name(None)


def test_connecting_again_starts_from_an_empty_account() -> None:
    first = labkit.connect("moto")
    first.client("sns").create_topic(Name="alerts")
    first.advance(minutes=30)
    second = labkit.connect("moto")
    try:
        assert first.closed
        assert second.client("sns").list_topics()["Topics"] == []
        assert second.clock.now() == DEFAULT_START
    finally:
        second.close()


def test_a_moto_service_first_loaded_during_a_lab_is_emptied_for_the_next() -> None:
    # labkit's reset drops the backends of the moto modules loaded; it scans sys.modules again only when that grows.
    from moto.backends import get_backend

    name = next(n for n in ("glacier", "swf", "datasync", "mediastore", "ebs") if f"moto.{n}.models" not in sys.modules)
    first = labkit.connect("moto")
    get_backend(name)[first.account_id]["us-east-1"]  # type: ignore[call-overload]  # loads the module, makes one
    assert first.account_id in get_backend(name)  # type: ignore[call-overload]
    second = labkit.connect("moto")
    try:
        assert first.closed
        assert first.account_id not in get_backend(name)  # type: ignore[call-overload]
    finally:
        second.close()


def test_moto_server_backend_serves_the_same_calls_over_http() -> None:
    with labkit.connect("moto-server") as opened:
        assert opened.backend.endpoint_url.startswith("http://127.0.0.1:")
        sns = opened.client("sns")
        arn = sns.create_topic(Name="alerts")["TopicArn"]
        assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": TAG_KEY, "Value": opened.lab_id}]
        assert opened.teardown().ok
        assert opened.inventory() == []


# -- moto's errors become one labkit error -------------------------------------------------------
def test_unimplemented_call_in_process_names_call_and_backend(lab: Lab) -> None:
    with pytest.raises(UnsupportedOperation, match=r"cloudwatch\.ListMetricStreams .* 'moto' backend"):
        lab.client("cloudwatch").list_metric_streams()


def test_service_without_moto_backend_404_becomes_unsupported(lab: Lab) -> None:
    with pytest.raises(UnsupportedOperation, match=r"chatbot\.DescribeSlackChannelConfigurations"):
        lab.client("chatbot").describe_slack_channel_configurations()


def test_unknown_service_never_reaches_the_real_network(lab: Lab) -> None:
    with pytest.raises(UnsupportedOperation, match=r"application-signals\.ListServices .* moto has no such service"):
        lab.client("application-signals").list_services(StartTime=0, EndTime=1)


def test_unimplemented_call_over_a_server_is_not_retried() -> None:
    with labkit.connect("moto-server") as opened:
        with pytest.raises(UnsupportedOperation, match="HTTP 500") as raised:
            opened.client("cloudwatch").list_metric_streams()
        assert raised.value.backend == "moto-server"


# -- the lab clock ------------------------------------------------------------------------------
def test_clock_start_from_environment() -> None:
    assert parse_start("2026-03-04T05:06:00Z") == dt.datetime(2026, 3, 4, 5, 6, tzinfo=UTC)
    assert parse_start(None) == DEFAULT_START
    with pytest.raises(ConfigurationError, match="ISO-8601"):
        parse_start("yesterday")


def test_advance_ticks_once_per_whole_minute() -> None:
    clock = LabClock(dt.datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC))
    seen: list[dt.datetime] = []
    clock.advance_to(dt.datetime(2026, 1, 1, 0, 3, 10, tzinfo=UTC), seen.append)
    assert seen == [dt.datetime(2026, 1, 1, 0, m, tzinfo=UTC) for m in (1, 2, 3)]
    assert clock.now() == dt.datetime(2026, 1, 1, 0, 3, 10, tzinfo=UTC)
    with pytest.raises(ConfigurationError):
        clock.advance_to(dt.datetime(2026, 1, 1, tzinfo=UTC), seen.append)


def test_moto_timestamps_follow_lab_time(lab: Lab) -> None:
    lab.advance(minutes=90)
    logs = lab.client("logs")
    logs.create_log_group(logGroupName="ssh_logs")
    created = logs.describe_log_groups()["logGroups"][0]["creationTime"]
    assert created == int(lab.clock.now().timestamp() * 1000)


def test_log_events_at_lab_time_are_accepted_even_far_from_real_time(lab: Lab) -> None:
    logs = lab.client("logs")
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    when = int(lab.clock.now().timestamp() * 1000)
    reply = logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[{"timestamp": when, "message": "m"}])
    assert "rejectedLogEventsInfo" not in reply
    assert logs.get_log_events(logGroupName="g", logStreamName="s")["events"][0]["message"] == "m"


def test_wait_until_returns_the_value_or_times_out_with_lab_time(lab: Lab) -> None:
    target = DEFAULT_START + dt.timedelta(minutes=7)
    value = lab.wait_until(lambda: lab.clock.now() >= target and "there", timeout=10)
    assert value == "there" and lab.clock.now() == target
    with pytest.raises(WaitTimeout, match="the alarm did not happen within 0:05:00 of lab time"):
        lab.wait_until(lambda: False, timeout=5, description="the alarm")


def test_real_clock_waits_instead_of_jumping(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(LabClock, "sleep", staticmethod(slept.append))
    clock = LabClock(virtual=False)
    opened = Lab(
        backends.Backend("aws", boto3.Session(region_name="ap-northeast-1"), "000000000000", in_process=False),
        "ap-northeast-1",
        clock,
        "lab-test",
    )
    assert opened.emulator is None
    opened.advance(seconds=3)
    assert sum(slept) == pytest.approx(3)
    with pytest.raises(ConfigurationError):
        clock.advance_to(clock.now(), lambda now: None)


def test_long_real_waits_are_skipped_unless_allowed(
    lab: Lab, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Notebook 09's night in the batch window: offline lab time costs nothing; on AWS a wait of hours is
    skipped with the sentence that says how to allow it, and allowed once ``max_real_wait_minutes`` covers it."""
    assert lab.may_wait(minutes=24 * 60) and capsys.readouterr().out == ""
    slept: list[float] = []
    monkeypatch.setattr(LabClock, "sleep", staticmethod(slept.append))
    real = Lab(
        backends.Backend("aws", boto3.Session(region_name="ap-northeast-1"), "000000000000", in_process=False),
        "ap-northeast-1",
        LabClock(virtual=False),
        "lab-test",
    )
    assert real.may_wait(minutes=30) and capsys.readouterr().out == ""
    assert not real.may_wait(minutes=7 * 60 + 12.5)
    assert capsys.readouterr().out.strip() == (
        "Skipped on AWS: this step would wait 7 h 12 min in real time. To run it, set "
        "lab.max_real_wait_minutes = 433 in a cell and run this cell again."
    )
    real.max_real_wait_minutes = 433
    assert real.may_wait(minutes=7 * 60 + 12.5) and slept == []


# -- the emulator mechanism ---------------------------------------------------------------------
def test_answer_replaces_moto_and_sees_the_learners_params(lab: Lab) -> None:
    seen: list[dict[str, Any]] = []

    @lab.emulator.answers("cloudwatch", "ListMetricStreams")
    def answer(call: Any) -> dict[str, Any]:
        seen.append(call.params)
        return {"Entries": []}

    reply = lab.client("cloudwatch").list_metric_streams(MaxResults=5)
    assert reply["Entries"] == [] and reply["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert seen == [{"MaxResults": 5}]


def test_answer_returning_none_lets_moto_answer(lab: Lab) -> None:
    lab.emulator.answers("sns", "ListTopics")(lambda call: None)
    assert lab.client("sns").list_topics()["Topics"] == []


def test_service_error_reaches_the_learner_as_the_modelled_exception(lab: Lab) -> None:
    def reject(call: Any) -> None:
        raise ServiceError("InvalidParameterException", "Invalid retention value")

    lab.emulator.answers("logs", "PutRetentionPolicy")(reject)
    logs = lab.client("logs")
    with pytest.raises(logs.exceptions.InvalidParameterException) as raised:
        logs.put_retention_policy(logGroupName="g", retentionInDays=2)
    assert raised.value.response["Error"]["Message"] == "Invalid retention value"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_observers_see_successful_calls_only(lab: Lab) -> None:
    seen: list[str] = []
    lab.emulator.observes("sns", "CreateTopic")(lambda call, reply: seen.append(reply["TopicArn"]))
    sns = lab.client("sns")
    arn = sns.create_topic(Name="ok")["TopicArn"]
    with pytest.raises(sns.exceptions.InvalidParameterException):
        sns.create_topic(Name="not a valid name!")
    assert seen == [arn]


def test_internal_clients_bypass_the_emulator(lab: Lab) -> None:
    lab.emulator.answers("sns", "ListTopics")(lambda call: {"Topics": [{"TopicArn": "emulated"}]})
    assert lab.client("sns").list_topics()["Topics"] == [{"TopicArn": "emulated"}]
    assert lab.internal_client("sns").list_topics()["Topics"] == []


def test_minute_ticks_run_in_order_at_each_lab_minute(lab: Lab) -> None:
    order: list[tuple[str, dt.datetime]] = []
    lab.emulator.every_minute(lambda now: order.append(("metrics", now)))
    lab.emulator.every_minute(lambda now: order.append(("alarms", now)))
    lab.advance(minutes=2)
    first, second = DEFAULT_START + dt.timedelta(minutes=1), DEFAULT_START + dt.timedelta(minutes=2)
    assert order == [("metrics", first), ("alarms", first), ("metrics", second), ("alarms", second)]


def test_the_same_answer_cannot_be_registered_twice(lab: Lab) -> None:
    lab.emulator.answers("sns", "ListTopics")(lambda call: None)
    with pytest.raises(ValueError, match="already has an emulator answer"):
        lab.emulator.answers("sns", "ListTopics")(lambda call: None)


# -- registry, tags and teardown ------------------------------------------------------------------
def _build_everything(lab: Lab) -> dict[str, str]:
    sns, cloudwatch, logs, iam, events = (lab.client(s) for s in ("sns", "cloudwatch", "logs", "iam", "events"))
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    sqs = lab.client("sqs")
    queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    cloudwatch.put_metric_alarm(
        AlarmName="cpu",
        MetricName="CPUUtilization",
        Namespace="AWS/EC2",
        Statistic="Average",
        Period=300,
        EvaluationPeriods=1,
        Threshold=80,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[topic],
    )
    logs.create_log_group(logGroupName="ssh_logs")
    logs.put_metric_filter(
        logGroupName="ssh_logs",
        filterName="preauth",
        filterPattern='"[preauth]"',
        metricTransformations=[{"metricName": "SSHFailed", "metricNamespace": "Lab", "metricValue": "1"}],
    )
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    iam.create_role(RoleName="logs-agent", AssumeRolePolicyDocument=json.dumps(trust))
    policy = iam.create_policy(
        PolicyName="logs",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="logs-agent", PolicyArn=policy)
    iam.create_instance_profile(InstanceProfileName="logs-agent")
    iam.add_role_to_instance_profile(InstanceProfileName="logs-agent", RoleName="logs-agent")
    events.put_rule(Name="health", EventPattern=json.dumps({"source": ["aws.health"]}))
    events.put_targets(Rule="health", Targets=[{"Id": "sns", "Arn": topic}])
    ec2 = lab.client("ec2")
    group = ec2.create_security_group(GroupName="web", Description="lab")["GroupId"]
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro")["Instances"][
        0
    ]["InstanceId"]
    return {"topic": topic, "queue": queue, "group": group, "instance": instance}


def test_created_resources_are_tagged_where_the_api_takes_tags(lab: Lab) -> None:
    made = _build_everything(lab)
    tag = {"Key": TAG_KEY, "Value": "lab-local"}
    assert tag in lab.client("sns").list_tags_for_resource(ResourceArn=made["topic"])["Tags"]
    alarm_arn = lab.client("cloudwatch").describe_alarms()["MetricAlarms"][0]["AlarmArn"]
    assert tag in lab.client("cloudwatch").list_tags_for_resource(ResourceARN=alarm_arn)["Tags"]
    assert lab.client("logs").list_tags_log_group(logGroupName="ssh_logs")["tags"] == {TAG_KEY: "lab-local"}
    assert tag in lab.client("iam").list_role_tags(RoleName="logs-agent")["Tags"]
    assert lab.client("sqs").list_queue_tags(QueueUrl=made["queue"])["Tags"] == {TAG_KEY: "lab-local"}
    instance = lab.client("ec2").describe_instances()["Reservations"][0]["Instances"][0]
    assert tag in instance["Tags"]


def test_teardown_deletes_everything_in_dependency_order_and_proves_it(lab: Lab) -> None:
    _build_everything(lab)
    assert len(lab.inventory()) == 12
    report = lab.teardown()
    assert report.ok, str(report)
    order = [line.split()[0] for line in report.deleted]
    assert order.index("cloudwatch:alarm") < order.index("sns:topic")
    assert order.index("iam:instance-profile") < order.index("iam:role") < order.index("iam:policy")
    assert order.index("ec2:instance") < order.index("ec2:security-group")
    assert lab.inventory() == []
    assert lab.client("sns").list_topics()["Topics"] == []
    assert lab.client("iam").list_roles()["Roles"] == []


def test_teardown_is_idempotent_and_dry_run_deletes_nothing(lab: Lab) -> None:
    lab.client("sns").create_topic(Name="alerts")
    planned = lab.teardown(dry_run=True)
    assert planned.planned and not planned.deleted
    assert len(lab.client("sns").list_topics()["Topics"]) == 1
    assert lab.teardown().ok
    again = lab.teardown()
    assert again.ok and again.deleted == []


def test_teardown_never_deletes_what_the_lab_did_not_create(lab: Lab) -> None:
    # Made before the lab's clients existed, or by another tool: not in the registry.
    outsider_sns = lab.internal_client("sns")
    outsider = outsider_sns.create_topic(Name="production-alerts")["TopicArn"]
    lab.internal_client("cloudwatch").put_metric_alarm(
        AlarmName="prod-cpu",
        MetricName="CPUUtilization",
        Namespace="AWS/EC2",
        Statistic="Average",
        Period=300,
        EvaluationPeriods=1,
        Threshold=90,
        ComparisonOperator="GreaterThanThreshold",
    )
    # The lab "puts" the same alarm name: refused (it would redefine an alarm it did not make), never recorded.
    with pytest.raises(GuardrailError, match="will not redefine it"):
        lab.client("cloudwatch").put_metric_alarm(
            AlarmName="prod-cpu",
            MetricName="CPUUtilization",
            Namespace="AWS/EC2",
            Statistic="Average",
            Period=300,
            EvaluationPeriods=1,
            Threshold=80,
            ComparisonOperator="GreaterThanThreshold",
        )
    lab.client("sns").create_topic(Name="lab-alerts")
    report = lab.teardown()
    assert report.ok
    assert [t["TopicArn"] for t in outsider_sns.list_topics()["Topics"]] == [outsider]
    assert lab.internal_client("cloudwatch").describe_alarms(AlarmNames=["prod-cpu"])["MetricAlarms"]


def test_teardown_reports_a_failure_and_goes_on(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    sns = lab.client("sns")
    sns.create_topic(Name="alerts")
    lab.client("logs").create_log_group(logGroupName="ssh_logs")
    internal_logs = lab.internal_client("logs")

    def refuse(**_: Any) -> None:
        from botocore.exceptions import ClientError

        raise ClientError(
            {"Error": {"Code": "AccessDeniedException", "Message": "not allowed to delete"}}, "DeleteLogGroup"
        )

    monkeypatch.setattr(internal_logs, "delete_log_group", refuse)
    report = lab.teardown()
    assert not report.ok
    assert report.failed == [("logs:log-group ssh_logs", "not allowed to delete")]
    assert sns.list_topics()["Topics"] == []
    assert lab.inventory() == ["logs:log-group ssh_logs"]
    monkeypatch.undo()
    assert lab.teardown().ok and lab.inventory() == []


def test_registry_outlives_the_process_on_a_server_backend(tmp_path: Any) -> None:
    """A kernel that dies mid-notebook: a new process tears down what it left on the server."""
    with labkit.connect("moto-server") as server_lab:
        url = server_lab.backend.endpoint_url
        script = (
            "import labkit\n"
            "lab = labkit.connect('moto-server')\n"
            "lab.client('sns').create_topic(Name='left-behind')\n"
            "lab.client('logs').create_log_group(logGroupName='left-behind')\n"
            "import os; os._exit(1)  # the kernel dies without teardown\n"
        )
        env = {**__import__("os").environ, "LABKIT_ENDPOINT_URL": url}
        subprocess.run([sys.executable, "-c", script], env=env, check=False, timeout=120)
        survivor = Lab(backends.start_moto_server("ap-northeast-1", LabClock(), url), "ap-northeast-1", LabClock())
        assert sorted(item.split()[0] for item in survivor.inventory(all_labs=True)) == ["logs:log-group", "sns:topic"]
        assert survivor.teardown(all_labs=True).ok
        assert survivor.inventory(all_labs=True) == []
        assert server_lab.internal_client("sns").list_topics()["Topics"] == []


# -- real-account guardrails (STS stubbed) -------------------------------------------------------
def _stubbed_session(monkeypatch: pytest.MonkeyPatch, arn: str, account: str) -> boto3.Session:
    session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="y", region_name="ap-northeast-1")
    real_client = session.client

    def client(service: str, **kwargs: Any) -> Any:
        made = real_client(service, **kwargs)
        stubber = Stubber(made)
        stubber.add_response("get_caller_identity", {"UserId": "AID", "Account": account, "Arn": arn})
        stubber.activate()
        return made

    monkeypatch.setattr(session, "client", client)
    return session


def test_aws_refuses_an_account_not_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABKIT_AWS_ACCOUNTS", "111111111111")
    session = _stubbed_session(monkeypatch, "arn:aws:iam::222222222222:user/me", "222222222222")
    with pytest.raises(GuardrailError, match="not listed in LABKIT_AWS_ACCOUNTS") as raised:
        backends.start_aws("ap-northeast-1", session)
    assert "222222222222" not in str(raised.value)  # never print a real account id


def test_aws_refuses_root_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABKIT_AWS_ACCOUNTS", "222222222222")
    session = _stubbed_session(monkeypatch, "arn:aws:iam::222222222222:root", "222222222222")
    with pytest.raises(GuardrailError, match="root credentials"):
        backends.start_aws("ap-northeast-1", session)


def test_aws_refuses_a_region_not_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(GuardrailError, match="region us-west-2 is not allowed"):
        backends.start_aws("us-west-2")


def test_aws_accepts_a_listed_sandbox_account(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABKIT_AWS_ACCOUNTS", "111111111111, 222222222222")
    session = _stubbed_session(monkeypatch, "arn:aws:sts::222222222222:assumed-role/Lab/me", "222222222222")
    chosen = backends.start_aws("ap-northeast-1", session)
    assert chosen.name == "aws" and not chosen.emulated and chosen.persistent


def test_a_closed_labs_moto_state_is_gone_and_its_backends_made_anew() -> None:
    """A closed lab leaves nothing in moto for the next: its bucket name is free again (S3 keeps a
    process-wide map of bucket owners that its backend's own reset clears) and EC2's backends, with
    moto's default AMIs, are made again only when the next lab uses EC2."""
    from moto.ec2.models import ec2_backends

    first = labkit.connect("moto")
    first.client("s3").create_bucket(
        Bucket="lab-kept-name", CreateBucketConfiguration={"LocationConstraint": first.region}
    )
    first.client("ec2").run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)
    first.close()
    assert not ec2_backends  # no backend re-created just to be dropped

    second = labkit.connect("moto")
    s3 = second.client("s3")
    assert s3.list_buckets()["Buckets"] == []
    s3.create_bucket(Bucket="lab-kept-name", CreateBucketConfiguration={"LocationConstraint": second.region})
    s3.put_object(Bucket="lab-kept-name", Key="k", Body=b"v")
    assert s3.get_object(Bucket="lab-kept-name", Key="k")["Body"].read() == b"v"
    assert second.client("ec2").describe_instances()["Reservations"] == []
    second.close()


def test_requests_to_aws_urls_reach_moto_in_every_lab_and_moto_s_url_callbacks_are_registered_once() -> None:
    """A presigned URL fetched with ``requests`` (moto's ``responses`` mock) answers from the lab's moto, lab after
    lab; the URL callbacks are registered once, not again for every lab (labkit.runtime.backends._start_moto_mock)."""
    import moto.core.models as moto_models
    import requests
    from moto.core import custom_responses_mock
    from moto.core.models import responses_mock

    callbacks = []
    for number in range(3):
        with labkit.connect("moto") as lab:
            s3 = lab.client("s3")
            s3.create_bucket(Bucket="lab-presigned", CreateBucketConfiguration={"LocationConstraint": lab.region})
            s3.put_object(Bucket="lab-presigned", Key="k", Body=f"lab {number}".encode())
            url = s3.generate_presigned_url("get_object", Params={"Bucket": "lab-presigned", "Key": "k"})
            assert requests.get(url, timeout=10).content == f"lab {number}".encode()
            callbacks.append(list(responses_mock.registered()))
    assert len(callbacks[0]) > 1000
    assert all(later == callbacks[0] and later[0] is callbacks[0][0] for later in callbacks[1:])
    assert moto_models.CallbackResponse is custom_responses_mock.CallbackResponse  # put back after each start


def test_a_real_wait_in_a_notebook_kernel_without_ipywidgets_warns_nothing() -> None:
    """On AWS, ``lab.advance`` waits in real time behind a progress bar; in a Jupyter kernel (ipykernel's shell
    loaded) without ipywidgets, tqdm.auto warned "IProgress not found. Please update jupyter and ipywidgets"."""
    script = """
import warnings
warnings.simplefilter("always")
import ipykernel.zmqshell  # what tqdm.auto reads to tell a notebook kernel
import boto3
from labkit.runtime import backends
from labkit.runtime.clock import LabClock
from labkit.runtime.lab import Lab
LabClock.sleep = staticmethod(lambda seconds: None)
lab = Lab(backends.Backend("aws", boto3.Session(region_name="ap-northeast-1"), "000000000000", in_process=False),
          "ap-northeast-1", LabClock(virtual=False), "lab-test")
lab.advance(seconds=2)
print("waited")
"""
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0 and "waited" in ran.stdout, ran.stderr
    assert "IProgress" not in ran.stderr, ran.stderr
