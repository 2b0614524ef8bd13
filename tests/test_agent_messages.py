"""Notebook 04's agent configuration checks in both languages (issue 18).

The pure rules (:mod:`labkit.aws.agent`) find :class:`~labkit.aws.agent.problems.Problem` s: English text
plus the template and values it was made from. :mod:`labkit.lesson.agent` says them in the lab's language.
Every template the rules mark is produced below by a configuration that breaks one rule, and each finding
must read in Japanese in a Japanese lab and in English by default, naming the same problem: the same
``[section] option`` or JSON path, and every value the English shows.

Rules: CloudWatch Logs agent reference, https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AgentReference.html;
unified agent, https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-Configuration-File-Details.html.
"""

from __future__ import annotations

import ast
import configparser
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from agent_samples import ARTICLE_AWSLOGS_CONF_UNCOMMENTED

from labkit import i18n
from labkit.aws import agent as pure
from labkit.aws.agent import awslogs, problems, unified
from labkit.aws.agent.problems import Problem
from labkit.aws.agent.unified_rules import RULES
from labkit.exceptions import InvalidAgentConfig, UncheckedAgentConfig
from labkit.lesson import agent

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ARTICLE = ARTICLE_AWSLOGS_CONF_UNCOMMENTED
CONFIG = pure.unified_config([pure.LogSource("/var/log/secure", "ssh_logs")], "ap-northeast-1")


@pytest.fixture
def japanese():
    i18n.set_language("ja")
    yield
    i18n.set_language("en")


def _marked_templates() -> set[str]:
    """Every ``N_("...")`` of the agent's rules: the templates the catalogue must translate."""
    found = set()
    for module in (awslogs, unified, problems):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "N_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    return found


def _entry(**edit: object) -> dict[str, Any]:
    config = json.loads(json.dumps(CONFIG))
    config["logs"]["logs_collected"]["files"]["collect_list"][0].update(edit)
    return config


def _refused(call: Any, *args: Any) -> InvalidAgentConfig:
    with pytest.raises(InvalidAgentConfig) as caught:
        call(*args)
    return caught.value


def _schema_error(validator: str, value: object, instance: object) -> jsonschema.ValidationError:
    """A jsonschema error of a kind RULES does not use (jsonschema's own, from a one-keyword schema)."""
    return next(jsonschema.Draft7Validator({validator: value}).iter_errors(instance))


