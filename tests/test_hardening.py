"""Issue 19 "Hardening": the guard refuses before the network, the registry file never blocks,
the CLI never shows a traceback, and late joiners' and restarts' flows keep working."""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

import labkit
from labkit.emulator.cloudwatch_alarms import CloudWatchAlarms
from labkit.emulator.cloudwatch_metrics import CloudWatchMetrics
from labkit.emulator.moto_accounts import offline_session
from labkit.exceptions import GuardrailError
from labkit.runtime import backends
from labkit.runtime.lab import Lab
from labkit.runtime.resources import KINDS_BY_NAME, Registry, TeardownReport
from labkit.tools.cli import main

REPO = Path(__file__).resolve().parents[1]


# -- §3 the real-account guard refuses before the network ---------------------------------------
def test_aws_without_an_allow_list_refuses_before_calling_sts(monkeypatch: pytest.MonkeyPatch) -> None:
    session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="y", region_name="ap-northeast-1")
    called: list[str] = []
    monkeypatch.setattr(session, "client", lambda service, **_: called.append(service))
    with pytest.raises(GuardrailError, match="set LABKIT_AWS_ACCOUNTS=<12-digit id>"):
        backends.start_aws("ap-northeast-1", session)
    assert called == []


def test_cli_on_aws_without_an_allow_list_says_what_to_set_in_one_line(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LABKIT_HOME": str(tmp_path / "home"),
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "y",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    done = subprocess.run(
        [sys.executable, "-m", "labkit", "inventory", "--backend", "aws"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "LABKIT_AWS_ACCOUNTS" in line


# -- §2 the registry file -----------------------------------------------------------------------
def _registry_file(tmp_path: Path) -> Path:
    return tmp_path / "labkit-home" / "registry.json"


def test_a_truncated_registry_file_is_quarantined_and_connect_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _registry_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text('{"moto-server:http://x": [{"kind": "sns:to', encoding="utf-8")
    registry = Registry("moto-server:http://x", path)
    assert registry.records == []
    [kept] = list(path.parent.glob("registry.json.corrupt-*"))
    assert kept.read_text(encoding="utf-8").startswith('{"moto-server')
    warning = capsys.readouterr().err
    assert str(kept) in warning and warning.count("\n") == 1
    registry.claim("lab-1")  # the file is usable again
    assert json.loads(path.read_text(encoding="utf-8"))["_owners"]


def test_bad_records_are_skipped_with_a_warning_and_teardown_deletes_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with labkit.connect("moto-server") as server:
        monkeypatch.setenv("LABKIT_ENDPOINT_URL", server.backend.endpoint_url)
        lab = labkit.connect("moto-server")
        for name in ("one", "two", "three"):
            lab.client("sns").create_topic(Name=name)
        path = lab.registry.path
        data = json.loads(path.read_text(encoding="utf-8"))
        key = lab.backend.registry_key
        data[key].insert(1, {"kind": "sns:topic", "region": "ap-northeast-1", "ident": "not-a-dict"})
        data[key].insert(
            2,
            {
                "kind": "no:such-kind",
                "region": "ap-northeast-1",
                "ident": {"x": "y"},
                "created_at": "2026-06-01T00:00:00+00:00",
                "lab_id": lab.lab_id,
            },
        )
        data[key].append(
            {
                "kind": "sns:topic",
                "region": "ap-northeast-1",
                "ident": {"Name": "wrong-field"},
                "created_at": "2026-06-01T00:00:00+00:00",
                "lab_id": lab.lab_id,
            }
        )
        path.write_text(json.dumps(data), encoding="utf-8")
        assert main(["teardown"]) == 0
        captured = capsys.readouterr()
        assert captured.out.count("deleted  sns:topic") == 3
        assert "no:such-kind" in captured.err and "skipped 3 unreadable record(s)" in captured.err
        assert "Traceback" not in captured.err
        assert server.internal_client("sns").list_topics()["Topics"] == []
        [kept] = list(path.parent.glob("registry.json.corrupt-*"))
        assert "no:such-kind" in kept.read_text(encoding="utf-8")
        assert main(["inventory"]) == 0
        assert capsys.readouterr().err == ""  # quarantined once, not warned about on every run


def test_every_kind_says_which_fields_name_its_resources() -> None:
    from labkit.runtime.resources import IDENT_KEYS, KINDS

    assert {kind.name for kind in KINDS} == set(IDENT_KEYS)


def test_a_registry_file_that_is_not_an_object_is_quarantined(tmp_path: Path) -> None:
    path = _registry_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("[1, 2]", encoding="utf-8")
    assert Registry("k", path).records == []
    assert list(path.parent.glob("registry.json.corrupt-*"))


# -- §2 teardown reports never show an account id ------------------------------------------------
def test_failed_lines_mask_the_account_id() -> None:
    report = TeardownReport(failed=[("sns:topic x", "User: arn:aws:iam::210987654321:user/me is not authorized")])
    assert "210987654321" not in str(report)
    assert "<account>" in str(report)


# -- §2 a pre-existing alarm is never redefined by a lab -----------------------------------------
def test_a_lab_refuses_to_redefine_an_alarm_it_did_not_create(lab: Lab) -> None:
    alarm = {
        "MetricName": "m",
        "Namespace": "n",
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "ComparisonOperator": "GreaterThanThreshold",
    }
    lab.internal_client("cloudwatch").put_metric_alarm(AlarmName="prod", Threshold=1, **alarm)
    with pytest.raises(GuardrailError, match="alarm 'prod' already exists"):
        lab.client("cloudwatch").put_metric_alarm(AlarmName="prod", Threshold=2, **alarm)
    [kept] = lab.internal_client("cloudwatch").describe_alarms(AlarmNames=["prod"])["MetricAlarms"]
    assert kept["Threshold"] == 1
    lab.client("cloudwatch").put_metric_alarm(AlarmName="mine", Threshold=1, **alarm)
    lab.client("cloudwatch").put_metric_alarm(AlarmName="mine", Threshold=3, **alarm)  # its own: updated


# -- §2 the CLI: one sentence, non-zero, no traceback --------------------------------------------
def test_cli_errors_are_one_sentence_without_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LABKIT_BACKEND", "azure")
    assert main(["inventory"]) != 0
    err = capsys.readouterr().err
    assert err.startswith("labkit: unknown backend 'azure'") and err.count("\n") == 1


def test_cli_turns_an_unreachable_server_into_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("LABKIT_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    sns_kind = KINDS_BY_NAME["sns:topic"]
    registry = Registry(f"moto-server:http://127.0.0.1:{port}", backends.registry_path())
    import datetime as dt

    registry.add(
        sns_kind,
        "ap-northeast-1",
        {"TopicArn": "arn:aws:sns:ap-northeast-1:123456789012:t"},
        dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc),
        "lab-x",
    )
    assert main(["inventory"]) != 0
    err = capsys.readouterr().err
    assert err.startswith("labkit: ") and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("port", ["-1", "99999", "65536"])
def test_serve_refuses_a_port_outside_1_to_65535(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", port]) == 2
    assert "port must be between 1 and 65535 (0 picks a free port)" in capsys.readouterr().err


def test_serve_refuses_a_busy_port_without_hanging(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"port {port} on 127.0.0.1 is already in use" in err and err.count("\n") == 1


# -- §1 endpoints, IAM resources gone, instance-profile tags -------------------------------------
@pytest.mark.parametrize(
    "spelling", ["http://localhost:{port}", "http://127.0.0.1:{port}/", "HTTP://LOCALHOST:{port}//"]
)
def test_teardown_finds_the_labs_whatever_the_endpoint_spelling(
    spelling: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with labkit.connect("moto-server") as server:
        url = server.backend.endpoint_url
        port = url.rsplit(":", 1)[1]
        monkeypatch.setenv("LABKIT_ENDPOINT_URL", url)
        labkit.connect("moto-server").client("sns").create_topic(Name="left")
        monkeypatch.setenv("LABKIT_ENDPOINT_URL", spelling.format(port=port))
        assert main(["teardown"]) == 0
        assert "deleted  sns:topic" in capsys.readouterr().out
        assert server.internal_client("sns").list_topics()["Topics"] == []


def test_iam_resources_already_gone_count_as_deleted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with labkit.connect("moto-server") as server:
        monkeypatch.setenv("LABKIT_ENDPOINT_URL", server.backend.endpoint_url)
        lab = labkit.connect("moto-server")
        iam = lab.client("iam")
        trust = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        )
        iam.create_role(RoleName="gone-role", AssumeRolePolicyDocument=trust)
        iam.create_instance_profile(InstanceProfileName="gone-profile")
        iam.create_user(UserName="gone-user")
        arn = iam.create_policy(
            PolicyName="gone-policy",
            PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}
            ),
        )["Policy"]["Arn"]
        internal = server.internal_client("iam")  # a server restart: everything is gone
        internal.delete_role(RoleName="gone-role")
        internal.delete_instance_profile(InstanceProfileName="gone-profile")
        internal.delete_user(UserName="gone-user")
        internal.delete_policy(PolicyArn=arn)
        assert main(["inventory"]) == 0
        assert "0 resources recorded" in capsys.readouterr().out
        assert main(["teardown"]) == 0
        assert "nothing left" in capsys.readouterr().out


def test_teardown_all_labs_with_an_instance_profile_does_not_crash(lab: Lab) -> None:
    lab.client("iam").create_instance_profile(InstanceProfileName="tagged-profile")
    lab.registry.records.clear()  # a lost registry: only the tag says it is the lab's
    report = lab.teardown(tagged=True)
    assert report.ok, str(report)
    assert lab.internal_client("iam").list_instance_profiles()["InstanceProfiles"] == []


def test_missing_error_codes_of_iam_mean_gone() -> None:
    from labkit.runtime.resources import _missing

    error = ClientError({"Error": {"Code": "NoSuchEntity", "Message": "Role x cannot be found."}}, "GetRole")
    assert _missing(error)


# -- §1 late joiners: checkers judge the learner's instance; catch-up twice builds once -----------
def test_checkers_inspect_the_instance_this_lab_launched_not_the_oldest(lab: Lab) -> None:
    from labkit.lesson import ec2

    earlier = lab.internal_client("ec2").run_instances(  # another process's lab-web (a catch-up)
        ImageId=ec2.OFFLINE_AMI,
        InstanceType="t3.micro",
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "lab-web"}]}],
    )["Instances"][0]["InstanceId"]
    lab.advance(minutes=5)
    mine = ec2.launch(lab).instance_id
    assert ec2.lab_instance_id(lab) == mine != earlier


