"""The emulator's metric store (labkit/emulator/metric_store.py) and the calls answered from it.

Rules: a metric is namespace + name + dimensions ("Metrics concepts",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Metric);
ListMetrics returns up to 500 metrics per call with NextToken, filters dimensions by name with an
optional value and keeps metrics with data in the past three hours for RecentlyActive=PT3H
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListMetrics.html); GetMetricData
returns at most MaxDatapoints (default 100,800)
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html).
"""

from __future__ import annotations

import copy
import datetime as dt
import random

import numpy as np
import pytest
from botocore.exceptions import ClientError

from labkit.aws.alarms.statistics import period_statistics as reference_statistics
from labkit.emulator import ec2_workload
from labkit.emulator.cloudwatch_metrics import CloudWatchMetrics
from labkit.emulator.ec2_metrics import Ec2Metrics
from labkit.emulator.ec2_workload import NAMESPACE
from labkit.emulator.metric_store import (
    SET_STATISTICS,
    TAIL_ROWS,
    MetricStore,
    Series,
    column_rows,
    period_sets,
    period_statistics,
    set_statistic,
)
from labkit.exceptions import UnsupportedOperation
from labkit.lesson import ec2
from labkit.runtime.clock import DEFAULT_START
from labkit.runtime.lab import Lab

UTC = dt.timezone.utc


def _random_datum(rng: random.Random, start: dt.datetime) -> dict:
    when = start + dt.timedelta(seconds=rng.randrange(0, 3 * 3600), microseconds=rng.choice([0, 250_000]))
    datum: dict = {"MetricName": "m", "Timestamp": when, "Unit": rng.choice(["Count", "Seconds", None])}
    kind = rng.choice(["Value", "Values", "StatisticValues"])
    if kind == "Value":
        datum["Value"] = rng.choice([0.1, 0.2, 0.3, -1.5, 7.0, 1e-3])
    elif kind == "Values":
        datum["Values"] = [0.1, 0.7, 3.3]
        datum["Counts"] = [1.0, 2.0, 1.0]
    else:
        low = rng.choice([0.1, 2.0])
        datum["StatisticValues"] = {
            "SampleCount": rng.choice([1.0, 3.0]),
            "Sum": 0.1 + low,
            "Minimum": low,
            "Maximum": rng.choice([low, 9.0]),
        }
    if datum["Unit"] is None:
        del datum["Unit"]
    return datum


def _as_moto_stored(data: list[dict]) -> list[dict]:
    """The datums as moto 5.2 stored them (Values repeated Counts times), in arrival order."""
    out = []
    for datum in data:
        base = {"Timestamp": datum["Timestamp"], "Unit": datum.get("Unit") or "None"}
        if "Values" in datum:
            for value, count in zip(datum["Values"], datum["Counts"]):
                out.extend([{**base, "Value": value}] * int(count))
        elif "StatisticValues" in datum:
            out.append({**base, "StatisticValues": datum["StatisticValues"]})
        else:
            out.append({**base, "Value": datum["Value"]})
    return out


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("batch", [37, 1])  # 1: one datum a call, the store's row-at-a-time path
def test_statistics_equal_the_reference_in_any_arrival_order(seed: int, batch: int) -> None:
    rng = random.Random(seed)
    data = [_random_datum(rng, DEFAULT_START) for _ in range(300)]  # timestamps out of order, several units
    store = MetricStore()
    for start in range(0, len(data), batch):
        store.put("Lab", data[start : start + batch], DEFAULT_START)
    series = store.find("Lab", "m", [])
    assert series is not None and series.size == len(_as_moto_stored(data))
    begin, end = DEFAULT_START + dt.timedelta(minutes=20), DEFAULT_START + dt.timedelta(hours=2, seconds=30)
    expected_rows = [d for d in _as_moto_stored(data) if begin <= d["Timestamp"] < end]
    stats = ["SampleCount", "Sum", "Average", "Minimum", "Maximum"]
    for period in (60, 300, 3600):
        for unit in (None, "Count"):
            got = period_statistics(
                store.rows(series, begin, end),
                period=period,
                statistics=stats,
                extended_statistics=["p50", "p99"],
                unit=unit,
            )
            want = reference_statistics(
                expected_rows, period=period, statistics=stats, extended_statistics=["p50", "p99"], unit=unit
            )
            assert got == want  # exact: same buckets, same order of addition


