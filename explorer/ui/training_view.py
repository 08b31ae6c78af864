"""Training at a glance: a progress bar, the loss curve, and a preview of what the model makes now.

Everything here reacts to `ExplorerState` parameters, which only change on the UI thread
(`state.poll()` runs in the session's periodic callback), so these watchers may touch Bokeh models.
The loss curve is streamed (`cds.stream`): only the new points cross the websocket.
"""
from __future__ import annotations

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource
from bokeh.plotting import figure

from ..metrics import energy_distance
from .base import StateView

# Energy distance is O(n·m): compare the preview with at most this many training points.
_ED_POINTS = 1000
_PREVIEW_RANGE = (-4.0, 4.0)


def _empty_losses() -> dict:
    return {"step": np.zeros(0, np.int64), "loss": np.zeros(0, np.float64)}


def _empty_points() -> dict:
    return {"x": np.zeros(0, np.float32), "y": np.zeros(0, np.float32)}


WIDTH = 330  # beside the main plot at 1280 px with the sidebar open


class TrainingView(StateView):
    """Progress, loss curve (log scale), energy distance and a small preview scatter of one session."""

    def __init__(self, **params):
        super().__init__(**params)
        self.progress = pn.indicators.Progress(label="Training progress", value=0, max=100, bar_color="primary",
                                               sizing_mode="stretch_width", height=14, margin=(8, 10))
        self.loss_source = ColumnDataSource(_empty_losses(), name="losses")
        self.loss_figure = self._loss_figure()
        self.preview_source = ColumnDataSource(_empty_points(), name="preview")
        self.preview_figure = self._preview_figure()
        self.summary = pn.pane.HTML("", sizing_mode="stretch_width", margin=(0, 10))
        # Hidden until the first loss arrives: an empty log-scale plot is just a grey box.
        self._plots = pn.Column(pn.pane.Bokeh(self.loss_figure, sizing_mode="stretch_width"),
                                pn.pane.Bokeh(self.preview_figure), sizing_mode="stretch_width", visible=False)
        self._streamed = 0  # how many of state.losses are in loss_source
        self._distance: float | None = None
        self._reference: np.ndarray | None = None  # the training points the preview is compared with
        s = self.state
        s.param.watch(self._on_losses, "losses")
        s.param.watch(self._on_preview, "preview")
        s.param.watch(self._on_data, "data")
        s.param.watch(self._on_progress, ["progress", "training"])
        self._on_data()
        self._on_losses()
        self._on_progress()

    # --- figures ------------------------------------------------------------------------------
    def _loss_figure(self):
        fig = figure(height=200, sizing_mode="stretch_width", y_axis_type="log", title="Training loss",
                     x_axis_label="step", y_axis_label="loss (log scale)", tools="pan,wheel_zoom,reset",
                     toolbar_location=None, name="loss_figure")
        fig.line("step", "loss", source=self.loss_source, line_width=2, color="#1f77b4")
        fig.yaxis.ticker.desired_num_ticks = 4  # a narrow log range otherwise crowds the axis with labels
        fig.xaxis.ticker.desired_num_ticks = 4  # "0 200 400 ..." ran together in a narrow column
        fig.title.text_font_size = "13px"
        return fig

    def _preview_figure(self):
        fig = figure(width=180, height=180, x_range=_PREVIEW_RANGE, y_range=_PREVIEW_RANGE, match_aspect=True,
                     title="Samples now", tools="", toolbar_location=None, name="preview_figure")
        fig.scatter("x", "y", source=self.preview_source, size=2, alpha=0.5, color="#d62728", name="preview_points")
        fig.title.text_font_size = "13px"
        fig.axis.visible = False
        fig.grid.visible = False
        return fig

    # --- reactions to the state ---------------------------------------------------------------
    def _on_losses(self, *_events) -> None:
        with pn.io.hold():  # safe Bokeh writes even when a button click (no document lock) set the state
            self._show_losses()

    def _show_losses(self) -> None:
        losses = self.state.losses
        if len(losses) < self._streamed:  # a new run started: start the curve again
            self.loss_source.data = _empty_losses()
            self._streamed = 0
        new = losses[self._streamed:]
        if new:
            steps, values = zip(*new, strict=True)
            self.loss_source.stream({"step": np.asarray(steps, np.int64), "loss": np.asarray(values, np.float64)})
            self._streamed = len(losses)
        self._update_summary()

    def _on_preview(self, *_events) -> None:
        with pn.io.hold():  # safe Bokeh writes even when a button click (no document lock) set the state
            self._show_preview()

    def _show_preview(self) -> None:
        preview = self.state.preview
        if preview is None:
            self.preview_source.data = _empty_points()
            self._distance = None
        else:
            pts = np.asarray(preview, np.float32)
            self.preview_source.data = {"x": pts[:, 0], "y": pts[:, 1]}
            self._distance = self._energy_distance(pts)
        self._update_summary()

    def _on_data(self, *_events) -> None:
        with pn.io.hold():  # safe Bokeh writes even when a button click (no document lock) set the state
            self._show_data()

    def _show_data(self) -> None:
        data = self.state.data
        if data is None:
            self._reference = None
        else:
            # A fixed random subset: drawn data is ordered along the strokes, so a slice would be biased.
            keep = np.random.default_rng(0).permutation(len(data))[:_ED_POINTS]
            self._reference = np.asarray(data)[np.sort(keep)]
        if not self.state.training:  # the old preview belongs to the old data
            self.preview_source.data = _empty_points()
            self._distance = None
        self._update_summary()

    def _on_progress(self, *_events) -> None:
        self.progress.value = int(round(self.state.progress))
        done = self.state.progress >= 100
        self.progress.bar_color = "primary" if self.state.training else "success" if done else "warning"
        self._update_summary()

    def _energy_distance(self, pts: np.ndarray) -> float | None:
        if self._reference is None or len(pts) < 2:
            return None
        if not np.isfinite(pts).all():
            return float("nan")
        return energy_distance(pts, self._reference)

    def _update_summary(self) -> None:
        losses = self.state.losses
        self._plots.visible = bool(losses)
        if not losses:
            self.summary.object = "<i>Press Train to watch the loss fall and a preview of the samples.</i>"
            return
        step, loss = losses[-1]
        parts = [f"steps: <b>{step}</b>", f"loss: <b>{loss:.4g}</b>"]
        if self._distance is not None:
            parts.append(f"energy distance of the preview to the data: <b>{self._distance:.4f}</b> "
                         "(0 = indistinguishable; lower is better)")
        self.summary.object = " · ".join(parts)

    def __panel__(self):
        return pn.Column(pn.pane.Markdown("### Training", margin=(0, 10)), self.progress, self.summary,
                         self._plots, width=WIDTH)
