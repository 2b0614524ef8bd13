"""One manifest per notebook: ``nbNN.py`` here defines ``MANIFEST`` (:class:`labkit.course.manifest.Manifest`)
for ``notebooks/src/NN-slug.py``: its title, minutes, differences from AWS, quiz and catch-up step.

The curriculum, the quiz and the workshop read the notebooks from :data:`MANIFESTS`; a new notebook
adds its module here and nothing else in labkit (docs/contributing.md, "A new notebook").
"""

from __future__ import annotations

import importlib
import pkgutil

from labkit.course.manifest import Manifest
from labkit.exceptions import ManifestError


def _load() -> tuple[Manifest, ...]:
    """Every ``nbNN`` module's manifest, in course order (the modules' names sort as the notebooks do)."""
    found = []
    for name in sorted(info.name for info in pkgutil.iter_modules(__path__) if info.name.startswith("nb")):
        manifest = importlib.import_module(f"{__name__}.{name}").MANIFEST
        if not isinstance(manifest, Manifest) or f"nb{manifest.number}" != name:
            raise ManifestError(f"{__name__}.{name}.MANIFEST must be the Manifest of notebook {name[2:]}")
        found.append(manifest)
    return tuple(found)


#: The course's notebooks, in order.
MANIFESTS = _load()