def _columns(series: Series) -> dict[str, list[float]]:
    return {name: col.tolist() for name, col in series.window(-(2**62), 2**62).items() if name != "seq"}


@pytest.mark.parametrize("seed", range(4))
def test_rows_written_a_few_at_a_time_read_as_rows_written_as_arrays(seed: int) -> None:
    """A series written a row or a few at a time (the publishers' minutes: kept as tuples until a read, an
    array write or TAIL_ROWS rows) reads exactly as one written with arrays each time: the same rows in the
    same order, the same size and version after every write, the same quiet spans; late rows included."""
    rng = random.Random(seed)
    few, arrays = Series("Lab", "m", []), Series("Lab", "m", [])
    when = 0
    for _ in range(3 * TAIL_ROWS):
        rows = []
        for _ in range(rng.choice([1, 1, 1, 2, 5])):
            when += rng.choice([0, 60_000_000])
            late = 300_000_000 if rng.random() < 0.03 else 0  # stored out of order: append() sorts
            value = rng.choice([0.0, 1.0, 2.5, -0.0])
            rows.append((when - late, 1.0, value, value, value, rng.choice([0, 1])))
        if len(rows) == 1:
            few.add_row(rows[0])
        else:
            few.extend_rows(rows)
        arrays.append({name: np.asarray(col, dtype) for (name, dtype), col in zip(Series._DTYPES.items(), zip(*rows))})
        assert (few.size, few.version) == (arrays.size, arrays.version)
        if rng.random() < 0.1:  # a read between writes
            boundaries = np.array([when - 600_000_000, when - 90_000_000, when], np.int64)
            assert few.quiet_span(boundaries) == arrays.quiet_span(boundaries)
            assert repr(_columns(few)) == repr(_columns(arrays))
            # An alarm's read of its periods and their quiet span at once is the two reads apart.
            for series in (few, arrays):
                rows, span = series.periods(boundaries)
                assert span == series.quiet_span(boundaries)
                apart = series.window(int(boundaries[0]), int(boundaries[-1]))
                assert repr(rows) == repr(list(column_rows(apart)))
    assert few.size > TAIL_ROWS and repr(_columns(few)) == repr(_columns(arrays))


def test_a_backfill_leaves_room_for_the_minutes_after_it_and_a_full_series_grows_by_half() -> None:
    """A write bigger than a series' room (a 30-day backfill: 43,200 rows) leaves an eighth more, so the rows of
    the next lab days go into the same columns instead of copying all of them; a series filled a row at a time
    grows by half its size. Every row reads back either way."""
    series = Series("Lab", "m", [])
    backfill = 30 * 1440
    when = np.arange(backfill, dtype=np.int64) * 60_000_000
    series.append(
        {name: when if name == "when" else np.ones(backfill, dtype) for name, dtype in Series._DTYPES.items()}
    )
    columns = series._cols["when"]
    assert len(columns) == backfill + backfill // 8
    for minute in range(backfill, backfill + 3 * 1440):  # three lab days, a row a minute, read every hour
        series.extend_rows([(minute * 60_000_000, 1.0, 2.0, 2.0, 2.0, 0)])
        if minute % 60 == 0:
            series.quiet_span(np.array([minute * 60_000_000], np.int64))
    assert series.window(0, 2**62)["when"].tolist() == [m * 60_000_000 for m in range(backfill + 3 * 1440)]
    assert series._cols["when"] is columns
    small = Series("Lab", "m", [])
    sizes = set()
    for minute in range(200):
        small.extend_rows([(minute * 60_000_000, 1.0, 1.0, 1.0, 1.0, 0)])
        small.quiet_span(np.array([0], np.int64))
        sizes.add(len(small._cols["when"]))
    assert sorted(sizes) == [16, 24, 36, 54, 81, 121, 181, 271]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("batch", [37, 1])
