"""The lab instance's simulated AWS/EC2 metrics and reading them into pandas (notebooks 01 and 02).

Basic monitoring publishes 5-minute datapoints, detailed 1-minute ones
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-detailed-monitoring.html); percentiles
need raw values or a statistic set with SampleCount 1 or Minimum = Maximum
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html).
"""

from __future__ import annotations

import datetime as dt

import pytest

import labkit
from labkit.emulator import ec2_workload, metric_store
from labkit.lesson import ec2, metrics
from labkit.runtime import backends
from labkit.runtime.clock import DEFAULT_START, LabClock
from labkit.runtime.lab import Lab


def test_sample_values_keeps_raw_values_and_collapses_constant_periods() -> None:
    assert ec2_workload.sample_values([1.0, 2.0, 2.0, 3.0, 1.0]) == {
        "Values": [1.0, 2.0, 3.0],
        "Counts": [2.0, 2.0, 1.0],
    }
    assert ec2_workload.sample_values([0.0] * 5) == {
        "StatisticValues": {"SampleCount": 5.0, "Sum": 0.0, "Minimum": 0.0, "Maximum": 0.0}
    }


def test_batch_pattern_pins_the_cpu_at_two_in_the_morning_tokyo_time() -> None:
    workload = ec2_workload.Workload("batch", seed=7)
    daily = ec2_workload.Workload("daily", seed=7)
    two_am_tokyo = dt.datetime(2026, 5, 27, 17, 0, tzinfo=dt.timezone.utc)
    assert workload.cpu(two_am_tokyo) >= 90 > daily.cpu(two_am_tokyo)
    assert workload.cpu(two_am_tokyo + dt.timedelta(minutes=20)) == daily.cpu(two_am_tokyo + dt.timedelta(minutes=20))


def test_launch_refuses_an_unknown_pattern(lab: Lab) -> None:
    with pytest.raises(ValueError, match="bursty"):
        ec2.launch(lab, pattern="bursty")


def test_basic_history_has_five_samples_per_period_and_percentiles(lab: Lab) -> None:
    instance = ec2.launch(lab, history_days=1 / 24)
    points = lab.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Dimensions=instance.dimensions,
        StartTime=DEFAULT_START - dt.timedelta(hours=1),
        EndTime=DEFAULT_START,
        Period=300,
        Statistics=["SampleCount", "Maximum"],
    )["Datapoints"]
    assert len(points) == 12 and {p["SampleCount"] for p in points} == {5.0}
    p100 = lab.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Dimensions=instance.dimensions,
        StartTime=DEFAULT_START - dt.timedelta(hours=1),
        EndTime=DEFAULT_START,
        Period=300,
        ExtendedStatistics=["p100"],
    )["Datapoints"]
    assert sorted(p["ExtendedStatistics"]["p100"] for p in p100) == sorted(p["Maximum"] for p in points)


def test_series_reindexes_to_every_period_and_detailed_is_five_times_finer(lab: Lab) -> None:
    basic = ec2.launch(lab, history_days=1 / 48)
    detailed = ec2.launch(lab, detailed=True, history_days=1 / 48)
    window = {"start": DEFAULT_START - dt.timedelta(minutes=30), "end": DEFAULT_START, "period": 60}
    basic_cpu = metrics.series(lab, "CPUUtilization", basic.dimensions, **window)
    detailed_cpu = metrics.series(lab, "CPUUtilization", detailed.dimensions, **window)
    assert len(basic_cpu) == len(detailed_cpu) == 30
    assert (basic_cpu.count(), detailed_cpu.count()) == (6, 30)
    assert str(basic_cpu.index.tz) == "UTC" and basic_cpu.index[0] == DEFAULT_START - dt.timedelta(minutes=30)


