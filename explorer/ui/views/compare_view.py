"""The "A/B compare" tab: two configurations trained on the same points, side by side, on one time slider.

Each arm's run goes to the page once, in its own hidden one-row store (frames.pack_points: flat float32
frames); the shared Time slider redraws both plots in the browser alone, each at its own frame nearest to
the slider's t (the arms may take different numbers of sampler steps). A resampled arm resends only its own
store. Loss curves are streamed. The logic lives in CompareState; this file only draws it.
"""
from __future__ import annotations

import html
import re

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource, CustomJS, CustomJSTickFormatter, Label, Legend, LegendItem
from bokeh.plotting import figure

from explorer.core.objectives import OBJECTIVES
from explorer.core.schedules import SCHEDULES
from explorer.core.solvers import SAMPLERS
from explorer.core.timegrids import TIME_GRIDS
from explorer.ui.base import StateView
from explorer.ui.compat import forget_js_callbacks
from explorer.ui.jobs.polling import on_session_destroyed, serve_jobs
from explorer.ui.plot import frames
from explorer.ui.session.compare_state import CompareState
from explorer.ui.style import PLOT_BACKEND, empty_columns, style_figure
from explorer.ui.views.knob_widgets import knob_sliders, select, show_knobs

TICKS = 100  # slider positions from noise (0) to data (TICKS)
COLORS = {"A": "#1f5fa8", "B": "#d9480f"}
GHOST = "#9aa0a6"
PLOT_PX = 370  # two plots with their menus fit beside the sidebar at 1280x720 (tests/browser/test_browser_fit_1280.py)
WIDE = 2 * (PLOT_PX + 60)  # the two plots' columns
INTRO = ("Train two configurations on **the same points** and watch them side by side at the same time t. "
         "Both samplers start from **the same noise**; network size, learning rate, batch and seed come from "
         "the sidebar's *Advanced* card. Changing a sampler re-samples at once, without retraining.")
LOSS_NOTE = ("Each objective regresses a different target, so the loss *heights* are not comparable, only their "
             "shapes; the verdict above is the fair score: how far each arm's samples are from the data, in "
             "units of how far another draw of the data would be (1 is perfect, give or take the noise it states).")

# Both plots at the slider's t: each arm shows its packed frame nearest to t (no interpolation: with 10 steps
# you see the 10 jumps). Display sources are set with {sync: false}: nothing goes back to the server.
RENDER_JS = """
const tick = store_a._tick != null ? store_a._tick : store_a.data.tick[0];
const t = 1 - tick / TICKS, quiet = {sync: false};
for (const [store, src, info] of [[store_a, samples_a, info_a], [store_b, samples_b, info_b]]) {
  const d = store.data, T = d.t[0];
  if (T == null || T.length == 0) { src.setv({data: {x: [], y: []}}, quiet); info.setv({text: ''}, quiet); continue; }
  let k = 0;
  for (let j = 1; j < T.length; j++) if (Math.abs(T[j] - t) < Math.abs(T[k] - t) - 1e-9) k = j;
  const n = d.n[0], X = d.x[0], Y = d.y[0], I = d.i[0];
  const view = (A) => new Float32Array(A.buffer, A.byteOffset + 4 * k * n, n);
  src.setv({data: {x: view(X), y: view(Y)}}, quiet);
  info.setv({text: `step ${I[k]} of ${I[I.length - 1]} · t = ${Math.abs(T[k]).toFixed(2)}`}, quiet);
}
"""
TIME_FORMAT_JS = "const t = 1 - tick / %d; return 't = ' + t.toFixed(2) + '  (' + Math.round(100 * (1 - t)) + " \
                 "'%% denoised)';" % TICKS


def _empty_store() -> dict:
    z = np.zeros(0, np.float32)
    return {"x": [z], "y": [z], "t": [z], "i": [np.zeros(0, np.int32)], "n": [0], "tick": [TICKS]}


def _style(fig) -> None:
    style_figure(fig)
    fig.axis.axis_label_text_color = "#5f6368"
    fig.axis.axis_label_text_font_size = "12px"
    fig.axis.axis_label_text_font_style = "normal"
    fig.title.text_font_size = "13px"


