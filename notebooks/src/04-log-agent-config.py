# ---
# jupyter:
#   jupytext:
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version,-jupytext.text_representation.format_version
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · Configure the log agent
#
# The article ships `/var/log/secure` to CloudWatch Logs with the **awslogs** agent on Amazon Linux 2: it sets
# the region in `/etc/awslogs/awscli.conf`, adds a `[/var/log/secure]` section to `/etc/awslogs/awslogs.conf`
# and starts `awslogsd`. That agent is now deprecated. This notebook writes, reads and checks both the
# article's files and the **unified CloudWatch agent** configuration that replaces them, converts one into the
# other, and prints the commands that install either agent.

# %% [markdown]
# ## Objectives
#
# - Read the article's `awscli.conf` and `awslogs.conf`, and say what every option means.
# - Catch the usual mistakes before an agent does: an unsupported `datetime_format` symbol, a misspelt key,
#   a `buffer_duration` below its minimum.
# - Write the unified agent's JSON (logs plus memory and disk metrics), check it against AWS's schema, and
#   convert the article's legacy file into it.
# - Store the configuration in Systems Manager Parameter Store, where the agent can fetch it, and know the
#   install commands for Amazon Linux 2023 (and the article's deprecated Amazon Linux 2 way).

# %% [markdown]
# ## Prerequisites and time
#
# - Notebook 03 explains the IAM role the agent needs; this notebook launches no instance and needs no role.
# - About 25 minutes. On a real account everything here is free: standard Parameter Store parameters cost
#   nothing, and step 8 sends a few kilobytes to CloudWatch Logs (ingestion is priced per GB).

# %% [markdown]
# ## Setup

# %%
import datetime as dt
import json
import warnings

import pandas as pd

import labkit
from labkit.lesson.agent import (
    LogSource,
    al2023_script,
    al2_awslogs_script,
    awscli_conf,
    awslogs_conf,
    convert_awslogs_conf,
    options_table,
    render,
    unified_config,
    validate_awslogs_conf,
    validate_unified,
)
from labkit import differences_box
from labkit import InvalidAgentConfig

lab = labkit.connect()
pd.set_option("display.max_colwidth", 120)
differences_box("04")

# %% [markdown]
# ## Step 1: The article's two files
#
# A `LogSource` is one file to ship. The article's is `/var/log/secure` into the log group `ssh_logs`, in a
# stream named after the instance, with syslog's timestamp format (`Jun  1 00:05:03`).

# %%
secure = LogSource("/var/log/secure", "ssh_logs")
print(awscli_conf("ap-northeast-1"))
print(awslogs_conf([secure]))

# %% [markdown]
# `awscli.conf` tells the agent (a plug-in of the AWS CLI) which region to send to; the package's default is
# `us-east-1`, so without this edit the logs would land in Virginia. The `[general]` section with `state_file`
# comes with the package: the agent records there how far it has read each file. The article *appends* its
# section to that file; here is the result exactly as the article writes it, checked by the validator:

# %%
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
ARTICLE_AWSCLI_CONF = awscli_conf("ap-northeast-1")

validate_awslogs_conf(ARTICLE_AWSLOGS_CONF)

# %% [markdown]
# `validate_awslogs_conf` returns the log sources it found — the same one we built — or raises with every
# problem at once.

# %% [markdown]
# ## Step 2: What each option means
#
# The agent reference documents fifteen options: three for `[general]`, twelve for each file's section. The
# last column says what the unified agent uses instead (step 4).

# %%
options_table()

# %% [markdown]
# Two of them matter for the SSH alarm of notebook 05:
#
# - `datetime_format` gives each event its **own** time. Without it, events get the time they are read, and a
#   burst of old lines read at once (after an agent restart) would all land in one minute of the metric.
# - `initial_position` defaults to `start_of_file`: an agent started on an old server first sends the whole
#   file. The reference says the agent skips events older than 14 days.

