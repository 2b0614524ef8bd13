"""AWS Config rules that evaluate: ``restricted-ssh`` against the lab's security groups.

moto stores recorders, delivery channels and rules, but never evaluates a rule and answers no
compliance call. This plugin evaluates the managed rule ``INCOMING_SSH_DISABLED``
(:mod:`labkit.aws.config_rules`) the way its trigger type says — "Configuration changes and Periodic"
(https://docs.aws.amazon.com/config/latest/developerguide/restricted-ssh.html): at the lab minute
after a security group changes or a rule is created or re-evaluated, and again every 24 hours
(the default ``MaximumExecutionFrequency``, ``TwentyFour_Hours``,
https://docs.aws.amazon.com/config/latest/APIReference/API_ConfigRule.html). Nothing is evaluated
while no configuration recorder is recording: rules evaluate the configuration items the recorder
records ("Managing the Configuration Recorder",
https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html).

It answers the compliance calls in their documented shapes:
``DescribeComplianceByConfigRule`` (https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeComplianceByConfigRule.html),
``GetComplianceDetailsByConfigRule`` (https://docs.aws.amazon.com/config/latest/APIReference/API_GetComplianceDetailsByConfigRule.html),
``DescribeConfigRuleEvaluationStatus`` (https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeConfigRuleEvaluationStatus.html)
and ``StartConfigRulesEvaluation``; and, when a resource's compliance changes, sends the
"Config Rules Compliance Change" event to EventBridge.

Other managed rules are stored by moto but not evaluated (their compliance stays ``INSUFFICIENT_DATA``).
Taught in notebook 06b-config-guardduty-budgets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from labkit.aws import config_rules
from labkit.emulator.events import Events
from labkit.exceptions import ServiceError

if TYPE_CHECKING:
    from labkit.emulator.core import Call, Emulator

PERIODIC = dt.timedelta(hours=24)
SOURCE = "aws.config"
DETAIL_TYPE = "Config Rules Compliance Change"
EVALUATED = {config_rules.SOURCE_IDENTIFIER: config_rules.evaluate_restricted_ssh}
SECURITY_GROUP_CHANGES = (
    "CreateSecurityGroup",
    "DeleteSecurityGroup",
    "AuthorizeSecurityGroupIngress",
    "RevokeSecurityGroupIngress",
    "ModifySecurityGroupRules",
)


@dataclass
class _RuleState:
    name: str
    arn: str
    rule_id: str
    source: str
    activated: dt.datetime
    results: dict[str, tuple[config_rules.Evaluation, dict[str, Any]]] = field(default_factory=dict)
    last_invoked: dt.datetime | None = None
    next_periodic: dt.datetime | None = None
    pending: bool = True


class ConfigRules:
    """The plugin's state: each rule's latest results, and what is waiting to be evaluated."""

    requires = (Events,)

    def __init__(self, emulator: Emulator) -> None:
        self.events_plugin = emulator.plugin(Events)
        self.lab = emulator.lab
        self.rules: dict[str, _RuleState] = {}
        #: Every event this plugin sent, oldest first (for tests and the notebook).
        self.events: list[dict[str, Any]] = []
        #: Billable units AWS Config would charge (read by the budgets plugin).
        self.evaluations_total = 0
        self.configuration_items_total = 0
        self._recording: bool | None = None

    def _config(self) -> Any:
        return self.lab.internal_client("config")

    def recording(self) -> bool:
        """Whether a configuration recorder in the lab's region is recording.

        Asked of moto once, then kept up to date by the recorder calls (the minute tick must stay cheap).
        """
        if self._recording is None:
            status = self._config().describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
            self._recording = any(item.get("recording") for item in status)
        return self._recording

    # -- observers ------------------------------------------------------------------------------
    def rule_put(self, call: Call, reply: dict[str, Any]) -> None:
        name = call.params["ConfigRule"].get("ConfigRuleName")
        described = self._config().describe_config_rules(ConfigRuleNames=[name])["ConfigRules"][0]
        state = self.rules.get(name)
        if state is None:
            state = _RuleState(
                name,
                described["ConfigRuleArn"],
                described["ConfigRuleId"],
                described["Source"].get("SourceIdentifier", ""),
                self.lab.clock.now(),
            )
            self.rules[name] = state
        state.pending = True

    def rule_deleted(self, call: Call, reply: dict[str, Any]) -> None:
        self.rules.pop(call.params["ConfigRuleName"], None)

    def security_group_changed(self, call: Call, reply: dict[str, Any]) -> None:
        if self.recording():
            self.configuration_items_total += 1
        for state in self.rules.values():
            state.pending = True

    def recorder_changed(self, call: Call, reply: dict[str, Any]) -> None:
        self._recording = None
        if call.operation == "StartConfigurationRecorder":
            for state in self.rules.values():
                state.pending = True

    # -- answers --------------------------------------------------------------------------------
    def _known(self, names: list[str] | None) -> list[_RuleState]:
        self._sync_rules()
        if not names:
            return sorted(self.rules.values(), key=lambda s: s.name)
        missing = [n for n in names if n not in self.rules]
        if missing:
            raise ServiceError(
                "NoSuchConfigRuleException",
                f"The ConfigRule '{missing[0]}' provided in the request is invalid. Please check the configRule name.",
            )
        return [self.rules[n] for n in names]

    def _sync_rules(self) -> None:
        """Pick up rules created by a client the emulator does not watch (or another process)."""
        described = self._config().describe_config_rules()["ConfigRules"]
        names = {rule["ConfigRuleName"] for rule in described}
        for rule in described:
            if rule["ConfigRuleName"] not in self.rules:
                self.rules[rule["ConfigRuleName"]] = _RuleState(
                    rule["ConfigRuleName"],
                    rule["ConfigRuleArn"],
                    rule["ConfigRuleId"],
                    rule["Source"].get("SourceIdentifier", ""),
                    self.lab.clock.now(),
                )
        self.rules = {name: state for name, state in self.rules.items() if name in names}

    @staticmethod
    def rule_compliance(state: _RuleState) -> dict[str, Any]:
        """A rule's ``Compliance``: NON_COMPLIANT if any resource is, with the count of those resources."""
        if not state.results:
            return {"ComplianceType": config_rules.INSUFFICIENT_DATA}
        bad = sum(1 for evaluation, _ in state.results.values() if evaluation.compliance == config_rules.NON_COMPLIANT)
        if bad:
            return {
                "ComplianceType": config_rules.NON_COMPLIANT,
                "ComplianceContributorCount": {"CappedCount": min(bad, 100), "CapExceeded": bad > 100},
            }
        return {"ComplianceType": config_rules.COMPLIANT}

    def describe_compliance_by_config_rule(self, call: Call) -> dict[str, Any]:
        wanted = call.params.get("ComplianceTypes")
        items: list[dict[str, Any]] = [
            {"ConfigRuleName": s.name, "Compliance": self.rule_compliance(s)}
            for s in self._known(call.params.get("ConfigRuleNames"))
        ]
        if wanted:
            items = [item for item in items if item["Compliance"]["ComplianceType"] in wanted]
        return {"ComplianceByConfigRules": items}

    def get_compliance_details_by_config_rule(self, call: Call) -> dict[str, Any]:
        state = self._known([call.params["ConfigRuleName"]])[0]
        wanted = call.params.get("ComplianceTypes")
        results = []
        for resource_id in sorted(state.results):
            evaluation, result = state.results[resource_id]
            if wanted and evaluation.compliance not in wanted:
                continue
            results.append(_parsed_result(result))
        limit = call.params.get("Limit") or 100
        return {"EvaluationResults": results[:limit]}

    def describe_config_rule_evaluation_status(self, call: Call) -> dict[str, Any]:
        statuses = []
        for state in self._known(call.params.get("ConfigRuleNames")):
            status: dict[str, Any] = {
                "ConfigRuleName": state.name,
                "ConfigRuleArn": state.arn,
                "ConfigRuleId": state.rule_id,
                "FirstActivatedTime": state.activated,
                "FirstEvaluationStarted": state.last_invoked is not None,
            }
            if state.last_invoked is not None:
                status["LastSuccessfulInvocationTime"] = state.last_invoked
                status["LastSuccessfulEvaluationTime"] = state.last_invoked
            statuses.append(status)
        return {"ConfigRulesEvaluationStatus": statuses}

    def start_config_rules_evaluation(self, call: Call) -> dict[str, Any]:
        for state in self._known(call.params.get("ConfigRuleNames")):
            state.pending = True
        return {}

    # -- evaluation -----------------------------------------------------------------------------
    def tick(self, now: dt.datetime) -> None:
        """Evaluate the rules that are due (changed, or 24 hours since their last run)."""
        due = [s for s in self.rules.values() if s.pending or (s.next_periodic is not None and now >= s.next_periodic)]
        if not due or not self.recording():
            return
        groups = self.lab.internal_client("ec2").describe_security_groups()["SecurityGroups"]
        for state in due:
            self.evaluate(state, groups, now)

    def evaluate(self, state: _RuleState, groups: list[dict[str, Any]], now: dt.datetime) -> None:
        """Run one rule over the security groups and record (and announce) what changed."""
        evaluator = EVALUATED.get(state.source)
        state.pending = False
        if evaluator is None:
            return
        state.last_invoked = now
        state.next_periodic = now + PERIODIC
        present = {group["GroupId"] for group in groups}
        state.results = {rid: value for rid, value in state.results.items() if rid in present}
        for group in groups:
            evaluation = evaluator(group)
            self.evaluations_total += 1
            result = config_rules.evaluation_result(state.name, evaluation, now, now)
            previous = state.results.get(group["GroupId"])
            state.results[group["GroupId"]] = (evaluation, result)
            if previous is None or previous[0].compliance != evaluation.compliance:
                self._announce(state, result, previous[1] if previous else None, now)

    def _announce(self, state: _RuleState, new: dict[str, Any], old: dict[str, Any] | None, now: dt.datetime) -> None:
        detail = config_rules.compliance_change_detail(
            account_id=self.lab.account_id,
            region=self.lab.region,
            rule_name=state.name,
            rule_arn=state.arn,
            new=new,
            old=old,
            when=now,
        )
        self.events.append(detail)
        self.events_plugin.emit(SOURCE, DETAIL_TYPE, detail, resources=[], region=self.lab.region)


