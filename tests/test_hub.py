"""labkit.tools.hub: what deploy/jupyterhub/ gives each user's server (the end-to-end hub is tests/test_jupyterhub.py).

Spawner options: ``Spawner.environment`` values may be callables given the spawner, ``Spawner.cmd`` starts the
single-user server (https://jupyterhub.readthedocs.io/en/stable/reference/api/spawner.html).
"""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labkit import i18n
from labkit.runtime.participant import normalize
from labkit.tools import hub
from labkit.tools.hub import LABS_FOLDER, copy_labs, participant_name, spawner_environment

REPO = Path(__file__).resolve().parents[1]


@given(st.text(min_size=1, max_size=80))
def test_every_hub_user_name_becomes_a_participant_name_labkit_accepts(username: str) -> None:
    name = participant_name(username)
    assert normalize(name) == name


def test_names_labkit_accepts_stay_as_they_are_and_others_never_collide() -> None:
    assert participant_name("aiko") == "aiko"
    assert participant_name("Aiko") == "aiko"  # JupyterHub lower-cases names too; the board is case-blind
    assert participant_name("a@b.org") != participant_name("a-b.org")
    assert participant_name("a@b.org").startswith("a-b.org-")
    assert len(participant_name("x" * 60)) == 40


def test_each_user_gets_the_in_kernel_backend_their_name_and_the_board() -> None:
    environment = spawner_environment("http://127.0.0.1:5000", REPO)
    assert environment["LABKIT_BACKEND"] == "moto"
    assert environment["LABKIT_BOARD_URL"] == "http://127.0.0.1:5000"
    assert "LABKIT_ENDPOINT_URL" not in environment  # no AWS emulation is shared
    name = environment["LABKIT_PARTICIPANT"]
    assert callable(name) and name(SimpleNamespace(user=SimpleNamespace(name="Ben"))) == "ben"
    assert "LABKIT_BOARD_URL" not in spawner_environment(None, REPO)


def test_the_labs_are_copied_once_and_a_users_work_is_kept(tmp_path: Path) -> None:
    copied = copy_labs(REPO, tmp_path)
    labs = tmp_path / LABS_FOLDER
    notebook = labs / "notebooks" / "02-cpu-alarm.ipynb"
    assert notebook in copied and (labs / "notebooks" / "ja" / "02-cpu-alarm.ipynb") in copied
    assert (labs / "notebooks" / "START-HERE.md").is_file() and (labs / "data" / "cpu-week-batch.csv").is_file()
    assert not (labs / "notebooks" / "src").exists() and not (labs / "notebooks" / "locale").exists()
    notebook.write_text("my work")
    assert copy_labs(REPO, tmp_path) == []
    assert notebook.read_text() == "my work"


def test_the_deploy_config_sets_the_spawner(monkeypatch: pytest.MonkeyPatch) -> None:
    """deploy/jupyterhub/jupyterhub_config.py, loaded as JupyterHub loads it (``get_config`` in its namespace)."""
    from traitlets.config import Config

    config = Config()
    monkeypatch.setenv("LABKIT_BOARD_URL", "http://board.example:5000")
    runpy.run_path(str(REPO / "deploy" / "jupyterhub" / "jupyterhub_config.py"), {"get_config": lambda: config})
    assert config.Spawner.cmd[1:] == ["-m", "labkit.tools.hub"]
    assert "--MappingKernelManager.cull_idle_timeout=1200" in config.Spawner.args  # closed tabs' kernels stop
    assert config.Spawner.environment["LABKIT_BOARD_URL"] == "http://board.example:5000"
    assert config.Spawner.environment["LABKIT_LABS_SOURCE"] == str(REPO)


