"""The Inside tab's four small plots against t: the effective number of points (along the tap's path, and averaged
over the run), the gap between the network's x̂0 and the oracle's, log p along the path, and the divergence at the
tap, exact beside Hutchinson's estimates. Bokeh only; InsideView (inside_view.py) wires them to InsideState.
"""
from __future__ import annotations

import numpy as np
from bokeh.models import ColumnDataSource, Span
from bokeh.plotting import figure

from explorer.ui.session.inside_state import PROBES
from explorer.ui.style import empty_columns, style_figure
from explorer.ui.views.inside_main_plot import COLORS

SMALL = dict(frame_width=190, frame_height=92)
MEAN, DIV = "#9aa0a6", "#7570b3"


def _small(name: str, title: str, x_label: str = "t (noise → data)", **kw):
    fig = figure(name=name, title=title, tools="save", toolbar_location=None, min_border=4, **SMALL, **kw)
    style_figure(fig)
    fig.title.update(text_font_size="11px", text_color="#3c4043")
    fig.xaxis.axis_label = x_label
    fig.axis.axis_label_text_font_size = "11px"
    fig.axis.axis_label_text_font_style = "normal"
    return fig


class InsideSmallPlots:
    """The four figures (`figures`) and their sources (named inside_*, which the browser tests read back)."""

    def __init__(self):
        flip = dict(x_range=(1.0, 0.0))  # noise on the left, data on the right: the order of sampling
        # Both curves fall from the top left (all N points) to the bottom right: the legend goes top right, with a
        # decade of headroom above N (`show_curves`), where no curve can reach.
        self.fig_neff = _small("inside_neff_figure", "Effective number 1/Σw²", y_axis_type="log",
                               y_range=(0.7, 2e4), **flip)
        self.neff_path = ColumnDataSource(empty_columns("t", "n"), name="inside_neff_path")
        self.neff_mean = ColumnDataSource(empty_columns("t", "n"), name="inside_neff")
        self.fig_neff.line("t", "n", source=self.neff_mean, color=MEAN, line_width=2, legend_label="mean")
        self.fig_neff.line("t", "n", source=self.neff_path, color=COLORS["tap"], line_width=1.5,
                           legend_label="this path")
        self.fig_neff.legend.update(location="top_right", orientation="horizontal", label_text_font_size="9px",
                                    padding=1, spacing=4, margin=2, glyph_width=12, glyph_height=8, label_height=8,
                                    background_fill_alpha=0.0, border_line_alpha=0, label_standoff=2)
        self.fig_gap = _small("inside_gap_figure", "Mean gap |x̂0 net − oracle|", **flip)
        self.gap = ColumnDataSource(empty_columns("t", "gap"), name="inside_gap")
        self.fig_gap.line("t", "gap", source=self.gap, color=COLORS["net"], line_width=2)
        self.fig_gap.scatter("t", "gap", source=self.gap, color=COLORS["net"], size=4)
        self.fig_logp = _small("inside_logp_figure", "log p along the path (nats)", **flip)
        self.logp = ColumnDataSource(empty_columns("t", "log_p"), name="inside_logp")
        self.fig_logp.line("t", "log_p", source=self.logp, color=DIV, line_width=2)
        self.fig_div = _small("inside_div_figure", "div v: exact vs Hutchinson",
                              x_label="probes", x_range=(-0.6, len(PROBES) - 0.4))
        self.fig_div.xaxis.ticker = list(range(len(PROBES)))
        self.fig_div.xaxis.major_label_overrides = {i: str(k) for i, k in enumerate(PROBES)}
        self.div = ColumnDataSource(empty_columns("x", "estimate"), name="inside_div")
        self.fig_div.scatter("x", "estimate", source=self.div, size=4, color=DIV, alpha=0.35)
        self.div_exact = Span(dimension="width", location=0.0, line_color=COLORS["tap"], line_width=2,
                              line_dash="dashed")
        self.fig_div.add_layout(self.div_exact)
        self.figures = (self.fig_neff, self.fig_gap, self.fig_logp, self.fig_div)

    def clear_reading(self) -> None:
        for src in (self.neff_path, self.logp, self.div):
            src.data = {k: [] for k in src.data}

    def show_reading(self, r: dict) -> None:
        times = r["times"].astype(np.float32)
        self.neff_path.data = {"t": times, "n": r["path_n_eff"].astype(np.float32)}
        self.logp.data = {"t": times, "log_p": r["log_p"].astype(np.float32)}
        est = [(i + np.linspace(-0.25, 0.25, len(r["hutchinson"][k])), r["hutchinson"][k])
               for i, k in enumerate(PROBES)]
        self.div.data = {"x": np.concatenate([e[0] for e in est]).astype(np.float32),
                         "estimate": np.concatenate([e[1] for e in est]).astype(np.float32)}
        self.div_exact.location = r["divergence"]

    def show_curves(self, c: dict | None) -> None:
        if c is None:
            self.neff_mean.data = empty_columns("t", "n")
            self.gap.data = empty_columns("t", "gap")
            return
        t = c["times"].astype(np.float32)
        self.fig_neff.y_range.update(start=0.7, end=10.0 * c["n_points"])
        self.neff_mean.data = {"t": t, "n": c["n_eff"].astype(np.float32)}
        self.gap.data = {"t": t, "gap": c["gap"].astype(np.float32)}
