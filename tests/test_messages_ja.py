"""labkit's own messages in Japanese (issue 18): every marked message has a current translation.

The messages are those ``make messages`` extracts with ``babel.cfg``: what the package marks (``_()``,
``N_()``, ``ngettext()``) and the descriptions and hints of the notebooks' ``checks.that(...)`` calls.

The catalogue is keyed by the English text (gettext's convention), so a message whose English changed
has no entry any more: it is reported here as missing until a translator adds it (``make messages``
puts it in the catalogue for them). What AWS returns is not labkit's and stays English.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import polib
import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

import labkit
from labkit import i18n
from labkit.course.exercises import Exercise
from labkit.exceptions import ChecksFailed, ConfigurationError, UnsupportedOperation, WaitTimeout
from labkit.lesson.checks import SUMMARY, Checks
from python_sources import parsed

PACKAGE = Path(labkit.__file__).resolve().parent
REPO = PACKAGE.parent
FIELD = re.compile(r"\{(\w*)[^{}]*\}")
PERCENT = re.compile(r"%(?:\(\w+\))?[sr]")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@functools.cache
def _catalogue() -> polib.POFile:
    return polib.pofile(str(i18n.catalogue_path("ja")))


# Read when a test asks, not as the module is collected: every xdist worker collects every module.
@functools.cache
def _marked_messages() -> dict[str | tuple[str, str], str]:
    """Every message ``make messages`` extracts (babel.cfg), with where it is."""
    with (REPO / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[str | tuple[str, str], str] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        REPO, method_map, options_map, keywords=DEFAULT_KEYWORDS
    ):
        if isinstance(message, tuple):
            message = tuple(part for part in message if part)
            message = message[0] if len(message) == 1 else message
        if message:
            found[message] = f"{filename}:{line}"
    return found


@pytest.fixture
def japanese():
    i18n.set_language("ja")
    yield
    i18n.set_language("en")


def test_the_package_marks_messages_and_the_catalogue_has_them() -> None:
    assert len(_marked_messages()) >= 12, "the checks' and exercises' framing at least is marked"


def test_every_marked_message_has_a_current_japanese_translation() -> None:
    marked = _marked_messages()
    entries = {(e.msgid, e.msgid_plural) if e.msgid_plural else e.msgid: e for e in _catalogue() if not e.obsolete}
    missing = [f"{where}: {message!r}" for message, where in marked.items() if message not in entries]
    assert missing == [], "no Japanese translation (run `make messages`, then translate):\n" + "\n".join(missing)
    untranslated = [
        repr(key)
        for key, entry in entries.items()
        if "fuzzy" in entry.flags
        or not (all(entry.msgstr_plural.values()) and entry.msgstr_plural if entry.msgid_plural else entry.msgstr)
    ]
    assert untranslated == [], "empty or fuzzy (unconfirmed) translations: " + ", ".join(untranslated)
    leftover = [repr(key) for key in entries if key not in marked]
    assert leftover == [], "translations of messages labkit no longer has (remove them): " + ", ".join(leftover)


def test_translations_keep_every_value_the_english_message_shows() -> None:
    """``{title}`` in the English must be ``{title}`` in the Japanese, or the learner loses the value; so must
    argparse's ``%(prog)s`` and ``%s`` (labkit.i18n.ARGPARSE_MESSAGES), which argparse fills with ``%``."""
    for entry in _catalogue():
        english = set(FIELD.findall(entry.msgid))
        percent = sorted(PERCENT.findall(entry.msgid)) if "python-format" in entry.flags else None
        for japanese in [entry.msgstr, *entry.msgstr_plural.values()]:
            if japanese:
                assert set(FIELD.findall(japanese)) == english, f"{entry.msgid!r} -> {japanese!r}"
                if percent is not None and not FIELD.search(entry.msgid):
                    assert sorted(PERCENT.findall(japanese)) == percent, f"{entry.msgid!r} -> {japanese!r}"


def test_english_is_the_default_and_unknown_languages_are_refused() -> None:
    assert i18n.language() == "en"
    assert i18n.gettext("Hint: {hint}") == "Hint: {hint}"
    with pytest.raises(ConfigurationError, match='accept "en" or "ja"'):
        i18n.set_language("fr")


