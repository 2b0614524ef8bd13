"""What a learner reads: thresholds in human units, and tables that are not cut off.

Units are CloudWatch's ``MetricDatum`` units
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html); the RDS
metrics FreeableMemory and FreeStorageSpace are in bytes and CPUUtilization in percent
(https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html); the ALB's
TargetResponseTime is in seconds
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from labkit.lesson import recommended
from labkit.lesson.units import human, human_bytes

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.25 * 1024**3, "256 MiB"),
        (2 * 1024**3, "2 GiB"),
        (1.5 * 1024**3, "1.5 GiB"),
        (512, "512 B"),
        (64 * 1024, "64 KiB"),
        (13.3e9, "12.4 GiB"),
        (3 * 1024**4, "3 TiB"),
    ],
)
def test_bytes_in_binary_multiples(value: float, shown: str) -> None:
    assert human_bytes(value) == shown


def test_other_units() -> None:
    assert human(90, "Percent") == "90 %"
    assert human(1.0, "Seconds") == "1 s"
    assert human(0.25, "Seconds") == "0.25 s"
    assert human(1234567, "Count") == "1,234,567"
    assert human(10, None) == "10"


def test_recommended_thresholds_are_in_the_metrics_units() -> None:
    conditions = dict(zip(recommended.table()["alarm"], recommended.table()["condition"]))
    assert conditions["rds-FreeableMemory"] == "< 256 MiB"
    assert conditions["rds-FreeStorageSpace"] == "< 2 GiB"
    assert conditions["rds-CPUUtilization"] == "> 90 %"
    assert conditions["alb-TargetResponseTime"] == "> 1 s"
    assert conditions["alb-HTTPCode_ELB_5XX_Count"] == "> 10"
    assert not any("e+" in condition for condition in conditions.values())


def _table_cells(notebook: str, marker: str) -> list[str]:
    """The text/plain and text/html outputs of the code cells of ``notebook`` whose source has ``marker``."""
    [path] = (REPO / "notebooks").glob(f"{notebook}-*.ipynb")
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code" and marker in c.source]
    assert cells, f"no cell with {marker!r} in {path.name}"
    return [
        o["data"][kind]
        for c in cells
        for o in c.outputs
        if "data" in o
        for kind in ("text/plain", "text/html")
        if kind in o["data"]
    ]


def test_notebook_07_shows_whole_reasons_and_human_thresholds() -> None:
    shown = "\n".join(_table_cells("07", "recommended.table()"))
    for alarm in recommended.ALARMS:
        assert alarm.threshold_source in shown, f"cut: {alarm.threshold_source}"
    assert "256 MiB" in shown and "e+0" not in shown


def test_notebook_06b_shows_whole_finding_titles() -> None:
    shown = "\n".join(_table_cells("06b", '"title": f["Title"]'))
    assert "Bitcoin-related domain name queried by EC2 instance i-99999999." in shown
    assert "Unprotected port on EC2 instance i-99999999 is being probed." in shown
    assert "..." not in shown
