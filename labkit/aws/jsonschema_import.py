"""jsonschema, imported without building the grammars of its optional "iri" format checks until one runs.

``rfc3987_syntax``, installed with Jupyter for jsonschema's "iri" and "iri-reference" formats, builds 38 lark
grammars as it is imported: 2–3 CPU s in every process that imports jsonschema (notebook 04's kernel, where
:mod:`labkit.aws.agent.unified` checks agent configurations; ``labkit run`` and every test process, where
nbformat validates notebooks). :func:`import_jsonschema` imports jsonschema with a stand-in for that package:
jsonschema registers the same checks either way, and the first ``iri`` check imports the real package and calls
its ``is_valid_syntax``. Issue 20.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import Any


def import_jsonschema() -> Any:
    """The jsonschema module; when this process imports it first, without building rfc3987_syntax's grammars."""
    first = "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules
    if first and importlib.util.find_spec("rfc3987_syntax") is not None:
        sys.modules["rfc3987_syntax"] = _IriSyntaxOnFirstUse("rfc3987_syntax")
        try:
            import jsonschema
        finally:
            del sys.modules["rfc3987_syntax"]
    import jsonschema

    return jsonschema


class _IriSyntaxOnFirstUse(ModuleType):
    """What jsonschema imports from ``rfc3987_syntax`` while :func:`import_jsonschema` imports it: an
    ``is_valid_syntax`` that imports the real package (no longer stood in for) when first called."""

    @staticmethod
    def is_valid_syntax(term: str, value: str) -> Any:
        import rfc3987_syntax

        return rfc3987_syntax.is_valid_syntax(term, value)
