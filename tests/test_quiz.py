"""SAA-C03 quizzes: every notebook has 3–5 exam-style questions with an explanation, an exam guide
task statement (https://docs.aws.amazon.com/aws-certification/latest/solutions-architect-associate-03/solutions-architect-associate-03-domain1.html
and the pages of domains 2–4) and the AWS page the answer rests on; where the lab can show the
fact, the test checks the answer against the lab."""

from __future__ import annotations

from pathlib import Path

import pytest

import labkit.course.quiz as quiz_module
from labkit.course.curriculum import NOTEBOOKS
from labkit.course.exam import LETTERS, TASKS, Question
from labkit.course.exam import question as make_question
from labkit.course.quiz import QUESTIONS, QuizError, for_notebook
from labkit.runtime.lab import Lab

ALL = [(nb, n, q) for nb, qs in QUESTIONS.items() for n, q in enumerate(qs, start=1)]


def right(notebook: str, number: int) -> str:
    q = for_notebook(notebook).question(number)
    return q.choices[LETTERS.index(q.answer)]


def test_every_notebook_of_the_course_has_three_to_five_questions() -> None:
    assert set(QUESTIONS) == set(NOTEBOOKS)
    assert all(3 <= len(questions) <= 5 for questions in QUESTIONS.values())


@pytest.mark.parametrize(("notebook", "number", "question"), ALL, ids=lambda v: v if isinstance(v, str) else None)
def test_each_question_is_complete(notebook: str, number: int, question: Question) -> None:
    assert len(set(question.choices)) == 4 and question.answer in LETTERS
    assert question.task in TASKS and question.explanation.strip()
    assert question.source.startswith(("https://docs.aws.amazon.com/", "https://aws.amazon.com/"))
    domain = question.task.split(".")[0]
    assert question.guide_url.endswith(f"solutions-architect-associate-03-domain{domain}.html")


def test_options_are_rotated_without_losing_the_answer() -> None:
    for text in ("one", "two", "three", "four", "five"):
        q = make_question(text, ("w", "x", "y", "z"), "B", "because", "2.2", "https://docs.aws.amazon.com/x")
        assert q.choices[LETTERS.index(q.answer)] == "x" and sorted(q.choices) == ["w", "x", "y", "z"]
    letters = {q.answer for _, _, q in ALL}
    assert letters == set(LETTERS), "right answers are spread over A–D"


def test_ask_shows_the_question_but_not_the_answer(capsys: pytest.CaptureFixture[str]) -> None:
    quiz = for_notebook("02")
    quiz.ask(1)
    shown = capsys.readouterr().out
    q = quiz.question(1)
    assert q.text in shown and all(choice in shown for choice in q.choices)
    assert "SAA-C03 Task Statement 2.2: Design highly available and/or fault-tolerant architectures" in shown
    assert q.explanation not in shown and "Answer:" not in shown


def test_answer_says_right_or_wrong_with_the_explanation(capsys: pytest.CaptureFixture[str]) -> None:
    quiz = for_notebook("02")
    q = quiz.question(1)
    wrong = [letter for letter in LETTERS if letter != q.answer]
    assert quiz.check(1, q.answer.lower()) is True
    quiz.answer(1, q.answer.lower())
    out = capsys.readouterr().out
    assert out.startswith("✔ Right.") and q.explanation in out
    for letter in wrong[:2]:
        assert quiz.check(1, letter) is False
        quiz.answer(1, letter)
        out = capsys.readouterr().out
        assert out.startswith(f"✘ Not quite ({letter}).") and q.explanation in out and "quiz.reveal(1)" in out


def test_reveal_gives_the_answer_and_both_sources(capsys: pytest.CaptureFixture[str]) -> None:
    quiz = for_notebook("07")
    quiz.reveal(2)
    out = capsys.readouterr().out
    q = quiz.question(2)
    assert f"Answer: {q.answer}. {right('07', 2)}" in out
    assert q.source in out and q.guide_url in out


def test_wrong_numbers_letters_and_notebooks_are_refused() -> None:
    quiz = for_notebook("00")
    with pytest.raises(QuizError, match="questions 1–4"):
        quiz.ask(len(quiz) + 1)
    with pytest.raises(QuizError, match="A, B, C, D"):
        quiz.answer(1, "E")
    with pytest.raises(QuizError, match="no quiz"):
        for_notebook("99")


def test_the_mapping_lists_every_question() -> None:
    table = quiz_module.mapping()
    assert len(table) == len(ALL) and set(table["notebook"]) == set(NOTEBOOKS)


# -- answers the lab itself can show --------------------------------------------------------------
def test_a_new_alarm_starts_in_insufficient_data_as_quiz_02_says(lab: Lab) -> None:
    # "Using Amazon CloudWatch alarms": https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName="quiz",
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Statistic="Average",
        Period=300,
        EvaluationPeriods=1,
        Threshold=80,
        ComparisonOperator="GreaterThanThreshold",
    )
    state = cloudwatch.describe_alarms(AlarmNames=["quiz"])["MetricAlarms"][0]["StateValue"]
    assert right("02", 1) == state == "INSUFFICIENT_DATA"


