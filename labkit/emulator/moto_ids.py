"""How moto draws ids in a lab labkit starts: request ids from a stream of their own, EC2 ids in one
draw each, and a region's default AMIs made when something first looks at that region's images.

moto draws every id from one seeded generator (``moto.moto_api._internal.mock_random``, seeded at
each lab's start with :data:`labkit.emulator.moto_accounts.MOTO_SEED`), so a notebook prints the same
instance ids run after run. Three things made that costly and brittle (issue 20):

* every request drew its 52-character request id from that generator, so a request the emulator
  added or saved (a ``DescribeAlarms`` at an alarm's state change) shifted every id a notebook
  printed after it. Request ids now come from a generator of their own, seeded alike: the ids
  of what a lab creates depend only on what it creates.
* an EC2 id (``i-…``, ``vol-…``) took one ``random.choice`` per hex digit; it now takes one
  ``getrandbits`` call: the same alphabet, every digit still uniform.
* each EC2 backend made moto's ~1,300 default AMIs, each with a volume and a snapshot, as it was
  made, including the us-east-1 backend moto's in-process mock makes for every request only to
  read the service's URL patterns (``moto.core.botocore_stubber``): a third of a second of every
  lab that used EC2. They are now made the first time something reads that region's images, so the
  throwaway backend never makes them; and ``RunInstances``' lookup of its own image by id
  (moto's ``Instance`` asks ``DescribeImages`` with an ``image-id`` filter) makes none when the id is
  not one of moto's default images (their ids are fixed in moto's files): the answer is empty either
  way. A lab that launches the kit's offline AMI then never makes them at all.
* importing ``moto.ec2`` read the instance-type offerings of every region and location type (93 files,
  150,000 dictionaries: 0.3–0.4 CPU s of every kernel that used EC2, issue 20); each region's file is now
  read the first time something looks that region up (:class:`OfferingsOnFirstUse`), as moto read it.

The first, third and fourth change nothing a lab can see through AWS's APIs: request ids are opaque, and
the images are there whenever something asks for them. The ids drawn are other ids than before
(still the same on every run). On a real account none of this runs; a workshop's shared server is
not seeded.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.machinery
import os
import random
import re
import string
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import Any

#: The generator of moto's request ids while a lab is open (see :func:`seed`).
_request_ids = random.Random()
_REQUEST_ID_LETTERS = string.ascii_letters + string.digits
#: moto's request ids are 52 letters and digits (``moto.utilities.aws_headers.gen_amzn_requestid_long``).
_REQUEST_ID_LENGTH = 52


def seed(value: int) -> None:
    """Seed the request-id stream and put the patches below on moto (now, or when its modules load)."""
    _request_ids.seed(value)
    _install()


def request_id(headerdict: dict[str, Any] | None = None) -> str:
    """moto's ``gen_amzn_requestid_long``, drawn from the request-id stream."""
    value = "".join(_request_ids.choices(_REQUEST_ID_LETTERS, k=_REQUEST_ID_LENGTH))
    if isinstance(headerdict, dict):
        headerdict["x-amzn-requestid"] = value
    return value


def hex_id(size: int = 8) -> str:
    """moto's ``moto.ec2.utils.random_resource_id``: ``size`` hex digits from moto's seeded generator."""
    from moto.moto_api._internal import mock_random

    return format(mock_random.getrandbits(4 * size), f"0{size}x")


