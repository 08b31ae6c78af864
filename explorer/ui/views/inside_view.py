"""The "Inside" tab: who the denoiser listens to at a tapped point, and how density flows along the path there.

The logic lives in InsideState (explorer/ui/session/inside_state.py, no Panel); the figures in inside_main_plot.py
(the posterior weights, both x̂0, the pairs' conditional velocities, the run's paths coloured by div v) and
inside_small_plots.py (effective number, gap, log p, divergence against t). This is the wiring, the t slider, the
layer toggles and the readout.
"""
from __future__ import annotations

import numpy as np
import panel as pn

from explorer.ui.base import StateView
from explorer.ui.session.inside_state import MAX_FLOWS, MAX_SAMPLES, REPEATS, TOP_PAIRS, InsideState
from explorer.ui.views.inside_main_plot import COLORS, InsideMainPlot
from explorer.ui.views.inside_small_plots import InsideSmallPlots

INTRO = ("**Tap anywhere: the exact denoiser's guess x̂0 is an average of the training points, and their size and "
         "shade show how much each one counts at this t.** When one point takes all the weight the denoiser has "
         "memorised it; the small plots show where along the path that happens, and how log p flows (−div v).")
LAYERS = {"pairs": "pairs' velocities", "flows": "paths by div v"}
MUTED = {"color": "var(--panel-on-background-color, #3c4043)", "opacity": "0.8"}


class InsideView(StateView):
    """`InsideView(state=s)`: the posterior weights at a tapped point and the curves along its path."""

    def __init__(self, **params):
        super().__init__(**params)
        self.inside = InsideState(state=self.state)
        self.main, self.small = InsideMainPlot(), InsideSmallPlots()
        self.fig = self.main.fig
        self.main.on_tap(self._on_tap)
        self._t = pn.widgets.FloatSlider(name="t (0 = data, 1 = noise)", start=0.01, end=1.0, step=0.01,
                                         value=self.inside.t, width=170, margin=(0, 10))
        self._t.param.watch(lambda e: setattr(self.inside, "t", e.new), "value_throttled")
        self.layers = pn.widgets.CheckBoxGroup(options=list(LAYERS.values()), value=list(LAYERS.values()),
                                               inline=True, name="inside_layers", margin=(14, 0, 0, 0))
        self.layers.param.watch(self._on_layers, "value")
        self.readout = pn.pane.HTML("", name="inside_readout", sizing_mode="stretch_width", margin=(0, 10))
        self.inside.param.watch(self._on_reading, ["reading", "message"])
        self.inside.param.watch(self._on_curves, ["curves", "flows"])
        self._on_reading()
        self._on_curves()

    # --- state -> view ------------------------------------------------------------------------
    def _on_reading(self, *_):
        r, msg = self.inside.reading, self.inside.message
        oracle = self.inside.oracle()
        with pn.io.hold():
            if r is None or oracle is None:
                self.main.clear()
                self.small.clear_reading()
                self.readout.object = f"<div style='font-size:13px'>{msg or 'Tap the plot.'}</div>"
                return
            pts = oracle.points.numpy()
            self.main.show_reading(r, pts)
            self.small.show_reading(r)
            self.readout.object = self._readout_html(r, len(pts))

    @staticmethod
    def _readout_html(r: dict, n_points: int) -> str:
        gap = float(np.linalg.norm(r["x0_net"] - r["x0_oracle"]))
        hutch = " · ".join(f"{k}: {v.mean():.2f}±{v.std():.2f}" for k, v in r["hutchinson"].items())
        rows = [
            f"t = {r['t']:.2f}, tap ({r['point'][0]:.2f}, {r['point'][1]:.2f}): the oracle listens to "
            f"<b class='inside-neff'>{r['n_eff']:.1f}</b> of {n_points} points (1/Σw²).",
            f"x̂0: <span style='color:{COLORS['oracle']}'>oracle ({r['x0_oracle'][0]:.2f}, {r['x0_oracle'][1]:.2f})"
            f"</span>, <span style='color:{COLORS['net']}'>network ({r['x0_net'][0]:.2f}, {r['x0_net'][1]:.2f})"
            f"</span>, <b class='inside-gap'>{gap:.3f}</b> apart.",
            f"log p on the path: {r['log_p'][0]:.2f} at t = 1 → <b class='inside-logp'>{r['log_p'][-1]:.2f}</b> "
            f"nats at t = {r['times'][-1]:.3f}.",
            f"div v: exact <b class='inside-div'>{r['divergence']:.3f}</b> · Hutchinson {hutch}",
        ]
        return "<div style='font-size:12px;line-height:1.4'>" + "<br>".join(rows) + "</div>"

    def _on_curves(self, *_):
        with pn.io.hold():
            self.small.show_curves(self.inside.curves)
            self.main.show_flows(self.inside.flows)

    # --- view -> state ------------------------------------------------------------------------
    def _on_tap(self, x: float, y: float):
        with pn.io.hold():
            self.inside.tap(x, y)

    def _on_layers(self, *_):
        on = set(self.layers.value)
        self.main.show_layers(pairs=LAYERS["pairs"] in on, flows=LAYERS["flows"] in on)

    def __panel__(self):
        small = pn.GridBox(*self.small.figures, ncols=2)
        hint = pn.pane.HTML(
            f"<div style='font-size:11px;line-height:1.25'>Orange: the {TOP_PAIRS} heaviest pairs' conditional "
            f"velocities, one step to t = 0; bold: their weighted mean, the oracle's velocity. Coloured: {MAX_FLOWS} "
            f"of the run's paths. Gap: over {MAX_SAMPLES} samples; dots: {REPEATS} Hutchinson draws each.</div>",
            styles=MUTED, margin=(0, 10), sizing_mode="stretch_width")
        return pn.Column(pn.pane.Markdown(INTRO, margin=(0, 10), sizing_mode="stretch_width"),
                         pn.Row(pn.Column(pn.Row(self._t, self.layers), self.fig),
                                pn.Column(self.readout, small, hint, width=500)),
                         sizing_mode="stretch_width")
