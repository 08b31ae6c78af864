"""The "Steps vs quality" tab: quality against the number of network evaluations, every sampler on every grid.

Log-log axes: NFE (denoiser calls; a Heun step counts twice) against the library's ratio for each run (how far
its samples are from the data in units of how far another draw would be: 1 = as good as the data itself, within
the noise band drawn around it; explorer/core/verdict.py). Colour: the sampler; line style: the time grid; dotted
and faint: the exact denoiser, if asked for. Hovering a point shows that run's samples beside the plot (from a
store sent once; the browser swaps them in with no server round trip). The logic lives in SweepState.
"""
from __future__ import annotations

import numpy as np
import panel as pn
from bokeh.models import BoxAnnotation, ColumnDataSource, CustomJS, HoverTool, Legend, LegendItem, Span
from bokeh.palettes import Category10_10
from bokeh.plotting import figure

from explorer.core.solvers import SAMPLERS
from explorer.core.timegrids import TIME_GRIDS
from explorer.core.verdict import LEARNED_EXCESS, NOISE_BAND
from explorer.ui.base import StateView
from explorer.ui.plot import frames
from explorer.ui.session.sweep_state import COMPANIONS, SweepState
from explorer.ui.style import style_figure
from explorer.ui.views.job_controls import JobControls

DASHES = ("solid", "dashed", "dotted", "dashdot")
FLOOR_Y = 0.05  # the lowest ratio drawn (log axis); a perfect model reads 1 give or take its noise
# The session's other models (sweep_state.COMPANIONS), drawn bold over the shown model's thin lines.
COMPANION_STYLE = {"teacher": ("#bcbd22", "teacher, DPM++ 2M"), "flow map": ("#202124", "flow map, jumps"),
                   "reflowed": ("#17becf", "reflowed, Euler")}
INTRO = ("**How few steps can you get away with, and with what?** Each line is one sampler on one time grid, run "
         "from the same noise at 1, 2, 4, … 128 network evaluations (NFE). Lower is better; **1 = as close as "
         "another draw of the data**, give or take the shaded noise band; below the dashed line the library says "
         "*generalises*. Hover a point to see its samples.")
HOVER_JS = """
const i = cb_data.index.indices.length ? cb_data.index.indices[0] : null;
if (i == null) return;
const s = src.data, k = s.k[i], m = store.data.m[0], X = store.data.x[0], Y = store.data.y[0];
look.setv({data: {x: X.slice(k * m, (k + 1) * m), y: Y.slice(k * m, (k + 1) * m)}}, {sync: false});
title.text = s.label[i];
"""


def _palette(names):
    return {name: Category10_10[i % 10] for i, name in enumerate(names)}


