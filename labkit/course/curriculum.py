"""The course map: the article's kinds of monitoring, the notebooks that teach them, and the
SAA-C03 exam domains they belong to; and where the offline emulator differs from AWS, shown as a
box in every notebook. The notebooks and their differences come from their manifests
(:mod:`labkit.course.manifests`).

Shown in notebook 00-setup-and-monitoring-types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from labkit.course.manifests import MANIFESTS
from labkit.i18n import N_, _

#: SAA-C03 exam guide domains (AWS Certified Solutions Architect - Associate exam guide).
SAA_DOMAINS = {
    1: N_("Design Secure Architectures"),
    2: N_("Design Resilient Architectures"),
    3: N_("Design High-Performing Architectures"),
    4: N_("Design Cost-Optimized Architectures"),
}

#: number -> the notebook's file stem, in course order (from the notebooks' manifests).
NOTEBOOKS = {manifest.number: manifest.stem for manifest in MANIFESTS}


@dataclass(frozen=True)
class MonitoringType:
    """One kind of monitoring from the article (監視の種類)."""

    japanese: str
    english: str
    question: str  # English, marked with N_(): the table shows it in the lab's language
    services: str  # likewise
    notebooks: tuple[str, ...]
    domains: tuple[int, ...]


def _kind(japanese: str, english: str, question: str, services: str, domains: tuple[int, ...]) -> MonitoringType:
    """A kind of monitoring with the notebooks whose manifests say they teach it."""
    notebooks = tuple(m.number for m in MANIFESTS if english in m.monitoring)
    return MonitoringType(japanese, english, question, services, notebooks, domains)


MONITORING_TYPES = (
    _kind(
        "死活監視",
        "Liveness",
        N_("Is the server breathing (ping, status checks)?"),
        N_("EC2 status checks, CloudWatch alarm with the recover action"),
        (2,),
    ),
    _kind(
        "リソース監視",
        "Resource",
        N_("Is CPU or storage running out?"),
        N_("CloudWatch metrics and alarms, SNS; the CloudWatch agent for memory and disk"),
        (2, 3),
    ),
    _kind(
        "ログ監視",
        "Log",
        N_("Is someone attacking SSH? Are errors flowing by unseen?"),
        N_("CloudWatch Logs, the agent, metric filters, alarms, Logs Insights"),
        (1, 2),
    ),
    _kind(
        "サービス/URL監視",
        "Service / URL",
        N_("The server is up, but does the page answer (or return 503)?"),
        N_("Route 53 health checks, CloudWatch Synthetics canaries"),
        (2,),
    ),
    _kind(
        "コスト監視",
        "Cost",
        N_("Will this month's bill exceed the budget, per service and region?"),
        N_("AWS Budgets, Cost Explorer"),
        (4,),
    ),
    _kind(
        "AWS API監視",
        "AWS API audit",
        N_("Who did what, when, from which IP (including console sign-in)?"),
        N_("CloudTrail, Config, GuardDuty"),
        (1,),
    ),
    _kind(
        "AWS側の障害",
        "AWS-side outages",
        N_("Is AWS itself having an incident that affects us?"),
        N_("AWS Health events via EventBridge"),
        (2,),
    ),
)


def monitoring_types_table() -> Any:
    """The kinds of monitoring as a pandas DataFrame (notebook 00), in the lab's language."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                _("kind (article)"): f"{t.japanese} / {t.english}",
                _("question"): _(t.question),
                _("AWS services"): _(t.services),
                _("notebooks"): ", ".join(t.notebooks),
                _("SAA-C03 domains"): ", ".join(f"{d}: {_(SAA_DOMAINS[d])}" for d in t.domains),
            }
            for t in MONITORING_TYPES
        ]
    )


#: The differences every notebook shows first; each notebook's own are in its manifest.
COMMON_DIFFERENCES = (
    N_(
        "Lab time is virtual: `lab.advance(minutes=5)` returns at once. On AWS you wait "
        "(alarms are evaluated about once a minute, and metrics can arrive a few minutes late)."
    ),
    N_("The account id is moto's fake `123456789012` and credentials are fake; nothing leaves your machine."),
)


def differences(notebook: str) -> list[str]:
    """The differences that apply to ``notebook`` (its number): the common ones, then its manifest's."""
    own = next((m.differences for m in MANIFESTS if m.number == notebook), ())
    return [*COMMON_DIFFERENCES, *own]


def differences_box(notebook: str) -> Any:
    """The 'Where the offline lab differs from AWS' box, as displayable Markdown, in the lab's language."""
    from IPython.display import Markdown

    lines = "\n".join(f"> - {_(text)}" for text in differences(notebook))
    title = _("Where the offline lab differs from AWS")
    return Markdown(f"> **{title}**\n>\n{lines}")