def _findings() -> list[Problem]:
    """One configuration (or call) per rule; every problem the rules report for them."""
    found: list[Problem] = []
    sections = [
        ARTICLE.replace("%b %d", "%b %e"),  # unsupported directive
        ARTICLE.replace("%H:%M:%S", "%H:%M:%"),  # a lone %
        ARTICLE.replace("log_group_name", "log_group"),  # unknown option, missing option
        ARTICLE.replace("= ssh_logs", "= ssh logs"),  # log group name characters
        ARTICLE.replace("{instance_id}/var", "{instance}:/var"),  # unknown variable, ':'
        ARTICLE.replace("{instance_id}/var/log/secure", "s" * 513),  # too long a stream name
        ARTICLE.replace("[general]\n", "[general]\nuse_gzip_http_content_encoding = yes\nregion = x\n"),
        ARTICLE.split("[/var/log/secure]")[0],  # no stream section
        ARTICLE
        + "time_zone = JST\ninitial_position = middle\nencoding = utf_9\nfile_fingerprint_lines = first\n"
        + "multi_line_start_pattern = (unclosed\nbuffer_duration = 1000\nbatch_count = 10001\nbatch_size = big\n",
        ARTICLE.replace("datetime_format = %b %d %H:%M:%S", "file_fingerprint_lines = 5-2")
        + "multi_line_start_pattern = {datetime_format}\n",
        ARTICLE + "\n[/var/log/secure]\nfile = /x\n",  # duplicate section
        ARTICLE + "file = /again\n",  # duplicate option
        "file = /var/log/secure\n" + ARTICLE,  # before any section
        ARTICLE + "just words\n",  # not option = value
    ]
    for text in sections:
        found += _refused(pure.validate_awslogs_conf, text).problems
    found += _refused(
        pure.validate_source, pure.LogSource("/var/log/secure", "ssh_logs", batch_count=0, batch_size=2**21)
    ).problems
    broken = [
        _entry(log_group="ssh_logs", colour="red"),  # additional properties
        _entry(log_group="ssh_logs"),  # one additional property
        _entry(file_path=3),  # type
        _entry(timezone="Asia/Tokyo"),  # enum
        _entry(log_group_name=""),  # minLength
        _entry(log_group_name="g" * 513),  # maxLength
        _entry(timestamp_format="%b %d %H:%M:%S.%f", log_stream_name="{instance}"),  # directive, variable
    ]
    no_format = _entry(multi_line_start_pattern="{timestamp_format}")
    del no_format["logs"]["logs_collected"]["files"]["collect_list"][0]["timestamp_format"]
    broken.append(no_format)
    missing_path = _entry()
    del missing_path["logs"]["logs_collected"]["files"]["collect_list"][0]["file_path"]
    broken.append(missing_path)  # required
    broken.append({"agent": {"metrics_collection_interval": 0}, "logs": {}})  # minimum, anyOf of required
    broken.append({"agent": {"metrics_collection_interval": 172801}})  # maximum
    broken.append({"metrics": {"metrics_collected": {}}})  # minProperties
    broken.append({"metrics": {"metrics_collected": {"mem": {"measurement": ["a", "a"]}}}})  # uniqueItems
    broken.append({"metrics": {"metrics_collected": {"cpu": {"measurement": [1], "resources": ["*", "*"]}}}})
    broken.append({"metrics": {"metrics_collected": {"mem": {"measurement": []}}, "append_dimensions": {"x": 1}}})
    broken.append({"metrics": {"metrics_collected": {"mem": {"append_dimensions": {str(n): "v" for n in range(31)}}}}})
    broken.append({"metrics": {"append_dimensions": {"InstanceId": "i-1"}, "metrics_collected": {"swap": {}}}})
    broken.append({"logs": {"logs_collected": {"files": {"collect_list": []}}}})  # minItems
    for config in broken:
        found += _refused(pure.validate_unified, config).problems
    with pytest.raises(UncheckedAgentConfig) as unchecked:
        pure.validate_unified({**CONFIG, "traces": {}})
    assert isinstance(unchecked.value.summary, Problem)
    found.append(unchecked.value.summary)
    conversion = pure.convert_awslogs_conf(
        ARTICLE.replace("%b %d %H:%M:%S", "%b %d %j")
        + "initial_position = end_of_file\nfile_fingerprint_lines = 1\nbuffer_duration = 10000\n"
        + "batch_count = 500\nbatch_size = 1000\nmulti_line_start_pattern = {datetime_format}\n"
        + "\n[/var/log/other]\nfile = /var/log/other\nlog_group_name = g\nlog_stream_name = s\n"
        + "encoding = utf_32\nmulti_line_start_pattern = (?=x)a\n"
    )
    found += [note for note in conversion.notes if isinstance(note, Problem)]
    cannot = _refused(pure.unified_config, [pure.LogSource("/a", "g", datetime_format="%j")])
    found += cannot.problems
    found += [cannot.summary, awslogs.AWSLOGS_SUMMARY, unified.UNIFIED_SUMMARY]  # type: ignore[list-item]
    found += [
        awslogs._unreadable(configparser.Error("bad")),  # configparser's other errors, its own words inside
        *unified.schema_problems(_schema_error("multipleOf", 2, 3)),  # a keyword RULES does not use
        *unified.schema_problems(_schema_error("anyOf", [{"type": "string"}, {"type": "integer"}], 1.5)),
        *unified.schema_problems(_schema_error("anyOf", [{"required": [k]} for k in "abc"], {})),
        *unified.schema_problems(_schema_error("maxItems", 1, [1, 2])),
    ]
    return found


