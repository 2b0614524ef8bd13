"""data/: the datasets learners open, rebuilt bit for bit by `make data` (labkit.tools.datasets)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from labkit.aws.cloudtrail import CIS_PATTERNS
from labkit.aws.filterpattern import test_metric_filter as run_test_metric_filter
from labkit.emulator.ec2_workload import Workload
from labkit.tools import datasets

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"


def test_a_fresh_build_equals_the_committed_files(tmp_path: Path) -> None:
    written = datasets.build(tmp_path)
    assert sorted(p.name for p in written) == sorted(datasets.DATASETS)
    for path in written:
        assert path.read_bytes() == (DATA / path.name).read_bytes(), f"data/{path.name} differs: run make data"


def test_make_data_runs_the_builder(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "labkit.tools.datasets", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(datasets.DATASETS)
    assert result.stdout.count("wrote ") == len(datasets.DATASETS)
    assert (
        "data:" in (REPO / "Makefile").read_text()
        and "-m labkit.tools.datasets data" in (REPO / "Makefile").read_text()
    )


def test_every_dataset_is_described_in_the_readme() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for name in datasets.DATASETS:
        assert f"## `{name}`" in readme and f"| `{name}` |" in readme, name
    assert sorted(p.name for p in DATA.iterdir()) == sorted([*datasets.DATASETS, "README.md"])


def test_cpu_week_is_the_lab_servers_five_minute_averages() -> None:
    week = pd.read_csv(DATA / "cpu-week-batch.csv", index_col="timestamp", parse_dates=True, keep_default_na=False)
    assert len(week) == 2028 and week.index.tz is not None
    assert (week.index[1:] - week.index[:-1] == pd.Timedelta(minutes=5)).all()
    server = Workload("batch", 7, [("spike", datasets.SPIKE_START, datasets.SPIKE_START + dt.timedelta(minutes=30))])
    for when in (week.index[0], pd.Timestamp("2026-05-28 17:00", tz="UTC"), pd.Timestamp(datasets.SPIKE_START)):
        minutes = [when.to_pydatetime() + dt.timedelta(minutes=k) for k in range(5)]
        assert week.loc[when, "CPUUtilization"] == round(sum(server.cpu(m) for m in minutes) / 5, 3)
    spike = week[week["episode"] == "runaway spike"]
    assert list(spike.index) == list(pd.date_range("2026-06-01 00:05", periods=6, freq="5min", tz="UTC"))
    batch = week[week["episode"] == "nightly batch"]
    assert set(batch.index.tz_convert("Asia/Tokyo").hour) == {2}
    nights = batch.index.tz_convert("Asia/Tokyo").date
    assert set(nights) == {d.date() for d in pd.date_range("2026-05-26", periods=7)}
    # Each night's first period is all batch job: its average is above 90 %, like the job's minutes.
    assert (batch.groupby(nights)["CPUUtilization"].max() > 90).all()


def test_secure_sample_is_an_attack_minute_then_ordinary_lines() -> None:
    lines = (DATA / "secure-sample.log").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 33
    assert all(" ip-10-0-0-229 sshd[" in line for line in lines)
    attack, ordinary = lines[:27], lines[27:]
    assert all((line.startswith("May 31 00:00:") and "203.0.113.9" in line) or "check pass" in line for line in attack)
    assert sum("[preauth]" in line for line in attack) > 0
    assert ordinary[0].startswith("May 31 23:") and "Accepted publickey for ec2-user from 198.51.100.7" in ordinary[0]


def test_cloudtrail_sample_matches_the_cis_unauthorized_calls_pattern_as_documented() -> None:
    records = [json.loads(line) for line in (DATA / "cloudtrail-sample.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["eventName"] for r in records] == ["RunInstances", "AssumeRole", "DescribeInstances"]
    assert [r.get("errorCode") for r in records] == ["Client.UnauthorizedOperation", "AccessDenied", None]
    assert all(r["recipientAccountId"] == "123456789012" and r["eventType"] == "AwsApiCall" for r in records)
    assert len({r["eventID"] for r in records}) == 3
    lines = (DATA / "cloudtrail-sample.jsonl").read_text(encoding="utf-8").splitlines()
    matches = run_test_metric_filter(CIS_PATTERNS["CloudWatch.2 unauthorized API calls"], lines)["matches"]
    assert [json.loads(m["eventMessage"])["eventName"] for m in matches] == ["RunInstances", "AssumeRole"]
