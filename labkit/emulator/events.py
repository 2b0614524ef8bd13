"""EventBridge delivery: events that match a rule reach its SNS and SQS targets (moto's crash or vanish).

moto stores rules and targets, but ``PutEvents`` with an SNS target fails inside moto, and
nothing AWS itself emits (alarm state changes, AWS Health, CloudTrail) ever reaches a bus. This
plugin is the bus:

* :meth:`Events.emit` — what an AWS service does: build the event envelope (lab time, the lab's
  account) and deliver it to every enabled rule of the ``default`` bus whose event pattern
  matches (rules of :mod:`labkit.aws.eventbridge`). Other plugins call it:
  ``lab.emulator.plugin(Events).emit(source, detail_type, detail, resources, region)``.
* ``events.PutEvents`` is answered the same way for the learner's own events, with the documented
  per-entry results (PutEvents API reference,
  https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html, and
  PutEventsResultEntry, https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsResultEntry.html).
  A source starting with ``aws.`` is refused with ``NotAuthorizedForSourceException``: only AWS
  services send those ("source … Customer-generated events can have any value here, as long as it
  doesn't begin with aws.", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html).
* ``events.PutRule`` refuses a malformed pattern with ``InvalidEventPatternException``;
  ``events.TestEventPattern`` is answered with the same matcher the delivery uses.

Targets: an SNS topic receives the event JSON as the message (or the target's ``Input`` /
``InputPath`` / ``InputTransformer`` result) through :mod:`labkit.emulator.sns_email`, so confirmed
email subscribers find it in ``lab.inbox`` — if the topic's access policy lets
``events.amazonaws.com`` publish, as on AWS; an SQS queue receives it as the message body. Other
target types are recorded in :attr:`Events.deliveries` as not delivered offline.

Taught in notebook 06-cloudtrail-eventbridge-health.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from labkit.aws import jsontext
from labkit.aws import eventbridge
from labkit.emulator.sns_email import SnsEmail
from labkit.exceptions import InvalidEventPattern, ServiceError

if TYPE_CHECKING:
    from labkit.emulator.core import Call, Emulator

#: PutEvents takes at most 10 entries (PutEvents API reference, Entries: "Array Members: Minimum
#: number of 1 item. Maximum number of 10 items").
MAX_ENTRIES = 10


@dataclass
class Delivery:
    """One event handed (or not) to one target of one rule."""

    event_id: str
    rule: str
    target_id: str
    target_arn: str
    message: str | None
    delivered: bool
    reason: str = ""


class Events:
    """The plugin's state: every event that entered a bus, and every delivery attempted."""

    requires = (SnsEmail,)

    def __init__(self, emulator: Emulator) -> None:
        self.email = emulator.plugin(SnsEmail)
        self.lab = emulator.lab
        self.emulator = emulator
        self.events: list[dict[str, Any]] = []
        self.deliveries: list[Delivery] = []
        #: Each bus's rules by (region, bus), and each rule's targets by (region, bus, rule), as moto listed
        #: them; dropped on any lab client's EventBridge write (:meth:`watch`): an alarm's state change
        #: publishes an event, and a month of them asked moto again each time. In-process moto only.
        self._rules: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._targets: dict[tuple[str, str, str], list[dict[str, Any]]] = {}

    def watch(self, client: Any) -> None:
        """Drop the kept rules and targets whenever ``client`` (any EventBridge client of the lab) writes."""
        client.meta.events.register("after-call.eventbridge", self._forget_kept)

    def _kept(
        self, kept: dict[Any, list[dict[str, Any]]], key: Any, listed: Callable[[], list[dict[str, Any]]]
    ) -> list[dict[str, Any]]:
        """``kept[key]``, listed first if missing. Kept only when no other process can write the rules: on a
        shared server (a workshop's), another kernel or `labkit catchup` of the account may add one at any time."""
        if not self.lab.backend.in_process:
            return listed()
        found = kept.get(key)
        if found is None:
            found = kept[key] = listed()
        return found

    def _forget_kept(self, model: Any, **_event: Any) -> None:
        if not model.name.startswith(("Describe", "List", "Test")):
            self._rules.clear()
            self._targets.clear()

    # -- what AWS services call -----------------------------------------------------------------
    def emit(
        self,
        source: str,
        detail_type: str,
        detail: dict[str, Any],
        resources: list[str] | None = None,
        region: str | None = None,
    ) -> dict[str, Any]:
        """Send an AWS service event to the ``default`` bus of ``region`` (default: the lab's); returns the event."""
        event = eventbridge.envelope(
            source=source,
            detail_type=detail_type,
            detail=detail,
            account=self.lab.account_id,
            region=region or self.lab.region,
            time=self.lab.clock.now(),
            resources=resources,
        )
        self.publish_event(event)
        return event

    def publish_event(self, event: dict[str, Any], bus: str = "default") -> list[Delivery]:
        """Deliver a ready-made event envelope to the matching rules of ``bus`` in the event's region."""
        self.events.append(event)
        region = event.get("region") or self.lab.region
        events = self.lab.internal_client("events", region)
        made: list[Delivery] = []
        for rule in self._kept(self._rules, (region, bus), functools.partial(_rules, events, bus)):
            if rule.get("State") != "ENABLED" or not rule.get("EventPattern"):
                continue
            try:
                if not eventbridge.matches(rule["EventPattern"], event):
                    continue
            except InvalidEventPattern:
                continue
            listed = functools.partial(_targets, events, bus, rule["Name"])
            for target in self._kept(self._targets, (region, bus, rule["Name"]), listed):
                made.append(self._deliver(rule, target, event))
        self.deliveries.extend(made)
        return made

    def _deliver(self, rule: dict[str, Any], target: dict[str, Any], event: dict[str, Any]) -> Delivery:
        arn = target["Arn"]
        message = eventbridge.target_input(target, event, rule_name=rule["Name"], rule_arn=rule["Arn"])
        record = Delivery(event["id"], rule["Name"], target["Id"], arn, message, False)
        if message is None:
            record.reason = f"InputPath {target.get('InputPath')} found nothing in the event"
            return record
        parts = arn.split(":")
        service, region = parts[2], parts[3]
        try:
            if service == "sns":
                if not self._topic_allows_eventbridge(arn):
                    record.reason = "the topic's access policy does not allow events.amazonaws.com to sns:Publish"
                    return record
                self.email.publish(arn, message)
            elif service == "sqs":
                sqs = self.lab.internal_client("sqs", region)
                url = sqs.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])["QueueUrl"]
                params: dict[str, Any] = {"QueueUrl": url, "MessageBody": message}
                group = target.get("SqsParameters", {}).get("MessageGroupId")
                if group:
                    params["MessageGroupId"] = group
                sqs.send_message(**params)
            else:
                record.reason = f"{service} targets are not delivered offline"
                return record
        except ClientError as error:
            # EventBridge counts a failed invocation (FailedInvocations metric); the event is not re-sent here.
            record.reason = error.response.get("Error", {}).get("Message", str(error))
            return record
        record.delivered = True
        return record

    def _topic_allows_eventbridge(self, topic_arn: str) -> bool:
        """Whether the topic's resource policy lets EventBridge publish.

        "For EventBridge to publish to an SNS topic … the topic's policy must allow
        events.amazonaws.com sns:Publish" ("Using resource-based policies for Amazon EventBridge",
        Amazon SNS permissions, https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions).
        A topic's default policy (any principal of the owner account) does not. Statements with a
        Condition are accepted only when they name the service (guess: conditions are not evaluated).
        """
        region = topic_arn.split(":")[3]
        attributes = self.lab.internal_client("sns", region).get_topic_attributes(TopicArn=topic_arn)["Attributes"]
        statements = jsontext.loads(attributes.get("Policy") or "{}").get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            actions = statement.get("Action", [])
            actions = [actions] if isinstance(actions, str) else actions
            if statement.get("Effect") != "Allow" or not {"sns:Publish", "sns:*", "*"} & set(actions):
                continue
            principal = statement.get("Principal", {})
            services = principal.get("Service", []) if isinstance(principal, dict) else []
            services = [services] if isinstance(services, str) else services
            anyone = principal == "*" or (isinstance(principal, dict) and principal.get("AWS") == "*")
            if "events.amazonaws.com" in services or (anyone and not statement.get("Condition")):
                return True
        return False

    # -- the learner's calls --------------------------------------------------------------------
    def put_events(self, call: Call) -> dict[str, Any]:
        """Answer ``PutEvents``: one result entry per request entry, in order."""
        entries = call.params.get("Entries", [])
        if len(entries) > MAX_ENTRIES:
            raise ServiceError(
                "ValidationException",
                "1 validation error detected: Value '[PutEventsRequestEntry]' at 'entries' failed to satisfy "
                f"constraint: Member must have length less than or equal to {MAX_ENTRIES}",
            )
        results: list[dict[str, Any]] = []
        region = call.region or self.lab.region
        for entry in entries:
            problem = _entry_problem(entry)
            if problem:
                results.append({"ErrorCode": problem[0], "ErrorMessage": problem[1]})
                continue
            bus = _bus_name(entry.get("EventBusName") or "default")
            try:
                self.lab.internal_client("events", region).describe_event_bus(Name=bus)
            except ClientError:
                raise ServiceError("ResourceNotFoundException", f"Event bus {bus} does not exist.") from None
            when = entry.get("Time") or self.lab.clock.now()
            event = eventbridge.envelope(
                source=entry["Source"],
                detail_type=entry["DetailType"],
                detail=jsontext.loads(entry["Detail"]),
                account=self.lab.account_id,
                region=region,
                time=_aware(when),
                resources=entry.get("Resources"),
            )
            self.publish_event(event, bus)
            results.append({"EventId": event["id"]})
        return {"FailedEntryCount": sum("ErrorCode" in r for r in results), "Entries": results}

    def put_rule(self, call: Call) -> None:
        """Refuse a malformed event pattern before moto stores the rule."""
        pattern = call.params.get("EventPattern")
        if pattern:
            try:
                eventbridge.parse_pattern(pattern)
            except InvalidEventPattern as error:
                raise ServiceError(
                    "InvalidEventPatternException", f"Event pattern is not valid. Reason: {error}"
                ) from None
        return None

    def test_event_pattern(self, call: Call) -> dict[str, Any]:
        """Answer ``TestEventPattern`` with the matcher that delivery uses."""
        try:
            event = jsontext.loads(call.params["Event"])
        except ValueError:
            raise ServiceError("InvalidEventPatternException", "Event is not valid JSON.") from None
        try:
            return {"Result": eventbridge.matches(call.params["EventPattern"], event)}
        except InvalidEventPattern as error:
            raise ServiceError("InvalidEventPatternException", f"Event pattern is not valid. Reason: {error}") from None