def test_catchup_run_twice_launches_one_instance(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with labkit.connect("moto-server") as server:
        monkeypatch.setenv("LABKIT_ENDPOINT_URL", server.backend.endpoint_url)
        assert main(["catchup", "04"]) == 0
        assert main(["catchup", "04"]) == 0
        assert "already running" in capsys.readouterr().out
        reservations = server.internal_client("ec2").describe_instances(
            Filters=[{"Name": "instance-state-name", "Values": ["running"]}]
        )["Reservations"]
        assert len([i for r in reservations for i in r["Instances"]]) == 1
        profiles = server.internal_client("ec2").describe_iam_instance_profile_associations()[
            "IamInstanceProfileAssociations"
        ]
        assert len(profiles) == 1
        assert main(["teardown"]) == 0


# -- §1 emulated state that outlives a process: email subscription confirmations -----------------
def test_a_subscription_confirmed_by_another_process_gets_the_alarm_email(monkeypatch: pytest.MonkeyPatch) -> None:
    from labkit.lesson import prereqs

    with labkit.connect("moto-server") as server:
        monkeypatch.setenv("LABKIT_ENDPOINT_URL", server.backend.endpoint_url)
        catching_up = labkit.connect("moto-server", clear_abandoned=False)  # `labkit catchup 05`
        topic = prereqs.alerts_topic(catching_up)
        catching_up.close()
        kernel = labkit.connect("moto-server", clear_abandoned=False)  # the notebook's kernel, later
        assert prereqs.alerts_topic(kernel) == topic
        kernel.client("sns").publish(TopicArn=topic, Subject="ALARM", Message="CPU high")
        assert [email.subject for email in kernel.inbox.notifications("you@example.com")] == ["ALARM"]
        [subscription] = kernel.client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        assert subscription["SubscriptionArn"].startswith("arn:")  # confirmed, not PendingConfirmation


def test_a_pending_subscription_made_by_another_process_can_be_confirmed_later(monkeypatch: pytest.MonkeyPatch) -> None:
    with labkit.connect("moto-server") as server:
        monkeypatch.setenv("LABKIT_ENDPOINT_URL", server.backend.endpoint_url)
        first = labkit.connect("moto-server", clear_abandoned=False)
        sns = first.client("sns")
        topic = sns.create_topic(Name="t")["TopicArn"]
        assert (
            sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="a@example.com")["SubscriptionArn"]
            == "pending confirmation"
        )
        first.close()
        second = labkit.connect("moto-server", clear_abandoned=False)
        [listed] = second.client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        assert listed["SubscriptionArn"] == "PendingConfirmation"
        assert second.inbox.pending() == ["a@example.com"]
        assert len(second.inbox.confirm("a@example.com")) == 1
        second.client("sns").publish(TopicArn=topic, Message="hello")
        assert len(second.inbox.notifications("a@example.com")) == 1


