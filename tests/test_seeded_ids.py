"""Ids moto draws repeat run to run, so committed notebook outputs are what a rerun prints (issue 14, §7).

moto draws instance ids, UUIDs and the like from one generator that can be seeded ("Deterministic
Identifiers", https://docs.getmoto.org/en/latest/docs/configuration/recorder/index.html); labkit
seeds it at every ``labkit.connect()`` on the moto backends it starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.notebook  # kernels and subprocesses: `make test`, not `make unit`

REPO = Path(__file__).resolve().parents[1]

#: One of each kind of id the notebooks print: instance, security group, SNS subscription (a UUID),
#: GuardDuty detector, Route 53 health check (a UUID), the SNS confirmation token the emulator mails.
DRAW_IDS = """
import json, labkit
lab = labkit.connect()
ec2, sns = lab.client("ec2"), lab.client("sns")
instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
group = ec2.create_security_group(GroupName="g", Description="d")["GroupId"]
topic = sns.create_topic(Name="lab-alerts")["TopicArn"]
subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:ap-northeast-1:123456789012:q",
                             ReturnSubscriptionArn=True)["SubscriptionArn"]
sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="you@example.com")
detector = lab.client("guardduty").create_detector(Enable=True)["DetectorId"]
check = lab.client("route53").create_health_check(CallerReference="r", HealthCheckConfig={
    "Type": "HTTP", "FullyQualifiedDomainName": "example.com", "Port": 80})["HealthCheck"]["Id"]
token = lab.inbox[0].body.split("Token=")[1][:64]
print(json.dumps([instance, group, subscription, detector, check, token]))
lab.teardown()
"""


def _draw_in_a_fresh_process(backend: str) -> list[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LABKIT_")}
    environment["LABKIT_BACKEND"] = backend
    environment["LABKIT_HOME"] = os.environ["LABKIT_HOME"]
    done = subprocess.run(
        [sys.executable, "-c", DRAW_IDS],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env=environment,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("backend", ["moto", "moto-server"])
def test_ids_are_identical_in_two_fresh_kernels(backend: str) -> None:
    first, second = _draw_in_a_fresh_process(backend), _draw_in_a_fresh_process(backend)
    assert first == second
    assert first[0].startswith("i-") and len(first[0]) == 19 and len(first[5]) == 64


RUN_ALL_TWICE = """
import json, labkit
def instance_id(lab):
    return lab.client("ec2").run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
lab = labkit.connect("moto")
first = instance_id(lab)
if CLEAN_UP:
    lab.teardown()
again = labkit.connect("moto")  # closes the first lab, as Run All's connect cell does
print(json.dumps([first, instance_id(again)]))
"""


def _run_all_twice_in_a_fresh_kernel(clean_up: bool) -> list[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LABKIT_")}
    environment["LABKIT_HOME"] = os.environ["LABKIT_HOME"]
    done = subprocess.run(
        [sys.executable, "-c", f"CLEAN_UP = {clean_up}\n" + RUN_ALL_TWICE],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env=environment,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_run_all_again_in_one_kernel_draws_the_same_ids() -> None:
    first, again = _run_all_twice_in_a_fresh_kernel(clean_up=False)
    assert again == first


def test_run_all_again_after_clean_up_draws_the_same_ids() -> None:
    # moto's TerminateInstances reads Auto Scaling's backend, whose reset makes EC2's again before the
    # next lab's seed unless labkit empties every backend dict first (labkit.runtime.backends._seed_moto).
    first, again = _run_all_twice_in_a_fresh_kernel(clean_up=True)
    assert again == first
