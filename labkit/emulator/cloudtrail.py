"""CloudTrail offline: lab calls become management events; trails deliver them to CloudWatch Logs.

moto stores trails but records nothing. This plugin:

* records every call of every lab client — failed ones too, through
  :meth:`~labkit.emulator.core.Emulator.observes_every_call` — as a management event
  (:func:`labkit.aws.cloudtrail.api_call_record`), with the caller's identity resolved from the
  client's credentials (an IAM user, or an assumed-role session); data events
  (:data:`labkit.aws.cloudtrail.DATA_EVENTS`) are not recorded, as event history and a trail's
  default selectors leave them out, and ``PutEventSelectors`` asking for them raises ``UnsupportedOperation``;
* answers ``cloudtrail.LookupEvents`` — event history, "the past 90 days of recorded management
  events in an AWS Region", available without a trail
  (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-cloudtrail-events.html).
  ``EventCategory="insight"`` asks for CloudTrail Insights events instead, which "LookupEvents
  returns ... for trails that enable Insights"
  (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html; "only list
  Insights events if you've enabled Insights on a trail",
  https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-insights-events.html): with no
  trail that has Insights selectors the answer is no events; the lab does not generate Insights
  events, so with such a trail it raises ``UnsupportedOperation``;
* delivers each record to every *logging* trail that covers it (trails log only after
  ``StartLogging``, https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_StartLogging.html;
  event selectors' ``ReadWriteType``; a single-Region trail gets its Region's events, a multi-Region
  trail all of them, global-service events only with ``IncludeGlobalServiceEvents``) and, for a
  trail with ``CloudWatchLogsLogGroupArn``, writes them to the log stream
  ``<account>_CloudTrail_<region>`` ("Sending events to CloudWatch Logs",
  https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html),
  where metric filters count them (:mod:`labkit.emulator.logs_metrics`);
* sends write management events of logging trails to EventBridge as "AWS API Call via
  CloudTrail" (and sign-ins as "AWS Console Sign In via CloudTrail"), source ``aws.<service>``
  ("AWS service events delivered via CloudTrail",
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html).

CloudTrail delivers records within minutes, not at once (AWS speaks of an average of about 5 minutes,
without guarantee; we did not find that figure on a page we could cite here). Records become
visible — to LookupEvents and to log groups — :data:`DELAY` after the call: the figure, and using
it for event history as well, are our guesses.
Taught in notebook 06-cloudtrail-eventbridge-health.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from labkit.aws import jsontext
from labkit.aws import cloudtrail
from labkit.emulator.core import ENDPOINT_PREFIX_KEY, Call
from labkit.emulator.events import Events
from labkit.emulator.logs_metrics import LogsMetrics
from labkit.exceptions import LookupEventsError, ServiceError, UnsupportedOperation
from labkit.i18n import _

if TYPE_CHECKING:
    from labkit.emulator.core import Emulator

DELAY = dt.timedelta(minutes=5)


@dataclass
class Stored:
    """One recorded event and what LookupEvents says about its resources."""

    record: dict[str, Any]
    resources: list[dict[str, str]]
    at: dt.datetime
    service: str


class CloudTrailEmulation:
    """The plugin's state: the event history and what each trail has received."""

    requires = (Events, LogsMetrics)

    def __init__(self, emulator: Emulator) -> None:
        self.events = emulator.plugin(Events)
        self.logs_metrics = emulator.plugin(LogsMetrics)
        self.lab = emulator.lab
        self.emulator = emulator
        self.history: list[Stored] = []
        self._identities: dict[str, dict[str, Any]] = {}
        self._delivered: set[tuple[str, str]] = set()
        self._logging_since: dict[str, dt.datetime] = {}
        #: Per trail: how much of the history has become due, the due events its settings did not
        #: cover (delivered if the settings change to cover them), and those settings.
        self._scanned: dict[str, int] = {}
        self._uncovered: dict[str, list[Stored]] = {}
        self._settings: dict[str, str] = {}

    # -- recording ------------------------------------------------------------------------------
    def observe(self, call: Call, parsed: dict[str, Any], status: int) -> None:
        """Record one call of a lab client (successful or not); a data event is not recorded
        (:func:`labkit.aws.cloudtrail.is_data_event`)."""
        credentials = call.context.get("labkit_credentials")
        if credentials is None or cloudtrail.is_data_event(call.service, call.operation):
            return
        identity = self._identity(credentials)
        headers = call.context.get("labkit_request_headers", {})
        agent = headers.get("User-Agent", "")
        agent = agent.decode() if isinstance(agent, bytes) else str(agent)
        record = cloudtrail.api_call_record(
            service=call.service,
            # The calling client's, as its capture hook saw it: making an internal client of the service
            # only to read it was a third of the clients a lab made (issue 15).
            endpoint_prefix=call.context[ENDPOINT_PREFIX_KEY],
            operation=call.operation,
            region=call.region or self.lab.region,
            identity=identity,
            when=self.lab.clock.now(),
            params=call.params,
            response=parsed,
            status=status,
            source_ip=self._source_ip(identity),
            user_agent=agent,
            request_id=parsed.get("ResponseMetadata", {}).get("RequestId"),
        )
        self._add(record, cloudtrail.resources_of(call.service, call.params, parsed), call.service)

    def console_login(
        self, user: str, *, success: bool, source_ip: str, mfa_used: bool, user_agent: str
    ) -> dict[str, Any]:
        """Record a console sign-in attempt (see :func:`labkit.lesson.simulate.simulate_console_login`)."""
        account = self.lab.account_id
        if user == "root":
            identity = cloudtrail.user_identity(f"arn:aws:iam::{account}:root", account, account, "")
        else:
            try:
                user_id = self.lab.internal_client("iam").get_user(UserName=user)["User"]["UserId"]
            except ClientError:
                user_id = ""
            identity = cloudtrail.user_identity(f"arn:aws:iam::{account}:user/{user}", user_id, account, "")
        record = cloudtrail.console_login_record(
            identity=identity,
            when=self.lab.clock.now(),
            region=self.lab.region,
            success=success,
            mfa_used=mfa_used,
            source_ip=source_ip,
            user_agent=user_agent,
        )
        self._add(record, [], "signin")
        return record

    def _add(self, record: dict[str, Any], resources: list[dict[str, str]], service: str) -> None:
        self.history.append(Stored(record, resources, self.lab.clock.now(), service))
        if record["readOnly"] or not self._logging_trails():
            return
        # EventBridge gets write management events (and sign-ins) when a trail is logging.
        signin = record["eventType"] == "AwsConsoleSignIn"
        source = "aws.signin" if signin else "aws." + record["eventSource"].split(".")[0]
        detail_type = "AWS Console Sign In via CloudTrail" if signin else "AWS API Call via CloudTrail"
        self.events.emit(source, detail_type, record, [], record["awsRegion"])

    def _identity(self, credentials: Any) -> dict[str, Any]:
        frozen = credentials.get_frozen_credentials()
        if frozen.access_key not in self._identities:
            caller = self._caller_in_moto(frozen) if self.lab.backend.in_process else self._caller_from_sts(frozen)
            role_id = ""
            if ":assumed-role/" in caller["Arn"]:
                role = caller["Arn"].split("/")[1]
                role_id = self.lab.internal_client("iam").get_role(RoleName=role)["Role"]["RoleId"]
            self._identities[frozen.access_key] = cloudtrail.user_identity(
                caller["Arn"],
                caller["UserId"],
                caller["Account"],
                frozen.access_key,
                role_id=role_id,
                session_created=self.lab.clock.now(),
            )
        return self._identities[frozen.access_key]

    def _caller_from_sts(self, frozen: Any) -> dict[str, Any]:
        """``sts.GetCallerIdentity`` signed with the credentials."""
        backend = self.lab.backend
        sts = backend.session.client(
            "sts",
            region_name=self.lab.region,
            endpoint_url=backend.endpoint_url,
            config=backend.client_config,
            aws_access_key_id=frozen.access_key,
            aws_secret_access_key=frozen.secret_key,
            aws_session_token=frozen.token,
        )
        answer = sts.get_caller_identity()
        return {"UserId": answer["UserId"], "Account": answer["Account"], "Arn": answer["Arn"]}

    def _caller_in_moto(self, frozen: Any) -> dict[str, Any]:
        """What moto in this process answers :meth:`_caller_from_sts`, read from its STS backend as its
        ``GetCallerIdentity`` reads it (account as ``BaseResponse.get_current_account`` finds it): making
        that client cost more than the rest of a lab's first recorded call (issue 15)."""
        from moto.iam.models import get_account_id_from
        from moto.sts.models import sts_backends
        from moto.utilities.utils import get_partition

        key = frozen.access_key
        account = os.environ["MOTO_ACCOUNT_ID"] if "MOTO_ACCOUNT_ID" in os.environ else get_account_id_from(key)
        partition = get_partition(self.lab.region)
        user_id, arn, account_id = sts_backends[account][partition].get_caller_identity(key, self.lab.region)
        return {"UserId": user_id, "Account": account_id, "Arn": arn}

    def _source_ip(self, identity: dict[str, Any]) -> str:
        # A role session named after an instance (instance credentials) calls from that instance's address.
        session = identity["arn"].rsplit("/", 1)[-1] if identity["type"] == "AssumedRole" else ""
        if session.startswith("i-"):
            try:
                reservations = self.lab.internal_client("ec2").describe_instances(InstanceIds=[session])["Reservations"]
                instance = reservations[0]["Instances"][0]
                return instance.get("PublicIpAddress") or instance.get("PrivateIpAddress") or cloudtrail.LAB_SOURCE_IP
            except (ClientError, IndexError):
                pass
        return cloudtrail.LAB_SOURCE_IP

    # -- event history --------------------------------------------------------------------------
    def lookup_events(self, call: Call) -> dict[str, Any]:
        """Answer ``LookupEvents`` for the client's Region."""
        region = call.region or self.lab.region
        now = self.lab.clock.now()
        if call.params.get("EventCategory") == "insight":
            self._refuse_insights(call, region)
            visible = []  # management events are never Insights events
        else:
            visible = [
                (s.record, s.resources) for s in self.history if s.record["awsRegion"] == region and s.at + DELAY <= now
            ]
        try:
            return cloudtrail.lookup(visible, call.params, now)
        except LookupEventsError as error:
            raise ServiceError(error.code, str(error)) from None

    def _refuse_insights(self, call: Call, region: str) -> None:
        """Raise ``UnsupportedOperation`` when a trail seen from ``region`` has Insights enabled."""
        client = call.internal("cloudtrail")
        for trail in client.describe_trails()["trailList"]:
            if trail.get("HomeRegion") != region and not trail.get("IsMultiRegionTrail"):
                continue
            if client.get_insight_selectors(TrailName=trail["TrailARN"]).get("InsightSelectors"):
                raise UnsupportedOperation(
                    "cloudtrail",
                    "LookupEvents",
                    self.lab.backend.name,
                    _("trail {name} enables CloudTrail Insights, and the lab does not generate Insights events").format(
                        name=trail["Name"]
                    ),
                )

    # -- trails ---------------------------------------------------------------------------------
    def started(self, call: Call, reply: dict[str, Any]) -> None:
        self._logging_since[self._trail_arn(call.params["Name"], call.region)] = self.lab.clock.now()

    def stopped(self, call: Call, reply: dict[str, Any]) -> None:
        self._logging_since.pop(self._trail_arn(call.params["Name"], call.region), None)

    def _trail_arn(self, name: str, region: str) -> str:
        if name.startswith("arn:"):
            return name
        return f"arn:aws:cloudtrail:{region or self.lab.region}:{self.lab.account_id}:trail/{name}"

    def _logging_trails(self) -> list[dict[str, Any]]:
        if not self._logging_since:
            return []
        trails = self.lab.internal_client("cloudtrail").describe_trails()["trailList"]
        return [t for t in trails if t["TrailARN"] in self._logging_since]

    def tick(self, now: dt.datetime) -> None:
        """Deliver records older than the delivery delay to the trails' log groups."""
        trails = self._logging_trails()
        if not trails:
            return
        for trail in trails:
            arn = trail["TrailARN"]
            since = self._logging_since[arn]
            # The history is in time order: each minute looks only at what became due since the last
            # one, plus, when the trail's settings changed, the due events they did not cover before.
            start = end = self._scanned.get(arn, 0)
            while end < len(self.history) and self.history[end].at + DELAY <= now:
                end += 1
            self._scanned[arn] = end
            fresh = [s for s in self.history[start:end] if s.at >= since]
            uncovered = [s for s in self._uncovered.get(arn, []) if s.at >= since]
            if not fresh and not uncovered:
                continue
            read_write = self._read_write_type(trail)
            settings = json.dumps([read_write, trail], sort_keys=True, default=str)
            candidates = fresh
            if uncovered and settings != self._settings.get(arn):
                candidates = uncovered + fresh
                uncovered = []
            self._settings[arn] = settings
            due: list[Stored] = []
            for stored in candidates:
                if (arn, stored.record["eventID"]) in self._delivered:
                    continue
                (due if _covers(trail, stored, read_write) else uncovered).append(stored)
            self._uncovered[arn] = uncovered
            for stored in due:
                self._delivered.add((trail["TrailARN"], stored.record["eventID"]))
            if due and trail.get("CloudWatchLogsLogGroupArn"):
                self._write_logs(trail, [s.record for s in due])

    def _read_write_type(self, trail: dict[str, Any]) -> str:
        selectors = self.lab.internal_client("cloudtrail").get_event_selectors(TrailName=trail["TrailARN"])
        return cloudtrail.management_read_write(
            selectors.get("EventSelectors") or [], selectors.get("AdvancedEventSelectors") or []
        )

    def _write_logs(self, trail: dict[str, Any], records: list[dict[str, Any]]) -> None:
        arn = trail["CloudWatchLogsLogGroupArn"]
        group, region = arn.split(":log-group:", 1)[1].split(":")[0], arn.split(":")[3]
        logs = self.lab.internal_client("logs", region)
        by_stream: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            stream = f"{self.lab.account_id}_CloudTrail_{record['awsRegion']}"
            when = dt.datetime.strptime(record["eventTime"], cloudtrail.TIME_FORMAT).replace(tzinfo=dt.timezone.utc)
            by_stream.setdefault(stream, []).append(
                {"timestamp": int(when.timestamp() * 1000), "message": json.dumps(record)}
            )
        for stream, events in by_stream.items():
            try:
                logs.create_log_stream(logGroupName=group, logStreamName=stream)
            except logs.exceptions.ResourceAlreadyExistsException:
                pass
            except logs.exceptions.ResourceNotFoundException:
                return  # the log group was deleted: CloudTrail cannot deliver
            events.sort(key=lambda e: e["timestamp"])
            params = {"logGroupName": group, "logStreamName": stream, "logEvents": events}
            reply = logs.put_log_events(**params)
            # Internal calls skip observers: hand the batch to the metric filters as PutLogEvents would.
            self.logs_metrics.ingest(Call("logs", "PutLogEvents", params, self.lab, region), reply)

    def refuse_unsupported_selectors(self, call: Call) -> None:
        """Raise ``UnsupportedOperation`` for event selectors the lab does not emulate
        (:func:`labkit.aws.cloudtrail.unsupported_selectors`: data events, excluded event sources, advanced
        selectors beyond ``eventCategory`` and ``readOnly``)."""
        what = cloudtrail.unsupported_selectors(
            call.params.get("EventSelectors") or [], call.params.get("AdvancedEventSelectors") or []
        )
        if what is not None:
            raise UnsupportedOperation(
                "cloudtrail",
                "PutEventSelectors",
                self.lab.backend.name,
                _("data events: the lab records management events only")
                if what == cloudtrail.DATA_EVENT_SELECTORS
                else _(
                    "event selector field {field}: the lab selects management events by ReadWriteType and "
                    "IncludeManagementEvents, or by eventCategory and readOnly (Equals), only"
                ).format(field=what),
            )

    def validate_trail(self, call: Call) -> None:
        """Refuse what CreateTrail/UpdateTrail refuse about CloudWatch Logs delivery.

        "You must specify both CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn"; the log group
        must exist (``InvalidCloudWatchLogsLogGroupArnException``); the role must trust
        ``cloudtrail.amazonaws.com`` (``InvalidCloudWatchLogsRoleArnException``) — CreateTrail API
        reference, https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html.
        """
        group_arn, role_arn = call.params.get("CloudWatchLogsLogGroupArn"), call.params.get("CloudWatchLogsRoleArn")
        if not group_arn and not role_arn:
            return None
        if not group_arn or not role_arn:
            raise ServiceError(
                "InvalidCloudWatchLogsLogGroupArnException"
                if not group_arn
                else "InvalidCloudWatchLogsRoleArnException",
                "You must specify both CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn.",
            )
        try:
            group = group_arn.split(":log-group:", 1)[1].split(":")[0]
            found = self.lab.internal_client("logs", group_arn.split(":")[3]).describe_log_groups(
                logGroupNamePrefix=group
            )
        except (IndexError, ClientError):
            found = {"logGroups": []}
        if not any(g["logGroupName"] == group for g in found.get("logGroups", [])):
            raise ServiceError(
                "InvalidCloudWatchLogsLogGroupArnException",
                "Access denied. Verify in IAM that the role has adequate permissions.",
            )
        try:
            trust = self.lab.internal_client("iam").get_role(RoleName=role_arn.rsplit("/", 1)[-1])["Role"][
                "AssumeRolePolicyDocument"
            ]
        except ClientError:
            trust = {}
        trust = jsontext.loads(trust) if isinstance(trust, str) else trust
        if "cloudtrail.amazonaws.com" not in json.dumps(trust):
            raise ServiceError(
                "InvalidCloudWatchLogsRoleArnException",
                "Access denied. Verify in IAM that the role has adequate permissions.",
            )
        return None