# -- §1 emulated state that outlives a process: alarms evaluated and their history kept ----------
def _busy_alarm(lab: Lab, topic: str) -> None:
    lab.client("cloudwatch").put_metric_alarm(
        AlarmName="Busy queue",
        Namespace="Lab/Queue",
        MetricName="Depth",
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=10,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[topic],
    )


def test_an_alarm_another_process_made_is_evaluated_and_emails(monkeypatch: pytest.MonkeyPatch) -> None:
    from labkit.lesson import prereqs

    with labkit.connect("moto-server") as server:
        monkeypatch.setenv("LABKIT_ENDPOINT_URL", server.backend.endpoint_url)
        first = labkit.connect("moto-server", clear_abandoned=False)  # e.g. the kernel before a restart
        topic = prereqs.alerts_topic(first)
        _busy_alarm(first, topic)
        first.close()
        kernel = labkit.connect("moto-server", clear_abandoned=False)
        kernel.client("cloudwatch").put_metric_data(
            Namespace="Lab/Queue", MetricData=[{"MetricName": "Depth", "Value": 50}]
        )
        assert kernel.wait_for_alarm("Busy queue", timeout=3)["StateValue"] == "ALARM"
        assert [e.subject for e in kernel.inbox.notifications()] == ['ALARM: "Busy queue" in Asia Pacific (Tokyo)']


