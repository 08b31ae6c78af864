"""The taps' traces on the main plot: for each tapped point, the path the samples follow through it, a ring at
the tap, an arrowhead where the path lands, and a dot that rides the path as the shown time runs.

Its sources and renderers join the figure at the first tap (like the optional layers, main_view_layers.py): a new
session's first paint holds 36 Bokeh models fewer, a fifth of it (docs/performance.md#sessions). The page
finds them in the figure by their renderers' names ("traces_r", "trace_dots_r"); the sources keep the names the
tests read ("traces", "taps", "trace_ends", "trace_dots").
"""
from __future__ import annotations

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource, CustomJS


class TraceLayer:
    """The traces of `fig`, drawn from a list of (path, times, tapped point, colour); `redraw` is the main view's
    render callback, which moves the dots along the paths."""

    def __init__(self, fig, redraw: CustomJS):
        self._fig, self._redraw = fig, redraw
        self.traces: ColumnDataSource | None = None  # the paths (xs, ys, ts, color); None until the first tap
        self.taps: ColumnDataSource | None = None
        self.ends: ColumnDataSource | None = None
        self.dots: ColumnDataSource | None = None

    def _build(self) -> None:
        fig = self._fig
        self.traces = ColumnDataSource({"xs": [], "ys": [], "ts": [], "color": []}, name="traces")
        self.taps = ColumnDataSource({"x": [], "y": [], "color": []}, name="taps")
        self.ends = ColumnDataSource({"x": [], "y": [], "angle": [], "color": []}, name="trace_ends")
        self.dots = ColumnDataSource({"x": [], "y": [], "color": []}, name="trace_dots")
        fig.multi_line("xs", "ys", source=self.traces, color="color", line_width=2.6, alpha=0.9, name="traces_r")
        fig.scatter("x", "y", source=self.taps, size=12, fill_color="white", fill_alpha=0.6, line_color="color",
                    line_width=2.5)
        fig.scatter("x", "y", source=self.ends, marker="triangle", angle="angle", size=11, color="color")
        fig.scatter("x", "y", source=self.dots, size=9, color="color", line_color="white", line_width=1.5,
                    name="trace_dots_r")
        self.traces.js_on_change("data", self._redraw)  # a new path gets its dot at once, also while paused

    def draw(self, traces: list[tuple]) -> None:
        """Show `traces` (path (n, 2), times (n,), tapped (x, y), colour), newest last; [] clears them."""
        if self.traces is None:
            if not traces:
                return
            self._build()
        colors = [c for *_, c in traces]
        with pn.io.hold():
            self.taps.data = {"x": [xy[0] for *_, xy, _ in traces], "y": [xy[1] for *_, xy, _ in traces],
                              "color": colors}
            # an arrowhead where the path lands (t = 0), pointing along its last step
            heads = [(p[-1], p[-1] - p[-3]) for p, *_ in traces]
            self.ends.data = {"x": [h[0][0] for h in heads], "y": [h[0][1] for h in heads],
                              "angle": [float(np.arctan2(d[1], d[0]) - np.pi / 2) for _, d in heads],
                              "color": colors}
            self.traces.data = {"xs": [p[:, 0] for p, *_ in traces], "ys": [p[:, 1] for p, *_ in traces],
                                "ts": [ts for _, ts, *_ in traces], "color": colors}