def _covers(trail: dict[str, Any], stored: Stored, read_write: str) -> bool:
    record = stored.record
    if (
        read_write == "None"
        or (read_write == "ReadOnly" and not record["readOnly"])
        or (read_write == "WriteOnly" and record["readOnly"])
    ):
        return False
    home = trail["HomeRegion"]
    if stored.service in cloudtrail.GLOBAL_SERVICE_REGION:
        return bool(trail.get("IncludeGlobalServiceEvents", True)) and (
            trail.get("IsMultiRegionTrail") or home == record["awsRegion"]
        )
    return bool(trail.get("IsMultiRegionTrail")) or home == record["awsRegion"]


def install(emulator: Emulator) -> CloudTrailEmulation:
    """Register CloudTrail recording, event history and trail delivery on ``emulator``."""
    plugin = CloudTrailEmulation(emulator)
    emulator.observes_every_call(plugin.observe)
    emulator.answers("cloudtrail", "LookupEvents")(plugin.lookup_events)
    emulator.answers("cloudtrail", "CreateTrail")(plugin.validate_trail)
    emulator.answers("cloudtrail", "UpdateTrail")(plugin.validate_trail)
    emulator.answers("cloudtrail", "PutEventSelectors")(plugin.refuse_unsupported_selectors)
    emulator.observes("cloudtrail", "StartLogging")(plugin.started)
    emulator.observes("cloudtrail", "StopLogging")(plugin.stopped)
    emulator.observes("cloudtrail", "DeleteTrail")(plugin.stopped)
    emulator.every_minute(plugin.tick)
    return plugin