def test_a_checker_speaks_japanese_and_names_the_same_problems(japanese, capsys) -> None:
    problem = "the topic exists but has no tag team=ops"
    exercise = Exercise("Tag the topic", lambda lab: [problem], ["Use tag_resource."], "00", 1)
    assert exercise.check(lab=None) is False  # type: ignore[arg-type]
    exercise.hint()
    printed = capsys.readouterr().out
    assert "✘ まだです: Tag the topic" in printed and f"  - {problem}" in printed
    assert "ヒント: Use tag_resource." in printed
    assert "Not yet" not in printed


def test_checks_report_in_japanese_still_reads_as_a_summary(japanese, capsys) -> None:
    checks = Checks("00")
    checks.that(True, "the topic exists")
    checks.that(False, "the alarm fired", hint="advance lab time")
    with pytest.raises(ChecksFailed, match="00: 失敗したチェック: the alarm fired"):
        checks.report()
    printed = capsys.readouterr().out
    assert "00: 1/2 件のチェックに合格" in printed and "ヒント: advance lab time" in printed
    assert SUMMARY.search(printed).groups() == ("1", "2")  # labkit run and the tests read it


def test_checks_report_shows_the_notebooks_descriptions_and_hints_in_japanese(japanese, capsys) -> None:
    checks = Checks("06")
    checks.that(True, "the trail is logging")
    checks.that(False, "four CIS alarms exist", "run Step 3 and exercise 2")
    checks.that(True, "a check of the learner's own")  # not catalogued: shown as written
    with pytest.raises(ChecksFailed, match="06: 失敗したチェック: CIS のアラームが 4 つ存在する"):
        checks.report()
    printed = capsys.readouterr().out
    assert "✔ 証跡がログを記録している" in printed and "ヒント: ステップ 3 と演習 2 を実行します" in printed
    assert "✔ a check of the learner's own" in printed


def test_connect_sets_the_language_of_labkits_messages(capsys) -> None:
    lab = labkit.connect(lang="ja")
    try:
        assert lab.lang == "ja" and i18n.language() == "ja"
        checks = Checks("00")
        checks.that(True, "the lab is open")
        checks.report(lab)
        assert "00: 1/1 件のチェックに合格" in capsys.readouterr().out
    finally:
        lab.close()
        i18n.set_language("en")


def test_a_real_checker_names_the_same_problems_in_both_languages() -> None:
    """Notebook 02's alarm checker, one wrong answer per clause: Japanese and English list the same
    problems, each with the same values (what the learner wrote)."""
    from labkit.course.exercises.nb02 import _alarm_problems

    wrong = {
        "Namespace": "AWS/EC2",
        "MetricName": "NetworkIn",
        "Dimensions": [],
        "Statistic": "Maximum",
        "Period": 600,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Threshold": 90.0,
        "EvaluationPeriods": 4,
        "DatapointsToAlarm": 2,
        "AlarmActions": [],
    }
    english = _alarm_problems(wrong, "i-0123456789abcdef0")
    i18n.set_language("ja")
    try:
        japanese = _alarm_problems(wrong, "i-0123456789abcdef0")
    finally:
        i18n.set_language("en")
    assert len(english) == len(japanese) == 7
    for said_in_english, said_in_japanese in zip(english, japanese):
        assert said_in_english != said_in_japanese
        values = {"NetworkIn", "Maximum", "600", "GreaterThanOrEqualToThreshold", "90.0", "[]", "lab-alerts"}
        assert {v for v in values if v in said_in_english} == {v for v in values if v in said_in_japanese}


def test_no_module_that_translates_rebinds_the_underscore() -> None:
    """``_, ax = plt.subplots()`` in a function that calls ``_()`` breaks it ('Figure' is not callable), and so
    does a parameter named ``_`` (``def hook(event, **_)``) in a function that translates."""
    import ast

    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = parsed(path)
        imports_underscore = any(
            isinstance(node, ast.ImportFrom) and node.module == "labkit.i18n" and any(a.name == "_" for a in node.names)
            for node in tree.body
        )
        if not imports_underscore:
            continue
        for node in ast.walk(tree):
            stored = isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store)
            parameter = isinstance(node, ast.arg) and node.arg == "_"  # `**_: Any` hides it in the function too
            if stored or parameter:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert wrong == [], "these assign to `_`, which is the translation function here: " + ", ".join(wrong)


