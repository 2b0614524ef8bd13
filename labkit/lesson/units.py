"""Numbers in the units a learner reads: ``256 MiB`` rather than ``2.68435e+08``.

CloudWatch metrics carry a unit (``Bytes``, ``Percent``, ``Seconds``, ``Count``…; the ``Unit``
of ``MetricDatum``, https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html).
Bytes are shown in binary multiples (KiB, MiB, GiB: 1,024 each), as the RDS pages speak of GiB.
Used by the recommended-alarms table and the dashboard drawing of notebook 07-liveness-url-dashboards.
"""

from __future__ import annotations

BINARY_PREFIXES = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
SUFFIXES = {"Percent": " %", "Seconds": " s", "Milliseconds": " ms", "Microseconds": " µs"}


def human_bytes(value: float) -> str:
    """``268435456`` → ``256 MiB``; ``2147483648`` → ``2 GiB``; at most three significant digits."""
    size, prefix = float(value), BINARY_PREFIXES[0]
    for prefix in BINARY_PREFIXES:
        if abs(size) < 1024 or prefix == BINARY_PREFIXES[-1]:
            break
        size /= 1024
    return f"{size:.3g} {prefix}"


def human(value: float, unit: str | None) -> str:
    """``value`` with its CloudWatch ``unit``: bytes in KiB/MiB/GiB, ``90 %``, ``1 s``, counts as plain numbers."""
    if unit == "Bytes":
        return human_bytes(value)
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"
    return number + SUFFIXES.get(unit or "", "")
