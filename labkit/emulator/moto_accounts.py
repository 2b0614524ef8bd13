"""moto's accounts and credentials, shared by the backends, the emulator and the workshop.

moto serves any 12-digit account id; on a moto server a request chooses its account with the
header ``x-moto-account-id``, honoured when the server's environment does not set
``MOTO_ACCOUNT_ID`` ("Multi-Account support", https://docs.getmoto.org/en/latest/docs/multi_account.html).
moto checks no credentials, so the kit's sessions carry fake ones and read nothing in ``~/.aws``.
"""

from __future__ import annotations

import copy
import functools
import inspect
import os
import types
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.client
import botocore.handlers
import botocore.hooks
import botocore.loaders
import botocore.regions
import botocore.session
from botocore.hooks import EVENT_ALIASES, EventAliaser, HierarchicalEmitter
from botocore.model import ServiceModel

#: moto's default account (its documentation's example account id).
MOTO_ACCOUNT_ID = "123456789012"
FAKE_KEY = "testing"
#: Seed of moto's id generator, set for every lab labkit starts a moto for: instance ids, UUIDs and
#: the like then repeat run to run, so a committed notebook shows what a rerun prints
#: (moto: "Deterministic Identifiers", https://docs.getmoto.org/en/latest/docs/configuration/recorder/index.html).
MOTO_SEED = 20260601
#: The account on a workshop's moto server that holds the kit's own state (the progress board,
#: email subscriptions' confirmations): AWS's documentation example account id, so it can never be
#: a participant's (:func:`labkit.runtime.participant.identity`).
WORKSHOP_ACCOUNT_ID = "111122223333"
ACCOUNT_HEADER = "x-moto-account-id"


@functools.cache
def shared_loader() -> botocore.loaders.Loader:
    """One botocore data loader for every offline session of the process: botocore parses a service's
    JSON model once per loader, and a lab makes a session per backend, account and plugin (loading
    the EC2 model alone takes a tenth of a second). The loader only caches botocore's own files."""
    return botocore.loaders.create_loader()


_create_loader = botocore.session.create_loader


@functools.cache
def _loader_for(search_path_string: str | None) -> botocore.loaders.Loader:
    return shared_loader() if search_path_string is None else _create_loader(search_path_string)


def share_loaders() -> Callable[[], None]:
    """Every botocore session made in this process from now on, moto's own included, gets the one loader
    of its data path (``AWS_DATA_PATH``; none: :func:`shared_loader`) instead of a new one, every client its
    service's model and methods as they were made the first time (:func:`_shared_service_model`,
    :func:`_shared_methods`) and an event aliaser knowing the names aliased before (:func:`_aliaser_knowing_names`),
    and moto its request-parsing models from the same parse (:func:`_moto_model`), and botocore's check of each
    handler it registers reads a plain function's code (:func:`_accepts_kwargs`), every client of a service one
    endpoint provider (:func:`_shared_endpoint_provider`), and moto's lookup of a request's
    action among its responder's functions looks at that one name (:class:`_FunctionNames`); returns the function
    that stops all of it. moto makes sessions of its own (``boto3.Session()``: three when ``moto.ec2`` is imported, one for
    its backends' regions), and each new loader parses the EC2 model and the endpoints again: about a second of
    CPU in every lab that uses EC2. The loader only caches botocore's own files, so what a session loads is what
    it would have loaded."""
    import moto.core.responses
    import moto.core.utils

    botocore.session.create_loader = _loader_for
    creator = botocore.client.ClientCreator
    creator._load_service_model = _shared_service_model
    creator._create_methods = _shared_methods
    moto_load = moto.core.utils._load_service_model
    moto.core.utils._load_service_model = functools.partial(_moto_model, moto_load)
    EventAliaser.__copy__ = _aliaser_knowing_names
    botocore.hooks.accepts_kwargs = _accepts_kwargs
    botocore.regions.EndpointProvider = _shared_endpoint_provider
    method_names = moto.core.responses.method_names_from_class
    moto.core.responses.method_names_from_class = _FunctionNames  # type: ignore[assignment]

    def stop() -> None:
        botocore.session.create_loader = _create_loader
        creator._load_service_model = _load_service_model
        creator._create_methods = _create_methods
        moto.core.utils._load_service_model = moto_load
        EventAliaser.__copy__ = _copy_aliaser
        botocore.hooks.accepts_kwargs = _botocore_accepts_kwargs
        botocore.regions.EndpointProvider = _EndpointProvider
        moto.core.responses.method_names_from_class = method_names

    return stop


