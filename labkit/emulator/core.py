"""The emulation mechanism: answer, observe and tick — how labkit completes moto.

moto stores resources but is inert where monitoring happens. The emulator sits in botocore's
event system of every client a lab hands out (``Lab.client``):

* ``before-call`` — *validators* first refuse a call that breaks one of AWS's documented limits,
  before anything is stored (:mod:`labkit.emulator.api_limits`); then a registered *answer*
  replaces moto's reply for one operation (a call moto lacks, such as
  ``logs.test_metric_filter``, or one it gets wrong). Returning ``None`` lets moto
  answer after all. An answer raising :class:`~labkit.exceptions.ServiceError` reaches the learner
  as the client's modelled exception, exactly as botocore raises AWS errors.
* ``after-call`` — *observers* see every successful reply (moto's or an answer's): a log event
  that feeds a metric filter, an alarm that must start in ``INSUFFICIENT_DATA``.
* the lab clock — *minute ticks* run once per lab minute as ``Lab.advance`` moves time: alarm
  evaluation, simulated metrics, budget spend.

A plugin is a class; it names the plugins it uses in ``requires`` (and, in ``after``, the ones whose
minute work must come before its own) and gets them by type, ``emulator.plugin(SnsEmail)``. The
emulator installs and ticks plugins in an order that follows those declarations, whatever order
they are listed in (:func:`plugin_order`); see docs/emulator-contract.md.

Clients the emulator itself uses (``Call.internal``) carry none of these hooks, so a plugin
reading moto's state never re-enters itself. The emulator is never attached on ``aws``.

Introduced in notebook 00-setup-and-monitoring-types; the plugins each name their own notebook.
"""

from __future__ import annotations

import datetime as dt
import heapq
import importlib
import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.exceptions import ClientError

from labkit.exceptions import InvalidParameter, JsonTooDeep, PluginWiringError, ServiceError, UnsupportedOperation
from labkit.emulator.moto_accounts import MOTO_SEED

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab

Answer = Callable[["Call"], "dict[str, Any] | None"]
Validator = Callable[["Call"], None]
Observer = Callable[["Call", "dict[str, Any]"], None]
CallObserver = Callable[["Call", "dict[str, Any]", int], None]
Tick = Callable[[dt.datetime], None]
P = TypeVar("P")

_PARAMS_KEY = "labkit_params"
#: Where ``Call.context`` keeps the HTTP request headers (``User-Agent`` for CloudTrail's userAgent).
_HEADERS_KEY = "labkit_request_headers"
#: Where ``Call.context`` keeps the botocore credentials the client signs with.
_CREDENTIALS_KEY = "labkit_credentials"
#: Where ``Call.context`` keeps the called service's ``endpointPrefix`` (CloudTrail's eventSource).
ENDPOINT_PREFIX_KEY = "labkit_endpoint_prefix"
#: Where ``Call.context`` keeps the serialized request body (its size is what AWS's payload limits count).
BODY_KEY = "labkit_request_body"


@dataclass
class Call:
    """One boto3 call as the emulator sees it."""

    service: str
    operation: str
    params: dict[str, Any]
    lab: Lab
    region: str = ""
    context: dict[str, Any] = field(default_factory=dict, repr=False)

    def internal(self, service: str | None = None) -> Any:
        """A client to the same backend and region that bypasses the emulator (moto as it is:
        what a plugin reads and writes underneath, so it never re-enters itself)."""
        return self.lab.internal_client(service or self.service, region=self.region or None)


class _EmptyBody:
    def stream(self, **_: Any) -> Any:
        yield b""

    def read(self, *_: Any) -> bytes:
        return b""


def _http_response(status: int) -> AWSResponse:
    return AWSResponse("https://emulator.labkit.invalid/", status, HTTPHeaders(), _EmptyBody())


def _metadata(status: int) -> dict[str, Any]:
    return {"RequestId": str(uuid.uuid4()), "HTTPStatusCode": status, "HTTPHeaders": {}, "RetryAttempts": 0}


