"""Build-time SVG plots of the comparison data (matplotlib, Agg, no pyplot state): one function a plot.

plotstyle.py sets how they look (fonts, colour themes, deterministic SVG); render_plot() is the
entry point the data_tables hook calls.
"""

from __future__ import annotations

import math
import textwrap

import matplotlib
import matplotlib.patches
import matplotlib.ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .plotstyle import THEMES, colors_for, has_font, plot_language, rc_params, to_svg
from .render import PLOT_NAMES, _num, sort_by_bf16
from .strings import plot_meta, strings


def _overlaps(a, b, pad=1.0) -> bool:
    return not (a.x1 + pad < b.x0 or b.x1 + pad < a.x0 or a.y1 + pad < b.y0 or b.y1 + pad < a.y0)


def plot_roofline(data: dict, lang: str, theme: dict = THEMES["light"]) -> bytes:
    s = strings(lang)
    # merge accelerators that sit on exactly the same point (e.g. B200 and B300)
    points: dict[tuple, list] = {}
    vendors: dict[tuple, str] = {}
    for row in sort_by_bf16(data["accelerators"]):
        bf16 = _num(row["tflops"]["bf16"])
        bw = _num(row["memory_bw_tbs"])
        if bf16 is None or bw is None:
            continue
        key = (round(bw, 3), round(bf16, 1))
        points.setdefault(key, []).append(row["model"])
        vendors.setdefault(key, row["vendor"])
    colors = colors_for((vendors[k] for k in points), theme["palette"])

    with matplotlib.rc_context(rc_params(lang, theme)):
        fig = Figure(figsize=(7.5, 5.2))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.set_xscale("log")
        ax.set_yscale("log")
        xs = [k[0] for k in points]
        ys = [k[1] for k in points]
        xmin, xmax = min(xs) / 1.5, max(xs) * 1.6
        ymin, ymax = min(ys) / 1.6, max(ys) * 1.6
        ax.set_xlim(xmin, xmax)
        ax.set_ylim(ymin, ymax)
        # constant ridge-point guides: TFLOPS = ridge x TB/s
        guide_labels = []
        for ridge in (100, 200, 400):
            gx = [xmin, xmax]
            ax.plot(gx, [ridge * x for x in gx], linestyle=":", linewidth=0.8, color=theme["guide"],
                    zorder=1)
            # label where the guide enters the plot (bottom or left edge)
            lx = max(xmin * 1.08, ymin * 1.12 / ridge)
            guide_labels.append(ax.text(lx, ridge * lx, s["plot_roofline_ridge"].format(v=ridge),
                                        fontsize=7, color=theme["muted"], ha="left", va="top",
                                        zorder=1))
        for vendor in dict.fromkeys(vendors[k] for k in points):
            keys = [k for k in points if vendors[k] == vendor]
            ax.scatter([k[0] for k in keys], [k[1] for k in keys], s=28, color=colors[vendor],
                       label=vendor, zorder=3, edgecolors=theme["edge"], linewidths=0.5)
        ticker = matplotlib.ticker
        ax.xaxis.set_major_locator(ticker.FixedLocator([0.5, 1, 2, 4, 8, 16, 32]))
        ax.yaxis.set_major_locator(ticker.FixedLocator([100, 200, 300, 500, 1000, 2000, 3000,
                                                        5000, 10000]))
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
            axis.set_minor_formatter(ticker.NullFormatter())
        ax.set_title(s["plot_roofline_title"])
        ax.set_xlabel(s["plot_roofline_x"])
        ax.set_ylabel(s["plot_roofline_y"])
        ax.grid(True, which="major", linewidth=0.4, color=theme["grid"])
        ax.legend(loc="lower right", fontsize=8, frameon=False)

        # greedy, deterministic label placement that avoids overlapping earlier labels
        renderer = fig.canvas.get_renderer()
        placed = [ax.get_legend().get_window_extent(renderer)]
        placed += [t.get_window_extent(renderer) for t in guide_labels]
        axes_box = ax.get_window_extent(renderer)
        candidates = [((5, 4), "left", "bottom"), ((5, -4), "left", "top"),
                      ((-5, 4), "right", "bottom"), ((-5, -4), "right", "top"),
                      ((0, 7), "center", "bottom"), ((0, -7), "center", "top"),
                      ((9, 0), "left", "center"), ((-9, 0), "right", "center")]
        for key in sorted(points, key=lambda k: (-k[1], k[0])):
            label = " / ".join(points[key])
            chosen = None
            for offset, ha, va in candidates:
                text = ax.annotate(label, key, xytext=offset, textcoords="offset points",
                                   ha=ha, va=va, fontsize=7, zorder=4)
                box = text.get_window_extent(renderer)
                inside = (box.x0 >= axes_box.x0 and box.x1 <= axes_box.x1
                          and box.y0 >= axes_box.y0 and box.y1 <= axes_box.y1)
                if inside and not any(_overlaps(box, p) for p in placed):
                    chosen = box
                    break
                text.remove()
            if chosen is None:
                offset, ha, va = candidates[0]
                text = ax.annotate(label, key, xytext=offset, textcoords="offset points",
                                   ha=ha, va=va, fontsize=7, zorder=4)
                chosen = text.get_window_extent(renderer)
            placed.append(chosen)
        return to_svg(fig)


