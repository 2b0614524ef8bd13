"""The translated editions of the notebooks (日本語版: ``notebooks/ja/``), from one source.

The English jupytext sources in ``notebooks/src/`` stay the only source of the code. Each
notebook's prose in another language lives in a gettext catalogue,
``notebooks/locale/<lang>/LC_MESSAGES/NN-name.po``, one entry per markdown cell: ``msgctxt`` is the
cell's stable id (``cell-007``), ``msgid`` the English markdown, ``msgstr`` the translation. Any
gettext tool (Poedit, Lokalize, ``msgmerge``) edits it; :mod:`polib` reads and writes it here.

``labkit build-notebooks --lang ja --update-catalogue`` adds new cells to the catalogues and marks
entries whose English changed *fuzzy* (the previous English kept as ``#| msgid``); ``labkit
build-notebooks --lang ja`` refuses a catalogue with a missing or stale entry, and otherwise writes
``notebooks/ja/NN-name.ipynb`` executed like the English one (moto, fixed lab clock). Its code cells are
the English edition's with translated comments (one entry per comment, ``msgctxt`` ``"<cell id> comment"``,
``msgid`` the comment's English without ``#``) and three mechanical changes (:func:`localise_code`);
``tests/test_japanese_edition.py`` checks that nothing else differs.
"""

from __future__ import annotations

import copy
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labkit.course.notebook_sources import read_source
from labkit.exceptions import TranslationProblem
from labkit.i18n import _
from labkit.tools.notebooks import NOTEBOOK_NAME, backend_environment, execute, kernelspec, source_paths

#: Languages with an edition besides English ("en").
EDITIONS = ("ja",)

#: The setup cell's connect call, and what a translated edition makes of it.
CONNECT = "labkit.connect()"
#: Notebook 00's doctor cell, which runs before the setup cell: an edition passes its language to it too.
DIAGNOSE = "diagnose()"
#: The notebooks read the kit's datasets relative to their own folder; an edition sits one level deeper.
DATA_FOLDER = '"../data/'
#: Comments that tools read, never translated.
PRAGMA = re.compile(r"^(noqa|type:|pragma|fmt:)")


@dataclass(frozen=True)
class Problem:
    """One markdown cell whose translation is unusable: ``kind`` is ``missing`` or ``stale``."""

    cell_id: str
    kind: str

    def __str__(self) -> str:
        return f"{self.cell_id} {self.kind}"


def catalogue_path(root: Path, lang: str, stem: str) -> Path:
    """``notebooks/locale/<lang>/LC_MESSAGES/<stem>.po``."""
    return root / "notebooks" / "locale" / lang / "LC_MESSAGES" / f"{stem}.po"


def edition_folder(root: Path, lang: str) -> Path:
    """``notebooks/<lang>/``: where the executed edition's notebooks are written."""
    return root / "notebooks" / lang


def edition_paths(root: Path, lang: str) -> list[Path]:
    """The executed notebooks of the ``lang`` edition, in order."""

    return sorted(p for p in edition_folder(root, lang).glob("*.ipynb") if NOTEBOOK_NAME.match(p.stem))


def catalogued_sources(root: Path, lang: str) -> list[Path]:
    """The English sources that have a ``lang`` catalogue: the notebooks the edition ships."""

    return [p for p in source_paths(root) if catalogue_path(root, lang, p.stem).is_file()]


def english_notebook(source: Path) -> Any:
    """The notebook ``make notebooks`` builds from ``source``, unexecuted, with its stable cell ids."""
    notebook = read_source(source)
    notebook.metadata.pop("jupytext", None)
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index:03d}"
    return notebook


def markdown_cells(notebook: Any) -> list[tuple[str, str]]:
    """``(cell id, markdown source)`` of every markdown cell, in order."""
    return [(cell["id"], cell.source) for cell in notebook.cells if cell.cell_type == "markdown"]


def comment_context(cell_id: str) -> str:
    """The ``msgctxt`` of the comments of code cell ``cell_id``."""
    return f"{cell_id} comment"


def _comment_tokens(source: str) -> list[tokenize.TokenInfo]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [t for t in tokens if t.type == tokenize.COMMENT and not PRAGMA.match(t.string[1:].strip())]


def comments(source: str) -> list[str]:
    """The translatable comments of a code cell, without their ``#``, in order (pragmas left out)."""
    return [t.string[1:].strip() for t in _comment_tokens(source)]