def test_alarm_period_sets_equal_the_statistics_rows(seed: int, batch: int) -> None:
    """period_sets (an alarm's evaluation) gives each period's standard statistics exactly as the rows of
    period_statistics keyed by Timestamp do: same buckets, same order of addition, the unit sorting last
    where a period has several, -0.0 kept as the sums keep it."""
    rng = random.Random(seed)
    data = [_random_datum(rng, DEFAULT_START) for _ in range(300)]
    data += [{"MetricName": "m", "Timestamp": DEFAULT_START + dt.timedelta(minutes=40), "Value": -0.0}]
    store = MetricStore()
    for start in range(0, len(data), batch):
        store.put("Lab", data[start : start + batch], DEFAULT_START)
    series = store.find("Lab", "m", [])
    assert series is not None
    begin, end = DEFAULT_START + dt.timedelta(minutes=20), DEFAULT_START + dt.timedelta(hours=2, seconds=30)
    for period in (10, 60, 300, 3600):
        for unit in (None, "Count"):
            for origin in (0, 30, int(end.timestamp()) % period):
                rows = period_statistics(
                    store.rows(series, begin, end), period=period, statistics=SET_STATISTICS, unit=unit, origin=origin
                )
                want = {int(row["Timestamp"].timestamp()): row for row in rows}
                found = period_sets(
                    column_rows(series.window(int(begin.timestamp()) * 10**6, int(end.timestamp()) * 10**6)),
                    store.units,
                    period=period,
                    origin=origin,
                    unit=unit,
                )
                assert sorted(found) == sorted(want)
                for start, row in want.items():
                    got = [set_statistic(found[start], name) for name in SET_STATISTICS]
                    assert repr(got) == repr([row[name] for name in SET_STATISTICS])  # repr: -0.0 is not 0.0