def test_alarm_history_outlives_the_process_that_recorded_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from labkit.lesson import prereqs

    with labkit.connect("moto-server") as server:
        monkeypatch.setenv("LABKIT_ENDPOINT_URL", server.backend.endpoint_url)
        first = labkit.connect("moto-server", clear_abandoned=False)
        _busy_alarm(first, prereqs.alerts_topic(first))
        first.client("cloudwatch").set_alarm_state(AlarmName="Busy queue", StateValue="ALARM", StateReason="by hand")
        recorded = first.client("cloudwatch").describe_alarm_history(AlarmName="Busy queue")["AlarmHistoryItems"]
        first.close()
        second = labkit.connect("moto-server", clear_abandoned=False)
        cloudwatch = second.client("cloudwatch")
        seen = cloudwatch.describe_alarm_history(AlarmName="Busy queue")["AlarmHistoryItems"]
        assert [(i["HistoryItemType"], i["HistorySummary"]) for i in seen] == [
            (i["HistoryItemType"], i["HistorySummary"]) for i in recorded
        ]
        assert [i["HistoryItemType"] for i in seen] == ["Action", "StateUpdate", "ConfigurationUpdate"]
        # Deleted by another process (`labkit teardown` uses no emulator): the next lab forgets its history.
        labkit.connect("moto-server", clear_abandoned=False).internal_client("cloudwatch").delete_alarms(
            AlarmNames=["Busy queue"]
        )
        third = labkit.connect("moto-server", clear_abandoned=False)
        assert third.client("cloudwatch").describe_alarm_history(AlarmName="Busy queue")["AlarmHistoryItems"] == []
        assert third.emulator is not None and third.emulator.plugin(CloudWatchAlarms).state.load() == {}


