"""The three arrows a tap shows on a guided model: where the point moves with no class (or under the guide),
with the class asked for, and with guidance w (explorer/core/guidance.py: guidance_arrows). Drawn on the main plot
from the tapped point, on one scale so their lengths compare, each named beside its tip: the names are placed
here (place_labels), apart from each other and inside the plot's frame. A change of the class asked for, w or
the guide redraws them at the same point and t (MainView calls GuidanceArrows.refresh)."""
from __future__ import annotations

import numpy as np

from explorer.core.errors import ExplorerError
from explorer.core.guidance import guidance_arrows
from explorer.ui.plot.layers import LayerSpec
from explorer.ui.plot.main_view_labels import class_palette
from explorer.ui.style import BOUNDS, MAIN_PLOT_PX

ARROW_LENGTH = 1.1  # the longest arrow, in plot units; the others keep their length relative to it
ARROW_COLORS = {"reference": "#80868b", "guided": "#202124"}  # the class arrow takes its class's colour
# The names' boxes, in screen pixels: 11 px bold text is at most ~7.5 px a character (DejaVu Sans Bold, Chromium's
# sans-serif on Debian); GAP_PX from the tip, EDGE_PX inside the frame, LINE_PX + 2 between two stacked names.
FONT_PX, CHAR_PX, LINE_PX, GAP_PX, EDGE_PX = 11, 7.5, 15, 6, 4


def _empty() -> dict:
    return {"x0": [], "y0": [], "x1": [], "y1": [], "angle": [], "color": [], "text": [], "lx": [], "ly": []}


def place_labels(tips, directions, texts, bounds=BOUNDS,
                 px_per_unit=MAIN_PLOT_PX / (BOUNDS[1] - BOUNDS[0])) -> list[tuple[float, float]]:
    """Where each name goes: (left x, middle y) of its box, in plot units. A name sits beyond its arrow's tip
    (right of it for an arrow pointing right, left of it otherwise), the boxes are stacked so that none overlaps
    another, and every box lies inside `bounds` (x0, x1, y0, y1)."""
    u = 1.0 / px_per_unit
    x_lo, x_hi = bounds[0] + EDGE_PX * u, bounds[1] - EDGE_PX * u
    y_lo, y_hi = bounds[2] + (EDGE_PX + LINE_PX / 2) * u, bounds[3] - (EDGE_PX + LINE_PX / 2) * u
    step = (LINE_PX + 2) * u
    boxes = []  # [left, width, middle y]
    for (tx, ty), (dx, _dy), text in zip(tips, directions, texts, strict=True):
        w = (len(text) * CHAR_PX + 2) * u
        left = tx + GAP_PX * u if dx >= 0 else tx - GAP_PX * u - w
        boxes.append([min(max(left, x_lo), x_hi - w), w, min(max(ty, y_lo), y_hi)])
    order = sorted(range(len(boxes)), key=lambda i: -boxes[i][2])  # the highest first

    def side_by_side(a, b) -> bool:  # boxes that share some x
        return a[0] < b[0] + b[1] and b[0] < a[0] + a[1]

    for _ in range(3):  # stack downwards from the top; a stack that leaves the frame is lifted and stacked again
        for n, i in enumerate(order):
            for j in order[:n]:
                if side_by_side(boxes[i], boxes[j]) and boxes[i][2] > boxes[j][2] - step:
                    boxes[i][2] = boxes[j][2] - step
        low = min((b[2] for b in boxes), default=y_lo)
        if low >= y_lo - 1e-9:
            break
        for b in boxes:
            b[2] = min(b[2] + y_lo - low, y_hi)
    return [(b[0], b[2]) for b in boxes]


def draw(canvas, layer):
    fig, src = canvas.fig, layer.source("guidance_arrows", _empty())
    return [fig.segment("x0", "y0", "x1", "y1", source=src, color="white", line_width=6, alpha=0.7,  # a halo
                        name="arrows_halo_r"),
            fig.segment("x0", "y0", "x1", "y1", source=src, color="color", line_width=3, name="arrows_r"),
            fig.scatter("x1", "y1", source=src, marker="triangle", angle="angle", size=12, color="color",
                        line_color="white", line_width=1, name="arrows_heads_r"),
            fig.text("lx", "ly", text="text", source=src, text_font_size=f"{FONT_PX}px", text_color="color",
                     text_font_style="bold", text_align="left", text_baseline="middle",
                     background_fill_color="white", background_fill_alpha=0.75, name="arrows_text_r")]


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
        self.where: tuple | None = None  # (point, t) of the arrows shown: refresh() redraws them there

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
        self.vectors, self.where = vec, (point, t)
        longest = max(float(np.hypot(*v)) for v in vec.values()) or 1.0
        names = {"reference": "no class" if guide is None else f"step {guide.log.steps_done} (guide)",
                 "conditional": state.label, "guided": f"guided, w = {state.guidance:g}"}
        colors = {**ARROW_COLORS, "conditional": class_palette(state.model.class_names)[label]}
        x, y = float(point[0]), float(point[1])
        cols = _empty()
        for key in ("reference", "conditional", "guided"):
            dx, dy = vec[key] * (ARROW_LENGTH / longest)
            cols["x0"].append(x), cols["y0"].append(y), cols["x1"].append(x + dx), cols["y1"].append(y + dy)
            cols["angle"].append(float(np.arctan2(dy, dx) - np.pi / 2))
            cols["color"].append(colors[key]), cols["text"].append(names[key])
        x1, y1 = np.array(cols["x1"]), np.array(cols["y1"])
        tips, directions = np.column_stack([x1, y1]), np.column_stack([x1 - x, y1 - y])
        placed = place_labels(tips, directions, cols["text"])
        cols["lx"], cols["ly"] = [p[0] for p in placed], [p[1] for p in placed]
        self.layer.feed(cols)
        return (f"Arrows at ({x:.2f}, {y:.2f}), t = {t:.2f}: grey {names['reference']}, coloured '{state.label}', "
                f"dark guided (w = {state.guidance:g} times the grey-to-coloured step).")

    def refresh(self, state) -> str | None:
        """Redraw the arrows shown at their point and t for what the sidebar asks now (another class, w or
        guide): no arrow keeps an old setting's name. None shown: nothing to do."""
        return None if self.where is None else self.show(state, *self.where)

    def clear(self) -> None:
        self.vectors, self.where = None, None
        if self.source is not None and len(self.source.data["x0"]):
            self.layer.feed(None)
