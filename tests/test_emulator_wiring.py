"""How emulator plugins find each other: by type, in an order their declarations decide (docs/emulator-contract.md)."""

from __future__ import annotations

import datetime as dt
import random
import sys
import types
from typing import Any

import boto3
import pytest

from labkit.runtime import backends
from labkit.emulator import PLUGINS
from labkit.emulator.cloudwatch_alarms import CloudWatchAlarms
from labkit.emulator.core import Emulator, plugin_order
from labkit.emulator.events import Events
from labkit.emulator.sns_email import SnsEmail
from labkit.exceptions import PluginWiringError
from labkit.runtime.clock import LabClock
from labkit.runtime.lab import Lab
from labkit.runtime.resources import TAG_KEY


class Metrics:
    """A stand-in plugin that publishes datapoints each minute."""


class Alarms:
    """Reads what Metrics published: it requires it."""

    requires = (Metrics,)


class Report:
    """Sums up after the alarms, when they are installed."""

    after = (Alarms,)


class Loner:
    """Declares nothing."""


def _plugin_module(monkeypatch: pytest.MonkeyPatch, kind: type, install: Any = None) -> str:
    """A plugin module holding ``kind``, whose install records its minute ticks in ``ticks``."""
    name = f"labkit_test_plugin_{kind.__name__.lower()}"
    module = types.ModuleType(name)
    setattr(module, kind.__name__, kind)

    def default_install(emulator: Emulator) -> Any:
        plugin = kind()
        emulator.every_minute(lambda now: ticks.append(kind.__name__))
        return plugin

    module.install = install or default_install  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, name, module)
    return f"{name}:{kind.__name__}"


ticks: list[str] = []


@pytest.fixture
def emulator(lab: Lab) -> Emulator:
    ticks.clear()
    return Emulator(lab)