def error_reply(code: str, message: str, status: int = 400) -> tuple[AWSResponse, dict[str, Any]]:
    """What a ``before-call`` hook returns to answer with an AWS error: botocore then runs the
    ``after-call`` hooks (so CloudTrail records the failure) and raises the modelled exception."""
    body = {"Error": {"Code": code, "Message": message, "Type": "Sender"}, "ResponseMetadata": _metadata(status)}
    return _http_response(status), body


class Emulator:
    """The per-lab registry of answers, observers and minute ticks (see the module docstring)."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self._answers: dict[tuple[str, str], Answer] = {}
        self._internal_answers: dict[str, dict[str, Answer]] = defaultdict(dict)
        self._validators: dict[tuple[str, str], list[Validator]] = defaultdict(list)
        self._observers: dict[tuple[str, str], list[Observer]] = defaultdict(list)
        self._ticks: list[Tick] = []
        self._call_observers: list[CallObserver] = []
        #: The installed plugins by class, in install (and tick) order.
        self._plugins: dict[type, object] = {}
        #: The plugin class whose ``install`` is running: it may ask only for what it requires.
        self._installing: type | None = None
        #: Where plugins draw what AWS makes at random (SNS confirmation tokens): seeded per lab, as
        #: moto's ids are (``labkit.emulator.moto_accounts.MOTO_SEED``), so a notebook prints the same on every run.
        self.random = random.Random(MOTO_SEED)

    # -- registration -------------------------------------------------------------------------
    def answers_internal(self, service: str, operation: str) -> Callable[[Answer], Answer]:
        """Register the answer to ``service.operation`` for the kit's internal clients (checkers,
        teardown): for state only the emulator keeps. Learner clients get :meth:`answers`' answer,
        which runs after the hooks that attribute and authorise the call (CloudTrail, IAM)."""

        def register(fn: Answer) -> Answer:
            self._internal_answers[service][operation] = fn
            return fn

        return register

    def attach_internal(self, client: Any, service: str) -> None:
        """Hook the answers registered with :meth:`answers_internal` into an internal ``client``, including
        answers a plugin installed later registers (a client made while the plugins install is cached)."""
        self.answer_internal(client, service, self._internal_answers[service])

    def answers(self, service: str, operation: str) -> Callable[[Answer], Answer]:
        """Register the answer to ``service.operation`` (boto3 client name, API operation name)."""

        def register(fn: Answer) -> Answer:
            key = (service, operation)
            if key in self._answers:
                raise InvalidParameter(f"{service}.{operation} already has an emulator answer")
            self._answers[key] = fn
            return fn

        return register

    def validates(self, service: str, operation: str) -> Callable[[Validator], Validator]:
        """Register a check of ``service.operation`` run before the answer or moto sees the call.

        A validator raises :class:`~labkit.exceptions.ServiceError` to refuse the whole call, so
        nothing is stored (AWS's documented limits); several may check one operation, in order.
        """

        def register(fn: Validator) -> Validator:
            self._validators[(service, operation)].append(fn)
            return fn

        return register

    def observes(self, service: str, operation: str) -> Callable[[Observer], Observer]:
        """Register an observer of successful ``service.operation`` calls."""

        def register(fn: Observer) -> Observer:
            self._observers[(service, operation)].append(fn)
            return fn

        return register

    def observes_every_call(self, fn: CallObserver) -> CallObserver:
        """Register ``fn(call, parsed, status)`` for every call of every learner client, failed ones too.

        ``parsed`` is the reply (with ``Error`` for a failed call) and ``status`` its HTTP status.
        Calls botocore refuses before sending (parameter validation) never reach it, as they never reach AWS.
        """
        self._call_observers.append(fn)
        return fn

    def every_minute(self, fn: Tick) -> Tick:
        """Register a function run once per lab minute, in plugin order."""
        self._ticks.append(fn)
        return fn

    def install(self, specs: Iterable[str]) -> None:
        """Install the plugins named ``"module:Class"``, in :func:`plugin_order` (not list order).

        Each module's ``install(emulator)`` creates its plugin and registers the plugin's hooks; it
        may ask ``emulator.plugin(...)`` for the plugins its class ``requires`` (installed before it).
        """
        modules: dict[type, Any] = {}
        for spec in specs:
            module_name, _, class_name = spec.partition(":")
            module = importlib.import_module(module_name)
            kind = getattr(module, class_name, None) if class_name else None
            if not isinstance(kind, type):
                raise PluginWiringError(f"{spec!r} does not name a plugin class (write 'module:Class')")
            modules[kind] = module
        for kind in plugin_order([*self._plugins, *modules]):
            if kind in self._plugins:
                continue
            self._installing = kind
            try:
                plugin = modules[kind].install(self)
            finally:
                self._installing = None
            if not isinstance(plugin, kind):
                raise PluginWiringError(f"{modules[kind].__name__}.install returned {plugin!r}, not a {kind.__name__}")
            self._plugins[kind] = plugin

    def plugin(self, kind: type[P]) -> P:
        """The installed plugin of class ``kind`` (``emulator.plugin(SnsEmail)``).

        Raises :class:`~labkit.exceptions.PluginWiringError` when no such plugin is installed, or
        when a plugin's ``install`` asks for one its class does not declare in ``requires``.
        """
        installing = self._installing
        if installing is not None and kind is not installing and kind not in _declared(installing, "requires"):
            raise PluginWiringError(
                f"{installing.__name__} asked for {kind.__name__} without declaring it: "
                f"add it to {installing.__name__}.requires"
            )
        found = self._plugins.get(kind)
        if found is None:
            installed = ", ".join(sorted(k.__name__ for k in self._plugins)) or "none"
            raise PluginWiringError(
                f"no {kind.__name__} plugin is installed in this lab's emulator (installed: {installed})"
            )
        assert isinstance(found, kind)
        return found

    def installed(self, kind: type) -> bool:
        """Whether a plugin of class ``kind`` is installed (yet)."""
        return kind in self._plugins

    @property
    def plugins(self) -> list[object]:
        """The installed plugins, in install (and tick) order."""
        return list(self._plugins.values())

    def answered(self) -> list[tuple[str, str]]:
        """The operations the emulator answers, for ``labkit doctor`` and the docs."""
        return sorted(self._answers)

    # -- the clock ----------------------------------------------------------------------------
    def tick(self, now: dt.datetime) -> None:
        """Run every minute tick for lab minute ``now``."""
        for fn in self._ticks:
            fn(now)

    def settle(self) -> None:
        """Lab time has stopped moving: let plugins send what they batch (remote servers)."""
        for plugin in self._plugins.values():
            settle = getattr(plugin, "settle", None)
            if settle is not None:
                settle()

    # -- botocore wiring ----------------------------------------------------------------------
    def attach(self, client: Any, service: str) -> None:
        """Hook this emulator into ``client`` (created for boto3 service name ``service``)."""
        events = client.meta.events
        service_id = client.meta.service_model.service_id.hyphenize()
        region = client.meta.region_name

        def remember_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            context[_PARAMS_KEY] = dict(params)

        def capture(context: dict[str, Any], params: dict[str, Any] | None = None, **_: Any) -> None:
            # First of all before-call hooks, so a call another hook refuses (IAM) is still attributed.
            context[_HEADERS_KEY] = dict((params or {}).get("headers", {}))
            context[_CREDENTIALS_KEY] = client._get_credentials()  # who signs: CloudTrail's userIdentity
            context[BODY_KEY] = (params or {}).get("body")
            context[ENDPOINT_PREFIX_KEY] = client.meta.service_model.endpoint_prefix

        def before_call(model: Any, context: dict[str, Any], **_: Any) -> Any:
            answer = self._answers.get((service, model.name))
            validators = self._validators.get((service, model.name), [])
            if answer is None and not validators:
                return None

            def validated_answer(call: Call) -> Any:
                # Validators refuse bad input before anything answers or is stored (AWS's limits).
                for validate in validators:
                    validate(call)
                return answer(call) if answer is not None else None

            return _reply(validated_answer, self._call(service, model.name, context, region))

        def after_call(
            http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
        ) -> None:
            if self._call_observers:
                seen = self._call(service, model.name, context, region)
                for fn in self._call_observers:
                    fn(seen, parsed, http_response.status_code)
            if http_response.status_code >= 300:
                return
            observers = self._observers.get((service, model.name))
            if not observers:
                return
            call = self._call(service, model.name, context, region)
            for observer in observers:
                observer(call, parsed)

        events.register_first(f"before-parameter-build.{service_id}", remember_params)
        events.register_first(f"before-call.{service_id}", capture)
        events.register(f"before-call.{service_id}", before_call)
        events.register(f"after-call.{service_id}", after_call)

    def answer_internal(self, client: Any, service: str, answers: Mapping[str, Answer]) -> None:
        """Answer these operations of an internal client (one without the emulator's hooks) too.

        For state that only the emulator keeps (metric data): the kit's own reads must see it.
        """
        events = client.meta.events
        service_id = client.meta.service_model.service_id.hyphenize()
        region = client.meta.region_name

        def remember_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            context[_PARAMS_KEY] = dict(params)

        def before_call(model: Any, context: dict[str, Any], **_: Any) -> Any:
            answer = answers.get(model.name)
            if answer is None:
                return None
            return _reply(answer, self._call(service, model.name, context, region))

        # Service-wide, and ``answers`` read at call time: a mapping that grows after this client was made
        # (attach_internal's) answers its new operations too.
        events.register_first(f"before-parameter-build.{service_id}", remember_params)
        events.register(f"before-call.{service_id}", before_call)

    def _call(self, service: str, operation: str, context: dict[str, Any], region: str) -> Call:
        return Call(service, operation, context.get(_PARAMS_KEY, {}), self.lab, region, context)


def _declared(kind: type, relation: str) -> tuple[type, ...]:
    return tuple(getattr(kind, relation, ()))


def plugin_order(kinds: Iterable[type]) -> list[type]:
    """The plugin classes in the order to install and tick them: each after what it ``requires``
    and after what it runs ``after`` (when that is installed too); ties by module and class name,
    so the order never depends on how the plugins were listed.

    Raises :class:`~labkit.exceptions.PluginWiringError` for a required plugin that is missing and
    for a cycle of declarations.
    """
    chosen = list(dict.fromkeys(kinds))
    present = set(chosen)
    before: dict[type, set[type]] = {}
    for kind in chosen:
        missing = [needed.__name__ for needed in _declared(kind, "requires") if needed not in present]
        if missing:
            raise PluginWiringError(f"{kind.__name__} requires {', '.join(missing)}, which is not installed")
        before[kind] = {k for k in (*_declared(kind, "requires"), *_declared(kind, "after")) if k in present}

    def name(kind: type) -> str:
        return f"{kind.__module__}:{kind.__qualname__}"

    waiting = {kind: len(needs) for kind, needs in before.items()}
    ready = [(name(kind), kind) for kind, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[type] = []
    while ready:
        _, kind = heapq.heappop(ready)
        order.append(kind)
        for other, needs in before.items():
            if kind in needs:
                waiting[other] -= 1
                if waiting[other] == 0:
                    heapq.heappush(ready, (name(other), other))
    if len(order) < len(chosen):
        stuck = ", ".join(sorted(k.__name__ for k in chosen if k not in order))
        raise PluginWiringError(f"the plugins {stuck} wait on each other (a cycle in requires/after)")
    return order


def _reply(answer: Answer, call: Call) -> Any:
    """What a ``before-call`` hook returns for ``answer``: its reply, its AWS error, or None (moto answers)."""
    try:
        result = answer(call)
    except ServiceError as error:
        return error_reply(error.code, error.message, error.status)
    except JsonTooDeep as error:
        raise UnsupportedOperation(call.service, call.operation, call.lab.backend.name, str(error)) from None
    except ClientError as error:
        # moto refused an internal call the answer made: the learner gets the same AWS error, from
        # their own client, and observers (CloudTrail) see the failed call.
        err = error.response.get("Error", {})
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
        return error_reply(err.get("Code", ""), err.get("Message", ""), status)
    if result is None:
        return None
    return _http_response(200), {**result, "ResponseMetadata": _metadata(200)}
