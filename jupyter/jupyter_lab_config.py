"""JupyterLab as ``make lab`` starts it: the Makefile sets ``JUPYTER_CONFIG_DIR`` to this folder.

So the settings a learner gets live in the repository, and nothing in ``~/.jupyter`` is read.
``make lab LAB_ARGS=...`` adds command-line options, which win over these (the browser test
serves a copy of the notebooks on a port of its own that way).
"""

import os
from pathlib import Path

here = Path(__file__).resolve().parent

c = get_config()  # noqa: F821 — provided by traitlets when it loads this file

c.ServerApp.ip = "127.0.0.1"  # only this machine; reach it from elsewhere through an SSH tunnel
c.ServerApp.open_browser = False  # make lab runs on servers too; it prints the URL to open
c.ServerApp.root_dir = str(here.parent / "notebooks")
# The first screen: the start page, rendered (overrides.json makes Markdown open as a preview).
c.LabApp.default_url = "/lab/tree/START-HERE.md"
# overrides.json: no Jupyter news pop-up, no update check, Markdown opens rendered. `make lab-ja`
# (LABKIT_LANG=ja) takes settings-ja/, the same plus JupyterLab's Japanese language pack, and opens the
# Japanese edition's start page.
japanese = os.environ.get("LABKIT_LANG") == "ja"
c.LabApp.app_settings_dir = str(here / "lab" / ("settings-ja" if japanese else "settings"))
if japanese:
    c.LabApp.default_url = "/lab/tree/ja/START-HERE.md"
c.LabApp.news_url = None
# custom/custom.css: long notebook names wrap in the file browser.
c.LabApp.custom_css = True
# Learners see the start page, the notebooks and the Japanese edition (ja/): the notebook sources
# (src/), the translation catalogues (locale/) and nbval's sanitize.cfg are for contributors.
# jupyter_server's own defaults come first.
c.ContentsManager.hide_globs = ["__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~", "src", "locale", "sanitize.cfg"]