def test_lab_instance_id_finds_the_running_lab_web_instance(lab: Lab) -> None:
    assert ec2.lab_instance_id(lab) is None
    instance = ec2.launch(lab)
    assert ec2.lab_instance_id(lab) == instance.instance_id
    lab.teardown()
    assert ec2.lab_instance_id(lab) is None and lab.inventory() == []


def test_series_from_an_unaligned_start_lines_up_with_cloudwatch_periods(lab: Lab) -> None:
    # The 5-minute datapoints sit at :00, :05, ... (the emulator's stated alignment): a window
    # starting at :03 reads them on that grid rather than on one of its own. The :00 datapoint
    # is before StartTime, which a start less than 15 days ago keeps to the minute
    # (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html).
    instance = ec2.launch(lab, history_days=1 / 24)
    cpu = metrics.series(
        lab,
        "CPUUtilization",
        instance.dimensions,
        start=DEFAULT_START - dt.timedelta(minutes=57),
        end=DEFAULT_START,
        period=300,
    )
    assert cpu.index[0] == DEFAULT_START - dt.timedelta(minutes=60) and len(cpu) == 12
    assert cpu.isna().tolist() == [True] + [False] * 11


def test_metric_reads_on_a_remote_server_come_from_what_the_lab_sent(lab: Lab) -> None:
    """On a moto server in another process the emulator answers from its mirror of PutMetricData."""
    with labkit.connect("moto-server") as server:
        remote = Lab(
            backends.start_moto_server(server.region, LabClock(), server.backend.endpoint_url),
            server.region,
            LabClock(),
        )
        cloudwatch = remote.client("cloudwatch")
        cloudwatch.put_metric_data(
            Namespace="Lab",
            MetricData=[
                {"MetricName": "m", "Value": value, "Timestamp": DEFAULT_START + dt.timedelta(seconds=20 * n)}
                for n, value in enumerate([1.0, 2.0, 3.0, 4.0, 10.0])
            ],
        )
        remote.internal_client("cloudwatch").put_metric_data(
            Namespace="Lab",
            MetricData=[{"MetricName": "m", "Value": 5.0, "Timestamp": DEFAULT_START + dt.timedelta(minutes=7)}],
        )
        points = cloudwatch.get_metric_statistics(
            Namespace="Lab",
            MetricName="m",
            StartTime=DEFAULT_START,
            EndTime=DEFAULT_START + dt.timedelta(minutes=10),
            Period=300,
            ExtendedStatistics=["p100"],  # moto itself drops ExtendedStatistics
        )["Datapoints"]
        assert sorted((p["Timestamp"], p["ExtendedStatistics"]["p100"]) for p in points) == [
            (DEFAULT_START, 10.0),
            (DEFAULT_START + dt.timedelta(minutes=5), 5.0),
        ]
        assert not remote.backend.in_process


@pytest.mark.parametrize("pattern", ec2_workload.PATTERNS)
@pytest.mark.parametrize("instance_type", ["t3.micro", "m5.large"])
def test_sample_minutes_is_sample_called_minute_by_minute_to_the_last_bit(pattern: str, instance_type: str) -> None:
    """The backfill's columns (issue 20): every value equal bit for bit, the credit balance carried over the same."""
    first = dt.datetime(2026, 5, 29, 14, 0, tzinfo=dt.timezone.utc)  # a Friday: the Tokyo weekend, 02:00 Tokyo inside
    count = 3 * 24 * 60

    def instance() -> ec2_workload.LabInstance:
        workload = ec2_workload.Workload(pattern, seed=11)
        made = ec2_workload.LabInstance("i-0123", instance_type, True, workload, first, credit_balance=30.0)
        made.spike(first + dt.timedelta(hours=5, seconds=30), 17)
        made.runaway(first + dt.timedelta(days=2, hours=1, minutes=3))
        made.calm(first + dt.timedelta(days=2, hours=2, seconds=1))
        made.impair("system", first + dt.timedelta(hours=30, seconds=59))
        return made

    by_minute = instance()
    rows, after = [], []
    for m in range(count):
        rows.append(by_minute.sample(first + dt.timedelta(minutes=m)))
        after.append(repr(by_minute.credit_balance))
    columns_instance = instance()
    balances: list[float] = []
    columns = columns_instance.sample_minutes(first, count, balances)
    # The balance after each minute (the EC2 publisher samples periods ahead and sets it period by period).
    assert [repr(b) for b in balances] == (after if by_minute.burstable else [])
    assert sorted(columns) == sorted(rows[0])
    for name, column in columns.items():
        expected = [float(row[name]) for row in rows]
        assert [v.hex() for v in column] == [v.hex() for v in expected], name
    assert repr(columns_instance.credit_balance) == repr(by_minute.credit_balance)
    assert max(columns["CPUUtilization"]) >= 97 and max(columns["StatusCheckFailed_System"]) == 1.0