@pytest.mark.parametrize("seed", range(4))
def test_a_series_period_sets_are_the_buckets_of_its_periods_rows(seed: int) -> None:
    """Series.period_sets (an alarm's read at each instant: each period's rows found by one search) gives
    exactly the buckets period_sets makes of the periods' rows, and the same quiet span, for any unit filter,
    several units in a period, -0.0, periods and counts. It declines (None) where arrival order is not time
    order and where a boundary is not a whole second; the general path answers those."""
    rng = random.Random(seed)
    data = sorted((_random_datum(rng, DEFAULT_START) for _ in range(300)), key=lambda datum: datum["Timestamp"])
    data.append({"MetricName": "m", "Timestamp": data[-1]["Timestamp"], "Value": -0.0})
    store = MetricStore()
    for start in range(0, len(data), 7):
        store.put("Lab", data[start : start + 7], DEFAULT_START)
    series = store.find("Lab", "m", [])
    assert series is not None and "seq" not in series._cols
    compared = 0
    for _ in range(200):
        period = rng.choice([10, 60, 300, 3600])
        count = rng.randint(1, 6)
        end = int(DEFAULT_START.timestamp()) + rng.randrange(0, 4 * 3600)
        boundaries = [(end - period * back) * 1_000_000 for back in range(count, -1, -1)]
        unit = rng.choice([None, "Count", "Seconds", "Percent"])
        answered = series.period_sets(boundaries, store.units, unit)
        rows, span = series.periods(boundaries)
        found = period_sets(rows, store.units, period=period, origin=end % period, unit=unit)
        expected = [found.get(at // 1_000_000) for at in boundaries[:-1]]
        assert repr(answered) == repr((expected, span))  # repr: -0.0 is not 0.0
        compared += any(expected)
    assert compared > 50  # many reads found datapoints
    assert series.period_sets([boundaries[0] + 250_000, boundaries[-1]], store.units, None) is None
    store.put("Lab", [{"MetricName": "m", "Timestamp": DEFAULT_START, "Value": 1.0}], DEFAULT_START)  # late
    assert series.period_sets(boundaries, store.units, None) is None


def test_vectorised_backfill_stores_exactly_what_the_per_minute_datums_store(lab: Lab) -> None:
    plugin = lab.emulator.plugin(Ec2Metrics)
    now = lab.clock.now()
    since = now - dt.timedelta(days=2, minutes=7)
    for detailed in (False, True):
        instance = ec2_workload.LabInstance("i-0abc", "t3.micro", detailed, ec2_workload.Workload("spiky", 3), since)
        instance.credit_balance = 30.0
        instance.impair("ebs", since + dt.timedelta(hours=30, seconds=30))  # status checks fail from then on
        twin = copy.deepcopy(instance)
        columns = MetricStore()
        metrics = lab.emulator.plugin(CloudWatchMetrics)
        metrics._store, saved = columns, metrics._store
        try:
            plugin._backfill_columns(instance, since, now)
        finally:
            metrics._store = saved
        dicts = MetricStore()
        width = twin.period_minutes
        period = ec2_workload.metric_period_start(since, width)
        while period + dt.timedelta(minutes=width) <= now:
            dicts.put(NAMESPACE, plugin._period_data(twin, period), now)
            period += dt.timedelta(minutes=width)
        if not detailed:
            minute = ec2_workload.metric_period_start(since, 1)
            while minute + dt.timedelta(minutes=1) <= now:
                dicts.put(NAMESPACE, plugin._status_data(twin, minute), now)
                minute += dt.timedelta(minutes=1)
        assert sorted(columns.series) == sorted(dicts.series)
        for key, series in dicts.series.items():
            a, b = columns.series[key].window(0, 2**62), series.window(0, 2**62)
            for name in ("when", "count", "total", "minimum", "maximum"):
                np.testing.assert_array_equal(a[name], b[name])
            assert [columns.units[u] for u in a["unit"]] == [dicts.units[u] for u in b["unit"]]


def test_every_datapoint_is_read_once_whoever_wrote_it(lab: Lab) -> None:
    instance = ec2.launch(lab, history_days=1 / 24)
    cloudwatch, internal = lab.client("cloudwatch"), lab.internal_client("cloudwatch")
    when = DEFAULT_START - dt.timedelta(minutes=30)
    cloudwatch.put_metric_data(Namespace="Lab", MetricData=[{"MetricName": "m", "Value": 2.0, "Timestamp": when}])
    internal.put_metric_data(Namespace="Lab", MetricData=[{"MetricName": "m", "Value": 4.0, "Timestamp": when}])
    for client in (cloudwatch, internal):
        listed = client.list_metrics(Namespace="Lab")["Metrics"]
        assert listed == [{"Namespace": "Lab", "MetricName": "m", "Dimensions": []}]
        [point] = client.get_metric_statistics(
            Namespace="Lab",
            MetricName="m",
            StartTime=when,
            EndTime=DEFAULT_START,
            Period=3600,
            Statistics=["Sum", "SampleCount"],
        )["Datapoints"]
        assert (point["Sum"], point["SampleCount"]) == (6.0, 2.0)
        [cpu] = client.get_metric_data(
            MetricDataQueries=[
                {
                    "Id": "c",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": "AWS/EC2",
                            "MetricName": "CPUUtilization",
                            "Dimensions": instance.dimensions,
                        },
                        "Period": 3600,
                        "Stat": "SampleCount",
                    },
                }
            ],
            StartTime=DEFAULT_START - dt.timedelta(hours=1),
            EndTime=DEFAULT_START,
        )["MetricDataResults"]
        assert cpu["Values"] == [60.0]  # twelve 5-minute periods of five one-minute samples
    from moto.cloudwatch.models import cloudwatch_backends

    assert cloudwatch_backends[lab.account_id][lab.region].metric_data == []  # the store is the one writer


