"""The project's own files install everything; the public API stays small and deliberate."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

REPO = Path(__file__).resolve().parents[1]


def test_environment_yml_installs_through_pyproject() -> None:
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = next(item for item in environment["dependencies"] if isinstance(item, dict))["pip"]
    assert pip_section == ["-e .[test]"], "environment.yml must install the kit from pyproject.toml, not list packages"
    python = next(item for item in environment["dependencies"] if str(item).startswith("python="))
    required = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    assert required == ">=3.10" and python.split("=")[1] >= "3.10"


def test_stack_named_in_the_guide_is_declared() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = {dep.split("[")[0].split(">")[0].split("<")[0].split("=")[0] for dep in project["dependencies"]}
    declared |= {dep.split(">")[0] for dep in project["optional-dependencies"]["test"]}
    assert {"jupyterlab", "boto3", "pandas", "matplotlib", "moto", "nbval"} <= declared


def test_import_labkit_does_not_load_boto3_or_moto() -> None:
    code = "import sys, labkit; print(sorted(m for m in ('boto3', 'moto', 'pandas', 'botocore') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"


def test_ci_calls_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme
    assert "make test" in (REPO / ".ci" / "run").read_text()