def translate_comments(source: str, translations: dict[str, str]) -> str:
    """``source`` with each comment replaced by ``# <translation>`` (kept on its line: a line break in a
    translation would turn the rest into code); code and layout are left as they are."""
    lines = source.split("\n")
    for token in reversed(_comment_tokens(source)):
        row, col = token.start
        line = lines[row - 1]
        lines[row - 1] = (
            line[:col]
            + "# "
            + " ".join(translations[token.string[1:].strip()].split())
            + line[col + len(token.string) :]
        )
    return "\n".join(lines)


def strip_comments(source: str) -> str:
    """``source`` without its comments (a comment-only line goes entirely): what must not differ between editions."""
    lines = source.split("\n")
    dropped = set()
    for token in reversed(_comment_tokens(source)):
        row, col = token.start
        before = lines[row - 1][:col]
        if before.strip():
            lines[row - 1] = before.rstrip()
        else:
            dropped.add(row - 1)
    return "\n".join(line for n, line in enumerate(lines) if n not in dropped)


def code_comments(notebook: Any) -> list[tuple[str, str]]:
    """``(msgctxt, comment)`` of every distinct comment of every code cell, in order."""
    found: list[tuple[str, str]] = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            for text in comments(cell.source):
                if (comment_context(cell["id"]), text) not in found:
                    found.append((comment_context(cell["id"]), text))
    return found


def load(path: Path) -> Any:
    """The catalogue at ``path`` (an empty one if the file does not exist)."""
    import polib

    if path.is_file():
        return polib.pofile(str(path), wrapwidth=0)
    catalogue = polib.POFile(wrapwidth=0)
    catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Content-Transfer-Encoding": "8bit"}
    return catalogue


def update_catalogue(notebook: Any, catalogue: Any, lang: str) -> Any:
    """``catalogue`` brought in step with ``notebook``'s markdown cells and code comments (a new catalogue object).

    A cell keeps its translation while its English is unchanged, follows its English if a cell moved
    (same text, new id), and is marked fuzzy with its previous English when the English changed; entries
    of cells and comments that no longer exist are dropped. Nothing is translated here.
    """
    import polib

    by_id = {entry.msgctxt: entry for entry in catalogue if not entry.msgctxt.endswith(" comment")}
    by_english = {entry.msgid: entry for entry in catalogue if entry.msgstr and not entry.fuzzy}
    updated = polib.POFile(wrapwidth=0)
    updated.metadata = dict(catalogue.metadata) or {"Content-Type": "text/plain; charset=UTF-8"}
    updated.metadata["Language"] = lang
    cells = markdown_cells(notebook)
    current = {english for _cell_id, english in cells}
    for cell_id, english in cells:
        old = by_id.get(cell_id)
        entry = polib.POEntry(msgctxt=cell_id, msgid=english, msgstr="")
        if old is not None and old.msgid == english:
            entry.msgstr, entry.flags = old.msgstr, list(old.flags)
        elif english in by_english:
            entry.msgstr = by_english[english].msgstr
        elif old is not None and old.msgstr and old.msgid not in current:  # not a cell that moved on
            entry.msgstr, entry.flags, entry.previous_msgid = old.msgstr, ["fuzzy"], old.msgid
        updated.append(entry)
    # A comment keeps its translation while its English is unchanged; a repeated comment reuses one.
    by_comment = {(entry.msgctxt, entry.msgid): entry for entry in catalogue}
    for context, english in code_comments(notebook):
        old = by_comment.get((context, english))
        entry = polib.POEntry(msgctxt=context, msgid=english, msgstr="")
        if old is not None:
            entry.msgstr, entry.flags = old.msgstr, list(old.flags)
        elif english in by_english:
            entry.msgstr = by_english[english].msgstr
        updated.append(entry)
    return updated


