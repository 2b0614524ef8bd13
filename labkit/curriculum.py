"""The course map: the article's kinds of monitoring, the notebooks that teach them, and the
SAA-C03 exam domains they belong to; and the one list of where the offline emulator differs
from AWS, shown as a box in every notebook.

Shown in notebook 00-setup-and-monitoring-types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: SAA-C03 exam guide domains (AWS Certified Solutions Architect - Associate exam guide).
SAA_DOMAINS = {
    1: "Design Secure Architectures",
    2: "Design Resilient Architectures",
    3: "Design High-Performing Architectures",
    4: "Design Cost-Optimized Architectures",
}

NOTEBOOKS = {
    "00": "00-setup-and-monitoring-types",
    "01": "01-metric-exploration",
    "02": "02-cpu-alarm",
    "03": "03-iam-role-for-logs-agent",
    "04": "04-log-agent-config",
    "05": "05-ssh-failure-metric-filter",
    "06": "06-cloudtrail-eventbridge-health",
    "06b": "06b-config-guardduty-budgets",
    "07": "07-liveness-url-dashboards",
}


@dataclass(frozen=True)
class MonitoringType:
    """One kind of monitoring from the article (監視の種類)."""

    japanese: str
    english: str
    question: str
    services: str
    notebooks: tuple[str, ...]
    domains: tuple[int, ...]


MONITORING_TYPES = (
    MonitoringType("死活監視", "Liveness", "Is the server breathing (ping, status checks)?",
                   "EC2 status checks, CloudWatch alarm with the recover action", ("07",), (2,)),
    MonitoringType("リソース監視", "Resource", "Is CPU or storage running out?",
                   "CloudWatch metrics and alarms, SNS; the CloudWatch agent for memory and disk", ("01", "02"), (2, 3)),
    MonitoringType("ログ監視", "Log", "Is someone attacking SSH? Are errors flowing by unseen?",
                   "CloudWatch Logs, the agent, metric filters, alarms", ("03", "04", "05"), (1, 2)),
    MonitoringType("サービス/URL監視", "Service / URL", "The server is up, but does the page answer (or return 503)?",
                   "Route 53 health checks, CloudWatch Synthetics canaries", ("07",), (2,)),
    MonitoringType("コスト監視", "Cost", "Will this month's bill exceed the budget, per service and region?",
                   "AWS Budgets, Cost Explorer", ("06b",), (4,)),
    MonitoringType("AWS API監視", "AWS API audit", "Who did what, when, from which IP (including console sign-in)?",
                   "CloudTrail, Config, GuardDuty", ("06", "06b"), (1,)),
    MonitoringType("AWS側の障害", "AWS-side outages", "Is AWS itself having an incident that affects us?",
                   "AWS Health events via EventBridge", ("06",), (2,)),
)


def monitoring_types_table() -> Any:
    """The kinds of monitoring as a pandas DataFrame (notebook 00)."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "kind (article)": f"{t.japanese} / {t.english}",
                "question": t.question,
                "AWS services": t.services,
                "notebooks": ", ".join(t.notebooks),
                "SAA-C03 domains": ", ".join(f"{d}: {SAA_DOMAINS[d]}" for d in t.domains),
            }
            for t in MONITORING_TYPES
        ]
    )


@dataclass(frozen=True)
class Difference:
    """One place where the offline emulator behaves differently from AWS."""

    notebooks: tuple[str, ...]  # "*" for every notebook
    text: str


DIFFERENCES = (
    Difference(("*",), "Lab time is virtual: `lab.advance(minutes=5)` returns at once. On AWS you wait "
               "(alarms are evaluated about once a minute, and metrics can arrive a few minutes late)."),
    Difference(("*",), "The account id is moto's fake `123456789012` and credentials are fake; nothing leaves your machine."),
    Difference(("00",), "Tags `labkit:lab` are added to what the lab creates so that teardown can find it; "
               "AWS does not add them itself."),
)


def differences(notebook: str) -> list[str]:
    """The differences that apply to ``notebook`` (its two-digit number)."""
    return [d.text for d in DIFFERENCES if "*" in d.notebooks or notebook in d.notebooks]


def differences_box(notebook: str) -> Any:
    """The 'Where the offline lab differs from AWS' box, as displayable Markdown."""
    from IPython.display import Markdown

    lines = "\n".join(f"> - {text}" for text in differences(notebook))
    return Markdown(f"> **Where the offline lab differs from AWS**\n>\n{lines}")
