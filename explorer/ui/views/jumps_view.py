"""The "Flow map" tab: a flow-map model's jumps from a tapped point over the ODE's curved path, and its map error.

The logic lives in JumpsState and MapErrorState (explorer/ui/session/jumps_state.py, no Panel), the figures in
jumps_plots.py. This is the wiring: the t slider, the readouts, the reference menu and the Measure job's controls.
"""
from __future__ import annotations

import panel as pn

from explorer.ui.base import StateView
from explorer.ui.session.jumps_state import REFERENCES, RS, JumpsState, MapErrorState, default_reference
from explorer.ui.views.job_controls import JobControls
from explorer.ui.views.jumps_plots import R_COLORS, JumpsPlot, MapErrorPlot

INTRO = ("**One network, every jump:** a flow map X(x, t → r) moves a point from t to r in one call. Tap the left "
         "plot: arrows are its jumps to r = t·(0, ¼, ½, ¾) over the ODE's path from there (dashed: each miss). "
         "**Measure** scores one jump from noise against a fine ODE map.")
SMALL = "<div style='font-size:12px;line-height:1.4'>{}</div>"


class JumpsView(StateView):
    """`JumpsView(state=s)`: the jumps of the session's flow map at a tap, and its map error."""

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        self.jumps, self.error = JumpsState(state=s), MapErrorState(state=s)
        self.plot, self.error_plot = JumpsPlot(), MapErrorPlot()
        self.plot.on_tap(self._on_tap)
        self._t = pn.widgets.FloatSlider(label="t of the tap (1 = noise)", start=0.05, end=1.0, step=0.05,
                                         value=self.jumps.t, width=200, margin=(0, 10))
        self._t.param.watch(lambda e: setattr(self.jumps, "t", e.new), "value_throttled")
        self.readout = pn.pane.HTML("", name="jumps_readout", width=400, margin=(0, 10))
        self._reference = pn.widgets.Select(label="Against", width=230, margin=(0, 10))
        self._reference.param.watch(lambda e: setattr(self.error, "reference", e.new), "value")
        self._controls = JobControls(self.error, "Measure", run_width=100, progress_width=120,
                                     message_name="map_error_message", can_run=self._can_measure)
        self.jumps.param.watch(self._on_reading, ["reading", "message"])
        self.error.param.watch(self._on_error, ["result"])
        s.param.watch(self._on_model, ["model", "data"])
        self._on_model()

    # --- state -> view ------------------------------------------------------------------------
    def _can_measure(self) -> bool:
        return bool(getattr(self.state.model, "flow_map", False))

    def _on_model(self, *_):
        s = self.state
        options = {REFERENCES[k]: k for k in REFERENCES if k != "teacher" or s.teacher() is not None}
        with pn.io.hold():
            self._reference.options = options
            self._reference.value = default_reference(s)
            self.plot.show_data(s.data)
            self.error_plot.show_data(s.data)
            if self.error.is_stale():
                self.error_plot.show(None)
                self._controls.message.object = "The model changed since this measurement: press Measure again."
            self._controls.refresh()
        self._on_reading()

    def _on_reading(self, *_):
        r, msg = self.jumps.reading, self.jumps.message
        with pn.io.hold():
            if r is None:
                self.plot.clear()
                self.readout.object = SMALL.format(msg or "Tap the plot.")
                return
            self.plot.show(r)
            self.readout.object = self._readout_html(r)

    @staticmethod
    def _readout_html(r: dict) -> str:
        ref = REFERENCES[r["reference"]]
        head = f"t = {r['t']:.2f}, tap ({r['point'][0]:.2f}, {r['point'][1]:.2f}); the path is {ref}. Misses:"
        misses = " · ".join(f"<span style='color:{R_COLORS[i % len(R_COLORS)]}'>■</span> r = {rr:.2f}: "
                            f"<b class='jumps-error'>{err:.3f}</b>"
                            for i, (rr, err) in enumerate(zip(r["rs"], r["errors"], strict=True)))
        only = " (a consistency model learned the jump to the data only)" if len(r["rs"]) < len(RS) else ""
        return SMALL.format(f"{head}<br>{misses}{only}")

    def _on_error(self, *_):
        self.error_plot.show(self.error.result)

    # --- view -> state ------------------------------------------------------------------------
    def _on_tap(self, x: float, y: float):
        with pn.io.hold():
            self.jumps.tap(x, y)

    def __panel__(self):
        left = pn.Column(self._t, self.plot.fig, self.readout)
        right = pn.Column(pn.Row(self._reference, self._controls.run, self._controls.stop),
                          self._controls.progress, self.error_plot.fig, self._controls.message, width=400)
        return pn.Column(pn.pane.Markdown(INTRO, margin=(0, 10), sizing_mode="stretch_width"),
                         pn.Row(left, right), sizing_mode="stretch_width")