FINDINGS = _findings()


def _templates(problem: Problem) -> set[str]:
    return {problem.template} | {t for v in problem.fields.values() if isinstance(v, Problem) for t in _templates(v)}


def _values(problem: Problem) -> set[str]:
    """What the message shows that no translation may change: the values of the fields that are not words."""
    return {v for v in problem.fields.values() if not isinstance(v, Problem)} | {
        value for v in problem.fields.values() if isinstance(v, Problem) for value in _values(v)
    }


def test_every_template_of_the_rules_is_produced_by_some_configuration() -> None:
    produced = {template for problem in FINDINGS for template in _templates(problem)}
    assert _marked_templates() - produced == set()


def test_each_finding_reads_in_japanese_and_english_naming_the_same_problem() -> None:
    english = [agent.say(problem) for problem in FINDINGS]
    i18n.set_language("ja")
    try:
        japanese = [agent.say(problem) for problem in FINDINGS]
    finally:
        i18n.set_language("en")
    for problem, en, ja in zip(FINDINGS, english, japanese):
        assert en == str(problem), "in English the lesson layer says what the rules say"
        assert en != ja and JAPANESE.search(ja), en
        assert ja.startswith(f"{problem.where}: " if problem.where else ""), (en, ja)
        assert en.startswith(f"{problem.where}: " if problem.where else ""), (en, ja)
        assert all(value in en and value in ja for value in _values(problem)), (en, ja)
        assert not problem.see or ja.endswith(f"({problem.see})")


def test_rules_use_only_the_schema_keywords_the_kit_says_in_its_words() -> None:
    """A new keyword in RULES would otherwise be reported by the generic 'breaks the rule' message."""
    used: set[str] = set()

    def walk(schema: object) -> None:
        if isinstance(schema, dict):
            for key, value in schema.items():
                if key in ("properties",):
                    for sub in value.values():
                        walk(sub)
                    continue
                if key not in ("$schema",):
                    used.add(key)
                walk(value)
        elif isinstance(schema, list):
            for item in schema:
                walk(item)

    walk(RULES)
    assert used - {"items", "type"} - unified.SCHEMA_KEYWORDS == set()


def test_the_required_key_reads_as_aws_japanese_docs_write_it(japanese) -> None:
    config = _entry()
    del config["logs"]["logs_collected"]["files"]["collect_list"][0]["file_path"]
    with pytest.raises(InvalidAgentConfig) as caught:
        agent.validate_unified(config)
    message = str(caught.value)
    assert message.startswith(
        "統合 CloudWatch エージェントの設定として有効ではありません (https://docs.aws.amazon.com/"
    )
    assert "\n  $.logs.logs_collected.files.collect_list[0]: 必須のキー 'file_path' がありません" in message
    i18n.set_language("en")
    with pytest.raises(InvalidAgentConfig, match=r"collect_list\[0\]: 'file_path' is a required property"):
        agent.validate_unified(config)


