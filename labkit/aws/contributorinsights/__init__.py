"""Contributor Insights rules on log groups, as a pure engine: validate a rule body, rank contributors.

:func:`parse_rule` checks a ``RuleDefinition`` against "Contributor Insights rule syntax in
CloudWatch" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ContributorInsights-RuleSyntax.html)
and :func:`report` computes what ``GetInsightRuleReport`` returns
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetInsightRuleReport.html)
over the log events a rule analysed. The emulator plugin :mod:`labkit.emulator.contributor_insights`
decides which events those are (the ones ingested while the rule was enabled).
"""

from labkit.aws.contributorinsights.engine import (
    METRICS,
    Rule,
    parse_rule,
    report,
)
from labkit.exceptions import InvalidInsightRule

__all__ = ["METRICS", "InvalidInsightRule", "Rule", "parse_rule", "report"]
