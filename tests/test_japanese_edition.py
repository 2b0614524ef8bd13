"""日本語版: the Japanese notebooks (notebooks/ja/) come from the English sources and the catalogues in
notebooks/locale/ja/LC_MESSAGES/, complete, not stale, with the English edition's code.

nbval runs them too: the Makefile's NOTEBOOKS lists notebooks/ja/ (tests/test_jupyterlab_setup.py).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from labkit import i18n
from labkit.tools import translation
from labkit.exceptions import ConfigurationError
from labkit.tools.notebooks import kernelspec, notebook_paths, source_paths

REPO = Path(__file__).resolve().parents[1]
#: English notebooks whose Japanese translation is not written yet: they have no catalogue and no
#: notebooks/ja/ notebook (never half a notebook). Empty when the edition is complete.
NOT_YET_TRANSLATED: tuple[str, ...] = ()
SOURCES = translation.catalogued_sources(REPO, "ja")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def catalogue(stem: str):  # type: ignore[no-untyped-def]
    return translation.load(translation.catalogue_path(REPO, "ja", stem))


def test_the_edition_is_every_english_notebook_but_the_ones_listed_as_not_yet_translated() -> None:
    english = [p.stem for p in source_paths(REPO)]
    assert set(NOT_YET_TRANSLATED) <= set(english), "NOT_YET_TRANSLATED names a notebook that does not exist"
    assert [p.stem for p in SOURCES] == [s for s in english if s not in NOT_YET_TRANSLATED]
    assert [p.stem for p in translation.edition_paths(REPO, "ja")] == [p.stem for p in SOURCES], (
        "run `make notebooks-ja`"
    )


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_every_markdown_cell_has_a_current_japanese_translation(source: Path) -> None:
    notebook = translation.english_notebook(source)
    entries = catalogue(source.stem)
    assert translation.problems(notebook, entries) == []
    for entry in entries:
        assert JAPANESE.search(entry.msgstr), f"{entry.msgctxt} is not in Japanese"
        assert not re.search(r"docs\.aws\.amazon\.com/(?!ja_jp/)", entry.msgstr), (
            f"{entry.msgctxt}: link AWS's Japanese documentation (docs.aws.amazon.com/ja_jp/...)"
        )
    expected = len(translation.markdown_cells(notebook)) + len(translation.code_comments(notebook))
    assert len(entries) == expected, "entries of cells or comments that no longer exist"


#: The article's wording and the Japanese console's terms the edition must use (issue 18's glossary).
TERMS = (
    "しきい値",
    "カスタムメトリクス",
    "標準メトリクス",
    "詳細メトリクス",
    "データポイント",
    "評価期間",
    "欠落データの処理",
    "イベントパターン",
    "入力トランスフォーマー",
    "パラメータストア",
    "アラームの作成",
)
#: Where the article's own phrases are taught, they are quoted as the article writes them.
ARTICLE_QUOTES = {
    "02-cpu-alarm": ("「80%よりも大きい」", "「デフォルトで5分間平均」"),
    "05-ssh-failure-metric-filter": ("「SSHでキーペアなしでテスト」",),
}


def test_the_edition_uses_the_articles_words_and_the_japanese_console_terms() -> None:
    text = "\n".join(entry.msgstr for source in SOURCES for entry in catalogue(source.stem))
    assert [term for term in TERMS if term not in text] == []
    for stem, quotes in ARTICLE_QUOTES.items():
        if stem not in NOT_YET_TRANSLATED:
            translated = "\n".join(entry.msgstr for entry in catalogue(stem))
            assert [quote for quote in quotes if quote not in translated] == [], stem


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_japanese_notebook_is_the_catalogue_applied_to_the_english_source_and_executed(source: Path) -> None:
    english = translation.english_notebook(source)  # the English source: test_notebooks.py checks its .ipynb
    japanese = nbformat.read(translation.edition_folder(REPO, "ja") / f"{source.stem}.ipynb", as_version=4)
    by_id = {entry.msgctxt: entry.msgstr for entry in catalogue(source.stem)}
    assert [c.id for c in japanese.cells] == [c.id for c in english.cells]
    assert [c.cell_type for c in japanese.cells] == [c.cell_type for c in english.cells]
    for cell in japanese.cells:
        if cell.cell_type == "markdown":
            assert cell.source == by_id[cell.id], f"{cell.id}: run `make notebooks-ja`"
    assert translation.heading_levels(japanese) == translation.heading_levels(english), "the skeleton's shape"
    code = [c for c in japanese.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "commit the Japanese notebooks executed (`make notebooks-ja`)"
    assert not any(o.output_type == "error" for c in code for o in c.outputs)
    assert japanese.metadata["kernelspec"] == kernelspec()


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_code_cells_are_the_english_editions_but_for_comments_the_language_and_the_data_folder(source: Path) -> None:
    """Without comments, byte-identical code, except ``labkit.connect(lang="ja")`` in the setup cell,
    ``diagnose(lang="ja")`` in notebook 00's doctor cell and
    ``../../data/`` (the notebook sits one folder deeper); every comment is translated."""
    english = [c.source for c in translation.english_notebook(source).cells if c.cell_type == "code"]
    japanese = [
        c.source
        for c in nbformat.read(REPO / "notebooks" / "ja" / f"{source.stem}.ipynb", as_version=4).cells
        if c.cell_type == "code"
    ]
    assert len(japanese) == len(english)
    for en, ja in zip(english, japanese):
        code = translation.strip_comments(ja)
        if any(call in en for call in (translation.CONNECT, translation.DIAGNOSE, translation.DATA_FOLDER)):
            assert code == translation.strip_comments(translation.localise_code(en, "ja"))
            restored = code.replace('labkit.connect(lang="ja")', translation.CONNECT)
            restored = restored.replace('diagnose(lang="ja")', translation.DIAGNOSE)
            assert restored.replace('"../../data/', translation.DATA_FOLDER) == translation.strip_comments(en)
        else:
            assert code == translation.strip_comments(en)
        assert len(translation.comments(ja)) == len(translation.comments(en))
        assert all(JAPANESE.search(comment) for comment in translation.comments(ja)), ja
    assert sum(ja.count('lab = labkit.connect(lang="ja")') for ja in japanese) == 1, "the setup cell selects Japanese"


def test_comments_are_translated_in_place_and_pragmas_are_kept() -> None:
    source = 'x = f("#")  # the why\n# a whole line\nimport os  # noqa: F401\n'
    translated = translation.translate_comments(source, {"the why": "理由", "a whole line": "行全体"})
    assert translated == 'x = f("#")  # 理由\n# 行全体\nimport os  # noqa: F401\n'
    assert (
        translation.strip_comments(translated)
        == translation.strip_comments(source)
        == 'x = f("#")\nimport os  # noqa: F401\n'
    )


def test_a_changed_english_comment_makes_its_translation_stale() -> None:
    source = SOURCES[0]
    notebook = translation.english_notebook(source)
    cell = next(c for c in notebook.cells if c.cell_type == "code" and translation.comments(c.source))
    old = translation.comments(cell.source)[0]
    cell.source = cell.source.replace(old, old + " (changed)")
    found = [str(p) for p in translation.problems(notebook, catalogue(source.stem))]
    assert found == [f"{cell.id} comment {old + ' (changed)'!r} stale"]


def test_a_changed_english_cell_makes_its_translation_stale_and_stops_the_build() -> None:
    source = SOURCES[0]
    notebook = translation.english_notebook(source)
    entries = catalogue(source.stem)
    cell = next(c for c in notebook.cells if c.cell_type == "markdown")
    cell.source += "\nOne more English sentence."
    assert [str(p) for p in translation.problems(notebook, entries)] == [f"{cell.id} stale"]
    with pytest.raises(translation.TranslationProblem, match=f"{cell.id} stale"):
        translation.translated(notebook, entries, "ja")
    # Updating keeps the old translation for the translator but marks it fuzzy: still stale until reviewed.
    updated = translation.update_catalogue(notebook, entries, "ja")
    entry = next(e for e in updated if e.msgctxt == cell.id)
    assert entry.fuzzy and entry.msgstr and entry.previous_msgid + "\nOne more English sentence." == entry.msgid
    assert [str(p) for p in translation.problems(notebook, updated)] == [f"{cell.id} stale"]


def test_a_new_or_emptied_cell_is_missing_and_a_moved_cell_keeps_its_translation() -> None:
    source = SOURCES[0]
    notebook = translation.english_notebook(source)
    entries = catalogue(source.stem)
    first = next(e for e in entries if e.msgctxt == "cell-000")
    first.msgstr = ""
    assert [str(p) for p in translation.problems(notebook, entries)] == ["cell-000 missing"]
    entries = catalogue(source.stem)
    notebook.cells.insert(1, nbformat.v4.new_markdown_cell("A new English cell."))
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index:03d}"
    updated = translation.update_catalogue(notebook, entries, "ja")
    assert [str(p) for p in translation.problems(notebook, updated)] == ["cell-001 missing"]


def test_building_an_unknown_edition_or_a_notebook_without_catalogue_is_refused(tmp_path: Path) -> None:
    with pytest.raises(translation.TranslationProblem, match="no 'fr' edition"):
        translation.build(SOURCES[:1], REPO, "fr")
    (tmp_path / "notebooks" / "src").mkdir(parents=True)
    lone = tmp_path / "notebooks" / "src" / "09-lone.py"
    lone.write_text("# %% [markdown]\n# # 09 · Lone\n")
    with pytest.raises(translation.TranslationProblem, match="09-lone has no ja catalogue"):
        translation.build([lone], tmp_path, "ja")


def test_connect_keeps_the_language_and_refuses_others(monkeypatch: pytest.MonkeyPatch) -> None:
    import labkit

    monkeypatch.delenv("LABKIT_LANG", raising=False)
    assert labkit.connect().lang == "en"
    assert labkit.connect(lang="ja").lang == "ja"
    monkeypatch.setenv("LABKIT_LANG", "ja")
    assert labkit.connect().lang == "ja"
    with pytest.raises(ConfigurationError, match="unknown language 'fr'"):
        labkit.connect(lang="fr")
    labkit.connect().close()
    i18n.set_language("en")  # the tests after this one in the process expect English


def test_a_make_lab_user_finds_the_japanese_edition() -> None:
    start_page = (REPO / "notebooks" / "START-HERE.md").read_text(encoding="utf-8")
    readme_ja = (REPO / "README.ja.md").read_text(encoding="utf-8")
    for path in translation.edition_paths(REPO, "ja"):
        assert f"](ja/{path.name})" in start_page, f"notebooks/START-HERE.md should link ja/{path.name}"
    assert "make lab" in readme_ja and "make test" in readme_ja and "notebooks/ja/" in readme_ja
    assert "README.ja.md" in (REPO / "README.md").read_text(encoding="utf-8")
    assert len(notebook_paths(REPO)) == len(source_paths(REPO))


def _section(readme: str, heading: str) -> str:
    """The text of the ``## heading`` section of a README, up to the next ``## `` heading."""
    start = readme.index(f"\n## {heading}\n")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end >= 0 else len(readme)]


