"""The Inside tab's main plot: the training points sized and shaded by the exact denoiser's posterior weights at the
tap, the oracle's x̂0 (◇) beside the network's (▲), the network's path through the tap, the conditional velocities
of the heaviest pairs with their weighted mean (the oracle's velocity), and the run's paths coloured by the exact
divergence div v. Bokeh only; InsideView (inside_view.py) wires it to InsideState.

Arrows are drawn the way sampling moves (t falling) and one Euler step long, x -> x - t u: on the straight path
each pair's arrow ends on its training point and their weighted mean on the oracle's x̂0.
"""
from __future__ import annotations

import numpy as np
from bokeh.events import Tap
from bokeh.models import Arrow, BasicTicker, ColorBar, ColumnDataSource, Legend, LinearColorMapper, VeeHead
from bokeh.palettes import Greys256
from bokeh.plotting import figure

from explorer.ui.style import BOUNDS, empty_columns, style_figure

FRAME_PX = 300  # with the sidebar open the tab is ~890 px wide at 1280x720: this plot and two small ones a row
COLORS = dict(tap="#202124", oracle="#d95f02", net="#1b9e77", path="#3c4043", mean="#8c2d04")
WEIGHT_PALETTE = list(Greys256[::-1])[70:]  # light grey to black: the weight's share of the largest
FLOW_SPREAD, FLOW_MID, FLOW_GATHER = (178, 24, 43), (210, 210, 210), (33, 102, 172)
DIV_QUANTILE = 80  # the colour scale spans ±(this percentile of |div v|); beyond it the colour saturates
DIV_LEGEND = "div v on the run's paths: blue gathers, red spreads"


def _ramp(a, b, n: int) -> list[str]:
    return ["#%02x%02x%02x" % tuple(int(round(u + (v - u) * s)) for u, v in zip(a, b, strict=True))
            for s in np.linspace(0, 1, n)]


# Low (div v < 0, spreading) red, through grey (visible on white), to high (div v > 0, gathering) blue.
DIV_PALETTE = _ramp(FLOW_SPREAD, FLOW_MID, 16) + _ramp(FLOW_MID, FLOW_GATHER, 17)[1:]


def div_range(div: np.ndarray) -> float:
    """Half-width of the symmetric colour scale: a high percentile of |div v|, so a few huge values near t = 0
    do not wash every other segment out."""
    div = np.abs(np.asarray(div, np.float64))
    div = div[np.isfinite(div)]
    return max(float(np.percentile(div, DIV_QUANTILE)), 1e-6) if div.size else 1.0