def _bars(rows, value_key: str, lang: str, title: str, xlabel: str, unit_fmt,
          theme: dict = THEMES["light"]) -> bytes:
    s = strings(lang)
    rows = [r for r in rows if _num(r.get(value_key)) is not None]
    # group by family (order of first appearance), then by year within a family
    family_order = list(dict.fromkeys(r["family"] for r in rows))
    rows = sorted(rows, key=lambda r: (family_order.index(r["family"]), r["year"], r["name"]))
    colors = colors_for(family_order, theme["palette"])
    with matplotlib.rc_context(rc_params(lang, theme)):
        fig = Figure(figsize=(7.5, 0.9 + 0.28 * len(rows)))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ys = list(range(len(rows)))[::-1]
        values = [_num(r[value_key]) for r in rows]
        labels = []
        for r in rows:
            label = f"{r['name']} ({r['year']})"
            if r.get("availability") == "announced":
                label += s["announced_suffix"]
            labels.append(label)
        ax.barh(ys, values, color=[colors[r["family"]] for r in rows], height=0.7,
                hatch=None)
        for y, r in zip(ys, rows):
            if r.get("availability") == "announced":
                ax.barh([y], [_num(r[value_key])], height=0.7, fill=False, hatch="///",
                        edgecolor=theme["edge"], linewidth=0)
        ax.set_yticks(ys)
        ax.set_yticklabels(labels, fontsize=8)
        vmax = max(values)
        ax.set_xlim(0, vmax * 1.15)
        for y, v in zip(ys, values):
            ax.text(v + vmax * 0.01, y, unit_fmt(v), va="center", fontsize=7)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.grid(True, axis="x", linewidth=0.4, color=theme["grid"])
        ax.set_axisbelow(True)
        handles = [matplotlib.patches.Patch(color=colors[f], label=f) for f in family_order]
        ax.legend(handles=handles, loc="lower right", fontsize=7, frameon=False)
        return to_svg(fig)


def _fmt_int(v: float) -> str:
    return f"{v:,.0f}" if v >= 100 or float(v).is_integer() else f"{v:g}"


def plot_intra(data: dict, lang: str, theme: dict = THEMES["light"]) -> bytes:
    s = strings(lang)
    return _bars(data["intra_node"], "bidirectional_gbs", lang, s["plot_intra_title"],
                 s["plot_intra_x"], _fmt_int, theme)


def plot_inter(data: dict, lang: str, theme: dict = THEMES["light"]) -> bytes:
    s = strings(lang)
    return _bars(data["inter_node"], "per_accelerator_gbps", lang, s["plot_inter_title"],
                 s["plot_inter_x"], _fmt_int, theme)


LOSS_GALLERY_FIRST_STEP = 150  # the same cut as the sparklines of docs/training/loss_patterns.py


def plot_loss_patterns(data: dict, lang: str, theme: dict = THEMES["light"]) -> bytes:
    """The gallery of training/instabilities.md: one small loss curve per pattern (data/loss-patterns.yaml).
    The first steps, whose fast initial drop would flatten every curve, are left out; a NaN step ends
    its line and is marked with a cross."""
    gallery = data["loss_patterns"]
    patterns, first = gallery["patterns"], LOSS_GALLERY_FIRST_STEP
    s = strings(lang)
    columns = 3
    rows = math.ceil(len(patterns) / columns)
    with matplotlib.rc_context(rc_params(lang, theme)):
        fig = Figure(figsize=(7.2, 2.15 * rows))
        FigureCanvasAgg(fig)
        axes = fig.subplots(rows, columns, sharex=True, squeeze=False)
        color = theme["palette"][0]
        for index, pattern in enumerate(patterns):
            ax = axes[index // columns][index % columns]
            steps = list(range(first, len(pattern["loss"])))
            values = [pattern["loss"][step] for step in steps]
            shown = [math.nan if value is None else value for value in values]
            ax.plot(steps, shown, color=color, linewidth=0.9)
            broken = [step for step, value in zip(steps, values) if value is None]
            if broken:
                last = next((v for v in reversed(values[: steps.index(broken[0])]) if v is not None), None)
                if last is not None:
                    ax.plot([broken[0]], [last], marker="x", color=theme["palette"][1], markersize=7,
                            markeredgewidth=1.6, linestyle="none")
                    ax.annotate("NaN", (broken[0], last), textcoords="offset points", xytext=(4, 4),
                                color=theme["palette"][1], fontsize=8)
            title = pattern["title"][lang if lang in pattern["title"] else "en"]
            ax.set_title(textwrap.fill(title, 28) if lang == "en" else title, fontsize=8.5)
            ax.grid(True, color=theme["grid"], linewidth=0.5)
            ax.tick_params(labelsize=7)
        for index in range(len(patterns), rows * columns):
            axes[index // columns][index % columns].set_visible(False)
        for ax in axes[-1]:
            ax.set_xlabel(s["plot_loss_x"], fontsize=8)
        for row in axes:
            row[0].set_ylabel(s["plot_loss_y"], fontsize=8)
        fig.tight_layout()
        return to_svg(fig)


PLOTTERS = {
    "accelerator-roofline": plot_roofline,
    "intra-node-bandwidth": plot_intra,
    "inter-node-bandwidth": plot_inter,
    "loss-patterns": plot_loss_patterns,
}


def render_plot(name: str, data: dict, lang: str, scheme: str = "light") -> bytes:
    """SVG bytes of plot NAME in colour SCHEME ('light' or 'dark'); labels in LANG when the
    fonts allow it."""
    return PLOTTERS[name](data, plot_language(lang), THEMES[scheme])


__all__ = ["PLOT_NAMES", "has_font", "math", "plot_meta", "render_plot"]