def test_doctor_speaks_japanese(japanese) -> None:
    """``labkit doctor`` told the language (the Japanese notebook 00's doctor cell runs before it connects):
    every finding is named in Japanese, and the lab speaks Japanese from then on."""
    from labkit.tools.doctor import diagnose

    i18n.set_language("en")
    findings = diagnose(lang="ja")
    assert i18n.language() == "ja"
    assert findings and all(f.ok for f in findings if not f.optional)
    assert [f.what for f in findings if not JAPANESE.search(f.what)] == []
    emulator = next(f for f in findings if f.what == "エミュレーター")
    assert JAPANESE.search(emulator.detail) and "UTC" in emulator.detail


def test_the_extractor_collects_descriptions_and_hints_written_as_literals() -> None:
    """babel.cfg's method for the notebooks' sources: ``checks.that(ok, description, hint)``, positional or named."""
    import io

    from labkit.lesson.checks import extract_check_descriptions

    source = (
        'checks.that(x, "the topic exists")\n'
        'checks.that(y, "four alarms exist", "run Step 3")\n'
        'checks.that(z, description="the trail is logging", hint="start it")\n'
        'checks.that(w, f"computed {x}")\n'
        'other.call(v, "not a check")\n'
    )
    found = [
        (line, message) for line, _f, message, _c in extract_check_descriptions(io.BytesIO(source.encode()), {}, [], {})
    ]
    assert sorted(found) == [
        (1, "the topic exists"),
        (2, "four alarms exist"),
        (2, "run Step 3"),
        (3, "start it"),
        (3, "the trail is logging"),
    ]


def test_the_tables_of_notebooks_00_and_07_speak_japanese(japanese) -> None:
    """The kinds of monitoring (notebook 00) and the recommended alarms (notebook 07): headers and words in
    Japanese; names, statistics and AWS's "AWS" as they are."""
    from labkit.course.curriculum import MONITORING_TYPES, monitoring_types_table
    from labkit.lesson import recommended

    kinds = monitoring_types_table()
    assert all(JAPANESE.search(column) for column in kinds.columns)
    assert all(JAPANESE.search(cell) for cell in kinds["問い"])
    english = [kind.services for kind in MONITORING_TYPES]
    assert all(cell != said for cell, said in zip(kinds["AWS のサービス"], english, strict=True))  # 、 for commas
    alarms = recommended.table()
    assert list(alarms.columns) == ["アラーム", "統計", "期間", "M of N", "条件", "しきい値の出典"]
    assert all(JAPANESE.search(source) or source == "AWS" for source in alarms["しきい値の出典"])


def test_the_run_table_and_the_workshop_board_line_up_in_japanese(japanese) -> None:
    """``labkit run`` and ``labkit status`` in Japanese: a wide character takes two columns in a terminal
    (Unicode's East Asian Width, https://www.unicode.org/reports/tr11/), so the columns still line up."""
    from labkit.tools.notebooks import RunResult, format_table
    from labkit.tools.workshop import Progress, format_status

    table = format_table(
        [
            RunResult("00-setup-and-monitoring-types", 12.5, "4/4"),
            RunResult("02-cpu-alarm", 30.0, "-", error="ChecksFailed"),
        ],
        31.5,
    ).splitlines()
    assert table[0].split() == ["ノートブック", "秒", "チェック", "結果"]
    assert table[3].endswith("失敗: ChecksFailed") and table[-2].split() == ["合計", "42.5"]
    assert table[-1].split() == ["経過時間", "31.5"]
    ends = {
        i18n.width(line[: line.index(cell) + len(cell)])
        for line, cell in [(table[0], "チェック"), (table[2], "4/4"), (table[3], " -")]
    }
    assert len(ends) == 1, table  # the checks column is right-aligned
    board = format_status(
        [
            Progress("carla", {"00-setup-and-monitoring-types": (2, 2)}, "2026-06-01T00:05:00Z"),
            Progress("さくら", {}, "2026-06-01T00:06:00Z"),
        ]
    ).splitlines()
    assert board[0].startswith("参加者") and board[-1] == "参加者 2 人"
    assert (
        len(
            {i18n.width(line[: line.index("2026") if "2026" in line else line.index("最終報告")]) for line in board[:3]}
        )
        == 1
    )


