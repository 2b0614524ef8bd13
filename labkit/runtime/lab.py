"""The lab: boto3 clients bound to a backend, the lab clock, the emulator, and the resource registry.

Introduced in notebook 00-setup-and-monitoring-types; every notebook starts with
``lab = labkit.connect()`` and ends with ``lab.teardown()``.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from labkit import i18n
from labkit.emulator import PLUGINS, Emulator
from labkit.emulator.budgets import Budgets
from labkit.emulator.autoscaling_metrics import AutoScalingMetrics
from labkit.emulator.cloudwatch_alarms import CloudWatchAlarms
from labkit.emulator.events import Events
from labkit.emulator.vpc_flow_logs import VpcFlowLogs
from labkit.emulator.cloudwatch_metrics import CloudWatchMetrics
from labkit.emulator.iam_policy import IamPolicies
from labkit.emulator.logs_insights import LogsInsights
from labkit.emulator.logs_metrics import LogsMetrics
from labkit.emulator.sns_email import SnsEmail
from labkit.exceptions import ConfigurationError, GuardrailError, UnsupportedOperation, WaitTimeout
from labkit.i18n import N_, _, ngettext
from labkit.runtime import backends as backend_module
from labkit.runtime.backends import Backend
from labkit.runtime.clock import LabClock
from labkit.runtime.inbox import QueueInbox
from labkit.runtime.preflight import preflight
from labkit.runtime.resources import (
    KINDS_BY_NAME,
    KINDS_BY_OPERATION,
    Registry,
    TeardownReport,
    add_lab_tag,
    discover_tagged,
    still_exists,
    teardown,
)

T = TypeVar("T")

#: The budget a real lab creates before its first billable resource.
GUARD_BUDGET = "labkit-guard"

#: The lab currently open in this process on an in-process moto backend (there can be one:
#: moto's state is global to the process).
_open_lab: Lab | None = None


def connect(
    backend: str | None = None,
    region: str = "ap-northeast-1",
    *,
    start: dt.datetime | None = None,
    clear_abandoned: bool = True,
    lang: str | None = None,
) -> Lab:
    """Open a lab on ``backend`` (default: ``LABKIT_BACKEND``, else ``moto``) in ``region``.

    On a backend that outlives the process, what a dead kernel left behind is removed (moto
    server) or reported (``aws``) unless ``clear_abandoned`` is False (``labkit`` commands, which
    must never delete as a side effect: ``teardown --dry-run``, ``inventory``).

    On moto, connecting again (Run All twice) closes the previous lab and starts from an empty
    account with the clock back at its start, so a notebook always runs the same way.
    ``start`` overrides where a virtual clock starts (default ``LABKIT_CLOCK_START`` or 2026-06-01T00:00Z).
    ``lang`` is the lab's language, ``"en"`` or ``"ja"`` (default ``LABKIT_LANG``, else ``"en"``), kept as
    ``lab.lang``; the Japanese notebooks (``notebooks/ja/``) pass ``lang="ja"``. labkit's own messages
    follow it from then on (:mod:`labkit.i18n`); what AWS returns stays as AWS returns it.
    """
    global _open_lab
    chosen_lang = lang or os.environ.get("LABKIT_LANG") or "en"
    i18n.set_language(chosen_lang)  # refuses an unknown language before anything starts
    name = backend_module.resolve_backend_name(backend)
    endpoint = os.environ.get("LABKIT_ENDPOINT_URL") or None
    in_process = name == "moto" or (name == "moto-server" and not endpoint)
    if in_process and _open_lab is not None:
        # moto's state is global to the process: the previous in-process lab ends here.
        _open_lab.close()
        _open_lab = None
    if name == "aws":
        clock = LabClock(virtual=False)
        chosen = backend_module.start_aws(region)
    elif name == "moto-server" and endpoint:
        # Another process owns that server's clock; lab time starts at the top of the server's real
        # hour, so periods line up as they do from the fixed start (notebooks narrate from HH:00).
        clock = LabClock(start or top_of_the_hour())
        chosen = backend_module.start_moto_server(region, clock, endpoint)
    else:
        clock = LabClock(start)
        starter = backend_module.start_moto if name == "moto" else backend_module.start_moto_server
        chosen = starter(region, clock)
    lab = Lab(chosen, region, clock)
    lab.lang = chosen_lang
    if chosen.in_process:
        _open_lab = lab
    if chosen.persistent and clear_abandoned:
        _handle_abandoned_labs(lab)
    if lab.emulator is not None and not chosen.in_process:
        # What earlier processes sent the workshop server (catch-up, a kernel before a restart); after the
        # abandoned labs' data is freed, so that Run All again starts as clean as on in-process moto.
        lab.emulator.plugin(CloudWatchMetrics).adopt_when_used()
    if name == "aws":
        _warn_preflight(lab)
    return lab


def top_of_the_hour() -> dt.datetime:
    """Where a kernel's lab clock starts on a workshop server: the top of the real hour, in UTC."""
    return dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)


