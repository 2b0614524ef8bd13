"""The ``labkit`` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from labkit.tools.cli import main


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
