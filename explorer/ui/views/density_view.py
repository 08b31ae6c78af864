"""The "Densities" tab: the exact noised data beside the model's samples at the shown time, and the model's own
log-density at t = 0.

* Left, p_t of the training data (:func:`explorer.core.density.forward_marginal`); right, a KDE of the run's samples at
  the same t. Both are blurred by the same Gaussian of std h = smoothing(sigma(t)), so a perfect model matches the
  left up to sampling noise: the left is sum_i N(x; alpha x_i, (sigma² + h²) I)/N, the right a KDE whose total blur
  is h. Both are divided by the left's peak, so one colour scale and one set of contour levels mean the same on both
  sides.
* Below, log p(x) of the model by the probability-flow ODE (:func:`explorer.core.density.log_density`), computed on a
  button as a job of the session's runner (explorer/ui/jobs/runner.py): its thread never touches Bokeh, and the
  runner's poller hands the result to the page's thread, which draws it.
"""
from __future__ import annotations

import math
import time

import numpy as np
import panel as pn
import param
from bokeh.models import ColorBar, ColumnDataSource, LinearColorMapper
from bokeh.palettes import Blues256, Viridis256
from bokeh.plotting import figure
from bokeh.plotting.contour import contour_data

from explorer.core import density
from explorer.core.lazy_import import lazy_module
from explorer.ui.base import StateView
from explorer.ui.jobs.polling import serve_jobs
from explorer.ui.style import BOUNDS

torch = lazy_module("torch", globals())  # imported at first use (core/lazy_import.py)

RES = 80  # cells per axis of the two t-density figures (forward_marginal: ~2-5 ms for 2000 points)
SMOOTH = (0.15, 0.2)  # common blur of both t-densities, h = 0.15 + 0.2 sigma(t) (data units): fine detail at the
# data, and at the noise end a wider blur that 1000 samples can fill without the KDE's noise drawing false contours
LEVELS = (0.05, 0.15, 0.3, 0.5, 0.75)  # contour levels, as fractions of the exact density's peak at t
MIN_UPDATE_S = 0.2  # recompute the t-densities at most 5 times a second
LOGP_RES = 48  # cells per axis of the log-density grid (2304 ODE solves)
LOGP_STEPS = 64  # Heun steps of each log-density solve
LOGP_RANGE = 12.0  # nats shown below the peak of log p; lower is clipped to the darkest colour
NLL_POINTS = 500  # training points in the NLL average
PALETTE = list(Blues256[::-1])  # white (no density) to dark blue
LINE = "#08306b"
EXPLAIN = dict(
    exact="**Exact p<sub>t</sub> of the training data**: every point noised in closed form, α(t)·x + σ(t)·ε.",
    samples="**The model's samples at the same t**, as a density: where the sampler has put its points so far.",
    logp="**The model's own log p(x) at t = 0**, from the probability-flow ODE (exact divergence). "
         "Dots: the training data.")
NOTE = ("Both are smoothed by the same Gaussian (now {h:.2f} wide) and share colours and contour levels (fractions "
        "of the left peak), so where the model is right the two pictures agree up to sampling noise. Darker = denser.")


def smoothing(sigma: float) -> float:
    """The blur (std, data units) of both t-densities when the noise level is `sigma`."""
    return SMOOTH[0] + SMOOTH[1] * sigma


def _square(name: str, title: str, size: int = 360):
    b = BOUNDS
    fig = figure(name=name, title=title, x_range=(b[0], b[1]), y_range=(b[2], b[3]), frame_width=size,
                 frame_height=size, tools="pan,wheel_zoom,reset,save", toolbar_location="right", min_border=4)
    fig.toolbar.logo = fig.grid.grid_line_color = fig.axis.minor_tick_line_color = None
    fig.axis.axis_line_color = fig.axis.major_tick_line_color = "#c8ccd0"
    fig.axis.major_label_text_color = "#80868b"
    fig.outline_line_color = "#dadce0"
    fig.title.update(text_font_size="13px", text_color="#3c4043")
    return fig