#: What an instructor types: the lines of the guide's code blocks and its inline code that start with these.
COMMAND = re.compile(
    r"^(?:\.venv/bin/labkit|labkit|make|export|git clone|/opt/tljh/\S+|tljh-config|cat >|python -m|repo2docker|curl) "
)


def _commands(section: str) -> set[str]:
    """The commands of a workshop guide: each line of its fenced code blocks without its ``# comment``, and each
    inline ``code`` span, that starts as a command does (:data:`COMMAND`)."""
    found = set()
    for block in re.findall(r"```\w*\n(.*?)```", section, flags=re.DOTALL):
        for line in block.splitlines():
            command = re.sub(r"\s+# .*$", "", line).strip()
            if COMMAND.match(command):
                found.add(command)
    without_blocks = re.sub(r"```.*?```", "", section, flags=re.DOTALL)
    found |= {span for span in re.findall(r"`([^`\n]+)`", without_blocks) if COMMAND.match(span)}
    return found


def _numbered_rows(section: str) -> dict[str, list[str]]:
    """The figures of each table row whose first cell starts with a number (a notebook's minutes, the measured
    participants, the capacity model's sizes), keyed by that number."""
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")] if line.strip().startswith("|") else []
        if cells and re.match(r"\d", cells[0]):
            rows[cells[0].split()[0]] = re.findall(r"\d+(?:[.,]\d+)*", " ".join(cells[1:]))
    return rows


