"""Log-agent configuration: generate, check and convert what ships /var/log/secure to CloudWatch Logs.

- :mod:`labkit.aws.agent.awslogs` — the article's legacy agent: ``awscli.conf``, ``awslogs.conf`` and
  a check of every option against the CloudWatch Logs agent reference.
- :mod:`labkit.aws.agent.unified` — the unified CloudWatch agent's JSON, its check against AWS's
  documented rules, and a converter from ``awslogs.conf``.
- :mod:`labkit.aws.agent.scripts` — user data / SSM scripts that install and start either agent.

:func:`render` is what ``labkit agent-config`` prints.

Taught in notebook 04-log-agent-config.
"""

from __future__ import annotations

import json

from labkit.aws.agent.awslogs import (
    AWSCLI_CONF_PATH,
    AWSLOGS_CONF_PATH,
    LogSource,
    awscli_conf,
    awslogs_conf,
    parse_awslogs_conf,
    validate_awslogs_conf,
    validate_source,
)
from labkit.aws.agent.scripts import al2_awslogs_script, al2023_script
from labkit.aws.agent.unified import (
    Conversion,
    convert_awslogs_conf,
    source_from_collect_list,
    unchecked_parts,
    unified_config,
    unified_problems,
    validate_unified,
)
from labkit.exceptions import ConfigurationError

__all__ = [
    "Conversion",
    "LogSource",
    "al2023_script",
    "al2_awslogs_script",
    "awscli_conf",
    "awslogs_conf",
    "convert_awslogs_conf",
    "parse_awslogs_conf",
    "render",
    "source_from_collect_list",
    "unchecked_parts",
    "unified_config",
    "unified_problems",
    "validate_awslogs_conf",
    "validate_source",
    "validate_unified",
]

FORMATS = ("awslogs", "unified")


def render(file: str, log_group: str, fmt: str = "awslogs", region: str = "ap-northeast-1") -> str:
    """What ``labkit agent-config --file F --log-group G [--format awslogs|unified] [--region R]`` prints.

    ``awslogs``: ``awscli.conf`` then ``awslogs.conf``, each after a ``# /etc/awslogs/...``
    header line. ``unified``: the JSON alone, so it can be piped to a file or ``jq``.
    """
    source = LogSource(file, log_group)
    validate_source(source)
    if fmt == "awslogs":
        return (f"# {AWSCLI_CONF_PATH}\n{awscli_conf(region)}\n# {AWSLOGS_CONF_PATH}\n{awslogs_conf([source])}").rstrip(
            "\n"
        )
    if fmt == "unified":
        return json.dumps(unified_config([source], region), indent=2)
    raise ConfigurationError(f"unknown agent config format {fmt!r}; choose one of {', '.join(FORMATS)}")