def test_width_counts_wide_characters_twice() -> None:
    assert i18n.width("チェック") == 8 and i18n.width("checks") == 6
    assert i18n.pad("秒", 7, ">") == "     秒" and i18n.pad("合計", 6) == "合計  "


def test_the_filter_pattern_linter_speaks_the_labs_language() -> None:
    """Notebook 05's lint column: a warning reads in Japanese in a Japanese lab and in English by default; the
    pure rule's warning keeps its English text and template, whatever the lab's language."""
    from labkit.aws.filterpattern import lint as pure_lint
    from labkit.lesson.logs import lint

    (english,) = lint("[preauth]")
    assert english == pure_lint("[preauth]")[0] and "space-delimited pattern with one field" in english
    i18n.set_language("ja")
    try:
        (japanese,) = lint("[preauth]")
        (pure,) = pure_lint("[preauth]")
    finally:
        i18n.set_language("en")
    assert japanese.startswith("[preauth] はテキスト [preauth] の検索ではなく") and "'preauth'" in japanese
    assert pure == english and pure.template.startswith("{pattern} is a space-delimited pattern")


def test_the_dashboard_validator_speaks_the_labs_language(japanese) -> None:
    """Notebook 07's dashboard.validate: the same problem, in Japanese, with the same path."""
    from labkit.lesson import dashboard

    body = {"widgets": [{"type": "metric", "properties": {"metrics": [["AWS/EC2", "CPUUtilization"]]}}]}
    assert dashboard.validate(body) == ["widgets[0]: metric ウィジェットには properties.region が必要です"]
    i18n.set_language("en")
    assert dashboard.validate(body) == ["widgets[0]: a metric widget needs properties.region"]


def test_labkits_own_errors_speak_japanese_and_keep_the_values(japanese, tmp_path, capsys) -> None:
    """A call the backend cannot answer, a real-account guard, and a registry file that cannot be read: labkit's
    sentence in Japanese, with the names as they are (what AWS or moto said stays as they said it)."""
    from labkit.exceptions import GuardrailError, MetricMathUnsupported, UnsupportedOperation
    from labkit.runtime.backends import start_aws
    from labkit.runtime.resources import Registry

    error = UnsupportedOperation("cloudwatch", "ListMetricStreams", "moto", "moto answered 404")
    assert str(error) == (
        "cloudwatch.ListMetricStreams は 'moto' バックエンドではサポートされていません "
        "(moto も labkit のエミュレーターも実装していません): moto answered 404"
    )
    assert (
        str(MetricMathUnsupported("ANOMALY_DETECTION_BAND"))
        == "メトリクス数式の ANOMALY_DETECTION_BAND はエミュレートされません"
    )
    with pytest.raises(GuardrailError, match=r"^リージョン eu-west-1 は実アカウントでのラボに許可されていません。"):
        start_aws("eu-west-1")
    path = tmp_path / "registry.json"
    path.write_text("{not json", encoding="utf-8")
    Registry("moto-server:http://127.0.0.1:5000", path)
    err = capsys.readouterr().err
    assert err.startswith(
        f"labkit: レジストリファイル {path} を読み取れませんでした (有効な JSON ではありません: Expecting"
    )
    assert "に移動し、空のレジストリで開始しました" in err and not path.exists()


def test_a_lab_that_waits_in_vain_says_so_in_japanese(capsys) -> None:
    lab = labkit.connect(lang="ja")
    try:
        with pytest.raises(WaitTimeout) as raised:
            lab.wait_until(lambda: False, timeout=2)
        assert str(raised.value) == (
            "ラボの時間で 0:02:00 待ちましたが、次のことは起こりませんでした: 条件が満たされる "
            "(現在のラボの時刻は 2026-06-01 00:02 UTC)"
        )
        with pytest.raises(WaitTimeout) as raised:
            lab.wait_until(lambda: False, timeout=1, description="")  # gettext("") is the catalogue's header
        assert "Project-Id-Version" not in str(raised.value)
        with pytest.raises(
            ConfigurationError, match=r"^ap-northeast-1 に 'cpu-high' という名前のアラームはありません$"
        ):
            lab.wait_for_alarm("cpu-high")
    finally:
        lab.close()
        i18n.set_language("en")


