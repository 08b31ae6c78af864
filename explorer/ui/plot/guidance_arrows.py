"""The three arrows a tap shows on a guided model: where the point moves with no class (or under the guide),
with the class asked for, and with guidance w (explorer/core/guidance.py: guidance_arrows). Drawn on the main plot
from the tapped point, on one scale so their lengths compare, each named at its tip."""
from __future__ import annotations

import numpy as np

from explorer.core.errors import ExplorerError
from explorer.core.guidance import guidance_arrows
from explorer.ui.plot.layers import LayerSpec
from explorer.ui.plot.main_view_labels import class_palette

ARROW_LENGTH = 1.1  # the longest arrow, in plot units; the others keep their length relative to it
ARROW_COLORS = {"reference": "#80868b", "guided": "#202124"}  # the class arrow takes its class's colour


def _empty() -> dict:
    return {"x0": [], "y0": [], "x1": [], "y1": [], "angle": [], "color": [], "text": []}


def draw(canvas, layer):
    fig, src = canvas.fig, layer.source("guidance_arrows", _empty())
    return [fig.segment("x0", "y0", "x1", "y1", source=src, color="white", line_width=6, alpha=0.7,  # a halo
                        name="arrows_halo_r"),
            fig.segment("x0", "y0", "x1", "y1", source=src, color="color", line_width=3, name="arrows_r"),
            fig.scatter("x1", "y1", source=src, marker="triangle", angle="angle", size=12, color="color",
                        line_color="white", line_width=1, name="arrows_heads_r"),
            fig.text("x1", "y1", text="text", source=src, text_font_size="11px", text_color="color",
                     text_font_style="bold", x_offset=7, y_offset=-4, background_fill_color="white",
                     background_fill_alpha=0.75, name="arrows_text_r")]


def feed(layer, cols) -> None:
    layer.sources["guidance_arrows"].data = cols or _empty()


SPEC = LayerSpec("arrows", "Guidance arrows", draw, toggle=False, feed=feed, z=80,
                 doc="The three predictions at a tapped point of a guided model.")


class GuidanceArrows:
    """The arrows' numbers, drawn by the "arrows" layer (`layer`, a layers.PlotLayer): its glyphs join the
    figure with the first arrows shown, so a new session's page holds four renderers fewer
    (docs/performance.md#sessions)."""

    def __init__(self, layer):
        self.layer = layer
        self.vectors: dict[str, np.ndarray] | None = None  # the last arrows, unscaled (-dx/dt)

    @property
    def source(self):
        """The arrows' data source (None until the first arrows)."""
        return self.layer.sources.get("guidance_arrows")

    def show(self, state, point, t: float) -> str | None:
        """The arrows at `point` for what the sidebar asks (one class, w, guide); a sentence for the status
        line, or None when there is nothing to show (no guided model, or no single class asked for)."""
        label = state.class_asked()
        if label is None:
            self.clear()
            return None
        try:
            base = state.base_denoiser()
            guide = None if base is not state.model else state.guide_model()  # the exact denoiser: no class
            vec = guidance_arrows(base, point, t, label, state.guidance, guide)
        except ExplorerError as err:
            state.error = str(err)
            self.clear()
            return None
        self.vectors = vec
        longest = max(float(np.hypot(*v)) for v in vec.values()) or 1.0
        names = {"reference": "guide" if guide is not None else "no class", "conditional": state.label,
                 "guided": f"guided, w = {state.guidance:g}"}
        colors = {**ARROW_COLORS, "conditional": class_palette(state.model.class_names)[label]}
        x, y = float(point[0]), float(point[1])
        cols = _empty()
        for key in ("reference", "conditional", "guided"):
            dx, dy = vec[key] * (ARROW_LENGTH / longest)
            cols["x0"].append(x), cols["y0"].append(y), cols["x1"].append(x + dx), cols["y1"].append(y + dy)
            cols["angle"].append(float(np.arctan2(dy, dx) - np.pi / 2))
            cols["color"].append(colors[key]), cols["text"].append(names[key])
        self.layer.feed(cols)
        return (f"Arrows at ({x:.2f}, {y:.2f}), t = {t:.2f}: grey {names['reference']}, coloured '{state.label}', "
                f"dark guided (w = {state.guidance:g} times the grey-to-coloured step).")

    def clear(self) -> None:
        self.vectors = None
        if self.source is not None and len(self.source.data["x0"]):
            self.layer.feed(None)
