"""The compiled-pattern object every kind of filter pattern returns.

Taught in notebook 05-ssh-failure-metric-filter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

Kind = Literal["unstructured", "json", "space-delimited", "regex"]


class FilterPattern:
    """A compiled CloudWatch Logs filter pattern.

    ``matches`` and ``extract`` are plain attributes holding closures built at compile time, so a
    call costs one function call and no dispatch (the benchmark runs a million of them).

    Attributes:
        pattern: the source text, exactly as given.
        kind: ``"unstructured"``, ``"json"``, ``"space-delimited"`` or ``"regex"``.
        matches: ``matches(message) -> bool``.
        extract: ``extract(message) -> dict[str, str] | None``: the fields a match binds (``"$ip"``,
            ``"$1"`` for space-delimited; the selectors used, ``"$.eventName"``, for JSON; ``{}``
            for the other kinds), or ``None`` when the event does not match.
        fields: the names a metric value or dimension may refer to (``"$size"``, ``"$.latency"``);
            for JSON any ``$.`` selector is allowed, so this lists only those in the pattern.
        ignored_terms: ``?`` terms AWS drops because plain or ``-`` terms are present.
        regex_count: how many ``%regex%`` the pattern holds (AWS caps this per log group).
    """

    __slots__ = ("pattern", "kind", "matches", "extract", "fields", "ignored_terms", "regex_count")

    def __init__(
        self,
        pattern: str,
        kind: Kind,
        matches: Callable[[str], bool],
        extract: Callable[[str], dict[str, str] | None],
        *,
        fields: tuple[str, ...] = (),
        ignored_terms: tuple[str, ...] = (),
        regex_count: int = 0,
    ) -> None:
        self.pattern = pattern
        self.kind: Kind = kind
        self.matches: Callable[[str], bool] = matches
        self.extract: Callable[[str], dict[str, str] | None] = extract
        self.fields = fields
        self.ignored_terms = ignored_terms
        self.regex_count = regex_count

    @property
    def supports_dimensions(self) -> bool:
        """Dimensions "are only available for JSON and space-delimited filter patterns"."""
        return self.kind in ("json", "space-delimited")

    def __repr__(self) -> str:
        return f"<FilterPattern {self.kind} {self.pattern!r}>"
