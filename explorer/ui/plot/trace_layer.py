"""The taps' traces on the main plot, one layer spec (layers.py): for each tapped point, the path the samples
follow through it, a ring at the tap, an arrowhead where the path lands, and a dot that rides the path as the
shown time runs.

A tap layer (no toggle): its sources and renderers join the figure at the first tap, fed by the view with a
list of (path, times, tapped point, colour); a new session's first paint holds 36 Bokeh models fewer, a fifth
of it (docs/performance.md#sessions). The sources keep the names the tests read ("traces", "taps",
"trace_ends", "trace_dots"); the page moves the dots (TRACES_JS).
"""
from __future__ import annotations

import numpy as np

from explorer.ui.plot.layers import LayerSpec

TRACES_JS = """
const tr = c.layer.traces_r, dr = c.layer.traces_dots_r;
if (!tr || !dr) return;
// a dot on each tap's path at the shown t
const traces = tr.data_source, xs = traces.data.xs, ys = traces.data.ys, ts = traces.data.ts, n_tr = xs.length;
const dx = new Float32Array(n_tr), dy = new Float32Array(n_tr), t = c.t;
for (let q = 0; q < n_tr; q++) {
  const P = ts[q], L = P.length;
  let i = 0;
  while (i < L - 2 && P[i + 1] > t) i++;
  const w = Math.min(Math.max((P[i] - t) / (P[i] - P[i + 1] || 1), 0), 1);
  dx[q] = xs[q][i] + w * (xs[q][i + 1] - xs[q][i]); dy[q] = ys[q][i] + w * (ys[q][i + 1] - ys[q][i]);
}
dr.data_source.setv({data: {x: dx, y: dy, color: traces.data.color}}, c.quiet);
"""


def draw(canvas, layer):
    fig = canvas.fig
    traces = layer.source("traces", {"xs": [], "ys": [], "ts": [], "color": []})
    rs = [fig.multi_line("xs", "ys", source=traces, color="color", line_width=2.6, alpha=0.9, name="traces_r"),
          fig.scatter("x", "y", source=layer.source("taps", {"x": [], "y": [], "color": []}), size=12,
                      fill_color="white", fill_alpha=0.6, line_color="color", line_width=2.5, name="traces_taps_r"),
          fig.scatter("x", "y", source=layer.source("trace_ends", {"x": [], "y": [], "angle": [], "color": []}),
                      marker="triangle", angle="angle", size=11, color="color", name="traces_ends_r"),
          fig.scatter("x", "y", source=layer.source("trace_dots", {"x": [], "y": [], "color": []}), size=9,
                      color="color", line_color="white", line_width=1.5, name="traces_dots_r")]
    traces.js_on_change("data", canvas.redraw)  # a new path gets its dot at once, also while paused
    return rs


def feed(layer, traces: list[tuple]) -> None:
    """Show `traces` (path (n, 2), times (n,), tapped (x, y), colour), newest last; [] clears them."""
    import panel as pn

    src, colors = layer.sources, [c for *_, c in traces]
    with pn.io.hold():
        src["taps"].data = {"x": [xy[0] for *_, xy, _ in traces], "y": [xy[1] for *_, xy, _ in traces],
                            "color": colors}
        # an arrowhead where the path lands (t = 0), pointing along its last step
        heads = [(p[-1], p[-1] - p[-3]) for p, *_ in traces]
        src["trace_ends"].data = {"x": [h[0][0] for h in heads], "y": [h[0][1] for h in heads],
                                  "angle": [float(np.arctan2(d[1], d[0]) - np.pi / 2) for _, d in heads],
                                  "color": colors}
        src["traces"].data = {"xs": [p[:, 0] for p, *_ in traces], "ys": [p[:, 1] for p, *_ in traces],
                              "ts": [ts for _, ts, *_ in traces], "color": colors}


SPEC = LayerSpec("traces", "Traces", draw, TRACES_JS, toggle=False, feed=feed, z=70,
                 doc="The paths through the tapped points.")
