"""Notebook 06b, step 6, on a real account: a sample finding is what GuardDuty makes on demand, and it
names the placeholder instance ``i-99999999`` (with ``"sample": true``), never the lab instance
("Generating sample findings in GuardDuty": the samples are "populated with placeholder values" and
meant to test "your EventBridge events or filters",
https://docs.aws.amazon.com/guardduty/latest/ug/sample_findings.html). So the rule on the lab instance
cannot be shown with it; the notebook says so and tests the alert path with a rule on the
placeholder instance, offline exactly as on AWS.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from test_config_rules import allow_eventbridge

from labkit.aws import guardduty
from labkit.lesson import prereqs
from labkit.runtime.lab import Lab

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "06b-config-guardduty-budgets.ipynb"
SOURCE = Path(__file__).resolve().parents[1] / "notebooks" / "src" / "06b-config-guardduty-budgets.py"


def _pattern(instance_id: str) -> dict:
    return {
        "source": ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
        "detail": {
            "type": [guardduty.SSH_BRUTE_FORCE],
            "severity": [{"numeric": [">=", 1, "<", 7]}],
            "resource": {"instanceDetails": {"instanceId": [instance_id]}},
        },
    }


def test_a_sample_finding_reaches_the_inbox_through_the_placeholder_rule_only(lab: Lab) -> None:
    topic = prereqs.alerts_topic(lab)
    allow_eventbridge(lab, topic)
    instance = prereqs.lab_instance(lab)
    events = lab.client("events")
    for name, instance_id in (("ours", instance.instance_id), ("sample", "i-99999999")):
        events.put_rule(Name=name, EventPattern=json.dumps(_pattern(instance_id)))
        events.put_targets(Rule=name, Targets=[{"Id": "t", "Arn": topic, "Input": json.dumps(name)}])
    client = lab.client("guardduty")
    detector = client.create_detector(Enable=True)["DetectorId"]
    client.create_sample_findings(DetectorId=detector, FindingTypes=[guardduty.SSH_BRUTE_FORCE])
    [finding] = client.get_findings(
        DetectorId=detector, FindingIds=client.list_findings(DetectorId=detector)["FindingIds"]
    )["Findings"]
    assert finding["Resource"]["InstanceDetails"]["InstanceId"] == "i-99999999"
    assert json.loads(finding["Service"]["AdditionalInfo"]["Value"])["sample"] is True
    assert [m.body.split("\n")[0] for m in lab.inbox.notifications()] == ['"sample"']
    # The notebook's query for a finding on the lab instance finds none.
    ours = {
        "Criterion": {
            "type": {"Eq": [guardduty.SSH_BRUTE_FORCE]},
            "resource.instanceDetails.instanceId": {"Eq": [instance.instance_id]},
        }
    }
    assert client.list_findings(DetectorId=detector, FindingCriteria=ours)["FindingIds"] == []


def test_notebook_06b_never_passes_a_sample_off_as_the_lab_instances_finding() -> None:
    code = SOURCE.read_text()
    step6 = code[code.index("## Step 6:") : code.index("## Step 7:")]
    # The finding shown as "the brute force on the lab instance" is looked up by the instance's id.
    assert '"resource.instanceDetails.instanceId": {"Eq": [instance.instance_id]}' in step6
    # Real accounts: the markdown says what a sample finding shows, and the alert is tested on the placeholder.
    assert "On a real account" in step6 and "i-99999999" in step6
    assert 'Name="lab-guardduty-ssh-sample"' in step6


def test_notebook_06b_shows_the_sample_ignored_by_the_instance_rule_and_emailed_by_the_test_rule() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    printed = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs)
    assert "SSH rule matches the sample finding: False" in printed
    emails = [line for line in printed.splitlines() if "GuardDuty finding UnauthorizedAccess:EC2/SSHBruteForce" in line]
    assert any("against <lab instance>" in line for line in emails), "offline: the brute force on the lab instance"
    assert any("against i-99999999" in line for line in emails), "the sample finding, through the test rule"
