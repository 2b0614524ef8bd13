"""The emulator's metric mirror to a moto server (issue 20): labkit's server takes the emulator's datapoints
in a compact form (:func:`labkit.emulator.server.put_metric_data`) and stores exactly what ``PutMetricData``
stores; a plain moto server gets ``PutMetricData`` as before.

The datums follow PutMetricData's shapes: ``Value``; ``Values`` with ``Counts`` ("Each item in the Counts
array ... specifies the number of times that value appears"); ``StatisticValues``
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html).

Both servers run in this process, so they share moto's backends: what a lab sent through either is read
back through the labkit server (moto's own reads and labkit's ``metric-data`` endpoint), per account.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import re
import urllib.error
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit.emulator import ec2_workload
from labkit.emulator.cloudwatch_metrics import CloudWatchMetrics
from labkit.emulator.ec2_metrics import Ec2Metrics
from labkit.emulator.moto_accounts import session_in
from labkit.emulator.server import PUT_METRIC_DATA, metric_data, put_metric_data
from labkit.lesson import ec2
from labkit.runtime.lab import Lab
from labkit.tools.cli import main

UTC = dt.timezone.utc
REGION = "ap-northeast-1"
SINCE = dt.datetime(2000, 1, 1, tzinfo=UTC)


def join(monkeypatch: pytest.MonkeyPatch, url: str, participant: str) -> Lab:
    monkeypatch.setenv("LABKIT_BACKEND", "moto-server")
    monkeypatch.setenv("LABKIT_ENDPOINT_URL", url)
    monkeypatch.setenv("LABKIT_PARTICIPANT", participant)
    return labkit.connect(clear_abandoned=False)


def metrics_plugin(lab: Lab) -> CloudWatchMetrics:
    assert lab.emulator is not None
    return lab.emulator.plugin(CloudWatchMetrics)


def shapes(now: dt.datetime) -> list[tuple[str, list[dict[str, Any]]]]:
    """Every datum shape the emulator's publishers send, in two namespaces."""
    dims = [{"Name": "Zone", "Value": "b"}, {"Name": "App", "Value": "web"}]  # not in sorted order
    return [
        (
            "Lab/Shapes",
            [
                {"MetricName": "Single", "Dimensions": dims, "Value": 1.5, "Unit": "Percent", "Timestamp": now},
                {"MetricName": "NoUnit", "Value": 7, "Timestamp": now - dt.timedelta(minutes=1)},
                {"MetricName": "Raw", "Dimensions": dims, "Values": [1.0, 2.5, 0.1], "Timestamp": now},
                {"MetricName": "Raw", "Dimensions": dims, "Values": [3.0, 4.0], "Counts": [3, 1.0], "Timestamp": now},
                {
                    "MetricName": "Set",
                    "StatisticValues": {"SampleCount": 5, "Sum": 10.25, "Minimum": 0.5, "Maximum": 3},
                    "Unit": "Count",
                    "Timestamp": now + dt.timedelta(microseconds=1500),
                },
                {"MetricName": "Naive", "Value": 2.0, "Timestamp": now.replace(tzinfo=None)},
            ],
        ),
        ("Lab/Other", [{"MetricName": "Single", "Dimensions": dims[:1], "Value": -0.1, "Timestamp": now}]),
    ]


def moto_objects(account: str) -> list[dict[str, Any]]:
    """Every datapoint moto holds for the account, attribute by attribute, in moto's order."""
    from moto.cloudwatch.models import cloudwatch_backends

    return [
        {
            "kind": type(datum).__name__,
            **{key: value for key, value in vars(datum).items() if key != "dimensions"},
            "dimensions": [(d.name, d.value) for d in datum.dimensions],
        }
        for datum in cloudwatch_backends[account][REGION].metric_data
    ]


def moto_reads(url: str, account: str, now: dt.datetime) -> dict[str, Any]:
    """moto's own answers on the server (no emulator) over the two lab days before ``now``: ListMetrics,
    GetMetricStatistics of every metric, and one GetMetricData of the CPU and a raw-values metric (moto
    scans every datapoint for each of its queries: seconds each)."""
    client = session_in(account, REGION).client("cloudwatch", endpoint_url=url)
    listed = [m for page in client.get_paginator("list_metrics").paginate() for m in page["Metrics"]]
    window = {"StartTime": now - dt.timedelta(days=2), "EndTime": now + dt.timedelta(hours=1)}
    statistics = [
        client.get_metric_statistics(
            **metric, **window, Period=300, Statistics=["SampleCount", "Sum", "Average", "Minimum", "Maximum"]
        )["Datapoints"]
        for metric in listed
    ]
    queried = list({m["MetricName"]: m for m in listed if m["MetricName"] in ("CPUUtilization", "Raw")}.values())
    data = client.get_metric_data(
        MetricDataQueries=[
            {"Id": f"m{n}", "MetricStat": {"Metric": metric, "Period": 300, "Stat": "Average"}}
            for n, metric in enumerate(queried)
        ],
        **window,
    )["MetricDataResults"]
    assert len(queried) == 2 and all(result["Values"] for result in data)
    return {"list": listed, "statistics": statistics, "data": data}


