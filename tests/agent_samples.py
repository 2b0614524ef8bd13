"""The article's legacy-agent configuration, shared by the agent tests (tests/test_agent.py,
tests/test_agent_messages.py)."""

from __future__ import annotations

#: The article's awslogs.conf addition, verbatim, under the package's [general] section.
ARTICLE_AWSLOGS_CONF = """\
[general]
state_file = /var/lib/awslogs/agent-state

# SSH logs
[/var/log/secure]
file = /var/log/secure
log_group_name = ssh_logs
log_stream_name = {instance_id}/var/log/secure
datetime_format = %b %d %H:%M:%S
"""
#: The same without the article's "# SSH logs" comment, as ``labkit agent-config`` writes it.
ARTICLE_AWSLOGS_CONF_UNCOMMENTED = ARTICLE_AWSLOGS_CONF.replace("# SSH logs\n", "")