def test_the_hub_imports_the_module_without_labkits_dependencies() -> None:
    """The Littlest JupyterHub's hub environment gets labkit with --no-deps (README): importing the module the config
    uses must load no third-party package and no other labkit module."""
    code = (
        "import sys, labkit.tools.hub; "
        "print(sorted(m for m in sys.modules if m.startswith('labkit') or m.split('.')[0] in "
        "('boto3', 'botocore', 'moto', 'pandas', 'jupyterhub')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['labkit', 'labkit.tools', 'labkit.tools.hub']"


def _hub_command(tmp_path: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    """``python -m labkit.tools.hub`` as a spawner runs it, with only the labkit variables given here."""
    env = {key: value for key, value in os.environ.items() if key not in ("LABKIT_LABS_SOURCE", "LABKIT_LANG")}
    env.update(environment, HOME=str(tmp_path))
    return subprocess.run(
        [sys.executable, "-m", "labkit.tools.hub"], capture_output=True, text=True, env=env, cwd=tmp_path
    )


def test_the_start_up_error_speaks_labkit_lang(tmp_path: Path) -> None:
    english = _hub_command(tmp_path)
    assert (english.returncode, english.stderr) == (
        1,
        "labkit.tools.hub: LABKIT_LABS_SOURCE (the repository to copy the labs from) is not set\n",
    )
    japanese = _hub_command(tmp_path, LABKIT_LANG="ja")
    assert (japanese.returncode, japanese.stderr) == (
        1,
        "labkit.tools.hub: LABKIT_LABS_SOURCE (ラボのコピー元のリポジトリ) が設定されていません\n",
    )
    assert _hub_command(tmp_path, LABKIT_LANG="fr").stderr == english.stderr  # a language labkit lacks: English


def test_a_labs_source_that_is_not_there_stops_the_start_with_its_name(tmp_path: Path) -> None:
    """A missing folder (a mistyped path) or a folder that is not the repository would copy nothing: the
    command stops, saying so in LABKIT_LANG's language, before it starts a server with no labs."""
    missing, elsewhere = tmp_path / "no-such-repository", tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert [
        (said.returncode, said.stderr)
        for said in (
            _hub_command(tmp_path, LABKIT_LABS_SOURCE=str(missing)),
            _hub_command(tmp_path, LABKIT_LABS_SOURCE=str(elsewhere)),
        )
    ] == [
        (
            1,
            f"labkit.tools.hub: there is no folder {missing} (LABKIT_LABS_SOURCE, the repository to copy the labs from)\n",
        ),
        (
            1,
            f"labkit.tools.hub: {elsewhere} (LABKIT_LABS_SOURCE) has no notebooks folder: it is not the repository of the labs\n",
        ),
    ]
    assert [
        (said.returncode, said.stderr)
        for said in (
            _hub_command(tmp_path, LABKIT_LABS_SOURCE=str(missing), LABKIT_LANG="ja"),
            _hub_command(tmp_path, LABKIT_LABS_SOURCE=str(elsewhere), LABKIT_LANG="ja"),
        )
    ] == [
        (1, f"labkit.tools.hub: フォルダ {missing} がありません (LABKIT_LABS_SOURCE: ラボのコピー元のリポジトリ)\n"),
        (
            1,
            f"labkit.tools.hub: {elsewhere} (LABKIT_LABS_SOURCE) に notebooks フォルダがありません: ラボのリポジトリではありません\n",
        ),
    ]
    assert not (tmp_path / LABS_FOLDER).exists()


def test_saying_the_error_in_japanese_loads_no_third_party_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """The single-user command may run on the hub's Python (labkit installed --no-deps): its Japanese comes from
    the catalogue through the standard library, not labkit.i18n (Babel)."""
    code = (
        "import sys, labkit.tools.hub as hub\n"
        "try:\n    hub.main([])\nexcept SystemExit as error:\n    print(error.code)\n"
        "print(sorted(m for m in sys.modules if m.startswith('labkit') or m.split('.')[0] in "
        "('babel', 'polib', 'boto3', 'botocore', 'moto', 'pandas', 'jupyterhub')))"
    )
    monkeypatch.setenv("LABKIT_LANG", "ja")
    monkeypatch.delenv("LABKIT_LABS_SOURCE", raising=False)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    said, modules = out.strip().split("\n")
    assert said.endswith("が設定されていません")
    assert modules == "['labkit', 'labkit.tools', 'labkit.tools.hub']"


def _babels(path: Path) -> dict[str, str]:
    """What labkit.i18n takes from a catalogue (Babel's reader): the translated singular entries, fuzzy ones left out."""
    from babel.messages.pofile import read_po as babel_read_po

    with path.open("rb") as source:
        catalogue = babel_read_po(source, locale="ja")
    return {
        message.id: message.string
        for message in catalogue
        if isinstance(message.id, str) and message.id and message.string and not message.fuzzy
    }


def test_the_hubs_catalogue_reader_reads_labkits_catalogue_as_babel_does() -> None:
    path = hub.LOCALE_DIR / "ja" / "LC_MESSAGES" / "labkit.po"
    assert path == i18n.catalogue_path("ja")
    translations = hub.read_po(path)
    assert len(translations) > 1000 and translations == _babels(path)


def test_the_hubs_catalogue_reader_leaves_out_what_babel_does(tmp_path: Path) -> None:
    """Fuzzy, plural, untranslated and obsolete entries, and strings over several lines with escapes."""
    path = tmp_path / "labkit.po"
    path.write_text(
        'msgid ""\nmsgstr ""\n"Language: ja\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        '#, python-brace-format\nmsgid ""\n"a \\"quoted\\" {name} "\n"on two lines\\n"\nmsgstr ""\n"「{name}」\\\\ "\n"二行\\t"\n\n'
        '#, fuzzy\nmsgid "guessed"\nmsgstr "推測"\n\n'
        'msgid "untranslated"\nmsgstr ""\n\n'
        'msgid "one file"\nmsgid_plural "{n} files"\nmsgstr[0] "{n} 個のファイル"\n\n'
        '#~ msgid "gone"\n#~ msgstr "削除済み"\n',
        encoding="utf-8",
    )
    assert hub.read_po(path) == _babels(path) == {'a "quoted" {name} on two lines\n': "「{name}」\\ 二行\t"}
