"""'Check your work': the checks every notebook ends with, which fail loudly.

Taught from notebook 00-setup-and-monitoring-types on; ``labkit run`` counts the
``N/M checks passed`` line each notebook prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from labkit.exceptions import LabkitError

SUMMARY = re.compile(r"(\d+)/(\d+) checks passed")


class ChecksFailed(LabkitError, AssertionError):
    """At least one 'check your work' item failed."""


@dataclass
class Checks:
    """Collects named checks, prints them, and raises :class:`ChecksFailed` if any failed."""

    notebook: str
    results: list[tuple[bool, str, str]] = field(default_factory=list)

    def that(self, condition: object, description: str, hint: str = "") -> bool:
        """Record one check; ``hint`` is shown only when it fails."""
        passed = bool(condition)
        self.results.append((passed, description, hint))
        return passed

    def report(self) -> None:
        """Print every check and the summary; raise if any failed."""
        for passed, description, hint in self.results:
            mark = "✔" if passed else "✘"
            line = f"{mark} {description}"
            if not passed and hint:
                line += f"\n    hint: {hint}"
            print(line)
        passed_count = sum(passed for passed, _, _ in self.results)
        print(f"{self.notebook}: {passed_count}/{len(self.results)} checks passed")
        # In a workshop (LABKIT_PARTICIPANT on a moto server) the result goes on the instructor's board.
        from labkit.workshop import record_checks

        record_checks(self.notebook, passed_count, len(self.results))
        failed = [description for passed, description, _ in self.results if not passed]
        if failed or not self.results:
            raise ChecksFailed(f"{self.notebook}: failed checks: {', '.join(failed) or 'no checks were run'}")
