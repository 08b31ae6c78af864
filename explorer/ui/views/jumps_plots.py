"""The "Flow map" tab's two figures. Bokeh only; JumpsView (jumps_view.py) wires them to the tab's states.

* `JumpsPlot`: the training points in grey, the reference ODE's curved path from the tap down to the data, and the
  model's jumps X(x, t -> r) as straight arrows from the tap, one colour per r; a ring on the path marks where the
  ODE is at the same r, and a dashed segment joins it to the jump's end: the map's error there.
* `MapErrorPlot`: the end points of one jump from noise, each coloured by its distance to the reference's map.
"""
from __future__ import annotations

import numpy as np
from bokeh.events import Tap
from bokeh.models import Arrow, BasicTicker, ColorBar, ColumnDataSource, Legend, LinearColorMapper, VeeHead
from bokeh.palettes import Viridis256
from bokeh.plotting import figure

from explorer.ui.style import empty_columns, style_figure

FRAME_PX = 280  # two of these side by side, and the tap's readout under them, fit a 1280x720 screen
VIEW = (-3.2, 3.2)  # the data and most of the noise at t = 1 (the main plot's BOUNDS reach the noise's tails)
R_COLORS = ("#08306b", "#2171b5", "#6baed6", "#a6cbe3")  # r = 0 (the data) darkest, then r = t/4, t/2, 3t/4
GHOST, PATH, TAP = "#9aa0a6", "#d95f02", "#202124"
ERROR_PALETTE = list(Viridis256)


def _square(name: str):
    fig = figure(name=name, x_range=VIEW, y_range=VIEW, frame_width=FRAME_PX, frame_height=FRAME_PX,
                 match_aspect=True, tools="pan,wheel_zoom,reset,save", toolbar_location="right", min_border=4)
    style_figure(fig)
    return fig


def _legend(items) -> Legend:
    return Legend(items=items, orientation="horizontal", ncols=2, label_text_font_size="10px", glyph_width=14,
                  glyph_height=10, label_height=10, spacing=2, padding=2, margin=0, border_line_alpha=0,
                  label_standoff=3)


class JumpsPlot:
    """The tap figure and its sources (named jumps_*, which the browser tests read back)."""

    def __init__(self):
        fig = _square("jumps_figure")
        self.data = ColumnDataSource(empty_columns("x", "y"), name="jumps_data")
        fig.scatter("x", "y", source=self.data, size=3, color=GHOST, alpha=0.3)
        self.path = ColumnDataSource(empty_columns("x", "y"), name="jumps_path")
        self.gaps = ColumnDataSource(empty_columns("x0", "y0", "x1", "y1"), name="jumps_gaps")
        fig.segment("x0", "y0", "x1", "y1", source=self.gaps, color="#5f6368", line_dash="dashed", line_width=1.5)
        self.arrows = ColumnDataSource({**empty_columns("x0", "y0", "x1", "y1", "r"), "color": []},
                                       name="jumps_arrows")
        r_jump = fig.segment("x0", "y0", "x1", "y1", source=self.arrows, color="color", line_width=2.5, alpha=0.85)
        fig.add_layout(Arrow(end=VeeHead(size=10, line_color="color", fill_color="color", line_width=1),
                             source=self.arrows, x_start="x0", y_start="y0", x_end="x1", y_end="y1",
                             line_color="color", line_width=3, line_alpha=0.0))
        # the path over the arrows (they often run along it), under the rings and the tap
        r_path = fig.line("x", "y", source=self.path, color=PATH, line_width=2, alpha=0.95)
        self.ode = ColumnDataSource({**empty_columns("x", "y"), "color": []}, name="jumps_ode_points")
        r_ode = fig.scatter("x", "y", source=self.ode, size=11, fill_color="white", line_color="color",
                            line_width=2.5, level="overlay")
        self.tap = ColumnDataSource(empty_columns("x", "y"), name="jumps_tap")
        r_tap = fig.scatter("x", "y", source=self.tap, marker="x", size=12, line_color=TAP, line_width=2.5,
                            level="overlay")
        fig.add_layout(_legend([("tap", [r_tap]), ("ODE path", [r_path]), ("jumps X(x, t → r)", [r_jump]),
                                ("ODE at the same r", [r_ode])]), "below")
        self.fig = fig

    def on_tap(self, callback) -> None:
        self.fig.on_event(Tap, lambda e: None if e.x is None or e.y is None else callback(float(e.x), float(e.y)))

    def show_data(self, data) -> None:
        self.data.data = empty_columns("x", "y") if data is None else {"x": data[:, 0].astype(np.float32),
                                                                         "y": data[:, 1].astype(np.float32)}

    def clear(self) -> None:
        for src in (self.path, self.gaps, self.arrows, self.ode, self.tap):
            src.data = {k: [] for k in src.data}

    def show(self, r: dict) -> None:
        x, y = (float(v) for v in r["point"])
        n = len(r["rs"])
        colors = [R_COLORS[i % len(R_COLORS)] for i in range(n)]
        jumps, ode = r["jumps"].astype(np.float32), r["ode"].astype(np.float32)
        self.tap.data = {"x": [x], "y": [y]}
        self.path.data = {"x": r["path"][:, 0].astype(np.float32), "y": r["path"][:, 1].astype(np.float32)}
        self.arrows.data = {"x0": np.full(n, x, np.float32), "y0": np.full(n, y, np.float32), "x1": jumps[:, 0],
                            "y1": jumps[:, 1], "r": r["rs"].astype(np.float32), "color": colors}
        self.ode.data = {"x": ode[:, 0], "y": ode[:, 1], "color": colors}
        self.gaps.data = {"x0": jumps[:, 0], "y0": jumps[:, 1], "x1": ode[:, 0], "y1": ode[:, 1]}


class MapErrorPlot:
    """The map-error figure: one jump's end points coloured by their error (source `map_error_points`)."""

    def __init__(self):
        fig = _square("map_error_figure")
        self.data = ColumnDataSource(empty_columns("x", "y"), name="map_error_data")
        fig.scatter("x", "y", source=self.data, size=3, color=GHOST, alpha=0.25)
        self.mapper = LinearColorMapper(palette=ERROR_PALETTE, low=0.0, high=1.0, name="map_error_mapper")
        self.points = ColumnDataSource(empty_columns("x", "y", "error"), name="map_error_points")
        fig.scatter("x", "y", source=self.points, size=4.5, line_color=None, alpha=0.85,
                    fill_color={"field": "error", "transform": self.mapper})
        fig.add_layout(ColorBar(color_mapper=self.mapper, orientation="horizontal", height=7, width=FRAME_PX - 60,
                                ticker=BasicTicker(desired_num_ticks=5), major_label_text_font_size="9px", padding=2,
                                title="one jump's miss |X(ε, 1 → 0) − reference|",
                                title_text_font_size="10px", title_text_font_style="normal", title_standoff=2,
                                margin=0), "below")
        self.fig = fig

    def show_data(self, data) -> None:
        self.data.data = empty_columns("x", "y") if data is None else {"x": data[:, 0].astype(np.float32),
                                                                         "y": data[:, 1].astype(np.float32)}

    def show(self, result: dict | None) -> None:
        if result is None:
            self.points.data = empty_columns("x", "y", "error")
            return
        e = result["errors"]
        self.mapper.update(low=0.0, high=max(float(np.percentile(e, 95)), 1e-6))  # a few outliers saturate
        ends = result["ends"].astype(np.float32)
        self.points.data = {"x": ends[:, 0], "y": ends[:, 1], "error": e.astype(np.float32)}