class InsideMainPlot:
    """The figure and its sources (named inside_*, which the browser tests read back); `on_tap(callback)`."""

    def __init__(self):
        b = BOUNDS
        fig = figure(name="inside_figure", x_range=(b[0], b[1]), y_range=(b[2], b[3]), frame_width=FRAME_PX,
                     frame_height=FRAME_PX, match_aspect=True, tools="pan,wheel_zoom,reset,save",
                     toolbar_location="right", min_border=4)
        style_figure(fig)
        self.div_mapper = LinearColorMapper(palette=DIV_PALETTE, low=-1.0, high=1.0, name="inside_div_mapper")
        self.flows = ColumnDataSource(empty_columns("x0", "y0", "x1", "y1", "div"), name="inside_flows")
        self.flows_r = fig.segment("x0", "y0", "x1", "y1", source=self.flows, line_width=1.3, line_alpha=0.6,
                                   line_color={"field": "div", "transform": self.div_mapper})
        self._w_mapper = LinearColorMapper(palette=WEIGHT_PALETTE, low=0.0, high=1.0)
        self.weights = ColumnDataSource(empty_columns("x", "y", "w", "share", "size"), name="inside_weights")
        fig.scatter("x", "y", source=self.weights, size="size", line_color=None, alpha=0.85,
                    fill_color={"field": "share", "transform": self._w_mapper})
        self.path = ColumnDataSource(empty_columns("x", "y"), name="inside_path")
        r_path = fig.line("x", "y", source=self.path, color=COLORS["path"], line_width=2.5, alpha=0.85)
        self.pairs = ColumnDataSource(empty_columns("x0", "y0", "x1", "y1", "w", "alpha", "width"),
                                      name="inside_pairs")
        self.pairs_r = fig.segment("x0", "y0", "x1", "y1", source=self.pairs, line_color=COLORS["oracle"],
                                   line_alpha="alpha", line_width="width")
        self.velocity = ColumnDataSource(empty_columns("x0", "y0", "x1", "y1"), name="inside_velocity")
        self.velocity_r = fig.segment("x0", "y0", "x1", "y1", source=self.velocity, line_color=COLORS["mean"],
                                      line_width=3)
        self.velocity_head = Arrow(end=VeeHead(size=9, line_color=COLORS["mean"], fill_color=COLORS["mean"]),
                                   source=self.velocity, x_start="x0", y_start="y0", x_end="x1", y_end="y1",
                                   line_color=COLORS["mean"], line_width=3)
        fig.add_layout(self.velocity_head)
        self.tap = ColumnDataSource(empty_columns("x", "y"), name="inside_tap")
        fig.scatter("x", "y", source=self.tap, marker="x", size=12, line_color="white", line_width=5, level="overlay")
        r_tap = fig.scatter("x", "y", source=self.tap, marker="x", size=11, line_color=COLORS["tap"], line_width=2.5,
                            level="overlay")
        # The two x̂0 on top of everything, the tap included: they often sit right beside it.
        self.x0_oracle = ColumnDataSource(empty_columns("x", "y"), name="inside_x0_oracle")
        self.x0_net = ColumnDataSource(empty_columns("x", "y"), name="inside_x0_net")
        r_oracle = fig.scatter("x", "y", source=self.x0_oracle, marker="diamond", size=14, fill_color="white",
                               fill_alpha=0.8, line_color=COLORS["oracle"], line_width=2.5, level="overlay")
        r_net = fig.scatter("x", "y", source=self.x0_net, marker="triangle", size=11, fill_color="white",
                            fill_alpha=0.8, line_color=COLORS["net"], line_width=2.5, level="overlay")
        legend = Legend(items=[("tap", [r_tap]), ("oracle's x̂0", [r_oracle]), ("network's x̂0", [r_net]),
                               ("path through the tap", [r_path]), ("pairs' velocities", [self.pairs_r]),
                               ("their mean", [self.velocity_r])],
                        orientation="horizontal", ncols=3, label_text_font_size="10px", glyph_width=14,
                        glyph_height=10, label_height=10, spacing=2, padding=2, margin=0, border_line_alpha=0,
                        label_standoff=3)
        fig.add_layout(legend, "below")
        bar = ColorBar(color_mapper=self.div_mapper, orientation="horizontal", height=7, width=FRAME_PX - 60,
                       ticker=BasicTicker(desired_num_ticks=5), major_label_text_font_size="9px", padding=2,
                       title=DIV_LEGEND, title_text_font_size="10px", title_text_font_style="normal",
                       title_standoff=2, margin=0, name="inside_div_bar")
        fig.add_layout(bar, "below")
        self.fig = fig

    def on_tap(self, callback) -> None:
        self.fig.on_event(Tap, lambda e: None if e.x is None or e.y is None else callback(float(e.x), float(e.y)))

    def show_layers(self, pairs: bool, flows: bool) -> None:
        self.pairs_r.visible = self.velocity_r.visible = self.velocity_head.visible = pairs
        self.flows_r.visible = flows

    def clear(self) -> None:
        for src in (self.weights, self.path, self.x0_oracle, self.x0_net, self.tap, self.pairs, self.velocity):
            src.data = {k: [] for k in src.data}

    def show_reading(self, r: dict, points: np.ndarray) -> None:
        w = r["weights"]
        share = w / max(float(w.max()), 1e-300)
        order = np.argsort(share)  # the heaviest on top
        self.weights.data = {"x": points[order, 0], "y": points[order, 1], "w": w[order].astype(np.float32),
                             "share": share[order].astype(np.float32),
                             "size": (2.5 + 14 * np.sqrt(share[order])).astype(np.float32)}
        x, y = r["point"]
        self.tap.data = {"x": [x], "y": [y]}
        self.x0_oracle.data = {"x": [r["x0_oracle"][0]], "y": [r["x0_oracle"][1]]}
        self.x0_net.data = {"x": [r["x0_net"][0]], "y": [r["x0_net"][1]]}
        path = r["path"].astype(np.float32)
        self.path.data = {"x": path[:, 0], "y": path[:, 1]}
        ends = r["point"] - r["t"] * r["pair_velocities"]  # one Euler step to t = 0, the way sampling moves
        pw = r["pair_weights"] / max(float(r["pair_weights"].max()), 1e-300)
        n = len(ends)
        self.pairs.data = {"x0": np.full(n, x, np.float32), "y0": np.full(n, y, np.float32),
                           "x1": ends[:, 0].astype(np.float32), "y1": ends[:, 1].astype(np.float32),
                           "w": r["pair_weights"].astype(np.float32), "alpha": (0.1 + 0.5 * pw).astype(np.float32),
                           "width": (0.5 + 1.5 * pw).astype(np.float32)}
        end = r["point"] - r["t"] * r["velocity"]
        self.velocity.data = {"x0": [x], "y0": [y], "x1": [float(end[0])], "y1": [float(end[1])]}

    def show_flows(self, fl: dict | None) -> None:
        if fl is None:
            self.flows.data = empty_columns("x0", "y0", "x1", "y1", "div")
            return
        m = div_range(fl["div"])
        self.div_mapper.update(low=-m, high=m)
        self.flows.data = {k: np.asarray(fl[k], np.float32) for k in ("x0", "y0", "x1", "y1", "div")}