def _handle_abandoned_labs(lab: Lab) -> None:
    """What a kernel that died without teardown left behind, or this kernel's earlier Run All that
    failed before its clean-up (the registry names their labs).

    On a moto server it is removed, so that Run All again starts clean, as it does on
    in-process moto. On a real account nothing is deleted without being asked: the lab says what
    is left and how to remove it.
    """
    abandoned = lab.registry.abandoned_labs(current=lab.lab_id)
    if not abandoned:
        return
    if lab.backend.emulated:
        reports = [teardown(lab.registry, lab._client_for, lab_id=lab_id) for lab_id in abandoned]
        if lab.emulator is not None:
            lab.emulator.plugin(SnsEmail).forget_mail(set(abandoned), shown=False)
            lab.emulator.plugin(CloudWatchMetrics).free_abandoned(set(abandoned))
        deleted = sum(len(report.deleted) for report in reports)
        print(
            ngettext(
                "labkit: removed {count} resource that an earlier run left on this server without teardown",
                "labkit: removed {count} resources that an earlier run left on this server without teardown",
                deleted,
            ).format(count=deleted)
        )
        for report in reports:
            if not report.ok:
                print(report)
        return
    left = sum(len(lab.registry.ordered(lab_id)) for lab_id in abandoned)
    print(
        ngettext(
            "labkit: {count} resource from an earlier run without teardown is still in this account; "
            "`labkit teardown` (or lab.teardown(all_labs=True)) removes it",
            "labkit: {count} resources from an earlier run without teardown are still in this account; "
            "`labkit teardown` (or lab.teardown(all_labs=True)) removes them",
            left,
        ).format(count=left)
    )


def _warn_preflight(lab: Lab) -> None:
    """At connect on a real account, say what the pre-flight found wrong (``labkit doctor`` says all)."""
    for finding in preflight(lab.internal_client):
        if not finding.ok:
            print(_("pre-flight: {finding}").format(finding=finding))


