"""How every data plot looks: fonts, the light and dark colour themes, matplotlib settings, SVG output.

Text is kept as path glyphs (matplotlib's default svg.fonttype 'path') so the PDF step
does not need the fonts; output is deterministic (fixed svg.hashsalt, no date).
Chinese labels use "Noto Sans CJK SC" when installed; without a CJK font the Chinese
plots fall back to English labels rather than drawing empty boxes.
"""

from __future__ import annotations

import io
import logging
from functools import cache

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.figure import Figure

log = logging.getLogger("mkdocs.hooks.data_tables")

CJK_FONT = "Noto Sans CJK SC"
LATIN_FONT = "DejaVu Sans"

# Colour-blind-safe palette (Okabe-Ito), assigned in order of first appearance.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

# One SVG per colour scheme of the site: "light" for Material's default scheme (and the PDF),
# "dark" for its slate scheme. Each has an opaque background, so the file also reads on its
# own when a reader opens it full-size. The dark palette keeps the Okabe-Ito hues, lightened
# to stay above 3:1 against the background; black becomes light grey.
THEMES = {
    "light": {
        "background": "#ffffff", "text": "#000000", "muted": "#666666", "guide": "#888888",
        "grid": "#dddddd", "edge": "#ffffff", "palette": PALETTE,
    },
    "dark": {
        "background": "#1e2029", "text": "#e2e4e9", "muted": "#a9adb8", "guide": "#8a8f9c",
        "grid": "#3a3e4b", "edge": "#1e2029",
        "palette": ["#4fa3e0", "#f0804a", "#2ec4a0", "#e29ac9", "#f2b441", "#8fd3f5",
                    "#d0d0d0", "#f0e442"],
    },
}


def _find(family: str) -> bool:
    try:
        font_manager.findfont(font_manager.FontProperties(family=family),
                              fallback_to_default=False)
        return True
    except ValueError:
        return False


@cache
def has_font(family: str) -> bool:
    if _find(family):
        return True
    # matplotlib's font cache may predate the font's installation: register the
    # system's CJK font files directly and look again.
    for path in font_manager.findSystemFonts():
        if "CJK" in path:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    return _find(family)


def plot_language(lang: str) -> str:
    """Language actually used for labels: 'zh' needs a CJK font, else English."""
    if lang == "zh" and not has_font(CJK_FONT):
        log.info("data_tables: font %r not installed; Chinese plots use English labels", CJK_FONT)
        return "en"
    return "en" if lang == "en" else "zh"


def rc_params(lang: str, theme: dict) -> dict:
    families = [LATIN_FONT, CJK_FONT] if lang == "zh" else [LATIN_FONT]
    return {
        "figure.facecolor": theme["background"],
        "axes.facecolor": theme["background"],
        "savefig.facecolor": theme["background"],
        "text.color": theme["text"],
        "axes.labelcolor": theme["text"],
        "axes.titlecolor": theme["text"],
        "axes.edgecolor": theme["text"],
        "xtick.color": theme["text"],
        "ytick.color": theme["text"],
        "legend.labelcolor": theme["text"],
        "svg.hashsalt": "ml-engineering-book-data-plots",
        "svg.fonttype": "path",
        "font.family": families,
        "font.size": 9,
        "axes.titlesize": 11,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.unicode_minus": False,
    }


def colors_for(keys, palette=PALETTE):
    mapping = {}
    for k in keys:
        if k not in mapping:
            mapping[k] = palette[len(mapping) % len(palette)]
    return mapping


def to_svg(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return buf.getvalue()