class AmisMadeOnFirstUse(dict[str, Any]):
    """An EC2 backend's ``amis``: empty until first read or written, when ``make`` fills it (moto's
    ``AmiBackend._load_amis``, which writes into it), so the images keep moto's order."""

    def __init__(self, make: Callable[[], None]) -> None:
        super().__init__()
        self._make: Callable[[], None] | None = make

    @property
    def made(self) -> bool:
        """Whether moto's images are in it (they are made at most once)."""
        return self._make is None

    def _make_now(self) -> None:
        make, self._make = self._make, None
        if make is not None:
            make()

    def __getitem__(self, key: str) -> Any:
        self._make_now()
        return super().__getitem__(key)

    def __setitem__(self, key: str, value: Any) -> None:
        self._make_now()
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self._make_now()
        super().__delitem__(key)

    def __contains__(self, key: object) -> bool:
        self._make_now()
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        self._make_now()
        return super().__iter__()

    def __len__(self) -> int:
        self._make_now()
        return super().__len__()

    def __repr__(self) -> str:
        self._make_now()
        return super().__repr__()

    def get(self, key: str, default: Any = None) -> Any:
        self._make_now()
        return super().get(key, default)

    def pop(self, key: str, *default: Any) -> Any:
        self._make_now()
        return super().pop(key, *default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._make_now()
        return super().setdefault(key, default)

    def copy(self) -> dict[str, Any]:
        self._make_now()
        return dict(super().items())

    def keys(self) -> Any:
        self._make_now()
        return super().keys()

    def values(self) -> Any:
        self._make_now()
        return super().values()

    def items(self) -> Any:
        self._make_now()
        return super().items()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._make_now()
        super().update(*args, **kwargs)

    def clear(self) -> None:
        self._make = None
        super().clear()


def _make_amis_on_first_use(original: Callable[[Any], None]) -> Callable[[Any], None]:
    def load_amis(backend: Any) -> None:
        backend.amis = AmisMadeOnFirstUse(lambda: original(backend))

    load_amis.labkit_original = original  # type: ignore[attr-defined]
    return load_amis


#: fnmatch's special characters: moto matches an ``image-id`` filter value as a pattern.
_PATTERN = re.compile(r"[*?\[]")


@functools.cache
def default_image_ids(region: str) -> frozenset[str]:
    """The ids of the images moto's ``AmiBackend._load_amis`` makes in ``region``: fixed in moto's
    resource files, whatever ids it then draws for their volumes and snapshots."""
    from moto import settings
    from moto.ec2.models.amis import AMIS
    from moto.utilities.utils import load_resource

    if "MOTO_AMIS_PATH" not in os.environ and not settings.ec2_load_default_amis():
        return frozenset()
    ids = {image["ami_id"] for image in AMIS}
    if "MOTO_AMIS_PATH" not in os.environ:
        for path in ("latest_amis", "ecs/optimized_amis"):
            try:
                ids.update(image["ami_id"] for image in load_resource(f"ec2/resources/{path}/{region}.json"))
            except FileNotFoundError:  # as moto: a region it has no file for has none
                pass
    return frozenset(ids)


def _describe_images_without_making(original: Callable[..., Any]) -> Callable[..., Any]:
    def describe_images(
        backend: Any,
        ami_ids: list[str] | None = None,
        filters: dict[str, Any] | None = None,
        exec_users: list[str] | None = None,
        owners: list[str] | None = None,
    ) -> Any:
        amis = backend.amis
        if isinstance(amis, AmisMadeOnFirstUse) and not amis.made and not (ami_ids or exec_users or owners):
            wanted = (filters or {}).get("image-id") if filters and set(filters) == {"image-id"} else None
            wanted = [wanted] if isinstance(wanted, str) else wanted
            if (
                isinstance(wanted, list)
                and all(isinstance(value, str) and not _PATTERN.search(value) for value in wanted)
                and not set(wanted) & default_image_ids(backend.region_name)
            ):
                return []  # only moto's default images exist yet, and none of them has one of these ids
        return original(backend, ami_ids=ami_ids, filters=filters, exec_users=exec_users, owners=owners)

    describe_images.labkit_original = original  # type: ignore[attr-defined]
    return describe_images


class OfferingsOnFirstUse(Mapping[str, list[dict[str, Any]]]):
    """One location type's ``moto.ec2.models.instance_types.INSTANCE_TYPE_OFFERINGS`` (region -> offerings),
    each region's file read, and its offerings marked with the location type as moto marks them, when that
    region is first looked up."""

    def __init__(self, location_type: str, paths: dict[str, str]) -> None:
        self.location_type = location_type
        self._paths = paths
        self._read: dict[str, list[dict[str, Any]]] = {}

    def __getitem__(self, region: str) -> list[dict[str, Any]]:
        if region not in self._read:
            from moto.utilities.utils import load_resource

            offerings = load_resource(self._paths[region])
            for offering in offerings:
                offering["LocationType"] = self.location_type
            self._read[region] = offerings
        return self._read[region]

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


_OFFERINGS = re.compile(r"instance_type_offerings/(?P<type>[^/]+)/(?P<region>[^/.]+)\.")


@contextmanager
def _offerings_deferred(name: str) -> Iterator[dict[str, dict[str, str]]]:
    """While ``moto.ec2.models.instance_types`` runs, its offering files are noted (location type, region,
    path) instead of read; :func:`_patch` then puts an :class:`OfferingsOnFirstUse` per location type."""
    noted: dict[str, dict[str, str]] = {}
    if name != "moto.ec2.models.instance_types":
        yield noted
        return
    import moto.utilities.utils as utils

    load_resource = utils.load_resource

    def note_offerings(resource: str) -> Any:
        found = _OFFERINGS.search(resource)
        if found is None:
            return load_resource(resource)
        noted.setdefault(found["type"], {})[found["region"]] = resource
        return []

    utils.load_resource = note_offerings
    try:
        yield noted
    finally:
        utils.load_resource = load_resource


def _patch(module: ModuleType, noted_offerings: dict[str, dict[str, str]] | None = None) -> None:
    if module.__name__ in ("moto.utilities.aws_headers", "moto.core.responses"):
        module.gen_amzn_requestid_long = request_id  # type: ignore[attr-defined]
    elif module.__name__ == "moto.ec2.utils":
        module.random_resource_id = hex_id  # type: ignore[attr-defined]
    elif module.__name__ == "moto.ec2.models.amis":
        backend = module.AmiBackend
        if not hasattr(backend._load_amis, "labkit_original"):
            backend._load_amis = _make_amis_on_first_use(backend._load_amis)
            backend.describe_images = _describe_images_without_making(backend.describe_images)
    elif module.__name__ == "moto.ec2.models.instance_types" and noted_offerings:
        for location_type, paths in noted_offerings.items():
            module.INSTANCE_TYPE_OFFERINGS[location_type] = OfferingsOnFirstUse(location_type, paths)


_PATCHED = (
    "moto.utilities.aws_headers",
    "moto.core.responses",
    "moto.ec2.utils",
    "moto.ec2.models.amis",
    "moto.ec2.models.instance_types",
)


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Patches the modules of :data:`_PATCHED` that moto imports later, as they finish loading."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in _PATCHED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_then_patch(module: ModuleType) -> None:
            with _offerings_deferred(module.__name__) as noted:
                exec_module(module)
            _patch(module, noted)

        loader.exec_module = exec_then_patch  # type: ignore[method-assign]
        return spec


_finder = _PatchOnImport()


def _install() -> None:
    for name in _PATCHED:
        module = sys.modules.get(name)
        if module is not None:
            _patch(module)
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
