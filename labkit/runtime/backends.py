"""The three places a lab can run: moto in the kernel, a moto server, or a real sandbox account.

* ``moto`` (default): ``moto.mock_aws`` inside this process. Fake credentials; ``~/.aws`` is never read.
* ``moto-server``: a ``ThreadedMotoServer`` on 127.0.0.1 that labkit starts, or an existing
  one named by ``LABKIT_ENDPOINT_URL`` (a workshop server). The same notebooks, over HTTP.
* ``aws``: a real account, guarded — the caller's account id must be listed in
  ``LABKIT_AWS_ACCOUNTS``, root credentials are refused, and the region must be allowed
  (``LABKIT_AWS_REGIONS``, default ``ap-northeast-1``).

Introduced in notebook 00-setup-and-monitoring-types.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from labkit.emulator import moto_ids
from labkit.emulator.server import labkit_server
from labkit.emulator.moto_accounts import FAKE_KEY, MOTO_ACCOUNT_ID, MOTO_SEED, offline_session, share_loaders
from labkit.exceptions import ConfigurationError, GuardrailError
from labkit.i18n import _
from labkit.runtime.clock import LabClock
from labkit.runtime.environment import put_environment
from labkit.runtime.participant import server_identity

BACKENDS = ("moto", "moto-server", "aws")


@dataclass
class Backend:
    """A connected backend: how to make clients, and what the lab may assume about it."""

    name: str
    session: boto3.Session
    account_id: str
    endpoint_url: str | None = None
    #: moto's state lives in this process, so the emulator and the lab clock can reach it.
    in_process: bool = True
    #: the resources outlive this process, so the registry must be saved to disk.
    persistent: bool = False
    registry_key: str = ""
    client_config: Config = field(default_factory=Config)
    close: Callable[[], None] = lambda: None

    @property
    def emulated(self) -> bool:
        """Whether the labkit emulator completes this backend (every moto backend, never ``aws``)."""
        return self.name != "aws"


def registry_path() -> Path:
    """Where persisted registries live: ``$LABKIT_HOME/registry.json`` (default ``~/.labkit``)."""
    home = os.environ.get("LABKIT_HOME") or Path.home() / ".labkit"
    return Path(home) / "registry.json"


_OFFLINE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": FAKE_KEY,
    "AWS_SECRET_ACCESS_KEY": FAKE_KEY,
    "AWS_SESSION_TOKEN": None,
    "AWS_SECURITY_TOKEN": None,
    "AWS_PROFILE": None,
    "AWS_DEFAULT_PROFILE": None,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def _offline_environment() -> Callable[[], None]:
    """Fake credentials and no ``~/.aws`` for everything in this process (moto itself makes
    boto3 sessions), and one botocore loader for all of them (:func:`share_loaders`); returns the
    function that puts the learner's environment back."""
    stop_sharing = share_loaders()
    saved = put_environment(_OFFLINE_ENVIRONMENT)

    def restore() -> None:
        stop_sharing()
        put_environment(saved)

    return restore


class _MotoClock:
    """Points moto's own notion of "now" at the lab clock while a moto lab is open.

    moto reads time through ``moto.core.utils.utcnow`` (imported by name across its services),
    so the function's code is swapped rather than the name: alarm timestamps, log-group creation
    times and the 14-day window ``PutLogEvents`` accepts then all follow lab time.
    """

    _original_code: Any = None

    @classmethod
    def follow(cls, clock: LabClock) -> None:
        import moto.core.utils as moto_utils

        if cls._original_code is None:
            cls._original_code = moto_utils.utcnow.__code__
        moto_utils._labkit_clock = clock  # type: ignore[attr-defined]
        moto_utils.utcnow.__code__ = _lab_utcnow.__code__

    @classmethod
    def release(cls) -> None:
        import moto.core.utils as moto_utils

        if cls._original_code is not None:
            moto_utils.utcnow.__code__ = cls._original_code
            cls._original_code = None


