"""Exercises of notebook 00-setup-and-monitoring-types."""

from __future__ import annotations

from typing import TYPE_CHECKING

from labkit.course.exercises import Exercise
from labkit.i18n import N_, _

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab


def _ops_topic_problems(lab: Lab) -> list[str]:
    sns = lab.internal_client("sns")
    arns = [t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":ops-alerts")]
    if not arns:
        names = [t["TopicArn"].rsplit(":", 1)[-1] for t in sns.list_topics()["Topics"]]
        return [
            _("there is no SNS topic named 'ops-alerts' (topics now: {topics})").format(
                topics=", ".join(names) or _("none")
            )
        ]
    tags = {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=arns[0])["Tags"]}
    # CreateTopic returns an existing topic as it is and refuses other tags for it, so a tag is fixed with
    # TagResource, which overwrites a tag of the same key (https://docs.aws.amazon.com/sns/latest/api/API_TagResource.html).
    retag = _(
        "; create_topic does not change the tags of a topic that exists: "
        "sns.tag_resource(ResourceArn=..., Tags=[{'Key': 'team', 'Value': 'ops'}]) does"
    )
    if "team" not in tags:
        return [_("the topic 'ops-alerts' exists but has no tag with the key 'team'") + retag]
    if tags["team"] != "ops":
        return [_("the topic's tag team is {value!r}, not 'ops'").format(value=tags["team"]) + retag]
    return []


ops_topic = Exercise(
    title=N_("an SNS topic 'ops-alerts' tagged team=ops"),
    checker=_ops_topic_problems,
    hints=[
        N_("Topics are created with sns.create_topic; look at its Name and Tags parameters."),
        N_("Tags are a list of {'Key': ..., 'Value': ...} dictionaries."),
        N_(
            "The topic exists already? create_topic returns it unchanged (and refuses other tags); "
            "sns.tag_resource(ResourceArn=topic_arn, Tags=[...]) sets a tag's value."
        ),
    ],
    notebook="00",
    number=1,
)