def _image(z: np.ndarray | None) -> dict:
    """Columns of a source for fig.image: `z` (rows = y) over BOUNDS, or nothing."""
    b = BOUNDS
    if z is None:
        return {"image": [], "x": [], "y": [], "dw": [], "dh": []}
    return {"image": [z.astype(np.float32)], "x": [b[0]], "y": [b[2]], "dw": [b[1] - b[0]], "dh": [b[3] - b[2]]}


def log_density_work(denoiser, data: np.ndarray):
    """The job's work: log p on the grid and the NLL of up to NLL_POINTS training points (never touches Bokeh)."""
    xs, ys = density.grid(BOUNDS, LOGP_RES)
    gx, gy = np.meshgrid(xs, ys)  # rows = y, as the image expects
    rng = np.random.default_rng(0)
    subset = data[rng.choice(len(data), min(NLL_POINTS, len(data)), replace=False)]
    grid_points, res, steps = np.c_[gx.ravel(), gy.ravel()], LOGP_RES, LOGP_STEPS

    def work(job) -> dict:
        t0 = time.perf_counter()
        logp = density.log_density(denoiser, grid_points, steps=steps).reshape(res, res)
        nll = density.nll(denoiser, subset, steps=steps)
        return {"logp": logp, "nll": nll, "n": len(subset), "seconds": time.perf_counter() - t0}

    return work