def test_the_translators_build_command_speaks_japanese(japanese, tmp_path) -> None:
    """``labkit build-notebooks --lang ...`` in a Japanese terminal: a translator reads why nothing was built."""
    from labkit.tools import translation

    with pytest.raises(translation.TranslationProblem, match=r"^'fr' の版はありません。版は "):
        translation.build([], tmp_path, "fr")
    source = tmp_path / "notebooks" / "src" / "09-lone.py"
    with pytest.raises(translation.TranslationProblem, match=r"^09-lone には ja のカタログがありません "):
        translation.build([source], tmp_path, "ja")


def test_wrap_breaks_japanese_between_characters_by_columns() -> None:
    """Japanese has no spaces between words: a line breaks between two characters, by terminal columns, never
    before 、 or 。 (JIS X 4051's line-start prohibition); English still breaks at spaces only."""
    assert i18n.wrap("ラボが作成したものを削除する", 10) == ["ラボが作成", "したものを", "削除する"]
    assert i18n.wrap("ラボの時間、ラボの時計。", 10) == ["ラボの時間、", "ラボの時計。"]
    assert i18n.wrap("labkit:lab タグが付いた", 14) == ["labkit:lab タ", "グが付いた"]
    assert i18n.wrap("list what would be deleted", 12) == ["list what", "would be", "deleted"]
    assert i18n.wrap("ap-northeast-1-is-long", 5) == ["ap-northeast-1-is-long"]
    assert all(
        i18n.width(line) <= 20 for line in i18n.wrap("どのレジストリにも記録されていないリソースもすべて対象にする", 20)
    )


def test_what_the_emulator_does_not_emulate_is_named_in_japanese() -> None:
    """A call the offline lab refuses: the whole sentence in Japanese (labkit's framing and the emulator's reason),
    with the operation and the construct named as the learner wrote them."""
    import datetime as dt

    from labkit.exceptions import UnsupportedOperation
    from labkit.runtime.clock import DEFAULT_START

    lab = labkit.connect(lang="ja")
    try:
        autoscaling = lab.client("autoscaling")
        with pytest.raises(UnsupportedOperation) as refused:
            autoscaling.put_lifecycle_hook(
                AutoScalingGroupName="g",
                LifecycleHookName="h",
                LifecycleTransition="autoscaling:EC2_INSTANCE_LAUNCHING",
            )
        assert str(refused.value) == (
            "autoscaling.PutLifecycleHook は 'moto' バックエンドではサポートされていません (moto も labkit の"
            "エミュレーターも実装していません): ライフサイクルフックは AWS では有効ですが、オフラインではエミュレートされません"
        )
        window = {"StartTime": DEFAULT_START - dt.timedelta(days=1), "EndTime": DEFAULT_START}
        with pytest.raises(UnsupportedOperation) as refused:
            lab.client("cloudwatch").get_metric_data(
                MetricDataQueries=[{"Id": "e", "Expression": "SEARCH('CPU', 'Average', 60)"}], **window
            )
        assert str(refused.value).endswith(": メトリクス数式の 関数 SEARCH はエミュレートされません (AWS では有効です)")
    finally:
        lab.close()
        i18n.set_language("en")


def test_the_lesson_helpers_refuse_in_japanese(japanese) -> None:
    """What a learner gets wrong in a helper's arguments: the sentence in Japanese, the value as they wrote it."""
    from labkit.exceptions import InvalidParameter
    from labkit.lesson import ec2

    lab = labkit.connect(lang="ja")
    try:
        with pytest.raises(
            InvalidParameter, match=r"^不明なワークロードのパターン 'weekly' です。.* のいずれかを選択してください$"
        ):
            ec2.launch(lab, pattern="weekly")
    finally:
        lab.close()