def _parse_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)


def _parsed_result(result: dict[str, Any]) -> dict[str, Any]:
    """An ``EvaluationResult`` as boto3 returns it (PascalCase, timestamps as datetimes)."""
    qualifier = result["evaluationResultIdentifier"]["evaluationResultQualifier"]
    parsed: dict[str, Any] = {
        "EvaluationResultIdentifier": {
            "EvaluationResultQualifier": {
                "ConfigRuleName": qualifier["configRuleName"],
                "ResourceType": qualifier["resourceType"],
                "ResourceId": qualifier["resourceId"],
                "EvaluationMode": "DETECTIVE",
            },
            "OrderingTimestamp": _parse_time(result["evaluationResultIdentifier"]["orderingTimestamp"]),
        },
        "ComplianceType": result["complianceType"],
        "ResultRecordedTime": _parse_time(result["resultRecordedTime"]),
        "ConfigRuleInvokedTime": _parse_time(result["configRuleInvokedTime"]),
    }
    if result.get("annotation"):
        parsed["Annotation"] = result["annotation"]
    return parsed


def install(emulator: Emulator) -> ConfigRules:
    """Register Config rule evaluation on ``emulator``."""
    plugin = ConfigRules(emulator)
    emulator.observes("config", "PutConfigRule")(plugin.rule_put)
    emulator.observes("config", "DeleteConfigRule")(plugin.rule_deleted)
    for operation in ("StartConfigurationRecorder", "StopConfigurationRecorder", "DeleteConfigurationRecorder"):
        emulator.observes("config", operation)(plugin.recorder_changed)
    for operation in SECURITY_GROUP_CHANGES:
        emulator.observes("ec2", operation)(plugin.security_group_changed)
    emulator.answers("config", "DescribeComplianceByConfigRule")(plugin.describe_compliance_by_config_rule)
    emulator.answers("config", "GetComplianceDetailsByConfigRule")(plugin.get_compliance_details_by_config_rule)
    emulator.answers("config", "DescribeConfigRuleEvaluationStatus")(plugin.describe_config_rule_evaluation_status)
    emulator.answers("config", "StartConfigRulesEvaluation")(plugin.start_config_rules_evaluation)
    emulator.every_minute(plugin.tick)
    return plugin