class DensityView(StateView):
    """`DensityView(state=state)`: exact vs sampled density at the shown t, and the model's log p(x) on a button."""

    active = param.Boolean(default=True, doc="Whether the view is on screen. While False, a new frame or run only "
                                             "marks the densities stale; they are redrawn when it turns True.")

    def __init__(self, **params):
        super().__init__(**params)
        self.xs, self.ys = density.grid(BOUNDS, RES)
        self.exact = self.sampled = None  # the last densities drawn (not normalised), for tests and notebooks
        self.t: float | None = None
        self.update_ms: float = 0.0  # time of the last t-density update
        self._last, self._pending, self._stale = 0.0, False, False
        self._job = None  # the running log-density job (runner.Job)
        self.logp_result: dict | None = None  # the last log-density job's result (logp, nll, n, seconds)
        self._build_figures()
        self._build_widgets()
        self.state.param.watch(self._on_frame, ["frame"])
        self.state.param.watch(self._on_run, ["run", "data"])
        self.state.param.watch(self._on_model, ["model", "use_oracle", "data"])
        self._on_run()

    # --- construction -----------------------------------------------------------------------
    def _build_figures(self):
        mapper = LinearColorMapper(palette=PALETTE, low=0.0, high=1.0, high_color=PALETTE[-1])
        zero = np.zeros((RES, RES))
        self._figs, self._images, self._contours = {}, {}, {}
        for key, title in (("exact", "Exact density of the noised data"), ("samples", "Density of the samples")):
            fig = _square(f"densities_{key}_figure", title)
            src = ColumnDataSource(_image(zero), name=f"densities_{key}")
            fig.image(image="image", x="x", y="y", dw="dw", dh="dh", source=src, color_mapper=mapper)
            cont = fig.contour(self.xs, self.ys, zero, list(LEVELS), line_color=LINE, line_alpha=0.55,
                               line_width=1.1)
            cont.line_renderer.data_source.name = f"densities_{key}_contours"
            self._figs[key], self._images[key], self._contours[key] = fig, src, cont
        self._figs["samples"].x_range = self._figs["exact"].x_range  # pan and zoom together
        self._figs["samples"].y_range = self._figs["exact"].y_range
        fig = _square("densities_logp_figure", "Model log-density log p(x) at t = 0 (nats)")
        self._logp_mapper = LinearColorMapper(palette=Viridis256, low=-LOGP_RANGE, high=0.0,
                                              low_color=Viridis256[0])
        self._logp = ColumnDataSource(_image(None), name="densities_logp")
        fig.image(image="image", x="x", y="y", dw="dw", dh="dh", source=self._logp, color_mapper=self._logp_mapper)
        self._logp_data = ColumnDataSource({"x": [], "y": []}, name="densities_logp_data")
        fig.scatter("x", "y", source=self._logp_data, size=2.5, color="white", alpha=0.5, line_color=None)
        fig.add_layout(ColorBar(color_mapper=self._logp_mapper, width=12, title="log p, nats",
                                title_text_font_size="11px", major_label_text_font_size="11px"), "right")
        self._figs["logp"] = fig

    def _build_widgets(self):
        self._slider = pn.widgets.IntSlider(label="Sampler step (0 = noise)", start=0, end=1, value=0, width=360,
                                            bar_color="#2171b5")
        self._slider.param.watch(self._on_slider, "value")
        self._button = pn.widgets.Button(label="Compute log-density", color="primary", width=200)
        self._button.on_click(self._on_compute)
        self._spinner = pn.indicators.LoadingSpinner(value=False, visible=False, size=24, color="primary")
        self._note = pn.pane.Markdown(NOTE.format(h=SMOOTH[0]), width=780, styles={"color": "#5f6368"},
                                      margin=(0, 10))
        self.nll_text = pn.pane.Markdown("Press the button: a few seconds for the pretrained model.",
                                         name="densities_nll", width=360)

    # --- the two t-densities ----------------------------------------------------------------
    def _frame(self) -> int:
        return min(self.state.frame, len(self.state.run.times) - 1)

    def _on_slider(self, event):
        if self.state.run is not None and event.new != self._frame():
            self.state.frame = event.new

    def _on_frame(self, *_):
        """Follow state.frame, recomputing at most every MIN_UPDATE_S (later, once, if asked sooner)."""
        if not self.active:  # a scrubbed slider moves the frame: no work for a hidden view
            self._stale = True
            return
        wait = self._last + MIN_UPDATE_S - time.monotonic()
        doc = pn.state.curdoc
        if wait <= 0 or doc is None or doc.session_context is None:  # outside a server: at once
            self.update()
        elif not self._pending:
            self._pending = True
            pn.state.add_periodic_callback(self._flush, period=max(10, int(wait * 1000)), count=1)

    def _flush(self):
        self._pending = False
        self.update()

    def _on_run(self, *_):
        run = self.state.run
        if run is not None:
            with pn.io.hold():
                self._slider.param.update(end=max(1, len(run.times) - 1), disabled=len(run.times) < 2)
        self.update()

    @param.depends("active", watch=True)
    def _on_active(self):
        if self.active and self._stale:
            self.update()

    def update(self):
        """Recompute and draw both t-densities at the shown frame's t (later, if the view is hidden)."""
        if not self.active:
            self._stale = True
            return
        self._stale = False
        st, t0 = self.state, time.perf_counter()
        self._last = time.monotonic()
        if st.run is None or st.data is None or st.model is None:
            return
        frame = self._frame()
        t = float(st.run.times[frame])
        sched = st.model.schedule  # the path the run was sampled on (state.schedule is for the next training)
        sigma = float(sched.sigma(torch.tensor(t, dtype=torch.float64)))
        h, dx = smoothing(sigma), self.xs[1] - self.xs[0]
        # p_t blurred by N(0, h²): each component's variance grows by h² (min_sigma >= sigma sets it).
        exact = density.forward_marginal(st.data, t, sched, self.xs, self.ys, min_sigma=math.hypot(sigma, h))
        # The KDE's binning adds a cell's uniform spread (variance dx²/12): blur by the rest.
        sampled = density.sample_density(st.run.points[frame], self.xs, self.ys,
                                         bandwidth=math.sqrt(h**2 - dx**2 / 12))
        peak = float(exact.max())
        with pn.io.hold():
            for key, z in (("exact", exact), ("samples", sampled)):
                zn = z / peak
                self._images[key].data.update(image=[zn.astype(np.float32)])
                self._contours[key].set_data(contour_data(self.xs, self.ys, zn, list(LEVELS), want_fill=False))
            self._figs["exact"].title.text = f"Exact p_t of the data, t = {t:.3f}"
            self._figs["samples"].title.text = f"Density of the model's samples, t = {t:.3f}"
            self._note.object = NOTE.format(h=h)
            if self._slider.value != frame:
                self._slider.value = frame
        self.exact, self.sampled, self.t = exact, sampled, t
        self.update_ms = 1e3 * (time.perf_counter() - t0)

    # --- the model's log-density ----------------------------------------------------------
    def _key(self):
        st = self.state
        return id(st.model), st.use_oracle, id(st.data)

    def _on_compute(self, *_):
        st = self.state
        denoiser = st.denoiser()
        if denoiser is None or st.data is None:
            st.error = "There is no model yet: train one (or pick a dataset with a pretrained model) first."
            return
        key = self._key()
        with pn.io.hold():
            self._job = st.jobs.start("log-density", log_density_work(denoiser, st.data),
                                      on_done=lambda news: self._on_log_density(news, key))
            self._button.disabled = True
            self._spinner.param.update(value=True, visible=True)
            self.nll_text.object = "Integrating the probability-flow ODE from every grid point..."

    def _on_log_density(self, news, key) -> None:
        """Draw the finished job's result (the session's thread, from the runner)."""
        self._job = None
        with pn.io.hold():
            self._button.disabled = False
            self._spinner.param.update(value=False, visible=False)
            if news.error:
                self.nll_text.object = f"Computing the log-density failed: {news.error}"
            elif key != self._key():
                self.nll_text.object = "The model changed while computing: press the button again."
            else:
                self._draw_logp(news.result)

    def wait_log_density(self, timeout: float = 120.0) -> bool:
        """Block until the running job ends and draw it (tests, notebooks without a server loop). True if it
        did."""
        if self._job is None:
            return False
        return self.state.jobs.wait(timeout, name="log-density")

    def _draw_logp(self, result):
        logp = result["logp"]
        top = float(np.nanmax(logp))
        shown = np.clip(np.nan_to_num(logp, nan=top - LOGP_RANGE), top - LOGP_RANGE, top)
        self._logp_mapper.update(low=top - LOGP_RANGE, high=top)
        self._logp.data = _image(shown)
        data = self.state.data[:: max(1, len(self.state.data) // 1000)]
        self._logp_data.data = {"x": data[:, 0].astype(np.float32), "y": data[:, 1].astype(np.float32)}
        self.logp_result = result
        self.nll_text.object = (f"**NLL on the training data: {result['nll']:.2f} nats/point** "
                                f"(mean −log p over {result['n']} training points; lower is better; "
                                f"{result['seconds']:.1f} s).")

    def _on_model(self, *_):
        if self._logp.data["image"]:
            with pn.io.hold():
                self._logp.data = _image(None)
                self._logp_data.data = {"x": [], "y": []}
                self.nll_text.object = "The model changed: press **Compute log-density** again."

    def __panel__(self):
        serve_jobs(self.state.jobs)  # the session's poller draws the log-density when it is done

        def text(s, width=380):
            return pn.pane.Markdown(s, width=width, styles={"color": "#5f6368"}, margin=(0, 10))

        top = pn.Row(pn.Column(self._figs["exact"], text(EXPLAIN["exact"])),
                     pn.Column(self._figs["samples"], text(EXPLAIN["samples"])))
        side = pn.Column(pn.Row(self._button, self._spinner), self.nll_text,
                         text("The NLL is −log p averaged over the data: the model's surprise at it, in nats per "
                              "point. Lower is better; compare models on the same dataset."), width=400)
        bottom = pn.Row(pn.Column(self._figs["logp"], text(EXPLAIN["logp"])), side)
        return pn.Column(self._slider, self._note, top, bottom)
