"""Bash scripts that install and start a log agent, as EC2 user data or an SSM command.

Each function returns one script; for Systems Manager pass
``{"commands": script.splitlines()}`` to the ``AWS-RunShellScript`` document, for EC2 pass the
script as ``UserData``. Configuration files are written with quoted here-documents, so the
shell expands nothing in them (``${aws:InstanceId}`` reaches the agent as written).

The scripts' comments are message templates (:func:`~labkit.aws.agent.problems.N_`) that ``translate`` renders:
:mod:`labkit.lesson.agent` passes the lab's language; commands and file contents are the same in every language.

Taught in notebook 04-log-agent-config.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from collections.abc import Callable

from labkit.aws.agent.awslogs import (
    AGENT_REFERENCE_URL,
    AWSCLI_CONF_PATH,
    AWSLOGS_CONF_PATH,
    LogSource,
    awscli_conf,
    awslogs_conf,
)
from labkit.aws.agent.problems import N_, Problem
from labkit.aws.agent.unified import CONFIG_PATH, unified_config

#: "Amazon Linux 2 end of support is 2026-06-30" (https://aws.amazon.com/amazon-linux-2/faqs/).
AL2_END_OF_SUPPORT = dt.date(2026, 6, 30)
AL2_FAQ_URL = "https://aws.amazon.com/amazon-linux-2/faqs/"
#: What :func:`al2_awslogs_script`'s DeprecationWarning says (:mod:`labkit.lesson.agent` says it in the lab's language).
AL2_DEPRECATION = Problem(
    "",
    N_(
        "awslogs on Amazon Linux 2 is deprecated: Amazon Linux 2 reaches end of support on {date} ({url}); use {instead}"
    ),
    date=AL2_END_OF_SUPPORT.isoformat(),
    url=AL2_FAQ_URL,
    instead="al2023_script()",
)
#: AL2023 logs to the systemd journal and does not install rsyslog, so there is no
#: /var/log/secure until rsyslog is installed.
AL2023_LOGGING_URL = "https://docs.aws.amazon.com/linux/al2023/ug/compare-with-al2.html"
#: Installing the agent package and starting it with ``fetch-config``.
INSTALL_AGENT_URL = (
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/installing-cloudwatch-agent-commandline.html"
)
AGENT_CTL = "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl"
_EOF = "LABKIT_EOF"


def al2023_script(sources: list[LogSource], region: str | None = None, *, translate: Callable[[str], str] = str) -> str:
    """Install the unified CloudWatch agent and rsyslog on Amazon Linux 2023 and start shipping.

    rsyslog is installed and enabled because AL2023 writes no /var/log/secure without it
    (AL2023_LOGGING_URL). The configuration runs the agent as root, which can read that file
    (see :func:`labkit.aws.agent.unified.unified_config`). ``translate`` renders the comments.
    """
    config = json.dumps(unified_config(sources, region), indent=2)
    return "\n".join(
        [
            "#!/bin/bash",
            _comment(
                translate, N_("labkit: unified CloudWatch agent on Amazon Linux 2023 ({url})"), url=INSTALL_AGENT_URL
            ),
            "set -euo pipefail",
            "dnf install -y amazon-cloudwatch-agent rsyslog",
            _comment(
                translate,
                N_("AL2023 keeps logs in the journal; rsyslog writes sshd's to /var/log/secure\n({url})"),
                url=AL2023_LOGGING_URL,
            ),
            "systemctl enable --now rsyslog",
            _write(CONFIG_PATH, config),
            f"{AGENT_CTL} -a fetch-config -m ec2 -s -c file:{CONFIG_PATH}",
            "",
        ]
    )


def al2_awslogs_script(sources: list[LogSource], region: str, *, translate: Callable[[str], str] = str) -> str:
    """The article's way, deprecated: the awslogs agent on Amazon Linux 2.

    Both are past their time: AWS deprecated the awslogs agent (AGENT_REFERENCE_URL) and Amazon
    Linux 2 reaches end of support on 2026-06-30 (AL2_FAQ_URL), hence the DeprecationWarning.
    Unlike the article, which appends to the package's awslogs.conf, this writes the whole file
    (``[general]`` plus ``sources``), so the package's default ``[/var/log/messages]`` section goes.
    ``translate`` renders the comments.
    """
    warnings.warn(str(AL2_DEPRECATION), DeprecationWarning, stacklevel=2)
    return "\n".join(
        [
            "#!/bin/bash",
            _comment(
                translate,
                N_(
                    "DEPRECATED: the awslogs agent ({url}) on Amazon Linux 2,\n"
                    "which reaches end of support on {date} ({faq_url})."
                ),
                url=AGENT_REFERENCE_URL,
                date=AL2_END_OF_SUPPORT.isoformat(),
                faq_url=AL2_FAQ_URL,
            ),
            "set -euo pipefail",
            "yum update -y",
            "yum install -y awslogs",
            _write(AWSCLI_CONF_PATH, awscli_conf(region).rstrip("\n")),
            _write(AWSLOGS_CONF_PATH, awslogs_conf(sources).rstrip("\n")),
            "systemctl start awslogsd.service",
            "systemctl enable awslogsd.service",
            "",
        ]
    )


def _comment(translate: Callable[[str], str], template: str, **fields: str) -> str:
    """Comment lines: each line of ``template``, translated and filled, after ``# ``."""
    return "\n".join(f"# {line}" for line in translate(template).format(**fields).split("\n"))


def _write(path: str, content: str) -> str:
    return f"cat > {path} <<'{_EOF}'\n{content}\n{_EOF}"