class _FunctionNames:
    """moto's ``method_names_from_class(cls)`` — the names ``inspect.getmembers(cls, inspect.isfunction)`` finds —
    for its one use, ``action in method_names_from_class(self.__class__)`` at every request: whether ``name``
    is among them, found as ``getmembers`` finds it without listing every member (about a millisecond for
    ``EC2Response``'s 340, issue 15). ``dir(cls)`` is the names in the dictionaries of its MRO when its
    metaclass's ``__dir__`` is ``type``'s; a name a base holds as a ``DynamicClassAttribute`` (which ``getmembers``
    lists twice) is looked up in the full list."""

    def __init__(self, cls: type) -> None:
        self.cls = cls

    def __contains__(self, name: object) -> bool:
        from moto.core.utils import method_names_from_class

        cls = self.cls
        if (
            not isinstance(name, str)
            or type(cls).__dir__ is not type.__dir__
            or any(isinstance(vars(base).get(name), types.DynamicClassAttribute) for base in cls.__bases__)
        ):
            return name in method_names_from_class(cls)
        holders = [base for base in cls.__mro__ if name in vars(base)]
        if not holders:
            return False
        try:
            value = getattr(cls, name)
        except AttributeError:
            value = vars(holders[0])[name]
        return inspect.isfunction(value)


_botocore_accepts_kwargs = botocore.hooks.accepts_kwargs
_EndpointProvider = botocore.regions.EndpointProvider
#: Per service ruleset (the shared loader's): the provider made from it, with what it was made from.
_providers: dict[tuple[int, int, frozenset[str] | None], tuple[object, object, Any]] = {}


def _shared_endpoint_provider(
    ruleset_data: object, partition_data: object, excluded_params: Collection[str] | None = None
) -> Any:
    """botocore's ``EndpointProvider``, one per ruleset: botocore builds the rules of a service's endpoint ruleset
    again for every client (about a millisecond). A provider holds only the rules built from its (read-only)
    ruleset and partitions, and a cache of what its pure evaluation returned, so every client of the service can
    share it; another ruleset (another loader's) gets its own."""
    key = (id(ruleset_data), id(partition_data), None if excluded_params is None else frozenset(excluded_params))
    made = _providers.get(key)
    if made is None or made[0] is not ruleset_data or made[1] is not partition_data:
        made = (ruleset_data, partition_data, _EndpointProvider(ruleset_data, partition_data, excluded_params))
        _providers[key] = made
    return made[2]


#: What ``inspect.signature`` reads of a function besides its code (``_signature_from_callable``).
_SIGNATURE_ATTRIBUTES = frozenset({"__signature__", "_partialmethod", "__text_signature__"})


def _accepts_kwargs(func: Any) -> Any:
    """botocore's ``accepts_kwargs`` (``inspect.getfullargspec(func)[2]``: the name of the ``**`` parameter, or
    None), read from the code of a plain function as ``inspect`` reads it; botocore asks it of every handler it
    registers (about fifteen a lab's client, eight a boto3 session), at a twentieth of a millisecond each (issue 15).
    A bound method's is its function's (``inspect`` reads ``__func__`` first, keeping ``self``: ``getfullargspec``
    skips no bound argument)."""
    function = func.__func__ if type(func) is types.MethodType else func
    if type(function) is not types.FunctionType or not _SIGNATURE_ATTRIBUTES.isdisjoint(vars(function)):
        return _botocore_accepts_kwargs(func)
    code = function.__code__
    if not code.co_flags & inspect.CO_VARKEYWORDS:
        return None
    index = code.co_argcount + code.co_kwonlyargcount + (1 if code.co_flags & inspect.CO_VARARGS else 0)
    return code.co_varnames[index]


