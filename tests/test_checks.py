"""'Check your work' fails loudly and still leaves nothing behind (issue 14, §6).

Jupyter's Run All stops at the first exception, before the notebook's "Clean up": a learner whose
exercise is unsolved would leave the lab's resources running (billable on a real account). So
``checks.report(lab)`` tears the lab down before it raises ``ChecksFailed``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

import labkit
from labkit.lesson.checks import Checks, ChecksFailed
from labkit.runtime.lab import Lab
from labkit.tools.notebooks import notebook_client, notebook_paths
from labkit.tools.student import student_edition

REPO = Path(__file__).resolve().parents[1]


def _lab_with_a_topic_and_an_alarm(lab: Lab) -> None:
    topic = lab.client("sns").create_topic(Name="lab-alerts")["TopicArn"]
    lab.client("cloudwatch").put_metric_alarm(
        AlarmName="cpu-high",
        MetricName="CPUUtilization",
        Namespace="AWS/EC2",
        Statistic="Average",
        Period=300,
        EvaluationPeriods=1,
        Threshold=80,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[topic],
    )


def test_a_failing_check_tears_the_lab_down_then_raises(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    _lab_with_a_topic_and_an_alarm(lab)
    checks = Checks("00-setup-and-monitoring-types")
    checks.that(True, "the topic lab-alerts exists")
    checks.that(False, "exercise 1: ops-alerts is tagged team=ops", hint="tag it team=ops")
    with pytest.raises(ChecksFailed, match=r"ops-alerts is tagged team=ops.*cleaned up.*Run All again"):
        checks.report(lab)
    out = capsys.readouterr().out
    # Every check is shown first, then the clean-up and its verdict.
    assert out.index("✔ the topic lab-alerts exists") < out.index("✘ exercise 1") < out.index("1/2 checks passed")
    assert (
        out.index("1/2 checks passed")
        < out.index("deleted  cloudwatch:alarm cpu-high")
        < out.index("teardown: nothing left")
    )
    assert lab.inventory() == []
    assert lab.internal_client("sns").list_topics()["Topics"] == []
    assert lab.internal_client("cloudwatch").describe_alarms()["MetricAlarms"] == []


def test_passing_checks_delete_nothing(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    _lab_with_a_topic_and_an_alarm(lab)
    checks = Checks("00-setup-and-monitoring-types")
    checks.that(True, "the topic lab-alerts exists")
    checks.report(lab)
    assert "teardown" not in capsys.readouterr().out
    assert len(lab.inventory()) == 2


def test_no_checks_at_all_is_a_failure_and_cleans_up_too(lab: Lab) -> None:
    _lab_with_a_topic_and_an_alarm(lab)
    with pytest.raises(ChecksFailed, match="no checks were run"):
        Checks("00-setup-and-monitoring-types").report(lab)
    assert lab.inventory() == []


def test_the_clean_up_cell_after_a_failed_check_finds_nothing_left(lab: Lab) -> None:
    """The learner runs "Clean up" by hand after the checks cleaned up: a second teardown is harmless."""
    _lab_with_a_topic_and_an_alarm(lab)
    checks = Checks("02-cpu-alarm")
    checks.that(False, "the alarm is 3 of 5")
    with pytest.raises(ChecksFailed):
        checks.report(lab)
    again = lab.teardown()
    assert again.deleted == [] and again.ok and str(again) == "teardown: nothing left"
    assert lab.inventory() == []


def test_a_clean_up_that_cannot_finish_still_reports_the_failed_checks(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise ConnectionError("the endpoint did not answer")

    monkeypatch.setattr(lab, "teardown", broken)
    checks = Checks("02-cpu-alarm")
    checks.that(False, "the alarm is 3 of 5")
    with pytest.raises(
        ChecksFailed, match=r"the alarm is 3 of 5\. Clean-up did not finish \(the endpoint did not answer\)"
    ):
        checks.report(lab)


# -- for real: a student edition, exercise unsolved, on labkit's moto server (what `labkit serve` runs; a plain moto
# server's fallbacks: tests/test_emulator_metric_mirror.py, tests/test_hardening.py) ----------------------------
@pytest.mark.notebook
def test_student_edition_run_all_with_the_exercise_unsolved_stops_at_the_checks_and_leaves_nothing(
    labkit_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LABKIT_BACKEND", "moto-server")
    monkeypatch.setenv("LABKIT_ENDPOINT_URL", labkit_server)
    monkeypatch.setenv("LABKIT_PARTICIPANT", "unsolved")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    path = next(p for p in notebook_paths(REPO) if p.stem.startswith("02-"))  # an instance, a topic, alarms
    notebook = student_edition(nbformat.read(path, as_version=4))

    # Run All: cells in order until the first exception.
    client = notebook_client(notebook, path.parent, shutdown_kernel="graceful")
    stopped_at = None
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            try:
                client.execute_cell(cell, index)
            except CellExecutionError as error:
                stopped_at = (cell, error)
                break
    assert stopped_at is not None, "the unsolved student edition ran to the end"
    cell, error = stopped_at
    assert "checks.report(lab)" in cell.source and error.ename == "ChecksFailed", (cell.source, error.ename)
    assert "cleaned up" in error.evalue and "Run All again" in error.evalue
    printed = "".join(output.get("text", "") for output in cell.outputs)
    assert "✘ exercise" in printed and "deleted  ec2:instance" in printed and "teardown: nothing left" in printed

    # Nothing the kernel made is left on the server: not in the registry, and nothing tagged at all.
    with labkit.connect(clear_abandoned=False) as after:
        assert after.inventory(all_labs=True) == []
        assert after.teardown(tagged=True, dry_run=True).planned == []
        reservations = after.internal_client("ec2").describe_instances(
            Filters=[{"Name": "instance-state-name", "Values": ["pending", "running", "stopped"]}]
        )["Reservations"]
        assert reservations == []