def _entry_problem(entry: dict[str, Any]) -> tuple[str, str] | None:
    for field in ("Source", "DetailType", "Detail"):
        if not entry.get(field):
            return "InvalidArgument", f"Parameter {field} is not valid. Reason: {field} is a required argument."
    try:
        detail = jsontext.loads(entry["Detail"])
    except ValueError:
        return "MalformedDetail", "Detail is malformed."
    if not isinstance(detail, dict):
        return "MalformedDetail", "Detail is malformed."
    if entry["Source"].startswith("aws."):
        return "NotAuthorizedForSourceException", "Not authorized for the source."
    return None


def _bus_name(name_or_arn: str) -> str:
    return name_or_arn.rsplit("/", 1)[-1] if name_or_arn.startswith("arn:") else name_or_arn


def _targets(events: Any, bus: str, rule: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = events.list_targets_by_rule(Rule=rule, EventBusName=bus)["Targets"]
    return found


def _rules(events: Any, bus: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"EventBusName": bus}
    while True:
        reply = events.list_rules(**kwargs)
        found += reply.get("Rules", [])
        if not reply.get("NextToken"):
            return found
        kwargs["NextToken"] = reply["NextToken"]


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value


def install(emulator: Emulator) -> Events:
    """Register EventBridge delivery on ``emulator``."""
    plugin = Events(emulator)
    emulator.answers("events", "PutEvents")(plugin.put_events)
    emulator.answers("events", "PutRule")(plugin.put_rule)
    emulator.answers("events", "TestEventPattern")(plugin.test_event_pattern)
    return plugin