def test_teardown_on_a_plain_moto_server_leaves_the_metric_data_and_does_not_fail(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LABKIT_ENDPOINT_URL", server)  # moto's own server: no labkit endpoint
    lab = labkit.connect("moto-server")
    lab.client("cloudwatch").put_metric_data(Namespace="Lab/App", MetricData=[{"MetricName": "Hits", "Value": 1}])
    assert lab.teardown().ok
    assert lab.emulator is not None and lab.emulator.plugin(CloudWatchMetrics).free_on_server() is None
    moto_itself = offline_session("ap-northeast-1").client("cloudwatch", endpoint_url=server)
    # Kept until the server stops (the server is shared with other tests: only this test's namespace counts).
    assert len(moto_itself.list_metrics(Namespace="Lab/App")["Metrics"]) == 1


def test_freed_metric_data_becomes_garbage_in_moto(lab: Lab) -> None:
    """moto lists every model object on its class (``instances_tracked``): freeing must unlist them too."""
    import gc
    import weakref

    from moto.cloudwatch.models import MetricDatum, cloudwatch_backends

    from labkit.emulator.server import free_metric_data

    backend = cloudwatch_backends[lab.account_id]["ap-northeast-1"]
    dims = [{"Name": "InstanceId", "Value": "i-0freed"}]
    backend.put_metric_data("AWS/EC2", [{"MetricName": "CPUUtilization", "Dimensions": dims, "Value": 1.0}] * 3)
    backend.put_metric_data("Other", [{"MetricName": "Kept", "Value": 2.0}])
    [watched] = [weakref.ref(d) for d in backend.metric_data if d.namespace == "AWS/EC2"][:1]
    assert free_metric_data(lab.account_id, [["AWS/EC2", "CPUUtilization", [["InstanceId", "i-0freed"]]]]) == 3
    assert [d.name for d in backend.metric_data] == ["Kept"]
    gc.collect()
    assert watched() is None
    assert all(d.namespace != "AWS/EC2" for d in MetricDatum.instances_tracked)
    assert free_metric_data(lab.account_id, None) == 1 and backend.metric_data == []


# -- §1 emulated state that outlives a process: the inbox and the metric data ---------------------
def test_the_inbox_outlives_the_process_that_received_the_mail(monkeypatch: pytest.MonkeyPatch) -> None:
    from labkit.lesson import prereqs

    with labkit.connect("moto-server") as server:
        monkeypatch.setenv("LABKIT_ENDPOINT_URL", server.backend.endpoint_url)
        first = labkit.connect("moto-server", clear_abandoned=False)  # `labkit catchup`, or a kernel before a restart
        topic = prereqs.alerts_topic(first)
        first.client("sns").publish(TopicArn=topic, Subject="ALARM", Message="CPU high")
        received = [(e.kind, e.subject, e.body, e.sent_at) for e in first.inbox]
        first.close()
        kernel = labkit.connect("moto-server", clear_abandoned=False)
        assert [(e.kind, e.subject, e.body, e.sent_at) for e in kernel.inbox] == received
        assert [e.subject for e in kernel.inbox.notifications(prereqs.LEARNER_EMAIL)] == ["ALARM"]
        kernel.client("sns").publish(TopicArn=topic, Subject="OK", Message="CPU normal")
        later = labkit.connect("moto-server", clear_abandoned=False)
        assert [e.subject for e in later.inbox.notifications()] == ["ALARM", "OK"]  # in the order sent
        # A lab's teardown drops the mail it received (the real inbox's queue is deleted); `labkit teardown` all.
        kernel.teardown()
        assert [e.subject for e in labkit.connect("moto-server", clear_abandoned=False).inbox.notifications()] == [
            "ALARM"
        ]
        assert [e.subject for e in kernel.inbox.notifications()] == ["ALARM", "OK"]  # the lab still shows it
        later.teardown(all_labs=True)
        assert list(labkit.connect("moto-server", clear_abandoned=False).inbox) == []


def test_metric_data_another_process_sent_is_read_by_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    from labkit.lesson import prereqs

    with labkit.connect("moto-server") as server:
        monkeypatch.setenv("LABKIT_ENDPOINT_URL", server.backend.endpoint_url)
        first = labkit.connect("moto-server", clear_abandoned=False)  # `labkit catchup 05`
        instance = prereqs.lab_instance(first, history_days=1)
        first.client("cloudwatch").put_metric_data(
            Namespace="Lab/App",
            MetricData=[
                {"MetricName": "Latency", "Values": [1.0, 3.0], "Counts": [2, 1], "Unit": "Milliseconds"},
                {
                    "MetricName": "Latency",
                    "StatisticValues": {"SampleCount": 2, "Sum": 10, "Minimum": 4, "Maximum": 6},
                    "Unit": "Milliseconds",
                    "Timestamp": first.clock.now() - dt.timedelta(minutes=3),
                },
            ],
        )
        query = {
            "Period": 86400,
            "Statistics": ["SampleCount", "Sum", "Minimum", "Maximum"],
            "StartTime": first.clock.now() - dt.timedelta(days=2),
            "EndTime": first.clock.now() + dt.timedelta(hours=1),
        }
        cpu = {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization", "Dimensions": instance.dimensions}
        latency = {"Namespace": "Lab/App", "MetricName": "Latency"}
        seen = [
            first.client("cloudwatch").get_metric_statistics(**metric, **query)["Datapoints"]
            for metric in (cpu, latency)
        ]
        # A day of one-minute samples, in one or two UTC days: the kernel's clock starts at the real hour.
        assert sum(datapoint["SampleCount"] for datapoint in seen[0]) == 24 * 60
        first.close()  # sends what it still batched
        kernel = labkit.connect("moto-server", clear_abandoned=False)
        cloudwatch = kernel.client("cloudwatch")
        assert [cloudwatch.get_metric_statistics(**metric, **query)["Datapoints"] for metric in (cpu, latency)] == seen
        assert {m["MetricName"] for m in cloudwatch.list_metrics(Namespace="Lab/App")["Metrics"]} == {"Latency"}
        # The kernel's teardown frees what it sent, not what the other process sent.
        cloudwatch.put_metric_data(Namespace="Lab/Kernel", MetricData=[{"MetricName": "Mine", "Value": 1}])
        kernel.teardown()
        after = labkit.connect("moto-server", clear_abandoned=False).client("cloudwatch")
        assert after.get_metric_statistics(**cpu, **query)["Datapoints"] == seen[0]
        assert after.list_metrics(Namespace="Lab/Kernel")["Metrics"] == []


def test_a_dead_kernels_mail_and_metric_data_do_not_reach_the_next_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run All again after a killed kernel starts clean, as on in-process moto (the dead lab is torn down)."""
    from labkit.lesson import prereqs

    with labkit.connect("moto-server") as server:
        monkeypatch.setenv("LABKIT_ENDPOINT_URL", server.backend.endpoint_url)
        monkeypatch.setattr("labkit.runtime.resources._in_kernel", lambda: True)  # this process's earlier Run All
        dead = labkit.connect("moto-server", clear_abandoned=False)
        topic = prereqs.alerts_topic(dead)
        dead.client("sns").publish(TopicArn=topic, Subject="ALARM", Message="from the dead kernel")
        dead.client("cloudwatch").put_metric_data(Namespace="Lab/App", MetricData=[{"MetricName": "Hits", "Value": 7}])
        dead.close()
        again = labkit.connect("moto-server")
        assert again.registry.abandoned_labs(current=again.lab_id) == []
        assert list(again.inbox) == []
        assert again.client("cloudwatch").list_metrics(Namespace="Lab/App")["Metrics"] == []


def test_accrued_spend_and_budget_alerts_outlive_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from labkit.lesson import prereqs

    # Mid-month, so that both kernels' clocks read the same monthly budget period (the boundary has its own test).
    monkeypatch.setattr(
        "labkit.runtime.lab.top_of_the_hour", lambda: dt.datetime(2026, 11, 17, 10, tzinfo=dt.timezone.utc)
    )
    with labkit.connect("moto-server") as server:
        monkeypatch.setenv("LABKIT_ENDPOINT_URL", server.backend.endpoint_url)
        first = labkit.connect("moto-server", clear_abandoned=False)
        prereqs.lab_instance(first, instance_type="t3.small")
        budget = {
            "BudgetName": "lab-month",
            "BudgetType": "COST",
            "TimeUnit": "MONTHLY",
            "BudgetLimit": {"Amount": "0.05", "Unit": "USD"},
        }
        alert = {
            "NotificationType": "ACTUAL",
            "ComparisonOperator": "GREATER_THAN",
            "Threshold": 50.0,
            "ThresholdType": "PERCENTAGE",
        }
        first.client("budgets").create_budget(
            AccountId=first.account_id,
            Budget=budget,
            NotificationsWithSubscribers=[
                {"Notification": alert, "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "you@example.com"}]}
            ],
        )
        first.advance(hours=3)
        spent = first.client("budgets").describe_budget(AccountId=first.account_id, BudgetName="lab-month")["Budget"]
        assert float(spent["CalculatedSpend"]["ActualSpend"]["Amount"]) > 0
        first.close()
        kernel = labkit.connect("moto-server", clear_abandoned=False)  # same lab hours: charged once
        budgets = kernel.client("budgets")
        again = budgets.describe_budget(AccountId=kernel.account_id, BudgetName="lab-month")["Budget"]
        assert again["CalculatedSpend"]["ActualSpend"] == spent["CalculatedSpend"]["ActualSpend"]
        [subscriber] = budgets.describe_subscribers_for_notification(
            AccountId=kernel.account_id, BudgetName="lab-month", Notification=alert
        )["Subscribers"]
        assert subscriber["Address"] == "you@example.com"
        kernel.advance(hours=1)
        after = budgets.describe_budget(AccountId=kernel.account_id, BudgetName="lab-month")["Budget"]
        assert after["CalculatedSpend"]["ActualSpend"] == spent["CalculatedSpend"]["ActualSpend"]  # 1 h < the 3 charged


def test_each_kernel_reads_the_budget_period_of_its_own_clock_and_no_hour_is_charged_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two kernels of one workshop account, across a month's end: each process has a lab clock of its own.

    The first kernel's clock runs from 22:00 on 30 November to 01:00 on 1 December; the next kernel starts at the
    top of the same real hour. A MONTHLY budget's actual spend is the spend of the current period
    (https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-create.html), so each kernel sees the
    period its own clock is in, while Cost Explorer, over both months, shows each lab hour charged once.
    """
    from labkit.lesson import prereqs

    monkeypatch.setattr(
        "labkit.runtime.lab.top_of_the_hour", lambda: dt.datetime(2026, 11, 30, 22, tzinfo=dt.timezone.utc)
    )
    budget = {
        "BudgetName": "lab-month",
        "BudgetType": "COST",
        "TimeUnit": "MONTHLY",
        "BudgetLimit": {"Amount": "5", "Unit": "USD"},
    }
    months = {
        "TimePeriod": {"Start": "2026-11-01", "End": "2027-01-01"},
        "Granularity": "MONTHLY",
        "Metrics": ["UnblendedCost"],
    }

    def spend(lab: labkit.Lab) -> tuple[float, list[float]]:
        actual = lab.client("budgets").describe_budget(AccountId=lab.account_id, BudgetName="lab-month")["Budget"]
        monthly = lab.client("ce").get_cost_and_usage(**months)["ResultsByTime"]
        return (
            float(actual["CalculatedSpend"]["ActualSpend"]["Amount"]),
            [float(month["Total"]["UnblendedCost"]["Amount"]) for month in monthly],
        )

    with labkit.connect("moto-server") as server:
        monkeypatch.setenv("LABKIT_ENDPOINT_URL", server.backend.endpoint_url)
        first = labkit.connect("moto-server", clear_abandoned=False)
        prereqs.lab_instance(first, instance_type="t3.small")
        first.client("budgets").create_budget(AccountId=first.account_id, Budget=budget)
        first.advance(hours=3)
        december, by_month = spend(first)
        hour = by_month[1]  # the first kernel's one December hour
        assert hour > 0 and december == pytest.approx(hour)
        assert by_month[0] == pytest.approx(2 * hour)  # 22:00 to midnight
        first.close()
        kernel = labkit.connect("moto-server", clear_abandoned=False)
        assert kernel.clock.now() == dt.datetime(2026, 11, 30, 22, tzinfo=dt.timezone.utc)
        november, again = spend(kernel)
        assert november == pytest.approx(2 * hour)
        assert again == pytest.approx(by_month)  # no hour charged twice
        kernel.advance(hours=3)  # the hours the first kernel charged are not charged again
        assert spend(kernel) == (pytest.approx(hour), pytest.approx(by_month))


def test_a_math_anomaly_detector_record_is_valid_as_a_single_metric_one_is() -> None:
    """Kinds with two ident shapes (an anomaly detector: one metric, or metric math queries) keep both."""
    from labkit.runtime.resources import _valid_record

    base = {"kind": "cloudwatch:anomaly-detector", "region": "ap-northeast-1"}
    RECORD = {"created_at": "2026-06-01T00:00:00+00:00", "lab_id": "lab-1"}
    single = {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization", "Stat": "Average", "Dimensions": "[]"}
    for ident in (single, {"MetricDataQueries": "[]"}):
        record = {**RECORD, **base, "ident": ident}
        assert _valid_record(record), ident
    assert not _valid_record({**RECORD, **base, "ident": {"Namespace": "AWS/EC2"}})


def test_a_dead_kernels_mute_rule_is_torn_down_by_labkit_teardown_in_a_new_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`labkit teardown` after a killed kernel: the mute rule (kept by the kernel's emulator, not by moto) counts as
    gone, the alarm is deleted, nothing is left. Before, teardown's internal client, made while the emulator's
    plugins installed, lacked the mute-rule answers and ended with "GetAlarmMuteRule is not supported"."""
    with labkit.connect("moto-server") as server:
        monkeypatch.setenv("LABKIT_ENDPOINT_URL", server.backend.endpoint_url)
        killed = labkit.connect("moto-server", clear_abandoned=False)
        cloudwatch = killed.client("cloudwatch")
        cloudwatch.put_metric_alarm(
            AlarmName="lab-cpu-static-80",
            Namespace="AWS/EC2",
            MetricName="CPUUtilization",
            Statistic="Average",
            Period=300,
            EvaluationPeriods=1,
            Threshold=80,
            ComparisonOperator="GreaterThanThreshold",
        )
        cloudwatch.put_alarm_mute_rule(
            Name="lab-batch-window",
            Rule={"Schedule": {"Expression": "cron(0 2 * * *)", "Duration": "PT30M"}},
            MuteTargets={"AlarmNames": ["lab-cpu-static-80"]},
        )
        teardown = subprocess.run(
            [sys.executable, "-m", "labkit", "teardown"], capture_output=True, text=True, check=False, timeout=300
        )
        assert teardown.returncode == 0, teardown.stdout + teardown.stderr
        assert "deleted  cloudwatch:alarm-mute-rule lab-batch-window" in teardown.stdout
        assert "teardown: nothing left" in teardown.stdout
        left = labkit.connect("moto-server", clear_abandoned=False).client("cloudwatch")
        assert left.describe_alarms(AlarmNames=["lab-cpu-static-80"])["MetricAlarms"] == []