def test_the_lesson_validators_speak_the_labs_language_and_keep_what_the_rules_found(japanese) -> None:
    text = ARTICLE + "buffer_duration = 1000\n"
    error = _refused(agent.validate_awslogs_conf, text)
    assert (
        str(error).splitlines()[1] == "  [/var/log/secure] buffer_duration: 1000 は最小値の 5000 ミリ秒を下回っています"
    )
    assert error.problems == _refused(pure.validate_awslogs_conf, text).problems  # the English findings, kept
    error = _refused(agent.validate_source, pure.LogSource("/var/log/secure", "ssh_logs", batch_size=2_000_000))
    assert str(error) == "[/var/log/secure] batch_size: 2000000 は最大値の 1048576 バイトを超えています"
    with pytest.raises(UncheckedAgentConfig, match=r"^labkit が確認するのは.*次の部分は確認していません: \$\.traces。"):
        agent.validate_unified({**CONFIG, "traces": {}})
    assert agent.unified_problems(_entry(timezone="JST")) == [
        "$.logs.logs_collected.files.collect_list[0].timezone: 'JST' は有効な値ではありません "
        "(有効な値: ['Local', 'LOCAL', 'UTC'])"
    ]
    notes = agent.convert_awslogs_conf(ARTICLE).notes
    assert notes == [
        "[general] state_file: 引き継がれません。統合エージェントは独自の状態ファイルとログファイルを使用します"
    ]
    with pytest.raises(
        InvalidAgentConfig, match=r"^統合 CloudWatch エージェントでは次のことができません:\n  \[/a\] datetime_format"
    ):
        agent.unified_config([pure.LogSource("/a", "g", datetime_format="%j")])
    with pytest.raises(
        InvalidAgentConfig, match=r"^awslogs.conf を読み取れません: セクション '/var/log/secure' が既にあります"
    ):
        agent.parse_awslogs_conf(ARTICLE + "\n[/var/log/secure]\nfile = /x\n")
    assert set(pure.__all__) <= set(agent.__all__), "the lesson layer offers every rule"
    assert agent.validate_awslogs_conf(ARTICLE) == pure.validate_awslogs_conf(ARTICLE)
    agent.validate_unified(CONFIG)


def test_in_english_the_lesson_validators_say_exactly_what_the_rules_say() -> None:
    """The English notebook shows the same text whether it imports the rules or the lesson layer."""
    for text in (ARTICLE.replace("%b %d", "%b %e"), ARTICLE + "\n[/var/log/secure]\nfile = /x\n"):
        assert str(_refused(agent.validate_awslogs_conf, text)) == str(_refused(pure.validate_awslogs_conf, text))
    config = _entry(log_group="x", timezone="Asia/Tokyo")
    assert str(_refused(agent.validate_unified, config)) == str(_refused(pure.validate_unified, config))
    assert agent.convert_awslogs_conf(ARTICLE).notes == pure.convert_awslogs_conf(ARTICLE).notes


def test_the_simulated_agent_refuses_a_bad_entry_in_the_labs_language(japanese) -> None:
    from labkit.lesson.logs import SimulatedAgent

    with pytest.raises(
        InvalidAgentConfig, match=r"^collect_list のエントリ: timestamp_format: %e はサポートされていない"
    ):
        SimulatedAgent(None, {"file_path": "/var/log/secure", "timestamp_format": "%b %e"})


def test_a_finding_survives_pickle_and_deepcopy_with_its_template() -> None:
    """A Conversion (its notes) can be copied, and an error's findings pickled, without losing what translates them."""
    import copy
    import pickle

    for problem in FINDINGS:
        for copied in (pickle.loads(pickle.dumps(problem)), copy.deepcopy(problem)):
            assert (copied, copied.where, copied.template, copied.fields, copied.see) == (
                problem,
                problem.where,
                problem.template,
                problem.fields,
                problem.see,
            )


def test_the_option_table_speaks_the_labs_language_and_keeps_names_and_values(japanese) -> None:
    """Notebook 04's table of the agent reference: headers, meanings, word defaults and notes in Japanese;
    option names, sections, field names and values as they are; in English, the rules' own table."""
    from labkit.aws.agent.reference import options_table as pure_table

    table = agent.options_table()
    assert list(table.columns) == ["オプション", "セクション", "意味", "デフォルト", "統合エージェント"]
    english = pure_table()
    assert list(table["オプション"]) == list(english["option"]) and list(table["セクション"]) == list(
        english["section"]
    )
    assert all(JAPANESE.search(meaning) for meaning in table["意味"])
    for ja, en in zip(table["統合エージェント"], english["unified agent"]):
        assert ja.split(" (")[0] == en.split(" (")[0]  # the unified agent's field, untranslated
        assert ("(" in ja) == ("(" in en) and (ja == en or JAPANESE.search(ja))
    assert (
        list(table["デフォルト"])[3:]
        == ["(必須)", "(必須)", "(必須)", "(なし: 行を読み取った時刻)"] + list(english["default"])[7:]
    )
    i18n.set_language("en")
    assert agent.options_table().equals(english)