def test_the_japanese_readme_has_the_workshop_guide_with_the_same_commands_and_figures() -> None:
    """README.ja.md's workshop guide is README.md's: every command the instructor or a participant types (``labkit
    serve``, ``labkit catchup 05``, the TLJH set-up...), every memory figure, and the figures of each table row (a
    notebook's minutes, the measured runs, the capacity model) appear in it, and the day's total time."""
    english = _section((REPO / "README.md").read_text(encoding="utf-8"), "Workshops and hosting")
    japanese = _section((REPO / "README.ja.md").read_text(encoding="utf-8"), "ワークショップとホスティング")
    commands = _commands(english)
    expected = {
        ".venv/bin/labkit serve --host 0.0.0.0 --port 5000",
        ".venv/bin/labkit catchup 05",
        "tljh-config reload hub",
    }
    assert expected <= commands
    assert len(commands) >= 15
    missing = sorted(c for c in commands if c not in japanese)
    assert missing == [], "README.ja.md's workshop guide lacks: " + "; ".join(missing)
    figures = set(re.findall(r"\d[\d.,]*\s(?:MiB|GiB)|\d+ – \d+ GiB|≈ \d+", english))
    assert len(figures) >= 15
    assert sorted(f for f in figures if f not in japanese) == []
    english_rows, japanese_rows = _numbered_rows(english), _numbered_rows(japanese)
    assert {"00", "09", "2", "8", "30", "100", "300"} <= set(english_rows) and set(japanese_rows) == set(english_rows)
    for key, numbers in english_rows.items():
        assert not Counter(numbers) - Counter(japanese_rows[key]), f"row {key}: {numbers} vs {japanese_rows[key]}"
    total = re.search(r"About (\d+) h (\d+) min of lab time", english)
    assert total and f"ラボの時間は合計で約 {total[1]} 時間 {total[2]} 分です" in japanese
    headings = re.findall(r"^###? ", english, flags=re.MULTILINE)
    assert len(re.findall(r"^###? ", japanese, flags=re.MULTILINE)) == len(headings)


def test_the_command_updates_a_catalogue_and_refuses_to_build_from_an_untranslated_one(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from labkit.tools.cli import main

    (tmp_path / "notebooks" / "src").mkdir(parents=True)
    source = tmp_path / "notebooks" / "src" / SOURCES[0].name
    source.write_text(SOURCES[0].read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["build-notebooks", "--lang", "ja", "--update-catalogue"]) == 0
    written = translation.load(translation.catalogue_path(tmp_path, "ja", source.stem))
    english = translation.english_notebook(source)
    assert [e.msgid for e in written] == [md for _, md in translation.markdown_cells(english)] + [
        comment for _, comment in translation.code_comments(english)
    ]
    assert not any(e.msgstr for e in written)
    capsys.readouterr()
    assert main(["build-notebooks", "--lang", "ja"]) == 1
    error = capsys.readouterr().err
    assert (
        error.startswith(f"labkit: {source.stem}: the ja catalogue cannot build this notebook: cell-000 missing,")
        and error[-1] == "\n"
    )
    assert not (tmp_path / "notebooks" / "ja").exists()
