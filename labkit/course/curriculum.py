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
    "08": "08-investigate",
    "09": "09-alarms-that-scale-and-stay-quiet",
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
                   "CloudWatch metrics and alarms, SNS; the CloudWatch agent for memory and disk", ("01", "02", "09"), (2, 3)),
    MonitoringType("ログ監視", "Log", "Is someone attacking SSH? Are errors flowing by unseen?",
                   "CloudWatch Logs, the agent, metric filters, alarms, Logs Insights", ("03", "04", "05", "08"), (1, 2)),
    MonitoringType("サービス/URL監視", "Service / URL", "The server is up, but does the page answer (or return 503)?",
                   "Route 53 health checks, CloudWatch Synthetics canaries", ("07",), (2,)),
    MonitoringType("コスト監視", "Cost", "Will this month's bill exceed the budget, per service and region?",
                   "AWS Budgets, Cost Explorer", ("06b",), (4,)),
    MonitoringType("AWS API監視", "AWS API audit", "Who did what, when, from which IP (including console sign-in)?",
                   "CloudTrail, Config, GuardDuty", ("06", "06b", "08"), (1,)),
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
    Difference(("04",), "Nothing is installed: the install scripts are printed, not run, and configurations are "
               "checked against the agent reference and the unified agent's published JSON schema. The real agent "
               "can still fail at start for reasons no file check sees (a missing IAM role, a file it cannot read)."),
    Difference(("04", "05"), "The log lines come from a seeded sshd generator and are shipped by `SimulatedAgent`, which "
               "follows the agent reference's rules (timestamps, batches, skips) with PutLogEvents from this "
               "notebook; on AWS the agent on the instance reads the real /var/log/secure."),
    Difference(("05",), "Metric filters count an event as soon as PutLogEvents returns, and filter patterns are matched "
               "by labkit's engine (written from AWS's pattern syntax page); on AWS the metric appears a minute or so "
               "after ingestion."),
    Difference(("05",), "The alarm email is rendered into `lab.inbox` in AWS's format; on AWS it arrives in the "
               "mailbox you subscribed and confirmed."),
    Difference(("01", "02"), "The instance runs nothing: its AWS/EC2 metrics come from a seeded workload model "
               "(one sample a minute, published at the end of each period), and a week of history is "
               "backfilled at launch. On AWS a new instance has no history and metrics arrive a few minutes late."),
    Difference(("01",), "GetMetricStatistics and GetMetricData (with percentiles) are answered by labkit from moto's "
               "stored datapoints, on periods aligned to the epoch; moto alone drops ExtendedStatistics and "
               "fails on a percentile Stat. GetMetricData returns one page and labels a query by its metric name."),
    Difference(("02",), "Alarms are evaluated once per period, at its end; CloudWatch evaluates about every minute, "
               "so on AWS a transition can come a minute or two later. Offline the alarm email goes to "
               "`lab.inbox` (on AWS, `lab.inbox` reads an SQS queue subscribed to the topic), and the spike is "
               "simulated (on AWS the kit really loads the CPU through Systems Manager Run Command)."),
    Difference(("03",), "IAM decisions come from labkit's evaluator, not AWS: identity-based policies only (explicit "
               "deny > allow > implicit deny, Action/NotAction, Resource/NotResource wildcards). It refuses to guess "
               "on Condition, NotPrincipal and policy variables; there are no SCPs, permission boundaries or "
               "session policies; policy changes apply at once (AWS is eventually consistent)."),
    Difference(("03",), "`lab.client_as(role, service)` exists only offline: on AWS a role's credentials reach the "
               "instance through its metadata. Calls outside CloudWatch Logs are checked against resource `*`, "
               "and with several ResourceArns the simulator returns one result per action and resource."),
    Difference(("03",), "You act as an administrator (moto's user); your own calls are never denied. Associating a "
               "missing instance profile fails with moto's NoSuchEntity, not EC2's error code. "
               "CloudWatchAgentServerPolicy is a copy in labkit (moto has no AWS managed policies); on AWS it is read live."),
    Difference(("07",), "Status checks fail only when you inject an impairment (`instance.impair(...)`); AWS's host "
               "failures cannot be ordered. A recover or reboot action happens at once (AWS takes minutes) and is "
               "recorded by labkit instead of being mailed to the alarm's topic."),
    Difference(("07",), "The web server runs in this kernel on 127.0.0.1, and the 'canary' is labkit's synthetic check: "
               "one real HTTP GET to loopback per lab minute, published as CloudWatchSynthetics metrics. A real canary "
               "runs in AWS, cannot reach your laptop, and its Duration includes starting its runtime."),
    Difference(("07",), "Route 53 health checks are stored by moto but no health checker runs, so HealthCheckStatus "
               "is never published and alarms outside the lab's region are not evaluated offline."),
    Difference(("07",), "The load balancer and the database are simulated: only their metrics exist. moto accepts any "
               "dashboard body that is JSON, AWS validates it (labkit.lesson.dashboard.validate checks the required fields)."),
    Difference(("06",), "CloudTrail records come from labkit: you are moto's user `moto` calling from the documentation "
               "address 198.51.100.24, and records appear 5 lab minutes after the call (AWS: typically within minutes, "
               "not guaranteed). requestParameters use boto3's parameter names (AWS uses each service's own, e.g. "
               "EC2's `instancesSet`), and readOnly is judged from the operation's verb."),
    Difference(("06",), "The trail writes to CloudWatch Logs but no log files to S3, and the CloudWatch Logs role's "
               "permissions are not checked (only that it trusts cloudtrail.amazonaws.com)."),
    Difference(("06",), "Console sign-ins and AWS Health events cannot be caused through an API: offline, "
               "`simulate_console_login` and `simulate_issue` make them; on AWS you sign in yourself, and Health "
               "events come only when AWS has something to say."),
    Difference(("06",), "EventBridge delivers offline to SNS and SQS targets only (other targets are recorded as not "
               "delivered), at once and exactly once; AWS retries failed deliveries for up to 24 hours."),
    Difference(("06b",), "Config evaluates only the managed rule `restricted-ssh` offline, at the lab minute after a "
               "security-group change and every 24 hours; AWS takes a few minutes. Which port ranges count as "
               "\"incoming SSH\" (22 inside a TCP range, or all traffic) is the lab's reading; AWS's page names only "
               "the CIDRs. Remediation configurations (`put_remediation_configurations`) are not emulated."),
    Difference(("06b",), "GuardDuty analyses nothing offline: findings come from `create_sample_findings` (a few EC2 "
               "finding types, not all) and `labkit.lesson.simulate.simulate_ssh_brute_force`; severities are the bands' "
               "sample values (2, 8)."),
    Difference(("06b",), "Cost is accrued by labkit from a small dated price table (Tokyo list prices, no free tier): "
               "the instance, alarms, custom metrics, log ingestion, SNS email, Config items and evaluations. "
               "AWS bills everything, with up to a day's delay."),
    Difference(("06b",), "The budget forecast is a linear extrapolation of the month so far, available after one day; "
               "AWS uses its own model and needs about five weeks of history. The budget email's wording is "
               "illustrative (AWS does not document it)."),
    Difference(("08",), "Logs Insights queries are run by labkit's engine (written from AWS's query syntax pages) over "
               "the events stored at StartQuery, and are Complete at the first get_query_results; AWS runs them for "
               "seconds, and a few commands (unnest, lookup, pattern, diff, …) are refused by name. bytesScanned is "
               "the UTF-8 size of the scanned events' messages, the lab's reading of a figure AWS does not define."),
    Difference(("08",), "The hour of /var/log/secure is written at once by `prereqs.ssh_attack` (seeded sshd lines, "
               "documentation addresses); on AWS the agent ships the real file as it grows."),
    Difference(("08",), "Log alarms (put_log_alarm), alarm mute rules and Contributor Insights rules are refused offline "
               "with UnsupportedOperation naming them: labkit does not evaluate them yet. On AWS they work as the "
               "notebook describes."),
    Difference(("09",), "The anomaly detection band is labkit's model (labkit.aws.anomaly), not AWS's, which is not "
               "published: the mean and spread of the training data in hour-of-day or hour-of-week slots, retrained "
               "every hour on the two weeks before. It follows AWS's documented rules (two weeks of training, up to 15 "
               "minutes before the first band, no band below zero for a non-negative metric), but on AWS the band's "
               "numbers, and so the alarm's decisions near its edge, will differ."),
    Difference(("09",), "The load balancer is simulated (notebook 07): only its metrics exist, and its incidents are "
               "scripted by the notebook. Composite alarms' ActionsSuppressor, wait and extension periods run on the "
               "lab clock; on AWS the same settings take the same minutes of real time."),
    Difference(("09",), "The backtest table replays alarms once per 5-minute period on period-aligned data; CloudWatch "
               "evaluates every minute, so real detection can be a minute or two later (as in notebook 02)."),
)


def differences(notebook: str) -> list[str]:
    """The differences that apply to ``notebook`` (its two-digit number)."""
    return [d.text for d in DIFFERENCES if "*" in d.notebooks or notebook in d.notebooks]


def differences_box(notebook: str) -> Any:
    """The 'Where the offline lab differs from AWS' box, as displayable Markdown."""
    from IPython.display import Markdown

    lines = "\n".join(f"> - {text}" for text in differences(notebook))
    return Markdown(f"> **Where the offline lab differs from AWS**\n>\n{lines}")