def test_quiz_01_default_metric_is_one_ec2_publishes_and_the_others_are_not() -> None:
    # "CloudWatch metrics that are available for your instances": https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html
    from labkit.emulator.ec2_workload import METRICS

    q = for_notebook("01").question(3)
    assert [choice for choice in q.choices if choice in METRICS] == [right("01", 3)] == ["NetworkIn"]


def test_quiz_05_quoted_term_is_what_the_filter_engine_matches() -> None:
    # "Filter pattern syntax": https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
    from labkit.aws.filterpattern import compile

    line = "Jun  1 00:00:01 ip-10-0-0-229 sshd[12345]: Connection closed by 203.0.113.7 port 50514 [preauth]"
    assert right("05", 2) == '"[preauth]"'
    quoted, bare = compile('"[preauth]"'), compile("[preauth]")
    assert quoted.kind == "unstructured" and quoted.matches(line)
    assert not quoted.matches("sshd[1]: Accepted publickey for ec2-user from 203.0.113.7 port 50514")
    assert bare.kind == "space-delimited"


def test_documented_figures_behind_the_answers() -> None:
    # GetMetricStatistics ("1-minute data points are available for 15 days"): https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html
    assert right("01", 4) == "15 days"
    # AddRoleToInstanceProfile ("An instance profile can contain only one role"): https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddRoleToInstanceProfile.html
    assert right("03", 2) == "One"
    # CloudTrail Event history, 90 days: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-cloudtrail-events.html
    assert right("06", 1) == "90 days"
    # Route 53, more than 18% of health checkers: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html
    assert "18%" in right("07", 2)


# -- every notebook asks its own quiz ---------------------------------------------------------------
REPO = Path(__file__).resolve().parents[1]


def _section(cells: list, first: str, last: str) -> list:
    """The cells after the level-2 heading ``first`` and before ``last``."""
    start = next(n for n, c in enumerate(cells) if c.cell_type == "markdown" and c.source.startswith(f"## {first}"))
    end = next(n for n, c in enumerate(cells) if c.cell_type == "markdown" and c.source.startswith(f"## {last}"))
    return cells[start + 1 : end]


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS))
def test_every_notebook_ends_its_exercises_with_its_quiz_and_the_task_statements(notebook: str) -> None:
    import nbformat

    [path] = (REPO / "notebooks").glob(f"{notebook}-*.ipynb")
    exercises = _section(nbformat.read(path, as_version=4).cells, "Exercises", "Check your work")
    quiz_cells = [
        c for c in exercises if c.cell_type == "code" and f'labkit.course.quiz.for_notebook("{notebook}")' in c.source
    ]
    assert quiz_cells, f"{path.name}: no quiz cell in its Exercises section"
    shown = "".join(o.get("text", "") for c in exercises if c.cell_type == "code" for o in c.outputs)
    # Every question is shown with the exam guide's task statement it practises (notebook 00 asks one).
    asked = for_notebook(notebook).questions[:1] if notebook == "00" else for_notebook(notebook).questions
    for number, q in enumerate(asked, start=1):
        assert q.text in shown, f"{path.name}: question {number} is not shown"
        assert f"Question {number} — SAA-C03 Task Statement {q.task}: {TASKS[q.task]}" in shown
    # An answer names the AWS documentation page it comes from.
    assert "AWS documentation: https://" in shown


def test_task_statements_and_domains_are_the_exam_guides() -> None:
    # SAA-C03 exam guide, content domains 1–4: https://docs.aws.amazon.com/aws-certification/latest/solutions-architect-associate-03/solutions-architect-associate-03-domain2.html
    q = for_notebook("02").question(1)
    assert q.task_label == "Task Statement 2.2: Design highly available and/or fault-tolerant architectures"
    assert q.domain_label == "Domain 2: Design Resilient Architectures"
    assert TASKS["2.1"] == "Design scalable and loosely coupled architectures"


def test_the_quiz_speaks_japanese_in_a_japanese_lab(capsys) -> None:
    """Issue 18: question, options, explanation and the exam guide's task statement follow the lab's language."""
    from labkit import i18n

    quiz = for_notebook("02")
    i18n.set_language("ja")
    try:
        quiz.ask(1)
        quiz.reveal(1)
        quiz.show()
    finally:
        i18n.set_language("en")
    shown = capsys.readouterr().out
    assert (
        "問題 1 — SAA-C03 タスクステートメント 2.2: 高可用性またはフォールトトレラントなアーキテクチャを設計する"
        in shown
    )
    assert "データがまだないメトリクスに CloudWatch アラームを作成した直後です" in shown
    assert "アラームには OK、ALARM、INSUFFICIENT_DATA の 3 つの状態があります" in shown
    assert "試験対策 (SAA-C03)、ノートブック 02: 5 問" in shown
    assert "A CloudWatch alarm was just created" not in shown
