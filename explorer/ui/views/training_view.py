"""Training at a glance: a progress bar, the loss curve, and a preview of what the model makes now.

Everything here reacts to `ExplorerState` parameters, which only change on the UI thread
(`state.poll()` runs in the session's periodic callback), so these watchers may touch Bokeh models.
The loss curve is streamed (`cds.stream`): only the new points cross the websocket. A run that diverges keeps
its curve up to the blow-up (`state.diverged_at`): a red cross, a dashed line and "diverged at step k" mark it.
"""
from __future__ import annotations

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource, Label, Span
from bokeh.plotting import figure

from explorer.core.metrics import energy_distance
from explorer.core.samplers import sample
from explorer.ui.base import StateView
from explorer.ui.lazy import lazy_column

# Energy distance is O(n·m): compare the preview with at most this many training points.
_ED_POINTS = 1000
_PREVIEW_RANGE = (-4.0, 4.0)
TIMELINE_SAMPLES = 500  # samples drawn from a snapshot when the timeline moves (~0.1 s)


def _empty_losses() -> dict:
    return {"step": np.zeros(0, np.int64), "loss": np.zeros(0, np.float64)}


def _empty_points() -> dict:
    return {"x": np.zeros(0, np.float32), "y": np.zeros(0, np.float32)}


WIDTH = 330  # beside the main plot at 1280 px with the sidebar open
DIVERGED = "#c62828"  # the colour of the blow-up marker and its label


def _no_blowup() -> dict:
    return {"step": np.zeros(0, np.int64), "loss": np.zeros(0, np.float64)}


