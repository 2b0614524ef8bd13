"""Charts draw Japanese (issue 18): IPAexGothic, installed by the kit's own dependencies, behind DejaVu Sans."""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import pandas as pd

from labkit.lesson import fonts
from labkit.lesson.plot import alarm_timeline

JAPANESE = "CPU 使用率がしきい値 (80%) を超えた期間 — アラーム状態"


def _missing_glyphs(draw) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure = draw()
        figure.savefig(io.BytesIO(), format="png")
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_a_labkit_chart_with_a_japanese_title_has_every_glyph() -> None:
    series = pd.Series([10.0, 95.0, 96.0, 20.0], index=pd.date_range("2026-06-01", periods=4, freq="5min", tz="UTC"))

    def draw():
        ax = alarm_timeline(series, threshold=80, period=300, title=JAPANESE)
        return ax.figure

    assert _missing_glyphs(draw) == []


def test_latin_text_keeps_matplotlibs_own_font_and_japanese_falls_back() -> None:
    plt = fonts.pyplot()
    assert matplotlib.rcParams["font.family"] == ["DejaVu Sans", "IPAexGothic"]
    found = matplotlib.font_manager.findfont(
        matplotlib.font_manager.FontProperties(family="IPAexGothic"), fallback_to_default=False
    )
    assert found.endswith("ipaexg.ttf")
    # Without the fallback (matplotlib's default family) the same title loses its glyphs: the check can fail.
    with matplotlib.rc_context({"font.family": ["sans-serif"], "font.sans-serif": ["DejaVu Sans"]}):

        def draw():
            figure, ax = plt.subplots()
            ax.set_title(JAPANESE)
            return figure

        assert _missing_glyphs(draw) != []