# %% [markdown]
# ## Step 3: Mistakes the validator catches
#
# Each broken file below differs from the article's by one line. The validator names the section and the
# option, and says why.

# %%
def try_awslogs(text: str) -> bool:
    """Print what the validator says about ``text``; True if it refused the file."""
    try:
        validate_awslogs_conf(text)
    except InvalidAgentConfig as error:
        print(error)
        return True
    print("valid")
    return False


mistakes = {
    "%e is GNU date's space-padded day, not a strptime symbol": ARTICLE_AWSLOGS_CONF.replace("%b %d", "%b %e"),
    "log_group is not an option (log_group_name is)": ARTICLE_AWSLOGS_CONF.replace("log_group_name", "log_group"),
    "buffer_duration is in milliseconds, at least 5000": ARTICLE_AWSLOGS_CONF + "buffer_duration = 1000\n",
}
refused = []
for why, text in mistakes.items():
    print(f"--- {why}")
    refused.append(try_awslogs(text))

# %% [markdown]
# The misspelt key is the nastiest one on a real server: the old agent may start anyway and send nothing.

# %% [markdown]
# ## Step 4: The unified CloudWatch agent
#
# AWS's agent reference opens with a warning: the awslogs agent is deprecated, it does not work with IMDSv2
# (instance metadata version 2, the default on new instances), and AWS strongly recommends the **unified
# CloudWatch agent** instead. Its configuration is one JSON file with an `agent`, a `metrics` and a `logs`
# section. `unified_config` writes the same log source, plus the two metrics the article's summary says EC2
# lacks: memory and disk usage (the hypervisor cannot see inside the guest).

# %%
config = unified_config([secure], "ap-northeast-1")
print(json.dumps(config, indent=2))

# %% [markdown]
# - `run_as_user: root` — on Linux the agent runs as root unless `run_as_user` names another user, and the
#   configuration wizard offers `cwagent`, a user the package creates. `/var/log/secure` is readable by root
#   only: an agent running as `cwagent` ships nothing from it and says so only in its own log. Writing `root`
#   makes the choice visible ("Running the CloudWatch agent as a different user",
#   [CloudWatch-Agent-common-scenarios](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-common-scenarios.html#CloudWatch-Agent-run-as-user)).
# - `metrics` — `mem_used_percent` and the root file system's `used_percent` go to the `CWAgent` namespace, one
#   series per instance (`append_dimensions` adds the `InstanceId` dimension). These are **custom metrics**, billed
#   per metric per month on AWS.
# - `log_stream_name` keeps the article's `{instance_id}/var/log/secure`.
#
# `validate_unified` checks the JSON against the rules of AWS's reference page
# ([Manually create or edit the CloudWatch agent configuration file](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-Configuration-File-Details.html)):
# the sections and their fields, types, allowed values and required fields, and the timestamp symbols:

# %%
validate_unified(config)
print("valid")

# %%
def try_unified(change: str, edit: dict[str, object]) -> None:
    broken = json.loads(json.dumps(config))
    broken["logs"]["logs_collected"]["files"]["collect_list"][0].update(edit)
    print(f"--- {change}")
    try:
        validate_unified(broken)
        print("valid")
    except InvalidAgentConfig as error:
        print(error)


try_unified("an unknown key", {"log_group": "ssh_logs"})
try_unified("a symbol the unified agent lacks", {"timestamp_format": "%b %d %H:%M:%S.%f"})
try_unified("a time zone name instead of Local or UTC", {"timezone": "Asia/Tokyo"})

# %% [markdown]
# ## Step 5: Convert the article's configuration
#
# `convert_awslogs_conf` maps each legacy option to its unified field and lists what it could not carry over.
# The article's file converts cleanly, apart from the `[general]` state file:

# %%
conversion = convert_awslogs_conf(ARTICLE_AWSLOGS_CONF, ARTICLE_AWSCLI_CONF)
print(json.dumps(conversion.config["logs"], indent=2))
print("notes:", *conversion.notes, sep="\n  ")

