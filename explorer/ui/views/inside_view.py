"""The "Inside" tab: who the denoiser listens to at a tapped point, and how density flows along the path there.

The logic lives in InsideState (explorer/ui/session/inside_state.py, no Panel); this is the figures and the
readout. Left, the training points sized and coloured by the exact denoiser's posterior weights at the tap (x) and
the tab's t, with the oracle's x̂0 (◇) beside the network's (▲) and the network's path through the tap. Right, four
small plots against t: the effective number of points (along the path, and averaged over samples), the gap between
the two x̂0, log p along the path, and the divergence at the tap, exact beside Hutchinson's estimates.
"""
from __future__ import annotations

import numpy as np
import panel as pn
from bokeh.events import Tap
from bokeh.models import ColumnDataSource, LinearColorMapper, Span
from bokeh.palettes import Reds256
from bokeh.plotting import figure

from explorer.ui.base import StateView
from explorer.ui.session.inside_state import MAX_ORACLE, MAX_SAMPLES, PROBES, REPEATS, InsideState
from explorer.ui.style import BOUNDS, empty_columns, style_figure

INTRO = ("**Tap anywhere: the exact denoiser's guess x̂0 is an average of the training points, and their size and "
         "colour show how much each one counts at this t.** When one point takes all the weight the denoiser has "
         "memorised it; the small plots show where along the path that happens, and how log p flows (−div v).")
FRAME_PX = 320  # with the sidebar open the tab is ~890 px wide at 1280x720: this plot and two small ones a row
SMALL = dict(frame_width=190, frame_height=100)
COLORS = dict(tap="#202124", oracle="#d95f02", net="#1b9e77", path="#5f6368", mean="#9aa0a6", div="#7570b3")
PALETTE = list(Reds256[::-1])[40:]  # light to dark red: the weight's share of the largest
MUTED = {"color": "var(--panel-on-background-color, #3c4043)", "opacity": "0.8"}


def _small(name: str, title: str, x_label: str = "t (noise → data)", **kw):
    fig = figure(name=name, title=title, tools="save", toolbar_location=None, min_border=4, **SMALL, **kw)
    style_figure(fig)
    fig.title.update(text_font_size="11px", text_color="#3c4043")
    fig.xaxis.axis_label = x_label
    fig.axis.axis_label_text_font_size = "11px"
    fig.axis.axis_label_text_font_style = "normal"
    return fig