def _lab_utcnow() -> Any:
    # Runs with moto.core.utils' globals once its code is swapped in (see _MotoClock).
    return _labkit_clock.utcnow_naive()  # type: ignore[name-defined]  # noqa: F821


@functools.cache
def _moto_state_holders(loaded_modules: frozenset[str]) -> tuple[list[Any], list[Any]]:
    """moto's backend dicts, and the caches on its model classes that are keyed by a model object
    (``Subnet._base_avail_ip_iterator`` is an unbounded ``functools.cache``: every subnet made in the
    process, and through it its whole EC2 backend, stays alive), in the moto modules loaded so far.
    moto.core's own caches are kept: they hold no lab's data."""
    from moto.core.base_backend import BackendDict

    backend_dicts: list[Any] = []
    model_caches: list[Any] = []
    for name in sorted(loaded_modules):
        module = sys.modules.get(name)
        if module is None:
            continue
        for value in vars(module).values():
            if isinstance(value, BackendDict):
                backend_dicts.append(value)
            elif isinstance(value, type) and value.__module__ == name and not name.startswith("moto.core"):
                model_caches.extend(member for member in vars(value).values() if hasattr(member, "cache_clear"))
    return backend_dicts, model_caches


class _LoadedMotoModules:
    """The names of the moto modules loaded, as of when ``sys.modules`` last had ``size`` entries."""

    size = -1
    names: frozenset[str] = frozenset()


def _loaded_moto_modules() -> frozenset[str]:
    """The moto modules in ``sys.modules``, scanned again only when its size has changed: a scan of its ~4,000
    names took 0.6 ms, twice a lab. Nothing unloads a moto module, so a new one makes ``sys.modules`` grow, unless
    another module were dropped at the same time, which nothing in labkit or moto does while labs run
    (tests/test_lab.py loads a moto service during a lab and checks the next lab finds it empty)."""
    if len(sys.modules) != _LoadedMotoModules.size:
        _LoadedMotoModules.size = len(sys.modules)
        _LoadedMotoModules.names = frozenset(name for name in sys.modules if name.startswith("moto."))
    return _LoadedMotoModules.names


def _forget_moto_backends() -> None:
    """Drop every moto backend made so far; each is made again, empty, on first use.

    moto's own reset (``mock_aws().start(reset=True)``, ``stop()``) re-creates every backend in
    place, then drops them from their dicts: the re-creation is thrown away, and for EC2 it loads
    moto's ~1,300 default AMIs (each with a volume and a snapshot) for every region used, about a
    third of a second a lab (issue 15). A backend with clean-up of its own (S3 closes its keys'
    temporary files and forgets its buckets' owners) still gets its ``reset``. The dropped backends
    become garbage: nothing of labkit's keeps one between labs, the account dicts moto's
    ``AccountSpecificBackend._generate_regions`` cache keeps are emptied, and the model caches of
    :func:`_moto_state_holders` are cleared.
    """
    from moto.core.base_backend import BackendDict, BaseBackend, backend_lock

    backend_dicts, model_caches = _moto_state_holders(_loaded_moto_modules())
    with backend_lock:
        for backend_dict in backend_dicts:
            for regions in backend_dict.values():
                for backend in regions.values():
                    if type(backend).reset is not BaseBackend.reset:
                        backend.reset()
                regions.clear()
            backend_dict.clear()
        BackendDict._instances.clear()  # type: ignore[misc]
        for model_cache in model_caches:
            model_cache.cache_clear()


def _seed_moto() -> None:
    """Seed moto's id generator with every service backend still to be made, so each lab draws the
    same ids in the same order whatever ran before it in this process (issue 14, section 7).

    moto's reset re-creates the region backends it resets, and a backend whose creation reads
    another service's (Auto Scaling reads EC2's) makes that one again after its dict was cleared:
    after a lab that terminated an instance (moto's TerminateInstances reads Auto Scaling's backend),
    the next lab would find an EC2 backend made before the seed and draw other ids. Emptying every loaded backend
    dict leaves them all to be made on first use, after the seed.
    """
    from moto.moto_api._internal import mock_random

    _forget_moto_backends()
    mock_random.seed(MOTO_SEED)
    # Request ids from a stream of their own, EC2's default AMIs made on first use (labkit.emulator.moto_ids).
    moto_ids.seed(MOTO_SEED)


