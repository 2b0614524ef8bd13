"""A synthetic check (外形監視) of a URL on this machine, run once a lab minute by the offline emulator,
which publishes what a CloudWatch Synthetics canary publishes (the metrics and the documentation
they follow: :mod:`labkit.emulator.canaries`).

Taught in notebook 07-liveness-url-dashboards.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from labkit.emulator.canaries import SyntheticCheck, require_loopback
from labkit.emulator.synthetic_checks import SyntheticChecks
from labkit.exceptions import ConfigurationError
from labkit.i18n import _

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab

#: CreateCanary ``Name``: lowercase letters, digits, hyphens and underscores
#: (https://docs.aws.amazon.com/AmazonSynthetics/latest/APIReference/API_CreateCanary.html).
NAME_PATTERN = re.compile(r"^[0-9a-z_\-]{1,255}$")


def watch(lab: Lab, name: str, url: str, *, timeout: float = 3.0) -> SyntheticCheck:
    """Run a canary-like check of ``url`` every lab minute (offline labs; on AWS create a canary)."""
    if lab.emulator is None:
        raise ConfigurationError(
            _("on AWS a canary runs in AWS (synthetics.create_canary) and cannot reach this machine's loopback")
        )
    if not NAME_PATTERN.match(name):
        raise ConfigurationError(
            _("canary names use lowercase letters, digits, '-' and '_': {name!r}").format(name=name)
        )
    require_loopback(url)
    check = SyntheticCheck(name, url, timeout)
    lab.emulator.plugin(SyntheticChecks).add(check)
    return check