def _moto_model(moto_load: Callable[[str, str], Any], service_name: str, type_name: str) -> Any:
    """moto's own copy of a service's model (``moto.core.utils._load_service_model``, which moto parses requests
    with: botocore's file and moto's extras merged in) from the shared loader's parse of that file, which the
    lab's clients already made: moto's own loader parsed it again, the EC2 model alone 0.25–0.35 CPU s of every
    kernel that used EC2 (issue 20). moto's extras go into copies of only the dictionaries they change, so the
    clients' model stays as botocore made it; neither is changed once made. A file botocore has extras of its
    own for (the shared loader's copy has them merged) is read by moto's loader, as before."""
    import moto.core.loaders

    loader = shared_loader()
    model = loader.load_service_model(service_name, type_name)
    version = loader.determine_latest_version(service_name, type_name)
    if next(loader._find_extras(service_name, type_name, version), None) is not None:
        return moto_load(service_name, type_name)
    for extras in moto.core.loaders.create_loader()._find_extras(service_name, type_name, version):
        if "merge" in extras:  # botocore's ExtrasProcessor: only "merge" is applied
            model = _merged(model, extras["merge"])
    return model


def _merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """botocore's ``deep_merge(base, extra)`` into a copy: the dictionaries on the way to each change are copied."""
    merged = dict(base)
    for key, value in extra.items():
        if key in merged and isinstance(merged[key], dict) and isinstance(value, dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


_copy_aliaser = EventAliaser.__copy__
#: Event name -> its name under botocore's aliases (``EVENT_ALIASES``), for every client of the process.
_aliased_names: dict[str, str] = {}


def _aliaser_knowing_names(aliaser: EventAliaser) -> EventAliaser:
    """A copy of a session's event aliaser (each client gets one) that knows the names aliased before: a
    name's alias depends on the alias table alone, and botocore's copy starts with none, so every new client
    worked out again the aliases of the ~1,000 event names its handlers register (1 to 2 ms a client)."""
    made = _copy_aliaser(aliaser)
    if made._event_aliases == EVENT_ALIASES:
        made._alias_name_cache = _aliased_names
    return made


_load_service_model = botocore.client.ClientCreator._load_service_model
_create_methods = botocore.client.ClientCreator._create_methods


@dataclass
class _Made:
    """A service's model as a client gets it, from the description the loader keeps, and its client methods."""

    description: object
    model: ServiceModel
    methods: dict[str, object] | None = None


#: Per service name: the last model made (another description, from another loader, replaces it).
_made: dict[str, _Made] = {}


def _shared_service_model(
    creator: botocore.client.ClientCreator, service_name: str, api_version: str | None = None
) -> ServiceModel:
    """botocore's ``ClientCreator._load_service_model``, one ``ServiceModel`` per description: botocore
    makes a model for every client, and each then builds its operations' models again (an EC2 client
    builds all 700 to find its endpoint-discovery operation, a third of its 30 ms), a lab making its
    clients anew. A model is read-only once made; what it caches (operation models, shapes) is the
    same whoever asks."""
    description = creator._loader.load_service_model(service_name, "service-2", api_version=api_version)
    made = _made.get(service_name)
    if made is None or made.description is not description:
        made = _Made(description, ServiceModel(description, service_name=service_name))
        _made[service_name] = made
    return made.model


def _shared_methods(creator: botocore.client.ClientCreator, service_model: ServiceModel) -> dict[str, object]:
    """botocore's ``ClientCreator._create_methods``, made once per shared model: botocore makes a client's
    class anew for every client, one function per operation (another third of an EC2 client's time). The
    functions hold only their operation's names and docstring, so every client class of the service can
    share them; each class still gets its own dict, which the ``creating-client-class`` handlers add to.
    Made through the built-in handlers' emitter, so the docstrings (rendered through events) keep no
    lab's session alive."""
    made = _made.get(service_model.service_name)
    if made is None or made.model is not service_model:
        return _create_methods(creator, service_model)
    if made.methods is None:
        maker = copy.copy(creator)
        maker._event_emitter = _builtin_handlers()
        made.methods = _create_methods(maker, service_model)
    return dict(made.methods)


def _builtin_handlers() -> HierarchicalEmitter:
    """botocore's built-in event handlers, registered once (about 1,300 of them, a tenth of a second
    per session); each offline session starts from a copy, as botocore gives each client a copy.
    Importing moto adds its request stubber to botocore's list, so the list's length is the key."""
    return _registered(len(botocore.handlers.BUILTIN_HANDLERS))


@functools.cache
def _registered(handler_count: int) -> HierarchicalEmitter:
    emitter = HierarchicalEmitter()
    emitter._handlers = CopyOnWriteTrie()
    botocore.session.Session(event_hooks=emitter)
    return emitter


class CopyOnWriteTrie(botocore.hooks._PrefixTrie):
    """botocore's trie of event handlers, copied in constant time: botocore copies a session's handlers into each
    client (``copy.copy`` of its emitter), node by node, about 1,300 handlers (2 ms, a tenth of a unit-test run's CPU,
    issue 15). A copy here shares every node with the trie it came from; the first change of a key in either copies
    the nodes on that key's path ("path copying"), so neither ever sees the other's changes. Lookups
    (``prefix_search``) read the same nodes botocore's trie would hold."""

    def __init__(self) -> None:
        super().__init__()
        self._owner = object()
        self._root["owner"] = self._owner

    def __copy__(self) -> CopyOnWriteTrie:
        made = CopyOnWriteTrie.__new__(CopyOnWriteTrie)
        made._root = self._root
        made._owner = object()
        self._owner = object()  # the nodes are shared now: this trie copies them before a change too
        return made

    def _own(self, node: dict[str, Any], parent: dict[str, Any] | None) -> dict[str, Any]:
        """``node`` itself when this trie made it, else a copy of it linked in its place (under ``parent``)."""
        if node.get("owner") is self._owner:
            return node
        values = node["values"]
        owned = {
            "chunk": node["chunk"],
            "children": dict(node["children"]),
            "values": None if values is None else copy.copy(values),
            "owner": self._owner,
        }
        if parent is None:
            self._root = owned
        else:
            parent["children"][node["chunk"]] = owned
        return owned

    def _owned_path(self, parts: list[str]) -> list[dict[str, Any]]:
        """The nodes of a key's ``parts`` that exist, from the root, each one this trie's own."""
        path = [self._own(self._root, None)]
        for part in parts:
            child = path[-1]["children"].get(part)
            if child is None:
                break
            path.append(self._own(child, path[-1]))
        return path

    def append_item(self, key: str, value: Any, section: int = botocore.hooks._MIDDLE) -> None:
        parts = key.split(".")
        path = self._owned_path(parts)
        current = path[-1]
        for part in parts[len(path) - 1 :]:
            current["children"][part] = current = {
                "chunk": part,
                "values": None,
                "children": {},
                "owner": self._owner,
            }
        if current["values"] is None:
            current["values"] = botocore.hooks.NodeList([], [], [])
        current["values"][section].append(value)

    def remove_item(self, key: str, value: Any) -> None:
        self._owned_path(key.split("."))
        super().remove_item(key, value)


def offline_session(region: str, key: str = FAKE_KEY, secret: str = FAKE_KEY) -> boto3.Session:
    """A boto3 session with fake credentials (``key``/``secret``) that reads no file in ``~/.aws``."""
    # No environment variable may point botocore at a profile or a file of the learner's.
    core = botocore.session.Session(
        session_vars={
            "profile": (None, None, None, None),
            "config_file": (None, None, os.devnull, None),
            "credentials_file": (None, None, os.devnull, None),
        },
        event_hooks=copy.copy(_builtin_handlers()),
        include_builtin_handlers=False,
    )
    core.register_component("data_loader", shared_loader())
    core.set_credentials(key, secret)
    return boto3.Session(botocore_session=core, region_name=region)


def session_in(account_id: str, region: str, key: str | None = None, secret: str | None = None) -> boto3.Session:
    """An offline boto3 session whose every request is served from ``account_id`` by a moto server."""
    session = offline_session(region, key or FAKE_KEY, secret or FAKE_KEY)

    def choose_account(request: object, **_: object) -> None:
        request.headers[ACCOUNT_HEADER] = account_id  # type: ignore[attr-defined]

    session.events.register("before-sign", choose_account)
    return session