def _clear_moto_records() -> None:
    """What moto's reset does besides its backends: the models' ``instances_tracked``, and the calls the
    ``responses`` mock recorded (its URL registrations are kept: :func:`_start_moto_mock`)."""
    from moto.core.model_instances import reset_model_data
    from moto.core.models import responses_mock

    responses_mock.calls.reset()
    reset_model_data()


class _MotoUrls:
    """How many URL callbacks moto's ``responses`` mock held after labkit last registered them."""

    registered = -1


def _start_moto_mock(mock: Any) -> None:
    """``mock.start(reset=False)``, registering moto's URL callbacks for ``requests`` (about 9,000: every
    service's URL patterns for each HTTP method) only when the mock does not hold them already: they call
    moto's stateless dispatcher, and registering them again for every lab was most of a lab's start (issue 15).
    The registration loop does not even run: it took 2 ms a lab with every call a no-op."""
    import moto.core.models as moto_models
    from moto.core.custom_responses_mock import reset_responses_mock
    from moto.core.models import responses_mock

    if len(responses_mock.registered()) != _MotoUrls.registered:  # first lab, or something reset them
        reset_responses_mock(responses_mock)
        mock.start(reset=False)
        _MotoUrls.registered = len(responses_mock.registered())
        return
    methods = moto_models.RESPONSES_METHODS
    moto_models.RESPONSES_METHODS = []  # its registration loop (one pass per HTTP method) registers nothing
    try:
        mock.start(reset=False)
    finally:
        moto_models.RESPONSES_METHODS = methods


def start_moto(region: str, clock: LabClock) -> Backend:
    """A fresh, empty moto in this process (any previous moto lab's state is reset)."""
    from moto import mock_aws

    restore_environment = _offline_environment()
    mock = mock_aws()
    # moto's reset=True / remove_data=True would re-create every backend only to drop it;
    # _seed_moto drops them instead.
    _clear_moto_records()
    _start_moto_mock(mock)
    _seed_moto()
    _MotoClock.follow(clock)

    def close() -> None:
        mock.stop(remove_data=False)
        _forget_moto_backends()
        _clear_moto_records()
        _MotoClock.release()
        restore_environment()

    return Backend("moto", offline_session(region), MOTO_ACCOUNT_ID, registry_key="moto", close=close)


_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]", "ip6-localhost"}


def normalize_endpoint(endpoint_url: str) -> str:
    """One spelling per server: ``scheme://host:port`` in lower case, loopback names as
    ``127.0.0.1``, no trailing ``/``, the scheme's default port written out.

    The registry file is keyed by it, so ``http://localhost:5000/`` and ``http://127.0.0.1:5000``
    find the same labs (``labkit teardown`` in a terminal, the notebook's kernel).
    """
    from urllib.parse import urlsplit

    text = endpoint_url.strip()
    parts = urlsplit(text if "://" in text else f"http://{text}")
    scheme = (parts.scheme or "http").lower()
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as error:
        raise ConfigurationError(_("LABKIT_ENDPOINT_URL {url!r} has no valid port").format(url=endpoint_url)) from error
    host = (parts.hostname or "").lower()
    if not host:
        raise ConfigurationError(
            _("LABKIT_ENDPOINT_URL {url!r} names no host (expected http://HOST:PORT)").format(url=endpoint_url)
        )
    if host in _LOOPBACK_NAMES:
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