def test_the_amazon_linux_2_deprecation_warning_speaks_the_labs_language(japanese) -> None:
    import warnings

    source = [pure.LogSource("/var/log/secure", "ssh_logs")]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        script = agent.al2_awslogs_script(source, "ap-northeast-1")
    [warning] = caught
    assert warning.category is DeprecationWarning and warning.filename == __file__
    assert str(warning.message).startswith("Amazon Linux 2 上の awslogs は非推奨です。")
    assert "2026-06-30" in str(warning.message) and "al2023_script()" in str(warning.message)
    i18n.set_language("en")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert _commands(pure.al2_awslogs_script(source, "ap-northeast-1")) == _commands(script)
        agent.al2_awslogs_script(source, "ap-northeast-1")
    assert len(caught) == 2 and str(caught[0].message) == str(caught[1].message)
    assert str(caught[0].message).startswith("awslogs on Amazon Linux 2 is deprecated")


def _split(script: str) -> tuple[list[str], list[str]]:
    """The script's commands (every line that is not a comment, here-documents' lines included) and its comments
    (each a run of ``# `` lines outside here-documents, joined)."""
    commands: list[str] = []
    comments: list[list[str]] = []
    inside = previous_was_comment = False
    for line in script.split("\n"):
        comment = not inside and line.startswith("# ")
        if comment and previous_was_comment:
            comments[-1].append(line)
        elif comment:
            comments.append([line])
        else:
            commands.append(line)
            inside = line != "LABKIT_EOF" if inside else line.endswith("<<'LABKIT_EOF'")
        previous_was_comment = comment
    return commands, ["\n".join(lines) for lines in comments]


def _commands(script: str) -> list[str]:
    return _split(script)[0]


def _comments(script: str) -> list[str]:
    return _split(script)[1]


URL = re.compile(r"https://[^\s)]+")


def test_the_install_scripts_comments_speak_the_labs_language_and_nothing_else_changes() -> None:
    """Notebook 04 prints both scripts: in a Japanese lab their comments are Japanese, with the same documentation
    links; every command and every line of the files they write is the same in both languages."""
    import shutil
    import subprocess
    import warnings

    sources = [pure.LogSource("/var/log/secure", "ssh_logs")]
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # the AL2 warning: pytest restores the filters
    calls = [
        (pure.al2023_script, agent.al2023_script, (sources, "ap-northeast-1")),
        (pure.al2_awslogs_script, agent.al2_awslogs_script, (sources, "ap-northeast-1")),
    ]
    for rule, lesson, args in calls:
        english = rule(*args)
        assert lesson(*args) == english  # an English lab prints what the rules write
        i18n.set_language("ja")
        try:
            japanese = lesson(*args)
        finally:
            i18n.set_language("en")
        assert _commands(japanese) == _commands(english)
        assert len(_comments(japanese)) == len(_comments(english)) >= 1
        for en, ja in zip(_comments(english), _comments(japanese)):
            assert not JAPANESE.search(en) and JAPANESE.search(ja), ja
            assert URL.findall(ja) == URL.findall(en) != []
        if shutil.which("bash"):
            subprocess.run(["bash", "-n"], input=japanese, text=True, check=True)


def test_a_source_the_unified_agent_cannot_take_is_refused_in_the_labs_language(japanese) -> None:
    error = _refused(agent.al2023_script, [pure.LogSource("/a", "g", datetime_format="%j")], "ap-northeast-1")
    assert JAPANESE.search(str(error)) and "%j" in str(error)
