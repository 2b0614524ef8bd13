"""The ``labkit`` command."""

from __future__ import annotations

import argparse
import gettext
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from labkit import i18n
from labkit.tools.cli import main, parser


def test_doctor_prints_ok_lines_and_succeeds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert all(line.startswith(("OK  ", "FAIL", "OPT ")) for line in lines)
    assert any("round trip" in line and line.startswith("OK") for line in lines)
    assert any(line.startswith("OK    dataset data/cpu-week-batch.csv: ") for line in lines)


def test_doctor_lists_the_reference_files_as_optional(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "cloudwatch-agent-schema.json").write_text("{}", encoding="utf-8")
    monkeypatch.setenv("LABKIT_SHARED_DIR", str(tmp_path))
    assert main(["doctor"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "optional reference" in line]
    assert len(lines) == 2 and all(line.startswith("OPT ") for line in lines)
    schema, article = lines
    assert f"{tmp_path / 'reference' / 'cloudwatch-agent-schema.json'}: present" in schema
    assert f"{tmp_path / 'seed' / 'article-ja.txt'}: absent" in article and "CI=true requires it" in article


def test_doctor_fails_loudly_on_a_bad_backend(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LABKIT_BACKEND", "azure")
    assert main(["doctor"]) == 1
    assert "FAIL  backend: unknown backend 'azure'" in capsys.readouterr().out


def test_inventory_and_teardown_on_in_process_moto(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inventory"]) == 0
    assert "0 resources recorded" in capsys.readouterr().out
    assert main(["teardown", "--dry-run"]) == 0
    assert "nothing to tear down" in capsys.readouterr().out


def test_python_dash_m_labkit_shows_the_commands() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "labkit", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("doctor", "run", "teardown", "inventory"):
        assert command in shown


def test_agent_config_prints_the_articles_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agent-config", "--file", "/var/log/secure", "--log-group", "ssh_logs"]) == 0
    out = capsys.readouterr().out
    assert "# /etc/awslogs/awscli.conf" in out and "region = ap-northeast-1" in out
    assert "[/var/log/secure]\nfile = /var/log/secure\nlog_group_name = ssh_logs" in out


def test_agent_config_says_what_is_wrong_in_the_labs_language(capsys: pytest.CaptureFixture[str]) -> None:
    """``LABKIT_LANG=ja labkit agent-config`` (issue 18): the problem in Japanese, with the same section and option."""
    from labkit import i18n

    arguments = ["agent-config", "--file", "/var/log/secure", "--log-group", "ssh logs"]
    assert main(arguments) == 1
    english = capsys.readouterr().err
    assert english.startswith("labkit: [/var/log/secure] log_group_name: 'ssh logs' must be 1-512 characters")
    i18n.set_language("ja")
    try:
        assert main(arguments) == 1
    finally:
        i18n.set_language("en")
    japanese = capsys.readouterr().err
    assert japanese.startswith("labkit: [/var/log/secure] log_group_name: 'ssh logs' は a-z、A-Z、0-9")


def test_agent_config_unified_is_pipeable_json(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["agent-config", "--file", "/var/log/secure", "--log-group", "ssh_logs", "--format", "unified"]) == 0
    config = json.loads(capsys.readouterr().out)
    [entry] = config["logs"]["logs_collected"]["files"]["collect_list"]
    assert entry["file_path"] == "/var/log/secure" and entry["log_group_name"] == "ssh_logs"


# -- the command in Japanese (issue 18) -----------------------------------------------------------------
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture
def japanese(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A Japanese lab, as ``LABKIT_LANG=ja labkit ...`` makes one (the subcommands that connect read it again)."""
    monkeypatch.setenv("LABKIT_LANG", "ja")
    i18n.set_language("ja")
    yield
    i18n.set_language("en")


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 0
    return capsys.readouterr().out


def _every_action(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.Action]]:
    """Each option and positional of the command and of its subcommands, named ``subcommand option``."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                yield choice.dest, choice
            for name, sub in action.choices.items():
                yield from ((f"{name} {where}", found) for where, found in _every_action(sub))
        else:
            yield "/".join(action.option_strings) or action.dest, action


def test_every_option_and_subcommand_has_its_help_in_japanese(japanese) -> None:
    """What ``--help`` shows for each subcommand and option (argparse's ``-h`` included) is Japanese."""
    with i18n.argparse_speaks_the_labs_language():  # as main() builds it
        top = parser()
    assert top.description == "AWS 監視ラボキット"
    english = [where for where, action in _every_action(top) if not (action.help and JAPANESE.search(action.help))]
    assert english == [], "help missing or not in Japanese: " + ", ".join(english)


def test_help_is_japanese_in_a_japanese_lab(japanese, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # argparse wraps help to the terminal's width
    shown = _help(["--help"], capsys)
    assert shown.startswith("使用法: labkit [-h]") and "AWS 監視ラボキット" in shown
    assert "\n位置引数:\n" in shown and "\nオプション:\n" in shown
    assert "-h, --help            このヘルプメッセージを表示して終了する" in shown
    assert (
        "    catchup             前のノートブックが残すものを作成し、ノートブック NN か\n"
        "                        ら始められるようにする\n"
    ) in shown
    assert not re.search(r"usage|options|show this help|positional arguments", shown)
    teardown = _help(["teardown", "--help"], capsys)
    assert teardown.startswith("使用法: labkit teardown [-h] [--backend {moto,moto-server,aws}]")
    assert "--dry-run             削除される予定のものを一覧表示する" in teardown
    assert "--report FILE         レポートを FILE にも書き込んで保存する" in teardown
    assert (
        "  --all-labs            どのレジストリにも記録されていない、labkit:lab タグが\n"
        "                        付いたリソースもすべて対象にする\n"
    ) in teardown
    for command in ("", "run", "build-notebooks", "agent-config", "student", "serve", "status", "catchup"):
        lines = _help([command, "--help"] if command else ["--help"], capsys).splitlines()
        wide = [line for line in lines if JAPANESE.search(line) and i18n.width(line) > 80]
        assert wide == [], f"labkit {command} --help runs past 80 columns: {wide}"
    assert argparse._ is gettext.gettext  # type: ignore[attr-defined]  # argparse's own words are its own again


def test_help_stays_english_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    shown = _help(["--help"], capsys)
    assert shown.startswith("usage: labkit [-h]") and "AWS Monitoring Lab Kit" in shown
    assert "\npositional arguments:\n" in shown and "\noptions:\n" in shown
    assert "show this help message and exit" in shown and not JAPANESE.search(shown)
    teardown = _help(["teardown", "--help"], capsys)
    assert "--dry-run             list what would be deleted" in teardown


def test_python_dash_m_labkit_reads_the_language_from_labkit_lang() -> None:
    env = {**os.environ, "LABKIT_LANG": "ja"}
    shown = subprocess.run(
        [sys.executable, "-m", "labkit", "serve", "--help"], capture_output=True, text=True, check=True, env=env
    ).stdout
    assert shown.startswith("使用法: labkit serve [-h] [--port PORT] [--host HOST]")
    assert "--port PORT  デフォルトは 5000。0 を指定すると空いているポートを選ぶ" in shown
    wrong = subprocess.run(
        [sys.executable, "-m", "labkit", "serve", "--port", "abc"], capture_output=True, text=True, env=env
    )
    assert wrong.returncode == 2
    assert wrong.stderr.endswith("labkit serve: エラー: 引数 --port: 無効な int の値です: 'abc'\n"), wrong.stderr


@pytest.mark.parametrize(
    ("argv", "english", "japanese_words"),
    [
        (
            ["frob"],
            "labkit: error: argument command: invalid choice: 'frob' (choose from",
            "labkit: エラー: 引数 command: 無効な選択肢です: 'frob' (",
        ),
        (
            ["catchup"],
            "labkit catchup: error: the following arguments are required: notebook",
            "labkit catchup: エラー: 次の引数が必要です: notebook",
        ),
        (
            ["teardown", "--dry-run=yes"],
            "argument --dry-run: ignored explicit argument 'yes'",
            "引数 --dry-run: このオプションは値を取らないため、'yes' は指定できません",
        ),
        (
            ["inventory", "--what"],
            "labkit: error: unrecognized arguments: --what",
            "labkit: エラー: 認識できない引数です: --what",
        ),
        (["serve", "--port"], "argument --port: expected one argument", "引数 --port: 引数が 1 つ必要です"),
    ],
)
def test_argparse_answers_a_mistyped_command_in_the_labs_language(
    argv: list[str], english: str, japanese_words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for lang, expected in (("en", english), ("ja", japanese_words)):
        i18n.set_language(lang)
        try:
            with pytest.raises(SystemExit) as exited:
                main(argv)
        finally:
            i18n.set_language("en")
        assert exited.value.code == 2
        err = capsys.readouterr().err
        assert expected in err and err.startswith("使用法: " if lang == "ja" else "usage: "), err


def test_the_argparse_messages_labkit_translates_are_argparses() -> None:
    """Each of :data:`labkit.i18n.ARGPARSE_MESSAGES` is a message the running Python's argparse marks for
    translation: a Python that rewords one fails here instead of showing English in a Japanese lab."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file

    argparses = {
        message for _line, message, _c, _ctx in extract_from_file("python", argparse.__file__, DEFAULT_KEYWORDS)
    }
    assert set(i18n.ARGPARSE_MESSAGES) - argparses == set()


def test_errors_of_the_command_speak_japanese(japanese, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    """One line on stderr, in Japanese, for an unknown notebook (catchup and run), a busy port, and a real account
    without the allow-list; the values (the notebook, the port) as given."""
    assert main(["catchup", "5"]) == 1
    assert capsys.readouterr().err == (
        "labkit: 不明なノートブック '5' です。00, 01, 02, 03, 04, 05, 06, 06b, 07, 08, 09 のいずれかを選択してください\n"
    )
    assert main(["run", "nine"]) == 2
    assert capsys.readouterr().err.startswith(
        "labkit run: ノートブック 'nine' はありません。コースのノートブックは 00-"
    )
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"labkit: 127.0.0.1 のポート {port} は既に使用されているか、待ち受けできません (")
    assert err.endswith("。--port で別のポートを指定してください\n") and err.count("\n") == 1
    assert main(["serve", "--port", "70000"]) == 2
    assert "ポートは 1 から 65535 の間で指定します" in capsys.readouterr().err
    monkeypatch.delenv("LABKIT_AWS_ACCOUNTS", raising=False)
    assert main(["inventory", "--backend", "aws"]) == 1
    assert capsys.readouterr().err == (
        "labkit: LABKIT_AWS_ACCOUNTS が設定されていません。labkit は明示的に指定されたサンドボックスアカウントでのみ"
        "実行します (サンドボックスアカウントの場合は LABKIT_AWS_ACCOUNTS=<12 桁の ID> を設定してください)\n"
    )
    assert main(["inventory", "--backend", "aws", "--region", "us-east-1"]) == 1
    assert capsys.readouterr().err.startswith(
        "labkit: リージョン us-east-1 は実アカウントでのラボに許可されていません。"
    )
    monkeypatch.setenv("LABKIT_BACKEND", "azure")
    assert main(["inventory"]) == 1
    assert capsys.readouterr().err.startswith("labkit: 不明なバックエンド 'azure' です。")


def test_errors_of_the_command_stay_english_by_default(capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    assert main(["catchup", "5"]) == 1
    assert (
        capsys.readouterr().err
        == "labkit: unknown notebook '5'; choose one of 00, 01, 02, 03, 04, 05, 06, 06b, 07, 08, 09\n"
    )
    monkeypatch.delenv("LABKIT_AWS_ACCOUNTS", raising=False)
    assert main(["inventory", "--backend", "aws"]) == 1
    assert capsys.readouterr().err == (
        "labkit: LABKIT_AWS_ACCOUNTS is not set; labkit only runs in sandbox accounts you name explicitly "
        "(set LABKIT_AWS_ACCOUNTS=<12-digit id> for a sandbox account)\n"
    )


def test_the_workshop_server_tells_participants_what_to_set_in_japanese(japanese, capsys, monkeypatch) -> None:
    """``labkit serve``'s banner: the sentences in Japanese, the commands to copy as they are."""
    from labkit.tools import workshop

    class Server:
        def stop(self) -> None:
            print("(stopped)")

    monkeypatch.setattr(workshop, "start_server", lambda host, port: (Server(), "http://0.0.0.0:5000"))
    monkeypatch.setattr("signal.signal", lambda *args: None)  # no SIGTERM handler left behind

    class Stop:
        def wait(self, seconds: float) -> bool:
            raise KeyboardInterrupt

    monkeypatch.setattr("threading.Event", Stop)
    workshop.serve("0.0.0.0", 5000)
    assert capsys.readouterr().out.splitlines() == [
        "labkit ワークショップサーバーが http://0.0.0.0:5000 で動作しています (Ctrl-C で停止)",
        "各参加者は、Jupyter を起動する前に次を設定します:",
        "  export LABKIT_BACKEND=moto-server",
        "  export LABKIT_ENDPOINT_URL=http://<このマシンのアドレス>:5000",
        "  export LABKIT_PARTICIPANT=<参加者の名前>      # 英字、数字、'.'、'_'、'-'",
        "進捗ボード: labkit status --endpoint http://<このマシンのアドレス>:5000",
        "(stopped)",
        "ワークショップサーバーを停止しました",
    ]