def start_moto_server(region: str, clock: LabClock, endpoint_url: str | None = None) -> Backend:
    """A moto server over HTTP: an existing one at ``endpoint_url``, or a new one on 127.0.0.1."""
    # Errors from a moto server arrive as HTTP 500; retrying them only delays the real message.
    config = Config(retries={"mode": "standard", "max_attempts": 2})
    if endpoint_url:
        endpoint_url = normalize_endpoint(endpoint_url)
        # A workshop participant (LABKIT_PARTICIPANT) gets an account of their own on the shared
        # server, derived from the name (labkit.runtime.participant.identity); without it, moto's default account.
        session, account, registry_key = server_identity(region, endpoint_url)
        return Backend(
            "moto-server",
            session,
            account,
            endpoint_url,
            in_process=False,
            persistent=True,
            registry_key=registry_key,
            client_config=config,
        )
    # The server's request log and tracebacks would drown the notebook; labkit reports errors itself.
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    restore_environment = _offline_environment()
    server = labkit_server("127.0.0.1", 0)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    # moto's state is global to the process: a new lab starts from an empty server, its ids seeded.
    # (A workshop's server, above, is not seeded: reseeding it mid-session would make moto draw
    # again ids it already gave other participants.)
    # The server runs in this process's threads, on the same moto state as start_moto's.
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=10).close()
    _seed_moto()
    _MotoClock.follow(clock)

    def close() -> None:
        server.stop()
        _MotoClock.release()
        restore_environment()

    return Backend(
        "moto-server",
        offline_session(region),
        MOTO_ACCOUNT_ID,
        url,
        registry_key=f"moto-server:{url}",
        client_config=config,
        close=close,
    )


def allowed(variable: str, default: str = "") -> set[str]:
    """A comma-separated allow-list from the environment."""
    return {item.strip() for item in os.environ.get(variable, default).split(",") if item.strip()}


def start_aws(region: str, session: boto3.Session | None = None) -> Backend:
    """A real account, after the guardrails: allowed region, an allow-list at all (checked before
    any network call), allowed account, not root."""
    regions = allowed("LABKIT_AWS_REGIONS", "ap-northeast-1")
    if region not in regions:
        raise GuardrailError(
            _(
                "region {region} is not allowed for real-account labs; allowed: {allowed} "
                "(set LABKIT_AWS_REGIONS to change)"
            ).format(region=region, allowed=", ".join(sorted(regions)))
        )
    accounts = allowed("LABKIT_AWS_ACCOUNTS")
    if not accounts:
        # Refused before any network call: no allow-list means no account is a sandbox yet.
        raise GuardrailError(
            _(
                "LABKIT_AWS_ACCOUNTS is not set; labkit only runs in sandbox accounts you name explicitly "
                "(set LABKIT_AWS_ACCOUNTS=<12-digit id> for a sandbox account)"
            )
        )
    session = session or boto3.Session(region_name=region)
    config = Config(retries={"mode": "standard", "max_attempts": 8})
    identity = session.client("sts", region_name=region, config=config).get_caller_identity()
    account = identity["Account"]
    if account not in accounts:
        raise GuardrailError(
            _(
                "this account is not listed in LABKIT_AWS_ACCOUNTS; labkit only runs in sandbox accounts "
                "you name explicitly (set LABKIT_AWS_ACCOUNTS=<12-digit id> for a sandbox account)"
            )
        )
    if identity["Arn"].endswith(":root"):
        raise GuardrailError(
            _("refusing to run with root credentials; use an IAM role or IAM Identity Center user in the sandbox")
        )
    return Backend(
        "aws",
        session,
        account,
        in_process=False,
        persistent=True,
        registry_key=f"aws:{account}",
        client_config=config,
    )


def resolve_backend_name(backend: str | None) -> str:
    """The backend to use: the argument, else ``LABKIT_BACKEND``, else ``moto``."""
    name = backend or os.environ.get("LABKIT_BACKEND") or "moto"
    if os.environ.get("LABKIT_ENDPOINT_URL") and not backend and not os.environ.get("LABKIT_BACKEND"):
        name = "moto-server"
    if name not in BACKENDS:
        raise ConfigurationError(
            _("unknown backend {name!r}; choose one of {backends}").format(name=name, backends=", ".join(BACKENDS))
        )
    return name