class SweepView(StateView):
    """`SweepView(state=s)`: the steps-vs-quality sweep of the session `s`."""

    def __init__(self, **params):
        super().__init__(**params)
        self.sweep = SweepState(state=self.state)
        self._build()
        self.sweep.param.watch(self._on_result, ["result"])
        self.state.param.watch(self._on_model, ["model", "data"])

    def _build(self):
        fig = figure(name="sweep_figure", x_axis_type="log", y_axis_type="log", width=540, height=400,
                     x_axis_label="network evaluations (NFE)", y_axis_label="distance to the data (1 = another draw)",
                     tools="pan,wheel_zoom,reset,save", toolbar_location="right", x_range=(0.8, 160))
        style_figure(fig)
        self._band = BoxAnnotation(bottom=1.0, top=1.0, fill_color="#9aa0a6", fill_alpha=0.2, line_alpha=0)
        self._learned = Span(location=1 + LEARNED_EXCESS, dimension="width", line_color="#9aa0a6", line_dash="dashed")
        fig.add_layout(self._band)
        fig.add_layout(self._learned)
        self._lines = ColumnDataSource({"xs": [], "ys": [], "color": [], "dash": [], "alpha": [], "width": []},
                                       name="sweep_lines")
        fig.multi_line("xs", "ys", source=self._lines, color="color", line_dash="dash", line_alpha="alpha",
                       line_width="width")
        self._points = ColumnDataSource({"x": [], "y": [], "color": [], "alpha": [], "label": [], "k": [],
                                         "size": []}, name="sweep_points")
        dots = fig.scatter("x", "y", source=self._points, color="color", fill_alpha="alpha", line_alpha="alpha",
                           size="size")
        self._store = ColumnDataSource({"x": [np.zeros(0, np.float32)], "y": [np.zeros(0, np.float32)], "m": [0]},
                                       name="sweep_store")
        look = figure(name="sweep_look", width=220, height=220, x_range=frames.BOUNDS[:2], y_range=frames.BOUNDS[2:],
                      match_aspect=True, tools="", toolbar_location=None, title="Hover a point")
        style_figure(look)
        look.axis.visible = False
        self._ghost = ColumnDataSource({"x": [], "y": []})
        look.scatter("x", "y", source=self._ghost, size=2.5, color="#9aa0a6", alpha=0.3)
        self._look = ColumnDataSource({"x": [], "y": []}, name="sweep_look_points")
        look.scatter("x", "y", source=self._look, size=3, color="#1f4e9c", alpha=0.7)
        tips = [("", "@label"), ("distance (1 = another draw)", "@y{0.00}")]
        fig.add_tools(HoverTool(renderers=[dots], tooltips=tips,
                                callback=CustomJS(args=dict(src=self._points, store=self._store, look=self._look,
                                                            title=look.title), code=HOVER_JS)))
        samplers, grids = list(SAMPLERS), list(TIME_GRIDS)
        colors = _palette(samplers)
        items = [LegendItem(label=SAMPLERS[s].short, renderers=[fig.line([1], [1], color=colors[s], line_width=2,
                                                                          visible=False)]) for s in samplers]
        items += [LegendItem(label=TIME_GRIDS[g].label, renderers=[fig.line([1], [1], color="#5f6368",
                                                                             line_dash=DASHES[i % 4], visible=False)])
                  for i, g in enumerate(grids)]
        self._companion_items = {role: LegendItem(label=label, renderers=[fig.line([1], [1], color=color,
                                                                                    line_width=4, visible=False)])
                                 for role, (color, label) in COMPANION_STYLE.items()}
        self._legend = Legend(items=items, label_text_font_size="11px", spacing=0, padding=4)
        fig.add_layout(self._legend, "right")
        self._colors, self._fig, self._look_fig = colors, fig, look
        self._oracle = pn.widgets.Checkbox.from_param(self.sweep.param.include_oracle,
                                                      label="Also the exact denoiser (NFE ≤ 32)", margin=(12, 10))
        self._controls = JobControls(self.sweep, "Run sweep", message_name="sweep_message")
        self._message = self._controls.message

    def _on_model(self, *_):
        if self.sweep.is_stale():
            self._message.object = "The model or data changed since this sweep: press Run sweep again."

    def _on_result(self, *_):
        res = self.sweep.result or {}
        lines = {k: [] for k in ("xs", "ys", "color", "dash", "alpha", "width")}
        pts = {k: [] for k in ("x", "y", "color", "alpha", "label", "k", "size")}
        store_x, store_y, m = [], [], 0
        for which, alpha in (("network", 0.95), ("oracle", 0.35), *((role, 1.0) for role in COMPANIONS)):
            result = res.get(which)
            if result is None:
                continue
            grids = list(TIME_GRIDS)
            bold = COMPANION_STYLE.get(which, (None,))[0]  # another model of the session: its own colour, bold
            for s in dict.fromkeys(p.sampler for p in result.points):
                for g in dict.fromkeys(p.grid for p in result.points if p.sampler == s):
                    nfe, score = result.curve(s, g)
                    ratio = np.maximum(score, FLOOR_Y)  # a log axis: a ratio at or below 0 (noise) drawn at its foot
                    color, dash = bold or self._colors.get(s, "#333333"), DASHES[grids.index(g) % 4]
                    lines["xs"].append(nfe.astype(float))
                    lines["ys"].append(np.asarray(ratio, float))
                    lines["color"].append(color)
                    lines["dash"].append("dotted" if which == "oracle" else dash)
                    lines["alpha"].append(alpha)
                    lines["width"].append(4.0 if bold else 2.0)
            for p in result.points:
                who = {"oracle": "exact denoiser", "network": SAMPLERS[p.sampler].short}.get(
                    which, f"{which} model, {SAMPLERS[p.sampler].short}")
                pts["x"].append(p.nfe)
                pts["y"].append(max(p.score, FLOOR_Y))
                pts["color"].append(bold or self._colors.get(p.sampler, "#333333"))
                pts["alpha"].append(alpha)
                pts["size"].append(10 if bold else 7)
                pts["label"].append(f"{who} · {TIME_GRIDS[p.grid].label} · {p.steps} steps, {p.nfe} NFE")
                pts["k"].append(len(store_x))
                store_x.append(p.samples[:, 0])
                store_y.append(p.samples[:, 1])
                m = len(p.samples)
        data, noise = self.state.data, self.sweep.noise or 0.0
        shown = [self._companion_items[r] for r in COMPANIONS if res.get(r) is not None]
        with pn.io.hold():
            base = [i for i in self._legend.items if i not in self._companion_items.values()]
            if [*base, *shown] != list(self._legend.items):
                self._legend.items = [*base, *shown]
            # a perfect model reads 1 ± noise (2 sd shaded); "generalises" up to 1 + max(2, 4 noise)
            self._band.bottom, self._band.top = max(1 - 2 * noise, FLOOR_Y), 1 + 2 * noise
            self._learned.location = 1 + max(LEARNED_EXCESS, NOISE_BAND * noise)
            self._lines.data = lines
            self._points.data = pts
            if store_x and all(len(a) == m for a in store_x):
                self._store.data = {"x": [np.concatenate(store_x).astype(np.float32)],
                                    "y": [np.concatenate(store_y).astype(np.float32)], "m": [m]}
            if data is not None:
                self._ghost.data = {"x": data[:, 0], "y": data[:, 1]}

    def __panel__(self):
        muted = {"color": "#5f6368"}
        return pn.Column(
            pn.pane.Markdown(INTRO, styles=muted, sizing_mode="stretch_width", margin=(0, 10)),
            pn.Row(self._controls.run, self._controls.stop, self._oracle, self._controls.progress),
            self._message,
            pn.Row(pn.pane.Bokeh(self._fig), pn.pane.Bokeh(self._look_fig)),
            sizing_mode="stretch_width")
