"""Charts that can say it in Japanese: IPAexGothic (``matplotlib-fontja``) behind matplotlib's own font.

The Japanese edition's charts carry Japanese titles and labels (issue 18); matplotlib's default font,
DejaVu Sans, has no Japanese glyphs and would draw boxes. The kit installs IPAexGothic through its own
dependencies (the ``matplotlib-fontja`` package, IPA Font License) and lists it *after* DejaVu Sans, so
Latin text renders exactly as before and each Japanese character falls back to IPAexGothic (matplotlib
3.6+ font fallback). Used by :mod:`labkit.lesson.plot` and :mod:`labkit.lesson.dashboard`.
"""

from __future__ import annotations

from functools import cache
from types import ModuleType

#: The font families charts use, in order: Latin from DejaVu Sans, Japanese from IPAexGothic.
FAMILIES = ["DejaVu Sans", "IPAexGothic"]


@cache
def _register_japanese_font() -> None:
    import matplotlib

    # Importing matplotlib_fontja adds IPAexGothic to matplotlib's font list and also makes it the
    # only family; the context puts the families back, keeping the font registered.
    with matplotlib.rc_context():
        import matplotlib_fontja  # noqa: F401
    matplotlib.rcParams["font.family"] = FAMILIES


def pyplot() -> ModuleType:
    """``matplotlib.pyplot``, with the Japanese font registered as fallback (loaded on first chart)."""
    _register_japanese_font()
    import matplotlib.pyplot as plt

    return plt