def store_rows(lab: Lab) -> list[tuple[Any, ...]]:
    store = metrics_plugin(lab).store
    end = dt.datetime(2100, 1, 1, tzinfo=UTC)
    return [
        (series.namespace, series.name, series.dimensions, list(store.rows(series, SINCE, end)))
        for series in store.series.values()
    ]


def test_the_compact_endpoint_stores_what_put_metric_data_stores(
    labkit_server: str, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A week-style launch (six hours here: over 2,000 datums, and moto's reads below scan every datapoint for
    # each metric) through labkit's endpoint; what the emulator published, and when it sent its batches, is
    # recorded (what it sent: the history, stored as columns, and each minute's publish) ...
    compact = join(monkeypatch, labkit_server, "mirror-compact")
    recorded: list[tuple[str, list[dict[str, Any]]] | None] = []  # None: a settle
    plugin = metrics_plugin(compact)
    send, settle = plugin.send, plugin.settle
    monkeypatch.setattr(plugin, "send", lambda ns, data: (recorded.append((ns, copy.deepcopy(data))), send(ns, data)))
    monkeypatch.setattr(plugin, "settle", lambda: (recorded.append(None), settle()))
    ec2.launch(compact, history_days=0.25)
    compact.advance(minutes=12)
    for namespace, data in shapes(compact.clock.now()):
        plugin.publish(namespace, data)
    compact.advance(minutes=1)
    assert plugin._compact is True
    assert sum(len(event[1]) for event in recorded if event) > 2 * 1000  # several PutMetricData batches' worth
    # ... and replayed, the same datums and batches in the same order, by a lab on a plain moto server.
    plain = join(monkeypatch, server, "mirror-plain")
    fallback = metrics_plugin(plain)
    for event in recorded:
        if event is None:
            fallback.settle()
        else:
            fallback.send(*event)
    assert fallback._compact is False

    assert moto_objects(compact.account_id) == moto_objects(plain.account_id)
    assert len(moto_objects(compact.account_id)) > sum(
        len(event[1]) for event in recorded if event
    )  # Values with Counts: one object per sample
    now = compact.clock.now()
    assert moto_reads(labkit_server, compact.account_id, now) == moto_reads(labkit_server, plain.account_id, now)
    assert metric_data(compact.account_id, REGION) == metric_data(plain.account_id, REGION)
    # A later process adopts the same store from either.
    assert store_rows(join(monkeypatch, labkit_server, "mirror-compact")) == store_rows(
        join(monkeypatch, labkit_server, "mirror-plain")
    )


def test_moto_still_checks_the_emulators_datapoints(labkit_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A datum PutMetricData refuses is refused whole by the endpoint (nothing stored), and the kernel then
    raises moto's own error through PutMetricData."""
    lab = join(monkeypatch, labkit_server, "mirror-refused")
    plugin = metrics_plugin(lab)
    plugin.publish("Lab/Good", [{"MetricName": "M", "Value": 1.0, "Timestamp": lab.clock.now()}])
    plugin.settle()
    from moto.cloudwatch.exceptions import InvalidParameterValue

    with pytest.raises(InvalidParameterValue, match=re.escape("NaN for parameter MetricData.member.2.Value")):
        put_metric_data(lab.account_id, REGION, "Lab/Bad", [["M", []]], [{"m": 0, "v": 1.0}, {"m": 0, "v": math.nan}])
    request = {"account_id": lab.account_id, "region": REGION, "namespace": "Lab/Bad", "metrics": [["M", []]]}
    http = urllib.request.Request(
        labkit_server + PUT_METRIC_DATA,
        method="POST",
        data=json.dumps({**request, "data": [{"m": 0, "v": 1.0}, {"m": 0, "v": math.nan}]}).encode(),
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(http, timeout=30)
    assert refused.value.code == 400 and "InvalidParameterValue" in json.loads(refused.value.read())["error"]
    plugin.publish("Lab/Bad", [{"MetricName": "M", "Value": math.nan, "Timestamp": lab.clock.now()}])
    with pytest.raises(ClientError, match="InvalidParameterValue"):
        plugin.settle()
    assert [entry["namespace"] for entry in metric_data(lab.account_id, REGION)] == ["Lab/Good"]
    assert plugin._compact is True  # a refused batch does not make labkit's server a plain one


def counted_downloads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many datapoints each adoption of the server's data downloads, from now on, in this process."""
    downloads: list[int] = []
    adopt = CloudWatchMetrics.adopt_server_data
    monkeypatch.setattr(
        CloudWatchMetrics, "adopt_server_data", lambda plugin: downloads.append(adopt(plugin)) or downloads[-1]
    )
    return downloads


def test_a_new_process_downloads_the_accounts_datapoints_on_its_first_metric_use_before_its_own(
    labkit_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process adopts what earlier ones sent when it first reads or writes a metric, not at connect: ``labkit
    inventory`` and ``labkit teardown --dry-run`` download nothing. Adopted first, the earlier data keeps its
    place before the process's own, and the process frees only what it wrote."""
    first = join(monkeypatch, labkit_server, "adopt-lazily")
    first.client("cloudwatch").put_metric_data(Namespace="Lab/App", MetricData=[{"MetricName": "Hits", "Value": 3}])
    first.advance(minutes=1)
    downloads = counted_downloads(monkeypatch)

    assert main(["inventory"]) == 0 and main(["teardown", "--dry-run"]) == 0
    second = join(monkeypatch, labkit_server, "adopt-lazily")
    assert downloads == []
    cloudwatch = second.client("cloudwatch")
    cloudwatch.put_metric_data(Namespace="Lab/App", MetricData=[{"MetricName": "Hits", "Value": 4}])
    assert downloads == [1]  # before its own datapoint went into the store
    second.advance(minutes=1)
    found = cloudwatch.get_metric_statistics(
        Namespace="Lab/App",
        MetricName="Hits",
        StartTime=second.clock.now() - dt.timedelta(hours=1),
        EndTime=second.clock.now() + dt.timedelta(minutes=1),
        Period=3600,
        Statistics=["Sum", "SampleCount"],
    )["Datapoints"]
    assert [(p["Sum"], p["SampleCount"]) for p in found] == [(7.0, 2.0)]
    assert downloads == [1]
    # What it wrote is its own; the adopted datapoint stays for the process that sent it.
    assert metrics_plugin(second).written() == [["Lab/App", "Hits", []]]
    assert [series.size for series in metrics_plugin(second).store.series.values()] == [2]


def test_a_whole_account_teardown_keeps_the_labs_reads_and_labkit_teardown_downloads_nothing(
    labkit_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = join(monkeypatch, labkit_server, "adopt-at-teardown")
    first.client("cloudwatch").put_metric_data(Namespace="Lab/App", MetricData=[{"MetricName": "Hits", "Value": 3}])
    first.advance(minutes=1)
    second = join(monkeypatch, labkit_server, "adopt-at-teardown")
    second.teardown(all_labs=True)  # the server forgets the account's datapoints; this lab had not read them yet
    assert metric_data(second.account_id, REGION) == []
    assert [m["MetricName"] for m in second.client("cloudwatch").list_metrics()["Metrics"]] == ["Hits"]

    first.client("cloudwatch").put_metric_data(Namespace="Lab/App", MetricData=[{"MetricName": "Hits", "Value": 5}])
    first.advance(minutes=1)
    downloads = counted_downloads(monkeypatch)
    assert main(["teardown"]) == 0
    assert downloads == [] and metric_data(second.account_id, REGION) == []


def test_a_history_sent_from_columns_is_what_each_periods_and_minutes_datums_send(
    labkit_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a moto server an instance's history is stored as columns and sent as datums made from the same samples
    (``LabInstance.sample_minutes``): the server holds, in the same order, what sending ``_period_data`` of each
    period and ``_status_data`` of each minute (``sample()`` minute by minute) stored, and so does the store."""
    by_columns = join(monkeypatch, labkit_server, "history-columns")
    by_datums = join(monkeypatch, labkit_server, "history-datums")
    now = by_columns.clock.now()
    since = now - dt.timedelta(hours=9, minutes=7)
    for detailed in (False, True):
        instance = ec2_workload.LabInstance(
            f"i-0abc{int(detailed)}", "t3.micro", detailed, ec2_workload.Workload("spiky", 3), since
        )
        instance.credit_balance = 30.0
        instance.impair("ebs", since + dt.timedelta(hours=4, seconds=30))  # its check fails from then on
        twin = copy.deepcopy(instance)
        by_columns.emulator.plugin(Ec2Metrics)._backfill_columns(instance, since, now)
        publisher, data = by_datums.emulator.plugin(Ec2Metrics), []
        period = ec2_workload.metric_period_start(since, twin.period_minutes)
        while period + dt.timedelta(minutes=twin.period_minutes) <= now:
            data.extend(publisher._period_data(twin, period))
            period += dt.timedelta(minutes=twin.period_minutes)
        minute = ec2_workload.metric_period_start(since, 1)
        while not detailed and minute + dt.timedelta(minutes=1) <= now:
            data.extend(publisher._status_data(twin, minute))
            minute += dt.timedelta(minutes=1)
        metrics_plugin(by_datums).publish(ec2_workload.NAMESPACE, data)
    for lab in (by_columns, by_datums):
        metrics_plugin(lab).settle()
    assert len(moto_objects(by_columns.account_id)) > 3000
    assert moto_objects(by_columns.account_id) == moto_objects(by_datums.account_id)

    def rows(lab: Lab) -> list[tuple[Any, ...]]:
        return sorted(store_rows(lab), key=lambda series: (series[1], str(series[2])))

    assert rows(by_columns) == rows(by_datums)