# %% [markdown]
# A tuned legacy section loses more, and the notes say why:

# %%
tuned = ARTICLE_AWSLOGS_CONF + "initial_position = end_of_file\nbuffer_duration = 10000\nbatch_count = 500\n"
print("notes:", *convert_awslogs_conf(tuned).notes, sep="\n  ")

# %% [markdown]
# AWS's own migration path is the agent's configuration wizard
# (`amazon-cloudwatch-agent-config-wizard`), which can read an existing `awslogs.conf`; the converter here
# does the same job offline, and tells you what it dropped.

# %% [markdown]
# ## Step 6: Store the configuration in Parameter Store
#
# Rather than writing the JSON on every instance, keep it in Systems Manager Parameter Store: every instance
# fetches the same configuration with `amazon-cloudwatch-agent-ctl -a fetch-config -c ssm:<name>`. AWS's
# managed policies for the agent (`CloudWatchAgentServerPolicy` to read, `CloudWatchAgentAdminPolicy` to write)
# only cover parameter names that start with `AmazonCloudWatch-`.

# %%
ssm = lab.client("ssm")
ssm.put_parameter(
    Name="AmazonCloudWatch-ssh", Type="String", Value=json.dumps(config), Overwrite=True,
    Description="unified CloudWatch agent: /var/log/secure to ssh_logs, memory and disk metrics",
)
stored = json.loads(ssm.get_parameter(Name="AmazonCloudWatch-ssh")["Parameter"]["Value"])
stored == config

# %% [markdown]
# ## Step 7: Install commands
#
# `al2023_script` is user data (or a Systems Manager Run Command script) for **Amazon Linux 2023**. Note the
# `rsyslog` line: AL2023 keeps its logs in the systemd journal and has **no `/var/log/secure`** until rsyslog is
# installed. Without it the agent would watch a file that never appears.

# %%
print(al2023_script([secure], "ap-northeast-1"))

# %% [markdown]
# To fetch the configuration stored in step 6 instead of writing the file, the last line becomes
# `amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c ssm:AmazonCloudWatch-ssh`.
#
# The article's way still works on **Amazon Linux 2**, but both halves are past their time: the awslogs agent
# is deprecated, and Amazon Linux 2 reaches its end of support on 2026-06-30. `al2_awslogs_script` says so with
# a `DeprecationWarning`:

# %%
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    script = al2_awslogs_script([secure], "ap-northeast-1")
print("warning:", caught[0].message)
print(script)

# %% [markdown]
# The same files come from the command line (in a terminal, with the virtual environment active):
#
# ```bash
# labkit agent-config --file /var/log/secure --log-group ssh_logs                    # the article's two files
# labkit agent-config --file /var/log/secure --log-group ssh_logs --format unified   # the unified JSON
# ```
#
# The command prints what `labkit.aws.agent.render` returns:

# %%
print(render("/var/log/secure", "ssh_logs", fmt="awslogs"))

# %% [markdown]
# ## Step 8: Try the configuration
#
# No instance runs in this notebook, but the kit's `SimulatedAgent` follows a `collect_list` entry the way the
# agent does: it reads each line's timestamp with `timestamp_format`, groups lines into events, batches them and
# sends them with `put_log_events`. Here it ships an hour of ordinary SSH logins (no attack yet: that is
# notebook 05) for a made-up instance id.

# %%
from labkit.lesson.logs import SecureLogGenerator, SimulatedAgent

logs = lab.client("logs")
entry = config["logs"]["logs_collected"]["files"]["collect_list"][0]
agent = SimulatedAgent(logs, entry, instance_id="i-0123456789abcdef0", now=lab.clock.now)
lines = SecureLogGenerator(seed=4).normal(lab.clock.now() - dt.timedelta(minutes=60), 60)
shipped = agent.ship(lines)
print(f"{len(lines)} lines → {shipped.events_sent} events in {len(shipped.batches)} batch(es); "
      f"created the group: {shipped.created_group}, the stream: {shipped.created_stream}")