def test_asking_for_a_plugin_that_is_not_installed_names_it(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(PluginWiringError, match=r"no SnsEmail plugin is installed .*installed: none"):
        emulator.plugin(SnsEmail)
    emulator.install([_plugin_module(monkeypatch, Loner)])
    with pytest.raises(PluginWiringError, match=r"no SnsEmail plugin is installed .*installed: Loner"):
        emulator.plugin(SnsEmail)
    assert isinstance(emulator.plugin(Loner), Loner)


def test_a_plugin_must_declare_what_it_asks_for(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    class Sneaky:
        """Asks for Loner without declaring it."""

    def install(em: Emulator) -> Sneaky:
        em.plugin(Loner)
        return Sneaky()

    specs = [_plugin_module(monkeypatch, Loner), _plugin_module(monkeypatch, Sneaky, install)]
    with pytest.raises(
        PluginWiringError, match=r"Sneaky asked for Loner without declaring it: add it to Sneaky.requires"
    ):
        emulator.install(specs)


def test_a_required_plugin_that_is_not_listed_is_refused_before_anything_installs(
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(PluginWiringError, match="Alarms requires Metrics, which is not installed"):
        emulator.install([_plugin_module(monkeypatch, Alarms)])
    assert emulator.plugins == []


def test_declarations_that_wait_on_each_other_are_refused() -> None:
    class First:
        pass

    class Second:
        requires = (First,)

    First.after = (Second,)  # type: ignore[attr-defined]
    with pytest.raises(PluginWiringError, match="First, Second wait on each other"):
        plugin_order([First, Second])


def test_a_spec_that_names_no_class_is_refused(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _plugin_module(monkeypatch, Loner)
    with pytest.raises(PluginWiringError, match="write 'module:Class'"):
        emulator.install([spec.partition(":")[0]])


@pytest.mark.parametrize(
    "listed",
    [
        [Report, Alarms, Metrics, Loner],
        [Metrics, Alarms, Report, Loner],
        [Loner, Report, Metrics, Alarms],
        [Alarms, Loner, Metrics, Report],
    ],
)
def test_install_and_tick_order_follow_the_declarations_whatever_the_listing(
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    listed: list[type],
) -> None:
    emulator.install([_plugin_module(monkeypatch, kind) for kind in listed])
    order = [type(plugin).__name__ for plugin in emulator.plugins]
    assert order == ["Loner", "Metrics", "Alarms", "Report"]  # declared first; undeclared ties by name
    emulator.tick(dt.datetime(2026, 6, 1, 0, 1, tzinfo=dt.timezone.utc))
    assert ticks == order


def test_the_labs_plugins_come_in_one_order_whatever_the_order_of_plugins() -> None:
    import importlib

    kinds = []
    for spec in PLUGINS:
        module, _, name = spec.partition(":")
        kinds.append(getattr(importlib.import_module(module), name))
    expected = plugin_order(kinds)
    shuffler = random.Random(15)
    for _ in range(25):
        shuffled = kinds[:]
        shuffler.shuffle(shuffled)
        assert plugin_order(shuffled) == expected
    for position, kind in enumerate(expected):
        for needed in (*getattr(kind, "requires", ()), *getattr(kind, "after", ())):
            assert expected.index(needed) < position, f"{kind.__name__} before {needed.__name__}"


def test_alarms_evaluate_after_every_plugin_that_publishes_metrics(lab: Lab) -> None:
    assert lab.emulator is not None
    order = [type(plugin).__name__ for plugin in lab.emulator.plugins]
    alarms = order.index("CloudWatchAlarms")
    for publisher in ("Ec2Metrics", "SimulatedMetrics", "SyntheticChecks", "LogsMetrics", "CloudTrailEmulation"):
        assert order.index(publisher) < alarms
    assert order.index("Budgets") > alarms  # it counts the alarms for the bill


def test_plugins_get_their_collaborators_by_type(lab: Lab) -> None:
    assert lab.emulator is not None
    email = lab.emulator.plugin(SnsEmail)
    assert lab.emulator.plugin(Events).email is email and lab.emulator.plugin(CloudWatchAlarms).email is email
    assert lab.inbox is email.inbox


def test_offline_is_true_on_moto_and_false_on_aws(lab: Lab) -> None:
    assert lab.offline
    on_aws = Lab(
        backends.Backend("aws", boto3.Session(region_name="ap-northeast-1"), "000000000000", in_process=False),
        "ap-northeast-1",
        LabClock(virtual=False),
        "lab-test",
    )
    assert not on_aws.offline and on_aws.emulator is None


def test_a_client_that_records_nothing_still_sees_what_the_emulator_completes(lab: Lab) -> None:
    assert lab.emulator is not None
    lab.emulator.answers("sns", "ListTopics")(lambda call: {"Topics": [{"TopicArn": "emulated"}]})
    unrecorded = lab.client("sns", record=False)
    assert unrecorded.list_topics()["Topics"] == [{"TopicArn": "emulated"}]  # as the learner sees it
    assert lab.internal_client("sns").list_topics()["Topics"] == []  # moto underneath
    arn = unrecorded.create_topic(Name="checker-made")["TopicArn"]
    assert lab.registry.ordered(lab.lab_id) == []  # not for teardown...
    assert TAG_KEY not in {t["Key"] for t in lab.internal_client("sns").list_tags_for_resource(ResourceArn=arn)["Tags"]}
    lab.client("sns").create_topic(Name="learner-made")
    assert [r.ident["TopicArn"].rsplit(":", 1)[-1] for r in lab.registry.ordered(lab.lab_id)] == ["learner-made"]


def test_offline_sessions_share_botocores_models_and_still_reach_in_process_moto() -> None:
    """Offline sessions share one botocore loader and a copy of botocore's built-in handlers (a lab's
    clients are made several times faster). Importing moto adds its request stubber to those handlers:
    a session made before moto was imported must not keep an in-process moto lab off moto."""
    import subprocess

    script = (
        "from labkit.emulator.moto_accounts import offline_session\n"
        "offline_session('ap-northeast-1')\n"
        "import labkit\n"
        "lab = labkit.connect('moto')\n"
        "lab.client('sns').create_topic(Name='lab-first')\n"
        "print([t['TopicArn'] for t in lab.client('sns').list_topics()['Topics']])\n"
        "lab.close()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "['arn:aws:sns:ap-northeast-1:123456789012:lab-first']"

    from labkit.emulator.moto_accounts import offline_session, shared_loader

    first, second = offline_session("ap-northeast-1"), offline_session("us-east-1", "other", "keys")
    assert first.client("ec2").meta.service_model is not None
    assert second._session.get_component("data_loader") is shared_loader()
    assert second.get_credentials().access_key == "other" and first.get_credentials().access_key == "testing"
    first.events.register("before-sign", lambda **_: None, unique_id="only-in-first")
    assert "only-in-first" not in second._session._original_handler._unique_id_handlers


def test_motos_own_sessions_share_the_loader_while_a_moto_lab_is_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto makes sessions of its own (``boto3.Session()``); while an offline lab is open they get the loader of
    their data path, parsed once, and after it closes a session gets a loader of its own again."""
    import botocore.session

    import labkit
    from labkit.emulator.moto_accounts import shared_loader

    monkeypatch.delenv("AWS_DATA_PATH", raising=False)
    lab = labkit.connect("moto")
    try:
        assert boto3.Session()._session.get_component("data_loader") is shared_loader()
        monkeypatch.setenv("AWS_DATA_PATH", "/elsewhere")
        own = boto3.Session()._session.get_component("data_loader")
        assert own is not shared_loader() and own is boto3.Session()._session.get_component("data_loader")
        assert "/elsewhere" in own.search_paths  # the data path still chooses the files
        monkeypatch.delenv("AWS_DATA_PATH")
        assert lab.client("ec2").describe_regions()["Regions"]  # moto's EC2 backend, made on the shared loader
    finally:
        lab.close()
    assert botocore.session.Session().get_component("data_loader") is not shared_loader()


@pytest.mark.parametrize(
    ("service", "kind"),
    [
        ("ec2", "service-2"),  # moto's extras (two error shapes)
        ("ec2", "paginators-1"),  # botocore's extras: moto's own loader reads it
        ("sqs", "service-2"),  # moto's extras
        ("sns", "service-2"),
        ("cloudwatch", "service-2"),
        ("rds", "service-2"),  # botocore's extras
        ("sns", "no-such-kind"),
    ],
)
def test_motos_request_models_are_made_from_the_shared_parse_and_equal_motos_own(service: str, kind: str) -> None:
    """moto's request-parsing model of a service (botocore's file, moto's extras merged) comes from the lab's shared
    loader while a lab is open, equal to what moto's own loader makes; the clients' model stays botocore's."""
    import json

    import botocore.exceptions
    import botocore.loaders
    import moto.core.loaders
    import moto.core.utils

    import labkit
    from labkit.emulator.moto_accounts import shared_loader

    def made(load: Any) -> Any:
        try:
            return json.dumps(load(service, kind), sort_keys=True)
        except botocore.exceptions.DataNotFoundError as error:
            return type(error).__name__

    lab = labkit.connect("moto")
    try:
        shared = made(moto.core.utils._load_service_model)
        if service == "ec2" and kind == "service-2":  # the point: the big parts are the shared loader's own
            model = moto.core.utils._load_service_model(service, kind)
            assert model["operations"] is shared_loader().load_service_model(service, kind)["operations"]
            assert "AuthFailure" in model["shapes"]
            assert "AuthFailure" not in shared_loader().load_service_model(service, kind)["shapes"]
    finally:
        lab.close()
    assert shared == made(moto.core.loaders.create_loader().load_service_model)
    assert made(shared_loader().load_service_model) == made(botocore.loaders.create_loader().load_service_model)
    assert moto.core.utils._load_service_model.__module__ == "moto.core.utils"


def test_clients_know_the_event_names_aliased_before_while_a_moto_lab_is_open() -> None:
    """A client's event aliaser (botocore's copy of its session's) starts with the names aliased so far and
    aliases as botocore does; after the lab closes a copy starts empty again."""
    import copy

    import botocore.session
    from botocore.hooks import EventAliaser, HierarchicalEmitter

    import labkit

    lab = labkit.connect("moto")
    try:
        first = lab.client("logs").meta.events
        second = lab.client("sns").meta.events
        assert first._alias_name_cache is second._alias_name_cache
        assert len(second._alias_name_cache) > 100
        # Each name as a new aliaser of botocore's (EVENT_ALIASES) aliases it: "logs" becomes "cloudwatch-logs".
        fresh = EventAliaser(HierarchicalEmitter())
        assert all(fresh._alias_event_name(name) == alias for name, alias in dict(second._alias_name_cache).items())
        assert second._alias_event_name("before-call.logs.PutLogEvents") == "before-call.cloudwatch-logs.PutLogEvents"
        assert copy.copy(botocore.session.Session().get_component("event_emitter"))._alias_name_cache
    finally:
        lab.close()
    assert copy.copy(botocore.session.Session().get_component("event_emitter"))._alias_name_cache == {}


def test_the_check_of_each_handler_botocore_registers_answers_as_inspect_does_while_a_moto_lab_is_open() -> None:
    """botocore registers only handlers that take ``**kwargs`` (``botocore.compat.accepts_kwargs``: the name of
    that parameter, from ``inspect.getfullargspec``); labkit's quicker reading gives the same name, or None, for
    every handler a lab's clients hold and for callables of every other shape; after the lab closes it is botocore's."""
    import functools
    import inspect

    import botocore.compat
    import botocore.hooks

    import labkit
    from labkit.emulator.moto_accounts import _accepts_kwargs

    def plain(a, b=1, *args, c, d=2, **extra):  # type: ignore[no-untyped-def]
        pass

    def positional_only(a, /, b, **kw):  # type: ignore[no-untyped-def]
        pass

    def no_keywords(a, *args):  # type: ignore[no-untyped-def]
        pass

    def signed(**kwargs):  # type: ignore[no-untyped-def]
        pass

    signed.__signature__ = inspect.Signature()  # type: ignore[attr-defined]

    class Callable:
        def __call__(self, **kwargs: Any) -> None:
            pass

        def method(self, event: str, **kwargs: Any) -> None:
            pass

        def without_keywords(self, event: str) -> None:
            pass

        def signed_method(self, **kwargs: Any) -> None:
            pass

        signed_method.__signature__ = inspect.Signature()  # type: ignore[attr-defined]

    shapes = [plain, positional_only, no_keywords, signed, lambda **_: None, functools.partial(plain, 1)]
    shapes += [Callable(), Callable().method, functools.wraps(no_keywords)(plain)]
    shapes += [Callable().without_keywords, Callable().signed_method, types.MethodType(functools.partial(plain), 1)]
    lab = labkit.connect("moto")
    try:
        assert botocore.hooks.accepts_kwargs is _accepts_kwargs
        handlers = []
        for service in ("logs", "ec2", "s3"):
            stack = [lab.client(service).meta.events._emitter._handlers._root]
            while stack:
                node = stack.pop()
                stack.extend(node["children"].values())
                if node["values"]:
                    handlers += [*node["values"].first, *node["values"].middle, *node["values"].last]
        assert len(handlers) > 100
        for handler in [*handlers, *shapes]:
            assert _accepts_kwargs(handler) == botocore.compat.accepts_kwargs(handler), handler
        assert [_accepts_kwargs(shape) for shape in shapes[:4]] == ["extra", "kw", None, None]
    finally:
        lab.close()
    assert botocore.hooks.accepts_kwargs is botocore.compat.accepts_kwargs


def test_the_action_moto_looks_up_among_its_responders_functions_is_found_as_moto_finds_it() -> None:
    """moto dispatches a request to its responder's method only when ``action in method_names_from_class(cls)``
    (``inspect.getmembers(cls, inspect.isfunction)``); while a moto lab is open labkit looks at that one name, with
    the same answer for every name of the responders of the services the labs use, and for names they lack."""
    import importlib

    import moto.core.responses
    from moto.core.responses import BaseResponse
    from moto.core.utils import method_names_from_class

    import labkit
    from labkit.emulator.moto_accounts import _FunctionNames

    services = ("cloudwatch", "sns", "logs", "ec2", "iam", "events", "autoscaling", "ssm", "sts", "s3", "sqs")
    lab = labkit.connect("moto")
    try:
        assert moto.core.responses.method_names_from_class is _FunctionNames
        for service in services:
            importlib.import_module(f"moto.{service}.responses")
        responders = [cls for cls in _subclasses(BaseResponse) if cls.__module__.split(".")[1] in services]
        assert len(responders) >= len(services)
        for cls in responders:
            names = method_names_from_class(cls)
            asked = [*dir(cls), "no_such_action", "describe_alarms", "DescribeAlarms", "__init__", "_get_param", 3]
            assert [name in _FunctionNames(cls) for name in asked] == [name in names for name in asked], cls
    finally:
        lab.close()
    assert moto.core.responses.method_names_from_class is method_names_from_class


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_copied_handler_tries_answer_as_botocores_and_never_see_each_others_changes() -> None:
    """Each offline session's and client's handlers are a copy-on-write copy of botocore's built-in ones
    (:class:`CopyOnWriteTrie`). Random registrations and removals on a family of copies made at random moments
    (copies of copies, the original changed after copying) give, for every event name, the handlers a plain
    botocore trie given the same history gives, in the same order."""
    import copy

    from botocore.hooks import _PrefixTrie

    from labkit.emulator.moto_accounts import CopyOnWriteTrie, offline_session

    rng = random.Random(15)
    parts = ["before-call", "after-call", "*", "logs", "cloudwatch", "PutLogEvents", "PutMetricData", "x"]
    keys = sorted({".".join(rng.choice(parts) for _ in range(rng.randint(1, 4))) for _ in range(60)})
    handlers = [f"handler-{n}" for n in range(12)]
    tries: list[tuple[Any, Any]] = [(CopyOnWriteTrie(), _PrefixTrie())]
    for _ in range(3000):
        cow, plain = rng.choice(tries)
        action = rng.random()
        if action < 0.1:
            tries.append((copy.copy(cow), copy.copy(plain)))
        elif action < 0.75:
            key, handler, section = rng.choice(keys), rng.choice(handlers), rng.randrange(3)
            cow.append_item(key, handler, section)
            plain.append_item(key, handler, section)
        else:
            key, handler = rng.choice(keys), rng.choice(handlers)
            outcomes = []
            for trie in (cow, plain):
                try:
                    trie.remove_item(key, handler)
                    outcomes.append("removed")
                except (ValueError, AttributeError) as error:
                    outcomes.append(type(error).__name__)
            assert outcomes[0] == outcomes[1]
    assert len(tries) > 100
    for cow, plain in tries:
        for key in keys + ["before-call.logs.PutLogEvents.extra", "nothing"]:
            assert list(cow.prefix_search(key)) == list(plain.prefix_search(key))

    # What labkit's sessions carry: a client's handlers change without touching another's or the session's.
    session = offline_session("ap-northeast-1")
    first, second = session.client("logs"), session.client("logs")

    def mine(**_: Any) -> None:
        return None

    first.meta.events.register("before-call.logs.PutLogEvents", mine)
    assert type(first.meta.events._emitter._handlers) is CopyOnWriteTrie
    assert mine in first.meta.events._emitter._handlers.prefix_search("before-call.cloudwatch-logs.PutLogEvents")
    for other in (second.meta.events, session.events):
        assert mine not in other._emitter._handlers.prefix_search("before-call.cloudwatch-logs.PutLogEvents")


def test_clients_share_one_endpoint_provider_per_ruleset_and_resolve_as_botocore_does() -> None:
    """While a moto lab is open, every client of a service shares one endpoint provider (botocore builds one per
    client); each resolves the endpoints a plain botocore client resolves, S3's bucket endpoints included; after
    the lab closes botocore builds its own again."""
    import botocore.regions
    import botocore.session

    import labkit
    from labkit.emulator.moto_accounts import offline_session

    def resolved(client: Any, **parameters: Any) -> str:
        return str(
            client._ruleset_resolver.construct_endpoint(
                client.meta.service_model.operation_model(parameters.pop("operation")), parameters, {}
            ).url
        )

    plain = botocore.session.Session()
    plain.set_credentials("testing", "testing")
    cases = [
        ("logs", "ap-northeast-1", {"operation": "PutLogEvents"}),
        ("iam", "ap-northeast-1", {"operation": "ListRoles"}),
        ("sts", "us-east-1", {"operation": "GetCallerIdentity"}),
        ("s3", "ap-northeast-1", {"operation": "GetObject", "Bucket": "lab-bucket", "Key": "a"}),
        ("s3", "us-east-1", {"operation": "ListBuckets"}),
    ]
    lab = labkit.connect("moto")
    try:
        for service, region, parameters in cases:
            first = offline_session(region).client(service)
            second = lab.internal_client(service, region)
            assert first._ruleset_resolver._provider is second._ruleset_resolver._provider
            theirs = plain.create_client(service, region_name=region)
            assert first.meta.endpoint_url == theirs.meta.endpoint_url
            assert resolved(first, **dict(parameters)) == resolved(theirs, **dict(parameters))
    finally:
        lab.close()
    again = (offline_session("ap-northeast-1").client("logs"), offline_session("ap-northeast-1").client("logs"))
    assert again[0]._ruleset_resolver._provider is not again[1]._ruleset_resolver._provider
    assert botocore.regions.EndpointProvider.__name__ == "EndpointProvider"