def problems(notebook: Any, catalogue: Any) -> list[Problem]:
    """The markdown cells and code comments of ``notebook`` without a usable translation in ``catalogue``.

    ``missing``: no entry, or an empty one. ``stale``: the entry translates other English than the
    cell now has (for a comment: its cell has a translated comment that is no longer there), or a
    translator marked it fuzzy (``update_catalogue`` does when a markdown cell's English changes).
    """
    by_id = {entry.msgctxt: entry for entry in catalogue}
    found = []
    for cell_id, english in markdown_cells(notebook):
        entry = by_id.get(cell_id)
        if entry is None or not entry.msgstr.strip():
            found.append(Problem(cell_id, "missing"))
        elif entry.msgid != english or entry.fuzzy:
            found.append(Problem(cell_id, "stale"))
    wanted = code_comments(notebook)
    by_comment = {(entry.msgctxt, entry.msgid): entry for entry in catalogue}
    for context, english in wanted:
        entry = by_comment.get((context, english))
        outdated = [e for e in catalogue if e.msgctxt == context and (context, e.msgid) not in wanted]
        if entry is not None and entry.msgstr.strip() and not entry.fuzzy:
            continue
        kind = "stale" if (entry is not None and entry.fuzzy) or (entry is None and outdated) else "missing"
        found.append(Problem(f"{context} {english!r}", kind))
    return found


def localise_code(source: str, lang: str) -> str:
    """A code cell as the ``lang`` edition has it: the English code, except that the setup cell's
    ``labkit.connect()`` and notebook 00's ``diagnose()`` (which runs before it) select the language, and
    dataset paths reach ``data/`` from one folder deeper."""
    return (
        source.replace(CONNECT, f'labkit.connect(lang="{lang}")')
        .replace(DIAGNOSE, f'diagnose(lang="{lang}")')
        .replace(DATA_FOLDER, '"../../data/')
    )


def translated(notebook: Any, catalogue: Any, lang: str) -> Any:
    """``notebook`` in ``lang``: markdown from the catalogue, code through :func:`localise_code`.

    Raises :class:`TranslationProblem` naming the cells when the catalogue is incomplete or stale.
    """
    found = problems(notebook, catalogue)
    if found:
        raise TranslationProblem(
            _(
                "the {lang} catalogue cannot build this notebook: {problems} (update it with "
                "`labkit build-notebooks --lang {lang} --update-catalogue`, then translate)"
            ).format(lang=lang, problems=", ".join(map(str, found)))
        )
    by_id = {entry.msgctxt: entry.msgstr for entry in catalogue}
    by_comment = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in catalogue}
    edition = copy.deepcopy(notebook)
    for cell in edition.cells:
        if cell.cell_type == "markdown":
            cell.source = by_id[cell["id"]]
        elif cell.cell_type == "code":
            context = comment_context(cell["id"])
            translations = {text: by_comment[(context, text)] for text in comments(cell.source)}
            cell.source = translate_comments(localise_code(cell.source, lang), translations)
    return edition


def update(sources: list[Path], root: Path, lang: str) -> list[Path]:
    """Create or refresh the ``lang`` catalogue of each source; returns the files written."""
    written = []
    for source in sources:
        path = catalogue_path(root, lang, source.stem)
        path.parent.mkdir(parents=True, exist_ok=True)
        update_catalogue(english_notebook(source), load(path), lang).save(str(path))
        written.append(path)
    return written


def build(sources: list[Path], root: Path, lang: str) -> list[Path]:
    """Write ``notebooks/<lang>/NN-name.ipynb`` for each source, executed on moto with the fixed clock.

    Every catalogue is checked before anything executes, so a stale one stops the build at once.
    """
    import nbformat

    if lang not in EDITIONS:
        raise TranslationProblem(
            _("there is no {lang!r} edition; the editions are {editions}").format(
                lang=lang, editions=", ".join(EDITIONS)
            )
        )
    editions = []
    for source in sources:
        path = catalogue_path(root, lang, source.stem)
        if not path.is_file():
            raise TranslationProblem(
                _("{notebook} has no {lang} catalogue ({path})").format(
                    notebook=source.stem, lang=lang, path=path.relative_to(root)
                )
            )
        try:
            editions.append((source.stem, translated(english_notebook(source), load(path), lang)))
        except TranslationProblem as problem:
            raise TranslationProblem(f"{source.stem}: {problem}") from None
    folder = edition_folder(root, lang)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with backend_environment("moto"):
        for stem, notebook in editions:
            notebook.metadata["kernelspec"] = kernelspec()
            execute(notebook, folder)
            target = folder / f"{stem}.ipynb"
            nbformat.write(notebook, target)
            written.append(target)
    return written


def heading_levels(notebook: Any) -> list[int]:
    """The levels of the markdown headings, in order: an edition keeps the English skeleton's shape."""
    return [
        len(m.group(1))
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for m in re.finditer(r"^(#{1,6})\s", cell.source, re.MULTILINE)
    ]
