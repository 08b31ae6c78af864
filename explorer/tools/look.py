"""The plot's look, shared by the dashboard and the files made from a run (the HTML page, the GIF, the video):
the view of the plane, the colours of the samples, the ghost, the tails and the density, and one colour per class.

No Panel and no Bokeh here: the dashboard (explorer/ui/) and the exports (explorer/tools/) both read it, so a
class drawn in red is red in the app, in the GIF, in the video and in the HTML page.
"""
from __future__ import annotations

import numpy as np

from explorer.data.labelled_points import DRAW_CLASSES

BOUNDS = (-4.0, 4.0, -4.0, 4.0)  # every 2D view (plot, canvas, branches, densities): x from -4 to 4, y too

COLORS = dict(ghost="#9aa0a6", samples="#1f4e9c", tails="#3b6fc9", density="#e8590c", field="#455a64",
              stream="#0f766e",
              mesh="#8e44ad", traces=("#d62828", "#2a9d8f", "#f77f00", "#6a4c93", "#3a86ff"))

# One colour per class of a conditional model (Bokeh's Category10 without its first, the samples' blue)
CLASS_COLORS = ("#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#bcbd22", "#7f7f7f",
                "#1f77b4")


def class_palette(names) -> list[str]:
    """A colour per class: a drawn class keeps the colour it was drawn in (its name), others go in order."""
    return [CLASS_COLORS[DRAW_CLASSES.index(n)] if n in DRAW_CLASSES else CLASS_COLORS[k % len(CLASS_COLORS)]
            for k, n in enumerate(names)]


def class_colours_of(model) -> list[str]:
    """The colours the plot gives `model`'s classes: its named classes' own, then the rest of CLASS_COLORS."""
    names = list(getattr(model, "class_names", None) or [])[:len(CLASS_COLORS)]
    return [*class_palette(names), *CLASS_COLORS[len(names):]]


def density_palette(n: int = 64) -> list[str]:
    """Near-white to the density colour, alpha rising with the value (below the colour range: invisible)."""
    r, g, b = (int(COLORS["density"][i:i + 2], 16) for i in (1, 3, 5))
    out = []
    for s in np.linspace(0, 1, n):
        mix = [round(255 + (c - 255) * (0.3 + 0.7 * s)) for c in (r, g, b)]
        out.append("#{:02x}{:02x}{:02x}{:02x}".format(*mix, round(255 * (0.06 + 0.5 * s))))
    return out


def style_figure(fig) -> None:
    """Quiet grey axes and grid, no logo, on a Bokeh figure."""
    fig.toolbar.logo = None
    fig.grid.grid_line_color = "#eef0f2"
    fig.axis.axis_line_color = fig.axis.major_tick_line_color = "#c8ccd0"
    fig.axis.minor_tick_line_color = None
    fig.axis.major_label_text_color = "#80868b"
    fig.outline_line_color = "#dadce0"