def test_sample_minutes_of_a_group_member_is_its_share_minute_by_minute_to_the_last_bit() -> None:
    """A group member's CPU is its share of the group's load (GroupLoad), which the columns take minute by minute;
    the EC2 publisher samples every instance's periods through them (issue 20)."""
    first = dt.datetime(2026, 6, 1, 0, 0, tzinfo=dt.timezone.utc)

    def member() -> ec2_workload.LabInstance:
        load = ec2_workload.GroupLoad(ec2_workload.Workload("daily", seed=5), baseline=2, count=3)
        load.surge(first + dt.timedelta(minutes=7, seconds=30), 20, 150.0)
        workload = ec2_workload.SharedWorkload(seed=21, group=load)
        return ec2_workload.LabInstance("i-0456", "t3.micro", False, workload, first, credit_balance=12.0)

    count = 6 * 60
    by_minute = member()
    rows = [by_minute.sample(first + dt.timedelta(minutes=m)) for m in range(count)]
    columns_instance = member()
    columns = columns_instance.sample_minutes(first, count)
    for name, column in columns.items():
        assert [v.hex() for v in column] == [float(row[name]).hex() for row in rows], name
    assert repr(columns_instance.credit_balance) == repr(by_minute.credit_balance)
    plain = ec2_workload.Workload("daily", seed=5).cpu_minutes(int(first.timestamp() // 60), [0] * count)
    assert columns["CPUUtilization"] != plain  # the group's share, not the plain workload's columns


def test_sample_rows_are_the_stored_rows_of_sample_values() -> None:
    """The EC2 publisher's rows (equal samples as one statistic set, else each value once per occurrence, in
    order of first occurrence) are what MetricStore.put stores for sample_values' datum."""
    for samples in ([3.5] * 5, [1.0, 2.0, 1.0, 2.5, 1.0], [7.0], [0.0, 0.0, 0.0, 0.0, 1.0], [4, 4.0, 5, 4, 5]):
        expected = metric_store.datum_rows(ec2_workload.sample_values(samples), 123, 4)
        assert ec2_workload.sample_rows(samples, 123, 4) == expected


@pytest.mark.parametrize(
    "first",
    [
        dt.datetime(2026, 5, 29, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=9))),  # not UTC
        dt.datetime(2026, 5, 29, 14, 0, 30, tzinfo=dt.timezone.utc),  # not on a minute
    ],
)
def test_sample_minutes_off_the_minute_grid_falls_back_to_sample(first: dt.datetime) -> None:
    made = ec2_workload.LabInstance("i-0123", "t3.micro", True, ec2_workload.Workload("batch"), first)
    again = ec2_workload.LabInstance("i-0123", "t3.micro", True, ec2_workload.Workload("batch"), first)
    balances: list[float] = []
    columns = made.sample_minutes(first, 90, balances)
    expected, after = [], []
    for m in range(90):
        expected.append(again.sample(first + dt.timedelta(minutes=m))["CPUUtilization"])
        after.append(again.credit_balance)
    assert columns["CPUUtilization"] == expected
    assert balances == after