class Lab:
    """A connected lab. Create it with :func:`labkit.connect`."""

    def __init__(self, backend: Backend, region: str, clock: LabClock, lab_id: str | None = None) -> None:
        self.backend = backend
        self.region = region
        self.clock = clock
        self.lab_id = lab_id or os.environ.get("LABKIT_LAB_ID") or self._new_lab_id()
        path = backend_module.registry_path() if backend.persistent else None
        self.registry = Registry(backend.registry_key, path, backend.account_id)
        self.registry.claim(self.lab_id)
        self._clients: dict[tuple[str, str, bool, str, bool], Any] = {}
        self.closed = False
        #: The lab's language, "en" or "ja" (:func:`connect`'s ``lang``); labkit's messages follow it.
        self.lang = "en"
        #: On a real account, billable steps are refused until a notebook cell sets this to True.
        self.confirm_costs = False
        #: On a real account, :meth:`may_wait` lets a step wait in real time up to this many minutes.
        self.max_real_wait_minutes = 30.0
        self._queue_inbox: Any = None
        self.emulator: Emulator | None = None
        if backend.emulated:
            self.emulator = Emulator(self)
            self.emulator.install(PLUGINS)
            for (service, *_options), client in self._clients.items():
                self._watch(client, service)

    def _new_lab_id(self) -> str:
        # In-process moto dies with the kernel: a fixed id keeps executed notebooks reproducible.
        if self.backend.in_process:
            return "lab-local"
        return "lab-" + uuid.uuid4().hex[:8]

    # -- clients ------------------------------------------------------------------------------
    @property
    def offline(self) -> bool:
        """Whether the lab runs on moto (in-process or a moto server), completed by labkit's emulator;
        False on a real AWS account. Notebooks branch on it where the offline lab and AWS differ
        (offline-only simulations, what only AWS can show), from notebook 02-cpu-alarm on."""
        return self.emulator is not None

    @property
    def account_id(self) -> str:
        """The account the lab runs in (moto's fake 123456789012 offline)."""
        return self.backend.account_id

    def client(self, service: str, region: str | None = None, *, record: bool = True) -> Any:
        """A boto3 client for ``service`` bound to this lab: what a notebook cell uses.

        Its creations are recorded for teardown and tagged ``labkit:lab``; on moto the emulator
        completes its calls. ``record=False`` is the kit's own client that sees AWS as the learner
        does (the emulator completes it too) but records and tags nothing: what exercise checkers use.
        """
        return self._client(service, region or self.region, learner=True, record=record)

    def internal_client(self, service: str, region: str | None = None) -> Any:
        """A client to moto as it is, under the emulator, and outside the registry: for the emulator's
        plugins (which must not re-enter themselves) and teardown. Offline it does not see what the
        emulator completes (budget subscribers, alarm history...): checkers use ``client(..., record=False)``."""
        return self._client(service, region or self.region, learner=False)

    def client_as(
        self,
        role_arn: str,
        service: str,
        region: str | None = None,
        *,
        principal: str = "ec2.amazonaws.com",
        session_name: str = "lab-instance",
    ) -> Any:
        """A client signed with the temporary credentials ``principal`` (by default EC2, for the
        instance) gets by assuming ``role_arn``; every call is authorized against the role's policies.

        Offline only (notebook 03-iam-role-for-logs-agent): on AWS those credentials exist only on
        the instance; test a role from here with ``iam.simulate_principal_policy``.
        """
        if self.emulator is None:
            raise ConfigurationError(
                _(
                    "on AWS a role's credentials exist only where the role is used (on the instance); "
                    "test the role with iam.simulate_principal_policy"
                )
            )
        roles = self.emulator.plugin(IamPolicies)
        credentials = roles.credentials_for(role_arn, principal, session_name)
        client = self._client(service, region or self.region, learner=True, credentials=credentials)
        roles.enforce(client, service, role_arn, credentials["Arn"])
        return client

    def _client(
        self,
        service: str,
        region: str,
        *,
        learner: bool,
        credentials: dict[str, str] | None = None,
        record: bool = True,
    ) -> Any:
        self._ensure_open()
        key = (service, region, learner, credentials["AccessKeyId"] if credentials else "", record)
        if key not in self._clients:
            signing = {}
            if credentials:
                signing = {
                    "aws_access_key_id": credentials["AccessKeyId"],
                    "aws_secret_access_key": credentials["SecretAccessKey"],
                    "aws_session_token": credentials["SessionToken"],
                }
            client = self.backend.session.client(
                service,
                region_name=region,
                endpoint_url=self.backend.endpoint_url,
                config=self.backend.client_config,
                **signing,
            )
            self._translate_unsupported(client)
            if self.emulator is not None and service == "cloudwatch":
                self.emulator.plugin(CloudWatchMetrics).serve(client, learner=learner)
            if self.emulator is not None and not learner:
                self.emulator.attach_internal(client, service)
            if self.emulator is not None and service == "logs" and not learner:
                self.emulator.plugin(LogsInsights).serve_internal(client)
            self._watch(client, service)
            if learner:
                if self.emulator is not None:
                    self.emulator.attach(client, service)
                if record:
                    self._record_creations(client, service, region)
            self._clients[key] = client
        return self._clients[key]

    def _watch(self, client: Any, service: str) -> None:
        """Let the plugins that keep copies of moto's resources see ``client``'s writes (emulator contract)."""
        if self.emulator is None:
            return
        kinds: dict[
            str,
            tuple[
                type[CloudWatchAlarms]
                | type[LogsMetrics]
                | type[Budgets]
                | type[AutoScalingMetrics]
                | type[VpcFlowLogs]
                | type[Events],
                ...,
            ],
        ] = {
            "cloudwatch": (CloudWatchAlarms, Budgets),
            "logs": (LogsMetrics, Budgets),
            "autoscaling": (AutoScalingMetrics, Budgets),
            "ec2": (VpcFlowLogs, Budgets),
            "events": (Events, Budgets),
        }
        for kind in kinds.get(service, (Budgets,)):
            # A client made while plugins install is watched once they are (__init__).
            if self.emulator.installed(kind):
                self.emulator.plugin(kind).watch(client)

    def _translate_unsupported(self, client: Any) -> None:
        """Turn moto's three ways of saying "not implemented" into :class:`UnsupportedOperation`."""
        if not self.backend.emulated:
            return
        events = client.meta.events
        service_id = client.meta.service_model.service_id.hyphenize()
        service = client.meta.service_model.service_name
        backend = self.backend.name

        def operation(event_name: str) -> str:
            return event_name.rsplit(".", 1)[-1]

        def in_process(exception: Exception, event_name: str, **_event: Any) -> None:
            if isinstance(exception, NotImplementedError) and not isinstance(exception, UnsupportedOperation):
                raise UnsupportedOperation(service, operation(event_name), backend, str(exception)) from exception

        def not_found(http_response: Any, parsed: dict[str, Any], event_name: str, **_event: Any) -> None:
            error = parsed.get("Error", {})
            if http_response.status_code == 404 and error.get("Message") == "Not yet implemented":
                raise UnsupportedOperation(service, operation(event_name), backend, _("moto answered 404"))

        def server_error(response: Any, event_name: str, **_event: Any) -> None:
            if response is None:
                return
            # A moto server hides why it failed behind a generic HTTP 500 page: a call moto does not
            # implement (the usual reason) or a moto crash. Neither gets better by retrying.
            if response[0].status_code == 500:
                raise UnsupportedOperation(
                    service,
                    operation(event_name),
                    backend,
                    _(
                        "the moto server answered HTTP 500 (the call is not implemented, or moto failed; "
                        "see the server log)"
                    ),
                )

        def no_real_network(request: Any, event_name: str, **_event: Any) -> None:
            # moto's own before-send hook answers only URLs in its backend index; anything else
            # would go to the real endpoint. Offline must stay offline.
            from moto.backend_index import backend_url_patterns

            if not any(pattern.match(request.url) for _service, pattern in backend_url_patterns):
                raise UnsupportedOperation(service, operation(event_name), backend, _("moto has no such service"))

        if self.backend.name == "moto":
            events.register("before-send", no_real_network)
        events.register(f"after-call-error.{service_id}", in_process)
        events.register(f"after-call.{service_id}", not_found)
        events.register_first(f"needs-retry.{service_id}", server_error)

    def _record_creations(self, client: Any, service: str, region: str) -> None:
        events = client.meta.events
        service_id = client.meta.service_model.service_id.hyphenize()

        def tag(params: dict[str, Any], model: Any, context: dict[str, Any], **_event: Any) -> None:
            kind = KINDS_BY_OPERATION.get((service, model.name))
            if kind is None:
                return
            if kind.upsert:
                ident = kind.identify(params, {})[0]
                ours = (kind.name, region, ident) in self.registry
                context["labkit_preexisting"] = not ours and kind.exists(self.internal_client(service, region), ident)
                if context["labkit_preexisting"] and kind.name == "cloudwatch:alarm":
                    # Redefined, it would point at topics teardown deletes and never be put back.
                    raise GuardrailError(
                        _(
                            "an alarm {name!r} already exists in {region} and this lab did not create it; "
                            "labkit will not redefine it: choose another AlarmName"
                        ).format(name=ident["AlarmName"], region=region)
                    )
            if kind.tag_style and not context.get("labkit_preexisting"):
                add_lab_tag(kind, params, self.lab_id)
            context["labkit_sent_params"] = params

        def record(
            http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_event: Any
        ) -> None:
            kind = KINDS_BY_OPERATION.get((service, model.name))
            if kind is None or http_response.status_code >= 300 or context.get("labkit_preexisting"):
                return
            for ident in kind.identify(context.get("labkit_sent_params", {}), parsed):
                self.registry.add(kind, region, ident, self.clock.now(), self.lab_id)

        events.register(f"before-parameter-build.{service_id}", tag)
        events.register(f"after-call.{service_id}", record)

    @property
    def inbox(self) -> Any:
        """The email the lab's SNS topics sent: delivered offline by the emulator; on a real
        account, the messages an SQS queue subscribed to the lab's topics received."""
        if self.emulator is not None:
            return self.emulator.plugin(SnsEmail).inbox
        if self._queue_inbox is None:
            self._queue_inbox = QueueInbox(self)
        return self._queue_inbox

    def billable(self, what: str, cost: str, *, confirmed: bool = False) -> None:
        """Guard a step that costs money on AWS: refused until ``lab.confirm_costs = True``
        (or ``confirmed=True`` for this step).

        Offline nothing is billed and nothing is asked. On ``aws`` the refusal says what the step
        would create and what it costs, so a headless run stops instead of spending; once
        confirmed, the budget guard (:meth:`budget_guard`) is put in place before the first
        billable resource.
        """
        if self.backend.emulated:
            return
        if not (confirmed or self.confirm_costs):
            raise GuardrailError(
                _(
                    "{what} costs {cost} on this account until teardown; "
                    "read it, then set lab.confirm_costs = True in a cell and run this step again"
                ).format(what=what, cost=cost)
            )
        self.budget_guard()
        print(_("creating {what} ({cost})").format(what=what, cost=cost))

    def budget_guard(self, monthly_usd: float | None = None) -> str:
        """A monthly cost budget that emails before the sandbox spends more than ``monthly_usd``.

        Created (once) before a real lab's first billable resource, and removed by teardown like
        everything else the lab creates. The limit comes from ``LABKIT_BUDGET_USD`` (default 10);
        the alerts go to ``LABKIT_BUDGET_EMAIL`` when set — ACTUAL spend at 50 % and 100 %, as in
        "Creating a cost budget" (https://docs.aws.amazon.com/cost-management/latest/userguide/create-cost-budget.html).
        """
        limit = monthly_usd if monthly_usd is not None else float(os.environ.get("LABKIT_BUDGET_USD", "10"))
        budgets = self.client("budgets", region="us-east-1")
        existing = budgets.describe_budgets(AccountId=self.account_id).get("Budgets", [])
        if any(b["BudgetName"] == GUARD_BUDGET for b in existing):
            return GUARD_BUDGET
        email = os.environ.get("LABKIT_BUDGET_EMAIL")
        notifications = (
            [
                {
                    "Notification": {
                        "NotificationType": "ACTUAL",
                        "ComparisonOperator": "GREATER_THAN",
                        "Threshold": share,
                        "ThresholdType": "PERCENTAGE",
                    },
                    "Subscribers": [{"SubscriptionType": "EMAIL", "Address": email}],
                }
                for share in (50.0, 100.0)
            ]
            if email
            else []
        )
        budgets.create_budget(
            AccountId=self.account_id,
            Budget={
                "BudgetName": GUARD_BUDGET,
                "BudgetType": "COST",
                "TimeUnit": "MONTHLY",
                "BudgetLimit": {"Amount": f"{limit:.2f}", "Unit": "USD"},
            },
            NotificationsWithSubscribers=notifications,
        )
        return GUARD_BUDGET

    # -- time ---------------------------------------------------------------------------------
    def advance(self, minutes: float = 0, *, hours: float = 0, seconds: float = 0) -> dt.datetime:
        """Let lab time pass; on moto the emulator runs every minute of it. Returns the new time.

        On ``aws`` this really waits (with a progress bar): AWS does the work meanwhile.
        """
        delta = dt.timedelta(minutes=minutes, hours=hours, seconds=seconds)
        if delta < dt.timedelta(0):
            raise ConfigurationError(_("lab time only moves forward"))
        if self.clock.virtual:
            tick = self.emulator.tick if self.emulator is not None else (lambda now: None)
            self.clock.advance_to(self.clock.now() + delta, tick)
            if self.emulator is not None:
                self.emulator.settle()
        else:
            self._really_wait(delta.total_seconds(), "waiting")
        return self.clock.now()

    def may_wait(self, minutes: float) -> bool:
        """Whether a step may let ``minutes`` of lab time pass now.

        Offline, lab time costs nothing: always True. On a real account :meth:`advance` really waits,
        so a step that would wait longer than ``lab.max_real_wait_minutes`` (30) is skipped: this
        prints how long it would take and how to allow it, and returns False. Notebook
        09-alarms-that-scale-and-stay-quiet asks it before its night in the batch window (up to a day).
        """
        if self.clock.virtual or minutes <= self.max_real_wait_minutes:
            return True
        hours, rest = divmod(round(minutes), 60)
        print(
            _(
                "Skipped on AWS: this step would wait {hours} h {minutes} min in real time. To run it, set "
                "lab.max_real_wait_minutes = {needed} in a cell and run this cell again."
            ).format(hours=hours, minutes=rest, needed=int(minutes) + 1)
        )
        return False

    def _really_wait(self, seconds: float, description: str) -> None:
        import warnings

        from tqdm.std import TqdmWarning

        # tqdm.auto draws a widget in a notebook kernel when ipywidgets is installed, else a text bar; without
        # ipywidgets (the lab's environment has none) it also warned "IProgress not found. Please update jupyter
        # and ipywidgets", which asks a learner to change an environment that works.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TqdmWarning)
            from tqdm.auto import tqdm

        step = 1.0
        with tqdm(total=int(seconds), desc=description, unit="s", leave=False) as bar:
            waited = 0.0
            while waited < seconds:
                pause = min(step, seconds - waited)
                self.clock.sleep(pause)
                waited += pause
                bar.update(int(pause))

    def wait_until(
        self,
        predicate: Callable[[], T],
        *,
        timeout: dt.timedelta | float = 30,
        every: dt.timedelta | float = 1,
        description: str = N_("the condition"),
    ) -> T:
        """Let time pass until ``predicate()`` returns something truthy, and return it.

        ``timeout`` and ``every`` are lab minutes (or timedeltas). On moto the clock moves by
        ``every`` between checks; on ``aws`` the lab really waits. Raises :class:`WaitTimeout`.
        """
        limit = timeout if isinstance(timeout, dt.timedelta) else dt.timedelta(minutes=timeout)
        step = every if isinstance(every, dt.timedelta) else dt.timedelta(minutes=every)
        deadline = self.clock.now() + limit
        while True:
            result = predicate()
            if result:
                return result
            if self.clock.now() >= deadline:
                raise WaitTimeout(
                    _(
                        "{what} did not happen within {limit} of lab time (lab time is now {now:%Y-%m-%d %H:%M} UTC)"
                    ).format(what=_(description) if description else description, limit=limit, now=self.clock.now())
                )
            remaining = deadline - self.clock.now()
            self.advance(seconds=min(step, remaining).total_seconds())

    def wait_for_alarm(self, name: str, state: str = "ALARM", *, timeout: dt.timedelta | float = 30) -> dict[str, Any]:
        """Let lab time pass until alarm ``name`` is in ``state``; returns the alarm.

        On moto the clock jumps minute by minute (the emulator evaluates the alarm meanwhile);
        on ``aws`` the lab polls once a minute of real time, with a progress bar. On timeout the
        error says the state the alarm is in and CloudWatch's reason for it.
        """
        cloudwatch = self.client("cloudwatch")

        def current() -> dict[str, Any]:
            found = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
            if not found:
                raise ConfigurationError(
                    _("there is no alarm named {name!r} in {region}").format(name=name, region=self.region)
                )
            return found[0]

        try:
            return self.wait_until(
                lambda: (alarm := current())["StateValue"] == state and alarm,
                timeout=timeout,
                description=_("alarm {name!r} reaching {state}").format(name=name, state=state),
            )
        except WaitTimeout as error:
            alarm = current()
            raise WaitTimeout(
                _("{error}; the alarm is {state} because: {reason}").format(
                    error=error, state=alarm["StateValue"], reason=alarm.get("StateReason", _("no reason given"))
                )
            ) from None

    # -- resources ----------------------------------------------------------------------------
    def _client_for(self, service: str, region: str) -> Any:
        return self.internal_client(service, region)

    def teardown(self, dry_run: bool = False, *, all_labs: bool = False, tagged: bool = False) -> TeardownReport:
        """Delete everything this lab created, in dependency order, and report what is left.

        ``all_labs``: every lab recorded in this backend's registry (a crashed kernel's too).
        ``tagged``: also every resource tagged ``labkit:lab`` that no registry knows (a lost
        registry file); it never touches an untagged resource.

        On a labkit workshop server the metric data the lab sent is removed from the server's memory
        too (every datapoint of the account with ``all_labs``/``tagged``); the lab's own reads still see it.
        On a workshop server the emails the lab received are dropped from the server (every email of the
        account with ``all_labs``/``tagged``), as the real-account inbox's queue is deleted; ``lab.inbox``
        still shows them.
        """
        if tagged:
            when = self.clock.now().isoformat()
            for record in discover_tagged(self._client_for, self.region, when):
                self.registry.add(
                    KINDS_BY_NAME[record.kind], record.region, record.ident, self.clock.now(), record.lab_id
                )
        report = teardown(
            self.registry, self._client_for, lab_id=None if all_labs or tagged else self.lab_id, dry_run=dry_run
        )
        if not dry_run and self.emulator is not None:
            # A workshop server keeps every datapoint it received in memory: free what the lab sent.
            self.emulator.plugin(CloudWatchMetrics).free_on_server(whole_account=all_labs or tagged)
            self.emulator.plugin(SnsEmail).forget_mail(None if all_labs or tagged else {self.lab_id})
        return report

    def inventory(self, *, all_labs: bool = False) -> list[str]:
        """What the lab created that still exists; empty after a successful teardown."""
        records = self.registry.ordered(None if all_labs else self.lab_id)
        return [record.label(self.account_id) for record in records if still_exists(record, self._client_for)]

    # -- lifecycle ----------------------------------------------------------------------------
    def _ensure_open(self) -> None:
        if self.closed:
            raise ConfigurationError(_("this lab is closed; run labkit.connect() again"))

    def close(self) -> None:
        """Stop the backend (moto's state is discarded; a real account keeps its resources)."""
        global _open_lab
        if self.closed:
            return
        if self.emulator is not None and not self.backend.in_process:
            # What the emulator still batches goes to the workshop server, where the next process finds it.
            from botocore.exceptions import BotoCoreError, ClientError

            try:
                self.emulator.settle()
            except (BotoCoreError, ClientError):
                pass  # the server is gone: nothing to keep it for
        self.closed = True
        self._clients.clear()
        self.backend.close()
        if _open_lab is self:
            _open_lab = None

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *_exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Lab {self.lab_id} backend={self.backend.name} region={self.region} time={self.clock.now():%Y-%m-%d %H:%M}Z>"