def _refusals(lab: Any) -> list[tuple[Any, tuple[str, ...], str]]:
    """A sample of the emulator's refusals, at least one per module that refuses: (the call, what both languages
    must name, a fragment of the English reason the Japanese must not show)."""
    cloudwatch, logs, sns = lab.client("cloudwatch"), lab.client("logs"), lab.client("sns")
    lambda_arn = f"arn:aws:lambda:{lab.region}:{lab.account_id}:function:page"
    group = "/labkit/messages-ja"
    log_alarm = {
        "AlarmName": "ssh-failures",
        "ScheduledQueryConfiguration": {
            "QueryString": "filter @message like /preauth/",
            "LogGroupIdentifiers": [group],
            "ScheduledQueryRoleARN": f"arn:aws:iam::{lab.account_id}:role/scheduled-query",
            "ScheduleConfiguration": {"ScheduleExpression": "rate(1 minute)", "StartTimeOffset": 60},
            "AggregationExpression": "count(*)",
        },
        "QueryResultsToEvaluate": 1,
        "QueryResultsToAlarm": 1,
        "Threshold": 3.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "AlarmActions": [lambda_arn],
    }
    now = int(lab.clock.now().timestamp())
    cpu = {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization", "Dimensions": []}
    return [
        (  # coverage.py's refused-parameters table
            lambda: cloudwatch.list_metrics(IncludeLinkedAccounts=True),
            ("cloudwatch.ListMetrics", "IncludeLinkedAccounts"),
            "cross-account observability is not emulated",
        ),
        (
            lambda: sns.create_topic(Name="t", DataProtectionPolicy='{"Name": "p"}'),
            ("sns.CreateTopic", "DataProtectionPolicy"),
            "message data protection (masking)",
        ),
        (
            lambda: logs.put_query_definition(
                name="q", queryString="fields @message", clientToken="00000000-0000-4000-8000-000000000001"
            ),
            ("logs.PutQueryDefinition", "clientToken"),
            "idempotency tokens",
        ),
        (  # cloudwatch_refused.py
            lambda: cloudwatch.list_managed_insight_rules(ResourceARN=lambda_arn),
            ("cloudwatch.ListManagedInsightRules", "Contributor Insights", "PutInsightRule"),
            "own data",
        ),
        (
            lambda: logs.list_scheduled_queries(),
            ("logs.ListScheduledQueries", "CloudWatch Logs", "Amazon S3"),
            "scheduled queries (and their delivery",
        ),
        (  # logs_insights.py
            lambda: logs.start_query(
                logGroupName=group, startTime=now - 60, endTime=now, queryString="fields @message", queryLanguage="SQL"
            ),
            ("logs.StartQuery", "queryLanguage SQL", "CWLI"),
            "is valid on AWS but only",
        ),
        (
            lambda: logs.get_log_record(logRecordPointer="0", unmask=True),
            ("logs.GetLogRecord", "unmask"),
            "(data protection) is not emulated",
        ),
        (  # cloudwatch_anomaly.py
            lambda: cloudwatch.put_anomaly_detector(
                SingleMetricAnomalyDetector={**cpu, "Stat": "Average"}, MetricCharacteristics={"PeriodicSpikes": True}
            ),
            ("cloudwatch.PutAnomalyDetector", "MetricCharacteristics", "PeriodicSpikes true", "labkit"),
            "band model",
        ),
        (
            lambda: cloudwatch.put_anomaly_detector(
                SingleMetricAnomalyDetector={**cpu, "Stat": "Average"},
                Configuration={"ExcludedTimeRanges": [], "AdaptationSpeed": "FAST"},
            ),
            ("cloudwatch.PutAnomalyDetector", "AdaptationSpeed", "'FAST'", "NORMAL"),
            "only its default",
        ),
        (  # cloudwatch_composite.py
            lambda: cloudwatch.put_composite_alarm(
                AlarmName="both", AlarmRule="ALARM(cpu-high)", AlarmActions=[lambda_arn]
            ),
            ("cloudwatch.PutCompositeAlarm", lambda_arn, "SNS"),
            "only SNS topic actions of composite alarms",
        ),
        (  # cloudwatch_log_alarms.py
            lambda: cloudwatch.put_log_alarm(**log_alarm),
            ("cloudwatch.PutLogAlarm", lambda_arn, "SNS"),
            "only SNS topic actions of log alarms",
        ),
        (  # cloudwatch_mute_rules.py, naming what labkit.aws.muterules refuses
            lambda: cloudwatch.put_alarm_mute_rule(
                Name="all", Rule={"Schedule": {"Expression": "cron(0 2 * * *)", "Duration": "PT1H"}}
            ),
            ("cloudwatch.PutAlarmMuteRule", "MuteTargets"),
            "which alarms it mutes is not documented",
        ),
        (
            lambda: cloudwatch.put_alarm_mute_rule(
                Name="mondays",
                Rule={"Schedule": {"Expression": "cron(0 2 * * 1)", "Duration": "PT1H"}},
                MuteTargets={"AlarmNames": ["cpu-high"]},
            ),
            ("cloudwatch.PutAlarmMuteRule", "'1'", "SUN-SAT"),
            "whether 0 or 1 is Sunday",
        ),
        (  # cloudwatch_log_alarms.py, naming what labkit.aws.logalarms refuses
            lambda: cloudwatch.put_log_alarm(
                **{
                    **log_alarm,
                    "AlarmActions": [],
                    "ScheduledQueryConfiguration": {
                        **log_alarm["ScheduledQueryConfiguration"],
                        "AggregationExpression": "count(*) by @logStream",
                    },
                }
            ),
            ("cloudwatch.PutLogAlarm", "'count(*) by @logStream'"),
            "with a by clause",
        ),
        (  # cloudwatch_metrics.py, naming what labkit.aws.metricmath refuses
            lambda: cloudwatch.get_metric_data(
                MetricDataQueries=[
                    {"Id": "s", "Expression": "SEARCH('{AWS/EC2} MetricName=\"CPUUtilization\"', 'Average', 300)"}
                ],
                StartTime=now - 3600,
                EndTime=now,
            ),
            ("cloudwatch.GetMetricData", "SEARCH"),
            "function SEARCH is not emulated",
        ),
        (  # cloudwatch_metrics.py, naming what labkit.aws.metricsinsights refuses
            lambda: cloudwatch.get_metric_data(
                MetricDataQueries=[
                    {
                        "Id": "q",
                        "Expression": "SELECT AVG(CPUUtilization) FROM \"AWS/EC2\" WHERE NOT InstanceId = 'i-1'",
                        "Period": 300,
                    }
                ],
                StartTime=now - 3600,
                EndTime=now,
            ),
            ("cloudwatch.GetMetricData", "NOT", "WHERE", "!="),
            "the operator NOT in WHERE",
        ),
        (  # logs_insights.py, naming what labkit.aws.insights refuses
            lambda: logs.start_query(
                logGroupName=group, startTime=now - 3600, endTime=now, queryString="fields @message | pattern @message"
            ),
            ("logs.StartQuery", "pattern"),
            "command pattern is not emulated",
        ),
    ]


def _refused_in(lang: str) -> list[tuple[tuple[str, ...], str, str]]:
    lab = labkit.connect(lang=lang)
    said = []
    try:
        for call, names, english in _refusals(lab):
            with pytest.raises(UnsupportedOperation) as refused:
                call()
            said.append((names, english, str(refused.value)))
    finally:
        lab.close()
        i18n.set_language("en")
    return said


def test_the_emulators_refusals_name_the_same_operation_and_parameter_in_both_languages() -> None:
    """One refusal of each emulator module that refuses (the refused-parameters table, the operations refused by
    name, Logs Insights, anomaly detectors, composite and log alarms, mute rules, and what the metric-math, Metrics
    Insights and Logs Insights engines do not run), driven through a lab client:
    in Japanese the whole of labkit's sentence is Japanese, in English it is as before, and both name the same
    operation, parameter and values as the learner wrote them."""
    english, japanese = _refused_in("en"), _refused_in("ja")
    assert len(english) == len(japanese) == 17
    for (names, fragment, in_english), (_names, _fragment, in_japanese) in zip(english, japanese, strict=True):
        assert fragment in in_english and not JAPANESE.search(in_english), in_english
        assert fragment not in in_japanese and JAPANESE.search(in_japanese.split(": ", 1)[1]), in_japanese
        for name in names:
            assert name in in_english and name in in_japanese, (name, in_english, in_japanese)


def test_the_log_generators_refuse_their_arguments_in_japanese(japanese) -> None:
    """labkit.lesson.logs' generators: a wrong argument is named in Japanese, with the value as written."""
    import datetime as dt

    from labkit.exceptions import InvalidParameter
    from labkit.lesson.logs import SecureLogGenerator

    with pytest.raises(InvalidParameter, match=r"^flavor には 'al2' または 'al2023' を指定してください \('al3' は"):
        SecureLogGenerator(flavor="al3")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameter, match=r"^203\.0\.112\.9 はドキュメント用アドレスの範囲 \(192\.0\.2\.0/24、"):
        SecureLogGenerator(admin_ip="203.0.112.9")
    log = SecureLogGenerator()
    start = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    with pytest.raises(InvalidParameter, match=r"^start にはタイムゾーン付きの日時を指定してください"):
        log.normal(start.replace(tzinfo=None), 10)
    with pytest.raises(InvalidParameter, match=r"^minutes には正の値を指定してください$"):
        log.normal(start, 0)
    with pytest.raises(InvalidParameter, match=r"^logins_per_hour に負の値は指定できません$"):
        log.normal(start, 10, logins_per_hour=-1)
    with pytest.raises(InvalidParameter, match=r"^attempts_per_minute には正の値を指定してください$"):
        log.attack(start, 10, attempts_per_minute=0)
    i18n.set_language("en")
    with pytest.raises(InvalidParameter, match=r"^flavor must be 'al2' or 'al2023', not 'al3'$"):
        SecureLogGenerator(flavor="al3")  # type: ignore[arg-type]


