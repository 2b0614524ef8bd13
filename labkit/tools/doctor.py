"""``labkit doctor``: is this machine ready for the labs? Printed as OK/FAIL lines.

Run in notebook 00-setup-and-monitoring-types and from the command line.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from pathlib import Path

from labkit.exceptions import LabkitError
from labkit.runtime.backends import resolve_backend_name
from labkit.runtime.lab import connect
from labkit.runtime.preflight import Finding, preflight
from labkit.tools.datasets import DATASETS

REQUIRED = ("boto3", "botocore", "moto", "pandas", "matplotlib", "jsonschema", "tqdm", "nbclient", "jupytext")
OPTIONAL = ("jupyterlab", "nbval", "pytest", "hypothesis")
#: The repository this labkit was imported from (an editable install or a clone on sys.path).
REPO = Path(__file__).resolve().parents[2]
#: Files of the project's shared folder that tests cross-check with when present (CI=true requires
#: them); nothing a learner, an instructor or a make target runs reads them.
OPTIONAL_REFERENCE_FILES = {
    "reference/cloudwatch-agent-schema.json": "the agent's JSON schema, cross-checked with labkit's rules",
    "seed/article-ja.txt": "the article, cross-checked with the glossary's quotes",
}


def shared_dir() -> Path:
    """The shared folder: ``LABKIT_SHARED_DIR``, else ``shared`` beside the repository (as in CI)."""
    return Path(os.environ.get("LABKIT_SHARED_DIR") or REPO.parent / "shared")


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def diagnose(backend: str | None = None, region: str = "ap-northeast-1") -> list[Finding]:
    """Check Python, the packages, the optional reference files, and a round trip to the backend."""
    findings = [
        Finding(sys.version_info >= (3, 10), "Python 3.10 or newer", sys.version.split()[0]),
    ]
    for package in REQUIRED:
        version = _version(package)
        findings.append(Finding(version is not None, f"package {package}", version or "not installed"))
    for package in OPTIONAL:
        version = _version(package)
        if version:
            findings.append(Finding(True, f"package {package}", version))
    findings += dataset_findings() + reference_findings()

    try:
        name = resolve_backend_name(backend)
    except LabkitError as error:
        return [*findings, Finding(False, "backend", str(error))]
    findings.append(Finding(True, "backend", f"{name} in {region}"))
    try:
        with connect(name, region, clear_abandoned=False) as lab:
            sns = lab.client("sns")
            arn = sns.create_topic(Name="labkit-doctor")["TopicArn"]
            found = any(topic["TopicArn"] == arn for topic in sns.list_topics()["Topics"])
            report = lab.teardown()
            findings.append(Finding(found and report.ok, "round trip", "created, listed and deleted an SNS topic"))
            if lab.emulator is not None:
                answered = lab.emulator.answered()
                findings.append(
                    Finding(True, "emulator", f"completes moto with {len(answered)} calls and a lab clock at "
                            f"{lab.clock.now():%Y-%m-%d %H:%M} UTC; works offline")
                )
            else:
                findings.append(Finding(True, "emulator", "off: AWS itself evaluates alarms and sends email"))
                findings.extend(preflight(lab.internal_client))
    except Exception as error:  # noqa: BLE001 — the doctor reports any failure as a FAIL line
        findings.append(Finding(False, "round trip", f"{type(error).__name__}: {error}"))
    return findings


def dataset_findings() -> list[Finding]:
    """One line per file of ``data/`` the notebooks open, when labkit runs from a clone of the project."""
    if not (REPO / "notebooks").is_dir():
        return []
    findings = []
    for name in DATASETS:
        path = REPO / "data" / name
        findings.append(Finding(path.is_file(), f"dataset data/{name}",
                                f"{path.stat().st_size:,} bytes" if path.is_file() else "missing: run make data"))
    return findings


def reference_findings() -> list[Finding]:
    """One OPT line per optional reference file: present, or absent and what that skips."""
    findings = []
    for relative, role in OPTIONAL_REFERENCE_FILES.items():
        path = shared_dir() / relative
        state = "present" if path.is_file() else "absent; its test cross-checks skip (CI=true requires it)"
        findings.append(Finding(True, f"optional reference {path}", f"{state} — {role}; the labs never need it",
                                optional=True))
    return findings