class TrainingView(StateView):
    """Progress, loss curve (log scale), energy distance and a small preview scatter of one session."""

    def __init__(self, **params):
        super().__init__(**params)
        self.progress = pn.indicators.Progress(label="Training progress", value=0, max=100, bar_color="primary",
                                               sizing_mode="stretch_width", height=14, margin=(8, 10))
        self.loss_source = ColumnDataSource(_empty_losses(), name="losses")
        self.blowup_source = ColumnDataSource(_no_blowup(), name="loss_blowup")  # where a diverged run blew up
        self.preview_source = ColumnDataSource(_empty_points(), name="preview")
        # The figures are made with the plots, when the first loss arrives (lazy.py): until then a new session
        # sends ~80 fewer Bokeh models. What they show meanwhile is kept here and applied when they are made.
        self.loss_figure = self.preview_figure = self.blowup_span = self.blowup_label = self._loss_dots = None
        self._preview = ("Samples now", False)  # the preview's title and visibility
        self.summary = pn.pane.HTML("", sizing_mode="stretch_width", margin=(0, 10))
        # The training timeline: what the model drew at each snapshot (every ~100 steps), once training is over
        self.timeline = pn.widgets.DiscreteSlider(label="Timeline: the model at step", options=[0], value=0,
                                                  visible=False, sizing_mode="stretch_width", margin=(0, 10))
        self.timeline.param.watch(self._on_timeline, "value")
        # Hidden until the first loss arrives: an empty log-scale plot is just a grey box.
        self._plots = lazy_column(self._make_plots, False, sizing_mode="stretch_width")
        self._streamed = 0  # how many of state.losses are in loss_source
        self._distance: float | None = None
        self._reference: np.ndarray | None = None  # the training points the preview is compared with
        s = self.state
        s.param.watch(self._on_losses, ["losses", "diverged_at"])
        s.param.watch(self._on_preview, "preview")
        s.param.watch(self._on_data, "data")
        s.param.watch(self._on_progress, ["progress", "training"])
        s.param.watch(self._on_model, ["model", "training"])
        self._on_data()
        self._on_losses()
        self._on_progress()

    # --- figures ------------------------------------------------------------------------------
    def _make_plots(self) -> pn.Column:
        self.loss_figure = self._loss_figure()
        self.preview_figure = self._preview_figure()
        self._show_blowup()
        self._set_preview(*self._preview)
        return pn.Column(pn.pane.Bokeh(self.loss_figure, sizing_mode="stretch_width"),
                         pn.pane.Bokeh(self.preview_figure), self.timeline, sizing_mode="stretch_width")

    def _set_preview(self, title: str, visible: bool) -> None:
        self._preview = (title, visible)
        if self.preview_figure is not None:
            self.preview_figure.title.text = title
            self.preview_figure.visible = visible

    def _loss_figure(self):
        fig = figure(height=200, sizing_mode="stretch_width", y_axis_type="log", title="Training loss",
                     x_axis_label="step", y_axis_label="loss (log scale)", tools="pan,wheel_zoom,reset",
                     toolbar_location=None, name="loss_figure")
        fig.line("step", "loss", source=self.loss_source, line_width=2, color="#1f77b4")
        # dots on the curve of a diverged run: it is often a few steps long (one step: no line at all)
        self._loss_dots = fig.scatter("step", "loss", source=self.loss_source, size=5, color="#1f77b4", visible=False)
        # A diverged run: a cross at the blow-up step, on the height of the last finite loss (the blown-up one
        # is not on any scale), a dashed line there, and the step in words.
        fig.scatter("step", "loss", source=self.blowup_source, marker="x", size=13, line_width=3, color=DIVERGED)
        self.blowup_span = Span(location=0, dimension="height", line_color=DIVERGED, line_dash="dashed",
                                line_width=1.5, visible=False)
        self.blowup_label = Label(x=0, y=1, text="", text_color=DIVERGED, text_font_size="12px",
                                  text_font_style="bold", text_align="right", text_baseline="bottom", x_offset=-8,
                                  y_offset=4, background_fill_color="white", background_fill_alpha=0.85,
                                  visible=False, name="loss_diverged_label")
        fig.add_layout(self.blowup_span)
        fig.add_layout(self.blowup_label)
        fig.yaxis.ticker.desired_num_ticks = 4  # a narrow log range otherwise crowds the axis with labels
        fig.xaxis.ticker.desired_num_ticks = 4  # "0 200 400 ..." ran together in a narrow column
        fig.title.text_font_size = "13px"
        return fig

    def _preview_figure(self):
        fig = figure(width=180, height=180, x_range=_PREVIEW_RANGE, y_range=_PREVIEW_RANGE, match_aspect=True,
                     title="Samples now", tools="", toolbar_location=None, name="preview_figure", min_border=4)
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
        self._show_blowup()
        self._update_summary()

    def _show_blowup(self) -> None:
        k, losses = self.state.diverged_at, self.state.losses
        if k is None:
            if len(self.blowup_source.data["step"]):
                self.blowup_source.data = _no_blowup()
            if self.loss_figure is None:
                return
            self.blowup_span.visible = self.blowup_label.visible = self._loss_dots.visible = False
            return
        y = float(losses[-1][1]) if losses else 1.0
        self.blowup_source.data = {"step": np.asarray([k], np.int64), "loss": np.asarray([y], np.float64)}
        if self.loss_figure is None:
            return
        self._loss_dots.visible = True
        self.blowup_span.update(location=k, visible=True)
        self.blowup_label.update(x=k, y=y, text=f"diverged at step {k}", visible=True)

    def _on_preview(self, *_events) -> None:
        with pn.io.hold():  # safe Bokeh writes even when a button click (no document lock) set the state
            self._show_preview()

    def _show_preview(self) -> None:
        preview = self.state.preview
        self._set_preview("Samples now", preview is not None)  # an empty box says nothing
        if preview is None:
            self.preview_source.data = _empty_points()
            self._distance = None
        else:
            pts = np.asarray(preview, np.float32)
            self.preview_source.data = {"x": pts[:, 0], "y": pts[:, 1]}
            self._distance = self._energy_distance(pts)
        self._update_summary()

    # --- the training timeline --------------------------------------------------------------
    def _on_model(self, *_events) -> None:
        """After a run: its model's timeline, and the preview shows the final model (a title that is not "now").
        A diverged run's model was dropped: no timeline (the shown model's steps beside the diverged curve would
        mix two models), and its last preview says it was dropped."""
        model, st = self.state.model, self.state
        ended = not st.training and bool(st.losses)
        steps = sorted(getattr(model, "snapshots", {}) or {})
        show = ended and st.diverged_at is None and model is not None and bool(steps)
        self.timeline.visible = show
        if show:
            final = int(model.log.steps_done)
            options = {f"{k}": k for k in steps} | {f"{final} (final)": final}
            again = self.timeline.value == final  # no event: show the final model here
            self.timeline.param.update(options=options, value=final)
            if again:
                self._show_step(final)
        elif ended and st.diverged_at is not None:
            self._set_preview("Dropped run: last preview", self._preview[1])
        elif ended and model is not None:
            self._show_step(None)

    def _on_timeline(self, event) -> None:
        self._show_step(event.new)

    def _show_step(self, step: int | None) -> None:
        """Show what the model drew at `step`: a snapshot's samples (the final model at the end, or None)."""
        model = self.state.model
        if model is None:
            return
        final = step not in getattr(model, "snapshots", {})
        shown = model if final else model.snapshot(step)
        run = sample(shown, n=TIMELINE_SAMPLES, sampler="heun", steps=20, seed=0)
        with pn.io.hold():
            pts = run.samples.astype(np.float32)
            self.preview_source.data = {"x": pts[:, 0], "y": pts[:, 1]}
            self._set_preview("Final model" if final else f"At step {step}", True)
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
            self._set_preview(self._preview[0], False)
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
        losses, k = self.state.losses, self.state.diverged_at
        self._plots.show(bool(losses) or k is not None)
        if not self._plots.visible:
            self.summary.object = "<i>Press Train to watch the loss fall and a preview of the samples.</i>"
            return
        step, loss = losses[-1] if losses else (0, float("nan"))
        parts = [f"steps: <b>{step}</b>", f"loss: <b>{loss:.4g}</b>"]
        if k is not None:
            shown = "the previous model is still shown" if self.state.model is not None else "no model is shown"
            parts.append(f"<span style='color:{DIVERGED}'>diverged at step <b>{k}</b>: its weights were dropped "
                         f"and {shown}; try a smaller learning rate</span>")
        if self._distance is not None:
            parts.append(f"energy distance of the preview to the data: <b>{self._distance:.4f}</b> "
                         "(0 = indistinguishable; lower is better)")
        self.summary.object = " · ".join(parts)

    def __panel__(self):
        return pn.Column(pn.pane.Markdown("### Training", margin=(0, 10)), self.progress, self.summary,
                         self._plots, width=WIDTH)
