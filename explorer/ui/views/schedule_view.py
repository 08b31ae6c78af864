"""The "Schedule" tab: alpha(t), sigma(t) and log-SNR of the chosen noise schedule, with the shown time marked.

Top: how much of the data (alpha) and of the noise (sigma) x_t = alpha x0 + sigma eps holds at each t. Bottom:
log-SNR = log(alpha²/sigma²), with the sampler's time steps as ticks. A vertical line marks the shown frame's t.
The curves come from :func:`explorer.core.schedules.get_schedule`, so they are the formulas the code runs.
"""
from __future__ import annotations

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource, Label, Span
from bokeh.plotting import figure

from explorer.core.lazy_import import lazy_module
from explorer.core.schedules import SCHEDULES, get_schedule
from explorer.ui.base import StateView
from explorer.ui.style import style_figure

torch = lazy_module("torch", globals())  # imported at first use (core/lazy_import.py)

N_T = 401  # points of the t grid on [0, 1]
SNR_CLIP = 50.0  # log-SNR is +-inf at the ends: stored clipped (the axis shows +-SNR_SHOWN)
SNR_SHOWN = 10.0
COLORS = dict(alpha="#1f5fa8", sigma="#e8590c", snr="#2a9d8f", now="#d62828")
SNR_LINE = ("**log-SNR** = log(α²/σ²) is how loud the signal is over the noise at t: +∞ at the data (t = 0), "
            "0 where they are equal, −∞ at pure noise. How much of x0 can be recovered from x_t depends on t "
            "only through it.")


def curves(schedule, n: int = N_T) -> dict:
    """t on [0, 1] (n points) and alpha, sigma, log-SNR (clipped to +-SNR_CLIP) of `schedule`, float64."""
    sched = get_schedule(schedule)
    t = torch.linspace(0.0, 1.0, n, dtype=torch.float64)
    snr = sched.log_snr(t).clamp(-SNR_CLIP, SNR_CLIP)  # +-inf at the ends
    return {"t": t.numpy(), "alpha": sched.alpha(t).numpy(), "sigma": sched.sigma(t).numpy(),
            "log_snr": torch.nan_to_num(snr, nan=0.0).numpy()}


def _style(fig) -> None:
    style_figure(fig)
    fig.title.text_font_size = "13px"
    fig.title.text_color = "#3c4043"


