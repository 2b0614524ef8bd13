"""Metrics into pandas: one ``GetMetricData`` call, every page, ready for plots and backtests.

Taught in notebook 01-metric-exploration (and used by 02-cpu-alarm for ``alarm_timeline``).
``GetMetricData`` rather than ``GetMetricStatistics``: it returns up to 100,800 datapoints per
call and pages with ``NextToken``, where ``GetMetricStatistics`` refuses more than 1,440
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html).
The same code runs against AWS. pandas is imported inside the functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from labkit.exceptions import InvalidParameter
from labkit.i18n import _

if TYPE_CHECKING:
    import pandas as pd

    from labkit.runtime.lab import Lab

#: GetMetricData takes at most 500 queries per call (API reference).
MAX_QUERIES = 500


def frame(
    lab: Lab,
    metric_names: Sequence[str],
    dimensions: Sequence[dict[str, str]],
    *,
    start: dt.datetime,
    end: dt.datetime,
    namespace: str = "AWS/EC2",
    period: int = 300,
    stat: str = "Average",
) -> pd.DataFrame:
    """One column per metric, indexed by period start (UTC), from ``GetMetricData``.

    Periods without data are NaN. ``stat`` is a statistic or a percentile such as ``p90``.
    """
    import pandas as pd

    if len(metric_names) > MAX_QUERIES:
        raise InvalidParameter(_("GetMetricData takes at most {most} queries per call").format(most=MAX_QUERIES))
    cloudwatch = lab.client("cloudwatch")
    queries = [
        {
            "Id": f"m{number}",
            "Label": name,
            "MetricStat": {
                "Metric": {"Namespace": namespace, "MetricName": name, "Dimensions": list(dimensions)},
                "Period": period,
                "Stat": stat,
            },
        }
        for number, name in enumerate(metric_names)
    ]
    columns: dict[str, dict[Any, float]] = {name: {} for name in metric_names}
    request: dict[str, Any] = {
        "MetricDataQueries": queries,
        "StartTime": start,
        "EndTime": end,
        "ScanBy": "TimestampAscending",
    }
    while True:
        reply = cloudwatch.get_metric_data(**request)
        for result in reply["MetricDataResults"]:
            name = metric_names[int(result["Id"][1:])]
            columns[name].update(zip(result["Timestamps"], result["Values"]))
        if not reply.get("NextToken"):
            break
        request["NextToken"] = reply["NextToken"]
    # CloudWatch's periods start at multiples of the period, whatever StartTime says.
    first = pd.Timestamp(start).tz_convert("UTC") if pd.Timestamp(start).tzinfo else pd.Timestamp(start, tz="UTC")
    index = pd.date_range(
        first.floor(f"{period}s"),
        pd.Timestamp(end).tz_convert("UTC") if pd.Timestamp(end).tzinfo else pd.Timestamp(end, tz="UTC"),
        freq=f"{period}s",
        inclusive="left",
        name="timestamp",
    )
    data = {
        name: pd.Series({pd.Timestamp(when).tz_convert("UTC"): value for when, value in points.items()}, dtype=float)
        for name, points in columns.items()
    }
    return pd.DataFrame({name: values.reindex(index) for name, values in data.items()}, index=index)


def series(
    lab: Lab,
    metric_name: str,
    dimensions: Sequence[dict[str, str]],
    *,
    start: dt.datetime,
    end: dt.datetime,
    namespace: str = "AWS/EC2",
    period: int = 300,
    stat: str = "Average",
) -> pd.Series:
    """One metric as a Series of per-period values, indexed by period start (UTC), NaN where empty.

    Ready for :func:`labkit.lesson.plot.alarm_timeline` and :func:`labkit.aws.alarms.backtest` (pass the
    same ``period``; NaN periods count as missing data).
    """
    return frame(
        lab,
        [metric_name],
        dimensions,
        start=start,
        end=end,
        namespace=namespace,
        period=period,
        stat=stat,
    )[metric_name]
