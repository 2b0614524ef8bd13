"""The datasets in ``data/`` that learners open with pandas or ``open()``, rebuilt bit for bit.

Every file is made from the kit's seeded models, so ``make data`` (``python -m labkit.tools.datasets data``)
writes the same bytes every time and ``tests/test_datasets.py`` checks the committed files against a
fresh build. ``data/README.md`` describes each file.

- ``cpu-week-batch.csv`` — the week of CPUUtilization that notebook 02-cpu-alarm backtests.
- ``secure-sample.log`` — ``/var/log/secure`` lines that notebook 05-ssh-failure-metric-filter tests
  patterns on.
- ``cloudtrail-sample.jsonl`` — CloudTrail records that notebook 06-cloudtrail-eventbridge-health tests
  the CIS unauthorized-calls pattern on.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from labkit.aws.cloudtrail import api_call_record
from labkit.emulator.ec2_workload import Workload
from labkit.lesson.logs import SecureLogGenerator

UTC = dt.timezone.utc
#: The lab clock's default start (README, Backends): the datasets end there, as the labs begin.
LAB_START = dt.datetime(2026, 6, 1, tzinfo=UTC)
#: The runaway spike in the CPU week: notebook 02 starts it five minutes into the lab, for 30 minutes.
SPIKE_START = LAB_START + dt.timedelta(minutes=5)
SPIKE_MINUTES = 30
#: An IAM user of the documentation account (AWS's own examples use 123456789012 and this key id).
ALICE = {
    "type": "IAMUser",
    "principalId": "AIDAJ45Q7YFFAREXAMPLE",
    "arn": "arn:aws:iam::123456789012:user/Alice",
    "accountId": "123456789012",
    "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
    "userName": "Alice",
}


def cpu_week_batch() -> str:
    """Seven days and an hour of 5-minute average CPUUtilization (%) of notebook 02's server, as CSV.

    The server's workload is :class:`labkit.emulator.ec2_workload.Workload` ``batch`` (seed 7, the lab instance's), with
    the runaway spike of notebook 02 (SPIKE_START, 30 minutes). Each row is the average of the five
    1-minute values the period starts with, which is what CloudWatch returns for a basic-monitoring
    instance at Period=300. ``episode`` says which rows the nightly batch job (02:00 Tokyo time) or
    the spike raised: a minute the batch pattern raises above the plain ``daily`` pattern is batch.
    """
    spike_end = SPIKE_START + dt.timedelta(minutes=SPIKE_MINUTES)
    server = Workload("batch", 7, [("spike", SPIKE_START, spike_end)])
    without_batch = Workload("daily", 7)
    without_spike = Workload("batch", 7)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["timestamp", "CPUUtilization", "episode"])
    start, end = LAB_START - dt.timedelta(days=7), LAB_START + dt.timedelta(hours=1)
    period = start
    while period < end:
        minutes = [period + dt.timedelta(minutes=k) for k in range(5)]
        average = sum(server.cpu(m) for m in minutes) / 5
        if any(SPIKE_START <= m < spike_end for m in minutes):
            episode = "runaway spike"
        elif any(without_spike.cpu(m) != without_batch.cpu(m) for m in minutes):
            episode = "nightly batch"
        else:
            episode = ""
        writer.writerow([period.isoformat(), f"{average:.3f}", episode])
        period += dt.timedelta(minutes=5)
    return out.getvalue()


def secure_sample() -> str:
    """The sample lines of notebook 05's step 3: a minute of an SSH password attack from 203.0.113.9 a
    day before the lab starts, then the first six lines of the ordinary hour before it starts, as
    :class:`labkit.lesson.logs.SecureLogGenerator` (seed 5, Amazon Linux 2023 with rsyslog) writes them."""
    sshd = SecureLogGenerator(seed=5, flavor="al2023")
    attack = sshd.attack(LAB_START - dt.timedelta(days=1), 1, attempts_per_minute=6, source_ip="203.0.113.9")
    quiet = sshd.normal(LAB_START - dt.timedelta(hours=1), 60, logins_per_hour=6)[:6]
    return "".join(f"{line.text}\n" for line in attack + quiet)


def cloudtrail_sample() -> str:
    """Three CloudTrail management-event records, one JSON object per line (as CloudWatch Logs holds
    them): RunInstances refused by IAM (``Client.UnauthorizedOperation``), AssumeRole refused by STS
    (``AccessDenied``) and an ordinary DescribeInstances. Built with
    :func:`labkit.aws.cloudtrail.api_call_record`; ids come from a seeded generator."""
    ids = random.Random("labkit/cloudtrail-sample")

    def new_id() -> str:
        return str(uuid.UUID(int=ids.getrandbits(128), version=4))

    denied = "You are not authorized to perform this operation."
    calls: list[dict[str, Any]] = [
        {
            "service": "ec2",
            "endpoint_prefix": "ec2",
            "operation": "RunInstances",
            "params": {"ImageId": "ami-0abcdef1234567890", "InstanceType": "t3.micro", "MinCount": 1, "MaxCount": 1},
            "response": {"Error": {"Code": "Client.UnauthorizedOperation", "Message": denied}},
            "status": 403,
        },
        {
            "service": "sts",
            "endpoint_prefix": "sts",
            "operation": "AssumeRole",
            "params": {"RoleArn": "arn:aws:iam::123456789012:role/break-glass-admin", "RoleSessionName": "alice"},
            "response": {
                "Error": {
                    "Code": "AccessDenied",
                    "Message": (
                        "User: arn:aws:iam::123456789012:user/Alice is not authorized to perform: sts:AssumeRole on "
                        "resource: arn:aws:iam::123456789012:role/break-glass-admin"
                    ),
                }
            },
            "status": 403,
        },
        {
            "service": "ec2",
            "endpoint_prefix": "ec2",
            "operation": "DescribeInstances",
            "params": {},
            "response": {"Reservations": []},
            "status": 200,
        },
    ]
    lines = []
    for minute, call in enumerate(calls):
        record = api_call_record(
            **call,
            region="ap-northeast-1",
            identity=ALICE,
            when=LAB_START - dt.timedelta(minutes=30 - minute),
            user_agent="aws-cli/2.17.0 Python/3.11 Linux/6.1 exe/x86_64.amzn.2023",
            request_id=new_id(),
        )
        record["eventID"] = new_id()
        lines.append(json.dumps(record, ensure_ascii=False))
    return "".join(f"{line}\n" for line in lines)


#: File name → what writes it.
DATASETS: dict[str, Callable[[], str]] = {
    "cpu-week-batch.csv": cpu_week_batch,
    "secure-sample.log": secure_sample,
    "cloudtrail-sample.jsonl": cloudtrail_sample,
}


def build(folder: Path) -> list[Path]:
    """Write every dataset into ``folder`` (UTF-8, ``\\n`` line ends); returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in DATASETS.items():
        path = folder / name
        path.write_bytes(make().encode("utf-8"))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m labkit.tools.datasets FOLDER`` (``make data`` passes ``data``)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m labkit.tools.datasets FOLDER", file=sys.stderr)
        return 2
    for path in build(Path(args[0])):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