class ScheduleView(StateView):
    """`ScheduleView(state=state)`: the curves of `state.schedule` and a marker at the shown frame's t."""

    def __init__(self, **params):
        super().__init__(**params)
        self.t: float | None = None
        self._build()
        self.state.param.watch(self._on_schedule, ["schedule", "model"])
        self.state.param.watch(self._on_time, ["frame", "run"])
        self._on_schedule()

    def _build(self):
        tools = "xpan,xwheel_zoom,reset,save"
        top = figure(name="schedule_figure", title="Signal α(t) and noise σ(t) in x_t = α·x0 + σ·ε", width=680,
                     height=300, x_range=(0, 1), y_range=(-0.03, 1.08), tools=tools, toolbar_location="right")
        self._lines = ColumnDataSource({"t": [], "alpha": [], "sigma": [], "log_snr": []}, name="schedule_lines")
        top.line("t", "alpha", source=self._lines, color=COLORS["alpha"], line_width=2.5, legend_label="α(t) signal")
        top.line("t", "sigma", source=self._lines, color=COLORS["sigma"], line_width=2.5, legend_label="σ(t) noise")
        top.legend.update(orientation="horizontal", location="top_center", background_fill_alpha=0.8)
        # the sampler's time grid, as small markers on every curve
        self._steps = ColumnDataSource({"t": [], "y": [], "alpha": [], "sigma": [], "snr": []}, name="schedule_steps")
        top.scatter("t", "alpha", source=self._steps, size=4, color=COLORS["alpha"], alpha=0.55)
        top.scatter("t", "sigma", source=self._steps, size=4, color=COLORS["sigma"], alpha=0.55)
        self._dots = ColumnDataSource({"t": [], "v": [], "color": []}, name="schedule_dots")
        top.scatter("t", "v", source=self._dots, size=9, color="color", line_color="white", line_width=1.5)
        bottom = figure(name="schedule_snr_figure", title="log-SNR = log(α²/σ²)", width=680, height=220,
                        x_range=top.x_range, y_range=(-SNR_SHOWN, SNR_SHOWN), tools=tools,
                        toolbar_location="right")
        bottom.line("t", "log_snr", source=self._lines, color=COLORS["snr"], line_width=2.5)
        bottom.scatter("t", "snr", source=self._steps, size=4, color=COLORS["snr"], alpha=0.6)
        bottom.scatter("t", "y", source=self._steps, marker="dash", angle=np.pi / 2, size=8, color="#5f6368",
                       alpha=0.6)
        bottom.xaxis.axis_label = "t  (0 = data, 1 = noise)"
        self._spans = []
        for fig in (top, bottom):
            span = Span(location=0.0, dimension="height", line_color=COLORS["now"], line_width=2, line_dash="dashed",
                        name=f"schedule_now_{len(self._spans)}", visible=False)
            fig.add_layout(span)
            self._spans.append(span)
            _style(fig)
        self._label = Label(x=0.5, y=8, y_units="screen", text="", text_font_size="13px", text_align="center",
                            text_color="#3c4043", background_fill_color="white", background_fill_alpha=0.85)
        top.add_layout(self._label)
        self._top, self._bottom = top, bottom
        self.caption = pn.pane.Markdown("", width=680, styles={"color": "var(--panel-on-background-color, #3c4043)"},
                                        name="schedule_caption")
        self._slider = pn.widgets.IntSlider(label="Sampler step (0 = noise)", start=0, end=1, value=0, width=360,
                                            bar_color=COLORS["now"])
        self._slider.param.watch(self._on_slider, "value")

    def _on_slider(self, event):
        run = self.state.run
        if run is not None and event.new != min(self.state.frame, len(run.times) - 1):
            self.state.frame = event.new

    def _on_schedule(self, *_):
        st = self.state
        self.curves = curves(st.schedule)
        with pn.io.hold():
            self._lines.data = {k: v.astype(np.float32) for k, v in self.curves.items()}
            model = st.model.schedule.name if st.model is not None else None
            note = ""
            if model is not None and model != st.schedule:
                note = (f"\n\n*The shown model was trained on **{model}**; its run and the marker use that path. "
                        f"Press Train to use **{st.schedule}**.*")
            self.caption.object = f"{SCHEDULES[st.schedule].formula}\n\n{SNR_LINE}{note}"
            self._on_time()

    def _on_time(self, *_):
        st = self.state
        run = st.run
        if run is None:
            return
        t = float(run.times[min(st.frame, len(run.times) - 1)])
        self.t = t
        sched = get_schedule(st.schedule)  # the plotted curves' values at t (the note says if the model differs)
        tt = torch.tensor(t, dtype=torch.float64)
        a, s = float(sched.alpha(tt)), float(sched.sigma(tt))
        snr = float(sched.log_snr(tt)) if 0 < t < 1 else (np.inf if t == 0 else -np.inf)
        with pn.io.hold():
            for span in self._spans:
                span.update(location=t, visible=True)
            self._dots.data = {"t": [t, t], "v": [a, s], "color": [COLORS["alpha"], COLORS["sigma"]]}
            grid = torch.from_numpy(run.times.astype(np.float64))
            snr_at = torch.nan_to_num(sched.log_snr(grid).clamp(-SNR_CLIP, SNR_CLIP), nan=0.0)
            self._steps.data = {"t": run.times.astype(np.float32),
                                "y": np.full(len(run.times), -SNR_SHOWN + 0.6, np.float32),
                                "alpha": sched.alpha(grid).numpy().astype(np.float32),
                                "sigma": sched.sigma(grid).numpy().astype(np.float32),
                                "snr": snr_at.numpy().astype(np.float32)}
            self._label.text = f"t = {t:.3f}:  α = {a:.3f},  σ = {s:.3f},  log-SNR = {snr:+.2f}"
            self._slider.param.update(end=max(1, len(run.times) - 1), value=min(st.frame, len(run.times) - 1))

    def __panel__(self):
        steps = pn.pane.Markdown("Dots on the curves and dashes along the bottom: the sampler's time grid (change it "
                                 "in the sidebar: uniform, log-SNR or Karras); dashed red line: the shown t.",
                                 width=680, styles={"color": "#5f6368"})
        return pn.Column(self._slider, self._top, self._bottom, steps, self.caption)
