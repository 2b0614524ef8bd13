"""A synthetic check (外形監視) as the emulator runs it: probe a URL and publish what a canary publishes.

CloudWatch Synthetics canaries publish to the ``CloudWatchSynthetics`` namespace with the
dimension ``CanaryName``: ``SuccessPercent`` ("the percentage of the runs of this canary that
succeed and find no failures", Percent), ``Duration`` (milliseconds), ``Failed`` and the
``2xx``/``4xx``/``5xx`` request counts ("CloudWatch metrics published by canaries",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Synthetics_Canaries_metrics.html).
The shortest canary schedule is once a minute (``rate(1 minute)``, "Schedule",
https://docs.aws.amazon.com/AmazonSynthetics/latest/APIReference/API_CanaryScheduleInput.html).

Offline, :func:`labkit.lesson.synthetics.watch` registers a check that the emulator runs once per lab minute: a real
HTTP GET — to loopback only — whose outcome is published as those metrics. A run succeeds on a
2xx answer within the timeout, as the heartbeat blueprint's script does (it fails the run on a
status outside 200–299; "Heartbeat monitoring",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Synthetics_Canaries_Blueprints.html).
Guesses, stated: one request per run; ``Duration`` is the request's wall time (a real canary's
includes starting its runtime, so it is seconds, not milliseconds).
Taught in notebook 07-liveness-url-dashboards.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from labkit.exceptions import ConfigurationError

NAMESPACE = "CloudWatchSynthetics"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Run:
    """One run of a check: when, the HTTP status (None if no answer), the time taken, why it failed."""

    when: dt.datetime
    status: int | None
    duration_ms: float
    error: str = ""

    @property
    def success(self) -> bool:
        return self.status is not None and 200 <= self.status <= 299 and not self.error


@dataclass
class SyntheticCheck:
    """A canary-like check of ``url``, run once per lab minute by the emulator."""

    name: str
    url: str
    timeout: float = 3.0
    runs: list[Run] = field(default_factory=list)

    @property
    def dimensions(self) -> list[dict[str, str]]:
        return [{"Name": "CanaryName", "Value": self.name}]

    def run(self, when: dt.datetime) -> Run:
        """Probe the URL once and remember the run."""
        status, duration_ms, error = probe(self.url, self.timeout)
        result = Run(when, status, duration_ms, error)
        self.runs.append(result)
        return result

    def metric_data(self, run: Run) -> list[dict[str, Any]]:
        """The run as PutMetricData ``MetricData``, in the canary metrics' names and units."""
        family = f"{run.status // 100}xx" if run.status else ""
        values: list[tuple[str, float, str]] = [
            ("SuccessPercent", 100.0 if run.success else 0.0, "Percent"),
            ("Duration", round(run.duration_ms, 1), "Milliseconds"),
            ("Failed", 0.0 if run.success else 1.0, "Count"),
            *((name, float(family == name), "Count") for name in ("2xx", "4xx", "5xx")),
        ]
        return [
            {"MetricName": name, "Dimensions": self.dimensions, "Timestamp": run.when, "Value": value, "Unit": unit}
            for name, value, unit in values
        ]


def require_loopback(url: str) -> None:
    """Refuse any URL that is not plain HTTP on this machine: the lab never probes the network."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS:
        raise ConfigurationError(f"the offline synthetic check probes http://127.0.0.1 only, not {url!r}")


def probe(url: str, timeout: float) -> tuple[int | None, float, str]:
    """GET ``url`` (loopback only) within ``timeout`` seconds: (status or None, milliseconds, error)."""
    import http.client

    require_loopback(url)
    parts = urlsplit(url)
    started = time.perf_counter()
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout)
    try:
        connection.request("GET", parts.path or "/")
        response = connection.getresponse()
        response.read(64 * 1024)
        return response.status, (time.perf_counter() - started) * 1000, ""
    except TimeoutError:
        return None, timeout * 1000, f"timed out after {timeout:g} s"
    except OSError as error:
        return None, (time.perf_counter() - started) * 1000, f"no answer: {error.strerror or error}"
    finally:
        connection.close()