class InsideView(StateView):
    """`InsideView(state=s)`: the posterior weights at a tapped point and the curves along its path."""

    def __init__(self, **params):
        super().__init__(**params)
        self.inside = InsideState(state=self.state)
        self._build_main()
        self._build_small()
        self._t = pn.widgets.FloatSlider(name="t (0 = data, 1 = noise)", start=0.01, end=1.0, step=0.01,
                                         value=self.inside.t, width=FRAME_PX, margin=(0, 10))
        self._t.param.watch(lambda e: setattr(self.inside, "t", e.new), "value_throttled")
        self.readout = pn.pane.HTML("", name="inside_readout", sizing_mode="stretch_width", margin=(0, 10))
        self.inside.param.watch(self._on_reading, ["reading", "message"])
        self.inside.param.watch(self._on_curves, ["curves"])
        self._on_reading()
        self._on_curves()

    # --- construction -------------------------------------------------------------------------
    def _build_main(self):
        b = BOUNDS
        fig = figure(name="inside_figure", x_range=(b[0], b[1]), y_range=(b[2], b[3]), frame_width=FRAME_PX,
                     frame_height=FRAME_PX, match_aspect=True, tools="pan,wheel_zoom,reset,save",
                     toolbar_location="right", min_border=4)
        style_figure(fig)
        self._mapper = LinearColorMapper(palette=PALETTE, low=0.0, high=1.0)
        self._weights = ColumnDataSource(empty_columns("x", "y", "w", "share", "size"), name="inside_weights")
        fig.scatter("x", "y", source=self._weights, size="size", line_color=None, alpha=0.85,
                    fill_color={"field": "share", "transform": self._mapper})
        self._path = ColumnDataSource(empty_columns("x", "y"), name="inside_path")
        fig.line("x", "y", source=self._path, color=COLORS["path"], line_width=1.5, alpha=0.7,
                 legend_label="network's path")
        self._x0_oracle = ColumnDataSource(empty_columns("x", "y"), name="inside_x0_oracle")
        self._x0_net = ColumnDataSource(empty_columns("x", "y"), name="inside_x0_net")
        fig.scatter("x", "y", source=self._x0_oracle, marker="diamond", size=17, fill_color="white",
                    line_color=COLORS["oracle"], line_width=3, legend_label="oracle's x̂0")
        fig.scatter("x", "y", source=self._x0_net, marker="triangle", size=13, fill_color="white",
                    line_color=COLORS["net"], line_width=3, legend_label="network's x̂0")
        self._tap = ColumnDataSource(empty_columns("x", "y"), name="inside_tap")
        fig.scatter("x", "y", source=self._tap, marker="x", size=18, line_color="white", line_width=6)  # a halo
        fig.scatter("x", "y", source=self._tap, marker="x", size=16, line_color=COLORS["tap"], line_width=3,
                    legend_label="tap")
        fig.legend.update(location="bottom_left", label_text_font_size="11px", background_fill_alpha=0.7,
                          spacing=0, padding=4, margin=4)
        fig.on_event(Tap, self._on_tap)
        self.fig = fig

    def _build_small(self):
        flip = dict(x_range=(1.0, 0.0))  # noise on the left, data on the right: the order of sampling
        self._fig_neff = _small("inside_neff_figure", "Effective number 1/Σw²", y_axis_type="log", **flip)
        self._neff_path = ColumnDataSource(empty_columns("t", "n"), name="inside_neff_path")
        self._neff_mean = ColumnDataSource(empty_columns("t", "n"), name="inside_neff")
        self._fig_neff.line("t", "n", source=self._neff_mean, color=COLORS["mean"], line_width=2,
                            legend_label="mean over samples")
        self._fig_neff.line("t", "n", source=self._neff_path, color=COLORS["tap"], line_width=1.5,
                            legend_label="this path")
        self._fig_neff.legend.update(location="bottom_left", label_text_font_size="10px", padding=2, spacing=0,
                                     background_fill_alpha=0.6)
        self._fig_gap = _small("inside_gap_figure", "Mean gap |x̂0 net − oracle|", **flip)
        self._gap = ColumnDataSource(empty_columns("t", "gap"), name="inside_gap")
        self._fig_gap.line("t", "gap", source=self._gap, color=COLORS["net"], line_width=2)
        self._fig_gap.scatter("t", "gap", source=self._gap, color=COLORS["net"], size=4)
        self._fig_logp = _small("inside_logp_figure", "log p along the path (nats)", **flip)
        self._logp = ColumnDataSource(empty_columns("t", "log_p"), name="inside_logp")
        self._fig_logp.line("t", "log_p", source=self._logp, color=COLORS["div"], line_width=2)
        self._fig_div = _small("inside_div_figure", "div v: exact vs Hutchinson",
                               x_label="probes", x_range=(-0.6, len(PROBES) - 0.4))
        self._fig_div.xaxis.ticker = list(range(len(PROBES)))
        self._fig_div.xaxis.major_label_overrides = {i: str(k) for i, k in enumerate(PROBES)}
        self._div = ColumnDataSource(empty_columns("x", "estimate"), name="inside_div")
        self._fig_div.scatter("x", "estimate", source=self._div, size=4, color=COLORS["div"], alpha=0.35)
        self._div_exact = Span(dimension="width", location=0.0, line_color=COLORS["tap"], line_width=2,
                               line_dash="dashed")
        self._fig_div.add_layout(self._div_exact)

    # --- state -> view ------------------------------------------------------------------------
    def _on_reading(self, *_):
        r, msg = self.inside.reading, self.inside.message
        oracle = self.inside.oracle()
        with pn.io.hold():
            if r is None or oracle is None:
                for src in (self._weights, self._path, self._x0_oracle, self._x0_net, self._tap, self._neff_path,
                            self._logp, self._div):
                    src.data = {k: [] for k in src.data}
                self.readout.object = f"<div style='font-size:13px'>{msg or 'Tap the plot.'}</div>"
                return
            pts, w = oracle.points.numpy(), r["weights"]
            share = w / max(float(w.max()), 1e-300)
            order = np.argsort(share)  # the heaviest on top
            self._weights.data = {"x": pts[order, 0], "y": pts[order, 1], "w": w[order].astype(np.float32),
                                  "share": share[order].astype(np.float32),
                                  "size": (2.5 + 16 * np.sqrt(share[order])).astype(np.float32)}
            self._tap.data = {"x": [r["point"][0]], "y": [r["point"][1]]}
            self._x0_oracle.data = {"x": [r["x0_oracle"][0]], "y": [r["x0_oracle"][1]]}
            self._x0_net.data = {"x": [r["x0_net"][0]], "y": [r["x0_net"][1]]}
            path = r["path"].astype(np.float32)
            self._path.data = {"x": path[:, 0], "y": path[:, 1]}
            times = r["times"].astype(np.float32)
            self._neff_path.data = {"t": times, "n": r["path_n_eff"].astype(np.float32)}
            self._logp.data = {"t": times, "log_p": r["log_p"].astype(np.float32)}
            est = [(i + np.linspace(-0.25, 0.25, len(r["hutchinson"][k])), r["hutchinson"][k])
                   for i, k in enumerate(PROBES)]
            self._div.data = {"x": np.concatenate([e[0] for e in est]).astype(np.float32),
                              "estimate": np.concatenate([e[1] for e in est]).astype(np.float32)}
            self._div_exact.location = r["divergence"]
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
        c = self.inside.curves
        with pn.io.hold():
            if c is None:
                self._neff_mean.data = empty_columns("t", "n")
                self._gap.data = empty_columns("t", "gap")
                return
            t = c["times"].astype(np.float32)
            self._neff_mean.data = {"t": t, "n": c["n_eff"].astype(np.float32)}
            self._gap.data = {"t": t, "gap": c["gap"].astype(np.float32)}

    # --- view -> state ------------------------------------------------------------------------
    def _on_tap(self, event):
        if event.x is None or event.y is None:
            return
        with pn.io.hold():
            self.inside.tap(float(event.x), float(event.y))

    def __panel__(self):
        small = pn.GridBox(self._fig_neff, self._fig_gap, self._fig_logp, self._fig_div, ncols=2)
        hint = pn.pane.Markdown(f"Dots: the training points (up to {MAX_ORACLE}), bigger and redder the more weight "
                                f"the exact denoiser gives them. Mean gap: over the run's first {MAX_SAMPLES} samples. "
                                f"Dashed line: the exact divergence; dots: {REPEATS} draws of Hutchinson's estimate "
                                "each.", styles=MUTED,
                                margin=(0, 10), sizing_mode="stretch_width")
        return pn.Column(pn.pane.Markdown(INTRO, margin=(0, 10), sizing_mode="stretch_width"),
                         pn.Row(pn.Column(self._t, self.fig), pn.Column(self.readout, small, hint, width=520)),
                         sizing_mode="stretch_width")