def test_the_pure_rules_name_what_they_refuse_in_english_and_in_the_labs_language(japanese) -> None:
    """labkit.aws.muterules and labkit.aws.logalarms do not import labkit.i18n: their refusal keeps the construct in
    English (``construct``) and says it in the lab's language (``described``, the message), with the same value."""
    from labkit.aws import logalarms, muterules
    from labkit.exceptions import LogAlarmUnsupported, MuteRuleUnsupported

    with pytest.raises(MuteRuleUnsupported) as refused:
        muterules.parse_duration("P1M")
    assert refused.value.construct == "the Duration 'P1M' (years, months or fractions: use days, hours and minutes)"
    assert (
        str(refused.value)
        == "Duration 'P1M' (年、月、小数を含むもの。日、時間、分を使用してください) はエミュレートされません"
    )
    with pytest.raises(LogAlarmUnsupported) as refused:
        logalarms.compile_query("fields @message", "count(*), max(bytes)")
    assert refused.value.construct.startswith("the aggregation 'count(*), max(bytes)' gives several values")
    assert str(refused.value).startswith("実行ごとに複数の値を返す集計 'count(*), max(bytes)' (どの値が")


def test_the_pure_engines_name_what_they_do_not_run_in_english_and_in_the_labs_language(japanese) -> None:
    """labkit.aws.metricmath, labkit.aws.metricsinsights and labkit.aws.insights do not import labkit.i18n: what they
    do not run keeps its English name (``construct``, English unchanged) and is said in the lab's language."""
    from labkit.aws import insights, metricmath, metricsinsights
    from labkit.exceptions import LogsInsightsUnsupported, MetricMathUnsupported, MetricsInsightsUnsupported

    with pytest.raises(MetricMathUnsupported) as math_refused:
        metricmath.compile("SEARCH('{AWS/EC2} CPUUtilization', 'Average', 300)")
    assert math_refused.value.construct == "function SEARCH"
    assert str(math_refused.value) == "メトリクス数式の 関数 SEARCH はエミュレートされません"
    with pytest.raises(MetricsInsightsUnsupported) as select_refused:
        metricsinsights.compile("SELECT AVG(CPUUtilization) FROM \"AWS/EC2\" WHERE tag.Team = 'a'")
    assert select_refused.value.construct == "resource tags (tag.Team) in a query"
    assert str(select_refused.value) == "Metrics Insights の クエリ内のリソースタグ (tag.Team) はエミュレートされません"
    with pytest.raises(LogsInsightsUnsupported) as logs_refused:
        insights.compile("fields @message | unnest @message")
    assert logs_refused.value.construct == "command unnest"
    assert str(logs_refused.value).endswith(": Logs Insights の コマンド unnest はエミュレートされません")
    i18n.set_language("en")
    with pytest.raises(LogsInsightsUnsupported, match=r": Logs Insights command unnest is not emulated$"):
        insights.compile("fields @message | unnest @message")