# %%
streams = logs.describe_log_streams(logGroupName="ssh_logs")["logStreams"]
[s["logStreamName"] for s in streams]

# %%
events = logs.get_log_events(logGroupName="ssh_logs", logStreamName=streams[0]["logStreamName"], startFromHead=True)
for event in events["events"][:4]:
    print(dt.datetime.fromtimestamp(event["timestamp"] / 1000, dt.timezone.utc), "|", event["message"])

# %% [markdown]
# Each event carries the time written in the line, not the time it was sent: that is what `timestamp_format`
# is for.

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** Servers usually ship more than one file. Build a unified configuration that ships
# `/var/log/secure` to `ssh_logs` **and** `/var/log/messages` to a new log group `system_logs`, check it with
# `validate_unified`, and store it as the SSM parameter `AmazonCloudWatch-linux` (the name the agent's wizard
# uses). `ex1.hint()` gives a hint; `ex1.solution()` shows an answer.

# %%
from labkit.course.exercises.nb04 import two_sources as ex1

# %% tags=["solution"]
both = unified_config(
    [LogSource("/var/log/secure", "ssh_logs"), LogSource("/var/log/messages", "system_logs")], "ap-northeast-1"
)
validate_unified(both)
version = ssm.put_parameter(Name="AmazonCloudWatch-linux", Type="String", Value=json.dumps(both), Overwrite=True)["Version"]

# %%
ex1.check(lab)

# %% [markdown]
# **Exam practice (SAA-C03).** Exam-style questions on this notebook, each practising a task statement of the
# SAA-C03 exam guide. `quiz.ask(n)` shows question *n* again, `quiz.answer(n, "B")` tells you whether B is right,
# why, and the AWS documentation page the answer comes from; `quiz.reveal(n)` gives the answer.

# %%
import labkit.course.quiz

quiz = labkit.course.quiz.for_notebook("04")
quiz.show()

# %%
quiz.answer(1, "B")  # your answer to question 1: "A", "B", "C" or "D"; then questions 2, 3 …

# %% [markdown]
# ## Check your work

# %%
from labkit import Checks

checks = Checks("04-log-agent-config")
checks.that(validate_awslogs_conf(ARTICLE_AWSLOGS_CONF) == [secure], "the article's awslogs.conf is valid")
checks.that(refused == [True, True, True], "the three broken files were refused")
checks.that(validate_unified(config) is None, "the unified configuration passes the schema")
checks.that(conversion.config["logs"] == config["logs"], "the converter turns the article's file into the same logs section")
checks.that(
    json.loads(ssm.get_parameter(Name="AmazonCloudWatch-ssh")["Parameter"]["Value"]) == config,
    "the configuration is stored in Parameter Store",
)
checks.that(shipped.events_sent == len(lines), "the simulated agent shipped every line")
checks.that(not ex1.problems(lab), "exercise 1: two files in AmazonCloudWatch-linux")
checks.report(lab)  # if a check fails: cleans the lab up, then stops here

# %% [markdown]
# ## Summary and what's next
#
# - The article's awslogs agent needs two files: the region in `awscli.conf`, one section per file in
#   `awslogs.conf`. It is deprecated, and Amazon Linux 2 reaches end of support on 2026-06-30.
# - The unified CloudWatch agent takes one JSON file (or an `AmazonCloudWatch-*` parameter), ships the same
#   logs and also publishes memory and disk metrics; on AL2023 install rsyslog to get `/var/log/secure`, and
#   run the agent as root to read it.
# - Validate before you deploy: a misspelt key or a wrong timestamp symbol fails silently on the server.
# - Next: **05 · SSH failure metric filter** — the agent ships an attack, a metric filter counts `[preauth]`,
#   and the "SSH Failed" alarm emails you.

# %% [markdown]
# ## Clean up

# %%
report = lab.teardown()
print(report)
assert lab.inventory() == [], lab.inventory()
