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
# # 00 · Setup and the kinds of monitoring
#
# This course turns a well-known Japanese article on *minimum AWS monitoring* into labs you can run.
# The article starts with a question: what does it mean to "monitor a server"? This notebook answers it,
# checks that your machine is ready, and takes you through your first boto3 calls against the lab.

# %% [markdown]
# ## Objectives
#
# - Name the seven kinds of monitoring from the article (死活監視, リソース監視, ログ監視, …), the AWS
#   services behind each, and the SAA-C03 domain each belongs to.
# - Check your environment and connect to the lab backend.
# - Make your first boto3 calls, let lab time pass, and clean up everything you created.
# - Read the article's Japanese console steps as English console labels and boto3 calls.

# %% [markdown]
# ## Prerequisites and time
#
# - Python basics. No AWS account: by default the lab runs offline on [moto](https://docs.getmoto.org/),
#   inside this notebook's kernel.
# - About 20 minutes.

# %% [markdown]
# ## Setup
#
# `labkit` is the course's helper package. `labkit.connect()` opens a lab: on the default `moto` backend
# it starts an empty, private AWS account in this kernel, in the Tokyo region (`ap-northeast-1`), with a
# *lab clock* that starts at a fixed instant so that your outputs match the ones printed here.

# %%
import labkit
from labkit.tools.doctor import diagnose

# Versions differ from machine to machine, so only the verdicts are printed here;
# `labkit doctor` in a terminal shows the details.
for finding in diagnose():
    if not finding.optional:  # reference files for the kit's own tests: `labkit doctor` lists them
        print("OK  " if finding.ok else "FAIL", finding.what)

# %%
lab = labkit.connect()
lab

# %%
from labkit import differences_box

differences_box("00")

# %% [markdown]
# ## Step 1: The kinds of monitoring
#
# The article lists what to watch on a server, then what the cloud adds. Each row names the AWS services
# that answer the question and the notebook of this course that teaches them.

# %%
import pandas as pd

from labkit.course.curriculum import monitoring_types_table

pd.set_option("display.max_colwidth", 80)
monitoring_types_table()

# %% [markdown]
# A few points the exam likes to test:
#
# - **Liveness is more than ping.** EC2 runs *status checks* on the host (system) and the instance;
#   an alarm on `StatusCheckFailed_System` can recover the instance automatically (notebook 07).
# - **Memory and disk usage are not default EC2 metrics.** The hypervisor cannot see inside the guest;
#   the CloudWatch agent publishes them as custom metrics (notebooks 01 and 04).
# - **Audit and threat detection are different jobs.** CloudTrail records who called which API;
#   GuardDuty analyses such logs to find threats; Config records what changed and whether it complies (notebook 06).

# %% [markdown]
# ## Step 2: Your first boto3 calls
#
# `lab.client("sns")` is an ordinary boto3 client — exactly what you would write against AWS. SNS
# (Simple Notification Service) is how every alert in this course reaches you: an alarm publishes to a
# *topic*, and the topic delivers to its *subscriptions* (email, SQS, Lambda, …).

# %%
sns = lab.client("sns")
topic_arn = sns.create_topic(Name="lab-alerts")["TopicArn"]
topic_arn

# %%
[topic["TopicArn"] for topic in sns.list_topics()["Topics"]]

# %% [markdown]
# The lab tagged the topic with `labkit:lab`, so that teardown can later find everything this notebook
# created — and nothing else.

# %%
sns.list_tags_for_resource(ResourceArn=topic_arn)["Tags"]

# %% [markdown]
# ## Step 3: Lab time
#
# Monitoring is about time: an alarm looks at the last few periods of a metric. On the offline backend, time
# passes only when you say so, and everything that AWS would do meanwhile (evaluate alarms, publish metrics,
# deliver email) happens during the jump.

# %%
print("lab time now:   ", lab.clock.now())
lab.advance(minutes=15)
print("15 minutes later:", lab.clock.now())

# %% [markdown]
# ## Step 4: The article's console words, in boto3
#
# The article clicks through the Japanese console: アラーム > アラームの作成 > メトリクスの選択, ロール > ロールの作成,
# ロググループ > メトリクスフィルターを作成, 証跡 … The labs make the same moves as boto3 calls. This glossary links the
# article's wording, the English console label and the API call, so you can follow all three side by side.

# %%
from labkit.course.glossary import glossary_table, lookup

print(lookup("アラームの作成").english, "→", lookup("アラームの作成").api)
glossary_table()[["Japanese (article)", "English console", "API", "notebook"]]

# %% [markdown]
# Console labels change when AWS redesigns a page; the API names do not. That is one reason the labs use boto3.

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** Create an SNS topic named `ops-alerts` with the tag `team=ops`. Then run the check.
# `ex1.hint()` gives a hint; `ex1.solution()` shows an answer.

# %%
from labkit.course.exercises.nb00 import ops_topic as ex1

# %% tags=["solution"]
ops_topic_arn = sns.create_topic(Name="ops-alerts")["TopicArn"]
sns.tag_resource(ResourceArn=ops_topic_arn, Tags=[{"Key": "team", "Value": "ops"}])
ops_topic_arn

# %%
ex1.check(lab)

# %% [markdown]
# **Exam practice (SAA-C03).** Every notebook ends its exercises with a few exam-style questions, each mapped to
# a task statement of the SAA-C03 exam guide. `quiz.ask(n)` shows question *n*, `quiz.answer(n, "B")` tells you
# whether B is right and why, `quiz.reveal(n)` gives the answer with the AWS page it comes from.

# %%
import labkit.course.quiz

quiz = labkit.course.quiz.for_notebook("00")
quiz.ask(1)

# %%
quiz.answer(1, "B")  # your answer: "A", "B", "C" or "D"

# %% [markdown]
# ## Check your work

# %%
from labkit import Checks

checks = Checks("00-setup-and-monitoring-types")
topics = [t["TopicArn"].rsplit(":", 1)[-1] for t in sns.list_topics()["Topics"]]
checks.that(lab.backend.name in ("moto", "moto-server", "aws"), "connected to a lab backend")
checks.that("lab-alerts" in topics, "the topic lab-alerts exists")
checks.that(not ex1.problems(lab), "exercise 1: ops-alerts is tagged team=ops")
checks.that(lab.clock.now() >= lab.clock.started_at, "lab time moved forward")
checks.report(lab)  # if a check fails: cleans the lab up, then stops here

# %% [markdown]
# ## Summary and what's next
#
# - Monitoring a server means watching liveness, resources, logs and the service from outside; the cloud adds
#   cost, API audit and the provider's own outages.
# - Every lab is genuine boto3 against a backend: offline moto by default, a moto server for a workshop, or a
#   sandbox account (`LABKIT_BACKEND=aws`).
# - Next: **01 · Metric exploration** — the metrics EC2 publishes by itself, and how to read them.

# %% [markdown]
# ## Clean up
#
# Teardown deletes what this notebook created, in dependency order, and then proves that nothing is left.

# %%
report = lab.teardown()
print(report)
assert lab.inventory() == [], lab.inventory()
