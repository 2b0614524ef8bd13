"""``labkit doctor``: is this machine ready for the labs? Printed as OK/FAIL lines, in the lab's language
(``LABKIT_LANG``; the Japanese notebook 00 shows them in Japanese).

Run in notebook 00-setup-and-monitoring-types and from the command line.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from pathlib import Path

from labkit.exceptions import LabkitError
from labkit.i18n import N_, _, language, ngettext, set_language
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
    "reference/cloudwatch-agent-schema.json": N_("the agent's JSON schema, cross-checked with labkit's rules"),
    "seed/article-ja.txt": N_("the article, cross-checked with the glossary's quotes"),
}


def shared_dir() -> Path:
    """The shared folder: ``LABKIT_SHARED_DIR``, else ``shared`` beside the repository (as in CI)."""
    return Path(os.environ.get("LABKIT_SHARED_DIR") or REPO.parent / "shared")


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def diagnose(backend: str | None = None, region: str = "ap-northeast-1", lang: str | None = None) -> list[Finding]:
    """Check Python, the packages, the optional reference files, and a round trip to the backend.

    ``lang`` (``"en"`` or ``"ja"``) speaks that language from now on, as ``labkit.connect(lang=...)`` does:
    the Japanese notebook 00 passes it, since its doctor cell runs before the setup cell connects.
    """
    if lang is not None:
        set_language(lang)
    findings = [
        Finding(sys.version_info >= (3, 10), _("Python 3.10 or newer"), sys.version.split()[0]),
    ]
    for package in REQUIRED:
        version = _version(package)
        findings.append(
            Finding(version is not None, _("package {name}").format(name=package), version or _("not installed"))
        )
    for package in OPTIONAL:
        version = _version(package)
        if version:
            findings.append(Finding(True, _("package {name}").format(name=package), version))
    findings += dataset_findings() + reference_findings()

    try:
        name = resolve_backend_name(backend)
    except LabkitError as error:
        return [*findings, Finding(False, _("backend"), str(error))]
    findings.append(Finding(True, _("backend"), _("{backend} in {region}").format(backend=name, region=region)))
    try:
        # The lab's language stays (connect would otherwise reset it to LABKIT_LANG's in a lang="ja" notebook).
        with connect(name, region, clear_abandoned=False, lang=language()) as lab:
            sns = lab.client("sns")
            arn = sns.create_topic(Name="labkit-doctor")["TopicArn"]
            found = any(topic["TopicArn"] == arn for topic in sns.list_topics()["Topics"])
            report = lab.teardown()
            findings.append(
                Finding(found and report.ok, _("round trip"), _("created, listed and deleted an SNS topic"))
            )
            if lab.emulator is not None:
                answered = lab.emulator.answered()
                completes = ngettext(
                    "completes moto with {count} call and a lab clock at {time} UTC; works offline",
                    "completes moto with {count} calls and a lab clock at {time} UTC; works offline",
                    len(answered),
                )
                findings.append(
                    Finding(
                        True,
                        _("emulator"),
                        completes.format(count=len(answered), time=f"{lab.clock.now():%Y-%m-%d %H:%M}"),
                    )
                )
            else:
                findings.append(Finding(True, _("emulator"), _("off: AWS itself evaluates alarms and sends email")))
                findings.extend(preflight(lab.internal_client))
    except Exception as error:  # noqa: BLE001 — the doctor reports any failure as a FAIL line
        findings.append(Finding(False, _("round trip"), f"{type(error).__name__}: {error}"))
    return findings


def dataset_findings() -> list[Finding]:
    """One line per file of ``data/`` the notebooks open, when labkit runs from a clone of the project."""
    if not (REPO / "notebooks").is_dir():
        return []
    findings = []
    for name in DATASETS:
        path = REPO / "data" / name
        if path.is_file():
            size = path.stat().st_size
            detail = ngettext("{size:,} byte", "{size:,} bytes", size).format(size=size)
        else:
            detail = _("missing: run make data")
        findings.append(Finding(path.is_file(), _("dataset data/{name}").format(name=name), detail))
    return findings


def reference_findings() -> list[Finding]:
    """One OPT line per optional reference file: present, or absent and what that skips."""
    findings = []
    for relative, role in OPTIONAL_REFERENCE_FILES.items():
        path = shared_dir() / relative
        state = _("present") if path.is_file() else _("absent; its test cross-checks skip (CI=true requires it)")
        findings.append(
            Finding(
                True,
                _("optional reference {path}").format(path=path),
                _("{state} — {role}; the labs never need it").format(state=state, role=_(role)),
                optional=True,
            )
        )
    return findings
