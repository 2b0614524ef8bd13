"""What `make lab` shows first: the start page, the file browser, notebooks that open unchanged.

tests/browser/ checks the same in a real browser (`make test-browser`); these run with `make test`.
"""

from __future__ import annotations

import fnmatch
import json
import re
import subprocess
from importlib.metadata import entry_points
from pathlib import Path

import nbformat
import pytest
from traitlets.config.loader import PyFileConfigLoader

from labkit.tools.notebooks import kernelspec, notebook_paths

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = notebook_paths(REPO)
START_PAGE = REPO / "notebooks" / "START-HERE.md"


def lab_config() -> dict:
    """jupyter/jupyter_lab_config.py as JupyterLab loads it (`make lab` sets JUPYTER_CONFIG_DIR there)."""
    return PyFileConfigLoader("jupyter_lab_config.py", path=str(REPO / "jupyter")).load_config()


def minutes_of(notebook_path: Path) -> int:
    """The "About N minutes" of a notebook's "Prerequisites and time" section."""
    notebook = nbformat.read(notebook_path, as_version=4)
    section = next(c.source for c in notebook.cells if "## Prerequisites and time" in c.source)
    return int(re.search(r"About (\d+) minutes", section).group(1))


def start_page_rows() -> list[tuple[str, str, int]]:
    """(link text, linked notebook, minutes) for each row of the start page's table."""
    rows = re.findall(r"^\| \d+ \| \[([^\]]+)\]\(([^)]+)\) \| [^|]+ \| (\d+) \|$", START_PAGE.read_text(), re.M)
    return [(text, target, int(minutes)) for text, target, minutes in rows]


def test_start_page_lists_every_notebook_in_order_with_its_minutes() -> None:
    rows = start_page_rows()
    assert [target for _, target, _ in rows] == [p.name for p in NOTEBOOKS], "update notebooks/START-HERE.md"
    for (text, _, minutes), path in zip(rows, NOTEBOOKS):
        assert text.startswith(path.stem.split("-")[0] + " · "), text
        assert minutes == minutes_of(path), f"{path.stem} says About {minutes_of(path)} minutes"


def test_start_page_total_is_the_sum_of_the_minutes() -> None:
    total = sum(minutes for _, _, minutes in start_page_rows())
    hours, minutes = re.search(r"About (\d+) h (\d+) min in all", START_PAGE.read_text()).groups()
    assert int(hours) * 60 + int(minutes) == total


def test_jupyterlab_opens_on_the_start_page_and_hides_what_learners_do_not_need() -> None:
    config = lab_config()
    root = Path(config.ServerApp.root_dir)
    assert root == REPO / "notebooks"
    assert (root / config.LabApp.default_url.removeprefix("/lab/tree/")) == START_PAGE
    hidden = config.ContentsManager.hide_globs

    def listed(name: str) -> bool:
        return not any(fnmatch.fnmatch(name, pattern) for pattern in hidden)

    assert not listed("src") and not listed("locale") and not listed("sanitize.cfg") and not listed("__pycache__")
    assert listed("ja"), "the Japanese edition's folder is where learners find it"
    assert all(listed(path.name) for path in NOTEBOOKS) and listed(START_PAGE.name)
    assert config.ServerApp.ip == "127.0.0.1" and config.LabApp.news_url is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_kernelspec_is_what_jupyterlab_writes(path: Path) -> None:
    """JupyterLab sets the running kernel's spec on open: equal metadata keeps the notebook unchanged."""
    from jupyter_client.kernelspec import KernelSpecManager

    installed = KernelSpecManager().get_kernel_spec(kernelspec()["name"])
    assert kernelspec() == {"display_name": installed.display_name, "language": installed.language, "name": "python3"}
    assert nbformat.read(path, as_version=4).metadata["kernelspec"] == kernelspec(), "run `make notebooks`"


def makefile_notebooks(folder: Path) -> list[str]:
    """The notebooks the Makefile hands to nbval (`make test`, `make nbval`) when run in ``folder``."""
    listed = subprocess.run(
        [
            "make",
            "-s",
            "--no-print-directory",
            "-f",
            str(REPO / "Makefile"),
            "--eval",
            "print-notebooks: ; @echo $(NOTEBOOKS)",
            "print-notebooks",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    return listed.stdout.split()


def test_makefile_checks_every_notebook_on_disk() -> None:
    """The English notebooks, then the Japanese edition's (strict nbval checks both)."""
    from labkit.tools.translation import edition_paths

    editions = edition_paths(REPO, "ja")
    assert editions, "no Japanese notebooks in notebooks/ja/"
    assert makefile_notebooks(REPO) == [str(p.relative_to(REPO)) for p in [*NOTEBOOKS, *editions]]


def test_makefile_notebook_list_follows_the_naming_rule(tmp_path: Path) -> None:
    """Whatever lab notebooks exist (a lettered 06b-…, a later 12-…), the Makefile's list finds them all."""
    (tmp_path / "notebooks" / "src").mkdir(parents=True)
    for name in ("00-a.ipynb", "06-b.ipynb", "06b-c-d.ipynb", "12-e.ipynb", "START-HERE.md", "src/00-a.py"):
        (tmp_path / "notebooks" / name).write_text("{}")
    expected = [str(p.relative_to(tmp_path)) for p in notebook_paths(tmp_path)]
    assert len(expected) == 4 and makefile_notebooks(tmp_path) == expected


JA_START_PAGE = REPO / "notebooks" / "ja" / "START-HERE.md"


def test_make_lab_ja_opens_the_japanese_start_page_with_jupyterlabs_japanese_menus(monkeypatch) -> None:
    """`make lab-ja` = `make lab` with LABKIT_LANG=ja: the same settings plus the language pack's locale."""
    monkeypatch.setenv("LABKIT_LANG", "ja")
    config = lab_config()
    assert Path(config.ServerApp.root_dir) / config.LabApp.default_url.removeprefix("/lab/tree/") == JA_START_PAGE
    english = json.loads((REPO / "jupyter" / "lab" / "settings" / "overrides.json").read_text())
    japanese = json.loads((Path(config.LabApp.app_settings_dir) / "overrides.json").read_text())
    assert japanese == english | {"@jupyterlab/translation-extension:plugin": {"locale": "ja_JP"}}
    packs = {entry.name for entry in entry_points(group="jupyterlab.languagepack")}
    assert "ja_JP" in packs, "jupyterlab-language-pack-ja-JP (a dependency in pyproject.toml) is not installed"
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^lab-ja: .*\n\tLABKIT_LANG=ja \$\(MAKE\) .*lab$", makefile, re.M)


def test_the_japanese_start_page_lists_the_same_notebooks_and_minutes() -> None:
    rows = re.findall(r"^\| \d+ \| \[([^\]]+)\]\(([^)]+)\) \| [^|]+ \| (\d+) \|$", JA_START_PAGE.read_text(), re.M)
    assert [target for _, target, _ in rows] == [p.name for p in NOTEBOOKS]
    assert [int(minutes) for _, _, minutes in rows] == [minutes for _, _, minutes in start_page_rows()]
    for _, target, _ in rows:
        assert (JA_START_PAGE.parent / target).is_file(), target