class CompareView(StateView):
    """`CompareView(state=s)`: the A/B comparison of the session `s`."""

    def __init__(self, **params):
        super().__init__(**params)
        self.compare = CompareState(state=self.state)
        self._layout = None
        self._wired = False
        self._arm_parts = {arm.label: self._build_arm(arm) for arm in self.compare.arms}
        self._build_shared()
        cs = self.compare
        for arm in cs.arms:
            lab = arm.label
            arm.param.watch(lambda *_, a=arm: self._hold(self._show_run, a), ["run"])
            arm.param.watch(lambda *_, a=arm: self._hold(self._show_losses, a), ["losses"])
            arm.param.watch(lambda *_, a=arm: self._hold(self._show_preview, a), ["preview", "steps_done"])
            arm.param.watch(lambda *_, a=arm: self._show_title(a), ["objective", "schedule", "sampler", "sample_steps"])
            arm.param.watch(lambda *_, lab=lab: self._show_knobs(lab), ["sampler"])
            self._show_title(arm)
            self._show_knobs(lab)
        cs.param.watch(lambda *_: self._show_message(), ["message"])
        cs.param.watch(lambda *_: self._show_progress(), ["training", "progress"])
        self.state.param.watch(lambda *_: self._hold(self._show_data), ["data"])
        self._show_data()
        self._show_message()
        self._show_progress()

    # --- construction -------------------------------------------------------------------------
    def _build_arm(self, arm) -> dict:
        lab, color = arm.label, COLORS[arm.label]
        b = frames.BOUNDS
        fig = figure(x_range=(b[0], b[1]), y_range=(b[2], b[3]), frame_width=PLOT_PX, frame_height=PLOT_PX,
                     match_aspect=True, output_backend=PLOT_BACKEND, tools="pan,wheel_zoom,reset,save",
                     toolbar_location=None, min_border=6, name=f"compare_plot_{lab.lower()}")
        _style(fig)
        fig.outline_line_color = color
        fig.outline_line_width = 2
        fig.title.text_color, fig.title.text_font_size = color, "15px"
        ghost = ColumnDataSource(empty_columns("x", "y"), name=f"compare_data_{lab.lower()}")
        fig.scatter("x", "y", source=ghost, size=3.5, color=GHOST, alpha=0.28, line_color=None)
        preview = ColumnDataSource(empty_columns("x", "y"), name=f"compare_preview_{lab.lower()}")
        fig.scatter("x", "y", source=preview, size=3.5, color=color, alpha=0.35, line_color=None)
        samples = ColumnDataSource(empty_columns("x", "y"), name=f"compare_samples_{lab.lower()}")
        fig.scatter("x", "y", source=samples, size=4, color=color, alpha=0.7, line_color=None)
        info = Label(x=8, y=8, x_units="screen", y_units="screen", text="", text_font_size="14px",
                     text_color="#3c4043", background_fill_color="white", background_fill_alpha=0.85)
        hint = Label(x=PLOT_PX / 2, y=PLOT_PX - 34, x_units="screen", y_units="screen", text="Press Train both",
                     text_align="center", text_font_size="15px", text_color=color, background_fill_color="white",
                     background_fill_alpha=0.85)
        fig.add_layout(info)
        fig.add_layout(hint)
        store = ColumnDataSource(_empty_store(), name=f"compare_store_{lab.lower()}")
        # Two rows of menus that fit the plot's width (what to train; how to sample), then the knob sliders.
        m = dict(margin=(5, 4))
        train_row = [select(arm, "objective", OBJECTIVES, label=f"{lab}: Objective", width=PLOT_PX // 2 - 4, **m),
                     select(arm, "schedule", SCHEDULES, short=True, label=f"{lab}: Schedule", width=PLOT_PX // 2 - 4,
                            **m)]
        sample_row = [select(arm, "sampler", SAMPLERS, short=True, label=f"{lab}: Sampler", width=112, **m),
                      select(arm, "grid", TIME_GRIDS, label=f"{lab}: Time grid", width=150, **m),
                      pn.widgets.IntInput.from_param(arm.param.sample_steps, label=f"{lab}: Steps", width=84, **m)]
        knobs = knob_sliders(arm, prefix=f"{lab}: ", width=220, margin=(0, 8))
        return dict(fig=fig, ghost=ghost, preview=preview, samples=samples, info=info, hint=hint, store=store,
                    widgets=[*train_row, *sample_row], rows=(train_row, sample_row), knobs=knobs)

    def _build_shared(self):
        a, b, cs = self._arm_parts["A"], self._arm_parts["B"], self.compare
        fmt = CustomJSTickFormatter(code=TIME_FORMAT_JS)
        self._slider = pn.widgets.IntSlider(label="Time (shared)", start=0, end=TICKS, value=TICKS, format=fmt,
                                            tooltips=False, sizing_mode="stretch_width", bar_color="#5f6368")
        self._player = pn.widgets.Player(start=0, end=TICKS, value=TICKS, interval=40, loop_policy="once",
                                         show_loop_controls=False, show_value=False, width=190, height=40,
                                         scale_buttons=0.75, visible_buttons=["first", "pause", "play", "last"],
                                         stylesheets=["input[type='range'] {display: none;}"])
        args = dict(store_a=a["store"], store_b=b["store"], samples_a=a["samples"], samples_b=b["samples"],
                    info_a=a["info"], info_b=b["info"], TICKS=TICKS)
        # The slider's position lives on store_a's JS object: a store's own CustomJS cannot take a Panel widget.
        self._slider.jscallback(args={**args, "player": self._player}, value=(
            "store_a._tick = cb_obj.value; if (player.value !== cb_obj.value) player.value = cb_obj.value;"
            + RENDER_JS))
        self._player.jscallback(args={"slider": self._slider}, value="slider.value = cb_obj.value;")
        # Play from the data end starts again from the noise (instead of doing nothing).
        self._player.jscallback(direction="if (cb_obj.direction > 0 && cb_obj.value >= cb_obj.end) "
                                          "cb_obj.value = cb_obj.start;")
        render = CustomJS(args=args, code=RENDER_JS)
        for part in (a, b):
            part["store"].js_on_change("data", render)
        self._train = pn.widgets.Button(label="Train both", color="primary", width=130, align="end")
        self._stop = pn.widgets.Button(label="Stop both", width=100, disabled=True, align="end")
        self._train.on_click(lambda *_: self._hold(cs.train_both))
        self._stop.on_click(lambda *_: self._hold(cs.stop))
        self._budget = pn.widgets.IntInput.from_param(cs.param.train_steps, label="Training steps (each arm)",
                                                      step=100, width=170)
        self._progress = pn.indicators.Progress(value=0, max=100, width=220, height=14, margin=(0, 10, 14, 10),
                                                align="end",
                                                bar_color="primary", visible=False)
        self._result = pn.pane.HTML("", name="compare_result", sizing_mode="stretch_width", margin=(4, 10),
                                    styles={"font-size": "16px"})
        self._loss = {lab: ColumnDataSource({"step": np.zeros(0, np.int64), "loss": np.zeros(0)},
                                            name=f"compare_loss_{lab.lower()}") for lab in COLORS}
        fig = figure(height=220, width=WIDE, y_axis_type="log", title="Training loss",
                     x_axis_label="training step", y_axis_label="loss (log)", tools="pan,wheel_zoom,reset",
                     toolbar_location=None, name="compare_loss_figure")
        items = [LegendItem(label=lab, renderers=[fig.line("step", "loss", source=self._loss[lab], line_width=2,
                                                           color=COLORS[lab])]) for lab in COLORS]
        fig.add_layout(Legend(items=items, location="center_right", background_fill_alpha=0.8))
        fig.yaxis.ticker.desired_num_ticks = 4
        _style(fig)
        self._legend_items = items
        # Shown from the first loss on: an empty log-scale plot is a grey box (and Bokeh warns about its range).
        self._loss_pane = pn.pane.Bokeh(fig)
        self._loss_slot = pn.Column(margin=0)

    # --- state -> view ------------------------------------------------------------------------
    @staticmethod
    def _hold(fn, *args):
        with pn.io.hold():  # button clicks arrive without the document lock (Panel 1.9)
            fn(*args)

    def _show_data(self):
        data = self.state.data
        cols = empty_columns("x", "y") if data is None else {"x": data[:, 0].astype(np.float32),
                                                       "y": data[:, 1].astype(np.float32)}
        for part in self._arm_parts.values():
            part["ghost"].data = dict(cols)

    def _show_run(self, arm):
        part = self._arm_parts[arm.label]
        if arm.run is None:
            part["store"].data = _empty_store()
            part["hint"].text = "Press Train both"
            return
        p = frames.pack_points(arm.run)
        part["store"].data = {"x": [p["x"]], "y": [p["y"]], "t": [p["t"]], "i": [p["index"].astype(np.int32)],
                              "n": [p["n"]], "tick": [self._slider.value]}
        part["hint"].text = ""

    def _show_preview(self, arm):
        part = self._arm_parts[arm.label]
        pts = arm.preview
        part["preview"].data = empty_columns("x", "y") if pts is None else {"x": pts[:, 0].astype(np.float32),
                                                                     "y": pts[:, 1].astype(np.float32)}
        if self.compare.training and arm.run is None:
            part["hint"].text = f"training: step {arm.steps_done} of {self.compare.train_steps}"

    def _show_losses(self, arm):
        src, losses = self._loss[arm.label], arm.losses
        shown = len(src.data["step"])
        if len(losses) < shown:
            src.data = {"step": np.zeros(0, np.int64), "loss": np.zeros(0)}
            shown = 0
        new = losses[shown:]
        if not new:
            return
        steps, values = zip(*new, strict=True)
        cols = {"step": np.asarray(steps, np.int64), "loss": np.asarray(values, np.float64)}
        # The first points replace (idempotent): the figure may join the page in this same batch, and a stream
        # sent together with the model that already holds the points would draw them twice.
        if shown:
            src.stream(cols)
        else:
            src.data = cols
        if not self._loss_slot.objects:
            self._loss_slot.append(self._loss_pane)

    def _show_title(self, arm):
        pair = f"{arm.label}: {OBJECTIVES[arm.objective].short} · {SCHEDULES[arm.schedule].short}"
        steps = f"{arm.sample_steps} step{'s' if arm.sample_steps != 1 else ''}"
        self._arm_parts[arm.label]["fig"].title.text = f"{pair} · {SAMPLERS[arm.sampler].short}, {steps}"
        self._legend_items["AB".index(arm.label)].label = {"value": pair}

    def _show_knobs(self, label):
        part, arm = self._arm_parts[label], getattr(self.compare, label.lower())
        show_knobs(part["knobs"], arm.sampler)

    def _show_message(self):
        text = html.escape(self.compare.message)
        text = re.sub(r"\b([AB])(?=:| is closer| and | changed)", lambda m: (
            f'<b style="color:{COLORS[m.group(1)]}">{m.group(1)}</b>'), text)
        text = text.replace("→", "<b>→</b>")
        self._result.object = f"<div>{text}</div>"

    def _show_progress(self):
        cs = self.compare
        self._train.disabled, self._stop.disabled = cs.training, not cs.training
        self._progress.visible = cs.training
        self._progress.value = int(round(cs.progress))

    # --- session wiring -------------------------------------------------------------------------
    def _start(self):
        """The arms are jobs of the session's runner, drained by its poller and stopped when the session ends
        (polling.serve_jobs); the player's JS callbacks are forgotten then too."""
        if self._wired:
            return
        self._wired = True
        serve_jobs(self.state.jobs)
        on_session_destroyed(self._on_destroyed)

    def _on_destroyed(self, session_context):
        forget_js_callbacks(self._player, self._slider)

    def __panel__(self):
        self._start()
        if self._layout is None:
            self._layout = self._build_layout()
        return self._layout

    def _build_layout(self):
        def column(lab):
            part = self._arm_parts[lab]
            # The knob row keeps its height when empty, so the two plots stay level whatever the samplers.
            rows = [pn.Row(*row, margin=0) for row in part["rows"]]
            return pn.Column(*rows, pn.Row(*part["knobs"].values(), height=40),
                             pn.pane.Bokeh(part["fig"]), margin=(0, 8))

        muted = {"color": "#5f6368"}
        buttons = pn.Row(self._train, self._stop, self._budget, self._progress)
        return pn.Column(
            pn.pane.Markdown(INTRO, styles=muted, sizing_mode="stretch_width", margin=(0, 10)),
            buttons,
            pn.Row(column("A"), column("B")),
            pn.Row(self._slider, self._player, width=WIDE),
            self._result,
            self._loss_slot,
            pn.pane.Markdown(LOSS_NOTE, styles=muted, width=WIDE, margin=(0, 10)),
            sizing_mode="stretch_width",
        )
