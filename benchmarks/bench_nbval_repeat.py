"""Are the committed notebook outputs what a rerun prints? Strict nbval over every notebook, N times in a row.

Each run is ``pytest <every notebook> --nbval --nbval-current-env --nbval-sanitize-with
notebooks/sanitize.cfg`` (the Makefile's ``nbval`` target, over ``labkit.tools.notebooks.notebook_paths``,
06b included) in a fresh process, so every notebook gets fresh kernels. A mismatch is a cell
whose output differs from the committed one (or that fails). Target: zero in ten runs (issue 14, §7).
Takes about a minute per run; not part of the test suite.

    .venv/bin/python benchmarks/bench_nbval_repeat.py [--runs 10]
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from labkit.tools.notebooks import notebook_paths

REPO = Path(__file__).resolve().parents[1]


def run_once(notebooks: list[Path], report: Path) -> tuple[int, list[str]]:
    """One strict nbval run: (cells checked, the cells that mismatched or failed)."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        *map(str, notebooks),
        "--nbval",
        "--nbval-current-env",
        "--nbval-sanitize-with",
        str(REPO / "notebooks" / "sanitize.cfg"),
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={report}",
    ]
    subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    cases = ElementTree.parse(report).getroot().iter("testcase")
    checked, bad = 0, []
    for case in cases:
        checked += 1
        if case.find("failure") is not None or case.find("error") is not None:
            bad.append(f"{Path(case.get('classname', '').replace('.', '/')).name} {case.get('name')}")
    return checked, bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    notebooks = notebook_paths(REPO)
    total: collections.Counter[str] = collections.Counter()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for run in range(1, runs + 1):
            began = time.perf_counter()
            checked, bad = run_once(notebooks, Path(folder) / f"run{run}.xml")
            total.update(bad)
            print(
                f"run {run:2}: {checked} cells in {len(notebooks)} notebooks, {len(bad)} mismatch(es) "
                f"({time.perf_counter() - began:.0f} s){': ' + ', '.join(bad) if bad else ''}",
                flush=True,
            )
    print(f"{runs} runs in {time.perf_counter() - started:.0f} s: {sum(total.values())} mismatch(es) in total")
    for cell, count in total.most_common():
        print(f"  {count}/{runs}  {cell}")
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()
