"""The workshop tooling: `labkit serve`, a participant per account, `labkit status`, `labkit catchup`.

End to end on loopback: one `labkit serve` subprocess (bounded, stopped at the end) and several
participants in this process. The account is chosen per request with the `x-moto-account-id`
header, moto's documented server-mode mechanism ("Multi-Account support",
https://docs.getmoto.org/en/latest/docs/multi_account.html).
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

import labkit
from labkit.course.curriculum import NOTEBOOKS
from labkit.emulator.cloudwatch_metrics import CloudWatchMetrics
from labkit.emulator.moto_accounts import WORKSHOP_ACCOUNT_ID
from labkit.exceptions import ConfigurationError
from labkit.lesson.checks import Checks, ChecksFailed
from labkit.runtime.backends import MOTO_ACCOUNT_ID
from labkit.runtime.participant import identity
from labkit.tools.cli import main
from labkit.tools.workshop import (
    CATCHUP,
    IN_PROCESS_NOTE,
    plan,
    record_checks,
    status,
)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """`labkit serve --port 0` in a subprocess; its URL. MOTO_ACCOUNT_ID is set in its environment
    on purpose: the server must clear it, or every participant would share one account."""
    env = {**os.environ, "MOTO_ACCOUNT_ID": "999999999999"}
    process = subprocess.Popen(
        [sys.executable, "-m", "labkit", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 60)
        assert ready, "labkit serve printed nothing within 60 s"
        first = process.stdout.readline()  # type: ignore[union-attr]
        assert first.startswith("labkit workshop server on http://127.0.0.1:"), first
        yield first.split()[4]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def join(monkeypatch: pytest.MonkeyPatch, url: str, participant: str) -> labkit.Lab:
    """What the README tells a participant to set."""
    monkeypatch.setenv("LABKIT_BACKEND", "moto-server")
    monkeypatch.setenv("LABKIT_ENDPOINT_URL", url)
    monkeypatch.setenv("LABKIT_PARTICIPANT", participant)
    return labkit.connect()


# -- identities ----------------------------------------------------------------------------------
def test_a_participant_always_gets_the_same_account_and_names_are_case_blind() -> None:
    aiko = identity("aiko")
    assert identity(" Aiko ") == aiko
    assert len(aiko.account_id) == 12 and aiko.account_id.isdigit()
    assert aiko.access_key_id.startswith("LKIA") and len(aiko.access_key_id) == 20
    assert identity("ben").account_id != aiko.account_id


def test_no_participant_shares_the_default_or_the_board_account() -> None:
    accounts = {identity(f"p{n}").account_id for n in range(300)}
    assert len(accounts) == 300
    assert not accounts & {MOTO_ACCOUNT_ID, WORKSHOP_ACCOUNT_ID}


@pytest.mark.parametrize("bad", ["", "two words", "a/b", "x" * 41])
def test_participant_names_must_fit_a_parameter_name(bad: str) -> None:
    with pytest.raises(ConfigurationError, match="LABKIT_PARTICIPANT"):
        identity(bad)


# -- the server: isolation -----------------------------------------------------------------------
def test_participants_work_in_their_own_accounts(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    alice = join(monkeypatch, server, "alice")
    assert alice.backend.name == "moto-server" and alice.account_id == identity("alice").account_id
    arn = alice.client("sns").create_topic(Name="lab-alerts")["TopicArn"]
    assert f":{identity('alice').account_id}:lab-alerts" in arn
    assert alice.client("sts").get_caller_identity()["Account"] == identity("alice").account_id

    bob = join(monkeypatch, server, "bob")
    assert bob.client("sns").list_topics()["Topics"] == []
    monkeypatch.delenv("LABKIT_PARTICIPANT")
    nobody = labkit.connect()
    assert nobody.account_id == MOTO_ACCOUNT_ID and nobody.client("sns").list_topics()["Topics"] == []

    print(alice.teardown())
    assert alice.inventory() == []


# -- the board -----------------------------------------------------------------------------------
def test_status_shows_each_participants_checks(
    server: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    join(monkeypatch, server, "carla")
    passing = Checks("00-setup-and-monitoring-types")
    passing.that(True, "a")
    passing.that(True, "b")
    passing.report()

    join(monkeypatch, server, "dmitri")
    failing = Checks("02-cpu-alarm")
    failing.that(True, "a")
    failing.that(False, "b")
    with pytest.raises(ChecksFailed):
        failing.report()
    join(monkeypatch, server, "eve")  # joined, nothing reported yet
    capsys.readouterr()

    rows = {row.participant: row for row in status(server)}
    assert rows["carla"].results == {"00-setup-and-monitoring-types": (2, 2)}
    assert rows["dmitri"].results == {"02-cpu-alarm": (1, 2)}
    assert rows["eve"].results == {}

    monkeypatch.delenv("LABKIT_ENDPOINT_URL")
    assert main(["status", "--endpoint", server]) == 0
    board = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert board["participant"].split()[1:3] == ["00", "02"]
    assert "✔ 2/2" in board["carla"] and board["carla"].split()[3] == "·"
    assert "✘ 1/2" in board["dmitri"]
    assert board["eve"].split()[1:3] == ["·", "·"]


def test_a_board_of_its_own_hears_labs_that_stay_in_their_kernels(
    server: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """LABKIT_BOARD_URL (a JupyterHub's users, deploy/jupyterhub/): the lab runs on in-kernel moto, in moto's
    default account, and only its checks reach the board's server."""
    monkeypatch.setenv("LABKIT_BACKEND", "moto")
    monkeypatch.setenv("LABKIT_BOARD_URL", server)
    monkeypatch.setenv("LABKIT_PARTICIPANT", "Hana")
    lab = labkit.connect()
    assert lab.backend.name == "moto" and lab.account_id == MOTO_ACCOUNT_ID
    lab.client("sns").create_topic(Name="lab-alerts")
    lab.close()
    checks = Checks("01-metric-exploration")
    checks.that(True, "a")
    checks.report()
    capsys.readouterr()
    assert {row.participant: row.results for row in status(server)}["hana"] == {"01-metric-exploration": (1, 1)}
    # Nothing of the lab reached the server: the participant's account there is empty.
    assert join(monkeypatch, server, "hana").client("sns").list_topics()["Topics"] == []
    monkeypatch.delenv("LABKIT_ENDPOINT_URL")
    assert main(["status"]) == 0  # the board's address comes from LABKIT_BOARD_URL
    assert "hana" in capsys.readouterr().out


def test_status_needs_a_server(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status"]) == 2
    assert "--endpoint" in capsys.readouterr().err


def test_checks_record_nothing_outside_a_workshop(monkeypatch: pytest.MonkeyPatch) -> None:
    assert record_checks("00-setup-and-monitoring-types", 1, 1) is False
    monkeypatch.setenv("LABKIT_PARTICIPANT", "alice")  # no server named
    assert record_checks("00-setup-and-monitoring-types", 1, 1) is False
    monkeypatch.setenv("LABKIT_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("LABKIT_BACKEND", "moto")  # the lab runs in the kernel, not on the server
    assert record_checks("00-setup-and-monitoring-types", 1, 1) is False


def test_a_server_that_does_not_answer_never_fails_the_notebook(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("LABKIT_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("LABKIT_PARTICIPANT", "alice")
    assert record_checks("00-setup-and-monitoring-types", 1, 1) is False
    assert "not recorded on the workshop board" in capsys.readouterr().out
    with pytest.raises(ConfigurationError, match="did not answer"):
        labkit.connect()  # joining a dead server says so at once


# -- catch-up ------------------------------------------------------------------------------------
def test_the_catchup_table_is_in_course_order() -> None:
    order = list(NOTEBOOKS)
    assert [order.index(step.notebook) for step in CATCHUP] == sorted(order.index(step.notebook) for step in CATCHUP)
    assert plan("00") == [] and plan("01") == []
    assert [step.notebook for step in plan("03")] == ["01", "02"]
    assert [step.key for step in plan("07")] == [step.key for step in CATCHUP]
    with pytest.raises(ConfigurationError, match="unknown notebook"):
        plan("99")


def test_catchup_builds_the_state_of_notebook_04_in_the_participants_account(
    server: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    join(monkeypatch, server, "frank").close()
    assert main(["catchup", "04"]) == 0
    out = capsys.readouterr().out
    assert out.count("✔ notebook") == 3 and "labkit teardown" in out

    frank = labkit.connect()
    instances = [
        i
        for r in frank.client("ec2").describe_instances()["Reservations"]
        for i in r["Instances"]
        if i["State"]["Name"] == "running"
    ]
    assert [t["Value"] for t in instances[0]["Tags"] if t["Key"] == "Name"] == ["lab-web"]
    sns = frank.client("sns")
    [topic] = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    assert topic.endswith(":lab-alerts")
    assert [s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]] == [
        "you@example.com"
    ]
    profiles = frank.client("ec2").describe_iam_instance_profile_associations()["IamInstanceProfileAssociations"]
    assert [p["InstanceId"] for p in profiles] == [instances[0]["InstanceId"]]

    grace = join(monkeypatch, server, "grace")
    assert grace.client("sns").list_topics()["Topics"] == []
    assert grace.client("ec2").describe_instances()["Reservations"] == []

    monkeypatch.setenv("LABKIT_PARTICIPANT", "frank")
    assert main(["teardown"]) == 0
    assert main(["inventory"]) == 0
    assert "0 resources recorded" in capsys.readouterr().out.splitlines()[-1]


def test_catchup_on_in_process_moto_explains_why_there_is_nothing_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catchup", "05", "--backend", "moto"]) == 0
    assert IN_PROCESS_NOTE in capsys.readouterr().out


# -- §5 bounded memory: teardown frees the lab's metric data on the server -------------------------
def test_teardown_frees_the_metric_data_the_lab_sent_to_the_server(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from labkit.emulator.moto_accounts import session_in as _session_in

    lab = join(monkeypatch, server, "freed")
    lab.client("cloudwatch").put_metric_data(Namespace="Lab/App", MetricData=[{"MetricName": "Hits", "Value": 1}])
    assert lab.emulator is not None
    lab.emulator.plugin(CloudWatchMetrics).publish(
        "AWS/EC2",
        [{"MetricName": "CPUUtilization", "Dimensions": [{"Name": "InstanceId", "Value": "i-0123"}], "Value": 5.0}],
    )
    lab.advance(minutes=1)  # the emulator's batch goes out
    neighbour = join(monkeypatch, server, "neighbour")
    neighbour.client("cloudwatch").put_metric_data(Namespace="Lab/App", MetricData=[{"MetricName": "Hits", "Value": 1}])

    def on_server(account: str) -> list[str]:
        # moto's own answer (no emulator): what the server holds in memory.
        raw = _session_in(account, "ap-northeast-1").client("cloudwatch", endpoint_url=server)
        return sorted(m["MetricName"] for m in raw.list_metrics()["Metrics"])

    assert on_server(lab.account_id) == ["CPUUtilization", "Hits"]
    lab.teardown()
    assert on_server(lab.account_id) == []
    assert on_server(neighbour.account_id) == ["Hits"]  # another participant's data is theirs
    # The lab still reads what it sent, as CloudWatch keeps a deleted instance's metrics.
    assert len(lab.client("cloudwatch").list_metrics()["Metrics"]) == 2
    assert main(["teardown"]) == 0  # as participant "neighbour": the whole account's data
    assert on_server(neighbour.account_id) == []