def test_list_metrics_filters_pages_and_lists_each_metric_once(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    both = [{"Name": "Host", "Value": "a"}, {"Name": "Disk", "Value": "sda"}]
    cloudwatch.put_metric_data(
        Namespace="Lab",
        MetricData=[
            {"MetricName": "free", "Dimensions": both, "Value": 1.0},
            {"MetricName": "free", "Dimensions": list(reversed(both)), "Value": 2.0},  # same metric
            {"MetricName": "free", "Dimensions": [{"Name": "Host", "Value": "b"}], "Value": 3.0},
            {"MetricName": "load", "Value": 1.0},
            {"MetricName": "load", "Value": 2.0},
        ],
    )
    listed = cloudwatch.list_metrics(Namespace="Lab")["Metrics"]
    assert [(m["MetricName"], m["Dimensions"]) for m in listed] == [
        ("free", both),
        ("free", [{"Name": "Host", "Value": "b"}]),
        ("load", []),
    ]
    assert len(cloudwatch.list_metrics(Namespace="Lab", Dimensions=[{"Name": "Host"}])["Metrics"]) == 2
    assert cloudwatch.list_metrics(Namespace="Lab", Dimensions=[{"Name": "Disk", "Value": "sda"}])["Metrics"] == [
        listed[0]
    ]
    cloudwatch.put_metric_data(Namespace="Many", MetricData=[{"MetricName": f"m{n}", "Value": 1.0} for n in range(501)])
    first = cloudwatch.list_metrics(Namespace="Many")
    assert len(first["Metrics"]) == 500 and first["NextToken"]
    second = cloudwatch.list_metrics(Namespace="Many", NextToken=first["NextToken"])
    assert [m["MetricName"] for m in second["Metrics"]] == ["m500"] and "NextToken" not in second
    with pytest.raises(ClientError, match="NextToken is invalid"):
        cloudwatch.list_metrics(Namespace="Many", NextToken=first["NextToken"])  # a token is used once


def test_recently_active_keeps_metrics_with_data_in_the_past_three_hours(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_data(Namespace="Lab", MetricData=[{"MetricName": "old", "Value": 1.0}])
    lab.advance(hours=3, minutes=1)
    cloudwatch.put_metric_data(Namespace="Lab", MetricData=[{"MetricName": "new", "Value": 1.0}])
    assert [m["MetricName"] for m in cloudwatch.list_metrics(Namespace="Lab", RecentlyActive="PT3H")["Metrics"]] == [
        "new"
    ]
    assert len(cloudwatch.list_metrics(Namespace="Lab")["Metrics"]) == 2


def test_what_the_store_does_not_emulate_is_refused_by_name(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    with pytest.raises(UnsupportedOperation, match="IncludeLinkedAccounts"):
        cloudwatch.list_metrics(IncludeLinkedAccounts=True)
    window = {"StartTime": DEFAULT_START - dt.timedelta(days=1), "EndTime": DEFAULT_START}
    with pytest.raises(UnsupportedOperation, match="metric math function SEARCH"):
        cloudwatch.get_metric_data(
            MetricDataQueries=[{"Id": "e", "Expression": "SEARCH('CPU', 'Average', 60)"}], **window
        )
    stat = {"Metric": {"Namespace": "Lab", "MetricName": "m"}, "Period": 60, "Stat": "Sum"}
    with pytest.raises(UnsupportedOperation, match="LabelOptions"):
        cloudwatch.get_metric_data(
            MetricDataQueries=[{"Id": "m", "MetricStat": stat}], LabelOptions={"Timezone": "+0900"}, **window
        )
    cloudwatch.put_metric_data(
        Namespace="Lab",
        MetricData=[
            {"MetricName": "m", "Value": 1.0, "Timestamp": DEFAULT_START - dt.timedelta(minutes=n)}
            for n in range(1, 11)
        ],
    )
    with pytest.raises(UnsupportedOperation, match="MaxDatapoints"):
        cloudwatch.get_metric_data(MetricDataQueries=[{"Id": "m", "MetricStat": stat}], MaxDatapoints=5, **window)
    reply = cloudwatch.get_metric_data(MetricDataQueries=[{"Id": "m", "MetricStat": stat}], MaxDatapoints=10, **window)
    assert len(reply["MetricDataResults"][0]["Values"]) == 10


def test_put_metric_data_keeps_the_input_checks(lab: Lab) -> None:
    cloudwatch = lab.client("cloudwatch")
    with pytest.raises(ClientError, match="mutually exclusive"):
        cloudwatch.put_metric_data(Namespace="Lab", MetricData=[{"MetricName": "m", "Value": 1.0, "Values": [1.0]}])
    with pytest.raises(ClientError, match="AWS/EC2 for parameter Namespace"):
        cloudwatch.put_metric_data(Namespace="AWS/EC2", MetricData=[{"MetricName": "m", "Value": 1.0}])
    assert cloudwatch.list_metrics()["Metrics"] == []
