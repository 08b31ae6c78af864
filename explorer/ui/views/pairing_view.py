"""The "Pairings" tab: one training batch drawn as segments from each data point to the noise it is trained
towards, with independent noise on the left and the minibatch OT pairing on the right (docs/parameterisation.md
#straightness). Segments that cross another are drawn in orange; each plot's title counts the crossing pairs
and gives the mean segment length. The batch is drawn as `dx.train` draws it (explorer/core/couplings.py pair_batch:
the session's data, and its "Start from" source instead of Gaussian noise); the same data rows and the same noise
on both sides, only the pairing differs.
"""
from __future__ import annotations

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource
from bokeh.plotting import figure

from explorer.core.couplings import CHUNK, crossing_matrix, pair_batch
from explorer.core.errors import ExplorerError
from explorer.data import datasets
from explorer.ui.base import StateView
from explorer.ui.session.choices import GAUSSIAN
from explorer.ui.style import style_figure

SIDES = (("independent", "Independent"), ("ot", "Minibatch OT"))
PLOT_PX = 320
COLORS = {"line": "#8aa1b8", "cross": "#e8590c", "data": "#1f4e9c", "noise": "#9aa0a6"}
INTRO = ("**Which noise is each data point trained towards?** One training batch: each segment joins a data point "
         "(blue) to its noise (grey); orange ones cross another. Independent noise criss-crosses, so the flow "
         "averages crossing directions and its paths bend; minibatch optimal transport pairs nearby points: few "
         f"crossings, short segments, straight paths. (Training pairs chunks of {CHUNK} exactly.)")
RANGE = (-3.6, 3.6)  # the built-in sets fit in [-3, 3]; Gaussian noise mostly too


class PairingView(StateView):
    """`PairingView(state=s)`: one batch of `s`'s data paired both ways, side by side, with the numbers."""

    batch = param.Integer(default=128, bounds=(16, 512), step=16, doc="Points in the batch that is drawn.")
    draw = param.Integer(default=0, bounds=(0, None), doc="Which batch: the seed of the draw.")
    numbers = param.Dict(default={}, doc="Per coupling: {'crossings': int, 'mean_length': float}.")

    def __init__(self, **params):
        super().__init__(**params)
        self._sources, self._figs, self._heads = {}, {}, {}
        for key, _ in SIDES:
            self._build_side(key)
        self._batch = pn.widgets.IntSlider.from_param(self.param.batch, name="Batch size", width=200,
                                                      margin=(0, 10))
        self._new = pn.widgets.Button(label="New batch", color="primary", variant="outline", width=100,
                                      margin=(10, 0))
        self._new.on_click(lambda *_: setattr(self, "draw", self.draw + 1))
        self._message = pn.pane.Markdown("", name="pairing_message", margin=(8, 10, 0, 10),
                                         sizing_mode="stretch_width")
        self.param.watch(self._redraw, ["batch", "draw"])
        self.state.param.watch(self._redraw, ["data", "source", "coupling"])
        self._redraw()

    def _build_side(self, key):
        fig = figure(name=f"pairs_{key}", width=PLOT_PX, height=PLOT_PX, x_range=RANGE, y_range=RANGE,
                     match_aspect=True, tools="pan,wheel_zoom,reset,save", toolbar_location=None, min_border=4)
        style_figure(fig)
        src = ColumnDataSource({k: [] for k in ("x0", "y0", "x1", "y1", "color", "alpha")}, name=f"pair_segments_{key}")
        fig.segment("x0", "y0", "x1", "y1", source=src, color="color", line_alpha="alpha", line_width=1.1)
        fig.scatter("x1", "y1", source=src, size=3.5, color=COLORS["noise"], alpha=0.8)
        fig.scatter("x0", "y0", source=src, size=3.5, color=COLORS["data"], alpha=0.9)
        self._sources[key], self._figs[key] = src, fig
        self._heads[key] = pn.pane.HTML("", name=f"pairs_head_{key}", width=PLOT_PX, margin=(0, 10),
                                        css_classes=["pairs-head"], styles={"font-size": "13px"})

    def _batch_of(self, coupling):
        st = self.state
        source = None if st.source == GAUSSIAN else datasets.load(st.source, n=len(st.data), seed=1)
        return pair_batch(st.data, self.batch, coupling, source=source, seed=self.draw)

    def _redraw(self, *_):
        st = self.state
        if st.data is None or len(st.data) == 0:
            self._message.object = "No training points yet: draw a shape or pick a built-in set."
            return
        numbers = {}
        with pn.io.hold():
            for key, label in SIDES:
                try:
                    x0, x1 = self._batch_of(key)
                except ExplorerError as err:
                    self._message.object = str(err)
                    return
                crossed = crossing_matrix(x0, x1)
                count, length = int(np.triu(crossed, 1).sum()), float(np.linalg.norm(x1 - x0, axis=1).mean())
                numbers[key] = {"crossings": count, "mean_length": length}
                hit = crossed.any(1)
                self._sources[key].data = {
                    "x0": x0[:, 0], "y0": x0[:, 1], "x1": x1[:, 0], "y1": x1[:, 1],
                    "color": np.where(hit, COLORS["cross"], COLORS["line"]), "alpha": np.where(hit, 0.55, 0.8)}
                self._heads[key].object = (f"<b>{label}</b> · <b class='crossings'>{count:,}</b> crossings "
                                           f"· mean length <b>{length:.2f}</b>")
            self.numbers = numbers
            start = "Gaussian noise" if st.source == GAUSSIAN else f"starting from {st.source}"
            ratio = numbers["independent"]["crossings"] / max(numbers["ot"]["crossings"], 1)
            self._message.object = (f"{start} · OT: **{ratio:.0f}× fewer crossings** · training uses "
                                    f"**{st.coupling}** coupling")

    def __panel__(self):
        muted = {"color": "var(--panel-on-background-color, #5f6368)"}
        return pn.Column(
            pn.pane.Markdown(INTRO, styles=muted, sizing_mode="stretch_width", margin=(0, 10)),
            pn.Row(self._batch, self._new, self._message),
            pn.Row(*(pn.Column(self._heads[k], pn.pane.Bokeh(self._figs[k])) for k, _ in SIDES)),
            sizing_mode="stretch_width")
